/* SPDX-License-Identifier: MIT */
/*
 * The backend's target interface (include/vscsiif/target.h) over the fake
 * SCSI target: p-dev strings name registered LUNs; commands execute at
 * submit, and an injected delay or hang only holds back their completion
 * until the clock passes it, or until an ABORT or LUN reset takes them.
 *
 * Used from the backend's thread only, like the engine itself.
 */
#ifndef VSCSI_SIM_BRIDGE_H
#define VSCSI_SIM_BRIDGE_H

#include <stdint.h>

#include "target/target.h"
#include "vscsiif/target.h"

struct vscsi_sim_bridge;

struct vscsi_sim_bridge *vscsi_sim_bridge_new(void);
void vscsi_sim_bridge_free(struct vscsi_sim_bridge *br);
/* Registers `lun` under the p-dev string `pdev` (not owned). 0, -EEXIST, -ENOSPC. */
int vscsi_sim_bridge_add(struct vscsi_sim_bridge *br, const char *pdev, struct vscsi_tgt_lun *lun);
const struct vscsi_target_ops *vscsi_sim_bridge_ops(void);
/* Sets the clock and completes every held command now due; returns how many. */
int vscsi_sim_bridge_poll(struct vscsi_sim_bridge *br, uint64_t now_us);
/* Earliest due time of a held command (hung ones excluded), UINT64_MAX if none. */
uint64_t vscsi_sim_bridge_next_due(const struct vscsi_sim_bridge *br);
/* Commands held now (delayed or hung). */
unsigned vscsi_sim_bridge_held(const struct vscsi_sim_bridge *br);

#endif
