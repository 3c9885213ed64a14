/* SPDX-License-Identifier: MIT */
/* Event channels over libxenevtchn (/dev/xen/evtchn). */
#include <errno.h>

#include "xen_int.h"

int vscsi__xen_evtchn_alloc_unbound(void *ctx, uint16_t remote_domid, uint32_t *port)
{
    struct vscsi_xen *x = ctx;
    xenevtchn_port_or_error_t p;

    if (!x->ev)
        return -ENOSYS;
    errno = 0;
    p = xenevtchn_bind_unbound_port(x->ev, remote_domid);
    if (p < 0)
        return vscsi__xen_err(-EIO);
    *port = (uint32_t)p;
    return 0;
}

int vscsi__xen_evtchn_bind_interdomain(void *ctx, uint16_t remote_domid, uint32_t remote_port,
                                       uint32_t *local_port)
{
    struct vscsi_xen *x = ctx;
    xenevtchn_port_or_error_t p;

    if (!x->ev)
        return -ENOSYS;
    errno = 0;
    p = xenevtchn_bind_interdomain(x->ev, remote_domid, remote_port);
    if (p < 0)
        return vscsi__xen_err(-EIO);
    *local_port = (uint32_t)p;
    return 0;
}

int vscsi__xen_evtchn_notify(void *ctx, uint32_t port)
{
    struct vscsi_xen *x = ctx;

    if (!x->ev)
        return -ENOSYS;
    errno = 0;
    return xenevtchn_notify(x->ev, port) == 0 ? 0 : vscsi__xen_err(-EIO);
}

int vscsi__xen_evtchn_unbind(void *ctx, uint32_t port)
{
    struct vscsi_xen *x = ctx;

    if (!x->ev)
        return -ENOSYS;
    errno = 0;
    return xenevtchn_unbind(x->ev, port) == 0 ? 0 : vscsi__xen_err(-EIO);
}

int vscsi_xen_evtchn_fd(const struct vscsi_xen *x)
{
    return x && x->ev ? xenevtchn_fd(x->ev) : -1;
}

int vscsi_xen_next_port(struct vscsi_xen *x, uint32_t *port)
{
    xenevtchn_port_or_error_t p;

    if (!x || !x->ev)
        return -ENOSYS;
    errno = 0;
    p = xenevtchn_pending(x->ev);
    if (p < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK ? -EAGAIN : vscsi__xen_err(-EIO);
    /* The driver masks a port when it delivers it; unmask before the caller
     * drains the ring so a notify sent meanwhile raises a new event. */
    if (xenevtchn_unmask(x->ev, (evtchn_port_t)p) != 0)
        return vscsi__xen_err(-EIO);
    *port = (uint32_t)p;
    return 0;
}
