/* The console's reads: what each screen shows, fetched through core so
 * that a front end never calls the store itself (DESIGN §2). Each opens
 * the App's store on first use, as every core action does; the results
 * are the store's structs, freed with their store_*_clear / _free. */
#ifndef ENVCTL_CORE_QUERY_H
#define ENVCTL_CORE_QUERY_H

#include <stdint.h>

#include "core/app.h"

/* The descriptor that turns readable when another process changes the
 * database, or -1: no store open yet (none is opened for it) or SQLite,
 * whose change counter is polled instead. */
int query_change_fd(const App *app);
/* The database's change counter; reading it also drains the descriptor. */
Status query_change_counter(App *app, int64_t *out, Error *err);
/* A worker thread's App (a console job): it reads the parent's registry,
 * plugins, paths and key, never writes or frees them; it owns only its
 * store handle (opened on first use: a handle belongs to the thread that
 * opened it) and its actor string (frontend's, as app_set_actor makes
 * it), which the store's opening rewrites in place on the parent's. */
Status query_worker_init(App *worker, const App *parent, const char *frontend, Error *err);
/* Closes the worker's store and frees its actor; the shared parts stay. */
void query_worker_clear(App *worker);

/* One lease by id, and the leases matching a filter: lease_get and
 * lease_each (core/lease.h), which the CLI reads with too. */
/* How many leases match f (its window ignored). */
Status query_lease_count(App *app, const StoreLeaseFilter *f, long *out, Error *err);
/* The environment's active leases (what deleting it destroys first). */
Status query_env_active_leases(App *app, const char *environment_id, long *out, Error *err);

/* The environments list's window: fn borrows each row, *total gets how
 * many match the filter. */
Status query_envs_each(App *app, const StoreEnvWindow *w, StoreEnvFn fn, void *ctx,
		       long *total, Error *err);
/* An environment's latest probes, newest first. */
Status query_env_probes(App *app, const char *environment_id, long limit, StoreProbeList *out,
			Error *err);
/* What an environment's detail shows: the environment and its latest
 * leases, probes and activity (limit each, newest first). Each part keeps
 * its own outcome (its _err, ST_OK when read), so a part that failed
 * shows as its error while the others still show. */
typedef struct QueryEnvDetail {
	StoreEnv env;
	StoreLease *leases;
	size_t lease_count;
	Error leases_err;
	StoreProbeList probes;
	Error probes_err;
	StoreActivityList activity;
	Error activity_err;
} QueryEnvDetail;

/* Fails only when the environment itself cannot be read; out is filled
 * (and to be cleared) either way. */
Status query_env_detail(App *app, const char *id_or_name, long limit, QueryEnvDetail *out,
			Error *err);
void query_env_detail_clear(QueryEnvDetail *d);

/* The activity log: activity_list (core/activity.h), as for the CLI. */
/* A secret's latest resolutions (who read it, never its value). */
Status query_secret_access(App *app, const char *secret_id, long limit,
			   StoreAccessEventList *out, Error *err);

#endif
