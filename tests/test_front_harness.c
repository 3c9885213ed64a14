/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <vscsiif/response.h>
#include <vscsiif/xenbus.h>

#include "test_front_harness.h"
#include "vscsiif/scsi.h"

static void on_done(void *cb_ctx, void *user, const struct vscsi_result *res, size_t bytes)
{
    struct fh *h = cb_ctx;

    assert_true(h->ndone < FH_MAX_DONE);
    h->done[h->ndone].user = user;
    h->done[h->ndone].res = *res;
    h->done[h->ndone].bytes = bytes;
    h->ndone++;
    if (h->on_done)
        h->on_done(h, user, res);
}

static void on_lun(void *cb_ctx, const char *devname, uint32_t host, const struct vscsi_nexus *nx,
                   int added)
{
    struct fh *h = cb_ctx;
    struct fh_lunev *e;

    assert_true(h->nlunev < FH_MAX_LUNEV);
    e = &h->lunev[h->nlunev++];
    snprintf(e->name, sizeof(e->name), "%s", devname);
    e->host = host;
    e->nx = *nx;
    e->added = added;
}

static void xs_w(struct fh *h, const char *path, const char *value)
{
    assert_int_equal(h->ops->xs_write(h->d0, VSCSI_XS_NO_TXN, path, value), 0);
}

void fh_be_write(struct fh *h, const char *rel, const char *value)
{
    char path[512];

    if (rel[0] == '/')
        snprintf(path, sizeof(path), "%s", rel);
    else
        snprintf(path, sizeof(path), "%s/%s", h->be, rel);
    xs_w(h, path, value);
}

int fh_read(struct fh *h, const char *abs, char *buf, size_t len)
{
    return h->ops->xs_read(h->d0, VSCSI_XS_NO_TXN, abs, buf, len);
}

long fh_fe_node(struct fh *h, const char *rel)
{
    char path[512], buf[64];
    uint32_t v;

    snprintf(path, sizeof(path), "%s/%s", h->fe, rel);
    if (fh_read(h, path, buf, sizeof(buf)) < 0 || vscsi_xb_parse_uint(buf, UINT32_MAX, &v))
        return -1;
    return (long)v;
}

void fh_be_state(struct fh *h, unsigned st)
{
    char v[16];

    snprintf(v, sizeof(v), "%u", st);
    fh_be_write(h, "state", v);
}

void fh_setup(struct fh *h, const char *sg_grant, unsigned ndevs)
{
    struct vscsi_xs_perm perms[2] = {{0, VSCSI_XS_PERM_NONE}, {FH_FDOM, VSCSI_XS_PERM_READ}};
    char v[64], node[256];

    memset(h, 0, sizeof(*h));
    h->hv = vscsi_sim_hv_new();
    assert_non_null(h->hv);
    h->d0 = vscsi_sim_dom_create(h->hv, 0, FH_PAGES);
    h->du = vscsi_sim_dom_create(h->hv, FH_FDOM, FH_PAGES);
    assert_non_null(h->d0);
    assert_non_null(h->du);
    h->ops = vscsi_sim_ops();
    snprintf(h->fe, sizeof(h->fe), "/local/domain/%u/device/vscsi/0", FH_FDOM);
    snprintf(h->be, sizeof(h->be), "/local/domain/0/backend/vscsi/%u/0", FH_FDOM);

    /* Backend directory: dom0's, readable by the frontend domain. */
    assert_int_equal(h->ops->xs_mkdir(h->d0, VSCSI_XS_NO_TXN, h->be), 0);
    assert_int_equal(h->ops->xs_set_perms(h->d0, VSCSI_XS_NO_TXN, h->be, perms, 2), 0);
    fh_be_write(h, "frontend", h->fe);
    snprintf(v, sizeof(v), "%u", FH_FDOM);
    fh_be_write(h, "frontend-id", v);
    fh_be_write(h, "online", "1");
    fh_be_write(h, "state", "1");
    if (sg_grant)
        fh_be_write(h, "feature-sg-grant", sg_grant);
    for (unsigned i = 1; i <= ndevs; i++) {
        snprintf(node, sizeof(node), "vscsi-devs/dev-%u/p-dev", i);
        snprintf(v, sizeof(v), "naa.0123456789abcdef:%u", i - 1);
        fh_be_write(h, node, v);
        snprintf(node, sizeof(node), "vscsi-devs/dev-%u/v-dev", i);
        snprintf(v, sizeof(v), "0:0:%u:0", i - 1);
        fh_be_write(h, node, v);
        snprintf(node, sizeof(node), "vscsi-devs/dev-%u/state", i);
        fh_be_write(h, node, "1");
    }
    /* Frontend directory: created by dom0 under the guest's home, so the
     * guest owns it. */
    snprintf(node, sizeof(node), "%s/backend", h->fe);
    xs_w(h, node, h->be);
    snprintf(node, sizeof(node), "%s/backend-id", h->fe);
    xs_w(h, node, "0");
    snprintf(node, sizeof(node), "%s/state", h->fe);
    xs_w(h, node, "1");
}

