/* The environment save flow of DESIGN §5.2 (Saving) against real SQLite files, with a
 * test provider whose schema has secret fields at the top, nested and in
 * array items (tests/helpers/testprov.h). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../helpers/testprov.h"
#include "core/environment.h"
#include "core/secrets.h"
#include "schema/schema.h"
#include "storeutil.h"
#include "testutil.h"
#include "util/jsonptr.h"

static App app;
static char *dir, *path;
static Error err;

static void setup(void)
{
	dir = tu_env_app(&app, testprov_register, &err);
	path = strdup(app.db_path);
}

static void teardown(void)
{
	app_clear(&app);
	free(path);
	free(dir);
}

static Status save(const char *target, const char *name, const char *config_json, StoreEnv *out,
		   EnvSaveReport *rep)
{
	EnvSaveInput in = { .target = target, .name = name,
			    .provider = target ? NULL : TESTPROV_KEY };
	cJSON *config = config_json ? tu_json(config_json) : NULL;
	Status st;

	in.config = config;
	error_clear(&err);
	st = env_save(&app, &in, out, rep, &err);
	json_wipe(config);
	return st;
}

static const char *id_at(const StoreEnv *e, const char *ptr)
{
	const cJSON *v = jsonptr_get(e->config, ptr);

	ck_assert_msg(cJSON_IsString(v), "no string at %s", ptr);
	return v->valuestring;
}

static long count(const char *sql)
{
	char *t = tu_sql_text(path, sql);
	long n = atol(t);

	free(t);
	return n;
}

/* Call while the store is open: the WAL only exists while a connection
 * does (the last close checkpoints and removes it). */
static void assert_no_plaintext(const char *needle)
{
	char *wal = tu_path(dir, "envctl.db-wal");

	if (tu_pg()) {
		ck_assert_msg(!tu_file_contains(path, needle), "%s in the database", needle);
		free(wal);
		return;
	}
	ck_assert_msg(tu_mode(wal) == 0600, "the WAL should exist (0600) while the store is open");
	ck_assert_msg(!tu_file_contains(path, needle), "%s in the database file", needle);
	ck_assert_msg(!tu_file_contains(wal, needle), "%s in the WAL", needle);
	free(wal);
}

static void assert_clean(void)
{
	StoreCheckReport r;
	Store *s;

	ck_assert_int_eq(app_store(&app, &s, &err), ST_OK);
	ck_assert_int_eq(store_check(s, &r, &err), ST_OK);
	ck_assert_msg(r.count == 0, "db check: %s", r.count ? r.problems[0] : "");
	store_check_report_clear(&r);
}

#define FULL_CONFIG                                                                         \
	"{\"apiKey\":\"PLAIN-api\",\"bridge\":{\"authToken\":\"PLAIN-bridge\",\"region\":\"eu\"}," \
	"\"hosts\":[{\"name\":\"a\",\"password\":\"PLAIN-host-a\"},{\"name\":\"b\","         \
	"\"password\":\"PLAIN-host-b\"}]}"

