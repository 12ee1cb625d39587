/* Words for shell completion, one per line: what the bash completion
 * script (data/completion/envctl.bash) asks for. Reads only. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/environment.h"
#include "util/fs.h"

static const char complete_usage[] =
	"usage: envctl complete commands|envs|leases|providers|secrets\n"
	"\n"
	"Prints candidate words, one per line, for shell completion. A missing or\n"
	"unreadable database prints nothing (completion must never get in the way).\n";

static bool complete_lease(const StoreLease *l, void *ud)
{
	(void)ud;
	printf("%s\n", l->id);
	return true;
}

static int complete_run(App *app, int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";
	Store *s;
	Error err;

	error_clear(&err);
	if (strcmp(what, "commands") == 0) {
		cli_print_command_names();
		return 0;
	}
	if (strcmp(what, "providers") == 0) {
		for (size_t i = 0; i < app->registry.count; i++)
			printf("%s\n", app->registry.items[i]->key);
		return 0;
	}
	/* Completion never creates a database as a side effect. */
	if (!fs_is_file(app->db_path))
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
		store_env_list_free(&l);
		return 0;
	}
	if (strcmp(what, "leases") == 0) {
		StoreLeaseFilter f;

		memset(&f, 0, sizeof f);
		f.limit = 500;
		if (app_store(app, &s, &err) == ST_OK)
			store_lease_each(s, &f, complete_lease, NULL, &err);
		return 0;
	}
	if (strcmp(what, "secrets") == 0) {
		StoreSecretList l;

		if (app_store(app, &s, &err) != ST_OK || store_secret_list(s, false, &l, &err) != ST_OK)
			return 0;
		for (size_t i = 0; i < l.count; i++)
			printf("%s\n", l.items[i].name);
		store_secret_list_free(&l);
		return 0;
	}
	return cli_usage_error(&cli_cmd_complete, "complete: unknown word list \"%s\"", what);
}

const CliCommand cli_cmd_complete = {
	.name = "complete",
	.summary = "words for shell completion",
	.usage = complete_usage,
	.run = complete_run,
};
