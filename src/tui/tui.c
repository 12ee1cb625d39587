#include "tui/private.h"

#include <fcntl.h>
#include <poll.h>
#include <locale.h>
#include <time.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "core/lib.h"
#include "util/lib.h"

/* The views `:` can open, in the order completion lists them. */
static const TuiViewOps *const tui_top_views[] = {
	&tui_view_envs,
	&tui_view_leases,
	&tui_view_providers,
	&tui_view_secrets,
	&tui_view_activity,
	&tui_view_jobs,
};
#define TUI_TOP_VIEW_COUNT (sizeof tui_top_views / sizeof tui_top_views[0])

/* Commands beyond the view names. */
static void tui_request_quit(Tui *t);

static const char *const tui_extra_commands[] = { "q", "quit", "help", "dump", "form",
						  "messages", "columns" };
#define TUI_EXTRA_COUNT (sizeof tui_extra_commands / sizeof tui_extra_commands[0])

#define TUI_MIN_W 40
#define TUI_MIN_H 10

static int64_t tui_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t tui_now(const Tui *t)
{
	return t->fixed_now ? t->fixed_now : time_now_ms();
}

/* ------------------------------------------------------------ stack */

TuiView *tui_top(Tui *t)
{
	return t->depth ? t->stack[t->depth - 1] : NULL;
}

static void tui_sort_restore(Tui *t, TuiView *v);

const TuiKey *tui_view_keys(Tui *t, const TuiView *v)
{
	const TuiKey *k = v && v->ops->keys_for ? v->ops->keys_for(t, v) : NULL;

	return k ? k : v ? v->ops->keys : NULL;
}

/* The columns tui.conf chose for this kind of view (#15). */
static void tui_columns_restore(Tui *t, TuiView *v)
{
	const char *list;
	char why[128];

	if (!v->table || v->table->fixed_order || !(list = tui_conf_columns(&t->conf, v->ops->name)))
		return;
	if (!tui_table_set_columns(v->table, list, why, sizeof why))
		tui_flash(t, TUI_FLASH_WARN, "tui.conf columns.%s: %s; the default columns stay",
			  v->ops->name, why);
}

Status tui_push(Tui *t, const TuiViewOps *ops, const void *arg, Error *err)
{
	TuiView *v;

	if (t->depth == TUI_STACK_MAX)
		return error_set(err, ST_E_BUSY, "too many views open; press q to go back first");
	v = calloc(1, sizeof *v);
	if (!v)
		return error_set(err, ST_E_NOMEM, "out of memory");
	v->ops = ops;
	v->serial = ++t->next_serial;
	snprintf(v->title, sizeof v->title, "%s", ops->name);
	if (ops->open && ops->open(t, v, arg, err) != ST_OK) {
		free(v);
		return err->status;
	}
	/* A flash belongs to the view it was said over (#14); :messages
	 * keeps it. (One said before the first view, e.g. a bad tui.conf,
	 * stays.) */
	if (t->depth)
		t->flash[0] = 0;
	tui_columns_restore(t, v);
	tui_sort_restore(t, v);
	t->stack[t->depth++] = v;
	return ST_OK;
}

TuiView *tui_find_serial(Tui *t, unsigned serial)
{
	for (int i = 0; i < t->depth; i++)
		if (t->stack[i]->serial == serial)
			return t->stack[i];
	return NULL;
}

static void tui_sort_remember(Tui *t, const TuiView *v)
{
	int i;

	if (!v->table || v->table->fixed_order)
		return;
	for (i = 0; i < t->sort_count && t->sorts[i].ops != v->ops; i++)
		;
	if (i == t->sort_count) {
		if (t->sort_count == (int)(sizeof t->sorts / sizeof t->sorts[0]))
			return;
		t->sort_count++;
	}
	t->sorts[i].ops = v->ops;
	t->sorts[i].col = v->table->sort_col;
	t->sorts[i].desc = v->table->sort_desc;
}

static void tui_sort_restore(Tui *t, TuiView *v)
{
	if (!v->table || v->table->fixed_order)
		return;
	for (int i = 0; i < t->sort_count; i++) {
		if (t->sorts[i].ops == v->ops && t->sorts[i].col < (int)v->table->ncols) {
			v->table->sort_col = t->sorts[i].col;
			v->table->sort_desc = t->sorts[i].desc;
			v->table->stale = true;
			return;
		}
	}
}

static void tui_view_free(Tui *t, TuiView *v)
{
	tui_sort_remember(t, v);
	if (v->ops->close)
		v->ops->close(t, v);
	free(v);
}

void tui_pop(Tui *t)
{
	if (!t->depth)
		return;
	tui_view_free(t, t->stack[--t->depth]);
	t->flash[0] = 0;
	if (!t->depth)
		t->quit = true;
}

Status tui_switch(Tui *t, const TuiViewOps *ops, Error *err)
{
	TuiView *keep[TUI_STACK_MAX];
	int depth = t->depth;

	/* Open the new view first: if it fails, the operator keeps the stack. */
	memcpy(keep, t->stack, sizeof keep);
	t->depth = 0;
	if (tui_push(t, ops, NULL, err) != ST_OK) {
		memcpy(t->stack, keep, sizeof keep);
		t->depth = depth;
		return err->status;
	}
	for (int i = depth - 1; i >= 0; i--)
		tui_view_free(t, keep[i]);
	t->flash[0] = 0;
	return ST_OK;
}

void tui_reload_all(Tui *t)
{
	for (int i = 0; i < t->depth; i++) {
		TuiView *v = t->stack[i];

		if (v->table)
			tui_table_invalidate(v->table);
		if (v->ops->reload)
			v->ops->reload(t, v, true);
	}
}

/* ------------------------------------------------------------ flash */

void tui_flash(Tui *t, TuiFlashLevel level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(t->flash, sizeof t->flash, fmt, ap);
	va_end(ap);
	t->flash_level = level;
	{
		TuiMessage *last = t->message_count
					   ? &t->messages[(t->message_count - 1) % TUI_MESSAGES_MAX]
					   : NULL;

		if (last && last->level == level && !strcmp(last->text, t->flash)) {
			last->repeats++;
			last->at_ms = tui_now(t);
		} else {
			TuiMessage *m = &t->messages[t->message_count++ % TUI_MESSAGES_MAX];

			m->at_ms = tui_now(t);
			m->level = level;
			m->repeats = 0;
			snprintf(m->text, sizeof m->text, "%s", t->flash);
		}
	}
	/* Scripts see a flash until the next one, so goldens do not depend
	 * on how fast the machine is. */
	t->flash_until = t->scripted ? INT64_MAX
				     : time_now_ms() + (level == TUI_FLASH_ERROR ? 8000 : 4000);
}

