/* SPDX-License-Identifier: MIT */
/* Frontend I/O: direct and indirect requests with data checked in both
 * directions through the backend's grant copies, rqid allocation, flow
 * control and notification. */
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
#include "vscsiif/scsi.h"

#define BIG (600u * 4096u + 123u) /* 601 pages: two indirect pages */

static uint8_t a_buf[BIG + 1], b_buf[BIG + 1], c_buf[BIG + 1];

static void read_case(size_t len, uint32_t max_segs, const char *sg, int want_indirect,
                      unsigned want_ind_pages)
{
    struct fh h;
    struct vscsi_request rq;
    struct vscsi_front_stats st;
    size_t pages = (len + 4095) / 4096;
    int id;

    fh_setup(&h, sg, 1);
    fh_front(&h, max_segs, 0, 0);
    fh_be_connect(&h);
    memset(a_buf, 0xee, sizeof(a_buf));
    id = fh_submit(&h, VSCSI_DIR_FROM_DEVICE, a_buf, len, (void *)7);
    assert_int_equal(id, 0);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1 + pages + want_ind_pages);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_int_equal(rq.rqid, id);
    assert_int_equal(rq.act, VSCSI_ACT_CDB);
    assert_int_equal(rq.cmnd[0], VSCSI_OP_READ_10);
    assert_int_equal(rq.sc_data_direction, VSCSI_DIR_FROM_DEVICE);
    if (want_indirect) {
        assert_int_equal(rq.nr_segments, VSCSI_SG_GRANT | want_ind_pages);
        for (unsigned i = 0; i < want_ind_pages; i++) {
            uint16_t flags, domid;
            uint32_t frame;

            /* Descriptor pages are read-only for the backend. */
            assert_int_equal(
                vscsi_sim_grant_entry(h.hv, FH_FDOM, rq.seg[i].gref, &flags, &domid, &frame), 0);
            assert_true(flags & VSCSI_SIM_GTF_readonly);
            assert_int_equal(rq.seg[i].offset, 0);
        }
    } else {
        assert_int_equal(rq.nr_segments, pages);
    }
    {
        static struct vscsi_seg segs[VSCSI_MAX_INDIRECT_SEGS];
        unsigned n = fh_be_segs(&h, &rq, segs, VSCSI_MAX_INDIRECT_SEGS);
        size_t total = 0;

        assert_int_equal(n, pages);
        for (unsigned i = 0; i < n; i++) {
            uint16_t flags, domid;
            uint32_t frame;

            total += segs[i].length;
            assert_int_equal(
                vscsi_sim_grant_entry(h.hv, FH_FDOM, segs[i].gref, &flags, &domid, &frame), 0);
            assert_false(flags & VSCSI_SIM_GTF_readonly); /* data-in: writable */
            assert_int_equal(domid, 0);
        }
        assert_int_equal(total, len);
    }
    fh_fill(b_buf, len, 42);
    assert_int_equal(fh_be_write_data(&h, &rq, b_buf, len), len);
    fh_be_reply_cdb(&h, rq.rqid, VSCSI_HOST_OK, 0, 0);
    fh_pump(&h);
    assert_int_equal(h.ndone, 1);
    assert_ptr_equal(h.done[0].user, (void *)7);
    assert_int_equal(h.done[0].bytes, len);
    assert_true(vscsi_result_ok(&h.done[0].res));
    assert_memory_equal(a_buf, b_buf, len);
    assert_int_equal(a_buf[len], 0xee); /* nothing past the buffer */
    /* Every data and descriptor grant revoked; only the ring is left. */
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1);
    vscsi_front_stats(h.f, &st);
    assert_int_equal(st.submitted, 1);
    assert_int_equal(st.completed, 1);
    assert_int_equal(st.indirect, want_indirect ? 1 : 0);
    assert_int_equal(st.in_flight, 0);
    assert_int_equal(st.anomalies, 0);
    fh_teardown(&h);
}

static void test_read_direct(void **state)
{
    (void)state;
    read_case(1, 0, "128", 0, 0);
    read_case(4096, 0, "128", 0, 0);
    read_case(3 * 4096 + 100, 0, "128", 0, 0);
    read_case(26 * 4096, 0, NULL, 0, 0);
}

static void test_read_indirect(void **state)
{
    (void)state;
    read_case(26 * 4096 + 1, 0, "128", 1, 1);
    read_case(128 * 4096, 0, "128", 1, 1);
    read_case(512 * 4096, 1024, "1024", 1, 1);
    read_case(BIG, 1024, "1024", 1, 2);
}

