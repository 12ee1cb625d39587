/* envctl secret create|rotate|verify|disable|enable|delete|list|show */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/lib.h"
#include "util/lib.h"

static const CliSubDoc secret_subs[] = {
	{ "create", "NAME --value-file F|-", "store a new secret",
	  "The value is read from a file or standard input (\"-\"), never from the command line; "
	  "one trailing newline is dropped. It is encrypted at rest (XChaCha20-Poly1305) with the "
	  "database's data key, which your operator key unseals (see envctl operator --help; "
	  "ENVCTL_MASTER_KEY, when set, is taken as the data key), and never printed again.",
	  NULL, "printf %s 's3cret' | envctl secret create api-token --value-file -", NULL },
	{ "rotate", "NAME|ID --value-file F|-", "store a new version of a secret", NULL, "@secrets",
	  "printf %s 'n3w' | envctl secret rotate api-token --value-file -", NULL },
	{ "verify", "NAME|ID --value-file F|-", "check a value against the current version",
	  "Every attempt is audited; after 5 misses in 60 s further attempts are refused for a "
	  "while.",
	  "@secrets", "printf %s 'n3w' | envctl secret verify api-token --value-file -",
	  "0 match, 1 no match, 2 usage, 3 not found, 8 secret store error, 13 too many misses" },
	{ "disable", "NAME|ID", "disable a secret: environments using it cannot resolve it", NULL,
	  "@secrets", "envctl secret disable api-token", NULL },
	{ "enable", "NAME|ID", "enable a disabled secret", NULL, "@secrets",
	  "envctl secret enable api-token", NULL },
	{ "list", "", "list secrets with their bindings and last use; never values", NULL, NULL,
	  "envctl secret list --all --json", NULL },
	{ "show", "NAME|ID", "show one secret's metadata; never its value", NULL, "@secrets",
	  "envctl secret show api-token", NULL },
	{ "delete", "NAME|ID", "delete a secret and every version of it",
	  "Refused while an environment uses the secret, naming it, unless --force, which removes "
	  "the field from those environments' configs.",
	  "@secrets", "envctl secret delete api-token", NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

static const CliOptDoc secret_opts[] = {
	{ "--value-file", "create rotate verify", "F|-",
	  "read the value from F (\"-\": standard input)", "required", "@file", false },
	{ "--description", "create", "T", "a free-text description", "none", NULL, false },
	{ "--all", "list", NULL, "include deleted secrets", NULL, NULL, false },
	{ "--force", "delete", NULL, "remove the field from the environments that use it", NULL,
	  NULL, false },
	{ "--json", "create list show", NULL, "print JSON (list: an array)", NULL, NULL, false },
	{ NULL, NULL, NULL, NULL, NULL, NULL, false },
};


static void secret_print_bindings(const StoreSecret *sec, char *out, size_t n)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < sec->bindings.count && used < n; i++) {
		const StoreBinding *b = &sec->bindings.items[i];
		int w = snprintf(out + used, n - used, "%s%s%s", i ? ", " : "",
				 b->target_name ? b->target_name : b->target_id, b->config_path);

		if (w < 0)
			break;
		used += (size_t)w;
	}
	if (!out[0])
		snprintf(out, n, "-");
}

static int secret_list(App *app, bool all, bool json)
{
	StoreSecretList l;
	Error err;
	int64_t now = time_now_ms();

	error_clear(&err);
	if (secrets_list(app, all, &l, &err) != ST_OK)
		return cli_fail(&err);
	if (json) {
		cJSON *arr = cJSON_CreateArray();

		for (size_t i = 0; arr && i < l.count; i++)
			cJSON_AddItemToArray(arr, describe_secret(&l.items[i]));
		store_secret_list_clear(&l);
		return cli_print_json(arr);
	}
	int w = 4;

	for (size_t i = 0; i < l.count; i++)
		if ((int)strlen(l.items[i].name) > w)
			w = (int)strlen(l.items[i].name);
	printf("%-*s %-9s %-7s %-10s %s\n", w, "NAME", "STATUS", "VERSION", "LAST USED", "USED BY");
	for (size_t i = 0; i < l.count; i++) {
		const StoreSecret *sec = &l.items[i];
		char used[16] = "never", by[512];

		if (sec->last_resolved_at)
			time_age(sec->last_resolved_at, now, used, sizeof used);
		secret_print_bindings(sec, by, sizeof by);
		printf("%-*s %-9s v%-6ld %-10s %s\n", w, sec->name, sec->status,
		       sec->current_version, used, by);
	}
	if (l.count == 0)
		printf("(no secrets; create one with `envctl secret create NAME --value-file -`)\n");
	store_secret_list_clear(&l);
	return 0;
}

