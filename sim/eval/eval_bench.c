/* eval_bench.c -- grading throughput (see eval_bench.h). The pair pool
 * mixes what MATH500 voting compares: plain integers, decimals, fractions
 * in both spellings, radicals, tuples and intervals, text answers and
 * units; pairs are drawn with the counter RNG so every run grades the same
 * million pairs. */
#include "sim/eval/eval_bench.h"

#include <stdint.h>
#include <time.h>

#include "sim/eval/grader.h"

static const char *const pool[] = {
    "18", "18.0", "\\$18", "3", "3.0", "x=3", "\\frac{1}{2}", "0.5", "1/2", "\\dfrac12", "\\frac{2}{4}",
    "\\frac{\\sqrt{3}}{2}", "\\dfrac{\\sqrt3}{2}", "\\sqrt{2}", "2\\sqrt{2}", "\\left( 3, \\frac{\\pi}{2} \\right)",
    "(3,\\frac{\\pi}{2})", "[-2, 7)", "(-\\infty, 5]", "(-\\infty,5]", "\\text{Evelyn}", "Evelyn", "10\\%", "10",
    "1,000", "1000", "5^\\circ", "5", "2 \\text{ cm}", "2", "-\\frac{1}{3}", "-1/3", "p - q", "\\pi", "2\\pi",
    "\\frac{3\\pi}{4}", "6 - 5i", "\\begin{pmatrix} 1 \\\\ 2 \\end{pmatrix}", "\\text{(C)}", "C", "[invalid]",
    "42", "\\boxed{42}", "11\\sqrt2", "\\frac{11}{2}", "5.5", "8", "4^{3/2}", "-2, 1", "x^2+7x+10", "\\infty",
};
#define POOL_N ((uint64_t)(sizeof pool / sizeof pool[0]))

int etsim_eval_bench(FILE *report, etsim_err *err) {
    const int64_t pairs = 1000000;
    etsim_rng r = etsim_rng_make(2024, 0, 0, 0, 0x65766c); /* "evl" */
    int64_t n_true = 0;
    struct timespec c0, c1;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c0);
    double t0 = etsim_now_s();
    for (int64_t i = 0; i < pairs; i++) {
        uint64_t x = etsim_rng_u64(&r);
        const char *given = pool[x % POOL_N], *gt = pool[(x >> 32) % POOL_N];
        n_true += etsim_grade(given, gt, ETSIM_GRADER_REFERENCE);
    }
    double dt = etsim_now_s() - t0;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &c1);
    double cpu = (double)(c1.tv_sec - c0.tv_sec) + 1e-9 * (double)(c1.tv_nsec - c0.tv_nsec);
    etsim_grade_thread_cleanup();
    if (dt <= 0) return etsim_errf(err, "eval bench: clock did not advance");
    if (report)
        fprintf(report,
                "grade: %lld pairs in %.3f s CPU (%.3f s wall) on one core, %.0f pairs/s CPU, %.1f%% equal; "
                "target < 2 s\n",
                (long long)pairs, cpu, dt, (double)pairs / (cpu > 0 ? cpu : dt), 100.0 * (double)n_true / (double)pairs);
    return 0;
}