void tui_flash_error(Tui *t, const Error *err)
{
	tui_flash(t, TUI_FLASH_ERROR, "%s", error_text(err));
}

bool tui_readonly_refuse(Tui *t, const char *what)
{
	if (!t->readonly)
		return false;
	tui_flash(t, TUI_FLASH_WARN, "read-only console: %s is disabled (started with --readonly)",
		  what);
	return true;
}

/* ------------------------------------------------------------ drawing */

void tui_frame(Tui *t, TuiView *v, int y, int x, int h, int w, const char *title)
{
	char head[300], pos[64];

	if (v->table && v->table->fixed_order && v->filter[0])
		snprintf(head, sizeof head, "%s /%s", title, v->filter);
	else if (v->table && v->filter[0])
		snprintf(head, sizeof head, "%s(%zu) /%s", title, v->table->total, v->filter);
	else if (v->table && !v->table->fixed_order)
		snprintf(head, sizeof head, "%s(%zu)", title, v->table->total);
	else
		snprintf(head, sizeof head, "%s", title);
	tui_screen_box(&t->scr, y, x, h, w, head);
	pos[0] = 0;
	if (v->ops->status)
		snprintf(pos, sizeof pos, "%s", v->ops->status(t, v));
	else if (v->table && v->table->total)
		snprintf(pos, sizeof pos, "%zu/%zu", v->table->sel + 1, v->table->total);
	if (pos[0] && h > 1) {
		int pw = tui_screen_width(&t->scr, pos);

		if (pw + 4 < w) {
			mvaddch(y + h - 1, x + w - pw - 4, ' ');
			tui_screen_text(&t->scr, y + h - 1, x + w - pw - 3, pw, TONE_BORDER, false,
					pos);
			mvaddch(y + h - 1, x + w - 3, ' ');
		}
	}
}

static void tui_draw_header(Tui *t)
{
	char crumbs[512] = "", right[200] = "";
	const char *sep = t->scr.utf8 ? " › " : " > ";
	int rw, x;

	for (int i = 0; i < t->depth; i++) {
		size_t len = strlen(crumbs);

		snprintf(crumbs + len, sizeof crumbs - len, "%s%s", i ? sep : "",
			 t->stack[i]->title);
	}
	if (t->job && !t->job->waiting) {
		size_t len = strlen(right);

		pthread_mutex_lock(&t->job->mu);
		/* A count only where there is one: a single call shows its age,
		 * not "0/0" (#14). */
		if (t->job->total)
			snprintf(right + len, sizeof right - len, "%s %zu/%zu  ", t->job->title,
				 t->job->count, t->job->total);
		else
			snprintf(right + len, sizeof right - len, "%s %llds  ", t->job->title,
				 (long long)((time_now_ms() - t->job->started_ms) / 1000));
		pthread_mutex_unlock(&t->job->mu);
	}
	if (t->readonly) {
		size_t len = strlen(right);

		snprintf(right + len, sizeof right - len, "READ-ONLY ");
	}
	tui_screen_fill(&t->scr, 0, 0, COLS, TONE_HEADER);
	x = tui_screen_text(&t->scr, 0, 1, 7, TONE_HEADER, false, "envctl");
	rw = tui_screen_width(&t->scr, right);
	if (rw > COLS / 2)
		rw = COLS / 2;
	tui_screen_text(&t->scr, 0, x + 3, COLS - x - 4 - rw, TONE_HEADER, false, crumbs);
	if (rw)
		tui_screen_text_right(&t->scr, 0, COLS - rw, rw, TONE_HEADER, right);
}

static bool tui_key_shown(Tui *t, TuiView *v, const TuiKey *k)
{
	if (!(k->flags & TUI_KEY_FOOTER) || !k->footer)
		return false;
	if ((k->flags & TUI_KEY_CHANGES) && t->readonly)
		return false;
	if (v && v->ops->enabled && !v->ops->enabled(t, v, k->action))
		return false;
	return true;
}

static int tui_footer_width(Tui *t, const char *label, const char *word)
{
	return tui_screen_width(&t->scr, label) + 1 + tui_screen_width(&t->scr, word);
}

/* One "key word" item at x, if it fits before limit; returns the next x. */
static int tui_footer_item_to(Tui *t, int x, int limit, int key, const char *label,
			      const char *word)
{
	int used, w = tui_footer_width(t, label, word);

	if (x + w > limit)
		return limit; /* no room: this and the rest are left out */
	used = tui_screen_text(&t->scr, LINES - 1, x, w, TONE_KEY, false, label);
	used += tui_screen_text(&t->scr, LINES - 1, x + used, w - used, TONE_FOOTER, false, " ");
	used += tui_screen_text(&t->scr, LINES - 1, x + used, w - used, TONE_FOOTER, false, word);
	if (key && t->footer_hit_count < (int)(sizeof t->footer_hits / sizeof t->footer_hits[0]))
		t->footer_hits[t->footer_hit_count++] = (TuiFooterHit){ x, x + used, key };
	return x + used + 2;
}

static int tui_footer_item(Tui *t, int x, int key, const char *label, const char *word)
{
	return tui_footer_item_to(t, x, COLS - 1, key, label, word);
}

