/* db.h over SQLite. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_driver.h"

/* Bytes of statement journal held in memory before SQLite spills it to a
 * temporary file (see db_sqlite_open). */
#define DB_SQLITE_STMT_SPILL (1024 * 1024)

typedef struct DbSqlite {
	Db base;
	sqlite3 *h;
	long commits;
	DbTraceFn trace;
	void *trace_ctx;
} DbSqlite;

typedef struct DbSqliteStmt {
	DbStmt base;
	sqlite3_stmt *h;
} DbSqliteStmt;

static sqlite3 *dbsq_h(const Db *db)
{
	return ((const DbSqlite *)db)->h;
}

static sqlite3_stmt *dbsq_st(DbStmt *st)
{
	return ((DbSqliteStmt *)st)->h;
}

/* SQLite's (extended) result codes to the driver's. */
static int dbsq_rc(int rc)
{
	switch (rc) {
	case SQLITE_OK:
		return DB_OK;
	case SQLITE_ROW:
		return DB_ROW;
	case SQLITE_DONE:
		return DB_DONE;
	case SQLITE_CONSTRAINT_UNIQUE:
		return DB_CONSTRAINT_UNIQUE;
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return DB_CONSTRAINT_PRIMARYKEY;
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return DB_CONSTRAINT_FOREIGNKEY;
	case SQLITE_CONSTRAINT_CHECK:
		return DB_CONSTRAINT_CHECK;
	case SQLITE_CONSTRAINT_NOTNULL:
		return DB_CONSTRAINT_NOTNULL;
	default:
		break;
	}
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return DB_BUSY;
	case SQLITE_FULL:
		return DB_FULL;
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
		return DB_IO;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return DB_READONLY;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return DB_CORRUPT;
	case SQLITE_CONSTRAINT:
		return DB_CONSTRAINT;
	case SQLITE_NOMEM:
		return DB_NOMEM;
	default:
		return DB_ERROR;
	}
}

static void dbsq_close(Db *db)
{
	sqlite3_close_v2(dbsq_h(db));
	free(db);
}

static const char *dbsq_errmsg(const Db *db)
{
	return sqlite3_errmsg(dbsq_h(db));
}

static int dbsq_exec(Db *db, const char *sql)
{
	return dbsq_rc(sqlite3_exec(dbsq_h(db), sql, NULL, NULL, NULL));
}

static int64_t dbsq_changes(const Db *db)
{
	return sqlite3_changes64(dbsq_h(db));
}

static int64_t dbsq_total_changes(const Db *db)
{
	return sqlite3_total_changes64(dbsq_h(db));
}

static long dbsq_commits(const Db *db)
{
	return ((const DbSqlite *)db)->commits;
}

static bool dbsq_readonly(const Db *db)
{
	return sqlite3_db_readonly(dbsq_h(db), "main") == 1;
}

static void dbsq_busy_timeout(Db *db, int ms)
{
	sqlite3_busy_timeout(dbsq_h(db), ms);
}

static int dbsq_prepare(Db *db, const char *sql, bool persistent, DbStmt **out)
{
	DbSqliteStmt *st = calloc(1, sizeof *st);
	int rc;

	if (!st)
		return DB_NOMEM;
	rc = sqlite3_prepare_v3(dbsq_h(db), sql, -1, persistent ? SQLITE_PREPARE_PERSISTENT : 0,
				&st->h, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(st->h);
		free(st);
		return dbsq_rc(rc);
	}
	st->base.db = db;
	*out = &st->base;
	return DB_OK;
}

static void dbsq_reset(DbStmt *st)
{
	sqlite3_reset(dbsq_st(st));
	sqlite3_clear_bindings(dbsq_st(st));
}

static void dbsq_finalize(DbStmt *st)
{
	sqlite3_finalize(dbsq_st(st));
	free(st);
}

static int dbsq_bind_null(DbStmt *st, int idx)
{
	return dbsq_rc(sqlite3_bind_null(dbsq_st(st), idx));
}

static int dbsq_bind_text(DbStmt *st, int idx, const char *v, bool owned)
{
	return dbsq_rc(sqlite3_bind_text(dbsq_st(st), idx, v, -1, owned ? free : SQLITE_TRANSIENT));
}

static int dbsq_bind_text_ref(DbStmt *st, int idx, const char *v)
{
	return dbsq_rc(sqlite3_bind_text(dbsq_st(st), idx, v, -1, SQLITE_STATIC));
}

static int dbsq_bind_int64(DbStmt *st, int idx, int64_t v)
{
	return dbsq_rc(sqlite3_bind_int64(dbsq_st(st), idx, v));
}

static int dbsq_bind_blob(DbStmt *st, int idx, const void *p, size_t n, bool owned)
{
	return dbsq_rc(sqlite3_bind_blob64(dbsq_st(st), idx, p, n, owned ? free : SQLITE_TRANSIENT));
}

static int dbsq_bind_limit(DbStmt *st, int idx, int64_t n)
{
	return dbsq_rc(sqlite3_bind_int64(dbsq_st(st), idx, n > 0 ? n : -1));
}

static int dbsq_step(DbStmt *st)
{
	return dbsq_rc(sqlite3_step(dbsq_st(st)));
}

static bool dbsq_col_null(DbStmt *st, int col)
{
	return sqlite3_column_type(dbsq_st(st), col) == SQLITE_NULL;
}

static const char *dbsq_col_text(DbStmt *st, int col)
{
	return (const char *)sqlite3_column_text(dbsq_st(st), col);
}

static int64_t dbsq_col_int64(DbStmt *st, int col)
{
	return sqlite3_column_int64(dbsq_st(st), col);
}

static const void *dbsq_col_blob(DbStmt *st, int col)
{
	return sqlite3_column_blob(dbsq_st(st), col);
}

