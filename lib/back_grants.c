/* SPDX-License-Identifier: MIT */
/* Backend engine: every data grant of a command is checked before the
 * command can have an effect. In copy mode the data of a READ reaches the
 * frontend only after the target ran it, and a direct-buffer WRITE copies
 * straight into the target's medium: a bad grant found only then would leave
 * a tape moved or blocks written behind a refused command (map mode maps
 * everything first and so never had this gap). */
#include <errno.h>
#include <stddef.h>

#include "back_int.h"
#include "table_size.h"

static int has_check_op(const struct vscsi_platform_ops *ops)
{
    return VSCSI_TABLE_HAS(struct vscsi_platform_ops, ops, check_grants) &&
           ops->check_grants != NULL;
}

/* Without the op: a 1-byte copy out of each segment, and for a writable
 * check the same byte straight back, all in one call (the copies of one call
 * run in order, so the write-back carries what was just read). The guest
 * handed these bytes to the device, which is about to overwrite them. */
static int probe_by_copy(struct back_req *r, uint32_t n, int writable)
{
    struct vscsi_back *b = r->b;
    const struct vscsi_cmd *c = &r->cmd;
    uint32_t k = 0;

    for (uint32_t i = 0; i < c->nr_segs; i++) {
        const struct vscsi_seg *s = &c->segs[i];
        if (s->length == 0)
            continue;
        r->gcopy[k] =
            (struct vscsi_grant_copy){s->gref, b->fe_domid, s->offset, 1, 0, r->probe + k, 0};
        if (writable)
            r->gcopy[n + k] =
                (struct vscsi_grant_copy){s->gref, b->fe_domid, s->offset, 1, 1, r->probe + k, 0};
        k++;
    }
    uint32_t total = writable ? 2 * n : n;
    int rc = b->cfg.ops->copy_grants(b->cfg.ops_ctx, r->gcopy, total);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < total; i++)
        if (r->gcopy[i].status != VSCSI_GNTST_OKAY)
            return -EIO;
    return 0;
}

int vscsi__back_check_grants(struct back_req *r, int writable)
{
    struct vscsi_back *b = r->b;
    const struct vscsi_cmd *c = &r->cmd;
    uint32_t n = 0;

    /* Zero-length segments are never copied, so they are not checked. */
    for (uint32_t i = 0; i < c->nr_segs; i++)
        if (c->segs[i].length)
            r->refs[n++] = c->segs[i].gref;
    if (n == 0)
        return 0;
    if (has_check_op(b->cfg.ops))
        return b->cfg.ops->check_grants(b->cfg.ops_ctx, b->fe_domid, n, r->refs, writable);
    return probe_by_copy(r, n, writable);
}
