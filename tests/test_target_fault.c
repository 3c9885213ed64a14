/* SPDX-License-Identifier: MIT */
/* Fault injection (each kind, counting, the --inject parser) and the stats counters. */
#include <errno.h>

#include "test_target_util.h"

static struct vscsi_tgt_result tur(struct vscsi_tgt_lun *l)
{
    return RUN_NONE(l, 0x00, 0, 0, 0, 0, 0);
}

/* The fields a row of test_parse_valid pins down (kind always). */
enum { NTH = 1, COUNT = 2, KEY = 4, ASC = 8, ASCQ = 16, LBA = 32, US = 64 };

struct parse_case {
    const char *spec;
    unsigned check;
    struct vscsi_tgt_fault want;
};

#define CHECK_FIELD(c, f, field, bit)                                                              \
    do {                                                                                           \
        if (((c)->check & (bit)) && (f).field != (c)->want.field)                                  \
            fail_msg("\"%s\": " #field " %llu, want %llu", (c)->spec,                              \
                     (unsigned long long)(f).field, (unsigned long long)(c)->want.field);          \
    } while (0)

static void test_parse_valid(void **state)
{
    /* In this order, into the same struct: a field a spec leaves out must be
     * reset, not kept from the previous parse. */
    /* clang-format off */
    static const struct parse_case cases[] = {
        {"sense:nth=5,key=3,asc=0x11,ascq=0", NTH | COUNT | KEY | ASC | ASCQ,
         {.kind = VSCSI_FAULT_SENSE, .nth = 5, .count = 1 /* "the nth command" */,
          .key = 3, .asc = 0x11, .ascq = 0}},
        {"medium:lba=100", LBA | COUNT,
         {.kind = VSCSI_FAULT_MEDIUM, .lba = 100, .count = 0}},
        {"delay:us=2000", US | NTH | COUNT,
         {.kind = VSCSI_FAULT_DELAY, .delay_us = 2000, .nth = 0, .count = 0}},
        {"hang:nth=3", NTH | COUNT,
         {.kind = VSCSI_FAULT_HANG, .nth = 3, .count = 1}},
        {"busy:nth=2,count=4", COUNT,
         {.kind = VSCSI_FAULT_BUSY, .count = 4}},
        {"busy", NTH,
         {.kind = VSCSI_FAULT_BUSY, .nth = 0}},
        {"medium:lba=0xffffffffffffffff,count=2", LBA,
         {.kind = VSCSI_FAULT_MEDIUM, .lba = UINT64_MAX}},
    };
    /* clang-format on */
    struct vscsi_tgt_fault f;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct parse_case *c = &cases[i];

        if (vscsi_tgt_fault_parse(c->spec, &f) != 0)
            fail_msg("refused \"%s\"", c->spec);
        CHECK_FIELD(c, f, kind, ~0u);
        CHECK_FIELD(c, f, nth, NTH);
        CHECK_FIELD(c, f, count, COUNT);
        CHECK_FIELD(c, f, key, KEY);
        CHECK_FIELD(c, f, asc, ASC);
        CHECK_FIELD(c, f, ascq, ASCQ);
        CHECK_FIELD(c, f, lba, LBA);
        CHECK_FIELD(c, f, delay_us, US);
    }
}

static void test_parse_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "bogus:nth=1",
        "sense",       /* key required */
        "sense:key=0", /* NO SENSE is not an error */
        "sense:key=16",
        "sense:key=3,asc=0x100",
        "sense:key=3,key=4",
        "sense:key=3,",
        "sense:key=3,lba=5", /* not a sense parameter */
        "sense:key=-3",
        "sense:key=3x",
        "sense:key",
        "medium",
        "medium:nth=2,lba=1",
        "delay:nth=1",
        "delay:us=4294967296",
        "hang:nth=",
        "hang:speed=1",
        "SENSE:key=3",
    };
    struct vscsi_tgt_fault f;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (vscsi_tgt_fault_parse(bad[i], &f) != -EINVAL)
            fail_msg("accepted \"%s\"", bad[i]);
    assert_int_equal(vscsi_tgt_fault_parse(NULL, &f), -EINVAL);
}

static void test_inject_limits(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = vscsi_tgt_disk_new(NULL);
    struct vscsi_tgt_fault f = {.kind = VSCSI_FAULT_DELAY, .delay_us = 1};

    assert_int_equal(vscsi_tgt_inject(lun, &(struct vscsi_tgt_fault){0}), -EINVAL);
    assert_int_equal(vscsi_tgt_inject(lun, &(struct vscsi_tgt_fault){.kind = 99}), -EINVAL);
    assert_int_equal(
        vscsi_tgt_inject(lun, &(struct vscsi_tgt_fault){.kind = VSCSI_FAULT_SENSE, .key = 0x10}),
        -EINVAL);
    assert_int_equal(vscsi_tgt_inject(lun, NULL), -EINVAL);
    for (int i = 0; i < 8; i++)
        assert_int_equal(vscsi_tgt_inject(lun, &f), 0);
    assert_int_equal(vscsi_tgt_inject(lun, &f), -ENOSPC);
    struct vscsi_tgt_result r = tur(lun);
    assert_int_equal(r.delay_us, 8); /* delays add up */
    vscsi_tgt_clear_faults(lun);
    assert_int_equal(tur(lun).delay_us, 0);
    assert_int_equal(vscsi_tgt_inject(lun, &f), 0);
    vscsi_tgt_free(lun);
}