static void write_case(size_t len, uint32_t max_segs, const char *sg)
{
    struct fh h;
    struct vscsi_request rq;
    static struct vscsi_seg segs[VSCSI_MAX_INDIRECT_SEGS];
    unsigned n;
    int id;

    fh_setup(&h, sg, 1);
    fh_front(&h, max_segs, 0, 0);
    fh_be_connect(&h);
    fh_fill(a_buf, len, 7);
    memcpy(c_buf, a_buf, len);
    id = fh_submit(&h, VSCSI_DIR_TO_DEVICE, a_buf, len, (void *)9);
    assert_true(id >= 0);
    /* The caller's buffer may change right after submit: data was bounced. */
    memset(a_buf, 0, len);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_int_equal(rq.sc_data_direction, VSCSI_DIR_TO_DEVICE);
    n = fh_be_segs(&h, &rq, segs, VSCSI_MAX_INDIRECT_SEGS);
    for (unsigned i = 0; i < n; i++) {
        uint16_t flags, domid;
        uint32_t frame;

        assert_int_equal(vscsi_sim_grant_entry(h.hv, FH_FDOM, segs[i].gref, &flags, &domid, &frame),
                         0);
        assert_true(flags & VSCSI_SIM_GTF_readonly); /* data-out: read-only */
    }
    memset(b_buf, 0, len);
    assert_int_equal(fh_be_read_data(&h, &rq, b_buf, len), len);
    assert_memory_equal(b_buf, c_buf, len);
    /* A read-only grant refuses the backend's write. */
    {
        struct vscsi_grant_copy cpy = {
            .ref = segs[0].gref, .domid = FH_FDOM, .len = 1, .to_grant = 1, .local = b_buf};

        assert_int_equal(h.ops->copy_grants(h.d0, &cpy, 1), 0);
        assert_int_not_equal(cpy.status, 0);
    }
    fh_be_reply_cdb(&h, rq.rqid, VSCSI_HOST_OK, 0, 0);
    fh_pump(&h);
    assert_int_equal(h.ndone, 1);
    assert_int_equal(h.done[0].bytes, 0); /* nothing arrives for data-out */
    /* Data-out never writes the caller's buffer back. */
    for (size_t i = 0; i < len; i++)
        assert_int_equal(a_buf[i], 0);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1);
    fh_teardown(&h);
}

static void test_write(void **state)
{
    (void)state;
    write_case(512, 0, "128");
    write_case(26 * 4096, 0, "128");
    write_case(100 * 4096 + 5, 0, "128");
    write_case(BIG, 1024, "1024");
}

static void test_residual(void **state)
{
    struct fh h;
    struct vscsi_request rq;
    struct vscsi_front_stats st;

    (void)state;
    fh_connect(&h, "128", 1);
    memset(a_buf, 0xee, 3 * 4096);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, a_buf, 3 * 4096, (void *)1), 0);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    fh_fill(b_buf, 3 * 4096, 3);
    fh_be_write_data(&h, &rq, b_buf, 3 * 4096);
    fh_be_reply_cdb(&h, rq.rqid, VSCSI_HOST_OK, 0, 5000);
    fh_pump(&h);
    assert_int_equal(h.done[0].bytes, 3 * 4096 - 5000);
    assert_int_equal(h.done[0].res.residual, 5000);
    assert_memory_equal(a_buf, b_buf, 3 * 4096 - 5000);
    assert_int_equal(a_buf[3 * 4096 - 5000], 0xee); /* untransferred bytes untouched */
    vscsi_front_stats(h.f, &st);
    assert_int_equal(st.anomalies, 0);
    fh_teardown(&h);
}

static void test_check_condition(void **state)
{
    struct fh h;
    struct vscsi_request rq;
    struct vscsi_response rsp;
    const uint8_t sense[18] = {0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24};

    (void)state;
    fh_connect(&h, "128", 1);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)1), 0);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_int_equal(rq.nr_segments, 0);
    vscsi_rsp_cdb(&rsp, rq.rqid, VSCSI_HOST_OK, 0x02, sense, sizeof(sense), 0);
    fh_be_reply(&h, &rsp);
    fh_pump(&h);
    assert_int_equal(h.ndone, 1);
    assert_int_equal(h.done[0].res.status, 0x02);
    assert_int_equal(h.done[0].res.sense_len, 18);
    assert_memory_equal(h.done[0].res.sense, sense, 18);
    assert_int_equal(vscsi_front_error(h.f), 0);
    fh_teardown(&h);
}

