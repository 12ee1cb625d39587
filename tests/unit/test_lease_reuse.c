/* The reuse evaluation (core/lease_reuse.c) without a database: candidate
 * rules, per-key verdicts, secret fields and hostile metadata values. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lease_reuse.h"
#include "testutil.h"
#include "util/json.h"

static const ProviderOps generic_ops = { 0 };
static Provider *prov;
static cJSON *cfg;
static char *secret_paths[] = { "/token", "/nested/key", NULL };

static void setup(void)
{
	prov = provider_new(&generic_ops, "gen", NULL, NULL, PROVIDER_PLUGIN, 0, NULL, "test", NULL);
	cfg = tu_json("{\"provider\":\"gen\",\"reuseLease\":true,\"region\":\"eu\","
		      "\"token\":\"sec-1\",\"nested\":{\"key\":\"sec-2\",\"a\":1},\"opts\":{\"x\":1,\"y\":2}}");
}

static void teardown(void)
{
	provider_free(prov);
	cJSON_Delete(cfg);
}

static void row(StoreLease *l, const char *id, const char *status, const char *run,
		const char *plid, const char *meta)
{
	memset(l, 0, sizeof *l);
	snprintf(l->id, sizeof l->id, "%s", id);
	l->status = (char *)status;
	l->heartbeat_run_id = (char *)run;
	l->provider_lease_id = (char *)plid;
	l->metadata_json = (char *)meta;
	l->lease_policy = (char *)"reuse_by_environment";
}

static const LeaseReuseKey *key(const LeaseReuseCandidate *c, const char *name)
{
	for (size_t i = 0; i < c->key_count; i++)
		if (strcmp(c->keys[i].key, name) == 0)
			return &c->keys[i];
	ck_abort_msg("no key %s", name);
	return NULL;
}

#define META_OK                                                                              \
	"{\"provider\":\"gen\",\"reuseLease\":true,\"region\":\"eu\",\"token\":\"sec-1\","     \
	"\"nested\":{\"a\":1,\"key\":\"sec-2\"},\"opts\":{\"y\":2,\"x\":1}}"

START_TEST(structural_match_and_first_match_chosen)
{
	LeaseReuseReport r;
	StoreLease a, b;

	lease_reuse_report_init(&r);
	row(&a, "a", "released", "r1", "sb-1", META_OK);
	row(&b, "b", "retained", "r0", "sb-0", META_OK);
	ck_assert(lease_reuse_consider(&r, prov, cfg, secret_paths, "r2", &a, NULL, 0));
	ck_assert(lease_reuse_consider(&r, prov, cfg, secret_paths, "r2", &b, NULL, 0));
	/* key order ignored (opts, nested): our deliberate fix */
	ck_assert(r.items[0].matches && r.items[0].chosen);
	ck_assert(r.items[1].matches && !r.items[1].chosen);
	ck_assert_int_eq(r.chosen, 0);
	/* provider and reuseLease are not compared keys */
	ck_assert_uint_eq(r.items[0].key_count, 4);
	lease_reuse_report_clear(&r);
}
END_TEST

START_TEST(each_mismatch_kind)
{
	LeaseReuseReport r;
	StoreLease a;
	const LeaseReuseCandidate *c;
	char *text;

	lease_reuse_report_init(&r);
	row(&a, "a", "released", "r1", "sb-1",
	    "{\"provider\":\"gen\",\"reuseLease\":true,\"region\":\"us\",\"token\":\"sec-9\","
	    "\"nested\":{\"a\":1,\"key\":\"sec-8\"}}");
	ck_assert(lease_reuse_consider(&r, prov, cfg, secret_paths, "r2", &a, NULL, 0));
	c = &r.items[0];
	ck_assert(c->eligible && !c->matches);
	ck_assert_int_eq(key(c, "region")->state, LEASE_REUSE_KEY_DIFFERENT);
	ck_assert_str_eq(key(c, "region")->want, "\"eu\"");
	ck_assert_str_eq(key(c, "region")->have, "\"us\"");
	ck_assert_int_eq(key(c, "token")->state, LEASE_REUSE_KEY_SECRET_DIFFERS);
	ck_assert_ptr_null(key(c, "token")->want);
	ck_assert_ptr_null(key(c, "token")->have);
	/* an object holding a secret field shows no values either */
	ck_assert_int_eq(key(c, "nested")->state, LEASE_REUSE_KEY_SECRET_DIFFERS);
	ck_assert_int_eq(key(c, "opts")->state, LEASE_REUSE_KEY_MISSING);
	ck_assert_str_eq(c->reason, "4 config keys do not match");
	r.reuse_on = true;
	text = lease_reuse_report_text(&r, "env", "r2");
	ck_assert_msg(strstr(text, "x token                secret id differs") != NULL, "%s", text);
	ck_assert_ptr_null(strstr(text, "sec-1"));
	ck_assert_ptr_null(strstr(text, "sec-9"));
	ck_assert_ptr_null(strstr(text, "sec-8"));
	free(text);
	lease_reuse_report_clear(&r);
}
END_TEST

