/* The leases view: every lease, newest first, live. It never loads the
 * table: each draw asks the store for the window on screen (plus a screen
 * either side), so 1,000,000 leases cost what 60 do. Windows are found by
 * keyset from the edges of the last one (or from the far end for End), not
 * by OFFSET; the total comes from the store's lease counts and is reused
 * until the database changes; the live refresh asks the store's change
 * counter first and refetches only when something was written.
 * `/` filters by status, environment and provider ("active",
 * "env:web-1", "provider:fake", or several at once). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <strings.h>

#include "core/lib.h"
#include "tui/private.h"
#include "util/lib.h"

#define LEASES_NAME_CACHE 1024

static const TuiColumn leases_cols[] = {
	{ "ENVIRONMENT", 11, 1, false, true },
	/* STATUS and PROVIDER sort through the store's indexes led by them;
	 * no index leads with the policy, so it does not sort. */
	{ "STATUS", 8, 0, false, false },
	{ "POLICY", 9, 0, false, true },
	{ "PROVIDER", 8, 0, false, false },
	{ "PROVIDER LEASE ID", 16, 2, false, true },
	{ "ACQUIRED", 9, 0, true, false },
	{ "EXPIRES", 9, 0, true, true },
	/* Shown when chosen with :columns (#15). */
	{ "LEASE ID", 12, 1, false, true },
	{ "RUN ID", 10, 1, false, true },
};
#define LEASES_COL_STATUS 1
#define LEASES_COL_PROVIDER 3
#define LEASES_COL_ACQUIRED 5
#define LEASES_COL_ID 7
#define LEASES_COL_RUN 8

static const TuiKey leases_keys[] = {
	{ TUI_KEY_ENTER, 0, TUI_ACT_OPEN, 0, "open", "Open the lease" },
	TUI_LEASE_CHANGE_KEYS
	{ 'w', 0, LEASE_ACT_SWEEP, TUI_KEY_FOOTER | TUI_KEY_CHANGES, "sweep",
	  "Sweep: expire overdue leases, finish interrupted ones, retry failed cleanups" },
	TUI_LEASE_SHELL_KEY
	{ 'l', 0, LEASE_ACT_LOG, 0, "log",
	  "The lease's exec history, live: f follows, w wraps, / keeps matching lines" },
	{ ' ', 0, LEASE_ACT_MARK, 0, NULL,
	  "Mark the lease (again: unmark); r and D then act on every marked one, asking once" },
	{ 0, 0, 0, 0, NULL, NULL },
};

typedef struct LeaseAct {
	int op;
	char id[UUID_STR_LEN];
	char label[200];
} LeaseAct;

static void lease_act_run(TuiJob *job)
{
	LeaseAct *a = job->arg;
	StoreLease out = { 0 };
	Error err;
	Status st = ST_OK;
	char summary[400] = "";
	const char *actor = app_actor(job->app);

	error_clear(&err);
	switch (a->op) {
	case LEASE_ACT_RELEASE: {
		char *lacks;

		st = lease_release(job->app, a->id, lease_status_text(LEASE_RELEASED), NULL, actor,
				   &out, &err);
		lacks = st == ST_OK ? lease_cleanup_unsupported(&out) : NULL;
		if (lacks)
			snprintf(summary, sizeof summary,
				 "released %s; its provider lacks %s: nothing was cleaned up",
				 a->label, lacks);
		else
			snprintf(summary, sizeof summary, "released %s (cleanup %s)", a->label,
				 out.cleanup_status ? out.cleanup_status : "-");
		free(lacks);
		break;
	}
	case LEASE_ACT_RESUME:
		st = lease_resume(job->app, a->id, actor, &out, &err);
		snprintf(summary, sizeof summary, "resumed %s", a->label);
		break;
	case LEASE_ACT_DESTROY: {
		char *lacks;

		st = lease_destroy(job->app, a->id, actor, &out, &err);
		lacks = st == ST_OK ? lease_cleanup_unsupported(&out) : NULL;
		if (lacks)
			snprintf(summary, sizeof summary,
				 "released %s; its provider lacks %s: nothing was destroyed",
				 a->label, lacks);
		else
			snprintf(summary, sizeof summary, "destroyed %s", a->label);
		free(lacks);
		break;
	}
	case LEASE_ACT_SWEEP: {
		LeaseSweepReport rep = { 0 };

		st = lease_sweep(job->app, actor, &rep, &err);
		snprintf(summary, sizeof summary,
			 "sweep: %ld expired, %ld interrupted finished, %ld cleanups retried (%ld fixed, "
			 "%ld given up)",
			 rep.expired, rep.reconciled, rep.cleanup_retried, rep.cleanup_fixed,
			 rep.cleanup_gave_up);
		break;
	}
	default:
		break;
	}
	store_lease_clear(&out);
	tui_job_finish(job, st, &err, summary);
}

