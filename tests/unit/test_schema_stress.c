/* Robustness: big, deep, wide and hostile schemas load and validate
 * without crashing, recursing forever or taking forever. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/lib.h"
#include "schema_tu.h"
#include "testutil.h"
#include "util/buf.h"

/* Every entry point on one schema/value pair; returns how many succeeded
 * (the rest must fail cleanly with a message). */
static int run_all(const cJSON *schema, const cJSON *value, const char *want_error)
{
	SchemaField *root = NULL;
	SchemaIssues issues;
	LintReport r;
	char **paths = NULL;
	cJSON *d, *copy = cJSON_Duplicate(value, 1);
	Error err;
	int ok = 0;

#define EXPECT(call)                                                                        \
	do {                                                                                \
		error_clear(&err);                                                          \
		if ((call) == ST_OK) {                                                      \
			ok++;                                                               \
		} else if (want_error) {                                                    \
			ck_assert_msg(strstr(err.msg, want_error), "%s: %s", #call, err.msg); \
		}                                                                           \
	} while (0)
	EXPECT(schema_form_load(schema, &root, &err));
	schema_field_free(root);
	EXPECT(schema_validate(schema, value, &issues, &err));
	schema_issues_clear(&issues);
	EXPECT(schema_apply_defaults(schema, copy, &err));
	EXPECT(schema_secret_patterns(schema, &paths, &err));
	schema_paths_free(paths);
	paths = NULL;
	EXPECT(schema_secret_paths(schema, value, &paths, &err));
	schema_paths_free(paths);
	error_clear(&err);
	d = schema_defaults(schema, &err);
	if (d)
		ok++;
	else if (want_error)
		ck_assert_msg(strstr(err.msg, want_error), "defaults: %s", err.msg);
	cJSON_Delete(d);
	ck_assert_int_eq(schema_lint(schema, &r, &err), ST_OK);
	lint_report_clear(&r);
	cJSON_Delete(copy);
#undef EXPECT
	return ok;
}

START_TEST(ten_levels_deep)
{
	Buf s = BUF_INIT, v = BUF_INIT;
	cJSON *schema, *value, *d;
	SchemaField *root;
	SchemaIssues issues;
	Error err;
	char ptr[256] = "";

	buf_puts(&s, "");
	buf_puts(&v, "");
	for (int i = 0; i < 10; i++) {
		buf_printf(&s, "{\"type\":\"object\",\"description\":\"Level %d.\",\"properties\":{\"l%d\":", i, i);
		buf_printf(&v, "{\"l%d\":", i);
		snprintf(ptr + strlen(ptr), sizeof ptr - strlen(ptr), "/l%d", i);
	}
	buf_puts(&s, "{\"type\":\"object\",\"description\":\"Leaf.\",\"properties\":{\"port\":{\"type\":\"integer\","
		     "\"minimum\":1,\"default\":8,\"description\":\"Port.\"}},\"required\":[\"port\"]}");
	buf_puts(&v, "{\"port\":0}");
	for (int i = 0; i < 10; i++) {
		buf_puts(&s, "}}");
		buf_puts(&v, "}");
	}
	schema = tu_json(s.data);
	value = tu_json(v.data);
	ck_assert_int_eq(schema_form_load(schema, &root, &err), ST_OK);
	strcat(ptr, "/port");
	ck_assert_str_eq(schema_field_find(root, ptr)->pointer, ptr);
	ck_assert(schema_field_find(root, ptr)->required);
	schema_field_free(root);
	ck_assert_int_eq(schema_validate(schema, value, &issues, &err), ST_OK);
	ck_assert_uint_eq(issues.count, 1);
	ck_assert_str_eq(issues.items[0].pointer, ptr);
	ck_assert_str_eq(issues.items[0].message, "must be at least 1");
	schema_issues_clear(&issues);
	d = schema_defaults(schema, &err);
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(d,
		"l0"), "l1"), "l2"), "l3"), "l4"), "l5"), "l6"), "l7"), "l8"), "l9"), "port")->valueint, 8);
	ck_assert_int_eq(run_all(schema, value, NULL), 6);
	cJSON_Delete(d);
	cJSON_Delete(schema);
	cJSON_Delete(value);
	buf_clear(&s);
	buf_clear(&v);
}
END_TEST

