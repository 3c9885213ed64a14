/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vscsiif/devstr.h"

#define MAXE 16

struct bad {
    const char *text;
    int rc;
    unsigned line;
    unsigned col;
};

static void check_bad(const struct bad *b, size_t count, bool file)
{
    for (size_t i = 0; i < count; i++) {
        struct vscsi_config_entry e[MAXE];
        struct vscsi_parse_error err;
        size_t n = 99;

        memset(&err, 0, sizeof(err));
        int rc = file ? vscsi_config_parse_file(b[i].text, e, MAXE, &n, &err)
                      : vscsi_config_parse(b[i].text, e, MAXE, &n, &err);
        if (rc != b[i].rc || err.code != rc || err.line != b[i].line || err.column != b[i].col) {
            print_error("\"%s\": rc %d at %u:%u (%s), want rc %d at %u:%u\n", b[i].text, rc,
                        err.line, err.column, err.message, b[i].rc, b[i].line, b[i].col);
            fail();
        }
        assert_true(n < MAXE);
    }
}

static void expect_entry(const struct vscsi_config_entry *e, const char *pdev, const char *vdev,
                         bool feature_host)
{
    char buf[VSCSI_PDEV_STR_SIZE];

    assert_true(vscsi_pdev_format(&e->pdev, buf, sizeof(buf)) > 0);
    assert_string_equal(buf, pdev);
    assert_true(vscsi_vdev_format(&e->vdev, buf, sizeof(buf)) > 0);
    assert_string_equal(buf, vdev);
    assert_int_equal(e->feature_host, feature_host);
}

static void test_whole_line(void **state)
{
    static const char text[] =
        "vscsi = [ 'naa.0123456789abcdef:0,0:0:0:0' , \"/dev/sg3, 0:0:1:0\",\n"
        "          # a comment with ' and \" and ] in it\n"
        "\t'tpg_1:4,0:1:2:3',   # trailing comment\n"
        "          '1:2:3:4,0:0:2:0', ] ; # the end\n";
    struct vscsi_config_entry e[MAXE];
    struct vscsi_parse_error err;
    size_t n = 0;

    (void)state;
    assert_int_equal(vscsi_config_parse(text, e, MAXE, &n, &err), 0);
    assert_int_equal(n, 4);
    expect_entry(&e[0], "naa.0123456789abcdef:0", "0:0:0:0", false);
    expect_entry(&e[1], "/dev/sg3", "0:0:1:0", false);
    expect_entry(&e[2], "tpg_1:4", "0:1:2:3", false);
    expect_entry(&e[3], "1:2:3:4", "0:0:2:0", false);
    assert_int_equal(e[0].offset, 10);
    assert_int_equal(text[e[1].offset], '"');
    assert_int_equal(text[e[2].offset], '\'');
}

static void test_forms(void **state)
{
    struct vscsi_config_entry e[MAXE];
    size_t n = 0;

    (void)state;
    assert_int_equal(vscsi_config_parse("['0:0:0:0,0:0:0:0']", e, MAXE, &n, NULL), 0);
    assert_int_equal(n, 1);
    assert_int_equal(
        vscsi_config_parse("  '0:0:0:0,1:0:0:0,feature-host'  # c\n", e, MAXE, &n, NULL), 0);
    assert_int_equal(n, 1);
    expect_entry(&e[0], "0:0:0:0", "1:0:0:0", true);
    assert_int_equal(vscsi_config_parse("\"naa.0123456789abcdef:1,2:0:0:1\"", e, MAXE, &n, NULL),
                     0);
    expect_entry(&e[0], "naa.0123456789abcdef:1", "2:0:0:1", false);
    /* Bare entry, as given on a command line. */
    assert_int_equal(vscsi_config_parse(" /dev/sg0 , 0:0:0:5 , feature-host \n", e, MAXE, &n, NULL),
                     0);
    assert_int_equal(n, 1);
    expect_entry(&e[0], "/dev/sg0", "0:0:0:5", true);
    assert_int_equal(e[0].offset, 1);
    /* Spaces around the fields inside quotes. */
    assert_int_equal(
        vscsi_config_parse("vscsi=[' 0:0:0:0 , 0:0:0:1 , feature-host ']", e, MAXE, &n, NULL), 0);
    expect_entry(&e[0], "0:0:0:0", "0:0:0:1", true);
    /* '#' inside quotes is data. */
    assert_int_equal(vscsi_config_parse("['/dev/a#b,0:0:0:0'] # x", e, MAXE, &n, NULL), 0);
    expect_entry(&e[0], "/dev/a#b", "0:0:0:0", false);
    /* Empty lists. */
    n = 7;
    assert_int_equal(vscsi_config_parse("[]", e, MAXE, &n, NULL), 0);
    assert_int_equal(n, 0);
    assert_int_equal(vscsi_config_parse("vscsi = [ # nothing\n ];", NULL, 0, &n, NULL), 0);
    assert_int_equal(n, 0);
    assert_int_equal(vscsi_config_parse("vscsi = [ , ]", e, MAXE, &n, NULL), -EINVAL);
}

