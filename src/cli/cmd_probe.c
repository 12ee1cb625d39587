#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/lib.h"
#include "util/lib.h"

static const CliSubDoc probe_subs[] = {
	{ "", "--provider KEY --config-file F|-", "probe a draft config that is not saved",
	  "Secret fields hold the values to try, read from the file (never from argv). Defaults "
	  "are applied and the config is checked against the provider's schema first. Only the "
	  "probe result is stored, with secret values redacted.",
	  NULL, "echo '{}' | envctl probe-config --provider fake --config-file -", NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

static const CliOptDoc probe_opts[] = {
	{ "--provider", NULL, "KEY", "the provider to probe with", "required", "@providers",
	  false },
	{ "--config-file", NULL, "F|-", "the draft config, a JSON object (\"-\": stdin)",
	  "required", "@file", false },
	{ "--json", NULL, NULL, "print the probe result as JSON", NULL, NULL, false },
	{ NULL, NULL, NULL, NULL, NULL, NULL, false },
};

static cJSON *cli_probe_json(const StoreProbe *p)
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

static int cli_probe_print(const StoreProbe *p, const char *name, bool json)
{
	if (json) {
		int rc = cli_print_json(cli_probe_json(p));

		return rc ? rc : (p->ok ? 0 : 1);
	}
	{
		char *line = probe_headline(p->summary, p->details);

		printf("%s %s: %s (%lld ms)\n", p->ok ? "OK  " : "FAIL", name,
		       line ? line : (p->summary ? p->summary : ""), p->duration_ms);
		free(line);
	}
	return p->ok ? 0 : 1;
}

/* One row of the --all table, as printf("%-24s %-6s %8lld  %s\n") would
 * print it, without printf's format parsing for each of 10,000 rows. */
static void cli_probe_line(const char *name, bool ok, long long ms, const char *summary)
{
	char line[64], digits[24];
	size_t n = strlen(name ? name : ""), d = 0, at = 0;
	unsigned long long u = ms < 0 ? 0ULL - (unsigned long long)ms : (unsigned long long)ms;

	fwrite(name ? name : "", 1, n, stdout);
	for (; n < 24; n++)
		line[at++] = ' ';
	memcpy(line + at, ok ? " ok     " : " FAIL   ", 8);
	at += 8;
	do {
		digits[d++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (ms < 0)
		digits[d++] = '-';
	for (size_t k = d; k < 8; k++)
		line[at++] = ' ';
	while (d > 0)
		line[at++] = digits[--d];
	line[at++] = ' ';
	line[at++] = ' ';
	fwrite(line, 1, at, stdout);
	fputs(summary, stdout);
	fputc('\n', stdout);
}

static bool probe_progress(const ProbeAllReport *r, void *ud)
{
	const ProbeAllItem *it = &r->items[r->count - 1];
	bool tty = *(bool *)ud;
	int width = 30, filled = r->total ? (int)(r->count * (size_t)width / r->total) : width;

	if (tty) {
		fprintf(stderr, "\r\033[K%s %s: %s\n", it->ok ? "ok  " : "FAIL", it->env_name,
			it->headline ? it->headline : (it->summary ? it->summary : ""));
		fprintf(stderr, "[%.*s%*s] %zu/%zu probed, %zu failed", filled,
			"==============================", width - filled, "", r->count, r->total,
			r->count - r->ok);
		fflush(stderr);
	}
	return true;
}

int cli_env_probe(App *app, int argc, char **argv)
{
	const char *parallel = NULL, *pos[1] = { NULL };
	bool json = false, all = false, tty = isatty(STDERR_FILENO);
	const CliOpt opts[] = { { "--all", CLI_FLAG, &all }, { "--parallel", CLI_VALUE, &parallel },
				{ "--json", CLI_FLAG, &json }, { NULL, CLI_FLAG, NULL } };
	ProbeAllReport r;
	StoreProbe p;
	Error err;
	long n = 0;
	int rc, npos;

	if ((rc = cli_parse(&cli_cmd_env, "probe", argc, argv, 2, opts, pos, 1, &npos)))
		return rc;
	if (all == (npos == 1))
		return cli_usage_error(&cli_cmd_env, "env probe: give an environment or --all");
	if (parallel) {
		char *end;

		n = strtol(parallel, &end, 10);
		if (*end || n < 1 || n > 256)
			return cli_usage_error(&cli_cmd_env, "env probe: --parallel takes 1 to 256, not \"%s\"", parallel);
	}
	error_clear(&err);
	if (!all) {
		if (probe_environment(app, pos[0], app_actor(app), &p, &err) != ST_OK)
			return cli_fail(&err);
		rc = cli_probe_print(&p, pos[0], json);
		store_probe_clear(&p);
		return rc;
	}
	if (probe_all(app, (size_t)n, app_actor(app), probe_progress, &tty, &r, &err) != ST_OK)
		return cli_fail(&err);
	if (tty && r.total)
		fputs("\n", stderr);
	if (json) {
		cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();

		for (size_t i = 0; o && arr && i < r.count; i++) {
			cJSON *it = cJSON_CreateObject();

			if (!it)
				break;
			cJSON_AddStringToObject(it, "environmentId", r.items[i].env_id);
			cJSON_AddStringToObject(it, "name", r.items[i].env_name ? r.items[i].env_name : "");
			cJSON_AddBoolToObject(it, "ok", r.items[i].ok);
			cJSON_AddStringToObject(it, "summary", r.items[i].summary ? r.items[i].summary : "");
			cJSON_AddNumberToObject(it, "durationMs", (double)r.items[i].duration_ms);
			cJSON_AddItemToArray(arr, it);
		}
		if (o) {
			cJSON_AddNumberToObject(o, "total", (double)r.total);
			cJSON_AddNumberToObject(o, "ok", (double)r.ok);
			cJSON_AddNumberToObject(o, "failed", (double)(r.count - r.ok));
			cJSON_AddNumberToObject(o, "elapsedMs", (double)r.elapsed_ms);
			cJSON_AddItemToObject(o, "results", arr);
		} else {
			cJSON_Delete(arr);
		}
		rc = cli_print_json(o);
	} else {
		printf("%-24s %-6s %8s  %s\n", "ENVIRONMENT", "RESULT", "MS", "SUMMARY");
		for (size_t i = 0; i < r.count; i++)
			cli_probe_line(r.items[i].env_name, r.items[i].ok, r.items[i].duration_ms,
				       r.items[i].headline ? r.items[i].headline
							   : (r.items[i].summary ? r.items[i].summary : ""));
		printf("%zu probed, %zu ok, %zu failed in %lld ms\n", r.count, r.ok, r.count - r.ok,
		       r.elapsed_ms);
		rc = 0;
	}
	if (!rc && r.ok != r.count)
		rc = 1;
	probe_all_report_clear(&r);
	return rc;
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
	.run = probe_run,
	.subs = probe_subs,
	.opts = probe_opts,
	.exits = "0 probe ok, 1 probe failed, 2 usage, 3 unknown provider, 4 invalid config",
};
