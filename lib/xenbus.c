/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vscsiif/xenbus.h"

const char *vscsi_xb_state_str(unsigned state)
{
    static const char *const names[] = {
        "Unknown", "Initialising", "InitWait",      "Initialised",  "Connected",
        "Closing", "Closed",       "Reconfiguring", "Reconfigured",
    };
    return state < sizeof(names) / sizeof(names[0]) ? names[state] : "Invalid";
}

int vscsi_xb_parse_uint(const char *s, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;

    if (!s || !*s)
        return -EINVAL;
    if (s[0] == '0' && s[1] != '\0')
        return -EINVAL;
    /* Syntax first, so that "99999999999x" is -EINVAL, not -ERANGE. */
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return -EINVAL;
    for (const char *p = s; *p; p++) {
        v = v * 10 + (uint64_t)(*p - '0');
        if (v > max)
            return -ERANGE;
    }
    *out = (uint32_t)v;
    return 0;
}

int vscsi_xb_join(char *buf, size_t len, const char *dir, const char *name)
{
    int n = name ? snprintf(buf, len, "%s/%s", dir, name) : snprintf(buf, len, "%s", dir);

    if (n < 0 || (size_t)n >= len || (size_t)n > VSCSI_XB_PATH_MAX)
        return -ENAMETOOLONG;
    return 0;
}

int vscsi_xb_read_str(const struct vscsi_platform_ops *ops, void *ctx, vscsi_xs_txn t,
                      const char *dir, const char *name, char *buf, size_t len)
{
    char path[VSCSI_XB_PATH_MAX + 1];
    int rc = vscsi_xb_join(path, sizeof(path), dir, name);

    if (rc)
        return rc;
    rc = ops->xs_read(ctx, t, path, buf, len);
    if (rc < 0)
        return rc;
    for (int i = 0; i < rc; i++)
        if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] > 0x7e)
            return -EINVAL;
    return rc;
}

int vscsi_xb_read_uint(const struct vscsi_platform_ops *ops, void *ctx, vscsi_xs_txn t,
                       const char *dir, const char *name, uint32_t max, uint32_t *out)
{
    char buf[VSCSI_XB_VALUE_MAX];
    int rc = vscsi_xb_read_str(ops, ctx, t, dir, name, buf, sizeof(buf));

    if (rc == -E2BIG)
        return -ERANGE;
    if (rc < 0)
        return rc;
    return vscsi_xb_parse_uint(buf, max, out);
}

int vscsi_xb_read_state(const struct vscsi_platform_ops *ops, void *ctx, vscsi_xs_txn t,
                        const char *dir, const char *name, enum vscsi_xb_state *out)
{
    uint32_t v;
    int rc = vscsi_xb_read_uint(ops, ctx, t, dir, name, VSCSI_XB_RECONFIGURED, &v);

    if (rc == 0)
        *out = (enum vscsi_xb_state)v;
    return rc;
}

int vscsi_xb_write_uint(const struct vscsi_platform_ops *ops, void *ctx, vscsi_xs_txn t,
                        const char *dir, const char *name, uint32_t value)
{
    char path[VSCSI_XB_PATH_MAX + 1];
    char val[16];
    int rc = vscsi_xb_join(path, sizeof(path), dir, name);

    if (rc)
        return rc;
    snprintf(val, sizeof(val), "%u", (unsigned)value);
    return ops->xs_write(ctx, t, path, val);
}
