/* A key per operator (#17): admitting, removing (the data key rotates),
 * the errors a console that is not admitted gets, and the migration of a
 * master-key database. Real key files in a temp dir; the registry is an
 * SQLite file there, or a PostgreSQL schema when ENVCTL_TEST_DB_URL names a
 * server (tests/helpers/pg_unit.sh); the master-key migration and the db
 * copy's destination keep their SQLite files either way. */
#include <check.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/opkey.h"
#include "store/store.h"
#include "storeutil.h"
#include "testutil.h"
#include "util/fs.h"
#include "util/ids.h"

#define KEY_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

typedef struct Two {
	char *dir, *db, *alice_key, *bob_key;
	StoreOperatorKeyInfo alice, bob;
} Two;

static Store *open_as(const char *db, const char *key_file)
{
	StoreOptions o = { .operator_key_file = key_file };
	Store *s = NULL;
	Error err;

	error_clear(&err);
	ck_assert_msg(store_open_ex(db, &o, &s, &err) == ST_OK, "open as %s: %s", key_file,
		      err.msg);
	return s;
}

static Status try_open_as(const char *db, const char *key_file, Error *err)
{
	StoreOptions o = { .operator_key_file = key_file };
	Store *s = NULL;
	Status st;

	error_clear(err);
	st = store_open_ex(db, &o, &s, err);
	store_close(s);
	return st;
}

static void secret(Store *s, const char *name, const char *value)
{
	Error err;

	error_clear(&err);
	ck_assert_msg(store_secret_create(s, &(StoreSecretNew){ .name = name,
							      .value = (const unsigned char *)value,
							      .value_len = strlen(value) },
					  NULL, &err) == ST_OK,
		      "%s", err.msg);
}

static bool verifies(Store *s, const char *name, const char *value)
{
	bool match = false;
	Error err;

	error_clear(&err);
	ck_assert_msg(store_secret_verify(s, name, (const unsigned char *)value, strlen(value),
					  &match, &err) == ST_OK,
		      "%s", err.msg);
	return match;
}

/* alice makes the database and admits bob. */
static void two_setup(Two *t)
{
	Error err;
	Store *s;

	t->dir = tu_store_dir();
	t->db = tu_db_path(t->dir);
	t->alice_key = tu_path(t->dir, "alice/operator.key");
	t->bob_key = tu_path(t->dir, "bob/operator.key");
	error_clear(&err);
	ck_assert_int_eq(store_operator_key_init(t->alice_key, "alice", &t->alice, &err), ST_OK);
	ck_assert(t->alice.created);
	ck_assert_int_eq(store_operator_key_init(t->bob_key, "bob", &t->bob, &err), ST_OK);
	s = open_as(t->db, t->alice_key);
	ck_assert_str_eq(store_operator_name(s), "alice");
	secret(s, "one", "value-one");
	ck_assert_int_eq(store_secret_rotate(s, "one", (const unsigned char *)"value-two", 9, NULL,
					     &err),
			 ST_OK);
	secret(s, "other", "x");
	ck_assert_msg(store_operator_add(s, "bob", t->bob.public_key, "alice", &err) == ST_OK, "%s",
		      err.msg);
	store_close(s);
}

static void two_free(Two *t)
{
	free(t->dir), free(t->db), free(t->alice_key), free(t->bob_key);
}

START_TEST(test_key_file_private_and_stable)
{
	char *dir = tu_store_dir();
	char *key = tu_path(dir, "k/sub/operator.key"), *kdir = tu_path(dir, "k/sub");
	StoreOperatorKeyInfo a, b;
	char *before, *after;
	Error err;

	umask(022);
	error_clear(&err);
	ck_assert_int_eq(store_operator_key_init(key, "carol", &a, &err), ST_OK);
	ck_assert_int_eq(tu_mode(key), 0600);
	ck_assert_int_eq(tu_mode(kdir), 0700);
	before = fs_read_file(key, NULL, NULL);
	/* a second init keeps the key; another name for it is refused */
	ck_assert_int_eq(store_operator_key_init(key, NULL, &b, &err), ST_OK);
	ck_assert(!b.created);
	ck_assert_str_eq(a.public_key, b.public_key);
	ck_assert_str_eq(b.name, "carol");
	ck_assert_int_eq(store_operator_key_init(key, "dave", &b, &err), ST_E_CONFLICT);
	ck_assert_ptr_nonnull(strstr(err.msg, "already exists for \"carol\""));
	after = fs_read_file(key, NULL, NULL);
	ck_assert_str_eq(before, after);
	/* the file's secret is not the public key, and bad names are refused */
	ck_assert_ptr_null(strstr(before, a.public_key));
	ck_assert(!store_operator_name_valid("a b"));
	ck_assert(!store_operator_name_valid(""));
	ck_assert(store_operator_name_valid("alice.b@x-1_2"));
	free(before), free(after), free(key), free(kdir), free(dir);
}
END_TEST

