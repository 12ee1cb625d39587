/* Opening the database, connection settings, transactions and the
 * prepared-statement cache every other store file goes through. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/private.h"
#include "util/lib.h"

/* The lock every PostgreSQL write transaction takes first (see
 * store_begin); the number is envctl's own, "envc" in ASCII. */
#define STORE_PG_WRITE_LOCK "1701737059"
/* ... and the one a sweep holds. */
#define STORE_PG_SWEEP_LOCK INT64_C(1701737060)

/* ------------------------------------------------------------ helpers */

Status store_sql_error(Store *s, int rc, Error *err, const char *what)
{
	const char *msg = s && s->db ? db_errmsg(s->db) : "out of memory";
	const char *path = s && s->path ? s->path : "the database";

	switch (rc) {
	case DB_BUSY:
		if (s && s->db && db_kind(s->db) == DB_KIND_PG)
			return error_set(err, ST_E_BUSY,
					 "%s: database %s stayed locked by another program for more "
					 "than %d s (another envctl console or command, or a session "
					 "such as psql holding a transaction open); try again when it "
					 "finishes",
					 what, path, STORE_BUSY_TIMEOUT_MS / 1000);
		return error_set(err, ST_E_BUSY,
				 "%s: database %s stayed locked by another program for more than "
				 "%d s (another envctl console or command, or a tool such as "
				 "sqlite3 holding a transaction open); try again when it finishes",
				 what, path, STORE_BUSY_TIMEOUT_MS / 1000);
	case DB_FULL:
		return error_set(err, ST_E_IO, "%s: the disk holding %s is full", what, path);
	case DB_IO:
		return error_set(err, ST_E_IO, "%s: cannot read or write %s: %s", what, path, msg);
	case DB_READONLY:
	case DB_AUTH:
		return error_set(err, ST_E_STORE, "%s: %s is read-only for this user: %s", what,
				 path, msg);
	case DB_CORRUPT:
		return error_set(err, ST_E_STORE,
				 "%s: %s is damaged or is not an envctl database (%s); restore it "
				 "from a backup (envctl db backup)",
				 what, path, msg);
	case DB_CONSTRAINT:
	case DB_CONSTRAINT_UNIQUE:
	case DB_CONSTRAINT_PRIMARYKEY:
	case DB_CONSTRAINT_FOREIGNKEY:
	case DB_CONSTRAINT_CHECK:
	case DB_CONSTRAINT_NOTNULL:
		return error_set(err, ST_E_CONFLICT, "%s: %s", what, msg);
	case DB_NOMEM:
		return error_set(err, ST_E_NOMEM, "%s: out of memory", what);
	default:
		return error_set(err, ST_E_STORE, "%s: %s", what, msg);
	}
}

Status store_collect(Store *s, DbStmt *st, void *items_ptr, size_t *count,
		     size_t elem_size, StoreRowRead read, void (*clear_list)(void *list), void *list,
		     const char *what, Error *err)
{
	size_t cap = 0;
	int rc;

	while ((rc = db_step(st)) == DB_ROW) {
		char *items;

		if (!array_reserve(items_ptr, &cap, *count, elem_size)) {
			store_stmt_done(s, st);
			clear_list(list);
			return error_set(err, ST_E_NOMEM, "out of memory %s", what);
		}
		memcpy(&items, items_ptr, sizeof items);
		memset(items + *count * elem_size, 0, elem_size);
		(*count)++;
		if (read(st, items + (*count - 1) * elem_size, err) != ST_OK) {
			store_stmt_done(s, st);
			clear_list(list);
			return err->status;
		}
	}
	store_stmt_done(s, st);
	if (rc != DB_DONE) {
		clear_list(list);
		return store_sql_error(s, rc, err, what);
	}
	return ST_OK;
}

Status store_step_done(Store *s, DbStmt *st, Error *err, const char *what)
{
	int rc = db_step(st);

	store_stmt_done(s, st);
	if (rc != DB_DONE)
		return store_sql_error(s, rc, err, what);
	return ST_OK;
}

