/* lock.c -- flock-based output locks with a holder record (see lock.h). */
#include "sim/core/lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The holder line of an open lock file, without its newline ("" if none). */
static char *read_record(int fd) {
    char buf[512];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n < 0) n = 0;
    buf[n] = 0;
    char *nl = strchr(buf, '\n');
    if (nl) *nl = 0;
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20) *p = '?';
    return etsim_strdup(buf);
}

int etsim_lock_take(etsim_lock *l, const char *path, const char *what, etsim_err *err) {
    memset(l, 0, sizeof *l);
    l->fd = -1;
    for (int attempt = 0; attempt < 100; attempt++) {
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) return etsim_errf(err, "%s: cannot create the lock file: %s", path, strerror(errno));
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
            int e = errno;
            char *who = read_record(fd);
            close(fd);
            if (e == EWOULDBLOCK) {
                etsim_errf(err, "%s: in use by %s; wait for it to finish or stop it", path,
                           who[0] ? who : "another etsim process");
            } else {
                etsim_errf(err, "%s: cannot lock: %s", path, strerror(e));
            }
            free(who);
            return -1;
        }
        /* Locked: is it still the file at path (not one a releasing holder
         * just unlinked)? */
        struct stat a, b;
        if (fstat(fd, &a) < 0 || stat(path, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino) {
            close(fd);
            continue;
        }
        char *prev = read_record(fd);
        char host[256] = "?";
        if (gethostname(host, sizeof host) != 0) strcpy(host, "?");
        host[sizeof host - 1] = 0;
        time_t now = time(NULL);
        struct tm tm;
        char when[32] = "?";
        if (gmtime_r(&now, &tm)) strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
        char line[640];
        int n = snprintf(line, sizeof line, "pid %ld on %s since %s (%s)\n", (long)getpid(), host,
                         when, what ? what : "etsim");
        if (n < 0 || n >= (int)sizeof line) n = (int)strlen(line);
        if (ftruncate(fd, 0) != 0 || pwrite(fd, line, (size_t)n, 0) != (ssize_t)n) {
            int e = errno;
            free(prev);
            unlink(path);
            close(fd);
            return etsim_errf(err, "%s: cannot write the lock file: %s", path, strerror(e));
        }
        l->fd = fd;
        l->path = etsim_strdup(path);
        if (prev[0]) l->previous = prev;
        else free(prev);
        return 0;
    }
    return etsim_errf(err, "%s: the lock file keeps being replaced; is another etsim starting "
                           "and stopping on it?", path);
}

void etsim_lock_release(etsim_lock *l) {
    if (!l || !l->path) return;
    if (l->fd >= 0) {
        unlink(l->path);
        close(l->fd);
    }
    free(l->path);
    free(l->previous);
    memset(l, 0, sizeof *l);
    l->fd = -1;
}
