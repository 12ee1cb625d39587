/* Lease actions (DESIGN §4): acquire (with reuse), resume, release, destroy,
 * sweep and execute. Each is one function called by both the CLI and the
 * TUI. Every action that calls a provider writes its intent to the lease
 * row first and its outcome after, so a crash at any point leaves a row
 * the sweep can finish.
 *
 * Lease states (status / phase):
 *   active   phase "acquiring"  row written, provider not yet answered
 *   active   phase NULL         the sandbox is the operator's
 *   active   phase "releasing" / "destroying"  provider call in flight
 *   released | expired | failed | retained     final; cleanup_status says
 *            whether the provider's cleanup succeeded (failed: the sweep
 *            retries with backoff, at most LEASE_CLEANUP_MAX_ATTEMPTS).
 * A destroyed sandbox is marked in the lease's metadata with the host key
 * "envctlDestroyedAt" (host keys never count as provider config). */
#ifndef ENVCTL_CORE_LEASE_H
#define ENVCTL_CORE_LEASE_H

#include <stdbool.h>

#include "core/app.h"
#include "core/lease_reuse.h"
#include "store/lib.h"

#define LEASE_CLEANUP_MAX_ATTEMPTS 5
/* Lease metadata key naming the release/destroy method the provider does
 * not implement: nothing was cleaned up (cleanupStatus stays null, so
 * neither a success nor a failure the sweep would retry). */
#define LEASE_KEY_CLEANUP_UNSUPPORTED "envctlCleanupUnsupported"
#define LEASE_CLEANUP_BACKOFF_MS 30000

typedef struct LeaseAcquireRequest {
	const char *environment; /* id or name */
	const char *run_id;      /* NULL: an operator's test lease (ephemeral) */
	const char *issue_id;
	long ttl_seconds;        /* > 0: expires_at when the provider sets none */
	bool retain_on_failure;  /* policy retain_on_failure: a failed release keeps the sandbox */
	const char *actor;
} LeaseAcquireRequest;

typedef struct LeaseAcquireResult {
	StoreLease lease;
	bool resumed;
	/* A recovered problem worth showing ("resume of X failed: ...; a fresh
	 * sandbox was acquired"), or why nothing was resumed although reuse
	 * was on (lease_reuse_summary), or "". */
	char note[512];
	/* The reuse evaluation the acquire acted on (`--explain`). */
	LeaseReuseReport reuse;
} LeaseAcquireResult;

Status lease_acquire(App *app, const LeaseAcquireRequest *req, LeaseAcquireResult *out,
		     Error *err);
void lease_acquire_result_clear(LeaseAcquireResult *r);

/* `lease why`: the reuse evaluation an acquire for run_id would make now,
 * without acquiring anything (the same function the acquire uses). */
typedef struct LeaseWhy {
	char environment_id[UUID_STR_LEN];
	char environment_name[256];
	LeaseReuseReport report;
} LeaseWhy;

Status lease_why(App *app, const char *environment, const char *run_id, LeaseWhy *out,
		 Error *err);
void lease_why_clear(LeaseWhy *w);

/* Resumes a lease by id: the provider confirms the sandbox still exists;
 * the lease becomes active again with last_used_at now. A sandbox the
 * provider no longer has is ST_E_NOT_FOUND. */
Status lease_resume(App *app, const char *lease_id, const char *actor, StoreLease *out,
		    Error *err);

/* status: released | expired | failed (retain_on_failure + failed → retained).
 * A lease that is no longer active is ST_E_CONFLICT "already released". */
Status lease_release(App *app, const char *lease_id, const char *status, const char *reason,
		     const char *actor, StoreLease *out, Error *err);

/* Destroys the sandbox at the provider (any status but destroyed); an
 * active lease becomes released. */
Status lease_destroy(App *app, const char *lease_id, const char *actor, StoreLease *out,
		     Error *err);

/* Before an environment goes: destroys every lease of it that still holds
 * a sandbox (active, or whose cleanup has not succeeded), so deleting the
 * rows leaves nothing untracked at the provider. Stops at the first
 * failure, naming the lease. *count gets how many were destroyed. */
