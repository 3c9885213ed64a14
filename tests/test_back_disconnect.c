/* SPDX-License-Identifier: MIT */
/* Backend engine: going away with I/O in flight. Whatever ends the
 * connection (frontend Closing or Closed, the handle freed, a broken ring),
 * every rqid consumed is answered once, the target is asked to let go of
 * each command, and nothing of the frontend stays mapped. */
#include <errno.h>
#include <string.h>

#include "back_harness.h"

#define NIO 10

struct io {
    struct bh_xfer x[NIO];
    unsigned rec[NIO];
};

/* NIO commands held by the target on two LUNs, mixed directions and layouts. */
static void start_io(struct bh *h, struct io *io)
{
    h->tgt.hold = 1;
    for (unsigned i = 0; i < NIO; i++) {
        uint8_t dir = i % 3 == 0 ? VSCSI_DIR_TO_DEVICE : VSCSI_DIR_FROM_DEVICE;
        bh_xfer_prep(h, &io->x[i], (uint16_t)(0x100 + i), dir, 2 + i, i % 2, 3, 0);
        io->rec[i] = bh_xfer_send(h, &io->x[i], bh_nx(0, (uint16_t)(i % 2), 0));
    }
    bh_push(h);
    assert_int_equal(bh_tgt_pending(h), NIO);
    assert_int_equal(h->nrsp, 0);
}

static unsigned io_pages(const struct io *io)
{
    unsigned n = 0;
    for (unsigned i = 0; i < NIO; i++)
        n += io->x[i].nsegs;
    return n;
}

/* Every command answered exactly once with `rslt`, taken from the target,
 * no READ data delivered. */
static void check_cancelled(struct bh *h, struct io *io, int32_t rslt)
{
    for (unsigned i = 0; i < NIO; i++) {
        assert_int_equal(bh_rslt(h, io->rec[i]), rslt);
        assert_int_equal(bh_rsp(h, io->rec[i])->rqid, 0x100 + i);
        if (io->x[i].dir == VSCSI_DIR_FROM_DEVICE)
            bh_xfer_check_read(h, &io->x[i], 0);
        bh_xfer_free(&io->x[i]);
    }
    assert_int_equal(bh_tgt_pending(h), 0);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
    assert_int_equal(vscsi_sim_grants_in_use(h->hv, h->o.fdom), 0);
}

static struct bh *connected(enum vscsi_back_data_mode mode, const char *online)
{
    struct bh_opts o = {.mode = mode, .nluns = 2, .max_segs = 64, .online = online};
    struct bh *h = bh_new(&o);
    bh_connect(h);
    return h;
}

static void test_front_closing_with_io(void **state)
{
    (void)state;
    for (int m = 0; m < 2; m++) {
        struct bh *h = connected((enum vscsi_back_data_mode)m, "1");
        struct io io;

        start_io(h, &io);
        if (m == VSCSI_BACK_MAP)
            assert_int_equal(vscsi_sim_mappings(h->hv, 0), 1 + io_pages(&io));
        bh_fe_state(h, VSCSI_XB_CLOSING);
        assert_int_equal(h->tgt.nabort, NIO);
        for (unsigned i = 0; i < NIO; i++)
            assert_int_equal(h->tgt.cmds[i].state, BH_T_ABORTED);
        assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSING);
        assert_int_equal(vscsi_back_state(h->b), VSCSI_XB_CLOSING);
        assert_int_equal(vscsi_back_port(h->b), 0);
        assert_int_equal(bh_stats(h).in_flight, 0);
        check_cancelled(h, &io, BH_RSLT_RESET);
        /* events after the close reach nobody; the engine is not confused */
        assert_int_equal(vscsi_back_handle_event(h->b), 0);
        bh_fe_state(h, VSCSI_XB_CLOSED);
        assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSED);
        assert_int_equal(vscsi_back_gone(h->b), 0);
        bh_finish(h);
    }
}

static void test_front_closed_with_io(void **state)
{
    (void)state;
    for (int m = 0; m < 2; m++) {
        struct bh *h = connected((enum vscsi_back_data_mode)m, "0");
        struct io io;

        start_io(h, &io);
        bh_fe_state(h, VSCSI_XB_CLOSED); /* it skipped Closing */
        assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSED);
        assert_int_equal(vscsi_back_gone(h->b), 1);
        assert_int_equal(h->tgt.nabort, NIO);
        check_cancelled(h, &io, BH_RSLT_RESET);
        bh_finish(h);
    }
}

