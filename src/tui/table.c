#include "tui/table.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tui/input.h"
#include "tui/keymap.h"

void tui_table_init(TuiTable *t, const TuiColumn *cols, size_t ncols, TuiTableFetch fetch,
		    void *ctx)
{
	memset(t, 0, sizeof *t);
	t->cols = cols;
	t->ncols = ncols > TUI_TABLE_MAXCOLS ? TUI_TABLE_MAXCOLS : ncols;
	t->fetch = fetch;
	t->ctx = ctx;
	t->stale = true;
	t->page = 10;
}

void tui_table_optional(TuiTable *t, size_t col)
{
	if (col < t->ncols)
		t->optional[col] = t->hidden[col] = true;
}

static void table_col_name(const TuiColumn *c, char *out, size_t n)
{
	size_t k = 0;

	for (const char *p = c->title; *p && k + 1 < n; p++)
		out[k++] = *p == ' ' ? '-' : (char)tolower((unsigned char)*p);
	out[k] = 0;
}

static int table_col_find(const TuiTable *t, const char *name, size_t len)
{
	char want[64], have[64];
	size_t k = 0;

	for (size_t i = 0; i < len && k + 1 < sizeof want; i++)
		want[k++] = name[i] == ' ' || name[i] == '_' ? '-' : (char)tolower((unsigned char)name[i]);
	want[k] = 0;
	for (size_t i = 0; i < t->ncols; i++) {
		table_col_name(&t->cols[i], have, sizeof have);
		if (!strcmp(have, want))
			return (int)i;
	}
	return -1;
}

bool tui_table_set_columns(TuiTable *t, const char *spec, char *why, size_t n)
{
	bool hidden[TUI_TABLE_MAXCOLS], any = false;
	const char *p = spec;

	while (*p == ' ')
		p++;
	if (!strcmp(p, "default")) {
		for (size_t i = 0; i < t->ncols; i++)
			t->hidden[i] = t->optional[i];
		t->stale = true;
		return true;
	}
	memcpy(hidden, t->hidden, sizeof hidden);
	if (*p != '+' && *p != '-')
		for (size_t i = 0; i < t->ncols; i++)
			hidden[i] = true;
	while (*p) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		char sign = 0;
		int c;

		while (len && (*p == ' ' || *p == '+' || *p == '-')) {
			if (*p != ' ')
				sign = *p;
			p++;
			len--;
		}
		while (len && p[len - 1] == ' ')
			len--;
		if (len) {
			c = table_col_find(t, p, len);
			if (c < 0) {
				snprintf(why, n, "no column \"%.*s\"", (int)(len > 40 ? 40 : len), p);
				return false;
			}
			hidden[c] = sign == '-';
		}
		p = end ? end + 1 : p + len;
		while (*p == ' ')
			p++;
	}
	for (size_t i = 0; i < t->ncols; i++)
		any |= !hidden[i];
	if (!any) {
		snprintf(why, n, "that would leave no column to show");
		return false;
	}
	memcpy(t->hidden, hidden, sizeof t->hidden);
	/* A sort by a column no longer shown goes back to none. */
	if (t->sort_col >= 0 && t->hidden[t->sort_col])
		t->sort_col = -1;
	t->stale = true;
	return true;
}

void tui_table_columns_text(const TuiTable *t, char *out, size_t n)
{
	size_t k = 0;

	out[0] = 0;
	for (size_t i = 0; i < t->ncols; i++) {
		char name[64];

		if (t->hidden[i])
			continue;
		table_col_name(&t->cols[i], name, sizeof name);
		k += (size_t)snprintf(out + k, k < n ? n - k : 0, "%s%s", k ? "," : "", name);
		if (k >= n)
			break;
	}
}

void tui_table_columns_all(const TuiTable *t, char *out, size_t n)
{
	size_t k = 0;

	out[0] = 0;
	for (size_t i = 0; i < t->ncols && k < n; i++) {
		char name[64];

		table_col_name(&t->cols[i], name, sizeof name);
		k += (size_t)snprintf(out + k, n - k, "%s%s%s", k ? " " : "", name,
				      t->hidden[i] ? "" : "*");
	}
}

