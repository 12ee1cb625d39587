/* Helpers shared by the schema suites. */
#ifndef ENVCTL_TESTS_SCHEMA_TU_H
#define ENVCTL_TESTS_SCHEMA_TU_H

#include <cjson/cJSON.h>

#include "schema/schema.h"

/* Validates value against schema (both JSON text) and returns the joined
 * issues ("" when valid); aborts the test when validation itself fails. */
char *stu_check(const char *schema, const char *value);
/* Validation that is expected to fail as a schema error: returns err.msg. */
char *stu_schema_error(const char *schema, const char *value);
/* tests/fixtures/NAME parsed, or the test fails. */
cJSON *stu_fixture(const char *name);
/* The lint report of a document as "error /ptr: msg\n" lines. */
char *stu_lint(const cJSON *doc, LintReport *out);

#endif
