/* "flaky": a test provider whose sandboxes are files in a state directory
 * and whose every step can be told to fail, return nothing or sleep —
 * through environment variables, so the same behaviour drives the unit
 * suites and the CLI (envctl_flaky) across process boundaries:
 *   FLAKY_STATE      directory holding one file per live sandbox (required)
 *   FLAKY_ACQUIRE    ok | fail | noid
 *   FLAKY_RESUME     ok | gone | fail
 *   FLAKY_RELEASE    ok | fail
 *   FLAKY_DESTROY    ok | fail
 *   FLAKY_PROBE      ok | fail | echo (the summary echoes the token)
 *   FLAKY_SLEEP_MS   sleep in probe and acquire
 * Its config has a secret field, token, which acquire echoes into the
 * lease metadata and execute prints — what a careless plugin might do. */
#ifndef ENVCTL_TESTS_FLAKYPROV_H
#define ENVCTL_TESTS_FLAKYPROV_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/registry.h"
#include "util/ids.h"
#include "util/json.h"

#define FLAKY_KEY "flaky"

static const char flaky_schema_text[] =
	"{\"type\":\"object\",\"properties\":{"
	"\"size\":{\"type\":\"string\",\"enum\":[\"s\",\"m\",\"l\"],\"default\":\"s\"},"
	"\"token\":{\"type\":\"string\",\"format\":\"secret-ref\"},"
	"\"reuseLease\":{\"type\":\"boolean\",\"default\":false}}}";

static const char *flaky_mode(const char *var)
{
	const char *v = getenv(var);

	return v && v[0] ? v : "ok";
}

static void flaky_sleep(void)
{
	long ms = getenv("FLAKY_SLEEP_MS") ? atol(getenv("FLAKY_SLEEP_MS")) : 0;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	if (ms > 0)
		nanosleep(&ts, NULL);
}

static void flaky_path(const char *id, char *out, size_t n)
{
	const char *state = getenv("FLAKY_STATE");
	const char *slash = strrchr(id, '/');

	snprintf(out, n, "%s/%s", state ? state : "/nonexistent", slash ? slash + 1 : id);
}

static Status flaky_probe(Provider *p, const cJSON *config, const char *environment_id,
			  ProbeResult *out, Error *err)
{
	const char *mode = flaky_mode("FLAKY_PROBE");
	char buf[256];

	(void)p;
	memset(out, 0, sizeof *out);
	flaky_sleep();
	if (strcmp(mode, "fail") == 0)
		return error_set(err, ST_E_PROVIDER, "flaky: probe refused with token %s",
				 json_get_string(config, "token") ? json_get_string(config, "token") : "-");
	snprintf(buf, sizeof buf, "flaky ready (%s)",
		 strcmp(mode, "echo") == 0 && json_get_string(config, "token") ? json_get_string(config, "token") : "size ok");
	out->ok = true;
	out->summary = strdup(buf);
	out->details = cJSON_CreateObject();
	cJSON_AddItemToObject(out->details, "config", cJSON_Duplicate(config, 1));
	return ST_OK;
}

static cJSON *flaky_meta(const cJSON *config)
{
	cJSON *m = cJSON_Duplicate(config, 1);

	json_set_bool(m, "reuseLease", json_is_true(config, "reuseLease"));
	return m;
}

static Status flaky_acquire(Provider *p, const AcquireInput *in, LeaseHandle *out, Error *err)
{
	const char *mode = flaky_mode("FLAKY_ACQUIRE");
	char uuid[UUID_STR_LEN], id[128], path[512];
	FILE *f;

	(void)p;
	memset(out, 0, sizeof *out);
	flaky_sleep();
	if (strcmp(mode, "fail") == 0)
		return error_set(err, ST_E_PROVIDER, "flaky: out of capacity (token %s)",
				 json_get_string(in->config, "token") ? json_get_string(in->config, "token") : "-");
	if (strcmp(mode, "noid") == 0)
		return ST_OK;
	/* Named after the host's lease id when there is one, so a destroy
	 * that knows only that id can find it after a crash. */
	if (in->lease_id)
		snprintf(uuid, sizeof uuid, "%s", in->lease_id);
	else
		id_new(uuid);
	snprintf(id, sizeof id, "flaky://%s", uuid);
	flaky_path(id, path, sizeof path);
	f = fopen(path, "w");
	if (!f)
		return error_set(err, ST_E_PROVIDER, "flaky: cannot create %s", path);
	fclose(f);
	out->provider_lease_id = strdup(id);
	out->metadata = flaky_meta(in->config);
	return ST_OK;
}

