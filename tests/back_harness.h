/* SPDX-License-Identifier: MIT */
/*
 * Test bench for the backend engine (tests/test_back_*.c).
 *
 * One simulated hypervisor: dom0 runs vscsi_back through a wrapped ops table
 * (so the bench sees every map, unmap, copy and notify the engine makes), the
 * test plays the toolstack (as dom0, straight through the simulator) and a
 * hostile frontend domain that only uses the platform ops as that domain and
 * raw bytes in the shared ring. The in-test target records every command and
 * completes it at once or when the test says so.
 *
 * Invariants checked on every response the moment it becomes visible (at each
 * notify from the engine, and whenever the frontend reads the ring): it
 * matches a request sent with that rqid, and none of that request's grants is
 * still mapped or being copied. bh_finish() then checks that every request
 * got exactly one answer, nothing of the frontend stays mapped, and every
 * grant can be revoked.
 */
#ifndef BACK_HARNESS_H
#define BACK_HARNESS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "platform/sim_hv.h"
#include "vscsiif/back.h"
#include "vscsiif/vscsiif.h"

#define BH_FDOM      5
#define BH_FE_PAGES  2048
#define BH_MAX_CMDS  2048
#define BH_MAX_TLUNS 300
#define BH_MAX_REFS  (VSCSI_SIM_GNT_RESERVED + BH_FE_PAGES)

#define BH_RSLT_ERROR      VSCSI_RSLT(VSCSI_HOST_ERROR, 0)
#define BH_RSLT_NO_CONNECT VSCSI_RSLT(VSCSI_HOST_NO_CONNECT, 0)
#define BH_RSLT_ABORT      VSCSI_RSLT(VSCSI_HOST_ABORT, 0)
#define BH_RSLT_RESET      VSCSI_RSLT(VSCSI_HOST_RESET, 0)
#define BH_GUARD           0xee /* bytes of a data page outside its segment */

/* ------------------------------------------------------------------ target */

enum bh_tstate { BH_T_PENDING = 1, BH_T_DONE, BH_T_ABORTED, BH_T_RESET, BH_T_REFUSED };

struct bh_tlun {
    char pdev[64];
    unsigned nopen, nclose;
};

struct bh_tcmd {
    struct vscsi_target_cmd *tc; /* valid while PENDING */
    struct bh_tlun *lun;
    uint16_t rqid;
    struct vscsi_nexus nx;
    uint8_t cdb[VSCSI_MAX_CDB_LEN];
    uint8_t cdb_len;
    uint8_t dir;
    size_t data_len;
    unsigned iovcnt;
    uint8_t *data; /* TO_DEVICE: the bytes the target received, gathered at submit */
    enum bh_tstate state;
};

struct bh_target {
    struct vscsi_target_ops ops; /* tests may clear .abort/.reset */
    int hold;                    /* 1: commands stay pending until bh_tgt_complete() */
    int submit_rc;               /* != 0: submit() refuses */
    int abort_rc;                /* what abort() says for a pending command */
    int reset_rc;
    int no_fill;  /* READ completes without touching the buffer */
    int scribble; /* WRITE: overwrite the buffer it was given */
    /* how synchronous completions complete */
    uint8_t host, status;
    const uint8_t *sense;
    size_t sense_len;
    uint32_t residual;

    struct bh_tlun luns[BH_MAX_TLUNS];
    unsigned nluns;
    struct bh_tcmd cmds[BH_MAX_CMDS];
    unsigned ncmds;
    unsigned nopen, nclose, nabort, nreset;
    void (*on_submit)(void *h, struct bh_tcmd *c); /* test hook, runs before completion */
};

/* ---------------------------------------------------------------- the bench */

struct bh_opts {
    uint16_t fdom; /* 0: BH_FDOM */
    unsigned vhost;
    uint32_t max_segs; /* feature-sg-grant */
    enum vscsi_back_data_mode mode;
    uint8_t allow_zero_seg;
    uint8_t no_copy_op;  /* backend ops without copy_grants (map mode only) */
    uint8_t no_check_op; /* backend ops without check_grants (the copy probe runs) */
    unsigned nluns;      /* dev-<i>: p-dev "lun<i>", v-dev "<vhost>:0:<i>:0", state 1 */
    const char *online;  /* NULL: "1" */
};

