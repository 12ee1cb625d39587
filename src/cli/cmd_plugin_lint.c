/* envctl plugin lint FILE: the schema engine's lint over a manifest or a
 * bare configSchema. Its exit codes: 0 clean, 1 warnings under --strict,
 * 4 errors (the status table's "invalid input"), so that 2 stays usage. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "schema/lib.h"
#include "util/lib.h"

enum { LINT_EXIT_CLEAN = 0, LINT_EXIT_WARNINGS = 1, LINT_EXIT_ERRORS = 4 };

static int lint_exit(const LintReport *r, bool strict)
{
	if (r->errors)
		return LINT_EXIT_ERRORS;
	if (r->warnings && strict)
		return LINT_EXIT_WARNINGS;
	return LINT_EXIT_CLEAN;
}

static const char *lint_where(const char *pointer)
{
	return pointer[0] ? pointer : "(root)";
}

/* A file that cannot be read or parsed is itself an error finding. */
static int lint_unreadable(const char *file, const Error *err, bool json)
{
	if (json) {
		cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray(), *f = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "file", file);
		cJSON_AddStringToObject(o, "kind", "unknown");
		cJSON_AddNumberToObject(o, "errors", 1);
		cJSON_AddNumberToObject(o, "warnings", 0);
		cJSON_AddStringToObject(f, "level", "error");
		cJSON_AddStringToObject(f, "pointer", "");
		cJSON_AddStringToObject(f, "message", error_text(err));
		cJSON_AddItemToArray(arr, f);
		cJSON_AddItemToObject(o, "findings", arr);
		cli_print_json(o);
	} else {
		printf("error: %s\n1 error, 0 warnings\n", error_text(err));
	}
	return LINT_EXIT_ERRORS;
}

static int lint_print(const char *file, const char *kind, const LintReport *r, bool json,
		      bool strict)
{
	int rc = lint_exit(r, strict);

	if (json) {
		cJSON *o = cJSON_CreateObject(), *arr = cJSON_CreateArray();

		if (!o || !arr) {
			cJSON_Delete(o);
			cJSON_Delete(arr);
			fputs("envctl: out of memory\n", stderr);
			return status_exit_code(ST_E_NOMEM);
		}
		cJSON_AddStringToObject(o, "file", file);
		cJSON_AddStringToObject(o, "kind", kind);
		cJSON_AddNumberToObject(o, "errors", (double)r->errors);
		cJSON_AddNumberToObject(o, "warnings", (double)r->warnings);
		for (size_t i = 0; i < r->count; i++) {
			cJSON *f = cJSON_CreateObject();

			cJSON_AddStringToObject(f, "level", r->items[i].level == LINT_ERROR ? "error"
											     : "warning");
			cJSON_AddStringToObject(f, "pointer", r->items[i].pointer);
			cJSON_AddStringToObject(f, "message", r->items[i].message);
			cJSON_AddItemToArray(arr, f);
		}
		cJSON_AddItemToObject(o, "findings", arr);
		if (cli_print_json(o) != 0)
			return status_exit_code(ST_E_NOMEM);
		return rc;
	}
	/* Errors first: they are what must be fixed. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < r->count; i++)
			if ((r->items[i].level == LINT_ERROR) == (pass == 0))
				printf("%s: %s: %s\n", pass == 0 ? "error" : "warning",
				       lint_where(r->items[i].pointer), r->items[i].message);
	if (!r->count)
		printf("%s: %s is clean\n", file, kind);
	else
		printf("%zu error%s, %zu warning%s\n", r->errors, r->errors == 1 ? "" : "s",
		       r->warnings, r->warnings == 1 ? "" : "s");
	return rc;
}

int cli_plugin_lint(App *app, int argc, char **argv)
{
	const char *file = NULL;
	bool strict = false, json = false;
	cJSON *doc;
	LintReport report;
	Error err;
	Status st;
	int rc;

	(void)app;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--strict") == 0)
			strict = true;
		else if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (argv[i][0] == '-' && argv[i][1]) {
			static const CliOpt known[] = { { "--strict", CLI_FLAG, NULL },
							{ "--json", CLI_FLAG, NULL },
							{ NULL, CLI_FLAG, NULL } };

			return cli_unknown_option(&cli_cmd_plugin, "plugin lint", known, argv[i],
						  strlen(argv[i]));
		}
		else if (!file)
			file = argv[i];
		else
			return cli_usage_error(&cli_cmd_plugin, "plugin lint: unexpected \"%s\"", argv[i]);
	}
	if (!file)
		return cli_usage_error(&cli_cmd_plugin, "plugin lint: missing FILE");
	error_clear(&err);
	doc = json_parse_file(file, &err);
	if (!doc)
		return lint_unreadable(file, &err, json);
	if (schema_is_manifest(doc))
		st = schema_lint_manifest(doc, &report, &err);
	else
		st = schema_lint(doc, &report, &err);
	if (st != ST_OK) {
		cJSON_Delete(doc);
		return cli_fail(&err);
	}
	rc = lint_print(file, schema_is_manifest(doc) ? "manifest" : "schema", &report, json, strict);
	lint_report_clear(&report);
	cJSON_Delete(doc);
	return rc;
}
