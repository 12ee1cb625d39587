/* The shell into a lease (#15), line mode: each line the operator types
 * is one execute call (`sh -c LINE` in the lease's workspace), its output
 * printed when the call ends. It works for every provider that can
 * execute; there is no PTY, so no job control, no full-screen programs
 * and no state (cd, variables) carried from one line to the next. The
 * CLI's `lease shell` and the console's `s` both run this loop. */
#ifndef ENVCTL_CORE_LEASE_SHELL_H
#define ENVCTL_CORE_LEASE_SHELL_H

#include <stdio.h>

#include "core/app.h"

/* Checks that the lease is active and its provider can execute; the
 * refusal names why. */
Status lease_shell_check(App *app, const char *lease_id, Error *err);
/* Reads lines from in until EOF or "exit", runs each, writes its output
 * to out with terminal escapes made visible (the sandbox's bytes never
 * drive the operator's terminal). Returns ST_OK at the end, or the error
 * that stopped it (the lease went away). */
Status lease_shell_loop(App *app, const char *lease_id, FILE *in, FILE *out, Error *err);

#endif
