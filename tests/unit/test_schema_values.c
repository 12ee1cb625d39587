/* Defaults (initial form values, filling a config) and coercion of form
 * text to each field's JSON type. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/lib.h"
#include "schema_tu.h"
#include "testutil.h"
#include "util/buf.h"
#include "util/json.h"

static void assert_json(const cJSON *got, const char *want)
{
	cJSON *w = tu_json(want);
	char *g = cJSON_PrintUnformatted(got);

	ck_assert_msg(json_equal(got, w), "got %s, want %s", g, want);
	free(g);
	cJSON_Delete(w);
}

static void defaults_are(const char *schema, const char *want)
{
	cJSON *s = tu_json(schema), *d;
	Error err;

	error_clear(&err);
	d = schema_defaults(s, &err);
	ck_assert_msg(d != NULL, "defaults: %s", err.msg);
	assert_json(d, want);
	cJSON_Delete(d);
	cJSON_Delete(s);
}

START_TEST(defaults_from_fixtures)
{
	cJSON *s = stu_fixture("schemas/e2b.json");
	Error err;
	cJSON *d = schema_defaults(s, &err);
	SchemaIssues issues;

	assert_json(d, "{\"template\":\"base\",\"apiUrl\":\"https://api.e2b.dev\",\"region\":\"us-east-1\","
		       "\"timeoutMs\":300000,\"resources\":{\"cpuCount\":2,\"memoryMb\":1024},"
		       "\"sdkVersion\":\"1.0\",\"reuseLease\":false}");
	/* Defaults plus the required secret make a valid config. */
	cJSON_AddStringToObject(d, "apiKey", "k");
	ck_assert_int_eq(schema_validate(s, d, &issues, &err), ST_OK);
	ck_assert_uint_eq(issues.count, 0);
	schema_issues_clear(&issues);
	cJSON_Delete(d);
	cJSON_Delete(s);

	s = stu_fixture("schemas/cloudflare.json");
	d = schema_defaults(s, &err);
	assert_json(d, "{\"workerName\":\"envctl-sandbox\",\"locationHint\":\"auto\",\"instanceType\":\"basic\","
		       "\"maxInstances\":5,\"sleepAfter\":\"10m\",\"container\":{\"image\":"
		       "\"docker.io/cloudflare/sandbox:latest\",\"port\":3000},"
		       "\"compatibilityDate\":\"2025-01-01\",\"reuseLease\":true}");
	cJSON_Delete(d);
	cJSON_Delete(s);

	s = tu_json("{\"type\":\"object\"}");
	d = schema_defaults(s, &err);
	assert_json(d, "{}");
	cJSON_Delete(d);
	cJSON_Delete(s);
}
END_TEST

START_TEST(defaults_rules)
{
	/* A node's own default wins over its $ref's; an object default is
	 * completed with its properties' defaults. */
	defaults_are("{\"definitions\":{\"p\":{\"type\":\"integer\",\"default\":1}},"
		     "\"properties\":{\"a\":{\"$ref\":\"#/definitions/p\"},"
		     "\"b\":{\"$ref\":\"#/definitions/p\",\"default\":2},"
		     "\"o\":{\"type\":\"object\",\"default\":{\"x\":9},\"properties\":{"
		     "\"x\":{\"default\":1},\"y\":{\"default\":2}}},"
		     "\"empty\":{\"type\":\"object\",\"properties\":{\"z\":{\"type\":\"string\"}}},"
		     "\"list\":{\"type\":\"array\",\"items\":{\"default\":3}},"
		     "\"list2\":{\"type\":\"array\",\"default\":[1]},"
		     "\"nul\":{\"default\":null}}}",
		     "{\"a\":1,\"b\":2,\"o\":{\"x\":9,\"y\":2},\"list2\":[1],\"nul\":null}");
	/* allOf members all count; of oneOf/anyOf only the first branch. */
	defaults_are("{\"allOf\":[{\"properties\":{\"a\":{\"default\":1}}},"
		     "{\"properties\":{\"b\":{\"default\":2}}}],"
		     "\"oneOf\":[{\"properties\":{\"mode\":{\"const\":\"x\",\"default\":\"x\"}}},"
		     "{\"properties\":{\"mode\":{\"const\":\"y\",\"default\":\"y\"},\"c\":{\"default\":3}}}]}",
		     "{\"a\":1,\"b\":2,\"mode\":\"x\"}");
	/* A root default that is not an object is returned as is. */
	defaults_are("{\"type\":\"integer\",\"default\":5}", "5");
	/* Recursive: defaults stop where the schema repeats itself. */
	defaults_are("{\"type\":\"object\",\"properties\":{\"name\":{\"default\":\"root\"},"
		     "\"child\":{\"$ref\":\"#\"}}}", "{\"name\":\"root\"}");
}
END_TEST

