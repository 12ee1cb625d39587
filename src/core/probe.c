#include "core/probe.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/env_plugin.h"
#include "core/environment.h"
#include "core/private.h"
#include "core/runtime.h"
#include "util/lib.h"

/* The cause a failed probe gives besides its summary: the first error
 * diagnostic (else the first diagnostic), else metadata.error, else an
 * error field of the details. NULL when there is none. */
static const char *probe_cause(const cJSON *details)
{
	const cJSON *diags = cJSON_GetObjectItemCaseSensitive(details, "diagnostics"), *d;
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(details, "metadata");
	const cJSON *e;
	const char *first = NULL;

	if (!cJSON_IsArray(diags))
		diags = NULL;
	cJSON_ArrayForEach(d, diags) {
		const char *msg = json_get_string(d, "message");
		const char *sev = json_get_string(d, "severity");

		if (!msg || !msg[0])
			continue;
		if (sev && strcmp(sev, "error") == 0)
			return msg;
		if (!first)
			first = msg;
	}
	if (first)
		return first;
	if (json_get_string(meta, "error"))
		return json_get_string(meta, "error");
	e = cJSON_GetObjectItemCaseSensitive(details, "error");
	if (cJSON_IsString(e))
		return e->valuestring;
	return json_get_string(e, "message");
}

/* The cause the headline adds to summary: NULL when there is none or the
 * summary already says it. */
static const char *probe_cause_unsaid(const char *summary, const cJSON *details)
{
	const char *cause = probe_cause(details);

	return cause && cause[0] && !strstr(summary, cause) ? cause : NULL;
}

char *probe_headline(const char *summary, const cJSON *details)
{
	const char *cause;
	Buf b = BUF_INIT;
	size_t n = 0;

	if (!summary)
		summary = "";
	if (!(cause = probe_cause_unsaid(summary, details)))
		return strdup(summary);
	if (!buf_printf(&b, "%s (cause: ", summary))
		goto oom;
	/* One line, no terminal controls (the text comes from the plugin), at
	 * most 300 bytes of it, not cutting a UTF-8 character in two. */
	n = strlen(cause);
	if (n > 300) {
		n = 300;
		while (n > 0 && ((unsigned char)cause[n] & 0xC0) == 0x80)
			n--;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)cause[i];
		/* C1 controls (U+0080..U+009F, "\xc2\x9b" is a CSI) go too. */
		bool c1 = ch == 0xc2 && i + 1 < n && (unsigned char)cause[i + 1] >= 0x80 &&
			  (unsigned char)cause[i + 1] <= 0x9f;

		if (c1)
			i++;
		if (!buf_putc(&b, (ch < 0x20 || ch == 0x7f || c1) ? ' ' : (char)ch))
			goto oom;
	}
	if ((cause[n] && !buf_puts(&b, "...")) || !buf_putc(&b, ')'))
		goto oom;
	return buf_take(&b);
oom:
	buf_clear(&b);
	return NULL;
}

/* Runs the provider's probe and shapes its answer into a probe row,
 * redacting secret values. Thread-safe: touches no store. */
static void probe_run_provider(Provider *p, const cJSON *runtime_config,
			       const char *environment_id, const char **secrets, StoreProbe *row)
{
	ProbeResult r;
	Error err;
	int64_t t0 = time_now_ms();

	memset(&r, 0, sizeof r);
	error_clear(&err);
	if (!p->ops->probe) {
		row->ok = false;
		row->summary = strdup("this provider cannot be probed");
	} else if (p->ops->probe(p, runtime_config, environment_id, &r, &err) == ST_OK) {
		row->ok = r.ok;
		row->summary = r.summary ? r.summary : strdup(r.ok ? "ok" : "probe failed");
		r.summary = NULL;
		row->details = r.details;
		r.details = NULL;
	} else {
		row->ok = false;
		row->summary = strdup(error_text(&err));
	}
	row->duration_ms = time_now_ms() - t0;
	row->summary = redact_string(row->summary, secrets);
	redact_json(row->details, secrets);
	probe_result_clear(&r);
}

