/* SPDX-License-Identifier: MIT */
/* The hostile-frontend replay harness (sim/scenario/replay.h): scripted
 * inputs reach what they are written to reach (live ABORT and RESET, the
 * disconnect cancel loop, map and poll mode), and the host kept between
 * replays gives every replay of an input the same outcome. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scenario/replay.h"
#include "vscsiif/wire.h"

struct script {
    uint8_t b[16384];
    size_t n;
};

static void put(struct script *s, const void *p, size_t n)
{
    assert_true(s->n + n <= sizeof(s->b));
    memcpy(s->b + s->n, p, n);
    s->n += n;
}

static void op(struct script *s, char c)
{
    put(s, &c, 1);
}

/* 'R' + a request slot; gref values below 64 name the replayer's pool pages. */
static void slot(struct script *s, uint16_t rqid, uint8_t act, const uint8_t *cdb, uint8_t cdb_len,
                 uint8_t dir, uint32_t pool_page, uint16_t len, uint16_t ref, uint16_t lun)
{
    struct vscsi_request rq;
    memset(&rq, 0, sizeof(rq));
    rq.rqid = rqid;
    rq.act = act;
    rq.cmd_len = cdb_len;
    if (cdb_len)
        memcpy(rq.cmnd, cdb, cdb_len);
    rq.lun = lun;
    rq.ref_rqid = ref;
    rq.sc_data_direction = dir;
    if (len) {
        rq.nr_segments = 1;
        rq.seg[0].gref = pool_page;
        rq.seg[0].length = len;
    }
    op(s, 'R');
    put(s, &rq, sizeof(rq));
}

static const uint8_t TUR[6] = {0};
static const uint8_t READ1[10] = {0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0};

static void tur(struct script *s, uint16_t rqid)
{
    slot(s, rqid, VSCSI_ACT_CDB, TUR, 6, VSCSI_DIR_NONE, 0, 0, 0, 0);
}

static void delays(struct script *s, const uint8_t *d, size_t n)
{
    uint8_t all[16] = {0};
    memcpy(all, d, n);
    op(s, 'D');
    put(s, all, 16);
}

static struct vscsi_sim_replay_result run(const struct script *s)
{
    struct vscsi_sim_replay_result r;
    int rc = vscsi_sim_replay_buf(s->b, s->n, 0, &r);
    if (r.invariant_broken)
        fail_msg("invariant broken: %s", r.why);
    assert_int_equal(rc, 0);
    return r;
}

static void test_abort_live(void **state)
{
    (void)state;
    struct script s = {.n = 0};
    const uint8_t hang = 255;
    delays(&s, &hang, 1);
    tur(&s, 1);
    op(&s, 'G');
    slot(&s, 2, VSCSI_ACT_ABORT, NULL, 0, VSCSI_DIR_NONE, 0, 0, 1, 0);
    op(&s, 'G');
    struct vscsi_sim_replay_result r = run(&s);
    assert_int_equal(r.responses, 2);
    assert_int_equal(r.aborted, 1);
    assert_int_equal(r.tmr_ok, 1);
}

static void test_abort_completed_command_fails(void **state)
{
    (void)state;
    struct script s = {.n = 0};
    tur(&s, 1);
    op(&s, 'G');
    slot(&s, 2, VSCSI_ACT_ABORT, NULL, 0, VSCSI_DIR_NONE, 0, 0, 1, 0);
    op(&s, 'G');
    struct vscsi_sim_replay_result r = run(&s);
    assert_int_equal(r.responses, 2);
    assert_int_equal(r.aborted, 0);
    assert_int_equal(r.tmr_ok, 0);
}

static void test_reset_answers_every_live_command(void **state)
{
    (void)state;
    struct script s = {.n = 0};
    const uint8_t d[3] = {255, 255, 200};
    delays(&s, d, 3);
    tur(&s, 1);
    slot(&s, 2, VSCSI_ACT_CDB, READ1, 10, VSCSI_DIR_FROM_DEVICE, 20, 512, 0, 0);
    slot(&s, 3, VSCSI_ACT_CDB, READ1, 10, VSCSI_DIR_FROM_DEVICE, 21, 512, 0, 0);
    op(&s, 'G');
    slot(&s, 4, VSCSI_ACT_RESET, NULL, 0, VSCSI_DIR_NONE, 0, 0, 0, 0);
    op(&s, 'G');
    struct vscsi_sim_replay_result r = run(&s);
    assert_int_equal(r.responses, 4);
    assert_int_equal(r.reset, 3);
    assert_int_equal(r.tmr_ok, 1);
}

