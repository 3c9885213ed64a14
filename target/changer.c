/* SPDX-License-Identifier: MIT */
/*
 * SMC medium changer (autoloader). Element addresses: transport 0, storage
 * 1000h.., import/export 2000h.., data transfer (drives) 3000h... Drives are
 * tape LUNs: moving a cartridge into one loads it there.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target/tgt_int.h"

enum { EL_MT = 1, EL_ST = 2, EL_IE = 3, EL_DT = 4 };

#define MAX_PER_TYPE 0x1000u /* each type owns a 4096-address window */
#define DVCID_LEN    20

static struct tgt_cart *elem_cart(const struct tgt_elem *e);
static void inv_save(const struct tgt_changer *ch);

static struct tgt_elem *find_elem(struct tgt_changer *ch, uint16_t addr)
{
    for (unsigned i = 0; i < ch->nel; i++)
        if (ch->el[i].addr == addr)
            return &ch->el[i];
    return NULL;
}

static struct tgt_cart *elem_cart(const struct tgt_elem *e)
{
    if (e->type == EL_DT)
        return e->drive ? e->drive->u.t.cart : NULL;
    return e->cart;
}

void tgt_changer_detach(struct vscsi_tgt_lun *changer, struct vscsi_tgt_lun *drive)
{
    struct tgt_changer *ch = &changer->u.c;

    for (unsigned i = 0; i < ch->nel; i++) {
        struct tgt_elem *e = &ch->el[i];

        if (e->drive != drive)
            continue;
        /* The cartridge goes with the drive; the inventory still knows where it was. */
        if (drive->u.t.cart)
            memcpy(e->gone, drive->u.t.cart->label, sizeof(e->gone));
        e->drive = NULL;
    }
    inv_save(ch);
}

/* ---- inventory file: which volume tag is in which element ---- */

static const char inv_magic[] = "VSCSI-LIBRARY 1\n";

bool tgt_tag_ok(const char *tag)
{
    size_t n = tag ? strlen(tag) : 0;

    if (n < 1 || n > 32)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = tag[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
            return false;
    }
    return true;
}

static bool inv_path(const struct tgt_changer *ch, char *path, size_t cap)
{
    return ch->dir && snprintf(path, cap, "%s/library.inv", ch->dir) < (int)cap;
}

/* Written after every change, through a rename, so a crash leaves the old or the new one. */
static void inv_save(const struct tgt_changer *ch)
{
    char path[4096], tmp[4200];
    FILE *f;

    if (!inv_path(ch, path, sizeof(path)))
        return;
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    if (!(f = fopen(tmp, "w")))
        return;
    fputs(inv_magic, f);
    for (unsigned i = 0; i < ch->nel; i++) {
        const struct tgt_elem *e = &ch->el[i];
        const struct tgt_cart *cart = elem_cart(e);
        const char *tag = cart ? cart->label : e->type == EL_DT && !e->drive ? e->gone : "";

        if (tag[0])
            fprintf(f, "%04x %s\n", e->addr, tag);
    }
    if (fclose(f) == 0)
        rename(tmp, path);
    else
        remove(tmp);
}

/* Reads the inventory into tags[] (one per element index, "" = empty). False
 * when there is none or it does not parse: the configuration then stands. */
static bool inv_load(struct tgt_changer *ch, char (*tags)[33])
{
    char path[4096], line[128];
    bool ok = true;
    FILE *f;

    if (!inv_path(ch, path, sizeof(path)) || !(f = fopen(path, "r")))
        return false;
    if (!fgets(line, sizeof(line), f) || strcmp(line, inv_magic)) {
        fclose(f);
        return false;
    }
    while (ok && fgets(line, sizeof(line), f)) {
        unsigned addr;
        char tag[64], nl;
        struct tgt_elem *e;

        if (sscanf(line, "%4x %40[^\n]%c", &addr, tag, &nl) != 3 || nl != '\n' ||
            !tgt_tag_ok(tag) || !(e = find_elem(ch, (uint16_t)addr)) || e->type == EL_MT ||
            tags[e - ch->el][0]) {
            ok = false;
            break;
        }
        for (unsigned i = 0; i < ch->nel; i++)
            ok &= strcmp(tags[i], tag) != 0;
        memcpy(tags[e - ch->el], tag, strlen(tag) + 1); /* tgt_tag_ok: at most 32 */
    }
    fclose(f);
    return ok;
}