void tui_table_clear_marks(TuiTable *t)
{
	for (size_t i = 0; i < t->mark_count; i++)
		free(t->marks[i]);
	free(t->marks);
	t->marks = NULL;
	t->mark_count = 0;
}

bool tui_table_is_marked(const TuiTable *t, const char *id)
{
	for (size_t i = 0; id && i < t->mark_count; i++)
		if (!strcmp(t->marks[i], id))
			return true;
	return false;
}

bool tui_table_toggle_mark(TuiTable *t)
{
	const TuiRow *row = tui_table_selected(t);
	char **grown, *copy;

	if (!row || !row->id)
		return false;
	for (size_t i = 0; i < t->mark_count; i++) {
		if (!strcmp(t->marks[i], row->id)) {
			free(t->marks[i]);
			t->marks[i] = t->marks[--t->mark_count];
			tui_table_action(t, TUI_ACT_DOWN);
			return true;
		}
	}
	if (!(copy = strdup(row->id)))
		return false;
	grown = realloc(t->marks, (t->mark_count + 1) * sizeof *grown);
	if (!grown) {
		free(copy);
		return false;
	}
	t->marks = grown;
	t->marks[t->mark_count++] = copy;
	tui_table_action(t, TUI_ACT_DOWN);
	return true;
}

void tui_table_clear(TuiTable *t)
{
	tui_table_clear_marks(t);
	tui_rows_clear(&t->cache);
	memset(t, 0, sizeof *t);
}

void tui_table_invalidate(TuiTable *t)
{
	t->stale = true;
}

TuiRow *tui_rows_add(TuiRowSet *set, const char *id)
{
	TuiRow *row;

	if (!array_reserve(&set->rows, &set->cap, set->count, sizeof *set->rows))
		return NULL;
	row = &set->rows[set->count];
	memset(row, 0, sizeof *row);
	if (id && !(row->id = strdup(id)))
		return NULL;
	set->count++;
	return row;
}

bool tui_row_set(TuiRow *row, size_t col, const char *text, TuiTone tone)
{
	char *copy;

	if (col >= TUI_TABLE_MAXCOLS)
		return false;
	copy = strdup(text ? text : "");
	if (!copy)
		return false;
	free(row->cells[col]);
	row->cells[col] = copy;
	row->tones[col] = tone;
	return true;
}

bool tui_row_setf(TuiRow *row, size_t col, TuiTone tone, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return tui_row_set(row, col, buf, tone);
}

bool tui_row_set_key(TuiRow *row, size_t col, const char *key)
{
	char *copy;

	if (col >= TUI_TABLE_MAXCOLS)
		return false;
	copy = strdup(key ? key : "");
	if (!copy)
		return false;
	free(row->keys[col]);
	row->keys[col] = copy;
	return true;
}

void tui_rows_line(TuiRowSet *set, const char *field, const char *value, TuiTone tone)
{
	TuiRow *row;

	if (value && strchr(value, '\n')) {
		/* A line per line: a newline would show as '?' (#14). */
		tui_rows_wrapped(set, field, value, 400, tone);
		return;
	}
	row = tui_rows_add(set, NULL);
	if (!row)
		return;
	if (!value) {
		/* A heading, with a blank row above unless it is the first. */
		if (set->count > 1) {
			tui_row_set(row, 0, "", TONE_NORMAL);
			row = tui_rows_add(set, NULL);
			if (!row)
				return;
		}
		tui_row_set(row, 0, field, TONE_TITLE);
		return;
	}
	tui_row_set(row, 0, field, TONE_DIM);
	tui_row_set(row, 1, value, tone);
}

