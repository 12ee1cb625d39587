/* #19: the operator's config is checked against the provider's schema,
 * every violation at once and with field labels, before the provider is
 * asked anything; #11: empty optional fields and nulls are absent, no
 * default is filled in, and a value the provider replaces is reported. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/environment.h"
#include "core/registry.h"
#include "storeutil.h"
#include "testutil.h"
#include "util/ids.h"
#include "util/json.h"
#include "util/jsonptr.h"

#define INPUT_KEY "input-test"

/* The kubernetes shape: a required field, an enum, typed fields, a default,
 * and an anyOf whose branches require one of two fields. */
static const char input_schema[] =
	"{\"type\":\"object\",\"required\":[\"name\"],"
	"\"properties\":{"
	"\"name\":{\"type\":\"string\",\"title\":\"Name\"},"
	"\"image\":{\"type\":\"string\",\"title\":\"Image\",\"default\":\"img:1\"},"
	"\"port\":{\"type\":\"integer\",\"title\":\"Port\",\"maximum\":65535},"
	"\"mode\":{\"type\":\"string\",\"title\":\"Mode\",\"enum\":[\"a\",\"b\"]},"
	"\"note\":{\"type\":\"string\"},"
	"\"inCluster\":{\"type\":\"boolean\",\"title\":\"In cluster\"},"
	"\"kubeconfig\":{\"type\":\"string\",\"format\":\"secret-ref\",\"title\":\"Kubeconfig\"}},"
	"\"anyOf\":[{\"properties\":{\"inCluster\":{\"const\":true}},\"required\":[\"inCluster\"]},"
	"{\"required\":[\"kubeconfig\"]}]}";

static App app;
static char *dir;
static Error err;
static int validate_calls; /* per test: CK_FORK gives each its own */

/* Upper-cases "name" (a replacement the operator must hear about), returns
 * "note" as null (absent) and adds a default of its own. */
static Status input_validate(Provider *p, const cJSON *config, ValidateResult *out, Error *e)
{
	const char *name = json_get_string(config, "name");

	(void)p;
	(void)e;
	validate_calls++;
	memset(out, 0, sizeof *out);
	out->ok = true;
	out->normalized_config = cJSON_Duplicate(config, 1);
	if (name && strcmp(name, "shout") == 0)
		json_set_string(out->normalized_config, "name", "SHOUT");
	cJSON_DeleteItemFromObject(out->normalized_config, "note");
	cJSON_AddNullToObject(out->normalized_config, "note");
	cJSON_AddNullToObject(out->normalized_config, "port");
	if (!cJSON_GetObjectItem(out->normalized_config, "mode"))
		json_set_string(out->normalized_config, "mode", "a");
	return ST_OK;
}

static const ProviderOps input_ops = { .validate_config = input_validate };

static void setup(void)
{
	cJSON *schema = cJSON_Parse(input_schema);
	Provider *p;

	dir = tu_store_dir();
	memset(&app, 0, sizeof app);
	error_clear(&err);
	validate_calls = 0;
	ck_assert_ptr_nonnull(schema);
	ck_assert_int_eq(registry_init(&app.registry, tu_forms_dir(), &err), ST_OK);
	p = provider_new(&input_ops, INPUT_KEY, "Input (test)", "operator input checks",
			 PROVIDER_BUILTIN, PROVIDER_CAP_TEST_ONLY, schema, "test", NULL);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(registry_add(&app.registry, p, &err), ST_OK);
	app.db_path = tu_path(dir, "envctl.db");
	ck_assert_int_eq(app_set_actor(&app, "test", &err), ST_OK);
}

static void teardown(void)
{
	app_clear(&app);
	free(dir);
}

static Status save(const char *config_json, StoreEnv *out, EnvSaveReport *rep)
{
	EnvSaveInput in = { .name = "env", .provider = INPUT_KEY };
	cJSON *config = tu_json(config_json);
	Status st;

	in.config = config;
	error_clear(&err);
	st = env_save(&app, &in, out, rep, &err);
	cJSON_Delete(config);
	return st;
}

