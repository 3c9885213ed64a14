/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include "attach_core.h"
#include "tools.h"
#include "vscsi_cli.h"

int vscsi_tool_parse_domid(const char *s, uint16_t *out)
{
    uint32_t v;
    int rc = vscsi_xb_parse_uint(s, 0x7fefu, &v);
    if (rc)
        return rc;
    *out = (uint16_t)v;
    return 0;
}

int vscsi_tool_arg_domid(const char *prog, const char *what, const char *s, uint16_t *out)
{
    uint64_t v;
    int rc = vscsi_cli_u64(prog, what, s, 0, 0x7fefu, &v);
    if (rc == 0)
        *out = (uint16_t)v;
    return rc;
}

uint64_t vscsi_tool_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int vscsi_tool_wait_state(const struct vscsi_platform_ops *ops, void *ctx, const char *dir,
                          const char *name, enum vscsi_xb_state want, unsigned timeout_ms)
{
    uint64_t end = vscsi_tool_now_ms() + timeout_ms;
    struct timespec nap = {0, 50 * 1000 * 1000};

    for (;;) {
        enum vscsi_xb_state s;
        int rc = vscsi_xb_read_state(ops, ctx, VSCSI_XS_NO_TXN, dir, name, &s);
        if (rc == 0 && s == want)
            return 0;
        if (rc && rc != -ENOENT)
            return rc;
        if (vscsi_tool_now_ms() >= end)
            return -ETIMEDOUT;
        /* Polling keeps the tools free of watch plumbing; 50 ms is far below the drivers' pace. */
        nanosleep(&nap, NULL);
    }
}

int vscsi_tool_find_vdev(const struct vscsi_platform_ops *ops, void *ctx, const char *be,
                         const struct vscsi_vdev *vdev, uint32_t *devid)
{
    static char list[VSCSI_XB_MAX_DEVS * 24];
    char dir[VSCSI_XB_PATH_MAX + 1], devdir[VSCSI_XB_PATH_MAX + 1], s[VSCSI_VDEV_STR_SIZE];
    int n = vscsi_xb_join(dir, sizeof(dir), be, "vscsi-devs");

    if (n)
        return n;
    n = ops->xs_directory(ctx, VSCSI_XS_NO_TXN, dir, list, sizeof(list));
    if (n < 0)
        return n;
    for (const char *p = list; n-- > 0; p += strlen(p) + 1) {
        struct vscsi_vdev v;
        uint32_t id;
        if (strncmp(p, "dev-", 4) != 0 || vscsi_xb_parse_uint(p + 4, UINT32_MAX, &id) ||
            vscsi_xb_join(devdir, sizeof(devdir), dir, p) ||
            vscsi_xb_read_str(ops, ctx, VSCSI_XS_NO_TXN, devdir, "v-dev", s, sizeof(s)) < 0 ||
            vscsi_vdev_parse(s, &v, NULL))
            continue;
        if (v.nexus.channel == vdev->nexus.channel && v.nexus.id == vdev->nexus.id &&
            v.nexus.lun == vdev->nexus.lun) {
            *devid = id;
            return 0;
        }
    }
    return -ENOENT;
}

int vscsi_tool_arg_domain(const char *prog, const char *what, const char *s,
                          struct vscsi_tool_dom *out)
{
    memset(out, 0, sizeof(*out));
    if (s[0] >= '0' && s[0] <= '9')
        return vscsi_tool_arg_domid(prog, what, s, &out->id);
    if (!vscsi_att_name_ok(s))
        return vscsi_cli_usage_error(prog,
                                     "%s: '%s' is neither a domid nor a domain name "
                                     "([A-Za-z0-9_.-], 1-64)",
                                     what, s);
    out->by_name = 1;
    snprintf(out->name, sizeof(out->name), "%s", s);
    return 0;
}

int vscsi_tool_dom_resolve(const char *prog, const struct vscsi_platform_ops *ops, void *ctx,
                           struct vscsi_tool_dom *d)
{
    int rc;
    if (!d->by_name)
        return 0;
    rc = vscsi_att_domid_by_name(ops, ctx, d->name, &d->id);
    if (rc == -ENOENT)
        fprintf(stderr, "%s: no running domain is called '%s'\n", prog, d->name);
    else if (rc == -EEXIST)
        fprintf(stderr, "%s: more than one domain is called '%s': give its domid\n", prog, d->name);
    else if (rc)
        fprintf(stderr, "%s: looking up domain '%s': %s\n", prog, d->name, strerror(-rc));
    return rc;
}
