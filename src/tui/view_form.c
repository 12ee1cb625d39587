/* The form screen: hosts a TuiForm as a view. Used for previewing a
 * provider's config form or any schema file (`:form FILE`), and for the
 * console's own forms (forms/). */
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/lib.h"
#include "tui/form.h"
#include "tui/private.h"
#include "util/lib.h"

enum {
	BTN_SAVE = TUI_FORM_BUTTON,
	BTN_VALIDATE,
	BTN_PROBE,
	BTN_CLOSE,
};

enum {
	FORM_ACT_SAVE = TUI_ACT_VIEW,
	FORM_ACT_CLOSE,
	FORM_ACT_FIELD_HELP,
	FORM_ACT_FILE,
	FORM_ACT_PICK,
};

typedef enum FormKind {
	FK_PREVIEW_FILE,
	FK_PREVIEW_PROVIDER,
	FK_ENV_NEW,
	FK_ENV_EDIT,
	FK_SECRET_NEW,
	FK_SECRET_ROTATE,
	FK_SECRET_VERIFY,
	FK_LEASE_ACQUIRE,
} FormKind;

typedef struct FormViewState {
	FormKind kind;
	TuiForm *form;
	cJSON *schema;  /* owned: the part drawn first */
	cJSON *schema2; /* owned: the provider's config part of an environment form */
	cJSON *stored;  /* edit: the stored config (secret ids), to spot removed keys */
	int config_part; /* which part is the provider config (-1: none) */
	char provider[128];
	char target[128]; /* edit/rotate/verify: the id */
	char heading[256];
	bool esc_armed;
	char pos[16];
	/* edit: the revision and the header (name, description) the form
	 * opened with, to refuse and explain a save over someone's change. */
	long revision;
	cJSON *opened_header;
	/* ^O on a secret field: the path being typed, then read into it. */
	bool file_prompt;
	char hint[200];
	TuiLineEdit file_path; /* the shared line editor (lineedit.h) */
	char file_field[160];
} FormViewState;

/* One key table per kind of form (#15): each drives the keys the host
 * handles (the actions), the footer and `?`; entries with TUI_ACT_NONE
 * are the form widget's own keys (form_keys.c), listed for `?`. */
#define FORM_KEYS_MOVE                                                                   \
	{ TUI_KEY_TAB, TUI_FN(KEY_DOWN), TUI_ACT_NONE, 0, NULL, "Next field" },              \
	{ TUI_FN(KEY_BTAB), TUI_FN(KEY_UP), TUI_ACT_NONE, 0, NULL, "Previous field" }
#define FORM_KEYS_TEXT                                                                   \
	{ TUI_FN(KEY_HOME), TUI_CTRL('a'), TUI_ACT_NONE, 0, NULL, "Start of the text" },    \
	{ TUI_FN(KEY_END), TUI_CTRL('e'), TUI_ACT_NONE, 0, NULL, "End of the text" },       \
	{ TUI_CTRL('u'), 0, TUI_ACT_NONE, 0, NULL, "Clear the field" },                      \
	{ TUI_FN(KEY_F(2)), 0, FORM_ACT_FIELD_HELP, 0, NULL,                                 \
	  "The focused field's whole description and problem, in the text pane" }
#define FORM_KEYS_END                                                                    \
	{ TUI_CTRL('s'), 0, FORM_ACT_SAVE, TUI_KEY_FOOTER, "save", "Validate and save" },    \
	{ TUI_KEY_ESC, 0, FORM_ACT_CLOSE, TUI_KEY_FOOTER, "close",                           \
	  "Close the form (twice when there are unsaved changes)" },                         \
	{ 0, 0, 0, 0, NULL, NULL }

/* Environment forms and schema previews: every kind of field. */
static const TuiKey form_keys_env[] = {
	FORM_KEYS_MOVE,
	{ TUI_FN(KEY_PPAGE), TUI_FN(KEY_NPAGE), TUI_ACT_NONE, 0, NULL, "Jump eight fields" },
	{ ' ', 0, TUI_ACT_NONE, 0, NULL,
	  "Toggle a boolean, open an enum's choices, press a button, add an item" },
	{ TUI_FN(KEY_LEFT), TUI_FN(KEY_RIGHT), TUI_ACT_NONE, 0, NULL,
	  "Move in the text; cycle an enum's values" },
	FORM_KEYS_TEXT,
	{ TUI_KEY_ENTER, 0, TUI_ACT_NONE, 0, NULL,
	  "Next field (a new line in a textarea); press a button" },
	{ TUI_CTRL('d'), 0, TUI_ACT_NONE, 0, NULL, "Remove the array item or map entry" },
	{ TUI_CTRL('t'), 0, TUI_ACT_NONE, 0, NULL,
	  "Secret field: verify the typed value against the stored one (not saved)" },
	{ TUI_CTRL('o'), 0, FORM_ACT_FILE, 0, NULL,
	  "Secret field: read its value from a file (one trailing newline dropped)" },
	{ TUI_CTRL('p'), 0, FORM_ACT_PICK, 0, NULL,
	  "Secret field: pick a stored secret (name, version, bound environments)" },
	FORM_KEYS_END,
};

/* The secret forms (new, rotate, verify): a name, a description, the value. */
static const TuiKey form_keys_secret[] = {
	FORM_KEYS_MOVE,
	{ TUI_FN(KEY_LEFT), TUI_FN(KEY_RIGHT), TUI_ACT_NONE, 0, NULL, "Move in the text" },
	FORM_KEYS_TEXT,
	{ TUI_KEY_ENTER, 0, TUI_ACT_NONE, 0, NULL,
	  "Next field (a new line in the value); press a button" },
	{ TUI_CTRL('o'), 0, FORM_ACT_FILE, 0, NULL,
	  "The value: read it from a file (one trailing newline dropped)" },
	FORM_KEYS_END,
};

/* The acquire form: run id, issue id, TTL, retain on failure. */
static const TuiKey form_keys_acquire[] = {
	FORM_KEYS_MOVE,
	{ ' ', 0, TUI_ACT_NONE, 0, NULL, "Toggle retain on failure, press a button" },
	{ TUI_FN(KEY_LEFT), TUI_FN(KEY_RIGHT), TUI_ACT_NONE, 0, NULL, "Move in the text" },
	FORM_KEYS_TEXT,
	{ TUI_KEY_ENTER, 0, TUI_ACT_NONE, 0, NULL, "Next field; press a button" },
	FORM_KEYS_END,
};

