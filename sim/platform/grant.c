/* SPDX-License-Identifier: MIT */
/*
 * Grant table v1, granter side and grant copy. The shared entry is what the
 * granting guest writes; the shadow is Xen's bookkeeping (pin counts) behind
 * GTF_reading/GTF_writing, which is what makes a revoke refuse while the
 * grantee still uses the page (XSA-396).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hv_internal.h"

#define GTF_PERMIT VSCSI_SIM_GTF_permit_access
#define GTF_TYPE   VSCSI_SIM_GTF_type_mask
#define GTF_RO     VSCSI_SIM_GTF_readonly
#define GTF_RD     VSCSI_SIM_GTF_reading
#define GTF_WR     VSCSI_SIM_GTF_writing

int vscsi_sim_gnt_init(struct vscsi_sim_dom *dom)
{
    /* Every grant_page consumes a page; grant_access may grant a pool page
     * more than once (two requests on one zero-copy buffer), so leave room
     * for that: twice the pages. */
    uint32_t nr = VSCSI_SIM_GNT_RESERVED + 2 * dom->mem_pages;
    dom->gnt = calloc(nr, sizeof(*dom->gnt));
    dom->shadow = calloc(nr, sizeof(*dom->shadow));
    dom->free_refs = malloc(sizeof(uint32_t) * nr);
    if (!dom->gnt || !dom->shadow || !dom->free_refs)
        return -ENOMEM;
    dom->gnt_nr = nr;
    for (uint32_t r = nr; r-- > VSCSI_SIM_GNT_RESERVED;)
        dom->free_refs[dom->nfree_refs++] = r;
    return 0;
}

void vscsi_sim_gnt_fini(struct vscsi_sim_dom *dom)
{
    free(dom->gnt);
    free(dom->shadow);
    free(dom->free_refs);
    dom->gnt = NULL;
    dom->shadow = NULL;
    dom->free_refs = NULL;
    dom->gnt_nr = 0;
}

static inline bool pinned(const struct vscsi_sim_gnt_shadow *s)
{
    /* One test instead of four branches: this runs several times per page
     * on the grant copy path. */
    return (s->pins_ro | s->pins_rw | s->copy_rd | s->copy_wr) != 0;
}

static inline void sync_flags(struct vscsi_sim_dom *g, uint32_t ref)
{
    const struct vscsi_sim_gnt_shadow *s = &g->shadow[ref];
    uint16_t f = g->gnt[ref].flags & (uint16_t) ~(GTF_RD | GTF_WR);
    f |= pinned(s) ? GTF_RD : 0;
    f |= (s->pins_rw | s->copy_wr) ? GTF_WR : 0;
    g->gnt[ref].flags = f;
}

/* Inline: end_access runs it once per page. */
static inline __attribute__((always_inline)) void release_ref(struct vscsi_sim_dom *g, uint32_t ref)
{
    bool pooled = g->shadow[ref].pooled;
    g->gnt[ref].flags = 0;
    g->shadow[ref].allocated = false;
    g->shadow[ref].pooled = false;
    if (!vscsi_sim_dom_dead(g)) {
        /* A pool page stays its owner's: only the grant goes. */
        if (pooled)
            g->frame_grants[g->gnt[ref].frame]--;
        else
            vscsi_sim_mem_free(g, g->gnt[ref].frame);
        g->free_refs[g->nfree_refs++] = ref;
    }
}

/* Caller holds granter->gnt_lock. */
void vscsi_sim_gnt_pin(struct vscsi_sim_dom *granter, uint32_t ref, bool writable)
{
    if (writable)
        granter->shadow[ref].pins_rw++;
    else
        granter->shadow[ref].pins_ro++;
    sync_flags(granter, ref);
}

/* Caller holds granter->gnt_lock. */
void vscsi_sim_gnt_unpin(struct vscsi_sim_dom *granter, uint32_t ref, bool writable)
{
    struct vscsi_sim_gnt_shadow *s = &granter->shadow[ref];
    if (writable)
        s->pins_rw--;
    else
        s->pins_ro--;
    sync_flags(granter, ref);
    /* A dead domain cannot revoke; its leftover grants go when unused. */
    if (vscsi_sim_dom_dead(granter) && !pinned(s))
        release_ref(granter, ref);
}

