/* verify.h -- `etsim capture --verify`: after a capture, replay the
 * finished trace offline with every configuration of the capture list and
 * compare each replay's decisions with the live run's (the "problems" and
 * "summary" of the result files must agree byte for byte: the trace must
 * answer every configuration exactly as the servers did), and count what a
 * trace should not hold: sibling texts equal to an earlier sibling's,
 * children with 0 tokens, children without a PRM score. */
#ifndef ETSIM_LIVE_VERIFY_H
#define ETSIM_LIVE_VERIFY_H

#include <stdint.h>

#include "sim/core/util.h"

typedef struct etsim_verify_report {
    int32_t configs, agree;       /* configurations replayed / identical      */
    char *first_differing;        /* name of the first that differs, or NULL  */
    int64_t differ_at;            /* its first differing byte after "problems" */
    int64_t nodes, duplicate_siblings, zero_token_children, unscored_children;
} etsim_verify_report;

/* results_dir holds the live run's <name>.json per configuration (capture
 * --results). Returns 0 when everything could be compared (rep tells
 * whether it agreed), -1 on an error (err set). */
int etsim_capture_verify(const char *config_path, const char *trace_path,
                         const char *results_dir, etsim_verify_report *rep, etsim_err *err);
void etsim_verify_report_free(etsim_verify_report *rep);

#endif
