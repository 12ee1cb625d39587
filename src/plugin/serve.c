#include "plugin/serve.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin/rpc.h"
#include "util/lib.h"

typedef struct ServeState {
	const PluginServeSpec *spec;
	pthread_mutex_t mu;
	pthread_cond_t idle;
	long active;
	pthread_mutex_t out_mu; /* one response line at a time on stdout */
} ServeState;

typedef struct ServeCall {
	ServeState *st;
	cJSON *req;
} ServeCall;

void plugin_serve_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	fflush(stderr);
}

static void serve_send(ServeState *st, cJSON *msg)
{
	char *text = cJSON_PrintUnformatted(msg);

	if (!text)
		return;
	pthread_mutex_lock(&st->out_mu);
	fputs(text, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	pthread_mutex_unlock(&st->out_mu);
	plugin_wipe_free(text);
}

static void serve_reply(ServeState *st, const cJSON *id, cJSON *result, int code,
			const char *message)
{
	cJSON *resp = cJSON_CreateObject();

	if (!resp) {
		cJSON_Delete(result);
		return;
	}
	cJSON_AddStringToObject(resp, "jsonrpc", "2.0");
	cJSON_AddItemToObject(resp, "id", id ? cJSON_Duplicate(id, 1) : cJSON_CreateNull());
	if (code) {
		cJSON *e = cJSON_AddObjectToObject(resp, "error");

		cJSON_AddNumberToObject(e, "code", code);
		cJSON_AddStringToObject(e, "message", message);
		cJSON_Delete(result);
	} else {
		cJSON_AddItemToObject(resp, "result", result ? result : cJSON_CreateNull());
	}
	serve_send(st, resp);
	json_wipe(resp);
}

static const PluginHandler *serve_find(const PluginServeSpec *spec, const char *method)
{
	for (size_t i = 0; i < spec->count; i++)
		if (strcmp(spec->handlers[i].method, method) == 0)
			return &spec->handlers[i];
	return NULL;
}

static void *serve_call_main(void *arg)
{
	ServeCall *call = arg;
	ServeState *st = call->st;
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(call->req, "id");
	const char *method = json_get_string(call->req, "method");
	const PluginHandler *h = serve_find(st->spec, method);
	cJSON *result = NULL;
	Error err;

	error_clear(&err);
	if (!h) {
		char msg[200];

		snprintf(msg, sizeof msg, "Unknown method: %s", method);
		serve_reply(st, id, NULL, PLUGIN_RPC_METHOD_NOT_FOUND, msg);
	} else if (h->fn(st->spec->ctx, cJSON_GetObjectItemCaseSensitive(call->req, "params"),
			 &result, &err) != ST_OK) {
		serve_reply(st, id, result, plugin_rpc_code_for_status(err.status), error_text(&err));
	} else {
		serve_reply(st, id, result, 0, NULL);
	}
	json_wipe(call->req);
	free(call);
	pthread_mutex_lock(&st->mu);
	if (--st->active == 0)
		pthread_cond_broadcast(&st->idle);
	pthread_mutex_unlock(&st->mu);
	return NULL;
}

static void serve_initialize(ServeState *st, const cJSON *id)
{
	cJSON *r = cJSON_CreateObject();
	cJSON *methods = r ? cJSON_AddArrayToObject(r, "supportedMethods") : NULL;

	if (!methods) {
		cJSON_Delete(r);
		serve_reply(st, id, NULL, PLUGIN_RPC_INTERNAL_ERROR, "out of memory");
		return;
	}
	cJSON_AddBoolToObject(r, "ok", true);
	cJSON_AddItemToArray(methods, cJSON_CreateString("health"));
	cJSON_AddItemToArray(methods, cJSON_CreateString("shutdown"));
	for (size_t i = 0; i < st->spec->count; i++)
		cJSON_AddItemToArray(methods, cJSON_CreateString(st->spec->handlers[i].method));
	serve_reply(st, id, r, 0, NULL);
}

int plugin_serve(const PluginServeSpec *spec)
{
	ServeState st = { .spec = spec, .active = 0 };
	pthread_attr_t attr;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	bool shutdown = false;

	/* A host that went away must not kill a call halfway with SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	pthread_mutex_init(&st.mu, NULL);
	pthread_mutex_init(&st.out_mu, NULL);
	pthread_cond_init(&st.idle, NULL);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	while (!shutdown && (len = getline(&line, &cap, stdin)) >= 0) {
		cJSON *req = cJSON_ParseWithLength(line, (size_t)len);
		const char *method = json_get_string(req, "method");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(req, "id");
		ServeCall *call;
		pthread_t t;

		sodium_memzero(line, (size_t)len);
		if (!req || !method) {
			/* Responses to requests we never send, or garbage. */
			if (!req)
				serve_reply(&st, NULL, NULL, PLUGIN_RPC_PARSE_ERROR, "Parse error");
			cJSON_Delete(req);
			continue;
		}
		if (!id || cJSON_IsNull(id)) {
			cJSON_Delete(req); /* notifications: nothing to do */
			continue;
		}
		if (strcmp(method, "initialize") == 0) {
			serve_initialize(&st, id);
		} else if (strcmp(method, "health") == 0) {
			cJSON *r = cJSON_CreateObject();

			cJSON_AddStringToObject(r, "status", "ok");
			serve_reply(&st, id, r, 0, NULL);
		} else if (strcmp(method, "shutdown") == 0) {
			shutdown = true;
			/* Answer only once the calls in flight are done. */
			pthread_mutex_lock(&st.mu);
			while (st.active > 0)
				pthread_cond_wait(&st.idle, &st.mu);
			pthread_mutex_unlock(&st.mu);
			serve_reply(&st, id, NULL, 0, NULL);
		} else if ((call = malloc(sizeof *call))) {
			call->st = &st;
			call->req = req;
			req = NULL;
			pthread_mutex_lock(&st.mu);
			st.active++;
			pthread_mutex_unlock(&st.mu);
			if (pthread_create(&t, &attr, serve_call_main, call) != 0) {
				/* No thread to spare: run it here rather than drop it. */
				serve_call_main(call);
			}
		} else {
			serve_reply(&st, id, NULL, PLUGIN_RPC_INTERNAL_ERROR, "out of memory");
		}
		json_wipe(req);
	}
	pthread_mutex_lock(&st.mu);
	while (st.active > 0)
		pthread_cond_wait(&st.idle, &st.mu);
	pthread_mutex_unlock(&st.mu);
	pthread_attr_destroy(&attr);
	if (line)
		sodium_memzero(line, cap);
	free(line);
	return 0;
}

