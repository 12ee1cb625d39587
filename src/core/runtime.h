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

/* For a saved environment: DESIGN §5.3 resolution with access events. */
Status env_runtime_resolve(App *app, const StoreEnv *env, const char *consumer,
			   const char *lease_id, const char *run_id, EnvRuntime *out, Error *err);
/* The same, resolving env's own config instead of a copy: env->config
 * moves to out (NULL in env afterwards, whatever the outcome). */
Status env_runtime_resolve_take(App *app, StoreEnv *env, const char *consumer,
				const char *lease_id, const char *run_id, EnvRuntime *out,
				Error *err);
/* For an unsaved form: defaults applied, validated against the provider's
 * schema; secret fields hold what was typed (plaintext). */
Status env_runtime_draft(App *app, Provider *p, const cJSON *config, EnvRuntime *out,
			 Error *err);
void env_runtime_clear(EnvRuntime *rt);

/* Per-call cancellation of provider calls (#15; plugin_cancel_* in
 * plugin/worker.h does the work). A background job binds a token to its
 * thread; runtime_cancel, from any thread, abandons the call the job is
 * waiting on: the call returns at once, the worker keeps running, its late
 * answer is discarded. A lease call so cut short leaves its intent
 * recorded and marked abandoned, and the sweep finishes it as it finishes
 * one a crash cut short. */
typedef struct PluginCancel RuntimeCancel;
RuntimeCancel *runtime_cancel_new(void);
void runtime_cancel_free(RuntimeCancel *c);
/* The calling thread's provider calls wait under c (NULL: none). */
void runtime_cancel_bind(RuntimeCancel *c);
void runtime_cancel(RuntimeCancel *c);
/* Whether the token of the calling thread has fired: the call that just
 * failed was abandoned, not refused. */
bool runtime_cancelled(void);

#endif
