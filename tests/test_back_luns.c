/* SPDX-License-Identifier: MIT */
/* Backend engine: the LUN table and hotplug through Reconfiguring /
 * Reconfigured (docs/protocol.md §5.7). The toolstack writes the backend's
 * state 7 and per-LUN states 1 and 5; the frontend mirrors 7, the backend
 * scans and says 8, the frontend says 4 and so does the backend. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "back_harness.h"

static struct bh *connected(unsigned nluns, enum vscsi_back_data_mode mode)
{
    struct bh_opts o = {.nluns = nluns, .mode = mode};
    struct bh *h = bh_new(&o);
    bh_connect(h);
    return h;
}

/* The toolstack asks, the frontend mirrors; returns after the backend's 8. */
static void reconfigure(struct bh *h)
{
    assert_int_equal(bh_ts_write(h, "state", "7"), 0);
    bh_pump(h);
    /* the backend does not react to its own node, nor overwrite the 7 */
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_RECONFIGURING);
    bh_fe_state(h, VSCSI_XB_RECONFIGURING);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_RECONFIGURED);
}

static void reconfigured(struct bh *h)
{
    bh_fe_state(h, VSCSI_XB_CONNECTED);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CONNECTED);
    assert_int_equal(vscsi_back_state(h->b), VSCSI_XB_CONNECTED);
}

/* The toolstack marks dev-1 (0:0:1:0) for removal; returns after the
 * backend's 8, as reconfigure() does. */
static void remove_dev1(struct bh *h)
{
    assert_int_equal(bh_ts_write(h, "vscsi-devs/dev-1/state", "5"), 0);
    reconfigure(h);
}

/* A 2-page transfer to dev-1 that the target holds. */
static unsigned held_on_dev1(struct bh *h, struct bh_xfer *x, uint8_t dir)
{
    h->tgt.hold = 1;
    bh_xfer_prep(h, x, 1, dir, 2, 0, 0, 0);
    return bh_xfer_send(h, x, bh_nx(0, 1, 0));
}

static void test_initial_scan(void **state)
{
    (void)state;
    struct bh_opts o = {.nluns = 1};
    struct bh *h = bh_new(&o);

    bh_ts_lun(h, "dev-1", "nodev-1", "0:0:1:0", "1"); /* the target has no such device */
    bh_ts_lun(h, "dev-2", "lun2", "0:0:0:0", "1");    /* same nexus as dev-0 */
    bh_ts_lun(h, "dev-3", "lun3", "0:3:4:5", "1");    /* channel and LUN nonzero */
    bh_ts_lun(h, "dev-4", "lun4", "0:0:4:0", "5");    /* removal of something never added */
    bh_ts_lun(h, "dev-5", "lun5", "0:0:5:0", "6");    /* already refused: left alone */
    bh_ts_lun(h, "other", "lun6", "0:0:6:0", "1");    /* not a dev-N child */
    bh_connect(h);
    assert_int_equal(bh_lun_state(h, "dev-0"), VSCSI_XB_CONNECTED);
    assert_int_equal(bh_lun_state(h, "dev-1"), VSCSI_XB_CLOSED);
    assert_int_equal(bh_lun_state(h, "dev-2"), VSCSI_XB_CLOSED);
    assert_int_equal(bh_lun_state(h, "dev-3"), VSCSI_XB_CONNECTED);
    assert_int_equal(bh_lun_state(h, "dev-4"), VSCSI_XB_CLOSED);
    assert_int_equal(bh_lun_state(h, "dev-5"), VSCSI_XB_CLOSED);
    assert_int_equal(bh_lun_state(h, "other"), VSCSI_XB_INITIALISING);
    assert_int_equal(bh_stats(h).luns, 2);
    /* the duplicate was refused before the target was asked */
    assert_int_equal(h->tgt.nopen, 2);

    assert_int_equal(bh_rslt(h, bh_tur(h, 1, bh_nx(0, 0, 0))), 0);
    assert_int_equal(bh_rslt(h, bh_tur(h, 2, bh_nx(3, 4, 5))), 0);
    assert_int_equal(bh_tcmd_by_rqid(h, 2)->lun, &h->tgt.luns[1]);
    assert_int_equal(bh_rslt(h, bh_tur(h, 3, bh_nx(0, 1, 0))), BH_RSLT_NO_CONNECT);
    assert_int_equal(bh_rslt(h, bh_tur(h, 4, bh_nx(0, 6, 0))), BH_RSLT_NO_CONNECT);
    assert_int_equal(bh_rslt(h, bh_tur(h, 5, bh_nx(0, 4, 0))), BH_RSLT_NO_CONNECT);
    /* the vhost number of v-dev never travels: 3:4:5 is reached as 3:4:5 only */
    assert_int_equal(bh_rslt(h, bh_tur(h, 6, bh_nx(0, 3, 4))), BH_RSLT_NO_CONNECT);
    assert_int_equal(h->tgt.ncmds, 2);
    bh_finish(h);
}

