/* SPDX-License-Identifier: MIT */
/*
 * Frontend page pool and zero-copy buffers, on the platform's optional
 * alloc_pages/free_pages/grant_access/end_access ops.
 *
 * Each rqid keeps the bounce and descriptor pages its requests have needed
 * so far; a request grants the ones it uses and revokes them after the
 * response, so in steady state the data path allocates, zeroes and frees
 * nothing, and a grant still lives only as long as its request (XSA-396).
 *
 * Pool pages are not zeroed between requests, and that leaks nothing: a
 * pool belongs to one handle and is freed whenever the device disconnects or
 * fails, so a page only ever holds what this same backend wrote into it
 * (data-in) or was sent in it (data-out, descriptors), and fresh pages come
 * zeroed from alloc_pages. The backend can see stale bytes past a request's
 * segments, but only bytes it saw before. A data-in request copies back at
 * most len - residual bytes, so stale bytes the backend did not write this
 * time never reach the caller.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "front_int.h"
#include "mem_int.h"
#include "table_size.h"

#define PAGE ((size_t)VSCSI_PAGE_SIZE)

static int ops_have_pool(const struct vscsi_platform_ops *o)
{
    /* Never read past what the embedder's table holds. */
    if (!VSCSI_TABLE_HAS(struct vscsi_platform_ops, o, end_access))
        return 0;
    return o->alloc_pages && o->free_pages && o->grant_access && o->end_access;
}

int vscsi_fi_pool_init(struct vscsi_front *f)
{
    f->has_pool = (uint8_t)ops_have_pool(f->ops);
    if (!f->has_pool)
        return 0;
    /* Data refs are at most cap_segs, descriptor refs at most 26 <= cap_segs. */
    f->end_status = vscsi_zalloc(f->ops, f->ctx, f->cap_segs, sizeof(*f->end_status));
    if (!f->end_status)
        return -ENOMEM;
    for (unsigned i = 0; i < VSCSI_FI_NR_RQ; i++) {
        f->pool[i].data = vscsi_zalloc(f->ops, f->ctx, f->cap_segs, sizeof(*f->pool[i].data));
        if (!f->pool[i].data)
            return -ENOMEM;
    }
    return 0;
}

/* Pages are given back one by one: a page the backend kept may sit between
 * two that can go, and free_pages takes any run of one allocation. */
static void free_page(struct vscsi_front *f, void *page)
{
    if (page)
        f->ops->free_pages(f->ctx, page, 1);
}

void vscsi_fi_pool_drop(struct vscsi_front *f)
{
    if (!f->has_pool)
        return;
    for (unsigned i = 0; i < VSCSI_FI_NR_RQ; i++) {
        struct vscsi_fi_pool *p = &f->pool[i];
        const struct vscsi_fi_rq *r = &f->rq[i];

        /* Granted pages are the backend's until revoked. */
        if (r->busy && (r->nr_pages || r->nr_ind))
            continue;
        for (uint32_t k = 0; k < p->ndata; k++)
            free_page(f, p->data[k]);
        for (uint32_t k = 0; k < p->nind; k++)
            free_page(f, p->ind[k]);
        p->ndata = 0;
        p->nind = 0;
    }
}

static void buf_release(struct vscsi_front *f, struct vscsi_fi_buf *b)
{
    /* A page the backend kept must never be reused: the whole buffer goes. */
    if (!b->quarantined)
        f->ops->free_pages(f->ctx, b->addr, b->pages);
    memset(b, 0, sizeof(*b));
    while (f->nbufs && !f->bufs[f->nbufs - 1].addr)
        f->nbufs--;
}

void vscsi_fi_pool_fini(struct vscsi_front *f)
{
    if (!f->has_pool)
        return;
    vscsi_fi_pool_drop(f);
    for (uint32_t i = 0; i < f->nbufs; i++) {
        struct vscsi_fi_buf *b = &f->bufs[i];

        /* Still granted by a request (only if its revoke never ran): leak. */
        if (b->addr && b->users)
            b->quarantined++;
        if (b->addr)
            buf_release(f, b);
    }
    for (unsigned i = 0; i < VSCSI_FI_NR_RQ; i++) {
        vscsi_mfree(f->ops, f->ctx, f->pool[i].data);
        f->pool[i].data = NULL;
    }
    vscsi_mfree(f->ops, f->ctx, f->end_status);
    f->end_status = NULL;
}

