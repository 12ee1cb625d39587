#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/lib.h"

static const CliSubDoc provider_subs[] = {
	{ "list", "", "list the registry: key, source (builtin or plugin), status, capabilities",
	  "The built-in fake provider and every plugin-backed one.", NULL,
	  "envctl provider list\nenvctl provider list --json", NULL },
	{ "show", "KEY", "show one provider with its configSchema",
	  "An unknown key exits 3 and lists the known ones.", "@providers",
	  "envctl provider show fake\nenvctl provider show bwrap --json", NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

static const CliOptDoc provider_opts[] = {
	{ "--json", NULL, NULL, "print JSON (list: an array)", NULL, NULL, false },
	{ NULL, NULL, NULL, NULL, NULL, NULL, false },
};




static void provider_caps_text(const Provider *p, char *out, size_t n)
{
	snprintf(out, n, "%s%s%s", (p->caps & PROVIDER_CAP_EXECUTE) ? "execute " : "",
		 (p->caps & PROVIDER_CAP_REALIZE_WORKSPACE) ? "workspace " : "",
		 (p->caps & PROVIDER_CAP_TEST_ONLY) ? "test-only" : "");
	if (!out[0])
		snprintf(out, n, "-");
}

static int provider_list(App *app, bool json)
{
	Registry *r = &app->registry;

	if (json) {
		cJSON *arr = cJSON_CreateArray();

		for (size_t i = 0; arr && i < r->count; i++)
			cJSON_AddItemToArray(arr, describe_provider(r->items[i], false));
		return cli_print_json(arr);
	}
	printf("%-14s %-8s %-28s %-20s %s\n", "KEY", "SOURCE", "NAME", "CAPABILITIES", "STATUS");
	for (size_t i = 0; i < r->count; i++) {
		Provider *p = r->items[i];
		char caps[64];
		char *status = describe_provider_status(p);

		provider_caps_text(p, caps, sizeof caps);
		printf("%-14s %-8s %-28s %-20s %s\n", p->key, provider_source_name(p->source),
		       p->display_name, caps, status ? status : "?");
		free(status);
	}
	for (size_t i = 0; i < r->problem_count; i++)
		printf("problem: %s\n", r->problems[i]);
	return 0;
}

static int provider_show(App *app, const char *key, bool json)
{
	Provider *p;
	Error err;
	char caps[64];
	char *status, *schema;

	error_clear(&err);
	if (registry_require(&app->registry, key, &p, &err) != ST_OK)
		return cli_fail(&err);
	if (json)
		return cli_print_json(describe_provider(p, true));
	status = describe_provider_status(p);
	schema = cJSON_Print(p->config_schema);
	provider_caps_text(p, caps, sizeof caps);
	printf("Key:          %s\nName:         %s\nDescription:  %s\nSource:       %s (%s)\n"
	       "Status:       %s\nCapabilities: %s\nConfig schema:\n%s\n",
	       p->key, p->display_name, p->description, provider_source_name(p->source), p->origin,
	       status ? status : "?", caps, schema ? schema : "{}");
	free(status);
	free(schema);
	return 0;
}

static int provider_run(App *app, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	const char *key = NULL;
	bool json = false;

	if (!sub)
		return cli_usage_error(&cli_cmd_provider, "provider: missing subcommand");
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (argv[i][0] == '-') {
			static const CliOpt known[] = { { "--json", CLI_FLAG, NULL },
							{ NULL, CLI_FLAG, NULL } };
			char where[64];

			snprintf(where, sizeof where, "provider %s", sub);
			return cli_unknown_option(&cli_cmd_provider, where, known, argv[i],
						  strlen(argv[i]));
		}
		else if (!key)
			key = argv[i];
		else
			return cli_usage_error(&cli_cmd_provider, "provider %s: unexpected \"%s\"",
					       sub, argv[i]);
	}
	if (strcmp(sub, "list") == 0) {
		if (key)
			return cli_usage_error(&cli_cmd_provider, "provider list: unexpected \"%s\"",
					       key);
		return provider_list(app, json);
	}
	if (strcmp(sub, "show") == 0) {
		if (!key)
			return cli_usage_error(&cli_cmd_provider, "provider show: missing KEY");
		return provider_show(app, key, json);
	}
	return cli_usage_error(&cli_cmd_provider, "provider: unknown subcommand \"%s\"", sub);
}

const CliCommand cli_cmd_provider = {
	.name = "provider",
	.summary = "list and show sandbox providers",
	.run = provider_run,
	.subs = provider_subs,
	.opts = provider_opts,
	.exits = "0 ok, 2 usage, 3 unknown provider",
};