static void test_rqid_and_flow_control(void **state)
{
    struct fh h;
    struct vscsi_request rq;
    struct vscsi_front_stats st;
    uintptr_t u;

    (void)state;
    fh_connect(&h, "128", 1);
    for (u = 0; u < 16; u++)
        assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)(u + 1)), (int)u);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, NULL), -EAGAIN);
    vscsi_front_stats(h.f, &st);
    assert_int_equal(st.in_flight, 16);
    /* Answer 5, 3 and 9, out of order. */
    for (unsigned i = 0; i < 16; i++)
        assert_int_equal(fh_be_take(&h, &rq), 1);
    fh_be_reply_cdb(&h, 5, 0, 0, 0);
    fh_be_reply_cdb(&h, 3, 0, 0, 0);
    fh_be_reply_cdb(&h, 9, 0, 0, 0);
    fh_pump(&h);
    assert_int_equal(h.ndone, 3);
    assert_ptr_equal(h.done[0].user, (void *)6);
    assert_ptr_equal(h.done[1].user, (void *)4);
    assert_ptr_equal(h.done[2].user, (void *)10);
    /* Lowest free rqid first. */
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)100), 3);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)101), 5);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)102), 9);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, NULL), -EAGAIN);
    for (unsigned i = 0; i < 3; i++) {
        assert_int_equal(fh_be_take(&h, &rq), 1);
        assert_int_equal(rq.rqid, i == 0 ? 3 : i == 1 ? 5 : 9);
    }
    for (uint16_t id = 0; id < 16; id++)
        fh_be_reply_cdb(&h, id, 0, 0, 0);
    fh_pump(&h);
    assert_int_equal(h.ndone, 19);
    for (u = 1; u <= 16; u++)
        assert_int_equal(fh_count_user(&h, (void *)u), 1);
    vscsi_front_stats(h.f, &st);
    assert_int_equal(st.in_flight, 0);
    assert_int_equal(st.completed, 19);
    assert_int_equal(vscsi_front_error(h.f), 0);
    fh_teardown(&h);
}

static void test_bad_io(void **state)
{
    struct fh h;
    uint8_t cdb[17] = {0};
    struct vscsi_front_io io = {.cdb = cdb, .cdb_len = 6, .dir = VSCSI_DIR_NONE};

    (void)state;
    fh_setup(&h, "128", 1);
    fh_front(&h, 0, 0, 0);
    /* Not connected yet. */
    assert_int_equal(vscsi_front_submit(h.f, &io, NULL), -ENOTCONN);
    assert_int_equal(vscsi_front_abort(h.f, 0, NULL), -ENOTCONN);
    assert_int_equal(vscsi_front_reset(h.f, &io.nx, NULL), -ENOTCONN);
    fh_be_connect(&h);
    assert_int_equal(vscsi_front_submit(h.f, NULL, NULL), -EINVAL);
    io.cdb_len = 0;
    assert_int_equal(vscsi_front_submit(h.f, &io, NULL), -EINVAL);
    io.cdb_len = 17;
    assert_int_equal(vscsi_front_submit(h.f, &io, NULL), -EINVAL);
    io.cdb_len = 16;
    io.cdb = NULL;
    assert_int_equal(vscsi_front_submit(h.f, &io, NULL), -EINVAL);
    io.cdb = cdb;
    io.dir = VSCSI_DIR_BIDIRECTIONAL;
    assert_int_equal(vscsi_front_submit(h.f, &io, NULL), -EINVAL);
    io.dir = 4;
    assert_int_equal(vscsi_front_submit(h.f, &io, NULL), -EINVAL);
    io.dir = VSCSI_DIR_NONE;
    io.len = 10;
    io.buf = a_buf;
    assert_int_equal(vscsi_front_submit(h.f, &io, NULL), -EINVAL); /* data with no direction */
    io.dir = VSCSI_DIR_FROM_DEVICE;
    io.buf = NULL;
    assert_int_equal(vscsi_front_submit(h.f, &io, NULL), -EINVAL);
    io.buf = a_buf;
    io.len = 129 * 4096;
    assert_int_equal(vscsi_front_submit(h.f, &io, NULL), -E2BIG);
    io.len = SIZE_MAX;
    assert_int_equal(vscsi_front_submit(h.f, &io, NULL), -E2BIG);
    /* Nothing leaked by the refusals. */
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1);
    io.len = 16;
    assert_int_equal(vscsi_front_submit(h.f, &io, NULL), 0);
    fh_teardown(&h);
}

static void test_grant_failure_mid_request(void **state)
{
    struct fh h;
    struct vscsi_request rq;

    (void)state;
    fh_connect(&h, "128", 1);
    /* The 5th page grant fails: nothing is sent, nothing stays granted. */
    assert_int_equal(vscsi_sim_fault(h.hv, FH_FDOM, VSCSI_SIM_FAULT_GRANT_PAGE, 5, 1), 0);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, a_buf, 10 * 4096, NULL), -ENOMEM);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1);
    assert_int_equal(fh_be_take(&h, &rq), 0);
    /* The indirect page grant fails. */
    assert_int_equal(vscsi_sim_fault(h.hv, FH_FDOM, VSCSI_SIM_FAULT_GRANT_PAGE, 28, 1), 0);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, a_buf, 27 * 4096, NULL), -ENOMEM);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1);
    assert_int_equal(fh_be_take(&h, &rq), 0);
    /* And the rqid was not lost. */
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, NULL), 0);
    assert_int_equal(vscsi_front_error(h.f), 0);
    fh_teardown(&h);
}

