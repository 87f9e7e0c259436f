/* result_scan.c -- a replay result split into byte ranges (result_scan.h).
 *
 * One pass over the file: skip_value() finds the end of any value by
 * string and bracket balance (a byte-class table, since most of a result is
 * digits and commas of "nodes" arrays); the top level and every problem are
 * walked member by member, so the problem's end and the ranges of the
 * members a diff reads come from the same pass. A problem whose members do
 * not walk cleanly (hand-edited, odd) is measured with skip_value() alone
 * and its members looked up later, as lookups always did: the scan itself
 * judges no more than bracket balance, so a malformed problem that is never
 * reported is never an error. */
#include "sim/eval/result_scan.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/core/json.h"

const char *const etsim_rproblem_keys[ETSIM_RP_N] = {"id", "counters", "leaves", "decisions"};

/* The file's bytes: mapped when it is a regular file (a result is tens of
 * megabytes and the diff reads most of them once: copying them out of the
 * page cache cost as much as scanning them), read otherwise (a pipe). The
 * scanner never reads past f->len, so the mapping needs no terminator. */
static int load(etsim_rfile *f, etsim_err *err) {
    struct stat st;
    int fd = open(f->path, O_RDONLY);
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
        int flags = MAP_PRIVATE;
#ifdef MAP_POPULATE
        flags |= MAP_POPULATE;
#endif
        void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, flags, fd, 0);
        if (p != MAP_FAILED) {
            close(fd);
            f->text = p;
            f->len = (size_t)st.st_size;
            f->mapped = 1;
            return 0;
        }
    }
    if (fd >= 0) close(fd);
    return (f->text = etsim_read_file(f->path, &f->len, err)) ? 0 : -1;
}

void etsim_rfile_free(etsim_rfile *f) {
    if (f->mapped) munmap(f->text, f->len);
    else free(f->text);
    cJSON_Delete(f->config);
    cJSON_Delete(f->summary);
    free(f->problems);
}

int etsim_rfile_line(const etsim_rfile *f, size_t at) {
    return etsim_json_line_of(f->text, f->len, at < f->len ? at : f->len);
}

static size_t skip_ws(const char *s, size_t n, size_t i) {
    while (i < n && (s[i] == ' ' || s[i] == '\n' || s[i] == '\r' || s[i] == '\t')) i++;
    return i;
}

static int scan_fail(const etsim_rfile *f, size_t at, const char *what, etsim_err *err) {
    return etsim_errf(err, "%s:%d: malformed result (%s)", f->path, etsim_rfile_line(f, at), what);
}

/* End (one past the closing quote) of the string starting at s[i] == '"'. */
static int skip_string(const etsim_rfile *f, size_t i, size_t *end, etsim_err *err) {
    const char *s = f->text;
    for (size_t k = i + 1; k < f->len; k++) {
        if (s[k] == '\\') k++;
        else if (s[k] == '"') {
            *end = k + 1;
            return 0;
        }
    }
    return scan_fail(f, i, "unterminated string", err);
}

/* Byte classes inside a container: 0 nothing to do, 1 '"', 2 open, 3 close. */
static unsigned char byte_class[256];

static void init_classes(void) {
    byte_class['"'] = 1;
    byte_class['{'] = byte_class['['] = 2;
    byte_class['}'] = byte_class[']'] = 3;
}

/* 0 when none of the eight bytes at p is a quote or a bracket: most of a
 * result is digits and commas ("nodes"), skipped a word at a time. OR 0x20
 * folds '[' onto '{' and ']' onto '}'; a zero byte of w ^ c marks a byte
 * equal to c (the usual has-zero-byte test, exact). 0x02 also folds onto
 * '"': a false alarm only sends that word through the byte loop. */
static int maybe_special(const unsigned char *p) {
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t w;
    memcpy(&w, p, 8);
    w |= 0x20 * ones;
    uint64_t a = w ^ ('{' * ones), b = w ^ ('}' * ones), q = w ^ ('"' * ones);
    return (((a - ones) & ~a) | ((b - ones) & ~b) | ((q - ones) & ~q)) & highs ? 1 : 0;
}

/* End of the value starting at s[i] (brackets balanced, strings closed). */
static int skip_value(const etsim_rfile *f, size_t i, size_t *end, etsim_err *err) {
    const unsigned char *s = (const unsigned char *)f->text;
    if (i >= f->len) return scan_fail(f, i, "value expected", err);
    if (s[i] == '"') return skip_string(f, i, end, err);
    if (s[i] != '{' && s[i] != '[') {
        size_t k = i;
        while (k < f->len && !strchr(",]} \n\r\t", s[k])) k++;
        if (k == i) return scan_fail(f, i, "value expected", err);
        *end = k;
        return 0;
    }
    int depth = 0;
    for (size_t k = i; k < f->len; k++) {
        while (k + 8 <= f->len && !maybe_special(s + k)) k += 8;
        if (k >= f->len) break;
        switch (byte_class[s[k]]) {
        case 0:
            break;
        case 1:
            if (skip_string(f, k, &k, err) < 0) return -1;
            k--;
            break;
        case 2:
            depth++;
            break;
        default:
            if (--depth == 0) {
                *end = k + 1;
                return 0;
            }
        }
    }
    return scan_fail(f, i, "unbalanced brackets", err);
}

