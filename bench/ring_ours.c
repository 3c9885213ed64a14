/* SPDX-License-Identifier: MIT */
/*
 * (a) The library: ring.h front and back ends, request building with
 * vscsi_req_cdb/set_segs/add_indirect, backend validation with
 * vscsi_cmd_parse + vscsi_cmd_parse_data (indirect regions through the read
 * callback), answers with vscsi_rsp_cdb, frontend decoding with
 * vscsi_rsp_decode. Exactly what an embedder of the library would write.
 * Ring-only cells: the ring calls and the takes only, with the same inline
 * fill and consumer as the others (ring_work.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#ifndef LP_INLINE
#define LP_INLINE static inline __attribute__((always_inline))
#endif
#include "ring_work.h"
#include "vscsiif/request.h"
#include "vscsiif/response.h"
#include "vscsiif/ring.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

/* Front and back state on separate cache-line pairs: in the two-thread runs
 * each is written by its own core only, as in two real domains. */
struct ours_front {
    struct vscsi_front_ring ring;
    struct vscsi_seg sg[VSCSI_SG_TABLESIZE]; /* the scatter list a frontend holds ready */
    uint8_t sense[VSCSI_SENSE_LEN];          /* the request's sense buffer (ring-only) */
    uint64_t build_errors;
};

struct ours_back {
    struct vscsi_back_ring ring;
    struct wl_pend pend; /* ring-only: what the consumer keeps */
    struct vscsi_seg storage[WL_MAX_SEGS];
};

typedef struct ours_ctx {
    struct vscsi_sring *page;
    struct wl_pages ind;
    struct vscsi_limits lim;
    struct vscsi_nexus nx;
    unsigned nsegs;
    int indirect;
    int ringonly;
    uint64_t data_len;
    _Alignas(128) struct ours_front f;
    _Alignas(128) struct ours_back b;
} loop_ctx;

static void lp_reset(loop_ctx *x)
{
    vscsi_sring_init(x->page);
    vscsi_front_ring_init(&x->f.ring, x->page);
    vscsi_back_ring_init(&x->b.ring, x->page);
    x->f.build_errors = 0;
    for (unsigned i = 0; i < VSCSI_SG_TABLESIZE; i++)
        x->f.sg[i] = (struct vscsi_seg){WL_DATA_GREF_BASE + i, 0, WL_PAGE};
    if (x->indirect)
        for (unsigned slot = 0; slot < WL_SLOTS; slot++)
            wl_write_descs(&x->ind, slot, x->nsegs);
}

LP_INLINE void lp_f_submit(loop_ctx *x, uint64_t seq, const int ro)
{
    struct vscsi_request *rq = vscsi_front_slot(&x->f.ring);
    unsigned slot = x->f.ring.req_prod_pvt & VSCSI_RING_MASK;
    int rc;

    if (!rq) {
        x->f.build_errors++;
        return;
    }
    if (ro) {
        WL_FILL(rq, seq, x->nsegs, x->indirect, slot);
        vscsi_front_produce(&x->f.ring);
        return;
    }
    uint32_t lba = (uint32_t)seq, blocks = x->nsegs * (WL_PAGE / 512u);
    uint8_t cdb[WL_CDB_LEN] = {
        0x28,         0, (uint8_t)(lba >> 24),   (uint8_t)(lba >> 16), (uint8_t)(lba >> 8),
        (uint8_t)lba, 0, (uint8_t)(blocks >> 8), (uint8_t)blocks,      0};
    rc = vscsi_req_cdb(rq, (uint16_t)seq, &x->nx, cdb, WL_CDB_LEN, wl_dir(x->nsegs), WL_TIMEOUT_S);
    if (x->indirect) {
        for (unsigned p = 0; p < wl_ind_pages(x->nsegs); p++)
            rc |= vscsi_req_add_indirect(rq, wl_ind_gref(slot, p), 0,
                                         (uint16_t)(wl_ind_count(x->nsegs, p) * 8u));
    } else if (x->nsegs) {
        rc |= vscsi_req_set_segs(rq, x->f.sg, x->nsegs);
    }
    x->f.build_errors += rc != 0;
    vscsi_front_produce(&x->f.ring);
}

static inline int lp_f_push(loop_ctx *x)
{
    return vscsi_front_push(&x->f.ring);
}

