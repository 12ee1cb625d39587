#include "schema_tu.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/buf.h"
#include "util/json.h"

char *stu_check(const char *schema, const char *value)
{
	cJSON *s = tu_json(schema), *v = tu_json(value);
	SchemaIssues issues;
	Error err;
	char *joined;

	error_clear(&err);
	ck_assert_msg(schema_validate(s, v, &issues, &err) == ST_OK, "validate failed: %s",
		      err.msg);
	joined = schema_issues_join(&issues, "; ");
	ck_assert_ptr_nonnull(joined);
	schema_issues_clear(&issues);
	cJSON_Delete(s);
	cJSON_Delete(v);
	return joined;
}

char *stu_schema_error(const char *schema, const char *value)
{
	cJSON *s = cJSON_Parse(schema), *v = tu_json(value);
	SchemaIssues issues;
	Error err;
	Status st;

	error_clear(&err);
	st = schema_validate(s, v, &issues, &err);
	ck_assert_msg(st != ST_OK, "expected a schema error for %s", schema);
	ck_assert_uint_eq(issues.count, 0);
	schema_issues_clear(&issues);
	cJSON_Delete(s);
	cJSON_Delete(v);
	return strdup(err.msg);
}

cJSON *stu_fixture(const char *name)
{
	char path[512];
	Error err;
	cJSON *j;

	snprintf(path, sizeof path, "tests/fixtures/%s", name);
	error_clear(&err);
	j = json_parse_file(path, &err);
	ck_assert_msg(j != NULL, "fixture %s: %s", name, err.msg);
	return j;
}

char *stu_lint(const cJSON *doc, LintReport *out)
{
	Buf b = BUF_INIT;
	Error err;
	Status st;

	error_clear(&err);
	st = schema_is_manifest(doc) ? schema_lint_manifest(doc, out, &err)
				     : schema_lint(doc, out, &err);
	ck_assert_msg(st == ST_OK, "lint failed: %s", err.msg);
	buf_puts(&b, "");
	for (size_t i = 0; i < out->count; i++)
		buf_printf(&b, "%s %s: %s\n", out->items[i].level == LINT_ERROR ? "error" : "warning",
			   out->items[i].pointer, out->items[i].message);
	return buf_take(&b);
}
