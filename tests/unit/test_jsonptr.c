#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/json.h"
#include "util/jsonptr.h"

START_TEST(get_escaped_and_arrays)
{
	cJSON *j = tu_json("{\"a.b\":{\"c/d\":1,\"e~f\":[10,20]},\"\":5}");

	ck_assert_ptr_eq(jsonptr_get(j, ""), j);
	ck_assert_int_eq(jsonptr_get(j, "/a.b/c~1d")->valueint, 1);
	ck_assert_int_eq(jsonptr_get(j, "/a.b/e~0f/1")->valueint, 20);
	ck_assert_int_eq(jsonptr_get(j, "/")->valueint, 5);
	ck_assert_ptr_null(jsonptr_get(j, "/a.b/e~0f/2"));
	ck_assert_ptr_null(jsonptr_get(j, "/a.b/e~0f/01"));
	ck_assert_ptr_null(jsonptr_get(j, "/a.b/e~0f/-"));
	ck_assert_ptr_null(jsonptr_get(j, "/missing/x"));
	ck_assert_ptr_null(jsonptr_get(j, "no-slash"));
	cJSON_Delete(j);
}
END_TEST

START_TEST(set_creates_intermediates)
{
	cJSON *j = tu_json("{\"list\":[1]}");
	cJSON *want = tu_json("{\"list\":[7,2],\"x\":{\"y\":{\"z/w\":\"v\"}}}");
	Error err;

	ck_assert_int_eq(jsonptr_set(j, "/x/y/z~1w", cJSON_CreateString("v"), &err), ST_OK);
	ck_assert_int_eq(jsonptr_set(j, "/list/-", cJSON_CreateNumber(2), &err), ST_OK);
	ck_assert_int_eq(jsonptr_set(j, "/list/0", cJSON_CreateNumber(7), &err), ST_OK);
	ck_assert(json_equal(j, want));
	ck_assert_int_eq(jsonptr_set(j, "/list/9", cJSON_CreateNumber(2), &err), ST_E_INVALID);
	ck_assert_int_eq(jsonptr_set(j, "/x/y/z~1w/q", cJSON_CreateNumber(2), &err), ST_E_INVALID);
	ck_assert_int_eq(jsonptr_set(j, "", cJSON_CreateNumber(2), &err), ST_E_INVALID);
	cJSON_Delete(j);
	cJSON_Delete(want);
}
END_TEST

START_TEST(remove_and_append)
{
	cJSON *j = tu_json("{\"a\":{\"b\":1,\"c\":2},\"l\":[1,2,3]}");
	char *p = jsonptr_append("/x", "a/b~c");

	ck_assert_int_eq(jsonptr_remove(j, "/a/b"), ST_OK);
	ck_assert_int_eq(jsonptr_remove(j, "/a/b"), ST_E_NOT_FOUND);
	ck_assert_int_eq(jsonptr_remove(j, "/l/1"), ST_OK);
	ck_assert_int_eq(cJSON_GetArraySize(jsonptr_get(j, "/l")), 2);
	ck_assert_str_eq(p, "/x/a~1b~0c");
	free(p);
	cJSON_Delete(j);
}
END_TEST

TEST_SUITE(jsonptr)
{
	Suite *s = suite_create("jsonptr");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, get_escaped_and_arrays);
	tcase_add_test(tc, set_creates_intermediates);
	tcase_add_test(tc, remove_and_append);
	suite_add_tcase(s, tc);
	return s;
}
