/* SPDX-License-Identifier: MIT */
/* Platform calls failing one at a time: the toolstack's node writer and the
 * frontend's start see the Nth XenStore, grant or event-channel call fail,
 * for every N until the operation goes through. Each failure must come back
 * as an error and leave nothing behind: no node of a half-made vhost or LUN
 * (the transaction is aborted), no grant, page or bound port of a frontend
 * that could not start once it is destroyed. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "platform/sim_hv.h"
#include "vscsiif/front.h"
#include "vscsiif/toolstack.h"

/* The ctx the wrapped ops get: the real domain, and which call fails. */
struct fail {
    struct vscsi_sim_dom *dom;
    unsigned calls, fail_at; /* 1-based; 0 never */
};

static const struct vscsi_platform_ops *real(void)
{
    return vscsi_sim_ops();
}

static int hit(void *ctx)
{
    struct fail *f = ctx;
    return ++f->calls == f->fail_at;
}

#define DOM(ctx) (((struct fail *)(ctx))->dom)

static int w_xs_read(void *c, vscsi_xs_txn t, const char *p, char *b, size_t n)
{
    return hit(c) ? -EIO : real()->xs_read(DOM(c), t, p, b, n);
}
static int w_xs_write(void *c, vscsi_xs_txn t, const char *p, const char *v)
{
    return hit(c) ? -EIO : real()->xs_write(DOM(c), t, p, v);
}
static int w_xs_mkdir(void *c, vscsi_xs_txn t, const char *p)
{
    return hit(c) ? -EIO : real()->xs_mkdir(DOM(c), t, p);
}
static int w_xs_rm(void *c, vscsi_xs_txn t, const char *p)
{
    return real()->xs_rm(DOM(c), t, p);
}
static int w_xs_directory(void *c, vscsi_xs_txn t, const char *p, char *b, size_t n)
{
    return hit(c) ? -EIO : real()->xs_directory(DOM(c), t, p, b, n);
}
static int w_xs_set_perms(void *c, vscsi_xs_txn t, const char *p, const struct vscsi_xs_perm *pe,
                          unsigned n)
{
    return hit(c) ? -EIO : real()->xs_set_perms(DOM(c), t, p, pe, n);
}
static int w_xs_watch(void *c, const char *p, const char *tok)
{
    return hit(c) ? -EIO : real()->xs_watch(DOM(c), p, tok);
}
static int w_xs_unwatch(void *c, const char *p, const char *tok)
{
    return real()->xs_unwatch(DOM(c), p, tok);
}
static int w_xs_txn_start(void *c, vscsi_xs_txn *t)
{
    return hit(c) ? -EIO : real()->xs_txn_start(DOM(c), t);
}
static int w_xs_txn_end(void *c, vscsi_xs_txn t, int abort)
{
    /* An abort always goes through: it is what undoes the failure. */
    if (!abort && hit(c)) {
        real()->xs_txn_end(DOM(c), t, 1);
        return -EIO;
    }
    return real()->xs_txn_end(DOM(c), t, abort);
}
static int w_grant_page(void *c, uint16_t d, int ro, uint32_t *ref, void **page)
{
    return hit(c) ? -ENOMEM : real()->grant_page(DOM(c), d, ro, ref, page);
}
static int w_ungrant_page(void *c, uint32_t ref, void *page)
{
    return real()->ungrant_page(DOM(c), ref, page);
}
static int w_evtchn_alloc_unbound(void *c, uint16_t d, uint32_t *port)
{
    return hit(c) ? -ENOSPC : real()->evtchn_alloc_unbound(DOM(c), d, port);
}
static int w_evtchn_notify(void *c, uint32_t port)
{
    return real()->evtchn_notify(DOM(c), port);
}
static int w_evtchn_unbind(void *c, uint32_t port)
{
    return real()->evtchn_unbind(DOM(c), port);
}

static struct vscsi_platform_ops wrapped(void)
{
    struct vscsi_platform_ops o;
    memset(&o, 0, sizeof(o));
    o.size = offsetof(struct vscsi_platform_ops, xs_txn_end) + sizeof(o.xs_txn_end);
    o.xs_read = w_xs_read;
    o.xs_write = w_xs_write;
    o.xs_mkdir = w_xs_mkdir;
    o.xs_rm = w_xs_rm;
    o.xs_directory = w_xs_directory;
    o.xs_set_perms = w_xs_set_perms;
    o.xs_watch = w_xs_watch;
    o.xs_unwatch = w_xs_unwatch;
    o.xs_txn_start = w_xs_txn_start;
    o.xs_txn_end = w_xs_txn_end;
    o.grant_page = w_grant_page;
    o.ungrant_page = w_ungrant_page;
    o.evtchn_alloc_unbound = w_evtchn_alloc_unbound;
    o.evtchn_notify = w_evtchn_notify;
    o.evtchn_unbind = w_evtchn_unbind;
    return o;
}

