/* Lease and probe orchestration against real database files, the fake
 * provider, and the flaky test provider (tests/helpers/flakyprov.h). */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../helpers/flakyprov.h"
#include "core/environment.h"
#include "core/lease.h"
#include "core/probe.h"
#include "store/private.h"
#include "storeutil.h"
#include "testutil.h"
#include "util/buf.h"
#include "util/json.h"

static App app;
static char *dir, *path, *state;
static Error err;

static void setup(void)
{
	dir = tu_store_dir();
	path = tu_db_path(dir);
	state = tu_path(dir, "sandboxes");
	ck_assert_int_eq(mkdir(state, 0700), 0);
	setenv("FLAKY_STATE", state, 1);
	memset(&app, 0, sizeof app);
	error_clear(&err);
	ck_assert_int_eq(registry_init(&app.registry, tu_forms_dir(), &err), ST_OK);
	ck_assert_int_eq(flaky_register(&app.registry, &err), ST_OK);
	app.db_path = strdup(path);
	ck_assert_int_eq(app_set_actor(&app, "test", &err), ST_OK);
}

static void teardown(void)
{
	app_clear(&app);
	free(path);
	free(state);
	free(dir);
}

static void make_env(const char *name, const char *provider, const char *config_json)
{
	cJSON *config = tu_json(config_json);
	EnvSaveInput in = { .name = name, .provider = provider, .config = config };
	StoreEnv e;

	ck_assert_msg(env_save(&app, &in, &e, NULL, &err) == ST_OK, "%s", err.msg);
	store_env_clear(&e);
	json_wipe(config);
}

static int sandboxes(void)
{
	char cmd[600], *n;
	int count;

	snprintf(cmd, sizeof cmd, "ls -1 '%s' | wc -l", state);
	FILE *p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	n = fgets(cmd, sizeof cmd, p);
	pclose(p);
	count = n ? atoi(n) : -1;
	return count;
}

static Status acquire(const char *env, const char *run, LeaseAcquireResult *r)
{
	LeaseAcquireRequest req = { .environment = env, .run_id = run, .actor = "test" };

	error_clear(&err);
	return lease_acquire(&app, &req, r, &err);
}

START_TEST(fake_test_lease_is_ephemeral)
{
	LeaseAcquireResult r;

	make_env("f", "fake", "{\"reuseLease\":true}");
	ck_assert_int_eq(acquire("f", NULL, &r), ST_OK);
	ck_assert_str_eq(r.lease.status, "active");
	ck_assert_str_eq(r.lease.lease_policy, "ephemeral");
	ck_assert(!r.resumed);
	ck_assert_ptr_null(r.lease.phase);
	ck_assert(strncmp(r.lease.provider_lease_id, "sandbox://fake/", 15) == 0);
	/* and a second test lease never resumes the first (released, since
	 * the fake names its reuse sandbox after the environment and one
	 * sandbox never has two active leases) */
	{
		StoreLease l;

		ck_assert_int_eq(lease_release(&app, r.lease.id, "released", NULL, "t", &l, &err), ST_OK);
		store_lease_clear(&l);
	}
	lease_acquire_result_clear(&r);
	ck_assert_int_eq(acquire("f", NULL, &r), ST_OK);
	ck_assert(!r.resumed);
	lease_acquire_result_clear(&r);
}
END_TEST

/* Each action commits twice: its intent before the provider call and its
 * outcome after, the activity row inside the outcome's transaction (it was
 * six commits per pair: the activity rows committed on their own). */
START_TEST(acquire_and_release_commit_intent_and_outcome_only)
{
	LeaseAcquireResult r;
	StoreLease l;
	Store *s;
	long c0, c1, c2;

	make_env("c", "fake", "{\"reuseLease\":true}");
	ck_assert_int_eq(app_store(&app, &s, &err), ST_OK);
	for (int i = 0; i < 2; i++) {
		char run[16];

		snprintf(run, sizeof run, "run-%d", i);
		c0 = store_commit_count(s);
		ck_assert_int_eq(acquire("c", run, &r), ST_OK);
		ck_assert(r.resumed == (i == 1)); /* a fresh sandbox, then a resume */
		c1 = store_commit_count(s);
		ck_assert_int_eq(lease_release(&app, r.lease.id, "released", NULL, "t", &l, &err), ST_OK);
		c2 = store_commit_count(s);
		ck_assert_int_eq(c1 - c0, 2);
		ck_assert_int_eq(c2 - c1, 2);
		store_lease_clear(&l);
		lease_acquire_result_clear(&r);
	}
	/* and nothing was lost by folding the records in */
	{
		char *n = tu_sql_text(path, "SELECT group_concat(action, ',') FROM (SELECT action "
					    "FROM activity WHERE entity_type = 'lease' ORDER BY id) v");

		ck_assert_str_eq(n, "environment.lease_acquired,environment.lease_released,"
				    "environment.lease_resumed,environment.lease_released");
		free(n);
	}
}
END_TEST

/* The transaction statements a connection runs, in order, one letter
 * each: N (synchronous=NORMAL), F (FULL), B (begin), C (commit). */
static void trace_tx(void *ctx, const char *sql)
{
	char *log = ctx;
	size_t n = strlen(log);
	char c = 0;

	if (strcmp(sql, "PRAGMA synchronous = NORMAL") == 0)
		c = 'N';
	else if (strcmp(sql, "PRAGMA synchronous = FULL") == 0)
		c = 'F';
	else if (strncmp(sql, "BEGIN", 5) == 0)
		c = 'B';
	else if (strcmp(sql, "COMMIT") == 0)
		c = 'C';
	if (c && n + 1 < 256) {
		log[n] = c;
		log[n + 1] = '\0';
	}
}

/* DESIGN §4.4: each intent commits durably (FULL) before its provider
 * call; each outcome commits relaxed (NORMAL), and the handle is FULL
 * again after it. On the old code every commit was FULL (no N at all).
 * PostgreSQL keeps every commit durable: two plain transactions a call. */