#define PLUGIN_SHELL_MAX_PARAMS (4u * 1024u * 1024u)

int plugin_serve_shell(const char *name, PluginShellFn fn)
{
	size_t len = 0, cap = 0;
	char *text = NULL;
	cJSON *params;
	Error err;
	int rc;

	for (;;) {
		ssize_t n;

		/* Room for 4 KiB more, and never more than the bound in all. */
		if (len + 4096 > PLUGIN_SHELL_MAX_PARAMS ||
		    !array_reserve(&text, &cap, len + 4096, 1)) {
			fprintf(stderr, "%s: the shell's parameters are too large\n", name);
			if (text)
				sodium_memzero(text, cap);
			free(text);
			return 1;
		}
		n = read(3, text + len,
			 (cap < PLUGIN_SHELL_MAX_PARAMS ? cap : PLUGIN_SHELL_MAX_PARAMS) - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(3);
	params = text ? cJSON_ParseWithLength(text, len) : NULL;
	if (text)
		sodium_memzero(text, cap);
	free(text);
	if (!cJSON_IsObject(params)) {
		cJSON_Delete(params);
		fprintf(stderr, "%s: no shell parameters on fd 3 (this mode is started by envctl)\n",
			name);
		return 1;
	}
	error_clear(&err);
	rc = fn(params, &err);
	json_wipe(params);
	if (err.status != ST_OK) {
		fprintf(stderr, "%s: %s\n", name, err.msg);
		return rc ? rc : 1;
	}
	return rc;
}

cJSON *plugin_serve_execute_result(const PluginProcResult *res)
{
	cJSON *r = cJSON_CreateObject();
	char sig[32];

	if (res->timed_out || res->term_signal)
		cJSON_AddNullToObject(r, "exitCode");
	else
		cJSON_AddNumberToObject(r, "exitCode", res->exit_code);
	if (res->term_signal)
		cJSON_AddStringToObject(r, "signal",
					plugin_proc_signal_name(res->term_signal, sig, sizeof sig));
	cJSON_AddBoolToObject(r, "timedOut", res->timed_out);
	cJSON_AddStringToObject(r, "stdout", res->out);
	cJSON_AddStringToObject(r, "stderr", res->err);
	return r;
}
