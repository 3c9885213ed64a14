/* SPDX-License-Identifier: MIT */
/* Backend side: turning a private copy of a hostile slot into a validated command. */
#include <errno.h>
#include <string.h>

#include "vscsiif/request.h"

static int reject(struct vscsi_cmd *cmd, enum vscsi_reject why, uint32_t index)
{
    return vscsi_cmd_reject(cmd, why, index);
}

static int check_data_seg(const struct vscsi_seg *s, const struct vscsi_limits *lim)
{
    if (s->offset >= VSCSI_PAGE_SIZE || (uint32_t)s->offset + s->length > VSCSI_PAGE_SIZE)
        return VSCSI_REJ_SEG_BOUNDS;
    if (s->length == 0 && !lim->allow_zero_seg)
        return VSCSI_REJ_SEG_EMPTY;
    return VSCSI_REJ_NONE;
}

/* One branch-free pass for the common all-valid case (up to 1024 segments
 * per indirect request); only a bad list is walked again to name the first
 * offender. */
int vscsi_cmd_check_data_full(struct vscsi_cmd *cmd, const struct vscsi_limits *lim)
{
    uint64_t total = 0;

    if (vscsi_segs_ok(cmd->segs, cmd->nr_segs, lim->allow_zero_seg, &total)) {
        if (cmd->nr_segs && cmd->dir == VSCSI_DIR_NONE)
            return reject(cmd, VSCSI_REJ_DIR_MISMATCH, 0);
        cmd->data_len = total;
        return 0;
    }
    total = 0;

    for (uint32_t i = 0; i < cmd->nr_segs; i++) {
        int why = check_data_seg(&cmd->segs[i], lim);

        if (why != VSCSI_REJ_NONE)
            return reject(cmd, (enum vscsi_reject)why, i);
        total += cmd->segs[i].length;
    }
    if (cmd->nr_segs && cmd->dir == VSCSI_DIR_NONE)
        return reject(cmd, VSCSI_REJ_DIR_MISMATCH, 0);
    cmd->data_len = total;
    return 0;
}

static int parse_indirect(const struct vscsi_request *copy, const struct vscsi_limits *lim,
                          vscsi_indirect_read_fn rd, void *rd_ctx, struct vscsi_seg *storage,
                          size_t storage_len, struct vscsi_cmd *cmd, unsigned pages)
{
    /* The page descriptors live in the private copy, so checking them and then
     * using them is safe; the regions themselves are read once, below. */
    uint32_t limit = lim->max_segs < storage_len ? lim->max_segs : (uint32_t)storage_len;
    uint32_t total = 0;

    if (lim->max_segs == 0)
        return reject(cmd, VSCSI_REJ_INDIRECT_UNSUPPORTED, 0);
    for (unsigned i = 0; i < pages; i++) {
        const struct vscsi_seg *d = &copy->seg[i];

        if (d->length == 0 || d->length % sizeof(struct vscsi_seg) ||
            d->offset % sizeof(struct vscsi_seg) ||
            (uint32_t)d->offset + d->length > VSCSI_PAGE_SIZE)
            return reject(cmd, VSCSI_REJ_INDIRECT_DESC, i);
        total += d->length / sizeof(struct vscsi_seg);
        if (total > limit)
            return reject(cmd, VSCSI_REJ_TOO_MANY_SEGS, i);
    }
    if (!rd)
        return reject(cmd, VSCSI_REJ_GRANT, 0);
    total = 0;
    for (unsigned i = 0; i < pages; i++) {
        const struct vscsi_seg *d = &copy->seg[i];

        if (rd(rd_ctx, d, &storage[total]) < 0) {
            reject(cmd, VSCSI_REJ_GRANT, i);
            return -EIO;
        }
        total += d->length / sizeof(struct vscsi_seg);
    }
    cmd->indirect = 1;
    cmd->nr_pages = (uint8_t)pages;
    cmd->nr_segs = total;
    cmd->segs = storage;
    return vscsi_cmd_check_data_full(cmd, lim);
}

int vscsi_cmd_parse_data_full(const struct vscsi_request *copy, const struct vscsi_limits *lim,
                              vscsi_indirect_read_fn rd, void *rd_ctx, struct vscsi_seg *storage,
                              size_t storage_len, struct vscsi_cmd *cmd)
{
    unsigned n = copy->nr_segments & VSCSI_SG_COUNT_MASK;

    cmd->nr_segs = 0;
    cmd->data_len = 0;
    cmd->segs = NULL;
    if (n > VSCSI_SG_TABLESIZE)
        return reject(cmd, VSCSI_REJ_NR_SEGS, n);
    if (copy->nr_segments & VSCSI_SG_GRANT) {
        /* Linux back takes 0 indirect pages as "no data"; so do we. */
        if (n == 0)
            return lim->max_segs ? 0 : reject(cmd, VSCSI_REJ_INDIRECT_UNSUPPORTED, 0);
        return parse_indirect(copy, lim, rd, rd_ctx, storage, storage_len, cmd, n);
    }
    cmd->nr_segs = n;
    cmd->segs = copy->seg;
    return vscsi_cmd_check_data_full(cmd, lim);
}

int32_t vscsi_reject_rslt(enum vscsi_reject r)
{
    switch (r) {
    case VSCSI_REJ_NONE:
        return 0;
    case VSCSI_REJ_NO_LUN:
        return VSCSI_RSLT(VSCSI_HOST_NO_CONNECT, 0);
    case VSCSI_REJ_BUSY:
        return VSCSI_RSLT(VSCSI_HOST_BUS_BUSY, 0);
    default:
        return VSCSI_RSLT(VSCSI_HOST_ERROR, 0);
    }
}

const char *vscsi_reject_str(enum vscsi_reject r)
{
    static const char *const names[VSCSI_REJ_COUNT] = {
        [VSCSI_REJ_NONE] = "none",
        [VSCSI_REJ_ACT] = "act",
        [VSCSI_REJ_CMD_LEN] = "cmd_len",
        [VSCSI_REJ_DIRECTION] = "direction",
        [VSCSI_REJ_BIDI] = "bidirectional",
        [VSCSI_REJ_NO_LUN] = "no_lun",
        [VSCSI_REJ_NR_SEGS] = "nr_segments",
        [VSCSI_REJ_INDIRECT_UNSUPPORTED] = "indirect_unsupported",
        [VSCSI_REJ_INDIRECT_DESC] = "indirect_desc",
        [VSCSI_REJ_TOO_MANY_SEGS] = "too_many_segs",
        [VSCSI_REJ_SEG_BOUNDS] = "seg_bounds",
        [VSCSI_REJ_SEG_EMPTY] = "seg_empty",
        [VSCSI_REJ_DIR_MISMATCH] = "dir_mismatch",
        [VSCSI_REJ_GRANT] = "grant",
        [VSCSI_REJ_DUP_RQID] = "dup_rqid",
        [VSCSI_REJ_BUSY] = "busy",
    };
    if ((unsigned)r >= VSCSI_REJ_COUNT || !names[r])
        return "?";
    return names[r];
}

void vscsi_seg_iter_init(struct vscsi_seg_iter *it, const struct vscsi_cmd *cmd)
{
    it->cmd = cmd;
    it->next = 0;
}

int vscsi_seg_iter_next(struct vscsi_seg_iter *it, struct vscsi_seg *out)
{
    if (it->next >= it->cmd->nr_segs)
        return 0;
    *out = it->cmd->segs[it->next++];
    return 1;
}
