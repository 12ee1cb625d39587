/* The leases table: rows written by the lease orchestration, streamed to
 * the views without building them up in memory. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/private.h"
#include "util/lib.h"

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
static void store_lease_view(DbStmt *st, StoreLease *l)
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
	l->cleanup_attempts = (long)db_col_int64(st, 16);
	l->next_cleanup_at = (char *)store_col_text(st, 17);
	l->updated_at = (char *)store_col_text(st, 18);
}

static Status store_lease_check(Store *s, int rc, Error *err, const char *what)
{
	if (rc == DB_CONSTRAINT_CHECK)
		return error_set(err, ST_E_INVALID,
				 "%s: status, lease policy or cleanup status is not one of the "
				 "allowed values",
				 what);
	if (rc == DB_CONSTRAINT_FOREIGNKEY)
		return error_set(err, ST_E_NOT_FOUND, "%s: the environment no longer exists", what);
	return store_sql_error(s, rc, err, what);
}

/* Binds the mutable columns ?3..?19 the same way for insert and update;
 * an insert fills what a new row may leave out, an update writes exactly
 * what it is given (a NULL there is a bug the constraints should catch). */
static void store_lease_bind(DbStmt *st, const StoreLease *l, const char *now,
			     bool defaults)
{
	const char *acquired = l->acquired_at ? l->acquired_at : defaults ? now : NULL;

	store_bind_text(st, 3, l->heartbeat_run_id);
	store_bind_text(st, 4, l->issue_id);
	store_bind_text(st, 5, l->status || !defaults ? l->status : lease_status_text(LEASE_ACTIVE));
	store_bind_text(st, 6, l->lease_policy || !defaults ? l->lease_policy
							    : lease_policy_text(POLICY_EPHEMERAL));
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
	db_bind_int64(st, 17, l->cleanup_attempts);
	store_bind_text(st, 18, l->next_cleanup_at);
	store_bind_text(st, 19, now);
}

/* Steps the lease write st, with commit the transaction's commit too
 * (store_step_commit): ST_OK when the write went through, *committed the
 * commit's status; else the write's error, the transaction rolled back
 * when it was to end here. st is done either way. */
static Status store_lease_write(Store *s, DbStmt *st, bool commit, const char *what,
				Status *committed, Error *err)
{
	int rc;
	Status failed;

	*committed = ST_OK;
	rc = commit ? store_step_commit(s, st, committed, err) : db_step(st);
	if (rc == DB_DONE) {
		store_stmt_done(s, st);
		return ST_OK;
	}
	failed = store_lease_check(s, rc, err, what);
	store_stmt_done(s, st);
	if (commit)
		store_rollback(s);
	return failed;
}

/* Inserts l and, with commit, commits the transaction it ends (one
 * round trip on PostgreSQL; rolled back when the insert fails). */
static Status store_lease_insert_tx(Store *s, StoreLease *l, bool commit, Error *err)
{
	char now[TIME_STR_LEN];
	Status committed = ST_OK, res;
	DbStmt *st;

	if (!l->id[0])
		id_new(l->id);
	time_now_iso(now);
	st = store_stmt(s,
			"INSERT INTO leases (" LEASE_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, "
			"?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
			err);
	if (!st) {
		if (commit)
			store_rollback(s);
		return err->status;
	}
	store_bind_text(st, 1, l->id);
	store_bind_text(st, 2, l->environment_id);
	store_lease_bind(st, l, now, true);
	if ((res = store_lease_write(s, st, commit, "recording the lease", &committed, err)) !=
	    ST_OK)
		return res;
	return committed;
}

Status store_lease_insert(Store *s, StoreLease *l, Error *err)
{
	return store_lease_insert_tx(s, l, false, err);
}

Status store_lease_insert_commit(Store *s, StoreLease *l, Error *err)
{
	return store_lease_insert_tx(s, l, true, err);
}