int etsim_rfile_members(const etsim_rfile *f, etsim_rspan obj, const char *const *keys, int n,
                        etsim_rspan *out, etsim_err *err) {
    const char *s = f->text;
    size_t end = obj.off + obj.len, i = skip_ws(s, end, obj.off + 1);
    int missing = n;
    for (int k = 0; k < n; k++) out[k] = (etsim_rspan){0, 0};
    if (!obj.len || s[obj.off] != '{') return 0;
    /* stops at the first non-key and once every key is found: no lookup
     * judges bytes past what it needed */
    while (missing && i < end && s[i] == '"') {
        size_t ke = 0, ve = 0;
        if (skip_string(f, i, &ke, err) < 0) return -1;
        size_t v = skip_ws(s, end, ke);
        if (v >= end || s[v] != ':') return scan_fail(f, v, "':' expected", err);
        v = skip_ws(s, end, v + 1);
        if (skip_value(f, v, &ve, err) < 0) return -1;
        size_t klen = ke - i - 2;
        for (int k = 0; k < n; k++)
            if (!out[k].len && strlen(keys[k]) == klen && !memcmp(s + i + 1, keys[k], klen)) {
                out[k] = (etsim_rspan){v, ve - v};
                missing--;
                break;
            }
        i = skip_ws(s, end, ve);
        if (i < end && s[i] == ',') i = skip_ws(s, end, i + 1);
    }
    return 0;
}

int etsim_rfile_problem_members(const etsim_rfile *f, const etsim_rproblem *p, etsim_rspan *out,
                                etsim_err *err) {
    if (p->walked) {
        memcpy(out, p->member, sizeof p->member);
        return 0;
    }
    return etsim_rfile_members(f, (etsim_rspan){p->off, p->len}, etsim_rproblem_keys, ETSIM_RP_N, out, err);
}

void etsim_relems_init(etsim_relems *it, const etsim_rfile *f, etsim_rspan arr) {
    it->f = f;
    it->end = arr.off + arr.len;
    it->i = arr.len && f->text[arr.off] == '[' ? skip_ws(f->text, it->end, arr.off + 1) : it->end;
}

int etsim_relems_next(etsim_relems *it, etsim_rspan *out, etsim_err *err) {
    const char *s = it->f->text;
    size_t e;
    if (it->i >= it->end || s[it->i] == ']') return 0;
    if (skip_value(it->f, it->i, &e, err) < 0) return -1;
    *out = (etsim_rspan){it->i, e - it->i};
    it->i = skip_ws(s, it->end, e);
    if (it->i < it->end && s[it->i] == ',') it->i = skip_ws(s, it->end, it->i + 1);
    return 1;
}

cJSON *etsim_rfile_parse(const etsim_rfile *f, etsim_rspan v, etsim_err *err) {
    const char *end = NULL, *text = f->text + v.off;
    cJSON *j = cJSON_ParseWithLengthOpts(text, v.len, &end, 0);
    if (!j) etsim_errf(err, "malformed JSON near byte %ld", end ? (long)(end - text) : 0L);
    return j;
}

int etsim_rspan_equal(const etsim_rfile *fa, etsim_rspan a, const etsim_rfile *fb, etsim_rspan b) {
    return a.len == b.len && !memcmp(fa->text + a.off, fb->text + b.off, a.len);
}

const etsim_rproblem *etsim_rfile_find(const etsim_rfile *f, int64_t hint, int32_t index) {
    if (hint >= 0 && hint < f->n_problems && f->problems[hint].index == index) return &f->problems[hint];
    for (int64_t i = 0; i < f->n_problems; i++)
        if (f->problems[i].index == index) return &f->problems[i];
    return NULL;
}

/* The problem at s[i] == '{' walked member by member: its end and the
 * member ranges. 0 when the walk does not go through cleanly (nothing judged: the caller
 * falls back to skip_value). */
static int walk_problem(const etsim_rfile *f, size_t i, etsim_rproblem *p) {
    const char *s = f->text;
    size_t k = skip_ws(s, f->len, i + 1);
    memset(p->member, 0, sizeof p->member);
    while (k < f->len && s[k] == '"') {
        size_t ke = 0, ve = 0;
        if (skip_string(f, k, &ke, NULL) < 0) return 0;
        size_t v = skip_ws(s, f->len, ke);
        if (v >= f->len || s[v] != ':') return 0;
        v = skip_ws(s, f->len, v + 1);
        if (skip_value(f, v, &ve, NULL) < 0) return 0;
        const char *key = s + k + 1;
        size_t klen = ke - k - 2;
        for (int m = 0; m < ETSIM_RP_N; m++)
            if (!p->member[m].len && strlen(etsim_rproblem_keys[m]) == klen &&
                !memcmp(key, etsim_rproblem_keys[m], klen)) {
                p->member[m] = (etsim_rspan){v, ve - v};
                break;
            }
        k = skip_ws(s, f->len, ve);
        if (k < f->len && s[k] == ',') {
            k = skip_ws(s, f->len, k + 1);
        } else if (k < f->len && s[k] == '}') {
            p->off = i;
            p->len = k + 1 - i;
            return 1;
        } else {
            return 0;
        }
    }
    return 0;
}