/* The embedder frees the handle under running I/O. */
static void test_free_with_io(void **state)
{
    (void)state;
    for (int m = 0; m < 2; m++) {
        struct bh *h = connected((enum vscsi_back_data_mode)m, "1");
        struct io io;

        start_io(h, &io);
        vscsi_back_destroy(h->b);
        h->b = NULL;
        bh_collect(h);
        assert_int_equal(h->tgt.nabort, NIO);
        assert_int_equal(h->tgt.nclose, 2);
        check_cancelled(h, &io, BH_RSLT_RESET);
        bh_finish(h);
    }
}

/* A target that will not let go: the engine resets the LUN and answers
 * anyway, since the ring is about to go; a late completion is ignored. */
static void test_target_refuses_at_disconnect(void **state)
{
    (void)state;
    for (int m = 0; m < 2; m++) {
        for (int no_tmr = 0; no_tmr < 2; no_tmr++) {
            struct bh *h = connected((enum vscsi_back_data_mode)m, "1");
            struct io io;

            start_io(h, &io);
            h->tgt.abort_rc = -EBUSY;
            h->tgt.reset_rc = -EIO;
            if (no_tmr) {
                h->tgt.ops.abort = NULL;
                h->tgt.ops.reset = NULL;
            }
            bh_fe_state(h, VSCSI_XB_CLOSING);
            if (!no_tmr) {
                assert_true(h->tgt.nabort >= NIO);
                assert_true(h->tgt.nreset >= 1);
            }
            assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSING);
            unsigned nrsp = h->nrsp;
            assert_int_equal(nrsp, NIO);
            /* the target finishes them after all: nothing more happens. In
             * map mode its buffers are gone, so it must not touch them; it
             * only reports. */
            h->tgt.no_fill = 1;
            for (unsigned i = 0; i < NIO; i++) {
                struct bh_tcmd *c = &h->tgt.cmds[i];
                assert_int_equal(c->state, BH_T_PENDING);
                c->state = BH_T_DONE;
                vscsi_back_complete(c->tc, 0, NULL, 0, 0);
                c->tc = NULL;
            }
            bh_pump(h);
            assert_int_equal(h->nrsp, nrsp);
            for (unsigned i = 0; i < NIO; i++)
                assert_int_equal(bh_rslt(h, io.rec[i]), BH_RSLT_RESET);
            check_cancelled(h, &io, BH_RSLT_RESET);
            bh_finish(h);
        }
    }
}

/* Closing with nothing in flight: straight to Closing, ring unmapped. */
static void test_closing_idle(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_MAP, "1");

    bh_assert_served(h);
    bh_fe_state(h, VSCSI_XB_CLOSING);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSING);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
    assert_int_equal(h->tgt.nabort, 0);
    /* said twice */
    bh_fe_state(h, VSCSI_XB_CLOSING);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSING);
    bh_finish(h);
}

/* The ring broke with I/O in flight, then the frontend closes: the I/O is
 * still answered. */
static void test_broken_ring_then_close(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_MAP, "0");
    struct io io;

    start_io(h, &io);
    __atomic_store_n(&h->sring->req_prod, h->req_prod_pvt + 40, __ATOMIC_RELEASE);
    bh_kick(h);
    assert_int_equal(h->last_event_rc, -EPROTO);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSING);
    assert_int_equal(h->nrsp, 0);
    bh_fe_state(h, VSCSI_XB_CLOSING);
    assert_int_equal(h->tgt.nabort, NIO);
    check_cancelled(h, &io, BH_RSLT_RESET);
    bh_fe_state(h, VSCSI_XB_CLOSED);
    assert_int_equal(vscsi_back_gone(h->b), 1);
    bh_finish(h);
}

/* The frontend domain dies with I/O in flight; the toolstack removes its
 * directory. Responses go into the dead domain's ring (still mapped, as on
 * Xen), then everything is released. */
