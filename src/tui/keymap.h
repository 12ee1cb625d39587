/* keymap: per-view key tables (htop's approach). Each entry binds keys
 * to an action and carries the words the footer and the `?` help show,
 * so the help can never drift from what the keys do. */
#ifndef ENVCTL_TUI_KEYMAP_H
#define ENVCTL_TUI_KEYMAP_H

#include <stdbool.h>
#include <stddef.h>

enum {
	TUI_KEY_CHANGES = 1u << 0, /* changes something: hidden and refused in --readonly */
	TUI_KEY_FOOTER = 1u << 1,  /* shown in the footer */
};

typedef struct TuiKey {
	int key;            /* primary key */
	int alt;            /* a second key for the same action, or 0 */
	int action;
	unsigned flags;
	const char *footer; /* short footer word ("probe"), or NULL */
	const char *help;   /* the help line */
} TuiKey;

/* Global and table-navigation actions; views number theirs from
 * TUI_ACT_VIEW up. */
enum {
	TUI_ACT_NONE = 0,
	TUI_ACT_QUIT,
	TUI_ACT_BACK,
	TUI_ACT_HELP,
	TUI_ACT_COMMAND,
	TUI_ACT_FILTER,
	TUI_ACT_REDRAW,
	TUI_ACT_REFRESH,
	TUI_ACT_UP,
	TUI_ACT_DOWN,
	TUI_ACT_PGUP,
	TUI_ACT_PGDN,
	TUI_ACT_HOME,
	TUI_ACT_END,
	TUI_ACT_SORT_NEXT,
	TUI_ACT_SORT_PREV,
	TUI_ACT_SORT_REVERSE,
	TUI_ACT_OPEN,
	TUI_ACT_GOTO1, /* one-key jumps to the top-level views, 1..5 */
	TUI_ACT_GOTO2,
	TUI_ACT_GOTO3,
	TUI_ACT_GOTO4,
	TUI_ACT_GOTO5,
	TUI_ACT_DESCRIBE, /* rows: `y` the row's JSON, `c` its id to the clipboard */
	TUI_ACT_COPY_ID,
	TUI_ACT_VIEW = 100,
};

/* Tables end with an entry whose key is 0. */
extern const TuiKey tui_keys_global[];
extern const TuiKey tui_keys_table[];
/* What every row that stands for an entity offers (views with describe). */
extern const TuiKey tui_keys_row[];

const TuiKey *tui_keymap_find(const TuiKey *table, int key);
/* "Enter", "j/Down": the names of an entry's keys. */
void tui_keymap_label(const TuiKey *k, char *out, size_t n);

#endif
