/* SPDX-License-Identifier: MIT */
/*
 * SSC tape drive. The medium is a list of records (data blocks and filemarks)
 * ending at end-of-data; the position is a record index, which is also the
 * logical object identifier LOCATE and READ POSITION use. Writing anywhere
 * discards everything after the position, as on a real tape.
 */
#define _POSIX_C_SOURCE   200809L
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target/tape_int.h"

#define TAPE_DEF_CAP (64ull << 20)

/* ---- cartridges ---- */

struct tgt_cart *tgt_cart_new(const char *label, const char *serial_prefix)
{
    struct tgt_cart *cart = calloc(1, sizeof(*cart));

    if (!cart)
        return NULL;
    snprintf(cart->label, sizeof(cart->label), "%s", label);
    tape_mam_init(cart, serial_prefix);
    return cart;
}

void tgt_cart_free(struct tgt_cart *cart)
{
    if (!cart)
        return;
    free(cart->recs);
    free(cart->data);
    free(cart);
}

static uint64_t cart_bytes_at(const struct tgt_cart *cart, size_t pos)
{
    return pos < cart->nrec ? cart->recs[pos].off : cart->dlen;
}

uint64_t tape_bytes_at(const struct tgt_tape *t, size_t pos)
{
    return cart_bytes_at(t->cart, pos);
}

uint64_t tape_files_before(const struct tgt_cart *cart, size_t pos)
{
    uint64_t n = 0;

    for (size_t i = 0; i < pos && i < cart->nrec; i++)
        n += cart->recs[i].fm;
    return n;
}

static void cart_truncate(struct tgt_cart *cart, size_t pos)
{
    if (pos >= cart->nrec)
        return;
    cart->dlen = cart->recs[pos].off;
    cart->nrec = pos;
    cart->space = 0;
    for (size_t i = 0; i < pos; i++)
        cart->space += cart->recs[i].fm ? TGT_FM_SPACE : cart->recs[i].len;
}

/* Appends a record; *data (if asked for) is where its len bytes go. False: out of memory. */
static bool cart_append(struct tgt_cart *cart, uint32_t len, bool fm, uint8_t **data)
{
    if (cart->nrec == cart->rcap) {
        size_t ncap = cart->rcap ? cart->rcap * 2 : 64;
        struct tgt_rec *r = realloc(cart->recs, ncap * sizeof(*r));

        if (!r)
            return false;
        cart->recs = r;
        cart->rcap = ncap;
    }
    if (cart->dlen + len > cart->dcap) {
        uint64_t ncap = cart->dcap ? cart->dcap : 65536;
        uint8_t *d;

        while (ncap < cart->dlen + len)
            ncap *= 2;
        if (ncap > SIZE_MAX)
            return false;
        d = realloc(cart->data, (size_t)ncap);
        if (!d)
            return false;
        cart->data = d;
        cart->dcap = ncap;
    }
    struct tgt_rec *r = &cart->recs[cart->nrec++];
    r->off = cart->dlen;
    r->len = len;
    r->fm = fm;
    cart->dlen += len;
    cart->space += fm ? TGT_FM_SPACE : len;
    if (data)
        *data = cart->data ? cart->data + r->off : NULL;
    return true;
}

/* ---- cartridge images: "VSTAPE1\n", then per record a type byte ('D' or 'F'),
 * a 4-byte big-endian length and the data; an 'M' record first holds the
 * medium auxiliary memory (images without one read as a fresh MAM) ---- */

static const char image_magic[8] = {'V', 'S', 'T', 'A', 'P', 'E', '1', '\n'};

static FILE *image_open(const char *dir, const char *label, const char *mode)
{
    char path[4096];

    if (snprintf(path, sizeof(path), "%s/%s.img", dir, label) >= (int)sizeof(path))
        return NULL;
    return fopen(path, mode);
}

