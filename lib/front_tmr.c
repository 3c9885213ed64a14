/* SPDX-License-Identifier: MIT */
/* Frontend task management and timeouts: ABORT, then RESET of the nexus,
 * then the error state (docs/protocol.md §3.5, §7.2 item 11). The protocol has no timeouts of
 * its own; all of them live here, driven by the embedder's clock. */
#include <errno.h>

#include "front_int.h"

int vscsi_front_abort(struct vscsi_front *f, int rqid, void *user)
{
    struct vscsi_fi_rq *t;
    int rc;

    if (!f)
        return -EINVAL;
    rc = vscsi_fi_ring_ok(f);
    if (rc)
        return rc;
    if (rqid < 0 || rqid >= VSCSI_FI_NR_RQ)
        return -ENOENT;
    t = &f->rq[rqid];
    if (!t->busy || t->completed || t->act != VSCSI_ACT_CDB)
        return -ENOENT;
    if (t->abort_by >= 0)
        return -EALREADY;
    return vscsi_fi_send_tmr(f, VSCSI_ACT_ABORT, &t->nx, rqid, user, 0);
}

int vscsi_front_reset(struct vscsi_front *f, const struct vscsi_nexus *nx, void *user)
{
    int rc;

    if (!f || !nx)
        return -EINVAL;
    rc = vscsi_fi_ring_ok(f);
    if (rc)
        return rc;
    return vscsi_fi_send_tmr(f, VSCSI_ACT_RESET, nx, -1, user, 0);
}

static uint64_t age(uint64_t now, uint64_t since)
{
    if (since == VSCSI_FI_NO_TIME || now < since)
        return 0;
    return now - since;
}

/* Moves one command along ABORT -> RESET -> give up. Returns nonzero when the
 * device must be failed. A TMR that cannot be sent yet (no free rqid, not
 * connected) is retried on the next tick; the stage clock runs anyway, so a
 * full ring cannot stall the escalation. */
static int escalate(struct vscsi_front *f, struct vscsi_fi_rq *t, int id, uint64_t now)
{
    if (t->esc == VSCSI_FI_ESC_NONE) {
        if (age(now, t->start_ms) < t->timeout_ms)
            return 0;
        t->esc = VSCSI_FI_ESC_ABORT;
        t->esc_ms = now;
    }
    switch (t->esc) {
    case VSCSI_FI_ESC_ABORT:
        if (t->abort_by < 0)
            vscsi_fi_send_tmr(f, VSCSI_ACT_ABORT, &t->nx, id, NULL, 1);
        if (t->busy && !t->completed && age(now, t->esc_ms) >= f->reset_ms)
            vscsi_fi_escalate_reset(f, t);
        return 0;
    case VSCSI_FI_ESC_RESET:
        if (!vscsi_fi_reset_pending(f, &t->nx))
            vscsi_fi_send_tmr(f, VSCSI_ACT_RESET, &t->nx, -1, NULL, 1);
        return age(now, t->esc_ms) >= f->reset_ms;
    default:
        return 0;
    }
}

int vscsi_front_tick(struct vscsi_front *f, uint64_t now_ms)
{
    if (!f)
        return -EINVAL;
    f->now_ms = now_ms;
    if (!f->started || f->error || f->state == VSCSI_XB_CLOSED)
        return f->error;
    /* Clocks start at the first tick that sees a request: a request is never
     * older than the time the embedder has shown us. */
    for (unsigned i = 0; i < VSCSI_FI_NR_RQ; i++) {
        struct vscsi_fi_rq *r = &f->rq[i];

        if (r->busy && r->rsp_due && r->start_ms == VSCSI_FI_NO_TIME)
            r->start_ms = now_ms;
        if (r->busy && r->esc != VSCSI_FI_ESC_NONE && r->esc_ms == VSCSI_FI_NO_TIME)
            r->esc_ms = now_ms;
    }
    for (int i = 0; i < VSCSI_FI_NR_RQ; i++) {
        struct vscsi_fi_rq *r = &f->rq[i];

        if (!r->busy || r->completed || r->act != VSCSI_ACT_CDB)
            continue;
        if (escalate(f, r, i, now_ms))
            return vscsi_fi_fail(f, -ETIMEDOUT);
    }
    /* TMRs the caller sent, or ours whose command has gone meanwhile. */
    for (int i = 0; i < VSCSI_FI_NR_RQ; i++) {
        struct vscsi_fi_rq *r = &f->rq[i];

        if (!r->busy || !r->rsp_due || r->act == VSCSI_ACT_CDB || r->tmr_timed_out ||
            age(now_ms, r->start_ms) < f->reset_ms)
            continue;
        r->tmr_timed_out = 1;
        if (r->act == VSCSI_ACT_RESET)
            return vscsi_fi_fail(f, -ETIMEDOUT);
        if (r->target >= 0) {
            struct vscsi_fi_rq *t = &f->rq[r->target];

            if (t->busy && t->seq == r->target_seq && !t->completed)
                vscsi_fi_escalate_reset(f, t);
        }
    }
    return 0;
}
