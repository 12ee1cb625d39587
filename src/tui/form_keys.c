/* form, keys and editing: focus moves, text through the shared line
 * editor, enums, arrays and maps, secrets (form_internal.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/form_internal.h"
#include "tui/input.h"
#include "util/lib.h"

/* ------------------------------------------------------------ editing */

/* Moves the focus to the next focusable row in dir; Tab wraps around the
 * ends, arrows and pages stop there. */
void form_step_ex(TuiForm *f, int dir, bool wrap)
{
	int i;

	form_ensure_rows(f);
	if (!f->row_count)
		return;
	i = f->focus;
	for (size_t n = 0; n < f->row_count; n++) {
		i += dir;
		if (i < 0 || i >= (int)f->row_count) {
			if (!wrap)
				return;
			i = i < 0 ? (int)f->row_count - 1 : 0;
		}
		if (f->rows[i].focusable) {
			form_move_to(f, i);
			return;
		}
	}
}

static void form_step(TuiForm *f, int dir)
{
	form_step_ex(f, dir, true);
}

/* Inserts bytes at the cursor (lineedit.c: in one rebuild, wiped). */
static bool form_insert_bytes(TuiForm *f, const char *bytes, size_t n)
{
	if (!tui_edit_insert(&f->ed, bytes, n))
		return false;
	f->edit_dirty = true;
	f->dirty = true;
	return true;
}

int tui_form_paste(TuiForm *f, const char *text, size_t len)
{
	FormRow *r = form_focused(f);
	bool multiline;
	size_t n = len;

	if (!r || f->picker || !(r->kind == FR_MAPKEY || (r->kind == FR_FIELD && form_is_text(r->field) &&
							  !r->field->enum_values &&
							  !r->field->read_only && !r->field->const_value)))
		return TUI_FORM_IGNORED;
	multiline = r->kind == FR_FIELD && (r->field->textarea || r->field->secret);
	if (!multiline)
		while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
			n--;
	form_edit_load(f);
	if (!form_insert_bytes(f, text, n)) {
		snprintf(f->note, sizeof f->note,
			 "%s: the paste does not fit (a field holds 64 KiB); nothing was inserted",
			 r->label ? r->label : r->pointer);
		f->note_tone = TONE_ERROR;
		return TUI_FORM_CONSUMED;
	}
	if (!multiline && memchr(text, '\n', n)) {
		snprintf(f->note, sizeof f->note,
			 "%s is one line: the pasted line breaks are kept and will be checked on save",
			 r->label ? r->label : r->pointer);
		f->note_tone = TONE_WARN;
	}
	return TUI_FORM_CONSUMED;
}

char *tui_form_focus_help(TuiForm *f)
{
	FormRow *r = form_focused(f);
	Buf b = BUF_INIT;
	const FormDraft *d;
	const char *issue;

	if (!r || !r->field)
		return NULL;
	buf_printf(&b, "%s%s\n", r->label ? r->label : "", r->field->secret ? " (secret)" : "");
	if (r->pointer && r->pointer[0])
		buf_printf(&b, "%s\n", r->pointer);
	if (r->field->description && r->field->description[0])
		buf_printf(&b, "\n%s\n", r->field->description);
	d = form_draft_find(f, r->part, r->pointer);
	issue = d ? d->error : form_issue(f, r->part, r->pointer);
	if (issue)
		buf_printf(&b, "\nProblem: %s\n", issue);
	return buf_take(&b);
}

const char *tui_form_focus_secret(TuiForm *f)
{
	FormRow *r = form_focused(f);

	if (!r || r->kind != FR_FIELD || !r->field->secret || !form_is_text(r->field))
		return NULL;
	return r->label ? r->label : r->pointer;
}

int tui_form_replace_text(TuiForm *f, const char *text, size_t len)
{
	FormRow *r = form_focused(f);

	if (!r || r->kind != FR_FIELD || !form_is_text(r->field) || r->field->read_only)
		return TUI_FORM_IGNORED;
	form_edit_load(f);
	tui_edit_empty(&f->ed);
	if (!form_insert_bytes(f, text, len)) {
		snprintf(f->note, sizeof f->note, "%s: the value does not fit (a field holds 64 KiB)",
			 r->label ? r->label : r->pointer);
		f->note_tone = TONE_ERROR;
	}
	return TUI_FORM_CONSUMED;
}

