/* SPDX-License-Identifier: MIT */
/* Frontend page pool and zero-copy buffers: steady state without
 * allocation, grants ended after every response, quarantine of a pool page
 * or a buffer page the backend keeps, zero-copy data through the whole
 * simulator, the old grant_page path for older ops tables, buffer errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vscsiif/response.h>
#include <vscsiif/xenbus.h>

#include "scenario/io.h"
#include "target/target.h"
#include "test_front_harness.h"
#include "vscsiif/scsi.h"

#define PG     4096u
#define MAXLOG (1u << 16)

/* A wrapping ops table: the simulator's, with the frontend's page ops
 * counted and logged. */
static struct {
    const struct vscsi_platform_ops *real;
    void *du;
    unsigned alloc_calls, alloc_pages, free_calls, freed_pages, grants, ends, grant_pages,
        ungrant_pages, grant_calls, end_calls;
    int fail_alloc; /* next alloc_pages returns this when non-zero */
    void *freed[MAXLOG];
} W;
static struct vscsi_platform_ops wops;

static int w_alloc_pages(void *ctx, uint32_t count, void **addr)
{
    int rc;

    if (ctx == W.du && W.fail_alloc) {
        rc = W.fail_alloc;
        W.fail_alloc = 0;
        return rc;
    }
    rc = W.real->alloc_pages(ctx, count, addr);
    if (ctx == W.du && rc == 0) {
        W.alloc_calls++;
        W.alloc_pages += count;
    }
    return rc;
}

static int w_free_pages(void *ctx, void *addr, uint32_t count)
{
    int rc = W.real->free_pages(ctx, addr, count);

    assert_int_equal(rc, 0); /* the front never frees a granted page */
    if (ctx == W.du) {
        W.free_calls++;
        for (uint32_t i = 0; i < count; i++) {
            assert_true(W.freed_pages < MAXLOG);
            W.freed[W.freed_pages++] = (uint8_t *)addr + (size_t)i * PG;
        }
    }
    return rc;
}

/* grants/ends count pages, grant_calls/end_calls calls (one per batch). */
static int w_grant_access(void *ctx, uint16_t domid, uint32_t count, void *const *pages, int ro,
                          uint32_t *refs)
{
    int rc = W.real->grant_access(ctx, domid, count, pages, ro, refs);

    if (ctx == W.du) {
        W.grant_calls++;
        if (rc == 0)
            W.grants += count;
    }
    return rc;
}

static int w_end_access(void *ctx, uint32_t count, const uint32_t *refs, int *status)
{
    int kept = W.real->end_access(ctx, count, refs, status);
    unsigned busy = 0;

    for (uint32_t i = 0; i < count; i++)
        busy += status[i] != 0;
    assert_int_equal(kept, busy); /* the return agrees with the statuses */
    if (ctx == W.du) {
        W.end_calls++;
        W.ends += count;
    }
    return kept;
}

static int w_grant_page(void *ctx, uint16_t domid, int ro, uint32_t *ref, void **page)
{
    if (ctx == W.du)
        W.grant_pages++;
    return W.real->grant_page(ctx, domid, ro, ref, page);
}

static int w_ungrant_page(void *ctx, uint32_t ref, void *page)
{
    if (ctx == W.du)
        W.ungrant_pages++;
    return W.real->ungrant_page(ctx, ref, page);
}

static void wrap(size_t size)
{
    memset(&W, 0, sizeof(W));
    W.real = vscsi_sim_ops();
    wops = *W.real;
    wops.size = size;
    wops.alloc_pages = w_alloc_pages;
    wops.free_pages = w_free_pages;
    wops.grant_access = w_grant_access;
    wops.end_access = w_end_access;
    wops.grant_page = w_grant_page;
    wops.ungrant_page = w_ungrant_page;
}

static int was_freed(const void *page)
{
    for (unsigned i = 0; i < W.freed_pages; i++)
        if (W.freed[i] == page)
            return 1;
    return 0;
}

/* Connected front on the wrapping table. */
static void conn(struct fh *h, const char *sg, uint32_t max_segs, size_t ops_size)
{
    wrap(ops_size);
    fh_setup(h, sg, 1);
    W.du = h->du;
    h->ops = &wops;
    fh_front(h, max_segs, 0, 0);
    fh_be_connect(h);
    assert_int_equal(vscsi_front_state(h->f), VSCSI_XB_CONNECTED);
}

static uint8_t a_buf[200 * PG], b_buf[200 * PG];

