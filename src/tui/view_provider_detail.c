/* A provider's detail: its health, capabilities and config form. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lib.h"
#include "tui/private.h"
#include "util/lib.h"

static const TuiKey provider_keys[] = {
	{ 'f', 0, PROV_ACT_FORM, TUI_KEY_FOOTER, "form",
	  "Preview the provider's config form (nothing is saved)" },
	{ 'R', 0, PROV_ACT_RESTART, TUI_KEY_FOOTER | TUI_KEY_CHANGES, "restart",
	  "Restart the plugin's worker process (calls in flight fail)" },
	{ 'l', 0, PROV_ACT_LOG, TUI_KEY_FOOTER, "log",
	  "The plugin's whole log, live: f follows, w wraps, / keeps matching lines" },
	{ 0, 0, 0, 0, NULL, NULL },
};

static const TuiColumn provider_cols[] = {
	{ "FIELD", 16, 0, false, false },
	{ "VALUE", 20, 1, false, false },
};

static void provider_line(TuiDetail *st, const char *field, const char *value, TuiTone tone)
{
	TuiRow *row = tui_rows_add(&st->all, NULL);

	if (!row)
		return;
	tui_row_set(row, 0, field, field[0] && !value ? TONE_TITLE : TONE_DIM);
	tui_row_set(row, 1, value ? value : "", tone);
}

static const char *provider_type_name(const cJSON *prop)
{
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(prop, "type");

	if (cJSON_IsString(type))
		return type->valuestring;
	if (cJSON_IsArray(type)) {
		const cJSON *it;

		cJSON_ArrayForEach(it, type)
			if (cJSON_IsString(it) && strcmp(it->valuestring, "null"))
				return it->valuestring;
	}
	return "any";
}

static bool provider_required(const cJSON *schema, const char *key)
{
	const cJSON *req = cJSON_GetObjectItemCaseSensitive(schema, "required"), *it;

	cJSON_ArrayForEach(it, req)
		if (cJSON_IsString(it) && !strcmp(it->valuestring, key))
			return true;
	return false;
}

static void provider_load(Tui *t, TuiDetail *st)
{
	Provider *p = registry_find(&t->app->registry, st->id);
	char caps[64], *status;
	const cJSON *props, *prop;

	tui_rows_empty(&st->all);
	tui_table_invalidate(&st->table);
	if (!p) {
		provider_line(st, "", "this provider is no longer in the registry", TONE_ERROR);
		return;
	}
	status = tui_provider_status(p);
	tui_provider_caps(p, caps, sizeof caps);
	provider_line(st, "Key", p->key, TONE_NORMAL);
	provider_line(st, "Name", p->display_name, TONE_NORMAL);
	provider_line(st, "Source", provider_source_name(p->source), TONE_NORMAL);
	provider_line(st, "Origin", p->origin, TONE_NORMAL);
	provider_line(st, "Status", status ? status : "?", status ? tui_provider_status_tone(status) : TONE_ERROR);
	provider_line(st, "Capabilities", caps, TONE_NORMAL);
	if (p->caps & PROVIDER_CAP_TEST_ONLY)
		provider_line(st, "", "test only: probes and demos, nothing can execute", TONE_WARN);
	tui_rows_wrapped(&st->all, "Description", p->description, 60, TONE_NORMAL);
	free(status);
	if (p->source == PROVIDER_PLUGIN) {
		const PluginManifest *m;
		PluginView pv;
		char buf[64], *log = NULL;
		Error err;

		error_clear(&err);
		if (plugins_find(t->app, p->key, &m, &err) == ST_OK &&
		    plugins_view(t->app, m, &pv, &err) == ST_OK) {
			const PluginWorkerInfo *info = &pv.info;

			provider_line(st, "", "", TONE_NORMAL);
			provider_line(st, "Plugin worker", NULL, TONE_NORMAL);
			provider_line(st, "Plugin", m->id ? m->id : "?", TONE_NORMAL);
			provider_line(st, "State", pv.status ? pv.status : pv.state,
				      info->last_error[0] ? TONE_WARN : TONE_NORMAL);
			snprintf(buf, sizeof buf, "%ld", (long)info->pid);
			provider_line(st, "Pid", info->pid ? buf : "-", TONE_NORMAL);
			snprintf(buf, sizeof buf, "%d", info->restarts);
			provider_line(st, "Restarts", buf, info->restarts ? TONE_WARN : TONE_NORMAL);
			snprintf(buf, sizeof buf, "%lld", info->calls);
			provider_line(st, "Calls answered", buf, TONE_NORMAL);
			provider_line(st, "Last error", info->last_error[0] ? info->last_error : "-",
				      info->last_error[0] ? TONE_ERROR : TONE_DIM);
			plugins_view_clear(&pv);
			/* The plugin's own log: its stderr and log notifications. */
			provider_line(st, "", "", TONE_NORMAL);
			provider_line(st, "Recent log", NULL, TONE_NORMAL);
			plugins_log_tail(t->app, p->key, 20, &log, &err);
			if (!log || !log[0]) {
				provider_line(st, "", log ? "(empty)" : error_text(&err), TONE_DIM);
			} else {
				char *save = NULL;

				for (char *ln = strtok_r(log, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save))
					provider_line(st, "", ln, TONE_NORMAL);
			}
			free(log);
		}
	}
	provider_line(st, "", "", TONE_NORMAL);
	provider_line(st, "Config fields", NULL, TONE_NORMAL);
	props = cJSON_GetObjectItemCaseSensitive(p->config_schema, "properties");
	cJSON_ArrayForEach(prop, props) {
		const char *fmt = json_get_string(prop, "format");
		char value[256];

		snprintf(value, sizeof value, "%s%s%s%s", provider_type_name(prop),
			 provider_required(p->config_schema, prop->string) ? ", required" : "",
			 fmt && !strcmp(fmt, "secret-ref") ? ", secret" : "",
			 json_is_true(prop, "readOnly") ? ", read-only" : "");
		provider_line(st, prop->string, value, TONE_NORMAL);
	}
}

