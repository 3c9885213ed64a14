/* SPDX-License-Identifier: MIT */
/*
 * End to end through the simulator: the library's frontend engine in the
 * simulated domU, its backend engine in dom0, the simulated grant table and
 * event channels between them, the fake disk behind. Every command goes
 * through vscsi_front_submit and comes back through the completion callback
 * (scenario/io.h's vscsi_sim_io_done).
 *
 * Four ways to drive the two engines (enum sim_drive), because how the ends
 * wait for each other decides the rate far more than the protocol code:
 * - det: the deterministic world on one thread, as `vscsi-sim` runs;
 * - event: the threaded world as it is: its backend thread and our frontend
 *   sleep on the simulated event channels (mutex + condition variable);
 * - hybrid: two pinned threads that busy-poll their ring for a while and
 *   only then sleep on the event channel (what NAPI and blk-mq hybrid
 *   polling do), a proposal for sim/scenario/world.c measured here;
 * - poll: two pinned threads that never sleep (the ring-only ceiling).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#ifdef VSCSI_BENCH_HAVE_SIM

#include "platform/sim_hv.h"
#include "scenario/io.h"
#include "scenario/world.h"
#include "target/target.h"

#define QD          16u
#define BLOCK       512u
#define SPIN_ROUNDS 2048u /* idle polls before sleeping (hybrid): some tens of µs */

struct sim_ctx {
    struct sim_fig fig;
    struct vscsi_sim_world *w;
    struct vscsi_tgt_lun *lun;
    struct vscsi_front *f;
    struct vscsi_back *b;
    struct vscsi_sim_dom *dom0, *domu;
    struct vscsi_nexus nx;
    uint8_t *bufs;    /* QD buffers of fig.xfer bytes: region i of the disk <-> buffer i */
    int bufs_granted; /* bufs came from vscsi_front_buf_alloc (zero copy) */
    struct vscsi_sim_io io[QD];
    uint8_t cdb[QD][10];
    uint32_t idle;     /* bit i: slot i has nothing in flight */
    uint8_t doneq[QD]; /* slots completed, in completion order */
    unsigned dq_head, dq_tail;
};

int sim_available(void)
{
    return 1;
}

