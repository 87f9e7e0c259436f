/* pool.h -- the one worker pool of etsim: run items 0..n-1 of a job on T
 * threads.
 *
 * Replay (problems in order), the fit's multi-configuration replay and
 * sweeps (tasks over sources, problems and configurations) all run it.
 * Each item runs exactly once, on some thread, claimed from a shared
 * atomic counter in increasing order; what an item computes must depend
 * on the item only, so results do not depend on the thread count (a job
 * that sums per thread gets `thread` to index its own accumulator and
 * merges after the run in thread order). The calling thread is thread 0
 * and works too; the others are started per run and joined before
 * etsim_pool_run returns, so per-thread resources that modules keep in
 * pthread_key slots (GLPK's environment, the grader's scratch) are freed
 * by those keys' destructors as each thread exits -- no job names them.
 *
 * Stopping: an item that returns < 0 stops the job; no item is claimed
 * after that, the ones running finish. The job keeps its own error. */
#ifndef ETSIM_CORE_POOL_H
#define ETSIM_CORE_POOL_H

#include <stdint.h>

/* One item; thread in [0, threads). Returns 0, or < 0 to stop the job. */
typedef int (*etsim_pool_fn)(void *ctx, int64_t item, int thread);

/* Run items 0..n-1 on up to `threads` threads (at least 1, at most n;
 * fewer when pthread_create fails). Returns 0, or -1 when an item stopped
 * the job. */
int etsim_pool_run(int64_t n, int threads, etsim_pool_fn fn, void *ctx);

#endif
