/* The environments view (the console's first screen) and the actions it
 * shares with an environment's detail (view_env_detail.c). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lib.h"
#include "tui/private.h"
#include "util/lib.h"

static const TuiKey envs_keys[] = {
	{ TUI_KEY_ENTER, 0, TUI_ACT_OPEN, 0, "open",
	  "Open the environment: config, leases, probes, activity" },
	{ 'n', 0, ENV_ACT_NEW, TUI_KEY_FOOTER | TUI_KEY_CHANGES, "new",
	  "New environment: pick a provider, fill its form" },
	{ 'e', 0, ENV_ACT_EDIT, TUI_KEY_CHANGES, "edit", "Edit the environment" },
	{ 'p', 0, ENV_ACT_PROBE, TUI_KEY_FOOTER | TUI_KEY_CHANGES, "probe",
	  "Probe the environment (the result is kept in its history)" },
	{ 'P', 0, ENV_ACT_PROBE_ALL, TUI_KEY_CHANGES, "probe all",
	  "Probe every active environment in parallel, with progress (Esc: stop waiting)" },
	{ 'a', 0, ENV_ACT_ACQUIRE, TUI_KEY_FOOTER | TUI_KEY_CHANGES, "acquire",
	  "Acquire a lease (run id and issue id are optional)" },
	{ 'l', 0, ENV_ACT_LEASES, 0, "leases", "The environment's leases" },
	{ 'A', 0, ENV_ACT_ARCHIVE, TUI_KEY_CHANGES, "archive",
	  "Archive the environment (again: restore it)" },
	{ 'D', TUI_FN(KEY_DC), ENV_ACT_DELETE, TUI_KEY_FOOTER | TUI_KEY_CHANGES, "delete",
	  "Delete the environment and the secrets it made (asks first)" },
	{ ' ', 0, ENV_ACT_MARK, 0, NULL,
	  "Mark the environment (again: unmark); p then probes every marked one, asking once" },
	{ 0, 0, 0, 0, NULL, NULL },
};

static const TuiColumn envs_cols[] = {
	{ "NAME", 14, 2, false, false },
	{ "PROVIDER", 10, 0, false, false },
	{ "STATUS", 8, 0, false, false },
	{ "PROBE", 6, 0, false, false },
	{ "PROBED", 6, 0, true, false },
	{ "LEASES", 6, 0, true, false },
	{ "DESCRIPTION", 10, 1, false, false },
};

typedef struct EnvsState {
	Tui *t;
	TuiTable table;
	char error[512];
} EnvsState;

typedef struct EnvsFetch {
	Tui *t;
	TuiRowSet *out;
} EnvsFetch;

static bool envs_row(const StoreEnvSummary *e, void *ctx)
{
	EnvsFetch *c = ctx;
	TuiRow *row = tui_rows_add(c->out, e->env.id);
	char age[16], leases[24];

	if (!row)
		return false;
	tui_row_set(row, 0, e->env.name, TONE_NORMAL);
	tui_row_set(row, 1, e->env.provider, TONE_NORMAL);
	tui_row_set(row, 2, e->env.status, env_status_is(e->env.status, ENV_ACTIVE) ? TONE_NORMAL : TONE_DIM);
	if (e->has_probe) {
		time_age(e->probe_at, tui_now(c->t), age, sizeof age);
		tui_row_set(row, 3, e->probe_ok ? "ok" : "FAILED", e->probe_ok ? TONE_OK : TONE_ERROR);
		tui_row_set(row, 4, age, TONE_NORMAL);
	} else {
		tui_row_set(row, 3, "-", TONE_DIM);
		tui_row_set(row, 4, "-", TONE_DIM);
	}
	snprintf(leases, sizeof leases, "%ld", e->active_leases);
	tui_row_set(row, 5, leases, e->active_leases ? TONE_OK : TONE_DIM);
	{
		char why[256];

		if (env_provider_missing(c->t->app, &e->env, why, sizeof why)) {
			tui_row_set(row, 1, e->env.provider, TONE_ERROR);
			tui_row_set(row, 6, why, TONE_ERROR);
		} else {
			tui_row_set(row, 6, e->env.description ? e->env.description : "", TONE_DIM);
		}
	}
	return true;
}

/* The window on screen, straight from the store (filtered and sorted
 * there): 10,000 environments cost what the screen shows. The filter
 * matches name, provider, status, description and the probe cell. */
