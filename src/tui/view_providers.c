/* The providers view: the registry (built-in and plugin providers), their
 * health and capabilities (a provider's detail: view_provider_detail.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lib.h"
#include "tui/private.h"
#include "util/lib.h"

static const TuiKey providers_keys[] = {
	{ TUI_KEY_ENTER, 0, TUI_ACT_OPEN, 0, "open", "Open the provider's detail" },
	{ 'f', 0, PROV_ACT_FORM, TUI_KEY_FOOTER, "form",
	  "Preview the provider's config form (nothing is saved)" },
	{ 'l', 0, PROV_ACT_LOG, 0, "log",
	  "The plugin's whole log, live: f follows, w wraps, / keeps matching lines" },
	{ 0, 0, 0, 0, NULL, NULL },
};

static const TuiColumn providers_cols[] = {
	{ "KEY", 12, 1, false, false },
	{ "SOURCE", 8, 0, false, false },
	{ "STATUS", 14, 3, false, false },
	{ "CAPABILITIES", 14, 0, false, false },
	{ "NAME", 14, 2, false, false },
};

typedef struct ProvidersState {
	TuiTable table;
	TuiRowSet all;
	bool pick; /* choosing the provider of a new environment */
} ProvidersState;

void tui_provider_caps(const Provider *p, char *out, size_t n)
{
	snprintf(out, n, "%s%s%s", (p->caps & PROVIDER_CAP_EXECUTE) ? "execute " : "",
		 (p->caps & PROVIDER_CAP_REALIZE_WORKSPACE) ? "workspace " : "",
		 (p->caps & PROVIDER_CAP_TEST_ONLY) ? "test-only" : "");
	if (!out[0])
		snprintf(out, n, "-");
}

char *tui_provider_status(Provider *p)
{
	char *s = p->ops->describe_status ? p->ops->describe_status(p) : NULL;

	return s ? s : strdup("ready");
}

TuiTone tui_provider_status_tone(const char *status)
{
	if (strstr(status, "error") || strstr(status, "fail") || strstr(status, "down") ||
	    strstr(status, "crash"))
		return TONE_ERROR;
	if (strstr(status, "restart"))
		return TONE_WARN;
	return TONE_OK;
}

static void providers_load(Tui *t, ProvidersState *st)
{
	Registry *r = &t->app->registry;

	tui_rows_empty(&st->all);
	for (size_t i = 0; i < r->count; i++) {
		Provider *p = r->items[i];
		TuiRow *row = tui_rows_add(&st->all, p->key);
		char caps[64], *status = tui_provider_status(p);

		if (!row || !status) {
			free(status);
			tui_flash(t, TUI_FLASH_ERROR, "out of memory");
			return;
		}
		tui_provider_caps(p, caps, sizeof caps);
		tui_row_set(row, 0, p->key, TONE_NORMAL);
		tui_row_set(row, 1, provider_source_name(p->source), TONE_NORMAL);
		tui_row_set(row, 2, status, tui_provider_status_tone(status));
		tui_row_set(row, 3, caps, (p->caps & PROVIDER_CAP_TEST_ONLY) ? TONE_WARN : TONE_NORMAL);
		tui_row_set(row, 4, p->display_name, TONE_NORMAL);
		free(status);
	}
	tui_table_invalidate(&st->table);
}

static Status providers_open(Tui *t, TuiView *v, const void *arg, Error *err)
{
	ProvidersState *st = calloc(1, sizeof *st);

	if (!st)
		return error_set(err, ST_E_NOMEM, "out of memory");
	tui_table_init(&st->table, providers_cols, sizeof providers_cols / sizeof providers_cols[0],
		       tui_table_mem_fetch, &st->all);
	st->table.filter = v->filter;
	st->pick = arg && !strcmp(arg, "pick");
	v->state = st;
	v->table = &st->table;
	snprintf(v->title, sizeof v->title, "%s", st->pick ? "pick a provider" : "Providers");
	providers_load(t, st);
	return ST_OK;
}

static void providers_close(Tui *t, TuiView *v)
{
	ProvidersState *st = v->state;

	tui_table_clear(&st->table);
	tui_rows_clear(&st->all);
	free(st);
}

static void providers_draw(Tui *t, TuiView *v, int y, int x, int h, int w)
{
	ProvidersState *st = v->state;
	Registry *r = &t->app->registry;
	int probs = r->problem_count > 3 ? 3 : (int)r->problem_count;
	int th = h - 2 - (probs ? probs + 1 : 0);

	tui_table_draw(&st->table, &t->scr, y + 1, x + 1, th, w - 2);
	tui_frame(t, v, y, x, h, w,
		  st->pick ? "New environment: pick its provider (Enter)" : "Providers");
	for (int i = 0; i < probs; i++)
		tui_screen_text(&t->scr, y + 1 + th + 1 + i, x + 2, w - 4, TONE_WARN, false,
				r->problems[i]);
}

static bool providers_action(Tui *t, TuiView *v, int action)
{
	ProvidersState *st = v->state;
	const TuiRow *row = tui_table_selected(&st->table);
	Error err;

	error_clear(&err);
	if (!row)
		return false;
	switch (action) {
	case TUI_ACT_OPEN:
		if (st->pick) {
			char arg[300];

			/* The picker gives way to the new environment's form. */
			snprintf(arg, sizeof arg, "env-new:%s", row->id);
			tui_pop(t);
			if (tui_push(t, &tui_view_form, arg, &err) != ST_OK)
				tui_flash_error(t, &err);
			return true;
		}
		if (tui_push(t, &tui_view_provider, row->id, &err) != ST_OK)
			tui_flash_error(t, &err);
		return true;
	case PROV_ACT_LOG:
		if (tui_log_pane(t, row->id, &err) != ST_OK)
			tui_flash_error(t, &err);
		return true;
	case PROV_ACT_FORM: {
		char arg[300];

		snprintf(arg, sizeof arg, "provider:%s", row->id);
		if (tui_push(t, &tui_view_form, arg, &err) != ST_OK)
			tui_flash_error(t, &err);
		return true;
	}
	default:
		return false;
	}
}

static void providers_refresh(Tui *t, TuiView *v, bool live)
{
	ProvidersState *st = v->state;

	providers_load(t, st);
	if (!live)
		tui_flash(t, TUI_FLASH_INFO, "%zu providers", t->app->registry.count);
}

static cJSON *providers_describe(Tui *t, TuiView *v, Error *err)
{
	const TuiRow *row = tui_table_selected(v->table);
	Provider *p = row && row->id ? registry_find(&t->app->registry, row->id) : NULL;

	if (!p) {
		if (row && row->id)
			error_set(err, ST_E_NOT_FOUND, "provider %s is no longer registered", row->id);
		return NULL;
	}
	return describe_provider(p, true);
}

const TuiViewOps tui_view_providers = {
	.name = "providers",
	.alias = "prov",
	.keys = providers_keys,
	.top_level = true,
	.filterable = true,
	.min_w = 60,
	.min_h = 12,
	.open = providers_open,
	.close = providers_close,
	.draw = providers_draw,
	.action = providers_action,
	.reload = providers_refresh,
	.describe = providers_describe,
};
