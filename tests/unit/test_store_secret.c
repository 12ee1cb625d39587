/* Secrets at rest: encryption round trip, fingerprints, rotation, every
 * tamper case, resolution rules and access events, delete rules. */
#include <check.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "storeutil.h"
#include "testutil.h"

#define PLAIN "s3cr3t-Plaintext-Value-42"

typedef struct Fixture {
	char *dir;
	char *path;
	Store *s;
	Error err;
} Fixture;

static void fx_open(Fixture *f)
{
	f->dir = tu_store_dir();
	f->path = tu_db_path(f->dir);
	f->s = tu_store_open(f->dir);
	error_clear(&f->err);
}

static void fx_close(Fixture *f)
{
	store_close(f->s);
	free(f->path);
	free(f->dir);
}

static void mk_secret(Fixture *f, const char *name, const char *value, StoreSecret *out)
{
	StoreSecretNew in = { .name = name, .value = (const unsigned char *)value,
			      .value_len = strlen(value) };

	ck_assert_msg(store_secret_create(f->s, &in, out, &f->err) == ST_OK, "%s", f->err.msg);
}

static void mk_env(Fixture *f, const char *name, const char *config, StoreEnv *out)
{
	memset(out, 0, sizeof *out);
	out->name = strdup(name);
	out->provider = strdup("fake");
	out->config = tu_json(config);
	ck_assert_msg(store_env_insert(f->s, out, &f->err) == ST_OK, "%s", f->err.msg);
}

static Status resolve(Fixture *f, const char *sid, const char *env, const char *path,
		      char **value)
{
	StoreResolve r = { .secret_id = sid, .consumer = "probe", .environment_id = env,
			   .config_path = path, .run_id = "run-1" };
	size_t len = 0;
	Status st;

	error_clear(&f->err);
	st = store_secret_resolve(f->s, &r, value, &len, &f->err);
	if (st == ST_OK)
		ck_assert_uint_eq(len, strlen(*value));
	else
		ck_assert_ptr_null(*value);
	return st;
}

START_TEST(test_create_encrypts_and_resolves)
{
	Fixture f;
	StoreSecret sec;
	StoreEnv env;
	char *value = NULL, *cfg, q[256];
	StoreAccessEventList ev;

	fx_open(&f);
	mk_secret(&f, "api", PLAIN, &sec);
	ck_assert_str_eq(sec.status, "active");
	ck_assert_str_eq(sec.provider, "local_encrypted");
	ck_assert_str_eq(sec.origin, "operator");
	ck_assert_int_eq(sec.current_version, 1);
	ck_assert_int_eq(sec.latest_version, 1);
	ck_assert_ptr_null(sec.last_resolved_at);
	snprintf(q, sizeof q, "{\"token\":\"%s\"}", sec.id);
	mk_env(&f, "e1", q, &env);
	/* not bound yet: refused, and the refusal is an access event */
	ck_assert_int_eq(resolve(&f, sec.id, env.id, "/token", &value), ST_E_CRYPTO);
	ck_assert_ptr_nonnull(strstr(f.err.msg, "not bound"));
	ck_assert_int_eq(store_binding_set(f.s, sec.id, "environment", env.id, "/token", &f.err),
			 ST_OK);
	ck_assert_int_eq(resolve(&f, sec.id, env.id, "/token", &value), ST_OK);
	ck_assert_str_eq(value, PLAIN);
	store_secret_value_free(value, strlen(PLAIN));
	/* bound at another path is not bound at this one */
	ck_assert_int_eq(resolve(&f, sec.id, env.id, "/other", &value), ST_E_CRYPTO);
	ck_assert_int_eq(store_access_event_list(f.s, sec.id, 0, &ev, &f.err), ST_OK);
	ck_assert_uint_eq(ev.count, 3);
	ck_assert_str_eq(ev.items[0].outcome, "failure");
	ck_assert_str_eq(ev.items[1].outcome, "success");
	ck_assert_int_eq(ev.items[1].version, 1);
	ck_assert_str_eq(ev.items[1].consumer, "probe");
	ck_assert_str_eq(ev.items[1].run_id, "run-1");
	ck_assert_str_eq(ev.items[1].config_path, "/token");
	ck_assert_str_eq(ev.items[2].outcome, "failure");
	store_access_event_list_clear(&ev);
	store_secret_clear(&sec);
	ck_assert_int_eq(store_secret_get(f.s, "api", &sec, &f.err), ST_OK);
	ck_assert_ptr_nonnull(sec.last_resolved_at);
	ck_assert_uint_eq(sec.bindings.count, 1);
	ck_assert_str_eq(sec.bindings.items[0].target_name, "e1");
	ck_assert_str_eq(sec.bindings.items[0].config_path, "/token");
	if (tu_pg()) {
		/* PostgreSQL: the stored bytes hold no plaintext */
		cfg = tu_sql_text(f.path, "SELECT count(*) FROM secret_versions WHERE "
					  "position(convert_to('" PLAIN "', 'UTF8') IN material) > 0");
		ck_assert_str_eq(cfg, "0");
		free(cfg);
		cfg = tu_sql_text(f.path, "SELECT count(*) FROM secret_versions");
		ck_assert_str_eq(cfg, "1");
		free(cfg);
		/* the whole-database search (tu_file_contains) finds what is
		 * there and not the value */
		ck_assert(tu_file_contains(f.path, "e1"));
		ck_assert(!tu_file_contains(f.path, PLAIN));
		store_secret_clear(&sec);
		store_env_clear(&env);
		fx_close(&f);
		return;
	}
	/* the database file and its WAL (present while open) hold no plaintext */
	cfg = tu_path(f.dir, "envctl.db-wal");
	ck_assert_int_eq(tu_mode(cfg), 0600);
	ck_assert(!tu_file_contains(cfg, PLAIN));
	ck_assert(!tu_file_contains(f.path, PLAIN));
	free(cfg);
	store_close(f.s);
	f.s = NULL;
	ck_assert(!tu_file_contains(f.path, PLAIN));
	store_secret_clear(&sec);
	store_env_clear(&env);
	fx_close(&f);
}
END_TEST