/* `envctl operator add NAME PUBKEY`: a key text starting with "-" would be
 * read as an option, so none is made (1 in 64 were before: 400 keys miss
 * one with odds of 0.2%). */
START_TEST(test_public_key_never_reads_as_option)
{
	char *dir = tu_store_dir();
	StoreOperatorKeyInfo k;
	Error err;

	for (int i = 0; i < 400; i++) {
		char name[32];
		char *key;

		snprintf(name, sizeof name, "k%d/operator.key", i);
		key = tu_path(dir, name);
		error_clear(&err);
		ck_assert_int_eq(store_operator_key_init(key, "op", &k, &err), ST_OK);
		ck_assert_msg(k.public_key[0] != '-', "key %d: %s", i, k.public_key);
		free(key);
	}
	free(dir);
}
END_TEST

START_TEST(test_admitted_operator_opens_and_is_named)
{
	Two t;
	StoreOperatorList l;
	StoreAccessEventList ev;
	StoreSecret sec;
	Store *s;
	Error err;

	two_setup(&t);
	s = open_as(t.db, t.bob_key);
	ck_assert_str_eq(store_operator_name(s), "bob");
	ck_assert(verifies(s, "one", "value-two"));
	error_clear(&err);
	ck_assert_int_eq(store_operator_list(s, &l, &err), ST_OK);
	ck_assert_uint_eq(l.count, 2);
	ck_assert_str_eq(l.items[0].name, "alice");
	ck_assert_str_eq(l.items[0].fingerprint, t.alice.fingerprint);
	ck_assert_str_eq(l.items[1].name, "bob");
	ck_assert_str_eq(l.items[1].added_by, "alice");
	ck_assert_str_eq(l.items[1].public_key, t.bob.public_key);
	store_operator_list_clear(&l);
	/* the access events name the operator whose console asked */
	ck_assert_int_eq(store_secret_get(s, "one", &sec, &err), ST_OK);
	ck_assert_int_eq(store_access_event_list(s, sec.id, 10, &ev, &err), ST_OK);
	ck_assert_uint_ge(ev.count, 1);
	ck_assert_str_eq(ev.items[0].operator_name, "bob");
	store_access_event_list_clear(&ev);
	store_secret_clear(&sec);
	store_close(s);
	two_free(&t);
}
END_TEST

START_TEST(test_not_admitted_says_who_can_admit)
{
	Two t;
	char *carol = NULL, *none;
	StoreOperatorKeyInfo c;
	Error err;

	two_setup(&t);
	carol = tu_path(t.dir, "carol/operator.key");
	none = tu_path(t.dir, "nobody/operator.key");
	ck_assert_int_eq(store_operator_key_init(carol, "carol", &c, &err), ST_OK);
	ck_assert_int_eq(try_open_as(t.db, carol, &err), ST_E_CRYPTO);
	ck_assert_msg(strstr(err.msg, carol) != NULL, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "is not admitted"));
	ck_assert_ptr_nonnull(strstr(err.msg, "(alice, bob)"));
	ck_assert_ptr_nonnull(strstr(err.msg, "envctl operator add carol "));
	ck_assert_ptr_nonnull(strstr(err.msg, c.public_key));
	/* no key file at all: say how to make one; none is made */
	ck_assert_int_eq(try_open_as(t.db, none, &err), ST_E_CRYPTO);
	ck_assert_ptr_nonnull(strstr(err.msg, "has no operator key"));
	ck_assert_ptr_nonnull(strstr(err.msg, "envctl operator init"));
	ck_assert_ptr_nonnull(strstr(err.msg, "(alice, bob)"));
	ck_assert(!fs_is_file(none));
	free(carol), free(none);
	two_free(&t);
}
END_TEST

