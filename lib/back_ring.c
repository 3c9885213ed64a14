/* SPDX-License-Identifier: MIT */
/* Backend engine: serving the ring. Each slot is copied once, validated in
 * Linux back's order, its data fetched into private memory, and answered
 * exactly once (docs/protocol.md §4.6, §7.1). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "back_int.h"
#include "codec_inline.h"
#include "mem_int.h"

static int req_buffers_ready(const struct vscsi_back *b, const struct back_req *r)
{
    if (!r->iov || !r->refs || (b->cfg.max_segs && !r->segs))
        return 0;
    return b->cfg.data_mode == VSCSI_BACK_COPY ? r->gcopy && r->bounce && r->probe : 1;
}

/* Allocates what is missing, so a connect after a failed one completes the set. */
static int alloc_req_buffers(struct vscsi_back *b)
{
    size_t pages = b->max_pages;

    for (unsigned i = 0; i < VSCSI_RING_SIZE; i++) {
        struct back_req *r = &b->reqs[i];
        if (!r->iov)
            r->iov = vscsi_zalloc(b->cfg.ops, b->cfg.ops_ctx, pages, sizeof(*r->iov));
        if (!r->segs && b->cfg.max_segs)
            r->segs = vscsi_zalloc(b->cfg.ops, b->cfg.ops_ctx, b->cfg.max_segs, sizeof(*r->segs));
        if (!r->refs)
            r->refs = vscsi_zalloc(b->cfg.ops, b->cfg.ops_ctx, pages, sizeof(*r->refs));
        if (b->cfg.data_mode == VSCSI_BACK_COPY) {
            /* twice: vscsi__back_check_grants' probe reads and writes each segment */
            if (!r->gcopy)
                r->gcopy = vscsi_zalloc(b->cfg.ops, b->cfg.ops_ctx, 2 * pages, sizeof(*r->gcopy));
            if (!r->probe)
                r->probe = vscsi_zalloc(b->cfg.ops, b->cfg.ops_ctx, pages, 1);
            /* Zeroed: a target that under-fills a read must not hand the
             * frontend whatever the backend's heap held before. */
            if (!r->bounce)
                r->bounce = vscsi_zalloc(b->cfg.ops, b->cfg.ops_ctx, pages, VSCSI_PAGE_SIZE);
        }
        if (!req_buffers_ready(b, r))
            return -ENOMEM;
    }
    return 0;
}

int vscsi__back_connect(struct vscsi_back *b)
{
    const struct vscsi_platform_ops *ops = b->cfg.ops;
    uint32_t ref, remote_port;
    int rc;

    rc = vscsi_xb_read_uint(ops, b->cfg.ops_ctx, VSCSI_XS_NO_TXN, b->fe_path, "ring-ref",
                            UINT32_MAX, &ref);
    if (rc == 0)
        rc = vscsi_xb_read_uint(ops, b->cfg.ops_ctx, VSCSI_XS_NO_TXN, b->fe_path, "event-channel",
                                UINT32_MAX, &remote_port);
    if (rc)
        return rc;
    rc = alloc_req_buffers(b);
    if (rc)
        return rc;
    rc = ops->map_grants(b->cfg.ops_ctx, b->fe_domid, 1, &ref, 1, &b->ring_page);
    if (rc)
        return rc;
    rc = ops->evtchn_bind_interdomain(b->cfg.ops_ctx, b->fe_domid, remote_port, &b->port);
    if (rc) {
        ops->unmap_grants(b->cfg.ops_ctx, b->ring_page, 1);
        b->ring_page = NULL;
        return rc;
    }
    /* The frontend initialised the page; whatever it put there is checked on
     * every read. Attaching where the responses stand (0 on a fresh ring)
     * lets a restarted backend pick up a live ring: it answered everything it
     * took before it went, so what lies between rsp_prod and req_prod is new. */
    vscsi_back_ring_attach(&b->ring, b->ring_page,
                           VSCSI_LOAD_ACQUIRE(&((struct vscsi_sring *)b->ring_page)->rsp_prod));
    b->connected = 1;
    b->ring_broken = 0;
    b->evtchn_dead = 0;
    b->closing = 0;
    return 0;
}

