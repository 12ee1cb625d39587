#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/lib.h"
#include "util/lib.h"

static const CliSubDoc plugin_subs[] = {
	{ "list", "", "list plugins with their worker status",
	  "--json prints an object, {\"plugins\": [...], \"problems\": [...]}, not an array: the "
	  "problems are plugin folders that could not be loaded.",
	  NULL, "envctl plugin list\nenvctl plugin list --json", NULL },
	{ "show", "KEY", "show one plugin: manifest, providers, worker pid, restarts, last error",
	  "KEY is a plugin id or a provider key it declares.", "@plugins",
	  "envctl plugin show bwrap", NULL },
	{ "log", "KEY", "print the plugin's log",
	  "Its stderr, log notifications and the host's notes: the last N lines; --follow then "
	  "prints each line as it is written, across rotations, until interrupted.",
	  "@plugins", "envctl plugin log bwrap --lines 20", NULL },
	{ "restart", "KEY", "start the plugin's worker afresh and ask it for its health", NULL,
	  "@plugins", "envctl plugin restart bwrap", NULL },
	{ "import", "DIR", "make a package built with @paperclipai/plugin-sdk loadable",
	  "Evaluates the manifest module named in DIR/package.json with node, writes "
	  "DIR/manifest.json and links DIR into $XDG_DATA_HOME/envctl/plugins.",
	  "@dir", NULL, NULL },
	{ "lint", "FILE", "check a plugin manifest or a bare configSchema",
	  "A manifest is a file with environmentDrivers. \"error:\" lines are what would break "
	  "forms and saves, \"warning:\" lines what operators would trip on. FILE \"-\" reads "
	  "standard input.",
	  "@file",
	  "echo '{\"type\": \"object\", \"properties\": {\"image\": {\"type\": \"string\"}}}' | "
	  "envctl plugin lint -",
	  "0 clean or warnings only, 1 warnings with --strict, 2 usage, 3 FILE not found, "
	  "4 errors" },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

static const CliOptDoc plugin_opts[] = {
	{ "--lines", "log", "N", "print the last N lines", "200", NULL, false },
	{ "--follow", "log", NULL, "then print each new line until interrupted", NULL, NULL, false },
	{ "--inherit-env", "import", "VAR", "a variable the worker may inherit", "none", NULL, true },
	{ "--no-link", "import", NULL, "only write the manifest, do not link DIR", NULL, NULL,
	  false },
	{ "--force", "import", NULL, "replace an existing manifest or link", NULL, NULL, false },
	{ "--strict", "lint", NULL, "exit 1 for warnings too", NULL, NULL, false },
	{ "--json", "list show restart lint", NULL, "print JSON", NULL, NULL, false },
	{ NULL, NULL, NULL, NULL, NULL, NULL, false },
};

typedef struct PluginArgs {
	const char *target;
	bool json;
	bool no_link;
	bool force;
	bool follow;
	long lines;
	char **inherit; /* NULL-terminated */
} PluginArgs;

static cJSON *plugin_driver_json(App *app, const PluginManifest *m, const PluginDriver *d)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "driverKey", d->driver_key ? d->driver_key : "");
	cJSON_AddStringToObject(o, "kind", d->kind ? d->kind : "environment_driver");
	cJSON_AddStringToObject(o, "displayName", d->display_name ? d->display_name : "");
	cJSON_AddBoolToObject(o, "registered", plugins_driver_registered(app, m, d->driver_key));
	return o;
}

static cJSON *plugin_strings_json(char *const *items, size_t n)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; arr && items && (n ? i < n : items[i] != NULL); i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(items[i]));
	return arr;
}

static cJSON *plugin_worker_json(const PluginView *v)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "state", v->state);
	if (!v->loaded)
		return o;
	cJSON_AddStringToObject(o, "status", v->status ? v->status : "");
	cJSON_AddNumberToObject(o, "pid", v->info.pid);
	cJSON_AddNumberToObject(o, "restarts", v->info.restarts);
	cJSON_AddNumberToObject(o, "inFlight", (double)v->info.in_flight);
	if (v->info.last_error[0])
		cJSON_AddStringToObject(o, "lastError", v->info.last_error);
	return o;
}

