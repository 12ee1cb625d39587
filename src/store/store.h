/* store: the console's memory — the tables of DESIGN §Entities and the
 * secrets kept in them, encrypted at rest (DESIGN §Protection).
 *
 * Nothing of SQLite shows through this header: a Store is an opaque handle
 * and every row is a plain C struct, so a PostgreSQL backend can sit behind
 * the same API. The store knows no providers and no schemas; it knows JSON
 * only as text it keeps and as cJSON values it hands back.
 *
 * Threads: a Store handle belongs to the thread that opened it. Another
 * thread (a TUI worker, a probe pool) opens its own handle on the same
 * path; with WAL that is cheap, readers never block the writer, and writers
 * queue behind one another for up to the busy timeout.
 *
 * Strings in the row structs below are owned by the struct (free with the
 * matching *_clear) unless a comment says "borrowed". */
#ifndef ENVCTL_STORE_STORE_H
#define ENVCTL_STORE_STORE_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/lib.h"

typedef struct Store Store;

/* How long a writer waits for another console's transaction to finish
 * before giving up with ST_E_BUSY. */
#define STORE_BUSY_TIMEOUT_MS 5000

/* ------------------------------------------------------------ open/close */

typedef struct StoreOptions {
	/* The master key file; NULL means $XDG_CONFIG_HOME/envctl/master.key.
	 * ENVCTL_MASTER_KEY, when set, wins over any file. */
	const char *key_file;
	/* The text of ENVCTL_MASTER_KEY when the front end took it out of its
	 * environment (app_init does); wins over the variable and any file. */
	const char *key_text;
	/* `db check`: open read-only, never create, migrate or write; a
	 * missing or 0-byte file is an error. Only store_check and reads. */
	bool check_only;
	/* Opens an existing database read-only (--readonly): no directory,
	 * file or WAL switch is created and no migration runs, so a database
	 * in a directory this user cannot write still opens and browses. */
	bool readonly;
	/* This console's operator key; NULL means
	 * $XDG_CONFIG_HOME/envctl/operator.key. */
	const char *operator_key_file;
} StoreOptions;

/* Opens (creating when missing) the database at path: the parent directory
 * is created 0700, the file and its -wal/-shm 0600; pending migrations are
 * applied, each in one transaction; the master key is loaded and checked
 * against the value the database was created with. A database written by
 * a newer envctl is refused, naming both schema versions. */
Status store_open(const char *path, Store **out, Error *err);
Status store_open_ex(const char *path, const StoreOptions *opts, Store **out, Error *err);
void store_close(Store *s);

const char *store_path(const Store *s);
/* A database path or URL as it may be shown: a postgresql:// URL without
 * its password (never printed anywhere), a file path as it is. Malloc'd;
 * NULL when out of memory. */
char *store_path_shown(const char *path);
/* path names a database server (postgresql:// or postgres://), not a file. */
bool store_path_is_server(const char *path);

/* Who owns an intent (a lease's phase), across machines. On PostgreSQL
 * each handle holds a session-level advisory lock for as long as it is
 * open, and its tag ("pg:KEY") names that lock: the server frees it when
 * the console exits, crashes or loses its connection, on any machine. On
 * SQLite the tag is "" (the pid on this host is the owner there). */
const char *store_owner_tag(const Store *s);
/* Whether the session a tag names is gone (its lock is free). A tag this
 * backend cannot check is ST_E_UNSUPPORTED. */
Status store_owner_gone(Store *s, const char *tag, bool *gone, Error *err);
/* At most one sweep at a time between consoles: *got says whether this
 * one may run (always on SQLite, whose writer lock serialises it). */
Status store_sweep_lock(Store *s, bool *got, Error *err);
void store_sweep_unlock(Store *s);

/* Live views: a descriptor that turns readable when another console has
 * committed a change (PostgreSQL: a NOTIFY from the write's trigger has
 * arrived), for a console to poll() beside its terminal and then check
 * store_change_counter; -1 on SQLite, where the counter is polled. */
int store_change_fd(const Store *s);
/* Whether writes will fail: opened read-only, or the file is not
 * writable by this user (SQLite then opens it read-only). */
bool store_readonly(const Store *s);
/* Where the master key came from: "ENVCTL_MASTER_KEY" or the key file path. */
const char *store_key_source(const Store *s);
int store_schema_version(const Store *s);
/* The newest schema version this build knows. */
int store_schema_version_latest(void);

