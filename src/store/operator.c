/* A key per operator (issue #17): finding the data key at open, admitting
 * and removing operators, and rotating the data key on removal.
 *
 * The SQL is kept in the few op_* functions at the top so a second backend
 * converts them in one place; everything below them is key handling. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/private.h"
#include "store/opkey.h"
#include "util/lib.h"

#define OP_SEALED_BYTES (STORE_KEY_BYTES + crypto_box_SEALBYTES)
#define OP_WHY_MIGRATED "migrated from the master key"

/* ------------------------------------------------------------ SQL */

static Status op_meta_get(Store *s, const char *key, char *out, size_t n, Error *err)
{
	DbStmt *st = store_stmt(s, "SELECT value FROM meta WHERE key = ?1", err);
	int rc;

	if (!st)
		return err->status;
	out[0] = '\0';
	store_bind_text(st, 1, key);
	rc = db_step(st);
	if (rc == DB_ROW)
		store_col_copy(st, 0, out, n);
	store_stmt_done(s, st);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_sql_error(s, rc, err, "reading the database's key check");
	return ST_OK;
}

/* Inserts or replaces a meta row. */
static Status op_meta_set(Store *s, const char *key, const char *value, Error *err)
{
	DbStmt *st = store_stmt(s,
				      "INSERT INTO meta (key, value) VALUES (?1, ?2) "
				      "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
				      err);

	if (!st)
		return err->status;
	store_bind_text(st, 1, key);
	store_bind_text(st, 2, value);
	return store_step_done(s, st, err, "recording the data key check");
}

/* How many operators, and their names as "a, b" (names may be NULL). */
static Status op_names(Store *s, long *count, Buf *names, Error *err)
{
	DbStmt *st = store_stmt(s, "SELECT name FROM operators ORDER BY name", err);
	int rc;

	*count = 0;
	if (!st)
		return err->status;
	while ((rc = db_step(st)) == DB_ROW) {
		if (names && !buf_printf(names, "%s%s", *count ? ", " : "", store_col_text(st, 0))) {
			store_stmt_done(s, st);
			return error_set(err, ST_E_NOMEM, "out of memory");
		}
		(*count)++;
	}
	store_stmt_done(s, st);
	if (rc != DB_DONE)
		return store_sql_error(s, rc, err, "reading the operators");
	return ST_OK;
}

/* The key check and how many operators, in one statement: one snapshot.
 * Two statements could straddle another console's first open (on
 * PostgreSQL each statement outside a transaction sees the latest commit):
 * no check yet, then its operator, which read as a key check mismatch. */
static Status op_key_state(Store *s, char *stored, size_t n, long *count, Error *err)
{
	DbStmt *st = store_stmt(s,
				"SELECT (SELECT value FROM meta WHERE key = 'key_check'), "
				"(SELECT count(*) FROM operators)",
				err);
	int rc;

	stored[0] = '\0';
	*count = 0;
	if (!st)
		return err->status;
	rc = db_step(st);
	if (rc == DB_ROW) {
		if (!db_col_null(st, 0))
			store_col_copy(st, 0, stored, n);
		*count = (long)db_col_int64(st, 1);
	}
	store_stmt_done(s, st);
	if (rc != DB_ROW)
		return store_sql_error(s, rc, err, "reading the database's key check");
	return ST_OK;
}

/* The row holding public_key: its name (malloc'd) and sealed data key.
 * *name stays NULL when no operator has that key. */
static Status op_find_key(Store *s, const char *public_key, char **name,
			  unsigned char sealed[OP_SEALED_BYTES], bool *sealed_ok, Error *err)
{
	DbStmt *st = store_stmt(
		s, "SELECT name, sealed_key FROM operators WHERE public_key = ?1", err);
	bool oom = false;
	int rc;

	*name = NULL;
	*sealed_ok = false;
	if (!st)
		return err->status;
	store_bind_text(st, 1, public_key);
	rc = db_step(st);
	if (rc == DB_ROW) {
		const void *b = db_col_blob(st, 1);

		*name = store_col_dup(st, 0, &oom);
		if (b && db_col_bytes(st, 1) == OP_SEALED_BYTES) {
			memcpy(sealed, b, OP_SEALED_BYTES);
			*sealed_ok = true;
		}
	}
	store_stmt_done(s, st);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_sql_error(s, rc, err, "reading the operators");
	if (oom)
		return error_set(err, ST_E_NOMEM, "out of memory");
	return ST_OK;
}

