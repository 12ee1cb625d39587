#include "core/provider.h"

#include <stdlib.h>
#include <string.h>

#include "util/lib.h"

Provider *provider_new(const ProviderOps *ops, const char *key, const char *display_name,
		       const char *description, ProviderSource source, unsigned caps,
		       cJSON *config_schema, const char *origin, void *impl)
{
	Provider *p = calloc(1, sizeof *p);

	if (!p)
		return NULL;
	pthread_mutex_init(&p->schema_mu, NULL);
	p->ops = ops;
	p->source = source;
	p->caps = caps;
	p->impl = impl;
	p->key = strdup(key);
	p->display_name = strdup(display_name ? display_name : key);
	p->description = strdup(description ? description : "");
	p->origin = strdup(origin ? origin : "builtin");
	if (!p->key || !p->display_name || !p->description || !p->origin) {
		p->impl = NULL; /* the caller still owns impl on failure */
		provider_free(p);
		return NULL;
	}
	p->config_schema = config_schema;
	return p;
}

Status provider_schema_validate(Provider *p, const cJSON *config, SchemaIssues *out, Error *err)
{
	Status st;

	pthread_mutex_lock(&p->schema_mu);
	if (!p->schema_compiled && !p->schema_compile_tried) {
		Error ignored;

		/* A schema that does not compile is reported by schema_validate
		 * below, on every call, as before; only success is cached. */
		if (schema_compile(p->config_schema, NULL, &p->schema_compiled, &ignored) != ST_OK)
			p->schema_compile_tried = true;
	}
	if (p->schema_compiled)
		st = schema_validate_compiled(p->schema_compiled, config, out, err);
	else
		st = schema_validate(p->config_schema, config, out, err);
	pthread_mutex_unlock(&p->schema_mu);
	return st;
}

void provider_free(Provider *p)
{
	if (!p)
		return;
	if (p->impl && p->ops && p->ops->free_impl)
		p->ops->free_impl(p);
	free(p->key);
	free(p->display_name);
	free(p->description);
	free(p->origin);
	pthread_mutex_destroy(&p->schema_mu);
	schema_compiled_free(p->schema_compiled);
	cJSON_Delete(p->config_schema);
	free(p);
}

const char *provider_source_name(ProviderSource s)
{
	return s == PROVIDER_PLUGIN ? "plugin" : "builtin";
}

void validate_result_clear(ValidateResult *r)
{
	cJSON_Delete(r->errors);
	cJSON_Delete(r->warnings);
	cJSON_Delete(r->normalized_config);
	memset(r, 0, sizeof *r);
}

void probe_result_clear(ProbeResult *r)
{
	free(r->summary);
	cJSON_Delete(r->details);
	memset(r, 0, sizeof *r);
}

void lease_handle_clear(LeaseHandle *h)
{
	free(h->provider_lease_id);
	cJSON_Delete(h->metadata);
	free(h->expires_at);
	memset(h, 0, sizeof *h);
}

void exec_result_clear(ExecResult *r)
{
	free(r->signal);
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof *r);
}

/* Keys the host adds to lease metadata for its own bookkeeping; the loose
 * config-from-metadata rule strips them. */
static bool provider_is_host_metadata_key(const char *key)
{
	/* resumedLease is set by resume; the others are written by the host
	 * alongside a plugin's own metadata and are not provider config. */
	static const char *const keys[] = {
		"resumedLease", "environmentId", "runId", "heartbeatRunId", "issueId",
		"leaseId", "acquiredAt", "driverKey", "pluginKey",
	};

	if (strncmp(key, "envctl", 6) == 0)
		return true;
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (strcmp(key, keys[i]) == 0)
			return true;
	return false;
}

bool provider_generic_matches(const cJSON *config, const char *provider_lease_id,
			      const cJSON *metadata)
{
	const char *provider = json_get_string(config, "provider");
	const cJSON *item;

	if (!provider_lease_id || !provider_lease_id[0] || !cJSON_IsObject(metadata))
		return false;
	if (!provider || !json_get_string(metadata, "provider") ||
	    strcmp(provider, json_get_string(metadata, "provider")) != 0)
		return false;
	if (!json_is_true(metadata, "reuseLease"))
		return false;
	cJSON_ArrayForEach(item, config) {
		if (strcmp(item->string, "provider") == 0 || strcmp(item->string, "reuseLease") == 0)
			continue;
		if (!json_equal(item, cJSON_GetObjectItemCaseSensitive(metadata, item->string)))
			return false;
	}
	return true;
}

cJSON *provider_generic_config_from_metadata(const cJSON *metadata)
{
	const char *provider = json_get_string(metadata, "provider");
	cJSON *config, *item;

	if (!provider || !provider[0])
		return NULL;
	config = cJSON_CreateObject();
	if (!config)
		return NULL;
	cJSON_ArrayForEach(item, metadata) {
		cJSON *copy;

		if (provider_is_host_metadata_key(item->string) ||
		    strcmp(item->string, "provider") == 0 || strcmp(item->string, "reuseLease") == 0)
			continue;
		copy = cJSON_Duplicate(item, 1);
		if (!copy || !cJSON_AddItemToObject(config, item->string, copy)) {
			cJSON_Delete(copy);
			cJSON_Delete(config);
			return NULL;
		}
	}
	if (!json_set_string(config, "provider", provider) ||
	    !json_set_bool(config, "reuseLease", json_is_true(metadata, "reuseLease"))) {
		cJSON_Delete(config);
		return NULL;
	}
	return config;
}

bool provider_matches_reusable_lease(Provider *p, const cJSON *config,
				     const char *provider_lease_id, const cJSON *metadata)
{
	if (p->ops->matches_reusable_lease)
		return p->ops->matches_reusable_lease(p, config, provider_lease_id, metadata);
	return provider_generic_matches(config, provider_lease_id, metadata);
}

Status provider_capabilities(Provider *p, unsigned *caps, Error *err)
{
	Status st = p->ops->load_capabilities ? p->ops->load_capabilities(p, err) : ST_OK;

	*caps = __atomic_load_n(&p->caps, __ATOMIC_RELAXED);
	return st;
}

cJSON *provider_config_from_lease_metadata(Provider *p, const cJSON *metadata)
{
	if (p->ops->config_from_lease_metadata)
		return p->ops->config_from_lease_metadata(p, metadata);
	return provider_generic_config_from_metadata(metadata);
}
