/* SPDX-License-Identifier: MIT */
/*
 * The simulated hypervisor: domains with private memory, a v1 grant table per
 * domain, event channels and an in-memory XenStore, all inside one process.
 *
 * Each domain's memory is a memfd; a foreign mapping maps the granter's frames
 * into a reserved region of the mapper, so mappings alias the granter's pages
 * exactly like a real grant mapping does, and read-only mappings really fault
 * on write. Event and watch delivery is by polling (as xenevtchn_pending() and
 * xs_read_watch() on real Xen); vscsi_sim_dom_wait() blocks for threaded runs.
 *
 * Every function is thread-safe. A domain pointer is the `ctx` of the ops table
 * returned by vscsi_sim_ops(); it stays allocated (as a dead "zombie") after
 * vscsi_sim_dom_destroy() until vscsi_sim_hv_free(), so a late call through it
 * fails with -ESRCH instead of touching freed memory.
 */
#ifndef VSCSI_SIM_HV_H
#define VSCSI_SIM_HV_H

#include <stddef.h>
#include <stdint.h>

#include <vscsiif/platform.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VSCSI_SIM_PAGE_SIZE 4096u
/* Domain ids at or above this are reserved by Xen (DOMID_FIRST_RESERVED). */
#define VSCSI_SIM_DOMID_MAX 0x7FF0u
/* Grant refs below this are never handed out (GNTTAB_NR_RESERVED_ENTRIES). */
#define VSCSI_SIM_GNT_RESERVED 8u
/* Event-channel ports per domain (the 2-level ABI limit of a 64-bit guest). */
#define VSCSI_SIM_EVTCHN_PORTS 4096u
/* XenStore limits (XENSTORE_PAYLOAD_MAX, XENSTORE_ABS_PATH_MAX). */
#define VSCSI_SIM_XS_VALUE_MAX 4096u
#define VSCSI_SIM_XS_PATH_MAX  3072u

/* Grant entry flags (v1 layout, public/grant_table.h). */
#define VSCSI_SIM_GTF_invalid       0x0000u
#define VSCSI_SIM_GTF_permit_access 0x0001u
#define VSCSI_SIM_GTF_type_mask     0x0003u
#define VSCSI_SIM_GTF_readonly      0x0004u
#define VSCSI_SIM_GTF_reading       0x0008u
#define VSCSI_SIM_GTF_writing       0x0010u

struct vscsi_sim_hv;
struct vscsi_sim_dom;

struct vscsi_sim_hv *vscsi_sim_hv_new(void);
/* Frees every domain, live or destroyed; no thread may use the hv any more. */
void vscsi_sim_hv_free(struct vscsi_sim_hv *hv);

/* ThreadSanitizer tracks memory per virtual address, so an alias of a page
 * hides the ordering that the ring's acquire/release gives (false races
 * elsewhere) and every race on the shared bytes themselves (the two domains
 * never touch the same address). With direct maps on, a mapping whose frames
 * are consecutive in the granter's memory (any one-page mapping: the ring
 * page; a frontend's pool run) returns the granter's own address, so both
 * domains address the shared bytes through one mapping and TSan sees every
 * cross-domain access; other mappings stay aliases. The price is that such a
 * read-only mapping is writable and aliasing tests do not hold. Off by
 * default; the scenario layer turns it on in TSan builds, and the threaded
 * double-fetch test always. */
void vscsi_sim_hv_direct_maps(struct vscsi_sim_hv *hv, int on);

/* Create a domain with mem_pages 4 KiB pages of private memory. domid 0 is
 * privileged (dom0): in XenStore it may read/write everything. Creating a
 * domain also creates /local/domain/<id> owned by it, with no access for
 * others, and fires "@introduceDomain". NULL if the id is in use or reserved,
 * or on allocation failure. */
struct vscsi_sim_dom *vscsi_sim_dom_create(struct vscsi_sim_hv *hv, uint16_t domid,
                                           unsigned mem_pages);
/* Domain crash: grants not mapped by anyone are revoked, grants still mapped
 * stay until the mapper unmaps them (their pages stay valid), own foreign
 * mappings are unmapped, ports closed (peers' ends become unbound), watches and
 * transactions dropped, "@releaseDomain" fired. XenStore nodes stay (removing
 * them is the toolstack's job). The id may then be reused by a new domain. */
void vscsi_sim_dom_destroy(struct vscsi_sim_dom *dom);
/* The ops table; ctx = struct vscsi_sim_dom *. It has the frontend page-pool
 * ops: alloc_pages takes the highest free run of frames (grant_page keeps
 * taking the lowest single ones), and free_pages takes any run of pool pages,
 * refusing with -EBUSY while one of them is granted. */
