/* SPDX-License-Identifier: MIT */
/* Integration over the simulator: frontend engine, backend engine, fake
 * target and the hypervisor model together, in both run modes. */
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
#include "vscsiif/toolstack.h"
#include "vscsiif/scsi.h"

struct fixture {
    struct vscsi_sim_world *w;
    struct vscsi_tgt_lun *disk, *tape, *changer;
    int added, removed;
};

static void lun_cb(void *ctx, const char *dev, uint32_t host, const struct vscsi_nexus *nx,
                   int added)
{
    struct fixture *f = ctx;
    (void)dev;
    (void)host;
    (void)nx;
    if (added)
        f->added++;
    else
        f->removed++;
}

static const struct vscsi_nexus DISK = {0, 0, 0}, TAPE = {0, 1, 0}, CHANGER = {0, 2, 0};

static struct fixture *up(int threaded, enum vscsi_back_data_mode mode, int no_indirect,
                          uint64_t seed)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct vscsi_sim_world_opts o = {.seed = seed,
                                     .threaded = threaded,
                                     .data_mode = mode,
                                     .no_indirect = no_indirect,
                                     .done = vscsi_sim_io_done,
                                     .lun = lun_cb,
                                     .cb_ctx = f};
    struct vscsi_tgt_disk_opts d = {.blocks = 4096, .block_size = 512};
    struct vscsi_tgt_tape_opts t = {.capacity = 8u << 20};
    f->w = vscsi_sim_world_new(&o);
    assert_non_null(f->w);
    f->disk = vscsi_tgt_disk_new(&d);
    f->tape = vscsi_tgt_tape_new(&t);
    struct vscsi_tgt_changer_opts c = {.slots = 4, .ie_ports = 1, .drives = &f->tape, .ndrives = 1};
    f->changer = vscsi_tgt_changer_new(&c);
    assert_non_null(f->disk);
    assert_non_null(f->tape);
    assert_non_null(f->changer);
    assert_int_equal(vscsi_sim_world_register(f->w, "0:0:0:0", f->disk), 0);
    assert_int_equal(vscsi_sim_world_register(f->w, "0:0:1:0", f->tape), 0);
    assert_int_equal(vscsi_sim_world_register(f->w, "0:0:2:0", f->changer), 0);
    const char *p[] = {"0:0:0:0", "0:0:1:0", "0:0:2:0"};
    const char *v[] = {"0:0:0:0", "0:0:1:0", "0:0:2:0"};
    assert_int_equal(vscsi_sim_world_attach(f->w, 0, p, v, 3), 0);
    if (threaded)
        assert_int_equal(vscsi_sim_world_start_thread(f->w), 0);
    assert_int_equal(vscsi_sim_world_wait_connected(f->w, 0), 0);
    assert_int_equal(f->added, 3);
    return f;
}

static void down(struct fixture *f)
{
    assert_int_equal(vscsi_sim_world_detach(f->w, 0), 0);
    /* Every grant of the frontend was given back. */
    struct vscsi_sim_hv *hv = vscsi_sim_world_hv(f->w);
    uint16_t fd = vscsi_sim_world_front_domid(f->w);
    vscsi_sim_world_stop_thread(f->w);
    assert_int_equal(vscsi_sim_grants_in_use(hv, fd), 0);
    assert_int_equal(vscsi_sim_mappings(hv, 0), 0);
    vscsi_sim_world_free(f->w);
    vscsi_tgt_free(f->changer);
    vscsi_tgt_free(f->tape);
    vscsi_tgt_free(f->disk);
    free(f);
}

static void run_all_workloads(struct fixture *f, unsigned qd)
{
    struct vscsi_sim_report r = {0};
    struct vscsi_sim_workload_opts o = {.vhost = 0, .queue_depth = qd, .ops = 1500};
    assert_int_equal(vscsi_sim_run_disk(f->w, &o, &DISK, &r), 0);
    assert_int_equal(r.verify_failures, 0);
    assert_int_equal(r.errors, 0);
    assert_true(r.reads > 300 && r.writes > 300);
    assert_true(r.bytes_read > 0 && r.bytes_written > 0);
    assert_int_equal(vscsi_sim_run_tape(f->w, &o, &TAPE, &CHANGER, &r), 0);
    assert_int_equal(r.failed, 0);
    assert_int_equal(r.tape_records, 12);
    assert_int_equal(r.tape_filemarks, 2);
    assert_int_equal(r.changer_moves, 4 + 2 * 2); /* 4 MOVE MEDIUM, 2 EXCHANGE MEDIUM of two each */
}

