/* SPDX-License-Identifier: MIT */
/* Backend engine against a hostile frontend: the 21 items of the backend
 * MUST-reject checklist (docs/protocol.md §7.1), one test each. Every
 * per-request test checks the exact rslt and that the next good request is
 * still served; the bench checks one answer per request throughout. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "back_harness.h"
#include "vscsiif/scsi.h"

static struct bh *connected_opts(struct bh_opts *o)
{
    if (!o->nluns)
        o->nluns = 1;
    struct bh *h = bh_new(o);
    bh_connect(h);
    return h;
}

static struct bh *connected(enum vscsi_back_data_mode mode, uint32_t max_segs)
{
    struct bh_opts o = {.mode = mode, .max_segs = max_segs, .nluns = 1};
    return connected_opts(&o);
}

/* A well-formed CDB request to 0:0:0 as the starting point for lies. */
static struct vscsi_request good_req(uint16_t rqid, uint8_t dir)
{
    struct vscsi_request rq;
    struct vscsi_nexus nx = bh_nx(0, 0, 0);
    uint8_t cdb[10] = {dir == VSCSI_DIR_TO_DEVICE ? VSCSI_OP_WRITE_10 : VSCSI_OP_READ_10};
    assert_int_equal(vscsi_req_cdb(&rq, rqid, &nx, cdb, 10, dir, 0), 0);
    return rq;
}

/* Sends rq, expects `rslt`, no command reached the target, nothing stays
 * mapped, and the next good request is served. */
static void expect_reject(struct bh *h, const struct vscsi_request *rq, int32_t rslt)
{
    unsigned ncmds = h->tgt.ncmds;
    unsigned rec = bh_send_raw(h, rq);
    if (bh_rslt(h, rec) != rslt)
        fail_msg("rqid %u act %u: rslt %#x, want %#x", rq->rqid, rq->act, (unsigned)bh_rslt(h, rec),
                 (unsigned)rslt);
    assert_int_equal(bh_rsp(h, rec)->sense_len, 0);
    assert_int_equal(bh_rsp(h, rec)->residual_len, 0);
    assert_int_equal(h->tgt.ncmds, ncmds);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 1);
    bh_assert_served(h);
}

/* ------------------------------------------------------------ ring level */

/* 1. req_prod more than 16 ahead of the responses, or moving backwards:
 *    the ring is dead for good, `error` written, Closing, nothing else read. */
static void ring_lie(int backwards)
{
    struct bh *h = connected(VSCSI_BACK_MAP, 0);
    struct bh_xfer x;
    char buf[128];

    h->tgt.hold = 1;
    bh_xfer_prep(h, &x, 1, VSCSI_DIR_FROM_DEVICE, 2, 0, 0, 0);
    unsigned held = bh_xfer_send(h, &x, bh_nx(0, 0, 0));
    bh_push(h);
    h->tgt.hold = 0;
    bh_tur(h, 2, bh_nx(0, 0, 0));
    bh_tur(h, 3, bh_nx(0, 0, 0));
    assert_int_equal(bh_stats(h).requests, 3);
    assert_int_equal(h->last_event_rc, 1);

    /* the lie: one held (rsp_prod_pvt 2, req_cons 3) */
    uint32_t lie = backwards ? 2 : 2 + VSCSI_RING_SIZE + 1;
    uint32_t req_event = h->sring->req_event;
    __atomic_store_n(&h->sring->req_prod, lie, __ATOMIC_RELEASE);
    bh_kick(h);
    assert_int_equal(h->last_event_rc, -EPROTO);
    assert_int_equal(vscsi_back_error(h->b), -EPROTO);
    assert_non_null(bh_back_read(h, "error", buf, sizeof(buf)));
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSING);
    assert_int_equal(vscsi_back_state(h->b), VSCSI_XB_CLOSING);
    assert_int_equal(bh_stats(h).requests, 3);

    /* forever, even once req_prod looks sane again with a good request */
    h->req_prod_pvt = 3;
    unsigned late = bh_tur(h, 4, bh_nx(0, 0, 0));
    bh_expect_none(h, late);
    for (int i = 0; i < 5; i++) {
        bh_kick(h);
        assert_int_equal(h->last_event_rc, -EPROTO);
    }
    assert_int_equal(bh_stats(h).requests, 3);
    assert_int_equal(h->tgt.ncmds, 3);
    assert_int_equal(h->sring->req_event, req_event); /* not even re-armed */

    /* the frontend cannot talk the vhost back up: not by Connected, not by
     * a hotplug round */
    bh_ts_lun(h, "dev-1", "lun1", "0:0:1:0", "1");
    bh_fe_state(h, VSCSI_XB_CONNECTED);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSING);
    assert_int_equal(vscsi_back_state(h->b), VSCSI_XB_CLOSING);
    bh_fe_state(h, VSCSI_XB_RECONFIGURING);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSING);
    assert_int_equal(bh_lun_state(h, "dev-1"), VSCSI_XB_INITIALISING);
    assert_int_equal(h->tgt.nopen, 1);
    bh_fe_state(h, VSCSI_XB_CONNECTED);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSING);
    assert_int_equal(vscsi_back_state(h->b), VSCSI_XB_CLOSING);
    bh_kick(h);
    assert_int_equal(h->last_event_rc, -EPROTO);

    /* what was in flight is still answered */
    bh_tgt_complete(h, bh_tcmd_by_rqid(h, 1), 0, 0, NULL, 0, 0);
    assert_int_equal(bh_rslt(h, held), 0);
    bh_xfer_check_read(h, &x, x.total);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 1);

    /* the frontend follows into Closing; nothing comes back to life */
    bh_fe_state(h, VSCSI_XB_CLOSING);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
    bh_fe_state(h, VSCSI_XB_CLOSED);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSED);
    bh_fe_ring(h);
    bh_fe_state(h, VSCSI_XB_INITIALISED);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
    bh_xfer_free(&x);
    bh_finish(h);
}

static void test_item01_req_prod_overflow(void **state)
{
    (void)state;
    ring_lie(0);
}

static void test_item01_req_prod_backwards(void **state)
{
    (void)state;
    ring_lie(1);
}

