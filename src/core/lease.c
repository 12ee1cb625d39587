#include "core/lease.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "core/env_plugin.h"
#include "core/environment.h"
#include "core/lease_reuse.h"
#include "core/private.h"
#include "core/runtime.h"
#include "util/lib.h"

#define LEASE_DESTROYED_KEY LEASE_KEY_DESTROYED
#define LEASE_RESUMING_KEY LEASE_KEY_RESUMING
#define LEASE_HANDED_KEY LEASE_KEY_HANDED
#define LEASE_ID_KEY "envctlLeaseId"
/* Where `lease workspace` realized the workspace: exec's default cwd. */
#define LEASE_WORKSPACE_KEY "envctlWorkspaceCwd"
#define LEASE_REUSE_SCAN 50
/* A phase older than this is stale even if its pid looks alive (pids are
 * reused). Longer than any provider call may take. */
#define LEASE_STALE_PHASE_MS (15L * 60 * 1000)

/* Test hook: when ENVCTL_CRASH_AT names this point, the process kills
 * itself with SIGKILL there — how the crash-injection tests stop envctl
 * between a provider call and the write of its outcome. */
static void lease_crash_point(const char *name)
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

/* The intent names its owner: the pid on this host and, where the store
 * has one, the session lock that outlives no crash on any machine. */
static bool lease_set_phase(const Store *s, StoreLease *l, const char *phase)
{
	char buf[96];
	const char *owner = s ? store_owner_tag(s) : "";

	if (!phase)
		return lease_set(&l->phase, NULL);
	snprintf(buf, sizeof buf, "%s pid=%ld%s%s", phase, (long)getpid(), owner[0] ? " owner=" : "",
		 owner);
	return lease_set(&l->phase, buf);
}

#define LEASE_PHASE_ABANDONED "abandoned"

/* A call cancelled mid-way (runtime_cancel) leaves its intent for the
 * sweep: the phase stays, marked abandoned. */
static void lease_mark_abandoned(Store *s, StoreLease *l, const char *expected_status)
{
	char buf[96];

	if (!l->phase)
		return;
	snprintf(buf, sizeof buf, "%s " LEASE_PHASE_ABANDONED, l->phase);
	if (lease_set(&l->phase, buf))
		store_lease_update(s, l, expected_status, NULL);
}

static bool lease_phase_is(const StoreLease *l, const char *phase)
{
	size_t n = strlen(phase);

	return l->phase && strncmp(l->phase, phase, n) == 0 && (l->phase[n] == '\0' || l->phase[n] == ' ');
}

/* A phase whose process is gone (or that is very old) was cut short by a
 * crash or a kill. */
