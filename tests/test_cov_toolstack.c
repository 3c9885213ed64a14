/* SPDX-License-Identifier: MIT */
/* The toolstack's node writer (include/vscsiif/toolstack.h) on the simulated
 * XenStore: the paths of its less travelled calls (reap, next devid, remove,
 * refusals, transaction conflicts and embedders without transactions). */
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
#include "vscsiif/toolstack.h"

struct env {
    struct vscsi_sim_hv *hv;
    struct vscsi_sim_dom *d0, *du;
    const struct vscsi_platform_ops *ops;
    struct vscsi_ts_vhost v;
    char be[128], fe[128];
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof(*e));
    assert_non_null(e);
    e->hv = vscsi_sim_hv_new();
    e->d0 = vscsi_sim_dom_create(e->hv, 0, 8);
    e->du = vscsi_sim_dom_create(e->hv, 3, 8);
    e->ops = vscsi_sim_ops();
    e->v = (struct vscsi_ts_vhost){0, 3, 1, 1};
    assert_int_equal(vscsi_ts_paths(&e->v, e->be, sizeof(e->be), e->fe, sizeof(e->fe)), 0);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    vscsi_sim_hv_free(e->hv);
    free(e);
    return 0;
}

static void node(struct env *e, const char *dir, const char *name, const char *want)
{
    char path[256], buf[256];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    int rc = e->ops->xs_read(e->d0, VSCSI_XS_NO_TXN, path, buf, sizeof(buf));
    if (!want) {
        assert_int_equal(rc, -ENOENT);
        return;
    }
    assert_true(rc >= 0);
    assert_string_equal(buf, want);
}

static void test_paths_too_long(void **state)
{
    struct env *e = *state;
    char be[8], fe[128];
    assert_int_equal(vscsi_ts_paths(&e->v, be, sizeof(be), fe, sizeof(fe)), -ENAMETOOLONG);
    assert_int_equal(vscsi_ts_paths(&e->v, fe, sizeof(fe), be, sizeof(be)), -ENAMETOOLONG);
}

static void test_create_nodes_and_refusals(void **state)
{
    struct env *e = *state;
    assert_int_equal(vscsi_ts_vhost_create(e->ops, e->d0, &e->v), 0);
    node(e, e->be, "frontend", e->fe);
    node(e, e->be, "frontend-id", "3");
    node(e, e->be, "online", "1");
    node(e, e->be, "feature-host", "1");
    node(e, e->be, "state", "1");
    node(e, e->fe, "backend", e->be);
    node(e, e->fe, "backend-id", "0");
    assert_int_equal(vscsi_ts_vhost_create(e->ops, e->d0, &e->v), -EEXIST);
    /* The guest may not create the backend's directory: the body fails, nothing is left. */
    struct vscsi_ts_vhost other = {0, 3, 7, 0};
    char be[128], fe[128];
    vscsi_ts_paths(&other, be, sizeof(be), fe, sizeof(fe));
    assert_int_not_equal(vscsi_ts_vhost_create(e->ops, e->du, &other), 0);
    node(e, be, "state", NULL);
}