struct bh_sent {
    uint16_t rqid;
    uint8_t expect_none; /* never consumed: no answer due */
    unsigned answers;
    uint32_t nrefs;
    uint32_t *refs; /* every grant the request names (data and indirect pages) */
    struct vscsi_response rsp;
    unsigned order; /* position of its answer among all answers */
};

struct bh {
    struct bh_opts o;
    struct vscsi_sim_hv *hv;
    struct vscsi_sim_dom *d0, *fd;
    const struct vscsi_platform_ops *sim;
    struct vscsi_platform_ops ops0; /* dom0's wrapped table, ctx = this bench */
    char bpath[128], fpath[128];
    struct vscsi_back *b;
    struct bh_target tgt;

    /* frontend */
    uint32_t ring_ref;
    struct vscsi_sring *sring;
    uint32_t fport;
    uint32_t req_prod_pvt, rsp_cons, checked;
    uint32_t *granted;
    void **granted_pages;
    unsigned ngranted;

    struct bh_sent *sent;
    unsigned nsent, capsent;
    unsigned nrsp;
    unsigned unexpected, grant_violations, ring_violations;
    unsigned front_events, stray_events;
    int last_event_rc, last_watch_rc, last_notify_rc;
    int worst_watch_rc; /* the most negative handle_watch result seen */
    unsigned event_calls;

    /* what the engine did through its ops */
    unsigned notifies, maps_at_notify, map_calls, map_fail, copy_calls, check_calls;
    /* the engine's own memory (alloc_mem/free_mem): calls so far, the call
     * that fails (0: none), blocks not yet freed */
    unsigned long alloc_calls, alloc_fail_at, alloc_live;
    unsigned ref_reads[BH_MAX_REFS]; /* indirect-style reads: RO single maps + copies from */
    unsigned ref_map_ro[BH_MAX_REFS];
    unsigned ref_map_rw[BH_MAX_REFS];
    unsigned ref_copy_to[BH_MAX_REFS];
    struct {
        void *addr;
        uint32_t ref;
    } ro1[64];
    /* called after the engine read a page of the frontend (copy, or an RO
     * single-page mapping once it is unmapped again) */
    void (*on_read)(struct bh *h, uint32_t ref);
    void *hook;
};

/* Creates the hypervisor, both domains, the toolstack's nodes and the backend
 * handle (not started). */
struct bh *bh_new(const struct bh_opts *o);
/* Checks the global invariants, frees the backend (if still there), checks
 * nothing stays mapped and every grant is revocable, frees everything. */
void bh_finish(struct bh *h);
/* The configuration bh_new() gave the backend (from h->o), for tests that
 * create a handle of their own. */
struct vscsi_back_config bh_config(struct bh *h);

/* Delivers watches and events to the engine until nothing moves; collects responses. */
void bh_pump(struct bh *h);
void bh_collect(struct bh *h);

/* toolstack (dom0), paths relative to the backend directory */
int bh_ts_write(struct bh *h, const char *rel, const char *val);
int bh_ts_rm(struct bh *h, const char *rel);
/* reads a backend node; returns buf, or NULL if absent */
const char *bh_back_read(struct bh *h, const char *rel, char *buf, size_t len);
/* a backend node as a number, -1 if absent or not a number */
long bh_back_num(struct bh *h, const char *rel);
long bh_lun_state(struct bh *h, const char *dev);
void bh_ts_lun(struct bh *h, const char *dev, const char *pdev, const char *vdev,
               const char *state);

/* frontend (domain fdom), paths relative to the frontend directory */
int bh_fe_write(struct bh *h, const char *rel, const char *val);
int bh_fe_rm(struct bh *h, const char *rel);
/* grants the ring page and an unbound port and writes ring-ref/event-channel */
void bh_fe_ring(struct bh *h);
void bh_fe_state(struct bh *h, unsigned s); /* writes and pumps */
/* start (asserting InitWait), then ring-ref/event-channel written; the
 * frontend has not said Initialised yet */