START_TEST(test_rotate_and_verify)
{
	Fixture f;
	StoreSecret sec;
	long v = 0;
	bool match = false;
	char q[256], *t;

	fx_open(&f);
	mk_secret(&f, "api", "one", &sec);
	ck_assert_int_eq(store_secret_verify(f.s, "api", (const unsigned char *)"one", 3, &match,
					     &f.err),
			 ST_OK);
	ck_assert(match);
	ck_assert_int_eq(store_secret_verify(f.s, sec.id, (const unsigned char *)"onf", 3, &match,
					     &f.err),
			 ST_OK);
	ck_assert(!match);
	ck_assert_int_eq(store_secret_rotate(f.s, "api", (const unsigned char *)"two", 3, &v,
					     &f.err),
			 ST_OK);
	ck_assert_int_eq(v, 2);
	ck_assert_int_eq(store_secret_verify(f.s, "api", (const unsigned char *)"one", 3, &match,
					     &f.err),
			 ST_OK);
	ck_assert(!match);
	ck_assert_int_eq(store_secret_verify(f.s, "api", (const unsigned char *)"two", 3, &match,
					     &f.err),
			 ST_OK);
	ck_assert(match);
	snprintf(q, sizeof q,
		 "SELECT group_concat(version || ':' || status || ':' || "
		 "(CASE WHEN material IS NULL THEN 0 ELSE 1 END), ',') "
		 "FROM (SELECT * FROM secret_versions WHERE secret_id = '%s' ORDER BY version) v",
		 sec.id);
	t = tu_sql_text(f.path, q);
	ck_assert_str_eq(t, "1:previous:1,2:current:1");
	free(t);
	ck_assert_int_eq(store_secret_rotate(f.s, "api", (const unsigned char *)"three", 5, &v,
					     &f.err),
			 ST_OK);
	t = tu_sql_text(f.path, q);
	ck_assert_str_eq(t, "1:destroyed:0,2:previous:1,3:current:1");
	free(t);
	store_secret_clear(&sec);
	ck_assert_int_eq(store_secret_get(f.s, "api", &sec, &f.err), ST_OK);
	ck_assert_int_eq(sec.current_version, 3);
	ck_assert_ptr_nonnull(sec.last_rotated_at);
	/* empty values are refused */
	ck_assert_int_eq(store_secret_rotate(f.s, "api", (const unsigned char *)"", 0, &v, &f.err),
			 ST_E_INVALID);
	store_secret_clear(&sec);
	fx_close(&f);
}
END_TEST

