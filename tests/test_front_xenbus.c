/* SPDX-License-Identifier: MIT */
/* Frontend XenStore side: handshake, feature negotiation, LUN hotplug, close,
 * and hostile store contents. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vscsiif/xenbus.h>

#include "test_front_harness.h"

static void test_handshake(void **state)
{
    struct fh h;
    char path[256], buf[64];
    struct vscsi_front_stats st;

    (void)state;
    fh_setup(&h, "128", 2);
    fh_front(&h, 0, 0, 0);
    /* Initialised with both nodes written, nothing connected yet. */
    assert_int_equal(fh_fe_node(&h, "state"), VSCSI_XB_INITIALISED);
    assert_true(fh_fe_node(&h, "ring-ref") >= VSCSI_SIM_GNT_RESERVED);
    assert_int_equal(fh_fe_node(&h, "event-channel"), (long)vscsi_front_port(h.f));
    snprintf(path, sizeof(path), "%s/protocol", h.fe);
    assert_true(fh_read(&h, path, buf, sizeof(buf)) > 0);
    assert_true(strcmp(buf, "x86_64-abi") == 0 || strcmp(buf, "x86_32-abi") == 0 ||
                strcmp(buf, "arm-abi") == 0);
    assert_int_equal(vscsi_front_max_segs(h.f), 0);
    assert_int_equal(h.nlunev, 0);
    /* Ring page granted read-write to the backend, and only that. */
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1);

    fh_be_connect(&h);
    assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_CONNECTED);
    assert_int_equal(fh_fe_node(&h, "state"), VSCSI_XB_CONNECTED);
    assert_int_equal(vscsi_front_max_segs(h.f), 128);
    assert_int_equal(vscsi_front_error(h.f), 0);
    assert_int_equal(h.nlunev, 2);
    for (unsigned i = 0; i < 2; i++) {
        const struct fh_lunev *e = NULL;
        char name[16];

        snprintf(name, sizeof(name), "dev-%u", i + 1);
        for (unsigned j = 0; j < h.nlunev; j++)
            if (strcmp(h.lunev[j].name, name) == 0)
                e = &h.lunev[j];
        assert_non_null(e);
        assert_int_equal(e->added, 1);
        assert_int_equal(e->host, 0);
        assert_int_equal(e->nx.channel, 0);
        assert_int_equal(e->nx.id, i);
        assert_int_equal(e->nx.lun, 0);
        snprintf(path, sizeof(path), "vscsi-devs/%s/state", name);
        assert_int_equal(fh_fe_node(&h, path), VSCSI_XB_CONNECTED);
    }
    /* A repeated watch event changes nothing. */
    fh_be_state(&h, VSCSI_XB_CONNECTED);
    fh_pump(&h);
    assert_int_equal(h.nlunev, 2);
    vscsi_front_stats(h.f, &st);
    assert_int_equal(st.anomalies, 0);
    fh_teardown(&h);
}

static void test_start_txn_retry(void **state)
{
    struct fh h;

    (void)state;
    fh_setup(&h, "128", 1);
    /* Three conflicting commits, then one that goes through. */
    assert_int_equal(vscsi_sim_fault(h.hv, FH_FDOM, VSCSI_SIM_FAULT_XS_CONFLICT, 1, 3), 0);
    fh_front(&h, 0, 0, 0);
    assert_true(fh_fe_node(&h, "ring-ref") > 0);
    fh_be_connect(&h);
    assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_CONNECTED);
    fh_teardown(&h);
}

static void noop_done(void *c, void *u, const struct vscsi_result *r, size_t b)
{
    (void)c, (void)u, (void)r, (void)b;
}

/* A front created but not started, so the test sees start()'s own result. */
static struct vscsi_front *new_front(struct fh *h)
{
    struct vscsi_front *f;
    struct vscsi_front_config cfg = {
        .size = sizeof(cfg), .ops = h->ops, .ops_ctx = h->du, .dev_path = h->fe, .done = noop_done};

    assert_int_equal(vscsi_front_new(&cfg, &f), 0);
    return f;
}

