/* SPDX-License-Identifier: MIT */
/* SG_IO passthrough of a real SCSI device (/dev/sgN) for vscsi-back. */
#ifndef VSCSI_XEN_SGIO_H
#define VSCSI_XEN_SGIO_H

#include "vscsiif/target.h"

struct vscsi_sg_lun;

/* pdev: "/dev/sgN" or "h:c:t:l" (resolved through sysfs). 0, -ENODEV, -errno. */
int vscsi_sg_open(const char *pdev, struct vscsi_sg_lun **out);
void vscsi_sg_close(struct vscsi_sg_lun *l);
/* Runs the command synchronously and completes it through vscsi_back_complete*(). */
void vscsi_sg_exec(struct vscsi_sg_lun *l, struct vscsi_target_cmd *cmd, unsigned timeout_ms);
/* LUN reset (SG_SCSI_RESET_DEVICE). */
int vscsi_sg_reset(struct vscsi_sg_lun *l);
const char *vscsi_sg_name(const struct vscsi_sg_lun *l);

#endif
