/* SPDX-License-Identifier: MIT */
/* Simulated hypervisor: XenStore watches (firing rule, permissions, lifetime). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sim_env.h"

static int setup(void **state)
{
    static const unsigned pages[SIM_ENV_DOMS] = {1, 1, 1};

    return sim_env_setup(state, pages);
}

/* Drains every queued event as "token=path" lines, sorted, ';'-joined. */
static const char *drain(struct vscsi_sim_dom *d)
{
    static char out[4096];
    char *ev[64];
    size_t n = 0;
    char path[512], token[128];
    while (n < 64 && vscsi_sim_dom_next_watch(d, path, sizeof(path), token, sizeof(token)) == 0) {
        ev[n] = malloc(strlen(path) + strlen(token) + 2);
        sprintf(ev[n], "%s=%s", token, path);
        n++;
    }
    sim_env_sorted_join(ev, n, ";", out);
    for (size_t i = 0; i < n; i++)
        free(ev[i]);
    return out;
}

static void watch(struct sim_env *e, struct vscsi_sim_dom *d, const char *path, const char *token)
{
    assert_int_equal(e->ops->xs_watch(d, path, token), 0);
}

static void wr(struct sim_env *e, struct vscsi_sim_dom *d, const char *path, const char *v)
{
    assert_int_equal(e->ops->xs_write(d, VSCSI_XS_NO_TXN, path, v), 0);
}

struct watch_spec {
    const char *path, *token;
};

/* Sets every watch and swallows the initial events, so that what the test
 * drains next is only what its own change fired. */
static void watch_all(struct sim_env *e, struct vscsi_sim_dom *d, const struct watch_spec *w,
                      size_t n)
{
    for (size_t i = 0; i < n; i++)
        watch(e, d, w[i].path, w[i].token);
    drain(d);
}

static void test_fires_once_when_set(void **state)
{
    struct sim_env *e = *state;
    watch(e, e->d0, "/does/not/exist", "tok");
    assert_int_equal(vscsi_sim_dom_wait(e->d0, 0), 1);
    assert_string_equal(drain(e->d0), "tok=/does/not/exist");
    assert_string_equal(drain(e->d0), "");
    assert_int_equal(vscsi_sim_dom_wait(e->d0, 0), 0);
    assert_int_equal(e->ops->xs_watch(e->d0, "/does/not/exist", "tok"), -EEXIST);
    watch(e, e->d0, "/does/not/exist", "tok2"); /* same path, other token: fine */
    assert_string_equal(drain(e->d0), "tok2=/does/not/exist");
    assert_int_equal(e->ops->xs_watch(e->d0, "/bad//path", "t"), -EINVAL);
}

static void test_fires_on_node_and_ancestors(void **state)
{
    struct sim_env *e = *state;
    static const struct watch_spec w[] = {
        {"/a", "A"},       {"/a/b", "B"},   {"/a/b/c", "C"},
        {"/a/b/c/d", "D"}, {"/a/bx", "BX"}, {"/", "ROOT"},
    };
    wr(e, e->d0, "/a/b/c", "0");
    watch_all(e, e->d0, w, sizeof(w) / sizeof(w[0]));

    wr(e, e->d0, "/a/b/c", "1");
    assert_string_equal(drain(e->d0), "A=/a/b/c;B=/a/b/c;C=/a/b/c;ROOT=/a/b/c");
    /* Creating below fires the watches above it, with the new node's path. */
    wr(e, e->d0, "/a/b/c/d/e", "1");
    assert_string_equal(drain(e->d0),
                        "A=/a/b/c/d/e;B=/a/b/c/d/e;C=/a/b/c/d/e;D=/a/b/c/d/e;ROOT=/a/b/c/d/e");
    /* A sibling with a common name prefix is not below /a/b. */
    wr(e, e->d0, "/a/bxy", "1");
    assert_string_equal(drain(e->d0), "A=/a/bxy;ROOT=/a/bxy");
    /* A change above a watch does not fire it (only removal does). */
    wr(e, e->d0, "/a", "v");
    assert_string_equal(drain(e->d0), "A=/a;ROOT=/a");
    assert_int_equal(e->ops->xs_mkdir(e->d0, VSCSI_XS_NO_TXN, "/a/b/new"), 0);
    assert_string_equal(drain(e->d0), "A=/a/b/new;B=/a/b/new;ROOT=/a/b/new");
    struct vscsi_xs_perm p = {0, VSCSI_XS_PERM_READ};
    assert_int_equal(e->ops->xs_set_perms(e->d0, VSCSI_XS_NO_TXN, "/a/b", &p, 1), 0);
    assert_string_equal(drain(e->d0), "A=/a/b;B=/a/b;ROOT=/a/b");
}

