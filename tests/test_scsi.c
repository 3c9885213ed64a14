/* SPDX-License-Identifier: MIT */
/* include/vscsiif/scsi.h: the big-endian helpers and CDB builders against
 * byte layouts written out by hand from SPC/SBC, at the edges of each width. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vscsiif/scsi.h"

static void test_be_layout(void **state)
{
    (void)state;
    uint8_t b[8];
    memset(b, 0xaa, sizeof(b));
    vscsi_put_be16(b, 0x1234);
    assert_memory_equal(b, ((uint8_t[]){0x12, 0x34, 0xaa}), 3);
    memset(b, 0xaa, sizeof(b));
    vscsi_put_be24(b, 0xff123456u); /* the top byte is not part of a 24-bit field */
    assert_memory_equal(b, ((uint8_t[]){0x12, 0x34, 0x56, 0xaa}), 4);
    memset(b, 0xaa, sizeof(b));
    vscsi_put_be32(b, 0x01020304u);
    assert_memory_equal(b, ((uint8_t[]){1, 2, 3, 4, 0xaa}), 5);
    vscsi_put_be64(b, 0x0102030405060708ull);
    assert_memory_equal(b, ((uint8_t[]){1, 2, 3, 4, 5, 6, 7, 8}), 8);

    static const uint8_t hi[8] = {0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
    assert_int_equal(vscsi_get_be16(hi), 0xfedc);
    assert_int_equal(vscsi_get_be24(hi), 0xfedcba);
    assert_int_equal(vscsi_get_be32(hi), 0xfedcba98u);
    assert_true(vscsi_get_be64(hi) == 0xfedcba9876543210ull);
}

static void test_be_round_trip(void **state)
{
    (void)state;
    static const uint64_t v[] = {0,
                                 1,
                                 0x7f,
                                 0x80,
                                 0xff,
                                 0x100,
                                 0x7fff,
                                 0x8000,
                                 0xffff,
                                 0x10000,
                                 0xffffff,
                                 0x1000000,
                                 0x7fffffff,
                                 0x80000000u,
                                 0xffffffffu,
                                 0x100000000ull,
                                 0x8000000000000000ull,
                                 UINT64_MAX};
    uint8_t b[8];
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        vscsi_put_be16(b, (uint16_t)v[i]);
        assert_int_equal(vscsi_get_be16(b), (uint16_t)v[i]);
        vscsi_put_be24(b, (uint32_t)v[i]);
        assert_int_equal(vscsi_get_be24(b), (uint32_t)v[i] & 0xffffff);
        vscsi_put_be32(b, (uint32_t)v[i]);
        assert_int_equal(vscsi_get_be32(b), (uint32_t)v[i]);
        vscsi_put_be64(b, v[i]);
        assert_true(vscsi_get_be64(b) == v[i]);
    }
}

static void test_cdb10(void **state)
{
    (void)state;
    uint8_t c[16];
    memset(c, 0xee, sizeof(c));
    assert_int_equal(vscsi_cdb_read10(c, 0x11223344u, 0x5566), 10);
    assert_memory_equal(c, ((uint8_t[]){0x28, 0, 0x11, 0x22, 0x33, 0x44, 0, 0x55, 0x66, 0, 0xee}),
                        11);
    assert_int_equal(vscsi_cdb_write10(c, UINT32_MAX, UINT16_MAX), 10);
    assert_memory_equal(c, ((uint8_t[]){0x2a, 0, 0xff, 0xff, 0xff, 0xff, 0, 0xff, 0xff, 0}), 10);
    assert_int_equal(vscsi_cdb_rw10(c, VSCSI_OP_VERIFY_10, 0, 0), 10);
    assert_memory_equal(c, ((uint8_t[]){0x2f, 0, 0, 0, 0, 0, 0, 0, 0, 0}), 10);
}

static void test_cdb16(void **state)
{
    (void)state;
    uint8_t c[17];
    memset(c, 0xee, sizeof(c));
    assert_int_equal(vscsi_cdb_read16(c, 0x0102030405060708ull, 0x090a0b0cu), 16);
    assert_memory_equal(
        c, ((uint8_t[]){0x88, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0, 0, 0xee}), 17);
    assert_int_equal(vscsi_cdb_write16(c, UINT64_MAX, UINT32_MAX), 16);
    assert_memory_equal(c,
                        ((uint8_t[]){0x8a, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                     0xff, 0xff, 0xff, 0, 0}),
                        16);
    assert_true(vscsi_get_be64(c + 2) == UINT64_MAX);
    assert_int_equal(vscsi_cdb_read_capacity16(c, 32), 16);
    assert_memory_equal(c, ((uint8_t[]){0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0}),
                        16);
}

/* The names a reader looks up must carry the values of the standards. */
static void test_names(void **state)
{
    (void)state;
    assert_int_equal(VSCSI_OP_READ_CAPACITY_10, 0x25);
    assert_int_equal(VSCSI_OP_SERVICE_ACTION_IN_16, 0x9e);
    assert_int_equal(VSCSI_SA_READ_CAPACITY_16, 0x10);
    assert_int_equal(VSCSI_OP_REPORT_LUNS, 0xa0);
    assert_int_equal(VSCSI_OP_INQUIRY, 0x12);
    assert_int_equal(VSCSI_SAM_CHECK_CONDITION, 0x02);
    assert_int_equal(VSCSI_SAM_TASK_ABORTED, 0x40);
    assert_int_equal(VSCSI_SK_ILLEGAL_REQUEST, 0x5);
    assert_int_equal(VSCSI_SK_UNIT_ATTENTION, 0x6);
    assert_int_equal(VSCSI_ASC(VSCSI_ASC_INVALID_FIELD_IN_CDB), 0x24);
    assert_int_equal(VSCSI_ASCQ(VSCSI_ASC_INVALID_FIELD_IN_CDB), 0x00);
    assert_int_equal(VSCSI_ASC(VSCSI_ASC_MEDIUM_SOURCE_EMPTY), 0x3b);
    assert_int_equal(VSCSI_ASCQ(VSCSI_ASC_MEDIUM_SOURCE_EMPTY), 0x0e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_be_layout), cmocka_unit_test(test_be_round_trip),
        cmocka_unit_test(test_cdb10),     cmocka_unit_test(test_cdb16),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
