/* SPDX-License-Identifier: MIT */
/* Issuing SCSI commands through a simulated frontend: a blocking call for
 * scripted sequences (tape, changer) and a completion record for queued I/O. */
#ifndef VSCSI_SIM_IO_H
#define VSCSI_SIM_IO_H

#include <stddef.h>
#include <stdint.h>

#include "scenario/world.h"
#include "vscsiif/response.h"

struct vscsi_sim_io {
    int done;
    struct vscsi_result res;
    size_t bytes;
    void (*on_done)(struct vscsi_sim_io *io);
    void *user;
};

/* The frontend completion callback to put in vscsi_sim_world_opts.done
 * (cb_ctx unused, user = struct vscsi_sim_io *). */
void vscsi_sim_io_done(void *cb_ctx, void *user, const struct vscsi_result *res, size_t bytes);

/* Submits one command and runs the world until it completes. Returns 0 with
 * *res filled, or the submit error (-EAGAIN retried internally). */
int vscsi_sim_cmd(struct vscsi_sim_world *w, uint32_t vhost, const struct vscsi_nexus *nx,
                  const uint8_t *cdb, uint8_t cdb_len, uint8_t dir, void *buf, size_t len,
                  struct vscsi_result *res, size_t *bytes);

/* 1 if the result is GOOD; 0 otherwise. */
int vscsi_sim_good(const struct vscsi_result *r);
/* Sense key / ASC / ASCQ of a CHECK CONDITION result (fixed format), -1 if none. */
int vscsi_sim_sense_key(const struct vscsi_result *r);
int vscsi_sim_sense_asc(const struct vscsi_result *r);

#endif
