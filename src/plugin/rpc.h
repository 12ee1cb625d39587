/* JSON-RPC 2.0 pieces shared by the host runtime (worker.c) and the
 * worker-side helpers (serve.c): the error codes of DESIGN §6.5, their mapping
 * to our statuses; JSON that carried resolved secrets is freed with
 * json_wipe (util/json.h). */
#ifndef ENVCTL_PLUGIN_RPC_H
#define ENVCTL_PLUGIN_RPC_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/lib.h"

/* JSON-RPC 2.0 and Paperclip's plugin codes (P). */
#define PLUGIN_RPC_PARSE_ERROR -32700
#define PLUGIN_RPC_INVALID_REQUEST -32600
#define PLUGIN_RPC_METHOD_NOT_FOUND -32601
#define PLUGIN_RPC_INVALID_PARAMS -32602
#define PLUGIN_RPC_INTERNAL_ERROR -32603
#define PLUGIN_RPC_WORKER_UNAVAILABLE -32000
#define PLUGIN_RPC_CAPABILITY_DENIED -32001
#define PLUGIN_RPC_WORKER_ERROR -32002
#define PLUGIN_RPC_TIMEOUT -32003
#define PLUGIN_RPC_METHOD_NOT_IMPLEMENTED -32004

/* The status a worker's error code maps to (not implemented -> unsupported,
 * timeout -> timed out, the rest -> provider error). */
Status plugin_rpc_status_for_code(int code);
/* The code a handler's status maps to (the reverse, for workers). */
int plugin_rpc_code_for_status(Status s);
/* "worker error", "method not implemented", ... for messages. */
const char *plugin_rpc_code_name(int code);

/* Method names are protocol identifiers: letters, digits, '.', '_', '/'. */
bool plugin_rpc_method_valid(const char *method);

/* Zeroes and frees a string that held JSON with secrets. */
void plugin_wipe_free(char *s);

/* write(2) that never raises SIGPIPE in the calling thread: a worker that
 * died must show up as an error, not kill the console. Returns what
 * write returned (with errno). */
ssize_t plugin_write_nosigpipe(int fd, const void *data, size_t len);

#endif