START_TEST(test_add_refuses_bad_and_taken)
{
	Two t;
	Store *s;
	Error err;

	two_setup(&t);
	s = open_as(t.db, t.alice_key);
	error_clear(&err);
	ck_assert_int_eq(store_operator_add(s, "bob", t.alice.public_key, "alice", &err),
			 ST_E_CONFLICT);
	ck_assert_msg(strstr(err.msg, "operator bob is already admitted") != NULL, "%s", err.msg);
	ck_assert_int_eq(store_operator_add(s, "bob2", t.bob.public_key, "alice", &err),
			 ST_E_CONFLICT);
	ck_assert_ptr_nonnull(strstr(err.msg, "as operator bob"));
	ck_assert_int_eq(store_operator_add(s, "eve", "not-a-key", "alice", &err), ST_E_INVALID);
	ck_assert_int_eq(store_operator_add(s, "bad name", t.bob.public_key, "alice", &err),
			 ST_E_INVALID);
	store_close(s);
	two_free(&t);
}
END_TEST

/* The old data key, as someone who kept a copy of the removed operator's
 * key file and sealed row would recover it. */
static StoreKeys *unseal_hex(const char *key_file, const char *sealed_hex)
{
	unsigned char sealed[128], data[32];
	size_t n = 0;
	StoreOpKey *k = NULL;
	StoreKeys *keys = NULL;
	Error err;

	ck_assert_int_eq(sodium_hex2bin(sealed, sizeof sealed, sealed_hex, strlen(sealed_hex), NULL,
					&n, NULL),
			 0);
	ck_assert_int_eq(store_opkey_load(key_file, &k, &err), ST_OK);
	ck_assert_int_eq(crypto_box_seal_open(data, sealed, n, k->pk, k->sk), 0);
	ck_assert_int_eq(store_crypto_from_data_key(data, &keys, &err), ST_OK);
	sodium_memzero(data, sizeof data);
	store_opkey_free(k);
	return keys;
}

