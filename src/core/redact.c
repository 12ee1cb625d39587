#include "core/redact.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/jsonptr.h"

const char **redact_collect(const cJSON *config, char *const *pointers)
{
	size_t n = 0, k = 0;
	const char **out;

	while (pointers && pointers[n])
		n++;
	out = calloc(n + 1, sizeof *out);
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const cJSON *v = jsonptr_get(config, pointers[i]);

		if (cJSON_IsString(v) && v->valuestring[0])
			out[k++] = v->valuestring;
	}
	return out;
}

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
			buf_free(&b);
			memset(s, 0, strlen(s));
			return s;
		}
		free(s);
		s = buf_take(&b);
	}
	return s;
}

void redact_json(cJSON *node, const char *const *secrets)
{
	cJSON *child;

	if (!node || !secrets || !secrets[0])
		return;
	if (cJSON_IsString(node)) {
		char *copy = strdup(node->valuestring);
		char *out;

		if (!copy) {
			cJSON_SetValuestring(node, REDACTED);
			return;
		}
		out = redact_string(copy, secrets);
		if (strcmp(out, node->valuestring) != 0)
			cJSON_SetValuestring(node, out);
		free(out);
		return;
	}
	cJSON_ArrayForEach(child, node)
		redact_json(child, secrets);
}
