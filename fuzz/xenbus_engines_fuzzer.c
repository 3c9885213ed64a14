/* SPDX-License-Identifier: MIT */
/*
 * Hostile XenStore values and state sequences against both engines at once:
 * a vhost whose nodes are rewritten, removed and flipped by a rogue
 * toolstack (dom0) and a rogue guest (domU, only its own directory, as
 * permissions allow), interleaved with I/O, hotplug, teardown and
 * scheduling steps.
 *
 * Input: a config byte (bit 0 start from a Connected vhost rather than
 * mid-handshake, bit 1 map mode, bit 2 no feature-sg-grant), then up to
 * 128 steps of an op byte (bit 0: the frontend's directory, (op >> 1) % 8
 * the action: write a listed value, write raw bytes, remove, hot-add dev-1
 * or dev-2, hot-remove, settle, queue I/O, toolstack teardown), a node
 * index and the action's operand.
 *
 * Invariants, whatever the input: both engines' states are always valid
 * XenbusStates; freeing both engines leaves no grant, mapping, frontend
 * page or held command behind (vscsi_sim_world_reset()). For an input that
 * never touched a node itself (only I/O, hotplug, teardown and settling),
 * the real outcomes: the vhost reaches Connected on both sides (or Closed
 * on both after a teardown), every queued command completes, a hot-added
 * LUN ends Connected and a hot-removed one Closed in the backend's
 * vscsi-devs, and the final teardown closes both sides.
 *
 * One world per configuration is built per process and reset between inputs.
 */
#include <errno.h>

#include "fuzz_helpers.h"
#include "scenario/io.h"
#include "target/target.h"
#include "vscsiif/toolstack.h"

#define NIO 32

static const char *const NODES[] = {
    "state",
    "online",
    "frontend",
    "frontend-id",
    "feature-sg-grant",
    "feature-host",
    "vscsi-devs/dev-0/state",
    "vscsi-devs/dev-0/p-dev",
    "vscsi-devs/dev-0/v-dev",
    "vscsi-devs/dev-1/state",
    "vscsi-devs/dev-1/p-dev",
    "vscsi-devs/dev-1/v-dev",
    "vscsi-devs",
    "ring-ref",
    "event-channel",
    "backend",
    "backend-id",
    "protocol",
};
static const char *const VALUES[] = {
    "0",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    "-1",
    "04",
    "4 ",
    "",
    "x",
    "4294967296",
    "65535",
    "128",
    "13312",
    "0:0:0:0",
    "0:0:1:0",
    "1:2:3:4",
    "0:0:0:70000",
    "d0",
    "d1",
    "naa.0123456789abcdef:0",
    "/local/domain/0/backend/vscsi/1/0",
    "/local/domain/1/device/vscsi/0",
};
#define N(a) (sizeof(a) / sizeof((a)[0]))

struct host {
    struct vscsi_sim_world *w;
    struct vscsi_tgt_lun *d0, *d1;
};

static struct host hosts[4];

static struct host *host_get(unsigned cfg)
{
    struct host *h = &hosts[(cfg >> 1) & 3];
    struct vscsi_sim_world_opts o = {.seed = 1,
                                     .done = vscsi_sim_io_done,
                                     .data_mode = cfg & 2 ? VSCSI_BACK_MAP : VSCSI_BACK_COPY,
                                     .no_indirect = (cfg & 4) != 0,
                                     /* Copy mode's bounce buffers are max_segs pages per
                                      * slot, and every input builds a backend. */
                                     .max_segs = 26,
                                     .front_pages = 1024};
    struct vscsi_tgt_disk_opts dopt = {.blocks = 64, .block_size = 512};

    if (h->w)
        return h;
    h->w = vscsi_sim_world_new(&o);
    h->d0 = vscsi_tgt_disk_new(&dopt);
    h->d1 = vscsi_tgt_disk_new(&dopt);
    FUZZ_ASSERT(h->w && h->d0 && h->d1);
    FUZZ_ASSERT(vscsi_sim_world_register(h->w, "d0", h->d0) == 0);
    FUZZ_ASSERT(vscsi_sim_world_register(h->w, "d1", h->d1) == 0);
    return h;
}

