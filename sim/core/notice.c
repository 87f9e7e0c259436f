/* notice.c -- formatting a notice for the caller's function (see
 * notice.h). The message is formatted only when someone listens. */
#include "sim/core/notice.h"

#include <stdarg.h>
#include <stdio.h>

#include "sim/core/util.h"

void etsim_notice_say(const etsim_notice *n, const char *fmt, ...) {
    if (!n || !n->fn) return;
    char msg[ETSIM_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    n->fn(n->ctx, msg);
}
