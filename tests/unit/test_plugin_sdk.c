/* A provider written against Paperclip's published SDK
 * (tests/sdk-provider, @paperclipai/plugin-sdk installed from the npm
 * registry on first use into the build tree) runs unmodified: imported
 * with plugin_import, then driven through the core Provider interface
 * through validate, probe, acquire, resume, release, destroy and execute. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/provider_plugin.h"
#include "plugin/import.h"
#include "plugin_fixture.h"
#include "testutil.h"
#include "util/fs.h"
#include "util/json.h"

static char *tmp, *pkg, *root;
static Registry reg;
static PluginCatalog cat;
static PluginHost *host;
static Provider *sdk;

/* build/tests/sdk-provider: the package with its node_modules, installed
 * once (npm install needs the registry the first time only). */
static char *sdk_package(void)
{
	char *exe = fs_exe_dir(), *dir = NULL, *sdk_dir, cmd[2048];

	ck_assert_int_ge(asprintf(&dir, "%s/sdk-provider", exe), 0);
	free(exe);
	snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp tests/sdk-provider/package.json "
				  "tests/sdk-provider/manifest.js tests/sdk-provider/worker.js '%s'/",
		 dir, dir);
	ck_assert_int_eq(system(cmd), 0);
	sdk_dir = fs_join(dir, "node_modules/@paperclipai/plugin-sdk");
	if (!fs_is_dir(sdk_dir)) {
		snprintf(cmd, sizeof cmd,
			 "cd '%s' && npm install --no-audit --no-fund --loglevel=error >npm.log 2>&1",
			 dir);
		ck_assert_msg(system(cmd) == 0,
			      "npm install of @paperclipai/plugin-sdk failed in %s (see npm.log there; "
			      "the npm registry must be reachable on the first run)",
			      dir);
	}
	free(sdk_dir);
	return dir;
}

static void setup(void)
{
	PluginImportOptions o = { .link = false };
	PluginImportResult r;
	char *dirs[2] = { NULL, NULL };
	char *logs;
	Error err;

	tmp = tu_tmpdir();
	root = fs_join(tmp, "leases");
	logs = fs_join(tmp, "logs");
	pkg = sdk_package();
	error_clear(&err);
	ck_assert_msg(plugin_import(pkg, &o, &r, &err) == ST_OK, "%s", err.msg);
	ck_assert_str_eq(r.id, "envctl-test.sdk-provider");
	ck_assert_str_eq(r.drivers, "sdk-local");
	ck_assert_ptr_null(r.link_path);
	plugin_import_result_clear(&r);
	dirs[0] = pkg;
	ck_assert_int_eq(registry_init(&reg, tu_forms_dir(), &err), ST_OK);
	ck_assert_int_eq(plugin_catalog_load(&cat, dirs, &err), ST_OK);
	host = pf_host(logs, 20000);
	ck_assert_int_eq(provider_plugins_register(&reg, &cat, host, &err), ST_OK);
	sdk = registry_find(&reg, "sdk-local");
	ck_assert_msg(sdk != NULL, "sdk-local not registered: %s",
		      reg.problem_count ? reg.problems[0] : "no problem listed");
	free(logs);
}

static void teardown(void)
{
	registry_clear(&reg);
	plugin_host_free(host);
	plugin_catalog_clear(&cat);
	free(pkg);
	free(root);
	free(tmp);
}

static cJSON *config(const char *extra)
{
	char text[1024];

	snprintf(text, sizeof text,
		 "{\"provider\":\"sdk-local\",\"root\":\"%s\",\"apiToken\":\"tok-123\"%s%s}", root,
		 extra ? "," : "", extra ? extra : "");
	return tu_json(text);
}

START_TEST(imported_manifest_keeps_the_sdk_manifest)
{
	const PluginManifest *m = plugin_catalog_find(&cat, "sdk-local");
	const cJSON *pc = cJSON_GetObjectItem(m->json, "paperclipManifest");

	ck_assert_ptr_nonnull(pc);
	ck_assert_str_eq(json_get_string(pc, "displayName"), "SDK test provider");
	ck_assert_str_eq(m->worker_argv[0], "node");
	ck_assert_str_eq(m->worker_argv[1], "./worker.js");
	ck_assert_int_eq(sdk->source, PROVIDER_PLUGIN);
	ck_assert_ptr_nonnull(cJSON_GetObjectItem(cJSON_GetObjectItem(sdk->config_schema,
								     "properties"),
						  "apiToken"));
}
END_TEST

