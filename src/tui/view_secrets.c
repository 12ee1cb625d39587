/* The secrets view: every secret with its status, version, bindings and
 * when it was last used; create, rotate, verify, disable, delete. A
 * value is never shown: only names, versions and fingerprints' verdicts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lib.h"
#include "tui/private.h"
#include "util/lib.h"

static const TuiKey secrets_keys[] = {
	{ TUI_KEY_ENTER, 0, TUI_ACT_OPEN, 0, "open",
	  "Open the secret: bindings and recent access" },
	{ 'n', 0, SEC_ACT_NEW, TUI_KEY_FOOTER | TUI_KEY_CHANGES, "new", "New secret" },
	{ 'r', 0, SEC_ACT_ROTATE, TUI_KEY_FOOTER | TUI_KEY_CHANGES, "rotate",
	  "Rotate: type a new value, it becomes the current version" },
	{ 'v', 0, SEC_ACT_VERIFY, TUI_KEY_FOOTER, "verify",
	  "Verify a typed value against the current version (nothing is stored)" },
	{ 'd', 0, SEC_ACT_DISABLE, TUI_KEY_CHANGES, "disable",
	  "Disable the secret (again: enable it); a disabled secret does not resolve" },
	{ 'D', TUI_FN(KEY_DC), SEC_ACT_DELETE, TUI_KEY_FOOTER | TUI_KEY_CHANGES, "delete",
	  "Delete the secret (asks first; refused while bound)" },
	{ 0, 0, 0, 0, NULL, NULL },
};

static const TuiColumn secrets_cols[] = {
	{ "NAME", 16, 2, false, false },
	{ "STATUS", 8, 0, false, false },
	{ "VER", 4, 0, true, false },
	{ "BOUND TO", 12, 2, false, false },
	{ "USED", 5, 0, true, false },
	{ "ROTATED", 7, 0, true, false },
	{ "ORIGIN", 11, 0, false, false },
};

typedef struct SecretsState {
	TuiTable table;
	TuiRowSet all;
	char error[512];
} SecretsState;

static void secrets_age(Tui *t, TuiRow *row, size_t col, const char *iso)
{
	char age[16];

	if (!iso || !iso[0]) {
		tui_row_set(row, col, "-", TONE_DIM);
		tui_row_set_key(row, col, "");
		return;
	}
	time_age(iso, tui_now(t), age, sizeof age);
	tui_row_set(row, col, age, TONE_NORMAL);
	tui_row_set_key(row, col, iso);
}

/* Empties a secrets list's rows for a reload and reads the secrets (not
 * the deleted) into list; false, with error set, when that failed. */
bool tui_secrets_fetch(Tui *t, TuiTable *table, TuiRowSet *all, StoreSecretList *list,
		       char *error, size_t n)
{
	Error err;

	tui_rows_empty(all);
	tui_table_invalidate(table);
	error_clear(&err);
	if (secrets_list(t->app, false, list, &err) != ST_OK) {
		snprintf(error, n, "%s", error_text(&err));
		return false;
	}
	error[0] = 0;
	return true;
}

static void secrets_load(Tui *t, SecretsState *st)
{
	StoreSecretList list = { 0 };

	if (!tui_secrets_fetch(t, &st->table, &st->all, &list, st->error, sizeof st->error))
		return;
	for (size_t i = 0; i < list.count; i++) {
		const StoreSecret *s = &list.items[i];
		TuiRow *row = tui_rows_add(&st->all, s->id);
		char buf[400];

		if (!row)
			break;
		tui_row_set(row, 0, s->name, TONE_NORMAL);
		tui_row_set(row, 1, s->status, secret_status_is(s->status, SECRET_ACTIVE) ? TONE_NORMAL : TONE_WARN);
		snprintf(buf, sizeof buf, "%ld", s->current_version);
		tui_row_set(row, 2, buf, TONE_NORMAL);
		if (!s->bindings.count) {
			tui_row_set(row, 3, "-", TONE_DIM);
		} else {
			const StoreBinding *b = &s->bindings.items[0];

			snprintf(buf, sizeof buf, "%s %s%s", b->target_name ? b->target_name : b->target_id,
				 b->config_path, s->bindings.count > 1 ? " +more" : "");
			tui_row_set(row, 3, buf, TONE_NORMAL);
		}
		secrets_age(t, row, 4, s->last_resolved_at);
		secrets_age(t, row, 5, s->last_rotated_at);
		tui_row_set(row, 6, s->origin ? s->origin : "", TONE_DIM);
	}
	store_secret_list_clear(&list);
}

