#include "tui/form.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/input.h"
#include "tui/lineedit.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/jsonptr.h"

#define FORM_MAX_PARTS 4
#define FORM_MAX_BUTTONS 6
#define FORM_TEXTAREA_LINES 4
#define FORM_MASK_LEN 6

typedef enum FormRowKind {
	FR_HEADING, /* a part, a nested object, an array, a map */
	FR_FIELD,   /* a value: text, number, boolean, enum, secret, textarea */
	FR_ITEM,    /* an array item that is an object: its heading */
	FR_MAPKEY,  /* the key of a map entry (its value is the next row) */
	FR_ADD,     /* "+ add" under an array or a map */
	FR_BUTTON,
	FR_CHOICE,   /* which of an object's oneOf/anyOf alternatives (field: the object) */
	FR_ADVANCED, /* the "Advanced" toggle that folds x-paperclip-advanced fields */
} FormRowKind;

typedef struct FormRow {
	FormRowKind kind;
	int part;
	const SchemaField *field; /* FIELD/ITEM: its schema; ADD/HEADING: the container */
	char *pointer;            /* where the value is (ADD: the container) */
	char *label;
	int depth;
	bool focusable;
	bool removable;           /* an array item or map entry: ^D removes it */
	int button;
	int y, h;                 /* layout, in content lines */
	int bx, bw;               /* buttons share a line: x offset and width */
} FormRow;

typedef struct FormPart {
	char *title;
	const cJSON *schema;
	SchemaField *root;
	cJSON *value;
	SchemaIssues issues;
} FormPart;

/* Text that did not convert (e.g. "12a" in an integer field): kept and
 * shown as typed, with its error, until corrected. */
typedef struct FormDraft {
	int part;
	char *pointer;
	char *text;
	char *error;
} FormDraft;

/* An alternative the operator picked, which the value alone may not tell
 * yet (nothing of the branch is filled in). */
typedef struct FormPick {
	int part;
	char *pointer;
	int choice;
} FormPick;

typedef struct FormButton {
	char *label;
	int id;
} FormButton;

struct TuiForm {
	TuiFormHooks hooks;
	FormPart parts[FORM_MAX_PARTS];
	int part_count;
	FormButton buttons[FORM_MAX_BUTTONS];
	int button_count;
	FormRow *rows;
	size_t row_count, row_cap;
	bool rows_stale;
	int focus; /* row index, -1 none */
	/* the field being edited */
	TuiLineEdit ed;       /* the field being edited (lineedit.h) */
	bool edit_loaded;     /* edit holds the focused field's text */
	bool edit_dirty;
	bool edit_secret;
	char *focus_ptr;      /* pointer of the focused row, to find it after a rebuild */
	int focus_part;
	FormRowKind focus_kind;
	FormDraft *drafts;
	size_t draft_count;
	FormPick *picks;
	size_t pick_count;
	bool show_advanced;   /* the "Advanced" fields are unfolded */
	bool show_issues;     /* after the first validation, errors update live */
	/* Fields left after an edit ("\npart:pointer\n" each): their problems
	 * show at once, by the same schema checks a save runs (#14). */
	Buf touched;
	bool dirty;
	/* enum picker */
	bool picker;
	int picker_sel;
	/* a result line under the summary */
	char note[512];
	TuiTone note_tone;
	/* layout */
	int scroll;
	int content_h;
	int clip_top, clip_bottom; /* screen lines a draw may touch */
	int avail;                 /* content lines shown at the last draw */
	int last_y, last_x, last_h, last_w, label_w, top_lines;
	char hint[128];
};

/* ------------------------------------------------------------ helpers */

static char *form_strdup(const char *s)
{
	return strdup(s ? s : "");
}

static void form_wipe_string(cJSON *item)
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

