/* SPDX-License-Identifier: MIT */
/* Backend engine: direct buffers (target.h, direct_buffer). In copy mode a
 * target may offer its own memory for a command, and the data then moves
 * once, between the frontend's pages and that memory. First against a
 * scripted target (what the engine does with each answer, errors, task
 * management), then against the simulator's disk through the bridge (which
 * commands it takes, which it declines, the bytes on the medium). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "back_harness.h"
#include "target/bridge.h"
#include "scenario/io.h"
#include "target/target.h"
#include "vscsiif/scsi.h"

/* ------------------------------------------------ a scripted direct target */

/* The harness target (h->tgt) with a direct_buffer of the test's choosing;
 * the harness hands it the bench as tctx, so its state hangs off h->hook. */
struct dt {
    uint8_t *buf; /* what the target offers */
    size_t cap;
    int answer;       /* direct_buffer's return value */
    long len_adjust;  /* out->len = data_len + len_adjust */
    int null_base;    /* out->base = NULL */
    unsigned asked;   /* direct_buffer calls */
    unsigned submits; /* submit calls seen by on_submit */
    unsigned directs; /* of which marked direct */
    const void *iov0; /* iov[0].base of the last submit */
    unsigned iovcnt;
};

static int dt_direct(void *tctx, void *lun, const struct vscsi_target_cmd *cmd,
                     struct vscsi_iov *out)
{
    struct bh *h = tctx;
    struct dt *d = h->hook;

    d->asked++;
    assert_non_null(lun);
    /* what the contract promises at this point */
    assert_non_null(cmd->cdb);
    assert_true(cmd->cdb_len > 0);
    assert_true(cmd->dir == VSCSI_DIR_TO_DEVICE || cmd->dir == VSCSI_DIR_FROM_DEVICE);
    assert_true(cmd->data_len > 0);
    assert_null(cmd->iov);
    assert_int_equal(cmd->iovcnt, 0);
    assert_int_equal(cmd->direct, 0);
    assert_non_null(cmd->engine);
    if (d->answer != 1)
        return d->answer;
    assert_true(cmd->data_len <= d->cap);
    out->base = d->null_base ? NULL : d->buf;
    out->len = (size_t)((long)cmd->data_len + d->len_adjust);
    return 1;
}

static void dt_on_submit(void *hp, struct bh_tcmd *c)
{
    struct bh *h = hp;
    struct dt *d = h->hook;

    d->submits++;
    d->directs += c->tc->direct;
    d->iov0 = c->tc->iovcnt ? c->tc->iov[0].base : NULL;
    d->iovcnt = c->tc->iovcnt;
}

static struct bh *dt_bench(struct dt *d, enum vscsi_back_data_mode mode, uint32_t max_segs)
{
    struct bh_opts o = {.mode = mode, .max_segs = max_segs, .nluns = 1};
    struct bh *h = bh_new(&o);

    memset(d, 0, sizeof(*d));
    d->cap = 1u << 20;
    d->buf = malloc(d->cap);
    assert_non_null(d->buf);
    memset(d->buf, 0x5a, d->cap);
    d->answer = 1;
    h->hook = d;
    h->tgt.ops.direct_buffer = dt_direct;
    h->tgt.on_submit = dt_on_submit;
    bh_connect(h);
    return h;
}

static void dt_done(struct bh *h, struct dt *d)
{
    bh_finish(h);
    free(d->buf);
}

static unsigned send(struct bh *h, struct bh_xfer *x, uint16_t rqid, uint8_t dir, uint32_t nsegs,
                     int indirect)
{
    bh_xfer_prep(h, x, rqid, dir, nsegs, indirect, 0, 0);
    unsigned rec = bh_xfer_send(h, x, bh_nx(0, 0, 0));
    bh_push(h);
    return rec;
}

/* Every data page of x was read (WRITE) or written (READ) by exactly `n` grant copies. */
static void copied(struct bh *h, const struct bh_xfer *x, unsigned n)
{
    for (uint32_t i = 0; i < x->nsegs; i++) {
        unsigned got =
            x->dir == VSCSI_DIR_TO_DEVICE ? h->ref_reads[x->ref[i]] : h->ref_copy_to[x->ref[i]];
        if (got != n)
            fail_msg("rqid %u seg %u: copied %u times, want %u", x->rqid, i, got, n);
    }
}

/* An accepted WRITE lands in the target's memory, an accepted READ is taken
 * from it: one grant copy per page, the command marked, the target's buffer
 * as its only iov. */
