/* The config a provider call gets, with secrets resolved, plus what is
 * needed to keep those secrets out of everything the call hands back. */
#ifndef ENVCTL_CORE_RUNTIME_H
#define ENVCTL_CORE_RUNTIME_H

#include "core/app.h"

typedef struct EnvRuntime {
	cJSON *config;         /* resolved; wiped by env_runtime_clear */
	char **secret_paths;   /* NULL-terminated JSON Pointers of secret fields */
	const char **secrets;  /* NULL-terminated plaintexts (borrowed from config) */
} EnvRuntime;

/* For a saved environment: SPEC §4 resolution with access events. */
Status env_runtime_resolve(App *app, const StoreEnv *env, const char *consumer,
			   const char *lease_id, const char *run_id, EnvRuntime *out, Error *err);
/* For an unsaved form: defaults applied, validated against the provider's
 * schema; secret fields hold what was typed (plaintext). */
Status env_runtime_draft(App *app, Provider *p, const cJSON *config, EnvRuntime *out,
			 Error *err);
void env_runtime_clear(EnvRuntime *rt);

#endif
