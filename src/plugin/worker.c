#include "plugin/worker.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plugin/private.h"
#include "plugin/rpc.h"
#include "plugin/serve.h"
#include "util/lib.h"

extern char **environ;

#define PLUGIN_API_VERSION 1
#define PLUGIN_READ_CHUNK 65536
/* How long a worker whose stdout closed gets to exit on its own, so the
 * error can carry its exit status. */
#define PLUGIN_EXIT_WAIT_MS 500
#define PLUGIN_ANSWERED_RING 32
#define PLUGIN_CANCEL_SLICE_MS 50
/* Host answers and requests queued for a worker that does not read them. */
#define PLUGIN_MAX_OUTQ (64u * 1024u * 1024u)

typedef struct PluginCallSlot {
	struct PluginCallSlot *next;
	long id;
	const char *method;
	bool done;
	cJSON *result;
	Status status;
	/* The plaintexts this call carries: its error text is redacted whole
	 * before it is cut to fit msg. */
	const char *const *secrets;
	char msg[900];
} PluginCallSlot;

struct PluginWorker {
	PluginHost *host;
	const PluginManifest *manifest;
	const char *name; /* the plugin id, for messages */
	PluginLog *log;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	PluginWorkerState state;
	pid_t pid;
	/* A pidfd for pid: its exit is noticed even while a grandchild still
	 * holds the stdout pipe open (-1 on kernels without pidfd_open). */
	int pid_fd;
	int in_fd, out_fd, err_fd;
	int wake_r, wake_w;
	pthread_t io;
	bool io_joinable;
	Buf outq;
	size_t outq_off;
	PluginCallSlot *calls;
	long in_flight;
	long next_id;
	long long calls_ok;
	bool stop_requested;
	bool stop_expected; /* a clean stop: not a failure */
	Status stop_status;
	char stop_cause[600];
	int starts, failures;
	int64_t started_ms, next_start_ms;
	char last_error[768];
	/* The worker's private scratch directory (ENVCTL_WORKER_TMPDIR), made
	 * before it starts and removed once it is reaped however it ended:
	 * what it kept there (ssh's key file) does not outlive a killed
	 * worker. Empty when none. */
	char tmpdir[PATH_MAX];
	char **methods;
	bool methods_known;
	struct {
		long id;
		char method[64];
	} answered[PLUGIN_ANSWERED_RING];
	unsigned answered_pos;
	/* Calls given up by a cancel token: their late answers are dropped,
	 * not taken for a protocol violation. */
	struct {
		long id;
		char method[64];
	} abandoned[PLUGIN_ANSWERED_RING];
	unsigned abandoned_pos;
};

struct PluginCancel {
	_Atomic bool fired;
};

/* The token the calling thread's calls wait under (plugin_cancel_bind):
 * per thread by nature, like errno, since a job thread's calls reach this
 * layer through the provider interface, which carries no context. */
static _Thread_local PluginCancel *plugin_cancel_current;

PluginCancel *plugin_cancel_new(void)
{
	return calloc(1, sizeof(PluginCancel));
}

void plugin_cancel_free(PluginCancel *c)
{
	free(c);
}

void plugin_cancel_fire(PluginCancel *c)
{
	if (c)
		c->fired = true;
}

static bool plugin_cancel_fired(const PluginCancel *c)
{
	return c && c->fired;
}

void plugin_cancel_bind(PluginCancel *c)
{
	plugin_cancel_current = c;
}

bool plugin_cancel_current_fired(void)
{
	return plugin_cancel_fired(plugin_cancel_current);
}

struct PluginHost {
	char *host_version;
	char *log_dir;
	long default_timeout_ms;
	long kill_grace_ms;
	long backoff_base_ms;
	long backoff_max_ms;
	size_t max_line_bytes;
	size_t log_max_bytes;
	char instance_id[UUID_STR_LEN];
	PluginWorker **workers;
	size_t count, cap;
};

/* ------------------------------------------------------------ time */

static int64_t plugin_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits on the worker's condition until deadline (monotonic ms). Returns
 * false when the deadline passed. */
static bool plugin_wait_until(PluginWorker *w, int64_t deadline)
{
	struct timespec ts;

	if (plugin_mono_ms() >= deadline)
		return false;
	ts.tv_sec = deadline / 1000;
	ts.tv_nsec = (deadline % 1000) * 1000000;
	return pthread_cond_timedwait(&w->cv, &w->mu, &ts) != ETIMEDOUT ||
	       plugin_mono_ms() < deadline;
}

static void plugin_wake(PluginWorker *w)
{
	char c = 1;

	if (w->wake_w >= 0)
		(void)!write(w->wake_w, &c, 1);
}

/* ------------------------------------------------------------ host */

static long plugin_env_timeout(void)
{
	const char *s = getenv("ENVCTL_PLUGIN_TIMEOUT_MS");
	char *end;
	long v;

	if (!s || !s[0])
		return PLUGIN_DEFAULT_TIMEOUT_MS;
	v = strtol(s, &end, 10);
	return (*end || v <= 0) ? PLUGIN_DEFAULT_TIMEOUT_MS : v;
}

PluginHost *plugin_host_new(const PluginHostOptions *opts)
{
	PluginHostOptions none = { 0 };
	PluginHost *h = calloc(1, sizeof *h);

	if (!h)
		return NULL;
	if (!opts)
		opts = &none;
	h->host_version = strdup(opts->host_version ? opts->host_version : "0.0.0");
	h->log_dir = opts->log_dir ? strdup(opts->log_dir) : plugin_log_default_dir();
	if (!h->host_version || !h->log_dir) {
		plugin_host_free(h);
		return NULL;
	}
	h->default_timeout_ms = opts->default_timeout_ms > 0 ? opts->default_timeout_ms
							     : plugin_env_timeout();
	h->kill_grace_ms = opts->kill_grace_ms > 0 ? opts->kill_grace_ms : 2000;
	h->backoff_base_ms = opts->backoff_base_ms > 0 ? opts->backoff_base_ms : 100;
	h->backoff_max_ms = opts->backoff_max_ms > 0 ? opts->backoff_max_ms : 5000;
	h->max_line_bytes = opts->max_line_bytes ? opts->max_line_bytes : PLUGIN_DEFAULT_MAX_LINE;
	h->log_max_bytes = opts->log_max_bytes;
	id_new(h->instance_id);
	return h;
}

static void plugin_worker_free(PluginWorker *w)
{
	if (!w)
		return;
	plugin_worker_stop(w);
	pthread_mutex_lock(&w->mu);
	if (w->io_joinable) {
		pthread_join(w->io, NULL);
		w->io_joinable = false;
	}
	pthread_mutex_unlock(&w->mu);
	for (size_t i = 0; w->methods && w->methods[i]; i++)
		free(w->methods[i]);
	free(w->methods);
	buf_wipe(&w->outq);
	plugin_log_close(w->log);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

void plugin_host_free(PluginHost *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->count; i++)
		plugin_worker_free(h->workers[i]);
	free(h->workers);
	free(h->host_version);
	free(h->log_dir);
	free(h);
}

