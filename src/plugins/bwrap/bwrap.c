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
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin/proc.h"
#include "plugin/serve.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/ids.h"
#include "util/json.h"

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

static int bw_chmod_cb(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)f;
	/* A command may have left read-only directories behind. */
	if (type == FTW_D && !S_ISLNK(st->st_mode))
		chmod(path, 0700);
	return 0;
}

static int bw_remove_cb(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st;
	(void)f;
	if (type == FTW_DP)
		return rmdir(path) == 0 || errno == ENOENT ? 0 : -1;
	return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

static Status bw_remove_tree(const char *path, Error *err)
{
	if (!fs_is_dir(path))
		return ST_OK;
	nftw(path, bw_chmod_cb, 32, FTW_PHYS);
	if (nftw(path, bw_remove_cb, 32, FTW_PHYS | FTW_DEPTH) != 0)
		return error_set(err, ST_E_IO, "cannot remove workspace %s: %s", path,
				 strerror(errno));
	return ST_OK;
}

static bool bw_push(const char ***argv, size_t *n, size_t *cap, const char *arg)
{
	if (*n + 2 > *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		const char **grown = realloc(*argv, ncap * sizeof *grown);

		if (!grown)
			return false;
		*argv = grown;
		*cap = ncap;
	}
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

/* Runs cmd in the sandbox with the workspace ws (NULL: none, for the
 * probe) at /workspace. */
static Status bw_run(const BwConfig *c, const char *ws, const char *cwd, const cJSON *extra_env,
		     const char *const *cmd, const char *stdin_data, long timeout_ms,
		     PluginProcResult *res, Error *err)
{
	const char **argv = NULL;
	size_t n = 0, cap = 0;
	char links[6][PATH_MAX];
	PluginProcSpec spec;
	char *bwrap = plugin_proc_find("bwrap");
	const char *stage = ws && c->drop ? bw_stage_dir() : NULL;
	bool ok;
	Status st;

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
	     bw_push(&argv, &n, &cap, "--new-session") && bw_push(&argv, &n, &cap, "--unshare-all") &&
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
	     bw_push(&argv, &n, &cap, "LANG") && bw_push(&argv, &n, &cap, "C.UTF-8");
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
	spec.set_ids = c->drop;
	spec.uid = c->uid;
	spec.gid = (gid_t)c->uid;
	st = plugin_proc_run(&spec, res, err);
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
	if (bw_run(&c, NULL, "/", NULL, cmd, NULL, 10000, &res, err) != ST_OK) {
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
		plugin_proc_result_free(&res);
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

		if (bw_run(&c, ws, NULL, NULL, cmd, NULL, c.timeout_ms, &res, err) != ST_OK) {
			bw_remove_tree(ws, &ignore);
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
			plugin_proc_result_free(&res);
			bw_remove_tree(ws, &ignore);
			free(ws);
			return ST_E_PROVIDER;
		}
		plugin_proc_result_free(&res);
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
	Status st;

	if (bw_config(config, &c, err) != ST_OK)
		return err->status;
	if (!bw_lease_id(params, id))
		return ST_OK; /* not one of ours: nothing to remove */
	if (!destroy && (c.reuse || json_is_true(meta, "reuseLease")))
		return ST_OK; /* a reuse lease keeps its workspace for the next run */
	path = bw_workspace_path(&c, id);
	if (!path)
		return error_set(err, ST_E_NOMEM, "out of memory");
	st = bw_remove_tree(path, err);
	if (st == ST_OK)
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
	char id[UUID_STR_LEN], sig[32];
	long timeout;
	PluginProcResult res;
	BwConfig c;
	cJSON *r;
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
	st = bw_run(&c, ws, cwd, cJSON_GetObjectItemCaseSensitive(params, "env"), cmd,
		    json_get_string(params, "stdin"), timeout, &res, err);
	free(ws);
	free(cmd);
	if (st != ST_OK)
		return st;
	r = cJSON_CreateObject();
	if (res.timed_out || res.term_signal)
		cJSON_AddNullToObject(r, "exitCode");
	else
		cJSON_AddNumberToObject(r, "exitCode", res.exit_code);
	if (res.term_signal)
		cJSON_AddStringToObject(r, "signal", plugin_proc_signal_name(res.term_signal, sig,
									     sizeof sig));
	cJSON_AddBoolToObject(r, "timedOut", res.timed_out);
	cJSON_AddStringToObject(r, "stdout", res.out);
	cJSON_AddStringToObject(r, "stderr", res.err);
	plugin_proc_result_free(&res);
	*result = r;
	return ST_OK;
}

static Status bw_realize(void *ctx, const cJSON *params, cJSON **result, Error *err)
{
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(params, "config");
	char id[UUID_STR_LEN];
	char *path;
	BwConfig c;
	cJSON *meta;

	(void)ctx;
	if (bw_config(config, &c, err) != ST_OK)
		return err->status;
	if (!bw_lease_id(params, id))
		return error_set(err, ST_E_INVALID, "the lease is not a bwrap lease");
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

int main(void)
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

	return plugin_serve(&spec);
}