static Status envs_fetch(void *ctx, const TuiTableQuery *q, TuiRowSet *out, size_t *total,
			 Error *err)
{
	EnvsState *st = ctx;
	EnvsFetch c = { st->t, out };
	StoreEnvWindow w = { q->filter, q->sort_col < 0 ? STORE_ENV_SORT_NAME : q->sort_col,
			     q->sort_desc, (long)q->offset, (long)q->limit };
	long n = 0;

	*total = 0;
	if (query_envs_each(st->t->app, &w, envs_row, &c, &n, err) != ST_OK) {
		snprintf(st->error, sizeof st->error, "%s", error_text(err));
		return err->status;
	}
	st->error[0] = 0;
	*total = (size_t)n;
	return ST_OK;
}

static Status envs_open(Tui *t, TuiView *v, const void *arg, Error *err)
{
	EnvsState *st = calloc(1, sizeof *st);

	if (!st)
		return error_set(err, ST_E_NOMEM, "out of memory");
	st->t = t;
	tui_table_init(&st->table, envs_cols, sizeof envs_cols / sizeof envs_cols[0], envs_fetch,
		       st);
	st->table.filter = v->filter;
	v->state = st;
	v->table = &st->table;
	snprintf(v->title, sizeof v->title, "Environments");
	return ST_OK;
}

static void envs_close(Tui *t, TuiView *v)
{
	EnvsState *st = v->state;

	tui_table_clear(&st->table);
	free(st);
}

/* First run: what the console is for and the next step, with the
 * providers that are installed to choose from. */
static void envs_draw_welcome(Tui *t, int y, int x, int h, int w)
{
	static const char *const intro[] = {
		"envctl keeps the sandbox environments of an AI-agent control plane:",
		"configure them from each provider's schema, keep their secrets encrypted,",
		"probe them, and acquire, release and watch leases.",
		"",
	};
	const Registry *r = &t->app->registry;
	char line[256];
	int row = 0;

	for (size_t i = 0; i < sizeof intro / sizeof intro[0] && row < h; i++)
		tui_screen_text(&t->scr, y + row++, x, w, TONE_NORMAL, false, intro[i]);
	if (row < h)
		tui_screen_text(&t->scr, y + row++, x, w, TONE_NORMAL, false,
				t->readonly ? "Installed providers (read-only: nothing can be created here):"
					    : "Next step: press n to create an environment with one of these providers:");
	for (size_t i = 0; i < r->count && row < h; i++) {
		const Provider *p = r->items[i];

		snprintf(line, sizeof line, "  %-12s %-8s %s", p->key, provider_source_name(p->source),
			 p->display_name);
		tui_screen_text(&t->scr, y + row++, x, w, TONE_DIM, false, line);
	}
	if (row + 1 < h) {
		row++;
		tui_screen_text(&t->scr, y + row, x, w, TONE_DIM, false,
				"Or load demo data from a shell: envctl demo");
	}
}

static void envs_draw(Tui *t, TuiView *v, int y, int x, int h, int w)
{
	EnvsState *st = v->state;

	if (st->error[0]) {
		tui_screen_box(&t->scr, y, x, h, w, "Environments");
		tui_screen_text(&t->scr, y + 1, x + 2, w - 4, TONE_ERROR, false, st->error);
		return;
	}
	st->table.empty = t->readonly ? "no environments yet"
				      : "no environments yet: n creates one (the fake provider needs "
					"nothing else)";
	tui_table_draw(&st->table, &t->scr, y + 1, x + 1, h - 2, w - 2);
	if (st->table.total == 0 && !(st->table.filter && st->table.filter[0]))
		envs_draw_welcome(t, y + 4, x + 2, h - 5, w - 4);
	tui_frame(t, v, y, x, h, w, "Environments");
}

/* ------------------------------------------------------------ actions */

