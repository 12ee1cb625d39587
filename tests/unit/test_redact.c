#include <check.h>
#include <stdio.h>
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

/* Issue #12: a secret used as an object key was kept in clear. */
START_TEST(redacts_object_keys)
{
	const char *secrets[] = { "S3cr3tPlain", NULL };
	cJSON *meta = tu_json("{\"S3cr3tPlain\":\"v\",\"n\":{\"xS3cr3tPlainx\":1},\"ok\":2}");
	cJSON *want = tu_json("{\"[redacted]\":\"v\",\"n\":{\"x[redacted]x\":1},\"ok\":2}");
	char *text;

	redact_json(meta, secrets);
	text = cJSON_PrintUnformatted(meta);
	ck_assert_msg(json_equal(meta, want), "%s", text);
	ck_assert_ptr_null(strstr(text, "S3cr"));
	free(text);
	cJSON_Delete(meta);
	cJSON_Delete(want);
}
END_TEST

/* Issue #12: redact the whole text, then cut (and never half a UTF-8
 * character). */
START_TEST(bounded_redacts_before_cutting)
{
	const char *secrets[] = { "S3cr3tPlainXYZ7", NULL };
	char text[900], out[850];

	memset(text, 'x', 840);
	snprintf(text + 840, sizeof text - 840, "%s", "S3cr3tPlainXYZ7");
	redact_bounded(out, sizeof out, text, secrets);
	ck_assert_uint_eq(strlen(out), sizeof out - 1);
	ck_assert_ptr_null(strstr(out, "S3c"));
	ck_assert_ptr_nonnull(strstr(out, "x[redac"));
	redact_bounded(out, 4, "ab\xc3\xa9", NULL);
	ck_assert_str_eq(out, "ab");
}
END_TEST

TEST_SUITE(redact)
{
	Suite *s = suite_create("redact");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, redacts_everywhere);
	tcase_add_test(tc, short_secrets_only_whole_strings);
	tcase_add_test(tc, redacts_object_keys);
	tcase_add_test(tc, bounded_redacts_before_cutting);
	suite_add_tcase(s, tc);
	return s;
}
