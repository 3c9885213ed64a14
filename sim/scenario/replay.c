/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/sim_hv.h"
#include "target/bridge.h"
#include "scenario/replay.h"
#include "target/target.h"
#include "vscsiif/back.h"
#include "vscsiif/ring.h"
#include "vscsiif/toolstack.h"

#define POOL        64
#define FRONT_DOMID 7
#define TICK_US     1000u
#define DELAYS      16
#define DELAY_HANG  255
#define DISK_BLOCKS 64
/* Outstanding requests are bounded by the ring; room for a backend that
 * breaks that bound, so that it shows as a failed check, not an overflow. */
#define PENDING 64
#define REF_MAP 512

enum { MODE_COPY, MODE_MAP, NMODES };
#define FLAG_MAP  1u
#define FLAG_POLL 2u

struct vhost {
    struct vscsi_ts_vhost ts;
    char fe[128], be[128];
    struct vscsi_back *back;
};

/* The host kept between inputs. Only the target's disk is new for every
 * input (its contents, mode pages and unit attentions are state a command
 * can see); the engines reach it through `tlun`, which never changes. */
struct world {
    const struct vscsi_platform_ops *ops;
    struct vscsi_sim_hv *hv;
    struct vscsi_sim_dom *dom0, *domu;
    struct vscsi_sim_bridge *br;
    struct vscsi_tgt_lun *disk;
    int tlun; /* the LUN handle the backends hold */
    struct vhost vh[NMODES];
    uint32_t pool_ref[POOL];
    uint8_t *pool[POOL];
    uint64_t dirty;            /* pool pages an input may have written */
    uint8_t ref_pool[REF_MAP]; /* real grant ref -> pool index + 1, 0 if none */
    uint32_t ring_ref, port;
    struct vscsi_sring *sring;
    uint64_t now; /* virtual µs; only 'T' moves it */
    /* The vhost whose backend is still Connected from the last input (-1:
     * none), and where its ring stands: an input that leaves nothing in
     * flight leaves the connection up for the next one. */
    int connected;
    uint32_t ring_idx;
    /* The current input's completion delays (see 'D'). */
    uint8_t delay[DELAYS];
    unsigned ndelay, next_delay;
    /* Commands the target was given since the last accounting, in order:
     * their rqid and whether it holds them (delayed or hung). */
    struct {
        uint16_t rqid;
        uint8_t held;
    } sub[PENDING];
    unsigned nsub;
};

/* One consumed request not answered yet. */
struct pend {
    uint64_t pos; /* ring position it was consumed from */
    uint16_t rqid, ref_rqid, channel, id, lun;
    uint8_t act;
    uint8_t submitted, held; /* reached the target; and was held there */
};

struct replay {
    struct world *w;
    struct vhost *v;
    unsigned flags;
    int trace;
    struct vscsi_sim_replay_result *res;
    uint32_t base; /* ring index this input starts at */
    uint32_t req_prod_pvt, rsp_seen;
    uint64_t consumed;      /* requests the backend took this input */
    uint32_t acct_prod;     /* req_prod when `consumed` was last brought up to date */
    int ring_touched;       /* a data grant named the ring page itself */
    uint64_t base_requests; /* the backend's counters when the input began */
    uint64_t base_rejected;
    struct pend pend[PENDING];
    unsigned npend;
    int last_abort; /* index+1 into pend of a CDB just answered host ABORT, -1 if it left */
    struct pend abort_victim;
};

static struct world *the_world;

