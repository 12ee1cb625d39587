/* screen: the terminal under the console — set-up and tear-down, the
 * colour theme, box-drawing glyphs with an ASCII fallback, width-aware
 * text drawing, and the screen dump golden tests compare. */
#ifndef ENVCTL_TUI_SCREEN_H
#define ENVCTL_TUI_SCREEN_H

#include <curses.h>
#include <stdbool.h>
#include <stdio.h>

#include "util/lib.h"

/* Colour classes: every drawn thing picks one, the theme maps it. */
typedef enum TuiTone {
	TONE_NORMAL,
	TONE_HEADER,   /* the top bar */
	TONE_FOOTER,   /* the key bar */
	TONE_TITLE,    /* a box title, a section heading */
	TONE_COLHEAD,  /* table column headings */
	TONE_SELECTED, /* the selected row or focused field */
	TONE_DIM,      /* descriptions, read-only values */
	TONE_OK,
	TONE_WARN,
	TONE_ERROR,
	TONE_BORDER,
	TONE_KEY,      /* key names in the footer and help */
	TONE_INPUT,    /* an editable field */
	TONE__COUNT
} TuiTone;

typedef struct TuiColorSpec {
	short fg, bg; /* curses colour numbers; -1 = terminal default */
	bool bold;
} TuiColorSpec;

/* The glyphs the console draws, UTF-8 or ASCII. */
typedef struct TuiGlyphs {
	const char *h, *v, *tl, *tr, *bl, *br, *tee_l, *tee_r;
	const char *up, *down;      /* sort direction */
	const char *bar_full, *bar_empty;
	const char *mask;           /* one masked secret character */
	const char *toggle_on, *toggle_off;
	const char *times;          /* "×" in "need 60×15" */
	const char *ellipsis;
	const char *bullet;
} TuiGlyphs;

typedef struct TuiScreen {
	SCREEN *scr;
	FILE *out, *in;       /* owned when headless */
	bool headless;        /* driven by a script, drawing into memory */
	bool utf8;            /* the locale speaks UTF-8 and ASCII was not asked for */
	bool color;           /* colours in use */
	bool mouse;           /* mouse reporting on */
	const TuiGlyphs *g;
	TuiColorSpec theme[TONE__COUNT];
} TuiScreen;

/* Opens curses on the terminal, or headless (width x height, no terminal
 * needed) when headless is set. theme may be NULL for the defaults. */
Status tui_screen_open(TuiScreen *s, bool headless, int width, int height, bool want_color,
		       bool want_mouse, bool force_ascii, const TuiColorSpec *theme, Error *err);
void tui_screen_close(TuiScreen *s);
/* Hands the terminal back (shell mode, no mouse reports, no bracketed
 * paste) for a program the console runs in it, and takes it again after,
 * redrawn whole. Refused (false) headless: there is no terminal. */
bool tui_screen_suspend(TuiScreen *s);
void tui_screen_resume(TuiScreen *s);
/* The default theme, filled into out[TONE__COUNT]. */
void tui_screen_default_theme(TuiColorSpec *out);
/* Resizes the virtual screen (scripts' <Resize WxH>). */
void tui_screen_resize(TuiScreen *s, int width, int height);
void tui_screen_set_mouse(TuiScreen *s, bool on);

/* Drawing. Text is UTF-8; the helpers clip to a width in columns and never
 * write past it, so a long name cannot break a layout. */
int tui_screen_attr(const TuiScreen *s, TuiTone tone);
void tui_screen_fill(TuiScreen *s, int y, int x, int w, TuiTone tone);
/* Draws text at (y, x) in at most w columns, padding with spaces to w
 * when pad. Returns the columns used. */
int tui_screen_text(TuiScreen *s, int y, int x, int w, TuiTone tone, bool pad, const char *text);
/* Like text, right-aligned in w columns. */
void tui_screen_text_right(TuiScreen *s, int y, int x, int w, TuiTone tone, const char *text);
void tui_screen_box(TuiScreen *s, int y, int x, int h, int w, const char *title);
/* The display width of UTF-8 text (invalid bytes count one column). */
int tui_screen_width(const TuiScreen *s, const char *text);

/* Writes what is on the screen now as UTF-8 text, one line per row,
 * trailing blanks trimmed. Reads curses' own screen image, so it works
 * the same headless and on a terminal. */
Status tui_screen_dump(TuiScreen *s, const char *path, Error *err);

/* UTF-8 decoding shared by the console: the code point at *p, advancing
 * *p; an invalid byte decodes as U+FFFD and advances one byte. */
unsigned tui_utf8_next(const char **p);
/* Encodes one code point; returns the bytes written (out holds 4). */
int tui_utf8_put(unsigned cp, char *out);

#endif
