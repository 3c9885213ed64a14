/* SPDX-License-Identifier: MIT */
#include "back_harness.h"
#include "vscsiif/scsi.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define H(ctx) ((struct bh *)(ctx))

/* ------------------------------------------------------------ response checks */

static int ref_busy(struct bh *h, uint32_t ref)
{
    uint16_t flags = 0;

    if (ref == h->ring_ref)
        return 0;
    if (vscsi_sim_grant_entry(h->hv, h->o.fdom, ref, &flags, NULL, NULL) != 0)
        return 0;
    return (flags & (VSCSI_SIM_GTF_reading | VSCSI_SIM_GTF_writing)) != 0;
}

static int sent_free(struct bh *h, const struct bh_sent *s)
{
    for (uint32_t i = 0; i < s->nrefs; i++)
        if (ref_busy(h, s->refs[i]))
            return 0;
    return 1;
}

/* A response just became visible: pin it on a request with that rqid still
 * waiting and check the grants. Only a duplicate rqid makes this ambiguous;
 * a duplicate is refused at once, so the newest waiting request whose
 * grants are all released is the one answered. */
static void see_response(struct bh *h, const struct vscsi_response *rsp)
{
    struct bh_sent *pick = NULL, *any = NULL;

    for (unsigned i = h->nsent; i-- > 0;) {
        struct bh_sent *s = &h->sent[i];
        if (s->rqid != rsp->rqid || s->answers)
            continue;
        if (!any)
            any = s;
        if (sent_free(h, s)) {
            pick = s;
            break;
        }
    }
    if (!any) {
        h->unexpected++;
        return;
    }
    if (!pick) {
        h->grant_violations++;
        pick = any;
    }
    pick->answers++;
    pick->rsp = *rsp;
    pick->order = h->nrsp++;
}

/* Every response between what we last checked and rsp_prod. */
static void check_visible(struct bh *h)
{
    if (!h->sring)
        return;
    uint32_t prod = __atomic_load_n(&h->sring->rsp_prod, __ATOMIC_ACQUIRE);

    if ((uint32_t)(prod - h->checked) > (uint32_t)(h->req_prod_pvt - h->checked)) {
        h->ring_violations++;
        prod = h->req_prod_pvt;
    }
    while (h->checked != prod) {
        struct vscsi_response copy;
        memcpy(&copy, &h->sring->ring[h->checked & (VSCSI_RING_SIZE - 1)].rsp, sizeof(copy));
        see_response(h, &copy);
        h->checked++;
    }
}

void bh_collect(struct bh *h)
{
    check_visible(h);
    if (!h->sring)
        return;
    h->rsp_cons = h->checked;
    /* As Linux front: ask to be woken by the next response. */
    __atomic_store_n(&h->sring->rsp_event, h->rsp_cons + 1, __ATOMIC_SEQ_CST);
    check_visible(h);
    h->rsp_cons = h->checked;
}

/* ------------------------------------------------------- dom0's wrapped ops */

static int w_domid(void *ctx, uint16_t *out)
{
    return H(ctx)->sim->domid(H(ctx)->d0, out);
}

static int w_map(void *ctx, uint16_t domid, uint32_t count, const uint32_t *refs, int writable,
                 void **addr)
{
    struct bh *h = ctx;
    int rc;

    h->map_calls++;
    rc = h->sim->map_grants(h->d0, domid, count, refs, writable, addr);
    if (rc) {
        h->map_fail++;
        return rc;
    }
    for (uint32_t i = 0; i < count; i++) {
        if (refs[i] >= BH_MAX_REFS)
            continue;
        if (writable)
            h->ref_map_rw[refs[i]]++;
        else
            h->ref_map_ro[refs[i]]++;
    }
    if (count == 1 && !writable && refs[0] < BH_MAX_REFS) {
        h->ref_reads[refs[0]]++;
        for (unsigned i = 0; i < 64; i++)
            if (!h->ro1[i].addr) {
                h->ro1[i].addr = *addr;
                h->ro1[i].ref = refs[0];
                break;
            }
    }
    return 0;
}

static int w_unmap(void *ctx, void *addr, uint32_t count)
{
    struct bh *h = ctx;
    int rc = h->sim->unmap_grants(h->d0, addr, count);

    for (unsigned i = 0; i < 64; i++)
        if (addr && h->ro1[i].addr == addr) {
            uint32_t ref = h->ro1[i].ref;
            h->ro1[i].addr = NULL;
            if (rc == 0 && h->on_read)
                h->on_read(h, ref);
        }
    return rc;
}

