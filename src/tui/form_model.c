/* form, model and values: the parts, the rows built from the schema,
 * drafts, validation, and committing what was typed (form_internal.h). */
#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/form_internal.h"
#include "tui/input.h"
#include "util/lib.h"

/* ------------------------------------------------------------ helpers */

char *form_strdup(const char *s)
{
	return strdup(s ? s : "");
}

void form_wipe_string(cJSON *item)
{
	if (item && cJSON_IsString(item) && item->valuestring)
		sodium_memzero(item->valuestring, strlen(item->valuestring));
}

static void form_wipe_tree_secrets(FormPart *p)
{
	char **paths = NULL;
	Error err;

	if (!p->value || !p->schema)
		return;
	if (schema_secret_paths(p->schema, p->value, &paths, &err) != ST_OK)
		return;
	for (char **q = paths; q && *q; q++)
		form_wipe_string(jsonptr_get(p->value, *q));
	schema_paths_free(paths);
}

void form_edit_reset(TuiForm *f)
{
	if (f->edit_secret)
		buf_wipe(&f->ed.buf);
	else
		buf_clear(&f->ed.buf);
	f->ed.cursor = 0;
	f->edit_loaded = false;
	f->edit_dirty = false;
	f->edit_secret = false;
}

static void form_rows_clear(TuiForm *f)
{
	for (size_t i = 0; i < f->row_count; i++) {
		free(f->rows[i].pointer);
		free(f->rows[i].label);
	}
	f->row_count = 0;
}

FormDraft *form_draft_find(TuiForm *f, int part, const char *pointer)
{
	for (size_t i = 0; i < f->draft_count; i++)
		if (f->drafts[i].part == part && !strcmp(f->drafts[i].pointer, pointer))
			return &f->drafts[i];
	return NULL;
}

static void form_draft_drop(TuiForm *f, int part, const char *pointer)
{
	FormDraft *d = form_draft_find(f, part, pointer);

	if (!d)
		return;
	free(d->pointer);
	free(d->text);
	free(d->error);
	*d = f->drafts[--f->draft_count];
}

/* Drafts under a removed array item or map entry go with it. */
void form_drafts_drop_under(TuiForm *f, int part, const char *prefix)
{
	size_t plen = strlen(prefix);

	for (size_t i = 0; i < f->draft_count;) {
		FormDraft *d = &f->drafts[i];

		if (d->part == part && !strncmp(d->pointer, prefix, plen) &&
		    (d->pointer[plen] == 0 || d->pointer[plen] == '/')) {
			free(d->pointer);
			free(d->text);
			free(d->error);
			*d = f->drafts[--f->draft_count];
		} else {
			i++;
		}
	}
}

static void form_draft_set(TuiForm *f, int part, const char *pointer, const char *text,
			   const char *error)
{
	FormDraft *d = form_draft_find(f, part, pointer), *n;
	char tag[300];
	const char *at;

	/* The engine names the field ("Port (/port): must be ..."); the form
	 * shows the message at the field and the pointer in the summary, so
	 * keep only what follows the name. */
	snprintf(tag, sizeof tag, "(%s): ", pointer);
	at = strstr(error, tag);
	if (at) {
		error = at + strlen(tag);
	} else if ((at = strstr(error, " (/")) && (at = strstr(at, "): "))) {
		/* An array item's field is named by its template ("/hosts/-/port"). */
		error = at + 3;
	}

	if (d) {
		free(d->text);
		free(d->error);
		d->text = form_strdup(text);
		d->error = form_strdup(error);
		return;
	}
	n = realloc(f->drafts, (f->draft_count + 1) * sizeof *n);
	if (!n)
		return;
	f->drafts = n;
	d = &f->drafts[f->draft_count++];
	d->part = part;
	d->pointer = form_strdup(pointer);
	d->text = form_strdup(text);
	d->error = form_strdup(error);
}

bool form_touched(const TuiForm *f, int part, const char *pointer)
{
	char key[600];

	if (!f->touched.data)
		return false;
	snprintf(key, sizeof key, "\n%d:%s\n", part, pointer);
	return strstr(f->touched.data, key) != NULL;
}

static void form_touch(TuiForm *f, int part, const char *pointer)
{
	if (form_touched(f, part, pointer))
		return;
	if (!f->touched.len)
		buf_putc(&f->touched, '\n');
	buf_printf(&f->touched, "%d:%s\n", part, pointer);
}

