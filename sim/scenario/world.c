/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scenario/world.h"
#include "vscsiif/toolstack.h"

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define VSCSI_WORLD_TSAN 1
#endif
#endif
#ifndef VSCSI_WORLD_TSAN
#define VSCSI_WORLD_TSAN 0
#endif

#define DOM0_PAGES 1024
#define DOMU_PAGES 16384
#define WAIT_STEPS 200000

struct vhost {
    int used;
    struct vscsi_ts_vhost ts;
    struct vscsi_back *back;
    struct vscsi_front *front;
};

struct vscsi_sim_world {
    struct vscsi_sim_world_opts o;
    struct vscsi_sim_hv *hv;
    struct vscsi_sim_dom *dom0, *domu;
    struct vscsi_sim_bridge *bridge;
    struct vhost vh[VSCSI_SIM_MAX_VHOSTS];
    uint64_t rng;
    uint64_t vnow; /* virtual µs (deterministic mode) */
    uint64_t front_seen; /* domU's event counter at the last drain (poll mode) */
    unsigned polls;
    pthread_t thread;
    int thread_running;
    int stop; /* atomic */
};

uint64_t vscsi_sim_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t rnd(struct vscsi_sim_world *w)
{
    /* xorshift64*: tiny, seedable, good enough to pick interleavings */
    w->rng ^= w->rng >> 12;
    w->rng ^= w->rng << 25;
    w->rng ^= w->rng >> 27;
    return w->rng * 0x2545F4914F6CDD1DULL;
}

struct vscsi_sim_world *vscsi_sim_world_new(const struct vscsi_sim_world_opts *o)
{
    struct vscsi_sim_world *w = calloc(1, sizeof(*w));

    if (!w)
        return NULL;
    w->o = *o;
    if (!w->o.front_domid)
        w->o.front_domid = 1;
    if (!w->o.max_segs)
        w->o.max_segs = 128;
    w->rng = o->seed ? o->seed : 0x9E3779B97F4A7C15ULL;
    w->hv = vscsi_sim_hv_new();
    w->bridge = vscsi_sim_bridge_new();
#if defined(__SANITIZE_THREAD__) || VSCSI_WORLD_TSAN
    if (w->hv) /* see vscsi_sim_hv_direct_maps() */
        vscsi_sim_hv_direct_maps(w->hv, 1);
#endif
    if (w->hv) {
        w->dom0 = vscsi_sim_dom_create(w->hv, 0, DOM0_PAGES);
        w->domu = vscsi_sim_dom_create(w->hv, w->o.front_domid, DOMU_PAGES);
    }
    if (!w->hv || !w->bridge || !w->dom0 || !w->domu) {
        vscsi_sim_world_free(w);
        return NULL;
    }
    return w;
}

void vscsi_sim_world_free(struct vscsi_sim_world *w)
{
    if (!w)
        return;
    vscsi_sim_world_stop_thread(w);
    for (unsigned i = 0; i < VSCSI_SIM_MAX_VHOSTS; i++) {
        vscsi_front_destroy(w->vh[i].front);
        vscsi_back_destroy(w->vh[i].back);
    }
    if (w->hv)
        vscsi_sim_hv_free(w->hv);
    vscsi_sim_bridge_free(w->bridge);
    free(w);
}

struct vscsi_sim_hv *vscsi_sim_world_hv(struct vscsi_sim_world *w)
{
    return w->hv;
}

struct vscsi_sim_bridge *vscsi_sim_world_bridge(struct vscsi_sim_world *w)
{
    return w->bridge;
}

uint16_t vscsi_sim_world_front_domid(const struct vscsi_sim_world *w)
{
    return w->o.front_domid;
}

int vscsi_sim_world_register(struct vscsi_sim_world *w, const char *pdev, struct vscsi_tgt_lun *lun)
{
    /* Block Limits / READ BLOCK LIMITS then tell what this backend's rings can carry. */
    vscsi_tgt_set_xfer_max(lun, vscsi_tgt_xfer_max_segs(w->o.no_indirect ? 0 : w->o.max_segs));
    return vscsi_sim_bridge_add(w->bridge, pdev, lun);
}

