/* SPDX-License-Identifier: MIT */
/*
 * Faults a real host sees (issue 11, item 5), against the backend bench
 * (tests/back_harness.h, a raw hostile frontend) and the frontend bench
 * (tests/test_front_harness.h, a raw backend):
 *  - the backend process killed: no destroy, its mappings and ports closed
 *    by the kernel, a new backend engine takes over the live ring;
 *  - a drain (what an embedder does on SIGTERM) with commands in flight;
 *  - an event channel closed by the peer while Connected, on either side.
 * Each time: every rqid answered exactly once, nothing left mapped, data
 * intact.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "back_harness.h"
#include "scenario/io.h"
#include "scenario/workload.h"
#include "target/target.h"
#include "test_front_harness.h"

/* ------------------------------------------------ a backend that is killed */

/* After the kill the engine's ops table is this: the process is gone, so
 * nothing it would do may reach the hypervisor. */
static int dead_domid(void *c, uint16_t *o)
{
    (void)c, (void)o;
    return -ESRCH;
}
static int dead_map(void *c, uint16_t d, uint32_t n, const uint32_t *r, int w, void **a)
{
    (void)c, (void)d, (void)n, (void)r, (void)w, (void)a;
    return -ESRCH;
}
static int dead_unmap(void *c, void *a, uint32_t n)
{
    (void)c, (void)a, (void)n;
    return -ESRCH;
}
static int dead_copy(void *c, struct vscsi_grant_copy *s, uint32_t n)
{
    (void)c, (void)s, (void)n;
    return -ESRCH;
}
static int dead_bind(void *c, uint16_t d, uint32_t p, uint32_t *l)
{
    (void)c, (void)d, (void)p, (void)l;
    return -ESRCH;
}
static int dead_port(void *c, uint32_t p)
{
    (void)c, (void)p;
    return -ESRCH;
}
static int dead_read(void *c, vscsi_xs_txn t, const char *p, char *b, size_t l)
{
    (void)c, (void)t, (void)p, (void)b, (void)l;
    return -ESRCH;
}
static int dead_write(void *c, vscsi_xs_txn t, const char *p, const char *v)
{
    (void)c, (void)t, (void)p, (void)v;
    return -ESRCH;
}
static int dead_path(void *c, vscsi_xs_txn t, const char *p)
{
    (void)c, (void)t, (void)p;
    return -ESRCH;
}
static int dead_perms(void *c, vscsi_xs_txn t, const char *p, const struct vscsi_xs_perm *e,
                      unsigned n)
{
    (void)c, (void)t, (void)p, (void)e, (void)n;
    return -ESRCH;
}
static int dead_watch(void *c, const char *p, const char *t)
{
    (void)c, (void)p, (void)t;
    return -ESRCH;
}
static int dead_check(void *c, uint16_t d, uint32_t n, const uint32_t *r, int w)
{
    (void)c, (void)d, (void)n, (void)r, (void)w;
    return -ESRCH;
}

static const struct vscsi_platform_ops dead_ops = {
    .size = sizeof(struct vscsi_platform_ops),
    .domid = dead_domid,
    .map_grants = dead_map,
    .unmap_grants = dead_unmap,
    .copy_grants = dead_copy,
    .evtchn_bind_interdomain = dead_bind,
    .evtchn_notify = dead_port,
    .evtchn_unbind = dead_port,
    .xs_read = dead_read,
    .xs_write = dead_write,
    .xs_rm = dead_path,
    .xs_mkdir = dead_path,
    .xs_set_perms = dead_perms,
    .xs_watch = dead_watch,
    .xs_unwatch = dead_watch,
    .check_grants = dead_check,
};

/* A killed process's memory is gone without anything running; here the
 * engine stays allocated (reachable from this array, so no leak report)
 * and is never called again. */
static struct vscsi_back *killed[16];
static struct vscsi_platform_ops killed_ops[16];
static unsigned nkilled;

/* Replaces the bench's engine by one with its own ops table, so that it can
 * be killed on its own. */
static void own_engine(struct bh *h)
{
    struct vscsi_back_config cfg = bh_config(h);

    assert_true(nkilled < 16);
    killed_ops[nkilled] = h->ops0;
    /* libc memory: what a killed process held is not the bench's to count */
    killed_ops[nkilled].alloc_mem = NULL;
    killed_ops[nkilled].free_mem = NULL;
    cfg.ops = &killed_ops[nkilled];
    vscsi_back_destroy(h->b);
    assert_int_equal(vscsi_back_new(&cfg, &h->b), 0);
}

/* SIGKILL: the engine never runs again, the kernel closes its handles (every
 * mapping and port of dom0: it is dom0's only such process here), its
 * target's commands die with it. */
static void kill_backend(struct bh *h)
{
    killed_ops[nkilled] = dead_ops;
    killed[nkilled++] = h->b;
    h->b = NULL;
    vscsi_sim_dom_process_exit(h->d0);
    for (unsigned i = 0; i < h->tgt.ncmds; i++)
        if (h->tgt.cmds[i].state == BH_T_PENDING) {
            h->tgt.cmds[i].state = BH_T_ABORTED;
            h->tgt.cmds[i].tc = NULL;
        }
    /* its LUNs are closed with it */
    h->tgt.nclose = h->tgt.nopen;
    assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
}

/* The new backend process: same vhost, started from scratch. */
static void start_backend(struct bh *h)
{
    struct vscsi_back_config cfg = bh_config(h);
    assert_int_equal(vscsi_back_new(&cfg, &h->b), 0);
    assert_int_equal(vscsi_back_start(h->b), 0);
    bh_pump(h);
}

static void check_write(struct bh *h, const struct bh_xfer *x)
{
    struct bh_tcmd *c = bh_tcmd_by_rqid(h, x->rqid);
    assert_non_null(c);
    assert_int_equal(c->state, BH_T_DONE);
    assert_int_equal(c->data_len, x->total);
    for (size_t p = 0; p < x->total; p++)
        if (c->data[p] != bh_wpat(x->seed, p))
            fail_msg("rqid %u byte %zu reached the target wrong", x->rqid, p);
}

