/* SPDX-License-Identifier: MIT */
/*
 * The real frontend engine against a hostile backend that writes arbitrary
 * responses, ring indices and XenStore values (the 2022 scsifront hardening
 * class), and that also plays along: it takes requests off the ring (direct
 * and indirect), answers the rqids it took in any order, or never.
 *
 * Input: byte 0 configures the vhost (bits 0-1 the backend's
 * feature-sg-grant: none, 26, 64, 128; bit 2 the frontend's own max_segs
 * 32 instead of the default), then up to 1024 steps, each an opcode byte
 * (mod 16) and its operands, read with the zero-filling producer.
 *
 * Invariants: every command and TMR the caller got an rqid for completes
 * exactly once, by the time the backend says Closed; `bytes` never exceeds
 * the caller's buffer, and each caller buffer is its own exact-size heap
 * block (freed on completion), so ASan sees any copy past it or after
 * completion; a completion's sense_len <= 96; the ring's requests carry the
 * rqids the engine handed out, never two of them in flight at once; once
 * the backend has let go of the ring every grant of the frontend is revoked
 * and the engine destroyed leaves no grant, mapping or bound port behind.
 *
 * The simulated host is built once per process: each input gets a fresh
 * vhost (toolstack nodes), frontend engine and ring, and the end-of-input
 * checks prove the host is back where it started.
 */
#include <errno.h>

#include "fuzz_helpers.h"
#include "platform/sim_hv.h"
#include "vscsiif/front.h"
#include "vscsiif/ring.h"
#include "vscsiif/toolstack.h"

#define FDOM  9
#define MAXIO 256 /* caller requests per input */
#define STEPS 1024

struct io {
    uint8_t *buf; /* exact-size heap block, NULL once completed */
    size_t len;
    unsigned done;
    uint8_t tmr;
};

struct host {
    struct vscsi_sim_hv *hv;
    struct vscsi_sim_dom *d0, *du;
    const struct vscsi_platform_ops *ops;
    int vhost_ok; /* the vhost's nodes are as the toolstack wrote them */
};

struct ctx {
    struct host *h;
    struct vscsi_front *f;
    char be[128], fe[128];
    struct vscsi_sring *s;
    uint32_t port, rsp_prod, req_cons;
    /* rqids the fake backend took off the ring and has not answered */
    uint16_t taken[VSCSI_RING_SIZE * 2];
    uint8_t taken_act[VSCSI_RING_SIZE * 2];
    unsigned ntaken;
    struct io io[MAXIO];
    unsigned nio;
    void *zbuf; /* a zero-copy buffer of the engine's */
    size_t zlen;
    uint64_t now;
    /* Set once the backend lied (raw or bogus responses, states, nodes):
     * from then on the frontend may rightly forget an rqid we still hold. */
    int hostile;
    unsigned free_pages; /* domU's free pages before the input */
};

static struct host *the_host;

static void done_cb(void *cbx, void *user, const struct vscsi_result *res, size_t bytes)
{
    struct ctx *c = cbx;
    unsigned i = (unsigned)(uintptr_t)user - 1;

    FUZZ_ASSERT(res->sense_len <= VSCSI_SENSE_LEN);
    FUZZ_ASSERT_MSG(i < c->nio, "completion for user %p nobody submitted", user);
    struct io *io = &c->io[i];
    io->done++;
    FUZZ_ASSERT_MSG(io->done == 1, "request %u completed %u times", i, io->done);
    FUZZ_ASSERT_MSG(bytes <= io->len, "request %u: %zu bytes into a %zu-byte buffer", i, bytes,
                    io->len);
    if (io->tmr)
        FUZZ_ASSERT(bytes == 0);
    free(io->buf); /* a late copy into it is a use after free */
    io->buf = NULL;
}

static void on_watch(void *arg, const char *path, const char *token)
{
    vscsi_front_handle_watch(((struct ctx *)arg)->f, path, token);
}

