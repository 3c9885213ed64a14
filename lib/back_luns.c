/* SPDX-License-Identifier: MIT */
/* Backend engine: the vhost's LUN table, kept in step with vscsi-devs (docs/protocol.md §5.4-5.7).
 * Every scan reads everything again, so repeating a scan changes nothing. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "back_int.h"

static struct back_lun *by_name(struct vscsi_back *b, const char *name)
{
    for (unsigned i = 0; i < VSCSI_XB_MAX_DEVS; i++)
        if (b->luns[i].attached && strcmp(b->luns[i].name, name) == 0)
            return &b->luns[i];
    return NULL;
}

struct back_lun *vscsi__back_lun_find(struct vscsi_back *b, const struct vscsi_nexus *nx)
{
    for (unsigned i = 0; i < VSCSI_XB_MAX_DEVS; i++) {
        struct back_lun *l = &b->luns[i];
        if (l->attached && l->nx.channel == nx->channel && l->nx.id == nx->id &&
            l->nx.lun == nx->lun)
            return l;
    }
    return NULL;
}

void vscsi__back_lun_put(struct vscsi_back *b, struct back_lun *l)
{
    if (l->refs)
        l->refs--;
    if (!l->attached && l->refs == 0 && l->used) {
        if (b->cfg.target->close)
            b->cfg.target->close(b->cfg.target_ctx, l->tlun);
        memset(l, 0, sizeof(*l));
    }
}

static void detach(struct vscsi_back *b, struct back_lun *l)
{
    /* In-flight commands keep their reference; new ones get NO_CONNECT. */
    l->attached = 0;
    l->refs++;
    vscsi__back_lun_put(b, l);
}

void vscsi__back_luns_close_all(struct vscsi_back *b)
{
    for (unsigned i = 0; i < VSCSI_XB_MAX_DEVS; i++)
        if (b->luns[i].attached)
            detach(b, &b->luns[i]);
}

static int write_dev_state(struct vscsi_back *b, const char *devdir, enum vscsi_xb_state s)
{
    return vscsi_xb_write_uint(b->cfg.ops, b->cfg.ops_ctx, VSCSI_XS_NO_TXN, devdir, "state",
                               (uint32_t)s);
}

/* Adds one LUN; returns 0 or why not (bad nodes, duplicate nexus, no device). */
static int add_lun(struct vscsi_back *b, const char *name, const char *devdir)
{
    char pdev[VSCSI_PDEV_STR_SIZE];
    char vdev_s[VSCSI_VDEV_STR_SIZE];
    struct vscsi_vdev vdev;
    struct back_lun *slot = NULL;
    void *tlun = NULL;
    int rc;

    rc = vscsi_xb_read_str(b->cfg.ops, b->cfg.ops_ctx, VSCSI_XS_NO_TXN, devdir, "p-dev", pdev,
                           sizeof(pdev));
    if (rc < 0)
        return rc;
    if (rc == 0)
        return -EINVAL;
    rc = vscsi_xb_read_str(b->cfg.ops, b->cfg.ops_ctx, VSCSI_XS_NO_TXN, devdir, "v-dev", vdev_s,
                           sizeof(vdev_s));
    if (rc < 0)
        return rc;
    rc = vscsi_vdev_parse(vdev_s, &vdev, NULL);
    if (rc)
        return rc;
    if (vscsi__back_lun_find(b, &vdev.nexus))
        return -EEXIST;
    for (unsigned i = 0; i < VSCSI_XB_MAX_DEVS && !slot; i++)
        if (!b->luns[i].used)
            slot = &b->luns[i];
    if (!slot)
        return -ENOSPC;
    rc = b->cfg.target->open(b->cfg.target_ctx, pdev, &tlun);
    if (rc)
        return rc < 0 ? rc : -ENODEV;
    slot->used = 1;
    slot->attached = 1;
    snprintf(slot->name, sizeof(slot->name), "%s", name);
    slot->nx = vdev.nexus;
    slot->tlun = tlun;
    slot->refs = 0;
    vscsi__back_trace_msg(b, "lun %s %s -> %u:%u:%u", name, pdev, vdev.nexus.channel, vdev.nexus.id,
                          vdev.nexus.lun);
    return 0;
}

