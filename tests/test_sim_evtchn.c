/* SPDX-License-Identifier: MIT */
/* Simulated hypervisor: event channels, delivery, masking and faults. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "sim_env.h"

static int setup(void **state)
{
    static const unsigned pages[SIM_ENV_DOMS] = {[FRONT] = 1, [BACK] = 1, [OTHER] = 1};

    return sim_env_setup(state, pages) || sim_env_connect(*state) ? -1 : 0;
}

static void assert_none(struct vscsi_sim_dom *d)
{
    uint32_t p;
    assert_int_equal(vscsi_sim_dom_pending_port(d, &p), -EAGAIN);
}

static void assert_port(struct vscsi_sim_dom *d, uint32_t want)
{
    uint32_t p = 0;
    assert_int_equal(vscsi_sim_dom_pending_port(d, &p), 0);
    assert_int_equal(p, want);
}

static void test_notify_both_ways(void **state)
{
    struct sim_env *e = *state;
    assert_int_not_equal(e->fport, 0);
    assert_none(e->front);
    assert_none(e->back);
    assert_int_equal(e->ops->evtchn_notify(e->back, e->bport), 0);
    assert_none(e->back); /* the sender's own port stays quiet */
    assert_port(e->front, e->fport);
    assert_none(e->front);
    assert_int_equal(e->ops->evtchn_notify(e->front, e->fport), 0);
    assert_port(e->back, e->bport);
    assert_none(e->back);
}

static void test_bind_errors(void **state)
{
    struct sim_env *e = *state;
    uint32_t p, lp;
    /* Offered to OTHER, not to BACK. */
    assert_int_equal(e->ops->evtchn_alloc_unbound(e->front, OTHER, &p), 0);
    assert_int_equal(e->ops->evtchn_bind_interdomain(e->back, FRONT, p, &lp), -EINVAL);
    /* Already bound, free, out of range, port 0, missing domain. */
    assert_int_equal(e->ops->evtchn_bind_interdomain(e->back, FRONT, e->fport, &lp), -EINVAL);
    assert_int_equal(e->ops->evtchn_bind_interdomain(e->back, FRONT, 200, &lp), -EINVAL);
    assert_int_equal(e->ops->evtchn_bind_interdomain(e->back, FRONT, 1u << 20, &lp), -EINVAL);
    assert_int_equal(e->ops->evtchn_bind_interdomain(e->back, FRONT, 0, &lp), -EINVAL);
    assert_int_equal(e->ops->evtchn_bind_interdomain(e->back, 77, p, &lp), -ESRCH);
    /* The rightful peer binds fine. */
    assert_int_equal(e->ops->evtchn_bind_interdomain(e->other, FRONT, p, &lp), 0);
    assert_int_equal(e->ops->evtchn_notify(e->other, lp), 0);
    assert_port(e->front, p);
}

static void test_coalescing(void **state)
{
    struct sim_env *e = *state;
    for (int i = 0; i < 5; i++)
        assert_int_equal(e->ops->evtchn_notify(e->back, e->bport), 0);
    assert_port(e->front, e->fport);
    assert_none(e->front);
    struct vscsi_sim_stats sb, sf;
    vscsi_sim_dom_stats(e->back, &sb);
    vscsi_sim_dom_stats(e->front, &sf);
    assert_int_equal(sb.evt_sent, 5);
    assert_int_equal(sf.evt_coalesced, 4);
    assert_int_equal(sf.evt_delivered, 1);
    /* Once taken, the next notify is a new event. */
    assert_int_equal(e->ops->evtchn_notify(e->back, e->bport), 0);
    assert_port(e->front, e->fport);
}

static void test_fifo_order(void **state)
{
    struct sim_env *e = *state;
    uint32_t f2, b2;
    assert_int_equal(e->ops->evtchn_alloc_unbound(e->front, BACK, &f2), 0);
    assert_int_equal(e->ops->evtchn_bind_interdomain(e->back, FRONT, f2, &b2), 0);
    assert_int_equal(e->ops->evtchn_notify(e->back, b2), 0);
    assert_int_equal(e->ops->evtchn_notify(e->back, e->bport), 0);
    assert_port(e->front, f2);
    assert_port(e->front, e->fport);
    assert_none(e->front);
}

static void test_masking(void **state)
{
    struct sim_env *e = *state;
    assert_int_equal(vscsi_sim_evtchn_mask(e->front, e->fport, 1), 0);
    assert_int_equal(e->ops->evtchn_notify(e->back, e->bport), 0);
    assert_none(e->front);
    assert_int_equal(vscsi_sim_dom_wait(e->front, 0), 0);
    /* Still pending while masked: another send coalesces. */
    assert_int_equal(e->ops->evtchn_notify(e->back, e->bport), 0);
    struct vscsi_sim_stats sf;
    vscsi_sim_dom_stats(e->front, &sf);
    assert_int_equal(sf.evt_coalesced, 1);
    assert_int_equal(vscsi_sim_evtchn_mask(e->front, e->fport, 0), 0);
    assert_int_equal(vscsi_sim_dom_wait(e->front, 0), 1);
    assert_port(e->front, e->fport);
    assert_none(e->front);
    /* Unmasking with nothing pending delivers nothing. */
    assert_int_equal(vscsi_sim_evtchn_mask(e->front, e->fport, 1), 0);
    assert_int_equal(vscsi_sim_evtchn_mask(e->front, e->fport, 0), 0);
    assert_none(e->front);
    /* Masking after the event was queued hides it until unmasked. */
    assert_int_equal(e->ops->evtchn_notify(e->back, e->bport), 0);
    assert_int_equal(vscsi_sim_evtchn_mask(e->front, e->fport, 1), 0);
    assert_none(e->front);
    assert_int_equal(vscsi_sim_evtchn_mask(e->front, e->fport, 0), 0);
    assert_port(e->front, e->fport);
    assert_int_equal(vscsi_sim_evtchn_mask(e->front, 999, 1), -EINVAL);
}