static Status probe_store(Store *s, StoreProbe *row, const char *actor, const StoreEnv *env,
			  Error *err)
{
	Status st = store_probe_insert(s, row, err);

	if (st == ST_OK && env) {
		/* Two fields, one per probe of a probe --all: printed, no tree. */
		char details[64];
		StoreActivityNew a = {
			.actor = actor ? actor : "envctl",
			.action = "environment.probed",
			.entity_type = "environment",
			.entity_id = env->id,
			.entity_name = env->name,
			.details_json = details,
			.created_at = row->created_at, /* the probe's own time */
		};
		Error ignored;

		snprintf(details, sizeof details, "{\"ok\":%s,\"durationMs\":%lld}",
			 row->ok ? "true" : "false", row->duration_ms);
		store_activity_add(s, &a, &ignored);
	}
	return st;
}

Status probe_environment(App *app, const char *env_ref, const char *actor, StoreProbe *out,
			 Error *err)
{
	StoreEnv env;
	EnvRuntime rt;
	Provider *p;
	Store *s;
	Status st;

	memset(out, 0, sizeof *out);
	memset(&env, 0, sizeof env);
	memset(&rt, 0, sizeof rt);
	if (app_store(app, &s, err) != ST_OK || store_env_get(s, env_ref, &env, err) != ST_OK)
		return err->status;
	if ((st = env_provider_require(app, &env, "probe it", &p, err)) != ST_OK)
		goto done;
	if ((st = env_runtime_resolve_take(app, &env, "probe it", NULL, NULL, &rt, err)) != ST_OK)
		goto done;
	probe_run_provider(p, rt.config, env.id, rt.secrets, out);
	env_runtime_clear(&rt);
	out->environment_id = strdup(env.id);
	out->provider = strdup(env.provider);
	if (!out->summary || !out->environment_id || !out->provider) {
		st = error_set(err, ST_E_NOMEM, "out of memory");
		goto done;
	}
	if (app->readonly)
		st = ST_OK; /* a read-only console may probe but records nothing */
	else
		st = probe_store(s, out, actor, &env, err);
done:
	store_env_clear(&env);
	if (st != ST_OK)
		store_probe_clear(out);
	return st;
}

