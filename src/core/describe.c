#include "core/describe.h"

#include <stdlib.h>
#include <string.h>

#include "core/env_plugin.h"
#include "core/environment.h"

cJSON *describe_env(App *app, const StoreEnv *e, Error *err)
{
	cJSON *o = cJSON_CreateObject(), *config = NULL;

	if (!o) {
		error_set(err, ST_E_NOMEM, "out of memory");
		return NULL;
	}
	if (env_display_config(app, e, &config, err) != ST_OK) {
		cJSON_Delete(o);
		return NULL;
	}
	cJSON_AddStringToObject(o, "id", e->id);
	cJSON_AddStringToObject(o, "name", e->name);
	cJSON_AddStringToObject(o, "description", e->description ? e->description : "");
	cJSON_AddNumberToObject(o, "revision", (double)e->revision);
	cJSON_AddStringToObject(o, "driver", e->driver);
	cJSON_AddStringToObject(o, "status", e->status);
	cJSON_AddStringToObject(o, "provider", e->provider);
	{
		char why[256];

		if (env_provider_missing(app, e, why, sizeof why))
			cJSON_AddStringToObject(o, "providerMissing", why);
	}
	cJSON_AddItemToObject(o, "config", config);
	cJSON_AddItemToObject(o, "metadata", cJSON_Duplicate(e->metadata, 1));
	cJSON_AddStringToObject(o, "createdAt", e->created_at);
	cJSON_AddStringToObject(o, "updatedAt", e->updated_at);
	return o;
}

cJSON *describe_secret(const StoreSecret *sec)
{
	cJSON *o = cJSON_CreateObject(), *bindings = cJSON_CreateArray();

	if (!o || !bindings) {
		cJSON_Delete(o);
		cJSON_Delete(bindings);
		return NULL;
	}
	cJSON_AddStringToObject(o, "id", sec->id);
	cJSON_AddStringToObject(o, "name", sec->name);
	cJSON_AddStringToObject(o, "description", sec->description ? sec->description : "");
	cJSON_AddStringToObject(o, "provider", sec->provider);
	cJSON_AddStringToObject(o, "status", sec->status);
	cJSON_AddStringToObject(o, "origin", sec->origin);
	if (sec->created_by_environment_id)
		cJSON_AddStringToObject(o, "createdByEnvironmentId", sec->created_by_environment_id);
	else
		cJSON_AddNullToObject(o, "createdByEnvironmentId");
	cJSON_AddNumberToObject(o, "currentVersion", (double)sec->current_version);
	cJSON_AddNumberToObject(o, "latestVersion", (double)sec->latest_version);
	cJSON_AddStringToObject(o, "createdAt", sec->created_at);
	cJSON_AddStringToObject(o, "updatedAt", sec->updated_at);
	if (sec->last_resolved_at)
		cJSON_AddStringToObject(o, "lastResolvedAt", sec->last_resolved_at);
	else
		cJSON_AddNullToObject(o, "lastResolvedAt");
	if (sec->last_rotated_at)
		cJSON_AddStringToObject(o, "lastRotatedAt", sec->last_rotated_at);
	else
		cJSON_AddNullToObject(o, "lastRotatedAt");
	for (size_t i = 0; i < sec->bindings.count; i++) {
		const StoreBinding *b = &sec->bindings.items[i];
		cJSON *bj = cJSON_CreateObject();

		if (!bj)
			continue;
		cJSON_AddStringToObject(bj, "targetType", b->target_type);
		cJSON_AddStringToObject(bj, "targetId", b->target_id);
		if (b->target_name)
			cJSON_AddStringToObject(bj, "targetName", b->target_name);
		else
			cJSON_AddNullToObject(bj, "targetName");
		cJSON_AddStringToObject(bj, "configPath", b->config_path);
		cJSON_AddItemToArray(bindings, bj);
	}
	cJSON_AddItemToObject(o, "bindings", bindings);
	return o;
}

static cJSON *provider_caps_json(const Provider *p)
{
	cJSON *caps = cJSON_CreateObject();

	if (!caps)
		return NULL;
	cJSON_AddBoolToObject(caps, "execute", (p->caps & PROVIDER_CAP_EXECUTE) != 0);
	cJSON_AddBoolToObject(caps, "realizeWorkspace",
			      (p->caps & PROVIDER_CAP_REALIZE_WORKSPACE) != 0);
	cJSON_AddBoolToObject(caps, "testOnly", (p->caps & PROVIDER_CAP_TEST_ONLY) != 0);
	return caps;
}

char *describe_provider_status(Provider *p)
{
	char *s = p->ops->describe_status ? p->ops->describe_status(p) : NULL;

	return s ? s : strdup("ready");
}

cJSON *describe_provider(Provider *p, bool with_schema)
{
	cJSON *o = cJSON_CreateObject();
	char *status = describe_provider_status(p);

	if (!o || !status) {
		cJSON_Delete(o);
		free(status);
		return NULL;
	}
	cJSON_AddStringToObject(o, "key", p->key);
	cJSON_AddStringToObject(o, "displayName", p->display_name);
	cJSON_AddStringToObject(o, "description", p->description);
	cJSON_AddStringToObject(o, "source", provider_source_name(p->source));
	cJSON_AddStringToObject(o, "origin", p->origin);
	cJSON_AddStringToObject(o, "status", status);
	cJSON_AddItemToObject(o, "capabilities", provider_caps_json(p));
	if (with_schema)
		cJSON_AddItemToObject(o, "configSchema", cJSON_Duplicate(p->config_schema, 1));
	free(status);
	return o;
}

cJSON *describe_activity(const StoreActivity *a)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "id", (double)a->id);
	cJSON_AddStringToObject(o, "createdAt", a->created_at);
	cJSON_AddStringToObject(o, "actor", a->actor);
	cJSON_AddStringToObject(o, "action", a->action);
	cJSON_AddStringToObject(o, "entityType", a->entity_type);
	if (a->entity_id)
		cJSON_AddStringToObject(o, "entityId", a->entity_id);
	else
		cJSON_AddNullToObject(o, "entityId");
	if (a->entity_name)
		cJSON_AddStringToObject(o, "entityName", a->entity_name);
	else
		cJSON_AddNullToObject(o, "entityName");
	cJSON_AddItemToObject(o, "changedFields", cJSON_Duplicate(a->changed_fields, 1));
	cJSON_AddItemToObject(o, "details", cJSON_Duplicate(a->details, 1));
	return o;
}
