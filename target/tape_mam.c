/* SPDX-License-Identifier: MIT */
/*
 * Medium auxiliary memory: READ ATTRIBUTE / WRITE ATTRIBUTE (SPC-4) on the
 * cartridge in the drive. Device and medium attributes (capacity, load count,
 * device history, volume change reference, serial number, ...) are computed
 * and read-only; host attributes (application, barcode, volume coherency
 * information, ...) are what LTFS and backup software write, kept per
 * cartridge and saved with its image. One logical volume, one partition.
 */
#include <stdio.h>
#include <string.h>

#include "target/tape_int.h"

enum { F_BIN = 0, F_ASCII = 1, F_TEXT = 2 };

struct attr_def {
    uint16_t id;
    uint8_t fmt;
    uint8_t len; /* fixed length, or the maximum when var */
    bool var;
};

/* Host attributes, in ascending order; the index is the slot in struct tgt_mam. */
static const struct attr_def host_attrs[] = {
    {0x0800, F_ASCII, 8, false},  /* application vendor */
    {0x0801, F_ASCII, 32, false}, /* application name */
    {0x0802, F_ASCII, 8, false},  /* application version */
    {0x0803, F_TEXT, 160, true},  /* user medium text label */
    {0x0804, F_ASCII, 12, false}, /* date and time last written */
    {0x0805, F_BIN, 1, false},    /* text localization identifier */
    {0x0806, F_ASCII, 32, false}, /* barcode */
    {0x0807, F_TEXT, 80, true},   /* owning host textual name */
    {0x0808, F_TEXT, 160, true},  /* media pool */
    {0x0809, F_ASCII, 16, false}, /* partition user text label */
    {0x080a, F_BIN, 1, false},    /* load/unload at partition */
    {0x080b, F_ASCII, 16, false}, /* application format version */
    {0x080c, F_BIN, 70, true},    /* volume coherency information */
    {0x0820, F_BIN, 36, false},   /* medium globally unique identifier */
    {0x0821, F_BIN, 36, false},   /* media pool globally unique identifier */
};
#define NHOST (sizeof(host_attrs) / sizeof(host_attrs[0]))
_Static_assert(NHOST <= TGT_MAM_NHOST, "struct tgt_mam holds every host attribute");

/* Device and medium attributes the drive reports, ascending. */
static const uint16_t ro_ids[] = {
    0x0000, 0x0001, 0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0007, 0x0009,
    0x020a, 0x020b, 0x020c, 0x020d, 0x0220, 0x0221, 0x0222, 0x0223, 0x0400,
    0x0401, 0x0402, 0x0403, 0x0404, 0x0405, 0x0406, 0x0407, 0x0408, 0x0409,
};
#define NRO (sizeof(ro_ids) / sizeof(ro_ids[0]))

#define MAM_CAPACITY 16384u
#define ATTR_HDR     5

static int host_index(uint16_t id)
{
    for (size_t i = 0; i < NHOST; i++)
        if (host_attrs[i].id == id)
            return (int)i;
    return -1;
}

static uint64_t host_bytes(const struct tgt_mam *m)
{
    uint64_t n = 0;

    for (size_t i = 0; i < NHOST; i++)
        n += m->hlen[i] ? ATTR_HDR + m->hlen[i] : 0;
    return n;
}

void tape_mam_init(struct tgt_cart *cart, const char *serial_prefix)
{
    struct tgt_mam *m = &cart->mam;
    int bc = host_index(0x0806);

    memset(m, 0, sizeof(*m));
    snprintf(m->serial, sizeof(m->serial), "%.16s%.16s", serial_prefix ? serial_prefix : "VSM",
             cart->label);
    /* The library labelled it: the barcode attribute starts as the volume tag. */
    tgt_pad(m->hval[bc], cart->label, 32);
    m->hlen[bc] = 32;
}

void tape_mam_loaded(struct vscsi_tgt_lun *tape)
{
    struct tgt_tape *t = &tape->u.t;
    struct tgt_mam *m = &t->cart->mam;
    uint8_t id[40];

    m->loads++;
    m->w_load = m->r_load = 0;
    memmove(m->dev_hist[1], m->dev_hist[0], sizeof(m->dev_hist[0]) * 3);
    tgt_pad(id, tape->vendor, 8);
    tgt_pad(id + 8, tape->serial, 32);
    memcpy(m->dev_hist[0], id, 40);
    m->dev_hist[0][40] = '\0';
    t->changed = false;
}