/* Who holds name or public_key already ("" when nobody). */
static Status op_holder(Store *s, const char *name, const char *public_key, char *who, size_t n,
			bool *by_name, Error *err)
{
	DbStmt *st = store_stmt(
		s,
		"SELECT name FROM operators WHERE name = ?1 OR public_key = ?2 "
		/* the name's own row first: without an order PostgreSQL may give
		 * the key's holder and the error would name the wrong conflict */
		"ORDER BY CASE WHEN name = ?1 THEN 0 ELSE 1 END LIMIT 1",
		err);
	int rc;

	who[0] = '\0';
	if (!st)
		return err->status;
	store_bind_text(st, 1, name);
	store_bind_text(st, 2, public_key);
	rc = db_step(st);
	if (rc == DB_ROW)
		store_col_copy(st, 0, who, n);
	store_stmt_done(s, st);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_sql_error(s, rc, err, "reading the operators");
	*by_name = strcmp(who, name) == 0;
	return ST_OK;
}

static Status op_insert(Store *s, const char *name, const char *public_key,
			const unsigned char sealed[OP_SEALED_BYTES], const char *added_by,
			Error *err)
{
	DbStmt *st = store_stmt(s,
				      "INSERT INTO operators (name, public_key, sealed_key, added_at, "
				      "added_by) VALUES (?1, ?2, ?3, ?4, ?5)",
				      err);
	char now[TIME_STR_LEN];

	if (!st)
		return err->status;
	time_now_iso(now);
	store_bind_text(st, 1, name);
	store_bind_text(st, 2, public_key);
	db_bind_blob(st, 3, sealed, OP_SEALED_BYTES);
	store_bind_text(st, 4, now);
	store_bind_text(st, 5, added_by);
	return store_step_done(s, st, err, "admitting an operator");
}

static Status op_row(DbStmt *st, void *elem, Error *err)
{
	StoreOperator *o = elem;
	char canon[STORE_PUBKEY_TEXT_LEN];
	bool oom = false;

	o->name = store_col_dup(st, 0, &oom);
	o->public_key = store_col_dup(st, 1, &oom);
	o->added_at = store_col_dup(st, 2, &oom);
	o->added_by = store_col_dup(st, 3, &oom);
	if (oom)
		return error_set(err, ST_E_NOMEM, "out of memory reading the operators");
	if (!o->public_key ||
	    store_public_key_parse(o->public_key, canon, o->fingerprint, NULL) != ST_OK)
		snprintf(o->fingerprint, sizeof o->fingerprint, "(damaged)");
	return ST_OK;
}

static void op_list_clear_cb(void *list)
{
	store_operator_list_clear(list);
}

Status store_operator_list(Store *s, StoreOperatorList *out, Error *err)
{
	DbStmt *st = store_stmt(s,
				      "SELECT name, public_key, added_at, added_by FROM operators "
				      "ORDER BY name",
				      err);

	memset(out, 0, sizeof *out);
	if (!st)
		return err->status;
	return store_collect(s, st, &out->items, &out->count, sizeof *out->items, op_row,
			     op_list_clear_cb, out, "reading the operators", err);
}

static Status op_reseal(Store *s, const char *name, const unsigned char sealed[OP_SEALED_BYTES],
			Error *err)
{
	DbStmt *st = store_stmt(s, "UPDATE operators SET sealed_key = ?1 WHERE name = ?2",
				      err);

	if (!st)
		return err->status;
	db_bind_blob(st, 1, sealed, OP_SEALED_BYTES);
	store_bind_text(st, 2, name);
	return store_step_done(s, st, err, "sealing the new data key");
}