/* ---- MOVE MEDIUM, EXCHANGE MEDIUM, POSITION TO ELEMENT ---- */

/* An element a cartridge can be in or go to. */
static bool usable(const struct tgt_elem *e)
{
    return e && e->type != EL_MT && (e->type != EL_DT || e->drive);
}

static struct tgt_cart *take(struct tgt_elem *e)
{
    struct tgt_cart *cart = elem_cart(e);

    if (e->type == EL_DT) {
        tgt_tape_remove(e->drive); /* an autoloader unloads on the host's behalf */
    } else {
        e->cart = NULL;
        cart->src = e->addr;
        cart->svalid = true;
    }
    return cart;
}

static void place(struct tgt_elem *e, struct tgt_cart *cart)
{
    if (e->type == EL_DT) {
        tgt_tape_insert(e->drive, cart);
    } else {
        e->cart = cart;
        e->impexp = false;
    }
}

static void chg_move(struct tgt_cmd *c)
{
    struct tgt_changer *ch = &c->lun->u.c;
    uint16_t mt = tgt_be16(c->cdb + 2);
    struct tgt_elem *es = find_elem(ch, tgt_be16(c->cdb + 4));
    struct tgt_elem *ed = find_elem(ch, tgt_be16(c->cdb + 6));

    if (c->cdb[10] & 0x01) { /* INVERT: cartridges have one side */
        tgt_bad_cdb(c, 10, 0);
        return;
    }
    /* The transport is the means, never an end: it holds nothing between commands. */
    if (mt != VSCSI_TGT_ELEM_TRANSPORT || !usable(es) || !usable(ed)) {
        tgt_sense(c, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x01);
        return;
    }
    if (!elem_cart(es)) {
        tgt_sense(c, VSCSI_SK_ILLEGAL_REQUEST, 0x3b, 0x0e);
        return;
    }
    if (es == ed)
        return;
    if (elem_cart(ed)) {
        tgt_sense(c, VSCSI_SK_ILLEGAL_REQUEST, 0x3b, 0x0d);
        return;
    }
    place(ed, take(es));
    inv_save(ch);
}

/* Source to the first destination, the first destination's cartridge to the
 * second (mtx exchange names the source twice: a swap). */
static void chg_exchange(struct tgt_cmd *c)
{
    struct tgt_changer *ch = &c->lun->u.c;
    uint16_t mt = tgt_be16(c->cdb + 2);
    struct tgt_elem *es = find_elem(ch, tgt_be16(c->cdb + 4));
    struct tgt_elem *e1 = find_elem(ch, tgt_be16(c->cdb + 6));
    struct tgt_elem *e2 = find_elem(ch, tgt_be16(c->cdb + 8));
    struct tgt_cart *a, *b;

    if (c->cdb[10] & 0x03) { /* INV1, INV2 */
        tgt_bad_cdb(c, 10, c->cdb[10] & 0x02 ? 1 : 0);
        return;
    }
    if (mt != VSCSI_TGT_ELEM_TRANSPORT || !usable(es) || !usable(e1) || !usable(e2) || es == e1 ||
        e1 == e2) {
        tgt_sense(c, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x01);
        return;
    }
    if (!elem_cart(es) || !elem_cart(e1)) {
        tgt_sense(c, VSCSI_SK_ILLEGAL_REQUEST, 0x3b, 0x0e);
        return;
    }
    if (e2 != es && elem_cart(e2)) {
        tgt_sense(c, VSCSI_SK_ILLEGAL_REQUEST, 0x3b, 0x0d);
        return;
    }
    a = take(es);
    b = take(e1);
    place(e1, a);
    place(e2, b);
    inv_save(ch);
}