/* Transactions. begin takes the write lock at once (waiting up to the busy
 * timeout for another writer), so a read-then-write sequence never fails
 * half way with "database is locked". They nest: an inner begin/commit is a
 * savepoint. rollback undoes the innermost level. */
Status store_begin(Store *s, Error *err);
Status store_commit(Store *s, Error *err);
void store_rollback(Store *s);
bool store_in_transaction(const Store *s);
/* A transaction whose commit does not wait for the disk: the change
 * survives a killed process at once and a power cut once any later
 * durable commit (of this or another connection) returns; until then a
 * power cut may lose it, never corrupt the file. For outcomes whose loss
 * leaves an intent that something (the lease sweep) finishes. Nested in
 * another transaction it is a plain savepoint. */
Status store_begin_relaxed(Store *s, Error *err);
/* Makes every relaxed commit so far durable (fsyncs the log); nothing
 * when there is none. */
void store_sync(Store *s);
/* How many transactions this handle has committed (each one an fsync with
 * synchronous=FULL): what the lease write tests count. */
long store_commit_count(const Store *s);
/* A read snapshot for a run of queries (listing 10,000 environments with
 * their bindings): one shared lock instead of one per statement, and a
 * consistent view. No writes inside; end it with store_read_end. */
Status store_read_begin(Store *s, Error *err);
void store_read_end(Store *s);

/* ------------------------------------------------------------ environments */

typedef struct StoreEnv {
	char id[UUID_STR_LEN];
	char *name;
	char *description;
	char *driver;   /* "sandbox" */
	char *status;   /* active | archived */
	char *provider; /* provider key */
	cJSON *config;  /* secret fields hold secret ids */
	cJSON *metadata;
	long revision;  /* 1 on insert, +1 on every update */
	char created_at[TIME_STR_LEN];
	char updated_at[TIME_STR_LEN];
} StoreEnv;

void store_env_clear(StoreEnv *e);

/* Inserts e. An empty id gets a new UUID and empty times get now (both
 * written back into e). A taken name is ST_E_CONFLICT. */
Status store_env_insert(Store *s, StoreEnv *e, Error *err);
/* Rewrites every column but id and created_at; sets updated_at to now and
 * bumps revision (both written back). ST_E_NOT_FOUND when the id is gone. */
Status store_env_update(Store *s, StoreEnv *e, Error *err);
/* By id, else by exact name. */
Status store_env_get(Store *s, const char *id_or_name, StoreEnv *out, Error *err);
/* Deletes the row; its leases and probes go with it and its bindings are
 * removed. Secrets are the caller's business (see core env_delete). */
Status store_env_delete(Store *s, const char *id, Error *err);

typedef struct StoreEnvFilter {
	const char *status;   /* NULL: any */
	const char *provider; /* NULL: any */
	/* What probing each one needs: id, name, provider and the config's
	 * text (config_json) only, the other fields NULL or empty, no last
	 * probe, no lease count. */
	bool bare;
} StoreEnvFilter;

/* One row of the environments view: the environment with its last probe and
 * its count of active leases. */
typedef struct StoreEnvSummary {
	StoreEnv env;
	bool has_probe;
	bool probe_ok;
	char probe_at[TIME_STR_LEN];
	char *probe_summary;
	long active_leases;
	/* Bare rows: the config as stored, env.config NULL (parse it when its
	 * turn comes: one parsed config alive at a time, not 10,000). */
	char *config_json;
} StoreEnvSummary;

typedef struct StoreEnvList {
	StoreEnvSummary *items;
	size_t count;
} StoreEnvList;

/* Ordered by name. */
Status store_env_list(Store *s, const StoreEnvFilter *f, StoreEnvList *out, Error *err);
void store_env_list_clear(StoreEnvList *l);

/* The environments view's window: only the rows on screen are read, so a
 * view over 10,000 environments costs what one over 60 does. */
enum {
	STORE_ENV_SORT_NAME,
	STORE_ENV_SORT_PROVIDER,
	STORE_ENV_SORT_STATUS,
	STORE_ENV_SORT_PROBE,  /* the probe cell: "-", "FAILED", "ok" */
	STORE_ENV_SORT_PROBED, /* last probe time */
	STORE_ENV_SORT_LEASES, /* active lease count */
	STORE_ENV_SORT_DESCRIPTION,
	STORE_ENV_SORT_COUNT
};

