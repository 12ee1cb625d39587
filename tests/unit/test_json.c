#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/buf.h"
#include "util/json.h"

static bool eq(const char *a, const char *b)
{
	cJSON *x = tu_json(a), *y = tu_json(b);
	bool r = json_equal(x, y);

	cJSON_Delete(x);
	cJSON_Delete(y);
	return r;
}

START_TEST(key_order_ignored)
{
	cJSON *a = tu_json("{\"a\":1,\"b\":2}"), *b = tu_json("{\"b\":2,\"a\":1}");
	char *sa = cJSON_PrintUnformatted(a), *sb = cJSON_PrintUnformatted(b);

	/* Upstream's JSON.stringify comparison sees these as different... */
	ck_assert_str_ne(sa, sb);
	/* ...structural comparison does not. */
	ck_assert(json_equal(a, b));
	free(sa);
	free(sb);
	cJSON_Delete(a);
	cJSON_Delete(b);
}
END_TEST

START_TEST(numbers_by_value)
{
	ck_assert(eq("1", "1.0"));
	ck_assert(eq("[1e2]", "[100]"));
	ck_assert(!eq("1", "2"));
	ck_assert(!eq("1", "\"1\""));
}
END_TEST

START_TEST(nested_and_arrays)
{
	ck_assert(eq("{\"x\":{\"p\":[1,{\"q\":true,\"r\":null}]}}",
		     "{\"x\":{\"p\":[1,{\"r\":null,\"q\":true}]}}"));
	ck_assert(!eq("[1,2]", "[2,1]"));
	ck_assert(!eq("[1,2]", "[1,2,3]"));
	ck_assert(!eq("{\"a\":1}", "{\"a\":1,\"b\":2}"));
	ck_assert(!eq("{\"a\":1,\"b\":2}", "{\"a\":1}"));
	ck_assert(!eq("true", "false"));
	ck_assert(!eq("null", "false"));
	ck_assert(!eq("{}", "[]"));
	ck_assert(eq("\"s\"", "\"s\""));
	{
		cJSON *one = tu_json("1");

		ck_assert(!json_equal(NULL, one));
		cJSON_Delete(one);
	}
	ck_assert(json_equal(NULL, NULL));
}
END_TEST

START_TEST(getters_and_setters)
{
	cJSON *o = tu_json("{\"s\":\"v\",\"b\":true,\"n\":3}");

	ck_assert_str_eq(json_get_string(o, "s"), "v");
	ck_assert_ptr_null(json_get_string(o, "n"));
	ck_assert_ptr_null(json_get_string(o, "missing"));
	ck_assert(json_is_true(o, "b"));
	ck_assert(!json_is_true(o, "s"));
	ck_assert(json_get_bool(o, "missing", true));
	ck_assert(json_set_string(o, "s", "w"));
	ck_assert_str_eq(json_get_string(o, "s"), "w");
	ck_assert_int_eq(cJSON_GetArraySize(o), 3);
	ck_assert(json_set_bool(o, "new", false));
	ck_assert_int_eq(cJSON_GetArraySize(o), 4);
	cJSON_Delete(o);
}
END_TEST

/* Every JSON number that becomes a C integer passes this check first. */
START_TEST(number_to_long_checks_range)
{
	cJSON *v = tu_json("{\"big\":1e999,\"neg\":-1e999,\"e10\":1e10,\"half\":2.5,"
			   "\"two63\":9223372036854775808,\"m263\":-9223372036854775808,"
			   "\"ok\":42,\"s\":\"42\"}");
	long out = 7;

	ck_assert(!json_get_int_checked(v, "big", LONG_MIN, LONG_MAX, &out));
	ck_assert(!json_get_int_checked(v, "neg", LONG_MIN, LONG_MAX, &out));
	ck_assert(!json_get_int_checked(v, "e10", INT_MIN, INT_MAX, &out));
	ck_assert(!json_get_int_checked(v, "half", LONG_MIN, LONG_MAX, &out));
	ck_assert(!json_get_int_checked(v, "two63", LONG_MIN, LONG_MAX, &out));
	ck_assert(!json_get_int_checked(v, "s", LONG_MIN, LONG_MAX, &out));
	ck_assert(!json_get_int_checked(v, "missing", LONG_MIN, LONG_MAX, &out));
	ck_assert(!json_get_int_checked(v, "ok", 50, 60, &out));
	ck_assert_int_eq(out, 7);
	ck_assert(json_get_int_checked(v, "m263", LONG_MIN, LONG_MAX, &out));
	ck_assert(out == LONG_MIN);
	ck_assert(json_get_int_checked(v, "e10", LONG_MIN, LONG_MAX, &out));
	ck_assert(out == 10000000000L);
	ck_assert(json_get_int_checked(v, "ok", 0, 42, &out));
	ck_assert_int_eq(out, 42);
	cJSON_Delete(v);
}
END_TEST

