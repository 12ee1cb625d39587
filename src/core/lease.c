#include "core/lease.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/environment.h"
#include "core/runtime.h"
#include "core/lease_rules.h"
#include "core/redact.h"
#include "util/array.h"
#include "util/ids.h"
#include "util/json.h"
#include "util/jsonptr.h"

#define LEASE_DESTROYED_KEY "envctlDestroyedAt"
#define LEASE_ID_KEY "envctlLeaseId"
#define LEASE_REUSE_SCAN 50
/* A phase older than this is stale even if its pid looks alive (pids are
 * reused). Longer than any provider call may take. */
#define LEASE_STALE_PHASE_MS (15L * 60 * 1000)

void lease_crash_point(const char *name)
{
	const char *at = getenv("ENVCTL_CRASH_AT");

	if (at && strcmp(at, name) == 0)
		kill(getpid(), SIGKILL);
}

static bool lease_set(char **field, const char *value)
{
	char *copy = value ? strdup(value) : NULL;

	if (value && !copy)
		return false;
	free(*field);
	*field = copy;
	return true;
}

static bool lease_set_now(char **field)
{
	char now[TIME_STR_LEN];

	time_now_iso(now);
	return lease_set(field, now);
}

static bool lease_set_phase(StoreLease *l, const char *phase)
{
	char buf[64];

	if (!phase)
		return lease_set(&l->phase, NULL);
	snprintf(buf, sizeof buf, "%s pid=%ld", phase, (long)getpid());
	return lease_set(&l->phase, buf);
}

static bool lease_phase_is(const StoreLease *l, const char *phase)
{
	size_t n = strlen(phase);

	return l->phase && strncmp(l->phase, phase, n) == 0 && (l->phase[n] == '\0' || l->phase[n] == ' ');
}

/* A phase whose process is gone (or that is very old) was cut short by a
 * crash or a kill. */
static bool lease_phase_stale(const StoreLease *l, int64_t now_ms)
{
	const char *pid_text = l->phase ? strstr(l->phase, "pid=") : NULL;
	int64_t updated = time_parse_iso(l->updated_at);

	if (!l->phase)
		return false;
	if (updated >= 0 && now_ms - updated > LEASE_STALE_PHASE_MS)
		return true;
	if (pid_text) {
		long pid = strtol(pid_text + 4, NULL, 10);

		if (pid > 0 && pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH)
			return true;
	}
	return false;
}

static cJSON *lease_metadata(const StoreLease *l)
{
	cJSON *m = l->metadata_json ? cJSON_Parse(l->metadata_json) : NULL;

	return m ? m : cJSON_CreateObject();
}

static bool lease_store_metadata(StoreLease *l, const cJSON *m)
{
	char *text = json_print(m);

	if (!text)
		return false;
	free(l->metadata_json);
	l->metadata_json = text;
	return true;
}

static bool lease_is_destroyed(const StoreLease *l)
{
	cJSON *m = lease_metadata(l);
	bool r = cJSON_GetObjectItemCaseSensitive(m, LEASE_DESTROYED_KEY) != NULL;

	cJSON_Delete(m);
	return r;
}

/* Everything a provider call needs, resolved for the duration of the call. */
typedef struct LeaseCtx {
	Store *store;
	StoreEnv env;
	Provider *provider;
	EnvRuntime rt; /* resolved config + secret pointers; wiped after */
} LeaseCtx;

static void lease_ctx_clear(LeaseCtx *c)
{
	env_runtime_clear(&c->rt);
	store_env_clear(&c->env);
	memset(c, 0, sizeof *c);
}

static Status lease_ctx_load(App *app, const char *env_ref, const char *consumer,
			     const char *lease_id, const char *run_id, LeaseCtx *c, Error *err)
{
	memset(c, 0, sizeof *c);
	if (app_store(app, &c->store, err) != ST_OK)
		return err->status;
	if (store_env_get(c->store, env_ref, &c->env, err) != ST_OK)
		return err->status;
	if (registry_require(&app->registry, c->env.provider, &c->provider, err) != ST_OK) {
		error_prefix(err, "environment \"%s\": ", c->env.name);
		goto fail;
	}
	if (env_runtime_resolve(app, &c->env, consumer, lease_id, run_id, &c->rt, err) != ST_OK)
		goto fail;
	return ST_OK;
fail:
	lease_ctx_clear(c);
	return err->status;
}

/* Provider output is stored and printed: secret plaintexts in it become
 * REDACTED, and a secret field echoed back at its own pointer becomes the
 * secret's id again, so reuse matching compares ids (SPEC §3). */