/* One data command answered by the test backend, data checked both ways. */
static void round_trip(struct fh *h, uint8_t dir, uint8_t *buf, size_t len, uint32_t seed)
{
    struct vscsi_request rq;
    unsigned before = h->ndone;

    if (dir == VSCSI_DIR_TO_DEVICE)
        fh_fill(buf, len, seed);
    assert_true(fh_submit(h, dir, buf, len, (void *)(uintptr_t)seed) >= 0);
    assert_int_equal(fh_be_take(h, &rq), 1);
    if (dir == VSCSI_DIR_TO_DEVICE) {
        memset(b_buf, 0, len);
        assert_int_equal(fh_be_read_data(h, &rq, b_buf, len), len);
        assert_memory_equal(b_buf, buf, len);
    } else {
        fh_fill(b_buf, len, seed);
        assert_int_equal(fh_be_write_data(h, &rq, b_buf, len), len);
    }
    fh_be_reply_cdb(h, rq.rqid, VSCSI_HOST_OK, 0, 0);
    fh_pump(h);
    assert_int_equal(h->ndone, before + 1);
    assert_true(vscsi_result_ok(&h->done[before].res));
    if (dir == VSCSI_DIR_FROM_DEVICE) {
        assert_int_equal(h->done[before].bytes, len);
        assert_memory_equal(buf, b_buf, len);
    }
    /* Every grant of the request ended: only the ring is left. */
    assert_int_equal(vscsi_sim_grants_active(h->hv, FH_FDOM), 1);
    assert_int_equal(W.grants, W.ends);
}

/* (a) The first requests fill the pool; after that nothing is allocated,
 * the same pages come back, and each grant is ended after its response. */
static void test_steady_state(void **state)
{
    struct fh h;
    struct vscsi_request rq;
    struct vscsi_front_stats st;
    unsigned calls, pages, grants, gcalls, ecalls;
    uint32_t frame0, frame;

    (void)state;
    conn(&h, "128", 0, sizeof(struct vscsi_platform_ops));
    assert_int_equal(W.grant_pages, 1); /* the ring only */
    round_trip(&h, VSCSI_DIR_FROM_DEVICE, a_buf, 16 * PG, 1);
    assert_int_equal(W.alloc_calls, 1);
    assert_int_equal(W.alloc_pages, 16);
    assert_int_equal(W.grants, 16);
    /* One grant_access and one end_access for the 16 pages. */
    assert_int_equal(W.grant_calls, 1);
    assert_int_equal(W.end_calls, 1);

    /* Where pool page 0 of rqid 0 lives. */
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, NULL), 0);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    fh_be_reply_cdb(&h, rq.rqid, 0, 0, 0);
    fh_pump(&h);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_TO_DEVICE, a_buf, 100, NULL), 0);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_int_equal(vscsi_sim_grant_entry(h.hv, FH_FDOM, rq.seg[0].gref, NULL, NULL, &frame0), 0);
    fh_be_reply_cdb(&h, rq.rqid, 0, 0, 0);
    fh_pump(&h);

    calls = W.alloc_calls;
    pages = W.alloc_pages;
    for (uint32_t i = 0; i < 40; i++) {
        size_t len = (i % 4 == 0)   ? 16 * PG
                     : (i % 4 == 1) ? 5 * PG + 17
                     : (i % 4 == 2) ? 1
                                    : 9 * PG;

        grants = W.grants;
        gcalls = W.grant_calls;
        ecalls = W.end_calls;
        round_trip(&h, i & 1 ? VSCSI_DIR_TO_DEVICE : VSCSI_DIR_FROM_DEVICE, a_buf, len, i + 10);
        assert_int_equal(W.grants - grants, (len + PG - 1) / PG);
        assert_int_equal(W.grant_calls - gcalls, 1);
        assert_int_equal(W.end_calls - ecalls, 1);
    }
    assert_int_equal(W.alloc_calls, calls);
    assert_int_equal(W.alloc_pages, pages);
    assert_int_equal(W.grant_pages, 1);
    assert_int_equal(W.ungrant_pages, 0);
    assert_int_equal(W.free_calls, 0);

    /* Same page again for the same rqid. */
    assert_int_equal(fh_submit(&h, VSCSI_DIR_TO_DEVICE, a_buf, 100, NULL), 0);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_int_equal(vscsi_sim_grant_entry(h.hv, FH_FDOM, rq.seg[0].gref, NULL, NULL, &frame), 0);
    assert_int_equal(frame, frame0);
    fh_be_reply_cdb(&h, rq.rqid, 0, 0, 0);
    fh_pump(&h);

    /* Growing into indirect: 11 more data pages and one descriptor page,
     * once; then steady again. */
    round_trip(&h, VSCSI_DIR_FROM_DEVICE, a_buf, 27 * PG, 99);
    assert_int_equal(W.alloc_calls, calls + 2);
    assert_int_equal(W.alloc_pages, pages + 12);
    for (uint32_t i = 0; i < 6; i++) {
        gcalls = W.grant_calls;
        ecalls = W.end_calls;
        round_trip(&h, i & 1 ? VSCSI_DIR_TO_DEVICE : VSCSI_DIR_FROM_DEVICE, a_buf, 27 * PG, i);
        /* Data pages and descriptor pages: one batch each. */
        assert_int_equal(W.grant_calls - gcalls, 2);
        assert_int_equal(W.end_calls - ecalls, 2);
    }
    assert_int_equal(W.alloc_calls, calls + 2);
    vscsi_front_stats(h.f, &st);
    assert_int_equal(st.indirect, 7);
    assert_int_equal(st.quarantined_grants, 0);

    /* Two in flight use two rqids, so two pools. */
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, a_buf, 2 * PG, (void *)1), 0);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, b_buf, 2 * PG, (void *)2), 1);
    assert_int_equal(W.alloc_calls, calls + 3);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 5);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(fh_be_take(&h, &rq), 1);
        fh_be_reply_cdb(&h, rq.rqid, 0, 0, 0);
    }
    fh_pump(&h);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1);

    /* Destroy gives back every pool page, once. */
    pages = W.alloc_pages;
    fh_teardown(&h);
    assert_int_equal(W.freed_pages, pages);
    assert_int_equal(W.grants, W.ends);
}