START_TEST(thousand_properties)
{
	cJSON *schema = cJSON_CreateObject(), *props = cJSON_AddObjectToObject(schema, "properties");
	cJSON *req = cJSON_AddArrayToObject(schema, "required"), *value = cJSON_CreateObject();
	SchemaField *root;
	SchemaIssues issues;
	LintReport r;
	char **paths;
	cJSON *d;
	Error err;
	size_t n = 0;

	cJSON_AddStringToObject(schema, "type", "object");
	for (int i = 0; i < 1000; i++) {
		char key[32];
		cJSON *p = cJSON_AddObjectToObject(props, (snprintf(key, sizeof key, "p%d", i), key));

		cJSON_AddStringToObject(p, "type", i % 10 ? "integer" : "string");
		cJSON_AddStringToObject(p, "description", "A field.");
		if (i % 10 == 0)
			cJSON_AddStringToObject(p, "format", "secret-ref");
		else
			cJSON_AddNumberToObject(p, "default", i);
		cJSON_AddItemToArray(req, cJSON_CreateString(key));
		if (i % 2)
			cJSON_AddStringToObject(value, key, "wrong");
	}
	ck_assert_int_eq(schema_form_load(schema, &root, &err), ST_OK);
	ck_assert_uint_eq(root->child_count, 1000);
	ck_assert_str_eq(root->children[999]->pointer, "/p999");
	schema_field_free(root);
	ck_assert_int_eq(schema_validate(schema, value, &issues, &err), ST_OK);
	/* 500 missing, 450 wrong type (the odd integers), 50 odd... none:
	 * every tenth is a string and even. */
	ck_assert_uint_eq(issues.count, 500 + 500);
	schema_issues_clear(&issues);
	d = schema_defaults(schema, &err);
	ck_assert_int_eq(cJSON_GetArraySize(d), 900);
	cJSON_Delete(d);
	ck_assert_int_eq(schema_secret_patterns(schema, &paths, &err), ST_OK);
	while (paths[n])
		n++;
	ck_assert_uint_eq(n, 100);
	schema_paths_free(paths);
	ck_assert_int_eq(schema_lint(schema, &r, &err), ST_OK);
	ck_assert_uint_eq(r.count, 0);
	lint_report_clear(&r);
	cJSON_Delete(schema);
	cJSON_Delete(value);
}
END_TEST

START_TEST(one_mib_string_default)
{
	size_t len = 1 << 20;
	char *big = malloc(len + 1);
	cJSON *schema = tu_json("{\"type\":\"object\",\"properties\":{\"blob\":{\"type\":\"string\","
				"\"description\":\"Big.\",\"pattern\":\"^a+$\",\"maxLength\":2000000,"
				"\"format\":\"textarea\"},\"small\":{\"type\":\"string\",\"maxLength\":10,"
				"\"description\":\"Small.\"}}}");
	cJSON *value, *d;
	SchemaIssues issues;
	LintReport r;
	Error err;

	memset(big, 'a', len);
	big[len] = '\0';
	cJSON_AddItemToObject(cJSON_GetObjectItem(cJSON_GetObjectItem(schema, "properties"), "blob"),
			      "default", cJSON_CreateString(big));
	cJSON_AddItemToObject(cJSON_GetObjectItem(cJSON_GetObjectItem(schema, "properties"), "small"),
			      "default", cJSON_CreateString(big));
	value = cJSON_CreateObject();
	cJSON_AddStringToObject(value, "blob", big);
	d = schema_defaults(schema, &err);
	ck_assert_uint_eq(strlen(cJSON_GetObjectItem(d, "blob")->valuestring), len);
	ck_assert_int_eq(schema_validate(schema, d, &issues, &err), ST_OK);
	ck_assert_uint_eq(issues.count, 1);
	ck_assert_str_eq(issues.items[0].pointer, "/small");
	ck_assert_str_eq(issues.items[0].message, "must be at most 10 characters");
	schema_issues_clear(&issues);
	/* Lint shows a shortened default. */
	ck_assert_int_eq(schema_lint(schema, &r, &err), ST_OK);
	ck_assert_uint_eq(r.errors, 1);
	ck_assert_uint_lt(strlen(r.items[0].message), 300);
	ck_assert_ptr_nonnull(strstr(r.items[0].message, "aaa..."));
	lint_report_clear(&r);
	ck_assert_int_eq(run_all(schema, value, NULL), 6);
	cJSON_Delete(d);
	cJSON_Delete(value);
	cJSON_Delete(schema);
	free(big);
}
END_TEST

START_TEST(self_referencing_ref)
{
	static const char *const cycles[] = {
		"{\"$ref\":\"#/definitions/a\",\"definitions\":{\"a\":{\"$ref\":\"#/definitions/a\"}}}",
		"{\"properties\":{\"x\":{\"$ref\":\"#/$defs/a\"}},\"$defs\":{\"a\":{\"$ref\":\"#/$defs/b\"},"
		"\"b\":{\"$ref\":\"#/$defs/a\"}}}",
		"{\"definitions\":{\"a\":{\"anyOf\":[{\"type\":\"string\"},{\"$ref\":\"#/definitions/a\"}]}},"
		"\"properties\":{\"x\":{\"$ref\":\"#/definitions/a\"}}}",
		"{\"$ref\":\"#\"}",
	};

	for (size_t i = 0; i < sizeof cycles / sizeof cycles[0]; i++) {
		cJSON *s = tu_json(cycles[i]), *v = tu_json("{\"x\":1}");

		ck_assert_int_eq(run_all(s, v, "$ref cycle at "), 0);
		cJSON_Delete(s);
		cJSON_Delete(v);
	}
}
END_TEST

