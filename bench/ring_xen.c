/* SPDX-License-Identifier: MIT */
/*
 * (b) The baseline: the fastest honest raw loop over libxen-dev's
 * <xen/io/ring.h> macros and <xen/io/vscsiif.h> types: requests filled
 * inline in the slot, RING_COPY_REQUEST / RING_COPY_RESPONSE into a local (so
 * only the fields read afterwards are loaded from the shared page), the
 * *_PROD_OVERFLOW checks, the notify and final check macros, and
 * xen_mb()/xen_rmb()/xen_wmb() defined exactly as xenctrl.h defines them, so
 * the barrier instruction is the library's.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Debian libxen-dev 4.17 xenctrl.h ("DEFINITIONS FOR CPU BARRIERS"), not
 * included because it drags in libxencall and friends; `asm` is spelled
 * __asm__ only because this build is -std=c11. Same instructions. */
#define xen_barrier() __asm__ __volatile__("" : : : "memory")
#if defined(__i386__)
#define xen_mb()  __asm__ __volatile__("lock addl $0, -4(%%esp)" ::: "memory")
#define xen_rmb() xen_barrier()
#define xen_wmb() xen_barrier()
#elif defined(__x86_64__)
#define xen_mb()  __asm__ __volatile__("lock addl $0, -32(%%rsp)" ::: "memory")
#define xen_rmb() xen_barrier()
#define xen_wmb() xen_barrier()
#elif defined(__arm__)
#define xen_mb()  __asm__ __volatile__("dmb" : : : "memory")
#define xen_rmb() __asm__ __volatile__("dmb" : : : "memory")
#define xen_wmb() __asm__ __volatile__("dmb" : : : "memory")
#elif defined(__aarch64__)
#define xen_mb()  __asm__ __volatile__("dmb sy" : : : "memory")
#define xen_rmb() __asm__ __volatile__("dmb sy" : : : "memory")
#define xen_wmb() __asm__ __volatile__("dmb sy" : : : "memory")
#else
#error "Define barriers"
#endif

#include "bench.h"

#ifndef LP_INLINE
#define LP_INLINE static inline __attribute__((always_inline))
#endif
#include "xen_work.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

struct xen_front {
    vscsiif_front_ring_t ring;
    uint8_t sense[VSCSIIF_SENSE_BUFFERSIZE]; /* the request's sense buffer */
};

struct xen_back {
    vscsiif_back_ring_t ring;
    struct wl_pend pend;
    vscsiif_segment_t storage[WL_MAX_SEGS];
};

typedef struct xen_ctx {
    vscsiif_sring_t *page;
    struct wl_pages ind;
    struct xw_params p;
    int ringonly;
    _Alignas(128) struct xen_front f;
    _Alignas(128) struct xen_back b;
} loop_ctx;

static void lp_reset(loop_ctx *x)
{
    memset(x->page, 0, 4096);
    SHARED_RING_INIT(x->page);
    FRONT_RING_INIT(&x->f.ring, x->page, 4096);
    BACK_RING_INIT(&x->b.ring, x->page, 4096);
    if (x->p.indirect)
        for (unsigned slot = 0; slot < WL_SLOTS; slot++)
            wl_write_descs(&x->ind, slot, x->p.nsegs);
}

LP_INLINE void lp_f_submit(loop_ctx *x, uint64_t seq, const int ro)
{
    (void)ro; /* raw code fills the slot inline in both layers */
    vscsiif_front_ring_t *r = &x->f.ring;
    vscsiif_request_t *rq = RING_GET_REQUEST(r, r->req_prod_pvt);
    unsigned slot = r->req_prod_pvt & (RING_SIZE(r) - 1);

    WL_FILL(rq, seq, x->p.nsegs, x->p.indirect, slot);
    r->req_prod_pvt++;
}

