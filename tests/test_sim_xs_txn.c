/* SPDX-License-Identifier: MIT */
/* Simulated hypervisor: XenStore transactions (isolation, conflicts, faults). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "sim_env.h"

static int setup(void **state)
{
    static const unsigned pages[SIM_ENV_DOMS] = {1, 1, 1};
    struct vscsi_xs_perm p = {0, VSCSI_XS_PERM_BOTH};
    struct sim_env *e;

    if (sim_env_setup(state, pages))
        return -1;
    e = *state;
    /* A shared area both guests may write. */
    if (e->ops->xs_mkdir(e->d0, VSCSI_XS_NO_TXN, "/s") ||
        e->ops->xs_set_perms(e->d0, VSCSI_XS_NO_TXN, "/s", &p, 1))
        return -1;
    return 0;
}

static int rd(struct sim_env *e, struct vscsi_sim_dom *d, vscsi_xs_txn t, const char *path,
              char *buf)
{
    return e->ops->xs_read(d, t, path, buf, 64);
}

static void wr(struct sim_env *e, struct vscsi_sim_dom *d, vscsi_xs_txn t, const char *path,
               const char *v)
{
    assert_int_equal(e->ops->xs_write(d, t, path, v), 0);
}

static vscsi_xs_txn start(struct sim_env *e, struct vscsi_sim_dom *d)
{
    vscsi_xs_txn t = VSCSI_XS_NO_TXN;
    assert_int_equal(e->ops->xs_txn_start(d, &t), 0);
    assert_int_not_equal(t, VSCSI_XS_NO_TXN);
    return t;
}

static void test_isolation_and_commit(void **state)
{
    struct sim_env *e = *state;
    char buf[64];
    wr(e, e->d1, 0, "/s/x", "old");
    vscsi_xs_txn t = start(e, e->d1);
    wr(e, e->d1, t, "/s/x", "new");
    wr(e, e->d1, t, "/s/dir/y", "made");
    /* The transaction sees itself; nobody else does yet. */
    assert_int_equal(rd(e, e->d1, t, "/s/x", buf), 3);
    assert_string_equal(buf, "new");
    assert_int_equal(rd(e, e->d1, t, "/s/dir/y", buf), 4);
    assert_int_equal(rd(e, e->d2, 0, "/s/x", buf), 3);
    assert_string_equal(buf, "old");
    assert_int_equal(rd(e, e->d1, 0, "/s/x", buf), 3);
    assert_string_equal(buf, "old");
    assert_int_equal(rd(e, e->d2, 0, "/s/dir/y", buf), -ENOENT);
    assert_int_equal(e->ops->xs_txn_end(e->d1, t, 0), 0);
    assert_int_equal(rd(e, e->d2, 0, "/s/x", buf), 3);
    assert_string_equal(buf, "new");
    assert_int_equal(rd(e, e->d2, 0, "/s/dir/y", buf), 4);
    /* Ended means gone. */
    assert_int_equal(e->ops->xs_txn_end(e->d1, t, 0), -ENOENT);
    assert_int_equal(rd(e, e->d1, t, "/s/x", buf), -ENOENT);
}

static void test_snapshot_view(void **state)
{
    struct sim_env *e = *state;
    char buf[64];
    wr(e, e->d1, 0, "/s/x", "before");
    vscsi_xs_txn t = start(e, e->d1);
    wr(e, e->d2, 0, "/s/x", "after");
    wr(e, e->d2, 0, "/s/late", "1");
    /* Changes made after the start are invisible inside. */
    assert_int_equal(rd(e, e->d1, t, "/s/x", buf), 6);
    assert_string_equal(buf, "before");
    assert_int_equal(rd(e, e->d1, t, "/s/late", buf), -ENOENT);
    assert_int_equal(e->ops->xs_txn_end(e->d1, t, 0), -EAGAIN);
}

