/* SPDX-License-Identifier: MIT */
/*
 * Private structures of the simulated hypervisor.
 *
 * Locks and their order (take left before right, never the reverse):
 *   hv->dom_lock (create/destroy) -> everything below
 *   hv->xs_lock -> hv->ev_lock
 *   dom->map_lock and dom->gnt_lock are never held together and never held
 *   while taking hv->xs_lock or hv->ev_lock.
 *   dom->fault_lock is a leaf that may be taken under any of them.
 * Domain structs are never freed before vscsi_sim_hv_free(), so a pointer
 * loaded from hv->doms without a lock stays dereferenceable; `dead` says
 * whether it still is a live domain.
 */
#ifndef VSCSI_SIM_HV_INTERNAL_H
#define VSCSI_SIM_HV_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include "sim_hv.h"

/* v1 shared entry, laid out as in public/grant_table.h. */
struct vscsi_sim_gnt_entry {
    uint16_t flags;
    uint16_t domid;
    uint32_t frame;
};

/* What Xen keeps beside each shared entry (its "active entry"). */
struct vscsi_sim_gnt_shadow {
    uint32_t pins_ro, pins_rw; /* foreign mappings */
    uint32_t copy_rd, copy_wr; /* copies in flight */
    bool allocated;            /* handed out by grant_page/grant_access, not revoked */
    bool pooled;               /* grant_access: a revoke leaves the page to its owner */
};

/* What a frame of domain memory is used for. */
enum { VSCSI_SIM_FRAME_FREE, VSCSI_SIM_FRAME_GRANT, VSCSI_SIM_FRAME_POOL };

struct vscsi_sim_mapping {
    struct vscsi_sim_mapping *next;
    void *addr;
    uint32_t count;
    bool writable;
    bool direct;  /* TSan builds: the granter's own address, not an alias */
    bool severed; /* vscsi_sim_sever_mapping: private zero pages, no pins */
    struct vscsi_sim_dom *granter;
    uint32_t refs[];
};

enum { VSCSI_SIM_PORT_FREE, VSCSI_SIM_PORT_UNBOUND, VSCSI_SIM_PORT_INTERDOMAIN };

struct vscsi_sim_port {
    uint8_t state;
    bool pending, masked;
    bool queued; /* on the delivery FIFO (possibly stale; the pop re-checks) */
    uint16_t remote_dom;
    uint32_t remote_port;
    uint32_t q_next; /* FIFO link; 0 ends it, port 0 is never used */
};

struct vscsi_sim_watch_event {
    struct vscsi_sim_watch_event *next;
    uint64_t watch_serial; /* so an unwatch can drop what is still queued */
    char *path;
    char *token;
};

struct vscsi_sim_fault_state {
    uint64_t skip;
    uint64_t left;
    bool forever;
};

struct vscsi_sim_counters {
    _Atomic uint64_t evt_sent, evt_delivered, evt_coalesced, maps, unmaps, copies, copy_bytes,
        xs_ops, watch_events;
};

struct vscsi_sim_dom {
    struct vscsi_sim_hv *hv;
    struct vscsi_sim_dom *all_next; /* every domain ever created, for hv_free */
    uint16_t domid;
    atomic_bool dead;
    atomic_bool xs_lost; /* VSCSI_SIM_FAULT_XS_LOST hit: the store is gone */

    /* Memory and grant table (granter side), under gnt_lock. */
    pthread_mutex_t gnt_lock;
    int memfd;
    uint8_t *mem;
    uint32_t mem_pages;
    /* Free-frame stack; a frame a pool run took stays in it as a stale
     * entry (frame_stacked set, kind POOL) that the next pop skips, so
     * neither taking nor giving back a run has to search the stack. */
    uint32_t *free_frames;
    uint32_t nstack_frames; /* entries in free_frames, stale ones included */
    uint32_t nfree_frames;  /* frames really free */
    uint8_t *frame_stacked; /* per frame: has an entry in free_frames */
    uint32_t top_used;      /* the highest top_used frames are all taken */
    uint8_t *frame_kind;    /* VSCSI_SIM_FRAME_*, per frame */
    uint32_t *frame_grants; /* live grant_access grants of a pool frame */
    struct vscsi_sim_gnt_entry *gnt;
    struct vscsi_sim_gnt_shadow *shadow;
    uint32_t gnt_nr;
    uint32_t *free_refs;
    uint32_t nfree_refs;

    /* Foreign mappings this domain made, under map_lock. */
    pthread_mutex_t map_lock;
    struct vscsi_sim_mapping *maps;
    uint32_t mapped_pages;

    /* Event channels and delivery, under hv->ev_lock. */
    struct vscsi_sim_port *ports;
    uint32_t q_head, q_tail;
    struct vscsi_sim_watch_event *wq_head, **wq_tail;
    pthread_cond_t cond;
    uint64_t kicks;
    /* Bumped whenever a port or watch event is queued or the domain kicked:
     * lets a waiter spin on one cache line before it sleeps on `cond`. */
    _Atomic uint64_t deliver_seq;

