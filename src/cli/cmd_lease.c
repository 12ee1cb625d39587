#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/cli.h"
#include "core/lease.h"
#include "util/fs.h"

static const char lease_usage[] =
	"usage: envctl lease acquire ENV [--run ID] [--issue ID] [--ttl SECONDS]\n"
	"                            [--retain-on-failure] [--json]\n"
	"       envctl lease list [--status S] [--env NAME] [--provider KEY] [--limit N] [--json]\n"
	"       envctl lease show ID [--json]\n"
	"       envctl lease resume ID [--json]\n"
	"       envctl lease release ID [--status released|expired|failed] [--reason TEXT] [--json]\n"
	"       envctl lease destroy ID --yes [--json]\n"
	"       envctl lease sweep [--json]\n"
	"       envctl lease exec ID [--timeout MS] [--cwd DIR] [--stdin-file F] -- CMD [ARGS...]\n"
	"\n"
	"A lease acquired without --run is an operator's test lease: ephemeral, it\n"
	"never resumes another. With --run and reuseLease on in the environment's\n"
	"config, the environment's most recently used matching lease is resumed.\n"
	"`lease exec` passes the command's stdout, stderr and exit code through.\n"
	"Exit codes: 0 ok, 2 usage, 3 not found, 5 conflict (already released),\n"
	"6 provider error, 9 timed out, 10 not supported.\n";

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
	bool json = false, retain = false;
	CliOpt opts[] = { { "run", &run, NULL, NULL }, { "issue", &issue, NULL, NULL },
			  { "ttl", &ttl, NULL, NULL }, { "json", NULL, &json, NULL },
			  { "retain-on-failure", NULL, &retain, NULL }, { NULL, NULL, NULL, NULL } };
	LeaseAcquireRequest req;
	LeaseAcquireResult res;
	CliArgs a;
	Error err;
	char *end = NULL;
	int rc;

	if (!cli_args_parse(&cli_cmd_lease, argc, argv, 2, opts, &a, 1, &rc))
		return rc;
	if (a.npos != 1)
		return cli_usage_error(&cli_cmd_lease, "lease acquire: missing ENV");
	memset(&req, 0, sizeof req);
	req.environment = a.pos[0];
	req.run_id = run;
	req.issue_id = issue;
	req.actor = app->actor;
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
	if (!json)
		printf("%s lease %s (%s)\n", res.resumed ? "Resumed" : "Acquired", res.lease.id,
		       res.lease.provider_lease_id);
	rc = json ? lease_print(&res.lease, true, "resumed", res.resumed) : 0;
	lease_acquire_result_clear(&res);
	return rc;
}

typedef struct LeaseListCtx {
	bool json;
	bool first;
	long rows;
} LeaseListCtx;

static bool lease_list_row(const StoreLease *l, void *ud)
{
	LeaseListCtx *c = ud;

	if (c->json) {
		cJSON *o = lease_to_json(l);
		char *text = o ? cJSON_PrintUnformatted(o) : NULL;

		cJSON_Delete(o);
		if (!text)
			return false;
		fputs(c->first ? "\n" : ",\n", stdout);
		fputs(text, stdout);
		free(text);
	} else {
		printf("%-36s  %-36s  %-9s %-20s %-10s %-24s %s\n", l->id, l->environment_id,
		       l->status, l->lease_policy, l->provider,
		       l->provider_lease_id ? l->provider_lease_id : "-", l->acquired_at);
	}
	c->first = false;
	c->rows++;
	return true;
}

