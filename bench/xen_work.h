/* SPDX-License-Identifier: MIT */
/*
 * The per-request work of a hand-written PVSCSI pair over Xen's own
 * io/vscsiif.h types, used by (b) raw ring.h and (c) the minimal SPSC ring so
 * that those two differ only in ring mechanics. It does what Linux's drivers
 * do: scsifront fills the fields of the slot one by one; scsiback copies the
 * slot (RING_COPY_REQUEST), checks direction, cmd_len, act, the nexus and the
 * segments (reading indirect regions once into private storage), and writes
 * rqid, rslt, sense_len and residual_len of the response; scsifront copies
 * the response and checks it. The checks are the ones the library makes, so
 * (a) and (b) do the same work.
 */
#ifndef VSCSI_BENCH_XEN_WORK_H
#define VSCSI_BENCH_XEN_WORK_H

#include <stdint.h>
#include <string.h>

/* As xenctrl.h does before including the public headers. */
#ifndef __XEN_TOOLS__
#define __XEN_TOOLS__ 1
#endif
#include <xen/io/ring.h>
#include <xen/io/vscsiif.h>

#include "ring_work.h"

struct xw_params {
    unsigned nsegs;
    int indirect;
    uint64_t data_len;
    uint16_t channel, id, lun;
};

static inline void xw_fill(vscsiif_request_t *rq, uint64_t seq, const struct xw_params *p,
                           const struct wl_pages *ind, unsigned slot, const uint8_t cdb[16])
{
    rq->rqid = (uint16_t)seq;
    rq->act = VSCSIIF_ACT_SCSI_CDB;
    rq->cmd_len = WL_CDB_LEN;
    memcpy(rq->cmnd, cdb, VSCSIIF_MAX_COMMAND_SIZE);
    rq->timeout_per_command = WL_TIMEOUT_S;
    rq->channel = p->channel;
    rq->id = p->id;
    rq->lun = p->lun;
    rq->ref_rqid = 0;
    rq->sc_data_direction = wl_dir(p->nsegs);
    if (p->indirect) {
        unsigned pages = wl_ind_pages(p->nsegs);
        wl_write_descs(ind, slot, p->nsegs);
        for (unsigned pg = 0; pg < pages; pg++) {
            rq->seg[pg].gref = wl_ind_gref(slot, pg);
            rq->seg[pg].offset = 0;
            rq->seg[pg].length = (uint16_t)(wl_ind_count(p->nsegs, pg) * 8u);
        }
        rq->nr_segments = (uint8_t)(VSCSIIF_SG_GRANT | pages);
    } else {
        for (unsigned i = 0; i < p->nsegs; i++) {
            rq->seg[i].gref = WL_DATA_GREF_BASE + i;
            rq->seg[i].offset = 0;
            rq->seg[i].length = WL_PAGE;
        }
        rq->nr_segments = (uint8_t)p->nsegs;
    }
}

/* Validates the backend's private copy; returns the rslt to answer. */
static inline int32_t xw_validate(const vscsiif_request_t *req, const struct xw_params *p,
                                  const struct wl_pages *ind, vscsiif_segment_t *storage)
{
    const int32_t bad = 7 << 16;            /* DID_ERROR */
    const int32_t no_connect = 1 << 16;     /* DID_NO_CONNECT */
    const vscsiif_segment_t *segs = req->seg;
    unsigned n = req->nr_segments & ~VSCSIIF_SG_GRANT & 0xffu, nseg;
    uint64_t len = 0;

    if (req->sc_data_direction > 3 || req->cmd_len > VSCSIIF_MAX_COMMAND_SIZE)
        return bad;
    if (req->act != VSCSIIF_ACT_SCSI_CDB || req->cmd_len == 0 || req->sc_data_direction == 0)
        return bad;
    if (req->channel != p->channel || req->id != p->id || req->lun != p->lun)
        return no_connect;
    if (n > VSCSIIF_SG_TABLESIZE)
        return bad;
    if (req->nr_segments & VSCSIIF_SG_GRANT) {
        uint32_t total = 0;
        for (unsigned i = 0; i < n; i++) {
            const vscsiif_segment_t *d = &req->seg[i];
            if (d->length == 0 || d->length % 8u || d->offset % 8u ||
                (uint32_t)d->offset + d->length > WL_PAGE)
                return bad;
            total += d->length / 8u;
            if (total > WL_MAX_SEGS)
                return bad;
        }
        total = 0;
        for (unsigned i = 0; i < n; i++) {
            const vscsiif_segment_t *d = &req->seg[i];
            const uint8_t *page = wl_page(ind, d->gref);
            if (!page)
                return bad;
            memcpy(&storage[total], page + d->offset, d->length);
            total += d->length / 8u;
        }
        segs = storage;
        nseg = total;
    } else {
        nseg = n;
    }
    for (unsigned i = 0; i < nseg; i++) {
        if (segs[i].offset >= WL_PAGE || (uint32_t)segs[i].offset + segs[i].length > WL_PAGE ||
            segs[i].length == 0)
            return bad;
        len += segs[i].length;
    }
    if (nseg && req->sc_data_direction == 3)
        return bad;
    if (req->cmnd[0] != 0x28 || len != p->data_len)
        return bad;
    return 0;
}

static inline void xw_answer(vscsiif_response_t *rsp, uint16_t rqid, int32_t rslt)
{
    rsp->rqid = rqid;
    rsp->rslt = rslt;
    rsp->sense_len = 0;
    rsp->residual_len = 0;
}

/* The frontend's checks on its private copy; 0 if the answer is right. */
static inline int xw_check(const vscsiif_response_t *rsp, uint64_t seq, uint64_t data_len)
{
    uint32_t rslt = (uint32_t)rsp->rslt;
    return rsp->rqid != (uint16_t)seq || (rslt & 0xff00ff00u) || ((rslt >> 16) & 0xffu) != 0 ||
           (rslt & 0xffu) != 0 || rsp->sense_len > VSCSIIF_SENSE_BUFFERSIZE ||
           rsp->residual_len > data_len || rsp->residual_len != 0;
}

#endif
