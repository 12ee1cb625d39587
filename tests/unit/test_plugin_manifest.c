/* Manifests, discovery, registration of plugin providers and the bounded
 * plugin log. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/provider_plugin.h"
#include "plugin/lib.h"
#include "plugin_fixture.h"
#include "testutil.h"
#include "util/fs.h"

static char *tmp;

static void setup(void)
{
	tmp = tu_tmpdir();
}

static void teardown(void)
{
	unsetenv("ENVCTL_PLUGIN_PATH");
	free(tmp);
}

static char *write_manifest(const char *name, const char *text)
{
	char *dir = fs_join(tmp, name), *path;
	Error err;
	FILE *f;

	error_clear(&err);
	ck_assert_int_eq(fs_mkdir_p(dir, 0755, &err), ST_OK);
	path = fs_join(dir, "manifest.json");
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	free(path);
	return dir;
}

static bool has_error(const PluginManifest *m, const char *needle)
{
	for (size_t i = 0; i < m->error_count; i++)
		if (strstr(m->errors[i], needle))
			return true;
	return false;
}

START_TEST(valid_manifest)
{
	char *dir = pf_make_plugin(tmp, "good", "acme.good", "acme-good", NULL);
	PluginManifest *m = plugin_manifest_load(dir);

	ck_assert_msg(plugin_manifest_ok(m), "%s", m->error_count ? m->errors[0] : "");
	ck_assert_str_eq(m->id, "acme.good");
	ck_assert_str_eq(m->version, "1.0.0");
	ck_assert_int_eq(m->api_version, 1);
	ck_assert_ptr_nonnull(strstr(m->worker_argv[0], "test_worker"));
	ck_assert_ptr_null(m->worker_argv[1]);
	ck_assert_str_eq(m->inherit_env[0], "TEST_WORKER_INIT");
	ck_assert_uint_eq(m->driver_count, 1);
	ck_assert_str_eq(m->drivers[0].driver_key, "acme-good");
	ck_assert_str_eq(m->drivers[0].kind, "sandbox_provider");
	ck_assert_ptr_nonnull(m->drivers[0].config_schema);
	ck_assert(!m->drivers[0].caps_declared);
	ck_assert_uint_eq(m->drivers[0].caps, PLUGIN_DRIVER_EXECUTE);
	ck_assert_ptr_eq(plugin_manifest_initialize_json(m), m->json);
	ck_assert_int_eq(m->drivers[0].reusable_leases, -1);
	plugin_manifest_free(m);
	free(dir);
}
END_TEST

/* Paperclip's supportsReusableLeases, with sandboxCapabilities.reusableLeases
 * winning when both are there (resolveDeclaredSandboxCapabilities). */
START_TEST(reusable_leases_declaration)
{
	static const char head[] =
		"{\"id\":\"t.r\",\"name\":\"r\",\"version\":\"1\",\"apiVersion\":1,"
		"\"worker\":[\"node\"],\"environmentDrivers\":[";
	static const char *const drivers[] = {
		"{\"driverKey\":\"a\",\"kind\":\"sandbox_provider\",\"displayName\":\"A\","
		"\"configSchema\":{\"type\":\"object\"},\"supportsReusableLeases\":false}",
		"{\"driverKey\":\"b\",\"kind\":\"sandbox_provider\",\"displayName\":\"B\","
		"\"configSchema\":{\"type\":\"object\"},\"supportsReusableLeases\":false,"
		"\"sandboxCapabilities\":{\"reusableLeases\":true}}",
		"{\"driverKey\":\"c\",\"kind\":\"sandbox_provider\",\"displayName\":\"C\","
		"\"configSchema\":{\"type\":\"object\"},\"supportsReusableLeases\":\"yes\"}",
	};
	char text[2048];
	char *dir;
	PluginManifest *m;

	snprintf(text, sizeof text, "%s%s,%s]}", head, drivers[0], drivers[1]);
	dir = write_manifest("reuse-ok", text);
	m = plugin_manifest_load(dir);
	ck_assert_msg(plugin_manifest_ok(m), "%s", m->error_count ? m->errors[0] : "");
	ck_assert_int_eq(m->drivers[0].reusable_leases, 0);
	ck_assert_int_eq(m->drivers[1].reusable_leases, 1);
	plugin_manifest_free(m);
	free(dir);
	snprintf(text, sizeof text, "%s%s]}", head, drivers[2]);
	dir = write_manifest("reuse-bad", text);
	m = plugin_manifest_load(dir);
	ck_assert(!plugin_manifest_ok(m));
	ck_assert(has_error(m, "supportsReusableLeases must be true or false"));
	plugin_manifest_free(m);
	free(dir);
}
END_TEST