static void test_lun_add_remove_state(void **state)
{
    struct env *e = *state;
    enum vscsi_xb_state lun, vh;
    char dev[200];

    assert_int_equal(vscsi_ts_vhost_create(e->ops, e->d0, &e->v), 0);
    assert_int_equal(vscsi_ts_lun_add(e->ops, e->d0, &e->v, 0, NULL, "0:0:0:0", NULL, 0), -EINVAL);
    assert_int_equal(vscsi_ts_lun_add(e->ops, e->d0, &e->v, 0, "d", "", NULL, 0), -EINVAL);
    assert_int_equal(vscsi_ts_lun_add(e->ops, e->d0, &e->v, 0, "d", "0:0:0:0", "sda", 0), 0);
    snprintf(dev, sizeof(dev), "%s/vscsi-devs/dev-0", e->be);
    node(e, dev, "p-dev", "d");
    node(e, dev, "v-dev", "0:0:0:0");
    node(e, dev, "p-devname", "sda");
    node(e, dev, "state", "1");
    assert_int_equal(vscsi_ts_lun_add(e->ops, e->d0, &e->v, 0, "d", "0:0:0:0", NULL, 0), -EEXIST);
    assert_int_equal(vscsi_ts_lun_add(e->ops, e->d0, &e->v, 1, "e", "0:0:1:0", NULL, 1), 0);
    node(e, e->be, "state", "7");
    assert_int_equal(vscsi_ts_lun_state(e->ops, e->d0, &e->v, 1, &lun, &vh), 0);
    assert_int_equal(lun, VSCSI_XB_INITIALISING);
    assert_int_equal(vh, VSCSI_XB_RECONFIGURING);
    assert_int_equal(vscsi_ts_lun_state(e->ops, e->d0, &e->v, 1, NULL, NULL), 0);
    assert_int_equal(vscsi_ts_lun_state(e->ops, e->d0, &e->v, 9, &lun, NULL), -ENOENT);

    assert_int_equal(vscsi_ts_lun_remove(e->ops, e->d0, &e->v, 5, 0), -ENOENT);
    assert_int_equal(vscsi_ts_lun_remove(e->ops, e->d0, &e->v, 0, 0), 0);
    node(e, dev, "state", "5");
    e->ops->xs_write(e->d0, VSCSI_XS_NO_TXN, "/local/domain/0/backend/vscsi/3/1/state", "4");
    assert_int_equal(vscsi_ts_lun_remove(e->ops, e->d0, &e->v, 1, 1), 0);
    node(e, e->be, "state", "7");
}

static void test_reap(void **state)
{
    struct env *e = *state;
    char dev[200];

    assert_int_equal(vscsi_ts_vhost_create(e->ops, e->d0, &e->v), 0);
    assert_int_equal(vscsi_ts_lun_reap(e->ops, e->d0, &e->v, 0), -ENOENT);
    assert_int_equal(vscsi_ts_lun_add(e->ops, e->d0, &e->v, 0, "d", "0:0:0:0", NULL, 0), 0);
    assert_int_equal(vscsi_ts_lun_remove(e->ops, e->d0, &e->v, 0, 0), 0);
    assert_int_equal(vscsi_ts_lun_reap(e->ops, e->d0, &e->v, 0), -EBUSY);
    snprintf(dev, sizeof(dev), "%s/vscsi-devs/dev-0/state", e->be);
    e->ops->xs_write(e->d0, VSCSI_XS_NO_TXN, dev, "6");
    assert_int_equal(vscsi_ts_lun_reap(e->ops, e->d0, &e->v, 0), 0);
    node(e, e->be, "vscsi-devs/dev-0/p-dev", NULL);
}

