/* SPDX-License-Identifier: MIT */
/* Multi-page ring negotiation: the store keys of docs/multi-page-ring.md.
 * Every value the peer wrote is hostile: strict decimals, bounded by what we
 * advertised, and the set of ring-refN nodes must be exactly the one the
 * order names (a surplus node is refused, not ignored: it means the peer and
 * we disagree on the layout). */
#include <errno.h>
#include <stdio.h>

#include "vscsiif/xenbus.h"

#include "ring_pages.h"

int vscsi__ring_pages_advertise(const struct vscsi_platform_ops *ops, void *ctx,
                                const char *dev_path, unsigned max_order)
{
    if (max_order == 0)
        return 0;
    if (max_order > VSCSI_RING_PAGE_ORDER_MAX)
        max_order = VSCSI_RING_PAGE_ORDER_MAX;
    return vscsi_xb_write_uint(ops, ctx, VSCSI_XS_NO_TXN, dev_path, "max-ring-page-order",
                               max_order);
}

static void ref_name(char *buf, size_t len, unsigned i)
{
    snprintf(buf, len, "ring-ref%u", i);
}

int vscsi__ring_pages_read(const struct vscsi_platform_ops *ops, void *ctx, const char *fe_path,
                           unsigned max_order, struct ring_pages_req *out, const char **why)
{
    char name[24];
    uint32_t order = 0, v;
    unsigned n;
    int rc;

    out->order = 0;
    if (max_order > VSCSI_RING_PAGE_ORDER_MAX)
        max_order = VSCSI_RING_PAGE_ORDER_MAX;
    if (max_order) {
        rc = vscsi_xb_read_uint(ops, ctx, VSCSI_XS_NO_TXN, fe_path, "ring-page-order", max_order,
                                &order);
        if (rc == -ENOENT) {
            order = 0;
        } else if (rc) {
            *why = rc == -ERANGE ? "ring-page-order beyond max-ring-page-order"
                                 : "ring-page-order is not a number";
            return rc == -ERANGE ? -EINVAL : rc;
        }
    }
    if (order == 0) {
        rc = vscsi_xb_read_uint(ops, ctx, VSCSI_XS_NO_TXN, fe_path, "ring-ref", UINT32_MAX,
                                &out->refs[0]);
        if (rc)
            *why = "bad ring-ref node";
        return rc == -ERANGE ? -EINVAL : rc;
    }
    n = 1u << order;
    for (unsigned i = 0; i <= n; i++) {
        ref_name(name, sizeof(name), i);
        rc = vscsi_xb_read_uint(ops, ctx, VSCSI_XS_NO_TXN, fe_path, name, UINT32_MAX,
                                i < n ? &out->refs[i] : &v);
        if (i == n) {
            if (rc != -ENOENT) {
                *why = "more ring-refN nodes than ring-page-order names";
                return -EINVAL;
            }
            break;
        }
        if (rc) {
            *why = rc == -ENOENT ? "ring-refN missing for ring-page-order" : "bad ring-refN node";
            return rc == -ERANGE ? -EINVAL : rc;
        }
    }
    out->order = order;
    return 0;
}

unsigned vscsi__ring_pages_choose(const struct vscsi_platform_ops *ops, void *ctx,
                                  const char *be_path, unsigned own_max, int *bogus)
{
    uint32_t v;
    int rc;

    *bogus = 0;
    if (own_max == 0)
        return 0;
    if (own_max > VSCSI_RING_PAGE_ORDER_MAX)
        own_max = VSCSI_RING_PAGE_ORDER_MAX;
    rc = vscsi_xb_read_uint(ops, ctx, VSCSI_XS_NO_TXN, be_path, "max-ring-page-order", UINT32_MAX,
                            &v);
    if (rc == -ENOENT)
        return 0;
    if (rc) {
        *bogus = 1;
        return 0;
    }
    return v < own_max ? v : own_max;
}

int vscsi__ring_pages_write(const struct vscsi_platform_ops *ops, void *ctx, vscsi_xs_txn t,
                            const char *dev_path, unsigned order, const uint32_t *refs)
{
    char name[24];
    int rc;

    if (order == 0 || order > VSCSI_RING_PAGE_ORDER_MAX)
        return -EINVAL;
    rc = vscsi_xb_write_uint(ops, ctx, t, dev_path, "ring-page-order", order);
    for (unsigned i = 0; rc == 0 && i < (1u << order); i++) {
        ref_name(name, sizeof(name), i);
        rc = vscsi_xb_write_uint(ops, ctx, t, dev_path, name, refs[i]);
    }
    return rc;
}
