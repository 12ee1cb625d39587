/* envctl env create|edit|archive|unarchive|delete|list|show */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/lib.h"
#include "util/lib.h"

static const CliSubDoc env_subs[] = {
	{ "create", "NAME --provider KEY", "create an environment on a provider",
	  "The config is checked against the provider's configSchema (`envctl provider show KEY`) "
	  "first, every violation reported with the field's label and pointer (\"Image (/image): "
	  "must be a string\") before the provider is asked anything; then the provider "
	  "validates it, and its normalized config is what is stored (a null in it means absent; "
	  "a value you gave that it changed is a warning). An optional field left empty (\"\" or "
	  "null) is absent; schema defaults are not filled in.\n"
	  "Secret fields (format secret-ref) become encrypted secrets and the config keeps their "
	  "ids. A secret field may instead refer to a stored secret, as an id, {\"secretRef\": ID} "
	  "or {\"type\": \"secret_ref\", \"secretId\": ID}; an id naming no secret is an error. "
	  "--set never takes a secret value, nor an object or array holding one (argv is visible "
	  "to every user of the machine): put it in the config file; a reference is fine.",
	  NULL,
	  "envctl env create web --provider fake --set reuseLease=true\n"
	  "envctl env create old --provider fake --description 'to be deleted'\n"
	  "echo '{\"image\": \"debian:12\"}' | envctl env create deb --provider fake --config-file -",
	  NULL },
	{ "edit", "NAME|ID", "change an environment's name, description or config",
	  "Merges the given top-level fields into the stored config (a null in --config-file "
	  "removes one) and validates again. A re-entered secret rotates the secret this "
	  "environment created. --if-revision refuses the edit (exit 5) unless the environment "
	  "is still at revision N (\"revision\" in env show --json), as the console's edit form "
	  "does.",
	  "@envs", "envctl env edit web --description 'the web fleet'", NULL },
	{ "archive", "NAME|ID", "archive an environment: it refuses new leases", NULL, "@envs",
	  "envctl env archive deb", NULL },
	{ "unarchive", "NAME|ID", "make an archived environment active again", NULL, "@envs",
	  "envctl env unarchive deb", NULL },
	{ "delete", "NAME|ID", "delete an environment, its bindings and the secrets it created",
	  "Refused while a lease of the environment still holds a sandbox, unless --force, "
	  "which has the provider destroy those sandboxes first.",
	  "@envs", "envctl env delete old", NULL },
	{ "list", "", "list environments with their last probe and active leases",
	  "JSON output is an array, streamed an element at a time.", NULL,
	  "envctl env list\nenvctl env list --status active --provider fake --json", NULL },
	{ "show", "NAME|ID", "show one environment and its config",
	  "A secret field shows as {\"secretRef\": ID, \"name\": ..., \"version\": N}, never its "
	  "value.",
	  "@envs", "envctl env show web --json", NULL },
	{ "probe", "NAME|ID|--all", "ask the provider whether an environment works",
	  "The result is stored (env list shows it). --all probes every active environment, at "
	  "most N at once, with progress on a terminal and a summary. A failed probe shows the "
	  "provider's first diagnostic after its summary, here as in the console.",
	  "@envs", "envctl env probe web\nenvctl env probe --all --parallel 4",
	  "0 every probe ok, 1 a probe failed, 2 usage, 3 not found, 6 provider error, 9 timed out" },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

static const CliOptDoc env_opts[] = {
	{ "--provider", "create", "KEY", "the provider (`envctl provider list`)",
	  "\"provider\" in --config-file", "@providers", false },
	{ "--provider", "edit", "KEY",
	  "must name the environment's own provider (a provider cannot change)", "unchanged",
	  "@providers", false },
	{ "--provider", "list", "KEY", "only environments on this provider", "every provider",
	  "@providers", false },
	{ "--name", "edit", "NEW", "rename the environment", "unchanged", NULL, false },
	{ "--description", "create edit", "T", "a free-text description", "none, or unchanged",
	  NULL, false },
	{ "--set", "create edit", "PTR=VALUE",
	  "set one config field by JSON Pointer (\"/image\" or \"image\"), typed by the schema",
	  NULL, NULL, true },
	{ "--config-file", "create edit", "F|-", "read the config, a JSON object, from F (\"-\": stdin)",
	  "none", "@file", false },
	{ "--if-revision", "edit", "N", "refuse unless the environment is still at revision N",
	  "no check", NULL, false },
	{ "--status", "list", "S", "only environments in status S", "every status",
	  "active archived", false },
	{ "--force", "delete", NULL, "destroy the sandboxes its leases hold first", NULL, NULL,
	  false },
	{ "--all", "probe", NULL, "probe every active environment", NULL, NULL, false },
	{ "--parallel", "probe", "N", "with --all: at most N probes at once (1 to 256)", "16",
	  "1 2 4 8 16 32 64", false },
	{ "--json", "create edit list show probe", NULL, "print JSON", NULL, NULL, false },
	{ NULL, NULL, NULL, NULL, NULL, NULL, false },
};

/* ------------------------------------------------------------ output */


static bool env_cmd_is_ref(const cJSON *v)
{
	return cJSON_IsObject(v) && cJSON_GetObjectItemCaseSensitive(v, "secretRef");
}

static void env_cmd_print_config(const cJSON *node, const char *ptr)
{
	const cJSON *item;
	int i = 0;

	if (env_cmd_is_ref(node)) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(node, "name");
		const cJSON *version = cJSON_GetObjectItemCaseSensitive(node, "version");
		const char *status = json_get_string(node, "status");
		long vno;

		printf("  %s = ******** (secret %s, version %d%s%s)\n", ptr,
		       cJSON_IsString(name) ? name->valuestring : "?",
		       json_number_to_long(version, 0, INT_MAX, &vno) ? (int)vno : 0,
		       status ? ", " : "",
		       status ? status : "");
		return;
	}
	if (cJSON_IsObject(node) && node->child) {
		cJSON_ArrayForEach(item, node) {
			char *sub;

			if (!ptr[0] && strcmp(item->string, "provider") == 0)
				continue;
			sub = jsonptr_append(ptr, item->string);
			if (sub)
				env_cmd_print_config(item, sub);
			free(sub);
		}
		return;
	}
	if (cJSON_IsArray(node) && node->child && cJSON_IsObject(node->child)) {
		cJSON_ArrayForEach(item, node) {
			char idx[32], *sub;

			snprintf(idx, sizeof idx, "%d", i++);
			sub = jsonptr_append(ptr, idx);
			if (sub)
				env_cmd_print_config(item, sub);
			free(sub);
		}
		return;
	}
	{
		char *text = cJSON_PrintUnformatted(node);

		if (cJSON_IsString(node))
			printf("  %s = %s\n", ptr, node->valuestring);
		else
			printf("  %s = %s\n", ptr, text ? text : "?");
		free(text);
	}
}

