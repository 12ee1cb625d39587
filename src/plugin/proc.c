#include "plugin/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plugin/rpc.h"
#include "util/buf.h"
#include "util/fs.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

extern char **environ;

static int64_t proc_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *plugin_proc_find(const char *name)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL, *found = NULL;

	if (strchr(name, '/'))
		return strdup(name);
	copy = strdup(path && path[0] ? path : "/usr/local/bin:/usr/bin:/bin");
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

const char *plugin_proc_signal_name(int sig, char *buf, size_t n)
{
	const char *abbrev = sig > 0 ? sigabbrev_np(sig) : NULL;

	if (sig <= 0)
		snprintf(buf, n, "%s", "");
	else if (abbrev)
		snprintf(buf, n, "SIG%s", abbrev);
	else
		snprintf(buf, n, "signal %d", sig);
	return buf;
}

void plugin_proc_result_free(PluginProcResult *res)
{
	free(res->out);
	free(res->err);
	memset(res, 0, sizeof *res);
}

static void proc_close(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void proc_set_limit(int resource, long value)
{
	struct rlimit rl;

	if (value <= 0)
		return;
	rl.rlim_cur = rl.rlim_max = (rlim_t)value;
	setrlimit(resource, &rl);
}

/* What the child was doing when it failed, reported with errno. */
enum {
	PROC_STEP_STDIO,
	PROC_STEP_BIND,
	PROC_STEP_CGROUP,
	PROC_STEP_IDS,
	PROC_STEP_CWD,
	PROC_STEP_EXEC
};

static const char *proc_step_name(int step)
{
	switch (step) {
	case PROC_STEP_STDIO: return "setting up its descriptors";
	case PROC_STEP_BIND: return "bind-mounting its directory";
	case PROC_STEP_CGROUP: return "joining its cgroup";
	case PROC_STEP_IDS: return "switching to its user";
	case PROC_STEP_CWD: return "entering its working directory";
	default: return "executing it";
	}
}

/* The child: everything here is async-signal-safe. */
static void proc_child(const PluginProcSpec *s, const char *exe, int in_fd, int out_fd,
		       int err_fd, int report_fd, long maxfd, pid_t parent)
{
	struct sigaction dfl;
	sigset_t none;
	int report[2] = { PROC_STEP_STDIO, 0 };

	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	for (int sig = 1; sig < 32; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &dfl, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0);
	/* Its own process group keeps it out of the worker's, so a killed
	 * worker would leave it running (an ssh holding a connection, with
	 * ppid 1): it dies with the thread that started it instead. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(127);
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		goto fail;
	if (s->pass_fd >= 0 && s->pass_fd != 3) {
		if (dup2(s->pass_fd, 3) < 0)
			goto fail;
	} else if (s->pass_fd == 3) {
		int fl = fcntl(3, F_GETFD);

		if (fl < 0 || fcntl(3, F_SETFD, fl & ~FD_CLOEXEC) < 0)
			goto fail;
	}
	{
		unsigned first = s->pass_fd >= 0 ? 4 : 3;

		if (close_range(first, ~0U, CLOSE_RANGE_CLOEXEC) != 0)
			for (long fd = first; fd < maxfd; fd++) {
				int fl = fcntl((int)fd, F_GETFD);

				if (fl >= 0)
					fcntl((int)fd, F_SETFD, fl | FD_CLOEXEC);
			}
	}
	report[0] = PROC_STEP_BIND;
	if (s->private_bind_src &&
	    (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	     mount(s->private_bind_src, s->private_bind_dst, NULL, MS_BIND, NULL) != 0))
		goto fail;
	report[0] = PROC_STEP_CGROUP;
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
	proc_set_limit(RLIMIT_CPU, s->cpu_seconds);
	proc_set_limit(RLIMIT_AS, s->memory_bytes);
	proc_set_limit(RLIMIT_NPROC, s->max_processes);
	report[0] = PROC_STEP_IDS;
	if (s->set_ids) {
		if (setgroups(0, NULL) != 0 || setresgid(s->gid, s->gid, s->gid) != 0 ||
		    setresuid(s->uid, s->uid, s->uid) != 0)
			goto fail;
	}
	report[0] = PROC_STEP_CWD;
	if (s->cwd && chdir(s->cwd) != 0)
		goto fail;
	else if (!s->cwd && s->set_ids && chdir("/") != 0)
		goto fail;
	report[0] = PROC_STEP_EXEC;
	execve(exe, (char *const *)s->argv, s->envp ? s->envp : environ);
fail:
	report[1] = errno;
	(void)!write(report_fd, report, sizeof report);
	_exit(127);
}

static bool proc_append(Buf *b, const char *data, size_t n, size_t max, bool *truncated)
{
	if (b->len >= max) {
		*truncated = true;
		return true;
	}
	if (n > max - b->len) {
		n = max - b->len;
		*truncated = true;
	}
	return buf_append(b, data, n);
}

/* On a timeout, the child's own children go first: a supervisor such as
 * bwrap then reaps them and exits by itself, instead of dying first and
 * leaving them as orphans for init to reap (some container inits reap
 * late, and unreaped zombies count against RLIMIT_NPROC). Returns false
 * when there were none to kill. */
static bool proc_kill_children(pid_t pid)
{
	char path[64], buf[512];
	bool any = false;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	for (char *p = buf, *end; *p; p = end) {
		long child = strtol(p, &end, 10);

		if (end == p)
			break;
		if (child > 0 && kill((pid_t)child, SIGKILL) == 0)
			any = true;
	}
	return any;
}

static void proc_kill_all(pid_t pid, bool reaped)
{
	kill(-pid, SIGKILL);
	if (!reaped)
		kill(pid, SIGKILL);
}

Status plugin_proc_run(const PluginProcSpec *s, PluginProcResult *res, Error *err)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 }, rep[2] = { -1, -1 };
	size_t max = s->max_output ? s->max_output : PLUGIN_PROC_DEFAULT_MAX_OUTPUT;
	long maxfd = sysconf(_SC_OPEN_MAX);
	char *exe = plugin_proc_find(s->argv[0]);
	Buf ob = BUF_INIT, eb = BUF_INIT;
	size_t in_off = 0;
	int64_t deadline = s->timeout_ms > 0 ? proc_mono_ms() + s->timeout_ms : 0;
	int64_t reaped_at = 0, kill_at = 0;
	int report[2] = { 0, 0 }, status = 0;
	bool out_open = true, err_open = true, reaped = false, nomem = false;
	ssize_t n;
	pid_t pid, parent;

	memset(res, 0, sizeof *res);
	if (!exe)
		return error_set(err, ST_E_NOT_FOUND, "cannot find \"%s\" on PATH", s->argv[0]);
	if (maxfd < 0 || maxfd > 65536)
		maxfd = 65536;
	if (pipe2(out, O_CLOEXEC) || pipe2(errp, O_CLOEXEC) || pipe2(rep, O_CLOEXEC) ||
	    (s->stdin_data ? pipe2(in, O_CLOEXEC) : ((in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0))) {
		error_set(err, ST_E_IO, "cannot run %s: %s", exe, strerror(errno));
		goto fail;
	}
	parent = getpid();
	pid = fork();
	if (pid < 0) {
		error_set(err, ST_E_IO, "cannot run %s: fork: %s", exe, strerror(errno));
		goto fail;
	}
	if (pid == 0)
		proc_child(s, exe, in[0], out[1], errp[1], rep[1], maxfd, parent);
	if (s->on_start)
		s->on_start(pid, s->on_start_arg);
	proc_close(&rep[1]);
	do
		n = read(rep[0], report, sizeof report);
	while (n < 0 && errno == EINTR);
	proc_close(&rep[0]);
	if (n > 0) {
		waitpid(pid, NULL, 0);
		error_set(err, report[1] == ENOENT && report[0] != PROC_STEP_EXEC ? ST_E_NOT_FOUND
										   : ST_E_IO,
			  "cannot run %s: %s: %s", exe, proc_step_name(report[0]),
			  strerror(report[1]));
		goto fail;
	}
	proc_close(&in[0]);
	proc_close(&out[1]);
	proc_close(&errp[1]);
	if (in[1] >= 0) {
		fcntl(in[1], F_SETFL, fcntl(in[1], F_GETFL) | O_NONBLOCK);
		if (s->stdin_len == 0)
			proc_close(&in[1]);
	}
	while (out_open || err_open || !reaped) {
		struct pollfd p[3];
		nfds_t np = 0;
		int wait_ms = 50;
		int oi = -1, ei = -1, ii = -1;

		if (reaped && proc_mono_ms() - reaped_at > 2000)
			break; /* an escaped grandchild holds the pipes: stop reading */
		if (!reaped && waitpid(pid, &status, WNOHANG) == pid) {
			reaped = true;
			reaped_at = proc_mono_ms();
			/* Whatever it left running in its group goes too; the pipes
			 * then reach EOF even if a grandchild held them. */
			kill(-pid, SIGKILL);
		}
		if (deadline && !res->timed_out && proc_mono_ms() >= deadline) {
			res->timed_out = true;
			if (!reaped && proc_kill_children(pid))
				kill_at = proc_mono_ms() + 500;
			else
				proc_kill_all(pid, reaped);
		}
		if (kill_at && proc_mono_ms() >= kill_at) {
			kill_at = 0;
			proc_kill_all(pid, reaped);
		}
		if (reaped && res->timed_out) {
			/* Do not wait on pipes a killed child's escapees may hold. */
			break;
		}
		if (out_open) {
			oi = (int)np;
			p[np].fd = out[0];
			p[np++].events = POLLIN;
		}
		if (err_open) {
			ei = (int)np;
			p[np].fd = errp[0];
			p[np++].events = POLLIN;
		}
		if (in[1] >= 0) {
			ii = (int)np;
			p[np].fd = in[1];
			p[np++].events = POLLOUT;
		}
		if (np == 0) {
			if (!reaped)
				poll(NULL, 0, 10);
			continue;
		}
		if (poll(p, np, wait_ms) < 0 && errno != EINTR)
			break;
		for (int k = 0; k < 2; k++) {
			int idx = k == 0 ? oi : ei;
			int fd = k == 0 ? out[0] : errp[0];
			Buf *b = k == 0 ? &ob : &eb;
			char chunk[65536];

			if (idx < 0 || !p[idx].revents)
				continue;
			n = read(fd, chunk, sizeof chunk);
			if (n > 0) {
				nomem |= !proc_append(b, chunk, (size_t)n, max, &res->truncated);
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				if (k == 0)
					out_open = false;
				else
					err_open = false;
			}
		}
		if (ii >= 0 && p[ii].revents) {
			n = plugin_write_nosigpipe(in[1], s->stdin_data + in_off, s->stdin_len - in_off);
			if (n > 0)
				in_off += (size_t)n;
			if ((n < 0 && errno != EAGAIN && errno != EINTR) || in_off >= s->stdin_len)
				proc_close(&in[1]);
		}
	}
	if (!reaped)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	for (int i = 0; i < 2; i++) {
		proc_close(&in[i]);
		proc_close(&out[i]);
		proc_close(&errp[i]);
	}
	if (nomem || !buf_append(&ob, "", 0) || !buf_append(&eb, "", 0)) {
		buf_free(&ob);
		buf_free(&eb);
		free(exe);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	res->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	res->term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	res->out_len = ob.len;
	res->err_len = eb.len;
	res->out = buf_take(&ob);
	res->err = buf_take(&eb);
	free(exe);
	return ST_OK;
fail:
	for (int i = 0; i < 2; i++) {
		proc_close(&in[i]);
		proc_close(&out[i]);
		proc_close(&errp[i]);
		proc_close(&rep[i]);
	}
	free(exe);
	return err->status;
}
