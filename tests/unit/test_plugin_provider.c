/* The core adapter from a plugin driver to a Provider, against the test
 * worker: what it sends (config without `provider`, resolved secrets, run
 * ids, timeouts) and how it maps what comes back. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/provider_plugin.h"
#include "plugin_fixture.h"
#include "testutil.h"
#include "util/fs.h"
#include "util/json.h"

static char *tmp;
static Registry reg;
static PluginCatalog cat;
static PluginHost *host;
static Provider *tp;

static void setup(void)
{
	char *root, *logs, *dirs[2];
	Error err;

	unsetenv("TEST_WORKER_INIT");
	tmp = tu_tmpdir();
	root = fs_join(tmp, "plugins");
	logs = fs_join(tmp, "logs");
	free(pf_make_plugin(root, "t", "test.adapter", "tester", NULL));
	dirs[0] = root;
	dirs[1] = NULL;
	error_clear(&err);
	ck_assert_int_eq(registry_init(&reg, tu_forms_dir(), &err), ST_OK);
	ck_assert_int_eq(plugin_catalog_load(&cat, dirs, &err), ST_OK);
	host = pf_host(logs, 400);
	ck_assert_int_eq(provider_plugins_register(&reg, &cat, host, &err), ST_OK);
	tp = registry_find(&reg, "tester");
	ck_assert_ptr_nonnull(tp);
	free(root);
	free(logs);
}

static void teardown(void)
{
	registry_clear(&reg);
	plugin_host_free(host);
	plugin_catalog_clear(&cat);
	unsetenv("TEST_WORKER_INIT");
	free(tmp);
}

START_TEST(probe_sends_config_without_provider)
{
	cJSON *cfg = tu_json("{\"provider\":\"tester\",\"mode\":\"ok\",\"apiToken\":\"resolved-x\"}");
	const cJSON *sent;
	ProbeResult pr;
	Error err;
	char *status = tp->ops->describe_status(tp);

	ck_assert_str_eq(status, "not started (starts on first use)");
	free(status);
	error_clear(&err);
	ck_assert_msg(tp->ops->probe(tp, cfg, NULL, &pr, &err) == ST_OK, "%s", err.msg);
	ck_assert(pr.ok);
	ck_assert_str_eq(pr.summary, "Test worker is ready.");
	sent = cJSON_GetObjectItem(cJSON_GetObjectItem(pr.details, "metadata"), "config");
	ck_assert_ptr_null(cJSON_GetObjectItem(sent, "provider"));
	ck_assert_str_eq(json_get_string(sent, "apiToken"), "resolved-x");
	ck_assert_str_eq(json_get_string(cJSON_GetArrayItem(cJSON_GetObjectItem(pr.details,
										 "diagnostics"),
							     0),
					 "message"),
			 "probe ran");
	/* The caller's config is untouched. */
	ck_assert_str_eq(json_get_string(cfg, "provider"), "tester");
	probe_result_clear(&pr);
	status = tp->ops->describe_status(tp);
	ck_assert_ptr_nonnull(strstr(status, "running (pid "));
	free(status);
	cJSON_Delete(cfg);
}
END_TEST

START_TEST(validate_maps_errors_and_restores_provider)
{
	cJSON *ok = tu_json("{\"provider\":\"tester\",\"mode\":\"fine\"}");
	cJSON *bad = tu_json("{\"provider\":\"tester\",\"mode\":\"invalid\"}");
	ValidateResult v;
	Error err;

	error_clear(&err);
	ck_assert_int_eq(tp->ops->validate_config(tp, ok, &v, &err), ST_OK);
	ck_assert(v.ok);
	ck_assert_str_eq(json_get_string(v.normalized_config, "provider"), "tester");
	ck_assert(json_is_true(v.normalized_config, "normalized"));
	ck_assert_str_eq(cJSON_GetArrayItem(v.warnings, 0)->valuestring, "just testing");
	validate_result_clear(&v);
	ck_assert_int_eq(tp->ops->validate_config(tp, bad, &v, &err), ST_OK);
	ck_assert(!v.ok);
	ck_assert_str_eq(cJSON_GetArrayItem(v.errors, 0)->valuestring,
			 "mode \"invalid\" is not allowed");
	validate_result_clear(&v);
	cJSON_Delete(ok);
	cJSON_Delete(bad);
}
END_TEST

