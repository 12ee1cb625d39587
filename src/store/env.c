/* The environments table. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/private.h"
#include "util/lib.h"

#define ENV_COLS                                                                          \
	"e.id, e.name, e.description, e.driver, e.status, e.provider, e.config, e.metadata, " \
	"e.created_at, e.updated_at, e.revision"

void store_env_clear(StoreEnv *e)
{
	if (!e)
		return;
	free(e->name);
	free(e->description);
	free(e->driver);
	free(e->status);
	free(e->provider);
	cJSON_Delete(e->config);
	cJSON_Delete(e->metadata);
	memset(e, 0, sizeof *e);
}

/* Reads the ENV_COLS columns starting at col. */
static Status store_env_read(DbStmt *st, int col, StoreEnv *e, Error *err)
{
	bool oom = false;

	memset(e, 0, sizeof *e);
	store_col_copy(st, col + 0, e->id, sizeof e->id);
	e->name = store_col_dup(st, col + 1, &oom);
	e->description = store_col_dup(st, col + 2, &oom);
	e->driver = store_col_dup(st, col + 3, &oom);
	e->status = store_col_dup(st, col + 4, &oom);
	e->provider = store_col_dup(st, col + 5, &oom);
	e->config = store_col_json(st, col + 6, "{}");
	e->metadata = store_col_json(st, col + 7, "{}");
	store_col_copy(st, col + 8, e->created_at, sizeof e->created_at);
	store_col_copy(st, col + 9, e->updated_at, sizeof e->updated_at);
	e->revision = (long)db_col_int64(st, col + 10);
	if (oom || !e->config || !e->metadata || !e->name || !e->status || !e->provider) {
		store_env_clear(e);
		return error_set(err, oom ? ST_E_NOMEM : ST_E_STORE,
				 "cannot read environment row (%s)",
				 oom ? "out of memory" : "malformed JSON column");
	}
	return ST_OK;
}

static Status store_env_constraint(Store *s, int rc, const StoreEnv *e, Error *err,
				   const char *what)
{
	if (db_rc_constraint(rc)) {
		if (rc == DB_CONSTRAINT_UNIQUE || rc == DB_CONSTRAINT_PRIMARYKEY)
			return error_set(err, ST_E_CONFLICT,
					 "an environment named \"%s\" already exists; pick another "
					 "name",
					 e->name ? e->name : "");
		if (rc == DB_CONSTRAINT_CHECK)
			return error_set(err, ST_E_INVALID,
					 "environment \"%s\": name must not be empty and status must "
					 "be active or archived",
					 e->name ? e->name : "");
	}
	return store_sql_error(s, rc, err, what);
}

/* A name is printed everywhere (lists, the console, activity): no control
 * character or invalid UTF-8 that a terminal would act on. */
static Status store_env_name_check(const StoreEnv *e, Error *err)
{
	char *shown;

	if (!e->name || term_text_clean(e->name))
		return ST_OK;
	shown = term_escaped(e->name);
	error_set(err, ST_E_INVALID,
		  "environment name \"%s\" holds a control character or invalid UTF-8; use "
		  "printable text",
		  shown ? shown : "?");
	free(shown);
	return ST_E_INVALID;
}

/* Binds ?1..?8 the same way for insert and update (the id, then the
 * columns an operator edits, with the defaults a new row gets). Out of
 * memory for the JSON texts, st is done and err says so. */
