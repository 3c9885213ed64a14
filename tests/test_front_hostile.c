/* SPDX-License-Identifier: MIT */
/* Frontend against a hostile backend: docs/protocol.md §7.2, task management,
 * timeouts, and disconnect with I/O in flight. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vscsiif/response.h>
#include <vscsiif/xenbus.h>

#include "test_front_harness.h"

static uint8_t buf[64][8192];

/* Error state: latched, everything failed locally exactly once, Closing,
 * nothing more accepted, no grant left but the ring (and leaked ones). */
static void assert_failed(struct fh *h, int err, unsigned users)
{
    assert_int_equal(vscsi_front_error(h->f), err);
    assert_int_equal(vscsi_front_state(h->f), VSCSI_XB_CLOSING);
    assert_int_equal(fh_fe_node(h, "state"), VSCSI_XB_CLOSING);
    for (uintptr_t u = 1; u <= users; u++)
        assert_int_equal(fh_count_user(h, (void *)u), 1);
    assert_int_equal(fh_submit(h, VSCSI_DIR_NONE, NULL, 0, NULL), -EIO);
    assert_int_equal(vscsi_front_abort(h->f, 0, NULL), -EIO);
    /* Further events are ignored, counted as spurious. */
    assert_int_equal(vscsi_front_handle_event(h->f), err);
    /* The backend closes; the front follows to Closed. */
    fh_be_state(h, VSCSI_XB_CLOSING);
    fh_pump(h);
    assert_int_equal(vscsi_front_state(h->f), VSCSI_XB_CLOSED);
    for (uintptr_t u = 1; u <= users; u++)
        assert_int_equal(fh_count_user(h, (void *)u), 1);
}

/* Connected with a 1000 ms command timeout and 500 ms for each TMR, so the
 * escalation deadlines below are exact. */
static void connect_timed(struct fh *h, unsigned ndevs)
{
    fh_setup(h, "128", ndevs);
    fh_front(h, 0, 1000, 500);
    fh_be_connect(h);
}

/* The escalation sends nothing at ms - 1 and exactly act at ms. */
static void tmr_due_at(struct fh *h, uint64_t ms, uint8_t act, struct vscsi_request *rq)
{
    assert_int_equal(vscsi_front_tick(h->f, ms - 1), 0);
    assert_int_equal(fh_be_take(h, rq), 0);
    assert_int_equal(vscsi_front_tick(h->f, ms), 0);
    assert_int_equal(fh_be_take(h, rq), 1);
    assert_int_equal(rq->act, act);
}

/* A no-data command with a timeout of its own, so that it stays out of (or
 * outlasts) the escalation a test drives. */
static struct vscsi_front_io io_none(struct vscsi_nexus nx, uint32_t timeout_ms)
{
    static const uint8_t cdb[6];
    struct vscsi_front_io io = {
        .nx = nx, .cdb = cdb, .cdb_len = 6, .dir = VSCSI_DIR_NONE, .timeout_ms = timeout_ms};

    return io;
}

/* rqid 0 (user 1) and an ABORT of it (rqid 1, user 2), both taken by the
 * backend, which has not answered either yet. */
static void abort_in_flight(struct fh *h, uint8_t dir, void *data, size_t len)
{
    struct vscsi_request rq;

    fh_connect(h, "128", 1);
    assert_int_equal(fh_submit(h, dir, data, len, (void *)1), 0);
    assert_int_equal(vscsi_front_abort(h->f, 0, (void *)2), 1);
    fh_be_take(h, &rq);
    fh_be_take(h, &rq);
}

