/* SPDX-License-Identifier: MIT */
/* READ ATTRIBUTE / WRITE ATTRIBUTE: the cartridge's medium auxiliary memory. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "test_tape_common.h"

#define READ_ATTR(t, b, n, sa, first)                                                              \
    RUN_IN(t, b, n, 0x8c, sa, 0, 0, 0, 0, 0, 0, (uint8_t)((first) >> 8), (uint8_t)(first), 0, 0,   \
           (uint8_t)((n) >> 8), (uint8_t)(n), 0, 0)

/* Finds attribute id in a READ ATTRIBUTE (values) answer: its header, or NULL. */
static const uint8_t *attr(const uint8_t *b, size_t len, uint16_t id)
{
    size_t end = 4 + vscsi_get_be32(b);

    assert_true(end <= len);
    for (size_t off = 4; off + 5 <= end; off += 5u + vscsi_get_be16(b + off + 3))
        if (vscsi_get_be16(b + off) == id)
            return b + off;
    return NULL;
}

static struct vscsi_tgt_result write_attr(struct vscsi_tgt_lun *t, uint8_t *p, size_t n)
{
    return RUN_OUT(t, p, n, 0x8d, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (uint8_t)(n >> 8), (uint8_t)n,
                   0, 0);
}

/* A parameter list: header, then attributes appended by add(). */
struct plist {
    uint8_t b[1024];
    size_t len;
};
static void add(struct plist *p, uint16_t id, uint8_t fmt, const void *v, uint16_t n)
{
    if (!p->len)
        p->len = 4;
    p->b[p->len] = (uint8_t)(id >> 8);
    p->b[p->len + 1] = (uint8_t)id;
    p->b[p->len + 2] = fmt;
    p->b[p->len + 3] = (uint8_t)(n >> 8);
    p->b[p->len + 4] = (uint8_t)n;
    memcpy(p->b + p->len + 5, v, n);
    p->len += 5u + n;
    uint32_t dl = (uint32_t)(p->len - 4);
    p->b[0] = (uint8_t)(dl >> 24);
    p->b[1] = (uint8_t)(dl >> 16);
    p->b[2] = (uint8_t)(dl >> 8);
    p->b[3] = (uint8_t)dl;
}