static int w_copy(void *ctx, struct vscsi_grant_copy *segs, uint32_t count)
{
    struct bh *h = ctx;
    int rc;

    h->copy_calls++;
    rc = h->sim->copy_grants(h->d0, segs, count);
    if (rc)
        return rc;
    for (uint32_t i = 0; i < count; i++) {
        if (segs[i].ref >= BH_MAX_REFS)
            continue;
        if (segs[i].to_grant)
            h->ref_copy_to[segs[i].ref]++;
        else if (segs[i].status == VSCSI_GNTST_OKAY)
            h->ref_reads[segs[i].ref]++;
    }
    for (uint32_t i = 0; i < count && h->on_read; i++)
        if (!segs[i].to_grant && segs[i].status == VSCSI_GNTST_OKAY)
            h->on_read(h, segs[i].ref);
    return 0;
}

static int w_check(void *ctx, uint16_t domid, uint32_t count, const uint32_t *refs, int writable)
{
    struct bh *h = ctx;

    h->check_calls++;
    return h->sim->check_grants(h->d0, domid, count, refs, writable);
}

static void *w_alloc_mem(void *ctx, size_t len)
{
    struct bh *h = ctx;

    if (++h->alloc_calls == h->alloc_fail_at)
        return NULL;
    void *p = calloc(1, len);
    h->alloc_live += p != NULL;
    return p;
}

static void w_free_mem(void *ctx, void *p)
{
    struct bh *h = ctx;

    assert_true(h->alloc_live > 0);
    h->alloc_live--;
    free(p);
}

static int w_alloc_unbound(void *ctx, uint16_t remote, uint32_t *port)
{
    return H(ctx)->sim->evtchn_alloc_unbound(H(ctx)->d0, remote, port);
}

static int w_bind(void *ctx, uint16_t remote, uint32_t rport, uint32_t *lport)
{
    return H(ctx)->sim->evtchn_bind_interdomain(H(ctx)->d0, remote, rport, lport);
}

static int w_notify(void *ctx, uint32_t port)
{
    struct bh *h = ctx;

    /* The frontend may look at the ring the moment this event arrives. */
    h->notifies++;
    check_visible(h);
    h->maps_at_notify = vscsi_sim_mappings(h->hv, 0);
    return h->sim->evtchn_notify(h->d0, port);
}

static int w_unbind(void *ctx, uint32_t port)
{
    return H(ctx)->sim->evtchn_unbind(H(ctx)->d0, port);
}

static int w_xs_read(void *ctx, vscsi_xs_txn t, const char *p, char *buf, size_t len)
{
    return H(ctx)->sim->xs_read(H(ctx)->d0, t, p, buf, len);
}

static int w_xs_write(void *ctx, vscsi_xs_txn t, const char *p, const char *v)
{
    return H(ctx)->sim->xs_write(H(ctx)->d0, t, p, v);
}

static int w_xs_mkdir(void *ctx, vscsi_xs_txn t, const char *p)
{
    return H(ctx)->sim->xs_mkdir(H(ctx)->d0, t, p);
}

static int w_xs_rm(void *ctx, vscsi_xs_txn t, const char *p)
{
    return H(ctx)->sim->xs_rm(H(ctx)->d0, t, p);
}

static int w_xs_dir(void *ctx, vscsi_xs_txn t, const char *p, char *buf, size_t len)
{
    return H(ctx)->sim->xs_directory(H(ctx)->d0, t, p, buf, len);
}

static int w_xs_perms(void *ctx, vscsi_xs_txn t, const char *p, const struct vscsi_xs_perm *pe,
                      unsigned n)
{
    return H(ctx)->sim->xs_set_perms(H(ctx)->d0, t, p, pe, n);
}

static int w_xs_watch(void *ctx, const char *p, const char *tok)
{
    return H(ctx)->sim->xs_watch(H(ctx)->d0, p, tok);
}

static int w_xs_unwatch(void *ctx, const char *p, const char *tok)
{
    return H(ctx)->sim->xs_unwatch(H(ctx)->d0, p, tok);
}

static int w_txn_start(void *ctx, vscsi_xs_txn *t)
{
    return H(ctx)->sim->xs_txn_start(H(ctx)->d0, t);
}

static int w_txn_end(void *ctx, vscsi_xs_txn t, int abort)
{
    return H(ctx)->sim->xs_txn_end(H(ctx)->d0, t, abort);
}

/* ------------------------------------------------------------------ target */

static struct bh_tcmd *tcmd_of(struct bh *h, struct vscsi_target_cmd *tc)
{
    for (unsigned i = h->tgt.ncmds; i-- > 0;)
        if (h->tgt.cmds[i].tc == tc && h->tgt.cmds[i].state == BH_T_PENDING)
            return &h->tgt.cmds[i];
    return NULL;
}

static int t_open(void *tctx, const char *pdev, void **lun)
{
    struct bh *h = tctx;
    struct bh_tlun *l = NULL;

    if (strncmp(pdev, "nodev", 5) == 0)
        return -ENODEV;
    for (unsigned i = 0; i < h->tgt.nluns; i++)
        if (strcmp(h->tgt.luns[i].pdev, pdev) == 0)
            l = &h->tgt.luns[i];
    if (!l) {
        assert_true(h->tgt.nluns < BH_MAX_TLUNS);
        l = &h->tgt.luns[h->tgt.nluns++];
        snprintf(l->pdev, sizeof(l->pdev), "%s", pdev);
    }
    l->nopen++;
    h->tgt.nopen++;
    *lun = l;
    return 0;
}