/* The frontend can no longer be woken (it closed its end of the channel, or
 * the platform lost it): stop taking requests, say so, head for Closing.
 * What is in flight is still answered into the ring, where a polling or
 * reconnecting frontend finds it; the teardown then goes as for any close. */
static void notify_failed(struct vscsi_back *b, int rc)
{
    b->evtchn_dead = 1;
    /* A frontend that brings a new ring (resume) has closed the old
     * channel already: the last answers into the old ring just go unheard. */
    if (b->tearing_down)
        return;
    b->ring_broken = 1;
    vscsi__back_fail(b, rc, "event channel notify failed");
    if (b->state == VSCSI_XB_CONNECTED)
        vscsi__back_write_state(b, VSCSI_XB_CLOSING);
}

void vscsi__back_push(struct vscsi_back *b)
{
    if (!b->connected)
        return;
    if (vscsi_back_push(&b->ring) && !b->evtchn_dead) {
        b->st.notifies++;
        int rc = b->cfg.ops->evtchn_notify(b->cfg.ops_ctx, b->port);
        if (rc < 0)
            notify_failed(b, rc);
    }
}

/* Tears the ring down. Commands still in flight are cancelled first and
 * answered while the ring is there, so no rqid is left without an answer. */
void vscsi__back_disconnect(struct vscsi_back *b)
{
    if (!b->connected)
        return;
    b->tearing_down = 1;
    vscsi__back_cancel_inflight(b, NULL, VSCSI_HOST_RESET);
    vscsi__back_push(b);
    b->tearing_down = 0;
    if (b->cfg.ops->evtchn_unbind)
        b->cfg.ops->evtchn_unbind(b->cfg.ops_ctx, b->port);
    b->cfg.ops->unmap_grants(b->cfg.ops_ctx, b->ring_page, 1);
    b->ring_page = NULL;
    b->connected = 0;
}

/* Frontend Closing: done once nothing is in flight (as Linux back waits). */
int vscsi__back_try_finish_close(struct vscsi_back *b)
{
    if (!b->closing)
        return 0;
    for (unsigned i = 0; i < VSCSI_RING_SIZE; i++)
        if (b->reqs[i].busy)
            return 0;
    b->closing = 0;
    vscsi__back_disconnect(b);
    return vscsi__back_write_state(b, VSCSI_XB_CLOSING);
}

void vscsi__back_release_data(struct back_req *r)
{
    if (r->map_addr) {
        r->b->cfg.ops->unmap_grants(r->b->cfg.ops_ctx, r->map_addr, r->map_count);
        r->map_addr = NULL;
        r->map_count = 0;
    }
}

void vscsi__back_respond(struct back_req *r, int32_t rslt, const uint8_t *sense, size_t sense_len,
                         uint32_t residual)
{
    struct vscsi_back *b = r->b;
    struct vscsi_response *slot;

    /* Grants go back before the answer is visible, or a hardened frontend
     * could not revoke them. */
    vscsi__back_release_data(r);
    if (b->connected && (slot = vscsi_back_slot(&b->ring)) != NULL) {
        vscsi_rsp_cdb(slot, r->cmd.rqid, (uint8_t)VSCSI_RSLT_HOST(rslt),
                      (uint8_t)VSCSI_RSLT_STATUS(rslt), sense, sense_len, residual);
        slot->rslt = rslt; /* TMR answers are not host/status shaped */
        vscsi_back_produce(&b->ring);
        b->st.responses++;
        vscsi__back_trace_rsp(b, slot);
        if (!b->in_event)
            vscsi__back_push(b);
    }
    if (r->lun)
        vscsi__back_lun_put(b, r->lun);
    r->lun = NULL;
    r->busy = 0;
    r->submitted = 0;
    if (b->closing)
        vscsi__back_try_finish_close(b);
}