/* Arms one fault given in --inject syntax. */
static void inject(struct vscsi_tgt_lun *lun, const char *spec)
{
    struct vscsi_tgt_fault f;

    assert_int_equal(vscsi_tgt_fault_parse(spec, &f), 0);
    assert_int_equal(vscsi_tgt_inject(lun, &f), 0);
}

static void test_sense_nth(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = vscsi_tgt_disk_new(NULL);
    struct vscsi_tgt_fault f;
    uint8_t b[36];

    assert_good(tur(lun)); /* commands before the injection do not count */
    inject(lun, "sense:nth=3,key=4,asc=0x44,ascq=0");
    assert_good(tur(lun));
    assert_good(tur(lun));
    struct vscsi_tgt_result r = RUN_IN(lun, b, sizeof(b), 0x12, 0, 0, 0, 36, 0);
    assert_sense(r, VSCSI_SK_HARDWARE_ERROR, 0x44, 0x00);
    assert_int_equal(r.residual, 36); /* preempted: nothing moved */
    assert_good(tur(lun));
    assert_good(tur(lun));

    /* count=2, from the 1st: two failures in a row */
    f = (struct vscsi_tgt_fault){
        .kind = VSCSI_FAULT_SENSE, .nth = 1, .count = 2, .key = 0xb, .asc = 0x47};
    assert_int_equal(vscsi_tgt_inject(lun, &f), 0);
    assert_sense(tur(lun), VSCSI_SK_ABORTED_COMMAND, 0x47, 0x00);
    assert_sense(tur(lun), VSCSI_SK_ABORTED_COMMAND, 0x47, 0x00);
    assert_good(tur(lun));
    vscsi_tgt_free(lun);
}

static void test_busy_and_hang(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = vscsi_tgt_disk_new(NULL);
    uint8_t w[512], rd[512];

    inject(lun, "busy:nth=2");
    assert_good(tur(lun));
    struct vscsi_tgt_result r = RUN_IN(lun, rd, 512, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0);
    assert_int_equal(r.status, VSCSI_SAM_BUSY);
    assert_int_equal(r.sense_len, 0);
    assert_int_equal(r.residual, 512);
    assert_good(tur(lun));

    /* a hung write never touches the medium */
    memset(w, 0x42, sizeof(w));
    inject(lun, "hang:nth=1");
    r = RUN_OUT(lun, w, 512, 0x2a, 0, 0, 0, 0, 7, 0, 0, 1, 0);
    assert_int_equal(r.hang, 1);
    assert_int_equal(r.residual, 512);
    assert_good(RUN_IN(lun, rd, 512, 0x28, 0, 0, 0, 0, 7, 0, 0, 1, 0));
    assert_int_equal(rd[0], 0);
    r = RUN_OUT(lun, w, 512, 0x2a, 0, 0, 0, 0, 7, 0, 0, 1, 0);
    assert_int_equal(r.hang, 0);
    assert_good(r);
    vscsi_tgt_free(lun);
}

static void test_delay(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = vscsi_tgt_disk_new(NULL);
    uint8_t rd[512];

    inject(lun, "delay:us=2000");
    for (int i = 0; i < 3; i++) {
        struct vscsi_tgt_result r = RUN_IN(lun, rd, 512, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0);
        assert_good(r); /* delayed, but executed */
        assert_int_equal(r.delay_us, 2000);
        assert_int_equal(r.residual, 0);
    }
    vscsi_tgt_clear_faults(lun);
    inject(lun, "delay:nth=2,us=7");
    assert_int_equal(tur(lun).delay_us, 0);
    assert_int_equal(tur(lun).delay_us, 7);
    assert_int_equal(tur(lun).delay_us, 0);
    vscsi_tgt_free(lun);
}