static Status op_delete(Store *s, const char *name, Error *err)
{
	DbStmt *st = store_stmt(s, "DELETE FROM operators WHERE name = ?1", err);

	if (!st)
		return err->status;
	store_bind_text(st, 1, name);
	return store_step_done(s, st, err, "removing the operator");
}

/* One stored secret version's ciphertext, read before rewriting them all. */
typedef struct OpVersion {
	char secret_id[UUID_STR_LEN];
	char *secret_name;
	long version;
	unsigned char *material;
	size_t material_len;
} OpVersion;

typedef struct OpVersionList {
	OpVersion *items;
	size_t count;
} OpVersionList;

static void op_versions_clear(void *list)
{
	OpVersionList *l = list;

	for (size_t i = 0; i < l->count; i++) {
		free(l->items[i].secret_name);
		free(l->items[i].material);
	}
	free(l->items);
	memset(l, 0, sizeof *l);
}

static Status op_version_row(DbStmt *st, void *elem, Error *err)
{
	OpVersion *v = elem;
	const void *b = db_col_blob(st, 3);
	bool oom = false;

	store_col_copy(st, 0, v->secret_id, sizeof v->secret_id);
	v->secret_name = store_col_dup(st, 1, &oom);
	v->version = (long)db_col_int64(st, 2);
	v->material_len = (size_t)db_col_bytes(st, 3);
	v->material = malloc(v->material_len ? v->material_len : 1);
	if (oom || !v->material)
		return error_set(err, ST_E_NOMEM, "out of memory reading the secret versions");
	if (b)
		memcpy(v->material, b, v->material_len);
	return ST_OK;
}

static Status op_versions(Store *s, OpVersionList *out, Error *err)
{
	DbStmt *st = store_stmt(s,
				      "SELECT v.secret_id, s.name, v.version, v.material "
				      "FROM secret_versions v JOIN secrets s ON s.id = v.secret_id "
				      "WHERE v.material IS NOT NULL ORDER BY v.secret_id, v.version",
				      err);

	memset(out, 0, sizeof *out);
	if (!st)
		return err->status;
	return store_collect(s, st, &out->items, &out->count, sizeof *out->items, op_version_row,
			     op_versions_clear, out, "reading the secret versions", err);
}

static Status op_version_update(Store *s, const OpVersion *v, const unsigned char *blob,
				size_t blob_len, const unsigned char fp[STORE_FP_BYTES], Error *err)
{
	DbStmt *st = store_stmt(s,
				      "UPDATE secret_versions SET material = ?1, fingerprint = ?2 "
				      "WHERE secret_id = ?3 AND version = ?4",
				      err);

	if (!st)
		return err->status;
	db_bind_blob(st, 1, blob, blob_len);
	db_bind_blob(st, 2, fp, STORE_FP_BYTES);
	store_bind_text(st, 3, v->secret_id);
	db_bind_int64(st, 4, v->version);
	return store_step_done(s, st, err, "re-encrypting a secret version");
}

/* ------------------------------------------------------------ keys */

const char *store_operator_name(const Store *s)
{
	return s->operator_name;
}

void store_operator_list_clear(StoreOperatorList *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->count; i++) {
		free(l->items[i].name);
		free(l->items[i].public_key);
		free(l->items[i].added_at);
		free(l->items[i].added_by);
	}
	free(l->items);
	memset(l, 0, sizeof *l);
}

