/* The one-object views (an environment, a lease, a provider, a secret):
 * a fixed FIELD | VALUE table over rows their load function fills. */
#include <stdio.h>
#include <stdlib.h>

#include "tui/private.h"

Status tui_detail_open(Tui *t, TuiView *v, const TuiColumn *cols, const char *id,
		       TuiDetailLoad load, Error *err)
{
	TuiDetail *d = calloc(1, sizeof *d);

	if (!d)
		return error_set(err, ST_E_NOMEM, "out of memory");
	snprintf(d->id, sizeof d->id, "%s", id);
	d->load = load;
	tui_table_init(&d->table, cols, 2, tui_table_mem_fetch, &d->all);
	d->table.sort_col = -1;
	d->table.fixed_order = true;
	d->table.filter = v->filter;
	v->state = d;
	v->table = &d->table;
	load(t, d);
	return ST_OK;
}

void tui_detail_close(Tui *t, TuiView *v)
{
	TuiDetail *d = v->state;

	(void)t;
	tui_table_clear(&d->table);
	tui_rows_clear(&d->all);
	free(d);
}

void tui_detail_draw(Tui *t, TuiView *v, const char *kind, int y, int x, int h, int w)
{
	TuiDetail *d = v->state;
	char title[300];

	if (d->name[0])
		snprintf(title, sizeof title, "%s %s", kind, d->name);
	else
		snprintf(title, sizeof title, "%s", kind);
	tui_table_draw(&d->table, &t->scr, y + 1, x + 1, h - 2, w - 2);
	tui_frame(t, v, y, x, h, w, title);
}

void tui_detail_reload(Tui *t, TuiView *v, bool live)
{
	TuiDetail *d = v->state;
	size_t sel = d->table.sel;

	(void)live;
	d->load(t, d);
	d->table.sel = sel;
}

const char *tui_detail_self_id(Tui *t, TuiView *v)
{
	(void)t;
	return ((TuiDetail *)v->state)->id;
}
