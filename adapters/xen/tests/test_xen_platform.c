/* SPDX-License-Identifier: MIT */
/*
 * The Xen adapter without Xen: the linker redirects each libxen* call to the
 * __wrap_ mocks below (see tests.cmake), so these tests check the glue itself:
 * argument translation, GNTST_* and errno mapping, cleanup after partial
 * failures, and -EAGAIN on a transaction conflict.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "vscsi_xen.h"
#include "vscsiif/toolstack.h"
#include "xen_int.h"

/* ---- mocks ------------------------------------------------------------- */

static char fake_gt, fake_gs, fake_ev, fake_xs; /* distinct non-NULL handles */
static int pipe_fds[2] = {-1, -1};

xengnttab_handle *__wrap_xengnttab_open(struct xentoollog_logger *l, unsigned f);
int __wrap_xengnttab_close(xengnttab_handle *h);
void *__wrap_xengnttab_map_domain_grant_refs(xengnttab_handle *h, uint32_t count, uint32_t domid,
                                             uint32_t *refs, int prot);
int __wrap_xengnttab_unmap(xengnttab_handle *h, void *addr, uint32_t count);
int __wrap_xengnttab_grant_copy(xengnttab_handle *h, uint32_t count,
                                xengnttab_grant_copy_segment_t *segs);
xengntshr_handle *__wrap_xengntshr_open(struct xentoollog_logger *l, unsigned f);
int __wrap_xengntshr_close(xengntshr_handle *h);
void *__wrap_xengntshr_share_pages(xengntshr_handle *h, uint32_t domid, int count, uint32_t *refs,
                                   int writable);
int __wrap_xengntshr_unshare(xengntshr_handle *h, void *addr, uint32_t count);
xenevtchn_handle *__wrap_xenevtchn_open(struct xentoollog_logger *l, unsigned f);
int __wrap_xenevtchn_close(xenevtchn_handle *h);
int __wrap_xenevtchn_fd(xenevtchn_handle *h);
xenevtchn_port_or_error_t __wrap_xenevtchn_bind_unbound_port(xenevtchn_handle *h, uint32_t domid);
xenevtchn_port_or_error_t __wrap_xenevtchn_bind_interdomain(xenevtchn_handle *h, uint32_t domid,
                                                            evtchn_port_t port);
int __wrap_xenevtchn_notify(xenevtchn_handle *h, evtchn_port_t port);
int __wrap_xenevtchn_unbind(xenevtchn_handle *h, evtchn_port_t port);
xenevtchn_port_or_error_t __wrap_xenevtchn_pending(xenevtchn_handle *h);
int __wrap_xenevtchn_unmask(xenevtchn_handle *h, evtchn_port_t port);
struct xs_handle *__wrap_xs_open(unsigned long flags);
void __wrap_xs_close(struct xs_handle *h);
void *__wrap_xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len);
bool __wrap_xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data,
                     unsigned int len);
bool __wrap_xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path);
bool __wrap_xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path);
char **__wrap_xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path,
                           unsigned int *num);
bool __wrap_xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
                               struct xs_permissions *perms, unsigned int num);
bool __wrap_xs_watch(struct xs_handle *h, const char *path, const char *token);
bool __wrap_xs_unwatch(struct xs_handle *h, const char *path, const char *token);
xs_transaction_t __wrap_xs_transaction_start(struct xs_handle *h);
bool __wrap_xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort);
int __wrap_xs_fileno(struct xs_handle *h);
char **__wrap_xs_check_watch(struct xs_handle *h);

/* Every failing mock takes its errno from the queue right after its result. */
#define FAIL_ERRNO() (errno = mock_type(int))

