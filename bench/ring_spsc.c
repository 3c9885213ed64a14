/* SPDX-License-Identifier: MIT */
/*
 * (c) The envelope: a minimal 16-slot single-producer/single-consumer ring
 * with the same request/response-in-one-slot geometry and the same
 * per-request work as (b), minus everything the Xen protocol adds: no event
 * indices, no notification decision, no full barrier (acquire/release only),
 * each producer index alone on its cache line and each slot on its own 256
 * bytes. The gap between (b) and (c) is the price of the protocol's ring;
 * the gap between (a) and (b) is the price of our API.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#ifndef LP_INLINE
#define LP_INLINE static inline __attribute__((always_inline))
#endif
#include "xen_work.h"

#define SPSC_SLOTS 16u
#define SPSC_MASK  (SPSC_SLOTS - 1u)

union spsc_slot {
    vscsiif_request_t req;
    vscsiif_response_t rsp;
    uint8_t pad[256];
};

struct spsc_ring {
    _Alignas(64) uint32_t req_prod;
    _Alignas(64) uint32_t rsp_prod;
    _Alignas(64) union spsc_slot slot[SPSC_SLOTS];
};

struct spsc_front {
    uint32_t req_prod_pvt, rsp_cons;
    uint8_t sense[VSCSIIF_SENSE_BUFFERSIZE];
};

struct spsc_back {
    uint32_t req_cons, rsp_prod_pvt;
    struct wl_pend pend;
    vscsiif_segment_t storage[WL_MAX_SEGS];
};

typedef struct spsc_ctx {
    struct spsc_ring *ring;
    struct wl_pages ind;
    struct xw_params p;
    int ringonly;
    _Alignas(128) struct spsc_front f;
    _Alignas(128) struct spsc_back b;
} loop_ctx;

static void lp_reset(loop_ctx *x)
{
    memset(x->ring, 0, sizeof(*x->ring));
    memset(&x->f, 0, offsetof(struct spsc_front, sense));
    memset(&x->b, 0, offsetof(struct spsc_back, pend));
    if (x->p.indirect)
        for (unsigned slot = 0; slot < WL_SLOTS; slot++)
            wl_write_descs(&x->ind, slot, x->p.nsegs);
}

LP_INLINE void lp_f_submit(loop_ctx *x, uint64_t seq, const int ro)
{
    (void)ro; /* raw code fills the slot inline in both layers */
    unsigned slot = x->f.req_prod_pvt & SPSC_MASK;

    vscsiif_request_t *rq = &x->ring->slot[slot].req;

    WL_FILL(rq, seq, x->p.nsegs, x->p.indirect, slot);
    x->f.req_prod_pvt++;
}

static inline int lp_f_push(loop_ctx *x)
{
    __atomic_store_n(&x->ring->req_prod, x->f.req_prod_pvt, __ATOMIC_RELEASE);
    return 0;
}

static inline int lp_f_avail(loop_ctx *x)
{
    uint32_t rp = __atomic_load_n(&x->ring->rsp_prod, __ATOMIC_ACQUIRE);
    if (rp - x->f.rsp_cons > x->f.req_prod_pvt - x->f.rsp_cons)
        return -1;
    return (int)(rp - x->f.rsp_cons);
}

static inline int lp_f_final(loop_ctx *x)
{
    return lp_f_avail(x);
}

LP_INLINE int lp_f_reap(loop_ctx *x, uint64_t seq, const int ro)
{
    vscsiif_response_t rsp =
        *(volatile vscsiif_response_t *)&x->ring->slot[x->f.rsp_cons & SPSC_MASK].rsp;

    x->f.rsp_cons++;
    if (ro)
        return WL_REAP(&rsp, seq, x->f.sense);
    return xw_check(&rsp, seq, x->p.data_len, x->f.sense);
}

static inline int lp_b_avail(loop_ctx *x)
{
    uint32_t rp = __atomic_load_n(&x->ring->req_prod, __ATOMIC_ACQUIRE);
    uint32_t n = rp - x->b.req_cons, space = SPSC_SLOTS - (x->b.req_cons - x->b.rsp_prod_pvt);

    if (rp - x->b.rsp_prod_pvt > SPSC_SLOTS)
        return -1;
    return (int)(n < space ? n : space);
}

static inline int lp_b_final(loop_ctx *x)
{
    return lp_b_avail(x);
}

LP_INLINE void lp_b_serve(loop_ctx *x, const int ro)
{
    union spsc_slot *s = &x->ring->slot[x->b.req_cons & SPSC_MASK];
    vscsiif_request_t req = *(volatile vscsiif_request_t *)&s->req;
    int32_t rslt;

    x->b.req_cons++;
    if (ro)
        rslt = WL_CONSUME(&req, &x->b.pend, &x->ind, x->b.storage, x->p.data_len);
    else
        rslt = xw_validate(&req, &x->p, &x->ind, x->b.storage, &x->b.pend);
    xw_answer(&x->ring->slot[x->b.rsp_prod_pvt & SPSC_MASK].rsp, req.rqid, rslt);
    x->b.rsp_prod_pvt++;
}

static inline int lp_b_push(loop_ctx *x)
{
    __atomic_store_n(&x->ring->rsp_prod, x->b.rsp_prod_pvt, __ATOMIC_RELEASE);
    return 0;
}

#include "ring_loop.h"

int ring_spsc_run(const struct ring_cell *c, uint64_t n, struct ring_run *out)
{
    loop_ctx *x = aligned_alloc(128, sizeof(*x));
    int rc;

    if (!x)
        return -1;
    memset(x, 0, sizeof(*x));
    x->ring = aligned_alloc(4096, sizeof(*x->ring) + 4096 - sizeof(*x->ring) % 4096);
    if (!x->ring || wl_pages_init(&x->ind)) {
        free(x->ring);
        free(x);
        return -1;
    }
    x->p.nsegs = c->nsegs;
    x->p.indirect = c->indirect;
    x->p.data_len = wl_data_len(c->nsegs);
    x->ringonly = c->ringonly;
    rc = lp_run(x, c, n, out);
    wl_pages_free(&x->ind);
    free(x->ring);
    free(x);
    return rc;
}
