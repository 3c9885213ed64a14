/* SPDX-License-Identifier: MIT */
/* Foreign mappings, grantee side: map and unmap grants of another domain. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "hv_internal.h"

/* Direct maps (vscsi_sim_hv_direct_maps): a mapping whose frames follow
 * each other in the granter's memory is the granter's own address instead
 * of an alias, so both domains touch the very same bytes at the same
 * address. */

/* Whether the refs' frames are consecutive in g (lock held, refs checked). */
static bool frames_contiguous(const struct vscsi_sim_dom *g, const uint32_t *refs, uint32_t count)
{
    for (uint32_t i = 1; i < count; i++)
        if (g->gnt[refs[i]].frame != g->gnt[refs[0]].frame + i)
            return false;
    return true;
}

/* Far above any real batch (Linux maps 16 at a time); bounds the records. */
#define MAP_MAX_PAGES 65536u

/* Why a ref cannot be mapped by `mapper`, as a negative errno; 0 if it can. */
static int map_check(struct vscsi_sim_dom *g, uint16_t mapper, uint32_t ref, bool writable)
{
    if (ref < VSCSI_SIM_GNT_RESERVED || ref >= g->gnt_nr)
        return -EINVAL; /* GNTST_bad_gntref */
    const struct vscsi_sim_gnt_entry *e = &g->gnt[ref];
    if ((e->flags & VSCSI_SIM_GTF_type_mask) != VSCSI_SIM_GTF_permit_access ||
        !g->shadow[ref].allocated)
        return -EINVAL;
    if (e->domid != mapper)
        return -EPERM; /* GNTST_permission_denied */
    if (writable && (e->flags & VSCSI_SIM_GTF_readonly))
        return -EPERM;
    return 0;
}

/* The frames go away before the pins drop, so once the granter can revoke,
 * nothing of ours can touch the page any more. */
static void mapping_release(struct vscsi_sim_mapping *m)
{
    if (!m->direct)
        vscsi_sim_mem_release(m->addr, m->count);
    struct vscsi_sim_dom *g = m->granter;
    pthread_mutex_lock(&g->gnt_lock);
    for (uint32_t i = 0; i < m->count && !m->severed; i++)
        vscsi_sim_gnt_unpin(g, m->refs[i], m->writable);
    pthread_mutex_unlock(&g->gnt_lock);
    free(m);
}

