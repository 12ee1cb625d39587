/* Words for shell completion, one per line: what the bash completion
 * script (data/completion/envctl.bash) asks for. Reads only. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/lib.h"
#include "util/lib.h"

static const CliSubDoc complete_subs[] = {
	{ "commands", "", "the commands", NULL, NULL, "envctl complete commands", NULL },
	{ "globals", "", "the global options", NULL, NULL, NULL, NULL },
	{ "envs", "", "environment names", NULL, NULL, "envctl complete envs", NULL },
	{ "leases", "", "lease ids (the newest 500)", NULL, NULL, NULL, NULL },
	{ "providers", "", "provider keys", NULL, NULL, NULL, NULL },
	{ "plugins", "", "plugin ids", NULL, NULL, NULL, NULL },
	{ "secrets", "", "secret names", NULL, NULL, NULL, NULL },
	{ "subcommands", "CMD", "a command's subcommands", NULL, "@commands",
	  "envctl complete subcommands lease", NULL },
	{ "options", "CMD [SUB]", "the options of a command, or of one subcommand", NULL,
	  "@commands", "envctl complete options env create", NULL },
	{ "values", "CMD SUB OPTION", "what an option's value completes to",
	  "Words, or one of @file, @dir, @number, @envs, @leases, @providers, @plugins, "
	  "@secrets, @commands for the completion script to expand.",
	  "@commands", "envctl complete values env list --status", NULL },
	{ "args", "CMD [SUB]", "what a subcommand's first argument completes to (as values)", NULL,
	  "@commands", "envctl complete args plugin show", NULL },
	{ "examples", "CMD", "the examples a command's --help shows, one per line", NULL,
	  "@commands", NULL, NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

static bool complete_lease(const StoreLease *l, void *ud)
{
	(void)ud;
	printf("%s\n", l->id);
	return true;
}

static int complete_run(App *app, int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	Error err;

	error_clear(&err);
	if (strcmp(what, "commands") == 0) {
		cli_print_command_names();
		return 0;
	}
	if (strcmp(what, "plugins") == 0) {
		/* plugin show/log/restart take a plugin id (or a key it declares). */
		for (size_t i = 0; i < app->plugins.count; i++)
			if (app->plugins.items[i]->id)
				printf("%s\n", app->plugins.items[i]->id);
		return 0;
	}
	if (strcmp(what, "globals") == 0) {
		cli_print_global_options();
		return 0;
	}
	if (strcmp(what, "subcommands") == 0 || strcmp(what, "options") == 0 ||
	    strcmp(what, "values") == 0 || strcmp(what, "args") == 0 ||
	    strcmp(what, "examples") == 0) {
		const CliCommand *cmd = cli_find_command(argc > 2 ? argv[2] : NULL);
		const char *sub = argc > 3 ? argv[3] : NULL, *opt = argc > 4 ? argv[4] : "";

		/* "values activity --limit" or "values activity -- --limit": a
		 * command without subcommands. */
		if (sub && strcmp(sub, "--") == 0) {
			sub = "";
		} else if (sub && sub[0] == '-') {
			opt = sub;
			sub = "";
		}
		/* "values - --db": a global option. */
		if (!cmd && what[0] == 'v' && argc > 3 && strcmp(argv[2], "-") == 0) {
			const CliOptDoc *g = cli_global_docs();

			for (size_t i = 0; g[i].name; i++)
				if (strcmp(g[i].name, argv[3]) == 0 && g[i].arg)
					cli_doc_print_values(&g[i]);
			return 0;
		}
		if (!cmd && argc > 2 && strcmp(argv[2], "help") != 0)
			return 0;
		if (!cmd && what[0] == 'a') {
			/* `envctl help CMD`: the commands. */
			printf("@commands\n");
			return 0;
		}
		if (!cmd)
			return 0;
		if (strcmp(what, "subcommands") == 0)
			cli_doc_subcommands(cmd);
		else if (strcmp(what, "options") == 0)
			cli_doc_options(cmd, sub);
		else if (strcmp(what, "values") == 0)
			cli_doc_values(cmd, sub, opt);
		else if (strcmp(what, "args") == 0)
			cli_doc_args(cmd, sub ? sub : "");
		else
			cli_doc_examples(cmd);
		return 0;
	}
	if (strcmp(what, "providers") == 0) {
		for (size_t i = 0; i < app->registry.count; i++)
			printf("%s\n", app->registry.items[i]->key);
		return 0;
	}
	/* Completion never creates or migrates a database as a side effect:
	 * a file must exist, and a PostgreSQL registry is read read-only. */
	if (app_db_is_server(app))
		app->readonly = true;
	else if (!fs_is_file(app->db_path))
		return strcmp(what, "envs") == 0 || strcmp(what, "leases") == 0 ||
				       strcmp(what, "secrets") == 0
			       ? 0
			       : cli_usage_error(&cli_cmd_complete, "complete: unknown word list \"%s\"", what);
	if (strcmp(what, "envs") == 0) {
		StoreEnvList l;

		if (env_list(app, NULL, &l, &err) != ST_OK)
			return 0;
		for (size_t i = 0; i < l.count; i++)
			printf("%s\n", l.items[i].env.name);
		store_env_list_clear(&l);
		return 0;
	}
	if (strcmp(what, "leases") == 0) {
		StoreLeaseFilter f;

		memset(&f, 0, sizeof f);
		f.limit = 500;
		lease_each(app, &f, complete_lease, NULL, &err);
		return 0;
	}
	if (strcmp(what, "secrets") == 0) {
		StoreSecretList l;

		if (secrets_list(app, false, &l, &err) != ST_OK)
			return 0;
		for (size_t i = 0; i < l.count; i++)
			printf("%s\n", l.items[i].name);
		store_secret_list_clear(&l);
		return 0;
	}
	return cli_usage_error(&cli_cmd_complete, "complete: unknown word list \"%s\"", what);
}

const CliCommand cli_cmd_complete = {
	.name = "complete",
	.summary = "words for shell completion",
	.run = complete_run,
	.subs = complete_subs,
	.notes = "Prints candidate words, one per line, for shell completion. A missing or "
		 "unreadable database prints nothing (completion must never get in the way). "
		 "Every word comes from the CLI's own table, the one --help and the man page are "
		 "printed from.",
	.exits = "0 ok, 2 usage",
};
