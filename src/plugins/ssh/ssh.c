/* The ssh provider: leases are workspace directories on a remote host,
 * reached with the OpenSSH client.
 *
 * The private key arrives inside the JSON-RPC params (the host resolves the
 * secret just before the call); for each ssh run it is written to a 0600
 * file in a private 0700 directory, handed to ssh with -i, and removed
 * right after. It never appears in an argv or an environment. Host keys
 * come from the config's knownHosts text, in a temporary file too. */
#include <limits.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plugin/lib.h"
#include "util/lib.h"

#define SSH_ID_PREFIX "ssh://"
#define SSH_DEFAULT_PATH "/tmp/envctl-workspaces"
#define SSH_DEFAULT_TIMEOUT_MS 60000
#define SSH_CONTROL_TIMEOUT_MS 20000

typedef struct SshConfig {
	const char *host;
	long port;
	const char *user;
	const char *key;
	const char *known_hosts;
	bool strict;
	const char *path;
	long connect_timeout;
	long timeout_ms;
	bool reuse;
} SshConfig;

static long ssh_int(const cJSON *o, const char *key, long dflt)
{
	long v;

	/* A schema integer may be any whole double (1e30): one past long's
	 * range counts as absent rather than being cast (undefined). */
	return json_get_int_checked(o, key, LONG_MIN, LONG_MAX, &v) ? v : dflt;
}

/* Values that end up as ssh arguments must not be mistaken for options. */
static bool ssh_word_ok(const char *s)
{
	if (!s || !s[0] || s[0] == '-')
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '\'' || *p == '"' || *p == '\\')
			return false;
	return true;
}

static Status ssh_config(const cJSON *config, SshConfig *c, bool need_key, Error *err)
{
	memset(c, 0, sizeof *c);
	c->host = json_get_string(config, "host");
	c->port = ssh_int(config, "port", 22);
	c->user = json_get_string(config, "username");
	c->key = json_get_string(config, "privateKey");
	c->known_hosts = json_get_string(config, "knownHosts");
	c->strict = json_get_bool(config, "strictHostKeyChecking", true);
	c->path = json_get_string(config, "remoteWorkspacePath");
	if (!c->path || !c->path[0])
		c->path = SSH_DEFAULT_PATH;
	c->connect_timeout = ssh_int(config, "connectTimeoutSeconds", 10);
	c->timeout_ms = ssh_int(config, "timeoutMs", SSH_DEFAULT_TIMEOUT_MS);
	c->reuse = json_is_true(config, "reuseLease");
	if (!ssh_word_ok(c->host))
		return error_set(err, ST_E_INVALID, "/host: must be a host name or address");
	if (!ssh_word_ok(c->user))
		return error_set(err, ST_E_INVALID, "/username: must be a user name");
	if (c->port < 1 || c->port > 65535)
		return error_set(err, ST_E_INVALID, "/port: must be between 1 and 65535");
	if (c->path[0] != '/' || strchr(c->path, '\'') || strchr(c->path, '\n'))
		return error_set(err, ST_E_INVALID,
				 "/remoteWorkspacePath: must be an absolute path without quotes");
	if (c->connect_timeout < 1 || c->connect_timeout > 300)
		c->connect_timeout = 10;
	if (need_key && (!c->key || !strstr(c->key, "PRIVATE KEY")))
		return error_set(err, ST_E_INVALID,
				 "/privateKey: must hold an OpenSSH or PEM private key");
	if (c->strict && (!c->known_hosts || !c->known_hosts[0]))
		return error_set(err, ST_E_INVALID,
				 "/knownHosts: required while strictHostKeyChecking is on (paste the "
				 "host's known_hosts line, or turn checking off)");
	return ST_OK;
}

/* Appends s to b as one single-quoted POSIX shell word. */
static bool ssh_quote(Buf *b, const char *s)
{
	if (!buf_putc(b, '\''))
		return false;
	for (const char *p = s; *p; p++)
		if (*p == '\'' ? !buf_puts(b, "'\\''") : !buf_putc(b, *p))
			return false;
	return buf_putc(b, '\'');
}

