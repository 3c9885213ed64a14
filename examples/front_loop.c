/* SPDX-License-Identifier: MIT */
/*
 * A minimal embedder: the frontend engine on the caller's own event loop.
 *
 * Everything platform-specific sits behind struct vscsi_platform_ops; here it
 * is the simulator's (two domains, grants, event channels, XenStore in one
 * process), so the example runs anywhere. On real Xen the same loop takes the
 * ops of adapters/xen and polls their file descriptors instead.
 *
 * dom0 plays toolstack and backend (serving an in-memory disk), dom1 the
 * guest. The loop owns time and dispatch: it pops each domain's watch events
 * and event-channel ports and hands them to the engine of that domain. We
 * connect, write a block, read it back, compare, disconnect. Exit 0 on success.
 */
#include <stdio.h>
#include <string.h>

#include "platform/sim_hv.h"
#include "target/bridge.h"
#include "target/target.h"
#include "vscsiif/back.h"
#include "vscsiif/front.h"
#include "vscsiif/toolstack.h"
#include "vscsiif/wire.h"
#include "vscsiif/scsi.h"

struct app {
    struct vscsi_back *back;
    struct vscsi_front *front;
    struct vscsi_sim_bridge *bridge;
    struct vscsi_nexus lun;
    int have_lun, done;
    struct vscsi_result res;
    uint64_t now_ms;
};

/* The engines call back into us from inside handle_event / handle_watch. */
static void on_done(void *ctx, void *user, const struct vscsi_result *res, size_t bytes)
{
    struct app *a = ctx;
    (void)user;
    (void)bytes;
    a->res = *res;
    a->done = 1;
}

static void on_lun(void *ctx, const char *dev, uint32_t host, const struct vscsi_nexus *nx,
                   int added)
{
    struct app *a = ctx;
    printf("front: LUN %s %u:%u:%u:%u %s\n", dev, host, nx->channel, nx->id, nx->lun,
           added ? "added" : "removed");
    if (added && !a->have_lun) {
        a->lun = *nx;
        a->have_lun = 1;
    }
}

static void back_watch(void *arg, const char *path, const char *token)
{
    vscsi_back_handle_watch(((struct app *)arg)->back, path, token);
}

static void back_port(void *arg, uint32_t port)
{
    struct app *a = arg;
    if (port == vscsi_back_port(a->back))
        vscsi_back_handle_event(a->back);
}

static void front_watch(void *arg, const char *path, const char *token)
{
    vscsi_front_handle_watch(((struct app *)arg)->front, path, token);
}

static void front_port(void *arg, uint32_t port)
{
    struct app *a = arg;
    if (port == vscsi_front_port(a->front))
        vscsi_front_handle_event(a->front);
}

/* One turn of our loop: deliver what is pending on each side, let time pass. */
static int turn(struct app *a, struct vscsi_sim_dom *d0, struct vscsi_sim_dom *d1)
{
    int n = vscsi_sim_dom_deliver(d0, 64, back_watch, back_port, a);
    n += vscsi_sim_bridge_poll(a->bridge, a->now_ms * 1000);
    n += vscsi_sim_dom_deliver(d1, 64, front_watch, front_port, a);
    vscsi_front_tick(a->front, a->now_ms++);
    return n;
}

/* Submit one command and run the loop until its completion arrives. */
static int command(struct app *a, struct vscsi_sim_dom *d0, struct vscsi_sim_dom *d1,
                   const uint8_t *cdb, uint8_t len, uint8_t dir, void *buf, size_t n)
{
    struct vscsi_front_io io = {a->lun, cdb, len, dir, buf, n, 0};
    int rc = vscsi_front_submit(a->front, &io, NULL);
    if (rc < 0)
        return rc;
    a->done = 0;
    for (int i = 0; i < 10000 && !a->done; i++)
        turn(a, d0, d1);
    return a->done && vscsi_result_ok(&a->res) ? 0 : -1;
}