typedef struct StoreEnvWindow {
	const char *text; /* case-insensitive substring of name, provider, status,
			   * description or probe cell; NULL or "": all */
	int sort;         /* STORE_ENV_SORT_* */
	bool desc;
	long offset, limit;
} StoreEnvWindow;

/* The row is borrowed for the call; returning false stops. */
typedef bool (*StoreEnvFn)(const StoreEnvSummary *row, void *ctx);
/* *total gets how many environments match the filter. */
Status store_env_each(Store *s, const StoreEnvWindow *w, StoreEnvFn fn, void *ctx, long *total,
		      Error *err);
/* store_env_list's rows, in its order, streamed: 10,000 environments are
 * never all in memory at once. */
Status store_env_list_each(Store *s, const StoreEnvFilter *f, StoreEnvFn fn, void *ctx,
			   Error *err);

/* ------------------------------------------------------------ leases */

typedef struct StoreLease {
	char id[UUID_STR_LEN];
	char environment_id[UUID_STR_LEN];
	char *heartbeat_run_id;  /* nullable */
	char *issue_id;          /* nullable */
	char *status;            /* active | released | expired | failed | retained */
	char *lease_policy;      /* ephemeral | reuse_by_environment | retain_on_failure */
	char *provider;
	char *provider_lease_id; /* nullable */
	char *acquired_at;
	char *last_used_at;
	char *expires_at;        /* nullable */
	char *released_at;       /* nullable */
	char *failure_reason;    /* nullable */
	char *cleanup_status;    /* nullable | pending | success | failed */
	char *metadata_json;     /* JSON text, never NULL once read */
	char *phase;             /* nullable: intent being carried out */
	long cleanup_attempts;
	char *next_cleanup_at;   /* nullable */
	char *updated_at;
} StoreLease;

void store_lease_clear(StoreLease *l);
/* A deep copy (for keeping a row seen in a callback). */
Status store_lease_copy(const StoreLease *src, StoreLease *dst, Error *err);

/* Inserts l. Empty id → new UUID; NULL acquired_at/last_used_at → now;
 * NULL metadata_json → "{}". The id is written back. */
Status store_lease_insert(Store *s, StoreLease *l, Error *err);
/* Inserts l as the last write of the transaction and commits it (one
 * round trip on PostgreSQL); a failed insert rolls it back. */
Status store_lease_insert_commit(Store *s, StoreLease *l, Error *err);
Status store_lease_get(Store *s, const char *id, StoreLease *out, Error *err);
/* Rewrites every mutable column of the row l->id — but only while its
 * status is still expected_status (NULL: whatever it is). When another
 * console changed it first: ST_E_CONFLICT "lease ... is already released".
 * One statement, so it is atomic with or without a transaction. */
Status store_lease_update(Store *s, const StoreLease *l, const char *expected_status,
			  Error *err);
/* The same as the last write of the transaction, then its commit (one
 * round trip on PostgreSQL). A row that was not there to change commits
 * nothing and is the same ST_E_CONFLICT or ST_E_NOT_FOUND. */
Status store_lease_update_commit(Store *s, const StoreLease *l, const char *expected_status,
				 Error *err);

/* The column a lease list is ordered by. STATUS and PROVIDER order by
 * that column first (sort_desc: descending) and, within one value, by
 * acquired_at, id as oldest_first says. */
typedef enum StoreLeaseSort {
	STORE_LEASE_SORT_ACQUIRED = 0,
	STORE_LEASE_SORT_STATUS,
	STORE_LEASE_SORT_PROVIDER,
} StoreLeaseSort;

typedef struct StoreLeaseFilter {
	const char *status;         /* NULL: any */
	const char *environment_id; /* NULL: any */
	const char *provider;       /* NULL: any */
	const char *expires_before; /* active leases with expires_at < this (the sweep) */
	const char *cleanup_due_at; /* cleanup pending/failed with next_cleanup_at <= this */
	bool oldest_first;          /* default: newest acquired first */
	/* Keyset window: rows after (after_acquired_at, after_id) in list order;
	 * both or neither. Cheap at any depth, unlike offset. */
	const char *after_acquired_at;
	const char *after_id;
	StoreLeaseSort sort;
	bool sort_desc;          /* STATUS/PROVIDER: that column descending */
	const char *after_key;   /* STATUS/PROVIDER keyset: the row's value of it */
	long offset;
	long limit; /* 0: no limit */
} StoreLeaseFilter;

