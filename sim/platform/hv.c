/* SPDX-License-Identifier: MIT */
/* Hypervisor and domain lifecycle. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "hv_internal.h"

struct vscsi_sim_hv *vscsi_sim_hv_new(void)
{
    struct vscsi_sim_hv *hv = calloc(1, sizeof(*hv));
    if (!hv)
        return NULL;
    pthread_mutex_init(&hv->dom_lock, NULL);
    pthread_mutex_init(&hv->ev_lock, NULL);
    pthread_mutex_init(&hv->xs_lock, NULL);
    if (vscsi_sim_xs_init(hv) < 0) {
        pthread_mutex_destroy(&hv->dom_lock);
        pthread_mutex_destroy(&hv->ev_lock);
        pthread_mutex_destroy(&hv->xs_lock);
        free(hv);
        return NULL;
    }
    return hv;
}

static void dom_free(struct vscsi_sim_dom *dom)
{
    vscsi_sim_gnt_fini(dom);
    vscsi_sim_mem_fini(dom);
    vscsi_sim_evtchn_fini(dom);
    pthread_mutex_destroy(&dom->gnt_lock);
    pthread_mutex_destroy(&dom->map_lock);
    pthread_mutex_destroy(&dom->fault_lock);
    pthread_cond_destroy(&dom->cond);
    free(dom);
}

void vscsi_sim_hv_free(struct vscsi_sim_hv *hv)
{
    if (!hv)
        return;
    for (struct vscsi_sim_dom *d = hv->all; d; d = d->all_next)
        vscsi_sim_dom_destroy(d);
    struct vscsi_sim_dom *d = hv->all;
    while (d) {
        struct vscsi_sim_dom *next = d->all_next;
        dom_free(d);
        d = next;
    }
    vscsi_sim_xs_fini(hv);
    pthread_mutex_destroy(&hv->dom_lock);
    pthread_mutex_destroy(&hv->ev_lock);
    pthread_mutex_destroy(&hv->xs_lock);
    free(hv);
}

struct vscsi_sim_dom *vscsi_sim_dom_lookup(struct vscsi_sim_hv *hv, uint16_t domid)
{
    if (domid >= VSCSI_SIM_DOMID_MAX)
        return NULL;
    return atomic_load_explicit(&hv->doms[domid], memory_order_acquire);
}

struct vscsi_sim_dom *vscsi_sim_dom_get(struct vscsi_sim_hv *hv, uint16_t domid)
{
    struct vscsi_sim_dom *d = vscsi_sim_dom_lookup(hv, domid);
    return d && !vscsi_sim_dom_dead(d) ? d : NULL;
}

static struct vscsi_sim_dom *dom_alloc(struct vscsi_sim_hv *hv, uint16_t domid, unsigned pages)
{
    struct vscsi_sim_dom *dom = calloc(1, sizeof(*dom));
    if (!dom)
        return NULL;
    dom->hv = hv;
    dom->domid = domid;
    dom->memfd = -1;
    /* The frontend's grant/revoke batches and the backend's copies meet on
     * gnt_lock for a few hundred cycles at a time: spinning briefly beats
     * sleeping in the kernel when both sides run on their own cores. (In
     * glibc the type is an enum; this macro comes with it.) */
    pthread_mutexattr_t ma;
    pthread_mutexattr_init(&ma);
#ifdef PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP
    pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_ADAPTIVE_NP);
#endif
    pthread_mutex_init(&dom->gnt_lock, &ma);
    pthread_mutexattr_destroy(&ma);
    pthread_mutex_init(&dom->map_lock, NULL);
    pthread_mutex_init(&dom->fault_lock, NULL);
    /* Monotonic, so a wall-clock step cannot stretch or cut a timed wait. */
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&dom->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (vscsi_sim_mem_init(dom, pages) < 0 || vscsi_sim_gnt_init(dom) < 0 ||
        vscsi_sim_evtchn_init(dom) < 0) {
        dom_free(dom);
        return NULL;
    }
    return dom;
}

struct vscsi_sim_dom *vscsi_sim_dom_create(struct vscsi_sim_hv *hv, uint16_t domid,
                                           unsigned mem_pages)
{
    /* Frame numbers and refs are 32-bit, and one memfd holds it all. */
    if (!hv || domid >= VSCSI_SIM_DOMID_MAX || mem_pages > (1u << 24))
        return NULL;
    struct vscsi_sim_dom *dom = dom_alloc(hv, domid, mem_pages);
    if (!dom)
        return NULL;
    pthread_mutex_lock(&hv->dom_lock);
    struct vscsi_sim_dom *old = vscsi_sim_dom_lookup(hv, domid);
    if (old && !vscsi_sim_dom_dead(old)) {
        pthread_mutex_unlock(&hv->dom_lock);
        dom_free(dom);
        return NULL;
    }
    dom->all_next = hv->all;
    hv->all = dom;
    atomic_store_explicit(&hv->doms[domid], dom, memory_order_release);
    pthread_mutex_unlock(&hv->dom_lock);
    if (vscsi_sim_xs_dom_created(dom) < 0) {
        vscsi_sim_dom_destroy(dom);
        return NULL;
    }
    return dom;
}

void vscsi_sim_dom_destroy(struct vscsi_sim_dom *dom)
{
    if (!dom)
        return;
    struct vscsi_sim_hv *hv = dom->hv;
    /* Held throughout so no new incarnation of this id appears while peers
     * still reference the old one by id. */
    pthread_mutex_lock(&hv->dom_lock);
    if (vscsi_sim_dom_dead(dom)) {
        pthread_mutex_unlock(&hv->dom_lock);
        return;
    }
    atomic_store_explicit(&dom->dead, true, memory_order_release);
    vscsi_sim_map_dom_dying(dom);
    vscsi_sim_gnt_dom_dying(dom);
    vscsi_sim_xs_dom_dying(dom);
    vscsi_sim_evtchn_dom_dying(dom);
    pthread_mutex_unlock(&hv->dom_lock);
}

void vscsi_sim_dom_process_exit(struct vscsi_sim_dom *dom)
{
    if (!dom || vscsi_sim_dom_dead(dom))
        return;
    vscsi_sim_map_dom_dying(dom);
    vscsi_sim_evtchn_dom_dying(dom);
    vscsi_sim_xs_process_exit(dom);
}

uint16_t vscsi_sim_dom_id(const struct vscsi_sim_dom *dom)
{
    return dom->domid;
}

void vscsi_sim_dom_stats(struct vscsi_sim_dom *dom, struct vscsi_sim_stats *out)
{
#define LOAD(f) out->f = atomic_load_explicit(&dom->st.f, memory_order_relaxed)
    LOAD(evt_sent);
    LOAD(evt_delivered);
    LOAD(evt_coalesced);
    LOAD(maps);
    LOAD(unmaps);
    LOAD(copies);
    LOAD(copy_bytes);
    LOAD(xs_ops);
    LOAD(watch_events);
#undef LOAD
}

void vscsi_sim_hv_direct_maps(struct vscsi_sim_hv *hv, int on)
{
    atomic_store(&hv->direct_maps, on != 0);
}
