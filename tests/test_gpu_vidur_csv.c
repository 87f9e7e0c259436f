/* test_gpu_vidur_csv.c -- the vidur profile reader on small hand-written
 * files: the block sums, TP-1 filtering, duplicate averaging, and every
 * kind of bad input as one line naming file, row and column. Needs no
 * shared data. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "gpu_model/vidur_csv.h"

static const char *ops[9] = {"input_layernorm", "attn_pre_proj", "attn_rope", "attn_post_proj",
                             "post_attention_layernorm", "mlp_up_proj", "mlp_act",
                             "mlp_down_proj", "add"};

static char path[256];

/* A header with all columns (min/median of each op, then the shape), minus
 * `drop` if given; then `rows` verbatim. */
static void write_csv(const char *drop, const char *rows) {
    snprintf(path, sizeof path, "test_vidur_%d.csv", (int)getpid());
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    for (int k = 0; k < 9; k++) {
        char c[96];
        snprintf(c, sizeof c, "time_stats.%s.median", ops[k]);
        fprintf(fp, "time_stats.%s.min,", ops[k]);
        if (!drop || strcmp(drop, c)) fprintf(fp, "%s,", c);
    }
    fprintf(fp, "n_head,n_kv_head,n_embd,n_expanded_embd,use_gated_mlp,num_tokens,"
                "num_tensor_parallel_workers\n%s", rows);
    fclose(fp);
}

/* One row: op k has min 9 and median v*(k+1)/45 (so the nine sum to v);
 * op `bad` (if >= 0) has the median "abc". */
static void row_bad(char *buf, size_t cap, double v, int tokens, int tp, int bad) {
    size_t u = 0;
    for (int k = 0; k < 9; k++)
        u += (size_t)(k == bad ? snprintf(buf + u, cap - u, "9,abc,")
                               : snprintf(buf + u, cap - u, "9,%.6f,", v * (k + 1) / 45.0));
    snprintf(buf + u, cap - u, "8,2,64,128,True,%d,%d\n", tokens, tp);
}

static void row(char *buf, size_t cap, double v, int tokens, int tp) {
    row_bad(buf, cap, v, tokens, tp, -1);
}

static void test_read_ok(void **state) {
    (void)state;
    char rows[4096], r[512];
    rows[0] = 0;
    row(r, sizeof r, 2.0, 16, 1), strcat(rows, r);
    row(r, sizeof r, 1.0, 8, 1), strcat(rows, r);
    row(r, sizeof r, 9.0, 8, 2), strcat(rows, r);   /* TP 2: ignored */
    row(r, sizeof r, 2.1, 16, 1), strcat(rows, r);  /* duplicate within 10%: averaged */
    write_csv(NULL, rows);
    etsim_vidur_mlp t;
    etsim_err err = {{0}};
    assert_int_equal(etsim_vidur_mlp_read(path, &t, &err), 0);
    assert_int_equal(t.n, 2);
    assert_int_equal(t.rows[0].tokens, 8);
    assert_true(fabs(t.rows[0].total_ms - 1.0) < 1e-5);
    assert_int_equal(t.rows[1].tokens, 16);
    assert_true(fabs(t.rows[1].total_ms - 2.05) < 1e-5);
    /* GEMMs are ops 2, 4, 6, 8 (1-based): (2 + 4 + 6 + 8) / 45 of the total */
    assert_true(fabs(t.rows[0].gemm_ms - 20.0 / 45) < 1e-5);
    assert_true(fabs(t.rows[0].gemm_ms + t.rows[0].elem_ms - 1.0) < 1e-5);
    assert_int_equal(t.heads, 8);
    assert_int_equal(t.kv_heads, 2);
    assert_int_equal(t.hidden, 64);
    assert_int_equal(t.ffn, 128);
    assert_true(t.gated);
    etsim_vidur_mlp_free(&t);
    unlink(path);
}

static void expect_err(const char *drop, const char *rows, const char *want1, const char *want2) {
    write_csv(drop, rows);
    etsim_vidur_mlp t;
    etsim_err err = {{0}};
    assert_int_equal(etsim_vidur_mlp_read(path, &t, &err), -1);
    print_message("%s\n", err.msg);
    assert_non_null(strstr(err.msg, path));
    assert_non_null(strstr(err.msg, want1));
    if (want2) assert_non_null(strstr(err.msg, want2));
    assert_null(strchr(err.msg, '\n'));
    unlink(path);
}

static void test_bad_input(void **state) {
    (void)state;
    char r1[512], r2[512], rows[2048];
    row(r1, sizeof r1, 1.0, 8, 1);
    /* missing column */
    expect_err("time_stats.mlp_act.median", r1, "row 1", "missing column 'time_stats.mlp_act.median'");
    /* non-numeric cell: the 4th op's median */
    row_bad(rows, sizeof rows, 1.0, 8, 1, 3); /* attn_post_proj */
    expect_err(NULL, rows, "row 2, column 'time_stats.attn_post_proj.median'", "not a number");
    /* no TP-1 rows */
    row(r2, sizeof r2, 1.0, 8, 4);
    expect_err(NULL, r2, "no rows with num_tensor_parallel_workers = 1", NULL);
    /* duplicates disagreeing by more than 10% */
    row(r2, sizeof r2, 1.2, 8, 1);
    snprintf(rows, sizeof rows, "%s%s", r1, r2);
    expect_err(NULL, rows, "row 3, column 'time_stats.", "duplicate of row 2");
}

static void test_points(void **state) {
    (void)state;
    snprintf(path, sizeof path, "test_points_%d.csv", (int)getpid());
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs("# comment\nb,kv,ms\n1,32,0.009\n2,544,0.019\n", fp);
    fclose(fp);
    static const char *const cols[3] = {"kv", "b", "ms"};
    etsim_vidur_points pt;
    etsim_err err = {{0}};
    assert_int_equal(etsim_vidur_points_read(path, cols, &pt, &err), 0);
    assert_int_equal(pt.n, 2);
    assert_true(pt.v[1][0] == 544 && pt.v[1][1] == 2 && pt.v[1][2] == 0.019);
    etsim_vidur_points_free(&pt);
    fp = fopen(path, "w");
    fputs("kv,b,ms\n32,1,x\n", fp);
    fclose(fp);
    assert_int_equal(etsim_vidur_points_read(path, cols, &pt, &err), -1);
    assert_non_null(strstr(err.msg, "row 2, column 'ms'"));
    static const char *const pcols[3] = {"c", "kv", "ms"};
    assert_int_equal(etsim_vidur_points_read(path, pcols, &pt, &err), -1);
    assert_non_null(strstr(err.msg, "missing column 'c'"));
    unlink(path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_ok),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