xengnttab_handle *__wrap_xengnttab_open(struct xentoollog_logger *l, unsigned f)
{
    (void)l;
    (void)f;
    if (mock_type(int))
        return (xengnttab_handle *)(void *)&fake_gt;
    FAIL_ERRNO();
    return NULL;
}
int __wrap_xengnttab_close(xengnttab_handle *h)
{
    assert_ptr_equal(h, (void *)&fake_gt);
    function_called();
    return 0;
}
void *__wrap_xengnttab_map_domain_grant_refs(xengnttab_handle *h, uint32_t count, uint32_t domid,
                                             uint32_t *refs, int prot)
{
    assert_ptr_equal(h, (void *)&fake_gt);
    check_expected(count);
    check_expected(domid);
    check_expected(prot);
    for (uint32_t i = 0; i < count; i++)
        assert_int_equal(refs[i], 100 + i);
    void *p = mock_ptr_type(void *);
    if (!p)
        FAIL_ERRNO();
    return p;
}
int __wrap_xengnttab_unmap(xengnttab_handle *h, void *addr, uint32_t count)
{
    (void)h;
    check_expected_ptr(addr);
    check_expected(count);
    int rc = mock_type(int);
    if (rc)
        FAIL_ERRNO();
    return rc;
}
static xengnttab_grant_copy_segment_t last_copy[64];
int __wrap_xengnttab_grant_copy(xengnttab_handle *h, uint32_t count,
                                xengnttab_grant_copy_segment_t *segs)
{
    (void)h;
    check_expected(count);
    memcpy(last_copy, segs, count * sizeof(*segs));
    int rc = mock_type(int);
    if (rc) {
        FAIL_ERRNO();
        return rc;
    }
    for (uint32_t i = 0; i < count; i++)
        segs[i].status = (int16_t)mock_type(int);
    return 0;
}
xengntshr_handle *__wrap_xengntshr_open(struct xentoollog_logger *l, unsigned f)
{
    (void)l;
    (void)f;
    if (mock_type(int))
        return (xengntshr_handle *)(void *)&fake_gs;
    FAIL_ERRNO();
    return NULL;
}
int __wrap_xengntshr_close(xengntshr_handle *h)
{
    assert_ptr_equal(h, (void *)&fake_gs);
    function_called();
    return 0;
}
void *__wrap_xengntshr_share_pages(xengntshr_handle *h, uint32_t domid, int count, uint32_t *refs,
                                   int writable)
{
    (void)h;
    assert_int_equal(count, 1);
    check_expected(domid);
    check_expected(writable);
    void *p = mock_ptr_type(void *);
    if (p)
        refs[0] = 77;
    else
        FAIL_ERRNO();
    return p;
}
int __wrap_xengntshr_unshare(xengntshr_handle *h, void *addr, uint32_t count)
{
    (void)h;
    (void)addr;
    assert_int_equal(count, 1);
    int rc = mock_type(int);
    if (rc)
        FAIL_ERRNO();
    return rc;
}
xenevtchn_handle *__wrap_xenevtchn_open(struct xentoollog_logger *l, unsigned f)
{
    (void)l;
    (void)f;
    if (mock_type(int))
        return (xenevtchn_handle *)(void *)&fake_ev;
    FAIL_ERRNO();
    return NULL;
}
int __wrap_xenevtchn_close(xenevtchn_handle *h)
{
    assert_ptr_equal(h, (void *)&fake_ev);
    function_called();
    return 0;
}
int __wrap_xenevtchn_fd(xenevtchn_handle *h)
{
    (void)h;
    return pipe_fds[0];
}
xenevtchn_port_or_error_t __wrap_xenevtchn_bind_unbound_port(xenevtchn_handle *h, uint32_t domid)
{
    (void)h;
    check_expected(domid);
    int p = mock_type(int);
    if (p < 0)
        FAIL_ERRNO();
    return p;
}
xenevtchn_port_or_error_t __wrap_xenevtchn_bind_interdomain(xenevtchn_handle *h, uint32_t domid,
                                                            evtchn_port_t port)
{
    (void)h;
    check_expected(domid);
    check_expected(port);
    int p = mock_type(int);
    if (p < 0)
        FAIL_ERRNO();
    return p;
}
int __wrap_xenevtchn_notify(xenevtchn_handle *h, evtchn_port_t port)
{
    (void)h;
    check_expected(port);
    int rc = mock_type(int);
    if (rc)
        FAIL_ERRNO();
    return rc;
}
int __wrap_xenevtchn_unbind(xenevtchn_handle *h, evtchn_port_t port)
{
    (void)h;
    check_expected(port);
    return mock_type(int);
}
xenevtchn_port_or_error_t __wrap_xenevtchn_pending(xenevtchn_handle *h)
{
    (void)h;
    int p = mock_type(int);
    if (p < 0)
        FAIL_ERRNO();
    return p;
}
int __wrap_xenevtchn_unmask(xenevtchn_handle *h, evtchn_port_t port)
{
    (void)h;
    check_expected(port);
    return 0;
}
struct xs_handle *__wrap_xs_open(unsigned long flags)
{
    (void)flags;
    if (mock_type(int))
        return (struct xs_handle *)(void *)&fake_xs;
    FAIL_ERRNO();
    return NULL;
}
void __wrap_xs_close(struct xs_handle *h)
{
    assert_ptr_equal(h, (void *)&fake_xs);
    function_called();
}
void *__wrap_xs_read(struct xs_handle *h, xs_transaction_t t, const char *path, unsigned int *len)
{
    (void)h;
    (void)t;
    check_expected_ptr(path);
    const char *v = mock_ptr_type(const char *);
    if (!v) {
        FAIL_ERRNO();
        return NULL;
    }
    *len = (unsigned int)strlen(v);
    return strdup(v);
}
bool __wrap_xs_write(struct xs_handle *h, xs_transaction_t t, const char *path, const void *data,
                     unsigned int len)
{
    (void)h;
    (void)t;
    (void)path;
    (void)data;
    (void)len;
    return true;
}
bool __wrap_xs_mkdir(struct xs_handle *h, xs_transaction_t t, const char *path)
{
    (void)h;
    (void)t;
    (void)path;
    return true;
}
bool __wrap_xs_rm(struct xs_handle *h, xs_transaction_t t, const char *path)
{
    (void)h;
    (void)t;
    (void)path;
    return true;
}
char **__wrap_xs_directory(struct xs_handle *h, xs_transaction_t t, const char *path,
                           unsigned int *num)
{
    (void)h;
    (void)t;
    (void)path;
    /* Like libxenstore: one allocation holding the pointers and the strings. */
    static const char *names[] = {"dev-0", "dev-12", "x"};
    char **v = malloc(3 * sizeof(char *) + 16);
    char *s = (char *)(v + 3);
    for (int i = 0; i < 3; i++) {
        v[i] = s;
        strcpy(s, names[i]);
        s += strlen(names[i]) + 1;
    }
    *num = 3;
    return v;
}
bool __wrap_xs_set_permissions(struct xs_handle *h, xs_transaction_t t, const char *path,
                               struct xs_permissions *perms, unsigned int num)
{
    (void)h;
    (void)t;
    (void)path;
    check_expected(num);
    for (unsigned i = 0; i < num; i++) {
        check_expected(perms[i].id);
        check_expected(perms[i].perms);
    }
    return true;
}
bool __wrap_xs_watch(struct xs_handle *h, const char *path, const char *token)
{
    (void)h;
    (void)path;
    (void)token;
    return true;
}
bool __wrap_xs_unwatch(struct xs_handle *h, const char *path, const char *token)
{
    (void)h;
    (void)path;
    (void)token;
    return true;
}
xs_transaction_t __wrap_xs_transaction_start(struct xs_handle *h)
{
    (void)h;
    unsigned t = mock_type(unsigned);
    if (!t)
        FAIL_ERRNO();
    return (xs_transaction_t)t;
}
bool __wrap_xs_transaction_end(struct xs_handle *h, xs_transaction_t t, bool abort)
{
    (void)h;
    (void)t;
    check_expected(abort);
    if (mock_type(int))
        return true;
    FAIL_ERRNO();
    return false;
}
int __wrap_xs_fileno(struct xs_handle *h)
{
    (void)h;
    return 42;
}
char **__wrap_xs_check_watch(struct xs_handle *h)
{
    (void)h;
    const char *p = mock_ptr_type(const char *);
    if (!p) {
        errno = EAGAIN;
        return NULL;
    }
    const char *tok = mock_ptr_type(const char *);
    char **v = malloc(2 * sizeof(char *) + strlen(p) + strlen(tok) + 2);
    v[XS_WATCH_PATH] = (char *)(v + 2);
    strcpy(v[XS_WATCH_PATH], p);
    v[XS_WATCH_TOKEN] = v[XS_WATCH_PATH] + strlen(p) + 1;
    strcpy(v[XS_WATCH_TOKEN], tok);
    return v;
}

