/* SPDX-License-Identifier: MIT */
/*
 * A refused command must not have happened (issue 11, item 4). A tape READ
 * or a disk WRITE that names one bad data grant (never granted, read-only
 * for a READ, granted to another domain, revoked) is answered host ERROR and
 * leaves the device exactly as it was: the tape's position (READ POSITION
 * before and after, and the next READ returns the next record), the disk's
 * blocks. In every data mode, with the platform's check_grants op and with
 * the engine's copy probe instead, with the target's direct buffer and
 * without, direct and indirect segments, and with the bad grant first, in
 * the middle and last.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "back_harness.h"
#include "vscsiif/scsi.h"
#include "target/bridge.h"
#include "target/target.h"

#define NSEG   3
#define RECLEN (NSEG * VSCSI_PAGE_SIZE) /* one tape record, one disk write */
#define BLK    512u

enum bad { BAD_NEVER, BAD_READONLY, BAD_FOREIGN, BAD_REVOKED, BAD_NR };
static const char *const bad_name[] = {"never granted", "read-only", "foreign", "revoked"};

struct rig {
    struct bh *h;
    struct vscsi_sim_bridge *br;
    struct vscsi_target_ops tops; /* the bridge's, direct_buffer maybe cleared */
    struct vscsi_tgt_lun *tape, *disk;
};

struct variant {
    enum vscsi_back_data_mode mode;
    int no_check_op; /* copy mode: the engine's probe instead of check_grants */
    int no_direct;   /* the target offers no direct buffer */
    int indirect;
};

static uint8_t rec_pat(unsigned rec, size_t p)
{
    return (uint8_t)(rec * 37u + p * 7u + (p >> 9));
}

static void tgt_run(struct vscsi_tgt_lun *l, const uint8_t *cdb, uint8_t cdb_len, uint8_t dir,
                    void *buf, size_t len, struct vscsi_tgt_result *res)
{
    struct vscsi_tgt_iov iov = {buf, len};
    struct vscsi_tgt_io io = {cdb, cdb_len, dir, len ? &iov : NULL, len ? 1u : 0u, len};
    vscsi_tgt_exec(l, &io, res);
}