static void test_grouping(void **state)
{
    static const char text[] = "['0:0:0:0,2:0:0:0,feature-host', '0:0:0:1,0:0:0:1',"
                               " '0:0:0:2,2:0:0:1,feature-host', '0:0:0:3,1:0:0:0',"
                               " '0:0:0:4,0:0:0:0', '0:0:0:5,2:0:0:2,feature-host']";
    struct vscsi_config_entry e[MAXE];
    size_t n = 0;

    (void)state;
    assert_int_equal(vscsi_config_parse(text, e, MAXE, &n, NULL), 0);
    assert_int_equal(n, 6);
    /* Stable: grouped by vhost, file order within each vhost. */
    expect_entry(&e[0], "0:0:0:1", "0:0:0:1", false);
    expect_entry(&e[1], "0:0:0:4", "0:0:0:0", false);
    expect_entry(&e[2], "0:0:0:3", "1:0:0:0", false);
    expect_entry(&e[3], "0:0:0:0", "2:0:0:0", true);
    expect_entry(&e[4], "0:0:0:2", "2:0:0:1", true);
    expect_entry(&e[5], "0:0:0:5", "2:0:0:2", true);
    for (size_t i = 1; i < n; i++)
        assert_true(e[i - 1].vdev.host <= e[i].vdev.host);
    assert_int_equal(e[0].offset, 33);
    /* Same c:t:l on different vhosts is not a duplicate. */
    assert_int_equal(vscsi_config_parse("['0:0:0:0,0:0:0:0','0:0:0:0,1:0:0:0']", e, MAXE, &n, NULL),
                     0);
}