const char *form_issue(const TuiForm *f, int part, const char *pointer)
{
	const FormPart *p = &f->parts[part];

	if (!f->show_issues && !form_touched(f, part, pointer))
		return NULL;
	for (size_t i = 0; i < p->issues.count; i++)
		if (!strcmp(p->issues.items[i].pointer, pointer))
			return p->issues.items[i].message;
	return NULL;
}

bool form_is_text(const SchemaField *fd)
{
	if (fd->read_only || fd->const_value)
		return false;
	if (fd->enum_values || fd->type == SCHEMA_BOOLEAN)
		return false;
	return fd->type == SCHEMA_STRING || fd->type == SCHEMA_NUMBER ||
	       fd->type == SCHEMA_INTEGER || fd->type == SCHEMA_ANY || fd->type == SCHEMA_NULL;
}

/* ------------------------------------------------------------ rows */

static FormRow *form_row_add(TuiForm *f, FormRowKind kind, int part, const SchemaField *fd,
			     const char *pointer, const char *label, int depth)
{
	FormRow *r;

	if (!array_reserve(&f->rows, &f->row_cap, f->row_count, sizeof *f->rows))
		return NULL;
	r = &f->rows[f->row_count];
	memset(r, 0, sizeof *r);
	r->kind = kind;
	r->part = part;
	r->field = fd;
	r->depth = depth;
	r->pointer = form_strdup(pointer);
	r->label = form_strdup(label);
	if (!r->pointer || !r->label) {
		free(r->pointer);
		free(r->label);
		return NULL;
	}
	f->row_count++;
	return r;
}

static void form_build_field(TuiForm *f, int part, const SchemaField *fd, const char *pointer,
			     const char *label, int depth, bool removable);

/* The alternative shown for the object at pointer: the operator's pick,
 * else what its value makes; -1 none yet. */
int form_choice_sel(const TuiForm *f, int part, const SchemaField *fd, const char *pointer)
{
	for (size_t i = 0; i < f->pick_count; i++)
		if (f->picks[i].part == part && !strcmp(f->picks[i].pointer, pointer))
			return f->picks[i].choice;
	return schema_choice_of(fd, jsonptr_get(f->parts[part].value, pointer));
}

/* Fields of another alternative than the one shown are hidden, and all
 * of them until one is chosen; so are those of the if/then/else outcome
 * the object's value (obj) does not take. */
static bool form_child_hidden(const cJSON *obj, const SchemaField *fd, int sel,
			      const SchemaField *c)
{
	return (fd->choice_count && schema_choice_is_branch_key(fd, c->key) &&
		!schema_choice_owns(fd, sel, c->key)) ||
	       !schema_field_shown(fd, obj, c->key);
}

/* The "*": required, or required now (dependentRequired's trigger is
 * filled, the if/then/else outcome taken requires it). */
bool form_required_now(const TuiForm *f, const FormRow *r)
{
	const SchemaField *fd = r->field;
	char *parent;
	bool req;

	if (!fd || fd->required || !fd->parent || !fd->key || r->part < 0)
		return fd && fd->required;
	parent = strdup(r->pointer);
	if (!parent)
		return false;
	if (strrchr(parent, '/'))
		*strrchr(parent, '/') = '\0';
	req = schema_field_required_now(fd->parent, jsonptr_get(f->parts[r->part].value, parent),
					fd->key);
	free(parent);
	return req;
}

static bool form_has_issue_under(const TuiForm *f, int part, const char *pointer)
{
	size_t n = strlen(pointer);

	for (size_t i = 0; i < f->parts[part].issues.count; i++) {
		const char *ip = f->parts[part].issues.items[i].pointer;

		if (!strncmp(ip, pointer, n) && (ip[n] == '\0' || ip[n] == '/'))
			return true;
	}
	return false;
}

/* One pass over the children: the advanced ones or not; of the advanced,
 * those of group (NULL: ungrouped). */