static const struct {
	const char *what;
	const char *config;
	const char *expect[4]; /* each must be in the message */
} bad_inputs[] = {
	{ "wrong type (string)", "{\"name\":\"n\",\"inCluster\":true,\"image\":123}",
	  { "Image (/image): must be a string" } },
	{ "wrong type (integer)", "{\"name\":\"n\",\"inCluster\":true,\"port\":\"80\"}",
	  { "Port (/port): must be an integer" } },
	{ "bound", "{\"name\":\"n\",\"inCluster\":true,\"port\":70000}",
	  { "Port (/port): must be at most 65535" } },
	{ "enum", "{\"name\":\"n\",\"inCluster\":true,\"mode\":\"c\"}",
	  { "Mode (/mode): must be one of a, b" } },
	{ "missing required", "{\"inCluster\":true}", { "Name (/name): required" } },
	{ "anyOf, no branch satisfied", "{\"name\":\"n\"}",
	  { "config: must match",
	    "(choose In cluster: inCluster = true, or Kubeconfig: kubeconfig)" } },
	/* the closest branch's message */
	{ "anyOf, the const branch's value is wrong", "{\"name\":\"n\",\"inCluster\":false}",
	  { "Kubeconfig (/kubeconfig): required" } },
	{ "every violation at once", "{\"image\":123,\"mode\":\"c\",\"port\":true}",
	  { "Image (/image): must be a string", "Mode (/mode): must be one of a, b",
	    "Port (/port): must be an integer", "Name (/name): required" } },
};

START_TEST(test_bad_input_reported_before_the_provider)
{
	StoreEnv e;
	Status st = save(bad_inputs[_i].config, &e, NULL);

	ck_assert_msg(st == ST_E_INVALID, "%s: saved (%d) %s", bad_inputs[_i].what, st, err.msg);
	for (size_t k = 0; k < 4 && bad_inputs[_i].expect[k]; k++)
		ck_assert_msg(strstr(err.msg, bad_inputs[_i].expect[k]) != NULL,
			      "%s: \"%s\" not in: %s", bad_inputs[_i].what, bad_inputs[_i].expect[k],
			      err.msg);
	ck_assert_msg(strstr(err.msg, "config for provider " INPUT_KEY " is invalid") != NULL, "%s",
		      err.msg);
	ck_assert_msg(validate_calls == 0, "%s: the provider was asked first", bad_inputs[_i].what);
}
END_TEST

START_TEST(test_empty_is_absent_and_no_default_filled)
{
	StoreEnv e;
	EnvSaveReport rep;

	ck_assert_msg(save("{\"name\":\"n\",\"inCluster\":true,\"note\":\"\",\"port\":null,"
			   "\"kubeconfig\":\"\"}",
			   &e, &rep) == ST_OK,
		      "%s", err.msg);
	ck_assert_int_eq(validate_calls, 1);
	/* "" and null are absent, in and out of the provider; "image" keeps no
	 * default; "mode" is stored because the provider returned it */
	ck_assert_ptr_null(cJSON_GetObjectItem(e.config, "note"));
	ck_assert_ptr_null(cJSON_GetObjectItem(e.config, "port"));
	ck_assert_ptr_null(cJSON_GetObjectItem(e.config, "kubeconfig"));
	ck_assert_ptr_null(cJSON_GetObjectItem(e.config, "image"));
	ck_assert_str_eq(json_get_string(e.config, "mode"), "a");
	ck_assert_ptr_null(rep.warnings); /* nothing the operator gave was changed */
	env_save_report_clear(&rep);
	store_env_clear(&e);
}
END_TEST

START_TEST(test_replaced_value_is_reported)
{
	StoreEnv e;
	EnvSaveReport rep;
	const cJSON *w;
	bool seen_name = false, seen_note = false;

	ck_assert_msg(save("{\"name\":\"shout\",\"inCluster\":true,\"note\":\"keep me\"}", &e,
			   &rep) == ST_OK,
		      "%s", err.msg);
	ck_assert_str_eq(json_get_string(e.config, "name"), "SHOUT");
	ck_assert_ptr_null(cJSON_GetObjectItem(e.config, "note"));
	cJSON_ArrayForEach(w, rep.warnings) {
		seen_name |= strstr(w->valuestring, "Name (/name): provider " INPUT_KEY
						    " replaced the value you gave (\"shout\") with "
						    "\"SHOUT\"") != NULL;
		seen_note |= strstr(w->valuestring, "Note (/note): provider " INPUT_KEY
						    " dropped the value you gave (\"keep me\")") != NULL;
	}
	ck_assert_msg(seen_name && seen_note, "warnings: %s",
		      rep.warnings ? cJSON_PrintUnformatted(rep.warnings) : "none");
	env_save_report_clear(&rep);
	store_env_clear(&e);
}
END_TEST