START_TEST(test_fingerprint_is_keyed_and_per_secret)
{
	Fixture f;
	StoreSecret a, b;
	char q[256], *fa, *fb;

	fx_open(&f);
	mk_secret(&f, "a", "same-value", &a);
	mk_secret(&f, "b", "same-value", &b);
	snprintf(q, sizeof q, "SELECT hex(fingerprint) FROM secret_versions WHERE secret_id = '%s'",
		 a.id);
	fa = tu_sql_text(f.path, q);
	snprintf(q, sizeof q, "SELECT hex(fingerprint) FROM secret_versions WHERE secret_id = '%s'",
		 b.id);
	fb = tu_sql_text(f.path, q);
	ck_assert_uint_eq(strlen(fa), 64);
	ck_assert_str_ne(fa, fb); /* equal values do not show as equal */
	free(fa), free(fb);
	store_secret_clear(&a), store_secret_clear(&b);
	fx_close(&f);
}
END_TEST

/* Sets up one bound secret per name; returns the env id via out. */
static void bound_secret(Fixture *f, const char *name, const char *value, StoreSecret *sec,
			 StoreEnv *env)
{
	char q[256];

	mk_secret(f, name, value, sec);
	snprintf(q, sizeof q, "{\"k\":\"%s\"}", sec->id);
	mk_env(f, name, q, env);
	ck_assert_int_eq(store_binding_set(f->s, sec->id, "environment", env->id, "/k", &f->err),
			 ST_OK);
}

START_TEST(test_tamper_truncated)
{
	Fixture f;
	StoreSecret sec;
	StoreEnv env;
	char q[256], *value = NULL;

	fx_open(&f);
	bound_secret(&f, "t", PLAIN, &sec, &env);
	/* shorter than nonce + tag */
	snprintf(q, sizeof q,
		 "UPDATE secret_versions SET material = substr(material, 1, 20) WHERE secret_id = '%s'",
		 sec.id);
	tu_sql(f.path, q);
	ck_assert_int_eq(resolve(&f, sec.id, env.id, "/k", &value), ST_E_CRYPTO);
	ck_assert_msg(strstr(f.err.msg, "truncated") != NULL, "%s", f.err.msg);
	ck_assert_ptr_null(strstr(f.err.msg, PLAIN));
	/* long enough to parse, short by a few bytes of ciphertext */
	store_secret_clear(&sec);
	store_env_clear(&env);
	bound_secret(&f, "t2", PLAIN, &sec, &env);
	snprintf(q, sizeof q,
		 "UPDATE secret_versions SET material = substr(material, 1, length(material) - 3) "
		 "WHERE secret_id = '%s'",
		 sec.id);
	tu_sql(f.path, q);
	ck_assert_int_eq(resolve(&f, sec.id, env.id, "/k", &value), ST_E_CRYPTO);
	ck_assert_msg(strstr(f.err.msg, "does not authenticate") != NULL, "%s", f.err.msg);
	store_secret_clear(&sec);
	store_env_clear(&env);
	fx_close(&f);
}
END_TEST

START_TEST(test_tamper_flipped_byte)
{
	Fixture f;
	StoreSecret sec;
	StoreEnv env;
	char q[512], *value = NULL;

	fx_open(&f);
	bound_secret(&f, "t", PLAIN, &sec, &env);
	if (tu_pg())
		snprintf(q, sizeof q,
			 "UPDATE secret_versions SET material = set_byte(material, 30, "
			 "CASE WHEN get_byte(material, 30) = 0 THEN 1 ELSE 0 END) "
			 "WHERE secret_id = '%s'",
			 sec.id);
	else
		snprintf(q, sizeof q,
			 "UPDATE secret_versions SET material = substr(material, 1, 30) || "
			 "(CASE WHEN substr(material, 31, 1) = x'00' THEN x'01' ELSE x'00' END) || "
			 "substr(material, 32) WHERE secret_id = '%s'",
			 sec.id);
	tu_sql(f.path, q);
	ck_assert_int_eq(resolve(&f, sec.id, env.id, "/k", &value), ST_E_CRYPTO);
	ck_assert_ptr_nonnull(strstr(f.err.msg, "does not authenticate"));
	store_secret_clear(&sec);
	store_env_clear(&env);
	fx_close(&f);
}
END_TEST

