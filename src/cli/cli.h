/* cli: parses arguments, calls core actions, prints. No logic of its own. */
#ifndef ENVCTL_CLI_CLI_H
#define ENVCTL_CLI_CLI_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/app.h"
#include "tui/lib.h"

#define ENVCTL_VERSION "0.1.0"

/* The CLI's own table (#20): each command describes its subcommands and
 * options once, and --help, usage errors, the man page's COMMANDS section
 * (`envctl help --man`, `make docs`), the README's command reference and
 * the completion word lists are all printed from it (src/cli/doc.c). The
 * parser refuses an option the table does not list for the subcommand. */

/* What completes a value or a positional: space-separated words, or one of
 * @file, @dir, @envs, @leases, @providers, @plugins, @secrets, @commands,
 * @number; NULL: free text, nothing to offer. */
typedef struct CliOptDoc {
	const char *name;   /* "--status" */
	const char *subs;   /* subcommands it applies to, space-separated; NULL: all */
	const char *arg;    /* "S" in "--status S"; NULL for a flag */
	const char *help;   /* one line */
	const char *def;    /* the default, shown after "default:"; "required"; NULL: none */
	const char *values; /* see above */
	bool multi;         /* may be repeated: "[--set PTR=VALUE]..." */
} CliOptDoc;

typedef struct CliSubDoc {
	const char *name;     /* "create"; "" for a command without subcommands */
	const char *args;     /* synopsis after the name; "%o" marks where the
			       * options not already named in it go (else at the end) */
	const char *summary;  /* one line, no final full stop */
	const char *text;     /* more, plain text with \n between paragraphs; or NULL */
	const char *complete; /* what its first positional completes (as values) */
	const char *examples; /* shell lines, "\n"-separated; each runs (t_help_examples) */
	const char *exits;    /* exit codes when not the command's; or NULL */
} CliSubDoc;

/* One subcommand group ("provider", "env", ...). run returns an exit code. */
typedef struct CliCommand {
	const char *name;
	const char *summary;
	const char *usage; /* without subs: the whole --help text, written by hand */
	int (*run)(App *app, int argc, char **argv);
	const CliSubDoc *subs;  /* ends with name NULL; NULL: only usage */
	const CliOptDoc *opts;  /* ends with name NULL */
	const char *notes;      /* what applies to every subcommand; or NULL */
	const char *exits;      /* exit codes; NULL: the global list */
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
/* "env: unknown subcommand" with the table's subcommands and a
 * did-you-mean; returns exit code 2. */
int cli_unknown_subcommand(const CliCommand *cmd, const char *word);
/* Edit distance of the na bytes of a and b, for a did-you-mean
 * ((size_t)-1 for words of 64 bytes or more). */
size_t cli_distance(const char *a, size_t na, const char *b);
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

/* Printing from the table (doc.c). sub NULL: the whole command. */
void cli_help_print(FILE *out, const CliCommand *cmd, const char *sub);
/* Just the "usage:" lines, for a usage error. */
void cli_help_usage_lines(FILE *out, const CliCommand *cmd, const char *sub);
/* The sub's entry, or NULL (also for a command without a table). */
const CliSubDoc *cli_doc_sub(const CliCommand *cmd, const char *sub);
/* The option's entry that applies to sub (NULL: any), or NULL. */
const CliOptDoc *cli_doc_opt(const CliCommand *cmd, const char *sub, const char *name);
/* One "  --opt ARG   help (default: D) [scope]" line, wrapped. */
void cli_doc_option_line(FILE *out, const CliOptDoc *o, const char *scope);
/* Paragraphs wrapped at 79 columns. */
void cli_doc_wrap(FILE *out, const char *text);
/* The man page's COMMANDS section body (roff). */
void cli_doc_man(FILE *out);
/* The man page's SYNOPSIS (synopsis) or GLOBAL OPTIONS body. */
void cli_doc_man_globals(FILE *out, bool synopsis);
/* The README's command reference: one synopsis per line. */
void cli_doc_synopsis(FILE *out);
/* Completion words (`envctl complete subcommands|options|values|args|examples`). */
void cli_doc_subcommands(const CliCommand *cmd);
void cli_doc_options(const CliCommand *cmd, const char *sub);
void cli_doc_values(const CliCommand *cmd, const char *sub, const char *opt);
/* What o's value completes to; "@text" for free text; nothing for a flag. */
void cli_doc_print_values(const CliOptDoc *o);
void cli_doc_args(const CliCommand *cmd, const char *sub);
void cli_doc_examples(const CliCommand *cmd);
/* The command table, in order. */
const CliCommand *const *cli_command_table(size_t *count);
/* The global options, documented and parsed from one table. */
const CliOptDoc *cli_global_docs(void);
/* The exit codes every command shares. */
extern const char cli_exit_codes[];

/* `envctl plugin lint FILE [--strict] [--json]`; argv[0] is "lint". */
int cli_plugin_lint(App *app, int argc, char **argv);

#endif
