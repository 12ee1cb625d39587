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

/* A set pushed at once gets room for all of it (#18: the schema walkers'
 * ancestor stacks), n == 0 asks for nothing, and a count + n that does not
 * fit a size_t is refused with the array untouched. */
START_TEST(reserve_n_makes_room_for_a_set)
{
	int *items = NULL;
	size_t cap = 0;

	ck_assert(array_reserve_n(&items, &cap, 0, 0, sizeof *items));
	ck_assert_ptr_null(items);
	ck_assert_uint_eq(cap, 0);
	ck_assert(array_reserve_n(&items, &cap, 0, 3, sizeof *items));
	ck_assert_uint_ge(cap, 3);
	for (int i = 0; i < 3; i++)
		items[i] = i;
	/* more than doubling asks for: exactly what is needed */
	ck_assert(array_reserve_n(&items, &cap, 3, 100, sizeof *items));
	ck_assert_uint_ge(cap, 103);
	for (int i = 3; i < 103; i++)
		items[i] = i;
	for (int i = 0; i < 103; i++)
		ck_assert_int_eq(items[i], i);
	ck_assert(!array_reserve_n(&items, &cap, 2, SIZE_MAX - 1, sizeof *items));
	ck_assert_uint_ge(cap, 103);
	ck_assert_int_eq(items[102], 102);
	free(items);
}
END_TEST

TEST_SUITE(array)
{
	Suite *s = suite_create("array");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, grows_and_keeps_contents);
	tcase_add_test(tc, refuses_overflow_unchanged);
	tcase_add_test(tc, reserve_n_makes_room_for_a_set);
	suite_add_tcase(s, tc);
	return s;
}