START_TEST(test_tamper_swapped_between_secrets)
{
	Fixture f;
	StoreSecret a, b;
	StoreEnv ea, eb;
	char q[512], *value = NULL;

	fx_open(&f);
	bound_secret(&f, "a", "value-of-a", &a, &ea);
	bound_secret(&f, "b", "value-of-b", &b, &eb);
	/* an attacker with the database copies b's ciphertext over a's */
	snprintf(q, sizeof q,
		 "UPDATE secret_versions SET material = (SELECT material FROM secret_versions "
		 "WHERE secret_id = '%s') WHERE secret_id = '%s'",
		 b.id, a.id);
	tu_sql(f.path, q);
	ck_assert_int_eq(resolve(&f, a.id, ea.id, "/k", &value), ST_E_CRYPTO);
	ck_assert_ptr_nonnull(strstr(f.err.msg, "copied from another secret"));
	ck_assert_ptr_null(strstr(f.err.msg, "value-of"));
	/* b itself is untouched */
	ck_assert_int_eq(resolve(&f, b.id, eb.id, "/k", &value), ST_OK);
	ck_assert_str_eq(value, "value-of-b");
	store_secret_value_free(value, strlen(value));
	store_secret_clear(&a), store_secret_clear(&b);
	store_env_clear(&ea), store_env_clear(&eb);
	fx_close(&f);
}
END_TEST

START_TEST(test_tamper_version_mismatch)
{
	Fixture f;
	StoreSecret sec;
	StoreEnv env;
	char q[512], *value = NULL;
	long v;

	fx_open(&f);
	bound_secret(&f, "t", "first", &sec, &env);
	ck_assert_int_eq(store_secret_rotate(f.s, sec.id, (const unsigned char *)"second", 6, &v,
					     &f.err),
			 ST_OK);
	/* roll back to the old ciphertext by moving it under version 2 */
	snprintf(q, sizeof q,
		 "UPDATE secret_versions SET material = (SELECT material FROM secret_versions "
		 "WHERE secret_id = '%s' AND version = 1) WHERE secret_id = '%s' AND version = 2",
		 sec.id, sec.id);
	tu_sql(f.path, q);
	ck_assert_int_eq(resolve(&f, sec.id, env.id, "/k", &value), ST_E_CRYPTO);
	ck_assert_ptr_nonnull(strstr(f.err.msg, "version 2"));
	store_secret_clear(&sec);
	store_env_clear(&env);
	fx_close(&f);
}
END_TEST

/* Issue #12: marking the old version current again (status only) made
 * providers get the pre-rotation value, and db check said clean. */
START_TEST(test_tamper_status_rollback)
{
	StoreOptions check = { .check_only = true };
	StoreCheckReport r;
	Fixture f;
	StoreSecret sec;
	StoreEnv env;
	Store *ro = NULL;
	char q[512], *value = NULL;
	long v;

	fx_open(&f);
	bound_secret(&f, "t", "first", &sec, &env);
	ck_assert_int_eq(store_secret_rotate(f.s, sec.id, (const unsigned char *)"second", 6, &v,
					     &f.err),
			 ST_OK);
	snprintf(q, sizeof q,
		 "UPDATE secret_versions SET status = 'previous' WHERE secret_id = '%s'; "
		 "UPDATE secret_versions SET status = 'current' WHERE secret_id = '%s' AND "
		 "version = 1",
		 sec.id, sec.id);
	tu_sql(f.path, q);
	ck_assert_int_eq(resolve(&f, sec.id, env.id, "/k", &value), ST_E_CRYPTO);
	ck_assert_msg(strstr(f.err.msg, "rolled back") != NULL, "%s", f.err.msg);
	/* also with latest_version set back: a newer version is still there */
	snprintf(q, sizeof q, "UPDATE secrets SET latest_version = 1 WHERE id = '%s'", sec.id);
	tu_sql(f.path, q);
	ck_assert_int_eq(resolve(&f, sec.id, env.id, "/k", &value), ST_E_CRYPTO);
	error_clear(&f.err);
	ck_assert_msg(store_open_ex(f.path, &check, &ro, &f.err) == ST_OK, "%s", f.err.msg);
	ck_assert_int_eq(store_check(ro, &r, &f.err), ST_OK);
	ck_assert_uint_ge(r.count, 1);
	ck_assert_msg(strstr(r.problems[0], "rolled back secret: ") != NULL, "%s", r.problems[0]);
	store_check_report_clear(&r);
	store_close(ro);
	store_secret_clear(&sec);
	store_env_clear(&env);
	fx_close(&f);
}
END_TEST

