/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attach_core.h"
#include "tools.h"
#include "vscsiif/toolstack.h"
#include "vscsiif/xenbus.h"

int vscsi_att_item_fill(struct vscsi_att_item *it, const char *pdev_arg,
                        const struct vscsi_vdev *vd, int feature_host, char *msg, size_t len)
{
    int rc;

    if (strlen(pdev_arg) >= sizeof(it->arg)) {
        snprintf(msg, len, "p-dev too long");
        return -ENAMETOOLONG;
    }
    strcpy(it->arg, pdev_arg);
    if ((rc = vscsi_tool_pdev_canon(pdev_arg, it->pdev, sizeof(it->pdev), msg, len)))
        return rc;
    it->vd = *vd;
    it->feature_host = feature_host;
    return 0;
}

int vscsi_att_items_from_text(const char *text, struct vscsi_att_item *items, size_t max, char *msg,
                              size_t len)
{
    struct vscsi_config_entry *e = calloc(max ? max : 1, sizeof(*e));
    struct vscsi_parse_error err;
    size_t n = 0;
    int rc;

    if (!e) {
        snprintf(msg, len, "out of memory");
        return -ENOMEM;
    }
    rc = vscsi_config_parse_file(text, e, max, &n, &err);
    if (rc) {
        snprintf(msg, len, "%s", rc == -ENOENT ? "no vscsi setting" : err.message);
    } else if (n == 0) {
        snprintf(msg, len, "the vscsi setting lists no LUN");
        rc = -ENOENT;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        char pdev[VSCSI_PDEV_STR_SIZE];
        vscsi_pdev_format(&e[i].pdev, pdev, sizeof(pdev));
        rc = vscsi_att_item_fill(&items[i], pdev, &e[i].vdev, e[i].feature_host, msg, len);
    }
    free(e);
    return rc ? rc : (int)n;
}

/* Newest first; a vhost this call created goes whole, with its LUNs. */
static void undo(const struct vscsi_platform_ops *ops, void *ctx, uint16_t bdom, uint16_t fdom,
                 const struct vscsi_att_done *d, const int *added, size_t n)
{
    for (size_t i = n; i-- > 0;) {
        struct vscsi_ts_vhost v = {bdom, fdom, d[i].vhost, 0};
        char be[128], fe[128], dev[200];
        if (d[i].created_vhost) {
            vscsi_ts_vhost_remove(ops, ctx, &v); /* -ENOENT the second time: fine */
            continue;
        }
        if (!added[i])
            continue;
        if (d[i].hotplug) {
            vscsi_ts_lun_remove(ops, ctx, &v, d[i].devid, 1);
            continue;
        }
        if (vscsi_ts_paths(&v, be, sizeof(be), fe, sizeof(fe)) == 0 &&
            snprintf(dev, sizeof(dev), "%s/vscsi-devs/dev-%u", be, (unsigned)d[i].devid) <
                (int)sizeof(dev))
            ops->xs_rm(ctx, VSCSI_XS_NO_TXN, dev);
    }
}

