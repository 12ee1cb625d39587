/* Running a child process to completion: stdin fed from memory, stdout and
 * stderr captured (bounded), a wall-clock timeout that kills its process
 * group, optional resource limits and an unprivileged uid. Used by the C
 * workers (bwrap, ssh) and by `plugin import` (node). Thread-safe: only
 * async-signal-safe calls run between fork and exec. */
#ifndef ENVCTL_PLUGIN_PROC_H
#define ENVCTL_PLUGIN_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/lib.h"

#define PLUGIN_PROC_DEFAULT_MAX_OUTPUT (8u * 1024u * 1024u)

typedef struct PluginProcSpec {
	const char *const *argv; /* argv[0]: a path, or a name searched on PATH */
	char *const *envp;       /* NULL: this process's environment */
	const char *cwd;         /* NULL: unchanged */
	const char *stdin_data;  /* NULL: /dev/null */
	size_t stdin_len;
	long timeout_ms;         /* 0: none */
	size_t max_output;       /* per stream; 0: PLUGIN_PROC_DEFAULT_MAX_OUTPUT */
	int pass_fd;             /* >= 0: becomes fd 3 in the child; else -1 */
	long cpu_seconds;        /* RLIMIT_CPU; 0: unchanged */
	long memory_bytes;       /* RLIMIT_AS; 0: unchanged */
	long max_processes;      /* RLIMIT_NPROC; 0: unchanged */
	/* Root only: in a private mount namespace of the child, bind-mount
	 * private_bind_src onto private_bind_dst before dropping to uid, so
	 * the unprivileged child reaches a directory whose parents it could
	 * not traverse. */
	const char *private_bind_src;
	const char *private_bind_dst;
	/* A cgroup's cgroup.procs file the child joins before it drops
	 * privileges and execs (NULL: none). */
	const char *cgroup_procs;
	bool set_ids;            /* run as uid/gid (with no supplementary groups) */
	uid_t uid;
	gid_t gid;
	/* Called in the parent right after the fork with the child's pid
	 * (the leader of its own process group), before it may have run:
	 * bwrap records it so another call can stop the lease's commands. */
	void (*on_start)(pid_t pid, void *arg);
	void *on_start_arg;
} PluginProcSpec;

typedef struct PluginProcResult {
	int exit_code;   /* -1 when killed by a signal */
	int term_signal; /* 0 unless killed */
	bool timed_out;
	bool truncated;  /* output beyond max_output was dropped */
	char *out;
	size_t out_len;
	char *err;
	size_t err_len;
} PluginProcResult;

/* Fills res (free with plugin_proc_result_clear) when the child ran, even
 * if it failed; an error status only when it could not be started. */
Status plugin_proc_run(const PluginProcSpec *spec, PluginProcResult *res, Error *err);
void plugin_proc_result_clear(PluginProcResult *res);
/* The interactive twin (#15): the child gets this process's stdin, stdout
 * and stderr (a terminal) and stays in its foreground process group, so
 * ^C and job control reach it; nothing is captured and there is no
 * timeout (stdin_data, max_output and timeout_ms are ignored). Waits for
 * it and fills res's exit_code and term_signal only. */
Status plugin_proc_run_tty(const PluginProcSpec *spec, PluginProcResult *res, Error *err);
/* Searches name on $PATH (a name with '/' is returned as is). Caller frees;
 * NULL when not found. */
char *plugin_proc_find(const char *name);
/* "SIGKILL" for 9, "" for 0. */
const char *plugin_proc_signal_name(int sig, char *buf, size_t n);

#endif
