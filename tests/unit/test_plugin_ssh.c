/* The bundled ssh provider against a real sshd on 127.0.0.1 (started by
 * tests/helpers/test_sshd.sh on its own port), through the core Provider
 * interface. The private key must never show up in any process's argv or
 * environment, and its temporary file must be gone after each call. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <dirent.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/provider_plugin.h"
#include "plugin_fixture.h"
#include "testutil.h"
#include "util/fs.h"
#include "util/json.h"

static char *tmp, *sshd_dir, *worker_tmp, *key, *known_hosts, *remote_root;
static int port;
static Registry reg;
static PluginCatalog cat;
static PluginHost *host;
static Provider *ssh;

static char *slurp(const char *dir, const char *name)
{
	char *path = fs_join(dir, name), *text = pf_read(path);

	free(path);
	return text;
}

static void setup(void)
{
	char *dirs[2] = { pf_bundled_dir(), NULL };
	char cmd[1024], *logs, *port_text;
	Error err;

	tmp = tu_tmpdir();
	sshd_dir = fs_join(tmp, "sshd");
	worker_tmp = fs_join(tmp, "worker-tmp");
	remote_root = fs_join(tmp, "remote");
	logs = fs_join(tmp, "logs");
	snprintf(cmd, sizeof cmd, "tests/helpers/test_sshd.sh start %s >/dev/null", sshd_dir);
	ck_assert_msg(system(cmd) == 0, "could not start the test sshd");
	port_text = slurp(sshd_dir, "port");
	port = atoi(port_text);
	free(port_text);
	ck_assert_int_gt(port, 0);
	key = slurp(sshd_dir, "user_key");
	known_hosts = slurp(sshd_dir, "known_hosts");
	error_clear(&err);
	ck_assert_int_eq(fs_mkdir_p(worker_tmp, 0700, &err), ST_OK);
	/* The worker inherits TMPDIR: its key files land where we can look. */
	setenv("TMPDIR", worker_tmp, 1);
	ck_assert_int_eq(registry_init(&reg, tu_forms_dir(), &err), ST_OK);
	ck_assert_int_eq(plugin_catalog_load(&cat, dirs, &err), ST_OK);
	host = pf_host(logs, 20000);
	ck_assert_int_eq(provider_plugins_register(&reg, &cat, host, &err), ST_OK);
	ssh = registry_find(&reg, "ssh");
	ck_assert_ptr_nonnull(ssh);
	free(dirs[0]);
	free(logs);
}

static void teardown(void)
{
	char cmd[1024];

	registry_clear(&reg);
	plugin_host_free(host);
	plugin_catalog_clear(&cat);
	snprintf(cmd, sizeof cmd, "tests/helpers/test_sshd.sh stop %s", sshd_dir);
	ck_assert_int_eq(system(cmd), 0);
	unsetenv("TMPDIR");
	free(key);
	free(known_hosts);
	free(remote_root);
	free(worker_tmp);
	free(sshd_dir);
	free(tmp);
}

/* The runtime config: what the core hands over once the secret is resolved. */
static cJSON *config(bool with_known_hosts, const char *extra)
{
	struct passwd *pw = getpwuid(getuid());
	cJSON *c = cJSON_CreateObject();
	char text[512];

	cJSON_AddStringToObject(c, "provider", "ssh");
	cJSON_AddStringToObject(c, "host", "127.0.0.1");
	cJSON_AddNumberToObject(c, "port", port);
	cJSON_AddStringToObject(c, "username", pw->pw_name);
	cJSON_AddStringToObject(c, "privateKey", key);
	if (with_known_hosts)
		cJSON_AddStringToObject(c, "knownHosts", known_hosts);
	cJSON_AddStringToObject(c, "remoteWorkspacePath", remote_root);
	if (extra) {
		cJSON *more, *item;

		snprintf(text, sizeof text, "{%s}", extra);
		more = tu_json(text);
		while ((item = more->child)) {
			cJSON_DetachItemViaPointer(more, item);
			json_set(c, item->string, item);
		}
		cJSON_Delete(more);
	}
	return c;
}

