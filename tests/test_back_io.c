/* SPDX-License-Identifier: MIT */
/* Backend engine: data paths. Copy and map mode, direct and indirect
 * segments, bytes checked on both sides, completions now and later. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "back_harness.h"
#include "vscsiif/scsi.h"

struct mode {
    enum vscsi_back_data_mode mode;
    uint8_t no_copy_op;
};
static const struct mode modes[] = {
    {VSCSI_BACK_COPY, 0},
    {VSCSI_BACK_MAP, 0},
    {VSCSI_BACK_MAP, 1}, /* indirect pages read through a mapping too */
};
#define NMODES (sizeof(modes) / sizeof(modes[0]))

static struct bh *connected(const struct mode *m, uint32_t max_segs, unsigned nluns)
{
    struct bh_opts o = {
        .mode = m->mode, .no_copy_op = m->no_copy_op, .max_segs = max_segs, .nluns = nluns};
    struct bh *h = bh_new(&o);
    bh_connect(h);
    return h;
}

static void check_write(struct bh *h, const struct bh_xfer *x, const struct bh_tcmd *c)
{
    (void)h;
    assert_int_equal(c->data_len, x->total);
    for (size_t p = 0; p < x->total; p++)
        if (c->data[p] != bh_wpat(x->seed, p))
            fail_msg("rqid %u byte %zu: target got %#x want %#x", x->rqid, p, c->data[p],
                     bh_wpat(x->seed, p));
}

/* One WRITE and one READ, synchronous target, every geometry. */
static void round_trip(const struct mode *m, uint32_t nsegs, int indirect, uint32_t per_page)
{
    struct bh *h = connected(m, indirect ? 1024 : 0, 1);
    struct bh_xfer w, r;

    bh_xfer_prep(h, &w, 11, VSCSI_DIR_TO_DEVICE, nsegs, indirect, per_page, 0);
    unsigned rw = bh_xfer_send(h, &w, bh_nx(0, 0, 0));
    bh_push(h);
    assert_int_equal(bh_rslt(h, rw), 0);
    assert_int_equal(bh_rsp(h, rw)->residual_len, 0);
    assert_int_equal(bh_rsp(h, rw)->sense_len, 0);
    struct bh_tcmd *c = bh_tcmd_by_rqid(h, 11);
    assert_non_null(c);
    check_write(h, &w, c);
    assert_int_equal(c->dir, VSCSI_DIR_TO_DEVICE);
    assert_int_equal(c->cdb[0], VSCSI_OP_WRITE_10);
    assert_int_equal(c->cdb_len, 10);
    assert_int_equal(c->iovcnt, m->mode == VSCSI_BACK_MAP ? nsegs : 1);
    /* the frontend's pages are what they were */
    for (uint32_t i = 0; i < nsegs; i++)
        for (uint32_t b = 0; b < VSCSI_PAGE_SIZE; b++)
            if (b < w.off[i] || b >= (uint32_t)w.off[i] + w.len[i])
                assert_int_equal(w.page[i][b], BH_GUARD);

    bh_xfer_prep(h, &r, 12, VSCSI_DIR_FROM_DEVICE, nsegs, indirect, per_page, 0);
    unsigned rr = bh_xfer_send(h, &r, bh_nx(0, 0, 0));
    bh_push(h);
    assert_int_equal(bh_rslt(h, rr), 0);
    bh_xfer_check_read(h, &r, r.total);
    c = bh_tcmd_by_rqid(h, 12);
    assert_int_equal(c->data_len, r.total);

    struct vscsi_back_stats st = bh_stats(h);
    assert_int_equal(st.requests, 2);
    assert_int_equal(st.responses, 2);
    assert_int_equal(st.rejected, 0);
    if (m->mode == VSCSI_BACK_COPY) {
        assert_int_equal(st.bytes_in, w.total);
        assert_int_equal(st.bytes_out, r.total);
    }
    /* only the ring stays mapped */
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 1);
    assert_int_equal(vscsi_sim_grants_in_use(h->hv, h->o.fdom), 1);
    bh_xfer_free(&w);
    bh_xfer_free(&r);
    bh_finish(h);
}

static void test_direct_round_trip(void **state)
{
    (void)state;
    static const uint32_t sizes[] = {1, 2, 7, 26};
    for (unsigned m = 0; m < NMODES; m++)
        for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
            round_trip(&modes[m], sizes[i], 0, 0);
}

