/* db.h's calls, dispatched to the connection's driver. */
#include <stdlib.h>
#include <string.h>

#include "store/db_driver.h"

DbKind db_kind(const Db *db)
{
	return db->ops->kind;
}

void db_close(Db *db)
{
	if (db)
		db->ops->close(db);
}

void db_closing(Db *db)
{
	if (db && db->ops->closing)
		db->ops->closing(db);
}

const char *db_errmsg(const Db *db)
{
	return db ? db->ops->errmsg(db) : "out of memory";
}

int db_exec(Db *db, const char *sql)
{
	return db->ops->exec(db, sql);
}

int64_t db_changes(const Db *db)
{
	return db->ops->changes(db);
}

int64_t db_total_changes(const Db *db)
{
	return db->ops->total_changes(db);
}

long db_commits(const Db *db)
{
	return db->ops->commits(db);
}

bool db_readonly(const Db *db)
{
	return db->ops->readonly(db);
}

void db_set_busy_timeout(Db *db, int ms)
{
	db->ops->busy_timeout(db, ms);
}

void db_sync_log(Db *db)
{
	if (db && db->ops->sync_log)
		db->ops->sync_log(db);
}

void db_trace(Db *db, DbTraceFn fn, void *ctx)
{
	if (db && db->ops->trace)
		db->ops->trace(db, fn, ctx);
}

int db_prepare(Db *db, const char *sql, bool persistent, DbStmt **out)
{
	*out = NULL;
	return db->ops->prepare(db, sql, persistent, out);
}

void db_reset(DbStmt *st)
{
	if (st)
		st->db->ops->reset(st);
}

void db_finalize(DbStmt *st)
{
	if (st)
		st->db->ops->finalize(st);
}

int db_bind_null(DbStmt *st, int idx)
{
	return st->db->ops->bind_null(st, idx);
}

int db_bind_text(DbStmt *st, int idx, const char *v)
{
	return v ? st->db->ops->bind_text(st, idx, v, false) : st->db->ops->bind_null(st, idx);
}

int db_bind_text_owned(DbStmt *st, int idx, char *v)
{
	return v ? st->db->ops->bind_text(st, idx, v, true) : st->db->ops->bind_null(st, idx);
}

int db_bind_text_ref(DbStmt *st, int idx, const char *v)
{
	if (!v)
		return st->db->ops->bind_null(st, idx);
	if (st->db->ops->bind_text_ref)
		return st->db->ops->bind_text_ref(st, idx, v);
	return st->db->ops->bind_text(st, idx, v, false);
}

int db_bind_int64(DbStmt *st, int idx, int64_t v)
{
	return st->db->ops->bind_int64(st, idx, v);
}

int db_bind_int(DbStmt *st, int idx, int v)
{
	return st->db->ops->bind_int64(st, idx, v);
}

int db_bind_blob(DbStmt *st, int idx, const void *p, size_t n)
{
	return st->db->ops->bind_blob(st, idx, p, n, false);
}

int db_bind_blob_owned(DbStmt *st, int idx, void *p, size_t n)
{
	return st->db->ops->bind_blob(st, idx, p, n, true);
}

int db_bind_limit(DbStmt *st, int idx, int64_t n)
{
	return st->db->ops->bind_limit(st, idx, n);
}

int db_step(DbStmt *st)
{
	return st->db->ops->step(st);
}

int db_step_pair(DbStmt *first, DbStmt *last, int *first_rc)
{
	if (first->db->ops->step_pair)
		return first->db->ops->step_pair(first, last, first_rc);
	*first_rc = db_step(first);
	return db_step(last);
}

bool db_col_null(DbStmt *st, int col)
{
	return st->db->ops->col_null(st, col);
}

const char *db_col_text(DbStmt *st, int col)
{
	return st->db->ops->col_text(st, col);
}

int64_t db_col_int64(DbStmt *st, int col)
{
	return st->db->ops->col_int64(st, col);
}

int db_col_int(DbStmt *st, int col)
{
	return (int)st->db->ops->col_int64(st, col);
}

const void *db_col_blob(DbStmt *st, int col)
{
	return st->db->ops->col_blob(st, col);
}

size_t db_col_bytes(DbStmt *st, int col)
{
	return st->db->ops->col_bytes(st, col);
}

bool db_is_pg_url(const char *path)
{
	return path && (strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0);
}

/* scheme://user:password@host/... -> scheme://user@host/...; a password
 * given as ?password=... in the query is cut out too. */
char *db_url_redact(const char *url)
{
	const char *scheme_end = strstr(url, "://");
	char *out = strdup(url);
	char *p, *at, *colon, *q;

	if (!out || !scheme_end)
		return out;
	p = out + (scheme_end - url) + 3;
	/* The userinfo ends at the authority's last '@' (a password may hold
	 * one unencoded); the password starts at its first ':'. */
	at = NULL;
	for (char *c = p; *c && *c != '/' && *c != '?' && *c != '#'; c++)
		if (*c == '@')
			at = c;
	if (at) {
		colon = memchr(p, ':', (size_t)(at - p));
		if (colon)
			memmove(colon, at, strlen(at) + 1);
	}
	for (q = strstr(out, "password="); q; q = strstr(q, "password=")) {
		char *end;

		if (q > out && q[-1] != '?' && q[-1] != '&') {
			q++;
			continue;
		}
		end = q + strcspn(q, "&");
		if (*end == '&')
			memmove(q, end + 1, strlen(end + 1) + 1);
		else
			*(q > out ? q - 1 : q) = '\0';
		if (!*end)
			break;
	}
	return out;
}
