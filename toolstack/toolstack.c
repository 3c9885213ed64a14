/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vscsiif/toolstack.h"

#define TS_RETRIES 32

int vscsi_ts_paths(const struct vscsi_ts_vhost *v, char *be, size_t be_len, char *fe, size_t fe_len)
{
    int n1 = snprintf(be, be_len, "/local/domain/%u/backend/vscsi/%u/%u",
                      (unsigned)v->backend_domid, (unsigned)v->frontend_domid, (unsigned)v->vhost);
    int n2 = snprintf(fe, fe_len, "/local/domain/%u/device/vscsi/%u", (unsigned)v->frontend_domid,
                      (unsigned)v->vhost);
    if (n1 < 0 || (size_t)n1 >= be_len || n2 < 0 || (size_t)n2 >= fe_len)
        return -ENAMETOOLONG;
    return 0;
}

/* One transaction, retried while another commit wins. */
typedef int (*ts_body_fn)(const struct vscsi_platform_ops *ops, void *ctx, vscsi_xs_txn t,
                          const void *arg);

static int ts_txn(const struct vscsi_platform_ops *ops, void *ctx, ts_body_fn body, const void *arg)
{
    for (int i = 0; i < TS_RETRIES; i++) {
        vscsi_xs_txn t = VSCSI_XS_NO_TXN;
        int rc = ops->xs_txn_start ? ops->xs_txn_start(ctx, &t) : 0;
        if (rc)
            return rc;
        rc = body(ops, ctx, t, arg);
        if (rc) {
            if (ops->xs_txn_end)
                ops->xs_txn_end(ctx, t, 1);
            return rc;
        }
        rc = ops->xs_txn_end ? ops->xs_txn_end(ctx, t, 0) : 0;
        if (rc != -EAGAIN)
            return rc;
    }
    return -EAGAIN;
}

static int put(const struct vscsi_platform_ops *ops, void *ctx, vscsi_xs_txn t, const char *dir,
               const char *name, const char *val)
{
    char path[VSCSI_XB_PATH_MAX + 1];
    int rc = vscsi_xb_join(path, sizeof(path), dir, name);
    return rc ? rc : ops->xs_write(ctx, t, path, val);
}

static int putu(const struct vscsi_platform_ops *ops, void *ctx, vscsi_xs_txn t, const char *dir,
                const char *name, unsigned val)
{
    char s[16];
    snprintf(s, sizeof(s), "%u", val);
    return put(ops, ctx, t, dir, name, s);
}

struct ts_create {
    const struct vscsi_ts_vhost *v;
    char be[128], fe[128];
};

static int create_body(const struct vscsi_platform_ops *ops, void *ctx, vscsi_xs_txn t,
                       const void *arg)
{
    const struct ts_create *c = arg;
    const struct vscsi_ts_vhost *v = c->v;
    char buf[8];
    int rc = ops->xs_read(ctx, t, c->be, buf, sizeof(buf));

    if (rc >= 0 || rc == -E2BIG)
        return -EEXIST;
    if ((rc = ops->xs_mkdir(ctx, t, c->be)) || (rc = ops->xs_mkdir(ctx, t, c->fe)))
        return rc;
    /* Each side owns its directory; the other may only read it. */
    if (ops->xs_set_perms) {
        struct vscsi_xs_perm bp[2] = {{v->backend_domid, VSCSI_XS_PERM_NONE},
                                      {v->frontend_domid, VSCSI_XS_PERM_READ}};
        struct vscsi_xs_perm fp[2] = {{v->frontend_domid, VSCSI_XS_PERM_NONE},
                                      {v->backend_domid, VSCSI_XS_PERM_READ}};
        if ((rc = ops->xs_set_perms(ctx, t, c->be, bp, 2)) ||
            (rc = ops->xs_set_perms(ctx, t, c->fe, fp, 2)))
            return rc;
    }
    if ((rc = put(ops, ctx, t, c->be, "frontend", c->fe)) ||
        (rc = putu(ops, ctx, t, c->be, "frontend-id", v->frontend_domid)) ||
        (rc = putu(ops, ctx, t, c->be, "online", 1)) ||
        (rc = putu(ops, ctx, t, c->be, "feature-host", v->feature_host ? 1 : 0)) ||
        (rc = putu(ops, ctx, t, c->be, "state", VSCSI_XB_INITIALISING)) ||
        (rc = put(ops, ctx, t, c->fe, "backend", c->be)) ||
        (rc = putu(ops, ctx, t, c->fe, "backend-id", v->backend_domid)) ||
        (rc = putu(ops, ctx, t, c->fe, "state", VSCSI_XB_INITIALISING)))
        return rc;
    return 0;
}

