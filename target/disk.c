/* SPDX-License-Identifier: MIT */
/* SBC direct-access disk, backed by memory or by a file (pread/pwrite). */
#define _POSIX_C_SOURCE   200809L
#define _DEFAULT_SOURCE   /* MAP_ANONYMOUS, MAP_NORESERVE */
#define _FILE_OFFSET_BITS 64
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "target/tgt_int.h"
#include "vscsiif/wire.h"

/* Limits advertised in the Block Limits VPD page and enforced by the commands. */
#define DISK_MAX_XFER 0xffffu  /* blocks per READ/WRITE */
#define DISK_MAX_WS   0x10000u /* blocks per WRITE SAME */
#define DISK_MAX_CAW  16u      /* blocks per COMPARE AND WRITE */

static const uint8_t zero_chunk[TGT_DISK_CHUNK];

/* ---- backing store ---- */

int tgt_disk_read(const struct tgt_disk *d, void *p, size_t n, uint64_t off)
{
    uint8_t *b = p;

    if (d->fd < 0) {
        memcpy(b, d->mem + off, n);
        return 0;
    }
    while (n) {
        ssize_t r = pread(d->fd, b, n, (off_t)off);

        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0) { /* a file truncated behind our back reads as zeros */
            memset(b, 0, n);
            return 0;
        }
        b += r;
        off += (uint64_t)r;
        n -= (size_t)r;
    }
    return 0;
}

int tgt_disk_compare(struct tgt_cmd *c, uint64_t off, size_t data_off, size_t k, uint32_t info)
{
    const struct tgt_disk *d = &c->lun->u.d;
    uint8_t med[TGT_DISK_CHUNK], out[TGT_DISK_CHUNK];

    if (tgt_disk_read(d, med, k, off)) {
        tgt_disk_medium_error(c, 0x11, off / d->bs);
        return -1;
    }
    tgt_get(c, data_off, out, k);
    if (!memcmp(med, out, k))
        return 0;
    size_t i = 0;

    while (med[i] == out[i])
        i++;
    /* MISCOMPARE DURING VERIFY OPERATION; INFORMATION = offset into the verify data. */
    tgt_sense_info(c, 0, VSCSI_SK_MISCOMPARE, 0x1d, 0x00, info + (uint32_t)i);
    return -1;
}

int tgt_disk_write(struct tgt_disk *d, const void *p, size_t n, uint64_t off)
{
    const uint8_t *b = p;

    if (d->fd < 0) {
        memcpy(d->mem + off, b, n);
        return 0;
    }
    while (n) {
        ssize_t r = pwrite(d->fd, b, n, (off_t)off);

        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        b += r;
        off += (uint64_t)r;
        n -= (size_t)r;
    }
    return 0;
}

int tgt_disk_zero(struct tgt_disk *d, uint64_t off, uint64_t n)
{
    if (d->fd < 0) {
        memset(d->mem + off, 0, n);
        return 0;
    }
    while (n) {
        size_t k = n > TGT_DISK_CHUNK ? TGT_DISK_CHUNK : (size_t)n;

        if (tgt_disk_write(d, zero_chunk, k, off))
            return -1;
        off += k;
        n -= k;
    }
    return 0;
}

/* ---- helpers ---- */

void tgt_disk_decode_lba(const uint8_t *cdb, uint64_t *lba, uint32_t *n, unsigned *len_byte)
{
    switch (cdb[0] >> 5) {
    case 0: /* 6-byte: 21-bit LBA, 0 blocks means 256 */
        *lba = tgt_be24(cdb + 1) & 0x1fffff;
        *n = cdb[4] ? cdb[4] : 256;
        *len_byte = 4;
        break;
    case 1:
    case 2:
        *lba = tgt_be32(cdb + 2);
        *n = tgt_be16(cdb + 7);
        *len_byte = 7;
        break;
    case 5:
        *lba = tgt_be32(cdb + 2);
        *n = tgt_be32(cdb + 6);
        *len_byte = 6;
        break;
    default:
        *lba = tgt_be64(cdb + 2);
        *n = tgt_be32(cdb + 10);
        *len_byte = 10;
        break;
    }
}