    pthread_mutex_t fault_lock;
    /* Some fault_armed[] is set: the one relaxed load the per-page paths
     * (grant copy, grant_access) pay when no test armed anything. */
    atomic_bool fault_any;
    atomic_bool fault_armed[VSCSI_SIM_FAULT_NR];
    struct vscsi_sim_fault_state faults[VSCSI_SIM_FAULT_NR];

    struct vscsi_sim_counters st;
};

struct vscsi_sim_xs;

struct vscsi_sim_hv {
    pthread_mutex_t dom_lock;
    _Atomic(struct vscsi_sim_dom *) doms[VSCSI_SIM_DOMID_MAX];
    struct vscsi_sim_dom *all;
    pthread_mutex_t ev_lock;
    pthread_mutex_t xs_lock;
    struct vscsi_sim_xs *xs;
    atomic_int direct_maps;
};

#define VSCSI_SIM_STAT_ADD(dom, field, n)                                                          \
    atomic_fetch_add_explicit(&(dom)->st.field, (uint64_t)(n), memory_order_relaxed)

/* Latest domain with this id, live or dead; NULL if never created. */
struct vscsi_sim_dom *vscsi_sim_dom_lookup(struct vscsi_sim_hv *hv, uint16_t domid);
static inline bool vscsi_sim_dom_dead(const struct vscsi_sim_dom *dom)
{
    return atomic_load_explicit(&dom->dead, memory_order_acquire);
}

/* fault.c */
static inline bool vscsi_sim_faults_armed(const struct vscsi_sim_dom *dom)
{
    return atomic_load_explicit(&dom->fault_any, memory_order_relaxed);
}
/* Counts one operation of `kind`; true if it must fail. */
bool vscsi_sim_fault_hit_slow(struct vscsi_sim_dom *dom, enum vscsi_sim_fault kind);
static inline bool vscsi_sim_fault_hit(struct vscsi_sim_dom *dom, enum vscsi_sim_fault kind)
{
    return vscsi_sim_faults_armed(dom) && vscsi_sim_fault_hit_slow(dom, kind);
}

/* memory.c */
int vscsi_sim_mem_init(struct vscsi_sim_dom *dom, uint32_t pages);
void vscsi_sim_mem_fini(struct vscsi_sim_dom *dom);
int vscsi_sim_mem_alloc(struct vscsi_sim_dom *dom, uint32_t *frame);
void vscsi_sim_mem_free(struct vscsi_sim_dom *dom, uint32_t frame);
/* count contiguous frames, marked VSCSI_SIM_FRAME_POOL; -ENOMEM. */
int vscsi_sim_mem_alloc_run(struct vscsi_sim_dom *dom, uint32_t count, uint32_t *first);
/* The frame behind an address of the domain's own view; -EINVAL if none. */
/* Inline: the grant paths call these once per page. */
static inline int vscsi_sim_mem_frame(struct vscsi_sim_dom *dom, const void *addr, uint32_t *frame)
{
    uintptr_t a = (uintptr_t)addr, m = (uintptr_t)dom->mem;
    if (!dom->mem || a < m || (a - m) % VSCSI_SIM_PAGE_SIZE ||
        (a - m) / VSCSI_SIM_PAGE_SIZE >= dom->mem_pages)
        return -EINVAL;
    *frame = (uint32_t)((a - m) / VSCSI_SIM_PAGE_SIZE);
    return 0;
}
static inline void *vscsi_sim_mem_page(struct vscsi_sim_dom *dom, uint32_t frame)
{
    if (!dom->mem || frame >= dom->mem_pages)
        return NULL;
    return dom->mem + (size_t)frame * VSCSI_SIM_PAGE_SIZE;
}
void *vscsi_sim_mem_reserve(uint32_t pages);
int vscsi_sim_mem_map_frame(void *at, struct vscsi_sim_dom *dom, uint32_t frame, bool writable);
void vscsi_sim_mem_release(void *addr, uint32_t pages);

/* grant.c / grant_map.c */
int vscsi_sim_gnt_init(struct vscsi_sim_dom *dom);
void vscsi_sim_gnt_fini(struct vscsi_sim_dom *dom);
void vscsi_sim_gnt_dom_dying(struct vscsi_sim_dom *dom);
void vscsi_sim_gnt_unpin(struct vscsi_sim_dom *granter, uint32_t ref, bool writable);
void vscsi_sim_gnt_pin(struct vscsi_sim_dom *granter, uint32_t ref, bool writable);
int vscsi_sim_grant_page(struct vscsi_sim_dom *dom, uint16_t domid, int readonly, uint32_t *ref,
                         void **page);
