#include "core/lease_shell.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "core/lease.h"
#include "core/provider.h"
#include "util/lib.h"

Status lease_shell_check(App *app, const char *lease_id, Error *err)
{
	StoreLease l = { 0 };
	Provider *p;
	Store *s;

	if (app_store(app, &s, err) != ST_OK || store_lease_get(s, lease_id, &l, err) != ST_OK)
		return err->status;
	if (!lease_status_is(l.status, LEASE_ACTIVE)) {
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
		"Line mode (%s): each line is one execute call (sh -c LINE) in lease %s; no PTY, "
		"nothing carries over between lines. \"exit\" or end of input leaves.\n",
		lease_shell_interactive(app, lease_id)
			? "input is not a terminal"
			: "the provider has no interactive shell, only environmentExecute",
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
			exec_result_clear(&r);
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
		exec_result_clear(&r);
	}
	free(line);
	fputc('\n', out);
	fflush(out);
	return ST_OK;
}

/* ------------------------------------------------------------ PTY shell */

bool lease_shell_interactive(App *app, const char *lease_id)
{
	StoreLease l = { 0 };
	Provider *p = NULL;
	Store *s;
	Error e;

	error_clear(&e);
	if (app_store(app, &s, &e) != ST_OK || store_lease_get(s, lease_id, &l, &e) != ST_OK)
		return false;
	p = registry_find(&app->registry, l.provider);
	store_lease_clear(&l);
	return p && (p->caps & PROVIDER_CAP_SHELL) && p->ops->shell;
}

enum { LSF_GROUND, LSF_ESC, LSF_CSI, LSF_OSC, LSF_STR, LSF_STR_ESC };

/* The redaction stage: whole secrets become REDACTED; a tail that may be
 * the start of one is held back for the next chunk (flush: let it go). */
static bool lsf_redact(LeaseShellFilter *f, const char *data, size_t n, bool flush, Buf *mid)
{
	size_t len = f->pending_len + n, i = 0, hold = len;
	char *all = malloc(len + 1);
	bool ok = true;

	if (!all)
		return false;
	if (f->pending_len)
		memcpy(all, f->pending, f->pending_len);
	if (n)
		memcpy(all + f->pending_len, data, n);
	while (ok && i < len) {
		bool matched = false, partial = false;

		for (size_t k = 0; f->secrets && f->secrets[k]; k++) {
			size_t sl = strlen(f->secrets[k]);

			if (sl < REDACT_MIN_SUBSTRING)
				continue;
			if (len - i >= sl && memcmp(all + i, f->secrets[k], sl) == 0) {
				ok = buf_puts(mid, REDACTED);
				i += sl;
				matched = true;
				break;
			}
			if (!flush && len - i < sl && memcmp(all + i, f->secrets[k], len - i) == 0)
				partial = true;
		}
		if (matched)
			continue;
		if (partial) {
			hold = i;
			break;
		}
		ok = buf_putc(mid, all[i++]);
	}
	if (f->pending)
		sodium_memzero(f->pending, f->pending_len);
	free(f->pending);
	f->pending = NULL;
	f->pending_len = 0;
	if (ok && hold < len) {
		f->pending = malloc(len - hold);
		if (f->pending) {
			memcpy(f->pending, all + hold, len - hold);
			f->pending_len = len - hold;
		} else {
			ok = false;
		}
	}
	sodium_memzero(all, len);
	free(all);
	return ok;
}

/* The escape stage: passes text, C0 controls, two-byte escapes and CSI
 * sequences (cursor, colours, modes), drops whole OSC, DCS, APC, PM and
 * SOS strings and CSI ... t (window operations and reports). */
static bool lsf_escapes(LeaseShellFilter *f, const char *data, size_t n, Buf *out)
{
	bool ok = true;

	for (size_t i = 0; ok && i < n; i++) {
		unsigned char c = (unsigned char)data[i];

		switch (f->state) {
		case LSF_GROUND:
			if (c == 0x1b)
				f->state = LSF_ESC;
			else
				ok = buf_putc(out, (char)c);
			break;
		case LSF_ESC:
			if (c == '[') {
				memcpy(f->seq, "\x1b[", 2);
				f->seq_len = 2;
				f->state = LSF_CSI;
			} else if (c == ']') {
				f->state = LSF_OSC;
			} else if (c == 'P' || c == '_' || c == '^' || c == 'X') {
				f->state = LSF_STR;
			} else if (c != 0x1b) {
				ok = buf_putc(out, 0x1b) && buf_putc(out, (char)c);
				f->state = LSF_GROUND;
			}
			break;
		case LSF_CSI:
			if (c == 0x1b) {
				f->state = LSF_ESC;
				break;
			}
			f->seq[f->seq_len++] = (char)c;
			if (c >= 0x40 && c <= 0x7e) {
				if (c != 't')
					ok = buf_append(out, f->seq, f->seq_len);
				f->state = LSF_GROUND;
			} else if (f->seq_len >= sizeof f->seq) {
				f->state = LSF_GROUND; /* no terminal takes one this long */
			}
			break;
		case LSF_OSC: /* ends at BEL or ST */
			if (c == 0x07)
				f->state = LSF_GROUND;
			else if (c == 0x1b)
				f->state = LSF_STR_ESC;
			break;
		case LSF_STR: /* DCS, APC, PM, SOS: only ST ends them */
			if (c == 0x1b)
				f->state = LSF_STR_ESC;
			break;
		default: /* LSF_STR_ESC */
			if (c == '\\') {
				f->state = LSF_GROUND;
			} else if (c == 0x1b) {
				f->state = LSF_STR; /* a doubled ESC (tmux passthrough) stays inside */
			} else {
				f->state = LSF_ESC;
				i--; /* an ESC that cancels the string starts a sequence */
			}
			break;
		}
	}
	return ok;
}

