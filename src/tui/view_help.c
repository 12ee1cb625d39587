/* The `?` help: every key of the view it was opened from, its table keys
 * when it is a list, and the global keys, all generated from the same
 * key tables that dispatch them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/private.h"

static const TuiColumn help_cols[] = {
	{ "KEY", 14, 0, false, false },
	{ "ACTION", 30, 1, false, false },
};

typedef struct HelpState {
	TuiTable table;
	TuiRowSet all;
} HelpState;

static void help_section(HelpState *st, const char *title)
{
	TuiRow *row;

	if (st->all.count && (row = tui_rows_add(&st->all, NULL)))
		tui_row_set(row, 0, "", TONE_NORMAL);
	row = tui_rows_add(&st->all, NULL);
	if (row)
		tui_row_set(row, 1, title, TONE_TITLE);
}

/* How many columns a list can order by: the help lists only the sort
 * keys that do something there (the leases view orders by ACQUIRED only).
 * help_keys takes -1 for a key table that is not a list's. */
static int help_sortable(const TuiTable *table)
{
	int n = 0;

	if (!table || table->fixed_order)
		return 0;
	for (size_t c = 0; c < table->ncols; c++)
		if (!table->cols[c].nosort && !table->hidden[c])
			n++;
	return n;
}

static void help_keys(Tui *t, HelpState *st, const TuiKey *keys, int sortable)
{
	for (const TuiKey *k = keys; k && k->key; k++) {
		TuiRow *row;
		char label[40];

		if ((k->action == TUI_ACT_SORT_NEXT || k->action == TUI_ACT_SORT_PREV) &&
		    sortable >= 0 && sortable < 2)
			continue;
		if (k->action == TUI_ACT_SORT_REVERSE && sortable == 0)
			continue;
		row = tui_rows_add(&st->all, NULL);
		if (!row)
			return;
		tui_keymap_label(k, label, sizeof label);
		tui_row_set(row, 0, label, TONE_KEY);
		if ((k->flags & TUI_KEY_CHANGES) && t->readonly)
			tui_row_setf(row, 1, TONE_DIM, "%s (disabled: read-only)", k->help);
		else
			tui_row_set(row, 1, k->help, TONE_NORMAL);
	}
}

static Status help_open(Tui *t, TuiView *v, const void *arg, Error *err)
{
	const TuiView *of = arg;
	HelpState *st = calloc(1, sizeof *st);
	char title[200];

	if (!st)
		return error_set(err, ST_E_NOMEM, "out of memory");
	tui_table_init(&st->table, help_cols, 2, tui_table_mem_fetch, &st->all);
	st->table.sort_col = -1;
	st->table.fixed_order = true;
	st->table.filter = v->filter;
	v->state = st;
	v->table = &st->table;
	snprintf(v->title, sizeof v->title, "help");
	snprintf(title, sizeof title, "Keys of %s", of->title);
	help_section(st, title);
	help_keys(t, st, tui_view_keys(t, of), -1);
	if (of->table) {
		int sortable = help_sortable(of->table);
		TuiRow *row;

		help_section(st, "Lists");
		help_keys(t, st, tui_keys_table, sortable);
		row = tui_rows_add(&st->all, NULL);
		if (row) {
			tui_row_set(row, 0, "mouse", TONE_KEY);
			tui_row_set(row, 1,
				    sortable > 1 ? "Click selects, double-click opens, the wheel "
						   "scrolls, a click on a heading sorts"
				    : sortable ? "Click selects, double-click opens, the wheel "
						 "scrolls, a click on the sorted heading reverses"
					       : "Click selects, double-click opens, the wheel scrolls",
				    TONE_NORMAL);
		}
	}
	if (of->ops->describe) {
		help_section(st, "Rows");
		help_keys(t, st, tui_keys_row, -1);
	}
	help_section(st, "Everywhere");
	help_keys(t, st, tui_keys_global, -1);
	return ST_OK;
}

static void help_close(Tui *t, TuiView *v)
{
	HelpState *st = v->state;

	tui_table_clear(&st->table);
	tui_rows_clear(&st->all);
	free(st);
}

static void help_draw(Tui *t, TuiView *v, int y, int x, int h, int w)
{
	HelpState *st = v->state;

	tui_table_draw(&st->table, &t->scr, y + 1, x + 1, h - 2, w - 2);
	tui_frame(t, v, y, x, h, w, "Help");
}

const TuiViewOps tui_view_help = {
	.name = "help",
	.filterable = true,
	.min_w = 40,
	.min_h = 10,
	.open = help_open,
	.close = help_close,
	.draw = help_draw,
};
