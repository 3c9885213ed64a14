/* SPDX-License-Identifier: MIT */
/* Backend side: turning a private copy of a hostile slot into a validated command. */
#include <errno.h>
#include <string.h>

#include "codec_inline.h"
#include "vscsiif/request.h"

/* The validator itself is codec_inline.h, shared with the backend engine;
 * these are its exported entry points. */
int vscsi_cmd_parse(const struct vscsi_request *copy, const struct vscsi_limits *lim,
                    struct vscsi_cmd *cmd)
{
    return codec_cmd_parse(copy, lim, cmd);
}

int vscsi_cmd_parse_data(const struct vscsi_request *copy, const struct vscsi_limits *lim,
                         vscsi_indirect_read_fn rd, void *rd_ctx, struct vscsi_seg *storage,
                         size_t storage_len, struct vscsi_cmd *cmd)
{
    return codec_cmd_parse_data(copy, lim, rd, rd_ctx, storage, storage_len, cmd);
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