Status store_lease_get(Store *s, const char *id, StoreLease *out, Error *err)
{
	DbStmt *st = store_stmt(s, "SELECT " LEASE_COLS " FROM leases WHERE id = ?1", err);
	StoreLease view;
	Status res;
	int rc;

	memset(out, 0, sizeof *out);
	if (!st)
		return err->status;
	store_bind_text(st, 1, id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		store_lease_view(st, &view);
		res = store_lease_copy(&view, out, err);
	} else if (rc == DB_DONE) {
		res = error_set(err, ST_E_NOT_FOUND, "no lease with id \"%s\" (see `envctl lease list`)",
				id);
	} else {
		res = store_sql_error(s, rc, err, "reading the lease");
	}
	store_stmt_done(s, st);
	return res;
}

static bool store_lease_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The mutable columns ?3..?18 in bind order, as store_lease_bind binds them. */
static const char *const store_lease_set_cols[] = {
	"heartbeat_run_id", "issue_id", "status", "lease_policy", "provider",
	"provider_lease_id", "acquired_at", "last_used_at", "expires_at", "released_at",
	"failure_reason", "cleanup_status", "metadata", "phase", "cleanup_attempts",
	"next_cleanup_at",
};

/* Which columns l changes against the stored row (bit i: column ?i+3).
 * Only those go in the SET list, so SQLite rewrites only the indexes that
 * hold them: a release touches the status indexes, not every index of the
 * table (fewer pages per commit, and commits are what a lease write costs). */
static unsigned store_lease_changed(Store *s, const StoreLease *l, Error *err)
{
	DbStmt *st = store_stmt(s, "SELECT " LEASE_COLS " FROM leases WHERE id = ?1", err);
	StoreLease cur;
	unsigned mask = 0;
	int rc;

	if (!st)
		return ~0u;
	store_bind_text(st, 1, l->id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		const char *mine[] = { l->heartbeat_run_id, l->issue_id, l->status, l->lease_policy,
				       l->provider, l->provider_lease_id, l->acquired_at,
				       l->last_used_at, l->expires_at, l->released_at,
				       l->failure_reason, l->cleanup_status,
				       l->metadata_json ? l->metadata_json : "{}", l->phase };
		const char *theirs[14];

		store_lease_view(st, &cur);
		theirs[0] = cur.heartbeat_run_id, theirs[1] = cur.issue_id, theirs[2] = cur.status;
		theirs[3] = cur.lease_policy, theirs[4] = cur.provider;
		theirs[5] = cur.provider_lease_id, theirs[6] = cur.acquired_at;
		theirs[7] = cur.last_used_at, theirs[8] = cur.expires_at, theirs[9] = cur.released_at;
		theirs[10] = cur.failure_reason, theirs[11] = cur.cleanup_status;
		theirs[12] = cur.metadata_json, theirs[13] = cur.phase;
		for (unsigned i = 0; i < 14; i++)
			if (!store_lease_same(mine[i], theirs[i]))
				mask |= 1u << i;
		if (cur.cleanup_attempts != l->cleanup_attempts)
			mask |= 1u << 14;
		if (!store_lease_same(l->next_cleanup_at, cur.next_cleanup_at))
			mask |= 1u << 15;
	} else if (rc != DB_DONE) {
		mask = ~0u; /* cannot tell: write everything */
	}
	store_stmt_done(s, st);
	return mask;
}

