/* SPDX-License-Identifier: MIT */
/*
 * Frontend engine (scsifront): one handle per vhost (xenbus device).
 *
 * It owns the ring page and event channel, runs the XenStore handshake with
 * the backend, tracks the LUNs the backend offers, turns I/O into direct or
 * indirect requests over granted bounce pages (or the caller's own pages,
 * see vscsi_front_buf_alloc), and matches responses to
 * requests. The backend is untrusted: any protocol violation (impossible
 * rsp_prod, a response for an rqid not in flight, a grant the backend will
 * not let go) latches the device in an error state; requests in flight are
 * then completed locally and nothing more is sent.
 *
 * Threading: not thread-safe; all calls for one handle, including the
 * completion callback, happen on one thread (the embedder's event loop).
 */
#ifndef VSCSIIF_FRONT_H
#define VSCSIIF_FRONT_H

#include <stddef.h>
#include <stdint.h>

#include "vscsiif/common.h"
#include "vscsiif/platform.h"
#include "vscsiif/response.h"
#include "vscsiif/xenbus.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vscsi_front; /* opaque */

/* Completion of a request: `res` is the decoded, sanitised response (for
 * ABORT/RESET see res->tmr_ok). For locally failed requests (disconnect,
 * error state) res->host is VSCSI_HOST_RESET or VSCSI_HOST_NO_CONNECT and
 * res->rslt is 0. `bytes` is what arrived in the caller's buffer (data-in). */
typedef void (*vscsi_front_done_fn)(void *cb_ctx, void *user, const struct vscsi_result *res,
                                    size_t bytes);
/* A LUN appeared (added = 1) or went away (0); v-dev as in the backend's vscsi-devs. */
typedef void (*vscsi_front_lun_fn)(void *cb_ctx, const char *devname, uint32_t host,
                                   const struct vscsi_nexus *nx, int added);

struct vscsi_front_config {
    size_t size; /* sizeof(struct vscsi_front_config) as compiled; >= VSCSI_FRONT_CONFIG_SIZE_V1 */
    const struct vscsi_platform_ops *ops;
    void *ops_ctx;
    /* Our device directory, e.g. /local/domain/5/device/vscsi/0; its
     * `backend` and `backend-id` nodes were written by the toolstack. */
    const char *dev_path;
    vscsi_front_done_fn done;
    vscsi_front_lun_fn lun;
    void *cb_ctx;
    uint32_t max_segs;       /* data pages per request we are willing to use; 0 = 128 */
    uint32_t abort_after_ms; /* request timeout before ABORT; 0 = 30000 */
    uint32_t reset_after_ms; /* ABORT/RESET timeout before the next step; 0 = 10000 */
};

/* What `size` must at least be: the struct of the first release. Members are
 * only ever appended; an older caller's smaller struct reads as zero (the
 * default) in the members it lacks. */
#define VSCSI_FRONT_CONFIG_SIZE_V1                                                                 \
    (offsetof(struct vscsi_front_config, reset_after_ms) + sizeof(uint32_t))

VSCSI_API int vscsi_front_new(const struct vscsi_front_config *cfg, struct vscsi_front **out);
/* Revokes every grant it can, closes the channel, unwatches, frees (the
 * zero-copy buffers too). Pages whose grant the backend still holds are
 * leaked on purpose (XSA-396).
 * Requests still in flight are dropped without a callback: close first and
 * wait for Closed to have every request completed. Never call it from a
 * callback of the same handle. (Not vscsi_front_free:
 * ring.h already uses that name for the free-slot count.) */
VSCSI_API void vscsi_front_destroy(struct vscsi_front *f);

/* Allocates and grants the ring, allocates the event channel, writes
 * ring-ref and event-channel in one transaction (retried on -EAGAIN),
 * switches to Initialised and watches the backend's state. */
VSCSI_API int vscsi_front_start(struct vscsi_front *f);
/* Deliver a watch event (path, token as registered by this handle). */
VSCSI_API int vscsi_front_handle_watch(struct vscsi_front *f, const char *path, const char *token);
/* The event channel fired: reap responses, complete requests. */
VSCSI_API int vscsi_front_handle_event(struct vscsi_front *f);
/* For embedders that busy-poll the ring instead of sleeping on the event
 * channel: reaps responses without re-arming the event, so a polled backend
 * need not notify. Call vscsi_front_handle_event() (which re-arms and looks
 * once more) before going to sleep, or a response may go unnoticed. */
VSCSI_API int vscsi_front_poll(struct vscsi_front *f);
/* Time passes: requests past their deadline get ABORT, then RESET, then the
 * device is failed. `now_ms` is any monotonic clock; a request's age counts
 * from the first tick after it was sent. */
VSCSI_API int vscsi_front_tick(struct vscsi_front *f, uint64_t now_ms);
/* Switch to Closing; the backend answers and both go Closed. */
VSCSI_API int vscsi_front_close(struct vscsi_front *f);