/* §7.2 item 1: rsp_prod beyond what is outstanding. */
static void test_rsp_prod_overflow(void **state)
{
    static const uint32_t jumps[] = {3, 16, 17, 1000, 0x80000000u, 0xffffffffu};

    (void)state;
    for (size_t j = 0; j < sizeof(jumps) / sizeof(jumps[0]); j++) {
        struct fh h;
        struct vscsi_request rq;
        struct vscsi_front_stats st;

        fh_connect(&h, "128", 1);
        assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, buf[0], 8192, (void *)1), 0);
        assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)2), 1);
        assert_int_equal(fh_be_take(&h, &rq), 1);
        memset(buf[0], 0x55, 8192);
        /* Two outstanding; the backend claims more. */
        __atomic_store_n(&h.br.sring->rsp_prod, jumps[j], __ATOMIC_RELEASE);
        h.ops->evtchn_notify(h.d0, h.bport);
        fh_pump(&h);
        assert_failed(&h, -EPROTO, 2);
        assert_int_equal(fh_find_user(&h, (void *)1)->res.host, VSCSI_HOST_RESET);
        assert_int_equal(fh_find_user(&h, (void *)1)->bytes, 0);
        /* The caller's buffer was not touched with whatever the slots held. */
        for (int i = 0; i < 8192; i++)
            assert_int_equal(buf[0][i], 0x55);
        vscsi_front_stats(h.f, &st);
        assert_int_equal(st.failed_locally, 2);
        assert_int_equal(st.completed, 0);
        assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1);
        fh_teardown(&h);
    }
}

/* §7.2 item 3: rqid out of range, never issued, already completed. */
static void test_bad_rqid(void **state)
{
    static const uint16_t ids[] = {16, 0xffff, 7};

    (void)state;
    for (size_t j = 0; j < sizeof(ids) / sizeof(ids[0]); j++) {
        struct fh h;
        struct vscsi_request rq;

        fh_connect(&h, "128", 1);
        assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)1), 0);
        assert_int_equal(fh_be_take(&h, &rq), 1);
        fh_be_reply_cdb(&h, ids[j], 0, 0, 0);
        fh_pump(&h);
        assert_failed(&h, -EPROTO, 1);
        assert_int_equal(h.ndone, 1);
        assert_int_equal(h.done[0].res.host, VSCSI_HOST_RESET);
        fh_teardown(&h);
    }
}

static void test_duplicate_response(void **state)
{
    struct fh h;
    struct vscsi_request rq;

    (void)state;
    fh_connect(&h, "128", 1);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, buf[0], 100, (void *)1), 0);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)2), 1);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    /* Two answers for rqid 0 in one batch. */
    fh_be_reply_cdb(&h, 0, 0, 0, 0);
    fh_be_reply_cdb(&h, 0, 0, 0, 0);
    fh_pump(&h);
    assert_int_equal(fh_find_user(&h, (void *)1)->res.host, VSCSI_HOST_OK);
    assert_failed(&h, -EPROTO, 2);
    assert_int_equal(fh_find_user(&h, (void *)2)->res.host, VSCSI_HOST_RESET);
    fh_teardown(&h);
}

