#include "tui/input.h"

#include <curses.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/screen.h"
#include "util/lib.h"

typedef struct InputName {
	const char *name;
	int key;
} InputName;

static const InputName input_names[] = {
	{ "Enter", TUI_KEY_ENTER }, { "CR", TUI_KEY_ENTER }, { "Esc", TUI_KEY_ESC },
	{ "Tab", TUI_KEY_TAB }, { "S-Tab", TUI_FN(KEY_BTAB) }, { "BTab", TUI_FN(KEY_BTAB) },
	{ "Space", ' ' }, { "Lt", '<' }, { "Gt", '>' },
	{ "Up", TUI_FN(KEY_UP) }, { "Down", TUI_FN(KEY_DOWN) }, { "Left", TUI_FN(KEY_LEFT) },
	{ "Right", TUI_FN(KEY_RIGHT) }, { "PgUp", TUI_FN(KEY_PPAGE) },
	{ "PgDn", TUI_FN(KEY_NPAGE) }, { "Home", TUI_FN(KEY_HOME) }, { "End", TUI_FN(KEY_END) },
	{ "BS", TUI_FN(KEY_BACKSPACE) }, { "Backspace", TUI_FN(KEY_BACKSPACE) },
	{ "Del", TUI_FN(KEY_DC) }, { "Insert", TUI_FN(KEY_IC) },
	{ "PasteBegin", TUI_FN(TUI_KEY_PASTE_BEGIN) }, { "PasteEnd", TUI_FN(TUI_KEY_PASTE_END) },
};

static bool script_push(TuiScript *s, TuiTok tok)
{
	if (!array_reserve(&s->toks, &s->cap, s->count, sizeof *s->toks))
		return false;
	s->toks[s->count++] = tok;
	return true;
}

