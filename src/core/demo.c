#include "core/demo.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "core/environment.h"
#include "core/lease.h"
#include "core/probe.h"
#include "util/lib.h"

static Status demo_envs(App *app, const cJSON *envs, DemoReport *out, Error *err)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, envs) {
		const char *name = json_get_string(e, "name");
		const char *provider = json_get_string(e, "provider");
		EnvSaveInput in = {
			.name = name,
			.provider = provider,
			.description = json_get_string(e, "description"),
			.config = cJSON_GetObjectItemCaseSensitive(e, "config"),
		};

		if (!name || !provider)
			return error_set(err, ST_E_INVALID, "demo data: an environment lacks name or provider");
		if (!registry_find(&app->registry, provider)) {
			out->skipped++;
			continue;
		}
		if (env_save(app, &in, NULL, NULL, err) != ST_OK)
			return error_prefix(err, "demo environment %s: ", name);
		out->environments++;
	}
	return ST_OK;
}

static Status demo_leases(App *app, const cJSON *leases, DemoReport *out, Error *err)
{
	const cJSON *l;

	cJSON_ArrayForEach(l, leases) {
		LeaseAcquireRequest req = {
			.environment = json_get_string(l, "environment"),
			.run_id = json_get_string(l, "run"),
			.issue_id = json_get_string(l, "issue"),
			.retain_on_failure = json_is_true(l, "retainOnFailure"),
			.actor = app_actor(app),
		};
		const cJSON *ttl = cJSON_GetObjectItemCaseSensitive(l, "ttlSeconds");
		const char *release = json_get_string(l, "release");
		LeaseAcquireResult r;
		StoreEnv env;
		Error ignored;

		if (!req.environment || env_get(app, req.environment, &env, &ignored) != ST_OK)
			continue;
		store_env_clear(&env);
		json_number_to_long(ttl, 0, LONG_MAX / 1000, &req.ttl_seconds);
		if (lease_acquire(app, &req, &r, err) != ST_OK)
			return error_prefix(err, "demo lease on %s: ", req.environment);
		if (release) {
			StoreLease done;

			if (lease_release(app, r.lease.id, release, json_get_string(l, "reason"),
					  app_actor(app), &done, err) != ST_OK) {
				lease_acquire_result_clear(&r);
				return error_prefix(err, "demo lease on %s: ", req.environment);
			}
			store_lease_clear(&done);
		}
		lease_acquire_result_clear(&r);
		out->leases++;
	}
	return ST_OK;
}

Status demo_load(App *app, const char *demo_file, DemoReport *out, Error *err)
{
	StoreEnvList existing;
	const cJSON *e;
	cJSON *demo;
	Status st;

	memset(out, 0, sizeof *out);
	if (app_check_writable(app, "load demo data", err) != ST_OK)
		return err->status;
	if (env_list(app, NULL, &existing, err) != ST_OK)
		return err->status;
	if (existing.count) {
		size_t n = existing.count;

		store_env_list_clear(&existing);
		return error_set(err, ST_E_CONFLICT,
				 "the database %s already holds %zu environment%s; demo data goes into an "
				 "empty one (use --db PATH for a new file)",
				 app->db_path, n, n == 1 ? "" : "s");
	}
	store_env_list_clear(&existing);
	demo = json_parse_file(demo_file, err);
	if (!demo)
		return err->status;
	st = demo_envs(app, cJSON_GetObjectItemCaseSensitive(demo, "environments"), out, err);
	if (st == ST_OK)
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(demo, "probes")) {
			StoreProbe p;
			Error ignored;

			/* A probe that fails is demo data too: keep going. */
			if (cJSON_IsString(e) &&
			    probe_environment(app, e->valuestring, app_actor(app), &p, &ignored) == ST_OK) {
				out->probes++;
				store_probe_clear(&p);
			}
		}
	if (st == ST_OK)
		st = demo_leases(app, cJSON_GetObjectItemCaseSensitive(demo, "leases"), out, err);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(demo, "environments")) {
		Error ignored;

		if (st == ST_OK && json_is_true(e, "archived"))
			env_archive(app, json_get_string(e, "name"), true, &ignored);
	}
	cJSON_Delete(demo);
	return st;
}
