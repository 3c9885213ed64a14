/* SPDX-License-Identifier: MIT */
/*
 * Backend engine (scsiback): one handle per vhost (xenbus device).
 *
 * It runs the XenStore handshake with the frontend, maps the ring, resolves
 * the vhost's LUNs (vscsi-devs) through the target's open(), and serves the
 * ring: each slot is copied once and validated, data segments are fetched
 * with grant copies (or mappings) into private buffers, the command goes to
 * the target, and exactly one response goes back per request, including
 * rejected ones, aborted ones and those in flight at disconnect. The
 * frontend is untrusted: a ring-level lie stops the ring for good (the
 * channel stays quiet) and the vhost goes to Closing.
 *
 * Memory: everything a vhost needs is allocated when the frontend connects
 * (ring, 16 request contexts, indirect storage, bounce buffers sized by
 * max_segs); serving requests allocates nothing.
 *
 * Threading: not thread-safe; all calls for one handle, including the
 * target's vscsi_back_complete(), happen on one thread.
 */
#ifndef VSCSIIF_BACK_H
#define VSCSIIF_BACK_H

#include <stddef.h>
#include <stdint.h>

#include "vscsiif/common.h"
#include "vscsiif/platform.h"
#include "vscsiif/target.h"
#include "vscsiif/xenbus.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vscsi_back; /* opaque */

enum vscsi_back_data_mode {
    VSCSI_BACK_COPY = 0, /* grant copy into private bounce buffers (snapshot semantics) */
    VSCSI_BACK_MAP = 1,  /* map the frontend's pages for the command's life (zero copy) */
};

/* One line per request and response for --trace; NULL to disable. */
typedef void (*vscsi_back_trace_fn)(void *cb_ctx, const char *line);

struct vscsi_back_config {
    size_t size; /* sizeof(struct vscsi_back_config) as compiled; >= VSCSI_BACK_CONFIG_SIZE_V1 */
    const struct vscsi_platform_ops *ops;
    void *ops_ctx;
    const struct vscsi_target_ops *target;
    void *target_ctx;
    /* Our directory, e.g. /local/domain/0/backend/vscsi/5/0; its `frontend`
     * and `frontend-id` nodes were written by the toolstack. */
    const char *dev_path;
    uint32_t max_segs; /* feature-sg-grant to advertise: 0 = no indirect, else 26..13312 */
    enum vscsi_back_data_mode data_mode;
    uint8_t allow_zero_seg; /* accept zero-length data segments (Linux back does) */
    vscsi_back_trace_fn trace;
    void *cb_ctx;
};

/* What `size` must at least be: the struct of the first release. Members are
 * only ever appended; an older caller's smaller struct reads as zero (the
 * default) in the members it lacks. */
#define VSCSI_BACK_CONFIG_SIZE_V1 (offsetof(struct vscsi_back_config, cb_ctx) + sizeof(void *))

VSCSI_API int vscsi_back_new(const struct vscsi_back_config *cfg, struct vscsi_back **out);
/* Disconnects (answering whatever is in flight if the ring is still sane),
 * unmaps, closes, frees. */
VSCSI_API void vscsi_back_destroy(struct vscsi_back *b);

/* Advertises feature-sg-grant, switches to InitWait and watches the
 * frontend's state. */
VSCSI_API int vscsi_back_start(struct vscsi_back *b);
VSCSI_API int vscsi_back_handle_watch(struct vscsi_back *b, const char *path, const char *token);
/* The event channel fired: serve the ring until it is empty. Returns the
 * number of requests taken, or -EPROTO once the ring is broken. */
VSCSI_API int vscsi_back_handle_event(struct vscsi_back *b);
/* Busy-poll variant: serves what is on the ring without re-arming the event,
 * so a polling frontend need not notify. Call vscsi_back_handle_event()
 * before sleeping on the channel. */
VSCSI_API int vscsi_back_poll(struct vscsi_back *b);

/* Called by the target, once per submitted command (see target.h). `sense`
 * may be NULL. residual = bytes of data_len not transferred. */
VSCSI_API void vscsi_back_complete(struct vscsi_target_cmd *cmd, uint8_t status,
                                   const uint8_t *sense, size_t sense_len, uint32_t residual);
/* Same with a host byte (e.g. VSCSI_HOST_TIME_OUT from a passthrough). */
VSCSI_API void vscsi_back_complete_host(struct vscsi_target_cmd *cmd, uint8_t host, uint8_t status,
                                        const uint8_t *sense, size_t sense_len, uint32_t residual);

VSCSI_API enum vscsi_xb_state vscsi_back_state(const struct vscsi_back *b);
VSCSI_API int vscsi_back_error(const struct vscsi_back *b); /* 0 or the latched -errno */
/* 1 once the frontend is Closed and the toolstack's `online` is not 1: the
 * embedder may free the handle. */
VSCSI_API int vscsi_back_gone(const struct vscsi_back *b);
VSCSI_API uint32_t vscsi_back_port(const struct vscsi_back *b);

struct vscsi_back_stats {
    uint64_t requests, responses, rejected, aborts, resets, notifies, events, spurious_events,
        bytes_in, bytes_out, luns;
    uint64_t rejects[16]; /* by enum vscsi_reject */
    uint32_t in_flight;
};
VSCSI_API void vscsi_back_stats(const struct vscsi_back *b, struct vscsi_back_stats *out);

#ifdef __cplusplus
}
#endif

#endif
