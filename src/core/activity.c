#include "core/activity.h"

#include <string.h>

Status activity_list(App *app, const char *entity_id, long limit, long offset,
		     StoreActivityList *out, Error *err)
{
	Store *s;

	memset(out, 0, sizeof *out);
	if (app_store(app, &s, err) != ST_OK)
		return err->status;
	return store_activity_list(s, entity_id, limit, offset, out, err);
}
