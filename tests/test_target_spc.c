/* SPDX-License-Identifier: MIT */
/* What every kind shares: CDB checking, sense format, unit attention, REPORT LUNS, RSOC. */
#include "test_target_util.h"

static struct vscsi_tgt_lun *mk(enum vscsi_tgt_kind k)
{
    struct vscsi_tgt_tape_opts to = {.loaded = 1};
    struct vscsi_tgt_lun *lun = k == VSCSI_TGT_DISK   ? vscsi_tgt_disk_new(NULL)
                                : k == VSCSI_TGT_TAPE ? vscsi_tgt_tape_new(&to)
                                                      : vscsi_tgt_changer_new(NULL);
    assert_non_null(lun);
    return lun;
}

static void test_sense_format(void **state)
{
    (void)state;
    struct vscsi_tgt_result r;

    memset(&r, 0, sizeof(r));
    vscsi_tgt_set_sense(&r, VSCSI_SK_MEDIUM_ERROR, 0x11, 0x04);
    assert_int_equal(r.status, VSCSI_SAM_CHECK_CONDITION);
    assert_int_equal(r.sense_len, 18);
    assert_int_equal(r.sense[0], 0x70);
    assert_int_equal(r.sense[2], 0x03);
    assert_int_equal(r.sense[7], 10);
    assert_int_equal(r.sense[12], 0x11);
    assert_int_equal(r.sense[13], 0x04);
    assert_int_equal(r.sense[15], 0);
}

static void test_invalid_opcode(void **state)
{
    (void)state;
    for (int k = 0; k < 3; k++) {
        struct vscsi_tgt_lun *lun = mk((enum vscsi_tgt_kind)k);
        uint8_t b[64];
        struct vscsi_tgt_result r;

        r = RUN_NONE(lun, 0xff, 0, 0, 0, 0, 0);
        assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x20, 0x00);
        assert_int_equal(r.sense[15], 0);                   /* no field pointer for an opcode */
        r = RUN_NONE(lun, 0x5e, 0, 0, 0, 0, 0, 0, 0, 0, 0); /* PERSISTENT RESERVE IN */
        assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x20, 0x00);
        /* no CDB at all */
        r = run(lun, NULL, 0, VSCSI_DIR_NONE, NULL, 0);
        assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x20, 0x00);
        /* a CDB shorter than its group: INQUIRY in 4 bytes, MODE SENSE(10) in 6 */
        r = run(lun, (const uint8_t[]){0x12, 0, 0, 0}, 4, VSCSI_DIR_FROM_DEVICE, b, sizeof(b));
        assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x20, 0x00);
        r = run(lun, (const uint8_t[]){0x5a, 0, 0x3f, 0, 0, 0}, 6, VSCSI_DIR_FROM_DEVICE, b,
                sizeof(b));
        assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x20, 0x00);
        /* a longer CDB buffer is fine */
        r = run(lun, (const uint8_t[]){0x12, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 16,
                VSCSI_DIR_FROM_DEVICE, b, sizeof(b));
        assert_good(r);
        vscsi_tgt_free(lun);
    }
}

static void test_reserved_bits(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *d = mk(VSCSI_TGT_DISK), *t = mk(VSCSI_TGT_TAPE);
    uint8_t b[512];
    struct vscsi_tgt_result r;

    /* RDPROTECT (byte 1 bits 7-5) */
    r = RUN_IN(d, b, 512, 0x28, 0x20, 0, 0, 0, 0, 0, 0, 1, 0);
    assert_bad_cdb(r, 1, 5);
    /* reserved byte 6 bits 7-5 of READ(10) */
    r = RUN_IN(d, b, 512, 0x28, 0, 0, 0, 0, 0, 0x80, 0, 1, 0);
    assert_bad_cdb(r, 6, 7);
    /* NACA in the control byte */
    r = RUN_IN(d, b, 512, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0x04);
    assert_bad_cdb(r, 9, 2);
    /* vendor bits are ignored */
    assert_good(RUN_IN(d, b, 512, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0x80));
    /* INQUIRY CMDDT (obsolete) */
    r = RUN_IN(d, b, 36, 0x12, 0x02, 0, 0, 36, 0);
    assert_bad_cdb(r, 1, 1);
    /* REQUEST SENSE DESC: descriptor format (72h), NO SENSE with nothing pending */
    assert_good(RUN_IN(d, b, 18, 0x03, 0x01, 0, 0, 18, 0));
    assert_int_equal(b[0], 0x72);
    assert_int_equal(b[7], 0);
    /* REQUEST SENSE byte 1 bit 1 */
    r = RUN_IN(d, b, 18, 0x03, 0x02, 0, 0, 18, 0);
    assert_bad_cdb(r, 1, 1);
    /* TEST UNIT READY byte 2 */
    r = RUN_NONE(t, 0x00, 0, 0x01, 0, 0, 0);
    assert_bad_cdb(r, 2, 0);
    /* tape READ(6) byte 1 bit 2 */
    r = RUN_IN(t, b, 10, 0x08, 0x04, 0, 0, 10, 0);
    assert_bad_cdb(r, 1, 2);
    vscsi_tgt_free(d);
    vscsi_tgt_free(t);
}