/* ------------------------------------------------------------ draft probe */

typedef struct DraftProbe {
	char provider[128];
	cJSON *config; /* holds typed secrets: wiped when freed */
	unsigned serial;
} DraftProbe;

static void draft_probe_free(void *arg)
{
	DraftProbe *d = arg;

	json_wipe(d->config); /* zeroes, then frees */
	free(d);
}

static void draft_probe_run(TuiJob *job)
{
	DraftProbe *d = job->arg;
	StoreProbe pr = { 0 };
	Error err;
	char line[600];
	Status st;

	error_clear(&err);
	tui_job_progress(job, 0, 1, "probing the unsaved config");
	st = probe_draft(job->app, d->provider, d->config, app_actor(job->app), &pr, &err);
	if (st != ST_OK) {
		tui_job_finish(job, st, &err, NULL);
		return;
	}
	{
		char *head = probe_headline(pr.summary, pr.details);

		snprintf(line, sizeof line, "probe %s: %s", pr.ok ? "ok" : "FAILED",
			 head ? head : (pr.summary ? pr.summary : ""));
		free(head);
	}
	tui_job_progress(job, 1, 1, line);
	if (!pr.ok)
		error_set(&err, ST_E_PROVIDER, "%s", line);
	tui_job_finish(job, pr.ok ? ST_OK : ST_E_PROVIDER, &err, line);
	store_probe_clear(&pr);
}

static void draft_probe_done(Tui *t, TuiJob *job)
{
	DraftProbe *d = job->arg;
	TuiView *v = tui_find_serial(t, d->serial);
	const char *text = job->status == ST_OK ? job->summary : error_text(&job->err);

	if (v && v->ops == &tui_view_form) {
		FormViewState *st = v->state;

		tui_form_set_note(st->form, job->status == ST_OK ? TONE_OK : TONE_ERROR, text);
	}
	tui_flash(t, job->status == ST_OK ? TUI_FLASH_OK : TUI_FLASH_ERROR, "draft %s", text);
}

static void form_draft_probe(Tui *t, TuiView *v)
{
	FormViewState *st = v->state;
	Provider *p = registry_find(&t->app->registry, st->provider);
	DraftProbe *d;
	Error err;

	if (!p) {
		tui_flash(t, TUI_FLASH_ERROR, "provider \"%s\" is no longer registered", st->provider);
		return;
	}
	if (tui_form_validate(st->form) > 0) {
		tui_flash(t, TUI_FLASH_ERROR, "fix the problems shown before probing");
		return;
	}
	d = calloc(1, sizeof *d);
	if (!d || !(d->config = cJSON_Duplicate(
			    tui_form_value(st->form, st->config_part >= 0 ? st->config_part : 0), 1))) {
		free(d);
		tui_flash(t, TUI_FLASH_ERROR, "out of memory");
		return;
	}
	snprintf(d->provider, sizeof d->provider, "%s", p->key);
	d->serial = v->serial;
	error_clear(&err);
	if (tui_job_start(t, "draft probe", draft_probe_run, draft_probe_done, d, draft_probe_free,
			  &err) != ST_OK)
		tui_flash_error(t, &err);
}

/* ------------------------------------------------------------ saving */

static void form_view_validate(Tui *t, FormViewState *st);

/* What a save job carries: copies of the form's values (they may hold
 * typed secrets, so they are wiped when the job is freed). */
typedef struct SaveJob {
	FormKind kind;
	unsigned serial;
	char target[128];
	char provider[128];
	cJSON *header; /* environment header, or the secret form's value */
	cJSON *config; /* environment config */
	long expect_revision;
	char saved_id[64]; /* a new environment's id, to select it in the list */
	char summary[300];
} SaveJob;

static void save_job_free(void *arg)
{
	SaveJob *j = arg;

	json_wipe(j->header);
	json_wipe(j->config);
	free(j);
}

