/* The confirmation dialog for destructive actions: it names what goes,
 * and its focus starts on Cancel, so a stray Enter destroys nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/tui.h"

typedef struct ConfirmState {
	char title[128];
	char message[1024];
	char yes[32];
	void (*on_yes)(Tui *t, void *arg);
	void *arg;
	void (*free_arg)(void *arg);
	bool focus_yes;
	int bx[2], by, bw[2]; /* the buttons, for the mouse */
} ConfirmState;

enum { CONFIRM_ACT_SWITCH = TUI_ACT_VIEW, CONFIRM_ACT_PRESS, CONFIRM_ACT_CANCEL };

static const TuiKey confirm_keys[] = {
	{ TUI_KEY_TAB, TUI_FN(KEY_RIGHT), CONFIRM_ACT_SWITCH, TUI_KEY_FOOTER, "switch",
	  "Move between Cancel and the action" },
	{ TUI_FN(KEY_BTAB), TUI_FN(KEY_LEFT), CONFIRM_ACT_SWITCH, 0, NULL,
	  "Move between Cancel and the action" },
	{ TUI_KEY_ENTER, ' ', CONFIRM_ACT_PRESS, TUI_KEY_FOOTER, "press",
	  "Press the focused button (Cancel unless you moved)" },
	{ TUI_KEY_ESC, 'q', CONFIRM_ACT_CANCEL, TUI_KEY_FOOTER, "cancel", "Cancel" },
	{ 0, 0, 0, 0, NULL, NULL },
};

Status tui_confirm(Tui *t, const TuiConfirm *c, Error *err)
{
	Status st = tui_push(t, &tui_view_confirm, c, err);

	if (st != ST_OK && c->free_arg)
		c->free_arg(c->arg);
	return st;
}

static Status confirm_open(Tui *t, TuiView *v, const void *arg, Error *err)
{
	const TuiConfirm *c = arg;
	ConfirmState *st = calloc(1, sizeof *st);

	if (!st)
		return error_set(err, ST_E_NOMEM, "out of memory");
	snprintf(st->title, sizeof st->title, "%s", c->title);
	snprintf(st->message, sizeof st->message, "%s", c->message);
	snprintf(st->yes, sizeof st->yes, "%s", c->yes);
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
	char wrapped[8][128];
	char label[64];

	/* Wrap the message to the dialog's width. */
	while (*p && lines < 8) {
		size_t len = strlen(p), cut = len, max = (size_t)(bw - 4);

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
	snprintf(label, sizeof label, "[ Cancel ]");
	st->bx[0] = cx;
	st->bw[0] = (int)strlen(label);
	tui_screen_text(&t->scr, st->by, cx, bw - 4, st->focus_yes ? TONE_NORMAL : TONE_SELECTED,
			false, label);
	cx += st->bw[0] + 2;
	snprintf(label, sizeof label, "[ %s ]", st->yes);
	st->bx[1] = cx;
	st->bw[1] = tui_screen_width(&t->scr, label);
	tui_screen_text(&t->scr, st->by, cx, bx + bw - 2 - cx, st->focus_yes ? TONE_ERROR : TONE_NORMAL,
			false, label);
	/* The focus, visible without colour too. */
	tui_screen_text(&t->scr, st->by, st->bx[st->focus_yes ? 1 : 0] - 1, 1, TONE_TITLE, false,
			t->scr.utf8 ? "▸" : ">");
}

static void confirm_yes(Tui *t, TuiView *v)
{
	ConfirmState *st = v->state;
	void (*on_yes)(Tui *, void *) = st->on_yes;
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
		st->focus_yes = !st->focus_yes;
		return true;
	case CONFIRM_ACT_PRESS:
		if (st->focus_yes) {
			confirm_yes(t, v);
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
	} else if (ev->y == st->by && ev->x >= st->bx[1] && ev->x < st->bx[1] + st->bw[1]) {
		confirm_yes(t, v);
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
