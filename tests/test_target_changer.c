/* SPDX-License-Identifier: MIT */
/* SMC changer wired to tape drives: element status, moves, and what the drives see. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_target_util.h"

struct lib {
    struct vscsi_tgt_lun *chg, *drv[2];
};

static void mklib(struct lib *l, unsigned ndrives, const char *dir)
{
    struct vscsi_tgt_tape_opts to = {.path = dir};

    for (unsigned i = 0; i < ndrives; i++) {
        l->drv[i] = vscsi_tgt_tape_new(&to);
        assert_non_null(l->drv[i]);
    }
    struct vscsi_tgt_changer_opts co = {
        .slots = 4, .ie_ports = 1, .drives = l->drv, .ndrives = ndrives};
    l->chg = vscsi_tgt_changer_new(&co);
    assert_non_null(l->chg);
}

static void freelib(struct lib *l, unsigned ndrives)
{
    vscsi_tgt_free(l->chg);
    for (unsigned i = 0; i < ndrives; i++)
        vscsi_tgt_free(l->drv[i]);
}

static struct vscsi_tgt_result move(struct vscsi_tgt_lun *c, uint16_t src, uint16_t dst)
{
    return RUN_NONE(c, 0xa5, 0, 0, 0, (uint8_t)(src >> 8), (uint8_t)src, (uint8_t)(dst >> 8),
                    (uint8_t)dst, 0, 0, 0, 0);
}

/* READ ELEMENT STATUS with VOLTAG into b; returns the report's total length. */
static size_t res(struct vscsi_tgt_lun *c, uint8_t type, uint16_t start, uint16_t n, uint8_t *b,
                  size_t len, uint8_t dvcid)
{
    struct vscsi_tgt_result r =
        RUN_IN(c, b, len, 0xb8, (uint8_t)(0x10 | type), (uint8_t)(start >> 8), (uint8_t)start,
               (uint8_t)(n >> 8), (uint8_t)n, dvcid, (uint8_t)(len >> 16), (uint8_t)(len >> 8),
               (uint8_t)len, 0, 0);
    assert_good(r);
    return 8 + (b[5] << 16 | b[6] << 8 | b[7]);
}

/* Finds the descriptor of element addr in a full report. */
static const uint8_t *elem(const uint8_t *b, uint16_t addr, unsigned *type)
{
    size_t end = 8 + (b[5] << 16 | b[6] << 8 | b[7]), off = 8;

    while (off < end) {
        size_t dl = vscsi_get_be16(b + off + 2),
               bytes = b[off + 5] << 16 | b[off + 6] << 8 | b[off + 7];

        for (size_t d = off + 8; d < off + 8 + bytes; d += dl)
            if (vscsi_get_be16(b + d) == addr) {
                if (type)
                    *type = b[off];
                return b + d;
            }
        off += 8 + bytes;
    }
    return NULL;
}