/* Killed idle, killed with commands inside the target, and with requests
 * still unread in the ring: the new engine takes the ring over where the
 * answers stand, so what the old one never answered is served again (it is
 * re-executed: the old process's target died with it), every rqid is
 * answered once, and new I/O carries the right bytes. */
static void test_backend_killed_and_restarted(void **state)
{
    (void)state;
    for (int m = 0; m < 2; m++) {
        for (int busy = 0; busy < 3; busy++) {
            struct bh_opts o = {.mode = (enum vscsi_back_data_mode)m, .max_segs = 64, .nluns = 1};
            struct bh *h = bh_new(&o);
            struct bh_xfer w, r, w2, r2;

            own_engine(h);
            bh_connect(h);
            bh_xfer_prep(h, &w, 1, VSCSI_DIR_TO_DEVICE, 4, 0, 0, 0);
            unsigned rec = bh_xfer_send(h, &w, bh_nx(0, 0, 0));
            bh_push(h);
            assert_int_equal(bh_rslt(h, rec), 0);
            check_write(h, &w);

            unsigned recr = 0, recw = 0;
            if (busy) {
                /* busy 1: the target holds them; busy 2: produced and not
                 * even notified (the engine never saw them) */
                h->tgt.hold = 1;
                bh_xfer_prep(h, &r, 2, VSCSI_DIR_FROM_DEVICE, 5, 1, 3, 0);
                recr = bh_xfer_send(h, &r, bh_nx(0, 0, 0));
                bh_xfer_prep(h, &w2, 3, VSCSI_DIR_TO_DEVICE, 3, 0, 0, 0);
                recw = bh_xfer_send(h, &w2, bh_nx(0, 0, 0));
                if (busy == 1) {
                    bh_push(h);
                    assert_int_equal(bh_tgt_pending(h), 2);
                    if (m == VSCSI_BACK_MAP)
                        assert_true(vscsi_sim_mappings(h->hv, 0) > 1);
                } else {
                    /* published, no notify */
                    VSCSI_STORE_RELEASE(&h->sring->req_prod, h->req_prod_pvt);
                }
            }
            kill_backend(h);
            h->tgt.hold = 0;
            start_backend(h);
            assert_int_equal(vscsi_back_state(h->b), VSCSI_XB_CONNECTED);
            assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CONNECTED);
            if (busy) {
                bh_collect(h);
                assert_int_equal(bh_rslt(h, recr), 0);
                bh_xfer_check_read(h, &r, r.total);
                assert_int_equal(bh_rslt(h, recw), 0);
                check_write(h, &w2);
                bh_xfer_free(&r);
                bh_xfer_free(&w2);
            }
            /* new I/O on the same ring */
            bh_xfer_prep(h, &w2, 4, VSCSI_DIR_TO_DEVICE, 8, 1, 4, 0);
            rec = bh_xfer_send(h, &w2, bh_nx(0, 0, 0));
            bh_xfer_prep(h, &r2, 5, VSCSI_DIR_FROM_DEVICE, 2, 0, 0, 0);
            unsigned rec2 = bh_xfer_send(h, &r2, bh_nx(0, 0, 0));
            bh_push(h);
            assert_int_equal(bh_rslt(h, rec), 0);
            check_write(h, &w2);
            assert_int_equal(bh_rslt(h, rec2), 0);
            bh_xfer_check_read(h, &r2, r2.total);
            bh_xfer_free(&w);
            bh_xfer_free(&w2);
            bh_xfer_free(&r2);
            bh_assert_served(h);
            bh_finish(h);
        }
    }
}

/* --------------------------------------------------------- drain (SIGTERM) */

/* The embedder's SIGTERM path is vscsi_back_destroy(): every command in
 * flight is aborted at the target and answered host RESET while the ring is
 * still there, then every grant is let go. */
static void test_drain_with_commands_in_flight(void **state)
{
    (void)state;
    for (int m = 0; m < 2; m++) {
        struct bh_opts o = {.mode = (enum vscsi_back_data_mode)m, .max_segs = 64, .nluns = 2};
        struct bh *h = bh_new(&o);
        struct bh_xfer x[6];
        unsigned rec[6];

        bh_connect(h);
        h->tgt.hold = 1;
        for (unsigned i = 0; i < 6; i++) {
            bh_xfer_prep(h, &x[i], (uint16_t)(10 + i),
                         i & 1 ? VSCSI_DIR_FROM_DEVICE : VSCSI_DIR_TO_DEVICE, 2 + i, i >= 3, 2, 0);
            rec[i] = bh_xfer_send(h, &x[i], bh_nx(0, (uint16_t)(i & 1), 0));
        }
        bh_push(h);
        assert_int_equal(bh_tgt_pending(h), 6);
        if (m == VSCSI_BACK_MAP)
            assert_true(vscsi_sim_mappings(h->hv, 0) > 7); /* ring + six commands' pages */
        vscsi_back_destroy(h->b);
        h->b = NULL;
        bh_collect(h);
        for (unsigned i = 0; i < 6; i++) {
            assert_int_equal(bh_rslt(h, rec[i]), BH_RSLT_RESET);
            assert_int_equal(bh_tcmd_by_rqid(h, (uint16_t)(10 + i))->state, BH_T_ABORTED);
            if (x[i].dir == VSCSI_DIR_FROM_DEVICE)
                bh_xfer_check_read(h, &x[i], 0);
            bh_xfer_free(&x[i]);
        }
        assert_int_equal(h->tgt.nabort, 6);
        assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
        assert_int_equal(vscsi_sim_grants_in_use(h->hv, h->o.fdom), 0);
        bh_finish(h);
    }
}

/* ------------------------------------------- event channel closed by peer */

/* The frontend closes its end while the backend has commands in flight: the
 * backend's next notify fails; it says so (error, error node, Closing),
 * takes no new requests, still answers what it has into the ring, and tears
 * down as usual when the frontend closes. */
