/* Environments, leases, probes, activity, check and backup at the store
 * level, and two processes writing one database. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include "storeutil.h"
#include "testutil.h"
#include "util/fs.h"

static Store *s;
static char *dir, *path;
static Error err;

static void setup(void)
{
	dir = tu_store_dir();
	path = tu_db_path(dir);
	s = tu_store_open(dir);
	error_clear(&err);
}

static void teardown(void)
{
	store_close(s);
	free(path);
	free(dir);
}

static void mk_env(const char *name, StoreEnv *out)
{
	memset(out, 0, sizeof *out);
	out->name = strdup(name);
	out->provider = strdup("fake");
	out->config = tu_json("{\"provider\":\"fake\",\"image\":\"ubuntu:24.04\"}");
	ck_assert_msg(store_env_insert(s, out, &err) == ST_OK, "%s", err.msg);
}

static void mk_lease(const char *env_id, const char *status, const char *policy,
		     const char *acquired, const char *used, StoreLease *out)
{
	memset(out, 0, sizeof *out);
	snprintf(out->environment_id, sizeof out->environment_id, "%s", env_id);
	out->status = (char *)status;
	out->lease_policy = (char *)policy;
	out->provider = (char *)"fake";
	out->provider_lease_id = (char *)"sandbox://fake/x";
	out->acquired_at = (char *)acquired;
	out->last_used_at = (char *)used;
	ck_assert_msg(store_lease_insert(s, out, &err) == ST_OK, "%s", err.msg);
	/* the strings above are borrowed literals: forget them */
	out->status = out->lease_policy = out->provider = out->provider_lease_id = NULL;
	out->acquired_at = out->last_used_at = NULL;
}

START_TEST(test_env_crud)
{
	StoreEnv e, got;

	mk_env("alpha", &e);
	ck_assert(id_is_uuid(e.id));
	ck_assert(e.created_at[0]);
	ck_assert_int_eq(store_env_get(s, "alpha", &got, &err), ST_OK);
	ck_assert_str_eq(got.id, e.id);
	ck_assert_str_eq(got.status, "active");
	ck_assert_str_eq(got.driver, "sandbox");
	ck_assert_str_eq(cJSON_GetObjectItem(got.config, "image")->valuestring, "ubuntu:24.04");
	store_env_clear(&got);
	ck_assert_int_eq(store_env_get(s, e.id, &got, &err), ST_OK);
	free(got.name);
	got.name = strdup("beta");
	free(got.status);
	got.status = strdup("archived");
	ck_assert_int_eq(got.revision, 1);
	ck_assert_int_eq(store_env_update(s, &got, &err), ST_OK);
	ck_assert_int_eq(got.revision, 2);
	store_env_clear(&got);
	ck_assert_int_eq(store_env_get(s, "alpha", &got, &err), ST_E_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(err.msg, "alpha"));
	ck_assert_int_eq(store_env_get(s, "beta", &got, &err), ST_OK);
	ck_assert_str_eq(got.status, "archived");
	ck_assert_str_ge(got.updated_at, got.created_at);
	/* names are unique and non-empty; statuses are checked */
	{
		StoreEnv dup = { 0 };

		dup.name = strdup("beta");
		dup.provider = strdup("fake");
		ck_assert_int_eq(store_env_insert(s, &dup, &err), ST_E_CONFLICT);
		ck_assert_ptr_nonnull(strstr(err.msg, "\"beta\" already exists"));
		free(dup.name);
		dup.name = strdup("  ");
		dup.id[0] = '\0';
		ck_assert_int_eq(store_env_insert(s, &dup, &err), ST_E_INVALID);
		store_env_clear(&dup);
	}
	ck_assert_int_eq(store_env_delete(s, got.id, &err), ST_OK);
	ck_assert_int_eq(store_env_delete(s, got.id, &err), ST_E_NOT_FOUND);
	store_env_clear(&got);
	store_env_clear(&e);
}
END_TEST

