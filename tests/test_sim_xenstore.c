/* SPDX-License-Identifier: MIT */
/* Simulated hypervisor: XenStore tree operations, limits and permissions. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim_env.h"

static int setup(void **state)
{
    static const unsigned pages[SIM_ENV_DOMS] = {1, 1, 1, 1};

    return sim_env_setup(state, pages);
}

static int rd(struct sim_env *e, struct vscsi_sim_dom *d, const char *path, char *buf)
{
    return e->ops->xs_read(d, VSCSI_XS_NO_TXN, path, buf, 128);
}

static int wr(struct sim_env *e, struct vscsi_sim_dom *d, const char *path, const char *v)
{
    return e->ops->xs_write(d, VSCSI_XS_NO_TXN, path, v);
}

/* The child list, sorted and comma-joined. */
static int dir(struct sim_env *e, struct vscsi_sim_dom *d, const char *path, char *out)
{
    char buf[512];
    int n = e->ops->xs_directory(d, VSCSI_XS_NO_TXN, path, buf, sizeof(buf));
    if (n < 0)
        return n;
    char *names[32];
    char *p = buf;
    for (int i = 0; i < n; i++) {
        names[i] = p;
        p += strlen(p) + 1;
    }
    sim_env_sorted_join(names, (size_t)n, ",", out);
    return n;
}

static void test_domain_homes(void **state)
{
    struct sim_env *e = *state;
    char buf[256];
    assert_int_equal(dir(e, e->d0, "/local/domain", buf), 4);
    assert_string_equal(buf, "0,1,2,3");
    struct vscsi_xs_perm p[4];
    assert_int_equal(vscsi_sim_xs_get_perms(e->hv, "/local/domain/2", p, 4), 1);
    assert_int_equal(p[0].domid, 2);
    assert_int_equal(p[0].perms, VSCSI_XS_PERM_NONE);
    assert_int_equal(vscsi_sim_xs_get_perms(e->hv, "/local/domain/9", p, 4), -ENOENT);
    uint16_t id = 99;
    assert_int_equal(e->ops->domid(e->d2, &id), 0);
    assert_int_equal(id, 2);
}

static void test_read_write_mkdir(void **state)
{
    struct sim_env *e = *state;
    char buf[128];
    assert_int_equal(rd(e, e->d0, "/a/b", buf), -ENOENT);
    assert_int_equal(wr(e, e->d0, "/a/b/c", "hello"), 0);
    assert_int_equal(rd(e, e->d0, "/a/b/c", buf), 5);
    assert_string_equal(buf, "hello");
    /* Missing parents were created, empty. */
    assert_int_equal(rd(e, e->d0, "/a/b", buf), 0);
    assert_string_equal(buf, "");
    assert_int_equal(wr(e, e->d0, "/a/b/c", ""), 0);
    assert_int_equal(rd(e, e->d0, "/a/b/c", buf), 0);
    assert_int_equal(wr(e, e->d0, "/a/b/c", "x y\tz"), 0);
    assert_int_equal(rd(e, e->d0, "/a/b/c", buf), 5);
    /* A too small buffer is refused, not truncated. */
    assert_int_equal(e->ops->xs_read(e->d0, VSCSI_XS_NO_TXN, "/a/b/c", buf, 5), -E2BIG);
    assert_int_equal(e->ops->xs_read(e->d0, VSCSI_XS_NO_TXN, "/a/b/c", buf, 6), 5);

    assert_int_equal(e->ops->xs_mkdir(e->d0, VSCSI_XS_NO_TXN, "/a/m/n"), 0);
    assert_int_equal(rd(e, e->d0, "/a/m/n", buf), 0);
    /* mkdir of an existing node keeps its value. */
    assert_int_equal(e->ops->xs_mkdir(e->d0, VSCSI_XS_NO_TXN, "/a/b/c"), 0);
    assert_int_equal(rd(e, e->d0, "/a/b/c", buf), 5);
    assert_int_equal(dir(e, e->d0, "/a", buf), 2);
    assert_string_equal(buf, "b,m");
    assert_int_equal(dir(e, e->d0, "/a/b/c", buf), 0);
    assert_int_equal(dir(e, e->d0, "/nope", buf), -ENOENT);
    char small[3];
    assert_int_equal(e->ops->xs_directory(e->d0, VSCSI_XS_NO_TXN, "/a", small, sizeof(small)),
                     -E2BIG);
    struct vscsi_sim_stats st;
    vscsi_sim_dom_stats(e->d0, &st);
    assert_true(st.xs_ops >= 15);
}

