/* SPDX-License-Identifier: MIT */
/* Backend engine: ABORT and RESET. An aborted command gets its own answer
 * (host ABORT) before the ABORT's 0x2002; a reset answers every command of
 * the LUN with host RESET before its 0x2002; anything the target will not
 * or cannot do is 0x2003 and leaves the commands alone. */
#include <errno.h>
#include <string.h>

#include "back_harness.h"

static struct bh *connected(enum vscsi_back_data_mode mode, unsigned nluns)
{
    struct bh_opts o = {.mode = mode, .nluns = nluns, .max_segs = 64};
    struct bh *h = bh_new(&o);
    bh_connect(h);
    h->tgt.hold = 1;
    return h;
}

static unsigned read_cmd(struct bh *h, struct bh_xfer *x, uint16_t rqid, struct vscsi_nexus nx)
{
    bh_xfer_prep(h, x, rqid, VSCSI_DIR_FROM_DEVICE, 4, rqid % 2, 2, 0);
    unsigned rec = bh_xfer_send(h, x, nx);
    bh_push(h);
    return rec;
}

/* The target finishes a held READ normally: answered GOOD, all data delivered. */
static void complete_read(struct bh *h, struct bh_xfer *x, unsigned rec)
{
    bh_tgt_complete(h, bh_tcmd_by_rqid(h, x->rqid), 0, 0, NULL, 0, 0);
    assert_int_equal(bh_rslt(h, rec), 0);
    bh_xfer_check_read(h, x, x->total);
}

static void test_abort_in_flight(void **state)
{
    (void)state;
    for (int mode = 0; mode < 2; mode++) {
        struct bh *h = connected((enum vscsi_back_data_mode)mode, 1);
        struct bh_xfer x[3];
        unsigned c[3];

        for (unsigned i = 0; i < 3; i++)
            c[i] = read_cmd(h, &x[i], (uint16_t)(1 + i), bh_nx(0, 0, 0));
        assert_int_equal(bh_tgt_pending(h), 3);
        unsigned a = bh_tmr(h, VSCSI_ACT_ABORT, 9, bh_nx(0, 0, 0), 2);
        /* the victim first, then the ABORT */
        assert_int_equal(bh_rslt(h, c[1]), BH_RSLT_ABORT);
        assert_int_equal(bh_rslt(h, a), VSCSI_RSLT_RESET_SUCCESS);
        assert_true(h->sent[c[1]].order < h->sent[a].order);
        assert_int_equal(bh_rsp(h, a)->sense_len, 0);
        assert_int_equal(bh_rsp(h, a)->residual_len, 0);
        assert_int_equal(bh_tcmd_by_rqid(h, 2)->state, BH_T_ABORTED);
        assert_int_equal(h->tgt.nabort, 1);
        /* nothing of the aborted read reached the frontend, and its pages are free */
        bh_xfer_check_read(h, &x[1], 0);
        if (mode == VSCSI_BACK_MAP)
            assert_int_equal(vscsi_sim_mappings(h->hv, 0), 1 + 4 + 4);
        struct vscsi_back_stats st = bh_stats(h);
        assert_int_equal(st.aborts, 1);
        assert_int_equal(st.in_flight, 2);

        /* the others are untouched and complete normally */
        complete_read(h, &x[0], c[0]);
        complete_read(h, &x[2], c[2]);

        /* the aborted rqid is free again */
        unsigned again = bh_tur(h, 2, bh_nx(0, 0, 0));
        bh_tgt_complete(h, bh_tcmd_by_rqid(h, 2), 0, 0, NULL, 0, 0);
        assert_int_equal(bh_rslt(h, again), 0);
        for (unsigned i = 0; i < 3; i++)
            bh_xfer_free(&x[i]);
        bh_finish(h);
    }
}

/* ABORT and its victim in the same batch of the ring. */
static void test_abort_same_batch(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_MAP, 1);
    struct vscsi_nexus nx = bh_nx(0, 0, 0);
    uint8_t tur[6] = {0};

    assert_int_equal(vscsi_req_cdb(bh_req(h), 40, &nx, tur, 6, VSCSI_DIR_NONE, 0), 0);
    unsigned c = bh_produce(h);
    assert_int_equal(vscsi_req_abort(bh_req(h), 41, &nx, 40), 0);
    unsigned a = bh_produce(h);
    bh_push(h);
    assert_int_equal(bh_rslt(h, c), BH_RSLT_ABORT);
    assert_int_equal(bh_rslt(h, a), VSCSI_RSLT_RESET_SUCCESS);
    assert_true(h->sent[c].order < h->sent[a].order);
    bh_finish(h);
}

