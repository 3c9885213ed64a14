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

struct bad {
    const char *s;
    int rc;
    unsigned col;
};

/* Tables keep the cases readable; the helper names the failing input because
 * cmocka alone would only show two mismatching numbers. */
static void check_bad_pdev(const struct bad *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct vscsi_pdev p;
        struct vscsi_parse_error e;

        memset(&p, 0xa5, sizeof(p));
        memset(&e, 0, sizeof(e));
        int rc = vscsi_pdev_parse(b[i].s, &p, &e);
        if (rc != b[i].rc || e.code != b[i].rc || e.column != b[i].col || e.line != 1) {
            print_error("p-dev \"%s\": rc %d col %u (%s), want rc %d col %u\n", b[i].s, rc,
                        e.column, e.message, b[i].rc, b[i].col);
            fail();
        }
        /* Failure must leave the caller's struct untouched. */
        assert_int_equal(((unsigned char *)&p)[0], 0xa5);
        assert_non_null(strstr(e.message, "column"));
    }
}

static void check_bad_vdev(const struct bad *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct vscsi_vdev v;
        struct vscsi_parse_error e;

        memset(&e, 0, sizeof(e));
        int rc = vscsi_vdev_parse(b[i].s, &v, &e);
        if (rc != b[i].rc || e.code != b[i].rc || e.column != b[i].col) {
            print_error("v-dev \"%s\": rc %d col %u (%s), want rc %d col %u\n", b[i].s, rc,
                        e.column, e.message, b[i].rc, b[i].col);
            fail();
        }
    }
}

/* parse -> format must give `canon`, and canon must parse to the same value. */
static void round_trip(const char *in, const char *canon, enum vscsi_pdev_kind kind)
{
    struct vscsi_pdev p, q;
    char buf[VSCSI_PDEV_STR_SIZE];

    if (vscsi_pdev_parse(in, &p, NULL) != 0) {
        print_error("p-dev \"%s\" did not parse\n", in);
        fail();
    }
    assert_int_equal(p.kind, kind);
    int n = vscsi_pdev_format(&p, buf, sizeof(buf));
    assert_int_equal(n, (int)strlen(canon));
    assert_string_equal(buf, canon);
    assert_int_equal(vscsi_pdev_parse(buf, &q, NULL), 0);
    assert_true(vscsi_pdev_equal(&p, &q));
    assert_memory_equal(&p, &q, sizeof(p));
}

static void test_pdev_hctl(void **state)
{
    struct vscsi_pdev p;

    (void)state;
    assert_int_equal(vscsi_pdev_parse("1:2:3:4", &p, NULL), 0);
    assert_int_equal(p.kind, VSCSI_PDEV_HCTL);
    assert_int_equal(p.hctl.host, 1);
    assert_int_equal(p.hctl.channel, 2);
    assert_int_equal(p.hctl.target, 3);
    assert_int_equal(p.hctl.lun, 4);
    round_trip("0:0:0:0", "0:0:0:0", VSCSI_PDEV_HCTL);
    round_trip("4294967295:4294967295:4294967295:4294967295",
               "4294967295:4294967295:4294967295:4294967295", VSCSI_PDEV_HCTL);
    round_trip("007:0:00:01", "7:0:0:1", VSCSI_PDEV_HCTL);
}

static void test_pdev_wwn(void **state)
{
    struct vscsi_pdev p;

    (void)state;
    assert_int_equal(vscsi_pdev_parse("naa.60014051234abcdE:5", &p, NULL), 0);
    assert_int_equal(p.kind, VSCSI_PDEV_WWN);
    assert_string_equal(p.wwn, "60014051234abcdE");
    assert_int_equal(p.lun, 5);
    round_trip("naa.0123456789abcdef:0", "naa.0123456789abcdef:0", VSCSI_PDEV_WWN);
    /* Case is significant to scsiback's strcmp, so it is kept. */
    round_trip("naa.0123456789ABCDEF:12", "naa.0123456789ABCDEF:12", VSCSI_PDEV_WWN);
    /* The largest LUN makes exactly 31 characters. */
    round_trip("naa.0123456789abcdef:4294967295", "naa.0123456789abcdef:4294967295",
               VSCSI_PDEV_WWN);
    round_trip("naa.0123456789abcdef:007", "naa.0123456789abcdef:7", VSCSI_PDEV_WWN);
}

