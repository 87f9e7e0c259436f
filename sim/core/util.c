/* util.c -- errors, checked allocation, hashing, counter-based RNG, atomic
 * output files and a monotonic clock. See util.h for the contracts. */
#include "sim/core/util.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int etsim_errf(etsim_err *err, const char *fmt, ...) {
    if (!err) return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int etsim_err_prefix(etsim_err *err, const char *fmt, ...) {
    if (!err) return -1;
    char old[ETSIM_ERR_MAX];
    memcpy(old, err->msg, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    if (n >= 0 && (size_t)n + 2 < sizeof err->msg) {
        size_t room = sizeof err->msg - (size_t)n;
        err->msg[n] = ':';
        err->msg[n + 1] = ' ';
        memcpy(err->msg + n + 2, old, room - 2);
        err->msg[sizeof err->msg - 1] = 0;
    }
    return -1;
}

static void oom(size_t n) {
    fprintf(stderr, "etsim: out of memory allocating %zu bytes\n", n);
    abort();
}

void *etsim_malloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) oom(n);
    return p;
}

void *etsim_calloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) oom(n * size);
    return p;
}

void *etsim_realloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) oom(n);
    return q;
}

char *etsim_strdup(const char *s) {
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *d = etsim_malloc(n);
    memcpy(d, s, n);
    return d;
}

void etsim_grow(void **arr, int64_t *cap, int64_t need, size_t elsize) {
    if (need <= *cap) return;
    int64_t c = *cap ? *cap : 16;
    while (c < need) c *= 2;
    *arr = etsim_realloc(*arr, (size_t)c * elsize);
    *cap = c;
}

/* ---- hashing and RNG ------------------------------------------------------ */

uint64_t etsim_mix64(uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

uint64_t etsim_hash_bytes(const void *p, size_t n, uint64_t seed) {
    const unsigned char *b = p;
    uint64_t h = 0xcbf29ce484222325ULL ^ seed;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ULL;
    }
    return etsim_mix64(h);
}

uint64_t etsim_hash_str(const char *s) {
    return s ? etsim_hash_bytes(s, strlen(s), 0) : 0;
}

etsim_rng etsim_rng_make(uint64_t seed, uint64_t problem, uint64_t node_key,
                         uint64_t child, uint64_t purpose) {
    /* Chain the mixer over each field so that no two keys collide by
     * simple arithmetic (e.g. problem+1 vs child+1). */
    uint64_t k = etsim_mix64(seed ^ 0x6a09e667f3bcc908ULL);
    k = etsim_mix64(k ^ problem);
    k = etsim_mix64(k ^ node_key);
    k = etsim_mix64(k ^ child);
    k = etsim_mix64(k ^ purpose);
    etsim_rng r = {k, 0};
    return r;
}

uint64_t etsim_rng_u64(etsim_rng *r) {
    /* Counter mode: output = mix(key + counter * golden); stateless apart
     * from the counter, so draw i of a stream is fixed. */
    uint64_t x = r->key + (++r->counter) * 0x9e3779b97f4a7c15ULL;
    return etsim_mix64(x ^ (x >> 17));
}