static void image_save(const char *dir, const struct tgt_cart *cart)
{
    FILE *f;

    if (!dir || !cart || !(f = image_open(dir, cart->label, "wb")))
        return;
    fwrite(image_magic, 1, sizeof(image_magic), f);
    uint8_t mam[TAPE_MAM_IMAGE_MAX + 5];
    size_t ml = tape_mam_save(&cart->mam, mam + 5, TAPE_MAM_IMAGE_MAX);
    if (ml) {
        mam[0] = 'M';
        tgt_put32(mam + 1, (uint32_t)ml);
        fwrite(mam, 1, ml + 5, f);
    }
    for (size_t i = 0; i < cart->nrec; i++) {
        uint8_t h[5];

        h[0] = cart->recs[i].fm ? 'F' : 'D';
        tgt_put32(h + 1, cart->recs[i].len);
        fwrite(h, 1, sizeof(h), f);
        if (cart->recs[i].len)
            fwrite(cart->data + cart->recs[i].off, 1, cart->recs[i].len, f);
    }
    fclose(f);
}

/* A cartridge seen for the first time by a drive with a directory picks up its
 * image, so data survives the process; a damaged image just leaves it blank. */
static void image_load(const char *dir, struct tgt_cart *cart)
{
    char magic[sizeof(image_magic)];
    uint8_t h[5];
    FILE *f;

    if (!dir || cart->read_image)
        return;
    cart->read_image = true;
    if (cart->nrec || !(f = image_open(dir, cart->label, "rb")))
        return;
    if (fread(magic, 1, sizeof(magic), f) != sizeof(magic) ||
        memcmp(magic, image_magic, sizeof(magic))) {
        fclose(f);
        return;
    }
    while (fread(h, 1, sizeof(h), f) == sizeof(h)) {
        uint32_t len = tgt_be32(h + 1);
        uint8_t *p;

        if (h[0] == 'M' && cart->nrec == 0) {
            uint8_t mam[TAPE_MAM_IMAGE_MAX];

            if (len > sizeof(mam) || fread(mam, 1, len, f) != len)
                break;
            tape_mam_restore(&cart->mam, mam, len);
            continue;
        }
        if ((h[0] != 'D' && h[0] != 'F') || (h[0] == 'F') != (len == 0) || len > TAPE_MAX_BLK)
            break;
        if (!cart_append(cart, len, h[0] == 'F', &p))
            break;
        if (len && fread(p, 1, len, f) != len) {
            cart_truncate(cart, cart->nrec - 1);
            break;
        }
    }
    fclose(f);
}

/* ---- the autoloader seam (changer lock held) ---- */

void tgt_tape_insert(struct vscsi_tgt_lun *tape, struct tgt_cart *cart)
{
    struct tgt_tape *t = &tape->u.t;

    t->cart = cart;
    image_load(t->dir, cart);
    t->loaded = true;
    t->pos = 0;
    tape_mam_loaded(tape);
    tape->ua |= TGT_UA_MEDIUM;
}

struct tgt_cart *tgt_tape_remove(struct vscsi_tgt_lun *tape)
{
    struct tgt_tape *t = &tape->u.t;
    struct tgt_cart *cart = t->cart;

    if (t->loaded)
        image_save(t->dir, cart);
    t->cart = NULL;
    t->loaded = false;
    t->pos = 0;
    return cart;
}

/* ---- helpers ---- */

static int32_t sext24(uint32_t v)
{
    return (int32_t)(v & 0x800000 ? v | 0xff000000u : v);
}

static bool past_early_warning(const struct tgt_tape *t, uint64_t bytes)
{
    return bytes > t->capacity - t->early_warning;
}

bool tape_past_ew(const struct tgt_tape *t, uint64_t bytes)
{
    return past_early_warning(t, bytes);
}

/* Everything that changes the medium: the first change after a load moves
 * the volume change reference on, which is how LTFS notices foreign writes. */
static void medium_changes(struct tgt_tape *t)
{
    if (!t->changed) {
        t->changed = true;
        t->cart->mam.vcr++;
    }
}

static void count_read(struct tgt_tape *t, uint64_t n)
{
    t->host_r += n;
    t->cart->mam.r_life += n;
    t->cart->mam.r_load += n;
}

static void count_written(struct tgt_tape *t, uint64_t n)
{
    t->host_w += n;
    t->cart->mam.w_life += n;
    t->cart->mam.w_load += n;
}

#define TA_READ_FAILURE  5
#define TA_WRITE_FAILURE 6

static void eod(struct tgt_cmd *c, uint32_t resid)
{
    tgt_sense_info(c, 0, VSCSI_SK_BLANK_CHECK, 0x00, 0x05, resid);
}

