/* A test-only provider whose configSchema has secret fields at the top,
 * nested in an object and inside array items — what the save flow must
 * handle before plugins exist. Shared by the unit suites and the
 * envctl_testprov helper binary; everything here is static. */
#ifndef ENVCTL_TESTS_TESTPROV_H
#define ENVCTL_TESTS_TESTPROV_H

#include <string.h>

#include "core/registry.h"
#include "util/json.h"

#define TESTPROV_KEY "vault-test"

static const char testprov_schema_text[] =
	"{\"type\":\"object\",\"additionalProperties\":false,"
	"\"required\":[\"apiKey\"],"
	"\"properties\":{"
	"\"endpoint\":{\"type\":\"string\",\"default\":\"https://vault.example.test\"},"
	"\"apiKey\":{\"type\":\"string\",\"format\":\"secret-ref\",\"title\":\"API key\"},"
	"\"port\":{\"type\":\"integer\",\"minimum\":1,\"maximum\":65535,\"default\":8200},"
	"\"reuseLease\":{\"type\":\"boolean\",\"default\":false},"
	"\"bridge\":{\"type\":\"object\",\"properties\":{"
	"  \"authToken\":{\"type\":\"string\",\"format\":\"secret-ref\"},"
	"  \"region\":{\"type\":\"string\"}}},"
	"\"hosts\":{\"type\":\"array\",\"items\":{\"type\":\"object\","
	"  \"required\":[\"name\"],\"properties\":{"
	"  \"name\":{\"type\":\"string\"},"
	"  \"password\":{\"type\":\"string\",\"format\":\"secret-ref\"}}}}"
	"}}";

/* Rejects endpoint "reject" (a provider-side check the schema cannot
 * express) and normalizes endpoint by dropping one trailing slash. */
static Status testprov_validate(Provider *p, const cJSON *config, ValidateResult *out, Error *err)
{
	const char *endpoint = json_get_string(config, "endpoint");

	(void)p;
	(void)err;
	memset(out, 0, sizeof *out);
	if (endpoint && strcmp(endpoint, "reject") == 0) {
		out->errors = cJSON_CreateArray();
		cJSON_AddItemToArray(out->errors, cJSON_CreateString("endpoint \"reject\" is refused"));
		return ST_OK;
	}
	out->ok = true;
	if (endpoint && endpoint[0] && endpoint[strlen(endpoint) - 1] == '/') {
		out->normalized_config = cJSON_Duplicate(config, 1);
		char *trimmed = strdup(endpoint);

		trimmed[strlen(trimmed) - 1] = '\0';
		json_set_string(out->normalized_config, "endpoint", trimmed);
		free(trimmed);
		out->warnings = cJSON_CreateArray();
		cJSON_AddItemToArray(out->warnings, cJSON_CreateString("dropped a trailing slash"));
	}
	return ST_OK;
}

static const ProviderOps testprov_ops = {
	.validate_config = testprov_validate,
};

static Status testprov_register(Registry *r, Error *err)
{
	cJSON *schema = cJSON_Parse(testprov_schema_text);
	Provider *p;

	if (!schema)
		return error_set(err, ST_E_FAIL, "test provider schema does not parse");
	p = provider_new(&testprov_ops, TESTPROV_KEY, "Vault (test)", "Test provider with secrets",
			 PROVIDER_BUILTIN, PROVIDER_CAP_TEST_ONLY, schema, "test", NULL);
	if (!p) {
		cJSON_Delete(schema);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	return registry_add(r, p, err);
}

#endif