/* A lie in the very first batch, with nothing in flight; and exactly 16
 * ahead, which is no lie. */
static void test_item01_boundary(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_COPY, 0);

    for (unsigned i = 0; i < VSCSI_RING_SIZE; i++) {
        struct vscsi_request rq = good_req((uint16_t)i, VSCSI_DIR_NONE);
        rq.cmnd[0] = 0;
        memcpy(bh_req(h), &rq, sizeof(rq));
        bh_produce(h);
    }
    bh_push(h);
    assert_int_equal(h->last_event_rc, 16);
    assert_int_equal(bh_stats(h).responses, 16);

    __atomic_store_n(&h->sring->req_prod, h->req_prod_pvt + VSCSI_RING_SIZE + 1, __ATOMIC_RELEASE);
    bh_kick(h);
    assert_int_equal(h->last_event_rc, -EPROTO);
    assert_int_equal(bh_stats(h).requests, 16);
    bh_finish(h);
}

/* Ring header fields the frontend must not write (rsp_prod, req_event, the
 * padding) hold garbage: the engine trusts its private indices only. */
static void test_item01_header_scribbled(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_COPY, 0);
    static const uint32_t junk[] = {0xdeadbeef, 0, 0x7fffffff, 12345, 0xffffffff};

    for (unsigned k = 0; k < 40; k++) {
        uint32_t j = junk[k % 5];
        h->sring->rsp_prod = j;
        h->sring->req_event = j ^ 0x5a5a;
        h->sring->rsp_event = h->rsp_cons + 1;
        memset(h->sring->pad, (int)k, sizeof(h->sring->pad));
        memset(h->sring->pvt, (int)~k, sizeof(h->sring->pvt));
        unsigned n = 1 + k % 5;
        unsigned first = h->nsent;
        for (unsigned i = 0; i < n; i++) {
            struct vscsi_nexus nx = bh_nx(0, 0, 0);
            uint8_t tur[6] = {0};
            assert_int_equal(
                vscsi_req_cdb(bh_req(h), (uint16_t)(k * 8 + i), &nx, tur, 6, VSCSI_DIR_NONE, 0), 0);
            bh_produce(h);
        }
        /* the frontend cannot trust the scribbled req_event either */
        __atomic_store_n(&h->sring->req_prod, h->req_prod_pvt, __ATOMIC_RELEASE);
        bh_kick(h);
        assert_true(h->last_event_rc >= 0);
        for (unsigned i = 0; i < n; i++)
            assert_int_equal(bh_rslt(h, first + i), 0);
        assert_int_equal(h->sring->rsp_prod, h->req_prod_pvt);
    }
    assert_int_equal(bh_stats(h).rejected, 0);
    bh_finish(h);
}

/* 2. Never more than 16 consumed without room for their responses. */
static void test_item02_consume_bounded(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_COPY, 0);
    unsigned rec[17];

    h->tgt.hold = 1;
    for (unsigned i = 0; i < 16; i++) {
        struct vscsi_nexus nx = bh_nx(0, 0, 0);
        uint8_t tur[6] = {0};
        assert_int_equal(
            vscsi_req_cdb(bh_req(h), (uint16_t)(100 + i), &nx, tur, 6, VSCSI_DIR_NONE, 0), 0);
        rec[i] = bh_produce(h);
    }
    bh_push(h);
    assert_int_equal(bh_stats(h).in_flight, 16);
    assert_int_equal(bh_stats(h).requests, 16);
    /* more events: nothing new to take, nothing re-read */
    bh_kick(h);
    bh_kick(h);
    assert_int_equal(bh_stats(h).requests, 16);
    assert_int_equal(h->tgt.ncmds, 16);

    /* one answer frees one slot, and exactly one more is taken */
    bh_tgt_complete(h, bh_tcmd_by_rqid(h, 100), 0, 0, NULL, 0, 0);
    assert_int_equal(bh_rslt(h, rec[0]), 0);
    rec[16] = bh_tur(h, 200, bh_nx(0, 0, 0));
    assert_int_equal(bh_stats(h).requests, 17);
    assert_int_equal(bh_stats(h).in_flight, 16);
    assert_int_equal(h->last_event_rc, 1);
    for (unsigned i = 1; i < 16; i++)
        bh_tgt_complete(h, bh_tcmd_by_rqid(h, (uint16_t)(100 + i)), 0, 0, NULL, 0, 0);
    bh_tgt_complete(h, bh_tcmd_by_rqid(h, 200), 0, 0, NULL, 0, 0);
    for (unsigned i = 0; i < 17; i++)
        assert_int_equal(bh_rslt(h, rec[i]), 0);
    assert_int_equal(bh_stats(h).in_flight, 0);
    bh_finish(h);
}

/* 3. Each slot copied once: rewriting the shared slot after the engine took
 *    it changes nothing, neither for the target nor in the answer. */
static void flip_slot(void *hv, struct bh_tcmd *c)
{
    struct bh *h = hv;
    (void)c;
    /* the slot just taken: scribble everything the frontend can */
    struct vscsi_request *rq = &h->sring->ring[(h->req_prod_pvt - 1) & 15].req;
    memset(rq, 0xff, sizeof(*rq));
}

static void flip_slot_on_read(struct bh *h, uint32_t ref)
{
    if (ref != *(uint32_t *)h->hook)
        return;
    struct vscsi_request *rq = &h->sring->ring[(h->req_prod_pvt - 1) & 15].req;
    rq->rqid = 0x6666;
    rq->nr_segments = VSCSI_SG_GRANT | 26;
    rq->sc_data_direction = VSCSI_DIR_NONE;
    rq->cmd_len = 16;
    rq->seg[0].gref = 1;
    rq->seg[0].offset = 4088;
    rq->seg[0].length = 4088;
}

