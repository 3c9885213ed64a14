/* SPDX-License-Identifier: MIT */
/* SMC as mtx uses it beyond move/status: EXCHANGE MEDIUM, POSITION TO ELEMENT,
 * configured barcodes, the import/export port, an inventory that survives a restart. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_target_util.h"

struct lib {
    struct vscsi_tgt_lun *chg, *drv;
};

static const char *const tags[] = {"A0001L6", "A0002L6", "A0003L6"};

static void mklib(struct lib *l, const char *dir, int power_on)
{
    struct vscsi_tgt_tape_opts to = {.path = dir};

    l->drv = vscsi_tgt_tape_new(&to);
    assert_non_null(l->drv);
    struct vscsi_tgt_changer_opts co = {.slots = 4,
                                        .ie_ports = 2,
                                        .drives = &l->drv,
                                        .ndrives = 1,
                                        .barcodes = tags,
                                        .nbarcodes = 3,
                                        .path = dir,
                                        .serial = "LIB0001",
                                        .power_on_ua = power_on};
    l->chg = vscsi_tgt_changer_new(&co);
    assert_non_null(l->chg);
}

static void freelib(struct lib *l)
{
    vscsi_tgt_free(l->chg);
    vscsi_tgt_free(l->drv);
}

static struct vscsi_tgt_result move(struct vscsi_tgt_lun *c, uint16_t src, uint16_t dst)
{
    return RUN_NONE(c, 0xa5, 0, 0, 0, (uint8_t)(src >> 8), (uint8_t)src, (uint8_t)(dst >> 8),
                    (uint8_t)dst, 0, 0, 0, 0);
}

static struct vscsi_tgt_result xchg(struct vscsi_tgt_lun *c, uint16_t src, uint16_t d1, uint16_t d2,
                                    uint8_t inv)
{
    return RUN_NONE(c, 0xa6, 0, 0, 0, (uint8_t)(src >> 8), (uint8_t)src, (uint8_t)(d1 >> 8),
                    (uint8_t)d1, (uint8_t)(d2 >> 8), (uint8_t)d2, inv, 0);
}

/* The volume tag (PVolTag) of element addr, "" when empty; also its flags byte. */
static void tag_of(struct vscsi_tgt_lun *c, uint16_t addr, char *out, uint8_t *flags)
{
    uint8_t b[1024];
    struct vscsi_tgt_result r = RUN_IN(c, b, sizeof(b), 0xb8, 0x10, (uint8_t)(addr >> 8),
                                       (uint8_t)addr, 0, 1, 0, 0, 0x04, 0x00, 0, 0);

    assert_good(r);
    assert_int_equal(vscsi_get_be16(b), addr); /* first element reported */
    assert_int_equal(b[9] & 0x80, 0x80);       /* PVOLTAG */
    const uint8_t *d = b + 16;
    assert_int_equal(vscsi_get_be16(d), addr);
    if (flags)
        *flags = d[2];
    out[0] = '\0';
    if (d[2] & 0x01) {
        size_t n = 32;
        while (n && d[12 + n - 1] == ' ')
            n--;
        memcpy(out, d + 12, n);
        out[n] = '\0';
    }
}

#define assert_tag(c, addr, want)                                                                  \
    do {                                                                                           \
        char got_[40];                                                                             \
        tag_of((c), (addr), got_, NULL);                                                           \
        assert_string_equal(got_, (want));                                                         \
    } while (0)