Status lease_destroy_for_env(App *app, const char *environment_id, long *count, Error *err);
/* How many leases of the environment still hold a sandbox. */
Status lease_count_holding(App *app, const char *environment_id, long *count, Error *err);

typedef struct LeaseSweepReport {
	long expired;          /* active leases past expires_at, released as expired */
	long reconciled;       /* rows caught mid-call by a crash, finished */
	long cleanup_retried;  /* failed cleanups tried again */
	long cleanup_fixed;    /* ...of which now succeeded */
	long cleanup_gave_up;  /* ...of which reached the attempt limit */
} LeaseSweepReport;

Status lease_sweep(App *app, const char *actor, LeaseSweepReport *out, Error *err);

typedef struct LeaseExecRequest {
	const char *lease_id;
	const char *command;
	const char *const *args; /* NULL-terminated, may be NULL */
	/* NULL: the lease's workspace (the realized one, else the provider's
	 * metadata.remoteCwd), else the provider's default. */
	const char *cwd;
	/* "K=V" (NULL-terminated, may be NULL). V of the form secret:NAME|ID
	 * is a secret bound to the lease's environment, resolved for this
	 * call only and wiped after. */
	const char *const *env;
	const char *stdin_data;
	long timeout_ms;
	const char *actor;
} LeaseExecRequest;

Status lease_exec(App *app, const LeaseExecRequest *req, ExecResult *out, Error *err);

/* Every execute (CLI exec, a shell line, the console) leaves one activity
 * row of this action on the lease: details {command, cwd, exitCode,
 * durationMs, signal?, timedOut?, error?}, the command redacted and cut
 * at LEASE_EXEC_CMD_MAX bytes. */
#define LEASE_EXEC_ACTION "environment.lease_exec"
#define LEASE_EXEC_CMD_MAX 1024
/* The lease's exec history with activity id > after_id, oldest first;
 * a follower passes the last id it printed. */
Status lease_exec_log(App *app, const char *lease_id, long long after_id, StoreActivityList *out,
		      Error *err);
/* One history row as a terminal-safe line "TIME  exit N  DURms  COMMAND"
 * (heap; NULL: out of memory), as the CLI and the console print it. */
char *lease_exec_log_line(const StoreActivity *a);

/* An interactive shell's start (#15; the relay is core/lease_shell.c):
 * the lease must be active and its provider able to run shells
 * (PROVIDER_CAP_SHELL). tty is a pty slave that becomes the shell's
 * controlling terminal. On success *pid is the process to wait for and
 * *secrets a NULL-terminated copy of the config's secret plaintexts, for
 * redacting what the shell prints; wipe it with lease_shell_secrets_free. */
Status lease_shell_start(App *app, const char *lease_id, int tty, const char *term, pid_t *pid,
			 char ***secrets, Error *err);
void lease_shell_secrets_free(char **secrets);

/* Asks the provider to realize a workspace in the lease's sandbox (DESIGN
 * §6.3 environmentRealizeWorkspace); *out gets {cwd, metadata?}.
 * workspace may be NULL. */
Status lease_realize_workspace(App *app, const char *lease_id, const cJSON *workspace,
			       cJSON **out, Error *err);

/* The lease with this id (`lease show`). */
Status lease_get(App *app, const char *id, StoreLease *out, Error *err);
/* The leases f selects, handed to fn one at a time in f's order, without
 * holding them all (`lease list` prints a million). */
Status lease_each(App *app, const StoreLeaseFilter *f, StoreLeaseFn fn, void *ctx, Error *err);

/* A lease as JSON (the CLI's --json shape): id, environmentId, status,
 * leasePolicy, provider, providerLeaseId, acquiredAt, lastUsedAt,
 * expiresAt, releasedAt, failureReason, cleanupStatus, metadata, ... */
cJSON *lease_to_json(const StoreLease *l);
/* Appends cJSON_PrintUnformatted(lease_to_json(l)) byte for byte, without
 * building the tree: `lease list --json` prints a million of them. False:
 * out of memory. */
struct Buf;
bool lease_json_write(struct Buf *b, const StoreLease *l);

/* The method the provider lacked when this lease ended
 * (LEASE_KEY_CLEANUP_UNSUPPORTED), or NULL; caller frees. */
char *lease_cleanup_unsupported(const StoreLease *l);

#endif
