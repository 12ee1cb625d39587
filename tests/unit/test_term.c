/* util/term: what reaches a terminal (issue #12). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/term.h"

START_TEST(escapes_what_a_terminal_acts_on)
{
	char *s = term_escaped("a\x1b]0;PWN\x07\x1b[2Jb\r\x7f\xc2\x9b" "31m\tc\n");

	ck_assert_str_eq(s, "a\\x1b]0;PWN\\x07\\x1b[2Jb\\x0d\\x7f\\u009b31m\tc\n");
	free(s);
}
END_TEST

START_TEST(keeps_utf8_and_marks_invalid_bytes)
{
	char *s = term_escaped("caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x99\x82 \xff \xc3( \xed\xa0\x80 \xc0\xaf");

	ck_assert_str_eq(s, "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x99\x82 \\xff \\xc3( \\xed\\xa0\\x80 "
			    "\\xc0\\xaf");
	free(s);
}
END_TEST

START_TEST(incomplete_sequence_left_for_the_next_chunk)
{
	Buf b = BUF_INIT;
	size_t used = term_escape(&b, "ok \xe2\x9c", 5, true);

	ck_assert_uint_eq(used, 3);
	ck_assert_str_eq(b.data, "ok ");
	used = term_escape(&b, "\xe2\x9c", 2, false);
	ck_assert_uint_eq(used, 2);
	ck_assert_str_eq(b.data, "ok \\xe2\\x9c");
	buf_clear(&b);
}
END_TEST

START_TEST(clean_names)
{
	ck_assert(term_text_clean("prod-eu caf\xc3\xa9"));
	ck_assert(!term_text_clean("bad\x1b]0;PWN\x07"));
	ck_assert(!term_text_clean("tab\there"));
	ck_assert(!term_text_clean("c1\xc2\x9b"));
	ck_assert(!term_text_clean("\xff"));
}
END_TEST

TEST_SUITE(term)
{
	Suite *s = suite_create("term");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, escapes_what_a_terminal_acts_on);
	tcase_add_test(tc, keeps_utf8_and_marks_invalid_bytes);
	tcase_add_test(tc, incomplete_sequence_left_for_the_next_chunk);
	tcase_add_test(tc, clean_names);
	suite_add_tcase(s, tc);
	return s;
}