static void test_deterministic_copy(void **state)
{
    (void)state;
    struct fixture *f = up(0, VSCSI_BACK_COPY, 0, 1);
    run_all_workloads(f, 8);
    struct vscsi_front_stats fs;
    vscsi_front_stats(vscsi_sim_world_front(f->w, 0), &fs);
    assert_true(fs.indirect > 0); /* large transfers really went indirect */
    assert_int_equal(fs.anomalies, 0);
    down(f);
}

static void test_deterministic_map(void **state)
{
    (void)state;
    struct fixture *f = up(0, VSCSI_BACK_MAP, 0, 2);
    run_all_workloads(f, 16);
    down(f);
}

static void test_direct_only(void **state)
{
    (void)state;
    struct fixture *f = up(0, VSCSI_BACK_COPY, 1, 3);
    assert_int_equal(vscsi_front_max_segs(vscsi_sim_world_front(f->w, 0)), 26);
    run_all_workloads(f, 4);
    struct vscsi_front_stats fs;
    vscsi_front_stats(vscsi_sim_world_front(f->w, 0), &fs);
    assert_int_equal(fs.indirect, 0);
    down(f);
}

static void test_threaded(void **state)
{
    (void)state;
    struct fixture *f = up(1, VSCSI_BACK_COPY, 0, 4);
    run_all_workloads(f, 16);
    down(f);
}

/* The same seed gives the same run, step for step. */
static void test_seed_replays(void **state)
{
    (void)state;
    struct vscsi_back_stats a, b;
    struct vscsi_front_stats fa, fb;
    for (int i = 0; i < 2; i++) {
        struct fixture *f = up(0, VSCSI_BACK_COPY, 0, 99);
        struct vscsi_sim_report r = {0};
        struct vscsi_sim_workload_opts o = {.vhost = 0, .queue_depth = 16, .ops = 500};
        assert_int_equal(vscsi_sim_run_disk(f->w, &o, &DISK, &r), 0);
        vscsi_back_stats(vscsi_sim_world_back(f->w, 0), i ? &b : &a);
        vscsi_front_stats(vscsi_sim_world_front(f->w, 0), i ? &fb : &fa);
        down(f);
    }
    assert_int_equal(a.requests, b.requests);
    assert_int_equal(a.notifies, b.notifies);
    assert_int_equal(a.events, b.events);
    assert_int_equal(fa.notifies, fb.notifies);
}

static void test_hotplug(void **state)
{
    (void)state;
    struct fixture *f = up(0, VSCSI_BACK_COPY, 0, 5);
    struct vscsi_tgt_disk_opts d = {.blocks = 128, .block_size = 512};
    struct vscsi_tgt_lun *extra = vscsi_tgt_disk_new(&d);
    struct vscsi_nexus nx = {0, 5, 3};
    uint8_t inq[6] = {0x12, 0, 0, 0, 36, 0}, buf[36];
    struct vscsi_result res;

    assert_int_equal(vscsi_sim_world_register(f->w, "extra", extra), 0);
    /* Before: not there. */
    assert_int_equal(
        vscsi_sim_cmd(f->w, 0, &nx, inq, 6, VSCSI_DIR_FROM_DEVICE, buf, 36, &res, NULL), 0);
    assert_int_equal(res.host, VSCSI_HOST_NO_CONNECT);
    assert_int_equal(vscsi_sim_world_hot_add(f->w, 0, 9, "extra", "0:0:5:3"), 0);
    assert_int_equal(vscsi_sim_world_wait_lun(f->w, 0, 9, VSCSI_XB_CONNECTED), 0);
    assert_int_equal(f->added, 4);
    assert_int_equal(
        vscsi_sim_cmd(f->w, 0, &nx, inq, 6, VSCSI_DIR_FROM_DEVICE, buf, 36, &res, NULL), 0);
    assert_true(vscsi_sim_good(&res));
    assert_int_equal(buf[0] & 0x1f, 0); /* a disk */
    /* A duplicate nexus is refused with LUN state 6, the vhost stays up. */
    assert_int_equal(vscsi_sim_world_hot_add(f->w, 0, 10, "extra", "0:0:5:3"), 0);
    assert_int_equal(vscsi_sim_world_wait_lun(f->w, 0, 10, VSCSI_XB_CLOSED), 0);
    /* Removal. */
    assert_int_equal(vscsi_sim_world_hot_remove(f->w, 0, 9), 0);
    assert_int_equal(vscsi_sim_world_wait_lun(f->w, 0, 9, VSCSI_XB_CLOSED), 0);
    assert_int_equal(f->removed, 1);
    assert_int_equal(
        vscsi_sim_cmd(f->w, 0, &nx, inq, 6, VSCSI_DIR_FROM_DEVICE, buf, 36, &res, NULL), 0);
    assert_int_equal(res.host, VSCSI_HOST_NO_CONNECT);
    /* Other LUNs unaffected. */
    uint8_t tur[6] = {0};
    for (int i = 0; i < 3; i++) /* the first may carry a unit attention */
        assert_int_equal(vscsi_sim_cmd(f->w, 0, &DISK, tur, 6, VSCSI_DIR_NONE, NULL, 0, &res, NULL),
                         0);
    assert_true(vscsi_sim_good(&res));
    down(f);
    vscsi_tgt_free(extra);
}

