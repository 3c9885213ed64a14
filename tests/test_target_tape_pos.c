/* SPDX-License-Identifier: MIT */
/* SSC positioning and density as Linux st and mt-st use them: MODE SENSE page 0,
 * READ POSITION in every form, LOCATE/SPACE/ERASE(16), REPORT DENSITY SUPPORT,
 * the power-on unit attention. */
#include "test_tape_common.h"

/* The four READ POSITION forms agree with each other at every position. */
static void check_forms(struct vscsi_tgt_lun *t, uint64_t obj, uint64_t file)
{
    uint8_t s[20], v[20], l[32], x[32];

    memset(s, 0xee, sizeof(s));
    assert_good(RUN_IN(t, s, 20, 0x34, 0x00, 0, 0, 0, 0, 0, 0, 0, 0));
    assert_good(RUN_IN(t, v, 20, 0x34, 0x01, 0, 0, 0, 0, 0, 0, 0, 0));
    struct vscsi_tgt_result r = RUN_IN(t, l, 32, 0x34, 0x06, 0, 0, 0, 0, 0, 0, 0, 0);
    assert_good(r);
    assert_int_equal(r.residual, 0);
    r = RUN_IN(t, x, 32, 0x34, 0x08, 0, 0, 0, 0, 0, 0, 32, 0);
    assert_good(r);
    assert_int_equal(r.residual, 0);
    /* short: first = last object (nothing buffered), no bytes or objects in buffer */
    assert_int_equal(vscsi_get_be32(s + 4), obj);
    assert_int_equal(vscsi_get_be32(s + 8), obj);
    assert_int_equal(s[1], 0); /* partition */
    assert_int_equal(vscsi_get_be32(s + 12) & 0xffffff, 0);
    assert_int_equal(vscsi_get_be32(s + 16), 0);
    assert_int_equal(s[0] & 0x04, 0); /* BPU clear: st's MTIOCPOS refuses a position otherwise */
    assert_int_equal(!!(s[0] & 0x80), obj == 0);
    /* block-address form: same numbers, same flags */
    assert_memory_equal(s, v, 20);
    /* long: 64-bit object and file numbers, partition 0 */
    assert_int_equal(l[0] & 0xc0, s[0] & 0xc0);
    assert_int_equal(l[0] & 0x0c, 0); /* MPU, LONU: both known */
    assert_int_equal(vscsi_get_be32(l + 4), 0);
    assert_int_equal(vscsi_get_be64(l + 8), obj);
    assert_int_equal(vscsi_get_be64(l + 16), file);
    /* extended */
    assert_int_equal(x[0] & 0xc0, s[0] & 0xc0);
    assert_int_equal(x[1], 0);
    assert_int_equal(vscsi_get_be16(x + 2), 0x1c);
    assert_int_equal(vscsi_get_be64(x + 8), obj);
    assert_int_equal(vscsi_get_be64(x + 16), obj);
    assert_int_equal(vscsi_get_be64(x + 24), 0);
}

static void test_read_position_forms(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *t = tape_layout();
    uint8_t b[32];

    check_forms(t, 0, 0);
    assert_good(RUN_NONE(t, 0x11, 0x01, 0, 0, 1, 0)); /* past the first filemark */
    check_forms(t, 2, 1);
    assert_good(RUN_NONE(t, 0x11, 0x01, 0, 0, 2, 0));
    check_forms(t, 6, 3);
    assert_good(RUN_NONE(t, 0x11, 0x03, 0, 0, 0, 0)); /* end of data */
    check_forms(t, 7, 3);
    /* the extended form's allocation length is honoured, 0 moves nothing */
    struct vscsi_tgt_result r = RUN_IN(t, b, 32, 0x34, 0x08, 0, 0, 0, 0, 0, 0, 8, 0);
    assert_good(r);
    assert_int_equal(r.residual, 24);
    r = RUN_IN(t, b, 32, 0x34, 0x08, 0, 0, 0, 0, 0, 0, 0, 0);
    assert_good(r);
    assert_int_equal(r.residual, 32);
    /* reserved bits above the service action */
    r = RUN_IN(t, b, 32, 0x34, 0x26, 0, 0, 0, 0, 0, 0, 0, 0);
    assert_bad_cdb(r, 1, 5);
    r = RUN_IN(t, b, 32, 0x34, 0x06, 0, 0, 0, 0, 1, 0, 0, 0);
    assert_bad_cdb(r, 6, 0);
    vscsi_tgt_free(t);
}