START_TEST(intents_durable_outcomes_relaxed)
{
	LeaseAcquireResult r;
	StoreLease l;
	Store *s;
	char log[256] = "";

	make_env("d", "fake", "{}");
	ck_assert_int_eq(app_store(&app, &s, &err), ST_OK);
	db_trace(s->db, trace_tx, log);
	ck_assert_int_eq(acquire("d", NULL, &r), ST_OK);
	ck_assert_str_eq(log, tu_pg() ? "BC" "BC" : "BC" "NBCF");
	ck_assert_int_eq(lease_release(&app, r.lease.id, "released", NULL, "t", &l, &err), ST_OK);
	ck_assert_str_eq(log, tu_pg() ? "BC" "BC" "BC" "BC" : "BC" "NBCF" "BC" "NBCF");
	db_trace(s->db, NULL, NULL);
	store_lease_clear(&l);
	lease_acquire_result_clear(&r);
}
END_TEST

START_TEST(reuse_resumes_most_recent_matching)
{
	LeaseAcquireResult a, b;
	StoreLease l;

	make_env("r", "fake", "{\"reuseLease\":true,\"image\":\"img:1\"}");
	ck_assert_int_eq(acquire("r", "run-1", &a), ST_OK);
	ck_assert_str_eq(a.lease.lease_policy, "reuse_by_environment");
	ck_assert_int_eq(lease_release(&app, a.lease.id, "released", NULL, "t", &l, &err), ST_OK);
	store_lease_clear(&l);
	ck_assert_int_eq(acquire("r", "run-2", &b), ST_OK);
	ck_assert(b.resumed);
	ck_assert_str_eq(b.lease.provider_lease_id, a.lease.provider_lease_id);
	ck_assert_str_ne(b.lease.id, a.lease.id);
	ck_assert_msg(strstr(b.lease.metadata_json, "\"resumedLease\":true") != NULL, "%s",
		      b.lease.metadata_json);
	lease_acquire_result_clear(&a);
	lease_acquire_result_clear(&b);
}
END_TEST

START_TEST(reuse_skips_changed_config)
{
	LeaseAcquireResult a, b;
	cJSON *patch = tu_json("{\"image\":\"img:2\"}");
	EnvSaveInput in = { .target = "r", .config = patch };

	StoreLease l;

	make_env("r", "fake", "{\"reuseLease\":true,\"image\":\"img:1\"}");
	ck_assert_int_eq(acquire("r", "run-1", &a), ST_OK);
	ck_assert_int_eq(lease_release(&app, a.lease.id, "released", NULL, "t", &l, &err), ST_OK);
	store_lease_clear(&l);
	ck_assert_int_eq(env_save(&app, &in, NULL, NULL, &err), ST_OK);
	ck_assert_int_eq(acquire("r", "run-2", &b), ST_OK);
	ck_assert(!b.resumed);
	/* the acquire says why nothing was resumed */
	ck_assert_msg(strstr(b.note, "image differs") != NULL, "%s", b.note);
	lease_acquire_result_clear(&a);
	lease_acquire_result_clear(&b);
	cJSON_Delete(patch);
}
END_TEST

START_TEST(resume_gone_or_failing_acquires_fresh_with_note)
{
	LeaseAcquireResult a, b, c;

	StoreLease l;

	make_env("x", FLAKY_KEY, "{\"reuseLease\":true,\"token\":\"tok-PLAIN-1\"}");
	ck_assert_int_eq(acquire("x", "run-1", &a), ST_OK);
	ck_assert_int_eq(sandboxes(), 1);
	/* only released leases (or the same run's) are candidates */
	tu_sql(path, "UPDATE leases SET status = 'released'");
	setenv("FLAKY_RESUME", "gone", 1);
	ck_assert_int_eq(acquire("x", "run-2", &b), ST_OK);
	ck_assert(!b.resumed);
	ck_assert_str_ne(b.lease.provider_lease_id, a.lease.provider_lease_id);
	ck_assert_msg(strstr(b.note, "is gone at the provider") != NULL, "%s", b.note);
	ck_assert_int_eq(lease_release(&app, b.lease.id, "released", NULL, "t", &l, &err), ST_OK);
	store_lease_clear(&l);
	setenv("FLAKY_RESUME", "fail", 1);
	ck_assert_int_eq(acquire("x", "run-3", &c), ST_OK);
	ck_assert(!c.resumed);
	ck_assert_msg(strstr(c.note, "resume timed out") != NULL, "%s", c.note);
	unsetenv("FLAKY_RESUME");
	lease_acquire_result_clear(&a);
	lease_acquire_result_clear(&b);
	lease_acquire_result_clear(&c);
}
END_TEST

START_TEST(secrets_resolved_for_provider_and_scrubbed_after)
{
	LeaseAcquireResult a;
	ExecResult x;
	LeaseExecRequest req = { .command = "id", .actor = "t" };
	char *meta;

	make_env("x", FLAKY_KEY, "{\"reuseLease\":true,\"token\":\"tok-PLAIN-1\"}");
	ck_assert_int_eq(acquire("x", "run-1", &a), ST_OK);
	/* the provider echoed the token into its metadata: stored as the id */
	ck_assert_msg(strstr(a.lease.metadata_json, "tok-PLAIN-1") == NULL, "%s", a.lease.metadata_json);
	meta = tu_sql_text(path, "SELECT metadata FROM leases");
	ck_assert_msg(strstr(meta, "tok-PLAIN-1") == NULL, "%s", meta);
	free(meta);
	req.lease_id = a.lease.id;
	ck_assert_int_eq(lease_exec(&app, &req, &x, &err), ST_OK);
	ck_assert_int_eq(x.exit_code, 3);
	ck_assert_str_eq(x.out, "ran id with token [redacted]\n");
	exec_result_clear(&x);
	lease_acquire_result_clear(&a);
	ck_assert(!tu_file_contains(path, "tok-PLAIN-1"));
}
END_TEST