static void test_start_conflict_forever(void **state)
{
    struct fh h;
    struct vscsi_front *f;

    (void)state;
    fh_setup(&h, "128", 1);
    assert_int_equal(vscsi_sim_fault(h.hv, FH_FDOM, VSCSI_SIM_FAULT_XS_CONFLICT, 1, 0), 0);
    f = new_front(&h);
    assert_int_equal(vscsi_front_start(f), -EAGAIN);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 0);
    assert_int_equal(fh_fe_node(&h, "state"), VSCSI_XB_INITIALISING);
    vscsi_front_destroy(f);
    vscsi_sim_hv_free(h.hv);
}

static void test_start_grant_fails(void **state)
{
    struct fh h;
    struct vscsi_front *f;

    (void)state;
    fh_setup(&h, "128", 1);
    assert_int_equal(vscsi_sim_fault(h.hv, FH_FDOM, VSCSI_SIM_FAULT_GRANT_PAGE, 1, 1), 0);
    f = new_front(&h);
    assert_int_equal(vscsi_front_start(f), -ENOMEM);
    /* Nothing half-done: a second start works. */
    assert_int_equal(vscsi_front_start(f), 0);
    assert_int_equal(vscsi_front_start(f), -EALREADY);
    vscsi_front_destroy(f);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 0);
    vscsi_sim_hv_free(h.hv);
}

static void test_start_hostile_nodes(void **state)
{
    static const struct {
        const char *node, *value;
        int rc;
    } cases[] = {
        {"backend", NULL, -ENOENT},
        {"backend-id", NULL, -ENOENT},
        {"backend", "relative/path", -EINVAL},
        {"backend", "/", -EINVAL},
        {"backend", "/local//domain", -EINVAL},
        {"backend", "/trailing/", -EINVAL},
        {"backend", "/with\x01control", -EINVAL},
        {"backend-id", "abc", -EINVAL},
        {"backend-id", "-1", -EINVAL},
        {"backend-id", "0 ", -EINVAL},
        {"backend-id", "32752", -EINVAL}, /* DOMID_FIRST_RESERVED */
        {"backend-id", "99999999999999999999", -EINVAL},
        {"backend-id", "", -EINVAL},
        {"backend", "HUGE", -EINVAL},
    };
    static char huge[4001];

    (void)state;
    memset(huge, 'a', sizeof(huge) - 1);
    huge[0] = '/';
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fh h;
        struct vscsi_front *f;
        char path[256];

        fh_setup(&h, "128", 1);
        snprintf(path, sizeof(path), "%s/%s", h.fe, cases[i].node);
        if (!cases[i].value)
            assert_int_equal(h.ops->xs_rm(h.d0, VSCSI_XS_NO_TXN, path), 0);
        else
            fh_be_write(&h, path, strcmp(cases[i].value, "HUGE") == 0 ? huge : cases[i].value);
        f = new_front(&h);
        assert_int_equal(vscsi_front_start(f), cases[i].rc);
        assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 0);
        vscsi_front_destroy(f);
        vscsi_sim_hv_free(h.hv);
    }
}

static void test_new_rejects(void **state)
{
    struct vscsi_front *f = (void *)1;
    struct vscsi_front_config cfg = {.size = sizeof(cfg),
                                     .ops = vscsi_sim_ops(),
                                     .dev_path = "/local/domain/1/device/vscsi/0",
                                     .done = noop_done};

    (void)state;
    assert_int_equal(vscsi_front_new(&cfg, &f), 0);
    vscsi_front_destroy(f);
    cfg.max_segs = VSCSI_MAX_INDIRECT_SEGS + 1;
    assert_int_equal(vscsi_front_new(&cfg, &f), -EINVAL);
    assert_null(f);
    cfg.max_segs = 0;
    cfg.size = VSCSI_FRONT_CONFIG_SIZE_V1 - 1; /* older than the first release */
    assert_int_equal(vscsi_front_new(&cfg, &f), -EINVAL);
    cfg.size = sizeof(cfg);
    cfg.dev_path = "relative";
    assert_int_equal(vscsi_front_new(&cfg, &f), -ENAMETOOLONG);
    cfg.dev_path = NULL;
    assert_int_equal(vscsi_front_new(&cfg, &f), -EINVAL);
    assert_int_equal(vscsi_front_new(NULL, &f), -EINVAL);
    assert_int_equal(vscsi_front_start(NULL), -EINVAL);
    vscsi_front_destroy(NULL);
}

