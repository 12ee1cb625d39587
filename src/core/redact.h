/* Keeps secret plaintexts out of what providers hand back: a plugin may
 * echo its config in a probe's diagnostics or an error, and that text is
 * stored and printed. */
#ifndef ENVCTL_CORE_REDACT_H
#define ENVCTL_CORE_REDACT_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "util/lib.h"


/* Collects every string value found at the given pointers of config (the
 * resolved secret fields). Returns a NULL-terminated array of borrowed
 * pointers into config; free the array (not the strings) with free(). */
const char **redact_collect(const cJSON *config, char *const *pointers);
/* Replaces, in every string and object key of node (recursively), each
 * occurrence of a secret with REDACTED. */
void redact_json(cJSON *node, const char *const *secrets);

#endif