static void test_barcodes_and_exchange(void **state)
{
    (void)state;
    struct lib l;
    struct vscsi_tgt_result r;

    mklib(&l, NULL, 1);
    r = RUN_NONE(l.chg, 0x00, 0, 0, 0, 0, 0);
    assert_sense(r, VSCSI_SK_UNIT_ATTENTION, 0x29, 0x00);
    assert_tag(l.chg, 0x1000, "A0001L6");
    assert_tag(l.chg, 0x1002, "A0003L6");
    assert_tag(l.chg, 0x1003, "VS0004L6"); /* past the configured tags */
    assert_tag(l.chg, 0x2000, "");

    /* mtx exchange 1 2: source named twice, a swap */
    assert_good(xchg(l.chg, 0x1000, 0x1001, 0x1000, 0));
    assert_tag(l.chg, 0x1000, "A0002L6");
    assert_tag(l.chg, 0x1001, "A0001L6");
    /* three-way: 1002 -> drive, drive's -> IE... the drive is empty: source of the second
     * move empty, refused, nothing moved */
    r = xchg(l.chg, 0x1002, 0x3000, 0x2000, 0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x3b, 0x0e);
    assert_tag(l.chg, 0x1002, "A0003L6");
    /* load the drive, then exchange a slot with it: the drive gets the slot's cartridge */
    assert_good(move(l.chg, 0x1002, 0x3000));
    assert_good(xchg(l.chg, 0x1003, 0x3000, 0x2000, 0));
    assert_tag(l.chg, 0x3000, "VS0004L6");
    assert_tag(l.chg, 0x2000, "A0003L6");
    assert_tag(l.chg, 0x1003, "");
    r = RUN_NONE(l.drv, 0x00, 0, 0, 0, 0, 0);
    assert_sense(r, VSCSI_SK_UNIT_ATTENTION, 0x28, 0x00); /* the new cartridge, once */
    assert_good(RUN_NONE(l.drv, 0x00, 0, 0, 0, 0, 0));
    /* refused exchanges leave everything where it was */
    r = xchg(l.chg, 0x1000, 0x1001, 0x2000, 0); /* second destination full */
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x3b, 0x0d);
    r = xchg(l.chg, 0x1003, 0x1001, 0x1003, 0); /* source empty */
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x3b, 0x0e);
    r = xchg(l.chg, 0x1000, 0x1000, 0x1001, 0); /* source = first destination */
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x01);
    r = xchg(l.chg, 0x1000, 0x1001, 0x1001, 0); /* both destinations the same */
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x01);
    r = xchg(l.chg, 0x1000, 0x1001, 0x4000, 0); /* no such element */
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x01);
    r = xchg(l.chg, 0x0000, 0x1001, 0x1000, 0); /* the transport is no storage */
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x01);
    r = xchg(l.chg, 0x1000, 0x1001, 0x1000, 0x01); /* INV1 */
    assert_bad_cdb(r, 10, 0);
    r = xchg(l.chg, 0x1000, 0x1001, 0x1000, 0x02); /* INV2 */
    assert_bad_cdb(r, 10, 1);
    r = RUN_NONE(l.chg, 0xa6, 0, 0, 1, 0x10, 0, 0x10, 1, 0x10, 0, 0, 0); /* transport 1 */
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x01);
    assert_tag(l.chg, 0x1000, "A0002L6");
    assert_tag(l.chg, 0x1001, "A0001L6");
    assert_tag(l.chg, 0x3000, "VS0004L6");

    /* POSITION TO ELEMENT: the addresses are checked, nothing moves */
    assert_good(RUN_NONE(l.chg, 0x2b, 0, 0, 0, 0x10, 0x01, 0, 0, 0, 0));
    assert_good(RUN_NONE(l.chg, 0x2b, 0, 0, 0, 0x30, 0x00, 0, 0, 0, 0));
    r = RUN_NONE(l.chg, 0x2b, 0, 0, 0, 0x50, 0x00, 0, 0, 0, 0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x01);
    r = RUN_NONE(l.chg, 0x2b, 0, 0, 0, 0x00, 0x00, 0, 0, 0, 0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x01);
    r = RUN_NONE(l.chg, 0x2b, 0, 0, 1, 0x10, 0x00, 0, 0, 0, 0);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x01);
    r = RUN_NONE(l.chg, 0x2b, 0, 0, 0, 0x10, 0x00, 0, 0, 1, 0);
    assert_bad_cdb(r, 8, 0);
    r = RUN_NONE(l.chg, 0x2b, 0, 0, 0, 0x10, 0x00, 1, 0, 0, 0); /* reserved byte 6 */
    assert_bad_cdb(r, 6, 0);
    assert_tag(l.chg, 0x1000, "A0002L6");

    /* the device capabilities page offers exchange */
    uint8_t b[64];
    assert_good(RUN_IN(l.chg, b, sizeof(b), 0x1a, 0x08, 0x1f, 0, sizeof(b), 0));
    assert_int_equal(b[4 + 12], 0x0e);
    assert_int_equal(b[4 + 13], 0x0e);
    freelib(&l);
}

