/* SPDX-License-Identifier: MIT */
/*
 * LOG SENSE of the fake disk (SPC-4 6.6, SBC-3 6.4): the supported pages
 * and supported pages-and-subpages lists, Temperature (0Dh) and, on a thin
 * disk, Logical Block Provisioning (0Ch) with the mapping resource counts.
 * Nothing is savable and no threshold is kept, so every page control value
 * returns the current (cumulative) figures.
 */
#include <string.h>

#include "target/tgt_int.h"

#define LOG_MAX 128

/* One parameter: code, control byte (binary format, 11b), length, value. */
static size_t param(uint8_t *p, uint16_t code, const uint8_t *val, uint8_t len)
{
    tgt_put16(p, code);
    p[2] = 0x03;
    p[3] = len;
    memcpy(p + 4, val, len);
    return 4u + len;
}

/* Fills the page's parameters after the 4-byte header; returns their length, or
 * SIZE_MAX if the LUN has no such page. */
static size_t build(const struct vscsi_tgt_lun *lun, uint8_t page, uint8_t sub, uint8_t *b)
{
    const struct tgt_disk *d = &lun->u.d;
    size_t n = 0;

    if (page == 0x00 && sub == 0x00) {
        b[n++] = 0x00;
        if (d->thin)
            b[n++] = 0x0c;
        b[n++] = 0x0d;
        return n;
    }
    if (page == 0x00 && sub == 0xff) {
        static const uint8_t thick[] = {0x00, 0x00, 0x00, 0xff, 0x0d, 0x00};
        static const uint8_t thin[] = {0x00, 0x00, 0x00, 0xff, 0x0c, 0x00, 0x0d, 0x00};
        memcpy(b, d->thin ? thin : thick, d->thin ? sizeof(thin) : sizeof(thick));
        return d->thin ? sizeof(thin) : sizeof(thick);
    }
    if (sub)
        return SIZE_MAX;
    if (page == 0x0d) {
        const uint8_t now[2] = {0, 35}, ref[2] = {0, 60}; /* degrees Celsius */
        n += param(b + n, 0x0000, now, 2);
        n += param(b + n, 0x0001, ref, 2);
        return n;
    }
    if (page == 0x0c && d->thin) {
        uint8_t v[8] = {0};
        uint64_t used = tgt_thin_mapped_count(d), avail = d->blocks - used;

        /* In blocks (the LBP VPD page's threshold exponent is 0); scope: dedicated to this LU. */
        tgt_put32(v, avail > UINT32_MAX ? UINT32_MAX : (uint32_t)avail);
        v[4] = 0x01;
        n += param(b + n, 0x0001, v, 8);
        tgt_put32(v, used > UINT32_MAX ? UINT32_MAX : (uint32_t)used);
        n += param(b + n, 0x0002, v, 8);
        return n;
    }
    return SIZE_MAX;
}

void tgt_disk_log_sense(struct tgt_cmd *c)
{
    uint8_t page = c->cdb[2] & 0x3f, sub = c->cdb[3];
    uint16_t ptr = tgt_be16(c->cdb + 5);
    uint8_t b[LOG_MAX] = {0}, out[LOG_MAX] = {0};
    size_t n = build(c->lun, page, sub, b + 4), m = 0;

    if (n == SIZE_MAX) {
        tgt_bad_cdb(c, sub ? 3 : 2, sub ? -1 : 5);
        return;
    }
    out[0] = (uint8_t)(page | (sub ? 0x40 : 0)); /* SPF; DS 0: parameters are not savable */
    out[1] = sub;
    if (page == 0x00) { /* lists, not parameters: the pointer has nothing to select */
        if (ptr) {
            tgt_bad_cdb(c, 5, -1);
            return;
        }
        memcpy(out + 4, b + 4, n);
        m = n;
    } else {
        /* Parameters with a code at or above the parameter pointer (SPC-4 6.6.1). */
        for (size_t off = 4; off < 4 + n; off += 4u + b[off + 3]) {
            if (tgt_be16(b + off) < ptr)
                continue;
            memcpy(out + 4 + m, b + off, 4u + b[off + 3]);
            m += 4u + b[off + 3];
        }
        if (!m) {
            tgt_bad_cdb(c, 5, -1);
            return;
        }
    }
    tgt_put16(out + 2, (uint16_t)m);
    tgt_put(c, tgt_be16(c->cdb + 7), out, 4 + m);
}