/* Injected sense comes back to the frontend byte for byte. */
static void test_injected_sense(void **state)
{
    (void)state;
    struct fixture *f = up(0, VSCSI_BACK_COPY, 0, 6);
    struct vscsi_tgt_fault fault;
    struct vscsi_result res;
    uint8_t rd[10] = {VSCSI_OP_READ_10, 0, 0, 0, 0, 1, 0, 0, 1, 0}, buf[512];
    assert_int_equal(vscsi_tgt_fault_parse("sense:nth=1,key=3,asc=0x11,ascq=0", &fault), 0);
    assert_int_equal(vscsi_tgt_inject(f->disk, &fault), 0);
    assert_int_equal(
        vscsi_sim_cmd(f->w, 0, &DISK, rd, 10, VSCSI_DIR_FROM_DEVICE, buf, 512, &res, NULL), 0);
    assert_int_equal(res.status, 0x02);
    assert_int_equal(vscsi_sim_sense_key(&res), 3);
    assert_int_equal(vscsi_sim_sense_asc(&res), 0x11);
    assert_int_equal(
        vscsi_sim_cmd(f->w, 0, &DISK, rd, 10, VSCSI_DIR_FROM_DEVICE, buf, 512, &res, NULL), 0);
    assert_true(vscsi_sim_good(&res));
    down(f);
}

/* A command that never completes is aborted by the frontend's timeout: one
 * answer (host ABORT), the ABORT itself succeeds, the LUN keeps serving. */
static void test_hang_then_abort(void **state)
{
    (void)state;
    struct fixture *f = up(0, VSCSI_BACK_COPY, 0, 7);
    struct vscsi_tgt_fault fault;
    struct vscsi_result res;
    uint8_t tur[6] = {0};
    assert_int_equal(vscsi_tgt_fault_parse("hang:nth=1", &fault), 0);
    assert_int_equal(vscsi_tgt_inject(f->disk, &fault), 0);
    assert_int_equal(vscsi_sim_cmd(f->w, 0, &DISK, tur, 6, VSCSI_DIR_NONE, NULL, 0, &res, NULL), 0);
    assert_int_equal(res.host, VSCSI_HOST_ABORT);
    struct vscsi_back_stats bs;
    vscsi_back_stats(vscsi_sim_world_back(f->w, 0), &bs);
    assert_int_equal(bs.aborts, 1);
    assert_int_equal(bs.in_flight, 0);
    assert_int_equal(vscsi_sim_bridge_held(vscsi_sim_world_bridge(f->w)), 0);
    assert_int_equal(vscsi_sim_cmd(f->w, 0, &DISK, tur, 6, VSCSI_DIR_NONE, NULL, 0, &res, NULL), 0);
    assert_true(vscsi_sim_good(&res));
    down(f);
}

/* Delayed completions arrive late but complete, in both modes. */
static void test_delay(void **state)
{
    (void)state;
    for (int threaded = 0; threaded < 2; threaded++) {
        struct fixture *f = up(threaded, VSCSI_BACK_COPY, 0, 8);
        struct vscsi_tgt_fault fault;
        assert_int_equal(vscsi_tgt_fault_parse("delay:us=3000", &fault), 0);
        assert_int_equal(vscsi_tgt_inject(f->disk, &fault), 0);
        uint64_t t0 = vscsi_sim_world_now(f->w);
        struct vscsi_sim_report r = {0};
        struct vscsi_sim_workload_opts o = {.vhost = 0, .queue_depth = 4, .ops = 40};
        assert_int_equal(vscsi_sim_run_disk(f->w, &o, &DISK, &r), 0);
        assert_int_equal(r.verify_failures, 0);
        assert_true(vscsi_sim_world_now(f->w) - t0 >= 3000);
        down(f);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deterministic_copy),
        cmocka_unit_test(test_deterministic_map),
        cmocka_unit_test(test_direct_only),
        cmocka_unit_test(test_threaded),
        cmocka_unit_test(test_seed_replays),
        cmocka_unit_test(test_hotplug),
        cmocka_unit_test(test_injected_sense),
        cmocka_unit_test(test_hang_then_abort),
        cmocka_unit_test(test_delay),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
