#include "core/private.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin/lib.h"
#include "schema/lib.h"
#include "util/lib.h"

typedef struct PluginProvider {
	PluginHost *host;
	PluginWorker *worker;
	const PluginManifest *manifest;
	const PluginDriver *driver;
} PluginProvider;

static PluginProvider *pp_impl(Provider *p)
{
	return p->impl;
}

/* The config a worker sees: the runtime config (secrets resolved) without
 * the host's `provider` and `streamRunLogs` keys, as Paperclip sends it
 * (DESIGN §6.3). Wiped after the call. */
static cJSON *pp_worker_config(const cJSON *config)
{
	cJSON *copy = config ? cJSON_Duplicate(config, 1) : cJSON_CreateObject();

	if (copy) {
		cJSON_DeleteItemFromObjectCaseSensitive(copy, "provider");
		cJSON_DeleteItemFromObjectCaseSensitive(copy, "streamRunLogs");
	}
	return copy;
}

/* {driverKey, companyId, environmentId, issueId?, config}: the base of every
 * environment call. */
static cJSON *pp_base_params(Provider *p, const cJSON *config, const char *environment_id,
			     const char *issue_id)
{
	cJSON *params = cJSON_CreateObject();
	cJSON *cfg = pp_worker_config(config);

	if (!params || !cfg || !json_set_string(params, "driverKey", p->key) ||
	    !json_set_string(params, "companyId", PROVIDER_PLUGIN_COMPANY_ID) ||
	    !json_set_string(params, "environmentId", environment_id ? environment_id : "") ||
	    (issue_id && !json_set_string(params, "issueId", issue_id)) ||
	    !json_set(params, "config", cfg)) {
		if (!params)
			json_wipe(cfg);
		json_wipe(params);
		return NULL;
	}
	return params;
}

static long pp_lease_timeout(Provider *p, const cJSON *config)
{
	long base = plugin_host_default_timeout(pp_impl(p)->host), t;

	/* DESIGN §6.6: lease calls get the config's timeoutMs on top of the default. */
	if (json_get_int_checked(config, "timeoutMs", 1, 24L * 3600 * 1000 - 1, &t))
		return t + base;
	return base;
}

static unsigned pp_set_cap(unsigned caps, unsigned flag, bool on)
{
	return on ? caps | flag : caps & ~flag;
}

/* Refreshes the capability flags from the worker's supportedMethods once
 * it has answered initialize. Reusable leases also need the manifest not
 * to have declared them off (docker declares false). */
static void pp_refresh_caps(Provider *p)
{
	PluginWorker *w = pp_impl(p)->worker;
	int exec = plugin_worker_supports(w, "environmentExecute");
	int realize = plugin_worker_supports(w, "environmentRealizeWorkspace");
	int resume = plugin_worker_supports(w, "environmentResumeLease");
	unsigned caps = __atomic_load_n(&p->caps, __ATOMIC_RELAXED);

	if (exec < 0)
		return;
	caps = pp_set_cap(caps, PROVIDER_CAP_EXECUTE, exec > 0);
	caps = pp_set_cap(caps, PROVIDER_CAP_REALIZE_WORKSPACE, realize > 0);
	caps = pp_set_cap(caps, PROVIDER_CAP_REUSABLE_LEASES,
			  resume > 0 && pp_impl(p)->driver->reusable_leases != 0);
	__atomic_store_n(&p->caps, caps, __ATOMIC_RELAXED);
}

/* Capabilities before the first call: a worker that has not answered
 * initialize yet is started, so an SDK plugin's supportedMethods (its only
 * declaration of realizeWorkspace) count from the start. */
static Status pp_load_caps(Provider *p, Error *err)
{
	PluginWorker *w = pp_impl(p)->worker;

	if (plugin_worker_supports(w, "environmentExecute") < 0 &&
	    plugin_worker_start(w, err) != ST_OK)
		return err->status;
	pp_refresh_caps(p);
	return ST_OK;
}

/* The plaintexts at the schema's secret fields of the config a call
 * sends, so the worker layer can redact its error text before cutting it.
 * NULL (nothing to redact, or not computable: the core still redacts what
 * it stores) is fine. Free with free() and schema_paths_free(*paths). */