static void test_hotplug_add(void **state)
{
    (void)state;
    struct bh *h = connected(1, VSCSI_BACK_COPY);

    /* not yet: a new LUN is unreachable before the scan */
    bh_ts_lun(h, "dev-1", "lun1", "0:0:1:0", "1");
    bh_pump(h);
    assert_int_equal(bh_lun_state(h, "dev-1"), VSCSI_XB_INITIALISING);
    assert_int_equal(bh_rslt(h, bh_tur(h, 1, bh_nx(0, 1, 0))), BH_RSLT_NO_CONNECT);

    reconfigure(h);
    assert_int_equal(bh_lun_state(h, "dev-1"), VSCSI_XB_INITIALISED);
    assert_int_equal(bh_lun_state(h, "dev-0"), VSCSI_XB_CONNECTED);
    reconfigured(h);
    assert_int_equal(bh_lun_state(h, "dev-1"), VSCSI_XB_CONNECTED);
    assert_int_equal(bh_rslt(h, bh_tur(h, 2, bh_nx(0, 1, 0))), 0);
    assert_int_equal(bh_rslt(h, bh_tur(h, 3, bh_nx(0, 0, 0))), 0);
    assert_int_equal(bh_stats(h).luns, 2);
    assert_int_equal(h->tgt.nopen, 2);
    bh_finish(h);
}

/* Rescans change nothing: no reopen, no state rewritten. */
static void test_rescan_idempotent(void **state)
{
    (void)state;
    struct bh *h = connected(3, VSCSI_BACK_COPY);

    for (int i = 0; i < 3; i++) {
        reconfigure(h);
        bh_fe_state(h, VSCSI_XB_RECONFIGURING); /* said twice */
        reconfigured(h);
        bh_fe_state(h, VSCSI_XB_CONNECTED);
    }
    assert_int_equal(h->tgt.nopen, 3);
    assert_int_equal(h->tgt.nclose, 0);
    for (int i = 0; i < 3; i++) {
        char dev[8];
        snprintf(dev, sizeof(dev), "dev-%d", i);
        assert_int_equal(bh_lun_state(h, dev), VSCSI_XB_CONNECTED);
    }
    bh_finish(h);
}

/* Removal with commands in flight: they complete (data and all), new ones get
 * NO_CONNECT, the target's LUN is closed after the last one. */