static void test_import_export(void **state)
{
    (void)state;
    struct lib l;
    struct vscsi_tgt_result r;
    uint8_t fl;
    char got[40];

    mklib(&l, NULL, 0);
    assert_int_equal(vscsi_tgt_changer_ie(l.chg, 1, "NEW001L6"), 0);
    r = RUN_NONE(l.chg, 0x00, 0, 0, 0, 0, 0);
    assert_sense(r, VSCSI_SK_UNIT_ATTENTION, 0x28, 0x01);
    assert_good(RUN_NONE(l.chg, 0x00, 0, 0, 0, 0, 0)); /* once */
    tag_of(l.chg, 0x2001, got, &fl);
    assert_string_equal(got, "NEW001L6");
    assert_int_equal(fl & 0x03, 0x03); /* FULL, IMPEXP: placed by the operator */
    /* refused: port full, tag already in the library, bad tag, no such port */
    assert_int_equal(vscsi_tgt_changer_ie(l.chg, 1, "OTHER1"), -EBUSY);
    assert_int_equal(vscsi_tgt_changer_ie(l.chg, 0, "A0001L6"), -EEXIST);
    assert_int_equal(vscsi_tgt_changer_ie(l.chg, 0, "a/b"), -EINVAL);
    assert_int_equal(vscsi_tgt_changer_ie(l.chg, 0, ""), -EINVAL);
    assert_int_equal(vscsi_tgt_changer_ie(l.chg, 2, "OTHER1"), -EINVAL);
    assert_int_equal(vscsi_tgt_changer_ie(l.drv, 0, "OTHER1"), -EINVAL);
    assert_int_equal(vscsi_tgt_changer_ie(l.chg, 0, NULL), -EBUSY); /* nothing to take */
    assert_good(RUN_NONE(l.chg, 0x00, 0, 0, 0, 0, 0));              /* none of those set a UA */
    /* the robot takes it in; then the operator takes a cartridge out */
    assert_good(move(l.chg, 0x1003, 0x3000));
    assert_good(move(l.chg, 0x2001, 0x1003));
    assert_good(RUN_NONE(l.chg, 0x00, 0, 0, 0, 0, 0));
    assert_tag(l.chg, 0x1003, "NEW001L6");
    assert_tag(l.chg, 0x2001, "");
    assert_good(move(l.chg, 0x1000, 0x2000));
    tag_of(l.chg, 0x2000, got, &fl);
    assert_int_equal(fl & 0x02, 0); /* put there by the robot */
    assert_int_equal(vscsi_tgt_changer_ie(l.chg, 0, NULL), 0);
    r = RUN_NONE(l.chg, 0x00, 0, 0, 0, 0, 0);
    assert_sense(r, VSCSI_SK_UNIT_ATTENTION, 0x28, 0x01);
    assert_tag(l.chg, 0x2000, "");
    /* a reset and an import together: reset first, each once */
    assert_int_equal(vscsi_tgt_changer_ie(l.chg, 0, "A0001L6"), 0); /* gone: may come back */
    vscsi_tgt_reset(l.chg);
    r = RUN_NONE(l.chg, 0x00, 0, 0, 0, 0, 0);
    assert_sense(r, VSCSI_SK_UNIT_ATTENTION, 0x29, 0x00);
    assert_reported(l.chg, VSCSI_SK_UNIT_ATTENTION, 0x28);
    assert_good(RUN_NONE(l.chg, 0x00, 0, 0, 0, 0, 0));
    freelib(&l);
}