static void test_indirect_round_trip(void **state)
{
    (void)state;
    for (unsigned m = 0; m < NMODES; m++) {
        round_trip(&modes[m], 1, 1, 0);
        round_trip(&modes[m], 27, 1, 0);
        round_trip(&modes[m], 60, 1, 40); /* two pages, 40 + 20 */
        round_trip(&modes[m], 128, 1, 5); /* 26 pages */
        round_trip(&modes[m], 600, 1, 0); /* 504 + 96: past one page */
    }
}

/* Requests with no data, and the CDB bytes as the target sees them. */
static void test_no_data_and_cdb(void **state)
{
    (void)state;
    for (unsigned m = 0; m < NMODES; m++) {
        struct bh *h = connected(&modes[m], 0, 1);
        struct vscsi_request *rq = bh_req(h);
        struct vscsi_nexus nx = bh_nx(0, 0, 0);
        uint8_t cdb[16];
        for (unsigned i = 0; i < 16; i++)
            cdb[i] = (uint8_t)(0xa0 + i);
        assert_int_equal(vscsi_req_cdb(rq, 77, &nx, cdb, 16, VSCSI_DIR_NONE, 0), 0);
        rq->cmnd[15] = 0xff; /* within cmd_len: passed */
        rq->timeout_per_command = 0xffff;
        rq->reserved[0] = rq->reserved[1] = rq->reserved[2] = 0xdeadbeef;
        rq->ref_rqid = 0x1234;
        unsigned rec = bh_produce(h);
        bh_push(h);
        assert_int_equal(bh_rslt(h, rec), 0);
        struct bh_tcmd *c = bh_tcmd_by_rqid(h, 77);
        assert_int_equal(c->cdb_len, 16);
        assert_memory_equal(c->cdb, cdb, 15);
        assert_int_equal(c->cdb[15], 0xff);
        assert_int_equal(c->data_len, 0);
        assert_int_equal(c->iovcnt, 0);

        /* bytes past cmd_len never reach the target */
        rq = bh_req(h);
        assert_int_equal(vscsi_req_cdb(rq, 78, &nx, cdb, 6, VSCSI_DIR_NONE, 0), 0);
        memset(rq->cmnd + 6, 0x99, 10);
        rec = bh_produce(h);
        bh_push(h);
        assert_int_equal(bh_rslt(h, rec), 0);
        c = bh_tcmd_by_rqid(h, 78);
        assert_int_equal(c->cdb_len, 6);
        assert_memory_equal(c->cdb, cdb, 6);
        bh_finish(h);
    }
}

/* Status, sense, residual and host bytes come back as the target said. */
static void test_status_sense_residual(void **state)
{
    (void)state;
    static const uint8_t sense[18] = {0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24, 0x01};
    for (unsigned m = 0; m < NMODES; m++) {
        struct bh *h = connected(&modes[m], 0, 1);
        struct bh_xfer r;

        h->tgt.status = 0x02;
        h->tgt.sense = sense;
        h->tgt.sense_len = sizeof(sense);
        unsigned rec = bh_tur(h, 5, bh_nx(0, 0, 0));
        const struct vscsi_response *rsp = bh_rsp(h, rec);
        assert_int_equal(rsp->rslt, 0x02);
        assert_int_equal(rsp->sense_len, 18);
        assert_memory_equal(rsp->sense_buffer, sense, 18);
        h->tgt.status = 0;
        h->tgt.sense = NULL;
        h->tgt.sense_len = 0;

        /* short read: only what was transferred lands in the frontend */
        bh_xfer_prep(h, &r, 6, VSCSI_DIR_FROM_DEVICE, 3, 0, 0, 0);
        h->tgt.residual = 1000;
        rec = bh_xfer_send(h, &r, bh_nx(0, 0, 0));
        bh_push(h);
        assert_int_equal(bh_rslt(h, rec), 0);
        assert_int_equal(bh_rsp(h, rec)->residual_len, 1000);
        bh_xfer_check_read(h, &r, r.total - 1000);
        bh_xfer_free(&r);

        /* a target claiming more residual than data is clamped */
        bh_xfer_prep(h, &r, 7, VSCSI_DIR_FROM_DEVICE, 2, 0, 0, 0);
        h->tgt.residual = 0xffffffffu;
        rec = bh_xfer_send(h, &r, bh_nx(0, 0, 0));
        bh_push(h);
        assert_int_equal(bh_rslt(h, rec), 0);
        assert_int_equal(bh_rsp(h, rec)->residual_len, r.total);
        bh_xfer_check_read(h, &r, 0);
        bh_xfer_free(&r);
        h->tgt.residual = 0;

        /* host byte from a passthrough */
        h->tgt.host = VSCSI_HOST_TIME_OUT;
        rec = bh_tur(h, 8, bh_nx(0, 0, 0));
        assert_int_equal(bh_rslt(h, rec), VSCSI_RSLT(VSCSI_HOST_TIME_OUT, 0));
        h->tgt.host = 0;

        /* target refuses the command: host ERROR from the engine */
        h->tgt.submit_rc = -ENOMEM;
        bh_xfer_prep(h, &r, 9, VSCSI_DIR_FROM_DEVICE, 2, 0, 0, 0);
        rec = bh_xfer_send(h, &r, bh_nx(0, 0, 0));
        bh_push(h);
        assert_int_equal(bh_rslt(h, rec), BH_RSLT_ERROR);
        assert_int_equal(vscsi_sim_mappings(h->hv, 0), 1);
        h->tgt.submit_rc = 0;
        bh_xfer_free(&r);
        bh_assert_served(h);
        bh_finish(h);
    }
}