/* Called once per row. The row and its strings are borrowed: valid only
 * during the call (copy with store_lease_copy to keep it). Returning false
 * stops the walk (not an error). */
typedef bool (*StoreLeaseFn)(const StoreLease *row, void *ctx);

/* Streams matching leases in list order: nothing is built up in memory, so
 * a window over 100,000 leases costs what the window holds. */
Status store_lease_each(Store *s, const StoreLeaseFilter *f, StoreLeaseFn fn, void *ctx,
			Error *err);
/* How many rows the filter matches (offset and limit ignored). A filter on
 * status, environment and provider only is answered from the lease_counts
 * table the triggers keep, so it costs the same at 1M leases as at 10. */
Status store_lease_count(Store *s, const StoreLeaseFilter *f, long *out, Error *err);

/* The query plan (EXPLAIN QUERY PLAN, one detail per line) of a named
 * store query, so tests can hold the indexes to the queries without SQL
 * leaving the store. Names: "reuse", "active_of_env", "count", and "list" with
 * any of the suffixes ":status", ":env", ":provider", ":after" (keyset),
 * ":oldest", ":by-status"/":by-provider" (ordered by that column: the
 * query of one of its values), ":desc" (e.g. "list:status:provider:after");
 * "next:by-provider" the look-up of the next provider, and "skip" with
 * ":by-status"/":by-provider" the count of one value's rows a window skipped.
 * *out is malloc'd. */
Status store_plan(Store *s, const char *name, char **out, Error *err);

/* A number that changes whenever another connection commits a write
 * (PRAGMA data_version, plus this handle's own commits): a view polls it
 * and refetches only when it moved. */
Status store_change_counter(Store *s, int64_t *out, Error *err);
/* The reuse lookup of DESIGN §Acquire and reuse: the environment's
 * reuse_by_environment leases that can be candidates — released or
 * retained, or active (the same run's may be resumed; other runs' show
 * why they are skipped) — most recently used first. Released/retained rows come through the
 * partial index leases_reuse_candidates, so rows of any other status cost
 * nothing however many there are. */
Status store_lease_reuse_candidates(Store *s, const char *environment_id, long limit,
				    StoreLeaseFn fn, void *ctx, Error *err);
/* The environment's active leases, through the partial index leases_active_env:
 * the cost follows the active rows, not the environment's history. */
Status store_lease_each_active(Store *s, const char *environment_id, StoreLeaseFn fn, void *ctx,
			       Error *err);
Status store_lease_count_active(Store *s, const char *environment_id, long *out, Error *err);

/* ------------------------------------------------------------ secrets */

#define STORE_SECRET_PROVIDER "local_encrypted"

typedef struct StoreBinding {
	char secret_id[UUID_STR_LEN];
	char *target_type;  /* "environment" */
	char *target_id;
	char *target_name;  /* the environment's name when it exists, else NULL */
	char *config_path;  /* JSON Pointer */
	char *created_at;
} StoreBinding;

typedef struct StoreBindingList {
	StoreBinding *items;
	size_t count;
} StoreBindingList;

typedef struct StoreSecret {
	char id[UUID_STR_LEN];
	char *name;
	char *description;
	char *provider;          /* local_encrypted */
	char *status;            /* active | disabled | deleted */
	char *origin;            /* operator | environment */
	char *created_by_environment_id; /* nullable */
	char *created_by_path;   /* nullable */
	long latest_version;
	long current_version;    /* 0: none */
	char *created_at;
	char *updated_at;
	char *last_resolved_at;  /* nullable: last successful resolution */
	char *last_rotated_at;   /* nullable */
	StoreBindingList bindings; /* filled by get and list */
} StoreSecret;

typedef struct StoreSecretList {
	StoreSecret *items;
	size_t count;
} StoreSecretList;

void store_secret_clear(StoreSecret *sec);
void store_secret_list_clear(StoreSecretList *l);
void store_binding_list_clear(StoreBindingList *l);

typedef struct StoreSecretNew {
	const char *name;
	const char *description;        /* NULL: "" */
	const unsigned char *value;     /* the plaintext; never stored as such */
	size_t value_len;
	/* Set by the environment save flow; NULL for an operator's secret. */
	const char *created_by_environment_id;
	const char *created_by_path;
} StoreSecretNew;

/* Creates the secret with version 1 as current. out (may be NULL) gets the
 * row. A taken name is ST_E_CONFLICT; an empty value is ST_E_INVALID. */
