/* SPDX-License-Identifier: MIT */
/* Frontend side: building requests that a strict backend accepts. */
#include <errno.h>
#include <string.h>

#include "vscsiif/request.h"

/* Every field with a meaning is written, reserved[] is zeroed; seg[] past
 * nr_segments is left alone. Written straight into a ring slot, that is what
 * the slot held before, which the peer has already seen; zeroing all 252
 * bytes per request was most of the request path's cost. A caller building in
 * private memory must publish only the used part (see lib/front_io.c). */
static void req_header(struct vscsi_request *rq, uint16_t rqid, uint8_t act,
                       const struct vscsi_nexus *nx)
{
    rq->rqid = rqid;
    rq->cmd_len = 0;
    memset(rq->cmnd, 0, sizeof(rq->cmnd));
    rq->timeout_per_command = 0;
    rq->ref_rqid = 0;
    rq->sc_data_direction = VSCSI_DIR_NONE;
    rq->nr_segments = 0;
    rq->reserved[0] = rq->reserved[1] = rq->reserved[2] = 0;
    rq->act = act;
    rq->channel = nx->channel;
    rq->id = nx->id;
    rq->lun = nx->lun;
}

unsigned vscsi_req_nr_direct(const struct vscsi_request *rq)
{
    return (rq->nr_segments & VSCSI_SG_GRANT) ? 0 : (rq->nr_segments & VSCSI_SG_COUNT_MASK);
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
    req_header(rq, rqid, VSCSI_ACT_ABORT, nx);
    rq->ref_rqid = ref_rqid;
    rq->sc_data_direction = VSCSI_DIR_NONE;
    return 0;
}

int vscsi_req_reset(struct vscsi_request *rq, uint16_t rqid, const struct vscsi_nexus *nx)
{
    if (!rq || !nx)
        return -EINVAL;
    req_header(rq, rqid, VSCSI_ACT_RESET, nx);
    rq->sc_data_direction = VSCSI_DIR_NONE;
    return 0;
}
