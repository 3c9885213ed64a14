/* SPDX-License-Identifier: MIT */
/*
 * A backend domain other than dom0, on the simulator with XenStore permissions enforced:
 * dom0 only writes the toolstack nodes (vscsi_att_apply with backend 1), a backend engine
 * running as domain 1 serves domain 2, data written is read back, and neither guest can
 * touch what is not its own.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "attach_core.h"
#include "platform/sim_hv.h"
#include "target/bridge.h"
#include "target/target.h"
#include "vscsiif/back.h"
#include "vscsiif/front.h"

#define BE_PATH "/local/domain/1/backend/vscsi/2/0"
#define FE_PATH "/local/domain/2/device/vscsi/0"

struct env {
    struct vscsi_sim_hv *hv;
    struct vscsi_sim_dom *d0, *d1, *d2, *d3;
    const struct vscsi_platform_ops *ops;
    struct vscsi_sim_bridge *br;
    struct vscsi_tgt_lun *disk;
    struct vscsi_back *b;
    struct vscsi_front *f;
    int luns, done, status, host;
};

static void on_done(void *ctx, void *user, const struct vscsi_result *res, size_t bytes)
{
    struct env *e = ctx;
    (void)user;
    (void)bytes;
    e->done++;
    e->status = res->status;
    e->host = res->host;
}

static void on_lun(void *ctx, const char *devname, uint32_t host, const struct vscsi_nexus *nx,
                   int added)
{
    struct env *e = ctx;
    (void)devname;
    (void)host;
    (void)nx;
    e->luns += added ? 1 : -1;
}

static void bw(void *arg, const char *p, const char *t)
{
    vscsi_back_handle_watch(((struct env *)arg)->b, p, t);
}
static void bp(void *arg, uint32_t port)
{
    (void)port;
    vscsi_back_handle_event(((struct env *)arg)->b);
}
static void fw(void *arg, const char *p, const char *t)
{
    vscsi_front_handle_watch(((struct env *)arg)->f, p, t);
}
static void fp(void *arg, uint32_t port)
{
    (void)port;
    vscsi_front_handle_event(((struct env *)arg)->f);
}

static void pump(struct env *e)
{
    for (int i = 0; i < 1000; i++) {
        int n = vscsi_sim_dom_deliver(e->d1, 64, bw, bp, e);
        n += vscsi_sim_dom_deliver(e->d2, 64, fw, fp, e);
        n += vscsi_sim_bridge_poll(e->br, 0) > 0;
        if (!n)
            return;
    }
}

static int setup(void **state)
{
    static struct env e;
    memset(&e, 0, sizeof(e));
    e.hv = vscsi_sim_hv_new();
    e.ops = vscsi_sim_ops();
    e.d0 = vscsi_sim_dom_create(e.hv, 0, 16);
    e.d1 = vscsi_sim_dom_create(e.hv, 1, 256);
    e.d2 = vscsi_sim_dom_create(e.hv, 2, 256);
    e.d3 = vscsi_sim_dom_create(e.hv, 3, 16);
    e.br = vscsi_sim_bridge_new();
    struct vscsi_tgt_disk_opts o = {0};
    e.disk = vscsi_tgt_disk_new(&o);
    if (!e.d0 || !e.d1 || !e.d2 || !e.d3 || !e.br || !e.disk ||
        vscsi_sim_bridge_add(e.br, "vscsi_fake:0", e.disk))
        return -1;
    *state = &e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    vscsi_front_destroy(e->f);
    vscsi_back_destroy(e->b);
    vscsi_sim_hv_free(e->hv);
    vscsi_sim_bridge_free(e->br);
    vscsi_tgt_free(e->disk);
    return 0;
}

static void toolstack(struct env *e)
{
    struct vscsi_att_item it;
    struct vscsi_vdev vd = {0};
    char msg[300];
    assert_int_equal(vscsi_att_item_fill(&it, "vscsi_fake:0", &vd, 0, msg, sizeof(msg)), 0);
    assert_int_equal(vscsi_att_apply(e->ops, e->d0, 1, 2, &it, 1, NULL, msg, sizeof(msg)), 0);
}

static void perms_for_a_driver_domain(void **state)
{
    struct env *e = *state;
    struct vscsi_xs_perm p[4];
    char v[128];

    toolstack(e);
    /* The backend directory is the backend domain's, the frontend may read it; and back. */
    assert_int_equal(vscsi_sim_xs_get_perms(e->hv, BE_PATH, p, 4), 2);
    assert_int_equal(p[0].domid, 1);
    assert_int_equal(p[0].perms, VSCSI_XS_PERM_NONE);
    assert_int_equal(p[1].domid, 2);
    assert_int_equal(p[1].perms, VSCSI_XS_PERM_READ);
    assert_int_equal(vscsi_sim_xs_get_perms(e->hv, FE_PATH, p, 4), 2);
    assert_int_equal(p[0].domid, 2);
    assert_int_equal(p[1].domid, 1);
    assert_int_equal(p[1].perms, VSCSI_XS_PERM_READ);
    /* The LUN nodes dom0 wrote inside are the backend's too (it writes their state). */
    assert_int_equal(vscsi_sim_xs_get_perms(e->hv, BE_PATH "/vscsi-devs/dev-0/state", p, 4), 2);
    assert_int_equal(p[0].domid, 1);
    /* What vscsi-back does in the driver domain: list its vhosts, read and write. */
    assert_int_equal(e->ops->xs_directory(e->d1, 0, "/local/domain/1/backend/vscsi", v, sizeof(v)),
                     1);
    assert_string_equal(v, "2");
    assert_int_equal(e->ops->xs_write(e->d1, 0, BE_PATH "/vscsi-devs/dev-0/state", "1"), 0);
    assert_true(e->ops->xs_read(e->d1, 0, FE_PATH "/state", v, sizeof(v)) > 0);
    /* Neither side writes the other's; a third domain sees neither. */
    assert_int_equal(e->ops->xs_write(e->d2, 0, BE_PATH "/state", "4"), -EACCES);
    assert_int_equal(e->ops->xs_write(e->d1, 0, FE_PATH "/state", "4"), -EACCES);
    assert_int_equal(e->ops->xs_read(e->d3, 0, BE_PATH "/state", v, sizeof(v)), -EACCES);
    assert_int_equal(e->ops->xs_read(e->d3, 0, FE_PATH "/state", v, sizeof(v)), -EACCES);
    /* The driver domain cannot give itself the frontend's directory. */
    struct vscsi_xs_perm mine = {1, VSCSI_XS_PERM_NONE};
    assert_int_equal(e->ops->xs_set_perms(e->d1, 0, FE_PATH, &mine, 1), -EACCES);
}

