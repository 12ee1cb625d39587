/* Shared by the store's own .c files only: the Store struct, the prepared
 * statement cache and the crypto helpers. Nothing above store/ includes it. */
#ifndef ENVCTL_STORE_PRIVATE_H
#define ENVCTL_STORE_PRIVATE_H

#include "store/db.h"
#include "store/states.h"
#include "store/store.h"

#define STORE_KEY_BYTES 32
#define STORE_FP_BYTES 32

/* The data key (the old master key's material in a migrated database) and
 * the subkeys derived from it. Lives in sodium_malloc'd memory (guard
 * pages, locked, read-only after load). */
typedef struct StoreKeys {
	unsigned char data[STORE_KEY_BYTES];  /* sealed to each operator */
	unsigned char enc[STORE_KEY_BYTES];   /* XChaCha20-Poly1305 */
	unsigned char fp[STORE_KEY_BYTES];    /* keyed BLAKE2b fingerprints */
	unsigned char check[STORE_KEY_BYTES]; /* the database's key check value */
} StoreKeys;

typedef struct StoreStmt {
	char *sql;
	DbStmt *st;
	bool busy;
} StoreStmt;

struct Store {
	Db *db;
	char *path;
	StoreKeys *keys;
	char key_source[4096];
	char *operator_name; /* whose key opened it; NULL: ENVCTL_MASTER_KEY or master key */
	char *opkey_path;    /* the operator key file it opened with, for store_keys_refresh */
	int version;
	bool readonly; /* opened read-only: nothing is created or migrated */
	int tx_depth;
	bool relaxed;  /* the open transaction commits with synchronous=NORMAL */
	bool unsynced; /* the last commit was relaxed: -wal not fsynced since */
	bool read_tx; /* inside store_read_begin's snapshot */
	char owner_tag[32]; /* "pg:KEY" of the session advisory lock held, or "" */
	bool sweeping;      /* holds the sweep lock */
	bool no_write;      /* PostgreSQL: this role may not write the tables */
	StoreStmt *stmts;
	size_t stmt_count;
	size_t stmt_cap;
};

/* A prepared statement for sql, reset and ready to bind: from the cache,
 * or a fresh one when the cached one is in use further up the stack (a
 * callback calling back into the store). Pair with store_stmt_done. */
DbStmt *store_stmt(Store *s, const char *sql, Error *err);
void store_stmt_done(Store *s, DbStmt *st);
/* Steps last, the transaction's last write (no rows), and when it went
 * through commits as store_commit would, with *committed its result;
 * PostgreSQL sends both, and a BEGIN not sent yet, in one round trip.
 * Returns last's result: on a failure the caller reads the error, then
 * rolls back (the transaction is open on SQLite, over on PostgreSQL).
 * The caller finishes last (store_stmt_done). */
int store_step_commit(Store *s, DbStmt *last, Status *committed, Error *err);
/* The same for a record (an activity row): one that fails leaves the
 * change to be saved on SQLite; on PostgreSQL the commit fails. last is
 * done when it returns. */
Status store_commit_with(Store *s, DbStmt *last, Error *err);

/* Maps a driver result (DB_*) to a Status and one sentence (busy, full disk,
 * corrupt file, constraint) naming what was being done. */
Status store_sql_error(Store *s, int rc, Error *err, const char *what);
/* Reads one row into a zeroed element; on failure err says why (the
 * element may hold part of the row: the list's clear handles it). */
typedef Status (*StoreRowRead)(DbStmt *st, void *elem, Error *err);

/* Steps st to its end, appending an element per row to the array at
 * items_ptr (a T **) counted by *count; the statement is done after. On
 * any failure clear_list(list) frees what was read and err names `what`. */
Status store_collect(Store *s, DbStmt *st, void *items_ptr, size_t *count,
		     size_t elem_size, StoreRowRead read, void (*clear_list)(void *list), void *list,
		     const char *what, Error *err);

/* Runs SQL with no result rows. */
Status store_exec(Store *s, const char *sql, Error *err);
/* Steps a bound statement that returns no rows and finishes it; a step
 * that does not complete is err naming `what`. */
