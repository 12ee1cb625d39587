/* A plugin worker that misbehaves on request, to test the runtime.
 *
 * Each call's behaviour comes from params.config.mode (environment methods)
 * or params.mode (anything else):
 *   ok            answer normally (the default)
 *   crash         exit(3) without answering
 *   segv          die of SIGSEGV
 *   hang          never answer
 *   hang-hard     ignore SIGTERM, never answer (the host must SIGKILL)
 *   garbage       print a line that is not JSON
 *   not-rpc       print a JSON line that is not JSON-RPC
 *   oversize      print a line of params...size bytes (default 2 MiB)
 *   late          answer after delayMs
 *   twice         answer twice
 *   unknown-id    answer an id the host never sent
 *   flood-stderr  write `bytes` bytes of stderr (default 4 MiB), then answer
 *   close-stdout  close stdout and keep running
 *   exit-clean    exit(0) without answering
 *   ask-host      ask the host config.get and secrets.resolve, answer both
 *   error         answer with a worker error
 *   huge-id       answer with the id 1e999 (no long holds it)
 *   huge-code     answer with an error whose code is 1e10 (no int holds it)
 *   log           send a `log` notification, then answer
 * `sleepMs` in the config delays environmentProbe (the bench); `modeFor`
 * limits the mode to one method.
 * TEST_WORKER_INIT (an inheritEnv variable) does the same for initialize:
 * crash, hang, fail (ok:false), garbage, noexec (no environmentExecute).
 * Methods `echo` (returns params) and `env` (returns the environment) let
 * tests see exactly what the worker received. */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* close-stdout: keep running after stdin closes too. */
static volatile int tw_linger;

typedef struct Worker {
	pthread_mutex_t out_mu;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	cJSON *host_answers; /* responses to our requests, by id */
	long lease_no;
} Worker;

typedef struct Call {
	Worker *w;
	cJSON *req;
} Call;

static void tw_write_line(Worker *w, const char *text)
{
	pthread_mutex_lock(&w->out_mu);
	fputs(text, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	pthread_mutex_unlock(&w->out_mu);
}

static void tw_send(Worker *w, cJSON *msg)
{
	char *text = cJSON_PrintUnformatted(msg);

	if (text)
		tw_write_line(w, text);
	free(text);
	cJSON_Delete(msg);
}

static cJSON *tw_response(const cJSON *id, cJSON *result)
{
	cJSON *r = cJSON_CreateObject();

	cJSON_AddStringToObject(r, "jsonrpc", "2.0");
	cJSON_AddItemToObject(r, "id", cJSON_Duplicate(id, 1));
	cJSON_AddItemToObject(r, "result", result ? result : cJSON_CreateNull());
	return r;
}

static void tw_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

static const char *tw_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static double tw_num(const cJSON *o, const char *k, double dflt)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : dflt;
}

/* Sends a request to the host and waits for its answer. */
static cJSON *tw_ask_host(Worker *w, const char *id, const char *method)
{
	cJSON *req = cJSON_CreateObject();
	cJSON *answer = NULL;

	cJSON_AddStringToObject(req, "jsonrpc", "2.0");
	cJSON_AddStringToObject(req, "id", id);
	cJSON_AddStringToObject(req, "method", method);
	cJSON_AddItemToObject(req, "params", cJSON_CreateObject());
	tw_send(w, req);
	pthread_mutex_lock(&w->mu);
	while (!(answer = cJSON_DetachItemFromObjectCaseSensitive(w->host_answers, id)))
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
	return answer;
}

static cJSON *tw_env_array(void)
{
	cJSON *arr = cJSON_CreateArray();

	for (char **e = environ; *e; e++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(*e));
	return arr;
}