static void test_direct_write_then_read(void **state)
{
    (void)state;
    for (int ind = 0; ind < 2; ind++) {
        struct dt d;
        struct bh *h = dt_bench(&d, VSCSI_BACK_COPY, ind ? 1024 : 0);
        struct bh_xfer w, r;
        uint32_t nsegs = ind ? 60 : 7;

        unsigned rec = send(h, &w, 1, VSCSI_DIR_TO_DEVICE, nsegs, ind);
        assert_int_equal(bh_rslt(h, rec), 0);
        assert_int_equal(d.asked, 1);
        assert_int_equal(d.submits, 1);
        assert_int_equal(d.directs, 1);
        assert_ptr_equal(d.iov0, d.buf);
        assert_int_equal(d.iovcnt, 1);
        for (size_t p = 0; p < w.total; p++)
            if (d.buf[p] != bh_wpat(w.seed, p))
                fail_msg("byte %zu: %#x want %#x", p, d.buf[p], bh_wpat(w.seed, p));
        assert_int_equal(d.buf[w.total], 0x5a); /* not a byte more */
        copied(h, &w, 1);
        assert_int_equal(bh_stats(h).bytes_out, w.total); /* data-out */

        /* READ: the target fills nothing at completion; the bytes are in its buffer */
        h->tgt.no_fill = 1;
        for (size_t p = 0; p < d.cap; p++)
            d.buf[p] = bh_rpat(2, p);
        rec = send(h, &r, 2, VSCSI_DIR_FROM_DEVICE, nsegs, ind);
        assert_int_equal(bh_rslt(h, rec), 0);
        assert_int_equal(bh_rsp(h, rec)->residual_len, 0);
        assert_int_equal(d.asked, 2);
        assert_int_equal(d.directs, 2);
        assert_ptr_equal(d.iov0, d.buf);
        bh_xfer_check_read(h, &r, r.total);
        copied(h, &r, 1);
        assert_int_equal(bh_stats(h).bytes_in, r.total);

        /* commands without data are never offered */
        bh_tur(h, 3, bh_nx(0, 0, 0));
        assert_int_equal(d.asked, 2);
        bh_xfer_free(&w);
        bh_xfer_free(&r);
        dt_done(h, &d);
    }
}

/* A short direct READ delivers only what the target says it moved. */
static void test_direct_read_residual(void **state)
{
    (void)state;
    struct dt d;
    struct bh *h = dt_bench(&d, VSCSI_BACK_COPY, 0);
    struct bh_xfer r;

    h->tgt.no_fill = 1;
    for (size_t p = 0; p < d.cap; p++)
        d.buf[p] = bh_rpat(4, p);
    h->tgt.residual = 1000;
    unsigned rec = send(h, &r, 4, VSCSI_DIR_FROM_DEVICE, 5, 0);
    assert_int_equal(bh_rslt(h, rec), 0);
    assert_int_equal(bh_rsp(h, rec)->residual_len, 1000);
    assert_int_equal(d.directs, 1);
    bh_xfer_check_read(h, &r, r.total - 1000);
    assert_int_equal(bh_stats(h).bytes_in, r.total - 1000);
    bh_xfer_free(&r);

    /* more residual than data: nothing at all */
    h->tgt.residual = 0xffffffffu;
    rec = send(h, &r, 5, VSCSI_DIR_FROM_DEVICE, 2, 0);
    assert_int_equal(bh_rslt(h, rec), 0);
    assert_int_equal(bh_rsp(h, rec)->residual_len, r.total);
    bh_xfer_check_read(h, &r, 0);
    bh_xfer_free(&r);
    dt_done(h, &d);
}

/* Declining, and answers outside the contract, leave the bounce path exactly as before. */
static void test_decline_falls_back(void **state)
{
    (void)state;
    struct {
        int answer;
        long len_adjust;
        int null_base;
    } cases[] = {{0, 0, 0}, {-EIO, 0, 0}, {2, 0, 0}, {1, 1, 0}, {1, -1, 0}, {1, 0, 1}};

    for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct dt d;
        struct bh *h = dt_bench(&d, VSCSI_BACK_COPY, 0);
        struct bh_xfer w, r;

        d.answer = cases[i].answer;
        d.len_adjust = cases[i].len_adjust;
        d.null_base = cases[i].null_base;
        unsigned rec = send(h, &w, 1, VSCSI_DIR_TO_DEVICE, 6, 0);
        assert_int_equal(bh_rslt(h, rec), 0);
        assert_int_equal(d.asked, 1);
        assert_int_equal(d.directs, 0);
        assert_ptr_not_equal(d.iov0, d.buf);
        struct bh_tcmd *c = bh_tcmd_by_rqid(h, 1);
        for (size_t p = 0; p < w.total; p++)
            assert_int_equal(c->data[p], bh_wpat(w.seed, p));
        assert_int_equal(d.buf[0], 0x5a); /* the offered memory was not touched */

        rec = send(h, &r, 2, VSCSI_DIR_FROM_DEVICE, 6, 0); /* the harness fills the bounce */
        assert_int_equal(bh_rslt(h, rec), 0);
        assert_int_equal(d.asked, 2);
        assert_int_equal(d.directs, 0);
        bh_xfer_check_read(h, &r, r.total);
        assert_int_equal(d.buf[0], 0x5a);
        bh_xfer_free(&w);
        bh_xfer_free(&r);
        dt_done(h, &d);
    }
}

/* A table from before direct_buffer (its size ends in front of it) is never
 * asked, whatever lies past its end; nor is anyone in map mode. */
static void test_old_table_and_map_mode(void **state)
{
    (void)state;
    struct dt d;
    struct bh *h = dt_bench(&d, VSCSI_BACK_COPY, 0);
    struct bh_xfer w, r;

    h->tgt.ops.size = offsetof(struct vscsi_target_ops, direct_buffer);
    unsigned rec = send(h, &w, 1, VSCSI_DIR_TO_DEVICE, 3, 0);
    assert_int_equal(bh_rslt(h, rec), 0);
    rec = send(h, &r, 2, VSCSI_DIR_FROM_DEVICE, 3, 0);
    assert_int_equal(bh_rslt(h, rec), 0);
    bh_xfer_check_read(h, &r, r.total);
    assert_int_equal(d.asked, 0);
    assert_int_equal(d.submits, 2);
    assert_int_equal(d.directs, 0);
    assert_int_equal(d.buf[0], 0x5a);
    bh_xfer_free(&w);
    bh_xfer_free(&r);
    dt_done(h, &d);

    h = dt_bench(&d, VSCSI_BACK_MAP, 0);
    rec = send(h, &w, 1, VSCSI_DIR_TO_DEVICE, 3, 0);
    assert_int_equal(bh_rslt(h, rec), 0);
    rec = send(h, &r, 2, VSCSI_DIR_FROM_DEVICE, 3, 0);
    assert_int_equal(bh_rslt(h, rec), 0);
    assert_int_equal(d.asked, 0);
    assert_int_equal(d.directs, 0);
    assert_int_equal(d.iovcnt, 3); /* the mapped pages */
    bh_xfer_free(&w);
    bh_xfer_free(&r);
    dt_done(h, &d);
}

