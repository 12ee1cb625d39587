/* util/ids: new ids are version 4 UUIDs in lower case, and never repeat. */
#include <check.h>
#include <ctype.h>
#include <sodium.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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
	/* half one at a time, half in runs of id_new_many across the
	 * ID_BATCH boundaries (an empty run too) */
	for (int i = 0; i < N / 2; i++)
		id_new(ids[i]);
	for (int i = N / 2, r = 0; i < N; r++) {
		static const size_t runs[] = { 0, 1, ID_BATCH - 1, ID_BATCH, ID_BATCH + 1, 1000 };
		char *out[1000];
		size_t n = runs[r % 6];

		if (n > (size_t)(N - i))
			n = (size_t)(N - i);
		for (size_t k = 0; k < n; k++)
			out[k] = ids[i + (int)k];
		id_new_many(out, n);
		i += (int)n;
	}
	for (int i = 0; i < N; i++) {
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

/* time_format_ms writes its digits by hand; the text is strftime's. */
START_TEST(time_format_matches_strftime)
{
	int64_t samples[] = { 0, 999, 1000, 86399999, 951782400000LL /* 2000-02-29 */,
			      1768478400123LL, 4102444799999LL /* 2099-12-31T23:59:59.999 */,
			      253402300799999LL /* 9999-12-31T23:59:59.999 */ };

	for (size_t i = 0; i < sizeof samples / sizeof samples[0] + 2000; i++) {
		int64_t ms = i < sizeof samples / sizeof samples[0]
				     ? samples[i]
				     : (int64_t)(i * 1234567891ULL % 4102444800000ULL);
		char got[TIME_STR_LEN], want[TIME_STR_LEN];
		time_t sec = (time_t)(ms / 1000);
		struct tm tm;
		size_t n;

		time_format_ms(ms, got);
		gmtime_r(&sec, &tm);
		n = strftime(want, sizeof want, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(want + n, sizeof want - n, ".%03uZ", (unsigned)(ms % 1000));
		ck_assert_str_eq(got, want);
		ck_assert_int_eq(time_parse_iso(got), ms);
	}
}
END_TEST

TEST_SUITE(ids)
{
	Suite *s = suite_create("ids");
	TCase *tc = tcase_create("ids");

	tcase_add_test(tc, new_ids_are_v4_and_distinct);
	tcase_add_test(tc, time_format_matches_strftime);
	suite_add_tcase(s, tc);
	return s;
}