START_TEST(test_remove_rotates_and_locks_out)
{
	Two t;
	char *sealed_bob, *mat_before, *mat_after, *fp_before, *fp_after, *count, *act;
	char sql[512];
	StoreKeys *old;
	Store *s;
	long n = 0;
	Error err;

	two_setup(&t);
	sealed_bob = tu_sql_text(t.db, "SELECT hex(sealed_key) FROM operators WHERE name = 'bob'");
	mat_before = tu_sql_text(t.db, "SELECT group_concat(hex(material), ',') FROM "
				       "(SELECT material FROM secret_versions ORDER BY secret_id, version) v");
	fp_before = tu_sql_text(t.db, "SELECT group_concat(hex(fingerprint), ',') FROM "
				       "(SELECT fingerprint FROM secret_versions ORDER BY secret_id, version) v");
	old = unseal_hex(t.bob_key, sealed_bob);
	s = open_as(t.db, t.alice_key);
	error_clear(&err);
	ck_assert_msg(store_operator_remove(s, "bob",
					    &(StoreActivityNew){ .actor = "cli:alice",
								 .action = "operator.removed",
								 .entity_type = "operator",
								 .entity_name = "bob" },
					    &n, &err) == ST_OK,
		      "%s", err.msg);
	ck_assert_int_eq(n, 3); /* one v1, one v2, other v1 */
	/* this handle works on with the new key */
	ck_assert(verifies(s, "one", "value-two"));
	store_close(s);
	/* bob's row is gone and bob's key opens nothing */
	count = tu_sql_text(t.db, "SELECT count(*) FROM operators WHERE name = 'bob'");
	ck_assert_str_eq(count, "0");
	ck_assert_int_eq(try_open_as(t.db, t.bob_key, &err), ST_E_CRYPTO);
	ck_assert_ptr_nonnull(strstr(err.msg, "is not admitted"));
	/* every version was re-encrypted and re-fingerprinted ... */
	mat_after = tu_sql_text(t.db, "SELECT group_concat(hex(material), ',') FROM "
				       "(SELECT material FROM secret_versions ORDER BY secret_id, version) v");
	fp_after = tu_sql_text(t.db, "SELECT group_concat(hex(fingerprint), ',') FROM "
				       "(SELECT fingerprint FROM secret_versions ORDER BY secret_id, version) v");
	ck_assert_str_ne(mat_before, mat_after);
	ck_assert_str_ne(fp_before, fp_after);
	/* ... so the old data key decrypts none of them */
	{
		char *ids = tu_sql_text(t.db, "SELECT count(*) FROM secret_versions WHERE material "
					      "IS NOT NULL");
		ck_assert_str_eq(ids, "3");
		free(ids);
		for (int i = 0; i < 3; i++) {
			char *id, *ver, *hex;
			unsigned char blob[512];
			size_t len = 0, vlen = 0;
			char *value = NULL;

			snprintf(sql, sizeof sql,
				 "SELECT secret_id FROM secret_versions ORDER BY secret_id, version "
				 "LIMIT 1 OFFSET %d",
				 i);
			id = tu_sql_text(t.db, sql);
			snprintf(sql, sizeof sql,
				 "SELECT version FROM secret_versions ORDER BY secret_id, version "
				 "LIMIT 1 OFFSET %d",
				 i);
			ver = tu_sql_text(t.db, sql);
			snprintf(sql, sizeof sql,
				 "SELECT hex(material) FROM secret_versions ORDER BY secret_id, "
				 "version LIMIT 1 OFFSET %d",
				 i);
			hex = tu_sql_text(t.db, sql);
			ck_assert_int_eq(sodium_hex2bin(blob, sizeof blob, hex, strlen(hex), NULL,
							&len, NULL),
					 0);
			ck_assert_int_eq(store_crypto_decrypt(old, "x", id, atol(ver), blob, len,
							      &value, &vlen, &err),
					 ST_E_CRYPTO);
			free(id), free(ver), free(hex);
		}
	}
	/* putting bob's old sealed row back gives the old key, which the
	 * database's key check refuses */
	snprintf(sql, sizeof sql,
		 "INSERT INTO operators (name, public_key, sealed_key, added_at, added_by) VALUES "
		 "('bob', '%s', %s'%s'%s, 'now', 'eve')",
		 t.bob.public_key, tu_pg() ? "decode(" : "x", sealed_bob, tu_pg() ? ", 'hex')" : "");
	tu_sql(t.db, sql);
	ck_assert_int_eq(try_open_as(t.db, t.bob_key, &err), ST_E_CRYPTO);
	ck_assert_msg(strstr(err.msg, "does not match the database's key check") != NULL, "%s",
		      err.msg);
	/* db check names a damaged sealed key */
	tu_sql(t.db, tu_pg() ? "UPDATE operators SET sealed_key = '\\x00'::bytea WHERE name = 'bob'"
			     : "UPDATE operators SET sealed_key = x'00' WHERE name = 'bob'");
	{
		StoreCheckReport r;
		bool seen = false;

		s = open_as(t.db, t.alice_key);
		ck_assert_int_eq(store_check(s, &r, &err), ST_OK);
		for (size_t i = 0; i < r.count; i++)
			seen = seen || strstr(r.problems[i], "sealed for bob is damaged (1 bytes") != NULL;
		ck_assert_msg(seen, "db check missed the damaged sealed key (%zu problems)", r.count);
		store_check_report_clear(&r);
		store_close(s);
	}
	act = tu_sql_text(t.db, "SELECT action || ' ' || entity_name FROM activity ORDER BY id "
				"DESC LIMIT 1");
	ck_assert_str_eq(act, "operator.removed bob");
	store_crypto_free(old);
	free(sealed_bob), free(mat_before), free(mat_after), free(fp_before), free(fp_after);
	free(count), free(act);
	two_free(&t);
}
END_TEST

START_TEST(test_last_operator_and_unknown_refused)
{
	Two t;
	Store *s;
	Error err;
	char *count;

	two_setup(&t);
	s = open_as(t.db, t.alice_key);
	error_clear(&err);
	ck_assert_int_eq(store_operator_remove(s, "carol", NULL, NULL, &err), ST_E_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(err.msg, "operators: alice, bob"));
	ck_assert_int_eq(store_operator_remove(s, "bob", NULL, NULL, &err), ST_OK);
	ck_assert_int_eq(store_operator_remove(s, "alice", NULL, NULL, &err), ST_E_CONFLICT);
	ck_assert_ptr_nonnull(strstr(err.msg, "last operator"));
	ck_assert(verifies(s, "one", "value-two"));
	store_close(s);
	count = tu_sql_text(t.db, "SELECT count(*) FROM operators");
	ck_assert_str_eq(count, "1");
	s = open_as(t.db, t.alice_key);
	ck_assert(verifies(s, "other", "x"));
	store_close(s);
	free(count);
	two_free(&t);
}
END_TEST