static void lease_act_start(Tui *t, void *arg)
{
	LeaseAct *a = malloc(sizeof *a);
	static const char *const titles[] = { "releasing", "resuming", "destroying", "sweeping" };
	char title[300];
	Error err;

	if (!a) {
		tui_flash(t, TUI_FLASH_ERROR, "out of memory");
		return;
	}
	*a = *(LeaseAct *)arg;
	snprintf(title, sizeof title, "%s %s", titles[a->op - LEASE_ACT_RELEASE], a->label);
	error_clear(&err);
	if (tui_job_start(t, title, lease_act_run, NULL, a, free, &err) != ST_OK)
		tui_flash_error(t, &err);
}

/* `s`: the console gives the terminal to the shell (core/lease_shell.c,
 * the same functions as `envctl lease shell`): the PTY relay when the
 * provider has an interactive shell, else the line-mode loop, whose first
 * line says why. It comes back redrawn when the shell ends. */
static void lease_shell(Tui *t, const char *id)
{
	Error err;
	Status st;

	error_clear(&err);
	if (lease_shell_check(t->app, id, &err) != ST_OK) {
		tui_flash_error(t, &err);
		return;
	}
	if (!tui_screen_suspend(&t->scr)) {
		tui_flash(t, TUI_FLASH_ERROR, "a shell needs a terminal: run envctl lease shell %s", id);
		return;
	}
	if (lease_shell_interactive(t->app, id)) {
		int code;

		st = lease_shell_pty(t->app, id, STDIN_FILENO, STDOUT_FILENO, &code, &err);
	} else {
		st = lease_shell_loop(t->app, id, stdin, stdout, &err);
	}
	clearerr(stdin);
	tui_screen_resume(&t->scr);
	if (st != ST_OK)
		tui_flash_error(t, &err);
	else
		tui_flash(t, TUI_FLASH_OK, "back from the shell in lease %s", id);
	tui_reload_all(t);
}

/* Asks before an action that loses something; Yes runs a (copied). */
static void lease_ask(Tui *t, const char *title, const char *yes, const char *msg,
		      const LeaseAct *a)
{
	LeaseAct *copy = malloc(sizeof *copy);
	TuiConfirm c = { title, msg, yes, lease_act_start, copy, free };
	Error err;

	if (!copy) {
		tui_flash(t, TUI_FLASH_ERROR, "out of memory");
		return;
	}
	*copy = *a;
	error_clear(&err);
	if (tui_confirm(t, &c, &err) != ST_OK)
		tui_flash_error(t, &err);
}