static void form_build_pass(TuiForm *f, int part, const SchemaField *fd, const char *pointer,
			    int depth, int sel, bool advanced, const char *group)
{
	const cJSON *obj = jsonptr_get(f->parts[part].value, pointer);

	for (size_t i = 0; i < fd->child_count; i++) {
		const SchemaField *c = fd->children[i];
		char *cp;

		if (c->advanced != advanced || form_child_hidden(obj, fd, sel, c))
			continue;
		if (advanced && (group ? !c->group || strcmp(c->group, group) : c->group != NULL))
			continue;
		cp = jsonptr_append(pointer, c->key);
		if (!cp)
			continue;
		form_build_field(f, part, c, cp, c->title ? c->title : c->key, depth, false);
		free(cp);
	}
}

/* Paperclip's hints: x-paperclip-advanced fields fold behind one
 * "Advanced" toggle (unfolded by the operator, or while one of them has a
 * problem to show); inside it, x-paperclip-group names sub-sections (as
 * in Paperclip, a group means nothing on a field that is not advanced). */
static void form_build_advanced(TuiForm *f, int part, const SchemaField *fd, const char *pointer,
				int depth, int sel)
{
	size_t advanced = 0;
	bool issue = false;
	char label[64];
	FormRow *r;
	const cJSON *obj = jsonptr_get(f->parts[part].value, pointer);

	for (size_t i = 0; i < fd->child_count; i++) {
		const SchemaField *c = fd->children[i];
		char *cp;

		if (!c->advanced || form_child_hidden(obj, fd, sel, c))
			continue;
		advanced++;
		cp = jsonptr_append(pointer, c->key);
		issue |= cp && f->show_issues && form_has_issue_under(f, part, cp);
		free(cp);
	}
	if (!advanced)
		return;
	snprintf(label, sizeof label, "Advanced (%zu field%s)", advanced, advanced == 1 ? "" : "s");
	r = form_row_add(f, FR_ADVANCED, part, fd, pointer, label, depth);
	if (r)
		r->focusable = true;
	if (!f->show_advanced && !issue)
		return;
	form_build_pass(f, part, fd, pointer, depth + 1, sel, true, NULL);
	for (size_t i = 0; i < fd->child_count; i++) {
		const SchemaField *c = fd->children[i];
		bool first = c->advanced && c->group && !form_child_hidden(obj, fd, sel, c);
		char gp[160];

		for (size_t j = 0; first && j < i; j++)
			first = !fd->children[j]->advanced || !fd->children[j]->group ||
				form_child_hidden(obj, fd, sel, fd->children[j]) ||
				strcmp(fd->children[j]->group, c->group) != 0;
		if (!first)
			continue;
		/* A sub-section heading: no field, and a pointer ("#group") that
		 * no validation issue can have. */
		snprintf(gp, sizeof gp, "#%s", c->group);
		form_row_add(f, FR_HEADING, part, NULL, gp, c->group, depth + 1);
		form_build_pass(f, part, fd, pointer, depth + 2, sel, true, c->group);
	}
}

static void form_build_children(TuiForm *f, int part, const SchemaField *fd, const char *pointer,
				int depth)
{
	const cJSON *obj = jsonptr_get(f->parts[part].value, pointer);
	int sel = -1;

	if (fd->choice_count) {
		FormRow *r = form_row_add(f, FR_CHOICE, part, fd, pointer, "Use", depth);

		sel = form_choice_sel(f, part, fd, pointer);
		if (r)
			r->focusable = !fd->read_only;
	}
	form_build_pass(f, part, fd, pointer, depth, sel, false, NULL);
	form_build_advanced(f, part, fd, pointer, depth, sel);
	if (fd->additional) {
		/* A map: each entry is a key row and a value row, then "+ add". */
		const cJSON *e;
		FormRow *r;

		cJSON_ArrayForEach(e, obj) {
			bool declared = false;
			char *ep;

			for (size_t i = 0; i < fd->child_count; i++)
				if (!strcmp(fd->children[i]->key, e->string))
					declared = true;
			if (declared)
				continue;
			ep = jsonptr_append(pointer, e->string);
			if (!ep)
				continue;
			r = form_row_add(f, FR_MAPKEY, part, fd->additional, ep, e->string, depth);
			if (r) {
				r->focusable = true;
				r->removable = true;
			}
			if (fd->additional->type == SCHEMA_OBJECT || fd->additional->type == SCHEMA_ARRAY)
				form_build_field(f, part, fd->additional, ep, "value", depth + 1, false);
			else
				form_build_field(f, part, fd->additional, ep, "value", depth + 1, false);
			free(ep);
		}
		r = form_row_add(f, FR_ADD, part, fd, pointer, "+ add entry", depth);
		if (r)
			r->focusable = !fd->read_only;
	}
}

