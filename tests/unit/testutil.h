/* Helpers shared by the unit suites. */
#ifndef ENVCTL_TESTS_TESTUTIL_H
#define ENVCTL_TESTS_TESTUTIL_H

#include <check.h>
#include <cjson/cJSON.h>

/* Defines `Suite *NAME_suite(void)`, the entry the generated runner calls. */
#define TEST_SUITE(name) \
	Suite *name##_suite(void); \
	Suite *name##_suite(void)

/* Parses JSON or aborts the test. */
cJSON *tu_json(const char *text);
/* A fresh temporary directory for this test (removed by the OS tmp reaper;
 * tests run forked, so each gets its own). Caller frees. */
char *tu_tmpdir(void);
/* The source tree's forms/ directory. */
const char *tu_forms_dir(void);
/* Monotonic milliseconds, for the deadline of a wait on a state. */
long long tu_now_ms(void);
/* Creates an empty file (or aborts the test): a signal to a child that polls. */
void tu_touch(const char *path);

#endif