static Status ssh_write_file(const char *path, const char *data, bool newline, Error *err)
{
	size_t len = strlen(data), off = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return error_set(err, ST_E_IO, "cannot create %s: %s", path, strerror(errno));
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return error_set(err, ST_E_IO, "cannot write %s: %s", path, strerror(errno));
		}
		off += (size_t)n;
	}
	/* OpenSSH refuses a key without its final newline. */
	if (newline && len && data[len - 1] != '\n' && write(fd, "\n", 1) != 1) {
		close(fd);
		return error_set(err, ST_E_IO, "cannot write %s: %s", path, strerror(errno));
	}
	close(fd);
	return ST_OK;
}

/* Overwrites and removes a file that held the key. */
static void ssh_shred(const char *path)
{
	struct stat st;
	int fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd >= 0) {
		if (fstat(fd, &st) == 0 && st.st_size > 0) {
			char zeros[4096];
			off_t left = st.st_size;

			memset(zeros, 0, sizeof zeros);
			while (left > 0) {
				ssize_t n = write(fd, zeros, left > (off_t)sizeof zeros ? sizeof zeros
											 : (size_t)left);

				if (n <= 0)
					break;
				left -= n;
			}
		}
		close(fd);
	}
	unlink(path);
}

/* Runs remote_cmd on the host; the key lives on disk only for this call.
 * tty: `ssh -t` on this process's terminal (an interactive shell). */
static Status ssh_run(const SshConfig *c, const char *remote_cmd, bool tty,
		      const char *stdin_data, long timeout_ms, PluginProcResult *res, Error *err)
{
	/* The host removes its worker's private directory when the worker
	 * goes, killed or not: the key file cannot outlive this process. */
	const char *tmpdir = getenv("ENVCTL_WORKER_TMPDIR") ? getenv("ENVCTL_WORKER_TMPDIR")
							     : getenv("TMPDIR");
	char dir[512], key[600], kh[600], port[16], connect[48], strict[48], khopt[640];
	PluginProcSpec spec;
	Status st;

	snprintf(dir, sizeof dir, "%s/envctl-ssh-XXXXXX", tmpdir && tmpdir[0] ? tmpdir : "/tmp");
	if (!mkdtemp(dir))
		return error_set(err, ST_E_IO, "cannot create a private directory for the key: %s",
				 strerror(errno));
	snprintf(key, sizeof key, "%s/key", dir);
	snprintf(kh, sizeof kh, "%s/known_hosts", dir);
	st = ssh_write_file(key, c->key ? c->key : "", true, err);
	if (st == ST_OK)
		st = ssh_write_file(kh, c->known_hosts ? c->known_hosts : "", true, err);
	if (st == ST_OK) {
		const char *argv[] = {
			"ssh", "-F", "/dev/null", "-i", key, "-o", "IdentitiesOnly=yes",
			"-o", "IdentityAgent=none", "-o", "BatchMode=yes", "-o", strict,
			"-o", khopt, "-o", "GlobalKnownHostsFile=/dev/null", "-o", connect,
			"-o", "LogLevel=ERROR", "-o", "PasswordAuthentication=no",
			"-o", "KbdInteractiveAuthentication=no", "-p", port, "-l", c->user,
			tty ? "-t" : "-T", "--", c->host, remote_cmd, NULL,
		};

		snprintf(port, sizeof port, "%ld", c->port);
		snprintf(connect, sizeof connect, "ConnectTimeout=%ld", c->connect_timeout);
		snprintf(strict, sizeof strict, "StrictHostKeyChecking=%s", c->strict ? "yes" : "no");
		snprintf(khopt, sizeof khopt, "UserKnownHostsFile=%s",
			 c->known_hosts && c->known_hosts[0] ? kh : "/dev/null");
		memset(&spec, 0, sizeof spec);
		spec.argv = argv;
		spec.stdin_data = stdin_data;
		spec.stdin_len = stdin_data ? strlen(stdin_data) : 0;
		spec.timeout_ms = timeout_ms;
		spec.pass_fd = -1;
		st = tty ? plugin_proc_run_tty(&spec, res, err) : plugin_proc_run(&spec, res, err);
	}
	ssh_shred(key);
	ssh_shred(kh);
	rmdir(dir);
	return st;
}

static void ssh_tail(const char *text, char *out, size_t n)
{
	size_t len = strlen(text);

	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
		len--;
	snprintf(out, n, "%.*s", (int)(len > n - 1 ? n - 1 : len),
		 text + (len > n - 1 ? len - (n - 1) : 0));
}

/* Strictly below the host's call timeout (ENVCTL_CALL_TIMEOUT_MS, set by
 * the host): a host that accepts the connection and stalls ends here, with
 * ssh killed and the key removed, and not by the host killing this worker
 * mid-call. */