const char *tui_form_focus_pickable(TuiForm *f)
{
	return f->hooks.can_pick ? tui_form_focus_secret(f) : NULL;
}

int tui_form_set_secret_ref(TuiForm *f, const char *secret_id)
{
	FormRow *r = form_focused(f);
	cJSON *v;

	if (!r || r->kind != FR_FIELD || !r->field->secret || r->field->read_only)
		return TUI_FORM_IGNORED;
	form_edit_reset(f); /* a typed value goes, wiped */
	v = cJSON_CreateString(secret_id);
	if (!v)
		return TUI_FORM_IGNORED;
	form_set_value(f, r->part, r->pointer, v);
	return TUI_FORM_CONSUMED;
}

static bool form_text_key(TuiForm *f, FormRow *r, int key)
{
	TuiEditResult res;

	form_edit_load(f);
	f->ed.multiline = r->kind == FR_FIELD && r->field->textarea;
	res = tui_edit_key(&f->ed, key);
	if (res == TUI_EDIT_CHANGED) {
		f->edit_dirty = true;
		f->dirty = true;
	}
	/* A key that did not fit is still the field's: nothing else acts on it. */
	return res != TUI_EDIT_IGNORED;
}

const cJSON *form_enum_at(const SchemaField *fd, int i)
{
	return cJSON_GetArrayItem(fd->enum_values, i);
}

static int form_enum_index(const TuiForm *f, const FormRow *r)
{
	const cJSON *v = jsonptr_get(f->parts[r->part].value, r->pointer), *e;
	int i = 0;

	cJSON_ArrayForEach(e, r->field->enum_values) {
		if (v && json_equal(v, e))
			return i;
		i++;
	}
	return -1;
}

static void form_enum_choose(TuiForm *f, FormRow *r, int i)
{
	const cJSON *e = form_enum_at(r->field, i);

	if (e)
		form_set_value(f, r->part, r->pointer, cJSON_Duplicate(e, 1));
}

static cJSON *form_new_item(const SchemaField *tmpl)
{
	if (tmpl->default_value)
		return cJSON_Duplicate(tmpl->default_value, 1);
	if (tmpl->enum_values && cJSON_GetArraySize(tmpl->enum_values) > 0)
		return cJSON_Duplicate(cJSON_GetArrayItem(tmpl->enum_values, 0), 1);
	switch (tmpl->type) {
	case SCHEMA_OBJECT: {
		cJSON *o = cJSON_CreateObject();

		/* Defaults of the item's own fields. */
		for (size_t i = 0; o && i < tmpl->child_count; i++)
			if (tmpl->children[i]->default_value)
				cJSON_AddItemToObject(o, tmpl->children[i]->key,
						      cJSON_Duplicate(tmpl->children[i]->default_value, 1));
		return o;
	}
	case SCHEMA_ARRAY: return cJSON_CreateArray();
	case SCHEMA_BOOLEAN: return cJSON_CreateFalse();
	case SCHEMA_NUMBER:
	case SCHEMA_INTEGER: return cJSON_CreateNumber(tmpl->has_minimum ? tmpl->minimum : 0);
	default: return cJSON_CreateString("");
	}
}