START_TEST(validate_and_probe)
{
	cJSON *cfg = config(NULL);
	cJSON *bad = tu_json("{\"provider\":\"sdk-local\",\"root\":\"relative\"}");
	ValidateResult v;
	ProbeResult pr;
	Error err;
	char want[512];

	error_clear(&err);
	ck_assert_msg(sdk->ops->validate_config(sdk, cfg, &v, &err) == ST_OK, "%s", err.msg);
	ck_assert(v.ok);
	/* normalizedConfig comes back with the host's provider key restored. */
	ck_assert_str_eq(json_get_string(v.normalized_config, "provider"), "sdk-local");
	ck_assert_str_eq(json_get_string(v.normalized_config, "greeting"), "hello");
	validate_result_clear(&v);
	ck_assert_int_eq(sdk->ops->validate_config(sdk, bad, &v, &err), ST_OK);
	ck_assert(!v.ok);
	ck_assert_str_eq(cJSON_GetArrayItem(v.errors, 0)->valuestring,
			 "root must be an absolute path");
	validate_result_clear(&v);
	ck_assert_msg(sdk->ops->probe(sdk, cfg, NULL, &pr, &err) == ST_OK, "%s", err.msg);
	ck_assert(pr.ok);
	snprintf(want, sizeof want, "sdk-local ready in %s; token present", root);
	ck_assert_str_eq(pr.summary, want);
	ck_assert_ptr_nonnull(strstr(json_get_string(cJSON_GetArrayItem(
						     cJSON_GetObjectItem(pr.details, "diagnostics"), 0),
					     "message"),
				     "node v"));
	probe_result_clear(&pr);
	cJSON_Delete(cfg);
	cJSON_Delete(bad);
}
END_TEST

static Status sdk_exec(const cJSON *cfg, const LeaseHandle *h, const char *script,
		       ExecResult *r, Error *err)
{
	const char *args[] = { "-c", script, NULL };
	ExecInput in = { .config = cfg, .environment_id = "env-sdk",
			 .provider_lease_id = h->provider_lease_id, .lease_metadata = h->metadata,
			 .command = "sh", .args = args, .timeout_ms = 5000 };

	error_clear(err);
	return sdk->ops->execute(sdk, &in, r, err);
}

START_TEST(lease_lifecycle)
{
	cJSON *cfg = config("\"reuseLease\":true,\"greeting\":\"hey\"");
	AcquireInput ain = { .config = cfg, .environment_id = "env-sdk", .run_id = "run-7" };
	LeaseHandle h, again;
	LeaseInput lin;
	ExecResult r;
	Error err;
	char *dir;

	error_clear(&err);
	ck_assert_msg(sdk->ops->acquire_lease(sdk, &ain, &h, &err) == ST_OK, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(h.provider_lease_id, "sdk://"));
	ck_assert_str_eq(json_get_string(h.metadata, "provider"), "sdk-local");
	ck_assert_str_eq(json_get_string(h.metadata, "runId"), "run-7");
	ck_assert_str_eq(json_get_string(h.metadata, "environmentId"), "env-sdk");
	ck_assert_ptr_null(cJSON_GetObjectItem(h.metadata, "apiToken"));
	dir = strdup(json_get_string(h.metadata, "leaseDir"));
	ck_assert(fs_is_dir(dir));
	ck_assert_msg(sdk_exec(cfg, &h, "echo hi > f; cat f; echo $GREETING", &r, &err) == ST_OK,
		      "%s", err.msg);
	ck_assert_int_eq(r.exit_code, 0);
	ck_assert_str_eq(r.out, "hi\nhey\n");
	exec_result_clear(&r);
	ck_assert_int_eq(sdk_exec(cfg, &h, "exit 4", &r, &err), ST_OK);
	ck_assert_int_eq(r.exit_code, 4);
	exec_result_clear(&r);

	memset(&lin, 0, sizeof lin);
	lin.config = cfg;
	lin.environment_id = "env-sdk";
	lin.provider_lease_id = h.provider_lease_id;
	lin.lease_metadata = h.metadata;
	lin.status = "released";
	ck_assert_int_eq(sdk->ops->release_lease(sdk, &lin, &err), ST_OK);
	ck_assert(fs_is_dir(dir));
	ck_assert_int_eq(sdk->ops->resume_lease(sdk, &lin, &again, &err), ST_OK);
	ck_assert_str_eq(again.provider_lease_id, h.provider_lease_id);
	ck_assert(json_is_true(again.metadata, "resumedLease"));
	lease_handle_clear(&again);
	ck_assert_int_eq(sdk->ops->destroy_lease(sdk, &lin, &err), ST_OK);
	ck_assert(!fs_is_dir(dir));
	ck_assert_int_eq(sdk->ops->resume_lease(sdk, &lin, &again, &err), ST_OK);
	ck_assert_ptr_null(again.provider_lease_id);
	free(dir);
	lease_handle_clear(&h);
	cJSON_Delete(cfg);
}
END_TEST

START_TEST(worker_errors_name_plugin_and_method)
{
	cJSON *cfg = config(NULL);
	LeaseHandle h = { 0 };
	ExecResult r;
	Error err;

	h.provider_lease_id = strdup("sdk://not-a-uuid");
	h.metadata = cJSON_CreateObject();
	ck_assert_int_eq(sdk_exec(cfg, &h, "true", &r, &err), ST_E_PROVIDER);
	ck_assert_str_eq(err.msg, "plugin envctl-test.sdk-provider: environmentExecute failed: not "
				  "an sdk-local lease: sdk://not-a-uuid (worker error -32002)");
	lease_handle_clear(&h);
	cJSON_Delete(cfg);
}
END_TEST

TEST_SUITE(plugin_sdk)
{
	Suite *s = suite_create("plugin_sdk");
	TCase *tc = tcase_create("sdk");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, imported_manifest_keeps_the_sdk_manifest);
	tcase_add_test(tc, validate_and_probe);
	tcase_add_test(tc, lease_lifecycle);
	tcase_add_test(tc, worker_errors_name_plugin_and_method);
	suite_add_tcase(s, tc);
	return s;
}
