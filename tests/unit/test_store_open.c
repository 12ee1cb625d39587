/* Opening the store: files and modes, migrations, versions, the master key. */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/private.h"
#include "storeutil.h"
#include "testutil.h"
#include "util/fs.h"

#define KEY_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define KEY_B "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

START_TEST(test_open_creates_private_files)
{
	char *dir = tu_store_dir();
	char *nested = tu_path(dir, "a/b/envctl.db");
	char *adir = tu_path(dir, "a"), *bdir = tu_path(dir, "a/b");
	char *wal = tu_path(dir, "a/b/envctl.db-wal"), *shm = tu_path(dir, "a/b/envctl.db-shm");
	char *key = tu_path(dir, "config/envctl/operator.key");
	char *keydir = tu_path(dir, "config/envctl");
	Store *s = NULL;
	Error err;

	umask(022);
	error_clear(&err);
	ck_assert_int_eq(store_open(nested, &s, &err), ST_OK);
	ck_assert_int_eq(store_activity_add(s, &(StoreActivityNew){ .actor = "t", .action = "x",
								    .entity_type = "environment" },
					    &err),
			 ST_OK);
	ck_assert_int_eq(tu_mode(adir), 0700);
	ck_assert_int_eq(tu_mode(bdir), 0700);
	ck_assert_int_eq(tu_mode(nested), 0600);
	ck_assert_int_eq(tu_mode(wal), 0600);
	ck_assert_int_eq(tu_mode(shm), 0600);
	ck_assert_int_eq(tu_mode(key), 0600);
	ck_assert_int_eq(tu_mode(keydir), 0700);
	ck_assert_int_eq(store_schema_version(s), store_schema_version_latest());
	ck_assert_str_eq(store_key_source(s), key);
	store_close(s);
	free(dir), free(nested), free(adir), free(bdir), free(wal), free(shm), free(key);
	free(keydir);
}
END_TEST

/* --readonly (#14): an existing database opens read-only and refuses
 * writes; a missing one is not created; nothing is made beside it. */
START_TEST(test_readonly_open)
{
	char *dir = tu_store_dir();
	char *path = tu_path(dir, "envctl.db"), *missing = tu_path(dir, "none/envctl.db");
	char *nonedir = tu_path(dir, "none");
	StoreOptions ro = { .readonly = true };
	Store *s = NULL;
	Error err;

	s = tu_store_open(dir);
	ck_assert(!store_readonly(s));
	store_close(s);
	error_clear(&err);
	ck_assert_msg(store_open_ex(path, &ro, &s, &err) == ST_OK, "%s", error_text(&err));
	ck_assert(store_readonly(s));
	ck_assert_int_ne(store_activity_add(s, &(StoreActivityNew){ .actor = "t", .action = "x",
								    .entity_type = "environment" },
					    &err),
			 ST_OK);
	store_close(s);
	ck_assert_int_eq(store_open_ex(missing, &ro, &s, &err), ST_E_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(err.msg, "never creates"));
	ck_assert_int_ne(access(nonedir, F_OK), 0);
	free(path), free(missing), free(nonedir), free(dir);
}
END_TEST

START_TEST(test_open_narrows_wide_existing_file)
{
	char *dir = tu_store_dir();
	char *path = tu_path(dir, "envctl.db");
	Store *s;

	store_close(tu_store_open(dir));
	chmod(path, 0644);
	s = tu_store_open(dir);
	ck_assert_int_eq(tu_mode(path), 0600);
	store_close(s);
	free(path);
	free(dir);
}
END_TEST

