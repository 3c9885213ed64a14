/* SPDX-License-Identifier: MIT */
/* Two threads, one per end, millions of requests through the real ring
 * functions. Event channels are modelled by a counter the peer bumps when
 * push says "notify"; a side with no work arms its event index (final check)
 * and then sleeps until kicked. A wrong notify rule or a missing barrier shows
 * up as a lost wakeup (both sides asleep with work pending: the watchdog
 * fails the test) or as a lost/duplicated/corrupted request. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <cmocka.h>

#include "vscsiif/vscsiif.h"

#define STRESS_START (UINT32_MAX - 1000u)

struct stress {
    struct vscsi_sring page;
    uint32_t total;
    unsigned kicks_to_back, kicks_to_front; /* atomics */
    unsigned notifies_front, notifies_back;
    int failed; /* atomic */
    uint8_t *seen;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleeps until *kicks moves past `seen`; returns 0 on a 5 s timeout. */
static int wait_kick(unsigned *kicks, unsigned seen, const int *failed)
{
    double deadline = now_s() + 5.0;
    for (unsigned spin = 0;; spin++) {
        if (__atomic_load_n(kicks, __ATOMIC_ACQUIRE) != seen)
            return 1;
        if (__atomic_load_n(failed, __ATOMIC_RELAXED))
            return 1;
        if ((spin & 1023) == 1023 && now_s() > deadline)
            return 0;
        sched_yield();
    }
}

static void *back_thread(void *arg)
{
    struct stress *s = arg;
    struct vscsi_back_ring b;
    uint32_t done = 0;
    vscsi_back_ring_attach(&b, &s->page, STRESS_START);
    while (done < s->total && !__atomic_load_n(&s->failed, __ATOMIC_RELAXED)) {
        unsigned seen = __atomic_load_n(&s->kicks_to_back, __ATOMIC_ACQUIRE);
        int n = vscsi_back_final_check(&b);
        if (n < 0) {
            __atomic_store_n(&s->failed, 1, __ATOMIC_RELAXED);
            break;
        }
        if (n == 0) {
            if (!wait_kick(&s->kicks_to_back, seen, &s->failed))
                __atomic_store_n(&s->failed, 2, __ATOMIC_RELAXED);
            continue;
        }
        for (int i = 0; i < n; i++) {
            struct vscsi_request rq;
            uint32_t seq;
            vscsi_back_take(&b, &rq);
            memcpy(&seq, &rq.cmnd[2], 4);
            struct vscsi_response *rsp = vscsi_back_slot(&b);
            vscsi_rsp_cdb(rsp, rq.rqid, 0, 0, NULL, 0, seq);
            vscsi_back_produce(&b);
            done++;
        }
        if (vscsi_back_push(&b)) {
            s->notifies_back++;
            __atomic_fetch_add(&s->kicks_to_front, 1, __ATOMIC_RELEASE);
        }
    }
    return NULL;
}

static void front_loop(struct stress *s)
{
    struct vscsi_front_ring f;
    struct vscsi_nexus nx = {0, 0, 0};
    uint32_t sent = 0, answered = 0;
    unsigned batch = 1;
    vscsi_front_ring_attach(&f, &s->page, STRESS_START);
    while (answered < s->total && !__atomic_load_n(&s->failed, __ATOMIC_RELAXED)) {
        unsigned room = vscsi_front_free(&f);
        unsigned want = batch < room ? batch : room;
        if (want > s->total - sent)
            want = s->total - sent;
        for (unsigned i = 0; i < want; i++, sent++) {
            uint8_t cdb[10] = {VSCSI_OP_READ_10};
            memcpy(&cdb[2], &sent, 4);
            vscsi_req_cdb(vscsi_front_slot(&f), (uint16_t)(sent & 0xffff), &nx, cdb, 10,
                          VSCSI_DIR_NONE, 0);
            vscsi_front_produce(&f);
        }
        batch = batch % 16 + 1; /* every in-flight depth from 1 to 16 */
        if (want && vscsi_front_push(&f)) {
            s->notifies_front++;
            __atomic_fetch_add(&s->kicks_to_back, 1, __ATOMIC_RELEASE);
        }
        unsigned seen = __atomic_load_n(&s->kicks_to_front, __ATOMIC_ACQUIRE);
        int n = vscsi_front_final_check(&f);
        if (n < 0) {
            __atomic_store_n(&s->failed, 3, __ATOMIC_RELAXED);
            break;
        }
        if (n == 0 && vscsi_front_free(&f) == 0) {
            if (!wait_kick(&s->kicks_to_front, seen, &s->failed))
                __atomic_store_n(&s->failed, 4, __ATOMIC_RELAXED);
            continue;
        }
        for (int i = 0; i < n; i++) {
            struct vscsi_response rsp;
            vscsi_front_take(&f, &rsp);
            uint32_t seq = rsp.residual_len;
            if (seq >= s->total || s->seen[seq] || rsp.rqid != (uint16_t)(seq & 0xffff)) {
                __atomic_store_n(&s->failed, 5, __ATOMIC_RELAXED);
                break;
            }
            s->seen[seq] = 1;
            answered++;
        }
    }
}

static void test_two_threads(void **state)
{
    (void)state;
    struct stress *s = calloc(1, sizeof(*s));
    const char *env = getenv("VSCSI_STRESS_N");
    s->total = env ? (uint32_t)strtoul(env, NULL, 10) : 4000000u;
    s->seen = calloc(s->total, 1);
    vscsi_sring_init(&s->page);
    /* Start near 2^32 so the run also crosses the index wrap. */
    s->page.req_prod = s->page.rsp_prod = STRESS_START;
    s->page.req_event = s->page.rsp_event = STRESS_START + 1;

    pthread_t t;
    double t0 = now_s();
    assert_int_equal(pthread_create(&t, NULL, back_thread, s), 0);
    front_loop(s);
    pthread_join(t, NULL);
    double dt = now_s() - t0;

    print_message("%u requests in %.2f s (%.1f M/s), notifies front %u back %u\n", s->total, dt,
                  s->total / dt / 1e6, s->notifies_front, s->notifies_back);
    assert_int_equal(s->failed, 0);
    for (uint32_t i = 0; i < s->total; i++)
        if (!s->seen[i])
            fail_msg("request %u never answered", i);
    free(s->seen);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
