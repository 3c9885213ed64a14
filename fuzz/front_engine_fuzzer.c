/* SPDX-License-Identifier: MIT */
/* The real frontend engine against a hostile backend that writes arbitrary
 * responses, ring indices and XenStore values (the 2022 scsifront hardening
 * class). Invariants: every submitted command is completed exactly once by
 * the time the backend says Closed; nothing is read or written outside the
 * front's own pages (ASan); once the backend lets go of the ring, every grant
 * of the frontend is revoked except pages it chose to quarantine. */
#include <errno.h>

#include "fuzz_helpers.h"
#include "platform/sim_hv.h"
#include "vscsiif/front.h"
#include "vscsiif/ring.h"
#include "vscsiif/toolstack.h"

#define FDOM 9
#define MAXIO 64

struct ctx {
    struct vscsi_sim_hv *hv;
    struct vscsi_sim_dom *d0, *du;
    const struct vscsi_platform_ops *ops;
    struct vscsi_front *f;
    char be[128], fe[128];
    void *ring;
    uint32_t port, rsp_prod;
    unsigned done[MAXIO];
    unsigned submitted;
    uint8_t buf[MAXIO][8192];
};

static void done_cb(void *cbx, void *user, const struct vscsi_result *res, size_t bytes)
{
    struct ctx *c = cbx;
    FUZZ_ASSERT(res->sense_len <= 96);
    if (!user)
        return; /* an ABORT sent by the input: it has no buffer */
    unsigned i = (unsigned)(uintptr_t)user - 1;
    FUZZ_ASSERT(i < MAXIO);
    FUZZ_ASSERT(res->sense_len <= 96);
    FUZZ_ASSERT(bytes <= sizeof(c->buf[0]));
    c->done[i]++;
    FUZZ_ASSERT_MSG(c->done[i] == 1, "command %u completed %u times", i, c->done[i]);
}

static void on_watch(void *arg, const char *path, const char *token)
{
    vscsi_front_handle_watch(((struct ctx *)arg)->f, path, token);
}

static void on_port(void *arg, uint32_t port)
{
    (void)port;
    vscsi_front_handle_event(((struct ctx *)arg)->f);
}

static void pump(struct ctx *c)
{
    for (int i = 0; i < 64; i++) {
        int n = vscsi_sim_dom_deliver(c->du, 1 << 20, on_watch, on_port, c);
        vscsi_sim_dom_deliver(c->d0, 1 << 20, NULL, NULL, NULL); /* the backend is us */
        if (!n)
            return;
    }
}

static void be_state(struct ctx *c, unsigned s)
{
    vscsi_xb_write_uint(c->ops, c->d0, 0, c->be, "state", s);
}

static int setup(struct ctx *c)
{
    struct vscsi_ts_vhost ts = {0, FDOM, 0, 0};
    uint32_t ref;
    c->ops = vscsi_sim_ops();
    c->hv = vscsi_sim_hv_new();
    c->d0 = vscsi_sim_dom_create(c->hv, 0, 16);
    c->du = vscsi_sim_dom_create(c->hv, FDOM, 2048);
    if (!c->d0 || !c->du || vscsi_ts_vhost_create(c->ops, c->d0, &ts) ||
        vscsi_ts_lun_add(c->ops, c->d0, &ts, 0, "x", "0:0:0:0", NULL, 0))
        return -1;
    vscsi_ts_paths(&ts, c->be, sizeof(c->be), c->fe, sizeof(c->fe));
    vscsi_xb_write_uint(c->ops, c->d0, 0, c->be, "feature-sg-grant", 128);
    struct vscsi_front_config fc = {.size = sizeof(fc), .ops = c->ops, .ops_ctx = c->du,
                                    .dev_path = c->fe, .done = done_cb, .cb_ctx = c};
    if (vscsi_front_new(&fc, &c->f) || vscsi_front_start(c->f))
        return -1;
    be_state(c, 2);
    pump(c);
    /* The backend half, done by hand: map the ring, bind the channel. */
    uint32_t rport;
    if (vscsi_xb_read_uint(c->ops, c->d0, 0, c->fe, "ring-ref", UINT32_MAX, &ref) ||
        vscsi_xb_read_uint(c->ops, c->d0, 0, c->fe, "event-channel", UINT32_MAX, &rport) ||
        c->ops->map_grants(c->d0, FDOM, 1, &ref, 1, &c->ring) ||
        c->ops->evtchn_bind_interdomain(c->d0, FDOM, rport, &c->port))
        return -1;
    char dev[200];
    snprintf(dev, sizeof(dev), "%s/vscsi-devs/dev-0", c->be);
    vscsi_xb_write_uint(c->ops, c->d0, 0, dev, "state", 3);
    be_state(c, 4);
    pump(c);
    return vscsi_front_state(c->f) == VSCSI_XB_CONNECTED ? 0 : -1;
}