static void test_hotplug_remove_in_flight(void **state)
{
    (void)state;
    for (int mode = 0; mode < 2; mode++) {
        struct bh *h = connected(2, (enum vscsi_back_data_mode)mode);
        struct bh_xfer x[2];
        unsigned c[2];

        h->tgt.hold = 1;
        for (unsigned i = 0; i < 2; i++) {
            bh_xfer_prep(h, &x[i], (uint16_t)(1 + i), VSCSI_DIR_FROM_DEVICE, 3, 0, 0, 0);
            c[i] = bh_xfer_send(h, &x[i], bh_nx(0, 1, 0));
        }
        bh_push(h);
        assert_int_equal(bh_tgt_pending(h), 2);

        remove_dev1(h);
        assert_int_equal(bh_lun_state(h, "dev-1"), VSCSI_XB_CLOSED);
        assert_int_equal(bh_lun_state(h, "dev-0"), VSCSI_XB_CONNECTED);
        assert_int_equal(bh_stats(h).luns, 1);
        /* still open: two commands hold it */
        assert_int_equal(h->tgt.luns[1].nclose, 0);
        assert_int_equal(h->sent[c[0]].answers + h->sent[c[1]].answers, 0);

        h->tgt.hold = 0;
        assert_int_equal(bh_rslt(h, bh_tur(h, 3, bh_nx(0, 1, 0))), BH_RSLT_NO_CONNECT);
        /* a TMR for it can no longer name the nexus */
        struct vscsi_request *rq = bh_req(h);
        struct vscsi_nexus nx = bh_nx(0, 1, 0);
        assert_int_equal(vscsi_req_abort(rq, 4, &nx, 1), 0);
        unsigned a = bh_produce(h);
        bh_push(h);
        assert_int_equal(bh_rslt(h, a), BH_RSLT_NO_CONNECT);
        assert_int_equal(bh_rslt(h, bh_tur(h, 5, bh_nx(0, 0, 0))), 0);
        reconfigured(h);

        bh_tgt_complete(h, bh_tcmd_by_rqid(h, 2), 0, 0, NULL, 0, 0);
        assert_int_equal(bh_rslt(h, c[1]), 0);
        bh_xfer_check_read(h, &x[1], x[1].total);
        assert_int_equal(h->tgt.luns[1].nclose, 0);
        bh_tgt_complete(h, bh_tcmd_by_rqid(h, 1), 0, 0x02, NULL, 0, 0);
        assert_int_equal(bh_rslt(h, c[0]), 0x02);
        bh_xfer_check_read(h, &x[0], x[0].total);
        assert_int_equal(h->tgt.luns[1].nclose, 1);
        assert_int_equal(h->tgt.luns[0].nclose, 0);

        /* the toolstack deletes the node; rescans do not bring it back */
        assert_int_equal(bh_ts_rm(h, "vscsi-devs/dev-1"), 0);
        reconfigure(h);
        reconfigured(h);
        assert_int_equal(bh_rslt(h, bh_tur(h, 6, bh_nx(0, 1, 0))), BH_RSLT_NO_CONNECT);
        for (unsigned i = 0; i < 2; i++)
            bh_xfer_free(&x[i]);
        bh_finish(h);
    }
}

/* Removed with a command in flight, then re-added under the same nexus and
 * device: a reset through the new entry resets the device, which answers the
 * command that came through the old entry as well. */
static void test_readd_same_nexus(void **state)
{
    (void)state;
    struct bh *h = connected(2, VSCSI_BACK_MAP);
    struct bh_xfer x;

    unsigned old = held_on_dev1(h, &x, VSCSI_DIR_FROM_DEVICE);
    unsigned old7 = bh_tur(h, 7, bh_nx(0, 1, 0));
    bh_push(h);
    remove_dev1(h);
    reconfigured(h);
    bh_ts_lun(h, "dev-2", "lun1", "0:0:1:0", "1");
    reconfigure(h);
    assert_int_equal(bh_lun_state(h, "dev-2"), VSCSI_XB_INITIALISED);
    reconfigured(h);
    assert_int_equal(bh_lun_state(h, "dev-2"), VSCSI_XB_CONNECTED);
    assert_int_equal(h->tgt.luns[1].nopen, 2);

    /* ABORT names nexus and rqid: both still match the old command */
    struct vscsi_nexus nx1 = bh_nx(0, 1, 0);
    assert_int_equal(vscsi_req_abort(bh_req(h), 8, &nx1, 7), 0);
    unsigned a = bh_produce(h);
    bh_push(h);
    assert_int_equal(bh_rslt(h, old7), BH_RSLT_ABORT);
    assert_int_equal(bh_rslt(h, a), VSCSI_RSLT_RESET_SUCCESS);

    unsigned neu = bh_tur(h, 2, bh_nx(0, 1, 0));
    struct vscsi_request *rq = bh_req(h);
    struct vscsi_nexus nx = bh_nx(0, 1, 0);
    assert_int_equal(vscsi_req_reset(rq, 3, &nx), 0);
    unsigned r = bh_produce(h);
    bh_push(h);
    assert_int_equal(bh_rslt(h, r), VSCSI_RSLT_RESET_SUCCESS);
    assert_int_equal(bh_rslt(h, neu), BH_RSLT_RESET);
    /* The target hands out one object per device, so the reset dropped the
     * old command too: it must be answered, not left hanging. */
    assert_int_equal(bh_tcmd_by_rqid(h, 1)->state, BH_T_RESET);
    assert_int_equal(bh_rslt(h, old), BH_RSLT_RESET);
    assert_true(h->sent[old].order < h->sent[r].order);
    bh_xfer_check_read(h, &x, 0);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 1);
    assert_int_equal(h->tgt.luns[1].nclose, 1); /* the removed entry let go */
    bh_xfer_free(&x);
    bh_finish(h);
}