START_TEST(acquire_failure_recorded_without_secret)
{
	LeaseAcquireResult a;
	char *row;

	make_env("x", FLAKY_KEY, "{\"token\":\"tok-PLAIN-2\"}");
	setenv("FLAKY_ACQUIRE", "fail", 1);
	ck_assert_int_eq(acquire("x", "run-1", &a), ST_E_PROVIDER);
	ck_assert_msg(strstr(err.msg, "out of capacity") && !strstr(err.msg, "tok-PLAIN-2"), "%s", err.msg);
	row = tu_sql_text(path, "SELECT status || '|' || failure_reason FROM leases");
	ck_assert_msg(strncmp(row, "failed|", 7) == 0 && !strstr(row, "tok-PLAIN-2"), "%s", row);
	free(row);
	setenv("FLAKY_ACQUIRE", "noid", 1);
	ck_assert_int_eq(acquire("x", "run-1", &a), ST_E_PROVIDER);
	ck_assert_msg(strstr(err.msg, "returned no lease id") != NULL, "%s", err.msg);
	unsetenv("FLAKY_ACQUIRE");
}
END_TEST

START_TEST(release_twice_conflicts_and_retain_on_failure)
{
	LeaseAcquireResult a, b;
	LeaseAcquireRequest req = { .environment = "f", .run_id = "r", .retain_on_failure = true };
	StoreLease l;
	char want[128];

	make_env("f", "fake", "{}");
	ck_assert_int_eq(acquire("f", NULL, &a), ST_OK);
	ck_assert_int_eq(lease_release(&app, a.lease.id, "released", NULL, "t", &l, &err), ST_OK);
	ck_assert_str_eq(l.status, "released");
	ck_assert_ptr_nonnull(l.released_at);
	ck_assert_str_eq(l.cleanup_status, "success");
	store_lease_clear(&l);
	ck_assert_int_eq(lease_release(&app, a.lease.id, "released", NULL, "t", &l, &err), ST_E_CONFLICT);
	snprintf(want, sizeof want, "lease %s is already released", a.lease.id);
	ck_assert_str_eq(err.msg, want);
	ck_assert_int_eq(lease_release(&app, a.lease.id, "retained", NULL, "t", &l, &err), ST_E_USAGE);

	ck_assert_int_eq(lease_acquire(&app, &req, &b, &err), ST_OK);
	ck_assert_str_eq(b.lease.lease_policy, "retain_on_failure");
	ck_assert_int_eq(lease_release(&app, b.lease.id, "failed", "tests broke", "t", &l, &err), ST_OK);
	ck_assert_str_eq(l.status, "retained");
	ck_assert_ptr_null(l.released_at);
	ck_assert_str_eq(l.failure_reason, "tests broke");
	store_lease_clear(&l);
	lease_acquire_result_clear(&a);
	lease_acquire_result_clear(&b);
}
END_TEST

START_TEST(release_provider_failure_then_sweep_retries)
{
	LeaseAcquireResult a;
	LeaseSweepReport r;
	StoreLease l;
	Store *s;
	char *row;

	make_env("x", FLAKY_KEY, "{\"token\":\"t\"}");
	ck_assert_int_eq(acquire("x", NULL, &a), ST_OK);
	setenv("FLAKY_RELEASE", "fail", 1);
	ck_assert_int_eq(lease_release(&app, a.lease.id, "released", NULL, "t", &l, &err), ST_E_PROVIDER);
	ck_assert_msg(strstr(err.msg, "cleanup failed: flaky: release failed") != NULL, "%s", err.msg);
	row = tu_sql_text(path, "SELECT status || '|' || cleanup_status || '|' || cleanup_attempts FROM leases");
	ck_assert_str_eq(row, "released|failed|1");
	free(row);
	ck_assert_int_eq(sandboxes(), 1);
	/* not due yet: the sweep leaves it */
	ck_assert_int_eq(lease_sweep(&app, "t", &r, &err), ST_OK);
	ck_assert_int_eq(r.cleanup_retried, 0);
	/* due, provider still failing: one more attempt recorded */
	tu_sql(path, "UPDATE leases SET next_cleanup_at = '2000-01-01T00:00:00.000Z'");
	ck_assert_int_eq(lease_sweep(&app, "t", &r, &err), ST_OK);
	ck_assert_int_eq(r.cleanup_retried, 1);
	ck_assert_int_eq(r.cleanup_fixed, 0);
	row = tu_sql_text(path, "SELECT cleanup_attempts FROM leases");
	ck_assert_str_eq(row, "2");
	free(row);
	/* due, provider healthy: fixed, and the sandbox is gone */
	unsetenv("FLAKY_RELEASE");
	tu_sql(path, "UPDATE leases SET next_cleanup_at = '2000-01-01T00:00:00.000Z'");
	ck_assert_int_eq(lease_sweep(&app, "t", &r, &err), ST_OK);
	ck_assert_int_eq(r.cleanup_fixed, 1);
	ck_assert_int_eq(sandboxes(), 0);
	row = tu_sql_text(path, "SELECT cleanup_status FROM leases");
	ck_assert_str_eq(row, "success");
	free(row);
	ck_assert_int_eq(app_store(&app, &s, &err), ST_OK);
	lease_acquire_result_clear(&a);
}
END_TEST

