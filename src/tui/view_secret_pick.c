/* The secret picker (#15): a secret field's choice among the stored
 * secrets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lib.h"
#include "tui/private.h"
#include "util/lib.h"

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

	if (!tui_secrets_fetch(t, &st->table, &st->all, &list, st->error, sizeof st->error))
		return;
	for (size_t i = 0; i < list.count; i++) {
		const StoreSecret *s = &list.items[i];
		TuiRow *row;
		char ver[32];
		Buf b = BUF_INIT;
		char *bound;

		/* Only a secret that resolves can be chosen. */
		if (!secret_status_is(s->status, SECRET_ACTIVE) || !(row = tui_rows_add(&st->all, s->id)))
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
	store_secret_list_clear(&list);
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

	tui_table_clear(&st->table);
	tui_rows_clear(&st->all);
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
