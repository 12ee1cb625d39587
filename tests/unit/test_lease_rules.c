/* Lease rules of DESIGN §4 (Leases) that need no database, against a scripted double. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/private.h"
#include "testutil.h"
#include "util/json.h"

typedef enum { RESUME_OK, RESUME_GONE, RESUME_FAIL } ResumeMode;

typedef struct Double {
	ResumeMode resume;
	int resumes;
	int acquires;
} Double;

static Status dbl_acquire(Provider *p, const AcquireInput *in, LeaseHandle *out, Error *err)
{
	Double *d = p->impl;

	(void)in;
	(void)err;
	d->acquires++;
	out->provider_lease_id = strdup("fresh-1");
	out->metadata = cJSON_CreateObject();
	return ST_OK;
}

static Status dbl_resume(Provider *p, const LeaseInput *in, LeaseHandle *out, Error *err)
{
	Double *d = p->impl;

	d->resumes++;
	if (d->resume == RESUME_FAIL)
		return error_set(err, ST_E_PROVIDER, "sandbox %s is unreachable",
				 in->provider_lease_id);
	if (d->resume == RESUME_OK)
		out->provider_lease_id = strdup(in->provider_lease_id);
	return ST_OK;
}

static const ProviderOps dbl_ops = {
	.acquire_lease = dbl_acquire,
	.resume_lease = dbl_resume,
};

static Double dbl;
static Provider *prov;
static cJSON *reuse_cfg;

static void setup(void)
{
	memset(&dbl, 0, sizeof dbl);
	prov = provider_new(&dbl_ops, "dbl", NULL, NULL, PROVIDER_PLUGIN, 0, NULL, "test", &dbl);
	reuse_cfg = tu_json("{\"provider\":\"dbl\",\"reuseLease\":true,\"size\":\"s\"}");
}

static void teardown(void)
{
	prov->impl = NULL;
	provider_free(prov);
	cJSON_Delete(reuse_cfg);
}

START_TEST(policy_choice)
{
	cJSON *no = tu_json("{\"provider\":\"dbl\",\"reuseLease\":false}");

	ck_assert_str_eq(lease_rules_policy(reuse_cfg, "run-1"), lease_policy_text(POLICY_REUSE));
	/* an operator's test lease (no run id) is ephemeral */
	ck_assert_str_eq(lease_rules_policy(reuse_cfg, NULL), lease_policy_text(POLICY_EPHEMERAL));
	ck_assert_str_eq(lease_rules_policy(reuse_cfg, ""), lease_policy_text(POLICY_EPHEMERAL));
	ck_assert_str_eq(lease_rules_policy(no, "run-1"), lease_policy_text(POLICY_EPHEMERAL));
	cJSON_Delete(no);
}
END_TEST

START_TEST(resume_success)
{
	AcquireInput in = { reuse_cfg, "env", "run-2", NULL, NULL };
	LeaseHandle h;
	bool resumed;
	Error err, rerr;

	dbl.resume = RESUME_OK;
	ck_assert_int_eq(lease_rules_acquire(prov, &in, "old-1", NULL, &h, &resumed, &rerr, &err),
			 ST_OK);
	ck_assert(resumed);
	ck_assert_str_eq(h.provider_lease_id, "old-1");
	ck_assert_int_eq(dbl.resumes, 1);
	ck_assert_int_eq(dbl.acquires, 0);
	lease_handle_clear(&h);
}
END_TEST

START_TEST(resume_gone_falls_back)
{
	AcquireInput in = { reuse_cfg, "env", "run-2", NULL, NULL };
	LeaseHandle h;
	bool resumed = true;
	Error err, rerr;

	error_clear(&rerr);
	dbl.resume = RESUME_GONE;
	ck_assert_int_eq(lease_rules_acquire(prov, &in, "old-1", NULL, &h, &resumed, &rerr, &err),
			 ST_OK);
	ck_assert(!resumed);
	ck_assert_str_eq(h.provider_lease_id, "fresh-1");
	ck_assert_int_eq(dbl.resumes, 1);
	ck_assert_int_eq(dbl.acquires, 1);
	ck_assert_int_eq(rerr.status, ST_OK);
	lease_handle_clear(&h);
}
END_TEST