/* §7.2 items 4-6: bad values are sanitised, counted, and not fatal. */
static void test_sanitised_values(void **state)
{
    /* One bad value per response, answering rqid = row; checked in this order below. */
    static const struct {
        uint8_t sense_len;
        uint32_t residual_len;
        int32_t rslt;
    } bad[] = {
        {200, 0, 0x02},     /* sense_len beyond the 96-byte buffer */
        {0, 1000000, 0},    /* residual > length */
        {0, 0, 0x01000000}, /* legacy driver byte: DID_NO_CONNECT << 24 would read as GOOD */
        {0, 0, 0x00c80000}, /* unknown host byte */
        {0, 0, 0x00000100}, /* message byte */
    };
    struct fh h;
    struct vscsi_request rq;
    struct vscsi_response rsp;
    struct vscsi_front_stats st;
    const struct fh_done *d;

    (void)state;
    fh_connect(&h, "128", 1);
    memset(buf[1], 0xee, 8192);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, buf[1], 4000, (void *)1), 0);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, buf[2], 4000, (void *)2), 1);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)3), 2);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)4), 3);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)5), 4);
    for (int i = 0; i < 5; i++)
        assert_int_equal(fh_be_take(&h, &rq), 1);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&rsp, 0, sizeof(rsp));
        rsp.rqid = (uint16_t)i;
        rsp.sense_len = bad[i].sense_len;
        rsp.residual_len = bad[i].residual_len;
        rsp.rslt = bad[i].rslt;
        if (bad[i].sense_len)
            memset(rsp.sense_buffer, 0x70, sizeof(rsp.sense_buffer));
        fh_be_reply(&h, &rsp);
    }
    fh_pump(&h);

    assert_int_equal(h.ndone, 5);
    d = fh_find_user(&h, (void *)1);
    assert_int_equal(d->res.sense_len, 96);
    assert_int_equal(d->res.anomalies & VSCSI_ANOM_SENSE_LEN, VSCSI_ANOM_SENSE_LEN);
    assert_int_equal(d->bytes, 4000);
    d = fh_find_user(&h, (void *)2);
    assert_int_equal(d->res.residual, 4000);
    assert_int_equal(d->bytes, 0);
    assert_int_equal(buf[2][0], 0); /* static, never written: nothing copied */
    d = fh_find_user(&h, (void *)3);
    assert_int_equal(d->res.host, VSCSI_HOST_ERROR);
    assert_false(vscsi_result_ok(&d->res));
    d = fh_find_user(&h, (void *)4);
    assert_int_equal(d->res.host, VSCSI_HOST_ERROR);
    d = fh_find_user(&h, (void *)5);
    assert_int_equal(d->res.host, VSCSI_HOST_ERROR);
    vscsi_front_stats(h.f, &st);
    assert_int_equal(st.anomalies, 5);
    assert_int_equal(vscsi_front_error(h.f), 0);
    assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_CONNECTED);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1);
    fh_teardown(&h);
}

/* §7.2 item 6 for TMRs: only 0x2002 is success. */
static void test_tmr_rslt(void **state)
{
    static const int32_t rslts[] = {0x2002, 0x2003, 0, 0x2001, 0x00010000, 0x01002002};
    struct fh h;
    struct vscsi_request rq;
    struct vscsi_response rsp;
    struct vscsi_nexus nx = {0, 0, 0};

    (void)state;
    fh_connect(&h, "128", 1);
    for (size_t i = 0; i < sizeof(rslts) / sizeof(rslts[0]); i++) {
        int id = vscsi_front_reset(h.f, &nx, (void *)(uintptr_t)(i + 1));

        assert_true(id >= 0);
        assert_int_equal(fh_be_take(&h, &rq), 1);
        assert_int_equal(rq.act, VSCSI_ACT_RESET);
        assert_int_equal(rq.rqid, id);
        vscsi_rsp_rslt(&rsp, rq.rqid, rslts[i]);
        fh_be_reply(&h, &rsp);
        fh_pump(&h);
        assert_int_equal(h.ndone, i + 1);
        assert_int_equal(h.done[i].res.tmr_ok, i == 0);
    }
    assert_int_equal(vscsi_front_error(h.f), 0);
    fh_teardown(&h);
}

/* §7.2 item 7 / XSA-396: the backend keeps a data page mapped. */
static void test_ungrant_busy(void **state)
{
    struct fh h;
    struct vscsi_request rq;
    struct vscsi_front_stats st;
    void *addr;
    uint32_t ref;

    (void)state;
    fh_connect(&h, "128", 1);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, buf[0], 2 * 4096, (void *)1), 0);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_TO_DEVICE, buf[1], 4096, (void *)2), 1);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    ref = rq.seg[1].gref;
    assert_int_equal(h.ops->map_grants(h.d0, FH_FDOM, 1, &ref, 1, &addr), 0);
    memset(addr, 0x5a, 4096);
    fh_be_reply_cdb(&h, rq.rqid, 0, 0, 0);
    fh_pump(&h);
    /* The request itself completes; then the device is failed. */
    assert_int_equal(fh_find_user(&h, (void *)1)->res.host, VSCSI_HOST_OK);
    assert_int_equal(fh_find_user(&h, (void *)1)->bytes, 2 * 4096);
    assert_int_equal(buf[0][4096], 0x5a);
    assert_int_equal(fh_find_user(&h, (void *)2)->res.host, VSCSI_HOST_RESET);
    vscsi_front_stats(h.f, &st);
    assert_int_equal(st.quarantined_grants, 1);
    /* The page is still granted, and stays so even after the backend lets go:
     * it was never handed back to the allocator. */
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 2);
    assert_failed(&h, -EBUSY, 2);
    assert_int_equal(h.ops->unmap_grants(h.d0, addr, 1), 0);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 2);
    {
        uint16_t flags, domid;
        uint32_t frame;

        assert_int_equal(vscsi_sim_grant_entry(h.hv, FH_FDOM, ref, &flags, &domid, &frame), 0);
        assert_true(flags & VSCSI_SIM_GTF_permit_access);
    }
    fh_teardown(&h);
}