static long ssh_control_timeout(void)
{
	const char *t = getenv("ENVCTL_CALL_TIMEOUT_MS");
	long host = t ? strtol(t, NULL, 10) : 0, ms = SSH_CONTROL_TIMEOUT_MS;

	if (host > 0 && host * 3 / 4 < ms)
		ms = host * 3 / 4;
	return ms > 0 ? ms : 1;
}

/* Runs a control command (mkdir, rm, test) and turns failure into an
 * error naming the host. */
static Status ssh_control(const SshConfig *c, const char *what, const char *cmd,
			  PluginProcResult *res, Error *err)
{
	char tail[600];
	long timeout = ssh_control_timeout();

	if (ssh_run(c, cmd, false, NULL, timeout, res, err) != ST_OK)
		return err->status;
	if (res->timed_out) {
		plugin_proc_result_clear(res);
		return error_set(err, ST_E_TIMEOUT, "%s on %s@%s:%ld timed out after %ld ms", what,
				 c->user, c->host, c->port, timeout);
	}
	if (res->exit_code == 255) {
		ssh_tail(res->err, tail, sizeof tail);
		plugin_proc_result_clear(res);
		return error_set(err, ST_E_PROVIDER, "cannot connect to %s@%s:%ld: %s", c->user,
				 c->host, c->port, tail[0] ? tail : "ssh failed");
	}
	return ST_OK;
}

static const char *ssh_lease_id(const cJSON *params, char out[UUID_STR_LEN])
{
	const char *id = json_get_string(params, "providerLeaseId");
	const cJSON *lease = cJSON_GetObjectItemCaseSensitive(params, "lease");
	const char *slash;

	if (!id && lease)
		id = json_get_string(lease, "providerLeaseId");
	/* After a crash the host knows only its own lease id, which acquire
	 * used as the workspace name. */
	if (!id) {
		id = json_get_string(cJSON_GetObjectItemCaseSensitive(params, "leaseMetadata"),
				     "envctlLeaseId");
		if (!id_is_uuid(id))
			return NULL;
		snprintf(out, UUID_STR_LEN, "%s", id);
		return out;
	}
	if (strncmp(id, SSH_ID_PREFIX, strlen(SSH_ID_PREFIX)) != 0)
		return NULL;
	slash = strrchr(id, '/');
	if (!slash || !id_is_uuid(slash + 1))
		return NULL;
	snprintf(out, UUID_STR_LEN, "%s", slash + 1);
	return out;
}

static char *ssh_workspace(const SshConfig *c, const char *id)
{
	char *p = NULL;

	return asprintf(&p, "%s/%s", c->path, id) < 0 ? NULL : p;
}

/* ------------------------------------------------------------ handlers */

static Status ssh_validate(void *ctx, const cJSON *params, cJSON **result, Error *err)
{
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(params, "config");
	cJSON *r = cJSON_CreateObject(), *errors, *warnings;
	SshConfig c;
	Error cerr;

	(void)ctx;
	if (!r)
		return error_set(err, ST_E_NOMEM, "out of memory");
	errors = cJSON_AddArrayToObject(r, "errors");
	warnings = cJSON_AddArrayToObject(r, "warnings");
	error_clear(&cerr);
	/* At save time the key may still be a secret reference, not a key. */
	if (ssh_config(config, &c, false, &cerr) != ST_OK)
		cJSON_AddItemToArray(errors, cJSON_CreateString(cerr.msg));
	else if (!c.strict)
		cJSON_AddItemToArray(warnings, cJSON_CreateString(
						       "strictHostKeyChecking is off: the host is "
						       "not authenticated"));
	cJSON_AddBoolToObject(r, "ok", cJSON_GetArraySize(errors) == 0);
	*result = r;
	return ST_OK;
}

