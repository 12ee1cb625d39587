/* describe: the one JSON form of each entity — what `envctl ... show
 * --json` prints and what the console's `y` shows (#15). Secret values
 * never appear: a secret field is {"secretRef": ID, "name", "version"}. */
#ifndef ENVCTL_CORE_DESCRIBE_H
#define ENVCTL_CORE_DESCRIBE_H

#include <cjson/cJSON.h>
#include <stdbool.h>

#include "core/app.h"
#include "core/provider.h"
#include "store/lib.h"

/* Each returns a new object (the caller deletes it), or NULL out of memory
 * (describe_env: or err set, when the config cannot be resolved). */
cJSON *describe_env(App *app, const StoreEnv *e, Error *err);
/* `env list --json`: each environment of the filter, in name order, as
 * describe_env plus "lastProbe" and "activeLeases", handed to fn one at a
 * time (the object is deleted after; fn returning false stops). One read
 * snapshot, one query for the rows and one for every binding. */
typedef bool (*DescribeEnvFn)(const cJSON *env, void *ctx);
Status describe_env_list(App *app, const StoreEnvFilter *f, DescribeEnvFn fn, void *ctx,
			 Error *err);
cJSON *describe_secret(const StoreSecret *sec);
cJSON *describe_provider(Provider *p, bool with_schema);
cJSON *describe_activity(const StoreActivity *a);
/* The provider's status line ("ready" when it says nothing); the caller frees. */
char *describe_provider_status(Provider *p);

#endif