/* The normal answer of each method. */
static cJSON *tw_result(Worker *w, const char *method, const cJSON *params)
{
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(params, "config");
	cJSON *r;

	if (strcmp(method, "health") == 0) {
		r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "status", "ok");
		return r;
	}
	if (strcmp(method, "echo") == 0)
		return cJSON_Duplicate(params, 1);
	if (strcmp(method, "env") == 0)
		return tw_env_array();
	if (strcmp(method, "signals") == 0) {
		/* The ignored and blocked signal sets it started with. */
		struct sigaction sa;
		sigset_t mask;
		cJSON *o = cJSON_CreateObject(), *ign = cJSON_AddArrayToObject(o, "ignored");

		for (int sig = 1; sig < 32; sig++)
			if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
				cJSON_AddItemToArray(ign, cJSON_CreateNumber(sig));
		sigprocmask(SIG_SETMASK, NULL, &mask);
		cJSON_AddBoolToObject(o, "usr1Blocked", sigismember(&mask, SIGUSR1) == 1);
		return o;
	}
	if (strcmp(method, "environmentValidateConfig") == 0) {
		const char *mode = tw_str(config, "mode");

		r = cJSON_CreateObject();
		if (mode && strcmp(mode, "invalid") == 0) {
			cJSON *errs = cJSON_AddArrayToObject(r, "errors");

			cJSON_AddBoolToObject(r, "ok", false);
			cJSON_AddItemToArray(errs, cJSON_CreateString("mode \"invalid\" is not allowed"));
		} else {
			cJSON *norm = cJSON_Duplicate(config, 1);

			cJSON_AddBoolToObject(r, "ok", true);
			cJSON_AddBoolToObject(norm, "normalized", true);
			cJSON_AddItemToObject(r, "normalizedConfig", norm);
			cJSON_AddItemToObject(r, "warnings", cJSON_CreateStringArray(
								     (const char *const[]){ "just testing" }, 1));
		}
		return r;
	}
	if (strcmp(method, "environmentProbe") == 0) {
		cJSON *diags, *d, *meta;

		tw_sleep_ms((long)tw_num(config, "sleepMs", 0));
		r = cJSON_CreateObject();
		cJSON_AddBoolToObject(r, "ok", true);
		cJSON_AddStringToObject(r, "summary", "Test worker is ready.");
		diags = cJSON_AddArrayToObject(r, "diagnostics");
		d = cJSON_CreateObject();
		cJSON_AddStringToObject(d, "severity", "info");
		cJSON_AddStringToObject(d, "message", "probe ran");
		cJSON_AddItemToArray(diags, d);
		meta = cJSON_AddObjectToObject(r, "metadata");
		cJSON_AddItemToObject(meta, "config", cJSON_Duplicate(config, 1));
		return r;
	}
	if (strcmp(method, "environmentAcquireLease") == 0 ||
	    strcmp(method, "environmentResumeLease") == 0) {
		const char *prev = tw_str(params, "providerLeaseId");
		char id[128];
		cJSON *meta;

		r = cJSON_CreateObject();
		if (prev && strncmp(prev, "test://gone", 11) == 0) {
			cJSON_AddNullToObject(r, "providerLeaseId");
			return r;
		}
		pthread_mutex_lock(&w->mu);
		snprintf(id, sizeof id, "test://lease/%ld", ++w->lease_no);
		pthread_mutex_unlock(&w->mu);
		cJSON_AddStringToObject(r, "providerLeaseId", prev ? prev : id);
		meta = cJSON_Duplicate(config, 1);
		cJSON_AddStringToObject(meta, "runId", tw_str(params, "runId") ? tw_str(params, "runId")
										: "");
		if (prev)
			cJSON_AddBoolToObject(meta, "resumedLease", true);
		cJSON_AddItemToObject(r, "metadata", meta);
		cJSON_AddStringToObject(r, "expiresAt", "2099-01-01T00:00:00.000Z");
		return r;
	}
	if (strcmp(method, "environmentReleaseLease") == 0 ||
	    strcmp(method, "environmentDestroyLease") == 0)
		return cJSON_CreateNull();
	if (strcmp(method, "environmentExecute") == 0) {
		char out[512];
		const cJSON *args = cJSON_GetObjectItemCaseSensitive(params, "args");
		const cJSON *a;
		size_t n;

		n = (size_t)snprintf(out, sizeof out, "ran %s", tw_str(params, "command"));
		cJSON_ArrayForEach(a, args)
			if (cJSON_IsString(a) && n < sizeof out)
				n += (size_t)snprintf(out + n, sizeof out - n, " %s", a->valuestring);
		r = cJSON_CreateObject();
		cJSON_AddNumberToObject(r, "exitCode", 0);
		cJSON_AddBoolToObject(r, "timedOut", false);
		cJSON_AddStringToObject(r, "stdout", out);
		cJSON_AddStringToObject(r, "stderr",
					tw_str(params, "stdin") ? tw_str(params, "stdin") : "");
		return r;
	}
	if (strcmp(method, "environmentRealizeWorkspace") == 0) {
		r = cJSON_CreateObject();
		cJSON_AddStringToObject(r, "cwd", "/workspace");
		return r;
	}
	return NULL;
}

static bool tw_known(const char *method)
{
	static const char *const known[] = {
		"health", "echo", "env", "signals", "environmentValidateConfig", "environmentProbe",
		"environmentAcquireLease", "environmentResumeLease", "environmentReleaseLease",
		"environmentDestroyLease", "environmentExecute", "environmentRealizeWorkspace",
	};

	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(method, known[i]) == 0)
			return true;
	return false;
}

