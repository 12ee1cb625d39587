/* table: the list widget every list view shares — column layout, sort
 * by column, selection, paging, mouse, and a window of rows fetched on
 * demand, so a view over 100,000 leases holds only a few screens of them. */
#ifndef ENVCTL_TUI_TABLE_H
#define ENVCTL_TUI_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/screen.h"
#include "util/lib.h"

#define TUI_TABLE_MAXCOLS 10

typedef struct TuiColumn {
	const char *title;
	int width;  /* columns; with flex, the least it gets */
	int flex;   /* share of the width left over (0 = fixed) */
	bool right; /* right-aligned (numbers, ages) */
	bool nosort; /* the source cannot order by it */
} TuiColumn;

typedef struct TuiRow {
	char *id; /* what the row stands for (a key, an id) */
	char *cells[TUI_TABLE_MAXCOLS];
	char *keys[TUI_TABLE_MAXCOLS]; /* what a cell sorts by when not its text ("3m" by time) */
	TuiTone tones[TUI_TABLE_MAXCOLS];
} TuiRow;

typedef struct TuiRowSet {
	TuiRow *rows;
	size_t count, cap;
} TuiRowSet;

/* What a source is asked for: the filter text, the sort column and
 * direction, and the window. */
typedef struct TuiTableQuery {
	const char *filter;
	int sort_col;
	bool sort_desc;
	size_t offset, limit;
} TuiTableQuery;

/* A data source: fills out with the rows of the window and *total with
 * how many rows match the filter. */
typedef Status (*TuiTableFetch)(void *ctx, const TuiTableQuery *q, TuiRowSet *out,
				size_t *total, Error *err);

typedef struct TuiTable {
	const TuiColumn *cols;
	size_t ncols;
	TuiTableFetch fetch;
	void *ctx;
	const char *filter; /* the view's filter text (borrowed) */
	size_t total, sel, top;
	int sort_col;        /* -1: unsorted (the source's order) */
	bool sort_desc;
	bool fixed_order;    /* the sort keys do nothing (help, detail lists) */
	TuiRowSet cache;     /* rows [cache_off, cache_off + cache.count) */
	size_t cache_off;
	bool stale;
	int fetches;         /* how many times the source was asked (tests, bench) */
	int page;            /* rows shown at the last draw */
	int y0, x0, w;       /* where the rows were drawn (mouse) */
	int widths[TUI_TABLE_MAXCOLS]; /* the columns as last drawn (mouse) */
	/* Select this row once the next fetch brings it (a row just created
	 * is not in the cache yet); cleared by that fetch either way. */
	char want_id[64];
	char error[256];
	const char *empty; /* what an empty, unfiltered table says (NULL: a default) */
	/* Marked rows, by id (#15): they survive paging, sorting and reloads,
	 * since the cache holds only a window of rows. */
	char **marks;
	size_t mark_count;
	/* Columns not drawn (#15: :columns); a view's choice, kept in tui.conf. */
	bool hidden[TUI_TABLE_MAXCOLS];
	bool optional[TUI_TABLE_MAXCOLS]; /* hidden by default (tui_table_optional) */
} TuiTable;

void tui_table_init(TuiTable *t, const TuiColumn *cols, size_t ncols, TuiTableFetch fetch,
		    void *ctx);
void tui_table_clear(TuiTable *t);
/* Marks the data out of date: the next draw asks the source again. */
void tui_table_invalidate(TuiTable *t);
/* Draws the heading and rows inside (y, x, h, w). */
void tui_table_draw(TuiTable *t, TuiScreen *s, int y, int x, int h, int w);
/* Navigation and sort actions (TUI_ACT_UP ...); true when handled. */
bool tui_table_action(TuiTable *t, int action);
/* Click selects the row under (y, x); the wheel scrolls. Returns true
 * when the event hit the table; *activated when it was a double click on a row. */
bool tui_table_mouse(TuiTable *t, int kind, int y, int x, bool *activated);
/* Marks: toggle the selected row's mark (then select the next row);
 * whether an id is marked; forget every mark. Toggle returns false out
 * of memory or with no row selected. */
bool tui_table_toggle_mark(TuiTable *t);
bool tui_table_is_marked(const TuiTable *t, const char *id);
void tui_table_clear_marks(TuiTable *t);

/* Columns (#15): a column's name for :columns is its title in lower case
 * with '-' for spaces ("lease-id"). set_columns takes a comma list of
 * names (the shown set, in the table's own order), "+name" / "-name" to
 * show or hide one, or "default"; false with why filled on a bad name or
 * nothing left to show. columns_text writes the shown set as a list. */
bool tui_table_set_columns(TuiTable *t, const char *spec, char *why, size_t n);
/* Makes col one that is hidden until chosen (and by "default"). */
void tui_table_optional(TuiTable *t, size_t col);
void tui_table_columns_text(const TuiTable *t, char *out, size_t n);
/* Every column, the shown ones marked with '*' ("environment* ... run-id"). */
void tui_table_columns_all(const TuiTable *t, char *out, size_t n);

/* The selected row, or NULL (empty table, or not fetched yet). */
const TuiRow *tui_table_selected(TuiTable *t);
/* Re-selects the row with this id when it is in the current window. */
void tui_table_select_id(TuiTable *t, const char *id);

/* Rows. Cells are copied. */
TuiRow *tui_rows_add(TuiRowSet *set, const char *id);
bool tui_row_set(TuiRow *row, size_t col, const char *text, TuiTone tone);
bool tui_row_setf(TuiRow *row, size_t col, TuiTone tone, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Sorts column col by key instead of the cell's text. */
bool tui_row_set_key(TuiRow *row, size_t col, const char *key);
/* Detail lists: a FIELD/VALUE row; value NULL makes field a section
 * heading; a long value wraps over several rows at width. */
void tui_rows_line(TuiRowSet *set, const char *field, const char *value, TuiTone tone);
void tui_rows_wrapped(TuiRowSet *set, const char *field, const char *text, int width,
		      TuiTone tone);
/* empty frees the rows but keeps their array for the next load; clear
 * frees both and zeroes the set. */
void tui_rows_empty(TuiRowSet *set);
void tui_rows_clear(TuiRowSet *set);

/* An in-memory source for small lists (providers): ctx is a TuiRowSet
 * holding every row; filtering is a case-insensitive substring match on
 * any cell, sorting compares numbers as numbers. */
Status tui_table_mem_fetch(void *ctx, const TuiTableQuery *q, TuiRowSet *out, size_t *total,
			   Error *err);

#endif