/* The pool is dropped when the backend disconnects, and refilled with fresh
 * pages by nobody: the handle is done with this backend. */
static void test_pool_freed_on_disconnect(void **state)
{
    struct fh h;

    (void)state;
    conn(&h, "128", 0, sizeof(struct vscsi_platform_ops));
    round_trip(&h, VSCSI_DIR_FROM_DEVICE, a_buf, 30 * PG, 3);
    assert_int_equal(W.alloc_pages, 31);
    assert_int_equal(W.freed_pages, 0);
    fh_be_state(&h, VSCSI_XB_CLOSED);
    fh_pump(&h);
    assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_CLOSED);
    assert_int_equal(W.freed_pages, 31);
    fh_teardown(&h);
    assert_int_equal(W.freed_pages, 31);
}

/* (b) A backend that keeps a pool page mapped after answering: end_access
 * says -EBUSY, the page is quarantined (never reused nor freed), the
 * device is latched in error, later submits fail cleanly. */
static void test_pool_page_kept(void **state)
{
    struct fh h;
    struct vscsi_request rq;
    struct vscsi_front_stats st;
    void *addr, *kept, *other;
    uint32_t ref;
    uint16_t flags;

    (void)state;
    conn(&h, "128", 0, sizeof(struct vscsi_platform_ops));
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, a_buf, 2 * PG, (void *)1), 0);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_TO_DEVICE, b_buf, PG, (void *)2), 1);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    ref = rq.seg[1].gref;
    kept = vscsi_sim_grant_page_ptr(h.hv, FH_FDOM, ref);
    other = vscsi_sim_grant_page_ptr(h.hv, FH_FDOM, rq.seg[0].gref);
    assert_non_null(kept);
    assert_int_equal(h.ops->map_grants(h.d0, FH_FDOM, 1, &ref, 1, &addr), 0);
    memset(addr, 0x5a, PG);
    fh_be_reply_cdb(&h, rq.rqid, 0, 0, 0);
    fh_pump(&h);
    /* The request itself completed with its data; then the device failed. */
    assert_int_equal(fh_find_user(&h, (void *)1)->res.host, VSCSI_HOST_OK);
    assert_int_equal(a_buf[PG], 0x5a);
    assert_int_equal(fh_find_user(&h, (void *)2)->res.host, VSCSI_HOST_RESET);
    vscsi_front_stats(h.f, &st);
    assert_int_equal(st.quarantined_grants, 1);
    assert_int_equal(vscsi_front_error(h.f), -EBUSY);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, a_buf, PG, NULL), -EIO);
    /* The rest of the pool went back; the kept page did not. */
    assert_true(was_freed(other));
    assert_false(was_freed(kept));
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 2);
    assert_int_equal(h.ops->unmap_grants(h.d0, addr, 1), 0);
    /* Still granted after the backend let go: nobody revokes it again. */
    assert_int_equal(vscsi_sim_grant_entry(h.hv, FH_FDOM, ref, &flags, NULL, NULL), 0);
    assert_true(flags & VSCSI_SIM_GTF_permit_access);
    fh_teardown(&h);
    assert_false(was_freed(kept));
}

