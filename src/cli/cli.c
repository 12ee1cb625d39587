#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tui/lib.h"
#include "util/lib.h"

/* Subcommand groups. Each lives in its own cmd_*.c. */
static const CliCommand *const cli_commands[] = {
	&cli_cmd_provider,
	&cli_cmd_env,
	&cli_cmd_secret,
	&cli_cmd_activity,
	&cli_cmd_db,
	&cli_cmd_operator,
	&cli_cmd_plugin,
	&cli_cmd_lease,
	&cli_cmd_probe_config,
	&cli_cmd_demo,
	&cli_cmd_complete,
};

#define CLI_COMMAND_COUNT (sizeof cli_commands / sizeof cli_commands[0])

const CliCommand *const *cli_command_table(size_t *count)
{
	*count = CLI_COMMAND_COUNT;
	return cli_commands;
}

/* The global options: parsed (getopt's table is built from it), printed
 * by --help and the man page test, and listed for completion. */
static const CliOptDoc cli_globals[] = {
	{ "--db", NULL, "PATH", "the database file", "$ENVCTL_DB, else $XDG_DATA_HOME/envctl/envctl.db",
	  "@file", false },
	{ "--readonly", NULL, NULL, "refuse every action that changes anything", NULL, NULL, false },
	{ "--no-color", NULL, NULL, "no colours (also when NO_COLOR is set)", NULL, NULL, false },
	{ "--no-mouse", NULL, NULL, "the console ignores the mouse", NULL, NULL, false },
	{ "--ascii", NULL, NULL, "ASCII box drawing in the console", NULL, NULL, false },
	{ "--view", NULL, "NAME", "open the console on this view", "environments",
	  "environments leases providers secrets activity", false },
	{ "--script", NULL, "FILE",
	  "drive the console headless with a keystroke script (README, \"The console\")",
	  "$ENVCTL_TUI_SCRIPT", "@file", false },
	{ "--version", NULL, NULL, "print the version", NULL, NULL, false },
	{ "--help", NULL, NULL, "print the usage; `envctl COMMAND --help` for a command", NULL, NULL,
	  false },
	{ NULL, NULL, NULL, NULL, NULL, NULL, false },
};

#define CLI_GLOBAL_COUNT (sizeof cli_globals / sizeof cli_globals[0] - 1)

const CliOptDoc *cli_global_docs(void)
{
	return cli_globals;
}

static void cli_print_usage_lines(FILE *out)
{
	fprintf(out, "usage: envctl");
	for (size_t i = 0, col = 13; cli_globals[i].name; i++) {
		char word[64];

		if (strcmp(cli_globals[i].name, "--help") == 0 ||
		    strcmp(cli_globals[i].name, "--version") == 0)
			continue;
		snprintf(word, sizeof word, "[%s%s%s]", cli_globals[i].name,
			 cli_globals[i].arg ? " " : "", cli_globals[i].arg ? cli_globals[i].arg : "");
		if (col + 1 + strlen(word) > 79) {
			fprintf(out, "\n             ");
			col = 13;
		}
		fprintf(out, " %s", word);
		col += 1 + strlen(word);
	}
	fprintf(out, " [COMMAND [ARGS...]]\n");
}