static Status store_env_bind(Store *s, DbStmt *st, const StoreEnv *e, Error *err)
{
	store_bind_text(st, 1, e->id);
	store_bind_text(st, 2, e->name ? e->name : "");
	store_bind_text(st, 3, e->description ? e->description : "");
	store_bind_text(st, 4, e->driver ? e->driver : "sandbox");
	store_bind_text(st, 5, e->status ? e->status : env_status_text(ENV_ACTIVE));
	store_bind_text(st, 6, e->provider ? e->provider : "");
	if (store_bind_json(st, 7, e->config, "{}") != DB_OK ||
	    store_bind_json(st, 8, e->metadata, "{}") != DB_OK) {
		store_stmt_done(s, st);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	return ST_OK;
}

Status store_env_insert(Store *s, StoreEnv *e, Error *err)
{
	DbStmt *st;
	int rc;

	if (store_env_name_check(e, err) != ST_OK)
		return err->status;
	if (!e->id[0])
		id_new(e->id);
	if (!e->created_at[0])
		time_now_iso(e->created_at);
	if (!e->updated_at[0])
		memcpy(e->updated_at, e->created_at, sizeof e->updated_at);
	e->revision = 1;
	st = store_stmt(s,
			"INSERT INTO environments (id, name, description, driver, status, provider, "
			"config, metadata, created_at, updated_at) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
			err);
	if (!st)
		return err->status;
	if (store_env_bind(s, st, e, err) != ST_OK)
		return err->status;
	store_bind_text(st, 9, e->created_at);
	store_bind_text(st, 10, e->updated_at);
	rc = db_step(st);
	store_stmt_done(s, st);
	if (rc != DB_DONE)
		return store_env_constraint(s, rc, e, err, "saving the environment");
	return ST_OK;
}

Status store_env_update(Store *s, StoreEnv *e, Error *err)
{
	DbStmt *st;
	int rc;

	if (store_env_name_check(e, err) != ST_OK)
		return err->status;
	time_now_iso(e->updated_at);
	st = store_stmt(s,
			"UPDATE environments SET name = ?2, description = ?3, driver = ?4, "
			"status = ?5, provider = ?6, config = ?7, metadata = ?8, updated_at = ?9, "
			"revision = revision + 1 WHERE id = ?1 RETURNING revision",
			err);
	if (!st)
		return err->status;
	if (store_env_bind(s, st, e, err) != ST_OK)
		return err->status;
	store_bind_text(st, 9, e->updated_at);
	rc = db_step(st);
	if (rc == DB_ROW) {
		e->revision = (long)db_col_int64(st, 0);
		rc = db_step(st);
		store_stmt_done(s, st);
		if (rc != DB_DONE)
			return store_env_constraint(s, rc, e, err, "saving the environment");
		return ST_OK;
	}
	store_stmt_done(s, st);
	if (rc != DB_DONE)
		return store_env_constraint(s, rc, e, err, "saving the environment");
	return error_set(err, ST_E_NOT_FOUND, "environment %s no longer exists", e->id);
}

Status store_env_get(Store *s, const char *id_or_name, StoreEnv *out, Error *err)
{
	DbStmt *st;
	Status res;
	int rc;

	memset(out, 0, sizeof *out);
	/* The id lookup first: a name that looks like another's id never wins. */
	st = store_stmt(s,
			"SELECT " ENV_COLS " FROM environments e WHERE e.id = ?1 "
			"UNION ALL SELECT " ENV_COLS " FROM environments e WHERE e.name = ?1 "
			"LIMIT 1",
			err);
	if (!st)
		return err->status;
	store_bind_text(st, 1, id_or_name);
	rc = db_step(st);
	if (rc == DB_ROW)
		res = store_env_read(st, 0, out, err);
	else if (rc == DB_DONE)
		res = error_set(err, ST_E_NOT_FOUND,
				"no environment named or with id \"%s\" (see `envctl env list`)",
				id_or_name);
	else
		res = store_sql_error(s, rc, err, "reading the environment");
	store_stmt_done(s, st);
	return res;
}

Status store_env_delete(Store *s, const char *id, Error *err)
{
	DbStmt *st = store_stmt(s, "DELETE FROM environments WHERE id = ?1", err);
	int rc;

	if (!st)
		return err->status;
	store_bind_text(st, 1, id);
	rc = db_step(st);
	store_stmt_done(s, st);
	if (rc != DB_DONE)
		return store_sql_error(s, rc, err, "deleting the environment");
	if (db_changes(s->db) == 0)
		return error_set(err, ST_E_NOT_FOUND, "environment %s no longer exists", id);
	return ST_OK;
}

void store_env_list_clear(StoreEnvList *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->count; i++) {
		store_env_clear(&l->items[i].env);
		free(l->items[i].probe_summary);
		free(l->items[i].config_json);
	}
	free(l->items);
	memset(l, 0, sizeof *l);
}

static Status store_env_row(DbStmt *st, void *elem, Error *err)
{
	StoreEnvSummary *row = elem;
	bool oom = false;

	if (store_env_read(st, 0, &row->env, err) != ST_OK)
		return err->status;
	row->has_probe = !db_col_null(st, 11);
	row->probe_ok = db_col_int(st, 11) != 0;
	store_col_copy(st, 12, row->probe_at, sizeof row->probe_at);
	row->probe_summary = store_col_dup(st, 13, &oom);
	row->active_leases = (long)db_col_int64(st, 14);
	return oom ? error_set(err, ST_E_NOMEM, "out of memory listing environments") : ST_OK;
}

static Status store_env_bare_row(DbStmt *st, void *elem, Error *err)
{
	StoreEnvSummary *row = elem;
	StoreEnv *e = &row->env;
	bool oom = false;

	store_col_copy(st, 0, e->id, sizeof e->id);
	e->name = store_col_dup(st, 1, &oom);
	e->provider = store_col_dup(st, 2, &oom);
	row->config_json = db_col_null(st, 3) ? strdup("{}") : store_col_dup(st, 3, &oom);
	if (oom || !e->name || !e->provider || !row->config_json) {
		store_env_clear(e);
		free(row->config_json);
		row->config_json = NULL;
		return error_set(err, ST_E_NOMEM, "out of memory listing environments");
	}
	return ST_OK;
}

