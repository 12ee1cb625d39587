/* input: one path for every key the console sees. Real keys come from
 * curses; a test script's keys are pushed into curses' own input queue
 * (unget_wch, ungetmouse) and read back by the same call, so a script
 * exercises exactly what a typing operator does. */
#ifndef ENVCTL_TUI_INPUT_H
#define ENVCTL_TUI_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/lib.h"

/* Key codes: a character is its code point; a curses function key
 * (KEY_UP, ...) is TUI_FN(KEY_UP), so the two ranges never meet. */
#define TUI_FN(k) (0x40000000 | (k))
#define TUI_CTRL(c) ((c) & 0x1f)
#define TUI_KEY_ESC 27
#define TUI_KEY_ENTER '\n'
#define TUI_KEY_TAB '\t'
/* Curses key codes (beyond KEY_MAX) for the bracketed-paste markers. */
#define TUI_KEY_PASTE_BEGIN 0x7200
#define TUI_KEY_PASTE_END 0x7201
/* A paste holds at most this much; a longer one is refused whole. */
#define TUI_PASTE_MAX (256 * 1024)

typedef enum TuiEventKind {
	TEV_NONE,   /* the tick: nothing arrived within the refresh interval */
	TEV_KEY,
	TEV_RESIZE,
	TEV_MOUSE,
	TEV_DUMP,   /* script: write the screen to path */
	TEV_IDLE,   /* script: wait until background work is done */
	TEV_QUIT,   /* the script ran out */
	TEV_PASTE,  /* a bracketed paste: text (the caller wipes and frees it) */
} TuiEventKind;

typedef enum TuiMouseKind {
	TUI_MOUSE_CLICK,
	TUI_MOUSE_DOUBLE,
	TUI_MOUSE_WHEEL_UP,
	TUI_MOUSE_WHEEL_DOWN,
} TuiMouseKind;

typedef struct TuiEvent {
	TuiEventKind kind;
	int key;
	TuiMouseKind mouse;
	int x, y;
	char path[512];
	char *text;      /* TEV_PASTE: NUL-terminated, newlines as \n */
	size_t text_len;
	bool too_long;   /* TEV_PASTE: over TUI_PASTE_MAX; text is NULL */
} TuiEvent;

typedef enum TuiTokKind {
	TOK_KEY,
	TOK_RESIZE,
	TOK_MOUSE,
	TOK_WAIT,
	TOK_IDLE,
	TOK_DUMP,
} TuiTokKind;

typedef struct TuiTok {
	TuiTokKind kind;
	int key;
	int a, b;          /* resize w,h; mouse x,y; wait ms */
	TuiMouseKind mouse;
	char *path;
} TuiTok;

typedef struct TuiScript {
	TuiTok *toks;
	size_t count, cap, pos;
	int64_t wait_until_ms; /* inside a <Wait N> */
} TuiScript;

/* Parses a script. Tokens are separated by whitespace; a <...> token is
 * a special key or directive, anything else is typed literally (UTF-8).
 * "<Space>", "<Lt>" type a space and '<'. Errors name the token. */
Status tui_script_parse(TuiScript *s, const char *text, Error *err);
void tui_script_clear(TuiScript *s);

/* The key name a help line or footer shows ("Enter", "^D", "PgDn", "x"). */
void tui_key_name(int key, char *out, size_t n);

typedef struct TuiScreen TuiScreen;

/* Next event: a key, a resize, a mouse event, or TEV_NONE after
 * timeout_ms. With a script, feeds its next token through curses first. */
void tui_input_next(TuiScreen *scr, TuiScript *script, int timeout_ms, TuiEvent *ev);
/* Wipes and frees a TEV_PASTE event's text. */
void tui_event_clear(TuiEvent *ev);

#endif