double etsim_rng_uniform(etsim_rng *r) {
    return (double)(etsim_rng_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

double etsim_rng_normal(etsim_rng *r) {
    double u1 = etsim_rng_uniform(r), u2 = etsim_rng_uniform(r);
    if (u1 < 1e-300) u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* ---- files ------------------------------------------------------------------ */

int etsim_atomic_open(etsim_atomic_file *af, const char *path, etsim_err *err) {
    memset(af, 0, sizeof *af);
    size_t n = strlen(path) + 32;
    af->path = etsim_strdup(path);
    af->tmp_path = etsim_malloc(n);
    snprintf(af->tmp_path, n, "%s.tmp.%ld", path, (long)getpid());
    af->fp = fopen(af->tmp_path, "wb");
    if (!af->fp) {
        etsim_errf(err, "%s: cannot create output file: %s", path, strerror(errno));
        free(af->path);
        free(af->tmp_path);
        memset(af, 0, sizeof *af);
        return -1;
    }
    return 0;
}

int etsim_atomic_list_tmp(const char *path, char ***paths) {
    const char *slash = strrchr(path, '/');
    char *dir = slash ? etsim_strdup(path) : etsim_strdup(".");
    if (slash) dir[slash - path + (slash == path)] = 0;
    const char *base = slash ? slash + 1 : path;
    size_t blen = strlen(base);
    int n = 0;
    *paths = NULL;
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (strncmp(de->d_name, base, blen) || strncmp(de->d_name + blen, ".tmp.", 5)) continue;
        size_t len = strlen(dir) + strlen(de->d_name) + 2;
        char *full = etsim_malloc(len);
        snprintf(full, len, "%s/%s", dir, de->d_name);
        *paths = etsim_realloc(*paths, (size_t)(n + 1) * sizeof **paths);
        (*paths)[n++] = full;
    }
    if (d) closedir(d);
    free(dir);
    return n;
}

int etsim_atomic_clean_stale(const char *path) {
    char **tmp;
    int n = etsim_atomic_list_tmp(path, &tmp), removed = 0;
    const char *slash = strrchr(path, '/');
    size_t blen = strlen(slash ? slash + 1 : path);
    for (int i = 0; i < n; i++) {
        const char *digits = strrchr(tmp[i], '/') + 1 + blen + 5; /* after "<base>.tmp." */
        char *end = NULL;
        long pid = strtol(digits, &end, 10);
        if (*digits && !*end && pid > 0 && pid != (long)getpid() &&
            kill((pid_t)pid, 0) != 0 && errno == ESRCH) /* dead, and ours to ask */
            removed += unlink(tmp[i]) == 0;
        free(tmp[i]);
    }
    free(tmp);
    return removed;
}

int etsim_atomic_commit(etsim_atomic_file *af, etsim_err *err) {
    int rc = 0;
    if (fflush(af->fp) != 0 || ferror(af->fp) || fsync(fileno(af->fp)) != 0) {
        rc = etsim_errf(err, "%s: write failed: %s", af->path, strerror(errno));
        fclose(af->fp);
        unlink(af->tmp_path);
    } else if (fclose(af->fp) != 0) {
        rc = etsim_errf(err, "%s: close failed: %s", af->path, strerror(errno));
        unlink(af->tmp_path);
    } else if (rename(af->tmp_path, af->path) != 0) {
        rc = etsim_errf(err, "%s: rename failed: %s", af->path, strerror(errno));
        unlink(af->tmp_path);
    }
    free(af->path);
    free(af->tmp_path);
    memset(af, 0, sizeof *af);
    return rc;
}

void etsim_atomic_abort(etsim_atomic_file *af) {
    if (!af->fp) return;
    fclose(af->fp);
    unlink(af->tmp_path);
    free(af->path);
    free(af->tmp_path);
    memset(af, 0, sizeof *af);
}

char *etsim_read_file(const char *path, size_t *len_out, etsim_err *err) {
    FILE *fp = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;
    if (!fp) {
        etsim_errf(err, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        if (cap - len < 65536) {
            cap = cap ? cap * 2 : 65536;
            buf = etsim_realloc(buf, cap + 1);
        }
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0) break;
    }
    if (ferror(fp)) {
        etsim_errf(err, "%s: read error: %s", path, strerror(errno));
        fclose(fp);
        free(buf);
        return NULL;
    }
    fclose(fp);
    buf[len] = 0;
    if (len_out) *len_out = len;
    return buf;
}

/* ---- clock ------------------------------------------------------------------- */

double etsim_now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void etsim_fmt_double(char *buf, double v) {
    if (isnan(v)) {
        strcpy(buf, "null");
        return;
    }
    if (isinf(v)) {
        strcpy(buf, v > 0 ? "1e999" : "-1e999");
        return;
    }
    /* %.17g round-trips; try shorter first for readability. */
    for (int prec = 6; prec <= 17; prec++) {
        snprintf(buf, 32, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) return;
    }
}
