/* `db copy` (issue #17): a whole registry from one store into another,
 * row by row through the driver (never a file copy), so it works between
 * any two backends. One transaction on the destination; the source is
 * read in one snapshot.
 *
 * Secrets are copied as ciphertext together with the operators' sealed
 * data keys and the key check, so the destination is the same registry:
 * the same operators decrypt it with the same keys. Before committing,
 * every copied version is decrypted at the destination with the source's
 * data key and every table's row count is compared. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/private.h"
#include "util/lib.h"

/* A table and its columns, each with its type: t text, i integer, b blob.
 * In foreign-key order; lease_counts is left out because the destination's
 * triggers rebuild it from the leases. */
typedef struct CopyTable {
	const char *name;
	const char *columns;
	const char *types;
} CopyTable;

static const CopyTable copy_tables[] = {
	{ "meta", "key, value", "tt" },
	{ "operators", "name, public_key, sealed_key, added_at, added_by", "ttbtt" },
	{ "environments",
	  "id, name, description, driver, status, provider, config, metadata, revision, created_at, "
	  "updated_at",
	  "ttttttttitt" },
	{ "secrets",
	  "id, name, description, provider, status, latest_version, origin, "
	  "created_by_environment_id, created_by_path, created_at, updated_at, last_resolved_at, "
	  "last_rotated_at",
	  "tttttittttttt" },
	{ "secret_versions", "secret_id, version, material, fingerprint, status, created_at",
	  "tibbtt" },
	{ "secret_bindings", "id, secret_id, target_type, target_id, config_path, created_at",
	  "tttttt" },
	{ "leases",
	  "id, environment_id, heartbeat_run_id, issue_id, status, lease_policy, provider, "
	  "provider_lease_id, acquired_at, last_used_at, expires_at, released_at, failure_reason, "
	  "cleanup_status, metadata, phase, cleanup_attempts, next_cleanup_at, updated_at",
	  "ttttttttttttttttitt" },
	{ "probes", "id, environment_id, provider, ok, summary, details, duration_ms, created_at",
	  "tttittit" },
	{ "secret_access_events",
	  "id, secret_id, version, consumer, environment_id, config_path, lease_id, run_id, "
	  "outcome, error, created_at, operator_name",
	  "itittttttttt" },
	{ "activity",
	  "id, created_at, actor, action, entity_type, entity_id, entity_name, changed_fields, "
	  "details",
	  "itttttttt" },
};

#define COPY_TABLE_COUNT (sizeof copy_tables / sizeof copy_tables[0])

static Status copy_count(Store *s, const char *table, long *out, Error *err)
{
	char sql[128];
	DbStmt *st;

	*out = 0;
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
	st = store_stmt(s, sql, err);
	if (!st)
		return err->status;
	return store_step_count(s, st, out, err, "counting rows");
}

/* Binds column i of the source row to the insert, by its declared type. */
static int copy_bind(DbStmt *from, DbStmt *to, int i, char type)
{
	if (db_col_null(from, i))
		return db_bind_null(to, i + 1);
	switch (type) {
	case 'i':
		return db_bind_int64(to, i + 1, db_col_int64(from, i));
	case 'b': {
		const void *p = db_col_blob(from, i);

		return db_bind_blob(to, i + 1, p, db_col_bytes(from, i));
	}
	default:
		return db_bind_text(to, i + 1, db_col_text(from, i));
	}
}

