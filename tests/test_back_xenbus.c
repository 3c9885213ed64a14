/* SPDX-License-Identifier: MIT */
/* Backend engine: the XenStore handshake, and hostile values in the store. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "back_harness.h"

static void test_config_checked(void **state)
{
    (void)state;
    struct bh *h = bh_new(NULL);
    struct vscsi_back *b = NULL;
    struct vscsi_back_config cfg = bh_config(h);
    struct vscsi_back_config c;

    c = cfg;
    c.size = VSCSI_BACK_CONFIG_SIZE_V1 - 1; /* older than the first release */
    assert_int_equal(vscsi_back_new(&c, &b), -EINVAL);
    c = cfg;
    c.max_segs = 25; /* below the direct limit: no frontend could use it */
    assert_int_equal(vscsi_back_new(&c, &b), -EINVAL);
    c = cfg;
    c.max_segs = VSCSI_MAX_INDIRECT_SEGS + 1;
    assert_int_equal(vscsi_back_new(&c, &b), -EINVAL);
    c = cfg;
    c.dev_path = NULL;
    assert_int_equal(vscsi_back_new(&c, &b), -EINVAL);
    c = cfg;
    c.target = NULL;
    assert_int_equal(vscsi_back_new(&c, &b), -EINVAL);
    assert_int_equal(vscsi_back_new(NULL, &b), -EINVAL);

    /* Copy mode without a copy op cannot work. */
    struct vscsi_platform_ops nocopy = h->ops0;
    nocopy.copy_grants = NULL;
    c = cfg;
    c.ops = &nocopy;
    c.data_mode = VSCSI_BACK_COPY;
    assert_int_equal(vscsi_back_new(&c, &b), -EINVAL);
    c.data_mode = VSCSI_BACK_MAP;
    assert_int_equal(vscsi_back_new(&c, &b), 0);
    vscsi_back_destroy(b);

    c = cfg;
    c.max_segs = VSCSI_MAX_INDIRECT_SEGS;
    assert_int_equal(vscsi_back_new(&c, &b), 0);
    vscsi_back_destroy(b);
    bh_finish(h);
}

static void test_handshake(void **state)
{
    (void)state;
    struct bh_opts o = {.max_segs = 128, .nluns = 2};
    struct bh *h = bh_new(&o);
    char buf[64];

    assert_int_equal(vscsi_back_state(h->b), VSCSI_XB_INITIALISING);
    assert_int_equal(vscsi_back_start(h->b), 0);
    bh_pump(h);
    assert_string_equal(bh_back_read(h, "feature-sg-grant", buf, sizeof(buf)), "128");
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_INIT_WAIT);
    assert_int_equal(vscsi_back_port(h->b), 0);

    /* Front still Initialising: nothing happens, however often it says so. */
    bh_fe_state(h, VSCSI_XB_INITIALISING);
    bh_fe_state(h, VSCSI_XB_INITIALISING);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_INIT_WAIT);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);

    bh_fe_ring(h);
    bh_fe_state(h, VSCSI_XB_INITIALISED);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CONNECTED);
    assert_int_equal(vscsi_back_state(h->b), VSCSI_XB_CONNECTED);
    assert_int_equal(bh_lun_state(h, "dev-0"), VSCSI_XB_INITIALISED);
    assert_int_equal(bh_lun_state(h, "dev-1"), VSCSI_XB_INITIALISED);
    assert_int_equal(h->tgt.nopen, 2);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 1); /* the ring */
    assert_int_not_equal(vscsi_back_port(h->b), 0);
    assert_int_equal(vscsi_back_error(h->b), 0);
    assert_null(bh_back_read(h, "error", buf, sizeof(buf)));

    bh_fe_state(h, VSCSI_XB_CONNECTED);
    assert_int_equal(bh_lun_state(h, "dev-0"), VSCSI_XB_CONNECTED);
    assert_int_equal(bh_lun_state(h, "dev-1"), VSCSI_XB_CONNECTED);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CONNECTED);
    struct vscsi_back_stats st = bh_stats(h);
    assert_int_equal(st.luns, 2);

    /* Both LUNs answer; the backend's event channel works both ways. */
    unsigned a = bh_tur(h, 1, bh_nx(0, 0, 0));
    unsigned b = bh_tur(h, 2, bh_nx(0, 1, 0));
    assert_int_equal(bh_rslt(h, a), 0);
    assert_int_equal(bh_rslt(h, b), 0);
    assert_true(h->front_events > 0);
    assert_int_equal(h->tgt.cmds[1].lun, &h->tgt.luns[1]);
    bh_finish(h);
}

