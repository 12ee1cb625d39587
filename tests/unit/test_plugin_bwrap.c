/* The bundled bwrap provider, through the core Provider interface with its
 * real worker and real sandboxes. */
#include <arpa/inet.h>
#include <check.h>
#include <pthread.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/provider_plugin.h"
#include "plugin_fixture.h"
#include "testutil.h"
#include "util/fs.h"
#include "util/ids.h"
#include "util/json.h"

static char *tmp, *wsroot;
static Registry reg;
static PluginCatalog cat;
static PluginHost *host;
static Provider *bw;

static void setup(void)
{
	char *dirs[2] = { pf_bundled_dir(), NULL };
	char *logs;
	Error err;

	tmp = tu_tmpdir();
	wsroot = fs_join(tmp, "ws");
	logs = fs_join(tmp, "logs");
	error_clear(&err);
	ck_assert_int_eq(registry_init(&reg, tu_forms_dir(), &err), ST_OK);
	ck_assert_int_eq(plugin_catalog_load(&cat, dirs, &err), ST_OK);
	host = pf_host(logs, 20000);
	ck_assert_int_eq(provider_plugins_register(&reg, &cat, host, &err), ST_OK);
	bw = registry_find(&reg, "bwrap");
	ck_assert_msg(bw != NULL, "bwrap provider not registered from %s (%zu problems)", dirs[0],
		      reg.problem_count);
	free(dirs[0]);
	free(logs);
}

static void teardown(void)
{
	registry_clear(&reg);
	plugin_host_free(host);
	plugin_catalog_clear(&cat);
	free(wsroot);
	free(tmp);
}

static cJSON *config(const char *extra)
{
	char text[2048];

	snprintf(text, sizeof text, "{\"provider\":\"bwrap\",\"workspaceRoot\":\"%s\"%s%s}", wsroot,
		 extra ? "," : "", extra ? extra : "");
	return tu_json(text);
}

static void acquire(const cJSON *cfg, const char *run_id, LeaseHandle *h)
{
	AcquireInput in = { .config = cfg, .environment_id = "env-1", .run_id = run_id };
	Error err;

	error_clear(&err);
	ck_assert_msg(bw->ops->acquire_lease(bw, &in, h, &err) == ST_OK, "%s", err.msg);
	ck_assert_ptr_nonnull(h->provider_lease_id);
	ck_assert_str_eq(json_get_string(h->metadata, "provider"), "bwrap");
}

static Status run(const cJSON *cfg, const LeaseHandle *h, const char *script, long timeout_ms,
		  ExecResult *out, Error *err)
{
	const char *args[] = { "-c", script, NULL };
	ExecInput in = {
		.config = cfg,
		.environment_id = "env-1",
		.provider_lease_id = h->provider_lease_id,
		.lease_metadata = h->metadata,
		.command = "sh",
		.args = args,
		.timeout_ms = timeout_ms,
	};

	error_clear(err);
	return bw->ops->execute(bw, &in, out, err);
}

static void destroy(const cJSON *cfg, const LeaseHandle *h)
{
	LeaseInput in = { .config = cfg, .environment_id = "env-1",
			  .provider_lease_id = h->provider_lease_id, .lease_metadata = h->metadata };
	Error err;

	error_clear(&err);
	ck_assert_msg(bw->ops->destroy_lease(bw, &in, &err) == ST_OK, "%s", err.msg);
}

START_TEST(registered_with_schema_and_caps)
{
	const cJSON *props = cJSON_GetObjectItem(bw->config_schema, "properties");

	ck_assert_int_eq(bw->source, PROVIDER_PLUGIN);
	ck_assert(bw->caps & PROVIDER_CAP_EXECUTE);
	ck_assert(!(bw->caps & PROVIDER_CAP_TEST_ONLY));
	ck_assert_ptr_nonnull(cJSON_GetObjectItem(props, "allowNetwork"));
	ck_assert_ptr_null(bw->ops->matches_reusable_lease);
	ck_assert_ptr_null(bw->ops->config_from_lease_metadata);
}
END_TEST