/* The migration: a database made with a master key before operator keys
 * (schema 2) opens with that key; the first writable open makes the
 * master key's material the data key (no version is re-encrypted) and
 * admits the opener, creating its operator key; from then on the operator
 * key alone opens it. */
START_TEST(test_master_key_database_migrates)
{
	char *dir = tu_store_dir();
	char *db = tu_path(dir, "envctl.db");
	char *mkey = tu_path(dir, "config/envctl/master.key");
	char *opkey = tu_path(dir, "config/envctl/operator.key");
	char *mat_before, *mat_after, *check_before, *check_after, *ops, *act, *ver;
	StoreOptions ro = { .readonly = true };
	Store *s;
	Error err;

	setenv("ENVCTL_MASTER_KEY", KEY_A, 1);
	/* SQLite's own file even when the suite runs on PostgreSQL: the
	 * downgrade below is SQLite's. */
	ck_assert_int_eq(store_open(db, &s, &err), ST_OK);
	secret(s, "old", "legacy-value");
	store_close(s);
	unsetenv("ENVCTL_MASTER_KEY");
	unlink(opkey);
	tu_downgrade_to_master_key(db, mkey, KEY_A);
	mat_before = tu_sql_text(db, "SELECT hex(material) FROM secret_versions");
	check_before = tu_sql_text(db, "SELECT value FROM meta WHERE key = 'key_check'");
	/* a read-only open cannot migrate: it says so */
	error_clear(&err);
	ck_assert_int_eq(store_open_ex(db, &ro, &s, &err), ST_E_UNSUPPORTED);
	ck_assert(!fs_is_file(opkey));
	/* the first writable open migrates, with the master key file */
	ck_assert_int_eq(store_open(db, &s, &err), ST_OK);
	ck_assert_ptr_nonnull(store_operator_name(s));
	ck_assert(verifies(s, "old", "legacy-value"));
	store_close(s);
	ck_assert(fs_is_file(opkey));
	ck_assert_int_eq(tu_mode(opkey), 0600);
	mat_after = tu_sql_text(db, "SELECT hex(material) FROM secret_versions");
	check_after = tu_sql_text(db, "SELECT value FROM meta WHERE key = 'key_check'");
	ck_assert_str_eq(mat_before, mat_after);
	ck_assert_str_eq(check_before, check_after);
	ops = tu_sql_text(db, "SELECT count(*) FROM operators");
	ck_assert_str_eq(ops, "1");
	act = tu_sql_text(db, "SELECT details FROM activity WHERE action = 'operator.added'");
	ck_assert_ptr_nonnull(strstr(act, "migrated from the master key"));
	ver = tu_sql_text(db, "PRAGMA user_version");
	ck_assert_int_eq(atoi(ver), store_schema_version_latest());
	/* the master key file is no longer needed */
	unlink(mkey);
	ck_assert_int_eq(store_open(db, &s, &err), ST_OK);
	ck_assert(verifies(s, "old", "legacy-value"));
	store_close(s);
	free(mat_before), free(mat_after), free(check_before), free(check_after), free(ops);
	free(act), free(ver), free(db), free(mkey), free(opkey), free(dir);
}
END_TEST

/* Two consoles: one removes an operator while the other stays open. The
 * open one picks up the new data key before it writes or reads, so no
 * version is ever stored under the retired key. One opened with the data
 * key itself (ENVCTL_MASTER_KEY) has no way to the new key: refused. */
