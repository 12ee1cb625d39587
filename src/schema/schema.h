/* schema: the JSON Schema subset of DESIGN §Schema-driven configs — form
 * model, validation, defaults, coercion, secret discovery and lint. No
 * storage, no curses.
 *
 * This header is the contract other layers code against; the engine
 * behind it lives in src/schema/ (one .c file per module). */
#ifndef ENVCTL_SCHEMA_SCHEMA_H
#define ENVCTL_SCHEMA_SCHEMA_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/lib.h"

/* ------------------------------------------------------------ form model */

typedef enum SchemaType {
	SCHEMA_ANY,
	SCHEMA_STRING,
	SCHEMA_NUMBER,
	SCHEMA_INTEGER,
	SCHEMA_BOOLEAN,
	SCHEMA_OBJECT,
	SCHEMA_ARRAY,
	SCHEMA_NULL,
} SchemaType;

typedef struct SchemaField SchemaField;

/* An object's own if/then/else: which properties each outcome adds. A
 * key only a branch names is shown while that branch applies. */
typedef struct SchemaCond {
	const cJSON *if_node;  /* borrowed from the schema */
	char **then_keys;      /* NULL-terminated: properties then declares or requires */
	char **else_keys;
	char **then_required;  /* what each outcome requires */
	char **else_required;
} SchemaCond;

/* One alternative of an object's own oneOf/anyOf, offered to the operator
 * as a choice (which branch), after which the form shows that branch's
 * fields. */
typedef struct SchemaChoice {
	char *label;         /* the branch's title, else the titles of what it requires */
	char **keys;         /* NULL-terminated: properties the branch requires or declares */
	cJSON *sets;         /* object: the const values the branch requires, which
			      * choosing it fills in ({"inCluster": true}) */
	const cJSON *branch; /* borrowed from the schema */
} SchemaChoice;

/* One node of the ordered form tree. Pointers to cJSON are borrowed from
 * the schema the form was loaded from: keep the schema alive. */
struct SchemaField {
	char *key;         /* property name; NULL for the root and the templates */
	char *pointer;     /* JSON Pointer of the value ("" root, "/a/b", "/list/-" item template) */
	char *title;       /* title, else the key in Title Case */
	char *description; /* may be NULL */
	SchemaType type;   /* first non-null member of a type array */
	bool required;
	bool read_only;
	bool textarea;     /* format: "textarea" */
	bool secret;       /* format: "secret-ref" (from any merged node: a secret
			    * in one branch is a secret, as in discovery) */
	bool uri;          /* format: "uri" */
	bool credential_warning; /* named like a credential but not secret-ref */
	const cJSON *default_value;
	const cJSON *enum_values; /* array, or NULL */
	const cJSON *const_value;
	bool has_min_length, has_max_length;
	long min_length, max_length;
	bool has_minimum, has_maximum, exclusive_minimum, exclusive_maximum;
	double minimum, maximum;
	bool has_multiple_of;
	double multiple_of;
	bool has_min_items, has_max_items;
	long min_items, max_items;
	char *pattern;     /* as written in the schema (ECMA syntax) */
	SchemaField **children; /* object properties, in schema order */
	size_t child_count;
	SchemaField *items;      /* array item template, or NULL */
	SchemaField *additional; /* additionalProperties value template (a map), or NULL;
				  * its pointer is the map's plus "/" "*" */
	const cJSON *node;       /* the resolved schema node ($ref followed) */
	/* Added with the engine (keep at the end: other layers zero-init). */
	bool nullable;           /* the type array names "null": null is a valid value */
	bool recursive;          /* a recursive $ref stops here: children are not
				  * expanded; edit this value as JSON */
	SchemaField *parent;     /* NULL for the root */
	cJSON *owned_enum;       /* internal: storage behind a merged enum_values */
	/* Form hints and alternatives (#11, #19). */
	SchemaChoice *choices;   /* an object's oneOf/anyOf of at least two object
				  * branches; NULL otherwise */
	size_t choice_count;
	char *group;             /* x-paperclip-group, or NULL */
	bool advanced;           /* x-paperclip-advanced: folded behind "Advanced" */
	/* The 2020-12 applicators (#13), see schema_form_load. */
	SchemaCond *conds;       /* the object's if/then/else (with a then or an else) */
	size_t cond_count;
	const cJSON *dependent_required; /* object: trigger -> names it requires, or NULL */
	SchemaField **tuple;     /* prefixItems (draft-07: items as an array): one field
				  * per position, pointer "/list/0"; items is the rest */
	size_t tuple_count;
	const cJSON *key_patterns; /* patternProperties: the map's allowed names, or NULL */
	bool closed_keys;        /* additionalProperties false: a name must match one */
	const cJSON *key_names;  /* propertyNames schema, or NULL */
	bool unique_items;       /* uniqueItems: schema_array_duplicate marks repeats */
	char *not_text;          /* `not`, in plain words ("must not be \"root\""), or NULL */
};

