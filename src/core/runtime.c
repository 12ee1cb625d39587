#include "core/runtime.h"

#include <stdlib.h>
#include <string.h>

#include "core/environment.h"
#include "core/private.h"
#include "plugin/lib.h"
#include "schema/lib.h"
#include "util/lib.h"

/* The secrets to keep out of what the call hands back: the values at
 * out->secret_paths, which the caller has set. */
static Status env_runtime_collect(EnvRuntime *out, Error *err)
{
	out->secrets = redact_collect(out->config, out->secret_paths);
	if (!out->secrets) {
		env_runtime_clear(out);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	return ST_OK;
}

static Status env_runtime_finish(App *app, const char *provider_key, EnvRuntime *out, Error *err)
{
	if (env_secret_paths(app, provider_key, out->config, &out->secret_paths, err) != ST_OK) {
		env_runtime_clear(out);
		return err->status;
	}
	return env_runtime_collect(out, err);
}

/* Resolves config (consumed) for env into out. */
static Status env_runtime_resolve_config(App *app, const StoreEnv *env, cJSON *config,
					 const char *consumer, const char *lease_id,
					 const char *run_id, EnvRuntime *out, Error *err)
{
	EnvResolveCtx ctx = { consumer, lease_id, run_id };
	char **resolved = NULL;

	memset(out, 0, sizeof *out);
	if (!config)
		return error_set(err, ST_E_NOMEM, "out of memory");
	out->config = config;
	if (env_resolve_config_in_place(app, env, config, &ctx, &resolved, err) != ST_OK) {
		env_runtime_clear(out);
		return err->status;
	}
	/* No secret field: the config is as stored, and walking it again
	 * would find none again (once per environment of a probe --all). */
	if (!resolved[0]) {
		out->secret_paths = resolved;
		return env_runtime_collect(out, err);
	}
	schema_paths_free(resolved);
	return env_runtime_finish(app, env->provider, out, err);
}

Status env_runtime_resolve(App *app, const StoreEnv *env, const char *consumer,
			   const char *lease_id, const char *run_id, EnvRuntime *out, Error *err)
{
	return env_runtime_resolve_config(app, env, cJSON_Duplicate(env->config, 1), consumer,
					  lease_id, run_id, out, err);
}

Status env_runtime_resolve_take(App *app, StoreEnv *env, const char *consumer,
				const char *lease_id, const char *run_id, EnvRuntime *out,
				Error *err)
{
	cJSON *config = env->config;

	env->config = NULL;
	return env_runtime_resolve_config(app, env, config, consumer, lease_id, run_id, out, err);
}

Status env_runtime_draft(App *app, Provider *p, const cJSON *config, EnvRuntime *out,
			 Error *err)
{
	SchemaIssues issues;
	cJSON *provider;

	memset(out, 0, sizeof *out);
	memset(&issues, 0, sizeof issues);
	out->config = cJSON_Duplicate(config, 1);
	if (!out->config)
		return error_set(err, ST_E_NOMEM, "out of memory");
	provider = cJSON_DetachItemFromObjectCaseSensitive(out->config, "provider");
	cJSON_Delete(provider);
	/* As a save: the operator's values only, no defaults filled in (the
	 * form shows them and submits the ones the operator kept). */
	if (provider_schema_validate(p, out->config, &issues, err) != ST_OK)
		goto fail;
	if (issues.count) {
		env_schema_issues_error(p->config_schema, &issues, "draft config", p->key, err);
		schema_issues_clear(&issues);
		goto fail;
	}
	if (!json_set_string(out->config, "provider", p->key)) {
		error_set(err, ST_E_NOMEM, "out of memory");
		goto fail;
	}
	return env_runtime_finish(app, p->key, out, err);
fail:
	env_runtime_clear(out);
	return err->status;
}

void env_runtime_clear(EnvRuntime *rt)
{
	/* No secret field, no plaintext from the store to wipe first. */
	if (rt->secret_paths && !rt->secret_paths[0])
		cJSON_Delete(rt->config);
	else
		env_config_wipe(rt->config);
	free(rt->secrets);
	schema_paths_free(rt->secret_paths);
	memset(rt, 0, sizeof *rt);
}

RuntimeCancel *runtime_cancel_new(void)
{
	return plugin_cancel_new();
}

void runtime_cancel_free(RuntimeCancel *c)
{
	plugin_cancel_free(c);
}

void runtime_cancel_bind(RuntimeCancel *c)
{
	plugin_cancel_bind(c);
}

void runtime_cancel(RuntimeCancel *c)
{
	plugin_cancel_fire(c);
}

bool runtime_cancelled(void)
{
	return plugin_cancel_current_fired();
}