bool tgt_disk_in_range(struct tgt_cmd *c, uint64_t lba, uint64_t n)
{
    const struct tgt_disk *d = &c->lun->u.d;

    if (lba > d->blocks || n > d->blocks - lba) {
        tgt_sense(c, VSCSI_SK_ILLEGAL_REQUEST, 0x21, 0x00);
        return false;
    }
    return true;
}

void tgt_disk_medium_error(struct tgt_cmd *c, uint8_t asc, uint64_t lba)
{
    if (lba <= UINT32_MAX)
        tgt_sense_info(c, 0, VSCSI_SK_MEDIUM_ERROR, asc, 0x00, (uint32_t)lba);
    else
        tgt_sense(c, VSCSI_SK_MEDIUM_ERROR, asc, 0x00);
}

uint32_t tgt_disk_max_xfer(const struct vscsi_tgt_lun *lun)
{
    uint64_t n = lun->xfer_max / lun->u.d.bs;

    return lun->xfer_max && n < DISK_MAX_XFER ? (uint32_t)n : DISK_MAX_XFER;
}

/* Compare and write carries twice the blocks it names (verify data, then write data). */
uint8_t tgt_disk_max_caw(const struct vscsi_tgt_lun *lun)
{
    uint64_t n = lun->xfer_max / (2u * lun->u.d.bs);

    return lun->xfer_max && n < DISK_MAX_CAW ? (uint8_t)n : DISK_MAX_CAW;
}

/* ---- READ / WRITE ---- */

/* The initiator's buffer is the store itself at `off` (vscsi_tgt_direct()):
 * the bytes are where they belong, moving them would be a copy onto itself. */
static bool in_place(struct tgt_cmd *c, uint64_t off)
{
    const struct vscsi_tgt_io *io = c->io;
    const struct tgt_disk *d = &c->lun->u.d;

    if (!c->direct || d->fd >= 0 || io->iovcnt != 1 || !io->iov || io->iov[0].base != d->mem + off)
        return false;
    c->lun->stats.direct++;
    return true;
}

static void disk_read(struct tgt_cmd *c, uint64_t lba, uint32_t n)
{
    struct tgt_disk *d = &c->lun->u.d;
    uint64_t bad, good = n, off = lba * d->bs;
    bool fault = tgt_fault_medium(c->lun, lba, n, &bad);
    struct tgt_iter it;
    size_t want, k;
    uint8_t *p;

    if (fault)
        good = bad - lba;
    want = (size_t)(good * d->bs);
    if (want > c->in_cap)
        want = c->in_cap;
    if (in_place(c, off)) {
        c->moved = want;
        want = 0; /* the loop below has nothing left to do */
    }
    tgt_iter_init(&it, c, 0);
    while (c->moved < want && (k = tgt_iter_next(&it, want - c->moved, &p)) > 0) {
        if (tgt_disk_read(d, p, k, off)) {
            tgt_disk_medium_error(c, 0x11, lba + (off - lba * d->bs) / d->bs);
            return;
        }
        off += k;
        c->moved += k;
    }
    if (fault)
        tgt_disk_medium_error(c, 0x11, bad);
}

static void disk_write(struct tgt_cmd *c, uint64_t lba, uint32_t n)
{
    struct tgt_disk *d = &c->lun->u.d;
    uint64_t bad, good = n, off = lba * d->bs;
    size_t want = (size_t)n * d->bs, k;
    bool fault;
    struct tgt_iter it;
    uint8_t *p;

    if (c->out_avail < want) {
        tgt_short_data_out(c);
        return;
    }
    fault = tgt_fault_medium(c->lun, lba, n, &bad);
    if (fault)
        good = bad - lba;
    if (d->map)
        tgt_thin_map_set(d, lba, good, true);
    want = (size_t)(good * d->bs);
    if (in_place(c, off)) { /* all of it is in the store already (target.h: indeterminate) */
        c->moved = want;
        want = 0;
    }
    tgt_iter_init(&it, c, 0);
    while (c->moved < want && (k = tgt_iter_next(&it, want - c->moved, &p)) > 0) {
        if (tgt_disk_write(d, p, k, off)) {
            tgt_disk_medium_error(c, 0x0c, lba + (off - lba * d->bs) / d->bs);
            return;
        }
        off += k;
        c->moved += k;
    }
    if (fault)
        tgt_disk_medium_error(c, 0x0c, bad);
}