static void chg_position(struct tgt_cmd *c)
{
    struct tgt_changer *ch = &c->lun->u.c;
    struct tgt_elem *ed = find_elem(ch, tgt_be16(c->cdb + 4));

    if (c->cdb[8] & 0x01) {
        tgt_bad_cdb(c, 8, 0);
        return;
    }
    /* Nothing moves but the robot, which is not modelled: only the addresses are checked. */
    if (tgt_be16(c->cdb + 2) != VSCSI_TGT_ELEM_TRANSPORT || !ed || ed->type == EL_MT)
        tgt_sense(c, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x01);
}

static bool tag_in_library(const struct tgt_changer *ch, const char *tag)
{
    for (unsigned i = 0; i < ch->nel; i++) {
        const struct tgt_cart *cart = elem_cart(&ch->el[i]);
        if (cart && !strcmp(cart->label, tag))
            return true;
    }
    return false;
}

int vscsi_tgt_changer_ie(struct vscsi_tgt_lun *lun, unsigned ie, const char *tag)
{
    struct tgt_changer *ch;
    struct tgt_elem *e;
    int rc = 0;

    if (!lun || lun->kind != VSCSI_TGT_CHANGER || (tag && !tgt_tag_ok(tag)))
        return -EINVAL;
    ch = &lun->u.c;
    if (ie >= ch->nie)
        return -EINVAL;
    pthread_mutex_lock(&ch->lock);
    e = find_elem(ch, (uint16_t)(VSCSI_TGT_ELEM_IE + ie));
    if (tag) {
        if (e->cart) {
            rc = -EBUSY;
        } else if (tag_in_library(ch, tag)) {
            rc = -EEXIST;
        } else if (!(e->cart = tgt_cart_new(tag, ch->mprefix[0] ? ch->mprefix : NULL))) {
            rc = -ENOMEM;
        } else {
            e->impexp = true;
        }
    } else if (!e->cart) {
        rc = -EBUSY;
    } else {
        tgt_cart_free(e->cart);
        e->cart = NULL;
        e->impexp = false;
    }
    if (rc == 0) {
        lun->ua |= TGT_UA_IMPEXP;
        inv_save(ch);
    }
    pthread_mutex_unlock(&ch->lock);
    return rc;
}

static void chg_init_status(struct tgt_cmd *c)
{
    (void)c; /* the inventory is always exact: there is no barcode scan to redo */
}

/* ---- READ ELEMENT STATUS ---- */

static size_t desc_len(unsigned type, bool voltag, bool dvcid)
{
    return 12 + (voltag ? 36 : 0) + 4 + (type == EL_DT && dvcid ? DVCID_LEN : 0);
}

static size_t build_desc(const struct tgt_elem *e, bool voltag, bool dvcid, uint8_t *d)
{
    const struct tgt_cart *cart = elem_cart(e);
    size_t len = desc_len(e->type, voltag, dvcid), off = 12;

    memset(d, 0, len);
    tgt_put16(d, e->addr);
    switch (e->type) {
    case EL_ST:
        d[2] = 0x08;
        break; /* ACCESS */
    case EL_IE:
        d[2] = (uint8_t)(0x38 | (e->impexp ? 0x02 : 0));
        break; /* INENAB EXENAB ACCESS */
    case EL_DT:
        d[2] = e->drive ? 0x08 : 0x04;
        break; /* ACCESS or EXCEPT */
    default:
        break;
    }
    if (cart) {
        d[2] |= 0x01; /* FULL */
        d[9] = 0x01;  /* medium type: data */
        if (cart->svalid) {
            d[9] |= 0x80;
            tgt_put16(d + 10, cart->src);
        }
    }
    if (voltag) {
        if (cart)
            tgt_pad(d + off, cart->label, 32);
        off += 36;
    }
    if (e->type == EL_DT && dvcid) {
        d[off] = 0x02; /* ASCII, vendor-specific identifier: the drive's serial */
        d[off + 3] = DVCID_LEN;
        tgt_pad(d + off + 4, e->drive ? e->drive->serial : "", DVCID_LEN);
    }
    return len;
}