static void cli_print_usage(FILE *out)
{
	cli_print_usage_lines(out);
	fprintf(out,
		"\n"
		"With no command, opens the console on the database.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < CLI_COMMAND_COUNT; i++)
		fprintf(out, "  %-13s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
	fprintf(out, "  %-13s %s\n", "help", "this text; `envctl help COMMAND [SUBCOMMAND]` for one");
	fprintf(out, "\nOptions:\n");
	for (size_t i = 0; cli_globals[i].name; i++)
		cli_doc_option_line(out, &cli_globals[i], NULL);
	fprintf(out, "\nExamples:\n"
		     "  envctl demo\n"
		     "  envctl --readonly env list\n"
		     "  envctl help env create\n\n");
	{
		char exits[512];

		snprintf(exits, sizeof exits, "Exit codes: %s.", cli_exit_codes);
		cli_doc_wrap(out, exits);
	}
}

void cli_print_global_options(void)
{
	for (size_t i = 0; cli_globals[i].name; i++)
		printf("%s\n", cli_globals[i].name);
}

const CliCommand *cli_find_command(const char *name)
{
	for (size_t i = 0; name && i < CLI_COMMAND_COUNT; i++)
		if (strcmp(cli_commands[i]->name, name) == 0)
			return cli_commands[i];
	return NULL;
}

void cli_print_command_names(void)
{
	for (size_t i = 0; i < CLI_COMMAND_COUNT; i++)
		printf("%s\n", cli_commands[i]->name);
	printf("help\n");
}

/* "unknown command", with a did-you-mean from the table. */
static int cli_unknown_command(const char *where, const char *word)
{
	const char *best = NULL;
	size_t best_d = 3;

	for (size_t i = 0; i < CLI_COMMAND_COUNT; i++) {
		size_t d = cli_distance(word, strlen(word), cli_commands[i]->name);

		if (d < best_d) {
			best = cli_commands[i]->name;
			best_d = d;
		}
	}
	if (best)
		return cli_usage_error(NULL, "%sunknown command \"%s\"; did you mean %s?", where, word,
				       best);
	return cli_usage_error(NULL, "%sunknown command \"%s\"", where, word);
}

int cli_usage_error(const CliCommand *cmd, const char *fmt, ...)
{
	va_list ap;
	char msg[512], sub[32] = "";
	size_t n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fprintf(stderr, "envctl: %s\n", msg);
	if (!cmd) {
		cli_print_usage_lines(stderr);
		fputs("see `envctl --help`\n", stderr);
		return status_exit_code(ST_E_USAGE);
	}
	/* Messages start "CMD SUB: ...": then that subcommand's usage only. */
	n = strlen(cmd->name);
	if (strncmp(msg, cmd->name, n) == 0 && msg[n] == ' ') {
		size_t len = strcspn(msg + n + 1, ": ");

		if (len < sizeof sub && msg[n + 1 + len] == ':') {
			memcpy(sub, msg + n + 1, len);
			sub[len] = '\0';
		}
	}
	if (!cli_doc_sub(cmd, sub) || !sub[0])
		sub[0] = '\0';
	cli_help_usage_lines(stderr, cmd, sub[0] ? sub : NULL);
	fprintf(stderr, "see `envctl %s%s%s --help`\n", cmd->name, sub[0] ? " " : "", sub);
	return status_exit_code(ST_E_USAGE);
}

int cli_fail(const Error *err)
{
	fprintf(stderr, "envctl: %s\n", error_text(err));
	return status_exit_code(err->status == ST_OK ? ST_E_FAIL : err->status);
}

/* ------------------------------------------------ terminal-safe output
 *
 * A subcommand's stdout and stderr are replaced by streams that pass
 * every byte through term_escape before it reaches the descriptor, so no
 * printf in any command can hand a terminal an escape sequence from a
 * name, a summary or a plugin's log. JSON and a command's passthrough
 * output (lease exec) go to the descriptors unchanged: cli_write_raw. */

typedef struct CliTermStream {
	int fd;
	char pending[4]; /* the start of a UTF-8 character cut by a flush */
	size_t npending;
} CliTermStream;

static bool cli_write_fd(int fd, const char *data, size_t n)
{
	while (n) {
		ssize_t w = write(fd, data, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		data += w;
		n -= (size_t)w;
	}
	return true;
}

static ssize_t cli_term_write(void *cookie, const char *data, size_t size)
{
	CliTermStream *t = cookie;
	Buf in = BUF_INIT, out = BUF_INIT;
	size_t used;
	bool ok;

	if (!buf_append(&in, t->pending, t->npending) || !buf_append(&in, data, size)) {
		buf_clear(&in);
		errno = ENOMEM;
		return -1;
	}
	used = term_escape(&out, in.data, in.len, true);
	t->npending = in.len - used < sizeof t->pending ? in.len - used : 0;
	memcpy(t->pending, in.data + used, t->npending);
	ok = !out.len || cli_write_fd(t->fd, out.data, out.len);
	buf_clear(&in);
	buf_clear(&out);
	return ok ? (ssize_t)size : -1;
}

static int cli_term_close(void *cookie)
{
	CliTermStream *t = cookie;
	Buf out = BUF_INIT;

	term_escape(&out, t->pending, t->npending, false);
	if (out.len)
		cli_write_fd(t->fd, out.data, out.len);
	buf_clear(&out);
	free(t);
	return 0;
}

static FILE *cli_term_stream(int fd)
{
	cookie_io_functions_t io = { .write = cli_term_write, .close = cli_term_close };
	CliTermStream *t = calloc(1, sizeof *t);
	FILE *f = t ? fopencookie(t, "w", io) : NULL;

	if (!f) {
		free(t);
		return NULL;
	}
	t->fd = fd;
	if (fd == STDERR_FILENO)
		setvbuf(f, NULL, _IONBF, 0);
	else if (isatty(fd))
		setvbuf(f, NULL, _IOLBF, 0);
	return f;
}

/* stdout and stderr are process-wide: so is this, set once before the
 * subcommand runs (never for the console, which draws with curses). */
static void cli_term_install(void)
{
	FILE *out = cli_term_stream(STDOUT_FILENO), *err = cli_term_stream(STDERR_FILENO);

	fflush(stdout);
	fflush(stderr);
	if (out)
		stdout = out;
	if (err)
		stderr = err;
}

void cli_write_raw(int fd, const char *text, size_t n)
{
	fflush(fd == STDERR_FILENO ? stderr : stdout);
	(void)cli_write_fd(fd, text, n);
}

void cli_write_buf(Buf *b, size_t at_least)
{
	if (b->len == 0 || b->len < at_least)
		return;
	cli_write_raw(STDOUT_FILENO, b->data, b->len);
	buf_reset(b);
}

int cli_print_json(cJSON *json)
{
	char *text = json ? cJSON_Print(json) : NULL;

	cJSON_Delete(json);
	if (!text) {
		fputs("envctl: out of memory\n", stderr);
		return status_exit_code(ST_E_NOMEM);
	}
	cli_write_raw(STDOUT_FILENO, text, strlen(text));
	cli_write_raw(STDOUT_FILENO, "\n", 1);
	free(text);
	return 0;
}

static bool cli_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	}
	return false;
}

/* No subcommand: the console. */
static int cli_no_command(App *app, const TuiOptions *opts)
{
	Error err;

	error_clear(&err);
	if (tui_run(app, opts, &err) != ST_OK)
		return cli_fail(&err);
	return 0;
}

int cli_main(int argc, char **argv)
{
	return cli_main_hooked(argc, argv, NULL);
}


static int cli_dispatch(int argc, char **argv, const char *db, bool readonly, bool no_color,
			TuiOptions *tui_opts, CliAppHook hook)
{
	TuiOptions tui = *tui_opts;
	App app;
	Error err;
	int rc;

	error_clear(&err);
	if (app_init(&app, db, &err) != ST_OK)
		return cli_fail(&err);
	app.readonly = readonly;
	if (app_set_actor(&app, "cli", &err) != ST_OK || (hook && hook(&app, &err) != ST_OK)) {
		app_clear(&app);
		return cli_fail(&err);
	}
	app.no_color = no_color;
	if (optind >= argc) {
		tui.readonly = readonly;
		tui.no_color = no_color;
		rc = cli_no_command(&app, &tui);
		app_clear(&app);
		return rc;
	}
	/* `envctl help [COMMAND]`: the same text as --help. */
	if (strcmp(argv[optind], "help") == 0) {
		const char *want = optind + 1 < argc ? argv[optind + 1] : NULL;

		app_clear(&app);
		if (!want) {
			cli_print_usage(stdout);
			return 0;
		}
		/* For `make docs` and t_docs_sync: the generated documentation. */
		if (strcmp(want, "--man") == 0) {
			cli_doc_man(stdout);
			return 0;
		}
		if (strcmp(want, "--man-synopsis") == 0 || strcmp(want, "--man-globals") == 0) {
			cli_doc_man_globals(stdout, want[6] == 's');
			return 0;
		}
		if (strcmp(want, "--synopsis") == 0) {
			cli_doc_synopsis(stdout);
			return 0;
		}
		for (size_t i = 0; i < CLI_COMMAND_COUNT; i++)
			if (strcmp(want, cli_commands[i]->name) == 0) {
				cli_help_print(stdout, cli_commands[i],
					       optind + 2 < argc ? argv[optind + 2] : NULL);
				return 0;
			}
		return cli_unknown_command("help: ", want);
	}
	for (size_t i = 0; i < CLI_COMMAND_COUNT; i++) {
		if (strcmp(argv[optind], cli_commands[i]->name) != 0)
			continue;
		/* A subcommand the table does not name is refused here, for every
		 * command alike, with a did-you-mean. */
		if (cli_commands[i]->subs && cli_commands[i]->subs[0].name[0] &&
		    optind + 1 < argc && argv[optind + 1][0] != '-' &&
		    !cli_doc_sub(cli_commands[i], argv[optind + 1])) {
			rc = cli_unknown_subcommand(cli_commands[i], argv[optind + 1]);
			app_clear(&app);
			return rc;
		}
		if (cli_wants_help(argc - optind, argv + optind)) {
			cli_help_print(stdout, cli_commands[i],
				       optind + 1 < argc && argv[optind + 1][0] != '-'
					       ? argv[optind + 1]
					       : NULL);
			rc = 0;
		} else {
			rc = cli_commands[i]->run(&app, argc - optind, argv + optind);
		}
		app_clear(&app);
		return rc;
	}
	app_clear(&app);
	return cli_unknown_command("", argv[optind]);
}

int cli_main_hooked(int argc, char **argv, CliAppHook hook)
{
	const char *db = NULL;
	TuiOptions tui = { 0 };
	bool readonly = false, no_color = getenv("NO_COLOR") && getenv("NO_COLOR")[0];
	FILE *orig_out = stdout, *orig_err = stderr;
	int c, rc;

	struct option longopts[CLI_GLOBAL_COUNT + 1];
	CliOpt known[CLI_GLOBAL_COUNT + 1];

	/* getopt's table from the documented one; val is the row. */
	for (size_t i = 0; i < CLI_GLOBAL_COUNT; i++) {
		longopts[i] = (struct option){ cli_globals[i].name + 2,
					       cli_globals[i].arg ? required_argument : no_argument,
					       NULL, 256 + (int)i };
		known[i] = (CliOpt){ cli_globals[i].name, CLI_FLAG, NULL };
	}
	longopts[CLI_GLOBAL_COUNT] = (struct option){ NULL, 0, NULL, 0 };
	known[CLI_GLOBAL_COUNT] = (CliOpt){ NULL, CLI_FLAG, NULL };
	/* '+' stops at the first non-option: the rest belongs to the subcommand. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		const char *name = c >= 256 && c < 256 + (int)CLI_GLOBAL_COUNT
					   ? cli_globals[c - 256].name
					   : c == 'h' ? "--help" : "";

		if (strcmp(name, "--db") == 0) {
			db = optarg;
		} else if (strcmp(name, "--readonly") == 0) {
			readonly = true;
		} else if (strcmp(name, "--no-color") == 0) {
			no_color = true;
		} else if (strcmp(name, "--no-mouse") == 0) {
			tui.no_mouse = true;
		} else if (strcmp(name, "--ascii") == 0) {
			tui.ascii = true;
		} else if (strcmp(name, "--script") == 0) {
			tui.script_path = optarg;
		} else if (strcmp(name, "--view") == 0) {
			tui.start_view = optarg;
		} else if (strcmp(name, "--version") == 0) {
			printf("envctl %s\n", ENVCTL_VERSION);
			return 0;
		} else if (strcmp(name, "--help") == 0) {
			cli_print_usage(stdout);
			return 0;
		} else {
			/* The same did-you-mean as a subcommand's, from the same table. */
			const char *arg = argv[optind - 1], *eq = strchr(arg, '=');

			if (c == ':' || (c == '?' && optopt >= 256))
				return cli_usage_error(NULL, "%s needs a value", arg);
			return cli_unknown_option(NULL, "", known, arg,
						  eq ? (size_t)(eq - arg) : strlen(arg));
		}
	}
	if (optind < argc)
		cli_term_install();
	rc = cli_dispatch(argc, argv, db, readonly, no_color, &tui, hook);
	/* Closed (so a character cut at the end is written too) and put back:
	 * a test may run several commands in one process. */
	if (stdout != orig_out) {
		fclose(stdout);
		stdout = orig_out;
	}
	if (stderr != orig_err) {
		fclose(stderr);
		stderr = orig_err;
	}
	return rc;
}