void form_add(TuiForm *f, FormRow *r)
{
	cJSON *container = jsonptr_get(f->parts[r->part].value, r->pointer);
	const SchemaField *fd = r->field;
	char *target = NULL;
	FormRowKind kind = FR_FIELD;
	int part;

	if (!container) {
		/* The container is absent: create it, then add into it. */
		form_set_value(f, r->part, r->pointer,
			       fd->type == SCHEMA_ARRAY ? cJSON_CreateArray() : cJSON_CreateObject());
		container = jsonptr_get(f->parts[r->part].value, r->pointer);
		if (!container)
			return;
	}
	if (cJSON_IsArray(container) && (fd->items || fd->tuple_count)) {
		size_t at = (size_t)cJSON_GetArraySize(container);
		const SchemaField *tmpl = at < fd->tuple_count ? fd->tuple[at] : fd->items;
		char idx[24];

		if (!tmpl) {
			snprintf(f->note, sizeof f->note, "%s holds exactly %zu items", fd->title,
				 fd->tuple_count);
			f->note_tone = TONE_WARN;
			return;
		}

		if (fd->has_max_items && cJSON_GetArraySize(container) >= fd->max_items) {
			snprintf(f->note, sizeof f->note, "%s holds at most %ld items", fd->title,
				 fd->max_items);
			f->note_tone = TONE_WARN;
			return;
		}
		snprintf(idx, sizeof idx, "%d", cJSON_GetArraySize(container));
		cJSON_AddItemToArray(container, form_new_item(tmpl));
		target = jsonptr_append(r->pointer, idx);
		kind = tmpl->type == SCHEMA_OBJECT && tmpl->child_count && tmpl == fd->items ? FR_ITEM
											   : FR_FIELD;
	} else if (cJSON_IsObject(container) && fd->additional) {
		char key[32];

		for (int n = 1;; n++) {
			snprintf(key, sizeof key, "key%d", n);
			if (!cJSON_GetObjectItemCaseSensitive(container, key))
				break;
		}
		cJSON_AddItemToObject(container, key, form_new_item(fd->additional));
		target = jsonptr_append(r->pointer, key);
		kind = FR_MAPKEY;
	}
	f->dirty = true;
	f->rows_stale = true;
	if (f->show_issues)
		form_revalidate(f);
	/* The rebuild reallocates the rows r points into. */
	part = r->part;
	r = NULL;
	form_rebuild(f);
	for (size_t i = 0; target && i < f->row_count; i++) {
		if (f->rows[i].kind == kind && f->rows[i].part == part &&
		    !strcmp(f->rows[i].pointer, target)) {
			f->focus = (int)i;
			form_remember_focus(f);
			break;
		}
	}
	free(target);
}

static void form_remove(TuiForm *f, FormRow *r)
{
	char *ptr = strdup(r->pointer);
	int part = r->part;
	int at = f->focus;

	if (!ptr)
		return;
	form_edit_reset(f);
	form_drafts_drop_under(f, part, ptr);
	/* Wipe secrets inside the removed value before it is freed. */
	{
		cJSON *gone = jsonptr_get(f->parts[part].value, ptr);

		if (cJSON_IsString(gone))
			form_wipe_string(gone);
	}
	jsonptr_remove(f->parts[part].value, ptr);
	free(ptr);
	f->dirty = true;
	if (f->show_issues)
		form_revalidate(f);
	form_rebuild(f);
	/* Stay where the removed row was. */
	if (at >= (int)f->row_count)
		at = (int)f->row_count - 1;
	while (at >= 0 && !f->rows[at].focusable)
		at--;
	f->focus = at;
	if (f->focus < 0)
		form_step(f, 1);
	form_remember_focus(f);
}

bool form_secret_stored(TuiForm *f, const FormRow *r, char **label)
{
	const cJSON *v = jsonptr_get(f->parts[r->part].value, r->pointer);

	*label = NULL;
	if (!cJSON_IsString(v) || !v->valuestring[0] || !f->hooks.secret_label)
		return false;
	*label = f->hooks.secret_label(f->hooks.ctx, v->valuestring);
	return *label != NULL;
}

static void form_verify(TuiForm *f, FormRow *r)
{
	const cJSON *v = jsonptr_get(f->parts[r->part].value, r->pointer);
	char *label = NULL;
	bool match = false;
	Error err;

	if (!form_secret_stored(f, r, &label) || !f->hooks.secret_verify) {
		tui_form_set_note(f, TONE_WARN, "nothing stored to verify against in this field");
		free(label);
		return;
	}
	if (!f->ed.buf.len) {
		tui_form_set_note(f, TONE_WARN,
				  "type the value to check first, then ^T verifies it (it is not saved)");
		free(label);
		return;
	}
	if (f->hooks.secret_verify(f->hooks.ctx, v->valuestring, f->ed.buf.data, &match, &err) != ST_OK)
		tui_form_set_note(f, TONE_ERROR, error_text(&err));
	else if (match)
		snprintf(f->note, sizeof f->note, "the typed value matches secret %s", label),
			f->note_tone = TONE_OK;
	else
		snprintf(f->note, sizeof f->note, "the typed value does NOT match secret %s", label),
			f->note_tone = TONE_ERROR;
	free(label);
	/* What was typed to verify is not a replacement: forget it. */
	buf_wipe(&f->ed.buf);
	f->ed.cursor = 0;
	f->edit_dirty = false;
}