static void save_job_run(TuiJob *job)
{
	SaveJob *j = job->arg;
	Error err;
	Status st = ST_OK;
	const char *value = json_get_string(j->header, "value");
	size_t vlen = value ? strlen(value) : 0;

	error_clear(&err);
	switch (j->kind) {
	case FK_ENV_NEW:
	case FK_ENV_EDIT: {
		EnvSaveInput in = { 0 };
		EnvSaveReport rep = { 0 };
		StoreEnv out = { 0 };

		in.target = j->kind == FK_ENV_EDIT ? j->target : NULL;
		in.name = json_get_string(j->header, "name");
		in.description = json_get_string(j->header, "description");
		if (!in.description)
			in.description = "";
		in.provider = j->provider;
		in.config = j->config;
		in.expect_revision = j->expect_revision;
		st = env_save(job->app, &in, &out, &rep, &err);
		if (st == ST_OK)
			snprintf(j->saved_id, sizeof j->saved_id, "%s", out.id);
		if (st == ST_OK)
			snprintf(j->summary, sizeof j->summary,
				 "%s environment %s (%d secret%s created, %d rotated)",
				 j->kind == FK_ENV_NEW ? "created" : "saved", out.name,
				 rep.secrets_created, rep.secrets_created == 1 ? "" : "s",
				 rep.secrets_rotated);
		if (st == ST_OK && cJSON_GetArraySize(rep.warnings) > 0 &&
		    cJSON_IsString(cJSON_GetArrayItem(rep.warnings, 0))) {
			/* What the provider changed is never silent (#19). */
			size_t used = strlen(j->summary);
			int more = cJSON_GetArraySize(rep.warnings) - 1;

			if (more > 0)
				snprintf(j->summary + used, sizeof j->summary - used,
					 "; warning: %s (+%d more)",
					 cJSON_GetArrayItem(rep.warnings, 0)->valuestring, more);
			else
				snprintf(j->summary + used, sizeof j->summary - used, "; warning: %s",
					 cJSON_GetArrayItem(rep.warnings, 0)->valuestring);
		}
		store_env_clear(&out);
		env_save_report_clear(&rep);
		break;
	}
	case FK_SECRET_NEW: {
		StoreSecret out = { 0 };

		st = secrets_create(job->app, json_get_string(j->header, "name"),
				    json_get_string(j->header, "description"),
				    (const unsigned char *)(value ? value : ""), vlen, &out, &err);
		if (st == ST_OK)
			snprintf(j->summary, sizeof j->summary, "created secret %s (version 1)",
				 out.name);
		store_secret_clear(&out);
		break;
	}
	case FK_SECRET_ROTATE: {
		long version = 0;

		st = secrets_rotate(job->app, j->target, (const unsigned char *)(value ? value : ""),
				    vlen, &version, &err);
		if (st == ST_OK)
			snprintf(j->summary, sizeof j->summary, "rotated: version %ld is current",
				 version);
		break;
	}
	case FK_LEASE_ACQUIRE: {
		LeaseAcquireRequest req = { 0 };
		LeaseAcquireResult res = { 0 };
		const char *run = json_get_string(j->header, "runId");
		const char *issue = json_get_string(j->header, "issueId");

		req.environment = j->target;
		req.run_id = run && run[0] ? run : NULL;
		req.issue_id = issue && issue[0] ? issue : NULL;
		req.actor = app_actor(job->app);
		/* The CLI's --ttl and --retain-on-failure; the schema bounds the TTL. */
		if (!json_get_int_checked(j->header, "ttlSeconds", 1, 31536000, &req.ttl_seconds))
			req.ttl_seconds = 0;
		req.retain_on_failure = json_is_true(j->header, "retainOnFailure");
		st = lease_acquire(job->app, &req, &res, &err);
		if (st == ST_OK)
			snprintf(j->summary, sizeof j->summary, "%s lease %s (%s)%s%s",
				 res.resumed ? "resumed" : "acquired",
				 res.lease.provider_lease_id ? res.lease.provider_lease_id : res.lease.id,
				 res.lease.lease_policy, res.note[0] ? ": " : "", res.note);
		lease_acquire_result_clear(&res);
		break;
	}
	case FK_SECRET_VERIFY: {
		bool match = false;
		long version = 0;

		st = secrets_verify(job->app, j->target, (const unsigned char *)(value ? value : ""),
				    vlen, &match, &version, &err);
		if (st == ST_OK && !match)
			st = error_set(&err, ST_E_FAIL, "the value does NOT match version %ld",
				       version);
		else if (st == ST_OK)
			snprintf(j->summary, sizeof j->summary, "the value matches version %ld",
				 version);
		break;
	}
	default:
		break;
	}
	tui_job_finish(job, st, &err, j->summary);
}

static void form_conflict(Tui *t, TuiView *v);

static void save_job_done(Tui *t, TuiJob *job)
{
	SaveJob *j = job->arg;
	TuiView *v = tui_find_serial(t, j->serial);

	if (job->status == ST_E_CONFLICT && j->kind == FK_ENV_EDIT && v && tui_top(t) == v) {
		form_conflict(t, v);
		return;
	}
	if (job->status != ST_OK) {
		if (v) {
			FormViewState *st = v->state;

			tui_form_set_note(st->form, TONE_ERROR, error_text(&job->err));
		}
		tui_flash_error(t, &job->err);
		return;
	}
	/* Done: the form closes (a verify stays, to try another value). */
	if (v && j->kind != FK_SECRET_VERIFY) {
		TuiView *under;

		while (tui_top(t) && tui_top(t) != v)
			tui_pop(t);
		tui_pop(t);
		/* The environment just created is the one selected (#14). */
		under = tui_top(t);
		if (j->kind == FK_ENV_NEW && j->saved_id[0] && under && under->table &&
		    under->ops == &tui_view_envs) {
			snprintf(under->table->want_id, sizeof under->table->want_id, "%s",
				 j->saved_id);
			tui_table_invalidate(under->table);
		}
	} else if (v) {
		FormViewState *st = v->state;

		tui_form_set_note(st->form, TONE_OK, job->summary);
	}
	tui_flash(t, TUI_FLASH_OK, "%s", job->summary);
}

/* The config to save for an edit: the form's config, plus an explicit
 * null for each stored top-level key the form removed (a save merges
 * top-level keys: one not given would stay). */
static cJSON *form_edit_config(FormViewState *st, const cJSON *config)
{
	cJSON *out = cJSON_Duplicate(config, 1);
	const cJSON *it;

	if (!out)
		return NULL;
	cJSON_ArrayForEach(it, st->stored) {
		if (!cJSON_GetObjectItemCaseSensitive(out, it->string))
			cJSON_AddItemToObject(out, it->string, cJSON_CreateNull());
	}
	return out;
}

static void form_save(Tui *t, TuiView *v)
{
	FormViewState *st = v->state;
	SaveJob *j;
	Error err;
	size_t n;
	static const char *const titles[] = {
		[FK_ENV_NEW] = "creating the environment",
		[FK_ENV_EDIT] = "saving the environment",
		[FK_SECRET_NEW] = "creating the secret",
		[FK_SECRET_ROTATE] = "rotating the secret",
		[FK_SECRET_VERIFY] = "verifying the secret",
		[FK_LEASE_ACQUIRE] = "acquiring a lease",
	};

	if (st->kind == FK_PREVIEW_FILE || st->kind == FK_PREVIEW_PROVIDER) {
		/* A preview has nothing to save: ^S validates. */
		form_view_validate(t, st);
		return;
	}
	if (st->kind != FK_SECRET_VERIFY && tui_readonly_refuse(t, "saving"))
		return;
	n = tui_form_validate(st->form);
	if (n) {
		tui_form_set_note(st->form, TONE_NORMAL, "");
		tui_flash(t, TUI_FLASH_ERROR, "%zu problem%s: see the fields marked", n,
			  n == 1 ? "" : "s");
		return;
	}
	j = calloc(1, sizeof *j);
	if (!j) {
		tui_flash(t, TUI_FLASH_ERROR, "out of memory");
		return;
	}
	j->kind = st->kind;
	j->serial = v->serial;
	j->expect_revision = st->kind == FK_ENV_EDIT ? st->revision : 0;
	snprintf(j->target, sizeof j->target, "%s", st->target);
	snprintf(j->provider, sizeof j->provider, "%s", st->provider);
	j->header = cJSON_Duplicate(tui_form_value(st->form, 0), 1);
	if (st->config_part >= 0)
		j->config = st->kind == FK_ENV_EDIT
				    ? form_edit_config(st, tui_form_value(st->form, st->config_part))
				    : cJSON_Duplicate(tui_form_value(st->form, st->config_part), 1);
	if (!j->header || (st->config_part >= 0 && !j->config)) {
		save_job_free(j);
		tui_flash(t, TUI_FLASH_ERROR, "out of memory");
		return;
	}
	error_clear(&err);
	if (tui_job_start(t, titles[st->kind], save_job_run, save_job_done, j, save_job_free,
			  &err) != ST_OK)
		tui_flash_error(t, &err);
}

