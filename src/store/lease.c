/* The leases table: rows written by the lease orchestration, streamed to
 * the views without building them up in memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "util/buf.h"

#define LEASE_COLS                                                                        \
	"id, environment_id, heartbeat_run_id, issue_id, status, lease_policy, provider, "  \
	"provider_lease_id, acquired_at, last_used_at, expires_at, released_at, "           \
	"failure_reason, cleanup_status, metadata, phase, cleanup_attempts, "               \
	"next_cleanup_at, updated_at"

void store_lease_clear(StoreLease *l)
{
	if (!l)
		return;
	free(l->heartbeat_run_id);
	free(l->issue_id);
	free(l->status);
	free(l->lease_policy);
	free(l->provider);
	free(l->provider_lease_id);
	free(l->acquired_at);
	free(l->last_used_at);
	free(l->expires_at);
	free(l->released_at);
	free(l->failure_reason);
	free(l->cleanup_status);
	free(l->metadata_json);
	free(l->phase);
	free(l->next_cleanup_at);
	free(l->updated_at);
	memset(l, 0, sizeof *l);
}

static char *store_lease_dup(const char *v, bool *oom)
{
	char *d;

	if (!v)
		return NULL;
	d = strdup(v);
	if (!d)
		*oom = true;
	return d;
}

Status store_lease_copy(const StoreLease *src, StoreLease *dst, Error *err)
{
	bool oom = false;

	memset(dst, 0, sizeof *dst);
	memcpy(dst->id, src->id, sizeof dst->id);
	memcpy(dst->environment_id, src->environment_id, sizeof dst->environment_id);
	dst->heartbeat_run_id = store_lease_dup(src->heartbeat_run_id, &oom);
	dst->issue_id = store_lease_dup(src->issue_id, &oom);
	dst->status = store_lease_dup(src->status, &oom);
	dst->lease_policy = store_lease_dup(src->lease_policy, &oom);
	dst->provider = store_lease_dup(src->provider, &oom);
	dst->provider_lease_id = store_lease_dup(src->provider_lease_id, &oom);
	dst->acquired_at = store_lease_dup(src->acquired_at, &oom);
	dst->last_used_at = store_lease_dup(src->last_used_at, &oom);
	dst->expires_at = store_lease_dup(src->expires_at, &oom);
	dst->released_at = store_lease_dup(src->released_at, &oom);
	dst->failure_reason = store_lease_dup(src->failure_reason, &oom);
	dst->cleanup_status = store_lease_dup(src->cleanup_status, &oom);
	dst->metadata_json = store_lease_dup(src->metadata_json, &oom);
	dst->phase = store_lease_dup(src->phase, &oom);
	dst->cleanup_attempts = src->cleanup_attempts;
	dst->next_cleanup_at = store_lease_dup(src->next_cleanup_at, &oom);
	dst->updated_at = store_lease_dup(src->updated_at, &oom);
	if (oom) {
		store_lease_clear(dst);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	return ST_OK;
}

/* Points the row at the statement's current columns (borrowed). */
static void store_lease_view(sqlite3_stmt *st, StoreLease *l)
{
	memset(l, 0, sizeof *l);
	store_col_copy(st, 0, l->id, sizeof l->id);
	store_col_copy(st, 1, l->environment_id, sizeof l->environment_id);
	l->heartbeat_run_id = (char *)store_col_text(st, 2);
	l->issue_id = (char *)store_col_text(st, 3);
	l->status = (char *)store_col_text(st, 4);
	l->lease_policy = (char *)store_col_text(st, 5);
	l->provider = (char *)store_col_text(st, 6);
	l->provider_lease_id = (char *)store_col_text(st, 7);
	l->acquired_at = (char *)store_col_text(st, 8);
	l->last_used_at = (char *)store_col_text(st, 9);
	l->expires_at = (char *)store_col_text(st, 10);
	l->released_at = (char *)store_col_text(st, 11);
	l->failure_reason = (char *)store_col_text(st, 12);
	l->cleanup_status = (char *)store_col_text(st, 13);
	l->metadata_json = (char *)store_col_text(st, 14);
	l->phase = (char *)store_col_text(st, 15);
	l->cleanup_attempts = (long)sqlite3_column_int64(st, 16);
	l->next_cleanup_at = (char *)store_col_text(st, 17);
	l->updated_at = (char *)store_col_text(st, 18);
}