typedef struct EnvAct {
	int op;
	char id[UUID_STR_LEN + 8];
	char name[256];
	bool flag;
} EnvAct;

static bool env_probe_progress(const ProbeAllReport *so_far, void *ud)
{
	TuiJob *job = ud;
	const ProbeAllItem *it = so_far->count ? &so_far->items[so_far->count - 1] : NULL;
	char line[300];

	if (it) {
		snprintf(line, sizeof line, "%-6s %s (%lld ms) %s", it->ok ? "ok" : "FAILED",
			 it->env_name ? it->env_name : it->env_id, it->duration_ms,
			 it->headline ? it->headline : (it->summary ? it->summary : ""));
		tui_job_progress(job, so_far->count, so_far->total, line);
	} else {
		tui_job_progress(job, 0, so_far->total, NULL);
	}
	return !tui_job_cancelled(job);
}

static void env_act_run(TuiJob *job)
{
	EnvAct *a = job->arg;
	Error err;
	Status st = ST_OK;
	char summary[400] = "";

	error_clear(&err);
	switch (a->op) {
	case ENV_ACT_PROBE: {
		StoreProbe pr = { 0 };

		st = probe_environment(job->app, a->id, app_actor(job->app), &pr, &err);
		if (st == ST_OK) {
			char *line = probe_headline(pr.summary, pr.details);

			snprintf(summary, sizeof summary, "probe of %s %s: %s", a->name,
				 pr.ok ? "ok" : "FAILED", line ? line : (pr.summary ? pr.summary : ""));
			free(line);
			if (!pr.ok)
				st = error_set(&err, ST_E_PROVIDER, "%s", summary);
		}
		store_probe_clear(&pr);
		break;
	}
	case ENV_ACT_PROBE_ALL: {
		ProbeAllReport rep = { 0 };

		st = probe_all(job->app, PROBE_DEFAULT_PARALLEL, app_actor(job->app), env_probe_progress,
			       job, &rep, &err);
		if (st == ST_OK) {
			snprintf(summary, sizeof summary, "probed %zu of %zu environments: %zu ok, %zu failed (%lld ms)%s",
				 rep.count, rep.total, rep.ok, rep.count - rep.ok, rep.elapsed_ms,
				 rep.cancelled ? ", stopped early" : "");
			if (rep.ok < rep.count)
				st = error_set(&err, ST_E_PROVIDER, "%s", summary);
		}
		probe_all_report_clear(&rep);
		break;
	}
	case ENV_ACT_ARCHIVE:
		st = env_archive(job->app, a->id, a->flag, &err);
		snprintf(summary, sizeof summary, "%s %s", a->flag ? "archived" : "restored", a->name);
		break;
	case ENV_ACT_DELETE:
		/* flag: the operator was told the live leases go first. */
		st = env_delete(job->app, a->id, a->flag, &err);
		snprintf(summary, sizeof summary, "deleted environment %s", a->name);
		break;
	default:
		break;
	}
	tui_job_finish(job, st, &err, summary);
}

static void env_act_start(Tui *t, const EnvAct *in, const char *title)
{
	EnvAct *a = malloc(sizeof *a);
	Error err;

	if (!a) {
		tui_flash(t, TUI_FLASH_ERROR, "out of memory");
		return;
	}
	*a = *in;
	error_clear(&err);
	if (tui_job_start(t, title, env_act_run, NULL, a, free, &err) != ST_OK)
		tui_flash_error(t, &err);
}

/* Probe every marked environment (#15): one question naming them, then
 * one job that probes each in turn through probe_environment. */