static Status store_lease_update_tx(Store *s, const StoreLease *l, const char *expected_status,
				    bool commit, Error *err)
{
	char now[TIME_STR_LEN], current[32];
	Status committed = ST_OK, res;
	DbStmt *st;
	Buf sql = BUF_INIT;
	unsigned mask;
	bool ok;
	int rc;

	time_now_iso(now);
	/* PostgreSQL: the comparison would cost a round trip, more than
	 * writing unchanged columns (an index whose values stay the same
	 * keeps the update HOT). */
	mask = db_kind(s->db) == DB_KIND_PG ? ~0u : store_lease_changed(s, l, err);
	ok = buf_puts(&sql, "UPDATE leases SET ");
	for (unsigned i = 0; ok && i < 16; i++)
		if (mask & (1u << i))
			ok = buf_printf(&sql, "%s = ?%u, ", store_lease_set_cols[i], i + 3);
	ok = ok && buf_puts(&sql, "updated_at = ?19 WHERE id = ?1 AND (?2 IS NULL OR status = ?2)");
	if (!ok) {
		buf_clear(&sql);
		if (commit)
			store_rollback(s);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	st = store_stmt(s, sql.data, err);
	buf_clear(&sql);
	if (!st) {
		if (commit)
			store_rollback(s);
		return err->status;
	}
	store_bind_text(st, 1, l->id);
	store_bind_text(st, 2, expected_status);
	store_lease_bind(st, l, now, false);
	if ((res = store_lease_write(s, st, commit, "updating the lease", &committed, err)) != ST_OK)
		return res;
	if (committed != ST_OK)
		return committed;
	/* Committed with nothing changed is nothing saved: the checks below
	 * say why, the same after the commit as before it. */
	if (db_changes(s->db) > 0)
		return ST_OK;
	/* Nothing changed: gone, or someone else moved it on first. */
	st = store_stmt(s, "SELECT status FROM leases WHERE id = ?1", err);
	if (!st)
		return err->status;
	store_bind_text(st, 1, l->id);
	rc = db_step(st);
	if (rc == DB_ROW)
		store_col_copy(st, 0, current, sizeof current);
	store_stmt_done(s, st);
	if (rc == DB_DONE)
		return error_set(err, ST_E_NOT_FOUND, "lease %s no longer exists", l->id);
	if (rc != DB_ROW)
		return store_sql_error(s, rc, err, "reading the lease");
	return error_set(err, ST_E_CONFLICT,
			 "lease %s is already %s (another console changed it first; expected "
			 "%s)",
			 l->id, current, expected_status);
}

Status store_lease_update(Store *s, const StoreLease *l, const char *expected_status,
			  Error *err)
{
	return store_lease_update_tx(s, l, expected_status, false, err);
}

Status store_lease_update_commit(Store *s, const StoreLease *l, const char *expected_status,
				 Error *err)
{
	return store_lease_update_tx(s, l, expected_status, true, err);
}

/* The terms ?1..?3, which the lease_counts table can answer too. */
static bool store_lease_where_columns(const StoreLeaseFilter *f, Buf *sql, bool ok)
{
	if (f && f->status)
		ok = ok && buf_puts(sql, " AND status = ?1");
	if (f && f->environment_id)
		ok = ok && buf_puts(sql, " AND environment_id = ?2");
	if (f && f->provider)
		ok = ok && buf_puts(sql, " AND provider = ?3");
	return ok;
}

/* The filter terms (?1..?5) every lease query shares. */
static bool store_lease_where(const StoreLeaseFilter *f, Buf *sql)
{
	bool ok = store_lease_where_columns(f, sql, buf_puts(sql, " WHERE TRUE"));

	if (f && f->expires_before)
		ok = ok && buf_puts(sql, " AND status = 'active' AND expires_at < ?4");
	if (f && f->cleanup_due_at)
		ok = ok && buf_puts(sql, " AND cleanup_status IN ('pending', 'failed') AND "
					 "next_cleanup_at <= ?5");
	return ok;
}

static bool store_lease_grouped(const StoreLeaseFilter *f)
{
	return f && f->sort != STORE_LEASE_SORT_ACQUIRED;
}

static const char *store_lease_sort_col(const StoreLeaseFilter *f)
{
	return f->sort == STORE_LEASE_SORT_STATUS ? "status" : "provider";
}

enum { LEASE_SQL_LIST, LEASE_SQL_COUNT, LEASE_SQL_GROUP_COUNT };

/* Builds the filtered query from fixed fragments; every value is a bound
 * parameter, so the distinct SQL texts are few and each is prepared once.
 * A STATUS/PROVIDER order is read one value of that column at a time
 * (?10): within one value the rows come from the same (column,
 * acquired_at DESC, id DESC) index as a filter on it, so every window is
 * an index seek in both directions, which one ORDER BY over mixed
 * directions could not be. */
static bool store_lease_sql(const StoreLeaseFilter *f, int mode, Buf *sql)
{
	bool ok = true;
	const char *cmp = f && f->oldest_first ? ">" : "<";

	ok = ok && buf_puts(sql, mode != LEASE_SQL_LIST ? "SELECT count(*) FROM leases"
							 : "SELECT " LEASE_COLS " FROM leases");
	ok = ok && store_lease_where(f, sql);
	if (store_lease_grouped(f) && mode != LEASE_SQL_COUNT)
		ok = ok && buf_printf(sql, " AND %s = ?10", store_lease_sort_col(f));
	if (mode == LEASE_SQL_COUNT)
		return ok;
	if (f && f->after_acquired_at && f->after_id)
		ok = ok && buf_printf(sql, " AND (acquired_at, id) %s (?6, ?7)", cmp);
	if (mode == LEASE_SQL_GROUP_COUNT)
		return ok;
	ok = ok && buf_puts(sql, f && f->oldest_first ? " ORDER BY acquired_at, id"
						     : " ORDER BY acquired_at DESC, id DESC");
	ok = ok && buf_puts(sql, " LIMIT ?8 OFFSET ?9");
	return ok;
}

/* The next provider after ?11 (or the first one, unbounded) that has rows
 * under the filter: within one environment from lease_counts (its primary
 * key), else from the leases index led by the provider. (Statuses need no
 * look-up: there are five, see store_lease_next.) */
static bool store_lease_next_sql(const StoreLeaseFilter *f, bool bounded, Buf *sql)
{
	const char *col = store_lease_sort_col(f);
	bool counts = f->environment_id && !f->expires_before && !f->cleanup_due_at;
	bool ok;

	if (counts) {
		ok = buf_printf(sql, "SELECT %s FROM lease_counts WHERE n > 0", col);
		if (f->status)
			ok = ok && buf_puts(sql, " AND status = ?1");
		if (f->environment_id)
			ok = ok && buf_puts(sql, " AND environment_id = ?2");
		if (f->provider)
			ok = ok && buf_puts(sql, " AND provider = ?3");
	} else {
		ok = buf_printf(sql, "SELECT %s FROM leases", col);
		ok = ok && store_lease_where(f, sql);
	}
	if (bounded)
		ok = ok && buf_printf(sql, " AND %s %s ?11", col, f->sort_desc ? "<" : ">");
	ok = ok && buf_printf(sql, " ORDER BY %s%s LIMIT 1", col, f->sort_desc ? " DESC" : "");
	return ok;
}

static void store_lease_bind_filter(DbStmt *st, const StoreLeaseFilter *f, bool count)
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
	db_bind_limit(st, 8, f ? f->limit : 0);
	db_bind_int64(st, 9, f && f->offset > 0 ? f->offset : 0);
}

