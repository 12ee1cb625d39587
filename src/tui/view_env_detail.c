/* An environment's detail: config with secrets masked, leases, probe
 * history, activity. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lib.h"
#include "tui/private.h"
#include "util/lib.h"

static const TuiKey env_keys[] = {
	{ 'e', 0, ENV_ACT_EDIT, TUI_KEY_FOOTER | TUI_KEY_CHANGES, "edit", "Edit the environment" },
	{ 'p', 0, ENV_ACT_PROBE, TUI_KEY_FOOTER | TUI_KEY_CHANGES, "probe",
	  "Probe the environment (the result is kept in its history)" },
	{ 'a', 0, ENV_ACT_ACQUIRE, TUI_KEY_FOOTER | TUI_KEY_CHANGES, "acquire",
	  "Acquire a lease (run id and issue id are optional)" },
	{ 'l', 0, ENV_ACT_LEASES, TUI_KEY_FOOTER, "leases", "The environment's leases, live" },
	{ 'v', 0, ENV_ACT_VIEW, TUI_KEY_FOOTER, "view",
	  "Read the row whole (Enter too): a probe's summary and details, a long value" },
	{ 'A', 0, ENV_ACT_ARCHIVE, TUI_KEY_CHANGES, "archive",
	  "Archive the environment (again: restore it)" },
	{ 'D', TUI_FN(KEY_DC), ENV_ACT_DELETE, TUI_KEY_FOOTER | TUI_KEY_CHANGES, "delete",
	  "Delete the environment and the secrets it made (asks first)" },
	{ 0, 0, 0, 0, NULL, NULL },
};

static const TuiColumn env_cols[] = {
	{ "FIELD", 18, 0, false, false },
	{ "VALUE", 20, 1, false, false },
};

/* One row per leaf of the display config; secret references show as a
 * mask with the secret's name and version, never a value. */
static void env_config_rows(Tui *t, TuiDetail *st, const cJSON *node, const char *ptr)
{
	const cJSON *it;

	if (cJSON_IsObject(node) && json_get_string(node, "secretRef")) {
		const cJSON *ver = cJSON_GetObjectItemCaseSensitive(node, "version");
		char buf[400], mask[64] = "";
		long vno;

		for (int i = 0; i < 6; i++)
			strcat(mask, t->scr.g->mask);
		snprintf(buf, sizeof buf, "%s (secret %s v%d)", mask,
			 json_get_string(node, "name") ? json_get_string(node, "name") : "?",
			 json_number_to_long(ver, 0, INT_MAX, &vno) ? (int)vno : 0);
		tui_rows_line(&st->all, ptr, buf, TONE_WARN);
		return;
	}
	if ((cJSON_IsObject(node) || cJSON_IsArray(node)) && node->child) {
		int i = 0;

		cJSON_ArrayForEach(it, node) {
			char idx[24], *cp;

			snprintf(idx, sizeof idx, "%d", i++);
			cp = jsonptr_append(ptr, cJSON_IsArray(node) ? idx : it->string);
			if (cp)
				env_config_rows(t, st, it, cp);
			free(cp);
		}
		return;
	}
	{
		char *text = cJSON_IsString(node) ? strdup(node->valuestring) : cJSON_PrintUnformatted(node);

		tui_rows_line(&st->all, ptr[0] ? ptr : "/", text ? text : "", TONE_NORMAL);
		free(text);
	}
}

typedef struct EnvLeaseCtx {
	Tui *t;
	TuiDetail *st;
	int n;
} EnvLeaseCtx;

static bool env_lease_row(const StoreLease *l, void *ctx)
{
	EnvLeaseCtx *c = ctx;
	char age[16], line[600];

	time_age(l->acquired_at, tui_now(c->t), age, sizeof age);
	snprintf(line, sizeof line, "%-8s %-20s %s", l->status, l->lease_policy,
		 l->provider_lease_id ? l->provider_lease_id : "-");
	tui_rows_line(&c->st->all, age, line,
		      lease_status_is(l->status, LEASE_ACTIVE)	 ? TONE_OK
		      : lease_status_is(l->status, LEASE_FAILED) ? TONE_ERROR
								 : TONE_NORMAL);
	c->n++;
	return true;
}

