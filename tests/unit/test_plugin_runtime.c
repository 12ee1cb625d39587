/* The worker runtime against a real worker process (tests/helpers/
 * test_worker) for every failure mode: each must fail the call in flight
 * with an error naming the plugin, the method and the cause, keep the
 * console responsive, and leave the worker restartable. */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/runtime.h"
#include "plugin/lib.h"
#include "plugin_fixture.h"
#include "testutil.h"
#include "util/ids.h"
#include "util/fs.h"
#include "util/json.h"

#define PLUGIN_ID "test.worker"

static char *tmp, *logdir, *folder;
static PluginManifest *manifest;
static PluginHost *host;
static PluginWorker *worker;
/* Manifests a test adds: freed after the host that points at them. */
static PluginManifest *extra_manifests[4];
static int extra_count;

static void setup(void)
{
	unsetenv("TEST_WORKER_INIT");
	extra_count = 0;
	tmp = tu_tmpdir();
	logdir = fs_join(tmp, "logs");
	folder = pf_make_plugin(tmp, "tw", PLUGIN_ID, "testw", NULL);
	manifest = plugin_manifest_load(folder);
	ck_assert_ptr_nonnull(manifest);
	ck_assert_msg(plugin_manifest_ok(manifest), "%s",
		      manifest->error_count ? manifest->errors[0] : "no id");
	host = pf_host(logdir, 3000);
	worker = plugin_host_add(host, manifest);
	ck_assert_ptr_nonnull(worker);
}