static void test_no_indirect_not_advertised(void **state)
{
    (void)state;
    struct bh_opts o = {.max_segs = 0, .nluns = 1};
    struct bh *h = bh_new(&o);
    char buf[64];

    bh_connect(h);
    assert_null(bh_back_read(h, "feature-sg-grant", buf, sizeof(buf)));
    bh_assert_served(h);
    bh_finish(h);
}

/* A frontend may go straight to Connected; Linux back connects on that too. */
static void test_front_straight_to_connected(void **state)
{
    (void)state;
    struct bh_opts o = {.nluns = 1};
    struct bh *h = bh_new(&o);

    bh_offer_ring(h);
    bh_fe_state(h, VSCSI_XB_CONNECTED);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CONNECTED);
    assert_int_equal(bh_lun_state(h, "dev-0"), VSCSI_XB_CONNECTED);
    bh_assert_served(h);
    bh_finish(h);
}

/* The frontend was faster: already Initialised when the backend starts. */
static void test_front_ready_before_start(void **state)
{
    (void)state;
    struct bh_opts o = {.nluns = 1};
    struct bh *h = bh_new(&o);

    bh_fe_ring(h);
    bh_fe_state(h, VSCSI_XB_INITIALISED);
    assert_int_equal(vscsi_back_start(h->b), 0);
    bh_pump(h);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CONNECTED);
    bh_fe_state(h, VSCSI_XB_CONNECTED);
    bh_assert_served(h);
    bh_finish(h);
}

/* Watches of someone else (other token) are none of the engine's business. */
static void test_foreign_watch_ignored(void **state)
{
    (void)state;
    struct bh_opts o = {.nluns = 1};
    struct bh *h = bh_new(&o);

    bh_connect(h);
    assert_int_equal(bh_fe_write(h, "state", "6"), 0);
    char p[256];
    snprintf(p, sizeof(p), "%s/state", h->fpath);
    assert_int_equal(vscsi_back_handle_watch(h->b, p, "not-ours"), 0);
    assert_int_equal(vscsi_back_handle_watch(h->b, p, NULL), 0);
    assert_int_equal(vscsi_back_state(h->b), VSCSI_XB_CONNECTED);
    assert_int_not_equal(vscsi_back_port(h->b), 0);
    assert_int_equal(bh_fe_write(h, "state", "4"), 0);
    bh_pump(h);
    bh_assert_served(h);
    bh_finish(h);
}

/* ------------------------------------------------- toolstack values (start) */

static void start_fails_with(const char *rel, const char *val)
{
    struct bh_opts o = {.nluns = 1};
    struct bh *h = bh_new(&o);
    char buf[256];

    if (val)
        assert_int_equal(bh_ts_write(h, rel, val), 0);
    else
        assert_int_equal(bh_ts_rm(h, rel), 0);
    assert_true(vscsi_back_start(h->b) < 0);
    assert_true(vscsi_back_error(h->b) < 0);
    assert_non_null(bh_back_read(h, "error", buf, sizeof(buf)));
    /* Neither InitWait nor anything else: the vhost never comes up. */
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_INITIALISING);
    /* A frontend trying anyway gets nowhere. */
    bh_fe_ring(h);
    bh_fe_state(h, VSCSI_XB_INITIALISED);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
    assert_int_equal(vscsi_back_port(h->b), 0);
    assert_int_equal(h->tgt.nopen, 0);
    bh_finish(h);
}

