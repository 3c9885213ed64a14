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

void wl_cdb(uint8_t cdb[16], uint64_t seq, unsigned nsegs)
{
    uint32_t lba = (uint32_t)seq;
    uint32_t blocks = nsegs * (WL_PAGE / 512u);
    memset(cdb, 0, 16);
    cdb[0] = 0x28;
    cdb[2] = (uint8_t)(lba >> 24);
    cdb[3] = (uint8_t)(lba >> 16);
    cdb[4] = (uint8_t)(lba >> 8);
    cdb[5] = (uint8_t)lba;
    cdb[7] = (uint8_t)(blocks >> 8);
    cdb[8] = (uint8_t)blocks;
}
