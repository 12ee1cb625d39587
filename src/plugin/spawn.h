/* The one fork/exec of the plugin layer: workers (worker.c) and the
 * commands the C workers and `plugin import` run (proc.c) start here, so
 * every hardening of process start-up (signals, descriptors, process
 * group, dying with the caller, limits, cgroup, uid) is in one place.
 * Only async-signal-safe calls run between fork and exec. */
#ifndef ENVCTL_PLUGIN_SPAWN_H
#define ENVCTL_PLUGIN_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct PluginSpawnSpec {
	const char *exe;        /* a path (see plugin_spawn_find) */
	char *const *argv;
	char *const *envp;      /* NULL: this process's environment */
	const char *cwd;        /* NULL: unchanged ("/" when set_ids) */
	int stdio[3];           /* become the child's 0, 1 and 2 */
	int pass_fd;            /* >= 0: becomes fd 3; else -1 */
	/* The child gets SIGKILL when the thread that started it ends
	 * (PR_SET_PDEATHSIG): for commands a call waits for, never for a
	 * worker, which outlives the thread that happened to start it. */
	bool die_with_thread;
	/* Terminal children (an interactive shell, #15) instead of the own
	 * process group: ctty makes the child a session leader with stdio[0]
	 * (a pty slave) as its controlling terminal; keep_pgrp leaves it in
	 * the caller's (foreground) process group, so the terminal's ^C and
	 * job control reach it. */
	bool ctty;
	bool keep_pgrp;
	/* Root only: in a private mount namespace of the child, bind-mount
	 * private_bind_src onto private_bind_dst before dropping to uid. */
	const char *private_bind_src;
	const char *private_bind_dst;
	const char *cgroup_procs; /* a cgroup.procs file to join; NULL: none */
	long cpu_seconds;         /* RLIMIT_CPU; 0: unchanged */
	long memory_bytes;        /* RLIMIT_AS; 0: unchanged */
	long max_processes;       /* RLIMIT_NPROC; 0: unchanged */
	bool set_ids;             /* run as uid/gid, no supplementary groups */
	uid_t uid;
	gid_t gid;
} PluginSpawnSpec;

typedef struct PluginSpawnError {
	const char *step; /* "fork", "setting up its descriptors", ... */
	int errnum;
	bool at_exec;     /* the execve itself failed */
} PluginSpawnError;

/* Starts the child in its own process group, every signal at its default
 * and none blocked, with no descriptor of this process beyond stdio and
 * pass_fd. Returns its pid once it has exec'd, or -1 with why in *e. */
pid_t plugin_spawn(const PluginSpawnSpec *s, PluginSpawnError *e);
/* Searches name on the PATH of envp (NULL: this process's environment;
 * a default when unset); a name with a '/' is returned as is. Caller
 * frees; NULL when not found. */
char *plugin_spawn_find(const char *name, char *const *envp);

#endif