/* Completions after handle_event returned, in any order; map mode keeps the
 * pages mapped exactly as long as the command lives and lets go of them
 * before the response can be seen. */
static void test_async_out_of_order(void **state)
{
    (void)state;
    for (unsigned m = 0; m < NMODES; m++) {
        struct bh *h = connected(&modes[m], 256, 2);
        struct bh_xfer x[8];
        unsigned rec[8];

        h->tgt.hold = 1;
        for (unsigned i = 0; i < 8; i++) {
            uint8_t dir = i % 2 ? VSCSI_DIR_FROM_DEVICE : VSCSI_DIR_TO_DEVICE;
            bh_xfer_prep(h, &x[i], (uint16_t)(100 + i), dir, 3 + i * 5, i >= 4, 7, 0);
            rec[i] = bh_xfer_send(h, &x[i], bh_nx(0, (uint16_t)(i % 2), 0));
        }
        bh_push(h);
        assert_int_equal(bh_tgt_pending(h), 8);
        assert_int_equal(bh_stats(h).in_flight, 8);
        assert_int_equal(h->nrsp, 0);
        unsigned mapped = 1;
        if (modes[m].mode == VSCSI_BACK_MAP)
            for (unsigned i = 0; i < 8; i++)
                mapped += x[i].nsegs;
        assert_int_equal(vscsi_sim_mappings(h->hv, 0), mapped);

        static const unsigned order[8] = {5, 0, 7, 2, 1, 6, 3, 4};
        for (unsigned k = 0; k < 8; k++) {
            unsigned i = order[k];
            struct bh_tcmd *c = bh_tcmd_by_rqid(h, (uint16_t)(100 + i));
            if (x[i].dir == VSCSI_DIR_TO_DEVICE)
                check_write(h, &x[i], c);
            unsigned before = h->nrsp;
            bh_tgt_complete(h, c, 0, 0, NULL, 0, 0);
            assert_int_equal(h->nrsp, before + 1);
            assert_int_equal(bh_rslt(h, rec[i]), 0);
            if (modes[m].mode == VSCSI_BACK_MAP) {
                mapped -= x[i].nsegs;
                assert_int_equal(vscsi_sim_mappings(h->hv, 0), mapped);
                /* at the frontend's wake-up, the pages were already free */
                assert_int_equal(h->maps_at_notify, mapped);
            }
            if (x[i].dir == VSCSI_DIR_FROM_DEVICE)
                bh_xfer_check_read(h, &x[i], x[i].total);
        }
        assert_int_equal(bh_stats(h).in_flight, 0);
        for (unsigned i = 0; i < 8; i++)
            bh_xfer_free(&x[i]);
        bh_finish(h);
    }
}

/* The literal check: one command in flight, at the moment the frontend is
 * told about its response nothing but the ring is mapped. */