static size_t dbsq_col_bytes(DbStmt *st, int col)
{
	return (size_t)sqlite3_column_bytes(dbsq_st(st), col);
}

static void dbsq_sync_log(Db *db)
{
	sqlite3_file *wal = NULL;

	/* The -wal file SQLite has open for this connection (the rollback
	 * journal outside WAL mode, which has nothing unsynced). */
	if (sqlite3_file_control(dbsq_h(db), "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) ==
		    SQLITE_OK &&
	    wal && wal->pMethods)
		wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
}

static int dbsq_trace_stmt(unsigned type, void *ctx, void *p, void *x)
{
	DbSqlite *db = ctx;

	(void)type;
	(void)p;
	if (db->trace)
		db->trace(db->trace_ctx, (const char *)x);
	return 0;
}

static void dbsq_trace(Db *db, DbTraceFn fn, void *ctx)
{
	DbSqlite *d = (DbSqlite *)db;

	d->trace = fn;
	d->trace_ctx = ctx;
	sqlite3_trace_v2(d->h, fn ? SQLITE_TRACE_STMT : 0, fn ? dbsq_trace_stmt : NULL, d);
}

static const DbOps dbsq_ops = {
	.kind = DB_KIND_SQLITE,
	.close = dbsq_close,
	.errmsg = dbsq_errmsg,
	.exec = dbsq_exec,
	.changes = dbsq_changes,
	.total_changes = dbsq_total_changes,
	.commits = dbsq_commits,
	.readonly = dbsq_readonly,
	.busy_timeout = dbsq_busy_timeout,
	.prepare = dbsq_prepare,
	.reset = dbsq_reset,
	.finalize = dbsq_finalize,
	.bind_null = dbsq_bind_null,
	.bind_text = dbsq_bind_text,
	.bind_int64 = dbsq_bind_int64,
	.bind_blob = dbsq_bind_blob,
	.bind_limit = dbsq_bind_limit,
	.step = dbsq_step,
	.col_null = dbsq_col_null,
	.col_text = dbsq_col_text,
	.col_int64 = dbsq_col_int64,
	.col_blob = dbsq_col_blob,
	.col_bytes = dbsq_col_bytes,
	.sync_log = dbsq_sync_log,
	.bind_text_ref = dbsq_bind_text_ref,
	.trace = dbsq_trace,
};

static int dbsq_count_commit(void *ctx)
{
	((DbSqlite *)ctx)->commits++;
	return 0; /* let it commit */
}

int db_sqlite_open(const char *path, int flags, int busy_timeout_ms, Db **out)
{
	DbSqlite *db = calloc(1, sizeof *db);
	int f = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW, rc;

	*out = NULL;
	if (!db)
		return DB_NOMEM;
	db->base.ops = &dbsq_ops;
	if (flags & DB_OPEN_READONLY)
		f |= SQLITE_OPEN_READONLY;
	if (flags & DB_OPEN_READWRITE)
		f |= SQLITE_OPEN_READWRITE;
	if (flags & DB_OPEN_CREATE)
		f |= SQLITE_OPEN_CREATE;
	if (flags & DB_OPEN_URI)
		f |= SQLITE_OPEN_URI;
	/* A lease insert fires triggers over a dozen index pages, so it needs a
	 * statement journal of about 64 KiB: SQLite's default threshold, past
	 * which it creates, writes and unlinks a temporary file, for every
	 * acquire. Kept in memory up to DB_SQLITE_STMT_SPILL, a file beyond (a
	 * migration rewriting every row). Only takes before SQLite's first use
	 * in the process; later calls fail harmlessly. */
	sqlite3_config(SQLITE_CONFIG_STMTJRNL_SPILL, DB_SQLITE_STMT_SPILL);
	if (getenv("PCX")) {
		int hdr = 0;
		sqlite3_config(SQLITE_CONFIG_PCACHE_HDRSZ, &hdr);
		sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 4096 + hdr, -2048);
	}
	rc = sqlite3_open_v2(path, &db->h, f, NULL);
	*out = &db->base;
	if (!db->h) {
		free(db);
		*out = NULL;
		return DB_NOMEM;
	}
	if (rc != SQLITE_OK)
		return dbsq_rc(rc);
	sqlite3_extended_result_codes(db->h, 1);
	sqlite3_commit_hook(db->h, dbsq_count_commit, db);
	sqlite3_busy_timeout(db->h, busy_timeout_ms);
	return DB_OK;
}

int db_sqlite_backup(Db *src, const char *dest_path, char *msg, size_t msg_len)
{
	sqlite3 *dest = NULL;
	sqlite3_backup *bk;
	int rc;

	rc = sqlite3_open_v2(dest_path, &dest, SQLITE_OPEN_READWRITE, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	bk = sqlite3_backup_init(dest, "main", dbsq_h(src), "main");
	if (!bk) {
		rc = sqlite3_errcode(dest);
		goto fail;
	}
	/* Copy in steps so a writer in another console is held up for a moment
	 * at a time, not for the whole copy. */
	do {
		rc = sqlite3_backup_step(bk, 256);
		if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
			sqlite3_sleep(20);
	} while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
	sqlite3_backup_finish(bk);
	if (rc != SQLITE_DONE)
		goto fail;
	rc = sqlite3_exec(dest, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	sqlite3_close_v2(dest);
	if (rc != SQLITE_OK) {
		snprintf(msg, msg_len, "cannot finish the file");
		return DB_ERROR;
	}
	return DB_OK;
fail:
	snprintf(msg, msg_len, "%s", dest ? sqlite3_errmsg(dest) : sqlite3_errstr(rc));
	if (dest)
		sqlite3_close_v2(dest);
	return DB_IO;
}