static void teardown(void)
{
	plugin_host_free(host);
	plugin_manifest_free(manifest);
	for (int i = 0; i < extra_count; i++)
		plugin_manifest_free(extra_manifests[i]);
	unsetenv("TEST_WORKER_INIT");
	unsetenv("ENVCTL_MASTER_KEY");
	unsetenv("AWS_SECRET_ACCESS_KEY");
	free(folder);
	free(logdir);
	free(tmp);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Calls method with {"mode": mode, ...extra} as params (and as params.config
 * for environment methods, which read their mode there). */
static Status call_mode(const char *method, const char *mode, const char *extra, long timeout,
			cJSON **result, Error *err)
{
	char text[512];
	cJSON *params;
	Status st;

	snprintf(text, sizeof text, "{\"mode\":\"%s\"%s%s,\"config\":{\"mode\":\"%s\"%s%s}}", mode,
		 extra ? "," : "", extra ? extra : "", mode, extra ? "," : "", extra ? extra : "");
	params = tu_json(text);
	error_clear(err);
	st = plugin_worker_call(worker, method, params, timeout, result, err);
	cJSON_Delete(params);
	return st;
}

static void expect_ok_after(void)
{
	cJSON *r = NULL;
	Error err;

	ck_assert_msg(call_mode("health", "ok", NULL, 3000, &r, &err) == ST_OK,
		      "the call after the failure did not succeed: %s", err.msg);
	ck_assert_str_eq(json_get_string(r, "status"), "ok");
	cJSON_Delete(r);
}

/* Waits, at most deadline_ms, until the worker has n calls in flight: a
 * test that goes on before the call it started is in flight tests nothing
 * (a fixed sleep only hopes it is). */
static void wait_in_flight(long n, long deadline_ms)
{
	PluginWorkerInfo info;
	long long end = now_ms() + deadline_ms;

	for (;;) {
		plugin_worker_info(worker, &info);
		if (info.in_flight == n)
			return;
		ck_assert_msg(now_ms() < end, "%ld calls in flight after %ld ms, want %ld",
			      info.in_flight, deadline_ms, n);
		usleep(2 * 1000);
	}
}

static char *log_text(void)
{
	char *path = plugin_log_path(logdir, PLUGIN_ID);
	char *text = pf_read(path);

	free(path);
	return text;
}

static void expect_contains(const char *hay, const char *needle)
{
	ck_assert_msg(strstr(hay, needle) != NULL, "expected \"%s\" in: %s", needle, hay);
}

START_TEST(lazy_start_and_roundtrip)
{
	PluginWorkerInfo info;
	cJSON *params = tu_json("{\"a\":[1,2,{\"b\":\"c\"}],\"s\":\"\\u00e9\\n\"}"), *r = NULL;
	Error err;

	plugin_worker_info(worker, &info);
	ck_assert_int_eq(info.state, PLUGIN_WORKER_STOPPED);
	ck_assert_int_eq(info.starts, 0);
	ck_assert_int_eq(plugin_worker_supports(worker, "environmentProbe"), -1);
	error_clear(&err);
	ck_assert_msg(plugin_worker_call(worker, "echo", params, 0, &r, &err) == ST_OK, "%s",
		      err.msg);
	ck_assert(json_equal(r, params));
	plugin_worker_info(worker, &info);
	ck_assert_int_eq(info.state, PLUGIN_WORKER_RUNNING);
	ck_assert_int_gt(info.pid, 0);
	ck_assert_int_eq(info.starts, 1);
	ck_assert_int_eq(plugin_worker_supports(worker, "environmentProbe"), 1);
	ck_assert_int_eq(plugin_worker_supports(worker, "environmentRealizeWorkspace"), 0);
	cJSON_Delete(r);
	cJSON_Delete(params);
}
END_TEST

typedef struct ThreadCall {
	const char *method;
	const char *mode;
	const char *extra;
	long timeout;
	int index;
	Status st;
	long long elapsed;
	char msg[1024];
	bool matched;
} ThreadCall;

static void *thread_call(void *arg)
{
	ThreadCall *t = arg;
	char extra[64];
	cJSON *r = NULL;
	Error err;
	long long start = now_ms();

	if (!t->extra) {
		snprintf(extra, sizeof extra, "\"index\":%d", t->index);
		t->st = call_mode(t->method, t->mode, extra, t->timeout, &r, &err);
		t->matched = t->st == ST_OK && cJSON_GetObjectItem(r, "index") &&
			     cJSON_GetObjectItem(r, "index")->valueint == t->index;
	} else {
		t->st = call_mode(t->method, t->mode, t->extra, t->timeout, &r, &err);
	}
	t->elapsed = now_ms() - start;
	snprintf(t->msg, sizeof t->msg, "%s", err.msg);
	cJSON_Delete(r);
	return NULL;
}

START_TEST(concurrent_calls_match_by_id)
{
	ThreadCall calls[16];
	pthread_t th[16];

	for (int i = 0; i < 16; i++) {
		memset(&calls[i], 0, sizeof calls[i]);
		calls[i].method = "echo";
		calls[i].mode = i % 2 ? "late" : "ok";
		calls[i].index = i;
		calls[i].timeout = 5000;
		pthread_create(&th[i], NULL, thread_call, &calls[i]);
	}
	for (int i = 0; i < 16; i++) {
		pthread_join(th[i], NULL);
		ck_assert_msg(calls[i].st == ST_OK && calls[i].matched, "call %d: %s", i,
			      calls[i].msg);
	}
}
END_TEST

START_TEST(hung_call_does_not_block_others)
{
	ThreadCall hung;
	PluginWorkerInfo info;
	pthread_t th;

	memset(&hung, 0, sizeof hung);
	hung.method = "environmentProbe";
	hung.mode = "hang";
	hung.extra = "\"x\":1";
	hung.timeout = 1500;
	expect_ok_after(); /* started */
	pthread_create(&th, NULL, thread_call, &hung);
	wait_in_flight(1, 3000);
	/* Another call is answered while the hung one is still waiting. */
	expect_ok_after();
	plugin_worker_info(worker, &info);
	ck_assert_msg(info.in_flight == 1, "the hung call ended (%ld in flight) before the other "
		      "call was answered", info.in_flight);
	pthread_join(th, NULL);
	ck_assert_int_eq(hung.st, ST_E_TIMEOUT);
	expect_contains(hung.msg, "plugin test.worker: environmentProbe did not answer within 1500 ms");
	ck_assert_int_ge(hung.elapsed, 1400);
	ck_assert_int_lt(hung.elapsed, 2500);
	expect_ok_after();
}
END_TEST

/* Per-call cancellation (#15, core/runtime): a call waiting under a token
 * returns once the token fires, long before its timeout; the worker is
 * not stopped for it (no restart), other calls go on, and the call's late
 * answer, when it comes, is discarded instead of being taken for a
 * protocol violation. On the old runtime the call waited out its timeout
 * and the worker was stopped. */
typedef struct CancelCall {
	RuntimeCancel *token;
	const char *mode;
	const char *extra;
	Status st;
	long long elapsed;
	char msg[1024];
} CancelCall;

static void *cancel_call(void *arg)
{
	CancelCall *c = arg;
	cJSON *r = NULL;
	Error err;
	long long start = now_ms();

	runtime_cancel_bind(c->token);
	c->st = call_mode("environmentProbe", c->mode, c->extra, 5000, &r, &err);
	ck_assert(runtime_cancelled());
	runtime_cancel_bind(NULL);
	c->elapsed = now_ms() - start;
	snprintf(c->msg, sizeof c->msg, "%s", err.msg);
	cJSON_Delete(r);
	return NULL;
}

START_TEST(cancelled_call_is_abandoned_and_its_late_answer_dropped)
{
	CancelCall c = { .mode = "late", .extra = "\"delayMs\":600" };
	PluginWorkerInfo info;
	pthread_t th;
	char *log;

	expect_ok_after(); /* started */
	c.token = runtime_cancel_new();
	ck_assert_ptr_nonnull(c.token);
	pthread_create(&th, NULL, cancel_call, &c);
	wait_in_flight(1, 3000);
	ck_assert(!runtime_cancelled()); /* this thread has no token */
	runtime_cancel(c.token);
	pthread_join(th, NULL);
	runtime_cancel_free(c.token);
	ck_assert_int_ne(c.st, ST_OK);
	expect_contains(c.msg, "plugin test.worker: environmentProbe was cancelled");
	ck_assert_int_lt(c.elapsed, 400);
	plugin_worker_info(worker, &info);
	ck_assert_int_eq(info.in_flight, 0);
	/* The late answer comes and goes: the worker stays up, not restarted. */
	for (int i = 0; i < 300; i++) {
		log = log_text();
		if (strstr(log, "discarded the late answer to cancelled request"))
			break;
		free(log);
		log = NULL;
		usleep(10 * 1000);
	}
	ck_assert_msg(log != NULL, "the late answer was never seen");
	free(log);
	expect_ok_after();
	plugin_worker_info(worker, &info);
	ck_assert_int_eq(info.state, PLUGIN_WORKER_RUNNING);
	ck_assert_int_eq(info.starts, 1);
}
END_TEST

START_TEST(cancel_reaches_a_call_that_never_answers)
{
	CancelCall c = { .mode = "hang", .extra = "\"y\":1" };
	PluginWorkerInfo info;
	pthread_t th;

	expect_ok_after();
	c.token = runtime_cancel_new();
	pthread_create(&th, NULL, cancel_call, &c);
	wait_in_flight(1, 3000);
	runtime_cancel(c.token);
	pthread_join(th, NULL);
	runtime_cancel_free(c.token);
	expect_contains(c.msg, "was cancelled");
	ck_assert_int_lt(c.elapsed, 1000);
	expect_ok_after();
	plugin_worker_info(worker, &info);
	ck_assert_int_eq(info.starts, 1);
}
END_TEST

START_TEST(crash_fails_call_and_restarts)
{
	PluginWorkerInfo info;
	cJSON *r = NULL;
	Error err;
	char *log;

	ck_assert_int_eq(call_mode("environmentProbe", "crash", NULL, 3000, &r, &err),
			 ST_E_PROVIDER);
	ck_assert_ptr_null(r);
	expect_contains(err.msg, "plugin test.worker: environmentProbe failed: the worker exited "
				 "with status 3");
	plugin_worker_info(worker, &info);
	ck_assert_int_eq(info.state, PLUGIN_WORKER_STOPPED);
	ck_assert_int_eq(info.failures, 1);
	expect_contains(info.last_error, "exited with status 3");
	expect_ok_after();
	plugin_worker_info(worker, &info);
	ck_assert_int_eq(info.restarts, 1);
	ck_assert_int_eq(info.failures, 0);
	log = log_text();
	expect_contains(log, "[stderr] test worker pid");
	expect_contains(log, "exited with status 3");
	free(log);
}
END_TEST

START_TEST(segv_names_the_signal)
{
	cJSON *r = NULL;
	Error err;

	ck_assert_int_eq(call_mode("environmentAcquireLease", "segv", NULL, 3000, &r, &err),
			 ST_E_PROVIDER);
	expect_contains(err.msg, "plugin test.worker: environmentAcquireLease failed: the worker "
				 "was killed by signal SIGSEGV");
	expect_ok_after();
}
END_TEST

START_TEST(hang_times_out_kills_and_restarts)
{
	PluginWorkerInfo info;
	cJSON *r = NULL;
	Error err;
	pid_t first;
	long long start = now_ms();

	expect_ok_after();
	plugin_worker_info(worker, &info);
	first = info.pid;
	ck_assert_int_eq(call_mode("environmentProbe", "hang", NULL, 300, &r, &err), ST_E_TIMEOUT);
	ck_assert_int_lt(now_ms() - start, 1500);
	ck_assert_str_eq(err.msg, "plugin test.worker: environmentProbe did not answer within 300 "
				  "ms; the worker was stopped and will be restarted on the next call");
	expect_ok_after();
	plugin_worker_info(worker, &info);
	ck_assert_int_ne(info.pid, first);
	/* The hung process is gone, not left behind. */
	ck_assert_int_eq(kill(first, 0), -1);
	ck_assert_int_eq(errno, ESRCH);
}
END_TEST

START_TEST(hang_ignoring_term_gets_killed)
{
	PluginWorkerInfo info;
	cJSON *r = NULL;
	Error err;
	pid_t first;
	char *log;

	expect_ok_after();
	plugin_worker_info(worker, &info);
	first = info.pid;
	ck_assert_int_eq(call_mode("environmentExecute", "hang-hard", NULL, 300, &r, &err),
			 ST_E_TIMEOUT);
	expect_contains(err.msg, "environmentExecute did not answer within 300 ms");
	expect_ok_after();
	ck_assert_int_eq(kill(first, 0), -1);
	log = log_text();
	expect_contains(log, "ignored SIGTERM for 300 ms; sending SIGKILL");
	expect_contains(log, "was killed by signal SIGKILL");
	free(log);
}
END_TEST

START_TEST(garbage_line_is_a_protocol_error)
{
	cJSON *r = NULL;
	Error err;
	char *log;

	ck_assert_int_eq(call_mode("environmentProbe", "garbage", NULL, 3000, &r, &err),
			 ST_E_PROVIDER);
	ck_assert_str_eq(err.msg, "plugin test.worker: environmentProbe failed: the worker wrote a "
				  "line to stdout that is not JSON; the worker will be restarted on "
				  "the next call");
	expect_ok_after();
	log = log_text();
	expect_contains(log, "starts with \"this is not json\"");
	free(log);
}
END_TEST

START_TEST(json_that_is_not_jsonrpc)
{
	cJSON *r = NULL;
	Error err;

	ck_assert_int_eq(call_mode("health", "not-rpc", NULL, 3000, &r, &err), ST_E_PROVIDER);
	expect_contains(err.msg, "plugin test.worker: health failed: the worker wrote a message "
				 "that is not JSON-RPC 2.0");
	expect_ok_after();
}
END_TEST

START_TEST(oversized_line)
{
	cJSON *r = NULL;
	Error err;

	ck_assert_int_eq(call_mode("environmentExecute", "oversize", "\"size\":200000", 3000, &r,
				   &err),
			 ST_E_PROVIDER);
	expect_contains(err.msg, "plugin test.worker: environmentExecute failed: the worker wrote "
				 "a line longer than the 65536-byte limit");
	expect_ok_after();
}
END_TEST

START_TEST(late_answer_within_and_past_the_timeout)
{
	cJSON *r = NULL;
	Error err;

	ck_assert_int_eq(call_mode("health", "late", "\"delayMs\":200", 2000, &r, &err), ST_OK);
	cJSON_Delete(r);
	r = NULL;
	ck_assert_int_eq(call_mode("environmentProbe", "late", "\"delayMs\":1500", 300, &r, &err),
			 ST_E_TIMEOUT);
	expect_contains(err.msg, "environmentProbe did not answer within 300 ms");
	expect_ok_after();
}
END_TEST

static void wait_for_last_error(const char *needle)
{
	PluginWorkerInfo info;

	for (int i = 0; i < 300; i++) {
		plugin_worker_info(worker, &info);
		if (strstr(info.last_error, needle) && info.state == PLUGIN_WORKER_STOPPED)
			return;
		usleep(10 * 1000);
	}
	ck_abort_msg("worker never stopped with \"%s\" (last error: %s)", needle, info.last_error);
}

START_TEST(answer_twice)
{
	cJSON *r = NULL;
	Error err;

	ck_assert_int_eq(call_mode("health", "twice", NULL, 3000, &r, &err), ST_OK);
	cJSON_Delete(r);
	wait_for_last_error("answered request 2 (health) twice");
	expect_ok_after();
}
END_TEST

START_TEST(answer_unknown_id)
{
	cJSON *r = NULL;
	Error err;

	ck_assert_int_eq(call_mode("environmentProbe", "unknown-id", NULL, 3000, &r, &err),
			 ST_E_PROVIDER);
	expect_contains(err.msg, "plugin test.worker: environmentProbe failed: the worker answered "
				 "request id 1002, which envctl never sent");
	expect_ok_after();
}
END_TEST

START_TEST(stderr_flood_is_bounded_and_console_responsive)
{
	ThreadCall flood;
	pthread_t th;
	struct stat st;
	char *path = plugin_log_path(logdir, PLUGIN_ID), *rotated = NULL;
	long long start;

	memset(&flood, 0, sizeof flood);
	flood.method = "environmentProbe";
	flood.mode = "flood-stderr";
	flood.extra = "\"bytes\":8000000";
	flood.timeout = 20000;
	expect_ok_after();
	pthread_create(&th, NULL, thread_call, &flood);
	wait_in_flight(1, 3000);
	start = now_ms();
	expect_ok_after();
	ck_assert_int_lt(now_ms() - start, 1000);
	pthread_join(th, NULL);
	ck_assert_msg(flood.st == ST_OK, "%s", flood.msg);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_le(st.st_size, 64 * 1024);
	ck_assert_int_ge(asprintf(&rotated, "%s.1", path), 0);
	ck_assert_int_eq(stat(rotated, &st), 0);
	ck_assert_int_le(st.st_size, 64 * 1024);
	free(rotated);
	free(path);
	expect_ok_after();
}
END_TEST

START_TEST(closed_stdout)
{
	cJSON *r = NULL;
	Error err;

	ck_assert_int_eq(call_mode("environmentProbe", "close-stdout", NULL, 3000, &r, &err),
			 ST_E_PROVIDER);
	expect_contains(err.msg, "plugin test.worker: environmentProbe failed: the worker closed "
				 "its stdout and did not exit, so it was killed");
	expect_ok_after();
}
END_TEST

START_TEST(clean_exit_mid_call)
{
	cJSON *r = NULL;
	Error err;

	ck_assert_int_eq(call_mode("environmentDestroyLease", "exit-clean", NULL, 3000, &r, &err),
			 ST_E_PROVIDER);
	expect_contains(err.msg, "environmentDestroyLease failed: the worker exited with status 0");
	expect_ok_after();
}
END_TEST

START_TEST(worker_requests_get_answers)
{
	cJSON *r = NULL;
	Error err;
	const cJSON *secrets;
	char *log;

	ck_assert_msg(call_mode("health", "ask-host", NULL, 3000, &r, &err) == ST_OK, "%s", err.msg);
	ck_assert(cJSON_IsObject(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "config"), "result")));
	secrets = cJSON_GetObjectItem(cJSON_GetObjectItem(r, "secrets"), "error");
	ck_assert_int_eq(cJSON_GetObjectItem(secrets, "code")->valueint, -32601);
	expect_contains(json_get_string(secrets, "message"), "secrets.resolve");
	cJSON_Delete(r);
	r = NULL;
	ck_assert_int_eq(call_mode("health", "log", NULL, 3000, &r, &err), ST_OK);
	cJSON_Delete(r);
	log = log_text();
	expect_contains(log, "[worker warn] hello from the test worker");
	expect_contains(log, "worker asked the host for secrets.resolve");
	free(log);
}
END_TEST