START_TEST(test_env_list_with_probe_and_leases)
{
	StoreEnv a, b;
	StoreLease l1, l2, l3;
	StoreProbe p1 = { 0 }, p2 = { 0 };
	StoreEnvList list;
	StoreEnvFilter active = { .status = "active" };

	mk_env("b-env", &b);
	mk_env("a-env", &a);
	mk_lease(a.id, "active", "ephemeral", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z", &l1);
	mk_lease(a.id, "active", "ephemeral", "2026-01-02T00:00:00.000Z", "2026-01-02T00:00:00.000Z", &l2);
	mk_lease(a.id, "released", "ephemeral", "2026-01-03T00:00:00.000Z", "2026-01-03T00:00:00.000Z", &l3);
	p1.environment_id = strdup(a.id);
	p1.provider = strdup("fake");
	p1.ok = false;
	p1.summary = strdup("old");
	snprintf(p1.created_at, sizeof p1.created_at, "2026-01-01T00:00:00.000Z");
	ck_assert_int_eq(store_probe_insert(s, &p1, &err), ST_OK);
	p2.environment_id = strdup(a.id);
	p2.provider = strdup("fake");
	p2.ok = true;
	p2.summary = strdup("Fake sandbox provider is ready");
	p2.duration_ms = 12;
	ck_assert_int_eq(store_probe_insert(s, &p2, &err), ST_OK);
	ck_assert_int_eq(store_env_list(s, NULL, &list, &err), ST_OK);
	ck_assert_uint_eq(list.count, 2);
	ck_assert_str_eq(list.items[0].env.name, "a-env");
	ck_assert(list.items[0].has_probe);
	ck_assert(list.items[0].probe_ok);
	ck_assert_str_eq(list.items[0].probe_summary, "Fake sandbox provider is ready");
	ck_assert_int_eq(list.items[0].active_leases, 2);
	ck_assert(!list.items[1].has_probe);
	ck_assert_int_eq(list.items[1].active_leases, 0);
	store_env_list_clear(&list);
	free(b.status);
	b.status = strdup("archived");
	ck_assert_int_eq(store_env_update(s, &b, &err), ST_OK);
	ck_assert_int_eq(store_env_list(s, &active, &list, &err), ST_OK);
	ck_assert_uint_eq(list.count, 1);
	store_env_list_clear(&list);
	/* deleting the environment takes its leases and probes with it */
	ck_assert_int_eq(store_env_delete(s, a.id, &err), ST_OK);
	{
		char *n = tu_sql_text(path, "SELECT (SELECT count(*) FROM leases) || ',' || "
					    "(SELECT count(*) FROM probes)");

		ck_assert_str_eq(n, "0,0");
		free(n);
	}
	store_probe_clear(&p1), store_probe_clear(&p2);
	store_lease_clear(&l1), store_lease_clear(&l2), store_lease_clear(&l3);
	store_env_clear(&a), store_env_clear(&b);
}
END_TEST

START_TEST(test_lease_update_compare_and_set)
{
	StoreEnv e;
	StoreLease l, got, other;

	mk_env("e", &e);
	mk_lease(e.id, "active", "ephemeral", NULL, NULL, &l);
	ck_assert_int_eq(store_lease_get(s, l.id, &got, &err), ST_OK);
	ck_assert_str_eq(got.status, "active");
	ck_assert_str_eq(got.metadata_json, "{}");
	ck_assert_ptr_nonnull(got.acquired_at);
	ck_assert_str_eq(got.acquired_at, got.last_used_at);
	/* two consoles read the same active lease ... */
	ck_assert_int_eq(store_lease_get(s, l.id, &other, &err), ST_OK);
	free(got.status);
	got.status = strdup("released");
	got.released_at = strdup("2026-01-01T00:00:00.000Z");
	got.cleanup_status = strdup("success");
	ck_assert_int_eq(store_lease_update(s, &got, "active", &err), ST_OK);
	/* ... the second one loses */
	free(other.status);
	other.status = strdup("failed");
	ck_assert_int_eq(store_lease_update(s, &other, "active", &err), ST_E_CONFLICT);
	ck_assert_msg(strstr(err.msg, "is already released") != NULL, "%s", err.msg);
	store_lease_clear(&got);
	ck_assert_int_eq(store_lease_get(s, l.id, &got, &err), ST_OK);
	ck_assert_str_eq(got.status, "released");
	ck_assert_str_eq(got.cleanup_status, "success");
	/* bad values are refused by the schema */
	free(got.status);
	got.status = strdup("exploded");
	ck_assert_int_eq(store_lease_update(s, &got, NULL, &err), ST_E_INVALID);
	snprintf(got.id, sizeof got.id, "00000000-0000-4000-8000-000000000000");
	free(got.status);
	got.status = strdup("active");
	ck_assert_int_eq(store_lease_update(s, &got, NULL, &err), ST_E_NOT_FOUND);
	store_lease_clear(&other);
	ck_assert_int_eq(store_lease_get(s, got.id, &other, &err), ST_E_NOT_FOUND);
	store_lease_clear(&got);
	store_lease_clear(&l);
	store_env_clear(&e);
}
END_TEST

typedef struct Collect {
	char ids[64][UUID_STR_LEN];
	size_t n;
	size_t stop_after;
} Collect;

static bool collect(const StoreLease *row, void *ctx)
{
	Collect *c = ctx;

	snprintf(c->ids[c->n++], UUID_STR_LEN, "%s", row->id);
	return c->stop_after == 0 || c->n < c->stop_after;
}

/* A walk whose callback reads and writes the store mid-walk (the views'
 * callbacks do): every row still arrives, in order, and the nested calls
 * work. On PostgreSQL the rows stream (single-row mode) and the walk's
 * rest is queued when the callback needs the connection. */
typedef struct Nested {
	Store *s;
	size_t n;
	bool ok;
	char last[TIME_STR_LEN];
} Nested;

static bool nested_cb(const StoreLease *row, void *ctx)
{
	Nested *w = ctx;
	StoreEnv e;
	StoreActivityNew a = { .actor = "t", .action = "walk", .entity_type = "lease",
			       .entity_id = row->id };
	Error e2;

	error_clear(&e2);
	if (w->n && strcmp(row->acquired_at, w->last) >= 0)
		w->ok = false; /* newest first */
	snprintf(w->last, sizeof w->last, "%s", row->acquired_at);
	if (w->n % 7 == 0) {
		if (store_env_get(w->s, row->environment_id, &e, &e2) != ST_OK ||
		    store_activity_add(w->s, &a, &e2) != ST_OK)
			w->ok = false;
		store_env_clear(&e);
	}
	w->n++;
	return true;
}

static bool stop_after_one(const StoreLease *row, void *ctx)
{
	(void)row;
	((Nested *)ctx)->n++;
	return false;
}

START_TEST(test_lease_walk_with_nested_calls)
{
	StoreEnv a;
	StoreLease l;
	char ts[TIME_STR_LEN];
	Nested w = { .s = s, .ok = true };
	StoreActivityList acts;

	mk_env("walk", &a);
	ck_assert_int_eq(store_begin(s, &err), ST_OK);
	for (int i = 0; i < 300; i++) {
		snprintf(ts, sizeof ts, "2026-01-01T00:%02d:%02d.000Z", i / 60, i % 60);
		mk_lease(a.id, "released", "ephemeral", ts, ts, &l);
		store_lease_clear(&l);
	}
	ck_assert_int_eq(store_commit(s, &err), ST_OK);
	ck_assert_int_eq(store_lease_each(s, NULL, nested_cb, &w, &err), ST_OK);
	ck_assert_uint_eq(w.n, 300);
	ck_assert(w.ok);
	ck_assert_int_eq(store_activity_list(s, NULL, 0, 0, &acts, &err), ST_OK);
	{
		size_t walked = 0;

		for (size_t i = 0; i < acts.count; i++)
			walked += strcmp(acts.items[i].action, "walk") == 0;
		ck_assert_uint_eq(walked, 43); /* rows 0, 7, ..., 294 */
	}
	store_activity_list_clear(&acts);
	/* and a walk stopped early leaves the connection usable */
	w = (Nested){ .s = s, .ok = true };
	ck_assert_int_eq(store_lease_each(s, NULL, stop_after_one, &w, &err), ST_OK);
	ck_assert_uint_eq(w.n, 1);
	{
		StoreEnv again;

		ck_assert_int_eq(store_env_get(s, a.id, &again, &err), ST_OK);
		ck_assert_str_eq(again.name, "walk");
		store_env_clear(&again);
	}
	store_env_clear(&a);
}
END_TEST

START_TEST(test_lease_list_filters_and_windows)
{
	StoreEnv a, b;
	StoreLease ls[10];
	char ts[TIME_STR_LEN];
	Collect c;
	long n;
	StoreLeaseFilter f;

	mk_env("a", &a);
	mk_env("b", &b);
	for (int i = 0; i < 10; i++) {
		snprintf(ts, sizeof ts, "2026-01-01T00:00:%02d.000Z", i);
		mk_lease(i % 2 ? b.id : a.id, i < 6 ? "active" : "released", "ephemeral", ts, ts,
			 &ls[i]);
	}
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(store_lease_each(s, NULL, collect, &c, &err), ST_OK);
	ck_assert_uint_eq(c.n, 10);
	ck_assert_str_eq(c.ids[0], ls[9].id); /* newest first */
	ck_assert_str_eq(c.ids[9], ls[0].id);
	/* filters */
	memset(&f, 0, sizeof f);
	f.status = "active";
	f.environment_id = a.id;
	ck_assert_int_eq(store_lease_count(s, &f, &n, &err), ST_OK);
	ck_assert_int_eq(n, 3); /* 0, 2, 4 */
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(store_lease_each(s, &f, collect, &c, &err), ST_OK);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_str_eq(c.ids[0], ls[4].id);
	/* offset window */
	memset(&f, 0, sizeof f);
	f.limit = 3;
	f.offset = 2;
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(store_lease_each(s, &f, collect, &c, &err), ST_OK);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_str_eq(c.ids[0], ls[7].id);
	ck_assert_int_eq(store_lease_count(s, &f, &n, &err), ST_OK);
	ck_assert_int_eq(n, 10); /* count ignores the window */
	/* keyset window: after lease 5 going back in time */
	memset(&f, 0, sizeof f);
	f.after_acquired_at = "2026-01-01T00:00:05.000Z";
	f.after_id = ls[5].id;
	f.limit = 2;
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(store_lease_each(s, &f, collect, &c, &err), ST_OK);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_str_eq(c.ids[0], ls[4].id);
	ck_assert_str_eq(c.ids[1], ls[3].id);
	f.oldest_first = true;
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(store_lease_each(s, &f, collect, &c, &err), ST_OK);
	ck_assert_str_eq(c.ids[0], ls[6].id);
	/* stopping early is not an error */
	memset(&c, 0, sizeof c);
	c.stop_after = 4;
	ck_assert_int_eq(store_lease_each(s, NULL, collect, &c, &err), ST_OK);
	ck_assert_uint_eq(c.n, 4);
	/* provider filter and the expiry sweep */
	memset(&f, 0, sizeof f);
	f.provider = "nope";
	ck_assert_int_eq(store_lease_count(s, &f, &n, &err), ST_OK);
	ck_assert_int_eq(n, 0);
	tu_sql(path, "UPDATE leases SET expires_at = '2026-01-01T00:00:03.000Z'");
	memset(&f, 0, sizeof f);
	f.expires_before = "2026-02-01T00:00:00.000Z";
	ck_assert_int_eq(store_lease_count(s, &f, &n, &err), ST_OK);
	ck_assert_int_eq(n, 6); /* only active ones */
	ck_assert_int_eq(store_lease_count_active(s, a.id, &n, &err), ST_OK);
	ck_assert_int_eq(n, 3);
	for (int i = 0; i < 10; i++)
		store_lease_clear(&ls[i]);
	store_env_clear(&a), store_env_clear(&b);
}
END_TEST

typedef struct EnvNames {
	char names[16][32];
	size_t n;
} EnvNames;

static bool env_name_collect(const StoreEnvSummary *row, void *ctx)
{
	EnvNames *c = ctx;

	if (c->n < 16)
		snprintf(c->names[c->n++], 32, "%s", row->env.name);
	return true;
}

static void env_window(const char *text, int sort, bool desc, long offset, long limit,
		       const char *want, long want_total)
{
	StoreEnvWindow w = { text, sort, desc, offset, limit };
	EnvNames c;
	char got[600] = "";
	long total = -1;

	memset(&c, 0, sizeof c);
	ck_assert_msg(store_env_each(s, &w, env_name_collect, &c, &total, &err) == ST_OK, "%s",
		      err.msg);
	for (size_t i = 0; i < c.n; i++)
		snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? "," : "", c.names[i]);
	ck_assert_str_eq(got, want);
	ck_assert_int_eq(total, want_total);
}