/* Issue #12: a -wal symlink made envctl chmod its target. */
START_TEST(test_wal_symlink_refused_target_untouched)
{
	char *dir = tu_store_dir();
	char *path = tu_path(dir, "envctl.db");
	char *wal = tu_path(dir, "envctl.db-wal"), *target = tu_path(dir, "victim");
	FILE *f;
	Store *s = NULL;
	Error err;

	store_close(tu_store_open(dir));
	f = fopen(target, "w");
	fclose(f);
	chmod(target, 0644);
	unlink(wal);
	ck_assert_int_eq(symlink(target, wal), 0);
	chmod(path, 0644); /* so the open wants to narrow modes */
	error_clear(&err);
	ck_assert_int_eq(store_open(path, &s, &err), ST_E_INVALID);
	ck_assert_msg(strstr(err.msg, "is not a regular file (a symbolic link)") != NULL, "%s",
		      err.msg);
	ck_assert_int_eq(tu_mode(target), 0644);
	free(wal);
	free(target);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_migrations_tracked_and_idempotent)
{
	char *dir = tu_store_dir();
	char *path = tu_path(dir, "envctl.db");
	char *v, *n, *mode, *fk;
	Store *s = tu_store_open(dir);

	store_close(s);
	s = tu_store_open(dir); /* a second open applies nothing */
	store_close(s);
	v = tu_sql_text(path, "PRAGMA user_version");
	n = tu_sql_text(path, "SELECT count(*) FROM schema_migrations");
	mode = tu_sql_text(path, "PRAGMA journal_mode");
	ck_assert_int_eq(atoi(v), store_schema_version_latest());
	ck_assert_int_eq(atoi(n), store_schema_version_latest());
	ck_assert_str_eq(mode, "wal");
	/* every table of DESIGN §3 (Entities) */
	fk = tu_sql_text(path, "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_master "
			       "WHERE type = 'table' AND name NOT LIKE 'sqlite%' ORDER BY name)");
	ck_assert_str_eq(fk, "activity,environments,lease_counts,leases,meta,operators,probes,"
			     "schema_migrations,"
			     "secret_access_events,secret_bindings,secret_versions,secrets");
	free(v), free(n), free(mode), free(fk);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_newer_database_refused)
{
	char *dir = tu_store_dir();
	char *path = tu_path(dir, "envctl.db");
	char want[64];
	Store *s = NULL;
	Error err;

	store_close(tu_store_open(dir));
	tu_sql(path, "PRAGMA user_version = 99");
	error_clear(&err);
	ck_assert_int_eq(store_open(path, &s, &err), ST_E_STORE);
	ck_assert_ptr_null(s);
	ck_assert_ptr_nonnull(strstr(err.msg, "schema version 99"));
	snprintf(want, sizeof want, "up to %d", store_schema_version_latest());
	ck_assert_msg(strstr(err.msg, want) != NULL, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "newer envctl"));
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_not_a_database)
{
	char *dir = tu_store_dir();
	char *path = tu_path(dir, "envctl.db");
	FILE *f = fopen(path, "w");
	Store *s = NULL;
	Error err;

	ck_assert_ptr_nonnull(f);
	fputs("this is not a database, just text that is long enough to have a header....", f);
	fclose(f);
	chmod(path, 0600);
	error_clear(&err);
	ck_assert_int_eq(store_open(path, &s, &err), ST_E_STORE);
	ck_assert_ptr_nonnull(strstr(err.msg, "not an envctl database"));
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_env_key_mismatch_names_variable)
{
	char *dir = tu_store_dir();
	char *path = tu_path(dir, "envctl.db");
	Store *s = NULL;
	Error err;

	setenv("ENVCTL_MASTER_KEY", KEY_A, 1);
	store_close(tu_store_open(dir));
	setenv("ENVCTL_MASTER_KEY", KEY_B, 1);
	error_clear(&err);
	ck_assert_int_eq(store_open(path, &s, &err), ST_E_CRYPTO);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err.msg, "from ENVCTL_MASTER_KEY does not match") != NULL, "%s",
		      err.msg);
	ck_assert_ptr_null(strstr(err.msg, KEY_B));
	/* the same key in base64 is the same key */
	setenv("ENVCTL_MASTER_KEY", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=", 1);
	store_close(tu_store_open(dir));
	/* and without the variable, the operator key admitted when the
	 * database was made opens it */
	unsetenv("ENVCTL_MASTER_KEY");
	error_clear(&err);
	ck_assert_msg(store_open(path, &s, &err) == ST_OK, "%s", err.msg);
	ck_assert_ptr_nonnull(store_operator_name(s));
	store_close(s);
	free(path);
	free(dir);
}
END_TEST

/* A database as envctl made it before operator keys (schema 2, a master
 * key file): made now with KEY_A in the file, then taken back to schema 2. */
static void make_legacy(const char *dir, const char *path)
{
	char *key = tu_path(dir, "config/envctl/master.key");
	char *opkey = tu_path(dir, "config/envctl/operator.key");
	Store *s;

	setenv("ENVCTL_MASTER_KEY", KEY_A, 1);
	s = tu_store_open(dir);
	ck_assert_int_eq(store_secret_create(s, &(StoreSecretNew){ .name = "old", .value =
									(const unsigned char *)"v1",
								  .value_len = 2 },
					     NULL, NULL),
			 ST_OK);
	store_close(s);
	unsetenv("ENVCTL_MASTER_KEY");
	unlink(opkey);
	tu_downgrade_to_master_key(path, key, KEY_A);
	free(key);
	free(opkey);
}

