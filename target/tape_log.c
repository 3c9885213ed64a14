/* SPDX-License-Identifier: MIT */
/*
 * LOG SENSE / LOG SELECT of the tape drive: the supported pages list (00h),
 * write and read error counters (02h/03h), the sequential-access device page
 * (0Ch) and TapeAlert (2Eh), whose flags the drive raises on medium errors and
 * fault injection sets (tapealert:flag=N). Reading 2Eh clears the flags, as
 * tapeinfo and backup software expect of a drive.
 */
#include <string.h>

#include "target/tape_int.h"

#define PARAM_CTRL 0x40 /* DS (SPC-3 layout, obsolete in SPC-4): nothing is savable */

static const uint8_t log_pages[] = {0x00, 0x02, 0x03, 0x0c, 0x2e};

struct log_buf {
    uint8_t b[4 + 64 * 5 + 16 * 12];
    size_t len;
    uint16_t ptr; /* parameters with a lower code are left out */
};

static void put_param(struct log_buf *l, uint16_t code, const uint8_t *v, uint8_t n)
{
    if (code < l->ptr)
        return;
    tgt_put16(l->b + l->len, code);
    l->b[l->len + 2] = PARAM_CTRL;
    l->b[l->len + 3] = n;
    memcpy(l->b + l->len + 4, v, n);
    l->len += 4u + n;
}

static void put_u64(struct log_buf *l, uint16_t code, uint64_t v)
{
    uint8_t b[8];

    tgt_put64(b, v);
    put_param(l, code, b, 8);
}

static void put_u32(struct log_buf *l, uint16_t code, uint64_t v)
{
    uint8_t b[4];

    tgt_put32(b, v > UINT32_MAX ? UINT32_MAX : (uint32_t)v);
    put_param(l, code, b, 4);
}

/* Error counter pages: nothing is ever corrected, so only the byte count and
 * the uncorrected errors move. */
static void error_page(struct log_buf *l, uint64_t bytes, uint64_t uncorrected)
{
    for (uint16_t code = 0; code <= 4; code++)
        put_u64(l, code, 0);
    put_u64(l, 5, bytes);
    put_u64(l, 6, uncorrected);
}

static uint64_t mib(uint64_t bytes)
{
    return bytes / TAPE_MIB;
}

static void seq_page(struct log_buf *l, const struct tgt_tape *t)
{
    uint64_t used = t->cart && t->loaded ? t->cart->space : 0;

    put_u64(l, 0x0000, t->host_w); /* data bytes received with WRITE commands */
    put_u64(l, 0x0001, t->host_w); /* written to the medium: no compression */
    put_u64(l, 0x0002, t->host_r); /* read from the medium */
    put_u64(l, 0x0003, t->host_r); /* transferred with READ commands */
    put_u32(l, 0x0004, mib(used));
    put_u32(l, 0x0005, mib(t->capacity - t->early_warning));
    put_u32(l, 0x0006, mib(t->early_warning));
    put_u32(l, 0x0007, t->cart && t->loaded ? mib(tape_bytes_at(t, t->pos)) : 0);
    put_u64(l, 0x0100, 0); /* cleaning required: never */
}

static uint16_t max_code(uint8_t page)
{
    switch (page) {
    case 0x02:
    case 0x03:
        return 6;
    case 0x0c:
        return 0x0100;
    case 0x2e:
        return 64;
    default:
        return 0;
    }
}

void tape_log_sense(struct tgt_cmd *c)
{
    struct tgt_tape *t = &c->lun->u.t;
    const uint8_t *cdb = c->cdb;
    unsigned pc = cdb[2] >> 6, page = cdb[2] & 0x3f, sub = cdb[3];
    struct log_buf l = {.len = 4, .ptr = tgt_be16(cdb + 5)};
    bool defaults = pc == 3, known = false;

    if (cdb[1] & 0x01) { /* SP: nothing is savable */
        tgt_bad_cdb(c, 1, 0);
        return;
    }
    /* Counters have no thresholds: only cumulative (01b) and default cumulative (11b). */
    if (pc == 0 || pc == 2) {
        tgt_bad_cdb(c, 2, 7);
        return;
    }
    for (size_t i = 0; i < sizeof(log_pages); i++)
        known |= log_pages[i] == page;
    if (!known) {
        tgt_bad_cdb(c, 2, 5);
        return;
    }
    if (sub != 0 && !(page == 0 && sub == 0xff)) {
        tgt_bad_cdb(c, 3, -1);
        return;
    }
    if (l.ptr > max_code((uint8_t)page)) {
        tgt_bad_cdb(c, 5, -1);
        return;
    }
    memset(l.b, 0, sizeof(l.b));
    l.b[0] = (uint8_t)page;
    switch (page) {
    case 0x00:
        if (sub == 0xff) {  /* pages and subpages: ours have none but 00h/FFh itself */
            l.b[0] |= 0x40; /* SPF */
            l.b[1] = 0xff;
            for (size_t i = 0; i < sizeof(log_pages); i++) {
                l.b[l.len++] = log_pages[i];
                l.b[l.len++] = 0x00;
                if (log_pages[i] == 0x00) {
                    l.b[l.len++] = 0x00;
                    l.b[l.len++] = 0xff;
                }
            }
        } else {
            for (size_t i = 0; i < sizeof(log_pages); i++)
                l.b[l.len++] = log_pages[i];
        }
        break;
    case 0x02:
        error_page(&l, defaults ? 0 : t->host_w, defaults ? 0 : t->werr);
        break;
    case 0x03:
        error_page(&l, defaults ? 0 : t->host_r, defaults ? 0 : t->rerr);
        break;
    case 0x0c:
        if (defaults) {
            struct tgt_tape zero = {.capacity = t->capacity, .early_warning = t->early_warning};
            seq_page(&l, &zero);
        } else {
            seq_page(&l, t);
        }
        break;
    default: /* 0x2e TapeAlert */
        for (uint16_t f = 1; f <= 64; f++) {
            uint8_t v = !defaults && (t->tapealert >> (f - 1) & 1);
            put_param(&l, f, &v, 1);
        }
        if (!defaults)
            t->tapealert = 0;
        break;
    }
    tgt_put16(l.b + 2, (uint16_t)(l.len - 4));
    tgt_put(c, tgt_be16(cdb + 7), l.b, l.len);
}

/* Only resets: PCR, or a zero-length list naming which values go back to defaults.
 * No parameter of ours can be set. */
void tape_log_select(struct tgt_cmd *c)
{
    struct tgt_tape *t = &c->lun->u.t;
    const uint8_t *cdb = c->cdb;

    if (cdb[1] & 0x01) { /* SP */
        tgt_bad_cdb(c, 1, 0);
        return;
    }
    if (tgt_be16(cdb + 7) != 0) {
        tgt_bad_cdb(c, 7, -1);
        return;
    }
    if (cdb[3] != 0) {
        tgt_bad_cdb(c, 3, -1);
        return;
    }
    t->host_w = t->host_r = t->werr = t->rerr = 0;
    t->tapealert = 0;
}