static uint32_t tape_position(struct vscsi_tgt_lun *t)
{
    uint8_t cdb[10] = {0x34}, b[20];
    struct vscsi_tgt_result res;

    tgt_run(t, cdb, 10, VSCSI_DIR_FROM_DEVICE, b, sizeof(b), &res);
    assert_int_equal(res.status, VSCSI_SAM_GOOD);
    return (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
}

static void rig_up(struct rig *g, const struct variant *v)
{
    struct bh_opts o = {
        .mode = v->mode, .max_segs = 64, .nluns = 2, .no_check_op = (uint8_t)v->no_check_op};
    struct vscsi_tgt_tape_opts to = {.loaded = 1};
    struct vscsi_tgt_disk_opts dopt = {.blocks = 256, .block_size = BLK};
    struct vscsi_tgt_result res;
    uint8_t cdb[6] = {0}, *buf = malloc(RECLEN);

    memset(g, 0, sizeof(*g));
    assert_non_null(buf);
    g->h = bh_new(&o);
    g->tape = vscsi_tgt_tape_new(&to);
    g->disk = vscsi_tgt_disk_new(&dopt);
    g->br = vscsi_sim_bridge_new();
    assert_non_null(g->tape);
    assert_non_null(g->disk);
    assert_non_null(g->br);
    assert_int_equal(vscsi_sim_bridge_add(g->br, "lun0", g->tape), 0);
    assert_int_equal(vscsi_sim_bridge_add(g->br, "lun1", g->disk), 0);
    g->tops = *vscsi_sim_bridge_ops();
    if (v->no_direct)
        g->tops.direct_buffer = NULL;

    /* four records on the tape, then back to its start; the disk's first
     * blocks hold a pattern of their own */
    tgt_run(g->tape, cdb, 6, VSCSI_DIR_NONE, NULL, 0, &res); /* clears a power-on UA */
    for (unsigned r = 0; r < 4; r++) {
        for (size_t p = 0; p < RECLEN; p++)
            buf[p] = rec_pat(r, p);
        uint8_t w6[6] = {0x0a, 0, (uint8_t)(RECLEN >> 16), (uint8_t)(RECLEN >> 8), (uint8_t)RECLEN,
                         0};
        tgt_run(g->tape, w6, 6, VSCSI_DIR_TO_DEVICE, buf, RECLEN, &res);
        assert_int_equal(res.status, VSCSI_SAM_GOOD);
    }
    uint8_t rew[6] = {0x01};
    tgt_run(g->tape, rew, 6, VSCSI_DIR_NONE, NULL, 0, &res);
    assert_int_equal(res.status, VSCSI_SAM_GOOD);
    assert_int_equal(tape_position(g->tape), 0);
    for (size_t p = 0; p < RECLEN; p++)
        buf[p] = rec_pat(100, p);
    uint8_t w10[10];
    vscsi_cdb_write10(w10, 0, RECLEN / BLK);
    tgt_run(g->disk, w10, 10, VSCSI_DIR_TO_DEVICE, buf, RECLEN, &res);
    assert_int_equal(res.status, VSCSI_SAM_GOOD);
    free(buf);

    struct vscsi_back_config cfg = bh_config(g->h);
    cfg.target = &g->tops;
    cfg.target_ctx = g->br;
    vscsi_back_destroy(g->h->b);
    assert_int_equal(vscsi_back_new(&cfg, &g->h->b), 0);
    bh_connect(g->h);
}

static void rig_down(struct rig *g)
{
    bh_finish(g->h);
    vscsi_sim_bridge_free(g->br);
    vscsi_tgt_free(g->tape);
    vscsi_tgt_free(g->disk);
}

struct io {
    uint32_t ref[NSEG];
    uint8_t *page[NSEG];
};

/* Three full pages, segment `bad_seg` spoiled as `bad` says (-1: none).
 * READ pages are filled with 0xcc, WRITE pages with rec_pat(seed). */
static unsigned send(struct rig *g, const struct variant *v, struct io *x, uint16_t rqid,
                     const uint8_t *cdb, uint8_t cdb_len, uint8_t dir, struct vscsi_nexus nx,
                     int bad_seg, enum bad bad, unsigned seed)
{
    struct bh *h = g->h;

    for (uint32_t i = 0; i < NSEG; i++) {
        int ro = dir == VSCSI_DIR_TO_DEVICE || ((int)i == bad_seg && bad == BAD_READONLY);
        x->page[i] = bh_page(h, ro, &x->ref[i]);
        for (size_t b = 0; b < VSCSI_PAGE_SIZE; b++)
            x->page[i][b] =
                dir == VSCSI_DIR_TO_DEVICE ? rec_pat(seed, (size_t)i * VSCSI_PAGE_SIZE + b) : 0xcc;
    }
    uint32_t refs[NSEG];
    memcpy(refs, x->ref, sizeof(refs));
    if (bad_seg >= 0) {
        uint32_t r = x->ref[bad_seg];
        switch (bad) {
        case BAD_NEVER:
            refs[bad_seg] = BH_MAX_REFS - 1; /* above every ref handed out */
            break;
        case BAD_READONLY:
            break;
        case BAD_FOREIGN:
            assert_int_equal(
                vscsi_sim_grant_poke(h->hv, h->o.fdom, r, VSCSI_SIM_GTF_permit_access, 7), 0);
            break;
        case BAD_REVOKED: /* what a guest does to end foreign access */
            assert_int_equal(vscsi_sim_grant_poke(h->hv, h->o.fdom, r, 0, 0), 0);
            break;
        default:
            fail();
        }
    }
    struct vscsi_request *rq = bh_req(h);
    assert_int_equal(vscsi_req_cdb(rq, rqid, &nx, cdb, cdb_len, dir, 30), 0);
    if (v->indirect) {
        uint32_t iref;
        uint8_t *ip = bh_page(h, 1, &iref);
        for (uint32_t i = 0; i < NSEG; i++) {
            struct vscsi_seg s = {refs[i], 0, VSCSI_PAGE_SIZE};
            memcpy(ip + i * sizeof(s), &s, sizeof(s));
        }
        assert_int_equal(
            vscsi_req_add_indirect(rq, iref, 0, (uint16_t)(NSEG * sizeof(struct vscsi_seg))), 0);
    } else {
        for (uint32_t i = 0; i < NSEG; i++)
            assert_int_equal(vscsi_req_add_seg(rq, refs[i], 0, VSCSI_PAGE_SIZE), 0);
    }
    unsigned rec = bh_produce(h);
    bh_push(h);
    return rec;
}

static void read6(uint8_t cdb[6])
{
    const uint8_t c[6] = {0x08, 0, (uint8_t)(RECLEN >> 16), (uint8_t)(RECLEN >> 8), (uint8_t)RECLEN,
                          0};
    memcpy(cdb, c, 6);
}

static void check_untouched(const struct io *x)
{
    for (uint32_t i = 0; i < NSEG; i++)
        for (size_t b = 0; b < VSCSI_PAGE_SIZE; b++)
            if (x->page[i][b] != 0xcc)
                fail_msg("page %u byte %zu written by a refused READ", i, b);
}

static void check_record(const struct io *x, unsigned rec)
{
    for (size_t p = 0; p < RECLEN; p++)
        if (x->page[p / VSCSI_PAGE_SIZE][p % VSCSI_PAGE_SIZE] != rec_pat(rec, p))
            fail_msg("byte %zu is not record %u's", p, rec);
}

static void check_disk(struct vscsi_tgt_lun *disk, unsigned seed)
{
    uint8_t cdb[10], *buf = malloc(RECLEN);
    struct vscsi_tgt_result res;

    assert_non_null(buf);
    vscsi_cdb_read10(cdb, 0, RECLEN / BLK);
    tgt_run(disk, cdb, 10, VSCSI_DIR_FROM_DEVICE, buf, RECLEN, &res);
    assert_int_equal(res.status, VSCSI_SAM_GOOD);
    for (size_t p = 0; p < RECLEN; p++)
        if (buf[p] != rec_pat(seed, p))
            fail_msg("disk byte %zu: %#x, want %#x", p, buf[p], rec_pat(seed, p));
    free(buf);
}

static void tape_case(const struct variant *v, enum bad bad, int bad_seg)
{
    struct rig g;
    struct io x;
    uint8_t cdb[6];
    const struct vscsi_nexus tape = bh_nx(0, 0, 0); /* dev-0 */

    rig_up(&g, v);
    read6(cdb);
    /* record 0, good */
    unsigned rec = send(&g, v, &x, 1, cdb, 6, VSCSI_DIR_FROM_DEVICE, tape, -1, bad, 0);
    assert_int_equal(bh_rslt(g.h, rec), 0);
    check_record(&x, 0);
    assert_int_equal(tape_position(g.tape), 1);

    /* the refused one: no answer but host ERROR, and the tape did not move */
    rec = send(&g, v, &x, 2, cdb, 6, VSCSI_DIR_FROM_DEVICE, tape, bad_seg, bad, 0);
    if (bh_rslt(g.h, rec) != BH_RSLT_ERROR)
        fail_msg("%s grant at seg %d: rslt %#x", bad_name[bad], bad_seg, bh_rslt(g.h, rec));
    check_untouched(&x);
    if (tape_position(g.tape) != 1)
        fail_msg("%s grant at seg %d: the tape moved to %u", bad_name[bad], bad_seg,
                 tape_position(g.tape));

    /* and the next READ gets record 1, not 2 */
    rec = send(&g, v, &x, 3, cdb, 6, VSCSI_DIR_FROM_DEVICE, tape, -1, bad, 0);
    assert_int_equal(bh_rslt(g.h, rec), 0);
    check_record(&x, 1);
    assert_int_equal(tape_position(g.tape), 2);
    assert_int_equal(bh_rslt(g.h, bh_tur(g.h, 0xbeef, bh_nx(0, 0, 0))), 0);
    rig_down(&g);
}

static void disk_case(const struct variant *v, enum bad bad, int bad_seg)
{
    struct rig g;
    struct io x;
    uint8_t cdb[10];
    const struct vscsi_nexus disk = bh_nx(0, 1, 0); /* dev-1 */

    rig_up(&g, v);
    vscsi_cdb_write10(cdb, 0, RECLEN / BLK);
    unsigned rec = send(&g, v, &x, 1, cdb, 10, VSCSI_DIR_TO_DEVICE, disk, bad_seg, bad, 200);
    if (bh_rslt(g.h, rec) != BH_RSLT_ERROR)
        fail_msg("%s grant at seg %d: rslt %#x", bad_name[bad], bad_seg, bh_rslt(g.h, rec));
    check_disk(g.disk, 100); /* not one block of the refused WRITE */

    rec = send(&g, v, &x, 2, cdb, 10, VSCSI_DIR_TO_DEVICE, disk, -1, bad, 201);
    assert_int_equal(bh_rslt(g.h, rec), 0);
    check_disk(g.disk, 201);
    assert_int_equal(bh_rslt(g.h, bh_tur(g.h, 0xbeef, bh_nx(0, 0, 0))), 0);
    rig_down(&g);
}

static const struct variant variants[] = {
    {VSCSI_BACK_COPY, 0, 0, 0}, {VSCSI_BACK_COPY, 0, 0, 1}, {VSCSI_BACK_COPY, 1, 0, 0},
    {VSCSI_BACK_COPY, 1, 0, 1}, {VSCSI_BACK_COPY, 0, 1, 0}, {VSCSI_BACK_COPY, 1, 1, 1},
    {VSCSI_BACK_MAP, 0, 0, 0},  {VSCSI_BACK_MAP, 0, 0, 1},
};
#define NVARIANTS (sizeof(variants) / sizeof(variants[0]))

static void test_tape_read_bad_grant(void **state)
{
    (void)state;
    for (unsigned i = 0; i < NVARIANTS; i++)
        for (int bad = 0; bad < BAD_NR; bad++)
            for (int seg = 0; seg < NSEG; seg++)
                tape_case(&variants[i], (enum bad)bad, seg);
}

/* A read-only grant is right for a WRITE; the other three are not. The bad
 * grant last matters most: a direct WRITE copies segment by segment into the
 * disk's own memory. */
static void test_disk_write_bad_grant(void **state)
{
    (void)state;
    for (unsigned i = 0; i < NVARIANTS; i++)
        for (int bad = 0; bad < BAD_NR; bad++) {
            if (bad == BAD_READONLY)
                continue;
            for (int seg = 0; seg < NSEG; seg++)
                disk_case(&variants[i], (enum bad)bad, seg);
        }
}

/* The cost: a copy-mode READ asks the platform once, whatever its segment
 * count; without the op, one copy_grants call of 2 x segments 1-byte copies. */
static void test_check_cost(void **state)
{
    (void)state;
    for (int no_op = 0; no_op < 2; no_op++) {
        struct variant v = {VSCSI_BACK_COPY, no_op, 0, 0};
        struct rig g;
        struct io x;
        uint8_t cdb[6];

        rig_up(&g, &v);
        read6(cdb);
        unsigned checks = g.h->check_calls, copies = g.h->copy_calls;
        unsigned rec =
            send(&g, &v, &x, 1, cdb, 6, VSCSI_DIR_FROM_DEVICE, bh_nx(0, 0, 0), -1, BAD_NEVER, 0);
        assert_int_equal(bh_rslt(g.h, rec), 0);
        assert_int_equal(g.h->check_calls, checks + (no_op ? 0 : 1));
        assert_int_equal(g.h->copy_calls, copies + (no_op ? 2 : 1));
        for (uint32_t i = 0; i < NSEG; i++)
            assert_int_equal(g.h->ref_copy_to[x.ref[i]], no_op ? 2 : 1);
        check_record(&x, 0);
        rig_down(&g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tape_read_bad_grant),
        cmocka_unit_test(test_disk_write_bad_grant),
        cmocka_unit_test(test_check_cost),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
