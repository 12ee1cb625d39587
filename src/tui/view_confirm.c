/* The confirmation dialog for destructive actions: it names what goes,
 * and its focus starts on Cancel, so a stray Enter destroys nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/private.h"

typedef struct ConfirmState {
	char title[128];
	char message[2048];
	char yes[32];
	char alt[32];
	void (*on_yes)(Tui *t, void *arg);
	void (*on_alt)(Tui *t, void *arg);
	void *arg;
	void (*free_arg)(void *arg);
	int focus;   /* 0 Cancel, then alt (when there is one), then yes */
	int buttons; /* 2 or 3 */
	int bx[3], by, bw[3]; /* the buttons, for the mouse */
} ConfirmState;

#define CONFIRM_LINES 14

enum { CONFIRM_ACT_SWITCH = TUI_ACT_VIEW, CONFIRM_ACT_PRESS, CONFIRM_ACT_CANCEL,
       CONFIRM_ACT_SWITCH_BACK };

static const TuiKey confirm_keys[] = {
	{ TUI_KEY_TAB, TUI_FN(KEY_RIGHT), CONFIRM_ACT_SWITCH, TUI_KEY_FOOTER, "switch",
	  "Move between Cancel and the action" },
	{ TUI_FN(KEY_BTAB), TUI_FN(KEY_LEFT), CONFIRM_ACT_SWITCH_BACK, 0, NULL,
	  "Move between Cancel and the action" },
	{ TUI_KEY_ENTER, ' ', CONFIRM_ACT_PRESS, TUI_KEY_FOOTER, "press",
	  "Press the focused button (Cancel unless you moved)" },
	{ TUI_KEY_ESC, 'q', CONFIRM_ACT_CANCEL, TUI_KEY_FOOTER, "cancel", "Cancel" },
	{ 0, 0, 0, 0, NULL, NULL },
};

typedef struct ConfirmArg {
	const TuiConfirm *c;
	const char *alt;
	void (*on_alt)(Tui *t, void *arg);
} ConfirmArg;

Status tui_confirm_alt(Tui *t, const TuiConfirm *c, const char *alt,
		       void (*on_alt)(Tui *t, void *arg), Error *err)
{
	ConfirmArg a = { c, alt, on_alt };
	Status st = tui_push(t, &tui_view_confirm, &a, err);

	if (st != ST_OK && c->free_arg)
		c->free_arg(c->arg);
	return st;
}

Status tui_confirm(Tui *t, const TuiConfirm *c, Error *err)
{
	return tui_confirm_alt(t, c, NULL, NULL, err);
}

static Status confirm_open(Tui *t, TuiView *v, const void *arg, Error *err)
{
	const ConfirmArg *a = arg;
	const TuiConfirm *c = a->c;
	ConfirmState *st = calloc(1, sizeof *st);

	if (!st)
		return error_set(err, ST_E_NOMEM, "out of memory");
	snprintf(st->title, sizeof st->title, "%s", c->title);
	snprintf(st->message, sizeof st->message, "%s", c->message);
	snprintf(st->yes, sizeof st->yes, "%s", c->yes);
	st->buttons = 2;
	if (a->alt && a->on_alt) {
		snprintf(st->alt, sizeof st->alt, "%s", a->alt);
		st->on_alt = a->on_alt;
		st->buttons = 3;
	}
	st->on_yes = c->on_yes;
	st->arg = c->arg;
	st->free_arg = c->free_arg;
	v->state = st;
	snprintf(v->title, sizeof v->title, "confirm");
	return ST_OK;
}

static void confirm_close(Tui *t, TuiView *v)
{
	ConfirmState *st = v->state;

	if (st->free_arg)
		st->free_arg(st->arg);
	free(st);
}

