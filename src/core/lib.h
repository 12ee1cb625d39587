/* core: providers, registry and the actions both front ends call.
 * No curses, no SQL text. */
#ifndef ENVCTL_CORE_LIB_H
#define ENVCTL_CORE_LIB_H

#include "core/app.h"
#include "core/environment.h"
#include "core/lease_rules.h"
#include "core/provider.h"
#include "core/provider_plugin.h"
#include "core/registry.h"
#include "core/secrets.h"
#include "core/describe.h"
#include "core/env_plugin.h"
#include "core/lease.h"
#include "core/lease_shell.h"
#include "core/plugins.h"
#include "core/probe.h"
#include "core/query.h"
#include "core/runtime.h"
#include "store/lib.h"

#endif