START_TEST(probe_connects_and_checks_the_path)
{
	cJSON *cfg = config(true, NULL);
	ProbeResult pr;
	Error err;
	char want[512];

	error_clear(&err);
	ck_assert_msg(ssh->ops->probe(ssh, cfg, NULL, &pr, &err) == ST_OK, "%s", err.msg);
	ck_assert_msg(pr.ok, "%s", pr.summary);
	snprintf(want, sizeof want, "@127.0.0.1:%d; %s does not exist yet and will be created.", port,
		 remote_root);
	ck_assert_msg(strstr(pr.summary, want), "%s", pr.summary);
	probe_result_clear(&pr);
	mkdir(remote_root, 0755);
	ck_assert_int_eq(ssh->ops->probe(ssh, cfg, NULL, &pr, &err), ST_OK);
	ck_assert_ptr_nonnull(strstr(pr.summary, "is a writable directory"));
	probe_result_clear(&pr);
	cJSON_Delete(cfg);
}
END_TEST

START_TEST(probe_refuses_unknown_host_key)
{
	cJSON *cfg = config(false, "\"knownHosts\":\"[127.0.0.1]:1 ssh-ed25519 "
				   "AAAAC3NzaC1lZDI1NTE5AAAAIB8hBs2ltFM4yEOh7zbyoE/w6yYd7P2c9o7l3zPWMOd5\"");
	cJSON *none = config(false, NULL);
	ProbeResult pr;
	Error err;

	error_clear(&err);
	ck_assert_int_eq(ssh->ops->probe(ssh, cfg, NULL, &pr, &err), ST_OK);
	ck_assert(!pr.ok);
	ck_assert_msg(strstr(pr.summary, "Host key verification failed"), "%s", pr.summary);
	probe_result_clear(&pr);
	ck_assert_int_eq(ssh->ops->probe(ssh, none, NULL, &pr, &err), ST_OK);
	ck_assert(!pr.ok);
	ck_assert_ptr_nonnull(strstr(pr.summary, "/knownHosts: required"));
	probe_result_clear(&pr);
	cJSON_Delete(cfg);
	cJSON_Delete(none);
}
END_TEST

typedef struct ExecThread {
	cJSON *cfg;
	LeaseHandle *h;
	const char *script;
	long timeout;
	Status st;
	ExecResult r;
	Error err;
} ExecThread;

static void *exec_thread(void *arg)
{
	ExecThread *t = arg;
	const char *args[] = { "-c", t->script, NULL };
	ExecInput in = { .config = t->cfg, .environment_id = "env-ssh",
			 .provider_lease_id = t->h->provider_lease_id,
			 .lease_metadata = t->h->metadata, .command = "sh", .args = args,
			 .timeout_ms = t->timeout };

	error_clear(&t->err);
	t->st = ssh->ops->execute(ssh, &in, &t->r, &t->err);
	return NULL;
}

/* A distinctive piece of the key: its second line. */
static char *key_marker(void)
{
	const char *nl = strchr(key, '\n');
	char *m = strndup(nl + 1, 40);

	ck_assert_int_eq(strlen(m), 40);
	return m;
}

static bool file_has(const char *path, const char *needle)
{
	Error err;
	size_t len = 0;
	char *data = fs_read_file(path, &len, &err);
	bool found = false;

	for (size_t i = 0; data && i + strlen(needle) <= len && !found; i++)
		found = memcmp(data + i, needle, strlen(needle)) == 0;
	free(data);
	return found;
}

/* Every process's argv and environment, searched for the marker. */
static int scan_processes(const char *marker, int *scanned)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int hits = 0;

	*scanned = 0;
	while ((de = readdir(d))) {
		char path[300];

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/cmdline", de->d_name);
		hits += file_has(path, marker);
		snprintf(path, sizeof path, "/proc/%s/environ", de->d_name);
		hits += file_has(path, marker);
		(*scanned)++;
	}
	closedir(d);
	return hits;
}

/* Key folders (envctl-ssh-*) in every worker's private scratch directory under
 * worker_tmp; with check_mode, each key file must be 0600. */
static int count_key_files(bool check_mode)
{
	DIR *d = opendir(worker_tmp);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d))) {
		char wdir[1024];
		DIR *w;
		struct dirent *ke;

		if (strncmp(de->d_name, "envctl-ssh-", 11) == 0)
			n++; /* a key folder outside any worker's scratch directory */
		if (strncmp(de->d_name, "envctl-worker-", 14) != 0)
			continue;
		snprintf(wdir, sizeof wdir, "%s/%s", worker_tmp, de->d_name);
		w = opendir(wdir);
		while (w && (ke = readdir(w))) {
			char path[1300];
			struct stat st;

			if (strncmp(ke->d_name, "envctl-ssh-", 11) != 0)
				continue;
			n++;
			snprintf(path, sizeof path, "%s/%s/key", wdir, ke->d_name);
			if (check_mode && stat(path, &st) == 0)
				ck_assert_int_eq(st.st_mode & 0777, 0600);
		}
		if (w)
			closedir(w);
	}
	if (d)
		closedir(d);
	return n;
}

