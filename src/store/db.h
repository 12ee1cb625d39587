/* The store's database driver: one small statement API over SQLite
 * (db_sqlite.c) and PostgreSQL through libpq (db_pg.c), so the store's
 * SQL files read the same for both. Used by src/store/ only.
 *
 * SQL keeps SQLite's ?N and ? placeholders; the PostgreSQL driver
 * rewrites them to $N. Result codes are the driver's own (DB_*), mapped
 * from SQLite result codes or PostgreSQL SQLSTATEs, so the store's error
 * sentences (store_sql_error) are written once.
 *
 * SQL the store sends must read the same in both dialects. What that
 * took so far (keep to it in new queries):
 *   - booleans are integers compared: "WHERE TRUE", "p.ok <> 0",
 *     "instr(a, b) > 0" (PostgreSQL gets instr from 0001), "?1 <> 0";
 *   - a parameter first seen in "?1 IS NULL" needs a type:
 *     "CAST(?1 AS TEXT) IS NULL" (or put the comparison first);
 *   - null-safe equality is "IS NOT DISTINCT FROM", not "IS";
 *   - "INSERT OR IGNORE" is "INSERT ... ON CONFLICT DO NOTHING"; in an
 *     upsert's WHERE, qualify the table's columns (t.col vs excluded.col);
 *   - a subquery in FROM has an alias; ORDER BY an alias only alone (an
 *     expression repeats the expression);
 *   - no rowid but on probes (0001 gives PostgreSQL one there); LIMIT
 *     through db_bind_limit; blobs through db_bind_blob (bytea);
 *   - "COLLATE NOCASE" works (PostgreSQL gets a nocase ICU collation);
 *   - PRAGMAs, sqlite_master and EXPLAIN QUERY PLAN are SQLite's only:
 *     branch on db_kind. */
#ifndef ENVCTL_STORE_DB_H
#define ENVCTL_STORE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct Db Db;
typedef struct DbStmt DbStmt;

typedef enum DbKind { DB_KIND_SQLITE, DB_KIND_PG } DbKind;

enum {
	DB_OK = 0,
	DB_ERROR,     /* anything else: db_errmsg says what */
	DB_BUSY,      /* locked by another connection (or a serialization failure) */
	DB_FULL,      /* disk full */
	DB_IO,        /* cannot read or write the file, or the server went away */
	DB_READONLY,  /* read-only database, file or role */
	DB_AUTH,      /* the server refused the login */
	DB_CORRUPT,   /* not a database, or a damaged one */
	DB_NOMEM,
	DB_CONSTRAINT, /* a constraint not listed below */
	DB_CONSTRAINT_UNIQUE,
	DB_CONSTRAINT_PRIMARYKEY,
	DB_CONSTRAINT_FOREIGNKEY,
	DB_CONSTRAINT_CHECK,
	DB_CONSTRAINT_NOTNULL,
	DB_ROW = 100, /* db_step: a row is ready */
	DB_DONE = 101 /* db_step: the statement has finished */
};

static inline bool db_rc_constraint(int rc)
{
	return rc >= DB_CONSTRAINT && rc <= DB_CONSTRAINT_NOTNULL;
}

/* Opening (SQLite). flags: DB_OPEN_* below. */
enum {
	DB_OPEN_READONLY = 1,
	DB_OPEN_READWRITE = 2,
	DB_OPEN_CREATE = 4,
	DB_OPEN_URI = 8,
};
/* *out is set even on failure (for db_errmsg); db_close it. */
int db_sqlite_open(const char *path, int flags, int busy_timeout_ms, Db **out);
/* Online copy of the whole SQLite database into dest_path (an empty file
 * this user owns); msg gets the reason on failure. */
int db_sqlite_backup(Db *db, const char *dest_path, char *msg, size_t msg_len);

/* Opening (PostgreSQL): url is a libpq connection URI. *out is set even
 * on failure (for db_errmsg); db_close it. */
int db_pg_open(const char *url, Db **out);
/* Starts a transaction whose BEGIN and lock_sql go out with its first
 * statement (one round trip less); a COMMIT or ROLLBACK before any
 * statement sends nothing. */
