/* Plugin-backed providers: each sandbox_provider driver a plugin declares
 * becomes a Provider whose operations are JSON-RPC calls to the plugin's
 * worker (DESIGN §6). Matching and config-from-metadata stay NULL so the
 * generic rules of DESIGN §4.1 apply. */
#ifndef ENVCTL_CORE_PROVIDER_PLUGIN_H
#define ENVCTL_CORE_PROVIDER_PLUGIN_H

#include "core/registry.h"
#include "plugin/lib.h"

/* The companyId every call carries: envctl has no companies. */
#define PROVIDER_PLUGIN_COMPANY_ID "envctl"

/* A provider for driver d of manifest m, calling worker w. NULL when out
 * of memory. */
Provider *provider_plugin_new(PluginHost *host, PluginWorker *w, const PluginManifest *m,
			      const PluginDriver *d);

/* Adds a worker for every usable plugin of the catalog to host and
 * registers its sandbox providers. Broken manifests, key conflicts between
 * plugins (neither is used) and keys taken by a built-in provider become
 * registry problems naming the folders. Fails only when out of memory. */
Status provider_plugins_register(Registry *r, const PluginCatalog *c, PluginHost *host,
				 Error *err);

/* The worker behind a plugin provider, or NULL for a built-in one. */
PluginWorker *provider_plugin_worker(const Provider *p);

#endif