static int form_picker_key(TuiForm *f, FormRow *r, int key)
{
	int n = cJSON_GetArraySize(r->field->enum_values);

	switch (key) {
	case TUI_FN(KEY_UP):
	case 'k':
		if (f->picker_sel > 0)
			f->picker_sel--;
		break;
	case TUI_FN(KEY_DOWN):
	case 'j':
		if (f->picker_sel + 1 < n)
			f->picker_sel++;
		break;
	case TUI_KEY_ENTER:
	case ' ':
		form_enum_choose(f, r, f->picker_sel);
		f->picker = false;
		break;
	case TUI_KEY_ESC:
		f->picker = false;
		break;
	default:
		break;
	}
	return TUI_FORM_CONSUMED;
}

/* Picks alternative i of the object at r: fills in the values the branch
 * requires (in-cluster: inCluster = true) and drops what the operator gave
 * for the other alternatives' own fields, so what is submitted is that
 * branch. */
static void form_choose(TuiForm *f, FormRow *r, int i)
{
	const SchemaField *fd = r->field;
	const SchemaChoice *c = &fd->choices[i];
	const cJSON *m;
	FormPick *pick = NULL;
	char *obj_ptr = form_strdup(r->pointer);
	int part = r->part;

	if (!obj_ptr)
		return;
	form_commit(f);
	for (size_t k = 0; k < f->pick_count && !pick; k++)
		if (f->picks[k].part == part && !strcmp(f->picks[k].pointer, obj_ptr))
			pick = &f->picks[k];
	if (!pick) {
		FormPick *np = realloc(f->picks, (f->pick_count + 1) * sizeof *np);

		if (!np) {
			free(obj_ptr);
			return;
		}
		f->picks = np;
		pick = &f->picks[f->pick_count++];
		pick->part = part;
		pick->pointer = obj_ptr;
		obj_ptr = NULL;
	}
	pick->choice = i;
	for (size_t k = 0; k < fd->child_count; k++) {
		const SchemaField *ch = fd->children[k];
		char *cp;

		if (!schema_choice_is_branch_key(fd, ch->key) || schema_choice_owns(fd, i, ch->key))
			continue;
		cp = jsonptr_append(pick->pointer, ch->key);
		if (!cp)
			continue;
		form_drafts_drop_under(f, part, cp);
		if (jsonptr_get(f->parts[part].value, cp))
			form_set_value(f, part, cp, NULL);
		free(cp);
	}
	cJSON_ArrayForEach(m, c->sets) {
		char *cp = jsonptr_append(pick->pointer, m->string);

		if (cp)
			form_set_value(f, part, cp, cJSON_Duplicate(m, 1));
		free(cp);
	}
	free(obj_ptr);
	f->dirty = true;
	f->rows_stale = true;
}