static void reject(struct back_req *r, enum vscsi_reject why)
{
    struct vscsi_back *b = r->b;

    b->st.rejected++;
    if ((unsigned)why < sizeof(b->st.rejects) / sizeof(b->st.rejects[0]))
        b->st.rejects[why]++;
    vscsi__back_trace_msg(b, "reject rqid=%u %s", r->cmd.rqid, vscsi_reject_str(why));
    vscsi__back_respond(r, vscsi_reject_rslt(why), NULL, 0, 0);
}

/* Indirect regions are read-only grants; read each once into our storage. */
static int read_indirect(void *ctx, const struct vscsi_seg *d, void *dst)
{
    struct vscsi_back *b = ctx;
    const struct vscsi_platform_ops *ops = b->cfg.ops;

    if (ops->copy_grants) {
        struct vscsi_grant_copy c = {d->gref, b->fe_domid, d->offset, d->length, 0, dst, 0};
        int rc = ops->copy_grants(b->cfg.ops_ctx, &c, 1);
        return rc ? rc : (c.status ? -EIO : 0);
    }
    void *page;
    int rc = ops->map_grants(b->cfg.ops_ctx, b->fe_domid, 1, &d->gref, 0, &page);
    if (rc)
        return rc;
    memcpy(dst, (const uint8_t *)page + d->offset, d->length);
    ops->unmap_grants(b->cfg.ops_ctx, page, 1);
    return 0;
}

static int copy_segments(struct back_req *r, int to_grant, uint64_t limit)
{
    struct vscsi_back *b = r->b;
    const struct vscsi_seg *segs = r->cmd.segs;
    struct vscsi_grant_copy *g = r->gcopy;
    uint32_t nr = r->cmd.nr_segs, n = 0;
    uint16_t domid = b->fe_domid;
    uint64_t off = 0;
    uint8_t *xfer = r->xfer_iov.base;

    /* Field by field: a compound literal would also store the padding. */
    for (uint32_t i = 0; i < nr && off < limit; i++) {
        uint64_t len = segs[i].length;
        if (len > limit - off)
            len = limit - off;
        if (len == 0)
            continue;
        g[n].ref = segs[i].gref;
        g[n].domid = domid;
        g[n].offset = segs[i].offset;
        g[n].len = (uint16_t)len;
        g[n].to_grant = (uint8_t)to_grant;
        g[n].local = xfer + off;
        g[n].status = 0;
        off += len;
        n++;
    }
    if (n == 0)
        return 0;
    int rc = b->cfg.ops->copy_grants(b->cfg.ops_ctx, g, n);
    if (rc)
        return rc;
    int16_t bad = 0;
    for (uint32_t i = 0; i < n; i++)
        bad |= g[i].status;
    if (bad)
        return -EIO;
    if (to_grant)
        b->st.bytes_in += off;
    else
        b->st.bytes_out += off;
    return 0;
}

/* Makes the command's data reachable by the target: a private copy (copy
 * mode: our bounce buffer, or the target's own memory when it offers it) or
 * the frontend's pages mapped for the command's life. */
