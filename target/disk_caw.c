/* SPDX-License-Identifier: MIT */
/*
 * COMPARE AND WRITE (SBC-3 5.2) and PRE-FETCH(10/16) (5.9) of the fake disk.
 * COMPARE AND WRITE is atomic for free: the backend runs one command of a
 * LUN at a time. A miscompare writes nothing.
 */
#include <string.h>

#include "target/tgt_int.h"

void tgt_disk_caw(struct tgt_cmd *c)
{
    struct tgt_disk *d = &c->lun->u.d;
    uint64_t lba = tgt_be64(c->cdb + 2), bad;
    unsigned n = c->cdb[13];
    uint8_t out[TGT_DISK_CHUNK];

    if (n == 0) /* nothing to compare, nothing to write */
        return;
    if (n > tgt_disk_max_caw(c->lun)) {
        tgt_bad_cdb(c, 13, -1);
        return;
    }
    if (!tgt_disk_in_range(c, lba, n))
        return;
    size_t half = (size_t)n * d->bs;
    if (c->out_avail < 2 * half) { /* the verify data and the write data, both whole */
        tgt_short_data_out(c);
        return;
    }
    if (tgt_fault_medium(c->lun, lba, n, &bad)) {
        tgt_disk_medium_error(c, 0x11, bad);
        return;
    }
    c->moved = 2 * half;
    for (size_t pos = 0; pos < half; pos += TGT_DISK_CHUNK) {
        size_t k = half - pos < TGT_DISK_CHUNK ? half - pos : TGT_DISK_CHUNK;

        if (tgt_disk_compare(c, lba * d->bs + pos, pos, k, (uint32_t)pos))
            return;
    }
    if (d->map)
        tgt_thin_map_set(d, lba, n, true);
    for (size_t pos = 0; pos < half; pos += sizeof(out)) {
        size_t k = half - pos < sizeof(out) ? half - pos : sizeof(out);

        tgt_get(c, half + pos, out, k);
        if (tgt_disk_write(d, out, k, lba * d->bs + pos)) {
            tgt_disk_medium_error(c, 0x0c, lba + pos / d->bs);
            return;
        }
    }
}

/* The store is memory or the page cache already: every block is "in cache",
 * so PRE-FETCH only checks the range and answers CONDITION MET. */
void tgt_disk_prefetch(struct tgt_cmd *c)
{
    const struct tgt_disk *d = &c->lun->u.d;
    uint64_t lba, bad;
    uint32_t n;
    unsigned lb;

    tgt_disk_decode_lba(c->cdb, &lba, &n, &lb);
    if (!tgt_disk_in_range(c, lba, n))
        return;
    uint64_t count = n ? n : d->blocks - lba; /* 0: to the end of the medium */
    if (count && tgt_fault_medium(c->lun, lba, count, &bad)) {
        tgt_disk_medium_error(c, 0x11, bad);
        return;
    }
    c->res->status = VSCSI_SAM_CONDITION_MET;
}
