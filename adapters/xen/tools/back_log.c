/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdlib.h>
#include <time.h>

#include "back_log.h"

static struct {
    const char *ident;
    int to_syslog, max_level, journal, opened;
    FILE *f;
} lg = {"vscsi", 0, LOG_INFO, 0, 0, NULL};

void back_log_open(const char *ident, int to_syslog, int max_level, FILE *f)
{
    back_log_close();
    lg.ident = ident;
    lg.to_syslog = to_syslog;
    lg.max_level = max_level;
    lg.f = f;
    lg.journal = !f && getenv("JOURNAL_STREAM") != NULL;
    if (to_syslog) {
        openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
        lg.opened = 1;
    }
}

void back_log_close(void)
{
    if (lg.opened)
        closelog();
    lg.opened = 0;
}

void back_log(int level, const char *fmt, ...)
{
    va_list ap;
    FILE *f = lg.f ? lg.f : stderr;

    if (level > lg.max_level)
        return;
    va_start(ap, fmt);
    if (lg.to_syslog) {
        vsyslog(level, fmt, ap);
    } else if (lg.journal) {
        /* journald stamps the time itself. */
        fprintf(f, "<%d>", level);
        vfprintf(f, fmt, ap);
        fputc('\n', f);
    } else {
        static const char *const names[] = {"emerg",   "alert",  "crit", "error",
                                            "warning", "notice", "info", "debug"};
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        fprintf(f, "%s[%ld.%03ld] %s: ", lg.ident, (long)ts.tv_sec, ts.tv_nsec / 1000000,
                names[level & 7]);
        vfprintf(f, fmt, ap);
        fputc('\n', f);
    }
    va_end(ap);
    fflush(f);
}
