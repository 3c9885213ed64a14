/* SPDX-License-Identifier: MIT */
/* SBC disk: every command of the disk's table, data round trips and error paths. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_target_util.h"

static struct vscsi_tgt_lun *mkdisk(uint64_t blocks, uint32_t bs, int thin)
{
    struct vscsi_tgt_disk_opts o = {.blocks = blocks, .block_size = bs, .thin = thin};
    struct vscsi_tgt_lun *lun = vscsi_tgt_disk_new(&o);

    assert_non_null(lun);
    return lun;
}

static void fill(uint8_t *b, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 9));
}

static void test_inquiry_standard(void **state)
{
    (void)state;
    struct vscsi_tgt_disk_opts o = {.product = "SIMDISK", .serial = "SN0042"};
    struct vscsi_tgt_lun *lun = vscsi_tgt_disk_new(&o);
    uint8_t b[255];
    struct vscsi_tgt_result r;

    memset(b, 0xee, sizeof(b));
    r = RUN_IN(lun, b, sizeof(b), 0x12, 0, 0, 0, 0xff, 0);
    assert_good(r);
    assert_int_equal(r.residual, sizeof(b) - 96);
    assert_int_equal(b[0], 0x00);
    assert_int_equal(b[1], 0x00); /* not removable */
    assert_int_equal(b[2], 0x06);
    assert_int_equal(b[3] & 0x0f, 2);
    assert_int_equal(b[4], 91);
    assert_memory_equal(b + 8, "VSCSIIF SIMDISK         0001", 28);
    assert_int_equal(vscsi_get_be16(b + 62), 0x04c0); /* SBC-3 */
    assert_int_equal(b[96], 0xee);                    /* nothing past the response */

    /* allocation length truncates, residual counts the rest of the buffer */
    memset(b, 0, sizeof(b));
    r = RUN_IN(lun, b, 100, 0x12, 0, 0, 0, 36, 0);
    assert_good(r);
    assert_int_equal(r.residual, 64);
    assert_int_equal(b[36], 0);
    /* buffer smaller than the response: copy what fits */
    r = RUN_IN(lun, b, 5, 0x12, 0, 0, 0, 0xff, 0);
    assert_good(r);
    assert_int_equal(r.residual, 0);
    assert_int_equal(b[4], 91);
    /* page code without EVPD */
    r = RUN_IN(lun, b, sizeof(b), 0x12, 0, 0x80, 0, 0xff, 0);
    assert_bad_cdb(r, 2, -1);
    vscsi_tgt_free(lun);
}

static void test_inquiry_vpd(void **state)
{
    (void)state;
    struct vscsi_tgt_disk_opts o = {.serial = "SER-77", .blocks = 4096};
    struct vscsi_tgt_lun *lun = vscsi_tgt_disk_new(&o), *thin = mkdisk(0, 512, 1);
    uint8_t b[255];
    struct vscsi_tgt_result r;

    r = RUN_IN(lun, b, sizeof(b), 0x12, 1, 0x00, 0, 0xff, 0);
    assert_good(r);
    assert_int_equal(b[1], 0x00);
    assert_int_equal(vscsi_get_be16(b + 2), 5);
    assert_memory_equal(b + 4, ((uint8_t[]){0x00, 0x80, 0x83, 0xb0, 0xb1}), 5);
    r = RUN_IN(thin, b, sizeof(b), 0x12, 1, 0x00, 0, 0xff, 0);
    assert_good(r);
    assert_int_equal(vscsi_get_be16(b + 2), 6);
    assert_int_equal(b[9], 0xb2);

    r = RUN_IN(lun, b, sizeof(b), 0x12, 1, 0x80, 0, 0xff, 0);
    assert_good(r);
    assert_int_equal(vscsi_get_be16(b + 2), 6);
    assert_memory_equal(b + 4, "SER-77", 6);

    r = RUN_IN(lun, b, sizeof(b), 0x12, 1, 0x83, 0, 0xff, 0);
    assert_good(r);
    assert_int_equal(b[4], 0x01); /* binary */
    assert_int_equal(b[5], 0x03); /* LU, NAA */
    assert_int_equal(b[7], 8);
    assert_int_equal(b[8] >> 4, 3); /* locally assigned */
    assert_int_equal(b[16], 0x02);  /* ASCII */
    assert_int_equal(b[17], 0x01);  /* T10 vendor ID */
    assert_memory_equal(b + 20, "VSCSIIF ", 8);
    assert_int_equal(vscsi_get_be16(b + 2), 12 + 4 + 24 + 6);

    r = RUN_IN(lun, b, sizeof(b), 0x12, 1, 0xb0, 0, 0xff, 0);
    assert_good(r);
    assert_int_equal(vscsi_get_be16(b + 2), 0x3c);
    assert_int_equal(b[4] & 1, 1);              /* WSNZ */
    assert_int_equal(vscsi_get_be16(b + 6), 8); /* 4 KiB granularity in 512-byte blocks */
    assert_int_equal(vscsi_get_be32(b + 8), 0xffff);
    assert_int_equal(vscsi_get_be32(b + 20), 0); /* no UNMAP on a thick disk */
    assert_int_equal(vscsi_get_be64(b + 36), 0x10000);
    r = RUN_IN(thin, b, sizeof(b), 0x12, 1, 0xb0, 0, 0xff, 0);
    assert_good(r);
    assert_true(vscsi_get_be32(b + 20) > 0);
    assert_true(vscsi_get_be32(b + 24) > 0);

    r = RUN_IN(lun, b, sizeof(b), 0x12, 1, 0xb1, 0, 0xff, 0);
    assert_good(r);
    assert_int_equal(vscsi_get_be16(b + 4), 1); /* non-rotating */

    r = RUN_IN(lun, b, sizeof(b), 0x12, 1, 0xb2, 0, 0xff, 0);
    assert_bad_cdb(r, 2, -1);
    r = RUN_IN(thin, b, sizeof(b), 0x12, 1, 0xb2, 0, 0xff, 0);
    assert_good(r);
    assert_int_equal(b[5] & 0xe0, 0xe0); /* LBPU LBPWS LBPWS10 */
    assert_int_equal(b[6] & 7, 2);       /* thin */

    r = RUN_IN(lun, b, sizeof(b), 0x12, 1, 0x86, 0, 0xff, 0);
    assert_bad_cdb(r, 2, -1);

    /* the serial-derived NAA differs between LUNs */
    uint8_t n1[8], n2[8];
    RUN_IN(lun, b, sizeof(b), 0x12, 1, 0x83, 0, 0xff, 0);
    memcpy(n1, b + 8, 8);
    RUN_IN(thin, b, sizeof(b), 0x12, 1, 0x83, 0, 0xff, 0);
    memcpy(n2, b + 8, 8);
    assert_memory_not_equal(n1, n2, 8);
    vscsi_tgt_free(lun);
    vscsi_tgt_free(thin);
}

