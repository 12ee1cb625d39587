#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/lib.h"
#include "util/lib.h"

static const CliSubDoc lease_subs[] = {
	{ "acquire", "ENV", "acquire a lease: a sandbox from the environment's provider",
	  "Without --run the lease is an operator's test lease: ephemeral, it never resumes "
	  "another. With --run, reuseLease on in the environment's config and a provider that "
	  "can resume, the environment's most recently used matching lease is resumed: a "
	  "released or retained one, or the same run's active one. A sandbox another run's "
	  "active lease holds is never handed out twice (exit 5). If the provider no longer has "
	  "it, a fresh one is acquired and a note says why; a note also says why nothing was "
	  "resumed. JSON output adds \"resumed\" (and \"reuse\" with --explain).",
	  "@envs",
	  "envctl env create web --provider fake\n"
	  "envctl env create ci --provider fake --set reuseLease=true\n"
	  "envctl lease acquire ci --run run-1 --ttl 3600\n"
	  "envctl lease acquire ci --run run-1 --explain",
	  NULL },
	{ "why", "ENV", "which lease an acquire for the run would resume, and why not the others",
	  "For each candidate: why it was skipped or, per config key, why it did not match: "
	  "missing from the lease's metadata, a different value, or for a secret field only "
	  "\"secret id differs\" (never a value). Acquires nothing.",
	  "@envs", "envctl lease why ci --run run-2", NULL },
	{ "list", "", "list leases, newest first",
	  "JSON output is an array, streamed row by row. --sort status or provider orders by "
	  "that column, newest first within one value, as the console's leases view does; "
	  "--reverse turns the column's order round.", NULL,
	  "envctl lease list --env ci --status active --json\nenvctl lease list --sort status --reverse", NULL },
	{ "show", "ID", "show one lease", NULL, "@leases",
	  "id=$(envctl lease acquire web --json | jq -r .id)\nenvctl lease show \"$id\"", NULL },
	{ "resume", "ID", "resume a released or retained lease's sandbox at the provider", NULL,
	  "@leases",
	  "id=$(envctl lease acquire web --run run-2 --json | jq -r .id)\n"
	  "envctl lease release \"$id\"\nenvctl lease resume \"$id\"",
	  NULL },
	{ "release", "ID", "release a lease: the provider cleans its sandbox up",
	  "A retain_on_failure lease released as failed becomes retained. A lease that is no "
	  "longer active exits 5 (\"already released\"). When the provider's cleanup fails the "
	  "lease keeps cleanup status failed and lease sweep retries; a provider that does not "
	  "implement release is said to, and nothing is called.",
	  "@leases",
	  "id=$(envctl lease acquire web --json | jq -r .id)\n"
	  "envctl lease release \"$id\" --status failed --reason 'tests failed'",
	  NULL },
	{ "destroy", "ID --yes", "destroy a lease's sandbox at the provider; cannot be undone",
	  NULL, "@leases",
	  "id=$(envctl lease acquire web --json | jq -r .id)\nenvctl lease destroy \"$id\" --yes",
	  NULL },
	{ "sweep", "", "expire, finish and retry what needs it",
	  "Releases active leases past their expiry as expired, finishes leases a crash left "
	  "mid-call, and retries failed cleanups with backoff (at most 5 attempts).",
	  NULL, "envctl lease sweep", NULL },
	{ "exec", "ID %o -- CMD [ARGS...]", "run a command in a lease's sandbox",
	  "Its stdout, stderr and exit code are passed through. Without --cwd it runs in the "
	  "lease's workspace (the one lease workspace realized, else the provider's remoteCwd). "
	  "--env K=secret:NAME passes a secret bound to the environment, resolved for this call "
	  "only and redacted from the output. The fake provider cannot execute: the example "
	  "uses bwrap.",
	  "@leases",
	  "envctl env create box --provider bwrap\n"
	  "id=$(envctl lease acquire box --json | jq -r .id)\n"
	  "envctl lease exec \"$id\" --env GREETING=hi -- sh -c 'echo \"$GREETING\" > f; cat f'",
	  "the command's own exit code; else 2 usage, 3 not found, 6 provider error, 9 timed "
	  "out, 10 not supported" },
	{ "log", "ID", "a lease's exec history, oldest first",
	  "One line per lease exec or shell line: time, exit code, duration, command (redacted "
	  "of the lease's secrets, cut at 1 KiB). --env values are never recorded. --follow "
	  "then prints each new one until interrupted. JSON output is an array of "
	  "{id, createdAt, actor, command, cwd, exitCode, durationMs}; with --follow, one such "
	  "object a line.",
	  "@leases", "envctl lease log \"$id\" --json", NULL },
	{ "workspace", "ID", "realize a workspace in the lease's sandbox and print its cwd", NULL,
	  "@leases", "envctl lease workspace \"$id\" --json", NULL },
	{ "shell", "ID", "a shell in the lease",
	  "On a terminal, for a provider with an interactive shell (bwrap: sh in the sandbox; "
	  "ssh: ssh -t), a real PTY shell; its output is redacted of the lease's secrets and "
	  "stripped of title, clipboard and other non-screen escapes. Otherwise line mode: each "
	  "line read is one execute call (sh -c LINE) in the lease, its output shown with "
	  "terminal escapes made visible; nothing (cd, variables) carries over; \"exit\" or end "
	  "of input leaves.",
	  "@leases", "echo 'uname -s' | envctl lease shell \"$id\"\nenvctl lease destroy \"$id\" --yes",
	  NULL },
	{ NULL, NULL, NULL, NULL, NULL, NULL, NULL },
};