static void t_close(void *tctx, void *lun)
{
    struct bh *h = tctx;
    struct bh_tlun *l = lun;

    l->nclose++;
    h->tgt.nclose++;
    assert_true(l->nclose <= l->nopen);
}

static void fill_read(struct bh_tcmd *c, size_t upto)
{
    const struct vscsi_target_cmd *tc = c->tc;
    size_t p = 0;

    for (unsigned i = 0; i < tc->iovcnt && p < upto; i++) {
        uint8_t *d = tc->iov[i].base;
        for (size_t j = 0; j < tc->iov[i].len && p < upto; j++, p++)
            d[j] = bh_rpat(c->rqid, p);
    }
}

void bh_tgt_complete(struct bh *h, struct bh_tcmd *c, uint8_t host, uint8_t status,
                     const uint8_t *sense, size_t sense_len, uint32_t residual)
{
    assert_int_equal(c->state, BH_T_PENDING);
    if ((c->dir == VSCSI_DIR_FROM_DEVICE || c->dir == VSCSI_DIR_BIDIRECTIONAL) && !h->tgt.no_fill)
        fill_read(c, residual < c->data_len ? c->data_len - residual : 0);
    c->state = BH_T_DONE;
    struct vscsi_target_cmd *tc = c->tc;
    c->tc = NULL;
    if (host)
        vscsi_back_complete_host(tc, host, status, sense, sense_len, residual);
    else
        vscsi_back_complete(tc, status, sense, sense_len, residual);
    bh_pump(h);
}

static int t_submit(void *tctx, void *lun, struct vscsi_target_cmd *tc)
{
    struct bh *h = tctx;
    struct bh_tcmd *c;

    assert_true(h->tgt.ncmds < BH_MAX_CMDS);
    c = &h->tgt.cmds[h->tgt.ncmds++];
    memset(c, 0, sizeof(*c));
    c->tc = tc;
    c->lun = lun;
    c->rqid = tc->rqid;
    c->nx = tc->nx;
    c->cdb_len = tc->cdb_len;
    memcpy(c->cdb, tc->cdb, tc->cdb_len);
    c->dir = tc->dir;
    c->data_len = tc->data_len;
    c->iovcnt = tc->iovcnt;
    c->state = BH_T_PENDING;
    {
        size_t sum = 0;
        for (unsigned i = 0; i < tc->iovcnt; i++)
            sum += tc->iov[i].len;
        assert_int_equal(sum, tc->data_len);
    }
    if (tc->dir == VSCSI_DIR_TO_DEVICE && tc->data_len) {
        size_t p = 0;
        c->data = malloc(tc->data_len);
        assert_non_null(c->data);
        for (unsigned i = 0; i < tc->iovcnt; i++) {
            memcpy(c->data + p, tc->iov[i].base, tc->iov[i].len);
            p += tc->iov[i].len;
        }
        /* A target may use its buffer as scratch space (copy mode only: the
         * pages of a mapped write are read-only). */
        if (h->tgt.scribble)
            for (unsigned i = 0; i < tc->iovcnt; i++)
                memset(tc->iov[i].base, 0x66, tc->iov[i].len);
    }
    if (h->tgt.on_submit)
        h->tgt.on_submit(h, c);
    if (h->tgt.submit_rc) {
        c->state = BH_T_REFUSED;
        c->tc = NULL;
        return h->tgt.submit_rc;
    }
    if (h->tgt.hold)
        return 0;
    /* Synchronous: completed from inside submit(), as the fake target does. */
    if ((c->dir == VSCSI_DIR_FROM_DEVICE || c->dir == VSCSI_DIR_BIDIRECTIONAL) && !h->tgt.no_fill)
        fill_read(c, h->tgt.residual < c->data_len ? c->data_len - h->tgt.residual : 0);
    c->state = BH_T_DONE;
    c->tc = NULL;
    vscsi_back_complete_host(tc, h->tgt.host, h->tgt.status, h->tgt.sense, h->tgt.sense_len,
                             h->tgt.residual);
    return 0;
}

static int t_abort(void *tctx, void *lun, struct vscsi_target_cmd *tc)
{
    struct bh *h = tctx;
    struct bh_tcmd *c = tcmd_of(h, tc);

    h->tgt.nabort++;
    if (!c)
        return -ENOENT;
    assert_ptr_equal(c->lun, lun);
    if (h->tgt.abort_rc)
        return h->tgt.abort_rc;
    c->state = BH_T_ABORTED;
    c->tc = NULL;
    return 0;
}