START_TEST(test_file_key_mismatch_names_file)
{
	char *dir = tu_store_dir();
	char *path = tu_path(dir, "envctl.db");
	char *key = tu_path(dir, "config/envctl/master.key");
	FILE *f;
	Store *s = NULL;
	Error err;

	make_legacy(dir, path);
	ck_assert(fs_is_file(key));
	/* someone puts a different key in the file */
	unlink(key);
	f = fopen(key, "w");
	fputs(KEY_B "\n", f);
	fclose(f);
	chmod(key, 0600);
	error_clear(&err);
	ck_assert_int_eq(store_open(path, &s, &err), ST_E_CRYPTO);
	ck_assert_msg(strstr(err.msg, key) != NULL, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(err.msg, "does not match"));
	free(key);
	free(path);
	free(dir);
}
END_TEST

START_TEST(test_key_file_never_overwritten)
{
	char *dir = tu_store_dir();
	char *key = tu_path(dir, "config/envctl/operator.key");
	char *other = tu_path(dir, "other.db");
	char *before, *after;
	Store *s = NULL;
	Error err;

	store_close(tu_store_open(dir));
	before = fs_read_file(key, NULL, NULL);
	ck_assert_ptr_nonnull(before);
	ck_assert_ptr_nonnull(strstr(before, "\nsecret "));
	error_clear(&err);
	ck_assert_int_eq(store_open(other, &s, &err), ST_OK); /* a second database, same key */
	store_close(s);
	store_close(tu_store_open(dir));
	after = fs_read_file(key, NULL, NULL);
	ck_assert_str_eq(before, after);
	free(before), free(after), free(key), free(other), free(dir);
}
END_TEST

START_TEST(test_missing_key_for_existing_database)
{
	char *dir = tu_store_dir();
	char *path = tu_path(dir, "envctl.db");
	char *key = tu_path(dir, "config/envctl/master.key");
	Store *s = NULL;
	Error err;

	make_legacy(dir, path);
	unlink(key);
	error_clear(&err);
	ck_assert_int_eq(store_open(path, &s, &err), ST_E_CRYPTO);
	ck_assert_msg(strstr(err.msg, "was created with a master key") != NULL, "%s", err.msg);
	/* Issue #12: the message was formatted from itself ("; database ..."). */
	ck_assert_msg(strncmp(err.msg, "master key file ", 16) == 0, "%s", err.msg);
	ck_assert(!fs_is_file(key)); /* no new key generated for an old database */
	free(key), free(path), free(dir);
}
END_TEST

START_TEST(test_bad_key_file)
{
	char *dir = tu_store_dir();
	char *path = tu_path(dir, "envctl.db");
	char *key = tu_path(dir, "config/envctl/operator.key");
	FILE *f;
	Store *s = NULL;
	Error err;

	store_close(tu_store_open(dir));
	chmod(key, 0644);
	error_clear(&err);
	ck_assert_int_eq(store_open(path, &s, &err), ST_E_CRYPTO);
	ck_assert_msg(strstr(err.msg, "chmod 600") != NULL, "%s", err.msg);
	unlink(key);
	f = fopen(key, "w");
	fputs("too-short\n", f);
	fclose(f);
	chmod(key, 0600);
	error_clear(&err);
	ck_assert_int_eq(store_open(path, &s, &err), ST_E_CRYPTO);
	ck_assert_msg(strstr(err.msg, "is damaged") != NULL, "%s", err.msg);
	ck_assert_ptr_null(strstr(err.msg, "too-short"));
	free(key), free(path), free(dir);
}
END_TEST

START_TEST(test_bad_env_key)
{
	char *dir = tu_store_dir();
	char *path = tu_path(dir, "envctl.db");
	Store *s = NULL;
	Error err;

	setenv("ENVCTL_MASTER_KEY", "hunter2-not-a-key", 1);
	error_clear(&err);
	ck_assert_int_eq(store_open(path, &s, &err), ST_E_CRYPTO);
	ck_assert_ptr_nonnull(strstr(err.msg, "ENVCTL_MASTER_KEY must hold a 32-byte key"));
	ck_assert_ptr_null(strstr(err.msg, "hunter2"));
	unsetenv("ENVCTL_MASTER_KEY");
	free(path), free(dir);
}
END_TEST

