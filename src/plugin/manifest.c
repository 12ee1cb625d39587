#include "plugin/manifest.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema/lib.h"
#include "plugin/private.h"
#include "util/lib.h"

#define PLUGIN_API_VERSION 1

static bool plugin_manifest_add(char ***list, size_t *count, size_t *cap, const char *fmt,
				va_list ap) __attribute__((format(printf, 4, 0)));

static bool plugin_manifest_add(char ***list, size_t *count, size_t *cap, const char *fmt,
				va_list ap)
{
	char *msg;

	if (!array_reserve(list, cap, *count, sizeof **list))
		return false;
	if (vasprintf(&msg, fmt, ap) < 0)
		return false;
	(*list)[(*count)++] = msg;
	return true;
}

void plugin_manifest_error(PluginManifest *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	plugin_manifest_add(&m->errors, &m->error_count, &m->error_cap, fmt, ap);
	va_end(ap);
}

static void plugin_manifest_warning(PluginManifest *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void plugin_manifest_warning(PluginManifest *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	plugin_manifest_add(&m->warnings, &m->warning_count, &m->warning_cap, fmt, ap);
	va_end(ap);
}

bool plugin_driver_key_valid(const char *key)
{
	if (!key || !((key[0] >= 'a' && key[0] <= 'z') || (key[0] >= '0' && key[0] <= '9')))
		return false;
	for (const char *p = key; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '.' ||
		      *p == '_' || *p == '-'))
			return false;
	return true;
}

bool plugin_env_name_forbidden(const char *name)
{
	/* The master key unlocks every stored secret: no worker ever sees it. */
	return strcmp(name, "ENVCTL_MASTER_KEY") == 0;
}

static bool plugin_env_name_valid(const char *name)
{
	if (!name[0] || (name[0] >= '0' && name[0] <= '9'))
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '_'))
			return false;
	return true;
}

static bool plugin_text_clean(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* A required, non-empty string member; NULL (and an error) otherwise. */
static char *plugin_manifest_string(PluginManifest *m, const cJSON *obj, const char *key,
				    const char *where, bool required)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
	char *s;

	if (!item) {
		if (required)
			plugin_manifest_error(m, "%s\"%s\" is required", where, key);
		return NULL;
	}
	if (!cJSON_IsString(item) || (required && !item->valuestring[0])) {
		plugin_manifest_error(m, "%s\"%s\" must be a non-empty string", where, key);
		return NULL;
	}
	s = strdup(item->valuestring);
	if (!s)
		plugin_manifest_error(m, "out of memory");
	return s;
}

static char **plugin_manifest_strings(PluginManifest *m, const cJSON *arr, const char *key)
{
	size_t n = (size_t)cJSON_GetArraySize(arr), i = 0;
	char **out = calloc(n + 1, sizeof *out);
	const cJSON *item;

	if (!out) {
		plugin_manifest_error(m, "out of memory");
		return NULL;
	}
	cJSON_ArrayForEach(item, arr) {
		if (!cJSON_IsString(item) || !item->valuestring[0]) {
			plugin_manifest_error(m, "\"%s\"[%zu] must be a non-empty string", key, i);
			continue;
		}
		out[i] = strdup(item->valuestring);
		if (!out[i]) {
			plugin_manifest_error(m, "out of memory");
			break;
		}
		i++;
	}
	return out;
}