static void lease_scrub_metadata(const LeaseCtx *c, cJSON *metadata)
{
	for (size_t i = 0; c->rt.secret_paths && c->rt.secret_paths[i]; i++) {
		const char *ptr = c->rt.secret_paths[i];
		const cJSON *stored = jsonptr_get(c->env.config, ptr);
		const cJSON *plain = jsonptr_get(c->rt.config, ptr);
		cJSON *echoed = jsonptr_get(metadata, ptr);

		if (cJSON_IsString(echoed) && cJSON_IsString(plain) && cJSON_IsString(stored) &&
		    strcmp(echoed->valuestring, plain->valuestring) == 0)
			cJSON_SetValuestring(echoed, stored->valuestring);
	}
	redact_json(metadata, c->rt.secrets);
}

static void lease_scrub_error(const LeaseCtx *c, Error *err)
{
	char *msg = strdup(err->msg);

	if (!msg) {
		error_set(err, err->status, "provider call failed (message withheld)");
		return;
	}
	msg = redact_string(msg, c->rt.secrets);
	snprintf(err->msg, sizeof err->msg, "%s", msg);
	free(msg);
}

static void lease_activity(Store *s, const char *actor, const char *action, const StoreLease *l,
			   const char *env_name, const char *note)
{
	cJSON *details = cJSON_CreateObject();
	StoreActivityNew a = {
		.actor = actor ? actor : "envctl",
		.action = action,
		.entity_type = "lease",
		.entity_id = l->id,
		.entity_name = env_name,
		.details = details,
	};
	Error ignored;

	if (details) {
		cJSON_AddStringToObject(details, "environmentId", l->environment_id);
		cJSON_AddStringToObject(details, "status", l->status ? l->status : "");
		cJSON_AddStringToObject(details, "provider", l->provider ? l->provider : "");
		if (l->provider_lease_id)
			cJSON_AddStringToObject(details, "providerLeaseId", l->provider_lease_id);
		if (note && note[0])
			cJSON_AddStringToObject(details, "note", note);
	}
	/* Activity is a record, not a precondition: a failure to write it
	 * must not undo a lease the provider already acted on. */
	store_activity_add(s, &a, &ignored);
	cJSON_Delete(details);
}

/* ------------------------------------------------------------ acquire */

typedef struct ReuseScan {
	Provider *provider;
	const cJSON *config;
	StoreLease found;
	bool have;
} ReuseScan;

static bool lease_reuse_visit(const StoreLease *row, void *ctx)
{
	ReuseScan *scan = ctx;
	cJSON *meta;
	bool match;

	if (!row->provider_lease_id || !row->provider_lease_id[0] || row->phase)
		return true;
	meta = row->metadata_json ? cJSON_Parse(row->metadata_json) : NULL;
	match = meta && !cJSON_GetObjectItemCaseSensitive(meta, LEASE_DESTROYED_KEY) &&
		provider_matches_reusable_lease(scan->provider, scan->config,
						row->provider_lease_id, meta);
	cJSON_Delete(meta);
	if (!match)
		return true;
	scan->have = store_lease_copy(row, &scan->found, NULL) == ST_OK;
	return !scan->have;
}

void lease_acquire_result_clear(LeaseAcquireResult *r)
{
	store_lease_clear(&r->lease);
	memset(r, 0, sizeof *r);
}

