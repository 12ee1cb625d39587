/* JSON Pointer (RFC 6901) over cJSON values. */
#ifndef ENVCTL_UTIL_JSONPTR_H
#define ENVCTL_UTIL_JSONPTR_H

#include <cjson/cJSON.h>

#include "util/status.h"

/* The value at pointer ("" is the root), or NULL. */
cJSON *jsonptr_get(const cJSON *root, const char *pointer);
/* Sets the value at pointer, creating intermediate objects; takes
 * ownership of value (freed on failure). "-" appends to an array. */
Status jsonptr_set(cJSON *root, const char *pointer, cJSON *value, Error *err);
/* Removes and frees the value at pointer; ST_E_NOT_FOUND if absent. */
Status jsonptr_remove(cJSON *root, const char *pointer);
/* Appends one escaped reference token ("a/b" -> "/a~1b"); caller frees. */
char *jsonptr_append(const char *pointer, const char *token);

#endif