START_TEST(worker_error_answer)
{
	cJSON *r = NULL;
	Error err;
	PluginWorkerInfo info;

	ck_assert_int_eq(call_mode("environmentProbe", "error", NULL, 3000, &r, &err),
			 ST_E_PROVIDER);
	ck_assert_str_eq(err.msg, "plugin test.worker: environmentProbe failed: boom: the test "
				  "worker failed on purpose (worker error -32002)");
	/* An error answer is not a broken worker: it keeps running. */
	plugin_worker_info(worker, &info);
	ck_assert_int_eq(info.state, PLUGIN_WORKER_RUNNING);
	ck_assert_int_eq(info.starts, 1);
	ck_assert_int_eq(call_mode("nosuchmethod", "ok", NULL, 3000, &r, &err), ST_E_UNSUPPORTED);
	expect_contains(err.msg, "method not found -32601");
}
END_TEST

/* Regression: the id and the error code were cast from double unchecked,
 * which is UB for 1e999 and 1e10 (the ASan build aborts the console; an
 * optimised build printed code -2147483648). Both are protocol values that
 * fit no integer: the id matches no call, the code is a plain worker error. */
START_TEST(numbers_that_fit_no_integer)
{
	cJSON *r = NULL;
	Error err;

	ck_assert_int_eq(call_mode("environmentProbe", "huge-id", NULL, 3000, &r, &err),
			 ST_E_PROVIDER);
	expect_contains(err.msg, "plugin test.worker: environmentProbe failed: the worker sent a "
				 "response without a valid request id");
	expect_ok_after();
	ck_assert_int_eq(call_mode("environmentProbe", "huge-code", NULL, 3000, &r, &err),
			 ST_E_PROVIDER);
	ck_assert_str_eq(err.msg, "plugin test.worker: environmentProbe failed: odd code "
				  "(worker error -32002)");
	expect_ok_after();
}
END_TEST

