#include "util/redact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

char *redact_string(char *s, const char *const *secrets)
{
	for (size_t i = 0; s && secrets && secrets[i]; i++) {
		const char *secret = secrets[i];
		size_t slen = strlen(secret);
		Buf b = BUF_INIT;
		const char *p = s, *hit;

		if (!slen || !strstr(s, secret))
			continue;
		if (slen < REDACT_MIN_SUBSTRING) {
			if (strcmp(s, secret) == 0) {
				char *r = strdup(REDACTED);

				if (!r) {
					memset(s, 0, slen);
					return s;
				}
				free(s);
				s = r;
			}
			continue;
		}
		while ((hit = strstr(p, secret))) {
			buf_append(&b, p, (size_t)(hit - p));
			buf_puts(&b, REDACTED);
			p = hit + slen;
		}
		buf_puts(&b, p);
		if (!b.data) {
			/* Out of memory: losing the text beats leaking the secret. */
			buf_clear(&b);
			memset(s, 0, strlen(s));
			return s;
		}
		free(s);
		s = buf_take(&b);
	}
	return s;
}

void redact_bounded(char *out, size_t n, const char *text, const char *const *secrets)
{
	char *copy;
	size_t len;

	if (!n)
		return;
	copy = strdup(text ? text : "");
	if (copy)
		copy = redact_string(copy, secrets);
	if (!copy) {
		snprintf(out, n, "%s", "(message withheld: out of memory)");
		return;
	}
	len = strlen(copy);
	if (len >= n) {
		len = n - 1;
		/* Not half a character: back up over UTF-8 continuation bytes. */
		while (len && ((unsigned char)copy[len] & 0xC0) == 0x80)
			len--;
	}
	memcpy(out, copy, len);
	out[len] = '\0';
	memset(copy, 0, strlen(copy));
	free(copy);
}
