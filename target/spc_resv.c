/* SPDX-License-Identifier: MIT */
/*
 * SPC-2 reservations: RESERVE(6/10) and RELEASE(6/10), whole logical unit
 * only (no third-party or extent forms: the CDB masks refuse those bits).
 * The I_T nexus is vscsi_tgt_exec_nexus()'s initiator; a LUN reset releases.
 */
#include "target/tgt_int.h"

bool tgt_resv_conflict(const struct vscsi_tgt_lun *lun, const struct tgt_op *op, uint32_t initiator)
{
    return lun->reserved && lun->resv_holder != initiator && !(op->flags & TGT_F_RESV);
}

/* Another initiator's reservation already answered RESERVATION CONFLICT in
 * the dispatcher; the holder reserving again is a no-op that succeeds. */
void tgt_resv_reserve(struct tgt_cmd *c)
{
    c->lun->reserved = true;
    c->lun->resv_holder = c->initiator;
}

/* Releasing a reservation someone else holds, or none, succeeds and changes nothing. */
void tgt_resv_release(struct tgt_cmd *c)
{
    if (c->lun->reserved && c->lun->resv_holder == c->initiator)
        c->lun->reserved = false;
}