static Status store_lease_check(Store *s, int rc, Error *err, const char *what)
{
	if (rc == SQLITE_CONSTRAINT_CHECK)
		return error_set(err, ST_E_INVALID,
				 "%s: status, lease policy or cleanup status is not one of the "
				 "allowed values",
				 what);
	if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
		return error_set(err, ST_E_NOT_FOUND, "%s: the environment no longer exists", what);
	return store_sql_error(s, rc, err, what);
}

/* Binds the mutable columns ?3..?19 the same way for insert and update;
 * an insert fills what a new row may leave out, an update writes exactly
 * what it is given (a NULL there is a bug the constraints should catch). */
static void store_lease_bind(sqlite3_stmt *st, const StoreLease *l, const char *now,
			     bool defaults)
{
	const char *acquired = l->acquired_at ? l->acquired_at : defaults ? now : NULL;

	store_bind_text(st, 3, l->heartbeat_run_id);
	store_bind_text(st, 4, l->issue_id);
	store_bind_text(st, 5, l->status || !defaults ? l->status : "active");
	store_bind_text(st, 6, l->lease_policy || !defaults ? l->lease_policy : "ephemeral");
	store_bind_text(st, 7, l->provider || !defaults ? l->provider : "");
	store_bind_text(st, 8, l->provider_lease_id);
	store_bind_text(st, 9, acquired);
	store_bind_text(st, 10, l->last_used_at || !defaults ? l->last_used_at : acquired);
	store_bind_text(st, 11, l->expires_at);
	store_bind_text(st, 12, l->released_at);
	store_bind_text(st, 13, l->failure_reason);
	store_bind_text(st, 14, l->cleanup_status);
	store_bind_text(st, 15, l->metadata_json ? l->metadata_json : "{}");
	store_bind_text(st, 16, l->phase);
	sqlite3_bind_int64(st, 17, l->cleanup_attempts);
	store_bind_text(st, 18, l->next_cleanup_at);
	store_bind_text(st, 19, now);
}

Status store_lease_insert(Store *s, StoreLease *l, Error *err)
{
	char now[TIME_STR_LEN];
	sqlite3_stmt *st;
	int rc;

	if (!l->id[0])
		id_new(l->id);
	time_now_iso(now);
	st = store_stmt(s,
			"INSERT INTO leases (" LEASE_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
			"?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
			err);
	if (!st)
		return err->status;
	store_bind_text(st, 1, l->id);
	store_bind_text(st, 2, l->environment_id);
	store_lease_bind(st, l, now, true);
	rc = sqlite3_step(st);
	store_stmt_done(s, st);
	if (rc != SQLITE_DONE)
		return store_lease_check(s, rc, err, "recording the lease");
	return ST_OK;
}

Status store_lease_get(Store *s, const char *id, StoreLease *out, Error *err)
{
	sqlite3_stmt *st = store_stmt(s, "SELECT " LEASE_COLS " FROM leases WHERE id = ?1", err);
	StoreLease view;
	Status res;
	int rc;

	memset(out, 0, sizeof *out);
	if (!st)
		return err->status;
	store_bind_text(st, 1, id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		store_lease_view(st, &view);
		res = store_lease_copy(&view, out, err);
	} else if (rc == SQLITE_DONE) {
		res = error_set(err, ST_E_NOT_FOUND, "no lease with id \"%s\" (see `envctl lease list`)",
				id);
	} else {
		res = store_sql_error(s, rc, err, "reading the lease");
	}
	store_stmt_done(s, st);
	return res;
}