/* feature-sg-grant: absent/0 -> direct only; clamp(v, 26, cap), cap <= 13312. */
static void test_sg_grant_clamping(void **state)
{
    static const struct {
        const char *v;
        uint32_t cap, want;
        int anomaly;
    } cases[] = {
        {NULL, 0, 26, 0},           {"0", 0, 26, 0},           {"1", 0, 26, 0},
        {"10", 0, 26, 0},           {"26", 0, 26, 0},          {"27", 0, 27, 0},
        {"128", 0, 128, 0},         {"1000", 0, 128, 0},       {"1000", 4096, 1000, 0},
        {"99999", 13312, 13312, 1}, {"4294967295", 0, 128, 1}, {"4294967296", 13312, 13312, 0},
        {"abc", 0, 26, 1},          {"-5", 0, 26, 1},          {"128 ", 0, 26, 1},
        {"200", 64, 64, 0},         {"200", 10, 26, 0},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fh h;
        struct vscsi_front_stats st;
        static uint8_t buf[(VSCSI_SG_TABLESIZE + 1) * 4096];

        fh_setup(&h, cases[i].v, 1);
        fh_front(&h, cases[i].cap, 0, 0);
        fh_be_connect(&h);
        assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_CONNECTED);
        assert_int_equal(vscsi_front_max_segs(h.f), cases[i].want);
        vscsi_front_stats(h.f, &st);
        if (cases[i].anomaly)
            assert_true(st.anomalies > 0);
        /* 27 pages need indirect: refused unless negotiated. */
        if (cases[i].want < 27)
            assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, buf, sizeof(buf), NULL), -E2BIG);
        else
            assert_true(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, buf, sizeof(buf), NULL) >= 0);
        /* 26 pages always go direct. */
        assert_true(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, buf, 26 * 4096, NULL) >= 0);
        fh_teardown(&h);
    }
}

static const struct fh_lunev *last_ev(const struct fh *h, const char *name)
{
    for (unsigned i = h->nlunev; i-- > 0;)
        if (strcmp(h->lunev[i].name, name) == 0)
            return &h->lunev[i];
    return NULL;
}

static void test_hotplug(void **state)
{
    struct fh h;
    const struct fh_lunev *e;

    (void)state;
    fh_connect(&h, "128", 1);
    assert_int_equal(h.nlunev, 1);

    /* Add dev-2 (toolstack: LUN state 1 and vhost state 7). */
    fh_be_write(&h, "vscsi-devs/dev-2/p-dev", "naa.0123456789abcdef:7");
    fh_be_write(&h, "vscsi-devs/dev-2/v-dev", "3:1:5:9");
    fh_be_write(&h, "vscsi-devs/dev-2/state", "1");
    fh_be_state(&h, VSCSI_XB_RECONFIGURING);
    fh_pump(&h);
    assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_RECONFIGURING);
    assert_int_equal(fh_fe_node(&h, "state"), VSCSI_XB_RECONFIGURING);
    assert_int_equal(h.nlunev, 1); /* nothing in state 5: nothing removed */
    /* Submissions wait while reconfiguring. */
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, NULL), -ENOTCONN);
    /* Backend: scan, LUN 1 -> 3, Reconfigured. */
    fh_be_write(&h, "vscsi-devs/dev-2/state", "3");
    fh_be_state(&h, VSCSI_XB_RECONFIGURED);
    fh_pump(&h);
    assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_CONNECTED);
    assert_int_equal(fh_fe_node(&h, "state"), VSCSI_XB_CONNECTED);
    assert_int_equal(h.nlunev, 2);
    e = last_ev(&h, "dev-2");
    assert_non_null(e);
    assert_int_equal(e->added, 1);
    assert_int_equal(e->host, 3);
    assert_int_equal(e->nx.channel, 1);
    assert_int_equal(e->nx.id, 5);
    assert_int_equal(e->nx.lun, 9);
    assert_int_equal(fh_fe_node(&h, "vscsi-devs/dev-2/state"), VSCSI_XB_CONNECTED);
    fh_be_write(&h, "vscsi-devs/dev-2/state", "4");
    fh_be_state(&h, VSCSI_XB_CONNECTED);
    fh_pump(&h);
    assert_int_equal(h.nlunev, 2);

    /* Remove dev-1. */
    fh_be_write(&h, "vscsi-devs/dev-1/state", "5");
    fh_be_state(&h, VSCSI_XB_RECONFIGURING);
    fh_pump(&h);
    assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_RECONFIGURING);
    assert_int_equal(h.nlunev, 3);
    e = last_ev(&h, "dev-1");
    assert_int_equal(e->added, 0);
    assert_int_equal(e->nx.id, 0);
    assert_int_equal(fh_fe_node(&h, "vscsi-devs/dev-1/state"), VSCSI_XB_CLOSED);
    /* Repeated watch while reconfiguring: idempotent. */
    fh_be_state(&h, VSCSI_XB_RECONFIGURING);
    fh_pump(&h);
    assert_int_equal(h.nlunev, 3);
    fh_be_write(&h, "vscsi-devs/dev-1/state", "6");
    fh_be_state(&h, VSCSI_XB_RECONFIGURED);
    fh_pump(&h);
    assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_CONNECTED);
    assert_int_equal(h.nlunev, 3);

    /* Re-adding a LUN under the same name later works. */
    fh_be_write(&h, "vscsi-devs/dev-1/state", "3");
    fh_be_state(&h, VSCSI_XB_RECONFIGURING);
    fh_pump(&h);
    fh_be_state(&h, VSCSI_XB_RECONFIGURED);
    fh_pump(&h);
    assert_int_equal(h.nlunev, 4);
    assert_int_equal(last_ev(&h, "dev-1")->added, 1);

    /* Disconnect removes every LUN. */
    fh_be_state(&h, VSCSI_XB_CLOSING);
    fh_pump(&h);
    assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_CLOSED);
    assert_int_equal(fh_fe_node(&h, "state"), VSCSI_XB_CLOSED);
    assert_int_equal(h.nlunev, 6);
    assert_int_equal(last_ev(&h, "dev-1")->added, 0);
    assert_int_equal(last_ev(&h, "dev-2")->added, 0);
    assert_int_equal(vscsi_front_error(h.f), 0);
    fh_teardown(&h);
}