/* The problem's "index": read in place when the object opens with it, as
 * the writer puts it; otherwise the strict parse says what is wrong. */
static int32_t span_index(const etsim_rfile *f, size_t off, size_t len, etsim_err *err) {
    static const char key[] = "{\"index\":";
    if (len > sizeof key && !memcmp(f->text + off, key, sizeof key - 1)) {
        char *end;
        long v = strtol(f->text + off + sizeof key - 1, &end, 10);
        if (*end == ',' && v >= 0 && v <= INT32_MAX) return (int32_t)v;
    }
    cJSON *p = etsim_json_parse(f->text + off, len, NULL, err);
    const cJSON *v = p ? cJSON_GetObjectItemCaseSensitive(p, "index") : NULL;
    int32_t out = cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble <= INT32_MAX
                      ? (int32_t)v->valuedouble : -1;
    cJSON_Delete(p);
    if (out < 0) scan_fail(f, off, p ? "problem without an integer \"index\"" : err->msg, err);
    return out;
}

static int scan_problems(etsim_rfile *f, size_t i, size_t *end, etsim_err *err) {
    const char *s = f->text;
    if (s[i] != '[') return scan_fail(f, i, "\"problems\" is not an array", err);
    i = skip_ws(s, f->len, i + 1);
    if (i < f->len && s[i] == ']') {
        *end = i + 1;
        return 0;
    }
    for (;;) {
        if (i >= f->len || s[i] != '{') return scan_fail(f, i, "a problem is not an object", err);
        etsim_rproblem p = {0};
        p.walked = walk_problem(f, i, &p);
        if (!p.walked) {
            size_t e;
            if (skip_value(f, i, &e, err) < 0) return -1;
            p.off = i;
            p.len = e - i;
        }
        if ((p.index = span_index(f, p.off, p.len, err)) < 0) return -1;
        etsim_grow((void **)&f->problems, &f->cap_problems, f->n_problems + 1, sizeof *f->problems);
        f->problems[f->n_problems++] = p;
        i = skip_ws(s, f->len, p.off + p.len);
        if (i < f->len && s[i] == ']') {
            *end = i + 1;
            return 0;
        }
        if (i >= f->len || s[i] != ',') return scan_fail(f, i, "',' or ']' expected in \"problems\"", err);
        i = skip_ws(s, f->len, i + 1);
    }
}

int etsim_rfile_scan(etsim_rfile *f, const char *path, etsim_err *err) {
    if (!byte_class['"']) init_classes();
    f->path = path;
    if (load(f, err) < 0) return -1;
    const char *s = f->text;
    size_t i = skip_ws(s, f->len, 0);
    int version = 0, have_problems = 0;
    if (i >= f->len || s[i] != '{') return scan_fail(f, i, "not a JSON object", err);
    i = skip_ws(s, f->len, i + 1);
    while (i < f->len && s[i] != '}') {
        size_t ke = 0, ve = 0;
        if (s[i] != '"') return scan_fail(f, i, "key expected", err);
        if (skip_string(f, i, &ke, err) < 0) return -1;
        size_t v = skip_ws(s, f->len, ke);
        if (v >= f->len || s[v] != ':') return scan_fail(f, v, "':' expected", err);
        v = skip_ws(s, f->len, v + 1);
        const char *key = s + i + 1;
        size_t klen = ke - i - 2;
#define KEY_IS(k) (klen == sizeof(k) - 1 && !memcmp(key, k, klen))
        if (KEY_IS("problems")) {
            if (scan_problems(f, v, &ve, err) < 0) return -1;
            have_problems = 1;
        } else {
            if (skip_value(f, v, &ve, err) < 0) return -1;
            if (KEY_IS("etsim_result")) {
                version = (ve - v == 1 && s[v] == '1');
            } else if (KEY_IS("config") || KEY_IS("summary")) {
                cJSON *j = etsim_json_parse(s + v, ve - v, NULL, err);
                if (!j) return etsim_err_prefix(err, "%s:%d: field %.*s", path, etsim_rfile_line(f, v),
                                                (int)klen, key);
                cJSON **slot = KEY_IS("config") ? &f->config : &f->summary;
                cJSON_Delete(*slot);
                *slot = j;
            }
        }
#undef KEY_IS
        i = skip_ws(s, f->len, ve);
        if (i < f->len && s[i] == ',') i = skip_ws(s, f->len, i + 1);
        else if (i >= f->len || s[i] != '}') return scan_fail(f, i, "',' or '}' expected", err);
    }
    if (i >= f->len) return scan_fail(f, i, "unterminated object", err);
    if (skip_ws(s, f->len, i + 1) != f->len) return scan_fail(f, i + 1, "content after the result", err);
    if (!version) return etsim_errf(err, "%s: not an etsim replay result (no \"etsim_result\": 1)", path);
    if (!have_problems) return etsim_errf(err, "%s: field problems: missing", path);
    return 0;
}