static void test_abort_refused_or_unknown(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_MAP, 2);
    struct bh_xfer x;
    unsigned c = read_cmd(h, &x, 1, bh_nx(0, 0, 0));

    /* the target cannot take it back */
    h->tgt.abort_rc = -EBUSY;
    unsigned a = bh_tmr(h, VSCSI_ACT_ABORT, 2, bh_nx(0, 0, 0), 1);
    assert_int_equal(bh_rslt(h, a), VSCSI_RSLT_RESET_FAILED);
    assert_int_equal(h->sent[c].answers, 0);
    assert_int_equal(bh_tcmd_by_rqid(h, 1)->state, BH_T_PENDING);
    h->tgt.abort_rc = 0;

    /* no such rqid in flight, or on another LUN, or an ABORT naming itself */
    a = bh_tmr(h, VSCSI_ACT_ABORT, 3, bh_nx(0, 0, 0), 77);
    assert_int_equal(bh_rslt(h, a), VSCSI_RSLT_RESET_FAILED);
    a = bh_tmr(h, VSCSI_ACT_ABORT, 4, bh_nx(0, 1, 0), 1);
    assert_int_equal(bh_rslt(h, a), VSCSI_RSLT_RESET_FAILED);
    a = bh_tmr(h, VSCSI_ACT_ABORT, 5, bh_nx(0, 0, 0), 5);
    assert_int_equal(bh_rslt(h, a), VSCSI_RSLT_RESET_FAILED);
    assert_int_equal(h->sent[c].answers, 0);

    /* a target without TMRs */
    int (*saved)(void *, void *, struct vscsi_target_cmd *) = h->tgt.ops.abort;
    h->tgt.ops.abort = NULL;
    a = bh_tmr(h, VSCSI_ACT_ABORT, 6, bh_nx(0, 0, 0), 1);
    assert_int_equal(bh_rslt(h, a), VSCSI_RSLT_RESET_FAILED);
    h->tgt.ops.abort = saved;
    assert_int_equal(bh_tcmd_by_rqid(h, 1)->state, BH_T_PENDING);

    /* the command still completes, once */
    complete_read(h, &x, c);

    /* and once completed, it is unknown */
    unsigned n = h->tgt.nabort;
    a = bh_tmr(h, VSCSI_ACT_ABORT, 7, bh_nx(0, 0, 0), 1);
    assert_int_equal(bh_rslt(h, a), VSCSI_RSLT_RESET_FAILED);
    assert_int_equal(h->tgt.nabort, n); /* the engine knew without asking */
    assert_int_equal(bh_stats(h).in_flight, 0);
    bh_xfer_free(&x);
    bh_finish(h);
}

/* The target says -ENOENT (it finished the command on its own, the
 * completion not yet delivered): a failed ABORT, the completion still counts. */
static void test_abort_target_enoent(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_COPY, 1);
    struct bh_xfer x;
    unsigned c = read_cmd(h, &x, 1, bh_nx(0, 0, 0));

    h->tgt.abort_rc = -ENOENT;
    unsigned a = bh_tmr(h, VSCSI_ACT_ABORT, 2, bh_nx(0, 0, 0), 1);
    assert_int_equal(bh_rslt(h, a), VSCSI_RSLT_RESET_FAILED);
    complete_read(h, &x, c);
    bh_xfer_free(&x);
    bh_finish(h);
}

/* An ABORT of rqid 1 and a RESET that the engine refuses itself with rslt:
 * the target is never asked, and the TUR with rqid 1 in flight completes as
 * if nothing had happened. */
static void tmrs_refused(uint16_t abort_rqid, struct vscsi_nexus abort_nx, uint16_t reset_rqid,
                         struct vscsi_nexus reset_nx, int32_t rslt)
{
    struct bh *h = connected(VSCSI_BACK_COPY, 1);
    unsigned c = bh_tur(h, 1, bh_nx(0, 0, 0));
    unsigned a = bh_tmr(h, VSCSI_ACT_ABORT, abort_rqid, abort_nx, 1);
    unsigned r = bh_tmr(h, VSCSI_ACT_RESET, reset_rqid, reset_nx, 0);

    assert_int_equal(bh_rslt(h, a), rslt);
    assert_int_equal(bh_rslt(h, r), rslt);
    assert_int_equal(h->tgt.nabort, 0);
    assert_int_equal(h->tgt.nreset, 0);
    assert_int_equal(bh_tcmd_by_rqid(h, 1)->state, BH_T_PENDING);
    bh_tgt_complete(h, bh_tcmd_by_rqid(h, 1), 0, 0, NULL, 0, 0);
    assert_int_equal(bh_rslt(h, c), 0);
    bh_finish(h);
}

static void test_tmr_unknown_nexus(void **state)
{
    (void)state;
    tmrs_refused(2, bh_nx(0, 0, 1), 3, bh_nx(1, 0, 0), BH_RSLT_NO_CONNECT);
}

