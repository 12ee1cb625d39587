#include "util/ids.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <uuid/uuid.h>

#include <sodium.h>

/* A version 4 UUID's text from 16 random bytes. */
static void id_from_random(unsigned char u[16], char out[UUID_STR_LEN])
{
	u[6] = (unsigned char)((u[6] & 0x0f) | 0x40);
	u[8] = (unsigned char)((u[8] & 0x3f) | 0x80);
	uuid_unparse_lower(u, out);
}

void id_new(char out[UUID_STR_LEN])
{
	uuid_t u;

	/* A version 4 UUID from libsodium's generator: libuuid's made five
	 * system calls per id (getrandom, getpid, getuid, gettid, getppid),
	 * which was most of what recording one probe of 10,000 cost. */
	randombytes_buf(u, sizeof u);
	id_from_random(u, out);
}

void id_new_many(char *const out[], size_t n)
{
	unsigned char r[ID_BATCH][16];

	for (size_t done = 0; done < n;) {
		size_t k = n - done < ID_BATCH ? n - done : ID_BATCH;

		randombytes_buf(r, k * sizeof r[0]);
		for (size_t i = 0; i < k; i++)
			id_from_random(r[i], out[done + i]);
		done += k;
	}
}

bool id_is_uuid(const char *s)
{
	uuid_t u;

	return s && strlen(s) == 36 && uuid_parse(s, u) == 0;
}

int64_t time_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void time_digits(char *at, unsigned v, int n)
{
	while (n-- > 0) {
		at[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void time_format_ms(int64_t ms, char out[TIME_STR_LEN])
{
	time_t sec = (time_t)(ms / 1000);
	unsigned frac = (unsigned)(ms % 1000) % 1000u;
	struct tm tm;
	size_t n;

	gmtime_r(&sec, &tm);
	if (tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
		n = strftime(out, TIME_STR_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(out + n, TIME_STR_LEN - n, ".%03uZ", frac);
		return;
	}
	/* YYYY-MM-DDTHH:MM:SS.mmmZ by hand: every row written carries one or
	 * two, and strftime plus snprintf cost more than the insert's own
	 * bookkeeping. Same text as the strftime form above. */
	memcpy(out, "0000-00-00T00:00:00.000Z", 25);
	time_digits(out, (unsigned)(tm.tm_year + 1900), 4);
	time_digits(out + 5, (unsigned)tm.tm_mon + 1, 2);
	time_digits(out + 8, (unsigned)tm.tm_mday, 2);
	time_digits(out + 11, (unsigned)tm.tm_hour, 2);
	time_digits(out + 14, (unsigned)tm.tm_min, 2);
	time_digits(out + 17, (unsigned)tm.tm_sec, 2);
	time_digits(out + 20, frac, 3);
}

void time_now_iso(char out[TIME_STR_LEN])
{
	time_format_ms(time_now_ms(), out);
}

int64_t time_parse_iso(const char *s)
{
	struct tm tm;
	int ms = 0, n = 0;

	if (!s)
		return -1;
	memset(&tm, 0, sizeof tm);
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6)
		return -1;
	if (s[n] == '.') {
		int digits = 0;

		for (n++; s[n] >= '0' && s[n] <= '9'; n++, digits++)
			if (digits < 3)
				ms = ms * 10 + (s[n] - '0');
		while (digits++ < 3)
			ms *= 10;
	}
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm) * 1000 + ms;
}

void time_age(const char *iso, int64_t now_ms, char *out, int outlen)
{
	int64_t t = time_parse_iso(iso);
	int64_t s;

	if (t < 0) {
		snprintf(out, (size_t)outlen, "-");
		return;
	}
	s = (now_ms - t) / 1000;
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(out, (size_t)outlen, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(out, (size_t)outlen, "%lldm", (long long)(s / 60));
	else if (s < 86400)
		snprintf(out, (size_t)outlen, "%lldh", (long long)(s / 3600));
	else
		snprintf(out, (size_t)outlen, "%lldd", (long long)(s / 86400));
}
