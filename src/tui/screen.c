#include "tui/screen.h"

#include "tui/input.h"

#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <termios.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

static const TuiGlyphs screen_glyphs_utf8 = {
	.h = "─", .v = "│", .tl = "┌", .tr = "┐", .bl = "└", .br = "┘",
	.tee_l = "├", .tee_r = "┤", .up = "▲", .down = "▼",
	.bar_full = "█", .bar_empty = "░", .mask = "●",
	.toggle_on = "[x]", .toggle_off = "[ ]", .times = "×", .ellipsis = "…",
	.bullet = "•",
};

static const TuiGlyphs screen_glyphs_ascii = {
	.h = "-", .v = "|", .tl = "+", .tr = "+", .bl = "+", .br = "+",
	.tee_l = "+", .tee_r = "+", .up = "^", .down = "v",
	.bar_full = "#", .bar_empty = ".", .mask = "*",
	.toggle_on = "[x]", .toggle_off = "[ ]", .times = "x", .ellipsis = "~",
	.bullet = "*",
};

static void screen_paste_mode(TuiScreen *s, bool on);

void tui_screen_default_theme(TuiColorSpec *out)
{
	static const TuiColorSpec dflt[TONE__COUNT] = {
		[TONE_NORMAL] = { -1, -1, false },
		[TONE_HEADER] = { COLOR_BLACK, COLOR_CYAN, true },
		[TONE_FOOTER] = { COLOR_BLACK, COLOR_WHITE, false },
		[TONE_TITLE] = { COLOR_CYAN, -1, true },
		[TONE_COLHEAD] = { COLOR_YELLOW, -1, true },
		[TONE_SELECTED] = { COLOR_BLACK, COLOR_CYAN, false },
		[TONE_DIM] = { COLOR_BLUE, -1, false },
		[TONE_OK] = { COLOR_GREEN, -1, true },
		[TONE_WARN] = { COLOR_YELLOW, -1, true },
		[TONE_ERROR] = { COLOR_RED, -1, true },
		[TONE_BORDER] = { COLOR_CYAN, -1, false },
		[TONE_KEY] = { COLOR_BLUE, COLOR_WHITE, true },
		[TONE_INPUT] = { -1, -1, false },
	};

	memcpy(out, dflt, sizeof dflt);
}