static int apply_one(const struct vscsi_platform_ops *ops, void *ctx, uint16_t bdom, uint16_t fdom,
                     const struct vscsi_att_item *it, struct vscsi_att_done *d, size_t i, char *msg,
                     size_t len)
{
    struct vscsi_ts_vhost v = {bdom, fdom, it->vd.host, (uint8_t)(it->feature_host ? 1 : 0)};
    char be[128], fe[128], vdev[VSCSI_VDEV_STR_SIZE];
    enum vscsi_xb_state vst = VSCSI_XB_UNKNOWN;
    uint32_t devid;
    int rc;

    vscsi_vdev_format(&it->vd, vdev, sizeof(vdev));
    if ((rc = vscsi_ts_paths(&v, be, sizeof(be), fe, sizeof(fe)))) {
        snprintf(msg, len, "%s: path too long", vdev);
        return rc;
    }
    d[i].vhost = it->vd.host;
    for (size_t j = 0; j < i; j++)
        if (d[j].vhost == it->vd.host && d[j].created_vhost)
            d[i].created_vhost = 1;
    rc = vscsi_xb_read_state(ops, ctx, VSCSI_XS_NO_TXN, be, "state", &vst);
    if (rc == -ENOENT) {
        if ((rc = vscsi_ts_vhost_create(ops, ctx, &v))) {
            snprintf(msg, len, "cannot create %s: %s", be, strerror(-rc));
            return rc;
        }
        d[i].created_vhost = 1;
        vst = VSCSI_XB_INITIALISING;
    } else if (rc) {
        snprintf(msg, len, "%s/state: %s", be, strerror(-rc));
        return rc;
    }
    if (vscsi_tool_find_vdev(ops, ctx, be, &it->vd, &devid) == 0) {
        snprintf(msg, len, "v-dev %s already used by dev-%u of %s", vdev, (unsigned)devid, be);
        return -EEXIST;
    }
    if ((rc = vscsi_ts_next_devid(ops, ctx, &v, &devid))) {
        snprintf(msg, len, "%s: no free devid: %s", be, strerror(-rc));
        return rc;
    }
    /* Only a connected vhost needs the hotplug dance; otherwise the scan at connect sees it. */
    d[i].hotplug = !d[i].created_vhost && vst == VSCSI_XB_CONNECTED;
    rc = vscsi_ts_lun_add(ops, ctx, &v, devid, it->pdev, vdev,
                          strcmp(it->pdev, it->arg) != 0 ? it->arg : NULL, d[i].hotplug);
    if (rc) {
        snprintf(msg, len, "cannot add %s as %s: %s", it->pdev, vdev, strerror(-rc));
        return rc;
    }
    d[i].devid = devid;
    return 0;
}

int vscsi_att_apply(const struct vscsi_platform_ops *ops, void *ctx, uint16_t bdom, uint16_t fdom,
                    const struct vscsi_att_item *items, size_t n, struct vscsi_att_done *done,
                    char *msg, size_t len)
{
    struct vscsi_att_done *d = calloc(n ? n : 1, sizeof(*d));
    int *added = calloc(n ? n : 1, sizeof(*added));
    int rc = 0;

    if (!d || !added) {
        free(d);
        free(added);
        snprintf(msg, len, "out of memory");
        return -ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        rc = apply_one(ops, ctx, bdom, fdom, &items[i], d, i, msg, len);
        if (rc) {
            undo(ops, ctx, bdom, fdom, d, added, i + 1);
            break;
        }
        added[i] = 1;
    }
    if (!rc && done)
        memcpy(done, d, n * sizeof(*d));
    free(d);
    free(added);
    return rc;
}

int vscsi_att_name_ok(const char *name)
{
    size_t n = strlen(name);

    if (n == 0 || n > 64 || name[0] == '.' || name[0] == '-')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

int vscsi_att_domid_by_name(const struct vscsi_platform_ops *ops, void *ctx, const char *name,
                            uint16_t *domid)
{
    static char list[65536];
    int n = ops->xs_directory(ctx, VSCSI_XS_NO_TXN, "/local/domain", list, sizeof(list));
    int found = 0;

    if (n < 0)
        return n;
    for (const char *p = list; n-- > 0; p += strlen(p) + 1) {
        char path[64], val[80];
        uint16_t id;
        if (vscsi_tool_parse_domid(p, &id))
            continue;
        snprintf(path, sizeof(path), "/local/domain/%u/name", (unsigned)id);
        if (ops->xs_read(ctx, VSCSI_XS_NO_TXN, path, val, sizeof(val)) < 0 || strcmp(val, name))
            continue;
        if (found++)
            return -EEXIST;
        *domid = id;
    }
    return found ? 0 : -ENOENT;
}