static void env_batch_run(TuiJob *job)
{
	TuiBatch *b = job->arg;
	size_t ok = 0, done = 0;
	char summary[400];
	Error err;

	for (size_t i = 0; i < b->count && !tui_job_cancelled(job); i++) {
		StoreProbe pr = { 0 };
		char line[300];

		error_clear(&err);
		if (probe_environment(job->app, b->ids[i], app_actor(job->app), &pr, &err) == ST_OK) {
			char *head = probe_headline(pr.summary, pr.details);

			ok += pr.ok;
			snprintf(line, sizeof line, "%-6s %s %s", pr.ok ? "ok" : "FAILED", b->ids[i],
				 head ? head : (pr.summary ? pr.summary : ""));
			free(head);
		} else {
			snprintf(line, sizeof line, "FAILED %s %s", b->ids[i], error_text(&err));
		}
		done++;
		store_probe_clear(&pr);
		tui_job_progress(job, i + 1, b->count, line);
	}
	snprintf(summary, sizeof summary, "probed %zu of %zu marked environments: %zu ok, %zu failed",
		 done, b->count, ok, done - ok);
	error_clear(&err);
	if (ok < done)
		error_set(&err, ST_E_PROVIDER, "%s", summary);
	tui_job_finish(job, ok < done ? ST_E_PROVIDER : ST_OK, &err, summary);
}

static void env_batch_line(Tui *t, const char *id, Buf *msg)
{
	StoreEnv e = { 0 };
	Error err;

	error_clear(&err);
	if (env_get(t->app, id, &e, &err) == ST_OK)
		buf_printf(msg, "  %s (%s)\n", e.name, e.provider);
	else
		buf_printf(msg, "  %s (%s)\n", id, error_text(&err));
	store_env_clear(&e);
}

static void env_batch_confirm(Tui *t, TuiView *v)
{
	TuiBatch spec = { .run = env_batch_run };
	char question[100];
	TuiBatchAsk ask = { "Probe environments", "Probe all", question, env_batch_line,
			    "Each result is kept in the environment's probe history." };

	snprintf(spec.title, sizeof spec.title, "probing %zu environments", v->table->mark_count);
	snprintf(question, sizeof question, "Probe these %zu environments?", v->table->mark_count);
	tui_batch_confirm(t, v, &spec, &ask);
}

static void env_delete_yes(Tui *t, void *arg)
{
	env_act_start(t, arg, "deleting the environment");
}

/* The actions both the list and the detail offer, on one environment. */
bool tui_env_action(Tui *t, int action, const char *id)
{
	StoreEnv env = { 0 };
	Error err;
	EnvAct a = { 0 };
	char arg[UUID_STR_LEN + 16];

	error_clear(&err);
	if (action == ENV_ACT_NEW) {
		Store *s;

		/* Refused up front, with the reason, before a form is filled in. */
		if (app_store(t->app, &s, &err) != ST_OK ||
		    app_check_writable(t->app, "create an environment", &err) != ST_OK ||
		    tui_push(t, &tui_view_providers, "pick", &err) != ST_OK)
			tui_flash_error(t, &err);
		return true;
	}
	if (action == ENV_ACT_PROBE_ALL) {
		a.op = action;
		env_act_start(t, &a, "probing every environment");
		return true;
	}
	if (!id)
		return false;
	switch (action) {
	case ENV_ACT_LEASES:
		if (tui_push(t, &tui_view_leases, id, &err) != ST_OK)
			tui_flash_error(t, &err);
		return true;
	case ENV_ACT_ACQUIRE:
		snprintf(arg, sizeof arg, "lease-acquire:%s", id);
		if (tui_push(t, &tui_view_form, arg, &err) != ST_OK)
			tui_flash_error(t, &err);
		return true;
	case ENV_ACT_EDIT:
		snprintf(arg, sizeof arg, "env-edit:%s", id);
		if (tui_push(t, &tui_view_form, arg, &err) != ST_OK)
			tui_flash_error(t, &err);
		return true;
	case ENV_ACT_PROBE:
	case ENV_ACT_ARCHIVE:
	case ENV_ACT_DELETE:
		if (env_get(t->app, id, &env, &err) != ST_OK) {
			tui_flash_error(t, &err);
			return true;
		}
		a.op = action;
		snprintf(a.id, sizeof a.id, "%s", env.id);
		snprintf(a.name, sizeof a.name, "%s", env.name);
		a.flag = !env_status_is(env.status, ENV_ARCHIVED);
		store_env_clear(&env);
		if (action == ENV_ACT_PROBE) {
			char title[300];

			snprintf(title, sizeof title, "probing %s", a.name);
			env_act_start(t, &a, title);
		} else if (action == ENV_ACT_ARCHIVE) {
			env_act_start(t, &a, a.flag ? "archiving" : "restoring");
		} else {
			char msg[800], leases[300] = "";
			EnvAct *copy = malloc(sizeof *copy);
			TuiConfirm c = { "Delete environment", msg, "Delete", env_delete_yes, copy, free };
			long active = 0;

			if (!copy) {
				tui_flash(t, TUI_FLASH_ERROR, "out of memory");
				return true;
			}
			/* The console's own force path: the dialog says the live
			 * leases' sandboxes are destroyed first, so Delete can do it
			 * (env delete --force is the CLI's). */
			query_env_active_leases(t->app, a.id, &active, &err);
			a.flag = active > 0;
			if (active)
				snprintf(leases, sizeof leases,
					 " It has %ld active lease%s: %s destroyed first, and a run "
					 "using %s will fail.",
					 active, active == 1 ? "" : "s",
					 active == 1 ? "its sandbox is" : "their sandboxes are",
					 active == 1 ? "it" : "one");
			*copy = a;
			snprintf(msg, sizeof msg,
				 "Delete environment \"%s\"? Its config, probe history and lease "
				 "records go, and so do the secrets it created that nothing else "
				 "uses.%s This cannot be undone.",
				 a.name, leases);
			if (tui_confirm(t, &c, &err) != ST_OK)
				tui_flash_error(t, &err);
		}
		return true;
	default:
		return false;
	}
}