Status store_step_count(Store *s, DbStmt *st, long *out, Error *err, const char *what)
{
	int rc = db_step(st);

	*out = rc == DB_ROW ? (long)db_col_int64(st, 0) : 0;
	store_stmt_done(s, st);
	if (rc != DB_ROW)
		return store_sql_error(s, rc, err, what);
	return ST_OK;
}

Status store_exec(Store *s, const char *sql, Error *err)
{
	int rc = db_exec(s->db, sql);

	if (rc != DB_OK)
		return store_sql_error(s, rc, err, "database command failed");
	return ST_OK;
}

DbStmt *store_stmt(Store *s, const char *sql, Error *err)
{
	StoreStmt *slot = NULL;
	DbStmt *st = NULL;
	int rc;

	for (size_t i = 0; i < s->stmt_count; i++) {
		if (s->stmts[i].sql == sql || strcmp(s->stmts[i].sql, sql) == 0) {
			slot = &s->stmts[i];
			break;
		}
	}
	if (slot && !slot->busy) {
		slot->busy = true;
		return slot->st;
	}
	rc = db_prepare(s->db, sql, !slot, &st);
	if (rc != DB_OK) {
		store_sql_error(s, rc, err, "preparing a query");
		return NULL;
	}
	if (slot)
		return st; /* in use further up: a one-off copy, finalized when done */
	if (!array_reserve(&s->stmts, &s->stmt_cap, s->stmt_count, sizeof *s->stmts)) {
		db_finalize(st);
		error_set(err, ST_E_NOMEM, "out of memory");
		return NULL;
	}
	slot = &s->stmts[s->stmt_count];
	slot->sql = strdup(sql);
	if (!slot->sql) {
		db_finalize(st);
		error_set(err, ST_E_NOMEM, "out of memory");
		return NULL;
	}
	slot->st = st;
	slot->busy = true;
	s->stmt_count++;
	return st;
}

void store_stmt_done(Store *s, DbStmt *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < s->stmt_count; i++) {
		if (s->stmts[i].st == st) {
			db_reset(st);
			s->stmts[i].busy = false;
			return;
		}
	}
	db_finalize(st);
}

int store_bind_text(DbStmt *st, int idx, const char *v)
{
	return db_bind_text(st, idx, v);
}

int store_bind_json(DbStmt *st, int idx, const cJSON *v, const char *dflt)
{
	Buf text = BUF_INIT;

	if (!v)
		return db_bind_text(st, idx, dflt);
	/* cJSON_PrintUnformatted's text without its number round trips
	 * (printf, then scanf) and buffer guesses: every row written has one. */
	if (!json_print_compact(&text, v) || !text.data) {
		buf_clear(&text);
		return DB_NOMEM;
	}
	return db_bind_text_owned(st, idx, buf_take(&text));
}

const char *store_col_text(DbStmt *st, int col)
{
	return db_col_text(st, col);
}

char *store_col_dup(DbStmt *st, int col, bool *oom)
{
	const char *t = store_col_text(st, col);
	char *d;

	if (!t)
		return NULL;
	d = strdup(t);
	if (!d)
		*oom = true;
	return d;
}

void store_col_copy(DbStmt *st, int col, char *out, size_t n)
{
	const char *t = store_col_text(st, col);
	size_t len = t ? db_col_bytes(st, col) : 0;

	if (!n)
		return;
	/* Cut like snprintf would; ids and times, per row of every list. */
	if (len >= n)
		len = n - 1;
	if (len)
		memcpy(out, t, len);
	out[len] = '\0';
}

cJSON *store_col_json(DbStmt *st, int col, const char *dflt_text)
{
	const char *t = store_col_text(st, col);

	return cJSON_Parse(t ? t : dflt_text);
}

/* ------------------------------------------------------------ accessors */

const char *store_path(const Store *s)
{
	return s->path;
}

bool store_path_is_server(const char *path)
{
	return db_is_pg_url(path);
}

char *store_path_shown(const char *path)
{
	return db_is_pg_url(path) ? db_url_redact(path) : strdup(path);
}

bool store_readonly(const Store *s)
{
	return s->readonly || s->no_write || db_readonly(s->db);
}

const char *store_key_source(const Store *s)
{
	return s->key_source;
}

int store_schema_version(const Store *s)
{
	return s->version;
}

bool store_in_transaction(const Store *s)
{
	return s->tx_depth > 0;
}