static void test_locate16_space16(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *t = tape_layout();
    struct vscsi_tgt_result r;
    uint8_t b[8];

    /* object 3 (C) */
    assert_good(RUN_NONE(t, 0x92, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0));
    check_forms(t, 3, 1);
    assert_good(tape_rd(t, b, 8));
    assert_int_equal(b[0], 'C');
    /* file 3 starts at D (object 6); file 0 at BOP */
    assert_good(RUN_NONE(t, 0x92, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0));
    check_forms(t, 6, 3);
    assert_good(RUN_NONE(t, 0x92, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    check_forms(t, 0, 0);
    /* file 4 does not exist: BLANK CHECK at end of data */
    r = RUN_NONE(t, 0x92, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0);
    assert_sense(r, VSCSI_SK_BLANK_CHECK, 0x00, 0x05);
    check_forms(t, 7, 3);
    /* end of data, then an object past it */
    assert_good(RUN_NONE(t, 0x92, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    assert_good(RUN_NONE(t, 0x92, 0x18, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    check_forms(t, 7, 3);
    r = RUN_NONE(t, 0x92, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0); /* 2^56 */
    assert_sense(r, VSCSI_SK_BLANK_CHECK, 0x00, 0x05);
    /* bad destination type, CP with partition 1, BAM: refused and nothing moves */
    assert_good(RUN_NONE(t, 0x92, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0));
    r = RUN_NONE(t, 0x92, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0);
    assert_bad_cdb(r, 1, 5);
    r = RUN_NONE(t, 0x92, 0x02, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0);
    assert_bad_cdb(r, 3, -1);
    r = RUN_NONE(t, 0x92, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0);
    assert_bad_cdb(r, 2, 0);
    check_forms(t, 2, 1);

    /* SPACE(16): blocks back over a filemark stops before it; 64-bit negative count */
    assert_good(RUN_NONE(t, 0x91, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0));
    check_forms(t, 3, 1);
    r = RUN_NONE(t, 0x91, 0x00, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfd, 0, 0, 0, 0);
    assert_sense(r, VSCSI_SK_NO_SENSE, 0x00, 0x01);
    assert_int_equal(sense_info(&r), 2);
    check_forms(t, 1, 0); /* on the filemark, before it: still file 0 */
    /* filemarks forward, past the 32-bit range: end of data, residue saturated */
    r = RUN_NONE(t, 0x91, 0x01, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0); /* 2^40 */
    assert_sense(r, VSCSI_SK_BLANK_CHECK, 0x00, 0x05);
    assert_int_equal(sense_info(&r), 0xffffffffu);
    check_forms(t, 7, 3);
    assert_good(
        RUN_NONE(t, 0x91, 0x01, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0));
    check_forms(t, 5, 2);
    /* a parameter length (no parameter data is supported) and setmarks are refused */
    r = RUN_NONE(t, 0x91, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 8, 0, 0);
    assert_bad_cdb(r, 13, 3);
    r = RUN_NONE(t, 0x91, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0);
    assert_bad_cdb(r, 1, 3);
    check_forms(t, 5, 2);
    vscsi_tgt_free(t);
}

static void test_erase_forms(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *t = tape_layout();
    struct vscsi_tgt_result r;
    uint8_t b[8];

    /* ERASE(16) at object 3: C and everything after it are gone */
    assert_good(RUN_NONE(t, 0x93, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0));
    assert_good(RUN_NONE(t, 0x11, 0x03, 0, 0, 0, 0));
    assert_int_equal(tape_pos(t, NULL), 3);
    assert_good(RUN_NONE(t, 0x2b, 0, 0, 0, 0, 0, 2, 0, 0, 0));
    assert_good(tape_rd(t, b, 8));
    assert_int_equal(b[0], 'B');
    r = tape_rd(t, b, 8);
    assert_sense(r, VSCSI_SK_BLANK_CHECK, 0x00, 0x05);
    /* ERASE(16) past end of data or in partition 1: refused, nothing erased */
    r = RUN_NONE(t, 0x93, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 0);
    assert_sense(r, VSCSI_SK_BLANK_CHECK, 0x00, 0x05);
    r = RUN_NONE(t, 0x93, 0x01, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    assert_bad_cdb(r, 3, -1);
    r = RUN_NONE(t, 0x93, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0); /* LCS */
    assert_bad_cdb(r, 1, 2);
    assert_good(RUN_NONE(t, 0x11, 0x03, 0, 0, 0, 0));
    assert_int_equal(tape_pos(t, NULL), 3);
    /* ERASE(6) LONG from object 1 */
    assert_good(RUN_NONE(t, 0x2b, 0, 0, 0, 0, 0, 1, 0, 0, 0));
    assert_good(RUN_NONE(t, 0x19, 0x01, 0, 0, 0, 0));
    assert_good(RUN_NONE(t, 0x11, 0x03, 0, 0, 0, 0));
    assert_int_equal(tape_pos(t, NULL), 1);
    vscsi_tgt_free(t);
}

/* MODE SENSE(6) page 0 is what st sends at every open: header and block
 * descriptor only; MODE SELECT of the descriptor sets block size and density. */
static void test_mode_page0(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *t = tape_loaded(0, 0);
    uint8_t b[64], p[12] = {0, 0, 0x10, 8, 0x5a, 0, 0, 0, 0, 0, 0x02, 0x00};
    struct vscsi_tgt_result r;

    r = RUN_IN(t, b, 12, 0x1a, 0, 0x00, 0, 12, 0);
    assert_good(r);
    assert_int_equal(r.residual, 0);
    assert_int_equal(b[0], 11);                 /* mode data length */
    assert_int_equal(b[2], 0x10);               /* buffered mode 1, not write protected */
    assert_int_equal(b[3], 8);                  /* block descriptor length */
    assert_int_equal(b[4], 0x58);               /* density */
    assert_int_equal(vscsi_get_be32(b + 8), 0); /* variable block mode */
    /* st's MTSETBLK: MODE SELECT(6) header + descriptor; density 5Ah, blocks of 512 */
    assert_good(RUN_OUT(t, p, sizeof(p), 0x15, 0x10, 0, 0, sizeof(p), 0));
    r = RUN_IN(t, b, 12, 0x1a, 0, 0x00, 0, 12, 0);
    assert_good(r);
    assert_int_equal(b[4], 0x5a);
    assert_int_equal(vscsi_get_be32(b + 8) & 0xffffff, 512);
    /* density 7Fh: no change; MODE SENSE(10) page 0 */
    p[4] = 0x7f;
    p[10] = 0x04;
    assert_good(RUN_OUT(t, p, sizeof(p), 0x15, 0x10, 0, 0, sizeof(p), 0));
    r = RUN_IN(t, b, 64, 0x5a, 0, 0x00, 0, 0, 0, 0, 0, 64, 0);
    assert_good(r);
    assert_int_equal(r.residual, 64 - 16);
    assert_int_equal(vscsi_get_be16(b), 14);
    assert_int_equal(vscsi_get_be16(b + 6), 8);
    assert_int_equal(b[8], 0x5a);
    assert_int_equal(vscsi_get_be32(b + 12) & 0xffffff, 1024);
    /* a fixed READ now uses 1024-byte blocks */
    uint8_t w[2048] = {1, 2, 3};
    assert_good(RUN_OUT(t, w, 2048, 0x0a, 0x01, 0, 0, 2, 0));
    assert_int_equal(tape_pos(t, NULL), 2);
    /* MODE SELECT(10): 8-byte header, descriptor at 8; a 16-byte descriptor is refused */
    uint8_t p10[16] = {0, 0, 0, 0x10, 0, 0, 0, 8, 0x58, 0, 0, 0, 0, 0, 0x08, 0x00};
    assert_good(RUN_OUT(t, p10, sizeof(p10), 0x55, 0x10, 0, 0, 0, 0, 0, 0, sizeof(p10), 0));
    r = RUN_IN(t, b, 12, 0x1a, 0, 0x00, 0, 12, 0);
    assert_int_equal(b[4], 0x58);
    assert_int_equal(vscsi_get_be32(b + 8) & 0xffffff, 2048);
    uint8_t p16[24] = {0, 0, 0, 0x10, 0, 0, 0, 16};
    r = RUN_OUT(t, p16, sizeof(p16), 0x55, 0x10, 0, 0, 0, 0, 0, 0, sizeof(p16), 0);
    assert_bad_param(r, 6, -1);
    p10[14] = 0x04; /* back to 1024 */
    assert_good(RUN_OUT(t, p10, sizeof(p10), 0x55, 0x10, 0, 0, 0, 0, 0, 0, sizeof(p10), 0));
    p[4] = 0x5a;
    assert_good(RUN_OUT(t, p, sizeof(p), 0x15, 0x10, 0, 0, sizeof(p), 0));
    /* DBD: header only */
    r = RUN_IN(t, b, 64, 0x1a, 0x08, 0x00, 0, 64, 0);
    assert_good(r);
    assert_int_equal(b[0], 3);
    assert_int_equal(b[3], 0);
    assert_int_equal(r.residual, 60);
    /* a density the drive does not have, and a short allocation length */
    p[4] = 0x44;
    r = RUN_OUT(t, p, sizeof(p), 0x15, 0x10, 0, 0, sizeof(p), 0);
    assert_bad_param(r, 4, -1);
    r = RUN_IN(t, b, 64, 0x1a, 0, 0x00, 0, 12, 0);
    assert_int_equal(b[4], 0x5a); /* unchanged */
    r = RUN_IN(t, b, 64, 0x1a, 0, 0x00, 0, 6, 0);
    assert_good(r);
    assert_int_equal(r.residual, 58);
    /* other pages st uses still answer, page 3Eh does not exist, subpage of page 0 */
    assert_good(RUN_IN(t, b, 64, 0x1a, 0, 0x0f, 0, 64, 0));
    assert_int_equal(b[12], 0x0f);
    assert_good(RUN_IN(t, b, 64, 0x1a, 0, 0x10, 0, 64, 0));
    assert_int_equal(b[12], 0x10);
    r = RUN_IN(t, b, 64, 0x1a, 0, 0x3e, 0, 64, 0);
    assert_bad_cdb(r, 2, 5);
    r = RUN_IN(t, b, 64, 0x1a, 0, 0x00, 1, 64, 0);
    assert_bad_cdb(r, 3, -1);
    vscsi_tgt_free(t);
    /* page 0 is SSC's: a disk and a changer still have no such page */
    struct vscsi_tgt_lun *d = vscsi_tgt_disk_new(NULL), *c = vscsi_tgt_changer_new(NULL);
    r = RUN_IN(d, b, 64, 0x1a, 0, 0x00, 0, 64, 0);
    assert_bad_cdb(r, 2, 5);
    r = RUN_IN(c, b, 64, 0x1a, 0, 0x00, 0, 64, 0);
    assert_bad_cdb(r, 2, 5);
    vscsi_tgt_free(c);
    vscsi_tgt_free(d);
}

static void test_report_density(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *t = tape_loaded(3000000000ull, 0);
    uint8_t b[256];
    struct vscsi_tgt_result r;

    r = RUN_IN(t, b, sizeof(b), 0x44, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0);
    assert_good(r);
    assert_int_equal(vscsi_get_be16(b), 2 + 2 * 52);
    assert_int_equal(r.residual, sizeof(b) - 4 - 2 * 52);
    const uint8_t *d = b + 4;
    assert_int_equal(d[0], 0x58);
    assert_int_equal(d[1], 0x58);
    assert_int_equal(d[2], 0xa1); /* WRTOK DEFLT DLV */
    assert_int_equal(vscsi_get_be16(d + 3), 49);
    assert_int_equal(vscsi_get_be16(d + 8), 127);
    assert_int_equal(vscsi_get_be32(d + 12), 3000); /* MB of 10^6 bytes */
    assert_memory_equal(d + 16, "LTO-CVE ", 8);
    assert_memory_equal(d + 24, "U-518   ", 8);
    d += 52;
    assert_int_equal(d[0], 0x5a);
    assert_int_equal(d[2], 0x81); /* not the default */
    /* MEDIA: the mounted medium's density only */
    r = RUN_IN(t, b, sizeof(b), 0x44, 0x01, 0, 0, 0, 0, 0, 0x01, 0x00, 0);
    assert_good(r);
    assert_int_equal(vscsi_get_be16(b), 2 + 52);
    assert_int_equal(b[4], 0x58);
    /* MEDIUM TYPE */
    r = RUN_IN(t, b, sizeof(b), 0x44, 0x02, 0, 0, 0, 0, 0, 0x01, 0x00, 0);
    assert_good(r);
    assert_int_equal(vscsi_get_be16(b), 2 + 56);
    assert_int_equal(vscsi_get_be16(b + 6), 52);
    assert_int_equal(b[8], 2);
    assert_int_equal(b[9], 0x58);
    assert_int_equal(b[10], 0x5a);
    /* a short allocation length truncates, reserved bits are refused */
    r = RUN_IN(t, b, sizeof(b), 0x44, 0, 0, 0, 0, 0, 0, 0, 10, 0);
    assert_good(r);
    assert_int_equal(r.residual, sizeof(b) - 10);
    r = RUN_IN(t, b, sizeof(b), 0x44, 0x04, 0, 0, 0, 0, 0, 0x01, 0x00, 0);
    assert_bad_cdb(r, 1, 2);
    /* MEDIA without a cartridge: not ready; the drive's list needs none */
    assert_good(RUN_NONE(t, 0x1b, 0, 0, 0, 0, 0));
    struct vscsi_tgt_lun *e = vscsi_tgt_tape_new(NULL);
    r = RUN_IN(e, b, sizeof(b), 0x44, 0x01, 0, 0, 0, 0, 0, 0x01, 0x00, 0);
    assert_sense(r, VSCSI_SK_NOT_READY, 0x3a, 0x00);
    assert_good(RUN_IN(e, b, sizeof(b), 0x44, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0));
    vscsi_tgt_free(e);
    vscsi_tgt_free(t);
}

/* A drive that just powered on says so once; INQUIRY does not take it. */
static void test_power_on_ua(void **state)
{
    (void)state;
    struct vscsi_tgt_tape_opts o = {.loaded = 1, .power_on_ua = 1, .serial = "DRV0001"};
    struct vscsi_tgt_lun *t = vscsi_tgt_tape_new(&o);
    uint8_t b[96];
    struct vscsi_tgt_result r;

    assert_non_null(t);
    assert_good(RUN_IN(t, b, 96, 0x12, 0, 0, 0, 96, 0));
    assert_good(RUN_IN(t, b, 96, 0x12, 1, 0x80, 0, 96, 0));
    assert_memory_equal(b + 4, "DRV0001", 7);
    r = RUN_NONE(t, 0x00, 0, 0, 0, 0, 0);
    assert_sense(r, VSCSI_SK_UNIT_ATTENTION, 0x29, 0x00);
    assert_good(RUN_NONE(t, 0x00, 0, 0, 0, 0, 0));
    /* after a reset, once more; REQUEST SENSE hands it over too */
    vscsi_tgt_reset(t);
    assert_reported(t, VSCSI_SK_UNIT_ATTENTION, 0x29);
    assert_good(RUN_NONE(t, 0x00, 0, 0, 0, 0, 0));
    vscsi_tgt_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_position_forms), cmocka_unit_test(test_locate16_space16),
        cmocka_unit_test(test_erase_forms),         cmocka_unit_test(test_mode_page0),
        cmocka_unit_test(test_report_density),      cmocka_unit_test(test_power_on_ua),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