void fh_front(struct fh *h, uint32_t max_segs, uint32_t abort_ms, uint32_t reset_ms)
{
    h->cfg = (struct vscsi_front_config){
        .size = sizeof(h->cfg),
        .ops = h->ops,
        .ops_ctx = h->du,
        .dev_path = h->fe,
        .done = on_done,
        .lun = on_lun,
        .cb_ctx = h,
        .max_segs = max_segs,
        .abort_after_ms = abort_ms,
        .reset_after_ms = reset_ms,
    };
    assert_int_equal(vscsi_front_new(&h->cfg, &h->f), 0);
    assert_int_equal(vscsi_front_start(h->f), 0);
    assert_int_equal(vscsi_front_state(h->f), VSCSI_XB_INITIALISED);
    fh_pump(h);
}

static void fh_on_watch(void *arg, const char *path, const char *token)
{
    vscsi_front_handle_watch(((struct fh *)arg)->f, path, token);
}

static void fh_on_port(void *arg, uint32_t port)
{
    struct fh *h = arg;
    if (port == vscsi_front_port(h->f))
        vscsi_front_handle_event(h->f);
}

unsigned fh_pump(struct fh *h)
{
    unsigned n = 0;

    for (unsigned round = 0; round < 10000; round++) {
        int got = vscsi_sim_dom_deliver(h->du, 1 << 20, fh_on_watch, fh_on_port, h);
        if (!got)
            return n;
        n += (unsigned)got;
    }
    fail_msg("front never settles");
    return n;
}

static void be_devs_to(struct fh *h, unsigned from, unsigned to)
{
    char dir[256], names[8192], node[256 + 8192 + 16], v[32];
    int n;

    snprintf(dir, sizeof(dir), "%s/vscsi-devs", h->be);
    n = h->ops->xs_directory(h->d0, VSCSI_XS_NO_TXN, dir, names, sizeof(names));
    for (int i = 0, pos = 0; i < n; i++) {
        const char *name = names + pos;

        pos += (int)strlen(name) + 1;
        snprintf(node, sizeof(node), "%s/%s/state", dir, name);
        if (fh_read(h, node, v, sizeof(v)) >= 0 && (unsigned)atoi(v) == from) {
            snprintf(v, sizeof(v), "%u", to);
            xs_w(h, node, v);
        }
    }
}

void fh_be_connect(struct fh *h)
{
    char path[256], buf[64];
    uint32_t ref, port;

    fh_be_state(h, VSCSI_XB_INIT_WAIT);
    fh_pump(h);
    assert_int_equal(fh_fe_node(h, "state"), VSCSI_XB_INITIALISED);
    snprintf(path, sizeof(path), "%s/ring-ref", h->fe);
    assert_true(fh_read(h, path, buf, sizeof(buf)) > 0);
    assert_int_equal(vscsi_xb_parse_uint(buf, UINT32_MAX, &ref), 0);
    snprintf(path, sizeof(path), "%s/event-channel", h->fe);
    assert_true(fh_read(h, path, buf, sizeof(buf)) > 0);
    assert_int_equal(vscsi_xb_parse_uint(buf, UINT32_MAX, &port), 0);
    assert_int_equal(h->ops->map_grants(h->d0, FH_FDOM, 1, &ref, 1, &h->ring_addr), 0);
    vscsi_back_ring_init(&h->br, h->ring_addr);
    assert_int_equal(h->ops->evtchn_bind_interdomain(h->d0, FH_FDOM, port, &h->bport), 0);
    be_devs_to(h, VSCSI_XB_INITIALISING, VSCSI_XB_INITIALISED);
    fh_be_state(h, VSCSI_XB_CONNECTED);
    fh_pump(h);
}

void fh_connect(struct fh *h, const char *sg_grant, unsigned ndevs)
{
    fh_setup(h, sg_grant, ndevs);
    fh_front(h, 0, 0, 0);
    fh_be_connect(h);
    assert_int_equal(vscsi_front_state(h->f), VSCSI_XB_CONNECTED);
}

void fh_teardown(struct fh *h)
{
    if (h->ring_addr)
        h->ops->unmap_grants(h->d0, h->ring_addr, 1);
    if (h->bport)
        h->ops->evtchn_unbind(h->d0, h->bport);
    vscsi_front_destroy(h->f);
    vscsi_sim_hv_free(h->hv);
    memset(h, 0, sizeof(*h));
}

int fh_be_take(struct fh *h, struct vscsi_request *rq)
{
    int n = vscsi_back_requests(&h->br);

    assert_true(n >= 0);
    if (n == 0)
        return 0;
    /* The whole slot, reserved[] and unused segments included: the harness
     * checks everything the frontend put on the wire (vscsi_back_take copies
     * only the bytes with a meaning). */
    vscsi_slot_copy(rq, &h->br.sring->ring[h->br.req_cons & VSCSI_RING_MASK].req);
    h->br.req_cons++;
    return 1;
}

