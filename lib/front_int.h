/* SPDX-License-Identifier: MIT */
/*
 * Private state of the frontend engine, shared by lib/front*.c.
 *
 * Everything is allocated in vscsi_front_new(); the I/O paths only use what
 * is here. Cross-file helpers carry the vscsi_fi_ prefix and stay hidden
 * (the shared library is built with hidden visibility by default).
 */
#ifndef VSCSI_FRONT_INT_H
#define VSCSI_FRONT_INT_H

#include <stddef.h>
#include <stdint.h>

#include "vscsiif/front.h"
#include "vscsiif/ring.h"
#include "vscsiif/request.h"
#include "vscsiif/response.h"
#include "vscsiif/xenbus.h"

#define VSCSI_FI_NR_RQ     16 /* rqids, as many as ring slots */
#define VSCSI_FI_DEF_SEGS  128
#define VSCSI_FI_DEF_ABORT 30000u
#define VSCSI_FI_DEF_RESET 10000u
#define VSCSI_FI_NAME_MAX  63 /* longest vscsi-devs child name we accept */
#define VSCSI_FI_TOKEN_MAX 48
#define VSCSI_FI_XS_TRIES  16
#define VSCSI_FI_NO_TIME   UINT64_MAX
/* Room a backend path must leave for "/vscsi-devs/<name>/state". */
#define VSCSI_FI_SUFFIX_MAX (sizeof("/vscsi-devs//state") + VSCSI_FI_NAME_MAX)

/* Timeout escalation of one command (docs/protocol.md §3.5: ABORT, RESET, give up). */
enum vscsi_fi_esc { VSCSI_FI_ESC_NONE, VSCSI_FI_ESC_ABORT, VSCSI_FI_ESC_RESET };

/*
 * One rqid. It is busy from push until (a) its own response arrived or the
 * device disconnected and (b) no ABORT naming it is outstanding: reusing an
 * rqid while an ABORT refers to it would let the backend abort the wrong
 * command. "completed" means the caller has been told; after that the
 * caller's buffer is never touched again.
 */
struct vscsi_fi_rq {
    uint8_t busy;
    uint8_t rsp_due;   /* its own response has not arrived */
    uint8_t completed; /* cfg.done was called (or, internal TMR, would have been) */
    uint8_t act;
    uint8_t dir;
    uint8_t internal; /* TMR sent by tick(): nobody to call back */
    uint8_t esc;      /* enum vscsi_fi_esc (CDB) */
    uint8_t tmr_timed_out;
    struct vscsi_nexus nx;
    uint64_t seq; /* submission number: tells reuses of an rqid apart */
    void *user;
    void *buf;
    size_t len;
    uint32_t timeout_ms;
    uint64_t start_ms; /* first tick that saw it (VSCSI_FI_NO_TIME until then) */
    uint64_t esc_ms;   /* when the current escalation stage began */
    int abort_by;      /* CDB: rqid of the outstanding ABORT naming it, -1 if none */
    int target;        /* ABORT: the command it names */
    uint64_t target_seq;
    /* Zero copy: 1 + index in f->bufs of the buffer granted in place, 0 when
     * bounced; off0 is where the data starts in the first page. */
    uint8_t zc_buf;
    uint16_t off0;
    /* Granted pages; still granted while held (quarantine included). */
    uint32_t nr_pages, nr_ind;
    uint32_t *refs;
    void **pages;
    /* From here on only what nr_ind covers is meaningful: vscsi_fi_rq_alloc
     * clears the fields above and leaves these 300-odd bytes alone. */
    uint32_t ind_refs[VSCSI_SG_TABLESIZE];
    void *ind_pages[VSCSI_SG_TABLESIZE];
};

/*
 * Page pool of one rqid (platforms with the page-pool ops): the bounce and
 * descriptor pages its requests have needed so far, granted per request and
 * kept ungranted in between. A page whose grant the backend kept is dropped
 * from here and never freed.
 */
struct vscsi_fi_pool {
    void **data; /* cap_segs entries, the first ndata in use */
    uint32_t ndata, nind;
    void *ind[VSCSI_SG_TABLESIZE];
};

/* A zero-copy buffer (vscsi_front_buf_alloc). addr NULL: slot free. */
struct vscsi_fi_buf {
    uint8_t *addr;
    size_t size; /* pages * 4096 */
    uint32_t pages;
    uint32_t users;       /* requests holding grants on it */
    uint32_t quarantined; /* its pages whose grant the backend kept */
    uint8_t dying;        /* freed by the caller while users > 0 */
};

struct vscsi_fi_lun {
    uint8_t used;
    char name[VSCSI_FI_NAME_MAX + 1];
    uint32_t host;
    struct vscsi_nexus nx;
};

struct vscsi_front {
    struct vscsi_front_config cfg;
    const struct vscsi_platform_ops *ops;
    void *ctx;
    char dev_path[VSCSI_XB_PATH_MAX + 1];
    char be_path[VSCSI_XB_PATH_MAX + 1];
    char watch_path[VSCSI_XB_PATH_MAX + 1];
    char token[VSCSI_FI_TOKEN_MAX];
    uint16_t be_domid;
    uint8_t started, watching, have_port, ring_granted;
    uint8_t suspended;    /* vscsi_front_suspend: nothing new goes out */
    uint8_t resumed;      /* a new ring after vscsi_front_resume: LUNs to re-add */
    uint8_t be_seen_open; /* the backend showed a state other than Closed this session */
    uint8_t has_pool;     /* the platform has alloc_pages..end_access */

