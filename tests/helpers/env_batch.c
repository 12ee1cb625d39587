/* A batch of environment saves through the core action, acknowledging
 * each one on stdout (flushed) only after env_save returned: the crash
 * test kills this process with SIGKILL mid-batch and then checks that
 * every acknowledged save is in the database.
 *
 * usage: env_batch PREFIX COUNT   (database from ENVCTL_DB) */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/environment.h"
#include "testprov.h"
#include "util/fs.h"

int main(int argc, char **argv)
{
	App app;
	Error err;
	long n;

	if (argc != 3 || sodium_init() < 0)
		return 2;
	n = atol(argv[2]);
	error_clear(&err);
	if (app_init(&app, NULL, &err) != ST_OK || testprov_register(&app.registry, &err) != ST_OK ||
	    app_set_actor(&app, "batch", &err) != ST_OK) {
		fprintf(stderr, "env_batch: %s\n", err.msg);
		return 1;
	}
	setvbuf(stdout, NULL, _IONBF, 0);
	for (long i = 0; i < n; i++) {
		char name[128], value[64];
		cJSON *config = cJSON_CreateObject();
		EnvSaveInput in = { .name = name, .provider = TESTPROV_KEY, .config = config };

		snprintf(name, sizeof name, "%s-%ld", argv[1], i);
		snprintf(value, sizeof value, "batch-secret-%ld", i);
		cJSON_AddStringToObject(config, "apiKey", value);
		if (env_save(&app, &in, NULL, NULL, &err) != ST_OK) {
			fprintf(stderr, "env_batch: %s\n", err.msg);
			json_wipe(config);
			app_clear(&app);
			return 1;
		}
		json_wipe(config);
		printf("ack %s\n", name);
	}
	app_clear(&app);
	return 0;
}
