/* core's internals: what core's own modules share and no front end may
 * call (the parallel runner, redaction of provider answers, plugin-backed
 * providers, the lease rules). Front ends include core/lib.h only. */
#ifndef ENVCTL_CORE_PRIVATE_H
#define ENVCTL_CORE_PRIVATE_H

#include "core/lib.h"

#include "core/lease_rules.h"
#include "core/parallel.h"
#include "core/provider_plugin.h"
#include "core/redact.h"

#endif