/* Toolstack values the engine must refuse with LUN state 6. */
static void test_bad_lun_nodes(void **state)
{
    (void)state;
    struct bh *h = connected(1, VSCSI_BACK_COPY);
    char longp[300], longv[64];
    static const struct {
        const char *pdev, *vdev;
    } bad[] = {
        {NULL, "0:0:1:0"},       {"", "0:0:1:0"},
        {"lun1", NULL},          {"lun1", ""},
        {"lun1", "0:0:1"},       {"lun1", "0:0:1:0:0"},
        {"lun1", "a:b:c:d"},     {"lun1", "0:0:70000:0"},
        {"lun1", "0:65536:0:0"}, {"lun1", "0:0:1:-1"},
        {"lun1", "0: 0:1:0"},    {"lun1", "0:0:1:0 "},
        {"lun\x01", "0:0:1:0"},  {"nodev", "0:0:1:0"},
        {"lun1", "0:0:0:0"}, /* dup */
        {"lun1", "0:0:1:0\x7f"},
    };
    unsigned n = sizeof(bad) / sizeof(bad[0]);

    memset(longp, 'p', sizeof(longp) - 1);
    longp[sizeof(longp) - 1] = '\0';
    memset(longv, '1', sizeof(longv) - 1);
    longv[sizeof(longv) - 1] = '\0';
    for (unsigned i = 0; i < n; i++) {
        char dev[16];
        snprintf(dev, sizeof(dev), "dev-%u", 10 + i);
        bh_ts_lun(h, dev, bad[i].pdev, bad[i].vdev, "1");
    }
    bh_ts_lun(h, "dev-40", longp, "0:0:1:0", "1");
    bh_ts_lun(h, "dev-41", "lun1", longv, "1");
    reconfigure(h);
    for (unsigned i = 0; i < n; i++) {
        char dev[16];
        snprintf(dev, sizeof(dev), "dev-%u", 10 + i);
        if (bh_lun_state(h, dev) != VSCSI_XB_CLOSED)
            fail_msg("%s (p-dev %s v-dev %s): state %ld", dev, bad[i].pdev ? bad[i].pdev : "-",
                     bad[i].vdev ? bad[i].vdev : "-", bh_lun_state(h, dev));
    }
    assert_int_equal(bh_lun_state(h, "dev-40"), VSCSI_XB_CLOSED);
    assert_int_equal(bh_lun_state(h, "dev-41"), VSCSI_XB_CLOSED);
    reconfigured(h);
    assert_int_equal(h->tgt.nopen, 1);
    assert_int_equal(bh_stats(h).luns, 1);
    /* the good one is unaffected, the one named by the duplicate too */
    assert_int_equal(bh_rslt(h, bh_tur(h, 1, bh_nx(0, 0, 0))), 0);
    assert_int_equal(bh_rslt(h, bh_tur(h, 2, bh_nx(0, 1, 0))), BH_RSLT_NO_CONNECT);
    /* refused LUNs stay refused on later scans */
    reconfigure(h);
    reconfigured(h);
    assert_int_equal(h->tgt.nopen, 1);
    bh_finish(h);
}

