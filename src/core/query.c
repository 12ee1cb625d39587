/* The console's reads (query.h): the store's queries behind the App. */
#include "core/query.h"

#include <stdlib.h>
#include <string.h>

#include "store/lib.h"
#include "util/lib.h"

/* The App's store, opened on first use; NULL with err set when it cannot
 * be. */
static Store *query_store(App *app, Error *err)
{
	Store *s;

	return app_store(app, &s, err) == ST_OK ? s : NULL;
}

int query_change_fd(const App *app)
{
	return app->store ? store_change_fd(app->store) : -1;
}

Status query_change_counter(App *app, int64_t *out, Error *err)
{
	Store *s = query_store(app, err);

	return s ? store_change_counter(s, out, err) : err->status;
}

Status query_worker_init(App *worker, const App *parent, const char *frontend, Error *err)
{
	*worker = *parent;
	worker->store = NULL;
	worker->actor = NULL;
	return app_set_actor(worker, frontend, err);
}

void query_worker_clear(App *worker)
{
	if (worker->store) {
		store_close(worker->store);
		worker->store = NULL;
	}
	free(worker->actor);
	worker->actor = NULL;
}

Status query_lease_count(App *app, const StoreLeaseFilter *f, long *out, Error *err)
{
	Store *s = query_store(app, err);

	return s ? store_lease_count(s, f, out, err) : err->status;
}

Status query_env_active_leases(App *app, const char *environment_id, long *out, Error *err)
{
	Store *s = query_store(app, err);

	return s ? store_lease_count_active(s, environment_id, out, err) : err->status;
}

Status query_envs_each(App *app, const StoreEnvWindow *w, StoreEnvFn fn, void *ctx,
		       long *total, Error *err)
{
	Store *s = query_store(app, err);

	return s ? store_env_each(s, w, fn, ctx, total, err) : err->status;
}

Status query_env_probes(App *app, const char *environment_id, long limit, StoreProbeList *out,
			Error *err)
{
	Store *s = query_store(app, err);

	return s ? store_probe_list(s, environment_id, limit, out, err) : err->status;
}

Status query_secret_access(App *app, const char *secret_id, long limit,
			   StoreAccessEventList *out, Error *err)
{
	Store *s = query_store(app, err);

	return s ? store_access_event_list(s, secret_id, limit, out, err) : err->status;
}

typedef struct DetailLeases {
	QueryEnvDetail *d;
	size_t cap;
	Error *err;
} DetailLeases;

static bool detail_lease(const StoreLease *row, void *ctx)
{
	DetailLeases *c = ctx;
	QueryEnvDetail *d = c->d;

	if (!array_reserve(&d->leases, &c->cap, d->lease_count, sizeof *d->leases)) {
		error_set(c->err, ST_E_NOMEM, "out of memory");
		return false;
	}
	if (store_lease_copy(row, &d->leases[d->lease_count], c->err) != ST_OK)
		return false;
	d->lease_count++;
	return true;
}

Status query_env_detail(App *app, const char *id_or_name, long limit, QueryEnvDetail *out,
			Error *err)
{
	StoreLeaseFilter f = { 0 };
	DetailLeases c;
	Store *s;

	memset(out, 0, sizeof *out);
	c = (DetailLeases){ out, 0, &out->leases_err };
	error_clear(&out->leases_err);
	error_clear(&out->probes_err);
	error_clear(&out->activity_err);
	if (app_store(app, &s, err) != ST_OK ||
	    store_env_get(s, id_or_name, &out->env, err) != ST_OK)
		return err->status;
	f.environment_id = out->env.id;
	f.limit = limit;
	/* A row the copy could not keep stops the walk with leases_err set. */
	store_lease_each(s, &f, detail_lease, &c, &out->leases_err);
	store_probe_list(s, out->env.id, limit, &out->probes, &out->probes_err);
	store_activity_list(s, out->env.id, limit, 0, &out->activity, &out->activity_err);
	return ST_OK;
}

void query_env_detail_clear(QueryEnvDetail *d)
{
	store_env_clear(&d->env);
	for (size_t i = 0; i < d->lease_count; i++)
		store_lease_clear(&d->leases[i]);
	free(d->leases);
	store_probe_list_clear(&d->probes);
	store_activity_list_clear(&d->activity);
	memset(d, 0, sizeof *d);
}
