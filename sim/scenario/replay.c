/* SPDX-License-Identifier: MIT */
#include <errno.h>
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

struct replay {
    struct vscsi_sim_hv *hv;
    struct vscsi_sim_dom *dom0, *domu;
    struct vscsi_sim_bridge *br;
    struct vscsi_tgt_lun *disk;
    struct vscsi_back *back;
    const struct vscsi_platform_ops *ops;
    char fe[128], be[128];
    uint32_t pool_ref[POOL];
    uint8_t *pool[POOL];
    uint32_t ring_ref, port;
    struct vscsi_sring *sring;
    uint32_t req_prod_pvt, rsp_seen;
    int trace;
    struct vscsi_sim_replay_result *res;
};

static void on_watch(void *arg, const char *path, const char *token)
{
    vscsi_back_handle_watch(((struct replay *)arg)->back, path, token);
}

static void on_port(void *arg, uint32_t port)
{
    struct replay *r = arg;
    if (port == vscsi_back_port(r->back))
        vscsi_back_handle_event(r->back);
}

static void run_backend(struct replay *r)
{
    /* Bounded: a backend that keeps itself busy forever is a bug we want to see as a hang
     * in the fuzzer, but the replay tool must terminate. */
    for (int i = 0; i < 10000; i++) {
        int n = vscsi_sim_dom_deliver(r->dom0, 1 << 20, on_watch, on_port, r);
        n += vscsi_sim_bridge_poll(r->br, (uint64_t)i * 1000000u);
        /* The frontend side has nothing to do but swallow its watches and events. */
        vscsi_sim_dom_deliver(r->domu, 1 << 20, NULL, NULL, NULL);
        if (!n && vscsi_sim_bridge_next_due(r->br) == UINT64_MAX)
            break;
    }
}

static void collect(struct replay *r)
{
    uint32_t prod;

    if (!r->sring)
        return;
    prod = VSCSI_LOAD_ACQUIRE(&r->sring->rsp_prod);
    if ((uint32_t)(prod - r->rsp_seen) > VSCSI_RING_SIZE) {
        snprintf(r->res->why, sizeof(r->res->why), "backend produced %u responses at once",
                 (unsigned)(prod - r->rsp_seen));
        r->res->invariant_broken = 1;
        r->rsp_seen = prod;
        return;
    }
    while (r->rsp_seen != prod) {
        struct vscsi_response rsp;
        vscsi_slot_copy(&rsp, &r->sring->ring[r->rsp_seen & VSCSI_RING_MASK].rsp);
        r->rsp_seen++;
        r->res->responses++;
        if (r->trace)
            printf("replay: rsp rqid=%u rslt=0x%08x sense_len=%u resid=%u\n", rsp.rqid,
                   (unsigned)rsp.rslt, rsp.sense_len, rsp.residual_len);
        if (rsp.sense_len > VSCSI_SENSE_LEN) {
            snprintf(r->res->why, sizeof(r->res->why), "sense_len %u", rsp.sense_len);
            r->res->invariant_broken = 1;
        }
    }
}

static int setup(struct replay *r)
{
    struct vscsi_ts_vhost ts = {0, FRONT_DOMID, 0, 0};
    struct vscsi_tgt_disk_opts dopts = {.blocks = 1024, .block_size = 512};
    int rc;

    r->ops = vscsi_sim_ops();
    r->hv = vscsi_sim_hv_new();
    r->br = vscsi_sim_bridge_new();
    r->disk = vscsi_tgt_disk_new(&dopts);
    if (!r->hv || !r->br || !r->disk)
        return -ENOMEM;
    r->dom0 = vscsi_sim_dom_create(r->hv, 0, 256);
    r->domu = vscsi_sim_dom_create(r->hv, FRONT_DOMID, POOL + 16);
    if (!r->dom0 || !r->domu)
        return -ENOMEM;
    if ((rc = vscsi_sim_bridge_add(r->br, "0:0:0:0", r->disk)) ||
        (rc = vscsi_ts_vhost_create(r->ops, r->dom0, &ts)) ||
        (rc = vscsi_ts_lun_add(r->ops, r->dom0, &ts, 0, "0:0:0:0", "0:0:0:0", NULL, 0)) ||
        (rc = vscsi_ts_paths(&ts, r->be, sizeof(r->be), r->fe, sizeof(r->fe))))
        return rc;
    struct vscsi_back_config bc = {
        .size = sizeof(bc),
        .ops = r->ops,
        .ops_ctx = r->dom0,
        .target = vscsi_sim_bridge_ops(),
        .target_ctx = r->br,
        .dev_path = r->be,
        .max_segs = 128,
    };
    if ((rc = vscsi_back_new(&bc, &r->back)) || (rc = vscsi_back_start(r->back)))
        return rc;

    /* The raw frontend: a ring, a pool of pages, a channel, and the handshake nodes. */
    void *page;
    if ((rc = r->ops->grant_page(r->domu, 0, 0, &r->ring_ref, &page)))
        return rc;
    r->sring = page;
    vscsi_sring_init(r->sring);
    for (unsigned i = 0; i < POOL; i++)
        if ((rc = r->ops->grant_page(r->domu, 0, 0, &r->pool_ref[i], (void **)&r->pool[i])))
            return rc;
    if ((rc = r->ops->evtchn_alloc_unbound(r->domu, 0, &r->port)) ||
        (rc = vscsi_xb_write_uint(r->ops, r->domu, VSCSI_XS_NO_TXN, r->fe, "ring-ref",
                                  r->ring_ref)) ||
        (rc = vscsi_xb_write_uint(r->ops, r->domu, VSCSI_XS_NO_TXN, r->fe, "event-channel",
                                  r->port)) ||
        (rc = vscsi_xb_write_uint(r->ops, r->domu, VSCSI_XS_NO_TXN, r->fe, "state",
                                  VSCSI_XB_INITIALISED)))
        return rc;
    run_backend(r);
    return vscsi_back_state(r->back) == VSCSI_XB_CONNECTED ? 0 : -ENOTCONN;
}

