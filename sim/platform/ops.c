/* SPDX-License-Identifier: MIT */
/* The platform ops table over the simulator; ctx is the calling domain. */
#define _GNU_SOURCE
#include <errno.h>

#include "hv_internal.h"

static int op_domid(void *ctx, uint16_t *out)
{
    if (!out)
        return -EINVAL;
    *out = ((struct vscsi_sim_dom *)ctx)->domid;
    return 0;
}

static int op_map_grants(void *ctx, uint16_t domid, uint32_t count, const uint32_t *refs,
                         int writable, void **addr)
{
    return vscsi_sim_map_grants(ctx, domid, count, refs, writable, addr);
}

static int op_unmap_grants(void *ctx, void *addr, uint32_t count)
{
    return vscsi_sim_unmap_grants(ctx, addr, count);
}

static int op_copy_grants(void *ctx, struct vscsi_grant_copy *segs, uint32_t count)
{
    return vscsi_sim_copy_grants(ctx, segs, count);
}

static int op_check_grants(void *ctx, uint16_t domid, uint32_t count, const uint32_t *refs,
                           int writable)
{
    return vscsi_sim_check_grants(ctx, domid, count, refs, writable);
}

static int op_grant_page(void *ctx, uint16_t domid, int readonly, uint32_t *ref, void **page)
{
    return vscsi_sim_grant_page(ctx, domid, readonly, ref, page);
}

static int op_ungrant_page(void *ctx, uint32_t ref, void *page)
{
    return vscsi_sim_ungrant_page(ctx, ref, page);
}

static int op_alloc_pages(void *ctx, uint32_t count, void **addr)
{
    return vscsi_sim_alloc_pages(ctx, count, addr);
}

static int op_free_pages(void *ctx, void *addr, uint32_t count)
{
    return vscsi_sim_free_pages(ctx, addr, count);
}

static int op_grant_access(void *ctx, uint16_t domid, uint32_t count, void *const *pages,
                           int readonly, uint32_t *refs)
{
    return vscsi_sim_grant_access(ctx, domid, count, pages, readonly, refs);
}

static int op_end_access(void *ctx, uint32_t count, const uint32_t *refs, int *status)
{
    return vscsi_sim_end_access(ctx, count, refs, status);
}

static int op_alloc_unbound(void *ctx, uint16_t remote_domid, uint32_t *port)
{
    return vscsi_sim_evtchn_alloc_unbound(ctx, remote_domid, port);
}

static int op_bind_interdomain(void *ctx, uint16_t remote_domid, uint32_t remote_port,
                               uint32_t *local_port)
{
    return vscsi_sim_evtchn_bind(ctx, remote_domid, remote_port, local_port);
}

static int op_notify(void *ctx, uint32_t port)
{
    return vscsi_sim_evtchn_notify(ctx, port);
}

static int op_unbind(void *ctx, uint32_t port)
{
    return vscsi_sim_evtchn_unbind(ctx, port);
}

static int op_xs_read(void *ctx, vscsi_xs_txn t, const char *path, char *buf, size_t buflen)
{
    return vscsi_sim_xs_read(ctx, t, path, buf, buflen);
}

static int op_xs_write(void *ctx, vscsi_xs_txn t, const char *path, const char *value)
{
    return vscsi_sim_xs_write(ctx, t, path, value);
}

static int op_xs_mkdir(void *ctx, vscsi_xs_txn t, const char *path)
{
    return vscsi_sim_xs_mkdir(ctx, t, path);
}

static int op_xs_rm(void *ctx, vscsi_xs_txn t, const char *path)
{
    return vscsi_sim_xs_rm(ctx, t, path);
}

static int op_xs_directory(void *ctx, vscsi_xs_txn t, const char *path, char *buf, size_t buflen)
{
    return vscsi_sim_xs_directory(ctx, t, path, buf, buflen);
}

static int op_xs_set_perms(void *ctx, vscsi_xs_txn t, const char *path,
                           const struct vscsi_xs_perm *p, unsigned n)
{
    return vscsi_sim_xs_set_perms(ctx, t, path, p, n);
}

static int op_xs_watch(void *ctx, const char *path, const char *token)
{
    return vscsi_sim_xs_watch(ctx, path, token);
}

static int op_xs_unwatch(void *ctx, const char *path, const char *token)
{
    return vscsi_sim_xs_unwatch(ctx, path, token);
}

static int op_xs_txn_start(void *ctx, vscsi_xs_txn *t)
{
    return vscsi_sim_xs_txn_start(ctx, t);
}

static int op_xs_txn_end(void *ctx, vscsi_xs_txn t, int abort)
{
    return vscsi_sim_xs_txn_end(ctx, t, abort);
}

static const struct vscsi_platform_ops sim_ops = {
    .size = sizeof(struct vscsi_platform_ops),
    .domid = op_domid,
    .map_grants = op_map_grants,
    .unmap_grants = op_unmap_grants,
    .copy_grants = op_copy_grants,
    .grant_page = op_grant_page,
    .ungrant_page = op_ungrant_page,
    .evtchn_alloc_unbound = op_alloc_unbound,
    .evtchn_bind_interdomain = op_bind_interdomain,
    .evtchn_notify = op_notify,
    .evtchn_unbind = op_unbind,
    .xs_read = op_xs_read,
    .xs_write = op_xs_write,
    .xs_mkdir = op_xs_mkdir,
    .xs_rm = op_xs_rm,
    .xs_directory = op_xs_directory,
    .xs_set_perms = op_xs_set_perms,
    .xs_watch = op_xs_watch,
    .xs_unwatch = op_xs_unwatch,
    .xs_txn_start = op_xs_txn_start,
    .xs_txn_end = op_xs_txn_end,
    .alloc_pages = op_alloc_pages,
    .free_pages = op_free_pages,
    .grant_access = op_grant_access,
    .end_access = op_end_access,
    .check_grants = op_check_grants,
};

const struct vscsi_platform_ops *vscsi_sim_ops(void)
{
    return &sim_ops;
}
