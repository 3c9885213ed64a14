/* SPDX-License-Identifier: MIT */
/*
 * Simulated hypervisor in threaded mode: front and back on different threads.
 * Every wait has a generous timeout; hitting it means a wakeup was lost.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim_env.h"

#define LOST_MS 10000

static int setup(void **state)
{
    static const unsigned pages[SIM_ENV_DOMS] = {[FRONT] = 16, [BACK] = 1};

    return sim_env_setup(state, pages) || sim_env_connect(*state) ? -1 : 0;
}

/* Starts a, then b, and waits for both. */
static void run_pair(void *(*a)(void *), void *arg_a, void *(*b)(void *), void *arg_b)
{
    pthread_t ta, tb;
    assert_int_equal(pthread_create(&ta, NULL, a, arg_a), 0);
    assert_int_equal(pthread_create(&tb, NULL, b, arg_b), 0);
    pthread_join(tb, NULL);
    pthread_join(ta, NULL);
}

/* ---- producer/consumer: the ring protocol's wakeup rule ---- */

#define NOTIFIES 50000

struct pc {
    struct sim_env *e;
    _Atomic uint64_t produced;
    uint64_t events;
    int lost;
};

static void *producer(void *arg)
{
    struct pc *pc = arg;
    for (uint64_t i = 0; i < NOTIFIES; i++) {
        /* Publish, then notify: the order a ring producer uses. */
        atomic_fetch_add(&pc->produced, 1);
        if (pc->e->ops->evtchn_notify(pc->e->back, pc->e->bport) != 0)
            abort();
    }
    return NULL;
}

static void *consumer(void *arg)
{
    struct pc *pc = arg;
    uint64_t seen = 0;
    while (seen < NOTIFIES) {
        uint32_t p;
        while (vscsi_sim_dom_pending_port(pc->e->front, &p) == 0)
            pc->events++;
        uint64_t now = atomic_load(&pc->produced);
        if (now != seen) {
            seen = now;
            continue;
        }
        if (vscsi_sim_dom_wait(pc->e->front, LOST_MS) == 0) {
            pc->lost = 1;
            break;
        }
    }
    return NULL;
}

static void test_no_lost_wakeup(void **state)
{
    struct sim_env *e = *state;
    struct pc pc = {.e = e};
    run_pair(consumer, &pc, producer, &pc);
    assert_false(pc.lost);
    uint32_t port;
    while (vscsi_sim_dom_pending_port(e->front, &port) == 0)
        pc.events++;
    struct vscsi_sim_stats sb, sf;
    vscsi_sim_dom_stats(e->back, &sb);
    vscsi_sim_dom_stats(e->front, &sf);
    assert_int_equal(sb.evt_sent, NOTIFIES);
    assert_int_equal(sf.evt_delivered, pc.events);
    /* Every send was either delivered or merged into a pending one. */
    assert_int_equal(sf.evt_delivered + sf.evt_coalesced, NOTIFIES);
    assert_true(pc.events >= 1);
}

/* ---- ping-pong: each side only moves when woken by the other ---- */

#define ROUNDS 5000

struct side {
    struct sim_env *e;
    struct vscsi_sim_dom *self;
    uint32_t port;
    int starts;
    int lost;
};

static void *pingpong(void *arg)
{
    struct side *s = arg;
    if (s->starts && s->e->ops->evtchn_notify(s->self, s->port) != 0)
        abort();
    for (int i = 0; i < ROUNDS; i++) {
        uint32_t p;
        while (vscsi_sim_dom_pending_port(s->self, &p) != 0) {
            if (vscsi_sim_dom_wait(s->self, LOST_MS) == 0) {
                s->lost = 1;
                return NULL;
            }
        }
        if (p != s->port)
            abort();
        if ((!s->starts || i + 1 < ROUNDS) && s->e->ops->evtchn_notify(s->self, s->port) != 0)
            abort();
    }
    return NULL;
}

static void test_ping_pong(void **state)
{
    struct sim_env *e = *state;
    struct side f = {.e = e, .self = e->front, .port = e->fport, .starts = 1};
    struct side b = {.e = e, .self = e->back, .port = e->bport};
    run_pair(pingpong, &b, pingpong, &f);
    assert_false(f.lost);
    assert_false(b.lost);
    struct vscsi_sim_stats sf;
    vscsi_sim_dom_stats(e->front, &sf);
    assert_int_equal(sf.evt_delivered, ROUNDS);
    assert_int_equal(sf.evt_coalesced, 0);
}

/* ---- a watch wakes a blocked waiter; a kick releases it ---- */

struct waiter {
    struct vscsi_sim_dom *dom;
    atomic_int rc;
};

static void *wait_forever(void *arg)
{
    struct waiter *w = arg;
    atomic_store(&w->rc, vscsi_sim_dom_wait(w->dom, -1));
    return NULL;
}