START_TEST(acquire_maps_the_lease)
{
	cJSON *cfg = tu_json("{\"provider\":\"tester\",\"reuseLease\":true,\"mode\":\"ok\"}");
	AcquireInput in = { .config = cfg, .environment_id = "env-9", .run_id = NULL };
	LeaseHandle h;
	Error err;

	error_clear(&err);
	ck_assert_msg(tp->ops->acquire_lease(tp, &in, &h, &err) == ST_OK, "%s", err.msg);
	ck_assert_str_eq(h.provider_lease_id, "test://lease/1");
	ck_assert_str_eq(h.expires_at, "2099-01-01T00:00:00.000Z");
	ck_assert_str_eq(json_get_string(h.metadata, "provider"), "tester");
	ck_assert(json_is_true(h.metadata, "reuseLease"));
	/* An operator's lease has no run: the worker still gets a run id. */
	ck_assert_ptr_nonnull(strstr(json_get_string(h.metadata, "runId"), "operator-"));
	/* The generic reuse rule applies (no provider-specific one). */
	ck_assert(provider_matches_reusable_lease(tp, cfg, h.provider_lease_id, h.metadata));
	lease_handle_clear(&h);
	cJSON_Delete(cfg);
}
END_TEST

START_TEST(resume_gone_and_resumed)
{
	cJSON *cfg = tu_json("{\"provider\":\"tester\"}");
	LeaseInput in = { .config = cfg, .environment_id = "env-9",
			  .provider_lease_id = "test://gone/1" };
	LeaseHandle h;
	Error err;

	error_clear(&err);
	ck_assert_int_eq(tp->ops->resume_lease(tp, &in, &h, &err), ST_OK);
	ck_assert_ptr_null(h.provider_lease_id);
	in.provider_lease_id = "test://lease/77";
	ck_assert_int_eq(tp->ops->resume_lease(tp, &in, &h, &err), ST_OK);
	ck_assert_str_eq(h.provider_lease_id, "test://lease/77");
	ck_assert(json_is_true(h.metadata, "resumedLease"));
	lease_handle_clear(&h);
	ck_assert_int_eq(tp->ops->release_lease(tp, &in, &err), ST_OK);
	ck_assert_int_eq(tp->ops->destroy_lease(tp, &in, &err), ST_OK);
	cJSON_Delete(cfg);
}
END_TEST

START_TEST(lease_calls_get_config_timeout_on_top)
{
	/* Host default 400 ms; the worker answers after 700 ms. */
	cJSON *cfg = tu_json("{\"provider\":\"tester\",\"mode\":\"late\",\"delayMs\":700,"
			     "\"timeoutMs\":1000}");
	AcquireInput in = { .config = cfg, .environment_id = "env-9", .run_id = "r" };
	LeaseHandle h;
	ProbeResult pr;
	Error err;

	error_clear(&err);
	ck_assert_msg(tp->ops->acquire_lease(tp, &in, &h, &err) == ST_OK, "%s", err.msg);
	lease_handle_clear(&h);
	ck_assert_int_eq(tp->ops->probe(tp, cfg, NULL, &pr, &err), ST_E_TIMEOUT);
	ck_assert_str_eq(err.msg, "plugin test.adapter: environmentProbe did not answer within 400 "
				  "ms; the worker was stopped and will be restarted on the next call");
	cJSON_Delete(cfg);
}
END_TEST

START_TEST(execute_maps_the_result)
{
	cJSON *cfg = tu_json("{\"provider\":\"tester\"}");
	const char *args[] = { "-c", "echo hi", NULL };
	ExecInput in = { .config = cfg, .environment_id = "env-9",
			 .provider_lease_id = "test://lease/1", .command = "sh", .args = args,
			 .stdin_data = "input text", .timeout_ms = 100 };
	ExecResult r;
	Error err;

	error_clear(&err);
	ck_assert_msg(tp->ops->execute(tp, &in, &r, &err) == ST_OK, "%s", err.msg);
	ck_assert_int_eq(r.exit_code, 0);
	ck_assert(!r.timed_out);
	ck_assert_str_eq(r.out, "ran sh -c echo hi");
	ck_assert_str_eq(r.err, "input text");
	exec_result_clear(&r);
	cJSON_Delete(cfg);
}
END_TEST

START_TEST(caps_follow_supported_methods)
{
	cJSON *cfg = tu_json("{\"provider\":\"tester\"}");
	ExecInput in = { .config = cfg, .command = "true", .provider_lease_id = "test://lease/1" };
	ProbeResult pr;
	ExecResult r;
	Error err;

	setenv("TEST_WORKER_INIT", "noexec", 1);
	ck_assert(tp->caps & PROVIDER_CAP_EXECUTE); /* assumed before the worker runs */
	error_clear(&err);
	ck_assert_int_eq(tp->ops->probe(tp, cfg, NULL, &pr, &err), ST_OK);
	probe_result_clear(&pr);
	ck_assert(!(tp->caps & PROVIDER_CAP_EXECUTE));
	ck_assert_int_eq(tp->ops->execute(tp, &in, &r, &err), ST_E_UNSUPPORTED);
	ck_assert_str_eq(err.msg, "provider tester (plugin test.adapter) cannot execute commands");
	cJSON_Delete(cfg);
}
END_TEST