static Status secrets_open(Tui *t, TuiView *v, const void *arg, Error *err)
{
	SecretsState *st = calloc(1, sizeof *st);

	if (!st)
		return error_set(err, ST_E_NOMEM, "out of memory");
	tui_table_init(&st->table, secrets_cols, sizeof secrets_cols / sizeof secrets_cols[0],
		       tui_table_mem_fetch, &st->all);
	st->table.filter = v->filter;
	v->state = st;
	v->table = &st->table;
	snprintf(v->title, sizeof v->title, "Secrets");
	secrets_load(t, st);
	return ST_OK;
}

static void secrets_close(Tui *t, TuiView *v)
{
	SecretsState *st = v->state;

	tui_table_clear(&st->table);
	tui_rows_clear(&st->all);
	free(st);
}

static void secrets_draw(Tui *t, TuiView *v, int y, int x, int h, int w)
{
	SecretsState *st = v->state;

	if (st->error[0]) {
		tui_screen_box(&t->scr, y, x, h, w, "Secrets");
		tui_screen_text(&t->scr, y + 1, x + 2, w - 4, TONE_ERROR, false, st->error);
		return;
	}
	st->table.empty = "no secrets yet: n creates one, and saving an environment with a "
			   "secret field makes one";
	tui_table_draw(&st->table, &t->scr, y + 1, x + 1, h - 2, w - 2);
	tui_frame(t, v, y, x, h, w, "Secrets");
}

typedef struct SecAct {
	int op;
	char id[UUID_STR_LEN + 8];
	char name[256];
	char status[16];
} SecAct;

static void sec_act_run(TuiJob *job)
{
	SecAct *a = job->arg;
	Error err;
	Status st = ST_OK;
	char summary[400] = "";

	error_clear(&err);
	if (a->op == SEC_ACT_DISABLE) {
		st = secrets_set_status(job->app, a->id, a->status, &err);
		snprintf(summary, sizeof summary, "secret %s is %s", a->name, a->status);
	} else if (a->op == SEC_ACT_DELETE) {
		st = secrets_delete(job->app, a->id, false, &err);
		snprintf(summary, sizeof summary, "deleted secret %s", a->name);
	}
	tui_job_finish(job, st, &err, summary);
}

static void sec_act_start(Tui *t, void *arg)
{
	SecAct *a = malloc(sizeof *a);
	Error err;

	if (!a) {
		tui_flash(t, TUI_FLASH_ERROR, "out of memory");
		return;
	}
	*a = *(SecAct *)arg;
	error_clear(&err);
	if (tui_job_start(t, a->op == SEC_ACT_DELETE ? "deleting the secret" : "updating the secret",
			  sec_act_run, NULL, a, free, &err) != ST_OK)
		tui_flash_error(t, &err);
}

