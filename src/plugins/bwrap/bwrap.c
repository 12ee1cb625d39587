/* The bwrap provider: a local sandbox per lease with bubblewrap.
 *
 * Each lease owns a workspace directory WORKSPACE_ROOT/<uuid>, bind-mounted
 * read-write at /workspace inside a sandbox whose root is an empty tmpfs
 * made read-only, with /usr, /etc and the /bin, /lib... links read-only,
 * private /tmp, /proc and /dev, every namespace unshared (the network too
 * unless allowNetwork), and resource limits set on the bwrap process
 * before exec: RLIMIT_CPU, RLIMIT_AS, RLIMIT_NPROC, plus a wall-clock
 * timeout that kills the sandbox. When the worker runs as root, commands
 * run as runAsUid (default nobody): root ignores RLIMIT_NPROC, and the
 * sandbox should not be root anyway. bwrap, run as that user, must reach
 * the workspace, whose parents (a 0700 home) it may not traverse: so the
 * workspace is first bind-mounted onto a traversable staging directory in
 * a private mount namespace of the child (see PluginProcSpec). Reuse
 * leases keep their workspace on release and are resumed by workspace id;
 * destroy removes it. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "plugin/lib.h"
#include "util/lib.h"

#define BW_ID_PREFIX "bwrap://"
#define BW_DEFAULT_CPU 60
#define BW_DEFAULT_MEMORY_MB 1024
#define BW_DEFAULT_PROCS 256
#define BW_DEFAULT_TIMEOUT_MS 60000
#define BW_DEFAULT_UID 65534
#define BW_SANDBOX_PATH "/usr/local/bin:/usr/bin:/bin"

typedef struct BwConfig {
	char root[PATH_MAX];
	bool allow_network;
	long cpu_seconds;
	long memory_mb;
	long max_processes;
	long timeout_ms;
	const char *setup_script;
	const cJSON *env;
	bool reuse;
	bool drop;
	uid_t uid;
} BwConfig;

static long bw_int(const cJSON *config, const char *key, long dflt)
{
	long v;

	/* A schema integer may be any whole double (1e30): one past long's
	 * range counts as absent rather than being cast (undefined). */
	return json_get_int_checked(config, key, 0, LONG_MAX, &v) ? v : dflt;
}

static Status bw_config(const cJSON *config, BwConfig *c, Error *err)
{
	const char *root = json_get_string(config, "workspaceRoot");
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(config, "env");

	memset(c, 0, sizeof *c);
	if (root && root[0]) {
		if (root[0] != '/')
			return error_set(err, ST_E_INVALID,
					 "/workspaceRoot: must be an absolute path, got \"%s\"", root);
		snprintf(c->root, sizeof c->root, "%s", root);
	} else {
		char *data = fs_xdg_data_dir();

		if (!data)
			return error_set(err, ST_E_NOMEM, "out of memory");
		snprintf(c->root, sizeof c->root, "%s/bwrap-workspaces", data);
		free(data);
	}
	c->allow_network = json_is_true(config, "allowNetwork");
	c->cpu_seconds = bw_int(config, "cpuSeconds", BW_DEFAULT_CPU);
	c->memory_mb = bw_int(config, "memoryMb", BW_DEFAULT_MEMORY_MB);
	c->max_processes = bw_int(config, "maxProcesses", BW_DEFAULT_PROCS);
	c->timeout_ms = bw_int(config, "timeoutMs", BW_DEFAULT_TIMEOUT_MS);
	c->setup_script = json_get_string(config, "setupScript");
	c->reuse = json_is_true(config, "reuseLease");
	if (env && !cJSON_IsObject(env))
		return error_set(err, ST_E_INVALID, "/env: must be an object of strings");
	c->env = env;
	for (const cJSON *e = env ? env->child : NULL; e; e = e->next) {
		if (!cJSON_IsString(e))
			return error_set(err, ST_E_INVALID, "/env/%s: must be a string", e->string);
		if (!e->string[0] || strchr(e->string, '='))
			return error_set(err, ST_E_INVALID, "/env: \"%s\" is not a variable name",
					 e->string);
	}
	c->drop = geteuid() == 0;
	c->uid = (uid_t)bw_int(config, "runAsUid", BW_DEFAULT_UID);
	if (c->drop && c->uid == 0)
		return error_set(err, ST_E_INVALID,
				 "/runAsUid: commands never run as root; pick an unprivileged uid");
	return ST_OK;
}

/* The workspace id of a lease: from its providerLeaseId or metadata. Only
 * a UUID is accepted, so an id can never name a path outside the root. */
static const char *bw_lease_id(const cJSON *params, char out[UUID_STR_LEN])
{
	const char *id = json_get_string(params, "providerLeaseId");
	const cJSON *lease = cJSON_GetObjectItemCaseSensitive(params, "lease");

	if (!id && lease)
		id = json_get_string(lease, "providerLeaseId");
	/* After a crash the host knows only its own lease id, which acquire
	 * used as the workspace name. */
	if (!id)
		id = json_get_string(cJSON_GetObjectItemCaseSensitive(params, "leaseMetadata"),
				     "envctlLeaseId");
	if (id && strncmp(id, BW_ID_PREFIX, strlen(BW_ID_PREFIX)) == 0)
		id += strlen(BW_ID_PREFIX);
	if (!id || !id_is_uuid(id))
		return NULL;
	snprintf(out, UUID_STR_LEN, "%s", id);
	return out;
}