static Status copy_table(Store *src, Store *dst, const CopyTable *t, long *rows, Error *err)
{
	char sel[1024];
	Buf ins = BUF_INIT;
	DbStmt *from, *to;
	size_t ncols = strlen(t->types);
	Status res = ST_OK;
	int rc;

	*rows = 0;
	{
		size_t commas = 0;

		for (const char *c = t->columns; *c; c++)
			commas += *c == ',';
		if (commas + 1 != ncols)
			return error_set(err, ST_E_STORE,
					 "db copy: the column table for %s is wrong (a bug in envctl)",
					 t->name);
	}
	snprintf(sel, sizeof sel, "SELECT %s FROM %s", t->columns, t->name);
	buf_printf(&ins, "INSERT INTO %s (%s) VALUES (", t->name, t->columns);
	for (size_t i = 0; i < ncols; i++)
		buf_printf(&ins, "%s?%zu", i ? ", " : "", i + 1);
	if (!buf_puts(&ins, ")"))
		return error_set(err, ST_E_NOMEM, "out of memory");
	from = store_stmt(src, sel, err);
	if (!from) {
		buf_clear(&ins);
		return error_prefix(err, "reading %s from the source: ", t->name);
	}
	to = store_stmt(dst, ins.data, err);
	buf_clear(&ins);
	if (!to) {
		store_stmt_done(src, from);
		return error_prefix(err, "writing %s at the destination: ", t->name);
	}
	while ((rc = db_step(from)) == DB_ROW) {
		int brc = DB_OK;

		for (size_t i = 0; i < ncols && brc == DB_OK; i++)
			brc = copy_bind(from, to, (int)i, t->types[i]);
		if (brc != DB_OK) {
			res = error_set(err, ST_E_NOMEM, "copying %s: out of memory", t->name);
			break;
		}
		brc = db_step(to);
		db_reset(to);
		if (brc != DB_DONE) {
			char what[128];

			snprintf(what, sizeof what, "copying %s row %ld", t->name, *rows + 1);
			res = store_sql_error(dst, brc, err, what);
			break;
		}
		(*rows)++;
	}
	if (res == ST_OK && rc != DB_DONE) {
		char what[128];

		snprintf(what, sizeof what, "reading %s from the source", t->name);
		res = store_sql_error(src, rc, err, what);
	}
	store_stmt_done(dst, to);
	store_stmt_done(src, from);
	return res;
}

/* Every stored version decrypts at the destination with the source's key. */
static Status copy_verify_secrets(Store *dst, const StoreKeys *keys, long *verified, Error *err)
{
	DbStmt *st = store_stmt(dst,
				"SELECT v.secret_id, s.name, v.version, v.material FROM secret_versions v "
				"JOIN secrets s ON s.id = v.secret_id WHERE v.material IS NOT NULL",
				err);
	Status res = ST_OK;
	int rc;

	*verified = 0;
	if (!st)
		return err->status;
	while ((rc = db_step(st)) == DB_ROW) {
		char id[UUID_STR_LEN], *value = NULL;
		const char *name = db_col_text(st, 1);
		long version = (long)db_col_int64(st, 2);
		const unsigned char *blob = db_col_blob(st, 3);
		size_t len = 0, blob_len = db_col_bytes(st, 3);

		store_col_copy(st, 0, id, sizeof id);
		res = store_crypto_decrypt(keys, name ? name : id, id, version, blob, blob_len, &value,
					   &len, err);
		if (value) {
			sodium_memzero(value, len);
			free(value);
		}
		if (res != ST_OK) {
			error_prefix(err, "verifying the copy (nothing was written): ");
			break;
		}
		(*verified)++;
	}
	store_stmt_done(dst, st);
	if (res == ST_OK && rc != DB_DONE)
		res = store_sql_error(dst, rc, err, "verifying the copied secrets");
	return res;
}

static Status copy_key_check(Store *dst, const StoreKeys *keys, Error *err)
{
	char mine[2 * STORE_FP_BYTES + 1];
	DbStmt *st = store_stmt(dst, "SELECT value FROM meta WHERE key = 'key_check'", err);
	bool same = false;
	int rc;

	if (!st)
		return err->status;
	store_crypto_check_value(keys, mine);
	rc = db_step(st);
	if (rc == DB_ROW)
		same = db_col_text(st, 0) && strcmp(db_col_text(st, 0), mine) == 0;
	store_stmt_done(dst, st);
	if (rc != DB_ROW && rc != DB_DONE)
		return store_sql_error(dst, rc, err, "reading the copied key check");
	if (!same)
		return error_set(err, ST_E_CRYPTO,
				 "verifying the copy (nothing was written): the copied key check does "
				 "not match the source's data key");
	return ST_OK;
}

/* PostgreSQL's identity ids (activity, secret_access_events): rows
 * inserted with their ids leave the identity's sequence where it was, so
 * the destination's next insert would take id 1 again and collide. Each
 * sequence moves past the largest copied id (to 1 for an empty table).
 * SQLite's INTEGER PRIMARY KEY continues after max(id) by itself. */
