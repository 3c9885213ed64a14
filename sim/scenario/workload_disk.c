/* SPDX-License-Identifier: MIT */
/* Disk workload: queued, verified random I/O. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/io.h"
#include "scenario/workload.h"
#include "vscsiif/scsi.h"
#include "vscsiif/wire.h"

#define QD_MAX 16

struct slot {
    struct vscsi_sim_io io; /* must stay first: the completion gets its address */
    int busy;
    int is_write;
    uint8_t cdb[10];
    uint32_t lba, blocks;
    uint8_t *buf;
};

struct disk_run {
    struct vscsi_sim_world *w;
    const struct vscsi_sim_workload_opts *o;
    struct vscsi_nexus nx;
    struct vscsi_sim_report *r;
    uint32_t nblocks, bsize;
    uint32_t max_blocks; /* what one request can carry, given what was negotiated */
    uint32_t *version;   /* per block: 0 = never written, UINT32_MAX = unknown (failed write) */
    uint8_t *busy;       /* per block: in flight */
    struct slot slots[QD_MAX];
    uint64_t rng;
};

static uint64_t rnd(struct disk_run *d)
{
    d->rng ^= d->rng >> 12;
    d->rng ^= d->rng << 25;
    d->rng ^= d->rng >> 27;
    return d->rng * 0x2545F4914F6CDD1DULL;
}

/* The content of block `lba` after write number `ver`: every byte depends on both. */
static void pattern(uint8_t *dst, uint32_t bsize, uint32_t lba, uint32_t ver)
{
    uint32_t x = lba * 2654435761u ^ ver * 40503u ^ 0x5bd1e995u;
    for (uint32_t i = 0; i < bsize; i++) {
        x = x * 1103515245u + 12345u;
        dst[i] = (uint8_t)(x >> 16);
    }
}

static void fail(struct vscsi_sim_report *r, const char *msg)
{
    if (!r->failed)
        snprintf(r->failure, sizeof(r->failure), "%s", msg);
    r->failed = 1;
}

static int read_capacity(struct disk_run *d)
{
    uint8_t cdb[10] = {VSCSI_OP_READ_CAPACITY_10}, data[8];
    struct vscsi_result res;
    size_t got;

    for (int tries = 0; tries < 3; tries++) { /* a unit attention may come first */
        int rc = vscsi_sim_cmd(d->w, d->o->vhost, &d->nx, cdb, 10, VSCSI_DIR_FROM_DEVICE, data,
                               sizeof(data), &res, &got);
        if (rc)
            return rc;
        d->r->commands++;
        if (vscsi_sim_good(&res) && got == 8) {
            d->nblocks = vscsi_get_be32(data) + 1;
            d->bsize = vscsi_get_be32(data + 4);
            return d->bsize >= 512 && d->bsize <= 4096 && d->nblocks ? 0 : -EPROTO;
        }
        d->r->errors++;
    }
    return -EIO;
}

static void complete(struct disk_run *d, struct slot *s)
{
    struct vscsi_sim_report *r = d->r;
    const struct vscsi_result *res = &s->io.res;
    int good = vscsi_sim_good(res) && res->residual == 0;

    r->commands++;
    if (!good)
        r->errors++;
    for (uint32_t b = 0; b < s->blocks; b++)
        d->busy[s->lba + b] = 0;
    if (s->is_write) {
        r->writes++;
        if (good)
            r->bytes_written += (uint64_t)s->blocks * d->bsize;
        else
            for (uint32_t b = 0; b < s->blocks; b++)
                d->version[s->lba + b] = UINT32_MAX; /* may or may not have landed */
        return;
    }
    r->reads++;
    if (!good)
        return;
    r->bytes_read += (uint64_t)s->blocks * d->bsize;
    uint8_t *expect = malloc(d->bsize);
    for (uint32_t b = 0; b < s->blocks; b++) {
        uint32_t v = d->version[s->lba + b];
        if (v == UINT32_MAX)
            continue;
        if (v == 0)
            memset(expect, 0, d->bsize);
        else
            pattern(expect, d->bsize, s->lba + b, v);
        if (memcmp(expect, s->buf + (size_t)b * d->bsize, d->bsize) != 0) {
            r->verify_failures++;
            char msg[96];
            snprintf(msg, sizeof(msg), "data mismatch at LBA %u", s->lba + b);
            fail(r, msg);
        }
    }
    free(expect);
}