/* §7.2 item 10: events with nothing behind them. */
static void test_event_storm(void **state)
{
    struct fh h;
    struct vscsi_front_stats st;
    struct vscsi_request rq;

    (void)state;
    fh_connect(&h, "128", 1);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)1), 0);
    for (int i = 0; i < 1000; i++)
        assert_int_equal(vscsi_front_handle_event(h.f), 0);
    vscsi_front_stats(h.f, &st);
    assert_int_equal(st.events, 1000);
    assert_int_equal(st.spurious_events, 1000);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    fh_be_reply_cdb(&h, 0, 0, 0, 0);
    fh_pump(&h);
    vscsi_front_stats(h.f, &st);
    assert_int_equal(st.events, 1001);
    assert_int_equal(st.spurious_events, 1000);
    /* Injected spurious upcalls through the simulator count too. */
    assert_int_equal(vscsi_sim_fault(h.hv, FH_FDOM, VSCSI_SIM_FAULT_EVT_SPURIOUS, 1, 5), 0);
    fh_pump(&h);
    vscsi_front_stats(h.f, &st);
    assert_true(st.spurious_events > 1000);
    assert_int_equal(st.spurious_events + 1, st.events);
    assert_int_equal(vscsi_front_error(h.f), 0);
    fh_teardown(&h);
}

/* §7.2 item 11: a backend that never answers. */
static void test_never_answers(void **state)
{
    struct fh h;
    struct vscsi_request rq;
    struct vscsi_front_stats st;

    (void)state;
    connect_timed(&h, 1);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, buf[0], 8192, (void *)1), 0);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_int_equal(vscsi_front_tick(h.f, 50000), 0); /* clock starts here */
    tmr_due_at(&h, 51000, VSCSI_ACT_ABORT, &rq);
    assert_int_equal(rq.ref_rqid, 0);
    assert_int_equal(rq.rqid, 1);
    assert_int_equal(h.ndone, 0);
    tmr_due_at(&h, 51500, VSCSI_ACT_RESET, &rq);
    assert_int_equal(rq.channel, 0);
    assert_int_equal(rq.id, 0);
    assert_int_equal(rq.lun, 0);
    assert_int_equal(vscsi_front_tick(h.f, 51999), 0);
    assert_int_equal(h.ndone, 0);
    assert_int_equal(vscsi_front_tick(h.f, 52000), -ETIMEDOUT);
    assert_int_equal(h.ndone, 1);
    assert_int_equal(h.done[0].res.host, VSCSI_HOST_RESET);
    vscsi_front_stats(h.f, &st);
    assert_int_equal(st.aborts, 1);
    assert_int_equal(st.resets, 1);
    assert_failed(&h, -ETIMEDOUT, 1);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1);
    fh_teardown(&h);
}

/* ABORT succeeds and the backend (like Linux's) never answers the aborted
 * command: completed with host ABORT, rqid held until a late response. */