/* Issue #12: db check trial-decrypts every current version, opens the
 * file read-only, and refuses a 0-byte file instead of initialising it. */
START_TEST(test_check_decrypts_read_only)
{
	StoreOptions check = { .check_only = true };
	StoreCheckReport r;
	Fixture f;
	StoreSecret sec;
	Store *ro = NULL;
	char q[512], *empty;
	struct stat before, after;
	FILE *fp;

	fx_open(&f);
	mk_secret(&f, "dmg", "value-1", &sec);
	if (tu_pg())
		snprintf(q, sizeof q,
			 "UPDATE secret_versions SET material = substr(material, 1, 30) || "
			 "decode(repeat('00', length(material) - 30), 'hex') WHERE secret_id = '%s'",
			 sec.id);
	else
		snprintf(q, sizeof q,
			 "UPDATE secret_versions SET material = substr(material, 1, 30) || "
			 "zeroblob(length(material) - 30) WHERE secret_id = '%s'",
			 sec.id);
	tu_sql(f.path, q);
	store_close(f.s);
	f.s = NULL;
	if (tu_pg()) {
		/* the check reads only: a read-only session finds the damage */
		ck_assert_msg(store_open_ex(f.path, &check, &ro, &f.err) == ST_OK, "%s", f.err.msg);
		ck_assert_int_eq(store_check(ro, &r, &f.err), ST_OK);
		ck_assert_uint_eq(r.count, 1);
		ck_assert_msg(strstr(r.problems[0], "undecryptable secret: secret dmg version 1") !=
				      NULL,
			      "%s", r.problems[0]);
		store_check_report_clear(&r);
		store_close(ro);
		store_secret_clear(&sec);
		fx_close(&f);
		(void)before, (void)after, (void)fp, (void)empty;
		return;
	}
	ck_assert_int_eq(stat(f.path, &before), 0);
	ck_assert_msg(store_open_ex(f.path, &check, &ro, &f.err) == ST_OK, "%s", f.err.msg);
	ck_assert_int_eq(store_check(ro, &r, &f.err), ST_OK);
	ck_assert_uint_eq(r.count, 1);
	ck_assert_msg(strstr(r.problems[0], "undecryptable secret: secret dmg version 1") != NULL,
		      "%s", r.problems[0]);
	store_check_report_clear(&r);
	store_close(ro);
	ck_assert_int_eq(stat(f.path, &after), 0);
	ck_assert(before.st_mtim.tv_sec == after.st_mtim.tv_sec &&
		  before.st_mtim.tv_nsec == after.st_mtim.tv_nsec && before.st_size == after.st_size);
	empty = tu_path(f.dir, "empty.db");
	fp = fopen(empty, "w");
	fclose(fp);
	ck_assert_int_eq(store_open_ex(empty, &check, &ro, &f.err), ST_E_STORE);
	ck_assert_msg(strstr(f.err.msg, "is empty (0 bytes)") != NULL, "%s", f.err.msg);
	ck_assert_int_eq(stat(empty, &after), 0);
	ck_assert_int_eq(after.st_size, 0);
	free(empty);
	store_secret_clear(&sec);
	fx_close(&f);
}
END_TEST

/* Issue #12: verify left no audit row and allowed 200 guesses a second;
 * values that are not UTF-8 were stored and altered in transit. */