static cJSON *plugin_json(App *app, const PluginManifest *m, bool full)
{
	cJSON *o = cJSON_CreateObject(), *drivers;
	PluginView v;
	Error err;

	if (!o || plugins_view(app, m, &v, &err) != ST_OK) {
		cJSON_Delete(o);
		return NULL;
	}
	cJSON_AddStringToObject(o, "id", m->id ? m->id : "");
	cJSON_AddStringToObject(o, "name", m->name ? m->name : "");
	cJSON_AddStringToObject(o, "version", m->version ? m->version : "");
	cJSON_AddStringToObject(o, "dir", m->dir);
	cJSON_AddBoolToObject(o, "ok", plugin_manifest_ok(m));
	cJSON_AddItemToObject(o, "errors", plugin_strings_json(m->errors, m->error_count));
	cJSON_AddItemToObject(o, "warnings", plugin_strings_json(m->warnings, m->warning_count));
	drivers = cJSON_AddArrayToObject(o, "drivers");
	for (size_t i = 0; i < m->driver_count; i++)
		cJSON_AddItemToArray(drivers, plugin_driver_json(app, m, &m->drivers[i]));
	cJSON_AddItemToObject(o, "worker", plugin_worker_json(&v));
	if (full) {
		if (m->description)
			cJSON_AddStringToObject(o, "description", m->description);
		cJSON_AddItemToObject(o, "argv", plugin_strings_json(m->worker_argv, 0));
		cJSON_AddItemToObject(o, "inheritEnv", plugin_strings_json(m->inherit_env, 0));
		cJSON_AddBoolToObject(o, "sdk",
				      cJSON_GetObjectItemCaseSensitive(m->json, "paperclipManifest") != NULL);
		if (v.log_path)
			cJSON_AddStringToObject(o, "log", v.log_path);
	}
	plugins_view_clear(&v);
	return o;
}

static char *plugin_drivers_text(App *app, const PluginManifest *m)
{
	Buf b = BUF_INIT;

	for (size_t i = 0; i < m->driver_count; i++) {
		const PluginDriver *d = &m->drivers[i];

		buf_printf(&b, "%s%s%s", i ? ", " : "", d->driver_key ? d->driver_key : "?",
			   plugins_driver_registered(app, m, d->driver_key) ? "" : " (not used)");
	}
	return b.data ? buf_take(&b) : strdup("-");
}

static int plugin_list(App *app, const PluginArgs *a)
{
	const PluginCatalog *c = &app->plugins;

	if (a->json) {
		cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "plugins");
		cJSON *problems = cJSON_AddArrayToObject(root, "problems");

		for (size_t i = 0; i < c->count; i++)
			cJSON_AddItemToArray(arr, plugin_json(app, c->items[i], false));
		for (size_t i = 0; i < app->registry.problem_count; i++)
			cJSON_AddItemToArray(problems, cJSON_CreateString(app->registry.problems[i]));
		return cli_print_json(root);
	}
	if (c->count == 0)
		printf("No plugins found (see `envctl plugin --help` for where they are looked for).\n");
	else
		printf("%-28s %-9s %-7s %-24s %s\n", "PLUGIN", "VERSION", "STATE", "PROVIDERS", "FOLDER");
	for (size_t i = 0; i < c->count; i++) {
		const PluginManifest *m = c->items[i];
		char *drivers = plugin_drivers_text(app, m);

		printf("%-28s %-9s %-7s %-24s %s\n", m->id ? m->id : "(no id)",
		       m->version ? m->version : "-", plugin_manifest_ok(m) ? "ok" : "broken",
		       drivers ? drivers : "-", m->dir);
		free(drivers);
	}
	for (size_t i = 0; i < app->registry.problem_count; i++)
		printf("problem: %s\n", app->registry.problems[i]);
	return 0;
}