void vscsi_sim_gnt_dom_dying(struct vscsi_sim_dom *dom)
{
    pthread_mutex_lock(&dom->gnt_lock);
    for (uint32_t r = VSCSI_SIM_GNT_RESERVED; r < dom->gnt_nr; r++)
        if (dom->shadow[r].allocated && !pinned(&dom->shadow[r]))
            release_ref(dom, r);
    /* The domain's own view of its memory stays until hv_free: a grant copy
     * may be moving bytes from it right now (copies run outside this lock),
     * and direct maps point into it. */
    pthread_mutex_unlock(&dom->gnt_lock);
}

/* Fills a free entry (lock held). Granter protocol order: domid and frame
 * first, flags last. */
static void publish(struct vscsi_sim_dom *dom, uint32_t r, uint16_t domid, uint32_t frame,
                    uint16_t flags, bool pooled)
{
    dom->gnt[r].domid = domid;
    dom->gnt[r].frame = frame;
    dom->gnt[r].flags = flags;
    dom->shadow[r].allocated = true;
    dom->shadow[r].pooled = pooled;
}

/* A ref this domain granted, by grant_page (pooled false) or grant_access. */
static bool live_ref(const struct vscsi_sim_dom *dom, uint32_t ref, bool pooled)
{
    return ref >= VSCSI_SIM_GNT_RESERVED && ref < dom->gnt_nr && dom->shadow[ref].allocated &&
           dom->shadow[ref].pooled == pooled;
}

/* v1 revoke (lock held): the in-use check and the clear in one step. */
static int revoke(struct vscsi_sim_dom *dom, uint32_t ref)
{
    if (pinned(&dom->shadow[ref]))
        return -EBUSY; /* entry left as is: the caller must not reuse the page */
    release_ref(dom, ref);
    return 0;
}

int vscsi_sim_grant_page(struct vscsi_sim_dom *dom, uint16_t domid, int readonly, uint32_t *ref,
                         void **page)
{
    if (!ref || !page)
        return -EINVAL;
    if (vscsi_sim_fault_hit(dom, VSCSI_SIM_FAULT_GRANT_PAGE))
        return -ENOMEM;
    int rc = 0;
    uint32_t frame;
    pthread_mutex_lock(&dom->gnt_lock);
    if (vscsi_sim_dom_dead(dom)) {
        rc = -ESRCH;
    } else if ((rc = vscsi_sim_mem_alloc(dom, &frame)) < 0) {
        /* Out of memory: the condition a front must handle. */
    } else if (!dom->nfree_refs) {
        vscsi_sim_mem_free(dom, frame);
        rc = -ENOSPC;
    } else {
        uint32_t r = dom->free_refs[--dom->nfree_refs];
        void *p = vscsi_sim_mem_page(dom, frame);
        /* Zeroed before the entry is valid: a grantee holding a stale ref
         * number may try it the moment the flags are set. */
        memset(p, 0, VSCSI_SIM_PAGE_SIZE);
        publish(dom, r, domid, frame, (uint16_t)(GTF_PERMIT | (readonly ? GTF_RO : 0)), false);
        *ref = r;
        *page = p;
    }
    pthread_mutex_unlock(&dom->gnt_lock);
    return rc;
}

int vscsi_sim_ungrant_page(struct vscsi_sim_dom *dom, uint32_t ref, void *page)
{
    int rc = 0;
    pthread_mutex_lock(&dom->gnt_lock);
    if (vscsi_sim_dom_dead(dom))
        rc = -ESRCH;
    else if (!live_ref(dom, ref, false) || page != vscsi_sim_mem_page(dom, dom->gnt[ref].frame))
        rc = -EINVAL;
    else
        rc = revoke(dom, ref);
    pthread_mutex_unlock(&dom->gnt_lock);
    return rc;
}

/*
 * The page pool: pages allocated once and granted per use. Same v1 rules as
 * above, but the page is neither zeroed by a grant nor freed by a revoke:
 * what a pool page holds is its owner's business.
 */
