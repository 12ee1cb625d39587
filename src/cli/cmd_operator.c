/* envctl operator init|add|remove|list */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/lib.h"

static const CliSubDoc operator_subs[] = {
	{ "init", "[NAME]", "create your operator key and print its public key",
	  "Secrets are encrypted with one data key, which the database holds sealed to each "
	  "operator's X25519 public key. Your private key is $XDG_CONFIG_HOME/envctl/operator.key "
	  "(0600); init creates it (NAME defaults to your login; an existing key is kept) and "
	  "prints the public key to give an operator, who admits you with add.",
	  NULL, "envctl operator init", NULL },
	{ "add", "NAME PUBKEY", "admit an operator: seal the data key to their public key",
	  "Run by an operator already admitted (who can unseal the data key). A taken name or "
	  "key is refused, and a malformed key is not echoed.",
	  NULL, NULL, NULL },
	{ "remove", "NAME", "remove an operator and rotate the data key",
	  "In one transaction: a new data key, every secret version re-encrypted under it, the "
	  "key sealed again to the remaining operators and the removed one's row deleted. The "
	  "last operator cannot be removed.",
	  NULL, NULL, NULL },
	{ "list", "", "who can decrypt: name, key fingerprint, when and by whom admitted", NULL,
	  NULL, "envctl operator list\nenvctl operator list --json", NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

static const CliOptDoc operator_opts[] = {
	{ "--json", "list", NULL, "print JSON (an array)", NULL, NULL, false },
	{ NULL, NULL, NULL, NULL, NULL, NULL, false },
};

static int operator_init(App *app, const char *name)
{
	StoreOperatorKeyInfo k;
	Error err;

	error_clear(&err);
	if (operators_init(app, name, &k, &err) != ST_OK)
		return cli_fail(&err);
	printf("%s operator key for %s in %s\n", k.created ? "created" : "kept the existing",
	       k.name, k.path);
	printf("public key:  %s\nfingerprint: %s\n", k.public_key, k.fingerprint);
	printf("to be admitted to a database, ask one of its operators to run:\n"
	       "  envctl operator add %s %s%s\n",
	       k.name, k.public_key[0] == '-' ? "-- " : "", k.public_key);
	return 0;
}

static int operator_list(App *app, bool json)
{
	StoreOperatorList l;
	const char *me;
	Error err;

	error_clear(&err);
	if (operators_list(app, &l, &me, &err) != ST_OK)
		return cli_fail(&err);
	if (json) {
		cJSON *arr = cJSON_CreateArray();

		for (size_t i = 0; arr && i < l.count; i++) {
			const StoreOperator *o = &l.items[i];
			cJSON *j = cJSON_CreateObject();

			if (!j)
				continue;
			cJSON_AddStringToObject(j, "name", o->name);
			cJSON_AddStringToObject(j, "publicKey", o->public_key);
			cJSON_AddStringToObject(j, "fingerprint", o->fingerprint);
			cJSON_AddStringToObject(j, "addedAt", o->added_at);
			cJSON_AddStringToObject(j, "addedBy", o->added_by);
			cJSON_AddBoolToObject(j, "you", me && strcmp(me, o->name) == 0);
			cJSON_AddItemToArray(arr, j);
		}
		store_operator_list_clear(&l);
		return cli_print_json(arr);
	}
	printf("%-20s %-20s %-25s %s\n", "NAME", "FINGERPRINT", "ADDED", "BY");
	for (size_t i = 0; i < l.count; i++) {
		const StoreOperator *o = &l.items[i];

		printf("%-20s %-20s %-25s %s%s\n", o->name, o->fingerprint, o->added_at,
		       o->added_by, me && strcmp(me, o->name) == 0 ? "  (you)" : "");
	}
	store_operator_list_clear(&l);
	return 0;
}

static int operator_run(App *app, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL, *pos[2] = { NULL, NULL };
	bool json = false;
	const CliOpt opts[] = {
		{ "--json", CLI_FLAG, &json },
		{ NULL, CLI_FLAG, NULL },
	};
	const CliOptScope scopes[] = {
		{ "--json", "list" },
		{ NULL, NULL },
	};
	Error err;
	long n = 0;
	int npos, rc;

	if (!sub)
		return cli_usage_error(&cli_cmd_operator, "operator: missing subcommand");
	rc = cli_parse_scoped(&cli_cmd_operator, sub, argc, argv, 2, opts, scopes, pos, 2, &npos);
	if (rc)
		return rc;
	error_clear(&err);
	if (strcmp(sub, "init") == 0) {
		if (npos > 1)
			return cli_usage_error(&cli_cmd_operator, "operator init: unexpected \"%s\"",
					       pos[1]);
		return operator_init(app, pos[0]);
	}
	if (strcmp(sub, "list") == 0) {
		if (npos)
			return cli_usage_error(&cli_cmd_operator, "operator list: unexpected \"%s\"",
					       pos[0]);
		return operator_list(app, json);
	}
	if (strcmp(sub, "add") == 0) {
		if (npos < 2)
			return cli_usage_error(&cli_cmd_operator, "operator add: missing %s",
					       npos ? "PUBKEY" : "NAME and PUBKEY");
		if (operators_add(app, pos[0], pos[1], &err) != ST_OK)
			return cli_fail(&err);
		printf("admitted operator %s to %s\n", pos[0], app->db_path);
		return 0;
	}
	if (strcmp(sub, "remove") == 0) {
		if (npos != 1)
			return cli_usage_error(&cli_cmd_operator, npos ? "operator remove: unexpected \"%s\""
								       : "operator remove: missing NAME%s",
					       npos ? pos[1] : "");
		if (operators_remove(app, pos[0], &n, &err) != ST_OK)
			return cli_fail(&err);
		printf("removed operator %s from %s; rotated the data key and re-encrypted %ld "
		       "secret version%s\n",
		       pos[0], app->db_path, n, n == 1 ? "" : "s");
		return 0;
	}
	return cli_usage_error(&cli_cmd_operator, "operator: unknown subcommand \"%s\"", sub);
}

const CliCommand cli_cmd_operator = {
	.name = "operator",
	.summary = "operator keys: who can decrypt the secrets",
	.run = operator_run,
	.subs = operator_subs,
	.opts = operator_opts,
	.exits = "0 ok, 2 usage, 3 no such operator, 4 invalid name or key, 5 conflict (a taken "
		 "name or key, the last operator), 7 database error, 8 secret store error (this key "
		 "is not admitted), 13 busy",
};