static int env_cmd_show(App *app, const StoreEnv *e, bool json)
{
	Error err;
	cJSON *config = NULL;
	char why[260] = " — ";

	error_clear(&err);
	if (json) {
		cJSON *o = describe_env(app, e, &err);

		if (!o)
			return cli_fail(&err);
		return cli_print_json(o);
	}
	if (env_display_config(app, e, &config, &err) != ST_OK)
		return cli_fail(&err);
	if (!env_provider_missing(app, e, why + 3, sizeof why - 3))
		why[0] = '\0';
	printf("Name:         %s\nID:           %s\nProvider:     %s%s\nStatus:       %s\n"
	       "Description:  %s\nCreated:      %s\nUpdated:      %s\nConfig:\n",
	       e->name, e->id, e->provider, why, e->status,
	       e->description && e->description[0] ? e->description : "-", e->created_at,
	       e->updated_at);
	env_cmd_print_config(config, "");
	cJSON_Delete(config);
	return 0;
}

typedef struct EnvListOut {
	size_t n;
	bool oom;
	Buf text; /* reused for every element */
} EnvListOut;

/* Printed an element at a time: 10,000 environments never become one tree
 * and one 4 MB string. */
static bool env_list_print(const cJSON *env, void *ctx)
{
	EnvListOut *out = ctx;

	if (!buf_puts(&out->text, out->n++ ? ", " : "[") ||
	    !json_print_pretty(&out->text, env, 0)) {
		out->oom = true;
		return false;
	}
	/* JSON goes out raw, as all JSON does (its printer escapes every
	 * control byte): through the terminal-safe stdout it cost a tenth of
	 * the run at 10k environments. */
	cli_write_buf(&out->text, CLI_JSON_BLOCK);
	return true;
}