static void form_build_field(TuiForm *f, int part, const SchemaField *fd, const char *pointer,
			     const char *label, int depth, bool removable)
{
	FormRow *r;

	if (fd->type == SCHEMA_OBJECT && !fd->enum_values && !fd->const_value &&
	    (fd->child_count || fd->additional)) {
		if (removable) {
			r = form_row_add(f, FR_ITEM, part, fd, pointer, label, depth);
			if (r) {
				r->focusable = true;
				r->removable = true;
			}
		} else {
			form_row_add(f, FR_HEADING, part, fd, pointer, label, depth);
		}
		form_build_children(f, part, fd, pointer, depth + 1);
		return;
	}
	if (fd->type == SCHEMA_ARRAY && (fd->items || fd->tuple_count)) {
		const cJSON *arr = jsonptr_get(f->parts[part].value, pointer);
		int n = cJSON_IsArray(arr) ? cJSON_GetArraySize(arr) : 0;

		r = form_row_add(f, FR_HEADING, part, fd, pointer, label, depth);
		for (int i = 0; i < n; i++) {
			/* prefixItems: each position its own field, fixed in place */
			bool pos = (size_t)i < fd->tuple_count;
			const SchemaField *it = pos ? fd->tuple[i] : fd->items;
			char idx[24], item_label[64];
			char *ip;

			if (!it)
				continue;
			snprintf(idx, sizeof idx, "%d", i);
			ip = jsonptr_append(pointer, idx);
			if (!ip)
				continue;
			long dup = schema_array_duplicate(fd, arr, (size_t)i);

			if (pos)
				snprintf(item_label, sizeof item_label, "%s", it->title);
			else if (dup >= 0) /* uniqueItems: the repeat says what it repeats */
				snprintf(item_label, sizeof item_label, "%s %d (= %ld)",
					 it->title && it->title[0] ? it->title : "Item", i + 1, dup + 1);
			else
				snprintf(item_label, sizeof item_label, "%s %d",
					 it->title && it->title[0] ? it->title : "Item", i + 1);
			form_build_field(f, part, it, ip, item_label, depth + 1, !fd->read_only && !pos);
			free(ip);
		}
		if (fd->items || (size_t)n < fd->tuple_count) {
			r = form_row_add(f, FR_ADD, part, fd, pointer, "+ add item", depth + 1);
			if (r)
				r->focusable = !fd->read_only;
		}
		return;
	}
	r = form_row_add(f, FR_FIELD, part, fd, pointer, label, depth);
	if (r) {
		r->focusable = !fd->read_only && !fd->const_value;
		r->removable = removable;
	}
}

void form_rebuild(TuiForm *f)
{
	form_rows_clear(f);
	for (int p = 0; p < f->part_count; p++) {
		FormPart *part = &f->parts[p];

		if (part->title)
			form_row_add(f, FR_HEADING, p, part->root, "", part->title, 0);
		form_build_children(f, p, part->root, "", part->title ? 1 : 0);
	}
	for (int b = 0; b < f->button_count; b++) {
		FormRow *r = form_row_add(f, FR_BUTTON, -1, NULL, "", f->buttons[b].label, 0);

		if (r) {
			r->focusable = true;
			r->button = f->buttons[b].id;
		}
	}
	/* Find the focused row again by what it shows, not where it was. */
	f->focus = -1;
	for (size_t i = 0; f->focus_ptr && i < f->row_count; i++) {
		const FormRow *r = &f->rows[i];

		if (r->kind == f->focus_kind && r->part == f->focus_part &&
		    !strcmp(r->pointer, f->focus_ptr) &&
		    (r->kind != FR_BUTTON || !strcmp(r->label, f->focus_ptr + strlen(f->focus_ptr) + 1)))
			f->focus = (int)i;
	}
	if (f->focus < 0) {
		for (size_t i = 0; i < f->row_count; i++) {
			if (f->rows[i].focusable) {
				f->focus = (int)i;
				break;
			}
		}
	}
	f->rows_stale = false;
}

