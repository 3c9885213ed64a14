/* SPDX-License-Identifier: MIT */
/* The fixture the tests/test_sim_*.c suites share: a fresh simulated hypervisor
 * for every test, so no test sees another's grants, ports or nodes. */
#ifndef TESTS_SIM_ENV_H
#define TESTS_SIM_ENV_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/sim_hv.h"

/* The domids the grant and event-channel suites give their roles. */
#define FRONT 1
#define BACK  2
#define OTHER 3

#define SIM_ENV_DOMS 4

struct sim_env {
    struct vscsi_sim_hv *hv;
    const struct vscsi_platform_ops *ops;
    /* Indexed by domid; the XenStore suites think in domids, the others in
     * roles, and both names stay valid for the same domain. */
    union {
        struct vscsi_sim_dom *dom[SIM_ENV_DOMS];
        struct {
            struct vscsi_sim_dom *d0, *d1, *d2, *d3;
        };
        struct {
            struct vscsi_sim_dom *unused_d0, *front, *back, *other;
        };
    };
    uint32_t fport, bport; /* set by sim_env_connect() */
};

/* pages[domid] is that domain's private memory in pages; 0 creates no domain
 * with that id. A static env, as cmocka's state outlives this call. */
static inline int sim_env_setup(void **state, const unsigned pages[SIM_ENV_DOMS])
{
    static struct sim_env e;

    memset(&e, 0, sizeof(e));
    *state = &e;
    e.hv = vscsi_sim_hv_new();
    if (!e.hv)
        return -1;
    e.ops = vscsi_sim_ops();
    for (uint16_t id = 0; id < SIM_ENV_DOMS; id++)
        if (pages[id] && !(e.dom[id] = vscsi_sim_dom_create(e.hv, id, pages[id])))
            return -1;
    return 0;
}

/* The FRONT<->BACK event channel most ring-style tests start from. */
static inline int sim_env_connect(struct sim_env *e)
{
    if (e->ops->evtchn_alloc_unbound(e->front, BACK, &e->fport) != 0 ||
        e->ops->evtchn_bind_interdomain(e->back, FRONT, e->fport, &e->bport) != 0)
        return -1;
    return 0;
}

static inline int sim_env_teardown(void **state)
{
    struct sim_env *e = *state;

    vscsi_sim_hv_free(e->hv);
    return 0;
}

/* Every test runs on its own hypervisor from the file's setup(). */
#define SIM_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, sim_env_teardown)

static inline int sim_env_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorts items and joins them with sep into out: the simulator promises no
 * order for directory listings or queued watch events. */
static inline void sim_env_sorted_join(char **items, size_t n, const char *sep, char *out)
{
    qsort(items, n, sizeof(items[0]), sim_env_cmp_str);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (i)
            strcat(out, sep);
        strcat(out, items[i]);
    }
}

#endif