START_TEST(test_verify_audited_and_limited)
{
	StoreSecretNew bad = { .name = "bin", .value = (const unsigned char *)"a\xff\xfe", .value_len = 3 };
	Fixture f;
	StoreSecret sec, out;
	char q[256], *n;
	bool match = true;

	fx_open(&f);
	mk_secret(&f, "pin", "1234-right", &sec);
	ck_assert_int_eq(store_secret_verify(f.s, "pin", (const unsigned char *)"1234-right", 10,
					     &match, &f.err),
			 ST_OK);
	ck_assert(match);
	for (int i = 0; i < 5; i++) {
		ck_assert_int_eq(store_secret_verify(f.s, "pin", (const unsigned char *)"0000", 4,
						     &match, &f.err),
				 ST_OK);
		ck_assert(!match);
	}
	/* the sixth in a minute is refused, even with the right value */
	ck_assert_int_eq(store_secret_verify(f.s, "pin", (const unsigned char *)"1234-right", 10,
					     &match, &f.err),
			 ST_E_BUSY);
	ck_assert_msg(strstr(f.err.msg, "5 wrong values were verified in the last 60 s") != NULL,
		      "%s", f.err.msg);
	snprintf(q, sizeof q,
		 "SELECT count(*) || '/' || sum(CASE WHEN outcome = 'failure' THEN 1 ELSE 0 END) "
		 "FROM secret_access_events "
		 "WHERE secret_id = '%s' AND consumer = 'verify'",
		 sec.id);
	n = tu_sql_text(f.path, q);
	ck_assert_str_eq(n, "7/6");
	free(n);
	error_clear(&f.err);
	ck_assert_int_eq(store_secret_create(f.s, &bad, &out, &f.err), ST_E_INVALID);
	ck_assert_msg(strstr(f.err.msg, "not valid UTF-8") != NULL, "%s", f.err.msg);
	store_secret_clear(&sec);
	fx_close(&f);
}
END_TEST

START_TEST(test_missing_current_version)
{
	Fixture f;
	StoreSecret sec;
	StoreEnv env;
	char q[256], *value = NULL;

	fx_open(&f);
	bound_secret(&f, "t", PLAIN, &sec, &env);
	snprintf(q, sizeof q, "DELETE FROM secret_versions WHERE secret_id = '%s'", sec.id);
	tu_sql(f.path, q);
	ck_assert_int_eq(resolve(&f, sec.id, env.id, "/k", &value), ST_E_CRYPTO);
	ck_assert_ptr_nonnull(strstr(f.err.msg, "no current version"));
	store_secret_clear(&sec);
	store_env_clear(&env);
	fx_close(&f);
}
END_TEST

/* A version row carried over from a database with another master key (same
 * secret id, same version) still does not decrypt. */
START_TEST(test_tamper_row_from_other_key)
{
	Fixture a, b;
	StoreSecret sa, sb;
	StoreEnv ea, eb;
	char q[1024], *hex, *value = NULL;

	setenv("ENVCTL_MASTER_KEY", "1111111111111111111111111111111111111111111111111111111111111111", 1);
	fx_open(&a);
	setenv("ENVCTL_MASTER_KEY", "1111111111111111111111111111111111111111111111111111111111111111", 1);
	bound_secret(&a, "t", PLAIN, &sa, &ea);
	snprintf(q, sizeof q, "SELECT hex(material) FROM secret_versions WHERE secret_id = '%s'",
		 sa.id);
	hex = tu_sql_text(a.path, q);
	setenv("ENVCTL_MASTER_KEY", "2222222222222222222222222222222222222222222222222222222222222222", 1);
	b.dir = tu_tmpdir();
	b.path = tu_db_path(b.dir);
	b.s = tu_store_open(b.dir);
	error_clear(&b.err);
	bound_secret(&b, "t", "other", &sb, &eb);
	store_close(b.s);
	/* SQLite's test connection does not enforce foreign keys; on
	 * PostgreSQL the same swap needs them off for this session. */
	snprintf(q, sizeof q,
		 "%sUPDATE secrets SET id = '%s' WHERE id = '%s'; "
		 "UPDATE secret_bindings SET secret_id = '%s' WHERE secret_id = '%s'; "
		 "UPDATE secret_versions SET secret_id = '%s', material = %s%s%s WHERE secret_id = '%s';",
		 tu_pg() ? "SET session_replication_role = replica; " : "", sa.id, sb.id, sa.id,
		 sb.id, sa.id, tu_pg() ? "'\\x" : "x'", hex,
		 tu_pg() ? "'::bytea" : "'", sb.id);
	tu_sql(b.path, q);
	b.s = tu_store_open(b.dir);
	ck_assert_int_eq(resolve(&b, sa.id, eb.id, "/k", &value), ST_E_CRYPTO);
	ck_assert_ptr_nonnull(strstr(b.err.msg, "does not authenticate"));
	unsetenv("ENVCTL_MASTER_KEY");
	free(hex);
	store_secret_clear(&sa), store_secret_clear(&sb);
	store_env_clear(&ea), store_env_clear(&eb);
	fx_close(&a);
	fx_close(&b);
}
END_TEST

