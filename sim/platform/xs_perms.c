/* SPDX-License-Identifier: MIT */
/*
 * XenStore permissions with Xen's meaning: the first entry names the owner
 * (who may do anything) and the access everybody else gets by default; later
 * entries give specific domains their own access. Dom0 is privileged and
 * bypasses them all.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs_internal.h"

unsigned vscsi_sim_xs_perm_for(uint16_t domid, const struct vscsi_sim_xs_node *n)
{
    if (domid == 0 || domid == n->perms[0].domid)
        return VSCSI_XS_PERM_BOTH;
    for (uint32_t i = 1; i < n->nperms; i++)
        if (n->perms[i].domid == domid)
            return n->perms[i].perms;
    return n->perms[0].perms;
}

/* A new node copies its parent's permissions, but an unprivileged writer
 * becomes the owner of what it creates. */
int vscsi_sim_xs_perms_inherit(const struct vscsi_sim_xs_node *parent, uint16_t writer,
                               struct vscsi_xs_perm **out, uint32_t *nout)
{
    struct vscsi_xs_perm *p = malloc(sizeof(*p) * parent->nperms);
    if (!p)
        return -ENOMEM;
    memcpy(p, parent->perms, sizeof(*p) * parent->nperms);
    if (writer != 0)
        p[0].domid = writer;
    *out = p;
    *nout = parent->nperms;
    return 0;
}

int vscsi_sim_xs_perms_validate(const struct vscsi_xs_perm *p, unsigned n)
{
    /* The cap only keeps a single node's record bounded, as xenstored does. */
    if (!p || n == 0 || n > 256)
        return -EINVAL;
    for (unsigned i = 0; i < n; i++)
        if (p[i].perms > VSCSI_XS_PERM_BOTH || p[i].domid >= VSCSI_SIM_DOMID_MAX)
            return -EINVAL;
    return 0;
}

int vscsi_sim_xs_get_perms(struct vscsi_sim_hv *hv, const char *path, struct vscsi_xs_perm *out,
                           unsigned max)
{
    char abs[VSCSI_SIM_XS_PATHBUF];
    if (!path || path[0] != '/' || vscsi_sim_xs_canon(0, path, abs, NULL) != 0)
        return -EINVAL;
    pthread_mutex_lock(&hv->xs_lock);
    const struct vscsi_sim_xs_node *n = vscsi_sim_xs_lookup(hv->xs->root, abs);
    int rc = -ENOENT;
    if (n) {
        for (uint32_t i = 0; i < n->nperms && i < max; i++)
            out[i] = n->perms[i];
        rc = (int)n->nperms;
    }
    pthread_mutex_unlock(&hv->xs_lock);
    return rc;
}