static void submit(struct ctx *c, struct fuzz_producer *p)
{
    static const uint8_t cdb[10] = {0x28};
    struct vscsi_front_io io = {{0, 0, 0}, cdb, 10, 0, NULL, 0, 0};
    uint8_t kind = fuzz_u8(p);
    if (c->submitted >= MAXIO)
        return;
    io.dir = (uint8_t)(1 + kind % 3);
    io.len = io.dir == VSCSI_DIR_NONE ? 0 : 1 + fuzz_u16(p) % sizeof(c->buf[0]);
    io.buf = c->buf[c->submitted];
    if (vscsi_front_submit(c->f, &io, (void *)(uintptr_t)(c->submitted + 1)) >= 0)
        c->submitted++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ctx *c = calloc(1, sizeof(*c));
    struct fuzz_producer p;
    struct vscsi_sring *s;

    FUZZ_ASSERT(c);
    FUZZ_ASSERT(setup(c) == 0);
    s = c->ring;
    fuzz_producer_init(&p, data, size);
    for (unsigned steps = 0; steps < 256 && fuzz_remaining(&p); steps++) {
        switch (fuzz_u8(&p) % 8) {
        case 0:
            submit(c, &p);
            break;
        case 1: { /* a response, raw, in the next response slot */
            struct vscsi_response r;
            fuzz_bytes(&p, &r, sizeof(r));
            if (fuzz_u8(&p) & 1) /* mostly answer something real */
                r.rqid %= 16;
            memcpy(&s->ring[c->rsp_prod & VSCSI_RING_MASK].rsp, &r, sizeof(r));
            c->rsp_prod++;
            VSCSI_STORE_RELEASE(&s->rsp_prod, c->rsp_prod);
            c->ops->evtchn_notify(c->d0, c->port);
            break;
        }
        case 2: /* a lying producer index */
            VSCSI_STORE_RELEASE(&s->rsp_prod, fuzz_u32(&p));
            c->ops->evtchn_notify(c->d0, c->port);
            break;
        case 3:
            c->ops->evtchn_notify(c->d0, c->port);
            break;
        case 4:
            be_state(c, fuzz_u8(&p) % 10);
            break;
        case 5: { /* any bytes as any node the frontend reads */
            static const char *const nodes[] = {"state", "feature-sg-grant",
                                                "vscsi-devs/dev-0/state", "vscsi-devs/dev-0/v-dev",
                                                "vscsi-devs/dev-1/state", "vscsi-devs/dev-1/v-dev"};
            char path[200], val[33];
            size_t n = fuzz_u8(&p) % 32;
            snprintf(path, sizeof(path), "%s/%s", c->be, nodes[fuzz_u8(&p) % 6]);
            fuzz_bytes(&p, val, n);
            val[n] = '\0';
            c->ops->xs_write(c->d0, 0, path, val);
            break;
        }
        case 6:
            vscsi_front_tick(c->f, (uint64_t)fuzz_u16(&p) * 1000u);
            break;
        default:
            vscsi_front_abort(c->f, fuzz_u8(&p) % 16, NULL);
            break;
        }
        pump(c);
    }
    /* The backend goes away: everything in flight must now be finished. */
    c->ops->unmap_grants(c->d0, c->ring, 1);
    be_state(c, 6);
    pump(c);
    for (unsigned i = 0; i < c->submitted; i++)
        FUZZ_ASSERT_MSG(c->done[i] == 1, "command %u of %u completed %u times", i, c->submitted,
                        c->done[i]);
    vscsi_front_destroy(c->f);
    /* Nothing of ours is mapped any more, so nothing may stay granted. */
    FUZZ_ASSERT_MSG(vscsi_sim_grants_active(c->hv, FDOM) == 0, "%u grants left",
                    vscsi_sim_grants_active(c->hv, FDOM));
    vscsi_sim_hv_free(c->hv);
    free(c);
    return 0;
}
