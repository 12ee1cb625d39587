/* The shell into a lease (#15). The CLI's `lease shell` and the console's
 * `s` both run these.
 *
 * Interactive (lease_shell_pty): for a provider with an interactive shell
 * (PROVIDER_CAP_SHELL: the bundled bwrap runs sh in the sandbox, ssh runs
 * `ssh -t`), a real PTY: the shell's terminal is a pty whose master this
 * process relays to and from the operator's terminal (raw mode, window
 * size followed). The sandbox never gets the operator's terminal itself:
 * its output is redacted of the lease's secrets and stripped of the
 * sequences that reach beyond the screen (OSC: titles, clipboard, links;
 * DCS/APC/PM/SOS strings; CSI ... t window operations).
 *
 * Line mode (lease_shell_loop): for a provider that can only execute,
 * each line the operator types is one execute call (`sh -c LINE` in the
 * lease's workspace), its output printed when the call ends: no job
 * control, no full-screen programs and no state (cd, variables) carried
 * from one line to the next. */
#ifndef ENVCTL_CORE_LEASE_SHELL_H
#define ENVCTL_CORE_LEASE_SHELL_H

#include <stdbool.h>
#include <stdio.h>

#include "core/app.h"
#include "util/lib.h"

/* Checks that the lease is active and its provider can execute; the
 * refusal names why. */
Status lease_shell_check(App *app, const char *lease_id, Error *err);
/* Reads lines from in until EOF or "exit", runs each, writes its output
 * to out with terminal escapes made visible (the sandbox's bytes never
 * drive the operator's terminal). Returns ST_OK at the end, or the error
 * that stopped it (the lease went away). */
Status lease_shell_loop(App *app, const char *lease_id, FILE *in, FILE *out, Error *err);

/* True when the lease's provider runs interactive shells (then
 * lease_shell_pty, else lease_shell_loop). */
bool lease_shell_interactive(App *app, const char *lease_id);
/* The interactive shell on the terminal in_fd/out_fd (in_fd is put in raw
 * mode while it runs when it is a terminal). Returns ST_OK when the shell
 * ran, with its exit status in *exit_code. */
Status lease_shell_pty(App *app, const char *lease_id, int in_fd, int out_fd, int *exit_code,
		       Error *err);

/* The output filter of the relay, exposed for its unit test: feeds n
 * bytes of what the shell printed and appends what may reach the
 * operator's terminal to out. Free with lease_shell_filter_clear. */
typedef struct LeaseShellFilter {
	int state;
	char seq[80];
	size_t seq_len;
	char *pending;        /* redaction holdback: a possible secret's start */
	size_t pending_len;
	const char *const *secrets;
} LeaseShellFilter;

bool lease_shell_filter(LeaseShellFilter *f, const char *data, size_t n, bool flush, Buf *out);
void lease_shell_filter_clear(LeaseShellFilter *f);

#endif
