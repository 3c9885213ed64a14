/* SPDX-License-Identifier: MIT */
/* Backend engine internals, shared by lib/back*.c only. */
#ifndef VSCSI_BACK_INT_H
#define VSCSI_BACK_INT_H

#include "vscsiif/back.h"
#include "vscsiif/devstr.h"
#include "vscsiif/request.h"
#include "vscsiif/response.h"
#include "vscsiif/ring.h"

#define BACK_NAME_MAX 32 /* dev-N names; longer ones are refused */

struct back_lun {
    uint8_t used;     /* slot holds a LUN (possibly detached but still referenced) */
    uint8_t attached; /* visible to new commands */
    char name[BACK_NAME_MAX];
    struct vscsi_nexus nx;
    void *tlun;
    uint32_t refs; /* commands in flight on it */
};

struct back_req {
    struct vscsi_back *b;
    uint8_t busy;      /* consumed from the ring, not answered yet */
    uint8_t submitted; /* the target owns it until it completes */
    struct back_lun *lun;
    struct vscsi_request copy; /* the one private copy of the slot */
    struct vscsi_cmd cmd;
    struct vscsi_target_cmd tcmd;
    /* preallocated at connect, sized by max pages */
    struct vscsi_seg *segs;         /* indirect descriptors */
    struct vscsi_iov *iov;          /* map mode: one per segment */
    struct vscsi_grant_copy *gcopy; /* copy mode */
    uint32_t *refs;                 /* map mode; copy mode: vscsi__back_check_grants */
    uint8_t *bounce;                /* copy mode */
    uint8_t *probe;                 /* copy mode: vscsi__back_check_grants without the op */
    void *map_addr;
    uint32_t map_count;
    struct vscsi_iov xfer_iov; /* copy mode: bounce, or the target's direct buffer */
};

struct vscsi_back {
    struct vscsi_back_config cfg;
    char dev_path[VSCSI_XB_PATH_MAX + 1];
    char fe_path[VSCSI_XB_PATH_MAX + 1];
    char token[48];
    uint16_t fe_domid;
    enum vscsi_xb_state state;
    int error;
    int gone;
    int watching;
    int fe_seen; /* fe_state holds the last frontend state acted on */
    enum vscsi_xb_state fe_state;

    /* ring */
    int connected;
    int ring_broken;
    int evtchn_dead;  /* a notify failed (peer closed its end): no more sent */
    int tearing_down; /* vscsi__back_disconnect: a failed notify is no news then */
    int closing;      /* frontend asked to close; finishing once nothing is in flight */
    void *ring_page;
    uint32_t port;
    struct vscsi_back_ring ring;
    struct vscsi_limits lim;
    uint32_t max_pages; /* per request: max(26, max_segs) */
    int in_event;       /* batching: responses pushed at the end of handle_event */

    struct back_req reqs[VSCSI_RING_SIZE];
    struct back_lun luns[VSCSI_XB_MAX_DEVS];
    struct vscsi_back_stats st;
};

/* back_xenbus.c */
int vscsi__back_write_state(struct vscsi_back *b, enum vscsi_xb_state s);
void vscsi__back_fail(struct vscsi_back *b, int err, const char *why);

/* back_luns.c */
int vscsi__back_scan_luns(struct vscsi_back *b);
void vscsi__back_promote_luns(struct vscsi_back *b);
struct back_lun *vscsi__back_lun_find(struct vscsi_back *b, const struct vscsi_nexus *nx);
void vscsi__back_lun_put(struct vscsi_back *b, struct back_lun *l);
void vscsi__back_luns_close_all(struct vscsi_back *b);

/* back_ring.c */
int vscsi__back_connect(struct vscsi_back *b);
void vscsi__back_disconnect(struct vscsi_back *b);
int vscsi__back_try_finish_close(struct vscsi_back *b);
void vscsi__back_respond(struct back_req *r, int32_t rslt, const uint8_t *sense, size_t sense_len,
                         uint32_t residual);
void vscsi__back_release_data(struct back_req *r);
void vscsi__back_push(struct vscsi_back *b);
/* Serves the ring as an event would, re-arming req_event (not counted as one). */
int vscsi__back_serve_armed(struct vscsi_back *b);

/* back_direct.c: the target's own buffer for this command (target.h
 * direct_buffer), or NULL for the bounce path. */
uint8_t *vscsi__back_direct_buffer(struct back_req *r);

/* back_grants.c: 0 if every data grant of the command can be used (read,
 * and written too if `writable`) right now; before anything irreversible. */
int vscsi__back_check_grants(struct back_req *r, int writable);

/* back_tmr.c */
void vscsi__back_do_abort(struct back_req *tmr);
void vscsi__back_do_reset(struct back_req *tmr);
void vscsi__back_cancel_inflight(struct vscsi_back *b, struct back_lun *only, uint8_t host);

/* back_trace.c */
void vscsi__back_trace_req(struct vscsi_back *b, const struct vscsi_cmd *cmd,
                           const struct vscsi_request *rq);
void vscsi__back_trace_rsp(struct vscsi_back *b, const struct vscsi_response *rsp);
void vscsi__back_trace_msg(struct vscsi_back *b, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#endif
