/* db.h over PostgreSQL through libpq.
 *
 * A statement is executed at its first db_step and later steps walk its
 * rows as they arrive (libpq's single-row mode: a list of a million
 * leases is never held whole). Should another statement need the
 * connection while rows are still arriving (a callback reading the store
 * mid-walk), the rest of them is read into the walking statement's queue
 * first. A persistent statement is
 * prepared on the server at its first use under a name of its own, so a
 * cached statement costs one round trip per execution. Parameters go as
 * text (blobs as binary), typed text, bigint or bytea by how they were
 * bound. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_driver.h"
#include "store/pq.h"
#include "util/lib.h"

/* Type OIDs from pg_type.h (server headers are not part of libpq-dev). */
#define DBPG_BOOLOID 16
#define DBPG_BYTEAOID 17
#define DBPG_INT8OID 20
#define DBPG_TEXTOID 25

typedef struct DbPg {
	Db base;
	PqApi pq;
	PGconn *conn;
	char msg[1024];
	int64_t changes;
	int64_t total_changes;
	long commits;
	unsigned long next_name;
	int64_t notifications;
	char last_state[6]; /* SQLSTATE of the last error */
	bool closing;
	/* Counts reconnections: a statement prepared in an earlier session
	 * is prepared again. */
	unsigned long session;
	char *session_sql; /* run after each reconnection (db_pg_on_reconnect) */
	/* db_pg_begin_deferred: BEGIN and this statement go out with the
	 * transaction's first statement, in one round trip. */
	char begin_sql[128];
	struct DbPgStmt *wire; /* the statement whose results are still arriving */
	DbTraceFn trace; /* db_trace: each statement as it is run (tests) */
	void *trace_ctx;
} DbPg;

typedef struct DbPgParam {
	char *value; /* NULL for SQL NULL */
	int len;
	int format; /* 0 text, 1 binary */
	unsigned type;
	bool unused; /* $N not in the text: typed text, or the server cannot type it */
} DbPgParam;

typedef struct DbPgStmt {
	DbStmt base;
	char *sql; /* with $N placeholders */
	int nparams;
	bool persistent;
	bool prepared;
	unsigned long session; /* the db's session it was prepared in */
	char name[32];
	DbPgParam *params;
	PGresult *res;
	int row; /* the current row; -1 before the first step */
	int nrows;
	bool done;
	bool untyped_text; /* parameters the server cannot type go as text */
	bool on_wire;      /* its results are still arriving (DbPg.wire) */
	bool lost;         /* rows could not be queued (out of memory) */
	PGresult **queue;  /* results read ahead for another statement's sake */
	size_t qhead, qlen, qcap;
	unsigned char **blobs; /* unescaped bytea per column of the current row */
	size_t *blob_lens;
	int ncols;
} DbPgStmt;

static int dbpg_flush_begin(DbPg *db, const char *sql, bool *done);
static int dbpg_step(DbStmt *s);

/* The most parameters a statement of db_step_pair may have, on the stack
 * (a lease row has 19, an activity record 8); more go one at a time. */
#define DBPG_PAIR_PARAMS 32

static DbPg *dbpg(const Db *db)
{
	return (DbPg *)db;
}

static DbPgStmt *dbpg_st(DbStmt *st)
{
	return (DbPgStmt *)st;
}

/* Reads the rest of the arriving results into their statement's queue,
 * so the connection is free for another. */
static void dbpg_park(DbPg *db)
{
	struct DbPgStmt *st = db->wire;
	PGresult *r;

	if (!st)
		return;
	while ((r = db->pq.PQgetResult(db->conn)) != NULL) {
		if (st->qhead + st->qlen == st->qcap) {
			if (st->qhead) {
				memmove(st->queue, st->queue + st->qhead,
					st->qlen * sizeof *st->queue);
				st->qhead = 0;
			}
			if (!array_reserve(&st->queue, &st->qcap, st->qlen, sizeof *st->queue)) {
				db->pq.PQclear(r);
				st->lost = true;
				continue;
			}
		}
		st->queue[st->qhead + st->qlen++] = r;
	}
	st->on_wire = false;
	db->wire = NULL;
}

/* Reads and drops what is still arriving for st. */
static void dbpg_drain(DbPg *db, struct DbPgStmt *st)
{
	PGresult *r;

	if (db->wire != st)
		return;
	while ((r = db->pq.PQgetResult(db->conn)) != NULL)
		db->pq.PQclear(r);
	st->on_wire = false;
	db->wire = NULL;
}

/* st's next result: queued, else from the connection; a last result
 * (not a row) frees the connection. NULL when there is none. */
static PGresult *dbpg_fetch(DbPg *db, struct DbPgStmt *st)
{
	PGresult *r;

	if (st->qlen) {
		st->qlen--;
		return st->queue[st->qhead++];
	}
	if (!st->on_wire)
		return NULL;
	r = db->pq.PQgetResult(db->conn);
	if (!r || db->pq.PQresultStatus(r) != PGRES_SINGLE_TUPLE)
		dbpg_drain(db, st);
	return r;
}