int vscsi_ts_vhost_create(const struct vscsi_platform_ops *ops, void *ctx,
                          const struct vscsi_ts_vhost *v)
{
    struct ts_create c = {.v = v};
    int rc = vscsi_ts_paths(v, c.be, sizeof(c.be), c.fe, sizeof(c.fe));
    return rc ? rc : ts_txn(ops, ctx, create_body, &c);
}

struct ts_lun {
    const struct vscsi_ts_vhost *v;
    char be[128], dev[160];
    const char *pdev, *vdev, *pdevname;
    int reconfigure;
    int remove;
};

static int lun_body(const struct vscsi_platform_ops *ops, void *ctx, vscsi_xs_txn t,
                    const void *arg)
{
    const struct ts_lun *l = arg;
    char buf[8];
    int rc = vscsi_xb_read_str(ops, ctx, t, l->dev, "state", buf, sizeof(buf));

    if (l->remove) {
        if (rc < 0)
            return rc;
        rc = putu(ops, ctx, t, l->dev, "state", VSCSI_XB_CLOSING);
    } else {
        if (rc >= 0)
            return -EEXIST;
        if ((rc = put(ops, ctx, t, l->dev, "p-dev", l->pdev)) ||
            (rc = put(ops, ctx, t, l->dev, "v-dev", l->vdev)) ||
            (l->pdevname && (rc = put(ops, ctx, t, l->dev, "p-devname", l->pdevname))) ||
            (rc = putu(ops, ctx, t, l->dev, "state", VSCSI_XB_INITIALISING)))
            return rc;
    }
    if (rc == 0 && l->reconfigure)
        rc = putu(ops, ctx, t, l->be, "state", VSCSI_XB_RECONFIGURING);
    return rc;
}

static int lun_paths(struct ts_lun *l, const struct vscsi_ts_vhost *v, uint32_t devid)
{
    char fe[128];
    int rc = vscsi_ts_paths(v, l->be, sizeof(l->be), fe, sizeof(fe));
    int n = snprintf(l->dev, sizeof(l->dev), "%s/vscsi-devs/dev-%u", l->be, (unsigned)devid);
    l->v = v;
    return rc ? rc : (n < 0 || (size_t)n >= sizeof(l->dev)) ? -ENAMETOOLONG : 0;
}

int vscsi_ts_lun_add(const struct vscsi_platform_ops *ops, void *ctx,
                     const struct vscsi_ts_vhost *v, uint32_t devid, const char *pdev,
                     const char *vdev, const char *pdevname, int reconfigure)
{
    struct ts_lun l = {
        .pdev = pdev, .vdev = vdev, .pdevname = pdevname, .reconfigure = reconfigure};
    int rc;

    if (!pdev || !vdev || !*pdev || !*vdev)
        return -EINVAL;
    rc = lun_paths(&l, v, devid);
    return rc ? rc : ts_txn(ops, ctx, lun_body, &l);
}

int vscsi_ts_lun_remove(const struct vscsi_platform_ops *ops, void *ctx,
                        const struct vscsi_ts_vhost *v, uint32_t devid, int reconfigure)
{
    struct ts_lun l = {.reconfigure = reconfigure, .remove = 1};
    int rc = lun_paths(&l, v, devid);
    return rc ? rc : ts_txn(ops, ctx, lun_body, &l);
}