START_TEST(not_json_or_missing)
{
	char *dir = write_manifest("bad", "{\"id\": \"x\",");
	char *empty = fs_join(tmp, "empty");
	PluginManifest *m = plugin_manifest_load(dir);

	ck_assert(!plugin_manifest_ok(m));
	ck_assert_msg(has_error(m, "manifest.json"), "%s", m->errors[0]);
	plugin_manifest_free(m);
	mkdir(empty, 0755);
	m = plugin_manifest_load(empty);
	ck_assert(!plugin_manifest_ok(m));
	ck_assert(has_error(m, "cannot read"));
	plugin_manifest_free(m);
	free(empty);
	free(dir);
}
END_TEST

START_TEST(missing_fields_all_reported)
{
	char *dir = write_manifest("empty", "{}");
	PluginManifest *m = plugin_manifest_load(dir);

	ck_assert(has_error(m, "\"id\" is required"));
	ck_assert(has_error(m, "\"name\" is required"));
	ck_assert(has_error(m, "\"version\" is required"));
	ck_assert(has_error(m, "\"apiVersion\" is required (envctl speaks apiVersion 1)"));
	ck_assert(has_error(m, "\"worker\" must be a non-empty array"));
	ck_assert_uint_eq(m->warning_count, 1);
	plugin_manifest_free(m);
	free(dir);
}
END_TEST

START_TEST(driver_problems)
{
	char *dir = write_manifest(
		"drivers",
		"{\"id\":\"d\",\"name\":\"D\",\"version\":\"1\",\"apiVersion\":2,\"worker\":[\"./w\"],"
		"\"inheritEnv\":[\"OK_VAR\",\"BAD-VAR\"],"
		"\"environmentDrivers\":["
		"{\"driverKey\":\"Bad Key\",\"kind\":\"sandbox_provider\",\"displayName\":\"B\","
		"\"configSchema\":{}},"
		"{\"driverKey\":\"dup\",\"kind\":\"sandbox_provider\",\"displayName\":\"D1\","
		"\"configSchema\":{}},"
		"{\"driverKey\":\"dup\",\"kind\":\"sandbox_provider\",\"displayName\":\"D2\","
		"\"configSchema\":{}},"
		"{\"driverKey\":\"noschema\",\"kind\":\"sandbox_provider\",\"displayName\":\"N\"},"
		"{\"driverKey\":\"weird\",\"kind\":\"teleporter\",\"displayName\":\"W\","
		"\"configSchema\":{}},"
		"{\"driverKey\":\"env\",\"displayName\":\"E\",\"configSchema\":{},"
		"\"capabilities\":[\"execute\",\"fly\"]}]}");
	PluginManifest *m = plugin_manifest_load(dir);

	ck_assert(has_error(m, "apiVersion 2 is not supported (envctl speaks 1)"));
	ck_assert(has_error(m, "\"inheritEnv\"[1]: \"BAD-VAR\" is not a variable name"));
	ck_assert(has_error(m, "environmentDrivers[0]: driverKey \"Bad Key\" must match "
			       "^[a-z0-9][a-z0-9._-]*$"));
	ck_assert(has_error(m, "environmentDrivers[2]: driverKey \"dup\" is declared twice"));
	ck_assert(has_error(m, "environmentDrivers[3]: configSchema must be a JSON Schema object"));
	ck_assert(has_error(m, "environmentDrivers[4]: kind \"teleporter\" must be"));
	ck_assert_uint_eq(m->drivers[5].caps, PLUGIN_DRIVER_EXECUTE);
	ck_assert(m->drivers[5].caps_declared);
	plugin_manifest_free(m);
	free(dir);
}
END_TEST

START_TEST(discovery_and_dedupe)
{
	char *root = fs_join(tmp, "root");
	char *a = pf_make_plugin(root, "a", "plug.a", "pa", NULL);
	char *b = write_manifest("root/b", "not json");
	char *c = fs_join(root, "c"), *dirs[4];
	PluginCatalog cat;
	Error err;

	mkdir(c, 0755); /* no manifest: not a plugin */
	dirs[0] = root;
	dirs[1] = a; /* the same plugin again, named directly */
	dirs[2] = root;
	dirs[3] = NULL;
	error_clear(&err);
	ck_assert_int_eq(plugin_catalog_load(&cat, dirs, &err), ST_OK);
	ck_assert_uint_eq(cat.count, 2);
	ck_assert_str_eq(cat.items[0]->id, "plug.a");
	ck_assert(!plugin_manifest_ok(cat.items[1]));
	ck_assert_ptr_eq(plugin_catalog_find(&cat, "plug.a"), cat.items[0]);
	ck_assert_ptr_eq(plugin_catalog_find(&cat, "pa"), cat.items[0]);
	ck_assert_ptr_null(plugin_catalog_find(&cat, "nope"));
	plugin_catalog_clear(&cat);
	free(root);
	free(a);
	free(b);
	free(c);
}
END_TEST

