/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sd_notify.h"

int vscsi_sd_notify(const char *state)
{
    const char *e = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t n, alen;
    int fd, rc = 1;

    if (!e || !*e)
        return 0;
    n = strlen(e);
    if ((e[0] != '/' && e[0] != '@') || n >= sizeof(sa.sun_path))
        return -EINVAL;
    memcpy(sa.sun_path, e, n);
    alen = offsetof(struct sockaddr_un, sun_path) + n;
    if (e[0] == '@')
        sa.sun_path[0] = '\0'; /* abstract: the length, not a NUL, ends the name */
    else
        alen++;
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    if (sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, (socklen_t)alen) < 0)
        rc = -errno;
    close(fd);
    return rc;
}

int vscsi_sd_notifyf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    int n = snprintf(buf, sizeof(buf), "STATUS=");
    va_start(ap, fmt);
    vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
    va_end(ap);
    return vscsi_sd_notify(buf);
}