/* Builds the form tree of a schema. allOf members are merged into the
 * object; for oneOf/anyOf the properties of every branch are fields of the
 * object, and an object's own oneOf/anyOf of object branches is also
 * listed in choices, so a front end can offer the alternatives (which
 * branch) and show only the chosen branch's fields. A const or enum that
 * a single branch states is that branch's condition, not a fixed value:
 * the field stays editable. Fails on an invalid schema (unknown $ref, a $ref cycle,
 * a non-object schema), naming the JSON Pointer inside the schema.
 *
 * Rendering model, in detail:
 *  - A field merges its own schema node, its $ref target, its allOf
 *    members and its oneOf/anyOf branches, in that order. For a scalar
 *    keyword (title, type, bounds, default, ...) the first node that
 *    states it wins, so a node's own annotations override its $ref;
 *    the formats (textarea, secret-ref, uri) of all nodes add up.
 *  - Properties are the ordered union over those nodes. A property named
 *    in several branches is one field; when the branches give it
 *    different const/enum values (a discriminator such as
 *    {"mode":{"const":"a"}} | {"mode":{"const":"b"}}) the field offers the
 *    union as its enum.
 *  - required: named by the node itself, its $ref or an allOf member, or
 *    by every branch of one oneOf/anyOf. Branch-only requirements are
 *    left to validation, which reports them with the branch's messages.
 *  - A $ref back to a node being expanded (a tree whose children are
 *    trees) stops there: that field has recursive = true and no children.
 *  - A property whose schema is `false` is not shown.
 *  - The applicators go through the one walker (schema_each_inplace):
 *    $ref, allOf merge; oneOf/anyOf, then/else and dependentSchemas are
 *    branches (their properties are fields, their requirements are not
 *    the field's); `if` and `not` are conditions, never fields. An
 *    object's own if/then/else is listed in conds (schema_field_shown),
 *    its dependentRequired in dependent_required; `not` becomes not_text.
 *  - prefixItems is a tuple of fields; patternProperties is a map whose
 *    value template is the first pattern's schema (when there is no
 *    additionalProperties schema), its names checked by
 *    schema_map_key_check.
 *  - More than 256 schemas applying to one value is an error (the same
 *    rule as validation, defaults and secret discovery).
 *  - Nesting deeper than 64 fields is an error. */
Status schema_form_load(const cJSON *schema, SchemaField **root_out, Error *err);
void schema_field_free(SchemaField *f);
/* Which of obj's choices the value (obj's value) makes: the first branch
 * whose required properties are present and whose const values match,
 * else the first that holds a property only it names; -1 when none. */
int schema_choice_of(const SchemaField *obj, const cJSON *value);
/* Is key a property some choice names (shown only with its branch)? And
 * does choice i name it? */
bool schema_choice_owns(const SchemaField *obj, int choice, const char *key);
bool schema_choice_is_branch_key(const SchemaField *obj, const char *key);
/* if/then/else and dependentRequired against the object's current value
 * (obj's value, may be NULL): is the property key shown — false only for a
 * key that the outcome not taken alone names — and is it required now
 * (required, or required by the outcome taken, or by a dependentRequired
 * whose trigger the value holds)? A condition that cannot be decided
 * (a $ref inside it) shows both outcomes and requires neither. */
bool schema_field_shown(const SchemaField *obj, const cJSON *value, const char *key);
bool schema_field_required_now(const SchemaField *obj, const cJSON *value, const char *key);
/* A map's key as the operator types it (patternProperties, propertyNames,
 * additionalProperties false): true when allowed, else false with why set
 * ("the name must match ^[A-Z_]+$"). */
bool schema_map_key_check(const SchemaField *map, const char *key, char *why, size_t whylen);
/* uniqueItems: the first earlier row of array equal to row, or -1. */
long schema_array_duplicate(const SchemaField *arr, const cJSON *array, size_t row);
/* The field that edits the value at pointer: "/hosts/3/name" finds the
 * item template's "name", "/env/FOO" the map's value template. Template
 * pointers ("/hosts/-/name", and "/env/" "*" for a map's template)
 * work too. NULL when none. */
const SchemaField *schema_field_find(const SchemaField *root, const char *pointer);

/* ------------------------------------------------------------ validation */

typedef struct SchemaIssue {
	char *pointer; /* JSON Pointer of the value ("" for the root) */
	char *message; /* "must be at most 65535", "required", ... */
} SchemaIssue;

