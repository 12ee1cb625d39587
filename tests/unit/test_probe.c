/* #19: a failed probe's cause is shown with its summary everywhere (CLI
 * text, the form's probe line, the environment's recent probes), from the
 * one line probe_headline builds out of the provider's answer. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/probe.h"
#include "testutil.h"

static char *headline(const char *summary, const char *details)
{
	cJSON *d = details ? tu_json(details) : NULL;
	char *line = probe_headline(summary, d);

	cJSON_Delete(d);
	ck_assert_ptr_nonnull(line);
	return line;
}

static const struct {
	const char *what, *summary, *details, *want;
} cases[] = {
	{ "docker: the error diagnostic", "Docker daemon probe failed.",
	  "{\"diagnostics\":[{\"severity\":\"warning\",\"message\":\"slow\"},"
	  "{\"severity\":\"error\",\"code\":\"docker_unavailable\",\"message\":\"docker info failed: "
	  "Cannot connect to the Docker daemon\"}]}",
	  "Docker daemon probe failed. (cause: docker info failed: Cannot connect to the Docker "
	  "daemon)" },
	{ "no error diagnostic: the first one", "Probe failed.",
	  "{\"diagnostics\":[{\"severity\":\"warning\",\"message\":\"quota low\"}]}",
	  "Probe failed. (cause: quota low)" },
	{ "e2b/modal: metadata.error", "E2B sandbox probe failed for template base.",
	  "{\"metadata\":{\"provider\":\"e2b\",\"error\":\"fetch failed\"}}",
	  "E2B sandbox probe failed for template base. (cause: fetch failed)" },
	{ "an error object", "failed", "{\"error\":{\"message\":\"boom\"}}", "failed (cause: boom)" },
	{ "no cause", "Fake sandbox provider is ready for image x.", "{\"metadata\":{}}",
	  "Fake sandbox provider is ready for image x." },
	{ "no details", "plugin x: timed out", NULL, "plugin x: timed out" },
	{ "the summary already says it", "probe failed: fetch failed",
	  "{\"metadata\":{\"error\":\"fetch failed\"}}", "probe failed: fetch failed" },
	{ "terminal controls from the plugin", "failed",
	  "{\"metadata\":{\"error\":\"a\\u001b[2Jb\\nc\\u009b1md\"}}",
	  "failed (cause: a [2Jb c 1md)" },
};

START_TEST(test_headline)
{
	char *line = headline(cases[_i].summary, cases[_i].details);

	ck_assert_msg(strcmp(line, cases[_i].want) == 0, "%s: got \"%s\"", cases[_i].what, line);
	free(line);
}
END_TEST

START_TEST(test_long_cause_is_cut)
{
	char details[1200], *line;
	size_t n;

	strcpy(details, "{\"metadata\":{\"error\":\"");
	n = strlen(details);
	memset(details + n, 'x', 900);
	strcpy(details + n + 900, "\"}}");
	line = headline("failed", details);
	ck_assert_uint_eq(strlen(line), strlen("failed (cause: ") + 300 + strlen("...)"));
	ck_assert_ptr_nonnull(strstr(line, "xxx...)"));
	free(line);
}
END_TEST

TEST_SUITE(probe)
{
	Suite *s = suite_create("probe");
	TCase *tc = tcase_create("headline");

	tcase_add_loop_test(tc, test_headline, 0, (int)(sizeof cases / sizeof cases[0]));
	tcase_add_test(tc, test_long_cause_is_cut);
	suite_add_tcase(s, tc);
	return s;
}
