#include "core/registry.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/lib.h"

Status registry_init(Registry *r, const char *forms_dir, Error *err)
{
	char *path;
	cJSON *schema;
	Provider *fake;

	memset(r, 0, sizeof *r);
	if (!forms_dir)
		return error_set(err, ST_E_NOT_FOUND,
				 "cannot find envctl's forms directory; reinstall envctl or set "
				 "ENVCTL_SHARE_DIR to the directory that holds forms/");
	path = fs_join(forms_dir, "provider-fake.json");
	if (!path)
		return error_set(err, ST_E_NOMEM, "out of memory");
	schema = json_parse_file(path, err);
	free(path);
	if (!schema)
		return error_prefix(err, "loading the fake provider's schema: ");
	fake = provider_fake_new(schema);
	if (!fake)
		return error_set(err, ST_E_NOMEM, "out of memory");
	return registry_add(r, fake, err);
}

void registry_clear(Registry *r)
{
	for (size_t i = 0; i < r->count; i++)
		provider_free(r->items[i]);
	for (size_t i = 0; i < r->problem_count; i++)
		free(r->problems[i]);
	free(r->items);
	free(r->problems);
	memset(r, 0, sizeof *r);
}

Status registry_add(Registry *r, Provider *p, Error *err)
{
	Provider *old = registry_find(r, p->key);

	if (old) {
		error_set(err, ST_E_CONFLICT,
			  "provider key \"%s\" from %s is already registered by %s; remove or "
			  "rename one of them",
			  p->key, p->origin, old->origin);
		provider_free(p);
		return ST_E_CONFLICT;
	}
	if (!array_reserve(&r->items, &r->cap, r->count, sizeof *r->items)) {
		provider_free(p);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	r->items[r->count++] = p;
	return ST_OK;
}

Status registry_add_problem(Registry *r, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!array_reserve(&r->problems, &r->problem_cap, r->problem_count, sizeof *r->problems))
		return ST_E_NOMEM;
	r->problems[r->problem_count] = strdup(msg);
	if (!r->problems[r->problem_count])
		return ST_E_NOMEM;
	r->problem_count++;
	return ST_OK;
}

Provider *registry_find(const Registry *r, const char *key)
{
	if (!key)
		return NULL;
	for (size_t i = 0; i < r->count; i++)
		if (strcmp(r->items[i]->key, key) == 0)
			return r->items[i];
	return NULL;
}

Status registry_require(const Registry *r, const char *key, Provider **out, Error *err)
{
	Buf known = BUF_INIT;

	*out = registry_find(r, key);
	if (*out)
		return ST_OK;
	for (size_t i = 0; i < r->count; i++)
		buf_printf(&known, "%s%s", i ? ", " : "", r->items[i]->key);
	error_set(err, ST_E_NOT_FOUND, "unknown provider \"%s\" (known providers: %s)",
		  key ? key : "", known.data ? known.data : "none");
	buf_clear(&known);
	return ST_E_NOT_FOUND;
}
