/* What a driver of db.h provides: its connection and statement structs
 * begin with Db and DbStmt, and one table of operations per driver. */
#ifndef ENVCTL_STORE_DB_DRIVER_H
#define ENVCTL_STORE_DB_DRIVER_H

#include "store/db.h"

typedef struct DbOps {
	DbKind kind;
	void (*close)(Db *db);
	void (*closing)(Db *db); /* may be NULL */
	const char *(*errmsg)(const Db *db);
	int (*exec)(Db *db, const char *sql);
	int64_t (*changes)(const Db *db);
	int64_t (*total_changes)(const Db *db);
	long (*commits)(const Db *db);
	bool (*readonly)(const Db *db);
	void (*busy_timeout)(Db *db, int ms);
	int (*prepare)(Db *db, const char *sql, bool persistent, DbStmt **out);
	void (*reset)(DbStmt *st);
	void (*finalize)(DbStmt *st);
	int (*bind_null)(DbStmt *st, int idx);
	/* owned: v is malloc'd and the driver frees it. */
	int (*bind_text)(DbStmt *st, int idx, const char *v, bool owned);
	int (*bind_int64)(DbStmt *st, int idx, int64_t v);
	int (*bind_blob)(DbStmt *st, int idx, const void *p, size_t n, bool owned);
	int (*bind_limit)(DbStmt *st, int idx, int64_t n);
	int (*step)(DbStmt *st);
	bool (*col_null)(DbStmt *st, int col);
	const char *(*col_text)(DbStmt *st, int col);
	int64_t (*col_int64)(DbStmt *st, int col);
	const void *(*col_blob)(DbStmt *st, int col);
	size_t (*col_bytes)(DbStmt *st, int col);
	/* Optional (NULL: nothing to do / not supported). */
	void (*sync_log)(Db *db);
	int (*bind_text_ref)(DbStmt *st, int idx, const char *v);
	void (*trace)(Db *db, DbTraceFn fn, void *ctx);
	int (*step_pair)(DbStmt *first, DbStmt *last, int *first_rc);
} DbOps;

struct Db {
	const DbOps *ops;
};

struct DbStmt {
	Db *db;
};

#endif