/* "vscsi-devs/dev-<i>/state", valid until the next call. */
static const char *dev_state(unsigned i)
{
    static char node[64];

    snprintf(node, sizeof(node), "vscsi-devs/dev-%u/state", i);
    return node;
}

static void test_hostile_devs(void **state)
{
    static char huge[3000];
    struct fh h;
    struct vscsi_front_stats st;

    (void)state;
    memset(huge, '1', sizeof(huge) - 1);
    fh_setup(&h, "128", 1); /* dev-1 fine: 0:0:0:0 */
    fh_be_write(&h, "vscsi-devs/dev-2/v-dev", "1:2:3");
    fh_be_write(&h, "vscsi-devs/dev-3/v-dev", "a:b:c:d");
    fh_be_write(&h, "vscsi-devs/dev-4/v-dev", "0:0:0:70000");
    fh_be_write(&h, "vscsi-devs/dev-5/v-dev", huge);
    fh_be_write(&h, "vscsi-devs/dev-6/v-dev", "7:0:0:0"); /* same c:t:l as dev-1 */
    fh_be_write(&h, "vscsi-devs/dev-7/state", "1");       /* no v-dev at all */
    fh_be_write(&h, "vscsi-devs/dev-8/v-dev", "0:0:8:0");
    fh_be_write(&h, "vscsi-devs/dev-8/state", "3 "); /* bad state: skipped */
    fh_be_write(&h,
                "vscsi-devs/"
                "a-name-that-is-far-too-long-to-be-a-sane-dev-node-name-xxxxxxxxxxxxxxxx/v-dev",
                "0:0:9:0");
    fh_be_write(&h,
                "vscsi-devs/"
                "a-name-that-is-far-too-long-to-be-a-sane-dev-node-name-xxxxxxxxxxxxxxxx/state",
                "1");
    for (unsigned i = 2; i <= 6; i++)
        fh_be_write(&h, dev_state(i), "1");
    fh_front(&h, 0, 0, 0);
    fh_be_connect(&h);
    assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_CONNECTED);
    /* dev-1 and dev-6 name the same nexus: whichever came first wins. */
    assert_int_equal(h.nlunev, 1);
    assert_true(strcmp(h.lunev[0].name, "dev-1") == 0 || strcmp(h.lunev[0].name, "dev-6") == 0);
    assert_int_equal(fh_fe_node(&h, strcmp(h.lunev[0].name, "dev-1") == 0
                                        ? "vscsi-devs/dev-6/state"
                                        : "vscsi-devs/dev-1/state"),
                     VSCSI_XB_CLOSED);
    for (unsigned i = 2; i <= 5; i++)
        assert_int_equal(fh_fe_node(&h, dev_state(i)), VSCSI_XB_CLOSED);
    assert_int_equal(fh_fe_node(&h, "vscsi-devs/dev-7/state"), VSCSI_XB_CLOSED);
    assert_int_equal(fh_fe_node(&h, "vscsi-devs/dev-8/state"), -1);
    vscsi_front_stats(h.f, &st);
    assert_true(st.anomalies >= 7);
    assert_int_equal(vscsi_front_error(h.f), 0);
    fh_teardown(&h);
}