START_TEST(candidate_rules)
{
	LeaseReuseReport r;
	StoreLease l[6];
	LeaseReuseHolder holders[] = { { "x", "r7", "sb-held" } };

	lease_reuse_report_init(&r);
	row(&l[0], "a", "active", "r1", "sb-1", META_OK);  /* another run's active lease */
	row(&l[1], "b", "expired", "r1", "sb-2", META_OK); /* not released or retained */
	row(&l[2], "c", "released", "r1", NULL, META_OK);  /* no sandbox */
	row(&l[3], "d", "released", "r1", "sb-held", META_OK); /* held by run r7 */
	row(&l[4], "e", "released", "r1", "sb-5",
	    "{\"provider\":\"gen\",\"reuseLease\":true,\"envctlResumedBy\":\"z\"}");
	row(&l[5], "f", "active", "r2", "sb-6", META_OK);  /* the same run's: taken */
	for (int i = 0; i < 6; i++)
		ck_assert(lease_reuse_consider(&r, prov, cfg, secret_paths, "r2", &l[i], holders, 1));
	ck_assert_msg(strstr(r.items[0].reason, "active for run r1") != NULL, "%s", r.items[0].reason);
	ck_assert_msg(strstr(r.items[1].reason, "status expired") != NULL, "%s", r.items[1].reason);
	ck_assert_msg(strstr(r.items[2].reason, "no provider lease id") != NULL, "%s", r.items[2].reason);
	ck_assert_msg(strstr(r.items[3].reason, "held by active lease x (run r7)") != NULL, "%s",
		      r.items[3].reason);
	ck_assert_msg(strstr(r.items[4].reason, "taken over by lease z") != NULL, "%s", r.items[4].reason);
	for (int i = 0; i < 5; i++)
		ck_assert(!r.items[i].eligible);
	ck_assert(r.items[5].chosen);
	ck_assert_int_eq(r.chosen, 5);
	lease_reuse_report_clear(&r);
}
END_TEST

START_TEST(hostile_values_are_defused_and_short)
{
	LeaseReuseReport r;
	StoreLease a;
	char meta[512];
	const LeaseReuseKey *k;

	lease_reuse_report_init(&r);
	snprintf(meta, sizeof meta,
		 "{\"provider\":\"gen\",\"reuseLease\":true,\"region\":\"\\u001b[2J\\u009b31m\\u007f%s\"}",
		 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	row(&a, "a", "released", "r1", "sb-1", meta);
	ck_assert(lease_reuse_consider(&r, prov, cfg, secret_paths, "r2", &a, NULL, 0));
	k = key(&r.items[0], "region");
	ck_assert_ptr_null(strchr(k->have, 0x1b));
	ck_assert_ptr_null(strchr(k->have, 0x7f));
	ck_assert_ptr_null(strstr(k->have, "\xc2\x9b"));
	ck_assert_uint_le(strlen(k->have), 60);
	ck_assert_ptr_nonnull(strstr(k->have, "..."));
	lease_reuse_report_clear(&r);
}
END_TEST

START_TEST(summary_names_the_first_mismatch)
{
	LeaseReuseReport r;
	StoreLease a;
	char buf[256];

	lease_reuse_report_init(&r);
	snprintf(r.off_reason, sizeof r.off_reason, "no run id");
	lease_reuse_summary(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "reuse is off: no run id");
	r.reuse_on = true;
	row(&a, "lease-a", "released", "r1", "sb-1",
	    "{\"provider\":\"gen\",\"reuseLease\":true,\"region\":\"us\",\"token\":\"sec-1\","
	    "\"nested\":{\"a\":1,\"key\":\"sec-2\"},\"opts\":{\"x\":1,\"y\":2}}");
	ck_assert(lease_reuse_consider(&r, prov, cfg, secret_paths, "r2", &a, NULL, 0));
	lease_reuse_summary(&r, buf, sizeof buf);
	ck_assert_str_eq(buf, "no lease reused; lease lease-a: region differs");
	lease_reuse_report_clear(&r);
}
END_TEST

TEST_SUITE(lease_reuse)
{
	Suite *s = suite_create("lease_reuse");
	TCase *tc = tcase_create("evaluate");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, structural_match_and_first_match_chosen);
	tcase_add_test(tc, each_mismatch_kind);
	tcase_add_test(tc, candidate_rules);
	tcase_add_test(tc, hostile_values_are_defused_and_short);
	tcase_add_test(tc, summary_names_the_first_mismatch);
	suite_add_tcase(s, tc);
	return s;
}
