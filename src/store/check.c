/* `envctl db check` and `envctl db backup`. */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/private.h"
#include "util/lib.h"

void store_check_report_clear(StoreCheckReport *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->count; i++)
		free(r->problems[i]);
	free(r->problems);
	memset(r, 0, sizeof *r);
}

static bool store_problem(StoreCheckReport *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool store_problem(StoreCheckReport *r, const char *fmt, ...)
{
	Buf b = BUF_INIT;
	char line[1024];
	va_list ap;

	if (!array_reserve(&r->problems, &r->cap, r->count, sizeof *r->problems))
		return false;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (!buf_puts(&b, line))
		return false;
	r->problems[r->count++] = buf_take(&b);
	return true;
}

/* Runs a query whose every row is one problem sentence (column 0). */
static Status store_check_rows(Store *s, StoreCheckReport *r, const char *prefix,
			       const char *sql, Error *err)
{
	DbStmt *st = store_stmt(s, sql, err);
	int rc;

	if (!st)
		return err->status;
	while ((rc = db_step(st)) == DB_ROW) {
		const char *text = store_col_text(st, 0);

		if (!store_problem(r, "%s%s", prefix, text ? text : "")) {
			store_stmt_done(s, st);
			return error_set(err, ST_E_NOMEM, "out of memory");
		}
	}
	store_stmt_done(s, st);
	if (rc != DB_DONE)
		return store_sql_error(s, rc, err, "checking the database");
	return ST_OK;
}

static Status store_count(Store *s, const char *sql, long *out, Error *err)
{
	DbStmt *st = store_stmt(s, sql, err);

	if (!st)
		return err->status;
	return store_step_count(s, st, out, err, "checking the database");
}

/* Bindings against configs: every binding's path must hold its secret id,
 * and every secret id a config holds at a bound path must be bound. This
 * needs JSON Pointer, so it walks in C rather than SQL. */
static Status store_check_configs(Store *s, StoreCheckReport *r, Error *err)
{
	DbStmt *st = store_stmt(s,
				      "SELECT e.name, e.config, b.config_path, b.secret_id "
				      "FROM secret_bindings b JOIN environments e ON "
				      "b.target_type = 'environment' AND e.id = b.target_id "
				      "ORDER BY e.name, b.config_path",
				      err);
	int rc;

	if (!st)
		return err->status;
	while ((rc = db_step(st)) == DB_ROW) {
		const char *name = store_col_text(st, 0), *path = store_col_text(st, 2),
			   *sid = store_col_text(st, 3);
		cJSON *config = store_col_json(st, 1, "{}");
		const cJSON *at = config ? jsonptr_get(config, path) : NULL;
		bool ok = true;

		if (!cJSON_IsString(at) || strcmp(at->valuestring, sid) != 0)
			ok = store_problem(r,
					   "dangling binding: environment %s is bound to secret %s at "
					   "%s, but its config does not hold that id there",
					   name, sid, path);
		cJSON_Delete(config);
		if (!ok) {
			store_stmt_done(s, st);
			return error_set(err, ST_E_NOMEM, "out of memory");
		}
	}
	store_stmt_done(s, st);
	if (rc != DB_DONE)
		return store_sql_error(s, rc, err, "checking bindings");
	return ST_OK;
}

/* Every current version must decrypt under this key: a damaged or
 * swapped ciphertext shows here, not at the next probe. */
static Status store_check_decrypt(Store *s, StoreCheckReport *r, Error *err)
{
	DbStmt *st = store_stmt(s,
				      "SELECT s.id, s.name, v.version, v.material FROM secret_versions "
				      "v JOIN secrets s ON s.id = v.secret_id WHERE v.status = "
				      "'current' AND s.status <> 'deleted' ORDER BY s.name, v.version",
				      err);
	int rc;

	if (!st)
		return err->status;
	while ((rc = db_step(st)) == DB_ROW) {
		char *value = NULL;
		size_t len = 0;
		Error derr;
		bool ok = true;

		error_clear(&derr);
		if (store_crypto_decrypt(s->keys, store_col_text(st, 1), store_col_text(st, 0),
					 (long)db_col_int64(st, 2), db_col_blob(st, 3),
					 (size_t)db_col_bytes(st, 3), &value, &len,
					 &derr) != ST_OK)
			ok = store_problem(r, "undecryptable secret: %s", derr.msg);
		if (value) {
			sodium_memzero(value, len);
			free(value);
		}
		if (!ok) {
			store_stmt_done(s, st);
			return error_set(err, ST_E_NOMEM, "out of memory");
		}
	}
	store_stmt_done(s, st);
	if (rc != DB_DONE)
		return store_sql_error(s, rc, err, "checking secret versions");
	return ST_OK;
}

Status store_check(Store *s, StoreCheckReport *out, Error *err)
{
	bool pg = db_kind(s->db) == DB_KIND_PG;

	memset(out, 0, sizeof *out);
	/* PostgreSQL checks its pages and foreign keys itself: the two SQLite
	 * pragmas have no counterpart to run there. */
	if (!pg && store_check_rows(s, out, "integrity: ", "PRAGMA integrity_check", err) != ST_OK)
		goto fail;
	/* integrity_check says "ok" when all is well. */
	if (out->count == 1 && strcmp(out->problems[0], "integrity: ok") == 0) {
		free(out->problems[0]);
		out->count = 0;
	}
	if ((!pg && store_check_rows(s, out, "foreign key: ",
			     "SELECT 'a row of ' || \"table\" || ' (rowid ' || rowid || ') points "
			     "at a missing ' || parent || ' row' FROM pragma_foreign_key_check",
			     err) != ST_OK) ||
	    store_check_rows(s, out, "orphan secret: ",
			     "SELECT s.name || ' (' || s.id || '), made for config field ' || "
			     "coalesce(s.created_by_path, '?') || ', is bound to nothing' "
			     "FROM secrets s WHERE s.origin = 'environment' AND s.status <> 'deleted' "
			     "AND NOT EXISTS (SELECT 1 FROM secret_bindings b WHERE b.secret_id = s.id)",
			     err) != ST_OK ||
	    store_check_rows(s, out, "dangling binding: ",
			     "SELECT 'environment ' || b.target_id || ' is gone but still holds "
			     "secret ' || b.secret_id || ' at ' || b.config_path "
			     "FROM secret_bindings b WHERE b.target_type = 'environment' AND NOT "
			     "EXISTS (SELECT 1 FROM environments e WHERE e.id = b.target_id)",
			     err) != ST_OK ||
	    store_check_rows(s, out, "dangling binding: ",
			     "SELECT 'deleted secret ' || s.name || ' is still bound to ' || "
			     "b.target_id || ' at ' || b.config_path FROM secret_bindings b "
			     "JOIN secrets s ON s.id = b.secret_id WHERE s.status = 'deleted'",
			     err) != ST_OK ||
	    store_check_rows(s, out, "secret without a value: ",
			     "SELECT s.name || ' (' || s.id || ', ' || s.status || ') has no "
			     "current version' FROM secrets s WHERE s.status <> 'deleted' AND NOT "
			     "EXISTS (SELECT 1 FROM secret_versions v WHERE v.secret_id = s.id AND "
			     "v.status = 'current')",
			     err) != ST_OK ||
	    store_check_rows(s, out, "leftover ciphertext: ",
			     "SELECT 'secret ' || s.name || ' version ' || v.version || ' (' || "
			     "v.status || ') still holds ciphertext that should be gone' "
			     "FROM secret_versions v JOIN secrets s ON s.id = v.secret_id "
			     "WHERE (v.status = 'destroyed' OR s.status = 'deleted') AND "
			     "(v.material IS NOT NULL OR v.fingerprint IS NOT NULL)",
			     err) != ST_OK ||
	    store_check_rows(s, out, "rolled back secret: ",
			     "SELECT s.name || ' (' || s.id || '): version ' || v.version || ' is "
			     "marked current but the latest is ' || s.latest_version || ' (newest "
			     "stored ' || (SELECT max(version) FROM secret_versions x WHERE "
			     "x.secret_id = s.id) || '); rotate it' FROM secret_versions v JOIN "
			     "secrets s ON s.id = v.secret_id WHERE v.status = 'current' AND "
			     "s.status <> 'deleted' AND (v.version <> s.latest_version OR v.version "
			     "<> (SELECT max(version) FROM secret_versions x WHERE x.secret_id = "
			     "s.id) OR (SELECT count(*) FROM secret_versions x WHERE x.secret_id = "
			     "s.id AND x.status = 'current') > 1)",
			     err) != ST_OK ||
	    store_check_rows(s, out, "operator: ",
			     "SELECT 'the data key sealed for ' || name || ' is damaged (' || "
			     "length(sealed_key) || ' bytes, not 80); another operator can remove "
			     "and re-add ' || name FROM operators WHERE length(sealed_key) <> 80",
			     err) != ST_OK ||
	    store_check_decrypt(s, out, err) != ST_OK || store_check_configs(s, out, err) != ST_OK)
		goto fail;
	if (store_count(s, "SELECT count(*) FROM environments", &out->environments, err) != ST_OK ||
	    store_count(s, "SELECT count(*) FROM leases", &out->leases, err) != ST_OK ||
	    store_count(s, "SELECT count(*) FROM secrets WHERE status <> 'deleted'", &out->secrets,
			err) != ST_OK ||
	    store_count(s, "SELECT count(*) FROM secret_bindings", &out->bindings, err) != ST_OK ||
	    store_count(s, "SELECT count(*) FROM activity", &out->activity, err) != ST_OK)
		goto fail;
	return ST_OK;
fail:
	store_check_report_clear(out);
	return err->status;
}

Status store_backup(Store *s, const char *dest_path, Error *err)
{
	char msg[512];
	int fd, rc;

	if (db_kind(s->db) != DB_KIND_SQLITE)
		return error_set(err, ST_E_UNSUPPORTED,
				 "envctl db backup copies an SQLite file; %s is a PostgreSQL "
				 "database: back it up with pg_dump (or envctl db copy to an "
				 "SQLite file)",
				 s->path);
	/* Created 0600 and exclusively: a backup holds everything the database
	 * does, and an existing file is never overwritten. */
	fd = open(dest_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		if (errno == EEXIST)
			return error_set(err, ST_E_CONFLICT,
					 "backup file %s already exists; pick a new name", dest_path);
		return error_set(err, ST_E_IO, "cannot create backup file %s: %s", dest_path,
				 strerror(errno));
	}
	close(fd);
	rc = db_sqlite_backup(s->db, dest_path, msg, sizeof msg);
	if (rc == DB_OK)
		return ST_OK;
	unlink(dest_path);
	if (rc == DB_ERROR)
		return error_set(err, ST_E_IO, "backup %s: cannot finish the file", dest_path);
	return error_set(err, ST_E_IO, "backup to %s failed: %s", dest_path, msg);
}
