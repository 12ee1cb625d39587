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

/* A best-effort activity row with details (taken and freed): the row is a
 * record, not a precondition, so a failure to write it is ignored rather
 * than undoing what the provider already did (core/activity.c). */
void activity_note(Store *s, const char *actor, const char *action, const char *entity_type,
		   const char *entity_id, const char *entity_name, cJSON *details);

#endif