void tui_rows_wrapped(TuiRowSet *set, const char *field, const char *text, int width,
		      TuiTone tone)
{
	const char *p = text ? text : "";
	bool first = true;

	do {
		size_t len = strcspn(p, "\n"), cut = len;
		char line[512];

		if ((int)len > width) {
			cut = (size_t)width;
			while (cut > 0 && p[cut] != ' ')
				cut--;
			if (cut == 0)
				cut = (size_t)width;
		}
		if (cut >= sizeof line)
			cut = sizeof line - 1;
		memcpy(line, p, cut);
		line[cut] = 0;
		tui_rows_line(set, first ? field : "", line, tone);
		first = false;
		p += cut;
		while (*p == ' ' || *p == '\n')
			p++;
	} while (*p);
}

static void table_row_clear(TuiRow *row)
{
	free(row->id);
	for (size_t c = 0; c < TUI_TABLE_MAXCOLS; c++) {
		free(row->cells[c]);
		free(row->keys[c]);
	}
	memset(row, 0, sizeof *row);
}

void tui_rows_empty(TuiRowSet *set)
{
	for (size_t i = 0; i < set->count; i++)
		table_row_clear(&set->rows[i]);
	set->count = 0;
}

void tui_rows_clear(TuiRowSet *set)
{
	tui_rows_empty(set);
	free(set->rows);
	memset(set, 0, sizeof *set);
}

static bool table_row_copy(TuiRowSet *out, const TuiRow *src)
{
	TuiRow *row = tui_rows_add(out, src->id);

	if (!row)
		return false;
	for (size_t c = 0; c < TUI_TABLE_MAXCOLS; c++) {
		if (src->cells[c] && !tui_row_set(row, c, src->cells[c], src->tones[c]))
			return false;
		if (src->keys[c] && !tui_row_set_key(row, c, src->keys[c]))
			return false;
	}
	return true;
}

static bool table_row_matches(const TuiRow *row, const char *filter)
{
	if (!filter || !filter[0])
		return true;
	for (size_t c = 0; c < TUI_TABLE_MAXCOLS; c++)
		if (row->cells[c] && strcasestr(row->cells[c], filter))
			return true;
	return false;
}

typedef struct TableSortCtx {
	const TuiRowSet *set;
	int col;
	bool desc;
} TableSortCtx;

static int table_cell_cmp(const char *a, const char *b)
{
	char *ea, *eb;
	double da, db;

	a = a ? a : "";
	b = b ? b : "";
	da = strtod(a, &ea);
	db = strtod(b, &eb);
	if (*a && *b && !*ea && !*eb)
		return (da > db) - (da < db);
	return strcasecmp(a, b);
}

static int table_sort_cmp(const void *pa, const void *pb, void *arg)
{
	const TableSortCtx *c = arg;
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
	const TuiRow *ra = &c->set->rows[ia], *rb = &c->set->rows[ib];
	int r = table_cell_cmp(ra->keys[c->col] ? ra->keys[c->col] : ra->cells[c->col],
			       rb->keys[c->col] ? rb->keys[c->col] : rb->cells[c->col]);

	if (r == 0)
		r = (ia > ib) - (ia < ib); /* stable: keep the source order */
	else if (c->desc)
		r = -r;
	return r;
}

Status tui_table_mem_fetch(void *ctx, const TuiTableQuery *q, TuiRowSet *out, size_t *total,
			   Error *err)
{
	const TuiRowSet *all = ctx;
	size_t *idx = malloc((all->count + 1) * sizeof *idx), n = 0;
	TableSortCtx sc = { all, q->sort_col, q->sort_desc };

	if (!idx)
		return error_set(err, ST_E_NOMEM, "out of memory");
	for (size_t i = 0; i < all->count; i++)
		if (table_row_matches(&all->rows[i], q->filter))
			idx[n++] = i;
	if (q->sort_col >= 0 && q->sort_col < TUI_TABLE_MAXCOLS)
		qsort_r(idx, n, sizeof *idx, table_sort_cmp, &sc);
	*total = n;
	for (size_t i = q->offset; i < n && i < q->offset + q->limit; i++) {
		if (!table_row_copy(out, &all->rows[idx[i]])) {
			free(idx);
			return error_set(err, ST_E_NOMEM, "out of memory");
		}
	}
	free(idx);
	return ST_OK;
}