/* ---- helpers ----------------------------------------------------------- */

static struct vscsi_xen *open_all(unsigned what)
{
    struct vscsi_xen *x = NULL;
    if (what & VSCSI_XEN_GNTTAB)
        will_return(__wrap_xengnttab_open, 1);
    if (what & VSCSI_XEN_GNTSHR)
        will_return(__wrap_xengntshr_open, 1);
    if (what & VSCSI_XEN_EVTCHN)
        will_return(__wrap_xenevtchn_open, 1);
    if (what & VSCSI_XEN_XS)
        will_return(__wrap_xs_open, 1);
    assert_int_equal(vscsi_xen_open(what, &x), 0);
    return x;
}

static void close_all(struct vscsi_xen *x, unsigned what)
{
    if (what & VSCSI_XEN_GNTTAB)
        expect_function_call(__wrap_xengnttab_close);
    if (what & VSCSI_XEN_GNTSHR)
        expect_function_call(__wrap_xengntshr_close);
    if (what & VSCSI_XEN_EVTCHN)
        expect_function_call(__wrap_xenevtchn_close);
    if (what & VSCSI_XEN_XS)
        expect_function_call(__wrap_xs_close);
    vscsi_xen_close(x);
}

static int setup(void **state)
{
    (void)state;
    return pipe(pipe_fds);
}

