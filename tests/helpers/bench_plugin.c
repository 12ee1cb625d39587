/* `make bench` figures for the plugin runtime, against the test worker:
 *   1. the median round trip of a no-op call (`health`), 1000 calls;
 *   2. probing 100 environments whose probe sleeps 100 ms, serially and
 *      through core/parallel with 16 calls in flight on one worker.
 * Usage: bench_plugin TEST_WORKER [SCRATCH_DIR] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/parallel.h"
#include "plugin/lib.h"
#include "util/fs.h"

#define NOOP_CALLS 1000
#define PROBES 100
#define PROBE_SLEEP_MS 100
#define IN_FLIGHT 16

typedef struct Bench {
	PluginWorker *w;
	cJSON *probe_params;
	int failures;
	char last_error[1024];
} Bench;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void probe_one(size_t index, void *ud)
{
	Bench *b = ud;
	cJSON *result = NULL;
	Error err;

	(void)index;
	error_clear(&err);
	if (plugin_worker_call(b->w, "environmentProbe", b->probe_params, 0, &result, &err) !=
	    ST_OK) {
		__atomic_add_fetch(&b->failures, 1, __ATOMIC_RELAXED);
		snprintf(b->last_error, sizeof b->last_error, "%s", err.msg);
	}
	cJSON_Delete(result);
}

static void probe_done(size_t index, void *ud)
{
	(void)index;
	(void)ud;
}

int main(int argc, char **argv)
{
	const char *worker = argc > 1 ? argv[1] : NULL;
	char tmpl[] = "/tmp/envctl-bench-plugin-XXXXXX";
	const char *dir = argc > 2 ? argv[2] : mkdtemp(tmpl);
	PluginHostOptions opts = { .host_version = "bench" };
	ParallelOps ops = { .run = probe_one, .done = probe_done };
	double times[NOOP_CALLS], t0, serial, parallel;
	char *folder, *path, *logs;
	PluginManifest *m;
	PluginHost *host;
	Bench b;
	Error err;
	FILE *f;

	if (!worker || !dir) {
		fprintf(stderr, "usage: bench_plugin TEST_WORKER [SCRATCH_DIR]\n");
		return 2;
	}
	folder = fs_join(dir, "bench-plugin");
	path = fs_join(folder, "manifest.json");
	logs = fs_join(dir, "logs");
	error_clear(&err);
	fs_mkdir_p(folder, 0700, &err);
	f = fopen(path, "w");
	if (!f)
		return 1;
	fprintf(f, "{\"id\":\"bench\",\"name\":\"Bench\",\"version\":\"1\",\"apiVersion\":1,"
		   "\"worker\":[\"%s\"],\"environmentDrivers\":[]}\n",
		worker);
	fclose(f);
	m = plugin_manifest_load(folder);
	opts.log_dir = logs;
	host = plugin_host_new(&opts);
	memset(&b, 0, sizeof b);
	b.w = plugin_host_add(host, m);
	b.probe_params = cJSON_Parse("{\"driverKey\":\"bench\",\"config\":{\"sleepMs\":100}}");
	if (!b.w || plugin_worker_start(b.w, &err) != ST_OK) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return 1;
	}
	for (int i = 0; i < NOOP_CALLS; i++) {
		cJSON *r = NULL;

		t0 = now_ms();
		if (plugin_worker_call(b.w, "health", NULL, 0, &r, &err) != ST_OK) {
			fprintf(stderr, "bench: %s\n", err.msg);
			return 1;
		}
		times[i] = now_ms() - t0;
		cJSON_Delete(r);
	}
	qsort(times, NOOP_CALLS, sizeof times[0], cmp_double);
	printf("no-op call round trip (health, %d calls): median %.1f us, p90 %.1f us, "
	       "p99 %.1f us\n",
	       NOOP_CALLS, times[NOOP_CALLS / 2] * 1000, times[NOOP_CALLS * 9 / 10] * 1000,
	       times[NOOP_CALLS * 99 / 100] * 1000);
	t0 = now_ms();
	for (size_t i = 0; i < PROBES; i++)
		probe_one(i, &b);
	serial = now_ms() - t0;
	t0 = now_ms();
	if (parallel_run(PROBES, IN_FLIGHT, &ops, &b, &err) != ST_OK) {
		fprintf(stderr, "bench: %s\n", err.msg);
		return 1;
	}
	parallel = now_ms() - t0;
	printf("%d probes sleeping %d ms: serial %.0f ms, %d in flight %.0f ms (target < 1000 ms)\n",
	       PROBES, PROBE_SLEEP_MS, serial, IN_FLIGHT, parallel);
	if (b.failures)
		fprintf(stderr, "bench: %d probe calls failed, last: %s\n", b.failures, b.last_error);
	cJSON_Delete(b.probe_params);
	plugin_host_free(host);
	plugin_manifest_free(m);
	free(folder);
	free(path);
	free(logs);
	return b.failures || parallel >= 1000 ? 1 : 0;
}