static void test_device_and_medium_attrs(void **state)
{
    (void)state;
    struct vscsi_tgt_tape_opts o = {.loaded = 1,
                                    .capacity = 100ull << 20,
                                    .serial = "DRV42",
                                    .barcode = "ABC123L6",
                                    .medium_serial_prefix = "MS"};
    struct vscsi_tgt_lun *t = vscsi_tgt_tape_new(&o);
    uint8_t b[2048], w[4096] = {0};
    const uint8_t *a;
    struct vscsi_tgt_result r;

    assert_non_null(t);
    for (int i = 0; i < 512; i++) /* 2 MiB */
        assert_good(tape_wr(t, w, 4096));
    r = READ_ATTR(t, b, sizeof(b), 0x00, 0);
    assert_good(r);
    assert_int_equal(r.residual, sizeof(b) - 4 - vscsi_get_be32(b));
    assert_non_null(a = attr(b, sizeof(b), 0x0000)); /* remaining capacity, MiB */
    assert_int_equal(a[2], 0x80);                    /* read only, binary */
    assert_int_equal(vscsi_get_be16(a + 3), 8);
    assert_int_equal(vscsi_get_be64(a + 5), 98);
    assert_non_null(a = attr(b, sizeof(b), 0x0001));
    assert_int_equal(vscsi_get_be64(a + 5), 100);
    assert_non_null(a = attr(b, sizeof(b), 0x0003)); /* load count */
    assert_int_equal(vscsi_get_be64(a + 5), 1);
    assert_non_null(a = attr(b, sizeof(b), 0x0009)); /* volume change reference */
    assert_int_equal(vscsi_get_be32(a + 5), 1);
    assert_non_null(a = attr(b, sizeof(b), 0x020a)); /* device at last load */
    assert_int_equal(a[2], 0x81);
    assert_memory_equal(a + 5, "VSCSIIF DRV42   ", 16);
    assert_non_null(a = attr(b, sizeof(b), 0x0220)); /* MiB written in medium life */
    assert_int_equal(vscsi_get_be64(a + 5), 2);
    assert_non_null(a = attr(b, sizeof(b), 0x0401)); /* medium serial */
    assert_int_equal(vscsi_get_be16(a + 3), 32);
    assert_memory_equal(a + 5, "MSABC123L6 ", 11);
    assert_non_null(a = attr(b, sizeof(b), 0x0405));
    assert_int_equal(a[5], 0x58);
    assert_non_null(a = attr(b, sizeof(b), 0x0806)); /* barcode: host type, from the label */
    assert_int_equal(a[2], 0x01);
    assert_memory_equal(a + 5, "ABC123L6  ", 10);
    assert_null(attr(b, sizeof(b), 0x0800)); /* never written */
    /* identifiers ascend */
    size_t end = 4 + vscsi_get_be32(b);
    uint16_t prev = 0;
    for (size_t off = 4; off < end; off += 5u + vscsi_get_be16(b + off + 3)) {
        if (off > 4)
            assert_true(vscsi_get_be16(b + off) > prev);
        prev = vscsi_get_be16(b + off);
    }
    /* first attribute identifier */
    assert_good(READ_ATTR(t, b, sizeof(b), 0x00, 0x0401));
    assert_int_equal(vscsi_get_be16(b + 4), 0x0401);
    /* the attribute list (27 device and medium attributes and the barcode) and the
     * supported list (15 host attributes more) ignore the first identifier */
    assert_good(READ_ATTR(t, b, sizeof(b), 0x01, 0x0800));
    assert_int_equal(vscsi_get_be32(b), 28 * 2);
    assert_int_equal(vscsi_get_be16(b + 4), 0x0000);
    assert_int_equal(vscsi_get_be16(b + 4 + 27 * 2), 0x0806);
    assert_good(READ_ATTR(t, b, sizeof(b), 0x05, 0x0800));
    assert_int_equal(vscsi_get_be32(b), 42 * 2);
    assert_int_equal(vscsi_get_be16(b + 4 + 27 * 2), 0x0800);
    assert_int_equal(vscsi_get_be16(b + 4 + 41 * 2), 0x0821);
    /* volume and partition lists: one each; the numbers they would list are ignored */
    assert_good(READ_ATTR(t, b, sizeof(b), 0x02, 0));
    assert_memory_equal(b, ((uint8_t[]){0, 2, 0, 1}), 4);
    assert_good(RUN_IN(t, b, 64, 0x8c, 0x02, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 64, 0, 0));
    assert_memory_equal(b, ((uint8_t[]){0, 2, 0, 1}), 4);
    assert_good(READ_ATTR(t, b, sizeof(b), 0x03, 0));
    assert_memory_equal(b, ((uint8_t[]){0, 2, 0, 1}), 4);
    assert_good(RUN_IN(t, b, 64, 0x8c, 0x03, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 64, 0, 0));
    r = RUN_IN(t, b, 64, 0x8c, 0x03, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0);
    assert_bad_cdb(r, 5, -1);
    /* a short allocation length truncates */
    r = READ_ATTR(t, b, 10, 0x00, 0);
    assert_good(r);
    assert_int_equal(r.residual, 0);
    /* hostile: service action 04h, logical volume 1, partition 1, restricted bytes */
    r = READ_ATTR(t, b, sizeof(b), 0x04, 0);
    assert_bad_cdb(r, 1, 4);
    r = RUN_IN(t, b, 64, 0x8c, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0);
    assert_bad_cdb(r, 5, -1);
    r = RUN_IN(t, b, 64, 0x8c, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 64, 0, 0);
    assert_bad_cdb(r, 7, -1);
    r = RUN_IN(t, b, 64, 0x8c, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 64, 0, 0);
    assert_bad_cdb(r, 2, 0);
    /* unloaded, MAM stays readable; with no cartridge at all it is not */
    assert_good(RUN_NONE(t, 0x1b, 0, 0, 0, 0, 0));
    assert_good(READ_ATTR(t, b, sizeof(b), 0x00, 0));
    vscsi_tgt_free(t);
    t = vscsi_tgt_tape_new(NULL);
    r = READ_ATTR(t, b, sizeof(b), 0x00, 0);
    assert_sense(r, VSCSI_SK_NOT_READY, 0x3a, 0x00);
    vscsi_tgt_free(t);
}

