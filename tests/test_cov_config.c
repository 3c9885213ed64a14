/* SPDX-License-Identifier: MIT */
/* What the engines refuse at creation: every required op missing in turn,
 * tables too short, bad sizes, limits and paths. Each refusal is checked to
 * be the right errno and to leave nothing allocated (LSan in the sanitizer
 * build). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "platform/sim_hv.h"
#include "target/bridge.h"
#include "vscsiif/back.h"
#include "vscsiif/front.h"

#define OP(m) offsetof(struct vscsi_platform_ops, m)

static void done(void *cb_ctx, void *user, const struct vscsi_result *res, size_t bytes)
{
    (void)cb_ctx;
    (void)user;
    (void)res;
    (void)bytes;
}

static void null_member(struct vscsi_platform_ops *o, size_t off)
{
    void (*none)(void) = NULL;
    memcpy((char *)o + off, &none, sizeof(none));
}

static void test_front_refusals(void **state)
{
    (void)state;
    static const size_t required[] = {
        OP(grant_page),    OP(ungrant_page),  OP(evtchn_alloc_unbound),
        OP(evtchn_notify), OP(evtchn_unbind), OP(xs_read),
        OP(xs_write),      OP(xs_directory),  OP(xs_watch),
        OP(xs_unwatch),    OP(xs_txn_start),  OP(xs_txn_end),
    };
    struct vscsi_sim_hv *hv = vscsi_sim_hv_new();
    struct vscsi_sim_dom *d = vscsi_sim_dom_create(hv, 1, 16);
    struct vscsi_platform_ops o = *vscsi_sim_ops();
    struct vscsi_front_config c = {.size = sizeof(c),
                                   .ops = &o,
                                   .ops_ctx = d,
                                   .dev_path = "/local/domain/1/device/vscsi/0",
                                   .done = done};
    struct vscsi_front *f = (struct vscsi_front *)&c;
    char longpath[4096];

    assert_int_equal(vscsi_front_new(&c, NULL), -EINVAL);
    assert_int_equal(vscsi_front_new(NULL, &f), -EINVAL);
    assert_null(f);
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        o = *vscsi_sim_ops();
        null_member(&o, required[i]);
        assert_int_equal(vscsi_front_new(&c, &f), -EINVAL);
    }
    o = *vscsi_sim_ops();
    o.size = OP(xs_txn_end); /* a table compiled before xs_txn_end existed */
    assert_int_equal(vscsi_front_new(&c, &f), -EINVAL);
    o = *vscsi_sim_ops();
    c.size = 8; /* shorter than any released layout */
    assert_int_equal(vscsi_front_new(&c, &f), -EINVAL);
    c.size = sizeof(c);
    c.done = NULL;
    assert_int_equal(vscsi_front_new(&c, &f), -EINVAL);
    c.done = done;
    c.max_segs = VSCSI_MAX_INDIRECT_SEGS + 1;
    assert_int_equal(vscsi_front_new(&c, &f), -EINVAL);
    c.max_segs = 0;
    c.dev_path = NULL;
    assert_int_equal(vscsi_front_new(&c, &f), -EINVAL);
    c.dev_path = "local/domain/1/device/vscsi/0";
    assert_int_equal(vscsi_front_new(&c, &f), -ENAMETOOLONG);
    memset(longpath, 'a', sizeof(longpath) - 1);
    longpath[0] = '/';
    longpath[sizeof(longpath) - 1] = '\0';
    c.dev_path = longpath;
    assert_int_equal(vscsi_front_new(&c, &f), -ENAMETOOLONG);
    /* Without the optional page-pool ops the engine still works (bounce only). */
    c.dev_path = "/local/domain/1/device/vscsi/0";
    null_member(&o, OP(alloc_pages));
    assert_int_equal(vscsi_front_new(&c, &f), 0);
    vscsi_front_destroy(f);
    vscsi_front_destroy(NULL);
    vscsi_sim_hv_free(hv);
}