static Status store_lease_walk(Store *s, DbStmt *st, StoreLeaseFn fn, void *ctx,
			       Error *err)
{
	StoreLease row;
	int rc;

	while ((rc = db_step(st)) == DB_ROW) {
		store_lease_view(st, &row);
		if (!fn(&row, ctx)) {
			rc = DB_DONE;
			break;
		}
	}
	store_stmt_done(s, st);
	if (rc != DB_DONE)
		return store_sql_error(s, rc, err, "listing leases");
	return ST_OK;
}

/* Counts the rows a grouped walk hands on, and whether it was stopped. */
typedef struct LeaseGroupWalk {
	StoreLeaseFn fn;
	void *ctx;
	long rows;
	bool stopped;
} LeaseGroupWalk;

static bool store_lease_group_row(const StoreLease *row, void *ctx)
{
	LeaseGroupWalk *w = ctx;

	w->rows++;
	if (!w->fn(row, w->ctx))
		w->stopped = true;
	return !w->stopped;
}

/* A lease query the builder wrote into sql (built false: it ran out of
 * memory), prepared and bound to f; sql is freed either way. */
static DbStmt *store_lease_prepare(Store *s, const StoreLeaseFilter *f, Buf *sql, bool built,
				   bool counting, Error *err)
{
	DbStmt *st = NULL;

	if (!built)
		error_set(err, ST_E_NOMEM, "out of memory");
	else
		st = store_stmt(s, sql->data, err);
	buf_clear(sql);
	if (st)
		store_lease_bind_filter(st, f, counting);
	return st;
}