/* ---- READ / WRITE ---- */

static void tape_read(struct tgt_cmd *c)
{
    struct tgt_tape *t = &c->lun->u.t;
    bool sili = c->cdb[1] & 0x02, fixed = c->cdb[1] & 0x01;
    uint32_t len = tgt_be24(c->cdb + 2);
    uint64_t bad;

    if (fixed && sili) {
        tgt_bad_cdb(c, 1, 1);
        return;
    }
    if (fixed && !t->blksz) {
        tgt_bad_cdb(c, 1, 0);
        return;
    }
    if (tgt_xfer_over(c, fixed ? (uint64_t)len * t->blksz : len, 2))
        return;
    uint32_t nblk = fixed ? len : (len ? 1 : 0);
    for (uint32_t i = 0; i < nblk; i++) {
        uint32_t resid = fixed ? nblk - i : len;
        const struct tgt_rec *r;

        if (t->pos >= t->cart->nrec) {
            eod(c, resid);
            return;
        }
        r = &t->cart->recs[t->pos];
        if (tgt_fault_medium(c->lun, t->pos, 1, &bad)) {
            t->pos++;
            t->rerr++;
            t->tapealert |= 1ull << (TA_READ_FAILURE - 1);
            tgt_sense_info(c, 0, VSCSI_SK_MEDIUM_ERROR, 0x11, 0x00, resid);
            return;
        }
        if (r->fm) {
            /* a filemark is read by passing it */
            t->pos++;
            tgt_sense_info(c, TGT_SENSE_FILEMARK, VSCSI_SK_NO_SENSE, 0x00, 0x01, resid);
            return;
        }
        if (fixed) {
            if (r->len != t->blksz) {
                t->pos++;
                tgt_sense_info(c, TGT_SENSE_ILI, VSCSI_SK_NO_SENSE, 0x00, 0x00, resid);
                return;
            }
            count_read(t, tgt_put(c, SIZE_MAX, t->cart->data + r->off, r->len));
            t->pos++;
            continue;
        }
        count_read(t, tgt_put(c, SIZE_MAX, t->cart->data + r->off, r->len < len ? r->len : len));
        t->pos++;
        /* Overlength is always reported (data was lost); underlength only without SILI. */
        if (r->len > len || (r->len < len && !sili))
            tgt_sense_info(c, TGT_SENSE_ILI, VSCSI_SK_NO_SENSE, 0x00, 0x00,
                           (uint32_t)((int64_t)len - (int64_t)r->len));
    }
}

static void tape_write(struct tgt_cmd *c)
{
    struct tgt_tape *t = &c->lun->u.t;
    bool fixed = c->cdb[1] & 0x01;
    uint32_t len = tgt_be24(c->cdb + 2), nblk, bsz, fit;
    uint64_t bad;

    if (fixed && !t->blksz) {
        tgt_bad_cdb(c, 1, 0);
        return;
    }
    if ((!fixed && len > TAPE_MAX_BLK) ||
        tgt_xfer_over(c, fixed ? (uint64_t)len * t->blksz : len, 2)) {
        tgt_bad_cdb(c, 2, -1);
        return;
    }
    if (len == 0)
        return;
    nblk = fixed ? len : 1;
    bsz = fixed ? t->blksz : len;
    if (c->out_avail < (uint64_t)nblk * bsz) {
        tgt_short_data_out(c);
        return;
    }
    medium_changes(t);
    cart_truncate(t->cart, t->pos);
    uint64_t room = t->cart->space < t->capacity ? t->capacity - t->cart->space : 0;
    fit = room / bsz < nblk ? (uint32_t)(room / bsz) : nblk;
    for (uint32_t i = 0; i < fit; i++) {
        uint8_t *p;

        if (tgt_fault_medium(c->lun, t->pos, 1, &bad)) {
            t->werr++;
            t->tapealert |= 1ull << (TA_WRITE_FAILURE - 1);
            tgt_sense_info(c, 0, VSCSI_SK_MEDIUM_ERROR, 0x0c, 0x00, fixed ? nblk - i : len);
            return;
        }
        if (!cart_append(t->cart, bsz, false, &p)) {
            tgt_sense_info(c, 0, VSCSI_SK_HARDWARE_ERROR, 0x44, 0x00, fixed ? nblk - i : len);
            return;
        }
        tgt_get(c, c->moved, p, bsz);
        c->moved += bsz;
        count_written(t, bsz);
        t->pos++;
    }
    if (fit < nblk)
        tgt_sense_info(c, TGT_SENSE_EOM, VSCSI_SK_VOLUME_OVERFLOW, 0x00, 0x02,
                       fixed ? nblk - fit : len);
    else if (past_early_warning(t, t->cart->space))
        tgt_sense_info(c, TGT_SENSE_EOM, VSCSI_SK_NO_SENSE, 0x00, 0x02, 0);
}