START_TEST(validate_and_probe)
{
	cJSON *cfg = config(NULL), *bad = tu_json("{\"provider\":\"bwrap\",\"workspaceRoot\":\"rel\"}");
	ValidateResult v;
	ProbeResult pr;
	Error err;

	error_clear(&err);
	ck_assert_int_eq(bw->ops->validate_config(bw, cfg, &v, &err), ST_OK);
	ck_assert(v.ok);
	validate_result_clear(&v);
	ck_assert_int_eq(bw->ops->validate_config(bw, bad, &v, &err), ST_OK);
	ck_assert(!v.ok);
	ck_assert_ptr_nonnull(strstr(cJSON_GetArrayItem(v.errors, 0)->valuestring,
				     "/workspaceRoot: must be an absolute path"));
	validate_result_clear(&v);
	ck_assert_msg(bw->ops->probe(bw, cfg, NULL, &pr, &err) == ST_OK, "%s", err.msg);
	ck_assert_msg(pr.ok, "%s", pr.summary);
	ck_assert_ptr_nonnull(strstr(pr.summary, "bubblewrap is ready"));
	ck_assert_ptr_nonnull(strstr(pr.summary, "network off"));
	probe_result_clear(&pr);
	cJSON_Delete(cfg);
	cJSON_Delete(bad);
}
END_TEST

START_TEST(lease_runs_in_its_workspace)
{
	cJSON *cfg = config(NULL);
	LeaseHandle h;
	ExecResult r;
	Error err;
	char *file;
	const char *ws;

	acquire(cfg, "run-1", &h);
	ws = json_get_string(h.metadata, "workspacePath");
	ck_assert_ptr_nonnull(ws);
	ck_assert(fs_is_dir(ws));
	ck_assert_msg(run(cfg, &h, "echo hi > f; cat f", 0, &r, &err) == ST_OK, "%s", err.msg);
	ck_assert_int_eq(r.exit_code, 0);
	ck_assert_str_eq(r.out, "hi\n");
	ck_assert(!r.timed_out);
	exec_result_clear(&r);
	file = fs_join(ws, "f");
	ck_assert(fs_is_file(file));
	free(file);
	/* cwd and HOME are the workspace; the host's environment is not there. */
	ck_assert_int_eq(run(cfg, &h, "pwd; echo $HOME; echo ${ENVCTL_DB:-none}", 0, &r, &err),
			 ST_OK);
	ck_assert_str_eq(r.out, "/workspace\n/workspace\nnone\n");
	exec_result_clear(&r);
	destroy(cfg, &h);
	ck_assert(!fs_is_dir(ws));
	lease_handle_clear(&h);
	cJSON_Delete(cfg);
}
END_TEST

START_TEST(cannot_write_outside_workspace)
{
	cJSON *cfg = config(NULL);
	char marker[128], script[512];
	LeaseHandle h;
	ExecResult r;
	Error err;
	char uuid[UUID_STR_LEN];

	id_new(uuid);
	snprintf(marker, sizeof marker, "/tmp/envctl-escape-%s", uuid);
	snprintf(script, sizeof script,
		 "echo x > /etc/envctl-escape && echo ETC; echo x > /envctl-escape && echo ROOT; "
		 "echo x > /usr/envctl-escape && echo USR; echo x > %s && echo TMP; "
		 "ls /proc | grep -c '^[0-9]'",
		 marker);
	acquire(cfg, NULL, &h);
	ck_assert_int_eq(run(cfg, &h, script, 0, &r, &err), ST_OK);
	/* /tmp is private: writable inside, invisible outside. */
	ck_assert_ptr_null(strstr(r.out, "ETC"));
	ck_assert_ptr_null(strstr(r.out, "ROOT"));
	ck_assert_ptr_null(strstr(r.out, "USR"));
	ck_assert_ptr_nonnull(strstr(r.out, "TMP"));
	ck_assert_ptr_nonnull(strstr(r.err, "Read-only file system"));
	ck_assert(!fs_is_file(marker));
	ck_assert(!fs_is_file("/etc/envctl-escape"));
	/* A private /proc: only the sandbox's few processes. */
	ck_assert_int_lt(atoi(strrchr(r.out, 'P') + 2), 10);
	exec_result_clear(&r);
	destroy(cfg, &h);
	lease_handle_clear(&h);
	cJSON_Delete(cfg);
}
END_TEST