static void test_host_attrs(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *t = tape_loaded(0, 0);
    uint8_t b[2048], vci[40];
    struct plist p = {0};
    const uint8_t *a;
    struct vscsi_tgt_result r;

    for (size_t i = 0; i < sizeof(vci); i++)
        vci[i] = (uint8_t)(i * 7);
    add(&p, 0x0800, 0x01, "LTFS    ", 8);
    add(&p, 0x0801, 0x01, "LTFS                            ", 32);
    add(&p, 0x080c, 0x00, vci, sizeof(vci));
    add(&p, 0x0803, 0x02, "my label", 8);
    assert_good(write_attr(t, p.b, p.len));
    assert_good(READ_ATTR(t, b, sizeof(b), 0x00, 0x0800));
    assert_non_null(a = attr(b, sizeof(b), 0x0800));
    assert_int_equal(a[2], 0x01);
    assert_memory_equal(a + 5, "LTFS    ", 8);
    assert_non_null(a = attr(b, sizeof(b), 0x0803));
    assert_int_equal(vscsi_get_be16(a + 3), 8);
    assert_non_null(a = attr(b, sizeof(b), 0x080c));
    assert_int_equal(a[2], 0x00);
    assert_int_equal(vscsi_get_be16(a + 3), sizeof(vci));
    assert_memory_equal(a + 5, vci, sizeof(vci));

    /* hostile lists: each refused whole, the good attribute before the bad one stays unwritten */
    struct {
        uint16_t id;
        uint8_t fmt;
        uint16_t n;
        unsigned byte;
        int bit;
    } bad[] = {
        {0x0001, 0x00, 8, 0, -1},  /* read-only (device) */
        {0x0401, 0x01, 32, 0, -1}, /* read-only (medium) */
        {0x0900, 0x00, 4, 0, -1},  /* reserved */
        {0x0802, 0x01, 7, 3, -1},  /* ASCII of the wrong length */
        {0x080c, 0x00, 71, 3, -1}, /* longer than the maximum */
        {0x0802, 0x00, 8, 2, 1},   /* wrong format */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t v[80] = {0};
        struct plist q = {0};

        add(&q, 0x0800, 0x01, "EVIL    ", 8);
        add(&q, bad[i].id, bad[i].fmt, v, bad[i].n);
        r = write_attr(t, q.b, q.len);
        assert_bad_param(r, 4 + 13 + bad[i].byte, bad[i].bit);
    }
    assert_good(READ_ATTR(t, b, sizeof(b), 0x00, 0x0800));
    assert_memory_equal(attr(b, sizeof(b), 0x0800) + 5, "LTFS    ", 8);
    /* lengths: list shorter than its header says, attribute running past the end, < 4 */
    struct plist q = {0};
    add(&q, 0x0800, 0x01, "EVIL    ", 8);
    r = write_attr(t, q.b, q.len - 1);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x1a, 0x00);
    q.b[3] = 12; /* data length says 12: the 8-byte value is cut */
    r = write_attr(t, q.b, 16);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x1a, 0x00);
    r = write_attr(t, q.b, 3);
    assert_sense(r, VSCSI_SK_ILLEGAL_REQUEST, 0x1a, 0x00);
    /* data-out shorter than the parameter list length */
    r = RUN_OUT(t, q.b, 8, 0x8d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 17, 0, 0);
    assert_sense(r, VSCSI_SK_ABORTED_COMMAND, 0x4b, 0x00);
    /* logical volume 1 */
    r = RUN_OUT(t, q.b, 17, 0x8d, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 17, 0, 0);
    assert_bad_cdb(r, 5, -1);
    assert_good(READ_ATTR(t, b, sizeof(b), 0x00, 0x0800));
    assert_memory_equal(attr(b, sizeof(b), 0x0800) + 5, "LTFS    ", 8);
    /* length 0 deletes */
    struct plist d = {0};
    add(&d, 0x0803, 0x02, "", 0);
    assert_good(write_attr(t, d.b, d.len));
    assert_good(READ_ATTR(t, b, sizeof(b), 0x00, 0x0800));
    assert_null(attr(b, sizeof(b), 0x0803));
    assert_non_null(attr(b, sizeof(b), 0x0801));
    /* a zero-length list is a no-op */
    assert_good(RUN_NONE(t, 0x8d, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    vscsi_tgt_free(t);
}

/* Volume change reference: once per load that changes the medium. */
static void test_vcr_and_persistence(void **state)
{
    (void)state;
    char dir[] = "/tmp/vscsi_tgt_mam_XXXXXX", path[256];
    uint8_t b[2048], x = 'x';
    struct plist p = {0};

    assert_non_null(mkdtemp(dir));
    struct vscsi_tgt_tape_opts o = {.path = dir, .loaded = 1};
    struct vscsi_tgt_lun *t = vscsi_tgt_tape_new(&o);
    assert_non_null(t);
    assert_good(READ_ATTR(t, b, sizeof(b), 0x00, 0));
    assert_int_equal(vscsi_get_be32(attr(b, sizeof(b), 0x0009) + 5), 0);
    assert_good(tape_wr(t, &x, 1));
    assert_good(tape_wr(t, &x, 1));
    assert_good(tape_wfm(t, 1));
    assert_good(READ_ATTR(t, b, sizeof(b), 0x00, 0));
    assert_int_equal(vscsi_get_be32(attr(b, sizeof(b), 0x0009) + 5), 1);
    add(&p, 0x0801, 0x01, "BACULA                          ", 32);
    assert_good(write_attr(t, p.b, p.len));
    /* unload, load: a second load, and the next write moves the reference again */
    assert_good(RUN_NONE(t, 0x1b, 0, 0, 0, 0, 0));
    assert_good(RUN_NONE(t, 0x1b, 0, 0, 0, 1, 0));
    assert_good(READ_ATTR(t, b, sizeof(b), 0x00, 0));
    assert_int_equal(vscsi_get_be64(attr(b, sizeof(b), 0x0003) + 5), 2);
    assert_good(RUN_NONE(t, 0x19, 0, 0, 0, 0, 0)); /* ERASE at BOP changes the medium */
    assert_good(READ_ATTR(t, b, sizeof(b), 0x00, 0));
    assert_int_equal(vscsi_get_be32(attr(b, sizeof(b), 0x0009) + 5), 2);
    assert_good(tape_wr(t, &x, 1));
    vscsi_tgt_free(t);

    /* a restart finds the attributes and counters in the image */
    t = vscsi_tgt_tape_new(&o);
    assert_non_null(t);
    assert_good(READ_ATTR(t, b, sizeof(b), 0x00, 0));
    assert_int_equal(vscsi_get_be64(attr(b, sizeof(b), 0x0003) + 5), 3);
    assert_int_equal(vscsi_get_be32(attr(b, sizeof(b), 0x0009) + 5), 2);
    assert_memory_equal(attr(b, sizeof(b), 0x0801) + 5, "BACULA  ", 8);
    assert_memory_equal(attr(b, sizeof(b), 0x020b) + 5, "VSCSIIF ", 8); /* load before last */
    assert_good(tape_rd(t, b, 1));
    assert_int_equal(b[0], 'x');
    vscsi_tgt_free(t);

    /* a damaged MAM record is ignored: the data still reads, attributes start fresh */
    snprintf(path, sizeof(path), "%s/ST0001L6.img", dir);
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, 8 + 5, SEEK_SET), 0);
    fputc('X', f); /* "MAM1" -> "XAM1" */
    fclose(f);
    t = vscsi_tgt_tape_new(&o);
    assert_good(READ_ATTR(t, b, sizeof(b), 0x00, 0));
    assert_int_equal(vscsi_get_be64(attr(b, sizeof(b), 0x0003) + 5), 1);
    assert_null(attr(b, sizeof(b), 0x0801));
    assert_good(tape_rd(t, b, 1));
    assert_int_equal(b[0], 'x');
    vscsi_tgt_free(t);
    assert_int_equal(unlink(path), 0);
    assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_device_and_medium_attrs),
        cmocka_unit_test(test_host_attrs),
        cmocka_unit_test(test_vcr_and_persistence),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
