/* replay_main.c -- the main() that turns a libFuzzer target into a plain
 * executable (any C compiler, no libFuzzer): every file named on the
 * command line, and every regular file inside every directory named, is
 * read into a buffer of exactly its size (so ASan sees a read one past the
 * end) and handed to LLVMFuzzerTestOneInput once, in sorted name order.
 *
 * ctest runs each target this way over its committed seed corpus and its
 * crash regressions (tests/CMakeLists.txt), under the ASan/UBSan build of
 * scripts/test.sh: a parser that crashes, trips a sanitizer or fails a
 * target's own checks (abort) on any of those inputs fails the test. No
 * input at all is an error too, so a corpus that went missing cannot pass
 * silently. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path) {
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "fuzz replay: %s: cannot open\n", path);
        return -1;
    }
    struct stat st;
    if (fstat(fileno(fp), &st) < 0 || st.st_size < 0) {
        fprintf(stderr, "fuzz replay: %s: cannot stat\n", path);
        fclose(fp);
        return -1;
    }
    size_t len = (size_t)st.st_size;
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf || fread(buf, 1, len, fp) != len) {
        fprintf(stderr, "fuzz replay: %s: read failed\n", path);
        free(buf);
        fclose(fp);
        return -1;
    }
    fclose(fp);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

static int cmp_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run every regular file of a directory (not recursive); returns the count
 * or -1. */
static int run_dir(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "fuzz replay: %s: cannot open directory\n", dir);
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown) abort();
            names = grown;
        }
        size_t pl = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = malloc(pl);
        if (!names[n]) abort();
        snprintf(names[n++], pl, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (count >= 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
            count = run_file(names[i]) < 0 ? -1 : count + 1;
        free(names[i]);
    }
    free(names);
    return count;
}

int main(int argc, char **argv) {
    int total = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) < 0) {
            fprintf(stderr, "fuzz replay: %s: not found\n", argv[i]);
            return 1;
        }
        int n = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : (run_file(argv[i]) < 0 ? -1 : 1);
        if (n < 0) return 1;
        printf("%s: %d inputs\n", argv[i], n);
        total += n;
    }
    if (total == 0) {
        fprintf(stderr, "fuzz replay: no inputs (usage: %s CORPUS_DIR_OR_FILE...)\n", argv[0]);
        return 1;
    }
    printf("fuzz replay: %d inputs, no crash\n", total);
    return 0;
}