static bool lease_phase_stale(Store *s, const StoreLease *l, int64_t now_ms)
{
	const char *pid_text = l->phase ? strstr(l->phase, "pid=") : NULL;
	const char *owner = l->phase ? strstr(l->phase, " owner=") : NULL;
	int64_t updated = time_parse_iso(l->updated_at);

	if (!l->phase)
		return false;
	if (strstr(l->phase, " " LEASE_PHASE_ABANDONED))
		return true; /* its call was cancelled: nobody finishes it but the sweep */
	if (updated >= 0 && now_ms - updated > LEASE_STALE_PHASE_MS)
		return true;
	/* An owner lock says it for any machine; a pid only for this one. */
	if (owner) {
		bool gone = false;
		Error e;

		if (store_owner_gone(s, owner + 7, &gone, &e) == ST_OK)
			return gone;
	}
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

/* The lease whose sandbox a later lease took over, or NULL (caller frees). */
static char *lease_handed_to(const StoreLease *l)
{
	cJSON *m = lease_metadata(l);
	const char *to = json_get_string(m, LEASE_HANDED_KEY);
	char *r = to ? strdup(to) : NULL;

	cJSON_Delete(m);
	return r;
}

char *lease_cleanup_unsupported(const StoreLease *l)
{
	cJSON *m = lease_metadata(l);
	const char *method = json_get_string(m, LEASE_KEY_CLEANUP_UNSUPPORTED);
	char *r = method ? strdup(method) : NULL;

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
	if (env_provider_require(app, &c->env, "acquire or release its leases", &c->provider, err) != ST_OK)
		goto fail;
	if (env_runtime_resolve(app, &c->env, consumer, lease_id, run_id, &c->rt, err) != ST_OK)
		goto fail;
	return ST_OK;
fail:
	lease_ctx_clear(c);
	return err->status;
}

/* The context without resolving any secret: for what only reads the stored
 * config (the reuse report). rt.config stays NULL. */
static Status lease_ctx_load_stored(App *app, const char *env_ref, LeaseCtx *c, Error *err)
{
	memset(c, 0, sizeof *c);
	if (app_store(app, &c->store, err) != ST_OK)
		return err->status;
	if (store_env_get(c->store, env_ref, &c->env, err) != ST_OK)
		return err->status;
	if (env_provider_require(app, &c->env, "acquire or release its leases", &c->provider, err) != ST_OK)
		goto fail;
	if (env_secret_paths(app, c->env.provider, c->env.config, &c->rt.secret_paths, err) != ST_OK)
		goto fail;
	return ST_OK;
fail:
	lease_ctx_clear(c);
	return err->status;
}

/* Provider output is stored and printed: secret plaintexts in it become
 * REDACTED, and a secret field echoed back at its own pointer becomes the
 * secret's id again, so reuse matching compares ids (DESIGN §4.1). */
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

/* Records the outcome in l and commits the transaction that holds it:
 * the record goes with the outcome, one commit for both (and on
 * PostgreSQL one round trip). */
static Status lease_activity_commit(Store *s, const char *actor, const char *action,
				    const StoreLease *l, const char *env_name, const char *note,
				    Error *err)
{
	cJSON *details = cJSON_CreateObject();
	StoreActivityNew a = {
		.actor = actor ? actor : "envctl",
		.action = action,
		.entity_type = "lease",
		.entity_id = l->id,
		.entity_name = env_name,
	};
	Status st;

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
	 * must not undo a lease the provider already acted on (on SQLite; on
	 * PostgreSQL it ends the transaction, and the intent it leaves is
	 * finished by the sweep, as after a crash). */
	a.details = details;
	st = store_activity_add_commit(s, &a, err);
	cJSON_Delete(details);
	return st;
}

/* An outcome and the activity row that records it, in one transaction:
 * one commit, and never an outcome without its record. */
static Status lease_record(Store *s, const StoreLease *l, const char *expected_status,
			   const char *actor, const char *action, const char *env_name,
			   const char *note, Error *err)
{
	Status st;

	/* An outcome: a power cut that loses it leaves the claim, which the
	 * sweep finishes (doc/DESIGN.md, "Lease writes and durability"). */
	if ((st = store_begin_relaxed(s, err)) != ST_OK)
		return st;
	if ((st = store_lease_update(s, l, expected_status, err)) != ST_OK) {
		store_rollback(s);
		return st;
	}
	return lease_activity_commit(s, actor, action, l, env_name, note, err);
}

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

/* ------------------------------------------------------------ metadata */

/* Paperclip's lease metadata: host bookkeeping, then the environment's
 * stored config (secret fields as secret ids, never values), then what the
 * provider returned, already scrubbed. The stored config is what the reuse
 * rule compares with, so it must be there whatever the provider echoes.
 * Keys in the host's envctl* namespace come only from the host. */
static cJSON *lease_compose_metadata(const LeaseCtx *c, const cJSON *host_from,
				     const cJSON *provider_meta)
{
	cJSON *m = cJSON_CreateObject();
	const cJSON *item;

	if (!m)
		return NULL;
	cJSON_ArrayForEach(item, host_from) {
		if (item->string && strncmp(item->string, "envctl", 6) == 0 &&
		    strcmp(item->string, LEASE_RESUMING_KEY) != 0 &&
		    !json_set(m, item->string, cJSON_Duplicate(item, 1)))
			goto fail;
	}
	cJSON_ArrayForEach(item, c->env.config) {
		if (!json_set(m, item->string, cJSON_Duplicate(item, 1)))
			goto fail;
	}
	cJSON_ArrayForEach(item, provider_meta) {
		if (!item->string || strncmp(item->string, "envctl", 6) == 0)
			continue;
		if (!json_set(m, item->string, cJSON_Duplicate(item, 1)))
			goto fail;
	}
	return m;
fail:
	cJSON_Delete(m);
	return NULL;
}

/* ------------------------------------------------------------ acquire */

typedef struct HolderList {
	LeaseReuseHolder *items;
	size_t count, cap;
	const char *skip_id; /* the lease asking; never its own holder */
} HolderList;

static void lease_holders_free(HolderList *h)
{
	for (size_t i = 0; i < h->count; i++) {
		free((char *)h->items[i].lease_id);
		free((char *)h->items[i].run_id);
		free((char *)h->items[i].sandbox);
	}
	free(h->items);
	memset(h, 0, sizeof *h);
}

/* The sandbox an active row holds: its provider lease id, or, while its
 * acquire is resuming one, the id it claimed. */
static bool lease_holder_visit(const StoreLease *row, void *ctx)
{
	HolderList *h = ctx;
	cJSON *meta;
	const char *sandbox = row->provider_lease_id;
	LeaseReuseHolder *it;
	bool ok;

	if (h->skip_id && strcmp(row->id, h->skip_id) == 0)
		return true;
	meta = row->metadata_json ? cJSON_Parse(row->metadata_json) : NULL;
	if (cJSON_GetObjectItemCaseSensitive(meta, LEASE_DESTROYED_KEY)) {
		cJSON_Delete(meta);
		return true;
	}
	if (!sandbox || !sandbox[0])
		sandbox = json_get_string(meta, LEASE_RESUMING_KEY);
	if (!sandbox || !sandbox[0] ||
	    !array_reserve(&h->items, &h->cap, h->count, sizeof *h->items)) {
		cJSON_Delete(meta);
		return sandbox == NULL || !sandbox[0];
	}
	it = &h->items[h->count];
	it->lease_id = strdup(row->id);
	it->run_id = row->heartbeat_run_id ? strdup(row->heartbeat_run_id) : NULL;
	it->sandbox = strdup(sandbox);
	ok = it->lease_id && it->sandbox && (!row->heartbeat_run_id || it->run_id);
	cJSON_Delete(meta);
	if (!ok) {
		free((char *)it->lease_id);
		free((char *)it->run_id);
		free((char *)it->sandbox);
		return false;
	}
	h->count++;
	return true;
}

static Status lease_collect_holders(Store *s, const char *env_id, const char *skip_id,
				    HolderList *h, Error *err)
{
	memset(h, 0, sizeof *h);
	h->skip_id = skip_id;
	return store_lease_each_active(s, env_id, lease_holder_visit, h, err);
}

typedef struct ReuseScan {
	LeaseReuseReport *report;
	Provider *provider;
	const cJSON *config;
	char *const *secret_paths;
	const char *run_id;
	const HolderList *holders;
	bool oom;
} ReuseScan;

static bool lease_reuse_visit(const StoreLease *row, void *ctx)
{
	ReuseScan *scan = ctx;

	if (!lease_reuse_consider(scan->report, scan->provider, scan->config, scan->secret_paths,
				  scan->run_id, row, scan->holders->items, scan->holders->count)) {
		scan->oom = true;
		return false;
	}
	return true;
}

/* Decides whether reuse applies and, when it does, evaluates every
 * candidate (the store's most recently used first). Run it inside the
 * transaction that records the claim, so two acquires never pick one. */
static Status lease_reuse_evaluate(LeaseCtx *c, const char *policy, const char *run_id,
				   LeaseReuseReport *r, Error *err)
{
	HolderList holders;
	ReuseScan scan;
	unsigned caps = 0;
	Error cap_err;
	Status st;

	lease_reuse_report_init(r);
	error_clear(&cap_err);
	/* A worker that cannot start fails the acquire itself, with its reason. */
	provider_capabilities(c->provider, &caps, &cap_err);
	if (!json_is_true(c->env.config, "reuseLease")) {
		snprintf(r->off_reason, sizeof r->off_reason, "the config's reuseLease is not true");
		return ST_OK;
	}
	if (!run_id || !run_id[0]) {
		snprintf(r->off_reason, sizeof r->off_reason,
			 "no run id: an operator's test lease never resumes another");
		return ST_OK;
	}
	if (!lease_policy_is(policy, POLICY_REUSE)) {
		snprintf(r->off_reason, sizeof r->off_reason, "the lease policy is %s", policy);
		return ST_OK;
	}
	if (!(caps & PROVIDER_CAP_REUSABLE_LEASES)) {
		snprintf(r->off_reason, sizeof r->off_reason,
			 "provider %s does not support reusable leases (supportsReusableLeases)",
			 c->provider->key);
		return ST_OK;
	}
	r->reuse_on = true;
	if ((st = lease_collect_holders(c->store, c->env.id, NULL, &holders, err)) != ST_OK)
		return st;
	scan = (ReuseScan){ r, c->provider, c->env.config, c->rt.secret_paths, run_id, &holders,
			    false };
	st = store_lease_reuse_candidates(c->store, c->env.id, LEASE_REUSE_SCAN, lease_reuse_visit,
					  &scan, err);
	lease_holders_free(&holders);
	if (st == ST_OK && scan.oom)
		st = error_set(err, ST_E_NOMEM, "out of memory");
	return st;
}

Status lease_why(App *app, const char *environment, const char *run_id, LeaseWhy *out,
		 Error *err)
{
	LeaseCtx c;
	const char *policy;
	Status st;

	memset(out, 0, sizeof *out);
	lease_reuse_report_init(&out->report);
	/* Reading the config needs no secret: nothing here calls the provider
	 * with it, so the stored config (secret ids) is enough. */
	if (lease_ctx_load_stored(app, environment, &c, err) != ST_OK)
		return err->status;
	policy = lease_rules_policy(c.env.config, run_id);
	st = lease_reuse_evaluate(&c, policy, run_id, &out->report, err);
	if (st == ST_OK) {
		memcpy(out->environment_id, c.env.id, sizeof out->environment_id);
		snprintf(out->environment_name, sizeof out->environment_name, "%s", c.env.name);
	}
	lease_ctx_clear(&c);
	if (st != ST_OK)
		lease_why_clear(out);
	return st;
}

void lease_why_clear(LeaseWhy *w)
{
	lease_reuse_report_clear(&w->report);
	memset(w, 0, sizeof *w);
	w->report.chosen = -1;
}

void lease_acquire_result_clear(LeaseAcquireResult *r)
{
	store_lease_clear(&r->lease);
	lease_reuse_report_clear(&r->reuse);
	memset(r, 0, sizeof *r);
	r->reuse.chosen = -1;
}

/* Other rows that still point at the sandbox l now holds stop holding it:
 * one sandbox, one live row, so a later destroy or reuse scan never acts
 * on it through a stale row. */
static void lease_hand_over(Store *s, const StoreLease *l)
{
	/* The rows a reuse scan could pick: the same horizon, through the same
	 * index, so an acquire costs the same with 10 or 1,000,000 old leases. */
	SweepList list = { 0 };

	if (store_lease_reuse_candidates(s, l->environment_id, LEASE_REUSE_SCAN,
					 lease_sweep_collect, &list, NULL) != ST_OK)
		goto done;
	for (size_t i = 0; i < list.count; i++) {
		StoreLease *o = &list.items[i];
		cJSON *meta;

		if (strcmp(o->id, l->id) == 0 || lease_status_is(o->status, LEASE_ACTIVE) ||
		    !o->provider_lease_id || strcmp(o->provider_lease_id, l->provider_lease_id) != 0)
			continue;
		meta = lease_metadata(o);
		if (cJSON_GetObjectItemCaseSensitive(meta, LEASE_DESTROYED_KEY) ||
		    cJSON_GetObjectItemCaseSensitive(meta, LEASE_HANDED_KEY)) {
			cJSON_Delete(meta);
			continue;
		}
		if (json_set_string(meta, LEASE_HANDED_KEY, l->id) && lease_store_metadata(o, meta)) {
			/* Its cleanup is the new lease's now. */
			lease_set(&o->cleanup_status, cleanup_status_text(CLEANUP_SUCCESS));
			lease_set(&o->next_cleanup_at, NULL);
			store_lease_update(s, o, o->status, NULL);
		}
		cJSON_Delete(meta);
	}
done:
	lease_sweep_list_free(&list);
}

/* The provider answered with sandbox id: in one write transaction, refuse
 * it when another run's active lease holds it (a provider that names its
 * sandbox after the environment hands the same one out again), else
 * record l as its holder. */
static Status lease_finish_acquire(Store *s, StoreLease *l, const char *run_id,
				   const char *expected_status, const char *actor,
				   const char *action, const char *env_name, const char *note,
				   Error *err)
{
	HolderList holders;
	Status st;

	/* An outcome: a power cut that loses it leaves the intent, which the
	 * sweep finishes (doc/DESIGN.md, "Lease writes and durability"). */
	if ((st = store_begin_relaxed(s, err)) != ST_OK)
		return st;
	if ((st = lease_collect_holders(s, l->environment_id, l->id, &holders, err)) != ST_OK)
		goto fail;
	for (size_t i = 0; i < holders.count; i++) {
		const LeaseReuseHolder *h = &holders.items[i];

		if (strcmp(h->sandbox, l->provider_lease_id) != 0)
			continue;
		if (run_id && h->run_id && strcmp(h->run_id, run_id) == 0)
			continue;
		st = error_set(err, ST_E_CONFLICT,
			       "the provider handed out sandbox %s, which active lease %s (run %s) holds; "
			       "release that lease first",
			       l->provider_lease_id, h->lease_id, h->run_id ? h->run_id : "(none)");
		lease_holders_free(&holders);
		goto fail;
	}
	lease_holders_free(&holders);
	if ((st = store_lease_update(s, l, expected_status, err)) != ST_OK)
		goto fail;
	lease_hand_over(s, l);
	return lease_activity_commit(s, actor, action, l, env_name, note, err);
fail:
	store_rollback(s);
	return st;
}

/* The intent, in the transaction of the reuse scan: either the same run's
 * active lease is claimed (phase "resuming") and reused as the row, or a
 * new row is inserted that names the sandbox it is about to resume. */
static Status lease_acquire_intent(LeaseCtx *c, const LeaseAcquireRequest *req,
				   const char *policy, LeaseAcquireResult *out, bool *same_row,
				   Error *err)
{
	StoreLease *l = &out->lease;
	const LeaseReuseCandidate *pick;
	cJSON *intent;
	Status st;

	*same_row = false;
	if ((st = store_begin(c->store, err)) != ST_OK)
		return st;
	if ((st = lease_reuse_evaluate(c, policy, req->run_id, &out->reuse, err)) != ST_OK)
		goto fail;
	pick = out->reuse.chosen >= 0 ? &out->reuse.items[out->reuse.chosen] : NULL;
	if (pick && lease_status_is(pick->lease.status, LEASE_ACTIVE)) {
		if ((st = store_lease_get(c->store, pick->lease.id, l, err)) != ST_OK)
			goto fail;
		if (!lease_set_phase(c->store, l, "resuming") || (req->issue_id && !lease_set(&l->issue_id, req->issue_id))) {
			st = error_set(err, ST_E_NOMEM, "out of memory");
			goto fail;
		}
		if ((st = store_lease_update(c->store, l, lease_status_text(LEASE_ACTIVE), err)) !=
		    ST_OK)
			goto fail;
		*same_row = true;
		return store_commit(c->store, err);
	}
	/* Intent first: the row exists before the provider is asked. */
	if (!lease_set(&l->status, lease_status_text(LEASE_ACTIVE)) ||
	    !lease_set(&l->lease_policy, policy) ||
	    !lease_set(&l->provider, c->provider->key) ||
	    !lease_set(&l->heartbeat_run_id, req->run_id) || !lease_set(&l->issue_id, req->issue_id) ||
	    !lease_set_phase(c->store, l, "acquiring")) {
		st = error_set(err, ST_E_NOMEM, "out of memory");
		goto fail;
	}
	memcpy(l->environment_id, c->env.id, sizeof l->environment_id);
	id_new(l->id);
	/* Until the provider answers, the only handle on the sandbox is our
	 * own id: keep it where a reconciling destroy finds it. The sandbox
	 * being resumed is named too, so no other acquire claims it. */
	intent = cJSON_CreateObject();
	if (!intent || !json_set_string(intent, LEASE_ID_KEY, l->id) ||
	    (pick && !json_set_string(intent, LEASE_RESUMING_KEY, pick->lease.provider_lease_id)) ||
	    !lease_store_metadata(l, intent)) {
		cJSON_Delete(intent);
		st = error_set(err, ST_E_NOMEM, "out of memory");
		goto fail;
	}
	cJSON_Delete(intent);
	/* Every column the store would default is set here, so l is the row
	 * as stored and later rewrites carry it: no read-back. */
	if (!lease_set_now(&l->acquired_at) || !lease_set(&l->last_used_at, l->acquired_at)) {
		st = error_set(err, ST_E_NOMEM, "out of memory");
		goto fail;
	}
	/* the insert and its commit: one round trip on PostgreSQL */
	if ((st = store_lease_insert_commit(c->store, l, err)) != ST_OK)
		store_lease_clear(l);
	return st;
fail:
	store_rollback(c->store);
	store_lease_clear(l);
	return st;
}

Status lease_acquire(App *app, const LeaseAcquireRequest *req, LeaseAcquireResult *out,
		     Error *err)
{
	LeaseCtx c;
	StoreLease *l = &out->lease;
	const LeaseReuseCandidate *pick;
	LeaseHandle h;
	AcquireInput in;
	Error resume_err;
	cJSON *meta = NULL, *composed = NULL, *pick_meta = NULL;
	const char *policy;
	bool same_row = false;
	Status st;

	memset(out, 0, sizeof *out);
	lease_reuse_report_init(&out->reuse);
	memset(&h, 0, sizeof h);
	if (app_check_writable(app, "acquire a lease", err) != ST_OK)
		return err->status;
	if (lease_ctx_load(app, req->environment, "lease.acquire", NULL, req->run_id, &c, err) !=
	    ST_OK)
		return err->status;
	if (!env_status_is(c.env.status, ENV_ACTIVE)) {
		st = error_set(err, ST_E_CONFLICT,
			       "environment \"%s\" is %s; restore it before acquiring a lease (A in "
			       "the console, envctl env unarchive)",
			       c.env.name, c.env.status);
		goto done;
	}
	policy = req->retain_on_failure ? lease_policy_text(POLICY_RETAIN)
					: lease_rules_policy(c.env.config, req->run_id);
	if ((st = lease_acquire_intent(&c, req, policy, out, &same_row, err)) != ST_OK)
		goto done;
	pick = out->reuse.chosen >= 0 ? &out->reuse.items[out->reuse.chosen] : NULL;
	lease_crash_point("acquire:intent");

	/* The run's own lease resumed in place keeps its issue unless told. */
	in = (AcquireInput){ c.rt.config, c.env.id, req->run_id,
			     req->issue_id ? req->issue_id : same_row ? l->issue_id : NULL, l->id };
	if (pick)
		pick_meta = lease_metadata(&pick->lease);
	error_clear(&resume_err);
	st = lease_rules_acquire(c.provider, &in, pick ? pick->lease.provider_lease_id : NULL,
				 pick_meta, &h, &out->resumed, &resume_err, err);
	lease_crash_point("acquire:provider");
	if (st != ST_OK && runtime_cancelled()) {
		lease_scrub_error(&c, err);
		lease_mark_abandoned(c.store, l, lease_status_text(LEASE_ACTIVE));
		error_set(err, err->status, "acquire of lease %s cancelled; `envctl lease sweep` "
			  "finishes it", l->id);
		goto done;
	}
	if (st != ST_OK || !h.provider_lease_id || !h.provider_lease_id[0]) {
		if (st == ST_OK)
			st = error_set(err, ST_E_PROVIDER,
				       "provider \"%s\" returned no lease id for environment \"%s\"",
				       c.provider->key, c.env.name);
		lease_scrub_error(&c, err);
		lease_set_phase(NULL, l, NULL);
		if (same_row) {
			/* The run's own lease stays as it was: only the resume failed. */
			store_lease_update(c.store, l, lease_status_text(LEASE_ACTIVE), NULL);
			goto done;
		}
		/* The provider said no: the row records the failure, nothing leaks. */
		lease_set(&l->status, lease_status_text(LEASE_FAILED));
		lease_set(&l->failure_reason, err->msg);
		lease_set_now(&l->released_at);
		lease_set(&l->cleanup_status, cleanup_status_text(CLEANUP_SUCCESS));
		store_lease_update(c.store, l, lease_status_text(LEASE_ACTIVE), NULL);
		goto done;
	}
	if (resume_err.status != ST_OK) {
		lease_scrub_error(&c, &resume_err);
		snprintf(out->note, sizeof out->note,
			 "resume of %s failed (%s); a fresh sandbox was acquired",
			 pick->lease.provider_lease_id, resume_err.msg);
	} else if (pick && !out->resumed) {
		snprintf(out->note, sizeof out->note,
			 "sandbox %s is gone at the provider; a fresh one was acquired",
			 pick->lease.provider_lease_id);
	} else if (!out->resumed && out->reuse.reuse_on && out->reuse.count > 0) {
		/* Reuse was on and nothing was resumed: say why, in one line. */
		lease_reuse_summary(&out->reuse, out->note, sizeof out->note);
	}
	meta = h.metadata ? h.metadata : cJSON_CreateObject();
	h.metadata = NULL;
	lease_scrub_metadata(&c, meta);
	{
		cJSON *host = lease_metadata(l);

		composed = lease_compose_metadata(&c, host, meta);
		cJSON_Delete(host);
	}
	if (!composed || !lease_set(&l->provider_lease_id, h.provider_lease_id) ||
	    !lease_store_metadata(l, composed) || !lease_set_phase(NULL, l, NULL) ||
	    (same_row && !lease_set_now(&l->last_used_at))) {
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
	if ((st = lease_finish_acquire(c.store, l, req->run_id, lease_status_text(LEASE_ACTIVE),
				       req->actor,
				       out->resumed ? "environment.lease_resumed"
						    : "environment.lease_acquired",
				       c.env.name, out->note, err)) != ST_OK) {
		if (st == ST_E_CONFLICT && !same_row) {
			/* Not ours to release: the sandbox is the other lease's. */
			lease_set(&l->status, lease_status_text(LEASE_FAILED));
			lease_set(&l->failure_reason, err->msg);
			lease_set_now(&l->released_at);
			lease_set(&l->cleanup_status, cleanup_status_text(CLEANUP_SUCCESS));
			lease_set(&l->provider_lease_id, NULL);
			{
				cJSON *host = cJSON_CreateObject();

				if (host && json_set_string(host, LEASE_ID_KEY, l->id))
					lease_store_metadata(l, host);
				cJSON_Delete(host);
			}
			store_lease_update(c.store, l, lease_status_text(LEASE_ACTIVE), NULL);
		}
		goto done;
	}
	lease_crash_point("acquire:outcome");
done:
	cJSON_Delete(meta);
	cJSON_Delete(composed);
	cJSON_Delete(pick_meta);
	lease_handle_clear(&h);
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
	if (app_check_writable(app, "resume a lease", err) != ST_OK)
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
	{
		char *handed = lease_handed_to(out);

		if (handed) {
			st = error_set(err, ST_E_CONFLICT,
				       "lease %s gave its sandbox to lease %s; resume that one", lease_id,
				       handed);
			free(handed);
			store_lease_clear(out);
			return st;
		}
	}
	if (lease_ctx_load(app, out->environment_id, "lease.resume", lease_id,
			   out->heartbeat_run_id, &c, err) != ST_OK)
		return err->status;
	stored_meta = lease_metadata(out);
	in = (LeaseInput){ .config = c.rt.config, .environment_id = c.env.id,
			   .issue_id = out->issue_id, .provider_lease_id = out->provider_lease_id,
			   .lease_metadata = stored_meta };
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
		cJSON *composed = lease_compose_metadata(&c, stored_meta, meta);

		if (!expected || !composed ||
		    !lease_set(&out->status, lease_status_text(LEASE_ACTIVE)) ||
		    !lease_set(&out->provider_lease_id, h.provider_lease_id) ||
		    !lease_store_metadata(out, composed) || !lease_set_now(&out->last_used_at) ||
		    !lease_set(&out->released_at, NULL)) {
			free(expected);
			cJSON_Delete(composed);
			st = error_set(err, ST_E_NOMEM, "out of memory");
			goto done;
		}
		cJSON_Delete(composed);
		/* Two runs never hold one sandbox: the check and the write
		 * are one transaction (lease_finish_acquire). */
		st = lease_finish_acquire(c.store, out, out->heartbeat_run_id, expected, actor,
					  "environment.lease_resumed", c.env.name, NULL, err);
		free(expected);
	}
done:
	cJSON_Delete(meta);
	cJSON_Delete(stored_meta);
	lease_handle_clear(&h);
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
	if (need_active && !lease_status_is(l->status, LEASE_ACTIVE)) {
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
	if (!lease_set_phase(s, l, phase)) {
		st = error_set(err, ST_E_NOMEM, "out of memory");
		goto fail;
	}
	/* The sweep finds cut-short intents among active leases; a lease that
	 * is no longer active is found through its due cleanup instead, so
	 * the intent says one is due now (the outcome sets the real state). */
	if (!lease_status_is(l->status, LEASE_ACTIVE) &&
	    (!lease_set(&l->cleanup_status, cleanup_status_text(CLEANUP_PENDING)) ||
	     !lease_set_now(&l->next_cleanup_at))) {
		st = error_set(err, ST_E_NOMEM, "out of memory");
		goto fail;
	}
	if ((st = store_lease_update_commit(s, l, l->status, err)) != ST_OK)
		store_lease_clear(l);
	return st;
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
	lease_set(&l->cleanup_status, cleanup_status_text(CLEANUP_FAILED));
	lease_set(&l->next_cleanup_at, next);
	if (why)
		lease_set(&l->failure_reason, why);
}

/* The provider half of release/destroy, shared by the actions and the
 * sweep's retries. On return l holds the outcome (not yet written) and,
 * when env_name is given, *env_name the environment's name for the record
 * (a copy, or NULL when the environment could not be loaded). */
static Status lease_provider_cleanup(App *app, StoreLease *l, bool destroy, const char *status,
				     char **env_name, Error *err)
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
	if (env_name)
		*env_name = strdup(c.env.name); /* NULL on OOM: the record goes without it */
	meta = lease_metadata(l);
	in = (LeaseInput){ .config = c.rt.config, .environment_id = c.env.id,
			   .issue_id = l->issue_id, .provider_lease_id = l->provider_lease_id,
			   .lease_metadata = meta, .status = status };
	{
		Status (*op)(Provider *, const LeaseInput *, Error *) =
			destroy ? c.provider->ops->destroy_lease : c.provider->ops->release_lease;

		/* A provider without the operation keeps nothing to clean up. */
		st = op ? op(c.provider, &in, err) : ST_OK;
	}
	lease_crash_point(destroy ? "destroy:provider" : "release:provider");
	if (st == ST_E_UNSUPPORTED) {
		/* Nothing to retry and nothing done: neither "success" nor a
		 * failure the sweep would retry; err keeps which method. */
		lease_set(&l->cleanup_status, NULL);
		lease_set(&l->next_cleanup_at, NULL);
		json_set_string(meta, LEASE_KEY_CLEANUP_UNSUPPORTED,
				destroy ? "environmentDestroyLease" : "environmentReleaseLease");
		lease_store_metadata(l, meta);
	} else if (st != ST_OK) {
		lease_scrub_error(&c, err);
		lease_cleanup_failed(l, NULL);
	} else {
		lease_set(&l->cleanup_status, cleanup_status_text(CLEANUP_SUCCESS));
		lease_set(&l->next_cleanup_at, NULL);
		if (cJSON_GetObjectItemCaseSensitive(meta, LEASE_KEY_CLEANUP_UNSUPPORTED)) {
			cJSON_DeleteItemFromObjectCaseSensitive(meta, LEASE_KEY_CLEANUP_UNSUPPORTED);
			lease_store_metadata(l, meta);
		}
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
	if (lease_status_is(requested, LEASE_FAILED))
		lease_set(&l->failure_reason, reason && reason[0] ? reason : "released as failed");
}

static Status lease_release_or_destroy(App *app, const char *lease_id, bool destroy,
				       const char *status, const char *reason, const char *actor,
				       StoreLease *out, Error *err)
{
	Store *s;
	Error perr;
	Status st, pst;
	char *claimed_status, *env_name = NULL;
	StoreEnv env;

	memset(out, 0, sizeof *out);
	memset(&env, 0, sizeof env);
	if (app_check_writable(app, destroy ? "destroy a lease" : "release a lease", err) != ST_OK)
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
	if (!destroy &&
	    lease_status_is(lease_rules_final_status(out->lease_policy, status), LEASE_RETAINED))
		pst = ST_OK; /* retained: the sandbox stays for inspection */
	else
		pst = lease_provider_cleanup(app, out, destroy,
					     destroy ? lease_status_text(LEASE_RELEASED) : status,
					     &env_name, &perr);
	if (pst != ST_OK && runtime_cancelled()) {
		lease_mark_abandoned(s, out, claimed_status);
		free(claimed_status);
		free(env_name);
		error_set(err, pst, "%s of lease %s cancelled; `envctl lease sweep` finishes it",
			  destroy ? "destroy" : "release", lease_id);
		store_lease_clear(out);
		return pst;
	}
	if (!destroy)
		lease_finish_status(out, status, reason);
	else if (lease_status_is(out->status, LEASE_ACTIVE))
		lease_finish_status(out, lease_status_text(LEASE_RELEASED), NULL);
	lease_set_phase(NULL, out, NULL);
	/* The environment's name for the record (the lease row does not hold
	 * it): the provider call loaded it; a retained lease made no call. */
	if (!env_name && store_env_get(s, out->environment_id, &env, NULL) == ST_OK)
		env_name = env.name, env.name = NULL;
	st = lease_record(s, out, claimed_status, actor,
			  destroy ? "environment.lease_destroyed" : "environment.lease_released",
			  env_name, pst == ST_OK ? NULL : perr.msg, err);
	free(claimed_status);
	free(env_name);
	store_env_clear(&env);
	if (st != ST_OK) {
		store_lease_clear(out);
		return st;
	}
	lease_crash_point(destroy ? "destroy:outcome" : "release:outcome");
	if (pst == ST_E_UNSUPPORTED)
		pst = ST_OK; /* reported by LEASE_KEY_CLEANUP_UNSUPPORTED */
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
	return lease_release_or_destroy(app, lease_id, false,
					status ? status : lease_status_text(LEASE_RELEASED), reason,
					actor, out, err);
}

Status lease_destroy(App *app, const char *lease_id, const char *actor, StoreLease *out,
		     Error *err)
{
	return lease_release_or_destroy(app, lease_id, true, NULL, NULL, actor, out, err);
}

/* ------------------------------------------------------------ sweep */

/* ------------------------------------------------------------ per environment */

typedef struct HoldingScan {
	SweepList *list;
	long count;
} HoldingScan;

static bool lease_holds_sandbox(const StoreLease *l)
{
	char *handed = lease_handed_to(l);

	free(handed);
	if (lease_is_destroyed(l) || handed)
		return false;
	if (lease_status_is(l->status, LEASE_ACTIVE) || lease_status_is(l->status, LEASE_RETAINED))
		return true;
	return l->cleanup_status && !cleanup_status_is(l->cleanup_status, CLEANUP_SUCCESS);
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
	Error perr, ignored;

	if (!was)
		return;
	if (lease_phase_is(l, "acquiring")) {
		/* The provider may have made a sandbox we never heard of: ask it
		 * to destroy whatever it made for this lease id. Until that
		 * succeeds the row stays a pending cleanup, retried like any. */
		lease_set(&l->status, lease_status_text(LEASE_FAILED));
		lease_set_now(&l->released_at);
		error_clear(&perr);
		lease_provider_cleanup(app, l, true, lease_status_text(LEASE_FAILED), NULL, &perr);
		lease_set(&l->failure_reason,
			  strstr(l->phase, " " LEASE_PHASE_ABANDONED)
				  ? "the operator cancelled the acquire; the lease was never handed out"
				  : "envctl stopped while the provider was acquiring this lease; it was never handed out");
	} else {
		bool destroy = lease_phase_is(l, "destroying");

		error_clear(&perr);
		lease_provider_cleanup(app, l, destroy, lease_status_text(LEASE_RELEASED), NULL,
				       &perr);
		if (lease_status_is(l->status, LEASE_ACTIVE))
			lease_finish_status(l, lease_status_text(LEASE_RELEASED), NULL);
	}
	lease_set(&l->phase, NULL);
	if (lease_record(s, l, was, actor, "environment.lease_reconciled", NULL, l->failure_reason,
			 &ignored) == ST_OK)
		r->reconciled++;
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
	bool sweep;

	memset(out, 0, sizeof *out);
	if (app_check_writable(app, "run the sweep", err) != ST_OK)
		return err->status;
	if (app_store(app, &s, err) != ST_OK)
		return err->status;
	/* Another console's sweep is at it: one at a time. */
	if ((st = store_sweep_lock(s, &sweep, err)) != ST_OK)
		return st;
	if (!sweep)
		return ST_OK;
	time_format_ms(now_ms, now);

	/* 1. Rows caught mid-call by a crash. */
	memset(&f, 0, sizeof f);
	f.status = lease_status_text(LEASE_ACTIVE);
	if ((st = store_lease_each(s, &f, lease_sweep_collect, &list, err)) != ST_OK)
		goto done;
	for (size_t i = 0; i < list.count; i++)
		if (lease_phase_stale(s, &list.items[i], now_ms))
			lease_sweep_reconcile(app, s, &list.items[i], actor, out);
	lease_sweep_list_free(&list);

	/* 2. Active leases past their expiry. */
	memset(&f, 0, sizeof f);
	f.status = lease_status_text(LEASE_ACTIVE);
	f.expires_before = now;
	if ((st = store_lease_each(s, &f, lease_sweep_collect, &list, err)) != ST_OK)
		goto done;
	for (size_t i = 0; i < list.count; i++) {
		StoreLease done_lease;
		Error e;

		if (lease_release(app, list.items[i].id, lease_status_text(LEASE_EXPIRED), NULL, actor,
				  &done_lease, &e) == ST_OK ||
		    e.status != ST_E_CONFLICT)
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

		if (l->phase) {
			/* A destroy of a lease no longer active, cut short (its
			 * intent made the cleanup due): finished like step 1's. */
			if (lease_phase_stale(s, l, now_ms))
				lease_sweep_reconcile(app, s, l, actor, out);
			continue;
		}
		if (l->cleanup_attempts >= LEASE_CLEANUP_MAX_ATTEMPTS)
			continue;
		destroy = lease_is_destroyed(l);
		out->cleanup_retried++;
		if (lease_provider_cleanup(app, l, destroy, l->status, NULL, &perr) == ST_OK)
			out->cleanup_fixed++;
		else if (l->cleanup_attempts >= LEASE_CLEANUP_MAX_ATTEMPTS)
			out->cleanup_gave_up++;
		{
			Error ignored;

			lease_record(s, l, l->status, actor, "environment.lease_cleanup_retried",
				     NULL,
				     cleanup_status_is(l->cleanup_status, CLEANUP_SUCCESS)
					     ? "cleanup succeeded"
					     : perr.msg,
				     &ignored);
		}
	}
	st = ST_OK;
done:
	lease_sweep_list_free(&list);
	store_sweep_unlock(s);
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
	if (!lease_status_is(l->status, LEASE_ACTIVE) || lease_is_destroyed(l)) {
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

/* The cwd exec uses when none is given: the realized workspace, else the
 * provider's remoteCwd (Paperclip runs commands in the lease's workspace). */
static const char *lease_default_cwd(const cJSON *meta)
{
	const char *cwd = json_get_string(meta, LEASE_WORKSPACE_KEY);

	if (!cwd || !cwd[0])
		cwd = json_get_string(meta, "remoteCwd");
	return cwd && cwd[0] ? cwd : NULL;
}

static bool lease_env_name_valid(const char *name, size_t len)
{
	if (len == 0 || !(name[0] == '_' || (name[0] >= 'A' && name[0] <= 'Z') ||
			  (name[0] >= 'a' && name[0] <= 'z')))
		return false;
	for (size_t i = 1; i < len; i++)
		if (!(name[i] == '_' || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= 'a' && name[i] <= 'z') || (name[i] >= '0' && name[i] <= '9')))
			return false;
	return true;
}

/* A secret named in --env resolves only when it is bound to the lease's
 * environment (DESIGN §5.3: bound to that environment at that path); the
 * binding's path is the one the access event records. */
static Status lease_env_secret(App *app, LeaseCtx *c, const StoreLease *l, const char *var,
			       const char *ref, char **value, size_t *len, Error *err)
{
	StoreSecret sec;
	StoreBindingList bl;
	StoreResolve rq;
	const char *path = NULL;
	Status st;

	memset(&sec, 0, sizeof sec);
	memset(&bl, 0, sizeof bl);
	if (store_secret_get(c->store, ref, &sec, err) != ST_OK)
		return error_prefix(err, "--env %s: ", var);
	if ((st = store_binding_list_target(c->store, "environment", c->env.id, &bl, err)) != ST_OK)
		goto done;
	for (size_t i = 0; i < bl.count && !path; i++)
		if (strcmp(bl.items[i].secret_id, sec.id) == 0)
			path = bl.items[i].config_path;
	if (!path) {
		st = error_set(err, ST_E_INVALID,
			       "--env %s: secret \"%s\" is not bound to environment \"%s\"; only secrets its config uses can be passed",
			       var, sec.name, c->env.name);
		goto done;
	}
	rq = (StoreResolve){ .secret_id = sec.id, .consumer = "lease.execute",
			     .environment_id = c->env.id, .config_path = path, .lease_id = l->id,
			     .run_id = l->heartbeat_run_id };
	st = store_secret_resolve(c->store, &rq, value, len, err);
	if (st != ST_OK)
		error_prefix(err, "--env %s: ", var);
	(void)app;
done:
	store_binding_list_clear(&bl);
	store_secret_clear(&sec);
	return st;
}

/* Builds the env object of an execute. Every resolved value is also
 * added to *secrets so the command's output is redacted of it. */
static Status lease_exec_env(App *app, LeaseCtx *c, const StoreLease *l,
			     const char *const *assignments, cJSON **out, char ***secrets,
			     Error *err)
{
	cJSON *env;
	size_t n = 0;

	*out = NULL;
	*secrets = NULL;
	if (!assignments || !assignments[0])
		return ST_OK;
	env = cJSON_CreateObject();
	for (size_t i = 0; assignments[i]; i++)
		n++;
	*secrets = calloc(n + 1, sizeof **secrets);
	if (!env || !*secrets) {
		cJSON_Delete(env);
		free(*secrets);
		*secrets = NULL;
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	n = 0;
	for (size_t i = 0; assignments[i]; i++) {
		const char *a = assignments[i], *eq = strchr(a, '=');
		char name[256];
		Status st;

		/* Only the name is quoted back: the value may be meant to be private. */
		if (!eq || !lease_env_name_valid(a, (size_t)(eq - a)) ||
		    (size_t)(eq - a) >= sizeof name) {
			json_wipe(env);
			return eq ? error_set(err, ST_E_USAGE,
					      "--env takes NAME=VALUE with NAME a variable name (letters, digits, _), not \"%.*s\"",
					      (int)(eq - a > 64 ? 64 : eq - a), a)
				  : error_set(err, ST_E_USAGE,
					      "--env takes NAME=VALUE (assignment %zu has no \"=\")", i + 1);
		}
		memcpy(name, a, (size_t)(eq - a));
		name[eq - a] = '\0';
		if (strncmp(eq + 1, "secret:", 7) == 0) {
			char *value = NULL;
			size_t len = 0;

			st = lease_env_secret(app, c, l, name, eq + 8, &value, &len, err);
			if (st != ST_OK) {
				json_wipe(env);
				return st;
			}
			if (!json_set_string(env, name, value) || !((*secrets)[n] = strdup(value))) {
				store_secret_value_free(value, len);
				json_wipe(env);
				return error_set(err, ST_E_NOMEM, "out of memory");
			}
			n++;
			store_secret_value_free(value, len);
		} else if (!json_set_string(env, name, eq + 1)) {
			json_wipe(env);
			return error_set(err, ST_E_NOMEM, "out of memory");
		}
	}
	*out = env;
	return ST_OK;
}

static void lease_wipe_strings(char **list)
{
	for (size_t i = 0; list && list[i]; i++) {
		sodium_memzero(list[i], strlen(list[i]));
		free(list[i]);
	}
	free(list);
}

/* The record of one execute: what ran (redacted of the config's and the
 * call's secrets before the cut, so no prefix survives), where, how it
 * ended and how long it took. The --env assignments are never recorded. */
static void lease_exec_record(Store *s, const LeaseCtx *c, const StoreLease *l,
			      const LeaseExecRequest *req, const char *cwd, char **env_secrets,
			      const ExecResult *res, Status st, const char *msg, int64_t ms)
{
	size_t nsec = 0, nenv = 0, len = 0;
	const char **secrets;
	char *cmd, *p;
	char bounded[LEASE_EXEC_CMD_MAX + 1], where[LEASE_EXEC_CMD_MAX + 1];
	cJSON *details;
	StoreActivityNew a;
	Error ignored;

	while (c->rt.secrets && c->rt.secrets[nsec])
		nsec++;
	while (env_secrets && env_secrets[nenv])
		nenv++;
	secrets = calloc(nsec + nenv + 1, sizeof *secrets);
	len = strlen(req->command ? req->command : "") + 1;
	for (size_t i = 0; req->args && req->args[i]; i++)
		len += strlen(req->args[i]) + 1;
	cmd = malloc(len);
	details = cJSON_CreateObject();
	if (!secrets || !cmd || !details)
		goto done;
	for (size_t i = 0; i < nsec; i++)
		secrets[i] = c->rt.secrets[i];
	for (size_t i = 0; i < nenv; i++)
		secrets[nsec + i] = env_secrets[i];
	p = cmd;
	p += sprintf(p, "%s", req->command ? req->command : "");
	for (size_t i = 0; req->args && req->args[i]; i++)
		p += sprintf(p, " %s", req->args[i]);
	redact_bounded(bounded, sizeof bounded, cmd, secrets);
	cJSON_AddStringToObject(details, "command", bounded);
	if (cwd) {
		redact_bounded(where, sizeof where, cwd, secrets);
		cJSON_AddStringToObject(details, "cwd", where);
	} else {
		cJSON_AddNullToObject(details, "cwd"); /* the provider's default */
	}
	if (st == ST_OK && res->exit_code >= 0)
		cJSON_AddNumberToObject(details, "exitCode", res->exit_code);
	else
		cJSON_AddNullToObject(details, "exitCode");
	if (st == ST_OK && res->signal)
		cJSON_AddStringToObject(details, "signal", res->signal);
	if (st == ST_OK && res->timed_out)
		cJSON_AddTrueToObject(details, "timedOut");
	if (st != ST_OK && msg) /* already scrubbed by the caller */
		cJSON_AddStringToObject(details, "error", msg);
	cJSON_AddNumberToObject(details, "durationMs", (double)ms);
	a = (StoreActivityNew){ .actor = req->actor ? req->actor : "envctl",
				.action = LEASE_EXEC_ACTION, .entity_type = "lease",
				.entity_id = l->id, .entity_name = c->env.name, .details = details };
	/* A record, not a precondition: the command already ran. */
	store_activity_add(s, &a, &ignored);
done:
	if (cmd) {
		sodium_memzero(cmd, len);
		free(cmd);
	}
	free(secrets);
	cJSON_Delete(details);
}

static int64_t lease_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

Status lease_exec(App *app, const LeaseExecRequest *req, ExecResult *out, Error *err)
{
	StoreLease l;
	LeaseCtx c;
	ExecInput in;
	cJSON *meta = NULL, *env = NULL;
	char **env_secrets = NULL;
	unsigned caps = 0;
	int64_t started;
	Store *s;
	Status st;

	memset(out, 0, sizeof *out);
	if (lease_open_active(app, req->lease_id, "execute in a lease", "lease.execute", &l, &c,
			      err) != ST_OK)
		return err->status;
	s = c.store;
	if ((st = provider_capabilities(c.provider, &caps, err)) != ST_OK) {
		lease_scrub_error(&c, err);
		goto done;
	}
	if (!c.provider->ops->execute || !(caps & PROVIDER_CAP_EXECUTE)) {
		if (c.provider->caps & PROVIDER_CAP_TEST_ONLY)
			st = error_set(err, ST_E_UNSUPPORTED, "The fake sandbox provider cannot execute runs.");
		else
			st = error_set(err, ST_E_UNSUPPORTED, "provider \"%s\" does not support execute",
				       c.provider->key);
		goto done;
	}
	if ((st = lease_exec_env(app, &c, &l, req->env, &env, &env_secrets, err)) != ST_OK)
		goto done;
	meta = lease_metadata(&l);
	in = (ExecInput){ .config = c.rt.config, .environment_id = c.env.id,
			  .issue_id = l.issue_id, .provider_lease_id = l.provider_lease_id,
			  .lease_metadata = meta, .expires_at = l.expires_at, .env = env,
			  .command = req->command, .args = req->args,
			  .cwd = req->cwd ? req->cwd : lease_default_cwd(meta),
			  .stdin_data = req->stdin_data, .timeout_ms = req->timeout_ms };
	started = lease_mono_ms();
	st = c.provider->ops->execute(c.provider, &in, out, err);
	if (st != ST_OK) {
		lease_scrub_error(&c, err);
		if (env_secrets) {
			char *msg = redact_string(strdup(err->msg), (const char **)env_secrets);

			if (msg)
				snprintf(err->msg, sizeof err->msg, "%s", msg);
			free(msg);
		}
	}
	lease_exec_record(s, &c, &l, req, in.cwd, env_secrets, out, st, err->msg,
			  lease_mono_ms() - started);
	cJSON_Delete(meta);
	if (st != ST_OK)
		goto done;
	out->out = redact_string(out->out, c.rt.secrets);
	out->err = redact_string(out->err, c.rt.secrets);
	if (env_secrets) {
		out->out = redact_string(out->out, (const char **)env_secrets);
		out->err = redact_string(out->err, (const char **)env_secrets);
	}
	lease_set_now(&l.last_used_at);
	store_lease_update(s, &l, lease_status_text(LEASE_ACTIVE), NULL);
done:
	json_wipe(env);
	lease_wipe_strings(env_secrets);
	lease_ctx_clear(&c);
	store_lease_clear(&l);
	return st;
}

Status lease_shell_start(App *app, const char *lease_id, int tty, const char *term, pid_t *pid,
			 char ***secrets, Error *err)
{
	StoreLease l;
	LeaseCtx c;
	ExecInput in;
	cJSON *meta;
	size_t n = 0;
	Status st;

	*pid = -1;
	*secrets = NULL;
	if (lease_open_active(app, lease_id, "open a shell in a lease", "lease.shell", &l, &c,
			      err) != ST_OK)
		return err->status;
	if (!c.provider->ops->shell || !(c.provider->caps & PROVIDER_CAP_SHELL)) {
		st = error_set(err, ST_E_UNSUPPORTED, "provider \"%s\" has no interactive shell",
			       c.provider->key);
		goto done;
	}
	while (c.rt.secrets && c.rt.secrets[n])
		n++;
	*secrets = calloc(n + 1, sizeof **secrets);
	for (size_t i = 0; *secrets && i < n; i++)
		if (!((*secrets)[i] = strdup(c.rt.secrets[i]))) {
			lease_wipe_strings(*secrets);
			*secrets = NULL;
		}
	if (!*secrets) {
		st = error_set(err, ST_E_NOMEM, "out of memory");
		goto done;
	}
	meta = lease_metadata(&l);
	in = (ExecInput){ .config = c.rt.config, .environment_id = c.env.id,
			  .issue_id = l.issue_id, .provider_lease_id = l.provider_lease_id,
			  .lease_metadata = meta, .expires_at = l.expires_at,
			  .cwd = lease_default_cwd(meta) };
	st = c.provider->ops->shell(c.provider, &in, tty, term, pid, err);
	cJSON_Delete(meta);
	if (st != ST_OK) {
		lease_scrub_error(&c, err);
		lease_wipe_strings(*secrets);
		*secrets = NULL;
		goto done;
	}
	lease_set_now(&l.last_used_at);
	store_lease_update(c.store, &l, lease_status_text(LEASE_ACTIVE), NULL);
done:
	lease_ctx_clear(&c);
	store_lease_clear(&l);
	return st;
}

void lease_shell_secrets_free(char **secrets)
{
	lease_wipe_strings(secrets);
}

/* ------------------------------------------------------------ workspace */

Status lease_realize_workspace(App *app, const char *lease_id, const cJSON *workspace,
			       cJSON **out, Error *err)
{
	StoreLease l;
	LeaseCtx c;
	LeaseInput in;
	cJSON *meta;
	unsigned caps = 0;
	Status st;

	*out = NULL;
	if (lease_open_active(app, lease_id, "realize a workspace", "lease.workspace", &l, &c,
			      err) != ST_OK)
		return err->status;
	/* Capabilities before the call: an SDK plugin declares realizeWorkspace
	 * only in its initialize answer. */
	if ((st = provider_capabilities(c.provider, &caps, err)) != ST_OK) {
		lease_scrub_error(&c, err);
		goto done;
	}
	if (!c.provider->ops->realize_workspace || !(caps & PROVIDER_CAP_REALIZE_WORKSPACE)) {
		st = error_set(err, ST_E_UNSUPPORTED, "provider \"%s\" cannot realize workspaces",
			       c.provider->key);
		goto done;
	}
	meta = lease_metadata(&l);
	in = (LeaseInput){ .config = c.rt.config, .environment_id = c.env.id,
			   .issue_id = l.issue_id, .provider_lease_id = l.provider_lease_id,
			   .lease_metadata = meta, .expires_at = l.expires_at };
	st = c.provider->ops->realize_workspace(c.provider, &in, workspace, out, err);
	if (st != ST_OK) {
		lease_scrub_error(&c, err);
	} else {
		const char *cwd;

		redact_json(*out, c.rt.secrets);
		cwd = json_get_string(*out, "cwd");
		/* Remembered so `lease exec` runs there by default. */
		if (cwd && json_set_string(meta, LEASE_WORKSPACE_KEY, cwd) &&
		    lease_store_metadata(&l, meta) && lease_set_now(&l.last_used_at))
			store_lease_update(c.store, &l, lease_status_text(LEASE_ACTIVE), NULL);
	}
	cJSON_Delete(meta);
done:
	lease_ctx_clear(&c);
	store_lease_clear(&l);
	return st;
}

/* ------------------------------------------------------------ JSON */

/* A lease's JSON fields in their order: lease_to_json and
 * lease_json_write print the same object from this one list. */
#define LEASE_JSON_FIELDS(X)                                                        \
	X("id", id) X("environmentId", environment_id) X("heartbeatRunId", heartbeat_run_id) \
	X("issueId", issue_id) X("status", status) X("leasePolicy", lease_policy)            \
	X("provider", provider) X("providerLeaseId", provider_lease_id)                      \
	X("acquiredAt", acquired_at) X("lastUsedAt", last_used_at) X("expiresAt", expires_at) \
	X("releasedAt", released_at) X("failureReason", failure_reason)                      \
	X("cleanupStatus", cleanup_status) X("phase", phase)

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
#define LEASE_JSON_ADD(key, field) lease_json_str(o, key, l->field);
	LEASE_JSON_FIELDS(LEASE_JSON_ADD)
#undef LEASE_JSON_ADD
	meta = l->metadata_json ? cJSON_Parse(l->metadata_json) : NULL;
	cJSON_AddItemToObject(o, "metadata", meta ? meta : cJSON_CreateObject());
	return o;
}

bool lease_json_write(Buf *b, const StoreLease *l)
{
	cJSON *meta;
	bool ok = buf_putc(b, '{');
	const char *sep = "\"";

#define LEASE_JSON_PUT(key, field)                                                        \
	ok = ok && buf_puts(b, sep) && buf_puts(b, key "\":") && json_print_string(b, l->field); \
	sep = ",\"";
	LEASE_JSON_FIELDS(LEASE_JSON_PUT)
#undef LEASE_JSON_PUT
	if (!ok || !buf_puts(b, ",\"metadata\":"))
		return false;
	/* Parsed and printed again, as lease_to_json does: the column's own
	 * spacing (PostgreSQL's jsonb adds some) never reaches the output. */
	meta = l->metadata_json ? cJSON_Parse(l->metadata_json) : NULL;
	ok = meta ? json_print_compact(b, meta) : buf_puts(b, "{}");
	cJSON_Delete(meta);
	return ok && buf_putc(b, '}');
}

Status lease_get(App *app, const char *id, StoreLease *out, Error *err)
{
	Store *s;

	memset(out, 0, sizeof *out);
	if (app_store(app, &s, err) != ST_OK)
		return err->status;
	return store_lease_get(s, id, out, err);
}

Status lease_each(App *app, const StoreLeaseFilter *f, StoreLeaseFn fn, void *ctx, Error *err)
{
	Store *s;

	if (app_store(app, &s, err) != ST_OK)
		return err->status;
	return store_lease_each(s, f, fn, ctx, err);
}

Status lease_exec_log(App *app, const char *lease_id, long long after_id, StoreActivityList *out,
		      Error *err)
{
	StoreLease l;
	Store *s;
	Status st;

	memset(out, 0, sizeof *out);
	memset(&l, 0, sizeof l);
	if (app_store(app, &s, err) != ST_OK || store_lease_get(s, lease_id, &l, err) != ST_OK)
		return err->status;
	st = store_activity_list_action(s, l.id, LEASE_EXEC_ACTION, after_id, 0, out, err);
	store_lease_clear(&l);
	return st;
}

char *lease_exec_log_line(const StoreActivity *a)
{
	const cJSON *d = a->details;
	const cJSON *code = cJSON_GetObjectItemCaseSensitive(d, "exitCode");
	const cJSON *ms = cJSON_GetObjectItemCaseSensitive(d, "durationMs");
	const char *cmd = json_get_string(d, "command"), *sig = json_get_string(d, "signal");
	char how[32], *safe, *line;
	size_t n;

	if (cJSON_IsNumber(code))
		snprintf(how, sizeof how, "exit %d", code->valueint);
	else if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(d, "timedOut")))
		snprintf(how, sizeof how, "timed out");
	else if (sig)
		snprintf(how, sizeof how, "sig %.20s", sig);
	else
		snprintf(how, sizeof how, "error");
	/* The command is the operator's, but a line of it may hold escapes. */
	if (!(safe = term_escaped(cmd ? cmd : "")))
		return NULL;
	for (char *p = safe; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	n = strlen(a->created_at) + strlen(how) + strlen(safe) + 48;
	if ((line = malloc(n)))
		snprintf(line, n, "%s  %-9s %7.0fms  %s", a->created_at, how,
			 cJSON_IsNumber(ms) ? ms->valuedouble : 0.0, safe);
	free(safe);
	return line;
}