START_TEST(same_id_in_two_folders)
{
	char *one = fs_join(tmp, "one"), *two = fs_join(tmp, "two");
	char *a = pf_make_plugin(one, "p", "same.id", "k1", NULL);
	char *b = pf_make_plugin(two, "p", "same.id", "k2", NULL);
	char *dirs[] = { one, two, NULL };
	PluginCatalog cat;
	Error err;

	error_clear(&err);
	ck_assert_int_eq(plugin_catalog_load(&cat, dirs, &err), ST_OK);
	ck_assert_uint_eq(cat.count, 2);
	ck_assert(plugin_manifest_ok(cat.items[0]));
	ck_assert(!plugin_manifest_ok(cat.items[1]));
	ck_assert(has_error(cat.items[1], "plugin id \"same.id\" is already provided by"));
	plugin_catalog_clear(&cat);
	free(one);
	free(two);
	free(a);
	free(b);
}
END_TEST

START_TEST(search_dirs_in_precedence_order)
{
	char *extra = fs_join(tmp, "extra"), *data = fs_join(tmp, "data");
	char *user = fs_join(data, "envctl/plugins"), *path = NULL;
	char **dirs;
	Error err;

	error_clear(&err);
	fs_mkdir_p(extra, 0755, &err);
	fs_mkdir_p(user, 0755, &err);
	ck_assert_int_ge(asprintf(&path, "%s:/does/not/exist", extra), 0);
	setenv("ENVCTL_PLUGIN_PATH", path, 1);
	setenv("XDG_DATA_HOME", data, 1);
	dirs = plugin_search_dirs();
	ck_assert_str_eq(dirs[0], extra);
	ck_assert_str_eq(dirs[1], user);
	/* The bundled plugins of this build come last. */
	ck_assert_ptr_nonnull(dirs[2]);
	ck_assert_ptr_nonnull(strstr(dirs[2], "plugins"));
	ck_assert_ptr_null(dirs[3]);
	plugin_dirs_free(dirs);
	unsetenv("XDG_DATA_HOME");
	free(path);
	free(user);
	free(data);
	free(extra);
}
END_TEST

static bool has_problem(const Registry *r, const char *needle)
{
	for (size_t i = 0; i < r->problem_count; i++)
		if (strstr(r->problems[i], needle))
			return true;
	return false;
}

START_TEST(registration_conflicts_and_problems)
{
	char *root = fs_join(tmp, "reg");
	char *good = pf_make_plugin(root, "1good", "p.good", "good-key", NULL);
	char *c1 = pf_make_plugin(root, "2clash", "p.clash1", "shared", NULL);
	char *c2 = pf_make_plugin(root, "3clash", "p.clash2", "shared", NULL);
	char *fake = pf_make_plugin(root, "4fake", "p.fake", "fake", NULL);
	char *broken = write_manifest("reg/5broken", "{\"id\":\"p.broken\"}");
	char *dirs[] = { root, NULL }, *logs = fs_join(tmp, "logs"), want[1024];
	PluginCatalog cat;
	PluginHost *host;
	Registry reg;
	Provider *p;
	Error err;

	error_clear(&err);
	ck_assert_int_eq(registry_init(&reg, tu_forms_dir(), &err), ST_OK);
	ck_assert_int_eq(plugin_catalog_load(&cat, dirs, &err), ST_OK);
	host = pf_host(logs, 2000);
	ck_assert_int_eq(provider_plugins_register(&reg, &cat, host, &err), ST_OK);
	p = registry_find(&reg, "good-key");
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->source, PROVIDER_PLUGIN);
	ck_assert_str_eq(p->origin, good);
	ck_assert_str_eq(p->display_name, "Test good-key");
	ck_assert_ptr_nonnull(provider_plugin_worker(p));
	ck_assert_ptr_null(registry_find(&reg, "shared"));
	snprintf(want, sizeof want,
		 "provider key \"shared\" is claimed by the plugins in %s and %s; neither is used",
		 c1, c2);
	ck_assert_msg(has_problem(&reg, want), "missing: %s", want);
	ck_assert_int_eq(registry_find(&reg, "fake")->source, PROVIDER_BUILTIN);
	ck_assert(has_problem(&reg, "declares provider key \"fake\", which is already registered "
				    "by builtin"));
	snprintf(want, sizeof want, "plugin p.broken in %s is not loaded: \"name\" is required",
		 broken);
	ck_assert_msg(has_problem(&reg, want), "missing: %s", want);
	ck_assert_ptr_null(provider_plugin_worker(registry_find(&reg, "fake")));
	registry_clear(&reg);
	plugin_host_free(host);
	plugin_catalog_clear(&cat);
	free(logs);
	free(root);
	free(good);
	free(c1);
	free(c2);
	free(fake);
	free(broken);
}
END_TEST