unsigned tui_utf8_next(const char **pp)
{
	const unsigned char *p = (const unsigned char *)*pp;
	unsigned cp, need, min;

	if (p[0] < 0x80) {
		*pp += 1;
		return p[0];
	}
	if ((p[0] & 0xe0) == 0xc0) {
		cp = p[0] & 0x1f; need = 1; min = 0x80;
	} else if ((p[0] & 0xf0) == 0xe0) {
		cp = p[0] & 0x0f; need = 2; min = 0x800;
	} else if ((p[0] & 0xf8) == 0xf0) {
		cp = p[0] & 0x07; need = 3; min = 0x10000;
	} else {
		*pp += 1;
		return 0xfffd;
	}
	for (unsigned i = 1; i <= need; i++) {
		if ((p[i] & 0xc0) != 0x80) {
			*pp += 1;
			return 0xfffd;
		}
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	*pp += need + 1;
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0xfffd;
	return cp;
}

int tui_utf8_put(unsigned cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* The glyph and width one code point is drawn as: controls and (without
 * UTF-8) everything beyond ASCII become '?', so nothing a name holds can
 * move the cursor or garble the terminal. */
static unsigned screen_cell(const TuiScreen *s, unsigned cp, int *width)
{
	int w;

	if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
		*width = 1;
		return '?';
	}
	if (cp < 0x80) {
		*width = 1;
		return cp;
	}
	if (!s->utf8) {
		*width = 1;
		return '?';
	}
	w = wcwidth((wchar_t)cp);
	if (w < 0) {
		*width = 1;
		return 0xfffd;
	}
	if (w == 0) {
		/* Combining marks would merge into the previous cell; show them
		 * as a visible replacement rather than let widths drift. */
		*width = 1;
		return 0xfffd;
	}
	*width = w;
	return cp;
}

int tui_screen_width(const TuiScreen *s, const char *text)
{
	int total = 0, w;

	while (text && *text) {
		screen_cell(s, tui_utf8_next(&text), &w);
		total += w;
	}
	return total;
}

int tui_screen_attr(const TuiScreen *s, TuiTone tone)
{
	int attr = 0;

	if (s->color) {
		attr = COLOR_PAIR(tone + 1);
		if (s->theme[tone].bold)
			attr |= A_BOLD;
		return attr;
	}
	switch (tone) {
	case TONE_HEADER:
	case TONE_FOOTER:
	case TONE_SELECTED:
		return A_REVERSE;
	case TONE_TITLE:
	case TONE_COLHEAD:
	case TONE_ERROR:
	case TONE_WARN:
	case TONE_KEY:
		return A_BOLD;
	case TONE_INPUT:
		return A_UNDERLINE;
	default:
		return A_NORMAL;
	}
}

void tui_screen_fill(TuiScreen *s, int y, int x, int w, TuiTone tone)
{
	if (w <= 0 || y < 0 || y >= LINES)
		return;
	attrset(tui_screen_attr(s, tone));
	mvhline(y, x, ' ', w);
	attrset(A_NORMAL);
}

int tui_screen_text(TuiScreen *s, int y, int x, int w, TuiTone tone, bool pad, const char *text)
{
	wchar_t buf[512];
	size_t n = 0;
	int used = 0, cw;
	int ell_w = tui_screen_width(s, s->g->ellipsis);
	const char *p = text ? text : "";
	bool truncated = false;
	int last_fit = 0; /* chars that fit while leaving room for the ellipsis */
	int used_at_fit = 0;

	if (w <= 0 || y < 0 || y >= LINES || x >= COLS)
		return 0;
	if (x + w > COLS)
		w = COLS - x;
	while (*p && n < sizeof buf / sizeof buf[0] - 2) {
		unsigned cp = screen_cell(s, tui_utf8_next(&p), &cw);

		if (used + cw > w) {
			truncated = true;
			break;
		}
		if (used + cw <= w - ell_w) {
			last_fit = (int)n + 1;
			used_at_fit = used + cw;
		}
		buf[n++] = (wchar_t)cp;
		used += cw;
	}
	if (truncated && w > ell_w) {
		const char *e = s->g->ellipsis;

		n = (size_t)last_fit;
		used = used_at_fit;
		while (*e) {
			buf[n++] = (wchar_t)tui_utf8_next(&e);
		}
		used += ell_w;
	}
	buf[n] = 0;
	attrset(tui_screen_attr(s, tone));
	mvaddnwstr(y, x, buf, (int)n);
	if (pad && used < w)
		mvhline(y, x + used, ' ', w - used);
	attrset(A_NORMAL);
	return pad ? w : used;
}

void tui_screen_text_right(TuiScreen *s, int y, int x, int w, TuiTone tone, const char *text)
{
	int tw = tui_screen_width(s, text);

	if (tw >= w) {
		tui_screen_text(s, y, x, w, tone, true, text);
		return;
	}
	tui_screen_fill(s, y, x, w - tw, tone);
	tui_screen_text(s, y, x + w - tw, tw, tone, false, text);
}

static void screen_glyph_run(TuiScreen *s, int y, int x, int n, const char *glyph)
{
	const char *p = glyph;
	wchar_t wc = (wchar_t)tui_utf8_next(&p);

	for (int i = 0; i < n; i++)
		mvaddnwstr(y, x + i, &wc, 1);
}

void tui_screen_box(TuiScreen *s, int y, int x, int h, int w, const char *title)
{
	if (h < 2 || w < 2)
		return;
	attrset(tui_screen_attr(s, TONE_BORDER));
	screen_glyph_run(s, y, x, 1, s->g->tl);
	screen_glyph_run(s, y, x + 1, w - 2, s->g->h);
	screen_glyph_run(s, y, x + w - 1, 1, s->g->tr);
	for (int i = 1; i < h - 1; i++) {
		screen_glyph_run(s, y + i, x, 1, s->g->v);
		screen_glyph_run(s, y + i, x + w - 1, 1, s->g->v);
	}
	screen_glyph_run(s, y + h - 1, x, 1, s->g->bl);
	screen_glyph_run(s, y + h - 1, x + 1, w - 2, s->g->h);
	screen_glyph_run(s, y + h - 1, x + w - 1, 1, s->g->br);
	attrset(A_NORMAL);
	if (title && title[0] && w > 6) {
		int used;

		mvaddch(y, x + 2, ' ');
		used = tui_screen_text(s, y, x + 3, w - 6, TONE_TITLE, false, title);
		mvaddch(y, x + 3 + used, ' ');
	}
}

static void screen_init_colors(TuiScreen *s)
{
	if (!s->color)
		return;
	start_color();
	use_default_colors();
	for (int i = 0; i < TONE__COUNT; i++) {
		short fg = s->theme[i].fg, bg = s->theme[i].bg;

		if (fg >= COLORS)
			fg = -1;
		if (bg >= COLORS)
			bg = -1;
		init_pair((short)(i + 1), fg, bg);
	}
}

void tui_screen_set_mouse(TuiScreen *s, bool on)
{
	mmask_t want = BUTTON1_PRESSED | BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED |
		       BUTTON4_PRESSED | BUTTON5_PRESSED;

	s->mouse = on;
	mousemask(on ? want : 0, NULL);
	if (on)
		mouseinterval(0);
}

static bool screen_locale_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);

	return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

