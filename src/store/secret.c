/* Secrets, their versions, bindings and access events (DESIGN §Entities,
 * §Configs and secrets). Plaintext enters here only to be encrypted or
 * fingerprinted and leaves only through store_secret_resolve; SQLite
 * never sees it. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/private.h"
#include "util/lib.h"

#define STORE_VERIFY_MISSES 5
#define STORE_VERIFY_WINDOW_MS 60000

#define SECRET_COLS                                                                       \
	"s.id, s.name, s.description, s.provider, s.status, s.origin, "                     \
	"s.created_by_environment_id, s.created_by_path, s.latest_version, "                \
	"(SELECT v.version FROM secret_versions v WHERE v.secret_id = s.id "                 \
	" AND v.status = 'current'), "                                                       \
	"s.created_at, s.updated_at, s.last_resolved_at, s.last_rotated_at"

/* ------------------------------------------------------------ freeing */

static void store_binding_clear(StoreBinding *b)
{
	free(b->target_type);
	free(b->target_id);
	free(b->target_name);
	free(b->config_path);
	free(b->created_at);
	memset(b, 0, sizeof *b);
}

void store_binding_list_clear(StoreBindingList *l)
{
	STORE_LIST_CLEAR(l, store_binding_clear);
}

void store_secret_clear(StoreSecret *sec)
{
	if (!sec)
		return;
	free(sec->name);
	free(sec->description);
	free(sec->provider);
	free(sec->status);
	free(sec->origin);
	free(sec->created_by_environment_id);
	free(sec->created_by_path);
	free(sec->created_at);
	free(sec->updated_at);
	free(sec->last_resolved_at);
	free(sec->last_rotated_at);
	store_binding_list_clear(&sec->bindings);
	memset(sec, 0, sizeof *sec);
}

void store_secret_list_clear(StoreSecretList *l)
{
	STORE_LIST_CLEAR(l, store_secret_clear);
}

void store_ids_free(char **ids)
{
	if (!ids)
		return;
	for (size_t i = 0; ids[i]; i++)
		free(ids[i]);
	free(ids);
}

void store_secret_value_free(char *value, size_t len)
{
	if (!value)
		return;
	sodium_memzero(value, len);
	free(value);
}

/* ------------------------------------------------------------ reading */