/* The lease actions the list and the detail share. */
bool tui_lease_action(Tui *t, int action, const char *id)
{
	LeaseAct a = { 0 };
	StoreLease l = { 0 };
	Error err;

	error_clear(&err);
	a.op = action;
	if (action == LEASE_ACT_SWEEP) {
		snprintf(a.label, sizeof a.label, "leases");
		lease_act_start(t, &a);
		return true;
	}
	if (action == LEASE_ACT_SHELL) {
		if (id)
			lease_shell(t, id);
		else
			tui_flash(t, TUI_FLASH_INFO, "no lease selected");
		return true;
	}
	if (action == LEASE_ACT_LOG) {
		if (!id)
			tui_flash(t, TUI_FLASH_INFO, "no lease selected");
		else if (tui_lease_log_pane(t, id, &err) != ST_OK)
			tui_flash_error(t, &err);
		return true;
	}
	if (action < LEASE_ACT_RELEASE || action > LEASE_ACT_DESTROY)
		return false;
	if (!id) {
		tui_flash(t, TUI_FLASH_INFO, "no lease selected");
		return true;
	}
	if (lease_get(t->app, id, &l, &err) != ST_OK) {
		tui_flash_error(t, &err);
		return true;
	}
	snprintf(a.id, sizeof a.id, "%s", l.id);
	snprintf(a.label, sizeof a.label, "%s", l.provider_lease_id ? l.provider_lease_id : l.id);
	if (action == LEASE_ACT_DESTROY) {
		char msg[600];

		snprintf(msg, sizeof msg,
			 "Destroy the %s sandbox %s (lease %s, %s)? The provider deletes it and "
			 "whatever it holds; a run using it will fail.",
			 l.provider, a.label, l.id, l.status);
		store_lease_clear(&l);
		lease_ask(t, "Destroy sandbox", "Destroy", msg, &a);
		return true;
	}
	if (action == LEASE_ACT_RELEASE && lease_status_is(l.status, LEASE_ACTIVE) &&
	    !lease_policy_is(l.lease_policy, POLICY_REUSE)) {
		/* Releasing a live lease the environment does not reuse has the
		 * provider delete its sandbox and workspace: that asks first,
		 * naming it. (A reused sandbox is kept: nothing is lost.) */
		char msg[700], env_name[200] = "";
		StoreEnv env = { 0 };

		if (env_get(t->app, l.environment_id, &env, &err) == ST_OK)
			snprintf(env_name, sizeof env_name, "%s", env.name);
		store_env_clear(&env);
		snprintf(msg, sizeof msg,
			 "Release the active lease %s of environment %s (%s, %s)? The provider "
			 "destroys the sandbox and deletes its workspace with whatever it holds; "
			 "a run using it will fail.",
			 a.label, env_name[0] ? env_name : l.environment_id, l.provider,
			 l.lease_policy ? l.lease_policy : lease_policy_text(POLICY_EPHEMERAL));
		store_lease_clear(&l);
		lease_ask(t, "Release lease", "Release", msg, &a);
		return true;
	}
	store_lease_clear(&l);
	lease_act_start(t, &a);
	return true;
}

/* Release or destroy every marked lease (#15): one question naming them
 * all, then one job that calls the same core action for each in turn. */
static void lease_batch_run(TuiJob *job)
{
	TuiBatch *b = job->arg;
	const char *actor = app_actor(job->app);
	const char *verb = b->op == LEASE_ACT_RELEASE ? "released" : "destroyed";
	size_t done = 0, failed = 0;
	char summary[400];
	Error err, first;

	error_clear(&first);
	for (size_t i = 0; i < b->count && !tui_job_cancelled(job); i++) {
		StoreLease out = { 0 };
		Status st;
		char line[300];

		error_clear(&err);
		st = b->op == LEASE_ACT_RELEASE
			     ? lease_release(job->app, b->ids[i], lease_status_text(LEASE_RELEASED),
					     NULL, actor, &out, &err)
			     : lease_destroy(job->app, b->ids[i], actor, &out, &err);
		if (st == ST_OK) {
			done++;
			snprintf(line, sizeof line, "%s %s", verb,
				 out.provider_lease_id ? out.provider_lease_id : b->ids[i]);
		} else {
			if (!failed++)
				error_set(&first, st, "lease %s: %s", b->ids[i], error_text(&err));
			snprintf(line, sizeof line, "failed %s: %s", b->ids[i], error_text(&err));
		}
		tui_job_progress(job, i + 1, b->count, line);
		store_lease_clear(&out);
	}
	snprintf(summary, sizeof summary, "%s %zu of %zu leases", verb, done, b->count);
	if (failed) {
		Error all;

		error_set(&all, first.status, "%s; %zu failed, first %s", summary, failed,
			  error_text(&first));
		tui_job_finish(job, all.status, &all, summary);
		return;
	}
	tui_job_finish(job, ST_OK, NULL, summary);
}

static void lease_batch_line(Tui *t, const char *id, Buf *msg)
{
	StoreLease l = { 0 };
	Error err;

	error_clear(&err);
	if (lease_get(t->app, id, &l, &err) == ST_OK)
		buf_printf(msg, "  %s (%s, %s)\n", l.provider_lease_id ? l.provider_lease_id : l.id,
			   l.status, l.provider);
	else
		buf_printf(msg, "  %s (%s)\n", id, error_text(&err));
	store_lease_clear(&l);
}