static Status provider_open(Tui *t, TuiView *v, const void *arg, Error *err)
{
	TuiDetail *st;

	if (tui_detail_open(t, v, provider_cols, arg, provider_load, err) != ST_OK)
		return err->status;
	st = v->state;
	snprintf(st->name, sizeof st->name, "%s", st->id); /* the title's: its key */
	snprintf(v->title, sizeof v->title, "%s", st->id);
	return ST_OK;
}

static void provider_draw(Tui *t, TuiView *v, int y, int x, int h, int w)
{
	tui_detail_draw(t, v, "Provider", y, x, h, w);
}

typedef struct RestartArg {
	char key[128];
} RestartArg;

static void provider_restart_run(TuiJob *job)
{
	RestartArg *a = job->arg;
	Error err;
	Status st;
	char summary[300];

	error_clear(&err);
	st = plugins_restart(job->app, a->key, NULL, &err);
	snprintf(summary, sizeof summary, "restarted the worker of %s", a->key);
	tui_job_finish(job, st, &err, summary);
}

static bool provider_action(Tui *t, TuiView *v, int action)
{
	TuiDetail *st = v->state;
	Error err;
	char arg[300];

	if (action == PROV_ACT_RESTART) {
		RestartArg *a = calloc(1, sizeof *a);

		error_clear(&err);
		if (!a) {
			tui_flash(t, TUI_FLASH_ERROR, "out of memory");
			return true;
		}
		snprintf(a->key, sizeof a->key, "%s", st->id);
		if (tui_job_start(t, "restarting the worker", provider_restart_run, NULL, a, free,
				  &err) != ST_OK)
			tui_flash_error(t, &err);
		return true;
	}
	if (action == PROV_ACT_LOG) {
		error_clear(&err);
		if (tui_log_pane(t, st->id, &err) != ST_OK)
			tui_flash_error(t, &err);
		return true;
	}
	if (action != PROV_ACT_FORM)
		return false;
	error_clear(&err);
	snprintf(arg, sizeof arg, "provider:%s", st->id);
	if (tui_push(t, &tui_view_form, arg, &err) != ST_OK)
		tui_flash_error(t, &err);
	return true;
}

static bool provider_enabled(Tui *t, TuiView *v, int action)
{
	TuiDetail *st = v->state;
	Provider *p = registry_find(&t->app->registry, st->id);

	return (action != PROV_ACT_RESTART && action != PROV_ACT_LOG) ||
	       (p && p->source == PROVIDER_PLUGIN);
}

static cJSON *provider_describe(Tui *t, TuiView *v, Error *err)
{
	Provider *p = registry_find(&t->app->registry, tui_detail_self_id(t, v));

	if (!p) {
		error_set(err, ST_E_NOT_FOUND, "provider %s is no longer registered",
			  tui_detail_self_id(t, v));
		return NULL;
	}
	return describe_provider(p, true);
}

const TuiViewOps tui_view_provider = {
	.name = "provider",
	.keys = provider_keys,
	.filterable = true,
	.min_w = 50,
	.min_h = 12,
	.open = provider_open,
	.close = tui_detail_close,
	.draw = provider_draw,
	.action = provider_action,
	.reload = tui_detail_reload,
	.enabled = provider_enabled,
	.describe = provider_describe,
	.self_id = tui_detail_self_id,
};
