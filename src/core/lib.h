/* core: providers, registry and the actions both front ends call; the
 * front ends include this header and nothing else of core. No curses, no
 * SQL text. It re-exports store/lib.h and plugin/lib.h because its
 * actions take and return their types (StoreLease, PluginManifest, ...). */
#ifndef ENVCTL_CORE_LIB_H
#define ENVCTL_CORE_LIB_H

#include "plugin/lib.h"
#include "schema/lib.h"
#include "store/lib.h"
#include "util/lib.h"

#include "core/activity.h"
#include "core/app.h"
#include "core/dbadmin.h"
#include "core/demo.h"
#include "core/describe.h"
#include "core/env_plugin.h"
#include "core/environment.h"
#include "core/lease.h"
#include "core/lease_reuse.h"
#include "core/lease_shell.h"
#include "core/operators.h"
#include "core/plugins.h"
#include "core/probe.h"
#include "core/provider.h"
#include "core/registry.h"
#include "core/runtime.h"
#include "core/query.h"
#include "core/secrets.h"

#endif