static void test_unit_attention(void **state)
{
    (void)state;
    for (int k = 0; k < 3; k++) {
        struct vscsi_tgt_lun *lun = mk((enum vscsi_tgt_kind)k);
        uint8_t b[96];
        struct vscsi_tgt_result r;

        vscsi_tgt_reset(lun);
        /* INQUIRY and REPORT LUNS neither report nor clear it */
        assert_good(RUN_IN(lun, b, 36, 0x12, 0, 0, 0, 36, 0));
        assert_good(RUN_IN(lun, b, 16, 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0));
        r = RUN_NONE(lun, 0x00, 0, 0, 0, 0, 0);
        assert_sense(r, VSCSI_SK_UNIT_ATTENTION, 0x29, 0x00);
        assert_good(RUN_NONE(lun, 0x00, 0, 0, 0, 0, 0));

        /* REQUEST SENSE returns it as data and clears it */
        vscsi_tgt_reset(lun);
        memset(b, 0, sizeof(b));
        r = RUN_IN(lun, b, 96, 0x03, 0, 0, 0, 96, 0);
        assert_good(r);
        assert_int_equal(r.residual, 96 - 18);
        assert_int_equal(b[0], 0x70);
        assert_int_equal(b[2] & 0xf, VSCSI_SK_UNIT_ATTENTION);
        assert_int_equal(b[7], 10);
        assert_int_equal(b[12], 0x29);
        assert_good(RUN_NONE(lun, 0x00, 0, 0, 0, 0, 0));
        r = RUN_IN(lun, b, 96, 0x03, 0, 0, 0, 96, 0);
        assert_good(r);
        assert_int_equal(b[2] & 0xf, VSCSI_SK_NO_SENSE);
        assert_int_equal(b[12], 0);

        /* an invalid command does not consume it; the next valid one reports it */
        vscsi_tgt_reset(lun);
        r = RUN_NONE(lun, 0xff, 0, 0, 0, 0, 0);
        assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x20, 0x00);
        r = RUN_IN(lun, b, 64, 0x1a, 0, 0x3f, 0, 64, 0);
        assert_sense(r, VSCSI_SK_UNIT_ATTENTION, 0x29, 0x00);
        assert_int_equal(r.residual, 64);
        assert_good(RUN_IN(lun, b, 64, 0x1a, 0, 0x3f, 0, 64, 0));
        vscsi_tgt_free(lun);
    }
}

static void test_report_luns(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = mk(VSCSI_TGT_TAPE);
    uint8_t b[64];
    struct vscsi_tgt_result r;

    memset(b, 0xff, sizeof(b));
    r = RUN_IN(lun, b, sizeof(b), 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0);
    assert_good(r);
    assert_int_equal(vscsi_get_be32(b), 8);
    assert_int_equal(vscsi_get_be64(b + 8), 0);
    assert_int_equal(r.residual, 64 - 16);
    r = RUN_IN(lun, b, sizeof(b), 0xa0, 0, 0x01, 0, 0, 0, 0, 0, 0, 64, 0, 0);
    assert_good(r);
    assert_int_equal(vscsi_get_be32(b), 0);
    assert_good(RUN_IN(lun, b, sizeof(b), 0xa0, 0, 0x02, 0, 0, 0, 0, 0, 0, 64, 0, 0));
    r = RUN_IN(lun, b, sizeof(b), 0xa0, 0, 0x10, 0, 0, 0, 0, 0, 0, 64, 0, 0);
    assert_bad_cdb(r, 2, -1);
    /* allocation length 4: just the list length */
    r = RUN_IN(lun, b, sizeof(b), 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0);
    assert_good(r);
    assert_int_equal(r.residual, 60);
    vscsi_tgt_free(lun);
}