static void table_clamp(TuiTable *t)
{
	size_t page = t->page > 0 ? (size_t)t->page : 1;

	if (t->total == 0) {
		t->sel = t->top = 0;
		return;
	}
	if (t->sel >= t->total)
		t->sel = t->total - 1;
	if (t->sel < t->top)
		t->top = t->sel;
	if (t->sel >= t->top + page)
		t->top = t->sel - page + 1;
	if (t->top + page > t->total)
		t->top = t->total > page ? t->total - page : 0;
}

/* Makes the cache cover [top, top + page): asks the source for the
 * screen plus one screen either side, so scrolling a line is free. */
static void table_ensure(TuiTable *t)
{
	size_t page = t->page > 0 ? (size_t)t->page : 1;

	for (int pass = 0; pass < 2; pass++) {
		bool covered = !t->stale && t->top >= t->cache_off &&
			       (t->top + page <= t->cache_off + t->cache.count ||
				t->cache_off + t->cache.count >= t->total);
		TuiTableQuery q;
		size_t total = 0;
		Error err;

		if (covered)
			return;
		q.filter = t->filter;
		q.sort_col = t->sort_col;
		q.sort_desc = t->sort_desc;
		q.offset = t->top > page ? t->top - page : 0;
		q.limit = page * 3;
		tui_rows_empty(&t->cache);
		error_clear(&err);
		t->fetches++;
		if (t->fetch(t->ctx, &q, &t->cache, &total, &err) != ST_OK) {
			snprintf(t->error, sizeof t->error, "%s", error_text(&err));
			tui_rows_empty(&t->cache);
			t->total = 0;
			t->stale = false;
			return;
		}
		t->error[0] = 0;
		t->cache_off = q.offset;
		t->stale = false;
		t->total = total;
		if (t->want_id[0]) {
			tui_table_select_id(t, t->want_id);
			t->want_id[0] = 0;
		}
		{
			size_t old_top = t->top;

			table_clamp(t);
			if (t->top == old_top)
				return;
		}
	}
}

/* Column widths: each gets its least, then the room left goes first to
 * what the flexible columns' content (the rows in the window, and the
 * heading with its sort arrow) needs, in proportion when it does not all
 * fit, and what remains by the flex shares (#14: a short NAME column
 * no longer takes the room a long DESCRIPTION needs). */
static void table_widths(const TuiTable *t, const TuiScreen *s, int w, int *widths)
{
	int sum = 0, flex = 0, want[TUI_TABLE_MAXCOLS] = { 0 }, want_sum = 0;

	bool first = true;

	for (size_t i = 0; i < t->ncols; i++) {
		if (t->hidden[i]) {
			widths[i] = 0;
			continue;
		}
		widths[i] = t->cols[i].width;
		sum += widths[i] + (first ? 0 : 1);
		flex += t->cols[i].flex;
		first = false;
	}
	if (sum >= w || flex <= 0)
		return;
	for (size_t i = 0; i < t->ncols; i++) {
		int need;

		if (!t->cols[i].flex || t->hidden[i])
			continue;
		need = tui_screen_width(s, t->cols[i].title) + 1;
		for (size_t r = 0; r < t->cache.count; r++) {
			const char *cell = t->cache.rows[r].cells[i];
			int cw = cell ? tui_screen_width(s, cell) : 0;

			if (cw > need)
				need = cw;
		}
		want[i] = need > widths[i] ? need - widths[i] : 0;
		want_sum += want[i];
	}
	{
		int extra = w - sum, given = 0, last = -1;

		for (size_t i = 0; i < t->ncols; i++) {
			int add;

			if (!t->cols[i].flex || t->hidden[i])
				continue;
			add = want_sum <= extra ? want[i]
						: (int)((long long)extra * want[i] / want_sum);
			widths[i] += add;
			given += add;
		}
		extra -= given;
		given = 0;
		for (size_t i = 0; i < t->ncols && extra > 0; i++) {
			int add;

			if (!t->cols[i].flex || t->hidden[i])
				continue;
			add = extra * t->cols[i].flex / flex;
			widths[i] += add;
			given += add;
			last = (int)i;
		}
		if (last >= 0)
			widths[last] += extra - given;
	}
}