static int env_cmd_list(App *app, const char *status, const char *provider, bool json)
{
	StoreEnvFilter f = { .status = status, .provider = provider };
	StoreEnvList l;
	Error err;
	int64_t now = time_now_ms();

	error_clear(&err);
	if (json) {
		EnvListOut out = { 0, false, BUF_INIT };
		Status st = describe_env_list(app, &f, env_list_print, &out, &err);

		cli_write_buf(&out.text, 0);
		buf_clear(&out.text);

		/* A list that failed before its first element prints nothing. */
		if (out.n || st == ST_OK)
			cli_write_raw(STDOUT_FILENO, out.n ? "]\n" : "[]\n", out.n ? 2 : 3);
		if (st == ST_OK && out.oom)
			st = error_set(&err, ST_E_NOMEM, "out of memory");
		return st == ST_OK ? 0 : cli_fail(&err);
	}
	if (env_list(app, &f, &l, &err) != ST_OK)
		return cli_fail(&err);
	printf("%-24s %-12s %-9s %-14s %-7s %s\n", "NAME", "PROVIDER", "STATUS", "LAST PROBE",
	       "LEASES", "DESCRIPTION");
	for (size_t i = 0; i < l.count; i++) {
		const StoreEnvSummary *row = &l.items[i];
		char probe[32] = "-", age[16], why[256];
		bool missing = env_provider_missing(app, &row->env, why, sizeof why);

		if (row->has_probe) {
			time_age(row->probe_at, now, age, sizeof age);
			snprintf(probe, sizeof probe, "%s %s", row->probe_ok ? "ok" : "failed", age);
		}
		printf("%-24s %-12s %-9s %-14s %-7ld %s%s%s\n", row->env.name, row->env.provider,
		       row->env.status, probe, row->active_leases, missing ? why : "",
		       missing && row->env.description && row->env.description[0] ? "; " : "",
		       row->env.description ? row->env.description : "");
	}
	if (l.count == 0)
		printf("(no environments; create one with `envctl env create NAME --provider fake`)\n");
	store_env_list_clear(&l);
	return 0;
}

/* ------------------------------------------------------------ save */

typedef struct EnvArgs {
	const char *provider, *description, *config_file, *name, *if_revision;
	CliList sets;
	bool json, force;
} EnvArgs;

static int env_cmd_save(App *app, const char *sub, const char *target_or_name, EnvArgs *a)
{
	EnvSaveInput in = { 0 };
	EnvSaveReport report;
	EnvSet *sets = NULL;
	char **pointers = NULL;
	cJSON **values = NULL, *config = NULL;
	StoreEnv saved, current;
	const char *provider = a->provider;
	Error err;
	int rc = 0;

	error_clear(&err);
	memset(&current, 0, sizeof current);
	if (a->config_file) {
		config = cli_read_json_secret(a->config_file, &err);
		if (!config)
			return cli_fail(&err);
		if (!cJSON_IsObject(config)) {
			json_wipe(config);
			error_set(&err, ST_E_INVALID, "%s must hold a JSON object",
				  strcmp(a->config_file, "-") == 0 ? "stdin" : a->config_file);
			return cli_fail(&err);
		}
	}
	if (strcmp(sub, "create") == 0) {
		if (!provider)
			provider = json_get_string(config, "provider");
		if (!provider) {
			json_wipe(config);
			return cli_usage_error(&cli_cmd_env, "env create: missing --provider KEY");
		}
		in.name = target_or_name;
	} else {
		Provider *have;

		if (env_get(app, target_or_name, &current, &err) != ST_OK ||
		    env_provider_require(app, &current, "edit it", &have, &err) != ST_OK) {
			json_wipe(config);
			store_env_clear(&current);
			return cli_fail(&err);
		}
		in.target = current.id;
		in.name = a->name;
		if (a->if_revision) {
			char *end = NULL;

			in.expect_revision = strtol(a->if_revision, &end, 10);
			if (!end || *end || in.expect_revision < 1) {
				json_wipe(config);
				store_env_clear(&current);
				return cli_usage_error(&cli_cmd_env,
						       "env edit: --if-revision needs a revision number "
						       "(\"revision\" in env show --json)");
			}
		}
		if (!provider)
			provider = current.provider;
	}
	in.provider = strcmp(sub, "create") == 0 ? provider : a->provider;
	in.description = a->description;
	in.config = config;
	if (a->sets.count) {
		sets = calloc(a->sets.count, sizeof *sets);
		pointers = calloc(a->sets.count, sizeof *pointers);
		values = calloc(a->sets.count, sizeof *values);
		if (!sets || !pointers || !values) {
			error_set(&err, ST_E_NOMEM, "out of memory");
			rc = cli_fail(&err);
			goto done;
		}
		for (size_t i = 0; i < a->sets.count; i++) {
			if (env_parse_set(app, provider, a->sets.items[i], &pointers[i], &values[i],
					  &err) != ST_OK) {
				rc = cli_fail(&err);
				goto done;
			}
			sets[i].pointer = pointers[i];
			sets[i].value = values[i];
		}
		in.sets = sets;
		in.set_count = a->sets.count;
	}
	if (env_save(app, &in, &saved, &report, &err) != ST_OK) {
		rc = cli_fail(&err);
		goto done;
	}
	{
		const cJSON *w;

		cJSON_ArrayForEach(w, report.warnings)
			if (cJSON_IsString(w))
				fprintf(stderr, "envctl: warning: %s\n", w->valuestring);
	}
	if (a->json) {
		rc = env_cmd_show(app, &saved, true);
	} else {
		printf("%s environment %s (%s)", strcmp(sub, "create") == 0 ? "created" : "saved",
		       saved.name, saved.id);
		if (report.secrets_created || report.secrets_rotated || report.secrets_deleted)
			printf("; secrets: %d created, %d rotated, %d deleted", report.secrets_created,
			       report.secrets_rotated, report.secrets_deleted);
		printf("\n");
	}
	env_save_report_clear(&report);
	store_env_clear(&saved);
done:
	for (size_t i = 0; i < a->sets.count && pointers && values; i++) {
		free(pointers[i]);
		cJSON_Delete(values[i]);
	}
	free(pointers);
	free(values);
	free(sets);
	json_wipe(config);
	store_env_clear(&current);
	return rc;
}

