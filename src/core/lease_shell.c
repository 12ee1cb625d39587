#include "core/lease_shell.h"

#include <stdlib.h>
#include <string.h>

#include "core/lease.h"
#include "core/provider.h"
#include "util/buf.h"
#include "util/term.h"

Status lease_shell_check(App *app, const char *lease_id, Error *err)
{
	StoreLease l = { 0 };
	Provider *p;
	Store *s;

	if (app_store(app, &s, err) != ST_OK || store_lease_get(s, lease_id, &l, err) != ST_OK)
		return err->status;
	if (strcmp(l.status, "active") != 0) {
		error_set(err, ST_E_CONFLICT, "lease %s is %s: a shell needs an active lease", l.id,
			  l.status);
		store_lease_clear(&l);
		return err->status;
	}
	p = registry_find(&app->registry, l.provider);
	if (!p || !(p->caps & PROVIDER_CAP_EXECUTE) || !p->ops->execute) {
		error_set(err, ST_E_UNSUPPORTED,
			  "provider %s of lease %s cannot execute commands: no shell into it",
			  l.provider, l.id);
		store_lease_clear(&l);
		return err->status;
	}
	store_lease_clear(&l);
	return ST_OK;
}

static void lease_shell_print(FILE *out, const char *text)
{
	Buf b = BUF_INIT;
	char *clean;

	if (!text || !text[0])
		return;
	term_escape(&b, text, strlen(text), false);
	clean = buf_take(&b);
	if (clean)
		fputs(clean, out);
	free(clean);
}

Status lease_shell_loop(App *app, const char *lease_id, FILE *in, FILE *out, Error *err)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (lease_shell_check(app, lease_id, err) != ST_OK)
		return err->status;
	fprintf(out,
		"Line mode: each line is one execute call (sh -c LINE) in lease %s; no PTY, "
		"nothing carries over between lines. \"exit\" or end of input leaves.\n",
		lease_id);
	for (;;) {
		const char *args[] = { "-c", NULL, NULL };
		LeaseExecRequest req = { 0 };
		ExecResult r = { 0 };
		char *cmd;
		Error e;

		fputs("lease$ ", out);
		fflush(out);
		if ((n = getline(&line, &cap, in)) < 0)
			break;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		cmd = line + strspn(line, " \t");
		if (!cmd[0])
			continue;
		if (!strcmp(cmd, "exit") || !strncmp(cmd, "exit ", 5))
			break;
		args[1] = cmd;
		req.lease_id = lease_id;
		req.command = "sh";
		req.args = args;
		req.actor = app_actor(app);
		error_clear(&e);
		if (lease_exec(app, &req, &r, &e) != ST_OK) {
			fprintf(out, "envctl: %s\n", error_text(&e));
			exec_result_free(&r);
			if (lease_shell_check(app, lease_id, &e) != ST_OK) {
				*err = e;
				free(line);
				return err->status;
			}
			continue;
		}
		lease_shell_print(out, r.out);
		lease_shell_print(out, r.err);
		if (r.timed_out)
			fputs("envctl: the command timed out\n", out);
		else if (r.exit_code < 0)
			fprintf(out, "envctl: ended by signal %s\n", r.signal ? r.signal : "?");
		else if (r.exit_code)
			fprintf(out, "[exit %d]\n", r.exit_code);
		exec_result_free(&r);
	}
	free(line);
	fputc('\n', out);
	fflush(out);
	return ST_OK;
}
