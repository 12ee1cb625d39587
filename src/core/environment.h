/* Environment actions shared by the CLI and the TUI: the save flow of
 * DESIGN §5 (validate, turn entered secret values into secret ids, sync
 * bindings, leave no orphan secret), archive, delete, and the two views of
 * a stored config: for display (secret fields as references) and for a
 * provider call (secret fields resolved to plaintext, wiped afterwards). */
#ifndef ENVCTL_CORE_ENVIRONMENT_H
#define ENVCTL_CORE_ENVIRONMENT_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/app.h"
#include "schema/lib.h"

/* One `--set PTR=VALUE`: a JSON Pointer and an already typed value
 * (NULL removes the field, as empty form text does). */
typedef struct EnvSet {
	const char *pointer;
	const cJSON *value;
} EnvSet;

typedef struct EnvSaveInput {
	/* NULL: create a new environment. Else the id or name of the one to edit. */
	const char *target;
	const char *name;        /* create: required; edit: NULL keeps, else renames */
	const char *description; /* NULL keeps ("" on create) */
	const char *provider;    /* create: required; edit: NULL or the same key */
	/* create: the config. edit: top-level fields merged into the stored
	 * config, as upstream's PATCH does: a given key replaces the stored one,
	 * a null removes it, keys not given stay. Secret fields may hold a new
	 * value (plaintext), an existing secret id, {"secretRef": id}, or "" to
	 * remove the field. */
	const cJSON *config;
	const EnvSet *sets; /* applied after the merge, in order */
	size_t set_count;
	const cJSON *metadata; /* NULL keeps ({} on create) */
	/* edit: the revision the caller's copy was read at (a form when it
	 * opened, `env edit --if-revision`); a save over any other is refused
	 * with ST_E_CONFLICT, so nobody's change is reverted unseen. 0: none. */
	long expect_revision;
} EnvSaveInput;

/* What a save did to secrets, for the caller's flash line. */
typedef struct EnvSaveReport {
	int secrets_created;
	int secrets_rotated;
	int secrets_deleted;
	cJSON *warnings; /* array of strings from the provider, or NULL */
} EnvSaveReport;

void env_save_report_clear(EnvSaveReport *r);

/* Creates or edits an environment (DESIGN §5.2 Saving):
 * 1. the provider validates first (its normalizedConfig replaces the
 *    input), then the provider's configSchema, with defaults applied;
 * 2. each secret field: empty → removed; an existing active secret id →
 *    kept as a reference; anything else → a new secret named
 *    environment-<provider>-<env-slug>-<field>-<8 hex> — or, when the field
 *    already held a secret this environment created, that secret is
 *    rotated instead, so no orphan is left;
 * 3. bindings are synced (one per environment and path) and secrets this
 *    environment created that nothing binds any more are deleted;
 * 4. activity rows name the changed fields, never values.
 * Provider validation runs outside the database's write lock; if another
 * console changed the environment meanwhile, the save is refused
 * (ST_E_CONFLICT) rather than overwriting it. out and report may be NULL.
 * The input may hold plaintext: the caller still owns and wipes it. */
Status env_save(App *app, const EnvSaveInput *in, StoreEnv *out, EnvSaveReport *report,
		Error *err);
/* archived = true archives, false restores. */
Status env_archive(App *app, const char *id_or_name, bool archived, Error *err);
/* Removes the environment, its bindings and the secrets it created (those
 * no other environment uses). Refused while a lease of it still holds a
 * sandbox (active, retained, or cleanup not done) unless force, which has
 * the provider destroy each such sandbox first; if one cannot be destroyed
 * the environment is kept and the error names the lease. */
Status env_delete(App *app, const char *id_or_name, bool force, Error *err);
Status env_get(App *app, const char *id_or_name, StoreEnv *out, Error *err);
Status env_list(App *app, const StoreEnvFilter *f, StoreEnvList *out, Error *err);

/* The config to show: every secret field replaced by
 * {"secretRef": ID, "name": NAME, "version": N}. Never a value. */
Status env_display_config(App *app, const StoreEnv *env, cJSON **out, Error *err);
/* The same with the environment's bindings already read (count of them at
 * bindings): a list reads every environment's bindings in one query. */
Status env_display_config_bound(App *app, const StoreEnv *env, const StoreBinding *bindings,
				size_t count, cJSON **out, Error *err);

/* Parses "PTR=VALUE" for `--set` against the provider's schema: PTR is a
 * JSON Pointer ("/image"; a bare key "image" is taken as "/image"), VALUE
 * is coerced to the field's type (empty text gives *value NULL: remove the
 * field). A secret field is refused, since argv is
 * visible to every user of the machine: use a config file. */
Status env_parse_set(App *app, const char *provider_key, const char *assignment, char **pointer,
		     cJSON **value, Error *err);

/* ST_E_INVALID with "<what> for provider P is invalid: " and every issue
 * with its field's label and pointer ("Image (/image): must be a
 * string"), and for an unmatched oneOf/anyOf what each alternative asks. */
Status env_schema_issues_error(const cJSON *schema, const SchemaIssues *issues, const char *what,
			       const char *provider, Error *err);

/* Who is asking for plaintext, for the access events. */
typedef struct EnvResolveCtx {
	const char *consumer; /* "probe", "acquire", "resume", "release", "destroy", "execute" */
	const char *lease_id; /* may be NULL */
	const char *run_id;   /* may be NULL */
} EnvResolveCtx;

/* The runtime config for a provider call (DESIGN §5.3 Resolution): a copy of
 * the stored config with every secret id replaced by its current
 * plaintext; each secret must be active, have a current version and be
 * bound to this environment at that path, and each attempt is an access
 * event. Release the result with env_config_wipe as soon as the call is
 * done. Call it outside a store transaction so failed attempts are kept. */
Status env_resolve_runtime_config(App *app, const StoreEnv *env, const EnvResolveCtx *ctx,
				  cJSON **out, Error *err);
/* The same in place: config (env's own tree or a copy) has its secret ids
 * replaced, and *paths gets the secret fields' pointers (free with
 * schema_paths_free). config stays the caller's either way: wipe it after
 * a failure too (some fields may hold plaintext already). */
Status env_resolve_config_in_place(App *app, const StoreEnv *env, cJSON *config,
				   const EnvResolveCtx *ctx, char ***paths, Error *err);
/* Zeroes every string of a resolved config, then frees it. */
void env_config_wipe(cJSON *config);

/* The secret pointers of config under the provider's schema (NULL-terminated;
 * free with schema_paths_free). */
Status env_secret_paths(App *app, const char *provider_key, const cJSON *config, char ***out,
			Error *err);

#endif
