/* SPDX-License-Identifier: MIT */
/*
 * The platform ops table (vscsiif/platform.h) on the real Xen userspace
 * libraries: libxengnttab (map/copy foreign grants, /dev/xen/gntdev),
 * libxengntshr (share own pages, /dev/xen/gntalloc), libxenevtchn
 * (/dev/xen/evtchn) and libxenstore (xenstored socket or /dev/xen/xenbus).
 *
 * The library owns no event loop: the embedder polls vscsi_xen_evtchn_fd()
 * and vscsi_xen_xs_fd(), drains them with vscsi_xen_next_port() and
 * vscsi_xen_next_watch(), and hands what comes out to the engines.
 *
 * Not thread-safe: one handle per thread (libxenstore itself is, but the
 * engines are not).
 */
#ifndef VSCSI_XEN_H
#define VSCSI_XEN_H

#include <stddef.h>
#include <stdint.h>

#include "vscsiif/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which interfaces to open: a backend needs no gntshr, a toolstack only XenStore. */
#define VSCSI_XEN_GNTTAB   0x1u
#define VSCSI_XEN_GNTSHR   0x2u
#define VSCSI_XEN_EVTCHN   0x4u
#define VSCSI_XEN_XS       0x8u
#define VSCSI_XEN_BACKEND  (VSCSI_XEN_GNTTAB | VSCSI_XEN_EVTCHN | VSCSI_XEN_XS)
#define VSCSI_XEN_FRONTEND (VSCSI_XEN_GNTSHR | VSCSI_XEN_EVTCHN | VSCSI_XEN_XS)

struct vscsi_xen; /* opaque; the ops' ctx */

/* Opens the interfaces in `what`. Returns 0 or a negative errno (the
 * interface that failed is closed again, nothing leaks). */
int vscsi_xen_open(unsigned what, struct vscsi_xen **out);
void vscsi_xen_close(struct vscsi_xen *x);

/* The ops table; ops for interfaces not opened return -ENOSYS. */
const struct vscsi_platform_ops *vscsi_xen_ops(void);

/* Pollable descriptors, -1 when that interface is not open. */
int vscsi_xen_evtchn_fd(const struct vscsi_xen *x);
int vscsi_xen_xs_fd(const struct vscsi_xen *x);

/* Next pending event-channel port, unmasked again before it is returned so
 * that an event arriving while the caller works is not lost. -EAGAIN when
 * none is pending. */
int vscsi_xen_next_port(struct vscsi_xen *x, uint32_t *port);

/* Next watch event without blocking: -EAGAIN when none, -E2BIG when the
 * path or token does not fit (the event is dropped). */
int vscsi_xen_next_watch(struct vscsi_xen *x, char *path, size_t path_len, char *token,
                         size_t token_len);

/* Map a GNTST_* status from the hypervisor to a negative errno (for logs). */
int vscsi_xen_gntst_errno(int16_t status);

#ifdef __cplusplus
}
#endif

#endif