static void test_map_unmapped_before_response(void **state)
{
    (void)state;
    struct bh_opts o = {.mode = VSCSI_BACK_MAP, .max_segs = 64, .nluns = 1};
    struct bh *h = bh_new(&o);
    struct bh_xfer x;

    bh_connect(h);
    for (int ind = 0; ind < 2; ind++) {
        for (int held = 0; held < 2; held++) {
            h->tgt.hold = held;
            bh_xfer_prep(h, &x, (uint16_t)(20 + ind * 2 + held), VSCSI_DIR_FROM_DEVICE, 9, ind, 4,
                         0);
            unsigned rec = bh_xfer_send(h, &x, bh_nx(0, 0, 0));
            unsigned n0 = h->notifies;
            bh_push(h);
            if (held) {
                assert_int_equal(vscsi_sim_mappings(h->hv, 0), 10);
                /* the frontend granted these read-write; still in use now */
                assert_true(vscsi_sim_grants_in_use(h->hv, h->o.fdom) >= 10);
                bh_tgt_complete(h, bh_tcmd_by_rqid(h, x.rqid), 0, 0, NULL, 0, 0);
            }
            assert_true(h->notifies > n0);
            assert_int_equal(h->maps_at_notify, 1);
            assert_int_equal(bh_rslt(h, rec), 0);
            assert_int_equal(vscsi_sim_grants_in_use(h->hv, h->o.fdom), 1);
            bh_xfer_check_read(h, &x, x.total);
            bh_xfer_free(&x);
        }
    }
    bh_finish(h);
}

/* Copy mode: a write is a snapshot taken before the target runs, a read is
 * copied out only at completion. */
static void test_copy_snapshot(void **state)
{
    (void)state;
    struct bh_opts o = {.mode = VSCSI_BACK_COPY, .nluns = 1};
    struct bh *h = bh_new(&o);
    struct bh_xfer w, r;

    bh_connect(h);
    h->tgt.hold = 1;
    bh_xfer_prep(h, &w, 1, VSCSI_DIR_TO_DEVICE, 4, 0, 0, 0);
    unsigned rw = bh_xfer_send(h, &w, bh_nx(0, 0, 0));
    bh_push(h);
    /* the frontend changes its pages while the command runs */
    for (uint32_t i = 0; i < w.nsegs; i++)
        memset(w.page[i] + w.off[i], 0x11, w.len[i]);
    struct bh_tcmd *c = bh_tcmd_by_rqid(h, 1);
    check_write(h, &w, c);
    /* nothing of the frontend is held while the target works */
    assert_int_equal(vscsi_sim_grants_in_use(h->hv, h->o.fdom), 1);
    bh_tgt_complete(h, c, 0, 0, NULL, 0, 0);
    assert_int_equal(bh_rslt(h, rw), 0);

    bh_xfer_prep(h, &r, 2, VSCSI_DIR_FROM_DEVICE, 4, 0, 0, 0);
    unsigned rr = bh_xfer_send(h, &r, bh_nx(0, 0, 0));
    bh_push(h);
    bh_xfer_check_read(h, &r, 0); /* nothing yet */
    bh_tgt_complete(h, bh_tcmd_by_rqid(h, 2), 0, 0, NULL, 0, 0);
    assert_int_equal(bh_rslt(h, rr), 0);
    bh_xfer_check_read(h, &r, r.total);
    bh_xfer_free(&w);
    bh_xfer_free(&r);
    bh_finish(h);
}

/* Copy mode: a read the target completes without filling the buffer must
 * not hand the frontend whatever happened to be in the backend's memory. */
static void test_copy_no_stale_bytes(void **state)
{
    (void)state;
    struct bh_opts o = {.mode = VSCSI_BACK_COPY, .nluns = 1};
    struct bh *h = bh_new(&o);
    struct bh_xfer r;

    bh_connect(h);
    h->tgt.no_fill = 1;
    for (uint16_t k = 0; k < 20; k++) {
        bh_xfer_prep(h, &r, k, VSCSI_DIR_FROM_DEVICE, 26, 0, 0, 0);
        unsigned rec = bh_xfer_send(h, &r, bh_nx(0, 0, 0));
        bh_push(h);
        assert_int_equal(bh_rslt(h, rec), 0);
        for (uint32_t i = 0; i < r.nsegs; i++)
            for (uint32_t b = r.off[i]; b < (uint32_t)r.off[i] + r.len[i]; b++)
                if (r.page[i][b] != 0 && r.page[i][b] != BH_GUARD)
                    fail_msg("k %u seg %u byte %u: backend byte %#x leaked", k, i, b, r.page[i][b]);
        bh_xfer_free(&r);
    }
    bh_finish(h);
}

