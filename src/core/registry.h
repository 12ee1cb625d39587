/* The provider registry: resolves a key to the built-in fake provider or
 * to a plugin-backed provider, through one API. */
#ifndef ENVCTL_CORE_REGISTRY_H
#define ENVCTL_CORE_REGISTRY_H

#include <stddef.h>

#include "core/provider.h"

typedef struct Registry {
	Provider **items;
	size_t count;
	size_t cap;
	/* Problems found while loading (a broken manifest, two plugins claiming
	 * one key): listed for the operator instead of breaking the console. */
	char **problems;
	size_t problem_count, problem_cap;
} Registry;

/* Registers the built-in providers; forms_dir holds provider-fake.json. */
Status registry_init(Registry *r, const char *forms_dir, Error *err);
void registry_clear(Registry *r);
/* Takes ownership of p on success and on failure. Refuses a duplicate key
 * with a conflict naming both origins. */
Status registry_add(Registry *r, Provider *p, Error *err);
Status registry_add_problem(Registry *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
Provider *registry_find(const Registry *r, const char *key);
/* Like find, but an unknown key is an error naming the known keys. */
Status registry_require(const Registry *r, const char *key, Provider **out, Error *err);

/* The built-in fake provider (DESIGN §1). Takes ownership of schema. */
Provider *provider_fake_new(cJSON *schema);

#endif
