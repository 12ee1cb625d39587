/* core/lease_shell's output filter (#15): what an interactive shell in a
 * sandbox prints reaches the operator's terminal redacted of the lease's
 * secrets, even when a secret arrives split across reads, and without the
 * sequences that act beyond the screen (OSC titles and clipboard, DCS and
 * other strings, CSI ... t window operations). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "core/lease_shell.h"
#include "testutil.h"
#include "util/redact.h"

static const char *const secrets[] = { "hunter2-secret", NULL };

/* Feeds the chunks (NULL-terminated) one read at a time, then flushes. */
static char *run(const char *const *chunks)
{
	LeaseShellFilter f = { .secrets = secrets };
	Buf out = BUF_INIT;

	for (size_t i = 0; chunks[i]; i++)
		ck_assert(lease_shell_filter(&f, chunks[i], strlen(chunks[i]), false, &out));
	ck_assert(lease_shell_filter(&f, NULL, 0, true, &out));
	lease_shell_filter_clear(&f);
	return buf_take(&out);
}

START_TEST(test_text_and_screen_sequences_pass)
{
	const char *const in[] = { "ls\r\n\x1b[1;31mred\x1b[0m \x1b[2J\x1b[H\x1b" "7x\x1b" "8", NULL };
	char *out = run(in);

	ck_assert_str_eq(out, in[0]);
	free(out);
}
END_TEST

START_TEST(test_osc_dcs_and_window_ops_are_dropped)
{
	const char *const in[] = { "a\x1b]0;pwned\x07" "b\x1b]52;c;aGk=\x1b\\c",
				   "\x1bPtmux;\x1b\x1b]0;x\x07\x1b\\d\x1b[21t\x1b[8;100;100te", NULL };
	char *out = run(in);

	ck_assert_str_eq(out, "abcde");
	free(out);
}
END_TEST

START_TEST(test_sequence_split_across_reads)
{
	const char *const in[] = { "x\x1b", "]2;ti", "tle\x07y\x1b[3", "2mz", NULL };
	char *out = run(in);

	ck_assert_str_eq(out, "xy\x1b[32mz");
	free(out);
}
END_TEST

START_TEST(test_secret_redacted_whole_and_split)
{
	const char *const whole[] = { "key=hunter2-secret;", NULL };
	const char *const split[] = { "key=hunt", "er2-se", "cret;", NULL };
	char *a = run(whole), *b = run(split);

	ck_assert_str_eq(a, "key=" REDACTED ";");
	ck_assert_str_eq(b, "key=" REDACTED ";");
	free(a);
	free(b);
}
END_TEST

START_TEST(test_held_prefix_is_released)
{
	LeaseShellFilter f = { .secrets = secrets };
	Buf out = BUF_INIT;

	/* "hunt" may start the secret: held back, not shown, until the next
	 * read shows it is not; at the end, a flush lets it go. */
	ck_assert(lease_shell_filter(&f, "a hunt", 6, false, &out));
	ck_assert_uint_eq(out.len, 2);
	ck_assert(lease_shell_filter(&f, "ing\n", 4, false, &out));
	ck_assert(lease_shell_filter(&f, "hun", 3, false, &out));
	ck_assert(lease_shell_filter(&f, NULL, 0, true, &out));
	ck_assert(buf_append(&out, "", 0));
	ck_assert_str_eq(out.data, "a hunting\nhun");
	lease_shell_filter_clear(&f);
	buf_clear(&out);
}
END_TEST

TEST_SUITE(lease_shell)
{
	Suite *s = suite_create("lease_shell");
	TCase *tc = tcase_create("filter");

	tcase_add_test(tc, test_text_and_screen_sequences_pass);
	tcase_add_test(tc, test_osc_dcs_and_window_ops_are_dropped);
	tcase_add_test(tc, test_sequence_split_across_reads);
	tcase_add_test(tc, test_secret_redacted_whole_and_split);
	tcase_add_test(tc, test_held_prefix_is_released);
	suite_add_tcase(s, tc);
	return s;
}
