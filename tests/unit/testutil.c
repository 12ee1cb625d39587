#include "testutil.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

cJSON *tu_json(const char *text)
{
	cJSON *j = cJSON_Parse(text);

	ck_assert_msg(j != NULL, "bad test JSON: %s", text);
	return j;
}

char *tu_tmpdir(void)
{
	char tmpl[] = "/tmp/envctl-test-XXXXXX";
	char *d = mkdtemp(tmpl);

	ck_assert_ptr_nonnull(d);
	return strdup(d);
}

const char *tu_forms_dir(void)
{
	const char *d = getenv("ENVCTL_TEST_FORMS");

	return d ? d : "forms";
}
