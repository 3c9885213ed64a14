/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vscsiif/vscsiif.h"

static const struct vscsi_nexus NX = {1, 2, 3};
static const uint8_t READ10[10] = {VSCSI_OP_READ_10, 0, 0, 0, 0, 8, 0, 0, 1, 0};

/* A tiny "foreign memory": indirect pages addressed by gref 100+i. */
static uint8_t pages[4][VSCSI_PAGE_SIZE];
static unsigned reads;

static int read_region(void *ctx, const struct vscsi_seg *d, void *dst)
{
    (void)ctx;
    reads++;
    if (d->gref < 100 || d->gref >= 104)
        return -EFAULT;
    memcpy(dst, &pages[d->gref - 100][d->offset], d->length);
    return 0;
}

static void put_desc(unsigned page, unsigned idx, uint32_t gref, uint16_t off, uint16_t len)
{
    struct vscsi_seg s = {gref, off, len};
    memcpy(&pages[page][idx * sizeof(s)], &s, sizeof(s));
}

static void test_build_cdb(void **state)
{
    (void)state;
    struct vscsi_request rq;
    memset(&rq, 0xee, sizeof(rq));
    assert_int_equal(vscsi_req_cdb(&rq, 7, &NX, READ10, 10, VSCSI_DIR_FROM_DEVICE, 30), 0);
    assert_int_equal(rq.rqid, 7);
    assert_int_equal(rq.act, VSCSI_ACT_CDB);
    assert_int_equal(rq.cmd_len, 10);
    assert_memory_equal(rq.cmnd, READ10, 10);
    assert_int_equal(rq.cmnd[10], 0);
    assert_int_equal(rq.channel, 1);
    assert_int_equal(rq.id, 2);
    assert_int_equal(rq.lun, 3);
    assert_int_equal(rq.timeout_per_command, 30);
    assert_int_equal(rq.nr_segments, 0);
    /* reserved[] is vscsi_front_produce()'s (test_ring), not the builder's. */
    assert_int_equal(rq.reserved[0], 0xeeeeeeeeu);

    uint8_t cdb32[17] = {0};
    assert_int_equal(vscsi_req_cdb(&rq, 1, &NX, cdb32, 17, VSCSI_DIR_NONE, 0), -EINVAL);
    assert_int_equal(vscsi_req_cdb(&rq, 1, &NX, cdb32, 0, VSCSI_DIR_NONE, 0), -EINVAL);
    assert_int_equal(vscsi_req_cdb(&rq, 1, &NX, cdb32, 16, 4, 0), -EINVAL);
    assert_int_equal(vscsi_req_cdb(&rq, 1, &NX, cdb32, 16, VSCSI_DIR_BIDIRECTIONAL, 0), 0);
}

static void test_build_segments(void **state)
{
    (void)state;
    struct vscsi_request rq;
    vscsi_req_cdb(&rq, 1, &NX, READ10, 10, VSCSI_DIR_FROM_DEVICE, 0);
    assert_int_equal(vscsi_req_add_seg(&rq, 9, 4095, 2), -EINVAL);
    assert_int_equal(vscsi_req_add_seg(&rq, 9, 0, 0), -EINVAL);
    for (unsigned i = 0; i < 26; i++)
        assert_int_equal(vscsi_req_add_seg(&rq, 50 + i, 0, 4096), 0);
    assert_int_equal(vscsi_req_add_seg(&rq, 99, 0, 512), -ENOSPC);
    assert_int_equal(rq.nr_segments, 26);
    assert_int_equal(vscsi_req_nr_direct(&rq), 26);
    assert_int_equal(rq.seg[25].gref, 75);
    /* Direct and indirect do not mix within one request. */
    assert_int_equal(vscsi_req_add_indirect(&rq, 1, 0, 8), -EINVAL);
}

