/* shard.c -- `--shard i/n | auto | auto/N` (shard.h). "auto" reads the job
 * array's task id from the environment: SLURM_ARRAY_TASK_ID (with
 * SLURM_ARRAY_TASK_COUNT/MIN/MAX for plain "auto"), else
 * JOB_COMPLETION_INDEX (a Kubernetes Indexed Job). Every variable is parsed
 * strictly (a whole non-negative decimal number) and every inconsistency is
 * an error naming the variable, since a wrong shard silently computes the
 * wrong slice. */
#include <stdlib.h>
#include <string.h>

#include "sim/cli/shard.h"
#include "sim/sweep/sweep.h"

/* The variable `name` as a number in [0, 10^6]: 1 if set and valid, 0 if
 * unset, -1 (err set) if set but not a number. */
static int env_num(const char *name, long *out, etsim_err *err) {
    const char *s = getenv(name);
    if (!s) return 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < 0 || v > 1000000 || s[0] == '-' || s[0] == '+')
        return etsim_errf(err, "--shard auto: %s='%s' is not a non-negative integer", name, s);
    *out = v;
    return 1;
}

int etsim_cli_shard_parse(const char *spec, int *i, int *n, etsim_err *err) {
    if (strncmp(spec, "auto", 4) != 0) return etsim_sweep_parse_shard(spec, i, n, err);
    long count = 0;
    if (spec[4] == '/') {
        char *end;
        count = strtol(spec + 5, &end, 10);
        if (end == spec + 5 || *end || count < 1 || count > 1000000)
            return etsim_errf(err, "--shard '%s': expected auto/N with N >= 1", spec);
    } else if (spec[4]) {
        return etsim_errf(err, "--shard '%s': expected i/n, auto or auto/N", spec);
    }
    long id = 0, cnt = 0, lo = 0, hi = 0;
    const char *idvar = "SLURM_ARRAY_TASK_ID";
    int has = env_num(idvar, &id, err);
    if (has < 0) return -1;
    if (!has) {
        idvar = "JOB_COMPLETION_INDEX";
        if ((has = env_num(idvar, &id, err)) < 0) return -1;
        if (!has)
            return etsim_errf(err, "--shard %s: neither SLURM_ARRAY_TASK_ID (a Slurm job array) "
                                   "nor JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) is set; "
                                   "give --shard i/n", spec);
        if (!count)
            return etsim_errf(err, "--shard auto: JOB_COMPLETION_INDEX is set but the number of "
                                   "shards is not: give --shard auto/N (N = the Job's completions)");
    }
    if (!count) {
        /* plain auto under Slurm: the array must be exactly 0..n-1 */
        int hc = env_num("SLURM_ARRAY_TASK_COUNT", &cnt, err);
        int hl = hc < 0 ? -1 : env_num("SLURM_ARRAY_TASK_MIN", &lo, err);
        int hh = hl < 0 ? -1 : env_num("SLURM_ARRAY_TASK_MAX", &hi, err);
        if (hc < 0 || hl < 0 || hh < 0) return -1;
        if (!hc || cnt < 1)
            return etsim_errf(err, "--shard auto: SLURM_ARRAY_TASK_ID is set but "
                                   "SLURM_ARRAY_TASK_COUNT is not; give --shard auto/N");
        if ((hl && lo != 0) || (hh && hi != cnt - 1))
            return etsim_errf(err, "--shard auto: the job array is %ld-%ld with %ld tasks, not "
                                   "0-%ld: its task ids are not the shard numbers (rerunning "
                                   "single indices? give --shard auto/N)", lo, hi, cnt, cnt - 1);
        count = cnt;
    }
    if (id >= count)
        return etsim_errf(err, "--shard %s: %s=%ld but there are %ld shards (ids 0-%ld)", spec,
                          idvar, id, count, count - 1);
    *i = (int)id + 1;
    *n = (int)count;
    return 0;
}
