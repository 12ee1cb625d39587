#include "core/describe.h"

#include <stdlib.h>
#include <string.h>

#include "core/env_plugin.h"
#include "core/environment.h"

/* With all (a list's bindings) the object borrows e's metadata: it must be
 * deleted before e is. */
static cJSON *describe_env_with(App *app, const StoreEnv *e, const StoreBindingList *all,
				Error *err)
{
	cJSON *o = cJSON_CreateObject(), *config = NULL;
	Status st;

	if (!o) {
		error_set(err, ST_E_NOMEM, "out of memory");
		return NULL;
	}
	if (all) {
		/* This environment's run of the list ordered by target id. */
		size_t lo = 0, hi = all->count, n = 0;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (strcmp(all->items[mid].target_id, e->id) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		while (lo + n < all->count && strcmp(all->items[lo + n].target_id, e->id) == 0)
			n++;
		st = env_display_config_bound(app, e, all->items + lo, n, &config, err);
	} else {
		st = env_display_config(app, e, &config, err);
	}
	if (st != ST_OK) {
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
	if (all)
		cJSON_AddItemReferenceToObject(o, "metadata", e->metadata);
	else
		cJSON_AddItemToObject(o, "metadata", cJSON_Duplicate(e->metadata, 1));
	cJSON_AddStringToObject(o, "createdAt", e->created_at);
	cJSON_AddStringToObject(o, "updatedAt", e->updated_at);
	return o;
}

cJSON *describe_env(App *app, const StoreEnv *e, Error *err)
{
	return describe_env_with(app, e, NULL, err);
}

typedef struct DescribeEnvList {
	App *app;
	const StoreBindingList *bindings;
	DescribeEnvFn fn;
	void *ctx;
	Error *err;
	bool failed;
} DescribeEnvList;

static bool describe_env_row(const StoreEnvSummary *row, void *ctx)
{
	DescribeEnvList *d = ctx;
	cJSON *o = describe_env_with(d->app, &row->env, d->bindings, d->err), *probe;
	bool go;

	if (!o) {
		if (d->err->status == ST_OK)
			error_set(d->err, ST_E_NOMEM, "out of memory");
		d->failed = true;
		return false;
	}
	if (row->has_probe && (probe = cJSON_CreateObject())) {
		cJSON_AddBoolToObject(probe, "ok", row->probe_ok);
		cJSON_AddStringToObject(probe, "summary", row->probe_summary ? row->probe_summary : "");
		cJSON_AddStringToObject(probe, "at", row->probe_at);
		cJSON_AddItemToObject(o, "lastProbe", probe);
	} else {
		cJSON_AddNullToObject(o, "lastProbe");
	}
	cJSON_AddNumberToObject(o, "activeLeases", (double)row->active_leases);
	go = d->fn(o, d->ctx);
	cJSON_Delete(o);
	return go;
}

Status describe_env_list(App *app, const StoreEnvFilter *f, DescribeEnvFn fn, void *ctx,
			 Error *err)
{
	StoreBindingList bindings;
	DescribeEnvList d = { app, &bindings, fn, ctx, err, false };
	Store *s;
	Status st;

	if (app_store(app, &s, err) != ST_OK)
		return err->status;
	/* One snapshot for the list and every environment's bindings, read
	 * in one query rather than one per environment. */
	if (store_read_begin(s, err) != ST_OK)
		return err->status;
	if (store_binding_list_type(s, "environment", &bindings, err) != ST_OK) {
		store_read_end(s);
		return err->status;
	}
	st = store_env_list_each(s, f, describe_env_row, &d, err);
	if (st == ST_OK && d.failed)
		st = err->status;
	store_binding_list_clear(&bindings);
	store_read_end(s);
	return st;
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