START_TEST(test_unknown_secret_reference_refused)
{
	StoreEnv e;

	ck_assert_int_eq(save("{\"name\":\"n\",\"kubeconfig\":{\"type\":\"secret_ref\","
			      "\"secretId\":\"11111111-2222-4333-8444-555555555555\"}}",
			      &e, NULL),
			 ST_E_INVALID);
	ck_assert_msg(strstr(err.msg, "Kubeconfig (/kubeconfig) refers to secret "
				      "11111111-2222-4333-8444-555555555555, which does not exist") !=
			      NULL,
		      "%s", err.msg);
	/* a bare UUID is not turned into a new secret holding that text either,
	 * and (it might be the value) is not repeated */
	ck_assert_int_eq(save("{\"name\":\"n\",\"kubeconfig\":"
			      "\"11111111-2222-4333-8444-555555555555\"}",
			      &e, NULL),
			 ST_E_INVALID);
	ck_assert_msg(strstr(err.msg, "Kubeconfig (/kubeconfig) holds a secret id that names no "
				      "secret") != NULL,
		      "%s", err.msg);
	ck_assert_ptr_null(strstr(err.msg, "11111111"));
	ck_assert_int_eq(validate_calls, 0);
}
END_TEST

START_TEST(test_paperclip_secret_ref_accepted)
{
	StoreEnv e, e2;
	char cfg[512];
	const char *id;

	ck_assert_msg(save("{\"name\":\"n\",\"kubeconfig\":\"apiVersion: v1\\nkind: Config\\n\"}",
			   &e, NULL) == ST_OK,
		      "%s", err.msg);
	id = json_get_string(e.config, "kubeconfig");
	ck_assert(id && id_is_uuid(id));
	snprintf(cfg, sizeof cfg,
		 "{\"name\":\"n\",\"kubeconfig\":{\"type\":\"secret_ref\",\"secretId\":\"%s\","
		 "\"version\":\"latest\"}}",
		 id);
	{
		EnvSaveInput in = { .name = "other", .provider = INPUT_KEY };
		cJSON *config = tu_json(cfg);

		in.config = config;
		ck_assert_msg(env_save(&app, &in, &e2, NULL, &err) == ST_OK, "%s", err.msg);
		cJSON_Delete(config);
	}
	ck_assert_str_eq(json_get_string(e2.config, "kubeconfig"), id);
	/* a pinned version that is not the current one is refused, not ignored */
	snprintf(cfg, sizeof cfg,
		 "{\"name\":\"n\",\"kubeconfig\":{\"type\":\"secret_ref\",\"secretId\":\"%s\","
		 "\"version\":2}}",
		 id);
	{
		EnvSaveInput in = { .name = "third", .provider = INPUT_KEY };
		cJSON *config = tu_json(cfg);

		in.config = config;
		ck_assert_int_eq(env_save(&app, &in, NULL, NULL, &err), ST_E_INVALID);
		cJSON_Delete(config);
	}
	ck_assert_msg(strstr(err.msg, "refers to version 2 of secret") != NULL, "%s", err.msg);
	store_env_clear(&e);
	store_env_clear(&e2);
}
END_TEST

TEST_SUITE(env_input)
{
	Suite *s = suite_create("env_input");
	TCase *tc = tcase_create("input");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_bad_input_reported_before_the_provider, 0,
			    (int)(sizeof bad_inputs / sizeof bad_inputs[0]));
	tcase_add_test(tc, test_empty_is_absent_and_no_default_filled);
	tcase_add_test(tc, test_replaced_value_is_reported);
	tcase_add_test(tc, test_unknown_secret_reference_refused);
	tcase_add_test(tc, test_paperclip_secret_ref_accepted);
	suite_add_tcase(s, tc);
	return s;
}