static int t_reset(void *tctx, void *lun)
{
    struct bh *h = tctx;

    h->tgt.nreset++;
    if (h->tgt.reset_rc)
        return h->tgt.reset_rc;
    for (unsigned i = 0; i < h->tgt.ncmds; i++) {
        struct bh_tcmd *c = &h->tgt.cmds[i];
        if (c->state == BH_T_PENDING && c->lun == lun) {
            c->state = BH_T_RESET;
            c->tc = NULL;
        }
    }
    return 0;
}

struct bh_tcmd *bh_tcmd_by_rqid(struct bh *h, uint16_t rqid)
{
    for (unsigned i = h->tgt.ncmds; i-- > 0;)
        if (h->tgt.cmds[i].rqid == rqid)
            return &h->tgt.cmds[i];
    return NULL;
}

unsigned bh_tgt_pending(struct bh *h)
{
    unsigned n = 0;
    for (unsigned i = 0; i < h->tgt.ncmds; i++)
        n += h->tgt.cmds[i].state == BH_T_PENDING;
    return n;
}

/* ------------------------------------------------------------------- setup */

static void perms(struct bh *h, const char *path, uint16_t owner, uint16_t other, uint8_t op)
{
    struct vscsi_xs_perm p[2] = {{owner, VSCSI_XS_PERM_NONE}, {other, op}};
    assert_int_equal(h->sim->xs_set_perms(h->d0, 0, path, p, 2), 0);
}

static void ts_abs(struct bh *h, const char *path, const char *val)
{
    assert_int_equal(h->sim->xs_write(h->d0, 0, path, val), 0);
}

struct bh *bh_new(const struct bh_opts *o)
{
    struct bh *h = calloc(1, sizeof(*h));
    char p[256], v[64];

    assert_non_null(h);
    if (o)
        h->o = *o;
    if (!h->o.fdom)
        h->o.fdom = BH_FDOM;
    if (!h->o.online)
        h->o.online = "1";
    h->sim = vscsi_sim_ops();
    h->hv = vscsi_sim_hv_new();
    assert_non_null(h->hv);
    h->d0 = vscsi_sim_dom_create(h->hv, 0, 64);
    h->fd = vscsi_sim_dom_create(h->hv, h->o.fdom, BH_FE_PAGES);
    assert_non_null(h->d0);
    assert_non_null(h->fd);
    snprintf(h->bpath, sizeof(h->bpath), "/local/domain/0/backend/vscsi/%u/%u", h->o.fdom,
             h->o.vhost);
    snprintf(h->fpath, sizeof(h->fpath), "/local/domain/%u/device/vscsi/%u", h->o.fdom, h->o.vhost);

    /* The toolstack: both directories, each readable by the other end. */
    snprintf(p, sizeof(p), "%s/frontend", h->bpath);
    ts_abs(h, p, h->fpath);
    snprintf(p, sizeof(p), "%s/frontend-id", h->bpath);
    snprintf(v, sizeof(v), "%u", h->o.fdom);
    ts_abs(h, p, v);
    snprintf(p, sizeof(p), "%s/online", h->bpath);
    ts_abs(h, p, h->o.online);
    snprintf(p, sizeof(p), "%s/state", h->bpath);
    ts_abs(h, p, "1");
    for (unsigned i = 0; i < h->o.nluns; i++) {
        char dev[16], pdev[16], vdev[32];
        snprintf(dev, sizeof(dev), "dev-%u", i);
        snprintf(pdev, sizeof(pdev), "lun%u", i);
        snprintf(vdev, sizeof(vdev), "%u:0:%u:0", h->o.vhost, i);
        bh_ts_lun(h, dev, pdev, vdev, "1");
    }
    perms(h, h->bpath, 0, h->o.fdom, VSCSI_XS_PERM_READ);
    snprintf(p, sizeof(p), "%s/backend", h->fpath);
    ts_abs(h, p, h->bpath);
    snprintf(p, sizeof(p), "%s/backend-id", h->fpath);
    ts_abs(h, p, "0");
    snprintf(p, sizeof(p), "%s/state", h->fpath);
    ts_abs(h, p, "1");
    perms(h, h->fpath, h->o.fdom, 0, VSCSI_XS_PERM_READ);
    snprintf(p, sizeof(p), "%s/state", h->fpath);
    perms(h, p, h->o.fdom, 0, VSCSI_XS_PERM_READ);