/* Value of a device or medium attribute; returns its length and format. */
static size_t ro_value(const struct tgt_tape *t, uint16_t id, uint8_t *v, uint8_t *fmt)
{
    const struct tgt_mam *m = &t->cart->mam;
    uint64_t used = t->cart->space;

    *fmt = F_BIN;
    switch (id) {
    case 0x0000:
        tgt_put64(v, used < t->capacity ? (t->capacity - used) / TAPE_MIB : 0);
        return 8;
    case 0x0001:
        tgt_put64(v, t->capacity / TAPE_MIB);
        return 8;
    case 0x0002:
        tgt_put64(v, t->tapealert);
        return 8;
    case 0x0003:
        tgt_put64(v, m->loads);
        return 8;
    case 0x0004:
        tgt_put64(v, MAM_CAPACITY - host_bytes(m));
        return 8;
    case 0x0005:
    case 0x0404:
        *fmt = F_ASCII;
        tgt_pad(v, "LTO-CVE", 8);
        return 8;
    case 0x0006:
    case 0x0405:
        v[0] = t->density;
        return 1;
    case 0x0007:
        tgt_put16(v, 0);
        return 2;
    case 0x0009:
        tgt_put32(v, m->vcr);
        return 4;
    case 0x020a:
    case 0x020b:
    case 0x020c:
    case 0x020d:
        *fmt = F_ASCII;
        tgt_pad(v, m->dev_hist[id - 0x020a], 40);
        return 40;
    case 0x0220:
        tgt_put64(v, m->w_life / TAPE_MIB);
        return 8;
    case 0x0221:
        tgt_put64(v, m->r_life / TAPE_MIB);
        return 8;
    case 0x0222:
        tgt_put64(v, m->w_load / TAPE_MIB);
        return 8;
    case 0x0223:
        tgt_put64(v, m->r_load / TAPE_MIB);
        return 8;
    case 0x0400:
        *fmt = F_ASCII;
        tgt_pad(v, "VSCSIIF", 8);
        return 8;
    case 0x0401:
        *fmt = F_ASCII;
        tgt_pad(v, m->serial, 32);
        return 32;
    case 0x0402:
        tgt_put32(v, 846); /* metres */
        return 4;
    case 0x0403:
        tgt_put32(v, 127); /* 0.1 mm */
        return 4;
    case 0x0406:
        *fmt = F_ASCII;
        memcpy(v, "20260101", 8);
        return 8;
    case 0x0407:
        tgt_put64(v, MAM_CAPACITY);
        return 8;
    case 0x0408:
        v[0] = 0x00; /* data cartridge */
        return 1;
    default: /* 0x0409 */
        tgt_put16(v, 0);
        return 2;
    }
}

/* Appends one attribute (id >= first) to b; returns the new length. */
static size_t emit(uint8_t *b, size_t off, uint16_t id, bool ro, uint8_t fmt, const uint8_t *v,
                   size_t n)
{
    tgt_put16(b + off, id);
    b[off + 2] = (uint8_t)((ro ? 0x80 : 0) | fmt);
    tgt_put16(b + off + 3, (uint16_t)n);
    memcpy(b + off + ATTR_HDR, v, n);
    return off + ATTR_HDR + n;
}

/* The volume list ignores the volume and partition numbers, the partition list
 * the partition number (sa < 0: WRITE ATTRIBUTE, which has both). */
static bool mam_checks(struct tgt_cmd *c, int sa)
{
    if (!c->lun->u.t.cart) {
        tgt_sense(c, VSCSI_SK_NOT_READY, 0x3a, 0x00);
        return false;
    }
    if (sa != 0x02 && c->cdb[5] != 0) { /* one logical volume */
        tgt_bad_cdb(c, 5, -1);
        return false;
    }
    if (sa != 0x02 && sa != 0x03 && c->cdb[7] != 0) { /* one partition */
        tgt_bad_cdb(c, 7, -1);
        return false;
    }
    return true;
}

void tape_read_attr(struct tgt_cmd *c)
{
    const struct tgt_tape *t = &c->lun->u.t;
    unsigned sa = c->cdb[1] & 0x1f;
    uint16_t first = tgt_be16(c->cdb + 8);
    size_t alloc = tgt_be32(c->cdb + 10), off = 4;
    uint8_t b[2048], v[64], fmt;
    size_t ri = 0, hi = 0;

    if (!mam_checks(c, (int)sa))
        return;
    if (sa != 0x00) /* only the values start at an identifier; the lists are whole */
        first = 0;
    if (sa == 0x02 || sa == 0x03) { /* logical volume / partition list: just number 0 */
        uint8_t l[4] = {0, 2, 0, 1};
        tgt_put(c, alloc, l, sizeof(l));
        return;
    }
    /* Merge the read-only and the host lists in ascending identifier order. */
    while (ri < NRO || hi < NHOST) {
        bool take_ro = hi >= NHOST || (ri < NRO && ro_ids[ri] < host_attrs[hi].id);
        uint16_t id = take_ro ? ro_ids[ri] : host_attrs[hi].id;
        size_t h = hi;

        if (take_ro)
            ri++;
        else
            hi++;
        if (id < first)
            continue;
        if (!take_ro && !t->cart->mam.hlen[h] && sa != 0x05)
            continue; /* absent: neither a value nor listed */
        if (sa == 0x01 || sa == 0x05) {
            tgt_put16(b + off, id);
            off += 2;
        } else if (take_ro) {
            size_t n = ro_value(t, id, v, &fmt);
            off = emit(b, off, id, true, fmt, v, n);
        } else {
            off = emit(b, off, id, false, host_attrs[h].fmt, t->cart->mam.hval[h],
                       t->cart->mam.hlen[h]);
        }
    }
    tgt_put32(b, (uint32_t)(off - 4));
    tgt_put(c, alloc, b, off);
}