/* (e) plus quarantine: a buffer page the backend keeps leaks the buffer. */
static void test_buf_page_kept(void **state)
{
    struct fh h;
    struct vscsi_request rq;
    struct vscsi_front_stats st;
    uint8_t *zb;
    void *addr;
    uint32_t ref;

    (void)state;
    conn(&h, "128", 0, sizeof(struct vscsi_platform_ops));
    assert_int_equal(vscsi_front_buf_alloc(h.f, 3 * PG, (void **)&zb), 0);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, zb, 3 * PG, (void *)1), 0);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    ref = rq.seg[2].gref;
    assert_int_equal(h.ops->map_grants(h.d0, FH_FDOM, 1, &ref, 1, &addr), 0);
    fh_be_reply_cdb(&h, rq.rqid, 0, 0, 0);
    fh_pump(&h);
    vscsi_front_stats(h.f, &st);
    assert_int_equal(st.quarantined_grants, 1);
    assert_int_equal(vscsi_front_error(h.f), -EBUSY);
    vscsi_front_buf_free(h.f, zb);
    for (unsigned i = 0; i < 3; i++)
        assert_false(was_freed(zb + i * PG));
    h.ops->unmap_grants(h.d0, addr, 1);
    fh_teardown(&h);
    for (unsigned i = 0; i < 3; i++)
        assert_false(was_freed(zb + i * PG));
}

/* Zero copy on the test backend: the segments name the buffer's own pages
 * at the right offsets, data-out is read from the buffer as it is when the
 * backend looks, data-in lands there directly. */
static void test_zero_copy_segments(void **state)
{
    struct fh h;
    struct vscsi_request rq;
    static struct vscsi_seg segs[VSCSI_MAX_INDIRECT_SEGS];
    uint8_t *zb;
    size_t off = 100, len = 3 * PG;
    unsigned n, allocs;

    (void)state;
    conn(&h, "128", 0, sizeof(struct vscsi_platform_ops));
    assert_int_equal(vscsi_front_buf_alloc(h.f, 40 * PG, (void **)&zb), 0);
    assert_int_equal((uintptr_t)zb % PG, 0);
    allocs = W.alloc_calls;

    /* data-in, unaligned: 4 pages, 3996 + 4096 + 4096 + 100 bytes */
    memset(zb, 0xee, 40 * PG);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, zb + off, len, (void *)1), 0);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_int_equal(rq.nr_segments, 4);
    for (unsigned i = 0; i < 4; i++) {
        uint8_t *page = vscsi_sim_grant_page_ptr(h.hv, FH_FDOM, rq.seg[i].gref);
        uint16_t flags;

        assert_ptr_equal(page, zb + i * PG);
        assert_int_equal(vscsi_sim_grant_entry(h.hv, FH_FDOM, rq.seg[i].gref, &flags, NULL, NULL),
                         0);
        assert_false(flags & VSCSI_SIM_GTF_readonly);
    }
    assert_int_equal(rq.seg[0].offset, off);
    assert_int_equal(rq.seg[0].length, PG - off);
    assert_int_equal(rq.seg[1].offset, 0);
    assert_int_equal(rq.seg[1].length, PG);
    assert_int_equal(rq.seg[3].length, off);
    fh_fill(b_buf, len, 5);
    assert_int_equal(fh_be_write_data(&h, &rq, b_buf, len), len);
    /* In the caller's buffer before any response: no bounce. */
    assert_memory_equal(zb + off, b_buf, len);
    fh_be_reply_cdb(&h, rq.rqid, 0, 0, 1000);
    fh_pump(&h);
    assert_int_equal(h.done[0].bytes, len - 1000);
    assert_int_equal(zb[off - 1], 0xee);
    assert_int_equal(zb[off + len], 0xee);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1);

    /* data-out, indirect (33 pages spanned), read-only grants */
    len = 32 * PG;
    off = PG + 9;
    fh_fill(zb + off, len, 6);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_TO_DEVICE, zb + off, len, (void *)2), 0);
    zb[off] ^= 0xff; /* the backend sees the buffer itself */
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_int_equal(rq.nr_segments, VSCSI_SG_GRANT | 1);
    n = fh_be_segs(&h, &rq, segs, VSCSI_MAX_INDIRECT_SEGS);
    assert_int_equal(n, 33);
    assert_int_equal(segs[0].offset, 9);
    assert_int_equal(segs[32].length, 9);
    for (unsigned i = 0; i < n; i++) {
        uint16_t flags;

        assert_ptr_equal(vscsi_sim_grant_page_ptr(h.hv, FH_FDOM, segs[i].gref), zb + (i + 1) * PG);
        assert_int_equal(vscsi_sim_grant_entry(h.hv, FH_FDOM, segs[i].gref, &flags, NULL, NULL), 0);
        assert_true(flags & VSCSI_SIM_GTF_readonly);
    }
    assert_int_equal(fh_be_read_data(&h, &rq, b_buf, len), len);
    assert_memory_equal(b_buf, zb + off, len);
    fh_be_reply_cdb(&h, rq.rqid, 0, 0, 0);
    fh_pump(&h);
    assert_int_equal(h.done[1].bytes, 0);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1);
    /* Only the descriptor page came from the pool. */
    assert_int_equal(W.alloc_calls, allocs + 1);
    assert_int_equal(W.alloc_pages, 40 + 1);

    fh_teardown(&h);
    /* Destroy freed the buffer still allocated. */
    for (unsigned i = 0; i < 40; i++)
        assert_true(was_freed(zb + i * PG));
}

