#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/probe.h"
#include "util/json.h"

static const char probe_usage[] =
	"usage: envctl probe-config --provider KEY --config-file F|- [--json]\n"
	"\n"
	"Probes a draft config that is not saved: secret fields may hold plaintext\n"
	"(read from the file, never from argv) or ids of existing secrets. Only the\n"
	"probe result is stored, with secret values redacted.\n"
	"Exit codes: 0 probe ok, 1 probe failed, 3 unknown provider, 4 invalid config.\n";

cJSON *cli_probe_json(const StoreProbe *p);
cJSON *cli_probe_json(const StoreProbe *p)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "id", p->id);
	if (p->environment_id)
		cJSON_AddStringToObject(o, "environmentId", p->environment_id);
	else
		cJSON_AddNullToObject(o, "environmentId");
	cJSON_AddStringToObject(o, "provider", p->provider ? p->provider : "");
	cJSON_AddBoolToObject(o, "ok", p->ok);
	cJSON_AddStringToObject(o, "summary", p->summary ? p->summary : "");
	cJSON_AddNumberToObject(o, "durationMs", (double)p->duration_ms);
	cJSON_AddStringToObject(o, "createdAt", p->created_at);
	cJSON_AddItemToObject(o, "details",
			      p->details ? cJSON_Duplicate(p->details, 1) : cJSON_CreateObject());
	return o;
}

int cli_probe_print(const StoreProbe *p, const char *name, bool json);
int cli_probe_print(const StoreProbe *p, const char *name, bool json)
{
	if (json) {
		int rc = cli_print_json(cli_probe_json(p));

		return rc ? rc : (p->ok ? 0 : 1);
	}
	printf("%s %s: %s (%lld ms)\n", p->ok ? "OK  " : "FAIL", name, p->summary ? p->summary : "",
	       p->duration_ms);
	return p->ok ? 0 : 1;
}

static int probe_run(App *app, int argc, char **argv)
{
	const char *provider = NULL, *file = NULL;
	bool json = false;
	CliOpt opts[] = { { "--provider", CLI_VALUE, &provider },
			  { "--config-file", CLI_VALUE, &file }, { "--json", CLI_FLAG, &json },
			  { NULL, CLI_FLAG, NULL } };
	StoreProbe p;
	Error err;
	cJSON *config;
	int rc, npos;

	if ((rc = cli_parse(&cli_cmd_probe_config, "", argc, argv, 1, opts, NULL, 0, &npos)))
		return rc;
	if (!provider || !file)
		return cli_usage_error(&cli_cmd_probe_config,
				       "probe-config: --provider and --config-file are required");
	error_clear(&err);
	config = cli_read_json_secret(file, &err);
	if (!config)
		return cli_fail(&err);
	if (!cJSON_IsObject(config)) {
		cJSON_Delete(config);
		error_set(&err, ST_E_INVALID, "%s: a config must be a JSON object", file);
		return cli_fail(&err);
	}
	rc = probe_draft(app, provider, config, app_actor(app), &p, &err);
	/* The draft may hold typed secret values: wipe before freeing. */
	json_wipe(config);
	if (rc != ST_OK)
		return cli_fail(&err);
	rc = cli_probe_print(&p, "draft", json);
	store_probe_clear(&p);
	return rc;
}

const CliCommand cli_cmd_probe_config = {
	.name = "probe-config",
	.summary = "probe an unsaved config (a draft)",
	.usage = probe_usage,
	.run = probe_run,
};