void tui_table_draw(TuiTable *t, TuiScreen *s, int y, int x, int h, int w)
{
	int widths[TUI_TABLE_MAXCOLS], cx;
	const char *ind;

	if (h < 1 || w < 1)
		return;
	t->page = h - 1 > 0 ? h - 1 : 1;
	t->y0 = y + 1;
	t->x0 = x;
	t->w = w;
	table_clamp(t);
	table_ensure(t);
	table_widths(t, s, w - 1, widths);
	memcpy(t->widths, widths, sizeof t->widths);
	/* Column headings, the sort column marked. */
	tui_screen_fill(s, y, x, w, TONE_COLHEAD);
	cx = x + 1;
	for (size_t c = 0; c < t->ncols && cx < x + w; c++) {
		char head[128];
		int cw;

		if (t->hidden[c])
			continue;
		cw = widths[c] < x + w - cx ? widths[c] : x + w - cx;

		ind = (int)c == t->sort_col ? (t->sort_desc ? s->g->down : s->g->up) : "";
		snprintf(head, sizeof head, "%s%s", t->cols[c].title, ind);
		if (ind[0] && tui_screen_width(s, head) > cw && cw > 1) {
			/* A narrow column cuts its title, never the sort arrow. */
			tui_screen_text(s, y, cx, cw - 1, TONE_COLHEAD, false, t->cols[c].title);
			tui_screen_text(s, y, cx + cw - 1, 1, TONE_COLHEAD, false, ind);
		} else if (t->cols[c].right)
			tui_screen_text_right(s, y, cx, cw, TONE_COLHEAD, head);
		else
			tui_screen_text(s, y, cx, cw, TONE_COLHEAD, false, head);
		cx += widths[c] + 1;
	}
	if (t->error[0]) {
		tui_screen_text(s, y + 1, x + 1, w - 1, TONE_ERROR, false, t->error);
		return;
	}
	if (t->total == 0) {
		char msg[200];

		if (t->filter && t->filter[0])
			snprintf(msg, sizeof msg, "no rows match \"%s\" (Esc clears the filter)",
				 t->filter);
		else
			snprintf(msg, sizeof msg, "%s", t->empty ? t->empty : "nothing here yet");
		if (h > 1)
			tui_screen_text(s, y + 1, x + 1, w - 1, TONE_DIM, false, msg);
		return;
	}
	for (int r = 0; r < t->page; r++) {
		size_t i = t->top + (size_t)r;
		const TuiRow *row;
		bool sel = i == t->sel;

		if (i >= t->total || i < t->cache_off || i - t->cache_off >= t->cache.count)
			break;
		row = &t->cache.rows[i - t->cache_off];
		if (sel)
			tui_screen_fill(s, y + 1 + r, x, w, TONE_SELECTED);
		if (t->mark_count && tui_table_is_marked(t, row->id))
			tui_screen_text(s, y + 1 + r, x, 1, sel ? TONE_SELECTED : TONE_WARN, true, "*");
		cx = x + 1;
		for (size_t c = 0; c < t->ncols && cx < x + w; c++) {
			int cw = widths[c] < x + w - cx ? widths[c] : x + w - cx;
			TuiTone tone = sel ? TONE_SELECTED : row->tones[c];
			const char *cell = row->cells[c] ? row->cells[c] : "";

			if (t->hidden[c])
				continue;

			if (t->cols[c].right)
				tui_screen_text_right(s, y + 1 + r, cx, cw, tone, cell);
			else
				tui_screen_text(s, y + 1 + r, cx, cw, tone, false, cell);
			cx += widths[c] + 1;
		}
	}
}