/* A direct WRITE whose grant copy fails is answered host ERROR and never
 * submitted. When no segment could be read the target's memory is as it
 * was; a partial failure may leave some of it written (target.h). */
static void test_direct_write_copy_fails(void **state)
{
    (void)state;
    struct dt d;
    struct bh *h = dt_bench(&d, VSCSI_BACK_COPY, 0);
    struct bh_xfer w;

    assert_int_equal(vscsi_sim_fault(h->hv, 0, VSCSI_SIM_FAULT_COPY, 1, 0), 0); /* every one */
    unsigned rec = send(h, &w, 1, VSCSI_DIR_TO_DEVICE, 8, 0);
    assert_int_equal(bh_rslt(h, rec), BH_RSLT_ERROR);
    assert_int_equal(vscsi_sim_fault(h->hv, 0, VSCSI_SIM_FAULT_COPY, 0, 0), 0);
    assert_int_equal(d.asked, 1);
    assert_int_equal(d.submits, 0);
    assert_int_equal(h->tgt.ncmds, 0);
    for (size_t p = 0; p < w.total + 16; p++)
        assert_int_equal(d.buf[p], 0x5a);
    bh_xfer_free(&w);

    /* the third segment of eight fails */
    assert_int_equal(vscsi_sim_fault(h->hv, 0, VSCSI_SIM_FAULT_COPY, 3, 1), 0);
    rec = send(h, &w, 2, VSCSI_DIR_TO_DEVICE, 8, 0);
    assert_int_equal(bh_rslt(h, rec), BH_RSLT_ERROR);
    assert_int_equal(vscsi_sim_fault(h->hv, 0, VSCSI_SIM_FAULT_COPY, 0, 0), 0);
    assert_int_equal(d.asked, 2);
    assert_int_equal(h->tgt.ncmds, 0);
    bh_xfer_free(&w);

    /* and the next command is served, directly */
    rec = send(h, &w, 3, VSCSI_DIR_TO_DEVICE, 2, 0);
    assert_int_equal(bh_rslt(h, rec), 0);
    assert_int_equal(d.directs, 1);
    bh_xfer_free(&w);
    dt_done(h, &d);
}

/* The frontend takes its pages back while a direct READ runs: host ERROR,
 * as on the bounce path. */
static void test_direct_read_pages_revoked(void **state)
{
    (void)state;
    struct dt d;
    struct bh *h = dt_bench(&d, VSCSI_BACK_COPY, 0);
    struct bh_xfer r;

    h->tgt.hold = 1;
    h->tgt.no_fill = 1;
    unsigned rec = send(h, &r, 1, VSCSI_DIR_FROM_DEVICE, 4, 0);
    assert_int_equal(d.directs, 1);
    assert_int_equal(bh_tgt_pending(h), 1);
    /* what a guest does to end foreign access: clear the entry */
    for (uint32_t i = 0; i < r.nsegs; i++)
        assert_int_equal(vscsi_sim_grant_poke(h->hv, h->o.fdom, r.ref[i], 0, 0), 0);
    bh_tgt_complete(h, bh_tcmd_by_rqid(h, 1), 0, 0, NULL, 0, 0);
    assert_int_equal(bh_rslt(h, rec), BH_RSLT_ERROR);
    bh_xfer_check_read(h, &r, 0);
    bh_xfer_free(&r);
    h->tgt.hold = 0;
    bh_assert_served(h);
    dt_done(h, &d);
}

/* ABORT, LUN RESET and disconnect with direct commands in flight: each gets
 * its one answer and nothing reaches the frontend's pages. */
static void test_direct_abort_reset_disconnect(void **state)
{
    (void)state;
    struct dt d;
    struct bh *h = dt_bench(&d, VSCSI_BACK_COPY, 0);
    struct bh_xfer r1, w2, r3;

    h->tgt.hold = 1;
    h->tgt.no_fill = 1;
    for (size_t p = 0; p < d.cap; p++)
        d.buf[p] = 0x77;
    unsigned a = send(h, &r1, 1, VSCSI_DIR_FROM_DEVICE, 3, 0);
    unsigned b = send(h, &w2, 2, VSCSI_DIR_TO_DEVICE, 3, 0);
    assert_int_equal(d.directs, 2);
    assert_int_equal(bh_tgt_pending(h), 2);

    unsigned ab = bh_tmr(h, VSCSI_ACT_ABORT, 10, bh_nx(0, 0, 0), 1);
    assert_int_equal(bh_rslt(h, a), BH_RSLT_ABORT);
    assert_int_equal(bh_rslt(h, ab), VSCSI_RSLT_RESET_SUCCESS);
    bh_xfer_check_read(h, &r1, 0);
    copied(h, &r1, 0);

    unsigned rs = bh_tmr(h, VSCSI_ACT_RESET, 11, bh_nx(0, 0, 0), 0);
    assert_int_equal(bh_rslt(h, b), BH_RSLT_RESET);
    assert_int_equal(bh_rslt(h, rs), VSCSI_RSLT_RESET_SUCCESS);
    assert_int_equal(bh_tgt_pending(h), 0);

    /* in flight when the frontend goes */
    unsigned c = send(h, &r3, 3, VSCSI_DIR_FROM_DEVICE, 2, 0);
    assert_int_equal(d.directs, 3);
    vscsi_back_destroy(h->b);
    h->b = NULL;
    bh_collect(h);
    assert_int_equal(bh_rslt(h, c), BH_RSLT_RESET);
    bh_xfer_check_read(h, &r3, 0);
    copied(h, &r3, 0);
    bh_xfer_free(&r1);
    bh_xfer_free(&w2);
    bh_xfer_free(&r3);
    dt_done(h, &d);
}

