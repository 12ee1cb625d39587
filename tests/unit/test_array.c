#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "testutil.h"
#include "util/array.h"

START_TEST(grows_and_keeps_contents)
{
	long *items = NULL;
	size_t cap = 0;

	for (size_t i = 0; i < 1000; i++) {
		ck_assert(array_reserve(&items, &cap, i, sizeof *items));
		ck_assert_uint_gt(cap, i);
		items[i] = (long)i * 3;
	}
	for (size_t i = 0; i < 1000; i++)
		ck_assert_int_eq(items[i], (long)i * 3);
	ck_assert_uint_lt(cap, 2048); /* doubling, not one at a time */
	free(items);
}
END_TEST

START_TEST(refuses_overflow_unchanged)
{
	char *items = NULL;
	size_t cap = SIZE_MAX / 2 + 1;

	/* a capacity that cannot double again: refused, array untouched */
	ck_assert(!array_reserve(&items, &cap, cap, 4));
	ck_assert_ptr_null(items);
	ck_assert_uint_eq(cap, SIZE_MAX / 2 + 1);
}
END_TEST

TEST_SUITE(array)
{
	Suite *s = suite_create("array");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, grows_and_keeps_contents);
	tcase_add_test(tc, refuses_overflow_unchanged);
	suite_add_tcase(s, tc);
	return s;
}