static void tui_draw_footer(Tui *t)
{
	TuiView *v = tui_top(t);
	int x = 1;
	char label[40];

	t->footer_hit_count = 0;
	tui_screen_fill(&t->scr, LINES - 1, 0, COLS, TONE_FOOTER);
	if (t->job && t->job->waiting) {
		tui_footer_item(t, x, TUI_KEY_ESC, "Esc", "stop waiting (the work goes on)");
		return;
	}
	if (t->prompt == TUI_PROMPT_COMMAND && t->completions[0]) {
		tui_screen_text(&t->scr, LINES - 1, 1, COLS - 2, TONE_FOOTER, false, t->completions);
		return;
	}
	if (t->prompt == TUI_PROMPT_COMMAND) {
		x = tui_footer_item(t, x, TUI_KEY_ENTER, "Enter", "run");
		x = tui_footer_item(t, x, TUI_KEY_TAB, "Tab", "complete");
		tui_footer_item(t, x, TUI_KEY_ESC, "Esc", "cancel");
		return;
	}
	if (t->prompt == TUI_PROMPT_FILTER) {
		x = tui_footer_item(t, x, TUI_KEY_ENTER, "Enter", "keep filter");
		tui_footer_item(t, x, TUI_KEY_ESC, "Esc", "clear filter");
		return;
	}
	{
		/* "? help" always shows, flush right: whatever else does not fit
		 * is still listed there. */
		/* Where ? types (a form), F1 is the help key that works. */
		bool typing = v && v->ops->paste;
		int hw = tui_footer_width(t, typing ? "F1" : "?", "help");
		int limit = COLS - hw - 2;

		tui_footer_item_to(t, limit + 1, COLS, typing ? TUI_FN(KEY_F(1)) : '?',
				   typing ? "F1" : "?", "help");
		if (v && v->ops->hint) {
			const char *h = v->ops->hint(t, v);

			if (h && h[0]) {
				x += tui_screen_text(&t->scr, LINES - 1, x, limit - x, TONE_KEY, false, h);
				x += 2;
			}
		}
		if (v && tui_view_keys(t, v)) {
			for (const TuiKey *k = tui_view_keys(t, v); k->key; k++) {
				if (!tui_key_shown(t, v, k))
					continue;
				/* The footer shows one key per action: the first. */
				tui_key_name(k->key, label, sizeof label);
				x = tui_footer_item_to(t, x, limit, k->key, label, k->footer);
			}
		}
		if (v && v->ops->filterable)
			x = tui_footer_item_to(t, x, limit, '/', "/", "filter");
		for (const TuiKey *k = tui_keys_global; k->key; k++) {
			if (!tui_key_shown(t, NULL, k) || k->action == TUI_ACT_HELP)
				continue;
			/* A view that takes typing (a form) is left with its own keys. */
			if (k->action == TUI_ACT_BACK && v && v->ops->key)
				continue;
			tui_key_name(k->key, label, sizeof label);
			x = tui_footer_item_to(t, x, limit, k->key, label,
					       k->action == TUI_ACT_BACK && t->depth <= 1 ? "quit"
											  : k->footer);
		}
	}
}

static void tui_draw_message_line(Tui *t)
{
	int y = LINES - 2;
	TuiTone tone = TONE_NORMAL;

	move(y, 0);
	clrtoeol();
	if (t->prompt != TUI_PROMPT_NONE) {
		int used = tui_screen_text(&t->scr, y, 0, 1, TONE_TITLE, false,
					   t->prompt == TUI_PROMPT_COMMAND ? ":" : "/");
		const char *text = tui_edit_text(&t->prompt_ed);
		size_t cur = t->prompt_ed.cursor;
		int tw = tui_screen_width(&t->scr, text);
		const char *shown = text;
		char before[sizeof t->completions];

		/* Keep the end of a long line in view, where the typing is. */
		while (tw > COLS - 3 && *shown && (size_t)(shown - text) < cur) {
			const char *p = shown;

			tui_utf8_next(&p);
			tw -= tui_screen_width(&t->scr, "x");
			shown = p;
		}
		tui_screen_text(&t->scr, y, used, COLS - used - 1, TONE_NORMAL, false, shown);
		t->cur_y = y;
		snprintf(before, sizeof before, "%.*s", (int)(cur - (size_t)(shown - text)), shown);
		t->cur_x = used + tui_screen_width(&t->scr, before);
		if (t->cur_x >= COLS)
			t->cur_x = COLS - 1;
		return;
	}
	if (!t->flash[0] || time_now_ms() > t->flash_until)
		return;
	switch (t->flash_level) {
	case TUI_FLASH_OK: tone = TONE_OK; break;
	case TUI_FLASH_WARN: tone = TONE_WARN; break;
	case TUI_FLASH_ERROR: tone = TONE_ERROR; break;
	default: tone = TONE_NORMAL; break;
	}
	tui_screen_text(&t->scr, y, 1, COLS - 2, tone, false, t->flash);
}

static void tui_draw_too_small(Tui *t, int need_w, int need_h)
{
	char need[64], have[64];
	const char *lines[4] = { "terminal too small", need, have, "enlarge it, or q to quit" };
	TuiView *v = tui_top(t);
	int y = LINES / 2 - 2, n = 4;

	snprintf(need, sizeof need, "(need %d%s%d)", need_w, t->scr.g->times, need_h);
	snprintf(have, sizeof have, "now %d%s%d", COLS, t->scr.g->times, LINES);
	if (v && v->ops->unsaved && v->ops->unsaved(t, v))
		lines[3] = "unsaved changes are kept: enlarge it";
	if (y < 0)
		y = 0;
	for (int i = 0; i < n && y + i < LINES; i++) {
		int w = tui_screen_width(&t->scr, lines[i]);
		int x = w < COLS ? (COLS - w) / 2 : 0;

		tui_screen_text(&t->scr, y + i, x, COLS - x, i < 2 ? TONE_ERROR : TONE_DIM, false,
				lines[i]);
	}
}

void tui_draw(Tui *t)
{
	TuiView *v = tui_top(t);
	int need_w = TUI_MIN_W, need_h = TUI_MIN_H;

	t->cur_y = t->cur_x = -1;
	erase();
	if (v && v->ops->min_w > need_w)
		need_w = v->ops->min_w;
	if (v && v->ops->min_h > need_h)
		need_h = v->ops->min_h;
	t->too_small = COLS < need_w || LINES < need_h;
	if (t->too_small) {
		tui_draw_too_small(t, need_w, need_h);
	} else {
		tui_draw_header(t);
		if (v && v->ops->overlay && t->depth > 1) {
			TuiView *under = t->stack[t->depth - 2];
			int cy = t->cur_y, cx = t->cur_x;

			if (under->ops->draw)
				under->ops->draw(t, under, 1, 0, LINES - 3, COLS);
			t->cur_y = cy;
			t->cur_x = cx;
		}
		if (v && v->ops->draw)
			v->ops->draw(t, v, 1, 0, LINES - 3, COLS);
		if (t->job && t->job->waiting)
			tui_job_draw(t);
		tui_draw_message_line(t);
		tui_draw_footer(t);
	}
	if (t->cur_y >= 0) {
		move(t->cur_y, t->cur_x);
		curs_set(1);
	} else {
		curs_set(0);
	}
	wnoutrefresh(stdscr);
	doupdate();
	if (t->frames++ == 0) {
		t->first_frame_ms = time_now_ms();
		t->first_frame_us = tui_mono_us() - t->start_us;
	}
}

/* ------------------------------------------------------------ commands */

static const TuiViewOps *tui_find_view(const char *name)
{
	for (size_t i = 0; i < TUI_TOP_VIEW_COUNT; i++) {
		const TuiViewOps *o = tui_top_views[i];

		if (!strcmp(o->name, name) || (o->alias && !strcmp(o->alias, name)))
			return o;
	}
	return NULL;
}