static void test_build_set_segs(void **state)
{
    (void)state;
    struct vscsi_request rq;
    struct vscsi_seg sg[27];
    for (unsigned i = 0; i < 27; i++)
        sg[i] = (struct vscsi_seg){100 + i, (uint16_t)(i * 8), 512};
    vscsi_req_cdb(&rq, 1, &NX, READ10, 10, VSCSI_DIR_FROM_DEVICE, 0);
    assert_int_equal(vscsi_req_set_segs(&rq, sg, 27), -ENOSPC);
    assert_int_equal(vscsi_req_set_segs(&rq, sg, 26), 0);
    assert_int_equal(rq.nr_segments, 26);
    assert_int_equal(rq.seg[25].gref, 125);
    assert_int_equal(rq.seg[25].offset, 200);
    /* One bad entry anywhere: refused, and the request is left with no
     * segments rather than a mix of old and new ones. */
    sg[7].offset = 4000;
    assert_int_equal(vscsi_req_set_segs(&rq, sg, 10), -EINVAL);
    assert_int_equal(rq.nr_segments, 0);
    assert_int_equal(vscsi_req_set_segs(&rq, sg, 7), 0);
    assert_int_equal(rq.nr_segments, 7);
    sg[7].offset = 0;
    sg[3].length = 0;
    assert_int_equal(vscsi_req_set_segs(&rq, sg, 10), -EINVAL);
    sg[3].length = 512;
    assert_int_equal(vscsi_req_set_segs(&rq, sg, 2), 0);
    assert_int_equal(rq.nr_segments, 2);
    /* What it builds is what the backend accepts. */
    struct vscsi_cmd cmd;
    struct vscsi_limits lim = {0, 0, 0};
    assert_int_equal(vscsi_cmd_parse(&rq, &lim, &cmd), 0);
    assert_int_equal(vscsi_cmd_parse_data(&rq, &lim, NULL, NULL, NULL, 0, &cmd), 0);
    assert_int_equal(cmd.data_len, 1024);
}

static void test_build_indirect(void **state)
{
    (void)state;
    struct vscsi_request rq;
    vscsi_req_cdb(&rq, 1, &NX, READ10, 10, VSCSI_DIR_TO_DEVICE, 0);
    assert_int_equal(vscsi_req_add_indirect(&rq, 100, 0, 0), -EINVAL);
    assert_int_equal(vscsi_req_add_indirect(&rq, 100, 0, 12), -EINVAL);
    assert_int_equal(vscsi_req_add_indirect(&rq, 100, 4, 8), -EINVAL);
    assert_int_equal(vscsi_req_add_indirect(&rq, 100, 4088, 16), -EINVAL);
    for (unsigned i = 0; i < 26; i++)
        assert_int_equal(vscsi_req_add_indirect(&rq, 100 + i, 0, 4096), 0);
    assert_int_equal(vscsi_req_add_indirect(&rq, 200, 0, 8), -ENOSPC);
    assert_int_equal(rq.nr_segments, VSCSI_SG_GRANT | 26);
    assert_int_equal(vscsi_req_nr_direct(&rq), 0);
    assert_int_equal(vscsi_req_add_seg(&rq, 1, 0, 8), -EINVAL);
}

static void test_build_tmr(void **state)
{
    (void)state;
    struct vscsi_request rq;
    assert_int_equal(vscsi_req_abort(&rq, 4, &NX, 11), 0);
    assert_int_equal(rq.act, VSCSI_ACT_ABORT);
    assert_int_equal(rq.ref_rqid, 11);
    assert_int_equal(rq.lun, 3);
    assert_int_equal(vscsi_req_reset(&rq, 5, &NX), 0);
    assert_int_equal(rq.act, VSCSI_ACT_RESET);
    assert_int_equal(rq.rqid, 5);
    assert_int_equal(rq.ref_rqid, 0);
}

static const struct vscsi_limits STRICT = {0, 0, 0};
static const struct vscsi_limits SG128 = {128, 0, 0};

static enum vscsi_reject header_reject(const struct vscsi_request *rq)
{
    struct vscsi_cmd cmd;
    int rc = vscsi_cmd_parse(rq, &SG128, &cmd);
    assert_int_equal(cmd.rqid, rq->rqid); /* always answerable */
    assert_int_equal(rc, cmd.reject ? -EINVAL : 0);
    return cmd.reject;
}