static void test_item03_slot_copied_once(void **state)
{
    (void)state;
    struct bh_opts o[2] = {{.mode = VSCSI_BACK_MAP, .max_segs = 64, .no_copy_op = 1},
                           {.mode = VSCSI_BACK_COPY, .max_segs = 64}};
    for (int m = 0; m < 2; m++) {
        struct bh *h = connected_opts(&o[m]);
        struct bh_xfer x;

        /* changed while the target runs it */
        h->tgt.on_submit = flip_slot;
        bh_xfer_prep(h, &x, 0x1234, VSCSI_DIR_FROM_DEVICE, 3, 0, 0, 0);
        unsigned rec = bh_xfer_send(h, &x, bh_nx(0, 0, 0));
        bh_push(h);
        h->tgt.on_submit = NULL;
        assert_int_equal(bh_rslt(h, rec), 0);
        assert_int_equal(bh_rsp(h, rec)->rqid, 0x1234);
        bh_xfer_check_read(h, &x, x.total);
        bh_xfer_free(&x);

        /* changed between reading the header and the indirect pages */
        bh_xfer_prep(h, &x, 0x4321, VSCSI_DIR_TO_DEVICE, 6, 1, 3, 0);
        h->hook = &x.ind_ref[0];
        h->on_read = flip_slot_on_read;
        rec = bh_xfer_send(h, &x, bh_nx(0, 0, 0));
        bh_push(h);
        h->on_read = NULL;
        assert_int_equal(bh_rslt(h, rec), 0);
        assert_int_equal(bh_rsp(h, rec)->rqid, 0x4321);
        struct bh_tcmd *c = bh_tcmd_by_rqid(h, 0x4321);
        assert_non_null(c);
        assert_int_equal(c->dir, VSCSI_DIR_TO_DEVICE);
        assert_int_equal(c->data_len, x.total);
        for (size_t p = 0; p < x.total; p++)
            assert_int_equal(c->data[p], bh_wpat(x.seed, p));
        bh_xfer_free(&x);
        bh_assert_served(h);
        bh_finish(h);
    }
}

/* 4. Event storms without requests: counted as spurious, nothing done. */
static void test_item04_event_storm(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_COPY, 0);
    struct vscsi_back_stats st0 = bh_stats(h);
    unsigned notifies = h->notifies;

    for (int i = 0; i < 500; i++)
        bh_kick(h);
    /* and spurious upcalls nobody sent */
    assert_int_equal(vscsi_sim_fault(h->hv, 0, VSCSI_SIM_FAULT_EVT_SPURIOUS, 1, 100), 0);
    for (int i = 0; i < 100; i++)
        bh_pump(h);
    assert_int_equal(vscsi_sim_fault(h->hv, 0, VSCSI_SIM_FAULT_EVT_SPURIOUS, 0, 0), 0);
    struct vscsi_back_stats st = bh_stats(h);
    assert_int_equal(st.events - st0.events, 600);
    assert_int_equal(st.spurious_events - st0.spurious_events, 600);
    assert_int_equal(st.requests, st0.requests);
    assert_int_equal(st.responses, st0.responses);
    assert_int_equal(h->notifies, notifies);
    assert_int_equal(h->last_event_rc, 0);
    assert_int_equal(h->nrsp, 0);
    bh_assert_served(h);
    st = bh_stats(h);
    assert_int_equal(st.spurious_events - st0.spurious_events, 600);
    assert_int_equal(st.events - st0.events, 601);
    bh_finish(h);
}

/* ------------------------------------------------------------ per request */

/* 5. act not CDB/ABORT/RESET: host ERROR, SG_PRESET included. */
static void test_item05_bad_act(void **state)
{
    (void)state;
    static const uint8_t acts[] = {0, VSCSI_ACT_SG_PRESET, 5, 0x7f, 0x80, 0xff};
    struct bh *h = connected(VSCSI_BACK_MAP, 64);

    for (unsigned i = 0; i < sizeof(acts); i++) {
        struct vscsi_request rq = good_req((uint16_t)i, VSCSI_DIR_NONE);
        rq.act = acts[i];
        expect_reject(h, &rq, BH_RSLT_ERROR);
    }
    assert_int_equal(bh_stats(h).rejects[VSCSI_REJ_ACT], sizeof(acts));
    bh_finish(h);
}

/* 6. cmd_len > 16 (any act, even to an unknown nexus) or 0 for a CDB: ERROR. */
static void test_item06_cmd_len(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_COPY, 0);
    static const uint8_t lens[] = {17, 0x80, 0xff};

    for (unsigned i = 0; i < sizeof(lens); i++) {
        struct vscsi_request rq = good_req(1, VSCSI_DIR_NONE);
        rq.cmd_len = lens[i];
        expect_reject(h, &rq, BH_RSLT_ERROR);
        rq.act = VSCSI_ACT_ABORT;
        expect_reject(h, &rq, BH_RSLT_ERROR);
        rq.act = VSCSI_ACT_RESET;
        expect_reject(h, &rq, BH_RSLT_ERROR);
        rq.act = 9;
        rq.lun = 77; /* length is checked before the nexus */
        expect_reject(h, &rq, BH_RSLT_ERROR);
    }
    struct vscsi_request rq = good_req(2, VSCSI_DIR_NONE);
    rq.cmd_len = 0;
    expect_reject(h, &rq, BH_RSLT_ERROR);
    /* a TMR carries no CDB: cmd_len 0 is fine there */
    rq.act = VSCSI_ACT_RESET;
    unsigned rec = bh_send_raw(h, &rq);
    assert_int_equal(bh_rslt(h, rec), VSCSI_RSLT_RESET_SUCCESS);
    bh_finish(h);
}

/* 7. direction > 3: ERROR before anything else; BIDIRECTIONAL: ERROR. */
static void test_item07_direction(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_MAP, 64);
    uint32_t ref;
    bh_page(h, 0, &ref);
    static const uint8_t dirs[] = {4, 5, 0x80, 0xff};

    for (unsigned i = 0; i < sizeof(dirs); i++) {
        struct vscsi_request rq = good_req(1, VSCSI_DIR_FROM_DEVICE);
        rq.sc_data_direction = dirs[i];
        rq.nr_segments = 1;
        rq.seg[0] = (struct vscsi_seg){ref, 0, 512};
        expect_reject(h, &rq, BH_RSLT_ERROR);
        rq.channel = 9; /* before the nexus */
        expect_reject(h, &rq, BH_RSLT_ERROR);
        rq.channel = 0;
        rq.act = VSCSI_ACT_ABORT;
        expect_reject(h, &rq, BH_RSLT_ERROR);
    }
    struct vscsi_request rq = good_req(1, VSCSI_DIR_BIDIRECTIONAL);
    rq.nr_segments = 1;
    rq.seg[0] = (struct vscsi_seg){ref, 0, 512};
    expect_reject(h, &rq, BH_RSLT_ERROR);
    assert_int_equal(h->map_calls, 1); /* the ring only */
    bh_finish(h);
}