static void on_port(void *arg, uint32_t port)
{
    (void)port;
    vscsi_front_handle_event(((struct ctx *)arg)->f);
}

static void pump(struct ctx *c)
{
    for (int i = 0; i < 64; i++) {
        int n = vscsi_sim_dom_deliver(c->h->du, 1 << 20, on_watch, on_port, c);
        n += vscsi_sim_dom_deliver(c->h->d0, 1 << 20, NULL, NULL, NULL); /* the backend is us */
        if (!n)
            return;
    }
}

static void be_state(struct ctx *c, unsigned s)
{
    vscsi_xb_write_uint(c->h->ops, c->h->d0, 0, c->be, "state", s);
}

static struct host *host_get(void)
{
    struct host *h = the_host;
    if (h)
        return h;
    h = calloc(1, sizeof(*h));
    FUZZ_ASSERT(h);
    h->ops = vscsi_sim_ops();
    h->hv = vscsi_sim_hv_new();
    FUZZ_ASSERT(h->hv);
    h->d0 = vscsi_sim_dom_create(h->hv, 0, 16);
    h->du = vscsi_sim_dom_create(h->hv, FDOM, 2048);
    FUZZ_ASSERT(h->d0 && h->du);
    return the_host = h;
}

static const uint32_t SG[4] = {0, 26, 64, 128};

static int setup(struct ctx *c, uint8_t cfg)
{
    const struct vscsi_platform_ops *ops = c->h->ops;
    struct vscsi_ts_vhost ts = {0, FDOM, 0, 0};
    uint32_t ref, rport;
    void *ring;
    char dev[200];

    char sg[200];

    vscsi_ts_paths(&ts, c->be, sizeof(c->be), c->fe, sizeof(c->fe));
    /* The toolstack's nodes: made anew only after an input rewrote nodes. */
    if (!c->h->vhost_ok) {
        ops->xs_rm(c->h->d0, 0, c->be);
        ops->xs_rm(c->h->d0, 0, c->fe);
        if (vscsi_ts_vhost_create(ops, c->h->d0, &ts) ||
            vscsi_ts_lun_add(ops, c->h->d0, &ts, 0, "x", "0:0:0:0", NULL, 0))
            return -1;
        c->h->vhost_ok = 1;
    }
    snprintf(sg, sizeof(sg), "%s/feature-sg-grant", c->be);
    if (SG[cfg & 3])
        vscsi_xb_write_uint(ops, c->h->d0, 0, c->be, "feature-sg-grant", SG[cfg & 3]);
    else
        ops->xs_rm(c->h->d0, 0, sg);
    struct vscsi_front_config fc = {.size = sizeof(fc),
                                    .ops = ops,
                                    .ops_ctx = c->h->du,
                                    .dev_path = c->fe,
                                    .done = done_cb,
                                    .cb_ctx = c,
                                    .max_segs = cfg & 4 ? 32 : 0};
    if (vscsi_front_new(&fc, &c->f) || vscsi_front_start(c->f))
        return -1;
    be_state(c, VSCSI_XB_INIT_WAIT);
    pump(c);
    /* The backend half, done by hand: map the ring, bind the channel. */
    if (vscsi_xb_read_uint(ops, c->h->d0, 0, c->fe, "ring-ref", UINT32_MAX, &ref) ||
        vscsi_xb_read_uint(ops, c->h->d0, 0, c->fe, "event-channel", UINT32_MAX, &rport) ||
        ops->map_grants(c->h->d0, FDOM, 1, &ref, 1, &ring))
        return -1;
    c->s = ring;
    if (ops->evtchn_bind_interdomain(c->h->d0, FDOM, rport, &c->port))
        return -1;
    snprintf(dev, sizeof(dev), "%s/vscsi-devs/dev-0", c->be);
    vscsi_xb_write_uint(ops, c->h->d0, 0, dev, "state", VSCSI_XB_CONNECTED);
    be_state(c, VSCSI_XB_CONNECTED);
    pump(c);
    return vscsi_front_state(c->f) == VSCSI_XB_CONNECTED ? 0 : -1;
}