static void test_bad_barcode_opts(void **state)
{
    (void)state;
    static const char *const dup[] = {"X1", "X1"}, *const bad[] = {"x1"},
                             *const two[] = {"X1", "X2"};
    struct vscsi_tgt_changer_opts o = {.slots = 2, .barcodes = dup, .nbarcodes = 2};

    assert_null(vscsi_tgt_changer_new(&o));
    o.barcodes = bad;
    o.nbarcodes = 1;
    assert_null(vscsi_tgt_changer_new(&o));
    o.barcodes = two;
    o.nbarcodes = 2;
    o.slots = 1;
    assert_null(vscsi_tgt_changer_new(&o));
    o.barcodes = NULL;
    assert_null(vscsi_tgt_changer_new(&o));
    /* a configured tag equal to a default one: that later slot stays empty */
    static const char *const clash[] = {"VS0002L6"};
    struct vscsi_tgt_changer_opts c = {.slots = 3, .barcodes = clash, .nbarcodes = 1};
    struct vscsi_tgt_lun *chg = vscsi_tgt_changer_new(&c);
    assert_non_null(chg);
    assert_tag(chg, 0x1000, "VS0002L6");
    assert_tag(chg, 0x1001, "");
    assert_tag(chg, 0x1002, "VS0003L6");
    vscsi_tgt_free(chg);
}

static void test_inventory_survives_restart(void **state)
{
    (void)state;
    char dir[] = "/tmp/vscsi_tgt_inv_XXXXXX", path[256];
    struct lib l;
    uint8_t x = 'Q', b[8];

    assert_non_null(mkdtemp(dir));
    mklib(&l, dir, 0);
    assert_good(move(l.chg, 0x1001, 0x3000));
    assert_good(move(l.chg, 0x1000, 0x2001));
    assert_int_equal(vscsi_tgt_changer_ie(l.chg, 0, "IMP001"), 0);
    RUN_NONE(l.drv, 0x00, 0, 0, 0, 0, 0); /* the medium-changed attention */
    assert_good(RUN_OUT(l.drv, &x, 1, 0x0a, 0, 0, 0, 1, 0));
    vscsi_tgt_free(l.drv); /* drive first this time, then the changer */
    vscsi_tgt_free(l.chg);

    mklib(&l, dir, 0);
    assert_tag(l.chg, 0x1000, "");
    assert_tag(l.chg, 0x1001, "");
    assert_tag(l.chg, 0x1002, "A0003L6");
    assert_tag(l.chg, 0x2000, "IMP001");
    assert_tag(l.chg, 0x2001, "A0001L6");
    assert_tag(l.chg, 0x3000, "A0002L6");
    /* the drive holds A0002L6 again, data and all */
    struct vscsi_tgt_result r = RUN_NONE(l.drv, 0x00, 0, 0, 0, 0, 0);
    assert_sense(r, VSCSI_SK_UNIT_ATTENTION, 0x28, 0x00);
    assert_good(RUN_IN(l.drv, b, 1, 0x08, 0, 0, 0, 1, 0));
    assert_int_equal(b[0], 'Q');
    freelib(&l);

    /* a damaged inventory is ignored: the configured tags stand */
    snprintf(path, sizeof(path), "%s/library.inv", dir);
    FILE *f = fopen(path, "a");
    assert_non_null(f);
    fputs("zzzz ../evil\n", f);
    fclose(f);
    mklib(&l, dir, 0);
    assert_tag(l.chg, 0x1000, "A0001L6");
    assert_tag(l.chg, 0x1001, "A0002L6");
    assert_tag(l.chg, 0x3000, "");
    freelib(&l);
    /* so is one naming a tag twice */
    f = fopen(path, "w");
    fputs("VSCSI-LIBRARY 1\n1000 T1\n1001 T1\n", f);
    fclose(f);
    mklib(&l, dir, 0);
    assert_tag(l.chg, 0x1000, "A0001L6");
    freelib(&l);
    /* an empty library stays empty */
    f = fopen(path, "w");
    fputs("VSCSI-LIBRARY 1\n", f);
    fclose(f);
    mklib(&l, dir, 0);
    assert_tag(l.chg, 0x1000, "");
    assert_tag(l.chg, 0x1003, "");
    freelib(&l);

    snprintf(path, sizeof(path), "rm -rf '%s'", dir);
    assert_int_equal(system(path), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_barcodes_and_exchange),
        cmocka_unit_test(test_import_export),
        cmocka_unit_test(test_bad_barcode_opts),
        cmocka_unit_test(test_inventory_survives_restart),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