/* :messages: the session's flashes and errors with their times, whole. */
static void tui_messages(Tui *t)
{
	static const char *const levels[] = { "info ", "ok   ", "warn ", "error" };
	size_t first = t->message_count > TUI_MESSAGES_MAX ? t->message_count - TUI_MESSAGES_MAX : 0;
	Buf b = BUF_INIT;
	Error err;
	char title[64];

	if (first)
		buf_printf(&b, "(%zu older messages dropped)\n", first);
	for (size_t i = first; i < t->message_count; i++) {
		const TuiMessage *m = &t->messages[i % TUI_MESSAGES_MAX];
		time_t secs = (time_t)(m->at_ms / 1000);
		struct tm tm;
		char when[16] = "--:--:--";

		if (gmtime_r(&secs, &tm))
			strftime(when, sizeof when, "%H:%M:%S", &tm);
		buf_printf(&b, "%s %s %s", when, levels[m->level], m->text);
		if (m->repeats)
			buf_printf(&b, " (x%d)", m->repeats + 1);
		buf_putc(&b, '\n');
	}
	snprintf(title, sizeof title, "Messages (%zu, UTC)", t->message_count - first);
	error_clear(&err);
	if (tui_text_pane(t, title, b.data ? b.data : "", true, &err) != ST_OK)
		tui_flash_error(t, &err);
	buf_clear(&b);
}

/* `:env NAME`, `:lease ID`, `:secret NAME`, `:provider KEY` (#15): the
 * item's detail over its list. The item is looked up first, so a name
 * that is not there is an error that leaves the screen as it was. */
static void tui_jump(Tui *t, const TuiViewOps *list, const char *what)
{
	const TuiViewOps *detail = NULL;
	char id[256] = "";
	Error err;

	error_clear(&err);
	if (list == &tui_view_envs) {
		StoreEnv e = { 0 };

		detail = &tui_view_env;
		if (env_get(t->app, what, &e, &err) == ST_OK)
			snprintf(id, sizeof id, "%s", e.id);
		store_env_clear(&e);
	} else if (list == &tui_view_leases) {
		StoreLease l = { 0 };

		detail = &tui_view_lease;
		if (lease_get(t->app, what, &l, &err) == ST_OK)
			snprintf(id, sizeof id, "%s", l.id);
		store_lease_clear(&l);
	} else if (list == &tui_view_secrets) {
		StoreSecret sec;

		detail = &tui_view_secret;
		if (secrets_get(t->app, what, &sec, &err) == ST_OK) {
			snprintf(id, sizeof id, "%s", sec.id);
			store_secret_clear(&sec);
		}
	} else if (list == &tui_view_providers) {
		detail = &tui_view_provider;
		if (registry_find(&t->app->registry, what))
			snprintf(id, sizeof id, "%s", what);
		else
			error_set(&err, ST_E_NOT_FOUND,
				  "no provider \"%s\" (:providers lists them)", what);
	} else {
		tui_flash(t, TUI_FLASH_ERROR, ":%s takes no argument", list->name);
		return;
	}
	if (!id[0]) {
		tui_flash_error(t, &err);
		return;
	}
	if (tui_switch(t, list, &err) != ST_OK || tui_push(t, detail, id, &err) != ST_OK)
		tui_flash_error(t, &err);
}

/* `:columns` (#15): without an argument, the view's columns (shown ones
 * starred); with a list, "+name", "-name" or "default", the new choice,
 * kept in tui.conf for this kind of view. */
static void tui_columns_command(Tui *t, const char *arg)
{
	TuiView *v = tui_top(t);
	char all[512], list[256], why[128];
	Error err;

	if (!v || !v->table || v->table->fixed_order) {
		tui_flash(t, TUI_FLASH_ERROR, ":columns works on a list view (:leases, :environments ...)");
		return;
	}
	if (!arg[0]) {
		tui_table_columns_all(v->table, all, sizeof all);
		tui_flash(t, TUI_FLASH_INFO,
			  "columns (* shown): %s; :columns a,b / +name / -name / default", all);
		return;
	}
	if (!tui_table_set_columns(v->table, arg, why, sizeof why)) {
		tui_table_columns_all(v->table, all, sizeof all);
		tui_flash(t, TUI_FLASH_ERROR, ":columns: %s; the columns are %s", why, all);
		return;
	}
	tui_table_columns_text(v->table, list, sizeof list);
	error_clear(&err);
	if (tui_conf_set_columns(&t->conf, t->conf_path, v->ops->name, list, &err) != ST_OK)
		tui_flash(t, TUI_FLASH_WARN, "%s shows %s, for this session only: %s", v->title, list,
			  error_text(&err));
	else
		tui_flash(t, TUI_FLASH_OK, "%s shows %s%s", v->title, list,
			  t->conf_path ? " (kept in tui.conf)" : "");
}

void tui_command(Tui *t, const char *line)
{
	char cmd[64] = "", arg[512] = "";
	const TuiViewOps *ops;
	Error err;

	error_clear(&err);
	while (*line == ' ' || *line == ':')
		line++;
	if (sscanf(line, "%63s %511[^\n]", cmd, arg) < 1)
		return;
	if (!strcmp(cmd, "q!")) {
		t->quit = true;
		return;
	}
	if (!strcmp(cmd, "q") || !strcmp(cmd, "quit")) {
		tui_request_quit(t);
		return;
	}
	if (!strcmp(cmd, "help")) {
		TuiView *v = tui_top(t);

		if (v && v->ops != &tui_view_help && tui_push(t, &tui_view_help, v, &err) != ST_OK)
			tui_flash_error(t, &err);
		return;
	}
	if (!strcmp(cmd, "messages") || !strcmp(cmd, "msg")) {
		tui_messages(t);
		return;
	}
	if (!strcmp(cmd, "columns") || !strcmp(cmd, "cols")) {
		tui_columns_command(t, arg);
		return;
	}
	if (!strcmp(cmd, "dump")) {
		if (!arg[0]) {
			tui_flash(t, TUI_FLASH_ERROR, ":dump needs a file name (:dump /tmp/screen.txt)");
			return;
		}
		tui_draw(t);
		if (tui_screen_dump(&t->scr, arg, &err) != ST_OK)
			tui_flash_error(t, &err);
		else
			tui_flash(t, TUI_FLASH_OK, "screen written to %s", arg);
		return;
	}
	if (!strcmp(cmd, "form")) {
		if (!arg[0]) {
			tui_flash(t, TUI_FLASH_ERROR,
				  ":form needs a JSON Schema file (:form schema.json) to preview");
			return;
		}
		if (tui_push(t, &tui_view_form, arg, &err) != ST_OK)
			tui_flash_error(t, &err);
		return;
	}
	ops = tui_find_view(cmd);
	if (!ops) {
		Buf names = BUF_INIT;

		for (size_t i = 0; i < TUI_TOP_VIEW_COUNT; i++)
			buf_printf(&names, " :%s", tui_top_views[i]->name);
		tui_flash(t, TUI_FLASH_ERROR, "unknown command \":%s\"; try%s :help :q", cmd,
			  names.data ? names.data : "");
		buf_clear(&names);
		return;
	}
	if (arg[0]) {
		tui_jump(t, ops, arg);
		return;
	}
	if (tui_switch(t, ops, &err) != ST_OK)
		tui_flash_error(t, &err);
}