/* 8. Unknown nexus: NO_CONNECT for every act, the target never asked. */
static void test_item08_unknown_nexus(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_COPY, 0);
    static const struct vscsi_nexus nxs[] = {
        {0, 0, 1}, {0, 1, 0}, {1, 0, 0}, {0xffff, 0xffff, 0xffff}};
    static const uint8_t acts[] = {VSCSI_ACT_CDB, VSCSI_ACT_ABORT, VSCSI_ACT_RESET,
                                   VSCSI_ACT_SG_PRESET, 0xff};

    for (unsigned n = 0; n < sizeof(nxs) / sizeof(nxs[0]); n++)
        for (unsigned a = 0; a < sizeof(acts); a++) {
            struct vscsi_request rq = good_req((uint16_t)(n * 16 + a), VSCSI_DIR_NONE);
            rq.act = acts[a];
            rq.channel = nxs[n].channel;
            rq.id = nxs[n].id;
            rq.lun = nxs[n].lun;
            expect_reject(h, &rq, BH_RSLT_NO_CONNECT);
        }
    assert_int_equal(h->tgt.nabort + h->tgt.nreset, 0);
    bh_finish(h);
}

/* 9. More than 26 segments or indirect pages: ERROR, nothing read. */
static void test_item09_nr_segments(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_COPY, 1024);
    uint32_t ref;
    bh_page(h, 0, &ref);
    static const uint8_t nrs[] = {27, 0x7f, VSCSI_SG_GRANT | 27, VSCSI_SG_GRANT | 0x7f};

    for (unsigned i = 0; i < sizeof(nrs); i++) {
        struct vscsi_request rq = good_req(1, VSCSI_DIR_FROM_DEVICE);
        for (unsigned s = 0; s < VSCSI_SG_TABLESIZE; s++)
            rq.seg[s] = (struct vscsi_seg){ref, 0, 8};
        rq.nr_segments = nrs[i];
        expect_reject(h, &rq, BH_RSLT_ERROR);
    }
    assert_int_equal(h->ref_reads[ref], 0);
    assert_int_equal(h->copy_calls, 0);
    assert_int_equal(bh_stats(h).rejects[VSCSI_REJ_NR_SEGS], sizeof(nrs));
    bh_finish(h);
}

/* 10. Indirect when feature-sg-grant was not advertised: ERROR. */
static void test_item10_indirect_not_advertised(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_MAP, 0);
    struct bh_xfer x;
    char buf[16];

    assert_null(bh_back_read(h, "feature-sg-grant", buf, sizeof(buf)));
    bh_xfer_prep(h, &x, 1, VSCSI_DIR_TO_DEVICE, 3, 1, 0, 0);
    struct vscsi_request rq = good_req(1, VSCSI_DIR_TO_DEVICE);
    rq.nr_segments = VSCSI_SG_GRANT | 1;
    rq.seg[0] = (struct vscsi_seg){x.ind_ref[0], x.ind_off[0], x.ind_len[0]};
    expect_reject(h, &rq, BH_RSLT_ERROR);
    rq.nr_segments = VSCSI_SG_GRANT; /* zero pages */
    expect_reject(h, &rq, BH_RSLT_ERROR);
    assert_int_equal(h->ref_reads[x.ind_ref[0]], 0);
    assert_int_equal(bh_stats(h).rejects[VSCSI_REJ_INDIRECT_UNSUPPORTED], 2);
    bh_xfer_free(&x);
    bh_finish(h);
}

/* 11. Indirect descriptors: empty, not a multiple of 8, misaligned, past the
 *     page: ERROR without reading any page. */
static void test_item11_indirect_desc(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_COPY, 1024);
    struct bh_xfer x;
    static const struct {
        uint16_t off, len;
    } bad[] = {{0, 0},    {0, 12},   {4, 16},     {4088, 16}, {4096, 0},
               {4096, 8}, {0, 4104}, {0xfff8, 8}, {8, 0xfff8}};

    bh_xfer_prep(h, &x, 1, VSCSI_DIR_TO_DEVICE, 3, 1, 0, 0);
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        for (unsigned pos = 0; pos < 2; pos++) {
            struct vscsi_request rq = good_req(1, VSCSI_DIR_TO_DEVICE);
            rq.nr_segments = VSCSI_SG_GRANT | 2;
            rq.seg[0] = (struct vscsi_seg){x.ind_ref[0], x.ind_off[0], x.ind_len[0]};
            rq.seg[1] = rq.seg[0];
            rq.seg[pos].offset = bad[i].off;
            rq.seg[pos].length = bad[i].len;
            expect_reject(h, &rq, BH_RSLT_ERROR);
        }
    }
    assert_int_equal(h->ref_reads[x.ind_ref[0]], 0);
    bh_xfer_free(&x);
    bh_finish(h);
}