Status store_step_done(Store *s, DbStmt *st, Error *err, const char *what);
/* Steps a bound statement for its one integer (a count) into *out (0
 * without a row) and finishes it; no row is err naming `what`. */
Status store_step_count(Store *s, DbStmt *st, long *out, Error *err, const char *what);

/* The body of a row list's clear: each element's own clear, the array,
 * and the list zeroed for reuse. */
#define STORE_LIST_CLEAR(l, clear_elem)                        \
	do {                                                   \
		if (!(l))                                      \
			break;                                 \
		for (size_t i_ = 0; i_ < (l)->count; i_++)     \
			clear_elem(&(l)->items[i_]);           \
		free((l)->items);                              \
		memset((l), 0, sizeof *(l));                   \
	} while (0)

/* Binding helpers: NULL binds SQL NULL. */
int store_bind_text(DbStmt *st, int idx, const char *v);
int store_bind_json(DbStmt *st, int idx, const cJSON *v, const char *dflt);
/* Column helpers: a strdup of the column (NULL for SQL NULL; *oom set when
 * the copy failed). */
char *store_col_dup(DbStmt *st, int col, bool *oom);
const char *store_col_text(DbStmt *st, int col);
void store_col_copy(DbStmt *st, int col, char *out, size_t n);
cJSON *store_col_json(DbStmt *st, int col, const char *dflt_text);

/* Migrations (migrate.c). */
Status store_migrate(Store *s, Error *err);
/* For read-only opens: the schema must be exactly this build's. */
Status store_check_version(Store *s, Error *err);

/* Crypto (crypto.c). */
Status store_crypto_load(const char *key_file, const char *key_text, bool may_generate,
			 StoreKeys **out, char *source, size_t source_len, Error *err);
void store_crypto_free(StoreKeys *keys);
/* 64 hex digits or base64 (any of libsodium's four variants) of exactly
 * 32 bytes into key; wiped when the text is neither. Master keys and
 * operator keys are written this way. */
bool store_crypto_key_decode(const char *text, size_t len, unsigned char key[STORE_KEY_BYTES]);
/* Keys from a data key (copied; the caller wipes its own), or from a new
 * random one. */
Status store_crypto_from_data_key(const unsigned char data[STORE_KEY_BYTES], StoreKeys **out,
				  Error *err);
Status store_crypto_new_data_key(StoreKeys **out, Error *err);
/* Writes a key file's text (mode 0600, its directory made 0700) through a
 * private temporary file and link(2): link fails if the file appeared
 * meanwhile (another console: *raced, not an error), so an existing key
 * is never overwritten and nobody reads a half-written one. `what`
 * ("master key") names the file in errors. */
Status store_key_file_write(const char *path, const char *what, const char *text, size_t len,
			    bool *raced, Error *err);

/* Operators (operator.c): finds the data key at open — by the console's
 * operator key, ENVCTL_MASTER_KEY, or (a database from before operator
 * keys) the master key file — and migrates or initialises the database
 * when it can write. */
Status store_keys_open(Store *s, const StoreOptions *opts, Error *err);
/* Before encrypting, decrypting or sealing: when another console rotated
 * the data key since this handle loaded it, unseal the new one with this
 * handle's operator key (or refuse, when it opened by another way), so no
 * version is ever written under a retired key. Inside the caller's write
 * transaction, where nobody can rotate meanwhile. */
Status store_keys_refresh(Store *s, Error *err);
void store_crypto_check_value(const StoreKeys *keys, char hex[2 * STORE_FP_BYTES + 1]);
Status store_crypto_encrypt(const StoreKeys *keys, const char *secret_id, long version,
			    const unsigned char *value, size_t len, unsigned char **blob,
			    size_t *blob_len, Error *err);
/* The value comes back malloc'd and NUL-terminated; wipe it after use. */
Status store_crypto_decrypt(const StoreKeys *keys, const char *secret_name, const char *secret_id,
			    long version, const unsigned char *blob, size_t blob_len, char **value,
			    size_t *len, Error *err);
void store_crypto_fingerprint(const StoreKeys *keys, const char *secret_id,
			      const unsigned char *value, size_t len,
			      unsigned char out[STORE_FP_BYTES]);

#endif
