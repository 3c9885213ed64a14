/* SPDX-License-Identifier: MIT */
/*
 * Test bed for the frontend engine on the simulated hypervisor. The test
 * plays the toolstack (dom0 writes both directories) and a backend that can
 * be as hostile as a test wants: it maps the ring the front wrote, binds the
 * channel, takes requests and writes whatever responses it likes. The front
 * runs in domain FH_FDOM; every event and watch is delivered by fh_pump().
 */
#ifndef TEST_FRONT_HARNESS_H
#define TEST_FRONT_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include <vscsiif/front.h>
#include <vscsiif/ring.h>
#include <vscsiif/wire.h>

#include "platform/sim_hv.h"

#define FH_FDOM      5
#define FH_PAGES     8192
#define FH_MAX_DONE  512
#define FH_MAX_LUNEV 512

struct fh_done {
    void *user;
    struct vscsi_result res;
    size_t bytes;
};

struct fh_lunev {
    char name[80];
    uint32_t host;
    struct vscsi_nexus nx;
    int added;
};

struct fh {
    struct vscsi_sim_hv *hv;
    struct vscsi_sim_dom *d0, *du;
    const struct vscsi_platform_ops *ops;
    struct vscsi_front *f;
    struct vscsi_front_config cfg;
    char fe[128], be[128];

    /* the test backend */
    void *ring_addr;
    struct vscsi_back_ring br;
    uint32_t bport;

    /* what the front reported */
    struct fh_done done[FH_MAX_DONE];
    unsigned ndone;
    struct fh_lunev lunev[FH_MAX_LUNEV];
    unsigned nlunev;
    /* optional hook run inside the done callback (re-entrancy tests) */
    void (*on_done)(struct fh *h, void *user, const struct vscsi_result *res);
};

/* Hypervisor, both domains, and the toolstack's nodes: backend state 1,
 * frontend state 1, `backend`/`backend-id`, feature-sg-grant unless NULL,
 * and ndevs LUNs dev-1..dev-n with v-dev 0:0:<i-1>:0, state 1. */
void fh_setup(struct fh *h, const char *sg_grant, unsigned ndevs);
/* The front with the given limits (0 = defaults), created and started. */
void fh_front(struct fh *h, uint32_t max_segs, uint32_t abort_ms, uint32_t reset_ms);
/* Backend side of the handshake: InitWait, map ring + bind once the front is
 * Initialised, LUNs in state 1 -> 3, Connected; then pump. */
void fh_be_connect(struct fh *h);
/* fh_setup + fh_front + fh_be_connect. */
void fh_connect(struct fh *h, const char *sg_grant, unsigned ndevs);
/* Backend unmaps the ring and unbinds; front handle destroyed; hv freed. */
void fh_teardown(struct fh *h);

/* Deliver watches and events to the front until nothing is left. Returns
 * how many were delivered. Fails the test if it never settles. */
unsigned fh_pump(struct fh *h);

/* dom0 XenStore access (absolute paths, or relative to the backend dir when
 * the path does not start with '/'). */
void fh_be_write(struct fh *h, const char *rel, const char *value);
int fh_read(struct fh *h, const char *abs, char *buf, size_t len);
/* The front's node rel (under fe) parsed as a number; -1 if absent/bad. */
long fh_fe_node(struct fh *h, const char *rel);
void fh_be_state(struct fh *h, unsigned st);

/* Backend ring access. */
int fh_be_take(struct fh *h, struct vscsi_request *rq); /* 1 taken, 0 none */
void fh_be_reply(struct fh *h, const struct vscsi_response *rsp);
void fh_be_reply_cdb(struct fh *h, uint16_t rqid, uint8_t host, uint8_t status, uint32_t residual);
void fh_be_reply_tmr(struct fh *h, uint16_t rqid, int ok);
/* The request's data segments (indirect ones resolved through grant copy). */
unsigned fh_be_segs(struct fh *h, const struct vscsi_request *rq, struct vscsi_seg *out,
                    unsigned max);
/* Grant-copy the request's data out of (read) / into (write) its pages. */
size_t fh_be_read_data(struct fh *h, const struct vscsi_request *rq, uint8_t *buf, size_t len);
size_t fh_be_write_data(struct fh *h, const struct vscsi_request *rq, const uint8_t *buf,
                        size_t len);

/* Submit helpers. */
int fh_submit(struct fh *h, uint8_t dir, void *buf, size_t len, void *user);
unsigned fh_count_user(const struct fh *h, void *user);
const struct fh_done *fh_find_user(const struct fh *h, void *user);

void fh_fill(uint8_t *buf, size_t len, uint32_t seed);

#endif
