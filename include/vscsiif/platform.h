/* SPDX-License-Identifier: MIT */
/*
 * The platform seam: everything the protocol engines need from the hypervisor
 * (grants, event channels, XenStore) comes through one ops table.
 *
 * The simulator (sim/) and the real Xen adapter (adapters/xen/) each implement it;
 * a kernel port implements it on its own grant/evtchn/xenbus primitives. The
 * library never calls Xen or the simulator directly and never owns an event
 * loop: the embedder calls vscsi_back_handle_event()/..._handle_watch() (and
 * the frontend equivalents) when an event channel fires or a watch triggers.
 *
 * Conventions: every op returns 0 (or a non-negative count) on success and a
 * negative errno on failure. `ctx` is the embedder's pointer, passed back
 * untouched. Ops a role does not use may be NULL (a backend never shares
 * pages, a frontend never maps).
 */
#ifndef VSCSIIF_PLATFORM_H
#define VSCSIIF_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef uint32_t vscsi_xs_txn; /* 0 = no transaction */
#define VSCSI_XS_NO_TXN 0u

/* XenStore permission entry, as xs_set_permissions() takes them: the first
 * entry names the owner and the default access for everybody else. */
#define VSCSI_XS_PERM_NONE  0u
#define VSCSI_XS_PERM_READ  1u
#define VSCSI_XS_PERM_WRITE 2u
#define VSCSI_XS_PERM_BOTH  3u
struct vscsi_xs_perm {
    uint16_t domid;
    uint8_t perms;
};

/* One grant-copy segment (GNTTABOP_copy restricted to what a backend needs:
 * one side is always a foreign grant, the other always local memory). The
 * foreign range must not cross its 4 KiB page. */
struct vscsi_grant_copy {
    uint32_t ref;     /* foreign grant */
    uint16_t domid;   /* granting domain */
    uint16_t offset;  /* within the granted page */
    uint16_t len;     /* bytes, offset + len <= 4096 */
    uint8_t to_grant; /* 1: local -> granted page (data-in), 0: granted page -> local */
    void *local;
    int16_t status; /* out: 0 or a GNTST_* value (negative) */
};

/* GNTST_* values (Xen grant_table.h), reported in vscsi_grant_copy.status. */
#define VSCSI_GNTST_OKAY              0
#define VSCSI_GNTST_GENERAL_ERROR     (-1)
#define VSCSI_GNTST_BAD_DOMAIN        (-2)
#define VSCSI_GNTST_BAD_GNTREF        (-3)
#define VSCSI_GNTST_BAD_HANDLE        (-4)
#define VSCSI_GNTST_BAD_VIRT_ADDR     (-5)
#define VSCSI_GNTST_BAD_DEV_ADDR      (-6)
#define VSCSI_GNTST_NO_DEVICE_SPACE   (-7)
#define VSCSI_GNTST_PERMISSION_DENIED (-8)
#define VSCSI_GNTST_BAD_PAGE          (-9)
#define VSCSI_GNTST_BAD_COPY_ARG      (-10)
#define VSCSI_GNTST_ADDRESS_TOO_BIG   (-11)
#define VSCSI_GNTST_EAGAIN            (-12)
#define VSCSI_GNTST_NO_SPACE          (-13)

struct vscsi_platform_ops {
    size_t size; /* sizeof(struct vscsi_platform_ops) as the embedder compiled it */

    /* Own domain id. */
    int (*domid)(void *ctx, uint16_t *out);

    /* --- grants, backend side --- */
    /* Map `count` foreign grants of `domid` virtually contiguously (4 KiB each);
     * writable=0 maps read-only. Fails whole: nothing stays mapped on error. */
    int (*map_grants)(void *ctx, uint16_t domid, uint32_t count, const uint32_t *refs, int writable,
                      void **addr);
    int (*unmap_grants)(void *ctx, void *addr, uint32_t count);
    /* Copy segments; returns 0 when the call itself worked, each seg's status says how it went. */
    int (*copy_grants)(void *ctx, struct vscsi_grant_copy *segs, uint32_t count);

