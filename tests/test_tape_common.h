/* SPDX-License-Identifier: MIT */
/* Shared by the tape suites: a loaded drive and the few commands every test needs. */
#ifndef TEST_TAPE_COMMON_H
#define TEST_TAPE_COMMON_H

#include <errno.h>

#include "test_target_util.h"

static inline struct vscsi_tgt_lun *tape_loaded(uint64_t cap, uint32_t ew)
{
    struct vscsi_tgt_tape_opts o = {.capacity = cap, .early_warning = ew, .loaded = 1};
    struct vscsi_tgt_lun *lun = vscsi_tgt_tape_new(&o);

    assert_non_null(lun);
    return lun;
}

static inline struct vscsi_tgt_result tape_wr(struct vscsi_tgt_lun *l, void *b, uint32_t n)
{
    return RUN_OUT(l, b, n, 0x0a, 0, (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n, 0);
}

static inline struct vscsi_tgt_result tape_rd(struct vscsi_tgt_lun *l, void *b, uint32_t n)
{
    return RUN_IN(l, b, n, 0x08, 0x02, (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n, 0);
}

static inline struct vscsi_tgt_result tape_wfm(struct vscsi_tgt_lun *l, uint8_t n)
{
    return RUN_NONE(l, 0x10, 0, 0, 0, n, 0);
}

/* Layout: A FM B C FM FM D (objects 0..6), end of data at 7, position back at 0. */
static inline struct vscsi_tgt_lun *tape_layout(void)
{
    struct vscsi_tgt_lun *t = tape_loaded(0, 0);
    uint8_t x;

    x = 'A';
    assert_good(tape_wr(t, &x, 1));
    assert_good(tape_wfm(t, 1));
    x = 'B';
    assert_good(tape_wr(t, &x, 1));
    x = 'C';
    assert_good(tape_wr(t, &x, 1));
    assert_good(tape_wfm(t, 2));
    x = 'D';
    assert_good(tape_wr(t, &x, 1));
    assert_good(RUN_NONE(t, 0x01, 0, 0, 0, 0, 0));
    return t;
}

/* READ POSITION short form: the first object location, flags in *flags. */
static inline uint32_t tape_pos(struct vscsi_tgt_lun *l, uint8_t *flags)
{
    uint8_t b[20];
    struct vscsi_tgt_result r = RUN_IN(l, b, sizeof(b), 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    assert_good(r);
    if (flags)
        *flags = b[0];
    return vscsi_get_be32(b + 4);
}

#endif