static inline int lp_f_avail(loop_ctx *x)
{
    return vscsi_front_responses(&x->f.ring);
}

static inline int lp_f_final(loop_ctx *x)
{
    return vscsi_front_final_check(&x->f.ring);
}

LP_INLINE int lp_f_reap(loop_ctx *x, uint64_t seq, const int ro)
{
    struct vscsi_result res;   /* a view, as an embedder keeps it: on the stack */
    struct vscsi_response rsp; /* the private copy */

    vscsi_front_take(&x->f.ring, &rsp);
    if (ro)
        return WL_REAP(&rsp, seq, x->f.sense);
    int rc = vscsi_rsp_decode(&rsp, VSCSI_ACT_CDB, x->data_len, &res);
    return rc != 0 || res.rqid != (uint16_t)seq || !vscsi_result_ok(&res) || res.residual != 0;
}

static inline int lp_b_avail(loop_ctx *x)
{
    return vscsi_back_requests(&x->b.ring);
}

static inline int lp_b_final(loop_ctx *x)
{
    return vscsi_back_final_check(&x->b.ring);
}

/* The grant copy of an indirect region: look the page up, copy it once. */
static int read_indirect(void *ctx, const struct vscsi_seg *d, void *dst)
{
    const loop_ctx *x = ctx;
    const uint8_t *page = wl_page(&x->ind, d->gref);

    if (!page)
        return -EIO;
    memcpy(dst, page + d->offset, d->length);
    return 0;
}

LP_INLINE void lp_b_serve(loop_ctx *x, const int ro)
{
    struct ours_back *b = &x->b;
    struct vscsi_response *slot;
    struct vscsi_cmd cmd;      /* a view, as an embedder keeps it: on the stack */
    struct vscsi_request copy; /* the private copy */
    uint8_t host = VSCSI_HOST_OK;

    vscsi_back_take(&b->ring, &copy);
    if (ro) {
        int32_t rslt = WL_CONSUME(&copy, &b->pend, &x->ind, b->storage, x->data_len);

        slot = vscsi_back_slot(&b->ring);
        slot->rqid = copy.rqid;
        slot->rslt = rslt;
        slot->sense_len = 0;
        slot->residual_len = 0;
        vscsi_back_produce(&b->ring);
        return;
    }
    if (vscsi_cmd_parse(&copy, &x->lim, &cmd) != 0)
        host = VSCSI_HOST_ERROR;
    else if (cmd.nx.channel != x->nx.channel || cmd.nx.id != x->nx.id || cmd.nx.lun != x->nx.lun)
        host = VSCSI_HOST_NO_CONNECT;
    else if (vscsi_cmd_parse_data(&copy, &x->lim, read_indirect, x, b->storage, WL_MAX_SEGS,
                                  &cmd) != 0 ||
             cmd.cdb[0] != 0x28 || cmd.data_len != x->data_len)
        host = VSCSI_HOST_ERROR;
    slot = vscsi_back_slot(&b->ring);
    vscsi_rsp_cdb(slot, cmd.rqid, host, 0, NULL, 0, 0);
    vscsi_back_produce(&b->ring);
}

static inline int lp_b_push(loop_ctx *x)
{
    return vscsi_back_push(&x->b.ring);
}

#include "ring_loop.h"

const char *ring_ours_barrier(void)
{
    return STR(VSCSI_MB());
}

int ring_ours_run(const struct ring_cell *c, uint64_t n, struct ring_run *out)
{
    loop_ctx *x = aligned_alloc(128, sizeof(*x));
    int rc;

    if (!x)
        return -1;
    memset(x, 0, sizeof(*x));
    x->page = aligned_alloc(VSCSI_PAGE_SIZE, VSCSI_PAGE_SIZE);
    if (!x->page || wl_pages_init(&x->ind)) {
        free(x->page);
        free(x);
        return -1;
    }
    x->lim.max_segs = WL_MAX_SEGS;
    x->nsegs = c->nsegs;
    x->indirect = c->indirect;
    x->data_len = wl_data_len(c->nsegs);
    x->ringonly = c->ringonly;
    rc = lp_run(x, c, n, out);
    out->errors += x->f.build_errors;
    wl_pages_free(&x->ind);
    free(x->page);
    free(x);
    return rc;
}