/* Grant failures while serving: the request gets host ERROR, nothing stays
 * mapped, the next request is fine. */
static void test_grant_failures(void **state)
{
    (void)state;
    for (unsigned m = 0; m < NMODES; m++) {
        for (int ind = 0; ind < 2; ind++) {
            struct bh *h = connected(&modes[m], 64, 1);
            struct bh_xfer x;
            enum vscsi_sim_fault kind =
                modes[m].mode == VSCSI_BACK_COPY ? VSCSI_SIM_FAULT_COPY : VSCSI_SIM_FAULT_MAP;

            /* the first copy/map of the request (the indirect page, if any) */
            bh_xfer_prep(h, &x, 1, VSCSI_DIR_TO_DEVICE, 5, ind, 2, 0);
            assert_int_equal(vscsi_sim_fault(h->hv, 0, kind, 1, 1), 0);
            unsigned rec = bh_xfer_send(h, &x, bh_nx(0, 0, 0));
            bh_push(h);
            assert_int_equal(bh_rslt(h, rec), BH_RSLT_ERROR);
            assert_int_equal(vscsi_sim_mappings(h->hv, 0), 1);
            assert_int_equal(h->tgt.ncmds, 0);
            bh_xfer_free(&x);

            /* a later one: segment 3 of 5 (copy), or the data map after the
             * indirect pages were read */
            bh_xfer_prep(h, &x, 2, VSCSI_DIR_TO_DEVICE, 5, ind, 2, 0);
            uint64_t nth = modes[m].mode == VSCSI_BACK_COPY ? (ind ? 3 + 3 : 3)
                                                            : (ind && modes[m].no_copy_op ? 4 : 1);
            assert_int_equal(vscsi_sim_fault(h->hv, 0, kind, nth, 1), 0);
            rec = bh_xfer_send(h, &x, bh_nx(0, 0, 0));
            bh_push(h);
            assert_int_equal(bh_rslt(h, rec), BH_RSLT_ERROR);
            assert_int_equal(vscsi_sim_mappings(h->hv, 0), 1);
            assert_int_equal(h->tgt.ncmds, 0);
            assert_int_equal(vscsi_sim_fault(h->hv, 0, kind, 0, 0), 0);
            bh_xfer_free(&x);

            /* copy-out of a read fails (the frontend revoked its pages) */
            if (modes[m].mode == VSCSI_BACK_COPY) {
                h->tgt.hold = 1;
                bh_xfer_prep(h, &x, 3, VSCSI_DIR_FROM_DEVICE, 5, ind, 2, 0);
                rec = bh_xfer_send(h, &x, bh_nx(0, 0, 0));
                bh_push(h);
                assert_int_equal(vscsi_sim_fault(h->hv, 0, kind, 2, 1), 0);
                bh_tgt_complete(h, bh_tcmd_by_rqid(h, 3), 0, 0, NULL, 0, 0);
                assert_int_equal(bh_rslt(h, rec), BH_RSLT_ERROR);
                assert_int_equal(vscsi_sim_fault(h->hv, 0, kind, 0, 0), 0);
                h->tgt.hold = 0;
                bh_xfer_free(&x);
            }
            bh_assert_served(h);
            bh_finish(h);
        }
    }
}