static void test_errors(void **state)
{
    static const struct bad cases[] = {
        {"", -EINVAL, 1, 1},
        {"   # only a comment\n", -EINVAL, 2, 1},
        {"vscsi = [ '0:0:0:0 0:0:0:1' ]", -EINVAL, 1, 20},
        {"vscsi = [ '0:0:0:0' ]", -EINVAL, 1, 19},
        {"vscsi = [ '0:0:0:0;0:0:0:1' ]", -EINVAL, 1, 19},
        /* unterminated quote */
        {"vscsi = [ '0:0:0:0,0:0:0:0 ]", -EINVAL, 1, 11},
        {"vscsi = [ \"0:0:0:0,0:0:0:0\n\" ]", -EINVAL, 1, 11},
        {"'0:0:0:0,0:0:0:0", -EINVAL, 1, 1},
        /* brackets */
        {"vscsi = [ '0:0:0:0,0:0:0:0'", -EINVAL, 1, 28},
        {"vscsi = [ '0:0:0:0,0:0:0:0',\n", -EINVAL, 2, 1},
        {"vscsi = '0:0:0:0,0:0:0:0'", -EINVAL, 1, 9},
        {"vscsi =\n[ '0:0:0:0,0:0:0:0' ]", -EINVAL, 1, 8},
        {"[ 0:0:0:0 ]", -EINVAL, 1, 3},
        {"[,]", -EINVAL, 1, 2},
        {"['0:0:0:0,0:0:0:0' '0:0:0:1,0:0:0:1']", -EINVAL, 1, 20},
        {"[['0:0:0:0,0:0:0:0']]", -EINVAL, 1, 2},
        /* junk after list / entry */
        {"vscsi = [ '0:0:0:0,0:0:0:0' ] x", -EINVAL, 1, 31},
        {"[];;", -EINVAL, 1, 4},
        {"[] ]", -EINVAL, 1, 4},
        {"'0:0:0:0,0:0:0:0' x", -EINVAL, 1, 19},
        {"0:0:0:0,0:0:0:0 x", -EINVAL, 1, 17},
        {"0:0:0:0,0:0:0:0 # no comments in a bare entry", -EINVAL, 1, 17},
        /* keys */
        {"disk = [ 'x' ]", -EINVAL, 1, 1},
        {"vscsi += [ ]", -ENOTSUP, 1, 7},
        /* entry structure */
        {"['']", -EINVAL, 1, 2},
        {"[' ']", -EINVAL, 1, 2},
        {"[',0:0:0:0']", -EINVAL, 1, 3},
        {"['0:0:0:0,']", -EINVAL, 1, 11},
        {"['0:0:0:0,0:0:0:0,']", -EINVAL, 1, 19},
        {"['0:0:0:0,0:0:0:0 feature-host']", -EINVAL, 1, 19},
        {"['0:0:0:0,0:0:0:0,feature-hots']", -EINVAL, 1, 19},
        {"['0:0:0:0,0:0:0:0,Feature-Host']", -EINVAL, 1, 19},
        {"['0:0:0:0,0:0:0:0,feature-host,feature-host']", -EINVAL, 1, 32},
        {"['0:0:0:0,0:0:0:0,feature-host x']", -EINVAL, 1, 32},
        {"['0:0:0:0\\,0:0:0:0']", -EINVAL, 1, 10},
        /* field contents, positions inside the field */
        {"vscsi = [ '0:0:0:4294967296,0:0:0:0' ]", -ERANGE, 1, 18},
        {"[ '0:0:0:0, 0:0:0:65536' ]", -ERANGE, 1, 19},
        {"[ '0:0:0:0, 0:65536:0:0' ]", -ERANGE, 1, 15},
        {"['a23456789012345678901234567890:0,0:0:0:0']", -ENAMETOOLONG, 1, 3},
        {"['naa.0123456789abcde:0,0:0:0:0']", -EINVAL, 1, 22},
        {"['naa.0123456789abcdeg:0,0:0:0:0']", -EINVAL, 1, 22},
        {"['naa.0123456789abcdef0123456789abcdef:0,0:0:0:0']", -EINVAL, 1, 23},
        {"['naa.0123456789abcdef:4294967296,0:0:0:0']", -ERANGE, 1, 24},
        {"['-1:0:0:0,0:0:0:0']", -EINVAL, 1, 3},
        {"['0:0:0,0:0:0:0']", -EINVAL, 1, 8},
        {"['0:0:0:0:0,0:0:0:0']", -EINVAL, 1, 10},
        {"['0:0:x:0,0:0:0:0']", -EINVAL, 1, 7},
        {"['0:0:0:0,0:0:0']", -EINVAL, 1, 16},
        {"['0:0:0:0,0:0:0:0:0']", -EINVAL, 1, 18},
        {"['/tmp/sg0,0:0:0:0']", -EINVAL, 1, 3},
        {"['sda,0:0:0:0']", -EINVAL, 1, 6},
        /* cross-entry rules */
        {"['0:0:0:0,1:0:0:0', '0:0:0:1,1:0:0:0']", -EEXIST, 1, 30},
        {"['0:0:0:0,1:0:0:0', '0:0:0:1,1:0:0:1,feature-host']", -EINVAL, 1, 21},
        {"['0:0:0:0,1:0:0:0,feature-host', '0:0:0:1,1:0:0:1']", -EINVAL, 1, 34},
        /* multi-line positions */
        {"vscsi = [\n  '0:0:0:0,0:0:0:0',\n  '0:0:0:1,0:0:0:x',\n]", -EINVAL, 3, 18},
        {"vscsi = [\n  '0:0:0:0,0:0:0:0',\n  '0:0:0:1,0:0:0:0',\n]", -EEXIST, 3, 12},
    };

    (void)state;
    check_bad(cases, sizeof(cases) / sizeof(cases[0]), false);
}

