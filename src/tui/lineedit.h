/* lineedit: the one line editor of the console (#15), shared by the `:`
 * and `/` prompt (tui.c) and every text field of a form (form_keys.c):
 * UTF-8 text with a cursor on a character boundary, Left/Right, Home/^A,
 * End/^E, Backspace, Delete, ^U, and Enter as a newline when multiline.
 * Every change rebuilds or zeroes in place, so a secret typed into it
 * leaves no stale copy in a freed block; tui_edit_empty wipes. */
#ifndef ENVCTL_TUI_LINEEDIT_H
#define ENVCTL_TUI_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/lib.h"

typedef struct TuiLineEdit {
	Buf buf;        /* the text (NUL-terminated once anything was typed) */
	size_t cursor;  /* byte offset */
	size_t max;     /* most bytes it holds; 0: TUI_EDIT_DEFAULT_MAX */
	bool multiline; /* Enter inserts a newline */
} TuiLineEdit;

#define TUI_EDIT_DEFAULT_MAX (64u * 1024u)

typedef enum TuiEditResult {
	TUI_EDIT_IGNORED = 0, /* not an editing key */
	TUI_EDIT_MOVED,       /* the cursor moved */
	TUI_EDIT_CHANGED,     /* the text changed (or was cleared) */
	TUI_EDIT_FULL,        /* refused: it would not fit */
} TuiEditResult;

TuiEditResult tui_edit_key(TuiLineEdit *e, int key);
/* Inserts n bytes at the cursor; false when they would not fit. */
bool tui_edit_insert(TuiLineEdit *e, const char *bytes, size_t n);
/* Replaces the text (cursor at the end); false when it does not fit. */
bool tui_edit_set(TuiLineEdit *e, const char *text);
/* The text ("" when none). */
const char *tui_edit_text(const TuiLineEdit *e);
size_t tui_edit_len(const TuiLineEdit *e);
/* Empties it, zeroing what it held (the buffer is kept). */
void tui_edit_empty(TuiLineEdit *e);
/* Zeroes and frees what it holds; e is reusable. */
void tui_edit_clear(TuiLineEdit *e);

#endif