/* ------------------------------------------------------------ conflict */

/* The lost-update guard (#14): a save over a revision other than the one
 * the form opened with is refused by the core; this dialog says, field by
 * field, what changed there and what here (secrets only as changed or
 * not), and offers Reload (their version, yours dropped), Overwrite
 * (yours over theirs, if nobody saved again meanwhile) or Cancel. */
typedef struct ConflictArg {
	unsigned serial;
	long revision; /* the revision Overwrite saves over */
	char target[128];
} ConflictArg;

static bool conflict_same(const cJSON *a, const cJSON *b)
{
	if (!a || cJSON_IsNull(a))
		return !b || cJSON_IsNull(b) || (cJSON_IsString(b) && !b->valuestring[0]);
	if (!b || cJSON_IsNull(b))
		return cJSON_IsString(a) && !a->valuestring[0];
	return json_equal(a, b);
}

static bool conflict_is_secret(const cJSON *schema, const char *key)
{
	const cJSON *prop = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(schema, "properties"), key);
	const char *format = json_get_string(prop, "format");

	return (format && (!strcmp(format, "secret-ref") || !strcmp(format, "secret"))) ||
	       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(prop, "x-paperclip-secret")) ||
	       cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(prop, "writeOnly"));
}

/* One object's keys: appends "  PREFIXkey: changed there|here|on both
 * sides" for each that differs, and counts them. */
static void conflict_keys(Buf *out, const char *prefix, const cJSON *opened, const cJSON *theirs,
			  const cJSON *mine, const cJSON *schema, int *count)
{
	const cJSON *sets[3] = { opened, theirs, mine };
	Buf seen = BUF_INIT;

	buf_putc(&seen, '\n');
	for (int s = 0; s < 3; s++) {
		const cJSON *it;

		cJSON_ArrayForEach(it, sets[s]) {
			char mark[300];
			const cJSON *o, *th, *mi;
			bool there, here, secret;

			if (!it->string || !strcmp(it->string, "provider"))
				continue;
			snprintf(mark, sizeof mark, "\n%s\n", it->string);
			if (seen.data && strstr(seen.data, mark))
				continue;
			buf_puts(&seen, it->string);
			buf_putc(&seen, '\n');
			o = cJSON_GetObjectItemCaseSensitive(opened, it->string);
			th = cJSON_GetObjectItemCaseSensitive(theirs, it->string);
			mi = cJSON_GetObjectItemCaseSensitive(mine, it->string);
			there = !conflict_same(o, th);
			here = !conflict_same(o, mi);
			secret = schema && conflict_is_secret(schema, it->string);
			if (!there && !here && secret) {
				/* A secret is named either way: changed or not. */
				buf_printf(out, "\n  %s%s (secret): unchanged", prefix, it->string);
				continue;
			}
			if (!there && !here)
				continue;
			(*count)++;
			if (*count > 8)
				continue;
			buf_printf(out, "\n  %s%s%s: %s", prefix, it->string, secret ? " (secret)" : "",
				   there && here ? "changed there and here"
				   : there	 ? "changed there"
						 : "changed here");
		}
	}
	buf_clear(&seen);
}

static void conflict_reload(Tui *t, void *arg)
{
	ConflictArg *a = arg;
	TuiView *v = tui_find_serial(t, a->serial);
	char what[160];
	Error err;

	if (!v)
		return;
	while (tui_top(t) && tui_top(t) != v)
		tui_pop(t);
	tui_pop(t);
	snprintf(what, sizeof what, "env-edit:%s", a->target);
	error_clear(&err);
	if (tui_push(t, &tui_view_form, what, &err) != ST_OK)
		tui_flash_error(t, &err);
	else
		tui_flash(t, TUI_FLASH_INFO, "reloaded at revision %ld: your changes were dropped",
			  a->revision);
}

static void form_save(Tui *t, TuiView *v);

static void conflict_overwrite(Tui *t, void *arg)
{
	ConflictArg *a = arg;
	TuiView *v = tui_find_serial(t, a->serial);
	FormViewState *st;

	if (!v)
		return;
	st = v->state;
	st->revision = a->revision;
	form_save(t, v);
}

static void form_conflict(Tui *t, TuiView *v)
{
	FormViewState *st = v->state;
	StoreEnv env = { 0 };
	ConflictArg *a;
	Buf msg = BUF_INIT;
	cJSON *theirs_header = NULL, *theirs_config = NULL;
	int count = 0;
	Error err;
	TuiConfirm c = { "Changed elsewhere", NULL, "Overwrite", conflict_overwrite, NULL, free };

	error_clear(&err);
	if (env_get(t->app, st->target, &env, &err) != ST_OK) {
		tui_form_set_note(st->form, TONE_ERROR, error_text(&err));
		tui_flash_error(t, &err);
		return;
	}
	theirs_header = cJSON_CreateObject();
	theirs_config = env.config ? cJSON_Duplicate(env.config, 1) : cJSON_CreateObject();
	a = calloc(1, sizeof *a);
	if (!theirs_header || !theirs_config || !a) {
		free(a);
		goto done;
	}
	json_set_string(theirs_header, "name", env.name);
	if (env.description && env.description[0])
		json_set_string(theirs_header, "description", env.description);
	buf_printf(&msg,
		   "%s was saved elsewhere after this form opened (revision %ld, now %ld). "
		   "Field by field:",
		   env.name, st->revision, env.revision);
	conflict_keys(&msg, "", st->opened_header, theirs_header, tui_form_value(st->form, 0), NULL,
		      &count);
	conflict_keys(&msg, "config/", st->stored, theirs_config,
		      tui_form_value(st->form, st->config_part), st->schema2, &count);
	if (count > 8)
		buf_printf(&msg, "\n  and %d more", count - 8);
	if (!count)
		buf_puts(&msg, "\n  (no field differs: the other save changed nothing you see)");
	buf_puts(&msg, "\nReload shows theirs and drops yours; Overwrite saves all of yours over "
		       "theirs.");
	a->serial = v->serial;
	a->revision = env.revision;
	snprintf(a->target, sizeof a->target, "%s", st->target);
	c.message = msg.data ? msg.data : "";
	c.arg = a;
	tui_form_set_note(st->form, TONE_WARN, "not saved: changed elsewhere meanwhile");
	if (tui_confirm_alt(t, &c, "Reload", conflict_reload, &err) != ST_OK)
		tui_flash_error(t, &err);
	a = NULL;
done:
	free(a);
	buf_clear(&msg);
	cJSON_Delete(theirs_header);
	json_wipe(theirs_config);
	store_env_clear(&env);
}

