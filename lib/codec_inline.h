/* SPDX-License-Identifier: MIT */
/*
 * Internal: THE request validator and response decoder, the one
 * implementation of every hostile-input check on a request or a response
 * (docs: protocol digest §5.3 items 5-16, §5.4 items 4-6). Static inline so
 * that the engines (back_ring.c, front_rsp.c) get them inlined; the exported
 * vscsi_cmd_parse(), vscsi_cmd_parse_data() and vscsi_rsp_decode() in
 * request_validate.c and response.c are these same functions, out of line.
 * Never installed: a fix here reaches every embedder through the library.
 *
 * All of it works on a private copy (vscsi_back_take / vscsi_front_take
 * made it) and, for indirect requests, on the regions read once into the
 * caller's storage. Each check is written once; where a fast pass
 * accumulates bits over a list without a branch per entry, the pass that
 * names the first offender sits in the same function, right below it.
 */
#ifndef VSCSI_LIB_CODEC_INLINE_H
#define VSCSI_LIB_CODEC_INLINE_H

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "vscsiif/request.h"
#include "vscsiif/response.h"

static inline int codec_reject(struct vscsi_cmd *cmd, enum vscsi_reject why, uint32_t index)
{
    cmd->reject = why;
    cmd->bad_index = index;
    return -EINVAL;
}

/* Phase 1: header fields (§5.3 items 5, 6, 7), in Linux back's order:
 * direction and cmd_len for every act first, then act, then BIDI. */
