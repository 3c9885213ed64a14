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

/* Validates the backend's private copy; returns the rslt to answer. */
static inline int32_t xw_validate(const vscsiif_request_t *req, const struct xw_params *p,
                                  const struct wl_pages *ind, vscsiif_segment_t *storage,
                                  struct wl_pend *pd)
{
    const int32_t bad = 7 << 16;        /* DID_ERROR */
    const int32_t no_connect = 1 << 16; /* DID_NO_CONNECT */
    const vscsiif_segment_t *segs = req->seg;
    unsigned n = req->nr_segments & ~VSCSIIF_SG_GRANT & 0xffu, nseg;
    uint64_t len = 0;
    uint32_t gsum = 0;

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
        gsum += segs[i].gref;
    }
    if (nseg && req->sc_data_direction == 3)
        return bad;
    /* What the backend keeps to execute it (scsiback's pending_req). */
    memcpy(pd->cdb, req->cmnd, 16);
    pd->rqid = req->rqid;
    pd->act = req->act;
    pd->cdb_len = req->cmd_len;
    pd->timeout = req->timeout_per_command;
    pd->channel = req->channel;
    pd->id = req->id;
    pd->lun = req->lun;
    pd->ref_rqid = req->ref_rqid;
    pd->dir = req->sc_data_direction;
    pd->nr_segments = req->nr_segments;
    pd->segs = segs == storage ? (const struct wl_seg *)(const void *)segs : NULL;
    pd->nsegs = nseg;
    pd->gref_sum = gsum;
    pd->data_len = len;
    if (pd->cdb[0] != 0x28 || len != p->data_len)
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

/* The frontend's checks on its private copy (the library's decoder's
 * checks), sense copied only when there is some; 0 if the answer is right. */
static inline int xw_check(const vscsiif_response_t *rsp, uint64_t seq, uint64_t data_len,
                           uint8_t *sense)
{
    uint32_t rslt = (uint32_t)rsp->rslt;
    unsigned sl = rsp->sense_len;

    if (sl)
        memcpy(sense, rsp->sense_buffer,
               sl > VSCSIIF_SENSE_BUFFERSIZE ? VSCSIIF_SENSE_BUFFERSIZE : sl);
    return rsp->rqid != (uint16_t)seq || (rslt & 0xff00ff00u) || ((rslt >> 16) & 0xffu) > 20 ||
           ((rslt >> 16) & 0xffu) != 0 || (rslt & 0xffu) != 0 || sl > VSCSIIF_SENSE_BUFFERSIZE ||
           rsp->residual_len > data_len || rsp->residual_len != 0 || sl != 0;
}

#endif
