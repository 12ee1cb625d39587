/* The store's database driver: one small statement API over SQLite
 * (db_sqlite.c) and PostgreSQL through libpq (db_pg.c), so the store's
 * SQL files read the same for both. Used by src/store/ only.
 *
 * SQL keeps SQLite's ?N and ? placeholders; the PostgreSQL driver
 * rewrites them to $N. Result codes are the driver's own (DB_*), mapped
 * from SQLite result codes or PostgreSQL SQLSTATEs, so the store's error
 * sentences (store_sql_error) are written once. */
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
/* True for postgresql:// and postgres:// (the scheme selects the driver). */
bool db_is_pg_url(const char *path);
/* The URL with any password removed (user@host kept), for messages;
 * malloc'd, NULL when out of memory. */
char *db_url_redact(const char *url);

DbKind db_kind(const Db *db);
void db_close(Db *db);
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
int db_bind_int64(DbStmt *st, int idx, int64_t v);
int db_bind_int(DbStmt *st, int idx, int v);
int db_bind_blob(DbStmt *st, int idx, const void *p, size_t n);
int db_bind_blob_owned(DbStmt *st, int idx, void *p, size_t n);
/* A LIMIT operand: n <= 0 means no limit (SQLite -1, PostgreSQL NULL). */
int db_bind_limit(DbStmt *st, int idx, int64_t n);

/* DB_ROW, DB_DONE or an error code. */
int db_step(DbStmt *st);

/* Column readers for the current row; pointers stay valid until the next
 * step, reset or finalize. */
bool db_col_null(DbStmt *st, int col);
const char *db_col_text(DbStmt *st, int col);
int64_t db_col_int64(DbStmt *st, int col);
int db_col_int(DbStmt *st, int col);
const void *db_col_blob(DbStmt *st, int col);
size_t db_col_bytes(DbStmt *st, int col);

#endif
