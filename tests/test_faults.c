/* SPDX-License-Identifier: MIT */
/* Fault injection across the whole simulator: grant map/copy failures, lost
 * and spurious events, XenStore transaction conflicts, a backend restart and
 * a frontend crash with I/O in flight. Each time: no hang, no crash, every
 * command answered exactly once (or failed at disconnect), no grant left
 * mapped. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scenario/io.h"
#include "scenario/workload.h"
#include "target/target.h"
#include "vscsiif/scsi.h"

struct rig {
    struct vscsi_sim_world *w;
    struct vscsi_sim_hv *hv;
    struct vscsi_tgt_lun *disk;
    uint16_t fdom;
    unsigned completions; /* every vscsi_sim_io_done, counted */
};

static const struct vscsi_nexus DISK = {0, 0, 0};
static const uint8_t TUR[6] = {0};

static void count_done(void *ctx, void *user, const struct vscsi_result *res, size_t bytes)
{
    struct rig *r = ctx;
    r->completions++;
    vscsi_sim_io_done(NULL, user, res, bytes);
}

/* World with one disk; `before` runs between creating the hv and attaching. */
static struct rig *rig_new(enum vscsi_back_data_mode mode, void (*before)(struct rig *r, void *arg),
                           void *arg)
{
    struct rig *r = calloc(1, sizeof(*r));
    struct vscsi_sim_world_opts o = {
        .seed = 11, .data_mode = mode, .done = count_done, .cb_ctx = r};
    struct vscsi_tgt_disk_opts d = {.blocks = 2048, .block_size = 512};
    r->w = vscsi_sim_world_new(&o);
    assert_non_null(r->w);
    r->hv = vscsi_sim_world_hv(r->w);
    r->fdom = vscsi_sim_world_front_domid(r->w);
    r->disk = vscsi_tgt_disk_new(&d);
    assert_int_equal(vscsi_sim_world_register(r->w, "d0", r->disk), 0);
    if (before)
        before(r, arg);
    const char *p[] = {"d0"}, *v[] = {"0:0:0:0"};
    assert_int_equal(vscsi_sim_world_attach(r->w, 0, p, v, 1), 0);
    assert_int_equal(vscsi_sim_world_wait_connected(r->w, 0), 0);
    return r;
}

static void rig_free(struct rig *r)
{
    vscsi_sim_world_free(r->w);
    vscsi_tgt_free(r->disk);
    free(r);
}

static void expect_clean_detach(struct rig *r)
{
    assert_int_equal(vscsi_sim_world_detach(r->w, 0), 0);
    assert_int_equal(vscsi_sim_mappings(r->hv, 0), 0);
    assert_int_equal(vscsi_sim_grants_in_use(r->hv, r->fdom), 0);
}

static void run_disk(struct rig *r, uint64_t ops, struct vscsi_sim_report *rep)
{
    struct vscsi_sim_workload_opts o = {.vhost = 0, .queue_depth = 8, .ops = ops};
    memset(rep, 0, sizeof(*rep));
    vscsi_sim_run_disk(r->w, &o, &DISK, rep);
}

/* One good command after a fault: the vhost still serves. */
static void expect_serving(struct rig *r)
{
    struct vscsi_result res;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(vscsi_sim_cmd(r->w, 0, &DISK, TUR, 6, VSCSI_DIR_NONE, NULL, 0, &res, NULL),
                         0);
        if (vscsi_sim_good(&res))
            return;
    }
    fail_msg("vhost no longer serves: host %u status %u", res.host, res.status);
}

static void grant_fault(enum vscsi_back_data_mode mode, enum vscsi_sim_fault kind)
{
    struct rig *r = rig_new(mode, NULL, NULL);
    struct vscsi_sim_report rep;
    assert_int_equal(vscsi_sim_fault(r->hv, 0, kind, 5, 6), 0);
    run_disk(r, 300, &rep);
    /* Failed transfers are errors, never wrong data, and all were answered. */
    assert_true(rep.errors > 0);
    assert_int_equal(rep.verify_failures, 0);
    assert_int_equal(r->completions, rep.commands);
    assert_int_equal(vscsi_sim_mappings(r->hv, 0), 1); /* only the ring is left mapped */
    struct vscsi_back_stats bs;
    vscsi_back_stats(vscsi_sim_world_back(r->w, 0), &bs);
    assert_int_equal(bs.requests, bs.responses);
    expect_serving(r);
    expect_clean_detach(r);
    rig_free(r);
}