static int lease_cmd_list(App *app, int argc, char **argv)
{
	const char *status = NULL, *env = NULL, *provider = NULL, *limit = NULL;
	bool json = false;
	CliOpt opts[] = { { "status", &status, NULL, NULL }, { "env", &env, NULL, NULL },
			  { "provider", &provider, NULL, NULL }, { "limit", &limit, NULL, NULL },
			  { "json", NULL, &json, NULL }, { NULL, NULL, NULL, NULL } };
	StoreLeaseFilter f;
	LeaseListCtx c = { .first = true };
	StoreEnv e;
	Store *s;
	CliArgs a;
	Error err;
	int rc;

	if (!cli_args_parse(&cli_cmd_lease, argc, argv, 2, opts, &a, 0, &rc))
		return rc;
	memset(&f, 0, sizeof f);
	memset(&e, 0, sizeof e);
	f.status = status;
	f.provider = provider;
	if (limit) {
		char *end;

		f.limit = strtol(limit, &end, 10);
		if (*end || f.limit < 0)
			return cli_usage_error(&cli_cmd_lease, "lease list: --limit takes a number, not \"%s\"", limit);
	}
	error_clear(&err);
	if (app_store(app, &s, &err) != ST_OK)
		return cli_fail(&err);
	if (env) {
		if (store_env_get(s, env, &e, &err) != ST_OK)
			return cli_fail(&err);
		f.environment_id = e.id;
	}
	c.json = json;
	if (json)
		fputs("[", stdout);
	else
		printf("%-36s  %-36s  %-9s %-20s %-10s %-24s %s\n", "ID", "ENVIRONMENT", "STATUS",
		       "POLICY", "PROVIDER", "PROVIDER LEASE", "ACQUIRED");
	rc = store_lease_each(s, &f, lease_list_row, &c, &err) == ST_OK ? 0 : -1;
	if (json)
		fputs(c.first ? "]\n" : "\n]\n", stdout);
	store_env_clear(&e);
	return rc == 0 ? 0 : cli_fail(&err);
}

static int lease_cmd_one(App *app, int argc, char **argv)
{
	const char *sub = argv[1], *status = NULL, *reason = NULL;
	bool json = false, yes = false;
	CliOpt opts[] = { { "json", NULL, &json, NULL }, { "status", &status, NULL, NULL },
			  { "reason", &reason, NULL, NULL }, { "yes", NULL, &yes, NULL },
			  { NULL, NULL, NULL, NULL } };
	StoreLease l;
	Store *s;
	CliArgs a;
	Error err;
	Status st;
	int rc;

	if (!cli_args_parse(&cli_cmd_lease, argc, argv, 2, opts, &a, 1, &rc))
		return rc;
	if (a.npos != 1)
		return cli_usage_error(&cli_cmd_lease, "lease %s: missing lease ID", sub);
	if ((status || reason) && strcmp(sub, "release") != 0)
		return cli_usage_error(&cli_cmd_lease, "lease %s: --status and --reason go with release", sub);
	if (yes && strcmp(sub, "destroy") != 0)
		return cli_usage_error(&cli_cmd_lease, "lease %s: --yes goes with destroy", sub);
	error_clear(&err);
	memset(&l, 0, sizeof l);
	if (strcmp(sub, "show") == 0) {
		st = app_store(app, &s, &err) == ST_OK ? store_lease_get(s, a.pos[0], &l, &err) : err.status;
	} else if (strcmp(sub, "resume") == 0) {
		st = lease_resume(app, a.pos[0], app->actor, &l, &err);
	} else if (strcmp(sub, "release") == 0) {
		st = lease_release(app, a.pos[0], status ? status : "released", reason, app->actor, &l, &err);
	} else {
		if (!yes)
			return cli_usage_error(&cli_cmd_lease,
					       "lease destroy: destroying sandbox of lease %s cannot be undone; add --yes to confirm",
					       a.pos[0]);
		st = lease_destroy(app, a.pos[0], app->actor, &l, &err);
	}
	if (st != ST_OK) {
		store_lease_clear(&l);
		return cli_fail(&err);
	}
	if (!json && strcmp(sub, "show") != 0)
		printf("Lease %s is %s%s.\n", l.id, strcmp(sub, "destroy") == 0 ? "destroyed and " : "",
		       l.status);
	rc = (json || strcmp(sub, "show") == 0) ? lease_print(&l, json, NULL, false) : 0;
	store_lease_clear(&l);
	return rc;
}