Status store_secret_create(Store *s, const StoreSecretNew *in, StoreSecret *out, Error *err);
/* A new current version; the current one becomes previous and any older
 * previous version is destroyed (its ciphertext dropped). */
Status store_secret_rotate(Store *s, const char *id_or_name, const unsigned char *value,
			   size_t value_len, long *new_version, Error *err);
/* Does value match the current version's keyed fingerprint? */
Status store_secret_verify(Store *s, const char *id_or_name, const unsigned char *value,
			   size_t value_len, bool *match, Error *err);
/* active <-> disabled. A disabled secret keeps its versions but does not
 * resolve. */
Status store_secret_set_status(Store *s, const char *id_or_name, const char *status,
			       Error *err);
/* Deletes the secret: status deleted, every version destroyed, name freed.
 * While it is bound this is ST_E_CONFLICT naming the first users, unless
 * force: then each binding is removed and the referencing config field is
 * taken out of its environment (so no config points at a dead id).
 * unbound (may be NULL) receives the removed bindings. */
Status store_secret_delete(Store *s, const char *id_or_name, bool force,
			   StoreBindingList *unbound, Error *err);
/* By id, else by name among secrets not deleted. Fills bindings. */
Status store_secret_get(Store *s, const char *id_or_name, StoreSecret *out, Error *err);
/* The same without the bindings (left empty): one query, for showing a
 * reference by its name and version. */
Status store_secret_get_row(Store *s, const char *id_or_name, StoreSecret *out, Error *err);
/* Ordered by name, with bindings; deleted secrets only when asked. */
Status store_secret_list(Store *s, bool include_deleted, StoreSecretList *out, Error *err);
/* Environment-made secrets that nothing binds any more whose creator is
 * environment_id or gone: deleted, ids appended to deleted (may be NULL;
 * a NULL-terminated array the caller frees with store_ids_free). */
Status store_secret_delete_orphans(Store *s, const char *environment_id, char ***deleted,
				   Error *err);
void store_ids_free(char **ids);

/* A resolution request (DESIGN §Resolution). */
typedef struct StoreResolve {
	const char *secret_id;
	const char *consumer;       /* "probe", "acquire", "release", ... */
	const char *environment_id; /* the binding target that must exist */
	const char *config_path;    /* the bound path */
	const char *lease_id;       /* nullable */
	const char *run_id;         /* nullable */
} StoreResolve;

/* Decrypts the current version when the secret is active, has a current
 * version and is bound to that environment at that path. Every attempt
 * records an access event (outside any transaction it commits at once;
 * call it outside one so failures are kept too). The value is malloc'd,
 * NUL-terminated; release it with store_secret_value_free, which wipes it. */
Status store_secret_resolve(Store *s, const StoreResolve *req, char **value, size_t *len,
			    Error *err);
void store_secret_value_free(char *value, size_t len);

/* Bindings (DESIGN §Entities): exactly one per (target_type, target_id, path). */
Status store_binding_set(Store *s, const char *secret_id, const char *target_type,
			 const char *target_id, const char *config_path, Error *err);
/* ST_OK also when there was nothing to remove. */
Status store_binding_remove(Store *s, const char *target_type, const char *target_id,
			    const char *config_path, Error *err);
/* Every binding of one target type, ordered by target id then path: one
 * query for a list that would otherwise ask once per target. */
Status store_binding_list_type(Store *s, const char *target_type, StoreBindingList *out,
			       Error *err);
Status store_binding_list_target(Store *s, const char *target_type, const char *target_id,
				 StoreBindingList *out, Error *err);

typedef struct StoreAccessEvent {
	long long id;
	char *secret_id;
	long version;
	char *consumer;
	char *environment_id;
	char *config_path;
	char *lease_id;
	char *run_id;
	char *outcome; /* success | failure */
	char *error;
	char *created_at;
	char *operator_name; /* whose console asked; NULL before operator keys */
} StoreAccessEvent;

typedef struct StoreAccessEventList {
	StoreAccessEvent *items;
	size_t count;
} StoreAccessEventList;

/* Newest first. */
Status store_access_event_list(Store *s, const char *secret_id, long limit,
			       StoreAccessEventList *out, Error *err);
void store_access_event_list_clear(StoreAccessEventList *l);

/* ------------------------------------------------------------ probes */