START_TEST(apply_defaults_fills_gaps)
{
	cJSON *s = tu_json("{\"type\":\"object\",\"properties\":{\"name\":{\"default\":\"n\"},"
			   "\"port\":{\"default\":22},\"child\":{\"$ref\":\"#\"},"
			   "\"hosts\":{\"type\":\"array\",\"items\":{\"type\":\"object\",\"properties\":{"
			   "\"port\":{\"default\":80}}}},"
			   "\"env\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"object\","
			   "\"properties\":{\"v\":{\"default\":\"d\"}}}},"
			   "\"res\":{\"type\":\"object\",\"properties\":{\"cpu\":{\"default\":1}}}}}");
	cJSON *c = tu_json("{\"port\":2222,\"child\":{\"child\":{}},\"hosts\":[{},{\"port\":1}],"
			   "\"env\":{\"A\":{}},\"extra\":true}");
	Error err;

	ck_assert_int_eq(schema_apply_defaults(s, c, &err), ST_OK);
	assert_json(c, "{\"port\":2222,\"name\":\"n\",\"res\":{\"cpu\":1},"
		       "\"child\":{\"name\":\"n\",\"port\":22,\"res\":{\"cpu\":1},"
		       "\"child\":{\"name\":\"n\",\"port\":22,\"res\":{\"cpu\":1}}},"
		       "\"hosts\":[{\"port\":80},{\"port\":1}],\"env\":{\"A\":{\"v\":\"d\"}},\"extra\":true}");
	ck_assert_int_eq(schema_apply_defaults(s, NULL, &err), ST_E_INVALID);
	cJSON_Delete(c);
	/* A schema error is reported, the config untouched. */
	cJSON_Delete(s);
	s = tu_json("{\"$ref\":\"#/nope\"}");
	c = tu_json("{}");
	ck_assert_int_eq(schema_apply_defaults(s, c, &err), ST_E_INVALID);
	ck_assert_ptr_null(schema_defaults(s, &err));
	ck_assert_ptr_nonnull(strstr(err.msg, "unknown $ref"));
	cJSON_Delete(c);
	cJSON_Delete(s);
}
END_TEST

/* Coerces text for the field at pointer of schema; returns the JSON text
 * of the result ("<remove>" for NULL) or "ERR: message". */
static char *coerce(const char *schema, const char *pointer, const char *text)
{
	cJSON *s = tu_json(schema), *out = (cJSON *)1;
	SchemaField *root;
	const SchemaField *f;
	Error err;
	Status st;
	char *res, buf[1200];

	error_clear(&err);
	ck_assert_int_eq(schema_form_load(s, &root, &err), ST_OK);
	f = schema_field_find(root, pointer);
	ck_assert_ptr_nonnull(f);
	st = schema_coerce(f, text, &out, &err);
	if (st != ST_OK) {
		ck_assert_ptr_null(out);
		snprintf(buf, sizeof buf, "ERR: %s", err.msg);
		res = strdup(buf);
	} else if (!out) {
		res = strdup("<remove>");
	} else {
		res = cJSON_PrintUnformatted(out);
	}
	cJSON_Delete(out != (cJSON *)1 ? out : NULL);
	schema_field_free(root);
	cJSON_Delete(s);
	return res;
}