PluginWorker *plugin_host_add(PluginHost *h, const PluginManifest *m)
{
	PluginWorker *w;
	pthread_condattr_t ca;

	if (!m || !m->id)
		return NULL;
	w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->host = h;
	w->manifest = m;
	w->name = m->id;
	w->in_fd = w->out_fd = w->err_fd = w->wake_r = w->wake_w = w->pid_fd = -1;
	w->next_id = 1;
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	w->log = plugin_log_open(h->log_dir, m->id, h->log_max_bytes);
	if (!w->log || !array_reserve(&h->workers, &h->cap, h->count, sizeof *h->workers)) {
		plugin_log_close(w->log);
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		free(w);
		return NULL;
	}
	h->workers[h->count++] = w;
	return w;
}

PluginWorker *plugin_host_find(const PluginHost *h, const char *plugin_id)
{
	for (size_t i = 0; h && plugin_id && i < h->count; i++)
		if (strcmp(h->workers[i]->name, plugin_id) == 0)
			return h->workers[i];
	return NULL;
}

PluginWorker *plugin_host_at(const PluginHost *h, size_t i)
{
	return h && i < h->count ? h->workers[i] : NULL;
}

long plugin_host_default_timeout(const PluginHost *h)
{
	return h->default_timeout_ms;
}

const char *plugin_host_log_dir(const PluginHost *h)
{
	return h->log_dir;
}

const PluginManifest *plugin_worker_manifest(const PluginWorker *w)
{
	return w->manifest;
}

/* ------------------------------------------------------------ spawning */

static bool plugin_env_keep(const char *entry, char *const *inherit)
{
	static const char *const base[] = { "PATH", "HOME", "LANG", "TMPDIR", "LANGUAGE" };
	size_t name_len = strcspn(entry, "=");

	if (!entry[name_len])
		return false;
	if (strncmp(entry, "LC_", 3) == 0)
		return true;
	for (size_t i = 0; i < sizeof base / sizeof base[0]; i++)
		if (strlen(base[i]) == name_len && strncmp(entry, base[i], name_len) == 0)
			return true;
	for (size_t i = 0; inherit && inherit[i]; i++)
		if (strlen(inherit[i]) == name_len && strncmp(entry, inherit[i], name_len) == 0 &&
		    !plugin_env_name_forbidden(inherit[i]))
			return true;
	return false;
}

/* The worker's environment: a copy of the allowed entries. */
static char **plugin_env_build(char *const *inherit)
{
	size_t n = 0, k = 0;
	bool has_path = false;
	char **env;

	for (char **e = environ; e && *e; e++)
		n++;
	env = calloc(n + 4, sizeof *env);
	if (!env)
		return NULL;
	for (char **e = environ; e && *e; e++) {
		if (!plugin_env_keep(*e, inherit))
			continue;
		has_path |= strncmp(*e, "PATH=", 5) == 0;
		if (!(env[k++] = strdup(*e)))
			goto fail;
	}
	if (!has_path && !(env[k++] = strdup("PATH=/usr/local/bin:/usr/bin:/bin")))
		goto fail;
	return env;
fail:
	for (size_t i = 0; i < k; i++)
		free(env[i]);
	free(env);
	return NULL;
}

static void plugin_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

/* Resolves the worker's argv[0]: with a '/', relative to the plugin folder;
 * without, searched on the worker's PATH. */