/* Picks a free range; 0 if none was found quickly (queue is busy). */
static int pick_range(struct disk_run *d, uint32_t *lba, uint32_t *blocks)
{
    uint32_t maxb = d->max_blocks;
    for (int tries = 0; tries < 8; tries++) {
        /* Mostly small transfers, some large enough to need indirect pages. */
        uint32_t n = (rnd(d) % 4 == 0) ? 1 + (uint32_t)(rnd(d) % maxb) : 1 + (uint32_t)(rnd(d) % 8);
        if (n > maxb)
            n = maxb;
        uint32_t l = (uint32_t)(rnd(d) % (d->nblocks - n + 1));
        int clash = 0;
        for (uint32_t b = 0; b < n && !clash; b++)
            clash = d->busy[l + b];
        if (!clash) {
            *lba = l;
            *blocks = n;
            return 1;
        }
    }
    return 0;
}

static int issue(struct disk_run *d, struct slot *s)
{
    uint32_t lba, blocks;
    uint64_t kind = rnd(d) % 20;
    struct vscsi_front_io fio = {d->nx, s->cdb, 10, 0, NULL, 0, 0};

    if (kind == 0) { /* INQUIRY */
        static const uint8_t inq[6] = {0x12, 0, 0, 0, 96, 0};
        memcpy(s->cdb, inq, 6);
        fio.cdb_len = 6;
        fio.dir = VSCSI_DIR_FROM_DEVICE;
        fio.buf = s->buf;
        fio.len = 96;
        s->blocks = 0;
        s->is_write = -1;
    } else if (kind == 1) { /* TEST UNIT READY */
        memset(s->cdb, 0, 6);
        fio.cdb_len = 6;
        fio.dir = VSCSI_DIR_NONE;
        s->blocks = 0;
        s->is_write = -1;
    } else {
        if (!pick_range(d, &lba, &blocks))
            return -EBUSY;
        s->is_write = kind < 11;
        s->lba = lba;
        s->blocks = blocks;
        vscsi_cdb_rw10(s->cdb, s->is_write ? VSCSI_OP_WRITE_10 : VSCSI_OP_READ_10, lba,
                       (uint16_t)blocks);
        fio.dir = s->is_write ? VSCSI_DIR_TO_DEVICE : VSCSI_DIR_FROM_DEVICE;
        fio.buf = s->buf;
        fio.len = (size_t)blocks * d->bsize;
        for (uint32_t b = 0; b < blocks; b++) {
            d->busy[lba + b] = 1;
            if (s->is_write) {
                uint32_t v = d->version[lba + b];
                v = (v == UINT32_MAX || v + 1 == UINT32_MAX) ? 1 : v + 1;
                d->version[lba + b] = v;
                pattern(s->buf + (size_t)b * d->bsize, d->bsize, lba + b, v);
            }
        }
    }
    memset(&s->io, 0, sizeof(s->io));
    int rc = vscsi_front_submit(vscsi_sim_world_front(d->w, d->o->vhost), &fio, &s->io);
    if (rc < 0) {
        /* Not sent: nothing changed on the disk. */
        for (uint32_t b = 0; b < s->blocks; b++) {
            d->busy[s->lba + b] = 0;
            if (s->is_write == 1)
                d->version[s->lba + b] =
                    d->version[s->lba + b] == 1 ? 0 : d->version[s->lba + b] - 1;
        }
        return rc;
    }
    s->busy = 1;
    return 0;
}

static void progress(struct disk_run *d, uint64_t start, uint64_t *last)
{
    uint64_t now = vscsi_sim_wall_us();
    if (!d->o->progress || now - *last < 500000)
        return;
    *last = now;
    double s = (double)(now - start) / 1e6;
    fprintf(stderr, "\r[%6.1fs] %10llu commands %8.1f k/s  errors %llu  ", s,
            (unsigned long long)d->r->commands, s > 0 ? (double)d->r->commands / s / 1e3 : 0.0,
            (unsigned long long)d->r->errors);
}