/* The sort column's next value into out ("" when there is none). */
static Status store_lease_next(Store *s, const StoreLeaseFilter *f, const char *after,
			       char *out, size_t outsz, Error *err)
{
	Buf sql = BUF_INIT;
	DbStmt *st;
	int rc;

	out[0] = 0;
	if (f->sort == STORE_LEASE_SORT_STATUS) {
		/* The schema's CHECK list in byte order: an empty status costs one
		 * index seek, less than asking which statuses have rows. */
		static const LeaseStatus statuses[] = { LEASE_ACTIVE, LEASE_EXPIRED, LEASE_FAILED,
							LEASE_RELEASED, LEASE_RETAINED };
		const size_t n = sizeof statuses / sizeof statuses[0];

		for (size_t i = 0; i < n; i++) {
			LeaseStatus e = statuses[f->sort_desc ? n - 1 - i : i];
			const char *v = lease_status_text(e);
			int c = after ? strcmp(v, after) : 0;

			if (after && (f->sort_desc ? c >= 0 : c <= 0))
				continue;
			if (f->status && !lease_status_is(f->status, e))
				continue;
			snprintf(out, outsz, "%s", v);
			break;
		}
		return ST_OK;
	}
	st = store_lease_prepare(s, f, &sql, store_lease_next_sql(f, after != NULL, &sql), true, err);
	if (!st)
		return err->status;
	if (after)
		store_bind_text(st, 11, after);
	rc = db_step(st);
	if (rc == DB_ROW)
		store_col_copy(st, 0, out, outsz);
	store_stmt_done(s, st);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_sql_error(s, rc, err, "listing leases");
	return ST_OK;
}

/* The rows of one value of the sort column the filter f still covers
 * (with its keyset, if any): what an offset past them skipped. */
static Status store_lease_group_count(Store *s, const StoreLeaseFilter *f, const char *value,
				      long *out, Error *err)
{
	Buf sql = BUF_INIT;
	DbStmt *st;

	*out = 0;
	st = store_lease_prepare(s, f, &sql, store_lease_sql(f, LEASE_SQL_GROUP_COUNT, &sql), true, err);
	if (!st)
		return err->status;
	if (f->after_acquired_at && f->after_id) {
		store_bind_text(st, 6, f->after_acquired_at);
		store_bind_text(st, 7, f->after_id);
	}
	store_bind_text(st, 10, value);
	return store_step_count(s, st, out, err, "counting leases");
}

/* A STATUS/PROVIDER order: one index seek per value of the column, from
 * the keyset's value (or the first) on, until the limit is met. */
static Status store_lease_each_grouped(Store *s, const StoreLeaseFilter *base, StoreLeaseFn fn,
				       void *ctx, Error *err)
{
	StoreLeaseFilter f = *base;
	LeaseGroupWalk w = { fn, ctx, 0, false };
	char value[256];
	bool keyset = base->after_acquired_at && base->after_id && base->after_key;
	Status st;

	if (keyset)
		snprintf(value, sizeof value, "%s", base->after_key);
	else if ((st = store_lease_next(s, &f, NULL, value, sizeof value, err)) != ST_OK)
		return st;
	if (!keyset)
		f.after_acquired_at = f.after_id = NULL;
	while (value[0]) {
		Buf sql = BUF_INIT;
		DbStmt *stmt;
		long before = w.rows;

		stmt = store_lease_prepare(s, &f, &sql, store_lease_sql(&f, LEASE_SQL_LIST, &sql), false, err);
		if (!stmt)
			return err->status;
		store_bind_text(stmt, 10, value);
		if ((st = store_lease_walk(s, stmt, store_lease_group_row, &w, err)) != ST_OK)
			return st;
		if (w.stopped || (base->limit > 0 && w.rows >= base->limit))
			return ST_OK;
		if (w.rows > before) {
			f.offset = 0;
		} else if (f.offset > 0) {
			long n;

			if ((st = store_lease_group_count(s, &f, value, &n, err)) != ST_OK)
				return st;
			f.offset = f.offset > n ? f.offset - n : 0;
		}
		if (base->limit > 0)
			f.limit = base->limit - w.rows;
		f.after_acquired_at = f.after_id = NULL;
		{
			char prev[sizeof value];

			snprintf(prev, sizeof prev, "%s", value);
			if ((st = store_lease_next(s, &f, prev, value, sizeof value, err)) != ST_OK)
				return st;
		}
	}
	return ST_OK;
}

Status store_lease_each(Store *s, const StoreLeaseFilter *f, StoreLeaseFn fn, void *ctx,
			Error *err)
{
	Buf sql = BUF_INIT;
	DbStmt *st;

	if (store_lease_grouped(f))
		return store_lease_each_grouped(s, f, fn, ctx, err);
	st = store_lease_prepare(s, f, &sql, store_lease_sql(f, LEASE_SQL_LIST, &sql), false, err);
	if (!st)
		return err->status;
	return store_lease_walk(s, st, fn, ctx, err);
}