static void disk_rw(struct tgt_cmd *c)
{
    uint64_t lba;
    uint32_t n;
    unsigned lb;

    tgt_disk_decode_lba(c->cdb, &lba, &n, &lb);
    /* More than Block Limits promises (the transport cannot carry it): refused whole. */
    if (n > tgt_disk_max_xfer(c->lun)) {
        tgt_bad_cdb(c, lb, -1);
        return;
    }
    if (!tgt_disk_in_range(c, lba, n) || n == 0)
        return;
    if (c->cdb[0] & 0x02) /* the second of each pair 08/0A, 28/2A, 88/8A, A8/AA writes */
        disk_write(c, lba, n);
    else
        disk_read(c, lba, n);
}

/* Only plain READ and WRITE of a memory store, exactly the blocks the CDB
 * names, in the direction the CDB says. */
static bool disk_direct(struct vscsi_tgt_lun *lun, const struct tgt_op *op,
                        const struct vscsi_tgt_io *io, void **base)
{
    const struct tgt_disk *d = &lun->u.d;
    uint64_t lba;
    uint32_t n;
    unsigned lb;

    if (op->fn != disk_rw || d->fd >= 0 || !d->mem)
        return false;
    tgt_disk_decode_lba(io->cdb, &lba, &n, &lb);
    if (n == 0 || n > tgt_disk_max_xfer(lun) || lba > d->blocks || n > d->blocks - lba)
        return false;
    if (io->dir != ((io->cdb[0] & 0x02) ? VSCSI_DIR_TO_DEVICE : VSCSI_DIR_FROM_DEVICE))
        return false;
    if (io->xfer_len != (uint64_t)n * d->bs)
        return false;
    *base = d->mem + lba * d->bs;
    return true;
}

/* ---- VERIFY ---- */

static void disk_verify(struct tgt_cmd *c)
{
    struct tgt_disk *d = &c->lun->u.d;
    unsigned bytchk = (c->cdb[1] >> 1) & 3, lb;
    uint64_t lba, bad;
    uint32_t n;

    tgt_disk_decode_lba(c->cdb, &lba, &n, &lb);
    if (bytchk == 2) {
        tgt_bad_cdb(c, 1, 2);
        return;
    }
    if (!tgt_disk_in_range(c, lba, n) || n == 0)
        return;
    size_t need = bytchk == 1 ? (size_t)n * d->bs : bytchk == 3 ? d->bs : 0;
    if (c->out_avail < need) {
        tgt_short_data_out(c);
        return;
    }
    if (tgt_fault_medium(c->lun, lba, n, &bad)) {
        tgt_disk_medium_error(c, 0x11, bad);
        return;
    }
    if (!bytchk)
        return;
    c->moved = need;
    /* Compare in chunks; with BYTCHK 3 the one data-out block is compared with every block. */
    uint64_t total = (uint64_t)n * d->bs;
    for (uint64_t pos = 0; pos < total;) {
        size_t k = total - pos > TGT_DISK_CHUNK ? TGT_DISK_CHUNK : (size_t)(total - pos);
        size_t oo = bytchk == 1 ? (size_t)pos : (size_t)(pos % d->bs);

        if (bytchk == 3 && k > d->bs - oo)
            k = d->bs - oo;
        if (tgt_disk_compare(c, lba * d->bs + pos, oo, k, (uint32_t)pos))
            return;
        pos += k;
    }
}

/* ---- SYNCHRONIZE CACHE, WRITE SAME, UNMAP ---- */