    h->ops0 = (struct vscsi_platform_ops){
        .size = sizeof(struct vscsi_platform_ops),
        .domid = w_domid,
        .map_grants = w_map,
        .unmap_grants = w_unmap,
        .copy_grants = h->o.no_copy_op ? NULL : w_copy,
        .evtchn_alloc_unbound = w_alloc_unbound,
        .evtchn_bind_interdomain = w_bind,
        .evtchn_notify = w_notify,
        .evtchn_unbind = w_unbind,
        .xs_read = w_xs_read,
        .xs_write = w_xs_write,
        .xs_mkdir = w_xs_mkdir,
        .xs_rm = w_xs_rm,
        .xs_directory = w_xs_dir,
        .xs_set_perms = w_xs_perms,
        .xs_watch = w_xs_watch,
        .xs_unwatch = w_xs_unwatch,
        .xs_txn_start = w_txn_start,
        .xs_txn_end = w_txn_end,
        .check_grants = h->o.no_check_op ? NULL : w_check,
        .alloc_mem = w_alloc_mem,
        .free_mem = w_free_mem,
    };
    h->tgt.ops = (struct vscsi_target_ops){
        .size = sizeof(struct vscsi_target_ops),
        .open = t_open,
        .close = t_close,
        .submit = t_submit,
        .abort = t_abort,
        .reset = t_reset,
    };
    h->granted = calloc(BH_FE_PAGES, sizeof(*h->granted));
    h->granted_pages = calloc(BH_FE_PAGES, sizeof(*h->granted_pages));
    assert_non_null(h->granted);
    assert_non_null(h->granted_pages);

    struct vscsi_back_config cfg = bh_config(h);
    assert_int_equal(vscsi_back_new(&cfg, &h->b), 0);
    return h;
}

struct vscsi_back_config bh_config(struct bh *h)
{
    struct vscsi_back_config cfg = {
        .size = sizeof(cfg),
        .ops = &h->ops0,
        .ops_ctx = h,
        .target = &h->tgt.ops,
        .target_ctx = h,
        .dev_path = h->bpath,
        .max_segs = h->o.max_segs,
        .data_mode = h->o.mode,
        .allow_zero_seg = h->o.allow_zero_seg,
    };
    return cfg;
}

void bh_finish(struct bh *h)
{
    if (h->b) {
        vscsi_back_destroy(h->b);
        h->b = NULL;
    }
    assert_int_equal(h->alloc_live, 0); /* the engine gave back all it took */
    bh_collect(h);
    /* Nothing that happens after this may touch the ring. */
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
    assert_int_equal(h->unexpected, 0);
    assert_int_equal(h->grant_violations, 0);
    assert_int_equal(h->ring_violations, 0);
    for (unsigned i = 0; i < h->nsent; i++) {
        const struct bh_sent *s = &h->sent[i];
        if (s->expect_none)
            assert_int_equal(s->answers, 0);
        else if (s->answers != 1)
            fail_msg("request #%u (rqid %u) answered %u times", i, s->rqid, s->answers);
    }
    /* The frontend can take every page back: nothing is mapped or being copied. */
    for (unsigned i = 0; i < h->ngranted; i++)
        assert_int_equal(h->sim->ungrant_page(h->fd, h->granted[i], h->granted_pages[i]), 0);
    assert_int_equal(h->tgt.nopen, h->tgt.nclose);
    for (unsigned i = 0; i < h->tgt.ncmds; i++)
        free(h->tgt.cmds[i].data);
    for (unsigned i = 0; i < h->nsent; i++)
        free(h->sent[i].refs);
    free(h->sent);
    free(h->granted);
    free(h->granted_pages);
    vscsi_sim_hv_free(h->hv);
    free(h);
}

/* ---------------------------------------------------------------- the pump */

static void bh_on_watch(void *arg, const char *path, const char *token)
{
    struct bh *h = arg;
    if (h->b) {
        h->last_watch_rc = vscsi_back_handle_watch(h->b, path, token);
        if (h->last_watch_rc < h->worst_watch_rc)
            h->worst_watch_rc = h->last_watch_rc;
    }
}

static void bh_on_port(void *arg, uint32_t port)
{
    struct bh *h = arg;
    if (h->b && port == vscsi_back_port(h->b)) {
        h->event_calls++;
        h->last_event_rc = vscsi_back_handle_event(h->b);
    } else {
        h->stray_events++;
    }
}

static void bh_on_front_port(void *arg, uint32_t port)
{
    (void)port;
    ((struct bh *)arg)->front_events++;
}

void bh_pump(struct bh *h)
{
    for (unsigned iter = 0;; iter++) {
        int moved;

        if (iter > 100000)
            fail_msg("the engine does not settle");
        moved = vscsi_sim_dom_deliver(h->d0, 1 << 20, bh_on_watch, bh_on_port, h);
        moved += vscsi_sim_dom_deliver(h->fd, 1 << 20, NULL, bh_on_front_port, h);
        bh_collect(h);
        if (!moved)
            break;
    }
}

/* ------------------------------------------------------------ store helpers */

int bh_ts_write(struct bh *h, const char *rel, const char *val)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", h->bpath, rel);
    return h->sim->xs_write(h->d0, 0, p, val);
}

int bh_ts_rm(struct bh *h, const char *rel)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", h->bpath, rel);
    return h->sim->xs_rm(h->d0, 0, p);
}