static Status script_directive(TuiScript *s, const char *d, Error *err)
{
	TuiTok tok = { 0 };
	char word[32], path[512];
	int x, y, n;

	for (size_t i = 0; i < sizeof input_names / sizeof input_names[0]; i++) {
		if (strcmp(d, input_names[i].name) == 0) {
			tok.kind = TOK_KEY;
			tok.key = input_names[i].key;
			goto push;
		}
	}
	if (strlen(d) == 3 && d[0] == 'C' && d[1] == '-' &&
	    ((d[2] >= 'a' && d[2] <= 'z') || (d[2] >= 'A' && d[2] <= 'Z'))) {
		tok.kind = TOK_KEY;
		tok.key = TUI_CTRL(d[2]);
		goto push;
	}
	if (d[0] == 'F' && sscanf(d + 1, "%d%n", &x, &n) == 1 && d[1 + n] == 0 && x >= 1 &&
	    x <= 12) {
		tok.kind = TOK_KEY;
		tok.key = TUI_FN(KEY_F(x));
		goto push;
	}
	if (sscanf(d, "Resize %dx%d%n", &x, &y, &n) == 2 && d[n] == 0) {
		if (x < 1 || y < 1 || x > 1000 || y > 1000)
			return error_set(err, ST_E_INVALID, "script: <%s> needs a size like 80x24", d);
		tok.kind = TOK_RESIZE;
		tok.a = x;
		tok.b = y;
		goto push;
	}
	if (sscanf(d, "Mouse %31s %d %d%n", word, &x, &y, &n) == 3 && d[n] == 0) {
		tok.kind = TOK_MOUSE;
		tok.a = x;
		tok.b = y;
		if (strcmp(word, "click") == 0)
			tok.mouse = TUI_MOUSE_CLICK;
		else if (strcmp(word, "double") == 0)
			tok.mouse = TUI_MOUSE_DOUBLE;
		else if (strcmp(word, "wheelup") == 0)
			tok.mouse = TUI_MOUSE_WHEEL_UP;
		else if (strcmp(word, "wheeldown") == 0)
			tok.mouse = TUI_MOUSE_WHEEL_DOWN;
		else
			return error_set(err, ST_E_INVALID,
					 "script: <%s>: mouse events are click, double, wheelup, "
					 "wheeldown",
					 d);
		goto push;
	}
	if (sscanf(d, "Wait %d%n", &x, &n) == 1 && d[n] == 0 && x >= 0) {
		tok.kind = TOK_WAIT;
		tok.a = x;
		goto push;
	}
	if (strcmp(d, "Idle") == 0) {
		tok.kind = TOK_IDLE;
		goto push;
	}
	if (sscanf(d, "Dump %511s%n", path, &n) == 1 && d[n] == 0) {
		tok.kind = TOK_DUMP;
		tok.path = strdup(path);
		if (!tok.path)
			return error_set(err, ST_E_NOMEM, "out of memory");
		goto push;
	}
	return error_set(err, ST_E_INVALID,
			 "script: unknown token <%s> (keys: <Enter> <Esc> <Tab> <S-Tab> <Up> "
			 "<C-x> <F1>...; directives: <Resize WxH> <Mouse click X Y> <Wait MS> "
			 "<Idle> <Dump PATH>; type '<' as <Lt>)",
			 d);
push:
	if (!script_push(s, tok)) {
		free(tok.path);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	return ST_OK;
}

Status tui_script_parse(TuiScript *s, const char *text, Error *err)
{
	const char *p = text;
	bool line_start = true;

	memset(s, 0, sizeof *s);
	while (*p) {
		if (line_start && *p == '#') {
			while (*p && *p != '\n')
				p++;
			continue;
		}
		if (*p == '\n') {
			line_start = true;
			p++;
			continue;
		}
		if (*p == ' ' || *p == '\t' || *p == '\r') {
			p++;
			continue;
		}
		line_start = false;
		if (*p == '<') {
			const char *end = strchr(p, '>');
			char d[600];
			size_t len;

			if (!end || memchr(p, '\n', (size_t)(end - p))) {
				tui_script_clear(s);
				return error_set(err, ST_E_INVALID,
						 "script: \"<\" without a closing \">\"; type '<' "
						 "as <Lt>");
			}
			len = (size_t)(end - p - 1);
			if (len >= sizeof d) {
				tui_script_clear(s);
				return error_set(err, ST_E_INVALID, "script: token too long");
			}
			memcpy(d, p + 1, len);
			d[len] = 0;
			if (script_directive(s, d, err) != ST_OK) {
				tui_script_clear(s);
				return err->status;
			}
			p = end + 1;
			continue;
		}
		{
			TuiTok tok = { .kind = TOK_KEY };

			tok.key = (int)tui_utf8_next(&p);
			if (!script_push(s, tok)) {
				tui_script_clear(s);
				return error_set(err, ST_E_NOMEM, "out of memory");
			}
		}
	}
	return ST_OK;
}

void tui_script_clear(TuiScript *s)
{
	for (size_t i = 0; i < s->count; i++)
		free(s->toks[i].path);
	free(s->toks);
	memset(s, 0, sizeof *s);
}

void tui_key_name(int key, char *out, size_t n)
{
	if (key == TUI_KEY_ENTER) {
		snprintf(out, n, "Enter");
		return;
	}
	if (key == TUI_KEY_ESC) {
		snprintf(out, n, "Esc");
		return;
	}
	if (key == TUI_KEY_TAB) {
		snprintf(out, n, "Tab");
		return;
	}
	if (key == ' ') {
		snprintf(out, n, "Space");
		return;
	}
	if (key > 0 && key < 0x20) {
		snprintf(out, n, "^%c", key + '@');
		return;
	}
	if (key & 0x40000000) {
		int k = key & ~0x40000000;
		static const InputName fnames[] = {
			{ "Up", KEY_UP }, { "Down", KEY_DOWN }, { "Left", KEY_LEFT },
			{ "Right", KEY_RIGHT }, { "PgUp", KEY_PPAGE }, { "PgDn", KEY_NPAGE },
			{ "Home", KEY_HOME }, { "End", KEY_END }, { "BS", KEY_BACKSPACE },
			{ "Del", KEY_DC }, { "Ins", KEY_IC }, { "S-Tab", KEY_BTAB },
		};

		for (size_t i = 0; i < sizeof fnames / sizeof fnames[0]; i++) {
			if (fnames[i].key == k) {
				snprintf(out, n, "%s", fnames[i].name);
				return;
			}
		}
		if (k >= KEY_F(1) && k <= KEY_F(12)) {
			snprintf(out, n, "F%d", k - KEY_F0);
			return;
		}
		snprintf(out, n, "key%d", k);
		return;
	}
	{
		char buf[8];
		int len = tui_utf8_put((unsigned)key, buf);

		buf[len] = 0;
		snprintf(out, n, "%s", buf);
	}
}

/* The one read every key goes through. */
static void input_read(int timeout_ms, TuiEvent *ev)
{
	wint_t wc;
	int r;

	memset(ev, 0, sizeof *ev);
	wtimeout(stdscr, timeout_ms);
	r = wget_wch(stdscr, &wc);
	if (r == ERR) {
		ev->kind = TEV_NONE;
		return;
	}
	if (r == KEY_CODE_YES) {
		if (wc == KEY_RESIZE) {
			ev->kind = TEV_RESIZE;
			return;
		}
		if (wc == KEY_MOUSE) {
			MEVENT me;

			if (getmouse(&me) != OK) {
				ev->kind = TEV_NONE;
				return;
			}
			ev->kind = TEV_MOUSE;
			ev->x = me.x;
			ev->y = me.y;
			if (me.bstate & BUTTON4_PRESSED)
				ev->mouse = TUI_MOUSE_WHEEL_UP;
			else if (me.bstate & BUTTON5_PRESSED)
				ev->mouse = TUI_MOUSE_WHEEL_DOWN;
			else if (me.bstate & BUTTON1_DOUBLE_CLICKED)
				ev->mouse = TUI_MOUSE_DOUBLE;
			else if (me.bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED))
				ev->mouse = TUI_MOUSE_CLICK;
			else
				ev->kind = TEV_NONE;
			return;
		}
		ev->kind = TEV_KEY;
		if (wc == KEY_ENTER)
			ev->key = TUI_KEY_ENTER;
		else
			ev->key = TUI_FN((int)wc);
		return;
	}
	ev->kind = TEV_KEY;
	if (wc == '\r')
		ev->key = TUI_KEY_ENTER;
	else if (wc == 127 || wc == 8)
		ev->key = TUI_FN(KEY_BACKSPACE);
	else
		ev->key = (int)wc;
}

