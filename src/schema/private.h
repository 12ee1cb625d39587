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
#ifndef ENVCTL_SCHEMA_PRIVATE_H
#define ENVCTL_SCHEMA_PRIVATE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "schema/schema.h"
#include "util/lib.h"

/* Form fields nest at most this deep; deeper is a schema error. */
#define SCHEMA_MAX_FORM_DEPTH 64
/* Validation and value-driven walks recurse at most this deep. */
#define SCHEMA_MAX_CHECK_DEPTH 512
/* Longest $ref/allOf/anyOf/oneOf chain (applied to one value). */
#define SCHEMA_MAX_CHAIN 256
/* Work units (schema node applications, form fields) per call. */
#define SCHEMA_STEP_BUDGET 1000000
/* Most nodes merged into one form field (through $ref and the combiners). */
#define SCHEMA_MAX_MERGE 256
/* Longest pattern accepted. */
#define SCHEMA_MAX_PATTERN 4096
/* What one call may build: a DAG of references could otherwise make
 * these exponential in the schema's size. */
#define SCHEMA_MAX_FIELDS 20000     /* form fields */
#define SCHEMA_MAX_SECRETS 4096     /* secret patterns or paths */
#define SCHEMA_MAX_DEFAULTS 100000  /* values created by defaults */
/* Issues and findings listed; past these a last entry says so. */
#define SCHEMA_MAX_ISSUES 1000
#define SCHEMA_MAX_FINDINGS 1000

/* The value of one hex digit (either case), or -1: URI escapes and
 * pattern escapes read them alike. */
int schema_hex_digit(char c);

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
void schema_map_clear(SchemaMap *m);

/* ------------------------------------------------------------ context */

/* A compiled pattern (PCRE2, see schema_pattern.c). */
typedef struct SchemaRegex SchemaRegex;

/* A name defined in the document: kind 'r' a resource ($id, and "" for the
 * document itself), 'a' an anchor ($anchor, draft-07 "$id":"#name", and
 * $dynamicAnchor), 'd' a dynamic anchor; uri is absolute ("base#name"). */
typedef struct SchemaName {
	char kind;
	const char *uri;
	const cJSON *node;
} SchemaName;

typedef struct SchemaCtx {
	const cJSON *root;
	SchemaOptions opts;
	bool draft7;        /* draft-07 rules: a $ref hides its siblings */
	bool has_unevaluated; /* some node uses unevaluatedProperties/Items:
			       * validation must then track annotations */
	SchemaMap pointers; /* schema node -> its JSON Pointer in the document (owned) */
	const cJSON **order; /* visited schema nodes, in discovery order */
	size_t order_count, order_cap;
	SchemaMap regexes;   /* "pattern" item / patternProperties member -> SchemaRegex * (owned) */
	SchemaMap refs;      /* node -> the target of its $ref */
	SchemaMap dynrefs;   /* node -> the static target of its $dynamicRef */
	SchemaMap bases;     /* node -> its base URI (interned in strings) */
	SchemaMap keywords;  /* node -> its keyword index (const cJSON *[SKW_COUNT], owned) */
	SchemaName *names;
	size_t names_count, names_cap;
	char **strings;      /* owned strings the maps point into */
	size_t strings_count, strings_cap;
	size_t steps;
	bool clean; /* checked to the end, no cycle: walkers may run (an unknown
		     * $ref or a broken pattern is then simply skipped) */
} SchemaCtx;

/* Checks the document and prepares the context. With collect == NULL the
 * first problem fails the call (err says which and where); with a report,
 * every problem becomes an error finding (pointers prefixed by prefix) and
 * the call fails only when memory runs out; walkers must then not run on
 * the context unless ctx->clean. opts may be NULL (the defaults). */
Status schema_ctx_init(SchemaCtx *ctx, const cJSON *root, LintReport *collect,
		       const char *prefix, Error *err);
Status schema_ctx_init_opts(SchemaCtx *ctx, const cJSON *root, const SchemaOptions *opts,
			    LintReport *collect, const char *prefix, Error *err);
void schema_ctx_clear(SchemaCtx *ctx);
/* Counts one unit of work; false (with err set) when the budget is spent. */
bool schema_ctx_step(SchemaCtx *ctx, Error *err);
/* The JSON Pointer of a checked schema node ("" root), or "?". */
const char *schema_ctx_pointer(const SchemaCtx *ctx, const cJSON *node);
/* The compiled regex of a "pattern" item or a patternProperties member,
 * or NULL (broken pattern). */
