/* cli/doc: the CLI's own table and what is printed from it (#20). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "testutil.h"

/* What fn printed for cmd and sub, as a string to free. */
static char *doc_capture(void (*fn)(FILE *, const CliCommand *, const char *),
			 const CliCommand *cmd, const char *sub)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	fn(f, cmd, sub);
	fclose(f);
	return text;
}

static char *doc_capture_man(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	cli_doc_man(f);
	fclose(f);
	return text;
}

/* What --help promises for every entry a helper adds: a summary, every
 * option's subcommands exist, every option with a value shows a default,
 * no option is listed twice for one subcommand, and every command has an
 * example that t_help_examples can run. */
START_TEST(every_table_entry_is_complete)
{
	size_t n;
	const CliCommand *const *cmds = cli_command_table(&n);

	for (size_t c = 0; c < n; c++) {
		const CliCommand *cmd = cmds[c];
		bool example = false;

		if (!cmd->subs)
			continue;
		ck_assert_msg(cmd->summary && cmd->summary[0], "%s has no summary", cmd->name);
		for (size_t i = 0; cmd->subs[i].name; i++) {
			const CliSubDoc *s = &cmd->subs[i];

			ck_assert_msg(s->summary && s->summary[0], "%s %s has no summary", cmd->name,
				      s->name);
			ck_assert_msg(s->summary[strlen(s->summary) - 1] != '.',
				      "%s %s: the summary gets its full stop when printed", cmd->name,
				      s->name);
			example |= s->examples != NULL;
		}
		ck_assert_msg(example, "%s --help shows no example", cmd->name);
		for (size_t i = 0; cmd->opts && cmd->opts[i].name; i++) {
			const CliOptDoc *o = &cmd->opts[i];
			char *subs = o->subs ? strdup(o->subs) : NULL;

			ck_assert_msg(o->help && o->help[0], "%s %s has no help", cmd->name, o->name);
			ck_assert_msg(!o->arg || o->def || strstr(o->help, "(") || o->multi,
				      "%s %s takes a value but shows no default", cmd->name, o->name);
			for (char *w = subs ? strtok(subs, " ") : NULL; w; w = strtok(NULL, " ")) {
				ck_assert_msg(cli_doc_sub(cmd, w) != NULL,
					      "%s %s names subcommand %s, which the table lacks",
					      cmd->name, o->name, w);
				ck_assert_msg(cli_doc_opt(cmd, w, o->name) == o,
					      "%s %s is listed twice for %s", cmd->name, o->name, w);
			}
			free(subs);
		}
	}
}
END_TEST

START_TEST(subcommand_help_shows_only_that_subcommand)
{
	char *all = doc_capture(cli_help_print, &cli_cmd_env, NULL);
	char *one = doc_capture(cli_help_print, &cli_cmd_env, "list");

	ck_assert_ptr_nonnull(strstr(all, "envctl env create"));
	ck_assert_ptr_nonnull(strstr(all, "Subcommands:"));
	ck_assert_ptr_nonnull(strstr(one, "usage: envctl env list [--provider KEY] [--status S] [--json]"));
	ck_assert_ptr_null(strstr(one, "env create"));
	/* One line per option, with its default and its values. */
	ck_assert_ptr_nonnull(strstr(one, "--status S"));
	ck_assert_ptr_nonnull(strstr(one, "one of: active,"));
	ck_assert_ptr_nonnull(strstr(one, "(default: every status)"));
	ck_assert_ptr_null(strstr(one, "--force"));
	ck_assert_ptr_nonnull(strstr(one, "Examples:\n  envctl env list\n"));
	ck_assert_ptr_nonnull(strstr(one, "Exit codes: "));
	free(all);
	free(one);
}
END_TEST

START_TEST(usage_lines_wrap_at_79_columns)
{
	char *text = doc_capture(cli_help_usage_lines, &cli_cmd_lease, NULL);

	for (char *line = text, *end; *line; line = end + 1) {
		end = strchr(line, '\n');
		ck_assert_ptr_nonnull(end);
		ck_assert_msg(end - line <= 79, "too long: %.*s", (int)(end - line), line);
	}
	/* a bracketed option is never cut */
	ck_assert_ptr_nonnull(strstr(text, "[--stdin-file F]"));
	free(text);
}
END_TEST

START_TEST(parser_refuses_what_the_table_does_not_give)
{
	bool force = false, json = false;
	const CliOpt opts[] = { { "--force", CLI_FLAG, &force },
				{ "--json", CLI_FLAG, &json },
				{ NULL, CLI_FLAG, NULL } };
	char *ok[] = { "plugin", "import", "--force", NULL };
	char *bad[] = { "plugin", "list", "--force", NULL };
	const char *pos[1];
	int npos;

	ck_assert_int_eq(cli_parse(&cli_cmd_plugin, "import", 3, ok, 2, opts, pos, 1, &npos), 0);
	ck_assert(force);
	ck_assert_int_eq(cli_parse(&cli_cmd_plugin, "list", 3, bad, 2, opts, pos, 1, &npos), 2);
}
END_TEST

START_TEST(man_section_is_roff_from_the_table)
{
	char *man = doc_capture_man();

	ck_assert_ptr_nonnull(strstr(man, ".SS env\n"));
	ck_assert_ptr_nonnull(
		strstr(man, ".B env create \\fINAME \\fB\\-\\-provider \\fIKEY \\fR[\\fB\\-\\-description"));
	ck_assert_ptr_nonnull(strstr(man, ".B lease workspace \\fIID"));
	ck_assert_ptr_nonnull(strstr(man, "\\-\\-config\\-file"));
	ck_assert_ptr_nonnull(strstr(man, ".SS help\n"));
	/* no text line may start with a roff control character */
	for (char *line = man; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		ck_assert_msg(line[0] != '\'' , "a line starts with ': %.40s", line);
	free(man);
}
END_TEST

TEST_SUITE(cli_doc)
{
	Suite *s = suite_create("cli_doc");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, every_table_entry_is_complete);
	tcase_add_test(tc, subcommand_help_shows_only_that_subcommand);
	tcase_add_test(tc, usage_lines_wrap_at_79_columns);
	tcase_add_test(tc, parser_refuses_what_the_table_does_not_give);
	tcase_add_test(tc, man_section_is_roff_from_the_table);
	suite_add_tcase(s, tc);
	return s;
}