static char *bw_workspace_path(const BwConfig *c, const char *id)
{
	return fs_join(c->root, id);
}

/* ------------------------------------------- a lease's running commands
 *
 * Every command run in a workspace is registered under ROOT/.runs as a file
 * named "<workspace id>.<pid>.<tid>.<ns>" that its caller holds locked
 * (flock) from before the fork until the child is reaped, with the bwrap
 * pid written into it right after the fork. Calls come from any envctl
 * process (each runs its own worker), so this file is how release and
 * destroy find and stop a command another process started. */

#define BW_RUNS_DIR ".runs"
#define BW_STOP_MS 5000
#define BW_MAX_KIDS 16

typedef struct BwRun {
	int dirfd;
	int fd;
	char name[UUID_STR_LEN + 64];
} BwRun;

static int64_t bw_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int bw_open_root(const BwConfig *c)
{
	return open(c->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

static int bw_open_runs(int rootfd, bool create)
{
	if (create && mkdirat(rootfd, BW_RUNS_DIR, 0700) != 0 && errno != EEXIST)
		return -1;
	return openat(rootfd, BW_RUNS_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

static Status bw_run_register(const BwConfig *c, const char *id, BwRun *run, Error *err)
{
	struct timespec ts;
	int rootfd = bw_open_root(c);

	run->fd = -1;
	run->dirfd = rootfd >= 0 ? bw_open_runs(rootfd, true) : -1;
	if (rootfd >= 0)
		close(rootfd);
	if (run->dirfd < 0)
		return error_set(err, ST_E_IO, "cannot record the command under %s/%s: %s", c->root,
				 BW_RUNS_DIR, strerror(errno));
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(run->name, sizeof run->name, "%s.%d.%d.%lld%09ld", id, (int)getpid(), (int)gettid(),
		 (long long)ts.tv_sec, ts.tv_nsec);
	run->fd = openat(run->dirfd, run->name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			 0600);
	if (run->fd < 0 || flock(run->fd, LOCK_EX) != 0) {
		error_set(err, ST_E_IO, "cannot record the command under %s/%s: %s", c->root,
			  BW_RUNS_DIR, strerror(errno));
		if (run->fd >= 0) {
			unlinkat(run->dirfd, run->name, 0);
			close(run->fd);
		}
		close(run->dirfd);
		run->fd = run->dirfd = -1;
		return ST_E_IO;
	}
	return ST_OK;
}

static void bw_run_started(pid_t pid, void *arg)
{
	const BwRun *run = arg;
	char text[32];
	int n = snprintf(text, sizeof text, "%d\n", (int)pid);

	(void)!pwrite(run->fd, text, (size_t)n, 0);
}

/* Unlinked before the lock goes, so a waiting stop sees it finished. */
static void bw_run_unregister(BwRun *run)
{
	if (run->fd < 0)
		return;
	unlinkat(run->dirfd, run->name, 0);
	close(run->fd);
	close(run->dirfd);
	run->fd = run->dirfd = -1;
}

/* Kills one registered bwrap and the namespace under it: its children (the
 * sandbox's pid 1, whose death takes every process of the pid namespace
 * with it) by pidfd, which the caller then waits on, and its own process
 * group. */
static size_t bw_kill_sandbox(pid_t pid, int *kid_fds, size_t cap)
{
	char path[64], buf[512];
	size_t nkids = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)pid, (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	for (char *p = buf, *end; *p && nkids < cap; p = end) {
		long kid = strtol(p, &end, 10);
		int pfd;

		if (end == p)
			break;
		pfd = kid > 0 ? (int)syscall(SYS_pidfd_open, (pid_t)kid, 0) : -1;
		if (pfd >= 0 && syscall(SYS_pidfd_send_signal, pfd, SIGKILL, NULL, 0) == 0)
			kid_fds[nkids++] = pfd;
		else if (pfd >= 0)
			close(pfd);
	}
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	return nkids;
}

/* Stops every command of workspace id that any process registered, and
 * waits (up to BW_STOP_MS) until each is reaped and its namespace gone. */
static Status bw_stop_runs(const BwConfig *c, int rootfd, const char *id, Error *err)
{
	int dfd = bw_open_runs(rootfd, false), kid_fds[BW_MAX_KIDS];
	int64_t deadline = bw_mono_ms() + BW_STOP_MS;
	size_t idlen = strlen(id), nkids = 0;
	Status st = ST_OK;
	struct dirent *e;
	DIR *d;

	if (dfd < 0)
		return errno == ENOENT ? ST_OK
				       : error_set(err, ST_E_IO, "cannot read %s/%s: %s", c->root,
						   BW_RUNS_DIR, strerror(errno));
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	while (st == ST_OK && (e = readdir(d))) {
		int fd;

		if (strncmp(e->d_name, id, idlen) != 0 || e->d_name[idlen] != '.')
			continue;
		fd = openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue; /* finished meanwhile */
		while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			char text[32] = "";
			ssize_t n = pread(fd, text, sizeof text - 1, 0);
			long pid = n > 0 ? strtol(text, NULL, 10) : 0;

			if (pid > 1 && nkids < BW_MAX_KIDS)
				nkids += bw_kill_sandbox((pid_t)pid, kid_fds + nkids,
							 BW_MAX_KIDS - nkids);
			if (bw_mono_ms() >= deadline) {
				st = error_set(err, ST_E_TIMEOUT,
					       "a command of workspace %s (bwrap pid %ld) is still "
					       "running %d ms after it was killed; the workspace is kept",
					       id, pid, BW_STOP_MS);
				break;
			}
			poll(NULL, 0, 10);
		}
		if (st == ST_OK)
			unlinkat(dfd, e->d_name, 0); /* a crashed caller's record */
		close(fd);
	}
	closedir(d);
	for (size_t i = 0; i < nkids; i++) {
		struct pollfd p = { .fd = kid_fds[i], .events = POLLIN };
		int64_t left = deadline - bw_mono_ms();

		if (st == ST_OK && poll(&p, 1, left > 0 ? (int)left : 0) != 1)
			st = error_set(err, ST_E_TIMEOUT,
				       "the sandbox of workspace %s did not end %d ms after it was "
				       "killed; the workspace is kept",
				       id, BW_STOP_MS);
		close(kid_fds[i]);
	}
	return st;
}

/* ------------------------------------------------ a cgroup per lease
 *
 * Every sandbox runs as the same uid, so RLIMIT_NPROC (which counts all of
 * a uid's processes) is one budget for all leases: one lease's fork bomb
 * starves the others. Where the pids controller can be written (cgroup v1
 * at /sys/fs/cgroup/pids, as root), each lease gets its own pids cgroup
 * with pids.max = maxProcesses and RLIMIT_NPROC is not set; elsewhere the
 * rlimit stays (README: Known limits). */

#define BW_CGROUP_BASE "/sys/fs/cgroup/pids/envctl-bwrap"

static bool bw_cgroup_path(const char *id, const char *file, char *out, size_t n)
{
	int len = file ? snprintf(out, n, "%s/%s/%s", BW_CGROUP_BASE, id, file)
		       : snprintf(out, n, "%s/%s", BW_CGROUP_BASE, id);

	return len > 0 && (size_t)len < n;
}

/* Makes the lease's cgroup with its limit; fills procs with the file the
 * child joins. False when cgroups cannot be used here. */
static bool bw_cgroup_prepare(const BwConfig *c, const char *id, char *procs, size_t n)
{
	char dir[PATH_MAX], max[PATH_MAX], value[32];
	int fd, len;
	bool ok;

	if (!c->drop || c->max_processes <= 0 || !bw_cgroup_path(id, NULL, dir, sizeof dir) ||
	    !bw_cgroup_path(id, "pids.max", max, sizeof max) ||
	    !bw_cgroup_path(id, "cgroup.procs", procs, n))
		return false;
	if ((mkdir(BW_CGROUP_BASE, 0755) != 0 && errno != EEXIST) ||
	    (mkdir(dir, 0755) != 0 && errno != EEXIST))
		return false;
	fd = open(max, O_WRONLY | O_CLOEXEC);
	len = snprintf(value, sizeof value, "%ld", c->max_processes);
	ok = fd >= 0 && write(fd, value, (size_t)len) == len;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Kills whatever is still in the lease's cgroup and removes it. */
static void bw_cgroup_end(const char *id)
{
	char dir[PATH_MAX], procs[PATH_MAX], buf[4096];
	int64_t deadline = bw_mono_ms() + BW_STOP_MS;

	if (!bw_cgroup_path(id, NULL, dir, sizeof dir) ||
	    !bw_cgroup_path(id, "cgroup.procs", procs, sizeof procs))
		return;
	while (rmdir(dir) != 0 && errno == EBUSY && bw_mono_ms() < deadline) {
		int fd = open(procs, O_RDONLY | O_CLOEXEC);
		ssize_t len = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;

		if (fd >= 0)
			close(fd);
		buf[len > 0 ? len : 0] = '\0';
		for (char *p = buf, *end; *p; p = end) {
			long pid = strtol(p, &end, 10);

			if (end == p)
				break;
			if (pid > 1)
				kill((pid_t)pid, SIGKILL);
		}
		poll(NULL, 0, 10);
	}
}

/* Ends workspace id: out of reach of new commands first (renamed to
 * .gone-<id>, which no call looks up), then every running command stopped,
 * then (when remove) the files. A .gone- left by a failed attempt is
 * finished first. */
static Status bw_end_workspace(const BwConfig *c, const char *id, bool remove, Error *err)
{
	char gone[UUID_STR_LEN + 8];
	char *what = bw_workspace_path(c, id);
	int rootfd = bw_open_root(c);
	Status st = ST_OK;

	if (!what) {
		if (rootfd >= 0)
			close(rootfd);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	if (rootfd < 0) {
		st = errno == ENOENT ? ST_OK
				     : error_set(err, ST_E_IO, "cannot open workspace root %s: %s",
						 c->root, strerror(errno));
		free(what);
		return st;
	}
	snprintf(gone, sizeof gone, ".gone-%s", id);
	if (remove) {
		st = bw_stop_runs(c, rootfd, id, err);
		if (st == ST_OK)
			st = fs_remove_tree_at(rootfd, gone, what, err);
		if (st == ST_OK && renameat(rootfd, id, rootfd, gone) != 0 && errno != ENOENT)
			st = error_set(err, ST_E_IO, "cannot remove workspace %s: %s", what,
				       strerror(errno));
	}
	if (st == ST_OK)
		st = bw_stop_runs(c, rootfd, id, err);
	if (st == ST_OK)
		bw_cgroup_end(id);
	if (st == ST_OK && remove)
		st = fs_remove_tree_at(rootfd, gone, what, err);
	close(rootfd);
	free(what);
	return st;
}

static bool bw_push(const char ***argv, size_t *n, size_t *cap, const char *arg)
{
	/* Room for arg and the NULL after it. */
	if (!array_reserve(argv, cap, *n + 1, sizeof **argv))
		return false;
	(*argv)[(*n)++] = arg;
	(*argv)[*n] = NULL;
	return true;
}

/* The read-only system part of the sandbox: /usr, /etc, and /bin, /lib...
 * as the host has them (links on merged-/usr systems, directories else). */
static bool bw_push_system(const char ***argv, size_t *n, size_t *cap, char links[][PATH_MAX])
{
	static const char *const tops[] = { "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32" };
	bool ok = bw_push(argv, n, cap, "--ro-bind") && bw_push(argv, n, cap, "/usr") &&
		  bw_push(argv, n, cap, "/usr") && bw_push(argv, n, cap, "--ro-bind") &&
		  bw_push(argv, n, cap, "/etc") && bw_push(argv, n, cap, "/etc");

	for (size_t i = 0; ok && i < sizeof tops / sizeof tops[0]; i++) {
		struct stat st;
		ssize_t len;

		if (lstat(tops[i], &st) != 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			len = readlink(tops[i], links[i], PATH_MAX - 1);
			if (len <= 0)
				continue;
			links[i][len] = '\0';
			ok = bw_push(argv, n, cap, "--symlink") && bw_push(argv, n, cap, links[i]) &&
			     bw_push(argv, n, cap, tops[i]);
		} else if (S_ISDIR(st.st_mode)) {
			ok = bw_push(argv, n, cap, "--ro-bind") && bw_push(argv, n, cap, tops[i]) &&
			     bw_push(argv, n, cap, tops[i]);
		}
	}
	return ok;
}

/* A world-traversable directory to stage the workspace on when dropping
 * privileges; it is only covered inside the child's own mount namespace. */
static const char *bw_stage_dir(void)
{
	static const char *const cands[] = { "/mnt", "/media", "/srv", "/opt" };

	for (size_t i = 0; i < sizeof cands / sizeof cands[0]; i++) {
		struct stat st;

		if (lstat(cands[i], &st) == 0 && S_ISDIR(st.st_mode) && (st.st_mode & S_IXOTH))
			return cands[i];
	}
	return NULL;
}

/* Runs cmd in the sandbox with the workspace ws of lease id (both NULL:
 * none, for the probe) at /workspace, registered so release and destroy
 * can stop it. term non-NULL: an interactive shell on this process's
 * terminal (TERM=term inside), which is envctl's own pty, never the
 * operator's: so the sandbox keeps the session (no --new-session) for job
 * control, and what it could push into that terminal with TIOCSTI only
 * reaches its own shell. */
static Status bw_run(const BwConfig *c, const char *id, const char *ws, const char *cwd,
		     const cJSON *extra_env, const char *term,
		     const char *const *cmd, const char *stdin_data, long timeout_ms,
		     PluginProcResult *res, Error *err)
{
	const char **argv = NULL;
	size_t n = 0, cap = 0;
	char links[6][PATH_MAX];
	PluginProcSpec spec;
	char *bwrap = plugin_proc_find("bwrap");
	const char *stage = ws && c->drop ? bw_stage_dir() : NULL;
	BwRun run = { .fd = -1, .dirfd = -1 };
	char cgroup_procs[PATH_MAX];
	bool ok;
	Status st = ST_OK;

	if (ws && c->drop && !stage) {
		free(bwrap);
		return error_set(err, ST_E_UNSUPPORTED,
				 "no world-traversable directory (/mnt, /media, /srv, /opt) to stage "
				 "the workspace on for uid %d",
				 (int)c->uid);
	}
	if (!bwrap)
		return error_set(err, ST_E_NOT_FOUND,
				 "bubblewrap (bwrap) is not installed; install the bubblewrap package");
	ok = bw_push(&argv, &n, &cap, bwrap) && bw_push(&argv, &n, &cap, "--die-with-parent") &&
	     (term || bw_push(&argv, &n, &cap, "--new-session")) &&
	     bw_push(&argv, &n, &cap, "--unshare-all") &&
	     /* The command is the namespace's init: no bwrap init in between to be
	      * orphaned (and left unreaped) when the command ends. */
	     bw_push(&argv, &n, &cap, "--as-pid-1") &&
	     (!c->allow_network || bw_push(&argv, &n, &cap, "--share-net")) &&
	     bw_push_system(&argv, &n, &cap, links) && bw_push(&argv, &n, &cap, "--proc") &&
	     bw_push(&argv, &n, &cap, "/proc") && bw_push(&argv, &n, &cap, "--dev") &&
	     bw_push(&argv, &n, &cap, "/dev") && bw_push(&argv, &n, &cap, "--tmpfs") &&
	     bw_push(&argv, &n, &cap, "/tmp");
	if (ok && ws)
		ok = bw_push(&argv, &n, &cap, "--bind") && bw_push(&argv, &n, &cap, stage ? stage : ws) &&
		     bw_push(&argv, &n, &cap, "/workspace");
	ok = ok && bw_push(&argv, &n, &cap, "--chdir") &&
	     bw_push(&argv, &n, &cap, cwd ? cwd : (ws ? "/workspace" : "/")) &&
	     bw_push(&argv, &n, &cap, "--clearenv") && bw_push(&argv, &n, &cap, "--setenv") &&
	     bw_push(&argv, &n, &cap, "PATH") && bw_push(&argv, &n, &cap, BW_SANDBOX_PATH) &&
	     bw_push(&argv, &n, &cap, "--setenv") && bw_push(&argv, &n, &cap, "HOME") &&
	     bw_push(&argv, &n, &cap, ws ? "/workspace" : "/tmp") &&
	     bw_push(&argv, &n, &cap, "--setenv") && bw_push(&argv, &n, &cap, "TMPDIR") &&
	     bw_push(&argv, &n, &cap, "/tmp") && bw_push(&argv, &n, &cap, "--setenv") &&
	     bw_push(&argv, &n, &cap, "LANG") && bw_push(&argv, &n, &cap, "C.UTF-8") &&
	     (!term || (bw_push(&argv, &n, &cap, "--setenv") && bw_push(&argv, &n, &cap, "TERM") &&
			bw_push(&argv, &n, &cap, term)));
	for (int pass = 0; pass < 2; pass++) {
		const cJSON *env = pass == 0 ? c->env : extra_env;

		for (const cJSON *e = env ? env->child : NULL; ok && e; e = e->next)
			if (cJSON_IsString(e) && e->string[0] && !strchr(e->string, '='))
				ok = bw_push(&argv, &n, &cap, "--setenv") &&
				     bw_push(&argv, &n, &cap, e->string) &&
				     bw_push(&argv, &n, &cap, e->valuestring);
	}
	/* Everything is mounted: now the root itself becomes read-only. */
	ok = ok && bw_push(&argv, &n, &cap, "--remount-ro") && bw_push(&argv, &n, &cap, "/") &&
	     bw_push(&argv, &n, &cap, "--");
	for (size_t i = 0; ok && cmd[i]; i++)
		ok = bw_push(&argv, &n, &cap, cmd[i]);
	if (!ok) {
		free(argv);
		free(bwrap);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	memset(&spec, 0, sizeof spec);
	spec.argv = argv;
	spec.stdin_data = stdin_data;
	spec.stdin_len = stdin_data ? strlen(stdin_data) : 0;
	spec.timeout_ms = timeout_ms;
	spec.pass_fd = -1;
	if (stage) {
		spec.private_bind_src = ws;
		spec.private_bind_dst = stage;
	}
	spec.cpu_seconds = c->cpu_seconds;
	spec.memory_bytes = c->memory_mb > 0 ? c->memory_mb * 1024L * 1024L : 0;
	spec.max_processes = c->max_processes;
	if (ws && bw_cgroup_prepare(c, id, cgroup_procs, sizeof cgroup_procs)) {
		spec.cgroup_procs = cgroup_procs;
		spec.max_processes = 0; /* the lease's own pids.max instead */
	}
	spec.set_ids = c->drop;
	spec.uid = c->uid;
	spec.gid = (gid_t)c->uid;
	if (ws) {
		st = bw_run_register(c, id, &run, err);
		spec.on_start = bw_run_started;
		spec.on_start_arg = &run;
	}
	if (st == ST_OK)
		st = term ? plugin_proc_run_tty(&spec, res, err) : plugin_proc_run(&spec, res, err);
	bw_run_unregister(&run);
	free(argv);
	free(bwrap);
	return st;
}

/* The workspace directory of lease id: created when create, else it must
 * exist. Caller frees the path. */
static Status bw_workspace(const BwConfig *c, const char *id, bool create, char **out,
			   Error *err)
{
	char *path = bw_workspace_path(c, id);
	struct stat st;

	*out = NULL;
	if (!path)
		return error_set(err, ST_E_NOMEM, "out of memory");
	if (create) {
		if (fs_mkdir_p(c->root, 0711, err) != ST_OK) {
			free(path);
			return err->status;
		}
		if (mkdir(path, 0700) != 0) {
			error_set(err, ST_E_IO, "cannot create workspace %s: %s", path,
				  strerror(errno));
			free(path);
			return ST_E_IO;
		}
		if (c->drop && chown(path, c->uid, (gid_t)c->uid) != 0) {
			error_set(err, ST_E_IO, "cannot give workspace %s to uid %d: %s", path,
				  (int)c->uid, strerror(errno));
			rmdir(path);
			free(path);
			return ST_E_IO;
		}
	}
	if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		error_set(err, ST_E_NOT_FOUND, "the lease's workspace %s no longer exists", path);
		free(path);
		return ST_E_NOT_FOUND;
	}
	*out = path;
	return ST_OK;
}

/* ------------------------------------------------------------ handlers */

static Status bw_validate(void *ctx, const cJSON *params, cJSON **result, Error *err)
{
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(params, "config");
	cJSON *r = cJSON_CreateObject(), *errors, *warnings;
	BwConfig c;
	Error cerr;

	(void)ctx;
	if (!r)
		return error_set(err, ST_E_NOMEM, "out of memory");
	errors = cJSON_AddArrayToObject(r, "errors");
	warnings = cJSON_AddArrayToObject(r, "warnings");
	error_clear(&cerr);
	if (bw_config(config, &c, &cerr) != ST_OK)
		cJSON_AddItemToArray(errors, cJSON_CreateString(cerr.msg));
	else if (c.allow_network)
		cJSON_AddItemToArray(warnings,
				     cJSON_CreateString("allowNetwork: commands can reach the network"));
	cJSON_AddBoolToObject(r, "ok", cJSON_GetArraySize(errors) == 0);
	*result = r;
	return ST_OK;
}

static cJSON *bw_diag(const char *severity, const char *message)
{
	cJSON *d = cJSON_CreateObject();

	cJSON_AddStringToObject(d, "severity", severity);
	cJSON_AddStringToObject(d, "message", message);
	return d;
}

static void bw_tail(const char *text, char *out, size_t n)
{
	size_t len = strlen(text);

	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		len--;
	snprintf(out, n, "%.*s", (int)(len > n - 1 ? n - 1 : len),
		 text + (len > n - 1 ? len - (n - 1) : 0));
}

static Status bw_probe(void *ctx, const cJSON *params, cJSON **result, Error *err)
{
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(params, "config");
	const char *const cmd[] = { "/bin/sh", "-c", "exit 0", NULL };
	cJSON *r, *diags, *meta;
	PluginProcResult res;
	char msg[1200], tail[600];
	BwConfig c;
	bool ok = true;

	(void)ctx;
	if (bw_config(config, &c, err) != ST_OK)
		return err->status;
	r = cJSON_CreateObject();
	diags = cJSON_AddArrayToObject(r, "diagnostics");
	meta = cJSON_AddObjectToObject(r, "metadata");
	cJSON_AddStringToObject(meta, "workspaceRoot", c.root);
	cJSON_AddBoolToObject(meta, "network", c.allow_network);
	if (c.drop)
		cJSON_AddNumberToObject(meta, "runAsUid", c.uid);
	if (fs_mkdir_p(c.root, 0711, err) != ST_OK || access(c.root, W_OK) != 0) {
		snprintf(msg, sizeof msg, "workspace root %s is not writable: %s", c.root,
			 err->msg[0] ? err->msg : strerror(errno));
		cJSON_AddItemToArray(diags, bw_diag("error", msg));
		error_clear(err);
		ok = false;
	}
	if (bw_run(&c, NULL, NULL, "/", NULL, NULL, cmd, NULL, 10000, &res, err) != ST_OK) {
		cJSON_AddItemToArray(diags, bw_diag("error", err->msg));
		error_clear(err);
		ok = false;
	} else {
		if (res.exit_code != 0) {
			bw_tail(res.err, tail, sizeof tail);
			snprintf(msg, sizeof msg, "bwrap cannot create a sandbox here (exit %d): %s",
				 res.exit_code, tail);
			cJSON_AddItemToArray(diags, bw_diag("error", msg));
			ok = false;
		}
		plugin_proc_result_clear(&res);
	}
	cJSON_AddBoolToObject(r, "ok", ok);
	if (ok)
		snprintf(msg, sizeof msg,
			 "bubblewrap is ready: workspaces in %s, network %s, limits %lds CPU, %ld MiB, "
			 "%ld processes, %ld ms per command.",
			 c.root, c.allow_network ? "allowed" : "off", c.cpu_seconds, c.memory_mb,
			 c.max_processes, c.timeout_ms);
	else
		snprintf(msg, sizeof msg, "bubblewrap sandbox is not usable: %s",
			 json_get_string(cJSON_GetArrayItem(diags, 0), "message"));
	cJSON_AddStringToObject(r, "summary", msg);
	*result = r;
	return ST_OK;
}

static cJSON *bw_metadata(const cJSON *config, const BwConfig *c, const char *id)
{
	cJSON *m = cJSON_IsObject(config) ? cJSON_Duplicate(config, 1) : cJSON_CreateObject();
	char *path = bw_workspace_path(c, id);

	/* The config keys go in so the generic reuse rule can compare them. */
	if (m && path) {
		json_set_string(m, "workspaceId", id);
		json_set_string(m, "workspacePath", path);
		json_set_bool(m, "reuseLease", c->reuse);
	}
	free(path);
	return m;
}

static cJSON *bw_lease(const char *id, cJSON *metadata)
{
	cJSON *r = cJSON_CreateObject();
	char lease_id[64];

	snprintf(lease_id, sizeof lease_id, BW_ID_PREFIX "%s", id);
	cJSON_AddStringToObject(r, "providerLeaseId", lease_id);
	cJSON_AddItemToObject(r, "metadata", metadata);
	return r;
}

static Status bw_acquire(void *ctx, const cJSON *params, cJSON **result, Error *err)
{
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(params, "config");
	char id[UUID_STR_LEN];
	char *ws;
	BwConfig c;

	(void)ctx;
	if (bw_config(config, &c, err) != ST_OK)
		return err->status;
	/* Named after the host's lease id when given, so a crash between this
	 * answer and the host's record of it leaves a workspace the host can
	 * still find and destroy. */
	if (id_is_uuid(json_get_string(params, "envctlLeaseId")))
		snprintf(id, sizeof id, "%s", json_get_string(params, "envctlLeaseId"));
	else
		id_new(id);
	if (bw_workspace(&c, id, true, &ws, err) != ST_OK)
		return err->status;
	if (c.setup_script && c.setup_script[0]) {
		const char *const cmd[] = { "/bin/sh", "-c", c.setup_script, NULL };
		PluginProcResult res;
		char tail[600];
		Error ignore;

		if (bw_run(&c, id, ws, NULL, NULL, NULL, cmd, NULL, c.timeout_ms, &res, err) != ST_OK) {
			bw_end_workspace(&c, id, true, &ignore);
			free(ws);
			return error_prefix(err, "setup script: ");
		}
		if (res.exit_code != 0 || res.timed_out) {
			bw_tail(res.err, tail, sizeof tail);
			if (res.timed_out)
				error_set(err, ST_E_PROVIDER,
					  "the setup script did not finish within %ld ms", c.timeout_ms);
			else
				error_set(err, ST_E_PROVIDER, "the setup script failed (exit %d): %s",
					  res.exit_code, tail);
			plugin_proc_result_clear(&res);
			bw_end_workspace(&c, id, true, &ignore);
			free(ws);
			return ST_E_PROVIDER;
		}
		plugin_proc_result_clear(&res);
	}
	free(ws);
	plugin_serve_log("acquired workspace %s under %s", id, c.root);
	*result = bw_lease(id, bw_metadata(config, &c, id));
	return ST_OK;
}

static Status bw_resume(void *ctx, const cJSON *params, cJSON **result, Error *err)
{
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(params, "config");
	char id[UUID_STR_LEN];
	char *path;
	BwConfig c;
	cJSON *meta;

	(void)ctx;
	if (bw_config(config, &c, err) != ST_OK)
		return err->status;
	path = bw_lease_id(params, id) ? bw_workspace_path(&c, id) : NULL;
	if (!path || !fs_is_dir(path)) {
		/* No such workspace any more: the lease is gone. */
		free(path);
		*result = cJSON_CreateObject();
		cJSON_AddNullToObject(*result, "providerLeaseId");
		return ST_OK;
	}
	free(path);
	meta = bw_metadata(config, &c, id);
	json_set_bool(meta, "resumedLease", true);
	*result = bw_lease(id, meta);
	return ST_OK;
}

static Status bw_end(const cJSON *params, bool destroy, Error *err)
{
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(params, "config");
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(params, "leaseMetadata");
	char id[UUID_STR_LEN];
	char *path;
	BwConfig c;
	bool keep;
	Status st;

	if (bw_config(config, &c, err) != ST_OK)
		return err->status;
	if (!bw_lease_id(params, id))
		return ST_OK; /* not one of ours: nothing to remove */
	/* A command still running ends with the lease either way; a reuse
	 * lease keeps its files for the next run. */
	keep = !destroy && (c.reuse || json_is_true(meta, "reuseLease"));
	st = bw_end_workspace(&c, id, !keep, err);
	path = bw_workspace_path(&c, id);
	if (st == ST_OK && !keep && path)
		plugin_serve_log("removed workspace %s", path);
	free(path);
	return st;
}

static Status bw_release(void *ctx, const cJSON *params, cJSON **result, Error *err)
{
	(void)ctx;
	*result = NULL;
	return bw_end(params, false, err);
}

static Status bw_destroy(void *ctx, const cJSON *params, cJSON **result, Error *err)
{
	(void)ctx;
	*result = NULL;
	return bw_end(params, true, err);
}

static Status bw_execute(void *ctx, const cJSON *params, cJSON **result, Error *err)
{
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(params, "config");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(params, "args");
	const char *command = json_get_string(params, "command");
	const char *cwd = json_get_string(params, "cwd");
	const char **cmd;
	size_t n = 0;
	char id[UUID_STR_LEN];
	long timeout;
	PluginProcResult res;
	BwConfig c;
	char *ws;
	Status st;

	(void)ctx;
	if (bw_config(config, &c, err) != ST_OK)
		return err->status;
	if (!command || !command[0])
		return error_set(err, ST_E_INVALID, "execute needs a command");
	if (!bw_lease_id(params, id))
		return error_set(err, ST_E_INVALID, "the lease is not a bwrap lease");
	if (cwd && cwd[0] != '/')
		return error_set(err, ST_E_INVALID, "cwd must be an absolute path in the sandbox");
	timeout = bw_int(params, "timeoutMs", 0);
	if (timeout <= 0)
		timeout = c.timeout_ms;
	cmd = calloc((size_t)cJSON_GetArraySize(args) + 2, sizeof *cmd);
	if (!cmd)
		return error_set(err, ST_E_NOMEM, "out of memory");
	cmd[n++] = command;
	for (const cJSON *a = cJSON_IsArray(args) ? args->child : NULL; a; a = a->next)
		if (cJSON_IsString(a))
			cmd[n++] = a->valuestring;
	if (bw_workspace(&c, id, false, &ws, err) != ST_OK) {
		free(cmd);
		return err->status;
	}
	st = bw_run(&c, id, ws, cwd, cJSON_GetObjectItemCaseSensitive(params, "env"), NULL, cmd,
		    json_get_string(params, "stdin"), timeout, &res, err);
	free(ws);
	free(cmd);
	if (st != ST_OK)
		return st;
	*result = plugin_serve_execute_result(&res);
	plugin_proc_result_clear(&res);
	return ST_OK;
}

/* The config and the lease id of a call about a lease this worker made. */
static Status bw_lease_config(const cJSON *params, BwConfig *c, char id[UUID_STR_LEN], Error *err)
{
	if (bw_config(cJSON_GetObjectItemCaseSensitive(params, "config"), c, err) != ST_OK)
		return err->status;
	if (!bw_lease_id(params, id))
		return error_set(err, ST_E_INVALID, "the lease is not a bwrap lease");
	return ST_OK;
}

static Status bw_realize(void *ctx, const cJSON *params, cJSON **result, Error *err)
{
	char id[UUID_STR_LEN];
	char *path;
	BwConfig c;
	cJSON *meta;

	(void)ctx;
	if (bw_lease_config(params, &c, id, err) != ST_OK)
		return err->status;
	path = bw_workspace_path(&c, id);
	if (!path || !fs_is_dir(path)) {
		free(path);
		return error_set(err, ST_E_NOT_FOUND, "the lease's workspace no longer exists");
	}
	*result = cJSON_CreateObject();
	cJSON_AddStringToObject(*result, "cwd", "/workspace");
	meta = cJSON_AddObjectToObject(*result, "metadata");
	cJSON_AddStringToObject(meta, "hostPath", path);
	free(path);
	return ST_OK;
}

/* The interactive shell (serve.h, PLUGIN_SHELL_ARG): a login-less sh in
 * the lease's sandbox, on this process's terminal, as execute would run a
 * command there; release and destroy stop it like any command. */
static int bw_shell(const cJSON *params, Error *err)
{
	const char *cwd = json_get_string(params, "cwd");
	const char *term = getenv("TERM");
	const char *const cmd[] = { "/bin/sh", "-c",
				    "command -v bash >/dev/null 2>&1 && exec bash -i; exec sh -i",
				    NULL };
	char id[UUID_STR_LEN];
	PluginProcResult res;
	BwConfig c;
	char *ws;
	Status st;

	if (bw_lease_config(params, &c, id, err) != ST_OK)
		return 1;
	if (cwd && cwd[0] != '/') {
		error_set(err, ST_E_INVALID, "cwd must be an absolute path in the sandbox");
		return 1;
	}
	if (bw_workspace(&c, id, false, &ws, err) != ST_OK)
		return 1;
	st = bw_run(&c, id, ws, cwd, cJSON_GetObjectItemCaseSensitive(params, "env"),
		    term && term[0] ? term : "dumb", cmd, NULL, 0, &res, err);
	free(ws);
	if (st != ST_OK)
		return 1;
	return res.term_signal ? 128 + res.term_signal : res.exit_code;
}

int main(int argc, char **argv)
{
	static const PluginHandler handlers[] = {
		{ "environmentValidateConfig", bw_validate },
		{ "environmentProbe", bw_probe },
		{ "environmentAcquireLease", bw_acquire },
		{ "environmentResumeLease", bw_resume },
		{ "environmentReleaseLease", bw_release },
		{ "environmentDestroyLease", bw_destroy },
		{ "environmentRealizeWorkspace", bw_realize },
		{ "environmentExecute", bw_execute },
	};
	PluginServeSpec spec = {
		.name = "bwrap",
		.handlers = handlers,
		.count = sizeof handlers / sizeof handlers[0],
	};

	if (argc == 2 && strcmp(argv[1], PLUGIN_SHELL_ARG) == 0)
		return plugin_serve_shell("bwrap", bw_shell);
	return plugin_serve(&spec);
}
