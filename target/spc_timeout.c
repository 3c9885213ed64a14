/* SPDX-License-Identifier: MIT */
/*
 * Command timeouts for REPORT SUPPORTED OPERATION CODES with RCTD: the
 * figures a real device of each kind publishes (an LTO drive: minutes to
 * rewind or locate, hours for a long erase), so that a passthrough backend's
 * timeout choice meets realistic descriptors in the simulator. Seconds.
 */
#include "target/tgt_int.h"

struct op_timeout {
    uint8_t kind_mask; /* 1 << enum vscsi_tgt_kind */
    uint8_t opcode;
    uint32_t nominal, recommended;
};

#define DISK    (1u << VSCSI_TGT_DISK)
#define TAPE    (1u << VSCSI_TGT_TAPE)
#define CHANGER (1u << VSCSI_TGT_CHANGER)

static const struct op_timeout table[] = {
    {TAPE, 0x01, 120, 1200},    /* REWIND */
    {TAPE, 0x04, 300, 3600},    /* FORMAT MEDIUM */
    {TAPE, 0x10, 10, 1200},     /* WRITE FILEMARKS: flushes the buffer */
    {TAPE, 0x11, 300, 2400},    /* SPACE(6) */
    {TAPE, 0x19, 3600, 28800},  /* ERASE: a long erase of LTO-9 takes hours */
    {TAPE, 0x1b, 120, 1200},    /* LOAD UNLOAD */
    {TAPE, 0x2b, 300, 2400},    /* LOCATE(10) */
    {TAPE, 0x91, 300, 2400},    /* SPACE(16) */
    {TAPE, 0x92, 300, 2400},    /* LOCATE(16) */
    {CHANGER, 0x07, 600, 3600}, /* INITIALIZE ELEMENT STATUS */
    {CHANGER, 0x37, 600, 3600}, /* INITIALIZE ELEMENT STATUS WITH RANGE */
    {CHANGER, 0xa5, 60, 1200},  /* MOVE MEDIUM */
    {CHANGER, 0xa6, 120, 1200}, /* EXCHANGE MEDIUM */
    {DISK, 0x35, 10, 120},      /* SYNCHRONIZE CACHE(10) */
    {DISK, 0x91, 10, 120},      /* SYNCHRONIZE CACHE(16) */
    {DISK, 0x42, 10, 120},      /* UNMAP */
};

void tgt_op_timeouts(const struct vscsi_tgt_lun *lun, const struct tgt_op *op, uint32_t *nominal,
                     uint32_t *recommended)
{
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if ((table[i].kind_mask & (1u << lun->kind)) && table[i].opcode == op->opcode) {
            *nominal = table[i].nominal;
            *recommended = table[i].recommended;
            return;
        }
    /* Anything else: a tape's READ/WRITE may wait on repositioning; a disk's does not. */
    *nominal = lun->kind == VSCSI_TGT_TAPE ? 30 : 1;
    *recommended = lun->kind == VSCSI_TGT_TAPE ? 900 : 30;
}
