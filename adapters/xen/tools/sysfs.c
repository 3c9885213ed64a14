/* SPDX-License-Identifier: MIT */
/* Device nodes to SCSI addresses and back, through sysfs (never by parsing names). */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "tools.h"

static const char *sysfs(void)
{
    const char *r = getenv("VSCSI_SYSFS");
    return r && *r ? r : "/sys";
}

static int parse_hctl(const char *s, struct vscsi_hctl *h)
{
    struct vscsi_pdev p;
    if (vscsi_pdev_parse(s, &p, NULL) != 0 || p.kind != VSCSI_PDEV_HCTL)
        return -EINVAL;
    *h = p.hctl;
    return 0;
}

int vscsi_tool_dev_to_hctl(const char *path, struct vscsi_hctl *out, char *msg, size_t msglen)
{
    char link[PATH_MAX], target[PATH_MAX];
    struct stat st;
    ssize_t n;

    /* stat follows /dev/disk/by-* symlinks to the node itself. */
    if (stat(path, &st) != 0) {
        snprintf(msg, msglen, "%s: %s", path, strerror(errno));
        return -errno;
    }
    if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode)) {
        snprintf(msg, msglen, "%s: not a device node", path);
        return -ENOTBLK;
    }
    snprintf(link, sizeof(link), "%s/dev/%s/%u:%u/device", sysfs(),
             S_ISCHR(st.st_mode) ? "char" : "block", major(st.st_rdev), minor(st.st_rdev));
    n = readlink(link, target, sizeof(target) - 1);
    if (n < 0) {
        /* Partitions and non-SCSI devices have no SCSI device behind them. */
        snprintf(msg, msglen, "%s: not a whole SCSI device (%s: %s)", path, link, strerror(errno));
        return -ENODEV;
    }
    target[n] = '\0';
    const char *base = strrchr(target, '/');
    base = base ? base + 1 : target;
    if (parse_hctl(base, out) != 0) {
        snprintf(msg, msglen, "%s: sysfs device %s is not h:c:t:l", path, base);
        return -ENODEV;
    }
    return 0;
}

int vscsi_tool_hctl_to_sg(const struct vscsi_hctl *h, char *dev, size_t len)
{
    char dir[PATH_MAX];
    struct dirent *e;
    DIR *d;
    int rc = -ENODEV;

    snprintf(dir, sizeof(dir),
             "%s/bus/scsi/devices/%" PRIu32 ":%" PRIu32 ":%" PRIu32 ":%" PRIu32 "/scsi_generic",
             sysfs(), h->host, h->channel, h->target, h->lun);
    d = opendir(dir);
    if (!d)
        return -ENODEV;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "sg", 2) == 0) {
            rc = snprintf(dev, len, "/dev/%s", e->d_name) < (int)len ? 0 : -ENAMETOOLONG;
            break;
        }
    }
    closedir(d);
    return rc;
}

int vscsi_tool_pdev_canon(const char *arg, char *out, size_t len, char *msg, size_t msglen)
{
    struct vscsi_parse_error err;
    struct vscsi_pdev p;
    int rc = vscsi_pdev_parse(arg, &p, &err);

    if (rc) {
        snprintf(msg, msglen, "bad p-dev '%s': %s", arg, err.message);
        return rc;
    }
    if (p.kind == VSCSI_PDEV_PATH) {
        struct vscsi_hctl h;
        rc = vscsi_tool_dev_to_hctl(p.path, &h, msg, msglen);
        if (rc)
            return rc;
        memset(&p, 0, sizeof(p));
        p.kind = VSCSI_PDEV_HCTL;
        p.hctl = h;
    }
    rc = vscsi_pdev_format(&p, out, len);
    if (rc < 0 || (size_t)rc >= len) {
        snprintf(msg, msglen, "p-dev too long");
        return -ENAMETOOLONG;
    }
    return 0;
}
