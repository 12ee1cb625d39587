/* Replacing secret plaintexts in text. Every layer that bounds text a
 * provider sent (a worker's error message, a summary) redacts the whole
 * text first and cuts after, or the cut would keep a secret's prefix. */
#ifndef ENVCTL_UTIL_REDACT_H
#define ENVCTL_UTIL_REDACT_H

#include <stddef.h>

#define REDACTED "[redacted]"
/* Shorter secrets are redacted only where a whole string equals them: as
 * substrings they would blank out ordinary words ("t" in "destroy"). */
#define REDACT_MIN_SUBSTRING 4

/* Replaces each occurrence of a secret in the heap string s with
 * REDACTED; returns the (possibly reallocated) string. */
char *redact_string(char *s, const char *const *secrets);
/* Redacts all of text, then copies it into out (n bytes, cut at a UTF-8
 * character boundary). Out of memory: a fixed "(message withheld)". */
void redact_bounded(char *out, size_t n, const char *text, const char *const *secrets);

#endif