static void broken(struct replay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void broken(struct replay *r, const char *fmt, ...)
{
    va_list ap;

    if (r->res->invariant_broken)
        return;
    r->res->invariant_broken = 1;
    va_start(ap, fmt);
    vsnprintf(r->res->why, sizeof(r->res->why), fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------ the target */

/* The bridge's fake target behind one stable handle, with the input's
 * completion delays applied as one-shot faults of the disk. */
static int t_open(void *tctx, const char *pdev, void **lun)
{
    struct world *w = tctx;
    if (strcmp(pdev, "0:0:0:0") != 0)
        return -ENODEV;
    *lun = &w->tlun;
    return 0;
}

static int t_submit(void *tctx, void *lun, struct vscsi_target_cmd *cmd)
{
    struct world *w = tctx;
    uint8_t d = 0;
    (void)lun;
    if (w->next_delay < w->ndelay) {
        d = w->delay[w->next_delay++];
        struct vscsi_tgt_fault f = {.nth = 1, .count = 1};
        if (d == DELAY_HANG) {
            f.kind = VSCSI_FAULT_HANG;
        } else if (d) {
            f.kind = VSCSI_FAULT_DELAY;
            f.delay_us = d * TICK_US;
        }
        if (d)
            vscsi_tgt_inject(w->disk, &f);
    }
    if (w->nsub < PENDING) {
        w->sub[w->nsub].rqid = cmd->rqid;
        w->sub[w->nsub].held = d != 0;
        w->nsub++;
    }
    return vscsi_sim_bridge_ops()->submit(w->br, w->disk, cmd);
}

static int t_abort(void *tctx, void *lun, struct vscsi_target_cmd *cmd)
{
    struct world *w = tctx;
    (void)lun;
    return vscsi_sim_bridge_ops()->abort(w->br, w->disk, cmd);
}

static int t_reset(void *tctx, void *lun)
{
    struct world *w = tctx;
    (void)lun;
    return vscsi_sim_bridge_ops()->reset(w->br, w->disk);
}

static int t_direct(void *tctx, void *lun, const struct vscsi_target_cmd *cmd,
                    struct vscsi_iov *out)
{
    struct world *w = tctx;
    (void)lun;
    return vscsi_sim_bridge_ops()->direct_buffer(w->br, w->disk, cmd, out);
}

static const struct vscsi_target_ops target_ops = {
    .size = sizeof(target_ops),
    .open = t_open,
    .submit = t_submit,
    .abort = t_abort,
    .reset = t_reset,
    .direct_buffer = t_direct,
};

/* ------------------------------------------------------------- the host */

static void on_watch(void *arg, const char *path, const char *token)
{
    struct world *w = arg;
    for (unsigned m = 0; m < NMODES; m++)
        if (w->vh[m].back)
            vscsi_back_handle_watch(w->vh[m].back, path, token);
}

static void on_port(void *arg, uint32_t port)
{
    struct world *w = arg;
    for (unsigned m = 0; m < NMODES; m++)
        if (w->vh[m].back && vscsi_back_state(w->vh[m].back) == VSCSI_XB_CONNECTED &&
            port == vscsi_back_port(w->vh[m].back))
            vscsi_back_handle_event(w->vh[m].back);
}

static void run_backend(struct world *w)
{
    /* Bounded: a backend that keeps itself busy forever is a bug we want to see as a hang
     * in the fuzzer, but the replay tool must terminate. */
    for (int i = 0; i < 10000; i++) {
        int n = vscsi_sim_dom_deliver(w->dom0, 1 << 20, on_watch, on_port, w);
        n += vscsi_sim_bridge_poll(w->br, w->now);
        /* The frontend side has nothing to do but swallow its watches and events. */
        n += vscsi_sim_dom_deliver(w->domu, 1 << 20, NULL, NULL, NULL);
        if (!n)
            break;
    }
}

static int fe_state(struct world *w, struct vhost *v, enum vscsi_xb_state s)
{
    int rc = vscsi_xb_write_uint(w->ops, w->domu, VSCSI_XS_NO_TXN, v->fe, "state", s);
    run_backend(w);
    return rc;
}

/* A backend in the state every input starts from: it saw the frontend
 * Closed (after one earlier session or none), and waits for Initialised. */
static int back_up(struct world *w, unsigned mode)
{
    struct vhost *v = &w->vh[mode];
    struct vscsi_back_config bc = {
        .size = sizeof(bc),
        .ops = w->ops,
        .ops_ctx = w->dom0,
        .target = &target_ops,
        .target_ctx = w,
        .dev_path = v->be,
        /* Copy mode keeps a bounce buffer of max_segs pages per slot, and a
         * backend that latched an error is rebuilt for the next input:
         * large indirect lists are left to map mode, which holds no copy. */
        .max_segs = mode == MODE_MAP ? 128 : 32,
        .data_mode = mode == MODE_MAP ? VSCSI_BACK_MAP : VSCSI_BACK_COPY,
    };
    int rc;

    /* The toolstack's nodes as for a new vhost (a dead backend leaves its
     * LUNs Closed and an error node), the frontend's handshake nodes. */
    w->ops->xs_rm(w->dom0, VSCSI_XS_NO_TXN, v->be);
    w->ops->xs_rm(w->dom0, VSCSI_XS_NO_TXN, v->fe);
    if ((rc = vscsi_ts_vhost_create(w->ops, w->dom0, &v->ts)) ||
        (rc = vscsi_ts_lun_add(w->ops, w->dom0, &v->ts, 0, "0:0:0:0", "0:0:0:0", NULL, 0)) ||
        (rc = vscsi_xb_write_uint(w->ops, w->domu, VSCSI_XS_NO_TXN, v->fe, "ring-ref",
                                  w->ring_ref)) ||
        (rc = vscsi_xb_write_uint(w->ops, w->domu, VSCSI_XS_NO_TXN, v->fe, "event-channel",
                                  w->port)))
        return rc;
    if ((rc = fe_state(w, v, VSCSI_XB_CLOSED)) || (rc = vscsi_back_new(&bc, &v->back)))
        return rc;
    if ((rc = vscsi_back_start(v->back))) {
        vscsi_back_destroy(v->back);
        v->back = NULL;
        return rc;
    }
    run_backend(w);
    return vscsi_back_state(v->back) == VSCSI_XB_CLOSED ? 0 : -EPROTO;
}

static void world_free(struct world *w)
{
    if (!w)
        return;
    for (unsigned m = 0; m < NMODES; m++)
        vscsi_back_destroy(w->vh[m].back);
    if (w->hv)
        vscsi_sim_hv_free(w->hv);
    vscsi_sim_bridge_free(w->br);
    if (w->disk)
        vscsi_tgt_free(w->disk);
    free(w);
}

static struct world *world_new(void)
{
    struct world *w = calloc(1, sizeof(*w));
    void *page;

    if (!w)
        return NULL;
    w->ops = vscsi_sim_ops();
    w->connected = -1;
    w->hv = vscsi_sim_hv_new();
    w->br = vscsi_sim_bridge_new();
    if (!w->hv || !w->br)
        goto fail;
    w->dom0 = vscsi_sim_dom_create(w->hv, 0, 64);
    w->domu = vscsi_sim_dom_create(w->hv, FRONT_DOMID, POOL + 16);
    if (!w->dom0 || !w->domu)
        goto fail;
    /* The raw frontend: a ring, a pool of pages and a channel, granted once. */
    if (w->ops->grant_page(w->domu, 0, 0, &w->ring_ref, &page))
        goto fail;
    w->sring = page;
    for (unsigned i = 0; i < POOL; i++) {
        if (w->ops->grant_page(w->domu, 0, 0, &w->pool_ref[i], (void **)&w->pool[i]) ||
            w->pool_ref[i] >= REF_MAP)
            goto fail;
        w->ref_pool[w->pool_ref[i]] = (uint8_t)(i + 1);
    }
    if (w->ops->evtchn_alloc_unbound(w->domu, 0, &w->port))
        goto fail;
    for (unsigned m = 0; m < NMODES; m++) {
        struct vhost *v = &w->vh[m];
        v->ts = (struct vscsi_ts_vhost){0, FRONT_DOMID, m, 0};
        if (vscsi_ts_paths(&v->ts, v->be, sizeof(v->be), v->fe, sizeof(v->fe)) || back_up(w, m))
            goto fail;
    }
    return w;
fail:
    world_free(w);
    return NULL;
}

/* The frontend leaves: Closing (the backend answers whatever is in flight,
 * the disconnect cancel loop), then Closed. */
static void close_vhost(struct world *w, struct vhost *v)
{
    vscsi_xb_write_uint(w->ops, w->domu, VSCSI_XS_NO_TXN, v->fe, "state", VSCSI_XB_CLOSING);
    run_backend(w);
    vscsi_xb_write_uint(w->ops, w->domu, VSCSI_XS_NO_TXN, v->fe, "state", VSCSI_XB_CLOSED);
    run_backend(w);
}

/* What is new for every input: a fresh disk, a zeroed pool and ring slots,
 * no delays; a fresh ring and handshake unless the last input left this
 * mode's backend Connected with nothing in flight; a fresh backend after
 * one latched an error. */
static int world_reset(struct world *w, unsigned mode)
{
    struct vscsi_tgt_disk_opts dopts = {.blocks = DISK_BLOCKS, .block_size = 512};
    struct vhost *v = &w->vh[mode];
    int rc;

    if (w->disk)
        vscsi_tgt_free(w->disk);
    if (!(w->disk = vscsi_tgt_disk_new(&dopts)))
        return -ENOMEM;
    for (unsigned i = 0; i < POOL; i++)
        if (w->dirty & (1ull << i))
            memset(w->pool[i], 0, VSCSI_SIM_PAGE_SIZE);
    w->dirty = 0;
    w->ndelay = w->next_delay = 0;
    w->nsub = 0;
    if (w->connected == (int)mode) {
        memset(w->sring->ring, 0, sizeof(w->sring->ring));
        return 0;
    }
    if (w->connected >= 0)
        close_vhost(w, &w->vh[w->connected]);
    w->connected = -1;
    memset(w->sring, 0, VSCSI_SIM_PAGE_SIZE); /* data may have landed past the ring */
    vscsi_sring_init(w->sring);
    w->ring_idx = 0;
    if (!v->back && (rc = back_up(w, mode)))
        return rc;
    rc =
        vscsi_xb_write_uint(w->ops, w->domu, VSCSI_XS_NO_TXN, v->fe, "state", VSCSI_XB_INITIALISED);
    run_backend(w);
    if (rc)
        return rc;
    if (vscsi_back_state(v->back) != VSCSI_XB_CONNECTED)
        return -ENOTCONN;
    w->connected = (int)mode;
    return 0;
}

/* --------------------------------------------------------------- oracle */

static unsigned nexus_eq(const struct pend *a, const struct pend *b)
{
    return a->channel == b->channel && a->id == b->id && a->lun == b->lun;
}

static void pend_add(struct replay *r, uint64_t pos, const struct vscsi_request *rq)
{
    struct pend *p;

    if (r->npend == PENDING) {
        broken(r, "more than %u requests outstanding (%u)", PENDING, r->npend);
        return;
    }
    p = &r->pend[r->npend++];
    *p = (struct pend){pos, rq->rqid, rq->ref_rqid, rq->channel, rq->id, rq->lun, rq->act, 0, 0};
}

static void pend_drop(struct replay *r, unsigned i)
{
    r->pend[i] = r->pend[--r->npend];
}

/* The outstanding request with this rqid that takes this answer. Sending
 * an rqid again while it is in flight is legal, and then the protocol
 * cannot say which of them an answer is for; what the harness knows is
 * enough. The backend processes what it takes in order, and every request
 * the target does not hold (rejects, TMRs, commands completed at once) is
 * answered while it is processed: such answers come in ring order. So a
 * plain answer is for the oldest outstanding request not held if that one
 * has this rqid, else for a held one (the oldest); a host ABORT answer for
 * the oldest held CDB (an ABORT's victim); a TMR code for the oldest
 * ABORT/RESET. */
static int pend_match(struct replay *r, uint16_t rqid, int tmr_answer, int host_abort)
{
    int oldest = -1, held = -1, held_cdb = -1, first_free = -1;

    for (unsigned i = 0; i < r->npend; i++) {
        const struct pend *p = &r->pend[i];
        if (!p->held && (first_free < 0 || p->pos < r->pend[first_free].pos))
            first_free = (int)i;
        if (p->rqid != rqid || (tmr_answer && p->act == VSCSI_ACT_CDB))
            continue;
        if (oldest < 0 || p->pos < r->pend[oldest].pos)
            oldest = (int)i;
        if (p->held && (held < 0 || p->pos < r->pend[held].pos))
            held = (int)i;
        if (p->held && p->act == VSCSI_ACT_CDB && (held_cdb < 0 || p->pos < r->pend[held_cdb].pos))
            held_cdb = (int)i;
    }
    if (tmr_answer || oldest < 0)
        return oldest;
    if (host_abort)
        return held_cdb >= 0 ? held_cdb : oldest;
    if (first_free >= 0 && r->pend[first_free].rqid == rqid)
        return first_free;
    return held >= 0 ? held : oldest;
}

/* Ties what the target was given to the requests taken: each submission is
 * the oldest taken CDB of its rqid not yet tied to one. */
static void note_submissions(struct replay *r)
{
    struct world *w = r->w;
    for (unsigned k = 0; k < w->nsub; k++) {
        struct pend *best = NULL;
        for (unsigned i = 0; i < r->npend; i++) {
            struct pend *p = &r->pend[i];
            if (p->rqid == w->sub[k].rqid && p->act == VSCSI_ACT_CDB && !p->submitted &&
                (!best || p->pos < best->pos))
                best = p;
        }
        if (best) {
            best->submitted = 1;
            best->held = w->sub[k].held;
        }
    }
    w->nsub = 0;
}

static int live_victim(const struct replay *r, const struct pend *abort)
{
    for (unsigned i = 0; i < r->npend; i++) {
        const struct pend *p = &r->pend[i];
        if (p->act == VSCSI_ACT_CDB && p->rqid == abort->ref_rqid && p->pos < abort->pos &&
            nexus_eq(p, abort))
            return 1;
    }
    return 0;
}

static int older_of_nexus(const struct replay *r, const struct pend *reset)
{
    for (unsigned i = 0; i < r->npend; i++) {
        const struct pend *p = &r->pend[i];
        if (p != reset && p->act == VSCSI_ACT_CDB && p->pos < reset->pos && nexus_eq(p, reset))
            return 1;
    }
    return 0;
}

static void answer(struct replay *r, const struct vscsi_response *rsp)
{
    uint32_t rslt = (uint32_t)rsp->rslt;
    int tmr = rslt == VSCSI_RSLT_RESET_SUCCESS || rslt == VSCSI_RSLT_RESET_FAILED;
    int i = pend_match(r, rsp->rqid, tmr, !tmr && VSCSI_RSLT_HOST(rslt) == VSCSI_HOST_ABORT);
    int expect_abort_ok = r->last_abort != 0;

    r->last_abort = 0;
    if (i < 0) {
        broken(r, "response for rqid %u with no such request outstanding (rslt 0x%x)", rsp->rqid,
               rslt);
        return;
    }
    struct pend p = r->pend[i];
    pend_drop(r, (unsigned)i);
    if (rsp->sense_len > VSCSI_SENSE_LEN)
        broken(r, "rqid %u: sense_len %u", rsp->rqid, rsp->sense_len);
    if (!tmr && (rslt & 0xff00ff00u || VSCSI_RSLT_HOST(rslt) > VSCSI_HOST_MAX))
        broken(r, "rqid %u: rslt 0x%x is not host/status shaped", rsp->rqid, rslt);
    if (!tmr && VSCSI_RSLT_HOST(rslt) == VSCSI_HOST_ABORT)
        r->res->aborted++;
    if (!tmr && VSCSI_RSLT_HOST(rslt) == VSCSI_HOST_RESET)
        r->res->reset++;
    if (rslt == VSCSI_RSLT_RESET_SUCCESS)
        r->res->tmr_ok++;

    if (p.act == VSCSI_ACT_ABORT && rslt == VSCSI_RSLT_RESET_SUCCESS) {
        if (!expect_abort_ok || r->abort_victim.rqid != p.ref_rqid ||
            !nexus_eq(&r->abort_victim, &p) || r->abort_victim.pos > p.pos)
            broken(r, "ABORT rqid %u of %u succeeded without its victim answered ABORT first",
                   p.rqid, p.ref_rqid);
    } else if (expect_abort_ok) {
        broken(r, "rqid %u answered host ABORT, but no ABORT answer follows (next: rqid %u)",
               r->abort_victim.rqid, rsp->rqid);
    }
    if (p.act == VSCSI_ACT_ABORT && rslt == VSCSI_RSLT_RESET_FAILED && live_victim(r, &p))
        broken(r, "ABORT rqid %u of live command %u failed", p.rqid, p.ref_rqid);
    if (p.act == VSCSI_ACT_RESET && rslt == VSCSI_RSLT_RESET_SUCCESS && older_of_nexus(r, &p))
        broken(r, "RESET rqid %u answered while an older command of its LUN is in flight", p.rqid);
    if (p.act == VSCSI_ACT_CDB && !tmr && VSCSI_RSLT_HOST(rslt) == VSCSI_HOST_ABORT) {
        r->last_abort = 1;
        r->abort_victim = p;
    }
}

/* Requests the backend consumed during the last run, as it read them: the
 * slot as it was before the run, unless the backend itself wrote an answer
 * there during the run before taking it (only a lying frontend lets that
 * happen; the ring's bound ensures the answer came first). */
static void account(struct replay *r, const union vscsi_slot *before, uint32_t rsp_before)
{
    struct vscsi_back_stats st;
    uint32_t rsp_now = VSCSI_LOAD_ACQUIRE(&r->w->sring->rsp_prod);
    uint32_t prod = VSCSI_LOAD_RELAXED(&r->w->sring->req_prod);

    /* Nothing published that was not taken already: nothing new taken (the
     * counters are not free to read under the fuzzer's instrumentation). */
    if (prod == r->acct_prod && prod == r->base + (uint32_t)r->consumed)
        return;
    r->acct_prod = prod;
    vscsi_back_stats(r->v->back, &st);
    uint64_t now = st.requests - r->base_requests;
    if (now - r->consumed > VSCSI_RING_SIZE)
        broken(r, "backend took %u requests in one go", (unsigned)(now - r->consumed));
    for (uint64_t q = r->consumed; q < now && q - r->consumed <= VSCSI_RING_SIZE; q++) {
        struct vscsi_request rq;
        uint32_t at = r->base + (uint32_t)q, prev = at - VSCSI_RING_SIZE;
        if ((uint32_t)(prev - rsp_before) < (uint32_t)(rsp_now - rsp_before))
            memcpy(&rq, &r->w->sring->ring[at & VSCSI_RING_MASK].req, sizeof(rq));
        else
            memcpy(&rq, &before[at & VSCSI_RING_MASK].req, sizeof(rq));
        pend_add(r, q, &rq);
    }
    r->consumed = now;
    note_submissions(r);
}

static void collect(struct replay *r)
{
    uint32_t prod = VSCSI_LOAD_ACQUIRE(&r->w->sring->rsp_prod);

    if ((uint32_t)(prod - r->rsp_seen) > VSCSI_RING_SIZE) {
        broken(r, "backend produced %u responses at once", (unsigned)(prod - r->rsp_seen));
        r->rsp_seen = prod;
        return;
    }
    while (r->rsp_seen != prod) {
        struct vscsi_response rsp;
        vscsi_slot_copy(&rsp, &r->w->sring->ring[r->rsp_seen & VSCSI_RING_MASK].rsp);
        r->rsp_seen++;
        r->res->responses++;
        if (r->trace)
            printf("replay: rsp rqid=%u rslt=0x%08x sense_len=%u resid=%u\n", rsp.rqid,
                   (unsigned)rsp.rslt, rsp.sense_len, rsp.residual_len);
        answer(r, &rsp);
    }
    /* As a frontend's final check does: wake me for the next answer. */
    VSCSI_STORE_RELAXED(&r->w->sring->rsp_event, r->rsp_seen + 1);
}

enum { RUN_DELIVER, RUN_POLL };

/* Every way the backend gets to run goes through here, so that what it
 * takes and what it answers are both accounted. */
static void run(struct replay *r, int how)
{
    union vscsi_slot before[VSCSI_RING_SIZE];
    uint32_t rsp_before = VSCSI_LOAD_ACQUIRE(&r->w->sring->rsp_prod);

    memcpy(before, r->w->sring->ring, sizeof(before));
    if (how == RUN_POLL && vscsi_back_state(r->v->back) == VSCSI_XB_CONNECTED)
        vscsi_back_poll(r->v->back);
    run_backend(r->w);
    account(r, before, rsp_before);
    collect(r);
}

static void kick(struct replay *r)
{
    if (r->flags & FLAG_POLL) {
        run(r, RUN_POLL);
        return;
    }
    r->w->ops->evtchn_notify(r->w->domu, r->w->port);
    run(r, RUN_DELIVER);
}

/* ---------------------------------------------------------------- input */

static void mark(struct replay *r, uint32_t idx)
{
    if (idx < POOL)
        r->w->dirty |= 1ull << idx;
}

/* A raw ref (not a pool index) may still name one of our pages. */
static void mark_ref(struct replay *r, uint32_t ref)
{
    if (ref < REF_MAP && r->w->ref_pool[ref])
        mark(r, r->w->ref_pool[ref] - 1u);
    if (ref == r->w->ring_ref)
        r->ring_touched = 1;
}

static uint32_t pool_ref(struct replay *r, uint32_t gref)
{
    if (gref >= POOL) {
        mark_ref(r, gref);
        return gref;
    }
    mark(r, gref);
    return r->w->pool_ref[gref];
}

/* Pool indices become real grant refs: in seg[], and inside indirect regions. */
static void translate(struct replay *r, struct vscsi_request *rq)
{
    unsigned n = rq->nr_segments & VSCSI_SG_COUNT_MASK;

    if (n > VSCSI_SG_TABLESIZE)
        n = VSCSI_SG_TABLESIZE;
    for (unsigned i = 0; i < n; i++) {
        uint32_t idx = rq->seg[i].gref;
        if ((rq->nr_segments & VSCSI_SG_GRANT) && idx < POOL) {
            uint32_t off = rq->seg[i].offset, len = rq->seg[i].length;
            if (off > VSCSI_PAGE_SIZE)
                off = VSCSI_PAGE_SIZE;
            if (len > VSCSI_PAGE_SIZE - off)
                len = VSCSI_PAGE_SIZE - off;
            mark(r, idx);
            for (uint32_t o = off & ~7u; o + 8 <= off + len; o += 8) {
                struct vscsi_seg d;
                memcpy(&d, r->w->pool[idx] + o, sizeof(d));
                d.gref = pool_ref(r, d.gref);
                memcpy(r->w->pool[idx] + o, &d, sizeof(d));
            }
        }
        rq->seg[i].gref = pool_ref(r, idx);
    }
}

static void play(struct replay *r, const uint8_t *p, size_t len)
{
    struct world *w = r->w;
    size_t i = 0;

    if (len >= 2 && p[0] == 'K')
        i = 2; /* read by vscsi_sim_replay_buf() */
    while (i < len) {
        uint8_t op = p[i++];
        if (op == 'R' && len - i >= VSCSI_SLOT_SIZE) {
            struct vscsi_request rq;
            memcpy(&rq, p + i, VSCSI_SLOT_SIZE);
            i += VSCSI_SLOT_SIZE;
            translate(r, &rq);
            memcpy(&w->sring->ring[r->req_prod_pvt & VSCSI_RING_MASK].req, &rq, sizeof(rq));
            r->req_prod_pvt++;
            r->res->slots++;
        } else if (op == 'P' && len - i >= 5) {
            unsigned page = p[i] % POOL;
            unsigned off = (unsigned)(p[i + 1] | p[i + 2] << 8);
            unsigned n = (unsigned)(p[i + 3] | p[i + 4] << 8);
            i += 5;
            if (n > len - i)
                n = (unsigned)(len - i);
            if (off < VSCSI_PAGE_SIZE) {
                unsigned fit = n < VSCSI_PAGE_SIZE - off ? n : VSCSI_PAGE_SIZE - off;
                memcpy(w->pool[page] + off, p + i, fit);
                mark(r, page);
            }
            i += n;
        } else if (op == 'G') {
            VSCSI_STORE_RELEASE(&w->sring->req_prod, r->req_prod_pvt);
            kick(r);
        } else if (op == 'X' && len - i >= 4) {
            uint32_t v = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
                         (uint32_t)p[i + 3] << 24;
            i += 4;
            VSCSI_STORE_RELEASE(&w->sring->req_prod, r->base + v);
            kick(r);
        } else if (op == 'E') {
            kick(r);
        } else if (op == 'C') {
            vscsi_xb_write_uint(w->ops, w->domu, VSCSI_XS_NO_TXN, r->v->fe, "state",
                                VSCSI_XB_CLOSING);
            run(r, RUN_DELIVER);
        } else if (op == 'D' && len - i >= DELAYS) {
            memcpy(w->delay, p + i, DELAYS);
            w->ndelay = DELAYS;
            w->next_delay = 0;
            i += DELAYS;
        } else if (op == 'T' && len - i >= 1) {
            w->now += (uint64_t)p[i++] * TICK_US;
            run(r, RUN_DELIVER);
        } else if (op == 'Q') {
            run(r, RUN_POLL);
        } else {
            break;
        }
    }
    VSCSI_STORE_RELEASE(&w->sring->req_prod, r->req_prod_pvt);
    kick(r);
}

/* Every consumed request must be answered by the end. An input that left
 * nothing in flight keeps the connection for the next one; any other goes
 * through Closing and Closed here. */
static void finish(struct replay *r)
{
    struct world *w = r->w;
    struct vhost *v = r->v;
    struct vscsi_back_stats st;
    int keep = 0;

    if (!r->npend && !r->ring_touched && !vscsi_back_error(v->back) &&
        vscsi_back_state(v->back) == VSCSI_XB_CONNECTED && r->rsp_seen == r->req_prod_pvt &&
        r->base + (uint32_t)r->consumed == r->req_prod_pvt)
        keep = 1;
    if (!keep) {
        w->connected = -1;
        vscsi_xb_write_uint(w->ops, w->domu, VSCSI_XS_NO_TXN, v->fe, "state", VSCSI_XB_CLOSING);
        run(r, RUN_DELIVER);
        vscsi_xb_write_uint(w->ops, w->domu, VSCSI_XS_NO_TXN, v->fe, "state", VSCSI_XB_CLOSED);
        run(r, RUN_DELIVER);
    } else {
        w->ring_idx = r->req_prod_pvt;
    }

    vscsi_back_stats(v->back, &st);
    r->res->rejected = st.rejected - r->base_rejected;
    r->res->backend_error = vscsi_back_error(v->back);
    if (r->npend)
        broken(r, "%u requests never answered (first rqid %u)", r->npend, r->pend[0].rqid);
    if (st.responses != st.requests)
        broken(r, "backend counts %u requests taken, %u answered", (unsigned)st.requests,
               (unsigned)st.responses);
    if (vscsi_sim_mappings(w->hv, 0) != (unsigned)keep)
        broken(r, "%u pages mapped by the backend with nothing in flight",
               vscsi_sim_mappings(w->hv, 0));
    if (vscsi_sim_bridge_held(w->br) != 0)
        broken(r, "%u commands still held by the target with nothing in flight",
               vscsi_sim_bridge_held(w->br));
    if (vscsi_sim_grants_in_use(w->hv, FRONT_DOMID) != (unsigned)keep)
        broken(r, "%u frontend grants in use with nothing in flight",
               vscsi_sim_grants_in_use(w->hv, FRONT_DOMID));
    if (!keep && (r->res->backend_error || vscsi_back_state(v->back) != VSCSI_XB_CLOSED ||
                  vscsi_back_gone(v->back))) {
        /* Latched for good: the next input of this mode gets a new backend. */
        vscsi_back_destroy(v->back);
        v->back = NULL;
        if (vscsi_sim_mappings(w->hv, 0) != 0)
            broken(r, "%u pages still mapped once the backend is freed",
                   vscsi_sim_mappings(w->hv, 0));
    }
}

int vscsi_sim_replay_buf(const uint8_t *data, size_t len, int trace,
                         struct vscsi_sim_replay_result *out)
{
    struct replay r = {.trace = trace, .res = out};
    struct vscsi_back_stats st;
    unsigned mode;
    int rc;

    memset(out, 0, sizeof(*out));
    r.flags = len >= 2 && data[0] == 'K' ? data[1] : 0;
    mode = r.flags & FLAG_MAP ? MODE_MAP : MODE_COPY;
    if (!the_world && !(the_world = world_new())) {
        snprintf(out->why, sizeof(out->why), "cannot build the simulated host");
        out->invariant_broken = 1;
        return -ENOMEM;
    }
    r.w = the_world;
    r.v = &r.w->vh[mode];
    if ((rc = world_reset(r.w, mode))) {
        snprintf(out->why, sizeof(out->why), "reset failed: %d (backend state %d)", rc,
                 r.v->back ? (int)vscsi_back_state(r.v->back) : -1);
        out->invariant_broken = 1;
        return rc;
    }
    r.base = r.req_prod_pvt = r.rsp_seen = r.acct_prod = r.w->ring_idx;
    VSCSI_STORE_RELAXED(&r.w->sring->rsp_event, r.rsp_seen + 1);
    vscsi_back_stats(r.v->back, &st);
    r.base_requests = st.requests;
    r.base_rejected = st.rejected;
    if (st.requests != st.responses) {
        snprintf(out->why, sizeof(out->why), "backend starts with requests in flight");
        out->invariant_broken = 1;
        return -EPROTO;
    }
    play(&r, data, len);
    finish(&r);
    return out->invariant_broken ? -EPROTO : 0;
}

void vscsi_sim_replay_shutdown(void)
{
    world_free(the_world);
    the_world = NULL;
}

int vscsi_sim_replay_file(const char *path, int trace, uint64_t seed)
{
    struct vscsi_sim_replay_result res;
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long len;

    (void)seed; /* the replay is fully determined by the file */
    if (!f || fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
        perror(path);
        if (f)
            fclose(f);
        return -errno;
    }
    buf = malloc((size_t)len + 1);
    if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
        fclose(f);
        free(buf);
        return -EIO;
    }
    fclose(f);
    int rc = vscsi_sim_replay_buf(buf, (size_t)len, trace, &res);
    free(buf);
    vscsi_sim_replay_shutdown();
    printf("replay %s: %llu slots, %llu responses (%llu aborted, %llu reset, %llu TMR ok), "
           "%llu rejected, backend %s; invariants %s%s\n",
           path, (unsigned long long)res.slots, (unsigned long long)res.responses,
           (unsigned long long)res.aborted, (unsigned long long)res.reset,
           (unsigned long long)res.tmr_ok, (unsigned long long)res.rejected,
           res.backend_error ? "latched an error" : "serving",
           res.invariant_broken ? "BROKEN: " : "held", res.invariant_broken ? res.why : "");
    return rc;
}