static int teardown(void **state)
{
    (void)state;
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return 0;
}

/* ---- tests ------------------------------------------------------------- */

static void open_partial_failure_closes_what_opened(void **state)
{
    struct vscsi_xen *x = (struct vscsi_xen *)1;
    (void)state;
    will_return(__wrap_xengnttab_open, 1);
    will_return(__wrap_xengntshr_open, 1);
    will_return(__wrap_xenevtchn_open, 0);
    will_return(__wrap_xenevtchn_open, ENOENT);
    expect_function_call(__wrap_xengntshr_close);
    expect_function_call(__wrap_xengnttab_close);
    assert_int_equal(
        vscsi_xen_open(VSCSI_XEN_GNTTAB | VSCSI_XEN_GNTSHR | VSCSI_XEN_EVTCHN | VSCSI_XEN_XS, &x),
        -ENOENT);
    assert_ptr_equal(x, (void *)1); /* untouched on failure */
    assert_int_equal(vscsi_xen_open(0, &x), -EINVAL);
    assert_int_equal(vscsi_xen_open(0x100, &x), -EINVAL);
}

static void unopened_interface_is_enosys(void **state)
{
    (void)state;
    struct vscsi_xen *x = open_all(VSCSI_XEN_XS);
    const struct vscsi_platform_ops *ops = vscsi_xen_ops();
    void *addr;
    uint32_t ref = 1, port;
    assert_int_equal(ops->map_grants(x, 1, 1, &ref, 1, &addr), -ENOSYS);
    assert_int_equal(ops->grant_page(x, 0, 0, &ref, &addr), -ENOSYS);
    assert_int_equal(ops->evtchn_alloc_unbound(x, 0, &port), -ENOSYS);
    assert_int_equal(vscsi_xen_evtchn_fd(x), -1);
    assert_int_equal(vscsi_xen_xs_fd(x), 42);
    close_all(x, VSCSI_XEN_XS);
}

