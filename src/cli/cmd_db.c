/* envctl db check|backup|path|copy */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/lib.h"

static const CliSubDoc db_subs[] = {
	{ "check", "", "check the database's integrity and the store's own rules",
	  "SQLite's integrity and foreign-key checks, then the console's own: orphan secrets, "
	  "dangling bindings, secrets without a current version, ciphertext left behind by a "
	  "delete, and a trial decryption of every secret. Read-only.",
	  NULL, "envctl db check\nenvctl db check --json",
	  "0 clean, 1 problems found, 7 database error" },
	{ "backup", "FILE", "write a consistent copy of the database to a new file",
	  "SQLite's online backup, into a new 0600 file, even while other consoles write; it "
	  "never overwrites an existing file.",
	  "@file", "envctl db backup envctl-backup.db", NULL },
	{ "path", "", "print the database's path", NULL, NULL, "envctl db path", NULL },
	{ "copy", "SRC DST", "copy a whole registry from one database to another",
	  "Environments, secrets with every version, leases, probes, activity and operators go "
	  "from SRC to DST (each a path or URL as --db takes it) through the store, in one "
	  "transaction on DST, after checking every table's row count and decrypting every "
	  "secret at DST. Ciphertext is copied as it is, so the same operators decrypt the copy. "
	  "A DST that holds any data is refused (exit 5) unless --force, which replaces it.",
	  "@file", "envctl env create web --provider fake\nenvctl db copy \"$(envctl db path)\" copy.db",
	  "0 copied, 2 usage, 5 destination not empty, 7 database error" },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

static const CliOptDoc db_opts[] = {
	{ "--json", "check", NULL, "print the findings as JSON", NULL, NULL, false },
	{ "--force", "copy", NULL, "replace what the destination holds", NULL, NULL, false },
	{ NULL, NULL, NULL, NULL, NULL, NULL, false },
};

/* An existing database (a file, or any database on a server) is checked
 * read-only; a missing file is created as any command would, then
 * checked (dbadmin_check). */
static int cmd_db_check(App *app, bool json)
{
	DbCheck c;
	StoreCheckReport *r = &c.report;
	Error err;
	int rc;

	error_clear(&err);
	if (dbadmin_check(app, &c, &err) != ST_OK) {
		dbadmin_check_clear(&c);
		return cli_fail(&err);
	}
	rc = r->count ? status_exit_code(ST_E_FAIL) : 0;
	if (json) {
		cJSON *o = cJSON_CreateObject(), *p = cJSON_CreateArray();

		for (size_t i = 0; p && i < r->count; i++)
			cJSON_AddItemToArray(p, cJSON_CreateString(r->problems[i]));
		if (o) {
			cJSON_AddBoolToObject(o, "ok", r->count == 0);
			cJSON_AddStringToObject(o, "path", c.path);
			cJSON_AddNumberToObject(o, "schemaVersion", c.schema_version);
			cJSON_AddItemToObject(o, "problems", p);
			cJSON_AddNumberToObject(o, "environments", (double)r->environments);
			cJSON_AddNumberToObject(o, "leases", (double)r->leases);
			cJSON_AddNumberToObject(o, "secrets", (double)r->secrets);
			cJSON_AddNumberToObject(o, "bindings", (double)r->bindings);
			cJSON_AddNumberToObject(o, "activity", (double)r->activity);
		} else {
			cJSON_Delete(p);
		}
		dbadmin_check_clear(&c);
		cli_print_json(o);
		return rc;
	}
	for (size_t i = 0; i < r->count; i++)
		printf("problem: %s\n", r->problems[i]);
	printf("%s: %s (schema version %d): %ld environments, %ld leases, %ld secrets, "
	       "%ld bindings, %ld activity rows; %zu problem%s\n",
	       r->count ? "damaged" : "ok", c.path, c.schema_version, r->environments,
	       r->leases, r->secrets, r->bindings, r->activity, r->count, r->count == 1 ? "" : "s");
	dbadmin_check_clear(&c);
	return rc;
}

static int cmd_db_copy(App *app, const char *src, const char *dst, bool force)
{
	StoreCopyReport r;
	Error err;

	error_clear(&err);
	if (dbadmin_copy(app, src, dst, force, &r, &err) != ST_OK)
		return cli_fail(&err);
	printf("copied %s to %s%s:\n", src, dst, r.replaced ? " (its old contents replaced)" : "");
	for (size_t i = 0; i < r.tables; i++)
		printf("  %-22s %ld row%s\n", dbadmin_copy_table_name(i), r.rows[i],
		       r.rows[i] == 1 ? "" : "s");
	printf("row counts match; %ld secret version%s decrypted at the destination\n",
	       r.secrets_verified, r.secrets_verified == 1 ? "" : "s");
	return 0;
}

static int cmd_db_run(App *app, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL, *pos[2] = { NULL, NULL };
	bool json = false, force = false;
	const CliOpt opts[] = {
		{ "--json", CLI_FLAG, &json },
		{ "--force", CLI_FLAG, &force },
		{ NULL, CLI_FLAG, NULL },
	};
	const CliOptScope scopes[] = {
		{ "--json", "check" },
		{ "--force", "copy" },
		{ NULL, NULL },
	};
	const char *path;
	Error err;
	int npos, rc;

	if (!sub)
		return cli_usage_error(&cli_cmd_db, "db: missing subcommand");
	rc = cli_parse_scoped(&cli_cmd_db, sub, argc, argv, 2, opts, scopes, pos, 2, &npos);
	if (rc)
		return rc;
	error_clear(&err);
	if (strcmp(sub, "check") == 0) {
		if (npos)
			return cli_usage_error(&cli_cmd_db, "db check: unexpected \"%s\"", pos[0]);
		return cmd_db_check(app, json);
	}
	if (strcmp(sub, "copy") == 0) {
		if (npos < 2)
			return cli_usage_error(&cli_cmd_db, "db copy: missing %s",
					       npos ? "DST" : "SRC and DST");
		return cmd_db_copy(app, pos[0], pos[1], force);
	}
	if (strcmp(sub, "path") == 0) {
		char *shown = dbadmin_path_shown(app);

		printf("%s\n", shown ? shown : "?");
		free(shown);
		return 0;
	}
	if (strcmp(sub, "backup") == 0) {
		if (!npos)
			return cli_usage_error(&cli_cmd_db, "db backup: missing FILE");
		if (npos > 1)
			return cli_usage_error(&cli_cmd_db, "db backup: unexpected \"%s\"", pos[1]);
		if (dbadmin_backup(app, pos[0], &path, &err) != ST_OK)
			return cli_fail(&err);
		printf("backed up %s to %s\n", path, pos[0]);
		return 0;
	}
	return cli_usage_error(&cli_cmd_db, "db: unknown subcommand \"%s\"", sub);
}

const CliCommand cli_cmd_db = {
	.name = "db",
	.summary = "check the database, back it up, copy a registry",
	.run = cmd_db_run,
	.subs = db_subs,
	.opts = db_opts,
	.exits = "0 ok, 1 problems found, 2 usage, 5 the backup file exists, 7 database error, "
		 "11 I/O error",
};
