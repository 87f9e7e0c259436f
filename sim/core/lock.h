/* lock.h -- one advisory lock helper for every long-running writer that
 * must be alone on its output: a sweep on its directory, a capture on its
 * trace.
 *
 * The lock is flock(LOCK_EX | LOCK_NB) on a small lock file beside the
 * output; the holder writes one line into it ("pid 123 on host since
 * 2026-12-07T05:12:00Z: etsim capture"), so a second process that finds
 * it locked exits naming who holds it. Nothing breaks a held lock:
 * --force and --resume take it like everyone else. The kernel drops the
 * lock when its holder dies (kill -9 included), so a crash never leaves
 * a lock that blocks; the file with the dead holder's line stays, and the
 * next holder is told it found one (an interrupted run).
 *
 * Release unlinks the file while still holding the lock. A process that
 * opened the old file just before and then got the lock on the unlinked
 * inode would otherwise think it holds the lock beside a new file: every
 * take therefore checks, once locked, that the path still names the inode
 * it locked, and retries when it does not. */
#ifndef ETSIM_LOCK_H
#define ETSIM_LOCK_H

#include "sim/core/util.h"

typedef struct etsim_lock {
    int fd;             /* -1: not held                                         */
    char *path;
    char *previous;     /* the line of an earlier holder that did not release
                           it (a crash or kill), or NULL                         */
} etsim_lock;

/* Take the lock on `path` (created if absent) for `what` (e.g. "etsim
 * sweep"). Held by another process: -1 with "PATH: in use by pid N on
 * HOST since TIME (WHAT); wait for it to finish or stop it". */
int etsim_lock_take(etsim_lock *l, const char *path, const char *what, etsim_err *err);

/* Release (unlink the file and unlock). A lock not held (fd -1, or a
 * zeroed struct with path NULL) is a no-op. */
void etsim_lock_release(etsim_lock *l);

#endif