static char *plugin_resolve_exe(const PluginManifest *m, char *const *env, Error *err)
{
	const char *exe = m->worker_argv[0];
	const char *path = "/usr/local/bin:/usr/bin:/bin";
	char *found;

	if (strchr(exe, '/')) {
		char *full;

		while (exe[0] == '.' && exe[1] == '/')
			exe += 2;
		full = exe[0] == '/' ? strdup(exe) : fs_join(m->dir, exe);

		if (!full) {
			error_set(err, ST_E_NOMEM, "out of memory");
			return NULL;
		}
		if (access(full, X_OK) != 0) {
			error_set(err, ST_E_NOT_FOUND,
				  "plugin %s: cannot start the worker: %s is not an executable file (%s); "
				  "rebuild or reinstall the plugin",
				  m->id, full, strerror(errno));
			free(full);
			return NULL;
		}
		return full;
	}
	for (char *const *e = env; *e; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5;
	found = plugin_spawn_find(exe, env);
	if (!found)
		error_set(err, ST_E_NOT_FOUND,
			  "plugin %s: cannot start the worker: \"%s\" is not on PATH (%s); install it "
			  "or name it with a path in the manifest's \"worker\"",
			  m->id, exe, path);
	return found;
}

static void plugin_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Makes w->tmpdir under the console's TMPDIR and names it to the worker
 * as ENVCTL_WORKER_TMPDIR (TMPDIR itself is left alone: plugins may keep
 * state there from one worker process to the next). Also passes the
 * host's default call timeout, which the worker's own timeouts must stay
 * below so it reports them and cleans up before the host kills it. */
static Status plugin_env_private(PluginWorker *w, char **env, Error *err)
{
	const char *base = getenv("TMPDIR");
	size_t k = 0;
	char *tmp_entry = NULL, *timeout_entry = NULL;

	snprintf(w->tmpdir, sizeof w->tmpdir, "%s/envctl-worker-XXXXXX",
		 base && base[0] == '/' ? base : "/tmp");
	if (!mkdtemp(w->tmpdir)) {
		w->tmpdir[0] = '\0';
		return error_set(err, ST_E_IO,
				 "plugin %s: cannot start the worker: cannot create its private "
				 "directory under %s: %s",
				 w->name, base && base[0] == '/' ? base : "/tmp", strerror(errno));
	}
	if (asprintf(&tmp_entry, "ENVCTL_WORKER_TMPDIR=%s", w->tmpdir) < 0)
		tmp_entry = NULL;
	if (asprintf(&timeout_entry, "ENVCTL_CALL_TIMEOUT_MS=%ld", w->host->default_timeout_ms) < 0)
		timeout_entry = NULL;
	if (!tmp_entry || !timeout_entry) {
		free(tmp_entry);
		free(timeout_entry);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	while (env[k])
		k++;
	/* plugin_env_build left room for both. */
	env[k++] = tmp_entry;
	env[k++] = timeout_entry;
	env[k] = NULL;
	return ST_OK;
}

static void plugin_remove_tmpdir(PluginWorker *w)
{
	char parent[PATH_MAX], *slash;
	Error err;
	int fd;

	if (!w->tmpdir[0])
		return;
	snprintf(parent, sizeof parent, "%s", w->tmpdir);
	slash = strrchr(parent, '/');
	if (slash) {
		*slash = '\0';
		fd = open(parent[0] ? parent : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		error_clear(&err);
		if (fd < 0 || fs_remove_tree_at(fd, slash + 1, w->tmpdir, &err) != ST_OK)
			plugin_log_printf(w->log, "host", "%s",
					  fd < 0 ? "cannot open the worker's TMPDIR parent"
						 : err.msg);
		if (fd >= 0)
			close(fd);
	}
	w->tmpdir[0] = '\0';
}

/* Forks and execs the worker. Only async-signal-safe calls happen between
 * fork and exec: everything the child needs is prepared here first. */
static Status plugin_spawn_locked(PluginWorker *w, Error *err)
{
	const PluginManifest *m = w->manifest;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	char **env = plugin_env_build(m->inherit_env);
	char *exe = NULL;
	pid_t pid;

	if (!env)
		return error_set(err, ST_E_NOMEM, "out of memory");
	exe = plugin_resolve_exe(m, env, err);
	if (!exe || plugin_env_private(w, env, err) != ST_OK) {
		free(exe);
		plugin_remove_tmpdir(w);
		plugin_strv_free(env);
		return err->status;
	}
	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)) {
		error_set(err, ST_E_IO, "plugin %s: cannot start the worker: pipe: %s", m->id,
			  strerror(errno));
		goto fail;
	}
	{
		PluginSpawnSpec sp = {
			.exe = exe,
			.argv = m->worker_argv,
			.envp = env,
			.cwd = m->dir,
			.stdio = { in[0], out[1], errp[1] },
			.pass_fd = -1,
		};
		PluginSpawnError se;

		pid = plugin_spawn(&sp, &se);
		if (pid < 0) {
			if (strcmp(se.step, "fork") == 0)
				error_set(err, ST_E_IO, "plugin %s: cannot start the worker: fork: %s",
					  m->id, strerror(se.errnum));
			else
				error_set(err, ST_E_IO, "plugin %s: cannot start the worker %s in %s: %s",
					  m->id, exe, m->dir, strerror(se.errnum));
			goto fail;
		}
	}
	close(in[0]);
	close(out[1]);
	close(errp[1]);
	w->in_fd = in[1];
	w->out_fd = out[0];
	w->err_fd = errp[0];
	fcntl(w->in_fd, F_SETFL, fcntl(w->in_fd, F_GETFL) | O_NONBLOCK);
	fcntl(w->out_fd, F_SETFL, fcntl(w->out_fd, F_GETFL) | O_NONBLOCK);
	fcntl(w->err_fd, F_SETFL, fcntl(w->err_fd, F_GETFL) | O_NONBLOCK);
	w->pid = pid;
	w->pid_fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (w->pid_fd >= 0)
		fcntl(w->pid_fd, F_SETFD, FD_CLOEXEC);
	plugin_log_printf(w->log, "host", "started worker pid %d: %s (in %s)", (int)pid, exe,
			  m->dir);
	free(exe);
	plugin_strv_free(env);
	return ST_OK;
fail:
	for (int i = 0; i < 2; i++) {
		plugin_close(&in[i]);
		plugin_close(&out[i]);
		plugin_close(&errp[i]);
	}
	plugin_remove_tmpdir(w);
	free(exe);
	plugin_strv_free(env);
	return err->status;
}

/* ------------------------------------------------------------ calls */

/* Fails every call in flight with cause (the worker is going away). */
static void plugin_fail_calls_locked(PluginWorker *w, Status st, const char *cause)
{
	for (PluginCallSlot *c = w->calls; c; c = c->next) {
		char *text = NULL;

		c->done = true;
		c->status = st;
		if (asprintf(&text,
			     "plugin %s: %s failed: %s; the worker will be restarted on the next call",
			     w->name, c->method, cause) < 0)
			text = NULL;
		redact_bounded(c->msg, sizeof c->msg, text ? text : "the worker stopped", c->secrets);
		free(text);
	}
	w->calls = NULL;
	pthread_cond_broadcast(&w->cv);
}

/* The error a worker answered, redacted whole before it is cut to fit. */
static void plugin_slot_error(PluginCallSlot *c, const char *plugin, const char *emsg, int code)
{
	char *text = NULL;

	if (asprintf(&text, "plugin %s: %s failed: %s (%s %d)", plugin, c->method,
		     emsg && emsg[0] ? emsg : "no message", plugin_rpc_code_name(code), code) < 0)
		text = NULL;
	redact_bounded(c->msg, sizeof c->msg, text ? text : "the worker's error (out of memory)",
		       c->secrets);
	if (text) {
		memset(text, 0, strlen(text));
		free(text);
	}
}

static PluginCallSlot *plugin_take_call_locked(PluginWorker *w, long id)
{
	for (PluginCallSlot **pp = &w->calls; *pp; pp = &(*pp)->next) {
		PluginCallSlot *c = *pp;

		if (c->id == id) {
			*pp = c->next;
			return c;
		}
	}
	return NULL;
}

/* Asks the I/O thread to stop the current process with this cause. */
static void plugin_request_stop_locked(PluginWorker *w, Status st, bool expected,
				       const char *cause)
{
	if (w->state != PLUGIN_WORKER_STARTING && w->state != PLUGIN_WORKER_RUNNING)
		return;
	/* New calls now wait for the restart instead of joining a dying process. */
	w->state = PLUGIN_WORKER_STOPPING;
	if (!w->stop_requested) {
		w->stop_requested = true;
		w->stop_status = st;
		snprintf(w->stop_cause, sizeof w->stop_cause, "%s", cause);
	}
	w->stop_expected |= expected;
	plugin_wake(w);
}

/* Sends one request and waits for its answer until deadline. The lock is
 * held on entry and exit and released while waiting. */
static Status plugin_roundtrip_locked(PluginWorker *w, const char *method,
				      const char *params_text, int64_t deadline, long timeout_ms,
				      const char *const *secrets, cJSON **result, Error *err)
{
	PluginCallSlot slot;
	size_t before = w->outq.len;

	memset(&slot, 0, sizeof slot);
	slot.id = w->next_id++;
	slot.method = method;
	slot.secrets = secrets;
	if (!buf_printf(&w->outq, "{\"jsonrpc\":\"2.0\",\"id\":%ld,\"method\":\"%s\",\"params\":",
			slot.id, method) ||
	    !buf_puts(&w->outq, params_text) || !buf_puts(&w->outq, "}\n")) {
		w->outq.len = before;
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	slot.next = w->calls;
	/* The slot lives on this stack while the call waits; every way out of
	 * the wait below unlinks it (the I/O thread on an answer or a stop,
	 * this function on a timeout). */
	// cppcheck-suppress autoVariables
	w->calls = &slot;
	w->in_flight++;
	plugin_wake(w);
	while (!slot.done) {
		PluginCancel *tok = plugin_cancel_current;
		int64_t until = deadline;

		if (plugin_cancel_fired(tok)) {
			unsigned i = w->abandoned_pos++ % PLUGIN_ANSWERED_RING;

			plugin_take_call_locked(w, slot.id);
			w->in_flight--;
			w->abandoned[i].id = slot.id;
			snprintf(w->abandoned[i].method, sizeof w->abandoned[i].method, "%s", method);
			plugin_log_printf(w->log, "host",
					  "request %ld (%s) cancelled by the operator; a late answer "
					  "will be discarded",
					  slot.id, method);
			return error_set(err, ST_E_FAIL,
					 "plugin %s: %s was cancelled; the worker keeps running and its "
					 "late answer will be discarded",
					 w->name, method);
		}
		/* Under a token the wait is sliced, so a cancel is seen within one. */
		if (tok && plugin_mono_ms() + PLUGIN_CANCEL_SLICE_MS < deadline)
			until = plugin_mono_ms() + PLUGIN_CANCEL_SLICE_MS;
		if (!plugin_wait_until(w, until) && !slot.done && until == deadline) {
			char cause[300];

			plugin_take_call_locked(w, slot.id);
			w->in_flight--;
			snprintf(cause, sizeof cause, "%s did not answer within %ld ms (request %ld)",
				 method, timeout_ms, slot.id);
			plugin_log_printf(w->log, "host", "%s; stopping the worker", cause);
			plugin_request_stop_locked(w, ST_E_TIMEOUT, false, cause);
			return error_set(err, ST_E_TIMEOUT,
					 "plugin %s: %s did not answer within %ld ms; the worker was "
					 "stopped and will be restarted on the next call",
					 w->name, method, timeout_ms);
		}
	}
	w->in_flight--;
	if (slot.status != ST_OK) {
		cJSON_Delete(slot.result);
		return error_set(err, slot.status, "%s", slot.msg);
	}
	*result = slot.result;
	return ST_OK;
}

/* ------------------------------------------------------------ I/O thread */

static void plugin_record_answered_locked(PluginWorker *w, long id, const char *method)
{
	unsigned i = w->answered_pos++ % PLUGIN_ANSWERED_RING;

	w->answered[i].id = id;
	snprintf(w->answered[i].method, sizeof w->answered[i].method, "%s", method);
}

static const char *plugin_answered_method_locked(PluginWorker *w, long id)
{
	for (unsigned i = 0; i < PLUGIN_ANSWERED_RING; i++)
		if (w->answered[i].id == id && w->answered[i].method[0])
			return w->answered[i].method;
	return NULL;
}

/* Queues an answer to a request the worker sent the host. */
static void plugin_answer_host_request(PluginWorker *w, const cJSON *id, const char *method)
{
	cJSON *resp = cJSON_CreateObject();
	char *text;

	if (!resp)
		return;
	cJSON_AddStringToObject(resp, "jsonrpc", "2.0");
	cJSON_AddItemToObject(resp, "id", cJSON_Duplicate(id, 1));
	if (strcmp(method, "config.get") == 0) {
		/* envctl gives plugins no instance config: providers get theirs per
		 * call in params.config. */
		cJSON_AddItemToObject(resp, "result", cJSON_CreateObject());
	} else {
		cJSON *e = cJSON_AddObjectToObject(resp, "error");
		char msg[256];

		snprintf(msg, sizeof msg, "envctl does not support the host method \"%s\"", method);
		cJSON_AddNumberToObject(e, "code", PLUGIN_RPC_METHOD_NOT_FOUND);
		cJSON_AddStringToObject(e, "message", msg);
	}
	text = cJSON_PrintUnformatted(resp);
	cJSON_Delete(resp);
	if (!text)
		return;
	pthread_mutex_lock(&w->mu);
	if (w->outq.len - w->outq_off < PLUGIN_MAX_OUTQ)
		(void)(buf_puts(&w->outq, text) && buf_putc(&w->outq, '\n'));
	pthread_mutex_unlock(&w->mu);
	free(text);
}

static void plugin_log_notification(PluginWorker *w, const char *method, const cJSON *params)
{
	if (strcmp(method, "log") == 0) {
		const char *level = json_get_string(params, "level");
		const char *message = json_get_string(params, "message");
		char source[48];

		snprintf(source, sizeof source, "worker %s", level ? level : "log");
		plugin_log_printf(w->log, source, "%s", message ? message : "(no message)");
	}
	/* Other notifications (metrics, spans) have no use in the console. */
}

/* Handles one line from the worker's stdout. Returns false and fills
 * cause on a protocol violation. */
static bool plugin_handle_line(PluginWorker *w, const char *line, size_t len, char *cause,
			       size_t cause_len)
{
	const cJSON *id, *method, *error, *version;
	cJSON *msg;
	size_t i;
	long rid;

	for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'); i++)
		;
	if (i == len)
		return true; /* blank lines are allowed, as the SDK allows them */
	msg = cJSON_ParseWithLength(line, len);
	if (!msg) {
		plugin_log_printf(w->log, "host", "protocol error: stdout line of %zu bytes is not JSON "
						  "(starts with \"%.60s\")",
				  len, line);
		snprintf(cause, cause_len, "the worker wrote a line to stdout that is not JSON");
		return false;
	}
	version = cJSON_GetObjectItemCaseSensitive(msg, "jsonrpc");
	if (!cJSON_IsObject(msg) || !cJSON_IsString(version) ||
	    strcmp(version->valuestring, "2.0") != 0) {
		cJSON_Delete(msg);
		plugin_log_printf(w->log, "host", "protocol error: stdout line is not a JSON-RPC 2.0 "
						  "message (starts with \"%.60s\")",
				  line);
		snprintf(cause, cause_len, "the worker wrote a message that is not JSON-RPC 2.0");
		return false;
	}
	id = cJSON_GetObjectItemCaseSensitive(msg, "id");
	method = cJSON_GetObjectItemCaseSensitive(msg, "method");
	if (cJSON_IsString(method)) {
		if (id && !cJSON_IsNull(id)) {
			plugin_log_printf(w->log, "host", "worker asked the host for %s",
					  method->valuestring);
			plugin_answer_host_request(w, id, method->valuestring);
		} else {
			plugin_log_notification(w, method->valuestring,
						cJSON_GetObjectItemCaseSensitive(msg, "params"));
		}
		cJSON_Delete(msg);
		return true;
	}
	error = cJSON_GetObjectItemCaseSensitive(msg, "error");
	/* Our ids are positive longs; anything else (1e999, 1.5, -1) matches no call. */
	if (!json_number_to_long(id, 1, LONG_MAX, &rid)) {
		const char *emsg = json_get_string(error, "message");

		snprintf(cause, cause_len,
			 "the worker sent a response without a valid request id%s%s",
			 emsg ? ": " : "", emsg ? emsg : "");
		cJSON_Delete(msg);
		return false;
	}
	pthread_mutex_lock(&w->mu);
	{
		PluginCallSlot *c = plugin_take_call_locked(w, rid);

		for (unsigned k = 0; !c && k < PLUGIN_ANSWERED_RING; k++)
			if (w->abandoned[k].id == rid && w->abandoned[k].method[0]) {
				plugin_log_printf(w->log, "host",
						  "discarded the late answer to cancelled request %ld (%s)",
						  rid, w->abandoned[k].method);
				w->abandoned[k].method[0] = '\0';
				plugin_record_answered_locked(w, rid, "cancelled");
				pthread_mutex_unlock(&w->mu);
				cJSON_Delete(msg);
				return true;
			}
		if (!c) {
			const char *twice = plugin_answered_method_locked(w, rid);

			if (twice)
				snprintf(cause, cause_len, "the worker answered request %ld (%s) twice",
					 rid, twice);
			else
				snprintf(cause, cause_len,
					 "the worker answered request id %ld, which envctl never sent "
					 "or no longer waits for",
					 rid);
			pthread_mutex_unlock(&w->mu);
			cJSON_Delete(msg);
			return false;
		}
		plugin_record_answered_locked(w, rid, c->method);
		c->done = true;
		if (cJSON_IsObject(error)) {
			const cJSON *code = cJSON_GetObjectItemCaseSensitive(error, "code");
			const char *emsg = json_get_string(error, "message");
			long lcode;
			/* A code that is no int (1e10, 2.5, missing) is a plain worker error. */
			int icode = json_number_to_long(code, INT_MIN, INT_MAX, &lcode)
					    ? (int)lcode
					    : PLUGIN_RPC_WORKER_ERROR;

			c->status = plugin_rpc_status_for_code(icode);
			plugin_slot_error(c, w->name, emsg, icode);
		} else {
			cJSON *res = cJSON_DetachItemFromObjectCaseSensitive(msg, "result");

			c->result = res ? res : cJSON_CreateNull();
			c->status = c->result ? ST_OK : ST_E_NOMEM;
			if (!c->result)
				snprintf(c->msg, sizeof c->msg, "out of memory");
		}
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	cJSON_Delete(msg);
	return true;
}

/* Reads what is available on the worker's stderr into the log, a line at a
 * time; over-long lines are flushed in pieces. Returns false at EOF. */
static bool plugin_pump_stderr(PluginWorker *w, Buf *pending)
{
	char chunk[PLUGIN_READ_CHUNK];
	ssize_t n = read(w->err_fd, chunk, sizeof chunk);
	size_t start = 0;

	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		if (pending->len)
			plugin_log_write(w->log, "stderr", pending->data, pending->len);
		buf_reset(pending);
		return false;
	}
	if (n < 0)
		return true;
	for (size_t i = 0; i < (size_t)n; i++) {
		if (chunk[i] != '\n')
			continue;
		if (pending->len) {
			buf_append(pending, chunk + start, i - start);
			plugin_log_write(w->log, "stderr", pending->data, pending->len);
			buf_reset(pending);
		} else {
			plugin_log_write(w->log, "stderr", chunk + start, i - start);
		}
		start = i + 1;
	}
	buf_append(pending, chunk + start, (size_t)n - start);
	if (pending->len >= PLUGIN_LOG_MAX_LINE) {
		plugin_log_write(w->log, "stderr", pending->data, pending->len);
		buf_reset(pending);
	}
	return true;
}

static bool plugin_exited(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof si);
	/* WNOWAIT: the zombie keeps the process group alive for the sweep. */
	return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

/* Waits up to ms for the process to exit, logging its stderr meanwhile. */
static bool plugin_wait_exit(PluginWorker *w, Buf *errbuf, bool *err_open, long ms)
{
	int64_t end = plugin_mono_ms() + ms;

	for (;;) {
		struct pollfd p = { .fd = w->err_fd, .events = POLLIN };

		if (plugin_exited(w->pid))
			return true;
		if (plugin_mono_ms() >= end)
			return false;
		if (*err_open) {
			if (poll(&p, 1, 10) > 0)
				*err_open = plugin_pump_stderr(w, errbuf);
		} else {
			poll(NULL, 0, 10);
		}
	}
}

static void plugin_describe_exit(int status, char *out, size_t n)
{
	if (WIFEXITED(status)) {
		snprintf(out, n, "exited with status %d", WEXITSTATUS(status));
	} else if (WIFSIGNALED(status)) {
		const char *abbrev = sigabbrev_np(WTERMSIG(status));

		snprintf(out, n, "was killed by signal %s%s", abbrev ? "SIG" : "",
			 abbrev ? abbrev : "?");
	} else {
		snprintf(out, n, "stopped (status 0x%x)", status);
	}
}

/* Ends the current process: fails calls in flight, TERM then KILL, reaps,
 * and leaves the worker STOPPED with the backoff set. eof: stdout closed on
 * its own, so give the process a moment to exit and report its status. */
static void plugin_finish(PluginWorker *w, Status st, const char *cause, bool eof,
			  Buf *errbuf, bool err_open)
{
	PluginHost *h = w->host;
	char exit_text[128], final[700];
	bool exited = false, killed = false, expected, while_running = false;
	int status = 0;

	pthread_mutex_lock(&w->mu);
	w->state = PLUGIN_WORKER_STOPPING;
	expected = w->stop_expected;
	if (!eof)
		plugin_fail_calls_locked(w, st, cause);
	pthread_mutex_unlock(&w->mu);
	if (eof) {
		/* A crash closes stdout as the process dies: tell that apart from a
		 * worker that closed its pipe and kept running. */
		exited = plugin_wait_exit(w, errbuf, &err_open, 100);
		while_running = !exited;
	}
	/* EOF on its stdin is how a well-behaved worker learns to exit. */
	plugin_close(&w->in_fd);
	if (eof && !exited)
		exited = plugin_wait_exit(w, errbuf, &err_open, PLUGIN_EXIT_WAIT_MS);
	else if (!eof && expected)
		exited = plugin_wait_exit(w, errbuf, &err_open, h->kill_grace_ms);
	if (!exited) {
		kill(-w->pid, SIGTERM);
		killed = true;
		exited = plugin_wait_exit(w, errbuf, &err_open, h->kill_grace_ms);
		if (!exited) {
			plugin_log_printf(w->log, "host",
					  "worker pid %d ignored SIGTERM for %ld ms; sending SIGKILL",
					  (int)w->pid, h->kill_grace_ms);
			kill(-w->pid, SIGKILL);
		}
	}
	/* Children it left behind in its group go with it. */
	kill(-w->pid, SIGKILL);
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
		;
	plugin_close(&w->pid_fd);
	plugin_remove_tmpdir(w);
	for (int i = 0; err_open && i < 64; i++) {
		errno = 0;
		err_open = plugin_pump_stderr(w, errbuf);
		if (errno == EAGAIN)
			break;
	}
	plugin_describe_exit(status, exit_text, sizeof exit_text);
	if (!eof)
		snprintf(final, sizeof final, "%s", cause);
	else if (!while_running)
		snprintf(final, sizeof final, "the worker %s", exit_text);
	else if (!killed)
		snprintf(final, sizeof final, "%s while running, then %s", cause, exit_text);
	else
		snprintf(final, sizeof final, "%s and did not exit, so it was killed", cause);
	plugin_log_printf(w->log, "host", "worker pid %d %s%s%s", (int)w->pid, exit_text,
			  expected ? "" : ": ", expected ? "" : final);
	plugin_close(&w->out_fd);
	plugin_close(&w->err_fd);
	pthread_mutex_lock(&w->mu);
	if (eof)
		plugin_fail_calls_locked(w, st, final);
	plugin_close(&w->wake_r);
	plugin_close(&w->wake_w);
	buf_wipe(&w->outq);
	w->outq_off = 0;
	w->pid = 0;
	w->state = PLUGIN_WORKER_STOPPED;
	w->methods_known = false;
	if (expected) {
		w->next_start_ms = 0;
	} else {
		long delay = h->backoff_base_ms;

		for (int i = 0; i < w->failures && delay < h->backoff_max_ms; i++)
			delay *= 2;
		w->failures++;
		w->next_start_ms = plugin_mono_ms() + (delay < h->backoff_max_ms ? delay
										   : h->backoff_max_ms);
		snprintf(w->last_error, sizeof w->last_error, "%s", final);
	}
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* Writes queued bytes to the worker's stdin without blocking. Returns
 * false when the pipe is closed. */
static bool plugin_flush_outq(PluginWorker *w)
{
	bool ok = true;

	pthread_mutex_lock(&w->mu);
	while (w->outq_off < w->outq.len) {
		ssize_t n = plugin_write_nosigpipe(w->in_fd, w->outq.data + w->outq_off,
						   w->outq.len - w->outq_off);

		if (n > 0) {
			w->outq_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		ok = n < 0 && errno == EAGAIN;
		break;
	}
	if (w->outq_off == w->outq.len) {
		/* Requests carry resolved secrets: nothing stays behind. */
		if (w->outq.data)
			sodium_memzero(w->outq.data, w->outq.cap);
		w->outq.len = 0;
		w->outq_off = 0;
	}
	pthread_mutex_unlock(&w->mu);
	return ok;
}

static void *plugin_io_main(void *arg)
{
	PluginWorker *w = arg;
	PluginHost *h = w->host;
	Buf line = BUF_INIT, errbuf = BUF_INIT;
	bool err_open = true, eof = false, gone = false;
	char cause[600] = "";
	Status st = ST_E_PROVIDER;
	char *chunk = malloc(PLUGIN_READ_CHUNK);

	if (!chunk) {
		snprintf(cause, sizeof cause, "out of memory in the worker's I/O thread");
		goto done;
	}
	for (;;) {
		struct pollfd p[5];
		nfds_t np = 0;
		bool want_write;
		int out_i, err_i = -1, in_i = -1, pid_i = -1, ready;

		pthread_mutex_lock(&w->mu);
		if (w->stop_requested) {
			st = w->stop_status;
			snprintf(cause, sizeof cause, "%s", w->stop_cause);
			pthread_mutex_unlock(&w->mu);
			break;
		}
		want_write = w->outq_off < w->outq.len;
		pthread_mutex_unlock(&w->mu);
		p[np].fd = w->wake_r;
		p[np++].events = POLLIN;
		out_i = (int)np;
		p[np].fd = w->out_fd;
		p[np++].events = POLLIN;
		if (err_open) {
			err_i = (int)np;
			p[np].fd = w->err_fd;
			p[np++].events = POLLIN;
		}
		if (want_write) {
			in_i = (int)np;
			p[np].fd = w->in_fd;
			p[np++].events = POLLOUT;
		}
		if (w->pid_fd >= 0 && !gone) {
			pid_i = (int)np;
			p[np].fd = w->pid_fd;
			p[np++].events = POLLIN;
		}
		/* Once it has exited, only what is already in the pipe is read.
		 * Without a pidfd (old kernels, valgrind) the exit is looked for
		 * every 100 ms, without reaping it (plugin_finish does). */
		ready = poll(p, np, gone ? 0 : w->pid_fd >= 0 ? -1 : 100);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			snprintf(cause, sizeof cause, "poll failed: %s", strerror(errno));
			break;
		}
		if (pid_i >= 0 && p[pid_i].revents)
			gone = true;
		if (w->pid_fd < 0 && !gone) {
			siginfo_t si;

			memset(&si, 0, sizeof si);
			gone = waitid(P_PID, (id_t)w->pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 &&
			       si.si_pid == w->pid;
		}
		if (gone && !(p[out_i].revents & POLLIN)) {
			snprintf(cause, sizeof cause, "the worker exited");
			eof = true;
			break;
		}
		if (p[0].revents) {
			char drain[64];

			while (read(w->wake_r, drain, sizeof drain) > 0)
				;
		}
		if (in_i >= 0 && p[in_i].revents && !plugin_flush_outq(w)) {
			snprintf(cause, sizeof cause, "the worker closed its stdin");
			eof = true;
			break;
		}
		if (err_i >= 0 && p[err_i].revents)
			err_open = plugin_pump_stderr(w, &errbuf);
		if (p[out_i].revents) {
			ssize_t n = read(w->out_fd, chunk, PLUGIN_READ_CHUNK);
			size_t start = 0;
			bool bad = false;

			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				snprintf(cause, sizeof cause, "the worker closed its stdout");
				eof = true;
				break;
			}
			for (size_t i = 0; n > 0 && i < (size_t)n && !bad; i++) {
				if (chunk[i] != '\n')
					continue;
				if (line.len + (i - start) > h->max_line_bytes) {
					bad = true;
					break;
				}
				buf_append(&line, chunk + start, i - start);
				bad = !plugin_handle_line(w, line.data ? line.data : "", line.len, cause,
							  sizeof cause);
				buf_reset(&line);
				start = i + 1;
			}
			if (!bad && n > 0) {
				if (line.len + ((size_t)n - start) > h->max_line_bytes)
					bad = true;
				else
					buf_append(&line, chunk + start, (size_t)n - start);
			}
			if (bad) {
				if (!cause[0])
					snprintf(cause, sizeof cause,
						 "the worker wrote a line longer than the %zu-byte limit",
						 h->max_line_bytes);
				plugin_log_printf(w->log, "host", "protocol error: %s", cause);
				break;
			}
		}
	}
done:
	free(chunk);
	buf_wipe(&line);
	plugin_finish(w, st, cause, eof, &errbuf, err_open);
	buf_clear(&errbuf);
	return NULL;
}

/* ------------------------------------------------------------ lifecycle */

static char *plugin_initialize_params(PluginWorker *w)
{
	cJSON *p = cJSON_CreateObject(), *info;
	char *text;

	if (!p)
		return NULL;
	cJSON_AddItemToObject(p, "manifest",
			      cJSON_Duplicate(plugin_manifest_initialize_json(w->manifest), 1));
	cJSON_AddItemToObject(p, "config", cJSON_CreateObject());
	info = cJSON_AddObjectToObject(p, "instanceInfo");
	cJSON_AddStringToObject(info, "instanceId", w->host->instance_id);
	cJSON_AddStringToObject(info, "hostVersion", w->host->host_version);
	cJSON_AddNumberToObject(p, "apiVersion", PLUGIN_API_VERSION);
	text = cJSON_PrintUnformatted(p);
	cJSON_Delete(p);
	return text;
}

static void plugin_set_methods_locked(PluginWorker *w, const cJSON *result)
{
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(result, "supportedMethods");
	size_t n = (size_t)cJSON_GetArraySize(list), k = 0;
	const cJSON *item;

	for (size_t i = 0; w->methods && w->methods[i]; i++)
		free(w->methods[i]);
	free(w->methods);
	w->methods = calloc(n + 1, sizeof *w->methods);
	if (!w->methods)
		return;
	cJSON_ArrayForEach(item, list)
		if (cJSON_IsString(item) && (w->methods[k] = strdup(item->valuestring)))
			k++;
	w->methods_known = true;
}

static Status plugin_start_locked(PluginWorker *w, int64_t deadline, long timeout_ms, Error *err)
{
	int wake[2];
	char *params;
	cJSON *result = NULL;
	long init_ms;
	Status st;

	if (w->io_joinable) {
		pthread_join(w->io, NULL);
		w->io_joinable = false;
	}
	if (!plugin_manifest_ok(w->manifest))
		return error_set(err, ST_E_INVALID,
				 "plugin %s: the manifest %s has errors; fix them (see `envctl plugin "
				 "show %s`)",
				 w->name, w->manifest->path, w->name);
	w->state = PLUGIN_WORKER_STARTING;
	w->stop_requested = false;
	w->stop_expected = false;
	w->stop_cause[0] = '\0';
	w->methods_known = false;
	if (pipe2(wake, O_CLOEXEC | O_NONBLOCK) != 0) {
		st = error_set(err, ST_E_IO, "plugin %s: cannot start the worker: pipe: %s", w->name,
			       strerror(errno));
		goto fail;
	}
	w->wake_r = wake[0];
	w->wake_w = wake[1];
	st = plugin_spawn_locked(w, err);
	if (st != ST_OK)
		goto fail;
	if (pthread_create(&w->io, NULL, plugin_io_main, w) != 0) {
		kill(-w->pid, SIGKILL);
		waitpid(w->pid, NULL, 0);
		plugin_close(&w->pid_fd);
		plugin_remove_tmpdir(w);
		plugin_close(&w->in_fd);
		plugin_close(&w->out_fd);
		plugin_close(&w->err_fd);
		w->pid = 0;
		st = error_set(err, ST_E_NOMEM, "plugin %s: cannot create the worker's I/O thread",
			       w->name);
		goto fail;
	}
	w->io_joinable = true;
	w->starts++;
	w->started_ms = plugin_mono_ms();
	params = plugin_initialize_params(w);
	if (!params) {
		plugin_request_stop_locked(w, ST_E_NOMEM, false, "out of memory");
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	/* initialize gets the host default, within what is left of the call. */
	init_ms = w->host->default_timeout_ms < timeout_ms ? w->host->default_timeout_ms
							   : timeout_ms;
	if (plugin_mono_ms() + init_ms < deadline)
		deadline = plugin_mono_ms() + init_ms;
	st = plugin_roundtrip_locked(w, "initialize", params, deadline, init_ms, NULL, &result,
				     err);
	free(params);
	if (st == ST_OK && !json_is_true(result, "ok")) {
		st = error_set(err, ST_E_PROVIDER, "plugin %s: initialize answered ok:false", w->name);
		plugin_request_stop_locked(w, ST_E_PROVIDER, false, "initialize answered ok:false");
	}
	if (st != ST_OK) {
		cJSON_Delete(result);
		plugin_request_stop_locked(w, st, false, "initialize failed");
		return error_prefix(err, "cannot start the worker: ");
	}
	plugin_set_methods_locked(w, result);
	cJSON_Delete(result);
	if (w->state == PLUGIN_WORKER_STARTING)
		w->state = PLUGIN_WORKER_RUNNING;
	pthread_cond_broadcast(&w->cv);
	return w->state == PLUGIN_WORKER_RUNNING
		       ? ST_OK
		       : error_set(err, ST_E_PROVIDER, "plugin %s: the worker stopped right after "
						       "initialize: %s",
				   w->name, w->last_error);
fail:
	plugin_close(&w->wake_r);
	plugin_close(&w->wake_w);
	w->state = PLUGIN_WORKER_STOPPED;
	w->failures++;
	w->next_start_ms = plugin_mono_ms() + w->host->backoff_base_ms;
	snprintf(w->last_error, sizeof w->last_error, "%s", err->msg);
	plugin_log_printf(w->log, "host", "%s", err->msg);
	pthread_cond_broadcast(&w->cv);
	return st;
}

/* Makes the worker RUNNING before deadline: waits out a start or stop in
 * progress and the restart backoff, then starts it. */
static Status plugin_ensure_running_locked(PluginWorker *w, int64_t deadline, long timeout_ms,
					   bool skip_backoff, Error *err)
{
	for (;;) {
		switch (w->state) {
		case PLUGIN_WORKER_RUNNING:
			return ST_OK;
		case PLUGIN_WORKER_STARTING:
		case PLUGIN_WORKER_STOPPING:
			if (!plugin_wait_until(w, deadline) && w->state != PLUGIN_WORKER_RUNNING &&
			    w->state != PLUGIN_WORKER_STOPPED)
				return error_set(err, ST_E_TIMEOUT,
						 "plugin %s: the worker was not ready within %ld ms",
						 w->name, timeout_ms);
			break;
		case PLUGIN_WORKER_STOPPED:
			if (!skip_backoff && w->next_start_ms > plugin_mono_ms()) {
				if (w->next_start_ms >= deadline)
					return error_set(err, ST_E_BUSY,
							 "plugin %s: the worker is waiting %lld ms "
							 "before restarting after: %s",
							 w->name,
							 (long long)(w->next_start_ms - plugin_mono_ms()),
							 w->last_error);
				plugin_wait_until(w, w->next_start_ms);
				break;
			}
			return plugin_start_locked(w, deadline, timeout_ms, err);
		}
	}
}

static int plugin_supports_locked(PluginWorker *w, const char *method)
{
	if (!w->methods_known || !w->methods)
		return -1;
	for (size_t i = 0; w->methods[i]; i++)
		if (strcmp(w->methods[i], method) == 0)
			return 1;
	return 0;
}

Status plugin_worker_call(PluginWorker *w, const char *method, const cJSON *params,
			  long timeout_ms, cJSON **result, Error *err)
{
	return plugin_worker_call_redacted(w, method, params, timeout_ms, NULL, result, err);
}

Status plugin_worker_call_redacted(PluginWorker *w, const char *method, const cJSON *params,
				   long timeout_ms, const char *const *secrets, cJSON **result,
				   Error *err)
{
	int64_t deadline;
	char *text;
	Status st;

	*result = NULL;
	if (!plugin_rpc_method_valid(method))
		return error_set(err, ST_E_INVALID, "plugin %s: invalid method name", w->name);
	if (timeout_ms <= 0)
		timeout_ms = w->host->default_timeout_ms;
	deadline = plugin_mono_ms() + timeout_ms;
	text = params ? cJSON_PrintUnformatted(params) : strdup("{}");
	if (!text)
		return error_set(err, ST_E_NOMEM, "out of memory");
	pthread_mutex_lock(&w->mu);
	st = plugin_ensure_running_locked(w, deadline, timeout_ms, false, err);
	if (st == ST_OK && w->methods_known && strncmp(method, "environment", 11) == 0 &&
	    plugin_supports_locked(w, method) == 0)
		st = error_set(err, ST_E_UNSUPPORTED,
			       "plugin %s does not implement %s (not in its supportedMethods)", w->name,
			       method);
	if (st == ST_OK) {
		st = plugin_roundtrip_locked(w, method, text, deadline, timeout_ms, secrets, result,
					     err);
		if (st == ST_OK) {
			w->failures = 0;
			w->calls_ok++;
		}
	}
	pthread_mutex_unlock(&w->mu);
	plugin_wipe_free(text);
	return st;
}

Status plugin_worker_start(PluginWorker *w, Error *err)
{
	long timeout_ms = w->host->default_timeout_ms;
	Status st;

	pthread_mutex_lock(&w->mu);
	st = plugin_ensure_running_locked(w, plugin_mono_ms() + timeout_ms, timeout_ms, true, err);
	pthread_mutex_unlock(&w->mu);
	return st;
}

void plugin_worker_stop(PluginWorker *w)
{
	long shutdown_ms = w->host->default_timeout_ms < 5000 ? w->host->default_timeout_ms : 5000;
	cJSON *result = NULL;
	Error err;

	pthread_mutex_lock(&w->mu);
	while (w->state == PLUGIN_WORKER_STARTING)
		plugin_wait_until(w, plugin_mono_ms() + 1000);
	if (w->state == PLUGIN_WORKER_RUNNING) {
		w->stop_expected = true;
		plugin_log_printf(w->log, "host", "stopping worker pid %d", (int)w->pid);
		/* The SDK answers shutdown, then exits on its own. */
		plugin_roundtrip_locked(w, "shutdown", "{}", plugin_mono_ms() + shutdown_ms,
					shutdown_ms, NULL, &result, &err);
		cJSON_Delete(result);
		plugin_request_stop_locked(w, ST_E_PROVIDER, true, "the worker was stopped by envctl");
	}
	while (w->state != PLUGIN_WORKER_STOPPED)
		pthread_cond_wait(&w->cv, &w->mu);
	if (w->io_joinable) {
		pthread_join(w->io, NULL);
		w->io_joinable = false;
	}
	pthread_mutex_unlock(&w->mu);
}

Status plugin_worker_restart(PluginWorker *w, Error *err)
{
	plugin_worker_stop(w);
	pthread_mutex_lock(&w->mu);
	w->failures = 0;
	w->next_start_ms = 0;
	pthread_mutex_unlock(&w->mu);
	return plugin_worker_start(w, err);
}

int plugin_worker_supports(PluginWorker *w, const char *method)
{
	int r;

	pthread_mutex_lock(&w->mu);
	r = plugin_supports_locked(w, method);
	pthread_mutex_unlock(&w->mu);
	return r;
}

void plugin_worker_info(PluginWorker *w, PluginWorkerInfo *out)
{
	int64_t now = plugin_mono_ms();

	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&w->mu);
	out->state = w->state;
	out->pid = w->pid;
	out->starts = w->starts;
	out->restarts = w->starts > 0 ? w->starts - 1 : 0;
	out->failures = w->failures;
	out->in_flight = w->in_flight;
	out->calls = w->calls_ok;
	out->uptime_ms = w->state == PLUGIN_WORKER_RUNNING ? now - w->started_ms : 0;
	out->restart_in_ms = w->state == PLUGIN_WORKER_STOPPED && w->next_start_ms > now
				     ? w->next_start_ms - now
				     : 0;
	out->methods_known = w->methods_known;
	snprintf(out->last_error, sizeof out->last_error, "%s", w->last_error);
	pthread_mutex_unlock(&w->mu);
}

const char *plugin_worker_state_name(PluginWorkerState s)
{
	switch (s) {
	case PLUGIN_WORKER_STARTING: return "starting";
	case PLUGIN_WORKER_RUNNING: return "running";
	case PLUGIN_WORKER_STOPPING: return "stopping";
	default: return "stopped";
	}
}

char *plugin_worker_describe(PluginWorker *w)
{
	PluginWorkerInfo info;
	char *s = NULL;
	int n;

	plugin_worker_info(w, &info);
	if (!plugin_manifest_ok(w->manifest))
		n = asprintf(&s, "broken manifest");
	else if (info.state == PLUGIN_WORKER_RUNNING)
		n = asprintf(&s, "running (pid %d, up %llds, %d restart%s, %ld in flight)",
			     (int)info.pid, (long long)(info.uptime_ms / 1000), info.restarts,
			     info.restarts == 1 ? "" : "s", info.in_flight);
	else if (info.state != PLUGIN_WORKER_STOPPED)
		n = asprintf(&s, "%s", plugin_worker_state_name(info.state));
	else if (info.starts == 0 && !info.last_error[0])
		n = asprintf(&s, "not started (starts on first use)");
	else if (info.last_error[0])
		n = asprintf(&s, "stopped after: %s (restarts on the next call%s)", info.last_error,
			     info.restart_in_ms ? ", after a backoff" : "");
	else
		n = asprintf(&s, "stopped");
	return n < 0 ? NULL : s;
}

/* TERM reaches the shell's programs (and terminfo lookups): only a plain
 * name such as xterm-256color, never a path or anything odd. */
static bool plugin_term_ok(const char *term)
{
	if (!term || !term[0] || strlen(term) > 64)
		return false;
	for (const char *p = term; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '-' || *p == '_' || *p == '.' || *p == '+'))
			return false;
	return true;
}

Status plugin_worker_shell(PluginWorker *w, const cJSON *params, int tty, const char *term,
			   pid_t *pid, Error *err)
{
	const PluginManifest *m = w->manifest;
	char **env = plugin_env_build(m->inherit_env), **argv = NULL;
	char *exe = NULL, *text = NULL, *term_entry = NULL;
	int pfd[2] = { -1, -1 };
	size_t n = 0, len, off = 0;
	Status st = ST_OK;

	*pid = -1;
	if (!env)
		return error_set(err, ST_E_NOMEM, "out of memory");
	exe = plugin_resolve_exe(m, env, err);
	if (!exe) {
		plugin_strv_free(env);
		return err->status;
	}
	while (m->worker_argv[n])
		n++;
	argv = calloc(n + 2, sizeof *argv);
	text = cJSON_PrintUnformatted(params);
	if (plugin_term_ok(term) && asprintf(&term_entry, "TERM=%s", term) < 0)
		term_entry = NULL;
	if (!argv || !text || (plugin_term_ok(term) && !term_entry)) {
		st = error_set(err, ST_E_NOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		argv[i] = m->worker_argv[i];
	argv[n] = (char *)PLUGIN_SHELL_ARG;
	if (term_entry) {
		size_t k = 0;

		while (env[k])
			k++;
		/* plugin_env_build left room. */
		env[k++] = term_entry;
		env[k] = NULL;
		term_entry = NULL;
	}
	len = strlen(text);
	/* The params go in whole before the worker starts: the pipe is made
	 * big enough, so nothing waits on the child to read. */
	if (pipe2(pfd, O_CLOEXEC) != 0) {
		st = error_set(err, ST_E_IO, "plugin %s: cannot start a shell: pipe: %s", m->id,
			       strerror(errno));
		goto done;
	}
	if (len >= 65536)
		fcntl(pfd[1], F_SETPIPE_SZ, (int)(len + 1));
	fcntl(pfd[1], F_SETFL, fcntl(pfd[1], F_GETFL) | O_NONBLOCK);
	while (off < len) {
		ssize_t k = plugin_write_nosigpipe(pfd[1], text + off, len - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			st = error_set(err, ST_E_IO,
				       "plugin %s: cannot start a shell: its parameters (%zu bytes) do "
				       "not fit a pipe",
				       m->id, len);
			goto done;
		}
		off += (size_t)k;
	}
	close(pfd[1]);
	pfd[1] = -1;
	{
		PluginSpawnSpec sp = {
			.exe = exe,
			.argv = argv,
			.envp = env,
			.cwd = m->dir,
			.stdio = { tty, tty, tty },
			.pass_fd = pfd[0],
			.ctty = true,
		};
		PluginSpawnError se;

		*pid = plugin_spawn(&sp, &se);
		if (*pid < 0)
			st = error_set(err, ST_E_IO, "plugin %s: cannot start a shell with %s in %s: %s: %s",
				       m->id, exe, m->dir, se.step, strerror(se.errnum));
		else
			plugin_log_printf(w->log, "host", "started shell pid %d: %s %s", (int)*pid, exe,
					  PLUGIN_SHELL_ARG);
	}
done:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (text) {
		sodium_memzero(text, strlen(text));
		free(text);
	}
	free(term_entry);
	free(argv);
	free(exe);
	plugin_strv_free(env);
	return st;
}