static void lease_batch_confirm(Tui *t, TuiView *v, int action)
{
	TuiBatch spec = { .op = action, .run = lease_batch_run };
	char question[100];
	TuiBatchAsk ask = {
		action == LEASE_ACT_RELEASE ? "Release leases" : "Destroy sandboxes",
		action == LEASE_ACT_RELEASE ? "Release all" : "Destroy all",
		question,
		lease_batch_line,
		action == LEASE_ACT_RELEASE
			? "The provider destroys each sandbox the environment does not reuse, "
			  "with its workspace; a run using one will fail."
			: "The provider deletes each and whatever it holds; a run using one will "
			  "fail.",
	};
	Store *s;
	Error err;

	error_clear(&err);
	if (app_store(t->app, &s, &err) != ST_OK) {
		tui_flash_error(t, &err);
		return;
	}
	snprintf(spec.title, sizeof spec.title, "%s %zu leases",
		 action == LEASE_ACT_RELEASE ? "releasing" : "destroying", v->table->mark_count);
	snprintf(question, sizeof question, "%s these %zu leases?",
		 action == LEASE_ACT_RELEASE ? "Release" : "Destroy the sandboxes of",
		 v->table->mark_count);
	tui_batch_confirm(t, v, &spec, &ask);
}

typedef struct NameCache {
	char id[UUID_STR_LEN];
	char *name;
} NameCache;

/* Where a window edge is in list order: its position and its key. */
typedef struct LeasesAnchor {
	size_t pos;
	char acquired_at[TIME_STR_LEN];
	char id[UUID_STR_LEN];
	char key[128]; /* its status or provider, when the list is sorted by one */
} LeasesAnchor;

/* The furthest a keyset seek may skip rows before a window is found from
 * an end instead (positions far from both edges: a mouse click deep in). */
#define LEASES_SKIP_MAX 2000
/* Unchanged data is refetched this often anyway: the ages move on. */
#define LEASES_AGE_REFRESH_MS 15000

typedef struct LeasesState {
	Tui *t;
	TuiTable table;
	/* What the anchors and the total belong to: filter text, order, fixed
	 * environment, and the change counter when the total was read. */
	char sig[TUI_FILTER_MAX + 80];
	bool anchored;
	LeasesAnchor first, last;
	bool counted;
	size_t total;
	int64_t counted_at;
	int64_t fetched_at; /* change counter at the last fetch */
	int64_t fetched_ms; /* when (the ages on screen date from then) */
	NameCache names[LEASES_NAME_CACHE];
	size_t name_count;
	char env_id[UUID_STR_LEN]; /* fixed environment (opened from one), or "" */
	char env_name[200];
	char filter_error[300];
} LeasesState;

static const char *leases_env_name(LeasesState *st, const char *id)
{
	StoreEnv env = { 0 };
	Error err;

	for (size_t i = 0; i < st->name_count; i++)
		if (!strcmp(st->names[i].id, id))
			return st->names[i].name;
	if (st->name_count == LEASES_NAME_CACHE) {
		/* Bounded by the number of environments shown, not of leases. */
		for (size_t i = 0; i < st->name_count; i++)
			free(st->names[i].name);
		st->name_count = 0;
	}
	if (env_get(st->t->app, id, &env, &err) != ST_OK)
		return id;
	snprintf(st->names[st->name_count].id, UUID_STR_LEN, "%s", id);
	st->names[st->name_count].name = strdup(env.name);
	store_env_clear(&env);
	if (!st->names[st->name_count].name)
		return id;
	return st->names[st->name_count++].name;
}

static void leases_env_title(LeasesState *st)
{
	Store *s;
	Error err;

	if (st->env_name[0] || app_store(st->t->app, &s, &err) != ST_OK)
		return;
	snprintf(st->env_name, sizeof st->env_name, "%s", leases_env_name(st, st->env_id));
}

static bool leases_is_status(const char *w)
{
	/* Any case: the filter is typed. */
	for (int i = 0; i < LEASE_STATUS__COUNT; i++)
		if (!strcasecmp(w, lease_status_text((LeaseStatus)i)))
			return true;
	return false;
}

