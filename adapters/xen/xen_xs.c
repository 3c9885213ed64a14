/* SPDX-License-Identifier: MIT */
/* XenStore over libxenstore. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xen_int.h"

/* Our permission arrays are tiny (owner + peer); bigger ones go to the heap. */
#define XEN_PERMS_STACK 8

#define NEED_XS(x)                                                                                 \
    do {                                                                                           \
        if (!(x)->xs)                                                                              \
            return -ENOSYS;                                                                        \
        errno = 0;                                                                                 \
    } while (0)

int vscsi__xen_xs_read(void *ctx, vscsi_xs_txn t, const char *path, char *buf, size_t buflen)
{
    struct vscsi_xen *x = ctx;
    unsigned int len = 0;
    char *v;
    int rc;

    NEED_XS(x);
    if (!buf || !buflen)
        return -EINVAL;
    v = xs_read(x->xs, t, path, &len);
    if (!v)
        return vscsi__xen_err(-EIO);
    if ((size_t)len >= buflen) {
        memcpy(buf, v, buflen - 1);
        buf[buflen - 1] = '\0';
        rc = -E2BIG;
    } else {
        memcpy(buf, v, len);
        buf[len] = '\0';
        rc = (int)len;
    }
    free(v);
    return rc;
}

int vscsi__xen_xs_write(void *ctx, vscsi_xs_txn t, const char *path, const char *value)
{
    struct vscsi_xen *x = ctx;

    NEED_XS(x);
    return xs_write(x->xs, t, path, value, (unsigned int)strlen(value)) ? 0 : vscsi__xen_err(-EIO);
}

int vscsi__xen_xs_mkdir(void *ctx, vscsi_xs_txn t, const char *path)
{
    struct vscsi_xen *x = ctx;

    NEED_XS(x);
    return xs_mkdir(x->xs, t, path) ? 0 : vscsi__xen_err(-EIO);
}

int vscsi__xen_xs_rm(void *ctx, vscsi_xs_txn t, const char *path)
{
    struct vscsi_xen *x = ctx;

    NEED_XS(x);
    return xs_rm(x->xs, t, path) ? 0 : vscsi__xen_err(-EIO);
}

int vscsi__xen_xs_directory(void *ctx, vscsi_xs_txn t, const char *path, char *buf, size_t buflen)
{
    struct vscsi_xen *x = ctx;
    unsigned int num = 0;
    size_t used = 0;
    char **ents;
    int rc = 0;

    NEED_XS(x);
    ents = xs_directory(x->xs, t, path, &num);
    if (!ents)
        return vscsi__xen_err(-EIO);
    for (unsigned int i = 0; i < num && !rc; i++) {
        size_t l = strlen(ents[i]) + 1;
        if (used + l > buflen)
            rc = -E2BIG;
        else {
            memcpy(buf + used, ents[i], l);
            used += l;
        }
    }
    free(ents); /* one block: the strings live inside it */
    return rc ? rc : (int)num;
}

int vscsi__xen_xs_set_perms(void *ctx, vscsi_xs_txn t, const char *path,
                            const struct vscsi_xs_perm *p, unsigned n)
{
    struct vscsi_xen *x = ctx;
    struct xs_permissions stack_perms[XEN_PERMS_STACK];
    struct xs_permissions *xp = stack_perms;
    bool ok;

    NEED_XS(x);
    if (!n || !p)
        return -EINVAL;
    if (n > XEN_PERMS_STACK && !(xp = calloc(n, sizeof(*xp))))
        return -ENOMEM;
    for (unsigned i = 0; i < n; i++) {
        xp[i].id = p[i].domid;
        xp[i].perms = (p[i].perms & VSCSI_XS_PERM_READ ? XS_PERM_READ : 0) |
                      (p[i].perms & VSCSI_XS_PERM_WRITE ? XS_PERM_WRITE : 0);
    }
    errno = 0;
    ok = xs_set_permissions(x->xs, t, path, xp, n);
    int rc = ok ? 0 : vscsi__xen_err(-EIO);
    if (xp != stack_perms)
        free(xp);
    return rc;
}

int vscsi__xen_xs_watch(void *ctx, const char *path, const char *token)
{
    struct vscsi_xen *x = ctx;

    NEED_XS(x);
    return xs_watch(x->xs, path, token) ? 0 : vscsi__xen_err(-EIO);
}

int vscsi__xen_xs_unwatch(void *ctx, const char *path, const char *token)
{
    struct vscsi_xen *x = ctx;

    NEED_XS(x);
    return xs_unwatch(x->xs, path, token) ? 0 : vscsi__xen_err(-EIO);
}

int vscsi__xen_xs_txn_start(void *ctx, vscsi_xs_txn *t)
{
    struct vscsi_xen *x = ctx;
    xs_transaction_t xt;

    NEED_XS(x);
    xt = xs_transaction_start(x->xs);
    if (xt == XBT_NULL)
        return vscsi__xen_err(-EIO);
    *t = (vscsi_xs_txn)xt;
    return 0;
}

int vscsi__xen_xs_txn_end(void *ctx, vscsi_xs_txn t, int abort)
{
    struct vscsi_xen *x = ctx;

    NEED_XS(x);
    if (xs_transaction_end(x->xs, (xs_transaction_t)t, abort ? true : false))
        return 0;
    /* EAGAIN: another commit touched what we read; the caller starts over. */
    return errno == EAGAIN ? -EAGAIN : vscsi__xen_err(-EIO);
}

int vscsi_xen_xs_fd(const struct vscsi_xen *x)
{
    return x && x->xs ? xs_fileno(x->xs) : -1;
}

int vscsi_xen_next_watch(struct vscsi_xen *x, char *path, size_t path_len, char *token,
                         size_t token_len)
{
    char **vec;
    int rc = 0;

    if (!x || !x->xs)
        return -ENOSYS;
    errno = 0;
    vec = xs_check_watch(x->xs);
    if (!vec)
        return errno == EAGAIN || errno == 0 ? -EAGAIN : vscsi__xen_err(-EIO);
    if (strlen(vec[XS_WATCH_PATH]) >= path_len || strlen(vec[XS_WATCH_TOKEN]) >= token_len)
        rc = -E2BIG;
    else {
        strcpy(path, vec[XS_WATCH_PATH]);
        strcpy(token, vec[XS_WATCH_TOKEN]);
    }
    free(vec);
    return rc;
}