Status lease_acquire(App *app, const LeaseAcquireRequest *req, LeaseAcquireResult *out,
		     Error *err)
{
	static const char *const reusable_statuses[] = { "active", "released", "expired", NULL };
	LeaseCtx c;
	StoreLease *l = &out->lease;
	ReuseScan scan;
	LeaseHandle h;
	AcquireInput in;
	Error resume_err;
	cJSON *meta = NULL;
	const char *policy;
	Status st;

	memset(out, 0, sizeof *out);
	memset(&scan, 0, sizeof scan);
	memset(&h, 0, sizeof h);
	if (app_check_writable(app, "acquiring a lease", err) != ST_OK)
		return err->status;
	if (lease_ctx_load(app, req->environment, "lease.acquire", NULL, req->run_id, &c, err) !=
	    ST_OK)
		return err->status;
	if (strcmp(c.env.status, "active") != 0) {
		st = error_set(err, ST_E_CONFLICT,
			       "environment \"%s\" is %s; unarchive it (env edit) before acquiring a lease",
			       c.env.name, c.env.status);
		goto done;
	}
	policy = req->retain_on_failure ? LEASE_POLICY_RETAIN
					: lease_rules_policy(c.env.config, req->run_id);
	if (strcmp(policy, LEASE_POLICY_REUSE) == 0) {
		scan.provider = c.provider;
		scan.config = c.env.config; /* stored config: secret ids, never plaintext */
		st = store_lease_reuse_candidates(c.store, c.env.id, reusable_statuses,
						  LEASE_REUSE_SCAN, lease_reuse_visit, &scan, err);
		if (st != ST_OK)
			goto done;
	}

	/* Intent first: the row exists before the provider is asked. */
	if (!lease_set(&l->status, "active") || !lease_set(&l->lease_policy, policy) ||
	    !lease_set(&l->provider, c.provider->key) ||
	    !lease_set(&l->heartbeat_run_id, req->run_id) || !lease_set(&l->issue_id, req->issue_id) ||
	    !lease_set_phase(l, "acquiring")) {
		st = error_set(err, ST_E_NOMEM, "out of memory");
		goto done;
	}
	memcpy(l->environment_id, c.env.id, sizeof l->environment_id);
	id_new(l->id);
	{
		/* Until the provider answers, the only handle on the sandbox
		 * is our own id: keep it where a reconciling destroy finds it. */
		cJSON *intent = cJSON_CreateObject();

		if (!intent || !json_set_string(intent, LEASE_ID_KEY, l->id) ||
		    !lease_store_metadata(l, intent)) {
			cJSON_Delete(intent);
			st = error_set(err, ST_E_NOMEM, "out of memory");
			goto done;
		}
		cJSON_Delete(intent);
	}
	if ((st = store_lease_insert(c.store, l, err)) != ST_OK)
		goto done;
	{
		/* Read back what the store filled in (times), so later
		 * rewrites of the row carry them. */
		char id[UUID_STR_LEN];

		memcpy(id, l->id, sizeof id);
		store_lease_clear(l);
		if ((st = store_lease_get(c.store, id, l, err)) != ST_OK)
			goto done;
	}
	lease_crash_point("acquire:intent");

	in = (AcquireInput){ c.rt.config, c.env.id, req->run_id, req->issue_id, l->id };
	error_clear(&resume_err);
	st = lease_rules_acquire(c.provider, &in, scan.have ? scan.found.provider_lease_id : NULL,
				 NULL, &h, &out->resumed, &resume_err, err);
	lease_crash_point("acquire:provider");
	if (st != ST_OK || !h.provider_lease_id || !h.provider_lease_id[0]) {
		if (st == ST_OK)
			st = error_set(err, ST_E_PROVIDER,
				       "provider \"%s\" returned no lease id for environment \"%s\"",
				       c.provider->key, c.env.name);
		lease_scrub_error(&c, err);
		/* The provider said no: the row records the failure, nothing leaks. */
		lease_set(&l->status, "failed");
		lease_set(&l->failure_reason, err->msg);
		lease_set_now(&l->released_at);
		lease_set(&l->cleanup_status, "success");
		lease_set_phase(l, NULL);
		store_lease_update(c.store, l, "active", NULL);
		goto done;
	}
	if (resume_err.status != ST_OK) {
		lease_scrub_error(&c, &resume_err);
		snprintf(out->note, sizeof out->note,
			 "resume of %s failed (%s); a fresh sandbox was acquired",
			 scan.found.provider_lease_id, resume_err.msg);
	} else if (scan.have && !out->resumed) {
		snprintf(out->note, sizeof out->note,
			 "sandbox %s is gone at the provider; a fresh one was acquired",
			 scan.found.provider_lease_id);
	}
	meta = h.metadata ? h.metadata : cJSON_CreateObject();
	h.metadata = NULL;
	lease_scrub_metadata(&c, meta);
	if (!lease_set(&l->provider_lease_id, h.provider_lease_id) ||
	    !lease_store_metadata(l, meta) || !lease_set_phase(l, NULL)) {
		st = error_set(err, ST_E_NOMEM, "out of memory");
		goto done;
	}
	if (h.expires_at) {
		lease_set(&l->expires_at, h.expires_at);
	} else if (req->ttl_seconds > 0) {
		char when[TIME_STR_LEN];

		time_format_ms(time_now_ms() + req->ttl_seconds * 1000, when);
		lease_set(&l->expires_at, when);
	}
	if ((st = store_lease_update(c.store, l, "active", err)) != ST_OK)
		goto done;
	if (out->resumed) {
		/* The earlier lease's sandbox now serves this one. */
		lease_set_now(&scan.found.last_used_at);
		store_lease_update(c.store, &scan.found, NULL, NULL);
	}
	lease_activity(c.store, req->actor, out->resumed ? "environment.lease_resumed"
							: "environment.lease_acquired",
		       l, c.env.name, out->note);
done:
	cJSON_Delete(meta);
	lease_handle_free(&h);
	store_lease_clear(&scan.found);
	lease_ctx_clear(&c);
	if (st != ST_OK)
		lease_acquire_result_clear(out);
	return st;
}