static int lease_cmd_sweep(App *app, int argc, char **argv)
{
	bool json = false;
	CliOpt opts[] = { { "json", NULL, &json, NULL }, { NULL, NULL, NULL, NULL } };
	LeaseSweepReport r;
	CliArgs a;
	Error err;
	int rc;

	if (!cli_args_parse(&cli_cmd_lease, argc, argv, 2, opts, &a, 0, &rc))
		return rc;
	error_clear(&err);
	if (lease_sweep(app, app->actor, &r, &err) != ST_OK)
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
	CliOpt opts[] = { { "timeout", &timeout, NULL, NULL }, { "cwd", &cwd, NULL, NULL },
			  { "stdin-file", &stdin_file, NULL, NULL }, { NULL, NULL, NULL, NULL } };
	LeaseExecRequest req;
	ExecResult r;
	CliArgs a;
	Error err;
	char *input = NULL;
	int rc;

	if (!cli_args_parse(&cli_cmd_lease, argc, argv, 2, opts, &a, 1, &rc))
		return rc;
	if (a.npos != 1)
		return cli_usage_error(&cli_cmd_lease, "lease exec: missing lease ID");
	if (a.nrest < 1)
		return cli_usage_error(&cli_cmd_lease, "lease exec: missing command after --");
	memset(&req, 0, sizeof req);
	req.lease_id = a.pos[0];
	req.command = a.rest[0];
	req.args = (const char *const *)(a.rest + 1);
	req.cwd = cwd;
	req.actor = app->actor;
	if (timeout) {
		char *end;

		req.timeout_ms = strtol(timeout, &end, 10);
		if (*end || req.timeout_ms <= 0)
			return cli_usage_error(&cli_cmd_lease, "lease exec: --timeout takes milliseconds, not \"%s\"", timeout);
	}
	error_clear(&err);
	if (stdin_file) {
		input = fs_read_file(stdin_file, NULL, &err);
		if (!input)
			return cli_fail(&err);
		req.stdin_data = input;
	}
	rc = lease_exec(app, &req, &r, &err);
	free(input);
	if (rc != ST_OK)
		return cli_fail(&err);
	if (r.out)
		fputs(r.out, stdout);
	if (r.err)
		fputs(r.err, stderr);
	if (r.timed_out) {
		fprintf(stderr, "envctl: command timed out in lease %s\n", req.lease_id);
		rc = status_exit_code(ST_E_TIMEOUT);
	} else if (r.exit_code < 0) {
		fprintf(stderr, "envctl: command ended by signal %s\n", r.signal ? r.signal : "?");
		rc = 128 + 1;
	} else {
		rc = r.exit_code;
	}
	exec_result_free(&r);
	return rc;
}

static int lease_run(App *app, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (!sub)
		return cli_usage_error(&cli_cmd_lease, "lease: missing subcommand");
	if (strcmp(sub, "acquire") == 0)
		return lease_cmd_acquire(app, argc, argv);
	if (strcmp(sub, "list") == 0)
		return lease_cmd_list(app, argc, argv);
	if (strcmp(sub, "show") == 0 || strcmp(sub, "resume") == 0 ||
	    strcmp(sub, "release") == 0 || strcmp(sub, "destroy") == 0)
		return lease_cmd_one(app, argc, argv);
	if (strcmp(sub, "sweep") == 0)
		return lease_cmd_sweep(app, argc, argv);
	if (strcmp(sub, "exec") == 0)
		return lease_cmd_exec(app, argc, argv);
	return cli_usage_error(&cli_cmd_lease, "lease: unknown subcommand \"%s\"", sub);
}

const CliCommand cli_cmd_lease = {
	.name = "lease",
	.summary = "acquire, list, resume, release, destroy, sweep and exec leases",
	.usage = lease_usage,
	.run = lease_run,
};