/* ------------------------------------- the simulator's disk through the bridge */

#define BLK 512u

/* The bridge behind a counting shim: how often the engine asked, what the
 * disk said, and how each command was submitted. */
struct shim {
    struct vscsi_target_ops ops;
    const struct vscsi_target_ops *in;
    struct vscsi_sim_bridge *br;
    unsigned asked, accepted, submits, directs;
};

static int s_open(void *t, const char *pdev, void **lun)
{
    struct shim *s = t;
    return s->in->open(s->br, pdev, lun);
}

static void s_close(void *t, void *lun)
{
    struct shim *s = t;
    s->in->close(s->br, lun);
}

static int s_submit(void *t, void *lun, struct vscsi_target_cmd *cmd)
{
    struct shim *s = t;
    s->submits++;
    s->directs += cmd->direct;
    return s->in->submit(s->br, lun, cmd);
}

static int s_abort(void *t, void *lun, struct vscsi_target_cmd *cmd)
{
    struct shim *s = t;
    return s->in->abort(s->br, lun, cmd);
}

static int s_reset(void *t, void *lun)
{
    struct shim *s = t;
    return s->in->reset(s->br, lun);
}

static int s_direct(void *t, void *lun, const struct vscsi_target_cmd *cmd, struct vscsi_iov *out)
{
    struct shim *s = t;
    s->asked++;
    int rc = s->in->direct_buffer(s->br, lun, cmd, out);
    s->accepted += rc == 1;
    return rc;
}

struct rig {
    struct bh *h;
    struct shim s;
    struct vscsi_tgt_lun *disk;
};

static void rig_up(struct rig *g, uint64_t blocks)
{
    struct bh_opts o = {.mode = VSCSI_BACK_COPY, .max_segs = 256, .nluns = 1};
    struct vscsi_tgt_disk_opts dopt = {.blocks = blocks, .block_size = BLK};

    memset(g, 0, sizeof(*g));
    g->h = bh_new(&o);
    g->disk = vscsi_tgt_disk_new(&dopt);
    assert_non_null(g->disk);
    g->s.in = vscsi_sim_bridge_ops();
    assert_non_null(g->s.in->direct_buffer);
    g->s.br = vscsi_sim_bridge_new();
    assert_non_null(g->s.br);
    assert_int_equal(vscsi_sim_bridge_add(g->s.br, "lun0", g->disk), 0);
    g->s.ops = (struct vscsi_target_ops){.size = sizeof(struct vscsi_target_ops),
                                         .open = s_open,
                                         .close = s_close,
                                         .submit = s_submit,
                                         .abort = s_abort,
                                         .reset = s_reset,
                                         .direct_buffer = s_direct};
    struct vscsi_back_config cfg = bh_config(g->h);
    cfg.target = &g->s.ops;
    cfg.target_ctx = &g->s;
    vscsi_back_destroy(g->h->b);
    assert_int_equal(vscsi_back_new(&cfg, &g->h->b), 0);
    bh_connect(g->h);
}

static void rig_down(struct rig *g)
{
    bh_finish(g->h);
    vscsi_sim_bridge_free(g->s.br);
    vscsi_tgt_free(g->disk);
}

static uint8_t pat(uint32_t seed, uint64_t p)
{
    return (uint8_t)((p * 0x9e3779b1u + seed * 0x85ebca6bu) >> 13);
}

struct io {
    uint32_t nsegs;
    uint32_t ref[64];
    uint8_t *page[64];
    size_t len;
};

/* A READ or WRITE of `len` bytes in full pages (the last one partial) with
 * the given CDB; WRITE pages carry pat(seed). Returns the record. */
static unsigned rw(struct rig *g, struct io *x, const uint8_t *cdb, uint8_t cdb_len, uint8_t dir,
                   size_t len, uint32_t seed)
{
    struct bh *h = g->h;
    struct vscsi_request *rq;
    struct vscsi_nexus nx = bh_nx(0, 0, 0);

    memset(x, 0, sizeof(*x));
    x->len = len;
    for (size_t off = 0; off < len; off += VSCSI_PAGE_SIZE) {
        uint32_t i = x->nsegs++;
        assert_true(i < 64);
        x->page[i] = bh_page(h, dir == VSCSI_DIR_TO_DEVICE, &x->ref[i]);
        for (size_t b = 0; b < VSCSI_PAGE_SIZE && off + b < len; b++)
            x->page[i][b] = dir == VSCSI_DIR_TO_DEVICE ? pat(seed, off + b) : 0xcc;
    }
    rq = bh_req(h);
    assert_int_equal(vscsi_req_cdb(rq, (uint16_t)seed, &nx, cdb, cdb_len, dir, 30), 0);
    if (x->nsegs > VSCSI_SG_TABLESIZE) {
        /* indirect: one descriptor page */
        uint32_t iref;
        uint8_t *ip = bh_page(h, 1, &iref);
        for (uint32_t i = 0; i < x->nsegs; i++) {
            size_t l = len - (size_t)i * VSCSI_PAGE_SIZE;
            struct vscsi_seg s = {x->ref[i], 0,
                                  (uint16_t)(l > VSCSI_PAGE_SIZE ? VSCSI_PAGE_SIZE : l)};
            memcpy(ip + i * 8, &s, 8);
        }
        assert_int_equal(vscsi_req_add_indirect(rq, iref, 0, (uint16_t)(x->nsegs * 8)), 0);
    } else {
        for (uint32_t i = 0; i < x->nsegs; i++) {
            size_t l = len - (size_t)i * VSCSI_PAGE_SIZE;
            assert_int_equal(
                vscsi_req_add_seg(rq, x->ref[i], 0,
                                  (uint16_t)(l > VSCSI_PAGE_SIZE ? VSCSI_PAGE_SIZE : l)),
                0);
        }
    }
    unsigned rec = bh_produce(h);
    bh_push(h);
    return rec;
}