typedef struct StoreProbe {
	char id[UUID_STR_LEN];
	char *environment_id; /* NULL: a draft */
	char *provider;
	bool ok;
	char *summary;
	cJSON *details;
	long long duration_ms;
	char created_at[TIME_STR_LEN];
} StoreProbe;

typedef struct StoreProbeList {
	StoreProbe *items;
	size_t count;
} StoreProbeList;

void store_probe_clear(StoreProbe *p);
void store_probe_list_clear(StoreProbeList *l);
/* Empty id/created_at are filled in and written back. */
Status store_probe_insert(Store *s, StoreProbe *p, Error *err);
/* Newest first; environment_id NULL lists drafts. */
Status store_probe_list(Store *s, const char *environment_id, long limit, StoreProbeList *out,
			Error *err);
/* ST_E_NOT_FOUND when the environment was never probed. */
Status store_probe_last(Store *s, const char *environment_id, StoreProbe *out, Error *err);

/* ------------------------------------------------------------ activity */

typedef struct StoreActivity {
	long long id;
	char created_at[TIME_STR_LEN];
	char *actor;          /* "cli:alice", "tui:alice" */
	char *action;         /* environment.created, secret.rotated, ... */
	char *entity_type;    /* environment | secret | lease */
	char *entity_id;
	char *entity_name;
	cJSON *changed_fields; /* array of field names; never values */
	cJSON *details;        /* object of non-secret facts (lease status, ...) */
} StoreActivity;

typedef struct StoreActivityList {
	StoreActivity *items;
	size_t count;
} StoreActivityList;

void store_activity_clear(StoreActivity *a);
void store_activity_list_clear(StoreActivityList *l);

typedef struct StoreActivityNew {
	const char *actor;
	const char *action;
	const char *entity_type;
	const char *entity_id;
	const char *entity_name;
	const char *const *changed_fields; /* NULL-terminated, may be NULL */
	const cJSON *details;              /* may be NULL */
	const char *details_json;          /* or the details as JSON text */
	const char *created_at;            /* NULL: now */
} StoreActivityNew;

Status store_activity_add(Store *s, const StoreActivityNew *a, Error *err);
/* Records a as the last write of the transaction and commits it
 * (store_commit's result): a record that cannot be written leaves the
 * change to be saved on SQLite; on PostgreSQL, where a failed statement
 * ends its transaction, the commit fails. One round trip there. */
Status store_activity_add_commit(Store *s, const StoreActivityNew *a, Error *err);
/* Newest first. entity_id NULL: all. */
Status store_activity_list(Store *s, const char *entity_id, long limit, long offset,
			   StoreActivityList *out, Error *err);
/* One entity's rows of one action with id > after_id, oldest first (the
 * id order is the insertion order, so a follower resumes from its last id). */
Status store_activity_list_action(Store *s, const char *entity_id, const char *action,
				  long long after_id, long limit, StoreActivityList *out, Error *err);

/* ------------------------------------------------------------ operators
 *
 * Every secret is encrypted with one random data key; the database holds
 * it sealed (crypto_box_seal) to each admitted operator's X25519 public
 * key. An operator's private key lives in a 0600 file of its own
 * ($XDG_CONFIG_HOME/envctl/operator.key), never in the database.
 *
 * Opening: the console's operator key unseals its row. ENVCTL_MASTER_KEY,
 * when set, is taken as the data key itself (automation; it stops working
 * at the first rotation). A database from before operator keys opens with
 * its master key as before, and a writable open migrates it: the master
 * key's material becomes the data key (nothing is re-encrypted) and the
 * opening user's operator key (created when missing) is admitted. A new
 * database gets a random data key and admits its creator the same way. */

#define STORE_OPERATOR_NAME_MAX 64
/* base64url of a 32-byte key, no padding, and NUL */
#define STORE_PUBKEY_TEXT_LEN 44
/* "xxxx:xxxx:xxxx:xxxx" and NUL */
#define STORE_KEY_FP_LEN 20

typedef struct StoreOperatorKeyInfo {
	char name[STORE_OPERATOR_NAME_MAX + 1];
	char public_key[STORE_PUBKEY_TEXT_LEN];
	char fingerprint[STORE_KEY_FP_LEN];
	char path[4096];
	bool created; /* init made the file now */
} StoreOperatorKeyInfo;