/* ------------------------------------------------------------ resume */

Status lease_resume(App *app, const char *lease_id, const char *actor, StoreLease *out,
		    Error *err)
{
	LeaseCtx c;
	LeaseHandle h;
	LeaseInput in;
	cJSON *meta = NULL, *stored_meta = NULL;
	Store *s;
	Status st;

	memset(out, 0, sizeof *out);
	memset(&h, 0, sizeof h);
	if (app_check_writable(app, "resuming a lease", err) != ST_OK)
		return err->status;
	if (app_store(app, &s, err) != ST_OK || store_lease_get(s, lease_id, out, err) != ST_OK)
		return err->status;
	if (!out->provider_lease_id || lease_is_destroyed(out))
		return error_set(err, ST_E_CONFLICT,
				 "lease %s has no sandbox to resume (it was %s)", lease_id,
				 out->provider_lease_id ? "destroyed" : "never acquired");
	if (out->phase)
		return error_set(err, ST_E_CONFLICT, "lease %s is busy (%s); try again or run `envctl lease sweep`",
				 lease_id, out->phase);
	if (lease_ctx_load(app, out->environment_id, "lease.resume", lease_id,
			   out->heartbeat_run_id, &c, err) != ST_OK)
		return err->status;
	stored_meta = lease_metadata(out);
	in = (LeaseInput){ .config = c.rt.config, .environment_id = c.env.id,
			   .provider_lease_id = out->provider_lease_id, .lease_metadata = stored_meta };
	st = c.provider->ops->resume_lease
		     ? c.provider->ops->resume_lease(c.provider, &in, &h, err)
		     : error_set(err, ST_E_UNSUPPORTED, "provider \"%s\" cannot resume leases",
				 c.provider->key);
	if (st != ST_OK) {
		lease_scrub_error(&c, err);
		goto done;
	}
	if (!h.provider_lease_id || !h.provider_lease_id[0]) {
		st = error_set(err, ST_E_NOT_FOUND,
			       "provider \"%s\" no longer has sandbox %s; acquire a new lease",
			       c.provider->key, out->provider_lease_id);
		goto done;
	}
	meta = h.metadata ? h.metadata : cJSON_CreateObject();
	h.metadata = NULL;
	lease_scrub_metadata(&c, meta);
	{
		char *expected = strdup(out->status);

		if (!expected || !lease_set(&out->status, "active") ||
		    !lease_set(&out->provider_lease_id, h.provider_lease_id) ||
		    !lease_store_metadata(out, meta) || !lease_set_now(&out->last_used_at) ||
		    !lease_set(&out->released_at, NULL)) {
			free(expected);
			st = error_set(err, ST_E_NOMEM, "out of memory");
			goto done;
		}
		st = store_lease_update(c.store, out, expected, err);
		free(expected);
	}
	if (st == ST_OK)
		lease_activity(c.store, actor, "environment.lease_resumed", out, c.env.name, NULL);
done:
	cJSON_Delete(meta);
	cJSON_Delete(stored_meta);
	lease_handle_free(&h);
	lease_ctx_clear(&c);
	if (st != ST_OK)
		store_lease_clear(out);
	return st;
}

/* ------------------------------------------------------------ release / destroy */

/* Claims the lease for a provider call: in one write transaction, checks
 * it is in a state the action accepts and records the intent. A second
 * console doing the same sees the claim and gets ST_E_CONFLICT. */
static Status lease_claim(Store *s, const char *lease_id, const char *phase, bool need_active,
			  StoreLease *l, Error *err)
{
	Status st;

	if ((st = store_begin(s, err)) != ST_OK)
		return st;
	if ((st = store_lease_get(s, lease_id, l, err)) != ST_OK)
		goto fail;
	if (need_active && strcmp(l->status, "active") != 0) {
		st = error_set(err, ST_E_CONFLICT, "lease %s is already %s", lease_id, l->status);
		goto fail;
	}
	if (!need_active && lease_is_destroyed(l)) {
		st = error_set(err, ST_E_CONFLICT, "lease %s is already destroyed", lease_id);
		goto fail;
	}
	if (l->phase) {
		st = error_set(err, ST_E_CONFLICT,
			       "lease %s is busy in another console (%s); wait, or run `envctl lease sweep` if that console died",
			       lease_id, l->phase);
		goto fail;
	}
	if (!lease_set_phase(l, phase)) {
		st = error_set(err, ST_E_NOMEM, "out of memory");
		goto fail;
	}
	if ((st = store_lease_update(s, l, l->status, err)) != ST_OK)
		goto fail;
	return store_commit(s, err);
fail:
	store_rollback(s);
	store_lease_clear(l);
	return st;
}