int vscsi_sim_alloc_pages(struct vscsi_sim_dom *dom, uint32_t count, void **addr)
{
    if (!addr || !count)
        return -EINVAL;
    int rc;
    uint32_t first = 0;
    pthread_mutex_lock(&dom->gnt_lock);
    if (vscsi_sim_dom_dead(dom))
        rc = -ESRCH;
    else
        rc = vscsi_sim_mem_alloc_run(dom, count, &first);
    pthread_mutex_unlock(&dom->gnt_lock);
    if (rc < 0)
        return rc;
    /* Zeroed outside the lock: not granted yet, nobody else can reach it. */
    *addr = vscsi_sim_mem_page(dom, first);
    memset(*addr, 0, (size_t)count * VSCSI_SIM_PAGE_SIZE);
    return 0;
}

int vscsi_sim_free_pages(struct vscsi_sim_dom *dom, void *addr, uint32_t count)
{
    int rc = 0;
    uint32_t first = 0;
    pthread_mutex_lock(&dom->gnt_lock);
    if (vscsi_sim_dom_dead(dom)) {
        rc = -ESRCH;
    } else if (!count || vscsi_sim_mem_frame(dom, addr, &first) < 0 ||
               count > dom->mem_pages - first) {
        rc = -EINVAL;
    } else {
        for (uint32_t f = first; f < first + count && !rc; f++) {
            if (dom->frame_kind[f] != VSCSI_SIM_FRAME_POOL)
                rc = -EINVAL;
            else if (dom->frame_grants[f])
                rc = -EBUSY; /* freeing a granted page is the XSA-396 bug */
        }
        for (uint32_t f = first; f < first + count && !rc; f++)
            vscsi_sim_mem_free(dom, f);
    }
    pthread_mutex_unlock(&dom->gnt_lock);
    return rc;
}

/* The GRANT_PAGE fault counts pages: the nth page of a batch fails the
 * whole call, so a test can still aim at "the third grant". */
static bool grant_fault(struct vscsi_sim_dom *dom, uint32_t count)
{
    if (!vscsi_sim_faults_armed(dom))
        return false;
    for (uint32_t i = 0; i < count; i++)
        if (vscsi_sim_fault_hit(dom, VSCSI_SIM_FAULT_GRANT_PAGE))
            return true;
    return false;
}

int vscsi_sim_grant_access(struct vscsi_sim_dom *dom, uint16_t domid, uint32_t count,
                           void *const *pages, int readonly, uint32_t *refs)
{
    if (!count)
        return 0;
    if (!pages || !refs)
        return -EINVAL;
    if (grant_fault(dom, count))
        return -ENOMEM;
    int rc = 0;
    uint32_t frame = 0;
    uint16_t flags = (uint16_t)(GTF_PERMIT | (readonly ? GTF_RO : 0));
    pthread_mutex_lock(&dom->gnt_lock);
    if (vscsi_sim_dom_dead(dom))
        rc = -ESRCH;
    else if (dom->nfree_refs < count)
        rc = -ENOSPC;
    /* Every page checked before the first is granted: all or nothing. The
     * frames wait in refs[] (the caller's to overwrite) for the second pass. */
    for (uint32_t i = 0; i < count && !rc; i++) {
        if (vscsi_sim_mem_frame(dom, pages[i], &frame) < 0 ||
            dom->frame_kind[frame] != VSCSI_SIM_FRAME_POOL)
            rc = -EINVAL;
        refs[i] = frame;
    }
    if (!rc) {
        /* Locals: stores into the table could alias dom's own fields. */
        struct vscsi_sim_gnt_entry *gnt = dom->gnt;
        struct vscsi_sim_gnt_shadow *sh = dom->shadow;
        uint32_t *grants = dom->frame_grants, *top = dom->free_refs + dom->nfree_refs;
        dom->nfree_refs -= count;
        for (uint32_t i = 0; i < count; i++) {
            uint32_t r = *--top;
            frame = refs[i];
            /* publish(): domid and frame first, flags last */
            gnt[r].domid = domid;
            gnt[r].frame = frame;
            gnt[r].flags = flags;
            sh[r].allocated = true;
            sh[r].pooled = true;
            grants[frame]++;
            refs[i] = r;
        }
    }
    pthread_mutex_unlock(&dom->gnt_lock);
    return rc;
}

/* end_access of one ref (lock held, domain live): live_ref() and revoke()
 * inline, as this runs once per page of every request. */
