/* libFuzzer target for the manifest loader and provider registration: the
 * input is a plugin's manifest.json (written to a folder and loaded from
 * disk, as discovery does). If a NUL splits it, the second part is a second
 * plugin's manifest, so key conflicts between plugins are reached too. Both
 * go into a catalog that is registered into a fresh registry (built-in fake
 * provider included), with no worker started.
 * Invariants: a manifest always comes back (NULL only for out of memory)
 * and is usable exactly when it has an id and no errors; every driver of a
 * usable manifest has a valid key; every registered plugin provider is
 * found again by its key and has a schema; problems are non-empty text. */
#include <sys/stat.h>

#include "core/provider_plugin.h"
#include "fuzz_util.h"
#include "util/fs.h"

static char *fz_forms;
static PluginHost *fz_host;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	PluginHostOptions opts = { .host_version = "fuzz" };
	char logdir[600];

	fz_forms = fs_find_resource_dir("forms");
	FUZZ_ASSERT(fz_forms);
	snprintf(logdir, sizeof logdir, "%s/logs", fuzz_tmpdir());
	opts.log_dir = logdir;
	fz_host = plugin_host_new(&opts);
	FUZZ_ASSERT(fz_host);
	return 0;
}

static PluginManifest *load_from(const char *name, const char *text)
{
	char dir[700], path[800];
	PluginManifest *m;

	snprintf(dir, sizeof dir, "%s/%s", fuzz_tmpdir(), name);
	mkdir(dir, 0700);
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	fuzz_write_file(path, text, strlen(text));
	m = plugin_manifest_load(dir);
	FUZZ_ASSERT(m != NULL);
	FUZZ_ASSERT(plugin_manifest_ok(m) == (m->id && m->error_count == 0));
	for (size_t i = 0; i < m->error_count; i++)
		FUZZ_ASSERT(m->errors[i] && m->errors[i][0]);
	if (plugin_manifest_ok(m))
		for (size_t i = 0; i < m->driver_count; i++)
			FUZZ_ASSERT(plugin_driver_key_valid(m->drivers[i].driver_key));
	free(plugin_manifest_errors_text(m));
	(void)plugin_manifest_initialize_json(m);
	return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *parts[2] = { NULL, NULL };
	size_t n = fuzz_split(data, size, parts, 2);
	PluginManifest *items[2] = { NULL, NULL };
	PluginCatalog cat = { .items = items, .count = 0 };
	PluginHost *host;
	PluginHostOptions opts = { .host_version = "fuzz", .log_dir = fuzz_tmpdir() };
	Registry reg;
	Error err;

	for (size_t i = 0; i < n; i++)
		items[cat.count++] = load_from(i ? "b" : "a", parts[i]);
	memset(&reg, 0, sizeof reg);
	FUZZ_ASSERT(registry_init(&reg, fz_forms, &err) == ST_OK);
	/* A host per input: workers point at their manifests. */
	host = plugin_host_new(&opts);
	FUZZ_ASSERT(host);
	if (provider_plugins_register(&reg, &cat, host, &err) == ST_OK) {
		for (size_t i = 0; i < reg.count; i++) {
			Provider *p = reg.items[i], *found = NULL;
			Error e2;

			FUZZ_ASSERT(p->key && p->key[0]);
			FUZZ_ASSERT(registry_require(&reg, p->key, &found, &e2) == ST_OK && found == p);
			FUZZ_ASSERT(cJSON_IsObject(p->config_schema) || cJSON_IsTrue(p->config_schema) ||
				    p->config_schema == NULL || cJSON_IsBool(p->config_schema));
			if (p->ops->describe_status)
				free(p->ops->describe_status(p));
		}
		for (size_t i = 0; i < reg.problem_count; i++)
			FUZZ_ASSERT(reg.problems[i] && reg.problems[i][0]);
	}
	registry_clear(&reg);
	plugin_host_free(host);
	for (size_t i = 0; i < cat.count; i++)
		plugin_manifest_free(items[i]);
	fuzz_parts_free(parts, n);
	(void)fz_host;
	return 0;
}