static Status ssh_probe(void *ctx, const cJSON *params, cJSON **result, Error *err)
{
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(params, "config");
	PluginProcResult res;
	Buf cmd = BUF_INIT;
	char msg[1200];
	SshConfig c;
	cJSON *r, *diags, *d;
	bool ok = false;

	(void)ctx;
	r = cJSON_CreateObject();
	diags = cJSON_AddArrayToObject(r, "diagnostics");
	d = cJSON_CreateObject();
	if (ssh_config(config, &c, true, err) != ST_OK) {
		snprintf(msg, sizeof msg, "%s", err->msg);
		error_clear(err);
	} else if (!buf_puts(&cmd, "p=") || !ssh_quote(&cmd, c.path) ||
		   !buf_puts(&cmd, "; if [ -d \"$p\" ]; then [ -w \"$p\" ] && echo writable || echo "
				   "readonly; else d=$(dirname \"$p\"); while [ ! -d \"$d\" ]; do "
				   "d=$(dirname \"$d\"); done; [ -w \"$d\" ] && echo creatable || "
				   "echo readonly; fi")) {
		snprintf(msg, sizeof msg, "out of memory");
	} else if (ssh_control(&c, "probe", cmd.data, &res, err) != ST_OK) {
		snprintf(msg, sizeof msg, "%s", err->msg);
		error_clear(err);
	} else {
		if (strncmp(res.out, "writable", 8) == 0 || strncmp(res.out, "creatable", 9) == 0) {
			ok = true;
			snprintf(msg, sizeof msg, "Connected to %s@%s:%ld; %s %s.", c.user, c.host, c.port,
				 c.path,
				 res.out[0] == 'w' ? "is a writable directory"
						   : "does not exist yet and will be created");
		} else {
			snprintf(msg, sizeof msg, "Connected to %s@%s:%ld, but %s is not writable there.",
				 c.user, c.host, c.port, c.path);
		}
		plugin_proc_result_clear(&res);
	}
	buf_clear(&cmd);
	cJSON_AddStringToObject(d, "severity", ok ? "info" : "error");
	cJSON_AddStringToObject(d, "message", msg);
	cJSON_AddItemToArray(diags, d);
	cJSON_AddBoolToObject(r, "ok", ok);
	cJSON_AddStringToObject(r, "summary", msg);
	*result = r;
	return ST_OK;
}

static cJSON *ssh_metadata(const cJSON *config, const SshConfig *c, const char *id)
{
	cJSON *m = cJSON_IsObject(config) ? cJSON_Duplicate(config, 1) : cJSON_CreateObject();
	char *ws = ssh_workspace(c, id);

	/* The whole config, key included, so the generic reuse rule can compare
	 * it: the host turns an echoed secret back into its secret id before
	 * it stores the metadata (DESIGN §4.1 compares secret fields as ids). */
	json_set_string(m, "workspaceId", id);
	json_set_string(m, "workspacePath", ws ? ws : "");
	json_set_bool(m, "reuseLease", c->reuse);
	free(ws);
	return m;
}

/* Runs `VERB WORKSPACE` on the host for the lease id: what names the step
 * if the host cannot be reached, doing ("create") the command's failure.
 * *ws gets the workspace's path (free it), also on failure. */
