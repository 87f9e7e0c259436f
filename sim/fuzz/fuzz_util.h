/* fuzz_util.h -- small helpers shared by the fuzz targets (each target is
 * one .c file built alone, so these are static functions in a header).
 *
 * Some parsers only read files (the importers, the sweep log, capture
 * configs): fuzz_write() puts the input into a file in a private temporary
 * directory, made once per process and removed at exit, so parallel
 * fuzzers and parallel ctest replays never share a file.
 * fuzz_check_err() is the check every target makes on a failure: the
 * parser must say what went wrong (a non-empty message). */
#ifndef ETSIM_FUZZ_UTIL_H
#define ETSIM_FUZZ_UTIL_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sim/core/util.h"

static char fuzz_dir_path[64];

/* Remove a directory and what it holds (files, and directories of files). */
static inline void fuzz_rm_tree(const char *dir, int depth) {
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        char path[512];
        while ((e = readdir(d))) {
            if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            if (unlink(path) < 0 && depth < 2) fuzz_rm_tree(path, depth + 1);
        }
        closedir(d);
    }
    rmdir(dir);
}

static inline void fuzz_dir_remove(void) {
    if (fuzz_dir_path[0]) fuzz_rm_tree(fuzz_dir_path, 0);
}

/* The process's private directory (created on first use). */
static inline const char *fuzz_dir(void) {
    if (!fuzz_dir_path[0]) {
        const char *base = getenv("TMPDIR");
        snprintf(fuzz_dir_path, sizeof fuzz_dir_path, "%s/etsim-fuzz-XXXXXX",
                 base && strlen(base) < 40 ? base : "/tmp");
        if (!mkdtemp(fuzz_dir_path)) abort();
        atexit(fuzz_dir_remove);
    }
    return fuzz_dir_path;
}

/* Write data to DIR/name (name may hold one subdirectory level, made as
 * needed); returns the path in a static buffer (valid until the next call). */
static inline const char *fuzz_write(const char *name, const void *data, size_t size) {
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
    char *slash = strrchr(path, '/');
    if (slash > path + strlen(fuzz_dir_path)) {
        *slash = 0;
        mkdir(path, 0700);
        *slash = '/';
    }
    FILE *fp = fopen(path, "wb");
    if (!fp || (size && fwrite(data, 1, size, fp) != size) || fclose(fp) != 0) abort();
    return path;
}

/* A NUL-terminated copy of the input (the JSON parsers take C strings). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (!s) abort();
    memcpy(s, data, size);
    s[size] = 0;
    return s;
}

/* A failing parser must say why. */
static inline void fuzz_check_err(const etsim_err *err) {
    if (!err->msg[0]) abort();
}

#endif