START_TEST(sweep_expires_past_due)
{
	LeaseAcquireResult a, b;
	LeaseAcquireRequest req = { .environment = "f", .ttl_seconds = 3600 };
	LeaseSweepReport r;
	char *row, sql[512];

	make_env("f", "fake", "{}");
	ck_assert_int_eq(lease_acquire(&app, &req, &a, &err), ST_OK);
	ck_assert_ptr_nonnull(a.lease.expires_at);
	ck_assert_int_eq(lease_acquire(&app, &req, &b, &err), ST_OK);
	ck_assert_int_eq(lease_sweep(&app, "t", &r, &err), ST_OK);
	ck_assert_int_eq(r.expired, 0);
	/* by id, in acquire order: both backends (PostgreSQL has no rowid) */
	snprintf(sql, sizeof sql,
		 "UPDATE leases SET expires_at = '2000-01-01T00:00:00.000Z' WHERE id = '%s'",
		 a.lease.id);
	tu_sql(path, sql);
	ck_assert_int_eq(lease_sweep(&app, "t", &r, &err), ST_OK);
	ck_assert_int_eq(r.expired, 1);
	snprintf(sql, sizeof sql,
		 "SELECT (SELECT status FROM leases WHERE id = '%s') || ',' || "
		 "(SELECT status FROM leases WHERE id = '%s')",
		 a.lease.id, b.lease.id);
	row = tu_sql_text(path, sql);
	ck_assert_str_eq(row, "expired,active");
	free(row);
	lease_acquire_result_clear(&a);
	lease_acquire_result_clear(&b);
}
END_TEST

START_TEST(sweep_reconciles_dead_phase)
{
	LeaseAcquireResult a, b;
	LeaseSweepReport r;
	char sql[512], *row;
	pid_t dead = fork();

	if (dead == 0)
		_exit(0);
	waitpid(dead, NULL, 0);
	make_env("x", FLAKY_KEY, "{\"token\":\"t\"}");
	ck_assert_int_eq(acquire("x", NULL, &a), ST_OK);
	ck_assert_int_eq(acquire("x", NULL, &b), ST_OK);
	ck_assert_int_eq(sandboxes(), 2);
	/* a crash between intent and outcome, in a process now gone: */
	snprintf(sql, sizeof sql,
		 "UPDATE leases SET phase = 'acquiring pid=%d', provider_lease_id = NULL WHERE id = '%s'",
		 (int)dead, a.lease.id);
	tu_sql(path, sql);
	snprintf(sql, sizeof sql, "UPDATE leases SET phase = 'releasing pid=%d' WHERE id = '%s'",
		 (int)dead, b.lease.id);
	tu_sql(path, sql);
	ck_assert_int_eq(lease_sweep(&app, "t", &r, &err), ST_OK);
	ck_assert_int_eq(r.reconciled, 2);
	snprintf(sql, sizeof sql,
		 "SELECT (SELECT status || ':' || coalesce(phase, '-') FROM leases WHERE id = '%s') "
		 "|| ',' || (SELECT status || ':' || coalesce(phase, '-') FROM leases WHERE id = '%s')",
		 a.lease.id, b.lease.id);
	row = tu_sql_text(path, sql);
	ck_assert_str_eq(row, "failed:-,released:-");
	free(row);
	/* the interrupted release was finished at the provider, and the
	 * interrupted acquire's sandbox destroyed by the host lease id its
	 * metadata keeps (envctlLeaseId) */
	ck_assert_int_eq(sandboxes(), 0);
	/* a phase held by a live process is left alone */
	snprintf(sql, sizeof sql, "UPDATE leases SET phase = 'releasing pid=%d', status = 'active' WHERE id = '%s'",
		 (int)getppid(), b.lease.id);
	tu_sql(path, sql);
	ck_assert_int_eq(lease_sweep(&app, "t", &r, &err), ST_OK);
	ck_assert_int_eq(r.reconciled, 0);
	lease_acquire_result_clear(&a);
	lease_acquire_result_clear(&b);
}
END_TEST

START_TEST(destroy_and_reuse_skips_destroyed)
{
	LeaseAcquireResult a, b;
	StoreLease l;

	make_env("x", FLAKY_KEY, "{\"reuseLease\":true,\"token\":\"t\"}");
	ck_assert_int_eq(acquire("x", "run-1", &a), ST_OK);
	ck_assert_int_eq(lease_destroy(&app, a.lease.id, "t", &l, &err), ST_OK);
	ck_assert_str_eq(l.status, "released");
	ck_assert(strstr(l.metadata_json, "envctlDestroyedAt") != NULL);
	store_lease_clear(&l);
	ck_assert_int_eq(sandboxes(), 0);
	ck_assert_int_eq(lease_destroy(&app, a.lease.id, "t", &l, &err), ST_E_CONFLICT);
	ck_assert_msg(strstr(err.msg, "already destroyed") != NULL, "%s", err.msg);
	ck_assert_int_eq(acquire("x", "run-2", &b), ST_OK);
	ck_assert(!b.resumed);
	/* reuse was on and nothing resumed: the note says why */
	ck_assert_msg(strstr(b.note, "its sandbox was destroyed") != NULL, "%s", b.note);
	lease_acquire_result_clear(&a);
	lease_acquire_result_clear(&b);
}
END_TEST

START_TEST(fake_cannot_execute_and_archived_refuses)
{
	LeaseAcquireResult a, b;
	LeaseExecRequest req = { .command = "true" };
	ExecResult x;
	StoreLease l;

	make_env("f", "fake", "{}");
	ck_assert_int_eq(acquire("f", NULL, &a), ST_OK);
	req.lease_id = a.lease.id;
	ck_assert_int_eq(lease_exec(&app, &req, &x, &err), ST_E_UNSUPPORTED);
	ck_assert_str_eq(err.msg, "The fake sandbox provider cannot execute runs.");
	ck_assert_int_eq(env_archive(&app, "f", true, &err), ST_OK);
	ck_assert_int_eq(acquire("f", NULL, &b), ST_E_CONFLICT);
	ck_assert_msg(strstr(err.msg, "is archived") != NULL, "%s", err.msg);
	app.readonly = true;
	ck_assert_int_ne(lease_release(&app, a.lease.id, "released", NULL, "t", &l, &err), ST_OK);
	ck_assert_msg(strstr(err.msg, "read-only") != NULL, "%s", err.msg);
	app.readonly = false;
	ck_assert_int_eq(lease_release(&app, a.lease.id, "released", NULL, "t", &l, &err), ST_OK);
	store_lease_clear(&l);
	lease_acquire_result_clear(&a);
}
END_TEST