/* Turns the `/` text into a store filter. Words: a status, a provider
 * key, an environment name, or key:value with status/env/provider. */
static Status leases_parse_filter(LeasesState *st, const char *text,
				  StoreLeaseFilter *f, char *status, char *env_id, char *provider,
				  Error *err)
{
	char buf[TUI_FILTER_MAX], *save = NULL;

	snprintf(buf, sizeof buf, "%s", text ? text : "");
	for (char *w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		const char *val = w;
		enum { K_ANY, K_STATUS, K_ENV, K_PROVIDER } k = K_ANY;

		if (!strncasecmp(w, "status:", 7))
			k = K_STATUS, val = w + 7;
		else if (!strncasecmp(w, "env:", 4))
			k = K_ENV, val = w + 4;
		else if (!strncasecmp(w, "provider:", 9))
			k = K_PROVIDER, val = w + 9;
		if (k == K_ANY)
			k = leases_is_status(val) ? K_STATUS
			    : registry_find(&st->t->app->registry, val) ? K_PROVIDER
									 : K_ENV;
		if (k == K_STATUS) {
			if (!leases_is_status(val))
				return error_set(err, ST_E_INVALID,
						 "\"%s\" is not a lease status (active, released, "
						 "expired, failed, retained)",
						 val);
			snprintf(status, 16, "%s", val);
			for (char *p = status; *p; p++)
				*p = (char)(*p | 0x20);
			f->status = status;
		} else if (k == K_PROVIDER) {
			snprintf(provider, 128, "%s", val);
			f->provider = provider;
		} else {
			StoreEnv env = { 0 };

			if (env_get(st->t->app, val, &env, err) != ST_OK)
				return error_set(err, ST_E_NOT_FOUND,
						 "no environment named \"%s\" (filter words: a status, "
						 "a provider, an environment, or status:/env:/provider:)",
						 val);
			snprintf(env_id, UUID_STR_LEN, "%s", env.id);
			store_env_clear(&env);
			f->environment_id = env_id;
		}
	}
	return ST_OK;
}

typedef struct LeasesFetch {
	LeasesState *st;
	TuiRowSet *out;
	/* The first and last rows seen, in the order the store gave them. */
	size_t seen;
	LeasesAnchor head, tail;
	StoreLeaseSort sort;
} LeasesFetch;

static void leases_anchor_set(LeasesAnchor *a, const StoreLease *l, StoreLeaseSort sort)
{
	const char *key = sort == STORE_LEASE_SORT_STATUS     ? l->status
			  : sort == STORE_LEASE_SORT_PROVIDER ? l->provider
							      : NULL;

	snprintf(a->acquired_at, sizeof a->acquired_at, "%s", l->acquired_at ? l->acquired_at : "");
	snprintf(a->id, sizeof a->id, "%s", l->id);
	snprintf(a->key, sizeof a->key, "%s", key ? key : "");
}

/* The filter's keyset: rows after a in list order. */
static void leases_after(StoreLeaseFilter *f, const LeasesAnchor *a)
{
	f->after_acquired_at = a->acquired_at;
	f->after_id = a->id;
	f->after_key = a->key;
}

/* The list order backwards (windows found from the far end). */
static void leases_flip(StoreLeaseFilter *f)
{
	f->oldest_first = !f->oldest_first;
	f->sort_desc = !f->sort_desc;
}