int main(void)
{
    const struct vscsi_platform_ops *ops = vscsi_sim_ops();
    struct vscsi_sim_hv *hv = vscsi_sim_hv_new();
    struct vscsi_sim_dom *d0 = hv ? vscsi_sim_dom_create(hv, 0, 1024) : NULL;
    struct vscsi_sim_dom *d1 = hv ? vscsi_sim_dom_create(hv, 1, 1024) : NULL;
    struct vscsi_tgt_disk_opts dopts = {.blocks = 2048, .block_size = 512};
    struct vscsi_tgt_lun *disk = vscsi_tgt_disk_new(&dopts);
    struct vscsi_ts_vhost vh = {.backend_domid = 0, .frontend_domid = 1, .vhost = 0};
    struct app a = {0};
    char be[128], fe[128];
    uint8_t out[512], in[512];
    int rc = 1;

    if (!d0 || !d1 || !disk || !(a.bridge = vscsi_sim_bridge_new()) ||
        vscsi_sim_bridge_add(a.bridge, "0:0:0:0", disk))
        goto out;
    /* The toolstack's part: the vhost's directories and one LUN. */
    vscsi_ts_paths(&vh, be, sizeof(be), fe, sizeof(fe));
    if (vscsi_ts_vhost_create(ops, d0, &vh) ||
        vscsi_ts_lun_add(ops, d0, &vh, 0, "0:0:0:0", "0:0:0:0", NULL, 0))
        goto out;
    struct vscsi_back_config bc = {.size = sizeof(bc),
                                   .ops = ops,
                                   .ops_ctx = d0,
                                   .target = vscsi_sim_bridge_ops(),
                                   .target_ctx = a.bridge,
                                   .dev_path = be};
    struct vscsi_front_config fc = {.size = sizeof(fc),
                                    .ops = ops,
                                    .ops_ctx = d1,
                                    .dev_path = fe,
                                    .done = on_done,
                                    .lun = on_lun,
                                    .cb_ctx = &a};
    if (vscsi_back_new(&bc, &a.back) || vscsi_back_start(a.back) ||
        vscsi_front_new(&fc, &a.front) || vscsi_front_start(a.front))
        goto out;
    for (int i = 0; i < 10000 && !(a.have_lun && vscsi_front_state(a.front) == VSCSI_XB_CONNECTED);
         i++)
        turn(&a, d0, d1);
    if (!a.have_lun) {
        fprintf(stderr, "front_loop: never connected\n");
        goto out;
    }
    printf("front: connected, state %s\n", vscsi_xb_state_str(vscsi_front_state(a.front)));

    /* WRITE(10) then READ(10) of LBA 7, one block. */
    uint8_t wr[VSCSI_CDB10_LEN], rd[VSCSI_CDB10_LEN];
    vscsi_cdb_write10(wr, 7, 1);
    vscsi_cdb_read10(rd, 7, 1);
    for (size_t i = 0; i < sizeof(out); i++)
        out[i] = (uint8_t)(i * 7 + 3);
    memset(in, 0, sizeof(in));
    if (command(&a, d0, d1, wr, 10, VSCSI_DIR_TO_DEVICE, out, sizeof(out)) ||
        command(&a, d0, d1, rd, 10, VSCSI_DIR_FROM_DEVICE, in, sizeof(in))) {
        fprintf(stderr, "front_loop: command failed (host %u status 0x%02x)\n", a.res.host,
                a.res.status);
        goto out;
    }
    if (memcmp(in, out, sizeof(in)) != 0) {
        fprintf(stderr, "front_loop: read back differs from what was written\n");
        goto out;
    }
    printf("front: wrote and read back LBA 7, %zu bytes identical\n", sizeof(in));

    /* Leave cleanly: Closing, the backend answers, both Closed. */
    vscsi_front_close(a.front);
    for (int i = 0; i < 10000 && vscsi_front_state(a.front) != VSCSI_XB_CLOSED; i++)
        turn(&a, d0, d1);
    printf("front: %s\n", vscsi_xb_state_str(vscsi_front_state(a.front)));
    rc = vscsi_front_state(a.front) == VSCSI_XB_CLOSED ? 0 : 1;
out:
    if (a.front)
        vscsi_front_destroy(a.front);
    if (a.back)
        vscsi_back_destroy(a.back);
    vscsi_sim_bridge_free(a.bridge);
    if (disk)
        vscsi_tgt_free(disk);
    if (hv)
        vscsi_sim_hv_free(hv);
    return rc;
}
