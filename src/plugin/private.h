/* plugin's internals: how a worker process is started (spawn.h), shared
 * by the host (worker.c) and the C workers' helpers (proc.c). Nothing
 * outside plugin/ includes this. */
#ifndef ENVCTL_PLUGIN_PRIVATE_H
#define ENVCTL_PLUGIN_PRIVATE_H

#include "plugin/lib.h"

#include "plugin/spawn.h"

/* Adds a load problem to m's errors (out of memory: dropped; the manifest
 * is then still unusable for the problems already listed). */
void plugin_manifest_error(PluginManifest *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