START_TEST(test_create_new_values_everywhere)
{
	StoreEnv e;
	EnvSaveReport rep;
	StoreBindingList bl;
	StoreSecret sec;
	cJSON *runtime = NULL, *shown = NULL;
	EnvResolveCtx ctx = { .consumer = "probe" };
	Store *s;
	const cJSON *ref;

	ck_assert_msg(save(NULL, "Prod EU", FULL_CONFIG, &e, &rep) == ST_OK, "%s", err.msg);
	ck_assert_int_eq(rep.secrets_created, 4);
	env_save_report_clear(&rep);
	/* provider key kept; defaults are not filled in (#11: Paperclip stores
	 * a default only when the operator or the provider gives it) */
	ck_assert_str_eq(json_get_string(e.config, "provider"), TESTPROV_KEY);
	ck_assert_ptr_null(cJSON_GetObjectItem(e.config, "port"));
	/* every secret field holds an id, bound at its path */
	ck_assert(id_is_uuid(id_at(&e, "/apiKey")));
	ck_assert(id_is_uuid(id_at(&e, "/bridge/authToken")));
	ck_assert(id_is_uuid(id_at(&e, "/hosts/0/password")));
	ck_assert(id_is_uuid(id_at(&e, "/hosts/1/password")));
	ck_assert_str_eq(id_at(&e, "/bridge/region"), "eu");
	ck_assert_int_eq(app_store(&app, &s, &err), ST_OK);
	ck_assert_int_eq(store_binding_list_target(s, "environment", e.id, &bl, &err), ST_OK);
	ck_assert_uint_eq(bl.count, 4);
	store_binding_list_clear(&bl);
	ck_assert_int_eq(store_secret_get(s, id_at(&e, "/bridge/authToken"), &sec, &err), ST_OK);
	ck_assert_msg(strncmp(sec.name, "environment-vault-test-prod-eu-bridge-authtoken-", 48) == 0,
		      "%s", sec.name);
	ck_assert_uint_eq(strlen(sec.name), 48 + 8);
	ck_assert_str_eq(sec.origin, "environment");
	ck_assert_str_eq(sec.created_by_path, "/bridge/authToken");
	store_secret_clear(&sec);
	/* resolution gives the plaintext back at each path */
	ck_assert_int_eq(env_resolve_runtime_config(&app, &e, &ctx, &runtime, &err), ST_OK);
	ck_assert_str_eq(json_get_string(runtime, "apiKey"), "PLAIN-api");
	ck_assert_str_eq(jsonptr_get(runtime, "/bridge/authToken")->valuestring, "PLAIN-bridge");
	ck_assert_str_eq(jsonptr_get(runtime, "/hosts/1/password")->valuestring, "PLAIN-host-b");
	env_config_wipe(runtime);
	ck_assert_int_eq(count("SELECT count(*) FROM secret_access_events WHERE outcome = 'success' "
			       "AND consumer = 'probe'"),
			 4);
	/* display: references with name and version, never the value */
	ck_assert_int_eq(env_display_config(&app, &e, &shown, &err), ST_OK);
	ref = jsonptr_get(shown, "/hosts/0/password");
	ck_assert(cJSON_IsObject(ref));
	ck_assert_str_eq(json_get_string(ref, "secretRef"), id_at(&e, "/hosts/0/password"));
	ck_assert_ptr_nonnull(json_get_string(ref, "name"));
	ck_assert_int_eq(cJSON_GetObjectItem(ref, "version")->valueint, 1);
	{
		char *text = cJSON_PrintUnformatted(shown);

		ck_assert_ptr_null(strstr(text, "PLAIN"));
		free(text);
	}
	cJSON_Delete(shown);
	/* activity: names only */
	ck_assert_int_eq(count("SELECT count(*) FROM activity WHERE action = 'secret.created'"), 4);
	ck_assert_int_eq(count("SELECT count(*) FROM activity WHERE action = 'environment.created' "
			       "AND changed_fields LIKE '%config/bridge/authToken%'"),
			 1);
	ck_assert_int_eq(count("SELECT count(*) FROM activity WHERE changed_fields LIKE '%PLAIN%' "
			       "OR details LIKE '%PLAIN%' OR entity_name LIKE '%PLAIN%'"),
			 0);
	assert_clean();
	assert_no_plaintext("PLAIN-api");
	assert_no_plaintext("PLAIN-host-b");
	assert_no_plaintext("PLAIN-bridge");
	/* and after the final checkpoint into the main file */
	store_close(app.store);
	app.store = NULL;
	ck_assert(!tu_file_contains(path, "PLAIN-api"));
	ck_assert(!tu_file_contains(path, "PLAIN-host-a"));
	store_env_clear(&e);
}
END_TEST

