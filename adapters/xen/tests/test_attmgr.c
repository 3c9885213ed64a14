/* SPDX-License-Identifier: MIT */
/*
 * Persistent attachments and all-or-nothing attach against the simulated XenStore
 * (permissions enforced): dom0 runs the manager, guests come and go.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "attmgr.h"
#include "platform/sim_hv.h"

struct env {
    struct vscsi_sim_hv *hv;
    struct vscsi_sim_dom *d0;
    const struct vscsi_platform_ops *ops;
    struct vscsi_am *am;
    int lookups;
    int lookup_rc;
    char last_name[80];
};

static int lookup(void *arg, const char *name, struct vscsi_att_item *items, size_t max, char *msg,
                  size_t len)
{
    struct env *e = arg;
    struct vscsi_vdev vd = {0};
    e->lookups++;
    snprintf(e->last_name, sizeof(e->last_name), "%s", name);
    if (e->lookup_rc) {
        snprintf(msg, len, "planted failure");
        return e->lookup_rc;
    }
    if (strcmp(name, "tapehost") != 0)
        return 0;
    assert_true(max >= 2);
    vd.host = 0;
    vd.nexus.lun = 0;
    assert_int_equal(vscsi_att_item_fill(&items[0], "1:0:2:0", &vd, 0, msg, len), 0);
    vd.nexus.lun = 1;
    assert_int_equal(vscsi_att_item_fill(&items[1], "naa.5001405deadbeef0:3", &vd, 0, msg, len), 0);
    return 2;
}

static int alive(void *arg, uint16_t id)
{
    struct env *e = arg;
    return vscsi_sim_dom_get(e->hv, id) != NULL;
}

static void on_watch(void *arg, const char *path, const char *token)
{
    struct env *e = arg;
    vscsi_am_handle_watch(e->am, path, token);
}

static void pump(struct env *e)
{
    while (vscsi_sim_dom_deliver(e->d0, 64, on_watch, NULL, e) > 0) {
    }
}

static int setup(void **state)
{
    static struct env e;
    memset(&e, 0, sizeof(e));
    e.hv = vscsi_sim_hv_new();
    e.d0 = vscsi_sim_dom_create(e.hv, 0, 16);
    e.ops = vscsi_sim_ops();
    assert_non_null(e.d0);
    *state = &e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;
    vscsi_am_free(e->am);
    vscsi_sim_hv_free(e->hv);
    return 0;
}

static void start_am(struct env *e)
{
    struct vscsi_am_config c = {
        .ops = e->ops, .ctx = e->d0, .backend = 0, .lookup = lookup, .alive = alive, .arg = e};
    assert_int_equal(vscsi_am_new(&c, &e->am), 0);
    assert_int_equal(vscsi_am_start(e->am), 0);
    pump(e);
}

/* What xl does: create the domain, then write its name. */
static struct vscsi_sim_dom *boot(struct env *e, uint16_t id, const char *name)
{
    char p[64];
    struct vscsi_sim_dom *d = vscsi_sim_dom_create(e->hv, id, 16);
    assert_non_null(d);
    pump(e);
    snprintf(p, sizeof(p), "/local/domain/%u/name", (unsigned)id);
    assert_int_equal(e->ops->xs_write(e->d0, 0, p, name), 0);
    pump(e);
    return d;
}

/* What xl does when a domain dies: the domain goes, then its /local/domain tree. */
static void kill_dom(struct env *e, struct vscsi_sim_dom *d, uint16_t id)
{
    char p[64];
    vscsi_sim_dom_destroy(d);
    snprintf(p, sizeof(p), "/local/domain/%u", (unsigned)id);
    e->ops->xs_rm(e->d0, 0, p);
    pump(e);
}

static int rd(struct env *e, const char *path, char *buf, size_t len)
{
    return e->ops->xs_read(e->d0, 0, path, buf, len);
}

