/* SPDX-License-Identifier: MIT */
/*
 * The daemon's log: levels as syslog's, to syslog(3) or to stderr. Under systemd
 * (JOURNAL_STREAM set) stderr lines carry the "<N>" priority prefix journald reads,
 * so `journalctl -p warning` works without libsystemd.
 */
#ifndef VSCSI_BACK_LOG_H
#define VSCSI_BACK_LOG_H

#include <stdio.h>
#include <syslog.h>

/* to_syslog 0: write to f (stderr when NULL). Lines above max_level are dropped. */
void back_log_open(const char *ident, int to_syslog, int max_level, FILE *f);
void back_log_close(void);
void back_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