static void test_abort_quarantine(void **state)
{
    struct fh h;
    struct vscsi_request rq;
    struct vscsi_front_stats st;
    int a;

    (void)state;
    fh_connect(&h, "128", 1);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, buf[0], 2 * 4096, (void *)1), 0);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_int_equal(vscsi_front_abort(h.f, 5, NULL), -ENOENT);
    assert_int_equal(vscsi_front_abort(h.f, 16, NULL), -ENOENT);
    assert_int_equal(vscsi_front_abort(h.f, -1, NULL), -ENOENT);
    a = vscsi_front_abort(h.f, 0, (void *)2);
    assert_int_equal(a, 1);
    assert_int_equal(vscsi_front_abort(h.f, 0, (void *)3), -EALREADY);
    assert_int_equal(vscsi_front_abort(h.f, a, (void *)3), -ENOENT); /* not a CDB */
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_int_equal(rq.act, VSCSI_ACT_ABORT);
    assert_int_equal(rq.ref_rqid, 0);
    fh_be_reply_tmr(&h, (uint16_t)a, 1);
    fh_pump(&h);
    assert_int_equal(h.ndone, 2);
    assert_ptr_equal(h.done[0].user, (void *)1);
    assert_int_equal(h.done[0].res.host, VSCSI_HOST_ABORT);
    assert_int_equal(h.done[0].bytes, 0);
    assert_ptr_equal(h.done[1].user, (void *)2);
    assert_int_equal(h.done[1].res.tmr_ok, 1);
    vscsi_front_stats(h.f, &st);
    assert_int_equal(st.in_flight, 0);
    /* rqid 0 stays busy with its two pages; the ABORT's rqid is free. */
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 3);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)4), 1);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)5), 2);
    assert_int_equal(vscsi_front_abort(h.f, 0, NULL), -ENOENT);
    /* The late response releases it silently: no second completion. */
    fh_be_reply_cdb(&h, 0, VSCSI_HOST_OK, 0, 0);
    fh_pump(&h);
    assert_int_equal(h.ndone, 2);
    assert_int_equal(fh_count_user(&h, (void *)1), 1);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)6), 0);
    assert_int_equal(vscsi_front_error(h.f), 0);
    /* A second late response for it is a protocol violation. */
    fh_be_take(&h, &rq);
    fh_be_take(&h, &rq);
    fh_be_take(&h, &rq);
    fh_be_reply_cdb(&h, 1, 0, 0, 0);
    fh_pump(&h);
    assert_int_equal(vscsi_front_error(h.f), 0);
    fh_be_reply_cdb(&h, 1, 0, 0, 0);
    fh_pump(&h);
    assert_int_equal(vscsi_front_error(h.f), -EPROTO);
    fh_teardown(&h);
}

/* The command's own answer overtakes the ABORT's: its rqid must not be
 * reused while the ABORT naming it is outstanding. */
static void test_abort_race(void **state)
{
    struct fh h;
    struct vscsi_request rq;

    (void)state;
    abort_in_flight(&h, VSCSI_DIR_NONE, NULL, 0);
    fh_be_reply_cdb(&h, 0, VSCSI_HOST_OK, 0, 0);
    fh_pump(&h);
    assert_int_equal(h.ndone, 1);
    assert_int_equal(h.done[0].res.host, VSCSI_HOST_OK);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)3), 2);
    assert_int_equal(vscsi_front_error(h.f), 0);
    /* ABORT answered (either way): now rqid 0 is free again. */
    fh_be_reply_tmr(&h, 1, 0);
    fh_pump(&h);
    assert_int_equal(h.ndone, 2);
    assert_int_equal(h.done[1].res.tmr_ok, 0);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)4), 0);
    /* A failed ABORT the caller sent does not escalate on its own. */
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_int_equal(fh_be_take(&h, &rq), 0);
    assert_int_equal(vscsi_front_error(h.f), 0);
    fh_teardown(&h);
}

/* rqid 0 answered, held for its outstanding ABORT: a second answer for it is
 * still a protocol violation, not a fresh completion. */
static void test_held_rqid_answered_twice(void **state)
{
    struct fh h;

    (void)state;
    abort_in_flight(&h, VSCSI_DIR_NONE, NULL, 0);
    fh_be_reply_cdb(&h, 0, VSCSI_HOST_OK, 0, 0);
    fh_be_reply_cdb(&h, 0, VSCSI_HOST_OK, 0, 0);
    fh_pump(&h);
    assert_int_equal(fh_find_user(&h, (void *)1)->res.host, VSCSI_HOST_OK);
    assert_failed(&h, -EPROTO, 2);
    assert_int_equal(fh_find_user(&h, (void *)2)->res.host, VSCSI_HOST_RESET);
    fh_teardown(&h);
}

