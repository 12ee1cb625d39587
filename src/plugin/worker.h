/* The worker runtime: one long-lived process per plugin speaking
 * newline-delimited JSON-RPC 2.0 on its stdin/stdout (DESIGN §6.1).
 *
 * A PluginHost owns one PluginWorker per loaded plugin. A worker starts on
 * its first call with a scrubbed environment (PATH, HOME, LANG, LC_*,
 * TMPDIR and the manifest's inheritEnv, nothing else), in the plugin
 * folder, in its own process group; `initialize` runs before anything else.
 *
 * plugin_worker_call is blocking and thread-safe: any number of threads
 * may have calls in flight on one worker; one I/O thread per running
 * worker reads its stdout and stderr and matches responses to callers by
 * id. A worker that crashes, hangs past a call's timeout, closes its
 * stdout, writes a line that is not JSON-RPC, writes a line over the size
 * limit, or answers an id that is not in flight is stopped (TERM, then KILL
 * after a grace period); every call in flight fails with an error naming
 * the plugin, the method and the cause, and the next call restarts it after
 * a backoff. Requests from the worker are answered at once (config.get, or
 * "method not found"); `log` notifications and stderr go to the plugin's
 * bounded log. */
#ifndef ENVCTL_PLUGIN_WORKER_H
#define ENVCTL_PLUGIN_WORKER_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "plugin/log.h"
#include "plugin/manifest.h"
#include "util/lib.h"

#define PLUGIN_DEFAULT_TIMEOUT_MS 30000L
#define PLUGIN_DEFAULT_MAX_LINE (16u * 1024u * 1024u)

typedef struct PluginHostOptions {
	const char *host_version;  /* sent in initialize.instanceInfo */
	const char *log_dir;       /* NULL: plugin_log_default_dir() */
	long default_timeout_ms;   /* 0: $ENVCTL_PLUGIN_TIMEOUT_MS, else 30 s */
	long kill_grace_ms;        /* TERM -> KILL; 0: 2000 */
	long backoff_base_ms;      /* first restart delay, doubling; 0: 100 */
	long backoff_max_ms;       /* 0: 5000 */
	size_t max_line_bytes;     /* 0: PLUGIN_DEFAULT_MAX_LINE */
	size_t log_max_bytes;      /* 0: PLUGIN_LOG_DEFAULT_MAX_BYTES */
} PluginHostOptions;

typedef struct PluginHost PluginHost;
typedef struct PluginWorker PluginWorker;

typedef enum PluginWorkerState {
	PLUGIN_WORKER_STOPPED,
	PLUGIN_WORKER_STARTING,
	PLUGIN_WORKER_RUNNING,
	PLUGIN_WORKER_STOPPING,
} PluginWorkerState;

typedef struct PluginWorkerInfo {
	PluginWorkerState state;
	pid_t pid;            /* 0 when not running */
	int starts;           /* processes started so far */
	int restarts;         /* starts after the first */
	int failures;         /* consecutive failures (drives the backoff) */
	long in_flight;       /* calls waiting for an answer */
	long long calls;      /* calls answered successfully */
	int64_t uptime_ms;    /* since the running process started */
	int64_t restart_in_ms; /* backoff left before the next start may happen */
	bool methods_known;   /* initialize has answered */
	char last_error[768]; /* why the last process stopped, "" if none */
} PluginWorkerInfo;

/* NULL when out of memory. */
PluginHost *plugin_host_new(const PluginHostOptions *opts);
/* Shuts every running worker down (`shutdown`, then TERM/KILL), frees. */
void plugin_host_free(PluginHost *h);
/* Adds the worker of a loaded manifest (not started). The manifest must
 * outlive the host. NULL when out of memory. */
PluginWorker *plugin_host_add(PluginHost *h, const PluginManifest *m);
PluginWorker *plugin_host_find(const PluginHost *h, const char *plugin_id);
/* The i-th worker, NULL past the last. */
PluginWorker *plugin_host_at(const PluginHost *h, size_t i);
long plugin_host_default_timeout(const PluginHost *h);
const char *plugin_host_log_dir(const PluginHost *h);

/* Calls method with params (may be NULL: {}) and waits up to timeout_ms
 * (<= 0: the host default) for the answer. On success *result holds the
 * worker's result (JSON null when it sent none); caller deletes it. */
Status plugin_worker_call(PluginWorker *w, const char *method, const cJSON *params,
			  long timeout_ms, cJSON **result, Error *err);
/* Same, for a call whose params carry the given secret plaintexts: the
 * worker's error text is redacted whole before it is cut to fit err. */
Status plugin_worker_call_redacted(PluginWorker *w, const char *method, const cJSON *params,
				   long timeout_ms, const char *const *secrets, cJSON **result,
				   Error *err);
/* Starts the worker now if it is not running (no backoff wait). */
Status plugin_worker_start(PluginWorker *w, Error *err);
/* Stops (cleanly when it can) and starts it again; resets the backoff. */
Status plugin_worker_restart(PluginWorker *w, Error *err);
/* Clean stop: `shutdown`, then TERM/KILL if it does not exit. */
void plugin_worker_stop(PluginWorker *w);

/* 1 when initialize listed method, 0 when it did not, -1 before the worker
 * has answered initialize. */
int plugin_worker_supports(PluginWorker *w, const char *method);
void plugin_worker_info(PluginWorker *w, PluginWorkerInfo *out);
/* "not started", "running (pid 123, up 4s, 1 restart)", "stopped: ..." */
char *plugin_worker_describe(PluginWorker *w);
/* Per-call cancellation (#15). A thread that binds a token has each of
 * its calls wait under it: once the token fires, a call still waiting is
 * abandoned at once (ST_E_FAIL, "cancelled"), the worker is left running
 * and the call's late answer is dropped when it comes. A token is shared
 * by the canceller and the thread; whoever made it frees it once the
 * thread is done with it. */
typedef struct PluginCancel PluginCancel;
PluginCancel *plugin_cancel_new(void);
void plugin_cancel_free(PluginCancel *c);
void plugin_cancel_fire(PluginCancel *c);
/* The calling thread's calls wait under c from now on (NULL: none). */
void plugin_cancel_bind(PluginCancel *c);
/* Whether the token bound to the calling thread has fired. */
bool plugin_cancel_current_fired(void);

/* Starts the worker's interactive shell (serve.h, PLUGIN_SHELL_ARG): a
 * separate process of the worker's command, with the worker's scrubbed
 * environment plus TERM (when it is a plain terminal name), in the
 * plugin folder, tty (a pty slave) as its controlling terminal and
 * params (wiped by the caller) on fd 3. *pid is the process to wait for. */
Status plugin_worker_shell(PluginWorker *w, const cJSON *params, int tty, const char *term,
			   pid_t *pid, Error *err);
const PluginManifest *plugin_worker_manifest(const PluginWorker *w);
const char *plugin_worker_state_name(PluginWorkerState s);

#endif
