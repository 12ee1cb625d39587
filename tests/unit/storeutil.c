#include "storeutil.h"

#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "testutil.h"
#include "util/fs.h"

char *tu_store_dir(void)
{
	char *dir = tu_tmpdir();
	char *cfg = tu_path(dir, "config");

	setenv("XDG_CONFIG_HOME", cfg, 1);
	unsetenv("ENVCTL_MASTER_KEY");
	free(cfg);
	return dir;
}

char *tu_path(const char *dir, const char *name)
{
	char *p = fs_join(dir, name);

	ck_assert_ptr_nonnull(p);
	return p;
}

Store *tu_store_open(const char *dir)
{
	char *path = tu_path(dir, "envctl.db");
	Store *s = NULL;
	Error err;

	error_clear(&err);
	ck_assert_msg(store_open(path, &s, &err) == ST_OK, "store_open: %s", error_text(&err));
	free(path);
	return s;
}

void tu_sql(const char *db_path, const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	int rc;

	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "");
	sqlite3_close(db);
}

char *tu_sql_text(const char *db_path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *out;

	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
		      sqlite3_errmsg(db));
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		out = strdup((const char *)sqlite3_column_text(st, 0));
	else
		out = strdup("");
	sqlite3_finalize(st);
	sqlite3_close(db);
	ck_assert_ptr_nonnull(out);
	return out;
}

char *tu_sql_plan(const char *db_path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char q[4096], out[4096] = "";

	snprintf(q, sizeof q, "EXPLAIN QUERY PLAN %s", sql);
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	ck_assert_msg(sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK, "%s: %s", q,
		      sqlite3_errmsg(db));
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 3);

		strncat(out, d ? d : "", sizeof out - strlen(out) - 2);
		strcat(out, ";");
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return strdup(out);
}

int tu_file_contains(const char *path, const char *needle)
{
	size_t len = 0, n = strlen(needle);
	char *data = fs_read_file(path, &len, NULL);
	int found = 0;

	if (!data)
		return 0;
	for (size_t i = 0; n && i + n <= len; i++)
		if (memcmp(data + i, needle, n) == 0) {
			found = 1;
			break;
		}
	free(data);
	return found;
}

int tu_mode(const char *path)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return -1;
	return (int)(st.st_mode & 07777);
}