static const CliOptDoc lease_opts[] = {
	{ "--run", "acquire why", "ID", "the heartbeat run the lease is for",
	  "none: an operator's test lease", NULL, false },
	{ "--issue", "acquire", "ID", "the issue the run works on", "none", NULL, false },
	{ "--ttl", "acquire", "SECONDS", "expire the lease after SECONDS",
	  "the provider's expiry, else none", NULL, false },
	{ "--retain-on-failure", "acquire", NULL, "keep the sandbox when released as failed",
	  NULL, NULL, false },
	{ "--explain", "acquire", NULL, "print lease why's reuse report for this acquire", NULL,
	  NULL, false },
	{ "--status", "list", "S", "only leases in status S", "every status",
	  "active released expired failed retained", false },
	{ "--env", "list", "NAME", "only leases of this environment", "every environment",
	  "@envs", false },
	{ "--provider", "list", "KEY", "only leases on this provider", "every provider",
	  "@providers", false },
	{ "--limit", "list", "N", "at most N leases", "no limit", NULL, false },
	{ "--sort", "list", "COL", "order by COL (newest first within one value)", "acquired",
	  "acquired status provider", false },
	{ "--reverse", "list", NULL, "the other way round (acquired: oldest first)", NULL, NULL,
	  false },
	{ "--status", "release", "S", "how the lease ends", "released",
	  "released expired failed", false },
	{ "--reason", "release", "TEXT", "why, kept as the lease's failure reason", "none", NULL,
	  false },
	{ "--yes", "destroy", NULL, "confirm: destroying a sandbox cannot be undone", NULL, NULL,
	  false },
	{ "--timeout", "exec", "MS", "give up after MS milliseconds", "the provider's", NULL,
	  false },
	{ "--cwd", "exec", "DIR", "run in DIR in the sandbox", "the lease's workspace", NULL,
	  false },
	{ "--env", "exec", "K=V", "set a variable (K=secret:NAME: a bound secret)", "none", NULL,
	  true },
	{ "--stdin-file", "exec", "F", "the command's standard input, read from F", "empty",
	  "@file", false },
	{ "--local-path", "workspace", "P", "the host directory the workspace comes from", "none",
	  "@dir", false },
	{ "--remote-path", "workspace", "P", "where the workspace goes in the sandbox",
	  "the provider's", NULL, false },
	{ "--mode", "workspace", "M", "how the provider realizes it (provider-defined)",
	  "the provider's", NULL, false },
	{ "--follow", "log", NULL, "then print each new exec until interrupted", NULL, NULL,
	  false },
	{ "--json", "acquire why list show resume release destroy sweep workspace log", NULL,
	  "print JSON", NULL, NULL, false },
	{ NULL, NULL, NULL, NULL, NULL, NULL, false },
};