START_TEST(probe_saved_and_redacted)
{
	StoreProbe p;
	char *rows;

	make_env("x", FLAKY_KEY, "{\"token\":\"tok-PLAIN-3\"}");
	setenv("FLAKY_PROBE", "echo", 1);
	ck_assert_int_eq(probe_environment(&app, "x", "t", &p, &err), ST_OK);
	ck_assert(p.ok);
	ck_assert_str_eq(p.summary, "flaky ready ([redacted])");
	store_probe_clear(&p);
	setenv("FLAKY_PROBE", "fail", 1);
	ck_assert_int_eq(probe_environment(&app, "x", "t", &p, &err), ST_OK);
	ck_assert(!p.ok);
	ck_assert_str_eq(p.summary, "flaky: probe refused with token [redacted]");
	store_probe_clear(&p);
	unsetenv("FLAKY_PROBE");
	rows = tu_sql_text(path, "SELECT count(*) FROM probes WHERE environment_id IS NOT NULL");
	ck_assert_str_eq(rows, "2");
	free(rows);
	ck_assert(!tu_file_contains(path, "tok-PLAIN-3"));
}
END_TEST

START_TEST(probe_draft_persists_only_probe)
{
	cJSON *draft = tu_json("{\"token\":\"tok-DRAFT\",\"size\":\"m\"}");
	cJSON *bad = tu_json("{\"size\":\"xl\"}");
	StoreProbe p;
	char *rows;

	setenv("FLAKY_PROBE", "echo", 1);
	ck_assert_int_eq(probe_draft(&app, FLAKY_KEY, draft, "t", &p, &err), ST_OK);
	ck_assert_str_eq(p.summary, "flaky ready ([redacted])");
	ck_assert_ptr_null(p.environment_id);
	store_probe_clear(&p);
	ck_assert_int_eq(probe_draft(&app, FLAKY_KEY, bad, "t", &p, &err), ST_E_INVALID);
	ck_assert_msg(strstr(err.msg, "/size") != NULL, "%s", err.msg);
	ck_assert_int_eq(probe_draft(&app, "nope", draft, "t", &p, &err), ST_E_NOT_FOUND);
	rows = tu_sql_text(path, "SELECT (SELECT count(*) FROM probes) || ',' || (SELECT count(*) FROM environments) || ',' || (SELECT count(*) FROM secrets)");
	ck_assert_str_eq(rows, "1,0,0");
	free(rows);
	ck_assert(!tu_file_contains(path, "tok-DRAFT"));
	cJSON_Delete(draft);
	cJSON_Delete(bad);
}
END_TEST

START_TEST(delete_force_destroys_sandboxes_first)
{
	LeaseAcquireResult a, b;
	LeaseAcquireRequest req = { .environment = "x", .run_id = "r", .retain_on_failure = true };
	StoreLease l;
	char *rows;

	make_env("x", FLAKY_KEY, "{\"token\":\"t\"}");
	ck_assert_int_eq(acquire("x", NULL, &a), ST_OK);
	ck_assert_int_eq(lease_acquire(&app, &req, &b, &err), ST_OK);
	ck_assert_int_eq(lease_release(&app, b.lease.id, "failed", "keep it", "t", &l, &err), ST_OK);
	store_lease_clear(&l);
	ck_assert_int_eq(sandboxes(), 2); /* one active, one retained */
	ck_assert_int_eq(env_delete(&app, "x", false, &err), ST_E_CONFLICT);
	ck_assert_msg(strstr(err.msg, "2 leases still holding a sandbox") != NULL, "%s", err.msg);
	/* a provider that cannot destroy: the environment is kept */
	setenv("FLAKY_DESTROY", "fail", 1);
	ck_assert_int_eq(env_delete(&app, "x", true, &err), ST_E_PROVIDER);
	ck_assert_msg(strstr(err.msg, "was kept") && strstr(err.msg, "destroy failed"), "%s", err.msg);
	rows = tu_sql_text(path, "SELECT count(*) FROM environments");
	ck_assert_str_eq(rows, "1");
	free(rows);
	unsetenv("FLAKY_DESTROY");
	ck_assert_int_eq(env_delete(&app, "x", true, &err), ST_OK);
	ck_assert_int_eq(sandboxes(), 0);
	rows = tu_sql_text(path, "SELECT count(*) FROM environments");
	ck_assert_str_eq(rows, "0");
	free(rows);
	lease_acquire_result_clear(&a);
	lease_acquire_result_clear(&b);
}
END_TEST

static bool count_progress(const ProbeAllReport *r, void *ud)
{
	int *calls = ud;

	(*calls)++;
	return r->count < 1000;
}

START_TEST(probe_all_bounded_and_stored)
{
	ProbeAllReport r;
	char name[16], *rows;
	int calls = 0;

	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof name, "e%02d", i);
		make_env(name, i % 3 ? "fake" : FLAKY_KEY, i % 3 ? "{}" : "{\"token\":\"t\"}");
	}
	ck_assert_int_eq(env_archive(&app, "e01", true, &err), ST_OK);
	setenv("FLAKY_SLEEP_MS", "20", 1);
	ck_assert_int_eq(probe_all(&app, 4, "t", count_progress, &calls, &r, &err), ST_OK);
	ck_assert_int_eq(r.total, 11);
	ck_assert_int_eq(r.count, 11);
	ck_assert_int_eq(r.ok, 11);
	ck_assert_int_eq(calls, 11);
	ck_assert(!r.cancelled);
	probe_all_report_clear(&r);
	rows = tu_sql_text(path, "SELECT count(DISTINCT environment_id) FROM probes");
	ck_assert_str_eq(rows, "11");
	free(rows);
}
END_TEST

