/* The text pane: anything the console had to cut (a probe's error, a
 * long value, the session's messages) read whole, wrapped to the screen
 * and scrollable. Nothing is lost for good (#14). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/lib.h"
#include "util/lib.h"
#include "tui/private.h"

enum { TEXT_ACT_UP = TUI_ACT_VIEW, TEXT_ACT_DOWN, TEXT_ACT_PGUP, TEXT_ACT_PGDN, TEXT_ACT_HOME,
       TEXT_ACT_END, TEXT_ACT_FOLLOW, TEXT_ACT_WRAP };

static const TuiKey text_keys[] = {
	{ 'k', TUI_FN(KEY_UP), TEXT_ACT_UP, 0, NULL, "Scroll up a line" },
	{ 'j', TUI_FN(KEY_DOWN), TEXT_ACT_DOWN, 0, NULL, "Scroll down a line" },
	{ TUI_FN(KEY_PPAGE), TUI_CTRL('b'), TEXT_ACT_PGUP, 0, NULL, "Page up" },
	{ TUI_FN(KEY_NPAGE), ' ', TEXT_ACT_PGDN, 0, NULL, "Page down" },
	{ 'g', TUI_FN(KEY_HOME), TEXT_ACT_HOME, 0, NULL, "Top" },
	{ 'G', TUI_FN(KEY_END), TEXT_ACT_END, 0, NULL, "Bottom" },
	{ 0, 0, 0, 0, NULL, NULL },
};

/* The log pane (#15): the text pane over a plugin's log, re-read on every
 * refresh; / keeps the lines that contain the words. */
static const TuiKey log_keys[] = {
	{ 'f', 0, TEXT_ACT_FOLLOW, TUI_KEY_FOOTER, "follow",
	  "Follow: stay at the end as lines arrive (scrolling up stops it)" },
	{ 'w', 0, TEXT_ACT_WRAP, TUI_KEY_FOOTER, "wrap", "Wrap long lines (again: cut them at the edge)" },
	{ 'k', TUI_FN(KEY_UP), TEXT_ACT_UP, 0, NULL, "Scroll up a line" },
	{ 'j', TUI_FN(KEY_DOWN), TEXT_ACT_DOWN, 0, NULL, "Scroll down a line" },
	{ TUI_FN(KEY_PPAGE), TUI_CTRL('b'), TEXT_ACT_PGUP, 0, NULL, "Page up" },
	{ TUI_FN(KEY_NPAGE), ' ', TEXT_ACT_PGDN, 0, NULL, "Page down" },
	{ 'g', TUI_FN(KEY_HOME), TEXT_ACT_HOME, 0, NULL, "Top" },
	{ 'G', TUI_FN(KEY_END), TEXT_ACT_END, 0, NULL, "Bottom" },
	{ 0, 0, 0, 0, NULL, NULL },
};

typedef struct TextState {
	char *title;
	char *text;
	int scroll;
	int lines;   /* wrapped lines at the last draw */
	int page;    /* lines shown at the last draw */
	bool at_end; /* opened at the bottom (messages: the newest last) */
	char pos[48];
	/* the log pane */
	char *log_key; /* the provider whose plugin log this is, or NULL */
	char *lease_id; /* or the lease whose exec history this is */
	bool follow;
	bool nowrap;
} TextState;

Status tui_text_pane(Tui *t, const char *title, const char *text, bool at_end, Error *err)
{
	TuiTextArg a = { title, text, at_end };

	return tui_push(t, &tui_view_text, &a, err);
}

/* Tabs (pretty-printed JSON) become two spaces, not '?'. With filter,
 * only the lines that contain it (any case) are kept. */
static char *text_prepare(const char *src, const char *filter)
{
	size_t tabs = 0, n = 0;
	char *out;

	for (const char *p = src; *p; p++)
		tabs += *p == '\t';
	if (!(out = malloc(strlen(src) + tabs + 1)))
		return NULL;
	for (const char *p = src; *p;) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		bool keep = true;

		if (filter && filter[0]) {
			char *line = strndup(p, len);

			keep = line && strcasestr(line, filter);
			free(line);
		}
		for (size_t i = 0; keep && i < len; i++) {
			if (p[i] == '\t') {
				out[n++] = ' ';
				out[n++] = ' ';
			} else {
				out[n++] = p[i];
			}
		}
		if (keep && end)
			out[n++] = '\n';
		p += len + (end ? 1 : 0);
	}
	out[n] = 0;
	return out;
}

