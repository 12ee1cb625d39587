/* The worker side of the protocol, for plugins written in C (the bundled
 * bwrap and ssh providers): reads JSON-RPC requests from stdin, runs each
 * in its own thread so slow calls (a probe, a long execute) never hold up
 * the others, and writes one response line per request to stdout.
 * `initialize` answers with the handler list as supportedMethods; `health`
 * and `shutdown` are built in. Parameters are wiped after each call since
 * they carry resolved secrets. */
#ifndef ENVCTL_PLUGIN_SERVE_H
#define ENVCTL_PLUGIN_SERVE_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "plugin/proc.h"
#include "util/lib.h"

/* Fills *result (may stay NULL: JSON null) or returns an error status with
 * err; ST_E_UNSUPPORTED becomes "method not implemented", ST_E_INVALID
 * "invalid params", the rest "worker error". */
typedef Status (*PluginHandlerFn)(void *ctx, const cJSON *params, cJSON **result, Error *err);

typedef struct PluginHandler {
	const char *method;
	PluginHandlerFn fn;
} PluginHandler;

typedef struct PluginServeSpec {
	const char *name; /* for log lines */
	const PluginHandler *handlers;
	size_t count;
	void *ctx;
} PluginServeSpec;

/* Serves until stdin closes or `shutdown`, waits for calls in flight, and
 * returns the process exit code. */
int plugin_serve(const PluginServeSpec *spec);

/* Interactive shells (#15). A driver that declares the "interactiveShell"
 * capability has its worker started a second way for each shell: argv
 * PLUGIN_SHELL_ARG after the manifest's worker command, stdin, stdout and
 * stderr a terminal (its controlling terminal), and on fd 3 the params an
 * environmentExecute of the lease would get (config with secrets
 * resolved, lease, cwd; no command). The worker runs the shell in the
 * lease with that terminal and exits with the shell's status. */
#define PLUGIN_SHELL_ARG "--envctl-shell"

/* Runs *fn on the params read from fd 3 (wiped afterwards); an error is
 * printed on stderr (the operator's terminal). Returns the exit code. */
typedef int (*PluginShellFn)(const cJSON *params, Error *err);
int plugin_serve_shell(const char *name, PluginShellFn fn);

/* environmentExecute's answer for a command that ran: exitCode (null
 * when a signal or the timeout ended it), signal (its name, when one
 * did), timedOut, stdout, stderr. NULL when out of memory. */
cJSON *plugin_serve_execute_result(const PluginProcResult *res);

/* One line on stderr, which the host keeps in the plugin's log. */
void plugin_serve_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