const char *bh_back_read(struct bh *h, const char *rel, char *buf, size_t len)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", h->bpath, rel);
    return h->sim->xs_read(h->d0, 0, p, buf, len) >= 0 ? buf : NULL;
}

long bh_back_num(struct bh *h, const char *rel)
{
    char buf[64], *end;
    if (!bh_back_read(h, rel, buf, sizeof(buf)) || !buf[0])
        return -1;
    long v = strtol(buf, &end, 10);
    return *end ? -1 : v;
}

long bh_lun_state(struct bh *h, const char *dev)
{
    char rel[128];
    snprintf(rel, sizeof(rel), "vscsi-devs/%s/state", dev);
    return bh_back_num(h, rel);
}

void bh_ts_lun(struct bh *h, const char *dev, const char *pdev, const char *vdev, const char *state)
{
    char rel[128];
    if (pdev) {
        snprintf(rel, sizeof(rel), "vscsi-devs/%s/p-dev", dev);
        assert_int_equal(bh_ts_write(h, rel, pdev), 0);
    }
    if (vdev) {
        snprintf(rel, sizeof(rel), "vscsi-devs/%s/v-dev", dev);
        assert_int_equal(bh_ts_write(h, rel, vdev), 0);
    }
    if (state) {
        snprintf(rel, sizeof(rel), "vscsi-devs/%s/state", dev);
        assert_int_equal(bh_ts_write(h, rel, state), 0);
    }
}

int bh_fe_write(struct bh *h, const char *rel, const char *val)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", h->fpath, rel);
    return h->sim->xs_write(h->fd, 0, p, val);
}

int bh_fe_rm(struct bh *h, const char *rel)
{
    char p[512];
    snprintf(p, sizeof(p), "%s/%s", h->fpath, rel);
    return h->sim->xs_rm(h->fd, 0, p);
}

/* ------------------------------------------------------------ the frontend */

uint8_t *bh_page(struct bh *h, int ro, uint32_t *ref)
{
    void *page;
    assert_int_equal(h->sim->grant_page(h->fd, 0, ro, ref, &page), 0);
    assert_true(h->ngranted < BH_FE_PAGES);
    assert_true(*ref < BH_MAX_REFS);
    h->granted[h->ngranted] = *ref;
    h->granted_pages[h->ngranted] = page;
    h->ngranted++;
    return page;
}

void bh_fe_ring(struct bh *h)
{
    char v[32];

    h->sring = (struct vscsi_sring *)bh_page(h, 0, &h->ring_ref);
    vscsi_sring_init(h->sring);
    h->req_prod_pvt = h->rsp_cons = h->checked = 0;
    assert_int_equal(h->sim->evtchn_alloc_unbound(h->fd, 0, &h->fport), 0);
    snprintf(v, sizeof(v), "%u", h->ring_ref);
    assert_int_equal(bh_fe_write(h, "ring-ref", v), 0);
    snprintf(v, sizeof(v), "%u", h->fport);
    assert_int_equal(bh_fe_write(h, "event-channel", v), 0);
}

void bh_fe_state(struct bh *h, unsigned s)
{
    char v[16];
    snprintf(v, sizeof(v), "%u", s);
    assert_int_equal(bh_fe_write(h, "state", v), 0);
    bh_pump(h);
}

void bh_offer_ring(struct bh *h)
{
    assert_int_equal(vscsi_back_start(h->b), 0);
    bh_pump(h);
    assert_int_equal(vscsi_back_state(h->b), VSCSI_XB_INIT_WAIT);
    bh_fe_ring(h);
}

void bh_connect(struct bh *h)
{
    bh_offer_ring(h);
    bh_fe_state(h, VSCSI_XB_INITIALISED);
    assert_int_equal(vscsi_back_state(h->b), VSCSI_XB_CONNECTED);
    bh_fe_state(h, VSCSI_XB_CONNECTED);
    assert_int_equal(vscsi_back_state(h->b), VSCSI_XB_CONNECTED);
    assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CONNECTED);
    assert_int_not_equal(vscsi_back_port(h->b), 0);
}

struct vscsi_request *bh_req(struct bh *h)
{
    struct vscsi_request *rq = &h->sring->ring[h->req_prod_pvt & (VSCSI_RING_SIZE - 1)].req;
    memset(rq, 0, sizeof(*rq));
    return rq;
}

static void sent_add_ref(struct bh_sent *s, uint32_t ref)
{
    s->refs = realloc(s->refs, sizeof(*s->refs) * (s->nrefs + 1));
    assert_non_null(s->refs);
    s->refs[s->nrefs++] = ref;
}