static void disk_sync(struct tgt_cmd *c)
{
    struct tgt_disk *d = &c->lun->u.d;
    uint64_t lba;
    uint32_t n;
    unsigned lb;

    tgt_disk_decode_lba(c->cdb, &lba, &n, &lb);
    if (!tgt_disk_in_range(c, lba, n))
        return;
    if (d->fd >= 0 && fsync(d->fd))
        tgt_sense(c, VSCSI_SK_MEDIUM_ERROR, 0x0c, 0x00);
}

static void disk_write_same(struct tgt_cmd *c)
{
    struct tgt_disk *d = &c->lun->u.d;
    bool ten = c->cdb[0] == 0x41;
    bool unmap = c->cdb[1] & 0x08, ndob = !ten && (c->cdb[1] & 0x01);
    uint8_t blk[TGT_DISK_CHUNK];
    uint64_t lba, bad;
    uint32_t n;
    unsigned lb;

    tgt_disk_decode_lba(c->cdb, &lba, &n, &lb);
    if (unmap && !d->thin) {
        tgt_bad_cdb(c, 1, 3);
        return;
    }
    if (n == 0 || n > DISK_MAX_WS) { /* WSNZ: zero does not mean "to the end" */
        tgt_bad_cdb(c, lb, -1);
        return;
    }
    if (!tgt_disk_in_range(c, lba, n))
        return;
    if (ndob) {
        memset(blk, 0, d->bs);
    } else {
        if (c->out_avail < d->bs) {
            tgt_short_data_out(c);
            return;
        }
        tgt_get(c, 0, blk, d->bs);
        c->moved = d->bs;
    }
    uint64_t good = n;
    bool fault = tgt_fault_medium(c->lun, lba, n, &bad);
    if (fault)
        good = bad - lba;
    /* Unmapped blocks read back as zeros (LBPRZ): with UNMAP and an all-zero
     * block the range is deallocated and zeroed; any other data maps it. */
    bool dealloc = unmap && d->map && !memcmp(blk, zero_chunk, d->bs);
    if (d->map)
        tgt_thin_map_set(d, lba, good, !dealloc);
    for (uint64_t i = 0; i < good; i++) {
        if (tgt_disk_write(d, blk, d->bs, (lba + i) * d->bs)) {
            tgt_disk_medium_error(c, 0x0c, lba + i);
            return;
        }
    }
    if (fault)
        tgt_disk_medium_error(c, 0x0c, bad);
}

/* ---- READ CAPACITY, START STOP UNIT ---- */

static void disk_readcap10(struct tgt_cmd *c)
{
    const struct tgt_disk *d = &c->lun->u.d;
    uint8_t b[8];

    /* Past 2^32 blocks the initiator must switch to READ CAPACITY(16). */
    tgt_put32(b, d->blocks - 1 > UINT32_MAX ? UINT32_MAX : (uint32_t)(d->blocks - 1));
    tgt_put32(b + 4, d->bs);
    tgt_put(c, sizeof(b), b, sizeof(b));
}

static void disk_readcap16(struct tgt_cmd *c)
{
    const struct tgt_disk *d = &c->lun->u.d;
    uint8_t b[32] = {0};

    tgt_put64(b, d->blocks - 1);
    tgt_put32(b + 8, d->bs);
    if (d->thin)
        b[14] = 0xc0; /* LBPME, LBPRZ */
    tgt_put(c, tgt_be32(c->cdb + 10), b, sizeof(b));
}

static void disk_start_stop(struct tgt_cmd *c)
{
    unsigned pcond = c->cdb[4] >> 4;

    switch (pcond) {
    case 0x0: /* START_VALID: the START bit decides */
        c->lun->u.d.stopped = !(c->cdb[4] & 0x01);
        break;
    case 0x1:  /* ACTIVE */
    case 0x2:  /* IDLE */
    case 0x3:  /* STANDBY */
    case 0x7:  /* LU_CONTROL */
    case 0xa:  /* FORCE_IDLE_0 */
    case 0xb:  /* FORCE_STANDBY_0 */
        break; /* power states are instantaneous here */
    default:
        tgt_bad_cdb(c, 4, 7);
        break;
    }
}