/* Our own backend's style: the aborted command is answered with host ABORT. */
static void test_abort_with_own_response(void **state)
{
    struct fh h;

    (void)state;
    abort_in_flight(&h, VSCSI_DIR_FROM_DEVICE, buf[0], 100);
    fh_be_reply_cdb(&h, 0, VSCSI_HOST_ABORT, 0, 100);
    fh_be_reply_tmr(&h, 1, 1);
    fh_pump(&h);
    assert_int_equal(h.ndone, 2);
    assert_int_equal(fh_count_user(&h, (void *)1), 1);
    assert_int_equal(fh_find_user(&h, (void *)1)->res.host, VSCSI_HOST_ABORT);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, NULL), 0);
    assert_int_equal(vscsi_front_error(h.f), 0);
    fh_teardown(&h);
}

/* Timeout -> ABORT fails -> RESET succeeds: the command ends with host RESET. */
static void test_timeout_abort_fails_reset_ok(void **state)
{
    struct fh h;
    struct vscsi_request rq;
    struct vscsi_front_io io = io_none((struct vscsi_nexus){0, 1, 0}, 100000);

    (void)state;
    connect_timed(&h, 2);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)1), 0);
    assert_int_equal(vscsi_front_submit(h.f, &io, (void *)2), 1); /* other LUN, long timeout */
    fh_be_take(&h, &rq);
    fh_be_take(&h, &rq);
    vscsi_front_tick(h.f, 0);
    vscsi_front_tick(h.f, 1000);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_int_equal(rq.act, VSCSI_ACT_ABORT);
    fh_be_reply_tmr(&h, rq.rqid, 0);
    fh_pump(&h); /* failed ABORT: RESET goes out at once */
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_int_equal(rq.act, VSCSI_ACT_RESET);
    assert_int_equal(rq.id, 0);
    assert_int_equal(h.ndone, 0);
    fh_be_reply_tmr(&h, rq.rqid, 1);
    fh_pump(&h);
    assert_int_equal(h.ndone, 1);
    assert_ptr_equal(h.done[0].user, (void *)1);
    assert_int_equal(h.done[0].res.host, VSCSI_HOST_RESET);
    /* Much later nothing else happens to the finished command; the other
     * LUN's command is untouched. */
    assert_int_equal(vscsi_front_tick(h.f, 50000), 0);
    assert_int_equal(fh_be_take(&h, &rq), 0);
    assert_int_equal(h.ndone, 1);
    assert_int_equal(vscsi_front_error(h.f), 0);
    /* rqid 0 stays quarantined until the late answer. */
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)3), 2);
    fh_be_reply_cdb(&h, 0, VSCSI_HOST_RESET, 0, 0);
    fh_pump(&h);
    assert_int_equal(h.ndone, 1);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)4), 0);
    fh_teardown(&h);
}

/* RESET that fails while a command depends on it: error state. */
static void test_reset_fails(void **state)
{
    struct fh h;
    struct vscsi_request rq;

    (void)state;
    connect_timed(&h, 1);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)1), 0);
    fh_be_take(&h, &rq);
    vscsi_front_tick(h.f, 10);
    vscsi_front_tick(h.f, 1010);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_int_equal(rq.act, VSCSI_ACT_ABORT);
    vscsi_front_tick(h.f, 1510); /* ABORT unanswered: RESET */
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_int_equal(rq.act, VSCSI_ACT_RESET);
    fh_be_reply_tmr(&h, rq.rqid, 0);
    fh_pump(&h);
    assert_failed(&h, -EIO, 1);
    assert_int_equal(h.done[0].res.host, VSCSI_HOST_RESET);
    fh_teardown(&h);
}

/* TMRs the caller sent time out too: a silent ABORT escalates to RESET of
 * its command's nexus, a silent RESET fails the device. */