static void test_frontend_id_hostile(void **state)
{
    (void)state;
    static const char *const bad[] = {"abc", "-1", "70000", "",      "5 ",
                                      " 5",  "05", "0x5",   "32752", "99999999999999999999"};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        start_fails_with("frontend-id", bad[i]);
    start_fails_with("frontend-id", NULL);
}

static void test_frontend_path_hostile(void **state)
{
    (void)state;
    /* Another domain's device, or an escape from our frontend's directory. */
    start_fails_with("frontend", "/local/domain/6/device/vscsi/0");
    start_fails_with("frontend", "/local/domain/55/device/vscsi/0");
    start_fails_with("frontend", "/local/domain/5/device/vscsi/0/../../../../6/device/vscsi/0");
    start_fails_with("frontend", "/local/domain/5/device/vbd/0");
    start_fails_with("frontend", "/local/domain/0/backend/vscsi/5/0");
    start_fails_with("frontend", "");
    start_fails_with("frontend", "local/domain/5/device/vscsi/0");
    start_fails_with("frontend", "/local/domain/5/device/vscsi/0\x01");
    start_fails_with("frontend", NULL);
}

/* -------------------------------------------------- frontend ring values */

static const char KEEP[] = "keep"; /* leave what bh_fe_ring() wrote */

static void fe_set(struct bh *h, const char *rel, const char *val)
{
    if (val == KEEP)
        return;
    if (val)
        assert_int_equal(bh_fe_write(h, rel, val), 0);
    else
        assert_int_equal(bh_fe_rm(h, rel), 0);
}

static void connect_fails_with(const char *ring_ref, const char *evtchn)
{
    struct bh_opts o = {.nluns = 1};
    struct bh *h = bh_new(&o);
    char buf[256];

    bh_offer_ring(h);
    fe_set(h, "ring-ref", ring_ref);
    fe_set(h, "event-channel", evtchn);
    bh_fe_state(h, VSCSI_XB_INITIALISED);
    /* Clean refusal: why in the store, Closing, nothing held. */
    assert_true(vscsi_back_error(h->b) < 0);
    assert_non_null(bh_back_read(h, "error", buf, sizeof(buf)));
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSING);
    assert_int_equal(vscsi_back_state(h->b), VSCSI_XB_CLOSING);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
    assert_int_equal(vscsi_back_port(h->b), 0);
    assert_int_equal(vscsi_sim_grants_in_use(h->hv, h->o.fdom), 0);
    /* Saying Connected does not bring it up either. */
    bh_fe_state(h, VSCSI_XB_CONNECTED);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
    assert_int_equal(vscsi_back_port(h->b), 0);
    /* Events on a port that was never bound reach nobody. */
    bh_kick(h);
    assert_int_equal(h->event_calls, 0);
    /* The frontend gives up; with online 1 the handle stays for a retry. */
    bh_fe_state(h, VSCSI_XB_CLOSING);
    bh_fe_state(h, VSCSI_XB_CLOSED);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSED);
    assert_int_equal(vscsi_back_gone(h->b), 0);
    bh_finish(h);
}

static void test_ring_ref_hostile(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "1 2",       "",   "abc", "-1", "4294967296", "99999999999999999999999",
        "08",        "+9", "9\n", " 9", "7", /* reserved ref */
        "3000",                              /* never granted */
        "4294967295"};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        connect_fails_with(bad[i], KEEP);
    connect_fails_with(NULL, KEEP);
    /* A huge value: longer than any number the engine reads. */
    char huge[3000];
    memset(huge, '9', sizeof(huge) - 1);
    huge[sizeof(huge) - 1] = '\0';
    connect_fails_with(huge, KEEP);
}

/* The frontend offers a real resource of its own that this backend may not
 * use, as node; the backend must refuse it. */
static void offer_not_ours(struct bh *h, const char *node, uint32_t val)
{
    char v[16];

    bh_offer_ring(h);
    snprintf(v, sizeof(v), "%u", val);
    assert_int_equal(bh_fe_write(h, node, v), 0);
    bh_fe_state(h, VSCSI_XB_INITIALISED);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSING);
}