static void test_parse_header(void **state)
{
    (void)state;
    struct vscsi_request rq;
    vscsi_req_cdb(&rq, 42, &NX, READ10, 10, VSCSI_DIR_FROM_DEVICE, 0);
    struct vscsi_cmd cmd;
    assert_int_equal(vscsi_cmd_parse(&rq, &SG128, &cmd), 0);
    assert_int_equal(cmd.rqid, 42);
    assert_int_equal(cmd.cdb_len, 10);
    assert_memory_equal(cmd.cdb, READ10, 10);
    assert_int_equal(cmd.nx.channel, 1);
    assert_int_equal(cmd.nx.id, 2);
    assert_int_equal(cmd.nx.lun, 3);

    for (unsigned act = 0; act < 256; act++) {
        rq.act = (uint8_t)act;
        enum vscsi_reject want = (act >= 1 && act <= 3) ? VSCSI_REJ_NONE : VSCSI_REJ_ACT;
        assert_int_equal(header_reject(&rq), want);
    }
    rq.act = VSCSI_ACT_CDB;
    rq.cmd_len = 17;
    assert_int_equal(header_reject(&rq), VSCSI_REJ_CMD_LEN);
    rq.cmd_len = 255;
    assert_int_equal(header_reject(&rq), VSCSI_REJ_CMD_LEN);
    rq.cmd_len = 0;
    assert_int_equal(header_reject(&rq), VSCSI_REJ_CMD_LEN);
    rq.act = VSCSI_ACT_RESET; /* a TMR carries no CDB */
    assert_int_equal(header_reject(&rq), VSCSI_REJ_NONE);
    rq.act = VSCSI_ACT_CDB;
    rq.cmd_len = 16;
    for (unsigned dir = 4; dir < 256; dir++) {
        rq.sc_data_direction = (uint8_t)dir;
        assert_int_equal(header_reject(&rq), VSCSI_REJ_DIRECTION);
    }
    /* Direction is checked before act, as Linux back does. */
    rq.act = 4;
    assert_int_equal(header_reject(&rq), VSCSI_REJ_DIRECTION);
    rq.act = VSCSI_ACT_CDB;
    rq.sc_data_direction = VSCSI_DIR_BIDIRECTIONAL;
    assert_int_equal(header_reject(&rq), VSCSI_REJ_BIDI);
    struct vscsi_limits bidi = {0, 1, 0};
    assert_int_equal(vscsi_cmd_parse(&rq, &bidi, &cmd), 0);
}

static enum vscsi_reject data_reject(const struct vscsi_request *rq, const struct vscsi_limits *lim,
                                     struct vscsi_cmd *cmd, struct vscsi_seg *st, size_t stn)
{
    assert_int_equal(vscsi_cmd_parse(rq, lim, cmd), 0);
    int rc = vscsi_cmd_parse_data(rq, lim, read_region, NULL, st, stn, cmd);
    if (cmd->reject == VSCSI_REJ_GRANT)
        assert_int_equal(rc, -EIO);
    else
        assert_int_equal(rc, cmd->reject ? -EINVAL : 0);
    return cmd->reject;
}