static struct vhost *find_vhost(struct vscsi_sim_world *w, uint32_t vhost)
{
    for (unsigned i = 0; i < VSCSI_SIM_MAX_VHOSTS; i++)
        if (w->vh[i].used && w->vh[i].ts.vhost == vhost)
            return &w->vh[i];
    return NULL;
}

struct vscsi_front *vscsi_sim_world_front(struct vscsi_sim_world *w, uint32_t vhost)
{
    struct vhost *v = find_vhost(w, vhost);
    return v ? v->front : NULL;
}

struct vscsi_back *vscsi_sim_world_back(struct vscsi_sim_world *w, uint32_t vhost)
{
    struct vhost *v = find_vhost(w, vhost);
    return v ? v->back : NULL;
}

static int new_back(struct vscsi_sim_world *w, struct vhost *v)
{
    char be[128], fe[128];
    vscsi_ts_paths(&v->ts, be, sizeof(be), fe, sizeof(fe));
    struct vscsi_back_config bc = {
        .size = sizeof(bc),
        .ops = vscsi_sim_ops(),
        .ops_ctx = w->dom0,
        .target = vscsi_sim_bridge_ops(),
        .target_ctx = w->bridge,
        .dev_path = be,
        .max_segs = w->o.no_indirect ? 0 : w->o.max_segs,
        .data_mode = w->o.data_mode,
        .trace = w->o.trace,
        .cb_ctx = w->o.cb_ctx,
    };
    return vscsi_back_new(&bc, &v->back);
}

int vscsi_sim_world_attach(struct vscsi_sim_world *w, uint32_t vhost, const char *const *pdevs,
                           const char *const *vdevs, unsigned n)
{
    const struct vscsi_platform_ops *ops = vscsi_sim_ops();
    struct vhost *v = NULL;
    char be[128], fe[128];
    int rc;

    if (find_vhost(w, vhost))
        return -EEXIST;
    for (unsigned i = 0; i < VSCSI_SIM_MAX_VHOSTS && !v; i++)
        if (!w->vh[i].used)
            v = &w->vh[i];
    if (!v)
        return -ENOSPC;
    v->ts = (struct vscsi_ts_vhost){0, w->o.front_domid, vhost, 0};
    if ((rc = vscsi_ts_vhost_create(ops, w->dom0, &v->ts)))
        return rc;
    for (unsigned i = 0; i < n; i++)
        if ((rc = vscsi_ts_lun_add(ops, w->dom0, &v->ts, i, pdevs[i], vdevs[i], NULL, 0)))
            return rc;
    vscsi_ts_paths(&v->ts, be, sizeof(be), fe, sizeof(fe));

    struct vscsi_front_config fc = {
        .size = sizeof(fc),
        .ops = ops,
        .ops_ctx = w->domu,
        .dev_path = fe,
        .done = w->o.done,
        .lun = w->o.lun,
        .cb_ctx = w->o.cb_ctx,
    };
    if ((rc = new_back(w, v)))
        return rc;
    if ((rc = vscsi_front_new(&fc, &v->front))) {
        vscsi_back_destroy(v->back);
        v->back = NULL;
        return rc;
    }
    v->used = 1;
    /* Either may start first on real Xen; the backend first is the usual order. */
    if ((rc = vscsi_back_start(v->back)) || (rc = vscsi_front_start(v->front)))
        return rc;
    return 0;
}

int vscsi_sim_world_restart_backend(struct vscsi_sim_world *w, uint32_t vhost)
{
    struct vhost *v = find_vhost(w, vhost);
    int rc;

    if (!v || w->thread_running)
        return -EINVAL; /* the backend thread owns the engines */
    vscsi_back_destroy(v->back);
    v->back = NULL;
    if ((rc = new_back(w, v)))
        return rc;
    return vscsi_back_start(v->back);
}

int vscsi_sim_world_crash_front(struct vscsi_sim_world *w)
{
    const struct vscsi_platform_ops *ops = vscsi_sim_ops();
    char be[128], fe[128];

    vscsi_sim_dom_destroy(w->domu);
    for (unsigned i = 0; i < VSCSI_SIM_MAX_VHOSTS; i++) {
        struct vhost *v = &w->vh[i];
        if (!v->used)
            continue;
        vscsi_ts_paths(&v->ts, be, sizeof(be), fe, sizeof(fe));
        vscsi_ts_vhost_close(ops, w->dom0, &v->ts);
        ops->xs_rm(w->dom0, VSCSI_XS_NO_TXN, fe);
    }
    return 0;
}

