/* gnuplot.c -- finding and running gnuplot (see gnuplot.h). gnuplot has no
 * option to change directory, so the child changes to DIR itself between
 * fork and exec (no shell in between); the parent waits for it, retrying
 * only when a signal interrupts the wait. A process started with SIGCHLD
 * ignored would never see its child's status (waitpid fails with ECHILD),
 * so SIGCHLD is at its default for the length of the run. */
#include "plots/gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* Exit statuses of a child that did not get to exec gnuplot. */
#define CHILD_NO_DIR 126
#define CHILD_NO_EXEC 127

char *etsim_gnuplot_find(const char *search_path) {
    if (!search_path || !search_path[0]) return NULL;
    char *dirs = etsim_strdup(search_path), *save = NULL, *found = NULL;
    for (char *d = strtok_r(dirs, ":", &save); d && !found; d = strtok_r(NULL, ":", &save)) {
        size_t n = strlen(d) + sizeof "/gnuplot";
        char *p = etsim_malloc(n);
        snprintf(p, n, "%s/gnuplot", d);
        struct stat sb;
        if (stat(p, &sb) == 0 && S_ISREG(sb.st_mode) && access(p, X_OK) == 0) found = p;
        else free(p);
    }
    free(dirs);
    return found;
}

int etsim_gnuplot_run(const char *gnuplot, const char *dir, const char *script,
                      const char *data, const char *outbase, etsim_err *err) {
    char expr[1024];
    if ((size_t)snprintf(expr, sizeof expr, "datafile='%s'; outbase='%s'", data, outbase) >=
        sizeof expr)
        return etsim_errf(err, "gnuplot: file names too long (%s, %s)", data, outbase);
    char *argv[] = {(char *)gnuplot, "-e", expr, (char *)script, NULL};
    struct sigaction dfl, old;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGCHLD, &dfl, &old);
    fflush(NULL); /* nothing buffered twice */
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        sigaction(SIGCHLD, &old, NULL);
        return etsim_errf(err, "cannot run %s: %s", gnuplot, strerror(e));
    }
    if (pid == 0) {
        if (chdir(dir) < 0) _exit(CHILD_NO_DIR);
        int null = open("/dev/null", O_WRONLY);
        if (null >= 0) {
            dup2(null, 1);
            close(null);
        }
        execv(gnuplot, argv);
        _exit(CHILD_NO_EXEC);
    }
    int status = 0, wait_errno = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            wait_errno = errno;
            break;
        }
    }
    sigaction(SIGCHLD, &old, NULL);
    if (wait_errno) return etsim_errf(err, "waiting for %s: %s", gnuplot, strerror(wait_errno));
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
    if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_NO_DIR)
        return etsim_errf(err, "gnuplot: cannot change to %s", dir);
    if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_NO_EXEC)
        return etsim_errf(err, "cannot run %s", gnuplot);
    if (WIFSIGNALED(status))
        return etsim_errf(err, "gnuplot killed by signal %d on %s/%s", WTERMSIG(status), dir,
                          script);
    return etsim_errf(err, "gnuplot failed on %s/%s (exit status %d)", dir, script,
                      WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int etsim_gnuplot_paper_figures(const char *gnuplot, const char *out_dir, etsim_err *err) {
    static const char *const figs[] = {"fig2", "fig3"};
    for (size_t i = 0; i < sizeof figs / sizeof figs[0]; i++) {
        char script[64], data[64];
        snprintf(script, sizeof script, "plots/%s.gp", figs[i]);
        snprintf(data, sizeof data, "%s.dat", figs[i]);
        if (etsim_gnuplot_run(gnuplot, out_dir, script, data, figs[i], err) < 0) return -1;
    }
    return 0;
}
