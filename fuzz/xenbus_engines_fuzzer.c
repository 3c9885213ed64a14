/* SPDX-License-Identifier: MIT */
/* Hostile XenStore values and state sequences against both engines at once:
 * a connected vhost whose nodes are rewritten, removed and flipped by a
 * rogue toolstack (dom0) and a rogue guest (domU, only its own directory,
 * as permissions allow), interleaved with scheduling steps. Invariants: no
 * crash and no hang (every step is bounded), states always valid
 * XenbusStates, and a clean teardown (ASan/LSan see the rest). */
#include <errno.h>

#include "fuzz_helpers.h"
#include "scenario/io.h"
#include "target/target.h"
#include "vscsiif/toolstack.h"

static const char *const NODES[] = {
    "state", "online", "frontend", "frontend-id", "feature-sg-grant", "feature-host",
    "vscsi-devs/dev-0/state", "vscsi-devs/dev-0/p-dev", "vscsi-devs/dev-0/v-dev",
    "vscsi-devs/dev-1/state", "vscsi-devs/dev-1/p-dev", "vscsi-devs/dev-1/v-dev",
    "vscsi-devs", "ring-ref", "event-channel", "backend", "backend-id", "protocol",
};
static const char *const VALUES[] = {
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "-1", "04", "4 ", "", "x",
    "4294967296", "65535", "128", "13312", "0:0:0:0", "0:0:1:0", "1:2:3:4", "0:0:0:70000",
    "d0", "d1", "naa.0123456789abcdef:0", "/local/domain/0/backend/vscsi/1/0",
    "/local/domain/1/device/vscsi/0",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_producer p;
    struct vscsi_sim_world_opts o = {.seed = 1, .done = vscsi_sim_io_done};
    struct vscsi_tgt_disk_opts dopt = {.blocks = 64, .block_size = 512};
    struct vscsi_sim_world *w = vscsi_sim_world_new(&o);
    struct vscsi_tgt_lun *d0 = vscsi_tgt_disk_new(&dopt), *d1 = vscsi_tgt_disk_new(&dopt);
    const struct vscsi_platform_ops *ops = vscsi_sim_ops();
    struct vscsi_ts_vhost ts = {0, vscsi_sim_world_front_domid(w), 0, 0};
    char be[128], fe[128], path[256], val[40];
    const char *pd[] = {"d0"}, *vd[] = {"0:0:0:0"};

    FUZZ_ASSERT(w && d0 && d1);
    vscsi_sim_world_register(w, "d0", d0);
    vscsi_sim_world_register(w, "d1", d1);
    FUZZ_ASSERT(vscsi_sim_world_attach(w, 0, pd, vd, 1) == 0);
    vscsi_ts_paths(&ts, be, sizeof(be), fe, sizeof(fe));
    struct vscsi_sim_dom *dom0 = vscsi_sim_dom_get(vscsi_sim_world_hv(w), 0);
    struct vscsi_sim_dom *domu = vscsi_sim_dom_get(vscsi_sim_world_hv(w), ts.frontend_domid);
    /* Half the inputs start from a connected vhost, half from mid-handshake. */
    fuzz_producer_init(&p, data, size);
    if (fuzz_u8(&p) & 1)
        vscsi_sim_world_wait_connected(w, 0);

    for (unsigned steps = 0; steps < 128 && fuzz_remaining(&p); steps++) {
        uint8_t op = fuzz_u8(&p);
        int front_side = op & 1;
        const char *node = NODES[fuzz_u8(&p) % (sizeof(NODES) / sizeof(NODES[0]))];
        snprintf(path, sizeof(path), "%s/%s", front_side ? fe : be, node);
        switch ((op >> 1) % 6) {
        case 0:
            snprintf(val, sizeof(val), "%s", VALUES[fuzz_u8(&p) % (sizeof(VALUES) / sizeof(VALUES[0]))]);
            ops->xs_write(front_side ? domu : dom0, 0, path, val);
            break;
        case 1: {
            size_t n = fuzz_u8(&p) % (sizeof(val) - 1);
            fuzz_bytes(&p, val, n);
            val[n] = '\0';
            ops->xs_write(dom0, 0, path, val);
            break;
        }
        case 2:
            ops->xs_rm(dom0, 0, path);
            break;
        case 3:
            vscsi_sim_world_hot_add(w, 0, 1 + fuzz_u8(&p) % 2, "d1", "0:0:1:0");
            break;
        case 4:
            vscsi_sim_world_hot_remove(w, 0, fuzz_u8(&p) % 3);
            break;
        default:
            vscsi_sim_world_settle(w, 1 + fuzz_u8(&p));
            break;
        }
        vscsi_sim_world_step(w);
        struct vscsi_back *b = vscsi_sim_world_back(w, 0);
        struct vscsi_front *f = vscsi_sim_world_front(w, 0);
        FUZZ_ASSERT(vscsi_back_state(b) <= VSCSI_XB_RECONFIGURED);
        FUZZ_ASSERT(vscsi_front_state(f) <= VSCSI_XB_RECONFIGURED);
    }
    vscsi_sim_world_settle(w, 20000);
    vscsi_sim_world_free(w);
    vscsi_tgt_free(d0);
    vscsi_tgt_free(d1);
    return 0;
}