/* The filters lease_counts can answer: status, environment, provider. */
static bool store_lease_countable(const StoreLeaseFilter *f)
{
	return !f || (!f->expires_before && !f->cleanup_due_at);
}

static bool store_lease_count_sql(const StoreLeaseFilter *f, Buf *sql)
{
	bool ok;

	if (!store_lease_countable(f))
		return store_lease_sql(f, LEASE_SQL_COUNT, sql);
	ok = buf_puts(sql, "SELECT coalesce(sum(n), 0) FROM lease_counts WHERE TRUE");
	return store_lease_where_columns(f, sql, ok);
}

Status store_lease_count(Store *s, const StoreLeaseFilter *f, long *out, Error *err)
{
	Buf sql = BUF_INIT;
	DbStmt *st;

	*out = 0;
	st = store_lease_prepare(s, f, &sql, store_lease_count_sql(f, &sql), true, err);
	if (!st)
		return err->status;
	return store_step_count(s, st, out, err, "counting leases");
}

/* Candidates through the partial index leases_reuse_candidates (released
 * and retained rows only, so failed, expired or ephemeral rows newer than
 * the match cost nothing), merged with the environment's few active reuse
 * leases through leases_active_env; both arms come ordered, so the merge
 * stops after limit rows. */
#define STORE_LEASE_REUSE_SQL                                                              \
	"SELECT " LEASE_COLS " FROM leases WHERE environment_id = ?1 "                      \
	"AND lease_policy = 'reuse_by_environment' AND status IN ('released', 'retained') " \
	"UNION ALL "                                                                        \
	"SELECT " LEASE_COLS " FROM leases WHERE environment_id = ?1 AND status = 'active' " \
	"AND lease_policy = 'reuse_by_environment' "                                        \
	"ORDER BY last_used_at DESC, id DESC LIMIT ?2"

Status store_lease_reuse_candidates(Store *s, const char *environment_id, long limit,
				    StoreLeaseFn fn, void *ctx, Error *err)
{
	DbStmt *st = store_stmt(s, STORE_LEASE_REUSE_SQL, err);

	if (!st)
		return err->status;
	store_bind_text(st, 1, environment_id);
	db_bind_limit(st, 2, limit);
	return store_lease_walk(s, st, fn, ctx, err);
}

#define STORE_LEASE_ACTIVE_SQL \
	"SELECT " LEASE_COLS " FROM leases WHERE environment_id = ?1 AND status = 'active'"

Status store_lease_each_active(Store *s, const char *environment_id, StoreLeaseFn fn, void *ctx,
				Error *err)
{
	/* The literal status lets SQLite use the partial index leases_active_env. */
	DbStmt *st = store_stmt(s, STORE_LEASE_ACTIVE_SQL, err);

	if (!st)
		return err->status;
	store_bind_text(st, 1, environment_id);
	return store_lease_walk(s, st, fn, ctx, err);
}

Status store_lease_count_active(Store *s, const char *environment_id, long *out, Error *err)
{
	/* The literal status lets SQLite use the partial index leases_active_env. */
	DbStmt *st = store_stmt(s,
				      "SELECT count(*) FROM leases WHERE environment_id = ?1 "
				      "AND status = 'active'",
				      err);

	*out = 0;
	if (!st)
		return err->status;
	store_bind_text(st, 1, environment_id);
	return store_step_count(s, st, out, err, "counting active leases");
}

/* The SQL of a named query (see store_plan), with a filter whose values
 * are placeholders: the plan depends on which terms exist, not on them. */