void form_remember_focus(TuiForm *f)
{
	const FormRow *r;
	size_t a, b;

	free(f->focus_ptr);
	f->focus_ptr = NULL;
	if (f->focus < 0 || (size_t)f->focus >= f->row_count)
		return;
	r = &f->rows[f->focus];
	/* pointer NUL label: buttons share the pointer "" and differ by label. */
	a = strlen(r->pointer);
	b = strlen(r->label);
	f->focus_ptr = malloc(a + b + 2);
	if (!f->focus_ptr)
		return;
	memcpy(f->focus_ptr, r->pointer, a + 1);
	memcpy(f->focus_ptr + a + 1, r->label, b + 1);
	f->focus_part = r->part;
	f->focus_kind = r->kind;
}

void form_ensure_rows(TuiForm *f)
{
	if (f->rows_stale)
		form_rebuild(f);
}

FormRow *form_focused(TuiForm *f)
{
	form_ensure_rows(f);
	if (f->focus < 0 || (size_t)f->focus >= f->row_count)
		return NULL;
	return &f->rows[f->focus];
}

/* ------------------------------------------------------------ values */

static void form_format_number(const cJSON *v, char *out, size_t n)
{
	double d = v->valuedouble;

	if (d == floor(d) && fabs(d) < 1e15)
		snprintf(out, n, "%.0f", d);
	else
		snprintf(out, n, "%.17g", d);
}

/* The text a non-secret value shows as (caller frees). */
char *form_value_text(const cJSON *v)
{
	char num[64];

	if (!v || cJSON_IsNull(v))
		return strdup("");
	if (cJSON_IsString(v))
		return strdup(v->valuestring);
	if (cJSON_IsNumber(v)) {
		form_format_number(v, num, sizeof num);
		return strdup(num);
	}
	if (cJSON_IsBool(v))
		return strdup(cJSON_IsTrue(v) ? "true" : "false");
	return cJSON_PrintUnformatted(v);
}

void form_revalidate(TuiForm *f)
{
	Error err;

	for (int p = 0; p < f->part_count; p++) {
		schema_issues_clear(&f->parts[p].issues);
		if (schema_validate(f->parts[p].schema, f->parts[p].value, &f->parts[p].issues,
				    &err) != ST_OK) {
			/* A broken schema: say so once, at the top. */
			snprintf(f->note, sizeof f->note, "%s", error_text(&err));
			f->note_tone = TONE_ERROR;
		}
	}
}

void form_set_value(TuiForm *f, int part, const char *pointer, cJSON *v)
{
	Error err;
	cJSON *old = jsonptr_get(f->parts[part].value, pointer);

	form_wipe_string(old);
	if (!v) {
		if (old)
			jsonptr_remove(f->parts[part].value, pointer);
	} else if (jsonptr_set(f->parts[part].value, pointer, v, &err) != ST_OK) {
		snprintf(f->note, sizeof f->note, "%s", error_text(&err));
		f->note_tone = TONE_ERROR;
	}
	f->dirty = true;
	f->rows_stale = true;
	if (f->show_issues)
		form_revalidate(f);
}

/* Loads the focused field's text into the edit buffer. A secret starts
 * empty: a stored value is never shown, and typing replaces it. */
void form_edit_load(TuiForm *f)
{
	FormRow *r = form_focused(f);
	const cJSON *v;
	FormDraft *d;
	char *text;

	if (f->edit_loaded || !r)
		return;
	f->edit_loaded = true;
	f->edit_dirty = false;
	buf_reset(&f->ed.buf);
	f->ed.cursor = 0;
	if (r->kind == FR_MAPKEY) {
		const char *slash = strrchr(r->pointer, '/');

		(void)slash;
		buf_puts(&f->ed.buf, r->label);
		f->ed.cursor = f->ed.buf.len;
		return;
	}
	if (r->kind != FR_FIELD || !form_is_text(r->field))
		return;
	f->edit_secret = r->field->secret;
	if (f->edit_secret)
		return;
	d = form_draft_find(f, r->part, r->pointer);
	if (d) {
		buf_puts(&f->ed.buf, d->text);
	} else {
		v = jsonptr_get(f->parts[r->part].value, r->pointer);
		text = form_value_text(v);
		if (text)
			buf_puts(&f->ed.buf, text);
		free(text);
	}
	f->ed.cursor = f->ed.buf.len;
}