/* Without feature-sg-grant (26 segments): a 26-page range that is not
 * page-aligned spans 27 pages, so it is bounced rather than refused. */
static void test_zero_copy_falls_back(void **state)
{
    struct fh h;
    struct vscsi_request rq;
    uint8_t *zb;
    size_t len = 26 * PG;

    (void)state;
    conn(&h, NULL, 0, sizeof(struct vscsi_platform_ops));
    assert_int_equal(vscsi_front_max_segs(h.f), 26);
    assert_int_equal(vscsi_front_buf_alloc(h.f, 27 * PG, (void **)&zb), 0);
    fh_fill(zb + 1, len, 8);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_TO_DEVICE, zb + 1, len, (void *)1), 0);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_int_equal(rq.nr_segments, 26);
    assert_int_equal(rq.seg[0].offset, 0);
    assert_ptr_not_equal(vscsi_sim_grant_page_ptr(h.hv, FH_FDOM, rq.seg[0].gref), zb);
    assert_int_equal(fh_be_read_data(&h, &rq, b_buf, len), len);
    assert_memory_equal(b_buf, zb + 1, len);
    fh_be_reply_cdb(&h, rq.rqid, 0, 0, 0);
    fh_pump(&h);
    /* Aligned, the same length goes in place. */
    assert_int_equal(fh_submit(&h, VSCSI_DIR_TO_DEVICE, zb, len, (void *)2), 0);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_ptr_equal(vscsi_sim_grant_page_ptr(h.hv, FH_FDOM, rq.seg[0].gref), zb);
    fh_be_reply_cdb(&h, rq.rqid, 0, 0, 0);
    fh_pump(&h);
    assert_int_equal(h.ndone, 2);
    vscsi_front_buf_free(h.f, zb);
    assert_true(was_freed(zb));
    fh_teardown(&h);
}

/* (d) An ops table from before the pool ops (smaller `size`), even with
 * something in the fields past it, and one with the pool ops NULL: the old
 * grant_page/ungrant_page path, no zero-copy buffers. */
static void old_path_case(size_t size, int null_ops)
{
    struct fh h;
    void *zb = (void *)1;

    wrap(size);
    if (null_ops)
        wops.end_access = NULL;
    fh_setup(&h, "128", 1);
    W.du = h.du;
    h.ops = &wops;
    fh_front(&h, 0, 0, 0);
    fh_be_connect(&h);
    round_trip(&h, VSCSI_DIR_FROM_DEVICE, a_buf, 30 * PG, 1);
    round_trip(&h, VSCSI_DIR_TO_DEVICE, a_buf, 5 * PG, 2);
    assert_int_equal(W.alloc_calls + W.grants + W.ends + W.free_calls, 0);
    assert_int_equal(W.grant_pages, 1 + 30 + 1 + 5);
    assert_int_equal(W.ungrant_pages, 30 + 1 + 5);
    assert_int_equal(vscsi_front_buf_alloc(h.f, PG, &zb), -EOPNOTSUPP);
    assert_null(zb);
    vscsi_front_buf_free(h.f, a_buf); /* not ours: ignored */
    fh_teardown(&h);
}