/* Results are stored in batches (not one commit each) yet become visible
 * while the run goes on: when result c is reported, every earlier one is
 * already in the database. (Old code: two commits per result.) */
static bool rows_follow(const ProbeAllReport *r, void *ud)
{
	char *rows = tu_sql_text(path, "SELECT count(*) FROM probes");
	int *lagging = ud;

	if (atoi(rows) < (int)r->count - 1)
		(*lagging)++;
	free(rows);
	return true;
}

START_TEST(probe_all_batches_writes_and_shows_them_early)
{
	ProbeAllReport r;
	Store *s;
	char name[16], *rows;
	long c0;
	int lagging = 0;

	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof name, "b%03d", i);
		make_env(name, "fake", "{}");
	}
	ck_assert_int_eq(app_store(&app, &s, &err), ST_OK);
	c0 = store_commit_count(s);
	ck_assert_int_eq(probe_all(&app, 4, "t", NULL, NULL, &r, &err), ST_OK);
	ck_assert_int_eq(r.count, 300);
	probe_all_report_clear(&r);
	/* 300 results in a few batches, not 600 commits */
	ck_assert_int_le(store_commit_count(s) - c0, 30);
	rows = tu_sql_text(path, "SELECT count(*) || ' ' || (SELECT count(*) FROM activity WHERE "
				 "action = 'environment.probed') FROM probes");
	ck_assert_str_eq(rows, "300 300");
	free(rows);
	/* slow probes, one at a time: each result is stored before the next is reported */
	tu_sql(path, "DELETE FROM environments WHERE name LIKE 'b%'");
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof name, "s%d", i);
		make_env(name, FLAKY_KEY, "{\"token\":\"t\"}");
	}
	tu_sql(path, "DELETE FROM probes");
	setenv("FLAKY_SLEEP_MS", "150", 1);
	ck_assert_int_eq(probe_all(&app, 1, "t", rows_follow, &lagging, &r, &err), ST_OK);
	unsetenv("FLAKY_SLEEP_MS");
	ck_assert_int_eq(r.count, 4);
	ck_assert_int_eq(lagging, 0);
	probe_all_report_clear(&r);
}
END_TEST

/* ENVCTL_PROBE_BATCH_MS=0: every result in one transaction at the end,
 * none stored before (the bench's second floor); unset, they show up as
 * the run goes on. */
static bool rows_none_yet(const ProbeAllReport *r, void *ud)
{
	char *rows = tu_sql_text(path, "SELECT count(*) FROM probes");
	int *seen = ud;

	(void)r;
	if (atoi(rows) > 0)
		(*seen)++;
	free(rows);
	return true;
}

START_TEST(probe_all_one_transaction_when_asked)
{
	ProbeAllReport r;
	char name[16], *rows;
	int seen = 0;

	for (int i = 0; i < 6; i++) {
		snprintf(name, sizeof name, "o%d", i);
		make_env(name, FLAKY_KEY, "{\"token\":\"t\"}");
	}
	setenv("FLAKY_SLEEP_MS", "120", 1);
	setenv("ENVCTL_PROBE_BATCH_MS", "0", 1);
	ck_assert_int_eq(probe_all(&app, 1, "t", rows_none_yet, &seen, &r, &err), ST_OK);
	unsetenv("ENVCTL_PROBE_BATCH_MS");
	unsetenv("FLAKY_SLEEP_MS");
	ck_assert_int_eq(r.count, 6);
	ck_assert_int_eq(seen, 0); /* 720 ms of results, none stored before the end */
	probe_all_report_clear(&r);
	rows = tu_sql_text(path, "SELECT count(*) || ' ' || (SELECT count(*) FROM activity WHERE "
				 "action = 'environment.probed') FROM probes");
	ck_assert_str_eq(rows, "6 6");
	free(rows);
}
END_TEST

static bool stop_after_two(const ProbeAllReport *r, void *ud)
{
	(void)ud;
	return r->count < 2;
}

START_TEST(probe_all_cancel)
{
	ProbeAllReport r;
	char name[16];

	for (int i = 0; i < 20; i++) {
		snprintf(name, sizeof name, "e%02d", i);
		make_env(name, FLAKY_KEY, "{\"token\":\"t\"}");
	}
	setenv("FLAKY_SLEEP_MS", "30", 1);
	ck_assert_int_eq(probe_all(&app, 2, "t", stop_after_two, NULL, &r, &err), ST_OK);
	ck_assert(r.cancelled);
	ck_assert_int_lt(r.count, 20);
	ck_assert_int_ge(r.count, 2);
	probe_all_report_clear(&r);
}
END_TEST

static bool max_threads(const ProbeAllReport *r, void *ud)
{
	int *most = ud;
	char line[64];
	int n = 0;
	FILE *f;

	(void)r;
	/* the threads this process runs while the results come in */
	f = fopen("/proc/self/status", "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	if (n > *most)
		*most = n;
	return true;
}

/* The rows and records a run left for the fake environments, and what it
 * reported for them, as one text (the duration left out: it is a clock). */
static char *probe_all_rows(const ProbeAllReport *r)
{
	/* on both backends: no JSON functions, the subquery named */
	char *rows = tu_sql_text(path, "SELECT group_concat(x, ' | ') FROM (SELECT e.name || ' ' || "
				       "p.provider || ' ' || p.ok || ' ' || p.summary || ' ' || "
				       "CAST(p.details AS TEXT) || ' ' || (SELECT a.entity_name || ' ' "
				       "|| a.actor FROM activity a WHERE a.action = "
				       "'environment.probed' AND a.entity_id = e.id) AS x FROM probes p "
				       "JOIN environments e ON e.id = p.environment_id WHERE e.provider "
				       "= 'fake' ORDER BY e.name) AS q");
	Buf b = BUF_INIT;
	char *names[16];
	size_t n = 0;

	ck_assert_ptr_nonnull(rows);
	ck_assert(buf_puts(&b, rows));
	free(rows);
	for (size_t i = 0; i < r->count; i++)
		if (r->items[i].env_name[0] == 'f') {
			ck_assert_uint_lt(n, 16);
			names[n++] = r->items[i].env_name;
		}
	/* report order: by name inline, as finished on the pool */
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			if (strcmp(names[k], names[i]) < 0) {
				char *t = names[i];

				names[i] = names[k];
				names[k] = t;
			}
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < r->count; k++)
			if (r->items[k].env_name == names[i])
				ck_assert(buf_printf(&b, " / %s %d %s %s", names[i], r->items[k].ok,
						     r->items[k].summary, r->items[k].headline));
	return buf_take(&b);
}