START_TEST(test_existing_id_and_secret_ref_object)
{
	StoreSecret op, other;
	StoreEnv e;
	char cfg[512];
	EnvSaveReport rep;

	ck_assert_int_eq(secrets_create(&app, "shared-api", NULL, (const unsigned char *)"shared", 6,
					&op, &err),
			 ST_OK);
	ck_assert_int_eq(secrets_create(&app, "shared-bridge", NULL, (const unsigned char *)"sb", 2,
					&other, &err),
			 ST_OK);
	snprintf(cfg, sizeof cfg,
		 "{\"apiKey\":\"%s\",\"bridge\":{\"authToken\":{\"secretRef\":\"%s\",\"name\":\"x\","
		 "\"version\":1}}}",
		 op.id, other.id);
	ck_assert_msg(save(NULL, "refs", cfg, &e, &rep) == ST_OK, "%s", err.msg);
	ck_assert_int_eq(rep.secrets_created, 0);
	env_save_report_clear(&rep);
	ck_assert_str_eq(id_at(&e, "/apiKey"), op.id);
	ck_assert_str_eq(id_at(&e, "/bridge/authToken"), other.id);
	ck_assert_int_eq(count("SELECT count(*) FROM secrets"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM secret_bindings"), 2);
	/* a disabled secret cannot be newly referenced */
	ck_assert_int_eq(secrets_set_status(&app, "shared-api", "disabled", &err), ST_OK);
	snprintf(cfg, sizeof cfg, "{\"apiKey\":\"%s\"}", op.id);
	ck_assert_int_eq(save(NULL, "refs2", cfg, NULL, NULL), ST_E_INVALID);
	ck_assert_msg(strstr(err.msg, "disabled") != NULL, "%s", err.msg);
	ck_assert_int_eq(count("SELECT count(*) FROM environments"), 1);
	/* deleting the environment leaves the operator's secrets alone */
	ck_assert_int_eq(env_delete(&app, "refs", false, &err), ST_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM secrets WHERE status <> 'deleted'"), 2);
	assert_clean();
	store_secret_clear(&op), store_secret_clear(&other);
	store_env_clear(&e);
}
END_TEST

START_TEST(test_empty_value_removes_field_and_secret)
{
	StoreEnv e, e2;
	EnvSaveReport rep;
	char *bridge_id;

	ck_assert_int_eq(save(NULL, "x", FULL_CONFIG, &e, NULL), ST_OK);
	bridge_id = strdup(id_at(&e, "/bridge/authToken"));
	/* "" on an optional secret: the field goes and its secret with it */
	ck_assert_msg(save("x", NULL, "{\"bridge\":{\"authToken\":\"\",\"region\":\"eu\"}}", &e2,
			   &rep) == ST_OK,
		      "%s", err.msg);
	ck_assert_int_eq(rep.secrets_deleted, 1);
	env_save_report_clear(&rep);
	ck_assert_ptr_null(jsonptr_get(e2.config, "/bridge/authToken"));
	{
		char q[256];

		char *st;

		snprintf(q, sizeof q, "SELECT status FROM secrets WHERE id = '%s'", bridge_id);
		st = tu_sql_text(path, q);
		ck_assert_str_eq(st, "deleted");
		free(st);
	}
	/* "" on a required secret: refused, nothing changes */
	ck_assert_int_eq(save("x", NULL, "{\"apiKey\":\"\"}", NULL, NULL), ST_E_INVALID);
	ck_assert_msg(strstr(err.msg, "(/apiKey): required") != NULL, "%s", err.msg);
	ck_assert_int_eq(count("SELECT count(*) FROM secrets WHERE status = 'active'"), 3);
	assert_clean();
	free(bridge_id);
	store_env_clear(&e);
	store_env_clear(&e2);
}
END_TEST

START_TEST(test_reentered_value_rotates)
{
	StoreEnv e, e2;
	EnvSaveReport rep;
	StoreSecret sec;
	char *api;
	bool match = false;

	ck_assert_int_eq(save(NULL, "r", FULL_CONFIG, &e, NULL), ST_OK);
	api = strdup(id_at(&e, "/apiKey"));
	ck_assert_msg(save("r", NULL, "{\"apiKey\":\"PLAIN-api-v2\"}", &e2, &rep) == ST_OK, "%s",
		      err.msg);
	ck_assert_int_eq(rep.secrets_rotated, 1);
	ck_assert_int_eq(rep.secrets_created, 0);
	env_save_report_clear(&rep);
	ck_assert_str_eq(id_at(&e2, "/apiKey"), api); /* same secret, new version */
	ck_assert_int_eq(secrets_get(&app, api, &sec, &err), ST_OK);
	ck_assert_int_eq(sec.current_version, 2);
	store_secret_clear(&sec);
	ck_assert_int_eq(secrets_verify(&app, api, (const unsigned char *)"PLAIN-api-v2", 12, &match,
					NULL, &err),
			 ST_OK);
	ck_assert(match);
	ck_assert_int_eq(count("SELECT count(*) FROM secrets"), 4); /* no orphan, no new one */
	ck_assert_int_eq(count("SELECT count(*) FROM activity WHERE action = 'environment.updated' "
			       "AND changed_fields = '[\"config/apiKey\"]'"),
			 1);
	/* the same value again: nothing to rotate */
	store_env_clear(&e2);
	ck_assert_int_eq(save("r", NULL, "{\"apiKey\":\"PLAIN-api-v2\"}", &e2, &rep), ST_OK);
	ck_assert_int_eq(rep.secrets_rotated, 0);
	env_save_report_clear(&rep);
	ck_assert_int_eq(secrets_get(&app, api, &sec, &err), ST_OK);
	ck_assert_int_eq(sec.current_version, 2);
	store_secret_clear(&sec);
	assert_clean();
	free(api);
	store_env_clear(&e);
	store_env_clear(&e2);
}
END_TEST

/* A new value where an operator's shared secret was referenced: a new
 * secret for this environment; the shared one is not rotated under
 * everybody else. */
START_TEST(test_reentered_over_shared_secret)
{
	StoreSecret op;
	StoreEnv e, e2;
	char cfg[256];
	bool match = false;

	ck_assert_int_eq(secrets_create(&app, "shared", NULL, (const unsigned char *)"shared-v1", 9,
					&op, &err),
			 ST_OK);
	snprintf(cfg, sizeof cfg, "{\"apiKey\":\"%s\"}", op.id);
	ck_assert_int_eq(save(NULL, "s", cfg, &e, NULL), ST_OK);
	ck_assert_int_eq(save("s", NULL, "{\"apiKey\":\"mine-now\"}", &e2, NULL), ST_OK);
	ck_assert_str_ne(id_at(&e2, "/apiKey"), op.id);
	ck_assert_int_eq(secrets_verify(&app, "shared", (const unsigned char *)"shared-v1", 9,
					&match, NULL, &err),
			 ST_OK);
	ck_assert(match);
	ck_assert_int_eq(count("SELECT count(*) FROM secrets WHERE status = 'active'"), 2);
	assert_clean(); /* the operator's unbound secret is not an orphan */
	store_secret_clear(&op);
	store_env_clear(&e);
	store_env_clear(&e2);
}
END_TEST

START_TEST(test_array_items_shift)
{
	StoreEnv e, e2;
	char cfg[512];
	char *pw_b;
	EnvSaveReport rep;

	ck_assert_int_eq(save(NULL, "arr", FULL_CONFIG, &e, NULL), ST_OK);
	pw_b = strdup(id_at(&e, "/hosts/1/password"));
	/* host a removed; b (keeping its secret id) moves to index 0 */
	snprintf(cfg, sizeof cfg, "{\"hosts\":[{\"name\":\"b\",\"password\":\"%s\"}]}", pw_b);
	ck_assert_msg(save("arr", NULL, cfg, &e2, &rep) == ST_OK, "%s", err.msg);
	ck_assert_int_eq(rep.secrets_deleted, 1);
	env_save_report_clear(&rep);
	ck_assert_str_eq(id_at(&e2, "/hosts/0/password"), pw_b);
	ck_assert_int_eq(count("SELECT count(*) FROM secret_bindings WHERE config_path LIKE "
			       "'/hosts/%'"),
			 1);
	ck_assert_int_eq(count("SELECT count(*) FROM secrets WHERE status = 'active'"), 3);
	assert_clean();
	free(pw_b);
	store_env_clear(&e);
	store_env_clear(&e2);
}
END_TEST

START_TEST(test_validation_before_anything_is_written)
{
	EnvSaveReport rep;
	StoreEnv e;

	/* the provider's own check */
	ck_assert_int_eq(save(NULL, "v", "{\"apiKey\":\"PLAIN-x\",\"endpoint\":\"reject\"}", NULL,
			      NULL),
			 ST_E_INVALID);
	ck_assert_msg(strstr(err.msg, "endpoint \"reject\" is refused") != NULL, "%s", err.msg);
	/* the schema, every problem at once */
	ck_assert_int_eq(save(NULL, "v", "{\"apiKey\":\"PLAIN-x\",\"port\":70000,\"nope\":1}", NULL,
			      NULL),
			 ST_E_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "(/port): must be at most 65535"));
	ck_assert_ptr_nonnull(strstr(err.msg, "/nope: unknown field"));
	ck_assert_ptr_null(strstr(err.msg, "PLAIN"));
	ck_assert_int_eq(count("SELECT count(*) FROM secrets"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM environments"), 0);
	/* a taken name rolls the new secrets back too */
	ck_assert_int_eq(save(NULL, "v", "{\"apiKey\":\"PLAIN-x\"}", NULL, NULL), ST_OK);
	ck_assert_int_eq(save(NULL, "v", "{\"apiKey\":\"PLAIN-y\"}", NULL, NULL), ST_E_CONFLICT);
	ck_assert_int_eq(count("SELECT count(*) FROM secrets"), 1);
	/* the provider's normalized config replaces the input; warnings come back */
	ck_assert_int_eq(save(NULL, "n", "{\"apiKey\":\"k\",\"endpoint\":\"https://h.test/\"}", &e,
			      &rep),
			 ST_OK);
	ck_assert_str_eq(json_get_string(e.config, "endpoint"), "https://h.test");
	/* the provider's own warning, and ours: a value the operator gave was
	 * replaced, which is never silent (#19) */
	ck_assert_int_eq(cJSON_GetArraySize(rep.warnings), 2);
	ck_assert_str_eq(cJSON_GetArrayItem(rep.warnings, 0)->valuestring, "dropped a trailing slash");
	ck_assert_msg(strstr(cJSON_GetArrayItem(rep.warnings, 1)->valuestring,
			     "(/endpoint): provider vault-test replaced the value you gave "
			     "(\"https://h.test/\") with \"https://h.test\"") != NULL,
		      "%s", cJSON_GetArrayItem(rep.warnings, 1)->valuestring);
	env_save_report_clear(&rep);
	store_env_clear(&e);
	assert_clean();
}
END_TEST

START_TEST(test_edit_merges_like_patch)
{
	StoreEnv e, e2;
	EnvSaveInput in = { 0 };
	cJSON *v = cJSON_CreateString("us");
	EnvSet set = { .pointer = "/bridge/region", .value = v };
	cJSON *patch = tu_json("{\"port\":9000,\"hosts\":null}");

	ck_assert_int_eq(save(NULL, "m", FULL_CONFIG, &e, NULL), ST_OK);
	in.target = "m";
	in.name = "m2";
	in.description = "renamed";
	in.config = patch;
	in.sets = &set;
	in.set_count = 1;
	ck_assert_msg(env_save(&app, &in, &e2, NULL, &err) == ST_OK, "%s", err.msg);
	ck_assert_str_eq(e2.name, "m2");
	ck_assert_str_eq(e2.description, "renamed");
	ck_assert_int_eq(cJSON_GetObjectItem(e2.config, "port")->valueint, 9000);
	ck_assert_ptr_null(cJSON_GetObjectItem(e2.config, "hosts"));
	ck_assert_str_eq(id_at(&e2, "/bridge/region"), "us");
	ck_assert_str_eq(id_at(&e2, "/apiKey"), id_at(&e, "/apiKey")); /* untouched */
	ck_assert_int_eq(count("SELECT count(*) FROM secrets WHERE status = 'active'"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM activity WHERE action = 'environment.updated' "
			       "AND changed_fields LIKE '%\"name\"%' AND changed_fields LIKE "
			       "'%config/port%' AND changed_fields LIKE '%config/hosts/0/password%'"),
			 1);
	/* provider cannot change */
	in.provider = "fake";
	in.target = "m2";
	in.config = NULL;
	in.sets = NULL;
	in.set_count = 0;
	ck_assert_int_eq(env_save(&app, &in, NULL, NULL, &err), ST_E_INVALID);
	assert_clean();
	cJSON_Delete(v);
	cJSON_Delete(patch);
	store_env_clear(&e);
	store_env_clear(&e2);
}
END_TEST

/* Another console saves while this one's provider check runs. */
static char *race_path;

static Status race_validate(Provider *p, const cJSON *config, ValidateResult *out, Error *e)
{
	Store *other = NULL;
	StoreEnv env;

	(void)p;
	(void)config;
	memset(out, 0, sizeof *out);
	out->ok = true;
	if (store_open(race_path, &other, e) != ST_OK)
		return e->status;
	if (store_env_get(other, "race", &env, e) == ST_OK) {
		store_env_update(other, &env, e);
		store_env_clear(&env);
	}
	store_close(other);
	return ST_OK;
}

static const ProviderOps race_ops = { .validate_config = race_validate };

START_TEST(test_concurrent_edit_refused)
{
	Provider *p = provider_new(&race_ops, "racer", "Racer", "", PROVIDER_BUILTIN, 0,
				   tu_json("{\"type\":\"object\"}"), "test", NULL);
	EnvSaveInput in = { .name = "race", .provider = "racer" };
	cJSON *patch = tu_json("{\"x\":1}");

	ck_assert_int_eq(registry_add(&app.registry, p, &err), ST_OK);
	race_path = path;
	ck_assert_msg(env_save(&app, &in, NULL, NULL, &err) == ST_OK, "%s", err.msg);
	in.target = "race";
	in.name = NULL;
	in.config = patch;
	ck_assert_int_eq(env_save(&app, &in, NULL, NULL, &err), ST_E_CONFLICT);
	ck_assert_ptr_nonnull(strstr(err.msg, "changed by someone else"));
	cJSON_Delete(patch);
}
END_TEST

/* The form's lost-update guard (#14): a save that names the revision it
 * read is refused once someone else saved, and changes nothing. */
START_TEST(test_expect_revision)
{
	StoreEnv e, after;
	EnvSaveInput in = { 0 };
	long rev;

	ck_assert_int_eq(save(NULL, "rv", FULL_CONFIG, &e, NULL), ST_OK);
	rev = e.revision;
	in.target = "rv";
	in.description = "theirs";
	ck_assert_msg(env_save(&app, &in, NULL, NULL, &err) == ST_OK, "%s", err.msg);
	in.description = "mine";
	in.expect_revision = rev;
	ck_assert_int_eq(env_save(&app, &in, NULL, NULL, &err), ST_E_CONFLICT);
	ck_assert_ptr_nonnull(strstr(err.msg, "changed elsewhere since revision"));
	ck_assert_int_eq(env_get(&app, "rv", &after, &err), ST_OK);
	ck_assert_str_eq(after.description, "theirs");
	in.expect_revision = after.revision;
	ck_assert_msg(env_save(&app, &in, NULL, NULL, &err) == ST_OK, "%s", err.msg);
	store_env_clear(&after);
	store_env_clear(&e);
}
END_TEST

START_TEST(test_delete_rules)
{
	StoreEnv e;
	StoreLease l = { 0 };
	Store *s;

	ck_assert_int_eq(save(NULL, "d", FULL_CONFIG, &e, NULL), ST_OK);
	ck_assert_int_eq(app_store(&app, &s, &err), ST_OK);
	snprintf(l.environment_id, sizeof l.environment_id, "%s", e.id);
	l.provider = (char *)TESTPROV_KEY;
	ck_assert_int_eq(store_lease_insert(s, &l, &err), ST_OK);
	ck_assert_int_eq(env_delete(&app, "d", false, &err), ST_E_CONFLICT);
	ck_assert_msg(strstr(err.msg, "1 lease still holding a sandbox") != NULL, "%s", err.msg);
	ck_assert_int_eq(count("SELECT count(*) FROM environments"), 1);
	ck_assert_int_eq(env_delete(&app, "d", true, &err), ST_OK);
	ck_assert_int_eq(count("SELECT count(*) FROM environments"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM secrets WHERE status <> 'deleted'"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM secret_bindings"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM secret_versions WHERE material IS NOT NULL"), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM activity WHERE action = 'secret.deleted'"), 4);
	ck_assert_int_eq(count("SELECT count(*) FROM activity WHERE action = 'environment.deleted'"),
			 1);
	ck_assert_int_eq(env_delete(&app, "d", false, &err), ST_E_NOT_FOUND);
	assert_clean();
	store_env_clear(&e);
}
END_TEST

START_TEST(test_archive_and_readonly)
{
	StoreEnv e;

	ck_assert_int_eq(save(NULL, "a", "{\"apiKey\":\"k\"}", &e, NULL), ST_OK);
	ck_assert_int_eq(env_archive(&app, "a", true, &err), ST_OK);
	store_env_clear(&e);
	ck_assert_int_eq(env_get(&app, "a", &e, &err), ST_OK);
	ck_assert_str_eq(e.status, "archived");
	ck_assert_int_eq(env_archive(&app, e.id, false, &err), ST_OK);
	app.readonly = true;
	ck_assert_int_eq(save(NULL, "b", "{\"apiKey\":\"k\"}", NULL, NULL), ST_E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(err.msg, "read-only"));
	ck_assert_int_eq(env_delete(&app, "a", false, &err), ST_E_UNSUPPORTED);
	ck_assert_int_eq(secrets_delete(&app, "x", false, &err), ST_E_UNSUPPORTED);
	app.readonly = false;
	ck_assert_int_eq(count("SELECT count(*) FROM activity WHERE action = 'environment.updated' "
			       "AND changed_fields = '[\"status\"]'"),
			 2);
	store_env_clear(&e);
}
END_TEST

START_TEST(test_resolution_rules)
{
	StoreEnv e;
	cJSON *runtime = NULL;
	EnvResolveCtx ctx = { .consumer = "acquire", .lease_id = "lease-1", .run_id = "run-1" };

	ck_assert_int_eq(save(NULL, "res", "{\"apiKey\":\"PLAIN-res\"}", &e, NULL), ST_OK);
	ck_assert_int_eq(secrets_set_status(&app, id_at(&e, "/apiKey"), "disabled", &err), ST_OK);
	ck_assert_int_eq(env_resolve_runtime_config(&app, &e, &ctx, &runtime, &err), ST_E_CRYPTO);
	ck_assert_ptr_null(runtime);
	ck_assert_msg(strstr(err.msg, "environment res:") && strstr(err.msg, "disabled"), "%s",
		      err.msg);
	ck_assert_int_eq(count("SELECT count(*) FROM secret_access_events WHERE outcome = "
			       "'failure' AND lease_id = 'lease-1' AND run_id = 'run-1' AND "
			       "config_path = '/apiKey'"),
			 1);
	/* a binding that went missing is refused, not guessed */
	tu_sql(path, "DELETE FROM secret_bindings");
	ck_assert_int_eq(secrets_set_status(&app, id_at(&e, "/apiKey"), "active", &err), ST_OK);
	ck_assert_int_eq(env_resolve_runtime_config(&app, &e, &ctx, &runtime, &err), ST_E_CRYPTO);
	ck_assert_ptr_nonnull(strstr(err.msg, "not bound"));
	store_env_clear(&e);
}
END_TEST

START_TEST(test_parse_set)
{
	char *ptr = NULL;
	cJSON *v = NULL;

	ck_assert_int_eq(env_parse_set(&app, TESTPROV_KEY, "port=8080", &ptr, &v, &err), ST_OK);
	ck_assert_str_eq(ptr, "/port");
	ck_assert(cJSON_IsNumber(v) && v->valueint == 8080);
	free(ptr), cJSON_Delete(v);
	ck_assert_int_eq(env_parse_set(&app, TESTPROV_KEY, "/hosts/3/name=web", &ptr, &v, &err),
			 ST_OK);
	ck_assert_str_eq(v->valuestring, "web");
	free(ptr), cJSON_Delete(v);
	ck_assert_int_eq(env_parse_set(&app, TESTPROV_KEY, "/port=", &ptr, &v, &err), ST_OK);
	ck_assert_ptr_null(v); /* empty: remove */
	free(ptr);
	ck_assert_int_eq(env_parse_set(&app, TESTPROV_KEY, "/port=12a", &ptr, &v, &err),
			 ST_E_INVALID);
	ck_assert_int_eq(env_parse_set(&app, TESTPROV_KEY, "/apiKey=hunter2", &ptr, &v, &err),
			 ST_E_USAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "--config-file"));
	ck_assert_ptr_null(strstr(err.msg, "hunter2"));
	ck_assert_int_eq(env_parse_set(&app, TESTPROV_KEY, "/hosts/0/password=hunter2", &ptr, &v,
				       &err),
			 ST_E_USAGE);
	ck_assert_ptr_null(strstr(err.msg, "hunter2"));
	ck_assert_int_eq(env_parse_set(&app, TESTPROV_KEY, "noequals", &ptr, &v, &err), ST_E_USAGE);
	ck_assert_int_eq(env_parse_set(&app, "nope", "a=b", &ptr, &v, &err), ST_E_NOT_FOUND);
}
END_TEST

/* Regression: only a pointer that names a secret was refused, so setting
 * its parent (an object, an array, an item) put the plaintext through argv
 * and into the store. */
START_TEST(test_parse_set_refuses_nested_secrets)
{
	static const char *const refused[][2] = {
		{ "/bridge={\"authToken\":\"hunter2\",\"region\":\"eu\"}", "/bridge/authToken" },
		{ "/hosts=[{\"name\":\"a\"},{\"name\":\"b\",\"password\":\"hunter2\"}]",
		  "/hosts/1/password" },
		{ "/hosts/4={\"name\":\"b\",\"password\":\"hunter2\"}", "/hosts/4/password" },
		{ "/hosts/-={\"name\":\"b\",\"password\":\"hunter2\"}", "/hosts/-/password" },
	};
	char *ptr = NULL;
	cJSON *v = NULL;

	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		ck_assert_msg(env_parse_set(&app, TESTPROV_KEY, refused[i][0], &ptr, &v, &err) ==
				      ST_E_USAGE,
			      "%s was taken", refused[i][0]);
		ck_assert_ptr_null(v);
		ck_assert_ptr_null(ptr);
		ck_assert_msg(strstr(err.msg, refused[i][1]) != NULL, "%s", err.msg);
		ck_assert_ptr_nonnull(strstr(err.msg, "--config-file"));
		ck_assert_ptr_null(strstr(err.msg, "hunter2"));
	}
	/* The same objects without the secret (or with it emptied) are fine. */
	ck_assert_int_eq(env_parse_set(&app, TESTPROV_KEY, "/bridge={\"region\":\"eu\"}", &ptr, &v,
				       &err),
			 ST_OK);
	free(ptr), cJSON_Delete(v);
	ck_assert_int_eq(env_parse_set(&app, TESTPROV_KEY,
				       "/hosts=[{\"name\":\"a\",\"password\":\"\"}]", &ptr, &v, &err),
			 ST_OK);
	free(ptr), cJSON_Delete(v);
	/* A reference to a stored secret holds no value: fine inside a value
	 * too, in either shape (checked against the store at save). */
	ck_assert_msg(env_parse_set(&app, TESTPROV_KEY,
				    "/bridge={\"authToken\":{\"secretRef\":\"0b9f7c1e-1111-4222-8333-"
				    "944455556666\"}}",
				    &ptr, &v, &err) == ST_OK,
		      "%s", err.msg);
	free(ptr), cJSON_Delete(v);
	ck_assert_msg(env_parse_set(&app, TESTPROV_KEY,
				    "/bridge={\"authToken\":{\"type\":\"secret_ref\",\"secretId\":"
				    "\"0b9f7c1e-1111-4222-8333-944455556666\"}}",
				    &ptr, &v, &err) == ST_OK,
		      "%s", err.msg);
	free(ptr), cJSON_Delete(v);
}
END_TEST

START_TEST(test_fake_provider_saves)
{
	StoreEnv e;
	EnvSaveInput in = { .name = "demo", .provider = "fake" };

	ck_assert_msg(env_save(&app, &in, &e, NULL, &err) == ST_OK, "%s", err.msg);
	ck_assert_str_eq(json_get_string(e.config, "image"), "ubuntu:24.04");
	ck_assert_str_eq(json_get_string(e.config, "provider"), "fake");
	ck_assert_str_eq(e.config->child->string, "provider");
	store_env_clear(&e);
}
END_TEST

TEST_SUITE(env_save)
{
	Suite *s = suite_create("env_save");
	TCase *tc = tcase_create("save");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_create_new_values_everywhere);
	tcase_add_test(tc, test_existing_id_and_secret_ref_object);
	tcase_add_test(tc, test_empty_value_removes_field_and_secret);
	tcase_add_test(tc, test_reentered_value_rotates);
	tcase_add_test(tc, test_reentered_over_shared_secret);
	tcase_add_test(tc, test_array_items_shift);
	tcase_add_test(tc, test_validation_before_anything_is_written);
	tcase_add_test(tc, test_edit_merges_like_patch);
	tcase_add_test(tc, test_concurrent_edit_refused);
	tcase_add_test(tc, test_delete_rules);
	tcase_add_test(tc, test_archive_and_readonly);
	tcase_add_test(tc, test_resolution_rules);
	tcase_add_test(tc, test_parse_set);
	tcase_add_test(tc, test_parse_set_refuses_nested_secrets);
	tcase_add_test(tc, test_fake_provider_saves);
	tcase_add_test(tc, test_expect_revision);
	suite_add_tcase(s, tc);
	return s;
}