static void domain_appears_nodes_written(void **state)
{
    struct env *e = *state;
    char v[128];
    start_am(e);
    boot(e, 3, "tapehost");
    assert_int_equal(e->lookups, 1);
    assert_string_equal(e->last_name, "tapehost");
    assert_true(rd(e, "/local/domain/0/backend/vscsi/3/0/vscsi-devs/dev-0/p-dev", v, sizeof(v)) >
                0);
    assert_string_equal(v, "1:0:2:0");
    assert_true(rd(e, "/local/domain/0/backend/vscsi/3/0/vscsi-devs/dev-1/p-dev", v, sizeof(v)) >
                0);
    assert_string_equal(v, "naa.5001405deadbeef0:3");
    assert_true(rd(e, "/local/domain/0/backend/vscsi/3/0/vscsi-devs/dev-1/v-dev", v, sizeof(v)) >
                0);
    assert_string_equal(v, "0:0:0:1");
    assert_true(rd(e, "/local/domain/3/device/vscsi/0/backend-id", v, sizeof(v)) > 0);
    assert_string_equal(v, "0");
    /* The guest may read its backend's directory, not write it. */
    struct vscsi_sim_dom *g = vscsi_sim_dom_get(e->hv, 3);
    assert_true(e->ops->xs_read(g, 0, "/local/domain/0/backend/vscsi/3/0/state", v, sizeof(v)) > 0);
    assert_int_equal(e->ops->xs_write(g, 0, "/local/domain/0/backend/vscsi/3/0/state", "4"),
                     -EACCES);
    /* Another domain appearing does not attach it twice. */
    boot(e, 4, "other");
    assert_int_equal(e->lookups, 2);
    assert_int_equal(rd(e, "/local/domain/0/backend/vscsi/4", v, sizeof(v)), -ENOENT);
    assert_int_equal(
        rd(e, "/local/domain/0/backend/vscsi/3/0/vscsi-devs/dev-2/p-dev", v, sizeof(v)), -ENOENT);
}

static void domain_released_nodes_gone_reboot_reattached(void **state)
{
    struct env *e = *state;
    char v[128];
    start_am(e);
    struct vscsi_sim_dom *d = boot(e, 3, "tapehost");
    assert_true(rd(e, "/local/domain/0/backend/vscsi/3/0/state", v, sizeof(v)) > 0);
    kill_dom(e, d, 3);
    assert_int_equal(rd(e, "/local/domain/0/backend/vscsi/3", v, sizeof(v)), -ENOENT);
    /* xl reboot: same name, new domid. */
    boot(e, 5, "tapehost");
    assert_true(rd(e, "/local/domain/0/backend/vscsi/5/0/vscsi-devs/dev-0/p-dev", v, sizeof(v)) >
                0);
    struct vscsi_am_stats st;
    vscsi_am_stats(e->am, &st);
    assert_int_equal(st.attached, 2);
    assert_int_equal(st.reaped, 1);
}

/* Real xl: @releaseDomain may come while /local/domain/<id> is still there (the default
 * liveness test, no callback); the nodes go when xl removes the domain's tree. */
static void release_before_tree_removed(void **state)
{
    struct env *e = *state;
    char v[128];
    struct vscsi_am_config c = {
        .ops = e->ops, .ctx = e->d0, .backend = 0, .lookup = lookup, .arg = e};
    assert_int_equal(vscsi_am_new(&c, &e->am), 0);
    assert_int_equal(vscsi_am_start(e->am), 0);
    struct vscsi_sim_dom *d = boot(e, 3, "tapehost");
    assert_true(rd(e, "/local/domain/0/backend/vscsi/3/0/state", v, sizeof(v)) > 0);
    vscsi_sim_dom_destroy(d);
    pump(e);
    assert_true(rd(e, "/local/domain/0/backend/vscsi/3/0/state", v, sizeof(v)) > 0);
    assert_int_equal(e->ops->xs_rm(e->d0, 0, "/local/domain/3"), 0);
    pump(e);
    assert_int_equal(rd(e, "/local/domain/0/backend/vscsi/3", v, sizeof(v)), -ENOENT);
}

/* Backend nodes of a domain that died while no daemon ran; and a restarted daemon
 * leaves the vhosts of a live domain as they are. */