/* Notify only when the backend asked (req_event), per the ring rule. */
static void test_notify_rule(void **state)
{
    struct fh h;
    struct vscsi_request rq;
    struct vscsi_front_stats st;
    struct vscsi_sim_stats ss;
    uint32_t port;

    (void)state;
    fh_connect(&h, "128", 1);
    while (vscsi_sim_dom_pending_port(h.d0, &port) == 0)
        ;
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, NULL), 0);
    vscsi_front_stats(h.f, &st);
    assert_int_equal(st.notifies, 1);
    assert_int_equal(vscsi_sim_dom_pending_port(h.d0, &port), 0);
    assert_int_equal(port, h.bport);
    /* Backend busy, has not re-armed req_event: no more notifies. */
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, NULL), 1);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, NULL), 2);
    vscsi_front_stats(h.f, &st);
    assert_int_equal(st.notifies, 1);
    /* Backend drains and re-arms: the next one notifies again. */
    for (int i = 0; i < 3; i++)
        assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_int_equal(vscsi_back_final_check(&h.br), 0);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, NULL), 3);
    vscsi_front_stats(h.f, &st);
    assert_int_equal(st.notifies, 2);
    vscsi_sim_dom_stats(h.du, &ss);
    assert_int_equal(ss.evt_sent, 2);
    fh_teardown(&h);
}

/* The front re-arms rsp_event before sleeping: a response pushed after a
 * drain still raises an event (no lost wake-up). */
static void test_rsp_event_rearmed(void **state)
{
    struct fh h;
    struct vscsi_request rq;

    (void)state;
    fh_connect(&h, "128", 1);
    for (int i = 0; i < 4; i++)
        assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)(uintptr_t)(i + 1)), i);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(fh_be_take(&h, &rq), 1);
        fh_be_reply_cdb(&h, rq.rqid, 0, 0, 0);
        /* Each reply must be announced, since the front drained the last. */
        assert_true(fh_pump(&h) >= 1);
        assert_int_equal(h.ndone, (unsigned)i + 1);
    }
    fh_teardown(&h);
}

static void resubmit_hook(struct fh *h, void *user, const struct vscsi_result *res)
{
    (void)res;
    if ((uintptr_t)user < 20)
        assert_true(fh_submit(h, VSCSI_DIR_NONE, NULL, 0, (void *)((uintptr_t)user + 1)) >= 0);
}

/* Submitting from inside the completion callback. */
static void test_reentrant_submit(void **state)
{
    struct fh h;
    struct vscsi_request rq;

    (void)state;
    fh_connect(&h, "128", 1);
    h.on_done = resubmit_hook;
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)1), 0);
    while (fh_be_take(&h, &rq)) {
        fh_be_reply_cdb(&h, rq.rqid, 0, 0, 0);
        fh_pump(&h);
    }
    assert_int_equal(h.ndone, 20);
    for (uintptr_t u = 1; u <= 20; u++)
        assert_int_equal(fh_count_user(&h, (void *)u), 1);
    assert_int_equal(vscsi_front_error(h.f), 0);
    fh_teardown(&h);
}

static void test_nexus_and_timeout_on_wire(void **state)
{
    struct fh h;
    struct vscsi_request rq;
    const uint8_t cdb[16] = {0xa0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    struct vscsi_front_io io = {.nx = {3, 65535, 300},
                                .cdb = cdb,
                                .cdb_len = 16,
                                .dir = VSCSI_DIR_NONE,
                                .timeout_ms = 2500};

    (void)state;
    fh_connect(&h, "128", 1);
    assert_int_equal(vscsi_front_submit(h.f, &io, NULL), 0);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_int_equal(rq.channel, 3);
    assert_int_equal(rq.id, 65535);
    assert_int_equal(rq.lun, 300);
    assert_int_equal(rq.cmd_len, 16);
    assert_memory_equal(rq.cmnd, cdb, 16);
    assert_int_equal(rq.timeout_per_command, 3);
    assert_int_equal(rq.reserved[0] | rq.reserved[1] | rq.reserved[2], 0);
    fh_teardown(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_direct),
        cmocka_unit_test(test_read_indirect),
        cmocka_unit_test(test_write),
        cmocka_unit_test(test_residual),
        cmocka_unit_test(test_check_condition),
        cmocka_unit_test(test_rqid_and_flow_control),
        cmocka_unit_test(test_bad_io),
        cmocka_unit_test(test_grant_failure_mid_request),
        cmocka_unit_test(test_notify_rule),
        cmocka_unit_test(test_rsp_event_rearmed),
        cmocka_unit_test(test_reentrant_submit),
        cmocka_unit_test(test_nexus_and_timeout_on_wire),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
