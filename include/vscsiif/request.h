/* SPDX-License-Identifier: MIT */
/*
 * Requests: the frontend builds them, the backend validates them.
 *
 * Building writes straight into a ring slot (or any struct vscsi_request) and
 * checks every field against the protocol limits, so a frontend built on these
 * calls cannot emit a request a strict backend would reject.
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
 * must then fetch. Inline (with an exported copy). */
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
 * cdb_len is 0 or > 16 or dir > 3. Inline (with an exported copy): it runs
 * once per request. */
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
 * exceeds the page, or the request is already indirect; -ENOSPC past 26.
 * Inline: it runs once per segment. */
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

/* Per-segment page checks that a loop can OR together without a branch or a
 * compare per segment; the caller tests the accumulated value once.
 * Non-empty (the frontend's rule, and the backend's by default): offset +
 * length - 1 and length - 1 both below 4096, i.e. no bit at or above 12 in
 * either (length 0 wraps to all ones). Empty allowed: 4095 - offset and
 * 4096 - offset - length both non-negative, i.e. bit 31 clear in both. */
#define VSCSI_SEG_BITS_NONEMPTY(off, len) (((uint32_t)(off) + (len)-1u) | ((uint32_t)(len)-1u))
#define VSCSI_SEG_BAD_NONEMPTY(acc)       (((acc) >> 12) != 0)
#define VSCSI_SEG_BITS_EMPTY_OK(off, len)                                                          \
    ((VSCSI_PAGE_SIZE - 1u - (uint32_t)(off)) | (VSCSI_PAGE_SIZE - (uint32_t)(off) - (len)))
#define VSCSI_SEG_BAD_EMPTY_OK(acc) (((acc) >> 31) != 0)

/* Sets all n direct data segments at once (replacing any already there): the
 * fast path for a frontend that holds its scatter list ready. Each segment is
 * checked as vscsi_req_add_seg() does; returns 0, -EINVAL or -ENOSPC if
 * n > 26. After -EINVAL the request has no data segments (nr_segments 0),
 * never a mix of old and new ones. */
VSCSI_INLINE int vscsi_req_set_segs(struct vscsi_request *rq, const struct vscsi_seg *segs,
                                    unsigned n)
{
    uint32_t bad = 0;

    if (n > VSCSI_SG_TABLESIZE)
        return -ENOSPC;
    /* Copy and check in one pass with no early exit (the common case is all
     * valid): a separate memcpy of n * 8 bytes became `rep movs`, slow to
     * start for a few hundred bytes. */
    for (unsigned i = 0; i < n; i++) {
        uint64_t w; /* one 8-byte move: a struct copy became 16-bit lane shuffles */

        memcpy(&w, &segs[i], sizeof(w));
        memcpy(&rq->seg[i], &w, sizeof(w));
        bad |= VSCSI_SEG_BITS_NONEMPTY(segs[i].offset, segs[i].length);
    }
    bad = VSCSI_SEG_BAD_NONEMPTY(bad);
    rq->nr_segments = bad ? 0 : (uint8_t)n;
    return bad ? -EINVAL : 0;
}

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

/* Sets the reason and returns -EINVAL. */
VSCSI_INLINE int vscsi_cmd_reject(struct vscsi_cmd *cmd, enum vscsi_reject why, uint32_t index)
{
    cmd->reject = why;
    cmd->bad_index = index;
    return -EINVAL;
}

/* Phase 1: header fields. Fills every field of cmd but the segment ones
 * (those are zeroed). Returns 0, or -EINVAL with cmd->reject set (ACT,
 * CMD_LEN, DIRECTION, BIDI); cmd->rqid is always valid, so the caller can
 * answer. The CDB is copied zero-padded to 16 bytes, and stays all zero on a
 * rejection. Inline (with an exported copy): it runs once per request. */