static void tw_handle(Worker *w, const cJSON *req)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(req, "id");
	const char *method = tw_str(req, "method");
	const cJSON *params = cJSON_GetObjectItemCaseSensitive(req, "params");
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(params, "config");
	const char *mode = tw_str(config, "mode");
	const cJSON *knobs = config ? config : params;

	if (!mode)
		mode = tw_str(params, "mode");
	/* modeFor limits the misbehaviour to one method (so an environment
	 * whose probe crashes can still be saved). */
	if (tw_str(config, "modeFor") && strcmp(tw_str(config, "modeFor"), method) != 0)
		mode = NULL;
	if (!mode || strcmp(mode, "invalid") == 0)
		mode = "ok";
	if (strcmp(mode, "crash") == 0)
		exit(3);
	if (strcmp(mode, "segv") == 0) {
		/* Default action even under a sanitizer's handler: die of it. */
		signal(SIGSEGV, SIG_DFL);
		raise(SIGSEGV);
		for (;;)
			pause();
	}
	if (strcmp(mode, "exit-clean") == 0)
		exit(0);
	if (strcmp(mode, "exit-leave-child") == 0) {
		/* A grandchild keeps stdout open after the worker is gone. */
		if (fork() == 0) {
			sleep(30);
			_exit(0);
		}
		exit(5);
	}
	if (strcmp(mode, "hang-hard") == 0) {
		signal(SIGTERM, SIG_IGN);
		tw_linger = 1;
	}
	if (strcmp(mode, "hang") == 0 || strcmp(mode, "hang-hard") == 0)
		for (;;)
			pause();
	if (strcmp(mode, "garbage") == 0) {
		tw_write_line(w, "this is not json");
		return;
	}
	if (strcmp(mode, "not-rpc") == 0) {
		tw_write_line(w, "{\"hello\":1}");
		return;
	}
	if (strcmp(mode, "close-stdout") == 0) {
		tw_linger = 1;
		pthread_mutex_lock(&w->out_mu);
		fclose(stdout);
		for (;;)
			pause();
	}
	if (strcmp(mode, "oversize") == 0) {
		size_t size = (size_t)tw_num(knobs, "size", 2 * 1024 * 1024);
		char *big = malloc(size + 1);

		memset(big, 'x', size);
		big[size] = '\0';
		tw_write_line(w, big);
		free(big);
		return;
	}
	if (strcmp(mode, "late") == 0)
		tw_sleep_ms((long)tw_num(knobs, "delayMs", 1000));
	if (strcmp(mode, "flood-stderr") == 0) {
		size_t bytes = (size_t)tw_num(knobs, "bytes", 4 * 1024 * 1024), done = 0;
		char line[200];

		memset(line, 'e', sizeof line - 1);
		line[sizeof line - 1] = '\0';
		while (done < bytes) {
			fprintf(stderr, "flood %zu %s\n", done, line);
			done += sizeof line + 16;
		}
		fflush(stderr);
	}
	if (strcmp(mode, "log") == 0) {
		cJSON *n = cJSON_CreateObject(), *p = cJSON_CreateObject();

		cJSON_AddStringToObject(n, "jsonrpc", "2.0");
		cJSON_AddStringToObject(n, "method", "log");
		cJSON_AddStringToObject(p, "level", "warn");
		cJSON_AddStringToObject(p, "message", "hello from the test worker");
		cJSON_AddItemToObject(n, "params", p);
		tw_send(w, n);
	}
	if (strcmp(mode, "error") == 0) {
		cJSON *r = cJSON_CreateObject(), *e = cJSON_CreateObject();

		cJSON_AddStringToObject(r, "jsonrpc", "2.0");
		cJSON_AddItemToObject(r, "id", cJSON_Duplicate(id, 1));
		cJSON_AddNumberToObject(e, "code", -32002);
		cJSON_AddStringToObject(e, "message", "boom: the test worker failed on purpose");
		cJSON_AddItemToObject(r, "error", e);
		tw_send(w, r);
		return;
	}
	if (strcmp(mode, "huge-id") == 0) {
		tw_write_line(w, "{\"jsonrpc\":\"2.0\",\"id\":1e999,\"result\":{}}");
		return;
	}
	if (strcmp(mode, "huge-code") == 0) {
		char line[200];

		snprintf(line, sizeof line,
			 "{\"jsonrpc\":\"2.0\",\"id\":%.0f,\"error\":{\"code\":1e10,"
			 "\"message\":\"odd code\"}}",
			 cJSON_GetNumberValue(id));
		tw_write_line(w, line);
		return;
	}
	if (strcmp(mode, "ask-host") == 0) {
		cJSON *r = cJSON_CreateObject();

		cJSON_AddItemToObject(r, "config", tw_ask_host(w, "host-1", "config.get"));
		cJSON_AddItemToObject(r, "secrets", tw_ask_host(w, "host-2", "secrets.resolve"));
		tw_send(w, tw_response(id, r));
		return;
	}
	if (!tw_known(method)) {
		cJSON *r = cJSON_CreateObject(), *e = cJSON_CreateObject();

		cJSON_AddStringToObject(r, "jsonrpc", "2.0");
		cJSON_AddItemToObject(r, "id", cJSON_Duplicate(id, 1));
		cJSON_AddNumberToObject(e, "code", -32601);
		cJSON_AddStringToObject(e, "message", "Unknown method");
		cJSON_AddItemToObject(r, "error", e);
		tw_send(w, r);
		return;
	}
	if (strcmp(mode, "unknown-id") == 0) {
		cJSON *bogus = cJSON_CreateNumber(cJSON_GetNumberValue(id) + 1000);

		tw_send(w, tw_response(bogus, tw_result(w, method, params)));
		cJSON_Delete(bogus);
		return;
	}
	tw_send(w, tw_response(id, tw_result(w, method, params)));
	if (strcmp(mode, "twice") == 0)
		tw_send(w, tw_response(id, tw_result(w, method, params)));
}