static void lease_cleanup_failed(StoreLease *l, const char *why)
{
	char next[TIME_STR_LEN];

	l->cleanup_attempts++;
	time_format_ms(time_now_ms() + ((int64_t)LEASE_CLEANUP_BACKOFF_MS << (l->cleanup_attempts - 1)),
		       next);
	lease_set(&l->cleanup_status, "failed");
	lease_set(&l->next_cleanup_at, next);
	if (why)
		lease_set(&l->failure_reason, why);
}

/* The provider half of release/destroy, shared by the actions and the
 * sweep's retries. On return l holds the outcome (not yet written). */
static Status lease_provider_cleanup(App *app, StoreLease *l, bool destroy, const char *status,
				     Error *err)
{
	LeaseCtx c;
	LeaseInput in;
	cJSON *meta;
	Status st;

	if (lease_ctx_load(app, l->environment_id, destroy ? "lease.destroy" : "lease.release", l->id,
			   l->heartbeat_run_id, &c, err) != ST_OK) {
		lease_cleanup_failed(l, NULL);
		return err->status;
	}
	meta = lease_metadata(l);
	in = (LeaseInput){ .config = c.rt.config, .environment_id = c.env.id,
			   .provider_lease_id = l->provider_lease_id, .lease_metadata = meta,
			   .status = status };
	{
		Status (*op)(Provider *, const LeaseInput *, Error *) =
			destroy ? c.provider->ops->destroy_lease : c.provider->ops->release_lease;

		/* A provider without the operation keeps nothing to clean up. */
		st = op ? op(c.provider, &in, err) : ST_OK;
	}
	lease_crash_point(destroy ? "destroy:provider" : "release:provider");
	if (st != ST_OK) {
		lease_scrub_error(&c, err);
		lease_cleanup_failed(l, NULL);
	} else {
		lease_set(&l->cleanup_status, "success");
		lease_set(&l->next_cleanup_at, NULL);
		if (destroy) {
			char now[TIME_STR_LEN];

			time_now_iso(now);
			json_set_string(meta, LEASE_DESTROYED_KEY, now);
			lease_store_metadata(l, meta);
		}
	}
	cJSON_Delete(meta);
	lease_ctx_clear(&c);
	return st;
}

static void lease_finish_status(StoreLease *l, const char *requested, const char *reason)
{
	const char *final = lease_rules_final_status(l->lease_policy, requested);

	lease_set(&l->status, final);
	if (lease_rules_sets_released_at(final))
		lease_set_now(&l->released_at);
	if (strcmp(requested, "failed") == 0)
		lease_set(&l->failure_reason, reason && reason[0] ? reason : "released as failed");
}

static Status lease_release_or_destroy(App *app, const char *lease_id, bool destroy,
				       const char *status, const char *reason, const char *actor,
				       StoreLease *out, Error *err)
{
	Store *s;
	Error perr;
	Status st, pst;
	char *claimed_status;
	StoreEnv env;

	memset(out, 0, sizeof *out);
	memset(&env, 0, sizeof env);
	if (app_check_writable(app, destroy ? "destroying a lease" : "releasing a lease", err) != ST_OK)
		return err->status;
	if (!destroy && !lease_rules_release_status_valid(status))
		return error_set(err, ST_E_USAGE,
				 "release status \"%s\" is not one of released, expired, failed",
				 status ? status : "");
	if (app_store(app, &s, err) != ST_OK)
		return err->status;
	if ((st = lease_claim(s, lease_id, destroy ? "destroying" : "releasing", !destroy, out,
			      err)) != ST_OK)
		return st;
	lease_crash_point(destroy ? "destroy:intent" : "release:intent");
	claimed_status = strdup(out->status);
	error_clear(&perr);
	if (!destroy && strcmp(lease_rules_final_status(out->lease_policy, status), "retained") == 0)
		pst = ST_OK; /* retained: the sandbox stays for inspection */
	else
		pst = lease_provider_cleanup(app, out, destroy, destroy ? "released" : status, &perr);
	if (!destroy)
		lease_finish_status(out, status, reason);
	else if (strcmp(out->status, "active") == 0)
		lease_finish_status(out, "released", NULL);
	lease_set_phase(out, NULL);
	st = store_lease_update(s, out, claimed_status, err);
	free(claimed_status);
	if (st != ST_OK)
		return st;
	if (store_env_get(s, out->environment_id, &env, NULL) != ST_OK)
		env.name = NULL;
	lease_activity(s, actor, destroy ? "environment.lease_destroyed" : "environment.lease_released",
		       out, env.name, pst == ST_OK ? NULL : perr.msg);
	store_env_clear(&env);
	if (pst != ST_OK) {
		error_set(err, pst,
			  "lease %s is %s, but the provider's cleanup failed: %s; `envctl lease sweep` will retry",
			  lease_id, out->status, perr.msg);
		store_lease_clear(out);
		return pst;
	}
	return ST_OK;
}