START_TEST(initialize_crash)
{
	cJSON *r = NULL;
	Error err;

	setenv("TEST_WORKER_INIT", "crash", 1);
	ck_assert_int_eq(call_mode("health", "ok", NULL, 3000, &r, &err), ST_E_PROVIDER);
	expect_contains(err.msg, "cannot start the worker: plugin test.worker: initialize failed: "
				 "the worker exited with status 4");
	unsetenv("TEST_WORKER_INIT");
	expect_ok_after();
}
END_TEST

START_TEST(initialize_hang_and_not_ok)
{
	cJSON *r = NULL;
	Error err;

	setenv("TEST_WORKER_INIT", "hang", 1);
	ck_assert_int_eq(call_mode("health", "ok", NULL, 400, &r, &err), ST_E_TIMEOUT);
	expect_contains(err.msg, "initialize did not answer within 400 ms");
	setenv("TEST_WORKER_INIT", "fail", 1);
	ck_assert_int_eq(call_mode("health", "ok", NULL, 3000, &r, &err), ST_E_PROVIDER);
	expect_contains(err.msg, "initialize answered ok:false");
	unsetenv("TEST_WORKER_INIT");
	expect_ok_after();
}
END_TEST

START_TEST(unsupported_method_refused_before_sending)
{
	cJSON *r = NULL;
	Error err;

	setenv("TEST_WORKER_INIT", "noexec", 1);
	ck_assert_int_eq(call_mode("environmentExecute", "ok", NULL, 3000, &r, &err),
			 ST_E_UNSUPPORTED);
	ck_assert_str_eq(err.msg, "plugin test.worker does not implement environmentExecute (not "
				  "in its supportedMethods)");
	ck_assert_int_eq(plugin_worker_supports(worker, "environmentExecute"), 0);
}
END_TEST