int db_pg_begin_deferred(Db *db, const char *lock_sql);
/* SQL to run again each time a dropped connection is reopened (the
 * session's settings, LISTEN, advisory locks it held). */
int db_pg_on_reconnect(Db *db, const char *sql);
/* Notifications received on this connection so far (LISTEN envctl_changes),
 * reading any that arrived without waiting. */
int db_pg_notifications(Db *db, int64_t *count);
/* The connection's socket, to poll for a notification; -1 if none. */
int db_pg_socket(const Db *db);
/* True for postgresql:// and postgres:// (the scheme selects the driver). */
bool db_is_pg_url(const char *path);
/* The URL with any password removed (user@host kept), for messages;
 * malloc'd, NULL when out of memory. */
char *db_url_redact(const char *url);

DbKind db_kind(const Db *db);
void db_close(Db *db);
/* The connection is about to close: finalizing its statements need not
 * tell the server (PostgreSQL drops them with the session). */
void db_closing(Db *db);
const char *db_errmsg(const Db *db);
/* Runs SQL (one or more statements) with no result rows. */
int db_exec(Db *db, const char *sql);
/* Rows changed by the last INSERT, UPDATE or DELETE stepped to its end. */
int64_t db_changes(const Db *db);
/* Rows changed on this connection since it opened. */
int64_t db_total_changes(const Db *db);
/* Transactions this connection committed (including autocommitted writes). */
long db_commits(const Db *db);
bool db_readonly(const Db *db);
void db_set_busy_timeout(Db *db, int ms);
/* Makes every commit so far durable: SQLite fsyncs its -wal file (commits
 * made with synchronous=NORMAL are written, not synced); a no-op for a
 * driver whose server owns durability. */
void db_sync_log(Db *db);
/* Calls fn with the text of each statement as it starts (fn NULL: stop);
 * for tests that check which statements ran. A no-op where unsupported. */
typedef void (*DbTraceFn)(void *ctx, const char *sql);
void db_trace(Db *db, DbTraceFn fn, void *ctx);

/* persistent: the statement will be reused many times (a cache slot). */
int db_prepare(Db *db, const char *sql, bool persistent, DbStmt **out);
/* Ready to bind and step again: the bindings are cleared. */
void db_reset(DbStmt *st);
void db_finalize(DbStmt *st);

/* Every bind copies its value, except the _owned ones, which take a
 * malloc'd buffer and free it (also on failure). */
int db_bind_null(DbStmt *st, int idx);
int db_bind_text(DbStmt *st, int idx, const char *v); /* NULL binds NULL */
int db_bind_text_owned(DbStmt *st, int idx, char *v);
/* Not copied: v must stay valid and unchanged until the statement is reset
 * (a row's own fields, bound, stepped and reset in one function). */
int db_bind_text_ref(DbStmt *st, int idx, const char *v);
int db_bind_int64(DbStmt *st, int idx, int64_t v);
int db_bind_int(DbStmt *st, int idx, int v);
int db_bind_blob(DbStmt *st, int idx, const void *p, size_t n);
int db_bind_blob_owned(DbStmt *st, int idx, void *p, size_t n);
/* A LIMIT operand: n <= 0 means no limit (SQLite -1, PostgreSQL NULL). */
int db_bind_limit(DbStmt *st, int idx, int64_t n);

/* DB_ROW, DB_DONE or an error code. */
int db_step(DbStmt *st);
/* Steps first, then last, both statements that return no rows; a driver
 * may send them together (PostgreSQL: one round trip). *first_rc is
 * first's result, the return value last's; where the driver runs last
 * only after first succeeded, a skipped last reports first's failure. */
int db_step_pair(DbStmt *first, DbStmt *last, int *first_rc);

/* Column readers for the current row; pointers stay valid until the next
 * step, reset or finalize. */
bool db_col_null(DbStmt *st, int col);
const char *db_col_text(DbStmt *st, int col);
int64_t db_col_int64(DbStmt *st, int col);
int db_col_int(DbStmt *st, int col);
const void *db_col_blob(DbStmt *st, int col);
size_t db_col_bytes(DbStmt *st, int col);

#endif
