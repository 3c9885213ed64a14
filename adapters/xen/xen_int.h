/* SPDX-License-Identifier: MIT */
/* Internal to the Xen adapter: the handle and the per-interface op functions. */
#ifndef VSCSI_XEN_INT_H
#define VSCSI_XEN_INT_H

#include <xenevtchn.h>
#include <xengnttab.h>
#include <xenstore.h>

#include "vscsi_xen.h"

struct vscsi_xen {
    unsigned what;
    xengnttab_handle *gt;
    xengntshr_handle *gs;
    xenevtchn_handle *ev;
    struct xs_handle *xs;
    int have_domid;
    uint16_t domid;
};

/* Negative errno from errno after a failed library call, never 0. */
int vscsi__xen_err(int fallback);

int vscsi__xen_map_grants(void *ctx, uint16_t domid, uint32_t count, const uint32_t *refs,
                          int writable, void **addr);
int vscsi__xen_unmap_grants(void *ctx, void *addr, uint32_t count);
int vscsi__xen_copy_grants(void *ctx, struct vscsi_grant_copy *segs, uint32_t count);
int vscsi__xen_grant_page(void *ctx, uint16_t domid, int readonly, uint32_t *ref, void **page);
int vscsi__xen_ungrant_page(void *ctx, uint32_t ref, void *page);

int vscsi__xen_evtchn_alloc_unbound(void *ctx, uint16_t remote_domid, uint32_t *port);
int vscsi__xen_evtchn_bind_interdomain(void *ctx, uint16_t remote_domid, uint32_t remote_port,
                                       uint32_t *local_port);
int vscsi__xen_evtchn_notify(void *ctx, uint32_t port);
int vscsi__xen_evtchn_unbind(void *ctx, uint32_t port);

int vscsi__xen_xs_read(void *ctx, vscsi_xs_txn t, const char *path, char *buf, size_t buflen);
int vscsi__xen_xs_write(void *ctx, vscsi_xs_txn t, const char *path, const char *value);
int vscsi__xen_xs_mkdir(void *ctx, vscsi_xs_txn t, const char *path);
int vscsi__xen_xs_rm(void *ctx, vscsi_xs_txn t, const char *path);
int vscsi__xen_xs_directory(void *ctx, vscsi_xs_txn t, const char *path, char *buf, size_t buflen);
int vscsi__xen_xs_set_perms(void *ctx, vscsi_xs_txn t, const char *path,
                            const struct vscsi_xs_perm *p, unsigned n);
int vscsi__xen_xs_watch(void *ctx, const char *path, const char *token);
int vscsi__xen_xs_unwatch(void *ctx, const char *path, const char *token);
int vscsi__xen_xs_txn_start(void *ctx, vscsi_xs_txn *t);
int vscsi__xen_xs_txn_end(void *ctx, vscsi_xs_txn t, int abort);
int vscsi__xen_domid(void *ctx, uint16_t *out);

#endif
