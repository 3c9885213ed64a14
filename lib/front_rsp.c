/* SPDX-License-Identifier: MIT */
/* Frontend response path: drain the ring, check every response against what
 * is in flight, hand data and status back, revoke grants; and the error
 * state that any violation latches. */
#include <errno.h>
#include <string.h>

#include "codec_inline.h"
#include "front_int.h"

void vscsi_fi_latch(struct vscsi_front *f, int err)
{
    if (!f->error)
        f->error = err;
}

static void deliver(struct vscsi_front *f, void *user, int internal, const struct vscsi_result *res,
                    size_t bytes)
{
    if (!internal)
        f->cfg.done(f->cfg.cb_ctx, user, res, bytes);
}

/* Tells the caller its command is over although the backend has not said
 * so; the rqid and its grants stay held until the backend does. */
void vscsi_fi_complete_local(struct vscsi_front *f, struct vscsi_fi_rq *r, uint8_t host)
{
    struct vscsi_result res;

    if (r->completed)
        return;
    memset(&res, 0, sizeof(res));
    res.rqid = (uint16_t)(r - f->rq);
    res.host = host;
    res.rslt = VSCSI_RSLT(host, 0);
    r->completed = 1;
    if (!r->internal)
        f->st.failed_locally++;
    deliver(f, r->user, r->internal, &res, 0);
}

void vscsi_fi_fail_all(struct vscsi_front *f, uint8_t host)
{
    for (unsigned i = 0; i < VSCSI_FI_NR_RQ; i++) {
        struct vscsi_fi_rq *r = &f->rq[i];
        struct vscsi_result res;
        void *user = r->user;
        int notify;

        if (!r->busy)
            continue;
        notify = !r->completed && !r->internal;
        r->completed = 1;
        /* Nothing will come back for it any more: release before the
         * callback, which may look at the handle. */
        if (vscsi_fi_ungrant_rq(f, r) == -EBUSY)
            vscsi_fi_latch(f, -EBUSY);
        vscsi_fi_rq_release(f, r);
        if (!notify)
            continue;
        memset(&res, 0, sizeof(res));
        res.rqid = (uint16_t)i;
        res.host = host;
        res.rslt = VSCSI_RSLT(host, 0);
        f->st.failed_locally++;
        f->cfg.done(f->cfg.cb_ctx, user, &res, 0);
    }
    /* Nothing is granted any more: the pool goes with the connection, so a
     * pool page never holds bytes of another session. */
    vscsi_fi_pool_drop(f);
}

/* Error state: nothing more is sent; everything in flight is finished here
 * and the device heads for Closed. */
static void enter_error(struct vscsi_front *f, int err)
{
    vscsi_fi_latch(f, err);
    if (f->state != VSCSI_XB_CLOSED && f->state != VSCSI_XB_CLOSING)
        vscsi_fi_set_state(f, VSCSI_XB_CLOSING);
    vscsi_fi_fail_all(f, VSCSI_HOST_RESET);
}

int vscsi_fi_fail(struct vscsi_front *f, int err)
{
    enter_error(f, err);
    return f->error;
}

static void copy_in(struct vscsi_fi_rq *r, size_t bytes)
{
    uint8_t *dst = r->buf;

    /* Granted in place: the backend wrote the caller's buffer itself. */
    if (r->zc_buf)
        return;
    for (uint32_t i = 0; i < r->nr_pages && bytes; i++) {
        size_t n = bytes < VSCSI_PAGE_SIZE ? bytes : VSCSI_PAGE_SIZE;

        memcpy(dst + (size_t)i * VSCSI_PAGE_SIZE, r->pages[i], n);
        bytes -= n;
    }
}

static int same_nexus(const struct vscsi_nexus *a, const struct vscsi_nexus *b)
{
    return a->channel == b->channel && a->id == b->id && a->lun == b->lun;
}

int vscsi_fi_reset_pending(const struct vscsi_front *f, const struct vscsi_nexus *nx)
{
    for (unsigned i = 0; i < VSCSI_FI_NR_RQ; i++) {
        const struct vscsi_fi_rq *r = &f->rq[i];

        if (r->busy && r->rsp_due && r->act == VSCSI_ACT_RESET && same_nexus(&r->nx, nx))
            return 1;
    }
    return 0;
}

void vscsi_fi_escalate_reset(struct vscsi_front *f, struct vscsi_fi_rq *t)
{
    if (t->esc == VSCSI_FI_ESC_RESET)
        return;
    t->esc = VSCSI_FI_ESC_RESET;
    t->esc_ms = f->now_ms;
    if (!vscsi_fi_reset_pending(f, &t->nx))
        vscsi_fi_send_tmr(f, VSCSI_ACT_RESET, &t->nx, -1, NULL, 1);
}

