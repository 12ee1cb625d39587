#include "cli/cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Subcommand groups. Each lives in its own cmd_*.c. */
static const CliCommand *const cli_commands[] = {
	&cli_cmd_provider,
	&cli_cmd_env,
	&cli_cmd_secret,
	&cli_cmd_activity,
	&cli_cmd_db,
	&cli_cmd_plugin,
	&cli_cmd_lease,
	&cli_cmd_probe_config,
	&cli_cmd_demo,
	&cli_cmd_complete,
};

#define CLI_COMMAND_COUNT (sizeof cli_commands / sizeof cli_commands[0])

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

int cli_print_json(cJSON *json)
{
	char *text = json ? cJSON_Print(json) : NULL;

	cJSON_Delete(json);
	if (!text) {
		fputs("envctl: out of memory\n", stderr);
		return status_exit_code(ST_E_NOMEM);
	}
	puts(text);
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

int cli_main_hooked(int argc, char **argv, CliAppHook hook)
{
	static const struct option opts[] = {
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
	const char *db = NULL;
	TuiOptions tui = { 0 };
	bool readonly = false, no_color = getenv("NO_COLOR") && getenv("NO_COLOR")[0];
	App app;
	Error err;
	int c, rc;

	/* '+' stops at the first non-option: the rest belongs to the subcommand. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
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
		default:
			return cli_usage_error(NULL, "unknown option \"%s\"", argv[optind - 1]);
		}
	}
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
	for (size_t i = 0; i < CLI_COMMAND_COUNT; i++) {
		if (strcmp(argv[optind], cli_commands[i]->name) != 0)
			continue;
		if (cli_wants_help(argc - optind, argv + optind)) {
			fputs(cli_commands[i]->usage, stdout);
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
