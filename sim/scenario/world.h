/* SPDX-License-Identifier: MIT */
/*
 * A simulated Xen host: dom0 runs the toolstack and the backend engines,
 * a domU runs the frontend engines, all over the simulated hypervisor
 * (separate memories, grants, event channels, XenStore) and the fake target.
 *
 * Two ways to run it:
 * - deterministic: one thread; vscsi_sim_world_step() lets a seeded PRNG
 *   pick which side handles its next event or watch, and time is virtual,
 *   so a seed replays exactly;
 * - threaded: the backend side runs on its own thread
 *   (vscsi_sim_world_start_thread()) with real waits and real barriers,
 *   while the caller's thread drives the frontends (vscsi_sim_world_pump_front()).
 */
#ifndef VSCSI_SIM_WORLD_H
#define VSCSI_SIM_WORLD_H

#include <stdint.h>

#include "platform/sim_hv.h"
#include "target/bridge.h"
#include "vscsiif/back.h"
#include "vscsiif/front.h"

#define VSCSI_SIM_MAX_VHOSTS 4

struct vscsi_sim_world_opts {
    uint64_t seed;
    int threaded;
    int poll; /* threaded only: both sides busy-poll the ring (no event-channel sleeps while busy)
               */
    uint32_t max_segs;       /* backend feature-sg-grant; 0 = 128 */
    int no_indirect;         /* advertise no feature-sg-grant at all */
    uint32_t front_max_segs; /* frontend's vscsi_front_config.max_segs; 0 = its default (128) */
    enum vscsi_back_data_mode data_mode;
    uint16_t front_domid; /* 0 = 1 */
    unsigned front_pages; /* the frontend domain's memory in pages; 0 = 16384 */
    vscsi_back_trace_fn trace;
    vscsi_front_done_fn done;
    vscsi_front_lun_fn lun;
    void *cb_ctx;
};

struct vscsi_sim_world;

struct vscsi_sim_world *vscsi_sim_world_new(const struct vscsi_sim_world_opts *o);
void vscsi_sim_world_free(struct vscsi_sim_world *w);
/* Back to the host vscsi_sim_world_new() made, for a caller that reuses one
 * world (a fuzzer): every vhost's engines are freed (backend first, so the
 * frontend can revoke all its grants) and its directories removed, queued
 * events and watch events dropped, virtual time and the PRNG restarted;
 * registered LUNs stay. 0 if nothing of the vhosts is left behind; -EBUSY
 * if a grant, a mapping, a page of the frontend domain or a command held
 * by the bridge is; -EINVAL in threaded mode. */
int vscsi_sim_world_reset(struct vscsi_sim_world *w);
struct vscsi_sim_hv *vscsi_sim_world_hv(struct vscsi_sim_world *w);
struct vscsi_sim_bridge *vscsi_sim_world_bridge(struct vscsi_sim_world *w);
uint16_t vscsi_sim_world_front_domid(const struct vscsi_sim_world *w);

/* Makes `lun` available as p-dev `pdev` (the world does not own it). */
int vscsi_sim_world_register(struct vscsi_sim_world *w, const char *pdev,
                             struct vscsi_tgt_lun *lun);

/* Toolstack: creates vhost `vhost` with the given LUNs (pdevs[i] -> vdevs[i]
 * as dev-i), then the backend and frontend engines, and starts both. */
int vscsi_sim_world_attach(struct vscsi_sim_world *w, uint32_t vhost, const char *const *pdevs,
                           const char *const *vdevs, unsigned n);
/* Toolstack hotplug of a connected vhost (Reconfiguring). */
int vscsi_sim_world_hot_add(struct vscsi_sim_world *w, uint32_t vhost, uint32_t devid,
                            const char *pdev, const char *vdev);
int vscsi_sim_world_hot_remove(struct vscsi_sim_world *w, uint32_t vhost, uint32_t devid);
/* Toolstack teardown of a vhost: online 0, backend Closing, until both are Closed. */
int vscsi_sim_world_detach(struct vscsi_sim_world *w, uint32_t vhost);

/* Faults of a whole side. Restart: the backend engine of `vhost` is freed
 * (answering what it had in flight) and a new one takes over the same vhost
 * and live ring. Crash: the frontend domain dies with whatever it had in
 * flight; the toolstack then closes its vhosts and removes its directories. */
int vscsi_sim_world_restart_backend(struct vscsi_sim_world *w, uint32_t vhost);
int vscsi_sim_world_crash_front(struct vscsi_sim_world *w);

struct vscsi_front *vscsi_sim_world_front(struct vscsi_sim_world *w, uint32_t vhost);
struct vscsi_back *vscsi_sim_world_back(struct vscsi_sim_world *w, uint32_t vhost);

/* Deterministic mode: handles one pending item (watch, event or due timer)
 * of a side picked by the PRNG; when nothing is pending, virtual time jumps
 * to the next due timer. Returns 1 if anything happened, 0 if idle. */
int vscsi_sim_world_step(struct vscsi_sim_world *w);
/* Steps until idle or max_steps; returns steps taken. */
unsigned vscsi_sim_world_settle(struct vscsi_sim_world *w, unsigned max_steps);
/* Virtual time (deterministic) or monotonic time (threaded), microseconds. */
uint64_t vscsi_sim_world_now(struct vscsi_sim_world *w);
/* Wall-clock microseconds (monotonic), for rates and run-time bounds. */
uint64_t vscsi_sim_wall_us(void);
/* Advances virtual time (deterministic mode), ticking the frontends. */
void vscsi_sim_world_advance(struct vscsi_sim_world *w, uint64_t us);

/* Threaded mode. */
int vscsi_sim_world_start_thread(struct vscsi_sim_world *w);
void vscsi_sim_world_stop_thread(struct vscsi_sim_world *w);
/* Waits up to timeout_ms for frontend events/watches and handles them; returns items handled. */
int vscsi_sim_world_pump_front(struct vscsi_sim_world *w, int timeout_ms);

/* Waits (stepping or pumping) until the vhost's frontend is Connected. 0 or -ETIMEDOUT. */
int vscsi_sim_world_wait_connected(struct vscsi_sim_world *w, uint32_t vhost);
/* Waits until the backend's LUN dev-<devid> reaches `state`. */
int vscsi_sim_world_wait_lun(struct vscsi_sim_world *w, uint32_t vhost, uint32_t devid,
                             enum vscsi_xb_state state);

#endif