static void store_env_list_clear_cb(void *list)
{
	store_env_list_clear(list);
}

/* Last probe through probes_env_created, active leases through the
 * partial index leases_active_env: one pass, no per-row round trips. */
#define STORE_ENV_LIST_SQL                                                                  \
	"SELECT " ENV_COLS ", p.ok, p.created_at, p.summary, "                             \
	"(SELECT count(*) FROM leases l WHERE l.environment_id = e.id "                     \
	" AND l.status = 'active') "                                                        \
	"FROM environments e LEFT JOIN probes p ON p.id = "                                 \
	"(SELECT p2.id FROM probes p2 WHERE p2.environment_id = e.id "                      \
	" ORDER BY p2.created_at DESC LIMIT 1) "                                            \
	"WHERE (?1 IS NULL OR e.status = ?1) AND (?2 IS NULL OR e.provider = ?2) "          \
	"ORDER BY e.name"

/* What probing every environment needs, no per-row lookups: a fifth of
 * reading 10,000 of them whole. */
#define STORE_ENV_LIST_BARE_SQL                                                             \
	"SELECT e.id, e.name, e.provider, e.config FROM environments e "                    \
	"WHERE (?1 IS NULL OR e.status = ?1) AND (?2 IS NULL OR e.provider = ?2) "          \
	"ORDER BY e.name"

Status store_env_list(Store *s, const StoreEnvFilter *f, StoreEnvList *out, Error *err)
{
	DbStmt *st;

	memset(out, 0, sizeof *out);
	st = store_stmt(s, f && f->bare ? STORE_ENV_LIST_BARE_SQL : STORE_ENV_LIST_SQL, err);
	if (!st)
		return err->status;
	store_bind_text(st, 1, f ? f->status : NULL);
	store_bind_text(st, 2, f ? f->provider : NULL);
	return store_collect(s, st, &out->items, &out->count, sizeof *out->items,
			     f && f->bare ? store_env_bare_row : store_env_row,
			     store_env_list_clear_cb, out, "listing environments", err);
}

/* Calls fn for one borrowed row at a time, freed after the call. */
static Status store_env_stream(Store *s, DbStmt *st, bool bare, StoreEnvFn fn, void *ctx,
			       Error *err)
{
	int rc;

	while ((rc = db_step(st)) == DB_ROW) {
		StoreEnvSummary row;
		bool go;

		memset(&row, 0, sizeof row);
		if ((bare ? store_env_bare_row : store_env_row)(st, &row, err) != ST_OK) {
			store_env_clear(&row.env);
			free(row.probe_summary);
			store_stmt_done(s, st);
			return err->status;
		}
		go = fn(&row, ctx);
		store_env_clear(&row.env);
		free(row.probe_summary);
		free(row.config_json);
		if (!go) {
			rc = DB_DONE;
			break;
		}
	}
	store_stmt_done(s, st);
	if (rc != DB_DONE)
		return store_sql_error(s, rc, err, "listing environments");
	return ST_OK;
}

Status store_env_list_each(Store *s, const StoreEnvFilter *f, StoreEnvFn fn, void *ctx,
			   Error *err)
{
	DbStmt *st = store_stmt(s, f && f->bare ? STORE_ENV_LIST_BARE_SQL : STORE_ENV_LIST_SQL,
				err);

	if (!st)
		return err->status;
	store_bind_text(st, 1, f ? f->status : NULL);
	store_bind_text(st, 2, f ? f->provider : NULL);
	return store_env_stream(s, st, f && f->bare, fn, ctx, err);
}

/* The environments view's window. The probe cell's text ("ok", "FAILED",
 * "-") and the columns the view shows are what the filter matches and the
 * sorts order by, as the in-memory table did; ties keep name order. */
#define STORE_ENV_PROBE_CELL \
	"CASE WHEN p.id IS NULL THEN '-' WHEN p.ok <> 0 THEN 'ok' ELSE 'FAILED' END"

static const char *const store_env_sort_sql[] = {
	[STORE_ENV_SORT_NAME] = "e.name COLLATE NOCASE",
	[STORE_ENV_SORT_PROVIDER] = "e.provider COLLATE NOCASE",
	[STORE_ENV_SORT_STATUS] = "e.status COLLATE NOCASE",
	/* The expression, not its alias: PostgreSQL orders by an alias only alone. */
	[STORE_ENV_SORT_PROBE] = STORE_ENV_PROBE_CELL " COLLATE NOCASE",
	[STORE_ENV_SORT_PROBED] = "coalesce(p.created_at, '')",
	[STORE_ENV_SORT_LEASES] = "active",
	[STORE_ENV_SORT_DESCRIPTION] = "e.description COLLATE NOCASE",
};

