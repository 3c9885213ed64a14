/* SPDX-License-Identifier: MIT */
/*
 * The request every ring implementation moves, defined once so that the three
 * differ only in their ring and API: a READ(10) on nexus 0:0:0 with N direct
 * 4 KiB data segments, or N data segments described in indirect pages.
 *
 * Indirect descriptor pages stand for the frontend's granted pages: the
 * frontend rewrites them for every request (as scsifront does) and the
 * backend copies each region once into private storage, then checks it.
 * Each in-flight ring slot has its own descriptor pages, so a page is never
 * rewritten while the backend may still read it.
 */
#ifndef VSCSI_BENCH_RING_WORK_H
#define VSCSI_BENCH_RING_WORK_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WL_SLOTS          16u
#define WL_PAGE           4096u
#define WL_SEGS_PER_PAGE  512u
#define WL_MAX_SEGS       1024u
#define WL_PAGES_PER_SLOT (WL_MAX_SEGS / WL_SEGS_PER_PAGE)
#define WL_IND_GREF_BASE  0x1000u
#define WL_DATA_GREF_BASE 0x100000u
#define WL_CDB_LEN        10u
#define WL_TIMEOUT_S      30u
#define WL_DIR_FROM_DEV   2u /* DMA_FROM_DEVICE, both headers agree */
#define WL_DIR_NONE       3u

/* Same layout as both headers' 8-byte segment descriptor. */
struct wl_seg {
    uint32_t gref;
    uint16_t offset;
    uint16_t length;
};

struct wl_pages {
    uint8_t *base; /* WL_SLOTS * WL_PAGES_PER_SLOT pages */
};

static inline int wl_pages_init(struct wl_pages *p)
{
    p->base = aligned_alloc(WL_PAGE, (size_t)WL_SLOTS * WL_PAGES_PER_SLOT * WL_PAGE);
    if (!p->base)
        return -1;
    memset(p->base, 0, (size_t)WL_SLOTS * WL_PAGES_PER_SLOT * WL_PAGE);
    return 0;
}

static inline void wl_pages_free(struct wl_pages *p)
{
    free(p->base);
    p->base = NULL;
}

static inline uint32_t wl_ind_gref(unsigned slot, unsigned page)
{
    return WL_IND_GREF_BASE + slot * WL_PAGES_PER_SLOT + page;
}

/* The page behind an indirect grant ref, NULL for a ref we never granted
 * (the lookup a grant copy would do). */
static inline uint8_t *wl_page(const struct wl_pages *p, uint32_t gref)
{
    uint32_t i = gref - WL_IND_GREF_BASE;
    if (i >= WL_SLOTS * WL_PAGES_PER_SLOT)
        return NULL;
    return p->base + (size_t)i * WL_PAGE;
}

static inline unsigned wl_ind_pages(unsigned nsegs)
{
    return (nsegs + WL_SEGS_PER_PAGE - 1) / WL_SEGS_PER_PAGE;
}

static inline unsigned wl_ind_count(unsigned nsegs, unsigned page)
{
    unsigned left = nsegs - page * WL_SEGS_PER_PAGE;
    return left < WL_SEGS_PER_PAGE ? left : WL_SEGS_PER_PAGE;
}

/* The frontend's descriptor pages: written once per run, outside the timed
 * region (each slot has its own pages and the content never changes, so
 * rewriting them per request would only add the same work to every side). */
void wl_write_descs(const struct wl_pages *p, unsigned slot, unsigned nsegs);

/* The ring-only consumer's indirect work, the same machine code for every
 * implementation (compiled once, ring_work.c): each of the n regions the
 * page descriptors name copied once into storage (bounded by the pages and
 * WL_MAX_SEGS entries), then the grant refs and lengths of what was read
 * summed. Returns the entries read. */
uint32_t wl_read_regions(const struct wl_pages *p, const struct wl_seg *desc, unsigned n,
                         void *storage, uint32_t *gref_sum, uint64_t *len);

static inline uint64_t wl_data_len(unsigned nsegs)
{
    return (uint64_t)nsegs * WL_PAGE;
}

static inline uint8_t wl_dir(unsigned nsegs)
{
    return nsegs ? WL_DIR_FROM_DEV : WL_DIR_NONE;
}

/*
 * The work that is the same whatever the ring, inline and minimal, written as
 * macros over the field names that Xen's vscsiif_request_t and our struct
 * vscsi_request share (same layout, same names).
 */

/* A READ(10) of seq's LBA, field by field into the slot, as scsifront fills
 * one: no builder, no CDB buffer. Indirect descriptors were written at reset. */