static void test_medium_disk(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = vscsi_tgt_disk_new(NULL);
    uint8_t w[4 * 512], rd[4 * 512];
    struct vscsi_tgt_result r;

    for (size_t i = 0; i < sizeof(w); i++)
        w[i] = (uint8_t)(i + 1);
    assert_good(RUN_OUT(lun, w, sizeof(w), 0x2a, 0, 0, 0, 0, 100, 0, 0, 4, 0));
    inject(lun, "medium:lba=102,count=2");
    /* reads not touching 102 are fine */
    assert_good(RUN_IN(lun, rd, 1024, 0x28, 0, 0, 0, 0, 100, 0, 0, 2, 0));
    /* the blocks before the bad one arrive, the information field names it */
    memset(rd, 0, sizeof(rd));
    r = RUN_IN(lun, rd, sizeof(rd), 0x28, 0, 0, 0, 0, 100, 0, 0, 4, 0);
    assert_sense(r, VSCSI_SK_MEDIUM_ERROR, 0x11, 0x00);
    assert_int_equal(sense_info(&r), 102);
    assert_int_equal(r.residual, 2 * 512);
    assert_memory_equal(rd, w, 1024);
    /* writes get WRITE ERROR */
    r = RUN_OUT(lun, w, 512, 0x2a, 0, 0, 0, 0, 102, 0, 0, 1, 0);
    assert_sense(r, VSCSI_SK_MEDIUM_ERROR, 0x0c, 0x00);
    assert_int_equal(sense_info(&r), 102);
    /* count exhausted */
    assert_good(RUN_IN(lun, rd, sizeof(rd), 0x28, 0, 0, 0, 0, 100, 0, 0, 4, 0));
    assert_memory_equal(rd, w, sizeof(w));
    /* VERIFY and WRITE SAME see it too */
    inject(lun, "medium:lba=5");
    r = RUN_NONE(lun, 0x2f, 0, 0, 0, 0, 0, 0, 0, 8, 0);
    assert_sense(r, VSCSI_SK_MEDIUM_ERROR, 0x11, 0x00);
    assert_int_equal(sense_info(&r), 5);
    r = RUN_OUT(lun, w, 512, 0x41, 0, 0, 0, 0, 0, 0, 0, 8, 0);
    assert_sense(r, VSCSI_SK_MEDIUM_ERROR, 0x0c, 0x00);
    assert_int_equal(sense_info(&r), 5);
    vscsi_tgt_free(lun);
}

static void test_medium_tape(void **state)
{
    (void)state;
    struct vscsi_tgt_tape_opts o = {.loaded = 1};
    struct vscsi_tgt_lun *t = vscsi_tgt_tape_new(&o);
    struct vscsi_tgt_fault f = {.kind = VSCSI_FAULT_MEDIUM, .lba = 1, .count = 1};
    uint8_t b[10] = "abcdefghi";
    struct vscsi_tgt_result r;

    for (int i = 0; i < 3; i++)
        assert_good(RUN_OUT(t, b, 10, 0x0a, 0, 0, 0, 10, 0));
    assert_good(RUN_NONE(t, 0x01, 0, 0, 0, 0, 0));
    assert_int_equal(vscsi_tgt_inject(t, &f), 0);
    assert_good(RUN_IN(t, b, 10, 0x08, 0, 0, 0, 10, 0));
    r = RUN_IN(t, b, 10, 0x08, 0, 0, 0, 10, 0);
    assert_sense(r, VSCSI_SK_MEDIUM_ERROR, 0x11, 0x00);
    assert_int_equal(sense_info(&r), 10);
    assert_good(RUN_IN(t, b, 10, 0x08, 0, 0, 0, 10, 0)); /* moved past the bad block */
    vscsi_tgt_free(t);
}

static void test_stats(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *lun = vscsi_tgt_disk_new(NULL);
    struct vscsi_tgt_stats s;
    uint8_t b[1024];

    vscsi_tgt_stats(lun, &s);
    assert_int_equal(s.commands, 0);
    assert_good(RUN_OUT(lun, b, 1024, 0x2a, 0, 0, 0, 0, 0, 0, 0, 2, 0));
    assert_good(RUN_IN(lun, b, 512, 0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0));
    assert_good(RUN_IN(lun, b, 1024, 0x12, 0, 0, 0, 36, 0));
    RUN_NONE(lun, 0xff, 0, 0, 0, 0, 0);
    struct vscsi_tgt_fault f = {.kind = VSCSI_FAULT_BUSY, .nth = 1, .count = 1};
    vscsi_tgt_inject(lun, &f);
    tur(lun);
    vscsi_tgt_stats(lun, &s);
    assert_int_equal(s.commands, 5);
    assert_int_equal(s.errors, 2);
    assert_int_equal(s.bytes_out, 1024);
    assert_int_equal(s.bytes_in, 512 + 36);
    vscsi_tgt_free(lun);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),   cmocka_unit_test(test_parse_invalid),
        cmocka_unit_test(test_inject_limits), cmocka_unit_test(test_sense_nth),
        cmocka_unit_test(test_busy_and_hang), cmocka_unit_test(test_delay),
        cmocka_unit_test(test_medium_disk),   cmocka_unit_test(test_medium_tape),
        cmocka_unit_test(test_stats),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