    enum vscsi_xb_state state; /* ours, as last written */
    int error;                 /* latched -errno, 0 while healthy */

    uint32_t cap_segs; /* what the caller allows (cfg.max_segs, >= 26) */
    uint32_t nr_segs;  /* negotiated; 0 before Connected */
    uint32_t abort_ms, reset_ms;

    uint32_t ring_ref;
    void *ring_page;
    struct vscsi_front_ring ring;
    uint32_t port;

    uint64_t now_ms;
    uint64_t next_seq;
    struct vscsi_fi_rq rq[VSCSI_FI_NR_RQ];
    struct vscsi_fi_pool pool[VSCSI_FI_NR_RQ];
    int *end_status; /* end_access statuses, cap_segs entries (pool only) */
    struct vscsi_fi_buf bufs[VSCSI_FRONT_BUFS];
    uint32_t nbufs; /* slots [0, nbufs) may be in use: lookups stop there */
    struct vscsi_fi_lun luns[VSCSI_XB_MAX_DEVS];
    char *dirbuf; /* vscsi-devs listing */
    size_t dirbuf_len;
    struct vscsi_front_stats st;
};

/* front.c */
int vscsi_fi_rq_alloc(struct vscsi_front *f);
void vscsi_fi_rq_release(struct vscsi_front *f, struct vscsi_fi_rq *r);
void vscsi_fi_rq_maybe_free(struct vscsi_front *f, struct vscsi_fi_rq *r);
int vscsi_fi_set_state(struct vscsi_front *f, enum vscsi_xb_state s);

/* front_io.c */
int vscsi_fi_ungrant_rq(struct vscsi_front *f, struct vscsi_fi_rq *r);
int vscsi_fi_send_tmr(struct vscsi_front *f, uint8_t act, const struct vscsi_nexus *nx, int target,
                      void *user, int internal);
int vscsi_fi_ring_ok(const struct vscsi_front *f);
/* front.c: the ring nodes in one transaction; the ring page and port given back. */
int vscsi_fi_write_ring_nodes(struct vscsi_front *f);
void vscsi_fi_release_ring(struct vscsi_front *f);
/* front_suspend.c: the LUNs we had, offered again to the backend of a new
 * ring (backend Connected after a resume). */
void vscsi_fi_readd_luns(struct vscsi_front *f);

/* front_pool.c */
int vscsi_fi_pool_init(struct vscsi_front *f);
/* Frees every pool page not granted (disconnect, error; destroy). */
void vscsi_fi_pool_drop(struct vscsi_front *f);
/* pool_drop, then the zero-copy buffers and the pool arrays (destroy). */
void vscsi_fi_pool_fini(struct vscsi_front *f);
/* The buffer [buf, buf + len) lies in, as an index in f->bufs; -1 if none. */
int vscsi_fi_buf_find(const struct vscsi_front *f, const void *buf, size_t len);
/* Pages [buf, buf + len) of buffer b spans. */
uint32_t vscsi_fi_buf_span(const struct vscsi_front *f, int b, const void *buf, size_t len);
/* Grant the data pages of a request: pool pages (data-out copied in) or, with
 * zc >= 0, the caller's buffer in place. r->nr_pages counts what was granted. */
int vscsi_fi_pool_grant(struct vscsi_front *f, struct vscsi_fi_rq *r, const void *buf, size_t len,
                        uint32_t pages, int zc);
/* Descriptor page p of a request from the pool (not granted yet). */
int vscsi_fi_pool_ind(struct vscsi_front *f, struct vscsi_fi_rq *r, uint32_t p, void **page);
/* Grants r->ind_pages[0..count) read-only in one call (r->nr_ind = count). */
int vscsi_fi_pool_grant_ind(struct vscsi_front *f, struct vscsi_fi_rq *r, uint32_t count);
/* end_access for everything the request holds (one call for the data pages,
 * one for the descriptors); -EBUSY if one was kept. */
int vscsi_fi_pool_end(struct vscsi_front *f, struct vscsi_fi_rq *r);

/* front_rsp.c */
void vscsi_fi_complete_local(struct vscsi_front *f, struct vscsi_fi_rq *r, uint8_t host);
void vscsi_fi_fail_all(struct vscsi_front *f, uint8_t host);
void vscsi_fi_latch(struct vscsi_front *f, int err);
/* Latches err, fails everything in flight (host RESET), heads for Closed. */
int vscsi_fi_fail(struct vscsi_front *f, int err);
int vscsi_fi_reset_pending(const struct vscsi_front *f, const struct vscsi_nexus *nx);
void vscsi_fi_escalate_reset(struct vscsi_front *f, struct vscsi_fi_rq *t);

/* front_xenbus.c */
void vscsi_fi_disconnect(struct vscsi_front *f);

#endif
