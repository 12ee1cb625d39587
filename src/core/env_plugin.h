/* Plugins per machine (issue #17): providers run on the console's
 * machine, so an environment in a shared registry may name a provider
 * whose plugin this console does not have. It can still be browsed; an
 * edit, probe or acquire is refused with one sentence instead of acting on
 * an unknown schema. Which plugin (id and version) provided an environment
 * is recorded in its metadata ("envctlPlugin") at every save. */
#ifndef ENVCTL_CORE_ENV_PLUGIN_H
#define ENVCTL_CORE_ENV_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>

#include "core/app.h"

/* When e's provider is not in this console's registry: true, and buf gets
 * "provider not installed here (plugin ID VERSION)". */
bool env_provider_missing(const App *app, const StoreEnv *e, char *buf, size_t n);
/* e's provider, or ST_E_UNSUPPORTED naming the environment, the missing
 * plugin and what was refused (what: "edit it", "probe it", ...). */
Status env_provider_require(App *app, const StoreEnv *e, const char *what, Provider **out,
			    Error *err);
/* Sets metadata.envctlPlugin = {id, version} for a plugin provider (and
 * removes it for a built-in one). */
Status env_record_plugin(cJSON *metadata, const Provider *p, Error *err);

#endif