static bool leases_row(const StoreLease *l, void *ctx)
{
	LeasesFetch *c = ctx;
	TuiRow *row = tui_rows_add(c->out, l->id);
	int64_t now = tui_now(c->st->t);
	char age[16];
	TuiTone tone = lease_status_is(l->status, LEASE_ACTIVE)     ? TONE_OK
		       : lease_status_is(l->status, LEASE_FAILED)   ? TONE_ERROR
		       : lease_status_is(l->status, LEASE_RETAINED) ? TONE_WARN
							: TONE_DIM;

	if (!row)
		return false;
	if (c->seen++ == 0)
		leases_anchor_set(&c->head, l, c->sort);
	leases_anchor_set(&c->tail, l, c->sort);
	tui_row_set(row, 0, leases_env_name(c->st, l->environment_id), TONE_NORMAL);
	tui_row_set(row, 1, l->status, tone);
	/* Short in the list; the detail spells the policy out. */
	tui_row_set(row, 2,
		    lease_policy_is(l->lease_policy, POLICY_REUSE) ? "reuse"
		    : lease_policy_is(l->lease_policy, POLICY_RETAIN) ? "retain"
								     : l->lease_policy,
		    TONE_NORMAL);
	tui_row_set(row, 3, l->provider, TONE_NORMAL);
	tui_row_set(row, 4, l->provider_lease_id ? l->provider_lease_id : "-",
		    l->provider_lease_id ? TONE_NORMAL : TONE_DIM);
	time_age(l->acquired_at, now, age, sizeof age);
	tui_row_set(row, 5, age, TONE_NORMAL);
	if (l->expires_at && l->expires_at[0]) {
		int64_t e = time_parse_iso(l->expires_at);
		char buf[32];

		if (e >= now) {
			/* time_age counts from a past time: mirror it for the future. */
			char mirror[TIME_STR_LEN];

			time_format_ms(now - (e - now), mirror);
			time_age(mirror, now, age, sizeof age);
			snprintf(buf, sizeof buf, "in %s", age);
			tui_row_set(row, 6, buf, TONE_NORMAL);
		} else {
			time_age(l->expires_at, now, age, sizeof age);
			snprintf(buf, sizeof buf, "%s ago", age);
			tui_row_set(row, 6, buf, lease_status_is(l->status, LEASE_ACTIVE) ? TONE_WARN : TONE_DIM);
		}
	} else {
		tui_row_set(row, 6, "-", TONE_DIM);
	}
	tui_row_set(row, LEASES_COL_ID, l->id, TONE_NORMAL);
	tui_row_set(row, LEASES_COL_RUN, l->heartbeat_run_id ? l->heartbeat_run_id : "-",
		    l->heartbeat_run_id ? TONE_NORMAL : TONE_DIM);
	return true;
}

/* Streams rows into out through the filter; reversed when the store was
 * asked in the opposite order (windows found from the far end). */
static Status leases_stream(LeasesFetch *c, const StoreLeaseFilter *f, bool reversed,
			    Error *err)
{
	size_t from = c->out->count;

	if (lease_each(c->st->t->app, f, leases_row, c, err) != ST_OK)
		return err->status;
	if (reversed) {
		LeasesAnchor tmp = c->head;

		for (size_t i = from, j = c->out->count; j > 0 && i < j - 1; i++, j--) {
			TuiRow r = c->out->rows[i];

			c->out->rows[i] = c->out->rows[j - 1];
			c->out->rows[j - 1] = r;
		}
		c->head = c->tail;
		c->tail = tmp;
	}
	return ST_OK;
}

/* The row just before position pos in list order, found by a short keyset
 * seek backwards from the first anchor: *key gets it. */
static Status leases_seek_back(LeasesFetch *c, const StoreLeaseFilter *base, size_t pos,
			       LeasesAnchor *key, bool *found, Error *err)
{
	StoreLeaseFilter f = *base;
	LeasesFetch probe = *c;
	TuiRowSet scratch = { 0 };
	Status st;

	leases_flip(&f);
	leases_after(&f, &c->st->first);
	f.offset = (long)(c->st->first.pos - pos);
	f.limit = 1;
	probe.out = &scratch;
	probe.seen = 0;
	st = lease_each(c->st->t->app, &f, leases_row, &probe, err);
	*found = st == ST_OK && probe.seen == 1;
	if (*found)
		*key = probe.head;
	tui_rows_clear(&scratch);
	return st;
}

