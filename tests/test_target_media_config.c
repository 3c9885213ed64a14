/* SPDX-License-Identifier: MIT */
/* The fake library's option string: what it accepts, what it refuses and why. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_target_util.h"

static void test_defaults_and_full(void **state)
{
    (void)state;
    struct vscsi_tgt_media_config c;
    char err[200], dir[] = "/tmp/vscsi_cfg_XXXXXX", s[512];

    assert_int_equal(vscsi_tgt_media_config_parse("", &c, err, sizeof(err)), 0);
    assert_int_equal(c.tape.capacity, 64u << 20);
    assert_int_equal(c.tape.early_warning, 0);
    assert_null(c.tape.serial);
    assert_null(c.tape.path);
    assert_null(c.tape.barcode);
    assert_int_equal(c.tape.power_on_ua, 0);
    assert_int_equal(c.changer.nbarcodes, 0);
    assert_int_equal(c.changer.slots, 0);

    assert_non_null(mkdtemp(dir));
    snprintf(s, sizeof(s),
             "capacity=2G,ew=1M,serial=DRV-01,changer-serial=LIB_7,barcodes=A0001L6:B0002L6,"
             "medium-serial=MS,slots=4,ie=2,dir=%s,ua=1",
             dir);
    assert_int_equal(vscsi_tgt_media_config_parse(s, &c, err, sizeof(err)), 0);
    assert_int_equal(c.tape.capacity, 2ull << 30);
    assert_int_equal(c.tape.early_warning, 1u << 20);
    assert_string_equal(c.tape.serial, "DRV-01");
    assert_string_equal(c.changer.serial, "LIB_7");
    assert_string_equal(c.tape.barcode, "A0001L6");
    assert_int_equal(c.changer.nbarcodes, 2);
    assert_string_equal(c.changer.barcodes[1], "B0002L6");
    assert_string_equal(c.tape.medium_serial_prefix, "MS");
    assert_int_equal(c.changer.slots, 4);
    assert_int_equal(c.changer.ie_ports, 2);
    assert_string_equal(c.tape.path, dir);
    assert_string_equal(c.changer.path, dir);
    assert_int_equal(c.tape.power_on_ua, 1);
    assert_int_equal(c.changer.power_on_ua, 1);

    /* the options build a working library */
    c.tape.loaded = 0;
    struct vscsi_tgt_lun *tape = vscsi_tgt_tape_new(&c.tape);
    assert_non_null(tape);
    c.changer.drives = &tape;
    c.changer.ndrives = 1;
    struct vscsi_tgt_lun *chg = vscsi_tgt_changer_new(&c.changer);
    assert_non_null(chg);
    uint8_t b[96];
    assert_good(RUN_IN(chg, b, 96, 0x12, 1, 0x80, 0, 96, 0));
    assert_memory_equal(b + 4, "LIB_7", 5);
    struct vscsi_tgt_result r = RUN_NONE(chg, 0x00, 0, 0, 0, 0, 0);
    assert_sense(r, VSCSI_SK_UNIT_ATTENTION, 0x29, 0x00);
    r = RUN_NONE(tape, 0x00, 0, 0, 0, 0, 0);
    assert_sense(r, VSCSI_SK_UNIT_ATTENTION, 0x29, 0x00);
    vscsi_tgt_free(chg);
    vscsi_tgt_free(tape);
    snprintf(s, sizeof(s), "%s/library.inv", dir);
    unlink(s);
    assert_int_equal(rmdir(dir), 0);
}

static void test_refused(void **state)
{
    (void)state;
    static const struct {
        const char *s, *msg;
    } bad[] = {
        {"capacity", "expected key=value"},
        {"capacity=", "empty value"},
        {"capacity=1G,capacity=2G", "given twice"},
        {"size=1G", "unknown key 'size'"},
        {"capacity=1X", "capacity"},
        {"capacity=1GB", "capacity"},
        {"capacity=-1", "capacity"},
        {"capacity=1K", "64K to 16T"},
        {"capacity=17T", "64K to 16T"},
        {"capacity=99999999999999999999", "capacity"},
        {"capacity=1M,ew=1M", "below the capacity"},
        {"ew=0", "ew"},
        {"serial=has space", "serial"},
        {"serial=123456789012345678901", "serial"},
        {"changer-serial=a/b", "changer-serial"},
        {"barcodes=A1::B2", "empty"},
        {"barcodes=A1:A1", "twice"},
        {"barcodes=lower", "not 1-32"},
        {"barcodes=../../etc", "not 1-32"},
        {"barcodes=A23456789012345678901234567890123", "not 1-32"},
        {"slots=2,barcodes=A:B:C", "3 tags for 2 slots"},
        {"slots=0", "slots"},
        {"slots=4097", "slots"},
        {"slots=4K", "slots"},
        {"ie=0", "ie"},
        {"dir=/nonexistent/vscsi", "not an existing directory"},
        {"dir=/etc/passwd", "not an existing directory"},
        {"ua=2", "ua"},
        {"capacity=1G,", "trailing comma"},
        {",capacity=1G", "expected key=value"},
        {"medium-serial=12345678901234567", "medium-serial"},
    };
    struct vscsi_tgt_media_config c, keep;
    char err[200];

    memset(&keep, 0x5a, sizeof(keep));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memcpy(&c, &keep, sizeof(c));
        int rc = vscsi_tgt_media_config_parse(bad[i].s, &c, err, sizeof(err));
        if (rc != -EINVAL || !strstr(err, bad[i].msg))
            fail_msg("'%s': rc %d, message '%s', want '%s'", bad[i].s, rc, err, bad[i].msg);
        assert_memory_equal(&c, &keep, sizeof(c)); /* untouched */
    }
    assert_int_equal(vscsi_tgt_media_config_parse(NULL, &c, err, sizeof(err)), -EINVAL);
    assert_int_equal(vscsi_tgt_media_config_parse("", NULL, NULL, 0), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_and_full),
        cmocka_unit_test(test_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
