/* The form's private header (#15): form.c was split along its seams —
 * form_model.c (parts, rows and values: building the rows from the
 * schema, drafts, validation, committing what was typed), form_keys.c
 * (keys and editing: focus moves, the line editor, enums, arrays and
 * maps, secrets), form_draw.c (layout and drawing, the mouse, the hint).
 * Only those three include it; everyone else uses tui/form.h. */
#ifndef ENVCTL_TUI_FORM_INTERNAL_H
#define ENVCTL_TUI_FORM_INTERNAL_H

#include "schema/lib.h"
#include "tui/form.h"
#include "tui/lineedit.h"
#include "util/lib.h"

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

/* Shared between the three parts. */
void form_add(TuiForm *f, FormRow *r);
const cJSON *form_enum_at(const SchemaField *fd, int i);
bool form_secret_stored(TuiForm *f, const FormRow *r, char **label);
void form_step_ex(TuiForm *f, int dir, bool wrap);
int form_choice_sel(const TuiForm *f, int part, const SchemaField *fd, const char *pointer);
void form_commit(TuiForm *f);
FormDraft *form_draft_find(TuiForm *f, int part, const char *pointer);
void form_drafts_drop_under(TuiForm *f, int part, const char *prefix);
void form_edit_load(TuiForm *f);
void form_edit_reset(TuiForm *f);
void form_ensure_rows(TuiForm *f);
FormRow *form_focused(TuiForm *f);
bool form_is_text(const SchemaField *fd);
const char *form_issue(const TuiForm *f, int part, const char *pointer);
void form_move_to(TuiForm *f, int idx);
void form_rebuild(TuiForm *f);
void form_remember_focus(TuiForm *f);
bool form_required_now(const TuiForm *f, const FormRow *r);
void form_revalidate(TuiForm *f);
void form_set_value(TuiForm *f, int part, const char *pointer, cJSON *v);
char *form_strdup(const char *s);
bool form_touched(const TuiForm *f, int part, const char *pointer);
char *form_value_text(const cJSON *v);
void form_wipe_string(cJSON *item);

#endif