static int abort_done(struct vscsi_front *f, struct vscsi_fi_rq *r, const struct vscsi_result *res)
{
    struct vscsi_fi_rq *t = &f->rq[r->target];

    if (!t->busy || t->seq != r->target_seq)
        return 0;
    t->abort_by = -1;
    if (res->tmr_ok) {
        /* Linux back may never answer an aborted command: finish it for the
         * caller now, keep its rqid and grants until the backend lets go. */
        vscsi_fi_complete_local(f, t, VSCSI_HOST_ABORT);
        vscsi_fi_rq_maybe_free(f, t);
        return 0;
    }
    vscsi_fi_rq_maybe_free(f, t);
    if (t->busy && !t->completed && t->esc != VSCSI_FI_ESC_NONE)
        vscsi_fi_escalate_reset(f, t);
    return 0;
}

static int reset_done(struct vscsi_front *f, struct vscsi_fi_rq *r, const struct vscsi_result *res)
{
    int waiting = 0;

    for (unsigned i = 0; i < VSCSI_FI_NR_RQ; i++) {
        struct vscsi_fi_rq *t = &f->rq[i];

        if (!t->busy || t->completed || t->act != VSCSI_ACT_CDB || t->seq > r->seq ||
            !same_nexus(&t->nx, &r->nx))
            continue;
        if (res->tmr_ok)
            vscsi_fi_complete_local(f, t, VSCSI_HOST_RESET);
        else if (t->esc == VSCSI_FI_ESC_RESET)
            waiting = 1;
    }
    /* A failed RESET leaves a command we gave up on with no way out. */
    return waiting ? -EIO : 0;
}

/* Returns 0, or a -errno that must put the device into the error state. */
static int process(struct vscsi_front *f, const struct vscsi_response *copy)
{
    struct vscsi_result res;
    struct vscsi_fi_rq *r;
    uint16_t id = copy->rqid;
    size_t bytes = 0;
    int notify, rc = 0, grc;
    void *user;

    /* Checked before any per-request state is touched (docs/protocol.md §7.2 item 3). */
    if (id >= VSCSI_FI_NR_RQ || !f->rq[id].busy || !f->rq[id].rsp_due)
        return -EPROTO;
    r = &f->rq[id];
    r->rsp_due = 0;
    if (codec_rsp_decode(copy, r->act, r->act == VSCSI_ACT_CDB ? r->len : 0, &res) > 0)
        f->st.anomalies++;
    notify = !r->completed && !r->internal;
    if (!r->completed && r->act == VSCSI_ACT_CDB && r->dir == VSCSI_DIR_FROM_DEVICE) {
        bytes = r->len - res.residual;
        copy_in(r, bytes);
    }
    r->completed = 1;
    grc = vscsi_fi_ungrant_rq(f, r);
    user = r->user;
    if (r->act == VSCSI_ACT_ABORT && r->target >= 0)
        rc = abort_done(f, r, &res);
    else if (r->act == VSCSI_ACT_RESET)
        rc = reset_done(f, r, &res);
    vscsi_fi_rq_maybe_free(f, r);
    if (notify) {
        f->st.completed++;
        f->cfg.done(f->cfg.cb_ctx, user, &res, bytes);
    }
    return grc ? grc : rc;
}

/* Takes every response there is. arm: re-arm rsp_event when the ring runs
 * dry (final check), as before sleeping; a busy poller leaves it unarmed so
 * the backend need not notify. Returns responses handled or the error. */
static int reap(struct vscsi_front *f, int arm)
{
    struct vscsi_response copy;
    int handled = 0;

    for (;;) {
        int n = vscsi_front_responses(&f->ring);

        if (n == 0 && arm)
            n = vscsi_front_final_check(&f->ring);
        if (n < 0)
            return vscsi_fi_fail(f, n);
        if (n == 0)
            break;
        while (n-- > 0) {
            int rc;

            vscsi_front_take(&f->ring, &copy);
            handled++;
            rc = process(f, &copy);
            if (rc)
                return vscsi_fi_fail(f, rc);
            /* A callback may have closed us or hit an error. */
            if (f->error)
                return f->error;
            if (f->state == VSCSI_XB_CLOSED)
                return handled;
        }
    }
    return handled;
}

int vscsi_front_handle_event(struct vscsi_front *f)
{
    int handled;

    if (!f)
        return -EINVAL;
    f->st.events++;
    if (!f->started || f->error || f->state == VSCSI_XB_CLOSED) {
        f->st.spurious_events++;
        return f->error;
    }
    handled = reap(f, 1);
    if (handled == 0)
        f->st.spurious_events++;
    return handled;
}

int vscsi_front_poll(struct vscsi_front *f)
{
    if (!f)
        return -EINVAL;
    if (!f->started || f->error || f->state == VSCSI_XB_CLOSED)
        return f->error;
    return reap(f, 0);
}
