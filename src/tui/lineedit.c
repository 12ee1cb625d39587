#include "tui/lineedit.h"

#include <sodium.h>
#include <string.h>

#include "tui/input.h"
#include "tui/screen.h"

static size_t edit_max(const TuiLineEdit *e)
{
	return e->max ? e->max : TUI_EDIT_DEFAULT_MAX;
}

const char *tui_edit_text(const TuiLineEdit *e)
{
	return e->buf.data ? e->buf.data : "";
}

size_t tui_edit_len(const TuiLineEdit *e)
{
	return e->buf.len;
}

static size_t edit_prev(const char *s, size_t at)
{
	if (at == 0)
		return 0;
	at--;
	while (at > 0 && ((unsigned char)s[at] & 0xc0) == 0x80)
		at--;
	return at;
}

static size_t edit_next(const char *s, size_t len, size_t at)
{
	if (at >= len)
		return len;
	at++;
	while (at < len && ((unsigned char)s[at] & 0xc0) == 0x80)
		at++;
	return at;
}

bool tui_edit_insert(TuiLineEdit *e, const char *bytes, size_t n)
{
	Buf nb = BUF_INIT;
	const char *d = tui_edit_text(e);

	if (e->cursor > e->buf.len)
		e->cursor = e->buf.len;
	if (e->buf.len + n > edit_max(e))
		return false;
	/* Rebuild rather than memmove in place, so a secret never leaves a
	 * stale copy behind in a realloc'd block: the old one is wiped. */
	if (!buf_reserve(&nb, e->buf.len + n + 1) || !buf_append(&nb, d, e->cursor) ||
	    !buf_append(&nb, bytes, n) || !buf_append(&nb, d + e->cursor, e->buf.len - e->cursor)) {
		buf_wipe(&nb);
		return false;
	}
	buf_wipe(&e->buf);
	e->buf = nb;
	e->cursor += n;
	return true;
}

static void edit_delete(TuiLineEdit *e, size_t from, size_t to)
{
	if (to <= from || to > e->buf.len)
		return;
	memmove(e->buf.data + from, e->buf.data + to, e->buf.len - to + 1);
	/* Zero the tail that moved down, so no typed byte lingers. */
	sodium_memzero(e->buf.data + e->buf.len - (to - from) + 1, to - from);
	e->buf.len -= to - from;
	if (e->cursor > e->buf.len)
		e->cursor = e->buf.len;
}

void tui_edit_empty(TuiLineEdit *e)
{
	if (e->buf.len)
		edit_delete(e, 0, e->buf.len);
	e->cursor = 0;
}

bool tui_edit_set(TuiLineEdit *e, const char *text)
{
	tui_edit_empty(e);
	return tui_edit_insert(e, text, strlen(text));
}

void tui_edit_clear(TuiLineEdit *e)
{
	buf_wipe(&e->buf);
	e->cursor = 0;
}

TuiEditResult tui_edit_key(TuiLineEdit *e, int key)
{
	const char *d = tui_edit_text(e);
	char enc[5];
	int n;

	switch (key) {
	case TUI_FN(KEY_LEFT):
		e->cursor = edit_prev(d, e->cursor);
		return TUI_EDIT_MOVED;
	case TUI_FN(KEY_RIGHT):
		e->cursor = edit_next(d, e->buf.len, e->cursor);
		return TUI_EDIT_MOVED;
	case TUI_FN(KEY_HOME):
	case TUI_CTRL('a'):
		e->cursor = 0;
		return TUI_EDIT_MOVED;
	case TUI_FN(KEY_END):
	case TUI_CTRL('e'):
		e->cursor = e->buf.len;
		return TUI_EDIT_MOVED;
	case TUI_FN(KEY_BACKSPACE):
		if (e->cursor == 0)
			return TUI_EDIT_MOVED; /* nothing before it: taken, nothing changed */
		{
			size_t p = edit_prev(d, e->cursor);

			edit_delete(e, p, e->cursor);
			e->cursor = p;
		}
		return TUI_EDIT_CHANGED;
	case TUI_FN(KEY_DC):
		if (e->cursor >= e->buf.len)
			return TUI_EDIT_MOVED;
		edit_delete(e, e->cursor, edit_next(d, e->buf.len, e->cursor));
		return TUI_EDIT_CHANGED;
	case TUI_CTRL('u'):
		/* Changed even when empty: on a secret field (which starts empty)
		 * it is how the stored value is cleared. */
		tui_edit_empty(e);
		return TUI_EDIT_CHANGED;
	case TUI_KEY_ENTER:
		if (!e->multiline)
			return TUI_EDIT_IGNORED;
		return tui_edit_insert(e, "\n", 1) ? TUI_EDIT_CHANGED : TUI_EDIT_FULL;
	default:
		if (key < 0x20 || key == 0x7f || (key & 0x40000000) || key > 0x10ffff)
			return TUI_EDIT_IGNORED;
		n = tui_utf8_put((unsigned)key, enc);
		return tui_edit_insert(e, enc, (size_t)n) ? TUI_EDIT_CHANGED : TUI_EDIT_FULL;
	}
}