/* ssh processes whose argv names a file under worker_tmp. */
static int count_our_ssh(void)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	while ((de = readdir(d))) {
		char path[300];

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/cmdline", de->d_name);
		n += file_has(path, worker_tmp) && file_has(path, "IdentitiesOnly");
	}
	closedir(d);
	return n;
}

static void wait_clean(const char *what)
{
	for (int i = 0; i < 300; i++) {
		if (count_key_files(false) == 0 && count_our_ssh() == 0)
			return;
		usleep(10 * 1000);
	}
	ck_abort_msg("%s: %d key folders and %d ssh processes left after 3 s", what,
		     count_key_files(false), count_our_ssh());
}

START_TEST(lease_lifecycle_and_key_hygiene)
{
	cJSON *cfg = config(true, "\"reuseLease\":true");
	AcquireInput ain = { .config = cfg, .environment_id = "env-ssh", .run_id = "run-1" };
	ExecThread t;
	LeaseHandle h, again;
	LeaseInput lin;
	pthread_t th;
	Error err;
	char *marker = key_marker(), *file, *go;
	const char *ws;
	int scanned, key_files = 0;

	error_clear(&err);
	ck_assert_msg(ssh->ops->acquire_lease(ssh, &ain, &h, &err) == ST_OK, "%s", err.msg);
	ck_assert_ptr_nonnull(strstr(h.provider_lease_id, "ssh://127.0.0.1:"));
	ws = json_get_string(h.metadata, "workspacePath");
	ck_assert(fs_is_dir(ws));
	/* The config comes back whole, so the generic reuse rule matches; the
	 * lease action stores the key's secret id in its place. */
	ck_assert_str_eq(json_get_string(h.metadata, "privateKey"), key);
	ck_assert(provider_matches_reusable_lease(ssh, cfg, h.provider_lease_id, h.metadata));

	memset(&t, 0, sizeof t);
	t.cfg = cfg;
	t.h = &h;
	/* The command holds its ssh session open until the test has looked
	 * (the file go), at most 10 s; the test looks once the command has
	 * written f, so the scan below sees a command that is running. */
	t.script = "echo hi > f; cat f; i=0; while [ ! -e go ] && [ $i -lt 1000 ]; do "
		   "sleep 0.01; i=$((i+1)); done";
	pthread_create(&th, NULL, exec_thread, &t);
	file = fs_join(ws, "f");
	go = fs_join(ws, "go");
	for (long long end = tu_now_ms() + 10000; !(fs_is_file(file) && count_our_ssh() > 0);) {
		ck_assert_msg(tu_now_ms() < end, "the command did not start within 10 s");
		usleep(5 * 1000);
	}
	ck_assert_int_eq(scan_processes(marker, &scanned), 0);
	ck_assert_int_gt(scanned, 3);
	/* Meanwhile the key sits in a private 0600 file in the worker's own
	 * scratch directory, and only there. */
	key_files = count_key_files(true);
	ck_assert_int_eq(key_files, 1);
	tu_touch(go);
	free(go);
	pthread_join(th, NULL);
	ck_assert_msg(t.st == ST_OK, "%s", t.err.msg);
	ck_assert_int_eq(t.r.exit_code, 0);
	ck_assert_str_eq(t.r.out, "hi\n");
	exec_result_clear(&t.r);
	ck_assert(fs_is_file(file));
	free(file);
	ck_assert_int_eq(count_key_files(false), 0);

	memset(&lin, 0, sizeof lin);
	lin.config = cfg;
	lin.environment_id = "env-ssh";
	lin.provider_lease_id = h.provider_lease_id;
	lin.lease_metadata = h.metadata;
	lin.status = "released";
	ck_assert_int_eq(ssh->ops->release_lease(ssh, &lin, &err), ST_OK);
	ck_assert(fs_is_dir(ws));
	ck_assert_int_eq(ssh->ops->resume_lease(ssh, &lin, &again, &err), ST_OK);
	ck_assert_str_eq(again.provider_lease_id, h.provider_lease_id);
	ck_assert(json_is_true(again.metadata, "resumedLease"));
	lease_handle_clear(&again);
	ck_assert_int_eq(ssh->ops->destroy_lease(ssh, &lin, &err), ST_OK);
	ck_assert(!fs_is_dir(ws));
	ck_assert_int_eq(ssh->ops->resume_lease(ssh, &lin, &again, &err), ST_OK);
	ck_assert_ptr_null(again.provider_lease_id);
	ck_assert_int_eq(count_key_files(false), 0);
	lease_handle_clear(&h);
	free(marker);
	cJSON_Delete(cfg);
}
END_TEST

