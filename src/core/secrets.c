#include "core/secrets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/private.h"
#include "util/lib.h"

static Status secrets_activity(Store *s, App *app, const char *action, const StoreSecret *sec,
			       const char *const *fields, Error *err)
{
	StoreActivityNew a = {
		.actor = app_actor(app),
		.action = action,
		.entity_type = "secret",
		.entity_id = sec->id,
		.entity_name = sec->name,
		.changed_fields = fields,
	};

	return store_activity_add(s, &a, err);
}

/* Opens the store and a transaction for a change. */
static Status secrets_begin(App *app, const char *what, Store **s, Error *err)
{
	if (app_check_writable(app, what, err) != ST_OK || app_store(app, s, err) != ST_OK)
		return err->status;
	return store_begin(*s, err);
}

/* Ends a change made in secrets_begin's transaction: the secret as it now
 * is names the activity row, then commit; on failure, rollback. */
static Status secrets_commit_change(Store *s, App *app, const char *id_or_name,
				    const char *action, const char *const *fields, Error *err)
{
	StoreSecret sec;
	Status st;

	if (store_secret_get(s, id_or_name, &sec, err) != ST_OK) {
		store_rollback(s);
		return err->status;
	}
	st = secrets_activity(s, app, action, &sec, fields, err);
	store_secret_clear(&sec);
	if (st != ST_OK) {
		store_rollback(s);
		return err->status;
	}
	return store_commit(s, err);
}

Status secrets_create(App *app, const char *name, const char *description,
		      const unsigned char *value, size_t len, StoreSecret *out, Error *err)
{
	static const char *const fields[] = { "name", "description", "value", NULL };
	StoreSecretNew in = { .name = name, .description = description, .value = value,
			      .value_len = len };
	StoreSecret sec;
	Store *s;

	if (secrets_begin(app, "create a secret", &s, err) != ST_OK)
		return err->status;
	if (store_secret_create(s, &in, &sec, err) != ST_OK)
		goto fail;
	if (secrets_activity(s, app, "secret.created", &sec, fields, err) != ST_OK) {
		store_secret_clear(&sec);
		goto fail;
	}
	if (store_commit(s, err) != ST_OK) {
		store_secret_clear(&sec);
		return err->status;
	}
	if (out)
		*out = sec;
	else
		store_secret_clear(&sec);
	return ST_OK;
fail:
	store_rollback(s);
	return err->status;
}

Status secrets_rotate(App *app, const char *id_or_name, const unsigned char *value, size_t len,
		      long *new_version, Error *err)
{
	static const char *const fields[] = { "value", NULL };
	Store *s;

	if (secrets_begin(app, "rotate a secret", &s, err) != ST_OK)
		return err->status;
	if (store_secret_rotate(s, id_or_name, value, len, new_version, err) != ST_OK) {
		store_rollback(s);
		return err->status;
	}
	return secrets_commit_change(s, app, id_or_name, "secret.rotated", fields, err);
}

Status secrets_verify(App *app, const char *id_or_name, const unsigned char *value, size_t len,
		      bool *match, long *current_version, Error *err)
{
	StoreSecret sec;
	Store *s;

	*match = false;
	if (app_store(app, &s, err) != ST_OK ||
	    store_secret_verify(s, id_or_name, value, len, match, err) != ST_OK)
		return err->status;
	if (store_secret_get(s, id_or_name, &sec, err) != ST_OK)
		return err->status;
	if (current_version)
		*current_version = sec.current_version;
	{
		/* Audited like a change: who checked which secret, and whether it
		 * matched (never the value). */
		cJSON *details = cJSON_CreateObject();

		cJSON_AddBoolToObject(details, "match", *match);
		activity_note(s, app_actor(app), "secret.verified", "secret", sec.id, sec.name,
			      details);
	}
	store_secret_clear(&sec);
	return ST_OK;
}

Status secrets_set_status(App *app, const char *id_or_name, const char *status, Error *err)
{
	static const char *const fields[] = { "status", NULL };
	bool disable = secret_status_is(status, SECRET_DISABLED);
	Store *s;

	if (secrets_begin(app, disable ? "disable a secret" : "enable a secret", &s, err) != ST_OK)
		return err->status;
	if (store_secret_set_status(s, id_or_name, status, err) != ST_OK) {
		store_rollback(s);
		return err->status;
	}
	return secrets_commit_change(s, app, id_or_name,
				     disable ? "secret.disabled" : "secret.enabled", fields, err);
}

Status secrets_delete(App *app, const char *id_or_name, bool force, Error *err)
{
	StoreBindingList unbound;
	StoreSecret sec;
	Store *s;

	if (secrets_begin(app, "delete a secret", &s, err) != ST_OK)
		return err->status;
	if (store_secret_get(s, id_or_name, &sec, err) != ST_OK)
		goto fail;
	if (store_secret_delete(s, sec.id, force, &unbound, err) != ST_OK) {
		store_secret_clear(&sec);
		goto fail;
	}
	if (secrets_activity(s, app, "secret.deleted", &sec, NULL, err) != ST_OK)
		goto fail_all;
	for (size_t i = 0; i < unbound.count; i++) {
		const StoreBinding *b = &unbound.items[i];
		Buf field = BUF_INIT;
		const char *fields[2] = { NULL, NULL };
		StoreActivityNew a = {
			.actor = app_actor(app),
			.action = "environment.updated",
			.entity_type = "environment",
			.entity_id = b->target_id,
			.entity_name = b->target_name,
			.changed_fields = fields,
		};
		Status st;

		if (!buf_printf(&field, "config%s", b->config_path)) {
			buf_clear(&field);
			error_set(err, ST_E_NOMEM, "out of memory");
			goto fail_all;
		}
		fields[0] = field.data;
		st = store_activity_add(s, &a, err);
		buf_clear(&field);
		if (st != ST_OK)
			goto fail_all;
	}
	store_binding_list_clear(&unbound);
	store_secret_clear(&sec);
	return store_commit(s, err);
fail_all:
	store_binding_list_clear(&unbound);
	store_secret_clear(&sec);
fail:
	store_rollback(s);
	return err->status;
}

Status secrets_list(App *app, bool include_deleted, StoreSecretList *out, Error *err)
{
	Store *s;

	memset(out, 0, sizeof *out);
	if (app_store(app, &s, err) != ST_OK)
		return err->status;
	return store_secret_list(s, include_deleted, out, err);
}

Status secrets_get(App *app, const char *id_or_name, StoreSecret *out, Error *err)
{
	Store *s;

	memset(out, 0, sizeof *out);
	if (app_store(app, &s, err) != ST_OK)
		return err->status;
	return store_secret_get(s, id_or_name, out, err);
}