static int t_open(void *tctx, const char *pdev, void **lun)
{
    (void)tctx;
    (void)pdev;
    *lun = NULL;
    return -ENODEV;
}

static int t_submit(void *tctx, void *lun, struct vscsi_target_cmd *cmd)
{
    (void)tctx;
    (void)lun;
    (void)cmd;
    return -EIO;
}

static void test_back_refusals(void **state)
{
    (void)state;
    static const size_t required[] = {
        OP(xs_read),       OP(xs_write),     OP(xs_watch),
        OP(map_grants),    OP(unmap_grants), OP(evtchn_bind_interdomain),
        OP(evtchn_notify), OP(copy_grants),
    };
    struct vscsi_sim_hv *hv = vscsi_sim_hv_new();
    struct vscsi_sim_dom *d0 = vscsi_sim_dom_create(hv, 0, 16);
    struct vscsi_platform_ops o = *vscsi_sim_ops();
    struct vscsi_target_ops t = {.size = sizeof(t), .open = t_open, .submit = t_submit};
    struct vscsi_back_config c = {.size = sizeof(c),
                                  .ops = &o,
                                  .ops_ctx = d0,
                                  .target = &t,
                                  .dev_path = "/local/domain/0/backend/vscsi/1/0"};
    struct vscsi_back *b = NULL;
    char longpath[4096];

    assert_int_equal(vscsi_back_new(NULL, &b), -EINVAL);
    assert_int_equal(vscsi_back_new(&c, NULL), -EINVAL);
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        o = *vscsi_sim_ops();
        null_member(&o, required[i]);
        assert_int_equal(vscsi_back_new(&c, &b), -EINVAL);
    }
    o = *vscsi_sim_ops();
    /* Map mode needs no grant copy. */
    null_member(&o, OP(copy_grants));
    c.data_mode = VSCSI_BACK_MAP;
    assert_int_equal(vscsi_back_new(&c, &b), 0);
    vscsi_back_destroy(b);
    vscsi_back_destroy(NULL);
    o = *vscsi_sim_ops();
    c.data_mode = VSCSI_BACK_COPY;
    t.open = NULL;
    assert_int_equal(vscsi_back_new(&c, &b), -EINVAL);
    t.open = t_open;
    t.submit = NULL;
    assert_int_equal(vscsi_back_new(&c, &b), -EINVAL);
    t.submit = t_submit;
    c.target = NULL;
    assert_int_equal(vscsi_back_new(&c, &b), -EINVAL);
    c.target = &t;
    c.ops = NULL;
    assert_int_equal(vscsi_back_new(&c, &b), -EINVAL);
    c.ops = &o;
    c.size = 8;
    assert_int_equal(vscsi_back_new(&c, &b), -EINVAL);
    c.size = sizeof(c);
    c.max_segs = VSCSI_SG_TABLESIZE - 1;
    assert_int_equal(vscsi_back_new(&c, &b), -EINVAL);
    c.max_segs = VSCSI_MAX_INDIRECT_SEGS + 1;
    assert_int_equal(vscsi_back_new(&c, &b), -EINVAL);
    c.max_segs = 0;
    c.dev_path = NULL;
    assert_int_equal(vscsi_back_new(&c, &b), -EINVAL);
    memset(longpath, 'a', sizeof(longpath) - 1);
    longpath[0] = '/';
    longpath[sizeof(longpath) - 1] = '\0';
    c.dev_path = longpath;
    assert_int_equal(vscsi_back_new(&c, &b), -ENAMETOOLONG);
    /* Starting without frontend nodes fails cleanly and says why in the store. */
    c.dev_path = "/local/domain/0/backend/vscsi/1/0";
    assert_int_equal(vscsi_back_new(&c, &b), 0);
    assert_int_not_equal(vscsi_back_start(b), 0);
    assert_int_not_equal(vscsi_back_error(b), 0);
    vscsi_back_destroy(b);
    vscsi_sim_hv_free(hv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_front_refusals),
        cmocka_unit_test(test_back_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