START_TEST(test_disable_enable)
{
	Fixture f;
	StoreSecret sec;
	StoreEnv env;
	char *value = NULL;

	fx_open(&f);
	bound_secret(&f, "t", PLAIN, &sec, &env);
	ck_assert_int_eq(store_secret_set_status(f.s, "t", "disabled", &f.err), ST_OK);
	ck_assert_int_eq(resolve(&f, sec.id, env.id, "/k", &value), ST_E_CRYPTO);
	ck_assert_ptr_nonnull(strstr(f.err.msg, "disabled"));
	ck_assert_int_eq(store_secret_set_status(f.s, "t", "active", &f.err), ST_OK);
	ck_assert_int_eq(resolve(&f, sec.id, env.id, "/k", &value), ST_OK);
	store_secret_value_free(value, strlen(value));
	ck_assert_int_eq(store_secret_set_status(f.s, "t", "deleted", &f.err), ST_E_INVALID);
	store_secret_clear(&sec);
	store_env_clear(&env);
	fx_close(&f);
}
END_TEST

START_TEST(test_delete_rules)
{
	Fixture f;
	StoreSecret sec, again;
	StoreEnv env, reread;
	StoreBindingList unbound;
	char *value = NULL, q[256], *t;

	fx_open(&f);
	bound_secret(&f, "t", PLAIN, &sec, &env);
	ck_assert_int_eq(store_secret_delete(f.s, "t", false, NULL, &f.err), ST_E_CONFLICT);
	ck_assert_msg(strstr(f.err.msg, "used by environment t at /k") != NULL, "%s", f.err.msg);
	ck_assert_ptr_nonnull(strstr(f.err.msg, "--force"));
	ck_assert_int_eq(store_secret_delete(f.s, "t", true, &unbound, &f.err), ST_OK);
	ck_assert_uint_eq(unbound.count, 1);
	ck_assert_str_eq(unbound.items[0].config_path, "/k");
	store_binding_list_clear(&unbound);
	/* the config no longer points at the dead id */
	ck_assert_int_eq(store_env_get(f.s, env.id, &reread, &f.err), ST_OK);
	ck_assert_ptr_null(cJSON_GetObjectItem(reread.config, "k"));
	store_env_clear(&reread);
	/* gone by name, kept by id for the audit trail, ciphertext dropped */
	ck_assert_int_eq(store_secret_get(f.s, "t", &again, &f.err), ST_E_NOT_FOUND);
	ck_assert_int_eq(store_secret_get(f.s, sec.id, &again, &f.err), ST_OK);
	ck_assert_str_eq(again.status, "deleted");
	store_secret_clear(&again);
	snprintf(q, sizeof q,
		 "SELECT count(*) FROM secret_versions WHERE secret_id = '%s' AND material IS NOT NULL",
		 sec.id);
	t = tu_sql_text(f.path, q);
	ck_assert_str_eq(t, "0");
	free(t);
	ck_assert_int_eq(resolve(&f, sec.id, env.id, "/k", &value), ST_E_CRYPTO);
	/* its name is free again */
	mk_secret(&f, "t", "new", &again);
	store_secret_clear(&again);
	ck_assert_int_eq(store_secret_delete(f.s, "nope", false, NULL, &f.err), ST_E_NOT_FOUND);
	store_secret_clear(&sec);
	store_env_clear(&env);
	fx_close(&f);
}
END_TEST