/* n LUNs d0..d<n-1> in state 1, each on its own nexus
 * 0:<i / per_channel>:<i % per_channel>:0. */
static void add_devs(struct fh *h, unsigned n, unsigned per_channel)
{
    for (unsigned i = 0; i < n; i++) {
        char node[64], v[32];

        snprintf(node, sizeof(node), "vscsi-devs/d%u/v-dev", i);
        snprintf(v, sizeof(v), "0:%u:%u:0", i / per_channel, i % per_channel);
        fh_be_write(h, node, v);
        snprintf(node, sizeof(node), "vscsi-devs/d%u/state", i);
        fh_be_write(h, node, "1");
    }
}

static void test_too_many_devs(void **state)
{
    struct fh h;

    (void)state;
    fh_setup(&h, "128", 0);
    add_devs(&h, VSCSI_XB_MAX_DEVS + 1, VSCSI_XB_MAX_DEVS + 1);
    fh_front(&h, 0, 0, 0);
    fh_be_connect(&h);
    /* Refused whole, but the vhost itself still connects. */
    assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_CONNECTED);
    assert_int_equal(h.nlunev, 0);
    fh_teardown(&h);

    /* Exactly the limit is fine. */
    fh_setup(&h, "128", 0);
    add_devs(&h, VSCSI_XB_MAX_DEVS, 64);
    fh_front(&h, 0, 0, 0);
    fh_be_connect(&h);
    assert_int_equal(h.nlunev, VSCSI_XB_MAX_DEVS);
    fh_teardown(&h);
}

/* Hostile or vanished backend state: error latched, clean Closed, no hang. */
static void test_hostile_backend_state(void **state)
{
    static const char *const values[] = {"abc", "4 ", " 4",         "-1",   "99", "9",
                                         "04",  "",   "4294967296", "HUGE", NULL};
    static char huge[4096];

    (void)state;
    memset(huge, '4', sizeof(huge) - 1);
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        struct fh h;
        static uint8_t buf[8192];
        int id;

        fh_connect(&h, "128", 1);
        id = fh_submit(&h, VSCSI_DIR_FROM_DEVICE, buf, sizeof(buf), &h);
        assert_true(id >= 0);
        if (!values[i]) {
            char path[256];

            snprintf(path, sizeof(path), "%s/state", h.be);
            assert_int_equal(h.ops->xs_rm(h.d0, VSCSI_XS_NO_TXN, path), 0);
        } else {
            fh_be_write(&h, "state", strcmp(values[i], "HUGE") == 0 ? huge : values[i]);
        }
        fh_pump(&h);
        assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_CLOSED);
        assert_int_equal(fh_fe_node(&h, "state"), VSCSI_XB_CLOSED);
        assert_true(vscsi_front_error(h.f) < 0);
        assert_int_equal(fh_count_user(&h, &h), 1);
        assert_int_equal(fh_find_user(&h, &h)->res.host, VSCSI_HOST_NO_CONNECT);
        assert_int_equal(h.nlunev, 2);
        assert_int_equal(h.lunev[1].added, 0);
        assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, NULL), -EIO);
        /* Further store noise is ignored once Closed. */
        fh_be_state(&h, VSCSI_XB_CONNECTED);
        fh_pump(&h);
        assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_CLOSED);
        /* Only the ring page is still granted (the backend maps it). */
        assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1);
        fh_teardown(&h);
    }
}

