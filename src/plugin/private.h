/* plugin's internals: how a worker process is started (spawn.h), shared
 * by the host (worker.c) and the C workers' helpers (proc.c). Nothing
 * outside plugin/ includes this. */
#ifndef ENVCTL_PLUGIN_PRIVATE_H
#define ENVCTL_PLUGIN_PRIVATE_H

#include "plugin/lib.h"

#include "plugin/spawn.h"

#endif