static void form_commit_mapkey(TuiForm *f, FormRow *r)
{
	const char *newkey = f->ed.buf.data ? f->ed.buf.data : "";
	char *parent, *slash, *np;
	char why[200];
	cJSON *obj, *item;

	if (!strcmp(newkey, r->label))
		return;
	parent = strdup(r->pointer);
	if (!parent)
		return;
	slash = strrchr(parent, '/');
	if (slash)
		*slash = 0;
	obj = jsonptr_get(f->parts[r->part].value, parent);
	if (!newkey[0]) {
		snprintf(f->note, sizeof f->note, "%s: a key cannot be empty", r->pointer);
		f->note_tone = TONE_ERROR;
	} else if (cJSON_GetObjectItemCaseSensitive(obj, newkey)) {
		snprintf(f->note, sizeof f->note, "%s: key \"%s\" is already there", parent, newkey);
		f->note_tone = TONE_ERROR;
	} else if (r->field && r->field->parent &&
		   !schema_map_key_check(r->field->parent, newkey, why, sizeof why)) {
		/* patternProperties/propertyNames: refused before it is stored */
		snprintf(f->note, sizeof f->note, "%s: %s", parent, why);
		f->note_tone = TONE_ERROR;
	} else if ((item = cJSON_DetachItemFromObjectCaseSensitive(obj, r->label))) {
		cJSON_AddItemToObject(obj, newkey, item);
		np = jsonptr_append(parent, newkey);
		form_drafts_drop_under(f, r->part, r->pointer);
		free(r->pointer);
		r->pointer = np ? np : strdup("");
		free(r->label);
		r->label = strdup(newkey);
		form_remember_focus(f);
		f->dirty = true;
		f->rows_stale = true;
	}
	free(parent);
}

/* Converts what was typed into the field's JSON type and stores it. */
void form_commit(TuiForm *f)
{
	FormRow *r;
	cJSON *v = NULL;
	Error err;
	const char *text;

	if (!f->edit_loaded)
		return;
	r = (f->focus >= 0 && (size_t)f->focus < f->row_count) ? &f->rows[f->focus] : NULL;
	if (r && f->edit_dirty) {
		text = f->ed.buf.data ? f->ed.buf.data : "";
		if (r->kind == FR_MAPKEY) {
			form_commit_mapkey(f, r);
		} else if (r->kind == FR_FIELD) {
			if (f->edit_secret && !text[0]) {
				/* Typed and erased: the stored value stays. */
			} else if (!text[0] && r->field->type != SCHEMA_STRING) {
				form_draft_drop(f, r->part, r->pointer);
				form_set_value(f, r->part, r->pointer, NULL);
			} else if (!text[0] && !r->removable) {
				/* An emptied string is absent, so `required` can say so. */
				form_draft_drop(f, r->part, r->pointer);
				form_set_value(f, r->part, r->pointer, NULL);
			} else if (schema_coerce(r->field, text, &v, &err) != ST_OK) {
				form_draft_set(f, r->part, r->pointer, f->edit_secret ? "" : text,
					       error_text(&err));
				f->dirty = true;
			} else {
				form_draft_drop(f, r->part, r->pointer);
				form_set_value(f, r->part, r->pointer, v);
			}
			/* Leaving an edited field checks it as a save would. */
			form_touch(f, r->part, r->pointer);
			if (!f->show_issues)
				form_revalidate(f);
			f->rows_stale = true;
		}
	}
	form_edit_reset(f);
}

/* ------------------------------------------------------------ lifecycle */

TuiForm *tui_form_new(const TuiFormHooks *hooks)
{
	TuiForm *f = calloc(1, sizeof *f);

	if (!f)
		return NULL;
	if (hooks)
		f->hooks = *hooks;
	f->focus = -1;
	f->rows_stale = true;
	return f;
}

void tui_form_free(TuiForm *f)
{
	if (!f)
		return;
	form_edit_reset(f);
	buf_wipe(&f->ed.buf);
	buf_clear(&f->touched);
	for (int p = 0; p < f->part_count; p++) {
		form_wipe_tree_secrets(&f->parts[p]);
		cJSON_Delete(f->parts[p].value);
		schema_field_free(f->parts[p].root);
		schema_issues_clear(&f->parts[p].issues);
		free(f->parts[p].title);
	}
	for (int b = 0; b < f->button_count; b++)
		free(f->buttons[b].label);
	while (f->draft_count)
		form_draft_drop(f, f->drafts[0].part, f->drafts[0].pointer);
	free(f->drafts);
	for (size_t i = 0; i < f->pick_count; i++)
		free(f->picks[i].pointer);
	free(f->picks);
	form_rows_clear(f);
	free(f->rows);
	free(f->focus_ptr);
	free(f);
}