int vscsi_sim_world_hot_add(struct vscsi_sim_world *w, uint32_t vhost, uint32_t devid,
                            const char *pdev, const char *vdev)
{
    struct vhost *v = find_vhost(w, vhost);
    return v ? vscsi_ts_lun_add(vscsi_sim_ops(), w->dom0, &v->ts, devid, pdev, vdev, NULL, 1)
             : -ENOENT;
}

int vscsi_sim_world_hot_remove(struct vscsi_sim_world *w, uint32_t vhost, uint32_t devid)
{
    struct vhost *v = find_vhost(w, vhost);
    return v ? vscsi_ts_lun_remove(vscsi_sim_ops(), w->dom0, &v->ts, devid, 1) : -ENOENT;
}

/* --- delivery --------------------------------------------------------- */

static void back_watch(void *arg, const char *path, const char *token)
{
    struct vscsi_sim_world *w = arg;
    for (unsigned i = 0; i < VSCSI_SIM_MAX_VHOSTS; i++)
        if (w->vh[i].back)
            vscsi_back_handle_watch(w->vh[i].back, path, token);
}

static void back_port(void *arg, uint32_t port)
{
    struct vscsi_sim_world *w = arg;
    for (unsigned i = 0; i < VSCSI_SIM_MAX_VHOSTS; i++)
        if (w->vh[i].back && vscsi_back_port(w->vh[i].back) == port)
            vscsi_back_handle_event(w->vh[i].back);
}

static void front_watch(void *arg, const char *path, const char *token)
{
    struct vscsi_sim_world *w = arg;
    for (unsigned i = 0; i < VSCSI_SIM_MAX_VHOSTS; i++)
        if (w->vh[i].front)
            vscsi_front_handle_watch(w->vh[i].front, path, token);
}

static void front_port(void *arg, uint32_t port)
{
    struct vscsi_sim_world *w = arg;
    for (unsigned i = 0; i < VSCSI_SIM_MAX_VHOSTS; i++)
        if (w->vh[i].front && vscsi_front_port(w->vh[i].front) == port)
            vscsi_front_handle_event(w->vh[i].front);
}

static int drain_back(struct vscsi_sim_world *w, int max)
{
    return vscsi_sim_dom_deliver(w->dom0, max, back_watch, back_port, w);
}

static int drain_front(struct vscsi_sim_world *w, int max)
{
    return vscsi_sim_dom_deliver(w->domu, max, front_watch, front_port, w);
}

static void tick_fronts(struct vscsi_sim_world *w, uint64_t now_us)
{
    for (unsigned i = 0; i < VSCSI_SIM_MAX_VHOSTS; i++)
        if (w->vh[i].front)
            vscsi_front_tick(w->vh[i].front, now_us / 1000);
}

uint64_t vscsi_sim_world_now(struct vscsi_sim_world *w)
{
    return w->o.threaded ? vscsi_sim_wall_us() : w->vnow;
}

void vscsi_sim_world_advance(struct vscsi_sim_world *w, uint64_t us)
{
    if (w->o.threaded)
        return; /* real time passes by itself */
    w->vnow += us;
    tick_fronts(w, w->vnow);
}

int vscsi_sim_world_step(struct vscsi_sim_world *w)
{
    if (w->o.threaded)
        return vscsi_sim_world_pump_front(w, 2);
    /* Pick a side and a burst length at random; fall back to the other side. */
    int back_first = (int)(rnd(w) & 1);
    int burst = 1 + (int)(rnd(w) % 4);
    int n;

    if (back_first) {
        n = vscsi_sim_bridge_poll(w->bridge, w->vnow) + drain_back(w, burst);
        if (!n)
            n = drain_front(w, burst);
    } else {
        n = drain_front(w, burst);
        if (!n)
            n = vscsi_sim_bridge_poll(w->bridge, w->vnow) + drain_back(w, burst);
    }
    if (n)
        return 1;
    uint64_t due = vscsi_sim_bridge_next_due(w->bridge);
    if (due != UINT64_MAX) {
        vscsi_sim_world_advance(w, due > w->vnow ? due - w->vnow : 0);
        return 1;
    }
    return 0;
}

