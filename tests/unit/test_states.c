/* store/states.h: every table's text reads back as its value, and text
 * outside a table (a typo, another table's word, NULL) reads as unknown. */
#include <check.h>
#include <string.h>

#include "store/states.h"
#include "testutil.h"

START_TEST(each_value_round_trips)
{
	for (int i = 0; i < LEASE_STATUS__COUNT; i++)
		ck_assert_int_eq(lease_status_of(lease_status_text((LeaseStatus)i)), i);
	for (int i = 0; i < LEASE_POLICY__COUNT; i++)
		ck_assert_int_eq(lease_policy_of(lease_policy_text((LeasePolicy)i)), i);
	for (int i = 0; i < ENV_STATUS__COUNT; i++)
		ck_assert_int_eq(env_status_of(env_status_text((EnvStatus)i)), i);
	for (int i = 0; i < SECRET_STATUS__COUNT; i++)
		ck_assert_int_eq(secret_status_of(secret_status_text((SecretStatus)i)), i);
	for (int i = 0; i < CLEANUP_STATUS__COUNT; i++)
		ck_assert_int_eq(cleanup_status_of(cleanup_status_text((CleanupStatus)i)), i);
	for (int i = 0; i < ACCESS_OUTCOME__COUNT; i++)
		ck_assert_int_eq(access_outcome_of(access_outcome_text((AccessOutcome)i)), i);
	ck_assert_str_eq(access_outcome_text(ACCESS_FAILURE), "failure");
	ck_assert_str_eq(lease_status_text(LEASE_RETAINED), "retained");
	ck_assert_str_eq(lease_policy_text(POLICY_REUSE), "reuse_by_environment");
	ck_assert_str_eq(env_status_text(ENV_ARCHIVED), "archived");
	ck_assert_str_eq(secret_status_text(SECRET_DISABLED), "disabled");
	ck_assert_str_eq(secret_status_text(SECRET_DELETED), "deleted");
	ck_assert_str_eq(cleanup_status_text(CLEANUP_SUCCESS), "success");
}
END_TEST

START_TEST(other_text_is_unknown)
{
	ck_assert_int_eq(lease_status_of(NULL), LEASE_STATUS_UNKNOWN);
	ck_assert_int_eq(lease_status_of("Active"), LEASE_STATUS_UNKNOWN);
	ck_assert_int_eq(lease_status_of("archived"), LEASE_STATUS_UNKNOWN);
	ck_assert_int_eq(env_status_of("retained"), ENV_STATUS_UNKNOWN);
	ck_assert_int_eq(cleanup_status_of(""), CLEANUP_STATUS_UNKNOWN);
	ck_assert(lease_status_is("active", LEASE_ACTIVE));
	ck_assert(!lease_status_is(NULL, LEASE_ACTIVE));
	ck_assert(!lease_status_is("active", LEASE_STATUS_UNKNOWN));
	ck_assert(!secret_status_is("active ", SECRET_ACTIVE));
	ck_assert_str_eq(lease_status_text(LEASE_STATUS_UNKNOWN), "");
	ck_assert_str_eq(env_status_text((EnvStatus)ENV_STATUS__COUNT), "");
}
END_TEST

TEST_SUITE(states)
{
	Suite *s = suite_create("states");
	TCase *tc = tcase_create("states");

	tcase_add_test(tc, each_value_round_trips);
	tcase_add_test(tc, other_text_is_unknown);
	suite_add_tcase(s, tc);
	return s;
}