static void map_grants_translates_and_maps_errors(void **state)
{
    (void)state;
    struct vscsi_xen *x = open_all(VSCSI_XEN_GNTTAB);
    const struct vscsi_platform_ops *ops = vscsi_xen_ops();
    uint32_t refs[40];
    static char pages[2 * 4096];
    void *addr = NULL;

    for (unsigned i = 0; i < 40; i++)
        refs[i] = 100 + i;
    expect_value(__wrap_xengnttab_map_domain_grant_refs, count, 2);
    expect_value(__wrap_xengnttab_map_domain_grant_refs, domid, 5);
    expect_value(__wrap_xengnttab_map_domain_grant_refs, prot, PROT_READ | PROT_WRITE);
    will_return(__wrap_xengnttab_map_domain_grant_refs, pages);
    assert_int_equal(ops->map_grants(x, 5, 2, refs, 1, &addr), 0);
    assert_ptr_equal(addr, pages);

    /* More refs than the on-stack copy holds, read-only, and the library fails. */
    addr = NULL;
    expect_value(__wrap_xengnttab_map_domain_grant_refs, count, 40);
    expect_value(__wrap_xengnttab_map_domain_grant_refs, domid, 7);
    expect_value(__wrap_xengnttab_map_domain_grant_refs, prot, PROT_READ);
    will_return(__wrap_xengnttab_map_domain_grant_refs, NULL);
    will_return(__wrap_xengnttab_map_domain_grant_refs, EINVAL);
    assert_int_equal(ops->map_grants(x, 7, 40, refs, 0, &addr), -EINVAL);
    assert_null(addr);

    /* errno left at 0 by the library must still be an error. */
    expect_value(__wrap_xengnttab_map_domain_grant_refs, count, 1);
    expect_value(__wrap_xengnttab_map_domain_grant_refs, domid, 7);
    expect_value(__wrap_xengnttab_map_domain_grant_refs, prot, PROT_READ);
    will_return(__wrap_xengnttab_map_domain_grant_refs, NULL);
    will_return(__wrap_xengnttab_map_domain_grant_refs, 0);
    assert_true(ops->map_grants(x, 7, 1, refs, 0, &addr) < 0);

    expect_value(__wrap_xengnttab_unmap, addr, pages);
    expect_value(__wrap_xengnttab_unmap, count, 2);
    will_return(__wrap_xengnttab_unmap, -1);
    will_return(__wrap_xengnttab_unmap, EINVAL);
    assert_int_equal(ops->unmap_grants(x, pages, 2), -EINVAL);
    close_all(x, VSCSI_XEN_GNTTAB);
}

static void copy_grants_direction_and_status(void **state)
{
    (void)state;
    struct vscsi_xen *x = open_all(VSCSI_XEN_GNTTAB);
    const struct vscsi_platform_ops *ops = vscsi_xen_ops();
    char a[512], b[512];
    struct vscsi_grant_copy s[4] = {
        {.ref = 10, .domid = 3, .offset = 0, .len = 512, .to_grant = 1, .local = a},
        {.ref = 11, .domid = 3, .offset = 512, .len = 512, .to_grant = 0, .local = b},
        {.ref = 12, .domid = 3, .offset = 0, .len = 8, .to_grant = 0, .local = b},
        {.ref = 13, .domid = 3, .offset = 0, .len = 8, .to_grant = 0, .local = b},
    };

    expect_value(__wrap_xengnttab_grant_copy, count, 4);
    will_return(__wrap_xengnttab_grant_copy, 0);
    will_return(__wrap_xengnttab_grant_copy, 0);
    will_return(__wrap_xengnttab_grant_copy, -3);  /* GNTST_bad_gntref */
    will_return(__wrap_xengnttab_grant_copy, -12); /* GNTST_eagain */
    will_return(__wrap_xengnttab_grant_copy, 7);   /* nonsense from below: an error */
    assert_int_equal(ops->copy_grants(x, s, 4), 0);
    assert_int_equal(last_copy[0].flags, 2); /* GNTCOPY_dest_gref */
    assert_ptr_equal(last_copy[0].source.virt, a);
    assert_int_equal(last_copy[0].dest.foreign.ref, 10);
    assert_int_equal(last_copy[0].dest.foreign.domid, 3);
    assert_int_equal(last_copy[1].flags, 1); /* GNTCOPY_source_gref */
    assert_int_equal(last_copy[1].source.foreign.offset, 512);
    assert_ptr_equal(last_copy[1].dest.virt, b);
    assert_int_equal(last_copy[1].len, 512);
    assert_int_equal(s[0].status, VSCSI_GNTST_OKAY);
    assert_int_equal(s[1].status, VSCSI_GNTST_BAD_GNTREF);
    assert_int_equal(s[2].status, VSCSI_GNTST_EAGAIN);
    assert_int_equal(s[3].status, VSCSI_GNTST_GENERAL_ERROR);
    assert_int_equal(vscsi_xen_gntst_errno(VSCSI_GNTST_EAGAIN), -EAGAIN);
    assert_int_equal(vscsi_xen_gntst_errno(VSCSI_GNTST_PERMISSION_DENIED), -EPERM);
    assert_int_equal(vscsi_xen_gntst_errno(VSCSI_GNTST_OKAY), 0);

    /* The ioctl fails as a whole: every segment is marked failed. */
    expect_value(__wrap_xengnttab_grant_copy, count, 2);
    will_return(__wrap_xengnttab_grant_copy, -1);
    will_return(__wrap_xengnttab_grant_copy, EFAULT);
    s[0].status = 0;
    assert_int_equal(ops->copy_grants(x, s, 2), -EFAULT);
    assert_int_equal(s[0].status, VSCSI_GNTST_GENERAL_ERROR);
    assert_int_equal(s[1].status, VSCSI_GNTST_GENERAL_ERROR);

    /* A segment crossing its page never reaches the hypervisor. */
    s[0].offset = 4000;
    s[0].len = 200;
    assert_int_equal(ops->copy_grants(x, s, 1), -EINVAL);
    assert_int_equal(ops->copy_grants(x, s, 0), 0);
    close_all(x, VSCSI_XEN_GNTTAB);
}