/* Found by fuzz_jsonptr: an object repeating a key was not equal to its
 * own copy (each "a" was compared with the first "a" of the other). */
START_TEST(repeated_keys_equal_their_copy)
{
	ck_assert(eq("{\"a\":1,\"a\":2}", "{\"a\":1,\"a\":2}"));
	ck_assert(eq("{\"a\":1,\"b\":0,\"a\":2}", "{\"b\":0,\"a\":1,\"a\":2}"));
	ck_assert(!eq("{\"a\":1,\"a\":2}", "{\"a\":2,\"a\":1}"));
	ck_assert(!eq("{\"a\":1,\"a\":1}", "{\"a\":1,\"b\":1}"));
}
END_TEST

START_TEST(parse_error_names_source)
{
	Error err;
	cJSON *j;

	error_clear(&err);
	j = json_parse_named("{\"a\": tru}", "config file x.json", &err);
	ck_assert_ptr_null(j);
	ck_assert_int_eq(err.status, ST_E_INVALID);
	ck_assert_msg(strstr(err.msg, "config file x.json") != NULL, "%s", err.msg);
	ck_assert_msg(strstr(err.msg, "byte") != NULL, "%s", err.msg);
}
END_TEST

START_TEST(zero_reaches_every_string)
{
	cJSON *j = tu_json("{\"a\":\"s3cret\",\"b\":[\"x1\",{\"c\":\"y22\"}],\"n\":1}");
	cJSON *one = cJSON_CreateString("alone");
	const char *a = cJSON_GetObjectItem(j, "a")->valuestring;
	cJSON *arr = cJSON_GetObjectItem(j, "b");
	const char *x = cJSON_GetArrayItem(arr, 0)->valuestring;
	const char *y = cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 1), "c")->valuestring;
	const char *key = cJSON_GetObjectItem(j, "a")->string;

	json_zero(j);
	json_zero(one);
	/* every byte of every value and key is zero, lengths and tree kept */
	ck_assert(a[0] == 0 && a[5] == 0);
	ck_assert(x[0] == 0 && x[1] == 0);
	ck_assert(y[0] == 0 && y[2] == 0);
	ck_assert(key[0] == 0);
	ck_assert_int_eq(one->valuestring[0], 0);
	ck_assert_int_eq(cJSON_GetArraySize(arr), 2);
	ck_assert_int_eq(cJSON_GetArrayItem(j, 2)->valueint, 1);
	json_wipe(j);
	json_wipe(one);
	json_wipe(NULL);
}
END_TEST

/* Issue #12: too deep said "not valid JSON near byte 1000". */
START_TEST(too_deep_says_so)
{
	char text[3000];
	Error err;

	memset(text, '[', 1500);
	memset(text + 1500, ']', 1500);
	text[2999] = '\0';
	text[2998] = ']';
	error_clear(&err);
	ck_assert_ptr_null(json_parse_named(text, "deep.json", &err));
	ck_assert_msg(strstr(err.msg, "levels deep") != NULL && !strstr(err.msg, "not valid JSON"),
		      "%s", err.msg);
	ck_assert_ptr_null(json_parse_named("{\"a\": [1, }", "bad.json", &err));
	ck_assert_msg(strstr(err.msg, "not valid JSON") != NULL, "%s", err.msg);
}
END_TEST

/* cJSON ends a string at an escaped NUL: "2020-01-01\u0000x" would be
 * validated and stored as "2020-01-01". The text is refused instead
 * (it was read cut short before). An escaped backslash before "u0000" is
 * text, not a NUL. */
