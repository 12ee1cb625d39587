/* The secrets view: every secret with its status, version, bindings and
 * when it was last used; create, rotate, verify, disable, delete. A
 * value is never shown: only names, versions and fingerprints' verdicts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lib.h"
#include "tui/private.h"
#include "util/lib.h"

enum {
	SEC_ACT_NEW = TUI_ACT_VIEW,
	SEC_ACT_ROTATE,
	SEC_ACT_VERIFY,
	SEC_ACT_DISABLE,
	SEC_ACT_DELETE,
};

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

static void secrets_load(Tui *t, SecretsState *st)
{
	StoreSecretList list = { 0 };
	Error err;

	tui_rows_clear(&st->all);
	tui_table_invalidate(&st->table);
	error_clear(&err);
	if (secrets_list(t->app, false, &list, &err) != ST_OK) {
		snprintf(st->error, sizeof st->error, "%s", error_text(&err));
		return;
	}
	st->error[0] = 0;
	for (size_t i = 0; i < list.count; i++) {
		const StoreSecret *s = &list.items[i];
		TuiRow *row = tui_rows_add(&st->all, s->id);
		char buf[400];

		if (!row)
			break;
		tui_row_set(row, 0, s->name, TONE_NORMAL);
		tui_row_set(row, 1, s->status, strcmp(s->status, "active") ? TONE_WARN : TONE_NORMAL);
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
	store_secret_list_free(&list);
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

	tui_table_free(&st->table);
	tui_rows_free(&st->all);
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

static bool secrets_common(Tui *t, int action, const char *id)
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
		snprintf(a.status, sizeof a.status, "%s",
			 strcmp(sec.status, "active") ? "active" : "disabled");
		if (action == SEC_ACT_DISABLE &&
		    (strcmp(sec.status, "active") || !sec.bindings.count)) {
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
			buf_free(&users);
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
		return secrets_common(t, action, NULL);
	if (!row) {
		tui_flash(t, TUI_FLASH_INFO, "no secret selected");
		return true;
	}
	if (action == TUI_ACT_OPEN) {
		if (tui_push(t, &tui_view_secret, row->id, &err) != ST_OK)
			tui_flash_error(t, &err);
		return true;
	}
	return secrets_common(t, action, row->id);
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

static cJSON *secrets_describe(Tui *t, TuiView *v, Error *err)
{
	const TuiRow *row = tui_table_selected(v->table);
	StoreSecret sec;
	cJSON *o;

	if (!row || !row->id || secrets_get(t->app, row->id, &sec, err) != ST_OK)
		return NULL;
	o = describe_secret(&sec);
	store_secret_clear(&sec);
	return o;
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

/* ------------------------------------------------------------ detail */

static const TuiKey secret_keys[] = {
	{ 'r', 0, SEC_ACT_ROTATE, TUI_KEY_FOOTER | TUI_KEY_CHANGES, "rotate",
	  "Rotate: type a new value, it becomes the current version" },
	{ 'v', 0, SEC_ACT_VERIFY, TUI_KEY_FOOTER, "verify",
	  "Verify a typed value against the current version (nothing is stored)" },
	{ 'd', 0, SEC_ACT_DISABLE, TUI_KEY_CHANGES, "disable",
	  "Disable the secret (again: enable it)" },
	{ 'D', TUI_FN(KEY_DC), SEC_ACT_DELETE, TUI_KEY_FOOTER | TUI_KEY_CHANGES, "delete",
	  "Delete the secret (asks first)" },
	{ 0, 0, 0, 0, NULL, NULL },
};

static const TuiColumn secret_cols[] = {
	{ "FIELD", 18, 0, false, false },
	{ "VALUE", 20, 1, false, false },
};

typedef struct SecretState {
	TuiTable table;
	TuiRowSet all;
	char id[UUID_STR_LEN + 8];
	char name[256];
} SecretState;

