/* SPDX-License-Identifier: MIT */
/*
 * The simulator's workloads, run through a frontend against the fake target:
 * - disk: queued random READ/WRITE(10) with every byte read checked against
 *   what was written (non-overlapping in flight), plus INQUIRY, TEST UNIT
 *   READY and READ CAPACITY, with transfers from one block to indirect sizes;
 * - tape: through the changer (autoloader) when there is one: load a
 *   cartridge, write records and filemarks, rewind, space, read back and
 *   compare, check the position, unload and check the element status;
 * - null: TEST UNIT READY only (the ring path without data).
 */
#ifndef VSCSI_SIM_WORKLOAD_H
#define VSCSI_SIM_WORKLOAD_H

#include <stdint.h>

#include "scenario/world.h"

struct vscsi_sim_lunref {
    struct vscsi_nexus nx;
    int kind; /* enum vscsi_tgt_kind */
};

struct vscsi_sim_report {
    uint64_t commands, reads, writes, other, bytes_read, bytes_written;
    uint64_t errors;          /* commands that did not end GOOD */
    uint64_t verify_failures; /* bytes read that differ from what was written */
    uint64_t tape_records, tape_filemarks, changer_moves;
    uint64_t elapsed_us;
    int failed; /* a check of the scenario failed (not an injected error) */
    char failure[160];
};

struct vscsi_sim_workload_opts {
    uint32_t vhost;
    unsigned queue_depth; /* 1..16 */
    uint64_t ops;         /* disk/null commands to issue (0 = until seconds) */
    double seconds;       /* wall-clock bound for disk/null (0 = ops only) */
    unsigned max_blocks;  /* largest disk transfer in blocks (default 256 = 128 KiB) */
    int progress;         /* print a progress line to stderr */
};

int vscsi_sim_run_disk(struct vscsi_sim_world *w, const struct vscsi_sim_workload_opts *o,
                       const struct vscsi_nexus *disk, struct vscsi_sim_report *r);
int vscsi_sim_run_null(struct vscsi_sim_world *w, const struct vscsi_sim_workload_opts *o,
                       const struct vscsi_nexus *lun, struct vscsi_sim_report *r);
/* changer may be NULL: then the tape must be loaded already. */
int vscsi_sim_run_tape(struct vscsi_sim_world *w, const struct vscsi_sim_workload_opts *o,
                       const struct vscsi_nexus *tape, const struct vscsi_nexus *changer,
                       struct vscsi_sim_report *r);

#endif