static void test_pdev_alias(void **state)
{
    struct vscsi_pdev p;

    (void)state;
    assert_int_equal(vscsi_pdev_parse("tape_lib-1.x:3", &p, NULL), 0);
    assert_int_equal(p.kind, VSCSI_PDEV_ALIAS);
    assert_string_equal(p.alias, "tape_lib-1.x");
    assert_int_equal(p.lun, 3);
    round_trip("_a:0", "_a:0", VSCSI_PDEV_ALIAS);
    round_trip("naa:1", "naa:1", VSCSI_PDEV_ALIAS);
    round_trip("NAA.0123456789abcdef:1", "NAA.0123456789abcdef:1", VSCSI_PDEV_ALIAS);
    /* 29 + ":0" = 31, the limit. */
    round_trip("a2345678901234567890123456789:0", "a2345678901234567890123456789:0",
               VSCSI_PDEV_ALIAS);
}

static void test_pdev_path(void **state)
{
    struct vscsi_pdev p;
    char longest[VSCSI_PDEV_PATH_MAX + 1];

    (void)state;
    assert_int_equal(vscsi_pdev_parse("/dev/sg3", &p, NULL), 0);
    assert_int_equal(p.kind, VSCSI_PDEV_PATH);
    assert_string_equal(p.path, "/dev/sg3");
    round_trip("/dev/disk/by-path/pci-0000:00:1f.2-ata-1",
               "/dev/disk/by-path/pci-0000:00:1f.2-ata-1", VSCSI_PDEV_PATH);
    round_trip("/dev/a#b", "/dev/a#b", VSCSI_PDEV_PATH);
    round_trip("/dev/.hidden", "/dev/.hidden", VSCSI_PDEV_PATH);
    memset(longest, 'x', sizeof(longest));
    memcpy(longest, "/dev/", 5);
    longest[VSCSI_PDEV_PATH_MAX] = '\0';
    round_trip(longest, longest, VSCSI_PDEV_PATH);
}