/* Pages that are not (or no longer) grants the backend may use. */
static void test_bad_grants(void **state)
{
    (void)state;
    for (unsigned m = 0; m < NMODES; m++) {
        struct bh *h = connected(&modes[m], 64, 1);
        struct bh_xfer x;
        unsigned rec;

        /* a READ into pages granted read-only: refused before the target
         * sees it, in copy mode too (issue 11 item 4) */
        bh_xfer_prep(h, &x, 1, VSCSI_DIR_TO_DEVICE, 3, 0, 0, 0);
        x.dir = VSCSI_DIR_FROM_DEVICE;
        rec = bh_xfer_send(h, &x, bh_nx(0, 0, 0));
        bh_push(h);
        assert_int_equal(bh_rslt(h, rec), BH_RSLT_ERROR);
        bh_xfer_free(&x);

        /* a ref never granted, and the reserved ones */
        static const uint32_t refs[] = {0, 1, 7, 2000, 0xffffffffu};
        for (unsigned i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
            struct vscsi_request *rq = bh_req(h);
            struct vscsi_nexus nx = bh_nx(0, 0, 0);
            uint8_t cdb[10] = {VSCSI_OP_WRITE_10};
            assert_int_equal(
                vscsi_req_cdb(rq, (uint16_t)(10 + i), &nx, cdb, 10, VSCSI_DIR_TO_DEVICE, 0), 0);
            assert_int_equal(vscsi_req_add_seg(rq, refs[i], 0, 512), 0);
            rec = bh_produce(h);
            bh_push(h);
            assert_int_equal(bh_rslt(h, rec), BH_RSLT_ERROR);
        }

        /* the ring page itself as an indirect page: its bytes are not a
         * valid descriptor list here (gref 0) */
        {
            struct vscsi_request *rq = bh_req(h);
            struct vscsi_nexus nx = bh_nx(0, 0, 0);
            uint8_t cdb[10] = {VSCSI_OP_READ_10};
            assert_int_equal(vscsi_req_cdb(rq, 30, &nx, cdb, 10, VSCSI_DIR_FROM_DEVICE, 0), 0);
            rq->nr_segments = VSCSI_SG_GRANT | 1;
            rq->seg[0].gref = h->ring_ref;
            rq->seg[0].offset = 3000;
            rq->seg[0].length = 64;
            rec = bh_produce(h);
            bh_push(h);
            assert_int_equal(bh_rslt(h, rec), BH_RSLT_ERROR);
        }

        /* granted to someone else */
        struct vscsi_sim_dom *d7 = vscsi_sim_dom_create(h->hv, 7, 8);
        uint32_t r7;
        void *p7;
        assert_non_null(d7);
        assert_int_equal(h->sim->grant_page(h->fd, 7, 0, &r7, &p7), 0);
        {
            struct vscsi_request *rq = bh_req(h);
            struct vscsi_nexus nx = bh_nx(0, 0, 0);
            uint8_t cdb[10] = {VSCSI_OP_READ_10};
            assert_int_equal(vscsi_req_cdb(rq, 31, &nx, cdb, 10, VSCSI_DIR_TO_DEVICE, 0), 0);
            assert_int_equal(vscsi_req_add_seg(rq, r7, 0, 4096), 0);
            rec = bh_produce(h);
            bh_push(h);
            assert_int_equal(bh_rslt(h, rec), BH_RSLT_ERROR);
        }
        assert_int_equal(h->sim->ungrant_page(h->fd, r7, p7), 0);

        assert_int_equal(h->tgt.ncmds, 0);
        assert_int_equal(vscsi_sim_mappings(h->hv, 0), 1);
        bh_assert_served(h);
        bh_finish(h);
    }
}

/* Sixteen commands at once, the largest transfer, indirect, in every mode;
 * then the ring wraps many times. */