static void *tw_call_main(void *arg)
{
	Call *c = arg;

	tw_handle(c->w, c->req);
	cJSON_Delete(c->req);
	free(c);
	return NULL;
}

static void tw_initialize(Worker *w, const cJSON *id)
{
	const char *mode = getenv("TEST_WORKER_INIT");
	cJSON *r;
	cJSON *methods;

	if (mode && strcmp(mode, "crash") == 0)
		exit(4);
	if (mode && strcmp(mode, "hang") == 0)
		for (;;)
			pause();
	if (mode && strcmp(mode, "garbage") == 0) {
		tw_write_line(w, "<html>not json</html>");
		return;
	}
	r = cJSON_CreateObject();
	cJSON_AddBoolToObject(r, "ok", !(mode && strcmp(mode, "fail") == 0));
	methods = cJSON_AddArrayToObject(r, "supportedMethods");
	cJSON_AddItemToArray(methods, cJSON_CreateString("environmentValidateConfig"));
	cJSON_AddItemToArray(methods, cJSON_CreateString("environmentProbe"));
	cJSON_AddItemToArray(methods, cJSON_CreateString("environmentAcquireLease"));
	cJSON_AddItemToArray(methods, cJSON_CreateString("environmentResumeLease"));
	cJSON_AddItemToArray(methods, cJSON_CreateString("environmentReleaseLease"));
	cJSON_AddItemToArray(methods, cJSON_CreateString("environmentDestroyLease"));
	if (!(mode && strcmp(mode, "noexec") == 0))
		cJSON_AddItemToArray(methods, cJSON_CreateString("environmentExecute"));
	tw_send(w, tw_response(id, r));
}

int main(void)
{
	Worker w;
	struct rlimit nocore = { 0, 0 };
	pthread_attr_t attr;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	setrlimit(RLIMIT_CORE, &nocore);
	signal(SIGPIPE, SIG_IGN);
	memset(&w, 0, sizeof w);
	pthread_mutex_init(&w.out_mu, NULL);
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	w.host_answers = cJSON_CreateObject();
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	fprintf(stderr, "test worker pid %d ready\n", (int)getpid());
	while ((len = getline(&line, &cap, stdin)) >= 0) {
		cJSON *msg = cJSON_ParseWithLength(line, (size_t)len);
		const char *method = tw_str(msg, "method");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");

		if (!msg)
			continue;
		if (!method) {
			/* An answer to one of our host requests. */
			if (cJSON_IsString(id)) {
				pthread_mutex_lock(&w.mu);
				cJSON_AddItemToObject(w.host_answers, id->valuestring,
						      cJSON_Duplicate(msg, 1));
				pthread_cond_broadcast(&w.cv);
				pthread_mutex_unlock(&w.mu);
			}
			cJSON_Delete(msg);
			continue;
		}
		if (strcmp(method, "initialize") == 0) {
			tw_initialize(&w, id);
			cJSON_Delete(msg);
		} else if (strcmp(method, "shutdown") == 0) {
			tw_send(&w, tw_response(id, NULL));
			cJSON_Delete(msg);
			break;
		} else {
			Call *c = malloc(sizeof *c);
			pthread_t t;

			c->w = &w;
			c->req = msg;
			if (pthread_create(&t, &attr, tw_call_main, c) != 0)
				tw_call_main(c);
		}
	}
	free(line);
	while (tw_linger)
		pause();
	pthread_attr_destroy(&attr);
	cJSON_Delete(w.host_answers);
	return 0;
}
