/* tui/lineedit (#15): the one line editor of the prompt and the form
 * fields — UTF-8 aware moves and deletes, the size limit, ^U, and Enter
 * only where a newline belongs. */
#include <check.h>
#include <string.h>

#include "testutil.h"
#include "tui/input.h"
#include "tui/lineedit.h"
#include "tui/screen.h"

static void keys(TuiLineEdit *e, const char *text)
{
	const char *p = text;

	while (*p)
		tui_edit_key(e, (int)tui_utf8_next(&p));
}

START_TEST(edits_by_character)
{
	TuiLineEdit e = { 0 };

	keys(&e, "héllo");
	ck_assert_str_eq(tui_edit_text(&e), "héllo");
	ck_assert_uint_eq(e.cursor, 6);
	ck_assert_int_eq(tui_edit_key(&e, TUI_FN(KEY_LEFT)), TUI_EDIT_MOVED);
	ck_assert_int_eq(tui_edit_key(&e, TUI_FN(KEY_LEFT)), TUI_EDIT_MOVED);
	ck_assert_int_eq(tui_edit_key(&e, TUI_FN(KEY_LEFT)), TUI_EDIT_MOVED);
	ck_assert_uint_eq(e.cursor, 3); /* after the two bytes of é */
	ck_assert_int_eq(tui_edit_key(&e, TUI_FN(KEY_BACKSPACE)), TUI_EDIT_CHANGED);
	ck_assert_str_eq(tui_edit_text(&e), "hllo");
	keys(&e, "e");
	ck_assert_str_eq(tui_edit_text(&e), "hello");
	tui_edit_key(&e, TUI_CTRL('a'));
	ck_assert_int_eq(tui_edit_key(&e, TUI_FN(KEY_BACKSPACE)), TUI_EDIT_MOVED);
	ck_assert_int_eq(tui_edit_key(&e, TUI_FN(KEY_DC)), TUI_EDIT_CHANGED);
	ck_assert_str_eq(tui_edit_text(&e), "ello");
	tui_edit_key(&e, TUI_CTRL('e'));
	ck_assert_int_eq(tui_edit_key(&e, TUI_FN(KEY_DC)), TUI_EDIT_MOVED);
	ck_assert_int_eq(tui_edit_key(&e, TUI_KEY_ENTER), TUI_EDIT_IGNORED);
	ck_assert_int_eq(tui_edit_key(&e, TUI_CTRL('u')), TUI_EDIT_CHANGED);
	ck_assert_str_eq(tui_edit_text(&e), "");
	ck_assert_int_eq(tui_edit_key(&e, TUI_CTRL('u')), TUI_EDIT_CHANGED);
	tui_edit_clear(&e);
}
END_TEST

START_TEST(limit_and_multiline)
{
	TuiLineEdit e = { .max = 4 };

	keys(&e, "abcd");
	ck_assert_int_eq(tui_edit_key(&e, 'x'), TUI_EDIT_FULL);
	ck_assert_str_eq(tui_edit_text(&e), "abcd");
	ck_assert(!tui_edit_set(&e, "toolong"));
	ck_assert(tui_edit_set(&e, "ab"));
	e.multiline = true;
	ck_assert_int_eq(tui_edit_key(&e, TUI_KEY_ENTER), TUI_EDIT_CHANGED);
	keys(&e, "c");
	ck_assert_str_eq(tui_edit_text(&e), "ab\nc");
	tui_edit_clear(&e);
	ck_assert_str_eq(tui_edit_text(&e), "");
}
END_TEST

TEST_SUITE(lineedit)
{
	Suite *s = suite_create("lineedit");
	TCase *tc = tcase_create("edit");

	tcase_add_test(tc, edits_by_character);
	tcase_add_test(tc, limit_and_multiline);
	suite_add_tcase(s, tc);
	return s;
}