static void test_parse_direct(void **state)
{
    (void)state;
    struct vscsi_request rq;
    struct vscsi_cmd cmd;
    vscsi_req_cdb(&rq, 1, &NX, READ10, 10, VSCSI_DIR_FROM_DEVICE, 0);
    vscsi_req_add_seg(&rq, 7, 512, 3584);
    vscsi_req_add_seg(&rq, 8, 0, 4096);
    vscsi_req_add_seg(&rq, 9, 0, 512);
    assert_int_equal(data_reject(&rq, &STRICT, &cmd, NULL, 0), VSCSI_REJ_NONE);
    assert_int_equal(cmd.nr_segs, 3);
    assert_int_equal(cmd.data_len, 3584 + 4096 + 512);
    assert_int_equal(cmd.indirect, 0);
    struct vscsi_seg_iter it;
    struct vscsi_seg s;
    vscsi_seg_iter_init(&it, &cmd);
    assert_int_equal(vscsi_seg_iter_next(&it, &s), 1);
    assert_int_equal(s.gref, 7);
    assert_int_equal(s.offset, 512);
    assert_int_equal(vscsi_seg_iter_next(&it, &s), 1);
    assert_int_equal(vscsi_seg_iter_next(&it, &s), 1);
    assert_int_equal(s.gref, 9);
    assert_int_equal(vscsi_seg_iter_next(&it, &s), 0);

    /* Hostile fields written straight into the slot, as a rogue frontend would. */
    rq.nr_segments = 27;
    assert_int_equal(data_reject(&rq, &STRICT, &cmd, NULL, 0), VSCSI_REJ_NR_SEGS);
    rq.nr_segments = 0x7f;
    assert_int_equal(data_reject(&rq, &STRICT, &cmd, NULL, 0), VSCSI_REJ_NR_SEGS);
    rq.nr_segments = 3;
    rq.seg[1].offset = 4096;
    rq.seg[1].length = 0;
    assert_int_equal(data_reject(&rq, &STRICT, &cmd, NULL, 0), VSCSI_REJ_SEG_BOUNDS);
    assert_int_equal(cmd.bad_index, 1);
    rq.seg[1].offset = 1;
    rq.seg[1].length = 4096;
    assert_int_equal(data_reject(&rq, &STRICT, &cmd, NULL, 0), VSCSI_REJ_SEG_BOUNDS);
    rq.seg[1].offset = 0xffff;
    rq.seg[1].length = 0xffff;
    assert_int_equal(data_reject(&rq, &STRICT, &cmd, NULL, 0), VSCSI_REJ_SEG_BOUNDS);
    rq.seg[1].offset = 0;
    rq.seg[1].length = 0;
    assert_int_equal(data_reject(&rq, &STRICT, &cmd, NULL, 0), VSCSI_REJ_SEG_EMPTY);
    struct vscsi_limits zero_ok = {0, 0, 1};
    assert_int_equal(data_reject(&rq, &zero_ok, &cmd, NULL, 0), VSCSI_REJ_NONE);
    rq.seg[1].length = 4096;
    rq.sc_data_direction = VSCSI_DIR_NONE;
    assert_int_equal(data_reject(&rq, &STRICT, &cmd, NULL, 0), VSCSI_REJ_DIR_MISMATCH);
    /* No segments with a data direction is a zero-length transfer: fine. */
    rq.sc_data_direction = VSCSI_DIR_TO_DEVICE;
    rq.nr_segments = 0;
    assert_int_equal(data_reject(&rq, &STRICT, &cmd, NULL, 0), VSCSI_REJ_NONE);
    assert_int_equal(cmd.data_len, 0);
}

static void test_parse_indirect(void **state)
{
    (void)state;
    static struct vscsi_seg storage[VSCSI_MAX_INDIRECT_SEGS];
    struct vscsi_request rq;
    struct vscsi_cmd cmd;
    memset(pages, 0, sizeof(pages));
    /* Page 0 holds 3 descriptors at offset 8; page 1 holds 1 at offset 4088. */
    put_desc(0, 1, 500, 0, 4096);
    put_desc(0, 2, 501, 0, 4096);
    put_desc(0, 3, 502, 100, 200);
    put_desc(1, 511, 503, 0, 1024);
    vscsi_req_cdb(&rq, 3, &NX, READ10, 10, VSCSI_DIR_TO_DEVICE, 0);
    assert_int_equal(vscsi_req_add_indirect(&rq, 100, 8, 24), 0);
    assert_int_equal(vscsi_req_add_indirect(&rq, 101, 4088, 8), 0);

    reads = 0;
    assert_int_equal(data_reject(&rq, &SG128, &cmd, storage, 128), VSCSI_REJ_NONE);
    assert_int_equal(reads, 2); /* each region read exactly once */
    assert_int_equal(cmd.indirect, 1);
    assert_int_equal(cmd.nr_pages, 2);
    assert_int_equal(cmd.nr_segs, 4);
    assert_int_equal(cmd.data_len, 4096 + 4096 + 200 + 1024);
    assert_int_equal(cmd.segs[2].gref, 502);
    assert_int_equal(cmd.segs[3].gref, 503);

    /* The view is built from our copy: the page changing afterwards is harmless. */
    put_desc(0, 1, 666, 4000, 4000);
    assert_int_equal(cmd.segs[0].gref, 500);

    assert_int_equal(data_reject(&rq, &STRICT, &cmd, storage, 128), VSCSI_REJ_INDIRECT_UNSUPPORTED);
    assert_int_equal(data_reject(&rq, &SG128, &cmd, storage, 3), VSCSI_REJ_TOO_MANY_SEGS);
    struct vscsi_limits three = {3, 0, 0};
    assert_int_equal(data_reject(&rq, &three, &cmd, storage, 128), VSCSI_REJ_TOO_MANY_SEGS);
    /* A bad data segment inside an indirect page. */
    assert_int_equal(data_reject(&rq, &SG128, &cmd, storage, 128), VSCSI_REJ_SEG_BOUNDS);
    assert_int_equal(cmd.bad_index, 0);
    put_desc(0, 1, 500, 0, 4096);

    /* Each bad indirect region shape. */
    static const struct {
        uint16_t off, len;
    } bad[] = {{0, 0}, {0, 12}, {4, 8}, {4088, 16}, {4096, 0}, {0, 4104}};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        rq.seg[1].offset = bad[i].off;
        rq.seg[1].length = bad[i].len;
        assert_int_equal(data_reject(&rq, &SG128, &cmd, storage, 128), VSCSI_REJ_INDIRECT_DESC);
        assert_int_equal(cmd.bad_index, 1);
    }
    rq.seg[1].offset = 4088;
    rq.seg[1].length = 8;

    /* The accessor failing (bad grant) is a GRANT rejection. */
    rq.seg[1].gref = 7;
    assert_int_equal(data_reject(&rq, &SG128, &cmd, storage, 128), VSCSI_REJ_GRANT);
    rq.seg[1].gref = 101;
    /* More than 26 indirect pages. */
    rq.nr_segments = VSCSI_SG_GRANT | 27;
    assert_int_equal(data_reject(&rq, &SG128, &cmd, storage, 128), VSCSI_REJ_NR_SEGS);
    /* SG_GRANT with zero pages: no data, as Linux. */
    rq.nr_segments = VSCSI_SG_GRANT;
    assert_int_equal(data_reject(&rq, &SG128, &cmd, storage, 128), VSCSI_REJ_NONE);
    assert_int_equal(cmd.nr_segs, 0);
}

