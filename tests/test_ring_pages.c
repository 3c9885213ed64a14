/* SPDX-License-Identifier: MIT */
/* Multi-page ring (docs/multi-page-ring.md): the per-ring slot count of
 * ring.h, the store negotiation of lib/ring_pages.c, and a ring of 2^order
 * pages granted by one simulated domain and mapped by another carrying more
 * than 16 commands in flight. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "vscsiif/vscsiif.h"
#include "vscsiif/xenbus.h"

#include "ring_pages.h"
#include "sim_env.h"

#define FE "/local/domain/1/device/vscsi/0"
#define BE "/local/domain/0/backend/vscsi/1/0"

static int setup(void **state)
{
    static const unsigned pages[SIM_ENV_DOMS] = {[0] = 4, [FRONT] = 64, [BACK] = 8};

    return sim_env_setup(state, pages);
}

static void put(struct sim_env *e, const char *dir, const char *name, const char *v)
{
    char path[VSCSI_XB_PATH_MAX + 1];

    assert_int_equal(vscsi_xb_join(path, sizeof(path), dir, name), 0);
    assert_int_equal(e->ops->xs_write(e->d0, VSCSI_XS_NO_TXN, path, v), 0);
}

/* ------------------------------------------------------------ ring.h */

static _Alignas(64) unsigned char area[VSCSI_PAGE_SIZE << VSCSI_RING_PAGE_ORDER_MAX];

/* Fills the ring to the brim, sees it full, drains it in order: every slot
 * of 2^order pages used once, none outside them. */
static void fill_and_drain(struct vscsi_sring *s, unsigned order, uint32_t start)
{
    struct vscsi_front_ring f;
    struct vscsi_back_ring b;
    uint32_t n = VSCSI_RING_SLOTS(order);

    vscsi_sring_init(s);
    vscsi_front_ring_init_order(&f, s, order);
    vscsi_back_ring_attach_order(&b, s, order, start);
    f.req_prod_pvt = f.rsp_cons = start;
    s->req_prod = s->rsp_prod = start;
    for (uint32_t i = 0; i < n; i++) {
        struct vscsi_request *rq = vscsi_front_slot(&f);

        assert_non_null(rq);
        assert_true((unsigned char *)rq >= (unsigned char *)s + VSCSI_SRING_HDR_SIZE);
        assert_true((unsigned char *)(rq + 1) <= (unsigned char *)s + (VSCSI_PAGE_SIZE << order));
        memset(rq, 0, sizeof(*rq));
        rq->rqid = (uint16_t)i;
        vscsi_front_produce(&f);
    }
    assert_null(vscsi_front_slot(&f));
    assert_int_equal(vscsi_front_free(&f), 0);
    vscsi_front_push(&f);
    assert_int_equal(vscsi_back_requests(&b), (int)n);
    for (uint32_t i = 0; i < n; i++) {
        struct vscsi_request rq;
        struct vscsi_response *rsp;

        vscsi_back_take(&b, &rq);
        assert_int_equal(rq.rqid, i);
        rsp = vscsi_back_slot(&b);
        assert_non_null(rsp);
        rsp->rqid = rq.rqid;
        rsp->sense_len = 0;
        vscsi_back_produce(&b);
    }
    vscsi_back_push(&b);
    assert_int_equal(vscsi_front_responses(&f), (int)n);
    for (uint32_t i = 0; i < n; i++) {
        struct vscsi_response rsp;

        vscsi_front_take(&f, &rsp);
        assert_int_equal(rsp.rqid, i);
    }
    assert_int_equal(vscsi_front_free(&f), n);
}

static void test_slots_per_order(void **state)
{
    (void)state;
    for (unsigned o = 0; o <= VSCSI_RING_PAGE_ORDER_MAX; o++) {
        uint32_t n = VSCSI_RING_SLOTS(o);

        /* The power-of-two floor of what 2^o pages hold after the header. */
        assert_true(VSCSI_SRING_HDR_SIZE + n * VSCSI_SLOT_SIZE <= ((uint32_t)VSCSI_PAGE_SIZE << o));
        assert_true(VSCSI_SRING_HDR_SIZE + 2 * n * VSCSI_SLOT_SIZE >
                    ((uint32_t)VSCSI_PAGE_SIZE << o));
        fill_and_drain((struct vscsi_sring *)area, o, 0);
        fill_and_drain((struct vscsi_sring *)area, o, UINT32_MAX - n / 2); /* across 2^32 */
    }
}

