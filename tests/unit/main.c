/* Runs every unit suite. The list comes from the generated suites.inc:
 * tests/unit/test_NAME.c defines `Suite *NAME_suite(void)`. An optional
 * argument runs only the suite of that name. */
#include <check.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define SUITE(name) Suite *name##_suite(void);
#include "suites.inc"
#undef SUITE

int main(int argc, char **argv)
{
	SRunner *sr = srunner_create(NULL);
	int failed;

	if (sodium_init() < 0)
		return 1;
#define SUITE(name)                                                      \
	if (argc < 2 || strcmp(argv[1], #name) == 0)                     \
		srunner_add_suite(sr, name##_suite());
#include "suites.inc"
#undef SUITE
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
