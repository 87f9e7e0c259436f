/* log.c -- append-only JSON-lines result log (see log.h). */
#include "sim/sweep/log.h"
#include "sim/core/json.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define SYNC_LINES 256
#define SYNC_SECONDS 2.0

int etsim_sweep_line_key(const char *line, size_t len, char cfg[17], int32_t *problem) {
    etsim_err ignored;
    cJSON *j = etsim_json_parse(line, len, NULL, &ignored);
    if (!j) return -1;
    int rc = -1;
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "cfg");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "p");
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "summary");
    if (!cJSON_IsString(c) || strlen(c->valuestring) != 16) goto out;
    memcpy(cfg, c->valuestring, 17);
    if (cJSON_IsNumber(p) && p->valuedouble >= 0 && p->valuedouble < 2147483647.0 &&
        !s) {
        *problem = (int32_t)p->valuedouble;
        rc = 0;
    } else if (!p && cJSON_IsObject(s)) {
        *problem = -1;
        rc = 0;
    }
out:
    cJSON_Delete(j);
    return rc;
}

/* Read all lines; returns the offset where the valid part ends. */
static int scan(etsim_sweep_log *l, etsim_sweep_line_fn fn, void *ctx, int64_t file_size,
                int64_t *valid_end, etsim_err *err) {
    FILE *fp = fdopen(dup(l->fd), "rb");
    if (!fp) return etsim_errf(err, "%s: %s", l->path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int64_t off = 0, lineno = 0;
    int rc = 0;
    *valid_end = 0;
    while ((n = getline(&line, &cap, fp)) > 0) {
        lineno++;
        int complete = line[n - 1] == '\n';
        char cfg[17];
        int32_t p;
        int ok = complete && etsim_sweep_line_key(line, (size_t)n, cfg, &p) == 0;
        if (!ok) {
            if (off + n >= file_size) break; /* the last line: torn, dropped by the caller */
            rc = etsim_errf(err, "%s: line %lld: not a sweep result line (the file is damaged; "
                                 "--force starts over)", l->path, (long long)lineno);
            break;
        }
        if (fn && fn(ctx, cfg, p, off, (size_t)n, lineno, err) < 0) {
            etsim_err_prefix(err, "%s: line %lld", l->path, (long long)lineno);
            rc = -1;
            break;
        }
        off += n;
        *valid_end = off;
    }
    free(line);
    fclose(fp);
    return rc;
}

int etsim_sweep_log_scan_file(const char *path, etsim_sweep_line_fn fn, void *ctx,
                              int64_t *torn_bytes, etsim_err *err) {
    etsim_sweep_log l;
    memset(&l, 0, sizeof l);
    *torn_bytes = 0;
    l.path = (char *)path;
    l.fd = open(path, O_RDONLY | O_CLOEXEC);
    if (l.fd < 0) return etsim_errf(err, "%s: %s", path, strerror(errno));
    struct stat st;
    int64_t end = 0;
    int rc = fstat(l.fd, &st) < 0 ? etsim_errf(err, "%s: %s", path, strerror(errno))
                                  : scan(&l, fn, ctx, (int64_t)st.st_size, &end, err);
    if (rc == 0) *torn_bytes = (int64_t)st.st_size - end;
    close(l.fd);
    return rc;
}

int etsim_sweep_log_open(etsim_sweep_log *l, const char *path, etsim_sweep_line_fn fn,
                         void *ctx, int64_t *torn_bytes, etsim_err *err) {
    memset(l, 0, sizeof *l);
    l->fd = -1;
    l->path = etsim_strdup(path);
    *torn_bytes = 0;
    l->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (l->fd < 0) {
        etsim_errf(err, "%s: %s", path, strerror(errno));
        goto fail;
    }
    if (flock(l->fd, LOCK_EX | LOCK_NB) < 0) {
        etsim_errf(err, "%s: in use by another etsim sweep (locked)", path);
        goto fail;
    }
    struct stat st;
    if (fstat(l->fd, &st) < 0) {
        etsim_errf(err, "%s: %s", path, strerror(errno));
        goto fail;
    }
    int64_t end = 0;
    if (scan(l, fn, ctx, (int64_t)st.st_size, &end, err) < 0) goto fail;
    if (end < (int64_t)st.st_size) {
        *torn_bytes = (int64_t)st.st_size - end;
        if (ftruncate(l->fd, (off_t)end) < 0 || fsync(l->fd) < 0) {
            etsim_errf(err, "%s: cannot drop the torn last line: %s", path, strerror(errno));
            goto fail;
        }
    }
    l->size = end;
    l->last_sync_s = etsim_now_s();
    return 0;
fail:
    if (l->fd >= 0) close(l->fd);
    free(l->path);
    memset(l, 0, sizeof *l);
    l->fd = -1;
    return -1;
}

int etsim_sweep_log_append(etsim_sweep_log *l, const char *line, size_t len, int64_t *off,
                           etsim_err *err) {
    if (len == 0 || line[len - 1] != '\n')
        return etsim_errf(err, "%s: internal: a result line must end in a newline", l->path);
    /* One write() per line; a short write (disk full) is an error and the
     * partial line is cut off again so the file stays well formed. */
    ssize_t w = write(l->fd, line, len);
    if (w != (ssize_t)len) {
        int e = w < 0 ? errno : ENOSPC;
        if (ftruncate(l->fd, (off_t)l->size) < 0) { /* best effort */ }
        return etsim_errf(err, "%s: write failed: %s", l->path, strerror(e));
    }
    if (off) *off = l->size;
    l->size += (int64_t)len;
    l->unsynced++;
    double now = etsim_now_s();
    if (l->unsynced >= SYNC_LINES || now - l->last_sync_s >= SYNC_SECONDS)
        return etsim_sweep_log_sync(l, err);
    return 0;
}

int etsim_sweep_log_sync(etsim_sweep_log *l, etsim_err *err) {
    if (l->fd < 0 || l->unsynced == 0) return 0;
    if (fdatasync(l->fd) < 0) return etsim_errf(err, "%s: fsync: %s", l->path, strerror(errno));
    l->unsynced = 0;
    l->last_sync_s = etsim_now_s();
    return 0;
}

int etsim_sweep_log_read(const etsim_sweep_log *l, int64_t off, size_t len, char *buf,
                         etsim_err *err) {
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(l->fd, buf + got, len - got, (off_t)(off + (int64_t)got));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0)
            return etsim_errf(err, "%s: read at offset %lld: %s", l->path, (long long)off,
                              r < 0 ? strerror(errno) : "unexpected end of file");
        got += (size_t)r;
    }
    return 0;
}

int etsim_sweep_log_close(etsim_sweep_log *l, etsim_err *err) {
    int rc = 0;
    if (l->fd >= 0) {
        rc = etsim_sweep_log_sync(l, err);
        close(l->fd);
    }
    free(l->path);
    memset(l, 0, sizeof *l);
    l->fd = -1;
    return rc;
}