/* 12. More indirect entries than advertised: ERROR; exactly as many: fine. */
static void test_item12_too_many_entries(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_MAP, 64);
    struct bh_xfer x;

    bh_xfer_prep(h, &x, 1, VSCSI_DIR_TO_DEVICE, 72, 1, 40, 0); /* 40 + 32 */
    struct vscsi_request rq = good_req(1, VSCSI_DIR_TO_DEVICE);
    rq.nr_segments = VSCSI_SG_GRANT | 2;
    rq.seg[0] = (struct vscsi_seg){x.ind_ref[0], x.ind_off[0], x.ind_len[0]};
    rq.seg[1] = (struct vscsi_seg){x.ind_ref[1], x.ind_off[1], x.ind_len[1]};
    expect_reject(h, &rq, BH_RSLT_ERROR);
    /* one region alone past the limit */
    rq.nr_segments = VSCSI_SG_GRANT | 1;
    rq.seg[0].length = 65 * 8;
    expect_reject(h, &rq, BH_RSLT_ERROR);
    assert_int_equal(h->ref_reads[x.ind_ref[0]] + h->ref_reads[x.ind_ref[1]], 0);
    assert_int_equal(bh_stats(h).rejects[VSCSI_REJ_TOO_MANY_SEGS], 2);
    /* 64 exactly: 40 + 24 */
    rq.nr_segments = VSCSI_SG_GRANT | 2;
    rq.seg[0] = (struct vscsi_seg){x.ind_ref[0], x.ind_off[0], x.ind_len[0]};
    rq.seg[1] = (struct vscsi_seg){x.ind_ref[1], x.ind_off[1], 24 * 8};
    unsigned rec = bh_send_raw(h, &rq);
    assert_int_equal(bh_rslt(h, rec), 0);
    struct bh_tcmd *c = bh_tcmd_by_rqid(h, 1);
    size_t want = 0;
    for (unsigned i = 0; i < 64; i++)
        want += x.len[i];
    assert_int_equal(c->data_len, want);
    assert_int_equal(c->iovcnt, 64);
    for (size_t p = 0; p < want; p++)
        assert_int_equal(c->data[p], bh_wpat(x.seed, p));
    bh_xfer_free(&x);
    bh_finish(h);
}

/* 13. Data segments out of their page, direct or indirect: ERROR; empty
 *     ones too unless allowed. */
static void test_item13_seg_bounds(void **state)
{
    (void)state;
    static const struct {
        uint16_t off, len;
    } bad[] = {{4096, 0}, {4096, 1},        {4095, 2},   {0, 4097},
               {1, 4096}, {0xffff, 0xffff}, {0, 0xffff}, {2048, 2049}};
    for (int m = 0; m < 2; m++) {
        struct bh *h = connected((enum vscsi_back_data_mode)m, 64);
        struct bh_xfer x;

        bh_xfer_prep(h, &x, 1, VSCSI_DIR_FROM_DEVICE, 3, 1, 0, 0);
        for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            struct vscsi_request rq = good_req(1, VSCSI_DIR_FROM_DEVICE);
            rq.nr_segments = 3;
            for (unsigned s = 0; s < 3; s++)
                rq.seg[s] = (struct vscsi_seg){x.ref[s], 0, 4096};
            rq.seg[2].offset = bad[i].off;
            rq.seg[2].length = bad[i].len;
            expect_reject(h, &rq, BH_RSLT_ERROR);

            /* the same lie inside an indirect page */
            struct vscsi_seg d = {x.ref[1], bad[i].off, bad[i].len};
            memcpy(x.ind_page[0] + x.ind_off[0] + 8, &d, sizeof(d));
            rq.nr_segments = VSCSI_SG_GRANT | 1;
            rq.seg[0] = (struct vscsi_seg){x.ind_ref[0], x.ind_off[0], x.ind_len[0]};
            expect_reject(h, &rq, BH_RSLT_ERROR);
        }
        /* zero-length data segment: refused by default */
        struct vscsi_request rq = good_req(1, VSCSI_DIR_FROM_DEVICE);
        rq.nr_segments = 2;
        rq.seg[0] = (struct vscsi_seg){x.ref[0], 0, 4096};
        rq.seg[1] = (struct vscsi_seg){x.ref[1], 100, 0};
        expect_reject(h, &rq, BH_RSLT_ERROR);
        assert_int_equal(h->tgt.ncmds, 2 * (sizeof(bad) / sizeof(bad[0])) + 1);
        bh_xfer_free(&x);
        bh_finish(h);
    }
}

static void test_item13_zero_seg_allowed(void **state)
{
    (void)state;
    for (int m = 0; m < 2; m++) {
        struct bh_opts o = {.mode = (enum vscsi_back_data_mode)m, .allow_zero_seg = 1};
        struct bh *h = connected_opts(&o);
        uint8_t *pg[2];
        uint32_t ref[2];
        pg[0] = bh_page(h, 0, &ref[0]);
        pg[1] = bh_page(h, 0, &ref[1]);
        memset(pg[1], BH_GUARD, 4096);
        struct vscsi_request rq = good_req(3, VSCSI_DIR_FROM_DEVICE);
        rq.nr_segments = 3;
        rq.seg[0] = (struct vscsi_seg){ref[1], 0, 0};
        rq.seg[1] = (struct vscsi_seg){ref[0], 0, 4096};
        rq.seg[2] = (struct vscsi_seg){ref[1], 4095, 0};
        unsigned rec = bh_send_raw(h, &rq);
        assert_int_equal(bh_rslt(h, rec), 0);
        assert_int_equal(bh_tcmd_by_rqid(h, 3)->data_len, 4096);
        for (unsigned b = 0; b < 4096; b++) {
            assert_int_equal(pg[0][b], bh_rpat(3, b));
            assert_int_equal(pg[1][b], BH_GUARD);
        }
        bh_finish(h);
    }
}

/* 14. Segments with direction NONE: ERROR; a data direction with no
 *     segments: served as a zero-length transfer. */
static void test_item14_direction_mismatch(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_MAP, 64);
    uint32_t ref;
    bh_page(h, 0, &ref);

    struct vscsi_request rq = good_req(1, VSCSI_DIR_NONE);
    rq.nr_segments = 1;
    rq.seg[0] = (struct vscsi_seg){ref, 0, 512};
    expect_reject(h, &rq, BH_RSLT_ERROR);
    assert_int_equal(bh_stats(h).rejects[VSCSI_REJ_DIR_MISMATCH], 1);
    for (uint8_t dir = VSCSI_DIR_TO_DEVICE; dir <= VSCSI_DIR_FROM_DEVICE; dir++) {
        rq = good_req(2, dir);
        unsigned rec = bh_send_raw(h, &rq);
        assert_int_equal(bh_rslt(h, rec), 0);
        struct bh_tcmd *c = bh_tcmd_by_rqid(h, 2);
        assert_int_equal(c->dir, dir);
        assert_int_equal(c->data_len, 0);
        assert_int_equal(c->iovcnt, 0);
    }
    /* indirect with zero pages: no data, too */
    rq = good_req(3, VSCSI_DIR_FROM_DEVICE);
    rq.nr_segments = VSCSI_SG_GRANT;
    unsigned rec = bh_send_raw(h, &rq);
    assert_int_equal(bh_rslt(h, rec), 0);
    assert_int_equal(bh_tcmd_by_rqid(h, 3)->data_len, 0);
    bh_finish(h);
}