START_TEST(test_transactions_nest_and_roll_back)
{
	char *dir = tu_store_dir();
	Store *s = tu_store_open(dir);
	StoreActivityNew a = { .actor = "t", .action = "a", .entity_type = "environment" };
	StoreActivityList l;
	Error err;

	error_clear(&err);
	ck_assert_int_eq(store_begin(s, &err), ST_OK);
	ck_assert(store_in_transaction(s));
	ck_assert_int_eq(store_activity_add(s, &a, &err), ST_OK);
	ck_assert_int_eq(store_begin(s, &err), ST_OK);
	ck_assert_int_eq(store_activity_add(s, &a, &err), ST_OK);
	store_rollback(s); /* only the inner one */
	ck_assert_int_eq(store_commit(s, &err), ST_OK);
	ck_assert(!store_in_transaction(s));
	ck_assert_int_eq(store_activity_list(s, NULL, 0, 0, &l, &err), ST_OK);
	ck_assert_uint_eq(l.count, 1);
	store_activity_list_clear(&l);
	ck_assert_int_eq(store_begin(s, &err), ST_OK);
	ck_assert_int_eq(store_activity_add(s, &a, &err), ST_OK);
	store_rollback(s);
	ck_assert_int_eq(store_activity_list(s, NULL, 0, 0, &l, &err), ST_OK);
	ck_assert_uint_eq(l.count, 1);
	store_activity_list_clear(&l);
	ck_assert_int_eq(store_commit(s, &err), ST_E_STORE);
	store_close(s);
	free(dir);
}
END_TEST

static int sync_level(Store *s)
{
	DbStmt *st;
	int v = -1;

	ck_assert_int_eq(db_prepare(s->db, "PRAGMA synchronous", false, &st), DB_OK);
	if (db_step(st) == DB_ROW)
		v = db_col_int(st, 0);
	db_finalize(st);
	return v;
}

/* A relaxed transaction commits with synchronous=NORMAL and leaves the
 * handle at FULL again whichever way it ends; nested in another
 * transaction it is a savepoint that changes nothing. */
START_TEST(test_relaxed_commit_restores_full)
{
	char *dir = tu_store_dir();
	Store *s = tu_store_open(dir);
	StoreActivityNew a = { .actor = "t", .action = "a", .entity_type = "environment" };
	StoreActivityList l;
	Error err;

	error_clear(&err);
	ck_assert_int_eq(sync_level(s), 2);
	ck_assert_int_eq(store_begin_relaxed(s, &err), ST_OK);
	ck_assert_int_eq(sync_level(s), 1);
	ck_assert_int_eq(store_activity_add(s, &a, &err), ST_OK);
	ck_assert_int_eq(store_commit(s, &err), ST_OK);
	ck_assert_int_eq(sync_level(s), 2);
	ck_assert(s->unsynced);
	/* a durable commit syncs the log, the relaxed frames before it too */
	ck_assert_int_eq(store_begin(s, &err), ST_OK);
	ck_assert_int_eq(store_activity_add(s, &a, &err), ST_OK);
	ck_assert_int_eq(store_commit(s, &err), ST_OK);
	ck_assert(!s->unsynced);
	ck_assert_int_eq(store_begin_relaxed(s, &err), ST_OK);
	ck_assert_int_eq(store_activity_add(s, &a, &err), ST_OK);
	store_rollback(s);
	ck_assert_int_eq(sync_level(s), 2);
	ck_assert(!s->unsynced);
	ck_assert_int_eq(store_begin(s, &err), ST_OK);
	ck_assert_int_eq(store_begin_relaxed(s, &err), ST_OK);
	ck_assert_int_eq(sync_level(s), 2);
	ck_assert_int_eq(store_activity_add(s, &a, &err), ST_OK);
	ck_assert_int_eq(store_commit(s, &err), ST_OK);
	ck_assert_int_eq(store_commit(s, &err), ST_OK);
	ck_assert_int_eq(sync_level(s), 2);
	ck_assert(!s->unsynced);
	ck_assert_int_eq(store_activity_list(s, NULL, 0, 0, &l, &err), ST_OK);
	ck_assert_uint_eq(l.count, 3);
	store_activity_list_clear(&l);
	store_close(s);
	free(dir);
}
END_TEST