/* The read-back pages hold pat(seed) from medium byte `from`, for `len` bytes. */
static void check_pages(const struct io *x, uint32_t seed, size_t len)
{
    for (size_t p = 0; p < len; p++) {
        uint8_t got = x->page[p / VSCSI_PAGE_SIZE][p % VSCSI_PAGE_SIZE];
        if (got != pat(seed, p))
            fail_msg("byte %zu: %#x want %#x", p, got, pat(seed, p));
    }
}

/* The medium itself, read by the target's own bounce path. */
static void check_medium(struct vscsi_tgt_lun *disk, uint32_t lba, uint16_t n, uint32_t seed)
{
    size_t len = (size_t)n * BLK;
    uint8_t *buf = malloc(len), cdb[10];
    struct vscsi_tgt_iov iov = {buf, len};
    struct vscsi_tgt_io io = {cdb, 10, VSCSI_DIR_FROM_DEVICE, &iov, 1, len};
    struct vscsi_tgt_result res;

    assert_non_null(buf);
    vscsi_cdb_rw10(cdb, VSCSI_OP_READ_10, lba, n);
    vscsi_tgt_exec(disk, &io, &res);
    assert_int_equal(res.status, 0);
    for (size_t p = 0; p < len; p++)
        if (buf[p] != pat(seed, p))
            fail_msg("medium byte %zu: %#x want %#x", p, buf[p], pat(seed, p));
    free(buf);
}

/* 64 KiB WRITE then READ: the disk takes both directly, the engine copies
 * each page once, the disk copies nothing, and the bytes are on the medium. */
static void test_disk_round_trip(void **state)
{
    (void)state;
    struct rig g;
    struct io w, r;
    uint8_t cdb[10];
    struct vscsi_tgt_stats ts;

    rig_up(&g, 4096);
    vscsi_cdb_rw10(cdb, VSCSI_OP_WRITE_10, 100, 128);
    unsigned copies = g.h->copy_calls;
    unsigned rec = rw(&g, &w, cdb, 10, VSCSI_DIR_TO_DEVICE, 65536, 21);
    assert_int_equal(bh_rslt(g.h, rec), 0);
    assert_int_equal(g.h->copy_calls, copies + 1); /* one grant copy call, 16 segments */
    for (uint32_t i = 0; i < w.nsegs; i++)
        assert_int_equal(g.h->ref_reads[w.ref[i]], 1);
    assert_int_equal(g.s.asked, 1);
    assert_int_equal(g.s.accepted, 1);
    assert_int_equal(g.s.directs, 1);
    vscsi_tgt_stats(g.disk, &ts);
    assert_int_equal(ts.direct, 1);
    assert_int_equal(ts.bytes_out, 65536);
    check_medium(g.disk, 100, 128, 21);

    vscsi_cdb_rw10(cdb, VSCSI_OP_READ_10, 100, 128);
    copies = g.h->copy_calls;
    rec = rw(&g, &r, cdb, 10, VSCSI_DIR_FROM_DEVICE, 65536, 22);
    assert_int_equal(bh_rslt(g.h, rec), 0);
    assert_int_equal(bh_rsp(g.h, rec)->residual_len, 0);
    assert_int_equal(g.h->copy_calls, copies + 1);
    for (uint32_t i = 0; i < r.nsegs; i++)
        assert_int_equal(g.h->ref_copy_to[r.ref[i]], 1);
    check_pages(&r, 21, 65536);
    assert_int_equal(g.s.accepted, 2);
    assert_int_equal(g.s.directs, 2);
    vscsi_tgt_stats(g.disk, &ts);
    assert_int_equal(ts.direct, 2);
    assert_int_equal(ts.bytes_in, 2 * 65536); /* this READ and check_medium's */
    rig_down(&g);
}