void tape_write_attr(struct tgt_cmd *c)
{
    struct tgt_mam *m;
    size_t plen = tgt_be32(c->cdb + 10), end;
    uint8_t b[4096];

    if (!mam_checks(c, -1))
        return;
    m = &c->lun->u.t.cart->mam;
    if (plen == 0)
        return;
    if (plen < 4 || plen > sizeof(b)) {
        tgt_param_len_error(c);
        return;
    }
    if (c->out_avail < plen) {
        tgt_short_data_out(c);
        return;
    }
    tgt_get(c, 0, b, plen);
    c->moved = plen;
    end = 4 + (size_t)tgt_be32(b);
    if (end > plen) {
        tgt_param_len_error(c);
        return;
    }
    /* Everything is checked before anything is stored: a refused list changes nothing. */
    for (int apply = 0; apply < 2; apply++) {
        for (size_t off = 4; off < end;) {
            uint16_t id, n;
            int h;

            if (end - off < ATTR_HDR) {
                tgt_param_len_error(c);
                return;
            }
            id = tgt_be16(b + off);
            n = tgt_be16(b + off + 3);
            if (off + ATTR_HDR + n > end) {
                tgt_param_len_error(c);
                return;
            }
            h = host_index(id);
            if (h < 0) { /* read-only, reserved or unknown alike */
                tgt_bad_param(c, (unsigned)off, -1);
                return;
            }
            const struct attr_def *d = &host_attrs[h];
            if ((b[off + 2] & 0x03) != d->fmt) {
                tgt_bad_param(c, (unsigned)off + 2, 1);
                return;
            }
            if (n && (d->var ? n > d->len : n != d->len)) {
                tgt_bad_param(c, (unsigned)off + 3, -1);
                return;
            }
            if (apply) {
                memcpy(m->hval[h], b + off + ATTR_HDR, n); /* length 0 deletes */
                m->hlen[h] = n;
            }
            off += ATTR_HDR + n;
        }
    }
}

/* ---- image form: "MAM1", loads, lifetime bytes written/read, VCR, serial,
 * device history, then (id, length, value) per host attribute present ---- */

#define IMG_FIXED (4 + 8 + 8 + 8 + 4 + 32 + 4 * 40)

size_t tape_mam_save(const struct tgt_mam *m, uint8_t *buf, size_t cap)
{
    size_t off = IMG_FIXED;

    if (cap < IMG_FIXED)
        return 0;
    memcpy(buf, "MAM1", 4);
    tgt_put64(buf + 4, m->loads);
    tgt_put64(buf + 12, m->w_life);
    tgt_put64(buf + 20, m->r_life);
    tgt_put32(buf + 28, m->vcr);
    tgt_pad(buf + 32, m->serial, 32);
    for (int i = 0; i < 4; i++)
        tgt_pad(buf + 64 + i * 40, m->dev_hist[i], 40);
    for (size_t i = 0; i < NHOST; i++) {
        if (!m->hlen[i])
            continue;
        if (cap - off < 4u + m->hlen[i])
            return 0;
        tgt_put16(buf + off, host_attrs[i].id);
        tgt_put16(buf + off + 2, m->hlen[i]);
        memcpy(buf + off + 4, m->hval[i], m->hlen[i]);
        off += 4u + m->hlen[i];
    }
    return off;
}

static void unpad(char *dst, const uint8_t *src, size_t n)
{
    while (n && src[n - 1] == ' ')
        n--;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

bool tape_mam_restore(struct tgt_mam *m, const uint8_t *buf, size_t len)
{
    struct tgt_mam out;
    size_t off = IMG_FIXED;

    if (len < IMG_FIXED || memcmp(buf, "MAM1", 4))
        return false;
    memset(&out, 0, sizeof(out));
    out.loads = tgt_be64(buf + 4);
    out.w_life = tgt_be64(buf + 12);
    out.r_life = tgt_be64(buf + 20);
    out.vcr = tgt_be32(buf + 28);
    for (size_t i = 0; i < 32; i++)
        if (buf[32 + i] < 0x20 || buf[32 + i] > 0x7e)
            return false;
    unpad(out.serial, buf + 32, 32);
    for (int i = 0; i < 4; i++)
        unpad(out.dev_hist[i], buf + 64 + i * 40, 40);
    while (off < len) {
        if (len - off < 4)
            return false;
        uint16_t id = tgt_be16(buf + off), n = tgt_be16(buf + off + 2);
        int h = host_index(id);

        if (h < 0 || n == 0 || len - off - 4 < n ||
            (host_attrs[h].var ? n > host_attrs[h].len : n != host_attrs[h].len))
            return false;
        memcpy(out.hval[h], buf + off + 4, n);
        out.hlen[h] = n;
        off += 4u + n;
    }
    *m = out;
    return true;
}