struct run {
    struct vscsi_sim_world *w;
    struct vscsi_ts_vhost ts;
    char be[128], fe[128];
    int tampered; /* a node was written or removed by the input itself */
    int closed;   /* the toolstack tore the vhost down */
    int lun_added[3], lun_removed[3];
    struct vscsi_sim_io io[NIO];
    uint8_t buf[NIO][512];
    unsigned nio;
};

static void queue_io(struct run *r, unsigned n)
{
    static const uint8_t rd[10] = {0x28, 0, 0, 0, 0, 1, 0, 0, 1, 0};
    static const uint8_t wr[10] = {0x2A, 0, 0, 0, 0, 2, 0, 0, 1, 0};
    struct vscsi_front *f = vscsi_sim_world_front(r->w, 0);

    while (n-- && r->nio < NIO) {
        struct vscsi_front_io fio = {{0, 0, 0},
                                     n & 1 ? wr : rd,
                                     10,
                                     n & 1 ? VSCSI_DIR_TO_DEVICE : VSCSI_DIR_FROM_DEVICE,
                                     r->buf[r->nio],
                                     512,
                                     0};
        memset(&r->io[r->nio], 0, sizeof(r->io[0]));
        if (vscsi_front_submit(f, &fio, &r->io[r->nio]) < 0)
            return; /* not connected, ring full: refused, no completion due */
        r->nio++;
    }
}

static enum vscsi_xb_state lun_state(struct run *r, unsigned devid)
{
    enum vscsi_xb_state lun = VSCSI_XB_UNKNOWN, vh;
    if (vscsi_ts_lun_state(vscsi_sim_ops(), vscsi_sim_dom_get(vscsi_sim_world_hv(r->w), 0), &r->ts,
                           devid, &lun, &vh))
        return VSCSI_XB_UNKNOWN;
    return lun;
}

