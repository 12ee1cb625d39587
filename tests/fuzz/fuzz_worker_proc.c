/* libFuzzer target for a real worker process, end to end: the fake worker
 * (build/fuzz/fake_worker, next to this binary) answers initialize, then
 * writes the fuzz input as its stdout ("@ID" becomes the id of the call it
 * was asked) and exits. The first input byte picks the provider operation
 * (validate, probe, acquire, resume, release, destroy, realize, execute),
 * so the worker runtime's reading and the plugin provider's parsing of
 * every result shape are both under test. Invariants: a failed call says
 * why, naming the plugin; a successful one hands back well-formed results
 * (strings where strings are promised). */
#include <limits.h>

#include "core/provider_plugin.h"
#include "fuzz_util.h"
#include "util/fs.h"

static PluginHost *fz_host;
static PluginManifest *fz_manifest;
static Provider *fz_provider;
static char fz_input[600];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	PluginHostOptions opts = { .host_version = "fuzz",
				   .default_timeout_ms = 5000,
				   .kill_grace_ms = 200,
				   .backoff_base_ms = 1,
				   .backoff_max_ms = 1,
				   .log_max_bytes = 64 * 1024 };
	char *exe = fs_exe_dir(), *worker, logdir[600], text[2048];
	PluginWorker *w;

	FUZZ_ASSERT(exe);
	worker = fs_join(exe, "fake_worker");
	FUZZ_ASSERT(worker);
	if (access(worker, X_OK) != 0) {
		fprintf(stderr, "fuzz_worker_proc: %s is missing (make build/fuzz/fake_worker)\n",
			worker);
		abort();
	}
	snprintf(fz_input, sizeof fz_input, "%s/stdout", fuzz_tmpdir());
	setenv("FUZZ_WORKER_INPUT", fz_input, 1);
	snprintf(logdir, sizeof logdir, "%s/logs", fuzz_tmpdir());
	opts.log_dir = logdir;
	snprintf(text, sizeof text,
		 "{\"id\":\"fuzz.proc\",\"name\":\"Fuzz\",\"version\":\"1.0.0\",\"apiVersion\":1,"
		 "\"worker\":[\"%s\"],\"inheritEnv\":[\"FUZZ_WORKER_INPUT\"],"
		 "\"environmentDrivers\":[{\"driverKey\":\"fuzzp\",\"kind\":\"sandbox_provider\","
		 "\"displayName\":\"F\",\"configSchema\":{\"type\":\"object\"}}]}",
		 worker);
	fz_manifest = plugin_manifest_from_json(exe, cJSON_Parse(text));
	FUZZ_ASSERT(fz_manifest && plugin_manifest_ok(fz_manifest));
	fz_host = plugin_host_new(&opts);
	FUZZ_ASSERT(fz_host);
	w = plugin_host_add(fz_host, fz_manifest);
	FUZZ_ASSERT(w);
	fz_provider = provider_plugin_new(fz_host, w, fz_manifest, &fz_manifest->drivers[0]);
	FUZZ_ASSERT(fz_provider);
	free(worker);
	free(exe);
	return 0;
}

static void check_error(Status st, const Error *err)
{
	if (st != ST_OK)
		FUZZ_ASSERT(err->msg[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Provider *p = fz_provider;
	cJSON *config = cJSON_Parse("{\"provider\":\"fuzzp\",\"timeoutMs\":1000,\"reuseLease\":true}");
	cJSON *meta = cJSON_Parse("{\"provider\":\"fuzzp\",\"reuseLease\":true}");
	LeaseInput li = { .config = config, .environment_id = "env-1",
			  .provider_lease_id = "lease-1", .lease_metadata = meta,
			  .status = "released" };
	Error err;
	Status st = ST_OK;
	int op;

	if (size == 0 || size > 1 << 20) {
		cJSON_Delete(config);
		cJSON_Delete(meta);
		return 0;
	}
	op = data[0] % 8;
	fuzz_write_file(fz_input, (const char *)data + 1, size - 1);
	error_clear(&err);
	switch (op) {
	case 0: {
		ValidateResult r;

		memset(&r, 0, sizeof r);
		st = p->ops->validate_config(p, config, &r, &err);
		validate_result_clear(&r);
		break;
	}
	case 1: {
		ProbeResult r;

		memset(&r, 0, sizeof r);
		st = p->ops->probe(p, config, NULL, &r, &err);
		if (st == ST_OK)
			FUZZ_ASSERT(r.summary != NULL);
		probe_result_clear(&r);
		break;
	}
	case 2:
	case 3: {
		AcquireInput ai = { .config = config, .environment_id = "env-1", .run_id = "run-1",
				    .lease_id = "00000000-0000-4000-8000-000000000001" };
		LeaseHandle h;

		memset(&h, 0, sizeof h);
		st = op == 2 ? p->ops->acquire_lease(p, &ai, &h, &err)
			     : p->ops->resume_lease(p, &li, &h, &err);
		if (st == ST_OK && op == 2)
			FUZZ_ASSERT(h.provider_lease_id && h.provider_lease_id[0]);
		lease_handle_clear(&h);
		break;
	}
	case 4:
		st = p->ops->release_lease(p, &li, &err);
		break;
	case 5:
		st = p->ops->destroy_lease(p, &li, &err);
		break;
	case 6: {
		cJSON *out = NULL, *ws = cJSON_Parse("{\"cwd\":\"/work\"}");

		st = p->ops->realize_workspace ? p->ops->realize_workspace(p, &li, ws, &out, &err)
					       : ST_OK;
		cJSON_Delete(out);
		cJSON_Delete(ws);
		break;
	}
	default: {
		const char *args[] = { "-c", "true", NULL };
		ExecInput ei = { .config = config, .environment_id = "env-1",
				 .provider_lease_id = "lease-1", .lease_metadata = meta,
				 .command = "sh", .args = args, .timeout_ms = 1000 };
		ExecResult r;

		memset(&r, 0, sizeof r);
		st = p->ops->execute ? p->ops->execute(p, &ei, &r, &err) : ST_OK;
		if (st == ST_OK)
			FUZZ_ASSERT(r.out && r.err);
		exec_result_clear(&r);
		break;
	}
	}
	check_error(st, &err);
	/* The worker has exited; its I/O thread may still be logging why. Join
	 * it, so the next input starts afresh and the leak check after this one
	 * does not catch that thread's buffers in flight. */
	plugin_worker_stop(provider_plugin_worker(p));
	cJSON_Delete(config);
	cJSON_Delete(meta);
	return 0;
}