unsigned bh_produce(struct bh *h)
{
    const struct vscsi_request *rq = &h->sring->ring[h->req_prod_pvt & (VSCSI_RING_SIZE - 1)].req;
    struct bh_sent *s;
    unsigned n = rq->nr_segments & VSCSI_SG_COUNT_MASK;

    if (h->nsent == h->capsent) {
        h->capsent = h->capsent ? h->capsent * 2 : 64;
        h->sent = realloc(h->sent, sizeof(*h->sent) * h->capsent);
        assert_non_null(h->sent);
    }
    s = &h->sent[h->nsent];
    memset(s, 0, sizeof(*s));
    s->rqid = rq->rqid;
    if (n > VSCSI_SG_TABLESIZE)
        n = VSCSI_SG_TABLESIZE;
    for (unsigned i = 0; i < n; i++) {
        sent_add_ref(s, rq->seg[i].gref);
        if (!(rq->nr_segments & VSCSI_SG_GRANT))
            continue;
        const uint8_t *pg = vscsi_sim_grant_page_ptr(h->hv, h->o.fdom, rq->seg[i].gref);
        if (!pg)
            continue;
        for (uint32_t o = rq->seg[i].offset;
             o + 8 <= VSCSI_PAGE_SIZE && o < (uint32_t)rq->seg[i].offset + rq->seg[i].length;
             o += 8) {
            struct vscsi_seg d;
            memcpy(&d, pg + o, sizeof(d));
            sent_add_ref(s, d.gref);
        }
    }
    h->req_prod_pvt++;
    return h->nsent++;
}

void bh_push(struct bh *h)
{
    uint32_t old = h->sring->req_prod, now = h->req_prod_pvt;

    __atomic_store_n(&h->sring->req_prod, now, __ATOMIC_RELEASE);
    VSCSI_MB();
    if ((uint32_t)(now - h->sring->req_event) < (uint32_t)(now - old))
        h->last_notify_rc = h->sim->evtchn_notify(h->fd, h->fport);
    bh_pump(h);
}

void bh_kick(struct bh *h)
{
    h->last_notify_rc = h->sim->evtchn_notify(h->fd, h->fport);
    bh_pump(h);
}

unsigned bh_send_raw(struct bh *h, const struct vscsi_request *rq)
{
    memcpy(bh_req(h), rq, sizeof(*rq));
    unsigned rec = bh_produce(h);
    bh_push(h);
    return rec;
}

unsigned bh_tur(struct bh *h, uint16_t rqid, struct vscsi_nexus nx)
{
    static const uint8_t tur[6] = {0};
    assert_int_equal(vscsi_req_cdb(bh_req(h), rqid, &nx, tur, sizeof(tur), VSCSI_DIR_NONE, 0), 0);
    unsigned rec = bh_produce(h);
    bh_push(h);
    return rec;
}

unsigned bh_tmr(struct bh *h, uint8_t act, uint16_t rqid, struct vscsi_nexus nx, uint16_t ref)
{
    struct vscsi_request *rq = bh_req(h);
    if (act == VSCSI_ACT_ABORT)
        assert_int_equal(vscsi_req_abort(rq, rqid, &nx, ref), 0);
    else
        assert_int_equal(vscsi_req_reset(rq, rqid, &nx), 0);
    unsigned rec = bh_produce(h);
    bh_push(h);
    return rec;
}

const struct vscsi_response *bh_rsp(struct bh *h, unsigned rec)
{
    assert_true(rec < h->nsent);
    if (h->sent[rec].answers != 1)
        fail_msg("request #%u (rqid %u) answered %u times", rec, h->sent[rec].rqid,
                 h->sent[rec].answers);
    return &h->sent[rec].rsp;
}

int32_t bh_rslt(struct bh *h, unsigned rec)
{
    return bh_rsp(h, rec)->rslt;
}

void bh_expect_none(struct bh *h, unsigned rec)
{
    h->sent[rec].expect_none = 1;
}

void bh_assert_served(struct bh *h)
{
    unsigned ncmds = h->tgt.ncmds;
    int hold = h->tgt.hold;

    h->tgt.hold = 0;
    unsigned rec = bh_tur(h, 0xbeef, bh_nx(0, 0, 0));
    h->tgt.hold = hold;
    assert_int_equal(bh_rslt(h, rec), 0);
    assert_int_equal(h->tgt.ncmds, ncmds + 1);
    assert_int_equal(h->tgt.cmds[ncmds].rqid, 0xbeef);
}

struct vscsi_back_stats bh_stats(struct bh *h)
{
    struct vscsi_back_stats st;
    vscsi_back_stats(h->b, &st);
    return st;
}

/* --------------------------------------------------------------- transfers */

uint8_t bh_wpat(uint32_t seed, size_t p)
{
    return (uint8_t)((p * 2654435761u + seed * 40503u + (p >> 12) * 7u) >> 3);
}

uint8_t bh_rpat(uint16_t rqid, size_t p)
{
    return (uint8_t)(((p + 1) * 2246822519u ^ (rqid * 3266489917u)) >> 11);
}

