/* The built-in fake provider, exactly as upstream defines it
 * (DESIGN §1; what envctl lets it do that Paperclip does not: §7). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/registry.h"
#include "util/lib.h"

#define FAKE_KEY "fake"
#define FAKE_DEFAULT_IMAGE "ubuntu:24.04"

static const char *fake_image(const cJSON *config)
{
	const char *image = json_get_string(config, "image");

	return image ? image : FAKE_DEFAULT_IMAGE;
}

static Status fake_check_config(const cJSON *config, Error *err)
{
	const char *provider = json_get_string(config, "provider");

	if (!provider || strcmp(provider, FAKE_KEY) != 0)
		return error_set(err, ST_E_INVALID,
				 "Sandbox provider \"fake\" received config for provider \"%s\".",
				 provider ? provider : "");
	return ST_OK;
}

static cJSON *fake_metadata(const cJSON *config, bool resumed)
{
	cJSON *m = cJSON_CreateObject();

	if (!m || !json_set_string(m, "provider", FAKE_KEY) ||
	    !json_set_string(m, "image", fake_image(config)) ||
	    !json_set_bool(m, "reuseLease", json_is_true(config, "reuseLease")) ||
	    (resumed && !json_set_bool(m, "resumedLease", true))) {
		cJSON_Delete(m);
		return NULL;
	}
	return m;
}

static Status fake_validate(Provider *p, const cJSON *config, ValidateResult *out, Error *err)
{
	(void)p;
	memset(out, 0, sizeof *out);
	if (fake_check_config(config, err) != ST_OK)
		return err->status;
	/* As upstream's built-in: the normalized config carries the defaults,
	 * so what is stored is what the provider runs with. */
	out->normalized_config = cJSON_CreateObject();
	if (!out->normalized_config ||
	    !json_set_string(out->normalized_config, "provider", FAKE_KEY) ||
	    !json_set_string(out->normalized_config, "image", fake_image(config)) ||
	    !json_set_bool(out->normalized_config, "reuseLease", json_is_true(config, "reuseLease"))) {
		cJSON_Delete(out->normalized_config);
		out->normalized_config = NULL;
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	out->ok = true;
	return ST_OK;
}

static Status fake_probe(Provider *p, const cJSON *config, const char *environment_id,
			 ProbeResult *out, Error *err)
{
	Buf summary = BUF_INIT;

	(void)p;
	memset(out, 0, sizeof *out);
	if (fake_check_config(config, err) != ST_OK)
		return err->status;
	/* Once per environment of a probe --all: one allocation, no printf. */
	if (!buf_reserve(&summary, strlen(fake_image(config)) + 48) ||
	    !buf_puts(&summary, "Fake sandbox provider is ready for image ") ||
	    !buf_puts(&summary, fake_image(config)) || !buf_putc(&summary, '.') ||
	    !(out->details = fake_metadata(config, false))) {
		buf_clear(&summary);
		probe_result_clear(out);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	out->summary = buf_take(&summary);
	out->ok = true;
	return ST_OK;
}

static Status fake_acquire(Provider *p, const AcquireInput *in, LeaseHandle *out, Error *err)
{
	char uuid[UUID_STR_LEN];
	char id[512];

	(void)p;
	memset(out, 0, sizeof *out);
	if (fake_check_config(in->config, err) != ST_OK)
		return err->status;
	if (json_is_true(in->config, "reuseLease")) {
		snprintf(id, sizeof id, "sandbox://fake/%s", in->environment_id);
	} else {
		id_new(uuid);
		/* An operator's test lease has no run; upstream always has one. */
		snprintf(id, sizeof id, "sandbox://fake/%s/%s", in->run_id ? in->run_id : "operator",
			 uuid);
	}
	out->provider_lease_id = strdup(id);
	out->metadata = fake_metadata(in->config, false);
	if (!out->provider_lease_id || !out->metadata) {
		lease_handle_clear(out);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	return ST_OK;
}

static Status fake_resume(Provider *p, const LeaseInput *in, LeaseHandle *out, Error *err)
{
	(void)p;
	memset(out, 0, sizeof *out);
	if (fake_check_config(in->config, err) != ST_OK)
		return err->status;
	out->provider_lease_id = strdup(in->provider_lease_id ? in->provider_lease_id : "");
	out->metadata = fake_metadata(in->config, true);
	if (!out->provider_lease_id || !out->metadata) {
		lease_handle_clear(out);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	return ST_OK;
}

static Status fake_noop(Provider *p, const LeaseInput *in, Error *err)
{
	(void)p;
	(void)in;
	(void)err;
	return ST_OK;
}

static bool fake_matches(Provider *p, const cJSON *config, const char *provider_lease_id,
			 const cJSON *metadata)
{
	const char *image = json_get_string(metadata, "image");
	const char *mprov = json_get_string(metadata, "provider");
	const char *cprov = json_get_string(config, "provider");

	(void)p;
	return provider_lease_id && provider_lease_id[0] && mprov && cprov &&
	       strcmp(mprov, cprov) == 0 && json_is_true(metadata, "reuseLease") && image &&
	       strcmp(image, fake_image(config)) == 0;
}

static cJSON *fake_config_from_metadata(Provider *p, const cJSON *metadata)
{
	const char *provider = json_get_string(metadata, "provider");
	const char *image = json_get_string(metadata, "image");
	cJSON *config;

	(void)p;
	if (!provider || strcmp(provider, FAKE_KEY) != 0 || !image)
		return NULL;
	config = cJSON_CreateObject();
	if (!config || !json_set_string(config, "provider", FAKE_KEY) ||
	    !json_set_string(config, "image", image) ||
	    !json_set_bool(config, "reuseLease", json_is_true(metadata, "reuseLease"))) {
		cJSON_Delete(config);
		return NULL;
	}
	return config;
}

static char *fake_describe(Provider *p)
{
	(void)p;
	return strdup("ready (built in, test only)");
}

static const ProviderOps fake_ops = {
	.validate_config = fake_validate,
	.probe = fake_probe,
	.acquire_lease = fake_acquire,
	.resume_lease = fake_resume,
	.release_lease = fake_noop,
	.destroy_lease = fake_noop,
	.matches_reusable_lease = fake_matches,
	.config_from_lease_metadata = fake_config_from_metadata,
	.describe_status = fake_describe,
	.probe_inline = true,
};

Provider *provider_fake_new(cJSON *schema)
{
	Provider *p = provider_new(&fake_ops, FAKE_KEY, "Fake sandbox (test only)",
				   "Built-in provider for probes, demos and tests; it cannot execute.",
				   PROVIDER_BUILTIN, PROVIDER_CAP_TEST_ONLY | PROVIDER_CAP_REUSABLE_LEASES,
				   schema, "builtin", NULL);

	if (!p)
		cJSON_Delete(schema);
	return p;
}
