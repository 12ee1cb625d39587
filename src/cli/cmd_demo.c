#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "core/lib.h"
#include "util/lib.h"

static const CliSubDoc demo_subs[] = {
	{ "", "", "fill an empty database with demo data",
	  "Demo environments on the fake and bwrap providers, probes, and leases in every "
	  "status, in the selected database (--db, else $ENVCTL_DB, else the default). Refuses "
	  "a database that already holds environments.",
	  NULL, "envctl demo", NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

static int demo_run(App *app, int argc, char **argv)
{
	DemoReport r;
	Error err;
	char *dir, *file, *shown;
	int rc, npos;

	if ((rc = cli_parse(&cli_cmd_demo, "", argc, argv, 1, NULL, NULL, 0, &npos)))
		return rc;
	error_clear(&err);
	dir = fs_find_resource_dir("demo");
	if (!dir)
		dir = fs_find_resource_dir("data/demo");
	file = dir ? fs_join(dir, "demo.json") : NULL;
	free(dir);
	if (!file) {
		error_set(&err, ST_E_NOT_FOUND,
			  "cannot find the demo data (demo/demo.json); reinstall envctl or set ENVCTL_SHARE_DIR");
		return cli_fail(&err);
	}
	rc = demo_load(app, file, &r, &err);
	free(file);
	if (rc != ST_OK)
		return cli_fail(&err);
	shown = dbadmin_path_shown(app);
	printf("Loaded demo data into %s: %d environments, %d probes, %d leases",
	       shown ? shown : "?", r.environments, r.probes, r.leases);
	if (r.skipped)
		printf(" (%d environment%s skipped: provider not installed)", r.skipped,
		       r.skipped == 1 ? "" : "s");
	printf(".\nOpen the console with `envctl` (add --db %s if that is not the default).\n",
	       shown ? shown : "?");
	free(shown);
	return 0;
}

const CliCommand cli_cmd_demo = {
	.name = "demo",
	.summary = "fill an empty database with demo environments, probes and leases",
	.run = demo_run,
	.subs = demo_subs,
	.exits = "0 ok, 2 usage, 3 demo data not found, 5 the database holds environments",
};