/* Tab in command mode: completes the first word to the longest common
 * prefix of the candidates and lists them when more than one remains. */
static void tui_complete(Tui *t)
{
	const char *cands[TUI_TOP_VIEW_COUNT * 2 + TUI_EXTRA_COUNT];
	const char *typed = tui_edit_text(&t->prompt_ed);
	size_t n = 0, plen = strlen(typed), common;
	char list[256] = "";

	if (strchr(typed, ' '))
		return;
	for (size_t i = 0; i < TUI_TOP_VIEW_COUNT; i++) {
		cands[n++] = tui_top_views[i]->name;
		if (tui_top_views[i]->alias)
			cands[n++] = tui_top_views[i]->alias;
	}
	for (size_t i = 0; i < TUI_EXTRA_COUNT; i++)
		cands[n++] = tui_extra_commands[i];
	{
		size_t m = 0;

		for (size_t i = 0; i < n; i++)
			if (!strncmp(cands[i], typed, plen))
				cands[m++] = cands[i];
		n = m;
	}
	if (n == 0) {
		snprintf(t->completions, sizeof t->completions, "no command starts with \"%s\"",
			 typed);
		return;
	}
	common = strlen(cands[0]);
	for (size_t i = 1; i < n; i++) {
		size_t j = 0;

		while (j < common && cands[i][j] == cands[0][j])
			j++;
		common = j;
	}
	if (common > plen && common < 200) {
		char word[200];

		memcpy(word, cands[0], common);
		word[common] = 0;
		tui_edit_set(&t->prompt_ed, word);
	}
	if (n == 1) {
		t->prompt_ed.cursor = tui_edit_len(&t->prompt_ed);
		if (!strcmp(cands[0], "dump") || !strcmp(cands[0], "form") ||
		    !strcmp(cands[0], "columns"))
			tui_edit_insert(&t->prompt_ed, " ", 1);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(list);

		snprintf(list + len, sizeof list - len, "%s:%s", i ? " " : "", cands[i]);
	}
	snprintf(t->completions, sizeof t->completions, "%s", list);
}

static void tui_filter_apply(Tui *t, TuiView *v)
{
	snprintf(v->filter, sizeof v->filter, "%s", tui_edit_text(&t->prompt_ed));
	if (v->table) {
		/* Table sources filter as they fetch: no reload needed. */
		v->table->sel = v->table->top = 0;
		tui_table_invalidate(v->table);
	} else if (v->ops->reload) {
		v->ops->reload(t, v, false);
	}
}

/* ------------------------------------------------------------ history */