static const char **pp_config_secrets(const Provider *p, const cJSON *cfg, char ***paths)
{
	Error ignored;

	*paths = NULL;
	if (!cJSON_IsObject(cfg) || !p->config_schema ||
	    schema_secret_paths(p->config_schema, cfg, paths, &ignored) != ST_OK)
		return NULL;
	return redact_collect(cfg, *paths);
}

static const char **pp_call_secrets(const Provider *p, const cJSON *params, char ***paths)
{
	return pp_config_secrets(p, cJSON_GetObjectItemCaseSensitive(params, "config"), paths);
}

/* A providerLeaseId is stored and printed as is and handed back to the
 * worker: one that holds a secret value is refused (redacting it would
 * break the lease). */
static Status pp_check_lease_id(Provider *p, const cJSON *config, const char *id,
				Error *err)
{
	char **paths = NULL;
	const char **secrets = pp_config_secrets(p, config, &paths);
	char *copy = secrets ? strdup(id) : NULL;
	bool leaks;

	copy = copy ? redact_string(copy, secrets) : NULL;
	leaks = copy && strcmp(copy, id) != 0;
	free(copy);
	free(secrets);
	schema_paths_free(paths);
	if (leaks)
		return error_set(err, ST_E_PROVIDER,
				 "plugin %s returned a providerLeaseId that holds a secret value; "
				 "the lease was not recorded (report this to the plugin's author)",
				 pp_impl(p)->manifest->id);
	return ST_OK;
}

static Status pp_call(Provider *p, const char *method, cJSON *params, long timeout_ms,
		      cJSON **result, Error *err)
{
	const char **secrets;
	char **paths;
	Status st;

	if (!params)
		return error_set(err, ST_E_NOMEM, "out of memory");
	secrets = pp_call_secrets(p, params, &paths);
	st = plugin_worker_call_redacted(pp_impl(p)->worker, method, params, timeout_ms, secrets,
					 result, err);
	free(secrets);
	schema_paths_free(paths);
	json_wipe(params);
	pp_refresh_caps(p);
	return st;
}

static cJSON *pp_string_array(const cJSON *arr)
{
	cJSON *out;
	const cJSON *item;

	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0)
		return NULL;
	out = cJSON_CreateArray();
	cJSON_ArrayForEach(item, arr) {
		if (cJSON_IsString(item))
			cJSON_AddItemToArray(out, cJSON_CreateString(item->valuestring));
		else if (cJSON_IsObject(item) && json_get_string(item, "message"))
			cJSON_AddItemToArray(out, cJSON_CreateString(json_get_string(item, "message")));
	}
	return out;
}