START_TEST(nul_in_string_refused)
{
	Error err;
	cJSON *j;

	error_clear(&err);
	j = json_parse_named("{\"d\":\"2020-01-01\\u0000x\"}", "config.json", &err);
	ck_assert_ptr_null(j);
	ck_assert_msg(strstr(err.msg, "config.json holds a NUL character") != NULL, "%s", err.msg);
	ck_assert_msg(strstr(err.msg, "near byte 16") != NULL, "%s", err.msg);
	j = json_parse_named("{\"d\\u0000\":1}", "k", &err);
	ck_assert_ptr_null(j);
	j = json_parse_named("{\"d\":\"a\\\\u0000\",\"e\":\"\\\"\\\\\"}", "ok", &err);
	ck_assert_ptr_nonnull(j);
	ck_assert_str_eq(cJSON_GetObjectItem(j, "d")->valuestring, "a\\u0000");
	cJSON_Delete(j);
	j = json_parse_named("{\"d\":\"\\u00001\"}", "k", &err);
	ck_assert_ptr_null(j);
}
END_TEST

/* json_print_pretty and json_print_compact write what cJSON_Print and
 * cJSON_PrintUnformatted write, byte for byte: `env list --json` and every
 * stored JSON column switched printers without changing their text. */
START_TEST(pretty_matches_cjson_print)
{
	static const char *const docs[] = {
		"{}", "[]", "null", "true", "\"x\"", "0", "-0", "-7", "2147483647", "-2147483648",
		"2147483648", "1e300", "-1e-300", "0.1", "1.5", "3.141592653589793", "123456789.125",
		"1e21", "4.35", "0.30000000000000004", "{\"a\":{}}", "{\"a\":[]}", "[[],[{}]]",
		"{\"\":\"\"}", "{\"k\\\"\\\\/\":\"\\b\\f\\n\\r\\t\\u0001\\u001f \\u007f\\u00e9\\u20ac\"}",
		"{\"a\":1,\"b\":[1,2,{\"c\":[true,false,null],\"d\":{\"e\":{\"f\":{}}}}],\"g\":\"h\"}",
		"[{\"a\":[{\"b\":[[[1.25]]]}]},\"s\",-3.5e-7]",
	};
	Buf b = BUF_INIT;

	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		cJSON *j = tu_json(docs[i]);
		char *want = cJSON_Print(j);

		buf_reset(&b);
		ck_assert(json_print_pretty(&b, j, 0));
		ck_assert_msg(strcmp(b.data, want) == 0, "%s:\n%s\nvs cJSON:\n%s", docs[i], b.data, want);
		free(want);
		want = cJSON_PrintUnformatted(j);
		buf_reset(&b);
		ck_assert(json_print_compact(&b, j));
		ck_assert_msg(strcmp(b.data, want) == 0, "%s:\n%s\nvs cJSON:\n%s", docs[i], b.data, want);
		free(want);
		cJSON_Delete(j);
	}
	/* numbers made in C, not parsed: every power of ten and its thirds */
	for (int e = -20; e <= 20; e++) {
		cJSON *j = cJSON_CreateArray();
		char *want;

		cJSON_AddItemToArray(j, cJSON_CreateNumber(pow(10, e)));
		cJSON_AddItemToArray(j, cJSON_CreateNumber(pow(10, e) / 3));
		cJSON_AddItemToArray(j, cJSON_CreateNumber(-pow(10, e) * 2 / 3));
		want = cJSON_Print(j);
		buf_reset(&b);
		ck_assert(json_print_pretty(&b, j, 0));
		ck_assert_str_eq(b.data, want);
		free(want);
		want = cJSON_PrintUnformatted(j);
		buf_reset(&b);
		ck_assert(json_print_compact(&b, j));
		ck_assert_str_eq(b.data, want);
		free(want);
		cJSON_Delete(j);
	}
	buf_clear(&b);
}
END_TEST

TEST_SUITE(json)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, key_order_ignored);
	tcase_add_test(tc, numbers_by_value);
	tcase_add_test(tc, nested_and_arrays);
	tcase_add_test(tc, getters_and_setters);
	tcase_add_test(tc, number_to_long_checks_range);
	tcase_add_test(tc, repeated_keys_equal_their_copy);
	tcase_add_test(tc, parse_error_names_source);
	tcase_add_test(tc, nul_in_string_refused);
	tcase_add_test(tc, zero_reaches_every_string);
	tcase_add_test(tc, too_deep_says_so);
	tcase_add_test(tc, pretty_matches_cjson_print);
	suite_add_tcase(s, tc);
	return s;
}