static void backend_in_domain_1_serves_domain_2(void **state)
{
    struct env *e = *state;
    static uint8_t wbuf[4096], rbuf[4096];

    toolstack(e);
    struct vscsi_back_config bc = {
        .size = sizeof(bc),
        .ops = e->ops,
        .ops_ctx = e->d1,
        .target = vscsi_sim_bridge_ops(),
        .target_ctx = e->br,
        .dev_path = BE_PATH,
        .max_segs = 128,
        .allow_zero_seg = 1,
    };
    struct vscsi_front_config fc = {.size = sizeof(fc),
                                    .ops = e->ops,
                                    .ops_ctx = e->d2,
                                    .dev_path = FE_PATH,
                                    .done = on_done,
                                    .lun = on_lun,
                                    .cb_ctx = e};
    assert_int_equal(vscsi_back_new(&bc, &e->b), 0);
    assert_int_equal(vscsi_front_new(&fc, &e->f), 0);
    assert_int_equal(vscsi_back_start(e->b), 0);
    assert_int_equal(vscsi_front_start(e->f), 0);
    pump(e);
    assert_int_equal(vscsi_front_state(e->f), VSCSI_XB_CONNECTED);
    assert_int_equal(vscsi_back_state(e->b), VSCSI_XB_CONNECTED);
    assert_int_equal(e->luns, 1);

    for (size_t i = 0; i < sizeof(wbuf); i++)
        wbuf[i] = (uint8_t)(i * 7 + 3);
    uint8_t wcdb[10] = {0x2a, 0, 0, 0, 0, 8, 0, 0, 8, 0}; /* WRITE(10) LBA 8, 8 blocks */
    struct vscsi_front_io io = {
        .cdb = wcdb, .cdb_len = 10, .dir = VSCSI_DIR_TO_DEVICE, .buf = wbuf, .len = sizeof(wbuf)};
    assert_true(vscsi_front_submit(e->f, &io, NULL) >= 0);
    pump(e);
    assert_int_equal(e->done, 1);
    assert_int_equal(e->status, 0);
    assert_int_equal(e->host, 0);
    uint8_t rcdb[10] = {0x28, 0, 0, 0, 0, 8, 0, 0, 8, 0};
    io = (struct vscsi_front_io){
        .cdb = rcdb, .cdb_len = 10, .dir = VSCSI_DIR_FROM_DEVICE, .buf = rbuf, .len = sizeof(rbuf)};
    assert_true(vscsi_front_submit(e->f, &io, NULL) >= 0);
    pump(e);
    assert_int_equal(e->done, 2);
    assert_int_equal(e->status, 0);
    assert_memory_equal(rbuf, wbuf, sizeof(wbuf));
    /* The data moved between domains 1 and 2 only. */
    struct vscsi_sim_stats s0;
    vscsi_sim_dom_stats(e->d0, &s0);
    assert_int_equal(s0.copies + s0.maps, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(perms_for_a_driver_domain, setup, teardown),
        cmocka_unit_test_setup_teardown(backend_in_domain_1_serves_domain_2, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