const SchemaRegex *schema_ctx_regex(const SchemaCtx *ctx, const cJSON *pattern_item);
/* The base URI that applies inside node ("" for the document itself). */
const char *schema_ctx_base(const SchemaCtx *ctx, const cJSON *node);
/* The node registered under an absolute URI (see SchemaName), or NULL. */
const cJSON *schema_ctx_named(const SchemaCtx *ctx, char kind, const char *uri);
/* Resolves a reference written at node against its base URI: a resource
 * of this document, a JSON Pointer fragment inside it, or an anchor.
 * *remote: the reference names another document (never fetched). */
const cJSON *schema_ctx_resolve(const SchemaCtx *ctx, const cJSON *node, const char *ref,
				bool *remote, bool *nomem);
/* RFC 3986 reference resolution; caller frees; NULL when out of memory. */
char *schema_uri_resolve(const char *base, const char *ref);

/* ------------------------------------------------------------ keywords */

/* The keywords validation reads, indexed once per schema node so a
 * validation does not scan every node's members for every keyword. */
typedef enum SchemaKw {
	SKW_TYPE,
	SKW_ENUM,
	SKW_CONST,
	SKW_MINLENGTH,
	SKW_MAXLENGTH,
	SKW_PATTERN,
	SKW_FORMAT,
	SKW_MINIMUM,
	SKW_MAXIMUM,
	SKW_EXCLUSIVEMINIMUM,
	SKW_EXCLUSIVEMAXIMUM,
	SKW_MULTIPLEOF,
	SKW_ITEMS,
	SKW_PREFIXITEMS,
	SKW_ADDITIONALITEMS,
	SKW_CONTAINS,
	SKW_MINCONTAINS,
	SKW_MAXCONTAINS,
	SKW_MINITEMS,
	SKW_MAXITEMS,
	SKW_UNIQUEITEMS,
	SKW_REQUIRED,
	SKW_PROPERTIES,
	SKW_PATTERNPROPERTIES,
	SKW_ADDITIONALPROPERTIES,
	SKW_PROPERTYNAMES,
	SKW_MINPROPERTIES,
	SKW_MAXPROPERTIES,
	SKW_DEPENDENTREQUIRED,
	SKW_DEPENDENCIES,
	SKW_DEPENDENTSCHEMAS,
	SKW_ALLOF,
	SKW_ANYOF,
	SKW_ONEOF,
	SKW_NOT,
	SKW_IF,
	SKW_THEN,
	SKW_ELSE,
	SKW_UNEVALUATEDPROPERTIES,
	SKW_UNEVALUATEDITEMS,
	SKW_REF,
	SKW_DYNAMICREF,
	SKW_DYNAMICANCHOR,
	SKW_CONTENTENCODING,
	SKW_CONTENTMEDIATYPE,
	SKW_COUNT
} SchemaKw;

/* The keyword values of a schema node, indexed by SchemaKw (NULL when
 * absent). Nodes of the checked document are indexed once; any other
 * object is indexed into scratch. */
const cJSON *const *schema_ctx_keywords(const SchemaCtx *ctx, const cJSON *node,
					const cJSON *scratch[SKW_COUNT]);

/* ------------------------------------------------------------ the walk */

/* The one list of combiners (allOf, anyOf, oneOf), in this order. */
#define SCHEMA_COMBINERS 3
extern const char *const schema_combiners[SCHEMA_COMBINERS];

/* How a subschema applies to the value of the node that holds it. */
typedef enum SchemaApply {
	SCHEMA_APPLY_REF,     /* $ref target */
	SCHEMA_APPLY_DYNREF,  /* $dynamicRef (its static target) */
	SCHEMA_APPLY_ALL,     /* allOf member (ALL + i follows schema_combiners) */
	SCHEMA_APPLY_ANY,     /* anyOf branch */
	SCHEMA_APPLY_ONE,     /* oneOf branch */
	SCHEMA_APPLY_NOT,
	SCHEMA_APPLY_IF,
	SCHEMA_APPLY_THEN,
	SCHEMA_APPLY_ELSE,
	SCHEMA_APPLY_DEPENDENT, /* dependentSchemas/dependencies value, when key is present */
} SchemaApply;

