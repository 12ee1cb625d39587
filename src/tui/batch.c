/* A batch over a list's marked rows (#15): one question naming them, then
 * one job that calls the same core action for each in turn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/private.h"
#include "util/lib.h"

void tui_batch_free(void *arg)
{
	TuiBatch *b = arg;

	if (b)
		free(b->ids);
	free(b);
}

static void tui_batch_start(Tui *t, void *arg)
{
	TuiBatch *from = arg, *b = malloc(sizeof *b);
	TuiView *v = tui_find_serial(t, from->view);
	Error err;

	if (!b) {
		tui_flash(t, TUI_FLASH_ERROR, "out of memory");
		return;
	}
	/* The dialog frees its arg after this: the job takes the ids over. */
	*b = *from;
	from->ids = NULL;
	if (v && v->table)
		tui_table_clear_marks(v->table);
	error_clear(&err);
	if (tui_job_start(t, b->title, b->run, NULL, b, tui_batch_free, &err) != ST_OK)
		tui_flash_error(t, &err);
}

void tui_batch_confirm(Tui *t, TuiView *v, const TuiBatch *spec, const TuiBatchAsk *ask)
{
	TuiTable *tb = v->table;
	TuiBatch *b = calloc(1, sizeof *b);
	Buf msg = BUF_INIT;
	char *text;
	Error err;
	TuiConfirm c = { ask->title, NULL, ask->yes, tui_batch_start, b, tui_batch_free };

	error_clear(&err);
	if (!b || !(b->ids = calloc(tb->mark_count, sizeof *b->ids))) {
		tui_batch_free(b);
		tui_flash(t, TUI_FLASH_ERROR, "out of memory");
		return;
	}
	b->op = spec->op;
	b->run = spec->run;
	snprintf(b->title, sizeof b->title, "%s", spec->title);
	b->view = v->serial;
	b->count = tb->mark_count;
	buf_printf(&msg, "%s\n", ask->question);
	for (size_t i = 0; i < tb->mark_count; i++) {
		snprintf(b->ids[i], sizeof b->ids[i], "%s", tb->marks[i]);
		if (i < 8)
			ask->line(t, tb->marks[i], &msg);
	}
	if (tb->mark_count > 8)
		buf_printf(&msg, "  and %zu more\n", tb->mark_count - 8);
	buf_printf(&msg, "%s", ask->closing);
	text = buf_take(&msg);
	if (!text) {
		tui_batch_free(b);
		tui_flash(t, TUI_FLASH_ERROR, "out of memory");
		return;
	}
	c.message = text;
	if (tui_confirm(t, &c, &err) != ST_OK)
		tui_flash_error(t, &err);
	free(text);
}