static void test_next_devid(void **state)
{
    struct env *e = *state;
    char path[256];
    uint32_t id = 99;

    assert_int_equal(vscsi_ts_vhost_create(e->ops, e->d0, &e->v), 0);
    assert_int_equal(vscsi_ts_next_devid(e->ops, e->d0, &e->v, &id), 0); /* no vscsi-devs yet */
    assert_int_equal(id, 0);
    assert_int_equal(vscsi_ts_lun_add(e->ops, e->d0, &e->v, 0, "d", "0:0:0:0", NULL, 0), 0);
    assert_int_equal(vscsi_ts_lun_add(e->ops, e->d0, &e->v, 2, "d", "0:0:2:0", NULL, 0), 0);
    /* Names that are not dev-<n> with n in range take no id. */
    snprintf(path, sizeof(path), "%s/vscsi-devs/other", e->be);
    e->ops->xs_write(e->d0, VSCSI_XS_NO_TXN, path, "x");
    snprintf(path, sizeof(path), "%s/vscsi-devs/dev-1x", e->be);
    e->ops->xs_write(e->d0, VSCSI_XS_NO_TXN, path, "x");
    snprintf(path, sizeof(path), "%s/vscsi-devs/dev-999", e->be);
    e->ops->xs_write(e->d0, VSCSI_XS_NO_TXN, path, "x");
    assert_int_equal(vscsi_ts_next_devid(e->ops, e->d0, &e->v, &id), 0);
    assert_int_equal(id, 1);
    for (uint32_t i = 0; i < VSCSI_XB_MAX_DEVS; i++) {
        snprintf(path, sizeof(path), "%s/vscsi-devs/dev-%u", e->be, (unsigned)i);
        e->ops->xs_write(e->d0, VSCSI_XS_NO_TXN, path, "");
    }
    assert_int_equal(vscsi_ts_next_devid(e->ops, e->d0, &e->v, &id), -ENOSPC);
    /* A directory the caller cannot read is an error, not "no devices". */
    struct vscsi_ts_vhost theirs = {0, 5, 0, 0};
    assert_int_equal(vscsi_ts_vhost_create(e->ops, e->d0, &theirs), 0);
    assert_int_equal(vscsi_ts_lun_add(e->ops, e->d0, &theirs, 0, "d", "0:0:0:0", NULL, 0), 0);
    assert_int_equal(vscsi_ts_next_devid(e->ops, e->du, &theirs, &id), -EACCES);
}

static void test_close_and_remove(void **state)
{
    struct env *e = *state;
    assert_int_equal(vscsi_ts_vhost_create(e->ops, e->d0, &e->v), 0);
    assert_int_equal(vscsi_ts_vhost_close(e->ops, e->d0, &e->v), 0);
    node(e, e->be, "online", "0");
    node(e, e->be, "state", "5");
    assert_int_equal(vscsi_ts_vhost_remove(e->ops, e->d0, &e->v), 0);
    node(e, e->be, "state", NULL);
    node(e, e->fe, "state", NULL);
}

static void test_conflicts_are_retried(void **state)
{
    struct env *e = *state;
    /* Two commits lose to another writer, the third lands. */
    assert_int_equal(vscsi_sim_fault(e->hv, 0, VSCSI_SIM_FAULT_XS_CONFLICT, 1, 2), 0);
    assert_int_equal(vscsi_ts_vhost_create(e->ops, e->d0, &e->v), 0);
    node(e, e->be, "state", "1");
    /* Losing every time: the writer gives up with -EAGAIN and leaves nothing. */
    assert_int_equal(vscsi_sim_fault(e->hv, 0, VSCSI_SIM_FAULT_XS_CONFLICT, 1, 0), 0);
    assert_int_equal(vscsi_ts_lun_add(e->ops, e->d0, &e->v, 0, "d", "0:0:0:0", NULL, 0), -EAGAIN);
    assert_int_equal(vscsi_sim_fault(e->hv, 0, VSCSI_SIM_FAULT_XS_CONFLICT, 0, 0), 0);
    node(e, e->be, "vscsi-devs/dev-0/state", NULL);
}

static void test_without_transactions_or_perms(void **state)
{
    struct env *e = *state;
    struct vscsi_platform_ops o = *e->ops;
    o.xs_txn_start = NULL;
    o.xs_txn_end = NULL;
    o.xs_set_perms = NULL;
    assert_int_equal(vscsi_ts_vhost_create(&o, e->d0, &e->v), 0);
    assert_int_equal(vscsi_ts_lun_add(&o, e->d0, &e->v, 0, "d", "0:0:0:0", NULL, 0), 0);
    assert_int_equal(vscsi_ts_lun_add(&o, e->d0, &e->v, 0, "d", "0:0:0:0", NULL, 0), -EEXIST);
    node(e, e->be, "vscsi-devs/dev-0/state", "1");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_paths_too_long, setup, teardown),
        cmocka_unit_test_setup_teardown(test_create_nodes_and_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lun_add_remove_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reap, setup, teardown),
        cmocka_unit_test_setup_teardown(test_next_devid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_and_remove, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conflicts_are_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_without_transactions_or_perms, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