static Status pp_validate(Provider *p, const cJSON *config, ValidateResult *out, Error *err)
{
	cJSON *params = cJSON_CreateObject(), *result = NULL, *cfg = pp_worker_config(config);
	const cJSON *norm;
	Status st;

	memset(out, 0, sizeof *out);
	if (!params || !cfg || !json_set_string(params, "driverKey", p->key) ||
	    !json_set(params, "config", cfg)) {
		if (!params)
			json_wipe(cfg);
		json_wipe(params);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	if (plugin_worker_supports(pp_impl(p)->worker, "environmentValidateConfig") == 0) {
		/* Nothing to ask: the core already validated against the schema. */
		json_wipe(params);
		out->ok = true;
		return ST_OK;
	}
	st = pp_call(p, "environmentValidateConfig", params, 0, &result, err);
	if (st == ST_E_UNSUPPORTED) {
		error_clear(err);
		out->ok = true;
		return ST_OK;
	}
	if (st != ST_OK)
		return st;
	out->ok = json_is_true(result, "ok");
	out->errors = pp_string_array(cJSON_GetObjectItemCaseSensitive(result, "errors"));
	out->warnings = pp_string_array(cJSON_GetObjectItemCaseSensitive(result, "warnings"));
	norm = cJSON_GetObjectItemCaseSensitive(result, "normalizedConfig");
	if (cJSON_IsObject(norm)) {
		out->normalized_config = cJSON_Duplicate(norm, 1);
		/* The worker never saw `provider`: put the host's key back. */
		if (!out->normalized_config ||
		    !json_set_string(out->normalized_config, "provider", p->key)) {
			json_wipe(result);
			validate_result_clear(out);
			return error_set(err, ST_E_NOMEM, "out of memory");
		}
	}
	if (!out->ok && !out->errors) {
		out->errors = cJSON_CreateArray();
		cJSON_AddItemToArray(out->errors,
				     cJSON_CreateString("the plugin rejected the config without saying why"));
	}
	json_wipe(result);
	return ST_OK;
}

static Status pp_probe(Provider *p, const cJSON *config, const char *environment_id,
		       ProbeResult *out, Error *err)
{
	cJSON *result = NULL, *details;
	const cJSON *summary, *diags, *meta, *d;
	const char *first_error = NULL;
	Status st;

	memset(out, 0, sizeof *out);
	st = pp_call(p, "environmentProbe", pp_base_params(p, config, environment_id, NULL), 0,
		     &result, err);
	if (st != ST_OK)
		return st;
	out->ok = json_is_true(result, "ok");
	summary = cJSON_GetObjectItemCaseSensitive(result, "summary");
	diags = cJSON_GetObjectItemCaseSensitive(result, "diagnostics");
	meta = cJSON_GetObjectItemCaseSensitive(result, "metadata");
	cJSON_ArrayForEach(d, diags) {
		const char *sev = json_get_string(d, "severity");

		if (!first_error && sev && strcmp(sev, "error") == 0)
			first_error = json_get_string(d, "message");
	}
	if (cJSON_IsString(summary) && summary->valuestring[0])
		out->summary = strdup(summary->valuestring);
	else if (!out->ok && first_error)
		out->summary = strdup(first_error);
	else
		out->summary = strdup(out->ok ? "Probe succeeded." : "Probe failed.");
	details = cJSON_CreateObject();
	if (details && cJSON_IsArray(diags))
		cJSON_AddItemToObject(details, "diagnostics", cJSON_Duplicate(diags, 1));
	if (details && cJSON_IsObject(meta))
		cJSON_AddItemToObject(details, "metadata", cJSON_Duplicate(meta, 1));
	out->details = details;
	cJSON_Delete(result);
	if (!out->summary || !out->details) {
		probe_result_clear(out);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	return ST_OK;
}

/* Maps a PluginEnvironmentLease to a LeaseHandle. The metadata gets the
 * host's provider key (the worker never sees it) and, when the worker did
 * not say, the config's reuseLease, so the generic reuse rule can work. */
static Status pp_lease_result(Provider *p, const cJSON *config, const cJSON *result,
			      LeaseHandle *out, bool resumed, Error *err)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(result, "providerLeaseId");
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(result, "metadata");
	const cJSON *expires = cJSON_GetObjectItemCaseSensitive(result, "expiresAt");

	memset(out, 0, sizeof *out);
	if (!cJSON_IsObject(result) || (id && !cJSON_IsString(id) && !cJSON_IsNull(id)))
		return error_set(err, ST_E_PROVIDER,
				 "plugin %s: the lease answer has no valid providerLeaseId",
				 pp_impl(p)->manifest->id);
	if (!cJSON_IsString(id))
		return ST_OK; /* null: the provider has no such lease (resume) */
	if (pp_check_lease_id(p, config, id->valuestring, err) != ST_OK)
		return err->status;
	out->provider_lease_id = strdup(id->valuestring);
	out->metadata = cJSON_IsObject(meta) ? cJSON_Duplicate(meta, 1) : cJSON_CreateObject();
	if (cJSON_IsString(expires))
		out->expires_at = strdup(expires->valuestring);
	if (!out->provider_lease_id || !out->metadata ||
	    (cJSON_IsString(expires) && !out->expires_at) ||
	    !json_set_string(out->metadata, "provider", p->key) ||
	    (!cJSON_GetObjectItemCaseSensitive(out->metadata, "reuseLease") &&
	     !json_set_bool(out->metadata, "reuseLease", json_is_true(config, "reuseLease"))) ||
	    (resumed && !json_set_bool(out->metadata, "resumedLease", true))) {
		lease_handle_clear(out);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	return ST_OK;
}

static Status pp_acquire(Provider *p, const AcquireInput *in, LeaseHandle *out, Error *err)
{
	cJSON *params = pp_base_params(p, in->config, in->environment_id, in->issue_id);
	cJSON *result = NULL;
	char run[64];
	Status st;

	memset(out, 0, sizeof *out);
	if (!in->run_id) {
		/* An operator's test lease has no run; the protocol wants one. */
		char uuid[UUID_STR_LEN];

		id_new(uuid);
		snprintf(run, sizeof run, "operator-%s", uuid);
	}
	/* envctlLeaseId is ours, beyond Paperclip's params: a worker that names
	 * its sandbox after it can destroy it after a crash cut the acquire
	 * short (leaseMetadata.envctlLeaseId, providerLeaseId null). */
	if (params && (!json_set_string(params, "runId", in->run_id ? in->run_id : run) ||
		       (in->lease_id && !json_set_string(params, "envctlLeaseId", in->lease_id)))) {
		json_wipe(params);
		params = NULL;
	}
	st = pp_call(p, "environmentAcquireLease", params, pp_lease_timeout(p, in->config), &result,
		     err);
	if (st != ST_OK)
		return st;
	st = pp_lease_result(p, in->config, result, out, false, err);
	cJSON_Delete(result);
	if (st == ST_OK && !out->provider_lease_id)
		return error_set(err, ST_E_PROVIDER,
				 "plugin %s: environmentAcquireLease returned no providerLeaseId",
				 pp_impl(p)->manifest->id);
	return st;
}

/* resume, release, destroy: providerLeaseId, leaseMetadata and issueId,
 * as Paperclip's host sends them. */
static cJSON *pp_lease_params(Provider *p, const LeaseInput *in)
{
	cJSON *params = pp_base_params(p, in->config, in->environment_id, in->issue_id);

	if (!params)
		return NULL;
	if (!json_set(params, "providerLeaseId", in->provider_lease_id
							 ? cJSON_CreateString(in->provider_lease_id)
							 : cJSON_CreateNull()) ||
	    (in->lease_metadata &&
	     !json_set(params, "leaseMetadata", cJSON_Duplicate(in->lease_metadata, 1)))) {
		json_wipe(params);
		return NULL;
	}
	return params;
}

static Status pp_resume(Provider *p, const LeaseInput *in, LeaseHandle *out, Error *err)
{
	cJSON *result = NULL;
	Status st;

	memset(out, 0, sizeof *out);
	/* Cannot resume is not "the sandbox is gone" (#20): ST_E_UNSUPPORTED,
	 * on which acquire takes a fresh lease and `lease resume` refuses. */
	if (plugin_worker_supports(pp_impl(p)->worker, "environmentResumeLease") == 0)
		return error_set(err, ST_E_UNSUPPORTED,
				 "provider %s (plugin %s) does not implement environmentResumeLease",
				 p->key, pp_impl(p)->manifest->id);
	st = pp_call(p, "environmentResumeLease", pp_lease_params(p, in),
		     pp_lease_timeout(p, in->config), &result, err);
	if (st == ST_E_UNSUPPORTED)
		return error_set(err, ST_E_UNSUPPORTED,
				 "provider %s (plugin %s) does not implement environmentResumeLease",
				 p->key, pp_impl(p)->manifest->id);
	if (st != ST_OK)
		return st;
	st = pp_lease_result(p, in->config, result, out, true, err);
	cJSON_Delete(result);
	return st;
}

/* A worker without the method (not in supportedMethods, or -32601) is
 * ST_E_UNSUPPORTED: nothing was cleaned up, and the core says so rather
 * than record a cleanup that never happened (#20). */
static Status pp_end_lease(Provider *p, const char *method, const LeaseInput *in, Error *err)
{
	cJSON *result = NULL;
	Status st;

	if (plugin_worker_supports(pp_impl(p)->worker, method) == 0)
		return error_set(err, ST_E_UNSUPPORTED, "provider %s (plugin %s) does not implement %s",
				 p->key, pp_impl(p)->manifest->id, method);
	st = pp_call(p, method, pp_lease_params(p, in), pp_lease_timeout(p, in->config), &result,
		     err);
	cJSON_Delete(result);
	if (st == ST_E_UNSUPPORTED)
		return error_set(err, ST_E_UNSUPPORTED, "provider %s (plugin %s) does not implement %s",
				 p->key, pp_impl(p)->manifest->id, method);
	return st;
}

static Status pp_release(Provider *p, const LeaseInput *in, Error *err)
{
	return pp_end_lease(p, "environmentReleaseLease", in, err);
}

static Status pp_destroy(Provider *p, const LeaseInput *in, Error *err)
{
	return pp_end_lease(p, "environmentDestroyLease", in, err);
}

/* {providerLeaseId, metadata, expiresAt}: the lease execute and realize get. */
static cJSON *pp_lease_object(const char *provider_lease_id, const cJSON *metadata,
			      const char *expires_at)
{
	cJSON *lease = cJSON_CreateObject();

	if (!lease ||
	    !json_set(lease, "providerLeaseId", provider_lease_id
							? cJSON_CreateString(provider_lease_id)
							: cJSON_CreateNull()) ||
	    !json_set(lease, "metadata",
		      metadata ? cJSON_Duplicate(metadata, 1) : cJSON_CreateObject()) ||
	    !json_set(lease, "expiresAt",
		      expires_at ? cJSON_CreateString(expires_at) : cJSON_CreateNull())) {
		cJSON_Delete(lease);
		return NULL;
	}
	return lease;
}

static Status pp_realize(Provider *p, const LeaseInput *in, const cJSON *workspace, cJSON **out,
			 Error *err)
{
	cJSON *params = pp_base_params(p, in->config, in->environment_id, in->issue_id);
	cJSON *result = NULL;
	Status st;

	*out = NULL;
	if (params &&
	    (!json_set(params, "lease", pp_lease_object(in->provider_lease_id, in->lease_metadata,
						       in->expires_at)) ||
	     !json_set(params, "workspace",
		       workspace ? cJSON_Duplicate(workspace, 1) : cJSON_CreateObject()))) {
		json_wipe(params);
		params = NULL;
	}
	st = pp_call(p, "environmentRealizeWorkspace", params, pp_lease_timeout(p, in->config),
		     &result, err);
	if (st != ST_OK)
		return st;
	if (!json_get_string(result, "cwd")) {
		cJSON_Delete(result);
		return error_set(err, ST_E_PROVIDER,
				 "plugin %s: environmentRealizeWorkspace returned no cwd",
				 pp_impl(p)->manifest->id);
	}
	*out = result;
	return ST_OK;
}

static Status pp_execute(Provider *p, const ExecInput *in, ExecResult *out, Error *err)
{
	cJSON *params = pp_base_params(p, in->config, in->environment_id, in->issue_id);
	cJSON *result = NULL, *args = NULL;
	const cJSON *code, *sig;
	long timeout;
	Status st;

	memset(out, 0, sizeof *out);
	if (!(p->caps & PROVIDER_CAP_EXECUTE) ||
	    plugin_worker_supports(pp_impl(p)->worker, "environmentExecute") == 0) {
		json_wipe(params);
		return error_set(err, ST_E_UNSUPPORTED, "provider %s (plugin %s) cannot execute commands",
				 p->key, pp_impl(p)->manifest->id);
	}
	if (params) {
		args = cJSON_CreateArray();
		for (size_t i = 0; args && in->args && in->args[i]; i++)
			cJSON_AddItemToArray(args, cJSON_CreateString(in->args[i]));
		if (!args ||
		    !json_set(params, "lease",
			      pp_lease_object(in->provider_lease_id, in->lease_metadata,
					      in->expires_at)) ||
		    !json_set_string(params, "command", in->command ? in->command : "") ||
		    !json_set(params, "args", args) ||
		    (in->env && !json_set(params, "env", cJSON_Duplicate(in->env, 1))) ||
		    (in->cwd && !json_set_string(params, "cwd", in->cwd)) ||
		    (in->stdin_data && !json_set_string(params, "stdin", in->stdin_data)) ||
		    (in->timeout_ms > 0 &&
		     !json_set(params, "timeoutMs", cJSON_CreateNumber((double)in->timeout_ms)))) {
			json_wipe(params);
			params = NULL;
		}
	}
	/* The command's own timeout plus the default, so the worker can report
	 * timedOut itself before the host gives up on it. */
	timeout = in->timeout_ms > 0 ? in->timeout_ms + plugin_host_default_timeout(pp_impl(p)->host)
				     : pp_lease_timeout(p, in->config);
	st = pp_call(p, "environmentExecute", params, timeout, &result, err);
	if (st != ST_OK)
		return st;
	code = cJSON_GetObjectItemCaseSensitive(result, "exitCode");
	sig = cJSON_GetObjectItemCaseSensitive(result, "signal");
	{
		long c;

		/* An exit code that is no int (1e10, 2.5) is as unknown as a missing one. */
		out->exit_code = json_number_to_long(code, INT_MIN, INT_MAX, &c) ? (int)c : -1;
	}
	out->signal = cJSON_IsString(sig) && sig->valuestring[0] ? strdup(sig->valuestring) : NULL;
	out->timed_out = json_is_true(result, "timedOut");
	out->out = strdup(json_get_string(result, "stdout") ? json_get_string(result, "stdout") : "");
	out->err = strdup(json_get_string(result, "stderr") ? json_get_string(result, "stderr") : "");
	cJSON_Delete(result);
	if (!out->out || !out->err) {
		exec_result_clear(out);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	return ST_OK;
}

static Status pp_shell(Provider *p, const ExecInput *in, int tty, const char *term, pid_t *pid,
		       Error *err)
{
	cJSON *params = pp_base_params(p, in->config, in->environment_id, in->issue_id);
	Status st;

	*pid = -1;
	if (!(p->caps & PROVIDER_CAP_SHELL)) {
		json_wipe(params);
		return error_set(err, ST_E_UNSUPPORTED,
				 "provider %s (plugin %s) has no interactive shell",
				 p->key, pp_impl(p)->manifest->id);
	}
	if (!params ||
	    !json_set(params, "lease",
		      pp_lease_object(in->provider_lease_id, in->lease_metadata, in->expires_at)) ||
	    (in->env && !json_set(params, "env", cJSON_Duplicate(in->env, 1))) ||
	    (in->cwd && !json_set_string(params, "cwd", in->cwd))) {
		json_wipe(params);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	st = plugin_worker_shell(pp_impl(p)->worker, params, tty, term, pid, err);
	json_wipe(params);
	return st;
}

static char *pp_describe(Provider *p)
{
	return plugin_worker_describe(pp_impl(p)->worker);
}

static void pp_free(Provider *p)
{
	free(p->impl);
	p->impl = NULL;
}

static const ProviderOps plugin_provider_ops = {
	.validate_config = pp_validate,
	.probe = pp_probe,
	.acquire_lease = pp_acquire,
	.resume_lease = pp_resume,
	.release_lease = pp_release,
	.destroy_lease = pp_destroy,
	.matches_reusable_lease = NULL,
	.config_from_lease_metadata = NULL,
	.realize_workspace = pp_realize,
	.execute = pp_execute,
	.shell = pp_shell,
	.load_capabilities = pp_load_caps,
	.describe_status = pp_describe,
	.free_impl = pp_free,
};

Provider *provider_plugin_new(PluginHost *host, PluginWorker *w, const PluginManifest *m,
			      const PluginDriver *d)
{
	PluginProvider *impl = calloc(1, sizeof *impl);
	cJSON *schema = d->config_schema ? cJSON_Duplicate(d->config_schema, 1) : NULL;
	unsigned caps = 0;
	Provider *p;

	if (!impl || !schema) {
		free(impl);
		cJSON_Delete(schema);
		return NULL;
	}
	impl->host = host;
	impl->worker = w;
	impl->manifest = m;
	impl->driver = d;
	if (d->caps & PLUGIN_DRIVER_EXECUTE)
		caps |= PROVIDER_CAP_EXECUTE;
	if (d->caps & PLUGIN_DRIVER_REALIZE_WORKSPACE)
		caps |= PROVIDER_CAP_REALIZE_WORKSPACE;
	if (d->caps & PLUGIN_DRIVER_SHELL)
		caps |= PROVIDER_CAP_SHELL;
	/* Until initialize says whether resume exists, only a declared false
	 * rules reuse out (see pp_refresh_caps). */
	if (d->reusable_leases != 0)
		caps |= PROVIDER_CAP_REUSABLE_LEASES;
	p = provider_new(&plugin_provider_ops, d->driver_key, d->display_name, d->description,
			 PROVIDER_PLUGIN, caps, schema, m->dir, impl);
	if (!p) {
		free(impl);
		cJSON_Delete(schema);
	}
	return p;
}

PluginWorker *provider_plugin_worker(const Provider *p)
{
	return p && p->ops == &plugin_provider_ops && p->impl ? ((PluginProvider *)p->impl)->worker
							      : NULL;
}

/* The usable manifests, other than m, that also declare a sandbox
 * provider with this key. */
static size_t pp_claims(const PluginCatalog *c, const char *key, const PluginManifest **first)
{
	size_t n = 0;

	for (size_t i = 0; i < c->count; i++) {
		const PluginDriver *d = plugin_manifest_driver(c->items[i], key);

		if (!plugin_manifest_ok(c->items[i]) || !d || !d->kind ||
		    strcmp(d->kind, PLUGIN_KIND_SANDBOX) != 0)
			continue;
		if (n++ == 0 && first)
			*first = c->items[i];
	}
	return n;
}

Status provider_plugins_register(Registry *r, const PluginCatalog *c, PluginHost *host,
				 Error *err)
{
	for (size_t i = 0; i < c->count; i++) {
		const PluginManifest *m = c->items[i];
		PluginWorker *w;

		if (!plugin_manifest_ok(m)) {
			char *text = plugin_manifest_errors_text(m);

			registry_add_problem(r, "plugin %s in %s is not loaded: %s",
					     m->id ? m->id : "(no id)", m->dir, text ? text : "");
			free(text);
			continue;
		}
		w = plugin_host_add(host, m);
		if (!w)
			return error_set(err, ST_E_NOMEM, "out of memory");
		for (size_t k = 0; k < m->driver_count; k++) {
			const PluginDriver *d = &m->drivers[k];
			const PluginManifest *first = NULL;
			Provider *p, *taken;
			Error add_err;

			if (!d->kind || strcmp(d->kind, PLUGIN_KIND_SANDBOX) != 0)
				continue;
			if (pp_claims(c, d->driver_key, &first) > 1) {
				/* Report once, from the first claimant; use neither. */
				if (first == m) {
					Buf dirs = BUF_INIT;

					for (size_t j = 0; j < c->count; j++)
						if (plugin_manifest_ok(c->items[j]) &&
						    plugin_manifest_driver(c->items[j], d->driver_key))
							buf_printf(&dirs, "%s%s", dirs.len ? " and " : "",
								   c->items[j]->dir);
					registry_add_problem(r,
							     "provider key \"%s\" is claimed by the plugins "
							     "in %s; neither is used until one is removed "
							     "or renamed",
							     d->driver_key, dirs.data ? dirs.data : "?");
					buf_clear(&dirs);
				}
				continue;
			}
			taken = registry_find(r, d->driver_key);
			if (taken) {
				registry_add_problem(r,
						     "plugin %s in %s declares provider key \"%s\", which "
						     "is already registered by %s; it is not used",
						     m->id, m->dir, d->driver_key, taken->origin);
				continue;
			}
			p = provider_plugin_new(host, w, m, d);
			if (!p)
				return error_set(err, ST_E_NOMEM, "out of memory");
			error_clear(&add_err);
			if (registry_add(r, p, &add_err) != ST_OK)
				registry_add_problem(r, "%s", add_err.msg);
		}
	}
	return ST_OK;
}