static void test_read_capacity(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = mkdisk(1000, 4096, 0), *thin = mkdisk(2048, 512, 1);
    uint8_t b[32];
    struct vscsi_tgt_result r;

    r = RUN_IN(lun, b, 8, 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    assert_good(r);
    assert_int_equal(vscsi_get_be32(b), 999);
    assert_int_equal(vscsi_get_be32(b + 4), 4096);

    memset(b, 0xff, sizeof(b));
    r = RUN_IN(lun, b, 32, 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0);
    assert_good(r);
    assert_int_equal(vscsi_get_be64(b), 999);
    assert_int_equal(vscsi_get_be32(b + 8), 4096);
    assert_int_equal(b[14], 0);
    r = RUN_IN(thin, b, 32, 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0);
    assert_good(r);
    assert_int_equal(b[14] & 0xc0, 0xc0); /* LBPME LBPRZ */
    /* allocation length 12 */
    r = RUN_IN(thin, b, 32, 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 12, 0, 0);
    assert_good(r);
    assert_int_equal(r.residual, 20);
    /* unknown SERVICE ACTION IN service action */
    r = RUN_IN(thin, b, 32, 0x9e, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0);
    assert_bad_cdb(r, 1, 4);
    vscsi_tgt_free(lun);
    vscsi_tgt_free(thin);
}

/* Writes with one CDB size, reads back with every size. */
static void test_read_write_all_sizes(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = mkdisk(2048, 512, 0);
    uint8_t w[4 * 512], rd[4 * 512];
    struct vscsi_tgt_result r;

    fill(w, sizeof(w), 1);
    r = RUN_OUT(lun, w, 2 * 512, 0x0a, 0, 0, 10, 2, 0); /* WRITE(6) lba 10 */
    assert_good(r);
    fill(w + 1024, 1024, 2);
    r = RUN_OUT(lun, w + 1024, 1024, 0x2a, 0, 0, 0, 0, 12, 0, 0, 2, 0); /* WRITE(10) lba 12 */
    assert_good(r);
    assert_int_equal(r.residual, 0);

    memset(rd, 0, sizeof(rd));
    r = RUN_IN(lun, rd, sizeof(rd), 0x08, 0, 0, 10, 4, 0);
    assert_good(r);
    assert_memory_equal(rd, w, sizeof(w));
    memset(rd, 0, sizeof(rd));
    r = RUN_IN(lun, rd, sizeof(rd), 0x28, 0, 0, 0, 0, 10, 0, 0, 4, 0);
    assert_good(r);
    assert_memory_equal(rd, w, sizeof(w));
    memset(rd, 0, sizeof(rd));
    r = RUN_IN(lun, rd, sizeof(rd), 0xa8, 0, 0, 0, 0, 10, 0, 0, 0, 4, 0, 0);
    assert_good(r);
    assert_memory_equal(rd, w, sizeof(w));
    memset(rd, 0, sizeof(rd));
    r = RUN_IN(lun, rd, sizeof(rd), 0x88, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 0, 4, 0, 0);
    assert_good(r);
    assert_memory_equal(rd, w, sizeof(w));

    /* WRITE(12) and WRITE(16) at the last blocks */
    uint8_t orig[sizeof(w)];
    memcpy(orig, w, sizeof(w));
    fill(w, sizeof(w), 3);
    r = RUN_OUT(lun, w, 1024, 0xaa, 0, 0, 0, 0x07, 0xfc, 0, 0, 0, 2, 0, 0);
    assert_good(r);
    r = RUN_OUT(lun, w + 1024, 1024, 0x8a, 0x08, 0, 0, 0, 0, 0, 0, 0x07, 0xfe, 0, 0, 0, 2, 0, 0);
    assert_good(r);
    r = RUN_IN(lun, rd, sizeof(rd), 0x28, 0x08, 0, 0, 0x07, 0xfc, 0, 0, 4, 0);
    assert_good(r);
    assert_memory_equal(rd, w, sizeof(w));

    /* READ(6) with length 0 means 256 blocks */
    static uint8_t big[256 * 512];
    r = RUN_IN(lun, big, sizeof(big), 0x08, 0, 0, 0, 0, 0);
    assert_good(r);
    assert_int_equal(r.residual, 0);
    assert_memory_equal(big + 10 * 512, orig, sizeof(orig));
    /* READ(10) with length 0 moves nothing */
    r = RUN_IN(lun, rd, sizeof(rd), 0x28, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    assert_good(r);
    assert_int_equal(r.residual, sizeof(rd));
    vscsi_tgt_free(lun);
}

static void test_scatter_and_short_buffers(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = mkdisk(64, 512, 0);
    uint8_t w[1536], a[100], b2[700], c[736];
    struct vscsi_tgt_iov iov[3] = {{a, sizeof(a)}, {b2, sizeof(b2)}, {c, sizeof(c)}};
    struct vscsi_tgt_result r;

    fill(w, sizeof(w), 9);
    /* scattered data-out */
    memcpy(a, w, 100);
    memcpy(b2, w + 100, 700);
    memcpy(c, w + 800, 736);
    const uint8_t wcdb[] = {0x2a, 0, 0, 0, 0, 5, 0, 0, 3, 0};
    struct vscsi_tgt_io io = {wcdb, 10, VSCSI_DIR_TO_DEVICE, iov, 3, sizeof(w)};
    vscsi_tgt_exec(lun, &io, &r);
    assert_good(r);
    /* scattered data-in */
    memset(a, 0, sizeof(a));
    memset(b2, 0, sizeof(b2));
    memset(c, 0, sizeof(c));
    const uint8_t rcdb[] = {0x28, 0, 0, 0, 0, 5, 0, 0, 3, 0};
    struct vscsi_tgt_io io2 = {rcdb, 10, VSCSI_DIR_FROM_DEVICE, iov, 3, sizeof(w)};
    vscsi_tgt_exec(lun, &io2, &r);
    assert_good(r);
    assert_memory_equal(a, w, 100);
    assert_memory_equal(b2, w + 100, 700);
    assert_memory_equal(c, w + 800, 736);

    /* data-in buffer smaller than the transfer: copy what fits, residual 0 */
    uint8_t small[700];
    r = RUN_IN(lun, small, sizeof(small), 0x28, 0, 0, 0, 0, 5, 0, 0, 3, 0);
    assert_good(r);
    assert_int_equal(r.residual, 0);
    assert_memory_equal(small, w, sizeof(small));
    /* buffer larger than the transfer: residual is the excess */
    uint8_t large[2048];
    r = RUN_IN(lun, large, sizeof(large), 0x28, 0, 0, 0, 0, 5, 0, 0, 1, 0);
    assert_good(r);
    assert_int_equal(r.residual, 2048 - 512);

    /* data-out shorter than the CDB asks for: error, nothing written */
    uint8_t junk[1024];
    memset(junk, 0x5a, sizeof(junk));
    r = RUN_OUT(lun, junk, 1000, 0x2a, 0, 0, 0, 0, 5, 0, 0, 2, 0);
    assert_sense(r, VSCSI_SK_ABORTED_COMMAND, 0x4b, 0x00);
    assert_int_equal(r.residual, 1000);
    r = RUN_IN(lun, small, 512, 0x28, 0, 0, 0, 0, 5, 0, 0, 1, 0);
    assert_memory_equal(small, w, 512);
    /* a write sent with no data-out direction is short too */
    r = RUN_IN(lun, junk, 512, 0x2a, 0, 0, 0, 0, 5, 0, 0, 1, 0);
    assert_sense(r, VSCSI_SK_ABORTED_COMMAND, 0x4b, 0x00);
    vscsi_tgt_free(lun);
}

static void test_lba_out_of_range(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = mkdisk(100, 512, 0);
    uint8_t b[1024];
    struct vscsi_tgt_result r;

    r = RUN_IN(lun, b, 512, 0x28, 0, 0, 0, 0, 100, 0, 0, 1, 0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
    assert_int_equal(r.residual, 512);
    r = RUN_IN(lun, b, 1024, 0x28, 0, 0, 0, 0, 99, 0, 0, 2, 0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
    r = RUN_OUT(lun, b, 512, 0x0a, 0, 0, 100, 1, 0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
    /* 64-bit wrap must not pass the check */
    r = RUN_IN(lun, b, 512, 0x88, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 2, 0,
               0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
    r = RUN_IN(lun, b, 512, 0x28, 0, 0, 0, 0, 99, 0, 0, 1, 0);
    assert_good(r);
    /* transfer length above the Block Limits maximum */
    r = RUN_IN(lun, b, 512, 0xa8, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0);
    assert_bad_cdb(r, 6, -1);
    vscsi_tgt_free(lun);
}

static void test_verify(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = mkdisk(64, 512, 0);
    uint8_t w[1024], v[1024];
    struct vscsi_tgt_result r;

    fill(w, sizeof(w), 4);
    assert_good(RUN_OUT(lun, w, sizeof(w), 0x2a, 0, 0, 0, 0, 8, 0, 0, 2, 0));
    /* BYTCHK 0: medium check only */
    r = RUN_NONE(lun, 0x2f, 0, 0, 0, 0, 8, 0, 0, 2, 0);
    assert_good(r);
    r = RUN_NONE(lun, 0x2f, 0, 0, 0, 0, 63, 0, 0, 2, 0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
    /* BYTCHK 1: compare, equal */
    memcpy(v, w, sizeof(v));
    r = RUN_OUT(lun, v, sizeof(v), 0x2f, 0x02, 0, 0, 0, 8, 0, 0, 2, 0);
    assert_good(r);
    assert_int_equal(r.residual, 0);
    /* BYTCHK 1 with VERIFY(16): a difference at byte 700 */
    v[700] ^= 1;
    r = RUN_OUT(lun, v, sizeof(v), 0x8f, 0x02, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 2, 0, 0);
    assert_sense(r, VSCSI_SK_MISCOMPARE, 0x1d, 0x00);
    assert_int_equal(sense_info(&r), 700);
    /* BYTCHK 3: one block against each block */
    uint8_t same[512];
    memset(same, 0x77, sizeof(same));
    assert_good(RUN_OUT(lun, same, 512, 0x2a, 0, 0, 0, 0, 20, 0, 0, 1, 0));
    assert_good(RUN_OUT(lun, same, 512, 0x2a, 0, 0, 0, 0, 21, 0, 0, 1, 0));
    r = RUN_OUT(lun, same, 512, 0x2f, 0x06, 0, 0, 0, 20, 0, 0, 2, 0);
    assert_good(r);
    r = RUN_OUT(lun, same, 512, 0x2f, 0x06, 0, 0, 0, 20, 0, 0, 3, 0);
    assert_sense(r, VSCSI_SK_MISCOMPARE, 0x1d, 0x00);
    assert_int_equal(sense_info(&r), 1024);
    /* BYTCHK 2 is reserved */
    r = RUN_OUT(lun, same, 512, 0x2f, 0x04, 0, 0, 0, 20, 0, 0, 1, 0);
    assert_bad_cdb(r, 1, 2);
    /* short data-out */
    r = RUN_OUT(lun, v, 100, 0x2f, 0x02, 0, 0, 0, 8, 0, 0, 2, 0);
    assert_sense(r, VSCSI_SK_ABORTED_COMMAND, 0x4b, 0x00);
    vscsi_tgt_free(lun);
}

static void test_sync_cache(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = mkdisk(64, 512, 0);

    assert_good(RUN_NONE(lun, 0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    assert_good(RUN_NONE(lun, 0x35, 0x02, 0, 0, 0, 10, 0, 0, 54, 0));
    assert_good(RUN_NONE(lun, 0x91, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    struct vscsi_tgt_result r = RUN_NONE(lun, 0x35, 0, 0, 0, 0, 10, 0, 0, 55, 0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
    r = RUN_NONE(lun, 0x91, 0, 0, 0, 0, 0, 0, 0, 0, 65, 0, 0, 0, 0, 0, 0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
    vscsi_tgt_free(lun);
}

static void test_write_same(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = mkdisk(64, 512, 0), *thin = mkdisk(64, 512, 1);
    uint8_t blk[512], rd[512 * 4];
    struct vscsi_tgt_result r;

    memset(blk, 0x3c, sizeof(blk));
    r = RUN_OUT(lun, blk, 512, 0x41, 0, 0, 0, 0, 4, 0, 0, 4, 0);
    assert_good(r);
    r = RUN_IN(lun, rd, sizeof(rd), 0x28, 0, 0, 0, 0, 3, 0, 0, 4, 0);
    assert_good(r);
    for (int i = 0; i < 512; i++)
        assert_int_equal(rd[i], 0);
    for (int i = 512; i < 2048; i++)
        assert_int_equal(rd[i], 0x3c);
    assert_int_equal(RUN_IN(lun, rd, 512, 0x28, 0, 0, 0, 0, 8, 0, 0, 1, 0).status, 0);
    assert_int_equal(rd[0], 0);

    /* WRITE SAME(16) */
    memset(blk, 0x11, sizeof(blk));
    r = RUN_OUT(lun, blk, 512, 0x93, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0, 2, 0, 0);
    assert_good(r);
    r = RUN_IN(lun, rd, 1024, 0x28, 0, 0, 0, 0, 20, 0, 0, 2, 0);
    assert_int_equal(rd[0], 0x11);
    assert_int_equal(rd[1023], 0x11);

    /* UNMAP bit needs a thin disk */
    r = RUN_OUT(lun, blk, 512, 0x41, 0x08, 0, 0, 0, 4, 0, 0, 4, 0);
    assert_bad_cdb(r, 1, 3);
    /* zero blocks: WSNZ */
    r = RUN_OUT(lun, blk, 512, 0x41, 0, 0, 0, 0, 4, 0, 0, 0, 0);
    assert_bad_cdb(r, 7, -1);
    r = RUN_OUT(lun, blk, 512, 0x41, 0, 0, 0, 0, 62, 0, 0, 4, 0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
    r = RUN_OUT(lun, blk, 100, 0x41, 0, 0, 0, 0, 4, 0, 0, 4, 0);
    assert_sense(r, VSCSI_SK_ABORTED_COMMAND, 0x4b, 0x00);

    /* thin: WRITE SAME with UNMAP deallocates (reads back zero) */
    memset(blk, 0xaa, sizeof(blk));
    assert_good(RUN_OUT(thin, blk, 512, 0x41, 0, 0, 0, 0, 0, 0, 0, 8, 0));
    memset(blk, 0, sizeof(blk));
    r = RUN_OUT(thin, blk, 512, 0x41, 0x08, 0, 0, 0, 2, 0, 0, 2, 0);
    assert_good(r);
    r = RUN_IN(thin, rd, sizeof(rd), 0x28, 0, 0, 0, 0, 1, 0, 0, 4, 0);
    assert_int_equal(rd[0], 0xaa);
    assert_int_equal(rd[512], 0);
    assert_int_equal(rd[1535], 0);
    assert_int_equal(rd[1536], 0xaa);
    /* NDOB: no data-out at all */
    r = RUN_NONE(thin, 0x93, 0x09, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 2, 0, 0);
    assert_good(r);
    r = RUN_IN(thin, rd, 1024, 0x28, 0, 0, 0, 0, 4, 0, 0, 2, 0);
    assert_int_equal(rd[0], 0);
    assert_int_equal(rd[1023], 0);
    vscsi_tgt_free(lun);
    vscsi_tgt_free(thin);
}

static void test_unmap(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = mkdisk(64, 512, 0), *thin = mkdisk(64, 512, 1);
    uint8_t blk[512], rd[512 * 8];
    uint8_t pl[8 + 32] = {0, 38, 0, 32};
    struct vscsi_tgt_result r;

    memset(blk, 0x99, sizeof(blk));
    assert_good(RUN_OUT(thin, blk, 512, 0x41, 0, 0, 0, 0, 0, 0, 0, 8, 0));
    /* descriptors: lba 1 x1, lba 5 x2 */
    pl[8 + 7] = 1;
    pl[8 + 11] = 1;
    pl[24 + 7] = 5;
    pl[24 + 11] = 2;
    r = RUN_OUT(thin, pl, sizeof(pl), 0x42, 0, 0, 0, 0, 0, 0, 0, sizeof(pl), 0);
    assert_good(r);
    r = RUN_IN(thin, rd, sizeof(rd), 0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0);
    const uint8_t expect[8] = {0x99, 0, 0x99, 0x99, 0x99, 0, 0, 0x99};
    for (int i = 0; i < 8; i++)
        assert_int_equal(rd[i * 512 + 17], expect[i]);

    /* list length below the header */
    r = RUN_OUT(thin, pl, 4, 0x42, 0, 0, 0, 0, 0, 0, 0, 4, 0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x1a, 0x00);
    /* block descriptor length not a multiple of 16 */
    pl[3] = 20;
    r = RUN_OUT(thin, pl, sizeof(pl), 0x42, 0, 0, 0, 0, 0, 0, 0, sizeof(pl), 0);
    assert_bad_param(r, 2, -1);
    pl[3] = 32;
    /* a descriptor out of range fails the whole list, nothing unmapped */
    assert_good(RUN_OUT(thin, blk, 512, 0x41, 0, 0, 0, 0, 0, 0, 0, 8, 0));
    pl[24 + 7] = 63;
    r = RUN_OUT(thin, pl, sizeof(pl), 0x42, 0, 0, 0, 0, 0, 0, 0, sizeof(pl), 0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
    r = RUN_IN(thin, rd, 1024, 0x28, 0, 0, 0, 0, 0, 0, 0, 2, 0);
    assert_int_equal(rd[512], 0x99);
    /* parameter data shorter than the CDB says */
    r = RUN_OUT(thin, pl, 20, 0x42, 0, 0, 0, 0, 0, 0, 0, sizeof(pl), 0);
    assert_sense(r, VSCSI_SK_ABORTED_COMMAND, 0x4b, 0x00);
    /* zero-length list is a no-op */
    assert_good(RUN_OUT(thin, pl, 0, 0x42, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    /* a thick disk does not have UNMAP at all */
    r = RUN_OUT(lun, pl, sizeof(pl), 0x42, 0, 0, 0, 0, 0, 0, 0, sizeof(pl), 0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x20, 0x00);
    vscsi_tgt_free(lun);
    vscsi_tgt_free(thin);
}

static void test_mode_sense(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = mkdisk(3000, 512, 0);
    uint8_t b[255];
    struct vscsi_tgt_result r;

    /* MODE SENSE(6) caching page with a block descriptor */
    r = RUN_IN(lun, b, sizeof(b), 0x1a, 0, 0x08, 0, 0xff, 0);
    assert_good(r);
    assert_int_equal(b[0], 3 + 8 + 20);
    assert_int_equal(b[2], 0x10); /* DPOFUA */
    assert_int_equal(b[3], 8);
    assert_int_equal(b[4 + 1] << 16 | b[4 + 2] << 8 | b[4 + 3], 3000);
    assert_int_equal(b[4 + 6] << 8 | b[4 + 7], 512);
    assert_int_equal(b[12], 0x08);
    assert_int_equal(b[13], 18);
    assert_int_equal(b[14] & 0x04, 0x04); /* WCE */
    /* DBD */
    r = RUN_IN(lun, b, sizeof(b), 0x1a, 0x08, 0x0a, 0, 0xff, 0);
    assert_good(r);
    assert_int_equal(b[3], 0);
    assert_int_equal(b[4], 0x0a);
    assert_int_equal(b[5], 10);
    /* all pages */
    r = RUN_IN(lun, b, sizeof(b), 0x1a, 0x08, 0x3f, 0, 0xff, 0);
    assert_good(r);
    assert_int_equal(b[0], 3 + 20 + 12);
    assert_int_equal(b[4], 0x08);
    assert_int_equal(b[24], 0x0a);
    assert_int_equal(r.residual, sizeof(b) - 36);
    /* allocation length truncates but MODE DATA LENGTH stays whole */
    r = RUN_IN(lun, b, sizeof(b), 0x1a, 0x08, 0x3f, 0, 10, 0);
    assert_good(r);
    assert_int_equal(r.residual, sizeof(b) - 10);
    assert_int_equal(b[0], 35);
    /* MODE SENSE(10) with LLBAA: 16-byte descriptor */
    r = RUN_IN(lun, b, sizeof(b), 0x5a, 0x10, 0x08, 0, 0, 0, 0, 0, 0xff, 0);
    assert_good(r);
    assert_int_equal(vscsi_get_be16(b), 6 + 16 + 20);
    assert_int_equal(b[4] & 1, 1);
    assert_int_equal(vscsi_get_be16(b + 6), 16);
    assert_int_equal(vscsi_get_be64(b + 8), 3000);
    assert_int_equal(vscsi_get_be32(b + 8 + 12), 512);
    assert_int_equal(b[24], 0x08);
    /* changeable values */
    r = RUN_IN(lun, b, sizeof(b), 0x1a, 0x08, 0x48, 0, 0xff, 0);
    assert_good(r);
    assert_int_equal(b[4 + 2], 0x04);
    /* saved values are not supported */
    r = RUN_IN(lun, b, sizeof(b), 0x1a, 0, 0xc8, 0, 0xff, 0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x39, 0x00);
    /* unknown page */
    r = RUN_IN(lun, b, sizeof(b), 0x1a, 0, 0x1c, 0, 0xff, 0);
    assert_bad_cdb(r, 2, 5);
    /* subpage */
    r = RUN_IN(lun, b, sizeof(b), 0x1a, 0, 0x08, 1, 0xff, 0);
    assert_bad_cdb(r, 3, -1);
    vscsi_tgt_free(lun);
}

static void test_mode_select(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = mkdisk(64, 512, 0);
    uint8_t b[255], p[4 + 8 + 20];
    struct vscsi_tgt_result r;

    r = RUN_IN(lun, b, sizeof(b), 0x1a, 0, 0x08, 0, 0xff, 0);
    assert_good(r);
    memcpy(p, b, sizeof(p));
    p[0] = 0;
    p[14] &= (uint8_t)~0x04; /* clear WCE */
    r = RUN_OUT(lun, p, sizeof(p), 0x15, 0x10, 0, 0, sizeof(p), 0);
    assert_good(r);
    r = RUN_IN(lun, b, sizeof(b), 0x1a, 0x08, 0x08, 0, 0xff, 0);
    assert_int_equal(b[4 + 2] & 0x04, 0);
    /* defaults still show WCE */
    r = RUN_IN(lun, b, sizeof(b), 0x1a, 0x08, 0x88, 0, 0xff, 0);
    assert_int_equal(b[4 + 2] & 0x04, 0x04);

    /* a non-changeable bit */
    memcpy(b, p, sizeof(p));
    b[14] |= 0x01; /* RCD */
    r = RUN_OUT(lun, b, sizeof(p), 0x15, 0x10, 0, 0, sizeof(p), 0);
    assert_bad_param(r, 14, 0);
    /* block length that is not ours */
    memcpy(b, p, sizeof(p));
    b[4 + 6] = 0x10;
    r = RUN_OUT(lun, b, sizeof(p), 0x15, 0x10, 0, 0, sizeof(p), 0);
    assert_bad_param(r, 9, -1);
    /* wrong page length */
    memcpy(b, p, sizeof(p));
    b[13] = 10;
    r = RUN_OUT(lun, b, sizeof(p), 0x15, 0x10, 0, 0, sizeof(p), 0);
    assert_bad_param(r, 13, -1);
    /* unknown page */
    memcpy(b, p, sizeof(p));
    b[12] = 0x1c;
    r = RUN_OUT(lun, b, sizeof(p), 0x15, 0x10, 0, 0, sizeof(p), 0);
    assert_bad_param(r, 12, 5);
    /* list shorter than the header */
    r = RUN_OUT(lun, p, 2, 0x15, 0x10, 0, 0, 2, 0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x1a, 0x00);
    /* SP */
    r = RUN_OUT(lun, p, sizeof(p), 0x15, 0x11, 0, 0, sizeof(p), 0);
    assert_bad_cdb(r, 1, 0);
    /* MODE SELECT(10), page only: set WCE back */
    uint8_t q[8 + 20] = {0};
    memcpy(q + 8, p + 12, 20);
    q[8 + 2] |= 0x04;
    r = RUN_OUT(lun, q, sizeof(q), 0x55, 0x10, 0, 0, 0, 0, 0, 0, sizeof(q), 0);
    assert_good(r);
    r = RUN_IN(lun, b, sizeof(b), 0x1a, 0x08, 0x08, 0, 0xff, 0);
    assert_int_equal(b[4 + 2] & 0x04, 0x04);
    /* a rejected list changes nothing: page valid, descriptor invalid */
    memcpy(b, p, sizeof(p));
    b[4 + 6] = 0x10;
    r = RUN_OUT(lun, b, sizeof(p), 0x15, 0x10, 0, 0, sizeof(p), 0);
    assert_int_equal(r.status, VSCSI_SAM_CHECK_CONDITION);
    r = RUN_IN(lun, b, sizeof(b), 0x1a, 0x08, 0x08, 0, 0xff, 0);
    assert_int_equal(b[4 + 2] & 0x04, 0x04);
    vscsi_tgt_free(lun);
}

static void test_start_stop(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = mkdisk(64, 512, 0);
    uint8_t b[512];
    struct vscsi_tgt_result r;

    assert_good(RUN_NONE(lun, 0x00, 0, 0, 0, 0, 0));
    assert_good(RUN_NONE(lun, 0x1b, 0, 0, 0, 0x00, 0));
    r = RUN_NONE(lun, 0x00, 0, 0, 0, 0, 0);
    assert_sense(r, VSCSI_SK_NOT_READY, 0x04, 0x02);
    r = RUN_IN(lun, b, 512, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0);
    assert_sense(r, VSCSI_SK_NOT_READY, 0x04, 0x02);
    assert_reported(lun, VSCSI_SK_NOT_READY, 0x04);
    /* INQUIRY and READ CAPACITY still work */
    assert_good(RUN_IN(lun, b, 36, 0x12, 0, 0, 0, 36, 0));
    assert_good(RUN_IN(lun, b, 8, 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    assert_good(RUN_NONE(lun, 0x1b, 1, 0, 0, 0x01, 0));
    assert_good(RUN_NONE(lun, 0x00, 0, 0, 0, 0, 0));
    assert_good(RUN_IN(lun, b, 512, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0));
    /* power conditions are accepted; reserved values are not */
    assert_good(RUN_NONE(lun, 0x1b, 0, 0, 0, 0x30, 0));
    r = RUN_NONE(lun, 0x1b, 0, 0, 0, 0x50, 0);
    assert_bad_cdb(r, 4, 7);
    vscsi_tgt_free(lun);
}

static void test_rsoc(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = mkdisk(64, 512, 0), *thin = mkdisk(64, 512, 1);
    static uint8_t b[4096];
    struct vscsi_tgt_result r;
    bool seen28 = false, seen9e = false, seen42 = false;

    r = RUN_IN(lun, b, sizeof(b), 0xa3, 0x0c, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0);
    assert_good(r);
    uint32_t len = vscsi_get_be32(b);
    assert_int_equal(len % 8, 0);
    assert_int_equal(r.residual, sizeof(b) - 4 - len);
    for (uint32_t off = 4; off < 4 + len; off += 8) {
        if (b[off] == 0x28) {
            seen28 = true;
            assert_int_equal(b[off + 5] & 1, 0);
            assert_int_equal(vscsi_get_be16(b + off + 6), 10);
        }
        if (b[off] == 0x9e) {
            seen9e = true;
            assert_int_equal(vscsi_get_be16(b + off + 2), 0x10);
            assert_int_equal(b[off + 5] & 1, 1);
            assert_int_equal(vscsi_get_be16(b + off + 6), 16);
        }
        seen42 |= b[off] == 0x42;
    }
    assert_true(seen28 && seen9e && !seen42);
    r = RUN_IN(thin, b, sizeof(b), 0xa3, 0x0c, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0);
    seen42 = false;
    for (uint32_t off = 4; off < 4 + vscsi_get_be32(b); off += 8)
        seen42 |= b[off] == 0x42;
    assert_true(seen42);

    /* RCTD: 20-byte descriptors with CTDP */
    r = RUN_IN(lun, b, sizeof(b), 0xa3, 0x0c, 0x80, 0, 0, 0, 0, 0, 0x10, 0, 0, 0);
    assert_good(r);
    assert_int_equal(vscsi_get_be32(b) % 20, 0);
    assert_int_equal(b[4 + 5] & 0x02, 0x02);
    assert_int_equal(vscsi_get_be16(b + 4 + 8), 0x0a);

    /* one command: READ(10) */
    r = RUN_IN(lun, b, sizeof(b), 0xa3, 0x0c, 0x01, 0x28, 0, 0, 0, 0, 0x10, 0, 0, 0);
    assert_good(r);
    assert_int_equal(b[1] & 7, 3);
    assert_int_equal(vscsi_get_be16(b + 2), 10);
    assert_memory_equal(
        b + 4, ((uint8_t[]){0x28, 0x1c, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0xc0}), 10);
    assert_int_equal(r.residual, sizeof(b) - 14);
    /* unsupported opcode */
    r = RUN_IN(lun, b, sizeof(b), 0xa3, 0x0c, 0x01, 0xe0, 0, 0, 0, 0, 0x10, 0, 0, 0);
    assert_good(r);
    assert_int_equal(b[1] & 7, 1);
    /* opcode with service actions needs option 2 */
    r = RUN_IN(lun, b, sizeof(b), 0xa3, 0x0c, 0x01, 0x9e, 0, 0, 0, 0, 0x10, 0, 0, 0);
    assert_bad_cdb(r, 2, 2);
    r = RUN_IN(lun, b, sizeof(b), 0xa3, 0x0c, 0x02, 0x9e, 0, 0x10, 0, 0, 0x10, 0, 0, 0);
    assert_good(r);
    assert_int_equal(b[1] & 7, 3);
    assert_int_equal(vscsi_get_be16(b + 2), 16);
    assert_int_equal(b[5], 0x10); /* service action in the usage data */
    r = RUN_IN(lun, b, sizeof(b), 0xa3, 0x0c, 0x02, 0x9e, 0, 0x12, 0, 0, 0x10, 0, 0, 0);
    assert_good(r);
    assert_int_equal(b[1] & 7, 1);
    r = RUN_IN(lun, b, sizeof(b), 0xa3, 0x0c, 0x02, 0x28, 0, 0, 0, 0, 0x10, 0, 0, 0);
    assert_bad_cdb(r, 2, 2);
    r = RUN_IN(lun, b, sizeof(b), 0xa3, 0x0c, 0x07, 0x28, 0, 0, 0, 0, 0x10, 0, 0, 0);
    assert_bad_cdb(r, 2, 2);
    /* other MAINTENANCE IN service actions are not there */
    r = RUN_IN(lun, b, sizeof(b), 0xa3, 0x0a, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0);
    assert_bad_cdb(r, 1, 4);
    vscsi_tgt_free(lun);
    vscsi_tgt_free(thin);
}

static void test_file_backing(void **state)
{
    (void)state;
    char path[] = "/tmp/vscsi_tgt_disk_XXXXXX";
    int fd = mkstemp(path);
    uint8_t w[2048], rd[2048];

    assert_true(fd >= 0);
    close(fd);
    struct vscsi_tgt_disk_opts o = {.blocks = 128, .block_size = 1024, .path = path};
    struct vscsi_tgt_lun *lun = vscsi_tgt_disk_new(&o);
    assert_non_null(lun);
    fill(w, sizeof(w), 5);
    assert_good(RUN_OUT(lun, w, sizeof(w), 0x2a, 0, 0, 0, 0, 126, 0, 0, 2, 0));
    assert_good(RUN_NONE(lun, 0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    vscsi_tgt_free(lun);

    lun = vscsi_tgt_disk_new(&o);
    assert_non_null(lun);
    assert_good(RUN_IN(lun, rd, sizeof(rd), 0x28, 0, 0, 0, 0, 126, 0, 0, 2, 0));
    assert_memory_equal(rd, w, sizeof(w));
    /* verify against the file */
    assert_good(RUN_OUT(lun, w, sizeof(w), 0x2f, 0x02, 0, 0, 0, 126, 0, 0, 2, 0));
    vscsi_tgt_free(lun);

    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    assert_int_equal(fseek(f, 126 * 1024, SEEK_SET), 0);
    assert_int_equal(fread(rd, 1, sizeof(rd), f), sizeof(rd));
    fclose(f);
    assert_memory_equal(rd, w, sizeof(w));
    unlink(path);

    /* bad geometry and unusable paths */
    struct vscsi_tgt_disk_opts bad = {.block_size = 520};
    assert_null(vscsi_tgt_disk_new(&bad));
    struct vscsi_tgt_disk_opts nodir = {.path = "/nonexistent-dir/x.img"};
    assert_null(vscsi_tgt_disk_new(&nodir));
}

static void test_defaults(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = vscsi_tgt_disk_new(NULL);
    uint8_t b[96];

    assert_non_null(lun);
    assert_int_equal(vscsi_tgt_kind(lun), VSCSI_TGT_DISK);
    assert_good(RUN_IN(lun, b, 8, 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    assert_int_equal(vscsi_get_be32(b), 2047);
    assert_int_equal(vscsi_get_be32(b + 4), 512);
    assert_good(RUN_IN(lun, b, 96, 0x12, 0, 0, 0, 96, 0));
    assert_memory_equal(b + 8, "VSCSIIF VSCSI DISK      ", 24);
    /* a generated serial */
    assert_good(RUN_IN(lun, b, 96, 0x12, 1, 0x80, 0, 96, 0));
    assert_true(vscsi_get_be16(b + 2) > 0);
    vscsi_tgt_free(lun);
    vscsi_tgt_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inquiry_standard),
        cmocka_unit_test(test_inquiry_vpd),
        cmocka_unit_test(test_read_capacity),
        cmocka_unit_test(test_read_write_all_sizes),
        cmocka_unit_test(test_scatter_and_short_buffers),
        cmocka_unit_test(test_lba_out_of_range),
        cmocka_unit_test(test_verify),
        cmocka_unit_test(test_sync_cache),
        cmocka_unit_test(test_write_same),
        cmocka_unit_test(test_unmap),
        cmocka_unit_test(test_mode_sense),
        cmocka_unit_test(test_mode_select),
        cmocka_unit_test(test_start_stop),
        cmocka_unit_test(test_rsoc),
        cmocka_unit_test(test_file_backing),
        cmocka_unit_test(test_defaults),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
