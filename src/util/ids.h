/* Ids and times. All ids are UUIDv4 text; all times are UTC ISO-8601 text
 * with milliseconds ("2026-11-26T03:55:21.123Z"), which sorts as it reads. */
#ifndef ENVCTL_UTIL_IDS_H
#define ENVCTL_UTIL_IDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UUID_STR_LEN 37
#define TIME_STR_LEN 32

void id_new(char out[UUID_STR_LEN]);
/* n new ids into out[0..n-1], one draw of random bytes per ID_BATCH of
 * them: libsodium makes a getrandom call per draw, and one per id was
 * 10,006 system calls in an `env probe --all` of 10,001 environments. */
#define ID_BATCH 64
void id_new_many(char *const out[], size_t n);
bool id_is_uuid(const char *s);

int64_t time_now_ms(void);
void time_format_ms(int64_t ms, char out[TIME_STR_LEN]);
void time_now_iso(char out[TIME_STR_LEN]);
/* Parses the format above (and without fraction); -1 on error. */
int64_t time_parse_iso(const char *s);
/* "3s", "5m", "2h", "4d" since the time; out must hold 16 bytes. */
void time_age(const char *iso, int64_t now_ms, char *out, int outlen);

#endif