static void grant_page_and_busy_ungrant(void **state)
{
    (void)state;
    struct vscsi_xen *x = open_all(VSCSI_XEN_GNTSHR);
    const struct vscsi_platform_ops *ops = vscsi_xen_ops();
    static char page[4096];
    void *p = NULL;
    uint32_t ref = 0;

    memset(page, 0xaa, sizeof(page));
    expect_value(__wrap_xengntshr_share_pages, domid, 0);
    expect_value(__wrap_xengntshr_share_pages, writable, 0);
    will_return(__wrap_xengntshr_share_pages, page);
    assert_int_equal(ops->grant_page(x, 0, 1, &ref, &p), 0);
    assert_ptr_equal(p, page);
    assert_int_equal(ref, 77);
    assert_int_equal(page[100], 0); /* zeroed */

    expect_value(__wrap_xengntshr_share_pages, domid, 4);
    expect_value(__wrap_xengntshr_share_pages, writable, 1);
    will_return(__wrap_xengntshr_share_pages, NULL);
    will_return(__wrap_xengntshr_share_pages, ENOSPC);
    assert_int_equal(ops->grant_page(x, 4, 0, &ref, &p), -ENOSPC);

    will_return(__wrap_xengntshr_unshare, 0);
    assert_int_equal(ops->ungrant_page(x, 77, page), 0);
    will_return(__wrap_xengntshr_unshare, -1);
    will_return(__wrap_xengntshr_unshare, EINVAL);
    assert_int_equal(ops->ungrant_page(x, 77, page), -EBUSY);
    close_all(x, VSCSI_XEN_GNTSHR);
}

static void evtchn_ops_and_pending(void **state)
{
    (void)state;
    struct vscsi_xen *x = open_all(VSCSI_XEN_EVTCHN);
    const struct vscsi_platform_ops *ops = vscsi_xen_ops();
    uint32_t port = 0;

    assert_int_equal(vscsi_xen_evtchn_fd(x), pipe_fds[0]);
    expect_value(__wrap_xenevtchn_bind_unbound_port, domid, 0);
    will_return(__wrap_xenevtchn_bind_unbound_port, 9);
    assert_int_equal(ops->evtchn_alloc_unbound(x, 0, &port), 0);
    assert_int_equal(port, 9);
    expect_value(__wrap_xenevtchn_bind_unbound_port, domid, 0);
    will_return(__wrap_xenevtchn_bind_unbound_port, -1);
    will_return(__wrap_xenevtchn_bind_unbound_port, ENOSPC);
    assert_int_equal(ops->evtchn_alloc_unbound(x, 0, &port), -ENOSPC);

    expect_value(__wrap_xenevtchn_bind_interdomain, domid, 3);
    expect_value(__wrap_xenevtchn_bind_interdomain, port, 12);
    will_return(__wrap_xenevtchn_bind_interdomain, -1);
    will_return(__wrap_xenevtchn_bind_interdomain, EINVAL);
    assert_int_equal(ops->evtchn_bind_interdomain(x, 3, 12, &port), -EINVAL);

    expect_value(__wrap_xenevtchn_notify, port, 9);
    will_return(__wrap_xenevtchn_notify, 0);
    assert_int_equal(ops->evtchn_notify(x, 9), 0);
    expect_value(__wrap_xenevtchn_unbind, port, 9);
    will_return(__wrap_xenevtchn_unbind, 0);
    assert_int_equal(ops->evtchn_unbind(x, 9), 0);

    will_return(__wrap_xenevtchn_pending, 9);
    expect_value(__wrap_xenevtchn_unmask, port, 9);
    assert_int_equal(vscsi_xen_next_port(x, &port), 0);
    assert_int_equal(port, 9);
    will_return(__wrap_xenevtchn_pending, -1);
    will_return(__wrap_xenevtchn_pending, EAGAIN);
    assert_int_equal(vscsi_xen_next_port(x, &port), -EAGAIN);
    close_all(x, VSCSI_XEN_EVTCHN);
}