#define COERCE(schema, ptr, text, want)                                  \
	do {                                                             \
		char *got_ = coerce((schema), (ptr), (text));            \
		ck_assert_str_eq(got_, (want));                          \
		free(got_);                                              \
	} while (0)

#define TYPED "{\"properties\":{" \
	"\"name\":{\"type\":\"string\"},\"port\":{\"type\":\"integer\",\"title\":\"Port\"}," \
	"\"ratio\":{\"type\":\"number\"},\"on\":{\"type\":\"boolean\"}," \
	"\"obj\":{\"type\":\"object\"},\"list\":{\"type\":\"array\"},\"nil\":{\"type\":\"null\"}," \
	"\"any\":{},\"maybe\":{\"type\":[\"integer\",\"null\"]}," \
	"\"key\":{\"type\":\"string\",\"format\":\"secret-ref\"}," \
	"\"size\":{\"type\":\"integer\",\"enum\":[1,2,4]},\"region\":{\"enum\":[\"us\",\"eu\"]}," \
	"\"fixed\":{\"const\":3},\"req\":{\"type\":\"integer\"}},\"required\":[\"req\"]}"

/* One overflow rule: past SCHEMA_MAX_MERGE schemas on one value the
 * defaults walk fails with the same error as the form (it used to drop
 * the rest silently and return partial defaults). */
START_TEST(defaults_overflow_is_an_error)
{
	Buf b = BUF_INIT;
	cJSON *schema, *d;
	Error err;

	buf_puts(&b, "{\"allOf\":[");
	for (int i = 0; i < 300; i++)
		buf_printf(&b, "%s{\"properties\":{\"k%d\":{\"default\":%d}}}", i ? "," : "", i, i);
	buf_puts(&b, "]}");
	schema = tu_json(b.data);
	error_clear(&err);
	d = schema_defaults(schema, &err);
	ck_assert_ptr_null(d);
	ck_assert_msg(strstr(err.msg, "more than 256 schemas apply to one value"), "%s", err.msg);
	cJSON_Delete(schema);
	buf_clear(&b);
}
END_TEST

START_TEST(coerce_types)
{
	COERCE(TYPED, "/name", " keep spaces ", "\" keep spaces \"");
	COERCE(TYPED, "/port", "8080", "8080");
	COERCE(TYPED, "/port", " -12 ", "-12");
	COERCE(TYPED, "/port", "+7", "7");
	COERCE(TYPED, "/port", "12a", "ERR: Port (/port): must be an integer, not \"12a\"");
	COERCE(TYPED, "/port", "1.5", "ERR: Port (/port): must be an integer, not \"1.5\"");
	COERCE(TYPED, "/port", "-", "ERR: Port (/port): must be an integer, not \"-\"");
	COERCE(TYPED, "/port", "99999999999999999999",
	       "ERR: Port (/port): must be an integer between -9007199254740991 and "
	       "9007199254740991, not \"99999999999999999999\"");
	COERCE(TYPED, "/ratio", "0.25", "0.25");
	COERCE(TYPED, "/ratio", "-1e3", "-1000");
	COERCE(TYPED, "/ratio", "1.", "ERR: Ratio (/ratio): must be a number, not \"1.\"");
	COERCE(TYPED, "/ratio", "0x10", "ERR: Ratio (/ratio): must be a number, not \"0x10\"");
	COERCE(TYPED, "/ratio", "nan", "ERR: Ratio (/ratio): must be a number, not \"nan\"");
	COERCE(TYPED, "/ratio", "1e999",
	       "ERR: Ratio (/ratio): must be a number of a sensible size, not \"1e999\"");
	COERCE(TYPED, "/on", "yes", "true");
	COERCE(TYPED, "/on", "ON", "true");
	COERCE(TYPED, "/on", "1", "true");
	COERCE(TYPED, "/on", "True", "true");
	COERCE(TYPED, "/on", "off", "false");
	COERCE(TYPED, "/on", "No", "false");
	COERCE(TYPED, "/on", "0", "false");
	COERCE(TYPED, "/on", "false", "false");
	COERCE(TYPED, "/on", "maybe",
	       "ERR: On (/on): must be true or false (yes/no, on/off, 1/0 also work), not \"maybe\"");
	COERCE(TYPED, "/obj", "{\"a\":1}", "{\"a\":1}");
	COERCE(TYPED, "/obj", "[1]", "ERR: Obj (/obj): must be a JSON object such as {\"KEY\": \"value\"}");
	COERCE(TYPED, "/list", "[1,\"a\"]", "[1,\"a\"]");
	COERCE(TYPED, "/list", "{", "ERR: List (/list): must be a JSON array such as [\"a\", \"b\"]");
	COERCE(TYPED, "/nil", "null", "null");
	COERCE(TYPED, "/nil", "x", "ERR: Nil (/nil): must be null (leave it empty), not \"x\"");
	COERCE(TYPED, "/any", "42", "42");
	COERCE(TYPED, "/any", "{\"a\":[]}", "{\"a\":[]}");
	COERCE(TYPED, "/any", "hello", "\"hello\"");
	COERCE(TYPED, "/maybe", "null", "null");
	COERCE(TYPED, "/maybe", "3", "3");
	COERCE(TYPED, "/key", "s3cr3t value", "\"s3cr3t value\"");
}
END_TEST

