#include "tui/keymap.h"

#include <curses.h>
#include <stdio.h>

#include "tui/input.h"

const TuiKey tui_keys_global[] = {
	{ '?', TUI_FN(KEY_F(1)), TUI_ACT_HELP, TUI_KEY_FOOTER, "help",
	  "Help: every key of this view (F1 also where ? types, in forms)" },
	{ ':', 0, TUI_ACT_COMMAND, TUI_KEY_FOOTER, "cmd",
	  "Command mode: :env [NAME] :lease [ID] :providers :secrets :activity :q (Tab completes, Up/Down: history)" },
	{ '/', 0, TUI_ACT_FILTER, 0, NULL, "Filter the rows (Enter keeps, Esc clears)" },
	{ 'q', TUI_KEY_ESC, TUI_ACT_BACK, TUI_KEY_FOOTER, "back",
	  "Back to the previous view (quits from the first)" },
	{ '1', 0, TUI_ACT_GOTO1, 0, NULL, "Environments" },
	{ '2', 0, TUI_ACT_GOTO2, 0, NULL, "Leases" },
	{ '3', 0, TUI_ACT_GOTO3, 0, NULL, "Providers" },
	{ '4', 0, TUI_ACT_GOTO4, 0, NULL, "Secrets" },
	{ '5', 0, TUI_ACT_GOTO5, 0, NULL, "Activity" },
	{ TUI_CTRL('r'), 0, TUI_ACT_REFRESH, 0, NULL, "Reload the view now" },
	{ TUI_CTRL('l'), 0, TUI_ACT_REDRAW, 0, NULL, "Redraw the screen" },
	{ TUI_CTRL('c'), 0, TUI_ACT_QUIT, 0, NULL, "Quit (twice over unsaved changes; :q! always)" },
	{ 0, 0, 0, 0, NULL, NULL },
};

const TuiKey tui_keys_table[] = {
	{ 'k', TUI_FN(KEY_UP), TUI_ACT_UP, 0, NULL, "Select the row above" },
	{ 'j', TUI_FN(KEY_DOWN), TUI_ACT_DOWN, 0, NULL, "Select the row below" },
	{ TUI_FN(KEY_PPAGE), TUI_CTRL('b'), TUI_ACT_PGUP, 0, NULL, "Page up" },
	{ TUI_FN(KEY_NPAGE), TUI_CTRL('f'), TUI_ACT_PGDN, 0, NULL, "Page down" },
	{ 'g', TUI_FN(KEY_HOME), TUI_ACT_HOME, 0, NULL, "First row" },
	{ 'G', TUI_FN(KEY_END), TUI_ACT_END, 0, NULL, "Last row" },
	{ '>', 0, TUI_ACT_SORT_NEXT, 0, NULL, "Sort by the next column" },
	{ '<', 0, TUI_ACT_SORT_PREV, 0, NULL, "Sort by the previous column" },
	{ 'S', 0, TUI_ACT_SORT_REVERSE, 0, NULL, "Reverse the sort order" },
	{ 0, 0, 0, 0, NULL, NULL },
};

const TuiKey tui_keys_row[] = {
	{ 'y', 0, TUI_ACT_DESCRIBE, 0, NULL,
	  "The row's JSON, as show --json prints it (secrets masked)" },
	{ 'c', 0, TUI_ACT_COPY_ID, 0, NULL, "Copy the row's id to the clipboard (OSC 52)" },
	{ 0, 0, 0, 0, NULL, NULL },
};

const TuiKey *tui_keymap_find(const TuiKey *table, int key)
{
	for (const TuiKey *k = table; k && k->key; k++)
		if (k->key == key || (k->alt && k->alt == key))
			return k;
	return NULL;
}

void tui_keymap_label(const TuiKey *k, char *out, size_t n)
{
	char a[32], b[32];

	tui_key_name(k->key, a, sizeof a);
	if (!k->alt) {
		snprintf(out, n, "%s", a);
		return;
	}
	tui_key_name(k->alt, b, sizeof b);
	snprintf(out, n, "%s/%s", a, b);
}