typedef struct SchemaIssues {
	SchemaIssue *items;
	size_t count;
	size_t cap;
} SchemaIssues;

/* Validates value against schema and reports every violation at once in
 * out ("/port: must be at most 65535"). Returns ST_OK when the value was
 * checked (valid or not: look at out->count); an error status only when
 * the schema itself is broken (bad $ref, bad regex), with err naming it.
 * out is overwritten (it need not be initialised); free it with
 * schema_issues_clear whatever the result.
 *
 * Messages: "required" (at the missing property's pointer), "must be a
 * string" (an integer, a number, a boolean, an object, an array, null;
 * "a string or null" for a type array), "must be one of a, b", "must
 * equal x", "must be at least N characters", "must be at most N
 * characters", "must match the pattern P", "must be a URI such as
 * https://example.com/path", "must be at least N", "must be at most N",
 * "must be greater than N", "must be less than N", "must be a multiple of
 * N", "must have at least N items", "must have at most N items", "unknown
 * field" (additionalProperties: false), "not allowed" (a false schema),
 * "must match one of the N alternatives", "must match exactly one of the
 * N alternatives, but matches M", "must not equal x" / "must not be a
 * string" / "must not match the schema under \"not\"", "must not repeat
 * item N (items must be unique)" (at the duplicate), "must contain at
 * least N items matching the \"contains\" schema", "must have at least N
 * fields", "required when \"k\" is set" (dependentRequired), "the field
 * name \"k\" is not allowed: ..." (propertyNames), "unexpected item"
 * (unevaluatedItems: false), "no value is allowed here (the enum is
 * empty)", and per format "must be an email address such as ...". For a oneOf/anyOf that no branch
 * matches, the messages of the closest branch are given when one branch
 * is clearly closest.
 *
 * At most 1000 issues are listed; a last one ("more problems were
 * found...") says when others were left out.
 *
 * Numbers: an integer is any whole number (1.0 and 1e30 yes, 1.5 no), as
 * ajv has it: a reader of a config integer range-checks it; multipleOf is decided in decimal on the shortest text of each
 * number (0.3 is a multiple of 0.1). Patterns are ECMA-262, searched, not
 * anchored (JSON Schema), run on PCRE2 independently of the locale (see
 * schema_pattern.c); a value a pattern cannot be checked against (match
 * limits) is an issue, never accepted. A $ref to another document is a
 * schema error (never fetched). Formats are asserted (see SchemaOptions). */
Status schema_validate(const cJSON *schema, const cJSON *value, SchemaIssues *out, Error *err);

/* Which JSON Schema rules apply. AUTO (the default) is 2020-12 whatever
 * $schema says, as ajv 8 does: the siblings of a $ref apply even in a
 * draft-07 document, so envctl never saves a config the plugin's ajv
 * refuses. DRAFT7 gives strict draft-07 (a $ref hides its siblings;
 * contentEncoding/contentMediaType asserted), as the test suite expects.
 * Both read the other's spellings (items as a tuple + additionalItems,
 * dependencies, definitions, "$id":"#anchor"). */
typedef enum SchemaDialect {
	SCHEMA_DIALECT_AUTO,
	SCHEMA_DIALECT_2020_12,
	SCHEMA_DIALECT_DRAFT7,
} SchemaDialect;

/* Zero-initialised options are the defaults (what schema_validate uses). */
typedef struct SchemaOptions {
	SchemaDialect dialect;
	/* format is an annotation only (2020-12's default vocabulary). By
	 * default envctl asserts the formats it knows, as ajv with
	 * ajv-formats does for Paperclip plugins (see README). */
	bool format_annotation_only;
	/* accept `true`/`false` as the whole schema (the test suite does;
	 * a plugin's configSchema must be an object) */
	bool allow_boolean_root;
} SchemaOptions;

/* schema_validate with options (opts may be NULL). */
Status schema_validate_opts(const cJSON *schema, const cJSON *value, const SchemaOptions *opts,
			    SchemaIssues *out, Error *err);

/* A schema checked once and validated many times (the check — references,
 * patterns, cycles — is most of the cost for a small value). Keep the
 * schema alive while the compiled form is in use. */
typedef struct SchemaCompiled SchemaCompiled;
Status schema_compile(const cJSON *schema, const SchemaOptions *opts, SchemaCompiled **out,
		      Error *err);
Status schema_validate_compiled(SchemaCompiled *compiled, const cJSON *value, SchemaIssues *out,
				Error *err);
void schema_compiled_free(SchemaCompiled *compiled);
void schema_issues_clear(SchemaIssues *issues);
/* "/port: must be at most 65535; /apiKey: required" — caller frees. */
char *schema_issues_join(const SchemaIssues *issues, const char *sep);