static void tape_write_filemarks(struct tgt_cmd *c)
{
    struct tgt_tape *t = &c->lun->u.t;
    uint32_t n = tgt_be24(c->cdb + 2);

    if (n == 0) /* only a flush request: nothing is buffered */
        return;
    medium_changes(t);
    cart_truncate(t->cart, t->pos);
    for (uint32_t i = 0; i < n; i++) {
        if (t->cart->space + TGT_FM_SPACE > t->capacity) {
            tgt_sense_info(c, TGT_SENSE_EOM, VSCSI_SK_VOLUME_OVERFLOW, 0x00, 0x02, n - i);
            return;
        }
        if (!cart_append(t->cart, 0, true, NULL)) {
            tgt_sense_info(c, 0, VSCSI_SK_HARDWARE_ERROR, 0x44, 0x00, n - i);
            return;
        }
        t->pos++;
    }
    if (past_early_warning(t, t->cart->space))
        tgt_sense_info(c, TGT_SENSE_EOM, VSCSI_SK_NO_SENSE, 0x00, 0x02, 0);
}

/* ---- positioning ---- */

/* The INFORMATION field holds 32 bits: a SPACE(16) residue beyond that saturates. */
static uint32_t resid32(uint64_t v)
{
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

void tape_space_by(struct tgt_cmd *c, unsigned code, int64_t count)
{
    struct tgt_tape *t = &c->lun->u.t;
    const struct tgt_cart *cart = t->cart;
    /* SSC: the residue is never negative, whatever the direction. */
    uint64_t n = count < 0 ? (uint64_t)0 - (uint64_t)count : (uint64_t)count;

    switch (code) {
    case 0: /* logical blocks; a filemark stops the motion just past it */
        for (uint64_t i = 0; i < n; i++) {
            if (count > 0) {
                if (t->pos >= cart->nrec) {
                    eod(c, resid32(n - i));
                    return;
                }
                if (cart->recs[t->pos++].fm) {
                    tgt_sense_info(c, TGT_SENSE_FILEMARK, VSCSI_SK_NO_SENSE, 0x00, 0x01,
                                   resid32(n - i));
                    return;
                }
            } else {
                if (t->pos == 0) {
                    tgt_sense_info(c, TGT_SENSE_EOM, VSCSI_SK_NO_SENSE, 0x00, 0x04, resid32(n - i));
                    return;
                }
                if (cart->recs[--t->pos].fm) {
                    tgt_sense_info(c, TGT_SENSE_FILEMARK, VSCSI_SK_NO_SENSE, 0x00, 0x01,
                                   resid32(n - i));
                    return;
                }
            }
        }
        return;
    case 1: /* filemarks: forward ends after the nth, backward before it */
        for (uint64_t k = 0; k < n;) {
            if (count > 0) {
                if (t->pos >= cart->nrec) {
                    eod(c, resid32(n - k));
                    return;
                }
                k += cart->recs[t->pos++].fm;
            } else {
                if (t->pos == 0) {
                    tgt_sense_info(c, TGT_SENSE_EOM, VSCSI_SK_NO_SENSE, 0x00, 0x04, resid32(n - k));
                    return;
                }
                k += cart->recs[--t->pos].fm;
            }
        }
        return;
    case 3: /* end-of-data */
        t->pos = cart->nrec;
        return;
    default: /* sequential filemarks and setmarks are not supported */
        tgt_bad_cdb(c, 1, 3);
        return;
    }
}

static void tape_space(struct tgt_cmd *c)
{
    tape_space_by(c, c->cdb[1] & 0x0f, sext24(tgt_be24(c->cdb + 2)));
}

static void tape_rewind(struct tgt_cmd *c)
{
    c->lun->u.t.pos = 0;
}

/* Short (writes end-of-data) and LONG (erases to the end of the partition) come
 * to the same thing here: nothing after the position can be read again. */
static void tape_erase(struct tgt_cmd *c)
{
    struct tgt_tape *t = &c->lun->u.t;

    if (t->pos < t->cart->nrec)
        medium_changes(t);
    cart_truncate(t->cart, t->pos);
}

void tape_locate_to(struct tgt_cmd *c, uint64_t obj)
{
    struct tgt_tape *t = &c->lun->u.t;

    if (obj > t->cart->nrec) {
        t->pos = t->cart->nrec;
        tgt_sense(c, VSCSI_SK_BLANK_CHECK, 0x00, 0x05);
        return;
    }
    t->pos = (size_t)obj;
}

static void tape_locate(struct tgt_cmd *c)
{
    if ((c->cdb[1] & 0x02) && c->cdb[8] != 0) { /* CP: there is only partition 0 */
        tgt_bad_cdb(c, 8, -1);
        return;
    }
    tape_locate_to(c, tgt_be32(c->cdb + 3));
}

static void tape_load_unload(struct tgt_cmd *c)
{
    struct vscsi_tgt_lun *lun = c->lun;
    struct tgt_tape *t = &lun->u.t;
    bool load = c->cdb[4] & 0x01, eot = c->cdb[4] & 0x04;

    if (load && eot) {
        tgt_bad_cdb(c, 4, 2);
        return;
    }
    if (!t->cart) {
        tgt_sense(c, VSCSI_SK_NOT_READY, 0x3a, 0x00);
        return;
    }
    if (load) {
        image_load(t->dir, t->cart);
        if (!t->loaded)
            tape_mam_loaded(lun);
        t->loaded = true;
        t->pos = 0;
        return;
    }
    if (t->loaded)
        image_save(t->dir, t->cart);
    /* Unloaded, the cartridge sits in the drive's mouth: a changer may take it
     * and LOAD may thread it again. */
    t->loaded = false;
    t->pos = 0;
}

/* ERASE(16): to the object named, then as ERASE(6). */
static void tape_erase16(struct tgt_cmd *c)
{
    if (c->cdb[3] != 0) { /* only partition 0 */
        tgt_bad_cdb(c, 3, -1);
        return;
    }
    tape_locate_to(c, tgt_be64(c->cdb + 4));
    if (c->res->status == VSCSI_SAM_GOOD)
        tape_erase(c);
}

static void tape_block_limits(struct tgt_cmd *c)
{
    uint8_t b[6] = {0};

    /* No more than one command can carry through the transport (vscsi_tgt_set_xfer_max). */
    uint64_t max =
        c->lun->xfer_max && c->lun->xfer_max < TAPE_MAX_BLK ? c->lun->xfer_max : TAPE_MAX_BLK;
    tgt_put24(b + 1, (uint32_t)max);
    tgt_put16(b + 4, 1);
    tgt_put(c, sizeof(b), b, sizeof(b));
}

static void tape_prevent_allow(struct tgt_cmd *c)
{
    (void)c; /* nothing is ever removed behind the initiator's back */
}

/* ---- kind hooks ---- */

static bool tape_not_ready(const struct vscsi_tgt_lun *lun, uint8_t *key, uint8_t *asc,
                           uint8_t *ascq)
{
    if (lun->u.t.loaded)
        return false;
    *key = VSCSI_SK_NOT_READY;
    *asc = 0x3a; /* MEDIUM NOT PRESENT */
    *ascq = 0x00;
    return true;
}

static uint8_t tape_dsp(const struct vscsi_tgt_lun *lun)
{
    (void)lun;
    return 0x10; /* buffered mode 1 */
}

static size_t tape_bd(const struct vscsi_tgt_lun *lun, bool longlba, uint8_t *bd)
{
    (void)longlba;
    bd[0] = lun->u.t.loaded ? lun->u.t.density : 0;
    tgt_put24(bd + 5, lun->u.t.blksz);
    return 8;
}

static bool tape_select_bd(struct tgt_cmd *c, const uint8_t *bd, size_t len, size_t off, bool apply)
{
    struct tgt_tape *t = &c->lun->u.t;
    uint32_t bl;

    if (len != 8) {
        tgt_bad_param(c, off == 4 ? 3 : 6, -1);
        return false;
    }
    /* density: 0 default, 7Fh no change, or one REPORT DENSITY SUPPORT lists */
    if (bd[0] != 0 && bd[0] != 0x7f && !tape_density_ok(bd[0])) {
        tgt_bad_param(c, (unsigned)off, -1);
        return false;
    }
    if (tgt_be24(bd + 1)) {
        tgt_bad_param(c, (unsigned)off + 1, -1);
        return false;
    }
    bl = tgt_be24(bd + 5);
    if (bl > TAPE_MAX_BLK) {
        tgt_bad_param(c, (unsigned)off + 5, -1);
        return false;
    }
    if (apply) {
        t->blksz = bl;
        if (bd[0] != 0 && bd[0] != 0x7f)
            t->density = bd[0];
    }
    return true;
}

static void tape_destroy(struct vscsi_tgt_lun *lun)
{
    struct tgt_tape *t = &lun->u.t;

    if (t->changer) {
        pthread_mutex_t *lk = lun->lock;

        pthread_mutex_lock(lk);
        tgt_changer_detach(t->changer, lun);
        pthread_mutex_unlock(lk);
    }
    if (t->cart) {
        if (t->loaded)
            image_save(t->dir, t->cart);
        tgt_cart_free(t->cart);
    }
    free(t->dir);
}

#define IN  TGT_F_IN
#define OUT TGT_F_OUT
#define RDY TGT_F_READY
#define C   TGT_C
#define SA  TGT_F_SA
/* clang-format off */
static const struct tgt_op tape_ops[] = {
    /* op  sa flags    len handler               usage mask */
    {0x1e, 0, 0,          6, tape_prevent_allow,   {0, 0, 0, 0, 0x03, C}},
    {0x01, 0, RDY,        6, tape_rewind,          {0, 0x01, 0, 0, 0, C}},
    {0x05, 0, IN,         6, tape_block_limits,    {0, 0, 0, 0, 0, C}},
    {0x08, 0, IN | RDY,   6, tape_read,            {0, 0x03, 0xff, 0xff, 0xff, C}},
    {0x0a, 0, OUT | RDY,  6, tape_write,           {0, 0x01, 0xff, 0xff, 0xff, C}},
    {0x10, 0, RDY,        6, tape_write_filemarks, {0, 0x01, 0xff, 0xff, 0xff, C}},
    {0x11, 0, RDY,        6, tape_space,           {0, 0x0f, 0xff, 0xff, 0xff, C}},
    {0x19, 0, RDY,        6, tape_erase,           {0, 0x03, 0, 0, 0, C}},
    {0x1b, 0, 0,          6, tape_load_unload,     {0, 0x01, 0, 0, 0x07, C}},
    {0x2b, 0, RDY,       10, tape_locate,          {0, 0x07, 0, TGT_FF4, 0, 0xff, C}},
    {0x34, 0x00, IN | RDY | SA, 10, tape_read_position, {0, 0x1f, 0, 0, 0, 0, 0, 0xff, 0xff, C}},
    {0x34, 0x01, IN | RDY | SA, 10, tape_read_position, {0, 0x1f, 0, 0, 0, 0, 0, 0xff, 0xff, C}},
    {0x34, 0x06, IN | RDY | SA, 10, tape_read_position, {0, 0x1f, 0, 0, 0, 0, 0, 0xff, 0xff, C}},
    {0x34, 0x08, IN | RDY | SA, 10, tape_read_position, {0, 0x1f, 0, 0, 0, 0, 0, 0xff, 0xff, C}},
    {0x44, 0, IN,        10, tape_report_density,  {0, 0x03, 0, 0, 0, 0, 0, 0xff, 0xff, C}},
    {0x4c, 0, OUT,       10, tape_log_select,      {0, 0x03, 0xff, 0xff, 0, 0, 0, 0xff, 0xff, C}},
    {0x4d, 0, IN,        10, tape_log_sense,       {0, 0x01, 0xff, 0xff, 0, 0xff, 0xff, 0xff, 0xff, C}},
    {0x8c, 0x00, IN | SA, 16, tape_read_attr,     {0, 0x1f, 0, 0, 0, 0xff, 0, 0xff, 0xff, 0xff, TGT_FF4, 0x01, C}},
    {0x8c, 0x01, IN | SA, 16, tape_read_attr,     {0, 0x1f, 0, 0, 0, 0xff, 0, 0xff, 0xff, 0xff, TGT_FF4, 0x01, C}},
    {0x8c, 0x02, IN | SA, 16, tape_read_attr,     {0, 0x1f, 0, 0, 0, 0xff, 0, 0xff, 0xff, 0xff, TGT_FF4, 0x01, C}},
    {0x8c, 0x03, IN | SA, 16, tape_read_attr,     {0, 0x1f, 0, 0, 0, 0xff, 0, 0xff, 0xff, 0xff, TGT_FF4, 0x01, C}},
    {0x8c, 0x05, IN | SA, 16, tape_read_attr,     {0, 0x1f, 0, 0, 0, 0xff, 0, 0xff, 0xff, 0xff, TGT_FF4, 0x01, C}},
    {0x8d, 0, OUT,       16, tape_write_attr,      {0, 0x01, 0, 0, 0, 0xff, 0, 0xff, 0, 0, TGT_FF4, 0, C}},
    {0x91, 0, RDY,       16, tape_space16,         {0, 0x0f, 0, 0, TGT_FF4, TGT_FF4, 0, 0, 0, C}},
    {0x92, 0, RDY,       16, tape_locate16,        {0, 0x3b, 0, 0xff, TGT_FF4, TGT_FF4, 0, 0, 0, C}},
    {0x93, 0, RDY,       16, tape_erase16,         {0, 0x03, 0, 0xff, TGT_FF4, TGT_FF4, 0, 0, 0, C}},
};
/* clang-format on */

const struct tgt_kind_ops tgt_tape_kind = {
    .ops = tape_ops,
    .nops = sizeof(tape_ops) / sizeof(tape_ops[0]),
    .pdt = 0x01,
    .rmb = 1,
    .version_desc = 0x0400, /* SSC-3 */
    .not_ready = tape_not_ready,
    .mode_dsp = tape_dsp,
    .mode_bd = tape_bd,
    .select_bd = tape_select_bd,
    .destroy = tape_destroy,
};

struct vscsi_tgt_lun *vscsi_tgt_tape_new(const struct vscsi_tgt_tape_opts *o)
{
    static const struct vscsi_tgt_tape_opts defaults = {0};
    struct vscsi_tgt_lun *lun;
    struct tgt_tape *t;
    struct tgt_mpage *p;

    if (!o)
        o = &defaults;
    lun = tgt_lun_alloc(VSCSI_TGT_TAPE, &tgt_tape_kind, NULL, "VSCSI TAPE", o->serial);
    if (!lun)
        return NULL;
    t = &lun->u.t;
    t->capacity = o->capacity ? o->capacity : TAPE_DEF_CAP;
    t->early_warning = o->early_warning ? o->early_warning : t->capacity / 32;
    if (t->early_warning > t->capacity)
        t->early_warning = t->capacity;
    t->density = tape_densities[0].code;
    if (o->power_on_ua)
        lun->ua |= TGT_UA_RESET;
    if (o->path && !(t->dir = strdup(o->path)))
        goto fail;
    if (o->loaded) {
        /* A standalone drive always holds the same cartridge: its image is found again. */
        if (!(t->cart =
                  tgt_cart_new(o->barcode ? o->barcode : "ST0001L6", o->medium_serial_prefix)))
            goto fail;
        image_load(t->dir, t->cart);
        t->loaded = true;
        tape_mam_loaded(lun);
    }

    p = tgt_mpage_add(lun, 0x0f, 16); /* Data Compression */
    p->cur[2] = 0x40;                 /* DCC: capable, DCE off */
    p->chg[2] = 0x80;
    p->cur[3] = 0x80; /* DDE */
    tgt_put32(p->cur + 4, 1);
    tgt_put32(p->cur + 8, 1);
    p = tgt_mpage_add(lun, 0x10, 16); /* Device Configuration */
    p->cur[10] = 0x18;                /* EEG, SEW */
    p->cur[14] = 0x01;                /* default compression algorithm */
    tgt_mpages_snapshot(lun);
    return lun;
fail:
    free(t->dir);
    tgt_cart_free(t->cart);
    free(lun);
    return NULL;
}