static int setup_data(struct back_req *r)
{
    struct vscsi_back *b = r->b;
    const struct vscsi_cmd *c = &r->cmd;

    r->tcmd.data_len = (size_t)c->data_len;
    r->tcmd.iov = NULL;
    r->tcmd.iovcnt = 0;
    r->tcmd.direct = 0;
    if (c->nr_segs == 0)
        return 0;
    if (b->cfg.data_mode == VSCSI_BACK_COPY) {
        uint8_t *direct = vscsi__back_direct_buffer(r);
        int data_in = c->dir == VSCSI_DIR_FROM_DEVICE || c->dir == VSCSI_DIR_BIDIRECTIONAL;

        /* A READ's pages are written only after the target ran it, a direct
         * WRITE copies into the target's own memory: both are checked whole
         * first. A bounced WRITE needs no check, its copy-in is one. */
        if (data_in || direct) {
            int rc = vscsi__back_check_grants(r, data_in);
            if (rc)
                return rc;
        }
        r->xfer_iov.base = direct ? direct : r->bounce;
        r->xfer_iov.len = (size_t)c->data_len;
        if (c->dir == VSCSI_DIR_TO_DEVICE || c->dir == VSCSI_DIR_BIDIRECTIONAL) {
            int rc = copy_segments(r, 0, c->data_len);
            if (rc)
                return rc; /* never submitted, direct or not */
        }
        r->tcmd.direct = direct != NULL;
        r->tcmd.iov = &r->xfer_iov;
        r->tcmd.iovcnt = 1;
        return 0;
    }
    for (uint32_t i = 0; i < c->nr_segs; i++)
        r->refs[i] = c->segs[i].gref;
    int rc = b->cfg.ops->map_grants(b->cfg.ops_ctx, b->fe_domid, c->nr_segs, r->refs,
                                    c->dir != VSCSI_DIR_TO_DEVICE, &r->map_addr);
    if (rc) {
        r->map_addr = NULL;
        return rc;
    }
    r->map_count = c->nr_segs;
    for (uint32_t i = 0; i < c->nr_segs; i++) {
        r->iov[i].base = (uint8_t *)r->map_addr + (size_t)i * VSCSI_PAGE_SIZE + c->segs[i].offset;
        r->iov[i].len = c->segs[i].length;
    }
    r->tcmd.iov = r->iov;
    r->tcmd.iovcnt = c->nr_segs;
    return 0;
}

static int rqid_in_flight(struct vscsi_back *b, const struct back_req *self, uint16_t rqid)
{
    for (unsigned i = 0; i < VSCSI_RING_SIZE; i++) {
        const struct back_req *o = &b->reqs[i];
        if (o != self && o->busy && o->cmd.rqid == rqid)
            return 1;
    }
    return 0;
}

static void start_cdb(struct back_req *r)
{
    struct vscsi_back *b = r->b;
    int rc = codec_cmd_parse_data(&r->copy, &b->lim, read_indirect, b, r->segs, b->cfg.max_segs,
                                  &r->cmd);
    if (rc) {
        reject(r, r->cmd.reject);
        return;
    }
    if (r->cmd.nr_segs > b->max_pages) { /* direct requests are bounded by 26 anyway */
        reject(r, VSCSI_REJ_TOO_MANY_SEGS);
        return;
    }
    vscsi__back_trace_req(b, &r->cmd, &r->copy);
    /* Complete before setup_data: a target's direct_buffer() reads it. */
    r->tcmd.cdb = r->cmd.cdb;
    r->tcmd.cdb_len = r->cmd.cdb_len;
    r->tcmd.dir = r->cmd.dir;
    r->tcmd.nx = r->cmd.nx;
    r->tcmd.rqid = r->cmd.rqid;
    r->tcmd.engine = r;
    r->tcmd.target_priv = NULL;
    if (setup_data(r)) {
        reject(r, VSCSI_REJ_GRANT);
        return;
    }
    r->submitted = 1;
    rc = b->cfg.target->submit(b->cfg.target_ctx, r->lun->tlun, &r->tcmd);
    if (rc && r->busy && r->submitted) {
        r->submitted = 0;
        vscsi__back_respond(r, VSCSI_RSLT(VSCSI_HOST_ERROR, 0), NULL, 0, 0);
    }
    /* From here the request may already be answered and free. */
}

static void serve_one(struct vscsi_back *b, struct back_req *r)
{
    r->busy = 1;
    r->submitted = 0;
    r->lun = NULL;
    r->map_addr = NULL;
    vscsi_back_take(&b->ring, &r->copy);
    b->st.requests++;

    if (codec_cmd_parse(&r->copy, &b->lim, &r->cmd) &&
        (r->cmd.reject == VSCSI_REJ_DIRECTION || r->cmd.reject == VSCSI_REJ_CMD_LEN)) {
        reject(r, r->cmd.reject);
        return;
    }
    struct back_lun *lun = vscsi__back_lun_find(b, &r->cmd.nx);
    if (!lun) {
        reject(r, VSCSI_REJ_NO_LUN);
        return;
    }
    if (r->cmd.reject) {
        reject(r, r->cmd.reject);
        return;
    }
    if (rqid_in_flight(b, r, r->cmd.rqid)) {
        /* ABORT by rqid would be ambiguous; the frontend broke the rules. */
        reject(r, VSCSI_REJ_DUP_RQID);
        return;
    }
    r->lun = lun;
    lun->refs++;
    switch (r->cmd.act) {
    case VSCSI_ACT_CDB:
        start_cdb(r);
        break;
    case VSCSI_ACT_ABORT:
        vscsi__back_trace_req(b, &r->cmd, &r->copy);
        vscsi__back_do_abort(r);
        break;
    default:
        vscsi__back_trace_req(b, &r->cmd, &r->copy);
        vscsi__back_do_reset(r);
        break;
    }
}