static void test_back_peer_closed_event_channel(void **state)
{
    (void)state;
    for (int m = 0; m < 2; m++) {
        struct bh_opts o = {.mode = (enum vscsi_back_data_mode)m, .nluns = 1};
        struct bh *h = bh_new(&o);
        struct bh_xfer r;
        char buf[128];

        bh_connect(h);
        h->tgt.hold = 1;
        unsigned t1 = bh_tur(h, 1, bh_nx(0, 0, 0));
        bh_xfer_prep(h, &r, 2, VSCSI_DIR_FROM_DEVICE, 3, 0, 0, 0);
        unsigned t2 = bh_xfer_send(h, &r, bh_nx(0, 0, 0));
        unsigned t3 = bh_tur(h, 3, bh_nx(0, 0, 0));
        assert_int_equal(bh_tgt_pending(h), 3);

        assert_int_equal(h->sim->evtchn_unbind(h->fd, h->fport), 0);
        unsigned notifies = h->notifies;
        bh_tgt_complete(h, bh_tcmd_by_rqid(h, 1), 0, 0, NULL, 0, 0);
        assert_int_equal(h->notifies, notifies + 1); /* tried, and failed */
        assert_int_equal(vscsi_back_error(h->b), -ENOTCONN);
        assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSING);
        assert_non_null(bh_back_read(h, "error", buf, sizeof(buf)));
        assert_int_equal(bh_rslt(h, t1), 0); /* in the ring all the same */

        /* the rest is answered into the ring, without more notifies */
        bh_tgt_complete(h, bh_tcmd_by_rqid(h, 2), 0, 0, NULL, 0, 0);
        assert_int_equal(h->notifies, notifies + 1);
        assert_int_equal(bh_rslt(h, t2), 0);
        bh_xfer_check_read(h, &r, r.total);
        bh_xfer_free(&r);

        /* a new request is not taken: the ring is given up */
        unsigned t4 = bh_tur(h, 4, bh_nx(0, 0, 0));
        assert_int_equal(vscsi_back_poll(h->b), -EPROTO);
        bh_expect_none(h, t4);

        /* the frontend follows the backend to Closed; rqid 3 is cancelled */
        bh_fe_state(h, VSCSI_XB_CLOSING);
        assert_int_equal(bh_rslt(h, t3), BH_RSLT_RESET);
        bh_fe_state(h, VSCSI_XB_CLOSED);
        assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSED);
        assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
        bh_finish(h);
    }
}

static void fh_done_count(struct fh *h, void *user, unsigned want)
{
    assert_int_equal(fh_count_user(h, user), want);
}

/* The backend closes its end: the frontend's next notify fails. That call
 * returns the error (its command gets no callback), everything else in flight
 * completes host RESET, the device is in the error state and goes Closing,
 * and nothing stays granted. */
static void test_front_peer_closed_event_channel(void **state)
{
    (void)state;
    static struct fh h;
    uint8_t a[512], b[4096], c[100];
    struct vscsi_request rq;

    memset(&h, 0, sizeof(h));
    fh_connect(&h, "0", 1);
    assert_true(fh_submit(&h, VSCSI_DIR_FROM_DEVICE, a, sizeof(a), (void *)1) >= 0);
    assert_true(fh_submit(&h, VSCSI_DIR_TO_DEVICE, b, sizeof(b), (void *)2) >= 0);
    /* the backend takes both and re-arms req_event: the next request notifies */
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    assert_int_equal(vscsi_back_final_check(&h.br), 0);
    assert_int_equal(h.ops->evtchn_unbind(h.d0, h.bport), 0);

    int rc = fh_submit(&h, VSCSI_DIR_FROM_DEVICE, c, sizeof(c), (void *)3);
    assert_int_equal(rc, -ENOTCONN);
    assert_int_equal(vscsi_front_error(h.f), -ENOTCONN);
    fh_done_count(&h, (void *)3, 0);
    fh_done_count(&h, (void *)1, 1);
    fh_done_count(&h, (void *)2, 1);
    assert_int_equal(fh_find_user(&h, (void *)1)->res.host, VSCSI_HOST_RESET);
    assert_int_equal(fh_find_user(&h, (void *)2)->res.host, VSCSI_HOST_RESET);
    assert_int_equal(fh_fe_node(&h, "state"), VSCSI_XB_CLOSING);
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 1); /* the ring only */
    assert_int_equal(fh_submit(&h, VSCSI_DIR_NONE, NULL, 0, (void *)4), -EIO);
    /* teardown unbinds what the backend already closed */
    h.bport = 0;
    fh_teardown(&h);
}

/* ----------------------------------------------------------- XenStore faults */

/* The hooks themselves, as sim_hv.h documents them. */
static void test_sim_store_fault_hooks(void **state)
{
    (void)state;
    struct vscsi_sim_hv *hv = vscsi_sim_hv_new();
    const struct vscsi_platform_ops *ops = vscsi_sim_ops();
    struct vscsi_sim_dom *d = vscsi_sim_dom_create(hv, 3, 4);
    char buf[64], path[32], tok[32];
    vscsi_xs_txn t;

    assert_non_null(d);
    assert_int_equal(ops->xs_write(d, 0, "a", "1"), 0);
    assert_int_equal(vscsi_sim_fault(hv, 3, VSCSI_SIM_FAULT_XS_EIO, 2, 1), 0);
    assert_int_equal(ops->xs_read(d, 0, "a", buf, sizeof(buf)), 1);
    assert_int_equal(ops->xs_read(d, 0, "a", buf, sizeof(buf)), -EIO);
    assert_int_equal(ops->xs_read(d, 0, "a", buf, sizeof(buf)), 1);
    assert_int_equal(vscsi_sim_fault(hv, 3, VSCSI_SIM_FAULT_XS_EACCES, 1, 1), 0);
    assert_int_equal(ops->xs_write(d, 0, "a", "2"), -EACCES);
    assert_int_equal(ops->xs_read(d, 0, "a", buf, sizeof(buf)), 1);
    assert_string_equal(buf, "1");
    /* quota: writes and mkdirs refused, reads not, a watch E2BIG */
    assert_int_equal(vscsi_sim_fault(hv, 3, VSCSI_SIM_FAULT_XS_QUOTA, 1, 3), 0);
    assert_int_equal(ops->xs_read(d, 0, "a", buf, sizeof(buf)), 1);
    assert_int_equal(ops->xs_write(d, 0, "b", "1"), -ENOSPC);
    assert_int_equal(ops->xs_mkdir(d, 0, "c"), -ENOSPC);
    assert_int_equal(ops->xs_watch(d, "a", "t"), -E2BIG);
    assert_int_equal(ops->xs_read(d, 0, "b", buf, sizeof(buf)), -ENOENT);
    assert_int_equal(ops->xs_watch(d, "a", "t"), 0);
    assert_int_equal(vscsi_sim_dom_next_watch(d, path, sizeof(path), tok, sizeof(tok)), 0);
    /* a lost connection: everything fails from then on, and no event comes */
    assert_int_equal(ops->xs_write(d, 0, "a", "3"), 0); /* queued, then dropped */
    assert_int_equal(vscsi_sim_fault(hv, 3, VSCSI_SIM_FAULT_XS_LOST, 1, 1), 0);
    assert_int_equal(ops->xs_read(d, 0, "a", buf, sizeof(buf)), -EIO);
    assert_int_equal(vscsi_sim_dom_next_watch(d, path, sizeof(path), tok, sizeof(tok)), -EAGAIN);
    assert_int_equal(ops->xs_write(d, 0, "a", "4"), -EIO);
    assert_int_equal(ops->xs_txn_start(d, &t), -EIO);
    assert_int_equal(ops->xs_unwatch(d, "a", "t"), -EIO);
    /* another domain's change under the watch reaches nobody */
    struct vscsi_sim_dom *d0 = vscsi_sim_dom_create(hv, 0, 4);
    assert_non_null(d0);
    assert_int_equal(ops->xs_write(d0, 0, "/local/domain/3/a", "5"), 0);
    assert_int_equal(vscsi_sim_dom_next_watch(d, path, sizeof(path), tok, sizeof(tok)), -EAGAIN);
    vscsi_sim_hv_free(hv);
}