static void test_old_ops_table(void **state)
{
    (void)state;
    old_path_case(offsetof(struct vscsi_platform_ops, alloc_pages), 0);
    old_path_case(offsetof(struct vscsi_platform_ops, end_access), 0);
    old_path_case(sizeof(struct vscsi_platform_ops), 1);
    /* Smaller than the first release: refused. */
    wrap(offsetof(struct vscsi_platform_ops, xs_txn_end));
    {
        struct vscsi_front_config cfg = {.size = sizeof(cfg),
                                         .ops = &wops,
                                         .dev_path = "/local/domain/5/device/vscsi/0",
                                         .done = NULL};
        struct vscsi_front *f = (struct vscsi_front *)1;

        cfg.done = (vscsi_front_done_fn)(uintptr_t)1; /* never called */
        assert_int_equal(vscsi_front_new(&cfg, &f), -EINVAL);
        assert_null(f);
    }
}

/* (e) Buffer errors and the deferred free. */
static void test_buf_errors(void **state)
{
    struct fh h;
    struct vscsi_request rq;
    void *bufs[VSCSI_FRONT_BUFS], *x = (void *)1;

    (void)state;
    conn(&h, "128", 0, sizeof(struct vscsi_platform_ops));
    assert_int_equal(vscsi_front_buf_alloc(NULL, PG, &x), -EINVAL);
    assert_null(x);
    assert_int_equal(vscsi_front_buf_alloc(h.f, PG, NULL), -EINVAL);
    assert_int_equal(vscsi_front_buf_alloc(h.f, 0, &x), -EINVAL);
    assert_int_equal(vscsi_front_buf_alloc(h.f, VSCSI_FRONT_BUF_MAX_PAGES * PG + 1, &x), -E2BIG);
    assert_int_equal(vscsi_front_buf_alloc(h.f, SIZE_MAX, &x), -E2BIG);
    W.fail_alloc = -ENOMEM;
    assert_int_equal(vscsi_front_buf_alloc(h.f, PG, &x), -ENOMEM);
    assert_null(x);
    assert_int_equal(W.alloc_calls, 0);
    /* The largest one works. */
    assert_int_equal(vscsi_front_buf_alloc(h.f, VSCSI_FRONT_BUF_MAX_PAGES * PG, &x), 0);
    vscsi_front_buf_free(h.f, x);
    assert_int_equal(W.freed_pages, VSCSI_FRONT_BUF_MAX_PAGES);
    W.freed_pages = 0; /* the next buffers may get these addresses again */
    /* The table is full at VSCSI_FRONT_BUFS. */
    for (unsigned i = 0; i < VSCSI_FRONT_BUFS; i++)
        assert_int_equal(vscsi_front_buf_alloc(h.f, 1, &bufs[i]), 0);
    assert_int_equal(vscsi_front_buf_alloc(h.f, 1, &x), -ENOSPC);
    vscsi_front_buf_free(h.f, bufs[7]);
    assert_true(was_freed(bufs[7]));
    assert_int_equal(vscsi_front_buf_alloc(h.f, 1, &bufs[7]), 0);
    /* Not a pointer alloc returned (inside one, or foreign): ignored. */
    vscsi_front_buf_free(h.f, (uint8_t *)bufs[3] + 1);
    vscsi_front_buf_free(h.f, a_buf);
    vscsi_front_buf_free(h.f, NULL);
    vscsi_front_buf_free(NULL, bufs[3]);
    assert_false(was_freed(bufs[3]));

    /* Freed with a request in flight on it: deferred to the revoke. */
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, bufs[5], PG, (void *)1), 0);
    vscsi_front_buf_free(h.f, bufs[5]);
    vscsi_front_buf_free(h.f, bufs[5]); /* twice: still once */
    assert_false(was_freed(bufs[5]));
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_ptr_equal(vscsi_sim_grant_page_ptr(h.hv, FH_FDOM, rq.seg[0].gref), bufs[5]);
    fh_be_reply_cdb(&h, rq.rqid, 0, 0, 0);
    fh_pump(&h);
    assert_int_equal(h.ndone, 1);
    assert_true(was_freed(bufs[5]));
    /* ... and its slot is usable again. */
    assert_int_equal(vscsi_front_buf_alloc(h.f, 1, &x), 0);

    /* Pool allocation fails on submit: nothing sent or granted, rqid kept. */
    W.fail_alloc = -ENOMEM;
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, a_buf, 3 * PG, NULL), -ENOMEM);
    assert_int_equal(fh_be_take(&h, &rq), 0);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1);
    /* A grant failing on one page of a batch (the simulator counts pages):
     * nothing of it granted, nothing sent. */
    assert_int_equal(vscsi_sim_fault(h.hv, FH_FDOM, VSCSI_SIM_FAULT_GRANT_PAGE, 2, 1), 0);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, a_buf, 3 * PG, NULL), -ENOMEM);
    assert_int_equal(fh_be_take(&h, &rq), 0);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1);
    /* ... or on the descriptor page, after the 30 data pages: those revoked. */
    assert_int_equal(vscsi_sim_fault(h.hv, FH_FDOM, VSCSI_SIM_FAULT_GRANT_PAGE, 31, 1), 0);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_TO_DEVICE, a_buf, 30 * PG, NULL), -ENOMEM);
    assert_int_equal(fh_be_take(&h, &rq), 0);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1);
    /* A grant failing on a zero-copy buffer: the buffer is not held. */
    assert_int_equal(vscsi_sim_fault(h.hv, FH_FDOM, VSCSI_SIM_FAULT_GRANT_PAGE, 1, 1), 0);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, bufs[0], 1, NULL), -ENOMEM);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1);
    vscsi_front_buf_free(h.f, bufs[0]);
    assert_true(was_freed(bufs[0])); /* not held by the failed request */
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, NULL), 0);
    assert_int_equal(vscsi_front_error(h.f), 0);
    W.freed_pages = 0;
    fh_teardown(&h);
    /* Destroy freed what was left. */
    assert_true(was_freed(bufs[3]));
    assert_true(was_freed(x));
}

