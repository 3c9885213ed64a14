/* SPDX-License-Identifier: MIT */
/* Grants: foreign mappings and copies (libxengnttab), own shared pages (libxengntshr). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "xen_int.h"

/* Matches Xen's grant_table.h (GNTCOPY_source_gref / GNTCOPY_dest_gref). */
#define XEN_GNTCOPY_SOURCE_GREF 0x1u
#define XEN_GNTCOPY_DEST_GREF   0x2u
/* Segments per ioctl from the stack; bigger batches go through the heap once. */
#define XEN_COPY_STACK 32

int vscsi__xen_map_grants(void *ctx, uint16_t domid, uint32_t count, const uint32_t *refs,
                          int writable, void **addr)
{
    struct vscsi_xen *x = ctx;
    uint32_t stack_refs[XEN_COPY_STACK];
    uint32_t *r = stack_refs;
    void *p;

    if (!x->gt)
        return -ENOSYS;
    if (!count || !refs || !addr)
        return -EINVAL;
    /* The library wants a mutable array; give it a private one rather than cast const away. */
    if (count > XEN_COPY_STACK && !(r = malloc(count * sizeof(*r))))
        return -ENOMEM;
    memcpy(r, refs, count * sizeof(*r));
    errno = 0;
    /* One mmap of all refs: the library undoes the whole mapping when any ref fails. */
    p = xengnttab_map_domain_grant_refs(x->gt, count, domid, r,
                                        PROT_READ | (writable ? PROT_WRITE : 0));
    int rc = p ? 0 : vscsi__xen_err(-EFAULT);
    if (r != stack_refs)
        free(r);
    if (rc)
        return rc;
    *addr = p;
    return 0;
}

int vscsi__xen_unmap_grants(void *ctx, void *addr, uint32_t count)
{
    struct vscsi_xen *x = ctx;

    if (!x->gt)
        return -ENOSYS;
    errno = 0;
    return xengnttab_unmap(x->gt, addr, count) == 0 ? 0 : vscsi__xen_err(-EINVAL);
}

static int16_t clamp_status(int16_t st)
{
    return st <= 0 && st >= VSCSI_GNTST_NO_SPACE ? st : VSCSI_GNTST_GENERAL_ERROR;
}

int vscsi__xen_copy_grants(void *ctx, struct vscsi_grant_copy *segs, uint32_t count)
{
    struct vscsi_xen *x = ctx;
    xengnttab_grant_copy_segment_t stack_segs[XEN_COPY_STACK];
    xengnttab_grant_copy_segment_t *g = stack_segs;
    int rc = 0;

    if (!x->gt)
        return -ENOSYS;
    if (!count)
        return 0;
    if (!segs)
        return -EINVAL;
    if (count > XEN_COPY_STACK && !(g = calloc(count, sizeof(*g))))
        return -ENOMEM;
    for (uint32_t i = 0; i < count; i++) {
        const struct vscsi_grant_copy *s = &segs[i];
        xengnttab_grant_copy_segment_t *d = &g[i];
        memset(d, 0, sizeof(*d));
        if ((uint32_t)s->offset + s->len > 4096u) {
            rc = -EINVAL; /* the hypervisor would reject it; do not even ask */
            break;
        }
        if (s->to_grant) {
            d->source.virt = s->local;
            d->dest.foreign.ref = s->ref;
            d->dest.foreign.offset = s->offset;
            d->dest.foreign.domid = s->domid;
            d->flags = XEN_GNTCOPY_DEST_GREF;
        } else {
            d->source.foreign.ref = s->ref;
            d->source.foreign.offset = s->offset;
            d->source.foreign.domid = s->domid;
            d->dest.virt = s->local;
            d->flags = XEN_GNTCOPY_SOURCE_GREF;
        }
        d->len = s->len;
        d->status = VSCSI_GNTST_GENERAL_ERROR;
    }
    if (!rc) {
        errno = 0;
        if (xengnttab_grant_copy(x->gt, count, g) != 0) {
            rc = vscsi__xen_err(-EIO);
        } else {
            for (uint32_t i = 0; i < count; i++)
                segs[i].status = clamp_status(g[i].status);
        }
    }
    if (rc) /* nothing is known to have been copied: say so per segment too */
        for (uint32_t i = 0; i < count; i++)
            segs[i].status = VSCSI_GNTST_GENERAL_ERROR;
    if (g != stack_segs)
        free(g);
    return rc;
}

int vscsi__xen_grant_page(void *ctx, uint16_t domid, int readonly, uint32_t *ref, void **page)
{
    struct vscsi_xen *x = ctx;
    uint32_t r = 0;
    void *p;

    if (!x->gs)
        return -ENOSYS;
    if (!ref || !page)
        return -EINVAL;
    errno = 0;
    p = xengntshr_share_pages(x->gs, domid, 1, &r, !readonly);
    if (!p)
        return vscsi__xen_err(-ENOMEM);
    memset(p, 0, 4096); /* gntalloc zeroes today; the contract must not depend on it */
    *ref = r;
    *page = p;
    return 0;
}

int vscsi__xen_ungrant_page(void *ctx, uint32_t ref, void *page)
{
    struct vscsi_xen *x = ctx;

    (void)ref; /* gntalloc revokes by mapping, not by ref */
    if (!x->gs)
        return -ENOSYS;
    /* The kernel ends foreign access when the mapping goes and defers freeing
     * a page the peer still maps, so a successful unshare never recycles a
     * page under the peer. A failed one leaves the grant in place: the
     * caller must treat the page as still lent out. */
    return xengntshr_unshare(x->gs, page, 1) == 0 ? 0 : -EBUSY;
}

int vscsi_xen_gntst_errno(int16_t status)
{
    switch (status) {
    case VSCSI_GNTST_OKAY:
        return 0;
    case VSCSI_GNTST_BAD_DOMAIN:
        return -ESRCH;
    case VSCSI_GNTST_BAD_GNTREF:
    case VSCSI_GNTST_BAD_HANDLE:
    case VSCSI_GNTST_BAD_COPY_ARG:
        return -EINVAL;
    case VSCSI_GNTST_BAD_VIRT_ADDR:
    case VSCSI_GNTST_BAD_DEV_ADDR:
    case VSCSI_GNTST_BAD_PAGE:
        return -EFAULT;
    case VSCSI_GNTST_NO_DEVICE_SPACE:
    case VSCSI_GNTST_NO_SPACE:
        return -ENOSPC;
    case VSCSI_GNTST_PERMISSION_DENIED:
        return -EPERM;
    case VSCSI_GNTST_ADDRESS_TOO_BIG:
        return -E2BIG;
    case VSCSI_GNTST_EAGAIN:
        return -EAGAIN;
    default:
        return -EIO;
    }
}
