/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "scenario/io.h"

void vscsi_sim_io_done(void *cb_ctx, void *user, const struct vscsi_result *res, size_t bytes)
{
    struct vscsi_sim_io *io = user;

    (void)cb_ctx;
    if (!io)
        return;
    io->res = *res;
    io->bytes = bytes;
    io->done = 1;
    if (io->on_done)
        io->on_done(io);
}

int vscsi_sim_cmd(struct vscsi_sim_world *w, uint32_t vhost, const struct vscsi_nexus *nx,
                  const uint8_t *cdb, uint8_t cdb_len, uint8_t dir, void *buf, size_t len,
                  struct vscsi_result *res, size_t *bytes)
{
    struct vscsi_front *f = vscsi_sim_world_front(w, vhost);
    struct vscsi_front_io fio = {*nx, cdb, cdb_len, dir, buf, len, 0};
    struct vscsi_sim_io io = {0};
    int rc;

    if (!f)
        return -ENOENT;
    for (unsigned tries = 0;; tries++) {
        rc = vscsi_front_submit(f, &fio, &io);
        if (rc != -EAGAIN || tries > 100000)
            break;
        vscsi_sim_world_step(w); /* threaded: a short wait for the frontend's events */
    }
    if (rc < 0)
        return rc;
    for (unsigned i = 0; !io.done; i++) {
        if (!vscsi_sim_world_step(w) && !io.done && i % 64 == 63) {
            /* Deterministic and idle with the command unanswered: let time
             * pass so the frontend's timeouts can act. */
            vscsi_sim_world_advance(w, 1000000);
        }
        if (i > 10000000)
            return -ETIMEDOUT;
    }
    *res = io.res;
    if (bytes)
        *bytes = io.bytes;
    return 0;
}

int vscsi_sim_good(const struct vscsi_result *r)
{
    return r->host == 0 && r->status == 0;
}

int vscsi_sim_sense_key(const struct vscsi_result *r)
{
    if (r->status != 0x02 || r->sense_len < 3)
        return -1;
    return r->sense[2] & 0x0f;
}

int vscsi_sim_sense_asc(const struct vscsi_result *r)
{
    if (r->status != 0x02 || r->sense_len < 14)
        return -1;
    return r->sense[12];
}