Status probe_draft(App *app, const char *provider_key, const cJSON *config, const char *actor,
		   StoreProbe *out, Error *err)
{
	EnvRuntime rt;
	Provider *p;
	Store *s;
	Status st;

	memset(out, 0, sizeof *out);
	memset(&rt, 0, sizeof rt);
	if (registry_require(&app->registry, provider_key, &p, err) != ST_OK)
		return err->status;
	if (app_store(app, &s, err) != ST_OK)
		return err->status;
	if ((st = env_runtime_draft(app, p, config, &rt, err)) != ST_OK)
		return st;
	probe_run_provider(p, rt.config, NULL, rt.secrets, out);
	env_runtime_clear(&rt);
	out->provider = strdup(provider_key);
	if (!out->summary || !out->provider) {
		store_probe_clear(out);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	if (!app->readonly && (st = probe_store(s, out, actor, NULL, err)) != ST_OK)
		store_probe_clear(out);
	return st;
}

/* ------------------------------------------------------------ probe all */

typedef struct ProbeJob {
	StoreEnv *env; /* the list's, read bare: config parsed when resolved */
	const char *config_json;
	Provider *provider;
	EnvRuntime rt;
	StoreProbe row; /* its environment_id and provider are env's */
	ProbeAllItem *item; /* once reported: owns row.summary from then on */
	bool resolved;
	/* Why it could not be resolved (an Error here made each of 10,000
	 * jobs a kilobyte larger, all of it zeroed memory to fault in). */
	char *unresolved;
} ProbeJob;

/* Results wait here, in memory, and go to the store together: one
 * transaction per batch instead of one per result, a batch at most
 * PROBE_BATCH_MAX rows or PROBE_BATCH_MS old, so results still appear
 * while the run goes on and no write lock is held while waiting. */
#define PROBE_BATCH_MAX 4096
#define PROBE_BATCH_MS 100

typedef struct ProbeAllCtx {
	App *app;
	Store *store;
	const char *actor;
	int64_t batch_ms;  /* PROBE_BATCH_MS, or ENVCTL_PROBE_BATCH_MS */
	size_t batch_max;  /* PROBE_BATCH_MAX; unbounded with the delay */
	ProbeJob *jobs;
	size_t *pending; /* job indexes whose rows are not stored yet */
	size_t pending_count;
	int64_t pending_since;
	ProbeAllReport *report;
	ProbeProgressFn progress;
	void *ud;
	bool stop;
} ProbeAllCtx;

/* Clears a job's row, leaving what it borrows to its owners. */
static void probe_job_row_clear(ProbeJob *j)
{
	j->row.environment_id = NULL;
	j->row.provider = NULL;
	if (j->item)
		j->row.summary = NULL;
	store_probe_clear(&j->row);
}

static void probe_all_run(size_t i, void *ud)
{
	ProbeAllCtx *c = ud;
	ProbeJob *j = &c->jobs[i];

	if (!j->resolved) {
		j->row.ok = false;
		j->row.summary = j->unresolved;
		j->unresolved = NULL;
		return;
	}
	probe_run_provider(j->provider, j->rt.config, j->env->id, j->rt.secrets, &j->row);
}

/* Stores the pending rows in one transaction. A row that cannot be stored
 * is dropped as before (the report still has it); a failed batch is
 * retried row by row so one bad row does not cost the others. A batch
 * while the run goes on commits without an fsync of its own (a killed
 * process keeps it; a power cut may lose it, as it would the probe in
 * flight); the last one is durable, and fsyncs theirs with it, so a
 * finished run is on disk as if it were one transaction. */
static void probe_all_flush(ProbeAllCtx *c, bool last)
{
	char *ids[ID_BATCH];
	Error err;
	bool batched;

	if (c->pending_count == 0) {
		if (last)
			store_sync(c->store);
		return;
	}
	/* The rows' ids in bulk (the store makes one per row otherwise). */
	for (size_t k = 0, n = 0; k < c->pending_count; k++) {
		char *id = c->jobs[c->pending[k]].row.id;

		if (!id[0])
			ids[n++] = id;
		if (n == ID_BATCH || (n > 0 && k + 1 == c->pending_count)) {
			id_new_many(ids, n);
			n = 0;
		}
	}
	batched = (last ? store_begin(c->store, &err) : store_begin_relaxed(c->store, &err)) == ST_OK;
	for (size_t k = 0; k < c->pending_count; k++) {
		ProbeJob *j = &c->jobs[c->pending[k]];

		if (probe_store(c->store, &j->row, c->actor, j->env, &err) != ST_OK && batched) {
			store_rollback(c->store);
			batched = false;
			for (size_t r = 0; r < c->pending_count; r++) {
				ProbeJob *o = &c->jobs[c->pending[r]];

				o->row.id[0] = '\0';
				o->row.created_at[0] = '\0';
				probe_store(c->store, &o->row, c->actor, o->env, &err);
			}
			break;
		}
	}
	if (batched && store_commit(c->store, &err) != ST_OK)
		store_rollback(c->store);
	for (size_t k = 0; k < c->pending_count; k++)
		probe_job_row_clear(&c->jobs[c->pending[k]]);
	c->pending_count = 0;
}

static void probe_all_tick(void *ud)
{
	ProbeAllCtx *c = ud;

	if (c->pending_count > 0 && time_now_ms() - c->pending_since >= c->batch_ms)
		probe_all_flush(c, false);
}

static void probe_all_done(size_t i, void *ud)
{
	ProbeAllCtx *c = ud;
	ProbeJob *j = &c->jobs[i];
	ProbeAllItem *item = &c->report->items[c->report->count];
	bool keep = false;

	env_runtime_clear(&j->rt);
	/* No copies per result: the row borrows the environment's id and
	 * provider, the report item the row's summary (its own from when the
	 * row is cleared) and the name (given to it when the run is over). */
	j->row.environment_id = j->env->id;
	j->row.provider = j->env->provider;
	if (j->row.summary && !c->app->readonly) {
		if (c->pending_count == 0)
			c->pending_since = time_now_ms();
		c->pending[c->pending_count++] = i;
		keep = true;
	}
	j->item = item;
	memcpy(item->env_id, j->env->id, sizeof item->env_id);
	item->env_name = j->env->name;
	item->ok = j->row.ok;
	item->summary = j->row.summary;
	item->headline = j->row.summary && probe_cause_unsaid(j->row.summary, j->row.details)
				 ? probe_headline(j->row.summary, j->row.details)
				 : NULL;
	item->duration_ms = j->row.duration_ms;
	c->report->count++;
	if (item->ok)
		c->report->ok++;
	if (!keep)
		probe_job_row_clear(j);
	if (c->pending_count >= c->batch_max ||
	    (c->pending_count > 0 && time_now_ms() - c->pending_since >= c->batch_ms))
		probe_all_flush(c, false);
	if (c->progress && !c->progress(c->report, c->ud))
		c->stop = true;
}

/* Resolves a job whose provider was found: the runtime config with its
 * secrets, on the thread that owns the store. */
static void probe_all_resolve(App *app, ProbeJob *j)
{
	Error e;

	if (j->provider) {
		error_clear(&e);
		/* Parsed only now, resolved in place, not copied: the run needs
		 * the resolved config only (the row and the record take the id
		 * and name), and 10,000 parsed configs need not wait. */
		j->env->config = cJSON_Parse(j->config_json);
		if (!j->env->config)
			error_set(&e, ST_E_STORE,
				  "environment \"%s\": its stored config is not JSON; the database "
				  "may be damaged (envctl db check)",
				  j->env->name);
		if (j->env->config && env_runtime_resolve_take(app, j->env, "probe it", NULL, NULL,
								&j->rt, &e) == ST_OK)
			j->resolved = true;
		else
			j->unresolved = strdup(error_text(&e)); /* NULL on OOM: no row, still reported */
	}
	cJSON_Delete(j->env->config);
	j->env->config = NULL;
}

/* Why env, read bare, cannot be probed here: the message names the
 * plugin the environment was made with, which its metadata records and
 * the bare row leaves out, so the row is read again whole (rarely: only
 * for a provider this console lacks). NULL on OOM: no row, still
 * reported. */
static char *probe_all_unprobeable(App *app, Store *s, const StoreEnv *env, Error *e)
{
	StoreEnv whole;
	Provider *p;
	Error again;
	char *why;

	memset(&whole, 0, sizeof whole);
	error_clear(&again);
	if (store_env_get(s, env->id, &whole, &again) == ST_OK &&
	    env_provider_require(app, &whole, "probe it", &p, &again) != ST_OK)
		why = strdup(error_text(&again));
	else
		why = strdup(error_text(e));
	store_env_clear(&whole);
	return why;
}

static bool probe_all_cancelled(void *ud)
{
	return ((ProbeAllCtx *)ud)->stop;
}

void probe_all_report_clear(ProbeAllReport *r)
{
	for (size_t i = 0; i < r->count; i++) {
		free(r->items[i].env_name);
		free(r->items[i].summary);
		free(r->items[i].headline);
	}
	free(r->items);
	memset(r, 0, sizeof *r);
}

/* ENVCTL_PROBE_BATCH_MS: how long results may wait (1..600000 ms); 0
 * holds them all for one transaction at the end, which hides them until
 * the run is over (what `make bench` compares the batches with). Anything
 * else: the default. */
static void probe_all_batching(ProbeAllCtx *c)
{
	const char *v = getenv("ENVCTL_PROBE_BATCH_MS");
	char *end = NULL;
	long ms = v && *v ? strtol(v, &end, 10) : -1;

	c->batch_ms = PROBE_BATCH_MS;
	c->batch_max = PROBE_BATCH_MAX;
	if (!end || *end || ms < 0 || ms > 600000)
		return;
	if (ms == 0) {
		c->batch_ms = INT64_MAX;
		c->batch_max = SIZE_MAX;
	} else {
		c->batch_ms = ms;
	}
}

Status probe_all(App *app, size_t parallel, const char *actor, ProbeProgressFn progress,
		 void *ud, ProbeAllReport *out, Error *err)
{
	static const ParallelOps ops = { probe_all_run, probe_all_done, probe_all_cancelled,
					 probe_all_tick, PROBE_BATCH_MS / 2 };
	StoreEnvFilter f = { .status = env_status_text(ENV_ACTIVE), .bare = true };
	StoreEnvList list;
	ProbeAllCtx c;
	Store *s;
	Status st;
	Error e;
	bool inline_all = true;
	int64_t t0 = time_now_ms();

	memset(out, 0, sizeof *out);
	error_clear(&e);
	memset(&list, 0, sizeof list);
	if (app_store(app, &s, err) != ST_OK || store_env_list(s, &f, &list, err) != ST_OK)
		return err->status;
	memset(&c, 0, sizeof c);
	c.app = app;
	c.store = s;
	c.actor = actor;
	probe_all_batching(&c);
	c.report = out;
	c.progress = progress;
	c.ud = ud;
	c.jobs = calloc(list.count ? list.count : 1, sizeof *c.jobs);
	c.pending = calloc(list.count ? list.count : 1, sizeof *c.pending);
	out->items = calloc(list.count ? list.count : 1, sizeof *out->items);
	if (!c.jobs || !c.pending || !out->items) {
		free(c.jobs);
		free(c.pending);
		free(out->items);
		out->items = NULL;
		store_env_list_clear(&list);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	out->total = list.count;
	for (size_t i = 0; i < list.count; i++) {
		ProbeJob *j = &c.jobs[i];

		j->env = &list.items[i].env;
		j->config_json = list.items[i].config_json;
		if (env_provider_require(app, j->env, "probe it", &j->provider, &e) != ST_OK) {
			j->unresolved = probe_all_unprobeable(app, s, j->env, &e);
			error_clear(&e);
		} else if (!j->provider->ops->probe_inline) {
			inline_all = false;
		}
	}
	if (inline_all) {
		/* Every probe returns at once: each environment is resolved,
		 * probed and reported in turn on this thread, one resolved
		 * config alive at a time; the batches flush as on the pool. */
		for (size_t i = 0; i < list.count && !c.stop; i++) {
			probe_all_resolve(app, &c.jobs[i]);
			probe_all_run(i, &c);
			probe_all_done(i, &c);
		}
		st = ST_OK;
	} else {
		/* Secrets are resolved here, on the thread that owns the
		 * store; only the provider calls run on the pool. */
		for (size_t i = 0; i < list.count; i++)
			probe_all_resolve(app, &c.jobs[i]);
		st = parallel_run(list.count, parallel ? parallel : PROBE_DEFAULT_PARALLEL, &ops,
				  &c, err);
	}
	probe_all_flush(&c, true);
	free(c.pending);
	if (st != ST_OK && out->count == list.count)
		st = ST_OK; /* degraded to serial, but every probe ran */
	out->cancelled = out->count < list.count;
	out->elapsed_ms = time_now_ms() - t0;
	for (size_t i = 0; i < list.count; i++) {
		ProbeJob *j = &c.jobs[i];

		env_runtime_clear(&j->rt);
		probe_job_row_clear(j);
		if (j->item)
			j->env->name = NULL; /* the report's now */
		free(j->unresolved);
	}
	free(c.jobs);
	store_env_list_clear(&list);
	return st;
}