static mmask_t input_mouse_mask(TuiMouseKind k)
{
	switch (k) {
	case TUI_MOUSE_WHEEL_UP: return BUTTON4_PRESSED;
	case TUI_MOUSE_WHEEL_DOWN: return BUTTON5_PRESSED;
	case TUI_MOUSE_DOUBLE: return BUTTON1_DOUBLE_CLICKED;
	default: return BUTTON1_CLICKED;
	}
}

static void input_next_one(TuiScreen *scr, TuiScript *script, int timeout_ms, TuiEvent *ev);

void tui_event_clear(TuiEvent *ev)
{
	if (ev->text) {
		sodium_memzero(ev->text, ev->text_len);
		free(ev->text);
	}
	ev->text = NULL;
	ev->text_len = 0;
}

/* Reads a bracketed paste up to its end marker into one TEV_PASTE event.
 * What arrives inside is text whatever it looks like: Enter is a newline,
 * Esc and function keys are dropped. A terminal that never sends the end
 * marker ends the paste after a second of silence. */
static void input_paste(TuiScreen *scr, TuiScript *script, TuiEvent *ev)
{
	Buf b = BUF_INIT;
	bool too_long = false;
	TuiEvent k;

	/* Reserved whole up front: a realloc would leave a copy of a pasted
	 * secret behind in freed memory. */
	if (!buf_reserve(&b, TUI_PASTE_MAX + 8))
		too_long = true;
	for (;;) {
		input_next_one(scr, script, 1000, &k);
		if (k.kind == TEV_NONE || k.kind == TEV_QUIT)
			break;
		if (k.kind != TEV_KEY)
			continue;
		if (k.key == TUI_FN(TUI_KEY_PASTE_END))
			break;
		if (too_long)
			continue;
		if (k.key == TUI_KEY_ENTER || k.key == '\t' ||
		    (k.key >= 0x20 && k.key != 0x7f && !(k.key & 0x40000000) && k.key <= 0x10ffff)) {
			char enc[5];
			int n = tui_utf8_put((unsigned)k.key, enc);

			if (b.len + (size_t)n > TUI_PASTE_MAX) {
				too_long = true;
				continue;
			}
			buf_append(&b, enc, (size_t)n);
		}
	}
	memset(ev, 0, sizeof *ev);
	ev->kind = TEV_PASTE;
	if (too_long) {
		buf_wipe(&b);
		ev->too_long = true;
		return;
	}
	if (!b.data && !buf_puts(&b, "")) {
		ev->too_long = true;
		return;
	}
	ev->text = b.data;
	ev->text_len = b.len;
}