static Status leases_fetch(void *ctx, const TuiTableQuery *q, TuiRowSet *out, size_t *total,
			   Error *err)
{
	LeasesState *st = ctx;
	StoreLeaseFilter f = { 0 };
	char status[16], env_id[UUID_STR_LEN], provider[128], sig[sizeof st->sig];
	LeasesFetch c = { st, out, 0, { 0 }, { 0 }, STORE_LEASE_SORT_ACQUIRED };
	LeasesAnchor back;
	Store *s;
	int64_t version = 0;
	size_t offset = q->offset, limit = q->limit, n;
	bool reversed = false, found = false;

	if (app_store(st->t->app, &s, err) != ST_OK)
		return err->status;
	st->filter_error[0] = 0;
	if (leases_parse_filter(st, q->filter, &f, status, env_id, provider, err) != ST_OK) {
		snprintf(st->filter_error, sizeof st->filter_error, "%s", error_text(err));
		*total = 0;
		st->anchored = st->counted = false;
		return ST_OK;
	}
	if (st->env_id[0])
		f.environment_id = st->env_id;
	if (q->sort_col == LEASES_COL_STATUS || q->sort_col == LEASES_COL_PROVIDER) {
		/* Within one status or provider: newest first, either way. */
		f.sort = q->sort_col == LEASES_COL_STATUS ? STORE_LEASE_SORT_STATUS
							   : STORE_LEASE_SORT_PROVIDER;
		f.sort_desc = q->sort_desc;
	} else {
		f.oldest_first = !q->sort_desc;
	}
	c.sort = f.sort;
	snprintf(sig, sizeof sig, "%s|%d|%d|%s", q->filter ? q->filter : "", (int)f.sort,
		 q->sort_desc, st->env_id);
	if (strcmp(sig, st->sig) != 0) {
		snprintf(st->sig, sizeof st->sig, "%s", sig);
		st->anchored = st->counted = false;
	}
	if (query_change_counter(st->t->app, &version, err) != ST_OK)
		return err->status;
	st->fetched_at = version;
	st->fetched_ms = time_now_ms();
	if (!st->counted || st->counted_at != version) {
		long count = 0;

		if (query_lease_count(st->t->app, &f, &count, err) != ST_OK)
			return err->status;
		st->total = (size_t)count;
		st->counted_at = version;
		st->counted = true;
	}
	n = st->total;
	*total = n;
	if (offset >= n)
		return ST_OK;
	f.limit = (long)limit;
	if (offset == 0) {
		/* the first window: straight from the index */
	} else if (st->anchored && offset > st->last.pos && offset - st->last.pos <= LEASES_SKIP_MAX) {
		leases_after(&f, &st->last);
		f.offset = (long)(offset - st->last.pos - 1);
	} else if (st->anchored && offset > st->first.pos &&
		   offset - st->first.pos <= LEASES_SKIP_MAX) {
		leases_after(&f, &st->first);
		f.offset = (long)(offset - st->first.pos - 1);
	} else if (st->anchored && offset <= st->first.pos &&
		   st->first.pos - offset <= LEASES_SKIP_MAX) {
		if (leases_seek_back(&c, &f, offset, &back, &found, err) != ST_OK)
			return err->status;
		if (found) {
			/* back is the row at offset - 1: the window starts after it. */
			leases_after(&f, &back);
		} else {
			f.offset = (long)offset; /* rows went away meanwhile */
		}
	} else if (n - offset < offset) {
		/* Nearer the end (End, G): read the far end in reverse. */
		size_t want = n - offset < limit ? n - offset : limit;

		leases_flip(&f);
		f.offset = (long)(n - offset - want);
		f.limit = (long)want;
		reversed = true;
	} else {
		f.offset = (long)offset;
	}
	if (leases_stream(&c, &f, reversed, err) != ST_OK)
		return err->status;
	if (c.seen == 0) {
		st->anchored = false;
		return ST_OK;
	}
	st->first = c.head;
	st->first.pos = offset;
	st->last = c.tail;
	st->last.pos = offset + c.seen - 1;
	st->anchored = true;
	return ST_OK;
}

static Status leases_open(Tui *t, TuiView *v, const void *arg, Error *err)
{
	LeasesState *st = calloc(1, sizeof *st);

	if (!st)
		return error_set(err, ST_E_NOMEM, "out of memory");
	st->t = t;
	if (arg)
		snprintf(st->env_id, sizeof st->env_id, "%s", (const char *)arg);
	tui_table_init(&st->table, leases_cols, sizeof leases_cols / sizeof leases_cols[0],
		       leases_fetch, st);
	st->table.sort_col = LEASES_COL_ACQUIRED;
	st->table.sort_desc = true; /* newest first */
	tui_table_optional(&st->table, LEASES_COL_ID);
	tui_table_optional(&st->table, LEASES_COL_RUN);
	st->table.filter = v->filter;
	v->state = st;
	v->table = &st->table;
	snprintf(v->title, sizeof v->title, "Leases");
	return ST_OK;
}

