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