/* Environments whose providers all probe in-process (the fake) are
 * probed on the calling thread, with no worker pool, and leave the same
 * rows, records and report as when a plugin-like provider among them
 * sends every probe to the pool. (Old code: always a pool.) */
START_TEST(probe_all_inline_same_as_pool)
{
	static const char *const configs[] = { "{}", "{\"image\":\"alpine:3\"}",
					       "{\"reuseLease\":true}",
					       "{\"image\":\"debian:12\",\"reuseLease\":false}" };
	ProbeAllReport r;
	char name[16], *inline_rows, *pool_rows, *rows;
	int most = 0;

	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof name, "f%d", 7 - i);
		make_env(name, "fake", configs[i % 4]);
	}
	ck_assert_int_eq(probe_all(&app, 4, "t", max_threads, &most, &r, &err), ST_OK);
	ck_assert_int_eq(r.count, 8);
	ck_assert_int_eq(r.ok, 8);
	ck_assert_int_eq(most, 1); /* no worker thread */
	for (size_t i = 0; i < r.count; i++) { /* in name order */
		snprintf(name, sizeof name, "f%zu", i);
		ck_assert_str_eq(r.items[i].env_name, name);
	}
	inline_rows = probe_all_rows(&r);
	probe_all_report_clear(&r);
	rows = tu_sql_text(path, "SELECT count(*) FROM probes");
	ck_assert_str_eq(rows, "8");
	free(rows);

	tu_sql(path, "DELETE FROM probes; DELETE FROM activity WHERE action = 'environment.probed'");
	/* first in name order, so a worker sleeps in it while the fake
	 * results come in */
	make_env("a-flaky", FLAKY_KEY, "{\"token\":\"t\"}");
	setenv("FLAKY_SLEEP_MS", "300", 1);
	most = 0;
	ck_assert_int_eq(probe_all(&app, 4, "t", max_threads, &most, &r, &err), ST_OK);
	unsetenv("FLAKY_SLEEP_MS");
	ck_assert_int_eq(r.count, 9);
	ck_assert_int_eq(r.ok, 9);
	ck_assert_int_gt(most, 1); /* the pool ran them */
	pool_rows = probe_all_rows(&r);
	probe_all_report_clear(&r);
	ck_assert_str_eq(inline_rows, pool_rows);
	ck_assert_ptr_nonnull(strstr(inline_rows, "f7 fake 1 Fake sandbox provider is ready for image"));
	free(inline_rows);
	free(pool_rows);
}
END_TEST

/* A run's batches commit relaxed while it goes on (no fsync each) and
 * its last batch durably, which syncs the others' frames with it. */
/* probe --all reads environments bare and resolves each config in place:
 * a secret still reaches the provider and stays out of the rows, and a
 * config the database mangled fails that environment alone. */
START_TEST(probe_all_resolves_in_place_and_survives_a_bad_config)
{
	/* SQLite's CHECK keeps such text out, a damaged file need not;
	 * PostgreSQL's jsonb cannot hold it at all. */
	bool bad = !tu_pg();
	ProbeAllReport r;
	char *rows;
	bool bad_seen = false, flaky_seen = false;

	make_env("a-secret", FLAKY_KEY, "{\"token\":\"tok-ALL-PLAIN\"}");
	if (bad) {
		make_env("b-bad", "fake", "{}");
		tu_sql(path, "PRAGMA ignore_check_constraints = ON; "
			     "UPDATE environments SET config = '{not json' WHERE name = 'b-bad'");
	}
	make_env("c-fine", "fake", "{}");
	setenv("FLAKY_PROBE", "echo", 1);
	ck_assert_int_eq(probe_all(&app, 2, "t", NULL, NULL, &r, &err), ST_OK);
	unsetenv("FLAKY_PROBE");
	ck_assert_int_eq(r.count, bad ? 3 : 2);
	ck_assert_int_eq(r.ok, 2);
	for (size_t i = 0; i < r.count; i++) {
		const ProbeAllItem *it = &r.items[i];

		if (strcmp(it->env_name, "b-bad") == 0) {
			ck_assert(!it->ok);
			ck_assert_msg(strstr(it->summary, "stored config is not JSON"), "%s",
				      it->summary);
			bad_seen = true;
		} else if (strcmp(it->env_name, "a-secret") == 0) {
			ck_assert_str_eq(it->summary, "flaky ready ([redacted])");
			flaky_seen = true;
		}
		/* no cause beyond the summary: no second copy of it */
		ck_assert_ptr_null(it->headline);
	}
	ck_assert(bad_seen == bad && flaky_seen);
	probe_all_report_clear(&r);
	rows = tu_sql_text(path, "SELECT count(*) FROM probes p JOIN environments e ON "
				 "e.id = p.environment_id WHERE p.ok = CASE e.name WHEN 'b-bad' "
				 "THEN 0 ELSE 1 END");
	ck_assert_str_eq(rows, bad ? "3" : "2");
	free(rows);
	/* each record: the probe's outcome, at the probe's own time */
	rows = tu_sql_text(path, "SELECT count(*) FROM activity a JOIN probes p ON "
				 "p.environment_id = a.entity_id WHERE a.action = "
				 "'environment.probed' AND a.created_at = p.created_at AND "
				 "(p.ok = 1) = (CAST(a.details AS TEXT) LIKE '%true%') AND "
				 "CAST(a.details AS TEXT) LIKE '%durationMs%'");
	ck_assert_str_eq(rows, bad ? "3" : "2");
	free(rows);
	ck_assert(!tu_file_contains(path, "tok-ALL-PLAIN"));
}
END_TEST