static Status store_secret_read(DbStmt *st, StoreSecret *sec, Error *err)
{
	bool oom = false;

	memset(sec, 0, sizeof *sec);
	store_col_copy(st, 0, sec->id, sizeof sec->id);
	sec->name = store_col_dup(st, 1, &oom);
	sec->description = store_col_dup(st, 2, &oom);
	sec->provider = store_col_dup(st, 3, &oom);
	sec->status = store_col_dup(st, 4, &oom);
	sec->origin = store_col_dup(st, 5, &oom);
	sec->created_by_environment_id = store_col_dup(st, 6, &oom);
	sec->created_by_path = store_col_dup(st, 7, &oom);
	sec->latest_version = (long)db_col_int64(st, 8);
	sec->current_version = (long)db_col_int64(st, 9);
	sec->created_at = store_col_dup(st, 10, &oom);
	sec->updated_at = store_col_dup(st, 11, &oom);
	sec->last_resolved_at = store_col_dup(st, 12, &oom);
	sec->last_rotated_at = store_col_dup(st, 13, &oom);
	if (oom) {
		store_secret_clear(sec);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	return ST_OK;
}

static Status store_binding_row(DbStmt *st, void *elem, Error *err)
{
	StoreBinding *b = elem;
	bool oom = false;

	store_col_copy(st, 0, b->secret_id, sizeof b->secret_id);
	b->target_type = store_col_dup(st, 1, &oom);
	b->target_id = store_col_dup(st, 2, &oom);
	b->target_name = store_col_dup(st, 3, &oom);
	b->config_path = store_col_dup(st, 4, &oom);
	b->created_at = store_col_dup(st, 5, &oom);
	return oom ? error_set(err, ST_E_NOMEM, "out of memory reading secret bindings") : ST_OK;
}

static void store_binding_list_clear_cb(void *list)
{
	store_binding_list_clear(list);
}

static Status store_bindings_query(Store *s, DbStmt *st, StoreBindingList *out,
				   Error *err)
{
	memset(out, 0, sizeof *out);
	return store_collect(s, st, &out->items, &out->count, sizeof *out->items, store_binding_row,
			     store_binding_list_clear_cb, out, "reading secret bindings", err);
}

#define BINDING_SELECT                                                                    \
	"SELECT b.secret_id, b.target_type, b.target_id, e.name, b.config_path, "           \
	"b.created_at FROM secret_bindings b LEFT JOIN environments e "                      \
	"ON b.target_type = 'environment' AND e.id = b.target_id "

static Status store_secret_bindings(Store *s, const char *secret_id, StoreBindingList *out,
				    Error *err)
{
	DbStmt *st = store_stmt(s, BINDING_SELECT "WHERE b.secret_id = ?1 "
					 "ORDER BY e.name, b.config_path",
				      err);

	memset(out, 0, sizeof *out);
	if (!st)
		return err->status;
	store_bind_text(st, 1, secret_id);
	return store_bindings_query(s, st, out, err);
}

Status store_binding_list_target(Store *s, const char *target_type, const char *target_id,
				 StoreBindingList *out, Error *err)
{
	DbStmt *st = store_stmt(s, BINDING_SELECT "WHERE b.target_type = ?1 AND "
					 "b.target_id = ?2 ORDER BY b.config_path",
				      err);

	memset(out, 0, sizeof *out);
	if (!st)
		return err->status;
	store_bind_text(st, 1, target_type);
	store_bind_text(st, 2, target_id);
	return store_bindings_query(s, st, out, err);
}

Status store_binding_list_type(Store *s, const char *target_type, StoreBindingList *out,
			       Error *err)
{
	DbStmt *st = store_stmt(s, BINDING_SELECT "WHERE b.target_type = ?1 "
					 "ORDER BY b.target_id, b.config_path",
				      err);

	memset(out, 0, sizeof *out);
	if (!st)
		return err->status;
	store_bind_text(st, 1, target_type);
	return store_bindings_query(s, st, out, err);
}

/* The row without bindings; deleted secrets are found by id only. */
static Status store_secret_find(Store *s, const char *id_or_name, StoreSecret *out, Error *err)
{
	DbStmt *st = store_stmt(s,
				      "SELECT " SECRET_COLS " FROM secrets s WHERE s.id = ?1 "
				      "UNION ALL SELECT " SECRET_COLS " FROM secrets s "
				      "WHERE s.name = ?1 AND s.status <> 'deleted' LIMIT 1",
				      err);
	Status res;
	int rc;

	memset(out, 0, sizeof *out);
	if (!st)
		return err->status;
	store_bind_text(st, 1, id_or_name);
	rc = db_step(st);
	if (rc == DB_ROW)
		res = store_secret_read(st, out, err);
	else if (rc == DB_DONE)
		res = error_set(err, ST_E_NOT_FOUND,
				"no secret named or with id \"%s\" (see `envctl secret list`)",
				id_or_name);
	else
		res = store_sql_error(s, rc, err, "reading the secret");
	store_stmt_done(s, st);
	return res;
}

static Status store_secret_find_live(Store *s, const char *id_or_name, StoreSecret *out,
				     Error *err)
{
	if (store_secret_find(s, id_or_name, out, err) != ST_OK)
		return err->status;
	if (secret_status_is(out->status, SECRET_DELETED)) {
		error_set(err, ST_E_NOT_FOUND, "secret %s (%s) was deleted", out->name, out->id);
		store_secret_clear(out);
		return ST_E_NOT_FOUND;
	}
	return ST_OK;
}

Status store_secret_get_row(Store *s, const char *id_or_name, StoreSecret *out, Error *err)
{
	return store_secret_find(s, id_or_name, out, err);
}

Status store_secret_get(Store *s, const char *id_or_name, StoreSecret *out, Error *err)
{
	if (store_secret_find(s, id_or_name, out, err) != ST_OK)
		return err->status;
	if (store_secret_bindings(s, out->id, &out->bindings, err) != ST_OK) {
		store_secret_clear(out);
		return err->status;
	}
	return ST_OK;
}

static Status store_secret_row(DbStmt *st, void *elem, Error *err)
{
	return store_secret_read(st, elem, err);
}

static void store_secret_list_clear_cb(void *list)
{
	store_secret_list_clear(list);
}

Status store_secret_list(Store *s, bool include_deleted, StoreSecretList *out, Error *err)
{
	DbStmt *st = store_stmt(s,
				      "SELECT " SECRET_COLS " FROM secrets s "
				      "WHERE ?1 <> 0 OR s.status <> 'deleted' ORDER BY s.name, s.created_at",
				      err);

	memset(out, 0, sizeof *out);
	if (!st)
		return err->status;
	db_bind_int(st, 1, include_deleted);
	if (store_collect(s, st, &out->items, &out->count, sizeof *out->items, store_secret_row,
			  store_secret_list_clear_cb, out, "listing secrets", err) != ST_OK)
		return err->status;
	for (size_t i = 0; i < out->count; i++) {
		if (store_secret_bindings(s, out->items[i].id, &out->items[i].bindings, err) !=
		    ST_OK) {
			store_secret_list_clear(out);
			return err->status;
		}
	}
	return ST_OK;
}

/* ------------------------------------------------------------ writing */

static Status store_version_insert(Store *s, const char *secret_id, long version,
				   const unsigned char *value, size_t len, const char *now,
				   Error *err)
{
	unsigned char fp[STORE_FP_BYTES];
	unsigned char *blob = NULL;
	size_t blob_len = 0;
	DbStmt *st;

	if (store_keys_refresh(s, err) != ST_OK ||
	    store_crypto_encrypt(s->keys, secret_id, version, value, len, &blob, &blob_len, err) !=
		    ST_OK)
		return err->status;
	store_crypto_fingerprint(s->keys, secret_id, value, len, fp);
	st = store_stmt(s,
			"INSERT INTO secret_versions (secret_id, version, material, fingerprint, "
			"status, created_at) VALUES (?1, ?2, ?3, ?4, 'current', ?5)",
			err);
	if (!st) {
		free(blob);
		return err->status;
	}
	store_bind_text(st, 1, secret_id);
	db_bind_int64(st, 2, version);
	db_bind_blob_owned(st, 3, blob, blob_len);
	db_bind_blob(st, 4, fp, sizeof fp);
	store_bind_text(st, 5, now);
	return store_step_done(s, st, err, "storing the secret version");
}

static Status store_secret_value_check(const char *what, const unsigned char *value, size_t len,
				       Error *err)
{
	if (!value || len == 0)
		return error_set(err, ST_E_INVALID, "%s: the value is empty", what);
	if (len > 1024 * 1024)
		return error_set(err, ST_E_INVALID, "%s: the value is larger than 1 MiB", what);
	/* Configs are JSON text: a value that is not UTF-8 (or holds NUL)
	 * would reach the provider altered, so it is refused here. */
	if (memchr(value, '\0', len) || !term_utf8_valid((const char *)value, len))
		return error_set(err, ST_E_INVALID,
				 "%s: the value is not valid UTF-8 text (binary data must be "
				 "encoded, e.g. base64, before it is stored)",
				 what);
	return ST_OK;
}

Status store_secret_create(Store *s, const StoreSecretNew *in, StoreSecret *out, Error *err)
{
	char id[UUID_STR_LEN], now[TIME_STR_LEN];
	DbStmt *st;
	int rc;

	if (out)
		memset(out, 0, sizeof *out);
	if (!in->name || !in->name[0])
		return error_set(err, ST_E_INVALID, "a secret needs a name");
	if (!term_text_clean(in->name)) {
		char *shown = term_escaped(in->name);

		error_set(err, ST_E_INVALID,
			  "secret name \"%s\" holds a control character or invalid UTF-8; use "
			  "printable text",
			  shown ? shown : "?");
		free(shown);
		return ST_E_INVALID;
	}
	if (store_secret_value_check(in->name, in->value, in->value_len, err) != ST_OK)
		return err->status;
	id_new(id);
	time_now_iso(now);
	if (store_begin(s, err) != ST_OK)
		return err->status;
	st = store_stmt(s,
			"INSERT INTO secrets (id, name, description, provider, status, "
			"latest_version, origin, created_by_environment_id, created_by_path, "
			"created_at, updated_at) VALUES (?1, ?2, ?3, '" STORE_SECRET_PROVIDER
			"', 'active', 1, ?4, ?5, ?6, ?7, ?7)",
			err);
	if (!st)
		goto fail;
	store_bind_text(st, 1, id);
	store_bind_text(st, 2, in->name);
	store_bind_text(st, 3, in->description ? in->description : "");
	store_bind_text(st, 4, in->created_by_environment_id ? "environment" : "operator");
	store_bind_text(st, 5, in->created_by_environment_id);
	store_bind_text(st, 6, in->created_by_path);
	store_bind_text(st, 7, now);
	rc = db_step(st);
	store_stmt_done(s, st);
	if (rc == DB_CONSTRAINT_UNIQUE || rc == DB_CONSTRAINT_PRIMARYKEY) {
		error_set(err, ST_E_CONFLICT, "a secret named \"%s\" already exists; pick another "
					      "name or rotate that one",
			  in->name);
		goto fail;
	}
	if (rc == DB_CONSTRAINT_FOREIGNKEY) {
		error_set(err, ST_E_NOT_FOUND, "secret %s: its environment no longer exists",
			  in->name);
		goto fail;
	}
	if (rc != DB_DONE) {
		store_sql_error(s, rc, err, "creating the secret");
		goto fail;
	}
	if (store_version_insert(s, id, 1, in->value, in->value_len, now, err) != ST_OK)
		goto fail;
	if (store_commit(s, err) != ST_OK)
		return err->status;
	if (out)
		return store_secret_get(s, id, out, err);
	return ST_OK;
fail:
	store_rollback(s);
	return err->status;
}

Status store_secret_rotate(Store *s, const char *id_or_name, const unsigned char *value,
			   size_t value_len, long *new_version, Error *err)
{
	StoreSecret sec;
	char now[TIME_STR_LEN];
	DbStmt *st;
	long version;

	if (store_secret_value_check(id_or_name, value, value_len, err) != ST_OK)
		return err->status;
	if (store_begin(s, err) != ST_OK)
		return err->status;
	if (store_secret_find_live(s, id_or_name, &sec, err) != ST_OK)
		goto fail;
	version = sec.latest_version + 1;
	time_now_iso(now);
	/* One previous version is kept (for an operator mid-rollout); older
	 * ciphertext is dropped so a rotated-out value does not linger. */
	st = store_stmt(s,
			"UPDATE secret_versions SET status = 'destroyed', material = NULL, "
			"fingerprint = NULL WHERE secret_id = ?1 AND status = 'previous'",
			err);
	if (!st)
		goto fail_sec;
	store_bind_text(st, 1, sec.id);
	if (store_step_done(s, st, err, "retiring old versions") != ST_OK)
		goto fail_sec;
	st = store_stmt(s,
			"UPDATE secret_versions SET status = 'previous' WHERE secret_id = ?1 "
			"AND status = 'current'",
			err);
	if (!st)
		goto fail_sec;
	store_bind_text(st, 1, sec.id);
	if (store_step_done(s, st, err, "retiring the current version") != ST_OK)
		goto fail_sec;
	if (store_version_insert(s, sec.id, version, value, value_len, now, err) != ST_OK)
		goto fail_sec;
	st = store_stmt(s,
			"UPDATE secrets SET latest_version = ?2, updated_at = ?3, "
			"last_rotated_at = ?3 WHERE id = ?1",
			err);
	if (!st)
		goto fail_sec;
	store_bind_text(st, 1, sec.id);
	db_bind_int64(st, 2, version);
	store_bind_text(st, 3, now);
	if (store_step_done(s, st, err, "rotating the secret") != ST_OK)
		goto fail_sec;
	store_secret_clear(&sec);
	if (store_commit(s, err) != ST_OK)
		return err->status;
	if (new_version)
		*new_version = version;
	return ST_OK;
fail_sec:
	store_secret_clear(&sec);
fail:
	store_rollback(s);
	return err->status;
}

/* Every verify is an access event (consumer "verify"); "no match" ones
 * count towards the lockout below. */
static void store_verify_record(Store *s, const StoreSecret *sec, bool ok, const char *error)
{
	char now[TIME_STR_LEN];
	DbStmt *st;
	Error ignored;

	time_now_iso(now);
	st = store_stmt(s,
			"INSERT INTO secret_access_events (secret_id, version, consumer, outcome, "
			"error, created_at, operator_name) VALUES (?1, ?2, 'verify', ?3, ?4, ?5, ?6)",
			&ignored);
	if (!st)
		return;
	store_bind_text(st, 1, sec->id);
	if (sec->current_version > 0)
		db_bind_int64(st, 2, sec->current_version);
	store_bind_text(st, 3, access_outcome_text(ok ? ACCESS_SUCCESS : ACCESS_FAILURE));
	store_bind_text(st, 4, error);
	store_bind_text(st, 5, now);
	store_bind_text(st, 6, s->operator_name);
	db_step(st);
	store_stmt_done(s, st);
}

/* After STORE_VERIFY_MISSES wrong values within the window, verify is
 * refused until the oldest of them leaves it: an online guesser gets a
 * handful of tries a minute, not hundreds a second. */
static Status store_verify_lockout(Store *s, const StoreSecret *sec, Error *err)
{
	char cutoff[TIME_STR_LEN];
	int64_t now = time_now_ms(), oldest;
	DbStmt *st;
	long misses = 0;
	Status res = ST_OK;
	int rc;

	time_format_ms(now - STORE_VERIFY_WINDOW_MS, cutoff);
	st = store_stmt(s,
			"SELECT count(*), min(created_at) FROM secret_access_events WHERE "
			"secret_id = ?1 AND consumer = 'verify' AND error = 'no match' AND "
			"created_at > ?2",
			err);
	if (!st)
		return err->status;
	store_bind_text(st, 1, sec->id);
	store_bind_text(st, 2, cutoff);
	rc = db_step(st);
	if (rc == DB_ROW)
		misses = (long)db_col_int64(st, 0);
	oldest = rc == DB_ROW && misses ? time_parse_iso(store_col_text(st, 1)) : now;
	store_stmt_done(s, st);
	if (rc != DB_ROW)
		return store_sql_error(s, rc, err, "reading the secret's verify attempts");
	if (misses >= STORE_VERIFY_MISSES) {
		int64_t wait_s = (oldest + STORE_VERIFY_WINDOW_MS - now) / 1000 + 1;

		res = error_set(err, ST_E_BUSY,
				"secret %s: %ld wrong values were verified in the last %d s; try "
				"again in %lld s",
				sec->name, misses, STORE_VERIFY_WINDOW_MS / 1000,
				(long long)(wait_s > 0 ? wait_s : 1));
		store_verify_record(s, sec, false, "refused: too many wrong values");
	}
	return res;
}

Status store_secret_verify(Store *s, const char *id_or_name, const unsigned char *value,
			   size_t value_len, bool *match, Error *err)
{
	unsigned char mine[STORE_FP_BYTES];
	StoreSecret sec;
	DbStmt *st;
	Status res = ST_OK;
	int rc;

	*match = false;
	if (store_secret_find_live(s, id_or_name, &sec, err) != ST_OK)
		return err->status;
	if (store_verify_lockout(s, &sec, err) != ST_OK || store_keys_refresh(s, err) != ST_OK) {
		store_secret_clear(&sec);
		return err->status;
	}
	st = store_stmt(s,
			"SELECT fingerprint FROM secret_versions WHERE secret_id = ?1 "
			"AND status = 'current'",
			err);
	if (!st) {
		store_secret_clear(&sec);
		return err->status;
	}
	store_bind_text(st, 1, sec.id);
	rc = db_step(st);
	if (rc == DB_ROW) {
		const void *fp = db_col_blob(st, 0);

		if (!fp || db_col_bytes(st, 0) != STORE_FP_BYTES) {
			res = error_set(err, ST_E_CRYPTO,
					"secret %s: the current version's fingerprint is damaged",
					sec.name);
		} else {
			store_crypto_fingerprint(s->keys, sec.id, value, value_len, mine);
			*match = sodium_memcmp(mine, fp, STORE_FP_BYTES) == 0;
			sodium_memzero(mine, sizeof mine);
		}
	} else if (rc == DB_DONE) {
		res = error_set(err, ST_E_NOT_FOUND, "secret %s has no current version", sec.name);
	} else {
		res = store_sql_error(s, rc, err, "reading the secret");
	}
	store_stmt_done(s, st);
	if (res == ST_OK)
		store_verify_record(s, &sec, *match, *match ? NULL : "no match");
	store_secret_clear(&sec);
	return res;
}

Status store_secret_set_status(Store *s, const char *id_or_name, const char *status,
			       Error *err)
{
	char now[TIME_STR_LEN];
	StoreSecret sec;
	DbStmt *st;
	Status res;

	if (!secret_status_is(status, SECRET_ACTIVE) && !secret_status_is(status, SECRET_DISABLED))
		return error_set(err, ST_E_INVALID,
				 "secret status must be active or disabled, not \"%s\"", status);
	if (store_secret_find_live(s, id_or_name, &sec, err) != ST_OK)
		return err->status;
	time_now_iso(now);
	st = store_stmt(s, "UPDATE secrets SET status = ?2, updated_at = ?3 WHERE id = ?1", err);
	if (!st) {
		store_secret_clear(&sec);
		return err->status;
	}
	store_bind_text(st, 1, sec.id);
	store_bind_text(st, 2, status);
	store_bind_text(st, 3, now);
	res = store_step_done(s, st, err, "changing the secret's status");
	store_secret_clear(&sec);
	return res;
}

/* Soft delete: the row stays for the audit trail, the ciphertext goes. */
static Status store_secret_destroy(Store *s, const char *id, Error *err)
{
	char now[TIME_STR_LEN];
	DbStmt *st;

	time_now_iso(now);
	st = store_stmt(s,
			"UPDATE secret_versions SET status = 'destroyed', material = NULL, "
			"fingerprint = NULL WHERE secret_id = ?1",
			err);
	if (!st)
		return err->status;
	store_bind_text(st, 1, id);
	if (store_step_done(s, st, err, "destroying secret versions") != ST_OK)
		return err->status;
	st = store_stmt(s,
			"UPDATE secrets SET status = 'deleted', updated_at = ?2 WHERE id = ?1", err);
	if (!st)
		return err->status;
	store_bind_text(st, 1, id);
	store_bind_text(st, 2, now);
	if (store_step_done(s, st, err, "deleting the secret") != ST_OK)
		return err->status;
	st = store_stmt(s, "DELETE FROM secret_bindings WHERE secret_id = ?1", err);
	if (!st)
		return err->status;
	store_bind_text(st, 1, id);
	return store_step_done(s, st, err, "removing the secret's bindings");
}

/* Takes the field out of the environment's config when it still holds
 * this secret's id, so --force leaves no config pointing at a dead id. */
static Status store_unbind_config(Store *s, const StoreBinding *b, Error *err)
{
	char now[TIME_STR_LEN];
	DbStmt *st;
	cJSON *config = NULL;
	const cJSON *at;
	int rc;

	if (strcmp(b->target_type, "environment") != 0)
		return ST_OK;
	st = store_stmt(s, "SELECT config FROM environments WHERE id = ?1", err);
	if (!st)
		return err->status;
	store_bind_text(st, 1, b->target_id);
	rc = db_step(st);
	if (rc == DB_ROW)
		config = store_col_json(st, 0, "{}");
	store_stmt_done(s, st);
	if (rc == DB_DONE)
		return ST_OK;
	if (rc != DB_ROW)
		return store_sql_error(s, rc, err, "reading the environment");
	if (!config)
		return error_set(err, ST_E_STORE, "environment %s has a malformed config",
				 b->target_id);
	at = jsonptr_get(config, b->config_path);
	if (!cJSON_IsString(at) || strcmp(at->valuestring, b->secret_id) != 0) {
		cJSON_Delete(config);
		return ST_OK;
	}
	jsonptr_remove(config, b->config_path);
	time_now_iso(now);
	st = store_stmt(s,
			"UPDATE environments SET config = ?2, updated_at = ?3, "
			"revision = revision + 1 WHERE id = ?1",
			err);
	if (!st) {
		cJSON_Delete(config);
		return err->status;
	}
	store_bind_text(st, 1, b->target_id);
	rc = store_bind_json(st, 2, config, "{}");
	cJSON_Delete(config);
	if (rc != DB_OK) {
		store_stmt_done(s, st);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	store_bind_text(st, 3, now);
	return store_step_done(s, st, err, "updating the environment's config");
}

Status store_secret_delete(Store *s, const char *id_or_name, bool force,
			   StoreBindingList *unbound, Error *err)
{
	StoreSecret sec;

	if (unbound)
		memset(unbound, 0, sizeof *unbound);
	if (store_begin(s, err) != ST_OK)
		return err->status;
	if (store_secret_find_live(s, id_or_name, &sec, err) != ST_OK)
		goto fail;
	if (store_secret_bindings(s, sec.id, &sec.bindings, err) != ST_OK)
		goto fail_sec;
	if (sec.bindings.count > 0 && !force) {
		const StoreBinding *b = &sec.bindings.items[0];

		error_set(err, ST_E_CONFLICT,
			  "secret %s is used by environment %s at %s%s; change that config first, "
			  "or use --force to unbind it (the field is removed from the config)",
			  sec.name, b->target_name ? b->target_name : b->target_id, b->config_path,
			  sec.bindings.count > 1 ? " and more" : "");
		goto fail_sec;
	}
	for (size_t i = 0; i < sec.bindings.count; i++)
		if (store_unbind_config(s, &sec.bindings.items[i], err) != ST_OK)
			goto fail_sec;
	if (store_secret_destroy(s, sec.id, err) != ST_OK)
		goto fail_sec;
	if (store_commit(s, err) != ST_OK) {
		store_secret_clear(&sec);
		return err->status;
	}
	if (unbound) {
		*unbound = sec.bindings;
		memset(&sec.bindings, 0, sizeof sec.bindings);
	}
	store_secret_clear(&sec);
	return ST_OK;
fail_sec:
	store_secret_clear(&sec);
fail:
	store_rollback(s);
	return err->status;
}

static bool store_ids_push(char ***ids, size_t *n, size_t *cap, const char *id)
{
	/* room for the id and the NULL after it */
	if (!array_reserve(ids, cap, *n + 1, sizeof **ids))
		return false;
	(*ids)[*n] = strdup(id);
	if (!(*ids)[*n])
		return false;
	(*n)++;
	(*ids)[*n] = NULL;
	return true;
}

Status store_secret_delete_orphans(Store *s, const char *environment_id, char ***deleted,
				   Error *err)
{
	DbStmt *st;
	char **ids = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if (deleted)
		*deleted = NULL;
	st = store_stmt(s,
			"SELECT s.id FROM secrets s WHERE s.origin = 'environment' "
			"AND s.status <> 'deleted' AND (?1 IS NULL OR "
			"s.created_by_environment_id = ?1 OR s.created_by_environment_id IS NULL) "
			"AND NOT EXISTS (SELECT 1 FROM secret_bindings b WHERE b.secret_id = s.id)",
			err);
	if (!st)
		return err->status;
	store_bind_text(st, 1, environment_id);
	while ((rc = db_step(st)) == DB_ROW) {
		if (!store_ids_push(&ids, &n, &cap, store_col_text(st, 0))) {
			store_stmt_done(s, st);
			store_ids_free(ids);
			return error_set(err, ST_E_NOMEM, "out of memory");
		}
	}
	store_stmt_done(s, st);
	if (rc != DB_DONE) {
		store_ids_free(ids);
		return store_sql_error(s, rc, err, "finding orphan secrets");
	}
	if (n == 0)
		return ST_OK;
	if (store_begin(s, err) != ST_OK) {
		store_ids_free(ids);
		return err->status;
	}
	for (size_t i = 0; i < n; i++) {
		if (store_secret_destroy(s, ids[i], err) != ST_OK) {
			store_rollback(s);
			store_ids_free(ids);
			return err->status;
		}
	}
	if (store_commit(s, err) != ST_OK) {
		store_ids_free(ids);
		return err->status;
	}
	if (deleted)
		*deleted = ids;
	else
		store_ids_free(ids);
	return ST_OK;
}

/* ------------------------------------------------------------ bindings */

Status store_binding_set(Store *s, const char *secret_id, const char *target_type,
			 const char *target_id, const char *config_path, Error *err)
{
	char id[UUID_STR_LEN], now[TIME_STR_LEN];
	DbStmt *st;
	int rc;

	id_new(id);
	time_now_iso(now);
	st = store_stmt(s,
			"INSERT INTO secret_bindings (id, secret_id, target_type, target_id, "
			"config_path, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
			"ON CONFLICT (target_type, target_id, config_path) DO UPDATE SET "
			"secret_id = excluded.secret_id, created_at = excluded.created_at "
			"WHERE secret_bindings.secret_id <> excluded.secret_id",
			err);
	if (!st)
		return err->status;
	store_bind_text(st, 1, id);
	store_bind_text(st, 2, secret_id);
	store_bind_text(st, 3, target_type);
	store_bind_text(st, 4, target_id);
	store_bind_text(st, 5, config_path);
	store_bind_text(st, 6, now);
	rc = db_step(st);
	store_stmt_done(s, st);
	if (rc == DB_CONSTRAINT_FOREIGNKEY)
		return error_set(err, ST_E_NOT_FOUND, "cannot bind %s: no secret with id %s",
				 config_path, secret_id);
	if (rc == DB_CONSTRAINT_CHECK)
		return error_set(err, ST_E_INVALID, "cannot bind to a target of type \"%s\"",
				 target_type);
	if (rc != DB_DONE)
		return store_sql_error(s, rc, err, "binding the secret");
	return ST_OK;
}

Status store_binding_remove(Store *s, const char *target_type, const char *target_id,
			    const char *config_path, Error *err)
{
	DbStmt *st = store_stmt(s,
				      "DELETE FROM secret_bindings WHERE target_type = ?1 AND "
				      "target_id = ?2 AND config_path = ?3",
				      err);

	if (!st)
		return err->status;
	store_bind_text(st, 1, target_type);
	store_bind_text(st, 2, target_id);
	store_bind_text(st, 3, config_path);
	return store_step_done(s, st, err, "removing a secret binding");
}

/* ------------------------------------------------------------ resolution */

static void store_access_record(Store *s, const StoreResolve *req, long version, bool ok,
				const char *error)
{
	char now[TIME_STR_LEN];
	DbStmt *st;
	Error ignored;

	time_now_iso(now);
	st = store_stmt(s,
			"INSERT INTO secret_access_events (secret_id, version, consumer, "
			"environment_id, config_path, lease_id, run_id, outcome, error, created_at, "
			"operator_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
			&ignored);
	if (!st)
		return;
	store_bind_text(st, 1, req->secret_id ? req->secret_id : "");
	if (version > 0)
		db_bind_int64(st, 2, version);
	store_bind_text(st, 3, req->consumer ? req->consumer : "unknown");
	store_bind_text(st, 4, req->environment_id);
	store_bind_text(st, 5, req->config_path);
	store_bind_text(st, 6, req->lease_id);
	store_bind_text(st, 7, req->run_id);
	store_bind_text(st, 8, access_outcome_text(ok ? ACCESS_SUCCESS : ACCESS_FAILURE));
	store_bind_text(st, 9, error);
	store_bind_text(st, 10, now);
	store_bind_text(st, 11, s->operator_name);
	db_step(st);
	store_stmt_done(s, st);
	if (!ok)
		return;
	st = store_stmt(s, "UPDATE secrets SET last_resolved_at = ?2 WHERE id = ?1", &ignored);
	if (!st)
		return;
	store_bind_text(st, 1, req->secret_id);
	store_bind_text(st, 2, now);
	db_step(st);
	store_stmt_done(s, st);
}

static Status store_resolve_inner(Store *s, const StoreResolve *req, long *version,
				  char **value, size_t *len, Error *err)
{
	StoreSecret sec;
	DbStmt *st;
	Status res;
	int rc;

	if (!req->secret_id || !id_is_uuid(req->secret_id))
		return error_set(err, ST_E_INVALID, "%s does not hold a secret id",
				 req->config_path ? req->config_path : "the field");
	if (store_keys_refresh(s, err) != ST_OK || store_secret_find(s, req->secret_id, &sec, err) != ST_OK)
		return err->status;
	if (!secret_status_is(sec.status, SECRET_ACTIVE)) {
		res = error_set(err, ST_E_CRYPTO,
				"secret %s is %s; enable it or enter a new value for %s", sec.name,
				sec.status, req->config_path ? req->config_path : "the field");
		store_secret_clear(&sec);
		return res;
	}
	st = store_stmt(s,
			"SELECT 1 FROM secret_bindings WHERE secret_id = ?1 AND target_type = "
			"'environment' AND target_id = ?2 AND config_path = ?3",
			err);
	if (!st) {
		store_secret_clear(&sec);
		return err->status;
	}
	store_bind_text(st, 1, sec.id);
	store_bind_text(st, 2, req->environment_id ? req->environment_id : "");
	store_bind_text(st, 3, req->config_path ? req->config_path : "");
	rc = db_step(st);
	store_stmt_done(s, st);
	if (rc == DB_DONE) {
		res = error_set(err, ST_E_CRYPTO,
				"secret %s is not bound to this environment at %s; save the "
				"environment again to bind it",
				sec.name, req->config_path ? req->config_path : "");
		store_secret_clear(&sec);
		return res;
	}
	if (rc != DB_ROW) {
		store_secret_clear(&sec);
		return store_sql_error(s, rc, err, "checking the secret binding");
	}
	/* The newest version of all, next to the current one: a database edited
	 * to mark an older version current again (a rollback to a value the
	 * rotation meant to retire) is refused, not resolved. */
	st = store_stmt(s,
			"SELECT version, material, (SELECT max(version) FROM secret_versions "
			"WHERE secret_id = ?1), (SELECT count(*) FROM secret_versions WHERE "
			"secret_id = ?1 AND status = 'current') FROM secret_versions WHERE "
			"secret_id = ?1 AND status = 'current'",
			err);
	if (!st) {
		store_secret_clear(&sec);
		return err->status;
	}
	store_bind_text(st, 1, sec.id);
	rc = db_step(st);
	if (rc == DB_ROW && (db_col_int64(st, 0) != sec.latest_version ||
				 db_col_int64(st, 2) != sec.latest_version ||
				 db_col_int64(st, 3) != 1)) {
		*version = (long)db_col_int64(st, 0);
		res = error_set(err, ST_E_CRYPTO,
				"secret %s: version %ld is marked current but the latest is %ld "
				"(newest stored %lld, %lld current): the database was altered, "
				"maybe rolled back to an old value; it was not used — rotate the "
				"secret and run `envctl db check`",
				sec.name, *version, sec.latest_version,
				(long long)db_col_int64(st, 2),
				(long long)db_col_int64(st, 3));
	} else if (rc == DB_ROW) {
		*version = (long)db_col_int64(st, 0);
		res = store_crypto_decrypt(s->keys, sec.name, sec.id, *version,
					   db_col_blob(st, 1),
					   (size_t)db_col_bytes(st, 1), value, len, err);
	} else if (rc == DB_DONE) {
		res = error_set(err, ST_E_CRYPTO, "secret %s has no current version; rotate it",
				sec.name);
	} else {
		res = store_sql_error(s, rc, err, "reading the secret");
	}
	store_stmt_done(s, st);
	store_secret_clear(&sec);
	return res;
}

Status store_secret_resolve(Store *s, const StoreResolve *req, char **value, size_t *len,
			    Error *err)
{
	long version = 0;
	Status res;

	*value = NULL;
	*len = 0;
	res = store_resolve_inner(s, req, &version, value, len, err);
	store_access_record(s, req, version, res == ST_OK, res == ST_OK ? NULL : error_text(err));
	return res;
}

static Status store_access_event_row(DbStmt *st, void *elem, Error *err)
{
	StoreAccessEvent *e = elem;
	bool oom = false;

	e->id = db_col_int64(st, 0);
	e->secret_id = store_col_dup(st, 1, &oom);
	e->version = (long)db_col_int64(st, 2);
	e->consumer = store_col_dup(st, 3, &oom);
	e->environment_id = store_col_dup(st, 4, &oom);
	e->config_path = store_col_dup(st, 5, &oom);
	e->lease_id = store_col_dup(st, 6, &oom);
	e->run_id = store_col_dup(st, 7, &oom);
	e->outcome = store_col_dup(st, 8, &oom);
	e->error = store_col_dup(st, 9, &oom);
	e->created_at = store_col_dup(st, 10, &oom);
	e->operator_name = store_col_dup(st, 11, &oom);
	return oom ? error_set(err, ST_E_NOMEM, "out of memory reading access events") : ST_OK;
}

static void store_access_event_list_clear_cb(void *list)
{
	store_access_event_list_clear(list);
}

Status store_access_event_list(Store *s, const char *secret_id, long limit,
			       StoreAccessEventList *out, Error *err)
{
	DbStmt *st = store_stmt(s,
				      "SELECT id, secret_id, version, consumer, environment_id, "
				      "config_path, lease_id, run_id, outcome, error, created_at, "
				      "operator_name FROM secret_access_events WHERE secret_id = ?1 "
				      "ORDER BY created_at DESC, id DESC LIMIT ?2",
				      err);

	memset(out, 0, sizeof *out);
	if (!st)
		return err->status;
	store_bind_text(st, 1, secret_id);
	db_bind_limit(st, 2, limit);
	return store_collect(s, st, &out->items, &out->count, sizeof *out->items,
			     store_access_event_row, store_access_event_list_clear_cb, out,
			     "reading access events", err);
}

void store_access_event_list_clear(StoreAccessEventList *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->count; i++) {
		StoreAccessEvent *e = &l->items[i];

		free(e->secret_id);
		free(e->consumer);
		free(e->environment_id);
		free(e->config_path);
		free(e->lease_id);
		free(e->run_id);
		free(e->outcome);
		free(e->error);
		free(e->created_at);
		free(e->operator_name);
	}
	free(l->items);
	memset(l, 0, sizeof *l);
}
