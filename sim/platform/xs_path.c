/* SPDX-License-Identifier: MIT */
/* XenStore path rules: character set, shape, length, relative paths. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "xs_internal.h"

static bool valid_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '@' || c == '/' || c == ':' || c == '.' || c == '-';
}

size_t vscsi_sim_xs_home(uint16_t domid, char *buf, size_t len)
{
    int n = snprintf(buf, len, "/local/domain/%u/", (unsigned)domid);
    return n < 0 ? 0 : (size_t)n;
}

/* Absolute: "/" alone, or "/" components separated by single slashes. */
static bool valid_abs(const char *p)
{
    if (p[0] != '/')
        return false;
    if (p[1] == '\0')
        return true;
    for (const char *c = p; *c; c++) {
        if (!valid_char(*c))
            return false;
        if (*c == '/' && (c[1] == '/' || c[1] == '\0'))
            return false;
    }
    return true;
}

int vscsi_sim_xs_canon(uint16_t domid, const char *in, char out[VSCSI_SIM_XS_PATHBUF],
                       bool *relative)
{
    if (!in || !*in)
        return -EINVAL;
    bool rel = in[0] != '/';
    if (relative)
        *relative = rel && in[0] != '@';
    size_t inlen = strlen(in);
    if (in[0] == '@') {
        /* Special watch names ("@introduceDomain", "@releaseDomain"). */
        if (inlen > VSCSI_SIM_XS_PATH_MAX || strchr(in, '/'))
            return -EINVAL;
        for (const char *c = in; *c; c++)
            if (!valid_char(*c))
                return -EINVAL;
        memcpy(out, in, inlen + 1);
        return 1;
    }
    size_t pre = rel ? vscsi_sim_xs_home(domid, out, VSCSI_SIM_XS_PATHBUF) : 0;
    if (pre + inlen > VSCSI_SIM_XS_PATH_MAX)
        return -EINVAL;
    memcpy(out + pre, in, inlen + 1);
    return valid_abs(out) ? 0 : -EINVAL;
}

bool vscsi_sim_xs_is_under(const char *parent, const char *child)
{
    size_t n = strlen(parent);
    if (n == 1 && parent[0] == '/')
        return child[0] == '/';
    return strncmp(parent, child, n) == 0 && (child[n] == '\0' || child[n] == '/');
}
