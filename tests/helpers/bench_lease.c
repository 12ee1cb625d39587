/* Lease benchmarks through the core API (what both front ends call):
 *   bench_lease DB cycle N        N acquire+release pairs on the fake provider
 *   bench_lease DB reuse N        N acquires with reuse on (each resumes)
 *   bench_lease DB why N          N reuse lookups (`lease why`: the evaluation
 *                                 an acquire makes, without its writes)
 *   bench_lease DB plan NAME...   the query plan of each named store query
 *                                 (store_plan), one "NAME: detail" per line
 * Prints one line of figures; with BENCH_MS=1 only the wall time in ms.
 * The database must hold an environment named "bench" (fake, reuseLease
 * true). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/lease.h"
#include "util/ids.h"

static int64_t bench_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	App app;
	Error err;
	long n;
	int64_t t0, t1;
	char run[64];

	if (argc < 4 || sodium_init() < 0) {
		fprintf(stderr, "usage: bench_lease DB cycle|reuse|why N | DB plan NAME...\n");
		return 2;
	}
	n = atol(argv[3]);
	error_clear(&err);
	if (app_init(&app, argv[1], &err) != ST_OK || app_set_actor(&app, "bench", &err) != ST_OK) {
		fprintf(stderr, "bench_lease: %s\n", err.msg);
		return 1;
	}
	if (strcmp(argv[2], "plan") == 0) {
		Store *s;

		if (app_store(&app, &s, &err) != ST_OK) {
			fprintf(stderr, "bench_lease: %s\n", err.msg);
			return 1;
		}
		for (int i = 3; i < argc; i++) {
			char *plan = NULL;

			if (store_plan(s, argv[i], &plan, &err) != ST_OK) {
				fprintf(stderr, "bench_lease: %s\n", err.msg);
				return 1;
			}
			for (char *line = strtok(plan, "\n"); line; line = strtok(NULL, "\n"))
				printf("%s: %s\n", argv[i], line);
			free(plan);
		}
		app_clear(&app);
		return 0;
	}
	t0 = time_now_ms();
	if (strcmp(argv[2], "why") == 0) {
		int64_t u0 = bench_now_us();

		for (long i = 0; i < n; i++) {
			LeaseWhy w;

			snprintf(run, sizeof run, "why-%ld", i);
			if (lease_why(&app, "bench", run, &w, &err) != ST_OK) {
				fprintf(stderr, "bench_lease: %s\n", err.msg);
				return 1;
			}
			lease_why_clear(&w);
		}
		printf("%.4f\n", (double)(bench_now_us() - u0) / 1000.0 / (double)n);
		app_clear(&app);
		return 0;
	}
	for (long i = 0; i < n; i++) {
		LeaseAcquireRequest req = { .environment = "bench", .actor = "bench" };
		LeaseAcquireResult r;
		StoreLease l;

		snprintf(run, sizeof run, "run-%ld", i);
		req.run_id = strcmp(argv[2], "reuse") == 0 ? run : NULL;
		if (lease_acquire(&app, &req, &r, &err) != ST_OK ||
		    lease_release(&app, r.lease.id, "released", NULL, "bench", &l, &err) != ST_OK) {
			fprintf(stderr, "bench_lease: %s\n", err.msg);
			return 1;
		}
		if (req.run_id && i > 0 && !r.resumed) {
			fprintf(stderr, "bench_lease: acquire %ld did not resume\n", i);
			return 1;
		}
		lease_acquire_result_clear(&r);
		store_lease_clear(&l);
	}
	t1 = time_now_ms();
	if (getenv("BENCH_MS")) {
		printf("%lld\n", (long long)(t1 - t0));
		app_clear(&app);
		return 0;
	}
	printf("%s: %ld acquire+release pairs in %lld ms = %.0f pairs/s, %.3f ms per pair\n",
	       argv[2], n, (long long)(t1 - t0), n * 1000.0 / (double)(t1 - t0 ? t1 - t0 : 1),
	       (double)(t1 - t0) / (double)n);
	app_clear(&app);
	return 0;
}