static void test_order0_is_the_standard_ring(void **state)
{
    struct vscsi_front_ring a, b;
    struct vscsi_back_ring c, d;
    struct vscsi_sring *s = (struct vscsi_sring *)area;

    (void)state;
    /* Fields one by one: the structs have tail padding. */
    memset(&b, 0xa5, sizeof(b));
    memset(&d, 0xa5, sizeof(d));
    vscsi_front_ring_init(&a, s);
    vscsi_front_ring_init_order(&b, s, 0);
    assert_ptr_equal(a.sring, b.sring);
    assert_int_equal(a.req_prod_pvt, b.req_prod_pvt);
    assert_int_equal(a.rsp_cons, b.rsp_cons);
    assert_int_equal(a.mask, b.mask);
    vscsi_back_ring_init(&c, s);
    vscsi_back_ring_init_order(&d, s, 0);
    assert_ptr_equal(c.sring, d.sring);
    assert_int_equal(c.rsp_prod_pvt, d.rsp_prod_pvt);
    assert_int_equal(c.req_cons, d.req_cons);
    assert_int_equal(c.mask, d.mask);
    assert_int_equal(d.mask, VSCSI_RING_SIZE - 1);
    assert_int_equal(a.mask, VSCSI_RING_SIZE - 1);
    assert_ptr_equal(vscsi_ring_slot_at(s, a.mask, 17), &s->ring[1]);
}

/* The bound of the overflow checks is the ring's own slot count. */
static void test_back_bound_follows_order(void **state)
{
    struct vscsi_back_ring b;
    struct vscsi_sring *s = (struct vscsi_sring *)area;

    (void)state;
    vscsi_sring_init(s);
    vscsi_back_ring_init_order(&b, s, 2);
    s->req_prod = 64;
    assert_int_equal(vscsi_back_requests(&b), 64);
    s->req_prod = 65;
    assert_int_equal(vscsi_back_requests(&b), -EPROTO);
    vscsi_back_ring_init(&b, s);
    s->req_prod = 17;
    assert_int_equal(vscsi_back_requests(&b), -EPROTO);
}

/* ------------------------------------------------------- negotiation */

static void test_advertise_only_when_on(void **state)
{
    struct sim_env *e = *state;
    uint32_t v;

    assert_int_equal(vscsi__ring_pages_advertise(e->ops, e->d0, BE, 0), 0);
    assert_int_equal(
        vscsi_xb_read_uint(e->ops, e->d0, VSCSI_XS_NO_TXN, BE, "max-ring-page-order", 99, &v),
        -ENOENT);
    assert_int_equal(vscsi__ring_pages_advertise(e->ops, e->d0, BE, 9), 0);
    assert_int_equal(
        vscsi_xb_read_uint(e->ops, e->d0, VSCSI_XS_NO_TXN, BE, "max-ring-page-order", 99, &v), 0);
    assert_int_equal(v, VSCSI_RING_PAGE_ORDER_MAX);
}

static void test_choose(void **state)
{
    struct sim_env *e = *state;
    int bogus;

    /* A standard backend advertises nothing: the single page. */
    assert_int_equal(vscsi__ring_pages_choose(e->ops, e->d0, BE, 4, &bogus), 0);
    assert_int_equal(bogus, 0);
    put(e, BE, "max-ring-page-order", "2");
    assert_int_equal(vscsi__ring_pages_choose(e->ops, e->d0, BE, 4, &bogus), 2);
    assert_int_equal(vscsi__ring_pages_choose(e->ops, e->d0, BE, 1, &bogus), 1);
    /* The option off on our side: the single page whatever is offered. */
    assert_int_equal(vscsi__ring_pages_choose(e->ops, e->d0, BE, 0, &bogus), 0);
    put(e, BE, "max-ring-page-order", "99");
    assert_int_equal(vscsi__ring_pages_choose(e->ops, e->d0, BE, 3, &bogus), 3);
    put(e, BE, "max-ring-page-order", "two");
    assert_int_equal(vscsi__ring_pages_choose(e->ops, e->d0, BE, 3, &bogus), 0);
    assert_int_equal(bogus, 1);
    put(e, BE, "max-ring-page-order", "-1");
    assert_int_equal(vscsi__ring_pages_choose(e->ops, e->d0, BE, 3, &bogus), 0);
    assert_int_equal(bogus, 1);
}