static void lease_print_human(const StoreLease *l)
{
	printf("Lease:          %s\n", l->id);
	printf("Environment:    %s\n", l->environment_id);
	printf("Status:         %s%s%s\n", l->status, l->phase ? " — " : "", l->phase ? l->phase : "");
	printf("Policy:         %s\n", l->lease_policy);
	printf("Provider:       %s\n", l->provider);
	printf("Provider lease: %s\n", l->provider_lease_id ? l->provider_lease_id : "-");
	printf("Run / issue:    %s / %s\n", l->heartbeat_run_id ? l->heartbeat_run_id : "-",
	       l->issue_id ? l->issue_id : "-");
	printf("Acquired:       %s\n", l->acquired_at);
	printf("Last used:      %s\n", l->last_used_at);
	printf("Expires:        %s\n", l->expires_at ? l->expires_at : "-");
	printf("Released:       %s\n", l->released_at ? l->released_at : "-");
	printf("Cleanup:        %s%s\n", l->cleanup_status ? l->cleanup_status : "-",
	       l->cleanup_attempts > 1 ? " (retried)" : "");
	if (l->failure_reason)
		printf("Failure:        %s\n", l->failure_reason);
	printf("Metadata:       %s\n", l->metadata_json ? l->metadata_json : "{}");
}

static int lease_print(const StoreLease *l, bool json, const char *extra_key, bool extra)
{
	cJSON *o;

	if (!json) {
		lease_print_human(l);
		return 0;
	}
	o = lease_to_json(l);
	if (o && extra_key)
		cJSON_AddBoolToObject(o, extra_key, extra);
	return cli_print_json(o);
}

static int lease_cmd_acquire(App *app, int argc, char **argv)
{
	const char *run = NULL, *issue = NULL, *ttl = NULL;
	bool json = false, retain = false, explain = false;
	CliOpt opts[] = { { "--run", CLI_VALUE, &run }, { "--issue", CLI_VALUE, &issue },
			  { "--ttl", CLI_VALUE, &ttl }, { "--json", CLI_FLAG, &json },
			  { "--retain-on-failure", CLI_FLAG, &retain },
			  { "--explain", CLI_FLAG, &explain }, { NULL, CLI_FLAG, NULL } };
	LeaseAcquireRequest req;
	LeaseAcquireResult res;
	const char *pos[1];
	int npos;
	Error err;
	char *end = NULL;
	int rc;

	if ((rc = cli_parse(&cli_cmd_lease, "acquire", argc, argv, 2, opts, pos, 1, &npos)))
		return rc;
	if (npos != 1)
		return cli_usage_error(&cli_cmd_lease, "lease acquire: missing ENV");
	memset(&req, 0, sizeof req);
	req.environment = pos[0];
	req.run_id = run;
	req.issue_id = issue;
	req.actor = app_actor(app);
	req.retain_on_failure = retain;
	if (ttl) {
		req.ttl_seconds = strtol(ttl, &end, 10);
		if (*end || req.ttl_seconds <= 0)
			return cli_usage_error(&cli_cmd_lease, "lease acquire: --ttl takes a positive number of seconds, not \"%s\"", ttl);
	}
	error_clear(&err);
	if (lease_acquire(app, &req, &res, &err) != ST_OK)
		return cli_fail(&err);
	if (res.note[0])
		fprintf(stderr, "envctl: note: %s\n", res.note);
	if (!json) {
		printf("%s lease %s (%s)\n", res.resumed ? "Resumed" : "Acquired", res.lease.id,
		       res.lease.provider_lease_id);
		if (explain) {
			char *text = lease_reuse_report_text(&res.reuse, pos[0], run);

			if (text)
				fputs(text, stdout);
			free(text);
		}
		rc = 0;
	} else {
		cJSON *o = lease_to_json(&res.lease);

		if (o) {
			cJSON_AddBoolToObject(o, "resumed", res.resumed);
			if (explain)
				cJSON_AddItemToObject(o, "reuse",
						      lease_reuse_report_json(&res.reuse,
									      res.lease.environment_id,
									      pos[0], run));
		}
		rc = cli_print_json(o);
	}
	lease_acquire_result_clear(&res);
	return rc;
}