static void test_copy_failure(void **state)
{
    (void)state;
    grant_fault(VSCSI_BACK_COPY, VSCSI_SIM_FAULT_COPY);
}

static void test_map_failure(void **state)
{
    (void)state;
    grant_fault(VSCSI_BACK_MAP, VSCSI_SIM_FAULT_MAP);
}

/* A notification lost on the way to the backend: the frontend's timeout
 * sends an ABORT, whose own notification wakes the backend; the command is
 * answered once and nothing hangs. */
static void test_lost_event(void **state)
{
    (void)state;
    struct rig *r = rig_new(VSCSI_BACK_COPY, NULL, NULL);
    struct vscsi_result res;
    unsigned before = r->completions;
    assert_int_equal(vscsi_sim_fault(r->hv, r->fdom, VSCSI_SIM_FAULT_EVT_LOST, 1, 1), 0);
    assert_int_equal(vscsi_sim_cmd(r->w, 0, &DISK, TUR, 6, VSCSI_DIR_NONE, NULL, 0, &res, NULL), 0);
    /* The command is answered once; the ABORT the timeout sent is internal. */
    assert_int_equal(r->completions, before + 1);
    /* The timeout's ABORT kicks the backend unconditionally, which then finds
     * and serves the stranded command: its real answer arrives, GOOD. */
    assert_true(vscsi_sim_good(&res));
    struct vscsi_front_stats fs;
    vscsi_front_stats(vscsi_sim_world_front(r->w, 0), &fs);
    assert_int_equal(fs.aborts, 1);
    expect_serving(r);
    expect_clean_detach(r);
    rig_free(r);
}

/* Events with no work are counted and change nothing. */
static void test_spurious_events(void **state)
{
    (void)state;
    struct rig *r = rig_new(VSCSI_BACK_COPY, NULL, NULL);
    struct vscsi_sim_report rep;
    assert_int_equal(vscsi_sim_fault(r->hv, 0, VSCSI_SIM_FAULT_EVT_SPURIOUS, 1, 0), 0);
    assert_int_equal(vscsi_sim_fault(r->hv, r->fdom, VSCSI_SIM_FAULT_EVT_SPURIOUS, 1, 0), 0);
    run_disk(r, 200, &rep);
    assert_int_equal(rep.errors, 0);
    assert_int_equal(rep.verify_failures, 0);
    struct vscsi_back_stats bs;
    vscsi_back_stats(vscsi_sim_world_back(r->w, 0), &bs);
    assert_true(bs.spurious_events > 0);
    assert_int_equal(vscsi_sim_fault(r->hv, 0, VSCSI_SIM_FAULT_EVT_SPURIOUS, 0, 0), 0);
    assert_int_equal(vscsi_sim_fault(r->hv, r->fdom, VSCSI_SIM_FAULT_EVT_SPURIOUS, 0, 0), 0);
    expect_clean_detach(r);
    rig_free(r);
}

static void conflict_front(struct rig *r, void *arg)
{
    (void)arg;
    assert_int_equal(vscsi_sim_fault(r->hv, r->fdom, VSCSI_SIM_FAULT_XS_CONFLICT, 1, 3), 0);
}

/* The frontend's ring-ref/event-channel transaction loses three times, then wins. */
static void test_xenstore_conflict(void **state)
{
    (void)state;
    struct rig *r = rig_new(VSCSI_BACK_COPY, conflict_front, NULL);
    expect_serving(r);
    expect_clean_detach(r);
    rig_free(r);
}

/* The backend goes away with commands in flight and a new one takes over the
 * same ring: everything in flight was answered (host RESET), then new I/O works. */
