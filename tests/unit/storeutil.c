#include "storeutil.h"

#include <check.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdint.h>
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

bool tu_pg(void)
{
	const char *url = getenv("ENVCTL_TEST_DB_URL");

	return url && (!strncmp(url, "postgresql://", 13) || !strncmp(url, "postgres://", 11));
}

static bool tu_is_url(const char *path)
{
	return !strncmp(path, "postgresql://", 13) || !strncmp(path, "postgres://", 11);
}

static PGconn *tu_pg_connect(const char *url)
{
	PGconn *c = PQconnectdb(url);

	ck_assert_msg(PQstatus(c) == CONNECTION_OK, "connecting to %s: %s", url,
		      PQerrorMessage(c));
	PQclear(PQexec(c, "SET client_min_messages = warning"));
	return c;
}

/* What the tampering SQL of the suites uses that PostgreSQL spells
 * otherwise: test-only helpers in the test's own schema. */
static const char tu_pg_compat[] =
	"CREATE OR REPLACE FUNCTION hex(b bytea) RETURNS text LANGUAGE sql IMMUTABLE "
	"  AS $$ SELECT upper(encode(b, 'hex')) $$;"
	"CREATE OR REPLACE FUNCTION tu_concat(acc text, v text, sep text) RETURNS text "
	"  LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN acc IS NULL THEN v "
	"  ELSE acc || sep || v END $$;"
	"CREATE OR REPLACE AGGREGATE group_concat(text, text) (SFUNC = tu_concat, STYPE = text);"
	"CREATE OR REPLACE FUNCTION json_object(k text, v text) RETURNS text LANGUAGE sql "
	"  IMMUTABLE AS $$ SELECT json_build_object(k, v)::text $$;";

/* One schema per test directory (the same directory reopens the same
 * database), in the server's database ENVCTL_TEST_DB_URL names. */
char *tu_db_path(const char *dir)
{
	const char *base = getenv("ENVCTL_TEST_DB_URL");
	uint64_t h = 1469598103934665603ull;
	char schema[40], sql[256], *url;
	PGconn *c;
	PGresult *r;

	if (!tu_pg())
		return tu_path(dir, "envctl.db");
	for (const char *p = dir; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	snprintf(schema, sizeof schema, "t_%016llx", (unsigned long long)h);
	c = tu_pg_connect(base);
	snprintf(sql, sizeof sql, "CREATE SCHEMA IF NOT EXISTS %s; SET search_path = %s;", schema,
		 schema);
	r = PQexec(c, sql);
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s", PQerrorMessage(c));
	PQclear(r);
	r = PQexec(c, tu_pg_compat);
	ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK, "%s", PQerrorMessage(c));
	PQclear(r);
	PQfinish(c);
	ck_assert_int_gt(asprintf(&url, "%s%soptions=-csearch_path%%3D%s", base,
				  strchr(base, '?') ? "&" : "?", schema),
			 0);
	return url;
}

Store *tu_store_open(const char *dir)
{
	char *path = tu_db_path(dir);
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

	if (tu_is_url(db_path)) {
		PGconn *c = tu_pg_connect(db_path);
		PGresult *r = PQexec(c, sql);

		ck_assert_msg(PQresultStatus(r) == PGRES_COMMAND_OK ||
				      PQresultStatus(r) == PGRES_TUPLES_OK,
			      "%s: %s", sql, PQerrorMessage(c));
		PQclear(r);
		PQfinish(c);
		return;
	}
	ck_assert_int_eq(sqlite3_open(db_path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
	ck_assert_msg(rc == SQLITE_OK, "%s: %s", sql, msg ? msg : "");
	sqlite3_close(db);
}

void tu_downgrade_to_master_key(const char *db_path, const char *key_path, const char *key_hex)
{
	FILE *f;

	tu_sql(db_path, "DROP TABLE operators; ALTER TABLE secret_access_events DROP COLUMN "
			"operator_name; DELETE FROM schema_migrations WHERE version = 3; "
			"PRAGMA user_version = 2");
	f = fopen(key_path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(key_hex, f);
	fputc('\n', f);
	fclose(f);
	ck_assert_int_eq(chmod(key_path, 0600), 0);
}

char *tu_sql_text(const char *db_path, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	char *out;

	if (tu_is_url(db_path)) {
		PGconn *c = tu_pg_connect(db_path);
		PGresult *r = PQexec(c, sql);

		ck_assert_msg(PQresultStatus(r) == PGRES_TUPLES_OK, "%s: %s", sql,
			      PQerrorMessage(c));
		if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0))
			/* booleans as SQLite shows them */
			out = strdup(PQftype(r, 0) == 16 ? (PQgetvalue(r, 0, 0)[0] == 't' ? "1" : "0")
							 : PQgetvalue(r, 0, 0));
		else
			out = strdup("");
		PQclear(r);
		PQfinish(c);
		ck_assert_ptr_nonnull(out);
		return out;
	}
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

/* PostgreSQL: the needle in any table's text, or in the bytes of a
 * secret version (what a file search finds in SQLite's file). */
static int tu_pg_contains(const char *url, const char *needle)
{
	static const char *const tables[] = { "meta", "schema_migrations", "environments",
					      "leases", "secrets", "secret_bindings",
					      "secret_access_events", "probes", "activity",
					      "lease_counts", "secret_versions" };
	char q[8192], lit[512], *o = lit, *t;
	size_t k = 0;
	int found;

	for (const char *p = needle; *p && o < lit + sizeof lit - 3; p++) {
		if (*p == '\'')
			*o++ = '\'';
		*o++ = *p;
	}
	*o = '\0';
	k += (size_t)snprintf(q + k, sizeof q - k, "SELECT 0");
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
		k += (size_t)snprintf(q + k, sizeof q - k,
				      " + (SELECT count(*) FROM %s t WHERE strpos(t::text, '%s') > 0)",
				      tables[i], lit);
	snprintf(q + k, sizeof q - k,
		 " + (SELECT count(*) FROM secret_versions WHERE position(convert_to('%s', 'UTF8') "
		 "IN coalesce(material, ''::bytea) || coalesce(fingerprint, ''::bytea)) > 0)",
		 lit);
	t = tu_sql_text(url, q);
	found = atoi(t) > 0;
	free(t);
	return found;
}

int tu_file_contains(const char *path, const char *needle)
{
	size_t len = 0, n = strlen(needle);
	char *data;
	int found = 0;

	if (tu_is_url(path))
		return tu_pg_contains(path, needle);
	data = fs_read_file(path, &len, NULL);
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

char *tu_env_app(App *app, Status (*add)(Registry *registry, Error *err), Error *err)
{
	char *dir = tu_store_dir();

	memset(app, 0, sizeof *app);
	error_clear(err);
	ck_assert_int_eq(registry_init(&app->registry, tu_forms_dir(), err), ST_OK);
	ck_assert_msg(add(&app->registry, err) == ST_OK, "%s", err->msg);
	app->db_path = tu_db_path(dir);
	ck_assert_int_eq(app_set_actor(app, "test", err), ST_OK);
	return dir;
}