static int lease_cmd_why(App *app, int argc, char **argv)
{
	const char *run = NULL, *pos[1];
	bool json = false;
	CliOpt opts[] = { { "--run", CLI_VALUE, &run }, { "--json", CLI_FLAG, &json },
			  { NULL, CLI_FLAG, NULL } };
	LeaseWhy why;
	Error err;
	int rc, npos;

	if ((rc = cli_parse(&cli_cmd_lease, "why", argc, argv, 2, opts, pos, 1, &npos)))
		return rc;
	if (npos != 1)
		return cli_usage_error(&cli_cmd_lease, "lease why: missing ENV");
	error_clear(&err);
	if (lease_why(app, pos[0], run, &why, &err) != ST_OK)
		return cli_fail(&err);
	if (json) {
		rc = cli_print_json(lease_reuse_report_json(&why.report, why.environment_id,
							    why.environment_name, run));
	} else {
		char *text = lease_reuse_report_text(&why.report, why.environment_name, run);

		rc = text ? 0 : status_exit_code(ST_E_NOMEM);
		if (text)
			fputs(text, stdout);
		free(text);
	}
	lease_why_clear(&why);
	return rc;
}

typedef struct LeaseListCtx {
	bool json;
	bool first;
	long rows;
	StoreEnvList envs; /* sorted by id, for names in the human table */
	Buf out; /* JSON waiting for its block (CLI_JSON_BLOCK) */
} LeaseListCtx;


static int lease_env_cmp(const void *a, const void *b)
{
	return strcmp(((const StoreEnvSummary *)a)->env.id, ((const StoreEnvSummary *)b)->env.id);
}

static const char *lease_env_name(const LeaseListCtx *c, const char *id)
{
	StoreEnvSummary key;
	const StoreEnvSummary *hit;

	memset(&key, 0, sizeof key);
	memcpy(key.env.id, id, sizeof key.env.id);
	hit = bsearch(&key, c->envs.items, c->envs.count, sizeof *c->envs.items, lease_env_cmp);
	return hit ? hit->env.name : id;
}

static bool lease_list_row(const StoreLease *l, void *ud)
{
	LeaseListCtx *c = ud;

	if (c->json) {
		if (!buf_puts(&c->out, c->first ? "\n" : ",\n") || !lease_json_write(&c->out, l))
			return false;
		cli_write_buf(&c->out, CLI_JSON_BLOCK);
	} else {
		const char *plid = l->provider_lease_id ? l->provider_lease_id : "-";
		size_t n = strlen(plid);

		/* The tail of a provider lease id is the part that differs. */
		printf("%-36s  %-20.20s %-9s %-20s %-10.10s %s%-*s %.19s\n", l->id,
		       lease_env_name(c, l->environment_id), l->status, l->lease_policy, l->provider,
		       n > 30 ? "..." : "", n > 30 ? 27 : 30, n > 30 ? plid + n - 27 : plid, l->acquired_at);
	}
	c->first = false;
	c->rows++;
	return true;
}

static int lease_cmd_list(App *app, int argc, char **argv)
{
	const char *status = NULL, *env = NULL, *provider = NULL, *limit = NULL, *sort = NULL;
	bool json = false, reverse = false;
	CliOpt opts[] = { { "--status", CLI_VALUE, &status }, { "--env", CLI_VALUE, &env },
			  { "--provider", CLI_VALUE, &provider }, { "--limit", CLI_VALUE, &limit },
			  { "--sort", CLI_VALUE, &sort }, { "--reverse", CLI_FLAG, &reverse },
			  { "--json", CLI_FLAG, &json }, { NULL, CLI_FLAG, NULL } };
	StoreLeaseFilter f;
	LeaseListCtx c = { .first = true };
	StoreEnv e;
	Store *s;
	Error err;
	int rc, npos;

	if ((rc = cli_parse(&cli_cmd_lease, "list", argc, argv, 2, opts, NULL, 0, &npos)))
		return rc;
	memset(&f, 0, sizeof f);
	memset(&e, 0, sizeof e);
	f.status = status;
	f.provider = provider;
	/* The console's leases view orders the same way (its sort keys). */
	if (!sort || strcmp(sort, "acquired") == 0)
		f.oldest_first = reverse;
	else if (strcmp(sort, "status") == 0 || strcmp(sort, "provider") == 0) {
		f.sort = sort[0] == 's' ? STORE_LEASE_SORT_STATUS : STORE_LEASE_SORT_PROVIDER;
		f.sort_desc = reverse;
	} else
		return cli_usage_error(&cli_cmd_lease,
				       "lease list: unknown --sort \"%s\" (one of: acquired, status, "
				       "provider)",
				       sort);
	if (limit) {
		char *end;

		f.limit = strtol(limit, &end, 10);
		if (*end || f.limit < 0)
			return cli_usage_error(&cli_cmd_lease, "lease list: --limit takes a number, not \"%s\"", limit);
	}
	error_clear(&err);
	/* Opened first so that a database that cannot be opened prints
	 * nothing but the error (not the "[" of --json). */
	if (app_store(app, &s, &err) != ST_OK)
		return cli_fail(&err);
	if (env) {
		if (env_get(app, env, &e, &err) != ST_OK)
			return cli_fail(&err);
		f.environment_id = e.id;
	}
	c.json = json;
	if (json) {
		cli_write_raw(STDOUT_FILENO, "[", 1);
	} else {
		if (env_list(app, NULL, &c.envs, &err) != ST_OK) {
			store_env_clear(&e);
			return cli_fail(&err);
		}
		qsort(c.envs.items, c.envs.count, sizeof *c.envs.items, lease_env_cmp);
		printf("%-36s  %-20s %-9s %-20s %-10s %-30s %s\n", "ID", "ENVIRONMENT", "STATUS",
		       "POLICY", "PROVIDER", "PROVIDER LEASE", "ACQUIRED");
	}
	rc = lease_each(app, &f, lease_list_row, &c, &err) == ST_OK ? 0 : -1;
	if (json) {
		cli_write_buf(&c.out, 0);
		cli_write_raw(STDOUT_FILENO, c.first ? "]\n" : "\n]\n", c.first ? 2 : 3);
	} else if (c.rows == 0) {
		printf("(no leases match; acquire one with `envctl lease acquire ENV`)\n");
	}
	buf_clear(&c.out);
	store_env_list_clear(&c.envs);
	store_env_clear(&e);
	return rc == 0 ? 0 : cli_fail(&err);
}