static inline int end_one(struct vscsi_sim_dom *dom, uint32_t ref)
{
    if (ref < VSCSI_SIM_GNT_RESERVED || ref >= dom->gnt_nr)
        return -EINVAL;
    const struct vscsi_sim_gnt_shadow *sh = &dom->shadow[ref];
    if (!sh->allocated || !sh->pooled)
        return -EINVAL;
    if (pinned(sh))
        return -EBUSY; /* entry left as is: the caller must not reuse the page */
    release_ref(dom, ref);
    return 0;
}

int vscsi_sim_end_access(struct vscsi_sim_dom *dom, uint32_t count, const uint32_t *refs,
                         int *status)
{
    if (count && (!refs || !status))
        return -EINVAL;
    int kept = 0;
    pthread_mutex_lock(&dom->gnt_lock);
    if (vscsi_sim_dom_dead(dom)) {
        for (uint32_t i = 0; i < count; i++)
            status[i] = -ESRCH;
        kept = (int)count;
    } else {
        for (uint32_t i = 0; i < count; i++) {
            int st = end_one(dom, refs[i]);
            status[i] = st;
            kept += st != 0;
        }
    }
    pthread_mutex_unlock(&dom->gnt_lock);
    return kept;
}

/* Status of one copy segment against granter g (locked, live). */
static int16_t copy_check(struct vscsi_sim_dom *g, uint16_t copier,
                          const struct vscsi_grant_copy *s)
{
    if ((uint32_t)s->offset + s->len > VSCSI_SIM_PAGE_SIZE)
        return VSCSI_GNTST_BAD_COPY_ARG;
    if (s->ref < VSCSI_SIM_GNT_RESERVED || s->ref >= g->gnt_nr)
        return VSCSI_GNTST_BAD_GNTREF;
    const struct vscsi_sim_gnt_entry *e = &g->gnt[s->ref];
    if ((e->flags & GTF_TYPE) != GTF_PERMIT || !g->shadow[s->ref].allocated)
        return VSCSI_GNTST_BAD_GNTREF;
    if (e->domid != copier || (s->to_grant && (e->flags & GTF_RO)))
        return VSCSI_GNTST_PERMISSION_DENIED;
    if (s->len && !s->local)
        return VSCSI_GNTST_GENERAL_ERROR;
    return VSCSI_GNTST_OKAY;
}

/* copy_check() == OKAY without early exits: the common case of a run
 * (every page good) then costs a few instructions a page. Anything it does
 * not accept goes through copy_check() for its status, so it can only be
 * as strict, never less (test_copy_run_bad_middle). */
static inline bool copy_clean(const struct vscsi_sim_dom *g, uint16_t copier,
                              const struct vscsi_grant_copy *s)
{
    uint32_t ref = s->ref;
    if (ref < VSCSI_SIM_GNT_RESERVED || ref >= g->gnt_nr)
        return false;
    /* type permit_access, granted to the copier, and not read-only when
     * the copy writes into the grant (fields, not one word: byte order) */
    const struct vscsi_sim_gnt_entry *e = &g->gnt[ref];
    uint16_t deny = (uint16_t)(GTF_TYPE | (s->to_grant ? GTF_RO : 0));
    return (e->flags & deny) == GTF_PERMIT && e->domid == copier && g->shadow[ref].allocated &&
           (uint32_t)s->offset + s->len <= VSCSI_SIM_PAGE_SIZE && (s->local || !s->len);
}

/* What moves once the lock is dropped: pinned segments that continue each
 * other on both sides (a buffer granted page by page into consecutive
 * frames, copied to or from one contiguous buffer) become one memcpy, at
 * the speed of one large copy instead of many 4 KiB ones. */
struct copy_ext {
    uint8_t *gp, *local;
    size_t len;
    bool to_grant;
};

/* Pins one segment that passed its checks and adds it to the extents. */
struct copy_acc {
    struct copy_ext *x;
    uint32_t nx;
    uint8_t *gend, *lend; /* where the last extent ends on each side */
    bool dir;
};

