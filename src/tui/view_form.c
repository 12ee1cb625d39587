/* The form screen: hosts a TuiForm as a view. Used for previewing a
 * provider's config form or any schema file (`:form FILE`), and for the
 * console's own forms (forms/). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/form.h"
#include "tui/tui.h"
#include "util/fs.h"
#include "util/json.h"

enum {
	BTN_SAVE = TUI_FORM_BUTTON,
	BTN_VALIDATE,
	BTN_PROBE,
	BTN_CLOSE,
};

enum {
	FORM_ACT_SAVE = TUI_ACT_VIEW,
	FORM_ACT_CLOSE,
};

typedef enum FormKind {
	FK_PREVIEW_FILE,
	FK_PREVIEW_PROVIDER,
} FormKind;

typedef struct FormViewState {
	FormKind kind;
	TuiForm *form;
	cJSON *schema; /* owned */
	char provider[128];
	char heading[256];
	bool esc_armed;
	char pos[16];
} FormViewState;

static const TuiKey form_keys[] = {
	{ TUI_KEY_TAB, TUI_FN(KEY_DOWN), TUI_ACT_NONE, 0, NULL, "Next field" },
	{ TUI_FN(KEY_BTAB), TUI_FN(KEY_UP), TUI_ACT_NONE, 0, NULL, "Previous field" },
	{ TUI_FN(KEY_PPAGE), TUI_FN(KEY_NPAGE), TUI_ACT_NONE, 0, NULL, "Jump eight fields" },
	{ ' ', 0, TUI_ACT_NONE, 0, NULL,
	  "Toggle a boolean, open an enum's choices, press a button, add an item" },
	{ TUI_FN(KEY_LEFT), TUI_FN(KEY_RIGHT), TUI_ACT_NONE, 0, NULL,
	  "Move in the text; cycle an enum's values" },
	{ TUI_KEY_ENTER, 0, TUI_ACT_NONE, 0, NULL,
	  "Next field (a new line in a textarea); press a button" },
	{ TUI_CTRL('u'), 0, TUI_ACT_NONE, 0, NULL, "Clear the field" },
	{ TUI_CTRL('d'), 0, TUI_ACT_NONE, 0, NULL, "Remove the array item or map entry" },
	{ TUI_CTRL('t'), 0, TUI_ACT_NONE, 0, NULL,
	  "Secret field: verify the typed value against the stored one (not saved)" },
	{ TUI_CTRL('s'), 0, FORM_ACT_SAVE, TUI_KEY_FOOTER, "save", "Validate and save" },
	{ TUI_KEY_ESC, 0, FORM_ACT_CLOSE, TUI_KEY_FOOTER, "close",
	  "Close the form (twice when there are unsaved changes)" },
	{ 0, 0, 0, 0, NULL, NULL },
};

/* ------------------------------------------------------------ draft probe */