static uint64_t xs_ops(struct vscsi_sim_dom *d)
{
    struct vscsi_sim_stats st;
    vscsi_sim_dom_stats(d, &st);
    return st.xs_ops;
}

/* One backend life (start, handshake, a command, close) with the backend's
 * nth store request failing as `kind` says (n = 0: none). Returns how many
 * store requests the backend made. Whatever fails, no crash and no leak,
 * every request the frontend put in the ring is answered exactly once, and
 * nothing stays mapped (bh_finish); a backend that did not get to
 * Connected says why. */
static unsigned store_unconnected; /* lives that did not reach Connected */

static uint64_t store_life(enum vscsi_sim_fault kind, uint64_t n)
{
    struct bh_opts o = {.nluns = 1};
    struct bh *h = bh_new(&o);
    uint64_t before = xs_ops(h->d0);
    char v[16];

    if (n)
        assert_int_equal(vscsi_sim_fault(h->hv, 0, kind, n, 1), 0);
    int rc = vscsi_back_start(h->b);
    bh_pump(h);
    bh_fe_ring(h);
    snprintf(v, sizeof(v), "%u", VSCSI_XB_INITIALISED);
    assert_int_equal(bh_fe_write(h, "state", v), 0);
    bh_pump(h);
    snprintf(v, sizeof(v), "%u", VSCSI_XB_CONNECTED);
    assert_int_equal(bh_fe_write(h, "state", v), 0);
    bh_pump(h);
    int connected = vscsi_back_state(h->b) == VSCSI_XB_CONNECTED;
    store_unconnected += !connected;
    if (vscsi_back_port(h->b)) {
        unsigned rec = bh_tur(h, 7, bh_nx(0, 0, 0));
        bh_collect(h);
        if (h->sent[rec].answers == 0)
            fail_msg("fault %d at %lu: a request in a connected ring is not answered", kind,
                     (unsigned long)n);
    }
    if (!connected && rc == 0 && vscsi_back_error(h->b) == 0 && h->worst_watch_rc == 0)
        fail_msg("fault %d at %lu: backend stuck in state %d without an error", kind,
                 (unsigned long)n, vscsi_back_state(h->b));
    snprintf(v, sizeof(v), "%u", VSCSI_XB_CLOSING);
    assert_int_equal(bh_fe_write(h, "state", v), 0);
    bh_pump(h);
    snprintf(v, sizeof(v), "%u", VSCSI_XB_CLOSED);
    assert_int_equal(bh_fe_write(h, "state", v), 0);
    bh_pump(h);
    uint64_t made = xs_ops(h->d0) - before;
    if (n)
        vscsi_sim_fault(h->hv, 0, kind, 0, 0);
    bh_finish(h);
    return made;
}

/* Every store request of a backend's life fails once, in turn, as EIO, as
 * EACCES, over quota, and as the connection lost for good from there on. */
static void test_back_store_fault_sweep(void **state)
{
    (void)state;
    static const enum vscsi_sim_fault kinds[] = {VSCSI_SIM_FAULT_XS_EIO, VSCSI_SIM_FAULT_XS_EACCES,
                                                 VSCSI_SIM_FAULT_XS_QUOTA, VSCSI_SIM_FAULT_XS_LOST};
    uint64_t total = store_life(VSCSI_SIM_FAULT_XS_EIO, 0);
    assert_true(total > 10);
    assert_int_equal(store_unconnected, 0);
    for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        store_unconnected = 0;
        for (uint64_t n = 1; n <= total; n++)
            store_life(kinds[k], n);
        printf("store fault %d: %lu lives, %u did not connect\n", kinds[k], (unsigned long)total,
               store_unconnected);
        assert_true(store_unconnected > 0); /* the sweep reached the handshake */
    }
}

/* A watch storm: the frontend rewrites its state node thousands of times,
 * with and without changing it, and flips Reconfiguring/Connected. The
 * backend acts on changes only, stays Connected and keeps serving. */
static void test_back_watch_storm(void **state)
{
    (void)state;
    struct bh_opts o = {.nluns = 1};
    struct bh *h = bh_new(&o);
    char v[16];

    bh_connect(h);
    unsigned calls = h->event_calls;
    snprintf(v, sizeof(v), "%u", VSCSI_XB_CONNECTED);
    for (unsigned i = 0; i < 5000; i++)
        assert_int_equal(bh_fe_write(h, "state", v), 0);
    bh_pump(h);
    assert_int_equal(vscsi_back_state(h->b), VSCSI_XB_CONNECTED);
    for (unsigned i = 0; i < 200; i++) {
        bh_fe_state(h, VSCSI_XB_RECONFIGURING);
        assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_RECONFIGURED);
        bh_fe_state(h, VSCSI_XB_CONNECTED);
        assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CONNECTED);
    }
    assert_int_equal(h->event_calls, calls); /* no ring work came of it */
    assert_int_equal(vscsi_back_error(h->b), 0);
    assert_int_equal(bh_lun_state(h, "dev-0"), VSCSI_XB_CONNECTED);
    bh_assert_served(h);
    bh_finish(h);
}