int vscsi_ts_lun_state(const struct vscsi_platform_ops *ops, void *ctx,
                       const struct vscsi_ts_vhost *v, uint32_t devid, enum vscsi_xb_state *lun,
                       enum vscsi_xb_state *vhost)
{
    struct ts_lun l = {0};
    int rc = lun_paths(&l, v, devid);
    if (rc)
        return rc;
    if (vhost && (rc = vscsi_xb_read_state(ops, ctx, VSCSI_XS_NO_TXN, l.be, "state", vhost)))
        return rc;
    return lun ? vscsi_xb_read_state(ops, ctx, VSCSI_XS_NO_TXN, l.dev, "state", lun) : 0;
}

int vscsi_ts_lun_reap(const struct vscsi_platform_ops *ops, void *ctx,
                      const struct vscsi_ts_vhost *v, uint32_t devid)
{
    struct ts_lun l = {0};
    enum vscsi_xb_state s;
    int rc = lun_paths(&l, v, devid);

    if (rc || (rc = vscsi_xb_read_state(ops, ctx, VSCSI_XS_NO_TXN, l.dev, "state", &s)))
        return rc;
    if (s != VSCSI_XB_CLOSED)
        return -EBUSY;
    return ops->xs_rm(ctx, VSCSI_XS_NO_TXN, l.dev);
}

int vscsi_ts_next_devid(const struct vscsi_platform_ops *ops, void *ctx,
                        const struct vscsi_ts_vhost *v, uint32_t *devid)
{
    char be[128], fe[128], dir[160], list[VSCSI_XB_MAX_DEVS * 32];
    uint8_t used[VSCSI_XB_MAX_DEVS] = {0};
    int rc = vscsi_ts_paths(v, be, sizeof(be), fe, sizeof(fe));

    if (rc)
        return rc;
    snprintf(dir, sizeof(dir), "%s/vscsi-devs", be);
    int n = ops->xs_directory(ctx, VSCSI_XS_NO_TXN, dir, list, sizeof(list));
    if (n < 0 && n != -ENOENT)
        return n;
    const char *p = list;
    for (int i = 0; i < n; i++) {
        const char *nul = memchr(p, '\0', (size_t)(list + sizeof(list) - p));
        uint32_t id;
        if (!nul)
            break;
        if (strncmp(p, "dev-", 4) == 0 &&
            vscsi_xb_parse_uint(p + 4, VSCSI_XB_MAX_DEVS - 1, &id) == 0)
            used[id] = 1;
        p = nul + 1;
    }
    for (uint32_t i = 0; i < VSCSI_XB_MAX_DEVS; i++)
        if (!used[i]) {
            *devid = i;
            return 0;
        }
    return -ENOSPC;
}

int vscsi_ts_vhost_close(const struct vscsi_platform_ops *ops, void *ctx,
                         const struct vscsi_ts_vhost *v)
{
    char be[128], fe[128];
    int rc = vscsi_ts_paths(v, be, sizeof(be), fe, sizeof(fe));

    if (rc || (rc = putu(ops, ctx, VSCSI_XS_NO_TXN, be, "online", 0)))
        return rc;
    return putu(ops, ctx, VSCSI_XS_NO_TXN, be, "state", VSCSI_XB_CLOSING);
}

int vscsi_ts_vhost_remove(const struct vscsi_platform_ops *ops, void *ctx,
                          const struct vscsi_ts_vhost *v)
{
    char be[128], fe[128];
    int rc = vscsi_ts_paths(v, be, sizeof(be), fe, sizeof(fe));

    if (rc)
        return rc;
    rc = ops->xs_rm(ctx, VSCSI_XS_NO_TXN, be);
    int rc2 = ops->xs_rm(ctx, VSCSI_XS_NO_TXN, fe);
    return rc ? rc : rc2;
}