START_TEST(resume_failure_falls_back_and_reports)
{
	AcquireInput in = { reuse_cfg, "env", "run-2", NULL, NULL };
	LeaseHandle h;
	bool resumed = true;
	Error err, rerr;

	error_clear(&rerr);
	dbl.resume = RESUME_FAIL;
	ck_assert_int_eq(lease_rules_acquire(prov, &in, "old-1", NULL, &h, &resumed, &rerr, &err),
			 ST_OK);
	ck_assert(!resumed);
	ck_assert_str_eq(h.provider_lease_id, "fresh-1");
	ck_assert_int_eq(dbl.acquires, 1);
	ck_assert_int_eq(rerr.status, ST_E_PROVIDER);
	ck_assert_str_eq(rerr.msg, "sandbox old-1 is unreachable");
	lease_handle_clear(&h);
}
END_TEST

START_TEST(no_run_never_resumes)
{
	AcquireInput in = { reuse_cfg, "env", NULL, NULL, NULL };
	LeaseHandle h;
	bool resumed;
	Error err;

	dbl.resume = RESUME_OK;
	ck_assert_int_eq(lease_rules_acquire(prov, &in, "old-1", NULL, &h, &resumed, NULL, &err),
			 ST_OK);
	ck_assert(!resumed);
	ck_assert_int_eq(dbl.resumes, 0);
	ck_assert_int_eq(dbl.acquires, 1);
	lease_handle_clear(&h);
}
END_TEST

START_TEST(find_reusable_most_recent_matching)
{
	cJSON *m_match = tu_json("{\"provider\":\"dbl\",\"reuseLease\":true,\"size\":\"s\"}");
	cJSON *m_other = tu_json("{\"provider\":\"dbl\",\"reuseLease\":true,\"size\":\"l\"}");
	LeaseCandidate c[] = {
		{ "a", m_other, lease_policy_text(POLICY_REUSE) },     /* config differs */
		{ "b", m_match, lease_policy_text(POLICY_EPHEMERAL) }, /* wrong policy */
		{ "c", m_match, lease_policy_text(POLICY_REUSE) },
		{ "d", m_match, lease_policy_text(POLICY_REUSE) },
	};

	ck_assert_int_eq(lease_rules_find_reusable(prov, reuse_cfg, c, 4), 2);
	ck_assert_int_eq(lease_rules_find_reusable(prov, reuse_cfg, c, 2), -1);
	cJSON_Delete(m_match);
	cJSON_Delete(m_other);
}
END_TEST

START_TEST(release_status_mapping)
{
	ck_assert(lease_rules_release_status_valid("released"));
	ck_assert(lease_rules_release_status_valid("expired"));
	ck_assert(lease_rules_release_status_valid("failed"));
	ck_assert(!lease_rules_release_status_valid("retained"));
	ck_assert(!lease_rules_release_status_valid("active"));
	ck_assert(!lease_rules_release_status_valid(NULL));
	ck_assert_str_eq(lease_rules_final_status(lease_policy_text(POLICY_RETAIN), "failed"), "retained");
	ck_assert_str_eq(lease_rules_final_status(lease_policy_text(POLICY_RETAIN), "released"), "released");
	ck_assert_str_eq(lease_rules_final_status(lease_policy_text(POLICY_REUSE), "failed"), "failed");
	ck_assert_str_eq(lease_rules_final_status(lease_policy_text(POLICY_EPHEMERAL), "expired"), "expired");
	ck_assert(!lease_rules_sets_released_at("retained"));
	ck_assert(lease_rules_sets_released_at("failed"));
	ck_assert(lease_rules_sets_released_at("released"));
}
END_TEST

TEST_SUITE(lease_rules)
{
	Suite *s = suite_create("lease_rules");
	TCase *tc = tcase_create("rules");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, policy_choice);
	tcase_add_test(tc, resume_success);
	tcase_add_test(tc, resume_gone_falls_back);
	tcase_add_test(tc, resume_failure_falls_back_and_reports);
	tcase_add_test(tc, no_run_never_resumes);
	tcase_add_test(tc, find_reusable_most_recent_matching);
	tcase_add_test(tc, release_status_mapping);
	suite_add_tcase(s, tc);
	return s;
}