/* 15. Grant map/copy failure on any page: ERROR, partial work undone. */
static void test_item15_grant_failure(void **state)
{
    (void)state;
    struct bh_opts o[3] = {{.mode = VSCSI_BACK_COPY, .max_segs = 64},
                           {.mode = VSCSI_BACK_MAP, .max_segs = 64},
                           {.mode = VSCSI_BACK_MAP, .max_segs = 64, .no_copy_op = 1}};
    for (int m = 0; m < 3; m++) {
        struct bh *h = connected_opts(&o[m]);
        struct bh_xfer x;

        /* the last page of five was revoked by the frontend: a WRITE */
        bh_xfer_prep(h, &x, 1, VSCSI_DIR_TO_DEVICE, 5, 0, 0, 0);
        assert_int_equal(h->sim->ungrant_page(h->fd, x.ref[4], x.page[4]), 0);
        assert_int_equal(h->granted[h->ngranted - 1], x.ref[4]);
        h->ngranted--; /* gone already: not to be ungranted again at the end */
        struct vscsi_request rq = good_req(1, VSCSI_DIR_TO_DEVICE);
        rq.nr_segments = 5;
        for (unsigned s = 0; s < 5; s++)
            rq.seg[s] = (struct vscsi_seg){x.ref[s], x.off[s], x.len[s]};
        expect_reject(h, &rq, BH_RSLT_ERROR);
        assert_int_equal(vscsi_sim_grants_in_use(h->hv, h->o.fdom), 1);
        bh_xfer_free(&x);

        /* the hypervisor refuses: map or copy, on the indirect page */
        bh_xfer_prep(h, &x, 2, VSCSI_DIR_TO_DEVICE, 5, 1, 0, 0);
        enum vscsi_sim_fault kind = o[m].mode == VSCSI_BACK_COPY || !o[m].no_copy_op
                                        ? VSCSI_SIM_FAULT_COPY
                                        : VSCSI_SIM_FAULT_MAP;
        assert_int_equal(vscsi_sim_fault(h->hv, 0, kind, 1, 1), 0);
        rq = good_req(2, VSCSI_DIR_TO_DEVICE);
        rq.nr_segments = VSCSI_SG_GRANT | 1;
        rq.seg[0] = (struct vscsi_seg){x.ind_ref[0], x.ind_off[0], x.ind_len[0]};
        expect_reject(h, &rq, BH_RSLT_ERROR);
        /* and on the data */
        kind = o[m].mode == VSCSI_BACK_COPY ? VSCSI_SIM_FAULT_COPY : VSCSI_SIM_FAULT_MAP;
        assert_int_equal(vscsi_sim_fault(h->hv, 0, kind, o[m].no_copy_op ? 2 : (m ? 1 : 4), 1), 0);
        expect_reject(h, &rq, BH_RSLT_ERROR);
        assert_int_equal(vscsi_sim_fault(h->hv, 0, kind, 0, 0), 0);
        assert_int_equal(bh_stats(h).rejects[VSCSI_REJ_GRANT], 3);
        bh_xfer_free(&x);
        bh_finish(h);
    }
}

/* 16. Indirect descriptors read once: flipping the page right after the
 *     engine read it does not change the command. */
static void flip_indirect(struct bh *h, uint32_t ref)
{
    struct bh_xfer *x = h->hook;
    for (uint32_t k = 0; k < x->nind; k++) {
        if (x->ind_ref[k] != ref)
            continue;
        /* point every entry at the first data page, whole page */
        for (uint32_t o = x->ind_off[k]; o < (uint32_t)x->ind_off[k] + x->ind_len[k]; o += 8) {
            struct vscsi_seg d = {x->ref[0], 0, 4096};
            memcpy(x->ind_page[k] + o, &d, sizeof(d));
        }
    }
}

static void test_item16_indirect_read_once(void **state)
{
    (void)state;
    struct bh_opts o[3] = {{.mode = VSCSI_BACK_COPY, .max_segs = 128},
                           {.mode = VSCSI_BACK_MAP, .max_segs = 128},
                           {.mode = VSCSI_BACK_MAP, .max_segs = 128, .no_copy_op = 1}};
    for (int m = 0; m < 3; m++) {
        for (int dir = VSCSI_DIR_TO_DEVICE; dir <= VSCSI_DIR_FROM_DEVICE; dir++) {
            struct bh *h = connected_opts(&o[m]);
            struct bh_xfer x;

            bh_xfer_prep(h, &x, 5, (uint8_t)dir, 50, 1, 20, 0); /* 20 + 20 + 10 */
            h->hook = &x;
            h->on_read = flip_indirect;
            unsigned rec = bh_xfer_send(h, &x, bh_nx(0, 0, 0));
            bh_push(h);
            h->on_read = NULL;
            assert_int_equal(bh_rslt(h, rec), 0);
            for (uint32_t k = 0; k < x.nind; k++)
                assert_int_equal(h->ref_reads[x.ind_ref[k]], 1);
            struct bh_tcmd *c = bh_tcmd_by_rqid(h, 5);
            assert_int_equal(c->data_len, x.total);
            if (dir == VSCSI_DIR_TO_DEVICE) {
                for (size_t p = 0; p < x.total; p++)
                    assert_int_equal(c->data[p], bh_wpat(x.seed, p));
            } else {
                bh_xfer_check_read(h, &x, x.total);
            }
            bh_xfer_free(&x);
            bh_assert_served(h);
            bh_finish(h);
        }
    }
}