START_TEST(scrubbed_environment)
{
	cJSON *r = NULL, *item;
	Error err;
	bool path = false, inherited = false;

	setenv("ENVCTL_MASTER_KEY", "0123456789abcdef0123456789abcdef", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "leak", 1);
	setenv("LC_TIME", "C", 1);
	setenv("TEST_WORKER_INIT", "ok", 1);
	ck_assert_int_eq(call_mode("env", "ok", NULL, 3000, &r, &err), ST_OK);
	cJSON_ArrayForEach(item, r) {
		const char *e = item->valuestring;

		ck_assert_msg(strncmp(e, "ENVCTL_MASTER_KEY=", 18) != 0, "master key leaked");
		ck_assert_msg(strncmp(e, "AWS_SECRET", 10) != 0, "unlisted variable leaked");
		ck_assert_msg(strncmp(e, "PATH=", 5) == 0 || strncmp(e, "HOME=", 5) == 0 ||
				      strncmp(e, "LANG", 4) == 0 || strncmp(e, "LC_", 3) == 0 ||
				      strncmp(e, "TMPDIR=", 7) == 0 ||
				      strncmp(e, "ENVCTL_CALL_TIMEOUT_MS=", 23) == 0 ||
				      strncmp(e, "ENVCTL_WORKER_TMPDIR=", 21) == 0 ||
				      strncmp(e, "TEST_WORKER_INIT=", 17) == 0,
			      "unexpected variable %s", e);
		path |= strncmp(e, "PATH=", 5) == 0;
		inherited |= strcmp(e, "TEST_WORKER_INIT=ok") == 0;
		/* Its own scratch directory, which the host removes when it goes. */
		if (strncmp(e, "ENVCTL_WORKER_TMPDIR=", 21) == 0)
			ck_assert_ptr_nonnull(strstr(e, "/envctl-worker-"));
	}
	ck_assert(path && inherited);
	cJSON_Delete(r);
}
END_TEST