static void test_front_crash(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_MAP, "1");
    struct io io;

    start_io(h, &io);
    /* its memory goes with it: the bench can no longer look at the ring */
    h->sring = NULL;
    for (unsigned i = 0; i < h->nsent; i++)
        h->sent[i].expect_none = 1;
    vscsi_sim_dom_destroy(h->fd);
    bh_pump(h);
    assert_int_equal(h->sim->xs_rm(h->d0, 0, h->fpath), 0);
    bh_pump(h);
    assert_int_equal(vscsi_back_gone(h->b), 1);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
    assert_int_equal(h->tgt.nabort, NIO);
    assert_int_equal(bh_tgt_pending(h), 0);
    vscsi_back_destroy(h->b);
    h->b = NULL;
    /* the dead domain cannot be asked for anything: check and drop by hand */
    for (unsigned i = 0; i < NIO; i++)
        bh_xfer_free(&io.x[i]);
    assert_int_equal(h->tgt.nopen, h->tgt.nclose);
    h->ngranted = 0;
    bh_finish(h);
}

/* A command completing on its own while the engine cancels the others (the
 * target finishes a sibling from inside abort()): still one answer each. */
static void complete_first_pending(struct bh *h)
{
    for (unsigned i = 0; i < h->tgt.ncmds; i++) {
        struct bh_tcmd *c = &h->tgt.cmds[i];
        if (c->state == BH_T_PENDING) {
            struct vscsi_target_cmd *tc = c->tc;
            c->state = BH_T_DONE;
            c->tc = NULL;
            vscsi_back_complete(tc, 0, NULL, 0, 0);
            return;
        }
    }
}

static int abort_completes_sibling(void *tctx, void *lun, struct vscsi_target_cmd *tc)
{
    struct bh *h = tctx;
    (void)lun;
    h->tgt.nabort++;
    for (unsigned i = 0; i < h->tgt.ncmds; i++) {
        struct bh_tcmd *c = &h->tgt.cmds[i];
        if (c->tc == tc && c->state == BH_T_PENDING) {
            c->state = BH_T_ABORTED;
            c->tc = NULL;
            /* a different one finishes meanwhile (no data: buffers may be gone) */
            complete_first_pending(h);
            return 0;
        }
    }
    return -ENOENT;
}

static void test_completion_during_cancel(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_COPY, "1");
    unsigned rec[NIO];

    h->tgt.hold = 1;
    for (unsigned i = 0; i < NIO; i++)
        rec[i] = bh_tur(h, (uint16_t)(0x200 + i), bh_nx(0, 0, 0));
    h->tgt.ops.abort = abort_completes_sibling;
    bh_fe_state(h, VSCSI_XB_CLOSING);
    unsigned good = 0, reset = 0;
    for (unsigned i = 0; i < NIO; i++) {
        int32_t r = bh_rslt(h, rec[i]);
        if (r == 0)
            good++;
        else if (r == BH_RSLT_RESET)
            reset++;
        else
            fail_msg("rqid %#x: rslt %#x", 0x200 + i, (unsigned)r);
    }
    assert_int_equal(good + reset, NIO);
    assert_true(good >= 1);
    assert_int_equal(bh_tgt_pending(h), 0);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSING);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
    bh_finish(h);
}

/* Requests pushed but never signalled when the frontend closes are not the
 * backend's: nothing reads them, nothing answers them. */
static void test_unsignalled_requests_at_close(void **state)
{
    (void)state;
    struct bh *h = connected(VSCSI_BACK_COPY, "1");
    struct vscsi_nexus nx = bh_nx(0, 0, 0);
    uint8_t tur[6] = {0};

    bh_assert_served(h);
    assert_int_equal(vscsi_req_cdb(bh_req(h), 9, &nx, tur, 6, VSCSI_DIR_NONE, 0), 0);
    unsigned rec = bh_produce(h);
    __atomic_store_n(&h->sring->req_prod, h->req_prod_pvt, __ATOMIC_RELEASE);
    bh_expect_none(h, rec);
    unsigned ncmds = h->tgt.ncmds;
    bh_fe_state(h, VSCSI_XB_CLOSING);
    assert_int_equal(h->tgt.ncmds, ncmds);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSING);
    bh_finish(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_front_closing_with_io),
        cmocka_unit_test(test_front_closed_with_io),
        cmocka_unit_test(test_free_with_io),
        cmocka_unit_test(test_target_refuses_at_disconnect),
        cmocka_unit_test(test_closing_idle),
        cmocka_unit_test(test_broken_ring_then_close),
        cmocka_unit_test(test_front_crash),
        cmocka_unit_test(test_completion_during_cancel),
        cmocka_unit_test(test_unsignalled_requests_at_close),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