/* ------------------------------------------------------------ transactions */

/* A transaction-control statement, prepared once: a lease write is four
 * short transactions, and parsing BEGIN/COMMIT each time was a visible
 * share of what one costs beyond SQLite's own writes. */
static Status store_tx_exec(Store *s, const char *sql, Error *err)
{
	DbStmt *st = store_stmt(s, sql, err);
	int rc;

	if (!st)
		return err->status;
	rc = db_step(st);
	store_stmt_done(s, st);
	if (rc != DB_DONE && rc != DB_ROW)
		return store_sql_error(s, rc, err, "database command failed");
	return ST_OK;
}

/* Back to synchronous=FULL after a relaxed transaction ends. The pragma
 * only fails on a closed or busy handle; FULL stays the handle's state
 * either way for the next begin to see. */
static void store_durable_again(Store *s)
{
	if (!s->relaxed || s->tx_depth > 0)
		return;
	s->relaxed = false;
	store_tx_exec(s, "PRAGMA synchronous = FULL", &(Error){ 0 });
}

Status store_begin(Store *s, Error *err)
{
	char sql[64];
	Status st;

	/* PostgreSQL: SQLite's single writer, as a transaction-scoped advisory
	 * lock every write transaction takes first, so read-then-write steps
	 * (a reuse lookup and its lease) stay atomic between machines too.
	 * READ COMMITTED matters: each statement after the lock sees what the
	 * last holder committed (a rotated data key's check, for one); under
	 * REPEATABLE READ the snapshot would predate the lock wait
	 * (store_operator/test_pg_write_queued_behind_rotation). */
	if (s->tx_depth == 0 && db_kind(s->db) == DB_KIND_PG) {
		/* Sent with the transaction's first statement. */
		if (db_pg_begin_deferred(s->db, "SELECT pg_advisory_xact_lock(" STORE_PG_WRITE_LOCK
						")") != DB_OK)
			return error_set(err, ST_E_STORE, "starting a transaction (a bug in envctl)");
		s->tx_depth++;
		return ST_OK;
	} else if (s->tx_depth == 0)
		snprintf(sql, sizeof sql, "BEGIN IMMEDIATE");
	else
		snprintf(sql, sizeof sql, "SAVEPOINT envctl_%d", s->tx_depth);
	st = store_tx_exec(s, sql, err);
	if (st != ST_OK) {
		/* A lock wait that timed out leaves PostgreSQL's BEGIN open. */
		if (s->tx_depth == 0 && db_kind(s->db) == DB_KIND_PG)
			db_exec(s->db, "ROLLBACK");
		return error_prefix(err, "starting a transaction: ");
	}
	s->tx_depth++;
	return ST_OK;
}

Status store_begin_relaxed(Store *s, Error *err)
{
	Status st;

	/* A savepoint: the outer transaction decides. Another driver commits
	 * durably as ever (PostgreSQL could SET LOCAL synchronous_commit = off;
	 * not measured, so not done). */
	if (s->tx_depth > 0 || db_kind(s->db) != DB_KIND_SQLITE)
		return store_begin(s, err);
	/* SQLite takes the safety level only outside a transaction. WAL with
	 * synchronous=NORMAL: the commit is in the -wal file (safe from a
	 * killed process) but not fsynced; the next FULL commit of any
	 * connection fsyncs the log up to its own frames, these included. */
	if (store_tx_exec(s, "PRAGMA synchronous = NORMAL", err) != ST_OK)
		return error_prefix(err, "starting a transaction: ");
	s->relaxed = true;
	if ((st = store_begin(s, err)) != ST_OK)
		store_durable_again(s);
	return st;
}

static void store_committed(Store *s)
{
	s->tx_depth--;
	if (s->tx_depth == 0)
		s->unsynced = s->relaxed; /* a FULL commit syncs all before it */
	store_durable_again(s);
}

Status store_commit(Store *s, Error *err)
{
	char sql[64];

	if (s->tx_depth <= 0)
		return error_set(err, ST_E_STORE, "commit without a transaction (a bug in envctl)");
	if (s->tx_depth == 1)
		snprintf(sql, sizeof sql, "COMMIT");
	else
		snprintf(sql, sizeof sql, "RELEASE envctl_%d", s->tx_depth - 1);
	if (store_tx_exec(s, sql, err) != ST_OK) {
		store_rollback(s);
		return error_prefix(err, "saving the change: ");
	}
	store_committed(s);
	return ST_OK;
}

