/* SPDX-License-Identifier: MIT */
/* Frontend submission: bounce pages, grants, direct and indirect requests,
 * task management requests. The page pool and zero-copy buffers are in
 * front_pool.c. */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "front_int.h"

int vscsi_fi_ring_ok(const struct vscsi_front *f)
{
    if (f->error)
        return -EIO;
    if (f->state != VSCSI_XB_CONNECTED)
        return -ENOTCONN;
    return 0;
}

/* Revokes every grant the request holds. A grant the backend will not let go
 * is forgotten, never freed or reused (XSA-396): the platform keeps the page. */
int vscsi_fi_ungrant_rq(struct vscsi_front *f, struct vscsi_fi_rq *r)
{
    int rc = 0;

    if (f->has_pool)
        return vscsi_fi_pool_end(f, r);
    for (uint32_t i = 0; i < r->nr_pages; i++) {
        if (f->ops->ungrant_page(f->ctx, r->refs[i], r->pages[i]) < 0) {
            f->st.quarantined_grants++;
            rc = -EBUSY;
        }
        r->pages[i] = NULL;
    }
    for (uint32_t i = 0; i < r->nr_ind; i++) {
        if (f->ops->ungrant_page(f->ctx, r->ind_refs[i], r->ind_pages[i]) < 0) {
            f->st.quarantined_grants++;
            rc = -EBUSY;
        }
        r->ind_pages[i] = NULL;
    }
    r->nr_pages = 0;
    r->nr_ind = 0;
    return rc;
}

/* Pushes the private copy into the ring. Building in private memory first
 * means no field is ever read back from the shared page. */
/* force: notify even if the backend did not ask to be woken. A timeout may
 * mean that an earlier notification was lost, and then the backend never
 * re-armed req_event: only an unconditional kick gets it going again. */
static void ring_send(struct vscsi_front *f, const struct vscsi_request *rq, int force)
{
    struct vscsi_request *slot = vscsi_front_slot(&f->ring);
    unsigned n = rq->nr_segments & VSCSI_SG_COUNT_MASK;

    /* Only the header and the used segments: the rest of `rq` is our stack. */
    if (n > VSCSI_SG_TABLESIZE)
        n = VSCSI_SG_TABLESIZE;
    memcpy(slot, rq, offsetof(struct vscsi_request, seg) + n * sizeof(struct vscsi_seg));
    vscsi_front_produce(&f->ring); /* zeroes reserved[] in the slot */
    if (vscsi_front_push(&f->ring) || force) {
        f->ops->evtchn_notify(f->ctx, f->port);
        f->st.notifies++;
    }
}

static int grant_data(struct vscsi_front *f, struct vscsi_fi_rq *r, const struct vscsi_front_io *io,
                      uint32_t pages, int zc)
{
    int ro = io->dir == VSCSI_DIR_TO_DEVICE;
    const uint8_t *src = io->buf;

    if (f->has_pool)
        return vscsi_fi_pool_grant(f, r, io->buf, io->len, pages, zc);
    for (uint32_t i = 0; i < pages; i++) {
        size_t off = (size_t)i * VSCSI_PAGE_SIZE;
        size_t n = io->len - off < VSCSI_PAGE_SIZE ? io->len - off : VSCSI_PAGE_SIZE;
        int rc = f->ops->grant_page(f->ctx, f->be_domid, ro, &r->refs[i], &r->pages[i]);

        if (rc < 0)
            return rc;
        r->nr_pages = i + 1;
        if (ro)
            memcpy(r->pages[i], src + off, n);
    }
    return 0;
}

/* Segment i of a request: the data starts at off0 in the first page, every
 * other page from its start (off0 is 0 unless granted in place). */
