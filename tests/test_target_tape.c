/* SPDX-License-Identifier: MIT */
/* SSC tape: records, filemarks, positioning, block modes, end-of-medium, load/unload. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_target_util.h"

static struct vscsi_tgt_lun *mktape(uint64_t cap, uint32_t ew)
{
    struct vscsi_tgt_tape_opts o = {.capacity = cap, .early_warning = ew, .loaded = 1};
    struct vscsi_tgt_lun *lun = vscsi_tgt_tape_new(&o);

    assert_non_null(lun);
    return lun;
}

/* Variable-block WRITE(6) / READ(6) */
static struct vscsi_tgt_result wr(struct vscsi_tgt_lun *l, void *b, uint32_t n)
{
    return RUN_OUT(l, b, n, 0x0a, 0, (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n, 0);
}
static struct vscsi_tgt_result rd(struct vscsi_tgt_lun *l, void *b, uint32_t n, uint8_t flags)
{
    return RUN_IN(l, b, n, 0x08, flags, (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n, 0);
}
static struct vscsi_tgt_result wfm(struct vscsi_tgt_lun *l, uint8_t n)
{
    return RUN_NONE(l, 0x10, 0, 0, 0, n, 0);
}
static struct vscsi_tgt_result space(struct vscsi_tgt_lun *l, uint8_t code, int32_t count)
{
    uint32_t c = (uint32_t)count;
    return RUN_NONE(l, 0x11, code, (uint8_t)(c >> 16), (uint8_t)(c >> 8), (uint8_t)c, 0);
}
static struct vscsi_tgt_result rewind_(struct vscsi_tgt_lun *l)
{
    return RUN_NONE(l, 0x01, 0, 0, 0, 0, 0);
}
static uint32_t position(struct vscsi_tgt_lun *l, uint8_t *flags)
{
    uint8_t b[20];
    struct vscsi_tgt_result r = RUN_IN(l, b, sizeof(b), 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    assert_good(r);
    assert_int_equal(r.residual, 0);
    assert_int_equal(vscsi_get_be32(b + 4), vscsi_get_be32(b + 8));
    if (flags)
        *flags = b[0];
    return vscsi_get_be32(b + 4);
}
static void set_block_len(struct vscsi_tgt_lun *l, uint32_t bl)
{
    uint8_t p[12] = {0,          0, 0x10, 8, 0, 0, 0, 0, 0, (uint8_t)(bl >> 16), (uint8_t)(bl >> 8),
                     (uint8_t)bl};
    assert_good(RUN_OUT(l, p, sizeof(p), 0x15, 0x10, 0, 0, sizeof(p), 0));
}

static void test_inquiry_and_not_ready(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *t = vscsi_tgt_tape_new(NULL);
    uint8_t b[96];
    struct vscsi_tgt_result r;

    assert_non_null(t);
    assert_int_equal(vscsi_tgt_kind(t), VSCSI_TGT_TAPE);
    assert_good(RUN_IN(t, b, 96, 0x12, 0, 0, 0, 96, 0));
    assert_int_equal(b[0], 0x01);
    assert_int_equal(b[1], 0x80); /* removable */
    assert_int_equal(vscsi_get_be16(b + 62), 0x0400);
    assert_memory_equal(b + 16, "VSCSI TAPE      ", 16);
    /* no cartridge */
    r = RUN_NONE(t, 0x00, 0, 0, 0, 0, 0);
    assert_sense(r, VSCSI_SK_NOT_READY, 0x3a, 0x00);
    r = rd(t, b, 10, 0);
    assert_sense(r, VSCSI_SK_NOT_READY, 0x3a, 0x00);
    r = wfm(t, 1);
    assert_sense(r, VSCSI_SK_NOT_READY, 0x3a, 0x00);
    r = RUN_IN(t, b, 20, 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    assert_sense(r, VSCSI_SK_NOT_READY, 0x3a, 0x00);
    r = RUN_NONE(t, 0x1b, 0, 0, 0, 1, 0); /* LOAD: nothing to load */
    assert_sense(r, VSCSI_SK_NOT_READY, 0x3a, 0x00);
    assert_reported(t, VSCSI_SK_NOT_READY, 0x3a);
    /* commands that need no medium */
    assert_good(RUN_IN(t, b, 6, 0x05, 0, 0, 0, 0, 0));
    assert_int_equal(b[1] << 16 | b[2] << 8 | b[3], 0x800000);
    assert_int_equal(vscsi_get_be16(b + 4), 1);
    assert_good(RUN_IN(t, b, 96, 0x1a, 0, 0x3f, 0, 96, 0));
    vscsi_tgt_free(t);
}

static void test_variable_roundtrip_and_ili(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *t = mktape(0, 0);
    uint8_t a[100], b[3000], c[1], buf[4000];
    struct vscsi_tgt_result r;
    uint8_t fl;

    assert_int_equal(position(t, &fl), 0);
    assert_int_equal(fl & 0x80, 0x80); /* BOP */
    for (size_t i = 0; i < sizeof(b); i++)
        b[i] = (uint8_t)(i * 13);
    memset(a, 'a', sizeof(a));
    c[0] = 'c';
    assert_good(wr(t, a, sizeof(a)));
    assert_good(wr(t, b, sizeof(b)));
    assert_good(wr(t, c, 1));
    assert_int_equal(position(t, &fl), 3);
    assert_int_equal(fl & 0x80, 0);
    assert_good(rewind_(t));

    /* exact length */
    r = rd(t, buf, 100, 0);
    assert_good(r);
    assert_memory_equal(buf, a, 100);
    /* underlength block (asked 4000, block is 3000): ILI, info = +1000 */
    r = rd(t, buf, 4000, 0);
    assert_sense(r, VSCSI_SK_NO_SENSE, 0x00, 0x00);
    assert_int_equal(r.sense[2] & 0x20, 0x20);
    assert_int_equal(sense_info(&r), 1000);
    assert_int_equal(r.residual, 1000);
    assert_memory_equal(buf, b, 3000);
    /* same with SILI: quiet */
    assert_good(space(t, 0, -1));
    r = rd(t, buf, 4000, 0x02);
    assert_good(r);
    assert_int_equal(r.residual, 1000);
    /* overlength (asked 1000, block 3000): ILI even with SILI, info negative, position past it */
    assert_good(space(t, 0, -1));
    r = rd(t, buf, 1000, 0x02);
    assert_sense(r, VSCSI_SK_NO_SENSE, 0x00, 0x00);
    assert_int_equal(r.sense[2] & 0x20, 0x20);
    assert_int_equal((int32_t)sense_info(&r), -2000);
    assert_memory_equal(buf, b, 1000);
    assert_int_equal(position(t, NULL), 2);
    r = rd(t, buf, 1, 0);
    assert_good(r);
    assert_int_equal(buf[0], 'c');
    /* end of data */
    r = rd(t, buf, 50, 0);
    assert_sense(r, VSCSI_SK_BLANK_CHECK, 0x00, 0x05);
    assert_int_equal(sense_info(&r), 50);
    assert_int_equal(r.residual, 50);
    /* zero-length read and write are no-ops */
    assert_good(rd(t, buf, 0, 0));
    assert_good(wr(t, buf, 0));
    /* FIXED in variable mode, SILI with FIXED */
    r = RUN_IN(t, buf, 512, 0x08, 0x01, 0, 0, 1, 0);
    assert_bad_cdb(r, 1, 0);
    r = RUN_IN(t, buf, 512, 0x08, 0x03, 0, 0, 1, 0);
    assert_bad_cdb(r, 1, 1);
    r = RUN_OUT(t, buf, 512, 0x0a, 0x01, 0, 0, 1, 0);
    assert_bad_cdb(r, 1, 0);
    /* variable block bigger than the limit */
    r = RUN_OUT(t, buf, 16, 0x0a, 0, 0x80, 0, 1, 0); /* 8 MiB + 1 */
    assert_bad_cdb(r, 2, -1);
    /* data-out shorter than the block */
    r = RUN_OUT(t, buf, 10, 0x0a, 0, 0, 0, 20, 0);
    assert_sense(r, VSCSI_SK_ABORTED_COMMAND, 0x4b, 0x00);
    vscsi_tgt_free(t);
}

static void test_fixed_mode(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *t = mktape(0, 0);
    uint8_t w[512 * 3], buf[512 * 4], ms[12];
    struct vscsi_tgt_result r;

    set_block_len(t, 512);
    assert_good(RUN_IN(t, ms, sizeof(ms), 0x1a, 0, 0x10, 0, sizeof(ms), 0));
    assert_int_equal(ms[3], 8);
    assert_int_equal(ms[4], 0x58); /* density */
    assert_int_equal(ms[9] << 16 | ms[10] << 8 | ms[11], 512);

    for (size_t i = 0; i < sizeof(w); i++)
        w[i] = (uint8_t)(i ^ (i >> 8));
    r = RUN_OUT(t, w, sizeof(w), 0x0a, 0x01, 0, 0, 3, 0);
    assert_good(r);
    assert_int_equal(position(t, NULL), 3); /* one object per block */
    assert_good(wfm(t, 1));
    assert_good(rewind_(t));
    r = RUN_IN(t, buf, 512 * 2, 0x08, 0x01, 0, 0, 2, 0);
    assert_good(r);
    assert_memory_equal(buf, w, 1024);
    /* ask for 4 blocks with one left before the filemark: FM, info = 3 */
    r = RUN_IN(t, buf, sizeof(buf), 0x08, 0x01, 0, 0, 4, 0);
    assert_sense(r, VSCSI_SK_NO_SENSE, 0x00, 0x01);
    assert_int_equal(r.sense[2] & 0x80, 0x80);
    assert_int_equal(sense_info(&r), 3);
    assert_memory_equal(buf, w + 1024, 512);
    assert_int_equal(r.residual, sizeof(buf) - 512);
    assert_int_equal(position(t, NULL), 4); /* past the filemark */

    /* a block of another size in fixed mode: ILI, not transferred */
    set_block_len(t, 0);
    assert_good(wr(t, w, 100));
    set_block_len(t, 512);
    assert_good(space(t, 0, -1));
    r = RUN_IN(t, buf, 1024, 0x08, 0x01, 0, 0, 2, 0);
    assert_sense(r, VSCSI_SK_NO_SENSE, 0x00, 0x00);
    assert_int_equal(r.sense[2] & 0x20, 0x20);
    assert_int_equal(sense_info(&r), 2);
    assert_int_equal(r.residual, 1024);
    /* a variable read in fixed mode is still allowed */
    assert_good(space(t, 0, -1));
    r = rd(t, buf, 100, 0);
    assert_good(r);
    assert_memory_equal(buf, w, 100);
    /* MODE SELECT: block length above the limit, and a foreign density */
    uint8_t p[12] = {0, 0, 0x10, 8, 0, 0, 0, 0, 0, 0x80, 0, 1}; /* 8 MiB + 1 */
    r = RUN_OUT(t, p, sizeof(p), 0x15, 0x10, 0, 0, sizeof(p), 0);
    assert_bad_param(r, 9, -1);
    p[9] = 0;
    p[11] = 0;
    p[4] = 0x42;
    r = RUN_OUT(t, p, sizeof(p), 0x15, 0x10, 0, 0, sizeof(p), 0);
    assert_bad_param(r, 4, -1);
    vscsi_tgt_free(t);
}

/* Layout: A FM B C FM FM D (objects 0..6), EOD at 7. */
static struct vscsi_tgt_lun *layout(void)
{
    struct vscsi_tgt_lun *t = mktape(0, 0);
    uint8_t x = 'A';

    assert_good(wr(t, &x, 1));
    assert_good(wfm(t, 1));
    x = 'B';
    assert_good(wr(t, &x, 1));
    x = 'C';
    assert_good(wr(t, &x, 1));
    assert_good(wfm(t, 2));
    x = 'D';
    assert_good(wr(t, &x, 1));
    assert_int_equal(position(t, NULL), 7);
    assert_good(rewind_(t));
    return t;
}

static void test_filemarks_on_read(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *t = layout();
    uint8_t b[8];
    struct vscsi_tgt_result r;

    assert_good(rd(t, b, 8, 0x02));
    assert_int_equal(b[0], 'A');
    r = rd(t, b, 8, 0);
    assert_sense(r, VSCSI_SK_NO_SENSE, 0x00, 0x01);
    assert_int_equal(r.sense[2] & 0xe0, 0x80);
    assert_int_equal(sense_info(&r), 8);
    assert_int_equal(r.residual, 8);
    assert_int_equal(position(t, NULL), 2);
    assert_good(rd(t, b, 8, 0x02));
    assert_int_equal(b[0], 'B');
    vscsi_tgt_free(t);
}

static void test_space(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *t = layout();
    struct vscsi_tgt_result r;
    uint8_t b[8];

    /* blocks forward across a filemark: stops past it, residue 2 */
    r = space(t, 0, 3);
    assert_sense(r, VSCSI_SK_NO_SENSE, 0x00, 0x01);
    assert_int_equal(r.sense[2] & 0x80, 0x80);
    assert_int_equal(sense_info(&r), 2);
    assert_int_equal(position(t, NULL), 2);
    assert_good(space(t, 0, 2));
    assert_int_equal(position(t, NULL), 4);
    /* blocks backward across a filemark: stops before it, positive residue */
    assert_good(space(t, 0, -2));
    r = space(t, 0, -5);
    assert_sense(r, VSCSI_SK_NO_SENSE, 0x00, 0x01);
    assert_int_equal(sense_info(&r), 5);
    assert_int_equal(position(t, NULL), 1);
    /* blocks backward into BOP */
    r = space(t, 0, -3);
    assert_sense(r, VSCSI_SK_NO_SENSE, 0x00, 0x04);
    assert_int_equal(r.sense[2] & 0x40, 0x40); /* EOM */
    assert_int_equal(sense_info(&r), 2);
    assert_int_equal(position(t, NULL), 0);
    /* filemarks forward */
    assert_good(space(t, 1, 2));
    assert_int_equal(position(t, NULL), 5);
    assert_good(space(t, 1, 1));
    assert_int_equal(position(t, NULL), 6);
    assert_good(rd(t, b, 8, 0x02));
    assert_int_equal(b[0], 'D');
    /* filemarks forward into EOD */
    assert_good(rewind_(t));
    r = space(t, 1, 5);
    assert_sense(r, VSCSI_SK_BLANK_CHECK, 0x00, 0x05);
    assert_int_equal(sense_info(&r), 2);
    assert_int_equal(position(t, NULL), 7);
    /* filemarks backward: before the nth filemark */
    assert_good(space(t, 1, -2));
    assert_int_equal(position(t, NULL), 4);
    r = space(t, 1, -3);
    assert_sense(r, VSCSI_SK_NO_SENSE, 0x00, 0x04);
    assert_int_equal(sense_info(&r), 2);
    assert_int_equal(position(t, NULL), 0);
    /* blocks forward into EOD */
    assert_good(space(t, 3, 0));
    assert_int_equal(position(t, NULL), 7);
    r = space(t, 0, 1);
    assert_sense(r, VSCSI_SK_BLANK_CHECK, 0x00, 0x05);
    assert_int_equal(sense_info(&r), 1);
    /* zero count */
    assert_good(space(t, 0, 0));
    assert_int_equal(position(t, NULL), 7);
    /* sequential filemarks and setmarks are not supported */
    r = space(t, 2, 1);
    assert_bad_cdb(r, 1, 3);
    r = space(t, 4, 1);
    assert_bad_cdb(r, 1, 3);
    vscsi_tgt_free(t);
}

static void test_locate_and_position(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *t = layout();
    struct vscsi_tgt_result r;
    uint8_t b[8];

    assert_good(RUN_NONE(t, 0x2b, 0, 0, 0, 0, 0, 3, 0, 0, 0));
    assert_int_equal(position(t, NULL), 3);
    assert_good(rd(t, b, 8, 0x02));
    assert_int_equal(b[0], 'C');
    assert_good(RUN_NONE(t, 0x2b, 0x02, 0, 0, 0, 0, 0, 0, 0, 0)); /* CP, partition 0 */
    assert_int_equal(position(t, NULL), 0);
    r = RUN_NONE(t, 0x2b, 0x02, 0, 0, 0, 0, 0, 0, 1, 0);
    assert_bad_cdb(r, 8, -1);
    r = RUN_NONE(t, 0x2b, 0, 0, 0, 0, 0, 9, 0, 0, 0);
    assert_sense(r, VSCSI_SK_BLANK_CHECK, 0x00, 0x05);
    assert_int_equal(position(t, NULL), 7);
    /* a service action READ POSITION does not have (02h, 07h, 1Fh) */
    r = RUN_IN(t, b, 8, 0x34, 0x02, 0, 0, 0, 0, 0, 0, 32, 0);
    assert_bad_cdb(r, 1, 4);
    r = RUN_IN(t, b, 8, 0x34, 0x07, 0, 0, 0, 0, 0, 0, 32, 0);
    assert_bad_cdb(r, 1, 4);
    r = RUN_IN(t, b, 8, 0x34, 0x1f, 0, 0, 0, 0, 0, 0, 32, 0);
    assert_bad_cdb(r, 1, 4);
    /* an allocation length truncates the short form */
    r = RUN_IN(t, b, 8, 0x34, 0, 0, 0, 0, 0, 0, 0, 8, 0);
    assert_good(r);
    vscsi_tgt_free(t);
}

static void test_overwrite_and_erase(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *t = layout();
    struct vscsi_tgt_result r;
    uint8_t b[8], x = 'Z';

    /* writing at object 2 discards B onward */
    assert_good(RUN_NONE(t, 0x2b, 0, 0, 0, 0, 0, 2, 0, 0, 0));
    assert_good(wr(t, &x, 1));
    assert_good(space(t, 3, 0));
    assert_int_equal(position(t, NULL), 3);
    assert_good(RUN_NONE(t, 0x2b, 0, 0, 0, 0, 0, 2, 0, 0, 0));
    assert_good(rd(t, b, 8, 0x02));
    assert_int_equal(b[0], 'Z');
    r = rd(t, b, 8, 0x02);
    assert_sense(r, VSCSI_SK_BLANK_CHECK, 0x00, 0x05);
    /* ERASE from BOP leaves a blank tape */
    assert_good(rewind_(t));
    assert_good(RUN_NONE(t, 0x19, 0x01, 0, 0, 0, 0));
    r = rd(t, b, 8, 0x02);
    assert_sense(r, VSCSI_SK_BLANK_CHECK, 0x00, 0x05);
    assert_good(space(t, 3, 0));
    assert_int_equal(position(t, NULL), 0);
    /* WRITE FILEMARKS(6) with WSMK is rejected */
    r = RUN_NONE(t, 0x10, 0x02, 0, 0, 1, 0);
    assert_bad_cdb(r, 1, 1);
    vscsi_tgt_free(t);
}

static void test_end_of_medium(void **state)
{
    (void)state;
    /* 10000 bytes, early warning in the last 3000 */
    struct vscsi_tgt_lun *t = mktape(10000, 3000);
    uint8_t b[4000] = {0};
    struct vscsi_tgt_result r;
    uint8_t fl;

    assert_good(wr(t, b, 4000));
    assert_good(wr(t, b, 3000)); /* 7000: exactly at the warning */
    r = wr(t, b, 1000);          /* 8000: past it, written anyway */
    assert_sense(r, VSCSI_SK_NO_SENSE, 0x00, 0x02);
    assert_int_equal(r.sense[2] & 0x40, 0x40);
    assert_int_equal(sense_info(&r), 0);
    assert_int_equal(r.residual, 0);
    assert_int_equal(position(t, &fl), 3);
    assert_int_equal(fl & 0x40, 0x40); /* EOP */
    r = wfm(t, 1);
    assert_sense(r, VSCSI_SK_NO_SENSE, 0x00, 0x02);
    /* a block that does not fit: VOLUME OVERFLOW, nothing written */
    r = wr(t, b, 2500);
    assert_sense(r, VSCSI_SK_VOLUME_OVERFLOW, 0x00, 0x02);
    assert_int_equal(r.sense[2] & 0x40, 0x40);
    assert_int_equal(sense_info(&r), 2500);
    assert_int_equal(position(t, NULL), 4);
    /* fixed mode: the blocks that fit are written, info counts the rest; the
     * filemark took TGT_FM_SPACE (512) bytes, leaving 10000 - 8512 = 1488 */
    set_block_len(t, 500);
    r = RUN_OUT(t, b, 3000, 0x0a, 0x01, 0, 0, 6, 0);
    assert_sense(r, VSCSI_SK_VOLUME_OVERFLOW, 0x00, 0x02);
    assert_int_equal(sense_info(&r), 4);
    assert_int_equal(r.residual, 2000);
    assert_int_equal(position(t, NULL), 6);
    /* everything written reads back */
    assert_good(space(t, 0, -2));
    r = RUN_IN(t, b, 1000, 0x08, 0x01, 0, 0, 2, 0);
    assert_good(r);
    r = RUN_IN(t, b, 500, 0x08, 0x01, 0, 0, 1, 0);
    assert_sense(r, VSCSI_SK_BLANK_CHECK, 0x00, 0x05);
    /* 16 M filemarks do not fit either (each takes medium): most are refused */
    r = RUN_NONE(t, 0x10, 0, 0xff, 0xff, 0xff, 0);
    assert_sense(r, VSCSI_SK_VOLUME_OVERFLOW, 0x00, 0x02);
    assert_true(sense_info(&r) > 0xffffff - 10000 / 512);
    vscsi_tgt_free(t);
}

static void test_load_unload(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *t = mktape(0, 0);
    struct vscsi_tgt_result r;
    uint8_t b[16], x = 'Q';

    assert_good(wr(t, &x, 1));
    assert_good(RUN_NONE(t, 0x1b, 0, 0, 0, 0, 0)); /* UNLOAD */
    r = RUN_NONE(t, 0x00, 0, 0, 0, 0, 0);
    assert_sense(r, VSCSI_SK_NOT_READY, 0x3a, 0x00);
    r = rd(t, b, 1, 0);
    assert_sense(r, VSCSI_SK_NOT_READY, 0x3a, 0x00);
    assert_good(RUN_NONE(t, 0x1b, 0, 0, 0, 1, 0)); /* LOAD */
    assert_good(RUN_NONE(t, 0x00, 0, 0, 0, 0, 0));
    assert_int_equal(position(t, NULL), 0);
    assert_good(rd(t, b, 1, 0));
    assert_int_equal(b[0], 'Q');
    /* LOAD on a loaded tape rewinds */
    assert_good(RUN_NONE(t, 0x1b, 0, 0, 0, 1, 0));
    assert_int_equal(position(t, NULL), 0);
    r = RUN_NONE(t, 0x1b, 0, 0, 0, 0x05, 0); /* LOAD with EOT */
    assert_bad_cdb(r, 4, 2);
    r = RUN_NONE(t, 0x1b, 0, 0, 0, 0x09, 0); /* HOLD */
    assert_bad_cdb(r, 4, 3);
    assert_good(RUN_NONE(t, 0x1e, 0, 0, 0, 1, 0)); /* PREVENT ALLOW MEDIUM REMOVAL */
    vscsi_tgt_free(t);
}

static void test_mode_pages(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *t = mktape(0, 0);
    uint8_t b[128];
    struct vscsi_tgt_result r;

    r = RUN_IN(t, b, sizeof(b), 0x1a, 0, 0x3f, 0, sizeof(b), 0);
    assert_good(r);
    assert_int_equal(b[0], 3 + 8 + 16 + 16);
    assert_int_equal(b[2] & 0x70, 0x10); /* buffered mode */
    assert_int_equal(b[3], 8);
    assert_int_equal(b[12], 0x0f);
    assert_int_equal(b[13], 14);
    assert_int_equal(b[14] & 0x40, 0x40); /* DCC */
    assert_int_equal(b[28], 0x10);
    assert_int_equal(b[29], 14);
    /* MODE SENSE(10), device configuration only */
    r = RUN_IN(t, b, sizeof(b), 0x5a, 0x08, 0x10, 0, 0, 0, 0, 0, sizeof(b), 0);
    assert_good(r);
    assert_int_equal(vscsi_get_be16(b), 6 + 16);
    assert_int_equal(b[8], 0x10);
    /* turn compression on through MODE SELECT(10) */
    uint8_t p[8 + 16] = {0};
    r = RUN_IN(t, b, sizeof(b), 0x5a, 0x08, 0x0f, 0, 0, 0, 0, 0, sizeof(b), 0);
    memcpy(p + 8, b + 8, 16);
    p[8 + 2] |= 0x80;
    assert_good(RUN_OUT(t, p, sizeof(p), 0x55, 0x10, 0, 0, 0, 0, 0, 0, sizeof(p), 0));
    r = RUN_IN(t, b, sizeof(b), 0x1a, 0x08, 0x0f, 0, sizeof(b), 0);
    assert_int_equal(b[4 + 2] & 0x80, 0x80);
    vscsi_tgt_free(t);
}

static void test_image_persistence(void **state)
{
    (void)state;
    char dir[] = "/tmp/vscsi_tgt_tape_XXXXXX", path[256];
    uint8_t b[64], x;

    assert_non_null(mkdtemp(dir));
    struct vscsi_tgt_tape_opts o = {.path = dir, .loaded = 1};
    struct vscsi_tgt_lun *t = vscsi_tgt_tape_new(&o);
    assert_non_null(t);
    x = '1';
    assert_good(wr(t, &x, 1));
    assert_good(wfm(t, 1));
    memset(b, '2', sizeof(b));
    assert_good(wr(t, b, sizeof(b)));
    vscsi_tgt_free(t);

    t = vscsi_tgt_tape_new(&o);
    assert_non_null(t);
    assert_good(rd(t, b, 1, 0));
    assert_int_equal(b[0], '1');
    assert_good(space(t, 1, 1));
    memset(b, 0, sizeof(b));
    assert_good(rd(t, b, sizeof(b), 0));
    assert_int_equal(b[63], '2');
    vscsi_tgt_free(t);

    snprintf(path, sizeof(path), "%s/ST0001L6.img", dir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inquiry_and_not_ready),
        cmocka_unit_test(test_variable_roundtrip_and_ili),
        cmocka_unit_test(test_fixed_mode),
        cmocka_unit_test(test_filemarks_on_read),
        cmocka_unit_test(test_space),
        cmocka_unit_test(test_locate_and_position),
        cmocka_unit_test(test_overwrite_and_erase),
        cmocka_unit_test(test_end_of_medium),
        cmocka_unit_test(test_load_unload),
        cmocka_unit_test(test_mode_pages),
        cmocka_unit_test(test_image_persistence),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