/* Every READ/WRITE size the disk knows, direct, indirect included. */
static void test_disk_cdb_sizes(void **state)
{
    (void)state;
    struct rig g;
    struct io w, r;
    uint8_t c[16];
    unsigned rec;

    rig_up(&g, 1u << 16);
    /* WRITE(6) of 256 blocks ("0 means 256"): 128 KiB, indirect */
    memset(c, 0, sizeof(c));
    c[0] = 0x0a;
    c[3] = 7;
    rec = rw(&g, &w, c, 6, VSCSI_DIR_TO_DEVICE, 256 * BLK, 31);
    assert_int_equal(bh_rslt(g.h, rec), 0);
    /* READ(12) of the same */
    memset(c, 0, sizeof(c));
    c[0] = 0xa8;
    c[5] = 7;
    c[9] = 0; /* bytes 6..9: 256 */
    c[8] = 1;
    rec = rw(&g, &r, c, 12, VSCSI_DIR_FROM_DEVICE, 256 * BLK, 32);
    assert_int_equal(bh_rslt(g.h, rec), 0);
    check_pages(&r, 31, 256 * BLK);
    /* WRITE(16) with FUA, READ(6) */
    memset(c, 0, sizeof(c));
    c[0] = 0x8a;
    c[1] = 0x08;
    c[9] = 200;
    c[13] = 3;
    rec = rw(&g, &w, c, 16, VSCSI_DIR_TO_DEVICE, 3 * BLK, 33);
    assert_int_equal(bh_rslt(g.h, rec), 0);
    memset(c, 0, sizeof(c));
    c[0] = 0x08;
    c[3] = 200;
    c[4] = 3;
    rec = rw(&g, &r, c, 6, VSCSI_DIR_FROM_DEVICE, 3 * BLK, 34);
    assert_int_equal(bh_rslt(g.h, rec), 0);
    check_pages(&r, 33, 3 * BLK);
    assert_int_equal(g.s.asked, 4);
    assert_int_equal(g.s.accepted, 4);
    assert_int_equal(g.s.directs, 4);
    rig_down(&g);
}

/* Whatever is not plain memory access goes the old way, and still gives
 * the answer it always gave. */
static void test_disk_declines(void **state)
{
    (void)state;
    struct rig g;
    struct io x;
    uint8_t cdb[10];
    struct vscsi_tgt_stats ts;
    unsigned rec;

    rig_up(&g, 4096);
    /* seed blocks 0..15 directly */
    vscsi_cdb_rw10(cdb, VSCSI_OP_WRITE_10, 0, 16);
    rec = rw(&g, &x, cdb, 10, VSCSI_DIR_TO_DEVICE, 16 * BLK, 41);
    assert_int_equal(bh_rslt(g.h, rec), 0);
    assert_int_equal(g.s.accepted, 1);

    /* out of range: LBA OUT OF RANGE as before */
    vscsi_cdb_rw10(cdb, VSCSI_OP_READ_10, 4090, 16);
    rec = rw(&g, &x, cdb, 10, VSCSI_DIR_FROM_DEVICE, 16 * BLK, 42);
    assert_int_equal(bh_rsp(g.h, rec)->rslt, VSCSI_SAM_CHECK_CONDITION);
    assert_int_equal(bh_rsp(g.h, rec)->sense_buffer[12], 0x21);
    assert_int_equal(g.s.accepted, 1);

    /* a medium fault armed anywhere declines everything, even far away */
    struct vscsi_tgt_fault f = {.kind = VSCSI_FAULT_MEDIUM, .lba = 4000};
    assert_int_equal(vscsi_tgt_inject(g.disk, &f), 0);
    vscsi_cdb_rw10(cdb, VSCSI_OP_READ_10, 0, 16);
    rec = rw(&g, &x, cdb, 10, VSCSI_DIR_FROM_DEVICE, 16 * BLK, 43);
    assert_int_equal(bh_rslt(g.h, rec), 0);
    check_pages(&x, 41, 16 * BLK);
    assert_int_equal(g.s.accepted, 1);
    /* and one inside the range: blocks before it arrive, then MEDIUM ERROR */
    vscsi_tgt_clear_faults(g.disk);
    f.lba = 4;
    assert_int_equal(vscsi_tgt_inject(g.disk, &f), 0);
    rec = rw(&g, &x, cdb, 10, VSCSI_DIR_FROM_DEVICE, 16 * BLK, 44);
    assert_int_equal(bh_rsp(g.h, rec)->rslt, VSCSI_SAM_CHECK_CONDITION);
    assert_int_equal(bh_rsp(g.h, rec)->sense_buffer[2] & 0xf, VSCSI_SK_MEDIUM_ERROR);
    assert_int_equal(bh_rsp(g.h, rec)->residual_len, 12 * BLK);
    check_pages(&x, 41, 4 * BLK);
    assert_int_equal(g.s.accepted, 1);
    vscsi_tgt_clear_faults(g.disk);

    /* busy, sense and hang faults preempt: declined too (hang then aborted) */
    struct vscsi_tgt_fault busy = {.kind = VSCSI_FAULT_BUSY, .nth = 1, .count = 1};
    assert_int_equal(vscsi_tgt_inject(g.disk, &busy), 0);
    vscsi_cdb_rw10(cdb, VSCSI_OP_WRITE_10, 0, 16);
    rec = rw(&g, &x, cdb, 10, VSCSI_DIR_TO_DEVICE, 16 * BLK, 45);
    assert_int_equal(bh_rsp(g.h, rec)->rslt, VSCSI_SAM_BUSY);
    check_medium(g.disk, 0, 16, 41); /* the write never happened */
    assert_int_equal(g.s.accepted, 1);

    /* a pending unit attention is reported, not bypassed */
    vscsi_tgt_reset(g.disk);
    rec = rw(&g, &x, cdb, 10, VSCSI_DIR_TO_DEVICE, 16 * BLK, 46);
    assert_int_equal(bh_rsp(g.h, rec)->rslt, VSCSI_SAM_CHECK_CONDITION);
    assert_int_equal(bh_rsp(g.h, rec)->sense_buffer[2] & 0xf, VSCSI_SK_UNIT_ATTENTION);
    check_medium(g.disk, 0, 16, 41);
    assert_int_equal(g.s.accepted, 1);

    /* data-out shorter than the CDB asks: ABORTED COMMAND, nothing written */
    rec = rw(&g, &x, cdb, 10, VSCSI_DIR_TO_DEVICE, 15 * BLK, 47);
    assert_int_equal(bh_rsp(g.h, rec)->rslt, VSCSI_SAM_CHECK_CONDITION);
    assert_int_equal(bh_rsp(g.h, rec)->sense_buffer[2] & 0xf, VSCSI_SK_ABORTED_COMMAND);
    check_medium(g.disk, 0, 16, 41);
    /* a READ buffer larger than the CDB asks: the residual, as before */
    vscsi_cdb_rw10(cdb, VSCSI_OP_READ_10, 0, 8);
    rec = rw(&g, &x, cdb, 10, VSCSI_DIR_FROM_DEVICE, 16 * BLK, 48);
    assert_int_equal(bh_rslt(g.h, rec), 0);
    assert_int_equal(bh_rsp(g.h, rec)->residual_len, 8 * BLK);
    check_pages(&x, 41, 8 * BLK);
    /* protection information asked for (RDPROTECT): INVALID FIELD IN CDB */
    vscsi_cdb_rw10(cdb, VSCSI_OP_READ_10, 0, 16);
    cdb[1] = 0x20;
    rec = rw(&g, &x, cdb, 10, VSCSI_DIR_FROM_DEVICE, 16 * BLK, 49);
    assert_int_equal(bh_rsp(g.h, rec)->sense_buffer[12], 0x24);
    /* a WRITE CDB sent as data-in */
    vscsi_cdb_rw10(cdb, VSCSI_OP_WRITE_10, 0, 16);
    rec = rw(&g, &x, cdb, 10, VSCSI_DIR_FROM_DEVICE, 16 * BLK, 50);
    assert_int_equal(bh_rsp(g.h, rec)->rslt, VSCSI_SAM_CHECK_CONDITION);
    check_medium(g.disk, 0, 16, 41);
    /* VERIFY with BYTCHK: compares, never writes */
    vscsi_cdb_rw10(cdb, VSCSI_OP_VERIFY_10, 0, 16);
    cdb[1] = 0x02;
    rec = rw(&g, &x, cdb, 10, VSCSI_DIR_TO_DEVICE, 16 * BLK, 41);
    assert_int_equal(bh_rslt(g.h, rec), 0);
    /* a stopped disk is not ready */
    {
        uint8_t stop[6] = {0x1b, 0, 0, 0, 0, 0};
        struct vscsi_tgt_io io = {stop, 6, VSCSI_DIR_NONE, NULL, 0, 0};
        struct vscsi_tgt_result res;
        vscsi_tgt_exec(g.disk, &io, &res);
        assert_int_equal(res.status, 0);
    }
    vscsi_cdb_rw10(cdb, VSCSI_OP_READ_10, 0, 16);
    rec = rw(&g, &x, cdb, 10, VSCSI_DIR_FROM_DEVICE, 16 * BLK, 51);
    assert_int_equal(bh_rsp(g.h, rec)->sense_buffer[2] & 0xf, VSCSI_SK_NOT_READY);

    assert_int_equal(g.s.accepted, 1);
    assert_int_equal(g.s.directs, 1);
    assert_int_equal(g.s.asked, g.s.submits);
    vscsi_tgt_stats(g.disk, &ts);
    assert_int_equal(ts.direct, 1);
    rig_down(&g);
}

