#include "plugin/private.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/lib.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define SPAWN_DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

extern char **environ;

char *plugin_spawn_find(const char *name, char *const *envp)
{
	const char *path = NULL;
	char *copy, *save = NULL, *found = NULL;

	if (strchr(name, '/'))
		return strdup(name);
	for (char *const *e = envp ? envp : environ; e && *e; e++)
		if (strncmp(*e, "PATH=", 5) == 0)
			path = *e + 5;
	copy = strdup(path && path[0] ? path : SPAWN_DEFAULT_PATH);
	for (char *dir = copy ? strtok_r(copy, ":", &save) : NULL; dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		char *cand = fs_join(dir, name);

		if (cand && access(cand, X_OK) == 0 && fs_is_file(cand))
			found = cand;
		else
			free(cand);
	}
	free(copy);
	return found;
}

/* What the child was doing when it failed, reported with errno. */
enum {
	SPAWN_STEP_STDIO,
	SPAWN_STEP_BIND,
	SPAWN_STEP_CGROUP,
	SPAWN_STEP_IDS,
	SPAWN_STEP_CWD,
	SPAWN_STEP_EXEC
};

static const char *spawn_step_name(int step)
{
	switch (step) {
	case SPAWN_STEP_STDIO: return "setting up its descriptors";
	case SPAWN_STEP_BIND: return "bind-mounting its directory";
	case SPAWN_STEP_CGROUP: return "joining its cgroup";
	case SPAWN_STEP_IDS: return "switching to its user";
	case SPAWN_STEP_CWD: return "entering its working directory";
	default: return "executing it";
	}
}

static void spawn_set_limit(int resource, long value)
{
	struct rlimit rl;

	if (value <= 0)
		return;
	rl.rlim_cur = rl.rlim_max = (rlim_t)value;
	setrlimit(resource, &rl);
}

/* Marks every descriptor from first up close-on-exec. */
static int spawn_cloexec_from(unsigned first, long maxfd)
{
	if (close_range(first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	for (long fd = first; fd < maxfd; fd++) {
		int fl = fcntl((int)fd, F_GETFD);

		if (fl >= 0 && fcntl((int)fd, F_SETFD, fl | FD_CLOEXEC) < 0)
			return -1;
	}
	return 0;
}

/* The child: everything here is async-signal-safe. */
static void spawn_child(const PluginSpawnSpec *s, int report_fd, long maxfd, pid_t parent)
{
	struct sigaction dfl;
	sigset_t none;
	int report[2] = { SPAWN_STEP_STDIO, 0 };

	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/* Its own process group, so stopping it reaches its children. */
	if (s->ctty)
		setsid();
	else if (!s->keep_pgrp)
		setpgid(0, 0);
	/* Out of its starter's group, a command would outlive a killed worker
	 * (an ssh holding a connection, with ppid 1): it dies with it. */
	if (s->die_with_thread && (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent))
		_exit(127);
	if (dup2(s->stdio[0], 0) < 0 || dup2(s->stdio[1], 1) < 0 || dup2(s->stdio[2], 2) < 0)
		goto fail;
	if (s->ctty && ioctl(0, TIOCSCTTY, 0) != 0)
		goto fail;
	if (s->pass_fd >= 0 && s->pass_fd != 3) {
		if (dup2(s->pass_fd, 3) < 0)
			goto fail;
	} else if (s->pass_fd == 3) {
		int fl = fcntl(3, F_GETFD);

		if (fl < 0 || fcntl(3, F_SETFD, fl & ~FD_CLOEXEC) < 0)
			goto fail;
	}
	/* No descriptor of the console (database, other workers) leaks in. */
	if (spawn_cloexec_from(s->pass_fd >= 0 ? 4 : 3, maxfd) != 0)
		goto fail;
	report[0] = SPAWN_STEP_BIND;
	if (s->private_bind_src &&
	    (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	     mount(s->private_bind_src, s->private_bind_dst, NULL, MS_BIND, NULL) != 0))
		goto fail;
	report[0] = SPAWN_STEP_CGROUP;
	if (s->cgroup_procs) {
		int cg = open(s->cgroup_procs, O_WRONLY | O_CLOEXEC);

		/* "0" is the writing process itself. */
		if (cg < 0 || write(cg, "0", 1) != 1) {
			if (cg >= 0)
				close(cg);
			goto fail;
		}
		close(cg);
	}
	spawn_set_limit(RLIMIT_CPU, s->cpu_seconds);
	spawn_set_limit(RLIMIT_AS, s->memory_bytes);
	spawn_set_limit(RLIMIT_NPROC, s->max_processes);
	report[0] = SPAWN_STEP_IDS;
	if (s->set_ids && (setgroups(0, NULL) != 0 || setresgid(s->gid, s->gid, s->gid) != 0 ||
			   setresuid(s->uid, s->uid, s->uid) != 0))
		goto fail;
	report[0] = SPAWN_STEP_CWD;
	if (s->cwd && chdir(s->cwd) != 0)
		goto fail;
	else if (!s->cwd && s->set_ids && chdir("/") != 0)
		goto fail;
	report[0] = SPAWN_STEP_EXEC;
	execve(s->exe, s->argv, s->envp ? s->envp : environ);
fail:
	report[1] = errno;
	(void)!write(report_fd, report, sizeof report);
	_exit(127);
}

pid_t plugin_spawn(const PluginSpawnSpec *s, PluginSpawnError *e)
{
	long maxfd = sysconf(_SC_OPEN_MAX);
	int rep[2], report[2] = { 0, 0 };
	pid_t pid, parent = getpid();
	ssize_t n;

	e->step = "fork";
	e->errnum = 0;
	e->at_exec = false;
	if (maxfd < 0 || maxfd > 65536)
		maxfd = 65536;
	if (pipe2(rep, O_CLOEXEC) != 0) {
		e->errnum = errno;
		e->step = "creating its report pipe";
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		e->errnum = errno;
		close(rep[0]);
		close(rep[1]);
		return -1;
	}
	if (pid == 0) {
		close(rep[0]);
		spawn_child(s, rep[1], maxfd, parent);
	}
	close(rep[1]);
	/* The report pipe closes on exec (close-on-exec) or carries why not. */
	do
		n = read(rep[0], report, sizeof report);
	while (n < 0 && errno == EINTR);
	close(rep[0]);
	if (n > 0) {
		waitpid(pid, NULL, 0);
		e->step = spawn_step_name(report[0]);
		e->errnum = report[1];
		e->at_exec = report[0] == SPAWN_STEP_EXEC;
		return -1;
	}
	return pid;
}