/* The environments view reads windows from the store, filtered and sorted
 * there the way its in-memory table did it (names without case, ties in
 * name order, the probe cell "-"/"FAILED"/"ok", lease counts as numbers). */
START_TEST(test_env_window)
{
	StoreEnv e[4];
	StoreLease l[3];
	const char *names[] = { "beta", "Alpha", "gamma", "delta" };

	for (int i = 0; i < 4; i++)
		mk_env(names[i], &e[i]);
	mk_lease(e[2].id, "active", "ephemeral", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z", &l[0]);
	mk_lease(e[2].id, "active", "ephemeral", "2026-01-01T00:00:01.000Z", "2026-01-01T00:00:01.000Z", &l[1]);
	mk_lease(e[0].id, "active", "ephemeral", "2026-01-01T00:00:02.000Z", "2026-01-01T00:00:02.000Z", &l[2]);
	{
		char sql[512];

		snprintf(sql, sizeof sql,
			 "INSERT INTO probes (id, environment_id, provider, ok, created_at) VALUES "
			 "('p1', '%s', 'fake', 1, '2026-01-01T00:00:00.000Z'), "
			 "('p2', '%s', 'fake', 0, '2026-01-02T00:00:00.000Z')",
			 e[3].id, e[0].id);
		tu_sql(path, sql);
	}
	env_window(NULL, STORE_ENV_SORT_NAME, false, 0, 0, "Alpha,beta,delta,gamma", 4);
	env_window(NULL, STORE_ENV_SORT_NAME, true, 1, 2, "delta,beta", 4);
	env_window("", STORE_ENV_SORT_LEASES, true, 0, 0, "gamma,beta,Alpha,delta", 4);
	env_window(NULL, STORE_ENV_SORT_PROBE, false, 0, 0, "Alpha,gamma,beta,delta", 4);
	env_window(NULL, STORE_ENV_SORT_PROBED, true, 0, 0, "beta,delta,Alpha,gamma", 4);
	env_window("ALP", STORE_ENV_SORT_NAME, false, 0, 0, "Alpha", 1);
	env_window("failed", STORE_ENV_SORT_NAME, false, 0, 0, "beta", 1);
	env_window("a", STORE_ENV_SORT_NAME, false, 1, 10, "beta,delta,gamma", 4);
	for (int i = 0; i < 3; i++)
		store_lease_clear(&l[i]);
	for (int i = 0; i < 4; i++)
		store_env_clear(&e[i]);
}
END_TEST

START_TEST(test_lease_reuse_candidates)
{
	StoreEnv a, b;
	StoreLease l[8];
	Collect c;

	mk_env("a", &a);
	mk_env("b", &b);
	mk_lease(a.id, "active", "reuse_by_environment", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:09.000Z", &l[0]);
	mk_lease(a.id, "released", "reuse_by_environment", "2026-01-01T00:00:01.000Z", "2026-01-01T00:00:10.000Z", &l[1]);
	mk_lease(a.id, "active", "ephemeral", "2026-01-01T00:00:02.000Z", "2026-01-01T00:00:11.000Z", &l[2]);
	mk_lease(b.id, "active", "reuse_by_environment", "2026-01-01T00:00:03.000Z", "2026-01-01T00:00:12.000Z", &l[3]);
	mk_lease(a.id, "active", "reuse_by_environment", "2026-01-01T00:00:04.000Z", "2026-01-01T00:00:05.000Z", &l[4]);
	/* newer than every candidate, but never candidates themselves */
	mk_lease(a.id, "failed", "reuse_by_environment", "2026-01-01T00:00:05.000Z", "2026-01-01T00:00:20.000Z", &l[5]);
	mk_lease(a.id, "expired", "reuse_by_environment", "2026-01-01T00:00:06.000Z", "2026-01-01T00:00:21.000Z", &l[6]);
	mk_lease(a.id, "retained", "reuse_by_environment", "2026-01-01T00:00:07.000Z", "2026-01-01T00:00:02.000Z", &l[7]);
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(store_lease_reuse_candidates(s, a.id, 10, collect, &c, &err), ST_OK);
	ck_assert_uint_eq(c.n, 4);
	ck_assert_str_eq(c.ids[0], l[1].id); /* most recently used first */
	ck_assert_str_eq(c.ids[1], l[0].id);
	ck_assert_str_eq(c.ids[2], l[4].id);
	ck_assert_str_eq(c.ids[3], l[7].id);
	memset(&c, 0, sizeof c);
	ck_assert_int_eq(store_lease_reuse_candidates(s, a.id, 1, collect, &c, &err), ST_OK);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_str_eq(c.ids[0], l[1].id);
	for (int i = 0; i < 8; i++)
		store_lease_clear(&l[i]);
	store_env_clear(&a), store_env_clear(&b);
}
END_TEST

/* Every list query the views and the reuse lookup run searches an index
 * that delivers its order: no full scan of leases, no sort of the rows.
 * (A plan check, not a timing test: it fails the day a query or an index
 * changes so that they no longer fit.) */
static void assert_plan(const char *name, const char *index)
{
	char *plan = NULL;

	ck_assert_msg(store_plan(s, name, &plan, &err) == ST_OK, "%s: %s", name, err.msg);
	/* The one walk allowed: the unfiltered first window, which reads the
	 * list-order index from its start and stops after LIMIT rows. */
	bool first_window = !strcmp(name, "list") || !strcmp(name, "list:oldest");
	/* Likewise the first provider of an unfiltered provider order: one
	 * entry from an end of leases_provider (LIMIT 1). */
	bool first_provider = !strcmp(name, "next:by-provider") ||
			      !strcmp(name, "next:by-provider:desc");

	if (first_provider)
		ck_assert_msg(strstr(plan, "SCAN leases USING COVERING INDEX leases_provider") != NULL ||
				      strstr(plan, "SCAN leases") == NULL,
			      "%s:\n%s", name, plan);
	else if (first_window)
		ck_assert_msg(strstr(plan, "SCAN leases USING INDEX leases_acquired") != NULL ||
			      strstr(plan, "SCAN leases") == NULL, "%s:\n%s", name, plan);
	else
		ck_assert_msg(strstr(plan, "SCAN leases") == NULL, "%s scans leases:\n%s", name,
			      plan);
	ck_assert_msg(strstr(plan, "TEMP B-TREE") == NULL || !strncmp(name, "reuse", 5),
		      "%s sorts its rows:\n%s", name, plan);
	if (index)
		ck_assert_msg(strstr(plan, index) != NULL, "%s does not use %s:\n%s", name, index,
			      plan);
	free(plan);
}

START_TEST(test_lease_query_plans)
{
	char *plan = NULL;

	/* the reuse lookup reads candidates only, whatever else is newer */
	assert_plan("reuse", "leases_reuse_candidates");
	assert_plan("reuse", "leases_active_env");
	ck_assert_int_eq(store_plan(s, "reuse", &plan, &err), ST_OK);
	/* the two arms are merged in order, the released/retained one unsorted */
	ck_assert_msg(strstr(plan, "MERGE") != NULL, "%s", plan);
	free(plan);
	assert_plan("active_of_env", "leases_active_env");
	/* the leases view: every filter, both orders, keyset windows */
	static const char *const filters[][2] = {
		{ "", "leases_acquired" },
		{ ":status", "leases_status" },
		{ ":env", "leases_env" },
		{ ":provider", "leases_provider" },
		{ ":status:provider", "leases_status_provider" },
		{ ":env:status", NULL },
		{ ":env:provider", NULL },
	};
	for (size_t i = 0; i < sizeof filters / sizeof filters[0]; i++) {
		static const char *const tails[] = { "", ":after", ":oldest", ":oldest:after" };

		for (size_t k = 0; k < 4; k++) {
			char name[96];

			snprintf(name, sizeof name, "list%s%s", filters[i][0], tails[k]);
			assert_plan(name, filters[i][1]);
		}
		{
			char name[96];

			/* the view's totals come from lease_counts, never from leases */
			snprintf(name, sizeof name, "count%s", filters[i][0]);
			ck_assert_int_eq(store_plan(s, name, &plan, &err), ST_OK);
			ck_assert_msg(strstr(plan, "lease_counts") != NULL &&
					      strstr(plan, "leases ") == NULL,
				      "%s:\n%s", name, plan);
			free(plan);
		}
	}
	ck_assert_int_eq(store_plan(s, "list:nope", &plan, &err), ST_E_USAGE);
}
END_TEST

/* The last row a walk saw: its keyset. */
typedef struct SortWalk {
	Collect c;
	char acquired_at[TIME_STR_LEN], id[UUID_STR_LEN], key[64];
	StoreLeaseSort sort;
} SortWalk;

static bool sort_walk(const StoreLease *row, void *ctx)
{
	SortWalk *w = ctx;

	snprintf(w->acquired_at, sizeof w->acquired_at, "%s", row->acquired_at);
	snprintf(w->id, sizeof w->id, "%s", row->id);
	snprintf(w->key, sizeof w->key, "%s",
		 w->sort == STORE_LEASE_SORT_STATUS ? row->status : row->provider);
	return collect(row, &w->c);
}

/* #15: a STATUS or PROVIDER order, either way, ties newest first; keyset
 * pages and offsets across values give the same rows as one walk. */
START_TEST(test_lease_sorted_windows)
{
	static const char *const statuses[] = { "released", "active", "failed" };
	StoreEnv a;
	StoreLease ls[12];
	char ts[TIME_STR_LEN];
	const char *want[12];
	StoreLeaseFilter f;
	SortWalk w;
	size_t k = 0;

	mk_env("a", &a);
	for (int i = 0; i < 12; i++) {
		snprintf(ts, sizeof ts, "2026-01-01T00:00:%02d.000Z", i);
		mk_lease(a.id, statuses[i % 3], "ephemeral", ts, ts, &ls[i]);
	}
	/* active: 10 7 4 1; failed: 11 8 5 2; released: 9 6 3 0 */
	for (int g = 1; g <= 3; g++)
		for (int i = 11; i >= 0; i--)
			if (i % 3 == g % 3)
				want[k++] = ls[i].id;
	memset(&f, 0, sizeof f);
	f.sort = STORE_LEASE_SORT_STATUS;
	memset(&w, 0, sizeof w);
	w.sort = f.sort;
	ck_assert_int_eq(store_lease_each(s, &f, sort_walk, &w, &err), ST_OK);
	ck_assert_uint_eq(w.c.n, 12);
	for (size_t i = 0; i < 12; i++)
		ck_assert_str_eq(w.c.ids[i], want[i]);
	/* keyset pages of 5 (crossing values mid-page), then an offset past a value */
	memset(&w, 0, sizeof w);
	w.sort = f.sort;
	f.limit = 5;
	for (int page = 0; page < 4; page++) {
		size_t before = w.c.n;

		ck_assert_int_eq(store_lease_each(s, &f, sort_walk, &w, &err), ST_OK);
		if (w.c.n == before)
			break;
		f.after_acquired_at = w.acquired_at;
		f.after_id = w.id;
		f.after_key = w.key;
	}
	ck_assert_uint_eq(w.c.n, 12);
	for (size_t i = 0; i < 12; i++)
		ck_assert_str_eq(w.c.ids[i], want[i]);
	memset(&f, 0, sizeof f);
	f.sort = STORE_LEASE_SORT_STATUS;
	f.offset = 6;
	f.limit = 3;
	memset(&w, 0, sizeof w);
	w.sort = f.sort;
	ck_assert_int_eq(store_lease_each(s, &f, sort_walk, &w, &err), ST_OK);
	ck_assert_uint_eq(w.c.n, 3);
	for (size_t i = 0; i < 3; i++)
		ck_assert_str_eq(w.c.ids[i], want[6 + i]);
	/* the same offset after a keyset row: from active's second row on */
	f.after_acquired_at = "2026-01-01T00:00:10.000Z";
	f.after_id = ls[10].id;
	f.after_key = "active";
	f.offset = 4;
	memset(&w, 0, sizeof w);
	w.sort = f.sort;
	ck_assert_int_eq(store_lease_each(s, &f, sort_walk, &w, &err), ST_OK);
	ck_assert_uint_eq(w.c.n, 3);
	for (size_t i = 0; i < 3; i++)
		ck_assert_str_eq(w.c.ids[i], want[5 + i]);
	/* the whole order backwards (the view's far-end reads) */
	memset(&f, 0, sizeof f);
	f.sort = STORE_LEASE_SORT_STATUS;
	f.sort_desc = f.oldest_first = true;
	memset(&w, 0, sizeof w);
	w.sort = f.sort;
	ck_assert_int_eq(store_lease_each(s, &f, sort_walk, &w, &err), ST_OK);
	ck_assert_uint_eq(w.c.n, 12);
	for (size_t i = 0; i < 12; i++)
		ck_assert_str_eq(w.c.ids[i], want[11 - i]);
	/* descending status, ties still newest first: released first */
	f.oldest_first = false;
	memset(&w, 0, sizeof w);
	w.sort = f.sort;
	ck_assert_int_eq(store_lease_each(s, &f, sort_walk, &w, &err), ST_OK);
	ck_assert_uint_eq(w.c.n, 12);
	ck_assert_str_eq(w.c.ids[0], ls[9].id);
	ck_assert_str_eq(w.c.ids[11], ls[1].id);
	/* by provider under a status filter */
	tu_sql(path, "UPDATE leases SET provider = 'bwrap' WHERE acquired_at IN "
		     "('2026-01-01T00:00:04.000Z', '2026-01-01T00:00:07.000Z')");
	memset(&f, 0, sizeof f);
	f.sort = STORE_LEASE_SORT_PROVIDER;
	f.status = "active";
	memset(&w, 0, sizeof w);
	w.sort = f.sort;
	ck_assert_int_eq(store_lease_each(s, &f, sort_walk, &w, &err), ST_OK);
	ck_assert_uint_eq(w.c.n, 4);
	ck_assert_str_eq(w.c.ids[0], ls[7].id);
	ck_assert_str_eq(w.c.ids[1], ls[4].id);
	ck_assert_str_eq(w.c.ids[2], ls[10].id);
	ck_assert_str_eq(w.c.ids[3], ls[1].id);
	for (int i = 0; i < 12; i++)
		store_lease_clear(&ls[i]);
	store_env_clear(&a);
}
END_TEST

/* #15: the leases view sorted by STATUS or PROVIDER, either way, under the
 * filters it offers: each value's window, the look-up of the next value
 * and the count of a skipped value all seek an index, none sorts. */
START_TEST(test_lease_sorted_query_plans)
{
	static const struct {
		const char *sort, *filter, *list_index, *next_index;
	} cases[] = {
		{ ":by-status", "", "leases_status", NULL },
		{ ":by-status", ":status", "leases_status", NULL },
		{ ":by-status", ":provider", "leases_status_provider", NULL },
		{ ":by-status", ":status:provider", "leases_status_provider", NULL },
		{ ":by-status", ":env", NULL, NULL },
		{ ":by-provider", "", "leases_provider", "leases_provider" },
		{ ":by-provider", ":status", "leases_status_provider", "leases_status_provider" },
		{ ":by-provider", ":provider", "leases_provider", "leases_provider" },
		{ ":by-provider", ":status:provider", "leases_status_provider",
		  "leases_status_provider" },
		{ ":by-provider", ":env", NULL, "lease_counts" },
	};
	static const char *const tails[] = { "", ":after", ":desc", ":desc:after",
					     ":oldest:after" };
	char *plan = NULL;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		for (size_t k = 0; k < sizeof tails / sizeof tails[0]; k++) {
			char name[128];

			snprintf(name, sizeof name, "list%s%s%s", cases[i].filter, cases[i].sort,
				 tails[k]);
			assert_plan(name, cases[i].list_index);
			snprintf(name, sizeof name, "skip%s%s%s", cases[i].filter, cases[i].sort,
				 tails[k]);
			assert_plan(name, cases[i].list_index);
			if (!cases[i].next_index)
				continue; /* statuses are a fixed list: no look-up */
			snprintf(name, sizeof name, "next%s%s%s", cases[i].filter, cases[i].sort,
				 tails[k]);
			assert_plan(name, cases[i].next_index);
		}
	}
	/* "next" exists for a provider order only, "skip" for a sorted list */
	ck_assert_int_eq(store_plan(s, "next:by-status", &plan, &err), ST_E_USAGE);
	ck_assert_int_eq(store_plan(s, "skip", &plan, &err), ST_E_USAGE);
}
END_TEST

START_TEST(test_lease_counts_follow_writes)
{
	StoreEnv a, b;
	StoreLease l[3];
	StoreLeaseFilter f;
	long n;

	mk_env("a", &a);
	mk_env("b", &b);
	mk_lease(a.id, "active", "ephemeral", "2026-01-01T00:00:00.000Z", "2026-01-01T00:00:00.000Z", &l[0]);
	mk_lease(a.id, "active", "ephemeral", "2026-01-01T00:00:01.000Z", "2026-01-01T00:00:01.000Z", &l[1]);
	mk_lease(b.id, "released", "ephemeral", "2026-01-01T00:00:02.000Z", "2026-01-01T00:00:02.000Z", &l[2]);
	memset(&f, 0, sizeof f);
	ck_assert_int_eq(store_lease_count(s, &f, &n, &err), ST_OK);
	ck_assert_int_eq(n, 3);
	f.status = "active";
	ck_assert_int_eq(store_lease_count(s, &f, &n, &err), ST_OK);
	ck_assert_int_eq(n, 2);
	/* a status change moves the row between counts */
	tu_sql(path, "UPDATE leases SET status = 'failed' WHERE acquired_at = '2026-01-01T00:00:01.000Z'");
	ck_assert_int_eq(store_lease_count(s, &f, &n, &err), ST_OK);
	ck_assert_int_eq(n, 1);
	f.status = "failed";
	f.environment_id = a.id;
	ck_assert_int_eq(store_lease_count(s, &f, &n, &err), ST_OK);
	ck_assert_int_eq(n, 1);
	/* deleting an environment takes its leases out of the counts */
	ck_assert_int_eq(store_env_delete(s, a.id, &err), ST_OK);
	memset(&f, 0, sizeof f);
	ck_assert_int_eq(store_lease_count(s, &f, &n, &err), ST_OK);
	ck_assert_int_eq(n, 1);
	f.provider = "fake";
	f.status = "released";
	ck_assert_int_eq(store_lease_count(s, &f, &n, &err), ST_OK);
	ck_assert_int_eq(n, 1);
	/* and the counts agree with the rows */
	{
		char *v = tu_sql_text(path, "SELECT (SELECT count(*) FROM leases) = "
					     "(SELECT sum(n) FROM lease_counts)");

		ck_assert_str_eq(v, "1");
		free(v);
	}
	for (int i = 0; i < 3; i++)
		store_lease_clear(&l[i]);
	store_env_clear(&a), store_env_clear(&b);
}
END_TEST

START_TEST(test_change_counter_moves_on_writes)
{
	int64_t v0, v1, v2;
	StoreEnv a;

	ck_assert_int_eq(store_change_counter(s, &v0, &err), ST_OK);
	ck_assert_int_eq(store_change_counter(s, &v1, &err), ST_OK);
	ck_assert(v0 == v1); /* nothing written: a poll costs no refetch */
	tu_sql(path, "INSERT INTO meta (key, value) VALUES ('other', 'connection')");
	ck_assert_int_eq(store_change_counter(s, &v1, &err), ST_OK);
	ck_assert(v1 != v0); /* another connection's commit */
	mk_env("own", &a);
	ck_assert_int_eq(store_change_counter(s, &v2, &err), ST_OK);
	ck_assert(v2 != v1); /* this handle's own write */
	store_env_clear(&a);
}
END_TEST

/* PostgreSQL: another connection's commit makes the change descriptor
 * readable within 200 ms (the NOTIFY of its trigger), and the counter
 * moves; SQLite has no descriptor (its views poll the counter). */
START_TEST(test_change_fd_wakes_on_other_commit)
{
	int64_t v0, v1;
	int fd = store_change_fd(s);
	struct pollfd p;
	int64_t t0, waited;

	if (!tu_pg()) {
		ck_assert_int_eq(fd, -1);
		return;
	}
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(store_change_counter(s, &v0, &err), ST_OK);
	p = (struct pollfd){ .fd = fd, .events = POLLIN };
	ck_assert_int_eq(poll(&p, 1, 0), 0); /* nothing pending */
	t0 = time_now_ms();
	tu_sql(path, "INSERT INTO meta (key, value) VALUES ('other', 'console')");
	ck_assert_int_eq(poll(&p, 1, 200), 1);
	waited = time_now_ms() - t0;
	ck_assert_int_le(waited, 200);
	ck_assert_int_eq(store_change_counter(s, &v1, &err), ST_OK);
	ck_assert(v1 != v0);
}
END_TEST

/* PostgreSQL: a connection the server drops (a restart, a network cut)
 * fails the call that finds it gone, and the next one reconnects as the
 * same session: its owner lock is held again, its statements prepared
 * again, LISTEN again. */
START_TEST(test_pg_reconnects_after_drop)
{
	StoreEnvList list;
	StoreEnv a;
	char q[256], *n;
	const char *tag = store_owner_tag(s);
	int fails = 0;
	int64_t v0, v1;

	ck_assert_msg(strncmp(tag, "pg:", 3) == 0, "owner tag %s", tag);
	mk_env("before", &a);
	store_env_clear(&a);
	ck_assert_int_eq(store_env_list(s, NULL, &list, &err), ST_OK);
	store_env_list_clear(&list);
	n = tu_sql_text(path, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
			      "WHERE pid <> pg_backend_pid() AND datname = current_database() "
			      "AND backend_type = 'client backend'");
	ck_assert_str_eq(n, "1");
	free(n);
	/* the first call after the drop may fail (it is not resent: it may
	 * have run); the one after works */
	for (int i = 0; i < 2; i++) {
		if (store_env_list(s, NULL, &list, &err) != ST_OK) {
			fails++;
			ck_assert_msg(strstr(err.msg, "postgresql://") != NULL, "%s", err.msg);
			continue;
		}
		ck_assert_uint_eq(list.count, 1);
		store_env_list_clear(&list);
	}
	ck_assert_int_le(fails, 1);
	ck_assert_int_eq(store_env_list(s, NULL, &list, &err), ST_OK);
	store_env_list_clear(&list);
	mk_env("after", &a);
	store_env_clear(&a);
	/* the owner lock is this session's again: its intents stay alive */
	snprintf(q, sizeof q,
		 "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND "
		 "((classid::bigint << 32) | objid::bigint) = %s",
		 tag + 3);
	n = tu_sql_text(path, q);
	ck_assert_str_eq(n, "1");
	free(n);
	/* and it listens again */
	ck_assert_int_eq(store_change_counter(s, &v0, &err), ST_OK);
	tu_sql(path, "INSERT INTO meta (key, value) VALUES ('after-drop', 'x')");
	ck_assert_int_eq(store_change_counter(s, &v1, &err), ST_OK);
	ck_assert(v1 != v0);
}
END_TEST

/* PostgreSQL reads the SQLite migrations through the dialect rules of
 * migrate.c: BLOB is bytea, INTEGER PRIMARY KEY an identity, the triggers
 * plpgsql, the version in schema_migrations. */
START_TEST(test_pg_schema_from_shared_migrations)
{
	char *n;

	n = tu_sql_text(path, "SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY "
			      "column_name) FROM information_schema.columns WHERE table_schema = "
			      "current_schema() AND table_name = 'secret_versions' AND column_name "
			      "IN ('material', 'fingerprint')");
	ck_assert_str_eq(n, "fingerprint:bytea,material:bytea");
	free(n);
	n = tu_sql_text(path, "SELECT is_identity FROM information_schema.columns WHERE "
			      "table_schema = current_schema() AND table_name = 'activity' AND "
			      "column_name = 'id'");
	ck_assert_str_eq(n, "YES");
	free(n);
	n = tu_sql_text(path, "SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger t "
			      "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace s ON s.oid = "
			      "c.relnamespace WHERE s.nspname = current_schema() AND NOT t.tgisinternal "
			      "AND c.relname IN ('environments', 'leases')");
	for (size_t i = 0; i < 6; i++) {
		static const char *const want[] = { "environments_notify", "environments_unbind",
						    "leases_count_delete", "leases_count_insert",
						    "leases_count_update", "leases_notify" };

		ck_assert_msg(strstr(n, want[i]) != NULL, "no trigger %s in %s", want[i], n);
	}
	free(n);
	{
		char q[160];

		snprintf(q, sizeof q,
			 "SELECT count(*) = %d AND max(version) = %d FROM schema_migrations",
			 store_schema_version_latest(), store_schema_version_latest());
		n = tu_sql_text(path, q);
		ck_assert_str_eq(n, "1");
		free(n);
	}
	ck_assert_int_eq(store_schema_version(s), store_schema_version_latest());
	/* a JSON column refuses what is not JSON, as SQLite's json_valid check */
	n = tu_sql_text(path, "SELECT json_valid('{\"a\":1}') AND NOT json_valid('{nope')");
	ck_assert_str_eq(n, "1");
	free(n);
}
END_TEST

START_TEST(test_lease_needs_environment)
{
	StoreLease l = { 0 };

	snprintf(l.environment_id, sizeof l.environment_id, "00000000-0000-4000-8000-000000000000");
	ck_assert_int_eq(store_lease_insert(s, &l, &err), ST_E_NOT_FOUND);
	/* sent with its commit (one round trip on PostgreSQL): the same
	 * error, the transaction rolled back, the store usable */
	l.id[0] = '\0';
	ck_assert_int_eq(store_begin(s, &err), ST_OK);
	ck_assert_int_eq(store_lease_insert_commit(s, &l, &err), ST_E_NOT_FOUND);
	ck_assert_msg(strstr(err.msg, "environment"), "%s", err.msg);
	ck_assert_int_eq(store_begin(s, &err), ST_OK);
	ck_assert_int_eq(store_commit(s, &err), ST_OK);
}
END_TEST

/* An update sent with its commit: saved when the row is as expected, and
 * otherwise nothing saved and the same conflict as without the commit. */
START_TEST(test_lease_update_commit)
{
	StoreEnv e;
	StoreLease l, got;

	mk_env("uc", &e);
	mk_lease(e.id, "active", "ephemeral", "2026-01-01T00:00:00.000Z",
		 "2026-01-01T00:00:00.000Z", &l);
	ck_assert_int_eq(store_lease_get(s, l.id, &got, &err), ST_OK);
	free(got.phase);
	got.phase = strdup("releasing");
	ck_assert_int_eq(store_begin(s, &err), ST_OK);
	ck_assert_int_eq(store_lease_update_commit(s, &got, "active", &err), ST_OK);
	store_lease_clear(&got);
	ck_assert_int_eq(store_lease_get(s, l.id, &got, &err), ST_OK);
	ck_assert_str_eq(got.phase, "releasing");
	free(got.phase);
	got.phase = strdup("destroying");
	ck_assert_int_eq(store_begin(s, &err), ST_OK);
	ck_assert_int_eq(store_lease_update_commit(s, &got, "released", &err), ST_E_CONFLICT);
	ck_assert_msg(strstr(err.msg, "already active"), "%s", err.msg);
	store_lease_clear(&got);
	ck_assert_int_eq(store_lease_get(s, l.id, &got, &err), ST_OK);
	ck_assert_str_eq(got.phase, "releasing");
	store_lease_clear(&got);
	ck_assert_int_eq(store_begin(s, &err), ST_OK);
	ck_assert_int_eq(store_commit(s, &err), ST_OK);
	store_env_clear(&e);
}
END_TEST

START_TEST(test_probes_and_drafts)
{
	StoreEnv e;
	StoreProbe p = { 0 }, last;
	StoreProbeList l;

	mk_env("e", &e);
	ck_assert_int_eq(store_probe_last(s, e.id, &last, &err), ST_E_NOT_FOUND);
	p.provider = strdup("fake");
	p.ok = true;
	p.summary = strdup("draft ok");
	p.details = tu_json("{\"image\":\"x\"}");
	ck_assert_int_eq(store_probe_insert(s, &p, &err), ST_OK); /* a draft */
	ck_assert_int_eq(store_probe_list(s, NULL, 10, &l, &err), ST_OK);
	ck_assert_uint_eq(l.count, 1);
	ck_assert_str_eq(cJSON_GetObjectItem(l.items[0].details, "image")->valuestring, "x");
	store_probe_list_clear(&l);
	store_probe_clear(&p);
	for (int i = 0; i < 3; i++) {
		memset(&p, 0, sizeof p);
		p.environment_id = strdup(e.id);
		p.provider = strdup("fake");
		p.ok = i == 2;
		p.summary = strdup(i == 2 ? "latest" : "older");
		snprintf(p.created_at, sizeof p.created_at, "2026-01-01T00:00:0%d.000Z", i);
		ck_assert_int_eq(store_probe_insert(s, &p, &err), ST_OK);
		store_probe_clear(&p);
	}
	ck_assert_int_eq(store_probe_last(s, e.id, &last, &err), ST_OK);
	ck_assert_str_eq(last.summary, "latest");
	ck_assert(last.ok);
	store_probe_clear(&last);
	ck_assert_int_eq(store_probe_list(s, e.id, 2, &l, &err), ST_OK);
	ck_assert_uint_eq(l.count, 2);
	store_probe_list_clear(&l);
	store_env_clear(&e);
}
END_TEST

START_TEST(test_activity)
{
	const char *fields[] = { "name", "config/image", NULL };
	StoreActivityNew a = { .actor = "cli:alice", .action = "environment.updated",
			       .entity_type = "environment", .entity_id = "id-1",
			       .entity_name = "e", .changed_fields = fields };
	StoreActivityList l;

	ck_assert_int_eq(store_activity_add(s, &a, &err), ST_OK);
	a.action = "environment.deleted";
	a.changed_fields = NULL;
	ck_assert_int_eq(store_activity_add(s, &a, &err), ST_OK);
	a.entity_id = "id-2";
	ck_assert_int_eq(store_activity_add(s, &a, &err), ST_OK);
	ck_assert_int_eq(store_activity_list(s, NULL, 2, 0, &l, &err), ST_OK);
	ck_assert_uint_eq(l.count, 2);
	ck_assert_str_eq(l.items[0].entity_id, "id-2");
	store_activity_list_clear(&l);
	ck_assert_int_eq(store_activity_list(s, "id-1", 0, 0, &l, &err), ST_OK);
	ck_assert_uint_eq(l.count, 2);
	ck_assert_str_eq(l.items[1].action, "environment.updated");
	ck_assert_str_eq(l.items[1].actor, "cli:alice");
	ck_assert_int_eq(cJSON_GetArraySize(l.items[1].changed_fields), 2);
	ck_assert_str_eq(cJSON_GetArrayItem(l.items[1].changed_fields, 1)->valuestring,
			 "config/image");
	store_activity_list_clear(&l);
}
END_TEST

static long activity_count(const char *entity_id)
{
	StoreActivityList l;
	long n;

	ck_assert_int_eq(store_activity_list(s, entity_id, 0, 0, &l, &err), ST_OK);
	n = (long)l.count;
	store_activity_list_clear(&l);
	return n;
}

/* The record that ends an outcome's transaction is written with its
 * commit (one round trip on PostgreSQL). A transaction a failed statement
 * has ended is not reported saved: PostgreSQL answers its COMMIT with
 * ROLLBACK, which passed for success and lost the writes without a word;
 * SQLite keeps the transaction and saves the rest. */
START_TEST(test_activity_commit_and_failed_transaction)
{
	StoreActivityNew a = { .actor = "t", .action = "lease.released", .entity_type = "lease",
			       .entity_id = "id-c", .entity_name = "e" };
	StoreEnv e, dup;
	Status st;

	mk_env("first", &e);
	ck_assert_int_eq(store_begin(s, &err), ST_OK);
	ck_assert_int_eq(store_activity_add_commit(s, &a, &err), ST_OK);
	ck_assert_int_eq(activity_count("id-c"), 1);
	/* nested: the record, then the outer commit */
	ck_assert_int_eq(store_begin(s, &err), ST_OK);
	ck_assert_int_eq(store_begin(s, &err), ST_OK);
	ck_assert_int_eq(store_activity_add_commit(s, &a, &err), ST_OK);
	ck_assert_int_eq(store_commit(s, &err), ST_OK);
	ck_assert_int_eq(activity_count("id-c"), 2);

	for (int with_record = 0; with_record < 2; with_record++) {
		a.entity_id = with_record ? "id-r" : "id-d";
		ck_assert_int_eq(store_begin(s, &err), ST_OK);
		ck_assert_int_eq(store_activity_add(s, &a, &err), ST_OK);
		memset(&dup, 0, sizeof dup);
		dup.name = strdup("first");
		dup.provider = strdup("fake");
		dup.config = tu_json("{\"provider\":\"fake\"}");
		ck_assert_int_eq(store_env_insert(s, &dup, &err), ST_E_CONFLICT);
		store_env_clear(&dup);
		error_clear(&err);
		st = with_record ? store_activity_add_commit(s, &a, &err) : store_commit(s, &err);
		if (tu_pg()) {
			ck_assert_int_ne(st, ST_OK);
			ck_assert_msg(strstr(err.msg, "rolled back") || strstr(err.msg, "aborted"), "%s",
				      err.msg);
			ck_assert_int_eq(activity_count(a.entity_id), 0);
		} else {
			ck_assert_int_eq(st, ST_OK);
			ck_assert_int_eq(activity_count(a.entity_id), with_record ? 2 : 1);
		}
	}
	/* and the store is usable afterwards */
	ck_assert_int_eq(store_begin(s, &err), ST_OK);
	a.entity_id = "id-after";
	ck_assert_int_eq(store_activity_add_commit(s, &a, &err), ST_OK);
	ck_assert_int_eq(activity_count("id-after"), 1);
	store_env_clear(&e);
}
END_TEST

/* A lease's exec history: only its rows of the one action, oldest first,
 * and after_id resumes a follower past what it printed. */
START_TEST(test_activity_list_action)
{
	StoreActivityNew a = { .actor = "cli:alice", .action = "environment.lease_exec",
			       .entity_type = "lease", .entity_id = "lease-1" };
	StoreActivityList l;
	long long first;

	ck_assert_int_eq(store_activity_add(s, &a, &err), ST_OK);
	a.action = "environment.lease_released";
	ck_assert_int_eq(store_activity_add(s, &a, &err), ST_OK);
	a.action = "environment.lease_exec";
	a.entity_id = "lease-2";
	ck_assert_int_eq(store_activity_add(s, &a, &err), ST_OK);
	a.entity_id = "lease-1";
	a.actor = "cli:bob";
	ck_assert_int_eq(store_activity_add(s, &a, &err), ST_OK);
	ck_assert_int_eq(store_activity_list_action(s, "lease-1", "environment.lease_exec", 0, 0,
						    &l, &err), ST_OK);
	ck_assert_uint_eq(l.count, 2);
	ck_assert_str_eq(l.items[0].actor, "cli:alice");
	ck_assert_str_eq(l.items[1].actor, "cli:bob");
	ck_assert(l.items[0].id < l.items[1].id);
	first = l.items[0].id;
	store_activity_list_clear(&l);
	ck_assert_int_eq(store_activity_list_action(s, "lease-1", "environment.lease_exec", first,
						    0, &l, &err), ST_OK);
	ck_assert_uint_eq(l.count, 1);
	ck_assert_str_eq(l.items[0].actor, "cli:bob");
	store_activity_list_clear(&l);
}
END_TEST

START_TEST(test_check_finds_problems)
{
	StoreCheckReport r;
	StoreEnv e;
	StoreSecret sec;
	StoreSecretNew in = { .name = "x", .value = (const unsigned char *)"v", .value_len = 1 };
	char q[512];

	ck_assert_int_eq(store_check(s, &r, &err), ST_OK);
	ck_assert_uint_eq(r.count, 0);
	store_check_report_clear(&r);
	mk_env("e", &e);
	in.created_by_environment_id = e.id;
	in.created_by_path = "/k";
	ck_assert_int_eq(store_secret_create(s, &in, &sec, &err), ST_OK);
	ck_assert_int_eq(store_check(s, &r, &err), ST_OK);
	ck_assert_uint_eq(r.count, 1);
	ck_assert_msg(strstr(r.problems[0], "orphan secret: x") != NULL, "%s", r.problems[0]);
	store_check_report_clear(&r);
	/* bound, but the config does not hold the id */
	ck_assert_int_eq(store_binding_set(s, sec.id, "environment", e.id, "/k", &err), ST_OK);
	ck_assert_int_eq(store_check(s, &r, &err), ST_OK);
	ck_assert_uint_eq(r.count, 1);
	ck_assert_msg(strstr(r.problems[0], "dangling binding") != NULL, "%s", r.problems[0]);
	store_check_report_clear(&r);
	/* fix it: now clean */
	snprintf(q, sizeof q, "UPDATE environments SET config = json_object('k', '%s')", sec.id);
	tu_sql(path, q);
	ck_assert_int_eq(store_check(s, &r, &err), ST_OK);
	ck_assert_uint_eq(r.count, 0);
	ck_assert_int_eq(r.environments, 1);
	ck_assert_int_eq(r.secrets, 1);
	ck_assert_int_eq(r.bindings, 1);
	store_check_report_clear(&r);
	/* a binding whose environment vanished behind our back */
	tu_sql(path, tu_pg() ? "DROP TRIGGER environments_unbind ON environments; "
			       "DELETE FROM environments;"
			     : "DROP TRIGGER environments_unbind; DELETE FROM environments;");
	ck_assert_int_eq(store_check(s, &r, &err), ST_OK);
	{
		bool gone = false;

		for (size_t i = 0; i < r.count; i++)
			gone = gone || strstr(r.problems[i], "is gone") != NULL;
		ck_assert(gone);
	}
	store_check_report_clear(&r);
	store_secret_clear(&sec);
	store_env_clear(&e);
}
END_TEST

/* PostgreSQL: db backup is SQLite's file copy, and says what to use instead. */
START_TEST(test_backup_pg_refused)
{
	char *bk = tu_path(dir, "backup.db");

	ck_assert_int_eq(store_backup(s, bk, &err), ST_E_UNSUPPORTED);
	ck_assert_msg(strstr(err.msg, "pg_dump") != NULL, "%s", err.msg);
	ck_assert_int_eq(tu_mode(bk), -1);
	free(bk);
}
END_TEST

START_TEST(test_backup)
{
	StoreEnv e;
	char *bk = tu_path(dir, "backup.db");
	char *n;

	mk_env("kept", &e);
	ck_assert_int_eq(store_backup(s, bk, &err), ST_OK);
	ck_assert_int_eq(tu_mode(bk), 0600);
	n = tu_sql_text(bk, "SELECT name FROM environments");
	ck_assert_str_eq(n, "kept");
	free(n);
	n = tu_sql_text(bk, "PRAGMA journal_mode");
	ck_assert_str_eq(n, "delete");
	free(n);
	ck_assert_int_eq(store_backup(s, bk, &err), ST_E_CONFLICT);
	ck_assert_ptr_nonnull(strstr(err.msg, "already exists"));
	free(bk);
	store_env_clear(&e);
}
END_TEST

/* Two processes write the same database at once, each through its own
 * handle, in single statements and in transactions: nothing is lost. */
START_TEST(test_two_processes_write)
{
	enum { PER_CHILD = 150 };
	pid_t pids[2];
	int status;
	char *n;

	for (int c = 0; c < 2; c++) {
		pids[c] = fork();
		ck_assert_int_ge(pids[c], 0);
		if (pids[c] == 0) {
			Store *cs = NULL;
			Error cerr;

			error_clear(&cerr);
			if (store_open(path, &cs, &cerr) != ST_OK)
				_exit(10);
			for (int i = 0; i < PER_CHILD; i++) {
				StoreEnv e = { 0 };
				char name[64];
				StoreActivityNew a = { .actor = "t", .action = "environment.created",
						       .entity_type = "environment" };

				snprintf(name, sizeof name, "c%d-%d", c, i);
				e.name = name;
				e.provider = (char *)"fake";
				if (store_begin(cs, &cerr) != ST_OK)
					_exit(11);
				if (store_env_insert(cs, &e, &cerr) != ST_OK ||
				    store_activity_add(cs, &a, &cerr) != ST_OK) {
					store_rollback(cs);
					_exit(12);
				}
				if (store_commit(cs, &cerr) != ST_OK)
					_exit(13);
				if (store_activity_add(cs, &a, &cerr) != ST_OK)
					_exit(14);
			}
			store_close(cs);
			_exit(0);
		}
	}
	for (int c = 0; c < 2; c++) {
		ck_assert_int_eq(waitpid(pids[c], &status, 0), pids[c]);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exit %d",
			      WEXITSTATUS(status));
	}
	n = tu_sql_text(path, "SELECT (SELECT count(*) FROM environments) || ',' || "
			      "(SELECT count(*) FROM activity)");
	ck_assert_str_eq(n, "300,600");
	free(n);
}
END_TEST