typedef struct DraftProbe {
	Provider *p;
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
	ValidateResult vr = { 0 };
	ProbeResult pr = { 0 };
	Error err;
	char line[600];

	error_clear(&err);
	tui_job_progress(job, 0, 2, "validating the config with the provider");
	if (d->p->ops->validate_config &&
	    d->p->ops->validate_config(d->p, d->config, &vr, &err) != ST_OK) {
		tui_job_finish(job, err.status, &err, NULL);
		return;
	}
	if (d->p->ops->validate_config && !vr.ok) {
		char *errs = vr.errors ? cJSON_PrintUnformatted(vr.errors) : NULL;

		error_set(&err, ST_E_INVALID, "the provider rejects the config: %s",
			  errs ? errs : "no reason given");
		free(errs);
		validate_result_free(&vr);
		tui_job_finish(job, ST_E_INVALID, &err, NULL);
		return;
	}
	tui_job_progress(job, 1, 2, "probing");
	if (d->p->ops->probe(d->p, vr.normalized_config ? vr.normalized_config : d->config, &pr,
			     &err) != ST_OK) {
		validate_result_free(&vr);
		tui_job_finish(job, err.status, &err, NULL);
		return;
	}
	snprintf(line, sizeof line, "probe %s: %s", pr.ok ? "ok" : "FAILED",
		 pr.summary ? pr.summary : "");
	tui_job_progress(job, 2, 2, line);
	tui_job_finish(job, pr.ok ? ST_OK : ST_E_PROVIDER, NULL, line);
	if (!pr.ok)
		error_set(&job->err, ST_E_PROVIDER, "%s", line);
	probe_result_free(&pr);
	validate_result_free(&vr);
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
	if (!d || !(d->config = cJSON_Duplicate(tui_form_value(st->form, 0), 1))) {
		free(d);
		tui_flash(t, TUI_FLASH_ERROR, "out of memory");
		return;
	}
	/* Providers check the config is meant for them (SPEC §3). */
	if (!json_set_string(d->config, "provider", p->key)) {
		draft_probe_free(d);
		tui_flash(t, TUI_FLASH_ERROR, "out of memory");
		return;
	}
	d->p = p;
	d->serial = v->serial;
	error_clear(&err);
	if (tui_job_start(t, "draft probe", draft_probe_run, draft_probe_done, d, draft_probe_free,
			  &err) != ST_OK)
		tui_flash_error(t, &err);
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

static Status form_view_open(Tui *t, TuiView *v, const void *arg, Error *err)
{
	const char *what = arg;
	FormViewState *st = calloc(1, sizeof *st);
	const char *part_title;

	if (!st)
		return error_set(err, ST_E_NOMEM, "out of memory");
	if (!strncmp(what, "provider:", 9)) {
		Provider *p;

		st->kind = FK_PREVIEW_PROVIDER;
		if (registry_require(&t->app->registry, what + 9, &p, err) != ST_OK) {
			free(st);
			return err->status;
		}
		snprintf(st->provider, sizeof st->provider, "%s", p->key);
		snprintf(st->heading, sizeof st->heading, "%s", p->display_name);
		st->schema = cJSON_Duplicate(p->config_schema, 1);
		if (!st->schema) {
			free(st);
			return error_set(err, ST_E_NOMEM, "out of memory");
		}
		snprintf(v->title, sizeof v->title, "form %s", p->key);
	} else {
		st->kind = FK_PREVIEW_FILE;
		if (form_view_load_file(st, what, err) != ST_OK) {
			free(st);
			return error_prefix(err, "cannot preview the form: ");
		}
		snprintf(v->title, sizeof v->title, "form");
	}
	part_title = NULL;
	st->form = tui_form_new(NULL);
	if (!st->form || tui_form_add_part(st->form, part_title, st->schema, NULL, err) != ST_OK) {
		Status s = st->form ? err->status : error_set(err, ST_E_NOMEM, "out of memory");

		tui_form_free(st->form);
		cJSON_Delete(st->schema);
		free(st);
		return error_prefix(err, "cannot draw the form: ") == ST_OK ? s : err->status;
	}
	tui_form_add_button(st->form, "Validate", BTN_VALIDATE);
	if (st->kind == FK_PREVIEW_PROVIDER)
		tui_form_add_button(st->form, "Probe draft", BTN_PROBE);
	tui_form_add_button(st->form, "Close", BTN_CLOSE);
	v->state = st;
	return ST_OK;
}

static void form_view_close(Tui *t, TuiView *v)
{
	FormViewState *st = v->state;

	tui_form_free(st->form);
	cJSON_Delete(st->schema);
	free(st);
}

static void form_view_draw(Tui *t, TuiView *v, int y, int x, int h, int w)
{
	FormViewState *st = v->state;
	char title[300];

	snprintf(title, sizeof title, "%s%s", st->heading, " (preview: nothing is saved)");
	tui_form_draw(st->form, &t->scr, y + 1, x + 1, h - 2, w - 2, &t->cur_y, &t->cur_x);
	tui_frame(t, v, y, x, h, w, title);
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
	case BTN_VALIDATE:
		/* A preview has nothing to save: ^S validates. */
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

static bool form_view_key(Tui *t, TuiView *v, int key)
{
	FormViewState *st = v->state;
	int r;

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

static const char *form_view_status(Tui *t, TuiView *v)
{
	FormViewState *st = v->state;

	tui_form_position(st->form, st->pos, sizeof st->pos);
	return st->pos;
}

static const char *form_view_hint(Tui *t, TuiView *v)
{
	FormViewState *st = v->state;

	return tui_form_hint(st->form);
}

const TuiViewOps tui_view_form = {
	.name = "form",
	.keys = form_keys,
	.min_w = 50,
	.min_h = 12,
	.open = form_view_open,
	.close = form_view_close,
	.draw = form_view_draw,
	.action = form_view_action,
	.key = form_view_key,
	.mouse = form_view_mouse,
	.hint = form_view_hint,
	.status = form_view_status,
};