START_TEST(test_rotation_seen_by_open_console)
{
	Two t;
	Store *a1, *a2, *s;
	StoreOptions mk = { .key_text = KEY_A };
	char *mkdb;
	Error err;

	two_setup(&t);
	a1 = open_as(t.db, t.alice_key);
	a2 = open_as(t.db, t.alice_key);
	error_clear(&err);
	ck_assert_int_eq(store_operator_remove(a2, "bob", NULL, NULL, &err), ST_OK);
	store_close(a2);
	secret(a1, "after", "written-after-rotation");
	ck_assert(verifies(a1, "one", "value-two"));
	store_close(a1);
	s = open_as(t.db, t.alice_key);
	ck_assert(verifies(s, "after", "written-after-rotation"));
	store_close(s);

	mkdb = tu_path(t.dir, "mk.db");
	ck_assert_int_eq(store_open_ex(mkdb, &mk, &a1, &err), ST_OK); /* admits config/'s key */
	store_close(a1);
	{
		StoreOperatorKeyInfo self;

		ck_assert_int_eq(store_operator_key_info(NULL, &self, &err), ST_OK);
		s = open_as(mkdb, NULL);
		ck_assert_int_eq(store_operator_add(s, "alice", t.alice.public_key, self.name, &err),
				 ST_OK);
		store_close(s);
	}
	/* a handle holding the data key from ENVCTL_MASTER_KEY, identified as no
	 * admitted operator (its key file is another's) */
	mk.operator_key_file = t.bob_key;
	ck_assert_int_eq(store_open_ex(mkdb, &mk, &a1, &err), ST_OK);
	ck_assert_ptr_null(store_operator_name(a1));
	s = open_as(mkdb, t.alice_key);
	ck_assert_int_eq(store_operator_remove(s, "alice", NULL, NULL, &err), ST_OK);
	store_close(s);
	ck_assert_int_eq(store_secret_create(a1, &(StoreSecretNew){ .name = "late",
								 .value = (const unsigned char *)"v",
								 .value_len = 1 },
					     NULL, &err),
			 ST_E_CONFLICT);
	ck_assert_msg(strstr(err.msg, "was rotated") != NULL, "%s", err.msg);
	store_close(a1);
	free(mkdb);
	two_free(&t);
}
END_TEST

/* PostgreSQL's writers across a rotation: SQLite's single writer made
 * "re-read the key check first" enough; on PostgreSQL every write
 * transaction takes the registry's advisory lock before its first
 * statement, so a writer queued behind an `operator remove` reads the new
 * check once the lock is its own. Here a session holds that lock while a
 * removal and then a secret write from a handle opened before it queue up
 * (in that order); on release the write must land under the new key. */
#define PG_WRITE_LOCK "1701737059"

static long pg_lock_waiters(const char *db)
{
	char *n = tu_sql_text(db, "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
				  "AND NOT granted AND objid = " PG_WRITE_LOCK);
	long v = atol(n);

	free(n);
	return v;
}

static void pg_wait_waiters(const char *db, long want)
{
	int64_t deadline = time_now_ms() + 4000; /* inside the 5 s lock timeout */

	while (pg_lock_waiters(db) < want) {
		ck_assert_msg(time_now_ms() < deadline, "no %ld waiters on the write lock", want);
		usleep(2000);
	}
}

START_TEST(test_pg_write_queued_behind_rotation)
{
	Two t;
	int opened[2], go[2], st1 = 0, st2 = 0;
	pid_t remover, writer;
	PGconn *holder;
	PGresult *r;
	char c;
	Store *s;

	two_setup(&t);
	ck_assert_int_eq(pipe(opened), 0);
	ck_assert_int_eq(pipe(go), 0);
	holder = PQconnectdb(t.db);
	ck_assert_msg(PQstatus(holder) == CONNECTION_OK, "%s", PQerrorMessage(holder));
	r = PQexec(holder, "BEGIN; SELECT pg_advisory_xact_lock(" PG_WRITE_LOCK ")");
	ck_assert_int_eq(PQresultStatus(r), PGRES_TUPLES_OK);
	PQclear(r);
	writer = fork();
	ck_assert_int_ge(writer, 0);
	if (writer == 0) {
		/* alice's console, open before the rotation */
		Store *a1 = open_as(t.db, t.alice_key);
		Error err;

		error_clear(&err);
		if (write(opened[1], "o", 1) != 1 || read(go[0], &c, 1) != 1)
			_exit(3);
		if (store_secret_create(a1, &(StoreSecretNew){ .name = "queued",
							      .value = (const unsigned char *)"q-value",
							      .value_len = 7 },
					NULL, &err) != ST_OK) {
			fprintf(stderr, "queued write: %s\n", err.msg);
			_exit(1);
		}
		store_close(a1);
		_exit(0);
	}
	ck_assert_int_eq(read(opened[0], &c, 1), 1);
	remover = fork();
	ck_assert_int_ge(remover, 0);
	if (remover == 0) {
		Store *a2 = open_as(t.db, t.alice_key);
		Error err;

		error_clear(&err);
		if (store_operator_remove(a2, "bob", NULL, NULL, &err) != ST_OK) {
			fprintf(stderr, "remove: %s\n", err.msg);
			_exit(1);
		}
		store_close(a2);
		_exit(0);
	}
	pg_wait_waiters(t.db, 1); /* the removal queued first */
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	pg_wait_waiters(t.db, 2); /* then the write */
	r = PQexec(holder, "COMMIT");
	ck_assert_int_eq(PQresultStatus(r), PGRES_COMMAND_OK);
	PQclear(r);
	PQfinish(holder);
	ck_assert_int_eq(waitpid(remover, &st1, 0), remover);
	ck_assert_int_eq(waitpid(writer, &st2, 0), writer);
	ck_assert_msg(WIFEXITED(st1) && WEXITSTATUS(st1) == 0, "the removal failed");
	ck_assert_msg(WIFEXITED(st2) && WEXITSTATUS(st2) == 0, "the queued write failed");
	/* a fresh console with the new key decrypts what the queued write stored */
	s = open_as(t.db, t.alice_key);
	ck_assert(verifies(s, "queued", "q-value"));
	ck_assert(verifies(s, "one", "value-two"));
	store_close(s);
	close(opened[0]), close(opened[1]), close(go[0]), close(go[1]);
	two_free(&t);
}
END_TEST