static void test_error_message(void **state)
{
    struct vscsi_config_entry e[MAXE];
    struct vscsi_parse_error err;
    size_t n;

    (void)state;
    assert_int_equal(vscsi_config_parse("vscsi = ['0:0:0:0 0:0:0:1']", e, MAXE, &n, &err), -EINVAL);
    assert_string_equal(err.message, "expected ',' after p-dev at line 1, column 19");
    assert_int_equal(err.offset, 18);
    assert_int_equal(vscsi_config_parse("['0:0:0:0,0:0:0:0,bogus\x01']", e, MAXE, &n, &err),
                     -EINVAL);
    assert_string_equal(err.message, "unknown option 'bogus?' at line 1, column 19");
    assert_int_equal(vscsi_config_parse("['0:0:0:0,1:2:3:4','0:0:0:0,1:2:3:4']", e, MAXE, &n, &err),
                     -EEXIST);
    assert_string_equal(err.message, "duplicate v-dev 1:2:3:4 at line 1, column 29");
    assert_int_equal(vscsi_config_parse("['0:0:0:99999999999,0:0:0:0']", e, MAXE, &n, &err),
                     -ERANGE);
    assert_string_equal(err.message, "p-dev: number out of range at line 1, column 9");
    /* Without the explicit check the backslash would still fail, but as a p-dev character. */
    assert_int_equal(vscsi_config_parse("['0:0:0:0\\,0:0:0:0']", e, MAXE, &n, &err), -EINVAL);
    assert_string_equal(err.message,
                        "backslash escapes are not supported here at line 1, column 10");
}

static void test_capacity(void **state)
{
    struct vscsi_config_entry e[2];
    struct vscsi_parse_error err;
    size_t n = 99;

    (void)state;
    assert_int_equal(vscsi_config_parse("['0:0:0:0,0:0:0:0', '0:0:0:1,0:0:0:1']", e, 1, &n, &err),
                     -ENOSPC);
    assert_int_equal(n, 1);
    assert_int_equal(err.column, 21);
    expect_entry(&e[0], "0:0:0:0", "0:0:0:0", false);
    assert_int_equal(vscsi_config_parse("['0:0:0:0,0:0:0:0']", NULL, 0, &n, &err), -ENOSPC);
    assert_int_equal(n, 0);
    /* A syntax error in the entry that does not fit wins over -ENOSPC. */
    assert_int_equal(vscsi_config_parse("['0:0:0:0,0:0:0:0', 'x']", e, 1, &n, &err), -EINVAL);
    assert_int_equal(vscsi_config_parse("['0:0:0:0,0:0:0:0', '0:0:0:1,0:0:0:1']", e, 2, &n, NULL),
                     0);
    assert_int_equal(n, 2);
    /* Bad arguments. */
    assert_int_equal(vscsi_config_parse(NULL, e, 2, &n, &err), -EINVAL);
    assert_int_equal(vscsi_config_parse("[]", e, 2, NULL, &err), -EINVAL);
    assert_int_equal(vscsi_config_parse("[]", NULL, 2, &n, &err), -EINVAL);
}

