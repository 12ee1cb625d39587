/* libFuzzer target for the worker's stdout line handler, in process: the
 * input is what a plugin writes to stdout, split at newlines, and each line
 * goes through plugin_handle_line exactly as the I/O thread feeds it, with
 * three calls in flight (ids 1-3). worker.c is compiled into this harness
 * (its handler is static); the library's copy is then never linked.
 * Invariants: a refused line always says why; an answered call has a
 * result on success and a message on failure; the host's answers to the
 * worker's requests are JSON-RPC lines. */
#include "../../src/plugin/worker.c"

#include "fuzz_util.h"

static PluginHost *fz_host;
static PluginWorker *fz_worker;
static PluginManifest *fz_manifest;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	PluginHostOptions opts = { .host_version = "fuzz", .log_max_bytes = 64 * 1024 };
	char logdir[600];
	cJSON *json = cJSON_Parse(
		"{\"id\":\"fuzz.worker\",\"name\":\"Fuzz\",\"version\":\"1.0.0\",\"apiVersion\":1,"
		"\"worker\":[\"/bin/true\"],\"environmentDrivers\":[{\"driverKey\":\"fuzzw\","
		"\"kind\":\"sandbox_provider\",\"displayName\":\"F\",\"configSchema\":{}}]}");

	snprintf(logdir, sizeof logdir, "%s/logs", fuzz_tmpdir());
	opts.log_dir = logdir;
	fz_manifest = plugin_manifest_from_json(fuzz_tmpdir(), json);
	fz_host = plugin_host_new(&opts);
	FUZZ_ASSERT(fz_manifest && fz_host);
	fz_worker = plugin_host_add(fz_host, fz_manifest);
	FUZZ_ASSERT(fz_worker);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const methods[] = { "initialize", "environmentProbe", "health" };
	PluginCallSlot slots[3];
	PluginWorker *w = fz_worker;
	size_t start = 0;

	memset(slots, 0, sizeof slots);
	memset(w->answered, 0, sizeof w->answered);
	w->answered_pos = 0;
	w->calls = NULL;
	for (int i = 2; i >= 0; i--) {
		slots[i].id = i + 1;
		slots[i].method = methods[i];
		slots[i].next = w->calls;
		w->calls = &slots[i];
	}
	for (size_t i = 0; i <= size; i++) {
		char cause[600] = "";

		if (i < size && data[i] != '\n')
			continue;
		{
			/* The I/O thread hands over the line's bytes (NULs included)
			 * with a NUL after them. */
			size_t len = i - start;
			char *line = malloc(len + 1);

			FUZZ_ASSERT(line);
			memcpy(line, data + start, len);
			line[len] = 0;
			if (!plugin_handle_line(w, line, len, cause, sizeof cause))
				FUZZ_ASSERT(cause[0]);
			free(line);
		}
		start = i + 1;
	}
	for (int i = 0; i < 3; i++) {
		if (slots[i].done) {
			if (slots[i].status == ST_OK)
				FUZZ_ASSERT(slots[i].result != NULL);
			else
				FUZZ_ASSERT(slots[i].msg[0]);
		}
		cJSON_Delete(slots[i].result);
	}
	w->calls = NULL;
	/* Every queued answer is one JSON-RPC line. */
	for (size_t off = 0; off < w->outq.len;) {
		const char *nl = memchr(w->outq.data + off, '\n', w->outq.len - off);
		cJSON *msg;

		FUZZ_ASSERT(nl != NULL);
		msg = cJSON_ParseWithLength(w->outq.data + off, (size_t)(nl - (w->outq.data + off)));
		FUZZ_ASSERT(msg && !strcmp(json_get_string(msg, "jsonrpc"), "2.0"));
		cJSON_Delete(msg);
		off = (size_t)(nl - w->outq.data) + 1;
	}
	buf_reset(&w->outq);
	w->outq_off = 0;
	return 0;
}
