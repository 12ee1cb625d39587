#include "plugin/rpc.h"

#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

Status plugin_rpc_status_for_code(int code)
{
	switch (code) {
	case PLUGIN_RPC_METHOD_NOT_FOUND:
	case PLUGIN_RPC_METHOD_NOT_IMPLEMENTED:
		return ST_E_UNSUPPORTED;
	case PLUGIN_RPC_TIMEOUT:
		return ST_E_TIMEOUT;
	case PLUGIN_RPC_INVALID_PARAMS:
		return ST_E_INVALID;
	default:
		return ST_E_PROVIDER;
	}
}

int plugin_rpc_code_for_status(Status s)
{
	switch (s) {
	case ST_E_UNSUPPORTED:
		return PLUGIN_RPC_METHOD_NOT_IMPLEMENTED;
	case ST_E_TIMEOUT:
		return PLUGIN_RPC_TIMEOUT;
	case ST_E_INVALID:
	case ST_E_USAGE:
		return PLUGIN_RPC_INVALID_PARAMS;
	default:
		return PLUGIN_RPC_WORKER_ERROR;
	}
}

const char *plugin_rpc_code_name(int code)
{
	switch (code) {
	case PLUGIN_RPC_PARSE_ERROR: return "parse error";
	case PLUGIN_RPC_INVALID_REQUEST: return "invalid request";
	case PLUGIN_RPC_METHOD_NOT_FOUND: return "method not found";
	case PLUGIN_RPC_INVALID_PARAMS: return "invalid params";
	case PLUGIN_RPC_INTERNAL_ERROR: return "internal error";
	case PLUGIN_RPC_WORKER_UNAVAILABLE: return "worker unavailable";
	case PLUGIN_RPC_CAPABILITY_DENIED: return "capability denied";
	case PLUGIN_RPC_WORKER_ERROR: return "worker error";
	case PLUGIN_RPC_TIMEOUT: return "timeout";
	case PLUGIN_RPC_METHOD_NOT_IMPLEMENTED: return "method not implemented";
	default: return "error";
	}
}

bool plugin_rpc_method_valid(const char *method)
{
	if (!method || !method[0] || strlen(method) > 128)
		return false;
	for (const char *p = method; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '/' || c == '-'))
			return false;
	}
	return true;
}

void plugin_wipe_free(char *s)
{
	if (!s)
		return;
	sodium_memzero(s, strlen(s));
	free(s);
}

ssize_t plugin_write_nosigpipe(int fd, const void *data, size_t len)
{
	sigset_t pipe_set, old;
	ssize_t n;
	int saved;

	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	n = write(fd, data, len);
	saved = errno;
	if (n < 0 && saved == EPIPE && !sigismember(&old, SIGPIPE)) {
		/* The SIGPIPE is pending on this thread: take it before unblocking. */
		struct timespec zero = { 0, 0 };

		while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved;
	return n;
}