/* A real grant, but not one this backend may map. */
static void test_ring_ref_not_ours(void **state)
{
    (void)state;
    struct bh_opts o = {.nluns = 1};
    struct bh *h = bh_new(&o);
    struct vscsi_sim_dom *d7 = vscsi_sim_dom_create(h->hv, 7, 16);
    uint32_t ref7, ref_ro;
    void *pg;
    char buf[128];

    assert_non_null(d7);
    /* granted by the frontend to another domain */
    assert_int_equal(h->sim->grant_page(h->fd, 7, 0, &ref7, &pg), 0);
    offer_not_ours(h, "ring-ref", ref7);
    assert_non_null(bh_back_read(h, "error", buf, sizeof(buf)));
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
    assert_int_equal(h->sim->ungrant_page(h->fd, ref7, pg), 0);
    bh_finish(h);

    /* granted read-only: the ring must be writable */
    h = bh_new(&o);
    bh_page(h, 1, &ref_ro);
    offer_not_ours(h, "ring-ref", ref_ro);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
    bh_finish(h);
}

static void test_event_channel_hostile(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "0", "5000", "4095", "4096", "-1", "1 2", "", "x", "4294967296", "99999999999999999999999"};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        connect_fails_with(KEEP, bad[i]);
    connect_fails_with(KEEP, NULL);
}

/* A port of the frontend's, but bound for another domain, or already bound. */
static void test_event_channel_not_ours(void **state)
{
    (void)state;
    struct bh_opts o = {.nluns = 1};
    struct bh *h = bh_new(&o);
    uint32_t p7;

    assert_non_null(vscsi_sim_dom_create(h->hv, 7, 16));
    assert_int_equal(h->sim->evtchn_alloc_unbound(h->fd, 7, &p7), 0);
    offer_not_ours(h, "event-channel", p7);
    /* the ring was mapped before the bind failed: it must be gone again */
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
    assert_true(h->map_calls >= 1);
    bh_finish(h);
}

/* Grant mapping of the ring fails in the hypervisor. */
static void test_ring_map_fails(void **state)
{
    (void)state;
    struct bh_opts o = {.nluns = 1};
    struct bh *h = bh_new(&o);

    bh_offer_ring(h);
    assert_int_equal(vscsi_sim_fault(h->hv, 0, VSCSI_SIM_FAULT_MAP, 1, 1), 0);
    bh_fe_state(h, VSCSI_XB_INITIALISED);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSING);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
    bh_finish(h);
}

/* ------------------------------------------------------- frontend state */

static void front_state_hostile(const char *val, int connected, int inflight)
{
    struct bh_opts o = {.nluns = 1, .mode = VSCSI_BACK_MAP, .online = "0"};
    struct bh *h = bh_new(&o);
    struct bh_xfer x;
    char buf[128];

    if (connected) {
        bh_connect(h);
        if (inflight) {
            h->tgt.hold = 1;
            bh_xfer_prep(h, &x, 9, VSCSI_DIR_FROM_DEVICE, 3, 0, 0, 0);
            bh_xfer_send(h, &x, bh_nx(0, 0, 0));
            bh_push(h);
            assert_int_equal(bh_tgt_pending(h), 1);
            assert_int_equal(vscsi_sim_mappings(h->hv, 0), 4);
        }
    } else {
        assert_int_equal(vscsi_back_start(h->b), 0);
        bh_pump(h);
    }
    if (val)
        assert_int_equal(bh_fe_write(h, "state", val), 0);
    else
        assert_int_equal(bh_fe_rm(h, "state"), 0);
    bh_pump(h);
    /* Whatever it was: no crash, nothing left held, vhost down. */
    if (val || connected) {
        assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSED);
        assert_int_equal(vscsi_back_gone(h->b), 1);
    } else {
        /* No state yet: a frontend still being built; nothing to do. */
        assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_INIT_WAIT);
    }
    if (val)
        assert_non_null(bh_back_read(h, "error", buf, sizeof(buf)));
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
    assert_int_equal(vscsi_back_port(h->b), 0);
    if (connected && inflight) {
        /* answered before the ring went, by taking it from the target */
        assert_int_equal(bh_rslt(h, 0), BH_RSLT_RESET);
        assert_int_equal(bh_tgt_pending(h), 0);
        assert_int_equal(h->tgt.nabort, 1);
        bh_xfer_free(&x);
    }
    bh_finish(h);
}