/* The same at the frontend: the backend rewrites its state thousands of
 * times; the frontend stays Connected and its I/O works. */
static void test_front_watch_storm(void **state)
{
    (void)state;
    static struct fh h;
    uint8_t buf[4096];
    struct vscsi_request rq;

    memset(&h, 0, sizeof(h));
    fh_connect(&h, "0", 1);
    for (unsigned i = 0; i < 5000; i++)
        fh_be_write(&h, "state", "4");
    fh_pump(&h);
    assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_CONNECTED);
    assert_int_equal(vscsi_front_error(h.f), 0);
    int id = fh_submit(&h, VSCSI_DIR_FROM_DEVICE, buf, sizeof(buf), (void *)9);
    assert_true(id >= 0);
    assert_int_equal(fh_be_take(&h, &rq), 1);
    fh_be_reply_cdb(&h, rq.rqid, 0, 0, 0);
    fh_pump(&h);
    assert_int_equal(fh_count_user(&h, (void *)9), 1);
    assert_int_equal(fh_find_user(&h, (void *)9)->res.rslt, 0);
    fh_teardown(&h);
}

/* ------------------------------------------------- frontend suspend/resume */

struct mig {
    unsigned done, added, removed;
};

static void mig_done(void *ctx, void *user, const struct vscsi_result *res, size_t bytes)
{
    ((struct mig *)ctx)->done++;
    vscsi_sim_io_done(NULL, user, res, bytes);
}

static void mig_lun(void *ctx, const char *name, uint32_t host, const struct vscsi_nexus *nx,
                    int added)
{
    (void)name, (void)host, (void)nx;
    struct mig *m = ctx;
    if (added)
        m->added++;
    else
        m->removed++;
}

static const struct vscsi_nexus MDISK = {0, 0, 0};

static void rw10(uint8_t *cdb, uint8_t op, uint32_t lba, uint16_t n)
{
    memset(cdb, 0, 10);
    cdb[0] = op;
    cdb[2] = (uint8_t)(lba >> 24);
    cdb[3] = (uint8_t)(lba >> 16);
    cdb[4] = (uint8_t)(lba >> 8);
    cdb[5] = (uint8_t)lba;
    cdb[7] = (uint8_t)(n >> 8);
    cdb[8] = (uint8_t)n;
}

/* Around a migration: commands in flight (held by the disk) complete host
 * RESET at resume, the device reconnects on a new ring, its LUN is offered
 * again without a remove/add, and the data written before is read back. */