int vscsi_fi_buf_find(const struct vscsi_front *f, const void *buf, size_t len)
{
    uintptr_t p = (uintptr_t)buf;

    for (uint32_t i = 0; i < f->nbufs; i++) {
        const struct vscsi_fi_buf *b = &f->bufs[i];
        uintptr_t a = (uintptr_t)b->addr;

        if (a && !b->dying && p >= a && len <= b->size && p - a <= b->size - len)
            return (int)i;
    }
    return -1;
}

uint32_t vscsi_fi_buf_span(const struct vscsi_front *f, int b, const void *buf, size_t len)
{
    size_t off = ((uintptr_t)buf - (uintptr_t)f->bufs[b].addr) % PAGE;

    return (uint32_t)((off + len + PAGE - 1) / PAGE);
}

/* Makes the rqid's pool hold at least `need` data pages. */
static int reserve(struct vscsi_front *f, struct vscsi_fi_pool *p, uint32_t need)
{
    uint32_t have = p->ndata;
    void *addr;
    int rc;

    if (have >= need)
        return 0;
    if (need > f->cap_segs)
        return -E2BIG;
    rc = f->ops->alloc_pages(f->ctx, need - have, &addr);
    if (rc < 0)
        return rc;
    for (uint32_t i = have; i < need; i++)
        p->data[i] = (uint8_t *)addr + (size_t)(i - have) * PAGE;
    p->ndata = need;
    return 0;
}

/* Grants pages[0..count) as refs[0..count) in one call; all or nothing, so
 * *nr (what the revoke path will end) is either 0 or count. */
static int grant_batch(struct vscsi_front *f, uint32_t count, void *const *pages, int ro,
                       uint32_t *refs, uint32_t *nr)
{
    int rc;

    if (!count)
        return 0;
    rc = f->ops->grant_access(f->ctx, f->be_domid, count, pages, ro, refs);
    if (rc < 0)
        return rc;
    *nr = count;
    return 0;
}

static int grant_in_place(struct vscsi_front *f, struct vscsi_fi_rq *r, const void *buf,
                          uint32_t pages, int zc)
{
    struct vscsi_fi_buf *b = &f->bufs[zc];
    size_t start = (size_t)((uintptr_t)buf - (uintptr_t)b->addr);
    uint8_t *base = b->addr + (start - start % PAGE);
    int rc;

    r->off0 = (uint16_t)(start % PAGE);
    /* Counted before the grant: the revoke path uncounts it. */
    r->zc_buf = (uint8_t)(zc + 1);
    b->users++;
    for (uint32_t i = 0; i < pages; i++)
        r->pages[i] = base + i * PAGE;
    rc = grant_batch(f, pages, r->pages, r->dir == VSCSI_DIR_TO_DEVICE, r->refs, &r->nr_pages);
    if (rc < 0)
        memset(r->pages, 0, pages * sizeof(*r->pages));
    return rc;
}

int vscsi_fi_pool_grant(struct vscsi_front *f, struct vscsi_fi_rq *r, const void *buf, size_t len,
                        uint32_t pages, int zc)
{
    struct vscsi_fi_pool *p = &f->pool[r - f->rq];
    int ro = r->dir == VSCSI_DIR_TO_DEVICE;
    const uint8_t *src = buf;
    int rc;

    if (zc >= 0)
        return grant_in_place(f, r, buf, pages, zc);
    rc = reserve(f, p, pages);
    if (rc)
        return rc;
    /* Filled before they are granted: the backend never sees one half done. */
    for (uint32_t i = 0; ro && i < pages; i++) {
        size_t off = (size_t)i * PAGE;

        memcpy(p->data[i], src + off, len - off < PAGE ? len - off : PAGE);
    }
    rc = grant_batch(f, pages, p->data, ro, r->refs, &r->nr_pages);
    if (rc == 0)
        memcpy(r->pages, p->data, pages * sizeof(*r->pages));
    return rc;
}

int vscsi_fi_pool_grant_ind(struct vscsi_front *f, struct vscsi_fi_rq *r, uint32_t count)
{
    int rc = grant_batch(f, count, r->ind_pages, 1, r->ind_refs, &r->nr_ind);

    /* Not granted: the pages stay in the pool, the request forgets them. */
    if (rc < 0)
        memset(r->ind_pages, 0, count * sizeof(*r->ind_pages));
    return rc;
}