/* A command completed locally by a successful ABORT keeps its grants until
 * the backend answers it: a buffer freed in between goes only then. */
static void test_buf_free_after_abort(void **state)
{
    struct fh h;
    struct vscsi_request rq, cmd;
    uint8_t *zb;

    (void)state;
    conn(&h, "128", 0, sizeof(struct vscsi_platform_ops));
    assert_int_equal(vscsi_front_buf_alloc(h.f, 2 * PG, (void **)&zb), 0);
    assert_int_equal(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, zb, 2 * PG, (void *)1), 0);
    assert_int_equal(vscsi_front_abort(h.f, 0, (void *)2), 1);
    assert_int_equal(fh_be_take(&h, &cmd), 1);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    fh_be_reply_tmr(&h, rq.rqid, 1);
    fh_pump(&h);
    assert_int_equal(fh_find_user(&h, (void *)1)->res.host, VSCSI_HOST_ABORT);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 3);
    vscsi_front_buf_free(h.f, zb);
    assert_false(was_freed(zb));
    /* The backend still writes the pages it was given. */
    fh_fill(b_buf, 2 * PG, 4);
    assert_int_equal(fh_be_write_data(&h, &cmd, b_buf, 2 * PG), 2 * PG);
    fh_be_reply_cdb(&h, cmd.rqid, VSCSI_HOST_ABORT, 0, 0);
    fh_pump(&h);
    assert_int_equal(fh_count_user(&h, (void *)1), 1);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1);
    assert_true(was_freed(zb));
    assert_true(was_freed(zb + PG));
    assert_int_equal(vscsi_front_error(h.f), 0);
    fh_teardown(&h);
}

/* (c) Zero-copy data through the whole simulator: backend engine, grant
 * copy or grant map, the fake disk. */
static const struct vscsi_nexus DISK = {0, 0, 0};

static void disk_io(struct vscsi_sim_world *w, uint8_t dir, uint32_t lba, void *buf, size_t len)
{
    struct vscsi_result res;
    uint8_t cdb[10];
    size_t bytes = 0;

    vscsi_cdb_rw10(cdb, dir == VSCSI_DIR_TO_DEVICE ? VSCSI_OP_WRITE_10 : VSCSI_OP_READ_10, lba,
                   (uint16_t)(len / 512));
    assert_int_equal(vscsi_sim_cmd(w, 0, &DISK, cdb, 10, dir, buf, len, &res, &bytes), 0);
    assert_true(vscsi_sim_good(&res));
    assert_int_equal(bytes, dir == VSCSI_DIR_FROM_DEVICE ? len : 0);
}