static void env_load(Tui *t, TuiDetail *st)
{
	QueryEnvDetail d;
	const StoreEnv *env = &d.env;
	Error err;
	cJSON *shown = NULL;
	char buf[600], age[16];

	tui_rows_empty(&st->all);
	tui_table_invalidate(&st->table);
	error_clear(&err);
	if (query_env_detail(t->app, st->id, 10, &d, &err) != ST_OK) {
		tui_rows_line(&st->all, "", error_text(&err), TONE_ERROR);
		query_env_detail_clear(&d);
		return;
	}
	snprintf(st->name, sizeof st->name, "%s", env->name);
	tui_rows_line(&st->all, "Environment", NULL, TONE_NORMAL);
	tui_rows_line(&st->all, "Name", env->name, TONE_NORMAL);
	tui_rows_line(&st->all, "Id", env->id, TONE_DIM);
	{
		Provider *p = registry_find(&t->app->registry, env->provider);

		char why[256];

		if (env_provider_missing(t->app, env, why, sizeof why))
			snprintf(buf, sizeof buf, "%s — %s", env->provider, why);
		else
			snprintf(buf, sizeof buf, "%s%s", env->provider,
				 (p->caps & PROVIDER_CAP_TEST_ONLY) ? " (test only)" : "");
		tui_rows_line(&st->all, "Provider", buf, p ? TONE_NORMAL : TONE_ERROR);
	}
	tui_rows_line(&st->all, "Status", env->status, TONE_NORMAL);
	if (env->description && env->description[0])
		tui_rows_wrapped(&st->all, "Description", env->description, 60, TONE_NORMAL);
	tui_rows_line(&st->all, "Created", env->created_at, TONE_DIM);
	tui_rows_line(&st->all, "Updated", env->updated_at, TONE_DIM);

	tui_rows_line(&st->all, "Config", NULL, TONE_NORMAL);
	if (env_display_config(t->app, env, &shown, &err) != ST_OK)
		tui_rows_line(&st->all, "", error_text(&err), TONE_ERROR);
	else if (!shown || !shown->child)
		tui_rows_line(&st->all, "", "(empty: every field at its default)", TONE_DIM);
	else
		env_config_rows(t, st, shown, "");
	cJSON_Delete(shown);

	tui_rows_line(&st->all, "Recent leases", NULL, TONE_NORMAL);
	{
		EnvLeaseCtx c = { t, st, 0 };

		for (size_t i = 0; i < d.lease_count; i++)
			env_lease_row(&d.leases[i], &c);
		if (d.leases_err.status != ST_OK)
			tui_rows_line(&st->all, "", error_text(&d.leases_err), TONE_ERROR);
		else if (!c.n)
			tui_rows_line(&st->all, "", "(none)", TONE_DIM);
	}

	tui_rows_line(&st->all, "Recent probes", NULL, TONE_NORMAL);
	{
		const StoreProbeList probes = d.probes;

		if (d.probes_err.status != ST_OK)
			tui_rows_line(&st->all, "", error_text(&d.probes_err), TONE_ERROR);
		else if (!probes.count)
			tui_rows_line(&st->all, "", "(never probed)", TONE_DIM);
		for (size_t i = 0; i < probes.count; i++) {
			const StoreProbe *p = &probes.items[i];

			char *line = probe_headline(p->summary, p->details);

			time_age(p->created_at, tui_now(t), age, sizeof age);
			snprintf(buf, sizeof buf, "%s %lldms %s", p->ok ? "ok    " : "FAILED",
				 p->duration_ms, line ? line : (p->summary ? p->summary : ""));
			free(line);
			tui_rows_line(&st->all, age, buf, p->ok ? TONE_OK : TONE_ERROR);
			/* Enter/v reads the whole probe: the row knows which. */
			if (st->all.count && !st->all.rows[st->all.count - 1].id) {
				char pid[UUID_STR_LEN + 8];

				snprintf(pid, sizeof pid, "probe:%s", p->id);
				st->all.rows[st->all.count - 1].id = strdup(pid);
			}
		}
	}

	tui_rows_line(&st->all, "Recent activity", NULL, TONE_NORMAL);
	{
		const StoreActivityList acts = d.activity;

		if (d.activity_err.status != ST_OK)
			tui_rows_line(&st->all, "", error_text(&d.activity_err), TONE_ERROR);
		for (size_t i = 0; i < acts.count; i++) {
			const StoreActivity *a = &acts.items[i];
			char *fields = a->changed_fields && cJSON_GetArraySize(a->changed_fields)
					       ? cJSON_PrintUnformatted(a->changed_fields)
					       : NULL;

			time_age(a->created_at, tui_now(t), age, sizeof age);
			snprintf(buf, sizeof buf, "%s by %s%s%s", a->action, a->actor,
				 fields ? " " : "", fields ? fields : "");
			tui_rows_line(&st->all, age, buf, TONE_NORMAL);
			free(fields);
		}
	}
	query_env_detail_clear(&d);
}