static uint8_t pattern(unsigned region, size_t j)
{
    return (uint8_t)(region * 0x3bu + (j >> 9) * 0x9du + j);
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void rw10(uint8_t cdb[10], int write, uint32_t lba, uint32_t blocks)
{
    memset(cdb, 0, 10);
    cdb[0] = write ? 0x2a : 0x28;
    put_be32(&cdb[2], lba);
    cdb[7] = (uint8_t)(blocks >> 8);
    cdb[8] = (uint8_t)blocks;
}

/* Talks to the disk directly (the backend is idle), to seed and check it. */
static int disk_direct(struct sim_ctx *s, int write, unsigned region, uint8_t *buf)
{
    struct vscsi_tgt_iov iov = {buf, s->fig.xfer};
    struct vscsi_tgt_result res;
    uint8_t cdb[10];
    struct vscsi_tgt_io io = {cdb, 10, write ? 1 : 2, &iov, 1, s->fig.xfer};

    rw10(cdb, write, region * (s->fig.xfer / BLOCK), s->fig.xfer / BLOCK);
    memset(&res, 0, sizeof(res));
    vscsi_tgt_exec(s->lun, &io, &res);
    return res.status == 0 && res.residual == 0 ? 0 : -EIO;
}

static int good(const struct vscsi_sim_io *io)
{
    return io->res.host == 0 && io->res.status == 0 && io->res.residual == 0;
}

void sim_close(struct sim_ctx *s)
{
    if (!s)
        return;
    if (s->bufs_granted)
        vscsi_front_buf_free(s->f, s->bufs);
    else
        free(s->bufs);
    vscsi_sim_world_free(s->w);
    vscsi_tgt_free(s->lun);
    free(s);
}

struct sim_ctx *sim_open(const struct sim_fig *fig)
{
    struct sim_ctx *s = calloc(1, sizeof(*s));
    static const char *const pdevs[] = {"0:0:0:0"}, *const vdevs[] = {"0:0:0:0"};
    uint32_t xfer = fig->xfer ? fig->xfer : BLOCK;
    uint8_t tur[6] = {0};

    if (!s)
        return NULL;
    s->fig = *fig;
    s->fig.xfer = fig->kind == SIM_NULL ? 0 : xfer;
    struct vscsi_tgt_disk_opts d = {.blocks = (uint64_t)QD * xfer / BLOCK + 2048,
                                    .block_size = BLOCK};
    s->lun = vscsi_tgt_disk_new(&d);
    /* Seeded through a private buffer: zero-copy buffers exist only once
     * the frontend is connected. */
    s->bufs = aligned_alloc(4096, (size_t)QD * xfer);
    if (!s->lun || !s->bufs)
        goto fail;
    /* The power-on unit attention goes to this TEST UNIT READY, not to a measured command. */
    {
        struct vscsi_tgt_io io = {tur, 6, 3, NULL, 0, 0};
        struct vscsi_tgt_result res;
        for (int i = 0; i < 3; i++) {
            memset(&res, 0, sizeof(res));
            vscsi_tgt_exec(s->lun, &io, &res);
            if (res.status == 0)
                break;
        }
    }
    if (s->fig.kind != SIM_NULL) {
        for (unsigned r = 0; r < QD; r++) {
            uint8_t *b = s->bufs + (size_t)r * xfer;
            for (size_t j = 0; j < xfer; j++)
                b[j] = pattern(r, j);
            if (disk_direct(s, 1, r, b))
                goto fail;
        }
    }

    struct vscsi_sim_world_opts o = {
        .seed = 1,
        .threaded = fig->drive != SIM_DET,
        .data_mode = fig->map_mode ? VSCSI_BACK_MAP : VSCSI_BACK_COPY,
        .done = vscsi_sim_io_done,
    };
    s->w = vscsi_sim_world_new(&o);
    if (!s->w || vscsi_sim_world_register(s->w, "0:0:0:0", s->lun) ||
        vscsi_sim_world_attach(s->w, 0, pdevs, vdevs, 1))
        goto fail;
    if (o.threaded && vscsi_sim_world_start_thread(s->w))
        goto fail;
    if (vscsi_sim_world_wait_connected(s->w, 0))
        goto fail;
    s->f = vscsi_sim_world_front(s->w, 0);
    s->b = vscsi_sim_world_back(s->w, 0);
    if (fig->zero_copy && s->fig.kind != SIM_NULL) {
        void *zc = NULL;
        if (vscsi_front_buf_alloc(s->f, (size_t)QD * xfer, &zc) < 0)
            goto fail;
        memcpy(zc, s->bufs, (size_t)QD * xfer);
        free(s->bufs);
        s->bufs = zc;
        s->bufs_granted = 1;
    }
    s->nx = (struct vscsi_nexus){0, 0, 0};
    {
        struct vscsi_result res;
        int ok = 0;
        for (int i = 0; i < 5 && !ok; i++)
            ok = vscsi_sim_cmd(s->w, 0, &s->nx, tur, 6, VSCSI_DIR_NONE, NULL, 0, &res, NULL) == 0 &&
                 vscsi_sim_good(&res);
        if (!ok)
            goto fail;
    }
    if (fig->drive == SIM_POLL || fig->drive == SIM_HYBRID) {
        /* From here our own pinned threads drive both engines. */
        vscsi_sim_world_stop_thread(s->w);
        s->dom0 = vscsi_sim_dom_get(vscsi_sim_world_hv(s->w), 0);
        s->domu = vscsi_sim_dom_get(vscsi_sim_world_hv(s->w), vscsi_sim_world_front_domid(s->w));
        if (!s->dom0 || !s->domu)
            goto fail;
    }
    return s;
fail:
    sim_close(s);
    return NULL;
}

/* -------------------------------------------------------------- frontend */

struct front_run {
    struct sim_ctx *s;
    uint64_t total, issued, done, errors, bytes;
};

/* Completion callback (inside vscsi_front_handle_event): queue the slot, so
 * the frontend loop looks only at what completed instead of scanning. */
static void on_done(struct vscsi_sim_io *io)
{
    struct sim_ctx *s = io->user;
    s->doneq[s->dq_tail++ % QD] = (uint8_t)(io - s->io);
}

static void issue(struct front_run *r, unsigned i)
{
    struct sim_ctx *s = r->s;
    struct vscsi_front_io fio = {s->nx, s->cdb[i], 10, VSCSI_DIR_NONE, NULL, 0, 0};

    if (s->fig.kind == SIM_NULL) {
        memset(s->cdb[i], 0, 6); /* TEST UNIT READY */
        fio.cdb_len = 6;
    } else {
        int write = s->fig.kind == SIM_WRITE;
        rw10(s->cdb[i], write, i * (s->fig.xfer / BLOCK), s->fig.xfer / BLOCK);
        fio.dir = write ? VSCSI_DIR_TO_DEVICE : VSCSI_DIR_FROM_DEVICE;
        fio.buf = s->bufs + (size_t)i * s->fig.xfer;
        fio.len = s->fig.xfer;
    }
    /* vscsi_sim_io_done fills res and bytes; a whole-struct memset here would
     * be a rep stos per command charged to the frontend. */
    s->io[i].done = 0;
    s->io[i].on_done = on_done;
    s->io[i].user = s;
    if (vscsi_front_submit(s->f, &fio, &s->io[i]) >= 0) {
        s->idle &= ~(1u << i);
        r->issued++;
    }
}

/* Checks what came back and refills idle slots; returns how many completed. */
static unsigned front_round(struct front_run *r)
{
    struct sim_ctx *s = r->s;
    unsigned n = 0;

    while (s->dq_head != s->dq_tail) {
        unsigned i = s->doneq[s->dq_head++ % QD];
        const uint8_t *b = s->bufs + (size_t)i * s->fig.xfer;
        int ok = good(&s->io[i]);
        if (s->fig.kind == SIM_READ) {
            size_t last = s->fig.xfer - 1;
            ok = ok && s->io[i].bytes == s->fig.xfer && b[0] == pattern(i, 0) &&
                 b[last] == pattern(i, last);
        }
        r->errors += !ok;
        r->bytes += s->fig.xfer;
        s->idle |= 1u << i;
        r->done++;
        n++;
    }
    for (uint32_t m = s->idle; m && r->issued < r->total; m &= m - 1)
        issue(r, (unsigned)__builtin_ctz(m));
    return n;
}

/* ------------------------------------------------------ two pinned threads */

struct back_thread {
    struct sim_ctx *s;
    int hybrid;
    int ready, stop; /* atomics */
    uint64_t sleeps;
};

static void drain_ports(struct vscsi_sim_dom *dom)
{
    uint32_t port;
    while (vscsi_sim_dom_pending_port(dom, &port) == 0)
        ;
}

static void *back_main(void *arg)
{
    struct back_thread *t = arg;
    struct sim_ctx *s = t->s;
    unsigned idle = 0;

    bench_pin(1);
    __atomic_store_n(&t->ready, 1, __ATOMIC_RELEASE);
    while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
        if (vscsi_back_handle_event(s->b) > 0) {
            idle = 0;
            continue;
        }
        if (!t->hybrid || ++idle < SPIN_ROUNDS) {
            bench_relax();
            continue;
        }
        /* Drain, look once more, then sleep: a notify after the drain makes
         * the port pending again, so the wait cannot miss a request. */
        drain_ports(s->dom0);
        if (vscsi_back_handle_event(s->b) <= 0) {
            vscsi_sim_dom_wait(s->dom0, 2);
            t->sleeps++;
        }
        idle = 0;
    }
    return NULL;
}

