/* SPDX-License-Identifier: MIT */
/*
 * Where the drive is and what it writes: READ POSITION in its short (00h),
 * block-address (01h), long (06h) and extended (08h) forms, LOCATE(16),
 * SPACE(16) and REPORT DENSITY SUPPORT. Object numbers are record indexes
 * (tape.c); block addresses are the same numbers, as nothing is buffered.
 */
#include <string.h>

#include "target/tape_int.h"

const struct tape_density tape_densities[] = {
    {0x58, "U-518", "Ultrium 5/16T", 15142, 1280},
    {0x5a, "U-618", "Ultrium 6/16T", 15143, 2176},
};
const size_t tape_ndensities = sizeof(tape_densities) / sizeof(tape_densities[0]);

bool tape_density_ok(uint8_t code)
{
    for (size_t i = 0; i < tape_ndensities; i++)
        if (tape_densities[i].code == code)
            return true;
    return false;
}

/* ---- READ POSITION ---- */

void tape_read_position(struct tgt_cmd *c)
{
    const struct tgt_tape *t = &c->lun->u.t;
    unsigned sa = c->cdb[1] & 0x1f;
    size_t alloc = tgt_be16(c->cdb + 7);
    uint8_t b[32] = {0}, flags = 0;
    size_t len;

    if (t->pos == 0)
        flags |= 0x80; /* BOP */
    if (tape_past_ew(t, tape_bytes_at(t, t->pos)))
        flags |= 0x40; /* EOP: between early warning and the end */
    switch (sa) {
    case 0x00: /* short form, logical object identifiers */
    case 0x01: /* short form, vendor-specific block addresses: the same numbers here */
        b[0] = flags;
        tgt_put32(b + 4, (uint32_t)t->pos);
        tgt_put32(b + 8, (uint32_t)t->pos); /* nothing is buffered */
        len = 20;
        break;
    case 0x06: /* long form: 64-bit object and file numbers */
        b[0] = flags;
        tgt_put64(b + 8, t->pos);
        tgt_put64(b + 16, tape_files_before(t->cart, t->pos));
        len = 32;
        break;
    default: /* 0x08, extended form */
        b[0] = flags;
        tgt_put16(b + 2, 0x1c);
        tgt_put64(b + 8, t->pos);
        tgt_put64(b + 16, t->pos);
        len = 32;
        /* Only this form has a real allocation length: 0 moves nothing. */
        tgt_put(c, alloc, b, len);
        return;
    }
    /* Short and long forms: an allocation length of 0 means the whole answer. */
    tgt_put(c, alloc ? alloc : len, b, len);
}

/* ---- LOCATE(16), SPACE(16) ---- */

void tape_locate16(struct tgt_cmd *c)
{
    struct tgt_tape *t = &c->lun->u.t;
    unsigned dest = (c->cdb[1] >> 3) & 0x07;
    uint64_t id = tgt_be64(c->cdb + 4);

    if ((c->cdb[1] & 0x02) && c->cdb[3] != 0) { /* CP: there is only partition 0 */
        tgt_bad_cdb(c, 3, -1);
        return;
    }
    switch (dest) {
    case 0: /* logical object identifier */
        tape_locate_to(c, id);
        return;
    case 1: { /* logical file identifier: the first object after the id-th filemark */
        const struct tgt_cart *cart = t->cart;
        uint64_t seen = 0;

        if (id == 0) {
            t->pos = 0;
            return;
        }
        for (size_t i = 0; i < cart->nrec; i++) {
            if (cart->recs[i].fm && ++seen == id) {
                t->pos = i + 1;
                return;
            }
        }
        t->pos = cart->nrec;
        tgt_sense(c, VSCSI_SK_BLANK_CHECK, 0x00, 0x05);
        return;
    }
    case 3: /* end of data */
        t->pos = t->cart->nrec;
        return;
    default:
        tgt_bad_cdb(c, 1, 5);
        return;
    }
}

void tape_space16(struct tgt_cmd *c)
{
    tape_space_by(c, c->cdb[1] & 0x0f, (int64_t)tgt_be64(c->cdb + 4));
}

/* ---- REPORT DENSITY SUPPORT ---- */

#define RDS_DESC_LEN 52
#define RDS_MT_LEN   56

void tape_report_density(struct tgt_cmd *c)
{
    const struct tgt_tape *t = &c->lun->u.t;
    bool media = c->cdb[1] & 0x01, mtype = c->cdb[1] & 0x02;
    size_t alloc = tgt_be16(c->cdb + 7), n = 0;
    uint64_t mb = t->capacity / 1000000u;
    uint8_t h[4] = {0}, d[RDS_MT_LEN];

    if (media && !t->cart) {
        tgt_sense(c, VSCSI_SK_NOT_READY, 0x3a, 0x00);
        return;
    }
    if (mtype) {
        /* One medium type, written in every density the drive has. */
        tgt_put16(h, (uint16_t)(2 + RDS_MT_LEN));
        tgt_put(c, alloc, h, sizeof(h));
        memset(d, 0, sizeof(d));
        d[0] = 0x00; /* medium type: data cartridge */
        tgt_put16(d + 2, RDS_MT_LEN - 4);
        d[4] = (uint8_t)tape_ndensities;
        for (size_t i = 0; i < tape_ndensities && i < 9; i++)
            d[5 + i] = tape_densities[i].code;
        tgt_put16(d + 14, 127); /* 12.7 mm in 0.1 mm */
        tgt_put16(d + 16, 846); /* metres */
        tgt_pad(d + 20, "LTO-CVE", 8);
        tgt_pad(d + 28, "U-DATA", 8);
        tgt_pad(d + 36, "Ultrium data", 20);
        tgt_put(c, alloc, d, RDS_MT_LEN);
        return;
    }
    for (size_t i = 0; i < tape_ndensities; i++)
        n += !media || tape_densities[i].code == t->density;
    tgt_put16(h, (uint16_t)(2 + n * RDS_DESC_LEN));
    tgt_put(c, alloc, h, sizeof(h));
    for (size_t i = 0; i < tape_ndensities; i++) {
        const struct tape_density *e = &tape_densities[i];

        if (media && e->code != t->density)
            continue;
        memset(d, 0, sizeof(d));
        d[0] = e->code;
        d[1] = e->code;
        d[2] = 0x80 | (i == 0 ? 0x20 : 0) | 0x01; /* WRTOK, DEFLT, DLV */
        tgt_put16(d + 3, RDS_DESC_LEN - 3);
        tgt_put24(d + 5, e->bpmm);
        tgt_put16(d + 8, 127);
        tgt_put16(d + 10, (uint16_t)e->tracks);
        tgt_put32(d + 12, mb > UINT32_MAX ? UINT32_MAX : (uint32_t)mb);
        tgt_pad(d + 16, "LTO-CVE", 8);
        tgt_pad(d + 24, e->name, 8);
        tgt_pad(d + 32, e->desc, 20);
        tgt_put(c, alloc, d, RDS_DESC_LEN);
    }
}