static void scan_one(struct vscsi_back *b, const char *name)
{
    char devdir[VSCSI_XB_PATH_MAX + 1];
    char sub[VSCSI_XB_PATH_MAX + 1];
    enum vscsi_xb_state s;
    struct back_lun *have;
    int rc;

    if (strncmp(name, "dev-", 4) != 0 || strlen(name) >= BACK_NAME_MAX)
        return;
    if (vscsi_xb_join(sub, sizeof(sub), b->dev_path, "vscsi-devs") ||
        vscsi_xb_join(devdir, sizeof(devdir), sub, name))
        return;
    if (vscsi_xb_read_state(b->cfg.ops, b->cfg.ops_ctx, VSCSI_XS_NO_TXN, devdir, "state", &s))
        return; /* unreadable or absurd: not ours to guess */
    have = by_name(b, name);
    switch (s) {
    case VSCSI_XB_INITIALISING:
        rc = have ? 0 : add_lun(b, name, devdir);
        if (rc)
            vscsi__back_trace_msg(b, "lun %s refused: %d", name, rc);
        write_dev_state(b, devdir, rc ? VSCSI_XB_CLOSED : VSCSI_XB_INITIALISED);
        break;
    case VSCSI_XB_CONNECTED:
        /* After a reconnect or migration: re-add quietly, never write 6. */
        if (!have && add_lun(b, name, devdir) == 0)
            write_dev_state(b, devdir, VSCSI_XB_INITIALISED);
        break;
    case VSCSI_XB_CLOSING:
        if (have)
            detach(b, have);
        write_dev_state(b, devdir, VSCSI_XB_CLOSED);
        break;
    default:
        break;
    }
}

int vscsi__back_scan_luns(struct vscsi_back *b)
{
    /* Room for the maximum number of children with maximal names. */
    static const size_t cap = VSCSI_XB_MAX_DEVS * BACK_NAME_MAX;
    char list[VSCSI_XB_MAX_DEVS * BACK_NAME_MAX];
    char dir[VSCSI_XB_PATH_MAX + 1];
    int n;

    if (!b->cfg.ops->xs_directory || vscsi_xb_join(dir, sizeof(dir), b->dev_path, "vscsi-devs"))
        return -EINVAL;
    n = b->cfg.ops->xs_directory(b->cfg.ops_ctx, VSCSI_XS_NO_TXN, dir, list, cap);
    if (n == -ENOENT)
        return 0;
    if (n < 0) {
        vscsi__back_trace_msg(b, "vscsi-devs unreadable: %d", n);
        return n;
    }
    /* Past the table's size add_lun() refuses (state 6) rather than leaving
     * children unanswered. */
    const char *p = list;
    for (int i = 0; i < n && p < list + cap; i++) {
        const char *nul = memchr(p, '\0', (size_t)(list + cap - p));
        if (!nul)
            break;
        scan_one(b, p);
        p = nul + 1;
    }
    return 0;
}

/* Frontend Connected: LUNs it has seen (backend state 3) become 4. */
void vscsi__back_promote_luns(struct vscsi_back *b)
{
    char dir[VSCSI_XB_PATH_MAX + 1], devdir[VSCSI_XB_PATH_MAX + 1];
    enum vscsi_xb_state s;

    if (vscsi_xb_join(dir, sizeof(dir), b->dev_path, "vscsi-devs"))
        return;
    for (unsigned i = 0; i < VSCSI_XB_MAX_DEVS; i++) {
        struct back_lun *l = &b->luns[i];
        if (!l->attached || vscsi_xb_join(devdir, sizeof(devdir), dir, l->name))
            continue;
        if (vscsi_xb_read_state(b->cfg.ops, b->cfg.ops_ctx, VSCSI_XS_NO_TXN, devdir, "state", &s) ==
                0 &&
            s == VSCSI_XB_INITIALISED)
            write_dev_state(b, devdir, VSCSI_XB_CONNECTED);
    }
}