START_TEST(execute_timeout_and_exit_codes)
{
	cJSON *cfg = config(true, NULL);
	AcquireInput ain = { .config = cfg, .environment_id = "env-ssh" };
	ExecThread t;
	LeaseHandle h;
	LeaseInput lin;
	Error err;

	error_clear(&err);
	ck_assert_msg(ssh->ops->acquire_lease(ssh, &ain, &h, &err) == ST_OK, "%s", err.msg);
	memset(&t, 0, sizeof t);
	t.cfg = cfg;
	t.h = &h;
	t.script = "echo out; echo err >&2; exit 3";
	exec_thread(&t);
	ck_assert_int_eq(t.st, ST_OK);
	ck_assert_int_eq(t.r.exit_code, 3);
	ck_assert_str_eq(t.r.out, "out\n");
	ck_assert_str_eq(t.r.err, "err\n");
	exec_result_clear(&t.r);
	t.script = "sleep 5";
	t.timeout = 300;
	exec_thread(&t);
	ck_assert_int_eq(t.st, ST_OK);
	ck_assert(t.r.timed_out);
	ck_assert_int_eq(t.r.exit_code, -1);
	exec_result_clear(&t.r);
	/* An ephemeral lease's workspace goes at release. */
	memset(&lin, 0, sizeof lin);
	lin.config = cfg;
	lin.provider_lease_id = h.provider_lease_id;
	lin.lease_metadata = h.metadata;
	lin.status = "released";
	ck_assert_int_eq(ssh->ops->release_lease(ssh, &lin, &err), ST_OK);
	ck_assert(!fs_is_dir(json_get_string(h.metadata, "workspacePath")));
	lease_handle_clear(&h);
	cJSON_Delete(cfg);
}
END_TEST


/* A loopback server that sends an SSH banner and then stalls. */
static void *stall_server(void *arg)
{
	int *fds = arg, c;

	while ((c = accept(fds[0], NULL, NULL)) >= 0) {
		char buf[256];

		(void)!write(c, "SSH-2.0-OpenSSH_9.9 stall\r\n", 27);
		while (read(c, buf, sizeof buf) > 0)
			;
		close(c);
	}
	return NULL;
}

/* Issue #12: a host that stalls after its banner made the host's call
 * timeout fire with (or before) the provider's own: the worker was killed
 * with the key on disk and ssh left running with ppid 1. The provider now
 * times out first and cleans up. */
START_TEST(stalled_host_times_out_in_the_provider)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t alen = sizeof a;
	int fds[1], sport;
	char *dirs[2] = { pf_bundled_dir(), NULL }, *logs = fs_join(tmp, "logs2");
	PluginCatalog c2;
	PluginHost *h2;
	Registry r2;
	Provider *s2;
	ProbeResult pr;
	pthread_t th;
	cJSON *cfg;
	Error err;

	fds[0] = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fds[0], (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(fds[0], 4), 0);
	getsockname(fds[0], (struct sockaddr *)&a, &alen);
	sport = ntohs(a.sin_port);
	pthread_create(&th, NULL, stall_server, fds);
	pthread_detach(th);
	error_clear(&err);
	ck_assert_int_eq(registry_init(&r2, tu_forms_dir(), &err), ST_OK);
	ck_assert_int_eq(plugin_catalog_load(&c2, dirs, &err), ST_OK);
	h2 = pf_host(logs, 2000);
	ck_assert_int_eq(provider_plugins_register(&r2, &c2, h2, &err), ST_OK);
	s2 = registry_find(&r2, "ssh");
	cfg = config(true, NULL);
	cJSON_ReplaceItemInObject(cfg, "port", cJSON_CreateNumber(sport));
	memset(&pr, 0, sizeof pr);
	ck_assert_msg(s2->ops->probe(s2, cfg, NULL, &pr, &err) == ST_OK, "the host timed out first: %s",
		      err.msg);
	ck_assert(!pr.ok);
	ck_assert_msg(strstr(pr.summary, "timed out after 1500 ms") != NULL, "%s", pr.summary);
	probe_result_clear(&pr);
	wait_clean("after the stalled probe");
	cJSON_Delete(cfg);
	registry_clear(&r2);
	plugin_host_free(h2);
	plugin_catalog_clear(&c2);
	close(fds[0]);
	free(dirs[0]);
	free(logs);
}
END_TEST

