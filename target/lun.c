/* SPDX-License-Identifier: MIT */
/* LUN lifecycle and the command dispatcher shared by every kind. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "target/tgt_int.h"
#include "vscsiif/wire.h"

static atomic_uint tgt_serial_counter;

static uint64_t fnv1a(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;

    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
    size_t l = strlen(src);

    if (l >= cap)
        l = cap - 1;
    memcpy(dst, src, l);
    dst[l] = '\0';
}

struct vscsi_tgt_lun *tgt_lun_alloc(enum vscsi_tgt_kind kind, const struct tgt_kind_ops *k,
                                    const char *vendor, const char *product, const char *serial)
{
    static const char *const kind_letter = "DTC";
    struct vscsi_tgt_lun *lun = calloc(1, sizeof(*lun));
    char gen[21];

    if (!lun)
        return NULL;
    lun->kind = kind;
    lun->k = k;
    for (size_t i = tgt_nops(lun); i-- > 0;)
        lun->op_first[tgt_op_at(lun, i)->opcode] = (uint16_t)(i + 1);
    copy_str(lun->vendor, sizeof(lun->vendor), vendor ? vendor : "VSCSIIF");
    copy_str(lun->product, sizeof(lun->product), product);
    if (!serial) {
        unsigned n = atomic_fetch_add(&tgt_serial_counter, 1) + 1;
        snprintf(gen, sizeof(gen), "VS%c%07u", kind_letter[kind], n % 10000000u);
        serial = gen;
    }
    copy_str(lun->serial, sizeof(lun->serial), serial);
    /* NAA 3h (locally assigned): stable for a given serial, no borrowed OUI. */
    uint64_t h = fnv1a(0xcbf29ce484222325ull, &kind_letter[kind], 1);
    h = fnv1a(h, lun->serial, strlen(lun->serial));
    lun->naa = (3ull << 60) | (h & 0x0fffffffffffffffull);
    return lun;
}

struct tgt_mpage *tgt_mpage_add(struct vscsi_tgt_lun *lun, uint8_t code, uint8_t len)
{
    struct tgt_mpage *p;

    if (lun->nmp >= TGT_MPAGE_MAX || len > TGT_MPAGE_SIZE || len < 2)
        return NULL;
    p = &lun->mp[lun->nmp++];
    memset(p, 0, sizeof(*p));
    p->len = len;
    p->cur[0] = code;
    p->cur[1] = (uint8_t)(len - 2);
    p->chg[0] = code;
    p->chg[1] = (uint8_t)(len - 2);
    return p;
}

void tgt_mpages_snapshot(struct vscsi_tgt_lun *lun)
{
    for (unsigned i = 0; i < lun->nmp; i++)
        memcpy(lun->mp[i].def, lun->mp[i].cur, sizeof(lun->mp[i].def));
}

bool tgt_op_present(const struct vscsi_tgt_lun *lun, const struct tgt_op *op)
{
    return !(op->flags & TGT_F_THIN) || (lun->kind == VSCSI_TGT_DISK && lun->u.d.thin);
}

size_t tgt_nops(const struct vscsi_tgt_lun *lun)
{
    return tgt_spc_nops + lun->k->nops;
}

const struct tgt_op *tgt_op_at(const struct vscsi_tgt_lun *lun, size_t i)
{
    return i < tgt_spc_nops ? &tgt_spc_ops[i] : &lun->k->ops[i - tgt_spc_nops];
}

const struct tgt_op *tgt_find_op(const struct vscsi_tgt_lun *lun, uint8_t opcode, uint8_t sa,
                                 bool *has_sa)
{
    const struct tgt_op *found = NULL;

    *has_sa = false;
    /* Entries before the first with this opcode cannot match. */
    for (size_t i = lun->op_first[opcode] ? lun->op_first[opcode] - 1u : tgt_nops(lun);
         i < tgt_nops(lun); i++) {
        const struct tgt_op *op = tgt_op_at(lun, i);

        if (op->opcode != opcode || !tgt_op_present(lun, op))
            continue;
        if (op->flags & TGT_F_SA) {
            *has_sa = true;
            if (op->sa != sa)
                continue;
        }
        found = op;
        break;
    }
    return found;
}

/* ---- data movement ---- */

void tgt_iter_init(struct tgt_iter *it, const struct tgt_cmd *c, size_t off)
{
    it->iov = c->io->iov;
    it->cnt = c->io->iov ? c->io->iovcnt : 0;
    it->idx = 0;
    it->skip = 0;
    while (it->idx < it->cnt && off >= it->iov[it->idx].len) {
        off -= it->iov[it->idx].len;
        it->idx++;
    }
    it->skip = off;
}

size_t tgt_iter_next(struct tgt_iter *it, size_t max, uint8_t **p)
{
    while (it->idx < it->cnt && it->skip >= it->iov[it->idx].len) {
        it->idx++;
        it->skip = 0;
    }
    if (it->idx >= it->cnt || max == 0)
        return 0;
    size_t n = it->iov[it->idx].len - it->skip;
    if (n > max)
        n = max;
    *p = (uint8_t *)it->iov[it->idx].base + it->skip;
    it->skip += n;
    return n;
}