static void chg_read_status(struct tgt_cmd *c)
{
    struct tgt_changer *ch = &c->lun->u.c;
    const uint8_t *cdb = c->cdb;
    bool voltag = cdb[1] & 0x10, dvcid = cdb[6] & 0x01;
    unsigned want = cdb[1] & 0x0f;
    uint16_t start = tgt_be16(cdb + 2);
    unsigned num = tgt_be16(cdb + 4);
    size_t alloc = tgt_be24(cdb + 7);
    unsigned per_type[5] = {0}, total = 0, any = 0;
    uint16_t first = 0;
    uint8_t h[8] = {0}, d[12 + 36 + 4 + DVCID_LEN];

    if (want > EL_DT) {
        tgt_bad_cdb(c, 1, 3);
        return;
    }
    /* Elements are stored in report order (MT, ST, IE, DT), ascending addresses. */
    for (unsigned i = 0; i < ch->nel; i++) {
        const struct tgt_elem *e = &ch->el[i];

        if ((want && e->type != want) || e->addr < start)
            continue;
        any++;
        if (total >= num)
            continue;
        if (!total)
            first = e->addr;
        per_type[e->type]++;
        total++;
    }
    if (!any && num) {
        tgt_sense(c, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x01);
        return;
    }
    size_t bytes = 0;
    for (unsigned t = EL_MT; t <= EL_DT; t++)
        if (per_type[t])
            bytes += 8 + per_type[t] * desc_len(t, voltag, dvcid);
    tgt_put16(h, first);
    tgt_put16(h + 2, (uint16_t)total);
    tgt_put24(h + 5, (uint32_t)bytes);
    tgt_put(c, alloc, h, sizeof(h));

    unsigned left = total;
    for (unsigned t = EL_MT; t <= EL_DT; t++) {
        if (!per_type[t])
            continue;
        size_t dl = desc_len(t, voltag, dvcid);
        memset(h, 0, sizeof(h));
        h[0] = (uint8_t)t;
        h[1] = voltag ? 0x80 : 0x00; /* PVOLTAG */
        tgt_put16(h + 2, (uint16_t)dl);
        tgt_put24(h + 5, (uint32_t)(per_type[t] * dl));
        tgt_put(c, alloc, h, sizeof(h));
        for (unsigned i = 0; i < ch->nel && left; i++) {
            const struct tgt_elem *e = &ch->el[i];

            if (e->type != t || e->addr < start)
                continue;
            tgt_put(c, alloc, d, build_desc(e, voltag, dvcid, d));
            left--;
        }
    }
}

static void chg_prevent_allow(struct tgt_cmd *c)
{
    (void)c; /* nothing is ever removed behind the initiator's back */
}

/* ---- kind hooks ---- */

static bool chg_not_ready(const struct vscsi_tgt_lun *lun, uint8_t *key, uint8_t *asc,
                          uint8_t *ascq)
{
    (void)lun;
    (void)key;
    (void)asc;
    (void)ascq;
    return false;
}

static void chg_destroy(struct vscsi_tgt_lun *lun)
{
    struct tgt_changer *ch = &lun->u.c;

    inv_save(ch);
    for (unsigned i = 0; i < ch->nel; i++) {
        struct tgt_elem *e = &ch->el[i];

        /* A cartridge in a drive now belongs to the drive. */
        if (e->drive) {
            e->drive->u.t.changer = NULL;
            e->drive->lock = NULL;
        }
        tgt_cart_free(e->cart);
    }
    free(ch->el);
    free(ch->dir);
    pthread_mutex_destroy(&ch->lock);
}