static void test_front_suspend_resume(void **state)
{
    (void)state;
    for (int mode = 0; mode < 2; mode++) {
        struct mig m = {0};
        struct vscsi_sim_world_opts o = {.seed = 5,
                                         .data_mode = mode ? VSCSI_BACK_MAP : VSCSI_BACK_COPY,
                                         .done = mig_done,
                                         .lun = mig_lun,
                                         .cb_ctx = &m};
        struct vscsi_tgt_disk_opts dopt = {.blocks = 1024, .block_size = 512};
        struct vscsi_sim_world *w = vscsi_sim_world_new(&o);
        struct vscsi_tgt_lun *disk = vscsi_tgt_disk_new(&dopt);
        struct vscsi_result res;
        uint8_t cdb[10], wbuf[8192], rbuf[8192];

        assert_non_null(w);
        assert_non_null(disk);
        assert_int_equal(vscsi_sim_world_register(w, "d0", disk), 0);
        const char *p[] = {"d0"}, *v[] = {"0:0:0:0"};
        assert_int_equal(vscsi_sim_world_attach(w, 0, p, v, 1), 0);
        assert_int_equal(vscsi_sim_world_wait_connected(w, 0), 0);
        assert_int_equal(m.added, 1);
        struct vscsi_front *f = vscsi_sim_world_front(w, 0);
        struct vscsi_sim_hv *hv = vscsi_sim_world_hv(w);
        uint32_t old_ref;
        {
            char path[128], val[32];
            snprintf(path, sizeof(path), "/local/domain/%u/device/vscsi/0/ring-ref",
                     vscsi_sim_world_front_domid(w));
            assert_true(
                vscsi_sim_ops()->xs_read(vscsi_sim_dom_get(hv, 0), 0, path, val, sizeof(val)) > 0);
            old_ref = (uint32_t)strtoul(val, NULL, 10);
        }

        for (size_t i = 0; i < sizeof(wbuf); i++)
            wbuf[i] = (uint8_t)(i * 13 + mode);
        rw10(cdb, 0x2a, 40, 16);
        assert_int_equal(vscsi_sim_cmd(w, 0, &MDISK, cdb, 10, VSCSI_DIR_TO_DEVICE, wbuf,
                                       sizeof(wbuf), &res, NULL),
                         0);
        assert_true(vscsi_sim_good(&res));

        /* two READs the disk holds */
        struct vscsi_tgt_fault hang;
        struct vscsi_sim_io io[2];
        uint8_t held[2][4096];
        memset(io, 0, sizeof(io));
        assert_int_equal(vscsi_tgt_fault_parse("hang:nth=1,count=2", &hang), 0);
        assert_int_equal(vscsi_tgt_inject(disk, &hang), 0);
        rw10(cdb, 0x28, 0, 8);
        for (int i = 0; i < 2; i++) {
            struct vscsi_front_io fio = {MDISK, cdb, 10, VSCSI_DIR_FROM_DEVICE, held[i], 4096, 0};
            assert_true(vscsi_front_submit(f, &fio, &io[i]) >= 0);
        }
        vscsi_sim_world_settle(w, 1000);
        assert_int_equal(vscsi_sim_bridge_held(vscsi_sim_world_bridge(w)), 2);
        unsigned done0 = m.done;

        assert_int_equal(vscsi_front_resume(f), -EINVAL); /* not suspended */
        assert_int_equal(vscsi_front_suspend(f), 0);
        struct vscsi_front_io tio = {MDISK, cdb, 6, VSCSI_DIR_NONE, NULL, 0, 0};
        assert_int_equal(vscsi_front_submit(f, &tio, NULL), -EAGAIN);
        assert_int_equal(vscsi_front_reset(f, &MDISK, NULL), -EAGAIN);

        /* the new host's toolstack wrote the device's nodes afresh */
        {
            char path[128];
            snprintf(path, sizeof(path), "/local/domain/%u/device/vscsi/0/vscsi-devs/dev-0/state",
                     vscsi_sim_world_front_domid(w));
            assert_int_equal(vscsi_sim_ops()->xs_write(vscsi_sim_dom_get(hv, 0), 0, path, "1"), 0);
        }
        assert_int_equal(vscsi_front_resume(f), 0);
        assert_int_equal(m.done, done0 + 2);
        for (int i = 0; i < 2; i++) {
            assert_true(io[i].done);
            assert_int_equal(io[i].res.host, VSCSI_HOST_RESET);
        }
        assert_int_equal(vscsi_front_state(f), VSCSI_XB_INITIALISED);
        assert_int_equal(vscsi_sim_world_wait_connected(w, 0), 0);
        assert_int_equal(vscsi_front_state(f), VSCSI_XB_CONNECTED);
        assert_int_equal(m.done, done0 + 2); /* nothing answered twice */
        {
            char path[128], val[32];
            snprintf(path, sizeof(path), "/local/domain/%u/device/vscsi/0/ring-ref",
                     vscsi_sim_world_front_domid(w));
            assert_true(
                vscsi_sim_ops()->xs_read(vscsi_sim_dom_get(hv, 0), 0, path, val, sizeof(val)) > 0);
            assert_int_not_equal((uint32_t)strtoul(val, NULL, 10), old_ref); /* a new ring */
            snprintf(path, sizeof(path), "/local/domain/%u/device/vscsi/0/vscsi-devs/dev-0/state",
                     vscsi_sim_world_front_domid(w));
            assert_true(
                vscsi_sim_ops()->xs_read(vscsi_sim_dom_get(hv, 0), 0, path, val, sizeof(val)) > 0);
            assert_string_equal(val, "4"); /* offered again */
        }
        assert_int_equal(m.added, 1);
        assert_int_equal(m.removed, 0);
        assert_int_equal(vscsi_sim_bridge_held(vscsi_sim_world_bridge(w)), 0);

        /* the data is still there, and I/O works in both directions */
        rw10(cdb, 0x28, 40, 16);
        memset(rbuf, 0, sizeof(rbuf));
        assert_int_equal(vscsi_sim_cmd(w, 0, &MDISK, cdb, 10, VSCSI_DIR_FROM_DEVICE, rbuf,
                                       sizeof(rbuf), &res, NULL),
                         0);
        assert_true(vscsi_sim_good(&res));
        assert_memory_equal(rbuf, wbuf, sizeof(wbuf));
        struct vscsi_sim_workload_opts wo = {.vhost = 0, .queue_depth = 8, .ops = 200};
        struct vscsi_sim_report rep;
        memset(&rep, 0, sizeof(rep));
        vscsi_sim_run_disk(w, &wo, &MDISK, &rep);
        assert_int_equal(rep.verify_failures, 0);
        assert_int_equal(rep.errors, 0);

        assert_int_equal(vscsi_sim_world_detach(w, 0), 0);
        assert_int_equal(vscsi_sim_mappings(hv, 0), 0);
        assert_int_equal(vscsi_sim_grants_in_use(hv, vscsi_sim_world_front_domid(w)), 0);
        vscsi_sim_world_free(w);
        vscsi_tgt_free(disk);
    }
}

/* ------------------------------------------------ the library's own memory */

/* One backend life with its nth allocation failing (0: none): -ENOMEM from
 * vscsi_back_new, or a connect that fails cleanly (error, not Connected),
 * and in every case nothing of the engine's memory left after destroy, no
 * mapping left, every request in the ring answered once. Returns the
 * allocations the life made. */
static unsigned long alloc_life(enum vscsi_back_data_mode mode, unsigned long n)
{
    struct bh_opts o = {.mode = mode, .max_segs = 64, .nluns = 1};
    struct bh *h = bh_new(&o);
    struct vscsi_back_config cfg = bh_config(h);
    char v[16];

    vscsi_back_destroy(h->b);
    h->b = NULL;
    assert_int_equal(h->alloc_live, 0);
    h->alloc_calls = 0;
    h->alloc_fail_at = n;
    int rc = vscsi_back_new(&cfg, &h->b);
    if (rc) {
        assert_int_equal(rc, -ENOMEM);
        assert_null(h->b);
        assert_int_equal(h->alloc_live, 0);
        bh_finish(h);
        return n;
    }
    assert_int_equal(vscsi_back_start(h->b), 0);
    bh_pump(h);
    bh_fe_ring(h);
    snprintf(v, sizeof(v), "%u", VSCSI_XB_INITIALISED);
    assert_int_equal(bh_fe_write(h, "state", v), 0);
    bh_pump(h);
    if (vscsi_back_state(h->b) == VSCSI_XB_CONNECTED) {
        snprintf(v, sizeof(v), "%u", VSCSI_XB_CONNECTED);
        assert_int_equal(bh_fe_write(h, "state", v), 0);
        bh_pump(h);
        struct bh_xfer x;
        bh_xfer_prep(h, &x, 1, VSCSI_DIR_FROM_DEVICE, 30, 1, 16, 0);
        unsigned rec = bh_xfer_send(h, &x, bh_nx(0, 0, 0));
        bh_push(h);
        assert_int_equal(bh_rslt(h, rec), 0);
        bh_xfer_check_read(h, &x, x.total);
        bh_xfer_free(&x);
    } else {
        /* only the ring buffers are allocated after new(): their failure
         * is said, in the engine and in the store */
        assert_int_equal(vscsi_back_error(h->b), -ENOMEM);
        assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSING);
    }
    snprintf(v, sizeof(v), "%u", VSCSI_XB_CLOSING);
    assert_int_equal(bh_fe_write(h, "state", v), 0);
    bh_pump(h);
    snprintf(v, sizeof(v), "%u", VSCSI_XB_CLOSED);
    assert_int_equal(bh_fe_write(h, "state", v), 0);
    bh_pump(h);
    unsigned long made = h->alloc_calls;
    vscsi_back_destroy(h->b);
    h->b = NULL;
    assert_int_equal(h->alloc_live, 0);
    bh_finish(h);
    return made;
}