START_TEST(master_key_never_inherited_even_if_listed)
{
	char *bad = pf_make_plugin(tmp, "bad", "bad.plugin", "bad",
				   "\"inheritEnv\":[\"ENVCTL_MASTER_KEY\"],");
	PluginManifest *m = plugin_manifest_load(bad);
	PluginWorker *w = plugin_host_add(host, m);
	cJSON *r = NULL;
	Error err;

	ck_assert(!plugin_manifest_ok(m));
	expect_contains(m->errors[0], "ENVCTL_MASTER_KEY is never passed to a worker");
	error_clear(&err);
	ck_assert_int_eq(plugin_worker_call(w, "health", NULL, 1000, &r, &err), ST_E_INVALID);
	expect_contains(err.msg, "has errors");
	extra_manifests[extra_count++] = m;
	free(bad);
}
END_TEST

START_TEST(missing_worker_executable)
{
	char *dir = fs_join(tmp, "missing"), *path = fs_join(dir, "manifest.json");
	PluginManifest *m;
	PluginWorker *w;
	cJSON *r = NULL;
	Error err;
	FILE *f;

	error_clear(&err);
	fs_mkdir_p(dir, 0755, &err);
	f = fopen(path, "w");
	fputs("{\"id\":\"missing\",\"name\":\"M\",\"version\":\"1\",\"apiVersion\":1,"
	      "\"worker\":[\"./not-built\"],\"environmentDrivers\":[]}",
	      f);
	fclose(f);
	m = plugin_manifest_load(dir);
	ck_assert(plugin_manifest_ok(m));
	w = plugin_host_add(host, m);
	ck_assert_int_eq(plugin_worker_call(w, "health", NULL, 1000, &r, &err), ST_E_NOT_FOUND);
	expect_contains(err.msg, "plugin missing: cannot start the worker: ");
	expect_contains(err.msg, "/missing/not-built is not an executable file");
	extra_manifests[extra_count++] = m;
	free(dir);
	free(path);
}
END_TEST