#define WL_FILL(rq, seq, nsegs, indirect, slot)                                                    \
    do {                                                                                           \
        uint32_t lba_ = (uint32_t)(seq), blk_ = (nsegs) * (WL_PAGE / 512u);                        \
        (rq)->rqid = (uint16_t)(seq);                                                              \
        (rq)->act = 1; /* CDB */                                                                   \
        (rq)->cmd_len = WL_CDB_LEN;                                                                \
        (rq)->cmnd[0] = 0x28;                                                                      \
        (rq)->cmnd[1] = 0;                                                                         \
        (rq)->cmnd[2] = (uint8_t)(lba_ >> 24);                                                     \
        (rq)->cmnd[3] = (uint8_t)(lba_ >> 16);                                                     \
        (rq)->cmnd[4] = (uint8_t)(lba_ >> 8);                                                      \
        (rq)->cmnd[5] = (uint8_t)lba_;                                                             \
        (rq)->cmnd[6] = 0;                                                                         \
        (rq)->cmnd[7] = (uint8_t)(blk_ >> 8);                                                      \
        (rq)->cmnd[8] = (uint8_t)blk_;                                                             \
        memset(&(rq)->cmnd[9], 0, 7);                                                              \
        (rq)->timeout_per_command = WL_TIMEOUT_S;                                                  \
        (rq)->channel = 0;                                                                         \
        (rq)->id = 0;                                                                              \
        (rq)->lun = 0;                                                                             \
        (rq)->ref_rqid = 0;                                                                        \
        (rq)->sc_data_direction = wl_dir(nsegs);                                                   \
        if (indirect) {                                                                            \
            unsigned pages_ = wl_ind_pages(nsegs);                                                 \
            for (unsigned pg_ = 0; pg_ < pages_; pg_++) {                                          \
                (rq)->seg[pg_].gref = wl_ind_gref(slot, pg_);                                      \
                (rq)->seg[pg_].offset = 0;                                                         \
                (rq)->seg[pg_].length = (uint16_t)(wl_ind_count(nsegs, pg_) * 8u);                 \
            }                                                                                      \
            (rq)->nr_segments = (uint8_t)(0x80u | pages_);                                         \
        } else {                                                                                   \
            for (unsigned i_ = 0; i_ < (nsegs); i_++) {                                            \
                (rq)->seg[i_].gref = WL_DATA_GREF_BASE + i_;                                       \
                (rq)->seg[i_].offset = 0;                                                          \
                (rq)->seg[i_].length = WL_PAGE;                                                    \
            }                                                                                      \
            (rq)->nr_segments = (uint8_t)(nsegs);                                                  \
        }                                                                                          \
    } while (0)

/* What a backend keeps of a request to execute it (scsiback's pending_req):
 * private memory, so the stores are real. Direct segments are read where
 * the copy holds them (their grant refs folded into gref_sum, as a driver
 * folds them into its grant map list); no pointer into the copy escapes, so
 * a raw consumer's local copy needs only the fields read. */
struct wl_pend {
    uint8_t cdb[16];
    uint16_t rqid, timeout, ref_rqid, channel, id, lun;
    uint8_t act, cdb_len, dir, nr_segments;
    uint32_t nsegs;
    uint32_t gref_sum;
    uint64_t data_len;
    const struct wl_seg *segs; /* indirect: the regions read into storage */
};

/* Ring-only consumer: what a backend must copy out of its private copy of
 * a request, without checking anything but the bounds of its own copies:
 * the header into the pending record, the used segments (for indirect
 * requests, each region copied once into storage), their grant refs and
 * byte total. Evaluates to the rslt to answer: 0 if this is the request that
 * was sent. */
#define WL_CONSUME(req, pend, ind, storage, want_len)                                              \
    ({                                                                                             \
        struct wl_pend *pd_ = (pend);                                                              \
        unsigned n_ = (req)->nr_segments & 0x7fu;                                                  \
        uint64_t len_ = 0;                                                                         \
        uint32_t gs_ = 0;                                                                          \
        n_ = n_ > 26u ? 26u : n_;                                                                  \
        memcpy(pd_->cdb, (req)->cmnd, 16);                                                         \
        pd_->rqid = (req)->rqid;                                                                   \
        pd_->act = (req)->act;                                                                     \
        pd_->cdb_len = (req)->cmd_len;                                                             \
        pd_->timeout = (req)->timeout_per_command;                                                 \
        pd_->channel = (req)->channel;                                                             \
        pd_->id = (req)->id;                                                                       \
        pd_->lun = (req)->lun;                                                                     \
        pd_->ref_rqid = (req)->ref_rqid;                                                           \
        pd_->dir = (req)->sc_data_direction;                                                       \
        pd_->nr_segments = (req)->nr_segments;                                                     \
        if ((req)->nr_segments & 0x80u) {                                                          \
            struct wl_seg d_[26];                                                                  \
            for (unsigned i_ = 0; i_ < n_; i_++) {                                                 \
                d_[i_].gref = (req)->seg[i_].gref;                                                 \
                d_[i_].offset = (req)->seg[i_].offset;                                             \
                d_[i_].length = (req)->seg[i_].length;                                             \
            }                                                                                      \
            pd_->nsegs = wl_read_regions((ind), d_, n_, (void *)(storage), &gs_, &len_);           \
            pd_->segs = (const struct wl_seg *)(const void *)(storage);                            \
        } else {                                                                                   \
            for (unsigned i_ = 0; i_ < n_; i_++) {                                                 \
                gs_ += (req)->seg[i_].gref;                                                        \
                len_ += (req)->seg[i_].length;                                                     \
            }                                                                                      \
            pd_->segs = NULL;                                                                      \
            pd_->nsegs = n_;                                                                       \
        }                                                                                          \
        pd_->gref_sum = gs_;                                                                       \
        pd_->data_len = len_;                                                                      \
        (int32_t)(len_ == (want_len) && pd_->cdb[0] == 0x28 ? 0 : 7 << 16);                        \
    })

/* What a frontend reads of its private copy of a response (scsifront's
 * scsifront_cdb_cmd_done): rqid, rslt, sense_len, residual, and the sense
 * bytes only when there are some, into the request's sense buffer. 0 if it
 * is the answer to request seq: GOOD, nothing left over. */
#define WL_REAP(rsp, seq, sense_buf)                                                               \
    ({                                                                                             \
        unsigned sl_ = (rsp)->sense_len;                                                           \
        if (sl_) {                                                                                 \
            sl_ = sl_ > 96u ? 96u : sl_;                                                           \
            memcpy((sense_buf), (rsp)->sense_buffer, sl_);                                         \
        }                                                                                          \
        (rsp)->rqid != (uint16_t)(seq) || (rsp)->rslt != 0 || (rsp)->residual_len != 0 || sl_;     \
    })

#endif