bool lease_shell_filter(LeaseShellFilter *f, const char *data, size_t n, bool flush, Buf *out)
{
	Buf mid = BUF_INIT;
	bool ok = lsf_redact(f, data, n, flush, &mid) && lsf_escapes(f, mid.data, mid.len, out);

	if (mid.data)
		sodium_memzero(mid.data, mid.len);
	buf_clear(&mid);
	return ok;
}

void lease_shell_filter_clear(LeaseShellFilter *f)
{
	if (f->pending)
		sodium_memzero(f->pending, f->pending_len);
	free(f->pending);
	f->pending = NULL;
	f->pending_len = 0;
}

static bool lease_shell_write(int fd, const char *data, size_t n)
{
	while (n) {
		ssize_t k = write(fd, data, n);

		if (k < 0 && (errno == EINTR || errno == EAGAIN)) {
			struct pollfd p = { .fd = fd, .events = POLLOUT };

			poll(&p, 1, 100);
			continue;
		}
		if (k <= 0)
			return false;
		data += k;
		n -= (size_t)k;
	}
	return true;
}

static int64_t lease_shell_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

Status lease_shell_pty(App *app, const char *lease_id, int in_fd, int out_fd, int *exit_code,
		       Error *err)
{
	LeaseShellFilter f = { 0 };
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };
	struct termios saved, raw;
	bool tty = isatty(in_fd) && tcgetattr(in_fd, &saved) == 0;
	bool in_open = true, master_open = true, reaped = false;
	int master = -1, slave = -1, status = 0;
	int64_t drain_until = 0;
	char **secrets = NULL;
	char chunk[16384];
	pid_t pid;

	*exit_code = -1;
	if (lease_shell_check(app, lease_id, err) != ST_OK)
		return err->status;
	if (tty)
		ioctl(in_fd, TIOCGWINSZ, &ws);
	if (openpty(&master, &slave, NULL, NULL, &ws) != 0)
		return error_set(err, ST_E_IO, "cannot open a pseudo-terminal for the shell: %s",
				 strerror(errno));
	fcntl(master, F_SETFD, FD_CLOEXEC);
	fcntl(slave, F_SETFD, FD_CLOEXEC);
	if (lease_shell_start(app, lease_id, slave, getenv("TERM"), &pid, &secrets, err) != ST_OK) {
		close(master);
		close(slave);
		return err->status;
	}
	close(slave);
	f.secrets = (const char *const *)secrets;
	fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK);
	if (tty) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(in_fd, TCSAFLUSH, &raw);
	}
	while (master_open) {
		struct pollfd p[2] = { { .fd = master, .events = POLLIN },
				       { .fd = in_fd, .events = POLLIN } };
		struct winsize now;
		Buf out = BUF_INIT;
		ssize_t n;

		if (!reaped && waitpid(pid, &status, WNOHANG) == pid) {
			reaped = true;
			/* What the shell printed last is still in the pty; a
			 * background job holding it open must not keep us here. */
			drain_until = lease_shell_ms() + 300;
		}
		if (reaped && lease_shell_ms() >= drain_until)
			break;
		if (tty && ioctl(in_fd, TIOCGWINSZ, &now) == 0 &&
		    (now.ws_row != ws.ws_row || now.ws_col != ws.ws_col)) {
			ws = now;
			ioctl(master, TIOCSWINSZ, &ws); /* the kernel signals the shell */
		}
		if (poll(p, in_open && !reaped ? 2 : 1, reaped ? 50 : 200) < 0 && errno != EINTR)
			break;
		if (p[0].revents) {
			n = read(master, chunk, sizeof chunk);
			if (n > 0) {
				if (!lease_shell_filter(&f, chunk, (size_t)n, false, &out) ||
				    !lease_shell_write(out_fd, out.data ? out.data : "", out.len))
					master_open = false;
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				master_open = false; /* EIO: every holder of the slave is gone */
			}
			buf_clear(&out);
		}
		if (in_open && !reaped && p[1].revents) {
			n = read(in_fd, chunk, sizeof chunk);
			if (n > 0)
				lease_shell_write(master, chunk, (size_t)n);
			else if (n == 0 || (errno != EINTR && errno != EAGAIN))
				in_open = false;
		}
	}
	{
		Buf out = BUF_INIT;

		if (lease_shell_filter(&f, NULL, 0, true, &out) && out.len)
			lease_shell_write(out_fd, out.data, out.len);
		buf_clear(&out);
	}
	if (tty)
		tcsetattr(in_fd, TCSAFLUSH, &saved);
	close(master); /* hangs up whatever the shell left running */
	if (!reaped)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	lease_shell_filter_clear(&f);
	lease_shell_secrets_free(secrets);
	*exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return ST_OK;
}