TEST_SUITE(store_rows)
{
	Suite *su = suite_create("store_rows");
	TCase *tc = tcase_create("rows");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_env_crud);
	tcase_add_test(tc, test_env_list_with_probe_and_leases);
	tcase_add_test(tc, test_lease_update_compare_and_set);
	tcase_add_test(tc, test_lease_list_filters_and_windows);
	tcase_add_test(tc, test_lease_walk_with_nested_calls);
	tcase_add_test(tc, test_lease_reuse_candidates);
	tcase_add_test(tc, test_lease_sorted_windows);
	tcase_add_test(tc, test_env_window);
	/* SQLite's query planner and file copy; the rest runs on both backends */
	if (!tu_pg()) {
		tcase_add_test(tc, test_lease_query_plans);
		tcase_add_test(tc, test_lease_sorted_query_plans);
	}
	tcase_add_test(tc, test_lease_counts_follow_writes);
	tcase_add_test(tc, test_change_counter_moves_on_writes);
	tcase_add_test(tc, test_change_fd_wakes_on_other_commit);
	if (tu_pg()) {
		tcase_add_test(tc, test_pg_reconnects_after_drop);
		tcase_add_test(tc, test_pg_schema_from_shared_migrations);
	}
	tcase_add_test(tc, test_lease_needs_environment);
	tcase_add_test(tc, test_lease_update_commit);
	tcase_add_test(tc, test_probes_and_drafts);
	tcase_add_test(tc, test_activity);
	tcase_add_test(tc, test_activity_list_action);
	tcase_add_test(tc, test_activity_commit_and_failed_transaction);
	tcase_add_test(tc, test_check_finds_problems);
	tcase_add_test(tc, tu_pg() ? test_backup_pg_refused : test_backup);
	tcase_add_test(tc, test_two_processes_write);
	suite_add_tcase(su, tc);
	return su;
}