static void secret_load(Tui *t, SecretState *st)
{
	StoreSecret sec = { 0 };
	StoreAccessEventList ev = { 0 };
	Error err;
	char buf[600], age[16];

	tui_rows_clear(&st->all);
	tui_table_invalidate(&st->table);
	error_clear(&err);
	if (secrets_get(t->app, st->id, &sec, &err) != ST_OK) {
		tui_rows_line(&st->all, "", error_text(&err), TONE_ERROR);
		return;
	}
	snprintf(st->name, sizeof st->name, "%s", sec.name);
	tui_rows_line(&st->all, "Secret", NULL, TONE_NORMAL);
	tui_rows_line(&st->all, "Name", sec.name, TONE_NORMAL);
	tui_rows_line(&st->all, "Id", sec.id, TONE_DIM);
	tui_rows_line(&st->all, "Value", "never shown: rotate it or verify a typed value", TONE_DIM);
	tui_rows_line(&st->all, "Status", sec.status, TONE_NORMAL);
	snprintf(buf, sizeof buf, "%ld (of %ld made)", sec.current_version, sec.latest_version);
	tui_rows_line(&st->all, "Current version", buf, TONE_NORMAL);
	if (sec.description && sec.description[0])
		tui_rows_wrapped(&st->all, "Description", sec.description, 60, TONE_NORMAL);
	tui_rows_line(&st->all, "Origin", sec.origin ? sec.origin : "", TONE_NORMAL);
	tui_rows_line(&st->all, "Created", sec.created_at, TONE_DIM);
	tui_rows_line(&st->all, "Last rotated", sec.last_rotated_at ? sec.last_rotated_at : "never",
		      TONE_DIM);
	tui_rows_line(&st->all, "Last used", sec.last_resolved_at ? sec.last_resolved_at : "never",
		      TONE_DIM);
	tui_rows_line(&st->all, "Bindings", NULL, TONE_NORMAL);
	if (!sec.bindings.count)
		tui_rows_line(&st->all, "", "(not bound)", TONE_DIM);
	for (size_t i = 0; i < sec.bindings.count; i++) {
		const StoreBinding *b = &sec.bindings.items[i];

		snprintf(buf, sizeof buf, "%s %s", b->target_name ? b->target_name : b->target_id,
			 b->config_path);
		tui_rows_line(&st->all, b->target_type, buf, TONE_NORMAL);
	}
	tui_rows_line(&st->all, "Recent access", NULL, TONE_NORMAL);
	if (query_secret_access(t->app, sec.id, 20, &ev, &err) == ST_OK) {
		if (!ev.count)
			tui_rows_line(&st->all, "", "(never resolved)", TONE_DIM);
		for (size_t i = 0; i < ev.count; i++) {
			const StoreAccessEvent *e = &ev.items[i];

			time_age(e->created_at, tui_now(t), age, sizeof age);
			snprintf(buf, sizeof buf, "%s v%ld %s %s%s%s%s%s", e->outcome, e->version,
				 e->consumer, e->config_path ? e->config_path : "",
				 e->error ? ": " : "", e->error ? e->error : "",
				 e->operator_name ? " by " : "",
				 e->operator_name ? e->operator_name : "");
			tui_rows_line(&st->all, age, buf,
				      strcmp(e->outcome, "success") ? TONE_ERROR : TONE_NORMAL);
		}
		store_access_event_list_free(&ev);
	} else {
		tui_rows_line(&st->all, "", error_text(&err), TONE_ERROR);
	}
	store_secret_clear(&sec);
}

static Status secret_open(Tui *t, TuiView *v, const void *arg, Error *err)
{
	SecretState *st = calloc(1, sizeof *st);

	if (!st)
		return error_set(err, ST_E_NOMEM, "out of memory");
	snprintf(st->id, sizeof st->id, "%s", (const char *)arg);
	tui_table_init(&st->table, secret_cols, 2, tui_table_mem_fetch, &st->all);
	st->table.sort_col = -1;
	st->table.fixed_order = true;
	st->table.filter = v->filter;
	v->state = st;
	v->table = &st->table;
	secret_load(t, st);
	snprintf(v->title, sizeof v->title, "%s", st->name[0] ? st->name : st->id);
	return ST_OK;
}

static void secret_close(Tui *t, TuiView *v)
{
	SecretState *st = v->state;

	tui_table_free(&st->table);
	tui_rows_free(&st->all);
	free(st);
}

static void secret_draw(Tui *t, TuiView *v, int y, int x, int h, int w)
{
	SecretState *st = v->state;
	char title[300];

	snprintf(title, sizeof title, "Secret %s", st->name);
	tui_table_draw(&st->table, &t->scr, y + 1, x + 1, h - 2, w - 2);
	tui_frame(t, v, y, x, h, w, title);
}

static bool secret_action(Tui *t, TuiView *v, int action)
{
	SecretState *st = v->state;

	if (action == TUI_ACT_OPEN)
		return true;
	return secrets_common(t, action, st->id);
}

static void secret_reload(Tui *t, TuiView *v, bool live)
{
	SecretState *st = v->state;
	size_t sel = st->table.sel;

	secret_load(t, st);
	st->table.sel = sel;
}

static const char *secret_self_id(Tui *t, TuiView *v)
{
	return ((SecretState *)v->state)->id;
}

static cJSON *secret_describe(Tui *t, TuiView *v, Error *err)
{
	StoreSecret sec;
	cJSON *o;

	if (secrets_get(t->app, secret_self_id(t, v), &sec, err) != ST_OK)
		return NULL;
	o = describe_secret(&sec);
	store_secret_clear(&sec);
	return o;
}

const TuiViewOps tui_view_secret = {
	.name = "secret",
	.keys = secret_keys,
	.filterable = true,
	.min_w = 60,
	.min_h = 12,
	.open = secret_open,
	.close = secret_close,
	.draw = secret_draw,
	.action = secret_action,
	.reload = secret_reload,
	.describe = secret_describe,
	.self_id = secret_self_id,
};

/* ------------------------------------------------------------ picker */

enum { PICK_ACT_USE = TUI_ACT_VIEW + 50 };

static const TuiKey pick_keys[] = {
	{ TUI_KEY_ENTER, 0, PICK_ACT_USE, TUI_KEY_FOOTER, "use",
	  "Use the secret in the field (a reference: its value is never shown)" },
	{ TUI_KEY_ESC, 0, TUI_ACT_BACK, TUI_KEY_FOOTER, "type a new value",
	  "Back to the field, to type a new value (saving makes it a new secret)" },
	{ 0, 0, 0, 0, NULL, NULL },
};