int vscsi_sim_run_disk(struct vscsi_sim_world *w, const struct vscsi_sim_workload_opts *o,
                       const struct vscsi_nexus *disk, struct vscsi_sim_report *r)
{
    struct disk_run d = {.w = w, .o = o, .nx = *disk, .r = r, .rng = 0x1234567u + disk->id};
    unsigned qd = o->queue_depth ? o->queue_depth : 8;
    int rc = read_capacity(&d);

    if (rc) {
        fail(r, "READ CAPACITY failed");
        return rc;
    }
    if (qd > QD_MAX)
        qd = QD_MAX;
    d.version = calloc(d.nblocks, sizeof(*d.version));
    d.busy = calloc(d.nblocks, 1);
    uint32_t maxb = o->max_blocks ? o->max_blocks : 256;
    uint64_t fit = (uint64_t)vscsi_front_max_segs(vscsi_sim_world_front(w, o->vhost)) *
                   VSCSI_PAGE_SIZE / d.bsize;
    if (maxb > fit)
        maxb = (uint32_t)fit;
    if (maxb > d.nblocks)
        maxb = d.nblocks;
    d.max_blocks = maxb;
    for (unsigned i = 0; i < qd; i++)
        d.slots[i].buf = malloc((size_t)maxb * d.bsize + 512);
    uint64_t start = vscsi_sim_wall_us(), last = start, issued = 0;
    int stop = 0;

    for (;;) {
        unsigned inflight = 0;
        for (unsigned i = 0; i < qd; i++) {
            struct slot *s = &d.slots[i];
            if (s->busy && s->io.done) {
                s->busy = 0;
                if (s->is_write >= 0)
                    complete(&d, s);
                else {
                    r->commands++;
                    r->other++;
                    if (!vscsi_sim_good(&s->io.res))
                        r->errors++;
                }
            }
            if (!s->busy && !stop) {
                if (issue(&d, s) == 0)
                    issued++;
            }
            inflight += s->busy;
        }
        uint64_t now = vscsi_sim_wall_us();
        if ((o->ops && issued >= o->ops) ||
            (o->seconds > 0 && (double)(now - start) / 1e6 >= o->seconds))
            stop = 1;
        if (stop && inflight == 0)
            break;
        if (!vscsi_sim_world_step(w) && inflight)
            vscsi_sim_world_advance(w, 1000);
        progress(&d, start, &last);
    }
    r->elapsed_us += vscsi_sim_wall_us() - start;
    if (o->progress)
        fputc('\n', stderr);
    for (unsigned i = 0; i < qd; i++)
        free(d.slots[i].buf);
    free(d.version);
    free(d.busy);
    return r->failed ? -EIO : 0;
}

int vscsi_sim_run_null(struct vscsi_sim_world *w, const struct vscsi_sim_workload_opts *o,
                       const struct vscsi_nexus *lun, struct vscsi_sim_report *r)
{
    static const uint8_t tur[6] = {0};
    struct vscsi_sim_io io[QD_MAX];
    unsigned qd = o->queue_depth ? o->queue_depth : 16;
    uint64_t start = vscsi_sim_wall_us(), issued = 0;
    struct vscsi_front *f = vscsi_sim_world_front(w, o->vhost);
    struct vscsi_front_io fio = {*lun, tur, 6, VSCSI_DIR_NONE, NULL, 0, 0};
    int busy[QD_MAX] = {0}, stop = 0;

    if (qd > QD_MAX)
        qd = QD_MAX;
    for (;;) {
        unsigned inflight = 0;
        for (unsigned i = 0; i < qd; i++) {
            if (busy[i] && io[i].done) {
                busy[i] = 0;
                r->commands++;
                r->other++;
                if (!vscsi_sim_good(&io[i].res))
                    r->errors++;
            }
            if (!busy[i] && !stop) {
                memset(&io[i], 0, sizeof(io[i]));
                if (vscsi_front_submit(f, &fio, &io[i]) >= 0) {
                    busy[i] = 1;
                    issued++;
                }
            }
            inflight += (unsigned)busy[i];
        }
        if ((o->ops && issued >= o->ops) ||
            (o->seconds > 0 && (double)(vscsi_sim_wall_us() - start) / 1e6 >= o->seconds))
            stop = 1;
        if (stop && !inflight)
            break;
        vscsi_sim_world_step(w);
    }
    r->elapsed_us += vscsi_sim_wall_us() - start;
    return 0;
}