static int listen_local(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	getsockname(fd, (struct sockaddr *)&a, &len);
	*port = ntohs(a.sin_port);
	return fd;
}

START_TEST(network_only_when_allowed)
{
	cJSON *off = config(NULL), *on = config("\"allowNetwork\":true");
	char script[256];
	LeaseHandle h;
	ExecResult r;
	Error err;
	int port, fd = listen_local(&port);

	snprintf(script, sizeof script,
		 "bash -c 'exec 3<>/dev/tcp/127.0.0.1/%d' && echo CONNECTED || echo REFUSED", port);
	acquire(off, NULL, &h);
	ck_assert_int_eq(run(off, &h, script, 0, &r, &err), ST_OK);
	ck_assert_str_eq(r.out, "REFUSED\n");
	exec_result_clear(&r);
	ck_assert_int_eq(run(on, &h, script, 0, &r, &err), ST_OK);
	ck_assert_str_eq(r.out, "CONNECTED\n");
	exec_result_clear(&r);
	destroy(off, &h);
	lease_handle_clear(&h);
	close(fd);
	cJSON_Delete(off);
	cJSON_Delete(on);
}
END_TEST

START_TEST(limits_and_timeout)
{
	cJSON *cfg = config("\"cpuSeconds\":1,\"memoryMb\":64,\"maxProcesses\":12,\"timeoutMs\":400");
	struct timespec t0, t1;
	LeaseHandle h;
	ExecResult r;
	Error err;

	acquire(cfg, NULL, &h);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_msg(run(cfg, &h, "sleep 10", 0, &r, &err) == ST_OK, "%s", err.msg);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ck_assert_msg(r.timed_out, "sleep 10 ended on its own: exit %d, stderr %s", r.exit_code,
		      r.err);
	ck_assert_int_eq(r.exit_code, -1);
	ck_assert_int_lt(t1.tv_sec - t0.tv_sec, 3);
	exec_result_clear(&r);
	/* A per-call timeout overrides the config's. */
	ck_assert_msg(run(cfg, &h, "sleep 0.6; echo done", 3000, &r, &err) == ST_OK, "%s", err.msg);
	ck_assert(!r.timed_out);
	ck_assert_str_eq(r.out, "done\n");
	exec_result_clear(&r);
	/* CPU seconds: a busy loop is killed long before the 3 s wall clock. */
	ck_assert_int_eq(run(cfg, &h, "while :; do :; done", 3000, &r, &err), ST_OK);
	ck_assert(!r.timed_out);
	ck_assert_int_ne(r.exit_code, 0);
	exec_result_clear(&r);
	/* Memory: the shell cannot hold 200 MB. */
	ck_assert_int_eq(run(cfg, &h, "x=$(head -c 200000000 /dev/zero | tr '\\0' a); echo ${#x}",
			     3000, &r, &err),
			 ST_OK);
	ck_assert_ptr_null(strstr(r.out, "200000000"));
	exec_result_clear(&r);
	/* Processes: 40 background sleeps cannot all start. */
	ck_assert_int_eq(run(cfg, &h,
			     "n=0; for i in $(seq 40); do sleep 1 & n=$((n+1)); done 2>/dev/null; "
			     "jobs -p | wc -l",
			     3000, &r, &err),
			 ST_OK);
	ck_assert_msg(atoi(r.out) < 40, "40 processes started despite maxProcesses 12: %s %s",
		      r.out, r.err);
	exec_result_clear(&r);
	destroy(cfg, &h);
	lease_handle_clear(&h);
	cJSON_Delete(cfg);
}
END_TEST

typedef struct FillThread {
	const cJSON *cfg;
	const LeaseHandle *h;
	ExecResult r;
	Status st;
} FillThread;