static struct vscsi_seg seg_of(const struct vscsi_fi_rq *r, size_t len, uint32_t i)
{
    size_t pos = i ? (size_t)i * VSCSI_PAGE_SIZE - r->off0 : 0;
    uint16_t off = i ? 0 : r->off0;
    size_t room = (size_t)VSCSI_PAGE_SIZE - off;
    size_t n = len - pos < room ? len - pos : room;
    struct vscsi_seg s = {r->refs[i], off, (uint16_t)n};

    return s;
}

static int build_direct(struct vscsi_fi_rq *r, size_t len, struct vscsi_request *rq)
{
    for (uint32_t i = 0; i < r->nr_pages; i++) {
        struct vscsi_seg s = seg_of(r, len, i);
        int rc = vscsi_req_add_seg(rq, s.gref, s.offset, s.length);

        if (rc)
            return rc;
    }
    return 0;
}

/* Descriptors in indirect page p: full pages, the last one what is left. */
static uint32_t descs_in_page(const struct vscsi_fi_rq *r, uint32_t p)
{
    uint32_t first = p * VSCSI_SG_PER_PAGE;

    return r->nr_pages - first < VSCSI_SG_PER_PAGE ? r->nr_pages - first : VSCSI_SG_PER_PAGE;
}

/* Segments [first, first + cnt) of the request into descriptor page d. */
static void fill_descriptors(const struct vscsi_fi_rq *r, size_t len, struct vscsi_seg *d,
                             uint32_t first, uint32_t cnt)
{
    for (uint32_t i = 0; i < cnt; i++) {
        struct vscsi_seg s = seg_of(r, len, first + i);

        memcpy(&d[i], &s, sizeof(s));
    }
}

/* Descriptor pages hold nothing but descriptors and are granted read-only,
 * so the backend sees none of our other memory (docs/protocol.md §7.2 item 12). Pool pages
 * are granted as they are, so they are all written first and then granted
 * in one call; grant_page hands out fresh pages already granted. */
static int build_indirect(struct vscsi_front *f, struct vscsi_fi_rq *r, size_t len,
                          struct vscsi_request *rq)
{
    uint32_t nind = (r->nr_pages + VSCSI_SG_PER_PAGE - 1) / VSCSI_SG_PER_PAGE;
    int rc;

    for (uint32_t p = 0; p < nind; p++) {
        if (f->has_pool) {
            rc = vscsi_fi_pool_ind(f, r, p, &r->ind_pages[p]);
        } else {
            rc = f->ops->grant_page(f->ctx, f->be_domid, 1, &r->ind_refs[p], &r->ind_pages[p]);
            if (rc >= 0)
                r->nr_ind = p + 1;
        }
        if (rc < 0)
            return rc;
        fill_descriptors(r, len, r->ind_pages[p], p * VSCSI_SG_PER_PAGE, descs_in_page(r, p));
    }
    if (f->has_pool) {
        rc = vscsi_fi_pool_grant_ind(f, r, nind);
        if (rc < 0)
            return rc;
    }
    for (uint32_t p = 0; p < nind; p++) {
        rc = vscsi_req_add_indirect(rq, r->ind_refs[p], 0,
                                    (uint16_t)(descs_in_page(r, p) * sizeof(struct vscsi_seg)));
        if (rc)
            return rc;
    }
    return 0;
}

static int io_valid(const struct vscsi_front_io *io)
{
    if (!io->cdb || io->cdb_len == 0 || io->cdb_len > VSCSI_MAX_CDB_LEN)
        return 0;
    /* One buffer cannot describe both directions on this wire. */
    if (io->dir != VSCSI_DIR_TO_DEVICE && io->dir != VSCSI_DIR_FROM_DEVICE &&
        io->dir != VSCSI_DIR_NONE)
        return 0;
    if (io->len && (!io->buf || io->dir == VSCSI_DIR_NONE))
        return 0;
    if (io->len > (size_t)VSCSI_MAX_INDIRECT_SEGS * VSCSI_PAGE_SIZE)
        return -1;
    return 1;
}