static inline int codec_cmd_parse(const struct vscsi_request *copy, const struct vscsi_limits *lim,
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

/* The data segments the view holds (§5.3 items 13, 14): inside their page,
 * non-empty unless allowed, and none with direction NONE. The fast pass ORs
 * wrap-around bits with no branch per segment (up to 1024 of them):
 * non-empty rule: offset + length - 1 and length - 1 below 4096 (length 0
 * wraps); empty allowed: 4095 - offset and 4096 - offset - length not
 * negative. Only a bad list is walked again to name the first offender. */
static inline int codec_check_segs(struct vscsi_cmd *cmd, const struct vscsi_limits *lim)
{
    const struct vscsi_seg *sg = cmd->segs;
    uint32_t n = cmd->nr_segs, acc = 0;
    uint64_t sum = 0;
    int bad;

    if (!lim->allow_zero_seg) {
        for (uint32_t i = 0; i < n; i++) {
            acc |= ((uint32_t)sg[i].offset + sg[i].length - 1u) | ((uint32_t)sg[i].length - 1u);
            sum += sg[i].length;
        }
        bad = (acc >> 12) != 0;
    } else {
        for (uint32_t i = 0; i < n; i++) {
            acc |= (VSCSI_PAGE_SIZE - 1u - sg[i].offset) |
                   (VSCSI_PAGE_SIZE - (uint32_t)sg[i].offset - sg[i].length);
            sum += sg[i].length;
        }
        bad = (acc >> 31) != 0;
    }
    if (bad) {
        for (uint32_t i = 0; i < n; i++) {
            if (sg[i].offset >= VSCSI_PAGE_SIZE ||
                (uint32_t)sg[i].offset + sg[i].length > VSCSI_PAGE_SIZE)
                return codec_reject(cmd, VSCSI_REJ_SEG_BOUNDS, i);
            if (sg[i].length == 0 && !lim->allow_zero_seg)
                return codec_reject(cmd, VSCSI_REJ_SEG_EMPTY, i);
        }
    }
    if (n && cmd->dir == VSCSI_DIR_NONE)
        return codec_reject(cmd, VSCSI_REJ_DIR_MISMATCH, 0);
    cmd->data_len = sum;
    return 0;
}

/* Indirect requests (§5.3 items 10, 11, 12, 15, 16): the page descriptors
 * live in the private copy, so checking and then using them is safe; each
 * region is then read exactly once through rd into storage, and the data
 * segments are checked on what was read. Nothing is read before every
 * descriptor passed. */
#if defined(__GNUC__) || defined(__clang__)
#define CODEC_COLD __attribute__((noinline, unused))
#else
#define CODEC_COLD
#endif

/* Out of line (CODEC_COLD): the direct path, once per request, then keeps
 * its few registers instead of saving the ones this loop with calls needs. */
CODEC_COLD static int codec_parse_indirect(const struct vscsi_request *copy,
                                           const struct vscsi_limits *lim,
                                           vscsi_indirect_read_fn rd, void *rd_ctx,
                                           struct vscsi_seg *storage, size_t storage_len,
                                           struct vscsi_cmd *cmd, unsigned pages)
{
    uint32_t limit = lim->max_segs < storage_len ? lim->max_segs : (uint32_t)storage_len;
    uint32_t shape = 0, align = 0, total = 0;

    if (lim->max_segs == 0)
        return codec_reject(cmd, VSCSI_REJ_INDIRECT_UNSUPPORTED, 0);
    /* Linux back takes 0 indirect pages as "no data"; so do we. */
    if (pages == 0)
        return 0;
    for (unsigned i = 0; i < pages; i++) {
        const struct vscsi_seg *d = &copy->seg[i];

        shape |= ((uint32_t)d->offset + d->length - 1u) | ((uint32_t)d->length - 1u);
        align |= (uint32_t)d->offset | d->length;
        total += d->length / (uint32_t)sizeof(struct vscsi_seg);
    }
    if ((shape >> 12) || (align % sizeof(struct vscsi_seg)) || total > limit) {
        total = 0;
        for (unsigned i = 0; i < pages; i++) {
            const struct vscsi_seg *d = &copy->seg[i];

            if (d->length == 0 || d->length % sizeof(struct vscsi_seg) ||
                d->offset % sizeof(struct vscsi_seg) ||
                (uint32_t)d->offset + d->length > VSCSI_PAGE_SIZE)
                return codec_reject(cmd, VSCSI_REJ_INDIRECT_DESC, i);
            total += d->length / (uint32_t)sizeof(struct vscsi_seg);
            if (total > limit)
                return codec_reject(cmd, VSCSI_REJ_TOO_MANY_SEGS, i);
        }
    }
    if (!rd)
        return codec_reject(cmd, VSCSI_REJ_GRANT, 0);
    total = 0;
    for (unsigned i = 0; i < pages; i++) {
        if (rd(rd_ctx, &copy->seg[i], &storage[total]) < 0) {
            codec_reject(cmd, VSCSI_REJ_GRANT, i);
            return -EIO;
        }
        total += copy->seg[i].length / (uint32_t)sizeof(struct vscsi_seg);
    }
    cmd->indirect = 1;
    cmd->nr_pages = (uint8_t)pages;
    cmd->nr_segs = total;
    cmd->segs = storage;
    return codec_check_segs(cmd, lim);
}

/* Phase 2 (CDB only): the segment count (§5.3 item 9), then direct segments
 * on the private copy or indirect ones through codec_parse_indirect(). */
static inline int codec_cmd_parse_data(const struct vscsi_request *copy,
                                       const struct vscsi_limits *lim, vscsi_indirect_read_fn rd,
                                       void *rd_ctx, struct vscsi_seg *storage, size_t storage_len,
                                       struct vscsi_cmd *cmd)
{
    unsigned n = copy->nr_segments & VSCSI_SG_COUNT_MASK;

    cmd->nr_segs = 0;
    cmd->data_len = 0;
    cmd->segs = NULL;
    if (n > VSCSI_SG_TABLESIZE)
        return codec_reject(cmd, VSCSI_REJ_NR_SEGS, n);
    if (copy->nr_segments & VSCSI_SG_GRANT)
        return codec_parse_indirect(copy, lim, rd, rd_ctx, storage, storage_len, cmd, n);
    cmd->nr_segs = n;
    cmd->segs = copy->seg;
    return codec_check_segs(cmd, lim);
}

/* The response decoder (§5.4 items 4, 5, 6) on a private copy. Writes
 * every field of out but the sense bytes past sense_len. */
static inline int codec_rsp_decode(const struct vscsi_response *c, uint8_t act, uint64_t data_len,
                                   struct vscsi_result *o)
{
    uint32_t rslt = (uint32_t)c->rslt, anom = 0;
    unsigned host = VSCSI_RSLT_HOST(rslt), sl;
    int known = host <= VSCSI_HOST_MAX;

    o->rqid = c->rqid;
    o->rslt = c->rslt;
    o->status = 0;
    o->sense_len = 0;
    o->tmr_ok = 0;
    o->residual = 0;
    switch (act) {
    case VSCSI_ACT_CDB:
        o->status = (uint8_t)VSCSI_RSLT_STATUS(rslt);
        if (rslt & 0xff000000u)
            anom |= VSCSI_ANOM_LEGACY_DRIVER_BYTE;
        if (rslt & 0x0000ff00u)
            anom |= VSCSI_ANOM_MSG_BYTE;
        if (!known)
            anom |= VSCSI_ANOM_UNKNOWN_HOST;
        /* An error hidden outside the host byte must not read as success. */
        o->host = anom ? VSCSI_HOST_ERROR : (uint8_t)host;
        sl = c->sense_len;
        if (sl > VSCSI_SENSE_LEN) {
            sl = VSCSI_SENSE_LEN;
            anom |= VSCSI_ANOM_SENSE_LEN;
        }
        if (sl)
            memcpy(o->sense, c->sense_buffer, sl);
        o->sense_len = (uint8_t)sl;
        o->residual = c->residual_len;
        if (c->residual_len > data_len) {
            o->residual = (uint32_t)(data_len > UINT32_MAX ? UINT32_MAX : data_len);
            anom |= VSCSI_ANOM_RESIDUAL;
        }
        break;
    case VSCSI_ACT_ABORT:
    case VSCSI_ACT_RESET:
        /* Interpreted by act, not by bit fields: only 0x2002 is success. A
         * host error (NO_CONNECT for an unknown LUN) is a failure too. */
        o->tmr_ok = c->rslt == VSCSI_RSLT_RESET_SUCCESS;
        o->host = known ? (uint8_t)host : VSCSI_HOST_ERROR;
        if (!known)
            anom |= VSCSI_ANOM_UNKNOWN_HOST;
        if (c->rslt != VSCSI_RSLT_RESET_SUCCESS && c->rslt != VSCSI_RSLT_RESET_FAILED &&
            (c->rslt & 0xffff) != 0)
            anom |= VSCSI_ANOM_TMR_RSLT;
        break;
    default:
        o->host = 0;
        o->anomalies = 0;
        return -EINVAL;
    }
    o->anomalies = anom;
    return anom ? 1 : 0;
}

#endif