#define C TGT_C
/* clang-format off */
static const struct tgt_op changer_ops[] = {
    /* op  sa flags   len handler            usage mask */
    {0x1e, 0, 0,         6, chg_prevent_allow, {0, 0, 0, 0, 0x03, C}},
    {0x07, 0, 0,         6, chg_init_status,   {0, 0, 0, 0, 0, C}},
    {0x2b, 0, 0,        10, chg_position,      {0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0x01, C}},
    {0xa5, 0, 0,        12, chg_move,          {0, 0, TGT_FF4, 0xff, 0xff, 0, 0, 0x01, C}},
    {0xa6, 0, 0,        12, chg_exchange,      {0, 0, TGT_FF4, 0xff, 0xff, 0xff, 0xff, 0x03, C}},
    {0xb8, 0, TGT_F_IN, 12, chg_read_status,   {0, 0x1f, TGT_FF4, 0x03, 0xff, 0xff, 0xff, 0, C}},
};
/* clang-format on */

const struct tgt_kind_ops tgt_changer_kind = {
    .ops = changer_ops,
    .nops = sizeof(changer_ops) / sizeof(changer_ops[0]),
    .pdt = 0x08,
    .rmb = 0,
    .version_desc = 0x0480, /* SMC-3 */
    .not_ready = chg_not_ready,
    .destroy = chg_destroy,
};

static bool opts_ok(const struct vscsi_tgt_changer_opts *o, unsigned slots, unsigned ie)
{
    if (slots > MAX_PER_TYPE || ie > MAX_PER_TYPE || o->ndrives > MAX_PER_TYPE ||
        (o->ndrives && !o->drives) || o->nbarcodes > slots || (o->nbarcodes && !o->barcodes))
        return false;
    for (unsigned i = 0; i < o->ndrives; i++) {
        const struct vscsi_tgt_lun *d = o->drives[i];

        if (!d || d->kind != VSCSI_TGT_TAPE || d->u.t.changer)
            return false;
        for (unsigned j = 0; j < i; j++)
            if (o->drives[j] == d)
                return false;
    }
    for (unsigned i = 0; i < o->nbarcodes; i++) {
        if (!tgt_tag_ok(o->barcodes[i]))
            return false;
        for (unsigned j = 0; j < i; j++)
            if (!strcmp(o->barcodes[i], o->barcodes[j]))
                return false;
    }
    return true;
}

/* What goes where at start: the saved inventory if there is a good one, else
 * the configured tags in the first slots and "VSnnnnL6" in the rest. */
static bool fill(struct vscsi_tgt_lun *lun, const struct vscsi_tgt_changer_opts *o)
{
    struct tgt_changer *ch = &lun->u.c;
    const char *prefix = ch->mprefix[0] ? ch->mprefix : NULL;
    char(*tags)[33] = calloc(ch->nel, sizeof(*tags));
    bool ok = true;

    if (!tags)
        return false;
    bool saved = inv_load(ch, tags);
    for (unsigned i = 0; saved && i < ch->nel; i++)
        if (tags[i][0] && ch->el[i].type == EL_DT && ch->el[i].drive->u.t.cart)
            saved = false; /* a drive already holds one: the file is not about this library */
    if (!saved)
        memset(tags, 0, ch->nel * sizeof(*tags));
    /* A saved inventory stands even when empty: the operator may have emptied the library. */
    for (unsigned i = 0, s = 0; !saved && i < ch->nel; i++) {
        if (ch->el[i].type != EL_ST)
            continue;
        if (s < o->nbarcodes)
            snprintf(tags[i], 33, "%s", o->barcodes[s]);
        else /* per-changer numbering: the same configuration finds the same images again */
            snprintf(tags[i], 33, "VS%04uL6", (s + 1) % 10000u);
        s++;
    }
    /* A default tag may collide with a configured one: give that slot none. */
    for (unsigned i = 0; i < ch->nel; i++)
        for (unsigned j = 0; j < i && tags[i][0]; j++)
            if (!strcmp(tags[i], tags[j]))
                tags[i][0] = '\0';
    for (unsigned i = 0; ok && i < ch->nel; i++) {
        struct tgt_elem *e = &ch->el[i];
        struct tgt_cart *cart;

        if (!tags[i][0])
            continue;
        if (!(cart = tgt_cart_new(tags[i], prefix))) {
            ok = false;
        } else if (e->type == EL_DT) {
            tgt_tape_insert(e->drive, cart);
        } else {
            e->cart = cart;
            e->impexp = e->type == EL_IE;
        }
    }
    free(tags);
    return ok;
}