static Status op_seal(const unsigned char data[STORE_KEY_BYTES], const char *public_key,
		      unsigned char sealed[OP_SEALED_BYTES], Error *err)
{
	unsigned char pk[STORE_KEY_BYTES];
	size_t n = 0;

	if (sodium_base642bin(pk, sizeof pk, public_key, strlen(public_key), NULL, &n, NULL,
			      sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
	    n != sizeof pk)
		return error_set(err, ST_E_CRYPTO, "operator public key %.60s is damaged",
				 public_key);
	if (crypto_box_seal(sealed, data, STORE_KEY_BYTES, pk) != 0)
		return error_set(err, ST_E_CRYPTO, "cannot seal the data key");
	return ST_OK;
}

static Status op_set_name(Store *s, const char *name, Error *err)
{
	char *copy = name ? strdup(name) : NULL;

	if (name && !copy)
		return error_set(err, ST_E_NOMEM, "out of memory");
	free(s->operator_name);
	s->operator_name = copy;
	return ST_OK;
}

static Status op_key_path(const StoreOptions *opts, char **out, Error *err)
{
	*out = opts && opts->operator_key_file ? strdup(opts->operator_key_file)
					       : store_operator_key_default_path();
	if (!*out)
		return error_set(err, ST_E_NOMEM, "out of memory");
	return ST_OK;
}

/* Admits the opening user (creating its key file when missing) with this
 * handle's data key: for a new database and for one migrated from the
 * master key. Inside the caller's transaction. */
static Status op_admit_self(Store *s, const StoreOptions *opts, const char *why, Error *err)
{
	unsigned char sealed[OP_SEALED_BYTES];
	char pub[STORE_PUBKEY_TEXT_LEN];
	StoreOpKey *k = NULL;
	char *path = NULL;
	bool created;
	Status res;

	if (op_key_path(opts, &path, err) != ST_OK)
		return err->status;
	res = store_opkey_load_or_create(path, NULL, &k, &created, err);
	if (res != ST_OK) {
		free(path);
		return error_prefix(err, "%s: ", why);
	}
	snprintf(s->key_source, sizeof s->key_source, "%s", path);
	store_opkey_public_text(k->pk, pub);
	res = op_seal(s->keys->data, pub, sealed, err);
	if (res == ST_OK)
		res = op_insert(s, k->name, pub, sealed, k->name, err);
	if (res == ST_OK)
		res = op_set_name(s, k->name, err);
	if (res == ST_OK) {
		free(s->opkey_path);
		s->opkey_path = strdup(path);
		if (!s->opkey_path)
			res = error_set(err, ST_E_NOMEM, "out of memory");
	}
	/* A new database starts with no activity; a migration is worth a row. */
	if (res == ST_OK && strcmp(why, OP_WHY_MIGRATED) == 0) {
		StoreActivityNew a = {
			.actor = k->name,
			.action = "operator.added",
			.entity_type = "operator",
			.entity_name = k->name,
		};
		cJSON *d = cJSON_CreateObject();

		if (!d || !cJSON_AddStringToObject(d, "reason", why) ||
		    !cJSON_AddStringToObject(d, "keyFile", path))
			res = error_set(err, ST_E_NOMEM, "out of memory");
		a.details = d;
		if (res == ST_OK)
			res = store_activity_add(s, &a, err);
		cJSON_Delete(d);
	}
	store_opkey_free(k);
	free(path);
	return res;
}

static Status op_check_matches(Store *s, const char *stored, Error *err)
{
	char mine[2 * STORE_FP_BYTES + 1];

	store_crypto_check_value(s->keys, mine);
	if (strcmp(stored, mine) == 0)
		return ST_OK;
	if (strcmp(s->key_source, "ENVCTL_MASTER_KEY") == 0)
		return error_set(err, ST_E_CRYPTO,
				 "the master key from ENVCTL_MASTER_KEY does not match the key "
				 "database %s was created with (or its data key was rotated since); "
				 "unset it or set the right key",
				 s->path);
	if (s->operator_name)
		return error_set(err, ST_E_CRYPTO,
				 "the data key sealed for operator %s in database %s does not match "
				 "the database's key check: the operators table was altered; ask "
				 "another operator to remove and re-add %s",
				 s->operator_name, s->path, s->operator_name);
	return error_set(err, ST_E_CRYPTO,
			 "the master key from file %s does not match the key database %s was "
			 "created with; set ENVCTL_MASTER_KEY or restore the right key file",
			 s->key_source, s->path);
}

/* The database has operators: this console's key must be one of them. */
static Status op_open_by_operator(Store *s, const StoreOptions *opts, const char *stored,
				  Error *err)
{
	unsigned char sealed[OP_SEALED_BYTES];
	unsigned char *data = NULL;
	char pub[STORE_PUBKEY_TEXT_LEN], fp[STORE_KEY_FP_LEN];
	StoreOpKey *k = NULL;
	char *path = NULL, *name = NULL;
	Buf names = BUF_INIT;
	bool sealed_ok;
	long count;
	Status res;

	if (op_key_path(opts, &path, err) != ST_OK)
		return err->status;
	snprintf(s->key_source, sizeof s->key_source, "%s", path);
	res = op_names(s, &count, &names, err);
	if (res != ST_OK)
		goto done;
	res = store_opkey_load(path, &k, err);
	if (res == ST_E_NOT_FOUND) {
		res = error_set(err, ST_E_CRYPTO,
				"database %s is encrypted for its operators (%s) and this console "
				"has no operator key (%s does not exist): run `envctl operator "
				"init NAME`, then ask one of them to run `envctl operator add NAME "
				"PUBKEY` with the public key it prints",
				s->path, names.data ? names.data : "", path);
		goto done;
	}
	if (res != ST_OK)
		goto done;
	store_opkey_public_text(k->pk, pub);
	store_opkey_fingerprint(k->pk, fp);
	res = op_find_key(s, pub, &name, sealed, &sealed_ok, err);
	if (res != ST_OK)
		goto done;
	if (!name) {
		res = error_set(err, ST_E_CRYPTO,
				"operator key %s (%s, fingerprint %s) is not admitted to database "
				"%s; one of its operators (%s) can admit it with `envctl operator add "
				"%s %s%s`",
				path, k->name, fp, s->path, names.data ? names.data : "", k->name,
				/* a key made before keys avoided a leading "-" */
				pub[0] == '-' ? "-- " : "", pub);
		goto done;
	}
	data = sodium_malloc(STORE_KEY_BYTES);
	if (!data) {
		res = error_set(err, ST_E_NOMEM, "out of memory for the data key");
		goto done;
	}
	if (!sealed_ok || crypto_box_seal_open(data, sealed, OP_SEALED_BYTES, k->pk, k->sk) != 0) {
		res = error_set(err, ST_E_CRYPTO,
				"the data key sealed for operator %s in database %s does not open "
				"with key file %s (the row was altered); ask another operator (%s) "
				"to remove and re-add %s",
				name, s->path, path, names.data ? names.data : "", name);
		goto done;
	}
	res = store_crypto_from_data_key(data, &s->keys, err);
	if (res == ST_OK)
		res = op_set_name(s, name, err);
	if (res == ST_OK && (!s->opkey_path || strcmp(s->opkey_path, path) != 0)) {
		free(s->opkey_path);
		s->opkey_path = strdup(path);
		if (!s->opkey_path)
			res = error_set(err, ST_E_NOMEM, "out of memory");
	}
	if (res == ST_OK)
		res = op_check_matches(s, stored, err);
done:
	if (data)
		sodium_free(data);
	store_opkey_free(k);
	buf_clear(&names);
	free(name);
	free(path);
	return res;
}

/* A database with no key check yet: a random data key (or the one
 * ENVCTL_MASTER_KEY gives), its check, and the creator admitted — in one
 * transaction, re-checked inside it since another console may be first. */
static Status op_initialise(Store *s, const StoreOptions *opts, bool *raced, Error *err)
{
	char check[2 * STORE_FP_BYTES + 1], stored[2 * STORE_FP_BYTES + 16], now[TIME_STR_LEN];
	long count;

	*raced = false;
	if (store_begin(s, err) != ST_OK)
		return err->status;
	if (op_meta_get(s, "key_check", stored, sizeof stored, err) != ST_OK ||
	    op_names(s, &count, NULL, err) != ST_OK)
		goto fail;
	if (stored[0] || count) {
		*raced = true;
		store_rollback(s);
		return ST_OK;
	}
	if (!s->keys && store_crypto_new_data_key(&s->keys, err) != ST_OK)
		goto fail;
	store_crypto_check_value(s->keys, check);
	time_now_iso(now);
	if (op_meta_set(s, "key_check", check, err) != ST_OK ||
	    op_meta_set(s, "key_check_alg", "blake2b-kdf-v1", err) != ST_OK ||
	    op_meta_set(s, "created_at", now, err) != ST_OK ||
	    op_admit_self(s, opts, "creating the database", err) != ST_OK)
		goto fail;
	return store_commit(s, err);
fail:
	store_rollback(s);
	return err->status;
}

/* A database from before operator keys, opened with its master key and
 * writable: the master key's material becomes the data key as it is (the
 * secrets stay as they are) and the opener is admitted. */
static Status op_migrate(Store *s, const StoreOptions *opts, Error *err)
{
	long count;

	if (store_begin(s, err) != ST_OK)
		return err->status;
	if (op_names(s, &count, NULL, err) != ST_OK)
		goto fail;
	if (count == 0 &&
	    op_admit_self(s, opts, OP_WHY_MIGRATED, err) != ST_OK)
		goto fail;
	return store_commit(s, err);
fail:
	store_rollback(s);
	return err->status;
}

/* Which admitted operator this console is, when it opened by another way. */
static Status op_identify(Store *s, const StoreOptions *opts, Error *err)
{
	unsigned char sealed[OP_SEALED_BYTES];
	char pub[STORE_PUBKEY_TEXT_LEN];
	StoreOpKey *k = NULL;
	char *path = NULL, *name = NULL;
	bool sealed_ok;
	Error ignored;

	if (op_key_path(opts, &path, err) != ST_OK)
		return err->status;
	if (store_opkey_load(path, &k, &ignored) == ST_OK) {
		store_opkey_public_text(k->pk, pub);
		if (op_find_key(s, pub, &name, sealed, &sealed_ok, &ignored) == ST_OK && name &&
		    op_set_name(s, name, &ignored) == ST_OK) {
			free(s->opkey_path);
			s->opkey_path = strdup(path); /* NULL: no refresh, nothing worse */
		}
	}
	sodium_memzero(sealed, sizeof sealed);
	store_opkey_free(k);
	free(name);
	free(path);
	return ST_OK;
}

Status store_keys_open(Store *s, const StoreOptions *opts, Error *err)
{
	char stored[2 * STORE_FP_BYTES + 16];
	const char *master = opts && opts->key_text ? opts->key_text : getenv("ENVCTL_MASTER_KEY");
	bool check_only = opts && opts->check_only;
	bool writable = !check_only && !store_readonly(s);
	long count;

	for (int attempt = 0; attempt < 3; attempt++) {
		bool raced = false;

		if (op_key_state(s, stored, sizeof stored, &count, err) != ST_OK)
			return err->status;
		if (master && master[0]) {
			if (!s->keys && store_crypto_load(NULL, master, false, &s->keys, s->key_source,
							  sizeof s->key_source, err) != ST_OK)
				return err->status;
		} else if (count) {
			return op_open_by_operator(s, opts, stored, err);
		} else if (stored[0]) {
			/* From before operator keys: the master key file. */
			if (store_crypto_load(opts ? opts->key_file : NULL, NULL, false, &s->keys,
					      s->key_source, sizeof s->key_source,
					      err) != ST_OK) {
				if (err->status == ST_E_NOT_FOUND) {
					char why[sizeof err->msg];

					snprintf(why, sizeof why, "%s", error_text(err));
					return error_set(err, ST_E_CRYPTO,
							 "%s; database %s was created with a master "
							 "key: set ENVCTL_MASTER_KEY or restore the key "
							 "file",
							 why, s->path);
				}
				return err->status;
			}
		}
		if (!stored[0]) {
			if (check_only)
				return error_set(err, ST_E_STORE,
						 "database %s has no master key check: it was never "
						 "opened by envctl",
						 s->path);
			if (!writable)
				/* Nothing encrypted yet; a writer records the key. */
				return s->keys ? ST_OK : store_crypto_new_data_key(&s->keys, err);
			if (op_initialise(s, opts, &raced, err) != ST_OK)
				return err->status;
			if (raced)
				continue;
			return ST_OK;
		}
		if (op_check_matches(s, stored, err) != ST_OK)
			return err->status;
		if (count == 0 && writable)
			return op_migrate(s, opts, err);
		return op_identify(s, opts, err);
	}
	return error_set(err, ST_E_BUSY, "database %s: another console kept initialising its keys",
			 s->path);
}

Status store_keys_refresh(Store *s, Error *err)
{
	char stored[2 * STORE_FP_BYTES + 16], mine[2 * STORE_FP_BYTES + 1];
	StoreOptions o = { 0 };
	StoreKeys *old = s->keys;

	if (!old)
		return ST_OK;
	if (op_meta_get(s, "key_check", stored, sizeof stored, err) != ST_OK)
		return err->status;
	store_crypto_check_value(old, mine);
	if (!stored[0] || strcmp(stored, mine) == 0)
		return ST_OK;
	if (!s->opkey_path)
		return error_set(err, ST_E_CONFLICT,
				 "the data key of %s was rotated (`envctl operator remove`) after "
				 "this console opened it with %s; nothing was done — open it again "
				 "with your operator key",
				 s->path, s->key_source);
	/* Another console removed an operator: unseal the new key with ours. */
	o.operator_key_file = s->opkey_path;
	s->keys = NULL;
	if (op_open_by_operator(s, &o, stored, err) != ST_OK) {
		store_crypto_free(s->keys);
		s->keys = old;
		return error_prefix(err, "the data key was rotated by another console: ");
	}
	store_crypto_free(old);
	return ST_OK;
}

/* ------------------------------------------------------------ add / remove */

Status store_operator_add(Store *s, const char *name, const char *public_key,
			  const char *added_by, Error *err)
{
	unsigned char sealed[OP_SEALED_BYTES];
	char canon[STORE_PUBKEY_TEXT_LEN], fp[STORE_KEY_FP_LEN], who[STORE_OPERATOR_NAME_MAX + 1];
	bool by_name = false;

	if (!store_operator_name_valid(name))
		return error_set(err, ST_E_INVALID,
				 "operator name \"%.80s\" must be 1-%d of A-Z a-z 0-9 . _ @ -",
				 name ? name : "", STORE_OPERATOR_NAME_MAX);
	if (store_public_key_parse(public_key, canon, fp, err) != ST_OK)
		return err->status;
	if (store_begin(s, err) != ST_OK)
		return err->status;
	if (store_keys_refresh(s, err) != ST_OK ||
	    op_holder(s, name, canon, who, sizeof who, &by_name, err) != ST_OK)
		goto fail;
	if (who[0]) {
		if (by_name)
			error_set(err, ST_E_CONFLICT,
				  "operator %s is already admitted to %s; `envctl operator remove "
				  "%s` first to give the name another key",
				  name, s->path, name);
		else
			error_set(err, ST_E_CONFLICT,
				  "public key %s (fingerprint %s) is already admitted to %s as "
				  "operator %s",
				  canon, fp, s->path, who);
		goto fail;
	}
	if (op_seal(s->keys->data, canon, sealed, err) != ST_OK ||
	    op_insert(s, name, canon, sealed, added_by ? added_by : "unknown", err) != ST_OK)
		goto fail;
	return store_commit(s, err);
fail:
	store_rollback(s);
	return err->status;
}

/* Re-encrypts every stored version from s->keys to next. */
static Status op_reencrypt(Store *s, const StoreKeys *next, long *done, Error *err)
{
	OpVersionList l;
	Status res = ST_OK;

	*done = 0;
	if (op_versions(s, &l, err) != ST_OK)
		return err->status;
	for (size_t i = 0; res == ST_OK && i < l.count; i++) {
		const OpVersion *v = &l.items[i];
		unsigned char fp[STORE_FP_BYTES], *blob = NULL;
		size_t len = 0, blob_len = 0;
		char *value = NULL;

		res = store_crypto_decrypt(s->keys, v->secret_name ? v->secret_name : v->secret_id,
					   v->secret_id, v->version, v->material, v->material_len,
					   &value, &len, err);
		if (res != ST_OK) {
			error_prefix(err, "rotating the data key (nothing was changed): ");
			break;
		}
		res = store_crypto_encrypt(next, v->secret_id, v->version, (unsigned char *)value,
					   len, &blob, &blob_len, err);
		if (res == ST_OK) {
			store_crypto_fingerprint(next, v->secret_id, (unsigned char *)value, len, fp);
			res = op_version_update(s, v, blob, blob_len, fp, err);
		}
		sodium_memzero(value, len);
		free(value);
		free(blob);
		if (res == ST_OK)
			(*done)++;
	}
	op_versions_clear(&l);
	return res;
}

Status store_operator_remove(Store *s, const char *name, const StoreActivityNew *act,
			     long *reencrypted, Error *err)
{
	char check[2 * STORE_FP_BYTES + 1];
	StoreOperatorList ops;
	StoreKeys *next = NULL;
	bool found = false;
	long n = 0;
	Buf names = BUF_INIT;

	if (reencrypted)
		*reencrypted = 0;
	if (store_in_transaction(s))
		return error_set(err, ST_E_STORE,
				 "removing an operator inside another transaction (a bug in envctl)");
	if (store_begin(s, err) != ST_OK)
		return err->status;
	if (store_keys_refresh(s, err) != ST_OK || store_operator_list(s, &ops, err) != ST_OK) {
		store_rollback(s);
		return err->status;
	}
	for (size_t i = 0; i < ops.count; i++) {
		if (strcmp(ops.items[i].name, name) == 0)
			found = true;
		buf_printf(&names, "%s%s", i ? ", " : "", ops.items[i].name);
	}
	if (!found) {
		error_set(err, ST_E_NOT_FOUND, "no operator %s in %s (operators: %s)", name, s->path,
			  names.data ? names.data : "none");
		goto fail;
	}
	if (ops.count == 1) {
		error_set(err, ST_E_CONFLICT,
			  "%s is the last operator of %s: removing it would leave nobody able to "
			  "decrypt the secrets; admit another first (`envctl operator add NAME "
			  "PUBKEY`)",
			  name, s->path);
		goto fail;
	}
	if (store_crypto_new_data_key(&next, err) != ST_OK || op_reencrypt(s, next, &n, err) != ST_OK)
		goto fail;
	for (size_t i = 0; i < ops.count; i++) {
		unsigned char sealed[OP_SEALED_BYTES];

		if (strcmp(ops.items[i].name, name) == 0)
			continue;
		if (op_seal(next->data, ops.items[i].public_key, sealed, err) != ST_OK ||
		    op_reseal(s, ops.items[i].name, sealed, err) != ST_OK)
			goto fail;
	}
	store_crypto_check_value(next, check);
	if (op_delete(s, name, err) != ST_OK || op_meta_set(s, "key_check", check, err) != ST_OK ||
	    (act && store_activity_add(s, act, err) != ST_OK))
		goto fail;
	if (store_commit(s, err) != ST_OK)
		goto fail_done;
	store_crypto_free(s->keys);
	s->keys = next;
	if (s->operator_name && strcmp(s->operator_name, name) == 0)
		op_set_name(s, NULL, err);
	if (reencrypted)
		*reencrypted = n;
	store_operator_list_clear(&ops);
	buf_clear(&names);
	return ST_OK;
fail:
	store_rollback(s);
fail_done:
	store_crypto_free(next);
	store_operator_list_clear(&ops);
	buf_clear(&names);
	return err->status;
}
