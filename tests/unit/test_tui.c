/* The console's building blocks that need no database: the keystroke
 * script, key names, the settings file, UTF-8 drawing, and the table's
 * windowed fetching (the property that keeps 100,000 leases cheap). */
#include <check.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "tui/conf.h"
#include "tui/input.h"
#include "tui/keymap.h"
#include "tui/screen.h"
#include "tui/table.h"
#include "util/fs.h"

START_TEST(script_tokens)
{
	TuiScript s;
	Error err;

	ck_assert_int_eq(tui_script_parse(&s,
					  "# a comment line\n"
					  "ab<Enter> <Esc><Tab><S-Tab>\n"
					  "<C-c> <Up> <F5> é<Space><Lt>\n"
					  "<Resize 60x20> <Mouse click 3 5> <Mouse wheeldown 1 2>\n"
					  "<Wait 200> <Idle> <Dump out.txt>\n",
					  &err),
			 ST_OK);
	ck_assert_uint_eq(s.count, 18);
	ck_assert_int_eq(s.toks[0].key, 'a');
	ck_assert_int_eq(s.toks[1].key, 'b');
	ck_assert_int_eq(s.toks[2].key, TUI_KEY_ENTER);
	ck_assert_int_eq(s.toks[3].key, TUI_KEY_ESC);
	ck_assert_int_eq(s.toks[4].key, TUI_KEY_TAB);
	ck_assert_int_eq(s.toks[5].key, TUI_FN(KEY_BTAB));
	ck_assert_int_eq(s.toks[6].key, 3);
	ck_assert_int_eq(s.toks[7].key, TUI_FN(KEY_UP));
	ck_assert_int_eq(s.toks[8].key, TUI_FN(KEY_F(5)));
	ck_assert_int_eq(s.toks[9].key, 0xe9);
	ck_assert_int_eq(s.toks[10].key, ' ');
	ck_assert_int_eq(s.toks[11].key, '<');
	ck_assert_int_eq(s.toks[12].kind, TOK_RESIZE);
	ck_assert_int_eq(s.toks[12].a, 60);
	ck_assert_int_eq(s.toks[12].b, 20);
	ck_assert_int_eq(s.toks[13].kind, TOK_MOUSE);
	ck_assert_int_eq(s.toks[13].mouse, TUI_MOUSE_CLICK);
	ck_assert_int_eq(s.toks[13].a, 3);
	ck_assert_int_eq(s.toks[13].b, 5);
	ck_assert_int_eq(s.toks[14].mouse, TUI_MOUSE_WHEEL_DOWN);
	ck_assert_int_eq(s.toks[15].kind, TOK_WAIT);
	ck_assert_int_eq(s.toks[15].a, 200);
	ck_assert_int_eq(s.toks[16].kind, TOK_IDLE);
	ck_assert_int_eq(s.toks[17].kind, TOK_DUMP);
	ck_assert_str_eq(s.toks[17].path, "out.txt");
	tui_script_clear(&s);
}
END_TEST

START_TEST(script_errors_name_the_token)
{
	TuiScript s;
	Error err;

	ck_assert_int_eq(tui_script_parse(&s, "abc <Frobnicate> x", &err), ST_E_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "<Frobnicate>"));
	ck_assert_int_eq(tui_script_parse(&s, "a < b", &err), ST_E_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "<Lt>"));
	ck_assert_int_eq(tui_script_parse(&s, "<Resize 0x5>", &err), ST_E_INVALID);
	ck_assert_int_eq(tui_script_parse(&s, "<Mouse poke 1 1>", &err), ST_E_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "click"));
}
END_TEST

START_TEST(key_names)
{
	char b[32];
	const TuiKey *k;

	tui_key_name(TUI_KEY_ENTER, b, sizeof b);
	ck_assert_str_eq(b, "Enter");
	tui_key_name(TUI_CTRL('r'), b, sizeof b);
	ck_assert_str_eq(b, "^R");
	tui_key_name(TUI_FN(KEY_NPAGE), b, sizeof b);
	ck_assert_str_eq(b, "PgDn");
	tui_key_name(0x4e16, b, sizeof b);
	ck_assert_str_eq(b, "世");
	/* The tables dispatch both of an entry's keys. */
	k = tui_keymap_find(tui_keys_table, TUI_FN(KEY_DOWN));
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(k->action, TUI_ACT_DOWN);
	ck_assert_ptr_eq(tui_keymap_find(tui_keys_table, 'j'), k);
	tui_keymap_label(k, b, sizeof b);
	ck_assert_str_eq(b, "j/Down");
	ck_assert_ptr_null(tui_keymap_find(tui_keys_global, 'Z'));
}
END_TEST