START_TEST(log_is_bounded_and_tailed)
{
	char *dir = fs_join(tmp, "logs"), *path, *rotated = NULL, *tail, line[64];
	PluginLog *log = plugin_log_open(dir, "../evil/id", 400);
	struct stat st;
	Error err;

	ck_assert_ptr_nonnull(log);
	ck_assert_ptr_null(plugin_log_problem(log));
	path = plugin_log_path(dir, "../evil/id");
	/* The id cannot escape the log directory. */
	ck_assert_ptr_null(strstr(path + strlen(dir), "/.."));
	ck_assert_str_eq(plugin_log_file(log), path);
	for (int i = 0; i < 40; i++) {
		snprintf(line, sizeof line, "line %02d\x1b[31m", i);
		plugin_log_write(log, "stderr", line, strlen(line));
	}
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_le(st.st_size, 400);
	ck_assert_int_ge(asprintf(&rotated, "%s.1", path), 0);
	ck_assert_int_eq(stat(rotated, &st), 0);
	error_clear(&err);
	tail = plugin_log_tail(dir, "../evil/id", 3, &err);
	ck_assert_ptr_nonnull(tail);
	ck_assert_ptr_nonnull(strstr(tail, "line 39?[31m\n"));
	ck_assert_ptr_nonnull(strstr(tail, "line 37"));
	ck_assert_ptr_null(strstr(tail, "line 36"));
	free(tail);
	/* More lines than the current file holds come from the rotated part. */
	tail = plugin_log_tail(dir, "../evil/id", 8, &err);
	ck_assert_ptr_nonnull(strstr(tail, "line 32"));
	free(tail);
	tail = plugin_log_tail(dir, "nobody", 5, &err);
	ck_assert_str_eq(tail, "");
	free(tail);
	plugin_log_close(log);
	free(rotated);
	free(path);
	free(dir);
}
END_TEST

/* Issue #12: a folder others may write to (or owned by someone else) was
 * loaded silently; its worker would run as the operator. */
START_TEST(unsafe_folder_refused)
{
	char *root = fs_join(tmp, "unsafe");
	char *a = pf_make_plugin(root, "wide", "wide.id", "kw", NULL);
	char *b = pf_make_plugin(root, "owned", "owned.id", "ko", NULL);
	char *c = pf_make_plugin(root, "fine", "fine.id", "kf", NULL);
	char *manifest = fs_join(c, "manifest.json");
	char *dirs[] = { root, NULL };
	PluginCatalog cat;
	Error err;

	ck_assert_int_eq(chmod(a, 0777), 0);
	ck_assert_int_eq(chmod(manifest, 0644), 0);
	if (geteuid() == 0)
		ck_assert_int_eq(chown(b, 12345, 12345), 0);
	error_clear(&err);
	ck_assert_int_eq(plugin_catalog_load(&cat, dirs, &err), ST_OK);
	ck_assert_uint_eq(cat.count, 3);
	for (size_t i = 0; i < cat.count; i++) {
		const PluginManifest *m = cat.items[i];

		if (strcmp(m->id, "wide.id") == 0) {
			ck_assert(!plugin_manifest_ok(m));
			ck_assert(has_error(m, "is writable by others (mode 0777)"));
			ck_assert(has_error(m, "chmod go-w"));
		} else if (strcmp(m->id, "owned.id") == 0) {
			ck_assert(geteuid() != 0 || !plugin_manifest_ok(m));
			ck_assert(geteuid() != 0 || has_error(m, "is owned by uid 12345, not by you"));
		} else {
			ck_assert(plugin_manifest_ok(m));
		}
	}
	plugin_catalog_clear(&cat);
	free(manifest);
	free(root);
	free(a);
	free(b);
	free(c);
}
END_TEST

TEST_SUITE(plugin_manifest)
{
	Suite *s = suite_create("plugin_manifest");
	TCase *tc = tcase_create("manifest");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, valid_manifest);
	tcase_add_test(tc, reusable_leases_declaration);
	tcase_add_test(tc, not_json_or_missing);
	tcase_add_test(tc, missing_fields_all_reported);
	tcase_add_test(tc, driver_problems);
	tcase_add_test(tc, discovery_and_dedupe);
	tcase_add_test(tc, same_id_in_two_folders);
	tcase_add_test(tc, unsafe_folder_refused);
	tcase_add_test(tc, search_dirs_in_precedence_order);
	tcase_add_test(tc, registration_conflicts_and_problems);
	tcase_add_test(tc, log_is_bounded_and_tailed);
	suite_add_tcase(s, tc);
	return s;
}