static void test_inquiry_and_status(void **state)
{
    (void)state;
    struct lib l;
    static uint8_t b[4096];

    mklib(&l, 1, NULL);
    assert_int_equal(vscsi_tgt_kind(l.chg), VSCSI_TGT_CHANGER);
    assert_good(RUN_IN(l.chg, b, 96, 0x12, 0, 0, 0, 96, 0));
    assert_int_equal(b[0], 0x08);
    assert_int_equal(vscsi_get_be16(b + 62), 0x0480);
    assert_good(RUN_NONE(l.chg, 0x00, 0, 0, 0, 0, 0));
    assert_good(RUN_NONE(l.chg, 0x07, 0, 0, 0, 0, 0));

    size_t len = res(l.chg, 0, 0, 0xffff, b, sizeof(b), 0);
    assert_int_equal(vscsi_get_be16(b), 0);     /* first address */
    assert_int_equal(vscsi_get_be16(b + 2), 7); /* 1 MT + 4 ST + 1 IE + 1 DT */
    /* four pages in MT, ST, IE, DT order with PVOLTAG, 52-byte descriptors */
    size_t off = 8;
    const uint8_t types[] = {1, 2, 3, 4}, counts[] = {1, 4, 1, 1};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(b[off], types[i]);
        assert_int_equal(b[off + 1], 0x80);
        assert_int_equal(vscsi_get_be16(b + off + 2), 52);
        assert_int_equal(b[off + 5] << 16 | b[off + 6] << 8 | b[off + 7], counts[i] * 52);
        off += 8 + counts[i] * 52;
    }
    assert_int_equal(off, len);

    unsigned t;
    const uint8_t *d = elem(b, 0x1000, &t);
    assert_non_null(d);
    assert_int_equal(t, 2);
    assert_int_equal(d[2], 0x09); /* ACCESS FULL */
    assert_memory_equal(d + 12, "VS0001L6                        ", 32);
    d = elem(b, 0x1003, NULL);
    assert_memory_equal(d + 12, "VS0004L6", 8);
    d = elem(b, 0x2000, &t);
    assert_int_equal(t, 3);
    assert_int_equal(d[2] & 0x01, 0); /* empty */
    assert_int_equal(d[2] & 0x30, 0x30);
    d = elem(b, 0x3000, &t);
    assert_int_equal(t, 4);
    assert_int_equal(d[2], 0x08);
    d = elem(b, 0x0000, &t);
    assert_int_equal(t, 1);
    assert_int_equal(d[2] & 1, 0);
    freelib(&l, 1);
}

static void test_status_filters(void **state)
{
    (void)state;
    struct lib l;
    uint8_t b[1024];
    struct vscsi_tgt_result r;

    mklib(&l, 2, NULL);
    /* storage only, from 1001h, at most 2 */
    res(l.chg, 2, 0x1001, 2, b, sizeof(b), 0);
    assert_int_equal(vscsi_get_be16(b), 0x1001);
    assert_int_equal(vscsi_get_be16(b + 2), 2);
    assert_int_equal(b[8], 2);
    assert_int_equal(vscsi_get_be16(b + 16), 0x1001);
    assert_int_equal(vscsi_get_be16(b + 16 + 52), 0x1002);
    /* drives without VOLTAG but with DVCID: the drive serial */
    r = RUN_IN(l.chg, b, sizeof(b), 0xb8, 0x04, 0, 0, 0, 9, 0x01, 0, 0x04, 0, 0, 0);
    assert_good(r);
    assert_int_equal(vscsi_get_be16(b + 2), 2);
    assert_int_equal(b[9], 0x00);
    assert_int_equal(vscsi_get_be16(b + 10), 12 + 4 + 20);
    assert_int_equal(b[16 + 12], 0x02);
    assert_int_equal(b[16 + 15], 20);
    uint8_t vpd[64];
    assert_good(RUN_IN(l.drv[1], vpd, sizeof(vpd), 0x12, 1, 0x80, 0, sizeof(vpd), 0));
    assert_memory_equal(b + 16 + 36 + 16, vpd + 4, vscsi_get_be16(vpd + 2));
    /* truncated by the allocation length: header still reports the whole */
    r = RUN_IN(l.chg, b, sizeof(b), 0xb8, 0x10, 0, 0, 0, 0x20, 0, 0, 0, 20, 0, 0);
    assert_good(r);
    assert_int_equal(r.residual, sizeof(b) - 20);
    assert_int_equal(vscsi_get_be16(b + 2), 8);
    /* bad element type, and no element at or after the start */
    r = RUN_IN(l.chg, b, sizeof(b), 0xb8, 0x05, 0, 0, 0, 9, 0, 0, 0x04, 0, 0, 0);
    assert_bad_cdb(r, 1, 3);
    r = RUN_IN(l.chg, b, sizeof(b), 0xb8, 0x02, 0x20, 0, 0, 9, 0, 0, 0x04, 0, 0, 0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x01);
    freelib(&l, 2);
}

