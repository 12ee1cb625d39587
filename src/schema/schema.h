/* schema: the JSON Schema subset of SPEC §4 — form model, validation,
 * defaults, coercion, secret discovery and lint. No storage, no curses.
 *
 * This header is the contract other layers code against; the engine
 * behind it lives in src/schema/*.c. */
#ifndef ENVCTL_SCHEMA_SCHEMA_H
#define ENVCTL_SCHEMA_SCHEMA_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/status.h"

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

/* One node of the ordered form tree. Pointers to cJSON are borrowed from
 * the schema the form was loaded from: keep the schema alive. */
struct SchemaField {
	char *key;         /* property name; NULL for the root and array items */
	char *pointer;     /* JSON Pointer of the value ("" root, "/a/b", "/list/-" item template) */
	char *title;       /* title, else the key in Title Case */
	char *description; /* may be NULL */
	SchemaType type;   /* first non-null member of a type array */
	bool required;
	bool read_only;
	bool textarea;     /* format: "textarea" */
	bool secret;       /* format: "secret-ref" */
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
	char *pattern;
	SchemaField **children; /* object properties, in schema order */
	size_t child_count;
	SchemaField *items;      /* array item template, or NULL */
	SchemaField *additional; /* additionalProperties value template (a map), or NULL */
	const cJSON *node;       /* the resolved schema node ($ref followed) */
};

/* Builds the form tree of a schema. oneOf/anyOf branches are not rendered
 * as alternatives: allOf members are merged into the object, and for
 * oneOf/anyOf the properties of every branch are shown (validation picks
 * the branch). Fails on an invalid schema (unknown $ref, a $ref cycle,
 * a non-object schema), naming the JSON Pointer inside the schema. */
Status schema_form_load(const cJSON *schema, SchemaField **root_out, Error *err);
void schema_field_free(SchemaField *f);
const SchemaField *schema_field_find(const SchemaField *root, const char *pointer);

/* ------------------------------------------------------------ validation */

typedef struct SchemaIssue {
	char *pointer; /* JSON Pointer of the value ("" for the root) */
	char *message; /* "must be at most 65535", "required", ... */
} SchemaIssue;

typedef struct SchemaIssues {
	SchemaIssue *items;
	size_t count;
} SchemaIssues;

/* Validates value against schema and reports every violation at once in
 * out ("/port: must be at most 65535"). Returns ST_OK when the value was
 * checked (valid or not: look at out->count); an error status only when
 * the schema itself is broken (bad $ref, bad regex), with err naming it. */
Status schema_validate(const cJSON *schema, const cJSON *value, SchemaIssues *out, Error *err);
void schema_issues_free(SchemaIssues *issues);
/* "/port: must be at most 65535; /apiKey: required" — caller frees. */
char *schema_issues_join(const SchemaIssues *issues, const char *sep);

/* ------------------------------------------------------------ values */

/* The initial form values: every default, recursively (objects with
 * defaults inside become objects). Never NULL on success. */
cJSON *schema_defaults(const cJSON *schema, Error *err);
/* Fills in defaults missing from config (in place). */
Status schema_apply_defaults(const cJSON *schema, cJSON *config, Error *err);
/* Converts form text to the field's JSON type: "12a" for an integer field
 * is an error naming the field. */
Status schema_coerce(const SchemaField *field, const char *text, cJSON **out, Error *err);

/* ------------------------------------------------------------ secrets */

/* Every format:"secret-ref" location in the schema, through properties,
 * allOf/anyOf/oneOf, $ref and array items ("/hosts/-/password" for items).
 * Returns a NULL-terminated array of strings; free with schema_paths_free. */
Status schema_secret_patterns(const cJSON *schema, char ***out, Error *err);
/* The concrete secret pointers present in config ("/hosts/0/password").
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

typedef struct LintReport {
	LintFinding *items;
	size_t count;
	size_t errors;
	size_t warnings;
} LintReport;

/* Lints a bare configSchema. */
Status schema_lint(const cJSON *schema, LintReport *out, Error *err);
/* Lints a plugin manifest (driverKey format and uniqueness, kind,
 * each driver's configSchema). */
Status schema_lint_manifest(const cJSON *manifest, LintReport *out, Error *err);
void lint_report_free(LintReport *r);

/* Does a property name look like a credential (key, token, secret,
 * password, privateKey, ...)? */
bool schema_name_looks_secret(const char *name);

#endif