#define STORE_ENV_WINDOW_FROM                                                               \
	" FROM environments e LEFT JOIN probes p ON p.id = "                                \
	"(SELECT p2.id FROM probes p2 WHERE p2.environment_id = e.id "                      \
	" ORDER BY p2.created_at DESC LIMIT 1) "
#define STORE_ENV_WINDOW_FILTER                                                             \
	" WHERE (?1 IS NULL OR instr(lower(e.name), ?1) > 0 "                               \
	"OR instr(lower(e.provider), ?1) > 0 OR instr(lower(e.status), ?1) > 0 "            \
	"OR instr(lower(e.description), ?1) > 0 "                                           \
	"OR instr(lower(" STORE_ENV_PROBE_CELL "), ?1) > 0)"

Status store_env_each(Store *s, const StoreEnvWindow *w, StoreEnvFn fn, void *ctx, long *total,
		      Error *err)
{
	char sql[2048], lower[512];
	DbStmt *st;
	int sort = w->sort >= 0 && w->sort < STORE_ENV_SORT_COUNT ? w->sort : STORE_ENV_SORT_NAME;

	/* The filter is matched case-insensitively, like the table's own. */
	lower[0] = '\0';
	if (w->text && w->text[0]) {
		size_t i;

		for (i = 0; w->text[i] && i + 1 < sizeof lower; i++)
			lower[i] = (char)(w->text[i] >= 'A' && w->text[i] <= 'Z' ? w->text[i] + 32
										   : w->text[i]);
		lower[i] = '\0';
	}
	*total = 0;
	if (w->text && w->text[0])
		st = store_stmt(s, "SELECT count(*)" STORE_ENV_WINDOW_FROM STORE_ENV_WINDOW_FILTER, err);
	else
		st = store_stmt(s, "SELECT count(*) FROM environments WHERE CAST(?1 AS TEXT) IS NULL",
			       err);
	if (!st)
		return err->status;
	store_bind_text(st, 1, lower[0] ? lower : NULL);
	if (store_step_count(s, st, total, err, "counting environments") != ST_OK)
		return err->status;
	/* Sorted by name (the usual case) the window walks the name index and
	 * only its own rows look up their last probe and lease count (result
	 * columns are computed after the offset is skipped). A filter or a
	 * sort by probe needs the probe of every row: the join. */
	if (!lower[0] && sort != STORE_ENV_SORT_PROBE && sort != STORE_ENV_SORT_PROBED)
		snprintf(sql, sizeof sql,
			 "SELECT " ENV_COLS ", "
			 "(SELECT p.ok FROM probes p WHERE p.environment_id = e.id "
			 " ORDER BY p.created_at DESC LIMIT 1), "
			 "(SELECT p.created_at FROM probes p WHERE p.environment_id = e.id "
			 " ORDER BY p.created_at DESC LIMIT 1), "
			 "(SELECT p.summary FROM probes p WHERE p.environment_id = e.id "
			 " ORDER BY p.created_at DESC LIMIT 1), "
			 "(SELECT count(*) FROM leases l WHERE l.environment_id = e.id "
			 " AND l.status = 'active') AS active "
			 "FROM environments e WHERE CAST(?1 AS TEXT) IS NULL ORDER BY %s %s, e.name "
			 "LIMIT ?2 OFFSET ?3",
			 store_env_sort_sql[sort], w->desc ? "DESC" : "ASC");
	else
		snprintf(sql, sizeof sql,
			 "SELECT " ENV_COLS ", p.ok, p.created_at, p.summary, "
			 "(SELECT count(*) FROM leases l WHERE l.environment_id = e.id "
			 " AND l.status = 'active') AS active, "
			 STORE_ENV_PROBE_CELL " AS probe_cell"
			 STORE_ENV_WINDOW_FROM STORE_ENV_WINDOW_FILTER
			 " ORDER BY %s %s, e.name LIMIT ?2 OFFSET ?3",
			 store_env_sort_sql[sort], w->desc ? "DESC" : "ASC");
	st = store_stmt(s, sql, err);
	if (!st)
		return err->status;
	store_bind_text(st, 1, lower[0] ? lower : NULL);
	db_bind_limit(st, 2, w->limit);
	db_bind_int64(st, 3, w->offset > 0 ? w->offset : 0);
	return store_env_stream(s, st, false, fn, ctx, err);
}