static void test_move_loads_drive(void **state)
{
    (void)state;
    struct lib l;
    static uint8_t b[4096];
    struct vscsi_tgt_result r;
    uint8_t data[300], got[300];

    mklib(&l, 1, NULL);
    struct vscsi_tgt_lun *tape = l.drv[0];
    r = RUN_NONE(tape, 0x00, 0, 0, 0, 0, 0);
    assert_sense(r, VSCSI_SK_NOT_READY, 0x3a, 0x00);

    assert_good(move(l.chg, 0x1000, 0x3000));
    res(l.chg, 0, 0, 0xffff, b, sizeof(b), 0);
    assert_int_equal(elem(b, 0x1000, NULL)[2] & 1, 0);
    const uint8_t *d = elem(b, 0x3000, NULL);
    assert_int_equal(d[2] & 1, 1);
    assert_int_equal(d[9] & 0x80, 0x80); /* SVALID */
    assert_int_equal(vscsi_get_be16(d + 10), 0x1000);
    assert_memory_equal(d + 12, "VS0001L6", 8);

    /* the drive reports the new medium once, then is ready */
    r = RUN_NONE(tape, 0x00, 0, 0, 0, 0, 0);
    assert_sense(r, VSCSI_SK_UNIT_ATTENTION, 0x28, 0x00);
    assert_good(RUN_NONE(tape, 0x00, 0, 0, 0, 0, 0));
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 3 + 1);
    assert_good(RUN_OUT(tape, data, sizeof(data), 0x0a, 0, 0, 0x01, 0x2c, 0));
    assert_good(RUN_NONE(tape, 0x10, 0, 0, 0, 1, 0));

    /* out of the drive (unloading it) into another slot, freed through the I/E port */
    assert_good(move(l.chg, 0x1003, 0x2000));
    assert_good(move(l.chg, 0x3000, 0x1003));
    r = RUN_NONE(tape, 0x00, 0, 0, 0, 0, 0);
    assert_sense(r, VSCSI_SK_NOT_READY, 0x3a, 0x00);
    res(l.chg, 0, 0, 0xffff, b, sizeof(b), 0);
    d = elem(b, 0x1003, NULL);
    assert_int_equal(d[2] & 1, 1);
    assert_memory_equal(d + 12, "VS0001L6", 8);
    d = elem(b, 0x2000, NULL);
    assert_int_equal(d[2] & 0x03, 0x01); /* FULL, placed by the changer */
    assert_memory_equal(d + 12, "VS0004L6", 8);
    assert_int_equal(vscsi_get_be16(d + 10), 0x1003);

    /* another cartridge is blank */
    assert_good(move(l.chg, 0x1001, 0x3000));
    assert_sense(RUN_NONE(tape, 0x00, 0, 0, 0, 0, 0), VSCSI_SK_UNIT_ATTENTION, 0x28, 0x00);
    r = RUN_IN(tape, got, sizeof(got), 0x08, 0, 0, 0x01, 0x2c, 0);
    assert_sense(r, VSCSI_SK_BLANK_CHECK, 0x00, 0x05);
    /* the drive unloaded by the host first, then moved out */
    assert_good(RUN_NONE(tape, 0x1b, 0, 0, 0, 0, 0));
    assert_good(move(l.chg, 0x3000, 0x1001));

    /* cartridge A again: its data is there */
    assert_good(move(l.chg, 0x1003, 0x3000));
    assert_sense(RUN_NONE(tape, 0x00, 0, 0, 0, 0, 0), VSCSI_SK_UNIT_ATTENTION, 0x28, 0x00);
    r = RUN_IN(tape, got, sizeof(got), 0x08, 0, 0, 0x01, 0x2c, 0);
    assert_good(r);
    assert_memory_equal(got, data, sizeof(data));
    r = RUN_IN(tape, got, sizeof(got), 0x08, 0, 0, 0x01, 0x2c, 0);
    assert_sense(r, VSCSI_SK_NO_SENSE, 0x00, 0x01);
    /* back home; the source is the last storage element it left */
    assert_good(move(l.chg, 0x3000, 0x1000));
    res(l.chg, 2, 0, 0xffff, b, sizeof(b), 0);
    d = elem(b, 0x1000, NULL);
    assert_int_equal(d[9] & 0x80, 0x80);
    assert_int_equal(vscsi_get_be16(d + 10), 0x1003);
    freelib(&l, 1);
}

