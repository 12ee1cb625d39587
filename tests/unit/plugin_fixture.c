#include "plugin_fixture.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/fs.h"

char *pf_helper_path(const char *name)
{
	char *exe = fs_exe_dir(), *path = NULL;

	ck_assert_ptr_nonnull(exe);
	ck_assert_int_ge(asprintf(&path, "%s/helpers/%s", exe, name), 0);
	free(exe);
	ck_assert_msg(fs_is_file(path), "test helper %s is not built (make test builds it)", path);
	return path;
}

char *pf_bundled_dir(void)
{
	char *exe = fs_exe_dir(), *path = NULL;

	ck_assert_ptr_nonnull(exe);
	ck_assert_int_ge(asprintf(&path, "%s/../plugins", exe), 0);
	free(exe);
	return path;
}

char *pf_make_plugin(const char *root, const char *name, const char *id, const char *driver,
		     const char *extra)
{
	char *worker = pf_helper_path("test_worker");
	char *dir = fs_join(root, name), *path;
	Error err;
	FILE *f;

	error_clear(&err);
	ck_assert_int_eq(fs_mkdir_p(dir, 0755, &err), ST_OK);
	path = fs_join(dir, "manifest.json");
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fprintf(f,
		"{\"id\":\"%s\",\"name\":\"Test worker %s\",\"version\":\"1.0.0\",\"apiVersion\":1,"
		"%s"
		"\"worker\":[\"%s\"],"
		"\"environmentDrivers\":[{\"driverKey\":\"%s\",\"kind\":\"sandbox_provider\","
		"\"displayName\":\"Test %s\",\"description\":\"A test provider\","
		"\"configSchema\":{\"type\":\"object\",\"properties\":{\"mode\":{\"type\":\"string\"},"
		"\"apiToken\":{\"type\":\"string\",\"format\":\"secret-ref\"},"
		"\"reuseLease\":{\"type\":\"boolean\"}}}}]}\n",
		id, id, extra ? extra : "\"inheritEnv\":[\"TEST_WORKER_INIT\"],", worker, driver,
		driver);
	fclose(f);
	free(path);
	free(worker);
	return dir;
}

PluginHost *pf_host(const char *logdir, long timeout_ms)
{
	PluginHostOptions o = { 0 };
	PluginHost *h;

	o.host_version = "test";
	o.log_dir = logdir;
	o.default_timeout_ms = timeout_ms;
	o.kill_grace_ms = 300;
	o.backoff_base_ms = 50;
	o.backoff_max_ms = 400;
	o.max_line_bytes = 64 * 1024;
	o.log_max_bytes = 64 * 1024;
	h = plugin_host_new(&o);
	ck_assert_ptr_nonnull(h);
	return h;
}

char *pf_read(const char *path)
{
	Error err;
	char *s = fs_read_file(path, NULL, &err);

	return s ? s : strdup("");
}