static void test_back_alloc_failure_sweep(void **state)
{
    (void)state;
    for (int m = 0; m < 2; m++) {
        unsigned long total = alloc_life((enum vscsi_back_data_mode)m, 0);
        assert_true(total > 16); /* the handle and the per-request buffers */
        for (unsigned long n = 1; n <= total; n++)
            alloc_life((enum vscsi_back_data_mode)m, n);
    }
}

static unsigned long fa_calls, fa_fail_at, fa_live;

static void *fa_alloc(void *ctx, size_t len)
{
    (void)ctx;
    if (++fa_calls == fa_fail_at)
        return NULL;
    void *p = calloc(1, len);
    fa_live += p != NULL;
    return p;
}

static void fa_free(void *ctx, void *p)
{
    (void)ctx;
    assert_true(fa_live > 0);
    fa_live--;
    free(p);
}

/* The frontend allocates in vscsi_front_new() only: each allocation fails
 * in turn, -ENOMEM and nothing left; and a whole life (connect, I/O,
 * teardown) gives back everything it took. */
static void test_front_alloc_failure_sweep(void **state)
{
    (void)state;
    static struct fh h;
    static struct vscsi_platform_ops mops;
    unsigned long total = 0;

    for (unsigned long n = 0;; n++) {
        memset(&h, 0, sizeof(h));
        fh_setup(&h, "64", 1);
        mops = *h.ops;
        mops.alloc_mem = fa_alloc;
        mops.free_mem = fa_free;
        h.ops = &mops;
        fa_calls = 0;
        fa_fail_at = n;
        struct vscsi_front_config cfg = {.size = sizeof(cfg),
                                         .ops = &mops,
                                         .ops_ctx = h.du,
                                         .dev_path = h.fe,
                                         .done = vscsi_sim_io_done,
                                         .max_segs = 64};
        int rc = vscsi_front_new(&cfg, &h.f);
        if (n == 0) {
            assert_int_equal(rc, 0);
            total = fa_calls;
            assert_true(total > 16);
            assert_int_equal(vscsi_front_start(h.f), 0);
            fh_be_connect(&h);
            assert_int_equal(vscsi_front_state(h.f), VSCSI_XB_CONNECTED);
            uint8_t buf[8192];
            struct vscsi_sim_io io = {0};
            const uint8_t cdb[10] = {0x28};
            struct vscsi_front_io fio = {{0, 0, 0}, cdb,         10, VSCSI_DIR_FROM_DEVICE,
                                         buf,       sizeof(buf), 0};
            struct vscsi_request rq;
            assert_true(vscsi_front_submit(h.f, &fio, &io) >= 0);
            assert_int_equal(fh_be_take(&h, &rq), 1);
            fh_be_reply_cdb(&h, rq.rqid, 0, 0, 0);
            fh_pump(&h);
            assert_true(io.done);
            assert_int_equal(fa_calls, total); /* nothing allocated on the I/O path */
        } else {
            assert_int_equal(rc, -ENOMEM);
            assert_null(h.f);
            assert_int_equal(fa_live, 0);
        }
        fh_teardown(&h);
        assert_int_equal(fa_live, 0);
        if (n == total)
            break;
    }
}

/* ------------------------------------------ the ring mapping goes away */

/* The backend's mapping of the ring page is torn down under a live
 * connection (its view now reads zeros, its writes reach nobody). The
 * engine must not crash: a ring it had served reads as bogus indices and is
 * given up (error, Closing); a fresh one reads as empty. Answers it still
 * writes are lost with the mapping, and it tears down cleanly when the
 * frontend closes. */
static void test_back_ring_mapping_severed(void **state)
{
    (void)state;
    for (int m = 0; m < 2; m++) {
        for (int fresh = 0; fresh < 2; fresh++) {
            struct bh_opts o = {.mode = (enum vscsi_back_data_mode)m, .nluns = 1};
            struct bh *h = bh_new(&o);
            struct bh_xfer r;
            unsigned held = 0;

            bh_connect(h);
            if (!fresh) {
                for (uint16_t i = 0; i < 3; i++)
                    assert_int_equal(bh_rslt(h, bh_tur(h, i, bh_nx(0, 0, 0))), 0);
                h->tgt.hold = 1;
                bh_xfer_prep(h, &r, 9, VSCSI_DIR_FROM_DEVICE, 2, 0, 0, 0);
                held = bh_xfer_send(h, &r, bh_nx(0, 0, 0));
                bh_push(h);
                assert_int_equal(bh_tgt_pending(h), 1);
            }
            assert_int_equal(vscsi_sim_sever_mapping(h->hv, 0, h->o.fdom, h->ring_ref), 0);
            assert_int_equal(vscsi_sim_grants_in_use(h->hv, h->o.fdom),
                             m == VSCSI_BACK_MAP && !fresh ? 2 : 0);

            unsigned t = bh_tur(h, 20, bh_nx(0, 0, 0));
            bh_kick(h);
            bh_expect_none(h, t); /* the engine cannot see it any more */
            if (fresh) {
                assert_int_equal(vscsi_back_error(h->b), 0);
            } else {
                assert_int_equal(h->last_event_rc, -EPROTO);
                assert_int_equal(vscsi_back_error(h->b), -EPROTO);
                assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSING);
                /* the held READ completes into the lost ring */
                bh_tgt_complete(h, bh_tcmd_by_rqid(h, 9), 0, 0, NULL, 0, 0);
                bh_expect_none(h, held);
                bh_xfer_check_read(h, &r, r.total); /* its data did arrive */
                bh_xfer_free(&r);
            }
            bh_fe_state(h, VSCSI_XB_CLOSING);
            bh_fe_state(h, VSCSI_XB_CLOSED);
            assert_int_equal(bh_back_num(h, "state"), VSCSI_XB_CLOSED);
            assert_int_equal(vscsi_sim_mappings(h->hv, 0), 0);
            bh_finish(h);
        }
    }
}

