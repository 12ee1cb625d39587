/* Lease benchmarks through the core API (what both front ends call):
 *   bench_lease DB cycle N        N acquire+release pairs on the fake provider
 *   bench_lease DB reuse N        N acquires with reuse on (each resumes)
 * Prints one line of figures. The database must hold an environment named
 * "bench" (fake, reuseLease true). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/lease.h"
#include "util/ids.h"

int main(int argc, char **argv)
{
	App app;
	Error err;
	long n;
	int64_t t0, t1;
	char run[64];

	if (argc != 4 || sodium_init() < 0) {
		fprintf(stderr, "usage: bench_lease DB cycle|reuse N\n");
		return 2;
	}
	n = atol(argv[3]);
	error_clear(&err);
	if (app_init(&app, argv[1], &err) != ST_OK || app_set_actor(&app, "bench", &err) != ST_OK) {
		fprintf(stderr, "bench_lease: %s\n", err.msg);
		return 1;
	}
	t0 = time_now_ms();
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
	printf("%s: %ld acquire+release pairs in %lld ms = %.0f pairs/s, %.3f ms per pair\n",
	       argv[2], n, (long long)(t1 - t0), n * 1000.0 / (double)(t1 - t0 ? t1 - t0 : 1),
	       (double)(t1 - t0) / (double)n);
	app_free(&app);
	return 0;
}