int vscsi_fi_pool_ind(struct vscsi_front *f, struct vscsi_fi_rq *r, uint32_t idx, void **page)
{
    struct vscsi_fi_pool *p = &f->pool[r - f->rq];

    if (idx >= VSCSI_SG_TABLESIZE)
        return -E2BIG;
    while (p->nind <= idx) {
        int rc = f->ops->alloc_pages(f->ctx, 1, &p->ind[p->nind]);

        if (rc < 0)
            return rc;
        p->nind++;
    }
    *page = p->ind[idx];
    return 0;
}

/* Drops the NULL holes quarantine left, keeping the order. */
static uint32_t compact(void **v, uint32_t n)
{
    uint32_t k = 0;

    for (uint32_t i = 0; i < n; i++)
        if (v[i])
            v[k++] = v[i];
    return k;
}

/* Ends the grants of refs[0..n); f->end_status[i] says which stayed. The
 * statuses are read even when the count says none did: a few compares buy
 * never freeing a page on a platform's miscount. */
static void end_batch(struct vscsi_front *f, uint32_t n, const uint32_t *refs)
{
    int kept;

    if (!n)
        return;
    kept = f->ops->end_access(f->ctx, n, refs, f->end_status);
    if (kept < 0) {
        /* Out of contract: the statuses may be stale, so every ref stays. */
        for (uint32_t i = 0; i < n; i++)
            f->end_status[i] = kept;
    }
}

int vscsi_fi_pool_end(struct vscsi_front *f, struct vscsi_fi_rq *r)
{
    struct vscsi_fi_pool *p = &f->pool[r - f->rq];
    struct vscsi_fi_buf *b = r->zc_buf ? &f->bufs[r->zc_buf - 1] : NULL;
    int rc = 0, holes = 0;

    end_batch(f, r->nr_pages, r->refs);
    for (uint32_t i = 0; i < r->nr_pages; i++) {
        if (!f->end_status[i])
            continue;
        /* Still the backend's: out of the pool, never freed. */
        f->st.quarantined_grants++;
        rc = -EBUSY;
        if (b) {
            b->quarantined++;
        } else {
            p->data[i] = NULL;
            holes = 1;
        }
    }
    memset(r->pages, 0, r->nr_pages * sizeof(*r->pages));
    end_batch(f, r->nr_ind, r->ind_refs);
    for (uint32_t i = 0; i < r->nr_ind; i++) {
        if (!f->end_status[i])
            continue;
        f->st.quarantined_grants++;
        rc = -EBUSY;
        p->ind[i] = NULL;
        holes = 1;
    }
    memset(r->ind_pages, 0, r->nr_ind * sizeof(*r->ind_pages));
    r->nr_pages = 0;
    r->nr_ind = 0;
    if (holes) {
        p->ndata = compact(p->data, p->ndata);
        p->nind = compact(p->ind, p->nind);
    }
    if (b) {
        r->zc_buf = 0;
        if (--b->users == 0 && b->dying)
            buf_release(f, b);
    }
    return rc;
}

int vscsi_front_buf_alloc(struct vscsi_front *f, size_t len, void **buf)
{
    struct vscsi_fi_buf *b = NULL;
    uint32_t pages, slot;
    void *addr;
    int rc;

    if (buf)
        *buf = NULL;
    if (!f || !buf || !len)
        return -EINVAL;
    if (!f->has_pool)
        return -EOPNOTSUPP;
    if (len > (size_t)VSCSI_FRONT_BUF_MAX_PAGES * PAGE)
        return -E2BIG;
    for (slot = 0; slot < VSCSI_FRONT_BUFS; slot++) {
        if (!f->bufs[slot].addr) {
            b = &f->bufs[slot];
            break;
        }
    }
    if (!b)
        return -ENOSPC;
    pages = (uint32_t)((len + PAGE - 1) / PAGE);
    rc = f->ops->alloc_pages(f->ctx, pages, &addr);
    if (rc < 0)
        return rc;
    b->addr = addr;
    b->pages = pages;
    b->size = (size_t)pages * PAGE;
    if (slot >= f->nbufs)
        f->nbufs = slot + 1;
    *buf = addr;
    return 0;
}

void vscsi_front_buf_free(struct vscsi_front *f, void *buf)
{
    if (!f || !buf)
        return;
    for (uint32_t i = 0; i < f->nbufs; i++) {
        struct vscsi_fi_buf *b = &f->bufs[i];

        if (b->addr != buf || b->dying)
            continue;
        /* Granted to a request: freed when its last grant is revoked. */
        if (b->users)
            b->dying = 1;
        else
            buf_release(f, b);
        return;
    }
}