static void test_delayed_commands_complete_with_time(void **state)
{
    (void)state;
    struct script s = {.n = 0};
    const uint8_t d[4] = {5, 1, 3, 2};
    delays(&s, d, 4);
    for (uint16_t i = 0; i < 4; i++)
        tur(&s, i);
    op(&s, 'G');
    op(&s, 'T');
    op(&s, 10);
    struct vscsi_sim_replay_result r = run(&s);
    assert_int_equal(r.responses, 4);
    assert_int_equal(r.reset, 0); /* answered by the target, not the disconnect */
}

static void test_close_cancels_hung_commands(void **state)
{
    (void)state;
    struct script s = {.n = 0};
    const uint8_t d[4] = {255, 255, 255, 255};
    delays(&s, d, 4);
    for (uint16_t i = 0; i < 4; i++)
        tur(&s, i);
    op(&s, 'G');
    op(&s, 'C');
    struct vscsi_sim_replay_result r = run(&s);
    assert_int_equal(r.responses, 4);
    assert_int_equal(r.reset, 4);
}

static void test_duplicate_rqid_in_flight_rejected(void **state)
{
    (void)state;
    struct script s = {.n = 0};
    const uint8_t hang = 255;
    delays(&s, &hang, 1);
    tur(&s, 4);
    op(&s, 'G');
    tur(&s, 4);
    op(&s, 'G');
    struct vscsi_sim_replay_result r = run(&s);
    assert_int_equal(r.responses, 2);
    assert_int_equal(r.rejected, 1);
    assert_int_equal(r.reset, 1); /* the first one, at the disconnect */
}

static void test_map_and_poll_modes(void **state)
{
    (void)state;
    for (uint8_t flags = 1; flags <= 3; flags++) {
        struct script s = {.n = 0};
        op(&s, 'K');
        op(&s, (char)flags);
        for (uint16_t i = 0; i < 40; i++) {
            slot(&s, i, VSCSI_ACT_CDB, READ1, 10, VSCSI_DIR_FROM_DEVICE, i % 8, 512, 0, 0);
            if (i % 8 == 7)
                op(&s, 'G');
        }
        struct vscsi_sim_replay_result r = run(&s);
        assert_int_equal(r.slots, 40);
        assert_int_equal(r.responses, 40);
        assert_int_equal(r.rejected, 0);
    }
}

static void test_lying_frontend_latches(void **state)
{
    (void)state;
    struct script s = {.n = 0};
    const uint8_t lie[4] = {40, 0, 0, 0};
    tur(&s, 1);
    op(&s, 'X');
    put(&s, lie, 4);
    struct vscsi_sim_replay_result r = run(&s);
    assert_int_not_equal(r.backend_error, 0);
    assert_int_equal(r.responses, 0);
}

/* The host survives between replays: kept connections, rebuilt backends,
 * mode switches; the same input gives the same outcome every time. */
static void test_reuse_is_deterministic(void **state)
{
    (void)state;
    struct script a = {.n = 0}, lie = {.n = 0}, map = {.n = 0};
    const uint8_t d[2] = {255, 3};
    const uint8_t x[4] = {40, 0, 0, 0};
    delays(&a, d, 2);
    for (uint16_t i = 0; i < 20; i++) {
        tur(&a, i);
        if (i % 5 == 4)
            op(&a, 'G');
    }
    op(&a, 'T');
    op(&a, 5);
    tur(&lie, 1);
    op(&lie, 'X');
    put(&lie, x, 4);
    op(&map, 'K');
    op(&map, 1);
    tur(&map, 9);
    struct vscsi_sim_replay_result first = run(&a);
    const struct script *order[] = {&a, &a, &lie, &a, &map, &a, &map, &lie, &a};
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        struct vscsi_sim_replay_result r = run(order[i]);
        if (order[i] == &a) {
            assert_int_equal(r.responses, first.responses);
            assert_int_equal(r.reset, first.reset);
            assert_int_equal(r.rejected, first.rejected);
        }
    }
    assert_int_equal(first.responses, 20);
    assert_int_equal(first.reset, 1); /* the hung one, at the disconnect */
    vscsi_sim_replay_shutdown();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_abort_live),
        cmocka_unit_test(test_abort_completed_command_fails),
        cmocka_unit_test(test_reset_answers_every_live_command),
        cmocka_unit_test(test_delayed_commands_complete_with_time),
        cmocka_unit_test(test_close_cancels_hung_commands),
        cmocka_unit_test(test_duplicate_rqid_in_flight_rejected),
        cmocka_unit_test(test_map_and_poll_modes),
        cmocka_unit_test(test_lying_frontend_latches),
        cmocka_unit_test(test_reuse_is_deterministic),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    vscsi_sim_replay_shutdown();
    return rc;
}