static void *fill_thread(void *arg)
{
	FillThread *t = arg;
	Error err;

	t->st = run(t->cfg, t->h,
		    "(for i in $(seq 40); do sleep 5 & done) 2>/dev/null; : > /workspace/full; "
		    "while [ ! -e /workspace/stop ]; do :; done",
		    8000, &t->r, &err);
	return NULL;
}

/* Issue #12: every sandbox shared one RLIMIT_NPROC (one uid), so a lease
 * that used up maxProcesses left none for the others. With a pids cgroup
 * per lease (root, cgroup v1 pids), B still runs while A is full. */
START_TEST(one_lease_cannot_starve_another)
{
	cJSON *cfg = config("\"maxProcesses\":16");
	LeaseHandle a, b;
	FillThread t;
	pthread_t th;
	ExecResult r;
	Error err;
	char *full, *stop;

	if (geteuid() != 0 || access("/sys/fs/cgroup/pids", W_OK) != 0)
		return; /* documented: the shared rlimit stays without cgroups */
	acquire(cfg, NULL, &a);
	acquire(cfg, NULL, &b);
	full = fs_join(json_get_string(a.metadata, "workspacePath"), "full");
	memset(&t, 0, sizeof t);
	t.cfg = cfg;
	t.h = &a;
	pthread_create(&th, NULL, fill_thread, &t);
	for (int i = 0; i < 500 && !fs_is_file(full); i++)
		usleep(10 * 1000);
	ck_assert_msg(fs_is_file(full), "lease A never filled up");
	ck_assert_msg(run(cfg, &b, "sleep 0.1 & sleep 0.1 & wait; echo fine", 3000, &r, &err) ==
			      ST_OK,
		      "%s", err.msg);
	ck_assert_msg(r.exit_code == 0 && strcmp(r.out, "fine\n") == 0,
		      "lease B starved: exit %d, out %s, err %s", r.exit_code, r.out, r.err);
	exec_result_clear(&r);
	stop = fs_join(json_get_string(a.metadata, "workspacePath"), "stop");
	fclose(fopen(stop, "w"));
	pthread_join(th, NULL);
	free(stop);
	destroy(cfg, &a);
	exec_result_clear(&t.r);
	destroy(cfg, &b);
	lease_handle_clear(&a);
	lease_handle_clear(&b);
	free(full);
	cJSON_Delete(cfg);
}
END_TEST

START_TEST(reuse_lease_resumed_and_kept)
{
	cJSON *cfg = config("\"reuseLease\":true");
	LeaseHandle h, again;
	LeaseInput in;
	ExecResult r;
	Error err;
	char *ws;

	acquire(cfg, "run-1", &h);
	ck_assert(json_is_true(h.metadata, "reuseLease"));
	/* The generic reuse rule (DESIGN §4.1, Acquire and reuse) matches it
	 * for the same config. */
	ck_assert(provider_matches_reusable_lease(bw, cfg, h.provider_lease_id, h.metadata));
	ws = strdup(json_get_string(h.metadata, "workspacePath"));
	ck_assert_int_eq(run(cfg, &h, "echo kept > state", 0, &r, &err), ST_OK);
	exec_result_clear(&r);
	memset(&in, 0, sizeof in);
	in.config = cfg;
	in.environment_id = "env-1";
	in.provider_lease_id = h.provider_lease_id;
	in.lease_metadata = h.metadata;
	in.status = "released";
	ck_assert_int_eq(bw->ops->release_lease(bw, &in, &err), ST_OK);
	ck_assert(fs_is_dir(ws));
	ck_assert_int_eq(bw->ops->resume_lease(bw, &in, &again, &err), ST_OK);
	ck_assert_str_eq(again.provider_lease_id, h.provider_lease_id);
	ck_assert(json_is_true(again.metadata, "resumedLease"));
	ck_assert_int_eq(run(cfg, &again, "cat state", 0, &r, &err), ST_OK);
	ck_assert_str_eq(r.out, "kept\n");
	exec_result_clear(&r);
	destroy(cfg, &again);
	ck_assert(!fs_is_dir(ws));
	lease_handle_clear(&again);
	/* Gone: resume says so with no lease id. */
	ck_assert_int_eq(bw->ops->resume_lease(bw, &in, &again, &err), ST_OK);
	ck_assert_ptr_null(again.provider_lease_id);
	lease_handle_clear(&h);
	free(ws);
	cJSON_Delete(cfg);
}
END_TEST