START_TEST(deep_and_recursive)
{
	Buf s = BUF_INIT;
	cJSON *schema, *value, *leaf;
	SchemaField *root = NULL;
	SchemaIssues issues;
	Error err;

	/* A non-recursive schema nested 100 fields deep: the form refuses,
	 * validation (driven by the value) works. */
	buf_puts(&s, "");
	for (int i = 0; i < 100; i++)
		buf_puts(&s, "{\"properties\":{\"a\":");
	buf_puts(&s, "{\"type\":\"string\"}");
	for (int i = 0; i < 100; i++)
		buf_puts(&s, "}}");
	schema = tu_json(s.data);
	ck_assert_int_eq(schema_form_load(schema, &root, &err), ST_E_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "nest more than 64 levels"));
	value = cJSON_CreateNumber(1);
	for (int i = 0; i < 100; i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddItemToObject(o, "a", value);
		value = o;
	}
	ck_assert_int_eq(schema_validate(schema, value, &issues, &err), ST_OK);
	ck_assert_uint_eq(issues.count, 1);
	ck_assert_uint_eq(strlen(issues.items[0].pointer), 200);
	schema_issues_clear(&issues);
	run_all(schema, value, NULL);
	cJSON_Delete(schema);
	cJSON_Delete(value);

	/* A recursive schema against a value 2000 deep: bounded, reported. */
	schema = tu_json("{\"type\":\"array\",\"items\":{\"$ref\":\"#\"}}");
	value = leaf = cJSON_CreateArray();
	for (int i = 0; i < 2000; i++) {
		cJSON *a = cJSON_CreateArray();

		cJSON_AddItemToArray(leaf, a);
		leaf = a;
	}
	ck_assert_int_eq(schema_validate(schema, value, &issues, &err), ST_OK);
	ck_assert_uint_eq(issues.count, 1);
	ck_assert_str_eq(issues.items[0].message, "nested too deeply to check (more than 512 levels)");
	schema_issues_clear(&issues);
	ck_assert_int_eq(run_all(schema, value, NULL), 6);
	cJSON_Delete(schema);
	cJSON_Delete(value);
	buf_clear(&s);
}
END_TEST

START_TEST(exponential_ref_dag)
{
	/* d0 applies d1 twice, d1 applies d2 twice, ...: 2^40 applications
	 * if nothing stopped it. */
	Buf s = BUF_INIT;
	cJSON *schema, *value = tu_json("{\"x\":1}");
	SchemaIssues issues;
	Error err;

	buf_puts(&s, "{\"$ref\":\"#/definitions/d0\",\"definitions\":{");
	for (int i = 0; i < 40; i++)
		buf_printf(&s, "\"d%d\":{\"allOf\":[{\"$ref\":\"#/definitions/d%d\"},"
			       "{\"$ref\":\"#/definitions/d%d\"}]},", i, i + 1, i + 1);
	buf_puts(&s, "\"d40\":{\"type\":\"object\",\"properties\":{\"x\":{\"format\":\"secret-ref\"}}}}}");
	schema = tu_json(s.data);
	ck_assert_int_eq(schema_validate(schema, value, &issues, &err), ST_E_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "too complex"));
	ck_assert_uint_eq(issues.count, 0);
	/* The walkers that merge nodes see each only once. */
	run_all(schema, value, NULL);
	{
		char **paths;

		ck_assert_int_eq(schema_secret_paths(schema, value, &paths, &err), ST_OK);
		ck_assert_str_eq(paths[0], "/x");
		schema_paths_free(paths);
	}
	cJSON_Delete(schema);
	cJSON_Delete(value);
	buf_clear(&s);
}
END_TEST

START_TEST(hostile_patterns)
{
	Buf s = BUF_INIT;
	cJSON *schema, *value;
	SchemaIssues issues;
	Error err;

	buf_puts(&s, "{\"pattern\":\"");
	for (int i = 0; i < 5000; i++)
		buf_putc(&s, 'a');
	buf_puts(&s, "\"}");
	schema = tu_json(s.data);
	value = tu_json("\"a\"");
	ck_assert_int_eq(schema_validate(schema, value, &issues, &err), ST_E_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "longer than 4096"));
	cJSON_Delete(schema);
	/* Nested stars on a long non-matching string finish quickly. */
	schema = tu_json("{\"pattern\":\"^(a+)+$\"}");
	cJSON_Delete(value);
	{
		char *str = malloc(100002);

		memset(str, 'a', 100000);
		str[100000] = 'b';
		str[100001] = '\0';
		value = cJSON_CreateString(str);
		free(str);
	}
	ck_assert_int_eq(schema_validate(schema, value, &issues, &err), ST_OK);
	ck_assert_uint_eq(issues.count, 1);
	schema_issues_clear(&issues);
	cJSON_Delete(schema);
	cJSON_Delete(value);
	buf_clear(&s);
}
END_TEST