/* vscsi_tgt_direct() on its own: the kinds and stores it never serves. */
static void test_tgt_direct_kinds(void **state)
{
    (void)state;
    uint8_t cdb[10];
    struct vscsi_tgt_io io = {cdb, 10, VSCSI_DIR_FROM_DEVICE, NULL, 0, 8 * BLK};
    struct vscsi_tgt_disk_opts mo = {.blocks = 64, .block_size = BLK};
    void *base = NULL;

    struct vscsi_tgt_lun *mem = vscsi_tgt_disk_new(&mo);
    assert_non_null(mem);
    vscsi_cdb_rw10(cdb, VSCSI_OP_READ_10, 56, 8);
    assert_int_equal(vscsi_tgt_direct(mem, &io, &base), 1);
    assert_non_null(base);
    vscsi_cdb_rw10(cdb, VSCSI_OP_READ_10, 57, 8); /* one block past the end */
    assert_int_equal(vscsi_tgt_direct(mem, &io, &base), 0);
    vscsi_cdb_rw10(cdb, VSCSI_OP_READ_10, 0, 0); /* no blocks at all */
    io.xfer_len = 0;
    assert_int_equal(vscsi_tgt_direct(mem, &io, &base), 0);
    io.xfer_len = 8 * BLK;
    vscsi_cdb_rw10(cdb, VSCSI_OP_WRITE_SAME_10, 0, 8); /* WRITE SAME */
    io.dir = VSCSI_DIR_TO_DEVICE;
    assert_int_equal(vscsi_tgt_direct(mem, &io, &base), 0);
    vscsi_cdb_rw10(cdb, VSCSI_OP_WRITE_10, 0, 8);
    assert_int_equal(vscsi_tgt_direct(mem, &io, &base), 1);
    struct vscsi_tgt_fault delay = {.kind = VSCSI_FAULT_DELAY, .delay_us = 10};
    assert_int_equal(vscsi_tgt_inject(mem, &delay), 0);
    assert_int_equal(vscsi_tgt_direct(mem, &io, &base), 0);
    vscsi_tgt_clear_faults(mem);
    assert_int_equal(vscsi_tgt_direct(mem, &io, &base), 1);
    vscsi_tgt_free(mem);

    /* a file-backed disk reads and writes with pread/pwrite: never direct */
    char path[] = "/tmp/vscsi-direct-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct vscsi_tgt_disk_opts fo = {.blocks = 64, .block_size = BLK, .path = path};
    struct vscsi_tgt_lun *file = vscsi_tgt_disk_new(&fo);
    assert_non_null(file);
    assert_int_equal(vscsi_tgt_direct(file, &io, &base), 0);
    vscsi_tgt_free(file);
    unlink(path);

    /* tape and changer */
    struct vscsi_tgt_tape_opts to = {.loaded = 1};
    struct vscsi_tgt_lun *tape = vscsi_tgt_tape_new(&to);
    uint8_t rd6[6] = {0x08, 0x01, 0, 0, 1, 0}; /* READ(6), fixed, one block */
    struct vscsi_tgt_io tio = {rd6, 6, VSCSI_DIR_FROM_DEVICE, NULL, 0, 512};
    assert_non_null(tape);
    assert_int_equal(vscsi_tgt_direct(tape, &tio, &base), 0);
    struct vscsi_tgt_changer_opts co = {.slots = 2};
    struct vscsi_tgt_lun *chg = vscsi_tgt_changer_new(&co);
    assert_non_null(chg);
    assert_int_equal(vscsi_tgt_direct(chg, &tio, &base), 0);
    vscsi_tgt_free(chg);
    vscsi_tgt_free(tape);
}

