/* cli: parses arguments, calls core actions, prints. No logic of its own. */
#ifndef ENVCTL_CLI_CLI_H
#define ENVCTL_CLI_CLI_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

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
/* cli_main with a hook run once the App is set up (before the command):
 * a test harness registers extra providers there. */
typedef Status (*CliAppHook)(App *app, Error *err);
int cli_main_hooked(int argc, char **argv, CliAppHook hook);

/* Shared output helpers. */
int cli_usage_error(const CliCommand *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int cli_fail(const Error *err);
/* Prints formatted JSON to stdout and frees it; returns 0. */
int cli_print_json(cJSON *json);
/* Writes text to fd (STDOUT_FILENO / STDERR_FILENO) as is, after what the
 * stream holds: for JSON and a command's passthrough output, which must
 * stay exact. Everything else printed goes through the terminal-safe
 * stdout/stderr. */
void cli_write_raw(int fd, const char *text, size_t n);
bool cli_wants_help(int argc, char **argv);

/* Option parsing shared by the subcommands. Options may come before,
 * between or after positionals; "--name=value" and "--name value" both
 * work; "--" ends options. */
typedef enum CliOptKind { CLI_FLAG, CLI_VALUE, CLI_MULTI } CliOptKind;

typedef struct CliList {
	const char **items;
	size_t count;
} CliList;

typedef struct CliOpt {
	const char *name; /* "--json" */
	CliOptKind kind;
	void *target;     /* bool *, const char **, or CliList * */
} CliOpt;

/* Which subcommands of a group an option applies to: subs is
 * space-separated ("create edit"). Given to another, the option is
 * refused rather than silently ignored. A table ends with name NULL. */
typedef struct CliOptScope {
	const char *name;
	const char *subs;
} CliOptScope;

/* Parses argv[start..] into opts and up to max_pos positionals (pos[]).
 * Returns 0, or prints a usage error for `envctl <cmd> <sub>` and returns
 * its exit code. Free CliList items with cli_list_free. */
int cli_parse(const CliCommand *cmd, const char *sub, int argc, char **argv, int start,
	      const CliOpt *opts, const char **pos, int max_pos, int *npos);
/* cli_parse that also refuses an option scopes says is not for sub. */
int cli_parse_scoped(const CliCommand *cmd, const char *sub, int argc, char **argv, int start,
		     const CliOpt *opts, const CliOptScope *scopes, const char **pos, int max_pos,
		     int *npos);
void cli_list_free(CliList *l);
/* Prints "WHERE: unknown option" for arg (len bytes of it) with a
 * did-you-mean from opts and a pointer to `envctl CMD --help` (cmd NULL,
 * where "": the global options, `envctl --help`); returns exit code 2. */
int cli_unknown_option(const CliCommand *cmd, const char *where, const CliOpt *opts,
		       const char *arg, size_t len);
/* Is word one of the space-separated words in list? */
bool cli_word_in(const char *list, const char *word);

/* Reads a secret value from a file or "-" (stdin) without leaving copies
 * behind; one trailing newline (\n or \r\n) is dropped, so
 * `echo value | envctl secret create NAME --value-file -` stores "value".
 * Free with cli_secret_free, which wipes it. */
Status cli_read_secret(const char *path, char **value, size_t *len, Error *err);
void cli_secret_free(char *value, size_t len);
/* Reads and parses a JSON file that may hold secret values; the text is
 * wiped. Free the result with json_wipe. */
cJSON *cli_read_json_secret(const char *path, Error *err);

extern const CliCommand cli_cmd_provider;
extern const CliCommand cli_cmd_env;
extern const CliCommand cli_cmd_secret;
extern const CliCommand cli_cmd_activity;
extern const CliCommand cli_cmd_db;
extern const CliCommand cli_cmd_operator;
extern const CliCommand cli_cmd_plugin;
extern const CliCommand cli_cmd_lease;
/* `env probe`, which lives with the other probe commands in cmd_probe.c. */
int cli_env_probe(App *app, int argc, char **argv);
extern const CliCommand cli_cmd_probe_config;
extern const CliCommand cli_cmd_demo;
extern const CliCommand cli_cmd_complete;
/* One subcommand group name per line (for `envctl complete commands`). */
void cli_print_command_names(void);
/* The global options ("--db", ...), one per line. */
void cli_print_global_options(void);
/* The subcommand group called name, or NULL. */
const CliCommand *cli_find_command(const char *name);

/* `envctl plugin lint FILE [--strict] [--json]`; argv[0] is "lint". */
int cli_plugin_lint(App *app, int argc, char **argv);

#endif