static int secret_show(App *app, const char *which, bool json)
{
	StoreSecret sec;
	Error err;
	char by[1024];

	error_clear(&err);
	if (secrets_get(app, which, &sec, &err) != ST_OK)
		return cli_fail(&err);
	if (json) {
		cJSON *o = describe_secret(&sec);

		store_secret_clear(&sec);
		return cli_print_json(o);
	}
	secret_print_bindings(&sec, by, sizeof by);
	printf("Name:         %s\nID:           %s\nStatus:       %s\nValue:        ******** "
	       "(version %ld, %s)\nDescription:  %s\nOrigin:       %s\nCreated:      %s\n"
	       "Rotated:      %s\nLast used:    %s\nUsed by:      %s\n",
	       sec.name, sec.id, sec.status, sec.current_version, sec.provider,
	       sec.description && sec.description[0] ? sec.description : "-", sec.origin,
	       sec.created_at, sec.last_rotated_at ? sec.last_rotated_at : "never",
	       sec.last_resolved_at ? sec.last_resolved_at : "never", by);
	store_secret_clear(&sec);
	return 0;
}

static int secret_run(App *app, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	const char *value_file = NULL, *description = NULL, *pos[1] = { NULL };
	bool json = false, force = false, all = false;
	const CliOpt opts[] = {
		{ "--value-file", CLI_VALUE, &value_file },
		{ "--description", CLI_VALUE, &description },
		{ "--json", CLI_FLAG, &json },
		{ "--force", CLI_FLAG, &force },
		{ "--all", CLI_FLAG, &all },
		{ NULL, CLI_FLAG, NULL },
	};
	char *value = NULL;
	size_t len = 0;
	int npos, rc;
	Error err;

	if (!sub)
		return cli_usage_error(&cli_cmd_secret, "secret: missing subcommand");
	rc = cli_parse(&cli_cmd_secret, sub, argc, argv, 2, opts, pos, 1, &npos);
	if (rc)
		return rc;
	error_clear(&err);
	if (strcmp(sub, "list") == 0) {
		if (npos)
			return cli_usage_error(&cli_cmd_secret, "secret list: unexpected \"%s\"",
					       pos[0]);
		return secret_list(app, all, json);
	}
	if (!npos)
		return cli_usage_error(&cli_cmd_secret, "secret %s: missing NAME or ID", sub);
	if (strcmp(sub, "show") == 0)
		return secret_show(app, pos[0], json);
	if (strcmp(sub, "create") == 0 || strcmp(sub, "rotate") == 0 ||
	    strcmp(sub, "verify") == 0) {
		if (!value_file)
			return cli_usage_error(&cli_cmd_secret,
					       "secret %s: give the value with --value-file FILE, or "
					       "--value-file - to read stdin (never on the command line)",
					       sub);
		if (cli_read_secret(value_file, &value, &len, &err) != ST_OK)
			return cli_fail(&err);
	}
	if (strcmp(sub, "create") == 0) {
		StoreSecret sec;
		Status st = secrets_create(app, pos[0], description, (const unsigned char *)value,
					   len, &sec, &err);

		cli_secret_free(value, len);
		if (st != ST_OK)
			return cli_fail(&err);
		if (json) {
			cJSON *o = describe_secret(&sec);

			store_secret_clear(&sec);
			return cli_print_json(o);
		}
		printf("created secret %s (%s), version 1\n", sec.name, sec.id);
		store_secret_clear(&sec);
		return 0;
	}
	if (strcmp(sub, "rotate") == 0) {
		long v = 0;
		Status st = secrets_rotate(app, pos[0], (const unsigned char *)value, len, &v, &err);

		cli_secret_free(value, len);
		if (st != ST_OK)
			return cli_fail(&err);
		printf("rotated secret %s to version %ld\n", pos[0], v);
		return 0;
	}
	if (strcmp(sub, "verify") == 0) {
		bool match = false;
		long v = 0;
		Status st = secrets_verify(app, pos[0], (const unsigned char *)value, len, &match, &v,
					   &err);

		cli_secret_free(value, len);
		if (st != ST_OK)
			return cli_fail(&err);
		if (match) {
			printf("match: the value is secret %s's current version %ld\n", pos[0], v);
			return 0;
		}
		printf("no match: the value is not secret %s's current version %ld\n", pos[0], v);
		return status_exit_code(ST_E_FAIL);
	}
	if (strcmp(sub, "disable") == 0 || strcmp(sub, "enable") == 0) {
		bool disable = sub[0] == 'd';

		if (secrets_set_status(app, pos[0],
				       secret_status_text(disable ? SECRET_DISABLED : SECRET_ACTIVE), &err) != ST_OK)
			return cli_fail(&err);
		printf("%s secret %s\n", disable ? "disabled" : "enabled", pos[0]);
		return 0;
	}
	if (strcmp(sub, "delete") == 0) {
		if (secrets_delete(app, pos[0], force, &err) != ST_OK)
			return cli_fail(&err);
		printf("deleted secret %s\n", pos[0]);
		return 0;
	}
	return cli_usage_error(&cli_cmd_secret, "secret: unknown subcommand \"%s\"", sub);
}

const CliCommand cli_cmd_secret = {
	.name = "secret",
	.summary = "create, rotate, verify, disable, delete and list secrets",
	.run = secret_run,
	.subs = secret_subs,
	.opts = secret_opts,
	.exits = "0 ok, 1 no match (verify), 2 usage, 3 not found, 4 invalid value, 5 conflict "
		 "(name taken, in use), 8 secret store error",
};