Status lease_release(App *app, const char *lease_id, const char *status, const char *reason,
		     const char *actor, StoreLease *out, Error *err)
{
	return lease_release_or_destroy(app, lease_id, false, status ? status : "released", reason,
					actor, out, err);
}

Status lease_destroy(App *app, const char *lease_id, const char *actor, StoreLease *out,
		     Error *err)
{
	return lease_release_or_destroy(app, lease_id, true, NULL, NULL, actor, out, err);
}

/* ------------------------------------------------------------ sweep */

typedef struct SweepList {
	StoreLease *items;
	size_t count, cap;
} SweepList;

static bool lease_sweep_collect(const StoreLease *row, void *ctx)
{
	SweepList *list = ctx;

	if (!array_reserve(&list->items, &list->cap, list->count, sizeof *list->items))
		return false;
	if (store_lease_copy(row, &list->items[list->count], NULL) != ST_OK)
		return false;
	list->count++;
	return true;
}

static void lease_sweep_list_free(SweepList *list)
{
	for (size_t i = 0; i < list->count; i++)
		store_lease_clear(&list->items[i]);
	free(list->items);
	memset(list, 0, sizeof *list);
}

/* ------------------------------------------------------------ per environment */

typedef struct HoldingScan {
	SweepList *list;
	long count;
} HoldingScan;

static bool lease_holds_sandbox(const StoreLease *l)
{
	if (lease_is_destroyed(l))
		return false;
	if (strcmp(l->status, "active") == 0 || strcmp(l->status, "retained") == 0)
		return true;
	return l->cleanup_status && strcmp(l->cleanup_status, "success") != 0;
}

static bool lease_holding_visit(const StoreLease *row, void *ctx)
{
	HoldingScan *h = ctx;

	if (!lease_holds_sandbox(row))
		return true;
	h->count++;
	return !h->list || lease_sweep_collect(row, h->list);
}

Status lease_count_holding(App *app, const char *environment_id, long *count, Error *err)
{
	StoreLeaseFilter f;
	HoldingScan h = { NULL, 0 };
	Store *s;

	*count = 0;
	memset(&f, 0, sizeof f);
	f.environment_id = environment_id;
	if (app_store(app, &s, err) != ST_OK ||
	    store_lease_each(s, &f, lease_holding_visit, &h, err) != ST_OK)
		return err->status;
	*count = h.count;
	return ST_OK;
}

Status lease_destroy_for_env(App *app, const char *environment_id, long *count, Error *err)
{
	SweepList list = { 0 };
	HoldingScan h = { &list, 0 };
	StoreLeaseFilter f;
	Store *s;
	Status st = ST_OK;

	*count = 0;
	memset(&f, 0, sizeof f);
	f.environment_id = environment_id;
	if (app_store(app, &s, err) != ST_OK ||
	    store_lease_each(s, &f, lease_holding_visit, &h, err) != ST_OK)
		return err->status;
	for (size_t i = 0; i < list.count && st == ST_OK; i++) {
		StoreLease done;
		Error e;

		error_clear(&e);
		st = lease_destroy(app, list.items[i].id, app_actor(app), &done, &e);
		if (st == ST_OK) {
			(*count)++;
			store_lease_clear(&done);
		} else {
			error_set(err, st, "could not destroy lease %s: %s", list.items[i].id, e.msg);
		}
	}
	lease_sweep_list_free(&list);
	return st;
}

/* A lease whose acquire was cut short: the provider may or may not have
 * made a sandbox, and without its id nothing can be released. */