START_TEST(worker_crash_surfaces_as_provider_error)
{
	cJSON *cfg = tu_json("{\"provider\":\"tester\",\"mode\":\"crash\"}");
	AcquireInput in = { .config = cfg, .environment_id = "env-9", .run_id = "r" };
	LeaseHandle h;
	Error err;

	error_clear(&err);
	ck_assert_int_eq(tp->ops->acquire_lease(tp, &in, &h, &err), ST_E_PROVIDER);
	ck_assert_str_eq(err.msg, "plugin test.adapter: environmentAcquireLease failed: the worker "
				  "exited with status 3; the worker will be restarted on the next "
				  "call");
	cJSON_Delete(cfg);
}
END_TEST

/* Issue #12: a worker's error of 840 x "x" + the secret was cut to fit
 * before core redacted it, so the secret's first characters survived. */
START_TEST(long_error_redacted_before_it_is_cut)
{
	static const char secret[] = "S3cr3tPlainXYZ7-abc";
	char *root = fs_join(tmp, "hplugins"), *dir = fs_join(root, "h"), *path, *worker, *dirs[2];
	char cfgtext[256], prefix[7];
	PluginCatalog hcat;
	Provider *hp;
	ProbeResult r;
	cJSON *cfg;
	Error err;
	FILE *f;

	error_clear(&err);
	ck_assert_int_eq(fs_mkdir_p(dir, 0755, &err), ST_OK);
	path = fs_join(dir, "manifest.json");
	worker = pf_helper_path("hostile_worker");
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"{\"id\":\"test.hostile\",\"name\":\"Hostile\",\"version\":\"1\",\"apiVersion\":1,"
		"\"worker\":[\"%s\"],\"environmentDrivers\":[{\"driverKey\":\"hostile\","
		"\"kind\":\"sandbox_provider\",\"displayName\":\"H\",\"description\":\"h\","
		"\"configSchema\":{\"type\":\"object\",\"properties\":{\"mode\":{\"type\":\"string\"},"
		"\"token\":{\"type\":\"string\",\"format\":\"secret-ref\"}}}}]}\n",
		worker);
	fclose(f);
	dirs[0] = root;
	dirs[1] = NULL;
	ck_assert_int_eq(plugin_catalog_load(&hcat, dirs, &err), ST_OK);
	ck_assert_int_eq(provider_plugins_register(&reg, &hcat, host, &err), ST_OK);
	hp = registry_find(&reg, "hostile");
	ck_assert_ptr_nonnull(hp);
	snprintf(cfgtext, sizeof cfgtext, "{\"provider\":\"hostile\",\"mode\":\"long-error\","
		 "\"token\":\"%s\"}", secret);
	cfg = tu_json(cfgtext);
	memset(&r, 0, sizeof r);
	ck_assert_int_ne(hp->ops->probe(hp, cfg, NULL, &r, &err), ST_OK);
	ck_assert_msg(strstr(err.msg, "xxxxxxxxxxxxxxxx") != NULL, "%s", err.msg);
	memcpy(prefix, secret, 6);
	prefix[6] = '\0';
	ck_assert_msg(strstr(err.msg, prefix) == NULL, "secret prefix left in: ...%s",
		      err.msg + (strlen(err.msg) > 60 ? strlen(err.msg) - 60 : 0));
	probe_result_clear(&r);
	cJSON_Delete(cfg);
	registry_clear(&reg);
	ck_assert_int_eq(registry_init(&reg, tu_forms_dir(), &err), ST_OK);
	plugin_catalog_clear(&hcat);
	free(path);
	free(worker);
	free(dir);
	free(root);
}
END_TEST

TEST_SUITE(plugin_provider)
{
	Suite *s = suite_create("plugin_provider");
	TCase *tc = tcase_create("adapter");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, probe_sends_config_without_provider);
	tcase_add_test(tc, validate_maps_errors_and_restores_provider);
	tcase_add_test(tc, acquire_maps_the_lease);
	tcase_add_test(tc, resume_gone_and_resumed);
	tcase_add_test(tc, lease_calls_get_config_timeout_on_top);
	tcase_add_test(tc, execute_maps_the_result);
	tcase_add_test(tc, caps_follow_supported_methods);
	tcase_add_test(tc, worker_crash_surfaces_as_provider_error);
	tcase_add_test(tc, long_error_redacted_before_it_is_cut);
	suite_add_tcase(s, tc);
	return s;
}