static int read_big(void *ctx, const struct vscsi_seg *d, void *dst)
{
    uint8_t(*big)[VSCSI_PAGE_SIZE] = ctx;
    memcpy(dst, &big[d->gref][d->offset], d->length);
    return 0;
}

/* The largest request the protocol can express: 26 full pages, 13312 segments. */
static void test_parse_indirect_max(void **state)
{
    (void)state;
    static uint8_t big[VSCSI_SG_TABLESIZE][VSCSI_PAGE_SIZE];
    static struct vscsi_seg storage[VSCSI_MAX_INDIRECT_SEGS];
    struct vscsi_request rq;
    struct vscsi_cmd cmd;
    for (unsigned p = 0; p < VSCSI_SG_TABLESIZE; p++)
        for (unsigned i = 0; i < VSCSI_SG_PER_PAGE; i++) {
            struct vscsi_seg s = {p * 1000 + i, 0, 512};
            memcpy(&big[p][i * 8], &s, 8);
        }
    vscsi_req_cdb(&rq, 3, &NX, READ10, 10, VSCSI_DIR_FROM_DEVICE, 0);
    for (unsigned p = 0; p < VSCSI_SG_TABLESIZE; p++)
        vscsi_req_add_indirect(&rq, p, 0, 4096);
    struct vscsi_limits max = {VSCSI_MAX_INDIRECT_SEGS, 0, 0};
    assert_int_equal(vscsi_cmd_parse(&rq, &max, &cmd), 0);
    assert_int_equal(
        vscsi_cmd_parse_data(&rq, &max, read_big, big, storage, VSCSI_MAX_INDIRECT_SEGS, &cmd), 0);
    assert_int_equal(cmd.nr_segs, 13312);
    assert_int_equal(cmd.data_len, 13312ull * 512);
    assert_int_equal(cmd.segs[13311].gref, 25 * 1000 + 511);
}

/* The branch-free segment checks against the rule written plainly, on every
 * edge of offset and length, in every position of a 26-segment list, direct
 * and indirect, with and without empty segments allowed. */
static int plain_bad(uint16_t off, uint16_t len, int allow_empty)
{
    return off >= VSCSI_PAGE_SIZE || (uint32_t)off + len > VSCSI_PAGE_SIZE ||
           (len == 0 && !allow_empty);
}

/* Parses a request whose one bad segment (if any) sits at pos. */
static void expect_parse(const struct vscsi_request *rq, const struct vscsi_limits *lim, int bad,
                         unsigned pos, struct vscsi_cmd *cmd)
{
    static struct vscsi_seg storage[VSCSI_SG_TABLESIZE];

    assert_int_equal(vscsi_cmd_parse(rq, lim, cmd), 0);
    assert_int_equal(
        vscsi_cmd_parse_data(rq, lim, read_region, NULL, storage, VSCSI_SG_TABLESIZE, cmd) != 0,
        bad);
    if (bad)
        assert_int_equal(cmd->bad_index, pos);
}