Status tui_screen_open(TuiScreen *s, bool headless, int width, int height, bool want_color,
		       bool want_mouse, bool force_ascii, const TuiColorSpec *theme, Error *err)
{
	const char *term = getenv("TERM");

	memset(s, 0, sizeof *s);
	s->headless = headless;
	s->utf8 = !force_ascii && screen_locale_utf8();
	s->g = s->utf8 ? &screen_glyphs_utf8 : &screen_glyphs_ascii;
	if (theme)
		memcpy(s->theme, theme, sizeof s->theme);
	else
		tui_screen_default_theme(s->theme);
	if (headless) {
		/* A script run draws into curses' memory only: the output goes to
		 * /dev/null, the size is fixed, and xterm's description is used so
		 * the result does not depend on the caller's terminal. */
		s->out = fopen("/dev/null", "w");
		/* Two streams on /dev/null is the point: nothing to read, nowhere to draw. */
		// cppcheck-suppress incompatibleFileOpen
		s->in = fopen("/dev/null", "r");
		if (!s->out || !s->in) {
			tui_screen_close(s);
			return error_set(err, ST_E_IO, "cannot open /dev/null for the headless console");
		}
		s->scr = newterm("xterm", s->out, s->in);
	} else {
		if (!term || !term[0])
			return error_set(err, ST_E_USAGE,
					 "TERM is not set; the console needs a terminal type "
					 "(e.g. TERM=xterm-256color)");
		s->scr = newterm(NULL, stdout, stdin);
	}
	if (!s->scr) {
		tui_screen_close(s);
		return error_set(err, ST_E_IO,
				 "cannot start the console on terminal type \"%s\"; set TERM to a "
				 "type this system knows (e.g. xterm-256color)",
				 headless ? "xterm" : term);
	}
	set_term(s->scr);
	if (headless && width > 0 && height > 0)
		resize_term(height, width);
	set_escdelay(25);
	cbreak();
	if (!headless) {
		/* ^S saves a form: take it (and ^Q) from the terminal's flow
		 * control. ^C is a key too, not SIGINT: ncurses' handler would
		 * exit(1) past the unsaved-form guard and the workers' shutdown.
		 * ^Z and ^\ keep their signals. endwin restores the shell's
		 * modes, IXON and VINTR included. */
		struct termios tio;

		if (tcgetattr(STDIN_FILENO, &tio) == 0) {
			tio.c_iflag &= ~(tcflag_t)IXON;
			tio.c_cc[VINTR] = _POSIX_VDISABLE;
			tcsetattr(STDIN_FILENO, TCSANOW, &tio);
			def_prog_mode();
		}
	}
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	s->color = want_color && has_colors();
	screen_init_colors(s);
	tui_screen_set_mouse(s, want_mouse);
	screen_paste_mode(s, true);
	return ST_OK;
}

/* Bracketed paste (#14): the terminal wraps pasted text in ESC[200~ and
 * ESC[201~, which curses reports as two keys of our own, so a paste is
 * one block and its newlines are text, not Enter. */
