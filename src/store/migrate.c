/* Schema migrations: data/migrations/NNNN_name.sql, compiled in by the
 * Makefile (build/gen/migrations.inc), applied in order at open, each in
 * one transaction, tracked by PRAGMA user_version (and listed in the
 * schema_migrations table for people reading the database). */
#include <stdio.h>
#include <string.h>

#include "store/internal.h"
#include "util/ids.h"

typedef struct StoreMigration {
	int version;
	const char *name;
	const char *sql;
} StoreMigration;

static const StoreMigration store_migrations[] = {
#include "migrations.inc"
};

#define STORE_MIGRATION_COUNT (sizeof store_migrations / sizeof store_migrations[0])

int store_schema_version_latest(void)
{
	return store_migrations[STORE_MIGRATION_COUNT - 1].version;
}

static Status store_user_version(Store *s, int *out, Error *err)
{
	DbStmt *st = store_stmt(s, "PRAGMA user_version", err);
	int rc;

	if (!st)
		return err->status;
	rc = db_step(st);
	*out = rc == DB_ROW ? db_col_int(st, 0) : 0;
	store_stmt_done(s, st);
	if (rc != DB_ROW)
		return store_sql_error(s, rc, err, "reading the schema version");
	return ST_OK;
}

static Status store_apply(Store *s, const StoreMigration *m, Error *err)
{
	char sql[128], now[TIME_STR_LEN];
	DbStmt *st;
	int current, rc;

	if (store_begin(s, err) != ST_OK)
		return err->status;
	/* Two consoles may open a new database together: whoever takes the write
	 * lock second sees the work done and skips it. */
	if (store_user_version(s, &current, err) != ST_OK)
		goto fail;
	if (current >= m->version)
		return store_commit(s, err);
	if (store_exec(s, m->sql, err) != ST_OK) {
		error_prefix(err, "migration %s: ", m->name);
		goto fail;
	}
	st = store_stmt(s,
			"INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
			err);
	if (!st)
		goto fail;
	time_now_iso(now);
	db_bind_int(st, 1, m->version);
	store_bind_text(st, 2, m->name);
	store_bind_text(st, 3, now);
	rc = db_step(st);
	store_stmt_done(s, st);
	if (rc != DB_DONE) {
		store_sql_error(s, rc, err, "recording a migration");
		goto fail;
	}
	/* A pragma cannot take a bound parameter; the version is our integer. */
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", m->version);
	if (store_exec(s, sql, err) != ST_OK)
		goto fail;
	return store_commit(s, err);
fail:
	store_rollback(s);
	return err->status;
}

Status store_migrate(Store *s, Error *err)
{
	int latest = store_schema_version_latest();
	int current;

	for (size_t i = 0; i < STORE_MIGRATION_COUNT; i++)
		if (store_migrations[i].version != (int)i + 1)
			return error_set(err, ST_E_STORE,
					 "migration %s is out of sequence (expected number %zu); "
					 "this envctl build is broken",
					 store_migrations[i].name, i + 1);
	if (store_user_version(s, &current, err) != ST_OK)
		return err->status;
	if (current > latest)
		return error_set(err, ST_E_STORE,
				 "database %s has schema version %d, written by a newer envctl; "
				 "this envctl knows versions up to %d: upgrade envctl",
				 s->path, current, latest);
	if (s->readonly && current < latest)
		return error_set(err, ST_E_UNSUPPORTED,
				 "database %s has schema version %d and needs migrating to %d, "
				 "which a read-only open cannot do; open it once without --readonly",
				 s->path, current, latest);
	for (size_t i = 0; i < STORE_MIGRATION_COUNT; i++) {
		if (store_migrations[i].version <= current)
			continue;
		if (store_apply(s, &store_migrations[i], err) != ST_OK)
			return err->status;
	}
	return store_user_version(s, &s->version, err);
}

Status store_check_version(Store *s, Error *err)
{
	int latest = store_schema_version_latest();

	if (store_user_version(s, &s->version, err) != ST_OK)
		return err->status;
	if (s->version == 0)
		return error_set(err, ST_E_STORE,
				 "database %s has no envctl schema (version 0): not an envctl "
				 "database, or never opened by envctl",
				 s->path);
	if (s->version != latest)
		return error_set(err, ST_E_STORE,
				 "database %s has schema version %d and this envctl has %d; %s",
				 s->path, s->version, latest,
				 s->version < latest ? "open it once with envctl to migrate it, then "
						       "check again"
						     : "upgrade envctl");
	return ST_OK;
}