static void test_front_state_hostile(void **state)
{
    (void)state;
    static const char *const bad[] = {"9", "x", "", "-1", "4 ", "04", "99999999999999999999"};
    for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        front_state_hostile(bad[i], 0, 0);
        front_state_hostile(bad[i], 1, 0);
        front_state_hostile(bad[i], 1, 1);
    }
    front_state_hostile(NULL, 0, 0);
    front_state_hostile(NULL, 1, 0);
    front_state_hostile(NULL, 1, 1);
}

/* The frontend's whole directory disappears (toolstack cleaning up a crash). */
static void test_front_dir_removed(void **state)
{
    (void)state;
    struct bh_opts o = {.nluns = 1};
    struct bh *h = bh_new(&o);
    char p[256];

    bh_connect(h);
    h->tgt.hold = 1;
    unsigned r = bh_tur(h, 3, bh_nx(0, 0, 0));
    snprintf(p, sizeof(p), "%s", h->fpath);
    assert_int_equal(h->sim->xs_rm(h->d0, 0, p), 0);
    bh_pump(h);
    assert_int_equal(vscsi_back_gone(h->b), 1);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSED);
    assert_int_equal(bh_rslt(h, r), BH_RSLT_RESET);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
    bh_finish(h);
}

/* ---------------------------------------------------- close and reconnect */

static void test_close_online_gone(void **state)
{
    (void)state;
    static const char *const online[] = {"1", "0", "", "yes", "11"};
    for (unsigned i = 0; i < sizeof(online) / sizeof(online[0]); i++) {
        struct bh_opts o = {.nluns = 1, .online = online[i]};
        struct bh *h = bh_new(&o);
        bh_connect(h);
        bh_fe_state(h, VSCSI_XB_CLOSING);
        assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSING);
        assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
        assert_int_equal(vscsi_back_gone(h->b), 0);
        bh_fe_state(h, VSCSI_XB_CLOSED);
        assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSED);
        assert_int_equal(vscsi_back_gone(h->b), i == 0 ? 0 : 1);
        bh_finish(h);
    }
    /* online removed by the toolstack while connected */
    struct bh_opts o = {.nluns = 1};
    struct bh *h = bh_new(&o);
    bh_connect(h);
    assert_int_equal(bh_ts_rm(h, "online"), 0);
    bh_fe_state(h, VSCSI_XB_CLOSED);
    assert_int_equal(vscsi_back_gone(h->b), 1);
    /* gone: later frontend activity is ignored */
    bh_fe_ring(h);
    bh_fe_state(h, VSCSI_XB_INITIALISED);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSED);
    bh_finish(h);
}

/* online = 1: after Closed the frontend may come back with a new ring. */
static void test_reconnect_after_close(void **state)
{
    (void)state;
    struct bh_opts o = {.nluns = 1, .max_segs = 64};
    struct bh *h = bh_new(&o);

    bh_connect(h);
    bh_assert_served(h);
    bh_fe_state(h, VSCSI_XB_CLOSING);
    bh_fe_state(h, VSCSI_XB_CLOSED);
    bh_fe_state(h, VSCSI_XB_INITIALISING);
    assert_int_equal(vscsi_back_gone(h->b), 0);
    bh_fe_ring(h);
    bh_fe_state(h, VSCSI_XB_INITIALISED);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CONNECTED);
    bh_fe_state(h, VSCSI_XB_CONNECTED);
    assert_int_equal(bh_lun_state(h, "dev-0"), VSCSI_XB_CONNECTED);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 1);
    bh_assert_served(h);
    assert_int_equal(h->tgt.nopen, 1); /* the LUN stayed open across */
    bh_finish(h);
}