static inline int lp_f_push(loop_ctx *x)
{
    int notify;
    RING_PUSH_REQUESTS_AND_CHECK_NOTIFY(&x->f.ring, notify);
    return notify;
}

/* scsifront_ring_drain: read rsp_prod once, rmb, refuse an impossible value.
 * The compiler barrier before the read keeps a spinning caller honest. */
static inline int lp_f_avail(loop_ctx *x)
{
    vscsiif_front_ring_t *r = &x->f.ring;
    RING_IDX rp;

    xen_barrier();
    rp = r->sring->rsp_prod;
    xen_rmb();
    if (RING_RESPONSE_PROD_OVERFLOW(r, rp))
        return -1;
    return (int)(rp - r->rsp_cons);
}

static inline int lp_f_final(loop_ctx *x)
{
    int more;
    RING_FINAL_CHECK_FOR_RESPONSES(&x->f.ring, more);
    return more;
}

LP_INLINE int lp_f_reap(loop_ctx *x, uint64_t seq, const int ro)
{
    vscsiif_front_ring_t *r = &x->f.ring;
    vscsiif_response_t rsp;

    RING_COPY_RESPONSE(r, r->rsp_cons, &rsp);
    r->rsp_cons++;
    if (ro)
        return WL_REAP(&rsp, seq, x->f.sense);
    return xw_check(&rsp, seq, x->p.data_len, x->f.sense);
}

/* scsiback_do_cmd_fn: read req_prod once, rmb, refuse an impossible value,
 * stop where the response space ends. */
static inline int lp_b_avail(loop_ctx *x)
{
    vscsiif_back_ring_t *r = &x->b.ring;
    RING_IDX rp, n, space;

    xen_barrier();
    rp = r->sring->req_prod;
    xen_rmb();
    if (RING_REQUEST_PROD_OVERFLOW(r, rp))
        return -1;
    n = rp - r->req_cons;
    space = RING_SIZE(r) - (r->req_cons - r->rsp_prod_pvt);
    return (int)(n < space ? n : space);
}

static inline int lp_b_final(loop_ctx *x)
{
    int more;
    RING_FINAL_CHECK_FOR_REQUESTS(&x->b.ring, more);
    return more;
}

LP_INLINE void lp_b_serve(loop_ctx *x, const int ro)
{
    vscsiif_back_ring_t *r = &x->b.ring;
    vscsiif_request_t req; /* a local: only what is read below is loaded */
    int32_t rslt;

    RING_COPY_REQUEST(r, r->req_cons, &req);
    r->req_cons++;
    if (ro)
        rslt = WL_CONSUME(&req, &x->b.pend, &x->ind, x->b.storage, x->p.data_len);
    else
        rslt = xw_validate(&req, &x->p, &x->ind, x->b.storage, &x->b.pend);
    xw_answer(RING_GET_RESPONSE(r, r->rsp_prod_pvt), req.rqid, rslt);
    r->rsp_prod_pvt++;
}

static inline int lp_b_push(loop_ctx *x)
{
    int notify;
    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&x->b.ring, notify);
    return notify;
}

#include "ring_loop.h"

const char *ring_xen_barrier(void)
{
    return STR(xen_mb());
}

int ring_xen_run(const struct ring_cell *c, uint64_t n, struct ring_run *out)
{
    loop_ctx *x = aligned_alloc(128, sizeof(*x));
    int rc;

    if (!x)
        return -1;
    memset(x, 0, sizeof(*x));
    x->page = aligned_alloc(4096, 4096);
    if (!x->page || wl_pages_init(&x->ind)) {
        free(x->page);
        free(x);
        return -1;
    }
    x->p.nsegs = c->nsegs;
    x->p.indirect = c->indirect;
    x->p.data_len = wl_data_len(c->nsegs);
    x->ringonly = c->ringonly;
    rc = lp_run(x, c, n, out);
    wl_pages_free(&x->ind);
    free(x->page);
    free(x);
    return rc;
}