static void test_read_single_page(void **state)
{
    struct sim_env *e = *state;
    struct ring_pages_req r;
    const char *why = NULL;

    put(e, FE, "ring-ref", "77");
    /* Option off: ring-page-order is not even looked at. */
    put(e, FE, "ring-page-order", "junk");
    assert_int_equal(vscsi__ring_pages_read(e->ops, e->d0, FE, 0, &r, &why), 0);
    assert_int_equal(r.order, 0);
    assert_int_equal(r.refs[0], 77);
    /* Option on, order 0: ring-ref as ever. */
    put(e, FE, "ring-page-order", "0");
    assert_int_equal(vscsi__ring_pages_read(e->ops, e->d0, FE, 4, &r, &why), 0);
    assert_int_equal(r.order, 0);
    assert_int_equal(r.refs[0], 77);
}

static void test_read_pages(void **state)
{
    struct sim_env *e = *state;
    struct ring_pages_req r;
    const char *why = NULL;
    uint32_t refs[4] = {8, 9, 4000000000u, 11};

    assert_int_equal(vscsi__ring_pages_write(e->ops, e->d0, VSCSI_XS_NO_TXN, FE, 2, refs), 0);
    assert_int_equal(vscsi__ring_pages_read(e->ops, e->d0, FE, 4, &r, &why), 0);
    assert_int_equal(r.order, 2);
    assert_memory_equal(r.refs, refs, sizeof(refs));
    assert_int_equal(vscsi__ring_pages_write(e->ops, e->d0, VSCSI_XS_NO_TXN, FE, 0, refs), -EINVAL);
}

/* Each hostile layout is refused with a reason for the error node. */
static void expect_refused(struct sim_env *e, unsigned max, int err)
{
    struct ring_pages_req r;
    const char *why = NULL;

    assert_int_equal(vscsi__ring_pages_read(e->ops, e->d0, FE, max, &r, &why), err);
    assert_non_null(why);
    assert_int_equal(r.order, 0);
}