size_t tgt_put(struct tgt_cmd *c, size_t limit, const void *p, size_t n)
{
    size_t end = limit < c->in_cap ? limit : c->in_cap;
    const uint8_t *src = p;
    struct tgt_iter it;
    size_t done = 0, k;
    uint8_t *dst;

    if (c->moved >= end)
        return 0;
    if (n > end - c->moved)
        n = end - c->moved;
    tgt_iter_init(&it, c, c->moved);
    while (done < n && (k = tgt_iter_next(&it, n - done, &dst)) > 0) {
        memcpy(dst, src + done, k);
        done += k;
    }
    c->moved += done;
    return done;
}

size_t tgt_get(struct tgt_cmd *c, size_t off, void *p, size_t n)
{
    uint8_t *dst = p, *src;
    struct tgt_iter it;
    size_t done = 0, k;

    if (off >= c->out_avail)
        return 0;
    if (n > c->out_avail - off)
        n = c->out_avail - off;
    tgt_iter_init(&it, c, off);
    while (done < n && (k = tgt_iter_next(&it, n - done, &src)) > 0) {
        memcpy(dst + done, src, k);
        done += k;
    }
    return done;
}

/* ---- dispatch ---- */

static int top_bit(uint8_t v)
{
    int b = 7;

    while (b > 0 && !(v & (1u << b)))
        b--;
    return b;
}

bool tgt_ua_take(struct vscsi_tgt_lun *lun, uint8_t *asc, uint8_t *ascq)
{
    static const struct {
        unsigned bit;
        uint8_t asc, ascq;
    } order[] = {
        {TGT_UA_RESET, 0x29, 0x00},
        {TGT_UA_MEDIUM, 0x28, 0x00},
        {TGT_UA_IMPEXP, 0x28, 0x01},
    };

    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (!(lun->ua & order[i].bit))
            continue;
        lun->ua &= ~order[i].bit;
        *asc = order[i].asc;
        *ascq = order[i].ascq;
        return true;
    }
    return false;
}

static bool report_ua(struct tgt_cmd *c)
{
    uint8_t asc, ascq;

    if (!tgt_ua_take(c->lun, &asc, &ascq))
        return false;
    tgt_sense(c, VSCSI_SK_UNIT_ATTENTION, asc, ascq);
    return true;
}

/* Why check_cdb() found no op: a reserved bit set (byte, bits), an unknown
 * service action of a known opcode (bad_sa), or neither (invalid opcode). */
struct cdb_fault {
    unsigned byte;
    uint8_t bits;
    bool bad_sa;
};

/* The op a CDB names, once its length and reserved bits pass; NULL otherwise. */
static const struct tgt_op *check_cdb(const struct vscsi_tgt_lun *lun, const uint8_t *cdb,
                                      uint8_t len, struct cdb_fault *f)
{
    const struct tgt_op *op;
    bool has_sa;

    *f = (struct cdb_fault){0, 0, false};
    if (!cdb || len == 0)
        return NULL;
    op = tgt_find_op(lun, cdb[0], len > 1 ? cdb[1] & 0x1f : 0, &has_sa);
    if (!op) {
        f->bad_sa = has_sa && len > 1;
        return NULL;
    }
    /* The group code fixes the CDB length; a shorter CDB cannot be parsed at all. */
    if (len < op->len)
        return NULL;
    for (unsigned i = 1; i < op->len; i++) {
        uint8_t bad = (uint8_t)(cdb[i] & ~op->mask[i]);

        if (bad) {
            f->byte = i;
            f->bits = bad;
            return NULL;
        }
    }
    return op;
}

static void dispatch(struct tgt_cmd *c)
{
    struct cdb_fault fault;
    const struct tgt_op *op = check_cdb(c->lun, c->cdb, c->io->cdb_len, &fault);
    uint8_t key, asc, ascq;

    if (!op) {
        if (fault.bits)
            tgt_bad_cdb(c, fault.byte, top_bit(fault.bits));
        else if (fault.bad_sa)
            tgt_bad_cdb(c, 1, 4);
        else
            tgt_sense(c, VSCSI_SK_ILLEGAL_REQUEST, 0x20, 0x00); /* invalid opcode */
        return;
    }
    if (tgt_resv_conflict(c->lun, op, c->initiator)) {
        c->res->status = VSCSI_SAM_RESERVATION_CONFLICT; /* before the UA: it stays pending */
        return;
    }
    if (!(op->flags & TGT_F_NO_UA) && report_ua(c))
        return;
    if ((op->flags & TGT_F_READY) && c->lun->k->not_ready(c->lun, &key, &asc, &ascq)) {
        tgt_sense(c, key, asc, ascq);
        return;
    }
    op->fn(c);
}

