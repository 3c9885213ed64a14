/* SPDX-License-Identifier: MIT */
/* SPC commands every kind answers the same way, parameterised by struct tgt_kind_ops. */
#include <string.h>

#include "target/tgt_int.h"

/* Version descriptors (SPC-4 table "version descriptor values"): "no version claimed" forms. */
#define VD_SAM5 0x00a0
#define VD_SPC4 0x0460

bool tgt_xfer_over(struct tgt_cmd *c, uint64_t bytes, unsigned byte)
{
    if (!c->lun->xfer_max || bytes <= c->lun->xfer_max)
        return false;
    tgt_bad_cdb(c, byte, -1);
    return true;
}

static void tur(struct tgt_cmd *c)
{
    uint8_t key, asc, ascq;

    if (c->lun->k->not_ready(c->lun, &key, &asc, &ascq))
        tgt_sense(c, key, asc, ascq);
}

static void request_sense(struct tgt_cmd *c)
{
    struct vscsi_tgt_lun *lun = c->lun;
    uint8_t s[18], key, asc, ascq;

    /* With autosense there is no saved sense; what is left to report is a pending
     * unit attention (which this consumes) or the current not-ready condition. */
    if (tgt_ua_take(lun, &asc, &ascq)) {
        tgt_fill_sense(s, 0, VSCSI_SK_UNIT_ATTENTION, asc, ascq, false, 0);
    } else if (lun->k->not_ready(lun, &key, &asc, &ascq)) {
        tgt_fill_sense(s, 0, key, asc, ascq, false, 0);
    } else {
        tgt_fill_sense(s, 0, VSCSI_SK_NO_SENSE, 0, 0, false, 0);
    }
    size_t n = sizeof(s);
    if (c->cdb[1] & 0x01) /* DESC */
        n = tgt_sense_to_desc(s, n, sizeof(s));
    tgt_put(c, c->cdb[4], s, n);
}

/* ---- INQUIRY ---- */

static size_t std_inquiry(const struct vscsi_tgt_lun *lun, uint8_t *b)
{
    const size_t len = 96;

    memset(b, 0, len);
    b[0] = lun->k->pdt;
    b[1] = (uint8_t)(lun->k->rmb << 7);
    b[2] = 0x06; /* SPC-4 */
    b[3] = 0x12; /* HISUP, response data format 2 */
    b[4] = (uint8_t)(len - 5);
    b[7] = 0x02; /* CMDQUE: the ring delivers commands concurrently */
    tgt_pad(b + 8, lun->vendor, 8);
    tgt_pad(b + 16, lun->product, 16);
    tgt_pad(b + 32, "0001", 4);
    tgt_put16(b + 58, VD_SAM5);
    tgt_put16(b + 60, VD_SPC4);
    tgt_put16(b + 62, lun->k->version_desc);
    return len;
}

static size_t vpd_supported(const struct vscsi_tgt_lun *lun, uint8_t *b)
{
    size_t n = 3;

    b[4] = 0x00;
    b[5] = 0x80;
    b[6] = 0x83;
    if (lun->k->vpd_list)
        n += lun->k->vpd_list(lun, b + 7);
    tgt_put16(b + 2, (uint16_t)n);
    return 4 + n;
}

static size_t vpd_serial(const struct vscsi_tgt_lun *lun, uint8_t *b)
{
    size_t n = strlen(lun->serial);

    memcpy(b + 4, lun->serial, n);
    tgt_put16(b + 2, (uint16_t)n);
    return 4 + n;
}

static size_t vpd_devid(const struct vscsi_tgt_lun *lun, uint8_t *b)
{
    size_t sl = strlen(lun->serial), off = 4;

    /* NAA designator, binary, logical unit association */
    b[off + 0] = 0x01;
    b[off + 1] = 0x03;
    b[off + 3] = 8;
    tgt_put64(b + off + 4, lun->naa);
    off += 12;
    /* T10 vendor ID designator: vendor, then product + serial as the vendor-specific part */
    b[off + 0] = 0x02;
    b[off + 1] = 0x01;
    b[off + 3] = (uint8_t)(24 + sl);
    tgt_pad(b + off + 4, lun->vendor, 8);
    tgt_pad(b + off + 12, lun->product, 16);
    memcpy(b + off + 28, lun->serial, sl);
    off += 4 + 24 + sl;
    tgt_put16(b + 2, (uint16_t)(off - 4));
    return off;
}