const struct vscsi_platform_ops *vscsi_sim_ops(void);
/* The process holding the domain's grant mappings, event channels and
 * XenStore connection is killed (a backend daemon SIGKILLed in dom0): what
 * the kernel does as its gntdev, evtchn and xenstore handles close. Every
 * mapping the domain made is unmapped, its ports are closed (the peers' ends
 * become unbound, so a new process can bind them again), queued events and
 * its watches and transactions are dropped. The domain, its memory, grants
 * and XenStore nodes stay. */
void vscsi_sim_dom_process_exit(struct vscsi_sim_dom *dom);
uint16_t vscsi_sim_dom_id(const struct vscsi_sim_dom *dom);
/* The live domain with this id, NULL if none. */
struct vscsi_sim_dom *vscsi_sim_dom_get(struct vscsi_sim_hv *hv, uint16_t domid);

/* Pops one deliverable (pending and unmasked) port and clears its pending bit;
 * -EAGAIN if none. Ports come out in the order they became deliverable. */
int vscsi_sim_dom_pending_port(struct vscsi_sim_dom *dom, uint32_t *port);
/* Pops one watch event (path as registered: relative watches get relative
 * paths); -EAGAIN if none, -E2BIG (event dropped) if a buffer is too small. */
int vscsi_sim_dom_next_watch(struct vscsi_sim_dom *dom, char *path, size_t plen, char *token,
                             size_t tlen);
/* Blocks until a port or watch event is deliverable (1) or timeout_ms passed
 * (0); timeout_ms < 0 waits forever. Does not consume anything. */
int vscsi_sim_dom_wait(struct vscsi_sim_dom *dom, int timeout_ms);
/* Pops up to `max` queued items (watch events first, then ports) and hands
 * each to its callback (either may be NULL to just discard). Returns how many
 * were handled: the one delivery loop every embedder of the simulator needs. */
typedef void (*vscsi_sim_watch_fn)(void *arg, const char *path, const char *token);
typedef void (*vscsi_sim_port_fn)(void *arg, uint32_t port);
int vscsi_sim_dom_deliver(struct vscsi_sim_dom *dom, int max, vscsi_sim_watch_fn on_watch,
                          vscsi_sim_port_fn on_port, void *arg);

/* A counter that moves whenever a port or watch event is queued for the
 * domain (or it is kicked): a busy poller compares it, lock-free, before
 * paying for vscsi_sim_dom_pending_port()/next_watch(). */
uint64_t vscsi_sim_dom_seq(struct vscsi_sim_dom *dom);
/* Wakes every vscsi_sim_dom_wait() of the domain (returning 0), e.g. to stop a
 * service thread. */
void vscsi_sim_dom_kick(struct vscsi_sim_dom *dom);
/* Masked ports still become pending but are not delivered; unmasking a pending
 * port delivers it. -EINVAL for a free or out-of-range port. */
int vscsi_sim_evtchn_mask(struct vscsi_sim_dom *dom, uint32_t port, int masked);

/* Introspection for tests and invariants. */
/* Grants of `granter` currently mapped or being copied by anyone. */
unsigned vscsi_sim_grants_in_use(struct vscsi_sim_hv *hv, uint16_t granter);
/* Grants of `granter` with GTF_permit_access set. */
unsigned vscsi_sim_grants_active(struct vscsi_sim_hv *hv, uint16_t granter);
/* Pages currently mapped by `mapper`. */
unsigned vscsi_sim_mappings(struct vscsi_sim_hv *hv, uint16_t mapper);
/* Pages of the domain's memory neither granted nor in a page pool. */
unsigned vscsi_sim_dom_free_pages(struct vscsi_sim_dom *dom);
/* The shared grant entry as the granter (and Xen) see it; -ENOENT/-EINVAL. */
int vscsi_sim_grant_entry(struct vscsi_sim_hv *hv, uint16_t granter, uint32_t ref, uint16_t *flags,
                          uint16_t *domid, uint32_t *frame);

/* A node's permissions (absolute path, no access check): the number of
 * entries, of which up to max are copied; -ENOENT, -EINVAL. */
int vscsi_sim_xs_get_perms(struct vscsi_sim_hv *hv, const char *path, struct vscsi_xs_perm *out,
                           unsigned max);