static int lease_cmd_one(App *app, int argc, char **argv)
{
	const char *sub = argv[1], *status = NULL, *reason = NULL;
	bool json = false, yes = false;
	CliOpt opts[] = { { "--json", CLI_FLAG, &json }, { "--status", CLI_VALUE, &status },
			  { "--reason", CLI_VALUE, &reason }, { "--yes", CLI_FLAG, &yes },
			  { NULL, CLI_FLAG, NULL } };
	StoreLease l;
	const char *pos[1];
	char *unsupported;
	Error err;
	Status st;
	int rc, npos;

	if ((rc = cli_parse(&cli_cmd_lease, sub, argc, argv, 2, opts, pos, 1, &npos)))
		return rc;
	if (npos != 1)
		return cli_usage_error(&cli_cmd_lease, "lease %s: missing lease ID", sub);
	if ((status || reason) && strcmp(sub, "release") != 0)
		return cli_usage_error(&cli_cmd_lease, "lease %s: --status and --reason go with release", sub);
	if (yes && strcmp(sub, "destroy") != 0)
		return cli_usage_error(&cli_cmd_lease, "lease %s: --yes goes with destroy", sub);
	error_clear(&err);
	memset(&l, 0, sizeof l);
	if (strcmp(sub, "show") == 0) {
		st = lease_get(app, pos[0], &l, &err);
	} else if (strcmp(sub, "resume") == 0) {
		st = lease_resume(app, pos[0], app_actor(app), &l, &err);
	} else if (strcmp(sub, "release") == 0) {
		st = lease_release(app, pos[0], status ? status : lease_status_text(LEASE_RELEASED),
				   reason, app_actor(app), &l, &err);
	} else {
		if (!yes)
			return cli_usage_error(&cli_cmd_lease,
					       "lease destroy: destroying sandbox of lease %s cannot be undone; add --yes to confirm",
					       pos[0]);
		st = lease_destroy(app, pos[0], app_actor(app), &l, &err);
	}
	if (st != ST_OK) {
		store_lease_clear(&l);
		return cli_fail(&err);
	}
	unsupported = strcmp(sub, "release") == 0 || strcmp(sub, "destroy") == 0
			      ? lease_cleanup_unsupported(&l)
			      : NULL;
	if (!json && unsupported)
		printf("Lease %s is %s; its provider does not implement %s, so nothing was %s.\n",
		       l.id, l.status, unsupported,
		       strcmp(sub, "destroy") == 0 ? "destroyed" : "cleaned up");
	else if (!json && strcmp(sub, "show") != 0)
		printf("Lease %s is %s%s.\n", l.id, strcmp(sub, "destroy") == 0 ? "destroyed and " : "",
		       l.status);
	free(unsupported);
	rc = (json || strcmp(sub, "show") == 0) ? lease_print(&l, json, NULL, false) : 0;
	store_lease_clear(&l);
	return rc;
}