int tui_form_key(TuiForm *f, int key)
{
	FormRow *r = form_focused(f);

	if (!r)
		return key == TUI_CTRL('s') ? TUI_FORM_SUBMIT : TUI_FORM_IGNORED;
	if (f->picker && r->kind == FR_FIELD && r->field->enum_values)
		return form_picker_key(f, r, key);
	switch (key) {
	case TUI_KEY_TAB:
		form_step(f, 1);
		return TUI_FORM_CONSUMED;
	case TUI_FN(KEY_BTAB):
		form_step(f, -1);
		return TUI_FORM_CONSUMED;
	case TUI_FN(KEY_DOWN):
		form_step_ex(f, 1, false);
		return TUI_FORM_CONSUMED;
	case TUI_FN(KEY_UP):
		form_step_ex(f, -1, false);
		return TUI_FORM_CONSUMED;
	case TUI_FN(KEY_NPAGE):
		for (int i = 0; i < 8; i++)
			form_step_ex(f, 1, false);
		return TUI_FORM_CONSUMED;
	case TUI_FN(KEY_PPAGE):
		for (int i = 0; i < 8; i++)
			form_step_ex(f, -1, false);
		return TUI_FORM_CONSUMED;
	case TUI_CTRL('s'):
		form_commit(f);
		return TUI_FORM_SUBMIT;
	case TUI_CTRL('d'):
		if (r->removable) {
			form_remove(f, r);
			return TUI_FORM_CONSUMED;
		}
		return TUI_FORM_CONSUMED;
	default:
		break;
	}
	switch (r->kind) {
	case FR_BUTTON:
		if (key == TUI_KEY_ENTER || key == ' ') {
			form_commit(f);
			return r->button;
		}
		return TUI_FORM_IGNORED;
	case FR_ADD:
		if (key == TUI_KEY_ENTER || key == ' ') {
			form_add(f, r);
			return TUI_FORM_CONSUMED;
		}
		return TUI_FORM_IGNORED;
	case FR_ITEM:
		if (key == TUI_KEY_ENTER) {
			form_step(f, 1);
			return TUI_FORM_CONSUMED;
		}
		return TUI_FORM_IGNORED;
	case FR_MAPKEY:
		if (key == TUI_KEY_ENTER) {
			form_step(f, 1);
			return TUI_FORM_CONSUMED;
		}
		return form_text_key(f, r, key) ? TUI_FORM_CONSUMED : TUI_FORM_IGNORED;
	case FR_HEADING:
		return TUI_FORM_IGNORED;
	case FR_CHOICE: {
		int n = (int)r->field->choice_count;
		int cur = form_choice_sel(f, r->part, r->field, r->pointer);

		if (key == ' ' || key == TUI_KEY_ENTER || key == TUI_FN(KEY_RIGHT)) {
			form_choose(f, r, cur + 1 < n ? cur + 1 : 0);
			return TUI_FORM_CONSUMED;
		}
		if (key == TUI_FN(KEY_LEFT)) {
			form_choose(f, r, cur > 0 ? cur - 1 : n - 1);
			return TUI_FORM_CONSUMED;
		}
		return TUI_FORM_IGNORED;
	}
	case FR_ADVANCED:
		if (key == ' ' || key == TUI_KEY_ENTER) {
			form_commit(f);
			f->show_advanced = !f->show_advanced;
			f->rows_stale = true;
			return TUI_FORM_CONSUMED;
		}
		return TUI_FORM_IGNORED;
	case FR_FIELD:
		break;
	}
	if (r->field->type == SCHEMA_BOOLEAN && !r->field->enum_values) {
		if (key == ' ' || key == TUI_KEY_ENTER) {
			const cJSON *v = jsonptr_get(f->parts[r->part].value, r->pointer);

			form_set_value(f, r->part, r->pointer, cJSON_CreateBool(!cJSON_IsTrue(v)));
			return TUI_FORM_CONSUMED;
		}
		return TUI_FORM_IGNORED;
	}
	if (r->field->enum_values) {
		int n = cJSON_GetArraySize(r->field->enum_values), cur = form_enum_index(f, r);

		if (key == ' ' || key == TUI_KEY_ENTER) {
			f->picker = true;
			f->picker_sel = cur >= 0 ? cur : 0;
			return TUI_FORM_CONSUMED;
		}
		if (key == TUI_FN(KEY_RIGHT) && n) {
			form_enum_choose(f, r, cur + 1 < n ? cur + 1 : 0);
			return TUI_FORM_CONSUMED;
		}
		if (key == TUI_FN(KEY_LEFT) && n) {
			form_enum_choose(f, r, cur > 0 ? cur - 1 : n - 1);
			return TUI_FORM_CONSUMED;
		}
		return TUI_FORM_IGNORED;
	}
	if (!form_is_text(r->field))
		return TUI_FORM_IGNORED;
	if (key == TUI_CTRL('t') && r->field->secret) {
		form_edit_load(f);
		form_verify(f, r);
		return TUI_FORM_CONSUMED;
	}
	if (form_text_key(f, r, key))
		return TUI_FORM_CONSUMED;
	if (key == TUI_KEY_ENTER) {
		form_step(f, 1);
		return TUI_FORM_CONSUMED;
	}
	return TUI_FORM_IGNORED;
}