START_TEST(coerce_enums_empty_and_secrets)
{
	COERCE(TYPED, "/size", "4", "4");
	COERCE(TYPED, "/size", " 2 ", "2");
	COERCE(TYPED, "/size", "3", "ERR: Size (/size): must be one of 1, 2, 4, not \"3\"");
	COERCE(TYPED, "/region", "eu", "\"eu\"");
	COERCE(TYPED, "/region", "EU", "ERR: Region (/region): must be one of us, eu, not \"EU\"");
	COERCE(TYPED, "/fixed", "3", "3");
	COERCE(TYPED, "/fixed", "4", "ERR: Fixed (/fixed): must equal 3, not \"4\"");
	/* Empty text removes the key, required or not: validation then
	 * says "required". */
	COERCE(TYPED, "/name", "", "<remove>");
	COERCE(TYPED, "/port", "", "<remove>");
	COERCE(TYPED, "/req", "", "<remove>");
	COERCE(TYPED, "/key", "", "<remove>");
	{
		/* A secret's text never comes back in an error. */
		cJSON *s = tu_json("{\"properties\":{\"pin\":{\"type\":\"integer\","
				   "\"format\":\"secret-ref\"}}}");
		SchemaField *root;
		cJSON *out;
		Error err;

		ck_assert_int_eq(schema_form_load(s, &root, &err), ST_OK);
		ck_assert_int_eq(schema_coerce(schema_field_find(root, "/pin"), "hunter2", &out, &err),
				 ST_E_INVALID);
		ck_assert_ptr_null(strstr(err.msg, "hunter2"));
		ck_assert_str_eq(err.msg, "Pin (/pin): must be an integer");
		ck_assert_int_eq(schema_coerce(NULL, "x", &out, &err), ST_E_INVALID);
		schema_field_free(root);
		cJSON_Delete(s);
	}
	/* The root field is named by its title alone. */
	COERCE("{\"type\":\"integer\",\"title\":\"Count\"}", "", "x",
	       "ERR: Count: must be an integer, not \"x\"");
	COERCE("{\"type\":\"integer\"}", "", "x", "ERR: the value: must be an integer, not \"x\"");
}
END_TEST

TEST_SUITE(schema_values)
{
	Suite *s = suite_create("schema_values");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, defaults_from_fixtures);
	tcase_add_test(tc, defaults_rules);
	tcase_add_test(tc, apply_defaults_fills_gaps);
	tcase_add_test(tc, defaults_overflow_is_an_error);
	tcase_add_test(tc, coerce_types);
	tcase_add_test(tc, coerce_enums_empty_and_secrets);
	suite_add_tcase(s, tc);
	return s;
}
