#include <check.h>
#include <stdatomic.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "core/parallel.h"
#include "testutil.h"

typedef struct Ctx {
	atomic_int in_flight;
	atomic_int max_seen;
	int done_count;
	int ran[64];
	int done_seen[64];
	pthread_t caller;
	bool done_on_caller;
	int cancel_after;
	/* What a job waits for, with a deadline, instead of sleeping: until
	 * this many jobs have run at once, or until the caller has ticked.
	 * Neither: the job takes 20 ms (work, for the cancel test). */
	int overlap;
	bool wait_tick;
	atomic_bool gave_up; /* a wait hit its deadline: the others go on */
} Ctx;

static atomic_int ticks;

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until the job's condition holds, at most 2 s for all jobs together. */
static void job_wait(Ctx *c)
{
	struct timespec ts = { 0, 1000 * 1000 };
	long long end = mono_ms() + 2000;

	for (;;) {
		if (c->overlap && atomic_load(&c->max_seen) >= c->overlap)
			return;
		if (c->wait_tick && atomic_load(&ticks) >= 1)
			return;
		if (atomic_load(&c->gave_up))
			return;
		if (mono_ms() >= end) {
			atomic_store(&c->gave_up, true);
			return;
		}
		nanosleep(&ts, NULL);
	}
}

static void job(size_t i, void *ud)
{
	Ctx *c = ud;
	int now = atomic_fetch_add(&c->in_flight, 1) + 1;
	int seen = atomic_load(&c->max_seen);
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	while (now > seen && !atomic_compare_exchange_weak(&c->max_seen, &seen, now))
		;
	if (c->overlap || c->wait_tick)
		job_wait(c);
	else
		nanosleep(&ts, NULL);
	c->ran[i]++;
	atomic_fetch_sub(&c->in_flight, 1);
}

static void done(size_t i, void *ud)
{
	Ctx *c = ud;

	if (!pthread_equal(pthread_self(), c->caller))
		c->done_on_caller = false;
	c->done_seen[i]++;
	c->done_count++;
}

static bool cancelled(void *ud)
{
	Ctx *c = ud;

	return c->cancel_after && c->done_count >= c->cancel_after;
}

static const ParallelOps ops = { .run = job, .done = done, .cancelled = cancelled };

static void tick(void *ud)
{
	Ctx *c = ud;

	if (pthread_equal(pthread_self(), c->caller))
		atomic_fetch_add(&ticks, 1);
}

/* The caller is woken every tick_ms while no job finishes (what flushes
 * batched probe results when the next result is slow). */
START_TEST(tick_while_waiting)
{
	static const ParallelOps tops = { .run = job, .done = done, .tick = tick, .tick_ms = 2 };
	Ctx c;
	Error err;

	memset(&c, 0, sizeof c);
	c.caller = pthread_self();
	c.wait_tick = true;
	atomic_store(&ticks, 0);
	ck_assert_int_eq(parallel_run(5, 1, &tops, &c, &err), ST_OK);
	ck_assert_int_eq(c.done_count, 5);
	ck_assert_int_ge(atomic_load(&ticks), 1);
}
END_TEST

START_TEST(bounded_and_complete)
{
	Ctx c;
	Error err;

	memset(&c, 0, sizeof c);
	c.caller = pthread_self();
	c.done_on_caller = true;
	c.overlap = 4; /* each job waits until four have run at once */
	ck_assert_int_eq(parallel_run(40, 4, &ops, &c, &err), ST_OK);
	ck_assert_int_eq(c.done_count, 40);
	for (int i = 0; i < 40; i++) {
		ck_assert_int_eq(c.ran[i], 1);
		ck_assert_int_eq(c.done_seen[i], 1);
	}
	ck_assert_int_eq(atomic_load(&c.max_seen), 4);
	ck_assert(!atomic_load(&c.gave_up));
	ck_assert(c.done_on_caller);
}
END_TEST

START_TEST(cancel_stops_handing_out)
{
	Ctx c;
	Error err;
	int ran = 0;

	memset(&c, 0, sizeof c);
	c.caller = pthread_self();
	c.done_on_caller = true;
	c.cancel_after = 3;
	ck_assert_int_eq(parallel_run(60, 2, &ops, &c, &err), ST_OK);
	for (int i = 0; i < 60; i++)
		ran += c.ran[i];
	/* every job that ran was reported, and far fewer than all ran */
	ck_assert_int_eq(ran, c.done_count);
	ck_assert_int_lt(ran, 10);
}
END_TEST

START_TEST(zero_jobs)
{
	Ctx c;
	Error err;

	memset(&c, 0, sizeof c);
	ck_assert_int_eq(parallel_run(0, 4, &ops, &c, &err), ST_OK);
	ck_assert_int_eq(c.done_count, 0);
}
END_TEST

TEST_SUITE(parallel)
{
	Suite *s = suite_create("parallel");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, bounded_and_complete);
	tcase_add_test(tc, tick_while_waiting);
	tcase_add_test(tc, cancel_stops_handing_out);
	tcase_add_test(tc, zero_jobs);
	suite_add_tcase(s, tc);
	return s;
}
