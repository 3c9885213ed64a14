/* SPDX-License-Identifier: MIT */
/* Backend engine: task management. Decision (docs/protocol-decisions.md row 5): an
 * aborted command always gets its own answer, host ABORT, sent before the
 * ABORT's 0x2002; a reset answers every command of the LUN with host RESET. */
#include <errno.h>

#include "back_int.h"

/* Takes a submitted command away from the target. 0 when the target let go. */
static int withdraw(struct back_req *r)
{
    const struct vscsi_target_ops *t = r->b->cfg.target;

    if (!r->submitted)
        return 0;
    if (!t->abort || t->abort(r->b->cfg.target_ctx, r->lun->tlun, &r->tcmd) != 0)
        return -EBUSY;
    r->submitted = 0;
    return 0;
}

void vscsi__back_do_abort(struct back_req *tmr)
{
    struct vscsi_back *b = tmr->b;
    struct back_req *victim = NULL;

    b->st.aborts++;
    /* By the nexus the frontend named, not our LUN entry: a command sent
     * before its LUN was removed and re-added is still the one meant. */
    for (unsigned i = 0; i < VSCSI_RING_SIZE; i++) {
        struct back_req *o = &b->reqs[i];
        if (o != tmr && o->busy && o->submitted && o->cmd.act == VSCSI_ACT_CDB &&
            o->cmd.rqid == tmr->cmd.ref_rqid && o->cmd.nx.channel == tmr->cmd.nx.channel &&
            o->cmd.nx.id == tmr->cmd.nx.id && o->cmd.nx.lun == tmr->cmd.nx.lun)
            victim = o;
    }
    if (!victim || withdraw(victim) != 0) {
        vscsi__back_respond(tmr, VSCSI_RSLT_RESET_FAILED, NULL, 0, 0);
        return;
    }
    vscsi__back_respond(victim, VSCSI_RSLT(VSCSI_HOST_ABORT, 0), NULL, 0, 0);
    vscsi__back_respond(tmr, VSCSI_RSLT_RESET_SUCCESS, NULL, 0, 0);
}

void vscsi__back_do_reset(struct back_req *tmr)
{
    struct vscsi_back *b = tmr->b;
    const struct vscsi_target_ops *t = b->cfg.target;

    b->st.resets++;
    if (!t->reset || t->reset(b->cfg.target_ctx, tmr->lun->tlun) != 0) {
        vscsi__back_respond(tmr, VSCSI_RSLT_RESET_FAILED, NULL, 0, 0);
        return;
    }
    /* The target dropped everything of this LUN: answer it all here. Its LUN,
     * not our entry: a removed and re-added device may have commands in
     * flight through both entries. */
    for (unsigned i = 0; i < VSCSI_RING_SIZE; i++) {
        struct back_req *o = &b->reqs[i];
        if (o != tmr && o->busy && o->submitted && o->lun->tlun == tmr->lun->tlun) {
            o->submitted = 0;
            vscsi__back_respond(o, VSCSI_RSLT(VSCSI_HOST_RESET, 0), NULL, 0, 0);
        }
    }
    vscsi__back_respond(tmr, VSCSI_RSLT_RESET_SUCCESS, NULL, 0, 0);
}

/* Answers every command in flight (of one LUN, or all) with `host`: abort
 * each at the target, reset the LUN if that fails, and as a last resort take
 * it back anyway, since the ring is about to go. */
void vscsi__back_cancel_inflight(struct vscsi_back *b, struct back_lun *only, uint8_t host)
{
    const struct vscsi_target_ops *t = b->cfg.target;

    for (unsigned i = 0; i < VSCSI_RING_SIZE; i++) {
        struct back_req *r = &b->reqs[i];
        if (!r->busy || (only && r->lun != only))
            continue;
        if (withdraw(r) != 0 && t->reset)
            t->reset(b->cfg.target_ctx, r->lun->tlun);
        r->submitted = 0;
        vscsi__back_respond(r, VSCSI_RSLT(host, 0), NULL, 0, 0);
    }
}