static struct back_req *free_req(struct vscsi_back *b)
{
    for (unsigned i = 0; i < VSCSI_RING_SIZE; i++)
        if (!b->reqs[i].busy)
            return &b->reqs[i];
    return NULL;
}

/* Serves the ring until it is empty; arm as in the frontend's reap(). */
static int serve(struct vscsi_back *b, int arm)
{
    int taken = 0;

    if (!b->connected || b->ring_broken)
        return b->ring_broken ? -EPROTO : 0;
    b->in_event = 1;
    for (;;) {
        int n = arm ? vscsi_back_final_check(&b->ring) : vscsi_back_requests(&b->ring);
        if (n < 0) {
            /* The frontend lied about its producer index: stop reading the
             * ring for good (Linux keeps the channel masked); answers for
             * what is in flight still go out. */
            b->ring_broken = 1;
            vscsi__back_fail(b, -EPROTO, "bogus ring requests");
            break;
        }
        if (n == 0)
            break;
        for (int i = 0; i < n; i++) {
            struct back_req *r = free_req(b);
            if (!r) /* cannot happen: n is bounded by the response space */
                break;
            serve_one(b, r);
            taken++;
        }
        vscsi__back_push(b);
    }
    b->in_event = 0;
    vscsi__back_push(b);
    if (b->ring_broken) {
        if (b->state == VSCSI_XB_CONNECTED)
            vscsi__back_write_state(b, VSCSI_XB_CLOSING);
        return -EPROTO;
    }
    return taken;
}

int vscsi__back_serve_armed(struct vscsi_back *b)
{
    return serve(b, 1);
}

int vscsi_back_handle_event(struct vscsi_back *b)
{
    b->st.events++;
    int taken = serve(b, 1);
    if (taken == 0)
        b->st.spurious_events++;
    return taken;
}

int vscsi_back_poll(struct vscsi_back *b)
{
    return serve(b, 0);
}

void vscsi_back_complete_host(struct vscsi_target_cmd *cmd, uint8_t host, uint8_t status,
                              const uint8_t *sense, size_t sense_len, uint32_t residual)
{
    struct back_req *r = cmd->engine;
    struct vscsi_back *b = r->b;

    if (!r->busy || !r->submitted || &r->tcmd != cmd)
        return; /* already answered (aborted, reset, disconnected) */
    r->submitted = 0;
    if (residual > r->cmd.data_len)
        residual = (uint32_t)r->cmd.data_len;
    if (b->cfg.data_mode == VSCSI_BACK_COPY &&
        (r->cmd.dir == VSCSI_DIR_FROM_DEVICE || r->cmd.dir == VSCSI_DIR_BIDIRECTIONAL) &&
        copy_segments(r, 1, r->cmd.data_len - residual) != 0) {
        /* The frontend revoked its pages under us: the data is lost. */
        host = VSCSI_HOST_ERROR;
    }
    vscsi__back_respond(r, VSCSI_RSLT(host, status), sense, sense_len, residual);
}

void vscsi_back_complete(struct vscsi_target_cmd *cmd, uint8_t status, const uint8_t *sense,
                         size_t sense_len, uint32_t residual)
{
    vscsi_back_complete_host(cmd, VSCSI_HOST_OK, status, sense, sense_len, residual);
}
