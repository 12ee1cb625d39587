#include "plugin/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "plugin/private.h"
#include "plugin/rpc.h"
#include "util/lib.h"

static int64_t proc_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char *plugin_proc_find(const char *name)
{
	return plugin_spawn_find(name, NULL);
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

void plugin_proc_result_clear(PluginProcResult *res)
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

/* What both ways of running a process hand to plugin_spawn: the limits,
 * ids and binds of the spec, with the given standard descriptors. */
static PluginSpawnSpec proc_spawn_spec(const PluginProcSpec *s, const char *exe, int in, int out,
				       int errfd)
{
	PluginSpawnSpec sp = {
		.exe = exe,
		.argv = (char *const *)s->argv,
		.envp = s->envp,
		.cwd = s->cwd,
		.stdio = { in, out, errfd },
		.pass_fd = s->pass_fd,
		.die_with_thread = true,
		.private_bind_src = s->private_bind_src,
		.private_bind_dst = s->private_bind_dst,
		.cgroup_procs = s->cgroup_procs,
		.cpu_seconds = s->cpu_seconds,
		.memory_bytes = s->memory_bytes,
		.max_processes = s->max_processes,
		.set_ids = s->set_ids,
		.uid = s->uid,
		.gid = s->gid,
	};

	return sp;
}

Status plugin_proc_run_tty(const PluginProcSpec *s, PluginProcResult *res, Error *err)
{
	char *exe = plugin_proc_find(s->argv[0]);
	PluginSpawnError se;
	int status = 0;
	pid_t pid;

	memset(res, 0, sizeof *res);
	if (!exe)
		return error_set(err, ST_E_NOT_FOUND, "cannot find \"%s\" on PATH", s->argv[0]);
	{
		PluginSpawnSpec sp = proc_spawn_spec(s, exe, 0, 1, 2);

		sp.keep_pgrp = true; /* the terminal's foreground group */
		pid = plugin_spawn(&sp, &se);
	}
	if (pid < 0) {
		error_set(err, se.errnum == ENOENT && !se.at_exec ? ST_E_NOT_FOUND : ST_E_IO,
			  "cannot run %s: %s: %s", exe, se.step, strerror(se.errnum));
		free(exe);
		return err->status;
	}
	free(exe);
	if (s->on_start)
		s->on_start(pid, s->on_start_arg);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	res->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	res->term_signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	return ST_OK;
}

Status plugin_proc_run(const PluginProcSpec *s, PluginProcResult *res, Error *err)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, errp[2] = { -1, -1 };
	size_t max = s->max_output ? s->max_output : PLUGIN_PROC_DEFAULT_MAX_OUTPUT;
	char *exe = plugin_proc_find(s->argv[0]);
	Buf ob = BUF_INIT, eb = BUF_INIT;
	size_t in_off = 0;
	int64_t deadline = s->timeout_ms > 0 ? proc_mono_ms() + s->timeout_ms : 0;
	int64_t reaped_at = 0, kill_at = 0;
	int status = 0;
	bool out_open = true, err_open = true, reaped = false, nomem = false;
	ssize_t n;
	pid_t pid;

	memset(res, 0, sizeof *res);
	if (!exe)
		return error_set(err, ST_E_NOT_FOUND, "cannot find \"%s\" on PATH", s->argv[0]);
	if (pipe2(out, O_CLOEXEC) || pipe2(errp, O_CLOEXEC) ||
	    (s->stdin_data ? pipe2(in, O_CLOEXEC) : ((in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0))) {
		error_set(err, ST_E_IO, "cannot run %s: %s", exe, strerror(errno));
		goto fail;
	}
	{
		PluginSpawnSpec sp = proc_spawn_spec(s, exe, in[0], out[1], errp[1]);
		PluginSpawnError se;

		pid = plugin_spawn(&sp, &se);
		if (pid < 0) {
			error_set(err, se.errnum == ENOENT && !se.at_exec ? ST_E_NOT_FOUND : ST_E_IO,
				  "cannot run %s: %s: %s", exe, se.step, strerror(se.errnum));
			goto fail;
		}
	}
	if (s->on_start)
		s->on_start(pid, s->on_start_arg);
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
		buf_clear(&ob);
		buf_clear(&eb);
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
	}
	free(exe);
	return err->status;
}