static struct io *new_io(struct ctx *c, size_t len, int tmr)
{
    struct io *io;
    if (c->nio >= MAXIO)
        return NULL;
    io = &c->io[c->nio];
    *io = (struct io){fuzz_xmalloc(len), len, 0, (uint8_t)tmr};
    return io;
}

/* Counted before the call, so that a completion from inside it is known. */
static void *user_of(struct ctx *c)
{
    return (void *)(uintptr_t)(++c->nio);
}

static void submitted(struct ctx *c, struct io *io, int rc)
{
    if (rc >= 0)
        return;
    FUZZ_ASSERT_MSG(io->done == 0, "a refused request (%d) was completed", rc);
    c->nio--;
    free(io->buf); /* refused: no completion will come */
    io->buf = NULL;
}

static void submit(struct ctx *c, struct fuzz_producer *p, int zero_copy)
{
    static const uint8_t cdbs[4][10] = {
        {0x28, 0, 0, 0, 0, 0, 0, 0, 8, 0}, /* READ(10) */
        {0x2A, 0, 0, 0, 0, 0, 0, 0, 8, 0}, /* WRITE(10) */
        {0x00},                            /* TEST UNIT READY */
        {0x12, 0, 0, 0, 96, 0},            /* INQUIRY */
    };
    uint8_t kind = fuzz_u8(p);
    struct vscsi_front_io fio = {{0, 0, 0},
                                 cdbs[kind & 3],
                                 (uint8_t)(kind & 3) == 3 ? 6 : 10,
                                 (uint8_t)(1 + (kind >> 2) % 3),
                                 NULL,
                                 0,
                                 0};
    /* Mostly small; bit 4 scales up to the sizes that need indirect pages. */
    uint32_t len = (kind & 0x30) == 0x30 ? 4u * fuzz_u16(p) : fuzz_u16(p) % 16385u;
    struct io *io;

    if (kind & 0x40) { /* a nexus that is not there, or a lying one */
        fio.nx.channel = fuzz_u8(p) & 3;
        fio.nx.id = fuzz_u8(p) & 3;
        fio.nx.lun = fuzz_u8(p) & 3;
    }
    if (fio.dir == VSCSI_DIR_NONE)
        len = 0;
    if (zero_copy && c->zbuf) {
        /* Inside the engine's own granted buffer: no copy either way. */
        uint32_t off = fuzz_u32(p) % (uint32_t)c->zlen;
        if (len > c->zlen - off)
            len = (uint32_t)(c->zlen - off);
        if (!(io = new_io(c, 0, 0)))
            return;
        io->len = len;
        fio.buf = (uint8_t *)c->zbuf + off;
    } else {
        if (!(io = new_io(c, len, 0)))
            return;
        fio.buf = io->buf;
    }
    fio.len = len;
    if (kind & 0x80)
        fio.timeout_ms = 1 + fuzz_u16(p) % 5000;
    void *user = user_of(c);
    submitted(c, io, vscsi_front_submit(c->f, &fio, user));
}

/* The fake backend takes what the frontend published: checks the rqids it
 * sees are unique among those it has not answered, remembers them. */
static void take(struct ctx *c, unsigned max)
{
    uint32_t prod = VSCSI_LOAD_ACQUIRE(&c->s->req_prod);
    while (max-- && c->req_cons != prod && (uint32_t)(prod - c->req_cons) <= VSCSI_RING_SIZE &&
           c->ntaken < VSCSI_RING_SIZE) {
        struct vscsi_request rq;
        vscsi_slot_copy(&rq, &c->s->ring[c->req_cons & VSCSI_RING_MASK].req);
        c->req_cons++;
        for (unsigned i = 0; i < c->ntaken && !c->hostile; i++)
            FUZZ_ASSERT_MSG(c->taken[i] != rq.rqid, "rqid %u sent twice while outstanding",
                            rq.rqid);
        FUZZ_ASSERT(c->hostile || rq.rqid < VSCSI_RING_SIZE);
        c->taken[c->ntaken] = rq.rqid;
        c->taken_act[c->ntaken] = rq.act;
        c->ntaken++;
    }
}

