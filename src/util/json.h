/* cJSON helpers shared by every layer. */
#ifndef ENVCTL_UTIL_JSON_H
#define ENVCTL_UTIL_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "util/status.h"

/* Structural equality: object key order is ignored, numbers compare by
 * value (1 == 1.0), arrays compare element by element. NULL equals only
 * NULL. Upstream compares JSON.stringify output, which makes {"a":1,"b":2}
 * differ from {"b":2,"a":1}; this is the deliberate fix
 * (DESIGN §Where envctl differs from Paperclip on purpose). */
bool json_equal(const cJSON *a, const cJSON *b);

/* Typed getters that tolerate a missing key or the wrong type. */
const char *json_get_string(const cJSON *obj, const char *key);
bool json_is_true(const cJSON *obj, const char *key);
bool json_get_bool(const cJSON *obj, const char *key, bool dflt);
/* A JSON number that is a whole number in [min, max] becomes *out (true);
 * anything else (not a number, fractional, infinite such as 1e999, out of
 * range) is false and leaves *out alone. Every JSON number that becomes a C
 * integer goes through here: casting a double that does not fit is UB. */
bool json_number_to_long(const cJSON *item, long min, long max, long *out);
/* The same for obj[key]. */
bool json_get_int_checked(const cJSON *obj, const char *key, long min, long max, long *out);

/* Adds or replaces key in obj (takes ownership of item; frees it on failure). */
bool json_set(cJSON *obj, const char *key, cJSON *item);
bool json_set_string(cJSON *obj, const char *key, const char *value);
bool json_set_bool(cJSON *obj, const char *key, bool value);

/* Parses text; on failure the error names `what` and the byte offset. */
cJSON *json_parse_named(const char *text, const char *what, Error *err);
/* Reads and parses a file ("-" is stdin). */
cJSON *json_parse_file(const char *path, Error *err);
/* Zeroes every string of the tree (values and keys) in place. */
void json_zero(cJSON *item);
/* For values that held secrets: json_zero, then frees the tree. */
void json_wipe(cJSON *item);
/* Compact printing; caller frees. */
char *json_print(const cJSON *item);
/* Appends what cJSON_Print makes of item, byte for byte, as if it sat
 * depth levels deep (0 for a document), without cJSON's allocations per
 * call: for output that prints thousands of objects. False: out of memory
 * or an item cJSON cannot print. */
struct Buf;
bool json_print_pretty(struct Buf *b, const cJSON *item, int depth);
/* The same for cJSON_PrintUnformatted. */
bool json_print_compact(struct Buf *b, const cJSON *item);
/* s as a JSON string, escaped as cJSON escapes it; NULL prints null. */
bool json_print_string(struct Buf *b, const char *s);

#endif