/* ------------------------------------------------------------ values */

/* The initial form values: every default, recursively (objects with
 * defaults inside become objects). Never NULL on success ({} when the
 * schema has no defaults). A node's own default wins over its $ref's;
 * an object default is completed with its properties' defaults; arrays
 * get only an explicit default; allOf members all contribute, of a
 * oneOf/anyOf only the first branch (initial values never mix
 * alternatives); a recursive $ref is not followed. */
cJSON *schema_defaults(const cJSON *schema, Error *err);
/* Fills in defaults missing from config (in place), following the config
 * into objects, array items and additionalProperties values; keys already
 * present are never changed. */
Status schema_apply_defaults(const cJSON *schema, cJSON *config, Error *err);
/* Converts form text to the field's JSON type: "12a" for an integer field
 * is an error naming the field ("Port (/port): must be an integer, not
 * \"12a\""; a secret field's text is never quoted back).
 *  - empty text (or NULL) -> *out = NULL: remove the key (for a required
 *    field validation then says "required");
 *  - enum/const: the member whose text matches, in the member's own type;
 *  - string: the text as is; integer: optional sign and digits within
 *    int64; number: JSON number syntax (surrounding blanks ignored);
 *    boolean: true/false, yes/no, on/off, 1/0 (any case);
 *  - object/array: JSON text of that type; null: "null";
 *  - any other (untyped) field: JSON text if it parses, else the string. */
Status schema_coerce(const SchemaField *field, const char *text, cJSON **out, Error *err);

/* ------------------------------------------------------------ secrets */

/* Every format:"secret-ref" location in the schema, through every
 * applicator: properties, patternProperties and additionalProperties
 * ("*"), prefixItems/tuple items (the index), items, contains and
 * unevaluated* ("-"), and in place $ref, allOf/anyOf/oneOf, not,
 * if/then/else, dependentSchemas ("/hosts/-/password" for items,
 * "/env/" "*" for the values of an additionalProperties map). A field that
 * is a secret in any branch is a secret. A recursive schema's patterns
 * stop where it repeats (schema_secret_paths follows the config to any
 * depth). Returns a NULL-terminated array of strings (empty when there
 * are none); free with schema_paths_free. More than 4096 is an error. */
Status schema_secret_patterns(const cJSON *schema, char ***out, Error *err);
/* The concrete secret pointers present in config ("/hosts/0/password"),
 * in config order, RFC 6901 escaped ("/a~1b" for key "a/b"; "a.b" stays
 * "/a.b"). Only keys the config holds are listed, whatever their value.
 * Free with schema_paths_free. */
Status schema_secret_paths(const cJSON *schema, const cJSON *config, char ***out, Error *err);
void schema_paths_free(char **paths);

/* ------------------------------------------------------------ lint */

typedef enum LintLevel { LINT_WARNING, LINT_ERROR } LintLevel;

typedef struct LintFinding {
	LintLevel level;
	char *pointer; /* where in the manifest/schema */
	char *message;
} LintFinding;

/* errors and warnings are the totals; items lists at most 1000 findings
 * (plus one note saying more were left out). */
typedef struct LintReport {
	LintFinding *items;
	size_t count;
	size_t errors;
	size_t warnings;
	size_t cap;
} LintReport;

/* Lints a bare configSchema. out is overwritten; free it with
 * lint_report_clear. Returns ST_OK when the schema was examined (look at
 * out->errors and out->warnings); an error status only when memory ran out.
 *
 * Errors: schema not an object, unknown or non-local $ref, a $ref cycle,
 * a pattern that does not compile, a default that fails its own schema, a
 * required name that no property defines, malformed keywords (unknown
 * type, negative minLength, multipleOf <= 0, minimum > maximum, ...).
 * Warnings: a property without a description (and title), a property
 * named like a credential that is not format "secret-ref" (its value
 * would be stored in plain text), a secret field with a default, a
 * keyword whose fields the form shows whatever the value (additionalItems,
 * dependentSchemas, dependencies with schemas: they are validated), a
 * keyword envctl does not know (it is ignored). */
Status schema_lint(const cJSON *schema, LintReport *out, Error *err);
/* Lints a plugin manifest (driverKey format and uniqueness, kind,
 * each driver's configSchema). A manifest is an object with an
 * "environmentDrivers" array; unknown top-level keys are accepted. */
Status schema_lint_manifest(const cJSON *manifest, LintReport *out, Error *err);
void lint_report_clear(LintReport *r);

/* Does a property name look like a credential (key, token, secret,
 * password, privateKey, ...)? */
bool schema_name_looks_secret(const char *name);
/* Does a document look like a plugin manifest (has environmentDrivers)? */
bool schema_is_manifest(const cJSON *doc);

#endif