static void test_rm_fires_descendants(void **state)
{
    struct sim_env *e = *state;
    static const struct watch_spec w[] = {
        {"/r", "R"}, {"/r/s", "S"}, {"/r/s/t/u", "U"}, {"/r/s/t/u/never", "N"}, {"/r/other", "O"},
    };
    wr(e, e->d0, "/r/s/t/u", "0");
    wr(e, e->d0, "/r/other", "0");
    watch_all(e, e->d0, w, sizeof(w) / sizeof(w[0]));
    assert_int_equal(e->ops->xs_rm(e->d0, VSCSI_XS_NO_TXN, "/r/s"), 0);
    /* Above and at: the removed path. Below: each watch's own path, even for
     * a node that never existed. */
    assert_string_equal(drain(e->d0), "N=/r/s/t/u/never;R=/r/s;S=/r/s;U=/r/s/t/u");
    /* Removing what is already gone changes nothing and fires nothing. */
    assert_int_equal(e->ops->xs_rm(e->d0, VSCSI_XS_NO_TXN, "/r/s"), 0);
    assert_string_equal(drain(e->d0), "");
}

static void test_own_writes_fire(void **state)
{
    struct sim_env *e = *state;
    watch(e, e->d1, "device", "rel");
    assert_string_equal(drain(e->d1), "rel=device");
    wr(e, e->d1, "device/vscsi/0/state", "3");
    assert_string_equal(drain(e->d1), "rel=device/vscsi/0/state");
    watch(e, e->d1, "/local/domain/1/device", "abs");
    drain(e->d1);
    wr(e, e->d0, "/local/domain/1/device/x", "1");
    assert_string_equal(drain(e->d1), "abs=/local/domain/1/device/x;rel=device/x");
    /* The same node named both ways is one watch registration. */
    assert_int_equal(e->ops->xs_watch(e->d1, "/local/domain/1/device", "rel"), -EEXIST);
}

static void test_permission_filter(void **state)
{
    struct sim_env *e = *state;
    wr(e, e->d2, "/local/domain/2/private", "0");
    watch(e, e->d1, "/local/domain/2", "spy");
    watch(e, e->d0, "/local/domain/2", "dom0");
    assert_string_equal(drain(e->d1), "spy=/local/domain/2"); /* the initial event always */
    drain(e->d0);
    wr(e, e->d2, "/local/domain/2/private", "1");
    assert_string_equal(drain(e->d1), "");
    assert_string_equal(drain(e->d0), "dom0=/local/domain/2/private");
    /* Once dom1 may read the node, it hears about it. */
    struct vscsi_xs_perm p[2] = {{2, VSCSI_XS_PERM_NONE}, {1, VSCSI_XS_PERM_READ}};
    assert_int_equal(e->ops->xs_set_perms(e->d2, VSCSI_XS_NO_TXN, "/local/domain/2/private", p, 2),
                     0);
    assert_string_equal(drain(e->d1), "spy=/local/domain/2/private");
    wr(e, e->d2, "/local/domain/2/private", "2");
    assert_string_equal(drain(e->d1), "spy=/local/domain/2/private");
    drain(e->d0);
}