static void test_backend_restart(void **state)
{
    (void)state;
    struct rig *r = rig_new(VSCSI_BACK_COPY, NULL, NULL);
    struct vscsi_front *f = vscsi_sim_world_front(r->w, 0);
    struct vscsi_tgt_fault hang;
    struct vscsi_sim_io io[3];
    struct vscsi_front_io fio = {DISK, TUR, 6, VSCSI_DIR_NONE, NULL, 0, 0};

    assert_int_equal(vscsi_tgt_fault_parse("hang:nth=1,count=3", &hang), 0);
    assert_int_equal(vscsi_tgt_inject(r->disk, &hang), 0);
    memset(io, 0, sizeof(io));
    for (int i = 0; i < 3; i++)
        assert_true(vscsi_front_submit(f, &fio, &io[i]) >= 0);
    vscsi_sim_world_settle(r->w, 1000);
    assert_int_equal(vscsi_sim_bridge_held(vscsi_sim_world_bridge(r->w)), 3);
    unsigned before = r->completions;

    assert_int_equal(vscsi_sim_world_restart_backend(r->w, 0), 0);
    vscsi_sim_world_settle(r->w, 100000);
    assert_int_equal(r->completions, before + 3);
    for (int i = 0; i < 3; i++) {
        assert_true(io[i].done);
        assert_int_equal(io[i].res.host, VSCSI_HOST_RESET);
    }
    assert_int_equal(vscsi_sim_bridge_held(vscsi_sim_world_bridge(r->w)), 0);
    assert_int_equal(vscsi_back_state(vscsi_sim_world_back(r->w, 0)), VSCSI_XB_CONNECTED);
    expect_serving(r);
    struct vscsi_sim_report rep;
    run_disk(r, 100, &rep);
    assert_int_equal(rep.verify_failures, 0);
    assert_int_equal(rep.errors, 0);
    expect_clean_detach(r);
    rig_free(r);
}

/* The frontend domain dies with I/O in flight: the backend answers into the
 * still-mapped ring, lets everything go and says Closed; nothing is left mapped. */
static void test_frontend_crash(void **state)
{
    (void)state;
    for (int mode = 0; mode < 2; mode++) {
        struct rig *r = rig_new(mode ? VSCSI_BACK_MAP : VSCSI_BACK_COPY, NULL, NULL);
        struct vscsi_front *f = vscsi_sim_world_front(r->w, 0);
        struct vscsi_tgt_fault hang;
        struct vscsi_sim_io io[2];
        uint8_t buf[2][4096];
        uint8_t rd[10] = {VSCSI_OP_READ_10, 0, 0, 0, 0, 0, 0, 0, 8, 0};
        struct vscsi_front_io fio = {DISK, rd, 10, VSCSI_DIR_FROM_DEVICE, NULL, 4096, 0};

        assert_int_equal(vscsi_tgt_fault_parse("hang:nth=1,count=2", &hang), 0);
        assert_int_equal(vscsi_tgt_inject(r->disk, &hang), 0);
        memset(io, 0, sizeof(io));
        for (int i = 0; i < 2; i++) {
            fio.buf = buf[i];
            assert_true(vscsi_front_submit(f, &fio, &io[i]) >= 0);
        }
        vscsi_sim_world_settle(r->w, 1000);
        assert_int_equal(vscsi_sim_bridge_held(vscsi_sim_world_bridge(r->w)), 2);
        if (mode)
            assert_true(vscsi_sim_mappings(r->hv, 0) > 1); /* ring + the held commands' pages */

        assert_int_equal(vscsi_sim_world_crash_front(r->w), 0);
        vscsi_sim_world_settle(r->w, 100000);
        struct vscsi_back *b = vscsi_sim_world_back(r->w, 0);
        assert_int_equal(vscsi_back_state(b), VSCSI_XB_CLOSED);
        assert_true(vscsi_back_gone(b));
        assert_int_equal(vscsi_sim_bridge_held(vscsi_sim_world_bridge(r->w)), 0);
        assert_int_equal(vscsi_sim_mappings(r->hv, 0), 0);
        struct vscsi_back_stats bs;
        vscsi_back_stats(b, &bs);
        assert_int_equal(bs.requests, bs.responses);
        rig_free(r);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_failure),      cmocka_unit_test(test_map_failure),
        cmocka_unit_test(test_lost_event),        cmocka_unit_test(test_spurious_events),
        cmocka_unit_test(test_xenstore_conflict), cmocka_unit_test(test_backend_restart),
        cmocka_unit_test(test_frontend_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