int store_step_commit(Store *s, DbStmt *last, Status *committed, Error *err)
{
	DbStmt *commit;
	int rc, last_rc;

	*committed = ST_OK;
	if (s->tx_depth != 1 || db_kind(s->db) != DB_KIND_PG) {
		if ((last_rc = db_step(last)) == DB_DONE)
			*committed = store_commit(s, err);
		return last_rc;
	}
	if (!(commit = store_stmt(s, "COMMIT", err)))
		return DB_NOMEM;
	rc = db_step_pair(last, commit, &last_rc);
	store_stmt_done(s, commit);
	if (last_rc != DB_DONE)
		return last_rc;
	if (rc != DB_DONE) {
		store_sql_error(s, rc, err, "database command failed");
		store_rollback(s);
		*committed = error_prefix(err, "saving the change: ");
		return DB_DONE;
	}
	store_committed(s);
	return DB_DONE;
}

Status store_commit_with(Store *s, DbStmt *last, Error *err)
{
	Status committed;
	int rc = store_step_commit(s, last, &committed, err);

	store_stmt_done(s, last);
	/* A record that failed: SQLite saves the change without it; on
	 * PostgreSQL the transaction is over, and its COMMIT says so. */
	return rc == DB_DONE ? committed : store_commit(s, err);
}

Status store_read_begin(Store *s, Error *err)
{
	if (s->tx_depth > 0)
		return ST_OK; /* already inside a transaction: it is the snapshot */
	if (store_exec(s, db_kind(s->db) == DB_KIND_PG ? "BEGIN ISOLATION LEVEL REPEATABLE READ"
							: "BEGIN DEFERRED",
		       err) != ST_OK)
		return error_prefix(err, "starting a read: ");
	s->read_tx = true;
	return ST_OK;
}

void store_read_end(Store *s)
{
	if (!s->read_tx)
		return;
	s->read_tx = false;
	db_exec(s->db, "COMMIT");
}

void store_rollback(Store *s)
{
	char sql[96];

	if (s->tx_depth <= 0)
		return;
	s->tx_depth--;
	if (s->tx_depth == 0)
		snprintf(sql, sizeof sql, "ROLLBACK");
	else
		snprintf(sql, sizeof sql, "ROLLBACK TO envctl_%d; RELEASE envctl_%d", s->tx_depth,
			 s->tx_depth);
	/* A failed rollback leaves SQLite to roll back itself; nothing to report. */
	db_exec(s->db, sql);
	store_durable_again(s);
}

/* ------------------------------------------------------------ open */

static char *store_dirname(const char *path)
{
	char *copy = strdup(path);
	char *slash;

	if (!copy)
		return NULL;
	slash = strrchr(copy, '/');
	if (!slash) {
		free(copy);
		return strdup(".");
	}
	if (slash == copy)
		slash[1] = '\0';
	else
		*slash = '\0';
	return copy;
}

/* The database and its -wal/-shm hold ciphertext, fingerprints and every
 * config: 0600. SQLite gives -wal/-shm the main file's mode, so creating
 * the main file 0600 first covers all three; an existing file that is
 * wider is narrowed (it is ours). */
/* Narrows an existing file (and its -wal/-shm/-journal) to the owner.
 * Through a descriptor opened without following links: a -wal that is a
 * symlink would otherwise make envctl chmod whatever it points at. */
static Status store_narrow_files(const char *path, bool fix, Error *err)
{
	static const char *const suffixes[] = { "", "-wal", "-shm", "-journal" };

	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		char p[PATH_MAX];
		struct stat st;
		int fd;

		snprintf(p, sizeof p, "%s%s", path, suffixes[i]);
		if (lstat(p, &st) != 0)
			continue;
		if (!S_ISREG(st.st_mode))
			return error_set(err, ST_E_INVALID,
					 "database %s %s is not a regular file (%s); remove it",
					 i == 0 ? "path" : "companion file", p,
					 S_ISLNK(st.st_mode) ? "a symbolic link" : "not a file");
		if (!fix || !(st.st_mode & 077) || st.st_uid != geteuid())
			continue;
		fd = open(p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid())
			fchmod(fd, st.st_mode & 0700);
		close(fd);
	}
	return ST_OK;
}