static void plugin_manifest_load_worker(PluginManifest *m)
{
	const cJSON *worker = cJSON_GetObjectItemCaseSensitive(m->json, "worker");
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(m->json, "inheritEnv");

	if (!cJSON_IsArray(worker) || cJSON_GetArraySize(worker) < 1) {
		plugin_manifest_error(m, "\"worker\" must be a non-empty array: the worker's argv, "
					 "e.g. [\"./worker\"] (relative to the plugin folder)");
	} else {
		m->worker_argv = plugin_manifest_strings(m, worker, "worker");
	}
	if (env && !cJSON_IsArray(env)) {
		plugin_manifest_error(m, "\"inheritEnv\" must be an array of variable names");
		return;
	}
	m->inherit_env = env ? plugin_manifest_strings(m, env, "inheritEnv")
			     : calloc(1, sizeof *m->inherit_env);
	for (size_t i = 0; m->inherit_env && m->inherit_env[i]; i++) {
		if (!plugin_env_name_valid(m->inherit_env[i]))
			plugin_manifest_error(m, "\"inheritEnv\"[%zu]: \"%s\" is not a variable name", i,
					      m->inherit_env[i]);
		else if (plugin_env_name_forbidden(m->inherit_env[i]))
			plugin_manifest_error(m, "\"inheritEnv\"[%zu]: %s is never passed to a worker", i,
					      m->inherit_env[i]);
	}
}

static unsigned plugin_driver_caps(PluginManifest *m, const cJSON *caps, size_t index)
{
	unsigned out = 0;
	const cJSON *item;

	cJSON_ArrayForEach(item, caps) {
		if (cJSON_IsString(item) && strcmp(item->valuestring, "execute") == 0)
			out |= PLUGIN_DRIVER_EXECUTE;
		else if (cJSON_IsString(item) && strcmp(item->valuestring, "realizeWorkspace") == 0)
			out |= PLUGIN_DRIVER_REALIZE_WORKSPACE;
		else if (cJSON_IsString(item) && strcmp(item->valuestring, "interactiveShell") == 0)
			out |= PLUGIN_DRIVER_SHELL;
		else
			plugin_manifest_warning(m,
						"environmentDrivers[%zu]: unknown capability ignored "
						"(known: execute, realizeWorkspace, interactiveShell)",
						index);
	}
	return out;
}

/* As Paperclip's resolveDeclaredSandboxCapabilities: the nested
 * sandboxCapabilities.reusableLeases wins over the legacy flag. */
static int plugin_driver_reusable(PluginManifest *m, const cJSON *d, const char *where)
{
	const cJSON *nested = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(d, "sandboxCapabilities"), "reusableLeases");
	const cJSON *legacy = cJSON_GetObjectItemCaseSensitive(d, "supportsReusableLeases");
	const cJSON *v = nested ? nested : legacy;

	if (!v)
		return -1;
	if (!cJSON_IsBool(v)) {
		plugin_manifest_error(m, "%s%s must be true or false", where,
				      nested ? "sandboxCapabilities.reusableLeases"
					     : "supportsReusableLeases");
		return -1;
	}
	return cJSON_IsTrue(v) ? 1 : 0;
}