static int exists(struct vscsi_sim_dom *d0, const char *path)
{
    char buf[8];
    int rc = real()->xs_read(d0, VSCSI_XS_NO_TXN, path, buf, sizeof(buf));
    return rc >= 0 || rc == -E2BIG;
}

/* A failure the operation tolerated (a read taken as "absent") is not an
 * error; the sweep ends once the failing call is past the last one made. */
static void test_toolstack_failures(void **state)
{
    (void)state;
    struct vscsi_ts_vhost v = {0, 3, 1, 1};
    char be[128], fe[128], dev[200];
    unsigned failed_create = 0, failed_lun = 0, n;

    vscsi_ts_paths(&v, be, sizeof(be), fe, sizeof(fe));
    snprintf(dev, sizeof(dev), "%s/vscsi-devs/dev-0", be);
    for (int lun = 0; lun < 2; lun++) {
        for (n = 1; n < 200; n++) {
            struct vscsi_sim_hv *hv = vscsi_sim_hv_new();
            struct fail f = {vscsi_sim_dom_create(hv, 0, 8), 0, lun ? 0 : n};
            struct vscsi_platform_ops o = wrapped();
            int rc;
            vscsi_sim_dom_create(hv, 3, 8);
            rc = vscsi_ts_vhost_create(&o, &f, &v);
            if (lun) {
                assert_int_equal(rc, 0);
                f.calls = 0;
                f.fail_at = n;
                rc = vscsi_ts_lun_add(&o, &f, &v, 0, "d", "0:0:0:0", "sda", 1);
            }
            if (rc) {
                assert_true(rc < 0);
                if (lun) {
                    assert_false(exists(f.dom, dev)); /* all or nothing */
                    failed_lun++;
                } else {
                    assert_false(exists(f.dom, be));
                    assert_false(exists(f.dom, fe));
                    failed_create++;
                }
            }
            unsigned calls = f.calls;
            vscsi_sim_hv_free(hv);
            if (rc == 0 && calls < n)
                break; /* the failing call is past the last one made */
            /* The only failure that may pass: the existence read (call 2,
             * after txn_start), taken as "absent". */
            if (rc == 0)
                assert_int_equal(n, 2);
        }
        assert_true(n < 200);
    }
    /* Every write of both bodies failed once (a read failing is taken as "absent"). */
    assert_true(failed_create >= 12);
    assert_true(failed_lun >= 6);
}

static void done(void *cb_ctx, void *user, const struct vscsi_result *res, size_t bytes)
{
    (void)cb_ctx;
    (void)user;
    (void)res;
    (void)bytes;
}

static void test_front_start_failures(void **state)
{
    (void)state;
    struct vscsi_ts_vhost v = {0, 3, 0, 0};
    char be[128], fe[128];
    unsigned n;

    vscsi_ts_paths(&v, be, sizeof(be), fe, sizeof(fe));
    for (n = 1; n < 200; n++) {
        struct vscsi_sim_hv *hv = vscsi_sim_hv_new();
        struct vscsi_sim_dom *d0 = vscsi_sim_dom_create(hv, 0, 8);
        struct fail f = {vscsi_sim_dom_create(hv, 3, 64), 0, 0};
        struct vscsi_platform_ops o = wrapped();
        struct vscsi_front_config c = {
            .size = sizeof(c), .ops = &o, .ops_ctx = &f, .dev_path = fe, .done = done};
        struct vscsi_front *fr;
        unsigned free0 = vscsi_sim_dom_free_pages(f.dom);

        assert_int_equal(vscsi_ts_vhost_create(real(), d0, &v), 0);
        assert_int_equal(vscsi_front_new(&c, &fr), 0);
        f.fail_at = n;
        int rc = vscsi_front_start(fr);
        vscsi_front_destroy(fr);
        /* Whatever start did or did not get to, destroy gives it all back. */
        assert_int_equal(vscsi_sim_grants_active(hv, 3), 0);
        assert_int_equal(vscsi_sim_dom_free_pages(f.dom), free0);
        vscsi_sim_hv_free(hv);
        if (rc == 0 && f.calls < n)
            break;
        assert_true(rc <= 0);
    }
    assert_true(n > 3 && n < 200);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_toolstack_failures),
        cmocka_unit_test(test_front_start_failures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
