/* SPDX-License-Identifier: MIT */
/* Fault injection: count matching operations per domain and fail chosen ones. */
#define _GNU_SOURCE
#include <errno.h>

#include "hv_internal.h"

/* Caller holds fault_lock. */
static void update_any(struct vscsi_sim_dom *dom)
{
    bool any = false;
    for (unsigned k = 0; k < VSCSI_SIM_FAULT_NR; k++)
        any |= atomic_load_explicit(&dom->fault_armed[k], memory_order_relaxed);
    atomic_store_explicit(&dom->fault_any, any, memory_order_relaxed);
}

int vscsi_sim_fault(struct vscsi_sim_hv *hv, uint16_t domid, enum vscsi_sim_fault kind,
                    uint64_t nth, uint64_t count)
{
    if ((unsigned)kind >= VSCSI_SIM_FAULT_NR)
        return -EINVAL;
    struct vscsi_sim_dom *dom = vscsi_sim_dom_get(hv, domid);
    if (!dom)
        return -ESRCH;
    pthread_mutex_lock(&dom->fault_lock);
    struct vscsi_sim_fault_state *f = &dom->faults[kind];
    f->skip = nth ? nth - 1 : 0;
    f->left = count;
    f->forever = count == 0;
    atomic_store_explicit(&dom->fault_armed[kind], nth != 0, memory_order_relaxed);
    update_any(dom);
    pthread_mutex_unlock(&dom->fault_lock);
    return 0;
}

bool vscsi_sim_fault_hit_slow(struct vscsi_sim_dom *dom, enum vscsi_sim_fault kind)
{
    /* Some fault is armed, maybe not this one: still one relaxed load. */
    if (!atomic_load_explicit(&dom->fault_armed[kind], memory_order_relaxed))
        return false;
    bool hit = false;
    pthread_mutex_lock(&dom->fault_lock);
    struct vscsi_sim_fault_state *f = &dom->faults[kind];
    if (atomic_load_explicit(&dom->fault_armed[kind], memory_order_relaxed)) {
        if (f->skip) {
            f->skip--;
        } else {
            hit = true;
            if (!f->forever && --f->left == 0) {
                atomic_store_explicit(&dom->fault_armed[kind], false, memory_order_relaxed);
                update_any(dom);
            }
        }
    }
    pthread_mutex_unlock(&dom->fault_lock);
    return hit;
}