static void test_reset(void **state)
{
    (void)state;
    for (int mode = 0; mode < 2; mode++) {
        struct bh *h = connected((enum vscsi_back_data_mode)mode, 2);
        struct bh_xfer x[6];
        unsigned c[6];

        for (unsigned i = 0; i < 6; i++)
            c[i] = read_cmd(h, &x[i], (uint16_t)(10 + i), bh_nx(0, (uint16_t)(i % 2), 0));
        unsigned r = bh_tmr(h, VSCSI_ACT_RESET, 20, bh_nx(0, 0, 0), 0);
        assert_int_equal(h->tgt.nreset, 1);
        assert_int_equal(bh_rslt(h, r), VSCSI_RSLT_RESET_SUCCESS);
        for (unsigned i = 0; i < 6; i += 2) {
            assert_int_equal(bh_rslt(h, c[i]), BH_RSLT_RESET);
            assert_true(h->sent[c[i]].order < h->sent[r].order);
            assert_int_equal(bh_tcmd_by_rqid(h, (uint16_t)(10 + i))->state, BH_T_RESET);
            bh_xfer_check_read(h, &x[i], 0);
        }
        /* the other LUN is untouched */
        for (unsigned i = 1; i < 6; i += 2) {
            assert_int_equal(h->sent[c[i]].answers, 0);
            assert_int_equal(bh_tcmd_by_rqid(h, (uint16_t)(10 + i))->state, BH_T_PENDING);
        }
        if (mode == VSCSI_BACK_MAP)
            assert_int_equal(vscsi_sim_mappings(h->hv, 0), 1 + 3 * 4);
        assert_int_equal(bh_stats(h).resets, 1);
        assert_int_equal(bh_stats(h).in_flight, 3);
        for (unsigned i = 1; i < 6; i += 2)
            complete_read(h, &x[i], c[i]);
        /* a reset of an idle LUN succeeds too */
        r = bh_tmr(h, VSCSI_ACT_RESET, 21, bh_nx(0, 1, 0), 0);
        assert_int_equal(bh_rslt(h, r), VSCSI_RSLT_RESET_SUCCESS);
        for (unsigned i = 0; i < 6; i++)
            bh_xfer_free(&x[i]);
        bh_assert_served(h);
        bh_finish(h);
    }
}

static void test_reset_refused_or_missing(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_MAP, 1);
    struct bh_xfer x;
    unsigned c = read_cmd(h, &x, 1, bh_nx(0, 0, 0));

    h->tgt.reset_rc = -EIO;
    unsigned r = bh_tmr(h, VSCSI_ACT_RESET, 2, bh_nx(0, 0, 0), 0);
    assert_int_equal(bh_rslt(h, r), VSCSI_RSLT_RESET_FAILED);
    assert_int_equal(h->sent[c].answers, 0);
    h->tgt.reset_rc = 0;

    h->tgt.ops.reset = NULL;
    r = bh_tmr(h, VSCSI_ACT_RESET, 3, bh_nx(0, 0, 0), 0);
    assert_int_equal(bh_rslt(h, r), VSCSI_RSLT_RESET_FAILED);
    assert_int_equal(h->sent[c].answers, 0);
    assert_int_equal(bh_tcmd_by_rqid(h, 1)->state, BH_T_PENDING);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 5);

    complete_read(h, &x, c);
    bh_xfer_free(&x);
    bh_finish(h);
}

/* A TMR with the rqid of a command in flight is a duplicate: refused, and
 * the command it shares the rqid with is not affected. */
static void test_tmr_duplicate_rqid(void **state)
{
    (void)state;
    tmrs_refused(1, bh_nx(0, 0, 0), 1, bh_nx(0, 0, 0), BH_RSLT_ERROR);
}

/* A TMR carrying data segments and garbage CDB bytes: the TMR fields count,
 * nothing is mapped. */
static void test_tmr_ignores_payload(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_MAP, 1);
    unsigned c = bh_tur(h, 1, bh_nx(0, 0, 0));
    uint32_t ref;
    bh_page(h, 0, &ref);
    struct vscsi_request rq = {0};
    rq.rqid = 2;
    rq.act = VSCSI_ACT_ABORT;
    rq.cmd_len = 16;
    memset(rq.cmnd, 0xff, 16);
    rq.ref_rqid = 1;
    rq.sc_data_direction = VSCSI_DIR_FROM_DEVICE;
    rq.nr_segments = 1;
    rq.seg[0].gref = ref;
    rq.seg[0].length = 4096;
    unsigned maps = h->map_calls;
    unsigned a = bh_send_raw(h, &rq);
    assert_int_equal(bh_rslt(h, a), VSCSI_RSLT_RESET_SUCCESS);
    assert_int_equal(bh_rslt(h, c), BH_RSLT_ABORT);
    assert_int_equal(h->map_calls, maps);
    bh_finish(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_abort_in_flight),          cmocka_unit_test(test_abort_same_batch),
        cmocka_unit_test(test_abort_refused_or_unknown), cmocka_unit_test(test_abort_target_enoent),
        cmocka_unit_test(test_tmr_unknown_nexus),        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_reset_refused_or_missing), cmocka_unit_test(test_tmr_duplicate_rqid),
        cmocka_unit_test(test_tmr_ignores_payload),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