/* The first line of a libpq or server message, without its newline. */
static void dbpg_set_msg(DbPg *db, const char *m)
{
	size_t n;

	snprintf(db->msg, sizeof db->msg, "%s", m && m[0] ? m : "unknown PostgreSQL error");
	n = strcspn(db->msg, "\n");
	db->msg[n] = '\0';
}

static int dbpg_sqlstate_rc(const char *state)
{
	if (!state || strlen(state) != 5)
		return DB_IO; /* no SQLSTATE: the connection failed */
	if (!strcmp(state, "23505"))
		return DB_CONSTRAINT_UNIQUE;
	if (!strcmp(state, "23503"))
		return DB_CONSTRAINT_FOREIGNKEY;
	if (!strcmp(state, "23514"))
		return DB_CONSTRAINT_CHECK;
	if (!strcmp(state, "23502"))
		return DB_CONSTRAINT_NOTNULL;
	if (!strncmp(state, "23", 2))
		return DB_CONSTRAINT;
	if (!strcmp(state, "40001") || !strcmp(state, "40P01") || !strcmp(state, "55P03") ||
	    !strcmp(state, "57014"))
		return DB_BUSY;
	if (!strcmp(state, "53100"))
		return DB_FULL;
	if (!strcmp(state, "53200"))
		return DB_NOMEM;
	if (!strcmp(state, "25006") || !strcmp(state, "42501"))
		return DB_READONLY;
	if (!strncmp(state, "28", 2))
		return DB_AUTH;
	if (!strncmp(state, "08", 2) || !strncmp(state, "57P", 3) || !strncmp(state, "58", 2))
		return DB_IO;
	return DB_ERROR;
}

/* A finished command's result: rows changed, commits, or the error. */
static int dbpg_result(DbPg *db, PGresult *res)
{
	ExecStatusType status = res ? db->pq.PQresultStatus(res) : PGRES_FATAL_ERROR;
	const char *cmd, *tuples;

	if (status == PGRES_SINGLE_TUPLE)
		return DB_OK;
	if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
		cmd = db->pq.PQcmdStatus(res);
		tuples = db->pq.PQcmdTuples(res);
		if (tuples && tuples[0] &&
		    (!strncmp(cmd, "INSERT", 6) || !strncmp(cmd, "UPDATE", 6) ||
		     !strncmp(cmd, "DELETE", 6))) {
			db->changes = strtoll(tuples, NULL, 10);
			db->total_changes += db->changes;
			if (db->pq.PQtransactionStatus(db->conn) == PQTRANS_IDLE)
				db->commits++;
		}
		if (!strcmp(cmd, "COMMIT"))
			db->commits++;
		return DB_OK;
	}
	if (!res) {
		dbpg_set_msg(db, db->pq.PQerrorMessage(db->conn));
		return db->pq.PQstatus(db->conn) == CONNECTION_BAD ? DB_IO : DB_NOMEM;
	}
	snprintf(db->last_state, sizeof db->last_state, "%s",
		 db->pq.PQresultErrorField(res, PG_DIAG_SQLSTATE) ? db->pq.PQresultErrorField(res, PG_DIAG_SQLSTATE)
							   : "");
	dbpg_set_msg(db, db->pq.PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
				 ? db->pq.PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
				 : db->pq.PQresultErrorMessage(res));
	if (db->pq.PQstatus(db->conn) == CONNECTION_BAD)
		return DB_IO;
	return dbpg_sqlstate_rc(db->pq.PQresultErrorField(res, PG_DIAG_SQLSTATE));
}

static void dbpg_close(Db *d)
{
	DbPg *db = dbpg(d);

	if (db->conn)
		db->pq.PQfinish(db->conn);
	pq_unload(&db->pq);
	free(db->session_sql);
	free(db);
}

static void dbpg_closing(Db *db)
{
	dbpg(db)->closing = true;
}

static const char *dbpg_errmsg(const Db *db)
{
	return dbpg(db)->msg;
}

/* A connection the server or the network dropped is opened again before
 * the next statement (the one that found it dropped has failed: it is not
 * resent, as it may have run). The session's settings, LISTEN and owner
 * lock come back through session_sql. */
static int dbpg_alive(DbPg *db)
{
	PGresult *res;

	if (db->pq.PQstatus(db->conn) == CONNECTION_OK)
		return DB_OK;
	db->pq.PQreset(db->conn);
	if (db->pq.PQstatus(db->conn) != CONNECTION_OK) {
		dbpg_set_msg(db, db->pq.PQerrorMessage(db->conn));
		return DB_IO;
	}
	db->session++;
	if (!db->session_sql)
		return DB_OK;
	res = db->pq.PQexec(db->conn, db->session_sql);
	if (db->pq.PQresultStatus(res) != PGRES_COMMAND_OK && db->pq.PQresultStatus(res) != PGRES_TUPLES_OK) {
		dbpg_set_msg(db, db->pq.PQerrorMessage(db->conn));
		db->pq.PQclear(res);
		return DB_IO;
	}
	db->pq.PQclear(res);
	return DB_OK;
}