START_TEST(ephemeral_release_removes_workspace)
{
	cJSON *cfg = config(NULL);
	LeaseHandle h;
	LeaseInput in;
	Error err;
	char *ws;

	acquire(cfg, NULL, &h);
	ws = strdup(json_get_string(h.metadata, "workspacePath"));
	memset(&in, 0, sizeof in);
	in.config = cfg;
	in.provider_lease_id = h.provider_lease_id;
	in.lease_metadata = h.metadata;
	in.status = "released";
	error_clear(&err);
	ck_assert_int_eq(bw->ops->release_lease(bw, &in, &err), ST_OK);
	ck_assert(!fs_is_dir(ws));
	free(ws);
	lease_handle_clear(&h);
	cJSON_Delete(cfg);
}
END_TEST

START_TEST(setup_script_and_env)
{
	cJSON *cfg = config("\"setupScript\":\"echo ready > setup.txt\","
			    "\"env\":{\"GREETING\":\"hello there\"}");
	cJSON *bad = config("\"setupScript\":\"echo broken >&2; exit 7\"");
	AcquireInput in = { .config = bad, .environment_id = "env-1" };
	LeaseHandle h;
	ExecResult r;
	Error err;

	acquire(cfg, NULL, &h);
	ck_assert_int_eq(run(cfg, &h, "cat setup.txt; echo \"$GREETING\"", 0, &r, &err), ST_OK);
	ck_assert_str_eq(r.out, "ready\nhello there\n");
	exec_result_clear(&r);
	destroy(cfg, &h);
	lease_handle_clear(&h);
	error_clear(&err);
	ck_assert_int_eq(bw->ops->acquire_lease(bw, &in, &h, &err), ST_E_PROVIDER);
	ck_assert_ptr_nonnull(strstr(err.msg, "the setup script failed (exit 7): broken"));
	ck_assert_ptr_nonnull(strstr(err.msg, "plugin envctl.bwrap: environmentAcquireLease failed"));
	cJSON_Delete(cfg);
	cJSON_Delete(bad);
}
END_TEST

START_TEST(rejects_foreign_lease_ids)
{
	cJSON *cfg = config(NULL);
	LeaseHandle h = { 0 };
	ExecResult r;
	Error err;

	/* A crafted id must never reach a path outside the workspace root. */
	h.provider_lease_id = strdup("bwrap://../../etc");
	h.metadata = cJSON_CreateObject();
	ck_assert_int_eq(run(cfg, &h, "true", 0, &r, &err), ST_E_INVALID);
	ck_assert_ptr_nonnull(strstr(err.msg, "not a bwrap lease"));
	lease_handle_clear(&h);
	cJSON_Delete(cfg);
}
END_TEST

TEST_SUITE(plugin_bwrap)
{
	Suite *s = suite_create("plugin_bwrap");
	TCase *tc = tcase_create("bwrap");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, registered_with_schema_and_caps);
	tcase_add_test(tc, validate_and_probe);
	tcase_add_test(tc, lease_runs_in_its_workspace);
	tcase_add_test(tc, cannot_write_outside_workspace);
	tcase_add_test(tc, network_only_when_allowed);
	tcase_add_test(tc, limits_and_timeout);
	tcase_add_test(tc, one_lease_cannot_starve_another);
	tcase_add_test(tc, reuse_lease_resumed_and_kept);
	tcase_add_test(tc, ephemeral_release_removes_workspace);
	tcase_add_test(tc, setup_script_and_env);
	tcase_add_test(tc, rejects_foreign_lease_ids);
	suite_add_tcase(s, tc);
	return s;
}