/* ------------------------------------------------------------ view */

static Status form_view_load_file(FormViewState *st, const char *path, Error *err)
{
	cJSON *doc = json_parse_file(path, err), *drivers, *first;

	if (!doc)
		return err->status;
	/* A plugin manifest previews its first driver's form. */
	drivers = cJSON_GetObjectItemCaseSensitive(doc, "environmentDrivers");
	first = cJSON_GetArrayItem(drivers, 0);
	if (first && cJSON_GetObjectItemCaseSensitive(first, "configSchema")) {
		cJSON *schema = cJSON_DetachItemFromObjectCaseSensitive(first, "configSchema");

		snprintf(st->heading, sizeof st->heading, "%s",
			 json_get_string(first, "displayName") ? json_get_string(first, "displayName")
							       : path);
		cJSON_Delete(doc);
		doc = schema;
	} else {
		snprintf(st->heading, sizeof st->heading, "%s",
			 json_get_string(doc, "title") ? json_get_string(doc, "title") : path);
	}
	st->schema = doc;
	return ST_OK;
}

static cJSON *form_load_own(Tui *t, const char *name, Error *err)
{
	char *path = fs_join(t->app->forms_dir ? t->app->forms_dir : "forms", name);
	cJSON *doc;

	if (!path) {
		error_set(err, ST_E_NOMEM, "out of memory");
		return NULL;
	}
	doc = json_parse_file(path, err);
	free(path);
	return doc;
}

/* The form's secret hooks for an edit: a stored secret id shows as its
 * name and version, and a typed value can be verified against it. */
static char *form_secret_label(void *ctx, const char *value)
{
	Tui *t = ctx;
	StoreSecret sec = { 0 };
	Error err;
	char buf[300];

	if (!id_is_uuid(value) || secrets_get(t->app, value, &sec, &err) != ST_OK)
		return NULL;
	snprintf(buf, sizeof buf, "%s v%ld", sec.name, sec.current_version);
	store_secret_clear(&sec);
	return strdup(buf);
}

static Status form_secret_verify(void *ctx, const char *secret_id, const char *plaintext,
				 bool *match, Error *err)
{
	Tui *t = ctx;
	long version = 0;

	return secrets_verify(t->app, secret_id, (const unsigned char *)plaintext,
			      strlen(plaintext), match, &version, err);
}

static Status form_setup_env(Tui *t, TuiView *v, FormViewState *st, const char *what,
			     cJSON **header_init, Error *err)
{
	StoreEnv env = { 0 };
	Provider *p;

	if (!strncmp(what, "env-new:", 8)) {
		st->kind = FK_ENV_NEW;
		if (registry_require(&t->app->registry, what + 8, &p, err) != ST_OK)
			return err->status;
		snprintf(st->provider, sizeof st->provider, "%s", p->key);
		snprintf(st->heading, sizeof st->heading, "New %s environment", p->display_name);
		snprintf(v->title, sizeof v->title, "new %s", p->key);
		*header_init = cJSON_CreateObject();
		if (!*header_init || !json_set_string(*header_init, "provider", p->key))
			return error_set(err, ST_E_NOMEM, "out of memory");
	} else {
		st->kind = FK_ENV_EDIT;
		if (env_get(t->app, what + 9, &env, err) != ST_OK)
			return err->status;
		if (env_provider_require(t->app, &env, "edit it", &p, err) != ST_OK) {
			store_env_clear(&env);
			return err->status;
		}
		snprintf(st->target, sizeof st->target, "%s", env.id);
		snprintf(st->provider, sizeof st->provider, "%s", p->key);
		snprintf(st->heading, sizeof st->heading, "Edit %s", env.name);
		snprintf(v->title, sizeof v->title, "edit %s", env.name);
		st->stored = env.config ? cJSON_Duplicate(env.config, 1) : cJSON_CreateObject();
		/* The stored config names its provider (DESIGN §3); the form's
		 * header shows it, and the schema does not declare it. */
		cJSON_DeleteItemFromObjectCaseSensitive(st->stored, "provider");
		*header_init = cJSON_CreateObject();
		if (*header_init) {
			json_set_string(*header_init, "name", env.name);
			if (env.description && env.description[0])
				json_set_string(*header_init, "description", env.description);
			json_set_string(*header_init, "provider", env.provider);
		}
		st->revision = env.revision;
		store_env_clear(&env);
		if (!st->stored || !*header_init ||
		    !(st->opened_header = cJSON_Duplicate(*header_init, 1)))
			return error_set(err, ST_E_NOMEM, "out of memory");
	}
	if (!(st->schema2 = cJSON_Duplicate(p->config_schema, 1)))
		return error_set(err, ST_E_NOMEM, "out of memory");
	if (!(st->schema = form_load_own(t, "environment.json", err)))
		return err->status;
	return ST_OK;
}