START_TEST(stop_and_restart)
{
	PluginWorkerInfo info;
	pid_t first;
	Error err;
	long long start;

	expect_ok_after();
	plugin_worker_info(worker, &info);
	first = info.pid;
	error_clear(&err);
	ck_assert_int_eq(plugin_worker_restart(worker, &err), ST_OK);
	plugin_worker_info(worker, &info);
	ck_assert_int_ne(info.pid, first);
	ck_assert_int_eq(kill(first, 0), -1);
	first = info.pid;
	start = now_ms();
	plugin_worker_stop(worker);
	/* A clean shutdown, not a TERM after the grace period. */
	ck_assert_int_lt(now_ms() - start, 250);
	ck_assert_int_eq(kill(first, 0), -1);
	plugin_worker_info(worker, &info);
	ck_assert_int_eq(info.state, PLUGIN_WORKER_STOPPED);
	ck_assert_str_eq(info.last_error, "");
}
END_TEST

START_TEST(host_free_stops_workers)
{
	PluginWorkerInfo info;
	pid_t pid;

	expect_ok_after();
	plugin_worker_info(worker, &info);
	pid = info.pid;
	plugin_host_free(host);
	host = NULL;
	ck_assert_int_eq(kill(pid, 0), -1);
	ck_assert_int_eq(errno, ESRCH);
}
END_TEST

