/* A lease's detail: its fields, the environment it holds, its actions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#include "core/lib.h"
#include "tui/private.h"
#include "util/lib.h"

static const TuiColumn lease_cols[] = {
	{ "FIELD", 18, 0, false, false },
	{ "VALUE", 20, 1, false, false },
};

static const TuiKey lease_keys[] = {
	TUI_LEASE_CHANGE_KEYS
	TUI_LEASE_SHELL_KEY
	{ 0, 0, 0, 0, NULL, NULL },
};

static void lease_line(TuiDetail *st, const char *field, const char *value)
{
	tui_rows_line(&st->all, field, value && value[0] ? value : "-",
		      value && value[0] ? TONE_NORMAL : TONE_DIM);
}

static void lease_load(Tui *t, TuiDetail *st)
{
	StoreLease l = { 0 };
	StoreEnv env = { 0 };
	Error err;
	char buf[64];

	tui_rows_empty(&st->all);
	tui_table_invalidate(&st->table);
	error_clear(&err);
	if (lease_get(t->app, st->id, &l, &err) != ST_OK) {
		tui_rows_line(&st->all, "", error_text(&err), TONE_ERROR);
		return;
	}
	tui_rows_line(&st->all, "Lease", NULL, TONE_NORMAL);
	lease_line(st, "Id", l.id);
	if (env_get(t->app, l.environment_id, &env, &err) == ST_OK)
		lease_line(st, "Environment", env.name);
	else
		lease_line(st, "Environment", l.environment_id);
	store_env_clear(&env);
	lease_line(st, "Status", l.status);
	lease_line(st, "Policy", l.lease_policy);
	lease_line(st, "Provider", l.provider);
	lease_line(st, "Provider lease id", l.provider_lease_id);
	lease_line(st, "Run id", l.heartbeat_run_id);
	lease_line(st, "Issue id", l.issue_id);
	lease_line(st, "Acquired", l.acquired_at);
	lease_line(st, "Last used", l.last_used_at);
	lease_line(st, "Expires", l.expires_at);
	lease_line(st, "Released", l.released_at);
	lease_line(st, "Failure", l.failure_reason);
	lease_line(st, "Cleanup", l.cleanup_status);
	snprintf(buf, sizeof buf, "%ld", l.cleanup_attempts);
	lease_line(st, "Cleanup attempts", buf);
	lease_line(st, "In progress", l.phase);
	tui_rows_line(&st->all, "Metadata", NULL, TONE_NORMAL);
	{
		cJSON *m = cJSON_Parse(l.metadata_json ? l.metadata_json : "{}");
		const cJSON *it;

		cJSON_ArrayForEach(it, m) {
			char *v = cJSON_IsString(it) ? strdup(it->valuestring) : cJSON_PrintUnformatted(it);

			tui_rows_line(&st->all, it->string, v ? v : "", TONE_NORMAL);
			free(v);
		}
		if (!m || !m->child)
			tui_rows_line(&st->all, "", "(none)", TONE_DIM);
		cJSON_Delete(m);
	}
	store_lease_clear(&l);
}

static Status lease_open(Tui *t, TuiView *v, const void *arg, Error *err)
{
	if (tui_detail_open(t, v, lease_cols, arg, lease_load, err) != ST_OK)
		return err->status;
	snprintf(v->title, sizeof v->title, "lease %.8s", (const char *)arg);
	return ST_OK;
}

static void lease_draw(Tui *t, TuiView *v, int y, int x, int h, int w)
{
	tui_detail_draw(t, v, "Lease", y, x, h, w);
}

static bool lease_action(Tui *t, TuiView *v, int action)
{
	TuiDetail *st = v->state;

	if (action == TUI_ACT_OPEN)
		return true;
	return tui_lease_action(t, action, st->id);
}

static cJSON *lease_describe(Tui *t, TuiView *v, Error *err)
{
	return tui_lease_json(t, tui_detail_self_id(t, v), err);
}

const TuiViewOps tui_view_lease = {
	.name = "lease",
	.keys = lease_keys,
	.filterable = true,
	.min_w = 60,
	.min_h = 12,
	.open = lease_open,
	.close = tui_detail_close,
	.draw = lease_draw,
	.action = lease_action,
	.reload = tui_detail_reload,
	.describe = lease_describe,
	.self_id = tui_detail_self_id,
};