static void test_conflict_discards_everything(void **state)
{
    struct sim_env *e = *state;
    char buf[64];
    wr(e, e->d1, 0, "/s/x", "0");
    vscsi_xs_txn t = start(e, e->d1);
    assert_int_equal(rd(e, e->d1, t, "/s/x", buf), 1);
    wr(e, e->d1, t, "/s/y", "from txn");
    wr(e, e->d1, t, "/s/x", "1");
    wr(e, e->d2, 0, "/s/x", "2"); /* someone else wins */
    assert_int_equal(e->ops->xs_txn_end(e->d1, t, 0), -EAGAIN);
    assert_int_equal(rd(e, e->d0, 0, "/s/x", buf), 1);
    assert_string_equal(buf, "2");
    assert_int_equal(rd(e, e->d0, 0, "/s/y", buf), -ENOENT);
}

static void test_unrelated_change_no_conflict(void **state)
{
    struct sim_env *e = *state;
    char buf[64];
    wr(e, e->d1, 0, "/s/x", "0");
    wr(e, e->d1, 0, "/s/z", "0");
    vscsi_xs_txn t = start(e, e->d1);
    assert_int_equal(rd(e, e->d1, t, "/s/x", buf), 1);
    wr(e, e->d1, t, "/s/x", "1");
    wr(e, e->d2, 0, "/s/z", "2");
    assert_int_equal(e->ops->xs_txn_end(e->d1, t, 0), 0);
    assert_int_equal(rd(e, e->d0, 0, "/s/x", buf), 1);
    assert_string_equal(buf, "1");
    assert_int_equal(rd(e, e->d0, 0, "/s/z", buf), 1);
    assert_string_equal(buf, "2");
}

static void test_conflict_on_absent_node_created(void **state)
{
    struct sim_env *e = *state;
    char buf[64];
    vscsi_xs_txn t = start(e, e->d1);
    assert_int_equal(rd(e, e->d1, t, "/s/n", buf), -ENOENT);
    wr(e, e->d1, t, "/s/other", "1");
    wr(e, e->d2, 0, "/s/n", "created");
    assert_int_equal(e->ops->xs_txn_end(e->d1, t, 0), -EAGAIN);
}

static void test_conflict_on_directory(void **state)
{
    struct sim_env *e = *state;
    char buf[64];
    wr(e, e->d1, 0, "/s/d/a", "1");
    vscsi_xs_txn t = start(e, e->d1);
    assert_int_equal(e->ops->xs_directory(e->d1, t, "/s/d", buf, sizeof(buf)), 1);
    wr(e, e->d2, 0, "/s/d/b", "1");
    assert_int_equal(e->ops->xs_txn_end(e->d1, t, 0), -EAGAIN);
}

/* Creating a node changes its parent's child list, so like xenstored a
 * concurrent change to that parent's children conflicts. */
static void test_conflict_on_parent_of_created(void **state)
{
    struct sim_env *e = *state;
    vscsi_xs_txn t = start(e, e->d1);
    wr(e, e->d1, t, "/s/p/mine", "1");
    wr(e, e->d2, 0, "/s/p/theirs", "1");
    assert_int_equal(e->ops->xs_txn_end(e->d1, t, 0), -EAGAIN);
}

static void test_conflict_rm_vs_write_below(void **state)
{
    struct sim_env *e = *state;
    wr(e, e->d1, 0, "/s/tree/leaf", "1");
    vscsi_xs_txn t = start(e, e->d1);
    assert_int_equal(e->ops->xs_rm(e->d1, t, "/s/tree"), 0);
    wr(e, e->d2, 0, "/s/tree/leaf", "2");
    assert_int_equal(e->ops->xs_txn_end(e->d1, t, 0), -EAGAIN);
    char buf[64];
    assert_int_equal(rd(e, e->d0, 0, "/s/tree/leaf", buf), 1);
}

static void test_two_transactions_same_node(void **state)
{
    struct sim_env *e = *state;
    char buf[64];
    vscsi_xs_txn a = start(e, e->d1);
    vscsi_xs_txn b = start(e, e->d2);
    assert_int_not_equal(a, b);
    wr(e, e->d1, a, "/s/k", "a");
    wr(e, e->d2, b, "/s/k", "b");
    assert_int_equal(e->ops->xs_txn_end(e->d2, b, 0), 0);
    assert_int_equal(e->ops->xs_txn_end(e->d1, a, 0), -EAGAIN);
    assert_int_equal(rd(e, e->d0, 0, "/s/k", buf), 1);
    assert_string_equal(buf, "b");
}