static void test_caller_tmr_timeouts(void **state)
{
    struct fh h;
    struct vscsi_request rq;
    struct vscsi_nexus nx = {0, 0, 0};
    struct vscsi_front_io io = io_none(nx, 1000000);

    (void)state;
    connect_timed(&h, 1);
    assert_int_equal(vscsi_front_submit(h.f, &io, (void *)1), 0);
    assert_int_equal(vscsi_front_abort(h.f, 0, (void *)2), 1);
    fh_be_take(&h, &rq);
    fh_be_take(&h, &rq);
    assert_int_equal(vscsi_front_tick(h.f, 100), 0);
    tmr_due_at(&h, 600, VSCSI_ACT_RESET, &rq);
    /* The RESET succeeds: the command ends, the ABORT is still owed. */
    fh_be_reply_tmr(&h, rq.rqid, 1);
    fh_pump(&h);
    assert_int_equal(h.ndone, 1);
    assert_int_equal(h.done[0].res.host, VSCSI_HOST_RESET);
    assert_int_equal(vscsi_front_tick(h.f, 5000), 0);
    assert_int_equal(vscsi_front_error(h.f), 0);
    /* A RESET of the caller's own that is never answered. */
    assert_int_equal(vscsi_front_reset(h.f, &nx, (void *)3), 2);
    assert_int_equal(vscsi_front_tick(h.f, 6000), 0);
    assert_int_equal(vscsi_front_tick(h.f, 6499), 0);
    assert_int_equal(vscsi_front_tick(h.f, 6500), -ETIMEDOUT);
    assert_failed(&h, -ETIMEDOUT, 3);
    assert_int_equal(fh_find_user(&h, (void *)2)->res.host, VSCSI_HOST_RESET);
    assert_int_equal(fh_find_user(&h, (void *)3)->res.host, VSCSI_HOST_RESET);
    fh_teardown(&h);
}

/* Every rqid taken by commands that time out: the ABORT has nowhere to go,
 * yet the escalation still ends within its deadlines. */
static void test_timeout_with_full_table(void **state)
{
    struct fh h;
    struct vscsi_request rq;

    (void)state;
    connect_timed(&h, 1);
    for (uintptr_t u = 1; u <= 16; u++)
        assert_true(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)u) >= 0);
    while (fh_be_take(&h, &rq))
        ;
    assert_int_equal(vscsi_front_tick(h.f, 0), 0);
    assert_int_equal(vscsi_front_tick(h.f, 1000), 0);
    assert_int_equal(fh_be_take(&h, &rq), 0);
    assert_int_equal(vscsi_front_tick(h.f, 1500), 0);
    assert_int_equal(vscsi_front_tick(h.f, 2000), -ETIMEDOUT);
    assert_failed(&h, -ETIMEDOUT, 16);
    fh_teardown(&h);
}

/* Disconnect with I/O in flight: each request completed exactly once, every
 * grant revoked (or quarantined when the backend still holds it). */
static void test_disconnect_in_flight(void **state)
{
    struct fh h;
    struct vscsi_request rq;
    struct vscsi_front_stats st;
    static uint8_t big[200 * 4096];

    (void)state;
    fh_connect(&h, "1024", 1);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, buf[0], 8192, (void *)1), 0);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_TO_DEVICE, buf[1], 8192, (void *)2), 1);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, big, 100 * 4096, (void *)3), 2);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)4), 3);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, buf[2], 4096, (void *)5), 4);
    /* One answered, one aborted (quarantined), an ABORT outstanding. */
    assert_int_equal(vscsi_front_abort(h.f, 3, (void *)6), 5);
    assert_int_equal(vscsi_front_abort(h.f, 4, (void *)7), 6);
    for (int i = 0; i < 7; i++)
        assert_int_equal(fh_be_take(&h, &rq), 1);
    fh_be_reply_cdb(&h, 1, 0, 0, 0);
    fh_be_reply_tmr(&h, 5, 1);
    fh_pump(&h);
    assert_int_equal(h.ndone, 3); /* 2, 4 (ABORT), 6 */
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1 + 2 + 100 + 1 + 1);
    fh_be_state(&h, VSCSI_XB_CLOSING);
    fh_pump(&h);
    assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_CLOSED);
    for (uintptr_t u = 1; u <= 7; u++)
        assert_int_equal(fh_count_user(&h, (void *)u), 1);
    assert_int_equal(fh_find_user(&h, (void *)1)->res.host, VSCSI_HOST_NO_CONNECT);
    assert_int_equal(fh_find_user(&h, (void *)3)->res.host, VSCSI_HOST_NO_CONNECT);
    assert_int_equal(fh_find_user(&h, (void *)4)->res.host, VSCSI_HOST_ABORT);
    assert_int_equal(fh_find_user(&h, (void *)5)->res.host, VSCSI_HOST_NO_CONNECT);
    assert_int_equal(fh_find_user(&h, (void *)7)->res.host, VSCSI_HOST_NO_CONNECT);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1);
    vscsi_front_stats(h.f, &st);
    assert_int_equal(st.in_flight, 0);
    assert_int_equal(st.quarantined_grants, 0);
    /* Answers arriving after the disconnect are ignored. */
    fh_be_reply_cdb(&h, 0, 0, 0, 0);
    fh_pump(&h);
    assert_int_equal(h.ndone, 7);
    assert_int_equal(vscsi_front_error(h.f), 0);
    fh_teardown(&h);
}