static void exec(struct vscsi_tgt_lun *lun, const struct vscsi_tgt_io *io,
                 struct vscsi_tgt_result *res, bool direct, uint32_t initiator)
{
    struct tgt_cmd c = {
        .lun = lun, .cdb = io->cdb, .io = io, .res = res, .direct = direct, .initiator = initiator};
    size_t cap = 0;

    memset(res, 0, sizeof(*res));
    for (unsigned i = 0; io->iov && i < io->iovcnt; i++)
        cap += io->iov[i].len;
    if (cap > io->xfer_len)
        cap = io->xfer_len;
    if (io->dir == VSCSI_DIR_FROM_DEVICE)
        c.in_cap = cap;
    else if (io->dir == VSCSI_DIR_TO_DEVICE)
        c.out_avail = cap;

    if (lun->lock)
        pthread_mutex_lock(lun->lock);
    lun->seq++;
    lun->stats.commands++;
    if (!tgt_fault_pre(&c))
        dispatch(&c);
    if (res->status == VSCSI_SAM_CHECK_CONDITION && tgt_dsense(lun))
        res->sense_len = (uint8_t)tgt_sense_to_desc(res->sense, res->sense_len, sizeof(res->sense));
    if (!res->hang && res->status != VSCSI_SAM_GOOD && res->status != VSCSI_SAM_CONDITION_MET)
        lun->stats.errors++;
    if (io->dir == VSCSI_DIR_FROM_DEVICE)
        lun->stats.bytes_in += c.moved;
    else
        lun->stats.bytes_out += c.moved;
    if (lun->lock)
        pthread_mutex_unlock(lun->lock);

    size_t resid = io->xfer_len > c.moved ? io->xfer_len - c.moved : 0;
    res->residual = resid > UINT32_MAX ? UINT32_MAX : (uint32_t)resid;
}

/* The checks dispatch() and tgt_fault_pre() would make, without running
 * anything: whatever could preempt or divert the command declines. */
static bool direct_ok(struct vscsi_tgt_lun *lun, const struct vscsi_tgt_io *io, void **base)
{
    struct cdb_fault fault;
    const struct tgt_op *op;
    uint8_t key, asc, ascq;

    if (!lun->k->direct || lun->ua || lun->reserved)
        return false;
    for (unsigned i = 0; i < TGT_MAX_FAULTS; i++)
        if (lun->faults[i].used)
            return false;
    op = check_cdb(lun, io->cdb, io->cdb_len, &fault);
    if (!op)
        return false;
    if ((op->flags & TGT_F_READY) && lun->k->not_ready(lun, &key, &asc, &ascq))
        return false;
    return lun->k->direct(lun, op, io, base);
}

int vscsi_tgt_direct(struct vscsi_tgt_lun *lun, const struct vscsi_tgt_io *io, void **base)
{
    bool ok;

    if (!lun || !io || !base || !lun->k->direct)
        return 0;
    if (lun->lock)
        pthread_mutex_lock(lun->lock);
    ok = direct_ok(lun, io, base);
    if (lun->lock)
        pthread_mutex_unlock(lun->lock);
    return ok;
}

void vscsi_tgt_exec(struct vscsi_tgt_lun *lun, const struct vscsi_tgt_io *io,
                    struct vscsi_tgt_result *res)
{
    exec(lun, io, res, false, 0);
}

void vscsi_tgt_exec_nexus(struct vscsi_tgt_lun *lun, const struct vscsi_tgt_io *io,
                          uint32_t initiator, struct vscsi_tgt_result *res)
{
    exec(lun, io, res, false, initiator);
}

void vscsi_tgt_exec_direct(struct vscsi_tgt_lun *lun, const struct vscsi_tgt_io *io,
                           struct vscsi_tgt_result *res)
{
    exec(lun, io, res, true, 0);
}

void vscsi_tgt_reset(struct vscsi_tgt_lun *lun)
{
    if (lun->lock)
        pthread_mutex_lock(lun->lock);
    lun->ua |= TGT_UA_RESET;
    lun->reserved = false; /* a LUN reset releases SPC-2 reservations */
    if (lun->lock)
        pthread_mutex_unlock(lun->lock);
}

void vscsi_tgt_set_xfer_max(struct vscsi_tgt_lun *lun, uint64_t bytes)
{
    if (lun->lock)
        pthread_mutex_lock(lun->lock);
    lun->xfer_max = bytes;
    if (lun->lock)
        pthread_mutex_unlock(lun->lock);
}

enum vscsi_tgt_kind vscsi_tgt_kind(const struct vscsi_tgt_lun *lun)
{
    return lun->kind;
}

void vscsi_tgt_stats(const struct vscsi_tgt_lun *lun, struct vscsi_tgt_stats *out)
{
    if (lun->lock)
        pthread_mutex_lock(lun->lock);
    *out = lun->stats;
    if (lun->lock)
        pthread_mutex_unlock(lun->lock);
}

void vscsi_tgt_free(struct vscsi_tgt_lun *lun)
{
    if (!lun)
        return;
    lun->k->destroy(lun);
    free(lun);
}