START_TEST(conf_values_and_problems)
{
	TuiConf c;

	tui_conf_defaults(&c);
	ck_assert_int_eq(c.refresh_ms, 2000);
	ck_assert(c.mouse);
	tui_conf_parse(&c,
		       "# console\n"
		       "refresh = 0.5\n"
		       "mouse = off   # trailing comment\n"
		       "ascii=yes\n"
		       "color.header = white, blue, bold\n"
		       "color.error = 196\n",
		       "tui.conf");
	ck_assert_int_eq(c.problem_count, 0);
	ck_assert_int_eq(c.refresh_ms, 500);
	ck_assert(!c.mouse);
	ck_assert(c.ascii);
	ck_assert_int_eq(c.theme[TONE_HEADER].fg, COLOR_WHITE);
	ck_assert_int_eq(c.theme[TONE_HEADER].bg, COLOR_BLUE);
	ck_assert(c.theme[TONE_HEADER].bold);
	ck_assert_int_eq(c.theme[TONE_ERROR].fg, 196);
	ck_assert_int_eq(c.theme[TONE_ERROR].bg, -1);

	/* A bad line is reported by line and keeps the default. */
	tui_conf_defaults(&c);
	tui_conf_parse(&c, "refresh = 2\nrefresh = soon\nflavour = mint\ncolor.header = pink\n",
		       "tui.conf");
	ck_assert_int_eq(c.problem_count, 3);
	ck_assert_int_eq(c.refresh_ms, 2000);
	ck_assert_ptr_nonnull(strstr(c.problem, "line 2"));
	ck_assert_ptr_nonnull(strstr(c.problem, "soon"));
	ck_assert_int_eq(c.theme[TONE_HEADER].bg, COLOR_CYAN);

	/* Regression: NaN passed the range check (both comparisons false) and
	 * was cast to int, which is UB (the ASan build aborts). */
	tui_conf_defaults(&c);
	tui_conf_parse(&c, "refresh = 3\nrefresh = nan\nrefresh = inf\nrefresh = -nan\n", "tui.conf");
	ck_assert_int_eq(c.problem_count, 3);
	ck_assert_int_eq(c.refresh_ms, 3000);
}
END_TEST

START_TEST(conf_file_missing_is_fine)
{
	TuiConf c;
	char *dir = tu_tmpdir(), *path = fs_join(dir, "tui.conf");
	FILE *f;

	tui_conf_defaults(&c);
	tui_conf_load(&c, path);
	ck_assert_int_eq(c.problem_count, 0);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("refresh = 7\n", f);
	fclose(f);
	tui_conf_load(&c, path);
	ck_assert_int_eq(c.refresh_ms, 7000);
	free(path);
	free(dir);
}
END_TEST

START_TEST(utf8_roundtrip)
{
	const char *s = "aé世\xf0\x9f\x98\x80\xff";
	const char *p = s;
	char buf[8];

	ck_assert_uint_eq(tui_utf8_next(&p), 'a');
	ck_assert_uint_eq(tui_utf8_next(&p), 0xe9);
	ck_assert_uint_eq(tui_utf8_next(&p), 0x4e16);
	ck_assert_uint_eq(tui_utf8_next(&p), 0x1f600);
	ck_assert_uint_eq(tui_utf8_next(&p), 0xfffd); /* a stray byte */
	ck_assert_int_eq(*p, 0);
	ck_assert_int_eq(tui_utf8_put(0x4e16, buf), 3);
	ck_assert(memcmp(buf, "世", 3) == 0);
}
END_TEST