/* Per-LUN state values that are not states, and dev names that are not ours. */
static void test_odd_lun_states_and_names(void **state)
{
    (void)state;
    struct bh *h = connected(1, VSCSI_BACK_COPY);
    char longname[64];

    bh_ts_lun(h, "dev-1", "lun1", "0:0:1:0", "x");
    bh_ts_lun(h, "dev-2", "lun2", "0:0:2:0", "9");
    bh_ts_lun(h, "dev-3", "lun3", "0:0:3:0", "");
    bh_ts_lun(h, "dev-4", "lun4", "0:0:4:0", NULL);
    memset(longname, 'a', sizeof(longname) - 1);
    memcpy(longname, "dev-", 4);
    longname[sizeof(longname) - 1] = '\0';
    bh_ts_lun(h, longname, "lun5", "0:0:5:0", "1");
    reconfigure(h);
    reconfigured(h);
    char buf[16];
    assert_string_equal(bh_back_read(h, "vscsi-devs/dev-1/state", buf, sizeof(buf)), "x");
    assert_string_equal(bh_back_read(h, "vscsi-devs/dev-2/state", buf, sizeof(buf)), "9");
    assert_string_equal(bh_back_read(h, "vscsi-devs/dev-3/state", buf, sizeof(buf)), "");
    assert_null(bh_back_read(h, "vscsi-devs/dev-4/state", buf, sizeof(buf)));
    assert_int_equal(bh_lun_state(h, longname), VSCSI_XB_INITIALISING);
    assert_int_equal(h->tgt.nopen, 1);
    for (uint16_t t = 1; t <= 5; t++)
        assert_int_equal(bh_rslt(h, bh_tur(h, t, bh_nx(0, t, 0))), BH_RSLT_NO_CONNECT);
    bh_finish(h);
}

/* After a migration the LUNs are already 4 when the frontend connects: they
 * are re-added quietly (3, then 4), and never refused with 6. */
static void test_luns_already_connected(void **state)
{
    (void)state;
    struct bh_opts o = {.nluns = 0};
    struct bh *h = bh_new(&o);

    bh_ts_lun(h, "dev-0", "lun0", "0:0:0:0", "4");
    bh_ts_lun(h, "dev-1", "nodev-1", "0:0:1:0", "4");
    bh_ts_lun(h, "dev-2", "lun2", "0:0:0:0", "4"); /* duplicate */
    bh_offer_ring(h);
    bh_fe_state(h, VSCSI_XB_INITIALISED);
    assert_int_equal(bh_lun_state(h, "dev-0"), VSCSI_XB_INITIALISED);
    assert_int_equal(bh_lun_state(h, "dev-1"), VSCSI_XB_CONNECTED);
    assert_int_equal(bh_lun_state(h, "dev-2"), VSCSI_XB_CONNECTED);
    bh_fe_state(h, VSCSI_XB_CONNECTED);
    assert_int_equal(bh_lun_state(h, "dev-0"), VSCSI_XB_CONNECTED);
    assert_int_equal(bh_rslt(h, bh_tur(h, 1, bh_nx(0, 0, 0))), 0);
    assert_int_equal(bh_rslt(h, bh_tur(h, 2, bh_nx(0, 1, 0))), BH_RSLT_NO_CONNECT);
    assert_int_equal(h->tgt.nopen, 1);
    bh_finish(h);
}

/* Reconfiguring before the ring exists: nothing to scan for yet. */
static void test_reconfigure_before_connect(void **state)
{
    (void)state;
    struct bh_opts o = {.nluns = 1};
    struct bh *h = bh_new(&o);

    assert_int_equal(vscsi_back_start(h->b), 0);
    bh_pump(h);
    bh_fe_state(h, VSCSI_XB_RECONFIGURING);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_INIT_WAIT);
    assert_int_equal(bh_lun_state(h, "dev-0"), VSCSI_XB_INITIALISING);
    bh_fe_state(h, VSCSI_XB_RECONFIGURED);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_INIT_WAIT);
    bh_fe_ring(h);
    bh_fe_state(h, VSCSI_XB_INITIALISED);
    bh_fe_state(h, VSCSI_XB_CONNECTED);
    assert_int_equal(bh_lun_state(h, "dev-0"), VSCSI_XB_CONNECTED);
    bh_assert_served(h);
    bh_finish(h);
}

/* More children than a vhost may have: every one gets an answer (3 or 6),
 * none is silently left in state 1 for the toolstack to wait on. */