static void test_rm(void **state)
{
    struct sim_env *e = *state;
    char buf[128];
    assert_int_equal(wr(e, e->d0, "/t/x/y/z", "1"), 0);
    assert_int_equal(wr(e, e->d0, "/t/x/w", "2"), 0);
    assert_int_equal(wr(e, e->d0, "/t/keep", "3"), 0);
    assert_int_equal(e->ops->xs_rm(e->d0, VSCSI_XS_NO_TXN, "/t/x"), 0);
    assert_int_equal(rd(e, e->d0, "/t/x", buf), -ENOENT);
    assert_int_equal(rd(e, e->d0, "/t/x/y/z", buf), -ENOENT);
    assert_int_equal(rd(e, e->d0, "/t/x/w", buf), -ENOENT);
    assert_int_equal(rd(e, e->d0, "/t/keep", buf), 1);
    assert_int_equal(dir(e, e->d0, "/t", buf), 1);
    assert_string_equal(buf, "keep");
    /* Gone already but the parent exists: fine; parent gone too: ENOENT. */
    assert_int_equal(e->ops->xs_rm(e->d0, VSCSI_XS_NO_TXN, "/t/x"), 0);
    assert_int_equal(e->ops->xs_rm(e->d0, VSCSI_XS_NO_TXN, "/t/x/y"), -ENOENT);
    assert_int_equal(e->ops->xs_rm(e->d0, VSCSI_XS_NO_TXN, "/"), -EINVAL);
    /* A removed name can be created again. */
    assert_int_equal(wr(e, e->d0, "/t/x", "again"), 0);
    assert_int_equal(rd(e, e->d0, "/t/x", buf), 5);
}