void bh_offer_ring(struct bh *h);
/* bh_offer_ring, Initialised, Connected; asserts the backend is Connected */
void bh_connect(struct bh *h);
/* a fresh zeroed page granted to dom0 */
uint8_t *bh_page(struct bh *h, int ro, uint32_t *ref);

/* the next request slot, zeroed (raw: any field values) */
struct vscsi_request *bh_req(struct bh *h);
/* counts it as sent (grants named by it are recorded); returns its record */
unsigned bh_produce(struct bh *h);
/* publishes req_prod, notifies as ring.h says, pumps */
void bh_push(struct bh *h);
/* notifies the backend no matter what, pumps */
void bh_kick(struct bh *h);
/* a TEST UNIT READY to nx, pushed; returns its record */
unsigned bh_tur(struct bh *h, uint16_t rqid, struct vscsi_nexus nx);
/* an ABORT of ref (act VSCSI_ACT_ABORT) or a LUN RESET of nx, pushed; returns its record */
unsigned bh_tmr(struct bh *h, uint8_t act, uint16_t rqid, struct vscsi_nexus nx, uint16_t ref);
/* a raw request copied into the slot, pushed */
unsigned bh_send_raw(struct bh *h, const struct vscsi_request *rq);
const struct vscsi_response *bh_rsp(struct bh *h, unsigned rec);
int32_t bh_rslt(struct bh *h, unsigned rec); /* fails the test if not answered exactly once */
void bh_expect_none(struct bh *h, unsigned rec);
/* a TUR to LUN 0:0:0 (rqid 0xbeef) is still answered GOOD */
void bh_assert_served(struct bh *h);
struct vscsi_back_stats bh_stats(struct bh *h);

/* ---------------------------------------------------------------- transfers */

struct bh_xfer {
    uint16_t rqid;
    uint8_t dir;
    int indirect;
    uint32_t nsegs;
    uint32_t *ref;
    uint8_t **page;
    uint16_t *off, *len;
    uint32_t nind;
    uint32_t ind_ref[VSCSI_SG_TABLESIZE];
    uint8_t *ind_page[VSCSI_SG_TABLESIZE];
    uint16_t ind_off[VSCSI_SG_TABLESIZE], ind_len[VSCSI_SG_TABLESIZE];
    size_t total;
    uint32_t seed;
};

/* Writes: frontend pattern byte p of the transfer. Reads: target pattern. */
uint8_t bh_wpat(uint32_t seed, size_t p);
uint8_t bh_rpat(uint16_t rqid, size_t p);
/* Grants nsegs data pages (varied offsets and lengths, guard bytes around,
 * write pattern inside for TO_DEVICE; read-only for TO_DEVICE unless
 * rw_always) and, if indirect, the descriptor pages (per_page entries each,
 * the first region at byte 64). */
void bh_xfer_prep(struct bh *h, struct bh_xfer *x, uint16_t rqid, uint8_t dir, uint32_t nsegs,
                  int indirect, uint32_t per_page, int rw_always);
/* Fills the next slot (READ(10)/WRITE(10) CDB) and produces it; returns the record. */
unsigned bh_xfer_send(struct bh *h, struct bh_xfer *x, struct vscsi_nexus nx);
/* Frontend view after a READ: the first `done` bytes carry the target pattern,
 * the rest of each segment and every guard byte are untouched. */
void bh_xfer_check_read(struct bh *h, const struct bh_xfer *x, size_t done);
void bh_xfer_free(struct bh_xfer *x);

/* ------------------------------------------------------------ target helpers */

struct bh_tcmd *bh_tcmd_by_rqid(struct bh *h, uint16_t rqid); /* latest with that rqid */
/* completes a pending command as the target (filling READ data) */
void bh_tgt_complete(struct bh *h, struct bh_tcmd *c, uint8_t host, uint8_t status,
                     const uint8_t *sense, size_t sense_len, uint32_t residual);
unsigned bh_tgt_pending(struct bh *h);

static inline struct vscsi_nexus bh_nx(uint16_t c, uint16_t t, uint16_t l)
{
    struct vscsi_nexus n = {c, t, l};
    return n;
}

#endif