static const char domain_cfg[] = "# a domain\n"
                                 "name = \"guest\"\n"
                                 "memory=1024; vcpus = 2\n"
                                 "extra = \"console=hvc0 \\\"quoted [ ] # \\\" \"\n"
                                 "disk = [ 'phy:/dev/vg/x,xvda,w', # ] ' \" not a string\n"
                                 "         [ 'nested', \"]\" ], ]\n"
                                 "vscsi = [ '/dev/sg1,0:0:0:0',\n"
                                 "          'naa.0123456789abcdef:2,0:0:0:1', ]  # two LUNs\n"
                                 "vif = [ 'bridge=br0' ]\n";

static void test_find(void **state)
{
    size_t off = 0, len = 0;
    struct vscsi_parse_error err;
    const char *want = strstr(domain_cfg, "[ '/dev/sg1");

    (void)state;
    assert_int_equal(vscsi_config_find(domain_cfg, &off, &len, &err), 0);
    assert_int_equal(off, (size_t)(want - domain_cfg));
    assert_int_equal(domain_cfg[off + len - 1], ']');
    assert_int_equal(len, strlen("[ '/dev/sg1,0:0:0:0',\n"
                                 "          'naa.0123456789abcdef:2,0:0:0:1', ]"));

    assert_int_equal(vscsi_config_find("name = 'x'\n", &off, &len, &err), -ENOENT);
    assert_int_equal(vscsi_config_find("", &off, &len, &err), -ENOENT);
    assert_int_equal(vscsi_config_find(NULL, &off, &len, &err), -EINVAL);
    /* a key that merely starts with vscsi */
    assert_int_equal(vscsi_config_find("vscsi_x = [ ]\nvscsix=1\n", &off, &len, &err), -ENOENT);
    assert_int_equal(vscsi_config_find("vscsi=[]", &off, &len, &err), 0);
    assert_int_equal(off, 6);
    assert_int_equal(len, 2);
}

static void test_parse_file(void **state)
{
    struct vscsi_config_entry e[MAXE];
    struct vscsi_parse_error err;
    size_t n = 0;

    (void)state;
    assert_int_equal(vscsi_config_parse_file(domain_cfg, e, MAXE, &n, &err), 0);
    assert_int_equal(n, 2);
    expect_entry(&e[0], "/dev/sg1", "0:0:0:0", false);
    expect_entry(&e[1], "naa.0123456789abcdef:2", "0:0:0:1", false);
    assert_int_equal(e[1].offset, (size_t)(strstr(domain_cfg, "'naa.") - domain_cfg));

    n = 5;
    assert_int_equal(vscsi_config_parse_file("name = 'x'\n", e, MAXE, &n, &err), -ENOENT);
    assert_int_equal(n, 0);
    assert_int_equal(err.code, -ENOENT);
}

static void test_file_errors(void **state)
{
    static const struct bad cases[] = {
        {"name = 'x'\nvscsi = [ '0:0:0:0,0:0:0:0' ]\nvscsi = [ ]\n", -EINVAL, 3, 1},
        {"vscsi = '0:0:0:0,0:0:0:0'\n", -EINVAL, 1, 9},
        {"vscsi = 1\n", -EINVAL, 1, 9},
        {"vscsi =\n[]\n", -EINVAL, 1, 8},
        {"name = 'x\nvscsi = []\n", -EINVAL, 1, 8},
        {"name = \"x\" disk = []\n", -EINVAL, 1, 12},
        {"name \"x\"\n", -EINVAL, 1, 6},
        {"= 1\n", -EINVAL, 1, 1},
        {"disk = [ 'a'\nvscsi = []\n", -EINVAL, 1, 8},
        {"vscsi += [ '0:0:0:0,0:0:0:0' ]\n", -ENOTSUP, 1, 1},
        {"name = 'x'\n\nvscsi = [ '0:0:0:0,0:0:0:0',\n  '0:0:0:0,0:0:0:0' ]\n", -EEXIST, 4, 12},
        {"vscsi = [ '0:0:0:0,0:0:0:0', 1 ]\n", -EINVAL, 1, 30},
        {"vscsi = [ '0:0:0:0,0:0:0:0' ] x\n", -EINVAL, 1, 31},
        {"vscsi = [ '0:0:0:0\\',0:0:0:0' ]\n", -EINVAL, 1, 19},
        {"name = 'x'\n", -ENOENT, 1, 1},
    };

    (void)state;
    check_bad(cases, sizeof(cases) / sizeof(cases[0]), true);
}