static Status text_open(Tui *t, TuiView *v, const void *arg, Error *err)
{
	const TuiTextArg *a = arg;
	TextState *st = calloc(1, sizeof *st);

	if (!st || !(st->title = strdup(a->title ? a->title : "")) ||
	    !(st->text = text_prepare(a->text ? a->text : "", NULL))) {
		if (st)
			free(st->title);
		free(st);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	st->at_end = a->at_end;
	st->scroll = a->at_end ? 1 << 30 : 0;
	v->state = st;
	snprintf(v->title, sizeof v->title, "%s", st->title);
	return ST_OK;
}

static void text_close(Tui *t, TuiView *v)
{
	TextState *st = v->state;

	free(st->title);
	free(st->text);
	free(st->log_key);
	free(st->lease_id);
	free(st);
}

/* Where the next wrapped line of p starts, at most w columns on. */
static const char *text_wrap(Tui *t, const char *p, int w, char *line, size_t n)
{
	const char *q = p, *brk = NULL;
	int cols = 0;
	size_t len;

	while (*q && *q != '\n') {
		const char *c = q;
		char one[8];
		int cw;

		tui_utf8_next(&q);
		memcpy(one, c, (size_t)(q - c));
		one[q - c] = 0;
		cw = tui_screen_width(&t->scr, one);
		if (cols + cw > w) {
			q = c;
			break;
		}
		cols += cw;
		if (*c == ' ')
			brk = q;
	}
	if (*q && *q != '\n' && brk)
		q = brk;
	len = (size_t)(q - p) < n - 1 ? (size_t)(q - p) : n - 1;
	memcpy(line, p, len);
	line[len] = 0;
	if (q == p && *q && *q != '\n')
		tui_utf8_next(&q); /* a glyph wider than the pane: skip it */
	if (*q == '\n')
		q++;
	return q;
}

static void text_draw(Tui *t, TuiView *v, int y, int x, int h, int w)
{
	TextState *st = v->state;
	int iw = w - 4, ih = h - 2, n = 0;
	const char *p = st->text;
	char line[1024];

	if (iw < 1 || ih < 1)
		return;
	/* Count the wrapped lines, then draw the window of them. */
	/* Not wrapping: each line whole, cut at the edge when drawn. */
	int ww = st->nowrap ? (int)sizeof line : iw;

	while (*p) {
		p = text_wrap(t, p, ww, line, sizeof line);
		n++;
	}
	st->lines = n;
	st->page = ih;
	if (st->follow || st->scroll > n - ih)
		st->scroll = n - ih;
	if (st->scroll < 0)
		st->scroll = 0;
	p = st->text;
	for (int i = 0; *p && i < st->scroll + ih; i++) {
		p = text_wrap(t, p, ww, line, sizeof line);
		if (i >= st->scroll)
			tui_screen_text(&t->scr, y + 1 + i - st->scroll, x + 2, iw, TONE_NORMAL, false,
					line);
	}
	if (!n)
		tui_screen_text(&t->scr, y + 1, x + 2, iw, TONE_DIM, false, "(nothing)");
	tui_frame(t, v, y, x, h, w, st->title);
}

static bool text_action(Tui *t, TuiView *v, int action)
{
	TextState *st = v->state;
	int page = st->page > 1 ? st->page - 1 : 1;

	switch (action) {
	case TEXT_ACT_UP: st->scroll--; st->follow = false; break;
	case TEXT_ACT_DOWN: st->scroll++; break;
	case TEXT_ACT_PGUP: st->scroll -= page; st->follow = false; break;
	case TEXT_ACT_PGDN: st->scroll += page; break;
	case TEXT_ACT_HOME: st->scroll = 0; st->follow = false; break;
	case TEXT_ACT_END: st->scroll = 1 << 30; break;
	case TEXT_ACT_FOLLOW:
		st->follow = !st->follow;
		tui_flash(t, TUI_FLASH_INFO, "follow %s", st->follow ? "on" : "off");
		break;
	case TEXT_ACT_WRAP:
		st->nowrap = !st->nowrap;
		break;
	default: return false;
	}
	if (st->scroll < 0)
		st->scroll = 0;
	return true;
}

static bool text_mouse(Tui *t, TuiView *v, const TuiEvent *ev)
{
	if (ev->mouse == TUI_MOUSE_WHEEL_UP)
		return text_action(t, v, TEXT_ACT_UP);
	if (ev->mouse == TUI_MOUSE_WHEEL_DOWN)
		return text_action(t, v, TEXT_ACT_DOWN);
	return false;
}

static const char *text_status(Tui *t, TuiView *v)
{
	TextState *st = v->state;
	int last = st->scroll + st->page < st->lines ? st->scroll + st->page : st->lines;

	snprintf(st->pos, sizeof st->pos, "%s%s%d-%d/%d", st->follow ? "follow " : "",
		 (st->log_key || st->lease_id) && st->nowrap ? "cut " : "", st->lines ? st->scroll + 1 : 0, last,
		 st->lines);
	return st->pos;
}

const TuiViewOps tui_view_text = {
	.name = "text",
	.keys = text_keys,
	.min_w = 30,
	.min_h = 8,
	.open = text_open,
	.close = text_close,
	.draw = text_draw,
	.action = text_action,
	.mouse = text_mouse,
	.status = text_status,
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
			buf_free(&b);
			store_activity_list_free(&l);
			return error_set(err, ST_E_NOMEM, "out of memory");
		}
		free(line);
	}
	store_activity_list_free(&l);
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
	text = text_prepare(raw, v->filter);
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
	.min_w = 30,
	.min_h = 8,
	.open = text_open,
	.close = text_close,
	.draw = text_draw,
	.action = text_action,
	.mouse = text_mouse,
	.reload = log_reload,
	.status = text_status,
};
