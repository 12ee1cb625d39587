/* The jobs view (#15): the background work of this console — the job
 * running now (a probe, probing all, an acquire, a release...) with its
 * progress and elapsed time, then the ones that finished, newest first.
 * `x` cancels the running one for real: its provider call is abandoned
 * (core/runtime: runtime_cancel), the console is free again at once, and
 * a lease call's intent is left for the sweep to finish. The CLI has no
 * jobs: each command is one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/private.h"
#include "util/lib.h"

enum { JOBS_ACT_CANCEL = TUI_ACT_VIEW };

static const TuiColumn jobs_cols[] = {
	{ "JOB", 24, 1, false, true },
	{ "STATE", 9, 0, false, true },
	{ "PROGRESS", 8, 0, true, true },
	{ "ELAPSED", 7, 0, true, true },
	{ "OUTCOME", 20, 3, false, true },
};

static const TuiKey jobs_keys[] = {
	{ 'x', 0, JOBS_ACT_CANCEL, TUI_KEY_FOOTER, "cancel",
	  "Cancel the running job: its provider call is abandoned, the sweep finishes a lease's" },
	{ 0, 0, 0, 0, NULL, NULL },
};

typedef struct JobsState {
	TuiTable table;
	TuiRowSet all;
} JobsState;

static void jobs_elapsed(int64_t ms, char *out, size_t n)
{
	if (ms < 0)
		ms = 0;
	if (ms < 60000)
		snprintf(out, n, "%llds", (long long)(ms / 1000));
	else
		snprintf(out, n, "%lldm%02llds", (long long)(ms / 60000),
			 (long long)(ms / 1000 % 60));
}

static void jobs_progress(size_t count, size_t total, char *out, size_t n)
{
	if (total)
		snprintf(out, n, "%zu/%zu", count, total);
	else
		snprintf(out, n, "-");
}

static void jobs_load(Tui *t, JobsState *st)
{
	char text[64], el[32];
	size_t kept = t->jobs_done_count < TUI_JOBS_KEPT ? t->jobs_done_count : TUI_JOBS_KEPT;
	TuiRow *row;

	tui_rows_empty(&st->all);
	tui_table_invalidate(&st->table);
	if (t->job && (row = tui_rows_add(&st->all, "running"))) {
		TuiJob *job = t->job;
		size_t count, total;
		char line[200] = "";

		pthread_mutex_lock(&job->mu);
		count = job->count;
		total = job->total;
		if (job->line_count)
			snprintf(line, sizeof line, "%s", job->lines[job->line_count - 1]);
		pthread_mutex_unlock(&job->mu);
		tui_row_set(row, 0, job->title, TONE_NORMAL);
		tui_row_set(row, 1, job->cancelled ? "cancelling" : "running",
			    job->cancelled ? TONE_WARN : TONE_OK);
		jobs_progress(count, total, text, sizeof text);
		tui_row_set(row, 2, text, TONE_NORMAL);
		jobs_elapsed(time_now_ms() - job->started_ms, el, sizeof el);
		tui_row_set(row, 3, el, TONE_NORMAL);
		tui_row_set(row, 4, line, TONE_DIM);
	}
	for (size_t i = 0; i < kept; i++) {
		const TuiJobDoneRec *r = &t->jobs_done[(t->jobs_done_count - 1 - i) % TUI_JOBS_KEPT];
		char id[32];

		snprintf(id, sizeof id, "done-%zu", t->jobs_done_count - i);
		if (!(row = tui_rows_add(&st->all, id)))
			break;
		tui_row_set(row, 0, r->title, TONE_NORMAL);
		tui_row_set(row, 1,
			    r->level == TUI_FLASH_OK	 ? "done"
			    : r->level == TUI_FLASH_WARN ? "cancelled"
							 : "failed",
			    r->level == TUI_FLASH_OK	 ? TONE_DIM
			    : r->level == TUI_FLASH_WARN ? TONE_WARN
							 : TONE_ERROR);
		jobs_progress(r->count, r->total, text, sizeof text);
		tui_row_set(row, 2, text, TONE_DIM);
		jobs_elapsed(r->elapsed_ms, el, sizeof el);
		tui_row_set(row, 3, el, TONE_DIM);
		tui_row_set(row, 4, r->outcome, r->level == TUI_FLASH_ERROR ? TONE_ERROR : TONE_NORMAL);
	}
}

static Status jobs_open(Tui *t, TuiView *v, const void *arg, Error *err)
{
	JobsState *st = calloc(1, sizeof *st);

	if (!st)
		return error_set(err, ST_E_NOMEM, "out of memory");
	tui_table_init(&st->table, jobs_cols, sizeof jobs_cols / sizeof jobs_cols[0],
		       tui_table_mem_fetch, &st->all);
	st->table.sort_col = -1; /* running first, then newest first */
	st->table.filter = v->filter;
	v->state = st;
	v->table = &st->table;
	snprintf(v->title, sizeof v->title, "Jobs");
	jobs_load(t, st);
	return ST_OK;
}

static void jobs_close(Tui *t, TuiView *v)
{
	JobsState *st = v->state;

	tui_table_clear(&st->table);
	tui_rows_clear(&st->all);
	free(st);
}

static void jobs_draw(Tui *t, TuiView *v, int y, int x, int h, int w)
{
	JobsState *st = v->state;

	/* Progress and elapsed time move on every frame, not only on reload. */
	jobs_load(t, st);
	st->table.empty = "no background work yet: probes, acquires and releases show here";
	tui_table_draw(&st->table, &t->scr, y + 1, x + 1, h - 2, w - 2);
	tui_frame(t, v, y, x, h, w, "Jobs");
}

static void jobs_reload(Tui *t, TuiView *v, bool live)
{
	jobs_load(t, v->state);
}

static bool jobs_enabled(Tui *t, TuiView *v, int action)
{
	return action != JOBS_ACT_CANCEL || (t->job && !t->job->cancelled);
}

static bool jobs_action(Tui *t, TuiView *v, int action)
{
	if (action != JOBS_ACT_CANCEL)
		return false;
	if (!t->job) {
		tui_flash(t, TUI_FLASH_INFO, "no job is running");
		return true;
	}
	if (t->job->cancelled) {
		tui_flash(t, TUI_FLASH_INFO, "%s is already being cancelled", t->job->title);
		return true;
	}
	tui_job_cancel(t);
	tui_flash(t, TUI_FLASH_WARN, "cancelling %s: its provider call is abandoned",
		  t->job->title);
	return true;
}

const TuiViewOps tui_view_jobs = {
	.name = "jobs",
	.alias = NULL,
	.keys = jobs_keys,
	.top_level = true,
	.filterable = true,
	.min_w = 50,
	.min_h = 10,
	.open = jobs_open,
	.close = jobs_close,
	.draw = jobs_draw,
	.reload = jobs_reload,
	.enabled = jobs_enabled,
	.action = jobs_action,
};
