/* SPDX-License-Identifier: MIT */
/*
 * Requests: the frontend builds them, the backend validates them.
 *
 * Building writes straight into a ring slot (or any struct vscsi_request) and
 * checks every field against the protocol limits, so a frontend built on these
 * calls cannot emit a request a strict backend would reject.
 *
 * The builders below that are trivial field setters are inline (as liburing
 * keeps only ring operations and setters inline); every check of hostile
 * input is in the library, out of line, so a fix reaches every embedder
 * through a library upgrade.
 *
 * Validation works on a PRIVATE copy of the slot (vscsi_back_take() makes it)
 * and, for indirect requests, reads each descriptor page exactly once through
 * a caller-supplied accessor into caller-supplied storage. It is split in two
 * so that a backend can answer in Linux's order: header fields (act, cmd_len,
 * direction) first, then the LUN lookup (NO_CONNECT), then the data segments.
 * Each rejection has its own code; vscsi_reject_rslt() gives the wire answer.
 */
#ifndef VSCSIIF_REQUEST_H
#define VSCSIIF_REQUEST_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vscsiif/common.h"
#include "vscsiif/wire.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- building */

#ifndef VSCSI_INLINE
#define VSCSI_INLINE static inline
#endif

/* The header every act shares: rqid, act, nexus; CDB, timeout, ref_rqid and
 * nr_segments zeroed, direction NONE. seg[] and reserved[] are not touched:
 * vscsi_front_produce() zeroes reserved[] in the slot (docs/protocol.md
 * §1.3), and only if the slot holds something else there, because writing it
 * unconditionally dirties one more cache line per request that the backend
 * must then fetch. */
VSCSI_INLINE void vscsi_req_init(struct vscsi_request *rq, uint16_t rqid, uint8_t act,
                                 const struct vscsi_nexus *nx)
{
    rq->rqid = rqid;
    rq->act = act;
    rq->cmd_len = 0;
    memset(rq->cmnd, 0, sizeof(rq->cmnd));
    rq->timeout_per_command = 0;
    rq->channel = nx->channel;
    rq->id = nx->id;
    rq->lun = nx->lun;
    rq->ref_rqid = 0;
    rq->sc_data_direction = VSCSI_DIR_NONE;
    rq->nr_segments = 0;
}

/* Starts a CDB request: sets rqid, nexus, CDB (zero-padded), direction and
 * timeout, zeroes nr_segments. seg[] is not cleared: built in
 * a ring slot its old bytes are the peer's anyway; built in private memory,
 * publish only the header and the used segments. Returns 0, or -EINVAL if
 * cdb_len is 0 or > 16 or dir > 3. */
VSCSI_INLINE int vscsi_req_cdb(struct vscsi_request *rq, uint16_t rqid,
                               const struct vscsi_nexus *nx, const void *cdb, size_t cdb_len,
                               uint8_t dir, uint16_t timeout_s)
{
    if (!rq || !nx || !cdb || cdb_len == 0 || cdb_len > VSCSI_MAX_CDB_LEN || dir > VSCSI_DIR_NONE)
        return -EINVAL;
    vscsi_req_init(rq, rqid, VSCSI_ACT_CDB, nx);
    rq->cmd_len = (uint8_t)cdb_len;
    memcpy(rq->cmnd, cdb, cdb_len);
    rq->timeout_per_command = timeout_s;
    rq->sc_data_direction = dir;
    return 0;
}

/* Appends a direct data segment. Returns 0; -EINVAL if len is 0, offset+len
 * exceeds the page, or the request is already indirect; -ENOSPC past 26. */
VSCSI_INLINE int vscsi_req_add_seg(struct vscsi_request *rq, uint32_t gref, uint16_t offset,
                                   uint16_t len)
{
    unsigned n = rq->nr_segments;

    if (len == 0 || (uint32_t)offset + len > VSCSI_PAGE_SIZE || (n & VSCSI_SG_GRANT))
        return -EINVAL;
    if (n >= VSCSI_SG_TABLESIZE)
        return -ENOSPC;
    rq->seg[n].gref = gref;
    rq->seg[n].offset = offset;
    rq->seg[n].length = len;
    rq->nr_segments = (uint8_t)(n + 1);
    return 0;
}

/* Sets all n direct data segments at once (replacing any already there): the
 * fast path for a frontend that holds its scatter list ready. Each segment is
 * checked as vscsi_req_add_seg() does; returns 0, -EINVAL or -ENOSPC if
 * n > 26. After -EINVAL the request has no data segments (nr_segments 0),
 * never a mix of old and new ones. */
VSCSI_API int vscsi_req_set_segs(struct vscsi_request *rq, const struct vscsi_seg *segs,
                                 unsigned n);

/* Appends an indirect page: a granted region holding len/8 data segment
 * descriptors. Sets VSCSI_SG_GRANT. Returns 0; -EINVAL if len is 0, not a
 * multiple of 8, offset is not 8-aligned, the region leaves the page, or
 * direct segments are present; -ENOSPC past 26 pages. */
VSCSI_API int vscsi_req_add_indirect(struct vscsi_request *rq, uint32_t gref, uint16_t offset,
                                     uint16_t len);

/* ABORT of the command `ref_rqid` on the nexus. Returns 0. */
VSCSI_API int vscsi_req_abort(struct vscsi_request *rq, uint16_t rqid, const struct vscsi_nexus *nx,
                              uint16_t ref_rqid);

/* LUN RESET of the nexus. Returns 0. */
VSCSI_API int vscsi_req_reset(struct vscsi_request *rq, uint16_t rqid,
                              const struct vscsi_nexus *nx);