static void test_foreign_watches_ignored(void **state)
{
    struct fh h;
    char path[256];

    (void)state;
    fh_connect(&h, "128", 1);
    fh_be_write(&h, "state", "junk");
    /* Someone else's token, or a path that merely shares a prefix. */
    snprintf(path, sizeof(path), "%s/state", h.be);
    assert_int_equal(vscsi_front_handle_watch(h.f, path, "not-ours"), 0);
    snprintf(path, sizeof(path), "%s/statefoo", h.be);
    assert_int_equal(vscsi_front_handle_watch(h.f, path, "not-ours"), 0);
    assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_CONNECTED);
    assert_int_equal(vscsi_front_handle_watch(h.f, NULL, "x"), -EINVAL);
    /* The real watch event sees the junk. */
    fh_pump(&h);
    assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_CLOSED);
    assert_int_equal(vscsi_front_error(h.f), -EINVAL);
    fh_teardown(&h);
}

static void test_close(void **state)
{
    struct fh h;
    struct vscsi_request rq;
    static uint8_t buf[4096];
    int a, b;

    (void)state;
    fh_connect(&h, "128", 1);
    a = fh_submit(&h, VSCSI_DIR_FROM_DEVICE, buf, sizeof(buf), (void *)1);
    b = fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)2);
    assert_true(a >= 0 && b >= 0);
    assert_int_equal(vscsi_front_close(h.f), 0);
    assert_int_equal(fh_fe_node(&h, "state"), VSCSI_XB_CLOSING);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, NULL), -ENOTCONN);
    /* The backend drains what it has before closing: responses still count. */
    assert_int_equal(fh_be_take(&h, &rq), 1);
    fh_be_reply_cdb(&h, rq.rqid, VSCSI_HOST_OK, 0, 0);
    fh_pump(&h);
    assert_int_equal(h.ndone, 1);
    assert_int_equal(h.done[0].res.host, VSCSI_HOST_OK);
    fh_be_state(&h, VSCSI_XB_CLOSING);
    fh_pump(&h);
    assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_CLOSED);
    assert_int_equal(fh_fe_node(&h, "state"), VSCSI_XB_CLOSED);
    /* The other one was never answered: failed locally, exactly once. */
    assert_int_equal(h.ndone, 2);
    assert_int_equal(h.done[1].res.host, VSCSI_HOST_NO_CONNECT);
    assert_int_equal(fh_count_user(&h, (void *)1) + fh_count_user(&h, (void *)2), 2);
    assert_int_equal(vscsi_front_error(h.f), 0);
    assert_int_equal(vscsi_front_close(h.f), 0);
    fh_be_state(&h, VSCSI_XB_CLOSED);
    fh_pump(&h);
    assert_int_equal(h.ndone, 2);
    h.ops->unmap_grants(h.d0, h.ring_addr, 1);
    h.ring_addr = NULL;
    vscsi_front_destroy(h.f);
    h.f = NULL;
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 0);
    fh_teardown(&h);
}

/* A backend that closes before ever connecting. */
static void test_backend_closes_early(void **state)
{
    struct fh h;

    (void)state;
    fh_setup(&h, "128", 1);
    fh_front(&h, 0, 0, 0);
    fh_be_state(&h, VSCSI_XB_CLOSED);
    fh_pump(&h);
    assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_CLOSED);
    assert_int_equal(h.nlunev, 0);
    assert_int_equal(vscsi_front_error(h.f), 0);
    fh_teardown(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_handshake),
        cmocka_unit_test(test_start_txn_retry),
        cmocka_unit_test(test_start_conflict_forever),
        cmocka_unit_test(test_start_grant_fails),
        cmocka_unit_test(test_start_hostile_nodes),
        cmocka_unit_test(test_new_rejects),
        cmocka_unit_test(test_sg_grant_clamping),
        cmocka_unit_test(test_hotplug),
        cmocka_unit_test(test_hostile_devs),
        cmocka_unit_test(test_too_many_devs),
        cmocka_unit_test(test_hostile_backend_state),
        cmocka_unit_test(test_foreign_watches_ignored),
        cmocka_unit_test(test_close),
        cmocka_unit_test(test_backend_closes_early),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
