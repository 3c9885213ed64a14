/* SPDX-License-Identifier: MIT */
/*
 * SMC medium changer (autoloader). Element addresses: transport 0, storage
 * 1000h.., import/export 2000h.., data transfer (drives) 3000h... Drives are
 * tape LUNs: moving a cartridge into one loads it there.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target/tgt_int.h"

enum { EL_MT = 1, EL_ST = 2, EL_IE = 3, EL_DT = 4 };

#define MAX_PER_TYPE 0x1000u /* each type owns a 4096-address window */
#define DVCID_LEN    20

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

    for (unsigned i = 0; i < ch->nel; i++)
        if (ch->el[i].drive == drive)
            ch->el[i].drive = NULL;
}

/* ---- MOVE MEDIUM ---- */

static void chg_move(struct tgt_cmd *c)
{
    struct tgt_changer *ch = &c->lun->u.c;
    uint16_t mt = tgt_be16(c->cdb + 2);
    struct tgt_elem *es = find_elem(ch, tgt_be16(c->cdb + 4));
    struct tgt_elem *ed = find_elem(ch, tgt_be16(c->cdb + 6));
    struct tgt_cart *cart;

    if (c->cdb[10] & 0x01) { /* INVERT: cartridges have one side */
        tgt_bad_cdb(c, 10, 0);
        return;
    }
    /* The transport is the means, never an end: it holds nothing between commands. */
    if (mt != VSCSI_TGT_ELEM_TRANSPORT || !es || !ed || es->type == EL_MT || ed->type == EL_MT ||
        (es->type == EL_DT && !es->drive) || (ed->type == EL_DT && !ed->drive)) {
        tgt_sense(c, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x01);
        return;
    }
    cart = elem_cart(es);
    if (!cart) {
        tgt_sense(c, VSCSI_SK_ILLEGAL_REQUEST, 0x3b, 0x0e);
        return;
    }
    if (es == ed)
        return;
    if (elem_cart(ed)) {
        tgt_sense(c, VSCSI_SK_ILLEGAL_REQUEST, 0x3b, 0x0d);
        return;
    }
    if (es->type == EL_DT) {
        tgt_tape_remove(es->drive); /* an autoloader unloads on the host's behalf */
    } else {
        es->cart = NULL;
        cart->src = es->addr;
        cart->svalid = true;
    }
    if (ed->type == EL_DT) {
        tgt_tape_insert(ed->drive, cart);
    } else {
        ed->cart = cart;
        ed->impexp = false;
    }
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
    pthread_mutex_destroy(&ch->lock);
}

#define C TGT_C
/* clang-format off */
static const struct tgt_op changer_ops[] = {
    /* op  sa flags   len handler            usage mask */
    {0x1e, 0, 0,         6, chg_prevent_allow, {0, 0, 0, 0, 0x03, C}},
    {0x07, 0, 0,         6, chg_init_status,   {0, 0, 0, 0, 0, C}},
    {0xa5, 0, 0,        12, chg_move,          {0, 0, TGT_FF4, 0xff, 0xff, 0, 0, 0x01, C}},
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
    if (slots > MAX_PER_TYPE || ie > MAX_PER_TYPE || o->ndrives > MAX_PER_TYPE ||
        (o->ndrives && !o->drives))
        return NULL;
    for (unsigned i = 0; i < o->ndrives; i++) {
        const struct vscsi_tgt_lun *d = o->drives[i];

        if (!d || d->kind != VSCSI_TGT_TAPE || d->u.t.changer)
            return NULL;
        for (unsigned j = 0; j < i; j++)
            if (o->drives[j] == d)
                return NULL;
    }

    lun = tgt_lun_alloc(VSCSI_TGT_CHANGER, &tgt_changer_kind, NULL, "VSCSI CHANGER", NULL);
    if (!lun)
        return NULL;
    ch = &lun->u.c;
    pthread_mutex_init(&ch->lock, NULL);
    ch->nslots = slots;
    ch->nie = ie;
    ch->ndrives = o->ndrives;
    ch->nel = 1 + slots + ie + o->ndrives;
    ch->el = calloc(ch->nel, sizeof(*ch->el));
    if (!ch->el) {
        pthread_mutex_destroy(&ch->lock);
        free(lun);
        return NULL;
    }
    ch->el[n++] = (struct tgt_elem){.addr = VSCSI_TGT_ELEM_TRANSPORT, .type = EL_MT};
    for (unsigned i = 0; i < slots; i++) {
        char label[9];

        /* Per-changer numbering: the same configuration finds the same images again. */
        snprintf(label, sizeof(label), "VS%04uL6", (i + 1) % 10000u);
        ch->el[n] =
            (struct tgt_elem){.addr = (uint16_t)(VSCSI_TGT_ELEM_STORAGE + i), .type = EL_ST};
        ch->el[n].cart = tgt_cart_new(label);
        if (!ch->el[n++].cart) {
            ch->nel = n;
            chg_destroy(lun);
            free(lun);
            return NULL;
        }
    }
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
    tgt_mpages_snapshot(lun);
    return lun;
}