static void respond(struct ctx *c, const struct vscsi_response *r)
{
    memcpy(&c->s->ring[c->rsp_prod & VSCSI_RING_MASK].rsp, r, sizeof(*r));
    c->rsp_prod++;
    VSCSI_STORE_RELEASE(&c->s->rsp_prod, c->rsp_prod);
    c->h->ops->evtchn_notify(c->h->d0, c->port);
}

/* An answer to a request we took: honest shape, fuzzed status/sense/residual. */
static void answer(struct ctx *c, struct fuzz_producer *p)
{
    struct vscsi_response r;
    unsigned i;

    if (!c->ntaken)
        return;
    i = fuzz_u8(p) % c->ntaken;
    memset(&r, 0, sizeof(r));
    r.rqid = c->taken[i];
    if (c->taken_act[i] == VSCSI_ACT_CDB) {
        uint8_t how = fuzz_u8(p);
        r.rslt = VSCSI_RSLT(how & 0x80 ? how % 21 : 0, how & 0x40 ? 2 : 0);
        if (how & 0x40) {
            r.sense_len = (uint8_t)(fuzz_u8(p) % 120);
            fuzz_bytes(p, r.sense_buffer, VSCSI_SENSE_LEN);
        }
        if (how & 0x20)
            r.residual_len = fuzz_u32(p);
    } else {
        r.rslt = fuzz_u8(p) & 1 ? VSCSI_RSLT_RESET_SUCCESS : VSCSI_RSLT_RESET_FAILED;
    }
    c->taken[i] = c->taken[c->ntaken - 1];
    c->taken_act[i] = c->taken_act[c->ntaken - 1];
    c->ntaken--;
    respond(c, &r);
}

static void tmr(struct ctx *c, struct fuzz_producer *p, int reset)
{
    struct io *io = new_io(c, 0, 1);
    struct vscsi_nexus nx = {0, 0, fuzz_u8(p) & 1};
    void *user;
    if (!io)
        return;
    user = user_of(c);
    if (reset)
        submitted(c, io, vscsi_front_reset(c->f, &nx, user));
    else
        submitted(c, io, vscsi_front_abort(c->f, fuzz_u8(p) % 20, user));
}

