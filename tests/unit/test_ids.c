/* util/ids: new ids are version 4 UUIDs in lower case, and never repeat. */
#include <check.h>
#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/ids.h"

static int cmp_ids(const void *a, const void *b)
{
	return strcmp(a, b);
}

START_TEST(new_ids_are_v4_and_distinct)
{
	enum { N = 20000 };
	char (*ids)[UUID_STR_LEN] = malloc(N * sizeof *ids);

	ck_assert_int_ge(sodium_init(), 0);
	ck_assert_ptr_nonnull(ids);
	for (int i = 0; i < N; i++) {
		id_new(ids[i]);
		ck_assert_uint_eq(strlen(ids[i]), 36);
		ck_assert(id_is_uuid(ids[i]));
		ck_assert_int_eq(ids[i][14], '4');                /* version */
		ck_assert_ptr_nonnull(strchr("89ab", ids[i][19])); /* RFC 4122 variant */
		for (int k = 0; k < 36; k++)
			ck_assert(!isupper((unsigned char)ids[i][k]));
	}
	qsort(ids, N, sizeof *ids, cmp_ids);
	for (int i = 1; i < N; i++)
		ck_assert_str_ne(ids[i - 1], ids[i]);
	free(ids);
}
END_TEST

TEST_SUITE(ids)
{
	Suite *s = suite_create("ids");
	TCase *tc = tcase_create("ids");

	tcase_add_test(tc, new_ids_are_v4_and_distinct);
	suite_add_tcase(s, tc);
	return s;
}
