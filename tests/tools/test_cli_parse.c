/* SPDX-License-Identifier: MIT */
/* The one number parser every tool uses: what it takes, what it refuses, and why. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "vscsi_cli.h"

struct u64_case {
    const char *s;
    uint64_t min, max;
    int rc;
    uint64_t want;
};

static void test_u64_table(void **state)
{
    static const struct u64_case t[] = {
        {"0", 0, 10, 0, 0},
        {"10", 0, 10, 0, 10},
        {"11", 0, 10, -ERANGE, 0},
        {"010", 0, 100, 0, 10}, /* decimal, not octal */
        {"0x10", 0, 100, 0, 16},
        {"0XfF", 0, 1000, 0, 255},
        {"18446744073709551615", 0, UINT64_MAX, 0, UINT64_MAX},
        {"0xffffffffffffffff", 0, UINT64_MAX, 0, UINT64_MAX},
        {"18446744073709551616", 0, UINT64_MAX, -ERANGE, 0},
        {"0x10000000000000000", 0, UINT64_MAX, -ERANGE, 0},
        {"99999999999999999999x", 0, UINT64_MAX, -EINVAL, 0}, /* overflow does not hide junk */
        {"", 0, 10, -EINVAL, 0},
        {"-1", 0, UINT64_MAX, -EINVAL, 0}, /* strtoull would say UINT64_MAX */
        {"+1", 0, 10, -EINVAL, 0},
        {" 1", 0, 10, -EINVAL, 0},
        {"1 ", 0, 10, -EINVAL, 0},
        {"1k", 0, 10000, -EINVAL, 0},
        {"abc", 0, 10, -EINVAL, 0},
        {"0x", 0, 10, -EINVAL, 0},
        {"0x1g", 0, 100, -EINVAL, 0},
        {"1.5", 0, 10, -EINVAL, 0},
        {"0", 1, 10, -ERANGE, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        uint64_t v = 12345;
        int rc = vscsi_cli_parse_u64(t[i].s, t[i].min, t[i].max, &v);
        if (rc != t[i].rc)
            fail_msg("'%s': rc %d, want %d", t[i].s, rc, t[i].rc);
        if (rc == 0 && v != t[i].want)
            fail_msg("'%s': %llu, want %llu", t[i].s, (unsigned long long)v,
                     (unsigned long long)t[i].want);
        if (rc != 0 && v != 12345)
            fail_msg("'%s': refused but wrote the output", t[i].s);
    }
    assert_int_equal(vscsi_cli_parse_u64(NULL, 0, 1, &(uint64_t){0}), -EINVAL);
}

struct dbl_case {
    const char *s;
    int rc;
    double want;
};

static void test_double_table(void **state)
{
    static const struct dbl_case t[] = {
        {"1", 0, 1},          {"0.5", 0, 0.5},       {"2.5e1", 0, 25},
        {"1e3", 0, 1000},     {"nan", -EINVAL, 0},   {"NaN", -EINVAL, 0},
        {"inf", -EINVAL, 0},  {"-inf", -EINVAL, 0},  {"infinity", -EINVAL, 0},
        {"0x10", -EINVAL, 0}, {"", -EINVAL, 0},      {" 1", -EINVAL, 0},
        {"1s", -EINVAL, 0},   {"1.2.3", -EINVAL, 0}, {"e", -EINVAL, 0},
        {"0", -ERANGE, 0},    {"-1", -ERANGE, 0},    {"1e400", -ERANGE, 0},
        {"1001", -ERANGE, 0},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        double v = -7;
        int rc = vscsi_cli_parse_double(t[i].s, 0.001, 1000, &v);
        if (rc != t[i].rc)
            fail_msg("'%s': rc %d, want %d", t[i].s, rc, t[i].rc);
        if (rc == 0 && v != t[i].want)
            fail_msg("'%s': %g, want %g", t[i].s, v, t[i].want);
        if (rc != 0 && v != -7)
            fail_msg("'%s': refused but wrote the output", t[i].s);
    }
}

static void test_wrappers_exit_code(void **state)
{
    unsigned u = 3;
    double d = 3;
    (void)state;
    assert_int_equal(vscsi_cli_uint("t", "--x", "4", 1, 16, &u), 0);
    assert_int_equal(u, 4);
    assert_int_equal(vscsi_cli_uint("t", "--x", "4294967296", 0, UINT32_MAX, &u), VSCSI_EXIT_USAGE);
    assert_int_equal(u, 4);
    assert_int_equal(vscsi_cli_double("t", "--x", "nan", 0, 1, &d), VSCSI_EXIT_USAGE);
    assert_int_equal(vscsi_cli_usage_error("t", "x"), VSCSI_EXIT_USAGE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_u64_table),
        cmocka_unit_test(test_double_table),
        cmocka_unit_test(test_wrappers_exit_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
