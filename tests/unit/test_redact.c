#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/redact.h"
#include "testutil.h"
#include "util/json.h"

START_TEST(redacts_everywhere)
{
	cJSON *cfg = tu_json("{\"apiKey\":\"sk-123\",\"nested\":{\"pw\":\"hunter2\"},\"empty\":\"\"}");
	char *ptrs[] = { "/apiKey", "/nested/pw", "/empty", "/missing", NULL };
	const char **secrets = redact_collect(cfg, ptrs);
	cJSON *details = tu_json("{\"msg\":\"auth with sk-123 failed; sk-123!\","
				 "\"list\":[\"hunter2\",1,\"ok\"]}");
	cJSON *want = tu_json("{\"msg\":\"auth with [redacted] failed; [redacted]!\","
			      "\"list\":[\"[redacted]\",1,\"ok\"]}");
	char *s = strdup("error: hunter2");

	ck_assert_str_eq(secrets[0], "sk-123");
	ck_assert_str_eq(secrets[1], "hunter2");
	ck_assert_ptr_null(secrets[2]);
	redact_json(details, secrets);
	ck_assert(json_equal(details, want));
	s = redact_string(s, secrets);
	ck_assert_str_eq(s, "error: [redacted]");
	free(s);
	free(secrets);
	cJSON_Delete(cfg);
	cJSON_Delete(details);
	cJSON_Delete(want);
}
END_TEST

START_TEST(short_secrets_only_whole_strings)
{
	const char *secrets[] = { "t", "abc", NULL };
	char *s = redact_string(strdup("destroy failed: abc"), secrets);
	char *w = redact_string(strdup("abc"), secrets);

	ck_assert_str_eq(s, "destroy failed: abc");
	ck_assert_str_eq(w, "[redacted]");
	free(s);
	free(w);
}
END_TEST

TEST_SUITE(redact)
{
	Suite *s = suite_create("redact");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, redacts_everywhere);
	tcase_add_test(tc, short_secrets_only_whole_strings);
	suite_add_tcase(s, tc);
	return s;
}