static void tui_history_load(Tui *t)
{
	char *text, *save = NULL;
	Error err;

	error_clear(&err);
	if (!t->history_path || !(text = fs_read_file(t->history_path, NULL, &err)))
		return; /* no history yet */
	for (char *ln = strtok_r(text, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
		if (t->history_count == TUI_HISTORY_MAX) {
			memmove(t->history[0], t->history[1], sizeof t->history[0] * (TUI_HISTORY_MAX - 1));
			t->history_count--;
		}
		snprintf(t->history[t->history_count++], sizeof t->history[0], "%s", ln);
	}
	free(text);
}

/* Keeps line as the newest entry and rewrites the file (0600: a command
 * line names files and environments, nothing secret, but it is the
 * operator's). Failing to save loses only the history. */
static void tui_history_add(Tui *t, const char *line)
{
	FILE *f;
	int fd;

	if (!line[0] || (t->history_count && !strcmp(t->history[t->history_count - 1], line)))
		return;
	if (t->history_count == TUI_HISTORY_MAX) {
		memmove(t->history[0], t->history[1], sizeof t->history[0] * (TUI_HISTORY_MAX - 1));
		t->history_count--;
	}
	snprintf(t->history[t->history_count++], sizeof t->history[0], "%s", line);
	if (!t->history_path)
		return;
	fd = open(t->history_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || !(f = fdopen(fd, "w"))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	for (int i = 0; i < t->history_count; i++)
		fprintf(f, "%s\n", t->history[i]);
	fclose(f);
}

static void tui_history_move(Tui *t, int delta)
{
	int pos = t->history_pos + delta;

	if (pos < 0 || pos > t->history_count)
		return;
	t->history_pos = pos;
	if (pos == t->history_count)
		tui_edit_empty(&t->prompt_ed);
	else
		tui_edit_set(&t->prompt_ed, t->history[pos]);
}

static void tui_prompt_key(Tui *t, int key)
{
	TuiView *v = tui_top(t);
	TuiEditResult res;

	t->completions[0] = 0;
	if (key == TUI_KEY_ESC) {
		if (t->prompt == TUI_PROMPT_FILTER && v) {
			tui_edit_empty(&t->prompt_ed);
			tui_filter_apply(t, v);
		}
		t->prompt = TUI_PROMPT_NONE;
		return;
	}
	if (key == TUI_KEY_ENTER) {
		TuiPromptKind kind = t->prompt;
		char line[256];

		t->prompt = TUI_PROMPT_NONE;
		snprintf(line, sizeof line, "%s", tui_edit_text(&t->prompt_ed));
		if (kind == TUI_PROMPT_COMMAND) {
			tui_history_add(t, line);
			tui_command(t, line);
		}
		return;
	}
	if (t->prompt == TUI_PROMPT_COMMAND && (key == TUI_FN(KEY_UP) || key == TUI_FN(KEY_DOWN))) {
		tui_history_move(t, key == TUI_FN(KEY_UP) ? -1 : 1);
		return;
	}
	if (key == TUI_KEY_TAB) {
		if (t->prompt == TUI_PROMPT_COMMAND)
			tui_complete(t);
		return;
	}
	if (key == TUI_FN(KEY_BACKSPACE) && tui_edit_len(&t->prompt_ed) == 0) {
		/* Backspace on an empty prompt leaves it, as in vim and k9s. */
		t->prompt = TUI_PROMPT_NONE;
		return;
	}
	res = tui_edit_key(&t->prompt_ed, key);
	if (res != TUI_EDIT_CHANGED)
		return;
	if (t->prompt == TUI_PROMPT_FILTER && v)
		tui_filter_apply(t, v);
}

/* ------------------------------------------------------------ dispatch */

/* ^C (and :q) quit, but not over unsaved work on the first press: the
 * same guard Esc has in a form. :q! and a second ^C quit regardless. */
static void tui_request_quit(Tui *t)
{
	for (int i = t->depth - 1; i >= 0 && !t->quit_armed; i--) {
		TuiView *v = t->stack[i];

		if (v->ops->unsaved && v->ops->unsaved(t, v)) {
			t->quit_armed = true;
			tui_flash(t, TUI_FLASH_WARN,
				  "unsaved changes in %s: ^C again quits and discards them",
				  v->title[0] ? v->title : v->ops->name);
			return;
		}
	}
	t->quit = true;
}

static void tui_global_action(Tui *t, TuiView *v, int action, int key)
{
	Error err;

	error_clear(&err);
	switch (action) {
	case TUI_ACT_QUIT:
		tui_request_quit(t);
		break;
	case TUI_ACT_BACK:
		if (key == TUI_KEY_ESC && v && v->filter[0]) {
			tui_edit_empty(&t->prompt_ed);
			tui_filter_apply(t, v);
			break;
		}
		if (key == TUI_KEY_ESC && t->depth <= 1)
			break; /* Esc never quits: only q does, from the first view */
		tui_pop(t);
		break;
	case TUI_ACT_HELP:
		if (v && v->ops != &tui_view_help && tui_push(t, &tui_view_help, v, &err) != ST_OK)
			tui_flash_error(t, &err);
		break;
	case TUI_ACT_COMMAND:
		t->prompt = TUI_PROMPT_COMMAND;
		tui_edit_empty(&t->prompt_ed);
		t->prompt_ed.max = 255;
		t->prompt_ed.multiline = false;
		t->history_pos = t->history_count;
		t->completions[0] = 0;
		break;
	case TUI_ACT_FILTER:
		if (!v || !v->ops->filterable) {
			tui_flash(t, TUI_FLASH_INFO, "this view has no filter");
			break;
		}
		t->prompt = TUI_PROMPT_FILTER;
		snprintf(t->prompt_saved, sizeof t->prompt_saved, "%s", v->filter);
		t->prompt_ed.max = TUI_FILTER_MAX - 1;
		t->prompt_ed.multiline = false;
		tui_edit_set(&t->prompt_ed, v->filter);
		break;
	case TUI_ACT_REDRAW:
		clearok(curscr, TRUE);
		break;
	case TUI_ACT_GOTO1:
	case TUI_ACT_GOTO2:
	case TUI_ACT_GOTO3:
	case TUI_ACT_GOTO4:
	case TUI_ACT_GOTO5:
		/* The order of tui_top_views: environments, leases, providers,
		 * secrets, activity. */
		if ((size_t)(action - TUI_ACT_GOTO1) < TUI_TOP_VIEW_COUNT &&
		    tui_switch(t, tui_top_views[action - TUI_ACT_GOTO1], &err) != ST_OK)
			tui_flash_error(t, &err);
		break;
	case TUI_ACT_REFRESH:
		if (v && v->table)
			tui_table_invalidate(v->table);
		if (v && v->ops->reload)
			v->ops->reload(t, v, false);
		break;
	default:
		break;
	}
}

/* OSC 52 asks the terminal (and tmux, with set-clipboard) to put the
 * text on the clipboard: it works over ssh, where no X selection does.
 * Base64 keeps whatever the id holds from being read as escapes. */
static void tui_osc52(Tui *t, const char *text)
{
	size_t n = strlen(text), cap = sodium_base64_encoded_len(n, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = malloc(cap);

	if (!b64)
		return;
	sodium_bin2base64(b64, cap, (const unsigned char *)text, n,
			  sodium_base64_VARIANT_ORIGINAL);
	if (t->scr.headless) {
		/* Scripts have no terminal: keep it where a test can read it. */
		snprintf(t->clipboard, sizeof t->clipboard, "%s", b64);
	} else {
		fprintf(stdout, "\033]52;c;%s\a", b64);
		fflush(stdout);
	}
	free(b64);
}

static void tui_row_action(Tui *t, TuiView *v, int action)
{
	const TuiRow *row = v->table ? tui_table_selected(v->table) : NULL;
	const char *id = v->ops->self_id ? v->ops->self_id(t, v) : row ? row->id : NULL;
	Error err;

	error_clear(&err);
	if (!id || !id[0]) {
		tui_flash(t, TUI_FLASH_INFO, "no row selected");
		return;
	}
	if (action == TUI_ACT_COPY_ID) {
		tui_osc52(t, id);
		tui_flash(t, TUI_FLASH_OK, "copied %s to the clipboard", id);
		return;
	}
	{
		cJSON *o = v->ops->describe(t, v, &err);
		char *text = o ? cJSON_Print(o) : NULL, title[200];

		cJSON_Delete(o);
		if (!text) {
			if (err.status == ST_OK)
				error_set(&err, ST_E_NOMEM, "out of memory describing %s", id);
			tui_flash_error(t, &err);
			return;
		}
		/* cJSON puts a tab after each colon: one space reads better. */
		for (char *c = text; (c = strstr(c, ":\t")); c += 2)
			c[1] = ' ';
		snprintf(title, sizeof title, "%s · JSON", id);
		if (tui_text_pane(t, title, text, false, &err) != ST_OK)
			tui_flash_error(t, &err);
		free(text);
	}
}

static void tui_key(Tui *t, int key)
{
	TuiView *v = tui_top(t);
	const TuiKey *k;

	if (key != TUI_CTRL('c'))
		t->quit_armed = false;
	if (t->job && t->job->waiting) {
		if (key == TUI_KEY_ESC) {
			t->job->waiting = false;
			tui_flash(t, TUI_FLASH_INFO, "%s goes on in the background", t->job->title);
		} else if (key == TUI_CTRL('c')) {
			tui_request_quit(t);
		}
		return;
	}
	if (t->prompt != TUI_PROMPT_NONE) {
		tui_prompt_key(t, key);
		return;
	}
	if (!v)
		return;
	if (t->too_small) {
		/* Nothing can be seen to act on: only leaving works. */
		k = tui_keymap_find(tui_keys_global, key);
		if (k && k->action == TUI_ACT_BACK && v->ops->unsaved && v->ops->unsaved(t, v)) {
			/* The guard holds at every size: what cannot be seen
			 * cannot be confirmed, so nothing is discarded here. */
			tui_flash(t, TUI_FLASH_WARN,
				  "unsaved changes in %s are kept: enlarge the terminal to save or "
				  "discard them",
				  v->title[0] ? v->title : v->ops->name);
			return;
		}
		if (k && (k->action == TUI_ACT_BACK || k->action == TUI_ACT_QUIT))
			tui_global_action(t, v, k->action, key);
		return;
	}
	if (v->ops->key && v->ops->key(t, v, key))
		return;
	k = tui_keymap_find(tui_view_keys(t, v), key);
	if (k) {
		if ((k->flags & TUI_KEY_CHANGES) && tui_readonly_refuse(t, k->footer ? k->footer : k->help))
			return;
		if (v->ops->action)
			v->ops->action(t, v, k->action);
		return;
	}
	if (v->table && v->ops->describe && (k = tui_keymap_find(tui_keys_row, key))) {
		tui_row_action(t, v, k->action);
		return;
	}
	if (v->table && (k = tui_keymap_find(tui_keys_table, key))) {
		tui_table_action(v->table, k->action);
		return;
	}
	if (v->table && key == TUI_KEY_ENTER && v->ops->action) {
		v->ops->action(t, v, TUI_ACT_OPEN);
		return;
	}
	k = tui_keymap_find(tui_keys_global, key);
	if (k)
		tui_global_action(t, v, k->action, key);
}

static void tui_mouse(Tui *t, const TuiEvent *ev)
{
	TuiView *v = tui_top(t);
	bool activated = false;

	if (ev->y == LINES - 1 && (ev->mouse == TUI_MOUSE_CLICK || ev->mouse == TUI_MOUSE_DOUBLE)) {
		for (int i = 0; i < t->footer_hit_count; i++) {
			if (ev->x >= t->footer_hits[i].x0 && ev->x < t->footer_hits[i].x1) {
				tui_key(t, t->footer_hits[i].key);
				return;
			}
		}
		return;
	}
	if (!v || t->too_small || t->prompt != TUI_PROMPT_NONE || (t->job && t->job->waiting))
		return;
	if (v->ops->mouse && v->ops->mouse(t, v, ev))
		return;
	if (v->table && tui_table_mouse(v->table, (int)ev->mouse, ev->y, ev->x, &activated) &&
	    activated && v->ops->action)
		v->ops->action(t, v, TUI_ACT_OPEN);
}

/* A paste goes to what takes text (the prompt, a form's field) and never
 * runs keys: pasted text over a list must not press `D` or `r`. */
static void tui_paste(Tui *t, const TuiEvent *ev)
{
	TuiView *v = tui_top(t);

	if (ev->too_long) {
		tui_flash(t, TUI_FLASH_ERROR,
			  "paste refused: over %d KiB (read a long value from a file instead)",
			  TUI_PASTE_MAX / 1024);
		return;
	}
	if (t->prompt != TUI_PROMPT_NONE) {
		/* One line: the prompt has no newline to take. */
		for (const char *p = ev->text; *p && *p != '\n';) {
			unsigned cp = tui_utf8_next(&p);

			if (cp >= 0x20)
				tui_prompt_key(t, (int)cp);
		}
		return;
	}
	if (v && !t->too_small && !(t->job && t->job->waiting) && v->ops->paste &&
	    v->ops->paste(t, v, ev->text, ev->text_len))
		return;
	tui_flash(t, TUI_FLASH_WARN, "paste ignored: nothing here takes text (%zu bytes)",
		  ev->text_len);
}

/* PostgreSQL (#17): another console's commit has sent its NOTIFY. The
 * counter read drains it, so the descriptor is quiet until the next. */
static bool tui_store_changed(Tui *t)
{
	struct pollfd p;
	int64_t version;
	Error err;

	if (query_change_fd(t->app) < 0)
		return false;
	p = (struct pollfd){ .fd = query_change_fd(t->app), .events = POLLIN };
	if (poll(&p, 1, 0) != 1)
		return false;
	error_clear(&err);
	query_change_counter(t->app, &version, &err);
	return true;
}

static void tui_tick(Tui *t)
{
	TuiView *v = tui_top(t);
	int64_t now = time_now_ms();

	if (t->conf.refresh_ms > 0 && tui_store_changed(t))
		t->next_refresh = now; /* live: refresh now, not at the next poll */
	if (t->conf.refresh_ms <= 0 || now < t->next_refresh)
		return;
	t->next_refresh = now + t->conf.refresh_ms;
	if (v && v->ops->reload && !t->too_small)
		v->ops->reload(t, v, true);
}

/* ------------------------------------------------------------ run */

static Status tui_load_script(Tui *t, const TuiOptions *opts, Error *err)
{
	const char *path = opts->script_path, *text = opts->script_text;
	char *file = NULL;
	Status st;

	if (!path && !text) {
		path = getenv("ENVCTL_TUI_SCRIPT");
		text = getenv("ENVCTL_TUI_KEYS");
		if (path && !path[0])
			path = NULL;
		if (text && !text[0])
			text = NULL;
	}
	if (!path && !text)
		return ST_OK;
	if (path) {
		file = fs_read_file(path, NULL, err);
		if (!file)
			return error_prefix(err, "console script: ");
		text = file;
	}
	st = tui_script_parse(&t->script, text, err);
	free(file);
	if (st != ST_OK)
		return st;
	t->scripted = true;
	return ST_OK;
}

static void tui_size(const TuiOptions *opts, int *w, int *h)
{
	const char *env = getenv("ENVCTL_TUI_SIZE");
	int a, b;

	*w = opts->width > 0 ? opts->width : 80;
	*h = opts->height > 0 ? opts->height : 24;
	if (opts->width <= 0 && env && sscanf(env, "%dx%d", &a, &b) == 2 && a > 0 && b > 0 &&
	    a <= 1000 && b <= 1000) {
		*w = a;
		*h = b;
	}
}

static void tui_wait_idle(Tui *t)
{
	int64_t deadline = time_now_ms() + 60000;

	while (t->job) {
		tui_job_poll(t);
		if (!t->job)
			break;
		if (time_now_ms() > deadline) {
			error_set(&t->script_err, ST_E_TIMEOUT,
				  "console script: <Idle> waited 60 s for \"%s\"", t->job->title);
			t->quit = true;
			return;
		}
		napms(10);
	}
}

static void tui_key_time(Tui *t, int64_t us)
{
	if (!array_reserve(&t->key_us, &t->key_cap, t->key_count, sizeof *t->key_us))
		return;
	t->key_us[t->key_count++] = us;
}

static int tui_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Peak resident memory, from the kernel. */
static long tui_peak_rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return kb;
}

static void tui_write_stats(Tui *t)
{
	FILE *f;
	double sum = 0;

	if (!t->stats_path || !(f = fopen(t->stats_path, "w")))
		return;
	qsort(t->key_us, t->key_count, sizeof *t->key_us, tui_cmp_i64);
	for (size_t i = 0; i < t->key_count; i++)
		sum += (double)t->key_us[i];
	fprintf(f, "first_frame_ms %.2f\n", (double)t->first_frame_us / 1000.0);
	fprintf(f, "keys %zu\n", t->key_count);
	if (t->key_count) {
		fprintf(f, "key_mean_ms %.3f\n", sum / (double)t->key_count / 1000.0);
		fprintf(f, "key_p95_ms %.3f\n",
			(double)t->key_us[t->key_count * 95 / 100] / 1000.0);
		fprintf(f, "key_max_ms %.3f\n", (double)t->key_us[t->key_count - 1] / 1000.0);
	}
	fprintf(f, "peak_rss_kb %ld\n", tui_peak_rss_kb());
	fclose(f);
}

static void tui_loop(Tui *t)
{
	TuiEvent ev;
	Error err;
	int64_t key_at = 0;

	while (!t->quit) {
		tui_job_poll(t);
		tui_draw(t);
		if (key_at) {
			if (t->stats_path)
				tui_key_time(t, tui_mono_us() - key_at);
			key_at = 0;
		}
		/* A live store wakes every 100 ms: another console's change shows
		 * within 200 ms. */
		tui_input_next(&t->scr, t->scripted ? &t->script : NULL,
			       t->job || query_change_fd(t->app) >= 0 ? 100
												  : 250,
			       &ev);
		switch (ev.kind) {
		case TEV_NONE:
			tui_tick(t);
			break;
		case TEV_KEY:
			key_at = tui_mono_us();
			tui_key(t, ev.key);
			break;
		case TEV_RESIZE:
			/* curses has the new size already; the next frame lays out to it. */
			break;
		case TEV_MOUSE:
			tui_mouse(t, &ev);
			break;
		case TEV_DUMP:
			error_clear(&err);
			if (tui_screen_dump(&t->scr, ev.path, &err) != ST_OK) {
				t->script_err = err;
				t->quit = true;
			}
			break;
		case TEV_IDLE:
			tui_wait_idle(t);
			break;
		case TEV_QUIT:
			t->quit = true;
			break;
		case TEV_PASTE:
			key_at = tui_mono_us();
			tui_paste(t, &ev);
			tui_event_clear(&ev);
			break;
		}
	}
}

Status tui_run(App *app, const TuiOptions *opts, Error *err)
{
	Tui *t = calloc(1, sizeof *t);
	char *conf_path = NULL;
	const char *now_env = getenv("ENVCTL_TUI_NOW");
	int w, h;
	bool color;
	Status st;

	if (!t)
		return error_set(err, ST_E_NOMEM, "out of memory");
	t->start_us = tui_mono_us();
	{
		const char *stats = getenv("ENVCTL_TUI_STATS");

		/* A copy: the environment may change under a pointer into it. */
		if (stats && stats[0] && !(t->stats_path = strdup(stats))) {
			free(t);
			return error_set(err, ST_E_NOMEM, "out of memory");
		}
	}
	t->app = app;
	t->readonly = opts->readonly || app->readonly;
	if (tui_load_script(t, opts, err) != ST_OK) {
		free(t->stats_path);
		free(t);
		return err->status;
	}
	if (!t->scripted && (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO))) {
		tui_script_clear(&t->script);
		free(t->stats_path);
		free(t);
		return error_set(err, ST_E_USAGE,
				 "the console needs a terminal (standard input and output are not "
				 "both a tty); run a subcommand instead (envctl --help), or drive "
				 "it with --script FILE");
	}
	if (now_env && now_env[0])
		t->fixed_now = time_parse_iso(now_env) > 0 ? time_parse_iso(now_env) : 0;
	setlocale(LC_ALL, "");
	tui_conf_defaults(&t->conf);
	conf_path = opts->config_path ? strdup(opts->config_path) : tui_conf_default_path();
	tui_conf_load(&t->conf, conf_path);
	if (!t->scripted && conf_path) {
		char *slash = strrchr(conf_path, '/');

		t->conf_path = strdup(conf_path);
		/* tui.history beside tui.conf (the directory exists when tui.conf does,
		 * or is made here). */
		if (slash && (t->history_path = malloc((size_t)(slash - conf_path) + 16))) {
			Error herr;

			sprintf(t->history_path, "%.*s/tui.history", (int)(slash - conf_path), conf_path);
			*slash = 0;
			error_clear(&herr);
			fs_mkdir_p(conf_path, 0700, &herr);
			tui_history_load(t);
		}
	}
	free(conf_path);
	color = t->conf.color && !opts->no_color && !app->no_color &&
		!(getenv("NO_COLOR") && getenv("NO_COLOR")[0]);
	tui_size(opts, &w, &h);
	st = tui_screen_open(&t->scr, t->scripted, w, h, color, t->conf.mouse && !opts->no_mouse,
			     t->conf.ascii || opts->ascii, t->conf.theme, err);
	if (st != ST_OK) {
		tui_script_clear(&t->script);
		free(t->history_path);
	free(t->conf_path);
	tui_edit_clear(&t->prompt_ed);
		free(t->stats_path);
		free(t);
		return st;
	}
	if (t->conf.problem[0])
		tui_flash(t, TUI_FLASH_WARN, "%s%s", t->conf.problem,
			  t->conf.problem_count > 1 ? " (and more)" : "");
	t->next_refresh = time_now_ms() + t->conf.refresh_ms;
	error_clear(&t->script_err);
	{
		const TuiViewOps *first = &tui_view_envs;

		if (opts->start_view && !(first = tui_find_view(opts->start_view)))
			error_set(err, ST_E_USAGE, "unknown view \"%s\" for --view; try environments, leases, providers, secrets, activity",
				  opts->start_view);
		if (!first || app_set_actor(app, "tui", err) != ST_OK ||
		    tui_push(t, first, NULL, err) != ST_OK)
			st = err->status;
	}
	if (st != ST_OK) {
		tui_screen_close(&t->scr);
		tui_script_clear(&t->script);
		free(t->history_path);
	free(t->conf_path);
	tui_edit_clear(&t->prompt_ed);
		free(t->stats_path);
		free(t);
		return err->status;
	}
	tui_loop(t);
	tui_write_stats(t);
	free(t->key_us);
	free(t->stats_path);
	tui_job_shutdown(t);
	while (t->depth)
		tui_pop(t);
	tui_screen_close(&t->scr);
	tui_script_clear(&t->script);
	free(t->history_path);
	free(t->conf_path);
	tui_edit_clear(&t->prompt_ed);
	st = t->script_err.status;
	if (st != ST_OK)
		*err = t->script_err;
	free(t);
	return st;
}