static void confirm_draw(Tui *t, TuiView *v, int y, int x, int h, int w)
{
	ConfirmState *st = v->state;
	int bw = w - 8 < 64 ? w - 8 : 64, lines = 0, bh, by, bx, cx;
	const char *p = st->message;
	char wrapped[CONFIRM_LINES][128];
	char label[64];

	/* Wrap the message to the dialog's width; a newline starts a line. */
	while (*p && lines < CONFIRM_LINES) {
		size_t len = strcspn(p, "\n"), cut = len, max = (size_t)(bw - 4);

		if (len > max) {
			cut = max;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = max;
		}
		if (cut >= sizeof wrapped[0])
			cut = sizeof wrapped[0] - 1;
		memcpy(wrapped[lines], p, cut);
		wrapped[lines++][cut] = 0;
		p += cut;
		while (*p == ' ')
			p++;
		if (*p == '\n')
			p++;
	}
	bh = lines + 4;
	by = y + (h - bh) / 2;
	bx = x + (w - bw) / 2;
	for (int i = 0; i < bh; i++)
		tui_screen_fill(&t->scr, by + i, bx, bw, TONE_NORMAL);
	tui_screen_box(&t->scr, by, bx, bh, bw, st->title);
	for (int i = 0; i < lines; i++)
		tui_screen_text(&t->scr, by + 1 + i, bx + 2, bw - 4, TONE_NORMAL, false, wrapped[i]);
	st->by = by + bh - 2;
	cx = bx + 2;
	for (int i = 0; i < st->buttons; i++) {
		const char *name = i == 0 ? "Cancel" : (i == st->buttons - 1 ? st->yes : st->alt);
		TuiTone tone = st->focus != i ? TONE_NORMAL
					      : (i == st->buttons - 1 ? TONE_ERROR : TONE_SELECTED);

		snprintf(label, sizeof label, "[ %s ]", name);
		st->bx[i] = cx;
		st->bw[i] = tui_screen_width(&t->scr, label);
		tui_screen_text(&t->scr, st->by, cx, bx + bw - 2 - cx, tone, false, label);
		cx += st->bw[i] + 2;
	}
	/* The focus, visible without colour too. */
	tui_screen_text(&t->scr, st->by, st->bx[st->focus] - 1, 1, TONE_TITLE, false,
			t->scr.utf8 ? "▸" : ">");
}

static void confirm_run(Tui *t, TuiView *v, bool alt)
{
	ConfirmState *st = v->state;
	void (*on_yes)(Tui *, void *) = alt ? st->on_alt : st->on_yes;
	void *arg = st->arg;
	void (*free_arg)(void *) = st->free_arg;

	/* The callback may push views: pop the dialog first, keeping arg. */
	st->free_arg = NULL;
	tui_pop(t);
	if (on_yes)
		on_yes(t, arg);
	if (free_arg)
		free_arg(arg);
}

static bool confirm_action(Tui *t, TuiView *v, int action)
{
	ConfirmState *st = v->state;

	switch (action) {
	case CONFIRM_ACT_SWITCH:
		st->focus = (st->focus + 1) % st->buttons;
		return true;
	case CONFIRM_ACT_SWITCH_BACK:
		st->focus = (st->focus + st->buttons - 1) % st->buttons;
		return true;
	case CONFIRM_ACT_PRESS:
		if (st->focus > 0) {
			confirm_run(t, v, st->focus < st->buttons - 1);
		} else {
			tui_pop(t);
			tui_flash(t, TUI_FLASH_INFO, "cancelled");
		}
		return true;
	case CONFIRM_ACT_CANCEL:
		tui_pop(t);
		tui_flash(t, TUI_FLASH_INFO, "cancelled");
		return true;
	default:
		return false;
	}
}

static bool confirm_mouse(Tui *t, TuiView *v, const TuiEvent *ev)
{
	ConfirmState *st = v->state;

	if (ev->mouse != TUI_MOUSE_CLICK && ev->mouse != TUI_MOUSE_DOUBLE)
		return true;
	if (ev->y == st->by && ev->x >= st->bx[0] && ev->x < st->bx[0] + st->bw[0]) {
		tui_pop(t);
		tui_flash(t, TUI_FLASH_INFO, "cancelled");
	} else {
		for (int i = 1; i < st->buttons; i++)
			if (ev->y == st->by && ev->x >= st->bx[i] && ev->x < st->bx[i] + st->bw[i]) {
				confirm_run(t, v, i < st->buttons - 1);
				break;
			}
	}
	return true; /* a dialog is modal: clicks elsewhere do nothing */
}

static bool confirm_key(Tui *t, TuiView *v, int key)
{
	/* Modal: only its own keys, ? and ^C get through. */
	if (tui_keymap_find(confirm_keys, key) || key == '?' || key == TUI_CTRL('c'))
		return false;
	return true;
}

const TuiViewOps tui_view_confirm = {
	.name = "confirm",
	.keys = confirm_keys,
	.overlay = true,
	.min_w = 40,
	.min_h = 10,
	.open = confirm_open,
	.close = confirm_close,
	.draw = confirm_draw,
	.action = confirm_action,
	.key = confirm_key,
	.mouse = confirm_mouse,
};