static inline void pin_one(struct vscsi_sim_dom *g, struct vscsi_grant_copy *s, struct copy_acc *a)
{
    struct vscsi_sim_gnt_shadow *sh = &g->shadow[s->ref];
    struct vscsi_sim_gnt_entry *e = &g->gnt[s->ref];
    bool to = s->to_grant != 0;
    s->status = VSCSI_GNTST_OKAY;
    /* A new pin only adds bits, so no recount (sync_flags) is needed:
     * reading for any copy, writing too for a copy into the grant. */
    ++*(to ? &sh->copy_wr : &sh->copy_rd);
    e->flags |= (uint16_t)(to ? GTF_RD | GTF_WR : GTF_RD);
    uint8_t *gp = (uint8_t *)vscsi_sim_mem_page(g, e->frame) + s->offset;
    uint8_t *lp = s->local;
    if (a->nx && gp == a->gend && lp == a->lend && to == a->dir)
        a->x[a->nx - 1].len += s->len;
    else
        a->x[a->nx++] = (struct copy_ext){gp, lp, s->len, to};
    a->dir = to;
    a->gend = gp + s->len;
    a->lend = lp + s->len;
}

/* Checks and pins one run of segments of granter g (lock held) and returns
 * the extents to copy; a segment pinned here is one whose status is OKAY.
 * Pinned entries report GTF_reading/writing and cannot be revoked, exactly
 * as while Xen copies: that, not the lock, keeps a concurrent revoke away
 * while the bytes move outside it. */
static uint32_t copy_pin_run(struct vscsi_sim_dom *dom, struct vscsi_sim_dom *g,
                             struct vscsi_grant_copy *segs, uint32_t n, struct copy_ext *x,
                             uint64_t *ok)
{
    struct copy_acc a = {x, 0, NULL, NULL, false};
    uint16_t me = dom->domid;
    if (!g || vscsi_sim_dom_dead(g) || vscsi_sim_faults_armed(dom)) {
        /* The slow way, one segment at a time, fault counting included. */
        bool faults = vscsi_sim_faults_armed(dom);
        bool live = g && !vscsi_sim_dom_dead(g);
        for (uint32_t i = 0; i < n; i++) {
            struct vscsi_grant_copy *s = &segs[i];
            if (faults && vscsi_sim_fault_hit_slow(dom, VSCSI_SIM_FAULT_COPY))
                s->status = VSCSI_GNTST_GENERAL_ERROR;
            else if (!live)
                s->status = VSCSI_GNTST_BAD_DOMAIN;
            else
                s->status = copy_check(g, me, s);
            if (s->status == VSCSI_GNTST_OKAY) {
                pin_one(g, s, &a);
                ++*ok;
            }
        }
        return a.nx;
    }
    for (uint32_t i = 0; i < n; i++) {
        struct vscsi_grant_copy *s = &segs[i];
        if (!copy_clean(g, me, s) && (s->status = copy_check(g, me, s)) != VSCSI_GNTST_OKAY)
            continue;
        pin_one(g, s, &a);
        ++*ok;
    }
    return a.nx;
}

/* Drops the pins copy_pin_run took (status OKAY), lock held. */
static void copy_unpin_run(struct vscsi_sim_dom *g, const struct vscsi_grant_copy *segs, uint32_t n)
{
    bool dead = vscsi_sim_dom_dead(g);
    for (uint32_t i = 0; i < n; i++) {
        const struct vscsi_grant_copy *s = &segs[i];
        if (s->status != VSCSI_GNTST_OKAY)
            continue;
        struct vscsi_sim_gnt_shadow *sh = &g->shadow[s->ref];
        /* ... and when it drops back to 0. */
        if (--*(s->to_grant ? &sh->copy_wr : &sh->copy_rd) == 0)
            sync_flags(g, s->ref);
        if (dead && !pinned(sh))
            release_ref(g, s->ref);
    }
}

/* The bytes move outside the granter's lock (pinned, as Xen does), so that
 * two domains copying at once do not take turns through a mutex. */
#define COPY_RUN 64