/* Issue #12: a grandchild holding stdout turned a worker's exit into a
 * full call timeout; the exit is now seen at once (pidfd) and the
 * grandchild, in the worker's process group, goes with it. */
START_TEST(exit_seen_while_a_grandchild_holds_stdout)
{
	cJSON *r = NULL;
	Error err;
	int64_t t0 = time_now_ms();

	ck_assert_int_eq(call_mode("environmentProbe", "exit-leave-child", NULL, 8000, &r, &err),
			 ST_E_PROVIDER);
	ck_assert_msg(strstr(err.msg, "the worker exited with status 5") != NULL, "%s", err.msg);
	ck_assert_msg(time_now_ms() - t0 < 4000, "took %lld ms",
		      (long long)(time_now_ms() - t0));
	expect_ok_after();
}
END_TEST

/* Issue #12: worker.c reset a short list of signals and proc.c another;
 * a signal the console ignores (or blocks) must not stay so in a worker. */
START_TEST(worker_starts_with_default_signals)
{
	struct sigaction ign, old_usr1, old_alrm;
	sigset_t block, old_mask;
	cJSON *r = NULL;
	Error err;

	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigaction(SIGUSR1, &ign, &old_usr1);
	sigaction(SIGALRM, &ign, &old_alrm);
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &block, &old_mask);
	ck_assert_msg(call_mode("signals", "ok", NULL, 3000, &r, &err) == ST_OK, "%s", err.msg);
	sigaction(SIGUSR1, &old_usr1, NULL);
	sigaction(SIGALRM, &old_alrm, NULL);
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	{
		const cJSON *sig;

		/* (the test worker ignores SIGPIPE itself) */
		cJSON_ArrayForEach(sig, cJSON_GetObjectItem(r, "ignored"))
			ck_assert_msg(sig->valueint != SIGUSR1 && sig->valueint != SIGALRM,
				      "the worker started with signal %d ignored", sig->valueint);
	}
	ck_assert(!json_is_true(r, "usr1Blocked"));
	cJSON_Delete(r);
}
END_TEST

TEST_SUITE(plugin_runtime)
{
	Suite *s = suite_create("plugin_runtime");
	TCase *tc = tcase_create("runtime");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, lazy_start_and_roundtrip);
	tcase_add_test(tc, concurrent_calls_match_by_id);
	tcase_add_test(tc, hung_call_does_not_block_others);
	tcase_add_test(tc, crash_fails_call_and_restarts);
	tcase_add_test(tc, segv_names_the_signal);
	tcase_add_test(tc, hang_times_out_kills_and_restarts);
	tcase_add_test(tc, hang_ignoring_term_gets_killed);
	tcase_add_test(tc, garbage_line_is_a_protocol_error);
	tcase_add_test(tc, json_that_is_not_jsonrpc);
	tcase_add_test(tc, oversized_line);
	tcase_add_test(tc, late_answer_within_and_past_the_timeout);
	tcase_add_test(tc, answer_twice);
	tcase_add_test(tc, answer_unknown_id);
	tcase_add_test(tc, stderr_flood_is_bounded_and_console_responsive);
	tcase_add_test(tc, closed_stdout);
	tcase_add_test(tc, clean_exit_mid_call);
	tcase_add_test(tc, worker_requests_get_answers);
	tcase_add_test(tc, worker_error_answer);
	tcase_add_test(tc, numbers_that_fit_no_integer);
	tcase_add_test(tc, initialize_crash);
	tcase_add_test(tc, initialize_hang_and_not_ok);
	tcase_add_test(tc, unsupported_method_refused_before_sending);
	tcase_add_test(tc, scrubbed_environment);
	tcase_add_test(tc, master_key_never_inherited_even_if_listed);
	tcase_add_test(tc, missing_worker_executable);
	tcase_add_test(tc, stop_and_restart);
	tcase_add_test(tc, cancelled_call_is_abandoned_and_its_late_answer_dropped);
	tcase_add_test(tc, cancel_reaches_a_call_that_never_answers);
	tcase_add_test(tc, host_free_stops_workers);
	tcase_add_test(tc, exit_seen_while_a_grandchild_holds_stdout);
	tcase_add_test(tc, worker_starts_with_default_signals);
	suite_add_tcase(s, tc);
	return s;
}