static unsigned front_unconnected;

/* fh_be_connect, but a frontend that gave up on the way is no failure. */
static void front_store_be_connect(struct fh *h)
{
    char path[256], buf[64];
    uint32_t ref, port;

    fh_be_state(h, VSCSI_XB_INIT_WAIT);
    fh_pump(h);
    if (vscsi_front_state(h->f) != VSCSI_XB_INITIALISED)
        return;
    snprintf(path, sizeof(path), "%s/ring-ref", h->fe);
    if (fh_read(h, path, buf, sizeof(buf)) <= 0 || vscsi_xb_parse_uint(buf, UINT32_MAX, &ref))
        return;
    snprintf(path, sizeof(path), "%s/event-channel", h->fe);
    if (fh_read(h, path, buf, sizeof(buf)) <= 0 || vscsi_xb_parse_uint(buf, UINT32_MAX, &port))
        return;
    assert_int_equal(h->ops->map_grants(h->d0, FH_FDOM, 1, &ref, 1, &h->ring_addr), 0);
    vscsi_back_ring_init(&h->br, h->ring_addr);
    assert_int_equal(h->ops->evtchn_bind_interdomain(h->d0, FH_FDOM, port, &h->bport), 0);
    fh_be_write(h, "vscsi-devs/dev-1/state", "3");
    fh_be_state(h, VSCSI_XB_CONNECTED);
    fh_pump(h);
}

/* One frontend life (new, start, the backend's handshake, a command,
 * teardown) with its nth store request failing as `kind` says (0: none).
 * Whatever fails: no crash, no leak, the command (if the device got to
 * Connected) answered once, and once the backend lets go every grant of
 * the frontend can be revoked. Returns the store requests the life made. */
static uint64_t front_store_life(enum vscsi_sim_fault kind, uint64_t n)
{
    static struct fh h;
    uint8_t buf[4096];
    struct vscsi_sim_io io = {0};

    memset(&h, 0, sizeof(h));
    fh_setup(&h, "0", 1);
    h.cfg = (struct vscsi_front_config){.size = sizeof(h.cfg),
                                        .ops = h.ops,
                                        .ops_ctx = h.du,
                                        .dev_path = h.fe,
                                        .done = vscsi_sim_io_done};
    assert_int_equal(vscsi_front_new(&h.cfg, &h.f), 0);
    uint64_t before = xs_ops(h.du);
    if (n)
        assert_int_equal(vscsi_sim_fault(h.hv, FH_FDOM, kind, n, 1), 0);
    int rc = vscsi_front_start(h.f);
    fh_pump(&h);
    if (rc == 0)
        front_store_be_connect(&h);
    if (vscsi_front_state(h.f) == VSCSI_XB_CONNECTED) {
        const uint8_t cdb[10] = {0x28};
        struct vscsi_front_io fio = {{0, 0, 0}, cdb,         10, VSCSI_DIR_FROM_DEVICE,
                                     buf,       sizeof(buf), 0};
        struct vscsi_request rq;
        if (vscsi_front_submit(h.f, &fio, &io) >= 0) {
            assert_int_equal(fh_be_take(&h, &rq), 1);
            fh_be_reply_cdb(&h, rq.rqid, 0, 0, 0);
            fh_pump(&h);
            assert_true(io.done);
        }
    } else if (n && rc == 0) {
        /* not connected: it has said why, or is still waiting for a backend
         * that has not offered anything */
        assert_true(vscsi_front_error(h.f) != 0 || vscsi_front_state(h.f) == VSCSI_XB_INITIALISED);
    }
    if (n == 0)
        assert_true(io.done); /* the clean life got through */
    front_unconnected += vscsi_front_state(h.f) != VSCSI_XB_CONNECTED;
    uint64_t made = xs_ops(h.du) - before;
    if (n)
        vscsi_sim_fault(h.hv, FH_FDOM, kind, 0, 0);
    /* the backend lets go first; then nothing of the frontend stays granted */
    if (h.ring_addr)
        assert_int_equal(h.ops->unmap_grants(h.d0, h.ring_addr, 1), 0);
    h.ring_addr = NULL;
    vscsi_front_destroy(h.f);
    h.f = NULL;
    assert_int_equal(vscsi_sim_grants_active(h.hv, FH_FDOM), 0);
    fh_teardown(&h);
    return made;
}

static void test_front_store_fault_sweep(void **state)
{
    (void)state;
    static const enum vscsi_sim_fault kinds[] = {VSCSI_SIM_FAULT_XS_EIO, VSCSI_SIM_FAULT_XS_EACCES,
                                                 VSCSI_SIM_FAULT_XS_QUOTA, VSCSI_SIM_FAULT_XS_LOST};
    uint64_t total = front_store_life(VSCSI_SIM_FAULT_XS_EIO, 0);
    assert_true(total > 5);
    for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        front_unconnected = 0;
        for (uint64_t n = 1; n <= total; n++)
            front_store_life(kinds[k], n);
        printf("front store fault %d: %lu lives, %u did not connect\n", kinds[k],
               (unsigned long)total, front_unconnected);
        assert_true(front_unconnected > 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backend_killed_and_restarted),
        cmocka_unit_test(test_drain_with_commands_in_flight),
        cmocka_unit_test(test_back_peer_closed_event_channel),
        cmocka_unit_test(test_front_peer_closed_event_channel),
        cmocka_unit_test(test_sim_store_fault_hooks),
        cmocka_unit_test(test_back_store_fault_sweep),
        cmocka_unit_test(test_back_watch_storm),
        cmocka_unit_test(test_front_watch_storm),
        cmocka_unit_test(test_front_suspend_resume),
        cmocka_unit_test(test_back_alloc_failure_sweep),
        cmocka_unit_test(test_front_alloc_failure_sweep),
        cmocka_unit_test(test_back_ring_mapping_severed),
        cmocka_unit_test(test_front_store_fault_sweep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
