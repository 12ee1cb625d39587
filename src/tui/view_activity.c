/* The activity view: who changed what, newest first — names and changed
 * field names, never values (DESIGN §3). It holds the newest rows only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lib.h"
#include "tui/private.h"
#include "util/lib.h"

#define ACTIVITY_WINDOW 2000

static const TuiColumn activity_cols[] = {
	{ "AGE", 5, 0, true, false },
	{ "ACTION", 22, 1, false, false },
	{ "ENTITY", 14, 2, false, false },
	{ "ACTOR", 12, 1, false, false },
	{ "CHANGED", 10, 2, false, false },
};

static const TuiKey activity_keys[] = {
	{ 0, 0, 0, 0, NULL, NULL },
};

typedef struct ActivityState {
	TuiTable table;
	TuiRowSet all;
	StoreActivityList list; /* what the rows show, for `y` */
	char error[512];
} ActivityState;

static void activity_load(Tui *t, ActivityState *st)
{
	StoreActivityList list = { 0 };
	Error err;

	store_activity_list_clear(&st->list);
	memset(&st->list, 0, sizeof st->list);
	tui_rows_empty(&st->all);
	tui_table_invalidate(&st->table);
	error_clear(&err);
	if (activity_list(t->app, NULL, ACTIVITY_WINDOW, 0, &list, &err) != ST_OK) {
		snprintf(st->error, sizeof st->error, "%s", error_text(&err));
		return;
	}
	st->error[0] = 0;
	for (size_t i = 0; i < list.count; i++) {
		const StoreActivity *a = &list.items[i];
		char age[16], *fields = NULL, ent[400], id[32];
		TuiRow *row;
		const cJSON *f;
		Buf b = BUF_INIT;

		snprintf(id, sizeof id, "%lld", (long long)a->id);
		row = tui_rows_add(&st->all, id);
		if (!row)
			break;
		time_age(a->created_at, tui_now(t), age, sizeof age);
		tui_row_set(row, 0, age, TONE_DIM);
		tui_row_set_key(row, 0, a->created_at);
		tui_row_set(row, 1, a->action,
			    strstr(a->action, "deleted") || strstr(a->action, "destroyed") ? TONE_WARN
											  : TONE_NORMAL);
		snprintf(ent, sizeof ent, "%s", a->entity_name ? a->entity_name : a->entity_id);
		tui_row_set(row, 2, ent, TONE_NORMAL);
		tui_row_set(row, 3, a->actor, TONE_DIM);
		cJSON_ArrayForEach(f, a->changed_fields)
			if (cJSON_IsString(f))
				buf_printf(&b, "%s%s", b.len ? "," : "", f->valuestring);
		fields = buf_take(&b);
		tui_row_set(row, 4, fields ? fields : "", TONE_NORMAL);
		free(fields);
	}
	st->list = list;
}

static Status activity_open(Tui *t, TuiView *v, const void *arg, Error *err)
{
	ActivityState *st = calloc(1, sizeof *st);

	if (!st)
		return error_set(err, ST_E_NOMEM, "out of memory");
	tui_table_init(&st->table, activity_cols, sizeof activity_cols / sizeof activity_cols[0],
		       tui_table_mem_fetch, &st->all);
	/* Newest first: the source's order, until the operator sorts. */
	st->table.sort_col = -1;
	st->table.filter = v->filter;
	v->state = st;
	v->table = &st->table;
	snprintf(v->title, sizeof v->title, "Activity");
	activity_load(t, st);
	return ST_OK;
}

static void activity_close(Tui *t, TuiView *v)
{
	ActivityState *st = v->state;

	tui_table_clear(&st->table);
	tui_rows_clear(&st->all);
	store_activity_list_clear(&st->list);
	free(st);
}

static void activity_draw(Tui *t, TuiView *v, int y, int x, int h, int w)
{
	ActivityState *st = v->state;

	if (st->error[0]) {
		tui_screen_box(&t->scr, y, x, h, w, "Activity");
		tui_screen_text(&t->scr, y + 1, x + 2, w - 4, TONE_ERROR, false, st->error);
		return;
	}
	st->table.empty = "no activity yet";
	tui_table_draw(&st->table, &t->scr, y + 1, x + 1, h - 2, w - 2);
	tui_frame(t, v, y, x, h, w, "Activity");
}

static void activity_reload(Tui *t, TuiView *v, bool live)
{
	activity_load(t, v->state);
}

static cJSON *activity_describe(Tui *t, TuiView *v, Error *err)
{
	ActivityState *st = v->state;
	const TuiRow *row = tui_table_selected(&st->table);

	for (size_t i = 0; row && row->id && i < st->list.count; i++) {
		char id[32];

		snprintf(id, sizeof id, "%lld", (long long)st->list.items[i].id);
		if (!strcmp(id, row->id))
			return describe_activity(&st->list.items[i]);
	}
	return NULL;
}

const TuiViewOps tui_view_activity = {
	.name = "activity",
	.alias = "act",
	.keys = activity_keys,
	.top_level = true,
	.filterable = true,
	.min_w = 60,
	.min_h = 12,
	.open = activity_open,
	.close = activity_close,
	.draw = activity_draw,
	.reload = activity_reload,
	.describe = activity_describe,
};