/* A headless screen to draw on, as the console's script mode uses. */
static void open_screen(TuiScreen *s, int w, int h, bool ascii)
{
	Error err;

	setlocale(LC_ALL, "C.UTF-8");
	ck_assert_int_eq(tui_screen_open(s, true, w, h, false, false, ascii, NULL, &err), ST_OK);
}

static char *dump_line(TuiScreen *s, int y)
{
	char *dir = tu_tmpdir(), *path = fs_join(dir, "dump.txt"), *text, *line, *nl;
	Error err;

	wnoutrefresh(stdscr);
	doupdate();
	ck_assert_int_eq(tui_screen_dump(s, path, &err), ST_OK);
	text = fs_read_file(path, NULL, &err);
	ck_assert_ptr_nonnull(text);
	line = text;
	for (int i = 0; i < y; i++) {
		line = strchr(line, '\n');
		ck_assert_ptr_nonnull(line);
		line++;
	}
	nl = strchr(line, '\n');
	if (nl)
		*nl = 0;
	line = strdup(line);
	free(text);
	free(path);
	free(dir);
	return line;
}

START_TEST(text_clips_by_display_width)
{
	TuiScreen s;
	char *line;

	open_screen(&s, 40, 5, false);
	/* Wide characters take two columns; the clip leaves room for "…". */
	ck_assert_int_eq(tui_screen_width(&s, "世界ab"), 6);
	tui_screen_text(&s, 0, 0, 5, TONE_NORMAL, false, "世界ab");
	tui_screen_text(&s, 1, 0, 6, TONE_NORMAL, false, "世界ab");
	tui_screen_text(&s, 2, 0, 8, TONE_NORMAL, false, "line\x1b[2Jx");
	line = dump_line(&s, 0);
	ck_assert_str_eq(line, "世界…");
	free(line);
	line = dump_line(&s, 1);
	ck_assert_str_eq(line, "世界ab");
	free(line);
	/* A control character never reaches the terminal. */
	line = dump_line(&s, 2);
	ck_assert_str_eq(line, "line?[2…");
	free(line);
	tui_screen_close(&s);
}
END_TEST

START_TEST(ascii_fallback_boxes)
{
	TuiScreen s;
	char *line;

	open_screen(&s, 20, 5, true);
	ck_assert(!s.utf8);
	tui_screen_box(&s, 0, 0, 3, 12, "Tést");
	line = dump_line(&s, 0);
	/* No UTF-8: box drawing is ASCII and non-ASCII text shows as '?'. */
	ck_assert_str_eq(line, "+- T?st ---+");
	free(line);
	tui_screen_close(&s);
}
END_TEST

/* A source of `total` virtual rows that counts what it was asked for. */
typedef struct BigSource {
	size_t total;
	size_t max_limit;
	size_t last_offset;
	int calls;
} BigSource;

static Status big_fetch(void *ctx, const TuiTableQuery *q, TuiRowSet *out, size_t *total,
			Error *err)
{
	BigSource *b = ctx;

	b->calls++;
	if (q->limit > b->max_limit)
		b->max_limit = q->limit;
	b->last_offset = q->offset;
	for (size_t i = q->offset; i < b->total && i < q->offset + q->limit; i++) {
		TuiRow *r = tui_rows_add(out, NULL);

		ck_assert_ptr_nonnull(r);
		tui_row_setf(r, 0, TONE_NORMAL, "row %zu", i);
	}
	*total = b->total;
	return ST_OK;
}

static const TuiColumn big_cols[] = { { "ROW", 10, 1, false, false } };