int db_pg_on_reconnect(Db *d, const char *sql)
{
	DbPg *db = dbpg(d);
	char *copy;

	if (db_kind(d) != DB_KIND_PG)
		return DB_ERROR;
	copy = strdup(sql);
	if (!copy)
		return DB_NOMEM;
	free(db->session_sql);
	db->session_sql = copy;
	return DB_OK;
}

static int dbpg_exec(Db *d, const char *sql)
{
	DbPg *db = dbpg(d);
	PGresult *res;
	int rc;
	bool done;

	if (db->trace)
		db->trace(db->trace_ctx, sql);
	dbpg_park(db);
	rc = dbpg_alive(db);
	if (rc != DB_OK)
		return rc;
	if ((rc = dbpg_flush_begin(db, sql, &done)) != DB_OK || done)
		return rc;
	res = db->pq.PQexec(db->conn, sql);
	rc = dbpg_result(db, res);

	db->pq.PQclear(res);
	return rc;
}

static int64_t dbpg_changes(const Db *db)
{
	return dbpg(db)->changes;
}

static int64_t dbpg_total_changes(const Db *db)
{
	return dbpg(db)->total_changes;
}

static long dbpg_commits(const Db *db)
{
	return dbpg(db)->commits;
}

static bool dbpg_readonly(const Db *d)
{
	const char *v = dbpg(d)->pq.PQparameterStatus(dbpg(d)->conn, "default_transaction_read_only");

	return v && !strcmp(v, "on");
}

static void dbpg_busy_timeout(Db *d, int ms)
{
	char sql[64];

	snprintf(sql, sizeof sql, "SET lock_timeout = %d", ms);
	dbpg_park(dbpg(d));
	dbpg(d)->pq.PQclear(dbpg(d)->pq.PQexec(dbpg(d)->conn, sql));
}

/* ?N stays N, a bare ? takes the number after the largest so far (as
 * SQLite numbers them); quoted text, identifiers and comments are copied
 * as they are. */