static void world_case(int threaded, enum vscsi_back_data_mode mode)
{
    static const struct {
        size_t off, len;
        uint32_t lba;
    } cs[] = {
        {0, 64 * 1024, 0},           /* aligned, direct */
        {100, 3 * 4096, 200},        /* unaligned sub-range: 4 pages */
        {4096 + 7, 120 * 1024, 400}, /* unaligned, 31 pages: indirect */
        {0, 200 * 1024, 1000},       /* aligned, 50 pages: indirect */
        {4095, 512, 3000},           /* one block across a page boundary */
    };
    struct vscsi_sim_world_opts o = {
        .seed = 7, .threaded = threaded, .data_mode = mode, .done = vscsi_sim_io_done};
    struct vscsi_tgt_disk_opts d = {.blocks = 4096, .block_size = 512};
    const char *p[] = {"0:0:0:0"}, *v[] = {"0:0:0:0"};
    struct vscsi_front_stats st;
    struct vscsi_sim_world *w = vscsi_sim_world_new(&o);
    struct vscsi_tgt_lun *disk = vscsi_tgt_disk_new(&d);
    struct vscsi_front *f;
    uint8_t *zw, *zr;
    size_t zlen = 256 * 1024;

    assert_non_null(w);
    assert_non_null(disk);
    assert_int_equal(vscsi_sim_world_register(w, "0:0:0:0", disk), 0);
    assert_int_equal(vscsi_sim_world_attach(w, 0, p, v, 1), 0);
    if (threaded)
        assert_int_equal(vscsi_sim_world_start_thread(w), 0);
    assert_int_equal(vscsi_sim_world_wait_connected(w, 0), 0);
    f = vscsi_sim_world_front(w, 0);
    assert_int_equal(vscsi_front_buf_alloc(f, zlen, (void **)&zw), 0);
    assert_int_equal(vscsi_front_buf_alloc(f, zlen, (void **)&zr), 0);
    for (unsigned i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
        size_t off = cs[i].off, len = cs[i].len;

        /* Written from a zero-copy buffer, read back into another one
         * (sentinels around the range) and into a plain one. */
        fh_fill(zw + off, len, i + 1);
        disk_io(w, VSCSI_DIR_TO_DEVICE, cs[i].lba, zw + off, len);
        memset(zr, 0xa5, zlen);
        disk_io(w, VSCSI_DIR_FROM_DEVICE, cs[i].lba, zr + off, len);
        assert_memory_equal(zr + off, zw + off, len);
        if (off)
            assert_int_equal(zr[off - 1], 0xa5);
        assert_int_equal(zr[off + len], 0xa5);
        memset(a_buf, 0, len);
        disk_io(w, VSCSI_DIR_FROM_DEVICE, cs[i].lba, a_buf, len);
        assert_memory_equal(a_buf, zw + off, len);
        /* And what a bounced write put there reads back in place. */
        fh_fill(b_buf, len, i + 100);
        disk_io(w, VSCSI_DIR_TO_DEVICE, cs[i].lba, b_buf, len);
        disk_io(w, VSCSI_DIR_FROM_DEVICE, cs[i].lba, zr + 1, len);
        assert_memory_equal(zr + 1, b_buf, len);
    }
    vscsi_front_stats(f, &st);
    assert_true(st.indirect >= 6);
    assert_int_equal(st.quarantined_grants, 0);
    assert_int_equal(vscsi_front_error(f), 0);
    vscsi_front_buf_free(f, zw);
    vscsi_front_buf_free(f, zr);
    assert_int_equal(vscsi_sim_world_detach(w, 0), 0);
    vscsi_sim_world_stop_thread(w);
    assert_int_equal(vscsi_sim_grants_in_use(vscsi_sim_world_hv(w), vscsi_sim_world_front_domid(w)),
                     0);
    vscsi_sim_world_free(w);
    vscsi_tgt_free(disk);
}

static void test_world_zero_copy(void **state)
{
    (void)state;
    world_case(0, VSCSI_BACK_COPY);
    world_case(0, VSCSI_BACK_MAP);
    world_case(1, VSCSI_BACK_COPY);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_steady_state),
        cmocka_unit_test(test_pool_freed_on_disconnect),
        cmocka_unit_test(test_pool_page_kept),
        cmocka_unit_test(test_buf_page_kept),
        cmocka_unit_test(test_zero_copy_segments),
        cmocka_unit_test(test_zero_copy_falls_back),
        cmocka_unit_test(test_old_ops_table),
        cmocka_unit_test(test_buf_errors),
        cmocka_unit_test(test_buf_free_after_abort),
        cmocka_unit_test(test_world_zero_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