int vscsi_front_submit(struct vscsi_front *f, const struct vscsi_front_io *io, void *user)
{
    struct vscsi_request rq;
    struct vscsi_fi_rq *r;
    uint32_t pages, tmo;
    int id, rc, v, zc = -1;

    if (!f || !io)
        return -EINVAL;
    v = io_valid(io);
    if (v == 0)
        return -EINVAL;
    rc = vscsi_fi_ring_ok(f);
    if (rc)
        return rc;
    if (v < 0)
        return -E2BIG;
    pages = (uint32_t)((io->len + VSCSI_PAGE_SIZE - 1) / VSCSI_PAGE_SIZE);
    if (pages > VSCSI_SG_TABLESIZE && pages > f->nr_segs)
        return -E2BIG;
    if (io->len && f->has_pool) {
        zc = vscsi_fi_buf_find(f, io->buf, io->len);
        if (zc >= 0) {
            /* Unaligned, it may span one page more than bouncing needs. */
            uint32_t span = vscsi_fi_buf_span(f, zc, io->buf, io->len);

            if (span > VSCSI_SG_TABLESIZE && span > f->nr_segs)
                zc = -1;
            else
                pages = span;
        }
    }
    if (vscsi_front_free(&f->ring) == 0)
        return -EAGAIN;
    id = vscsi_fi_rq_alloc(f);
    if (id < 0)
        return id;
    r = &f->rq[id];
    tmo = io->timeout_ms ? io->timeout_ms : f->abort_ms;
    r->act = VSCSI_ACT_CDB;
    r->dir = io->dir;
    r->nx = io->nx;
    r->user = user;
    r->buf = io->buf;
    r->len = io->len;
    r->timeout_ms = tmo;

    rc = vscsi_req_cdb(&rq, (uint16_t)id, &io->nx, io->cdb, io->cdb_len, io->dir,
                       (uint16_t)(tmo / 1000u > 0xffffu ? 0xffffu : (tmo + 999u) / 1000u));
    if (!rc)
        rc = grant_data(f, r, io, pages, zc);
    if (!rc)
        rc = pages > VSCSI_SG_TABLESIZE ? build_indirect(f, r, io->len, &rq)
                                        : build_direct(r, io->len, &rq);
    if (rc) {
        /* Nothing was published: the backend had no business mapping these. */
        if (vscsi_fi_ungrant_rq(f, r) == -EBUSY)
            vscsi_fi_latch(f, -EBUSY);
        r->busy = 0;
        return rc;
    }
    ring_send(f, &rq, 0);
    f->st.submitted++;
    if (r->nr_ind)
        f->st.indirect++;
    return id;
}

int vscsi_fi_send_tmr(struct vscsi_front *f, uint8_t act, const struct vscsi_nexus *nx, int target,
                      void *user, int internal)
{
    struct vscsi_request rq;
    struct vscsi_fi_rq *r;
    int id = vscsi_fi_ring_ok(f);

    if (id)
        return id;
    if (vscsi_front_free(&f->ring) == 0)
        return -EAGAIN;
    id = vscsi_fi_rq_alloc(f);
    if (id < 0)
        return id;
    r = &f->rq[id];
    r->act = act;
    r->dir = VSCSI_DIR_NONE;
    r->nx = *nx;
    r->user = user;
    r->internal = (uint8_t)internal;
    /* TMRs sent from tick() start their clock now; the caller's wait for
     * the next tick. */
    r->start_ms = internal ? f->now_ms : VSCSI_FI_NO_TIME;
    if (act == VSCSI_ACT_ABORT) {
        r->target = target;
        r->target_seq = f->rq[target].seq;
        f->rq[target].abort_by = id;
        vscsi_req_abort(&rq, (uint16_t)id, nx, (uint16_t)target);
        f->st.aborts++;
    } else {
        vscsi_req_reset(&rq, (uint16_t)id, nx);
        f->st.resets++;
    }
    ring_send(f, &rq, internal);
    return id;
}
