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

static const TuiKey text_keys[] = {
	TUI_TEXT_SCROLL_KEYS
	{ 0, 0, 0, 0, NULL, NULL },
};

Status tui_text_pane(Tui *t, const char *title, const char *text, bool at_end, Error *err)
{
	TuiTextArg a = { title, text, at_end };

	return tui_push(t, &tui_view_text, &a, err);
}

/* Tabs (pretty-printed JSON) become two spaces, not '?'. With filter,
 * only the lines that contain it (any case) are kept. */
char *tui_text_prepare(const char *src, const char *filter)
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

Status tui_text_open(Tui *t, TuiView *v, const void *arg, Error *err)
{
	const TuiTextArg *a = arg;
	TextState *st = calloc(1, sizeof *st);

	if (!st || !(st->title = strdup(a->title ? a->title : "")) ||
	    !(st->text = tui_text_prepare(a->text ? a->text : "", NULL))) {
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

void tui_text_close(Tui *t, TuiView *v)
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

void tui_text_draw(Tui *t, TuiView *v, int y, int x, int h, int w)
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

bool tui_text_action(Tui *t, TuiView *v, int action)
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

bool tui_text_mouse(Tui *t, TuiView *v, const TuiEvent *ev)
{
	if (ev->mouse == TUI_MOUSE_WHEEL_UP)
		return tui_text_action(t, v, TEXT_ACT_UP);
	if (ev->mouse == TUI_MOUSE_WHEEL_DOWN)
		return tui_text_action(t, v, TEXT_ACT_DOWN);
	return false;
}

const char *tui_text_status(Tui *t, TuiView *v)
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
	TUI_TEXT_PANE_OPS,
};