void bh_xfer_prep(struct bh *h, struct bh_xfer *x, uint16_t rqid, uint8_t dir, uint32_t nsegs,
                  int indirect, uint32_t per_page, int rw_always)
{
    int ro = dir == VSCSI_DIR_TO_DEVICE && !rw_always;
    size_t p = 0;

    memset(x, 0, sizeof(*x));
    x->rqid = rqid;
    x->dir = dir;
    x->indirect = indirect;
    x->nsegs = nsegs;
    x->seed = rqid * 977u + nsegs;
    x->ref = calloc(nsegs ? nsegs : 1, sizeof(*x->ref));
    x->page = calloc(nsegs ? nsegs : 1, sizeof(*x->page));
    x->off = calloc(nsegs ? nsegs : 1, sizeof(*x->off));
    x->len = calloc(nsegs ? nsegs : 1, sizeof(*x->len));
    assert_true(x->ref && x->page && x->off && x->len);
    for (uint32_t i = 0; i < nsegs; i++) {
        /* Varied geometry: full pages, pages entered late, pages left early. */
        uint16_t off = (uint16_t)((i * 37u) % 1500u);
        uint16_t len = (uint16_t)(VSCSI_PAGE_SIZE - off - (i * 53u) % 700u);
        x->page[i] = bh_page(h, ro, &x->ref[i]);
        x->off[i] = off;
        x->len[i] = len;
        memset(x->page[i], BH_GUARD, VSCSI_PAGE_SIZE);
        if (dir == VSCSI_DIR_TO_DEVICE)
            for (uint16_t j = 0; j < len; j++)
                x->page[i][off + j] = bh_wpat(x->seed, p + j);
        p += len;
    }
    x->total = p;
    if (!indirect)
        return;
    if (!per_page)
        per_page = VSCSI_SG_PER_PAGE;
    for (uint32_t i = 0; i < nsegs;) {
        uint32_t k = x->nind++;
        uint16_t off = k == 0 ? 64 : 0;
        uint32_t fit = (VSCSI_PAGE_SIZE - off) / 8;
        uint32_t n = nsegs - i < per_page ? nsegs - i : per_page;
        assert_true(k < VSCSI_SG_TABLESIZE);
        if (n > fit)
            n = fit;
        x->ind_page[k] = bh_page(h, 1, &x->ind_ref[k]);
        x->ind_off[k] = off;
        x->ind_len[k] = (uint16_t)(n * 8);
        for (uint32_t j = 0; j < n; j++, i++) {
            struct vscsi_seg d = {x->ref[i], x->off[i], x->len[i]};
            memcpy(x->ind_page[k] + off + j * 8, &d, sizeof(d));
        }
    }
}

unsigned bh_xfer_send(struct bh *h, struct bh_xfer *x, struct vscsi_nexus nx)
{
    struct vscsi_request *rq = bh_req(h);
    uint32_t blocks = (uint32_t)(x->total / 512);
    uint8_t cdb[10] = {x->dir == VSCSI_DIR_TO_DEVICE ? VSCSI_OP_WRITE_10 : VSCSI_OP_READ_10,
                       0,
                       0,
                       0,
                       0,
                       0x10,
                       0,
                       (uint8_t)(blocks >> 8),
                       (uint8_t)blocks,
                       0};

    assert_int_equal(vscsi_req_cdb(rq, x->rqid, &nx, cdb, sizeof(cdb), x->dir, 30), 0);
    if (x->indirect) {
        for (uint32_t k = 0; k < x->nind; k++)
            assert_int_equal(
                vscsi_req_add_indirect(rq, x->ind_ref[k], x->ind_off[k], x->ind_len[k]), 0);
    } else {
        for (uint32_t i = 0; i < x->nsegs; i++)
            assert_int_equal(vscsi_req_add_seg(rq, x->ref[i], x->off[i], x->len[i]), 0);
    }
    return bh_produce(h);
}

void bh_xfer_check_read(struct bh *h, const struct bh_xfer *x, size_t done)
{
    size_t p = 0;
    (void)h;
    for (uint32_t i = 0; i < x->nsegs; i++) {
        const uint8_t *pg = x->page[i];
        for (uint32_t b = 0; b < VSCSI_PAGE_SIZE; b++) {
            uint8_t want = BH_GUARD;
            if (b >= x->off[i] && b < (uint32_t)x->off[i] + x->len[i]) {
                size_t q = p + (b - x->off[i]);
                if (q < done)
                    want = bh_rpat(x->rqid, q);
            }
            if (pg[b] != want)
                fail_msg("rqid %u seg %u byte %u: got %#x want %#x", x->rqid, i, b, pg[b], want);
        }
        p += x->len[i];
    }
}

void bh_xfer_free(struct bh_xfer *x)
{
    free(x->ref);
    free(x->page);
    free(x->off);
    free(x->len);
    memset(x, 0, sizeof(*x));
}