static Status ssh_workspace_run(const SshConfig *c, const char *id, const char *verb,
				const char *what, const char *doing, char **ws, Error *err)
{
	char tail[600];
	PluginProcResult res;
	Buf cmd = BUF_INIT;
	Status st = ST_OK;

	*ws = ssh_workspace(c, id);
	if (!*ws || !buf_puts(&cmd, verb) || !ssh_quote(&cmd, *ws)) {
		buf_clear(&cmd);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	if (ssh_control(c, what, cmd.data, &res, err) != ST_OK) {
		buf_clear(&cmd);
		return err->status;
	}
	buf_clear(&cmd);
	if (res.exit_code != 0) {
		ssh_tail(res.err, tail, sizeof tail);
		st = error_set(err, ST_E_PROVIDER, "cannot %s %s on %s: %s", doing, *ws, c->host,
			       tail);
	}
	plugin_proc_result_clear(&res);
	return st;
}

static cJSON *ssh_lease(const SshConfig *c, const char *id, cJSON *metadata)
{
	cJSON *r = cJSON_CreateObject();
	char lease_id[600];

	snprintf(lease_id, sizeof lease_id, SSH_ID_PREFIX "%s:%ld/%s", c->host, c->port, id);
	cJSON_AddStringToObject(r, "providerLeaseId", lease_id);
	cJSON_AddItemToObject(r, "metadata", metadata);
	return r;
}

static Status ssh_acquire(void *ctx, const cJSON *params, cJSON **result, Error *err)
{
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(params, "config");
	char id[UUID_STR_LEN];
	SshConfig c;
	char *ws;

	(void)ctx;
	if (ssh_config(config, &c, true, err) != ST_OK)
		return err->status;
	/* Named after the host's lease id when given, so a crash between this
	 * answer and the host's record of it leaves a workspace the host can
	 * still find and remove. */
	if (id_is_uuid(json_get_string(params, "envctlLeaseId")))
		snprintf(id, sizeof id, "%s", json_get_string(params, "envctlLeaseId"));
	else
		id_new(id);
	if (ssh_workspace_run(&c, id, "mkdir -p ", "creating the workspace", "create", &ws, err) !=
	    ST_OK) {
		free(ws);
		return err->status;
	}
	plugin_serve_log("acquired workspace %s on %s", ws, c.host);
	free(ws);
	*result = ssh_lease(&c, id, ssh_metadata(config, &c, id));
	return ST_OK;
}

static Status ssh_resume(void *ctx, const cJSON *params, cJSON **result, Error *err)
{
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(params, "config");
	char id[UUID_STR_LEN];
	PluginProcResult res;
	Buf cmd = BUF_INIT;
	SshConfig c;
	char *ws;
	cJSON *meta;

	(void)ctx;
	if (ssh_config(config, &c, true, err) != ST_OK)
		return err->status;
	ws = ssh_lease_id(params, id) ? ssh_workspace(&c, id) : NULL;
	if (ws && buf_puts(&cmd, "test -d ") && ssh_quote(&cmd, ws) &&
	    ssh_control(&c, "looking for the workspace", cmd.data, &res, err) == ST_OK) {
		bool exists = res.exit_code == 0;

		plugin_proc_result_clear(&res);
		if (exists) {
			free(ws);
			buf_clear(&cmd);
			meta = ssh_metadata(config, &c, id);
			json_set_bool(meta, "resumedLease", true);
			*result = ssh_lease(&c, id, meta);
			return ST_OK;
		}
	} else if (err->status != ST_OK) {
		free(ws);
		buf_clear(&cmd);
		return err->status;
	}
	free(ws);
	buf_clear(&cmd);
	*result = cJSON_CreateObject();
	cJSON_AddNullToObject(*result, "providerLeaseId");
	return ST_OK;
}

static Status ssh_end(const cJSON *params, bool destroy, Error *err)
{
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(params, "config");
	const cJSON *meta = cJSON_GetObjectItemCaseSensitive(params, "leaseMetadata");
	char id[UUID_STR_LEN];
	SshConfig c;
	char *ws;
	Status st = ST_OK;

	if (ssh_config(config, &c, true, err) != ST_OK)
		return err->status;
	if (!ssh_lease_id(params, id))
		/* Reporting success here would mark a workspace clean that may
		 * still be on the host. */
		return error_set(err, ST_E_NOT_FOUND,
				 "the lease names no ssh workspace (no ssh:// providerLeaseId, no "
				 "envctlLeaseId): nothing to find it by; remove it under %s on %s by "
				 "hand",
				 c.path, c.host);
	if (!destroy && (c.reuse || json_is_true(meta, "reuseLease")))
		return ST_OK; /* kept for the next run */
	st = ssh_workspace_run(&c, id, "rm -rf ", "removing the workspace", "remove", &ws, err);
	free(ws);
	return st;
}

static Status ssh_release(void *ctx, const cJSON *params, cJSON **result, Error *err)
{
	(void)ctx;
	*result = NULL;
	return ssh_end(params, false, err);
}

static Status ssh_destroy(void *ctx, const cJSON *params, cJSON **result, Error *err)
{
	(void)ctx;
	*result = NULL;
	return ssh_end(params, true, err);
}

static Status ssh_execute(void *ctx, const cJSON *params, cJSON **result, Error *err)
{
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(params, "config");
	const cJSON *args = cJSON_GetObjectItemCaseSensitive(params, "args");
	const cJSON *env = cJSON_GetObjectItemCaseSensitive(params, "env");
	const char *command = json_get_string(params, "command");
	const char *cwd = json_get_string(params, "cwd");
	char id[UUID_STR_LEN];
	PluginProcResult res;
	Buf cmd = BUF_INIT;
	long timeout;
	SshConfig c;
	char *ws;
	bool ok;

	(void)ctx;
	if (ssh_config(config, &c, true, err) != ST_OK)
		return err->status;
	if (!command || !command[0])
		return error_set(err, ST_E_INVALID, "execute needs a command");
	if (!ssh_lease_id(params, id))
		return error_set(err, ST_E_INVALID, "the lease is not an ssh lease");
	timeout = ssh_int(params, "timeoutMs", 0);
	if (timeout <= 0)
		timeout = c.timeout_ms;
	ws = ssh_workspace(&c, id);
	/* cd into the workspace (or cwd inside it), then the command, each
	 * argument one quoted word: the remote shell splits nothing. */
	ok = ws && buf_puts(&cmd, "cd ") && ssh_quote(&cmd, ws) && buf_puts(&cmd, " && ");
	if (ok && cwd && cwd[0])
		ok = buf_puts(&cmd, "cd ") && ssh_quote(&cmd, cwd) && buf_puts(&cmd, " && ");
	if (ok && cJSON_IsObject(env) && env->child) {
		ok = buf_puts(&cmd, "env");
		for (const cJSON *e = env->child; ok && e; e = e->next) {
			Buf kv = BUF_INIT;

			if (!cJSON_IsString(e) || !e->string[0] || strchr(e->string, '='))
				continue;
			ok = buf_printf(&kv, "%s=%s", e->string, e->valuestring) && buf_putc(&cmd, ' ') &&
			     ssh_quote(&cmd, kv.data);
			buf_clear(&kv);
		}
		ok = ok && buf_putc(&cmd, ' ');
	}
	ok = ok && ssh_quote(&cmd, command);
	for (const cJSON *a = cJSON_IsArray(args) ? args->child : NULL; ok && a; a = a->next)
		if (cJSON_IsString(a))
			ok = buf_putc(&cmd, ' ') && ssh_quote(&cmd, a->valuestring);
	free(ws);
	if (!ok) {
		buf_clear(&cmd);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	if (ssh_run(&c, cmd.data, false, json_get_string(params, "stdin"), timeout, &res, err) !=
	    ST_OK) {
		buf_clear(&cmd);
		return err->status;
	}
	buf_clear(&cmd);
	*result = plugin_serve_execute_result(&res);
	plugin_proc_result_clear(&res);
	return ST_OK;
}

/* The interactive shell (serve.h, PLUGIN_SHELL_ARG): `ssh -t` to the
 * host, into the lease's workspace (or cwd in it), the user's login shell. */
static int ssh_shell(const cJSON *params, Error *err)
{
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(params, "config");
	const char *cwd = json_get_string(params, "cwd");
	char id[UUID_STR_LEN];
	PluginProcResult res;
	Buf cmd = BUF_INIT;
	SshConfig c;
	char *ws;
	bool ok;

	if (ssh_config(config, &c, true, err) != ST_OK)
		return 1;
	if (!ssh_lease_id(params, id)) {
		error_set(err, ST_E_INVALID, "the lease is not an ssh lease");
		return 1;
	}
	ws = ssh_workspace(&c, id);
	ok = ws && buf_puts(&cmd, "cd ") && ssh_quote(&cmd, ws);
	if (ok && cwd && cwd[0])
		ok = buf_puts(&cmd, " && cd ") && ssh_quote(&cmd, cwd);
	ok = ok && buf_puts(&cmd, " && exec \"${SHELL:-/bin/sh}\" -l");
	free(ws);
	if (!ok) {
		buf_clear(&cmd);
		error_set(err, ST_E_NOMEM, "out of memory");
		return 1;
	}
	if (ssh_run(&c, cmd.data, true, NULL, 0, &res, err) != ST_OK) {
		buf_clear(&cmd);
		return 1;
	}
	buf_clear(&cmd);
	return res.term_signal ? 128 + res.term_signal : res.exit_code;
}

int main(int argc, char **argv)
{
	static const PluginHandler handlers[] = {
		{ "environmentValidateConfig", ssh_validate },
		{ "environmentProbe", ssh_probe },
		{ "environmentAcquireLease", ssh_acquire },
		{ "environmentResumeLease", ssh_resume },
		{ "environmentReleaseLease", ssh_release },
		{ "environmentDestroyLease", ssh_destroy },
		{ "environmentExecute", ssh_execute },
	};
	PluginServeSpec spec = {
		.name = "ssh",
		.handlers = handlers,
		.count = sizeof handlers / sizeof handlers[0],
	};

	if (sodium_init() < 0)
		return 1;
	if (argc == 2 && strcmp(argv[1], PLUGIN_SHELL_ARG) == 0)
		return plugin_serve_shell("ssh", ssh_shell);
	return plugin_serve(&spec);
}