/*
 * Fault injection. Operations of `domid` matching `kind` are counted from now;
 * the nth (1-based) and the following count-1 fail (count 0: every one from the
 * nth on). nth 0 disarms. What counts, per kind:
 *   MAP          a map_grants call by domid: fails with -EIO, nothing mapped
 *   COPY         a copy segment by domid: status GNTST_general_error, no data
 *   EVT_LOST     a notify sent by domid: returns 0 but never reaches the peer
 *   EVT_SPURIOUS a vscsi_sim_dom_pending_port() poll by domid: one bound port
 *                becomes pending without any notify before the poll runs
 *   XS_CONFLICT  a transaction commit by domid: -EAGAIN, nothing applied
 *   GRANT_PAGE   a grant_page call, or one page of a grant_access call, by
 *                domid: -ENOMEM (that grant_access grants none of its pages)
 *   XS_EIO       a XenStore request by domid (read, directory, write, mkdir,
 *   XS_EACCES    rm, set_perms, watch, unwatch, txn start/end): that error,
 *                nothing done (xenstored's EIO; EACCES as for a node the
 *                domain may not touch)
 *   XS_QUOTA     a write or mkdir by domid: -ENOSPC (xenstored's per-domain
 *                node quota), a watch: -E2BIG (its watch quota); nothing done
 *   XS_LOST      a XenStore request by domid: from this one on the
 *                connection is gone for good: every request -EIO, queued
 *                and future watch events dropped (count is ignored)
 * Returns 0, -ESRCH if there is no such domain, -EINVAL for a bad kind.
 */
enum vscsi_sim_fault {
    VSCSI_SIM_FAULT_MAP,
    VSCSI_SIM_FAULT_COPY,
    VSCSI_SIM_FAULT_EVT_LOST,
    VSCSI_SIM_FAULT_EVT_SPURIOUS,
    VSCSI_SIM_FAULT_XS_CONFLICT,
    VSCSI_SIM_FAULT_GRANT_PAGE, /* front cannot allocate/grant */
    VSCSI_SIM_FAULT_XS_EIO,     /* a XenStore request by domid: -EIO */
    VSCSI_SIM_FAULT_XS_EACCES,  /* a XenStore request by domid: -EACCES */
    VSCSI_SIM_FAULT_XS_QUOTA,   /* a write/mkdir: -ENOSPC, a watch: -E2BIG */
    VSCSI_SIM_FAULT_XS_LOST,    /* the store connection drops, see below */
    VSCSI_SIM_FAULT_NR
};
int vscsi_sim_fault(struct vscsi_sim_hv *hv, uint16_t domid, enum vscsi_sim_fault kind,
                    uint64_t nth, uint64_t count);

/*
 * A test acting as a hostile peer. vscsi_sim_grant_page_ptr() returns the
 * granter's own view of the page behind a grant (NULL if the ref is not
 * allocated or the domain is dead). vscsi_sim_grant_poke() rewrites the shared
 * entry's type/readonly bits and domid the way a guest that owns the table
 * can, mapped or not (Xen-owned GTF_reading/GTF_writing are kept); mappings
 * already made stay valid, as on Xen.
 */
void *vscsi_sim_grant_page_ptr(struct vscsi_sim_hv *hv, uint16_t granter, uint32_t ref);
int vscsi_sim_grant_poke(struct vscsi_sim_hv *hv, uint16_t granter, uint32_t ref, uint16_t flags,
                         uint16_t domid);

/* The mapping by `mapper` that holds `granter`'s grant `ref` goes away under
 * it (what a live connection sees when its mapping of the peer's page is torn
 * down: the page is not the peer's any more). The mapper's range stays
 * addressable but now holds private zero pages, so the engine reads zeros
 * and its writes reach nobody; the grants are no longer in use (the granter
 * can revoke them); unmap_grants of the range still works. -EINVAL if there
 * is no such mapping or it is a direct map. */
int vscsi_sim_sever_mapping(struct vscsi_sim_hv *hv, uint16_t mapper, uint16_t granter,
                            uint32_t ref);

/* Counters of one domain:
 *   evt_sent       notifies it sent (lost ones included)
 *   evt_delivered  ports it popped with vscsi_sim_dom_pending_port()
 *   evt_coalesced  notifies to it that found the port already pending
 *   maps/unmaps    pages it mapped/unmapped; copies/copy_bytes: its
 *                  successful copy segments and their bytes
 *   xs_ops         XenStore requests it made
 *   watch_events   watch events queued for it */
struct vscsi_sim_stats {
    uint64_t evt_sent, evt_delivered, evt_coalesced, maps, unmaps, copies, copy_bytes, xs_ops,
        watch_events;
};
void vscsi_sim_dom_stats(struct vscsi_sim_dom *dom, struct vscsi_sim_stats *out);

#ifdef __cplusplus
}
#endif

#endif /* VSCSI_SIM_HV_H */
