/* SPDX-License-Identifier: MIT */
/*
 * Thin provisioning of the fake disk (vscsi_tgt_disk_opts.thin): a bit per
 * logical block says whether it is mapped. Writes map; UNMAP and WRITE SAME
 * with UNMAP of zeros deallocate (and zero the store, so unmapped blocks read
 * as zeros: LBPRZ); GET LBA STATUS reports the runs.
 */
#include <stdlib.h>
#include <string.h>

#include "target/tgt_int.h"

int tgt_thin_init(struct tgt_disk *d, bool all_mapped)
{
    size_t bytes = (size_t)((d->blocks + 7) / 8);

    d->map = calloc(bytes ? bytes : 1, 1);
    if (!d->map)
        return -1;
    if (all_mapped)
        tgt_thin_map_set(d, 0, d->blocks, true);
    return 0;
}

static bool mapped(const struct tgt_disk *d, uint64_t lba)
{
    return d->map[lba / 8] & (1u << (lba % 8));
}

void tgt_thin_map_set(struct tgt_disk *d, uint64_t lba, uint64_t n, bool on)
{
    uint64_t end = lba + n;

    while (lba < end && lba % 8) {
        d->map[lba / 8] = (uint8_t)(on ? d->map[lba / 8] | 1u << (lba % 8)
                                       : d->map[lba / 8] & ~(1u << (lba % 8)));
        lba++;
    }
    if (end - lba >= 8) {
        memset(d->map + lba / 8, on ? 0xff : 0, (size_t)((end - lba) / 8));
        lba += (end - lba) / 8 * 8;
    }
    for (; lba < end; lba++)
        d->map[lba / 8] = (uint8_t)(on ? d->map[lba / 8] | 1u << (lba % 8)
                                       : d->map[lba / 8] & ~(1u << (lba % 8)));
}

uint64_t tgt_thin_mapped_count(const struct tgt_disk *d)
{
    uint64_t n = 0;

    for (uint64_t i = 0; i < d->blocks / 8; i++)
        n += (uint64_t)__builtin_popcount(d->map[i]);
    for (uint64_t lba = d->blocks / 8 * 8; lba < d->blocks; lba++)
        n += mapped(d, lba);
    return n;
}

void tgt_disk_unmap(struct tgt_cmd *c)
{
    struct tgt_disk *d = &c->lun->u.d;
    size_t plen = tgt_be16(c->cdb + 7), ndesc;
    uint8_t h[8], desc[16];

    if (plen == 0)
        return;
    if (plen < 8) {
        tgt_param_len_error(c);
        return;
    }
    if (c->out_avail < plen) {
        tgt_short_data_out(c);
        return;
    }
    tgt_get(c, 0, h, sizeof(h));
    c->moved = plen;
    size_t bdl = tgt_be16(h + 2);
    if ((size_t)tgt_be16(h) + 2 > plen) {
        tgt_bad_param(c, 0, -1);
        return;
    }
    if (bdl % 16 || bdl > plen - 8) {
        tgt_bad_param(c, 2, -1);
        return;
    }
    ndesc = bdl / 16;
    if (ndesc > TGT_DISK_MAX_UNMAP_BD) {
        tgt_bad_param(c, 2, -1);
        return;
    }
    /* Check every descriptor before touching the medium: all or nothing. */
    for (int apply = 0; apply < 2; apply++) {
        for (size_t i = 0; i < ndesc; i++) {
            size_t off = 8 + i * 16;
            uint64_t lba;
            uint32_t n;

            tgt_get(c, off, desc, sizeof(desc));
            lba = tgt_be64(desc);
            n = tgt_be32(desc + 8);
            if (!apply) {
                if (n > TGT_DISK_MAX_UNMAP_LBA) {
                    tgt_bad_param(c, (unsigned)off + 8, -1);
                    return;
                }
                if (!tgt_disk_in_range(c, lba, n))
                    return;
                continue;
            }
            tgt_thin_map_set(d, lba, n, false);
            if (tgt_disk_zero(d, lba * d->bs, (uint64_t)n * d->bs)) {
                tgt_disk_medium_error(c, 0x0c, lba);
                return;
            }
        }
    }
}

#define GLS_MAX_DESC 64u

void tgt_disk_get_lba_status(struct tgt_cmd *c)
{
    const struct tgt_disk *d = &c->lun->u.d;
    uint64_t lba = tgt_be64(c->cdb + 2);
    size_t alloc = tgt_be32(c->cdb + 10), want;
    uint8_t h[8] = {0};

    if (lba >= d->blocks) {
        tgt_sense(c, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
        return;
    }
    /* As many descriptors as the allocation length has room for (at least one, so
     * that a short allocation still learns the parameter data length). */
    want = alloc > 8 ? (alloc - 8) / 16 : 0;
    if (want < 1)
        want = 1;
    if (want > GLS_MAX_DESC)
        want = GLS_MAX_DESC;
    size_t ndesc = 0;
    for (uint64_t at = lba; at < d->blocks && ndesc < want; ndesc++) {
        uint64_t end = at;
        bool m = mapped(d, at);

        while (end < d->blocks && mapped(d, end) == m && end - at < UINT32_MAX)
            end++;
        at = end;
    }
    tgt_put32(h, (uint32_t)(4 + ndesc * 16));
    tgt_put(c, alloc, h, sizeof(h));
    for (uint64_t at = lba; ndesc--;) {
        uint8_t e[16] = {0};
        uint64_t end = at;
        bool m = mapped(d, at);

        while (end < d->blocks && mapped(d, end) == m && end - at < UINT32_MAX)
            end++;
        tgt_put64(e, at);
        tgt_put32(e + 8, (uint32_t)(end - at));
        e[12] = m ? 0x00 : 0x01; /* mapped, deallocated */
        tgt_put(c, alloc, e, sizeof(e));
        at = end;
    }
}
