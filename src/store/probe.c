/* The probes table: every probe result, newest first per environment. */
#include <stdlib.h>
#include <string.h>

#include "store/private.h"

void store_probe_clear(StoreProbe *p)
{
	if (!p)
		return;
	free(p->environment_id);
	free(p->provider);
	free(p->summary);
	cJSON_Delete(p->details);
	memset(p, 0, sizeof *p);
}

void store_probe_list_clear(StoreProbeList *l)
{
	STORE_LIST_CLEAR(l, store_probe_clear);
}

Status store_probe_insert(Store *s, StoreProbe *p, Error *err)
{
	DbStmt *st;
	int rc;

	if (!p->id[0])
		id_new(p->id);
	if (!p->created_at[0])
		time_now_iso(p->created_at);
	st = store_stmt(s,
			"INSERT INTO probes (id, environment_id, provider, ok, summary, details, "
			"duration_ms, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
			err);
	if (!st)
		return err->status;
	db_bind_text_ref(st, 1, p->id);
	db_bind_text_ref(st, 2, p->environment_id);
	db_bind_text_ref(st, 3, p->provider ? p->provider : "");
	db_bind_int(st, 4, p->ok);
	db_bind_text_ref(st, 5, p->summary ? p->summary : "");
	if (store_bind_json(st, 6, p->details, "{}") != DB_OK) {
		store_stmt_done(s, st);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	db_bind_int64(st, 7, p->duration_ms);
	db_bind_text_ref(st, 8, p->created_at);
	rc = db_step(st);
	store_stmt_done(s, st);
	if (rc == DB_CONSTRAINT_FOREIGNKEY)
		return error_set(err, ST_E_NOT_FOUND, "cannot record the probe: environment %s no "
						      "longer exists",
				 p->environment_id);
	if (rc != DB_DONE)
		return store_sql_error(s, rc, err, "recording the probe");
	return ST_OK;
}

static Status store_probe_read(DbStmt *st, StoreProbe *p, Error *err)
{
	bool oom = false;

	memset(p, 0, sizeof *p);
	store_col_copy(st, 0, p->id, sizeof p->id);
	p->environment_id = store_col_dup(st, 1, &oom);
	p->provider = store_col_dup(st, 2, &oom);
	p->ok = db_col_int(st, 3) != 0;
	p->summary = store_col_dup(st, 4, &oom);
	p->details = store_col_json(st, 5, "{}");
	p->duration_ms = db_col_int64(st, 6);
	store_col_copy(st, 7, p->created_at, sizeof p->created_at);
	if (oom || !p->details) {
		store_probe_clear(p);
		return error_set(err, oom ? ST_E_NOMEM : ST_E_STORE, "cannot read probe row");
	}
	return ST_OK;
}

#define PROBE_COLS "id, environment_id, provider, ok, summary, details, duration_ms, created_at"

static Status store_probe_row(DbStmt *st, void *elem, Error *err)
{
	return store_probe_read(st, elem, err);
}

static void store_probe_list_clear_cb(void *list)
{
	store_probe_list_clear(list);
}

Status store_probe_list(Store *s, const char *environment_id, long limit, StoreProbeList *out,
			Error *err)
{
	DbStmt *st = store_stmt(s,
				      "SELECT " PROBE_COLS " FROM probes WHERE environment_id IS NOT DISTINCT FROM ?1 "
				      "ORDER BY created_at DESC, rowid DESC LIMIT ?2",
				      err);

	memset(out, 0, sizeof *out);
	if (!st)
		return err->status;
	store_bind_text(st, 1, environment_id);
	db_bind_limit(st, 2, limit);
	return store_collect(s, st, &out->items, &out->count, sizeof *out->items, store_probe_row,
			     store_probe_list_clear_cb, out, "listing probes", err);
}

Status store_probe_last(Store *s, const char *environment_id, StoreProbe *out, Error *err)
{
	StoreProbeList l;

	memset(out, 0, sizeof *out);
	if (store_probe_list(s, environment_id, 1, &l, err) != ST_OK)
		return err->status;
	if (l.count == 0) {
		store_probe_list_clear(&l);
		return error_set(err, ST_E_NOT_FOUND, "environment %s was never probed",
				 environment_id ? environment_id : "(draft)");
	}
	*out = l.items[0];
	l.count = 0;
	store_probe_list_clear(&l);
	return ST_OK;
}
