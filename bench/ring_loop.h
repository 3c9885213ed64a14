/* SPDX-License-Identifier: MIT */
/*
 * The driver loops, compiled into each ring implementation's own file so
 * that every implementation gets exactly the same loop with its operations
 * inlined (an indirect call per operation would cost more than some of the
 * operations measured).
 *
 * Before including this file, define `loop_ctx` and these static inline
 * functions (f_ = frontend end, b_ = backend end):
 *   lp_reset(x)        fresh shared page, every index at 0
 *   lp_f_submit(x,seq) build request number seq in the next slot, produce it
 *   lp_f_push(x)       publish; 1 if the backend must be notified
 *   lp_f_avail(x)      responses ready (< 0: broken ring)
 *   lp_f_final(x)      same, after arming rsp_event (the check before sleeping)
 *   lp_f_reap(x,seq)   take the next response, validate it; 0 if it is right
 *   lp_b_avail(x), lp_b_final(x), lp_b_push(x): the backend's equivalents
 *   lp_b_serve(x)      take, validate and answer the next request
 * lp_f_submit, lp_f_reap and lp_b_serve take a last argument `ro` (ring-only
 * cell) that is a constant in every instantiation: the loops below are
 * compiled once per layer (LP_INLINE), so neither layer carries the other's
 * code, registers or branches.
 *
 * One thread: per round the frontend fills up to `depth` slots and pushes,
 * then the backend's event handler runs until its final check finds nothing,
 * then the frontend's: four full barriers per round, as in the raw ring.h baseline.
 * Two threads: each end runs the same handler on its own pinned core; "going
 * to sleep" after a final check is a spin on the peer's producer index, so
 * a notification is counted but costs nothing (the ring is what is measured).
 */
#ifndef VSCSI_BENCH_RING_LOOP_H
#define VSCSI_BENCH_RING_LOOP_H

#include <pthread.h>

#include "bench.h"

#ifndef LP_INLINE
#define LP_INLINE static inline __attribute__((always_inline))
#endif

struct lp_shared {
    loop_ctx *x;
    int ready;  /* atomic: the backend thread is pinned and polling */
    int stop;   /* atomic: the frontend saw every response */
    int broken; /* atomic: an end saw an impossible index */
    uint64_t rsp_notify;
};

LP_INLINE void *lp_back_body(void *arg, const int ro)
{
    struct lp_shared *s = arg;
    loop_ctx *x = s->x;
    uint64_t ntf = 0;

    bench_pin(1);
    __atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
    for (;;) {
        int n = lp_b_avail(x);
        if (n == 0) {
            n = lp_b_final(x);
            while (n == 0) {
                if (__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE))
                    goto out;
                bench_relax();
                n = lp_b_avail(x);
            }
        }
        if (n < 0) {
            __atomic_store_n(&s->broken, 1, __ATOMIC_RELEASE);
            break;
        }
        while (n-- > 0)
            lp_b_serve(x, ro);
        ntf += (uint64_t)lp_b_push(x);
    }
out:
    s->rsp_notify = ntf;
    return NULL;
}

static void *lp_back_main_ro(void *arg)
{
    return lp_back_body(arg, 1);
}

static void *lp_back_main_full(void *arg)
{
    return lp_back_body(arg, 0);
}

LP_INLINE int lp_run_2t(loop_ctx *x, unsigned depth, uint64_t total, struct ring_run *out,
                        const int ro)
{
    struct lp_shared s = {.x = x};
    uint64_t sent = 0, done = 0, reqn = 0, errors = 0;
    pthread_t th;
    double t0, t1, c0, c1;

    if (pthread_create(&th, NULL, ro ? lp_back_main_ro : lp_back_main_full, &s))
        return -1;
    while (!__atomic_load_n(&s.ready, __ATOMIC_ACQUIRE))
        bench_relax();
    uint64_t p0 = bench_preemptions();
    c0 = bench_proc_cpu();
    t0 = bench_now();
    while (done < total) {
        int produced = 0, k;
        while (sent < total && sent - done < depth) {
            lp_f_submit(x, sent++, ro);
            produced = 1;
        }
        if (produced)
            reqn += (uint64_t)lp_f_push(x);
        k = lp_f_avail(x);
        if (k == 0) {
            k = lp_f_final(x);
            while (k == 0 && !__atomic_load_n(&s.broken, __ATOMIC_ACQUIRE)) {
                bench_relax();
                k = lp_f_avail(x);
            }
        }
        if (k <= 0)
            break;
        while (k-- > 0)
            errors += lp_f_reap(x, done++, ro) != 0;
    }
    t1 = bench_now();
    c1 = bench_proc_cpu();
    out->preempted = bench_preemptions() - p0;
    __atomic_store_n(&s.stop, 1, __ATOMIC_RELEASE);
    pthread_join(th, NULL);
    out->requests = done;
    out->secs = t1 - t0;
    /* Both threads spin all along: less than 2 x wall means the machine took
     * a core away from us, and the figure is not the ring's. */
    out->cpu_share = t1 > t0 ? (c1 - c0) / (2 * (t1 - t0)) : 0;
    out->req_notify = reqn;
    out->rsp_notify = s.rsp_notify;
    out->errors = errors + (done != total);
    return s.broken || done != total ? -1 : 0;
}

LP_INLINE int lp_run_1t(loop_ctx *x, unsigned depth, uint64_t total, struct ring_run *out,
                        const int ro)
{
    uint64_t sent = 0, done = 0, reqn = 0, rspn = 0, errors = 0;
    int broken = 0;
    /* The thread's CPU time: time slices lost to other work on the machine
     * are not the ring's; on an idle machine it equals wall time. */
    double t0 = bench_thread_cpu(), t1;

    while (done < total && !broken) {
        while (sent < total && sent - done < depth)
            lp_f_submit(x, sent++, ro);
        reqn += (uint64_t)lp_f_push(x);
        for (;;) { /* the backend's event handler */
            int k = lp_b_avail(x);
            if (k == 0)
                k = lp_b_final(x);
            if (k <= 0) {
                broken = k < 0;
                break;
            }
            while (k-- > 0)
                lp_b_serve(x, ro);
            rspn += (uint64_t)lp_b_push(x);
        }
        for (;;) { /* the frontend's event handler */
            int k = lp_f_avail(x);
            if (k == 0)
                k = lp_f_final(x);
            if (k <= 0) {
                broken |= k < 0;
                break;
            }
            while (k-- > 0)
                errors += lp_f_reap(x, done++, ro) != 0;
        }
        if (done != sent)
            broken = 1; /* every request must have come back within its round */
    }
    t1 = bench_thread_cpu();
    out->requests = done;
    out->secs = t1 - t0;
    out->cpu_share = 1;
    out->req_notify = reqn;
    out->rsp_notify = rspn;
    out->errors = errors + (done != total);
    return broken ? -1 : 0;
}

static int lp_run(loop_ctx *x, const struct ring_cell *c, uint64_t total, struct ring_run *out)
{
    unsigned depth = c->depth < 1 ? 1 : c->depth > 16 ? 16 : c->depth;

    lp_reset(x);
    if (c->ringonly)
        return c->threads == 2 ? lp_run_2t(x, depth, total, out, 1)
                               : lp_run_1t(x, depth, total, out, 1);
    return c->threads == 2 ? lp_run_2t(x, depth, total, out, 0)
                           : lp_run_1t(x, depth, total, out, 0);
}

#endif