static void xs_read_sizes_and_errors(void **state)
{
    (void)state;
    struct vscsi_xen *x = open_all(VSCSI_XEN_XS);
    const struct vscsi_platform_ops *ops = vscsi_xen_ops();
    char buf[8];
    uint16_t d = 0;

    expect_string(__wrap_xs_read, path, "/a");
    will_return(__wrap_xs_read, "1234567");
    assert_int_equal(ops->xs_read(x, 0, "/a", buf, sizeof(buf)), 7);
    assert_string_equal(buf, "1234567");
    expect_string(__wrap_xs_read, path, "/a");
    will_return(__wrap_xs_read, "12345678");
    assert_int_equal(ops->xs_read(x, 0, "/a", buf, sizeof(buf)), -E2BIG);
    assert_int_equal(buf[7], '\0');
    expect_string(__wrap_xs_read, path, "/b");
    will_return(__wrap_xs_read, NULL);
    will_return(__wrap_xs_read, ENOENT);
    assert_int_equal(ops->xs_read(x, 0, "/b", buf, sizeof(buf)), -ENOENT);
    expect_string(__wrap_xs_read, path, "/c");
    will_return(__wrap_xs_read, NULL);
    will_return(__wrap_xs_read, EACCES);
    assert_int_equal(ops->xs_read(x, 0, "/c", buf, sizeof(buf)), -EACCES);

    expect_string(__wrap_xs_read, path, "domid");
    will_return(__wrap_xs_read, "12");
    assert_int_equal(ops->domid(x, &d), 0);
    assert_int_equal(d, 12);
    assert_int_equal(ops->domid(x, &d), 0); /* cached: no second read */
    close_all(x, VSCSI_XEN_XS);

    x = open_all(VSCSI_XEN_XS);
    expect_string(__wrap_xs_read, path, "domid");
    will_return(__wrap_xs_read, "12x");
    assert_int_equal(ops->domid(x, &d), -EINVAL);
    close_all(x, VSCSI_XEN_XS);
}

static void xs_directory_perms_watch(void **state)
{
    (void)state;
    struct vscsi_xen *x = open_all(VSCSI_XEN_XS);
    const struct vscsi_platform_ops *ops = vscsi_xen_ops();
    char buf[64], small[8], path[32], tok[8];
    struct vscsi_xs_perm p[2] = {{0, VSCSI_XS_PERM_NONE}, {5, VSCSI_XS_PERM_READ}};

    assert_int_equal(ops->xs_directory(x, 0, "/d", buf, sizeof(buf)), 3);
    assert_string_equal(buf, "dev-0");
    assert_string_equal(buf + 6, "dev-12");
    assert_string_equal(buf + 13, "x");
    assert_int_equal(ops->xs_directory(x, 0, "/d", small, sizeof(small)), -E2BIG);

    expect_value(__wrap_xs_set_permissions, num, 2);
    expect_value(__wrap_xs_set_permissions, perms[i].id, 0);
    expect_value(__wrap_xs_set_permissions, perms[i].perms, XS_PERM_NONE);
    expect_value(__wrap_xs_set_permissions, perms[i].id, 5);
    expect_value(__wrap_xs_set_permissions, perms[i].perms, XS_PERM_READ);
    assert_int_equal(ops->xs_set_perms(x, 0, "/d", p, 2), 0);

    will_return(__wrap_xs_check_watch, "/local/domain/0/backend/vscsi");
    will_return(__wrap_xs_check_watch, "tok");
    assert_int_equal(vscsi_xen_next_watch(x, path, sizeof(path), tok, sizeof(tok)), 0);
    assert_string_equal(path, "/local/domain/0/backend/vscsi");
    assert_string_equal(tok, "tok");
    will_return(__wrap_xs_check_watch, "/local/domain/0/backend/vscsi/1/2/3/4/5");
    will_return(__wrap_xs_check_watch, "tok");
    assert_int_equal(vscsi_xen_next_watch(x, path, sizeof(path), tok, sizeof(tok)), -E2BIG);
    will_return(__wrap_xs_check_watch, NULL);
    assert_int_equal(vscsi_xen_next_watch(x, path, sizeof(path), tok, sizeof(tok)), -EAGAIN);
    close_all(x, VSCSI_XEN_XS);
}