static void inquiry(struct tgt_cmd *c)
{
    const struct vscsi_tgt_lun *lun = c->lun;
    uint8_t b[256];
    size_t len;

    memset(b, 0, sizeof(b));
    if (!(c->cdb[1] & 0x01)) {
        if (c->cdb[2]) {
            tgt_bad_cdb(c, 2, -1);
            return;
        }
        len = std_inquiry(lun, b);
    } else {
        b[0] = lun->k->pdt;
        b[1] = c->cdb[2];
        switch (c->cdb[2]) {
        case 0x00:
            len = vpd_supported(lun, b);
            break;
        case 0x80:
            len = vpd_serial(lun, b);
            break;
        case 0x83:
            len = vpd_devid(lun, b);
            break;
        default:
            len = lun->k->vpd_page ? lun->k->vpd_page(lun, c->cdb[2], b) : 0;
            break;
        }
        if (!len) {
            tgt_bad_cdb(c, 2, -1);
            return;
        }
    }
    tgt_put(c, tgt_be16(c->cdb + 3), b, len);
}

/* ---- MODE SENSE / MODE SELECT ---- */

static struct tgt_mpage *find_mpage(struct vscsi_tgt_lun *lun, uint8_t code)
{
    for (unsigned i = 0; i < lun->nmp; i++)
        if ((lun->mp[i].cur[0] & 0x3f) == code)
            return &lun->mp[i];
    return NULL;
}

static size_t copy_mpage(const struct tgt_mpage *p, unsigned pc, uint8_t *dst)
{
    const uint8_t *src = pc == 1 ? p->chg : pc == 2 ? p->def : p->cur;

    memcpy(dst, src, p->len);
    dst[0] = p->cur[0] & 0x3f; /* PS stays 0: nothing is savable */
    dst[1] = (uint8_t)(p->len - 2);
    return p->len;
}

static void mode_sense(struct tgt_cmd *c)
{
    struct vscsi_tgt_lun *lun = c->lun;
    const uint8_t *cdb = c->cdb;
    bool ten = cdb[0] == 0x5a;
    bool dbd = cdb[1] & 0x08, llbaa = ten && (cdb[1] & 0x10);
    unsigned pc = cdb[2] >> 6, page = cdb[2] & 0x3f, sub = cdb[3];
    size_t alloc = ten ? tgt_be16(cdb + 7) : cdb[4];
    size_t hdr = ten ? 8 : 4, off = hdr, bdl = 0;
    uint8_t b[TGT_MPAGE_MAX * TGT_MPAGE_SIZE + 32];

    if (pc == 3) {
        tgt_sense(c, VSCSI_SK_ILLEGAL_REQUEST, 0x39, 0x00); /* SAVING PARAMETERS NOT SUPPORTED */
        return;
    }
    if (sub != 0 && !(page == 0x3f && sub == 0xff)) {
        tgt_bad_cdb(c, 3, -1);
        return;
    }
    memset(b, 0, sizeof(b));
    if (!dbd && lun->k->mode_bd) {
        bdl = lun->k->mode_bd(lun, llbaa, b + off);
        off += bdl;
    }
    if (page == 0x3f) {
        for (unsigned i = 0; i < lun->nmp; i++)
            off += copy_mpage(&lun->mp[i], pc, b + off);
    } else if (page == 0x00 && lun->kind == VSCSI_TGT_TAPE) {
        /* SSC: no page, the header and block descriptor only (what Linux st reads at
         * every open); for SBC page 0 stays vendor specific, which we have none of. */
    } else {
        const struct tgt_mpage *p = find_mpage(lun, (uint8_t)page);

        if (!p) {
            tgt_bad_cdb(c, 2, 5);
            return;
        }
        off += copy_mpage(p, pc, b + off);
    }
    uint8_t dsp = lun->k->mode_dsp ? lun->k->mode_dsp(lun) : 0;
    if (ten) {
        tgt_put16(b, (uint16_t)(off - 2));
        b[3] = dsp;
        b[4] = bdl == 16 ? 0x01 : 0x00; /* LONGLBA */
        tgt_put16(b + 6, (uint16_t)bdl);
    } else {
        b[0] = (uint8_t)(off - 1);
        b[2] = dsp;
        b[3] = (uint8_t)bdl;
    }
    tgt_put(c, alloc, b, off);
}

static int top_bit8(uint8_t v)
{
    int b = 7;

    while (b > 0 && !(v & (1u << b)))
        b--;
    return b;
}

/* Walks the page list: with apply false it only validates and reports the first error. */
static bool select_pages(struct tgt_cmd *c, const uint8_t *b, size_t off, size_t plen, bool apply)
{
    while (off < plen) {
        struct tgt_mpage *p;
        size_t len;

        if (plen - off < 2) {
            tgt_param_len_error(c);
            return false;
        }
        if (b[off] & 0x40) { /* SPF: we have no subpages */
            tgt_bad_param(c, (unsigned)off, 6);
            return false;
        }
        p = find_mpage(c->lun, b[off] & 0x3f);
        if (!p) {
            tgt_bad_param(c, (unsigned)off, 5);
            return false;
        }
        len = (size_t)b[off + 1] + 2;
        if (len != p->len) {
            tgt_bad_param(c, (unsigned)off + 1, -1);
            return false;
        }
        if (off + len > plen) {
            tgt_param_len_error(c);
            return false;
        }
        for (size_t i = 2; i < len; i++) {
            uint8_t bad = (uint8_t)((b[off + i] ^ p->cur[i]) & ~p->chg[i]);

            if (bad) {
                tgt_bad_param(c, (unsigned)(off + i), top_bit8(bad));
                return false;
            }
            if (apply)
                p->cur[i] = b[off + i];
        }
        off += len;
    }
    return true;
}

