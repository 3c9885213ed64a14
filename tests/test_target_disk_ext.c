/* SPDX-License-Identifier: MIT */
/* SBC extras of the fake disk: COMPARE AND WRITE, PRE-FETCH, thin provisioning
 * (UNMAP, WRITE SAME with UNMAP, GET LBA STATUS), LOG SENSE, transport limits. */
#include "test_target_util.h"

#define BS 512

static struct vscsi_tgt_lun *mkdisk(uint64_t blocks, int thin)
{
    struct vscsi_tgt_disk_opts o = {.blocks = blocks, .block_size = BS, .thin = thin};
    struct vscsi_tgt_lun *lun = vscsi_tgt_disk_new(&o);

    assert_non_null(lun);
    return lun;
}

static void wr(struct vscsi_tgt_lun *lun, uint32_t lba, unsigned n, uint8_t v)
{
    static uint8_t b[64 * BS];

    memset(b, v, (size_t)n * BS);
    assert_good(RUN_OUT(lun, b, (size_t)n * BS, 0x2a, 0, (uint8_t)(lba >> 24), (uint8_t)(lba >> 16),
                        (uint8_t)(lba >> 8), (uint8_t)lba, 0, 0, (uint8_t)n, 0));
}

/* True when every byte of [lba, lba+n) is v. */
static bool all(struct vscsi_tgt_lun *lun, uint32_t lba, unsigned n, uint8_t v)
{
    static uint8_t b[64 * BS];

    assert_good(RUN_IN(lun, b, (size_t)n * BS, 0x28, 0, (uint8_t)(lba >> 24), (uint8_t)(lba >> 16),
                       (uint8_t)(lba >> 8), (uint8_t)lba, 0, 0, (uint8_t)n, 0));
    for (size_t i = 0; i < (size_t)n * BS; i++)
        if (b[i] != v)
            return false;
    return true;
}

#define CAW(lba, n) 0x89, 0, 0, 0, 0, 0, 0, 0, 0, (lba), 0, 0, 0, (n), 0, 0

static void test_compare_and_write(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = mkdisk(64, 0);
    uint8_t b[4 * BS];
    struct vscsi_tgt_result r;

    wr(lun, 10, 2, 0x11);
    /* match: the write half lands */
    memset(b, 0x11, 2 * BS);
    memset(b + 2 * BS, 0x22, 2 * BS);
    assert_good(RUN_OUT(lun, b, 4 * BS, CAW(10, 2)));
    assert_true(all(lun, 10, 2, 0x22));
    /* miscompare at byte 700 of the verify data: MISCOMPARE, offset in INFORMATION, nothing written
     */
    memset(b, 0x22, 2 * BS);
    b[700] = 0x23;
    memset(b + 2 * BS, 0x33, 2 * BS);
    r = RUN_OUT(lun, b, 4 * BS, CAW(10, 2));
    assert_sense(r, VSCSI_SK_MISCOMPARE, 0x1d, 0x00);
    assert_int_equal(sense_info(&r), 700);
    assert_true(all(lun, 10, 2, 0x22));
    /* data-out holding only the verify half: refused whole, nothing written */
    b[700] = 0x22;
    r = RUN_OUT(lun, b, 3 * BS, CAW(10, 2));
    assert_sense(r, VSCSI_SK_ABORTED_COMMAND, 0x4b, 0x00);
    assert_true(all(lun, 10, 2, 0x22));
    /* past the end of the medium */
    r = RUN_OUT(lun, b, 4 * BS, CAW(63, 2));
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
    /* more blocks than Block Limits allows (16) */
    static uint8_t big[34 * BS];
    memset(big + 17 * BS, 0x99, 17 * BS); /* verify half matches the zeros at 20-36 */
    r = RUN_OUT(lun, big, sizeof(big), CAW(20, 17));
    assert_bad_cdb(r, 13, -1);
    assert_true(all(lun, 20, 17, 0x00));
    /* reserved bits (byte 1 bit 0, byte 10) */
    r = RUN_OUT(lun, b, 4 * BS, 0x89, 0x01, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 2, 0, 0);
    assert_bad_cdb(r, 1, 0);
    r = RUN_OUT(lun, b, 4 * BS, 0x89, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0x01, 0, 0, 2, 0, 0);
    assert_bad_cdb(r, 10, 0);
    assert_true(all(lun, 10, 2, 0x22));
    /* zero blocks: nothing compared or written */
    assert_good(RUN_OUT(lun, NULL, 0, CAW(10, 0)));
    /* Block Limits: MAXIMUM COMPARE AND WRITE LENGTH, shrunk by a small transport */
    assert_good(RUN_IN(lun, b, 64, 0x12, 1, 0xb0, 0, 64, 0));
    assert_int_equal(b[5], 16);
    vscsi_tgt_set_xfer_max(lun, 4 * BS);
    assert_good(RUN_IN(lun, b, 64, 0x12, 1, 0xb0, 0, 64, 0));
    assert_int_equal(b[5], 2);
    memset(big, 0x22, 3 * BS);
    r = RUN_OUT(lun, big, 6 * BS, CAW(10, 3));
    assert_bad_cdb(r, 13, -1);
    vscsi_tgt_free(lun);
}

