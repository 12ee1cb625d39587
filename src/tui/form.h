/* form: the one form renderer (DESIGN §5.1). It draws any schema of our
 * JSON Schema dialect from the schema engine's form tree (SchemaField):
 * every field type, `*` on required fields, defaults, descriptions,
 * inline errors plus a summary, enum pickers, boolean toggles,
 * textareas, nested objects as sections, arrays with add/remove,
 * additionalProperties maps as key/value rows, read-only fields, and
 * secret fields that echo `*`, never show a stored value, and wipe what
 * was typed. A form is one or more parts (the environment header and
 * the provider's config), each with its own schema and value. */
#ifndef ENVCTL_TUI_FORM_H
#define ENVCTL_TUI_FORM_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "schema/lib.h"
#include "tui/screen.h"

typedef struct TuiForm TuiForm;

typedef struct TuiFormHooks {
	/* "NAME v3" when the string is a stored secret's id, else NULL. */
	char *(*secret_label)(void *ctx, const char *value);
	/* Compares typed text with a stored secret (by fingerprint). */
	Status (*secret_verify)(void *ctx, const char *secret_id, const char *plaintext,
				bool *match, Error *err);
	void *ctx;
	/* The host offers the secret picker (^P) on secret fields (#15). */
	bool can_pick;
} TuiFormHooks;

/* What tui_form_key reports. Button ids are the host's, >= TUI_FORM_BUTTON. */
enum {
	TUI_FORM_IGNORED = 0, /* not a form key: the host may act on it */
	TUI_FORM_CONSUMED = 1,
	TUI_FORM_SUBMIT = 2,  /* ^S: save */
	TUI_FORM_BUTTON = 100,
};

TuiForm *tui_form_new(const TuiFormHooks *hooks);
/* Wipes every secret typed into the form, then frees it. */
void tui_form_free(TuiForm *f);
/* Adds a part drawn from schema (borrowed: keep it alive) starting from
 * initial (copied), or the schema's defaults when NULL. */
Status tui_form_add_part(TuiForm *f, const char *title, const cJSON *schema,
			 const cJSON *initial, Error *err);
/* A button on the last line; id >= TUI_FORM_BUTTON is what a press returns. */
void tui_form_add_button(TuiForm *f, const char *label, int id);

void tui_form_draw(TuiForm *f, TuiScreen *s, int y, int x, int h, int w, int *cur_y,
		   int *cur_x);
int tui_form_key(TuiForm *f, int key);
/* A bracketed paste into the focused text field, as one block: it never
 * moves the focus, its newlines stay in a textarea or a secret (a pasted
 * key stays whole), and a one-line field keeps all but the trailing one.
 * TUI_FORM_IGNORED when the focus is not on a text field. */
int tui_form_paste(TuiForm *f, const char *text, size_t len);
/* The focused field's label when it is a secret (^O reads its value
 * from a file), else NULL. */
const char *tui_form_focus_secret(TuiForm *f);
/* The same, when the host offers the picker (hooks.can_pick). */
const char *tui_form_focus_pickable(TuiForm *f);
/* Replaces the focused text field's text with text (a value read from a
 * file); TUI_FORM_IGNORED when the focus is not on a text field. */
int tui_form_replace_text(TuiForm *f, const char *text, size_t len);
/* Sets the focused secret field to a stored secret's id (the picker,
 * #15): whatever was typed there is wiped, and the field then shows the
 * secret's name and version; saving keeps it as a reference. */
int tui_form_set_secret_ref(TuiForm *f, const char *secret_id);
/* The focused field's label, pointer, whole description and problem, for
 * the text pane (F2): what the form cuts to one line. NULL: nothing
 * focused. The caller frees it. */
char *tui_form_focus_help(TuiForm *f);
/* A click at screen (y, x) or the wheel; returns like tui_form_key. */
int tui_form_mouse(TuiForm *f, int kind, int y, int x);

/* Commits the field being edited and validates every part; the problems
 * show at their fields and in the summary. Returns how many there are. */
size_t tui_form_validate(TuiForm *f);
/* A part's value as it stands (the field being edited committed first).
 * Secrets typed here are in it as plaintext: hand it to the save flow and
 * never print it. */
const cJSON *tui_form_value(TuiForm *f, int part);
/* A line under the summary: a draft probe's result, a save error. */
void tui_form_set_note(TuiForm *f, TuiTone tone, const char *text);
bool tui_form_dirty(const TuiForm *f);
/* The JSON Pointer of the focused field ("" when none) and its part. */
const char *tui_form_focus_pointer(const TuiForm *f, int *part);
/* Moves the focus to the field at pointer in part; false when absent. */
bool tui_form_focus(TuiForm *f, int part, const char *pointer);
/* "57%" when the form is taller than the screen, else "". */
void tui_form_position(const TuiForm *f, char *out, size_t n);
/* What the focused field's footer keys are ("Space toggle" ...). */
const char *tui_form_hint(const TuiForm *f);

#endif
