#include <stdio.h>
#include <string.h>

#include "cli/cli.h"

static const char plugin_usage[] =
	"usage: envctl plugin lint FILE [--strict] [--json]\n"
	"\n"
	"Plugin providers and their manifests.\n"
	"\n"
	"  lint FILE   check a plugin manifest (a file with environmentDrivers) or a\n"
	"              bare configSchema: \"error:\" lines for what would break forms\n"
	"              and saves, \"warning:\" lines for what operators would trip on.\n"
	"              Exit 0 when clean (or warnings only), 1 for warnings with\n"
	"              --strict, 2 for errors. FILE \"-\" reads standard input.\n";

/* One row per subcommand: adding one is one line here. argv[0] of the
 * handler is the subcommand's name. */
static const struct {
	const char *name;
	int (*run)(App *app, int argc, char **argv);
} plugin_subcommands[] = {
	{ "lint", cli_plugin_lint },
};

static int plugin_run(App *app, int argc, char **argv)
{
	if (argc < 2)
		return cli_usage_error(&cli_cmd_plugin, "plugin: missing subcommand");
	for (size_t i = 0; i < sizeof plugin_subcommands / sizeof plugin_subcommands[0]; i++)
		if (strcmp(argv[1], plugin_subcommands[i].name) == 0)
			return plugin_subcommands[i].run(app, argc - 1, argv + 1);
	return cli_usage_error(&cli_cmd_plugin, "plugin: unknown subcommand \"%s\"", argv[1]);
}

const CliCommand cli_cmd_plugin = {
	.name = "plugin",
	.summary = "check plugin manifests and provider schemas",
	.usage = plugin_usage,
	.run = plugin_run,
};