/* ------------------------------------------------------------ dispatch */

#define ENV_SUBCOMMANDS "create edit archive unarchive delete list show probe"

static int env_cmd_run(App *app, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL, *pos[1] = { NULL };
	const char *status = NULL;
	EnvArgs a;
	const CliOpt opts[] = {
		{ "--provider", CLI_VALUE, &a.provider },
		{ "--description", CLI_VALUE, &a.description },
		{ "--config-file", CLI_VALUE, &a.config_file },
		{ "--name", CLI_VALUE, &a.name },
		{ "--if-revision", CLI_VALUE, &a.if_revision },
		{ "--set", CLI_MULTI, &a.sets },
		{ "--status", CLI_VALUE, &status },
		{ "--json", CLI_FLAG, &a.json },
		{ "--force", CLI_FLAG, &a.force },
		{ NULL, CLI_FLAG, NULL },
	};
	StoreEnv e;
	Error err;
	int npos, rc;

	memset(&a, 0, sizeof a);
	if (!sub)
		return cli_usage_error(&cli_cmd_env, "env: missing subcommand");
	if (strcmp(sub, "probe") == 0)
		return cli_env_probe(app, argc, argv);
	if (!cli_word_in(ENV_SUBCOMMANDS, sub))
		return cli_usage_error(&cli_cmd_env, "env: unknown subcommand \"%s\" (one of: %s)",
				       sub, ENV_SUBCOMMANDS);
	rc = cli_parse(&cli_cmd_env, sub, argc, argv, 2, opts, pos, 1, &npos);
	if (rc) {
		cli_list_clear(&a.sets);
		return rc;
	}
	error_clear(&err);
	if (strcmp(sub, "list") == 0) {
		cli_list_clear(&a.sets);
		if (npos)
			return cli_usage_error(&cli_cmd_env, "env list: unexpected \"%s\"", pos[0]);
		if (status && env_status_of(status) == ENV_STATUS_UNKNOWN)
			return cli_usage_error(&cli_cmd_env,
					       "env list: unknown --status \"%s\" (one of: active, "
					       "archived)",
					       status);
		return env_cmd_list(app, status, a.provider, a.json);
	}
	if (!npos) {
		cli_list_clear(&a.sets);
		return cli_usage_error(&cli_cmd_env, "env %s: missing %s", sub,
				       strcmp(sub, "create") == 0 ? "NAME" : "NAME or ID");
	}
	if (strcmp(sub, "create") == 0 || strcmp(sub, "edit") == 0) {
		rc = env_cmd_save(app, sub, pos[0], &a);
		cli_list_clear(&a.sets);
		return rc;
	}
	cli_list_clear(&a.sets);
	if (strcmp(sub, "show") == 0) {
		if (env_get(app, pos[0], &e, &err) != ST_OK)
			return cli_fail(&err);
		rc = env_cmd_show(app, &e, a.json);
		store_env_clear(&e);
		return rc;
	}
	if (strcmp(sub, "archive") == 0 || strcmp(sub, "unarchive") == 0) {
		bool archive = sub[0] == 'a';

		if (env_archive(app, pos[0], archive, &err) != ST_OK)
			return cli_fail(&err);
		printf("%s environment %s\n", archive ? "archived" : "restored", pos[0]);
		return 0;
	}
	if (strcmp(sub, "delete") == 0) {
		if (env_delete(app, pos[0], a.force, &err) != ST_OK)
			return cli_fail(&err);
		printf("deleted environment %s\n", pos[0]);
		return 0;
	}
	return cli_usage_error(&cli_cmd_env, "env: unknown subcommand \"%s\"", sub);
}

const CliCommand cli_cmd_env = {
	.name = "env",
	.summary = "create, edit, archive, delete, list, show and probe environments",
	.run = env_cmd_run,
	.subs = env_subs,
	.opts = env_opts,
	.exits = "0 ok, 2 usage, 3 not found, 4 invalid config, 5 conflict (name taken, "
		 "changed meanwhile, leases hold sandboxes), 6 provider error, 8 secret store error",
};
