/* SPDX-License-Identifier: MIT */
/* Backend engine: the handle, its life cycle and getters. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "back_int.h"
#include "mem_int.h"
#include "table_size.h"

int vscsi_back_new(const struct vscsi_back_config *user_cfg, struct vscsi_back **out)
{
    struct vscsi_back_config copy;
    const struct vscsi_back_config *cfg = &copy;
    struct vscsi_back *b;
    int rc;

    if (!user_cfg || !out)
        return -EINVAL;
    rc = vscsi_cfg_copy(&copy, sizeof(copy), user_cfg, VSCSI_BACK_CONFIG_SIZE_V1);
    if (rc)
        return rc;
    if (!cfg->ops || !cfg->target || !cfg->dev_path)
        return -EINVAL;
    if (cfg->max_segs &&
        (cfg->max_segs < VSCSI_SG_TABLESIZE || cfg->max_segs > VSCSI_MAX_INDIRECT_SEGS))
        return -EINVAL;
    if (!cfg->ops->xs_read || !cfg->ops->xs_write || !cfg->ops->xs_watch || !cfg->ops->map_grants ||
        !cfg->ops->unmap_grants || !cfg->ops->evtchn_bind_interdomain || !cfg->ops->evtchn_notify ||
        !cfg->target->open || !cfg->target->submit)
        return -EINVAL;
    if (cfg->data_mode == VSCSI_BACK_COPY && !cfg->ops->copy_grants)
        return -EINVAL;
    b = vscsi_zalloc(cfg->ops, cfg->ops_ctx, 1, sizeof(*b));
    if (!b)
        return -ENOMEM;
    b->cfg = *cfg;
    if (vscsi_xb_join(b->dev_path, sizeof(b->dev_path), cfg->dev_path, NULL)) {
        vscsi_mfree(cfg->ops, cfg->ops_ctx, b);
        return -ENAMETOOLONG;
    }
    b->cfg.dev_path = b->dev_path;
    snprintf(b->token, sizeof(b->token), "vscsi-back:%p", (void *)b);
    b->lim.max_segs = cfg->max_segs;
    b->lim.allow_zero_seg = cfg->allow_zero_seg;
    b->max_pages = cfg->max_segs > VSCSI_SG_TABLESIZE ? cfg->max_segs : VSCSI_SG_TABLESIZE;
    b->state = VSCSI_XB_INITIALISING;
    for (unsigned i = 0; i < VSCSI_RING_SIZE; i++)
        b->reqs[i].b = b;
    *out = b;
    return 0;
}

static void free_req_buffers(struct vscsi_back *b)
{
    for (unsigned i = 0; i < VSCSI_RING_SIZE; i++) {
        struct back_req *r = &b->reqs[i];
        vscsi_mfree(b->cfg.ops, b->cfg.ops_ctx, r->segs);
        vscsi_mfree(b->cfg.ops, b->cfg.ops_ctx, r->iov);
        vscsi_mfree(b->cfg.ops, b->cfg.ops_ctx, r->gcopy);
        vscsi_mfree(b->cfg.ops, b->cfg.ops_ctx, r->refs);
        vscsi_mfree(b->cfg.ops, b->cfg.ops_ctx, r->bounce);
        vscsi_mfree(b->cfg.ops, b->cfg.ops_ctx, r->probe);
        r->segs = NULL;
        r->iov = NULL;
        r->gcopy = NULL;
        r->probe = NULL;
        r->refs = NULL;
        r->bounce = NULL;
    }
}

void vscsi_back_destroy(struct vscsi_back *b)
{
    if (!b)
        return;
    vscsi__back_disconnect(b);
    vscsi__back_luns_close_all(b);
    if (b->watching && b->cfg.ops->xs_unwatch) {
        char path[VSCSI_XB_PATH_MAX + 1];
        if (vscsi_xb_join(path, sizeof(path), b->fe_path, "state") == 0)
            b->cfg.ops->xs_unwatch(b->cfg.ops_ctx, path, b->token);
    }
    free_req_buffers(b);
    vscsi_mfree(b->cfg.ops, b->cfg.ops_ctx, b);
}

enum vscsi_xb_state vscsi_back_state(const struct vscsi_back *b)
{
    return b->state;
}

int vscsi_back_error(const struct vscsi_back *b)
{
    return b->error;
}

int vscsi_back_gone(const struct vscsi_back *b)
{
    return b->gone;
}

uint32_t vscsi_back_port(const struct vscsi_back *b)
{
    return b->connected ? b->port : 0;
}

void vscsi_back_stats(const struct vscsi_back *b, struct vscsi_back_stats *out)
{
    *out = b->st;
    out->in_flight = 0;
    out->luns = 0;
    for (unsigned i = 0; i < VSCSI_RING_SIZE; i++)
        out->in_flight += b->reqs[i].busy;
    for (unsigned i = 0; i < VSCSI_XB_MAX_DEVS; i++)
        out->luns += b->luns[i].attached;
}