static void test_full_ring_and_wrap(void **state)
{
    (void)state;
    for (unsigned m = 0; m < NMODES; m++) {
        struct bh *h = connected(&modes[m], 128, 1);
        struct bh_xfer x[16];
        unsigned rec[16];

        h->tgt.hold = 1;
        for (unsigned i = 0; i < 16; i++) {
            uint8_t dir = i % 3 ? VSCSI_DIR_FROM_DEVICE : VSCSI_DIR_TO_DEVICE;
            bh_xfer_prep(h, &x[i], (uint16_t)(0xfff0 + i), dir, i == 0 ? 128 : 8, i % 2 || i == 0,
                         0, 0);
            rec[i] = bh_xfer_send(h, &x[i], bh_nx(0, 0, 0));
        }
        bh_push(h);
        assert_int_equal(bh_tgt_pending(h), 16);
        for (unsigned i = 16; i-- > 0;)
            bh_tgt_complete(h, bh_tcmd_by_rqid(h, (uint16_t)(0xfff0 + i)), 0, 0, NULL, 0, 0);
        for (unsigned i = 0; i < 16; i++) {
            assert_int_equal(bh_rslt(h, rec[i]), 0);
            if (x[i].dir == VSCSI_DIR_FROM_DEVICE)
                bh_xfer_check_read(h, &x[i], x[i].total);
            else
                check_write(h, &x[i], bh_tcmd_by_rqid(h, (uint16_t)(0xfff0 + i)));
            bh_xfer_free(&x[i]);
        }
        h->tgt.hold = 0;
        /* 200 rounds of 1..16 requests: crosses slot wrap repeatedly */
        for (unsigned round = 0; round < 200; round++) {
            unsigned n = 1 + round % 16;
            unsigned first = h->nsent;
            for (unsigned i = 0; i < n; i++) {
                struct vscsi_nexus nx = bh_nx(0, 0, 0);
                uint8_t tur[6] = {0};
                assert_int_equal(vscsi_req_cdb(bh_req(h), (uint16_t)(round * 16 + i), &nx, tur, 6,
                                               VSCSI_DIR_NONE, 0),
                                 0);
                bh_produce(h);
            }
            bh_push(h);
            for (unsigned i = 0; i < n; i++)
                assert_int_equal(bh_rslt(h, first + i), 0);
        }
        assert_int_equal(bh_stats(h).in_flight, 0);
        bh_finish(h);
    }
}

/* A trace callback sees one line per request and response and may be set. */
static unsigned trace_lines;
static void trace_cb(void *ctx, const char *line)
{
    (void)ctx;
    assert_non_null(line);
    assert_true(strlen(line) < 256);
    trace_lines++;
}

static void test_trace(void **state)
{
    (void)state;
    struct bh_opts o = {.nluns = 1, .max_segs = 64};
    struct bh *h = bh_new(&o);
    struct vscsi_back *b;
    struct vscsi_back_config cfg = bh_config(h);
    cfg.trace = trace_cb;
    vscsi_back_destroy(h->b);
    assert_int_equal(vscsi_back_new(&cfg, &b), 0);
    h->b = b;
    bh_connect(h);
    unsigned before = trace_lines;
    struct bh_xfer x;
    bh_xfer_prep(h, &x, 1, VSCSI_DIR_FROM_DEVICE, 30, 1, 0, 0);
    unsigned rec = bh_xfer_send(h, &x, bh_nx(0, 0, 0));
    bh_push(h);
    assert_int_equal(bh_rslt(h, rec), 0);
    struct vscsi_request rq = {0};
    rq.rqid = 2;
    rq.act = 2;
    rq.cmd_len = 16;
    rec = bh_send_raw(h, &rq);
    assert_int_equal(bh_rslt(h, rec), VSCSI_RSLT_RESET_FAILED);
    rq.rqid = 3;
    rq.act = 9;
    rec = bh_send_raw(h, &rq);
    assert_int_equal(bh_rslt(h, rec), BH_RSLT_ERROR);
    rq.rqid = 4;
    rq.act = VSCSI_ACT_RESET;
    rec = bh_send_raw(h, &rq);
    assert_int_equal(bh_rslt(h, rec), VSCSI_RSLT_RESET_SUCCESS);
    static const uint8_t sense[18] = {0x70, 0, 0x03, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x11, 0};
    h->tgt.status = 0x02;
    h->tgt.sense = sense;
    h->tgt.sense_len = sizeof(sense);
    rec = bh_tur(h, 5, bh_nx(0, 0, 0));
    assert_int_equal(bh_rslt(h, rec), 0x02);
    assert_int_equal(bh_rsp(h, rec)->sense_len, 18);
    assert_true(trace_lines >= before + 9);
    bh_xfer_free(&x);
    bh_finish(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_direct_round_trip),
        cmocka_unit_test(test_indirect_round_trip),
        cmocka_unit_test(test_no_data_and_cdb),
        cmocka_unit_test(test_status_sense_residual),
        cmocka_unit_test(test_async_out_of_order),
        cmocka_unit_test(test_map_unmapped_before_response),
        cmocka_unit_test(test_copy_snapshot),
        cmocka_unit_test(test_copy_no_stale_bytes),
        cmocka_unit_test(test_grant_failures),
        cmocka_unit_test(test_bad_grants),
        cmocka_unit_test(test_full_ring_and_wrap),
        cmocka_unit_test(test_trace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