/* Disconnect while the backend still maps a data page: quarantined. */
static void test_disconnect_page_held(void **state)
{
    struct fh h;
    struct vscsi_request rq;
    struct vscsi_front_stats st;
    void *addr;

    (void)state;
    fh_connect(&h, "128", 1);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, buf[0], 8192, (void *)1), 0);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_int_equal(h.ops->map_grants(h.d0, FH_FDOM, 1, &rq.seg[0].gref, 1, &addr), 0);
    fh_be_state(&h, VSCSI_XB_CLOSED);
    fh_pump(&h);
    assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_CLOSED);
    assert_int_equal(fh_count_user(&h, (void *)1), 1);
    vscsi_front_stats(h.f, &st);
    assert_int_equal(st.quarantined_grants, 1);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 2);
    assert_int_equal(vscsi_front_error(h.f), -EBUSY);
    h.ops->unmap_grants(h.d0, addr, 1);
    fh_teardown(&h);
}

/* A callback that closes the device mid-drain. */
static void close_hook(struct fh *h, void *user, const struct vscsi_result *res)
{
    (void)user, (void)res;
    vscsi_front_close(h->f);
}

static void test_close_from_callback(void **state)
{
    struct fh h;
    struct vscsi_request rq;

    (void)state;
    fh_connect(&h, "128", 1);
    h.on_done = close_hook;
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)1), 0);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)2), 1);
    fh_be_take(&h, &rq);
    fh_be_take(&h, &rq);
    fh_be_reply_cdb(&h, 0, 0, 0, 0);
    fh_be_reply_cdb(&h, 1, 0, 0, 0);
    fh_pump(&h);
    assert_int_equal(h.ndone, 2);
    assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_CLOSING);
    fh_be_state(&h, VSCSI_XB_CLOSED);
    fh_pump(&h);
    assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_CLOSED);
    assert_int_equal(h.ndone, 2);
    fh_teardown(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rsp_prod_overflow),
        cmocka_unit_test(test_bad_rqid),
        cmocka_unit_test(test_duplicate_response),
        cmocka_unit_test(test_sanitised_values),
        cmocka_unit_test(test_tmr_rslt),
        cmocka_unit_test(test_ungrant_busy),
        cmocka_unit_test(test_event_storm),
        cmocka_unit_test(test_never_answers),
        cmocka_unit_test(test_abort_quarantine),
        cmocka_unit_test(test_abort_race),
        cmocka_unit_test(test_held_rqid_answered_twice),
        cmocka_unit_test(test_abort_with_own_response),
        cmocka_unit_test(test_timeout_abort_fails_reset_ok),
        cmocka_unit_test(test_reset_fails),
        cmocka_unit_test(test_caller_tmr_timeouts),
        cmocka_unit_test(test_timeout_with_full_table),
        cmocka_unit_test(test_disconnect_in_flight),
        cmocka_unit_test(test_disconnect_page_held),
        cmocka_unit_test(test_close_from_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
