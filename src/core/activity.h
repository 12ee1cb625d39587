/* The activity log's reads, for the front ends (core writes its rows
 * itself, next to each change). */
#ifndef ENVCTL_CORE_ACTIVITY_H
#define ENVCTL_CORE_ACTIVITY_H

#include "core/app.h"

/* Newest first, limit rows from offset; entity_id NULL: every entity's. */
Status activity_list(App *app, const char *entity_id, long limit, long offset,
		     StoreActivityList *out, Error *err);

#endif
