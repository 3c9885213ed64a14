/* SPDX-License-Identifier: MIT */
/* Multi-page ring negotiation (docs/multi-page-ring.md): the XenStore side of
 * a proposed extension, off unless both ends enable it. Engine-internal. */
#ifndef VSCSI_LIB_RING_PAGES_H
#define VSCSI_LIB_RING_PAGES_H

#include <stdint.h>

#include "vscsiif/platform.h"
#include "vscsiif/ring.h"

#define RING_PAGES_MAX (1u << VSCSI_RING_PAGE_ORDER_MAX)

/* A ring as the backend found it in the frontend's directory. */
struct ring_pages_req {
    unsigned order;                /* 0: the standard single page */
    uint32_t refs[RING_PAGES_MAX]; /* 1 << order grant refs */
};

/* Backend: writes max-ring-page-order into its own directory when
 * max_order > 0 (the option is on); writes nothing otherwise, so a peer sees
 * exactly what a standard backend writes. */
int vscsi__ring_pages_advertise(const struct vscsi_platform_ops *ops, void *ctx,
                                const char *dev_path, unsigned max_order);

/* Backend: reads the frontend's ring nodes. With max_order 0 only ring-ref
 * counts (a standard backend ignores ring-page-order). Otherwise an absent
 * ring-page-order, or 0, means ring-ref; a larger one means exactly
 * ring-ref0..ring-ref{2^order - 1}. Returns 0, or a negative errno with *why
 * set for the error node: -ENOENT (a ref missing), -EINVAL (a value not a
 * strict decimal, order above max_order, a ref beyond the order's count). */
int vscsi__ring_pages_read(const struct vscsi_platform_ops *ops, void *ctx, const char *fe_path,
                           unsigned max_order, struct ring_pages_req *out, const char **why);

/* Frontend: the order to use, min(own_max, the backend's advertised
 * max-ring-page-order); 0 when either is off or the node is absent or not a
 * strict decimal (a counted anomaly in *bogus: the single page is always
 * safe). */
unsigned vscsi__ring_pages_choose(const struct vscsi_platform_ops *ops, void *ctx,
                                  const char *be_path, unsigned own_max, int *bogus);

/* Frontend: writes ring-page-order and ring-ref0..N-1 in transaction t
 * (order > 0; order 0 writes ring-ref as ever, which is the caller's). */
int vscsi__ring_pages_write(const struct vscsi_platform_ops *ops, void *ctx, vscsi_xs_txn t,
                            const char *dev_path, unsigned order, const uint32_t *refs);

#endif
