/* The log pane (#15): the text pane over a plugin's log or a lease's exec
 * history, re-read on every refresh, following. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/lib.h"
#include "util/lib.h"
#include "tui/private.h"

static const TuiKey log_keys[] = {
	{ 'f', 0, TEXT_ACT_FOLLOW, TUI_KEY_FOOTER, "follow",
	  "Follow: stay at the end as lines arrive (scrolling up stops it)" },
	{ 'w', 0, TEXT_ACT_WRAP, TUI_KEY_FOOTER, "wrap", "Wrap long lines (again: cut them at the edge)" },
	TUI_TEXT_SCROLL_KEYS
	{ 0, 0, 0, 0, NULL, NULL },
};

/* Every line the log holds (the rotated part and the current file). */
#define LOG_PANE_LINES 100000

/* A lease's exec history, one line an exec, oldest first: the rows are
 * re-read whole on every refresh (another process may be running them). */
static Status lease_log_text(Tui *t, const char *lease_id, char **out, Error *err)
{
	StoreActivityList l;
	Buf b = BUF_INIT;

	*out = NULL;
	if (lease_exec_log(t->app, lease_id, 0, &l, err) != ST_OK)
		return err->status;
	for (size_t i = 0; i < l.count; i++) {
		char *line = lease_exec_log_line(&l.items[i]);

		if (!line || !buf_append(&b, line, strlen(line)) || !buf_append(&b, "\n", 1)) {
			free(line);
			buf_clear(&b);
			store_activity_list_clear(&l);
			return error_set(err, ST_E_NOMEM, "out of memory");
		}
		free(line);
	}
	store_activity_list_clear(&l);
	if (!(*out = buf_take(&b)))
		return error_set(err, ST_E_NOMEM, "out of memory");
	return ST_OK;
}

static void log_reload(Tui *t, TuiView *v, bool live)
{
	TextState *st = v->state;
	char *raw = NULL, *text;
	Error err;

	error_clear(&err);
	if (st->lease_id ? lease_log_text(t, st->lease_id, &raw, &err) != ST_OK
			 : plugins_log_tail(t->app, st->log_key, LOG_PANE_LINES, &raw, &err) != ST_OK) {
		if (!live)
			tui_flash_error(t, &err);
		return;
	}
	text = tui_text_prepare(raw, v->filter);
	free(raw);
	if (!text)
		return;
	free(st->text);
	st->text = text;
}

/* Pushes the log pane for a plugin's log (lease false: key is the
 * provider) or a lease's exec history, opened at the newest line and
 * following, as tail -f. */
static Status log_pane_open(Tui *t, const char *title, bool lease, const char *key, Error *err)
{
	TuiTextArg a = { title, "", false };
	TextState *ts;
	TuiView *v;
	char *dup;
	Status st;

	if ((st = tui_push(t, &tui_view_log, &a, err)) != ST_OK)
		return st;
	v = tui_top(t);
	ts = v->state;
	if (!(dup = strdup(key))) {
		tui_pop(t);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	if (lease)
		ts->lease_id = dup;
	else
		ts->log_key = dup;
	ts->follow = true;
	log_reload(t, v, false);
	return ST_OK;
}

Status tui_log_pane(Tui *t, const char *provider_key, Error *err)
{
	char *raw = NULL, title[200];

	if (plugins_log_tail(t->app, provider_key, LOG_PANE_LINES, &raw, err) != ST_OK)
		return err->status;
	free(raw);
	snprintf(title, sizeof title, "log of %s", provider_key);
	return log_pane_open(t, title, false, provider_key, err);
}

Status tui_lease_log_pane(Tui *t, const char *lease_id, Error *err)
{
	char *raw = NULL, title[200];

	if (lease_log_text(t, lease_id, &raw, err) != ST_OK)
		return err->status;
	free(raw);
	snprintf(title, sizeof title, "exec history of lease %.8s", lease_id);
	return log_pane_open(t, title, true, lease_id, err);
}

const TuiViewOps tui_view_log = {
	.name = "log",
	.keys = log_keys,
	.filterable = true,
	TUI_TEXT_PANE_OPS,
	.reload = log_reload,
};