static void test_abort_and_rm_inside(void **state)
{
    struct sim_env *e = *state;
    char buf[64];
    wr(e, e->d1, 0, "/s/keep/me", "1");
    vscsi_xs_txn t = start(e, e->d1);
    assert_int_equal(e->ops->xs_rm(e->d1, t, "/s/keep"), 0);
    assert_int_equal(rd(e, e->d1, t, "/s/keep/me", buf), -ENOENT);
    assert_int_equal(e->ops->xs_txn_end(e->d1, t, 1), 0);
    assert_int_equal(rd(e, e->d0, 0, "/s/keep/me", buf), 1);
    /* Committed this time. */
    t = start(e, e->d1);
    assert_int_equal(e->ops->xs_rm(e->d1, t, "/s/keep"), 0);
    assert_int_equal(e->ops->xs_txn_end(e->d1, t, 0), 0);
    assert_int_equal(rd(e, e->d0, 0, "/s/keep", buf), -ENOENT);
}

static void test_conflict_fault(void **state)
{
    struct sim_env *e = *state;
    char buf[64];
    assert_int_equal(vscsi_sim_fault(e->hv, 1, VSCSI_SIM_FAULT_XS_CONFLICT, 1, 1), 0);
    /* The usual front loop: retry on EAGAIN. */
    int tries = 0, rc;
    do {
        vscsi_xs_txn t = start(e, e->d1);
        wr(e, e->d1, t, "/s/ring-ref", "8");
        wr(e, e->d1, t, "/s/event-channel", "5");
        if (tries == 0) {
            rc = e->ops->xs_txn_end(e->d1, t, 0);
            assert_int_equal(rc, -EAGAIN);
            assert_int_equal(rd(e, e->d0, 0, "/s/ring-ref", buf), -ENOENT);
        } else {
            rc = e->ops->xs_txn_end(e->d1, t, 0);
        }
        tries++;
    } while (rc == -EAGAIN);
    assert_int_equal(rc, 0);
    assert_int_equal(tries, 2);
    assert_int_equal(rd(e, e->d0, 0, "/s/ring-ref", buf), 1);
    assert_int_equal(rd(e, e->d0, 0, "/s/event-channel", buf), 1);
}

static void test_ownership_and_perms(void **state)
{
    struct sim_env *e = *state;
    char buf[64];
    vscsi_xs_txn t = start(e, e->d1);
    /* Another domain cannot use it, even knowing the id. */
    assert_int_equal(rd(e, e->d2, t, "/s", buf), -ENOENT);
    assert_int_equal(e->ops->xs_txn_end(e->d2, t, 0), -ENOENT);
    assert_int_equal(e->ops->xs_write(e->d1, t, "/local/domain/2/x", "1"), -EACCES);
    assert_int_equal(rd(e, e->d1, t, "/local/domain/2", buf), -EACCES);
    wr(e, e->d1, t, "/s/mine", "1");
    assert_int_equal(e->ops->xs_txn_end(e->d1, t, 0), 0);
    /* Created inside a transaction, owned by its domain as usual. */
    struct vscsi_xs_perm p[2];
    assert_int_equal(vscsi_sim_xs_get_perms(e->hv, "/s/mine", p, 2), 1);
    assert_int_equal(p[0].domid, 1);
    assert_int_equal(e->ops->xs_txn_end(e->d1, 12345, 0), -ENOENT);
    /* A domain's crash drops its open transactions. */
    t = start(e, e->d2);
    vscsi_sim_dom_destroy(e->d2);
    assert_int_equal(e->ops->xs_txn_end(e->d2, t, 0), -ESRCH);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SIM_TEST(test_isolation_and_commit),
        SIM_TEST(test_snapshot_view),
        SIM_TEST(test_conflict_discards_everything),
        SIM_TEST(test_unrelated_change_no_conflict),
        SIM_TEST(test_conflict_on_absent_node_created),
        SIM_TEST(test_conflict_on_directory),
        SIM_TEST(test_conflict_on_parent_of_created),
        SIM_TEST(test_conflict_rm_vs_write_below),
        SIM_TEST(test_two_transactions_same_node),
        SIM_TEST(test_abort_and_rm_inside),
        SIM_TEST(test_conflict_fault),
        SIM_TEST(test_ownership_and_perms),
    };
    return cmocka_run_group_tests_name("sim_xs_txn", tests, NULL, NULL);
}
