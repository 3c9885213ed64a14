/* SPDX-License-Identifier: MIT */
/* Helpers shared by the vscsi-* tools: sysfs resolution, argument parsing, bounded waits. */
#ifndef VSCSI_XEN_TOOLS_H
#define VSCSI_XEN_TOOLS_H

#include <stddef.h>
#include <stdint.h>

#include "vscsi_xen.h"
#include "vscsiif/devstr.h"
#include "vscsiif/platform.h"
#include "vscsiif/xenbus.h"

/* /dev/sgN, /dev/sdX, /dev/stN, /dev/disk/by-* links...: the SCSI device's
 * h:c:t:l through /sys/dev/{char,block}/<maj>:<min>/device. 0 or -errno,
 * with a reason in msg. $VSCSI_SYSFS replaces /sys (tests). */
int vscsi_tool_dev_to_hctl(const char *path, struct vscsi_hctl *out, char *msg, size_t msglen);
/* The /dev/sgN of a SCSI device h:c:t:l (its scsi_generic child in sysfs). */
int vscsi_tool_hctl_to_sg(const struct vscsi_hctl *h, char *dev, size_t len);

/* Decimal domid < 0x7ff0, canonical as XenStore writes it (for names read from the store). */
int vscsi_tool_parse_domid(const char *s, uint16_t *out);
/* A domid on the command line (what names the value, e.g. "--backend" or "DOMID"): the
 * tools' number rules, 0..32751; 0 or VSCSI_EXIT_USAGE after saying why. */
int vscsi_tool_arg_domid(const char *prog, const char *what, const char *s, uint16_t *out);
uint64_t vscsi_tool_now_ms(void);
/* Polls dir/name until it reads `want` or timeout_ms passes: 0, -ETIMEDOUT, or the read error
 * (-ENOENT counts as "not yet"). */
int vscsi_tool_wait_state(const struct vscsi_platform_ops *ops, void *ctx, const char *dir,
                          const char *name, enum vscsi_xb_state want, unsigned timeout_ms);
/* A p-dev argument as the toolstack writes it: /dev paths resolved to h:c:t:l. */
int vscsi_tool_pdev_canon(const char *arg, char *out, size_t len, char *msg, size_t msglen);

/* devid of the LUN under be/vscsi-devs whose v-dev equals vdev (compared parsed):
 * 0, -ENOENT, or a read error. */
int vscsi_tool_find_vdev(const struct vscsi_platform_ops *ops, void *ctx, const char *be,
                         const struct vscsi_vdev *vdev, uint32_t *devid);

/* A domain on the command line: a domid (the number rules above) or a name as xl allows
 * ([A-Za-z0-9_.-], 1-64, resolved once XenStore is open). 0 or VSCSI_EXIT_USAGE. */
struct vscsi_tool_dom {
    uint16_t id;
    int by_name;
    char name[72];
};
int vscsi_tool_arg_domain(const char *prog, const char *what, const char *s,
                          struct vscsi_tool_dom *out);
/* The domid (a name looked up in /local/domain/<id>/name): 0, or -errno after saying why. */
int vscsi_tool_dom_resolve(const char *prog, const struct vscsi_platform_ops *ops, void *ctx,
                           struct vscsi_tool_dom *d);

/* The LIO xen-pvscsi LUN serving a device node (what the kernel's xen-scsiback names it):
 * "naa.<wwn>:<lun>" from configfs target/xen-pvscsi/<wwn>/tpgt_N/lun/lun_M whose backing
 * device's udev_path is that node. 0, -ENOENT (no such LUN: the kernel backend does not
 * serve it), other -errno. $VSCSI_CONFIGFS replaces /sys/kernel/config (tests). */
int vscsi_tool_dev_to_naa(const char *dev, char *out, size_t len);

/* Removes LUN vd of vhost v (through Reconfiguring when connected, waiting up to tmo_ms
 * for the drivers; force removes the nodes anyway). 0 or -errno with msg. */
struct vscsi_ts_vhost;
int vscsi_tool_detach_lun(const struct vscsi_platform_ops *ops, void *ctx,
                          const struct vscsi_ts_vhost *v, const struct vscsi_vdev *vd,
                          unsigned tmo_ms, int force, char *msg, size_t len);
#endif
