/* SPDX-License-Identifier: MIT */
/* The shared per-request work (ring_work.h), compiled once. */
#include "ring_work.h"

void wl_write_descs(const struct wl_pages *p, unsigned slot, unsigned nsegs)
{
    for (unsigned pg = 0; pg < wl_ind_pages(nsegs); pg++) {
        struct wl_seg *d = (struct wl_seg *)(void *)wl_page(p, wl_ind_gref(slot, pg));
        unsigned cnt = wl_ind_count(nsegs, pg);
        for (unsigned i = 0; i < cnt; i++) {
            d[i].gref = WL_DATA_GREF_BASE + pg * WL_SEGS_PER_PAGE + i;
            d[i].offset = 0;
            d[i].length = WL_PAGE;
        }
    }
}

uint32_t wl_read_regions(const struct wl_pages *p, const struct wl_seg *desc, unsigned n,
                         void *storage, uint32_t *gref_sum, uint64_t *len)
{
    struct wl_seg *st = storage;
    uint32_t tot = 0, gs = 0;
    uint64_t l = 0;

    for (unsigned i = 0; i < n; i++) {
        const uint8_t *pg = wl_page(p, desc[i].gref);
        uint32_t bytes = desc[i].length & ~7u;

        if (!pg || tot + bytes / 8u > WL_MAX_SEGS || desc[i].offset + bytes > WL_PAGE)
            break;
        memcpy(&st[tot], pg + desc[i].offset, bytes);
        tot += bytes / 8u;
    }
    for (uint32_t i = 0; i < tot; i++) {
        gs += st[i].gref;
        l += st[i].length;
    }
    *gref_sum = gs;
    *len = l;
    return tot;
}