struct vscsi_tgt_lun *vscsi_tgt_changer_new(const struct vscsi_tgt_changer_opts *o)
{
    static const struct vscsi_tgt_changer_opts defaults = {0};
    struct vscsi_tgt_lun *lun;
    struct tgt_changer *ch;
    struct tgt_mpage *p;
    unsigned n = 0;

    if (!o)
        o = &defaults;
    unsigned slots = o->slots ? o->slots : 8, ie = o->ie_ports ? o->ie_ports : 1;
    if (!opts_ok(o, slots, ie))
        return NULL;

    lun = tgt_lun_alloc(VSCSI_TGT_CHANGER, &tgt_changer_kind, NULL, "VSCSI CHANGER", o->serial);
    if (!lun)
        return NULL;
    ch = &lun->u.c;
    pthread_mutex_init(&ch->lock, NULL);
    ch->nslots = slots;
    ch->nie = ie;
    ch->ndrives = o->ndrives;
    ch->nel = 1 + slots + ie + o->ndrives;
    snprintf(ch->mprefix, sizeof(ch->mprefix), "%s",
             o->medium_serial_prefix ? o->medium_serial_prefix : "");
    ch->el = calloc(ch->nel, sizeof(*ch->el));
    if (!ch->el || (o->path && !(ch->dir = strdup(o->path)))) {
        free(ch->el);
        pthread_mutex_destroy(&ch->lock);
        free(lun);
        return NULL;
    }
    ch->el[n++] = (struct tgt_elem){.addr = VSCSI_TGT_ELEM_TRANSPORT, .type = EL_MT};
    for (unsigned i = 0; i < slots; i++)
        ch->el[n++] =
            (struct tgt_elem){.addr = (uint16_t)(VSCSI_TGT_ELEM_STORAGE + i), .type = EL_ST};
    for (unsigned i = 0; i < ie; i++)
        ch->el[n++] = (struct tgt_elem){.addr = (uint16_t)(VSCSI_TGT_ELEM_IE + i), .type = EL_IE};
    lun->lock = &ch->lock;
    for (unsigned i = 0; i < o->ndrives; i++) {
        struct vscsi_tgt_lun *d = o->drives[i];

        ch->el[n++] = (struct tgt_elem){
            .addr = (uint16_t)(VSCSI_TGT_ELEM_DRIVE + i), .type = EL_DT, .drive = d};
        d->u.t.changer = lun;
        d->lock = &ch->lock;
    }
    if (!fill(lun, o)) {
        free(ch->dir);
        ch->dir = NULL; /* keep the saved inventory as it was */
        chg_destroy(lun);
        free(lun);
        return NULL;
    }
    if (o->power_on_ua)
        lun->ua |= TGT_UA_RESET;

    p = tgt_mpage_add(lun, 0x1d, 20); /* Element Address Assignment */
    tgt_put16(p->cur + 2, VSCSI_TGT_ELEM_TRANSPORT);
    tgt_put16(p->cur + 4, 1);
    tgt_put16(p->cur + 6, VSCSI_TGT_ELEM_STORAGE);
    tgt_put16(p->cur + 8, (uint16_t)slots);
    tgt_put16(p->cur + 10, VSCSI_TGT_ELEM_IE);
    tgt_put16(p->cur + 12, (uint16_t)ie);
    tgt_put16(p->cur + 14, VSCSI_TGT_ELEM_DRIVE);
    tgt_put16(p->cur + 16, (uint16_t)o->ndrives);
    p = tgt_mpage_add(lun, 0x1f, 20); /* Device Capabilities */
    p->cur[2] = 0x0e;                 /* storage in DT, I/E and ST elements */
    for (unsigned i = 4; i < 8; i++)
        p->cur[i] = 0x0e; /* from MT, ST, I/E, DT: to DT, I/E, ST */
    for (unsigned i = 12; i < 16; i++)
        p->cur[i] = 0x0e; /* and EXCHANGE MEDIUM with the same */
    tgt_mpages_snapshot(lun);
    return lun;
}