struct vscsi_front_io {
    struct vscsi_nexus nx;
    const uint8_t *cdb;
    uint8_t cdb_len;
    uint8_t dir; /* VSCSI_DIR_TO_DEVICE, FROM_DEVICE or NONE */
    void *buf;   /* data; copied out before TO_DEVICE, in after FROM_DEVICE */
    size_t len;
    uint32_t timeout_ms; /* 0 = config default */
};

/* Queues one command. Returns the rqid (>= 0); -EAGAIN if 16 are in flight
 * or the ring is full; -ENOTCONN before Connected; -E2BIG if len needs more
 * pages than the backend's feature-sg-grant allows; -EIO in error state;
 * -EINVAL for a bad io. Completion comes through cfg.done with `user`.
 * A buf inside a vscsi_front_buf_alloc() buffer is granted, not copied. */
VSCSI_API int vscsi_front_submit(struct vscsi_front *f, const struct vscsi_front_io *io,
                                 void *user);
/* Sends ABORT for a command in flight (rqid) / RESET for a nexus. Returns
 * the rqid of the TMR, or -EAGAIN/-ENOENT/-ENOTCONN/-EIO; -EALREADY if an
 * ABORT for that command is already outstanding. When an ABORT succeeds
 * (tmr_ok) and the command has not been answered, the command is completed
 * with host VSCSI_HOST_ABORT before the ABORT itself; a successful RESET
 * completes the nexus' older unanswered commands with VSCSI_HOST_RESET. Such
 * commands keep their rqid and granted pages until the backend answers them
 * or disconnects (docs/protocol.md §3.5), so they still count against the 16 rqids. */
VSCSI_API int vscsi_front_abort(struct vscsi_front *f, int rqid, void *user);
VSCSI_API int vscsi_front_reset(struct vscsi_front *f, const struct vscsi_nexus *nx, void *user);

/*
 * Zero-copy buffers. A buffer from vscsi_front_buf_alloc() is page-aligned,
 * virtually contiguous memory that the platform can grant (its alloc_pages
 * op). A vscsi_front_submit() whose [buf, buf + len) lies inside one such
 * buffer grants those pages in place instead of bouncing through the
 * engine's own pages: nothing is copied in either direction, and data-in is
 * in the buffer when cfg.done runs (`bytes` as always). Each request grants
 * whole pages, so the backend can read (data-out) or write (data-in) every
 * byte of the pages the range touches: keep nothing in a buffer that this
 * backend must not see or change. A range that would need more segments
 * than negotiated because it is not page-aligned is bounced instead.
 *
 * vscsi_front_buf_alloc: len > 0 rounded up to pages, at most
 * VSCSI_FRONT_BUF_MAX_PAGES; -EOPNOTSUPP when the platform has no page-pool
 * ops (the Xen userspace adapter), -E2BIG past the maximum, -ENOSPC when
 * VSCSI_FRONT_BUFS buffers are already allocated, or the platform's error.
 *
 * vscsi_front_buf_free: the pointer alloc returned. While a request still
 * holds grants on the buffer (in flight, or completed locally after an
 * ABORT/RESET the backend has not answered yet), the free is deferred until
 * the last of those grants is revoked: the caller must not touch the buffer
 * again either way. If the backend kept a grant on one of its pages
 * (quarantined_grants), the whole buffer is leaked on purpose: that page must
 * never be reused (XSA-396). vscsi_front_destroy() frees the buffers still
 * allocated, with the same exception.
 */
#define VSCSI_FRONT_BUF_MAX_PAGES 1024u
#define VSCSI_FRONT_BUFS          64u
VSCSI_API int vscsi_front_buf_alloc(struct vscsi_front *f, size_t len, void **buf);
VSCSI_API void vscsi_front_buf_free(struct vscsi_front *f, void *buf);

VSCSI_API enum vscsi_xb_state vscsi_front_state(const struct vscsi_front *f);
VSCSI_API int vscsi_front_error(const struct vscsi_front *f); /* 0 or the latched -errno */
VSCSI_API uint32_t vscsi_front_port(const struct vscsi_front *f);
VSCSI_API uint32_t vscsi_front_max_segs(const struct vscsi_front *f); /* negotiated */

/* submitted: CDBs sent; completed: callbacks for answered requests (CDB or
 * the caller's TMRs); failed_locally: callbacks without an answer (aborted,
 * reset, disconnect, error state); aborts/resets: TMRs sent, ours included;
 * indirect: CDBs sent with indirect pages; anomalies: responses the decoder
 * had to correct plus hostile XenStore values skipped; quarantined_grants:
 * pages whose grant the backend would not give back, leaked for good;
 * in_flight: the caller's requests not completed yet. */
struct vscsi_front_stats {
    uint64_t submitted, completed, failed_locally, aborts, resets, notifies, events,
        spurious_events, indirect, anomalies, quarantined_grants;
    uint32_t in_flight;
};
VSCSI_API void vscsi_front_stats(const struct vscsi_front *f, struct vscsi_front_stats *out);

#ifdef __cplusplus
}
#endif

#endif