static Status form_view_setup(Tui *t, TuiView *v, FormViewState *st, const char *what, Error *err)
{
	cJSON *header_init = NULL;
	Status rc = ST_OK;

	st->config_part = -1;
	if (!strncmp(what, "provider:", 9)) {
		Provider *p;

		st->kind = FK_PREVIEW_PROVIDER;
		if (registry_require(&t->app->registry, what + 9, &p, err) != ST_OK)
			return err->status;
		snprintf(st->provider, sizeof st->provider, "%s", p->key);
		snprintf(st->heading, sizeof st->heading, "%s", p->display_name);
		snprintf(v->title, sizeof v->title, "form %s", p->key);
		if (!(st->schema = cJSON_Duplicate(p->config_schema, 1)))
			return error_set(err, ST_E_NOMEM, "out of memory");
	} else if (!strncmp(what, "env-new:", 8) || !strncmp(what, "env-edit:", 9)) {
		rc = form_setup_env(t, v, st, what, &header_init, err);
	} else if (!strncmp(what, "lease-acquire:", 14)) {
		StoreEnv env = { 0 };

		st->kind = FK_LEASE_ACQUIRE;
		if (env_get(t->app, what + 14, &env, err) != ST_OK)
			return err->status;
		snprintf(st->target, sizeof st->target, "%s", env.id);
		snprintf(st->heading, sizeof st->heading, "Acquire a lease on %s", env.name);
		snprintf(v->title, sizeof v->title, "acquire %s", env.name);
		store_env_clear(&env);
		if (!(st->schema = form_load_own(t, "lease-acquire.json", err)))
			return err->status;
	} else if (!strcmp(what, "secret-new")) {
		st->kind = FK_SECRET_NEW;
		snprintf(st->heading, sizeof st->heading, "New secret");
		snprintf(v->title, sizeof v->title, "new secret");
		if (!(st->schema = form_load_own(t, "secret.json", err)))
			return err->status;
	} else if (!strncmp(what, "secret-rotate:", 14) || !strncmp(what, "secret-verify:", 14)) {
		StoreSecret sec = { 0 };
		bool rotate = what[7] == 'r';

		st->kind = rotate ? FK_SECRET_ROTATE : FK_SECRET_VERIFY;
		if (secrets_get(t->app, what + 14, &sec, err) != ST_OK)
			return err->status;
		snprintf(st->target, sizeof st->target, "%s", sec.id);
		snprintf(st->heading, sizeof st->heading, "%s secret %s (version %ld)",
			 rotate ? "Rotate" : "Verify", sec.name, sec.current_version);
		snprintf(v->title, sizeof v->title, "%s %s", rotate ? "rotate" : "verify", sec.name);
		store_secret_clear(&sec);
		if (!(st->schema = form_load_own(t, "secret-rotate.json", err)))
			return err->status;
		if (!rotate) {
			cJSON *val = cJSON_GetObjectItemCaseSensitive(
				cJSON_GetObjectItemCaseSensitive(st->schema, "properties"), "value");

			json_set_string(val, "title", "Value to check");
			json_set_string(val, "description",
					"Compared with the current version's fingerprint; nothing "
					"is stored or shown.");
		}
	} else {
		st->kind = FK_PREVIEW_FILE;
		if (form_view_load_file(st, what, err) != ST_OK)
			return error_prefix(err, "cannot preview the form: ");
		snprintf(v->title, sizeof v->title, "form");
	}
	if (rc != ST_OK) {
		cJSON_Delete(header_init);
		return rc;
	}
	{
		/* Every kind: a secret picked (^P) shows as its name and version.
		 * The secret forms' own value is never another secret's. */
		TuiFormHooks hooks = { form_secret_label, form_secret_verify, t,
				       st->kind != FK_SECRET_NEW && st->kind != FK_SECRET_ROTATE &&
					       st->kind != FK_SECRET_VERIFY };

		st->form = tui_form_new(&hooks);
	}
	if (!st->form) {
		cJSON_Delete(header_init);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	rc = tui_form_add_part(st->form, st->schema2 ? "Environment" : NULL, st->schema, header_init,
			       err);
	cJSON_Delete(header_init);
	if (rc != ST_OK)
		return error_prefix(err, "cannot draw the form: ");
	if (st->schema2) {
		char title[300];

		snprintf(title, sizeof title, "Config (%s)", st->provider);
		if (tui_form_add_part(st->form, title, st->schema2,
				      st->kind == FK_ENV_EDIT ? st->stored : NULL, err) != ST_OK)
			return error_prefix(err, "cannot draw the form: ");
		st->config_part = 1;
	}
	switch (st->kind) {
	case FK_PREVIEW_FILE:
		tui_form_add_button(st->form, "Validate", BTN_VALIDATE);
		tui_form_add_button(st->form, "Close", BTN_CLOSE);
		break;
	case FK_PREVIEW_PROVIDER:
		tui_form_add_button(st->form, "Validate", BTN_VALIDATE);
		tui_form_add_button(st->form, "Probe draft", BTN_PROBE);
		tui_form_add_button(st->form, "Close", BTN_CLOSE);
		break;
	case FK_ENV_NEW:
	case FK_ENV_EDIT:
		tui_form_add_button(st->form, "Save", BTN_SAVE);
		tui_form_add_button(st->form, "Probe draft", BTN_PROBE);
		tui_form_add_button(st->form, "Cancel", BTN_CLOSE);
		break;
	case FK_SECRET_VERIFY:
		tui_form_add_button(st->form, "Verify", BTN_SAVE);
		tui_form_add_button(st->form, "Close", BTN_CLOSE);
		break;
	case FK_LEASE_ACQUIRE:
		tui_form_add_button(st->form, "Acquire", BTN_SAVE);
		tui_form_add_button(st->form, "Cancel", BTN_CLOSE);
		break;
	default:
		tui_form_add_button(st->form, "Save", BTN_SAVE);
		tui_form_add_button(st->form, "Cancel", BTN_CLOSE);
		break;
	}
	return ST_OK;
}

static void form_view_close(Tui *t, TuiView *v)
{
	FormViewState *st = v->state;

	if (!st)
		return;
	tui_form_free(st->form);
	cJSON_Delete(st->schema);
	cJSON_Delete(st->schema2);
	cJSON_Delete(st->stored);
	cJSON_Delete(st->opened_header);
	tui_edit_clear(&st->file_path);
	free(st);
}

static Status form_view_open(Tui *t, TuiView *v, const void *arg, Error *err)
{
	FormViewState *st = calloc(1, sizeof *st);

	if (!st)
		return error_set(err, ST_E_NOMEM, "out of memory");
	v->state = st;
	if (form_view_setup(t, v, st, arg, err) != ST_OK) {
		form_view_close(t, v);
		v->state = NULL;
		return err->status;
	}
	return ST_OK;
}

static void form_view_draw(Tui *t, TuiView *v, int y, int x, int h, int w)
{
	FormViewState *st = v->state;
	char title[300];

	snprintf(title, sizeof title, "%s%s", st->heading,
		 st->kind == FK_PREVIEW_FILE || st->kind == FK_PREVIEW_PROVIDER
			 ? " (preview: nothing is saved)"
			 : "");
	tui_form_draw(st->form, &t->scr, y + 1, x + 1, h - 2, w - 2, &t->cur_y, &t->cur_x);
	tui_frame(t, v, y, x, h, w, title);
	if (st->file_prompt) {
		char head[300];
		int used;

		snprintf(head, sizeof head, "Read %s from file (Enter reads, Esc cancels): ",
			 st->file_field);
		tui_screen_fill(&t->scr, y + h - 2, x + 1, w - 2, TONE_SELECTED);
		used = tui_screen_text(&t->scr, y + h - 2, x + 1, w - 2, TONE_SELECTED, false, head);
		tui_screen_text(&t->scr, y + h - 2, x + 1 + used, w - 2 - used, TONE_SELECTED, false,
				tui_edit_text(&st->file_path));
		t->cur_y = y + h - 2;
		{
			char before[PATH_MAX + 1];

			snprintf(before, sizeof before, "%.*s", (int)st->file_path.cursor,
				 tui_edit_text(&st->file_path));
			t->cur_x = x + 1 + used + tui_screen_width(&t->scr, before);
		}
		if (t->cur_x >= x + w - 1)
			t->cur_x = x + w - 2;
	}
}

static void form_view_validate(Tui *t, FormViewState *st)
{
	size_t n = tui_form_validate(st->form);

	if (n == 0) {
		tui_form_set_note(st->form, TONE_OK, "the config is valid");
		tui_flash(t, TUI_FLASH_OK, "the config is valid");
	} else {
		tui_form_set_note(st->form, TONE_NORMAL, "");
		tui_flash(t, TUI_FLASH_ERROR, "%zu problem%s: see the fields marked", n,
			  n == 1 ? "" : "s");
	}
}

static void form_view_close_request(Tui *t, TuiView *v)
{
	FormViewState *st = v->state;

	bool dirty = tui_form_dirty(st->form);

	if (dirty && !st->esc_armed) {
		st->esc_armed = true;
		tui_flash(t, TUI_FLASH_WARN, "unsaved changes: Esc again discards them");
		return;
	}
	tui_pop(t);
	if (dirty)
		tui_flash(t, TUI_FLASH_INFO, "changes discarded");
}

static void form_view_result(Tui *t, TuiView *v, int r)
{
	FormViewState *st = v->state;

	switch (r) {
	case TUI_FORM_SUBMIT:
	case BTN_SAVE:
		form_save(t, v);
		break;
	case BTN_VALIDATE:
		form_view_validate(t, st);
		break;
	case BTN_PROBE:
		form_draft_probe(t, v);
		break;
	case BTN_CLOSE:
		st->esc_armed = true;
		tui_pop(t);
		break;
	default:
		break;
	}
}

/* Reads a secret's value from a file: one read(2) buffer sized from
 * fstat, so no stdio or realloc copy is left behind, wiped after. One
 * trailing newline is dropped, as `envctl secret create --value-file`
 * does. */
static void form_read_secret_file(Tui *t, FormViewState *st)
{
	const char *path = tui_edit_text(&st->file_path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	char *buf = NULL;
	size_t len = 0, cap;
	ssize_t n;

	if (fd < 0) {
		tui_flash(t, TUI_FLASH_ERROR, "cannot read %s: %s", path, strerror(errno));
		return;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > 64 * 1024) {
		tui_flash(t, TUI_FLASH_ERROR, "cannot use %s for %s: %s", path, st->file_field,
			  S_ISREG(sb.st_mode) ? "over 64 KiB" : "not a regular file");
		close(fd);
		return;
	}
	cap = (size_t)sb.st_size + 1;
	buf = malloc(cap);
	if (!buf) {
		close(fd);
		tui_flash(t, TUI_FLASH_ERROR, "out of memory");
		return;
	}
	while (len < cap - 1 && (n = read(fd, buf + len, cap - 1 - len)) > 0)
		len += (size_t)n;
	close(fd);
	buf[len] = 0;
	if (len && buf[len - 1] == '\n')
		len--;
	if (len && buf[len - 1] == '\r')
		len--;
	if (!len || memchr(buf, 0, len)) {
		tui_flash(t, TUI_FLASH_ERROR, "%s: the value from %s is %s; nothing changed",
			  st->file_field, path, len ? "not text (a NUL byte)" : "empty");
	} else {
		tui_form_replace_text(st->form, buf, len);
		tui_flash(t, TUI_FLASH_OK, "%s: read %zu bytes from %s (save to store it)",
			  st->file_field, len, path);
	}
	sodium_memzero(buf, cap);
	free(buf);
}

static void form_file_prompt_key(Tui *t, FormViewState *st, int key)
{
	if (key == TUI_KEY_ESC) {
		st->file_prompt = false;
		tui_flash(t, TUI_FLASH_INFO, "cancelled");
	} else if (key == TUI_KEY_ENTER) {
		st->file_prompt = false;
		if (tui_edit_len(&st->file_path))
			form_read_secret_file(t, st);
	} else {
		tui_edit_key(&st->file_path, key);
	}
}


/* The secret picker's answer (#15): the field now refers to the secret. */
static void form_secret_chosen(Tui *t, unsigned serial, const char *secret_id, const char *label)
{
	TuiView *v = tui_find_serial(t, serial);
	FormViewState *st = v ? v->state : NULL;

	if (!st || tui_form_set_secret_ref(st->form, secret_id) != TUI_FORM_CONSUMED) {
		tui_flash(t, TUI_FLASH_ERROR, "the form's field is gone; nothing was chosen");
		return;
	}
	tui_flash(t, TUI_FLASH_OK, "the field refers to secret %s now (saved as a reference)",
		  label);
}

static const TuiKey *form_kind_keys(FormKind kind)
{
	switch (kind) {
	case FK_SECRET_NEW:
	case FK_SECRET_ROTATE:
	case FK_SECRET_VERIFY:
		return form_keys_secret;
	case FK_LEASE_ACQUIRE:
		return form_keys_acquire;
	default:
		return form_keys_env;
	}
}

static const TuiKey *form_view_keys(Tui *t, const TuiView *v)
{
	const FormViewState *st = v->state;

	return st ? form_kind_keys(st->kind) : form_keys_env;
}

/* F2, ^O and ^P: true when the focused field takes it. */
static bool form_host_action(Tui *t, TuiView *v, int action)
{
	FormViewState *st = v->state;
	Error err;

	error_clear(&err);
	if (action == FORM_ACT_FIELD_HELP) {
		char *help = tui_form_focus_help(st->form);

		if (help && tui_text_pane(t, "Field help", help, false, &err) != ST_OK)
			tui_flash_error(t, &err);
		free(help);
		return true;
	}
	if (action == FORM_ACT_PICK && tui_form_focus_pickable(st->form)) {
		TuiSecretPick p = { v->serial, tui_form_focus_pickable(st->form), form_secret_chosen };

		if (tui_push(t, &tui_view_secret_pick, &p, &err) != ST_OK)
			tui_flash_error(t, &err);
		return true;
	}
	if (action == FORM_ACT_FILE && tui_form_focus_secret(st->form)) {
		snprintf(st->file_field, sizeof st->file_field, "%s", tui_form_focus_secret(st->form));
		tui_edit_empty(&st->file_path);
		st->file_path.max = PATH_MAX;
		st->file_prompt = true;
		return true;
	}
	return false;
}

static bool form_view_key(Tui *t, TuiView *v, int key)
{
	FormViewState *st = v->state;
	const TuiKey *k;
	int r;

	if (st->file_prompt) {
		form_file_prompt_key(t, st, key);
		return true;
	}
	/* The host's own keys, by this kind's table. */
	k = tui_keymap_find(form_kind_keys(st->kind), key);
	if (k && (k->action == FORM_ACT_FIELD_HELP || k->action == FORM_ACT_FILE ||
		  k->action == FORM_ACT_PICK) &&
	    form_host_action(t, v, k->action))
		return true;

	if (key != TUI_KEY_ESC)
		st->esc_armed = false;
	r = tui_form_key(st->form, key);
	if (r == TUI_FORM_CONSUMED)
		return true;
	if (r != TUI_FORM_IGNORED) {
		form_view_result(t, v, r);
		return true;
	}
	if (key == TUI_KEY_ESC || key == 'q') {
		form_view_close_request(t, v);
		return true;
	}
	/* Other printable keys on a non-text field do nothing, except the
	 * console's own ? and :. */
	if (key >= 0x20 && key < 0x7f && key != '?' && key != ':')
		return true;
	return false;
}

static bool form_view_action(Tui *t, TuiView *v, int action)
{
	if (action == FORM_ACT_SAVE) {
		form_view_result(t, v, TUI_FORM_SUBMIT);
		return true;
	}
	if (action == FORM_ACT_CLOSE) {
		form_view_close_request(t, v);
		return true;
	}
	return false;
}

static bool form_view_mouse(Tui *t, TuiView *v, const TuiEvent *ev)
{
	FormViewState *st = v->state;
	int r = tui_form_mouse(st->form, (int)ev->mouse, ev->y, ev->x);

	if (r >= TUI_FORM_SUBMIT)
		form_view_result(t, v, r);
	return r != TUI_FORM_IGNORED;
}

static bool form_view_paste(Tui *t, TuiView *v, const char *text, size_t len)
{
	FormViewState *st = v->state;

	if (st->file_prompt) {
		/* A path is one line. */
		for (const char *p = text; *p && *p != '\n';)
			form_file_prompt_key(t, st, (int)tui_utf8_next(&p));
		return true;
	}

	st->esc_armed = false;
	if (tui_form_paste(st->form, text, len) == TUI_FORM_IGNORED) {
		tui_flash(t, TUI_FLASH_WARN, "paste ignored: move to a text field first");
		return true;
	}
	return true;
}

static const char *form_view_status(Tui *t, TuiView *v)
{
	FormViewState *st = v->state;

	tui_form_position(st->form, st->pos, sizeof st->pos);
	return st->pos;
}

static bool form_view_unsaved(Tui *t, TuiView *v)
{
	FormViewState *st = v->state;

	return st && st->form && tui_form_dirty(st->form);
}

/* What ^S does in this form, when it is not "save" (#14: hints that
 * tell the truth). */
static const char *form_submit_word(const FormViewState *st)
{
	switch (st->kind) {
	case FK_PREVIEW_FILE:
	case FK_PREVIEW_PROVIDER: return "validate";
	case FK_SECRET_VERIFY: return "verify";
	case FK_LEASE_ACQUIRE: return "acquire";
	default: return NULL;
	}
}

static const char *form_view_hint(Tui *t, TuiView *v)
{
	FormViewState *st = v->state;
	const char *h = tui_form_hint(st->form), *word = form_submit_word(st);

	if (!word)
		return h;
	snprintf(st->hint, sizeof st->hint, "%s%s^S %s", h, h[0] ? "  " : "", word);
	return st->hint;
}

static bool form_view_enabled(Tui *t, TuiView *v, int action)
{
	FormViewState *st = v->state;

	/* The footer's "^S save" only where ^S saves; the hint says the rest. */
	return action != FORM_ACT_SAVE || !form_submit_word(st);
}

const TuiViewOps tui_view_form = {
	.name = "form",
	.keys = form_keys_env,
	.keys_for = form_view_keys,
	.min_w = 50,
	.min_h = 12,
	.open = form_view_open,
	.close = form_view_close,
	.draw = form_view_draw,
	.action = form_view_action,
	.key = form_view_key,
	.mouse = form_view_mouse,
	.paste = form_view_paste,
	.hint = form_view_hint,
	.enabled = form_view_enabled,
	.status = form_view_status,
	.unsaved = form_view_unsaved,
};