static void form_edit_reset(TuiForm *f)
{
	if (f->edit_secret)
		buf_wipe(&f->ed.buf);
	else
		buf_free(&f->ed.buf);
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

static FormDraft *form_draft_find(TuiForm *f, int part, const char *pointer)
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
static void form_drafts_drop_under(TuiForm *f, int part, const char *prefix)
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

static bool form_touched(const TuiForm *f, int part, const char *pointer)
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

static const char *form_issue(const TuiForm *f, int part, const char *pointer)
{
	const FormPart *p = &f->parts[part];

	if (!f->show_issues && !form_touched(f, part, pointer))
		return NULL;
	for (size_t i = 0; i < p->issues.count; i++)
		if (!strcmp(p->issues.items[i].pointer, pointer))
			return p->issues.items[i].message;
	return NULL;
}

static bool form_is_text(const SchemaField *fd)
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

	if (f->row_count == f->row_cap) {
		size_t cap = f->row_cap ? f->row_cap * 2 : 32;
		FormRow *rows = realloc(f->rows, cap * sizeof *rows);

		if (!rows)
			return NULL;
		f->rows = rows;
		f->row_cap = cap;
	}
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
static int form_choice_sel(const TuiForm *f, int part, const SchemaField *fd, const char *pointer)
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
static bool form_required_now(const TuiForm *f, const FormRow *r)
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

static void form_rebuild(TuiForm *f)
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

static void form_remember_focus(TuiForm *f)
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

static void form_ensure_rows(TuiForm *f)
{
	if (f->rows_stale)
		form_rebuild(f);
}

static FormRow *form_focused(TuiForm *f)
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
static char *form_value_text(const cJSON *v)
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

static void form_revalidate(TuiForm *f)
{
	Error err;

	for (int p = 0; p < f->part_count; p++) {
		schema_issues_free(&f->parts[p].issues);
		if (schema_validate(f->parts[p].schema, f->parts[p].value, &f->parts[p].issues,
				    &err) != ST_OK) {
			/* A broken schema: say so once, at the top. */
			snprintf(f->note, sizeof f->note, "%s", error_text(&err));
			f->note_tone = TONE_ERROR;
		}
	}
}

static void form_set_value(TuiForm *f, int part, const char *pointer, cJSON *v)
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
static void form_edit_load(TuiForm *f)
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
static void form_commit(TuiForm *f)
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
	buf_free(&f->touched);
	for (int p = 0; p < f->part_count; p++) {
		form_wipe_tree_secrets(&f->parts[p]);
		cJSON_Delete(f->parts[p].value);
		schema_field_free(f->parts[p].root);
		schema_issues_free(&f->parts[p].issues);
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

static void form_move_to(TuiForm *f, int idx);

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

static void form_move_to(TuiForm *f, int idx)
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

/* ------------------------------------------------------------ editing */

/* Moves the focus to the next focusable row in dir; Tab wraps around the
 * ends, arrows and pages stop there. */
static void form_step_ex(TuiForm *f, int dir, bool wrap)
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
	tui_edit_clear(&f->ed);
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

static const cJSON *form_enum_at(const SchemaField *fd, int i)
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

static void form_add(TuiForm *f, FormRow *r)
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

static bool form_secret_stored(TuiForm *f, const FormRow *r, char **label)
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

/* ------------------------------------------------------------ drawing */

static int form_desc_lines(const FormRow *r)
{
	return r->field && r->field->description && r->field->description[0] ? 1 : 0;
}

static int form_row_height(TuiForm *f, const FormRow *r)
{
	int h = 1;

	switch (r->kind) {
	case FR_FIELD:
		if (r->field->textarea)
			h = FORM_TEXTAREA_LINES;
		h += form_desc_lines(r);
		if (r->field->credential_warning)
			h++;
		if (form_draft_find(f, r->part, r->pointer) || form_issue(f, r->part, r->pointer))
			h++;
		return h;
	case FR_HEADING:
		h += form_desc_lines(r) && r->field != f->parts[r->part].root ? 1 : 0;
		if (form_issue(f, r->part, r->pointer))
			h++;
		return h;
	default:
		return 1;
	}
}

static void form_layout(TuiForm *f)
{
	int y = 0;
	bool prev_button = false;
	int bx = 0;

	form_ensure_rows(f);
	for (size_t i = 0; i < f->row_count; i++) {
		FormRow *r = &f->rows[i];

		if (r->kind == FR_BUTTON) {
			if (!prev_button) {
				y++; /* a blank line above the buttons */
				bx = 0;
			}
			r->y = y;
			r->h = 1;
			r->bx = bx;
			r->bw = (int)strlen(r->label) + 4;
			bx += r->bw + 2;
			prev_button = true;
			continue;
		}
		if (prev_button)
			y++;
		prev_button = false;
		if (r->kind == FR_HEADING && i > 0)
			y++; /* sections breathe */
		r->y = y;
		r->h = form_row_height(f, r);
		y += r->h;
	}
	f->content_h = y + (prev_button ? 1 : 0);
}

/* Draws text with the cursor kept in view: returns the cursor column. */
static int form_draw_edit(TuiScreen *s, int y, int x, int w, const char *text, size_t cursor,
			  bool secret, TuiTone tone)
{
	char shown[1024];
	size_t n = 0, cur_chars = 0, total = 0;
	const char *p = text;
	int skip;

	/* Secrets echo one '*' per character typed. */
	while (*p && n < sizeof shown - 8) {
		const char *start = p;
		unsigned cp = tui_utf8_next(&p);

		if ((size_t)(start - text) < cursor)
			cur_chars++;
		total++;
		if (secret || cp == '\n')
			shown[n++] = secret ? '*' : ' ';
		else
			n += (size_t)tui_utf8_put(cp, shown + n);
	}
	shown[n] = 0;
	(void)total;
	tui_screen_fill(s, y, x, w, tone);
	/* Scroll horizontally so the cursor stays inside the field. */
	skip = (int)cur_chars - (w - 2);
	if (skip < 0)
		skip = 0;
	p = shown;
	for (int i = 0; i < skip && *p; i++)
		tui_utf8_next(&p);
	{
		/* the cursor column: width of shown[skip..cur_chars) */
		char before[1024];
		const char *q = p;
		size_t bn = 0;

		for (size_t i = (size_t)skip; i < cur_chars && *q && bn < sizeof before - 8; i++) {
			const char *st = q;

			tui_utf8_next(&q);
			memcpy(before + bn, st, (size_t)(q - st));
			bn += (size_t)(q - st);
		}
		before[bn] = 0;
		tui_screen_text(s, y, x, w, tone, false, p);
		return x + tui_screen_width(s, before);
	}
}

static void form_field_value(TuiForm *f, TuiScreen *s, const FormRow *r, int y, int x, int w,
			     bool focused, int *cur_y, int *cur_x)
{
	const SchemaField *fd = r->field;
	const cJSON *v = jsonptr_get(f->parts[r->part].value, r->pointer);
	FormDraft *d = form_draft_find(f, r->part, r->pointer);
	TuiTone tone = focused ? TONE_SELECTED : (fd->read_only || fd->const_value ? TONE_DIM : TONE_INPUT);
	char buf[512];

	if (fd->const_value) {
		char *t = form_value_text(fd->const_value);

		snprintf(buf, sizeof buf, "%s (fixed)", t ? t : "");
		free(t);
		tui_screen_text(s, y, x, w, TONE_DIM, false, buf);
		return;
	}
	if (fd->type == SCHEMA_BOOLEAN && !fd->enum_values) {
		snprintf(buf, sizeof buf, "%s", cJSON_IsTrue(v) ? s->g->toggle_on : s->g->toggle_off);
		tui_screen_text(s, y, x, w, tone, false, buf);
		if (focused)
			tui_screen_text(s, y, x + 4, w - 4, TONE_DIM, false,
					cJSON_IsTrue(v) ? " on  (Space toggles)" : " off (Space toggles)");
		else
			tui_screen_text(s, y, x + 4, w - 4, TONE_NORMAL, false,
					cJSON_IsTrue(v) ? " on" : " off");
		return;
	}
	if (fd->enum_values) {
		char *t = v ? form_value_text(v) : strdup("(choose)");

		snprintf(buf, sizeof buf, "%s %s", t ? t : "", s->g->down);
		free(t);
		tui_screen_fill(s, y, x, w < 30 ? w : 30, tone);
		tui_screen_text(s, y, x, w, tone, false, buf);
		return;
	}
	if (fd->secret) {
		char *label = NULL;
		char mask[64] = "";

		for (int i = 0; i < FORM_MASK_LEN; i++)
			strcat(mask, s->g->mask);
		/* While typing only the mask shows: no label is asked for (an early
		 * return after asking leaked it on every frame). */
		if (focused && f->edit_loaded && f->ed.buf.len) {
			/* A fixed mask: the echo tells neither the length nor the
			 * text; a multi-line value says how many lines it has, so a
			 * pasted key can be seen to have arrived whole. */
			size_t lines = 1;

			for (size_t i = 0; i + 1 < f->ed.buf.len; i++)
				lines += f->ed.buf.data[i] == '\n';
			if (lines > 1)
				snprintf(buf, sizeof buf, "%s typed, %zu lines (^U clears)", mask, lines);
			else
				snprintf(buf, sizeof buf, "%s typed (^U clears)", mask);
			tui_screen_fill(s, y, x, w, tone);
			tui_screen_text(s, y, x, w, tone, false, buf);
			*cur_y = y;
			*cur_x = x + tui_screen_width(s, mask);
			if (*cur_x >= x + w)
				*cur_x = x + w - 1;
			return;
		}
		if (form_secret_stored(f, r, &label))
			snprintf(buf, sizeof buf, "%s (secret %s)", mask, label);
		else if (cJSON_IsString(v) && v->valuestring[0])
			snprintf(buf, sizeof buf, "%s (new value)", mask);
		else
			buf[0] = 0;
		free(label);
		tui_screen_fill(s, y, x, w, tone);
		if (buf[0])
			tui_screen_text(s, y, x, w, tone, false, buf);
		else if (!focused)
			tui_screen_text(s, y, x, w, TONE_DIM, false, "(not set)");
		if (focused) {
			*cur_y = y;
			*cur_x = x;
		}
		return;
	}
	if (focused && f->edit_loaded && form_is_text(fd)) {
		if (fd->textarea) {
			/* The last lines of the text, the cursor at its end. */
			const char *text = f->ed.buf.data ? f->ed.buf.data : "";
			const char *lines[64];
			int n = 0;

			lines[n++] = text;
			for (const char *p = text; *p && n < 64; p++)
				if (*p == '\n')
					lines[n++] = p + 1;
			for (int i = 0; i < FORM_TEXTAREA_LINES; i++) {
				int li = n > FORM_TEXTAREA_LINES ? n - FORM_TEXTAREA_LINES + i : i;
				char line[512];
				size_t len;

				if (y + i < f->clip_top || y + i >= f->clip_bottom)
					continue;
				tui_screen_fill(s, y + i, x, w, tone);
				if (li >= n)
					continue;
				len = strcspn(lines[li], "\n");
				if (len >= sizeof line)
					len = sizeof line - 1;
				memcpy(line, lines[li], len);
				line[len] = 0;
				tui_screen_text(s, y + i, x, w, tone, false, line);
				if (li == n - 1) {
					*cur_y = y + i;
					*cur_x = x + tui_screen_width(s, line);
					if (*cur_x >= x + w)
						*cur_x = x + w - 1;
				}
			}
			return;
		}
		*cur_y = y;
		*cur_x = form_draw_edit(s, y, x, w, f->ed.buf.data ? f->ed.buf.data : "", f->ed.cursor, false,
					tone);
		return;
	}
	{
		char *t = d ? strdup(d->text) : form_value_text(v);

		if (fd->textarea) {
			const char *p = t ? t : "";

			for (int i = 0; i < FORM_TEXTAREA_LINES; i++) {
				char line[512];
				size_t len = strcspn(p, "\n");

				if (len >= sizeof line)
					len = sizeof line - 1;
				memcpy(line, p, len);
				line[len] = 0;
				p += len;
				if (*p == '\n')
					p++;
				if (y + i < f->clip_top || y + i >= f->clip_bottom)
					continue;
				tui_screen_fill(s, y + i, x, w, tone);
				tui_screen_text(s, y + i, x, w, tone, false, line);
			}
		} else {
			tui_screen_fill(s, y, x, w, tone);
			tui_screen_text(s, y, x, w, tone, false, t ? t : "");
			if (!v && !d && fd->default_value) {
				/* Shown, not stored (#11): absent means the provider's
				 * own default applies. */
				char *dv = form_value_text(fd->default_value);

				snprintf(buf, sizeof buf, "(default: %s)", dv ? dv : "");
				free(dv);
				tui_screen_text(s, y, x, w, TONE_DIM, false, buf);
			}
		}
		free(t);
	}
	if (focused) {
		*cur_y = y;
		*cur_x = x;
	}
}

static void form_draw_picker(TuiForm *f, TuiScreen *s, const FormRow *r, int y, int x, int w,
			     int bottom)
{
	int n = cJSON_GetArraySize(r->field->enum_values);
	int h = n + 2, top = 0, rows;

	if (w > 40)
		w = 40;
	if (y + h > bottom) {
		h = bottom - y;
		if (h < 3) {
			y = bottom - (n + 2 < bottom ? n + 2 : bottom);
			h = bottom - y;
		}
	}
	if (h < 3)
		return;
	rows = h - 2;
	if (f->picker_sel >= rows)
		top = f->picker_sel - rows + 1;
	for (int i = 0; i < h; i++)
		tui_screen_fill(s, y + i, x, w, TONE_NORMAL);
	tui_screen_box(s, y, x, h, w, NULL);
	for (int i = 0; i < rows && top + i < n; i++) {
		char *t = form_value_text(form_enum_at(r->field, top + i));
		TuiTone tone = top + i == f->picker_sel ? TONE_SELECTED : TONE_NORMAL;

		tui_screen_fill(s, y + 1 + i, x + 1, w - 2, tone);
		tui_screen_text(s, y + 1 + i, x + 2, w - 4, tone, false, t ? t : "");
		free(t);
	}
}

/* The problems line at the top: how many, then each "pointer: message". */
/* What the summary calls a field: its label as the form shows it (the
 * pointer only for what has no row, e.g. a folded field). */
static const char *form_label_for(const TuiForm *f, int part, const char *pointer)
{
	for (size_t i = 0; i < f->row_count; i++) {
		const FormRow *r = &f->rows[i];

		if (r->part == part && r->pointer && !strcmp(r->pointer, pointer) && r->label &&
		    r->label[0] && (r->kind == FR_FIELD || r->kind == FR_HEADING))
			return r->label;
	}
	return pointer[0] ? pointer : "/";
}

static int form_draw_summary(TuiForm *f, TuiScreen *s, int y, int x, int w)
{
	Buf b = BUF_INIT;
	size_t count = f->draft_count;
	int lines = 0;

	for (int p = 0; p < f->part_count; p++)
		for (size_t i = 0; i < f->parts[p].issues.count; i++)
			count += f->show_issues ||
				 form_touched(f, p, f->parts[p].issues.items[i].pointer);
	if (count) {
		buf_printf(&b, "%zu problem%s: ", count, count == 1 ? "" : "s");
		for (size_t i = 0; i < f->draft_count; i++)
			buf_printf(&b, "%s%s: %s", i ? "; " : "",
				   form_label_for(f, f->drafts[i].part, f->drafts[i].pointer),
				   f->drafts[i].error);
		for (int p = 0; p < f->part_count; p++)
			for (size_t i = 0; i < f->parts[p].issues.count; i++) {
				const char *ptr = f->parts[p].issues.items[i].pointer;

				if (!f->show_issues && !form_touched(f, p, ptr))
					continue;
				buf_printf(&b, "%s%s: %s", b.len && b.data[b.len - 2] != ':' ? "; " : "",
					   form_label_for(f, p, ptr), f->parts[p].issues.items[i].message);
			}
		tui_screen_text(s, y + lines++, x, w, TONE_ERROR, false, b.data);
	}
	buf_free(&b);
	if (f->note[0])
		tui_screen_text(s, y + lines++, x, w, f->note_tone, false, f->note);
	return lines;
}

void tui_form_draw(TuiForm *f, TuiScreen *s, int y, int x, int h, int w, int *cur_y, int *cur_x)
{
	int label_w, top_lines, avail, fy = -1, fh = 0;
	const FormRow *picker_row = NULL;
	int picker_y = 0, picker_x = 0;

	*cur_y = *cur_x = -1;
	form_edit_load(f);
	form_layout(f);
	top_lines = form_draw_summary(f, s, y, x + 1, w - 2);
	if (top_lines)
		top_lines++;
	avail = h - top_lines;
	if (avail < 1)
		return;
	label_w = w / 3 > 30 ? 30 : w / 3;
	f->clip_top = y + top_lines;
	f->clip_bottom = y + h;
	f->last_y = y;
	f->last_x = x;
	f->last_h = h;
	f->last_w = w;
	f->label_w = label_w;
	f->top_lines = top_lines;
	/* Keep the focused row, with its description and error, in view. */
	if (f->focus >= 0 && (size_t)f->focus < f->row_count) {
		fy = f->rows[f->focus].y;
		fh = f->rows[f->focus].h;
		if (fy < f->scroll)
			f->scroll = fy;
		if (fy + fh > f->scroll + avail)
			f->scroll = fy + fh - avail;
	}
	if (f->scroll > f->content_h - avail)
		f->scroll = f->content_h - avail;
	if (f->scroll < 0)
		f->scroll = 0;
	for (size_t i = 0; i < f->row_count; i++) {
		const FormRow *r = &f->rows[i];
		int ry = y + top_lines + r->y - f->scroll, indent = r->depth * 2;
		bool focused = (int)i == f->focus;
		char label[300];
		const char *err;
		int line;

		if (r->y + r->h <= f->scroll || r->y >= f->scroll + avail)
			continue;
#define IN_VIEW(yy) ((yy) >= y + top_lines && (yy) < y + h)
		if (focused && r->kind != FR_BUTTON && IN_VIEW(ry))
			tui_screen_text(s, ry, x, 1, TONE_TITLE, false, s->utf8 ? "▸" : ">");
		switch (r->kind) {
		case FR_BUTTON:
			if (!IN_VIEW(ry))
				break;
			snprintf(label, sizeof label, "[ %s ]", r->label);
			tui_screen_text(s, ry, x + 2 + r->bx, r->bw, focused ? TONE_SELECTED : TONE_TITLE,
					false, label);
			break;
		case FR_HEADING:
			if (IN_VIEW(ry)) {
				const SchemaField *fd = r->field;

				snprintf(label, sizeof label, "%s%s", r->label,
					 form_required_now(f, r) ? " *" : "");
				tui_screen_text(s, ry, x + 1 + indent, w - 2 - indent, TONE_TITLE, false,
						label);
				if (fd && fd->type == SCHEMA_ARRAY) {
					const cJSON *arr = jsonptr_get(f->parts[r->part].value, r->pointer);
					char cnt[64];

					snprintf(cnt, sizeof cnt, "(%d item%s)", cJSON_GetArraySize(arr),
						 cJSON_GetArraySize(arr) == 1 ? "" : "s");
					tui_screen_text(s, ry, x + 1 + label_w + 1, w - label_w - 3, TONE_DIM,
							false, cnt);
				}
			}
			line = 1;
			if (form_desc_lines(r) && r->field != f->parts[r->part].root) {
				if (IN_VIEW(ry + line))
					tui_screen_text(s, ry + line, x + 3 + indent, w - 4 - indent, TONE_DIM,
							false, r->field->description);
				line++;
			}
			err = form_issue(f, r->part, r->pointer);
			if (err && IN_VIEW(ry + line)) {
				snprintf(label, sizeof label, "%s %s", s->utf8 ? "✗" : "!", err);
				tui_screen_text(s, ry + line, x + 3 + indent, w - 4 - indent, TONE_ERROR, false,
						label);
			}
			break;
		case FR_ADD:
			if (IN_VIEW(ry))
				tui_screen_text(s, ry, x + 1 + indent, w - 2 - indent,
						focused ? TONE_SELECTED : TONE_DIM, false, r->label);
			break;
		case FR_ADVANCED:
			if (IN_VIEW(ry)) {
				bool open = false;

				for (size_t k = i + 1; k < f->row_count && !open; k++)
					open = f->rows[k].depth > r->depth;
				snprintf(label, sizeof label, "%s %s", open ? "[-]" : "[+]", r->label);
				tui_screen_text(s, ry, x + 1 + indent, w - 2 - indent,
						focused ? TONE_SELECTED : TONE_TITLE, false, label);
			}
			break;
		case FR_CHOICE:
			if (IN_VIEW(ry)) {
				const SchemaField *fd = r->field;
				int sel = form_choice_sel(f, r->part, fd, r->pointer);
				int vx = x + 1 + label_w + 1, vw = w - label_w - 3;
				Buf b = BUF_INIT;
				bool ok = true;

				tui_screen_text(s, ry, x + 1 + indent, label_w - indent,
						focused ? TONE_TITLE : TONE_NORMAL, false, "Use *");
				for (size_t k = 0; ok && k < fd->choice_count; k++)
					ok = buf_printf(&b, "%s%s %s", k ? "   " : "",
							(int)k == sel ? (s->utf8 ? "(•)" : "(*)") : "( )",
							fd->choices[k].label);
				tui_screen_fill(s, ry, vx, vw, focused ? TONE_SELECTED : TONE_INPUT);
				if (ok && b.data)
					tui_screen_text(s, ry, vx, vw,
							focused ? TONE_SELECTED : TONE_INPUT, false, b.data);
				buf_free(&b);
			}
			break;
		case FR_ITEM:
			if (IN_VIEW(ry)) {
				snprintf(label, sizeof label, "%s%s", r->label, focused ? "  (^D removes)" : "");
				tui_screen_text(s, ry, x + 1 + indent, w - 2 - indent,
						focused ? TONE_SELECTED : TONE_TITLE, false, label);
			}
			break;
		case FR_MAPKEY:
			if (IN_VIEW(ry)) {
				int kx = x + 1 + indent, kw = label_w - indent;

				if (focused && f->edit_loaded) {
					*cur_y = ry;
					*cur_x = form_draw_edit(s, ry, kx, kw, f->ed.buf.data ? f->ed.buf.data : "",
								f->ed.cursor, false, TONE_SELECTED);
				} else {
					tui_screen_fill(s, ry, kx, kw, TONE_INPUT);
					tui_screen_text(s, ry, kx, kw, TONE_INPUT, false, r->label);
				}
				tui_screen_text(s, ry, x + 1 + label_w + 1, w - label_w - 3, TONE_DIM, false,
						focused ? "key (^D removes the entry)" : "key");
			}
			break;
		case FR_FIELD: {
			const SchemaField *fd = r->field;
			int vx = x + 1 + label_w + 1, vw = w - label_w - 3;
			FormDraft *d;

			line = 0;
			if (IN_VIEW(ry)) {
				snprintf(label, sizeof label, "%s%s", r->label,
					 form_required_now(f, r) ? " *" : "");
				tui_screen_text(s, ry, x + 1 + indent, label_w - indent,
						focused ? TONE_TITLE : TONE_NORMAL, false, label);
				form_field_value(f, s, r, ry, vx, vw, focused, cur_y, cur_x);
				if (focused && fd->enum_values && f->picker) {
					picker_row = r;
					picker_y = ry + 1;
					picker_x = vx;
				}
			}
			line = fd->textarea ? FORM_TEXTAREA_LINES : 1;
			if (form_desc_lines(r)) {
				if (IN_VIEW(ry + line))
					tui_screen_text(s, ry + line, vx, vw, TONE_DIM, false, fd->description);
				line++;
			}
			if (fd->credential_warning) {
				if (IN_VIEW(ry + line))
					tui_screen_text(s, ry + line, vx, vw, TONE_WARN, false,
							s->utf8 ? "⚠ named like a credential, stored in "
								  "plain text: mark it format secret-ref"
								: "! named like a credential, stored in "
								  "plain text: mark it format secret-ref");
				line++;
			}
			d = form_draft_find(f, r->part, r->pointer);
			err = d ? d->error : form_issue(f, r->part, r->pointer);
			if (err && IN_VIEW(ry + line)) {
				snprintf(label, sizeof label, "%s %s", s->utf8 ? "✗" : "!", err);
				tui_screen_text(s, ry + line, vx, vw, TONE_ERROR, false, label);
			}
			break;
		}
		}
#undef IN_VIEW
	}
	f->avail = avail;
	if (picker_row)
		form_draw_picker(f, s, picker_row, picker_y, picker_x, w - (picker_x - x) - 1, y + h);
}

int tui_form_mouse(TuiForm *f, int kind, int y, int x)
{
	int cy;

	if (kind == TUI_MOUSE_WHEEL_UP || kind == TUI_MOUSE_WHEEL_DOWN) {
		for (int i = 0; i < 3; i++)
			form_step_ex(f, kind == TUI_MOUSE_WHEEL_UP ? -1 : 1, false);
		return TUI_FORM_CONSUMED;
	}
	if (y < f->last_y + f->top_lines || y >= f->last_y + f->last_h || x < f->last_x ||
	    x >= f->last_x + f->last_w)
		return TUI_FORM_IGNORED;
	cy = y - f->last_y - f->top_lines + f->scroll;
	form_ensure_rows(f);
	for (size_t i = 0; i < f->row_count; i++) {
		FormRow *r = &f->rows[i];

		if (cy < r->y || cy >= r->y + r->h || !r->focusable)
			continue;
		if (r->kind == FR_BUTTON &&
		    (x < f->last_x + 2 + r->bx || x >= f->last_x + 2 + r->bx + r->bw))
			continue;
		f->picker = false;
		form_move_to(f, (int)i);
		r = &f->rows[f->focus];
		if (r->kind == FR_BUTTON)
			return r->button;
		if (r->kind == FR_ADD) {
			form_add(f, r);
			return TUI_FORM_CONSUMED;
		}
		if (r->kind == FR_FIELD && r->field->type == SCHEMA_BOOLEAN && cy == r->y &&
		    x >= f->last_x + 1 + f->label_w + 1)
			return tui_form_key(f, ' ');
		return TUI_FORM_CONSUMED;
	}
	return TUI_FORM_IGNORED;
}

void tui_form_position(const TuiForm *f, char *out, size_t n)
{
	if (f->content_h > f->avail && f->avail > 0)
		snprintf(out, n, "%d%%", (f->scroll + f->avail) * 100 / f->content_h);
	else
		snprintf(out, n, "%s", "");
}

const char *tui_form_hint(const TuiForm *fc)
{
	TuiForm *f = (TuiForm *)fc;
	const FormRow *r = form_focused(f);

	f->hint[0] = 0;
	if (!r)
		return f->hint;
	if (f->picker)
		snprintf(f->hint, sizeof f->hint, "Up/Down choose  Enter pick");
	else if (r->kind == FR_BUTTON)
		snprintf(f->hint, sizeof f->hint, "Enter press");
	else if (r->kind == FR_CHOICE)
		snprintf(f->hint, sizeof f->hint, "Space/Left/Right choose the alternative");
	else if (r->kind == FR_ADVANCED)
		snprintf(f->hint, sizeof f->hint, "Enter show/hide the advanced fields");
	else if (r->kind == FR_ADD)
		snprintf(f->hint, sizeof f->hint, "Enter add");
	else if (r->kind == FR_ITEM || r->kind == FR_MAPKEY)
		snprintf(f->hint, sizeof f->hint, "^D remove");
	else if (r->kind == FR_FIELD && r->field->type == SCHEMA_BOOLEAN)
		snprintf(f->hint, sizeof f->hint, "Space toggle");
	else if (r->kind == FR_FIELD && r->field->enum_values)
		snprintf(f->hint, sizeof f->hint, "Space choose  Left/Right cycle");
	else if (r->kind == FR_FIELD && r->field->secret) {
		char *label = NULL;
		bool stored = form_secret_stored(f, r, &label);

		free(label);
		/* ^T only where there is a stored value to check against. */
		snprintf(f->hint, sizeof f->hint, "type to replace%s  ^O from file%s",
			 f->hooks.can_pick ? "  ^P pick" : "", stored ? "  ^T verify" : "");
	}
	else if (r->kind == FR_FIELD && r->field->textarea)
		snprintf(f->hint, sizeof f->hint, "Enter new line");
	if (r->removable && r->kind == FR_FIELD) {
		size_t len = strlen(f->hint);

		snprintf(f->hint + len, sizeof f->hint - len, "%s^D remove", len ? "  " : "");
	}
	return f->hint;
}