static void plugin_manifest_load_driver(PluginManifest *m, const cJSON *d, size_t index)
{
	PluginDriver *drv = &m->drivers[m->driver_count];
	char where[64];
	const cJSON *schema, *caps;

	snprintf(where, sizeof where, "environmentDrivers[%zu]: ", index);
	if (!cJSON_IsObject(d)) {
		plugin_manifest_error(m, "%smust be an object", where);
		return;
	}
	memset(drv, 0, sizeof *drv);
	drv->driver_key = plugin_manifest_string(m, d, "driverKey", where, true);
	drv->display_name = plugin_manifest_string(m, d, "displayName", where, true);
	drv->description = plugin_manifest_string(m, d, "description", where, false);
	drv->kind = plugin_manifest_string(m, d, "kind", where, false);
	if (drv->driver_key && !plugin_driver_key_valid(drv->driver_key))
		plugin_manifest_error(m, "%sdriverKey \"%s\" must match ^[a-z0-9][a-z0-9._-]*$", where,
				      drv->driver_key);
	for (size_t i = 0; drv->driver_key && i < m->driver_count; i++)
		if (m->drivers[i].driver_key && strcmp(m->drivers[i].driver_key, drv->driver_key) == 0)
			plugin_manifest_error(m, "%sdriverKey \"%s\" is declared twice", where,
					      drv->driver_key);
	if (drv->kind && strcmp(drv->kind, PLUGIN_KIND_SANDBOX) != 0 &&
	    strcmp(drv->kind, "environment_driver") != 0)
		plugin_manifest_error(m, "%skind \"%s\" must be \"sandbox_provider\" or "
					 "\"environment_driver\"",
				      where, drv->kind);
	else if (!drv->kind || strcmp(drv->kind, PLUGIN_KIND_SANDBOX) != 0)
		plugin_manifest_warning(m,
					"%sdriver \"%s\" is not kind \"sandbox_provider\"; only sandbox "
					"providers become envctl providers",
					where, drv->driver_key ? drv->driver_key : "?");
	schema = cJSON_GetObjectItemCaseSensitive(d, "configSchema");
	if (!cJSON_IsObject(schema))
		plugin_manifest_error(m, "%sconfigSchema must be a JSON Schema object", where);
	else
		drv->config_schema = schema;
	drv->reusable_leases = plugin_driver_reusable(m, d, where);
	caps = cJSON_GetObjectItemCaseSensitive(d, "capabilities");
	if (caps && !cJSON_IsArray(caps)) {
		plugin_manifest_error(m, "%scapabilities must be an array of strings", where);
	} else if (caps) {
		drv->caps = plugin_driver_caps(m, caps, index);
		drv->caps_declared = true;
	} else {
		/* Unknown until the worker's initialize says; assume it executes. */
		drv->caps = PLUGIN_DRIVER_EXECUTE;
	}
	m->driver_count++;
}

/* The schema engine's lint judges each configSchema (bad $ref, invalid
 * pattern, a default that fails its own schema...); the manifest's other
 * fields are checked above, so only configSchema findings are taken. */
static void plugin_manifest_lint_schemas(PluginManifest *m)
{
	LintReport r;
	Error err;

	error_clear(&err);
	if (schema_lint_manifest(m->json, &r, &err) != ST_OK)
		return;
	for (size_t i = 0; i < r.count; i++) {
		const LintFinding *f = &r.items[i];

		if (!f->pointer || !strstr(f->pointer, "/configSchema"))
			continue;
		if (f->level == LINT_ERROR)
			plugin_manifest_error(m, "%s: %s", f->pointer, f->message);
		else
			plugin_manifest_warning(m, "%s: %s", f->pointer, f->message);
	}
	lint_report_clear(&r);
}

static void plugin_manifest_check(PluginManifest *m)
{
	const cJSON *api, *drivers, *d, *pc;
	size_t i = 0;

	m->id = plugin_manifest_string(m, m->json, "id", "", true);
	if (m->id && !plugin_text_clean(m->id)) {
		plugin_manifest_error(m, "\"id\" contains control characters");
		free(m->id);
		m->id = NULL;
	}
	m->name = plugin_manifest_string(m, m->json, "name", "", true);
	m->version = plugin_manifest_string(m, m->json, "version", "", true);
	m->description = plugin_manifest_string(m, m->json, "description", "", false);
	api = cJSON_GetObjectItemCaseSensitive(m->json, "apiVersion");
	if (!cJSON_IsNumber(api))
		plugin_manifest_error(m, "\"apiVersion\" is required (envctl speaks apiVersion %d)",
				      PLUGIN_API_VERSION);
	else if (api->valuedouble != PLUGIN_API_VERSION)
		plugin_manifest_error(m, "apiVersion %g is not supported (envctl speaks %d)",
				      api->valuedouble, PLUGIN_API_VERSION);
	else
		m->api_version = PLUGIN_API_VERSION;
	plugin_manifest_load_worker(m);
	pc = cJSON_GetObjectItemCaseSensitive(m->json, "paperclipManifest");
	if (pc && !cJSON_IsObject(pc))
		plugin_manifest_error(m, "\"paperclipManifest\" must be an object");
	drivers = cJSON_GetObjectItemCaseSensitive(m->json, "environmentDrivers");
	if (!drivers) {
		plugin_manifest_warning(m, "declares no environmentDrivers, so it adds no provider");
		return;
	}
	if (!cJSON_IsArray(drivers)) {
		plugin_manifest_error(m, "\"environmentDrivers\" must be an array");
		return;
	}
	m->drivers = calloc((size_t)cJSON_GetArraySize(drivers) + 1, sizeof *m->drivers);
	if (!m->drivers) {
		plugin_manifest_error(m, "out of memory");
		return;
	}
	cJSON_ArrayForEach(d, drivers)
		plugin_manifest_load_driver(m, d, i++);
	if (i == 0)
		plugin_manifest_warning(m, "declares no environmentDrivers, so it adds no provider");
	plugin_manifest_lint_schemas(m);
}

