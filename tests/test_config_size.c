/* SPDX-License-Identifier: MIT */
/* Config structs carry `size` as the caller compiled them: a caller built
 * against the first release's headers must keep working with any later
 * library, and the library must not read a byte past what the caller said.
 * Each config is placed so that it ends exactly where a PROT_NONE page
 * begins: reading past `size` faults in every build, sanitizer or not. */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "vscsiif/back.h"
#include "vscsiif/front.h"

/* Never called by *_new(); start() of the front reads its own `backend`
 * node first and stops at -ENOENT. */
static int xs_read_none(void *ctx, vscsi_xs_txn t, const char *path, char *buf, size_t len)
{
    (void)ctx, (void)t, (void)path, (void)buf, (void)len;
    return -ENOENT;
}
static int xs_write_no(void *ctx, vscsi_xs_txn t, const char *path, const char *value)
{
    (void)ctx, (void)t, (void)path, (void)value;
    return -ENOSYS;
}
static int xs_dir_no(void *ctx, vscsi_xs_txn t, const char *path, char *buf, size_t len)
{
    (void)ctx, (void)t, (void)path, (void)buf, (void)len;
    return -ENOSYS;
}
static int xs_watch_no(void *ctx, const char *path, const char *token)
{
    (void)ctx, (void)path, (void)token;
    return -ENOSYS;
}
static int txn_start_no(void *ctx, vscsi_xs_txn *t)
{
    (void)ctx, (void)t;
    return -ENOSYS;
}
static int txn_end_no(void *ctx, vscsi_xs_txn t, int abort)
{
    (void)ctx, (void)t, (void)abort;
    return -ENOSYS;
}
static int map_no(void *ctx, uint16_t domid, uint32_t count, const uint32_t *refs, int writable,
                  void **addr)
{
    (void)ctx, (void)domid, (void)count, (void)refs, (void)writable, (void)addr;
    return -ENOSYS;
}
static int unmap_no(void *ctx, void *addr, uint32_t count)
{
    (void)ctx, (void)addr, (void)count;
    return -ENOSYS;
}
static int copy_no(void *ctx, struct vscsi_grant_copy *segs, uint32_t count)
{
    (void)ctx, (void)segs, (void)count;
    return -ENOSYS;
}
static int grant_no(void *ctx, uint16_t domid, int ro, uint32_t *ref, void **page)
{
    (void)ctx, (void)domid, (void)ro, (void)ref, (void)page;
    return -ENOSYS;
}
static int ungrant_no(void *ctx, uint32_t ref, void *page)
{
    (void)ctx, (void)ref, (void)page;
    return -ENOSYS;
}
static int alloc_port_no(void *ctx, uint16_t remote, uint32_t *port)
{
    (void)ctx, (void)remote, (void)port;
    return -ENOSYS;
}
static int bind_no(void *ctx, uint16_t remote, uint32_t remote_port, uint32_t *port)
{
    (void)ctx, (void)remote, (void)remote_port, (void)port;
    return -ENOSYS;
}
static int port_no(void *ctx, uint32_t port)
{
    (void)ctx, (void)port;
    return -ENOSYS;
}
static int open_no(void *tctx, const char *pdev, void **lun)
{
    (void)tctx, (void)pdev, (void)lun;
    return -ENODEV;
}
static int submit_no(void *tctx, void *lun, struct vscsi_target_cmd *cmd)
{
    (void)tctx, (void)lun, (void)cmd;
    return -ENOSYS;
}
static void done_no(void *cb_ctx, void *user, const struct vscsi_result *res, size_t bytes)
{
    (void)cb_ctx, (void)user, (void)res, (void)bytes;
}

static const struct vscsi_platform_ops ops = {
    .size = sizeof(struct vscsi_platform_ops),
    .map_grants = map_no,
    .unmap_grants = unmap_no,
    .copy_grants = copy_no,
    .grant_page = grant_no,
    .ungrant_page = ungrant_no,
    .evtchn_alloc_unbound = alloc_port_no,
    .evtchn_bind_interdomain = bind_no,
    .evtchn_notify = port_no,
    .evtchn_unbind = port_no,
    .xs_read = xs_read_none,
    .xs_write = xs_write_no,
    .xs_directory = xs_dir_no,
    .xs_watch = xs_watch_no,
    .xs_unwatch = xs_watch_no,
    .xs_txn_start = txn_start_no,
    .xs_txn_end = txn_end_no,
};

static const struct vscsi_target_ops target = {
    .size = sizeof(struct vscsi_target_ops),
    .open = open_no,
    .submit = submit_no,
};

/* Two pages, the second PROT_NONE; returns where a `len`-byte object must
 * start to end at the guard. */
struct guarded {
    unsigned char *map;
    size_t page;
};

