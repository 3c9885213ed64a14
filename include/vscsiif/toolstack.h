/* SPDX-License-Identifier: MIT */
/*
 * The toolstack's part of PVSCSI, which upstream xl lacks: creating a vhost's
 * XenStore directories, adding and removing LUNs (hotplug through
 * Reconfiguring), and tearing the vhost down (docs/protocol.md §5.2-5.7).
 *
 * Runs in the toolstack domain (dom0) with the same platform ops as the
 * engines. Each call writes its nodes in one transaction (retried on
 * -EAGAIN) and returns; waiting for the drivers to react is the caller's
 * business (vscsi_ts_lun_state() reads where they are).
 */
#ifndef VSCSIIF_TOOLSTACK_H
#define VSCSIIF_TOOLSTACK_H

#include <stddef.h>
#include <stdint.h>

#include "vscsiif/common.h"
#include "vscsiif/platform.h"
#include "vscsiif/xenbus.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vscsi_ts_vhost {
    uint16_t backend_domid;
    uint16_t frontend_domid;
    uint32_t vhost;       /* devid: the "h" of the guest's v-devs */
    uint8_t feature_host; /* toolstack hint, docs/protocol.md §5.8 */
};

/* /local/domain/<b>/backend/vscsi/<f>/<vhost> and /local/domain/<f>/device/vscsi/<vhost>. */
VSCSI_API int vscsi_ts_paths(const struct vscsi_ts_vhost *v, char *be, size_t be_len, char *fe,
                             size_t fe_len);

/* Creates both directories (states Initialising, online 1), permissions so
 * that each side may read the other's directory and write only its own.
 * -EEXIST if the backend directory exists already. */
VSCSI_API int vscsi_ts_vhost_create(const struct vscsi_platform_ops *ops, void *ctx,
                                    const struct vscsi_ts_vhost *v);

/* Adds LUN dev-<devid>: p-dev, v-dev (and p-devname if not NULL), state 1.
 * With reconfigure (the vhost is connected) the backend state becomes 7 in
 * the same transaction, which starts the hotplug. -EEXIST if dev-<devid> exists. */
VSCSI_API int vscsi_ts_lun_add(const struct vscsi_platform_ops *ops, void *ctx,
                               const struct vscsi_ts_vhost *v, uint32_t devid, const char *pdev,
                               const char *vdev, const char *pdevname, int reconfigure);

/* Asks for LUN dev-<devid> to go: state 5 (+ backend state 7 with reconfigure). */
VSCSI_API int vscsi_ts_lun_remove(const struct vscsi_platform_ops *ops, void *ctx,
                                  const struct vscsi_ts_vhost *v, uint32_t devid, int reconfigure);

/* Deletes dev-<devid> once the backend reported it Closed (6); -EBUSY before. */
VSCSI_API int vscsi_ts_lun_reap(const struct vscsi_platform_ops *ops, void *ctx,
                                const struct vscsi_ts_vhost *v, uint32_t devid);

/* Backend state of LUN dev-<devid> and of the vhost. */
VSCSI_API int vscsi_ts_lun_state(const struct vscsi_platform_ops *ops, void *ctx,
                                 const struct vscsi_ts_vhost *v, uint32_t devid,
                                 enum vscsi_xb_state *lun, enum vscsi_xb_state *vhost);

/* The lowest devid not in use under vscsi-devs. */
VSCSI_API int vscsi_ts_next_devid(const struct vscsi_platform_ops *ops, void *ctx,
                                  const struct vscsi_ts_vhost *v, uint32_t *devid);

/* Starts the teardown: online 0, backend state Closing (5). */
VSCSI_API int vscsi_ts_vhost_close(const struct vscsi_platform_ops *ops, void *ctx,
                                   const struct vscsi_ts_vhost *v);
/* Removes both directories (after both sides are Closed). */
VSCSI_API int vscsi_ts_vhost_remove(const struct vscsi_platform_ops *ops, void *ctx,
                                    const struct vscsi_ts_vhost *v);

#ifdef __cplusplus
}
#endif

#endif
