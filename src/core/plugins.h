/* The plugins behind plugin-backed providers, as both front ends show and
 * act on them: find one by plugin id or provider key, its worker's state,
 * its log, restart, import. The front ends call these, never plugin/. */
#ifndef ENVCTL_CORE_PLUGINS_H
#define ENVCTL_CORE_PLUGINS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/app.h"
#include "plugin/lib.h"

typedef struct PluginView {
	const PluginManifest *manifest; /* borrowed from the App */
	bool loaded;                    /* has a worker: its manifest is usable */
	PluginWorkerInfo info;          /* meaningful when loaded */
	const char *state;              /* "not loaded", "stopped", "running", ... */
	char *status;                   /* one line for people */
	char *log_path;                 /* NULL when the plugin has no id */
} PluginView;

/* By plugin id, or by a provider key one of its drivers declares. An
 * unknown key is ST_E_NOT_FOUND naming the known plugins. */
Status plugins_find(App *app, const char *key, const PluginManifest **out, Error *err);
Status plugins_view(App *app, const PluginManifest *m, PluginView *out, Error *err);
void plugins_view_clear(PluginView *v);
/* Is this driver of the manifest the provider the registry uses for its key
 * (and not shadowed by a conflict)? */
bool plugins_driver_registered(App *app, const PluginManifest *m, const char *driver_key);
/* Starts the worker afresh and asks it for its health (*health may be NULL). */
Status plugins_restart(App *app, const char *key, cJSON **health, Error *err);
/* The last lines of the plugin's log (stderr and log notifications). */
Status plugins_log_tail(App *app, const char *key, size_t lines, char **out, Error *err);
/* The file the plugin's log is written to (it may not exist yet; when it
 * outgrows its bound it is renamed to PATH.1 and started afresh), for
 * following it. The caller frees *out. */
Status plugins_log_file(App *app, const char *key, char **out, Error *err);
/* `plugin import`: refused in read-only mode. */
Status plugins_import(App *app, const char *dir, const PluginImportOptions *opts,
		      PluginImportResult *out, Error *err);

#endif
