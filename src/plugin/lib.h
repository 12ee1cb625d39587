/* plugin: manifests, discovery, the worker runtime (host side) and the
 * helpers C workers are built on (proc.h, serve.h: what the programs in
 * src/plugins link). Depends only on util/ and schema/. */
#ifndef ENVCTL_PLUGIN_LIB_H
#define ENVCTL_PLUGIN_LIB_H

#include "plugin/discover.h"
#include "plugin/import.h"
#include "plugin/log.h"
#include "plugin/manifest.h"
#include "plugin/proc.h"
#include "plugin/rpc.h"
#include "plugin/serve.h"
#include "plugin/worker.h"

#endif