unsigned vscsi_sim_world_settle(struct vscsi_sim_world *w, unsigned max_steps)
{
    unsigned s = 0;
    while (s < max_steps && vscsi_sim_world_step(w))
        s++;
    return s;
}

/* --- threaded mode ---------------------------------------------------- */

#define POLL_IDLE_US 2000 /* busy-poll this long without work before sleeping */

/* Not `pause`: under some hypervisors it traps (pause-loop exiting), which
 * made a polling loop slower than sleeping. */
static inline void relax(void)
{
    __asm__ __volatile__("" ::: "memory");
}

/* Polls every backend ring; arm = the last look before sleeping. */
static int poll_backs(struct vscsi_sim_world *w, int arm)
{
    int n = 0;
    for (unsigned i = 0; i < VSCSI_SIM_MAX_VHOSTS; i++)
        if (w->vh[i].back) {
            int r = arm ? vscsi_back_handle_event(w->vh[i].back) : vscsi_back_poll(w->vh[i].back);
            n += r > 0 ? r : 0;
        }
    return n;
}

static int poll_fronts(struct vscsi_sim_world *w, int arm)
{
    int n = 0;
    for (unsigned i = 0; i < VSCSI_SIM_MAX_VHOSTS; i++)
        if (w->vh[i].front) {
            int r = arm ? vscsi_front_handle_event(w->vh[i].front)
                        : vscsi_front_poll(w->vh[i].front);
            n += r > 0 ? r : 0;
        }
    return n;
}

static void *back_thread_poll(struct vscsi_sim_world *w)
{
    uint64_t seen = vscsi_sim_dom_seq(w->dom0) - 1, busy = vscsi_sim_wall_us(), now = busy;

    for (unsigned spin = 0; !__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE); spin++) {
        int n = poll_backs(w, 0);
        /* Events and watches only when something was queued; clocks and held
         * commands now and then: both cost more than a look at the ring. */
        uint64_t seq = vscsi_sim_dom_seq(w->dom0);
        if (seq != seen) {
            seen = seq;
            n += drain_back(w, 64);
        }
        if (!n && (spin & 255) == 0) {
            now = vscsi_sim_wall_us();
            n += vscsi_sim_bridge_poll(w->bridge, now);
        }
        if (n) {
            busy = now;
        } else if (now - busy < POLL_IDLE_US) {
            relax();
        } else if (poll_backs(w, 1) == 0) { /* armed: now a notify will wake us */
            vscsi_sim_dom_wait(w->dom0, 20);
            busy = now = vscsi_sim_wall_us();
        }
    }
    return NULL;
}

static void *back_thread(void *arg)
{
    struct vscsi_sim_world *w = arg;

    if (w->o.poll)
        return back_thread_poll(w);
    while (!__atomic_load_n(&w->stop, __ATOMIC_ACQUIRE)) {
        uint64_t due = vscsi_sim_bridge_next_due(w->bridge);
        uint64_t now = vscsi_sim_wall_us();
        int wait_ms = due == UINT64_MAX ? 20 : due <= now ? 0 : (int)((due - now) / 1000) + 1;
        if (wait_ms > 20)
            wait_ms = 20; /* keep noticing `stop` */
        if (wait_ms)
            vscsi_sim_dom_wait(w->dom0, wait_ms);
        vscsi_sim_bridge_poll(w->bridge, vscsi_sim_wall_us());
        while (drain_back(w, 64))
            ;
    }
    return NULL;
}

int vscsi_sim_world_start_thread(struct vscsi_sim_world *w)
{
    if (!w->o.threaded || w->thread_running)
        return -EINVAL;
    __atomic_store_n(&w->stop, 0, __ATOMIC_RELEASE);
    if (pthread_create(&w->thread, NULL, back_thread, w))
        return -EAGAIN;
    w->thread_running = 1;
    return 0;
}

void vscsi_sim_world_stop_thread(struct vscsi_sim_world *w)
{
    if (!w->thread_running)
        return;
    __atomic_store_n(&w->stop, 1, __ATOMIC_RELEASE);
    vscsi_sim_dom_kick(w->dom0);
    pthread_join(w->thread, NULL);
    w->thread_running = 0;
}

