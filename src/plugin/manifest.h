/* Plugin manifests (DESIGN §6 plus how to start the worker).
 *
 * A plugin is a folder holding manifest.json:
 *   { "id", "name", "version", "apiVersion", "description"?,
 *     "worker": ["./bwrap", ...]   argv; a first element with a '/' is
 *                                  relative to the folder, else found on PATH
 *     "inheritEnv": ["E2B_API_KEY"] variables the worker may inherit
 *     "environmentDrivers": [{ driverKey, kind, displayName, description,
 *                              configSchema, capabilities? }],
 *     "paperclipManifest"?: {...}  the SDK manifest `plugin import` evaluated;
 *                                  sent in `initialize` instead of this file }
 * A manifest that does not load is kept with its errors so the console can
 * list it instead of failing. */
#ifndef ENVCTL_PLUGIN_MANIFEST_H
#define ENVCTL_PLUGIN_MANIFEST_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/lib.h"

#define PLUGIN_MANIFEST_FILE "manifest.json"
#define PLUGIN_KIND_SANDBOX "sandbox_provider"

/* Driver capabilities a manifest may declare; the worker's `initialize`
 * supportedMethods refine them once it runs. */
enum {
	PLUGIN_DRIVER_EXECUTE = 1u << 0,
	PLUGIN_DRIVER_REALIZE_WORKSPACE = 1u << 1,
	/* envctl's own: the worker runs interactive shells (serve.h). */
	PLUGIN_DRIVER_SHELL = 1u << 2,
};

typedef struct PluginDriver {
	char *driver_key;
	char *kind;         /* "sandbox_provider" | "environment_driver" */
	char *display_name;
	char *description;
	const cJSON *config_schema; /* borrowed from the manifest's JSON */
	unsigned caps;              /* PLUGIN_DRIVER_* */
	bool caps_declared;         /* the manifest listed "capabilities" */
	/* Paperclip's supportsReusableLeases, or sandboxCapabilities.
	 * reusableLeases (which wins): 1 declared true, 0 declared false, -1
	 * not declared. */
	int reusable_leases;
} PluginDriver;

typedef struct PluginManifest {
	char *dir;  /* the plugin folder (absolute) */
	char *path; /* its manifest.json */
	char *id;   /* NULL when the manifest is too broken to say */
	char *name;
	char *version;
	char *description;
	int api_version;
	char **worker_argv; /* NULL-terminated, as written */
	char **inherit_env; /* NULL-terminated */
	PluginDriver *drivers;
	size_t driver_count;
	cJSON *json; /* the whole manifest */
	/* Load and lint problems. Any error makes the plugin unusable. */
	char **errors;
	size_t error_count, error_cap;
	char **warnings;
	size_t warning_count, warning_cap;
} PluginManifest;

/* Loads DIR/manifest.json. Returns NULL only when out of memory; a
 * missing or invalid manifest comes back with errors. */
PluginManifest *plugin_manifest_load(const char *dir);
/* Checks an already parsed manifest (takes ownership of json). */
PluginManifest *plugin_manifest_from_json(const char *dir, cJSON *json);
void plugin_manifest_free(PluginManifest *m);

bool plugin_manifest_ok(const PluginManifest *m);
const PluginDriver *plugin_manifest_driver(const PluginManifest *m, const char *driver_key);
/* The manifest sent in `initialize`: paperclipManifest when present. */
const cJSON *plugin_manifest_initialize_json(const PluginManifest *m);
/* All errors joined with "; " (caller frees). */
char *plugin_manifest_errors_text(const PluginManifest *m);

/* ^[a-z0-9][a-z0-9._-]*$ (P). */
bool plugin_driver_key_valid(const char *key);
/* Variables a manifest may never inherit, whatever it asks. */
bool plugin_env_name_forbidden(const char *name);

#endif
