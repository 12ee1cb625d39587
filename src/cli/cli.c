#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/term.h"

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

/* The global options: parsed from this table, and listed from it for
 * completion (`envctl complete globals`). */
static const struct option cli_global_opts[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "readonly", no_argument, NULL, 'r' },
	{ "no-color", no_argument, NULL, 'c' },
	{ "no-mouse", no_argument, NULL, 'm' },
	{ "ascii", no_argument, NULL, 'a' },
	{ "script", required_argument, NULL, 's' },
	{ "view", required_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void cli_print_usage(FILE *out)
{
	fprintf(out,
		"usage: envctl [--db PATH] [--readonly] [--no-color] [--no-mouse] [--ascii]\n"
		"              [--view NAME] [--script FILE] [COMMAND [ARGS...]]\n"
		"\n"
		"With no command, opens the console on the database.\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < CLI_COMMAND_COUNT; i++)
		fprintf(out, "  %-13s %s\n", cli_commands[i]->name, cli_commands[i]->summary);
	fprintf(out,
		"\n"
		"Options:\n"
		"  --db PATH     database file (default $ENVCTL_DB, else\n"
		"                $XDG_DATA_HOME/envctl/envctl.db)\n"
		"  --readonly    refuse every action that changes anything\n"
		"  --no-color    no colours (also NO_COLOR)\n"
		"  --no-mouse    the console ignores the mouse\n"
		"  --ascii       ASCII box drawing in the console\n"
		"  --view NAME   open the console on a view (environments, leases,\n"
		"                providers, secrets, activity)\n"
		"  --script FILE drive the console headless with a keystroke script\n"
		"                (also $ENVCTL_TUI_SCRIPT; see README)\n"
		"  --version     print the version\n"
		"  --help        this text; `envctl COMMAND --help` for a command\n"
		"\n"
		"Exit codes: 0 ok, 1 failed, 2 usage, 3 not found, 4 invalid input,\n"
		"5 conflict, 6 provider error, 7 database error, 8 secret store error,\n"
		"9 timed out, 10 not supported, 11 I/O error, 12 out of memory, 13 busy.\n");
}

/* `envctl CMD SUB --help`: the usage lines of SUB ("usage: envctl env
 * list ...", with their continuation lines), then the command's notes;
 * with no SUB, or one the usage does not name, the whole text. */
static void cli_print_sub_usage(const CliCommand *cmd, const char *sub)
{
	const char *text = cmd->usage, *line = text, *notes = strstr(text, "\n\n");
	size_t prefix_len;
	char prefix[96];
	bool any = false, in_sub = false;

	snprintf(prefix, sizeof prefix, "envctl %s %s", cmd->name, sub ? sub : "");
	prefix_len = strlen(prefix);
	if (!sub || !notes) {
		fputs(text, stdout);
		return;
	}
	while (line < notes) {
		const char *end = strchr(line, '\n');
		const char *word = line + strspn(line, " ");
		size_t n = (size_t)(end - line);

		if (strncmp(word, "usage: ", 7) == 0)
			word += 7;
		if (strncmp(word, "envctl ", 7) == 0)
			in_sub = strncmp(word, prefix, prefix_len) == 0 &&
				 (word[prefix_len] == ' ' || word[prefix_len] == '\n');
		if (in_sub) {
			/* "usage: " and the continuation indent are both 7 wide. */
			if (any)
				printf("%.*s\n", (int)n, line);
			else
				printf("usage: %.*s\n", (int)(end - word), word);
			any = true;
		}
		line = end + 1;
	}
	if (!any) {
		fputs(text, stdout);
		return;
	}
	fputs(notes + 1, stdout);
}

void cli_print_global_options(void)
{
	for (size_t i = 0; cli_global_opts[i].name; i++)
		printf("--%s\n", cli_global_opts[i].name);
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
}

int cli_usage_error(const CliCommand *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("envctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cmd)
		fputs(cmd->usage, stderr);
	else
		cli_print_usage(stderr);
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
		buf_free(&in);
		errno = ENOMEM;
		return -1;
	}
	used = term_escape(&out, in.data, in.len, true);
	t->npending = in.len - used < sizeof t->pending ? in.len - used : 0;
	memcpy(t->pending, in.data + used, t->npending);
	ok = !out.len || cli_write_fd(t->fd, out.data, out.len);
	buf_free(&in);
	buf_free(&out);
	return ok ? (ssize_t)size : -1;
}

static int cli_term_close(void *cookie)
{
	CliTermStream *t = cookie;
	Buf out = BUF_INIT;

	term_escape(&out, t->pending, t->npending, false);
	if (out.len)
		cli_write_fd(t->fd, out.data, out.len);
	buf_free(&out);
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

bool cli_wants_help(int argc, char **argv)
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
		app_free(&app);
		return cli_fail(&err);
	}
	app.no_color = no_color;
	if (optind >= argc) {
		tui.readonly = readonly;
		tui.no_color = no_color;
		rc = cli_no_command(&app, &tui);
		app_free(&app);
		return rc;
	}
	/* `envctl help [COMMAND]`: the same text as --help. */
	if (strcmp(argv[optind], "help") == 0) {
		const char *want = optind + 1 < argc ? argv[optind + 1] : NULL;

		app_free(&app);
		if (!want) {
			cli_print_usage(stdout);
			return 0;
		}
		for (size_t i = 0; i < CLI_COMMAND_COUNT; i++)
			if (strcmp(want, cli_commands[i]->name) == 0) {
				cli_print_sub_usage(cli_commands[i],
						    optind + 2 < argc ? argv[optind + 2] : NULL);
				return 0;
			}
		return cli_usage_error(NULL, "help: unknown command \"%s\"", want);
	}
	for (size_t i = 0; i < CLI_COMMAND_COUNT; i++) {
		if (strcmp(argv[optind], cli_commands[i]->name) != 0)
			continue;
		if (cli_wants_help(argc - optind, argv + optind)) {
			cli_print_sub_usage(cli_commands[i],
					    optind + 1 < argc && argv[optind + 1][0] != '-'
						    ? argv[optind + 1]
						    : NULL);
			rc = 0;
		} else {
			rc = cli_commands[i]->run(&app, argc - optind, argv + optind);
		}
		app_free(&app);
		return rc;
	}
	app_free(&app);
	return cli_usage_error(NULL, "unknown command \"%s\"", argv[optind]);
}

int cli_main_hooked(int argc, char **argv, CliAppHook hook)
{
	const char *db = NULL;
	TuiOptions tui = { 0 };
	bool readonly = false, no_color = getenv("NO_COLOR") && getenv("NO_COLOR")[0];
	FILE *orig_out = stdout, *orig_err = stderr;
	int c, rc;

	/* '+' stops at the first non-option: the rest belongs to the subcommand. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", cli_global_opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'r': readonly = true; break;
		case 'c': no_color = true; break;
		case 'm': tui.no_mouse = true; break;
		case 'a': tui.ascii = true; break;
		case 's': tui.script_path = optarg; break;
		case 'v': tui.start_view = optarg; break;
		case 'V': printf("envctl %s\n", ENVCTL_VERSION); return 0;
		case 'h': cli_print_usage(stdout); return 0;
		default: {
			/* The same did-you-mean as a subcommand's, from the table getopt read. */
			CliOpt known[sizeof cli_global_opts / sizeof cli_global_opts[0]];
			char names[sizeof cli_global_opts / sizeof cli_global_opts[0]][24];
			const char *arg = argv[optind - 1], *eq = strchr(arg, '=');
			size_t i;

			for (i = 0; cli_global_opts[i].name; i++) {
				snprintf(names[i], sizeof names[i], "--%s", cli_global_opts[i].name);
				known[i] = (CliOpt){ names[i], CLI_FLAG, NULL };
			}
			known[i] = (CliOpt){ NULL, CLI_FLAG, NULL };
			return cli_unknown_option(NULL, "", known, arg,
						  eq ? (size_t)(eq - arg) : strlen(arg));
		}
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