START_TEST(table_fetches_a_window)
{
	TuiScreen s;
	TuiTable t;
	BigSource src = { 100000, 0, 0, 0 };
	int calls;

	open_screen(&s, 60, 22, false);
	tui_table_init(&t, big_cols, 1, big_fetch, &src);
	tui_table_draw(&t, &s, 0, 0, 21, 60);
	ck_assert_int_eq(t.page, 20);
	ck_assert_uint_eq(t.total, 100000);
	/* Never more than three screens of rows are asked for or held. */
	ck_assert_uint_le(src.max_limit, 60);
	ck_assert_uint_le(t.cache.count, 60);
	calls = src.calls;
	/* Moving inside the cached window costs no fetch. */
	for (int i = 0; i < 10; i++) {
		tui_table_action(&t, TUI_ACT_DOWN);
		tui_table_draw(&t, &s, 0, 0, 21, 60);
	}
	ck_assert_int_eq(src.calls, calls);
	ck_assert_str_eq(tui_table_selected(&t)->cells[0], "row 10");
	/* The far end is one fetch away, and only its window is loaded. */
	tui_table_action(&t, TUI_ACT_END);
	tui_table_draw(&t, &s, 0, 0, 21, 60);
	ck_assert_uint_eq(t.sel, 99999);
	ck_assert_uint_eq(t.top, 100000 - 20);
	ck_assert_uint_ge(src.last_offset, 100000 - 60);
	ck_assert_str_eq(tui_table_selected(&t)->cells[0], "row 99999");
	ck_assert_uint_le(t.cache.count, 60);
	for (int i = 0; i < 50; i++)
		tui_table_action(&t, TUI_ACT_PGUP);
	tui_table_draw(&t, &s, 0, 0, 21, 60);
	ck_assert_uint_eq(t.sel, 99999 - 50 * 20);
	ck_assert_str_eq(tui_table_selected(&t)->cells[0], "row 98999");
	tui_table_clear(&t);
	tui_screen_close(&s);
}
END_TEST

/* Detail rows (#14): a value with newlines is a row per line, not one
 * row with '?' where the newlines were; a paste's markers are keys. */
/* :columns (#15): names, + and -, default, refusals; the choice written to
 * tui.conf replaces its own line and keeps every other line as written. */
START_TEST(table_columns_choose_and_keep)
{
	static const TuiColumn cols[] = {
		{ "NAME", 8, 1, false, false },
		{ "STATUS", 6, 0, false, false },
		{ "LEASE ID", 8, 1, false, true },
	};
	TuiTable t;
	TuiConf c;
	char why[128], text[128], *path, *dir = tu_tmpdir(), *file;
	Error err;

	tui_table_init(&t, cols, 3, tui_table_mem_fetch, NULL);
	tui_table_optional(&t, 2);
	tui_table_columns_text(&t, text, sizeof text);
	ck_assert_str_eq(text, "name,status");
	ck_assert(tui_table_set_columns(&t, "+lease-id, -status", why, sizeof why));
	tui_table_columns_text(&t, text, sizeof text);
	ck_assert_str_eq(text, "name,lease-id");
	ck_assert(tui_table_set_columns(&t, "Lease ID,status", why, sizeof why));
	tui_table_columns_text(&t, text, sizeof text);
	ck_assert_str_eq(text, "status,lease-id");
	ck_assert(!tui_table_set_columns(&t, "name,frob", why, sizeof why));
	ck_assert_str_eq(why, "no column \"frob\"");
	ck_assert(!tui_table_set_columns(&t, "-status,-lease-id", why, sizeof why));
	tui_table_columns_all(&t, text, sizeof text);
	ck_assert_str_eq(text, "name status* lease-id*");
	ck_assert(tui_table_set_columns(&t, "default", why, sizeof why));
	tui_table_columns_text(&t, text, sizeof text);
	ck_assert_str_eq(text, "name,status");
	tui_table_clear(&t);

	path = fs_join(dir, "tui.conf");
	{
		FILE *f = fopen(path, "w");

		ck_assert_ptr_nonnull(f);
		fputs("# mine\nrefresh = 5\ncolumns.leases = name\nmouse = false\n", f);
		fclose(f);
	}
	tui_conf_defaults(&c);
	tui_conf_load(&c, path);
	ck_assert_int_eq(c.problem_count, 0);
	ck_assert_str_eq(tui_conf_columns(&c, "leases"), "name");
	error_clear(&err);
	ck_assert_int_eq(tui_conf_set_columns(&c, path, "leases", "name,lease-id", &err), ST_OK);
	ck_assert_int_eq(tui_conf_set_columns(&c, path, "jobs", "job", &err), ST_OK);
	file = fs_read_file(path, NULL, &err);
	ck_assert_str_eq(file, "# mine\nrefresh = 5\ncolumns.leases = name,lease-id\nmouse = false\n"
			       "columns.jobs = job\n");
	free(file);
	tui_conf_defaults(&c);
	tui_conf_load(&c, path);
	ck_assert_str_eq(tui_conf_columns(&c, "leases"), "name,lease-id");
	ck_assert_int_eq(c.refresh_ms, 5000);
	free(path);
	free(dir);
}
END_TEST