static int run_threads(struct front_run *r)
{
    struct sim_ctx *s = r->s;
    struct back_thread t = {.s = s, .hybrid = s->fig.drive == SIM_HYBRID};
    pthread_t th;
    unsigned idle = 0;
    int failed = 0;

    if (pthread_create(&th, NULL, back_main, &t))
        return -1;
    while (!__atomic_load_n(&t.ready, __ATOMIC_ACQUIRE))
        bench_relax();
    front_round(r);
    while (r->done < r->total) {
        int got = vscsi_front_handle_event(s->f);
        if (got < 0) {
            failed = 1;
            break;
        }
        if (got > 0) {
            front_round(r);
            idle = 0;
            continue;
        }
        if (!t.hybrid || ++idle < SPIN_ROUNDS) {
            bench_relax();
            continue;
        }
        drain_ports(s->domu);
        if (vscsi_front_handle_event(s->f) == 0)
            vscsi_sim_dom_wait(s->domu, 2);
        front_round(r);
        idle = 0;
    }
    __atomic_store_n(&t.stop, 1, __ATOMIC_RELEASE);
    vscsi_sim_dom_kick(s->dom0);
    pthread_join(th, NULL);
    return failed ? -1 : 0;
}

/* --------------------------------------------------------------------- run */

static int verify_disk(struct sim_ctx *s)
{
    uint8_t *tmp = malloc(s->fig.xfer);
    int bad = !tmp;

    for (unsigned r = 0; r < QD && !bad; r++) {
        bad = disk_direct(s, 0, r, tmp) != 0;
        for (size_t j = 0; j < s->fig.xfer && !bad; j++)
            bad = tmp[j] != pattern(r, j);
    }
    free(tmp);
    return bad ? -1 : 0;
}