static uint32_t pool_ref(struct replay *r, uint32_t gref)
{
    return gref < POOL ? r->pool_ref[gref] : gref;
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
            for (uint32_t o = off & ~7u; o + 8 <= off + len; o += 8) {
                struct vscsi_seg d;
                memcpy(&d, r->pool[idx] + o, sizeof(d));
                d.gref = pool_ref(r, d.gref);
                memcpy(r->pool[idx] + o, &d, sizeof(d));
            }
        }
        rq->seg[i].gref = pool_ref(r, idx);
    }
}

static void notify_and_run(struct replay *r)
{
    r->ops->evtchn_notify(r->domu, r->port);
    run_backend(r);
    collect(r);
}

static void play(struct replay *r, const uint8_t *p, size_t len)
{
    size_t i = 0;

    while (i < len) {
        uint8_t op = p[i++];
        if (op == 'R' && len - i >= VSCSI_SLOT_SIZE) {
            struct vscsi_request rq;
            memcpy(&rq, p + i, VSCSI_SLOT_SIZE);
            i += VSCSI_SLOT_SIZE;
            translate(r, &rq);
            memcpy(&r->sring->ring[r->req_prod_pvt & VSCSI_RING_MASK].req, &rq, sizeof(rq));
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
                memcpy(r->pool[page] + off, p + i, fit);
            }
            i += n;
        } else if (op == 'G') {
            VSCSI_STORE_RELEASE(&r->sring->req_prod, r->req_prod_pvt);
            notify_and_run(r);
        } else if (op == 'X' && len - i >= 4) {
            uint32_t v = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
                         (uint32_t)p[i + 3] << 24;
            i += 4;
            VSCSI_STORE_RELEASE(&r->sring->req_prod, v);
            notify_and_run(r);
        } else if (op == 'E') {
            notify_and_run(r);
        } else if (op == 'C') {
            vscsi_xb_write_uint(r->ops, r->domu, VSCSI_XS_NO_TXN, r->fe, "state", VSCSI_XB_CLOSING);
            run_backend(r);
            collect(r);
        } else {
            break;
        }
    }
    VSCSI_STORE_RELEASE(&r->sring->req_prod, r->req_prod_pvt);
    notify_and_run(r);
}

static void check_end(struct replay *r)
{
    struct vscsi_back_stats st;

    vscsi_back_stats(r->back, &st);
    r->res->rejected = st.rejected;
    r->res->backend_error = vscsi_back_error(r->back);
    if (st.responses != st.requests && !r->res->invariant_broken) {
        snprintf(r->res->why, sizeof(r->res->why), "%llu requests taken, %llu answered",
                 (unsigned long long)st.requests, (unsigned long long)st.responses);
        r->res->invariant_broken = 1;
    }
    vscsi_back_destroy(r->back);
    r->back = NULL;
    if (vscsi_sim_mappings(r->hv, 0) != 0 && !r->res->invariant_broken) {
        snprintf(r->res->why, sizeof(r->res->why), "%u pages still mapped by the backend",
                 vscsi_sim_mappings(r->hv, 0));
        r->res->invariant_broken = 1;
    }
}

static void teardown(struct replay *r)
{
    if (r->back)
        vscsi_back_destroy(r->back);
    if (r->hv)
        vscsi_sim_hv_free(r->hv);
    vscsi_sim_bridge_free(r->br);
    if (r->disk)
        vscsi_tgt_free(r->disk);
}

int vscsi_sim_replay_buf(const uint8_t *data, size_t len, int trace,
                         struct vscsi_sim_replay_result *out)
{
    struct replay r = {.trace = trace, .res = out};
    int rc;

    memset(out, 0, sizeof(*out));
    rc = setup(&r);
    if (rc) {
        snprintf(out->why, sizeof(out->why), "setup failed: %d", rc);
        out->invariant_broken = 1;
    } else {
        play(&r, data, len);
        check_end(&r);
    }
    teardown(&r);
    return out->invariant_broken ? -EPROTO : 0;
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
    printf("replay %s: %llu slots, %llu responses, %llu rejected, backend %s; invariants %s%s%s\n",
           path, (unsigned long long)res.slots, (unsigned long long)res.responses,
           (unsigned long long)res.rejected, res.backend_error ? "latched an error" : "serving",
           res.invariant_broken ? "BROKEN: " : "held", res.invariant_broken ? res.why : "", "");
    return rc;
}