void fh_be_reply(struct fh *h, const struct vscsi_response *rsp)
{
    struct vscsi_response *slot = vscsi_back_slot(&h->br);

    assert_non_null(slot);
    memcpy(slot, rsp, sizeof(*rsp));
    vscsi_back_produce(&h->br);
    if (vscsi_back_push(&h->br))
        assert_int_equal(h->ops->evtchn_notify(h->d0, h->bport), 0);
}

void fh_be_reply_cdb(struct fh *h, uint16_t rqid, uint8_t host, uint8_t status, uint32_t residual)
{
    struct vscsi_response rsp;

    vscsi_rsp_cdb(&rsp, rqid, host, status, NULL, 0, residual);
    fh_be_reply(h, &rsp);
}

void fh_be_reply_tmr(struct fh *h, uint16_t rqid, int ok)
{
    struct vscsi_response rsp;

    vscsi_rsp_tmr(&rsp, rqid, ok);
    fh_be_reply(h, &rsp);
}

unsigned fh_be_segs(struct fh *h, const struct vscsi_request *rq, struct vscsi_seg *out,
                    unsigned max)
{
    unsigned n = rq->nr_segments & VSCSI_SG_COUNT_MASK, total = 0;

    if (!(rq->nr_segments & VSCSI_SG_GRANT)) {
        assert_true(n <= max);
        memcpy(out, rq->seg, n * sizeof(*out));
        return n;
    }
    for (unsigned i = 0; i < n; i++) {
        struct vscsi_grant_copy c = {
            .ref = rq->seg[i].gref,
            .domid = FH_FDOM,
            .offset = rq->seg[i].offset,
            .len = rq->seg[i].length,
            .to_grant = 0,
            .local = out + total,
        };

        assert_true(total + rq->seg[i].length / 8 <= max);
        assert_int_equal(h->ops->copy_grants(h->d0, &c, 1), 0);
        assert_int_equal(c.status, 0);
        total += rq->seg[i].length / 8;
    }
    return total;
}

static size_t be_copy(struct fh *h, const struct vscsi_request *rq, uint8_t *buf, size_t len,
                      int to_grant)
{
    static struct vscsi_seg segs[VSCSI_MAX_INDIRECT_SEGS];
    unsigned n = fh_be_segs(h, rq, segs, VSCSI_MAX_INDIRECT_SEGS);
    size_t done = 0;

    for (unsigned i = 0; i < n && done < len; i++) {
        size_t l = segs[i].length < len - done ? segs[i].length : len - done;
        struct vscsi_grant_copy c = {
            .ref = segs[i].gref,
            .domid = FH_FDOM,
            .offset = segs[i].offset,
            .len = (uint16_t)l,
            .to_grant = (uint8_t)to_grant,
            .local = buf + done,
        };

        assert_int_equal(h->ops->copy_grants(h->d0, &c, 1), 0);
        assert_int_equal(c.status, 0);
        done += l;
    }
    return done;
}

size_t fh_be_read_data(struct fh *h, const struct vscsi_request *rq, uint8_t *buf, size_t len)
{
    return be_copy(h, rq, buf, len, 0);
}

size_t fh_be_write_data(struct fh *h, const struct vscsi_request *rq, const uint8_t *buf,
                        size_t len)
{
    return be_copy(h, rq, (uint8_t *)(uintptr_t)buf, len, 1);
}

int fh_submit(struct fh *h, uint8_t dir, void *buf, size_t len, void *user)
{
    static const uint8_t rd[10] = {VSCSI_OP_READ_10};
    static const uint8_t wr[10] = {VSCSI_OP_WRITE_10};
    static const uint8_t tur[6] = {0x00};
    struct vscsi_front_io io = {
        .nx = {0, 0, 0},
        .cdb = dir == VSCSI_DIR_FROM_DEVICE ? rd
               : dir == VSCSI_DIR_TO_DEVICE ? wr
                                            : tur,
        .cdb_len = dir == VSCSI_DIR_NONE ? 6 : 10,
        .dir = dir,
        .buf = buf,
        .len = len,
    };

    return vscsi_front_submit(h->f, &io, user);
}

unsigned fh_count_user(const struct fh *h, void *user)
{
    unsigned n = 0;

    for (unsigned i = 0; i < h->ndone; i++)
        if (h->done[i].user == user)
            n++;
    return n;
}

const struct fh_done *fh_find_user(const struct fh *h, void *user)
{
    for (unsigned i = 0; i < h->ndone; i++)
        if (h->done[i].user == user)
            return &h->done[i];
    return NULL;
}

void fh_fill(uint8_t *buf, size_t len, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1;

    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)x;
    }
}