static void mode_select(struct tgt_cmd *c)
{
    const uint8_t *cdb = c->cdb;
    bool ten = cdb[0] == 0x55;
    size_t plen = ten ? tgt_be16(cdb + 7) : cdb[4];
    size_t hdr = ten ? 8 : 4, bdl;
    uint8_t b[512];

    if (cdb[1] & 0x01) { /* SP: no saved pages */
        tgt_bad_cdb(c, 1, 0);
        return;
    }
    if (plen == 0)
        return;
    if (plen < hdr || plen > sizeof(b)) {
        tgt_param_len_error(c);
        return;
    }
    if (c->out_avail < plen) {
        tgt_short_data_out(c);
        return;
    }
    tgt_get(c, 0, b, plen);
    c->moved = plen;
    bdl = ten ? tgt_be16(b + 6) : b[3];
    if (hdr + bdl > plen) {
        tgt_param_len_error(c);
        return;
    }
    if (bdl) {
        if (!c->lun->k->select_bd) {
            tgt_bad_param(c, ten ? 6 : 3, -1);
            return;
        }
        if (!c->lun->k->select_bd(c, b + hdr, bdl, hdr, false))
            return;
    }
    if (!select_pages(c, b, hdr + bdl, plen, false))
        return;
    if (bdl)
        c->lun->k->select_bd(c, b + hdr, bdl, hdr, true);
    select_pages(c, b, hdr + bdl, plen, true);
}

/* ---- REPORT LUNS ---- */

static void report_luns(struct tgt_cmd *c)
{
    uint8_t b[16] = {0};
    unsigned sel = c->cdb[2];
    size_t n;

    /* 00h all, 01h well-known only (we have none), 02h all logical units */
    if (sel > 0x02) {
        tgt_bad_cdb(c, 2, -1);
        return;
    }
    /* One LUN, reported as LUN 0: the backend knows the real numbering and may synthesise. */
    n = sel == 0x01 ? 0 : 1;
    tgt_put32(b, (uint32_t)(n * 8));
    tgt_put(c, tgt_be32(c->cdb + 6), b, 8 + n * 8);
}

/* ---- REPORT SUPPORTED OPERATION CODES ---- */

/* Command timeouts descriptor (SPC-4 7.5.18.4): nominal and recommended seconds. */
static void put_timeouts(struct tgt_cmd *c, const struct tgt_op *op, size_t alloc)
{
    uint8_t t[12] = {0};
    uint32_t nominal, rec;

    tgt_op_timeouts(c->lun, op, &nominal, &rec);
    tgt_put16(t, 0x0a);
    tgt_put32(t + 4, nominal);
    tgt_put32(t + 8, rec);
    tgt_put(c, alloc, t, sizeof(t));
}

static void rsoc_one(struct tgt_cmd *c, const struct tgt_op *op, bool rctd, size_t alloc)
{
    uint8_t b[4 + 16] = {0};

    if (!op) {
        b[1] = 0x01; /* not supported */
        tgt_put(c, alloc, b, 4);
        return;
    }
    b[1] = (uint8_t)((rctd ? 0x80 : 0) | 0x03); /* supported as in the standard */
    tgt_put16(b + 2, op->len);
    memcpy(b + 4, op->mask, op->len);
    b[4] = op->opcode;
    if (op->flags & TGT_F_SA)
        b[5] = (uint8_t)((b[5] & ~0x1f) | op->sa);
    tgt_put(c, alloc, b, 4 + op->len);
    if (rctd)
        put_timeouts(c, op, alloc);
}

