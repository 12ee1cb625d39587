#include "core/runtime.h"

#include <stdlib.h>
#include <string.h>

#include "core/environment.h"
#include "core/private.h"
#include "plugin/lib.h"
#include "schema/lib.h"
#include "util/lib.h"

static Status env_runtime_finish(App *app, const char *provider_key, EnvRuntime *out, Error *err)
{
	if (env_secret_paths(app, provider_key, out->config, &out->secret_paths, err) != ST_OK)
		goto fail;
	out->secrets = redact_collect(out->config, out->secret_paths);
	if (!out->secrets) {
		error_set(err, ST_E_NOMEM, "out of memory");
		goto fail;
	}
	return ST_OK;
fail:
	env_runtime_clear(out);
	return err->status;
}

Status env_runtime_resolve(App *app, const StoreEnv *env, const char *consumer,
			   const char *lease_id, const char *run_id, EnvRuntime *out, Error *err)
{
	EnvResolveCtx ctx = { consumer, lease_id, run_id };

	memset(out, 0, sizeof *out);
	if (env_resolve_runtime_config(app, env, &ctx, &out->config, err) != ST_OK)
		return err->status;
	return env_runtime_finish(app, env->provider, out, err);
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
	free(rt->secrets);
	schema_paths_free(rt->secret_paths);
	env_config_wipe(rt->config);
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