/* Number of data segments a request carries directly (indirect: 0). */
VSCSI_API unsigned vscsi_req_nr_direct(const struct vscsi_request *rq);

/* -------------------------------------------------------------- validation */

/* Why a request was refused. Stable values: they appear in traces and tests. */
enum vscsi_reject {
    VSCSI_REJ_NONE = 0,
    VSCSI_REJ_ACT,                  /* act not CDB/ABORT/RESET (SG_PRESET included) */
    VSCSI_REJ_CMD_LEN,              /* cmd_len > 16, or 0 for a CDB */
    VSCSI_REJ_DIRECTION,            /* sc_data_direction > 3 */
    VSCSI_REJ_BIDI,                 /* BIDIRECTIONAL and the backend does not do it */
    VSCSI_REJ_NO_LUN,               /* nexus not attached (answered NO_CONNECT) */
    VSCSI_REJ_NR_SEGS,              /* count > 26 (direct segments or indirect pages) */
    VSCSI_REJ_INDIRECT_UNSUPPORTED, /* SG_GRANT set, feature-sg-grant not advertised */
    VSCSI_REJ_INDIRECT_DESC,        /* indirect region: len 0, len%8, offset%8, or past the page */
    VSCSI_REJ_TOO_MANY_SEGS,        /* more data segments than advertised/storage */
    VSCSI_REJ_SEG_BOUNDS,           /* data segment offset >= 4096 or offset+len > 4096 */
    VSCSI_REJ_SEG_EMPTY,            /* zero-length data segment */
    VSCSI_REJ_DIR_MISMATCH,         /* segments with direction NONE */
    VSCSI_REJ_GRANT,                /* mapping or copying a page failed */
    VSCSI_REJ_DUP_RQID,             /* rqid already in flight */
    VSCSI_REJ_BUSY,                 /* resource limit (too many TMRs, no memory) */
    VSCSI_REJ_COUNT
};

/* What a backend accepts; zero-initialised means the strictest setting with
 * indirect segments disabled. */
struct vscsi_limits {
    uint32_t max_segs;      /* advertised feature-sg-grant; 0 = no indirect */
    uint8_t allow_bidi;     /* accept BIDIRECTIONAL as one buffer */
    uint8_t allow_zero_seg; /* accept zero-length data segments (Linux back does) */
};

/* A validated request. `segs` points into the private slot copy (direct) or
 * into the caller's storage (indirect); both must outlive the view. */
struct vscsi_cmd {
    uint16_t rqid;
    uint8_t act;
    uint8_t cdb_len;
    uint8_t cdb[VSCSI_MAX_CDB_LEN];
    struct vscsi_nexus nx;
    uint16_t ref_rqid;
    uint8_t dir;
    uint8_t indirect;  /* data segments came from indirect pages */
    uint8_t nr_pages;  /* indirect pages */
    uint32_t nr_segs;  /* data segments */
    uint64_t data_len; /* sum of data segment lengths */
    const struct vscsi_seg *segs;
    enum vscsi_reject reject;
    uint32_t bad_index; /* the segment or page that caused reject */
};

/* Reads one indirect region (desc->offset, desc->length of the page granted
 * by desc->gref) into dst, exactly once. Returns 0 or a negative errno. */
typedef int (*vscsi_indirect_read_fn)(void *ctx, const struct vscsi_seg *desc, void *dst);

/* Phase 1: header fields. Fills every field of cmd but the segment ones
 * (those are zeroed). Returns 0, or -EINVAL with cmd->reject set (ACT,
 * CMD_LEN, DIRECTION, BIDI); cmd->rqid is always valid, so the caller can
 * answer. The CDB is copied zero-padded to 16 bytes, and stays all zero on a
 * rejection. */
VSCSI_API int vscsi_cmd_parse(const struct vscsi_request *copy, const struct vscsi_limits *lim,
                              struct vscsi_cmd *cmd);

/* Phase 2 (CDB only): data segments. For indirect requests the regions are
 * read through rd into storage (storage_len entries), each exactly once and
 * only after every page descriptor passed; every data segment is validated
 * on that private copy. Returns 0; -EINVAL with cmd->reject and
 * cmd->bad_index set; -EIO (reject GRANT) if rd failed. */
VSCSI_API int vscsi_cmd_parse_data(const struct vscsi_request *copy, const struct vscsi_limits *lim,
                                   vscsi_indirect_read_fn rd, void *rd_ctx,
                                   struct vscsi_seg *storage, size_t storage_len,
                                   struct vscsi_cmd *cmd);

/* The rslt a backend sends for a rejection: NO_CONNECT for NO_LUN, BUS_BUSY
 * for BUSY, ERROR otherwise (host byte, status 0). */
VSCSI_API int32_t vscsi_reject_rslt(enum vscsi_reject r);

/* Short lower-case name ("cmd_len", "indirect_desc", ...), "?" if unknown. */
VSCSI_API const char *vscsi_reject_str(enum vscsi_reject r);

/* Iterates the data segments of a validated command. */
struct vscsi_seg_iter {
    const struct vscsi_cmd *cmd;
    uint32_t next;
};
VSCSI_API void vscsi_seg_iter_init(struct vscsi_seg_iter *it, const struct vscsi_cmd *cmd);
/* Returns 1 and the next segment, or 0 at the end. */
VSCSI_API int vscsi_seg_iter_next(struct vscsi_seg_iter *it, struct vscsi_seg *out);

#ifdef __cplusplus
}
#endif

#endif /* VSCSIIF_REQUEST_H */
