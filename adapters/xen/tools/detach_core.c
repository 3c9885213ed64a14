/* SPDX-License-Identifier: MIT */
/* Removing one LUN: what vscsi-detach and `vscsi scsi-detach` share. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tools.h"
#include "vscsiif/toolstack.h"

int vscsi_tool_detach_lun(const struct vscsi_platform_ops *ops, void *x,
                          const struct vscsi_ts_vhost *v, const struct vscsi_vdev *vd,
                          unsigned tmo_ms, int force, char *msg, size_t len)
{
    char be[128], fe[128], devdir[200];
    enum vscsi_xb_state vst = VSCSI_XB_UNKNOWN;
    uint32_t devid;
    int rc;

    vscsi_ts_paths(v, be, sizeof(be), fe, sizeof(fe));
    rc = vscsi_tool_find_vdev(ops, x, be, vd, &devid);
    if (rc) {
        snprintf(msg, len, "no LUN with that v-dev under %s", be);
        return rc;
    }
    snprintf(devdir, sizeof(devdir), "%s/vscsi-devs/dev-%u", be, (unsigned)devid);
    vscsi_xb_read_state(ops, x, VSCSI_XS_NO_TXN, be, "state", &vst);
    if (vst != VSCSI_XB_CONNECTED) {
        /* Nobody serves it yet (or any more): the nodes can simply go. */
        rc = ops->xs_rm(x, VSCSI_XS_NO_TXN, devdir);
        if (rc)
            snprintf(msg, len, "%s: %s", devdir, strerror(-rc));
        else
            snprintf(msg, len, "%s: removed (vhost %s)", devdir, vscsi_xb_state_str(vst));
        return rc;
    }
    rc = vscsi_ts_lun_remove(ops, x, v, devid, 1);
    if (rc) {
        snprintf(msg, len, "%s: %s", devdir, strerror(-rc));
        return rc;
    }
    /* docs/protocol.md §5.7: the vhost returns to Connected, then the LUN reads Closed. */
    rc = vscsi_tool_wait_state(ops, x, be, "state", VSCSI_XB_CONNECTED, tmo_ms);
    if (rc == 0)
        rc = vscsi_tool_wait_state(ops, x, devdir, "state", VSCSI_XB_CLOSED, tmo_ms);
    if (rc == 0)
        rc = vscsi_ts_lun_reap(ops, x, v, devid);
    else if (force)
        rc = ops->xs_rm(x, VSCSI_XS_NO_TXN, devdir);
    if (rc) {
        snprintf(msg, len, "%s: backend did not release it: %s", devdir, strerror(-rc));
        return rc;
    }
    snprintf(msg, len, "%s: removed", devdir);
    return 0;
}
