/* SPDX-License-Identifier: MIT */
/*
 * Persistent attachments: the daemon's watcher of domains. When a domain appears
 * (@introduceDomain, or its name node is written later) whose name has
 * attachments (the lookup callback, e.g. <domains-dir>/<name>.cfg), its vhosts and
 * LUNs are written for it, all or nothing; when a domain dies (@releaseDomain)
 * its backend nodes and its device/vscsi directory are removed. Backend nodes of
 * domains that are already dead are reaped at start. Platform ops only: it runs
 * against the simulator's XenStore.
 */
#ifndef VSCSI_ATTMGR_H
#define VSCSI_ATTMGR_H

#include <stddef.h>
#include <stdint.h>

#include "attach_core.h"
#include "vscsiif/platform.h"

#define VSCSI_AM_MAX_DOMS 256

struct vscsi_am_config {
    const struct vscsi_platform_ops *ops;
    void *ctx;
    uint16_t backend; /* the domain whose backend/vscsi the attachments go under */
    /* The attachments of the domain called name: count (0 = none), or -errno with msg
     * (the domain then gets nothing, the reason is logged). */
    int (*lookup)(void *arg, const char *name, struct vscsi_att_item *items, size_t max, char *msg,
                  size_t len);
    /* 1 if domid is a live domain. NULL: /local/domain/<id> exists (xl removes it when
     * the domain is destroyed). */
    int (*alive)(void *arg, uint16_t domid);
    void (*log)(void *arg, int level, const char *msg); /* syslog levels; may be NULL */
    void *arg;
};

struct vscsi_am;

int vscsi_am_new(const struct vscsi_am_config *cfg, struct vscsi_am **out);
void vscsi_am_free(struct vscsi_am *am);
/* Sets the watches and does a first scan (reaping what is stale, attaching what is due). */
int vscsi_am_start(struct vscsi_am *am);
/* A watch event: 1 if it was the manager's (handled), 0 if not. */
int vscsi_am_handle_watch(struct vscsi_am *am, const char *path, const char *token);
/* Looks at every domain again (after a config reload, say). */
void vscsi_am_scan(struct vscsi_am *am);

struct vscsi_am_stats {
    uint64_t attached, failed, reaped, bad_names;
};
void vscsi_am_stats(const struct vscsi_am *am, struct vscsi_am_stats *out);

/* The lookup the daemon uses: dir/<name>.cfg, an xl domain config (only its vscsi=[...]
 * setting is read). No file: 0. A file that is unreadable, too large or whose vscsi
 * setting is malformed: -errno with msg naming the file. */
int vscsi_am_lookup_dir(const char *dir, const char *name, struct vscsi_att_item *items, size_t max,
                        char *msg, size_t len);
#endif