/* ---- kind hooks ---- */

static size_t disk_vpd_list(const struct vscsi_tgt_lun *lun, uint8_t *p)
{
    p[0] = 0xb0;
    p[1] = 0xb1;
    if (lun->u.d.thin) {
        p[2] = 0xb2;
        return 3;
    }
    return 2;
}

static size_t disk_vpd_page(const struct vscsi_tgt_lun *lun, uint8_t page, uint8_t *b)
{
    const struct tgt_disk *d = &lun->u.d;
    uint16_t gran = (uint16_t)(d->bs < 4096 ? 4096 / d->bs : 1);

    switch (page) {
    case 0xb0: /* Block Limits */
        tgt_put16(b + 2, 0x3c);
        b[4] = 0x01; /* WSNZ */
        tgt_put16(b + 6, gran);
        b[5] = tgt_disk_max_caw(lun);
        tgt_put32(b + 8, tgt_disk_max_xfer(lun));
        if (d->thin) {
            tgt_put32(b + 20, TGT_DISK_MAX_UNMAP_LBA);
            tgt_put32(b + 24, TGT_DISK_MAX_UNMAP_BD);
            tgt_put32(b + 28, gran);
        }
        tgt_put64(b + 36, DISK_MAX_WS);
        return 64;
    case 0xb1: /* Block Device Characteristics */
        tgt_put16(b + 2, 0x3c);
        tgt_put16(b + 4, 0x0001); /* non-rotating medium */
        return 64;
    case 0xb2: /* Logical Block Provisioning */
        if (!d->thin)
            return 0;
        tgt_put16(b + 2, 0x04);
        b[5] = 0xe4; /* LBPU, LBPWS, LBPWS10, LBPRZ=1 */
        b[6] = 0x02; /* thin provisioned */
        return 8;
    default:
        return 0;
    }
}

static bool disk_not_ready(const struct vscsi_tgt_lun *lun, uint8_t *key, uint8_t *asc,
                           uint8_t *ascq)
{
    if (!lun->u.d.stopped)
        return false;
    *key = VSCSI_SK_NOT_READY;
    *asc = 0x04; /* LOGICAL UNIT NOT READY, INITIALIZING COMMAND REQUIRED */
    *ascq = 0x02;
    return true;
}

static uint8_t disk_dsp(const struct vscsi_tgt_lun *lun)
{
    (void)lun;
    return 0x10; /* DPOFUA */
}

static size_t disk_bd(const struct vscsi_tgt_lun *lun, bool longlba, uint8_t *bd)
{
    const struct tgt_disk *d = &lun->u.d;

    if (longlba) {
        tgt_put64(bd, d->blocks);
        tgt_put32(bd + 12, d->bs);
        return 16;
    }
    tgt_put24(bd + 1, d->blocks > 0xffffff ? 0xffffff : (uint32_t)d->blocks);
    tgt_put24(bd + 5, d->bs);
    return 8;
}

static bool disk_select_bd(struct tgt_cmd *c, const uint8_t *bd, size_t len, size_t off, bool apply)
{
    const struct tgt_disk *d = &c->lun->u.d;
    uint64_t nblk;
    uint32_t bs;

    (void)apply; /* nothing in it is changeable: the format is fixed at creation */
    if (len == 8) {
        if (bd[0]) {
            tgt_bad_param(c, (unsigned)off, -1);
            return false;
        }
        nblk = tgt_be24(bd + 1);
        bs = tgt_be24(bd + 5);
        if (nblk && nblk != (d->blocks > 0xffffff ? 0xffffff : d->blocks)) {
            tgt_bad_param(c, (unsigned)off + 1, -1);
            return false;
        }
        if (bs != d->bs) {
            tgt_bad_param(c, (unsigned)off + 5, -1);
            return false;
        }
        return true;
    }
    if (len == 16) {
        nblk = tgt_be64(bd);
        bs = tgt_be32(bd + 12);
        if (nblk && nblk != d->blocks) {
            tgt_bad_param(c, (unsigned)off, -1);
            return false;
        }
        if (bs != d->bs) {
            tgt_bad_param(c, (unsigned)off + 12, -1);
            return false;
        }
        return true;
    }
    tgt_bad_param(c, off == 4 ? 3 : 6, -1);
    return false;
}