static void test_read_hostile(void **state)
{
    struct sim_env *e = *state;
    uint32_t refs[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

    assert_int_equal(vscsi__ring_pages_write(e->ops, e->d0, VSCSI_XS_NO_TXN, FE, 2, refs), 0);
    expect_refused(e, 1, -EINVAL); /* order beyond what we advertised */
    put(e, FE, "ring-page-order", "5");
    expect_refused(e, 4, -EINVAL); /* beyond the hard limit */
    put(e, FE, "ring-page-order", "02");
    expect_refused(e, 4, -EINVAL); /* not a strict decimal */
    put(e, FE, "ring-page-order", "x");
    expect_refused(e, 4, -EINVAL);
    put(e, FE, "ring-page-order", "2");
    put(e, FE, "ring-ref4", "99");
    expect_refused(e, 4, -EINVAL); /* too many refs */
    assert_int_equal(e->ops->xs_rm(e->d0, VSCSI_XS_NO_TXN, FE "/ring-ref4"), 0);
    put(e, FE, "ring-ref2", "4294967296");
    expect_refused(e, 4, -EINVAL); /* not a grant ref */
    put(e, FE, "ring-ref2", "ref");
    expect_refused(e, 4, -EINVAL);
    assert_int_equal(e->ops->xs_rm(e->d0, VSCSI_XS_NO_TXN, FE "/ring-ref2"), 0);
    expect_refused(e, 4, -ENOENT); /* a ref missing */
    put(e, FE, "ring-page-order", "0");
    expect_refused(e, 4, -ENOENT); /* order 0 and no ring-ref */
}

/* ours <-> ours: the frontend grants 2^order contiguous pages, the backend
 * reads the nodes and maps them in one call, and 64 commands are in flight
 * at once through the mapped ring; unmapping and revoking leave nothing. */
static void test_ours_ours_through_grants(void **state)
{
    struct sim_env *e = *state;
    const unsigned order = 2, n = 1u << order;
    struct ring_pages_req r;
    const char *why = NULL;
    void *fpages[RING_PAGES_MAX], *front_va, *back_va;
    uint32_t refs[RING_PAGES_MAX];
    int status[RING_PAGES_MAX], bogus;
    struct vscsi_front_ring f;
    struct vscsi_back_ring b;

    assert_int_equal(vscsi__ring_pages_advertise(e->ops, e->d0, BE, VSCSI_RING_PAGE_ORDER_MAX), 0);
    assert_int_equal(vscsi__ring_pages_choose(e->ops, e->d0, BE, order, &bogus), order);
    assert_int_equal(e->ops->alloc_pages(e->front, n, &front_va), 0);
    for (unsigned i = 0; i < n; i++)
        fpages[i] = (unsigned char *)front_va + i * VSCSI_PAGE_SIZE;
    assert_int_equal(e->ops->grant_access(e->front, BACK, n, fpages, 0, refs), 0);
    vscsi_sring_init(front_va);
    vscsi_front_ring_init_order(&f, front_va, order);
    assert_int_equal(vscsi__ring_pages_write(e->ops, e->d0, VSCSI_XS_NO_TXN, FE, order, refs), 0);

    assert_int_equal(vscsi__ring_pages_read(e->ops, e->d0, FE, VSCSI_RING_PAGE_ORDER_MAX, &r, &why),
                     0);
    assert_int_equal(r.order, order);
    assert_int_equal(e->ops->map_grants(e->back, FRONT, n, r.refs, 1, &back_va), 0);
    assert_int_equal(vscsi_sim_mappings(e->hv, BACK), n);
    vscsi_back_ring_init_order(&b, back_va, r.order);

    for (unsigned i = 0; i < VSCSI_RING_SLOTS(order); i++) {
        struct vscsi_request *rq = vscsi_front_slot(&f);

        assert_non_null(rq);
        memset(rq, 0, sizeof(*rq));
        rq->rqid = (uint16_t)(1000 + i);
        vscsi_front_produce(&f);
    }
    assert_null(vscsi_front_slot(&f));
    vscsi_front_push(&f);
    assert_int_equal(vscsi_back_requests(&b), 64);
    for (unsigned i = 0; i < 64; i++) {
        struct vscsi_request rq;
        struct vscsi_response *rsp;

        vscsi_back_take(&b, &rq);
        assert_int_equal(rq.rqid, 1000 + i);
        rsp = vscsi_back_slot(&b);
        memset(rsp, 0, sizeof(*rsp));
        rsp->rqid = rq.rqid;
        vscsi_back_produce(&b);
    }
    vscsi_back_push(&b);
    assert_int_equal(vscsi_front_responses(&f), 64);
    for (unsigned i = 0; i < 64; i++) {
        struct vscsi_response rsp;

        vscsi_front_take(&f, &rsp);
        assert_int_equal(rsp.rqid, 1000 + i);
    }

    assert_int_equal(e->ops->unmap_grants(e->back, back_va, n), 0);
    assert_int_equal(vscsi_sim_mappings(e->hv, BACK), 0);
    assert_int_equal(e->ops->end_access(e->front, n, refs, status), 0);
    assert_int_equal(vscsi_sim_grants_active(e->hv, FRONT), 0);
    assert_int_equal(e->ops->free_pages(e->front, front_va, n), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slots_per_order),
        cmocka_unit_test(test_order0_is_the_standard_ring),
        cmocka_unit_test(test_back_bound_follows_order),
        SIM_TEST(test_advertise_only_when_on),
        SIM_TEST(test_choose),
        SIM_TEST(test_read_single_page),
        SIM_TEST(test_read_pages),
        SIM_TEST(test_read_hostile),
        SIM_TEST(test_ours_ours_through_grants),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
