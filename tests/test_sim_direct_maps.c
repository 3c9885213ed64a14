/* SPDX-License-Identifier: MIT */
/* The simulator's direct-map mode (sim_hv.h, vscsi_sim_hv_direct_maps): a
 * mapping of frames that are consecutive in the granter's memory is the
 * granter's own address, so that ThreadSanitizer sees both domains' accesses
 * to shared bytes at one address; anything else stays an alias. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "sim_env.h"

static int setup(void **state)
{
    static const unsigned pages[SIM_ENV_DOMS] = {0, 64, 16, 0};
    return sim_env_setup(state, pages);
}

static void test_direct_and_alias(void **state)
{
    struct sim_env *e = *state;
    uint8_t *base;
    void *pages[4], *a, *b, *c;
    uint32_t refs[4], rev[4];

    vscsi_sim_hv_direct_maps(e->hv, 1);
    assert_int_equal(e->ops->alloc_pages(e->front, 4, (void **)&base), 0);
    for (int i = 0; i < 4; i++)
        pages[i] = base + i * VSCSI_SIM_PAGE_SIZE;
    assert_int_equal(e->ops->grant_access(e->front, BACK, 4, pages, 0, refs), 0);
    for (int i = 0; i < 4; i++)
        rev[i] = refs[3 - i];

    /* consecutive frames: the granter's own bytes, at its own address */
    assert_int_equal(e->ops->map_grants(e->back, FRONT, 4, refs, 1, &a), 0);
    assert_ptr_equal(a, base);
    /* a sub-range, overlapping: also direct, same address */
    assert_int_equal(e->ops->map_grants(e->back, FRONT, 1, refs, 0, &b), 0);
    assert_ptr_equal(b, base);
    /* out of order: an alias, the same bytes elsewhere */
    assert_int_equal(e->ops->map_grants(e->back, FRONT, 4, rev, 1, &c), 0);
    assert_ptr_not_equal(c, base);
    base[3 * VSCSI_SIM_PAGE_SIZE + 5] = 0x42;
    assert_int_equal(((uint8_t *)c)[5], 0x42);
    base[7] = 0x17; /* refs[0], the last page of c */
    assert_int_equal(((uint8_t *)c)[3 * VSCSI_SIM_PAGE_SIZE + 7], 0x17);
    assert_int_equal(vscsi_sim_mappings(e->hv, BACK), 9);
    /* two mappings at one address: each unmapped by its own count */
    assert_int_equal(e->ops->unmap_grants(e->back, base, 3), -EINVAL);
    assert_int_equal(e->ops->unmap_grants(e->back, b, 1), 0);
    assert_int_equal(e->ops->unmap_grants(e->back, a, 4), 0);
    assert_int_equal(e->ops->unmap_grants(e->back, c, 4), 0);
    assert_int_equal(vscsi_sim_mappings(e->hv, BACK), 0);
    assert_int_equal(vscsi_sim_grants_in_use(e->hv, FRONT), 0);

    /* a refused map leaves nothing behind, direct or not */
    uint32_t bad[2] = {refs[0], 9999};
    assert_int_not_equal(e->ops->map_grants(e->back, FRONT, 2, bad, 0, &a), 0);
    assert_int_equal(vscsi_sim_mappings(e->hv, BACK), 0);
    assert_int_equal(vscsi_sim_grants_in_use(e->hv, FRONT), 0);

    /* off: always an alias */
    vscsi_sim_hv_direct_maps(e->hv, 0);
    assert_int_equal(e->ops->map_grants(e->back, FRONT, 4, refs, 1, &a), 0);
    assert_ptr_not_equal(a, base);
    assert_int_equal(e->ops->unmap_grants(e->back, a, 4), 0);
    int st[4];
    assert_int_equal(e->ops->end_access(e->front, 4, refs, st), 0);
    assert_int_equal(e->ops->free_pages(e->front, base, 4), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {SIM_TEST(test_direct_and_alias)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