static void lease_sweep_reconcile(App *app, Store *s, StoreLease *l, const char *actor,
				  LeaseSweepReport *r)
{
	char *was = strdup(l->status);
	Error perr;

	if (!was)
		return;
	if (lease_phase_is(l, "acquiring")) {
		/* The provider may have made a sandbox we never heard of: ask it
		 * to destroy whatever it made for this lease id. Until that
		 * succeeds the row stays a pending cleanup, retried like any. */
		lease_set(&l->status, "failed");
		lease_set_now(&l->released_at);
		error_clear(&perr);
		lease_provider_cleanup(app, l, true, "failed", &perr);
		lease_set(&l->failure_reason,
			  "envctl stopped while the provider was acquiring this lease; it was never handed out");
	} else {
		bool destroy = lease_phase_is(l, "destroying");

		error_clear(&perr);
		lease_provider_cleanup(app, l, destroy, "released", &perr);
		if (strcmp(l->status, "active") == 0)
			lease_finish_status(l, "released", NULL);
	}
	lease_set(&l->phase, NULL);
	if (store_lease_update(s, l, was, NULL) == ST_OK) {
		r->reconciled++;
		lease_activity(s, actor, "environment.lease_reconciled", l, NULL, l->failure_reason);
	}
	free(was);
}

Status lease_sweep(App *app, const char *actor, LeaseSweepReport *out, Error *err)
{
	char now[TIME_STR_LEN];
	SweepList list = { 0 };
	StoreLeaseFilter f;
	Store *s;
	Status st;
	int64_t now_ms = time_now_ms();

	memset(out, 0, sizeof *out);
	if (app_check_writable(app, "the sweep", err) != ST_OK)
		return err->status;
	if (app_store(app, &s, err) != ST_OK)
		return err->status;
	time_format_ms(now_ms, now);

	/* 1. Rows caught mid-call by a crash. */
	memset(&f, 0, sizeof f);
	f.status = "active";
	if ((st = store_lease_each(s, &f, lease_sweep_collect, &list, err)) != ST_OK)
		goto done;
	for (size_t i = 0; i < list.count; i++)
		if (lease_phase_stale(&list.items[i], now_ms))
			lease_sweep_reconcile(app, s, &list.items[i], actor, out);
	lease_sweep_list_free(&list);

	/* 2. Active leases past their expiry. */
	memset(&f, 0, sizeof f);
	f.status = "active";
	f.expires_before = now;
	if ((st = store_lease_each(s, &f, lease_sweep_collect, &list, err)) != ST_OK)
		goto done;
	for (size_t i = 0; i < list.count; i++) {
		StoreLease done_lease;
		Error e;

		if (lease_release(app, list.items[i].id, "expired", NULL, actor, &done_lease, &e) ==
		    ST_OK || e.status != ST_E_CONFLICT)
			out->expired++;
		store_lease_clear(&done_lease);
	}
	lease_sweep_list_free(&list);

	/* 3. Cleanups that failed and are due for another try. */
	memset(&f, 0, sizeof f);
	f.cleanup_due_at = now;
	if ((st = store_lease_each(s, &f, lease_sweep_collect, &list, err)) != ST_OK)
		goto done;
	for (size_t i = 0; i < list.count; i++) {
		StoreLease *l = &list.items[i];
		bool destroy;
		Error perr;

		if (l->phase || l->cleanup_attempts >= LEASE_CLEANUP_MAX_ATTEMPTS)
			continue;
		destroy = lease_is_destroyed(l);
		out->cleanup_retried++;
		if (lease_provider_cleanup(app, l, destroy, l->status, &perr) == ST_OK)
			out->cleanup_fixed++;
		else if (l->cleanup_attempts >= LEASE_CLEANUP_MAX_ATTEMPTS)
			out->cleanup_gave_up++;
		if (store_lease_update(s, l, l->status, NULL) == ST_OK)
			lease_activity(s, actor, "environment.lease_cleanup_retried", l, NULL,
				       strcmp(l->cleanup_status, "success") == 0 ? "cleanup succeeded"
										 : perr.msg);
	}
	st = ST_OK;
done:
	lease_sweep_list_free(&list);
	return st;
}

/* ------------------------------------------------------------ execute */

/* The prologue of the actions that work inside a live sandbox: the lease
 * must be active and not destroyed; its environment's config is resolved
 * for the call. On failure nothing is left to free. */
static Status lease_open_active(App *app, const char *lease_id, const char *what,
				const char *consumer, StoreLease *l, LeaseCtx *c, Error *err)
{
	Store *s;
	Status st;

	memset(l, 0, sizeof *l);
	if (app_check_writable(app, what, err) != ST_OK)
		return err->status;
	if (app_store(app, &s, err) != ST_OK || store_lease_get(s, lease_id, l, err) != ST_OK)
		return err->status;
	if (strcmp(l->status, "active") != 0 || lease_is_destroyed(l)) {
		st = error_set(err, ST_E_CONFLICT, "lease %s is %s; acquire or resume a lease first",
			       lease_id, lease_is_destroyed(l) ? "destroyed" : l->status);
		store_lease_clear(l);
		return st;
	}
	if (lease_ctx_load(app, l->environment_id, consumer, l->id, l->heartbeat_run_id, c, err) !=
	    ST_OK) {
		store_lease_clear(l);
		return err->status;
	}
	return ST_OK;
}