int vscsi_sim_ungrant_page(struct vscsi_sim_dom *dom, uint32_t ref, void *page);
int vscsi_sim_alloc_pages(struct vscsi_sim_dom *dom, uint32_t count, void **addr);
int vscsi_sim_free_pages(struct vscsi_sim_dom *dom, void *addr, uint32_t count);
int vscsi_sim_grant_access(struct vscsi_sim_dom *dom, uint16_t domid, uint32_t count,
                           void *const *pages, int readonly, uint32_t *refs);
int vscsi_sim_end_access(struct vscsi_sim_dom *dom, uint32_t count, const uint32_t *refs,
                         int *status);
int vscsi_sim_copy_grants(struct vscsi_sim_dom *dom, struct vscsi_grant_copy *segs, uint32_t count);
int vscsi_sim_map_grants(struct vscsi_sim_dom *dom, uint16_t domid, uint32_t count,
                         const uint32_t *refs, int writable, void **addr);
int vscsi_sim_unmap_grants(struct vscsi_sim_dom *dom, void *addr, uint32_t count);
int vscsi_sim_check_grants(struct vscsi_sim_dom *dom, uint16_t domid, uint32_t count,
                           const uint32_t *refs, int writable);
void vscsi_sim_map_dom_dying(struct vscsi_sim_dom *dom);

/* evtchn.c / wait.c */
int vscsi_sim_evtchn_init(struct vscsi_sim_dom *dom);
void vscsi_sim_evtchn_fini(struct vscsi_sim_dom *dom);
void vscsi_sim_evtchn_dom_dying(struct vscsi_sim_dom *dom);
int vscsi_sim_evtchn_alloc_unbound(struct vscsi_sim_dom *dom, uint16_t remote, uint32_t *port);
int vscsi_sim_evtchn_bind(struct vscsi_sim_dom *dom, uint16_t remote, uint32_t rport,
                          uint32_t *lport);
int vscsi_sim_evtchn_notify(struct vscsi_sim_dom *dom, uint32_t port);
int vscsi_sim_evtchn_unbind(struct vscsi_sim_dom *dom, uint32_t port);
/* Under ev_lock: make a pending port deliverable and wake waiters. */
void vscsi_sim_evtchn_enqueue_locked(struct vscsi_sim_dom *dom, uint32_t port);
/* Under ev_lock: whether something is deliverable (drops stale FIFO heads). */
bool vscsi_sim_deliverable_locked(struct vscsi_sim_dom *dom);
/* Takes ev_lock: queue a watch event (strings are copied). */
void vscsi_sim_watch_queue(struct vscsi_sim_dom *dom, uint64_t serial, const char *path,
                           const char *token);
/* Under ev_lock: drop queued watch events of a serial (every one if serial 0). */
void vscsi_sim_watch_purge_locked(struct vscsi_sim_dom *dom, uint64_t serial);

/* xenstore.c and friends; every one takes xs_lock itself. */
int vscsi_sim_xs_init(struct vscsi_sim_hv *hv);
void vscsi_sim_xs_fini(struct vscsi_sim_hv *hv);
int vscsi_sim_xs_dom_created(struct vscsi_sim_dom *dom);
void vscsi_sim_xs_dom_dying(struct vscsi_sim_dom *dom);
void vscsi_sim_xs_process_exit(struct vscsi_sim_dom *dom);
/* Injected store faults for one request of dom (xs_lock held): 0 or its
 * error; quota_rc is what a quota fault gives this request (0: none). */
int vscsi_sim_xs_injected(struct vscsi_sim_dom *dom, int quota_rc);
int vscsi_sim_xs_read(struct vscsi_sim_dom *dom, vscsi_xs_txn t, const char *path, char *buf,
                      size_t buflen);
int vscsi_sim_xs_write(struct vscsi_sim_dom *dom, vscsi_xs_txn t, const char *path,
                       const char *value);
int vscsi_sim_xs_mkdir(struct vscsi_sim_dom *dom, vscsi_xs_txn t, const char *path);
int vscsi_sim_xs_rm(struct vscsi_sim_dom *dom, vscsi_xs_txn t, const char *path);
int vscsi_sim_xs_directory(struct vscsi_sim_dom *dom, vscsi_xs_txn t, const char *path, char *buf,
                           size_t buflen);
int vscsi_sim_xs_set_perms(struct vscsi_sim_dom *dom, vscsi_xs_txn t, const char *path,
                           const struct vscsi_xs_perm *p, unsigned n);
int vscsi_sim_xs_watch(struct vscsi_sim_dom *dom, const char *path, const char *token);
int vscsi_sim_xs_unwatch(struct vscsi_sim_dom *dom, const char *path, const char *token);
int vscsi_sim_xs_txn_start(struct vscsi_sim_dom *dom, vscsi_xs_txn *t);
int vscsi_sim_xs_txn_end(struct vscsi_sim_dom *dom, vscsi_xs_txn t, int abort);

#endif /* VSCSI_SIM_HV_INTERNAL_H */