/* $XDG_CONFIG_HOME/envctl/operator.key, malloc'd (NULL: out of memory). */
char *store_operator_key_default_path(void);
/* Creates the key file at path (NULL: the default) for name (NULL: the
 * login name) — 0600, its directory 0700, never overwriting — or, when it
 * exists, reads it; a name that differs from the file's is ST_E_CONFLICT. */
Status store_operator_key_init(const char *path, const char *name, StoreOperatorKeyInfo *out,
			       Error *err);
/* Reads the key file's name and public key (ST_E_NOT_FOUND: no file). */
Status store_operator_key_info(const char *path, StoreOperatorKeyInfo *out, Error *err);
/* A public key as `operator add` takes it (any base64 of 32 bytes) in its
 * canonical text and with its fingerprint. */
Status store_public_key_parse(const char *text, char canon[STORE_PUBKEY_TEXT_LEN],
			      char fp[STORE_KEY_FP_LEN], Error *err);
/* Is name fit to be an operator's (1-64 of A-Z a-z 0-9 . _ @ -)? */
bool store_operator_name_valid(const char *name);

typedef struct StoreOperator {
	char *name;
	char *public_key;
	char fingerprint[STORE_KEY_FP_LEN];
	char *added_at;
	char *added_by;
} StoreOperator;

typedef struct StoreOperatorList {
	StoreOperator *items;
	size_t count;
} StoreOperatorList;

/* The operator whose key opened this handle; NULL when it was opened with
 * the data key itself (ENVCTL_MASTER_KEY, a master key file). */
const char *store_operator_name(const Store *s);
/* Ordered by name. */
Status store_operator_list(Store *s, StoreOperatorList *out, Error *err);
void store_operator_list_clear(StoreOperatorList *l);
/* Seals this handle's data key to public_key under name. A taken name or
 * key is ST_E_CONFLICT naming who holds it. */
Status store_operator_add(Store *s, const char *name, const char *public_key,
			  const char *added_by, Error *err);
/* Removes name and rotates the data key in one transaction: a new random
 * key, every secret version re-encrypted (and re-fingerprinted) with it,
 * sealed again to each remaining operator, the removed row deleted, and
 * act (may be NULL) recorded. The last operator is never removed
 * (ST_E_CONFLICT). Not inside another transaction: the handle's keys are
 * swapped only once the rotation is committed. *reencrypted (may be NULL)
 * gets how many versions were re-encrypted. */
Status store_operator_remove(Store *s, const char *name, const StoreActivityNew *act,
			     long *reencrypted, Error *err);

/* ------------------------------------------------------------ maintenance */

typedef struct StoreCheckReport {
	char **problems; /* one sentence each */
	size_t count;
	size_t cap; /* of problems, for the store's own growth */
	long environments, leases, secrets, bindings, activity;
} StoreCheckReport;

/* SQLite's integrity and foreign-key checks, then the store's own rules:
 * orphan environment secrets, bindings that dangle (no environment, a
 * deleted secret, or a config that no longer holds the secret id at that
 * path), secret ids in a config with no binding, destroyed versions that
 * still hold ciphertext, and a current version on every live secret. */
Status store_check(Store *s, StoreCheckReport *out, Error *err);
void store_check_report_clear(StoreCheckReport *r);

/* `db copy`: every table of src (environments, secrets with all their
 * versions, bindings, leases, probes, access events, activity, operators
 * and the key check) into dst through the driver, in one transaction on
 * dst, read from one snapshot of src. The ciphertext and the operators'
 * sealed data keys go as they are, so the same operators decrypt the copy;
 * before committing, every table's row count is compared and every copied
 * version decrypted at dst. A dst holding environments, secrets, leases,
 * probes or activity is refused (ST_E_CONFLICT) unless force, which
 * replaces all of it. Afterwards dst's handle holds src's keys. */
#define STORE_COPY_TABLES_MAX 16
typedef struct StoreCopyReport {
	size_t tables;
	long rows[STORE_COPY_TABLES_MAX]; /* per table, in store_copy_table_name order */
	long secrets_verified;            /* versions decrypted at the destination */
	bool replaced;                    /* dst held data that --force replaced */
} StoreCopyReport;

Status store_copy(Store *src, Store *dst, bool force, StoreCopyReport *out, Error *err);
/* The i-th copied table's name; NULL past the last. */
const char *store_copy_table_name(size_t i);

/* An online backup (SQLite backup API) into a new file created 0600;
 * refuses to overwrite. Consistent even while other consoles write. */
Status store_backup(Store *s, const char *dest_path, Error *err);

#endif
