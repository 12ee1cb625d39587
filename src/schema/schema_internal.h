/* Shared by the schema engine's modules; not part of the public API.
 *
 * Every entry point first builds a SchemaCtx over the schema document.
 * Building it checks the whole document once (every $ref resolves and is
 * local, every pattern compiles, no $ref/allOf/anyOf/oneOf chain leads back
 * to itself without descending into the value), so the walkers after it
 * may follow references without re-checking and are guaranteed to stop:
 * validation and concrete secret discovery are driven by the (finite)
 * value, and the schema-only walkers (form, defaults, secret patterns)
 * stop at an ancestor they are already expanding. A step budget bounds
 * the work a hostile schema can cause through a DAG of references. */
#ifndef ENVCTL_SCHEMA_SCHEMA_INTERNAL_H
#define ENVCTL_SCHEMA_SCHEMA_INTERNAL_H

#include <cjson/cJSON.h>
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "schema/schema.h"
#include "util/buf.h"
#include "util/status.h"

/* Form fields nest at most this deep; deeper is a schema error. */
#define SCHEMA_MAX_FORM_DEPTH 64
/* Validation and value-driven walks recurse at most this deep. */
#define SCHEMA_MAX_CHECK_DEPTH 512
/* Longest $ref/allOf/anyOf/oneOf chain (applied to one value). */
#define SCHEMA_MAX_CHAIN 256
/* Work units (schema node applications, form fields) per call. */
#define SCHEMA_STEP_BUDGET 2000000
/* Most nodes merged into one form field (through $ref and the combiners). */
#define SCHEMA_MAX_MERGE 256
/* Longest pattern accepted, and the largest expanded size of one. */
#define SCHEMA_MAX_PATTERN 4096

/* ------------------------------------------------------------ pointer map */

/* Open-addressing hash map keyed by address; values are borrowed or owned
 * by the user of the map. */
typedef struct SchemaMap {
	const void **keys;
	void **vals;
	size_t cap;
	size_t count;
} SchemaMap;

bool schema_map_put(SchemaMap *m, const void *key, void *val);
/* The value for key; *found (when not NULL) says whether it was present. */
void *schema_map_get(const SchemaMap *m, const void *key, bool *found);
void schema_map_free(SchemaMap *m);

/* ------------------------------------------------------------ context */

typedef struct SchemaCtx {
	const cJSON *root;
	SchemaMap pointers; /* schema node -> its JSON Pointer in the document (owned) */
	const cJSON **order; /* visited schema nodes, in discovery order */
	size_t order_count, order_cap;
	SchemaMap regexes;   /* "pattern" string item -> regex_t * (owned) */
	size_t steps;
	bool clean; /* checked to the end, no cycle: walkers may run (an unknown
		     * $ref or a broken pattern is then simply skipped) */
} SchemaCtx;

/* Checks the document and prepares the context. With collect == NULL the
 * first problem fails the call (err says which and where); with a report,
 * every problem becomes an error finding (pointers prefixed by prefix) and
 * the call fails only when memory runs out; walkers must then not run on
 * the context unless ctx->clean. */
Status schema_ctx_init(SchemaCtx *ctx, const cJSON *root, LintReport *collect,
		       const char *prefix, Error *err);
void schema_ctx_free(SchemaCtx *ctx);
/* Counts one unit of work; false (with err set) when the budget is spent. */
bool schema_ctx_step(SchemaCtx *ctx, Error *err);
/* The JSON Pointer of a checked schema node ("" root), or "?". */
const char *schema_ctx_pointer(const SchemaCtx *ctx, const cJSON *node);
/* The compiled regex of a "pattern" item, or NULL (broken pattern). */
const regex_t *schema_ctx_regex(const SchemaCtx *ctx, const cJSON *pattern_item);

/* ------------------------------------------------------------ $ref */

/* Resolves a local reference ("#", "#/definitions/x", percent-encoded
 * tokens allowed) against root. NULL when it is not local or not there. */
const cJSON *schema_ref_lookup(const cJSON *root, const char *ref, bool *is_local);
/* The target of node's "$ref", or NULL when node has none (after the
 * context check, a $ref always resolves). */
const cJSON *schema_ref_target(const SchemaCtx *ctx, const cJSON *node);

/* ------------------------------------------------------------ regex */

/* Compiles a JSON Schema (ECMA-262 flavoured) pattern as a POSIX extended
 * regex, translating the common escapes (\d \w \s, \uXXXX, (?:...), lazy
 * quantifiers). msg receives why it cannot be used. */
bool schema_regex_compile(const char *pattern, regex_t *out, char *msg, size_t msglen);
bool schema_regex_match(const regex_t *re, const char *text);

/* ------------------------------------------------------------ helpers */

/* "string" -> SCHEMA_STRING; SCHEMA_ANY for an unknown name (*known false). */
SchemaType schema_type_from_name(const char *name, bool *known);
const char *schema_type_name(SchemaType t);
/* The declared type: the first non-null member of a type array. Sets
 * *nullable when the array names "null". SCHEMA_ANY when absent. */
SchemaType schema_node_type(const cJSON *node, bool *nullable);
/* The JSON type of a value (SCHEMA_INTEGER for a whole number in range). */
bool schema_value_is_integer(const cJSON *v);
bool schema_value_has_type(const cJSON *v, SchemaType t);
/* "apiKey" -> "Api Key", "timeout_ms" -> "Timeout Ms". Caller frees. */
char *schema_title_case(const char *key);
/* Shortest text that reads back as d ("0.1", "65535", "1e+30"). */
void schema_format_number(double d, char *out, size_t n);
/* A value as an operator reads it: strings bare, the rest as JSON. */
bool schema_render_value(Buf *b, const cJSON *v);
/* Is value a multiple of m, in decimal (0.3 of 0.1 is)? m > 0. */
bool schema_is_multiple_of(double value, double m);
/* Unicode code points in a UTF-8 string. */
size_t schema_utf8_length(const char *s);
/* The format keyword, or NULL. */
const char *schema_node_format(const cJSON *node);
/* Is s a URI by our rule (see schema_uri_valid in schema_util.c)? */
bool schema_uri_valid(const char *s);

/* Issue lists. */
bool schema_issues_add(SchemaIssues *list, const char *pointer, const char *message);
bool schema_issues_addf(SchemaIssues *list, const char *pointer, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Moves every issue of src to the end of dst (src is left empty). */
bool schema_issues_move(SchemaIssues *dst, SchemaIssues *src);

/* Lint findings. */
bool schema_lint_add(LintReport *r, LintLevel level, const char *prefix, const char *pointer,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Validation against a prepared context (used by lint to check defaults). */
Status schema_validate_ctx(SchemaCtx *ctx, const cJSON *node, const cJSON *value,
			   const char *pointer, SchemaIssues *out, Error *err);

#endif