static int plugin_show(App *app, const PluginArgs *a)
{
	const PluginManifest *m;
	PluginView v;
	Error err;

	error_clear(&err);
	if (plugins_find(app, a->target, &m, &err) != ST_OK)
		return cli_fail(&err);
	if (a->json)
		return cli_print_json(plugin_json(app, m, true));
	if (plugins_view(app, m, &v, &err) != ST_OK)
		return cli_fail(&err);
	printf("Plugin:       %s\nName:         %s\nVersion:      %s\nFolder:       %s\n",
	       m->id ? m->id : "(no id)", m->name ? m->name : "-", m->version ? m->version : "-",
	       m->dir);
	if (m->description)
		printf("Description:  %s\n", m->description);
	printf("Worker:      ");
	for (size_t i = 0; m->worker_argv && m->worker_argv[i]; i++)
		printf(" %s", m->worker_argv[i]);
	printf("\nInherits:    ");
	for (size_t i = 0; m->inherit_env && m->inherit_env[i]; i++)
		printf(" %s", m->inherit_env[i]);
	printf("\nState:        %s\nLog:          %s\nProviders:\n", v.status ? v.status : "?",
	       v.log_path ? v.log_path : "-");
	for (size_t i = 0; i < m->driver_count; i++) {
		const PluginDriver *d = &m->drivers[i];

		printf("  %-16s %-18s %s%s\n", d->driver_key ? d->driver_key : "?",
		       d->kind ? d->kind : "environment_driver",
		       d->display_name ? d->display_name : "",
		       plugins_driver_registered(app, m, d->driver_key) ? "" : " (not used)");
	}
	for (size_t i = 0; i < m->error_count; i++)
		printf("error: %s\n", m->errors[i]);
	for (size_t i = 0; i < m->warning_count; i++)
		printf("warning: %s\n", m->warnings[i]);
	plugins_view_clear(&v);
	return 0;
}

/* tail -F: what is appended after the tail was printed, polled (the log
 * is written by another process, the worker's host, so there is nothing
 * to wait on); a file that shrank was rotated: read the new one from its
 * start. Lines were sanitised when written (no control characters). */
