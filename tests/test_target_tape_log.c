/* SPDX-License-Identifier: MIT */
/* LOG SENSE / LOG SELECT on the tape: supported pages, error counters,
 * sequential-access device page, TapeAlert with injected flags. */
#include "test_tape_common.h"

#define LOG_SENSE(t, b, n, pcpage, sub, ptr)                                                       \
    RUN_IN(t, b, n, 0x4d, 0, pcpage, sub, 0, (uint8_t)((ptr) >> 8), (uint8_t)(ptr),                \
           (uint8_t)((n) >> 8), (uint8_t)(n), 0)

/* Value of parameter `code` in a log page of `len` bytes; -1 if absent. */
static int64_t param(const uint8_t *b, size_t len, uint16_t code)
{
    size_t end = 4 + vscsi_get_be16(b + 2);

    assert_true(end <= len);
    for (size_t off = 4; off + 4 <= end; off += 4u + b[off + 3]) {
        if (vscsi_get_be16(b + off) != code)
            continue;
        int64_t v = 0;
        for (unsigned i = 0; i < b[off + 3]; i++)
            v = v << 8 | b[off + 4 + i];
        return v;
    }
    return -1;
}

static void test_supported_pages(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *t = tape_loaded(0, 0);
    uint8_t b[64];
    struct vscsi_tgt_result r;

    r = LOG_SENSE(t, b, 64, 0x40, 0, 0);
    assert_good(r);
    assert_int_equal(b[0], 0x00);
    assert_int_equal(vscsi_get_be16(b + 2), 5);
    assert_memory_equal(b + 4, ((uint8_t[]){0x00, 0x02, 0x03, 0x0c, 0x2e}), 5);
    assert_int_equal(r.residual, 64 - 9);
    /* pages and subpages */
    r = LOG_SENSE(t, b, 64, 0x40, 0xff, 0);
    assert_good(r);
    assert_int_equal(b[0], 0x40);
    assert_int_equal(b[1], 0xff);
    assert_int_equal(vscsi_get_be16(b + 2), 12);
    assert_memory_equal(b + 4, ((uint8_t[]){0, 0, 0, 0xff, 2, 0, 3, 0, 0x0c, 0, 0x2e, 0}), 12);
    /* hostile CDBs */
    r = LOG_SENSE(t, b, 64, 0x00, 0, 0); /* thresholds */
    assert_bad_cdb(r, 2, 7);
    r = LOG_SENSE(t, b, 64, 0x80, 0, 0);
    assert_bad_cdb(r, 2, 7);
    r = LOG_SENSE(t, b, 64, 0x4d, 0, 0); /* temperature: not offered */
    assert_bad_cdb(r, 2, 5);
    r = LOG_SENSE(t, b, 64, 0x42, 1, 0);
    assert_bad_cdb(r, 3, -1);
    r = LOG_SENSE(t, b, 64, 0x40, 0, 1); /* page 0 has no parameters to point at */
    assert_bad_cdb(r, 5, -1);
    r = RUN_IN(t, b, 64, 0x4d, 0x01, 0x40, 0, 0, 0, 0, 0, 64, 0); /* SP */
    assert_bad_cdb(r, 1, 0);
    r = RUN_IN(t, b, 64, 0x4d, 0x02, 0x40, 0, 0, 0, 0, 0, 64, 0); /* PPC */
    assert_bad_cdb(r, 1, 1);
    r = RUN_IN(t, b, 64, 0x4d, 0, 0x40, 0, 1, 0, 0, 0, 64, 0); /* reserved byte 4 */
    assert_bad_cdb(r, 4, 0);
    /* the log pages need no cartridge */
    struct vscsi_tgt_lun *e = vscsi_tgt_tape_new(NULL);
    assert_good(LOG_SENSE(e, b, 64, 0x4c, 0, 0));
    vscsi_tgt_free(e);
    vscsi_tgt_free(t);
}

static void test_counters(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *t = tape_loaded(0, 0);
    uint8_t w[3000] = {0}, b[512];
    struct vscsi_tgt_fault f = {.kind = VSCSI_FAULT_MEDIUM, .lba = 1, .count = 1};
    struct vscsi_tgt_result r;

    assert_good(tape_wr(t, w, 3000));
    assert_good(tape_wr(t, w, 1000));
    assert_good(tape_wr(t, w, 10));
    assert_good(RUN_NONE(t, 0x01, 0, 0, 0, 0, 0));
    assert_good(tape_rd(t, w, 3000));
    assert_int_equal(vscsi_tgt_inject(t, &f), 0);
    r = tape_rd(t, w, 3000); /* object 1: medium error */
    assert_sense(r, VSCSI_SK_MEDIUM_ERROR, 0x11, 0x00);
    assert_good(tape_rd(t, w, 3000));

    assert_good(LOG_SENSE(t, b, 512, 0x4c, 0, 0));
    assert_int_equal(b[0], 0x0c);
    assert_int_equal(param(b, 512, 0x0000), 4010);
    assert_int_equal(param(b, 512, 0x0001), 4010);
    assert_int_equal(param(b, 512, 0x0002), 3010);
    assert_int_equal(param(b, 512, 0x0003), 3010);
    assert_int_equal(param(b, 512, 0x0005), 62); /* MiB to early warning: 64 - 2 */
    assert_int_equal(param(b, 512, 0x0100), 0);
    assert_good(LOG_SENSE(t, b, 512, 0x42, 0, 0));
    assert_int_equal(b[0], 0x02);
    assert_int_equal(param(b, 512, 5), 4010);
    assert_int_equal(param(b, 512, 6), 0);
    assert_good(LOG_SENSE(t, b, 512, 0x43, 0, 0));
    assert_int_equal(param(b, 512, 5), 3010);
    assert_int_equal(param(b, 512, 6), 1);
    assert_int_equal(param(b, 512, 0), 0);
    /* parameter pointer: from 5 on */
    assert_good(LOG_SENSE(t, b, 512, 0x43, 0, 5));
    assert_int_equal(vscsi_get_be16(b + 2), 2 * 12);
    assert_int_equal(vscsi_get_be16(b + 4), 5);
    r = LOG_SENSE(t, b, 512, 0x43, 0, 7);
    assert_bad_cdb(r, 5, -1);
    /* default cumulative values are zero */
    assert_good(LOG_SENSE(t, b, 512, 0xc3, 0, 0));
    assert_int_equal(param(b, 512, 5), 0);
    assert_int_equal(param(b, 512, 6), 0);
    /* LOG SELECT PCR resets; a parameter list is refused and resets nothing */
    r = RUN_OUT(t, b, 8, 0x4c, 0x02, 0, 0, 0, 0, 0, 0, 8, 0);
    assert_bad_cdb(r, 7, -1);
    assert_good(LOG_SENSE(t, b, 512, 0x43, 0, 0));
    assert_int_equal(param(b, 512, 6), 1);
    assert_good(RUN_NONE(t, 0x4c, 0x02, 0, 0, 0, 0, 0, 0, 0, 0));
    assert_good(LOG_SENSE(t, b, 512, 0x43, 0, 0));
    assert_int_equal(param(b, 512, 5), 0);
    assert_int_equal(param(b, 512, 6), 0);
    vscsi_tgt_free(t);
}

