/* A secret's detail: versions, bindings and recent access (never the
 * value). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lib.h"
#include "tui/private.h"
#include "util/lib.h"

static const TuiKey secret_keys[] = {
	{ 'r', 0, SEC_ACT_ROTATE, TUI_KEY_FOOTER | TUI_KEY_CHANGES, "rotate",
	  "Rotate: type a new value, it becomes the current version" },
	{ 'v', 0, SEC_ACT_VERIFY, TUI_KEY_FOOTER, "verify",
	  "Verify a typed value against the current version (nothing is stored)" },
	{ 'd', 0, SEC_ACT_DISABLE, TUI_KEY_CHANGES, "disable",
	  "Disable the secret (again: enable it)" },
	{ 'D', TUI_FN(KEY_DC), SEC_ACT_DELETE, TUI_KEY_FOOTER | TUI_KEY_CHANGES, "delete",
	  "Delete the secret (asks first)" },
	{ 0, 0, 0, 0, NULL, NULL },
};

static const TuiColumn secret_cols[] = {
	{ "FIELD", 18, 0, false, false },
	{ "VALUE", 20, 1, false, false },
};

static void secret_load(Tui *t, TuiDetail *st)
{
	StoreSecret sec = { 0 };
	StoreAccessEventList ev = { 0 };
	Error err;
	char buf[600], age[16];

	tui_rows_empty(&st->all);
	tui_table_invalidate(&st->table);
	error_clear(&err);
	if (secrets_get(t->app, st->id, &sec, &err) != ST_OK) {
		tui_rows_line(&st->all, "", error_text(&err), TONE_ERROR);
		return;
	}
	snprintf(st->name, sizeof st->name, "%s", sec.name);
	tui_rows_line(&st->all, "Secret", NULL, TONE_NORMAL);
	tui_rows_line(&st->all, "Name", sec.name, TONE_NORMAL);
	tui_rows_line(&st->all, "Id", sec.id, TONE_DIM);
	tui_rows_line(&st->all, "Value", "never shown: rotate it or verify a typed value", TONE_DIM);
	tui_rows_line(&st->all, "Status", sec.status, TONE_NORMAL);
	snprintf(buf, sizeof buf, "%ld (of %ld made)", sec.current_version, sec.latest_version);
	tui_rows_line(&st->all, "Current version", buf, TONE_NORMAL);
	if (sec.description && sec.description[0])
		tui_rows_wrapped(&st->all, "Description", sec.description, 60, TONE_NORMAL);
	tui_rows_line(&st->all, "Origin", sec.origin ? sec.origin : "", TONE_NORMAL);
	tui_rows_line(&st->all, "Created", sec.created_at, TONE_DIM);
	tui_rows_line(&st->all, "Last rotated", sec.last_rotated_at ? sec.last_rotated_at : "never",
		      TONE_DIM);
	tui_rows_line(&st->all, "Last used", sec.last_resolved_at ? sec.last_resolved_at : "never",
		      TONE_DIM);
	tui_rows_line(&st->all, "Bindings", NULL, TONE_NORMAL);
	if (!sec.bindings.count)
		tui_rows_line(&st->all, "", "(not bound)", TONE_DIM);
	for (size_t i = 0; i < sec.bindings.count; i++) {
		const StoreBinding *b = &sec.bindings.items[i];

		snprintf(buf, sizeof buf, "%s %s", b->target_name ? b->target_name : b->target_id,
			 b->config_path);
		tui_rows_line(&st->all, b->target_type, buf, TONE_NORMAL);
	}
	tui_rows_line(&st->all, "Recent access", NULL, TONE_NORMAL);
	if (query_secret_access(t->app, sec.id, 20, &ev, &err) == ST_OK) {
		if (!ev.count)
			tui_rows_line(&st->all, "", "(never resolved)", TONE_DIM);
		for (size_t i = 0; i < ev.count; i++) {
			const StoreAccessEvent *e = &ev.items[i];

			time_age(e->created_at, tui_now(t), age, sizeof age);
			snprintf(buf, sizeof buf, "%s v%ld %s %s%s%s%s%s", e->outcome, e->version,
				 e->consumer, e->config_path ? e->config_path : "",
				 e->error ? ": " : "", e->error ? e->error : "",
				 e->operator_name ? " by " : "",
				 e->operator_name ? e->operator_name : "");
			tui_rows_line(&st->all, age, buf,
				      access_outcome_is(e->outcome, ACCESS_SUCCESS) ? TONE_NORMAL : TONE_ERROR);
		}
		store_access_event_list_clear(&ev);
	} else {
		tui_rows_line(&st->all, "", error_text(&err), TONE_ERROR);
	}
	store_secret_clear(&sec);
}

static Status secret_open(Tui *t, TuiView *v, const void *arg, Error *err)
{
	TuiDetail *st;

	if (tui_detail_open(t, v, secret_cols, arg, secret_load, err) != ST_OK)
		return err->status;
	st = v->state;
	snprintf(v->title, sizeof v->title, "%s", st->name[0] ? st->name : st->id);
	return ST_OK;
}

static void secret_draw(Tui *t, TuiView *v, int y, int x, int h, int w)
{
	tui_detail_draw(t, v, "Secret", y, x, h, w);
}

static bool secret_action(Tui *t, TuiView *v, int action)
{
	TuiDetail *st = v->state;

	if (action == TUI_ACT_OPEN)
		return true;
	return tui_secret_action(t, action, st->id);
}

static cJSON *secret_describe(Tui *t, TuiView *v, Error *err)
{
	return tui_secret_json(t, tui_detail_self_id(t, v), err);
}

const TuiViewOps tui_view_secret = {
	.name = "secret",
	.keys = secret_keys,
	.filterable = true,
	.min_w = 60,
	.min_h = 12,
	.open = secret_open,
	.close = tui_detail_close,
	.draw = secret_draw,
	.action = secret_action,
	.reload = tui_detail_reload,
	.describe = secret_describe,
	.self_id = tui_detail_self_id,
};
