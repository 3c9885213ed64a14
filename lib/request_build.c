/* SPDX-License-Identifier: MIT */
/* Frontend side: building requests that a strict backend accepts. */
#include <errno.h>
#include <string.h>

#include "vscsiif/request.h"

unsigned vscsi_req_nr_direct(const struct vscsi_request *rq)
{
    return (rq->nr_segments & VSCSI_SG_GRANT) ? 0 : (rq->nr_segments & VSCSI_SG_COUNT_MASK);
}

int vscsi_req_set_segs(struct vscsi_request *rq, const struct vscsi_seg *segs, unsigned n)
{
    uint32_t bad = 0;

    if (n > VSCSI_SG_TABLESIZE)
        return -ENOSPC;
    /* Copy and check in one pass with no early exit (the common case is all
     * valid): offset + length - 1 and length - 1 below 4096 for every
     * segment, i.e. no bit at or above 12 in their OR. */
    for (unsigned i = 0; i < n; i++) {
        uint64_t w; /* one 8-byte move: a struct copy became 16-bit lane shuffles */

        memcpy(&w, &segs[i], sizeof(w));
        memcpy(&rq->seg[i], &w, sizeof(w));
        bad |= ((uint32_t)segs[i].offset + segs[i].length - 1u) | ((uint32_t)segs[i].length - 1u);
    }
    bad >>= 12;
    rq->nr_segments = bad ? 0 : (uint8_t)n;
    return bad ? -EINVAL : 0;
}

int vscsi_req_add_indirect(struct vscsi_request *rq, uint32_t gref, uint16_t offset, uint16_t len)
{
    unsigned n = rq->nr_segments & VSCSI_SG_COUNT_MASK;

    if (len == 0 || len % sizeof(struct vscsi_seg) || offset % sizeof(struct vscsi_seg) ||
        (uint32_t)offset + len > VSCSI_PAGE_SIZE)
        return -EINVAL;
    if (n && !(rq->nr_segments & VSCSI_SG_GRANT))
        return -EINVAL;
    if (n >= VSCSI_SG_TABLESIZE)
        return -ENOSPC;
    rq->seg[n].gref = gref;
    rq->seg[n].offset = offset;
    rq->seg[n].length = len;
    rq->nr_segments = (uint8_t)(VSCSI_SG_GRANT | (n + 1));
    return 0;
}

int vscsi_req_abort(struct vscsi_request *rq, uint16_t rqid, const struct vscsi_nexus *nx,
                    uint16_t ref_rqid)
{
    if (!rq || !nx)
        return -EINVAL;
    vscsi_req_init(rq, rqid, VSCSI_ACT_ABORT, nx);
    rq->ref_rqid = ref_rqid;
    return 0;
}

int vscsi_req_reset(struct vscsi_request *rq, uint16_t rqid, const struct vscsi_nexus *nx)
{
    if (!rq || !nx)
        return -EINVAL;
    vscsi_req_init(rq, rqid, VSCSI_ACT_RESET, nx);
    return 0;
}