static void disk_destroy(struct vscsi_tgt_lun *lun)
{
    if (lun->u.d.fd >= 0)
        close(lun->u.d.fd);
    if (lun->u.d.mem)
        munmap(lun->u.d.mem, (size_t)(lun->u.d.blocks * lun->u.d.bs));
    free(lun->u.d.map);
}

#define IN   TGT_F_IN
#define OUT  TGT_F_OUT
#define RDY  TGT_F_READY
#define C    TGT_C
#define SA   TGT_F_SA
#define THIN TGT_F_THIN
/* clang-format off */
/* Masks of the LBA/length commands by CDB size, given byte 1 (protection bits stay 0). */
#define M10(b1) {0, b1, TGT_FF4, 0x1f, 0xff, 0xff, C}
#define M12(b1) {0, b1, TGT_FF4, TGT_FF4, 0x1f, C}
#define M16(b1) {0, b1, TGT_FF4, TGT_FF4, TGT_FF4, 0x1f, C}
#define M_RC16  {0, 0x1f, TGT_FF4, TGT_FF4, TGT_FF4, 0x01, C} /* PMI */
#define M_UNMAP {0, 0, 0, 0, 0, 0, 0x1f, 0xff, 0xff, C}      /* no ANCHOR */
#define M_CAW   {0, 0x18, TGT_FF4, TGT_FF4, 0, 0, 0, 0xff, 0x1f, C} /* DPO FUA, NUMBER OF LBAS */
#define M_LOGS  {0, 0, 0xff, 0xff, 0, 0xff, 0xff, 0xff, 0xff, C}   /* no SP, no PPC */
#define M_GLS   {0, 0x1f, TGT_FF4, TGT_FF4, TGT_FF4, 0, C}        /* no REPORT TYPE */
static const struct tgt_op disk_ops[] = {
    /* op  sa    flags            len handler          usage mask */
    {0x08, 0,    IN | RDY,          6, disk_rw,         {0, 0x1f, 0xff, 0xff, 0xff, C}},
    {0x0a, 0,    OUT | RDY,         6, disk_rw,         {0, 0x1f, 0xff, 0xff, 0xff, C}},
    {0x1b, 0,    0,                 6, disk_start_stop, {0, 0x01, 0, 0x0f, 0xf7, C}},
    {0x25, 0,    IN,               10, disk_readcap10,  {0, 0, TGT_FF4, 0, 0, 0x01, C}},
    {0x28, 0,    IN | RDY,         10, disk_rw,         M10(0x1c)},
    {0x2a, 0,    OUT | RDY,        10, disk_rw,         M10(0x18)},
    {0x2f, 0,    OUT | RDY,        10, disk_verify,     M10(0x16)},
    {0x34, 0,    RDY,              10, tgt_disk_prefetch, M10(0x02)},
    {0x35, 0,    RDY,              10, disk_sync,       M10(0x06)},
    {0x41, 0,    OUT | RDY,        10, disk_write_same, M10(0x08)},
    {0x42, 0,    OUT | RDY | THIN, 10, tgt_disk_unmap,  M_UNMAP},
    {0x4d, 0,    IN,               10, tgt_disk_log_sense, M_LOGS},
    {0x88, 0,    IN | RDY,         16, disk_rw,         M16(0x1c)},
    {0x89, 0,    OUT | RDY,        16, tgt_disk_caw,    M_CAW},
    {0x8a, 0,    OUT | RDY,        16, disk_rw,         M16(0x18)},
    {0x8f, 0,    OUT | RDY,        16, disk_verify,     M16(0x16)},
    {0x90, 0,    RDY,              16, tgt_disk_prefetch, M16(0x02)},
    {0x91, 0,    RDY,              16, disk_sync,       M16(0x06)},
    {0x93, 0,    OUT | RDY,        16, disk_write_same, M16(0x09)},
    {0x9e, 0x10, IN | SA,          16, disk_readcap16,  M_RC16},
    {0x9e, 0x12, IN | SA | RDY | THIN, 16, tgt_disk_get_lba_status, M_GLS},
    {0xa8, 0,    IN | RDY,         12, disk_rw,         M12(0x1c)},
    {0xaa, 0,    OUT | RDY,        12, disk_rw,         M12(0x18)},
};
/* clang-format on */

