/* SPDX-License-Identifier: MIT */
/*
 * Adding a set of LUNs to a domain, all or nothing: what `vscsi scsi-attach
 * --config`, vscsi-attach and the daemon's persistent attachments share. Only
 * the platform ops are used, so it runs against the simulator's XenStore.
 */
#ifndef VSCSI_ATTACH_CORE_H
#define VSCSI_ATTACH_CORE_H

#include <stddef.h>
#include <stdint.h>

#include "vscsiif/devstr.h"
#include "vscsiif/platform.h"

#define VSCSI_ATT_MAX 256

/* One LUN to add, checked in full before anything is opened. */
struct vscsi_att_item {
    char arg[VSCSI_PDEV_STR_SIZE];  /* as given (a /dev path is kept as p-devname) */
    char pdev[VSCSI_PDEV_STR_SIZE]; /* canonical */
    struct vscsi_vdev vd;
    int feature_host;
};

/* What apply did to one item, for the caller to print or wait on. */
struct vscsi_att_done {
    uint32_t vhost, devid;
    int created_vhost; /* this call made the vhost */
    int hotplug;       /* the vhost was connected: added through Reconfiguring */
};

/* Fills an item from a p-dev argument and a v-dev: 0 or -errno with msg. */
int vscsi_att_item_fill(struct vscsi_att_item *it, const char *pdev_arg,
                        const struct vscsi_vdev *vd, int feature_host, char *msg, size_t len);
/* The items of an xl config's vscsi=[...] setting: count (>= 1) or -errno with msg. */
int vscsi_att_items_from_text(const char *text, struct vscsi_att_item *items, size_t max, char *msg,
                              size_t len);

/* Adds every item to domain fdom's vhosts served by bdom (vhost = the v-dev's h, created
 * when absent). On any failure everything this call wrote is undone (LUNs it added to a
 * vhost that was not connected are deleted, a connected vhost is asked to hot-remove them,
 * vhosts it created are removed) and the error returned with msg. done[] (n entries,
 * may be NULL) says what happened to each. */
int vscsi_att_apply(const struct vscsi_platform_ops *ops, void *ctx, uint16_t bdom, uint16_t fdom,
                    const struct vscsi_att_item *items, size_t n, struct vscsi_att_done *done,
                    char *msg, size_t len);

/* A domain name as xl allows and as it may safely become a file name: 1-64 of
 * [A-Za-z0-9_.-], not starting with '.' or '-'. */
int vscsi_att_name_ok(const char *name);
/* The live domain called name (/local/domain/<id>/name): 0, -ENOENT, -EEXIST (two). */
int vscsi_att_domid_by_name(const struct vscsi_platform_ops *ops, void *ctx, const char *name,
                            uint16_t *domid);

#endif