static int lease_cmd_sweep(App *app, int argc, char **argv)
{
	bool json = false;
	CliOpt opts[] = { { "--json", CLI_FLAG, &json }, { NULL, CLI_FLAG, NULL } };
	LeaseSweepReport r;
	Error err;
	int rc, npos;

	if ((rc = cli_parse(&cli_cmd_lease, "sweep", argc, argv, 2, opts, NULL, 0, &npos)))
		return rc;
	error_clear(&err);
	if (lease_sweep(app, app_actor(app), &r, &err) != ST_OK)
		return cli_fail(&err);
	if (json) {
		cJSON *o = cJSON_CreateObject();

		if (o) {
			cJSON_AddNumberToObject(o, "expired", (double)r.expired);
			cJSON_AddNumberToObject(o, "reconciled", (double)r.reconciled);
			cJSON_AddNumberToObject(o, "cleanupRetried", (double)r.cleanup_retried);
			cJSON_AddNumberToObject(o, "cleanupFixed", (double)r.cleanup_fixed);
			cJSON_AddNumberToObject(o, "cleanupGaveUp", (double)r.cleanup_gave_up);
		}
		return cli_print_json(o);
	}
	printf("Sweep: %ld expired, %ld reconciled after a crash, %ld cleanups retried (%ld fixed, %ld given up).\n",
	       r.expired, r.reconciled, r.cleanup_retried, r.cleanup_fixed, r.cleanup_gave_up);
	return 0;
}

static int lease_cmd_exec(App *app, int argc, char **argv)
{
	const char *timeout = NULL, *cwd = NULL, *stdin_file = NULL;
	CliList envs = { NULL, 0, 0 };
	CliOpt opts[] = { { "--timeout", CLI_VALUE, &timeout }, { "--cwd", CLI_VALUE, &cwd },
			  { "--stdin-file", CLI_VALUE, &stdin_file }, { "--env", CLI_MULTI, &envs },
			  { NULL, CLI_FLAG, NULL } };
	const char **env = NULL;
	LeaseExecRequest req;
	ExecResult r;
	Error err;
	char *input = NULL;
	const char **pos;
	int rc, npos;

	/* "--" ends the options; the command and its arguments follow the id
	 * as positionals, NULL-terminated for the provider. */
	pos = calloc((size_t)argc + 1, sizeof *pos);
	if (!pos)
		return status_exit_code(ST_E_NOMEM);
	if ((rc = cli_parse(&cli_cmd_lease, "exec", argc, argv, 2, opts, pos, argc, &npos))) {
		free(pos);
		return rc;
	}
	if (npos < 2) {
		free(pos);
		cli_list_clear(&envs);
		return cli_usage_error(&cli_cmd_lease, "lease exec: missing %s",
				       npos ? "command after --" : "lease ID");
	}
	if (envs.count) {
		env = calloc(envs.count + 1, sizeof *env);
		if (!env) {
			free(pos);
			cli_list_clear(&envs);
			return status_exit_code(ST_E_NOMEM);
		}
		memcpy(env, envs.items, envs.count * sizeof *env);
	}
	memset(&req, 0, sizeof req);
	req.lease_id = pos[0];
	req.command = pos[1];
	req.args = pos + 2;
	req.cwd = cwd;
	req.env = env;
	req.actor = app_actor(app);
	if (timeout) {
		char *end;

		req.timeout_ms = strtol(timeout, &end, 10);
		if (*end || req.timeout_ms <= 0) {
			free(pos);
			free(env);
			cli_list_clear(&envs);
			return cli_usage_error(&cli_cmd_lease, "lease exec: --timeout takes milliseconds, not \"%s\"", timeout);
		}
	}
	error_clear(&err);
	if (stdin_file) {
		input = fs_read_file(stdin_file, NULL, &err);
		if (!input) {
			free(pos);
			free(env);
			cli_list_clear(&envs);
			return cli_fail(&err);
		}
		req.stdin_data = input;
	}
	rc = lease_exec(app, &req, &r, &err);
	free(input);
	free(pos);
	free(env);
	cli_list_clear(&envs);
	if (rc != ST_OK)
		return cli_fail(&err);
	/* The command's own output, passed through as it is. */
	if (r.out)
		cli_write_raw(STDOUT_FILENO, r.out, strlen(r.out));
	if (r.err)
		cli_write_raw(STDERR_FILENO, r.err, strlen(r.err));
	if (r.timed_out) {
		fprintf(stderr, "envctl: command timed out in lease %s\n", req.lease_id);
		rc = status_exit_code(ST_E_TIMEOUT);
	} else if (r.exit_code < 0) {
		fprintf(stderr, "envctl: command ended by signal %s\n", r.signal ? r.signal : "?");
		rc = 128 + 1;
	} else {
		rc = r.exit_code;
	}
	exec_result_clear(&r);
	return rc;
}