PluginManifest *plugin_manifest_from_json(const char *dir, cJSON *json)
{
	PluginManifest *m = calloc(1, sizeof *m);

	if (!m) {
		cJSON_Delete(json);
		return NULL;
	}
	m->dir = strdup(dir);
	m->path = fs_join(dir, PLUGIN_MANIFEST_FILE);
	m->json = json;
	if (!m->dir || !m->path) {
		plugin_manifest_free(m);
		return NULL;
	}
	if (!cJSON_IsObject(json))
		plugin_manifest_error(m, "%s is not a JSON object", m->path);
	else
		plugin_manifest_check(m);
	return m;
}

PluginManifest *plugin_manifest_load(const char *dir)
{
	char *path = fs_join(dir, PLUGIN_MANIFEST_FILE);
	PluginManifest *m;
	cJSON *json;
	Error err;

	if (!path)
		return NULL;
	error_clear(&err);
	json = json_parse_file(path, &err);
	free(path);
	m = plugin_manifest_from_json(dir, json);
	if (m && !json)
		plugin_manifest_error(m, "%s", error_text(&err));
	return m;
}

static void plugin_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void plugin_manifest_free(PluginManifest *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->driver_count; i++) {
		free(m->drivers[i].driver_key);
		free(m->drivers[i].kind);
		free(m->drivers[i].display_name);
		free(m->drivers[i].description);
	}
	free(m->drivers);
	for (size_t i = 0; i < m->error_count; i++)
		free(m->errors[i]);
	for (size_t i = 0; i < m->warning_count; i++)
		free(m->warnings[i]);
	free(m->errors);
	free(m->warnings);
	plugin_strv_free(m->worker_argv);
	plugin_strv_free(m->inherit_env);
	free(m->dir);
	free(m->path);
	free(m->id);
	free(m->name);
	free(m->version);
	free(m->description);
	cJSON_Delete(m->json);
	free(m);
}

bool plugin_manifest_ok(const PluginManifest *m)
{
	return m && m->error_count == 0 && m->id;
}

const PluginDriver *plugin_manifest_driver(const PluginManifest *m, const char *driver_key)
{
	for (size_t i = 0; m && driver_key && i < m->driver_count; i++)
		if (m->drivers[i].driver_key && strcmp(m->drivers[i].driver_key, driver_key) == 0)
			return &m->drivers[i];
	return NULL;
}

const cJSON *plugin_manifest_initialize_json(const PluginManifest *m)
{
	const cJSON *pc = cJSON_GetObjectItemCaseSensitive(m->json, "paperclipManifest");

	return cJSON_IsObject(pc) ? pc : m->json;
}

char *plugin_manifest_errors_text(const PluginManifest *m)
{
	Buf b = BUF_INIT;

	for (size_t i = 0; i < m->error_count; i++)
		if (!buf_printf(&b, "%s%s", i ? "; " : "", m->errors[i])) {
			buf_clear(&b);
			return NULL;
		}
	return buf_take(&b);
}
