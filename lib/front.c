/* SPDX-License-Identifier: MIT */
/* Frontend handle: creation, start (ring, channel, handshake nodes), close,
 * destruction, getters, and the rqid table. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front_int.h"
#include "table_size.h"

static int ops_complete(const struct vscsi_platform_ops *o)
{
    /* The table as first released: the ops after xs_txn_end are optional. */
    return VSCSI_TABLE_HAS(struct vscsi_platform_ops, o, xs_txn_end) && o->grant_page &&
           o->ungrant_page && o->evtchn_alloc_unbound && o->evtchn_notify && o->evtchn_unbind &&
           o->xs_read && o->xs_write && o->xs_directory && o->xs_watch && o->xs_unwatch &&
           o->xs_txn_start && o->xs_txn_end;
}

int vscsi_front_new(const struct vscsi_front_config *user_cfg, struct vscsi_front **out)
{
    struct vscsi_front_config copy;
    const struct vscsi_front_config *cfg = &copy;
    struct vscsi_front *f;
    uint32_t cap;
    int rc;

    if (!out)
        return -EINVAL;
    *out = NULL;
    if (!user_cfg)
        return -EINVAL;
    rc = vscsi_cfg_copy(&copy, sizeof(copy), user_cfg, VSCSI_FRONT_CONFIG_SIZE_V1);
    if (rc)
        return rc;
    if (!cfg->ops || !ops_complete(cfg->ops) || !cfg->dev_path || !cfg->done ||
        cfg->max_segs > VSCSI_MAX_INDIRECT_SEGS)
        return -EINVAL;
    if (cfg->dev_path[0] != '/' || strlen(cfg->dev_path) + VSCSI_FI_SUFFIX_MAX > VSCSI_XB_PATH_MAX)
        return -ENAMETOOLONG;

    f = calloc(1, sizeof(*f));
    if (!f)
        return -ENOMEM;
    f->cfg = *cfg;
    f->ops = cfg->ops;
    f->ctx = cfg->ops_ctx;
    strcpy(f->dev_path, cfg->dev_path);
    f->state = VSCSI_XB_INITIALISING;
    f->abort_ms = cfg->abort_after_ms ? cfg->abort_after_ms : VSCSI_FI_DEF_ABORT;
    f->reset_ms = cfg->reset_after_ms ? cfg->reset_after_ms : VSCSI_FI_DEF_RESET;
    cap = cfg->max_segs ? cfg->max_segs : VSCSI_FI_DEF_SEGS;
    /* Direct requests carry up to 26 pages whatever the caller asked for. */
    f->cap_segs = cap < VSCSI_SG_TABLESIZE ? VSCSI_SG_TABLESIZE : cap;
    f->now_ms = VSCSI_FI_NO_TIME;
    snprintf(f->token, sizeof(f->token), "vscsifront:%p", (void *)f);

    for (unsigned i = 0; i < VSCSI_FI_NR_RQ; i++) {
        struct vscsi_fi_rq *r = &f->rq[i];

        r->refs = calloc(f->cap_segs, sizeof(*r->refs));
        r->pages = calloc(f->cap_segs, sizeof(*r->pages));
        r->abort_by = -1;
        r->target = -1;
        if (!r->refs || !r->pages)
            goto nomem;
    }
    if (vscsi_fi_pool_init(f))
        goto nomem;
    f->dirbuf_len = (size_t)VSCSI_XB_MAX_DEVS * (VSCSI_FI_NAME_MAX + 1);
    f->dirbuf = malloc(f->dirbuf_len);
    if (!f->dirbuf)
        goto nomem;
    *out = f;
    return 0;

nomem:
    vscsi_front_destroy(f);
    return -ENOMEM;
}

/* Hostile toolstack values must not reach path building: absolute,
 * printable, no empty components, and room left for the longest suffix. */
static int be_path_ok(const char *p)
{
    size_t n = strlen(p);

    if (n < 2 || p[0] != '/' || p[n - 1] == '/' || n + VSCSI_FI_SUFFIX_MAX > VSCSI_XB_PATH_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '/' && p[i + 1] == '/')
            return 0;
    return 1;
}