/* ------------------------------------------------------------ whole simulator */

/* Frontend engine, backend engine, bridge and disk: WRITE then READ 64 KiB
 * in copy mode go direct and come back intact; map mode never does. */
static void world_round_trip(int threaded, enum vscsi_back_data_mode mode)
{
    struct vscsi_sim_world_opts o = {
        .seed = 7, .threaded = threaded, .data_mode = mode, .done = vscsi_sim_io_done};
    struct vscsi_tgt_disk_opts d = {.blocks = 8192, .block_size = BLK};
    static const char *const p[] = {"0:0:0:0"}, *const v[] = {"0:0:0:0"};
    static const struct vscsi_nexus nx = {0, 0, 0};
    struct vscsi_sim_world *w = vscsi_sim_world_new(&o);
    struct vscsi_tgt_lun *disk = vscsi_tgt_disk_new(&d);
    struct vscsi_result res;
    struct vscsi_tgt_stats ts;
    uint8_t *out = malloc(65536), *in = malloc(65536), cdb[10];
    size_t bytes;

    assert_non_null(w);
    assert_non_null(disk);
    assert_true(out && in);
    assert_int_equal(vscsi_sim_world_register(w, "0:0:0:0", disk), 0);
    assert_int_equal(vscsi_sim_world_attach(w, 0, p, v, 1), 0);
    if (threaded)
        assert_int_equal(vscsi_sim_world_start_thread(w), 0);
    assert_int_equal(vscsi_sim_world_wait_connected(w, 0), 0);
    for (unsigned round = 0; round < 8; round++) {
        uint32_t lba = 1000 + round * 300;
        for (size_t i = 0; i < 65536; i++)
            out[i] = pat(round + 100, i);
        memset(in, 0, 65536);
        vscsi_cdb_rw10(cdb, VSCSI_OP_WRITE_10, lba, 128);
        assert_int_equal(
            vscsi_sim_cmd(w, 0, &nx, cdb, 10, VSCSI_DIR_TO_DEVICE, out, 65536, &res, &bytes), 0);
        assert_true(vscsi_sim_good(&res));
        vscsi_cdb_rw10(cdb, VSCSI_OP_READ_10, lba, 128);
        assert_int_equal(
            vscsi_sim_cmd(w, 0, &nx, cdb, 10, VSCSI_DIR_FROM_DEVICE, in, 65536, &res, &bytes), 0);
        assert_true(vscsi_sim_good(&res));
        assert_int_equal(bytes, 65536);
        assert_memory_equal(in, out, 65536);
        check_medium(disk, lba, 128, round + 100);
    }
    vscsi_tgt_stats(disk, &ts);
    assert_int_equal(ts.direct, mode == VSCSI_BACK_COPY ? 16 : 0);
    assert_int_equal(vscsi_sim_world_detach(w, 0), 0);
    vscsi_sim_world_stop_thread(w);
    assert_int_equal(vscsi_sim_grants_in_use(vscsi_sim_world_hv(w), vscsi_sim_world_front_domid(w)),
                     0);
    vscsi_sim_world_free(w);
    vscsi_tgt_free(disk);
    free(out);
    free(in);
}

static void test_world_direct(void **state)
{
    (void)state;
    world_round_trip(0, VSCSI_BACK_COPY);
    world_round_trip(1, VSCSI_BACK_COPY);
    world_round_trip(0, VSCSI_BACK_MAP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_direct_write_then_read),
        cmocka_unit_test(test_direct_read_residual),
        cmocka_unit_test(test_decline_falls_back),
        cmocka_unit_test(test_old_table_and_map_mode),
        cmocka_unit_test(test_direct_write_copy_fails),
        cmocka_unit_test(test_direct_read_pages_revoked),
        cmocka_unit_test(test_direct_abort_reset_disconnect),
        cmocka_unit_test(test_disk_round_trip),
        cmocka_unit_test(test_disk_cdb_sizes),
        cmocka_unit_test(test_disk_declines),
        cmocka_unit_test(test_tgt_direct_kinds),
        cmocka_unit_test(test_world_direct),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