static char *dbpg_rewrite(const char *sql, int *nparams, bool used[1000])
{
	size_t n = strlen(sql);
	char *out = malloc(n * 2 + 16), *o = out;
	int max = 0;

	if (!out)
		return NULL;
	for (const char *p = sql; *p;) {
		if (*p == '\'' || *p == '"') {
			char q = *p;

			*o++ = *p++;
			while (*p && *p != q)
				*o++ = *p++;
			if (*p)
				*o++ = *p++;
		} else if (p[0] == '-' && p[1] == '-') {
			while (*p && *p != '\n')
				*o++ = *p++;
		} else if (*p == '?') {
			int idx;

			p++;
			if (*p >= '0' && *p <= '9') {
				idx = (int)strtol(p, (char **)&p, 10);
			} else {
				idx = max + 1;
			}
			if (idx > max)
				max = idx;
			if (idx > 0 && idx < 1000)
				used[idx] = true;
			o += sprintf(o, "$%d", idx);
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	*nparams = max;
	return out;
}

static void dbpg_clear_row(DbPgStmt *st)
{
	for (int i = 0; st->blobs && i < st->ncols; i++) {
		dbpg(st->base.db)->pq.PQfreemem(st->blobs[i]);
		st->blobs[i] = NULL;
	}
}

static void dbpg_clear_result(DbPgStmt *st)
{
	dbpg_clear_row(st);
	free(st->blobs);
	free(st->blob_lens);
	st->blobs = NULL;
	st->blob_lens = NULL;
	st->ncols = 0;
	dbpg(st->base.db)->pq.PQclear(st->res);
	st->res = NULL;
	st->row = -1;
	st->nrows = 0;
	st->done = false;
}

static int dbpg_prepare(Db *d, const char *sql, bool persistent, DbStmt **out)
{
	DbPg *db = dbpg(d);
	DbPgStmt *st = calloc(1, sizeof *st);

	if (!st)
		return DB_NOMEM;
	st->base.db = d;
	bool used[1000] = { false };

	st->sql = dbpg_rewrite(sql, &st->nparams, used);
	st->params = st->sql ? calloc((size_t)st->nparams + 1, sizeof *st->params) : NULL;
	if (!st->sql || !st->params) {
		free(st->sql);
		free(st->params);
		free(st);
		return DB_NOMEM;
	}
	for (int i = 0; i < st->nparams && i < 999; i++)
		st->params[i].unused = !used[i + 1];
	st->persistent = persistent;
	if (persistent)
		snprintf(st->name, sizeof st->name, "envctl_%lu", ++db->next_name);
	st->row = -1;
	*out = &st->base;
	return DB_OK;
}

static void dbpg_reset(DbStmt *s)
{
	DbPgStmt *st = dbpg_st(s);

	dbpg_drain(dbpg(s->db), st);
	while (st->qlen) {
		dbpg(st->base.db)->pq.PQclear(st->queue[st->qhead++]);
		st->qlen--;
	}
	st->qhead = 0;
	st->lost = false;
	dbpg_clear_result(st);
	for (int i = 0; i < st->nparams; i++) {
		bool unused = st->params[i].unused;

		free(st->params[i].value);
		memset(&st->params[i], 0, sizeof st->params[i]);
		st->params[i].unused = unused;
	}
}

static void dbpg_finalize(DbStmt *s)
{
	DbPgStmt *st = dbpg_st(s);
	DbPg *db = dbpg(s->db);

	dbpg_reset(s);
	if (st->prepared && st->session == db->session && !db->closing &&
	    db->pq.PQstatus(db->conn) == CONNECTION_OK) {
		char sql[64];

		/* The name would otherwise live as long as the connection. */
		snprintf(sql, sizeof sql, "DEALLOCATE %s", st->name);
		dbpg_park(db);
		db->pq.PQclear(db->pq.PQexec(db->conn, sql));
	}
	free(st->queue);
	free(st->params);
	free(st->sql);
	free(st);
}

static int dbpg_set_param(DbStmt *s, int idx, char *value, int len, int format, unsigned type)
{
	DbPgStmt *st = dbpg_st(s);

	if (idx < 1 || idx > st->nparams) {
		free(value);
		return DB_ERROR;
	}
	free(st->params[idx - 1].value);
	st->params[idx - 1] = (DbPgParam){ value, len, format, type, st->params[idx - 1].unused };
	return DB_OK;
}

static int dbpg_bind_null(DbStmt *st, int idx)
{
	return dbpg_set_param(st, idx, NULL, 0, 0, DBPG_TEXTOID);
}

static int dbpg_bind_text(DbStmt *st, int idx, const char *v, bool owned)
{
	char *copy = owned ? (char *)v : strdup(v);

	if (!copy)
		return DB_NOMEM;
	return dbpg_set_param(st, idx, copy, 0, 0, DBPG_TEXTOID);
}

static int dbpg_bind_int64(DbStmt *st, int idx, int64_t v)
{
	char buf[32], *copy;

	snprintf(buf, sizeof buf, "%lld", (long long)v);
	copy = strdup(buf);
	if (!copy)
		return DB_NOMEM;
	return dbpg_set_param(st, idx, copy, 0, 0, DBPG_INT8OID);
}

static int dbpg_bind_blob(DbStmt *st, int idx, const void *p, size_t n, bool owned)
{
	char *copy;

	if (owned) {
		copy = (char *)p;
	} else {
		copy = malloc(n ? n : 1);
		if (!copy)
			return DB_NOMEM;
		memcpy(copy, p, n);
	}
	if (n > 0x7fffffff) {
		free(copy);
		return DB_ERROR;
	}
	return dbpg_set_param(st, idx, copy, (int)n, 1, DBPG_BYTEAOID);
}

static int dbpg_bind_limit(DbStmt *st, int idx, int64_t n)
{
	if (n > 0)
		return dbpg_bind_int64(st, idx, n);
	return dbpg_set_param(st, idx, NULL, 0, 0, DBPG_INT8OID);
}

/* Parameters are typed as bound: text, bigint, bytea (binary); a NULL
 * bound as text is text, so "?1 IS NULL OR x = ?1" can be typed. One never
 * bound goes untyped (the server infers it from its use, e.g. an integer
 * column), one not in the text as text. Should the server still fail to
 * type one (42P18) outside a transaction, the statement is retried once
 * with the untyped ones as text, and remembers to. */
/* Reads a pipeline's results up to its sync's own, and leaves pipeline
 * mode. */
static void dbpg_end_pipeline(DbPg *db)
{
	PGresult *res;

	while ((res = db->pq.PQgetResult(db->conn)) != NULL) {
		ExecStatusType status = db->pq.PQresultStatus(res);

		db->pq.PQclear(res);
		if (status == PGRES_PIPELINE_SYNC)
			break;
	}
	db->pq.PQexitPipelineMode(db->conn);
}

/* The deferred BEGIN, its lock statement, a PREPARE when needed and the
 * statement, pipelined: one round trip. The first failure is the result
 * (the server skips what follows it until the sync). */
static int dbpg_run_pipelined(DbPg *db, DbPgStmt *st, Oid *types, const char **values,
			      int *lens, int *formats)
{
	char lock_sql[sizeof db->begin_sql];
	bool prepare = st->persistent && !st->prepared;
	int n = st->nparams, rc = DB_OK, queries;
	PGresult *res, *bad = NULL, *last = NULL;

	memcpy(lock_sql, db->begin_sql, sizeof lock_sql);
	db->begin_sql[0] = '\0';
	if (!db->pq.PQenterPipelineMode(db->conn) ||
	    !db->pq.PQsendQueryParams(db->conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0) ||
	    !db->pq.PQsendQueryParams(db->conn, lock_sql, 0, NULL, NULL, NULL, NULL, 0) ||
	    (prepare && !db->pq.PQsendPrepare(db->conn, st->name, st->sql, n, types)) ||
	    !(st->persistent ? db->pq.PQsendQueryPrepared(db->conn, st->name, n, values, lens, formats, 0)
			     : db->pq.PQsendQueryParams(db->conn, st->sql, n, types, values, lens, formats,
						 0)) ||
	    !db->pq.PQpipelineSync(db->conn)) {
		dbpg_set_msg(db, db->pq.PQerrorMessage(db->conn));
		db->pq.PQexitPipelineMode(db->conn);
		return DB_IO;
	}
	queries = prepare ? 4 : 3;
	for (int q = 0; q < queries; q++) {
		/* each query: its result, then NULL */
		res = db->pq.PQgetResult(db->conn);
		if (!res)
			break;
		if (prepare && q == 2 && db->pq.PQresultStatus(res) == PGRES_COMMAND_OK) {
			st->prepared = true;
			st->session = db->session;
		}
		if (!bad && db->pq.PQresultStatus(res) != PGRES_COMMAND_OK &&
		    db->pq.PQresultStatus(res) != PGRES_TUPLES_OK) {
			bad = res;
		} else if (q == queries - 1 && !bad) {
			last = res;
		} else if (res != bad) {
			db->pq.PQclear(res);
		}
		while ((res = db->pq.PQgetResult(db->conn)) != NULL)
			db->pq.PQclear(res);
	}
	dbpg_end_pipeline(db);
	if (bad) {
		rc = dbpg_result(db, bad);
		db->pq.PQclear(bad);
		db->pq.PQclear(last);
		return rc == DB_OK ? DB_ERROR : rc;
	}
	st->res = last;
	return dbpg_result(db, st->res);
}

int db_pg_begin_deferred(Db *d, const char *lock_sql)
{
	DbPg *db = dbpg(d);

	if (db_kind(d) != DB_KIND_PG || strlen(lock_sql) >= sizeof db->begin_sql)
		return DB_ERROR;
	if (db->trace)
		db->trace(db->trace_ctx, "BEGIN");
	snprintf(db->begin_sql, sizeof db->begin_sql, "%s", lock_sql);
	return DB_OK;
}

/* A statement that is not the pipelined kind while a BEGIN is deferred:
 * COMMIT or ROLLBACK of a transaction that never sent anything is
 * nothing; anything else sends the BEGIN first. */
static int dbpg_flush_begin(DbPg *db, const char *sql, bool *done)
{
	char begin[sizeof db->begin_sql + 16];
	PGresult *res;
	int rc;

	*done = false;
	if (!db->begin_sql[0])
		return DB_OK;
	if (!strcmp(sql, "COMMIT") || !strcmp(sql, "ROLLBACK")) {
		db->begin_sql[0] = '\0';
		*done = true;
		return DB_OK;
	}
	snprintf(begin, sizeof begin, "BEGIN; %s", db->begin_sql);
	db->begin_sql[0] = '\0';
	res = db->pq.PQexec(db->conn, begin);
	rc = dbpg_result(db, res);
	db->pq.PQclear(res);
	if (rc != DB_OK)
		db->pq.PQclear(db->pq.PQexec(db->conn, "ROLLBACK"));
	return rc;
}

/* st's bound parameters as libpq takes them. */
static void dbpg_fill(DbPgStmt *st, Oid *types, const char **values, int *lens, int *formats)
{
	for (int i = 0; i < st->nparams; i++) {
		values[i] = st->params[i].value;
		lens[i] = st->params[i].len;
		formats[i] = st->params[i].format;
		types[i] = st->params[i].unused || (st->untyped_text && !st->params[i].type)
				   ? DBPG_TEXTOID
				   : st->params[i].type;
	}
	if (st->prepared && st->session != dbpg(st->base.db)->session)
		st->prepared = false; /* made in a session that is gone */
}

static int dbpg_run(DbPgStmt *st, Oid *types, const char **values, int *lens, int *formats)
{
	DbPg *db = dbpg(st->base.db);
	int n = st->nparams, rc;

	dbpg_fill(st, types, values, lens, formats);
	if (db->begin_sql[0])
		return dbpg_run_pipelined(db, st, types, values, lens, formats);
	if (st->persistent && !st->prepared) {
		PGresult *res = db->pq.PQprepare(db->conn, st->name, st->sql, n, types);

		rc = dbpg_result(db, res);
		db->pq.PQclear(res);
		if (rc != DB_OK)
			return rc;
		st->prepared = true;
		st->session = db->session;
	}
	if (!(st->prepared ? db->pq.PQsendQueryPrepared(db->conn, st->name, n, values, lens, formats, 0)
			   : db->pq.PQsendQueryParams(db->conn, st->sql, n, types, values, lens, formats, 0))) {
		dbpg_set_msg(db, db->pq.PQerrorMessage(db->conn));
		return DB_IO;
	}
	db->pq.PQsetSingleRowMode(db->conn);
	st->on_wire = true;
	db->wire = st;
	st->res = dbpg_fetch(db, st);
	return dbpg_result(db, st->res);
}

/* COMMIT answers ROLLBACK, not an error, when the transaction had failed
 * before it: what was to be saved was not. */
static int dbpg_commit_result(DbPg *db, const DbPgStmt *st, PGresult *res, int rc)
{
	if (rc == DB_OK && !strcmp(st->sql, "COMMIT") && res &&
	    !strcmp(db->pq.PQcmdStatus(res), "ROLLBACK")) {
		dbpg_set_msg(db, "the transaction was rolled back: a statement in it had failed");
		return DB_ERROR;
	}
	return rc;
}

static int dbpg_execute(DbPgStmt *st)
{
	DbPg *db = dbpg(st->base.db);
	int n = st->nparams;
	const char **values = calloc((size_t)n + 1, sizeof *values);
	int *lens = calloc((size_t)n + 1, sizeof *lens);
	int *formats = calloc((size_t)n + 1, sizeof *formats);
	Oid *types = calloc((size_t)n + 1, sizeof *types);
	int rc;

	if (db->trace)
		db->trace(db->trace_ctx, st->sql);
	if (!values || !lens || !formats || !types) {
		free(values);
		free(lens);
		free(formats);
		free(types);
		return DB_NOMEM;
	}
	dbpg_park(db);
	rc = dbpg_alive(db);
	if (rc == DB_OK)
		rc = dbpg_commit_result(db, st, st->res, dbpg_run(st, types, values, lens, formats));
	/* Outside a transaction only: inside, the failure has aborted it. */
	if (rc != DB_OK && !st->untyped_text && !st->prepared && !strcmp(db->last_state, "42P18") &&
	    db->pq.PQtransactionStatus(db->conn) == PQTRANS_IDLE) {
		db->pq.PQclear(st->res);
		st->res = NULL;
		st->untyped_text = true;
		rc = dbpg_run(st, types, values, lens, formats);
	}
	if (rc == DB_OK && (db->pq.PQresultStatus(st->res) == PGRES_TUPLES_OK ||
			    db->pq.PQresultStatus(st->res) == PGRES_SINGLE_TUPLE)) {
		st->nrows = db->pq.PQntuples(st->res);
		st->ncols = db->pq.PQnfields(st->res);
		st->blobs = calloc((size_t)st->ncols + 1, sizeof *st->blobs);
		st->blob_lens = calloc((size_t)st->ncols + 1, sizeof *st->blob_lens);
		if (!st->blobs || !st->blob_lens)
			rc = DB_NOMEM;
	}
	free(values);
	free(lens);
	free(formats);
	free(types);
	return rc;
}

/* What each result of a pipeline answers: a statement's PREPARE or the
 * statement itself. */
typedef struct DbPgSent {
	DbPgStmt *st;
	bool prepare;
} DbPgSent;

/* Queues st in the pipeline, its PREPARE first when needed, noting each
 * result to come in sent[*n]; false when libpq refuses. */
static bool dbpg_send(DbPg *db, DbPgStmt *st, DbPgSent *sent, int *n)
{
	const char *values[DBPG_PAIR_PARAMS];
	int lens[DBPG_PAIR_PARAMS], formats[DBPG_PAIR_PARAMS];
	Oid types[DBPG_PAIR_PARAMS];

	dbpg_fill(st, types, values, lens, formats);
	if (db->trace)
		db->trace(db->trace_ctx, st->sql);
	if (st->persistent && !st->prepared) {
		if (!db->pq.PQsendPrepare(db->conn, st->name, st->sql, st->nparams, types))
			return false;
		sent[(*n)++] = (DbPgSent){ st, true };
	}
	sent[(*n)++] = (DbPgSent){ st, false };
	return st->persistent ? db->pq.PQsendQueryPrepared(db->conn, st->name, st->nparams, values,
							  lens, formats, 0)
			      : db->pq.PQsendQueryParams(db->conn, st->sql, st->nparams, types,
							values, lens, formats, 0);
}

/* Two statements that return no rows, first then last, pipelined: one
 * round trip (an activity record and the COMMIT that saves it with the
 * change it records). The server skips what follows a failure: last then
 * fails too, and the first failure is what both report. */
static int dbpg_step_pair(DbStmt *first_s, DbStmt *last_s, int *first_rc)
{
	DbPgStmt *first = dbpg_st(first_s), *last = dbpg_st(last_s);
	DbPg *db = dbpg(first_s->db);
	DbPgSent sent[6];
	int n = 0, rc_first = DB_DONE, rc_last = DB_DONE, failed = DB_OK;
	char lock_sql[sizeof db->begin_sql];
	bool begin = db->begin_sql[0] != '\0';
	PGresult *res;

	dbpg_park(db);
	if (first->nparams > DBPG_PAIR_PARAMS || last->nparams > DBPG_PAIR_PARAMS ||
	    dbpg_alive(db) != DB_OK) {
		/* a lost connection: one at a time, as ever */
		*first_rc = dbpg_step(first_s);
		return dbpg_step(last_s);
	}
	/* A transaction that has sent nothing yet: its BEGIN and lock lead. */
	memcpy(lock_sql, db->begin_sql, sizeof lock_sql);
	db->begin_sql[0] = '\0';
	if (begin) {
		sent[n++] = (DbPgSent){ NULL, false };
		sent[n++] = (DbPgSent){ NULL, false };
	}
	if (!db->pq.PQenterPipelineMode(db->conn) ||
	    (begin && (!db->pq.PQsendQueryParams(db->conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0) ||
		       !db->pq.PQsendQueryParams(db->conn, lock_sql, 0, NULL, NULL, NULL, NULL, 0))) ||
	    !dbpg_send(db, first, sent, &n) || !dbpg_send(db, last, sent, &n) ||
	    !db->pq.PQpipelineSync(db->conn)) {
		dbpg_set_msg(db, db->pq.PQerrorMessage(db->conn));
		db->pq.PQexitPipelineMode(db->conn);
		*first_rc = DB_IO;
		return DB_IO;
	}
	for (int k = 0; k < n; k++) {
		int rc;

		/* each query: its result, then NULL */
		if (!(res = db->pq.PQgetResult(db->conn))) {
			failed = failed ? failed : DB_IO;
			break;
		}
		if (db->pq.PQresultStatus(res) == PGRES_PIPELINE_ABORTED)
			rc = DB_ERROR; /* skipped: failed says why */
		else if (!sent[k].st)
			rc = dbpg_result(db, res); /* the BEGIN or its lock */
		else
			rc = dbpg_commit_result(db, sent[k].st, res, dbpg_result(db, res));
		db->pq.PQclear(res);
		while ((res = db->pq.PQgetResult(db->conn)) != NULL)
			db->pq.PQclear(res);
		if (rc != DB_OK && failed == DB_OK)
			failed = rc;
		if (sent[k].prepare && rc == DB_OK) {
			sent[k].st->prepared = true;
			sent[k].st->session = db->session;
		}
		if (rc != DB_OK && sent[k].st)
			*(sent[k].st == first ? &rc_first : &rc_last) = failed;
	}
	if (failed != DB_OK && rc_first == DB_DONE && begin)
		rc_first = failed; /* the BEGIN or the lock failed: first never ran */
	dbpg_end_pipeline(db);
	first->done = last->done = true;
	if (failed != DB_OK && rc_last == DB_DONE)
		rc_last = failed; /* the results stopped short */
	*first_rc = rc_first;
	return rc_last;
}

static void dbpg_trace(Db *d, DbTraceFn fn, void *ctx)
{
	DbPg *db = dbpg(d);

	db->trace = fn;
	db->trace_ctx = ctx;
}

static int dbpg_step(DbStmt *s)
{
	DbPgStmt *st = dbpg_st(s);

	if (st->done)
		return DB_DONE;
	if (!st->res) {
		int rc = dbpg_execute(st);

		if (rc != DB_OK) {
			dbpg(s->db)->pq.PQclear(st->res);
			st->res = NULL;
			return rc;
		}
	}
	for (;;) {
		DbPg *db = dbpg(s->db);
		ExecStatusType status;
		int rc;

		dbpg_clear_row(st);
		if (st->row + 1 < st->nrows) {
			st->row++;
			return DB_ROW;
		}
		/* This result is walked: the next row, or the end. */
		db->pq.PQclear(st->res);
		st->res = dbpg_fetch(db, st);
		st->row = -1;
		st->nrows = 0;
		if (!st->res) {
			st->done = true;
			if (st->lost) {
				dbpg_set_msg(db, "out of memory reading rows");
				return DB_NOMEM;
			}
			return DB_DONE;
		}
		status = db->pq.PQresultStatus(st->res);
		rc = dbpg_result(db, st->res);
		if (rc != DB_OK) {
			st->done = true;
			return rc;
		}
		if (status == PGRES_SINGLE_TUPLE || status == PGRES_TUPLES_OK)
			st->nrows = db->pq.PQntuples(st->res);
	}
}

static bool dbpg_col_null(DbStmt *s, int col)
{
	DbPgStmt *st = dbpg_st(s);

	return !st->res || st->row < 0 || col >= st->ncols || dbpg(s->db)->pq.PQgetisnull(st->res, st->row, col);
}

static const char *dbpg_col_text(DbStmt *s, int col)
{
	DbPgStmt *st = dbpg_st(s);

	if (dbpg_col_null(s, col))
		return NULL;
	return dbpg(s->db)->pq.PQgetvalue(st->res, st->row, col);
}

static int64_t dbpg_col_int64(DbStmt *s, int col)
{
	DbPgStmt *st = dbpg_st(s);
	const char *t = dbpg_col_text(s, col);

	if (!t)
		return 0;
	if (dbpg(s->db)->pq.PQftype(st->res, col) == DBPG_BOOLOID)
		return t[0] == 't';
	return strtoll(t, NULL, 10);
}

static bool dbpg_load_blob(DbPgStmt *st, int col)
{
	DbPg *db = dbpg(st->base.db);
	const char *t;

	if (dbpg_col_null(&st->base, col))
		return false;
	if (st->blobs[col])
		return true;
	t = db->pq.PQgetvalue(st->res, st->row, col);
	if (db->pq.PQftype(st->res, col) != DBPG_BYTEAOID) {
		/* Text read as bytes: the value itself. */
		st->blob_lens[col] = (size_t)db->pq.PQgetlength(st->res, st->row, col);
		return true;
	}
	st->blobs[col] = db->pq.PQunescapeBytea((const unsigned char *)t, &st->blob_lens[col]);
	return st->blobs[col] != NULL;
}

static const void *dbpg_col_blob(DbStmt *s, int col)
{
	DbPgStmt *st = dbpg_st(s);

	if (!dbpg_load_blob(st, col))
		return NULL;
	if (!st->blobs[col])
		return dbpg(s->db)->pq.PQgetvalue(st->res, st->row, col);
	return st->blobs[col];
}

static size_t dbpg_col_bytes(DbStmt *s, int col)
{
	DbPgStmt *st = dbpg_st(s);

	if (!dbpg_load_blob(st, col))
		return 0;
	return st->blob_lens[col];
}

static const DbOps dbpg_ops = {
	.kind = DB_KIND_PG,
	.close = dbpg_close,
	.closing = dbpg_closing,
	.errmsg = dbpg_errmsg,
	.exec = dbpg_exec,
	.changes = dbpg_changes,
	.total_changes = dbpg_total_changes,
	.commits = dbpg_commits,
	.readonly = dbpg_readonly,
	.busy_timeout = dbpg_busy_timeout,
	.prepare = dbpg_prepare,
	.reset = dbpg_reset,
	.finalize = dbpg_finalize,
	.bind_null = dbpg_bind_null,
	.bind_text = dbpg_bind_text,
	.bind_int64 = dbpg_bind_int64,
	.bind_blob = dbpg_bind_blob,
	.bind_limit = dbpg_bind_limit,
	.step = dbpg_step,
	.step_pair = dbpg_step_pair,
	.trace = dbpg_trace,
	.col_null = dbpg_col_null,
	.col_text = dbpg_col_text,
	.col_int64 = dbpg_col_int64,
	.col_blob = dbpg_col_blob,
	.col_bytes = dbpg_col_bytes,
};

/* Notices (e.g. "relation already exists, skipping") would go to stderr. */
static void dbpg_quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

int db_pg_open(const char *url, Db **out)
{
	DbPg *db = calloc(1, sizeof *db);
	const char *m;

	*out = NULL;
	if (!db)
		return DB_NOMEM;
	db->base.ops = &dbpg_ops;
	*out = &db->base;
	if (!pq_load(&db->pq, db->msg, sizeof db->msg))
		return DB_IO;
	db->conn = db->pq.PQconnectdb(url);
	if (!db->conn) {
		dbpg_set_msg(db, "out of memory");
		return DB_NOMEM;
	}
	db->pq.PQsetNoticeProcessor(db->conn, dbpg_quiet, NULL);
	if (db->pq.PQstatus(db->conn) == CONNECTION_OK)
		return DB_OK;
	m = db->pq.PQerrorMessage(db->conn);
	/* libpq's first line names the socket or host and the reason (never
	 * the password). */
	dbpg_set_msg(db, m);
	if (db->pq.PQconnectionNeedsPassword(db->conn) || strstr(m, "password authentication failed") ||
	    strstr(m, "authentication failed") || strstr(m, "no password supplied"))
		return DB_AUTH;
	return DB_IO;
}

int db_pg_notifications(Db *d, int64_t *count)
{
	DbPg *db = dbpg(d);
	PGnotify *n;

	PGresult *res;

	if (db_kind(d) != DB_KIND_PG)
		return DB_ERROR;
	dbpg_park(db);
	if (dbpg_alive(db) != DB_OK)
		return DB_IO;
	/* A round trip: the server delivers a notification signalled before
	 * our query (another console's commit that has returned) ahead of
	 * the answer, so nothing committed before this call is missed. */
	res = db->pq.PQexec(db->conn, "");
	if (!res || db->pq.PQresultStatus(res) == PGRES_FATAL_ERROR) {
		db->pq.PQclear(res);
		dbpg_set_msg(db, db->pq.PQerrorMessage(db->conn));
		return DB_IO;
	}
	db->pq.PQclear(res);
	if (!db->pq.PQconsumeInput(db->conn)) {
		dbpg_set_msg(db, db->pq.PQerrorMessage(db->conn));
		return DB_IO;
	}
	while ((n = db->pq.PQnotifies(db->conn)) != NULL) {
		db->notifications++;
		db->pq.PQfreemem(n);
	}
	*count = db->notifications;
	return DB_OK;
}

int db_pg_socket(const Db *d)
{
	return db_kind(d) == DB_KIND_PG ? dbpg(d)->pq.PQsocket(dbpg(d)->conn) : -1;
}