bool tui_secret_action(Tui *t, int action, const char *id)
{
	StoreSecret sec = { 0 };
	Error err;
	SecAct a = { 0 };
	char arg[UUID_STR_LEN + 32];

	error_clear(&err);
	switch (action) {
	case SEC_ACT_NEW:
		if (tui_push(t, &tui_view_form, "secret-new", &err) != ST_OK)
			tui_flash_error(t, &err);
		return true;
	case SEC_ACT_ROTATE:
	case SEC_ACT_VERIFY:
		snprintf(arg, sizeof arg, "%s:%s",
			 action == SEC_ACT_ROTATE ? "secret-rotate" : "secret-verify", id);
		if (tui_push(t, &tui_view_form, arg, &err) != ST_OK)
			tui_flash_error(t, &err);
		return true;
	case SEC_ACT_DISABLE:
	case SEC_ACT_DELETE:
		if (secrets_get(t->app, id, &sec, &err) != ST_OK) {
			tui_flash_error(t, &err);
			return true;
		}
		a.op = action;
		snprintf(a.id, sizeof a.id, "%s", sec.id);
		snprintf(a.name, sizeof a.name, "%s", sec.name);
		/* The status it toggles to. */
		snprintf(a.status, sizeof a.status, "%s",
			 secret_status_text(secret_status_is(sec.status, SECRET_ACTIVE)
						    ? SECRET_DISABLED
						    : SECRET_ACTIVE));
		if (action == SEC_ACT_DISABLE &&
		    (!secret_status_is(sec.status, SECRET_ACTIVE) || !sec.bindings.count)) {
			/* Enabling, or disabling what nothing uses: nothing breaks. */
			sec_act_start(t, &a);
		} else if (action == SEC_ACT_DISABLE) {
			char msg[900];
			Buf users = BUF_INIT;
			SecAct *copy = malloc(sizeof *copy);
			TuiConfirm c = { "Disable secret", msg, "Disable", sec_act_start, copy, free };

			if (!copy) {
				store_secret_clear(&sec);
				tui_flash(t, TUI_FLASH_ERROR, "out of memory");
				return true;
			}
			*copy = a;
			for (size_t i = 0; i < sec.bindings.count && i < 6; i++) {
				const StoreBinding *b = &sec.bindings.items[i];

				buf_printf(&users, "%s%s%s", i ? ", " : "",
					   b->target_name ? b->target_name : b->target_id,
					   b->config_path ? b->config_path : "");
			}
			if (sec.bindings.count > 6)
				buf_printf(&users, " and %zu more", sec.bindings.count - 6);
			snprintf(msg, sizeof msg,
				 "Disable secret \"%s\"? It is used by %s; their probes, acquires "
				 "and commands fail until it is enabled again (d).",
				 sec.name, users.data ? users.data : "?");
			buf_clear(&users);
			if (tui_confirm(t, &c, &err) != ST_OK)
				tui_flash_error(t, &err);
		} else {
			char msg[700];
			SecAct *copy = malloc(sizeof *copy);
			TuiConfirm c = { "Delete secret", msg, "Delete", sec_act_start, copy, free };

			if (!copy) {
				store_secret_clear(&sec);
				tui_flash(t, TUI_FLASH_ERROR, "out of memory");
				return true;
			}
			*copy = a;
			snprintf(msg, sizeof msg,
				 "Delete secret \"%s\"? Every version is destroyed; nothing can "
				 "resolve it again.%s",
				 sec.name,
				 sec.bindings.count ? " It is still bound, so the delete will be "
						      "refused until its environments stop using it."
						    : "");
			if (tui_confirm(t, &c, &err) != ST_OK)
				tui_flash_error(t, &err);
		}
		store_secret_clear(&sec);
		return true;
	default:
		return false;
	}
}

static bool secrets_action(Tui *t, TuiView *v, int action)
{
	SecretsState *st = v->state;
	const TuiRow *row = tui_table_selected(&st->table);
	Error err;

	error_clear(&err);
	if (action == SEC_ACT_NEW)
		return tui_secret_action(t, action, NULL);
	if (!row) {
		tui_flash(t, TUI_FLASH_INFO, "no secret selected");
		return true;
	}
	if (action == TUI_ACT_OPEN) {
		if (tui_push(t, &tui_view_secret, row->id, &err) != ST_OK)
			tui_flash_error(t, &err);
		return true;
	}
	return tui_secret_action(t, action, row->id);
}

static bool secrets_enabled(Tui *t, TuiView *v, int action)
{
	SecretsState *st = v->state;

	return action == SEC_ACT_NEW || st->table.total > 0;
}

static void secrets_reload(Tui *t, TuiView *v, bool live)
{
	secrets_load(t, v->state);
}

/* The item's JSON for `y`, as `secret show --json` prints it (list and detail). */
cJSON *tui_secret_json(Tui *t, const char *id, Error *err)
{
	StoreSecret sec;
	cJSON *o;

	if (secrets_get(t->app, id, &sec, err) != ST_OK)
		return NULL;
	o = describe_secret(&sec);
	store_secret_clear(&sec);
	return o;
}

static cJSON *secrets_describe(Tui *t, TuiView *v, Error *err)
{
	const TuiRow *row = tui_table_selected(v->table);

	return row && row->id ? tui_secret_json(t, row->id, err) : NULL;
}

const TuiViewOps tui_view_secrets = {
	.name = "secrets",
	.alias = "sec",
	.keys = secrets_keys,
	.top_level = true,
	.filterable = true,
	.min_w = 60,
	.min_h = 12,
	.open = secrets_open,
	.close = secrets_close,
	.draw = secrets_draw,
	.action = secrets_action,
	.reload = secrets_reload,
	.enabled = secrets_enabled,
	.describe = secrets_describe,
};