static Status store_prepare_file(const char *path, Error *err)
{
	char *dir = store_dirname(path);
	int fd;

	if (!dir)
		return error_set(err, ST_E_NOMEM, "out of memory");
	if (!fs_is_dir(dir) && fs_mkdir_p(dir, 0700, err) != ST_OK) {
		free(dir);
		return error_prefix(err, "creating the database directory: ");
	}
	free(dir);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		close(fd);
		return ST_OK;
	}
	if (errno != EEXIST)
		return error_set(err, ST_E_IO, "cannot create database %s: %s", path,
				 strerror(errno));
	return store_narrow_files(path, true, err);
}

/* What `db check` needs before it opens: an existing, non-empty file. */
static Status store_check_file(const char *path, Error *err)
{
	struct stat st;

	if (lstat(path, &st) != 0)
		return error_set(err, ST_E_NOT_FOUND, "database %s does not exist: %s", path,
				 strerror(errno));
	if (S_ISREG(st.st_mode) && st.st_size == 0)
		return error_set(err, ST_E_STORE,
				 "database %s is empty (0 bytes): not an envctl database, maybe "
				 "truncated; restore it from a backup (or delete it to start afresh)",
				 path);
	return store_narrow_files(path, false, err);
}

static Status store_pragma(Store *s, const char *sql, const char *what, Error *err)
{
	int rc;

	/* Switching to WAL needs a moment of exclusive access; another console
	 * opening at the same instant makes it BUSY without the busy handler,
	 * so retry for the length of the busy timeout. */
	for (int tries = 0;; tries++) {
		rc = db_exec(s->db, sql);
		if (rc != DB_BUSY || tries * 20 >= STORE_BUSY_TIMEOUT_MS)
			break;
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
	if (rc != DB_OK)
		return store_sql_error(s, rc, err, what);
	return ST_OK;
}

static Status store_text_query(Store *s, const char *sql, char *out, size_t n, Error *err)
{
	DbStmt *st = store_stmt(s, sql, err);
	int rc;

	if (!st)
		return err->status;
	out[0] = '\0';
	rc = db_step(st);
	if (rc == DB_ROW)
		store_col_copy(st, 0, out, n);
	store_stmt_done(s, st);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_sql_error(s, rc, err, "reading database settings");
	return ST_OK;
}

/* The data key and who opened with it: operator.c. */
static Status store_check_key(Store *s, const StoreOptions *opts, Error *err)
{
	return store_keys_open(s, opts, err);
}

/* A read-only open of a WAL database needs its -shm file, which SQLite
 * cannot create in a directory this user cannot write. With no -wal file
 * there, the main file is the whole database (a writer would have created
 * one beside it), so it is opened immutable: as it stands, without -shm. */
static int store_open_readonly(Store *s, const char *path)
{
	char *dir = store_dirname(path), wal[PATH_MAX];
	Buf uri = BUF_INIT;
	bool dir_ro;
	int rc;

	rc = db_sqlite_open(path, DB_OPEN_READONLY, STORE_BUSY_TIMEOUT_MS, &s->db);
	if (rc == DB_OK)
		rc = db_exec(s->db, "SELECT count(*) FROM sqlite_master");
	snprintf(wal, sizeof wal, "%s-wal", path);
	dir_ro = dir && access(dir, W_OK) != 0;
	free(dir);
	if (rc == DB_OK || !dir_ro || access(wal, F_OK) == 0)
		return rc;
	db_close(s->db);
	s->db = NULL;
	buf_puts(&uri, "file:");
	for (const char *p = path; *p; p++) {
		if (*p == '%' || *p == '?' || *p == '#')
			buf_printf(&uri, "%%%02X", (unsigned char)*p);
		else
			buf_append(&uri, p, 1);
	}
	buf_puts(&uri, "?immutable=1");
	if (!uri.data)
		return DB_NOMEM;
	rc = db_sqlite_open(uri.data, DB_OPEN_READONLY | DB_OPEN_URI, STORE_BUSY_TIMEOUT_MS,
			    &s->db);
	buf_clear(&uri);
	return rc;
}

long store_commit_count(const Store *s)
{
	return db_commits(s->db);
}

Status store_open(const char *path, Store **out, Error *err)
{
	return store_open_ex(path, NULL, out, err);
}

/* A role granted only SELECT is read-only for this user, said up front
 * (app_check_writable) as for an SQLite file without write permission. */
static Status store_pg_writable(Store *s, Error *err)
{
	DbStmt *st = store_stmt(s,
				"SELECT has_table_privilege('environments', 'INSERT, UPDATE, DELETE') "
				"AND has_table_privilege('leases', 'INSERT, UPDATE, DELETE')",
				err);
	int rc;

	if (!st)
		return err->status;
	rc = db_step(st);
	s->no_write = rc == DB_ROW && !db_col_int(st, 0);
	store_stmt_done(s, st);
	if (rc != DB_ROW)
		return store_sql_error(s, rc, err, "reading this role's privileges");
	return ST_OK;
}

/* A random key outside the two fixed ones, held by this session until it
 * closes; its tag goes into the intents this console writes. */
static Status store_take_owner_lock(Store *s, Error *err)
{
	DbStmt *st;
	int64_t key;
	int rc;

	for (int tries = 0; tries < 4; tries++) {
		randombytes_buf(&key, sizeof key);
		key = (key & INT64_C(0x3fffffffffffffff)) | INT64_C(0x100000000);
		st = store_stmt(s, "SELECT pg_try_advisory_lock(?1)", err);
		if (!st)
			return err->status;
		db_bind_int64(st, 1, key);
		rc = db_step(st);
		if (rc == DB_ROW && db_col_int(st, 0)) {
			store_stmt_done(s, st);
			snprintf(s->owner_tag, sizeof s->owner_tag, "pg:%lld", (long long)key);
			return ST_OK;
		}
		store_stmt_done(s, st);
		if (rc != DB_ROW)
			return store_sql_error(s, rc, err, "taking this console's session lock");
	}
	return error_set(err, ST_E_STORE, "cannot take a session lock of this console's own");
}

int store_change_fd(const Store *s)
{
	return s->db && db_kind(s->db) == DB_KIND_PG ? db_pg_socket(s->db) : -1;
}

const char *store_owner_tag(const Store *s)
{
	return s->owner_tag;
}

/* One advisory-lock function of PostgreSQL's on key; *result is its
 * boolean answer. */
static Status store_pg_lock_call(Store *s, const char *sql, int64_t key, bool *result,
				 const char *what, Error *err)
{
	DbStmt *st = store_stmt(s, sql, err);
	int rc;

	if (!st)
		return err->status;
	db_bind_int64(st, 1, key);
	rc = db_step(st);
	*result = rc == DB_ROW && db_col_int(st, 0);
	store_stmt_done(s, st);
	if (rc != DB_ROW)
		return store_sql_error(s, rc, err, what);
	return ST_OK;
}

Status store_owner_gone(Store *s, const char *tag, bool *gone, Error *err)
{
	char *end;
	long long key;

	*gone = false;
	if (strncmp(tag, "pg:", 3) != 0 || db_kind(s->db) != DB_KIND_PG)
		return error_set(err, ST_E_UNSUPPORTED, "owner %s cannot be checked here", tag);
	key = strtoll(tag + 3, &end, 10);
	if (end == tag + 3 || (*end && *end != ' '))
		return error_set(err, ST_E_UNSUPPORTED, "owner %s is not a session lock", tag);
	if (!strncmp(tag, s->owner_tag, strlen(s->owner_tag)) && s->owner_tag[0] &&
	    (tag[strlen(s->owner_tag)] == '\0' || tag[strlen(s->owner_tag)] == ' '))
		return ST_OK; /* this console: alive */
	/* Free if we can take it; then it is given straight back. */
	if (store_pg_lock_call(s, "SELECT pg_try_advisory_lock(?1)", key, gone,
			       "checking an intent's owner", err) != ST_OK)
		return err->status;
	if (*gone) {
		bool unlocked;

		return store_pg_lock_call(s, "SELECT pg_advisory_unlock(?1)", key, &unlocked,
					  "checking an intent's owner", err);
	}
	return ST_OK;
}

Status store_sweep_lock(Store *s, bool *got, Error *err)
{
	*got = true;
	if (db_kind(s->db) != DB_KIND_PG || s->sweeping)
		return ST_OK;
	if (store_pg_lock_call(s, "SELECT pg_try_advisory_lock(?1)", STORE_PG_SWEEP_LOCK, got,
			       "taking the sweep lock", err) != ST_OK)
		return err->status;
	s->sweeping = *got;
	return ST_OK;
}

void store_sweep_unlock(Store *s)
{
	bool unlocked;

	if (!s->sweeping)
		return;
	s->sweeping = false;
	store_pg_lock_call(s, "SELECT pg_advisory_unlock(?1)", STORE_PG_SWEEP_LOCK, &unlocked,
			   "giving the sweep lock back", &(Error){ 0 });
}

/* PostgreSQL: the URL names the server, database and role; no file to
 * prepare, no journal mode. The path shown everywhere is the URL without
 * its password. */
static Status store_open_pg(const char *url, const StoreOptions *opts, Store **out, Error *err)
{
	bool check = opts && opts->check_only, readonly = opts && opts->readonly;
	char sql[256];
	Store *s = calloc(1, sizeof *s);
	int rc;

	if (!s || !(s->path = db_url_redact(url))) {
		free(s);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	s->readonly = readonly;
	rc = db_pg_open(url, &s->db);
	if (rc == DB_AUTH) {
		error_set(err, ST_E_STORE,
			  "cannot log in to PostgreSQL database %s: %s; check the user name and "
			  "password (in the URL, PGPASSWORD or ~/.pgpass)",
			  s->path, db_errmsg(s->db));
		store_close(s);
		return err->status;
	}
	if (rc != DB_OK) {
		error_set(err, rc == DB_NOMEM ? ST_E_NOMEM : ST_E_IO,
			  "cannot connect to PostgreSQL database %s: %s; check that the server "
			  "is running and the host, port, socket directory and database name in "
			  "the URL",
			  s->path, db_errmsg(s->db));
		store_close(s);
		return err->status;
	}
	/* As long as SQLite's busy timeout; LISTEN so store_change_counter sees
	 * other consoles' commits. */
	snprintf(sql, sizeof sql,
		 "SET lock_timeout = %d; SET client_min_messages = warning; %s LISTEN envctl_changes",
		 STORE_BUSY_TIMEOUT_MS,
		 readonly || check ? "SET default_transaction_read_only = on;" : "");
	if (store_exec(s, sql, err) != ST_OK ||
	    /* Read-only never migrates (as with SQLite): an older or empty
	     * database says so instead of failing on its first CREATE. */
	    (check || readonly ? store_check_version(s, err) : store_migrate(s, err)) != ST_OK ||
	    store_check_key(s, opts, err) != ST_OK ||
	    (!readonly && !check && store_take_owner_lock(s, err) != ST_OK) ||
	    store_pg_writable(s, err) != ST_OK) {
		store_close(s);
		return err->status;
	}
	/* A dropped connection comes back as this session: same settings,
	 * LISTEN and owner lock (its intents name it). */
	if (s->owner_tag[0])
		snprintf(sql + strlen(sql), sizeof sql - strlen(sql),
			 "; SELECT pg_try_advisory_lock(%s)", s->owner_tag + 3);
	if (db_pg_on_reconnect(s->db, sql) != DB_OK) {
		store_close(s);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	*out = s;
	return ST_OK;
}

Status store_open_ex(const char *path, const StoreOptions *opts, Store **out, Error *err)
{
	bool check = opts && opts->check_only;
	Store *s;
	char mode[32];
	int rc;
	bool readonly = opts && opts->readonly;

	*out = NULL;
	if (!path || !path[0])
		return error_set(err, ST_E_USAGE, "no database path (use --db PATH or ENVCTL_DB)");
	if (sodium_init() < 0)
		return error_set(err, ST_E_CRYPTO, "libsodium failed to initialise");
	if (db_is_pg_url(path))
		return store_open_pg(path, opts, out, err);
	if (readonly) {
		struct stat sb;

		if (lstat(path, &sb) != 0)
			return error_set(err, errno == ENOENT ? ST_E_NOT_FOUND : ST_E_IO,
					 "cannot open database %s read-only: %s%s", path,
					 strerror(errno),
					 errno == ENOENT ? " (--readonly never creates one)" : "");
		if (!S_ISREG(sb.st_mode))
			return error_set(err, ST_E_INVALID, "database path %s is not a regular file",
					 path);
	} else if ((check ? store_check_file(path, err) : store_prepare_file(path, err)) != ST_OK) {
		return err->status;
	}
	s = calloc(1, sizeof *s);
	if (!s || !(s->path = strdup(path))) {
		free(s);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	s->readonly = readonly;
	rc = readonly ? store_open_readonly(s, path)
		      : db_sqlite_open(path,
				       check ? DB_OPEN_READONLY : DB_OPEN_READWRITE | DB_OPEN_CREATE,
				       STORE_BUSY_TIMEOUT_MS, &s->db);
	if (rc != DB_OK) {
		store_sql_error(s, rc, err, "opening the database");
		store_close(s);
		return err->status;
	}
	if (check) {
		/* Read-only: no journal switch, no migration, no key check row. */
		if (store_pragma(s, "PRAGMA foreign_keys = ON", "enabling foreign keys", err) != ST_OK ||
		    store_check_version(s, err) != ST_OK || store_check_key(s, opts, err) != ST_OK) {
			store_close(s);
			return err->status;
		}
		*out = s;
		return ST_OK;
	}
	/* WAL: readers never block the writer and a committed transaction is in
	 * the -wal file before COMMIT returns, so killing envctl loses nothing
	 * it acknowledged. synchronous=FULL also fsyncs the WAL at each commit,
	 * so an acknowledged save survives a power cut too (NORMAL would only
	 * risk the last few commits on power loss, never corruption). */
	if (readonly) {
		/* Reading changes nothing: the journal mode stays as the writers
		 * set it, and a missing key check is left for a writer to record. */
		if (store_migrate(s, err) != ST_OK || store_check_key(s, opts, err) != ST_OK) {
			store_close(s);
			return err->status;
		}
		*out = s;
		return ST_OK;
	}
	if (store_pragma(s, "PRAGMA foreign_keys = ON", "enabling foreign keys", err) != ST_OK ||
	    store_text_query(s, "PRAGMA journal_mode", mode, sizeof mode, err) != ST_OK ||
	    (strcmp(mode, "wal") != 0 &&
	     store_pragma(s, "PRAGMA journal_mode = WAL", "switching to WAL", err) != ST_OK) ||
	    store_pragma(s, "PRAGMA synchronous = FULL", "setting durability", err) != ST_OK ||
	    store_migrate(s, err) != ST_OK || store_check_key(s, opts, err) != ST_OK) {
		store_close(s);
		return err->status;
	}
	*out = s;
	return ST_OK;
}

/* A relaxed commit is durable once the -wal file is fsynced; a program
 * that ends right after one (a CLI command) should not leave that to
 * the next writer, who may come much later. */
void store_sync(Store *s)
{
	if (!s->unsynced || !s->db)
		return;
	s->unsynced = false;
	db_sync_log(s->db);
}

void store_close(Store *s)
{
	if (!s)
		return;
	while (s->tx_depth > 0)
		store_rollback(s);
	store_sync(s);
	db_closing(s->db);
	for (size_t i = 0; i < s->stmt_count; i++) {
		db_finalize(s->stmts[i].st);
		free(s->stmts[i].sql);
	}
	free(s->stmts);
	if (s->db && s->version > 0 && db_kind(s->db) == DB_KIND_SQLITE) {
		/* Keeps the planner's statistics fresh for the indexes the list
		 * queries rely on; bounded, and never worth waiting for a lock. */
		db_set_busy_timeout(s->db, 50);
		db_exec(s->db, "PRAGMA analysis_limit = 400; PRAGMA optimize");
	}
	db_close(s->db);
	store_crypto_free(s->keys);
	free(s->operator_name);
	free(s->opkey_path);
	free(s->path);
	free(s);
}