int vscsi_sim_sever_mapping(struct vscsi_sim_hv *hv, uint16_t mapper, uint16_t granter,
                            uint32_t ref)
{
    struct vscsi_sim_dom *dom = vscsi_sim_dom_get(hv, mapper);
    if (!dom)
        return -ESRCH;
    pthread_mutex_lock(&dom->map_lock);
    struct vscsi_sim_mapping *m = dom->maps;
    for (; m; m = m->next) {
        bool has = false;
        for (uint32_t i = 0; i < m->count && !has; i++)
            has = m->refs[i] == ref;
        if (has && !m->severed && m->granter->domid == granter)
            break;
    }
    if (!m || m->direct) {
        pthread_mutex_unlock(&dom->map_lock);
        return -EINVAL;
    }
    /* Zeroed private pages over the frames, in one step: an access from
     * the mapper never faults, and never reaches the granter again. */
    void *p = mmap(m->addr, (size_t)m->count * VSCSI_SIM_PAGE_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
    if (p == MAP_FAILED) {
        pthread_mutex_unlock(&dom->map_lock);
        return -ENOMEM;
    }
    m->severed = true;
    struct vscsi_sim_dom *g = m->granter;
    pthread_mutex_lock(&g->gnt_lock);
    for (uint32_t i = 0; i < m->count; i++)
        vscsi_sim_gnt_unpin(g, m->refs[i], m->writable);
    pthread_mutex_unlock(&g->gnt_lock);
    pthread_mutex_unlock(&dom->map_lock);
    return 0;
}

int vscsi_sim_map_grants(struct vscsi_sim_dom *dom, uint16_t domid, uint32_t count,
                         const uint32_t *refs, int writable, void **addr)
{
    if (!refs || !addr || count == 0 || count > MAP_MAX_PAGES)
        return -EINVAL;
    if (vscsi_sim_dom_dead(dom))
        return -ESRCH;
    if (vscsi_sim_fault_hit(dom, VSCSI_SIM_FAULT_MAP))
        return -EIO;
    struct vscsi_sim_dom *g = vscsi_sim_dom_lookup(dom->hv, domid);
    if (!g || vscsi_sim_dom_dead(g))
        return -ESRCH;
    struct vscsi_sim_mapping *m = malloc(sizeof(*m) + sizeof(uint32_t) * count);
    if (!m)
        return -ENOMEM;
    /* Reserved before the lock (an mmap); given back unused when the
     * frames turn out to be consecutive. */
    bool direct = atomic_load_explicit(&dom->hv->direct_maps, memory_order_relaxed);
    uint8_t *resv = direct && count == 1 ? NULL : vscsi_sim_mem_reserve(count);
    if (!resv && !(direct && count == 1)) {
        free(m);
        return -ENOMEM;
    }
    uint8_t *va = resv;
    int rc = 0;
    pthread_mutex_lock(&g->gnt_lock);
    if (vscsi_sim_dom_dead(g))
        rc = -ESRCH;
    for (uint32_t i = 0; rc == 0 && i < count; i++)
        rc = map_check(g, dom->domid, refs[i], writable);
    if (rc == 0 && direct && count > 1 && !frames_contiguous(g, refs, count))
        direct = false;
    if (rc == 0 && direct)
        va = vscsi_sim_mem_page(g, g->gnt[refs[0]].frame);
    for (uint32_t i = 0; rc == 0 && !direct && i < count; i++)
        rc = vscsi_sim_mem_map_frame(va + (size_t)i * VSCSI_SIM_PAGE_SIZE, g, g->gnt[refs[i]].frame,
                                     writable);
    if (rc == 0)
        for (uint32_t i = 0; i < count; i++)
            vscsi_sim_gnt_pin(g, refs[i], writable);
    pthread_mutex_unlock(&g->gnt_lock);
    if (resv && (rc < 0 || direct))
        vscsi_sim_mem_release(resv, count);
    if (rc < 0) {
        free(m);
        return rc;
    }
    m->addr = va;
    m->count = count;
    m->writable = writable != 0;
    m->direct = direct;
    m->severed = false;
    m->granter = g;
    for (uint32_t i = 0; i < count; i++)
        m->refs[i] = refs[i];
    pthread_mutex_lock(&dom->map_lock);
    /* Raced with our own destruction, which has already drained the list. */
    if (vscsi_sim_dom_dead(dom)) {
        pthread_mutex_unlock(&dom->map_lock);
        mapping_release(m);
        return -ESRCH;
    }
    m->next = dom->maps;
    dom->maps = m;
    dom->mapped_pages += count;
    pthread_mutex_unlock(&dom->map_lock);
    VSCSI_SIM_STAT_ADD(dom, maps, count);
    *addr = va;
    return 0;
}

/* map_check for every ref under one lock of the granter: what a map of all
 * of them would say, without mapping or pinning anything. */
int vscsi_sim_check_grants(struct vscsi_sim_dom *dom, uint16_t domid, uint32_t count,
                           const uint32_t *refs, int writable)
{
    if (count && !refs)
        return -EINVAL;
    if (vscsi_sim_dom_dead(dom))
        return -ESRCH;
    struct vscsi_sim_dom *g = vscsi_sim_dom_lookup(dom->hv, domid);
    if (!g)
        return -ESRCH;
    int rc = 0;
    pthread_mutex_lock(&g->gnt_lock);
    if (vscsi_sim_dom_dead(g))
        rc = -ESRCH;
    for (uint32_t i = 0; rc == 0 && i < count; i++)
        rc = map_check(g, dom->domid, refs[i], writable);
    pthread_mutex_unlock(&g->gnt_lock);
    return rc;
}

int vscsi_sim_unmap_grants(struct vscsi_sim_dom *dom, void *addr, uint32_t count)
{
    pthread_mutex_lock(&dom->map_lock);
    struct vscsi_sim_mapping **pp = &dom->maps;
    /* Direct mappings of overlapping ranges can share an address. */
    while (*pp && ((*pp)->addr != addr || (*pp)->count != count))
        pp = &(*pp)->next;
    struct vscsi_sim_mapping *m = *pp;
    if (!m) {
        pthread_mutex_unlock(&dom->map_lock);
        return -EINVAL;
    }
    *pp = m->next;
    dom->mapped_pages -= count;
    pthread_mutex_unlock(&dom->map_lock);
    mapping_release(m);
    VSCSI_SIM_STAT_ADD(dom, unmaps, count);
    return 0;
}

void vscsi_sim_map_dom_dying(struct vscsi_sim_dom *dom)
{
    pthread_mutex_lock(&dom->map_lock);
    struct vscsi_sim_mapping *m = dom->maps;
    dom->maps = NULL;
    dom->mapped_pages = 0;
    pthread_mutex_unlock(&dom->map_lock);
    while (m) {
        struct vscsi_sim_mapping *next = m->next;
        mapping_release(m);
        m = next;
    }
}

unsigned vscsi_sim_mappings(struct vscsi_sim_hv *hv, uint16_t mapper)
{
    struct vscsi_sim_dom *d = vscsi_sim_dom_lookup(hv, mapper);
    if (!d)
        return 0;
    pthread_mutex_lock(&d->map_lock);
    unsigned n = d->mapped_pages;
    pthread_mutex_unlock(&d->map_lock);
    return n;
}