VSCSI_INLINE int vscsi_cmd_parse(const struct vscsi_request *copy, const struct vscsi_limits *lim,
                                 struct vscsi_cmd *cmd)
{
    /* Byte i of the padded CDB is cmnd[i] & mask[16 - len + i]: two 8-byte
     * ANDs instead of a memset and a variable-length memcpy, and the same
     * bytes on any endianness. */
    static const uint8_t mask[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                     0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    unsigned len = copy->cmd_len, keep = 0;
    uint64_t w0, w1, m0, m1;

    cmd->rqid = copy->rqid;
    cmd->act = copy->act;
    cmd->cdb_len = 0;
    cmd->nx.channel = copy->channel;
    cmd->nx.id = copy->id;
    cmd->nx.lun = copy->lun;
    cmd->ref_rqid = copy->ref_rqid;
    cmd->dir = copy->sc_data_direction;
    cmd->indirect = 0;
    cmd->nr_pages = 0;
    cmd->nr_segs = 0;
    cmd->data_len = 0;
    cmd->segs = NULL;
    cmd->reject = VSCSI_REJ_NONE;
    cmd->bad_index = 0;

    /* Same order as Linux back, so that answers match it: direction and
     * cmd_len are checked for every act before anything else. */
    if (copy->sc_data_direction > VSCSI_DIR_NONE)
        cmd->reject = VSCSI_REJ_DIRECTION;
    else if (len > VSCSI_MAX_CDB_LEN)
        cmd->reject = VSCSI_REJ_CMD_LEN;
    else if (copy->act == VSCSI_ACT_CDB) {
        if (len == 0)
            cmd->reject = VSCSI_REJ_CMD_LEN;
        else if (copy->sc_data_direction == VSCSI_DIR_BIDIRECTIONAL && !lim->allow_bidi)
            cmd->reject = VSCSI_REJ_BIDI;
    } else if (copy->act != VSCSI_ACT_ABORT && copy->act != VSCSI_ACT_RESET)
        cmd->reject = VSCSI_REJ_ACT;
    if (cmd->reject == VSCSI_REJ_NONE)
        keep = len;
    memcpy(&w0, copy->cmnd, 8);
    memcpy(&w1, copy->cmnd + 8, 8);
    memcpy(&m0, mask + 16 - keep, 8);
    memcpy(&m1, mask + 24 - keep, 8);
    w0 &= m0;
    w1 &= m1;
    memcpy(cmd->cdb, &w0, 8);
    memcpy(cmd->cdb + 8, &w1, 8);
    cmd->cdb_len = (uint8_t)keep;
    return cmd->reject == VSCSI_REJ_NONE ? 0 : -EINVAL;
}

/* Phase 2 (CDB only): data segments. For indirect requests the regions are
 * read through rd into storage (storage_len entries); every descriptor is
 * validated on that private copy. Returns 0; -EINVAL with cmd->reject and
 * cmd->bad_index set; -EIO (reject GRANT) if rd failed.
 * vscsi_cmd_parse_data_full() does all of it; the inline vscsi_cmd_parse_data()
 * handles valid direct requests itself (one pass, no early exit) and hands
 * everything else to it, so both give the same answers. */
VSCSI_API int vscsi_cmd_parse_data_full(const struct vscsi_request *copy,
                                        const struct vscsi_limits *lim, vscsi_indirect_read_fn rd,
                                        void *rd_ctx, struct vscsi_seg *storage, size_t storage_len,
                                        struct vscsi_cmd *cmd);

/* The rare path of the inline vscsi_cmd_parse_data(), through a copy of the
 * view: `cmd` itself never has its address taken by an out-of-line call, so
 * a caller's view on the stack can live in registers and the stores nobody
 * reads disappear. */
VSCSI_INLINE int vscsi_cmd_parse_data_slow(const struct vscsi_request *copy,
                                           const struct vscsi_limits *lim,
                                           vscsi_indirect_read_fn rd, void *rd_ctx,
                                           struct vscsi_seg *storage, size_t storage_len,
                                           struct vscsi_cmd *cmd)
{
    struct vscsi_cmd tmp = *cmd;
    int rc = vscsi_cmd_parse_data_full(copy, lim, rd, rd_ctx, storage, storage_len, &tmp);