    /* --- grants, frontend side --- */
    /* Allocate one zeroed 4 KiB page of own memory and grant it to `domid`. */
    int (*grant_page)(void *ctx, uint16_t domid, int readonly, uint32_t *ref, void **page);
    /* Revoke and free. -EBUSY when the grantee still has it mapped or is
     * copying (XSA-396): the grant stays, the page must not be reused. */
    int (*ungrant_page)(void *ctx, uint32_t ref, void *page);

    /* --- event channels --- */
    int (*evtchn_alloc_unbound)(void *ctx, uint16_t remote_domid, uint32_t *port);
    int (*evtchn_bind_interdomain)(void *ctx, uint16_t remote_domid, uint32_t remote_port,
                                   uint32_t *local_port);
    int (*evtchn_notify)(void *ctx, uint32_t port);
    int (*evtchn_unbind)(void *ctx, uint32_t port);

    /* --- XenStore --- */
    /* Reads the value into buf (always NUL-terminated); returns its length,
     * -ENOENT if absent, -E2BIG if it does not fit, -EACCES if not permitted. */
    int (*xs_read)(void *ctx, vscsi_xs_txn t, const char *path, char *buf, size_t buflen);
    int (*xs_write)(void *ctx, vscsi_xs_txn t, const char *path, const char *value);
    int (*xs_mkdir)(void *ctx, vscsi_xs_txn t, const char *path);
    int (*xs_rm)(void *ctx, vscsi_xs_txn t, const char *path); /* recursive */
    /* Child names, each NUL-terminated, packed into buf; returns the count. */
    int (*xs_directory)(void *ctx, vscsi_xs_txn t, const char *path, char *buf, size_t buflen);
    int (*xs_set_perms)(void *ctx, vscsi_xs_txn t, const char *path, const struct vscsi_xs_perm *p,
                        unsigned n);
    /* A watch fires once when set, then on every change at or below path; the
     * embedder delivers it to the engine's handle_watch with path and token. */
    int (*xs_watch)(void *ctx, const char *path, const char *token);
    int (*xs_unwatch)(void *ctx, const char *path, const char *token);
    int (*xs_txn_start)(void *ctx, vscsi_xs_txn *t);
    /* abort != 0 discards. -EAGAIN: a conflicting commit won; start again. */
    int (*xs_txn_end)(void *ctx, vscsi_xs_txn t, int abort);

    /* --- grants, frontend side: page pool (optional) ---
     * Appended after the first release: the engines use them only when
     * `size` covers all four and none is NULL, otherwise grant_page and
     * ungrant_page serve every request as before. With them a frontend
     * allocates its bounce pages once and grants them per request (the Linux
     * scsifront model): no allocation, no zeroing and no free on the data
     * path, and a grant still lives only as long as its request (XSA-396).
     * They also let a caller's buffer be granted in place (zero copy). A
     * platform that cannot grant memory it did not allocate itself for the
     * purpose (Linux gntshr from userspace) leaves them NULL. */
    /* `count` virtually contiguous, zeroed 4 KiB pages of own memory that
     * grant_access can grant. Not granted yet: nobody else can see them. */
    int (*alloc_pages)(void *ctx, uint32_t count, void **addr);
    /* Gives back `count` pages at `addr`: any run of pages of one
     * alloc_pages range (so a page that must be kept can stay behind), none
     * of them granted. */
    int (*free_pages)(void *ctx, void *addr, uint32_t count);
    /* Grants `count` pages from alloc_pages to `domid`, refs[i] for
     * pages[i], as they are: the content is not touched, so the caller
     * decides what the grantee may see. All or nothing: on failure no ref was
     * granted. A page may be granted more than once at a time (one ref each).
     * One call per request rather than per page: a platform takes its grant
     * table lock once per batch. */
    int (*grant_access)(void *ctx, uint16_t domid, uint32_t count, void *const *pages, int readonly,
                        uint32_t *refs);
    /* Revokes `count` refs without freeing, each on its own: status[i] is 0,
     * or -EBUSY when the grantee still has the page mapped or is copying
     * (XSA-396), or another negative errno (-EINVAL: not a live grant_access
     * ref). A ref whose status is not 0 stays granted and its page must never
     * be reused or freed. Returns how many stayed (0: every ref revoked). */
    int (*end_access)(void *ctx, uint32_t count, const uint32_t *refs, int *status);
};

#ifdef __cplusplus
}
#endif

#endif /* VSCSIIF_PLATFORM_H */
