/* `envctl plugin import DIR`: makes a plugin package built with Paperclip's
 * SDK (@paperclipai/plugin-sdk) loadable as is. Its package.json names the
 * manifest module and the worker under "paperclipPlugin"; the manifest
 * module is evaluated once with node, and the console's manifest.json is
 * written next to package.json: worker ["node", <worker>], the SDK
 * manifest's drivers, and the SDK manifest itself as "paperclipManifest"
 * (what `initialize` sends the worker). The folder is then linked into the
 * user plugin directory so the next start finds it. */
#ifndef ENVCTL_PLUGIN_IMPORT_H
#define ENVCTL_PLUGIN_IMPORT_H

#include <stdbool.h>

#include "util/lib.h"

typedef struct PluginImportOptions {
	char *const *inherit_env; /* NULL-terminated, may be NULL */
	bool link;                /* link DIR into plugin_user_dir() */
	bool force;               /* replace a manifest.json or link not ours */
} PluginImportOptions;

typedef struct PluginImportResult {
	char *id;
	char *version;
	char *manifest_path;
	char *link_path; /* NULL when not linked */
	char *drivers;   /* "e2b, docker" */
} PluginImportResult;

Status plugin_import(const char *dir, const PluginImportOptions *opts, PluginImportResult *out,
		     Error *err);
void plugin_import_result_clear(PluginImportResult *r);

#endif