const struct tgt_kind_ops tgt_disk_kind = {
    .ops = disk_ops,
    .nops = sizeof(disk_ops) / sizeof(disk_ops[0]),
    .pdt = 0x00,
    .rmb = 0,
    .version_desc = 0x04c0, /* SBC-3 */
    .vpd_list = disk_vpd_list,
    .vpd_page = disk_vpd_page,
    .not_ready = disk_not_ready,
    .mode_dsp = disk_dsp,
    .mode_bd = disk_bd,
    .select_bd = disk_select_bd,
    .destroy = disk_destroy,
    .direct = disk_direct,
};

struct vscsi_tgt_lun *vscsi_tgt_disk_new(const struct vscsi_tgt_disk_opts *o)
{
    static const struct vscsi_tgt_disk_opts defaults = {0};
    struct vscsi_tgt_lun *lun;
    struct tgt_disk *d;
    struct tgt_mpage *p;
    uint64_t bytes;

    if (!o)
        o = &defaults;
    uint64_t blocks = o->blocks ? o->blocks : 2048;
    uint32_t bs = o->block_size ? o->block_size : 512;
    if (bs != 512 && bs != 1024 && bs != 2048 && bs != 4096)
        return NULL;
    if (blocks > (uint64_t)INT64_MAX / bs)
        return NULL;
    bytes = blocks * bs;
    if (!o->path && bytes > SIZE_MAX)
        return NULL;

    lun = tgt_lun_alloc(VSCSI_TGT_DISK, &tgt_disk_kind, o->vendor,
                        o->product ? o->product : "VSCSI DISK", o->serial);
    if (!lun)
        return NULL;
    d = &lun->u.d;
    d->blocks = blocks;
    d->bs = bs;
    d->thin = o->thin != 0;
    d->fd = -1;
    /* A fresh memory store is all zeros: unmapped. A file's old contents count as mapped. */
    if (d->thin && tgt_thin_init(d, o->path != NULL)) {
        free(lun);
        return NULL;
    }
    if (o->path) {
        struct stat st;

        d->fd = open(o->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (d->fd < 0 || fstat(d->fd, &st) ||
            ((uint64_t)st.st_size < bytes && ftruncate(d->fd, (off_t)bytes))) {
            disk_destroy(lun); /* frees the map too */
            free(lun);
            return NULL;
        }
    } else {
        /* Zeroed and page-aligned; untouched pages stay unbacked. Aligned as
         * a real HBA's DMA buffers are: a grant copy between the store and
         * a frontend page then moves whole cache lines on both sides, where
         * calloc's large blocks start 16 bytes into a page. */
        void *m = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

        d->mem = m == MAP_FAILED ? NULL : m;
        if (!d->mem) {
            free(d->map);
            free(lun);
            return NULL;
        }
    }

    p = tgt_mpage_add(lun, 0x08, 20); /* Caching */
    p->cur[2] = 0x04;                 /* WCE: writes land in the page cache first */
    p->chg[2] = 0x04;
    p = tgt_mpage_add(lun, 0x0a, 12); /* Control */
    p->cur[3] = 0x10;                 /* unrestricted reordering */
    p->chg[2] = 0x04;                 /* D_SENSE: descriptor-format sense (sense_desc.c) */
    tgt_mpages_snapshot(lun);
    return lun;
}
