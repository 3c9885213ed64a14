/* SPDX-License-Identifier: MIT */
/* Backend engine: a target's direct buffer (target.h, direct_buffer). In
 * copy mode the data then moves once, between the frontend's pages and the
 * target's memory, instead of through our bounce buffer. */
#include <stddef.h>

#include "back_int.h"
#include "table_size.h"

/* A table built before direct_buffer existed ends in front of it: its size
 * says so, and nothing past that size may be read. */
static int has_direct_buffer(const struct vscsi_target_ops *t)
{
    return VSCSI_TABLE_HAS(struct vscsi_target_ops, t, direct_buffer) && t->direct_buffer != NULL;
}

uint8_t *vscsi__back_direct_buffer(struct back_req *r)
{
    struct vscsi_back *b = r->b;
    const struct vscsi_target_ops *t = b->cfg.target;
    struct vscsi_iov out = {NULL, 0};

    /* One direction and some bytes: a zero-length transfer has nothing to save. */
    if (!has_direct_buffer(t) || r->tcmd.data_len == 0 ||
        (r->cmd.dir != VSCSI_DIR_TO_DEVICE && r->cmd.dir != VSCSI_DIR_FROM_DEVICE))
        return NULL;
    if (t->direct_buffer(b->cfg.target_ctx, r->lun->tlun, &r->tcmd, &out) != 1)
        return NULL;
    /* An answer outside the contract is a decline: the bounce path is always right. */
    if (!out.base || out.len != r->tcmd.data_len)
        return NULL;
    return out.base;
}