static cJSON *lease_log_json(const StoreActivity *a)
{
	cJSON *o = cJSON_CreateObject();

	if (!o)
		return NULL;
	cJSON_AddNumberToObject(o, "id", (double)a->id);
	cJSON_AddStringToObject(o, "createdAt", a->created_at);
	cJSON_AddStringToObject(o, "actor", a->actor ? a->actor : "");
	for (const cJSON *f = a->details ? a->details->child : NULL; f; f = f->next) {
		cJSON *copy = cJSON_Duplicate(f, true);

		if (copy)
			cJSON_AddItemToObject(o, f->string, copy);
	}
	return o;
}

/* Prints rows after *last and moves *last on; false when the reader of
 * stdout went away. */
static bool lease_log_print(const StoreActivityList *l, bool json, bool stream, long long *last)
{
	for (size_t i = 0; i < l->count; i++) {
		const StoreActivity *a = &l->items[i];

		if (json && stream) {
			/* --follow --json: one object a line, as it comes. */
			cJSON *o = lease_log_json(a);
			char *text = o ? cJSON_PrintUnformatted(o) : NULL;

			if (text)
				printf("%s\n", text);
			free(text);
			cJSON_Delete(o);
		} else if (!json) {
			char *line = lease_exec_log_line(a);

			printf("%s\n", line ? line : "(out of memory)");
			free(line);
		}
		*last = a->id;
	}
	return fflush(stdout) == 0 && !ferror(stdout);
}

static int lease_cmd_log(App *app, int argc, char **argv)
{
	bool json = false, follow = false;
	CliOpt opts[] = { { "--json", CLI_FLAG, &json }, { "--follow", CLI_FLAG, &follow },
			  { NULL, CLI_FLAG, NULL } };
	StoreActivityList l;
	const char *pos[1];
	long long last = 0;
	Error err;
	int rc, npos;

	if ((rc = cli_parse(&cli_cmd_lease, "log", argc, argv, 2, opts, pos, 1, &npos)))
		return rc;
	if (npos != 1)
		return cli_usage_error(&cli_cmd_lease, "lease log: missing lease ID");
	error_clear(&err);
	if (lease_exec_log(app, pos[0], 0, &l, &err) != ST_OK)
		return cli_fail(&err);
	if (json && !follow) {
		cJSON *arr = cJSON_CreateArray();

		for (size_t i = 0; arr && i < l.count; i++) {
			cJSON *o = lease_log_json(&l.items[i]);

			if (!o || !cJSON_AddItemToArray(arr, o)) {
				cJSON_Delete(o);
				cJSON_Delete(arr);
				arr = NULL;
			}
		}
		store_activity_list_clear(&l);
		if (!arr)
			return status_exit_code(ST_E_NOMEM);
		return cli_print_json(arr);
	}
	if (!json && l.count == 0 && !follow)
		printf("(no execs in lease %s yet; run one with `envctl lease exec %s -- CMD`)\n",
		       pos[0], pos[0]);
	if (!lease_log_print(&l, json, true, &last) || !follow) {
		store_activity_list_clear(&l);
		return 0;
	}
	store_activity_list_clear(&l);
	/* Another process writes the rows: nothing to wait on but the store. */
	for (;;) {
		struct timespec nap = { 0, 250 * 1000 * 1000 };

		nanosleep(&nap, NULL);
		if (lease_exec_log(app, pos[0], last, &l, &err) != ST_OK)
			return cli_fail(&err);
		if (!lease_log_print(&l, json, true, &last)) {
			store_activity_list_clear(&l);
			return 0; /* the reader went away (a pipe to head) */
		}
		store_activity_list_clear(&l);
	}
}