/* 17. TO_DEVICE pages are only ever read: mapped read-only even when the
 *     frontend granted them writable, never copied into. */
static void test_item17_write_pages_read_only(void **state)
{
    (void)state;
    for (int m = 0; m < 2; m++) {
        for (int ind = 0; ind < 2; ind++) {
            struct bh_opts o = {.mode = (enum vscsi_back_data_mode)m, .max_segs = 64};
            struct bh *h = connected_opts(&o);
            struct bh_xfer x;

            h->tgt.scribble = m == VSCSI_BACK_COPY; /* the bounce is the target's */
            h->tgt.hold = 1;
            bh_xfer_prep(h, &x, 1, VSCSI_DIR_TO_DEVICE, 6, ind, 4, 1 /* granted RW */);
            unsigned rec = bh_xfer_send(h, &x, bh_nx(0, 0, 0));
            bh_push(h);
            for (uint32_t i = 0; i < x.nsegs; i++) {
                uint16_t flags;
                assert_int_equal(h->ref_map_rw[x.ref[i]], 0);
                assert_int_equal(h->ref_copy_to[x.ref[i]], 0);
                assert_int_equal(
                    vscsi_sim_grant_entry(h->hv, h->o.fdom, x.ref[i], &flags, NULL, NULL), 0);
                assert_int_equal(flags & VSCSI_SIM_GTF_writing, 0);
                if (m == VSCSI_BACK_MAP)
                    assert_int_equal(h->ref_map_ro[x.ref[i]], 1);
            }
            bh_tgt_complete(h, bh_tcmd_by_rqid(h, 1), 0, 0, NULL, 0, 0);
            assert_int_equal(bh_rslt(h, rec), 0);
            size_t p = 0;
            for (uint32_t i = 0; i < x.nsegs; i++) {
                assert_int_equal(h->ref_copy_to[x.ref[i]], 0);
                for (uint32_t b = 0; b < x.len[i]; b++)
                    assert_int_equal(x.page[i][x.off[i] + b], bh_wpat(x.seed, p + b));
                p += x.len[i];
            }
            for (uint32_t k = 0; k < x.nind; k++)
                assert_int_equal(h->ref_map_rw[x.ind_ref[k]], 0);
            bh_xfer_free(&x);
            bh_finish(h);
        }
    }
}

/* 18. A duplicate of an rqid in flight: ERROR for the duplicate, the first
 *     one unharmed; any 16-bit rqid is fine. */
static void test_item18_duplicate_rqid(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_MAP, 0);
    struct bh_xfer a, b;

    h->tgt.hold = 1;
    bh_xfer_prep(h, &a, 0xffff, VSCSI_DIR_FROM_DEVICE, 2, 0, 0, 0);
    unsigned first = bh_xfer_send(h, &a, bh_nx(0, 0, 0));
    bh_push(h);
    bh_xfer_prep(h, &b, 0xffff, VSCSI_DIR_FROM_DEVICE, 2, 0, 0, 0);
    unsigned dup = bh_xfer_send(h, &b, bh_nx(0, 0, 0));
    bh_push(h);
    assert_int_equal(bh_rslt(h, dup), BH_RSLT_ERROR);
    assert_int_equal(h->sent[first].answers, 0);
    assert_int_equal(h->tgt.ncmds, 1);
    assert_int_equal(bh_stats(h).rejects[VSCSI_REJ_DUP_RQID], 1);
    bh_xfer_check_read(h, &b, 0);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 3);
    /* and a duplicate within one batch */
    unsigned t1 = bh_tur(h, 0x8000, bh_nx(0, 0, 0));
    struct vscsi_nexus nx = bh_nx(0, 0, 0);
    uint8_t tur[6] = {0};
    assert_int_equal(vscsi_req_cdb(bh_req(h), 0x7fff, &nx, tur, 6, VSCSI_DIR_NONE, 0), 0);
    unsigned t2 = bh_produce(h);
    assert_int_equal(vscsi_req_cdb(bh_req(h), 0x7fff, &nx, tur, 6, VSCSI_DIR_NONE, 0), 0);
    unsigned t3 = bh_produce(h);
    bh_push(h);
    assert_int_equal(bh_rslt(h, t3), BH_RSLT_ERROR);
    assert_int_equal(h->sent[t2].answers, 0);

    bh_tgt_complete(h, bh_tcmd_by_rqid(h, 0xffff), 0, 0, NULL, 0, 0);
    assert_int_equal(bh_rslt(h, first), 0);
    assert_int_equal(bh_rsp(h, first)->rqid, 0xffff);
    bh_xfer_check_read(h, &a, a.total);
    bh_tgt_complete(h, bh_tcmd_by_rqid(h, 0x8000), 0, 0, NULL, 0, 0);
    bh_tgt_complete(h, bh_tcmd_by_rqid(h, 0x7fff), 0, 0, NULL, 0, 0);
    assert_int_equal(bh_rslt(h, t1), 0);
    assert_int_equal(bh_rslt(h, t2), 0);
    /* once answered, the rqid may be used again */
    h->tgt.hold = 0;
    assert_int_equal(bh_rslt(h, bh_tur(h, 0xffff, bh_nx(0, 0, 0))), 0);
    bh_xfer_free(&a);
    bh_xfer_free(&b);
    bh_finish(h);
}

/* 19. ABORT of an rqid nobody knows: 0x2003, and TMRs do not pile up. */
static void test_item19_abort_unknown(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_COPY, 0);

    for (unsigned i = 0; i < 40; i++) {
        struct vscsi_request rq = {0};
        rq.rqid = (uint16_t)(1000 + i);
        rq.act = VSCSI_ACT_ABORT;
        rq.ref_rqid = (uint16_t)(i * 1637);
        unsigned rec = bh_send_raw(h, &rq);
        assert_int_equal(bh_rslt(h, rec), VSCSI_RSLT_RESET_FAILED);
    }
    assert_int_equal(bh_stats(h).in_flight, 0);
    assert_int_equal(bh_stats(h).aborts, 40);
    bh_assert_served(h);
    bh_finish(h);
}

/* 20. Grants released before the response is visible; exactly one response
 *     per consumed request, good or bad, in one mixed batch. */