static void test_closed_and_unbound_ports(void **state)
{
    struct sim_env *e = *state;
    uint32_t p;
    assert_int_equal(e->ops->evtchn_alloc_unbound(e->front, BACK, &p), 0);
    assert_int_equal(e->ops->evtchn_notify(e->front, p), -ENOTCONN);
    assert_int_equal(e->ops->evtchn_notify(e->front, 999), -EINVAL);
    assert_int_equal(e->ops->evtchn_notify(e->front, 0), -EINVAL);
    assert_int_equal(e->ops->evtchn_notify(e->front, 1u << 30), -EINVAL);

    /* Back closes: front's end becomes unbound, the back's is gone. */
    assert_int_equal(e->ops->evtchn_notify(e->front, e->fport), 0);
    assert_int_equal(e->ops->evtchn_unbind(e->back, e->bport), 0);
    assert_none(e->back); /* closed with an event pending: nothing delivered */
    assert_int_equal(e->ops->evtchn_notify(e->back, e->bport), -EINVAL);
    assert_int_equal(e->ops->evtchn_notify(e->front, e->fport), -ENOTCONN);
    assert_int_equal(e->ops->evtchn_unbind(e->back, e->bport), -EINVAL);
    /* The unbound end can be bound again by the same remote. */
    uint32_t nb;
    assert_int_equal(e->ops->evtchn_bind_interdomain(e->back, FRONT, e->fport, &nb), 0);
    assert_int_equal(e->ops->evtchn_notify(e->back, nb), 0);
    assert_port(e->front, e->fport);
    assert_int_equal(e->ops->evtchn_unbind(e->front, e->fport), 0);
    assert_int_equal(e->ops->evtchn_notify(e->back, nb), -ENOTCONN);
}

static void test_peer_crash_unbinds(void **state)
{
    struct sim_env *e = *state;
    vscsi_sim_dom_destroy(e->front);
    assert_int_equal(e->ops->evtchn_notify(e->back, e->bport), -ENOTCONN);
    assert_int_equal(e->ops->evtchn_notify(e->front, e->fport), -ESRCH);
    uint32_t p;
    assert_int_equal(e->ops->evtchn_alloc_unbound(e->front, BACK, &p), -ESRCH);
}

static void test_lost_fault(void **state)
{
    struct sim_env *e = *state;
    assert_int_equal(vscsi_sim_fault(e->hv, BACK, VSCSI_SIM_FAULT_EVT_LOST, 2, 1), 0);
    assert_int_equal(e->ops->evtchn_notify(e->back, e->bport), 0);
    assert_port(e->front, e->fport);
    assert_int_equal(e->ops->evtchn_notify(e->back, e->bport), 0); /* lost */
    assert_none(e->front);
    assert_int_equal(e->ops->evtchn_notify(e->back, e->bport), 0);
    assert_port(e->front, e->fport);
    struct vscsi_sim_stats sb;
    vscsi_sim_dom_stats(e->back, &sb);
    assert_int_equal(sb.evt_sent, 3);
}

static void test_spurious_fault(void **state)
{
    struct sim_env *e = *state;
    assert_none(e->front);
    assert_int_equal(vscsi_sim_fault(e->hv, FRONT, VSCSI_SIM_FAULT_EVT_SPURIOUS, 2, 1), 0);
    assert_none(e->front);
    assert_port(e->front, e->fport); /* nobody sent anything */
    assert_none(e->front);
    struct vscsi_sim_stats sb;
    vscsi_sim_dom_stats(e->back, &sb);
    assert_int_equal(sb.evt_sent, 0);
}

static void test_wait(void **state)
{
    struct sim_env *e = *state;
    assert_int_equal(vscsi_sim_dom_wait(e->front, 0), 0);
    assert_int_equal(vscsi_sim_dom_wait(e->front, 20), 0);
    assert_int_equal(e->ops->evtchn_notify(e->back, e->bport), 0);
    assert_int_equal(vscsi_sim_dom_wait(e->front, 20), 1);
    assert_int_equal(vscsi_sim_dom_wait(e->front, -1), 1); /* does not consume */
    assert_port(e->front, e->fport);
    assert_int_equal(vscsi_sim_dom_wait(e->front, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SIM_TEST(test_notify_both_ways),
        SIM_TEST(test_bind_errors),
        SIM_TEST(test_coalescing),
        SIM_TEST(test_fifo_order),
        SIM_TEST(test_masking),
        SIM_TEST(test_closed_and_unbound_ports),
        SIM_TEST(test_peer_crash_unbinds),
        SIM_TEST(test_lost_fault),
        SIM_TEST(test_spurious_fault),
        SIM_TEST(test_wait),
    };
    return cmocka_run_group_tests_name("sim_evtchn", tests, NULL, NULL);
}