/* db copy: the copy opens for both operators; a source version that does
 * not decrypt stops the copy before anything is written. */
START_TEST(test_copy_verifies_before_writing)
{
	Two t;
	char *dst_path, *n;
	StoreCopyReport r;
	Store *src, *dst;
	Error err;

	two_setup(&t);
	dst_path = tu_path(t.dir, "copy.db");
	src = open_as(t.db, t.alice_key);
	dst = open_as(dst_path, t.alice_key);
	error_clear(&err);
	ck_assert_msg(store_copy(src, dst, false, &r, &err) == ST_OK, "%s", err.msg);
	ck_assert_int_eq(r.secrets_verified, 3);
	ck_assert(verifies(dst, "one", "value-two"));
	store_close(dst);
	store_close(src);
	dst = open_as(dst_path, t.bob_key);
	ck_assert(verifies(dst, "other", "x"));
	store_close(dst);
	/* a version moved from another secret does not authenticate */
	tu_sql(t.db, "UPDATE secret_versions SET material = (SELECT material FROM secret_versions "
		     "WHERE secret_id = (SELECT id FROM secrets WHERE name = 'other')) WHERE "
		     "secret_id = (SELECT id FROM secrets WHERE name = 'one') AND version = 2");
	tu_sql(dst_path, "DELETE FROM activity");
	src = open_as(t.db, t.alice_key);
	dst = open_as(dst_path, t.alice_key);
	ck_assert_int_eq(store_copy(src, dst, true, &r, &err), ST_E_CRYPTO);
	ck_assert_msg(strstr(err.msg, "nothing was written") != NULL, "%s", err.msg);
	store_close(dst);
	store_close(src);
	n = tu_sql_text(dst_path, "SELECT count(*) FROM secret_versions");
	ck_assert_str_eq(n, "3"); /* the earlier copy, untouched */
	free(n);
	free(dst_path);
	two_free(&t);
}
END_TEST

TEST_SUITE(store_operator)
{
	Suite *s = suite_create("store_operator");
	TCase *tc = tcase_create("operator");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_key_file_private_and_stable);
	tcase_add_test(tc, test_public_key_never_reads_as_option);
	tcase_add_test(tc, test_admitted_operator_opens_and_is_named);
	tcase_add_test(tc, test_not_admitted_says_who_can_admit);
	tcase_add_test(tc, test_add_refuses_bad_and_taken);
	tcase_add_test(tc, test_remove_rotates_and_locks_out);
	tcase_add_test(tc, test_last_operator_and_unknown_refused);
	tcase_add_test(tc, test_master_key_database_migrates);
	tcase_add_test(tc, test_copy_verifies_before_writing);
	tcase_add_test(tc, test_rotation_seen_by_open_console);
	if (tu_pg())
		tcase_add_test(tc, test_pg_write_queued_behind_rotation);
	suite_add_tcase(s, tc);
	return s;
}
