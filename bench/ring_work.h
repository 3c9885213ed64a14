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

/* The frontend's per-request work on its descriptor pages, and the CDB.
 * Out of line in ring_work.c, compiled once: all three implementations run
 * the very same machine code for the work that is not theirs. */
void wl_write_descs(const struct wl_pages *p, unsigned slot, unsigned nsegs);
void wl_cdb(uint8_t cdb[16], uint64_t seq, unsigned nsegs);

static inline uint64_t wl_data_len(unsigned nsegs)
{
    return (uint64_t)nsegs * WL_PAGE;
}

static inline uint8_t wl_dir(unsigned nsegs)
{
    return nsegs ? WL_DIR_FROM_DEV : WL_DIR_NONE;
}

#endif
