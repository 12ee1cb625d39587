/* core/query (#18): the console's reads. The environment detail in one
 * read with each part's own outcome, a worker thread's App that owns only
 * its store handle and actor, and the change descriptor that never opens
 * a store. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../helpers/testprov.h"
#include "core/lib.h"
#include "storeutil.h"
#include "testutil.h"

static App app;
static char *dir, *path;
static Error err;

static void setup(void)
{
	dir = tu_store_dir();
	path = tu_db_path(dir);
	memset(&app, 0, sizeof app);
	error_clear(&err);
	ck_assert_int_eq(registry_init(&app.registry, tu_forms_dir(), &err), ST_OK);
	ck_assert_int_eq(testprov_register(&app.registry, &err), ST_OK);
	app.db_path = strdup(path);
	ck_assert_int_eq(app_set_actor(&app, "test", &err), ST_OK);
}

static void teardown(void)
{
	app_clear(&app);
	free(path);
	free(dir);
}

static void save_env(const char *name, StoreEnv *out)
{
	EnvSaveInput in = { .name = name, .provider = TESTPROV_KEY };
	EnvSaveReport rep;
	cJSON *config = tu_json("{\"apiKey\":\"PLAIN-api\"}");

	in.config = config;
	memset(&rep, 0, sizeof rep);
	ck_assert_msg(env_save(&app, &in, out, &rep, &err) == ST_OK, "%s", err.msg);
	cJSON_Delete(config);
	env_save_report_clear(&rep);
}

static void add_lease(const char *env_id)
{
	StoreLease l = { 0 };
	Store *s;

	ck_assert_int_eq(app_store(&app, &s, &err), ST_OK);
	snprintf(l.environment_id, sizeof l.environment_id, "%s", env_id);
	l.provider = (char *)TESTPROV_KEY;
	ck_assert_msg(store_lease_insert(s, &l, &err) == ST_OK, "%s", err.msg);
	l.provider = NULL; /* not the row's to free */
	store_lease_clear(&l);
}

START_TEST(test_env_detail)
{
	StoreEnv e, other;
	QueryEnvDetail d;

	save_env("web", &e);
	save_env("db", &other);
	for (int i = 0; i < 3; i++)
		add_lease(e.id);
	add_lease(other.id);
	ck_assert_int_eq(query_env_detail(&app, "web", 2, &d, &err), ST_OK);
	ck_assert_str_eq(d.env.name, "web");
	/* The limit holds, and only this environment's leases come. */
	ck_assert_uint_eq(d.lease_count, 2);
	for (size_t i = 0; i < d.lease_count; i++) {
		ck_assert_str_eq(d.leases[i].environment_id, e.id);
		ck_assert(lease_status_is(d.leases[i].status, LEASE_ACTIVE));
	}
	ck_assert_int_eq(d.leases_err.status, ST_OK);
	ck_assert_int_eq(d.probes_err.status, ST_OK);
	ck_assert_uint_eq(d.probes.count, 0);
	ck_assert_int_eq(d.activity_err.status, ST_OK);
	ck_assert_uint_ge(d.activity.count, 1); /* its creation */
	query_env_detail_clear(&d);
	ck_assert_ptr_null(d.leases);
	ck_assert_uint_eq(d.lease_count, 0);
	store_env_clear(&e);
	store_env_clear(&other);
}
END_TEST

START_TEST(test_env_detail_missing)
{
	QueryEnvDetail d;

	ck_assert_int_eq(query_env_detail(&app, "nope", 10, &d, &err), ST_E_NOT_FOUND);
	ck_assert_uint_eq(d.lease_count, 0);
	query_env_detail_clear(&d);
}
END_TEST

START_TEST(test_worker_app_owns_store_and_actor)
{
	App w;
	Store *ps, *ws;
	char before[256];

	ck_assert_int_eq(app_store(&app, &ps, &err), ST_OK);
	snprintf(before, sizeof before, "%s", app_actor(&app));
	ck_assert_int_eq(query_worker_init(&w, &app, "test", &err), ST_OK);
	ck_assert_ptr_null(w.store);
	/* Its own string: the worker's store opening rewrites the worker's
	 * actor in place, never the console's. */
	ck_assert_ptr_ne(w.actor, app.actor);
	ck_assert_int_eq(app_store(&w, &ws, &err), ST_OK);
	ck_assert_ptr_ne(ws, ps);
	ck_assert_str_eq(app_actor(&w), before);
	query_worker_clear(&w);
	ck_assert_ptr_null(w.store);
	ck_assert_ptr_null(w.actor);
	/* The console's App is whole. */
	ck_assert_ptr_eq(app.store, ps);
	ck_assert_str_eq(app_actor(&app), before);
}
END_TEST

START_TEST(test_change_fd_opens_nothing)
{
	ck_assert_int_eq(query_change_fd(&app), -1);
	ck_assert_ptr_null(app.store);
}
END_TEST

TEST_SUITE(query)
{
	Suite *s = suite_create("query");
	TCase *tc = tcase_create("query");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_env_detail);
	tcase_add_test(tc, test_env_detail_missing);
	tcase_add_test(tc, test_worker_app_owns_store_and_actor);
	tcase_add_test(tc, test_change_fd_opens_nothing);
	suite_add_tcase(s, tc);
	return s;
}