static void *guard_at_end(struct guarded *g, size_t len)
{
    g->page = (size_t)sysconf(_SC_PAGESIZE);
    g->map = mmap(NULL, 2 * g->page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(g->map != MAP_FAILED);
    assert_int_equal(mprotect(g->map + g->page, g->page, PROT_NONE), 0);
    return g->map + g->page - len;
}

static void guard_free(struct guarded *g)
{
    munmap(g->map, 2 * g->page);
}

static struct vscsi_back_config back_cfg(void)
{
    struct vscsi_back_config c;

    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    c.ops = &ops;
    c.target = &target;
    c.dev_path = "/local/domain/0/backend/vscsi/5/0";
    c.max_segs = 128;
    return c;
}

static struct vscsi_front_config front_cfg(void)
{
    struct vscsi_front_config c;

    memset(&c, 0, sizeof(c));
    c.size = sizeof(c);
    c.ops = &ops;
    c.dev_path = "/local/domain/5/device/vscsi/0";
    c.done = done_no;
    return c;
}

/* The first release's struct covers its last member; trailing padding is
 * not part of it, so V1 may be below sizeof but never below that. */
static void v1_sizes(void **state)
{
    (void)state;
    assert_true(VSCSI_BACK_CONFIG_SIZE_V1 <= sizeof(struct vscsi_back_config));
    assert_true(VSCSI_FRONT_CONFIG_SIZE_V1 <= sizeof(struct vscsi_front_config));
    assert_true(VSCSI_BACK_CONFIG_SIZE_V1 > offsetof(struct vscsi_back_config, allow_zero_seg));
    assert_true(VSCSI_FRONT_CONFIG_SIZE_V1 > offsetof(struct vscsi_front_config, reset_after_ms));
}

static void back_v1_caller(void **state)
{
    struct vscsi_back_config full = back_cfg();
    struct guarded g;
    struct vscsi_back *b = NULL;
    size_t n = VSCSI_BACK_CONFIG_SIZE_V1;
    struct vscsi_back_config *c;

    (void)state;
    c = guard_at_end(&g, n);
    full.size = n;
    memcpy(c, &full, n);
    assert_int_equal(vscsi_back_new(c, &b), 0);
    assert_non_null(b);
    assert_int_equal(vscsi_back_state(b), VSCSI_XB_INITIALISING);
    /* The engine kept a copy: the caller's struct may go away. */
    assert_int_equal(mprotect(g.map, g.page, PROT_NONE), 0);
    assert_true(vscsi_back_start(b) < 0); /* xs_write fails */
    vscsi_back_destroy(b);
    guard_free(&g);
}

static void front_v1_caller(void **state)
{
    struct vscsi_front_config full = front_cfg();
    struct guarded g;
    struct vscsi_front *f = NULL;
    size_t n = VSCSI_FRONT_CONFIG_SIZE_V1;
    struct vscsi_front_config *c;

    (void)state;
    c = guard_at_end(&g, n);
    full.size = n;
    memcpy(c, &full, n);
    assert_int_equal(vscsi_front_new(c, &f), 0);
    assert_non_null(f);
    assert_int_equal(mprotect(g.map, g.page, PROT_NONE), 0);
    /* start() works from the copy: it reads `backend` (absent here). */
    assert_int_equal(vscsi_front_start(f), -ENOENT);
    vscsi_front_destroy(f);
    guard_free(&g);
}

static void below_v1_rejected(void **state)
{
    struct vscsi_back_config bc = back_cfg();
    struct vscsi_front_config fc = front_cfg();
    struct vscsi_back *b = NULL;
    struct vscsi_front *f = NULL;

    (void)state;
    bc.size = VSCSI_BACK_CONFIG_SIZE_V1 - 1;
    assert_int_equal(vscsi_back_new(&bc, &b), -EINVAL);
    assert_null(b);
    bc.size = 0;
    assert_int_equal(vscsi_back_new(&bc, &b), -EINVAL);
    fc.size = VSCSI_FRONT_CONFIG_SIZE_V1 - 1;
    assert_int_equal(vscsi_front_new(&fc, &f), -EINVAL);
    assert_null(f);
    fc.size = sizeof(size_t);
    assert_int_equal(vscsi_front_new(&fc, &f), -EINVAL);
}

/* A caller built against a newer header: members we do not know are fine
 * while they are zero (not used), refused while set. */
struct back_cfg_next {
    struct vscsi_back_config c;
    uint64_t future;
};
struct front_cfg_next {
    struct vscsi_front_config c;
    uint64_t future;
};

static void newer_caller(void **state)
{
    struct back_cfg_next bn;
    struct front_cfg_next fn;
    struct vscsi_back *b = NULL;
    struct vscsi_front *f = NULL;

    (void)state;
    memset(&bn, 0, sizeof(bn));
    bn.c = back_cfg();
    bn.c.size = sizeof(bn);
    assert_int_equal(vscsi_back_new(&bn.c, &b), 0);
    vscsi_back_destroy(b);
    b = NULL;
    bn.future = 1;
    assert_int_equal(vscsi_back_new(&bn.c, &b), -E2BIG);
    assert_null(b);

    memset(&fn, 0, sizeof(fn));
    fn.c = front_cfg();
    fn.c.size = sizeof(fn);
    assert_int_equal(vscsi_front_new(&fn.c, &f), 0);
    vscsi_front_destroy(f);
    f = NULL;
    fn.future = 1;
    assert_int_equal(vscsi_front_new(&fn.c, &f), -E2BIG);
    assert_null(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(v1_sizes),        cmocka_unit_test(back_v1_caller),
        cmocka_unit_test(front_v1_caller), cmocka_unit_test(below_v1_rejected),
        cmocka_unit_test(newer_caller),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