typedef struct SchemaSub {
	SchemaApply kind;
	const char *keyword;
	size_t index;     /* member index for the combiners */
	const char *key;  /* the trigger property for SCHEMA_APPLY_DEPENDENT */
} SchemaSub;

/* Returns false to stop the walk. */
typedef bool (*SchemaVisit)(void *arg, const cJSON *sub, const SchemaSub *how);

/* Calls visit for every subschema that applies to the same value as node
 * (its in-place applicators), in a fixed order: $ref, $dynamicRef, allOf,
 * anyOf, oneOf, not, if, then, else, dependentSchemas, dependencies.
 * Every walker (validation, defaults, secret discovery, lint, the cycle
 * check) goes through here, so they agree on what a schema is made of.
 * Under draft-07 rules a $ref hides the rest. Returns false when visit
 * stopped it. */
bool schema_each_inplace(const SchemaCtx *ctx, const cJSON *node, SchemaVisit visit, void *arg);
/* The same with node's keyword index at hand (schema_ctx_keywords). */
bool schema_each_inplace_k(const SchemaCtx *ctx, const cJSON *node, const cJSON *const *k,
			   SchemaVisit visit, void *arg);
/* The one overflow rule of the walkers that merge the schemas applying to
 * a value (defaults, secrets, form): more than SCHEMA_MAX_MERGE is an
 * error naming where, never a silent cut. Returns ST_E_INVALID. */
Status schema_merge_overflow(const SchemaCtx *ctx, const cJSON *node, Error *err);
/* draft-07 rules and node has a $ref: its other keywords are ignored. */
bool schema_ref_ignores_siblings(const SchemaCtx *ctx, const cJSON *node);

/* ------------------------------------------------------------ $ref */

/* The target of node's "$ref", or NULL when node has none (after the
 * context check, a $ref always resolves). */
const cJSON *schema_ref_target(const SchemaCtx *ctx, const cJSON *node);

/* ------------------------------------------------------------ regex */

/* Compiles a JSON Schema (ECMA-262) pattern with PCRE2; NULL with msg
 * saying why it cannot be used ("out of memory" when that is why). */
SchemaRegex *schema_regex_compile(const char *pattern, char *msg, size_t msglen);
/* Searches text (not anchored): 1 found, 0 not found, -1 when the match
 * limits were hit or text is not valid UTF-8 (the value cannot be checked). */
int schema_regex_match(const SchemaRegex *re, const char *text, size_t len);
void schema_regex_free(SchemaRegex *re);

/* ------------------------------------------------------------ formats */

/* Does s satisfy format? *known is false for a format envctl does not
 * check (it is then an annotation and s passes). */
bool schema_format_valid(const char *format, const char *s, bool *known);
/* A host name (labels split on "." and, with idn, the ideographic and
 * fullwidth full stops) whose labels are LDH or IDNA2008 labels: A-labels
 * always, U-labels only with idn (schema_idna.c). */
bool schema_idna_hostname(const char *s, bool idn);
/* The message for a value that fails format ("must be a URI such as ..."). */
const char *schema_format_message(const char *format);

/* ------------------------------------------------------------ helpers */

/* x when it is an array (an object), else NULL: for iterating a keyword
 * that may hold the wrong kind of value. */
static inline const cJSON *schema_json_array(const cJSON *x)
{
	return cJSON_IsArray(x) ? x : NULL;
}

static inline const cJSON *schema_json_object(const cJSON *x)
{
	return cJSON_IsObject(x) ? x : NULL;
}

/* "string" -> SCHEMA_STRING; SCHEMA_ANY for an unknown name (*known false). */
SchemaType schema_type_from_name(const char *name, bool *known);
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

/* Issue lists. */
bool schema_issues_add(SchemaIssues *list, const char *pointer, const char *message);
/* Moves every issue of src to the end of dst (src is left empty). */
bool schema_issues_move(SchemaIssues *dst, SchemaIssues *src);

/* Lint findings. */
bool schema_lint_add(LintReport *r, LintLevel level, const char *prefix, const char *pointer,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Validation against a prepared context (used by lint to check defaults). */
Status schema_validate_ctx(SchemaCtx *ctx, const cJSON *node, const cJSON *value,
			   const char *pointer, SchemaIssues *out, Error *err);

#endif