static void test_tapealert(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *t = tape_loaded(0, 0);
    uint8_t b[512];
    struct vscsi_tgt_fault f;
    struct vscsi_tgt_result r;

    /* nothing set: 64 parameters of one byte, all zero */
    assert_good(LOG_SENSE(t, b, 512, 0x6e, 0, 0));
    assert_int_equal(b[0], 0x2e);
    assert_int_equal(vscsi_get_be16(b + 2), 64 * 5);
    for (uint16_t i = 1; i <= 64; i++)
        assert_int_equal(param(b, 512, i), 0);
    /* injected: flag 20 (clean now) on the 2nd command from here, once */
    assert_int_equal(vscsi_tgt_fault_parse("tapealert:flag=20,nth=2", &f), 0);
    assert_int_equal(f.kind, VSCSI_FAULT_TAPEALERT);
    assert_int_equal(f.flag, 20);
    assert_int_equal(vscsi_tgt_inject(t, &f), 0);
    assert_good(LOG_SENSE(t, b, 512, 0x6e, 0, 0)); /* command 1: not yet */
    assert_int_equal(param(b, 512, 20), 0);
    assert_good(RUN_NONE(t, 0x00, 0, 0, 0, 0, 0)); /* command 2 runs normally and sets it */
    /* a refused LOG SENSE does not consume the flags */
    r = LOG_SENSE(t, b, 512, 0x6e, 1, 0);
    assert_bad_cdb(r, 3, -1);
    /* the default values and the pointer form show ... */
    assert_good(LOG_SENSE(t, b, 512, 0xee, 0, 0));
    assert_int_equal(param(b, 512, 20), 0);
    assert_good(LOG_SENSE(t, b, 512, 0x6e, 0, 0x14));
    assert_int_equal(vscsi_get_be16(b + 2), (64 - 19) * 5);
    assert_int_equal(vscsi_get_be16(b + 4), 20);
    assert_int_equal(b[8], 1);
    /* ... and reading it cleared it */
    assert_good(LOG_SENSE(t, b, 512, 0x6e, 0, 0));
    assert_int_equal(param(b, 512, 20), 0);
    /* a write failure raises flag 6 by itself */
    uint8_t x = 1;
    f = (struct vscsi_tgt_fault){.kind = VSCSI_FAULT_MEDIUM, .lba = 0, .count = 1};
    assert_int_equal(vscsi_tgt_inject(t, &f), 0);
    assert_sense(tape_wr(t, &x, 1), VSCSI_SK_MEDIUM_ERROR, 0x0c, 0x00);
    assert_good(LOG_SENSE(t, b, 512, 0x6e, 0, 0));
    assert_int_equal(param(b, 512, 6), 1);
    assert_int_equal(param(b, 512, 5), 0);
    assert_good(LOG_SENSE(t, b, 512, 0x42, 0, 0));
    assert_int_equal(param(b, 512, 6), 1);
    /* bad specs and targets */
    assert_int_equal(vscsi_tgt_fault_parse("tapealert:flag=0", &f), -EINVAL);
    assert_int_equal(vscsi_tgt_fault_parse("tapealert:flag=65", &f), -EINVAL);
    assert_int_equal(vscsi_tgt_fault_parse("tapealert:nth=1", &f), -EINVAL);
    assert_int_equal(vscsi_tgt_fault_parse("tapealert:flag=3,lba=2", &f), -EINVAL);
    assert_int_equal(vscsi_tgt_fault_parse("sense:key=3,flag=3", &f), -EINVAL);
    struct vscsi_tgt_lun *d = vscsi_tgt_disk_new(NULL);
    f = (struct vscsi_tgt_fault){.kind = VSCSI_FAULT_TAPEALERT, .flag = 3};
    assert_int_equal(vscsi_tgt_inject(d, &f), -EINVAL);
    f.flag = 65;
    assert_int_equal(vscsi_tgt_inject(t, &f), -EINVAL);
    vscsi_tgt_free(d);
    vscsi_tgt_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_supported_pages),
        cmocka_unit_test(test_counters),
        cmocka_unit_test(test_tapealert),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