static const char screen_paste_on[] = "\033[?2004h", screen_paste_off[] = "\033[?2004l";

/* The handler curses installed for ^Z. A signal handler can reach no
 * app state, so this is the one file-level variable: set once at open. */
static struct sigaction screen_tstp_curses;

/* ^Z: the shell gets its terminal back without bracketed paste, and the
 * console turns it on again when it resumes. write(2) is
 * async-signal-safe; curses' own handler does the stop and the redraw. */
static void screen_tstp(int sig)
{
	ssize_t n = write(STDOUT_FILENO, screen_paste_off, sizeof screen_paste_off - 1);

	if (screen_tstp_curses.sa_handler != SIG_DFL && screen_tstp_curses.sa_handler != SIG_IGN &&
	    screen_tstp_curses.sa_handler)
		screen_tstp_curses.sa_handler(sig);
	n = write(STDOUT_FILENO, screen_paste_on, sizeof screen_paste_on - 1);
	(void)n;
}

static void screen_paste_mode(TuiScreen *s, bool on)
{
	define_key("\033[200~", TUI_KEY_PASTE_BEGIN);
	define_key("\033[201~", TUI_KEY_PASTE_END);
	if (s->headless)
		return;
	fputs(on ? screen_paste_on : screen_paste_off, stdout);
	fflush(stdout);
	if (on) {
		struct sigaction sa;

		memset(&sa, 0, sizeof sa);
		sa.sa_handler = screen_tstp;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = SA_RESTART;
		if (sigaction(SIGTSTP, NULL, &screen_tstp_curses) == 0 &&
		    screen_tstp_curses.sa_handler != SIG_IGN)
			sigaction(SIGTSTP, &sa, NULL);
	} else if (screen_tstp_curses.sa_handler) {
		sigaction(SIGTSTP, &screen_tstp_curses, NULL);
	}
}

void tui_screen_resize(TuiScreen *s, int width, int height)
{
	(void)s;
	resize_term(height, width);
}

bool tui_screen_suspend(TuiScreen *s)
{
	bool mouse = s->mouse;

	if (s->headless || !s->scr)
		return false;
	def_prog_mode();
	if (mouse)
		tui_screen_set_mouse(s, false);
	s->mouse = mouse; /* to turn it on again */
	screen_paste_mode(s, false);
	endwin();
	return true;
}

void tui_screen_resume(TuiScreen *s)
{
	reset_prog_mode();
	screen_paste_mode(s, true);
	if (s->mouse)
		tui_screen_set_mouse(s, true);
	clearok(curscr, TRUE);
	refresh();
}

void tui_screen_close(TuiScreen *s)
{
	if (s->scr) {
		screen_paste_mode(s, false);
		endwin();
		delscreen(s->scr);
		s->scr = NULL;
	}
	if (s->out)
		fclose(s->out);
	if (s->in)
		fclose(s->in);
	s->out = s->in = NULL;
}

Status tui_screen_dump(TuiScreen *s, const char *path, Error *err)
{
	FILE *f = fopen(path, "w");
	wchar_t *line;
	char *out;
	int cols = COLS;

	if (!f)
		return error_set(err, ST_E_IO, "cannot write the screen dump to %s", path);
	line = calloc((size_t)cols + 1, sizeof *line);
	/* Four bytes per cell at most, and the newline. */
	out = calloc((size_t)cols * 4 + 2, 1);
	if (!line || !out) {
		free(line);
		free(out);
		fclose(f);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	for (int y = 0; y < LINES; y++) {
		int n = mvwinnwstr(curscr, y, 0, line, cols);
		size_t len = 0;

		if (n < 0)
			n = 0;
		line[n] = 0;
		for (int i = 0; i < n && i < cols; i++)
			len += (size_t)tui_utf8_put((unsigned)line[i], out + len);
		while (len > 0 && out[len - 1] == ' ')
			len--;
		out[len] = '\n';
		fwrite(out, 1, len + 1, f);
	}
	free(line);
	free(out);
	if (fclose(f) != 0)
		return error_set(err, ST_E_IO, "cannot write the screen dump to %s", path);
	return ST_OK;
}