    *cmd = tmp;
    return rc;
}

/* 1 if all n data segments are inside their pages (and, unless allow_empty,
 * non-empty), with their byte total in *total: one pass, no early exit. */
VSCSI_INLINE int vscsi_segs_ok(const struct vscsi_seg *sg, uint32_t n, int allow_empty,
                               uint64_t *total)
{
    uint64_t sum = 0;
    uint32_t acc = 0;
    int ok;

    if (!allow_empty) {
        for (uint32_t i = 0; i < n; i++) {
            acc |= VSCSI_SEG_BITS_NONEMPTY(sg[i].offset, sg[i].length);
            sum += sg[i].length;
        }
        ok = !VSCSI_SEG_BAD_NONEMPTY(acc);
    } else {
        for (uint32_t i = 0; i < n; i++) {
            acc |= VSCSI_SEG_BITS_EMPTY_OK(sg[i].offset, sg[i].length);
            sum += sg[i].length;
        }
        ok = !VSCSI_SEG_BAD_EMPTY_OK(acc);
    }
    *total = sum;
    return ok;
}

/* Checks the data segments a view already holds (cmd->segs, cmd->nr_segs:
 * for an indirect request the regions read once into storage) and sets
 * data_len, or the reject and the offending index. Never reads guest memory. */
VSCSI_API int vscsi_cmd_check_data_full(struct vscsi_cmd *cmd, const struct vscsi_limits *lim);

VSCSI_INLINE int vscsi_cmd_check_data_slow(struct vscsi_cmd *cmd, const struct vscsi_limits *lim)
{
    struct vscsi_cmd tmp = *cmd; /* as in vscsi_cmd_parse_data_slow */
    int rc = vscsi_cmd_check_data_full(&tmp, lim);

    *cmd = tmp;
    return rc;
}

/* Indirect requests: page descriptors checked on the private copy, each
 * region read exactly once through rd, then the data segments checked on
 * what was read. Anything unusual before the reads goes to the full
 * function (it reads nothing either until the descriptors pass); after the
 * reads only the checks of vscsi_cmd_check_data_full() remain, on storage. */
VSCSI_INLINE int vscsi_cmd_parse_indirect(const struct vscsi_request *copy,
                                          const struct vscsi_limits *lim, vscsi_indirect_read_fn rd,
                                          void *rd_ctx, struct vscsi_seg *storage,
                                          size_t storage_len, struct vscsi_cmd *cmd)
{
    unsigned pages = copy->nr_segments & VSCSI_SG_COUNT_MASK;
    uint32_t limit = lim->max_segs < storage_len ? lim->max_segs : (uint32_t)storage_len;
    uint32_t shape = 0, align = 0, total = 0;
    uint64_t bytes;

    if (pages == 0 || pages > VSCSI_SG_TABLESIZE || lim->max_segs == 0 || !rd)
        return vscsi_cmd_parse_data_slow(copy, lim, rd, rd_ctx, storage, storage_len, cmd);
    for (unsigned i = 0; i < pages; i++) {
        shape |= VSCSI_SEG_BITS_NONEMPTY(copy->seg[i].offset, copy->seg[i].length);
        align |= (uint32_t)copy->seg[i].offset | copy->seg[i].length;
        total += copy->seg[i].length / (uint32_t)sizeof(struct vscsi_seg);
    }
    if (VSCSI_SEG_BAD_NONEMPTY(shape) || (align % sizeof(struct vscsi_seg)) || total > limit)
        return vscsi_cmd_parse_data_slow(copy, lim, rd, rd_ctx, storage, storage_len, cmd);
    total = 0;
    for (unsigned i = 0; i < pages; i++) {
        if (rd(rd_ctx, &copy->seg[i], &storage[total]) < 0) {
            vscsi_cmd_reject(cmd, VSCSI_REJ_GRANT, i);
            return -EIO;
        }
        total += copy->seg[i].length / (uint32_t)sizeof(struct vscsi_seg);
    }
    cmd->indirect = 1;
    cmd->nr_pages = (uint8_t)pages;
    cmd->nr_segs = total;
    cmd->segs = storage;
    if (!vscsi_segs_ok(storage, total, lim->allow_zero_seg, &bytes) ||
        copy->sc_data_direction == VSCSI_DIR_NONE)
        return vscsi_cmd_check_data_slow(cmd, lim);
    cmd->data_len = bytes;
    return 0;
}

VSCSI_INLINE int vscsi_cmd_parse_data(const struct vscsi_request *copy,
                                      const struct vscsi_limits *lim, vscsi_indirect_read_fn rd,
                                      void *rd_ctx, struct vscsi_seg *storage, size_t storage_len,
                                      struct vscsi_cmd *cmd)
{
    unsigned n = copy->nr_segments;
    uint64_t total;

    if (n & VSCSI_SG_GRANT)
        return vscsi_cmd_parse_indirect(copy, lim, rd, rd_ctx, storage, storage_len, cmd);
    if (n > VSCSI_SG_TABLESIZE || !vscsi_segs_ok(copy->seg, n, lim->allow_zero_seg, &total) ||
        (n && copy->sc_data_direction == VSCSI_DIR_NONE))
        return vscsi_cmd_parse_data_slow(copy, lim, rd, rd_ctx, storage, storage_len, cmd);
    cmd->nr_segs = n;
    cmd->segs = copy->seg;
    cmd->data_len = total;
    return 0;
}

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