static Status flaky_resume(Provider *p, const LeaseInput *in, LeaseHandle *out, Error *err)
{
	const char *mode = flaky_mode("FLAKY_RESUME");
	char path[512];

	(void)p;
	memset(out, 0, sizeof *out);
	if (strcmp(mode, "fail") == 0)
		return error_set(err, ST_E_PROVIDER, "flaky: resume timed out");
	flaky_path(in->provider_lease_id, path, sizeof path);
	if (strcmp(mode, "gone") == 0 || access(path, F_OK) != 0)
		return ST_OK;
	out->provider_lease_id = strdup(in->provider_lease_id);
	out->metadata = flaky_meta(in->config);
	json_set_bool(out->metadata, "resumedLease", true);
	return ST_OK;
}

static Status flaky_release(Provider *p, const LeaseInput *in, Error *err)
{
	char path[512];

	(void)p;
	if (strcmp(flaky_mode("FLAKY_RELEASE"), "fail") == 0)
		return error_set(err, ST_E_PROVIDER, "flaky: release failed");
	/* Reuse sandboxes outlive their lease; others go with it. */
	if (in->provider_lease_id && !json_is_true(in->config, "reuseLease")) {
		flaky_path(in->provider_lease_id, path, sizeof path);
		unlink(path);
	}
	return ST_OK;
}

static Status flaky_destroy(Provider *p, const LeaseInput *in, Error *err)
{
	char path[512];

	(void)p;
	const char *host_id = json_get_string(in->lease_metadata, "envctlLeaseId");

	if (strcmp(flaky_mode("FLAKY_DESTROY"), "fail") == 0)
		return error_set(err, ST_E_PROVIDER, "flaky: destroy failed");
	if (in->provider_lease_id || host_id) {
		flaky_path(in->provider_lease_id ? in->provider_lease_id : host_id, path, sizeof path);
		unlink(path);
	}
	return ST_OK;
}

static Status flaky_execute(Provider *p, const ExecInput *in, ExecResult *out, Error *err)
{
	char buf[512];

	(void)p;
	(void)err;
	memset(out, 0, sizeof *out);
	snprintf(buf, sizeof buf, "ran %s with token %s\n", in->command,
		 json_get_string(in->config, "token") ? json_get_string(in->config, "token") : "-");
	out->out = strdup(buf);
	out->err = strdup("");
	out->exit_code = 3;
	return ST_OK;
}

static const ProviderOps flaky_ops = {
	.probe = flaky_probe,
	.acquire_lease = flaky_acquire,
	.resume_lease = flaky_resume,
	.release_lease = flaky_release,
	.destroy_lease = flaky_destroy,
	.execute = flaky_execute,
};

static Status flaky_register(Registry *r, Error *err)
{
	cJSON *schema = cJSON_Parse(flaky_schema_text);
	Provider *p;

	if (!schema)
		return error_set(err, ST_E_FAIL, "flaky schema does not parse");
	p = provider_new(&flaky_ops, FLAKY_KEY, "Flaky (test)", "Test provider that fails on demand",
			 PROVIDER_PLUGIN, PROVIDER_CAP_EXECUTE | PROVIDER_CAP_REUSABLE_LEASES, schema,
			 "test", NULL);
	if (!p) {
		cJSON_Delete(schema);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	return registry_add(r, p, err);
}

#endif