static Status copy_fix_ids(Store *dst, Error *err)
{
	if (db_kind(dst->db) != DB_KIND_PG)
		return ST_OK;
	for (size_t i = 0; i < COPY_TABLE_COUNT; i++) {
		const CopyTable *t = &copy_tables[i];
		char sql[256];
		DbStmt *st;
		int rc;

		if (t->types[0] != 'i' || strncmp(t->columns, "id,", 3) != 0)
			continue;
		snprintf(sql, sizeof sql,
			 "SELECT setval(pg_get_serial_sequence('%s', 'id'), "
			 "COALESCE(max(id), 0) + 1, false) FROM %s",
			 t->name, t->name);
		st = store_stmt(dst, sql, err);
		if (!st)
			return error_prefix(err, "db copy: moving the ids of %s on: ", t->name);
		rc = db_step(st);
		store_stmt_done(dst, st);
		if (rc != DB_ROW && rc != DB_DONE) {
			char what[96];

			snprintf(what, sizeof what, "db copy: moving the ids of %s on", t->name);
			return store_sql_error(dst, rc, err, what);
		}
	}
	return ST_OK;
}

const char *store_copy_table_name(size_t i)
{
	return i < COPY_TABLE_COUNT ? copy_tables[i].name : NULL;
}

Status store_copy(Store *src, Store *dst, bool force, StoreCopyReport *out, Error *err)
{
	static const char *const data_tables[] = { "environments", "secrets", "leases", "probes",
						   "activity" };
	Buf held = BUF_INIT;
	StoreKeys *keys = NULL;
	Status res = ST_OK;

	memset(out, 0, sizeof *out);
	if (strcmp(store_path(src), store_path(dst)) == 0)
		return error_set(err, ST_E_INVALID, "db copy: source and destination are both %s",
				 store_path(src));
	if (store_read_begin(src, err) != ST_OK)
		return err->status;
	if (store_begin(dst, err) != ST_OK) {
		store_read_end(src);
		return err->status;
	}
	for (size_t i = 0; i < sizeof data_tables / sizeof data_tables[0]; i++) {
		long n;

		if (copy_count(dst, data_tables[i], &n, err) != ST_OK)
			goto fail;
		if (n)
			buf_printf(&held, "%s%ld %s", held.len ? ", " : "", n, data_tables[i]);
	}
	if (held.len && !force) {
		error_set(err, ST_E_CONFLICT,
			  "destination %s is not empty (%s); nothing was copied — choose an empty "
			  "destination, or add --force to replace everything in it",
			  store_path(dst), held.data);
		goto fail;
	}
	out->replaced = held.len > 0;
	/* The destination's own rows go, its key rows too: it becomes the
	 * source's registry, with the source's operators. */
	for (size_t i = COPY_TABLE_COUNT; i-- > 0;) {
		char sql[96];

		snprintf(sql, sizeof sql, "DELETE FROM %s", copy_tables[i].name);
		if (store_exec(dst, sql, err) != ST_OK)
			goto fail;
	}
	if (store_exec(dst, "DELETE FROM lease_counts", err) != ST_OK)
		goto fail;
	for (size_t i = 0; i < COPY_TABLE_COUNT; i++) {
		long want, got;

		if (copy_table(src, dst, &copy_tables[i], &out->rows[i], err) != ST_OK ||
		    copy_count(src, copy_tables[i].name, &want, err) != ST_OK ||
		    copy_count(dst, copy_tables[i].name, &got, err) != ST_OK)
			goto fail;
		if (want != got || got != out->rows[i]) {
			error_set(err, ST_E_STORE,
				  "verifying the copy (nothing was written): %s has %ld rows at the "
				  "source and %ld at the destination",
				  copy_tables[i].name, want, got);
			goto fail;
		}
	}
	out->tables = COPY_TABLE_COUNT;
	if (copy_key_check(dst, src->keys, err) != ST_OK ||
	    copy_verify_secrets(dst, src->keys, &out->secrets_verified, err) != ST_OK ||
	    copy_fix_ids(dst, err) != ST_OK)
		goto fail;
	if (store_crypto_from_data_key(src->keys->data, &keys, err) != ST_OK)
		goto fail;
	if (store_commit(dst, err) != ST_OK) {
		res = err->status;
		goto done;
	}
	/* The destination handle now holds the source's registry: its keys. */
	store_crypto_free(dst->keys);
	dst->keys = keys;
	keys = NULL;
	free(dst->operator_name);
	dst->operator_name = src->operator_name ? strdup(src->operator_name) : NULL;
	goto done;
fail:
	res = err->status;
	store_rollback(dst);
done:
	store_crypto_free(keys);
	store_read_end(src);
	buf_clear(&held);
	return res;
}
