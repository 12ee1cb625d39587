/* libFuzzer target for the schema engine: the input is a schema, a NUL,
 * and a value (without a NUL the schema document is also the value).
 * Every entry point runs on it; besides crashes and leaks (ASan/UBSan),
 * it checks invariants the other layers rely on:
 *  - every concrete secret path names a value that exists in the config;
 *  - every form field is found again by its own pointer (tuple positions
 *    too), and the live form rules (if/then/else, dependentRequired, map
 *    names, duplicate rows) answer for any value without crashing;
 *  - a coerced value has its field's JSON type;
 *  - lint counts add up, joined issues are never NULL;
 *  - a compiled schema gives the same verdict as schema_validate, twice;
 *  - under draft-07 rules and with format as an annotation it still ends.
 * A schema that is a JSON string is a pattern: {"pattern": it} is then
 * checked against the value (or against the pattern text itself), which
 * drives the ECMA-262 -> PCRE2 rewrite and the match limits directly. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/lib.h"
#include "util/jsonptr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                              \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, \
				__LINE__);                                             \
			abort();                                                       \
		}                                                                      \
	} while (0)

static void fuzz_coerce(const SchemaField *f, const char *text)
{
	cJSON *out = NULL;
	Error err;

	if (schema_coerce(f, text, &out, &err) != ST_OK) {
		FUZZ_ASSERT(out == NULL);
		return;
	}
	if (!out || f->enum_values || f->const_value)
		goto done;
	if (cJSON_IsNull(out))
		FUZZ_ASSERT(f->nullable || f->type == SCHEMA_NULL || f->type == SCHEMA_ANY);
	else if (f->type == SCHEMA_INTEGER)
		FUZZ_ASSERT(cJSON_IsNumber(out) && out->valuedouble == (double)(long long)out->valuedouble);
	else if (f->type == SCHEMA_NUMBER)
		FUZZ_ASSERT(cJSON_IsNumber(out));
	else if (f->type == SCHEMA_BOOLEAN)
		FUZZ_ASSERT(cJSON_IsBool(out));
	else if (f->type == SCHEMA_STRING)
		FUZZ_ASSERT(cJSON_IsString(out));
	else if (f->type == SCHEMA_OBJECT)
		FUZZ_ASSERT(cJSON_IsObject(out));
	else if (f->type == SCHEMA_ARRAY)
		FUZZ_ASSERT(cJSON_IsArray(out));
done:
	cJSON_Delete(out);
}

static void fuzz_fields(const SchemaField *root, const SchemaField *f, const cJSON *value,
			size_t *budget)
{
	static const char *const texts[] = { "", "12a", "42", "-1.5e3", "yes", "null", "{\"a\":1}",
					     "[1]", " x " };

	if (!f || !*budget)
		return;
	(*budget)--;
	FUZZ_ASSERT(f->pointer && f->title);
	FUZZ_ASSERT(schema_field_find(root, f->pointer) != NULL);
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		fuzz_coerce(f, texts[i]);
	if (cJSON_IsString(value))
		fuzz_coerce(f, value->valuestring);
	for (size_t i = 0; i < f->child_count; i++) {
		char why[200];

		FUZZ_ASSERT(f->children[i]->parent == f);
		(void)schema_field_shown(f, value, f->children[i]->key);
		(void)schema_field_required_now(f, value, f->children[i]->key);
		/* a declared property is always an allowed name... unless
		 * propertyNames refuses it */
		if (!schema_map_key_check(f, f->children[i]->key, why, sizeof why))
			FUZZ_ASSERT(why[0] && f->key_names);
		fuzz_fields(root, f->children[i], value, budget);
	}
	if (cJSON_IsObject(value)) {
		const cJSON *m;
		char why[200];

		cJSON_ArrayForEach(m, value)
			if (!schema_map_key_check(f, m->string, why, sizeof why))
				FUZZ_ASSERT(why[0]);
	}
	if (cJSON_IsArray(value)) {
		int n = cJSON_GetArraySize(value);

		for (int i = 0; i < n && i < 16; i++)
			FUZZ_ASSERT(schema_array_duplicate(f, value, (size_t)i) < i);
	}
	for (size_t i = 0; i < f->tuple_count; i++) {
		FUZZ_ASSERT(f->tuple[i]->parent == f);
		fuzz_fields(root, f->tuple[i], value, budget);
	}
	fuzz_fields(root, f->items, value, budget);
	fuzz_fields(root, f->additional, value, budget);
}