static bool envs_action(Tui *t, TuiView *v, int action)
{
	EnvsState *st = v->state;
	const TuiRow *row = tui_table_selected(&st->table);
	Error err;

	error_clear(&err);
	if (action == TUI_ACT_OPEN) {
		if (row && tui_push(t, &tui_view_env, row->id, &err) != ST_OK)
			tui_flash_error(t, &err);
		return true;
	}
	if (action == ENV_ACT_MARK) {
		if (!tui_table_toggle_mark(&st->table))
			tui_flash(t, TUI_FLASH_INFO, "no environment selected");
		return true;
	}
	if (action == ENV_ACT_PROBE && st->table.mark_count) {
		env_batch_confirm(t, v);
		return true;
	}
	if (!row && action != ENV_ACT_NEW && action != ENV_ACT_PROBE_ALL) {
		tui_flash(t, TUI_FLASH_INFO, "no environment selected");
		return true;
	}
	return tui_env_action(t, action, row ? row->id : NULL);
}

static bool envs_enabled(Tui *t, TuiView *v, int action)
{
	EnvsState *st = v->state;

	return action == ENV_ACT_NEW || action == ENV_ACT_LEASES || st->table.total > 0;
}

static void envs_reload(Tui *t, TuiView *v, bool live)
{
	EnvsState *st = v->state;
	const TuiRow *row = tui_table_selected(&st->table);
	char id[UUID_STR_LEN] = "";

	if (row && row->id)
		snprintf(id, sizeof id, "%s", row->id);
	tui_table_invalidate(&st->table);
	/* Keep the same environment selected when it is still in the window. */
	if (id[0] && tui_table_selected(&st->table))
		tui_table_select_id(&st->table, id);
}

/* The item's JSON for `y`, as `env show --json` prints it (list and detail). */
cJSON *tui_env_json(Tui *t, const char *id, Error *err)
{
	StoreEnv e;
	cJSON *o;

	if (env_get(t->app, id, &e, err) != ST_OK)
		return NULL;
	o = describe_env(t->app, &e, err);
	store_env_clear(&e);
	return o;
}

static cJSON *envs_describe(Tui *t, TuiView *v, Error *err)
{
	const TuiRow *row = tui_table_selected(v->table);

	return row && row->id ? tui_env_json(t, row->id, err) : NULL;
}

const TuiViewOps tui_view_envs = {
	.name = "environments",
	.alias = "env",
	.keys = envs_keys,
	.top_level = true,
	.filterable = true,
	.min_w = 60,
	.min_h = 12,
	.open = envs_open,
	.close = envs_close,
	.draw = envs_draw,
	.action = envs_action,
	.reload = envs_reload,
	.enabled = envs_enabled,
	.describe = envs_describe,
};