static const TuiColumn pick_cols[] = {
	{ "NAME", 16, 2, false, false },
	{ "VER", 4, 0, true, false },
	{ "BOUND TO", 16, 3, false, false },
};

typedef struct PickState {
	TuiTable table;
	TuiRowSet all;
	TuiSecretPick pick;
	char field[128];
	char error[512];
} PickState;

static void pick_load(Tui *t, PickState *st)
{
	StoreSecretList list = { 0 };
	Error err;

	tui_rows_clear(&st->all);
	tui_table_invalidate(&st->table);
	error_clear(&err);
	if (secrets_list(t->app, false, &list, &err) != ST_OK) {
		snprintf(st->error, sizeof st->error, "%s", error_text(&err));
		return;
	}
	st->error[0] = 0;
	for (size_t i = 0; i < list.count; i++) {
		const StoreSecret *s = &list.items[i];
		TuiRow *row;
		char ver[32];
		Buf b = BUF_INIT;
		char *bound;

		/* Only a secret that resolves can be chosen. */
		if (strcmp(s->status, "active") != 0 || !(row = tui_rows_add(&st->all, s->id)))
			continue;
		tui_row_set(row, 0, s->name, TONE_NORMAL);
		snprintf(ver, sizeof ver, "%ld", s->current_version);
		tui_row_set(row, 1, ver, TONE_NORMAL);
		for (size_t k = 0; k < s->bindings.count; k++) {
			const StoreBinding *bd = &s->bindings.items[k];

			buf_printf(&b, "%s%s %s", k ? ", " : "",
				   bd->target_name ? bd->target_name : bd->target_id, bd->config_path);
		}
		bound = buf_take(&b);
		tui_row_set(row, 2, bound && bound[0] ? bound : "-",
			    bound && bound[0] ? TONE_NORMAL : TONE_DIM);
		free(bound);
	}
	store_secret_list_free(&list);
}

static Status pick_open(Tui *t, TuiView *v, const void *arg, Error *err)
{
	const TuiSecretPick *p = arg;
	PickState *st = calloc(1, sizeof *st);

	if (!st)
		return error_set(err, ST_E_NOMEM, "out of memory");
	st->pick = *p;
	snprintf(st->field, sizeof st->field, "%s", p->field ? p->field : "secret");
	st->pick.field = st->field;
	tui_table_init(&st->table, pick_cols, sizeof pick_cols / sizeof pick_cols[0],
		       tui_table_mem_fetch, &st->all);
	st->table.filter = v->filter;
	st->table.empty = "no active secret yet: Esc, then type a value (a new secret is made)";
	v->state = st;
	v->table = &st->table;
	snprintf(v->title, sizeof v->title, "pick a secret");
	pick_load(t, st);
	return ST_OK;
}

static void pick_close(Tui *t, TuiView *v)
{
	PickState *st = v->state;

	tui_table_free(&st->table);
	tui_rows_free(&st->all);
	free(st);
}

static void pick_draw(Tui *t, TuiView *v, int y, int x, int h, int w)
{
	PickState *st = v->state;
	char title[200];

	snprintf(title, sizeof title, "Pick a secret for %s", st->field);
	if (st->error[0]) {
		tui_screen_box(&t->scr, y, x, h, w, title);
		tui_screen_text(&t->scr, y + 1, x + 2, w - 4, TONE_ERROR, false, st->error);
		return;
	}
	tui_table_draw(&st->table, &t->scr, y + 1, x + 1, h - 2, w - 2);
	tui_frame(t, v, y, x, h, w, title);
}

static bool pick_action(Tui *t, TuiView *v, int action)
{
	PickState *st = v->state;
	const TuiRow *row;
	TuiSecretPick p;
	char id[64], label[200];

	if (action == TUI_ACT_BACK) {
		tui_pop(t);
		return true;
	}
	if (action != PICK_ACT_USE && action != TUI_ACT_OPEN)
		return false;
	row = tui_table_selected(&st->table);
	if (!row || !row->id) {
		tui_flash(t, TUI_FLASH_INFO, "no secret selected");
		return true;
	}
	p = st->pick;
	snprintf(id, sizeof id, "%s", row->id);
	snprintf(label, sizeof label, "%s v%s", row->cells[0] ? row->cells[0] : id,
		 row->cells[1] ? row->cells[1] : "?");
	tui_pop(t); /* st goes with it */
	if (p.chosen)
		p.chosen(t, p.serial, id, label);
	return true;
}

static void pick_reload(Tui *t, TuiView *v, bool live)
{
	pick_load(t, v->state);
}

const TuiViewOps tui_view_secret_pick = {
	.name = "secret-pick",
	.keys = pick_keys,
	.filterable = true,
	.min_w = 40,
	.min_h = 8,
	.open = pick_open,
	.close = pick_close,
	.draw = pick_draw,
	.action = pick_action,
	.reload = pick_reload,
};