/* Resume: Initialised again while connected, with a new ring; what was in
 * flight on the old ring is answered there, the new ring serves. */
static void test_resume_new_ring(void **state)
{
    (void)state;
    struct bh_opts o = {.nluns = 1, .mode = VSCSI_BACK_MAP};
    struct bh *h = bh_new(&o);
    struct bh_xfer x;
    uint32_t new_ref, new_port, old_ref;
    struct vscsi_sring *old;
    char v[16];

    bh_connect(h);
    h->tgt.hold = 1;
    bh_xfer_prep(h, &x, 4, VSCSI_DIR_FROM_DEVICE, 2, 0, 0, 0);
    unsigned r = bh_xfer_send(h, &x, bh_nx(0, 0, 0));
    bh_push(h);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 3);

    struct vscsi_sring *ns = (struct vscsi_sring *)bh_page(h, 0, &new_ref);
    vscsi_sring_init(ns);
    assert_int_equal(h->sim->evtchn_alloc_unbound(h->fd, 0, &new_port), 0);
    snprintf(v, sizeof(v), "%u", new_ref);
    assert_int_equal(bh_fe_write(h, "ring-ref", v), 0);
    snprintf(v, sizeof(v), "%u", new_port);
    assert_int_equal(bh_fe_write(h, "event-channel", v), 0);
    bh_fe_state(h, VSCSI_XB_INITIALISED); /* still looking at the old ring */
    assert_int_equal(bh_rslt(h, r), BH_RSLT_RESET);
    assert_int_equal(bh_tgt_pending(h), 0);

    old = h->sring;
    old_ref = h->ring_ref;
    h->sring = ns;
    h->ring_ref = new_ref;
    h->fport = new_port;
    h->req_prod_pvt = h->rsp_cons = h->checked = 0;
    /* exactly one mapping: the new ring; the old one is revocable */
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 1);
    uint16_t flags;
    assert_int_equal(vscsi_sim_grant_entry(h->hv, h->o.fdom, old_ref, &flags, NULL, NULL), 0);
    assert_int_equal(flags & (VSCSI_SIM_GTF_reading | VSCSI_SIM_GTF_writing), 0);
    (void)old;
    bh_fe_state(h, VSCSI_XB_CONNECTED);
    bh_assert_served(h);
    bh_xfer_free(&x);
    bh_finish(h);
}

/* Unknown (0) from the frontend: the device is gone whatever `online` says. */
static void test_front_unknown(void **state)
{
    (void)state;
    struct bh_opts o = {.nluns = 1};
    struct bh *h = bh_new(&o);

    bh_connect(h);
    h->tgt.hold = 1;
    unsigned r = bh_tur(h, 1, bh_nx(0, 0, 0));
    bh_fe_state(h, VSCSI_XB_UNKNOWN);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSED);
    assert_int_equal(vscsi_back_gone(h->b), 1);
    assert_int_equal(bh_rslt(h, r), BH_RSLT_RESET);
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
    bh_finish(h);
}

/* The frontend says Initialised again on the same ring (or the watch just
 * fires again): no request may run twice, nothing is lost. */
static void test_initialised_again_same_ring(void **state)
{
    (void)state;
    struct bh_opts o = {.nluns = 1};
    struct bh *h = bh_new(&o);

    bh_connect(h);
    for (uint16_t i = 0; i < 5; i++)
        assert_int_equal(bh_rslt(h, bh_tur(h, i, bh_nx(0, 0, 0))), 0);
    assert_int_equal(h->tgt.ncmds, 5);
    bh_fe_state(h, VSCSI_XB_INITIALISED);
    bh_fe_state(h, VSCSI_XB_INITIALISED);
    bh_fe_state(h, VSCSI_XB_CONNECTED);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CONNECTED);
    bh_kick(h);
    assert_int_equal(h->tgt.ncmds, 5);
    assert_int_equal(bh_rslt(h, bh_tur(h, 9, bh_nx(0, 0, 0))), 0);
    assert_int_equal(h->tgt.ncmds, 6);
    assert_int_equal(h->tgt.cmds[5].rqid, 9);
    bh_finish(h);
}

