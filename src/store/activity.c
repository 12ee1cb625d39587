/* The activity table: who changed what, with field names, never values. */
#include <stdlib.h>
#include <string.h>

#include "store/private.h"

void store_activity_clear(StoreActivity *a)
{
	if (!a)
		return;
	free(a->actor);
	free(a->action);
	free(a->entity_type);
	free(a->entity_id);
	free(a->entity_name);
	cJSON_Delete(a->changed_fields);
	cJSON_Delete(a->details);
	memset(a, 0, sizeof *a);
}

void store_activity_list_clear(StoreActivityList *l)
{
	STORE_LIST_CLEAR(l, store_activity_clear);
}

/* The activity insert with a's record bound, or NULL (err says why).
 * The strings are bound without copies: a's and now (the time, when a
 * has none) must outlive the step. */
static DbStmt *store_activity_bind(Store *s, const StoreActivityNew *a, char *now, Error *err)
{
	const char *at = now;
	/* Most records change no named fields: no array to build and print. */
	cJSON *fields = a->changed_fields && a->changed_fields[0] ? cJSON_CreateArray() : NULL;
	DbStmt *st;
	int rc;

	if (!fields && a->changed_fields && a->changed_fields[0]) {
		error_set(err, ST_E_NOMEM, "out of memory");
		return NULL;
	}
	for (size_t i = 0; a->changed_fields && a->changed_fields[i]; i++) {
		cJSON *f = cJSON_CreateString(a->changed_fields[i]);

		if (!f || !cJSON_AddItemToArray(fields, f)) {
			cJSON_Delete(f);
			cJSON_Delete(fields);
			error_set(err, ST_E_NOMEM, "out of memory");
			return NULL;
		}
	}
	if (a->created_at && a->created_at[0])
		at = a->created_at;
	else
		time_now_iso(now);
	st = store_stmt(s,
			"INSERT INTO activity (created_at, actor, action, entity_type, entity_id, "
			"entity_name, changed_fields, details) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
			err);
	if (!st) {
		cJSON_Delete(fields);
		return NULL;
	}
	db_bind_text_ref(st, 1, at);
	db_bind_text_ref(st, 2, a->actor ? a->actor : "unknown");
	db_bind_text_ref(st, 3, a->action);
	db_bind_text_ref(st, 4, a->entity_type);
	db_bind_text_ref(st, 5, a->entity_id);
	db_bind_text_ref(st, 6, a->entity_name);
	rc = store_bind_json(st, 7, fields, "[]");
	cJSON_Delete(fields);
	if (rc == DB_OK && !a->details && a->details_json)
		rc = db_bind_text_ref(st, 8, a->details_json);
	else if (rc == DB_OK)
		rc = store_bind_json(st, 8, a->details, "{}");
	if (rc != DB_OK) {
		store_stmt_done(s, st);
		error_set(err, ST_E_NOMEM, "out of memory");
		return NULL;
	}
	return st;
}

Status store_activity_add(Store *s, const StoreActivityNew *a, Error *err)
{
	char now[TIME_STR_LEN];
	DbStmt *st = store_activity_bind(s, a, now, err);

	if (!st)
		return err->status;
	return store_step_done(s, st, err, "recording activity");
}

Status store_activity_add_commit(Store *s, const StoreActivityNew *a, Error *err)
{
	char now[TIME_STR_LEN];
	Error ignored;
	DbStmt *st = store_activity_bind(s, a, now, &ignored);

	/* A record: one that cannot be made leaves the change to be saved. */
	if (!st)
		return store_commit(s, err);
	return store_commit_with(s, st, err);
}

static Status store_activity_row(DbStmt *st, void *elem, Error *err)
{
	StoreActivity *a = elem;
	bool oom = false;

	a->id = db_col_int64(st, 0);
	store_col_copy(st, 1, a->created_at, sizeof a->created_at);
	a->actor = store_col_dup(st, 2, &oom);
	a->action = store_col_dup(st, 3, &oom);
	a->entity_type = store_col_dup(st, 4, &oom);
	a->entity_id = store_col_dup(st, 5, &oom);
	a->entity_name = store_col_dup(st, 6, &oom);
	a->changed_fields = store_col_json(st, 7, "[]");
	a->details = store_col_json(st, 8, "{}");
	if (oom || !a->changed_fields || !a->details)
		return error_set(err, ST_E_NOMEM, "out of memory reading activity");
	return ST_OK;
}

static void store_activity_list_clear_cb(void *list)
{
	store_activity_list_clear(list);
}

Status store_activity_list(Store *s, const char *entity_id, long limit, long offset,
			   StoreActivityList *out, Error *err)
{
	DbStmt *st = store_stmt(s,
				      "SELECT id, created_at, actor, action, entity_type, entity_id, "
				      "entity_name, changed_fields, details FROM activity "
				      "WHERE ?1 IS NULL OR entity_id = ?1 "
				      "ORDER BY created_at DESC, id DESC LIMIT ?2 OFFSET ?3",
				      err);

	memset(out, 0, sizeof *out);
	if (!st)
		return err->status;
	store_bind_text(st, 1, entity_id);
	db_bind_limit(st, 2, limit);
	db_bind_int64(st, 3, offset > 0 ? offset : 0);
	return store_collect(s, st, &out->items, &out->count, sizeof *out->items,
			     store_activity_row, store_activity_list_clear_cb, out, "reading activity",
			     err);
}

Status store_activity_list_action(Store *s, const char *entity_id, const char *action,
				  long long after_id, long limit, StoreActivityList *out, Error *err)
{
	DbStmt *st = store_stmt(s,
				"SELECT id, created_at, actor, action, entity_type, entity_id, "
				"entity_name, changed_fields, details FROM activity "
				"WHERE entity_id = ?1 AND action = ?2 AND id > ?3 "
				"ORDER BY id ASC LIMIT ?4",
				err);

	memset(out, 0, sizeof *out);
	if (!st)
		return err->status;
	store_bind_text(st, 1, entity_id);
	store_bind_text(st, 2, action);
	db_bind_int64(st, 3, after_id > 0 ? after_id : 0);
	db_bind_limit(st, 4, limit);
	return store_collect(s, st, &out->items, &out->count, sizeof *out->items,
			     store_activity_row, store_activity_list_clear_cb, out, "reading activity",
			     err);
}