void tui_input_next(TuiScreen *scr, TuiScript *script, int timeout_ms, TuiEvent *ev)
{
	input_next_one(scr, script, timeout_ms, ev);
	if (ev->kind == TEV_KEY && ev->key == TUI_FN(TUI_KEY_PASTE_BEGIN))
		input_paste(scr, script, ev);
	else if (ev->kind == TEV_KEY && ev->key == TUI_FN(TUI_KEY_PASTE_END))
		ev->kind = TEV_NONE; /* a stray end marker */
}

static void input_next_one(TuiScreen *scr, TuiScript *script, int timeout_ms, TuiEvent *ev)
{
	TuiTok *tok;

	if (!script) {
		input_read(timeout_ms, ev);
		return;
	}
	memset(ev, 0, sizeof *ev);
	if (script->wait_until_ms) {
		int64_t left = script->wait_until_ms - time_now_ms();

		if (left > 0) {
			napms((int)(left < timeout_ms ? left : timeout_ms));
			ev->kind = TEV_NONE;
			return;
		}
		script->wait_until_ms = 0;
	}
	if (script->pos >= script->count) {
		ev->kind = TEV_QUIT;
		return;
	}
	tok = &script->toks[script->pos++];
	switch (tok->kind) {
	case TOK_KEY:
		if (tok->key & 0x40000000)
			ungetch(tok->key & ~0x40000000);
		else
			unget_wch((wchar_t)tok->key);
		break;
	case TOK_RESIZE:
		tui_screen_resize(scr, tok->a, tok->b);
		ungetch(KEY_RESIZE);
		break;
	case TOK_MOUSE: {
		MEVENT me = { .id = 0, .x = tok->a, .y = tok->b, .z = 0 };

		me.bstate = input_mouse_mask(tok->mouse);
		if (!scr->mouse) {
			/* Mouse reporting is off: a real terminal would send nothing. */
			ev->kind = TEV_NONE;
			return;
		}
		ungetmouse(&me);
		break;
	}
	case TOK_WAIT:
		script->wait_until_ms = time_now_ms() + tok->a;
		ev->kind = TEV_NONE;
		return;
	case TOK_IDLE:
		ev->kind = TEV_IDLE;
		return;
	case TOK_DUMP:
		ev->kind = TEV_DUMP;
		snprintf(ev->path, sizeof ev->path, "%s", tok->path);
		return;
	}
	input_read(0, ev);
}