int vscsi_sim_copy_grants(struct vscsi_sim_dom *dom, struct vscsi_grant_copy *segs, uint32_t count)
{
    if (count && !segs)
        return -EINVAL;
    if (vscsi_sim_dom_dead(dom))
        return -ESRCH;
    uint64_t ok = 0, bytes = 0;
    struct copy_ext x[COPY_RUN];
    for (uint32_t i = 0; i < count;) {
        /* a run: same granter, at most COPY_RUN segments */
        uint32_t n = 1;
        while (i + n < count && n < COPY_RUN && segs[i + n].domid == segs[i].domid)
            n++;
        struct vscsi_sim_dom *g = vscsi_sim_dom_lookup(dom->hv, segs[i].domid);
        if (g)
            pthread_mutex_lock(&g->gnt_lock);
        uint32_t nx = copy_pin_run(dom, g, &segs[i], n, x, &ok);
        if (g)
            pthread_mutex_unlock(&g->gnt_lock);
        for (uint32_t k = 0; k < nx; k++) {
            if (x[k].to_grant)
                memcpy(x[k].gp, x[k].local, x[k].len);
            else
                memcpy(x[k].local, x[k].gp, x[k].len);
            bytes += x[k].len;
        }
        if (g) {
            pthread_mutex_lock(&g->gnt_lock);
            copy_unpin_run(g, &segs[i], n);
            pthread_mutex_unlock(&g->gnt_lock);
        }
        i += n;
    }
    if (ok) {
        VSCSI_SIM_STAT_ADD(dom, copies, ok);
        VSCSI_SIM_STAT_ADD(dom, copy_bytes, bytes);
    }
    return 0;
}

static unsigned count_entries(struct vscsi_sim_hv *hv, uint16_t granter, bool in_use)
{
    struct vscsi_sim_dom *g = vscsi_sim_dom_lookup(hv, granter);
    if (!g)
        return 0;
    unsigned n = 0;
    pthread_mutex_lock(&g->gnt_lock);
    for (uint32_t r = 0; r < g->gnt_nr; r++) {
        if (in_use ? pinned(&g->shadow[r]) : (g->gnt[r].flags & GTF_TYPE) == GTF_PERMIT)
            n++;
    }
    pthread_mutex_unlock(&g->gnt_lock);
    return n;
}

unsigned vscsi_sim_grants_in_use(struct vscsi_sim_hv *hv, uint16_t granter)
{
    return count_entries(hv, granter, true);
}

unsigned vscsi_sim_grants_active(struct vscsi_sim_hv *hv, uint16_t granter)
{
    return count_entries(hv, granter, false);
}

int vscsi_sim_grant_entry(struct vscsi_sim_hv *hv, uint16_t granter, uint32_t ref, uint16_t *flags,
                          uint16_t *domid, uint32_t *frame)
{
    struct vscsi_sim_dom *g = vscsi_sim_dom_lookup(hv, granter);
    if (!g)
        return -ENOENT;
    int rc = 0;
    pthread_mutex_lock(&g->gnt_lock);
    if (ref >= g->gnt_nr) {
        rc = -EINVAL;
    } else {
        if (flags)
            *flags = g->gnt[ref].flags;
        if (domid)
            *domid = g->gnt[ref].domid;
        if (frame)
            *frame = g->gnt[ref].frame;
    }
    pthread_mutex_unlock(&g->gnt_lock);
    return rc;
}

void *vscsi_sim_grant_page_ptr(struct vscsi_sim_hv *hv, uint16_t granter, uint32_t ref)
{
    struct vscsi_sim_dom *g = vscsi_sim_dom_lookup(hv, granter);
    if (!g)
        return NULL;
    void *p = NULL;
    pthread_mutex_lock(&g->gnt_lock);
    if (!vscsi_sim_dom_dead(g) && ref >= VSCSI_SIM_GNT_RESERVED && ref < g->gnt_nr &&
        g->shadow[ref].allocated)
        p = vscsi_sim_mem_page(g, g->gnt[ref].frame);
    pthread_mutex_unlock(&g->gnt_lock);
    return p;
}

int vscsi_sim_grant_poke(struct vscsi_sim_hv *hv, uint16_t granter, uint32_t ref, uint16_t flags,
                         uint16_t domid)
{
    struct vscsi_sim_dom *g = vscsi_sim_dom_get(hv, granter);
    if (!g)
        return -ESRCH;
    int rc = 0;
    pthread_mutex_lock(&g->gnt_lock);
    if (vscsi_sim_dom_dead(g)) {
        rc = -ESRCH;
    } else if (ref < VSCSI_SIM_GNT_RESERVED || ref >= g->gnt_nr || !g->shadow[ref].allocated) {
        rc = -EINVAL;
    } else {
        uint16_t keep = g->gnt[ref].flags & (GTF_RD | GTF_WR);
        g->gnt[ref].flags = (uint16_t)(keep | (flags & (GTF_TYPE | GTF_RO)));
        g->gnt[ref].domid = domid;
    }
    pthread_mutex_unlock(&g->gnt_lock);
    return rc;
}