static void test_pdev_errors(void **state)
{
    static const struct bad cases[] = {
        {"", -EINVAL, 1},
        /* hctl */
        {"1:2:3", -EINVAL, 6},
        {"1:2", -EINVAL, 4},
        {"1", -EINVAL, 2},
        {"1:2:3:4:5", -EINVAL, 8},
        {"1:2:x:4", -EINVAL, 5},
        {"0x1:0:0:0", -EINVAL, 2},
        {"-1:0:0:0", -EINVAL, 1},
        {"+1:0:0:0", -EINVAL, 1},
        {" 0:0:0:0", -EINVAL, 1},
        {"0:0:0:0 ", -EINVAL, 8},
        {"0: 0:0:0", -EINVAL, 3},
        {"0::0:0", -EINVAL, 3},
        {"0:0:0:", -EINVAL, 7},
        {":0:0:0", -EINVAL, 1},
        {"4294967296:0:0:0", -ERANGE, 1},
        {"0:0:0:4294967296", -ERANGE, 7},
        {"0:0:0:99999999999999999999", -ERANGE, 7},
        {"0:99999999999:x", -ERANGE, 3},
        {"\xc3\xa9:0", -EINVAL, 1},
        /* WWN */
        {"naa.0123456789abcde:0", -EINVAL, 20},
        {"naa.0123456789abcdef0:0", -EINVAL, 21},
        {"naa.0123456789abcdef0123456789abcdef:0", -EINVAL, 21},
        {"naa.0123456789abcdeg:0", -EINVAL, 20},
        {"naa.0123456789abcdef", -EINVAL, 21},
        {"naa.0123456789abcdef-1", -EINVAL, 21},
        {"naa.0123456789abcdef:", -EINVAL, 22},
        {"naa.0123456789abcdef:-1", -EINVAL, 22},
        {"naa.0123456789abcdef:1x", -EINVAL, 23},
        {"naa.0123456789abcdef:4294967296", -ERANGE, 22},
        {"naa.0123456789abcdef:00000000001", -ENAMETOOLONG, 1},
        {"naa.:0", -EINVAL, 5},
        {"naa.", -EINVAL, 5},
        /* alias */
        {"sda", -EINVAL, 4},
        {"my alias:0", -EINVAL, 3},
        {"foo:bar:0", -EINVAL, 4},
        {"foo:", -EINVAL, 5},
        {"foo: 1", -EINVAL, 5},
        {"foo:65536x", -EINVAL, 10},
        {"foo:4294967296", -ERANGE, 5},
        {"a23456789012345678901234567890:0", -ENAMETOOLONG, 1},
        {"a2345678901234567890123456789:00", -ENAMETOOLONG, 1},
        /* path */
        {"/dev", -EINVAL, 1},
        {"/dev/", -EINVAL, 6},
        {"/tmp/x", -EINVAL, 1},
        {"/DEV/sg0", -EINVAL, 1},
        {"/dev/sd a", -EINVAL, 8},
        {"/dev/a,b", -EINVAL, 7},
        {"/dev/a'b", -EINVAL, 7},
        {"/dev/a\\b", -EINVAL, 7},
        {"/dev/a\tb", -EINVAL, 7},
        {"/dev/../etc/passwd", -EINVAL, 6},
        {"/dev/x/./y", -EINVAL, 8},
        {"/dev/sg0/", -EINVAL, 10},
        {"/dev//sg0", -EINVAL, 6},
    };

    (void)state;
    check_bad_pdev(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_messages(void **state)
{
    struct vscsi_pdev p;
    struct vscsi_vdev v;
    struct vscsi_parse_error e;

    (void)state;
    assert_int_equal(vscsi_pdev_parse("0::0:0", &p, &e), -EINVAL);
    assert_string_equal(e.message, "p-dev: empty field at line 1, column 3");
    assert_int_equal(e.offset, 2);
    assert_int_equal(vscsi_pdev_parse("naa.0123:0", &p, &e), -EINVAL);
    assert_string_equal(e.message, "p-dev: WWN must be exactly 16 hex digits at line 1, column 9");
    assert_int_equal(vscsi_vdev_parse("0:0:0:65536", &v, &e), -ERANGE);
    assert_string_equal(e.message, "v-dev: number out of range at line 1, column 7");
    assert_int_equal(vscsi_vdev_parse("0:0:0:0:1", &v, &e), -EINVAL);
    assert_string_equal(e.message, "v-dev: too many fields (h:c:t:l has 4) at line 1, column 8");
}

static void test_pdev_too_long(void **state)
{
    char s[VSCSI_PDEV_PATH_MAX + 2];
    struct vscsi_pdev p;
    struct vscsi_parse_error e;

    (void)state;
    /* 256-character path */
    memset(s, 'x', sizeof(s));
    memcpy(s, "/dev/", 5);
    s[sizeof(s) - 1] = '\0';
    assert_int_equal(vscsi_pdev_parse(s, &p, &e), -ENAMETOOLONG);
    assert_int_equal(e.column, 1);
    /* 256-character h:c:t:l (leading zeros) */
    memset(s, '0', sizeof(s));
    memcpy(s + sizeof(s) - 7, ":0:0:0", 7);
    assert_int_equal(strlen(s), VSCSI_PDEV_PATH_MAX + 1);
    assert_int_equal(vscsi_pdev_parse(s, &p, &e), -ENAMETOOLONG);
    /* ... and one shorter is fine */
    assert_int_equal(vscsi_pdev_parse(s + 1, &p, &e), 0);
    assert_int_equal(p.hctl.host, 0);
}

static void test_pdev_null(void **state)
{
    struct vscsi_pdev p;
    struct vscsi_vdev v;
    struct vscsi_parse_error e;

    (void)state;
    assert_int_equal(vscsi_pdev_parse(NULL, &p, &e), -EINVAL);
    assert_int_equal(e.code, -EINVAL);
    assert_int_equal(vscsi_pdev_parse("0:0:0:0", NULL, NULL), -EINVAL);
    assert_int_equal(vscsi_vdev_parse(NULL, &v, NULL), -EINVAL);
    assert_int_equal(vscsi_vdev_parse("0:0:0:0", NULL, NULL), -EINVAL);
    assert_int_equal(vscsi_pdev_format(NULL, NULL, 0), -EINVAL);
    assert_int_equal(vscsi_vdev_format(NULL, NULL, 0), -EINVAL);
}

static void test_pdev_format_rejects_invalid(void **state)
{
    struct vscsi_pdev p;
    char buf[VSCSI_PDEV_STR_SIZE];

    (void)state;
    memset(&p, 0, sizeof(p));
    assert_int_equal(vscsi_pdev_format(&p, buf, sizeof(buf)), -EINVAL); /* kind NONE */
    p.kind = (enum vscsi_pdev_kind)42;
    assert_int_equal(vscsi_pdev_format(&p, buf, sizeof(buf)), -EINVAL);

    memset(&p, 0, sizeof(p));
    p.kind = VSCSI_PDEV_WWN;
    strcpy(p.wwn, "0123456789abcdeg");
    assert_int_equal(vscsi_pdev_format(&p, buf, sizeof(buf)), -EINVAL);
    strcpy(p.wwn, "0123456789abcde");
    assert_int_equal(vscsi_pdev_format(&p, buf, sizeof(buf)), -EINVAL);
    memset(p.wwn, 'a', sizeof(p.wwn)); /* no terminator */
    assert_int_equal(vscsi_pdev_format(&p, buf, sizeof(buf)), -EINVAL);
    strcpy(p.wwn, "0123456789abcdef");
    assert_int_equal(vscsi_pdev_format(&p, buf, sizeof(buf)), 22);

    memset(&p, 0, sizeof(p));
    p.kind = VSCSI_PDEV_ALIAS;
    assert_int_equal(vscsi_pdev_format(&p, buf, sizeof(buf)), -EINVAL); /* empty */
    strcpy(p.alias, "1abc");
    assert_int_equal(vscsi_pdev_format(&p, buf, sizeof(buf)), -EINVAL);
    strcpy(p.alias, "a:b");
    assert_int_equal(vscsi_pdev_format(&p, buf, sizeof(buf)), -EINVAL);
    strcpy(p.alias, "naa.x");
    assert_int_equal(vscsi_pdev_format(&p, buf, sizeof(buf)), -EINVAL);
    strcpy(p.alias, "a2345678901234567890123456789"); /* 29 chars */
    p.lun = 9;
    assert_int_equal(vscsi_pdev_format(&p, buf, sizeof(buf)), 31);
    p.lun = 10; /* 32 characters would be truncated by scsiback */
    assert_int_equal(vscsi_pdev_format(&p, buf, sizeof(buf)), -EINVAL);

    memset(&p, 0, sizeof(p));
    p.kind = VSCSI_PDEV_PATH;
    strcpy(p.path, "/tmp/x");
    assert_int_equal(vscsi_pdev_format(&p, buf, sizeof(buf)), -EINVAL);
    memset(p.path, 'x', sizeof(p.path)); /* no terminator */
    memcpy(p.path, "/dev/", 5);
    assert_int_equal(vscsi_pdev_format(&p, buf, sizeof(buf)), -EINVAL);
}

static void test_format_snprintf_semantics(void **state)
{
    struct vscsi_pdev p;
    struct vscsi_vdev v;
    char buf[8];

    (void)state;
    assert_int_equal(vscsi_pdev_parse("10:20:30:40", &p, NULL), 0);
    assert_int_equal(vscsi_pdev_format(&p, NULL, 0), 11);
    memset(buf, 'z', sizeof(buf));
    assert_int_equal(vscsi_pdev_format(&p, buf, 5), 11);
    assert_string_equal(buf, "10:2");
    assert_int_equal(buf[5], 'z');
    assert_int_equal(vscsi_pdev_format(&p, buf, 1), 11);
    assert_string_equal(buf, "");
    assert_int_equal(vscsi_pdev_format(&p, NULL, 5), -EINVAL);

    assert_int_equal(vscsi_vdev_parse("1:2:3:4", &v, NULL), 0);
    assert_int_equal(vscsi_vdev_format(&v, buf, sizeof(buf)), 7);
    assert_string_equal(buf, "1:2:3:4");
    assert_int_equal(vscsi_vdev_format(&v, buf, 7), 7);
    assert_string_equal(buf, "1:2:3:");
    assert_int_equal(vscsi_vdev_format(&v, NULL, 0), 7);
}

static void test_pdev_equal(void **state)
{
    struct vscsi_pdev a, b;

    (void)state;
    assert_int_equal(vscsi_pdev_parse("naa.0123456789abcdef:3", &a, NULL), 0);
    b = a;
    b.hctl.host = 99; /* unused by WWN, must not matter */
    b.path[0] = 'x';
    assert_true(vscsi_pdev_equal(&a, &b));
    b.lun = 4;
    assert_false(vscsi_pdev_equal(&a, &b));
    assert_int_equal(vscsi_pdev_parse("naa.0123456789ABCDEF:3", &b, NULL), 0);
    assert_false(vscsi_pdev_equal(&a, &b));
    assert_int_equal(vscsi_pdev_parse("0:0:0:3", &b, NULL), 0);
    assert_false(vscsi_pdev_equal(&a, &b));
    assert_int_equal(vscsi_pdev_parse("1:2:3:4", &a, NULL), 0);
    assert_int_equal(vscsi_pdev_parse("1:2:3:5", &b, NULL), 0);
    assert_false(vscsi_pdev_equal(&a, &b));
    assert_int_equal(vscsi_pdev_parse("tpg:1", &a, NULL), 0);
    assert_int_equal(vscsi_pdev_parse("tpg2:1", &b, NULL), 0);
    assert_false(vscsi_pdev_equal(&a, &b));
    assert_int_equal(vscsi_pdev_parse("/dev/sg1", &a, NULL), 0);
    assert_int_equal(vscsi_pdev_parse("/dev/sg2", &b, NULL), 0);
    assert_false(vscsi_pdev_equal(&a, &b));
    assert_false(vscsi_pdev_equal(&a, NULL));
}

static void test_vdev(void **state)
{
    struct vscsi_vdev v, w;
    char buf[VSCSI_VDEV_STR_SIZE];

    (void)state;
    assert_int_equal(vscsi_vdev_parse("4294967295:65535:65535:65535", &v, NULL), 0);
    assert_int_equal(v.host, UINT32_MAX);
    assert_int_equal(v.nexus.channel, 65535);
    assert_int_equal(v.nexus.id, 65535);
    assert_int_equal(v.nexus.lun, 65535);
    assert_int_equal(vscsi_vdev_format(&v, buf, sizeof(buf)), 28);
    assert_string_equal(buf, "4294967295:65535:65535:65535");
    assert_int_equal(vscsi_vdev_parse(buf, &w, NULL), 0);
    assert_memory_equal(&v, &w, sizeof(v));

    assert_int_equal(vscsi_vdev_parse("3:1:2:0", &v, NULL), 0);
    assert_int_equal(v.host, 3);
    assert_int_equal(v.nexus.channel, 1);
    assert_int_equal(v.nexus.id, 2);
    assert_int_equal(v.nexus.lun, 0);
    assert_int_equal(vscsi_vdev_format(&v, buf, sizeof(buf)), 7);
    assert_string_equal(buf, "3:1:2:0");
}

static void test_vdev_errors(void **state)
{
    static const struct bad cases[] = {
        {"", -EINVAL, 1},
        {"0:0:0", -EINVAL, 6},
        {"0:0:0:0:0", -EINVAL, 8},
        {"a:0:0:0", -EINVAL, 1},
        {"0:0:-1:0", -EINVAL, 5},
        {"0:0:0:0 ", -EINVAL, 8},
        {"0 :0:0:0", -EINVAL, 2},
        {"0:0::0", -EINVAL, 5},
        {"0:0:0:65536", -ERANGE, 7},
        {"0:65536:0:0", -ERANGE, 3},
        {"0:0:70000:0", -ERANGE, 5},
        {"4294967296:0:0:0", -ERANGE, 1},
        {"0:0:0:18446744073709551617", -ERANGE, 7},
        {"naa.0123456789abcdef:0", -EINVAL, 1},
    };

    (void)state;
    check_bad_vdev(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_libvirt(void **state)
{
    static const char want[] =
        "<hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host6'/>"
        "<address bus='0' target='3' unit='1'/></source>"
        "<address type='drive' controller='2' bus='0' target='5' unit='7'/></hostdev>";
    struct vscsi_pdev p;
    struct vscsi_vdev v;
    char buf[512], small[16];

    (void)state;
    assert_int_equal(vscsi_pdev_parse("6:0:3:1", &p, NULL), 0);
    assert_int_equal(vscsi_vdev_parse("2:0:5:7", &v, NULL), 0);
    assert_int_equal(vscsi_libvirt_hostdev_format(&p, &v, buf, sizeof(buf)), (int)strlen(want));
    assert_string_equal(buf, want);
    assert_int_equal(vscsi_libvirt_hostdev_format(&p, &v, NULL, 0), (int)strlen(want));
    assert_int_equal(vscsi_libvirt_hostdev_format(&p, &v, small, sizeof(small)), (int)strlen(want));
    assert_string_equal(small, "<hostdev mode='");

    assert_int_equal(vscsi_pdev_parse("naa.0123456789abcdef:0", &p, NULL), 0);
    assert_int_equal(vscsi_libvirt_hostdev_format(&p, &v, buf, sizeof(buf)), -ENOTSUP);
    assert_int_equal(vscsi_pdev_parse("tpg:0", &p, NULL), 0);
    assert_int_equal(vscsi_libvirt_hostdev_format(&p, &v, buf, sizeof(buf)), -ENOTSUP);
    assert_int_equal(vscsi_pdev_parse("/dev/sg0", &p, NULL), 0);
    assert_int_equal(vscsi_libvirt_hostdev_format(&p, &v, buf, sizeof(buf)), -ENOTSUP);
    assert_int_equal(vscsi_libvirt_hostdev_format(NULL, &v, buf, sizeof(buf)), -EINVAL);
    assert_int_equal(vscsi_libvirt_hostdev_format(&p, NULL, buf, sizeof(buf)), -EINVAL);
}

/* The span parsers read exactly len bytes of a longer text and report the
 * fault's offset within the span. */
static void test_span(void **state)
{
    (void)state;
    static const char text[] = "1:2:3:4,0:1:2:3,naa.0123456789abcdef:7x";
    struct vscsi_pdev p;
    struct vscsi_vdev v;
    size_t pos = 99;
    const char *why = NULL;

    assert_int_equal(vscsi_pdev_parse_span(text, 7, &p, &pos, &why), 0);
    assert_int_equal(p.kind, VSCSI_PDEV_HCTL);
    assert_int_equal(p.hctl.host, 1);
    assert_int_equal(p.hctl.lun, 4);
    assert_int_equal(vscsi_vdev_parse_span(text + 8, 7, &v, &pos, &why), 0);
    assert_int_equal(v.host, 0);
    assert_int_equal(v.nexus.lun, 3);
    /* One byte short: "1:2:3:" ends in an empty field. */
    memset(&p, 0x5a, sizeof(p));
    assert_int_equal(vscsi_pdev_parse_span(text, 6, &p, &pos, &why), -EINVAL);
    assert_int_equal(pos, 6);
    assert_non_null(why);
    assert_int_equal(p.kind, 0x5a5a5a5a); /* untouched on error */
    /* Whole WWN field: fine; one more byte ('x') is a bad LUN at offset 22. */
    assert_int_equal(vscsi_pdev_parse_span(text + 16, 22, &p, &pos, &why), 0);
    assert_int_equal(p.kind, VSCSI_PDEV_WWN);
    assert_int_equal(p.lun, 7);
    assert_int_equal(vscsi_pdev_parse_span(text + 16, 23, &p, &pos, &why), -EINVAL);
    assert_int_equal(pos, 22);
    assert_int_equal(vscsi_pdev_parse_span(NULL, 1, &p, &pos, &why), -EINVAL);
    assert_int_equal(vscsi_vdev_parse_span(text, 7, &v, NULL, &why), -EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pdev_hctl),
        cmocka_unit_test(test_span),
        cmocka_unit_test(test_pdev_wwn),
        cmocka_unit_test(test_pdev_alias),
        cmocka_unit_test(test_pdev_path),
        cmocka_unit_test(test_pdev_errors),
        cmocka_unit_test(test_messages),
        cmocka_unit_test(test_pdev_too_long),
        cmocka_unit_test(test_pdev_null),
        cmocka_unit_test(test_pdev_format_rejects_invalid),
        cmocka_unit_test(test_format_snprintf_semantics),
        cmocka_unit_test(test_pdev_equal),
        cmocka_unit_test(test_vdev),
        cmocka_unit_test(test_vdev_errors),
        cmocka_unit_test(test_libvirt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