static void test_item20_release_then_answer(void **state)
{
    (void)state;
    for (int m = 0; m < 2; m++) {
        struct bh *h = connected((enum vscsi_back_data_mode)m, 64);
        struct bh_xfer x[8];
        unsigned n0 = h->nsent;

        h->tgt.hold = 1;
        for (unsigned i = 0; i < 8; i++) {
            bh_xfer_prep(h, &x[i], (uint16_t)(i + 1),
                         i % 2 ? VSCSI_DIR_FROM_DEVICE : VSCSI_DIR_TO_DEVICE, 3 + i, i >= 4, 3, 0);
            bh_xfer_send(h, &x[i], bh_nx(0, 0, 0));
        }
        /* and eight bad ones in the same batch */
        for (unsigned i = 0; i < 8; i++) {
            uint32_t r0, r1;
            bh_page(h, 0, &r0);
            bh_page(h, 0, &r1);
            struct vscsi_request *rq = bh_req(h);
            *rq = good_req((uint16_t)(50 + i), VSCSI_DIR_FROM_DEVICE);
            rq->nr_segments = 2;
            rq->seg[0] = (struct vscsi_seg){r0, 0, 4096};
            rq->seg[1] = (struct vscsi_seg){r1, 1, 4096}; /* out of its page */
            bh_produce(h);
        }
        bh_push(h);
        assert_int_equal(bh_stats(h).requests, 16);
        assert_int_equal(h->nrsp, 8);
        /* complete in a shuffled order; every answer checked at its notify */
        static const unsigned order[8] = {3, 7, 0, 5, 1, 6, 2, 4};
        for (unsigned k = 0; k < 8; k++) {
            bh_tgt_complete(h, bh_tcmd_by_rqid(h, (uint16_t)(order[k] + 1)), 0, 0, NULL, 0, 0);
            if (m == VSCSI_BACK_MAP) {
                unsigned left = 1;
                for (unsigned j = k + 1; j < 8; j++)
                    left += x[order[j]].nsegs;
                assert_int_equal(h->maps_at_notify, left);
            }
        }
        assert_int_equal(h->nrsp, 16);
        for (unsigned i = n0; i < h->nsent; i++)
            assert_int_equal(h->sent[i].answers, 1);
        assert_int_equal(h->grant_violations, 0);
        for (unsigned i = 0; i < 8; i++)
            bh_xfer_free(&x[i]);
        bh_finish(h);
    }
}

/* 21. XenStore input: the ring numbers must be unsigned decimals; LUN strings
 *     bounded and well formed; a duplicate v-dev is refused with 6. (The full
 *     sets of values are in test_back_xenbus and test_back_luns.) */
static void test_item21_xenstore_input(void **state)
{
    (void)state;
    static const char *const ring_refs[] = {"1 2", "", "abc", "-8", "99999999999"};
    for (unsigned i = 0; i < sizeof(ring_refs) / sizeof(ring_refs[0]); i++) {
        struct bh_opts o = {.nluns = 1};
        struct bh *h = bh_new(&o);
        char buf[64];
        bh_offer_ring(h);
        assert_int_equal(bh_fe_write(h, "ring-ref", ring_refs[i]), 0);
        bh_fe_state(h, VSCSI_XB_INITIALISED);
        assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSING);
        assert_non_null(bh_back_read(h, "error", buf, sizeof(buf)));
        assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
        bh_finish(h);
    }

    struct bh_opts o = {.nluns = 1};
    struct bh *h = bh_new(&o);
    char longp[400];
    memset(longp, 'a', sizeof(longp) - 1);
    longp[sizeof(longp) - 1] = '\0';
    bh_ts_lun(h, "dev-1", "lun1", "0:0:0:0", "1"); /* duplicate v-dev */
    bh_ts_lun(h, "dev-2", longp, "0:0:2:0", "1");  /* p-dev too long */
    bh_ts_lun(h, "dev-3", "lun3", "0:0:3", "1");   /* v-dev not 4 numbers */
    bh_ts_lun(h, "dev-4", "lun4", "0:0:4:0:0", "1");
    bh_ts_lun(h, "dev-5", "lun5", "0:0:99999:0", "1");
    bh_connect(h);
    assert_int_equal(bh_lun_state(h, "dev-0"), VSCSI_XB_CONNECTED);
    for (int i = 1; i <= 5; i++) {
        char dev[8];
        snprintf(dev, sizeof(dev), "dev-%d", i);
        assert_int_equal(bh_lun_state(h, dev), VSCSI_XB_CLOSED);
    }
    assert_int_equal(h->tgt.nopen, 1);
    bh_assert_served(h);
    bh_finish(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_item01_req_prod_overflow),
        cmocka_unit_test(test_item01_req_prod_backwards),
        cmocka_unit_test(test_item01_boundary),
        cmocka_unit_test(test_item01_header_scribbled),
        cmocka_unit_test(test_item02_consume_bounded),
        cmocka_unit_test(test_item03_slot_copied_once),
        cmocka_unit_test(test_item04_event_storm),
        cmocka_unit_test(test_item05_bad_act),
        cmocka_unit_test(test_item06_cmd_len),
        cmocka_unit_test(test_item07_direction),
        cmocka_unit_test(test_item08_unknown_nexus),
        cmocka_unit_test(test_item09_nr_segments),
        cmocka_unit_test(test_item10_indirect_not_advertised),
        cmocka_unit_test(test_item11_indirect_desc),
        cmocka_unit_test(test_item12_too_many_entries),
        cmocka_unit_test(test_item13_seg_bounds),
        cmocka_unit_test(test_item13_zero_seg_allowed),
        cmocka_unit_test(test_item14_direction_mismatch),
        cmocka_unit_test(test_item15_grant_failure),
        cmocka_unit_test(test_item16_indirect_read_once),
        cmocka_unit_test(test_item17_write_pages_read_only),
        cmocka_unit_test(test_item18_duplicate_rqid),
        cmocka_unit_test(test_item19_abort_unknown),
        cmocka_unit_test(test_item20_release_then_answer),
        cmocka_unit_test(test_item21_xenstore_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