static void stale_reaped_at_start_live_kept(void **state)
{
    struct env *e = *state;
    char v[128];
    assert_int_equal(e->ops->xs_write(e->d0, 0, "/local/domain/0/backend/vscsi/9/0/state", "4"), 0);
    struct vscsi_sim_dom *d = vscsi_sim_dom_create(e->hv, 3, 16);
    assert_non_null(d);
    assert_int_equal(e->ops->xs_write(e->d0, 0, "/local/domain/3/name", "tapehost"), 0);
    assert_int_equal(e->ops->xs_write(e->d0, 0, "/local/domain/0/backend/vscsi/3/0/state", "4"), 0);
    start_am(e);
    assert_int_equal(rd(e, "/local/domain/0/backend/vscsi/9", v, sizeof(v)), -ENOENT);
    assert_true(rd(e, "/local/domain/0/backend/vscsi/3/0/state", v, sizeof(v)) > 0);
    assert_string_equal(v, "4");
    assert_int_equal(rd(e, "/local/domain/0/backend/vscsi/3/0/vscsi-devs", v, sizeof(v)), -ENOENT);
}

static void hostile_names_and_lookup_failure(void **state)
{
    struct env *e = *state;
    char v[128];
    static const char *const names[] = {
        "../../etc/passwd",
        "a/b",
        "",
        ".hidden",
        "-x",
        "name with space",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
    start_am(e);
    for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        boot(e, (uint16_t)(10 + i), names[i]);
    assert_int_equal(e->lookups, 0);
    struct vscsi_am_stats st;
    vscsi_am_stats(e->am, &st);
    assert_int_equal(st.bad_names, sizeof(names) / sizeof(names[0]));
    e->lookup_rc = -EINVAL;
    boot(e, 30, "tapehost");
    assert_int_equal(e->lookups, 1);
    assert_int_equal(rd(e, "/local/domain/0/backend/vscsi/30", v, sizeof(v)), -ENOENT);
    vscsi_am_stats(e->am, &st);
    assert_int_equal(st.failed, 1);
}

static void domid_by_name(void **state)
{
    struct env *e = *state;
    uint16_t id = 0;
    boot(e, 3, "alpha");
    boot(e, 4, "beta");
    assert_int_equal(vscsi_att_domid_by_name(e->ops, e->d0, "beta", &id), 0);
    assert_int_equal(id, 4);
    assert_int_equal(vscsi_att_domid_by_name(e->ops, e->d0, "gamma", &id), -ENOENT);
    boot(e, 5, "beta");
    assert_int_equal(vscsi_att_domid_by_name(e->ops, e->d0, "beta", &id), -EEXIST);
}

/* ---- all or nothing: the third LUN fails ---------------------------------- */

static const struct vscsi_platform_ops *real;
static int fail_writes_to_dev2;
static int flaky_write(void *ctx, vscsi_xs_txn t, const char *path, const char *value)
{
    if (fail_writes_to_dev2 && strstr(path, "/vscsi-devs/dev-2/"))
        return -EIO;
    return real->xs_write(ctx, t, path, value);
}

static void three_items(struct vscsi_att_item *it)
{
    char msg[200];
    for (unsigned i = 0; i < 3; i++) {
        struct vscsi_vdev vd = {0};
        char p[32];
        vd.nexus.lun = (uint8_t)i;
        snprintf(p, sizeof(p), "2:0:0:%u", i);
        assert_int_equal(vscsi_att_item_fill(&it[i], p, &vd, 0, msg, sizeof(msg)), 0);
    }
}

static void third_fails_all_rolled_back(void **state)
{
    struct env *e = *state;
    struct vscsi_platform_ops ops = *vscsi_sim_ops();
    struct vscsi_att_item it[3];
    char msg[300], v[64];

    real = vscsi_sim_ops();
    ops.xs_write = flaky_write;
    fail_writes_to_dev2 = 1;
    boot(e, 3, "g");
    three_items(it);
    assert_int_equal(vscsi_att_apply(&ops, e->d0, 0, 3, it, 3, NULL, msg, sizeof(msg)), -EIO);
    assert_non_null(strstr(msg, "cannot add 2:0:0:2 as 0:0:0:2"));
    assert_int_equal(rd(e, "/local/domain/0/backend/vscsi/3/0", v, sizeof(v)), -ENOENT);
    assert_int_equal(rd(e, "/local/domain/3/device/vscsi/0", v, sizeof(v)), -ENOENT);

    /* On a vhost that was there already, only what this call added goes. */
    struct vscsi_att_done done[1];
    assert_int_equal(vscsi_att_apply(real, e->d0, 0, 3, it, 1, done, msg, sizeof(msg)), 0);
    assert_int_equal(done[0].created_vhost, 1);
    assert_int_equal(vscsi_att_apply(&ops, e->d0, 0, 3, it, 3, NULL, msg, sizeof(msg)), -EEXIST);
    assert_non_null(strstr(msg, "v-dev 0:0:0:0 already used by dev-0"));
    struct vscsi_vdev vd = {0};
    vd.nexus.lun = 7;
    it[0].vd = vd;
    assert_int_equal(vscsi_att_apply(&ops, e->d0, 0, 3, it, 3, NULL, msg, sizeof(msg)), -EIO);
    assert_true(rd(e, "/local/domain/0/backend/vscsi/3/0/vscsi-devs/dev-0/p-dev", v, sizeof(v)) >
                0);
    assert_string_equal(v, "2:0:0:0");
    assert_int_equal(rd(e, "/local/domain/0/backend/vscsi/3/0/vscsi-devs/dev-1", v, sizeof(v)),
                     -ENOENT);
    assert_int_equal(rd(e, "/local/domain/0/backend/vscsi/3/0/vscsi-devs/dev-2", v, sizeof(v)),
                     -ENOENT);
    fail_writes_to_dev2 = 0;
    assert_int_equal(vscsi_att_apply(&ops, e->d0, 0, 3, it, 3, NULL, msg, sizeof(msg)), 0);
}

/* The daemon's file lookup: missing file, good file, hostile file. */
static void lookup_dir_files(void **state)
{
    char dir[] = "/tmp/vscsi-doms-XXXXXX", p[300], msg[600];
    struct vscsi_att_item it[8];
    FILE *f;
    (void)state;
    assert_non_null(mkdtemp(dir));
    assert_int_equal(vscsi_am_lookup_dir(dir, "none", it, 8, msg, sizeof(msg)), 0);
    snprintf(p, sizeof(p), "%s/good.cfg", dir);
    f = fopen(p, "w");
    fputs("name = 'good'\nmemory = 512\nvscsi = [ '1:0:0:0,0:0:0:0', "
          "'naa.5001405deadbeef0:1,1:0:0:0,feature-host' ]\n",
          f);
    fclose(f);
    assert_int_equal(vscsi_am_lookup_dir(dir, "good", it, 8, msg, sizeof(msg)), 2);
    assert_string_equal(it[1].pdev, "naa.5001405deadbeef0:1");
    assert_int_equal(it[1].vd.host, 1);
    assert_int_equal(it[1].feature_host, 1);
    snprintf(p, sizeof(p), "%s/bad.cfg", dir);
    f = fopen(p, "w");
    fputs("vscsi = [ '1:0:0:0,0:0:0:0', 'bogus' ]\n", f);
    fclose(f);
    assert_true(vscsi_am_lookup_dir(dir, "bad", it, 8, msg, sizeof(msg)) < 0);
    assert_non_null(strstr(msg, "bad.cfg"));
    snprintf(p, sizeof(p), "%s/nul.cfg", dir);
    f = fopen(p, "w");
    fwrite("vscsi = [ '1:0:0:0,0:0:0:0' ]\0x", 1, 31, f);
    fclose(f);
    assert_int_equal(vscsi_am_lookup_dir(dir, "nul", it, 8, msg, sizeof(msg)), -EINVAL);
    assert_int_equal(vscsi_am_lookup_dir(dir, "../etc", it, 8, msg, sizeof(msg)), -EINVAL);
    /* No vscsi setting at all: an xl config without PVSCSI, nothing to attach. */
    snprintf(p, sizeof(p), "%s/plain.cfg", dir);
    f = fopen(p, "w");
    fputs("memory = 512\n", f);
    fclose(f);
    assert_int_equal(vscsi_am_lookup_dir(dir, "plain", it, 8, msg, sizeof(msg)), 0);
    char cmd[400];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(domain_appears_nodes_written, setup, teardown),
        cmocka_unit_test_setup_teardown(domain_released_nodes_gone_reboot_reattached, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(stale_reaped_at_start_live_kept, setup, teardown),
        cmocka_unit_test_setup_teardown(release_before_tree_removed, setup, teardown),
        cmocka_unit_test_setup_teardown(hostile_names_and_lookup_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(domid_by_name, setup, teardown),
        cmocka_unit_test_setup_teardown(third_fails_all_rolled_back, setup, teardown),
        cmocka_unit_test(lookup_dir_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