static void test_watch_and_kick_wake(void **state)
{
    struct sim_env *e = *state;
    assert_int_equal(e->ops->xs_watch(e->back, "/local/domain/2/state", "s"), 0);
    char p[64], t[8];
    assert_int_equal(vscsi_sim_dom_next_watch(e->back, p, sizeof(p), t, sizeof(t)), 0);

    struct waiter w = {.dom = e->back, .rc = -1};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, wait_forever, &w), 0);
    assert_int_equal(e->ops->xs_write(e->back, VSCSI_XS_NO_TXN, "state", "4"), 0);
    pthread_join(th, NULL);
    assert_int_equal(atomic_load(&w.rc), 1);
    assert_int_equal(vscsi_sim_dom_next_watch(e->back, p, sizeof(p), t, sizeof(t)), 0);
    assert_string_equal(p, "/local/domain/2/state");

    atomic_store(&w.rc, -1);
    assert_int_equal(pthread_create(&th, NULL, wait_forever, &w), 0);
    /* The kick may land before the thread waits; then it must still return. */
    for (int i = 0; i < 1000 && atomic_load(&w.rc) == -1; i++) {
        vscsi_sim_dom_kick(e->back);
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    pthread_join(th, NULL);
    assert_int_equal(atomic_load(&w.rc), 0);
}

/* ---- transactions from two threads: read-modify-write never loses ---- */

#define INCREMENTS 300

struct incr {
    struct sim_env *e;
    struct vscsi_sim_dom *dom;
    int retries;
};

static void *incrementer(void *arg)
{
    struct incr *in = arg;
    const struct vscsi_platform_ops *ops = in->e->ops;
    for (int i = 0; i < INCREMENTS; i++) {
        int rc;
        do {
            vscsi_xs_txn t;
            char buf[32];
            if (ops->xs_txn_start(in->dom, &t) != 0)
                abort();
            if (ops->xs_read(in->dom, t, "/counter", buf, sizeof(buf)) < 0)
                abort();
            snprintf(buf, sizeof(buf), "%ld", strtol(buf, NULL, 10) + 1);
            if (ops->xs_write(in->dom, t, "/counter", buf) != 0)
                abort();
            rc = ops->xs_txn_end(in->dom, t, 0);
            if (rc == -EAGAIN)
                in->retries++;
            else if (rc != 0)
                abort();
        } while (rc == -EAGAIN);
    }
    return NULL;
}

static void test_concurrent_transactions(void **state)
{
    struct sim_env *e = *state;
    struct vscsi_sim_dom *d0 = vscsi_sim_dom_create(e->hv, 0, 1);
    assert_non_null(d0);
    struct vscsi_xs_perm all = {0, VSCSI_XS_PERM_BOTH};
    assert_int_equal(e->ops->xs_write(d0, VSCSI_XS_NO_TXN, "/counter", "0"), 0);
    assert_int_equal(e->ops->xs_set_perms(d0, VSCSI_XS_NO_TXN, "/counter", &all, 1), 0);
    struct incr a = {.e = e, .dom = e->front}, b = {.e = e, .dom = e->back};
    run_pair(incrementer, &a, incrementer, &b);
    char buf[32];
    assert_int_equal(e->ops->xs_read(d0, VSCSI_XS_NO_TXN, "/counter", buf, sizeof(buf)), 3);
    assert_int_equal(strtol(buf, NULL, 10), 2 * INCREMENTS);
}

/* ---- grants: revoke races with copies and mappings of the peer ---- */

#define GRANT_ROUNDS 3000

struct gr {
    struct sim_env *e;
    _Atomic uint32_t ref;
    atomic_int done;
    int busy;
    int bad_status;
};

static void *granter(void *arg)
{
    struct gr *g = arg;
    for (int i = 0; i < GRANT_ROUNDS; i++) {
        uint32_t ref;
        void *page;
        if (g->e->ops->grant_page(g->e->front, BACK, 0, &ref, &page) != 0)
            abort();
        atomic_store(&g->ref, ref);
        int rc;
        while ((rc = g->e->ops->ungrant_page(g->e->front, ref, page)) == -EBUSY)
            g->busy++;
        if (rc != 0)
            abort();
    }
    atomic_store(&g->done, 1);
    return NULL;
}

static void *grantee(void *arg)
{
    struct gr *g = arg;
    char buf[64];
    while (!atomic_load(&g->done)) {
        uint32_t ref = atomic_load(&g->ref);
        if (!ref)
            continue;
        struct vscsi_grant_copy c = {.ref = ref, .domid = FRONT, .len = 64, .local = buf};
        g->e->ops->copy_grants(g->e->back, &c, 1);
        if (c.status != VSCSI_GNTST_OKAY && c.status != VSCSI_GNTST_BAD_GNTREF)
            g->bad_status++;
        void *va;
        if (g->e->ops->map_grants(g->e->back, FRONT, 1, &ref, 1, &va) == 0) {
            ((volatile char *)va)[0] = 1;
            g->e->ops->unmap_grants(g->e->back, va, 1);
        }
    }
    return NULL;
}

static void test_revoke_races(void **state)
{
    struct sim_env *e = *state;
    struct gr g = {.e = e};
    run_pair(grantee, &g, granter, &g);
    assert_int_equal(g.bad_status, 0);
    assert_int_equal(vscsi_sim_grants_in_use(e->hv, FRONT), 0);
    assert_int_equal(vscsi_sim_grants_active(e->hv, FRONT), 0);
    assert_int_equal(vscsi_sim_mappings(e->hv, BACK), 0);
}

int main(void)
{
    /* clang-format off */
    const struct CMUnitTest tests[] = {
        SIM_TEST(test_no_lost_wakeup),
        SIM_TEST(test_ping_pong),
        SIM_TEST(test_watch_and_kick_wake),
        SIM_TEST(test_concurrent_transactions),
        SIM_TEST(test_revoke_races),
    };
    /* clang-format on */
    return cmocka_run_group_tests_name("sim_threads", tests, NULL, NULL);
}