/* Issue #12: the worker killed in the middle of a call (by the host on a
 * timeout, or by anyone) left the key file and ssh behind. */
START_TEST(killed_worker_leaves_no_key_or_ssh)
{
	cJSON *cfg = config(true, NULL);
	AcquireInput ain = { .config = cfg, .environment_id = "env-ssh" };
	PluginWorkerInfo info;
	ExecThread t;
	LeaseHandle h;
	pthread_t th;
	Error err;

	error_clear(&err);
	ck_assert_msg(ssh->ops->acquire_lease(ssh, &ain, &h, &err) == ST_OK, "%s", err.msg);
	memset(&t, 0, sizeof t);
	t.cfg = cfg;
	t.h = &h;
	t.script = "sleep 20";
	t.timeout = 25000;
	pthread_create(&th, NULL, exec_thread, &t);
	for (int i = 0; i < 500 && count_our_ssh() == 0; i++)
		usleep(10 * 1000);
	ck_assert_int_gt(count_our_ssh(), 0);
	ck_assert_int_eq(count_key_files(true), 1);
	plugin_worker_info(plugin_host_at(host, 0), &info);
	for (size_t i = 0; info.pid == 0 && plugin_host_at(host, i); i++)
		plugin_worker_info(plugin_host_at(host, i), &info);
	ck_assert_int_gt(info.pid, 0);
	kill(info.pid, SIGKILL);
	pthread_join(th, NULL);
	ck_assert_int_ne(t.st, ST_OK);
	wait_clean("after the worker was killed");
	lease_handle_clear(&h);
	cJSON_Delete(cfg);
}
END_TEST

/* Issue #12: after a crash the host knows only its own lease id; the
 * remote workspace is named after it, and a release with nothing to find
 * the workspace by is an error, not "cleanup success". */
START_TEST(workspace_named_after_host_lease_id)
{
	static const char lid[] = "7d0c6a2e-2c4b-4e0f-9f57-0b7c1d2e3f40";
	cJSON *cfg = config(true, NULL);
	AcquireInput ain = { .config = cfg, .environment_id = "env-ssh", .lease_id = lid };
	cJSON *meta = cJSON_CreateObject();
	LeaseInput lin;
	LeaseHandle h;
	char *ws = fs_join(remote_root, lid);
	Error err;

	error_clear(&err);
	ck_assert_msg(ssh->ops->acquire_lease(ssh, &ain, &h, &err) == ST_OK, "%s", err.msg);
	ck_assert_msg(fs_is_dir(ws), "no workspace %s", ws);
	memset(&lin, 0, sizeof lin);
	lin.config = cfg;
	lin.status = "released";
	lin.lease_metadata = meta;
	ck_assert_int_ne(ssh->ops->destroy_lease(ssh, &lin, &err), ST_OK);
	ck_assert_msg(strstr(err.msg, "nothing to find it by") != NULL, "%s", err.msg);
	json_set_string(meta, "envctlLeaseId", lid);
	error_clear(&err);
	ck_assert_msg(ssh->ops->destroy_lease(ssh, &lin, &err) == ST_OK, "%s", err.msg);
	ck_assert(!fs_is_dir(ws));
	lease_handle_clear(&h);
	cJSON_Delete(meta);
	cJSON_Delete(cfg);
	free(ws);
}
END_TEST

TEST_SUITE(plugin_ssh)
{
	Suite *s = suite_create("plugin_ssh");
	TCase *tc = tcase_create("ssh");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, probe_connects_and_checks_the_path);
	tcase_add_test(tc, probe_refuses_unknown_host_key);
	tcase_add_test(tc, lease_lifecycle_and_key_hygiene);
	tcase_add_test(tc, execute_timeout_and_exit_codes);
	tcase_add_test(tc, stalled_host_times_out_in_the_provider);
	tcase_add_test(tc, killed_worker_leaves_no_key_or_ssh);
	tcase_add_test(tc, workspace_named_after_host_lease_id);
	suite_add_tcase(s, tc);
	return s;
}
