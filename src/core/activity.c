#include "core/activity.h"

#include <string.h>

#include "core/private.h"

void activity_note(Store *s, const char *actor, const char *action, const char *entity_type,
		   const char *entity_id, const char *entity_name, cJSON *details)
{
	StoreActivityNew a = {
		.actor = actor,
		.action = action,
		.entity_type = entity_type,
		.entity_id = entity_id,
		.entity_name = entity_name,
		.details = details,
	};
	Error ignored;

	store_activity_add(s, &a, &ignored);
	cJSON_Delete(details);
}

Status activity_list(App *app, const char *entity_id, long limit, long offset,
		     StoreActivityList *out, Error *err)
{
	Store *s;

	memset(out, 0, sizeof *out);
	if (app_store(app, &s, err) != ST_OK)
		return err->status;
	return store_activity_list(s, entity_id, limit, offset, out, err);
}
