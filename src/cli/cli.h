/* cli: parses arguments, calls core actions, prints. No logic of its own. */
#ifndef ENVCTL_CLI_CLI_H
#define ENVCTL_CLI_CLI_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "core/app.h"
#include "tui/tui.h"

#define ENVCTL_VERSION "0.1.0"

/* One subcommand group ("provider", "env", ...). run returns an exit code. */
typedef struct CliCommand {
	const char *name;
	const char *summary;
	const char *usage; /* full usage text for `envctl NAME --help` */
	int (*run)(App *app, int argc, char **argv);
} CliCommand;

int cli_main(int argc, char **argv);

/* Shared output helpers. */
int cli_usage_error(const CliCommand *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int cli_fail(const Error *err);
/* Prints formatted JSON to stdout and frees it; returns 0. */
int cli_print_json(cJSON *json);
bool cli_wants_help(int argc, char **argv);

extern const CliCommand cli_cmd_provider;
extern const CliCommand cli_cmd_plugin;

/* `envctl plugin lint FILE [--strict] [--json]`; argv[0] is "lint". */
int cli_plugin_lint(App *app, int argc, char **argv);

#endif