/* The compiled path agrees with the one-shot call, and is reusable. */
static void fuzz_compiled(const cJSON *schema, const cJSON *value)
{
	static const SchemaOptions variants[] = {
		{ SCHEMA_DIALECT_DRAFT7, false, false },
		{ SCHEMA_DIALECT_2020_12, true, true },
	};
	SchemaCompiled *c = NULL;
	SchemaIssues a, b, once;
	Error err;

	if (schema_validate(schema, value, &once, &err) != ST_OK) {
		schema_issues_clear(&once);
		return;
	}
	if (schema_compile(schema, NULL, &c, &err) == ST_OK) {
		Status s1 = schema_validate_compiled(c, value, &a, &err);
		Status s2 = schema_validate_compiled(c, value, &b, &err);

		FUZZ_ASSERT(s1 == s2);
		if (s1 == ST_OK) {
			FUZZ_ASSERT(a.count == b.count);
			FUZZ_ASSERT((a.count == 0) == (once.count == 0));
		}
		schema_issues_clear(&a);
		schema_issues_clear(&b);
	}
	schema_compiled_free(c);
	schema_issues_clear(&once);
	for (size_t i = 0; i < sizeof variants / sizeof variants[0]; i++) {
		if (schema_validate_opts(schema, value, &variants[i], &a, &err) != ST_OK)
			FUZZ_ASSERT(a.count == 0 && err.msg[0]);
		schema_issues_clear(&a);
	}
}

/* Totals match the list, except past the cap (1000 and a note). */
static bool lint_counts_ok(const LintReport *r)
{
	return r->count <= 1000 ? r->errors + r->warnings == r->count
				: r->count == 1001 && r->errors + r->warnings >= 1000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t slen = nul ? (size_t)(nul - data) : size;
	cJSON *schema = cJSON_ParseWithLength((const char *)data, slen);
	cJSON *value = nul ? cJSON_ParseWithLength((const char *)nul + 1, size - slen - 1) : NULL;
	SchemaField *root = NULL;
	SchemaIssues issues;
	LintReport report;
	char **paths = NULL, *joined;
	cJSON *d;
	Error err;
	size_t budget = 2000;

	if (!schema)
		goto out;
	if (cJSON_IsString(schema)) {
		cJSON *wrap = cJSON_CreateObject();

		if (!wrap || !cJSON_AddStringToObject(wrap, "pattern", schema->valuestring)) {
			cJSON_Delete(wrap);
			goto out;
		}
		if (!value)
			value = cJSON_Duplicate(schema, 1);
		cJSON_Delete(schema);
		schema = wrap;
	}
	if (!value)
		value = cJSON_Duplicate(schema, 1);
	if (!value)
		goto out;
	fuzz_compiled(schema, value);

	if (schema_form_load(schema, &root, &err) == ST_OK)
		fuzz_fields(root, root, value, &budget);
	else
		FUZZ_ASSERT(root == NULL && err.msg[0]);
	schema_field_free(root);

	if (schema_validate(schema, value, &issues, &err) == ST_OK) {
		joined = schema_issues_join(&issues, "; ");
		FUZZ_ASSERT(joined != NULL);
		free(joined);
	} else {
		FUZZ_ASSERT(issues.count == 0 && err.msg[0]);
	}
	schema_issues_clear(&issues);

	d = schema_defaults(schema, &err);
	if (d && schema_apply_defaults(schema, d, &err) == ST_OK) {
		/* Filling defaults into the defaults adds nothing new at the top. */
		cJSON *again = schema_defaults(schema, &err);

		FUZZ_ASSERT(again != NULL);
		cJSON_Delete(again);
	}
	cJSON_Delete(d);
	d = cJSON_Duplicate(value, 1);
	if (d)
		schema_apply_defaults(schema, d, &err);
	cJSON_Delete(d);

	if (schema_secret_patterns(schema, &paths, &err) == ST_OK)
		FUZZ_ASSERT(paths != NULL);
	schema_paths_free(paths);
	paths = NULL;
	if (schema_secret_paths(schema, value, &paths, &err) == ST_OK) {
		for (size_t i = 0; paths[i]; i++)
			FUZZ_ASSERT(jsonptr_get(value, paths[i]) != NULL);
	}
	schema_paths_free(paths);

	if (schema_lint(schema, &report, &err) == ST_OK)
		FUZZ_ASSERT(lint_counts_ok(&report));
	lint_report_clear(&report);
	if (schema_lint_manifest(schema, &report, &err) == ST_OK)
		FUZZ_ASSERT(lint_counts_ok(&report));
	lint_report_clear(&report);
	/* The value may itself be a schema or a manifest. */
	if (schema_lint(value, &report, &err) == ST_OK)
		FUZZ_ASSERT(lint_counts_ok(&report));
	lint_report_clear(&report);
out:
	cJSON_Delete(schema);
	cJSON_Delete(value);
	return 0;
}
