/* SPDX-License-Identifier: MIT */
/* Shared by the tests/test_target_*.c files: run one CDB and check the outcome. */
#ifndef TEST_TARGET_UTIL_H
#define TEST_TARGET_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "target/target.h"
#include "vscsiif/scsi.h"
#include "vscsiif/wire.h"

/* A CDB literal and its length, for run(). */
#define CDB(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})

static inline struct vscsi_tgt_result run(struct vscsi_tgt_lun *lun, const uint8_t *cdb,
                                          size_t cdb_len, uint8_t dir, void *buf, size_t len)
{
    struct vscsi_tgt_iov iov = {buf, len};
    struct vscsi_tgt_io io = {
        .cdb = cdb,
        .cdb_len = (uint8_t)cdb_len,
        .dir = dir,
        .iov = len ? &iov : NULL,
        .iovcnt = len ? 1 : 0,
        .xfer_len = len,
    };
    struct vscsi_tgt_result r;

    memset(&r, 0xa5, sizeof(r)); /* exec must initialise every field */
    vscsi_tgt_exec(lun, &io, &r);
    return r;
}

/* Data-in, data-out and no-data shorthands. */
#define RUN_IN(lun, buf, len, ...)  run(lun, CDB(__VA_ARGS__), VSCSI_DIR_FROM_DEVICE, buf, len)
#define RUN_OUT(lun, buf, len, ...) run(lun, CDB(__VA_ARGS__), VSCSI_DIR_TO_DEVICE, buf, len)
#define RUN_NONE(lun, ...)          run(lun, CDB(__VA_ARGS__), VSCSI_DIR_NONE, NULL, 0)

/* By value, so that a RUN_*() call can be checked without a variable. */
static inline void check_good(struct vscsi_tgt_result res, int line)
{
    const struct vscsi_tgt_result *r = &res;

    if (r->status != VSCSI_SAM_GOOD)
        fail_msg("line %d: status %#x sense key %#x asc %#x ascq %#x", line, r->status,
                 r->sense[2] & 0xf, r->sense[12], r->sense[13]);
    assert_int_equal(r->sense_len, 0);
}
#define assert_good(r) check_good((r), __LINE__)

static inline void check_sense(struct vscsi_tgt_result res, uint8_t key, uint8_t asc, uint8_t ascq,
                               int line)
{
    const struct vscsi_tgt_result *r = &res;

    if (r->status != VSCSI_SAM_CHECK_CONDITION || (r->sense[2] & 0xf) != key ||
        r->sense[12] != asc || r->sense[13] != ascq)
        fail_msg("line %d: want CHECK CONDITION %x/%02x/%02x, got status %#x %x/%02x/%02x", line,
                 key, asc, ascq, r->status, r->sense[2] & 0xf, r->sense[12], r->sense[13]);
    assert_int_equal(r->sense_len, 18);
    assert_int_equal(r->sense[0] & 0x7f, 0x70);
    assert_int_equal(r->sense[7], 10);
}
#define assert_sense(r, key, asc, ascq) check_sense((r), key, asc, ascq, __LINE__)

/* REQUEST SENSE hands the pending condition over as data. */
static inline void check_reported(struct vscsi_tgt_lun *lun, uint8_t key, uint8_t asc, int line)
{
    uint8_t b[18];

    check_good(RUN_IN(lun, b, 18, 0x03, 0, 0, 0, 18, 0), line);
    if ((b[2] & 0xf) != key || b[12] != asc)
        fail_msg("line %d: REQUEST SENSE data %x/%02x, want %x/%02x", line, b[2] & 0xf, b[12], key,
                 asc);
}
#define assert_reported(lun, key, asc) check_reported((lun), key, asc, __LINE__)

static inline uint32_t sense_info(const struct vscsi_tgt_result *r)
{
    assert_true(r->sense[0] & 0x80); /* VALID */
    return (uint32_t)r->sense[3] << 24 | (uint32_t)r->sense[4] << 16 | (uint32_t)r->sense[5] << 8 |
           r->sense[6];
}

/* INVALID FIELD IN CDB with the field pointer at byte (and bit, or -1 for none). */
static inline void check_bad_field(const struct vscsi_tgt_result *r, uint8_t asc, int cd,
                                   unsigned byte, int bit, int line)
{
    check_sense(*r, VSCSI_SK_ILLEGAL_REQUEST, asc, 0, line);
    if (!(r->sense[15] & 0x80) || !!(r->sense[15] & 0x40) != cd ||
        (unsigned)(r->sense[16] << 8 | r->sense[17]) != byte ||
        (bit < 0 ? (r->sense[15] & 0x08) != 0
                 : ((r->sense[15] & 0x08) == 0 || (r->sense[15] & 7) != bit)))
        fail_msg("line %d: field pointer %02x %02x %02x, want byte %u bit %d", line, r->sense[15],
                 r->sense[16], r->sense[17], byte, bit);
}
#define assert_bad_cdb(r, byte, bit)                                                               \
    check_bad_field(&(r), VSCSI_ASC(VSCSI_ASC_INVALID_FIELD_IN_CDB), 1, byte, bit, __LINE__)
#define assert_bad_param(r, byte, bit)                                                             \
    check_bad_field(&(r), VSCSI_ASC(VSCSI_ASC_INVALID_FIELD_IN_PARAM_LIST), 0, byte, bit, __LINE__)

#endif