/* What a clean input must have achieved. */
static void check_outcome(struct run *r)
{
    struct vscsi_back *b = vscsi_sim_world_back(r->w, 0);
    struct vscsi_front *f = vscsi_sim_world_front(r->w, 0);
    enum vscsi_xb_state want = r->closed ? VSCSI_XB_CLOSED : VSCSI_XB_CONNECTED;

    FUZZ_ASSERT_MSG(vscsi_back_state(b) == want && vscsi_front_state(f) == want,
                    "clean input: backend %d, frontend %d, expected %d", vscsi_back_state(b),
                    vscsi_front_state(f), want);
    for (unsigned i = 0; i < r->nio; i++)
        FUZZ_ASSERT_MSG(r->io[i].done == 1, "command %u of %u: done %d", i, r->nio, r->io[i].done);
    if (r->closed)
        return;
    for (unsigned d = 1; d < 3; d++) {
        enum vscsi_xb_state s = lun_state(r, d);
        if (r->lun_added[d] && !r->lun_removed[d])
            FUZZ_ASSERT_MSG(s == VSCSI_XB_CONNECTED, "hot-added dev-%u in state %d", d, s);
        if (r->lun_removed[d])
            FUZZ_ASSERT_MSG(s == VSCSI_XB_CLOSED || s == VSCSI_XB_UNKNOWN,
                            "hot-removed dev-%u in state %d", d, s);
    }
    FUZZ_ASSERT_MSG(vscsi_sim_world_detach(r->w, 0) == 0, "teardown of a clean vhost failed");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct run r;
    struct fuzz_producer p;
    const struct vscsi_platform_ops *ops = vscsi_sim_ops();
    const char *pd[] = {"d0"}, *vd[] = {"0:0:0:0"};
    char path[256], val[40];

    fuzz_producer_init(&p, data, size);
    uint8_t cfg = fuzz_u8(&p);
    struct host *h = host_get(cfg);
    memset(&r, 0, sizeof(r));
    r.w = h->w;
    r.ts = (struct vscsi_ts_vhost){0, vscsi_sim_world_front_domid(r.w), 0, 0};
    FUZZ_ASSERT(vscsi_sim_world_attach(r.w, 0, pd, vd, 1) == 0);
    vscsi_ts_paths(&r.ts, r.be, sizeof(r.be), r.fe, sizeof(r.fe));
    struct vscsi_sim_dom *dom0 = vscsi_sim_dom_get(vscsi_sim_world_hv(r.w), 0);
    struct vscsi_sim_dom *domu = vscsi_sim_dom_get(vscsi_sim_world_hv(r.w), r.ts.frontend_domid);
    if (cfg & 1)
        FUZZ_ASSERT(vscsi_sim_world_wait_connected(r.w, 0) == 0);

    for (unsigned steps = 0; steps < 128 && fuzz_remaining(&p); steps++) {
        uint8_t op = fuzz_u8(&p);
        int front_side = op & 1;
        const char *node = NODES[fuzz_u8(&p) % N(NODES)];
        /* The toolstack hotplugs only a Connected vhost. */
        int up = !r.closed &&
                 vscsi_back_state(vscsi_sim_world_back(r.w, 0)) == VSCSI_XB_CONNECTED &&
                 vscsi_front_state(vscsi_sim_world_front(r.w, 0)) == VSCSI_XB_CONNECTED;
        snprintf(path, sizeof(path), "%s/%s", front_side ? r.fe : r.be, node);
        switch ((op >> 1) % 8) {
        case 0:
            snprintf(val, sizeof(val), "%s", VALUES[fuzz_u8(&p) % N(VALUES)]);
            ops->xs_write(front_side ? domu : dom0, 0, path, val);
            r.tampered = 1;
            break;
        case 1: {
            size_t n = fuzz_u8(&p) % (sizeof(val) - 1);
            fuzz_bytes(&p, val, n);
            val[n] = '\0';
            ops->xs_write(dom0, 0, path, val);
            r.tampered = 1;
            break;
        }
        case 2:
            ops->xs_rm(dom0, 0, path);
            r.tampered = 1;
            break;
        case 3: {
            unsigned d = 1 + fuzz_u8(&p) % 2;
            if (up &&
                vscsi_sim_world_hot_add(r.w, 0, d, "d1", d == 1 ? "0:0:1:0" : "0:0:2:0") == 0) {
                r.lun_added[d] = 1;
                r.lun_removed[d] = 0;
                vscsi_sim_world_settle(r.w, 20000); /* the toolstack waits for it */
            }
            break;
        }
        case 4: {
            unsigned d = fuzz_u8(&p) % 3;
            if (up && vscsi_sim_world_hot_remove(r.w, 0, d) == 0) {
                r.lun_removed[d] = 1;
                vscsi_sim_world_settle(r.w, 20000);
            }
            break;
        }
        case 5:
            vscsi_sim_world_settle(r.w, 1 + fuzz_u8(&p));
            break;
        case 6:
            queue_io(&r, 1 + fuzz_u8(&p) % 16);
            break;
        default:
            if (!r.closed) {
                /* Mid-handshake the backend's Connected can overwrite the
                 * toolstack's Closing (Linux's xenbus_switch_state does the
                 * same); only a Connected vhost must close for sure. */
                int rc = vscsi_sim_world_detach(r.w, 0);
                FUZZ_ASSERT_MSG(rc == 0 || r.tampered || !up, "teardown failed: %d", rc);
                if (rc && !up)
                    r.tampered = 1;
                r.closed = 1;
            }
            break;
        }
        vscsi_sim_world_step(r.w);
        struct vscsi_back *b = vscsi_sim_world_back(r.w, 0);
        struct vscsi_front *f = vscsi_sim_world_front(r.w, 0);
        FUZZ_ASSERT(vscsi_back_state(b) <= VSCSI_XB_RECONFIGURED);
        FUZZ_ASSERT(vscsi_front_state(f) <= VSCSI_XB_RECONFIGURED);
    }
    vscsi_sim_world_settle(r.w, 20000);
    if (!r.tampered) {
        if (!(cfg & 1) && !r.closed)
            FUZZ_ASSERT(vscsi_sim_world_wait_connected(r.w, 0) == 0);
        check_outcome(&r);
    }
    int rc = vscsi_sim_world_reset(r.w);
    FUZZ_ASSERT_MSG(rc == 0, "the engines left something behind: %d", rc);
    return 0;
}