static void test_seg_checks_match_rule(void **state)
{
    (void)state;
    static const uint16_t offs[] = {0, 1, 7, 8, 512, 4088, 4095, 4096, 4097, 8192, 65535};
    static const uint16_t lens[] = {0, 1, 8, 511, 512, 4088, 4095, 4096, 4097, 8192, 65535};
    struct vscsi_seg sg[VSCSI_SG_TABLESIZE];

    for (unsigned a = 0; a < 2; a++) {
        struct vscsi_limits lim = {.max_segs = 64, .allow_zero_seg = (uint8_t)a};
        for (unsigned o = 0; o < sizeof(offs) / sizeof(offs[0]); o++) {
            for (unsigned l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
                int bad = plain_bad(offs[o], lens[l], (int)a);
                unsigned pos = (o * 11u + l) % VSCSI_SG_TABLESIZE;
                struct vscsi_request rq;
                struct vscsi_cmd cmd;

                for (unsigned i = 0; i < VSCSI_SG_TABLESIZE; i++)
                    sg[i] = (struct vscsi_seg){200 + i, 0, 4096};
                sg[pos] = (struct vscsi_seg){200 + pos, offs[o], lens[l]};
                /* The builder never allows empty segments. */
                vscsi_req_cdb(&rq, 1, &NX, READ10, 10, VSCSI_DIR_FROM_DEVICE, 0);
                assert_int_equal(vscsi_req_set_segs(&rq, sg, VSCSI_SG_TABLESIZE) != 0,
                                 plain_bad(offs[o], lens[l], 0));
                /* Direct, as received. */
                memcpy(rq.seg, sg, sizeof(sg));
                rq.nr_segments = VSCSI_SG_TABLESIZE;
                expect_parse(&rq, &lim, bad, pos, &cmd);
                /* Indirect: the same list from a descriptor page. */
                for (unsigned i = 0; i < VSCSI_SG_TABLESIZE; i++)
                    put_desc(0, i, sg[i].gref, sg[i].offset, sg[i].length);
                vscsi_req_cdb(&rq, 1, &NX, READ10, 10, VSCSI_DIR_FROM_DEVICE, 0);
                assert_int_equal(vscsi_req_add_indirect(&rq, 100, 0, sizeof(sg)), 0);
                expect_parse(&rq, &lim, bad, pos, &cmd);
                if (!bad)
                    assert_int_equal(cmd.data_len, 25u * 4096u + lens[l]);
            }
        }
    }
}

static void test_reject_answers(void **state)
{
    (void)state;
    assert_int_equal(vscsi_reject_rslt(VSCSI_REJ_NONE), 0);
    assert_int_equal(vscsi_reject_rslt(VSCSI_REJ_NO_LUN), 0x00010000);
    assert_int_equal(vscsi_reject_rslt(VSCSI_REJ_BUSY), 0x00020000);
    for (int r = VSCSI_REJ_ACT; r < VSCSI_REJ_COUNT; r++) {
        if (r == VSCSI_REJ_NO_LUN || r == VSCSI_REJ_BUSY)
            continue;
        assert_int_equal(vscsi_reject_rslt((enum vscsi_reject)r), 0x00070000);
        assert_string_not_equal(vscsi_reject_str((enum vscsi_reject)r), "?");
    }
    assert_string_equal(vscsi_reject_str(VSCSI_REJ_CMD_LEN), "cmd_len");
    assert_string_equal(vscsi_reject_str(VSCSI_REJ_COUNT), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_cdb),
        cmocka_unit_test(test_build_segments),
        cmocka_unit_test(test_build_set_segs),
        cmocka_unit_test(test_build_indirect),
        cmocka_unit_test(test_build_tmr),
        cmocka_unit_test(test_parse_header),
        cmocka_unit_test(test_parse_direct),
        cmocka_unit_test(test_parse_indirect),
        cmocka_unit_test(test_parse_indirect_max),
        cmocka_unit_test(test_reject_answers),
        cmocka_unit_test(test_seg_checks_match_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