static void test_move_errors(void **state)
{
    (void)state;
    struct lib l;
    struct vscsi_tgt_result r;

    mklib(&l, 1, NULL);
    r = move(l.chg, 0x2000, 0x1000); /* empty source */
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x3b, 0x0e);
    r = move(l.chg, 0x1000, 0x1001); /* full destination */
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x3b, 0x0d);
    r = move(l.chg, 0x1000, 0x5000); /* no such element */
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x01);
    r = move(l.chg, 0x1004, 0x2000);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x01);
    r = move(l.chg, 0x1000, 0x0000); /* the transport is not a destination */
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x01);
    r = move(l.chg, 0x3001, 0x1000);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x01);
    r = RUN_NONE(l.chg, 0xa5, 0, 0, 1, 0x10, 0, 0x20, 0, 0, 0, 0, 0); /* transport 1 */
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x01);
    r = RUN_NONE(l.chg, 0xa5, 0, 0, 0, 0x10, 0, 0x20, 0, 0, 0, 1, 0); /* INVERT */
    assert_bad_cdb(r, 10, 0);
    assert_good(move(l.chg, 0x1000, 0x1000)); /* onto itself */
    /* a drive holding a cartridge is a full destination */
    assert_good(move(l.chg, 0x1000, 0x3000));
    r = move(l.chg, 0x1001, 0x3000);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x3b, 0x0d);
    /* nothing moved by the failures */
    uint8_t b[1024];
    res(l.chg, 2, 0, 0xffff, b, sizeof(b), 0);
    assert_int_equal(elem(b, 0x1001, NULL)[2] & 1, 1);
    /* opcodes of other kinds */
    r = RUN_IN(l.chg, b, 512, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x20, 0x00);
    freelib(&l, 1);
}

static void test_mode_pages(void **state)
{
    (void)state;
    struct lib l;
    uint8_t b[128];

    mklib(&l, 2, NULL);
    assert_good(RUN_IN(l.chg, b, sizeof(b), 0x1a, 0, 0x1d, 0, sizeof(b), 0));
    assert_int_equal(b[3], 0); /* no block descriptor */
    assert_int_equal(b[4], 0x1d);
    assert_int_equal(b[5], 0x12);
    const uint16_t want[] = {0, 1, 0x1000, 4, 0x2000, 1, 0x3000, 2};
    for (int i = 0; i < 8; i++)
        assert_int_equal(vscsi_get_be16(b + 6 + 2 * i), want[i]);
    assert_good(RUN_IN(l.chg, b, sizeof(b), 0x5a, 0, 0x1f, 0, 0, 0, 0, 0, sizeof(b), 0));
    assert_int_equal(b[8], 0x1f);
    assert_int_equal(b[10], 0x0e);
    assert_int_equal(b[13], 0x0e); /* ST -> DT, I/E, ST */
    assert_good(RUN_IN(l.chg, b, sizeof(b), 0x1a, 0, 0x3f, 0, sizeof(b), 0));
    assert_int_equal(b[0], 3 + 20 + 20);
    /* REPORT LUNS */
    assert_good(RUN_IN(l.chg, b, 16, 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0));
    assert_int_equal(vscsi_get_be32(b), 8);
    freelib(&l, 2);
}

