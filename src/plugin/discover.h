/* Finding plugins. A search directory is either a plugin folder itself
 * (it holds manifest.json) or a directory of plugin folders. The order is
 * the precedence shown to operators:
 *   1. each entry of $ENVCTL_PLUGIN_PATH (':'-separated),
 *   2. $XDG_DATA_HOME/envctl/plugins (where `plugin import` links),
 *   3. the bundled plugins: build/plugins next to a binary in the build
 *      tree, else the installed share directory's plugins/.
 * Two plugins claiming one driver key are a conflict for the caller to
 * report; the catalog only refuses two folders with one plugin id. */
#ifndef ENVCTL_PLUGIN_DISCOVER_H
#define ENVCTL_PLUGIN_DISCOVER_H

#include <stddef.h>

#include "plugin/manifest.h"

typedef struct PluginCatalog {
	PluginManifest **items; /* every manifest found, broken ones included */
	size_t count, cap;
} PluginCatalog;

/* The search directories in precedence order (NULL-terminated; free with
 * plugin_dirs_free). Directories that do not exist are left out. */
char **plugin_search_dirs(void);
/* Where `plugin import` links imported plugins. Caller frees. */
char *plugin_user_dir(void);
void plugin_dirs_free(char **dirs);

/* Loads every plugin under dirs (NULL-terminated). Fails only when out of
 * memory; unreadable folders and broken manifests become entries with
 * errors. */
Status plugin_catalog_load(PluginCatalog *c, char *const *dirs, Error *err);
void plugin_catalog_clear(PluginCatalog *c);
/* By plugin id, else by a driver key it declares. */
PluginManifest *plugin_catalog_find(const PluginCatalog *c, const char *id_or_driver);

#endif