static int plugin_log_follow(App *app, const PluginArgs *a)
{
	char *path, buf[8192];
	struct stat sb;
	off_t pos = 0;
	Error err;

	error_clear(&err);
	if (plugins_log_file(app, a->target, &path, &err) != ST_OK)
		return cli_fail(&err);
	if (stat(path, &sb) == 0)
		pos = sb.st_size;
	for (;;) {
		struct timespec nap = { 0, 200 * 1000 * 1000 };
		int fd;

		if (stat(path, &sb) == 0) {
			if (sb.st_size < pos)
				pos = 0;
			if (sb.st_size > pos && (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0) {
				ssize_t n;

				if (lseek(fd, pos, SEEK_SET) == pos) {
					while ((n = read(fd, buf, sizeof buf)) > 0) {
						if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
							break;
						pos += n;
					}
				}
				close(fd);
				if (fflush(stdout) != 0 || ferror(stdout)) {
					free(path);
					return 0; /* the reader went away (a pipe to head) */
				}
			}
		}
		nanosleep(&nap, NULL);
	}
}

static int plugin_log(App *app, const PluginArgs *a)
{
	char *text;
	Error err;

	error_clear(&err);
	if (plugins_log_tail(app, a->target, (size_t)a->lines, &text, &err) != ST_OK)
		return cli_fail(&err);
	fputs(text, stdout);
	free(text);
	fflush(stdout);
	return a->follow ? plugin_log_follow(app, a) : 0;
}

static int plugin_restart(App *app, const PluginArgs *a)
{
	const PluginManifest *m;
	cJSON *health = NULL;
	PluginView v;
	Error err;
	int rc;

	error_clear(&err);
	if (plugins_restart(app, a->target, &health, &err) != ST_OK ||
	    plugins_find(app, a->target, &m, &err) != ST_OK || plugins_view(app, m, &v, &err) != ST_OK) {
		cJSON_Delete(health);
		return cli_fail(&err);
	}
	if (a->json) {
		cJSON *o = plugin_worker_json(&v);

		cJSON_AddItemToObject(o, "health", health);
		rc = cli_print_json(o);
	} else {
		printf("restarted %s: %s; health: %s\n", m->id, v.status ? v.status : "?",
		       json_get_string(health, "status") ? json_get_string(health, "status") : "ok");
		cJSON_Delete(health);
		rc = 0;
	}
	plugins_view_clear(&v);
	return rc;
}

static int plugin_import_cmd(App *app, const PluginArgs *a)
{
	PluginImportOptions o = { .inherit_env = a->inherit, .link = !a->no_link, .force = a->force };
	PluginImportResult r;
	Error err;

	error_clear(&err);
	if (plugins_import(app, a->target, &o, &r, &err) != ST_OK)
		return cli_fail(&err);
	printf("imported %s %s: providers %s\nmanifest: %s\n", r.id, r.version,
	       r.drivers[0] ? r.drivers : "(none)", r.manifest_path);
	if (r.link_path)
		printf("linked:   %s\n", r.link_path);
	else
		printf("not linked: add its folder to ENVCTL_PLUGIN_PATH to use it\n");
	plugin_import_result_clear(&r);
	return 0;
}

/* Parses `plugin SUB [TARGET] [options]` (argv[0] is SUB) and runs fn. */
static int plugin_with_args(App *app, int argc, char **argv, bool needs_target,
			    int (*fn)(App *app, const PluginArgs *a))
{
	const char *sub = argv[0], *pos[1] = { NULL }, *lines = NULL;
	CliList inherit = { NULL, 0, 0 };
	PluginArgs a = { .lines = 200 };
	const CliOpt opts[] = {
		{ "--json", CLI_FLAG, &a.json },
		{ "--no-link", CLI_FLAG, &a.no_link },
		{ "--force", CLI_FLAG, &a.force },
		{ "--follow", CLI_FLAG, &a.follow },
		{ "--lines", CLI_VALUE, &lines },
		{ "--inherit-env", CLI_MULTI, &inherit },
		{ NULL, CLI_FLAG, NULL },
	};
	int npos = 0, rc;

	rc = cli_parse(&cli_cmd_plugin, sub, argc, argv, 1, opts, pos, needs_target ? 1 : 0, &npos);
	if (rc) {
		cli_list_clear(&inherit);
		return rc;
	}
	if (needs_target && npos == 0) {
		cli_list_clear(&inherit);
		return cli_usage_error(&cli_cmd_plugin, "plugin %s: missing %s", sub,
				       strcmp(sub, "import") == 0 ? "DIR" : "KEY");
	}
	if (lines) {
		char *end;

		a.lines = strtol(lines, &end, 10);
		if (*end || a.lines < 1) {
			cli_list_clear(&inherit);
			return cli_usage_error(&cli_cmd_plugin,
					       "plugin %s: --lines needs a positive number", sub);
		}
	}
	a.target = pos[0];
	a.inherit = calloc(inherit.count + 1, sizeof *a.inherit);
	if (!a.inherit) {
		cli_list_clear(&inherit);
		fputs("envctl: out of memory\n", stderr);
		return status_exit_code(ST_E_NOMEM);
	}
	for (size_t i = 0; i < inherit.count; i++)
		a.inherit[i] = (char *)inherit.items[i];
	rc = fn(app, &a);
	free(a.inherit);
	cli_list_clear(&inherit);
	return rc;
}

static int plugin_list_cmd(App *app, int argc, char **argv)
{
	return plugin_with_args(app, argc, argv, false, plugin_list);
}

static int plugin_show_cmd(App *app, int argc, char **argv)
{
	return plugin_with_args(app, argc, argv, true, plugin_show);
}

static int plugin_log_cmd(App *app, int argc, char **argv)
{
	return plugin_with_args(app, argc, argv, true, plugin_log);
}

static int plugin_restart_cmd(App *app, int argc, char **argv)
{
	return plugin_with_args(app, argc, argv, true, plugin_restart);
}

static int plugin_import_run(App *app, int argc, char **argv)
{
	return plugin_with_args(app, argc, argv, true, plugin_import_cmd);
}

/* One row per subcommand: adding one is one line here. argv[0] of the
 * handler is the subcommand's name. */
static const struct {
	const char *name;
	int (*run)(App *app, int argc, char **argv);
} plugin_subcommands[] = {
	{ "list", plugin_list_cmd },
	{ "show", plugin_show_cmd },
	{ "log", plugin_log_cmd },
	{ "restart", plugin_restart_cmd },
	{ "import", plugin_import_run },
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
	.summary = "list, inspect, restart, import and lint provider plugins",
	.run = plugin_run,
	.subs = plugin_subs,
	.opts = plugin_opts,
	.notes = "Plugins are folders with a manifest.json, found on $ENVCTL_PLUGIN_PATH, in "
		 "$XDG_DATA_HOME/envctl/plugins and among the bundled plugins (bwrap, ssh).",
	.exits = "0 ok, 2 usage, 3 not found, 4 invalid manifest, 6 provider error",
};
