#include "core/operators.h"

#include <stdio.h>
#include <string.h>

Status operators_init(App *app, const char *name, StoreOperatorKeyInfo *out, Error *err)
{
	(void)app;
	return store_operator_key_init(NULL, name, out, err);
}

Status operators_list(App *app, StoreOperatorList *out, const char **me, Error *err)
{
	Store *s;

	memset(out, 0, sizeof *out);
	if (me)
		*me = NULL;
	if (app_store(app, &s, err) != ST_OK || store_operator_list(s, out, err) != ST_OK)
		return err->status;
	if (me)
		*me = store_operator_name(s);
	return ST_OK;
}

static Status operators_activity(Store *s, App *app, const char *action, const char *name,
				 const char *fingerprint, long reencrypted, Error *err)
{
	cJSON *d = cJSON_CreateObject();
	StoreActivityNew a = {
		.actor = app_actor(app),
		.action = action,
		.entity_type = "operator",
		.entity_name = name,
		.details = d,
	};
	Status res;

	if (!d || (fingerprint && !cJSON_AddStringToObject(d, "fingerprint", fingerprint)) ||
	    (reencrypted >= 0 && !cJSON_AddNumberToObject(d, "reencryptedVersions",
							   (double)reencrypted))) {
		cJSON_Delete(d);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	res = store_activity_add(s, &a, err);
	cJSON_Delete(d);
	return res;
}

Status operators_add(App *app, const char *name, const char *public_key, Error *err)
{
	char canon[STORE_PUBKEY_TEXT_LEN], fp[STORE_KEY_FP_LEN];
	const char *by;
	Store *s;

	if (app_check_writable(app, "admit an operator", err) != ST_OK ||
	    store_public_key_parse(public_key, canon, fp, err) != ST_OK ||
	    app_store(app, &s, err) != ST_OK || app_check_writable(app, "admit an operator", err) != ST_OK)
		return err->status;
	by = store_operator_name(s) ? store_operator_name(s) : app_actor(app);
	if (store_begin(s, err) != ST_OK)
		return err->status;
	if (store_operator_add(s, name, canon, by, err) != ST_OK ||
	    operators_activity(s, app, "operator.added", name, fp, -1, err) != ST_OK) {
		store_rollback(s);
		return err->status;
	}
	return store_commit(s, err);
}

Status operators_remove(App *app, const char *name, long *reencrypted, Error *err)
{
	StoreActivityNew a = {
		.actor = app_actor(app),
		.action = "operator.removed",
		.entity_type = "operator",
		.entity_name = name,
	};
	Store *s;

	if (app_check_writable(app, "remove an operator", err) != ST_OK ||
	    app_store(app, &s, err) != ST_OK ||
	    app_check_writable(app, "remove an operator", err) != ST_OK)
		return err->status;
	/* The version count is known only inside the rotation; the row says
	 * that the key rotated, the command's output how many were rewritten. */
	a.actor = app_actor(app);
	return store_operator_remove(s, name, &a, reencrypted, err);
}