static const char *native_protocol(void)
{
#if defined(__x86_64__)
    return "x86_64-abi";
#elif defined(__i386__)
    return "x86_32-abi";
#elif defined(__arm__) || defined(__aarch64__)
    return "arm-abi";
#else
    return NULL;
#endif
}

static int write_ring_nodes(struct vscsi_front *f)
{
    const char *proto = native_protocol();
    int rc = -EAGAIN;

    for (int tries = 0; tries < VSCSI_FI_XS_TRIES && rc == -EAGAIN; tries++) {
        vscsi_xs_txn t;
        char path[VSCSI_XB_PATH_MAX + 1];

        rc = f->ops->xs_txn_start(f->ctx, &t);
        if (rc)
            return rc;
        rc = vscsi_xb_write_uint(f->ops, f->ctx, t, f->dev_path, "ring-ref", f->ring_ref);
        if (!rc)
            rc = vscsi_xb_write_uint(f->ops, f->ctx, t, f->dev_path, "event-channel", f->port);
        if (!rc && proto) {
            rc = vscsi_xb_join(path, sizeof(path), f->dev_path, "protocol");
            if (!rc)
                rc = f->ops->xs_write(f->ctx, t, path, proto);
        }
        if (rc) {
            f->ops->xs_txn_end(f->ctx, t, 1);
            return rc;
        }
        rc = f->ops->xs_txn_end(f->ctx, t, 0);
    }
    return rc;
}

static void release_channel_and_ring(struct vscsi_front *f)
{
    if (f->have_port) {
        f->ops->evtchn_unbind(f->ctx, f->port);
        f->have_port = 0;
    }
    if (f->ring_granted) {
        /* A backend that still maps the ring keeps the page: leak it. */
        if (f->ops->ungrant_page(f->ctx, f->ring_ref, f->ring_page) < 0)
            f->st.quarantined_grants++;
        f->ring_granted = 0;
        f->ring_page = NULL;
    }
}

int vscsi_front_start(struct vscsi_front *f)
{
    uint32_t id;
    int rc;

    if (!f)
        return -EINVAL;
    if (f->started)
        return -EALREADY;
    rc = vscsi_xb_read_str(f->ops, f->ctx, VSCSI_XS_NO_TXN, f->dev_path, "backend", f->be_path,
                           sizeof(f->be_path));
    if (rc == -ENOENT)
        return rc;
    if (rc < 0 || !be_path_ok(f->be_path))
        return -EINVAL;
    rc =
        vscsi_xb_read_uint(f->ops, f->ctx, VSCSI_XS_NO_TXN, f->dev_path, "backend-id", 0x7fef, &id);
    if (rc == -ENOENT)
        return rc;
    if (rc < 0)
        return -EINVAL;
    f->be_domid = (uint16_t)id;
    if (vscsi_xb_join(f->watch_path, sizeof(f->watch_path), f->be_path, "state"))
        return -EINVAL;

    rc = f->ops->grant_page(f->ctx, f->be_domid, 0, &f->ring_ref, &f->ring_page);
    if (rc < 0)
        return rc;
    f->ring_granted = 1;
    vscsi_sring_init(f->ring_page);
    vscsi_front_ring_init(&f->ring, f->ring_page);

    rc = f->ops->evtchn_alloc_unbound(f->ctx, f->be_domid, &f->port);
    if (rc < 0)
        goto fail;
    f->have_port = 1;
    rc = write_ring_nodes(f);
    if (rc < 0)
        goto fail;
    rc = vscsi_xb_write_uint(f->ops, f->ctx, VSCSI_XS_NO_TXN, f->dev_path, "state",
                             VSCSI_XB_INITIALISED);
    if (rc < 0)
        goto fail;
    f->state = VSCSI_XB_INITIALISED;
    f->started = 1;
    rc = f->ops->xs_watch(f->ctx, f->watch_path, f->token);
    if (rc < 0) {
        /* Without the watch we would never learn about the backend. */
        vscsi_fi_latch(f, rc);
        vscsi_fi_set_state(f, VSCSI_XB_CLOSING);
        return rc;
    }
    f->watching = 1;
    return 0;

fail:
    release_channel_and_ring(f);
    return rc;
}