static void rsoc(struct tgt_cmd *c)
{
    const struct vscsi_tgt_lun *lun = c->lun;
    const uint8_t *cdb = c->cdb;
    bool rctd = cdb[2] & 0x80, has_sa;
    unsigned opts = cdb[2] & 0x07;
    uint8_t req_op = cdb[3];
    uint16_t req_sa = tgt_be16(cdb + 4);
    size_t alloc = tgt_be32(cdb + 6);
    const struct tgt_op *op;

    switch (opts) {
    case 0: {
        size_t n = 0, dlen = rctd ? 20 : 8;
        uint8_t h[4];

        for (size_t i = 0; i < tgt_nops(lun); i++)
            n += tgt_op_present(lun, tgt_op_at(lun, i));
        tgt_put32(h, (uint32_t)(n * dlen));
        tgt_put(c, alloc, h, 4);
        for (size_t i = 0; i < tgt_nops(lun); i++) {
            const struct tgt_op *o = tgt_op_at(lun, i);
            uint8_t d[8] = {0};

            if (!tgt_op_present(lun, o))
                continue;
            d[0] = o->opcode;
            if (o->flags & TGT_F_SA) {
                tgt_put16(d + 2, o->sa);
                d[5] = 0x01; /* SERVACTV */
            }
            if (rctd)
                d[5] |= 0x02; /* CTDP */
            tgt_put16(d + 6, o->len);
            tgt_put(c, alloc, d, sizeof(d));
            if (rctd)
                put_timeouts(c, o, alloc);
        }
        return;
    }
    case 1:
        op = tgt_find_op(lun, req_op, 0, &has_sa);
        if (has_sa) {
            tgt_bad_cdb(c, 2, 2);
            return;
        }
        break;
    case 2:
        op = tgt_find_op(lun, req_op, (uint8_t)req_sa, &has_sa);
        if (!has_sa && op) {
            tgt_bad_cdb(c, 2, 2);
            return;
        }
        if (req_sa > 0x1f)
            op = NULL;
        break;
    case 3:
        op = tgt_find_op(lun, req_op, (uint8_t)req_sa, &has_sa);
        if (has_sa && req_sa > 0x1f)
            op = NULL;
        break;
    default:
        tgt_bad_cdb(c, 2, 2);
        return;
    }
    rsoc_one(c, op, rctd, alloc);
}

/* ---- REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS ---- */

/* What a vscsiif backend can do: ABORT TASK (VSCSIIF_ACT_SCSI_ABORT) and
 * LOGICAL UNIT RESET (VSCSIIF_ACT_SCSI_RESET); nothing else has a wire form. */
static void rstmf(struct tgt_cmd *c)
{
    uint8_t b[16] = {0};
    bool repd = c->cdb[2] & 0x80;

    b[0] = 0x88; /* ATS, LURS */
    if (repd)
        b[3] = 0x0c; /* additional data length of the extended format */
    tgt_put(c, tgt_be32(c->cdb + 6), b, repd ? 16 : 4);
}

#define IN    TGT_F_IN
#define OUT   TGT_F_OUT
#define NO_UA TGT_F_NO_UA
#define C     TGT_C
#define SA    TGT_F_SA
#define RESV  TGT_F_RESV
/* clang-format off */
const struct tgt_op tgt_spc_ops[] = {
    /* op  sa    flags                   len handler           usage mask */
    {0x00, 0,    0,                        6, tur,              {0, 0, 0, 0, 0, C}},
    {0x03, 0,    IN | NO_UA | RESV,        6, request_sense,    {0, 0x01, 0, 0, 0xff, C}},
    {0x12, 0,    IN | NO_UA | RESV,        6, inquiry,          {0, 0x01, 0xff, 0xff, 0xff, C}},
    {0x15, 0,    OUT,                      6, mode_select,      {0, 0x11, 0, 0, 0xff, C}},
    {0x16, 0,    0,                        6, tgt_resv_reserve, {0, 0, 0, 0, 0, C}},
    {0x17, 0,    RESV,                     6, tgt_resv_release, {0, 0, 0, 0, 0, C}},
    {0x1a, 0,    IN,                       6, mode_sense,       {0, 0x08, 0xff, 0xff, 0xff, C}},
    {0x55, 0,    OUT,                     10, mode_select,      {0, 0x11, 0, 0, 0, 0, 0, 0xff, 0xff, C}},
    {0x56, 0,    0,                       10, tgt_resv_reserve, {0, 0, 0, 0, 0, 0, 0, 0, 0, C}},
    {0x57, 0,    RESV,                    10, tgt_resv_release, {0, 0, 0, 0, 0, 0, 0, 0, 0, C}},
    {0x5a, 0,    IN,                      10, mode_sense,       {0, 0x18, 0xff, 0xff, 0, 0, 0, 0xff, 0xff, C}},
    {0xa0, 0,    IN | NO_UA | RESV,       12, report_luns,      {0, 0, 0xff, 0, 0, 0, TGT_FF4, 0, C}},
    {0xa3, 0x0c, IN | SA | RESV,          12, rsoc,             {0, 0x1f, 0x87, 0xff, 0xff, 0xff, TGT_FF4, 0, C}},
    {0xa3, 0x0d, IN | SA | RESV,          12, rstmf,            {0, 0x1f, 0x80, 0, 0, 0, TGT_FF4, 0, C}},
};
/* clang-format on */
const size_t tgt_spc_nops = sizeof(tgt_spc_ops) / sizeof(tgt_spc_ops[0]);