START_TEST(caps_on_what_is_built)
{
	/* d0 has four properties that are all d1, d1 four that are all d2...:
	 * 4^10 fields, secrets and defaults if nothing stopped it. */
	Buf s = BUF_INIT;
	cJSON *schema, *value;
	SchemaField *root = (SchemaField *)1;
	SchemaIssues issues;
	LintReport r;
	char **paths = (char **)1;
	Error err;

	buf_puts(&s, "{\"$ref\":\"#/definitions/d0\",\"definitions\":{");
	for (int i = 0; i < 10; i++)
		buf_printf(&s, "\"d%d\":{\"type\":\"object\",\"properties\":{\"a\":{\"$ref\":\"#/definitions/d%d\"},"
			       "\"b\":{\"$ref\":\"#/definitions/d%d\"},\"c\":{\"$ref\":\"#/definitions/d%d\"},"
			       "\"d\":{\"$ref\":\"#/definitions/d%d\"}}},", i, i + 1, i + 1, i + 1, i + 1);
	buf_puts(&s, "\"d10\":{\"type\":\"string\",\"format\":\"secret-ref\",\"default\":\"x\"}}}");
	schema = tu_json(s.data);
	ck_assert_int_eq(schema_form_load(schema, &root, &err), ST_E_INVALID);
	ck_assert_ptr_null(root);
	ck_assert_ptr_nonnull(strstr(err.msg, "more than 20000 fields"));
	ck_assert_int_eq(schema_secret_patterns(schema, &paths, &err), ST_E_INVALID);
	ck_assert_ptr_null(paths);
	ck_assert_ptr_nonnull(strstr(err.msg, "more than 4096 secret fields"));
	ck_assert_ptr_null(schema_defaults(schema, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "more than 100000 values"));
	value = tu_json("{\"a\":{\"b\":{}}}");
	ck_assert_int_eq(schema_validate(schema, value, &issues, &err), ST_OK);
	ck_assert_uint_eq(issues.count, 0);
	ck_assert_int_eq(schema_lint(schema, &r, &err), ST_OK);
	lint_report_clear(&r);
	cJSON_Delete(value);
	cJSON_Delete(schema);

	/* 3000 problems: 1000 listed and a note. */
	schema = tu_json("{\"type\":\"array\",\"items\":{\"type\":\"string\"}}");
	value = cJSON_CreateArray();
	for (int i = 0; i < 3000; i++)
		cJSON_AddItemToArray(value, cJSON_CreateNumber(i));
	ck_assert_int_eq(schema_validate(schema, value, &issues, &err), ST_OK);
	ck_assert_uint_eq(issues.count, 1001);
	ck_assert_str_eq(issues.items[999].pointer, "/999");
	ck_assert_str_eq(issues.items[1000].pointer, "");
	ck_assert_str_eq(issues.items[1000].message,
			 "more problems were found; only the first 1000 are listed");
	schema_issues_clear(&issues);
	cJSON_Delete(value);
	cJSON_Delete(schema);

	/* 1500 warnings and then an error: all counted, 1000 listed. */
	buf_reset(&s);
	buf_puts(&s, "{\"properties\":{");
	for (int i = 0; i < 1500; i++)
		buf_printf(&s, "\"p%d\":{\"type\":\"string\"},", i);
	buf_puts(&s, "\"z\":{\"type\":\"bogus\",\"description\":\"Z.\"}}}");
	schema = tu_json(s.data);
	ck_assert_int_eq(schema_lint(schema, &r, &err), ST_OK);
	ck_assert_uint_eq(r.count, 1001);
	ck_assert_uint_eq(r.warnings, 1500);
	ck_assert_uint_eq(r.errors, 1);
	ck_assert_ptr_nonnull(strstr(r.items[1000].message, "more findings were left out"));
	lint_report_clear(&r);
	cJSON_Delete(schema);
	buf_clear(&s);
}
END_TEST

TEST_SUITE(schema_stress)
{
	Suite *s = suite_create("schema_stress");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, ten_levels_deep);
	tcase_add_test(tc, thousand_properties);
	tcase_add_test(tc, one_mib_string_default);
	tcase_add_test(tc, self_referencing_ref);
	tcase_add_test(tc, deep_and_recursive);
	tcase_add_test(tc, exponential_ref_dag);
	tcase_add_test(tc, hostile_patterns);
	tcase_add_test(tc, caps_on_what_is_built);
	suite_add_tcase(s, tc);
	return s;
}