int vscsi_front_close(struct vscsi_front *f)
{
    if (!f)
        return -EINVAL;
    if (!f->started)
        return -ENOTCONN;
    if (f->state == VSCSI_XB_CLOSED || f->state == VSCSI_XB_CLOSING)
        return 0;
    return vscsi_fi_set_state(f, VSCSI_XB_CLOSING);
}

void vscsi_front_destroy(struct vscsi_front *f)
{
    if (!f)
        return;
    if (f->watching)
        f->ops->xs_unwatch(f->ctx, f->watch_path, f->token);
    for (unsigned i = 0; i < VSCSI_FI_NR_RQ; i++) {
        struct vscsi_fi_rq *r = &f->rq[i];

        if (r->busy && r->refs)
            vscsi_fi_ungrant_rq(f, r);
    }
    vscsi_fi_pool_fini(f);
    for (unsigned i = 0; i < VSCSI_FI_NR_RQ; i++) {
        free(f->rq[i].refs);
        free(f->rq[i].pages);
    }
    release_channel_and_ring(f);
    free(f->dirbuf);
    free(f);
}

int vscsi_fi_set_state(struct vscsi_front *f, enum vscsi_xb_state s)
{
    f->state = s;
    return vscsi_xb_write_uint(f->ops, f->ctx, VSCSI_XS_NO_TXN, f->dev_path, "state", s);
}

int vscsi_fi_rq_alloc(struct vscsi_front *f)
{
    for (int i = 0; i < VSCSI_FI_NR_RQ; i++) {
        struct vscsi_fi_rq *r = &f->rq[i];

        if (!r->busy) {
            uint32_t *refs = r->refs;
            void **pages = r->pages;

            memset(r, 0, offsetof(struct vscsi_fi_rq, ind_refs));
            r->refs = refs;
            r->pages = pages;
            r->busy = 1;
            r->rsp_due = 1;
            r->abort_by = -1;
            r->target = -1;
            r->seq = ++f->next_seq;
            r->start_ms = VSCSI_FI_NO_TIME;
            r->esc_ms = VSCSI_FI_NO_TIME;
            return i;
        }
    }
    return -EAGAIN;
}

/* The rqid becomes reusable once nothing on either side can name it. */
void vscsi_fi_rq_maybe_free(struct vscsi_front *f, struct vscsi_fi_rq *r)
{
    (void)f;
    if (r->busy && r->completed && !r->rsp_due && r->abort_by < 0 && !r->nr_pages && !r->nr_ind)
        r->busy = 0;
}

/* Drops the rqid whatever remains: used on disconnect and error. */
void vscsi_fi_rq_release(struct vscsi_front *f, struct vscsi_fi_rq *r)
{
    vscsi_fi_ungrant_rq(f, r);
    r->busy = 0;
    r->rsp_due = 0;
    r->abort_by = -1;
}

enum vscsi_xb_state vscsi_front_state(const struct vscsi_front *f)
{
    return f ? f->state : VSCSI_XB_UNKNOWN;
}

int vscsi_front_error(const struct vscsi_front *f)
{
    return f ? f->error : -EINVAL;
}

uint32_t vscsi_front_port(const struct vscsi_front *f)
{
    return f && f->have_port ? f->port : 0;
}

uint32_t vscsi_front_max_segs(const struct vscsi_front *f)
{
    return f ? f->nr_segs : 0;
}

void vscsi_front_stats(const struct vscsi_front *f, struct vscsi_front_stats *out)
{
    if (!f || !out)
        return;
    *out = f->st;
    out->in_flight = 0;
    for (unsigned i = 0; i < VSCSI_FI_NR_RQ; i++)
        if (f->rq[i].busy && !f->rq[i].completed && !f->rq[i].internal)
            out->in_flight++;
}