START_TEST(test_names_unique_and_list)
{
	Fixture f;
	StoreSecret a, b;
	StoreSecretList l;
	StoreSecretNew dup = { .name = "alpha", .value = (const unsigned char *)"x", .value_len = 1 };
	StoreSecretNew empty = { .name = "e", .value = (const unsigned char *)"", .value_len = 0 };

	fx_open(&f);
	mk_secret(&f, "beta", "1", &b);
	mk_secret(&f, "alpha", "2", &a);
	ck_assert_int_eq(store_secret_create(f.s, &dup, NULL, &f.err), ST_E_CONFLICT);
	ck_assert_ptr_nonnull(strstr(f.err.msg, "\"alpha\" already exists"));
	ck_assert_int_eq(store_secret_create(f.s, &empty, NULL, &f.err), ST_E_INVALID);
	ck_assert_int_eq(store_secret_delete(f.s, "beta", false, NULL, &f.err), ST_OK);
	ck_assert_int_eq(store_secret_list(f.s, false, &l, &f.err), ST_OK);
	ck_assert_uint_eq(l.count, 1);
	ck_assert_str_eq(l.items[0].name, "alpha");
	store_secret_list_clear(&l);
	ck_assert_int_eq(store_secret_list(f.s, true, &l, &f.err), ST_OK);
	ck_assert_uint_eq(l.count, 2);
	store_secret_list_clear(&l);
	store_secret_clear(&a), store_secret_clear(&b);
	fx_close(&f);
}
END_TEST

START_TEST(test_orphans_deleted)
{
	Fixture f;
	StoreEnv env;
	StoreSecret kept, orphan, op;
	StoreSecretNew in = { .name = "env-made", .value = (const unsigned char *)"v",
			      .value_len = 1 };
	char **deleted = NULL;

	fx_open(&f);
	mk_env(&f, "e", "{}", &env);
	in.created_by_environment_id = env.id;
	in.created_by_path = "/a";
	ck_assert_int_eq(store_secret_create(f.s, &in, &orphan, &f.err), ST_OK);
	ck_assert_str_eq(orphan.origin, "environment");
	in.name = "env-made-bound";
	in.created_by_path = "/b";
	ck_assert_int_eq(store_secret_create(f.s, &in, &kept, &f.err), ST_OK);
	ck_assert_int_eq(store_binding_set(f.s, kept.id, "environment", env.id, "/b", &f.err),
			 ST_OK);
	mk_secret(&f, "operator-made", "v", &op); /* unbound but the operator's: kept */
	ck_assert_int_eq(store_secret_delete_orphans(f.s, env.id, &deleted, &f.err), ST_OK);
	ck_assert_ptr_nonnull(deleted);
	ck_assert_str_eq(deleted[0], orphan.id);
	ck_assert_ptr_null(deleted[1]);
	store_ids_free(deleted);
	store_secret_clear(&orphan);
	ck_assert_int_eq(store_secret_get(f.s, "env-made", &orphan, &f.err), ST_E_NOT_FOUND);
	store_secret_clear(&kept), store_secret_clear(&op);
	store_env_clear(&env);
	fx_close(&f);
}
END_TEST

TEST_SUITE(store_secret)
{
	Suite *s = suite_create("store_secret");
	TCase *tc = tcase_create("secret");

	tcase_add_test(tc, test_create_encrypts_and_resolves);
	tcase_add_test(tc, test_rotate_and_verify);
	tcase_add_test(tc, test_fingerprint_is_keyed_and_per_secret);
	tcase_add_test(tc, test_tamper_truncated);
	tcase_add_test(tc, test_tamper_flipped_byte);
	tcase_add_test(tc, test_tamper_swapped_between_secrets);
	tcase_add_test(tc, test_tamper_version_mismatch);
	tcase_add_test(tc, test_tamper_status_rollback);
	tcase_add_test(tc, test_verify_audited_and_limited);
	tcase_add_test(tc, test_check_decrypts_read_only);
	tcase_add_test(tc, test_missing_current_version);
	tcase_add_test(tc, test_tamper_row_from_other_key);
	tcase_add_test(tc, test_disable_enable);
	tcase_add_test(tc, test_delete_rules);
	tcase_add_test(tc, test_names_unique_and_list);
	tcase_add_test(tc, test_orphans_deleted);
	suite_add_tcase(s, tc);
	return s;
}