static bool rsoc_has(struct vscsi_tgt_lun *lun, uint8_t op)
{
    static uint8_t b[2048];
    struct vscsi_tgt_result r =
        RUN_IN(lun, b, sizeof(b), 0xa3, 0x0c, 0, 0, 0, 0, 0, 0, 0x08, 0, 0, 0);

    assert_good(r);
    for (uint32_t off = 4; off < 4 + vscsi_get_be32(b); off += 8)
        if (b[off] == op)
            return true;
    return false;
}

static void test_rsoc_per_kind(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *d = mk(VSCSI_TGT_DISK), *t = mk(VSCSI_TGT_TAPE),
                         *c = mk(VSCSI_TGT_CHANGER);
    uint8_t b[64];

    assert_true(rsoc_has(d, 0x28) && !rsoc_has(d, 0x11) && !rsoc_has(d, 0xb8));
    assert_true(rsoc_has(t, 0x11) && rsoc_has(t, 0x34) && !rsoc_has(t, 0x28));
    assert_true(rsoc_has(c, 0xb8) && rsoc_has(c, 0xa5) && !rsoc_has(c, 0x08));
    for (int i = 0; i < 3; i++) {
        struct vscsi_tgt_lun *l = i == 0 ? d : i == 1 ? t : c;
        assert_true(rsoc_has(l, 0x12) && rsoc_has(l, 0xa0) && rsoc_has(l, 0xa3));
    }
    /* tape SPACE usage data */
    assert_good(RUN_IN(t, b, sizeof(b), 0xa3, 0x0c, 0x01, 0x11, 0, 0, 0, 0, 0, 64, 0, 0));
    assert_int_equal(vscsi_get_be16(b + 2), 6);
    assert_int_equal(b[5], 0x0f);
    vscsi_tgt_free(d);
    vscsi_tgt_free(t);
    vscsi_tgt_free(c);
}

static void test_iov_edges(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = mk(VSCSI_TGT_DISK);
    uint8_t a[3], c[200], ref[96];
    struct vscsi_tgt_iov iov[3] = {{a, sizeof(a)}, {NULL, 0}, {c, sizeof(c)}};
    const uint8_t cdb[] = {0x12, 0, 0, 0, 96, 0};
    struct vscsi_tgt_io io = {cdb, 6, VSCSI_DIR_FROM_DEVICE, iov, 3, sizeof(a) + sizeof(c)};
    struct vscsi_tgt_result r;

    assert_good(RUN_IN(lun, ref, sizeof(ref), 0x12, 0, 0, 0, 96, 0));
    vscsi_tgt_exec(lun, &io, &r);
    assert_good(r);
    assert_int_equal(r.residual, 203 - 96);
    assert_memory_equal(a, ref, 3);
    assert_memory_equal(c, ref + 3, 93);
    /* xfer_len smaller than the iovs: never write past xfer_len */
    memset(c, 0xee, sizeof(c));
    io.xfer_len = 50;
    vscsi_tgt_exec(lun, &io, &r);
    assert_good(r);
    assert_int_equal(r.residual, 0);
    assert_int_equal(c[46], ref[49]);
    assert_int_equal(c[47], 0xee);
    /* data-in command with no data-in buffer moves nothing */
    r = RUN_NONE(lun, 0x12, 0, 0, 0, 96, 0);
    assert_good(r);
    assert_int_equal(r.residual, 0);
    vscsi_tgt_free(lun);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sense_format),  cmocka_unit_test(test_invalid_opcode),
        cmocka_unit_test(test_reserved_bits), cmocka_unit_test(test_unit_attention),
        cmocka_unit_test(test_report_luns),   cmocka_unit_test(test_rsoc_per_kind),
        cmocka_unit_test(test_iov_edges),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