static void test_limits_and_names(void **state)
{
    struct sim_env *e = *state;
    char buf[128];
    char *big = malloc(VSCSI_SIM_XS_VALUE_MAX + 2);
    assert_non_null(big);
    memset(big, 'v', VSCSI_SIM_XS_VALUE_MAX + 1);
    big[VSCSI_SIM_XS_VALUE_MAX + 1] = '\0';
    assert_int_equal(wr(e, e->d0, "/v", big), -E2BIG);
    assert_int_equal(rd(e, e->d0, "/v", buf), -ENOENT);
    big[VSCSI_SIM_XS_VALUE_MAX] = '\0';
    assert_int_equal(wr(e, e->d0, "/v", big), 0);
    char *back = malloc(VSCSI_SIM_XS_VALUE_MAX + 1);
    assert_non_null(back);
    assert_int_equal(
        e->ops->xs_read(e->d0, VSCSI_XS_NO_TXN, "/v", back, VSCSI_SIM_XS_VALUE_MAX + 1),
        VSCSI_SIM_XS_VALUE_MAX);
    assert_memory_equal(back, big, VSCSI_SIM_XS_VALUE_MAX);
    free(back);
    free(big);

    char path[VSCSI_SIM_XS_PATH_MAX + 2];
    memset(path, 'p', sizeof(path));
    path[0] = '/';
    path[VSCSI_SIM_XS_PATH_MAX] = '\0'; /* exactly the limit */
    assert_int_equal(wr(e, e->d0, path, "ok"), 0);
    path[VSCSI_SIM_XS_PATH_MAX] = 'p';
    path[VSCSI_SIM_XS_PATH_MAX + 1] = '\0';
    assert_int_equal(wr(e, e->d0, path, "no"), -EINVAL);

    const char *bad[] = {"", "/a//b", "/a/", "/a b", "/a/b$", "/é", "@releaseDomain"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(wr(e, e->d0, bad[i], "x"), -EINVAL);
    assert_int_equal(wr(e, e->d0, "/Aa0_@:.-", "odd but legal"), 0);
}

static void test_relative_paths(void **state)
{
    struct sim_env *e = *state;
    char buf[128];
    assert_int_equal(wr(e, e->d1, "device/vscsi/0/state", "1"), 0);
    assert_int_equal(rd(e, e->d0, "/local/domain/1/device/vscsi/0/state", buf), 1);
    assert_int_equal(rd(e, e->d1, "device/vscsi/0/state", buf), 1);
    assert_string_equal(buf, "1");
}

static void test_domu_confined(void **state)
{
    struct sim_env *e = *state;
    char buf[128];
    assert_int_equal(wr(e, e->d2, "/local/domain/2/secret", "s"), 0);
    assert_int_equal(rd(e, e->d1, "/local/domain/2/secret", buf), -EACCES);
    assert_int_equal(dir(e, e->d1, "/local/domain/2", buf), -EACCES);
    assert_int_equal(wr(e, e->d1, "/local/domain/2/secret", "x"), -EACCES);
    assert_int_equal(wr(e, e->d1, "/local/domain/2/new/deep", "x"), -EACCES);
    assert_int_equal(e->ops->xs_mkdir(e->d1, VSCSI_XS_NO_TXN, "/local/domain/2/new"), -EACCES);
    assert_int_equal(e->ops->xs_rm(e->d1, VSCSI_XS_NO_TXN, "/local/domain/2/secret"), -EACCES);
    assert_int_equal(rd(e, e->d0, "/local/domain/2/new", buf), -ENOENT);
    assert_int_equal(rd(e, e->d0, "/local/domain/2/secret", buf), 1);
    assert_string_equal(buf, "s");
    /* Nor outside any home: the root belongs to dom0. */
    assert_int_equal(wr(e, e->d1, "/tool", "x"), -EACCES);
    assert_int_equal(rd(e, e->d1, "/local/domain", buf), -EACCES);
    /* dom0 may do anything anywhere. */
    assert_int_equal(wr(e, e->d0, "/local/domain/2/secret", "t"), 0);
    assert_int_equal(rd(e, e->d2, "/local/domain/2/secret", buf), 1);
    assert_string_equal(buf, "t");
}

static void test_perms_inherit_and_grant(void **state)
{
    struct sim_env *e = *state;
    char buf[128];
    struct vscsi_xs_perm p[4];
    /* Toolstack style: dom0 creates a dir in dom2's home and lets dom3 read it. */
    assert_int_equal(e->ops->xs_mkdir(e->d0, VSCSI_XS_NO_TXN, "/local/domain/2/backend"), 0);
    assert_int_equal(vscsi_sim_xs_get_perms(e->hv, "/local/domain/2/backend", p, 4), 1);
    assert_int_equal(p[0].domid, 2); /* dom0 creating keeps the parent's owner */
    struct vscsi_xs_perm set[2] = {{2, VSCSI_XS_PERM_NONE}, {3, VSCSI_XS_PERM_READ}};
    assert_int_equal(
        e->ops->xs_set_perms(e->d0, VSCSI_XS_NO_TXN, "/local/domain/2/backend", set, 2), 0);

    /* dom2 writes below: the new node inherits, with dom2 as owner. */
    assert_int_equal(wr(e, e->d2, "/local/domain/2/backend/state", "4"), 0);
    assert_int_equal(vscsi_sim_xs_get_perms(e->hv, "/local/domain/2/backend/state", p, 4), 2);
    assert_int_equal(p[0].domid, 2);
    assert_int_equal(p[1].domid, 3);
    assert_int_equal(p[1].perms, VSCSI_XS_PERM_READ);
    assert_int_equal(rd(e, e->d3, "/local/domain/2/backend/state", buf), 1);
    assert_int_equal(wr(e, e->d3, "/local/domain/2/backend/state", "5"), -EACCES);
    assert_int_equal(rd(e, e->d1, "/local/domain/2/backend/state", buf), -EACCES);

    /* Write access for dom3: what dom3 creates there it owns. */
    set[1].perms = VSCSI_XS_PERM_BOTH;
    assert_int_equal(
        e->ops->xs_set_perms(e->d2, VSCSI_XS_NO_TXN, "/local/domain/2/backend", set, 2), 0);
    assert_int_equal(wr(e, e->d3, "/local/domain/2/backend/from3", "hi"), 0);
    assert_int_equal(vscsi_sim_xs_get_perms(e->hv, "/local/domain/2/backend/from3", p, 4), 2);
    assert_int_equal(p[0].domid, 3);
    /* The default entry: everybody else reads. */
    struct vscsi_xs_perm pub = {3, VSCSI_XS_PERM_READ};
    assert_int_equal(
        e->ops->xs_set_perms(e->d3, VSCSI_XS_NO_TXN, "/local/domain/2/backend/from3", &pub, 1), 0);
    assert_int_equal(rd(e, e->d1, "/local/domain/2/backend/from3", buf), 2);
    assert_int_equal(wr(e, e->d1, "/local/domain/2/backend/from3", "no"), -EACCES);

    /* A domU may not give a node away; bad perm sets are refused. */
    struct vscsi_xs_perm away = {1, VSCSI_XS_PERM_BOTH};
    assert_int_equal(
        e->ops->xs_set_perms(e->d3, VSCSI_XS_NO_TXN, "/local/domain/2/backend/from3", &away, 1),
        -EPERM);
    struct vscsi_xs_perm junk = {3, 7};
    assert_int_equal(
        e->ops->xs_set_perms(e->d3, VSCSI_XS_NO_TXN, "/local/domain/2/backend/from3", &junk, 1),
        -EINVAL);
    assert_int_equal(
        e->ops->xs_set_perms(e->d3, VSCSI_XS_NO_TXN, "/local/domain/2/backend/from3", &pub, 0),
        -EINVAL);
    assert_int_equal(e->ops->xs_set_perms(e->d1, VSCSI_XS_NO_TXN, "/local/domain/2", &pub, 1),
                     -EACCES);
    assert_int_equal(e->ops->xs_set_perms(e->d0, VSCSI_XS_NO_TXN, "/nope", &pub, 1), -ENOENT);
    assert_int_equal(e->ops->xs_set_perms(e->d0, VSCSI_XS_NO_TXN, "/local/domain/2", &away, 1), 0);
    assert_int_equal(rd(e, e->d1, "/local/domain/2", buf), 0); /* dom1 owns it now */
}

static void test_dead_domain(void **state)
{
    struct sim_env *e = *state;
    char buf[128];
    vscsi_sim_dom_destroy(e->d1);
    assert_int_equal(rd(e, e->d1, "/local/domain/1", buf), -ESRCH);
    assert_int_equal(wr(e, e->d1, "/local/domain/1/x", "x"), -ESRCH);
    /* Its nodes stay until the toolstack removes them. */
    assert_int_equal(rd(e, e->d0, "/local/domain/1", buf), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SIM_TEST(test_domain_homes),
        SIM_TEST(test_read_write_mkdir),
        SIM_TEST(test_rm),
        SIM_TEST(test_limits_and_names),
        SIM_TEST(test_relative_paths),
        SIM_TEST(test_domu_confined),
        SIM_TEST(test_perms_inherit_and_grant),
        SIM_TEST(test_dead_domain),
    };
    return cmocka_run_group_tests_name("sim_xenstore", tests, NULL, NULL);
}
