#include "core/env_plugin.h"

#include <stdio.h>
#include <string.h>

#include "core/private.h"

#define ENV_PLUGIN_KEY "envctlPlugin"

bool env_provider_missing(const App *app, const StoreEnv *e, char *buf, size_t n)
{
	const cJSON *rec = e->metadata ? cJSON_GetObjectItemCaseSensitive(e->metadata,
									   ENV_PLUGIN_KEY)
				       : NULL;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(rec, "id");
	const cJSON *ver = cJSON_GetObjectItemCaseSensitive(rec, "version");

	if (registry_find(&app->registry, e->provider))
		return false;
	if (cJSON_IsString(id))
		snprintf(buf, n, "provider not installed here (plugin %s %s)", id->valuestring,
			 cJSON_IsString(ver) ? ver->valuestring : "?");
	else
		snprintf(buf, n, "provider not installed here (plugin unknown: provider %s)",
			 e->provider);
	return true;
}

Status env_provider_require(App *app, const StoreEnv *e, const char *what, Provider **out,
			    Error *err)
{
	char why[256];

	*out = registry_find(&app->registry, e->provider);
	if (*out)
		return ST_OK;
	env_provider_missing(app, e, why, sizeof why);
	return error_set(err, ST_E_UNSUPPORTED,
			 "environment \"%s\": %s; this console cannot %s — install that plugin "
			 "here (envctl plugin import DIR) or use a console that has it; the "
			 "environment can still be browsed",
			 e->name, why, what);
}

Status env_record_plugin(cJSON *metadata, const Provider *p, Error *err)
{
	PluginWorker *w = p ? provider_plugin_worker(p) : NULL;
	const PluginManifest *m = w ? plugin_worker_manifest(w) : NULL;
	cJSON *rec;

	if (!metadata || !cJSON_IsObject(metadata))
		return ST_OK;
	if (!m || !m->id) {
		cJSON_DeleteItemFromObjectCaseSensitive(metadata, ENV_PLUGIN_KEY);
		return ST_OK;
	}
	rec = cJSON_CreateObject();
	if (!rec || !cJSON_AddStringToObject(rec, "id", m->id) ||
	    !cJSON_AddStringToObject(rec, "version", m->version ? m->version : "?")) {
		cJSON_Delete(rec);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	if (cJSON_GetObjectItemCaseSensitive(metadata, ENV_PLUGIN_KEY))
		cJSON_ReplaceItemInObjectCaseSensitive(metadata, ENV_PLUGIN_KEY, rec);
	else
		cJSON_AddItemToObject(metadata, ENV_PLUGIN_KEY, rec);
	return ST_OK;
}
