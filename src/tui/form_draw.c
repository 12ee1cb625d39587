/* form, layout and drawing: row heights, the summary, each kind of
 * field, the enum picker, the mouse and the hint (form_internal.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui/form_internal.h"
#include "tui/input.h"
#include "util/lib.h"

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
	buf_clear(&b);
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
				buf_clear(&b);
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
