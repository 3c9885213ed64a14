/* SPDX-License-Identifier: MIT */
/* The Xen adapter's handle, its ops table and the domid lookup. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "xen_int.h"

int vscsi__xen_err(int fallback)
{
    /* The libraries do not always set errno on failure; never report success. */
    return errno > 0 ? -errno : fallback;
}

void vscsi_xen_close(struct vscsi_xen *x)
{
    if (!x)
        return;
    if (x->xs)
        xs_close(x->xs);
    if (x->ev)
        xenevtchn_close(x->ev);
    if (x->gs)
        xengntshr_close(x->gs);
    if (x->gt)
        xengnttab_close(x->gt);
    free(x);
}

int vscsi_xen_open(unsigned what, struct vscsi_xen **out)
{
    struct vscsi_xen *x;
    int rc = 0;

    if (!out || !what ||
        (what & ~(VSCSI_XEN_GNTTAB | VSCSI_XEN_GNTSHR | VSCSI_XEN_EVTCHN | VSCSI_XEN_XS)))
        return -EINVAL;
    x = calloc(1, sizeof(*x));
    if (!x)
        return -ENOMEM;
    x->what = what;
    errno = 0;
    if ((what & VSCSI_XEN_GNTTAB) && !(x->gt = xengnttab_open(NULL, 0)))
        rc = vscsi__xen_err(-ENODEV);
    if (!rc && (what & VSCSI_XEN_GNTSHR) && !(x->gs = xengntshr_open(NULL, 0)))
        rc = vscsi__xen_err(-ENODEV);
    if (!rc && (what & VSCSI_XEN_EVTCHN)) {
        if (!(x->ev = xenevtchn_open(NULL, 0))) {
            rc = vscsi__xen_err(-ENODEV);
        } else {
            /* The embedder polls; a read with nothing pending must not block. */
            int fd = xenevtchn_fd(x->ev);
            int fl = fcntl(fd, F_GETFL);
            if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
                rc = vscsi__xen_err(-EIO);
        }
    }
    if (!rc && (what & VSCSI_XEN_XS) && !(x->xs = xs_open(0)))
        rc = vscsi__xen_err(-ENODEV);
    if (rc) {
        vscsi_xen_close(x);
        return rc;
    }
    *out = x;
    return 0;
}

int vscsi__xen_domid(void *ctx, uint16_t *out)
{
    struct vscsi_xen *x = ctx;
    char buf[16];
    char *end;
    unsigned long v;
    int rc;

    if (x->have_domid) {
        *out = x->domid;
        return 0;
    }
    /* A relative path is relative to our own /local/domain/<id>. */
    rc = vscsi__xen_xs_read(ctx, VSCSI_XS_NO_TXN, "domid", buf, sizeof(buf));
    if (rc < 0)
        return rc;
    errno = 0;
    v = strtoul(buf, &end, 10);
    if (errno || end == buf || *end || v >= 0x7ff0)
        return -EINVAL;
    x->domid = (uint16_t)v;
    x->have_domid = 1;
    *out = x->domid;
    return 0;
}

const struct vscsi_platform_ops *vscsi_xen_ops(void)
{
    static const struct vscsi_platform_ops ops = {
        .size = sizeof(ops),
        .domid = vscsi__xen_domid,
        .map_grants = vscsi__xen_map_grants,
        .unmap_grants = vscsi__xen_unmap_grants,
        .copy_grants = vscsi__xen_copy_grants,
        .grant_page = vscsi__xen_grant_page,
        .ungrant_page = vscsi__xen_ungrant_page,
        .evtchn_alloc_unbound = vscsi__xen_evtchn_alloc_unbound,
        .evtchn_bind_interdomain = vscsi__xen_evtchn_bind_interdomain,
        .evtchn_notify = vscsi__xen_evtchn_notify,
        .evtchn_unbind = vscsi__xen_evtchn_unbind,
        .xs_read = vscsi__xen_xs_read,
        .xs_write = vscsi__xen_xs_write,
        .xs_mkdir = vscsi__xen_xs_mkdir,
        .xs_rm = vscsi__xen_xs_rm,
        .xs_directory = vscsi__xen_xs_directory,
        .xs_set_perms = vscsi__xen_xs_set_perms,
        .xs_watch = vscsi__xen_xs_watch,
        .xs_unwatch = vscsi__xen_xs_unwatch,
        .xs_txn_start = vscsi__xen_xs_txn_start,
        .xs_txn_end = vscsi__xen_xs_txn_end,
    };
    return &ops;
}