static int lease_cmd_workspace(App *app, int argc, char **argv)
{
	const char *local = NULL, *remote = NULL, *mode = NULL, *pos[1];
	bool json = false;
	CliOpt opts[] = { { "--local-path", CLI_VALUE, &local }, { "--remote-path", CLI_VALUE, &remote },
			  { "--mode", CLI_VALUE, &mode }, { "--json", CLI_FLAG, &json },
			  { NULL, CLI_FLAG, NULL } };
	cJSON *ws, *out = NULL;
	Error err;
	int rc, npos;

	if ((rc = cli_parse(&cli_cmd_lease, "workspace", argc, argv, 2, opts, pos, 1, &npos)))
		return rc;
	if (npos != 1)
		return cli_usage_error(&cli_cmd_lease, "lease workspace: missing lease ID");
	ws = cJSON_CreateObject();
	if (!ws || (local && !cJSON_AddStringToObject(ws, "localPath", local)) ||
	    (remote && !cJSON_AddStringToObject(ws, "remotePath", remote)) ||
	    (mode && !cJSON_AddStringToObject(ws, "mode", mode))) {
		cJSON_Delete(ws);
		return status_exit_code(ST_E_NOMEM);
	}
	error_clear(&err);
	rc = lease_realize_workspace(app, pos[0], ws, &out, &err);
	cJSON_Delete(ws);
	if (rc != ST_OK)
		return cli_fail(&err);
	if (json)
		return cli_print_json(out);
	printf("Workspace of lease %s: %s\n", pos[0], json_get_string(out, "cwd"));
	cJSON_Delete(out);
	return 0;
}

static int lease_cmd_shell(App *app, int argc, char **argv)
{
	const char *pos[1];
	CliOpt opts[] = { { NULL, CLI_FLAG, NULL } };
	Error err;
	int rc, npos;

	if ((rc = cli_parse(&cli_cmd_lease, "shell", argc, argv, 2, opts, pos, 1, &npos)))
		return rc;
	if (npos < 1)
		return cli_usage_error(&cli_cmd_lease, "lease shell: missing lease ID");
	error_clear(&err);
	if (lease_shell_interactive(app, pos[0]) && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) {
		int code;

		fflush(stdout);
		if (lease_shell_pty(app, pos[0], STDIN_FILENO, STDOUT_FILENO, &code, &err) != ST_OK)
			return cli_fail(&err);
		return 0;
	}
	if (lease_shell_loop(app, pos[0], stdin, stdout, &err) != ST_OK)
		return cli_fail(&err);
	return 0;
}

static int lease_run(App *app, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (!sub)
		return cli_usage_error(&cli_cmd_lease, "lease: missing subcommand");
	if (strcmp(sub, "acquire") == 0)
		return lease_cmd_acquire(app, argc, argv);
	if (strcmp(sub, "why") == 0)
		return lease_cmd_why(app, argc, argv);
	if (strcmp(sub, "list") == 0)
		return lease_cmd_list(app, argc, argv);
	if (strcmp(sub, "show") == 0 || strcmp(sub, "resume") == 0 ||
	    strcmp(sub, "release") == 0 || strcmp(sub, "destroy") == 0)
		return lease_cmd_one(app, argc, argv);
	if (strcmp(sub, "sweep") == 0)
		return lease_cmd_sweep(app, argc, argv);
	if (strcmp(sub, "exec") == 0)
		return lease_cmd_exec(app, argc, argv);
	if (strcmp(sub, "log") == 0)
		return lease_cmd_log(app, argc, argv);
	if (strcmp(sub, "workspace") == 0)
		return lease_cmd_workspace(app, argc, argv);
	if (strcmp(sub, "shell") == 0)
		return lease_cmd_shell(app, argc, argv);
	return cli_usage_error(&cli_cmd_lease, "lease: unknown subcommand \"%s\"", sub);
}

const CliCommand cli_cmd_lease = {
	.name = "lease",
	.summary = "acquire, list, resume, release, destroy, sweep, exec in leases; why no reuse",
	.run = lease_run,
	.subs = lease_subs,
	.opts = lease_opts,
	.notes = "The examples run in order: acquire's create the environments web and ci "
		 "(fake, ci reusing leases), exec's creates box (bwrap), whose lease \"$id\" "
		 "workspace and shell use.",
	.exits = "0 ok, 2 usage, 3 not found, 5 conflict (already released, held by another "
		 "run), 6 provider error, 9 timed out, 10 not supported",
};
