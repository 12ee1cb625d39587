#include "core/private.h"

#include <stdlib.h>
#include <string.h>

#include "util/lib.h"

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
	cJSON_ArrayForEach(child, node) {
		/* A plugin may use a secret as an object key, too. */
		if (child->string) {
			char *key = strdup(child->string);

			key = key ? redact_string(key, secrets) : NULL;
			if (!key || strcmp(key, child->string) != 0) {
				if (!(child->type & cJSON_StringIsConst))
					cJSON_free(child->string);
				child->type &= ~cJSON_StringIsConst;
				child->string = key ? key : strdup(REDACTED);
			} else {
				free(key);
			}
		}
		redact_json(child, secrets);
	}
}