int vscsi_sim_world_pump_front(struct vscsi_sim_world *w, int timeout_ms)
{
    if (w->o.poll) {
        uint64_t t0 = vscsi_sim_wall_us();
        int n;
        for (unsigned spin = 0;; spin++) {
            n = poll_fronts(w, 0);
            uint64_t seq = vscsi_sim_dom_seq(w->domu);
            if (seq != w->front_seen) {
                w->front_seen = seq;
                n += drain_front(w, 64);
            }
            if (n || !timeout_ms ||
                ((spin & 255) == 255 && vscsi_sim_wall_us() - t0 >= POLL_IDLE_US))
                break;
            relax();
        }
        if (!n && timeout_ms && (n = poll_fronts(w, 1)) == 0) {
            vscsi_sim_dom_wait(w->domu, timeout_ms);
            n = drain_front(w, 64);
        }
        if (!n || (w->polls++ & 1023) == 0)
            tick_fronts(w, vscsi_sim_wall_us());
        return n;
    }
    int n = drain_front(w, 64);

    if (!n && timeout_ms) {
        vscsi_sim_dom_wait(w->domu, timeout_ms);
        n = drain_front(w, 64);
    }
    tick_fronts(w, vscsi_sim_wall_us());
    return n;
}

/* --- waiting ---------------------------------------------------------- */

/* Deterministic: steps. Threaded: 5 ms pumps, so about 15 s in all. */
static unsigned wait_limit(const struct vscsi_sim_world *w)
{
    return w->o.threaded ? 3000 : WAIT_STEPS;
}

static int progress(struct vscsi_sim_world *w)
{
    if (w->o.threaded) {
        vscsi_sim_world_pump_front(w, 5);
        return 1;
    }
    return vscsi_sim_world_step(w);
}

int vscsi_sim_world_wait_connected(struct vscsi_sim_world *w, uint32_t vhost)
{
    struct vhost *v = find_vhost(w, vhost);

    if (!v)
        return -ENOENT;
    for (unsigned i = 0; i < wait_limit(w); i++) {
        if (vscsi_front_state(v->front) == VSCSI_XB_CONNECTED)
            return 0;
        if (vscsi_front_error(v->front))
            return vscsi_front_error(v->front);
        if (!progress(w))
            break;
    }
    return vscsi_front_state(v->front) == VSCSI_XB_CONNECTED ? 0 : -ETIMEDOUT;
}

int vscsi_sim_world_wait_lun(struct vscsi_sim_world *w, uint32_t vhost, uint32_t devid,
                             enum vscsi_xb_state state)
{
    struct vhost *v = find_vhost(w, vhost);
    enum vscsi_xb_state s, vs;

    if (!v)
        return -ENOENT;
    for (unsigned i = 0; i < wait_limit(w); i++) {
        if (vscsi_ts_lun_state(vscsi_sim_ops(), w->dom0, &v->ts, devid, &s, &vs) == 0 &&
            s == state && vs == VSCSI_XB_CONNECTED &&
            vscsi_front_state(v->front) == VSCSI_XB_CONNECTED)
            return 0;
        if (!progress(w))
            break;
    }
    return -ETIMEDOUT;
}

int vscsi_sim_world_detach(struct vscsi_sim_world *w, uint32_t vhost)
{
    struct vhost *v = find_vhost(w, vhost);
    char be[128], fe[128];
    enum vscsi_xb_state bs = VSCSI_XB_UNKNOWN;
    int rc;

    if (!v)
        return -ENOENT;
    if ((rc = vscsi_ts_vhost_close(vscsi_sim_ops(), w->dom0, &v->ts)))
        return rc;
    vscsi_ts_paths(&v->ts, be, sizeof(be), fe, sizeof(fe));
    for (unsigned i = 0; i < wait_limit(w); i++) {
        if (vscsi_xb_read_state(vscsi_sim_ops(), w->dom0, VSCSI_XS_NO_TXN, be, "state", &bs) == 0 &&
            bs == VSCSI_XB_CLOSED && vscsi_front_state(v->front) == VSCSI_XB_CLOSED)
            return 0;
        if (!progress(w))
            break;
    }
    return -ETIMEDOUT;
}