/* Two processes open a brand-new database at once: both migrate safely and
 * agree on one key check. */
START_TEST(test_concurrent_first_open)
{
	char *dir = tu_store_dir();
	pid_t pids[4];
	int status;

	for (int i = 0; i < 4; i++) {
		pids[i] = fork();
		ck_assert_int_ge(pids[i], 0);
		if (pids[i] == 0) {
			char *path = tu_path(dir, "envctl.db");
			Store *s = NULL;
			Error err;

			error_clear(&err);
			if (store_open(path, &s, &err) != ST_OK) {
				fprintf(stderr, "child: %s\n", err.msg);
				_exit(1);
			}
			store_close(s);
			_exit(0);
		}
	}
	for (int i = 0; i < 4; i++) {
		ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	store_close(tu_store_open(dir));
	free(dir);
}
END_TEST

/* Issue #14: a lock error named "another envctl" as the holder, which
 * envctl cannot know (sqlite3 or any program may hold the lock). */
START_TEST(test_lock_error_names_no_holder)
{
	Error err;

	error_clear(&err);
	ck_assert_int_eq(store_sql_error(NULL, DB_BUSY, &err, "saving"), ST_E_BUSY);
	ck_assert_msg(strstr(err.msg, "locked by another envctl") == NULL, "%s", err.msg);
	ck_assert_msg(strstr(err.msg, "another program") != NULL, "%s", err.msg);
	ck_assert_msg(strstr(err.msg, "try again") != NULL, "%s", err.msg);
}
END_TEST

/* #17: a PostgreSQL URL is shown everywhere without its password. */
START_TEST(test_url_redact)
{
	static const char *const cases[][2] = {
		{ "postgresql://u:pw@h:5432/db", "postgresql://u@h:5432/db" },
		{ "postgres://u:p@ss@h/db?sslmode=require", "postgres://u@h/db?sslmode=require" },
		{ "postgresql://u@/db?host=/tmp/s&password=pw", "postgresql://u@/db?host=/tmp/s" },
		{ "postgresql://h/db?password=pw&sslmode=disable", "postgresql://h/db?sslmode=disable" },
		{ "postgresql://h/db?password=pw", "postgresql://h/db" },
		{ "postgresql://u@h/db?application_name=x", "postgresql://u@h/db?application_name=x" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *r = db_url_redact(cases[i][0]), *shown = store_path_shown(cases[i][0]);

		ck_assert_str_eq(r, cases[i][1]);
		ck_assert_str_eq(shown, cases[i][1]);
		free(r);
		free(shown);
	}
	ck_assert(db_is_pg_url("postgres://h/db") && db_is_pg_url("postgresql://h/db"));
	ck_assert(!db_is_pg_url("/tmp/postgresql://x") && !db_is_pg_url("envctl.db"));
	{
		char *shown = store_path_shown("/tmp/a:b@c.db");

		ck_assert_str_eq(shown, "/tmp/a:b@c.db"); /* a file path is shown as it is */
		free(shown);
	}
}
END_TEST

TEST_SUITE(store_open)
{
	Suite *s = suite_create("store_open");
	TCase *tc = tcase_create("open");

	tcase_add_test(tc, test_open_creates_private_files);
	tcase_add_test(tc, test_url_redact);
	tcase_add_test(tc, test_open_narrows_wide_existing_file);
	tcase_add_test(tc, test_wal_symlink_refused_target_untouched);
	tcase_add_test(tc, test_migrations_tracked_and_idempotent);
	tcase_add_test(tc, test_newer_database_refused);
	tcase_add_test(tc, test_not_a_database);
	tcase_add_test(tc, test_env_key_mismatch_names_variable);
	tcase_add_test(tc, test_file_key_mismatch_names_file);
	tcase_add_test(tc, test_key_file_never_overwritten);
	tcase_add_test(tc, test_missing_key_for_existing_database);
	tcase_add_test(tc, test_bad_key_file);
	tcase_add_test(tc, test_bad_env_key);
	tcase_add_test(tc, test_transactions_nest_and_roll_back);
	tcase_add_test(tc, test_relaxed_commit_restores_full);
	tcase_add_test(tc, test_concurrent_first_open);
	tcase_add_test(tc, test_readonly_open);
	tcase_add_test(tc, test_lock_error_names_no_holder);
	suite_add_tcase(s, tc);
	return s;
}
