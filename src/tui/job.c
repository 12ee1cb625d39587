/* Background jobs: long core calls run on a worker thread so the console
 * keeps drawing and Esc can stop the waiting (not the work). */
#include "tui/private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/lib.h"

static void *job_main(void *arg)
{
	TuiJob *job = arg;

	runtime_cancel_bind(job->token);
	job->run(job);
	runtime_cancel_bind(NULL);
	query_worker_clear(&job->worker_app);
	pthread_mutex_lock(&job->mu);
	job->finished = true;
	pthread_mutex_unlock(&job->mu);
	return NULL;
}

Status tui_job_start(Tui *t, const char *title, TuiJobRun run, TuiJobDone done, void *arg,
		     void (*free_arg)(void *), Error *err)
{
	TuiJob *job;

	if (t->job) {
		if (free_arg)
			free_arg(arg);
		return error_set(err, ST_E_BUSY, "busy: %s is still running; wait for it first",
				 t->job->title);
	}
	job = calloc(1, sizeof *job);
	if (!job) {
		if (free_arg)
			free_arg(arg);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	snprintf(job->title, sizeof job->title, "%s", title);
	job->run = run;
	job->done = done;
	job->arg = arg;
	job->free_arg = free_arg;
	job->app = &job->worker_app;
	job->waiting = true;
	job->started_ms = time_now_ms();
	error_clear(&job->err);
	job->token = runtime_cancel_new();
	if (!job->token || query_worker_init(&job->worker_app, t->app, "tui", err) != ST_OK) {
		Status st = job->token ? err->status : error_set(err, ST_E_NOMEM, "out of memory");

		query_worker_clear(&job->worker_app);
		if (job->token)
			runtime_cancel_free(job->token);
		if (free_arg)
			free_arg(arg);
		free(job);
		return st;
	}
	pthread_mutex_init(&job->mu, NULL);
	if (pthread_create(&job->thread, NULL, job_main, job) != 0) {
		pthread_mutex_destroy(&job->mu);
		query_worker_clear(&job->worker_app);
		runtime_cancel_free(job->token);
		if (free_arg)
			free_arg(arg);
		free(job);
		return error_set(err, ST_E_FAIL, "cannot start a worker thread for %s", title);
	}
	t->job = job;
	return ST_OK;
}

void tui_job_progress(TuiJob *job, size_t count, size_t total, const char *line)
{
	pthread_mutex_lock(&job->mu);
	job->count = count;
	job->total = total;
	if (line) {
		if (job->line_count == TUI_JOB_LINES) {
			memmove(job->lines[0], job->lines[1], sizeof job->lines[0] * (TUI_JOB_LINES - 1));
			job->line_count--;
		}
		snprintf(job->lines[job->line_count++], sizeof job->lines[0], "%s", line);
	}
	pthread_mutex_unlock(&job->mu);
}

void tui_job_finish(TuiJob *job, Status st, const Error *err, const char *summary)
{
	pthread_mutex_lock(&job->mu);
	job->status = st;
	if (err)
		job->err = *err;
	snprintf(job->summary, sizeof job->summary, "%s", summary ? summary : "");
	pthread_mutex_unlock(&job->mu);
}

bool tui_job_cancelled(TuiJob *job)
{
	bool c;

	pthread_mutex_lock(&job->mu);
	c = job->cancel;
	pthread_mutex_unlock(&job->mu);
	return c;
}

bool tui_job_cancel(Tui *t)
{
	TuiJob *job = t->job;

	if (!job)
		return false;
	pthread_mutex_lock(&job->mu);
	job->cancel = true;
	pthread_mutex_unlock(&job->mu);
	job->cancelled = true;
	runtime_cancel(job->token);
	return true;
}

/* What :jobs keeps of a finished job. */
static void job_record(Tui *t, const TuiJob *job)
{
	TuiJobDoneRec *r = &t->jobs_done[t->jobs_done_count++ % TUI_JOBS_KEPT];

	memset(r, 0, sizeof *r);
	snprintf(r->title, sizeof r->title, "%s", job->title);
	r->started_ms = job->started_ms;
	r->elapsed_ms = time_now_ms() - job->started_ms;
	r->count = job->count;
	r->total = job->total;
	if (job->cancelled) {
		r->level = TUI_FLASH_WARN;
		snprintf(r->outcome, sizeof r->outcome, "cancelled: %s",
			 job->status != ST_OK ? job->err.msg : "it had finished");
	} else if (job->status != ST_OK) {
		r->level = TUI_FLASH_ERROR;
		snprintf(r->outcome, sizeof r->outcome, "%s", job->err.msg);
	} else {
		r->level = TUI_FLASH_OK;
		snprintf(r->outcome, sizeof r->outcome, "%s",
			 job->summary[0] ? job->summary : "done");
	}
}

static void job_free(TuiJob *job)
{
	runtime_cancel_free(job->token);
	pthread_mutex_destroy(&job->mu);
	if (job->free_arg)
		job->free_arg(job->arg);
	free(job);
}

void tui_job_poll(Tui *t)
{
	TuiJob *job = t->job;
	bool finished;

	if (!job)
		return;
	pthread_mutex_lock(&job->mu);
	finished = job->finished;
	pthread_mutex_unlock(&job->mu);
	if (!finished)
		return;
	pthread_join(job->thread, NULL);
	t->job = NULL;
	job_record(t, job);
	if (job->done)
		job->done(t, job);
	else if (job->status != ST_OK)
		tui_flash_error(t, &job->err);
	else
		tui_flash(t, TUI_FLASH_OK, "%s", job->summary[0] ? job->summary : job->title);
	job_free(job);
	/* Whatever the job changed, every open view shows it now. */
	tui_reload_all(t);
}

void tui_job_draw(Tui *t)
{
	TuiJob *job = t->job;
	TuiScreen *s = &t->scr;
	int w = COLS - 8 < 70 ? COLS - 8 : 70, h = 6 + TUI_JOB_LINES;
	int y = (LINES - h) / 2, x = (COLS - w) / 2, bar_w, fill;
	char pct[64];
	size_t count, total;

	if (w < 20 || h > LINES - 2)
		return;
	pthread_mutex_lock(&job->mu);
	count = job->count;
	total = job->total;
	for (int i = 0; i < h; i++)
		tui_screen_fill(s, y + i, x, w, TONE_NORMAL);
	tui_screen_box(s, y, x, h, w, job->title);
	for (int i = 0; i < job->line_count; i++)
		tui_screen_text(s, y + 3 + i, x + 2, w - 4, TONE_NORMAL, false, job->lines[i]);
	pthread_mutex_unlock(&job->mu);
	if (total)
		snprintf(pct, sizeof pct, " %zu/%zu", count, total);
	else
		snprintf(pct, sizeof pct, " %llds",
			 (long long)((time_now_ms() - job->started_ms) / 1000));
	bar_w = w - 4 - tui_screen_width(s, pct);
	fill = total ? (int)((size_t)bar_w * count / total) : 0;
	if (!total) {
		/* No count yet: a block that walks, so the screen visibly lives. */
		int pos = (int)((time_now_ms() - job->started_ms) / 100) % (bar_w > 0 ? bar_w : 1);

		for (int i = 0; i < bar_w; i++)
			tui_screen_text(s, y + 1, x + 2 + i, 1, TONE_DIM, false,
					i >= pos && i < pos + 3 ? s->g->bar_full : s->g->bar_empty);
	} else {
		for (int i = 0; i < bar_w; i++)
			tui_screen_text(s, y + 1, x + 2 + i, 1, i < fill ? TONE_OK : TONE_DIM, false,
					i < fill ? s->g->bar_full : s->g->bar_empty);
	}
	tui_screen_text(s, y + 1, x + 2 + bar_w, w - 4 - bar_w, TONE_NORMAL, false, pct);
	tui_screen_text(s, y + h - 2, x + 2, w - 4, TONE_DIM, false,
			"Esc: stop waiting (the work goes on; :jobs, x cancels it)");
}

void tui_job_shutdown(Tui *t)
{
	if (!t->job)
		return;
	pthread_mutex_lock(&t->job->mu);
	t->job->cancel = true;
	pthread_mutex_unlock(&t->job->mu);
	pthread_join(t->job->thread, NULL);
	job_free(t->job);
	t->job = NULL;
}