static void test_unwatch(void **state)
{
    struct sim_env *e = *state;
    watch(e, e->d0, "/u", "t");
    wr(e, e->d0, "/u", "1");
    /* Unwatch also drops what was still queued for that watch. */
    assert_int_equal(e->ops->xs_unwatch(e->d0, "/u", "t"), 0);
    assert_string_equal(drain(e->d0), "");
    wr(e, e->d0, "/u", "2");
    assert_string_equal(drain(e->d0), "");
    assert_int_equal(e->ops->xs_unwatch(e->d0, "/u", "t"), -ENOENT);
    assert_int_equal(e->ops->xs_unwatch(e->d0, "/u", "other"), -ENOENT);
}

static void test_transaction_fires_at_commit(void **state)
{
    struct sim_env *e = *state;
    watch(e, e->d0, "/tx", "T");
    drain(e->d0);
    vscsi_xs_txn t;
    assert_int_equal(e->ops->xs_txn_start(e->d1, &t), 0);
    assert_int_equal(e->ops->xs_txn_end(e->d1, t, 0), 0);
    assert_int_equal(e->ops->xs_txn_start(e->d0, &t), 0);
    assert_int_equal(e->ops->xs_write(e->d0, t, "/tx/a", "1"), 0);
    assert_int_equal(e->ops->xs_write(e->d0, t, "/tx/b", "1"), 0);
    assert_string_equal(drain(e->d0), "");
    assert_int_equal(e->ops->xs_txn_end(e->d0, t, 0), 0);
    assert_string_equal(drain(e->d0), "T=/tx/a;T=/tx/b");
    assert_int_equal(e->ops->xs_txn_start(e->d0, &t), 0);
    assert_int_equal(e->ops->xs_write(e->d0, t, "/tx/c", "1"), 0);
    assert_int_equal(e->ops->xs_txn_end(e->d0, t, 1), 0);
    assert_string_equal(drain(e->d0), "");
}

static void test_domain_lifecycle_watches(void **state)
{
    struct sim_env *e = *state;
    watch(e, e->d0, "@releaseDomain", "rel");
    watch(e, e->d0, "@introduceDomain", "intro");
    watch(e, e->d2, "/local/domain/2", "mine");
    assert_string_equal(drain(e->d0), "intro=@introduceDomain;rel=@releaseDomain");
    drain(e->d2);
    vscsi_sim_dom_destroy(e->d2);
    assert_string_equal(drain(e->d0), "rel=@releaseDomain");
    /* The dead domain's watch is gone: a new incarnation hears nothing old. */
    struct vscsi_sim_dom *d2b = vscsi_sim_dom_create(e->hv, 2, 1);
    assert_non_null(d2b);
    assert_string_equal(drain(e->d0), "intro=@introduceDomain");
    wr(e, e->d0, "/local/domain/2/x", "1");
    assert_string_equal(drain(d2b), "");
    char p[8], t[8];
    assert_int_equal(vscsi_sim_dom_next_watch(e->d2, p, sizeof(p), t, sizeof(t)), -EAGAIN);
}

static void test_small_buffers_and_stats(void **state)
{
    struct sim_env *e = *state;
    watch(e, e->d0, "/a/rather/long/path", "tok");
    char p[4], t[64];
    assert_int_equal(vscsi_sim_dom_next_watch(e->d0, p, sizeof(p), t, sizeof(t)), -E2BIG);
    assert_int_equal(vscsi_sim_dom_next_watch(e->d0, p, sizeof(p), t, sizeof(t)), -EAGAIN);
    struct vscsi_sim_stats st;
    vscsi_sim_dom_stats(e->d0, &st);
    assert_int_equal(st.watch_events, 1);
}

int main(void)
{
    /* clang-format off */
    const struct CMUnitTest tests[] = {
        SIM_TEST(test_fires_once_when_set),
        SIM_TEST(test_fires_on_node_and_ancestors),
        SIM_TEST(test_rm_fires_descendants),
        SIM_TEST(test_own_writes_fire),
        SIM_TEST(test_permission_filter),
        SIM_TEST(test_unwatch),
        SIM_TEST(test_transaction_fires_at_commit),
        SIM_TEST(test_domain_lifecycle_watches),
        SIM_TEST(test_small_buffers_and_stats),
    };
    /* clang-format on */
    return cmocka_run_group_tests_name("sim_xs_watch", tests, NULL, NULL);
}