static bool entries_equal(const struct vscsi_config_entry *a, const struct vscsi_config_entry *b)
{
    return vscsi_pdev_equal(&a->pdev, &b->pdev) && a->vdev.host == b->vdev.host &&
           a->vdev.nexus.channel == b->vdev.nexus.channel && a->vdev.nexus.id == b->vdev.nexus.id &&
           a->vdev.nexus.lun == b->vdev.nexus.lun && a->feature_host == b->feature_host;
}

static void test_format_round_trip(void **state)
{
    static const char text[] =
        "vscsi = [ '/dev/sg1,1:0:0:0,feature-host', 'naa.0123456789"
        "abcdef:2,0:0:0:1', 'tpg:7,1:0:0:3,feature-host', '1:2:3:4, 0:0:0:9' ]";
    struct vscsi_config_entry e[MAXE], f[MAXE];
    char buf[1024], small[12];
    size_t n, m;
    int len;

    (void)state;
    assert_int_equal(vscsi_config_parse(text, e, MAXE, &n, NULL), 0);
    assert_int_equal(n, 4);
    len = vscsi_config_format(e, n, buf, sizeof(buf));
    assert_int_equal(len, (int)strlen(buf));
    assert_string_equal(buf, "vscsi = [ 'naa.0123456789abcdef:2,0:0:0:1', '1:2:3:4,0:0:0:9', "
                             "'/dev/sg1,1:0:0:0,feature-host', 'tpg:7,1:0:0:3,feature-host' ]");
    assert_int_equal(vscsi_config_parse(buf, f, MAXE, &m, NULL), 0);
    assert_int_equal(m, n);
    for (size_t i = 0; i < n; i++)
        assert_true(entries_equal(&e[i], &f[i]));

    assert_int_equal(vscsi_config_format(e, n, small, sizeof(small)), len);
    assert_string_equal(small, "vscsi = [ '");
    assert_int_equal(vscsi_config_format(e, n, NULL, 0), len);
    assert_int_equal(vscsi_config_format(NULL, 0, buf, sizeof(buf)), 11);
    assert_string_equal(buf, "vscsi = [ ]");
    assert_int_equal(vscsi_config_parse(buf, f, MAXE, &m, NULL), 0);
    assert_int_equal(m, 0);
    assert_int_equal(vscsi_config_format(NULL, 1, buf, sizeof(buf)), -EINVAL);

    assert_int_equal(vscsi_config_entry_format(&e[2], buf, sizeof(buf)), 29);
    assert_string_equal(buf, "/dev/sg1,1:0:0:0,feature-host");
    assert_int_equal(vscsi_config_parse(buf, f, MAXE, &m, NULL), 0);
    assert_true(entries_equal(&e[2], &f[0]));

    /* An entry that cannot be formatted fails the whole list, leaving "". */
    e[1].pdev.kind = VSCSI_PDEV_NONE;
    assert_int_equal(vscsi_config_format(e, n, buf, sizeof(buf)), -EINVAL);
    assert_string_equal(buf, "");
    assert_int_equal(vscsi_config_entry_format(&e[1], buf, sizeof(buf)), -EINVAL);
    assert_int_equal(vscsi_config_entry_format(NULL, buf, sizeof(buf)), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_line),    cmocka_unit_test(test_forms),
        cmocka_unit_test(test_grouping),      cmocka_unit_test(test_errors),
        cmocka_unit_test(test_error_message), cmocka_unit_test(test_capacity),
        cmocka_unit_test(test_find),          cmocka_unit_test(test_parse_file),
        cmocka_unit_test(test_file_errors),   cmocka_unit_test(test_format_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