static void txn_conflict_is_eagain_and_toolstack_retries(void **state)
{
    (void)state;
    struct vscsi_xen *x = open_all(VSCSI_XEN_XS);
    const struct vscsi_platform_ops *ops = vscsi_xen_ops();
    vscsi_xs_txn t = 0;

    will_return(__wrap_xs_transaction_start, 0u);
    will_return(__wrap_xs_transaction_start, EBUSY);
    assert_int_equal(ops->xs_txn_start(x, &t), -EBUSY);

    will_return(__wrap_xs_transaction_start, 5u);
    assert_int_equal(ops->xs_txn_start(x, &t), 0);
    assert_int_equal(t, 5);
    expect_value(__wrap_xs_transaction_end, abort, false);
    will_return(__wrap_xs_transaction_end, 0);
    will_return(__wrap_xs_transaction_end, EAGAIN);
    assert_int_equal(ops->xs_txn_end(x, t, 0), -EAGAIN);
    expect_value(__wrap_xs_transaction_end, abort, true);
    will_return(__wrap_xs_transaction_end, 0);
    will_return(__wrap_xs_transaction_end, EINVAL);
    assert_int_equal(ops->xs_txn_end(x, t, 1), -EINVAL);

    /* The toolstack library retries a transaction that lost a race. */
    struct vscsi_ts_vhost v = {.backend_domid = 0, .frontend_domid = 3, .vhost = 0};
    for (int i = 0; i < 2; i++) {
        will_return(__wrap_xs_transaction_start, 6u + (unsigned)i);
        expect_string(__wrap_xs_read, path, "/local/domain/0/backend/vscsi/3/0");
        will_return(__wrap_xs_read, NULL);
        will_return(__wrap_xs_read, ENOENT);
        expect_value(__wrap_xs_set_permissions, num, 2);
        expect_value(__wrap_xs_set_permissions, perms[i].id, 0);
        expect_value(__wrap_xs_set_permissions, perms[i].perms, XS_PERM_NONE);
        expect_value(__wrap_xs_set_permissions, perms[i].id, 3);
        expect_value(__wrap_xs_set_permissions, perms[i].perms, XS_PERM_READ);
        expect_value(__wrap_xs_set_permissions, num, 2);
        expect_value(__wrap_xs_set_permissions, perms[i].id, 3);
        expect_value(__wrap_xs_set_permissions, perms[i].perms, XS_PERM_NONE);
        expect_value(__wrap_xs_set_permissions, perms[i].id, 0);
        expect_value(__wrap_xs_set_permissions, perms[i].perms, XS_PERM_READ);
        expect_value(__wrap_xs_transaction_end, abort, false);
        will_return(__wrap_xs_transaction_end, i == 1);
        if (i == 0)
            will_return(__wrap_xs_transaction_end, EAGAIN);
    }
    assert_int_equal(vscsi_ts_vhost_create(ops, x, &v), 0);
    close_all(x, VSCSI_XEN_XS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(open_partial_failure_closes_what_opened),
        cmocka_unit_test(unopened_interface_is_enosys),
        cmocka_unit_test(map_grants_translates_and_maps_errors),
        cmocka_unit_test(copy_grants_direction_and_status),
        cmocka_unit_test(grant_page_and_busy_ungrant),
        cmocka_unit_test(evtchn_ops_and_pending),
        cmocka_unit_test(xs_read_sizes_and_errors),
        cmocka_unit_test(xs_directory_perms_watch),
        cmocka_unit_test(txn_conflict_is_eagain_and_toolstack_retries),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
