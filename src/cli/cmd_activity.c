/* envctl activity [--json] [--limit N] [--entity ID] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/lib.h"

static const CliSubDoc activity_subs[] = {
	{ "", "", "what changed, newest first",
	  "Each row: when, the action, who (cli, console or a plugin), which entity and the "
	  "names of the fields that changed, never their values.",
	  NULL, "envctl activity\nenvctl activity --limit 5 --json", NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

static const CliOptDoc activity_opts[] = {
	{ "--limit", NULL, "N", "at most N rows", "50", NULL, false },
	{ "--entity", NULL, "ID", "only rows about this entity (an environment, secret or lease id)",
	  "every entity", NULL, false },
	{ "--json", NULL, NULL, "print a JSON array", NULL, NULL, false },
	{ NULL, NULL, NULL, NULL, NULL, NULL, false },
};


static int activity_run(App *app, int argc, char **argv)
{
	const char *limit_text = NULL, *entity = NULL, *pos[1];
	bool json = false;
	const CliOpt opts[] = {
		{ "--json", CLI_FLAG, &json },
		{ "--limit", CLI_VALUE, &limit_text },
		{ "--entity", CLI_VALUE, &entity },
		{ NULL, CLI_FLAG, NULL },
	};
	StoreActivityList l;
	Error err;
	long limit = 50;
	int npos, rc;

	rc = cli_parse(&cli_cmd_activity, "", argc, argv, 1, opts, pos, 0, &npos);
	if (rc)
		return rc;
	if (limit_text) {
		char *end;

		limit = strtol(limit_text, &end, 10);
		if (*end || limit <= 0)
			return cli_usage_error(&cli_cmd_activity,
					       "activity: --limit needs a positive number, not \"%s\"",
					       limit_text);
	}
	error_clear(&err);
	if (activity_list(app, entity, limit, 0, &l, &err) != ST_OK)
		return cli_fail(&err);
	if (json) {
		cJSON *arr = cJSON_CreateArray();

		for (size_t i = 0; arr && i < l.count; i++)
			cJSON_AddItemToArray(arr, describe_activity(&l.items[i]));
		store_activity_list_clear(&l);
		return cli_print_json(arr);
	}
	printf("%-24s %-16s %-22s %-24s %s\n", "TIME", "ACTOR", "ACTION", "ENTITY", "FIELDS");
	for (size_t i = 0; i < l.count; i++) {
		const StoreActivity *a = &l.items[i];
		char fields[512] = "";
		size_t used = 0;
		const cJSON *f;

		cJSON_ArrayForEach(f, a->changed_fields) {
			int w;

			if (!cJSON_IsString(f) || used >= sizeof fields)
				continue;
			w = snprintf(fields + used, sizeof fields - used, "%s%s", used ? "," : "",
				     f->valuestring);
			if (w > 0)
				used += (size_t)w;
		}
		printf("%-24s %-16s %-22s %-24s %s\n", a->created_at, a->actor, a->action,
		       a->entity_name ? a->entity_name : a->entity_id ? a->entity_id : "-",
		       fields[0] ? fields : "-");
	}
	store_activity_list_clear(&l);
	return 0;
}

const CliCommand cli_cmd_activity = {
	.name = "activity",
	.summary = "show what changed, by whom (names of fields, never values)",
	.run = activity_run,
	.subs = activity_subs,
	.opts = activity_opts,
	.exits = "0 ok, 2 usage, 7 database error",
};
