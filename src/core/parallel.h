/* Runs n independent jobs on a bounded number of threads and reports each
 * completion on the calling thread, in completion order. Used to probe
 * many environments at once: provider calls (slow, thread-safe) run on
 * workers, while everything that touches the store happens in `done`, on
 * the caller's thread, which owns the store handle. */
#ifndef ENVCTL_CORE_PARALLEL_H
#define ENVCTL_CORE_PARALLEL_H

#include <stdbool.h>
#include <stddef.h>

#include "util/lib.h"

typedef struct ParallelOps {
	/* Runs on a worker thread. Must not touch the store. */
	void (*run)(size_t index, void *ud);
	/* Runs on the calling thread after run(index) returned. */
	void (*done)(size_t index, void *ud);
	/* Polled on the calling thread between completions (may be NULL):
	 * returning true stops handing out new jobs; jobs already running
	 * finish and are still reported. */
	bool (*cancelled)(void *ud);
	/* Called on the calling thread at least every tick_ms while it waits
	 * for a completion (may be NULL): what flushes batched results when
	 * the next completion is slow to come. */
	void (*tick)(void *ud);
	long tick_ms;
} ParallelOps;

/* Returns ST_OK when every job was handed out (or cancelled), an error when
 * threads could not be started — then no job ran on the failed thread and
 * the remaining jobs run serially on the caller. */
Status parallel_run(size_t n, size_t max_in_flight, const ParallelOps *ops, void *ud,
		    Error *err);

#endif