Status store_lease_update(Store *s, const StoreLease *l, const char *expected_status,
			  Error *err)
{
	char now[TIME_STR_LEN], current[32];
	sqlite3_stmt *st;
	int rc;

	time_now_iso(now);
	st = store_stmt(s,
			"UPDATE leases SET heartbeat_run_id = ?3, issue_id = ?4, status = ?5, "
			"lease_policy = ?6, provider = ?7, provider_lease_id = ?8, acquired_at = ?9, "
			"last_used_at = ?10, expires_at = ?11, released_at = ?12, "
			"failure_reason = ?13, cleanup_status = ?14, metadata = ?15, phase = ?16, "
			"cleanup_attempts = ?17, next_cleanup_at = ?18, updated_at = ?19 "
			"WHERE id = ?1 AND (?2 IS NULL OR status = ?2)",
			err);
	if (!st)
		return err->status;
	store_bind_text(st, 1, l->id);
	store_bind_text(st, 2, expected_status);
	store_lease_bind(st, l, now, false);
	rc = sqlite3_step(st);
	store_stmt_done(s, st);
	if (rc != SQLITE_DONE)
		return store_lease_check(s, rc, err, "updating the lease");
	if (sqlite3_changes(s->db) > 0)
		return ST_OK;
	/* Nothing changed: gone, or someone else moved it on first. */
	st = store_stmt(s, "SELECT status FROM leases WHERE id = ?1", err);
	if (!st)
		return err->status;
	store_bind_text(st, 1, l->id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		store_col_copy(st, 0, current, sizeof current);
	store_stmt_done(s, st);
	if (rc == SQLITE_DONE)
		return error_set(err, ST_E_NOT_FOUND, "lease %s no longer exists", l->id);
	if (rc != SQLITE_ROW)
		return store_sql_error(s, rc, err, "reading the lease");
	return error_set(err, ST_E_CONFLICT,
			 "lease %s is already %s (another console changed it first; expected "
			 "%s)",
			 l->id, current, expected_status);
}

/* Builds the filtered query from fixed fragments; every value is a bound
 * parameter, so the distinct SQL texts are few and each is prepared once. */
static bool store_lease_sql(const StoreLeaseFilter *f, bool count, Buf *sql)
{
	bool ok = true;
	const char *cmp = f && f->oldest_first ? ">" : "<";

	ok = ok && buf_puts(sql, count ? "SELECT count(*) FROM leases"
				       : "SELECT " LEASE_COLS " FROM leases");
	ok = ok && buf_puts(sql, " WHERE 1");
	if (f && f->status)
		ok = ok && buf_puts(sql, " AND status = ?1");
	if (f && f->environment_id)
		ok = ok && buf_puts(sql, " AND environment_id = ?2");
	if (f && f->provider)
		ok = ok && buf_puts(sql, " AND provider = ?3");
	if (f && f->expires_before)
		ok = ok && buf_puts(sql, " AND status = 'active' AND expires_at < ?4");
	if (f && f->cleanup_due_at)
		ok = ok && buf_puts(sql, " AND cleanup_status IN ('pending', 'failed') AND "
					 "next_cleanup_at <= ?5");
	if (count)
		return ok;
	if (f && f->after_acquired_at && f->after_id)
		ok = ok && buf_printf(sql, " AND (acquired_at, id) %s (?6, ?7)", cmp);
	ok = ok && buf_puts(sql, f && f->oldest_first ? " ORDER BY acquired_at, id"
						     : " ORDER BY acquired_at DESC, id DESC");
	ok = ok && buf_puts(sql, " LIMIT ?8 OFFSET ?9");
	return ok;
}

static void store_lease_bind_filter(sqlite3_stmt *st, const StoreLeaseFilter *f, bool count)
{
	if (!f)
		goto window;
	if (f->status)
		store_bind_text(st, 1, f->status);
	if (f->environment_id)
		store_bind_text(st, 2, f->environment_id);
	if (f->provider)
		store_bind_text(st, 3, f->provider);
	if (f->expires_before)
		store_bind_text(st, 4, f->expires_before);
	if (f->cleanup_due_at)
		store_bind_text(st, 5, f->cleanup_due_at);
	if (count)
		return;
	if (f->after_acquired_at && f->after_id) {
		store_bind_text(st, 6, f->after_acquired_at);
		store_bind_text(st, 7, f->after_id);
	}
window:
	if (count)
		return;
	sqlite3_bind_int64(st, 8, f && f->limit > 0 ? f->limit : -1);
	sqlite3_bind_int64(st, 9, f && f->offset > 0 ? f->offset : 0);
}

static Status store_lease_walk(Store *s, sqlite3_stmt *st, StoreLeaseFn fn, void *ctx,
			       Error *err)
{
	StoreLease row;
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		store_lease_view(st, &row);
		if (!fn(&row, ctx)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	store_stmt_done(s, st);
	if (rc != SQLITE_DONE)
		return store_sql_error(s, rc, err, "listing leases");
	return ST_OK;
}

Status store_lease_each(Store *s, const StoreLeaseFilter *f, StoreLeaseFn fn, void *ctx,
			Error *err)
{
	Buf sql = BUF_INIT;
	sqlite3_stmt *st;

	if (!store_lease_sql(f, false, &sql)) {
		buf_free(&sql);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	st = store_stmt(s, sql.data, err);
	buf_free(&sql);
	if (!st)
		return err->status;
	store_lease_bind_filter(st, f, false);
	return store_lease_walk(s, st, fn, ctx, err);
}

Status store_lease_count(Store *s, const StoreLeaseFilter *f, long *out, Error *err)
{
	Buf sql = BUF_INIT;
	sqlite3_stmt *st;
	int rc;

	*out = 0;
	if (!store_lease_sql(f, true, &sql)) {
		buf_free(&sql);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	st = store_stmt(s, sql.data, err);
	buf_free(&sql);
	if (!st)
		return err->status;
	store_lease_bind_filter(st, f, true);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = (long)sqlite3_column_int64(st, 0);
	store_stmt_done(s, st);
	if (rc != SQLITE_ROW)
		return store_sql_error(s, rc, err, "counting leases");
	return ST_OK;
}

Status store_lease_reuse_candidates(Store *s, const char *environment_id,
				    const char *const *statuses, long limit, StoreLeaseFn fn,
				    void *ctx, Error *err)
{
	Buf list = BUF_INIT;
	sqlite3_stmt *st;

	/* Statuses travel as one bound JSON array, so the SQL text is fixed. */
	if (!buf_putc(&list, '['))
		goto oom;
	for (size_t i = 0; statuses && statuses[i]; i++) {
		cJSON *item = cJSON_CreateString(statuses[i]);
		char *text = item ? cJSON_PrintUnformatted(item) : NULL;
		bool ok = text && (i == 0 || buf_putc(&list, ',')) && buf_puts(&list, text);

		cJSON_Delete(item);
		free(text);
		if (!ok)
			goto oom;
	}
	if (!buf_putc(&list, ']'))
		goto oom;
	st = store_stmt(s,
			"SELECT " LEASE_COLS " FROM leases INDEXED BY leases_reuse "
			"WHERE environment_id = ?1 AND lease_policy = 'reuse_by_environment' "
			"AND (?2 = 0 OR status IN (SELECT value FROM json_each(?3))) "
			"ORDER BY last_used_at DESC LIMIT ?4",
			err);
	if (!st) {
		buf_free(&list);
		return err->status;
	}
	store_bind_text(st, 1, environment_id);
	sqlite3_bind_int(st, 2, statuses != NULL);
	store_bind_text(st, 3, list.data);
	sqlite3_bind_int64(st, 4, limit > 0 ? limit : -1);
	buf_free(&list);
	return store_lease_walk(s, st, fn, ctx, err);
oom:
	buf_free(&list);
	return error_set(err, ST_E_NOMEM, "out of memory");
}

Status store_lease_each_active(Store *s, const char *environment_id, StoreLeaseFn fn, void *ctx,
				Error *err)
{
	/* The literal status lets SQLite use the partial index leases_active_env. */
	sqlite3_stmt *st = store_stmt(s,
				      "SELECT " LEASE_COLS " FROM leases WHERE environment_id = ?1 "
				      "AND status = 'active'",
				      err);

	if (!st)
		return err->status;
	store_bind_text(st, 1, environment_id);
	return store_lease_walk(s, st, fn, ctx, err);
}

Status store_lease_count_active(Store *s, const char *environment_id, long *out, Error *err)
{
	/* The literal status lets SQLite use the partial index leases_active_env. */
	sqlite3_stmt *st = store_stmt(s,
				      "SELECT count(*) FROM leases WHERE environment_id = ?1 "
				      "AND status = 'active'",
				      err);
	int rc;

	*out = 0;
	if (!st)
		return err->status;
	store_bind_text(st, 1, environment_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = (long)sqlite3_column_int64(st, 0);
	store_stmt_done(s, st);
	if (rc != SQLITE_ROW)
		return store_sql_error(s, rc, err, "counting active leases");
	return ST_OK;
}