static void test_prefetch(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = mkdisk(64, 0);
    struct vscsi_tgt_result r;
    struct vscsi_tgt_fault f = {.kind = VSCSI_FAULT_MEDIUM, .lba = 40};

    r = RUN_NONE(lun, 0x34, 0, 0, 0, 0, 8, 0, 0, 8, 0);
    assert_int_equal(r.status, VSCSI_SAM_CONDITION_MET);
    assert_int_equal(r.sense_len, 0);
    r = RUN_NONE(lun, 0x34, 0x02, 0, 0, 0, 8, 0, 0, 8, 0); /* IMMED */
    assert_int_equal(r.status, VSCSI_SAM_CONDITION_MET);
    r = RUN_NONE(lun, 0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0); /* 0 = to the end */
    assert_int_equal(r.status, VSCSI_SAM_CONDITION_MET);
    r = RUN_NONE(lun, 0x34, 0, 0, 0, 0, 60, 0, 0, 8, 0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
    r = RUN_NONE(lun, 0x90, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0, 0, 1, 0, 0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
    r = RUN_NONE(lun, 0x34, 0x01, 0, 0, 0, 8, 0, 0, 8, 0);
    assert_bad_cdb(r, 1, 0);
    assert_int_equal(vscsi_tgt_inject(lun, &f), 0);
    r = RUN_NONE(lun, 0x34, 0, 0, 0, 0, 32, 0, 0, 16, 0);
    assert_sense(r, VSCSI_SK_MEDIUM_ERROR, 0x11, 0x00);
    assert_int_equal(sense_info(&r), 40);
    /* CONDITION MET is no error in the counters */
    struct vscsi_tgt_stats st;
    vscsi_tgt_stats(lun, &st);
    assert_int_equal(st.errors, 4);
    vscsi_tgt_free(lun);
}

/* GET LBA STATUS from lba: number of descriptors, and each (lba, count, status). */
static unsigned lba_status(struct vscsi_tgt_lun *lun, uint8_t lba, uint64_t *out)
{
    uint8_t b[8 + 16 * 8];

    memset(b, 0xee, sizeof(b));
    assert_good(
        RUN_IN(lun, b, sizeof(b), 0x9e, 0x12, 0, 0, 0, 0, 0, 0, 0, lba, 0, 0, 0, sizeof(b), 0, 0));
    unsigned n = (vscsi_get_be32(b) - 4) / 16;
    assert_true(n >= 1 && n <= 8);
    for (unsigned i = 0; i < n; i++) {
        out[3 * i] = vscsi_get_be64(b + 8 + 16 * i);
        out[3 * i + 1] = vscsi_get_be32(b + 16 + 16 * i);
        out[3 * i + 2] = b[20 + 16 * i] & 0x0f;
    }
    return n;
}

static void test_thin(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = mkdisk(128, 1), *thick = mkdisk(128, 0);
    uint64_t s[24];
    uint8_t b[BS * 2], p[8 + 16 * 2];
    struct vscsi_tgt_result r;

    /* fresh: one deallocated run */
    assert_int_equal(lba_status(lun, 0, s), 1);
    assert_true(s[0] == 0 && s[1] == 128 && s[2] == 1);
    wr(lun, 8, 8, 0x55);
    assert_int_equal(lba_status(lun, 0, s), 3);
    assert_true(s[0] == 0 && s[1] == 8 && s[2] == 1);
    assert_true(s[3] == 8 && s[4] == 8 && s[5] == 0);
    assert_true(s[6] == 16 && s[7] == 112 && s[8] == 1);
    assert_int_equal(lba_status(lun, 12, s), 2); /* from the middle of a run */
    assert_true(s[0] == 12 && s[1] == 4 && s[2] == 0);

    /* UNMAP 10-11: deallocated and reading zeros */
    memset(p, 0, sizeof(p));
    p[1] = 22;
    p[3] = 16;
    p[8 + 7] = 10;
    p[8 + 11] = 2;
    assert_good(RUN_OUT(lun, p, 24, 0x42, 0, 0, 0, 0, 0, 0, 0, 24, 0));
    assert_true(all(lun, 10, 2, 0x00) && all(lun, 8, 2, 0x55) && all(lun, 12, 4, 0x55));
    assert_int_equal(lba_status(lun, 8, s), 4);
    assert_true(s[0] == 8 && s[1] == 2 && s[2] == 0 && s[3] == 10 && s[4] == 2 && s[5] == 1);

    /* a refused UNMAP (second descriptor past the end) unmaps nothing */
    memset(p, 0, sizeof(p));
    p[1] = 38;
    p[3] = 32;
    p[8 + 7] = 12;
    p[8 + 11] = 2;
    p[24 + 7] = 127;
    p[24 + 11] = 2;
    r = RUN_OUT(lun, p, 40, 0x42, 0, 0, 0, 0, 0, 0, 0, 40, 0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
    assert_true(all(lun, 12, 4, 0x55));
    assert_int_equal(lba_status(lun, 12, s), 2);
    assert_true(s[0] == 12 && s[1] == 4 && s[2] == 0);

    /* WRITE SAME(16) UNMAP of zeros deallocates 8-9; of other data maps and writes */
    memset(b, 0, BS);
    assert_good(RUN_OUT(lun, b, BS, 0x93, 0x08, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 2, 0, 0));
    assert_true(all(lun, 8, 2, 0x00));
    assert_int_equal(lba_status(lun, 8, s), 3);
    assert_true(s[0] == 8 && s[1] == 4 && s[2] == 1);
    memset(b, 0x66, BS);
    assert_good(RUN_OUT(lun, b, BS, 0x41, 0x08, 0, 0, 0, 40, 0, 0, 4, 0));
    assert_true(all(lun, 40, 4, 0x66));
    assert_int_equal(lba_status(lun, 40, s), 2);
    assert_true(s[0] == 40 && s[1] == 4 && s[2] == 0);
    /* a refused WRITE SAME (too many blocks) writes and maps nothing */
    r = RUN_OUT(lun, b, BS, 0x93, 0x08, 0, 0, 0, 0, 0, 0, 0, 50, 0, 0x01, 0, 1, 0, 0);
    assert_bad_cdb(r, 10, -1);
    r = RUN_OUT(lun, b, BS, 0x93, 0, 0, 0, 0, 0, 0, 0, 0, 120, 0, 0, 0, 9, 0, 0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
    assert_true(all(lun, 120, 8, 0x00));
    assert_int_equal(lba_status(lun, 100, s), 1);

    /* GET LBA STATUS: past the end, short allocation, thick disk */
    r = RUN_IN(lun, p, sizeof(p), 0x9e, 0x12, 0, 0, 0, 0, 0, 0, 0, 128, 0, 0, 0, 32, 0, 0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
    r = RUN_IN(lun, p, sizeof(p), 0x9e, 0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0);
    assert_good(r);
    assert_int_equal(r.residual, sizeof(p) - 4);
    r = RUN_IN(lun, p, sizeof(p), 0x9e, 0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0x01, 0);
    assert_bad_cdb(r, 14, 0);
    r = RUN_IN(thick, p, sizeof(p), 0x9e, 0x12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0);
    assert_bad_cdb(r, 1, 4);
    /* thick disk: WRITE SAME UNMAP refused and writes nothing */
    r = RUN_OUT(thick, b, BS, 0x41, 0x08, 0, 0, 0, 40, 0, 0, 4, 0);
    assert_bad_cdb(r, 1, 3);
    assert_true(all(thick, 40, 4, 0x00));
    /* READ CAPACITY(16): LBPME and LBPRZ only when thin */
    assert_good(RUN_IN(lun, p, 32, 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0));
    assert_int_equal(p[14] & 0xc0, 0xc0);
    assert_good(RUN_IN(thick, p, 32, 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0));
    assert_int_equal(p[14] & 0xc0, 0);
    vscsi_tgt_free(lun);
    vscsi_tgt_free(thick);
}

static void test_log_sense(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = mkdisk(128, 1), *thick = mkdisk(128, 0);
    uint8_t b[128];
    struct vscsi_tgt_result r;

    assert_good(RUN_IN(lun, b, sizeof(b), 0x4d, 0, 0x40, 0, 0, 0, 0, 0, 128, 0));
    assert_int_equal(b[0], 0x00);
    assert_int_equal(vscsi_get_be16(b + 2), 3);
    assert_memory_equal(b + 4, ((uint8_t[]){0x00, 0x0c, 0x0d}), 3);
    assert_good(RUN_IN(thick, b, sizeof(b), 0x4d, 0, 0x40, 0, 0, 0, 0, 0, 128, 0));
    assert_int_equal(vscsi_get_be16(b + 2), 2);
    assert_memory_equal(b + 4, ((uint8_t[]){0x00, 0x0d}), 2);
    /* supported pages and subpages */
    assert_good(RUN_IN(thick, b, sizeof(b), 0x4d, 0, 0x40, 0xff, 0, 0, 0, 0, 128, 0));
    assert_int_equal(b[0], 0x40); /* SPF */
    assert_int_equal(b[1], 0xff);
    assert_int_equal(vscsi_get_be16(b + 2), 6);
    /* thin: used/available mapping resources follow writes */
    wr(lun, 0, 5, 1);
    assert_good(RUN_IN(lun, b, sizeof(b), 0x4d, 0, 0x4c, 0, 0, 0, 0, 0, 128, 0));
    assert_int_equal(b[0], 0x0c);
    assert_int_equal(vscsi_get_be16(b + 2), 24);
    assert_int_equal(vscsi_get_be16(b + 4), 1);
    assert_int_equal(vscsi_get_be32(b + 8), 123);
    assert_int_equal(vscsi_get_be16(b + 16), 2);
    assert_int_equal(vscsi_get_be32(b + 20), 5);
    r = RUN_IN(thick, b, sizeof(b), 0x4d, 0, 0x4c, 0, 0, 0, 0, 0, 128, 0);
    assert_bad_cdb(r, 2, 5);
    /* parameter pointer 1 of the temperature page: the reference temperature only */
    assert_good(RUN_IN(lun, b, sizeof(b), 0x4d, 0, 0x4d, 0, 0, 0, 1, 0, 128, 0));
    assert_int_equal(vscsi_get_be16(b + 2), 6);
    assert_int_equal(vscsi_get_be16(b + 4), 1);
    assert_int_equal(b[9], 60);
    r = RUN_IN(lun, b, sizeof(b), 0x4d, 0, 0x4d, 0, 0, 0, 2, 0, 128, 0);
    assert_bad_cdb(r, 5, -1);
    r = RUN_IN(lun, b, sizeof(b), 0x4d, 0, 0x40, 0, 0, 0, 1, 0, 128, 0);
    assert_bad_cdb(r, 5, -1);
    /* unknown page, subpage, SP bit */
    r = RUN_IN(lun, b, sizeof(b), 0x4d, 0, 0x70, 0, 0, 0, 0, 0, 128, 0);
    assert_bad_cdb(r, 2, 5);
    r = RUN_IN(lun, b, sizeof(b), 0x4d, 0, 0x4d, 0x01, 0, 0, 0, 0, 128, 0);
    assert_bad_cdb(r, 3, -1);
    r = RUN_IN(lun, b, sizeof(b), 0x4d, 0x01, 0x4d, 0, 0, 0, 0, 0, 128, 0);
    assert_bad_cdb(r, 1, 0);
    /* allocation length cuts the answer */
    r = RUN_IN(lun, b, sizeof(b), 0x4d, 0, 0x4d, 0, 0, 0, 0, 0, 4, 0);
    assert_good(r);
    assert_int_equal(r.residual, sizeof(b) - 4);
    vscsi_tgt_free(lun);
    vscsi_tgt_free(thick);
}

static void test_transport_limit(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = mkdisk(1024, 0);
    static uint8_t b[300 * BS];
    uint8_t v[64];
    struct vscsi_tgt_result r;
    void *base;

    assert_int_equal(vscsi_tgt_xfer_max_segs(0), 26 * 4096);
    assert_int_equal(vscsi_tgt_xfer_max_segs(128), 128 * 4096);
    vscsi_tgt_set_xfer_max(lun, vscsi_tgt_xfer_max_segs(0)); /* 104 KiB: 208 blocks */
    assert_good(RUN_IN(lun, v, 64, 0x12, 1, 0xb0, 0, 64, 0));
    assert_int_equal(vscsi_get_be32(v + 8), 208);
    assert_good(RUN_IN(lun, b, 208 * BS, 0x28, 0, 0, 0, 0, 0, 0, 0, 208, 0));
    /* one block more: refused, not cut to what fits */
    memset(b, 0xee, sizeof(b));
    r = RUN_IN(lun, b, 209 * BS, 0x28, 0, 0, 0, 0, 0, 0, 0, 209, 0);
    assert_bad_cdb(r, 7, -1);
    assert_int_equal(r.residual, 209 * BS);
    assert_int_equal(b[0], 0xee);
    r = RUN_OUT(lun, b, 209 * BS, 0x8a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 209, 0, 0);
    assert_bad_cdb(r, 10, -1);
    assert_true(all(lun, 0, 16, 0x00));
    /* and the direct path declines it too */
    struct vscsi_tgt_io io = {(const uint8_t[]){0x28, 0, 0, 0, 0, 0, 0, 0, 209, 0},
                              10,
                              VSCSI_DIR_FROM_DEVICE,
                              NULL,
                              0,
                              209 * BS};
    assert_int_equal(vscsi_tgt_direct(lun, &io, &base), 0);
    /* 0 lifts the limit; 4 KiB blocks count in their own size */
    vscsi_tgt_set_xfer_max(lun, 0);
    assert_good(RUN_IN(lun, v, 64, 0x12, 1, 0xb0, 0, 64, 0));
    assert_int_equal(vscsi_get_be32(v + 8), 0xffff);
    assert_good(RUN_IN(lun, b, 209 * BS, 0x28, 0, 0, 0, 0, 0, 0, 0, 209, 0));
    struct vscsi_tgt_disk_opts o4 = {.blocks = 64, .block_size = 4096};
    struct vscsi_tgt_lun *big = vscsi_tgt_disk_new(&o4);
    assert_non_null(big);
    vscsi_tgt_set_xfer_max(big, vscsi_tgt_xfer_max_segs(128));
    assert_good(RUN_IN(big, v, 64, 0x12, 1, 0xb0, 0, 64, 0));
    assert_int_equal(vscsi_get_be32(v + 8), 128);
    vscsi_tgt_free(big);
    vscsi_tgt_free(lun);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compare_and_write),
        cmocka_unit_test(test_prefetch),
        cmocka_unit_test(test_thin),
        cmocka_unit_test(test_log_sense),
        cmocka_unit_test(test_transport_limit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
