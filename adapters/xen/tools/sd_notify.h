/* SPDX-License-Identifier: MIT */
/*
 * The sd_notify protocol without libsystemd: one datagram ("READY=1",
 * "STATUS=...", "STOPPING=1", "RELOADING=1") to the AF_UNIX socket named by
 * $NOTIFY_SOCKET (a path, or "@name" for the abstract namespace).
 */
#ifndef VSCSI_SD_NOTIFY_H
#define VSCSI_SD_NOTIFY_H

/* 1 sent, 0 no $NOTIFY_SOCKET (not under systemd: nothing to do), -errno. */
int vscsi_sd_notify(const char *state);
/* "STATUS=<printf>" */
int vscsi_sd_notifyf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