static void step(struct ctx *c, struct fuzz_producer *p)
{
    const struct vscsi_platform_ops *ops = c->h->ops;

    switch (fuzz_u8(p) % 16) {
    case 0:
    case 1:
        submit(c, p, 0);
        break;
    case 2:
        take(c, 1 + fuzz_u8(p) % VSCSI_RING_SIZE);
        break;
    case 3:
    case 4:
        answer(c, p);
        break;
    case 5: { /* a response, raw, in the next response slot */
        c->hostile = 1;
        struct vscsi_response r;
        fuzz_bytes(p, &r, sizeof(r));
        if (fuzz_u8(p) & 1) /* mostly answer something real */
            r.rqid %= 16;
        respond(c, &r);
        break;
    }
    case 6: /* a lying producer index */
        c->hostile = 1;
        VSCSI_STORE_RELEASE(&c->s->rsp_prod, fuzz_u32(p));
        ops->evtchn_notify(c->h->d0, c->port);
        break;
    case 7:
        ops->evtchn_notify(c->h->d0, c->port);
        break;
    case 8:
        c->hostile = 1;
        be_state(c, fuzz_u8(p) % 10);
        break;
    case 9: { /* any bytes as any node the frontend reads */
        static const char *const nodes[] = {"state",
                                            "feature-sg-grant",
                                            "vscsi-devs/dev-0/state",
                                            "vscsi-devs/dev-0/v-dev",
                                            "vscsi-devs/dev-1/state",
                                            "vscsi-devs/dev-1/v-dev"};
        char path[200], val[33];
        size_t n = fuzz_u8(p) % 32;
        c->hostile = 1;
        c->h->vhost_ok = 0;
        snprintf(path, sizeof(path), "%s/%s", c->be, nodes[fuzz_u8(p) % 6]);
        fuzz_bytes(p, val, n);
        val[n] = '\0';
        ops->xs_write(c->h->d0, 0, path, val);
        break;
    }
    case 10:
        c->now += fuzz_u16(p);
        vscsi_front_tick(c->f, c->now);
        break;
    case 11:
        tmr(c, p, fuzz_u8(p) & 1);
        break;
    case 12:
        vscsi_front_poll(c->f);
        break;
    case 13:
        if (!c->zbuf) {
            size_t len = 1 + fuzz_u32(p) % (64u * VSCSI_PAGE_SIZE);
            if (vscsi_front_buf_alloc(c->f, len, &c->zbuf) == 0)
                c->zlen = len;
            else
                c->zbuf = NULL;
        } else if (fuzz_u8(p) & 1) {
            vscsi_front_buf_free(c->f, c->zbuf); /* deferred while in use */
            c->zbuf = NULL;
        } else {
            submit(c, p, 1);
        }
        break;
    case 14:
        vscsi_front_close(c->f);
        break;
    default: /* a burst: fill the ring, take it all, answer it all */
        for (unsigned i = 0; i < VSCSI_RING_SIZE; i++)
            submit(c, p, 0);
        take(c, VSCSI_RING_SIZE);
        while (c->ntaken)
            answer(c, p);
        break;
    }
    pump(c);
}

static void teardown(struct ctx *c)
{
    const struct vscsi_platform_ops *ops = c->h->ops;
    struct host *h = c->h;

    /* The backend goes away: everything in flight must now be finished. */
    if (c->s)
        ops->unmap_grants(h->d0, c->s, 1);
    if (c->port)
        ops->evtchn_unbind(h->d0, c->port);
    be_state(c, VSCSI_XB_CLOSED);
    pump(c);
    for (unsigned i = 0; i < c->nio; i++)
        FUZZ_ASSERT_MSG(c->io[i].done == 1, "request %u of %u completed %u times", i, c->nio,
                        c->io[i].done);
    vscsi_front_destroy(c->f);
    /* Nothing of ours is mapped any more, so nothing may stay granted. */
    FUZZ_ASSERT_MSG(vscsi_sim_grants_active(h->hv, FDOM) == 0, "%u grants left",
                    vscsi_sim_grants_active(h->hv, FDOM));
    FUZZ_ASSERT(vscsi_sim_mappings(h->hv, 0) == 0);
    FUZZ_ASSERT_MSG(vscsi_sim_dom_free_pages(h->du) == c->free_pages,
                    "the frontend leaked %d pages",
                    (int)c->free_pages - (int)vscsi_sim_dom_free_pages(h->du));
    /* Back to the host every input starts from. */
    vscsi_sim_dom_deliver(h->du, 1 << 20, NULL, NULL, NULL);
    vscsi_sim_dom_deliver(h->d0, 1 << 20, NULL, NULL, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct ctx c;
    struct fuzz_producer p;

    memset(&c, 0, sizeof(c));
    c.h = host_get();
    c.free_pages = vscsi_sim_dom_free_pages(c.h->du);
    fuzz_producer_init(&p, data, size);
    FUZZ_ASSERT(setup(&c, fuzz_u8(&p)) == 0);
    for (unsigned steps = 0; steps < STEPS && fuzz_remaining(&p); steps++)
        step(&c, &p);
    teardown(&c);
    return 0;
}