static bool store_lease_named_sql(const char *name, Buf *sql)
{
	StoreLeaseFilter f;

	if (!strcmp(name, "reuse"))
		return buf_puts(sql, STORE_LEASE_REUSE_SQL);
	if (!strcmp(name, "active_of_env"))
		return buf_puts(sql, STORE_LEASE_ACTIVE_SQL);
	memset(&f, 0, sizeof f);
	if (!strncmp(name, "count", 5) || !strncmp(name, "list", 4) || !strncmp(name, "next", 4) ||
	    !strncmp(name, "skip", 4)) {
		bool count = name[0] == 'c', next = name[0] == 'n', skip = name[0] == 's';
		const char *p = name + (count ? 5 : 4);

		while (*p == ':') {
			const char *w = p + 1;
			size_t n = strcspn(w, ":");

			if (n == 6 && !strncmp(w, "status", n))
				f.status = "x";
			else if (n == 3 && !strncmp(w, "env", n))
				f.environment_id = "x";
			else if (n == 8 && !strncmp(w, "provider", n))
				f.provider = "x";
			else if (n == 5 && !strncmp(w, "after", n))
				f.after_acquired_at = f.after_id = f.after_key = "x";
			else if (n == 6 && !strncmp(w, "oldest", n))
				f.oldest_first = true;
			else if (n == 9 && !strncmp(w, "by-status", n))
				f.sort = STORE_LEASE_SORT_STATUS;
			else if (n == 11 && !strncmp(w, "by-provider", n))
				f.sort = STORE_LEASE_SORT_PROVIDER;
			else if (n == 4 && !strncmp(w, "desc", n))
				f.sort_desc = true;
			else
				return false;
			p = w + n;
		}
		if (*p)
			return false;
		if (skip)
			return f.sort != STORE_LEASE_SORT_ACQUIRED &&
			       store_lease_sql(&f, LEASE_SQL_GROUP_COUNT, sql);
		if (next)
			return f.sort == STORE_LEASE_SORT_PROVIDER &&
			       store_lease_next_sql(&f, f.after_key != NULL, sql);
		return count ? store_lease_count_sql(&f, sql) : store_lease_sql(&f, LEASE_SQL_LIST, sql);
	}
	return false;
}

Status store_plan(Store *s, const char *name, char **out, Error *err)
{
	Buf sql = BUF_INIT, plan = BUF_INIT;
	DbStmt *st = NULL;
	int rc;

	*out = NULL;
	if (!buf_puts(&sql, db_kind(s->db) == DB_KIND_PG ? "EXPLAIN " : "EXPLAIN QUERY PLAN "))
		goto oom;
	if (!store_lease_named_sql(name, &sql)) {
		buf_clear(&sql);
		return error_set(err, ST_E_USAGE, "no store query named \"%s\"", name);
	}
	rc = db_prepare(s->db, sql.data, false, &st);
	buf_clear(&sql);
	if (rc != DB_OK)
		return store_sql_error(s, rc, err, "explaining a query");
	while ((rc = db_step(st)) == DB_ROW) {
		/* PostgreSQL's EXPLAIN: one column of plan lines. */
		const char *detail = db_col_text(st, db_kind(s->db) == DB_KIND_PG ? 0 : 3);

		if (!buf_puts(&plan, detail ? detail : "") || !buf_putc(&plan, '\n')) {
			db_finalize(st);
			goto oom;
		}
	}
	db_finalize(st);
	if (rc != DB_DONE) {
		buf_clear(&plan);
		return store_sql_error(s, rc, err, "explaining a query");
	}
	if (!plan.data && !buf_puts(&plan, ""))
		goto oom;
	*out = plan.data;
	return ST_OK;
oom:
	buf_clear(&sql);
	buf_clear(&plan);
	return error_set(err, ST_E_NOMEM, "out of memory");
}

Status store_change_counter(Store *s, int64_t *out, Error *err)
{
	DbStmt *st;
	int rc;

	*out = 0;
	if (db_kind(s->db) == DB_KIND_PG) {
		/* The NOTIFYs of every write (see 0002_scale.sql), this one's too. */
		if (db_pg_notifications(s->db, out) != DB_OK)
			return store_sql_error(s, DB_IO, err, "reading the change counter");
		return ST_OK;
	}
	st = store_stmt(s, "PRAGMA data_version", err);
	if (!st)
		return err->status;
	rc = db_step(st);
	if (rc == DB_ROW)
		*out = db_col_int64(st, 0);
	store_stmt_done(s, st);
	if (rc != DB_ROW)
		return store_sql_error(s, rc, err, "reading the change counter");
	/* data_version ignores this connection's own commits. */
	*out += db_total_changes(s->db);
	return ST_OK;
}