START_TEST(detail_rows_split_newlines)
{
	TuiRowSet set = { 0 };
	TuiScript sc;
	Error err;

	tui_rows_line(&set, "Known hosts", "host1 ssh-ed25519 AAAA\nhost2 ssh-rsa BBBB", TONE_NORMAL);
	ck_assert_uint_eq(set.count, 2);
	ck_assert_str_eq(set.rows[0].cells[0], "Known hosts");
	ck_assert_str_eq(set.rows[0].cells[1], "host1 ssh-ed25519 AAAA");
	ck_assert_str_eq(set.rows[1].cells[1], "host2 ssh-rsa BBBB");
	tui_rows_clear(&set);
	ck_assert_int_eq(tui_script_parse(&sc, "<PasteBegin> a <PasteEnd>", &err), ST_OK);
	ck_assert_uint_eq(sc.count, 3);
	ck_assert_int_eq(sc.toks[0].key, TUI_FN(TUI_KEY_PASTE_BEGIN));
	ck_assert_int_eq(sc.toks[2].key, TUI_FN(TUI_KEY_PASTE_END));
	tui_script_clear(&sc);
}
END_TEST

START_TEST(table_mem_filter_and_sort)
{
	TuiScreen s;
	TuiTable t;
	TuiRowSet all = { 0 };
	static const TuiColumn cols[] = { { "NAME", 10, 1, false, false }, { "N", 4, 0, true, false } };
	const char *names[] = { "beta", "alpha", "gamma", "alphabet" };
	const char *nums[] = { "10", "9", "100", "1" };

	open_screen(&s, 60, 12, false);
	for (int i = 0; i < 4; i++) {
		TuiRow *r = tui_rows_add(&all, names[i]);

		tui_row_set(r, 0, names[i], TONE_NORMAL);
		tui_row_set(r, 1, nums[i], TONE_NORMAL);
	}
	tui_table_init(&t, cols, 2, tui_table_mem_fetch, &all);
	tui_table_draw(&t, &s, 0, 0, 10, 60);
	ck_assert_str_eq(tui_table_selected(&t)->id, "alpha");
	/* Numbers sort as numbers: 1 < 9 < 10 < 100. */
	tui_table_action(&t, TUI_ACT_SORT_NEXT);
	tui_table_draw(&t, &s, 0, 0, 10, 60);
	ck_assert_str_eq(tui_table_selected(&t)->id, "alphabet");
	tui_table_action(&t, TUI_ACT_SORT_REVERSE);
	tui_table_draw(&t, &s, 0, 0, 10, 60);
	ck_assert_str_eq(tui_table_selected(&t)->id, "gamma");
	/* The filter matches any cell, ignoring case. */
	t.filter = "ALPHA";
	tui_table_invalidate(&t);
	tui_table_draw(&t, &s, 0, 0, 10, 60);
	ck_assert_uint_eq(t.total, 2);
	tui_table_clear(&t);
	tui_rows_clear(&all);
	tui_screen_close(&s);
}
END_TEST

TEST_SUITE(tui)
{
	Suite *s = suite_create("tui");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, script_tokens);
	tcase_add_test(tc, script_errors_name_the_token);
	tcase_add_test(tc, key_names);
	tcase_add_test(tc, conf_values_and_problems);
	tcase_add_test(tc, conf_file_missing_is_fine);
	tcase_add_test(tc, utf8_roundtrip);
	tcase_add_test(tc, text_clips_by_display_width);
	tcase_add_test(tc, ascii_fallback_boxes);
	tcase_add_test(tc, detail_rows_split_newlines);
	tcase_add_test(tc, table_fetches_a_window);
	tcase_add_test(tc, table_mem_filter_and_sort);
	tcase_add_test(tc, table_columns_choose_and_keep);
	suite_add_tcase(s, tc);
	return s;
}