static void test_cartridge_images(void **state)
{
    (void)state;
    char dir[] = "/tmp/vscsi_tgt_chg_XXXXXX", path[256];
    struct lib l;
    uint8_t data[64], got[64];

    assert_non_null(mkdtemp(dir));
    mklib(&l, 1, dir);
    memset(data, 'k', sizeof(data));
    assert_good(move(l.chg, 0x1003, 0x3000));
    assert_sense(RUN_NONE(l.drv[0], 0x00, 0, 0, 0, 0, 0), VSCSI_SK_UNIT_ATTENTION, 0x28, 0x00);
    assert_good(RUN_OUT(l.drv[0], data, sizeof(data), 0x0a, 0, 0, 0, sizeof(data), 0));
    assert_good(move(l.chg, 0x3000, 0x1003));
    freelib(&l, 1);

    /* a new library over the same directory finds VS0004L6's data */
    mklib(&l, 1, dir);
    assert_good(move(l.chg, 0x1003, 0x3000));
    struct vscsi_tgt_result r = RUN_IN(l.drv[0], got, sizeof(got), 0x08, 0x02, 0, 0, 64, 0);
    assert_sense(r, VSCSI_SK_UNIT_ATTENTION, 0x28, 0x00);
    assert_int_equal(r.residual, sizeof(got));
    assert_good(RUN_IN(l.drv[0], got, sizeof(got), 0x08, 0x02, 0, 0, 64, 0));
    assert_memory_equal(got, data, sizeof(data));
    freelib(&l, 1);
    snprintf(path, sizeof(path), "%s/VS0004L6.img", dir);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

static void test_wiring_and_teardown(void **state)
{
    (void)state;
    struct lib l;
    uint8_t b[1024], x = 7;
    struct vscsi_tgt_result r;

    /* a drive cannot join two changers, and only tapes are drives */
    mklib(&l, 1, NULL);
    struct vscsi_tgt_changer_opts co = {.drives = l.drv, .ndrives = 1};
    assert_null(vscsi_tgt_changer_new(&co));
    struct vscsi_tgt_lun *disk = vscsi_tgt_disk_new(NULL);
    struct vscsi_tgt_changer_opts cd = {.drives = &disk, .ndrives = 1};
    assert_null(vscsi_tgt_changer_new(&cd));
    vscsi_tgt_free(disk);

    /* freeing the drive first: its element becomes inaccessible */
    assert_good(move(l.chg, 0x1000, 0x3000));
    vscsi_tgt_free(l.drv[0]);
    res(l.chg, 4, 0, 0xffff, b, sizeof(b), 0);
    assert_int_equal(b[16 + 2], 0x04); /* EXCEPT, empty */
    r = move(l.chg, 0x1001, 0x3000);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x01);
    vscsi_tgt_free(l.chg);

    /* freeing the changer first: the drive keeps its cartridge and works alone */
    mklib(&l, 1, NULL);
    assert_good(move(l.chg, 0x1000, 0x3000));
    vscsi_tgt_free(l.chg);
    struct vscsi_tgt_lun *t = l.drv[0];
    assert_sense(RUN_NONE(t, 0x00, 0, 0, 0, 0, 0), VSCSI_SK_UNIT_ATTENTION, 0x28, 0x00);
    assert_good(RUN_OUT(t, &x, 1, 0x0a, 0, 0, 0, 1, 0));
    vscsi_tgt_free(t);

    /* a standalone-loaded drive joins with its cartridge in place */
    struct vscsi_tgt_tape_opts to = {.loaded = 1};
    t = vscsi_tgt_tape_new(&to);
    struct vscsi_tgt_changer_opts c1 = {.slots = 2, .drives = &t, .ndrives = 1};
    struct vscsi_tgt_lun *c = vscsi_tgt_changer_new(&c1);
    assert_non_null(c);
    res(c, 4, 0, 0xffff, b, sizeof(b), 0);
    assert_int_equal(b[16 + 2], 0x09);
    assert_int_equal(b[16 + 9] & 0x80, 0);
    assert_memory_equal(b + 16 + 12, "ST0001L6", 8);
    assert_good(move(c, 0x3000, 0x2000));
    vscsi_tgt_free(c);
    vscsi_tgt_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inquiry_and_status),  cmocka_unit_test(test_status_filters),
        cmocka_unit_test(test_move_loads_drive),    cmocka_unit_test(test_move_errors),
        cmocka_unit_test(test_mode_pages),          cmocka_unit_test(test_cartridge_images),
        cmocka_unit_test(test_wiring_and_teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