/* A backend restarted under a live frontend (new handle, same nodes) picks
 * the ring up where the responses stand. */
static void test_backend_restart_live_ring(void **state)
{
    (void)state;
    struct bh_opts o = {.nluns = 1, .max_segs = 64};
    struct bh *h = bh_new(&o);

    bh_connect(h);
    for (uint16_t i = 0; i < 21; i++)
        assert_int_equal(bh_rslt(h, bh_tur(h, i, bh_nx(0, 0, 0))), 0);
    vscsi_back_destroy(h->b);
    h->b = NULL;
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
    struct vscsi_back_config cfg = bh_config(h);
    assert_int_equal(vscsi_back_new(&cfg, &h->b), 0);
    assert_int_equal(vscsi_back_start(h->b), 0);
    bh_pump(h);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CONNECTED);
    unsigned n = h->tgt.ncmds;
    assert_int_equal(bh_rslt(h, bh_tur(h, 100, bh_nx(0, 0, 0))), 0);
    assert_int_equal(h->tgt.ncmds, n + 1);
    assert_int_equal(h->tgt.cmds[n].rqid, 100);
    bh_finish(h);
}

/* Watches fire on every write, also of an unchanged value: a frontend that
 * rewrites its state must not lose the commands it has in flight. */
static void test_same_state_rewritten(void **state)
{
    (void)state;
    struct bh_opts o = {.nluns = 1, .mode = VSCSI_BACK_MAP};
    struct bh *h = bh_new(&o);
    struct bh_xfer x;

    bh_offer_ring(h);
    bh_fe_state(h, VSCSI_XB_INITIALISED);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CONNECTED);
    h->tgt.hold = 1;
    bh_xfer_prep(h, &x, 1, VSCSI_DIR_FROM_DEVICE, 2, 0, 0, 0);
    unsigned r = bh_xfer_send(h, &x, bh_nx(0, 0, 0));
    bh_push(h);
    unsigned maps = h->map_calls;
    bh_fe_state(h, VSCSI_XB_INITIALISED);
    bh_fe_state(h, VSCSI_XB_INITIALISED);
    assert_int_equal(h->sent[r].answers, 0);
    assert_int_equal(bh_tgt_pending(h), 1);
    assert_int_equal(h->map_calls, maps); /* the ring was not mapped again */
    bh_fe_state(h, VSCSI_XB_CONNECTED);
    bh_fe_state(h, VSCSI_XB_CONNECTED);
    assert_int_equal(h->sent[r].answers, 0);
    bh_tgt_complete(h, bh_tcmd_by_rqid(h, 1), 0, 0, NULL, 0, 0);
    assert_int_equal(bh_rslt(h, r), 0);
    bh_xfer_check_read(h, &x, x.total);
    bh_xfer_free(&x);
    bh_finish(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_checked),
        cmocka_unit_test(test_handshake),
        cmocka_unit_test(test_no_indirect_not_advertised),
        cmocka_unit_test(test_front_straight_to_connected),
        cmocka_unit_test(test_front_ready_before_start),
        cmocka_unit_test(test_foreign_watch_ignored),
        cmocka_unit_test(test_frontend_id_hostile),
        cmocka_unit_test(test_frontend_path_hostile),
        cmocka_unit_test(test_ring_ref_hostile),
        cmocka_unit_test(test_ring_ref_not_ours),
        cmocka_unit_test(test_event_channel_hostile),
        cmocka_unit_test(test_event_channel_not_ours),
        cmocka_unit_test(test_ring_map_fails),
        cmocka_unit_test(test_front_state_hostile),
        cmocka_unit_test(test_front_dir_removed),
        cmocka_unit_test(test_close_online_gone),
        cmocka_unit_test(test_reconnect_after_close),
        cmocka_unit_test(test_resume_new_ring),
        cmocka_unit_test(test_front_unknown),
        cmocka_unit_test(test_initialised_again_same_ring),
        cmocka_unit_test(test_backend_restart_live_ring),
        cmocka_unit_test(test_same_state_rewritten),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