START_TEST(probe_all_batches_relaxed_last_durable)
{
	ProbeAllReport r;
	char name[16], log[256] = "";
	int calls = 0;
	size_t n;
	Store *s;

	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof name, "b%02d", i);
		make_env(name, FLAKY_KEY, "{\"token\":\"t\"}");
	}
	setenv("FLAKY_SLEEP_MS", "30", 1);
	setenv("ENVCTL_PROBE_BATCH_MS", "1", 1);
	ck_assert_int_eq(app_store(&app, &s, &err), ST_OK);
	db_trace(s->db, trace_tx, log);
	ck_assert_int_eq(probe_all(&app, 1, "t", count_progress, &calls, &r, &err), ST_OK);
	db_trace(s->db, NULL, NULL);
	unsetenv("ENVCTL_PROBE_BATCH_MS");
	ck_assert_int_eq(r.ok, 4);
	probe_all_report_clear(&r);
	n = strlen(log);
	if (tu_pg()) {
		ck_assert_msg(n >= 4 && strspn(log, "BC") == n, "%s", log);
	} else {
		/* Relaxed batches (NBCF), then a durable one (BC) or, when the
		 * last rows went out with a relaxed batch, a sync of the log. */
		size_t k = 0;

		for (; k + 4 <= n && strncmp(log + k, "NBCF", 4) == 0; k += 4)
			;
		ck_assert_msg(k >= 4, "no relaxed batch: %s", log);
		ck_assert_msg(k == n || strcmp(log + k, "BC") == 0, "%s", log);
		ck_assert(!s->unsynced);
	}
}
END_TEST

/* `lease list --json` writes each lease without building a cJSON tree:
 * its bytes must be what lease_to_json printed, for NULL columns, bytes
 * JSON escapes, metadata with PostgreSQL's spacing and metadata that is
 * not JSON at all. */
START_TEST(lease_json_write_matches_lease_to_json)
{
	const char *metas[] = { "{\"provider\": \"fake\", \"n\": [1, 2.5, -3e10, true, null]}",
				"{\"k\":\"caf\u00e9 \\u001b[2J\\n\\t\\\"q\\\"\"}", "not json", "[1,{}]",
				NULL };

	for (size_t i = 0; i < sizeof metas / sizeof *metas; i++) {
		StoreLease l;
		Buf b = BUF_INIT;
		cJSON *o;
		char *want;

		memset(&l, 0, sizeof l);
		snprintf(l.id, sizeof l.id, "10000000-0000-4000-8000-%012zu", i);
		snprintf(l.environment_id, sizeof l.environment_id, "env\"1\\");
		l.heartbeat_run_id = i % 2 ? NULL : "run \x01\x1f\x7f\b\f\r";
		l.status = "active";
		l.lease_policy = "ephemeral";
		l.provider = "fake";
		l.provider_lease_id = "sandbox://fake/\xc3\xa9\xe2\x80\xa8";
		l.acquired_at = "2026-01-15T12:00:00.000Z";
		l.failure_reason = i % 2 ? "tab\there" : NULL;
		l.phase = i == 3 ? "acquiring" : NULL;
		l.metadata_json = (char *)metas[i];
		o = lease_to_json(&l);
		want = cJSON_PrintUnformatted(o);
		ck_assert_ptr_nonnull(want);
		ck_assert(lease_json_write(&b, &l));
		ck_assert(buf_putc(&b, '\0'));
		ck_assert_str_eq(b.data, want);
		free(want);
		cJSON_Delete(o);
		buf_clear(&b);
	}
}
END_TEST

TEST_SUITE(lease)
{
	Suite *s = suite_create("lease");
	TCase *tc = tcase_create("actions");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, fake_test_lease_is_ephemeral);
	tcase_add_test(tc, acquire_and_release_commit_intent_and_outcome_only);
	tcase_add_test(tc, intents_durable_outcomes_relaxed);
	tcase_add_test(tc, probe_all_batches_writes_and_shows_them_early);
	tcase_add_test(tc, probe_all_one_transaction_when_asked);
	tcase_add_test(tc, reuse_resumes_most_recent_matching);
	tcase_add_test(tc, reuse_skips_changed_config);
	tcase_add_test(tc, resume_gone_or_failing_acquires_fresh_with_note);
	tcase_add_test(tc, secrets_resolved_for_provider_and_scrubbed_after);
	tcase_add_test(tc, acquire_failure_recorded_without_secret);
	tcase_add_test(tc, release_twice_conflicts_and_retain_on_failure);
	tcase_add_test(tc, release_provider_failure_then_sweep_retries);
	tcase_add_test(tc, sweep_expires_past_due);
	tcase_add_test(tc, sweep_reconciles_dead_phase);
	tcase_add_test(tc, destroy_and_reuse_skips_destroyed);
	tcase_add_test(tc, fake_cannot_execute_and_archived_refuses);
	tcase_add_test(tc, probe_saved_and_redacted);
	tcase_add_test(tc, probe_draft_persists_only_probe);
	tcase_add_test(tc, probe_all_bounded_and_stored);
	tcase_add_test(tc, probe_all_cancel);
	tcase_add_test(tc, probe_all_inline_same_as_pool);
	tcase_add_test(tc, lease_json_write_matches_lease_to_json);
	tcase_add_test(tc, probe_all_batches_relaxed_last_durable);
	tcase_add_test(tc, probe_all_resolves_in_place_and_survives_a_bad_config);
	tcase_add_test(tc, delete_force_destroys_sandboxes_first);
	suite_add_tcase(s, tc);
	return s;
}
