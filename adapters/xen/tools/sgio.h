/* SPDX-License-Identifier: MIT */
/* SG_IO passthrough of a real SCSI device (/dev/sgN) for vscsi-back. */
#ifndef VSCSI_XEN_SGIO_H
#define VSCSI_XEN_SGIO_H

#include <stddef.h>
#include <stdint.h>

#include "vscsiif/target.h"

struct vscsi_sg_lun;

/* Before any open: feature-sg-grant the backend advertises (0 = none), which
 * bounds every command and the limits reported to the guest. */
void vscsi_sg_set_transport(uint32_t max_segs);
/* Before any open: per-opcode timeouts "OP=SEC[,...]" that win over the
 * device's own figures (vscsi-back --sg-op-timeout). 0, or -EINVAL + msg. */
int vscsi_sg_set_timeouts(const char *spec, char *msg, size_t msglen);

/* pdev: "/dev/sgN" or "h:c:t:l" (resolved through sysfs). 0, -ENODEV, -errno.
 * Opening learns the device type and its RSOC command timeouts, the host
 * queue limits (sysfs) and raises the sg reserved buffer to one command. */
int vscsi_sg_open(const char *pdev, struct vscsi_sg_lun **out);
void vscsi_sg_close(struct vscsi_sg_lun *l);
/* Runs the command synchronously and completes it once through
 * vscsi_back_complete*(). timeout_ms is the floor (--sg-timeout): tapes and
 * changers get longer per-command timeouts (sg_policy.h). A command with more
 * data than passes is refused with CHECK CONDITION, never cut; a Block Limits
 * or READ BLOCK LIMITS reply is lowered to what passes. */
void vscsi_sg_exec(struct vscsi_sg_lun *l, struct vscsi_target_cmd *cmd, unsigned timeout_ms);
/* LUN reset (SG_SCSI_RESET_DEVICE). */
int vscsi_sg_reset(struct vscsi_sg_lun *l);
const char *vscsi_sg_name(const struct vscsi_sg_lun *l);

#endif