Status lease_exec(App *app, const LeaseExecRequest *req, ExecResult *out, Error *err)
{
	StoreLease l;
	LeaseCtx c;
	ExecInput in;
	cJSON *meta;
	Store *s;
	Status st;

	memset(out, 0, sizeof *out);
	if (lease_open_active(app, req->lease_id, "executing in a lease", "lease.execute", &l, &c,
			      err) != ST_OK)
		return err->status;
	s = c.store;
	if (!c.provider->ops->execute) {
		if (c.provider->caps & PROVIDER_CAP_TEST_ONLY)
			st = error_set(err, ST_E_UNSUPPORTED, "The fake sandbox provider cannot execute runs.");
		else
			st = error_set(err, ST_E_UNSUPPORTED, "provider \"%s\" does not support execute",
				       c.provider->key);
		goto done;
	}
	meta = lease_metadata(&l);
	in = (ExecInput){ .config = c.rt.config, .environment_id = c.env.id,
			  .provider_lease_id = l.provider_lease_id, .lease_metadata = meta,
			  .command = req->command, .args = req->args, .cwd = req->cwd,
			  .stdin_data = req->stdin_data, .timeout_ms = req->timeout_ms };
	st = c.provider->ops->execute(c.provider, &in, out, err);
	cJSON_Delete(meta);
	if (st != ST_OK) {
		lease_scrub_error(&c, err);
		goto done;
	}
	out->out = redact_string(out->out, c.rt.secrets);
	out->err = redact_string(out->err, c.rt.secrets);
	lease_set_now(&l.last_used_at);
	store_lease_update(s, &l, "active", NULL);
done:
	lease_ctx_clear(&c);
	store_lease_clear(&l);
	return st;
}

/* ------------------------------------------------------------ workspace */

Status lease_realize_workspace(App *app, const char *lease_id, const cJSON *workspace,
			       cJSON **out, Error *err)
{
	StoreLease l;
	LeaseCtx c;
	LeaseInput in;
	cJSON *meta;
	Status st;

	*out = NULL;
	if (lease_open_active(app, lease_id, "realizing a workspace", "lease.workspace", &l, &c,
			      err) != ST_OK)
		return err->status;
	if (!c.provider->ops->realize_workspace ||
	    !(c.provider->caps & PROVIDER_CAP_REALIZE_WORKSPACE)) {
		st = error_set(err, ST_E_UNSUPPORTED, "provider \"%s\" cannot realize workspaces",
			       c.provider->key);
		goto done;
	}
	meta = lease_metadata(&l);
	in = (LeaseInput){ .config = c.rt.config, .environment_id = c.env.id,
			   .provider_lease_id = l.provider_lease_id, .lease_metadata = meta };
	st = c.provider->ops->realize_workspace(c.provider, &in, workspace, out, err);
	cJSON_Delete(meta);
	if (st != ST_OK)
		lease_scrub_error(&c, err);
	else
		redact_json(*out, c.rt.secrets);
done:
	lease_ctx_clear(&c);
	store_lease_clear(&l);
	return st;
}

/* ------------------------------------------------------------ JSON */

static void lease_json_str(cJSON *o, const char *key, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

cJSON *lease_to_json(const StoreLease *l)
{
	cJSON *o = cJSON_CreateObject();
	cJSON *meta;

	if (!o)
		return NULL;
	lease_json_str(o, "id", l->id);
	lease_json_str(o, "environmentId", l->environment_id);
	lease_json_str(o, "heartbeatRunId", l->heartbeat_run_id);
	lease_json_str(o, "issueId", l->issue_id);
	lease_json_str(o, "status", l->status);
	lease_json_str(o, "leasePolicy", l->lease_policy);
	lease_json_str(o, "provider", l->provider);
	lease_json_str(o, "providerLeaseId", l->provider_lease_id);
	lease_json_str(o, "acquiredAt", l->acquired_at);
	lease_json_str(o, "lastUsedAt", l->last_used_at);
	lease_json_str(o, "expiresAt", l->expires_at);
	lease_json_str(o, "releasedAt", l->released_at);
	lease_json_str(o, "failureReason", l->failure_reason);
	lease_json_str(o, "cleanupStatus", l->cleanup_status);
	lease_json_str(o, "phase", l->phase);
	meta = l->metadata_json ? cJSON_Parse(l->metadata_json) : NULL;
	cJSON_AddItemToObject(o, "metadata", meta ? meta : cJSON_CreateObject());
	return o;
}