int sim_run(struct sim_ctx *s, uint64_t n, struct sim_run *out)
{
    struct front_run r = {.s = s, .total = n};
    struct vscsi_front_stats fs0, fs1;
    struct vscsi_back_stats bs0, bs1;
    double t0, t1, c0, c1;
    int rc = 0, det = s->fig.drive == SIM_DET;

    s->idle = (1u << QD) - 1;
    s->dq_head = s->dq_tail = 0;
    if (s->fig.kind == SIM_READ)
        memset(s->bufs, 0, (size_t)QD * s->fig.xfer); /* stale data must not pass the checks */
    vscsi_front_stats(s->f, &fs0);
    vscsi_back_stats(s->b, &bs0);
    /* det is one thread: its CPU time, so other load on the machine does not count. */
    uint64_t p0 = bench_preemptions();
    c0 = bench_proc_cpu();
    t0 = det ? bench_thread_cpu() : bench_now();
    if (s->fig.drive == SIM_POLL || s->fig.drive == SIM_HYBRID) {
        rc = run_threads(&r);
    } else {
        front_round(&r);
        while (r.done < r.total) {
            /* det: one scheduler step; event: wait up to 2 ms for the frontend's events */
            if (!vscsi_sim_world_step(s->w) && s->fig.drive == SIM_DET)
                vscsi_sim_world_advance(s->w, 1000);
            front_round(&r);
            if (vscsi_front_error(s->f)) {
                rc = -1;
                break;
            }
        }
    }
    t1 = det ? bench_thread_cpu() : bench_now();
    c1 = bench_proc_cpu();
    out->preempted = bench_preemptions() - p0;
    vscsi_front_stats(s->f, &fs1);
    vscsi_back_stats(s->b, &bs1);
    out->commands = r.done;
    out->bytes = r.bytes;
    out->secs = t1 - t0;
    out->cpu_share = det ? 1 : t1 > t0 ? (c1 - c0) / (2 * (t1 - t0)) : 0;
    out->errors = r.errors + (r.done != n);
    out->front_notifies = fs1.notifies - fs0.notifies;
    out->back_notifies = bs1.notifies - bs0.notifies;
    if (s->fig.kind == SIM_WRITE && verify_disk(s))
        out->errors++;
    if (s->fig.kind == SIM_READ) {
        for (unsigned i = 0; i < QD && r.done >= QD; i++)
            for (size_t j = 0; j < s->fig.xfer; j++)
                if (s->bufs[(size_t)i * s->fig.xfer + j] != pattern(i, j)) {
                    out->errors++;
                    break;
                }
    }
    return rc || out->errors ? -1 : 0;
}

#else /* !VSCSI_BENCH_HAVE_SIM */

struct sim_ctx {
    int unused;
};

int sim_available(void)
{
    return 0;
}

struct sim_ctx *sim_open(const struct sim_fig *f)
{
    (void)f;
    return NULL;
}

int sim_run(struct sim_ctx *s, uint64_t n, struct sim_run *out)
{
    (void)s;
    (void)n;
    (void)out;
    return -1;
}

void sim_close(struct sim_ctx *s)
{
    (void)s;
}

#endif
