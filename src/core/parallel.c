#include "core/private.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct ParallelState {
	const ParallelOps *ops;
	void *ud;
	size_t n;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	size_t next;      /* next job to hand out */
	bool stop;        /* no more hand-outs */
	size_t *finished; /* ring of completed indexes not yet reported */
	size_t fin_head, fin_count;
} ParallelState;

static void *parallel_worker(void *arg)
{
	ParallelState *st = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&st->lock);
		if (st->stop || st->next >= st->n) {
			pthread_mutex_unlock(&st->lock);
			return NULL;
		}
		i = st->next++;
		pthread_mutex_unlock(&st->lock);

		st->ops->run(i, st->ud);

		pthread_mutex_lock(&st->lock);
		st->finished[(st->fin_head + st->fin_count) % st->n] = i;
		st->fin_count++;
		pthread_cond_signal(&st->cond);
		pthread_mutex_unlock(&st->lock);
	}
}

Status parallel_run(size_t n, size_t max_in_flight, const ParallelOps *ops, void *ud,
		    Error *err)
{
	ParallelState st;
	pthread_t *threads;
	size_t nthreads = max_in_flight < n ? max_in_flight : n;
	size_t started = 0, reported = 0, handed;
	Status status = ST_OK;

	if (n == 0)
		return ST_OK;
	if (nthreads == 0)
		nthreads = 1;
	memset(&st, 0, sizeof st);
	st.ops = ops;
	st.ud = ud;
	st.n = n;
	st.finished = calloc(n, sizeof *st.finished);
	threads = calloc(nthreads, sizeof *threads);
	if (!st.finished || !threads) {
		free(st.finished);
		free(threads);
		return error_set(err, ST_E_NOMEM, "out of memory");
	}
	pthread_mutex_init(&st.lock, NULL);
	pthread_cond_init(&st.cond, NULL);
	for (; started < nthreads; started++)
		if (pthread_create(&threads[started], NULL, parallel_worker, &st) != 0)
			break;
	if (started == 0)
		status = error_set(err, ST_E_FAIL, "could not start worker threads; running serially");

	pthread_mutex_lock(&st.lock);
	for (;;) {
		size_t i;

		if (started == 0) {
			/* Degraded mode: run the rest here. */
			if (st.stop || st.next >= n)
				break;
			i = st.next++;
			pthread_mutex_unlock(&st.lock);
			ops->run(i, ud);
			ops->done(i, ud);
			reported++;
			if (ops->cancelled && ops->cancelled(ud))
				st.stop = true;
			pthread_mutex_lock(&st.lock);
			continue;
		}
		handed = st.stop ? st.next : n;
		if (reported >= handed && (st.stop || st.next >= n))
			break;
		while (st.fin_count == 0) {
			struct timespec until;

			if (!ops->tick || ops->tick_ms <= 0) {
				pthread_cond_wait(&st.cond, &st.lock);
				continue;
			}
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += ops->tick_ms / 1000;
			until.tv_nsec += (ops->tick_ms % 1000) * 1000000L;
			if (until.tv_nsec >= 1000000000L) {
				until.tv_sec++;
				until.tv_nsec -= 1000000000L;
			}
			if (pthread_cond_timedwait(&st.cond, &st.lock, &until) == ETIMEDOUT &&
			    st.fin_count == 0) {
				pthread_mutex_unlock(&st.lock);
				ops->tick(ud);
				pthread_mutex_lock(&st.lock);
			}
		}
		i = st.finished[st.fin_head];
		st.fin_head = (st.fin_head + 1) % n;
		st.fin_count--;
		pthread_mutex_unlock(&st.lock);
		ops->done(i, ud);
		reported++;
		pthread_mutex_lock(&st.lock);
		if (!st.stop && ops->cancelled && ops->cancelled(ud))
			st.stop = true;
	}
	pthread_mutex_unlock(&st.lock);
	for (size_t t = 0; t < started; t++)
		pthread_join(threads[t], NULL);
	pthread_mutex_destroy(&st.lock);
	pthread_cond_destroy(&st.cond);
	free(threads);
	free(st.finished);
	return status;
}