static Status env_open(Tui *t, TuiView *v, const void *arg, Error *err)
{
	TuiDetail *st;

	if (tui_detail_open(t, v, env_cols, arg, env_load, err) != ST_OK)
		return err->status;
	st = v->state;
	snprintf(v->title, sizeof v->title, "%s", st->name[0] ? st->name : st->id);
	return ST_OK;
}

static void env_draw(Tui *t, TuiView *v, int y, int x, int h, int w)
{
	tui_detail_draw(t, v, "Environment", y, x, h, w);
}

/* Enter/v: the selected row whole in the text pane; a probe row shows
 * the probe's summary and its details as the provider gave them. */
static void env_view_row(Tui *t, TuiDetail *st)
{
	const TuiRow *row = tui_table_selected(&st->table);
	Buf b = BUF_INIT;
	char title[400];
	Error err;

	if (!row || !row->cells[1] || !row->cells[1][0]) {
		tui_flash(t, TUI_FLASH_INFO, "nothing to read on this row");
		return;
	}
	error_clear(&err);
	snprintf(title, sizeof title, "%s: %s", st->name, row->cells[0] && row->cells[0][0]
								  ? row->cells[0]
								  : "value");
	if (row->id && !strncmp(row->id, "probe:", 6)) {
		StoreProbeList probes = { 0 };

		if (query_env_probes(t->app, st->id, 10, &probes, &err) == ST_OK) {
			for (size_t i = 0; i < probes.count; i++) {
				const StoreProbe *p = &probes.items[i];
				char *details;

				if (strcmp(p->id, row->id + 6))
					continue;
				details = p->details ? cJSON_Print(p->details) : NULL;
				buf_printf(&b, "Probe %s: %s in %lld ms (%s)\n\nSummary:\n%s\n", p->created_at,
					   p->ok ? "ok" : "FAILED", p->duration_ms, p->provider,
					   p->summary ? p->summary : "");
				if (details)
					buf_printf(&b, "\nDetails:\n%s\n", details);
				free(details);
				snprintf(title, sizeof title, "%s: probe %s", st->name, p->created_at);
			}
		}
		store_probe_list_clear(&probes);
	}
	if (!b.data)
		buf_puts(&b, row->cells[1]);
	if (tui_text_pane(t, title, b.data ? b.data : "", false, &err) != ST_OK)
		tui_flash_error(t, &err);
	buf_clear(&b);
}

static bool env_action(Tui *t, TuiView *v, int action)
{
	TuiDetail *st = v->state;

	if (action == TUI_ACT_OPEN || action == ENV_ACT_VIEW) {
		env_view_row(t, st);
		return true;
	}
	return tui_env_action(t, action, st->id);
}

static cJSON *env_describe(Tui *t, TuiView *v, Error *err)
{
	return tui_env_json(t, tui_detail_self_id(t, v), err);
}

const TuiViewOps tui_view_env = {
	.name = "environment",
	.keys = env_keys,
	.filterable = true,
	.min_w = 60,
	.min_h = 12,
	.open = env_open,
	.close = tui_detail_close,
	.draw = env_draw,
	.action = env_action,
	.reload = tui_detail_reload,
	.describe = env_describe,
	.self_id = tui_detail_self_id,
};