static void test_too_many_luns(void **state)
{
    (void)state;
    struct bh_opts o = {.nluns = 0};
    struct bh *h = bh_new(&o);
    unsigned n = 260;

    for (unsigned i = 0; i < n; i++) {
        char dev[16], pdev[16], vdev[32];
        snprintf(dev, sizeof(dev), "dev-%u", i);
        snprintf(pdev, sizeof(pdev), "lun%u", i);
        snprintf(vdev, sizeof(vdev), "0:0:%u:0", i);
        bh_ts_lun(h, dev, pdev, vdev, "1");
    }
    bh_connect(h);
    unsigned up = 0, refused = 0;
    for (unsigned i = 0; i < n; i++) {
        char dev[16];
        snprintf(dev, sizeof(dev), "dev-%u", i);
        long s = bh_lun_state(h, dev);
        if (s == VSCSI_XB_CONNECTED)
            up++;
        else if (s == VSCSI_XB_CLOSED)
            refused++;
        else
            fail_msg("%s left in state %ld", dev, s);
    }
    assert_int_equal(up, 256);
    assert_int_equal(refused, n - 256);
    assert_int_equal(bh_stats(h).luns, 256);
    /* a removal frees a slot for a new LUN */
    assert_int_equal(bh_ts_write(h, "vscsi-devs/dev-3/state", "5"), 0);
    bh_ts_lun(h, "dev-999", "lun999", "0:1:0:0", "1");
    reconfigure(h);
    reconfigured(h);
    assert_int_equal(bh_lun_state(h, "dev-999"), VSCSI_XB_CONNECTED);
    assert_int_equal(bh_rslt(h, bh_tur(h, 1, bh_nx(1, 0, 0))), 0);
    bh_finish(h);
}

/* A frontend that closes while a removed LUN still has a command. */
static void test_removed_lun_then_close(void **state)
{
    (void)state;
    struct bh *h = connected(2, VSCSI_BACK_MAP);
    struct bh_xfer x;

    unsigned c = held_on_dev1(h, &x, VSCSI_DIR_TO_DEVICE);
    bh_push(h);
    remove_dev1(h);
    bh_fe_state(h, VSCSI_XB_CLOSING);
    assert_int_equal(bh_rslt(h, c), BH_RSLT_RESET);
    assert_int_equal(h->tgt.luns[1].nclose, 1);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSING);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
    bh_xfer_free(&x);
    bh_finish(h);
}

/* A vhost created without any LUN (no vscsi-devs at all): it connects, knows
 * no nexus, and takes its first LUN by hotplug. */
static void test_empty_vhost_then_hotplug(void **state)
{
    (void)state;
    struct bh_opts o = {.nluns = 0};
    struct bh *h = bh_new(&o);
    char buf[16];

    bh_connect(h);
    assert_null(bh_back_read(h, "vscsi-devs", buf, sizeof(buf)));
    assert_int_equal(bh_stats(h).luns, 0);
    assert_int_equal(bh_rslt(h, bh_tur(h, 1, bh_nx(0, 0, 0))), BH_RSLT_NO_CONNECT);
    bh_ts_lun(h, "dev-0", "lun0", "0:0:0:0", "1");
    reconfigure(h);
    reconfigured(h);
    assert_int_equal(bh_lun_state(h, "dev-0"), VSCSI_XB_CONNECTED);
    bh_assert_served(h);
    bh_finish(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initial_scan),
        cmocka_unit_test(test_hotplug_add),
        cmocka_unit_test(test_rescan_idempotent),
        cmocka_unit_test(test_hotplug_remove_in_flight),
        cmocka_unit_test(test_readd_same_nexus),
        cmocka_unit_test(test_bad_lun_nodes),
        cmocka_unit_test(test_odd_lun_states_and_names),
        cmocka_unit_test(test_luns_already_connected),
        cmocka_unit_test(test_reconfigure_before_connect),
        cmocka_unit_test(test_too_many_luns),
        cmocka_unit_test(test_removed_lun_then_close),
        cmocka_unit_test(test_empty_vhost_then_hotplug),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