Status tui_form_add_part(TuiForm *f, const char *title, const cJSON *schema,
			 const cJSON *initial, Error *err)
{
	FormPart *p;

	if (f->part_count == FORM_MAX_PARTS)
		return error_set(err, ST_E_INVALID, "a form holds at most %d parts", FORM_MAX_PARTS);
	p = &f->parts[f->part_count];
	memset(p, 0, sizeof *p);
	if (schema_form_load(schema, &p->root, err) != ST_OK)
		return err->status;
	p->schema = schema;
	p->value = initial ? cJSON_Duplicate(initial, 1) : schema_defaults(schema, err);
	if (!p->value) {
		schema_field_free(p->root);
		memset(p, 0, sizeof *p);
		return initial ? error_set(err, ST_E_NOMEM, "out of memory") : err->status;
	}
	if (!cJSON_IsObject(p->value)) {
		cJSON_Delete(p->value);
		schema_field_free(p->root);
		memset(p, 0, sizeof *p);
		return error_set(err, ST_E_INVALID, "a form's value must be a JSON object");
	}
	p->title = title ? strdup(title) : NULL;
	f->part_count++;
	f->rows_stale = true;
	return ST_OK;
}

void tui_form_add_button(TuiForm *f, const char *label, int id)
{
	if (f->button_count == FORM_MAX_BUTTONS)
		return;
	f->buttons[f->button_count].label = form_strdup(label);
	f->buttons[f->button_count].id = id;
	f->button_count++;
	f->rows_stale = true;
}


size_t tui_form_validate(TuiForm *f)
{
	size_t n = f->draft_count;

	form_commit(f);
	f->show_issues = true;
	f->rows_stale = true; /* a problem in a folded field unfolds it */
	form_revalidate(f);
	for (int p = 0; p < f->part_count; p++)
		n += f->parts[p].issues.count;
	if (n) {
		/* The focus goes to the first field with a problem. */
		form_ensure_rows(f);
		for (size_t i = 0; i < f->row_count; i++) {
			const FormRow *r = &f->rows[i];

			if (r->focusable && r->kind == FR_FIELD &&
			    (form_draft_find(f, r->part, r->pointer) ||
			     form_issue(f, r->part, r->pointer))) {
				form_move_to(f, (int)i);
				break;
			}
		}
	}
	return n;
}

const cJSON *tui_form_value(TuiForm *f, int part)
{
	form_commit(f);
	if (part < 0 || part >= f->part_count)
		return NULL;
	return f->parts[part].value;
}

void tui_form_set_note(TuiForm *f, TuiTone tone, const char *text)
{
	snprintf(f->note, sizeof f->note, "%s", text ? text : "");
	f->note_tone = tone;
}

bool tui_form_dirty(const TuiForm *f)
{
	return f->dirty || f->edit_dirty;
}

const char *tui_form_focus_pointer(const TuiForm *f, int *part)
{
	const FormRow *r = (f->focus >= 0 && (size_t)f->focus < f->row_count) ? &f->rows[f->focus]
									     : NULL;

	if (part)
		*part = r ? r->part : -1;
	return r ? r->pointer : "";
}

void form_move_to(TuiForm *f, int idx)
{
	if (idx == f->focus)
		return;
	form_commit(f);
	form_ensure_rows(f);
	if (idx < 0 || (size_t)idx >= f->row_count)
		return;
	f->focus = idx;
	f->picker = false;
	form_remember_focus(f);
}

bool tui_form_focus(TuiForm *f, int part, const char *pointer)
{
	form_ensure_rows(f);
	for (size_t i = 0; i < f->row_count; i++) {
		if (f->rows[i].part == part && f->rows[i].focusable &&
		    !strcmp(f->rows[i].pointer, pointer)) {
			form_move_to(f, (int)i);
			return true;
		}
	}
	return false;
}
