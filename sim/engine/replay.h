/* replay.h -- run one search configuration over a range of problems on T
 * threads, delivering per-problem results in problem order.
 *
 * Workers take problem indices from a shared counter but never run more
 * than `window` problems ahead of the oldest undelivered one, so memory is
 * bounded by the largest problems in flight, not by the problem count. The
 * sink is called in problem order (under a lock), so output is identical
 * for any thread count. On error the error of the lowest-index failing
 * problem is returned, again independent of thread count. */
#ifndef ETSIM_REPLAY_H
#define ETSIM_REPLAY_H

#include "sim/core/progress.h"
#include "sim/engine/engine.h"

typedef int (*etsim_replay_sink)(void *ctx, etsim_problem_result *res, etsim_err *err);

typedef struct etsim_replay_opts {
    int32_t first;        /* first problem index                         */
    int32_t count;        /* number of problems                          */
    int threads;          /* >= 1                                        */
    const char *label;    /* progress label ("problems" when NULL)       */
    etsim_progress_fn progress; /* problems delivered; NULL: none        */
    void *progress_ctx;
} etsim_replay_opts;

int etsim_replay(etsim_oracle *o, const etsim_search_config *cfg,
                 const etsim_replay_opts *opt, etsim_replay_sink sink, void *ctx,
                 etsim_err *err);

#endif