static void leases_close(Tui *t, TuiView *v)
{
	LeasesState *st = v->state;

	for (size_t i = 0; i < st->name_count; i++)
		free(st->names[i].name);
	tui_table_clear(&st->table);
	free(st);
}

static void leases_draw(Tui *t, TuiView *v, int y, int x, int h, int w)
{
	LeasesState *st = v->state;

	char title[300];

	st->table.empty = "no leases yet: acquire one from an environment (a)";
	tui_table_draw(&st->table, &t->scr, y + 1, x + 1, h - 2, w - 2);
	if (st->filter_error[0] && h > 3)
		tui_screen_text(&t->scr, y + 2, x + 2, w - 4, TONE_ERROR, false, st->filter_error);
	/* The name, once: the row fetch above may have filled the cache
	 * already, so the title asks for it by what it lacks (#14). */
	if (st->env_id[0] && !st->env_name[0])
		leases_env_title(st);
	snprintf(title, sizeof title, "%s%s%s", st->env_id[0] ? "Leases of " : "Leases",
		 st->env_id[0] ? st->env_name : "", st->env_id[0] ? " " : "");
	tui_frame(t, v, y, x, h, w, title);
}

static bool leases_action(Tui *t, TuiView *v, int action)
{
	LeasesState *st = v->state;
	const TuiRow *row = tui_table_selected(&st->table);
	Error err;

	error_clear(&err);
	if (action == LEASE_ACT_MARK) {
		if (!tui_table_toggle_mark(&st->table))
			tui_flash(t, TUI_FLASH_INFO, "no lease selected");
		return true;
	}
	if (st->table.mark_count && (action == LEASE_ACT_RELEASE || action == LEASE_ACT_DESTROY)) {
		lease_batch_confirm(t, v, action);
		return true;
	}
	if (action == TUI_ACT_OPEN && row) {
		if (tui_push(t, &tui_view_lease, row->id, &err) != ST_OK)
			tui_flash_error(t, &err);
		return true;
	}
	return tui_lease_action(t, action, row ? row->id : NULL);
}

static bool leases_enabled(Tui *t, TuiView *v, int action)
{
	LeasesState *st = v->state;

	return action == LEASE_ACT_SWEEP || st->table.total > 0;
}

static void leases_reload(Tui *t, TuiView *v, bool live)
{
	LeasesState *st = v->state;
	const TuiRow *row;
	char id[UUID_STR_LEN] = "";
	Error err;
	int64_t version;

	/* The live refresh: nothing written since the last fetch, nothing to
	 * fetch — except now and then, so the ages shown move on. */
	error_clear(&err);
	if (live && !st->table.stale && time_now_ms() - st->fetched_ms < LEASES_AGE_REFRESH_MS &&
	    query_change_counter(t->app, &version, &err) == ST_OK && version == st->fetched_at)
		return;
	row = tui_table_selected(&st->table);
	if (row && row->id)
		snprintf(id, sizeof id, "%s", row->id);
	tui_table_invalidate(&st->table);
	/* Keep the same lease selected when it is still in the window. */
	if (id[0] && tui_table_selected(&st->table))
		tui_table_select_id(&st->table, id);
}

/* The item's JSON for `y`, as `lease show --json` prints it (list and detail). */
cJSON *tui_lease_json(Tui *t, const char *id, Error *err)
{
	StoreLease l = { 0 };
	cJSON *o;

	if (lease_get(t->app, id, &l, err) != ST_OK)
		return NULL;
	o = lease_to_json(&l);
	store_lease_clear(&l);
	return o;
}

static cJSON *leases_describe(Tui *t, TuiView *v, Error *err)
{
	const TuiRow *row = tui_table_selected(v->table);

	return row && row->id ? tui_lease_json(t, row->id, err) : NULL;
}

const TuiViewOps tui_view_leases = {
	.name = "leases",
	.alias = "lease",
	.keys = leases_keys,
	.top_level = true,
	.filterable = true,
	.min_w = 70,
	.min_h = 12,
	.open = leases_open,
	.close = leases_close,
	.draw = leases_draw,
	.action = leases_action,
	.reload = leases_reload,
	.enabled = leases_enabled,
	.describe = leases_describe,
};