bool tui_table_action(TuiTable *t, int action)
{
	size_t page = t->page > 0 ? (size_t)t->page : 1;

	switch (action) {
	case TUI_ACT_UP:
		if (t->sel > 0)
			t->sel--;
		break;
	case TUI_ACT_DOWN:
		if (t->sel + 1 < t->total)
			t->sel++;
		break;
	case TUI_ACT_PGUP:
		t->sel = t->sel > page ? t->sel - page : 0;
		t->top = t->top > page ? t->top - page : 0;
		break;
	case TUI_ACT_PGDN:
		t->sel += page;
		t->top += page;
		break;
	case TUI_ACT_HOME:
		t->sel = t->top = 0;
		break;
	case TUI_ACT_END:
		t->sel = t->total ? t->total - 1 : 0;
		break;
	case TUI_ACT_SORT_NEXT:
		if (t->fixed_order)
			return true;
		for (size_t n = 0; n < t->ncols; n++) {
			t->sort_col = (t->sort_col + 1) % (int)t->ncols;
			if (!t->cols[t->sort_col].nosort && !t->hidden[t->sort_col])
				break;
		}
		/* The direction stays: moving to another column never reverses
		 * the order on its own (S does, and the arrow shows it). */
		t->stale = true;
		break;
	case TUI_ACT_SORT_PREV:
		if (t->fixed_order)
			return true;
		for (size_t n = 0; n < t->ncols; n++) {
			t->sort_col = (t->sort_col + (int)t->ncols - 1) % (int)t->ncols;
			if (!t->cols[t->sort_col].nosort && !t->hidden[t->sort_col])
				break;
		}
		/* The direction stays: moving to another column never reverses
		 * the order on its own (S does, and the arrow shows it). */
		t->stale = true;
		break;
	case TUI_ACT_SORT_REVERSE:
		if (t->fixed_order)
			return true;
		t->sort_desc = !t->sort_desc;
		t->stale = true;
		break;
	default:
		return false;
	}
	if (t->total && t->sel >= t->total)
		t->sel = t->total - 1;
	table_clamp(t);
	return true;
}

bool tui_table_mouse(TuiTable *t, int kind, int y, int x, bool *activated)
{
	*activated = false;
	if (x < t->x0 || x >= t->x0 + t->w || y < t->y0 - 1 || y >= t->y0 + t->page)
		return false;
	if (kind == TUI_MOUSE_WHEEL_UP) {
		t->sel = t->sel > 3 ? t->sel - 3 : 0;
	} else if (kind == TUI_MOUSE_WHEEL_DOWN) {
		t->sel += 3;
		if (t->total && t->sel >= t->total)
			t->sel = t->total - 1;
	} else if (y == t->y0 - 1 && t->fixed_order) {
		return true;
	} else if (y == t->y0 - 1) {
		/* A click on a heading sorts by that column (again: reverses). */
		const int *widths = t->widths;
		int cx = t->x0 + 1;

		for (size_t c = 0; c < t->ncols; c++) {
			if (t->hidden[c])
				continue;
			if (x >= cx && x < cx + widths[c] + 1) {
				if (t->cols[c].nosort)
					break;
				if ((int)c == t->sort_col)
					t->sort_desc = !t->sort_desc;
				else
					t->sort_col = (int)c, t->sort_desc = false;
				t->stale = true;
				break;
			}
			cx += widths[c] + 1;
		}
		return true;
	} else {
		size_t i = t->top + (size_t)(y - t->y0);

		if (i < t->total) {
			if (kind == TUI_MOUSE_DOUBLE || (kind == TUI_MOUSE_CLICK && i == t->sel))
				*activated = kind == TUI_MOUSE_DOUBLE;
			t->sel = i;
		}
	}
	table_clamp(t);
	return true;
}

const TuiRow *tui_table_selected(TuiTable *t)
{
	table_clamp(t);
	table_ensure(t);
	if (t->total == 0 || t->sel < t->cache_off ||
	    t->sel - t->cache_off >= t->cache.count)
		return NULL;
	return &t->cache.rows[t->sel - t->cache_off];
}

void tui_table_select_id(TuiTable *t, const char *id)
{
	for (size_t i = 0; id && i < t->cache.count; i++) {
		if (t->cache.rows[i].id && !strcmp(t->cache.rows[i].id, id)) {
			t->sel = t->cache_off + i;
			table_clamp(t);
			return;
		}
	}
}
