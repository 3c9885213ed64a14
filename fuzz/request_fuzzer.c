/* SPDX-License-Identifier: MIT */
/*
 * request_fuzzer: the backend's take and validation of one hostile request
 * slot (vscsi_back_take, then vscsi_cmd_parse + vscsi_cmd_parse_data),
 * indirect pages included.
 *
 * Input layout (short inputs are zero-extended, see fuzz_helpers.h):
 *   252   the request slot, as the frontend left it in the ring
 *   u16   limits.max_segs (feature-sg-grant; 0 = no indirect)
 *   u8    flags: 1 allow_bidi, 2 allow_zero_seg, 4 no accessor (rd = NULL),
 *                8 the accessor fails on call number `fail_at`, 16 torn
 *                nr_segments (the last byte below)
 *   u16   storage entries for indirect descriptors, mod 13313
 *   u8    fail_at
 *   u8    number of granted pages, mod 27; page i has gref i
 *   per page: u16 n (mod 4097), n bytes; the rest of the 4 KiB page repeats
 *             those n bytes (zeros when n = 0), so short inputs still fill
 *             whole pages with descriptors
 *   u8    torn: with flag 16, the slot's nr_segments is rewritten to this
 *         value right after the take's first read (a hostile frontend's
 *         other vCPU)
 *
 * Oracles:
 *   - the take reads the slot's header, then exactly the entries its private
 *     nr_segments names (at most 26), each byte once; the copy holds the
 *     slot's bytes as they were when read, whatever the torn rewrite did;
 *     the validator reads nothing of the copy but those bytes (the rest is
 *     poisoned under ASan);
 *   - the accessor only ever sees regions inside one page, 8-aligned, at
 *     least 8 bytes, a descriptor from the private copy, each descriptor
 *     read at most once, and it writes only inside the caller's storage
 *     (pages and storage are exact-size heap blocks: ASan backs this up);
 *   - accepted => every data segment within its page, nr_segs within the
 *     limits and the storage, data_len the sum, direction consistent;
 *   - rejected => a reject code that names a rule the input really breaks,
 *     and an rslt with host ERROR / NO_CONNECT / BUS_BUSY and status 0;
 *   - accept/reject agrees with an independent reference validator;
 *   - cmd.rqid echoes the slot's rqid whatever happens.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_helpers.h"

static void fz_read(void *dst, const void *src, size_t n);
#define VSCSI_COPY_FROM_SHARED(d, s, n) fz_read((d), (s), (n))

#include "vscsiif/request.h"
#include "vscsiif/ring.h"

/* The slot being taken: reads of each byte, and the torn rewrite. */
static struct {
    uint8_t *slot;
    unsigned reads;
    uint8_t count[VSCSI_SLOT_SIZE];
    bool torn;
    uint8_t value;
} RD;

static void fz_read(void *dst, const void *src, size_t n)
{
    memcpy(dst, src, n);
    if (!fz_slot_read(RD.slot, VSCSI_SLOT_SIZE, RD.count, src, n))
        return;
    if (++RD.reads == 1 && RD.torn)
        ((struct vscsi_request *)(void *)RD.slot)->nr_segments = RD.value;
}

#define MAX_PAGES  VSCSI_SG_TABLESIZE
#define SEG_SIZE   ((uint32_t)sizeof(struct vscsi_seg))
#define F_BIDI     0x01u
#define F_ZERO_SEG 0x02u
#define F_NO_RD    0x04u
#define F_FAIL     0x08u
#define F_TORN     0x10u

struct pages {
    uint8_t *page[MAX_PAGES];
    unsigned n;
    /* accessor bookkeeping */
    const struct vscsi_request *copy;
    unsigned pages_in_req;
    unsigned calls;
    bool fail;
    unsigned fail_at;
    const struct vscsi_seg *storage;
    size_t storage_len;
    size_t storage_used;
};

static int rd_region(void *vctx, const struct vscsi_seg *desc, void *dst)
{
    struct pages *ctx = vctx;
    unsigned call = ctx->calls++;

    /* Call k reads the request's page descriptor k: every region is read
     * once, in order, and only regions the request names are read. */
    FUZZ_ASSERT_MSG(call < ctx->pages_in_req, "%u reads for %u indirect pages", call + 1,
                    ctx->pages_in_req);
    FUZZ_ASSERT_MSG(memcmp(desc, &ctx->copy->seg[call], sizeof(*desc)) == 0,
                    "read %u is not descriptor %u", call, call);

    /* The library must have checked the region before asking for it. */
    FUZZ_ASSERT(desc->length >= SEG_SIZE);
    FUZZ_ASSERT(desc->length % SEG_SIZE == 0);
    FUZZ_ASSERT(desc->offset % SEG_SIZE == 0);
    FUZZ_ASSERT((uint32_t)desc->offset + desc->length <= VSCSI_PAGE_SIZE);

    /* ... and the destination must be free storage. */
    const struct vscsi_seg *d = dst;
    size_t entries = desc->length / SEG_SIZE;
    FUZZ_ASSERT(d >= ctx->storage && d <= ctx->storage + ctx->storage_len);
    FUZZ_ASSERT(entries <= ctx->storage_len - (size_t)(d - ctx->storage));
    FUZZ_ASSERT_MSG(d == ctx->storage + ctx->storage_used, "regions stored out of order");
    ctx->storage_used += entries;

    if (ctx->fail && call == ctx->fail_at)
        return -EIO;
    if (desc->gref >= ctx->n)
        return -EFAULT; /* not granted: a normal per-request failure (XSA-362) */
    memcpy(dst, ctx->page[desc->gref] + desc->offset, desc->length);
    return 0;
}

/* ------------------------------------------------------------ reference */

#define V(r) (1u << (r))

static bool data_seg_violations(const struct vscsi_seg *s, bool zero_ok, uint32_t *set)
{
    bool bad = false;

    if (s->offset >= VSCSI_PAGE_SIZE || (uint32_t)s->offset + s->length > VSCSI_PAGE_SIZE) {
        *set |= V(VSCSI_REJ_SEG_BOUNDS);
        bad = true;
    }
    if (s->length == 0 && !zero_ok) {
        *set |= V(VSCSI_REJ_SEG_EMPTY);
        bad = true;
    }
    return bad;
}

/* Header rules broken by the slot (phase 1). */
static uint32_t ref_header(const struct vscsi_request *rq, const struct vscsi_limits *lim)
{
    uint32_t set = 0;

    if (rq->sc_data_direction > VSCSI_DIR_NONE)
        set |= V(VSCSI_REJ_DIRECTION);
    if (rq->cmd_len > VSCSI_MAX_CDB_LEN)
        set |= V(VSCSI_REJ_CMD_LEN);
    if (rq->act == VSCSI_ACT_CDB) {
        if (rq->cmd_len == 0)
            set |= V(VSCSI_REJ_CMD_LEN);
        if (rq->sc_data_direction == VSCSI_DIR_BIDIRECTIONAL && !lim->allow_bidi)
            set |= V(VSCSI_REJ_BIDI);
    } else if (rq->act != VSCSI_ACT_ABORT && rq->act != VSCSI_ACT_RESET) {
        set |= V(VSCSI_REJ_ACT);
    }
    return set;
}

struct ref_data {
    uint32_t set;     /* data rules broken */
    uint32_t nr_segs; /* when all regions could be read */
    uint64_t data_len;
    bool readable;
};

/* Data rules broken by a CDB slot plus its pages (phase 2). */
static struct ref_data ref_check_data(const struct vscsi_request *rq,
                                      const struct vscsi_limits *lim, const struct pages *pg,
                                      bool have_rd, size_t storage_len)
{
    struct ref_data r = {0};
    unsigned n = rq->nr_segments & VSCSI_SG_COUNT_MASK;
    bool zero_ok = lim->allow_zero_seg != 0;

    if (n > VSCSI_SG_TABLESIZE) {
        r.set |= V(VSCSI_REJ_NR_SEGS);
        return r;
    }
    if (!(rq->nr_segments & VSCSI_SG_GRANT)) {
        for (unsigned i = 0; i < n; i++) {
            data_seg_violations(&rq->seg[i], zero_ok, &r.set);
            r.data_len += rq->seg[i].length;
        }
        r.nr_segs = n;
        r.readable = true;
        if (n && rq->sc_data_direction == VSCSI_DIR_NONE)
            r.set |= V(VSCSI_REJ_DIR_MISMATCH);
        return r;
    }
    if (lim->max_segs == 0) {
        r.set |= V(VSCSI_REJ_INDIRECT_UNSUPPORTED);
        return r;
    }
    if (n == 0) { /* indirect with no pages: no data, nothing to read */
        r.readable = true;
        return r;
    }
    uint64_t total = 0;
    uint32_t limit = lim->max_segs < storage_len ? lim->max_segs : (uint32_t)storage_len;
    bool shape_ok = true;

    for (unsigned i = 0; i < n; i++) {
        const struct vscsi_seg *d = &rq->seg[i];

        if (d->length == 0 || d->length % SEG_SIZE || d->offset % SEG_SIZE ||
            (uint32_t)d->offset + d->length > VSCSI_PAGE_SIZE) {
            r.set |= V(VSCSI_REJ_INDIRECT_DESC);
            shape_ok = false;
        }
        total += d->length / SEG_SIZE;
    }
    if (total > limit)
        r.set |= V(VSCSI_REJ_TOO_MANY_SEGS);
    if (!shape_ok || total > limit)
        return r;

    bool grant_fail = !have_rd || (pg->fail && pg->fail_at < n);
    for (unsigned i = 0; i < n; i++)
        if (rq->seg[i].gref >= pg->n)
            grant_fail = true;
    if (grant_fail) {
        r.set |= V(VSCSI_REJ_GRANT);
        return r;
    }
    for (unsigned i = 0; i < n; i++) {
        const struct vscsi_seg *d = &rq->seg[i];
        const uint8_t *src = pg->page[d->gref] + d->offset;

        for (uint32_t k = 0; k < d->length / SEG_SIZE; k++) {
            struct vscsi_seg s;

            memcpy(&s, src + k * SEG_SIZE, sizeof(s));
            data_seg_violations(&s, zero_ok, &r.set);
            r.data_len += s.length;
        }
    }
    r.nr_segs = (uint32_t)total;
    r.readable = true;
    if (total && rq->sc_data_direction == VSCSI_DIR_NONE)
        r.set |= V(VSCSI_REJ_DIR_MISMATCH);
    return r;
}

/* --------------------------------------------------------------- checks */

static void check_reject(const struct vscsi_cmd *cmd)
{
    FUZZ_ASSERT(cmd->reject != VSCSI_REJ_NONE);
    FUZZ_ASSERT(cmd->reject < VSCSI_REJ_COUNT);
    FUZZ_ASSERT(strcmp(vscsi_reject_str(cmd->reject), "?") != 0);

    int32_t rslt = vscsi_reject_rslt(cmd->reject);
    uint32_t host = VSCSI_RSLT_HOST(rslt);

    FUZZ_ASSERT(VSCSI_RSLT_STATUS(rslt) == 0);
    FUZZ_ASSERT(((uint32_t)rslt & 0xff00ff00u) == 0);
    if (cmd->reject == VSCSI_REJ_NO_LUN)
        FUZZ_ASSERT(host == VSCSI_HOST_NO_CONNECT);
    else if (cmd->reject == VSCSI_REJ_BUSY)
        FUZZ_ASSERT(host == VSCSI_HOST_BUS_BUSY);
    else
        FUZZ_ASSERT(host == VSCSI_HOST_ERROR);
}

static void check_accepted_data(const struct vscsi_request *rq, const struct vscsi_limits *lim,
                                const struct vscsi_cmd *cmd, const struct vscsi_seg *storage,
                                size_t storage_len, const struct ref_data *ref)
{
    struct vscsi_seg_iter it;
    struct vscsi_seg s;
    uint64_t total = 0;
    uint32_t count = 0;

    FUZZ_ASSERT(cmd->reject == VSCSI_REJ_NONE);
    FUZZ_ASSERT(ref->readable);
    FUZZ_ASSERT_MSG(cmd->nr_segs == ref->nr_segs, "nr_segs %u, expected %u", cmd->nr_segs,
                    ref->nr_segs);
    if (rq->nr_segments & VSCSI_SG_GRANT) {
        FUZZ_ASSERT(cmd->nr_segs <= lim->max_segs);
        FUZZ_ASSERT(cmd->nr_segs <= storage_len);
        FUZZ_ASSERT(cmd->nr_segs <= VSCSI_MAX_INDIRECT_SEGS);
        if (cmd->nr_segs) {
            FUZZ_ASSERT(cmd->indirect);
            FUZZ_ASSERT(cmd->segs == storage);
            FUZZ_ASSERT(cmd->nr_pages == (rq->nr_segments & VSCSI_SG_COUNT_MASK));
        }
    } else {
        FUZZ_ASSERT(!cmd->indirect);
        FUZZ_ASSERT(cmd->nr_segs <= VSCSI_SG_TABLESIZE);
        if (cmd->nr_segs)
            FUZZ_ASSERT(cmd->segs == rq->seg); /* points into the private copy */
    }
    if (cmd->nr_segs)
        FUZZ_ASSERT(cmd->dir != VSCSI_DIR_NONE);

    vscsi_seg_iter_init(&it, cmd);
    while (vscsi_seg_iter_next(&it, &s)) {
        FUZZ_ASSERT(s.offset < VSCSI_PAGE_SIZE);
        FUZZ_ASSERT((uint32_t)s.offset + s.length <= VSCSI_PAGE_SIZE);
        FUZZ_ASSERT(s.length > 0 || lim->allow_zero_seg);
        total += s.length;
        count++;
        FUZZ_ASSERT(count <= cmd->nr_segs);
    }
    FUZZ_ASSERT(count == cmd->nr_segs);
    FUZZ_ASSERT(total == cmd->data_len);
    FUZZ_ASSERT(total == ref->data_len);
    FUZZ_ASSERT(total <= (uint64_t)cmd->nr_segs * VSCSI_PAGE_SIZE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_producer p;
    struct vscsi_request rq;
    struct vscsi_limits lim;
    struct pages pg;
    struct vscsi_cmd cmd;

    fuzz_producer_init(&p, data, size);
    fuzz_bytes(&p, &rq, sizeof(rq));
    memset(&lim, 0, sizeof(lim));
    memset(&pg, 0, sizeof(pg));
    lim.max_segs = fuzz_u16(&p);
    uint8_t flags = fuzz_u8(&p);
    lim.allow_bidi = (flags & F_BIDI) != 0;
    lim.allow_zero_seg = (flags & F_ZERO_SEG) != 0;
    bool have_rd = !(flags & F_NO_RD);
    size_t storage_len = fuzz_u16(&p) % (VSCSI_MAX_INDIRECT_SEGS + 1);
    pg.fail = (flags & F_FAIL) != 0;
    pg.fail_at = fuzz_u8(&p);
    pg.n = fuzz_u8(&p) % (MAX_PAGES + 1);
    for (unsigned i = 0; i < pg.n; i++) {
        size_t n = fuzz_u16(&p) % (VSCSI_PAGE_SIZE + 1), got;
        const uint8_t *src = fuzz_peek_bytes(&p, n, &got);

        pg.page[i] = fuzz_xmalloc(VSCSI_PAGE_SIZE);
        if (got == 0) {
            memset(pg.page[i], 0, VSCSI_PAGE_SIZE);
            continue;
        }
        for (size_t off = 0; off < VSCSI_PAGE_SIZE; off += got)
            memcpy(pg.page[i] + off, src,
                   VSCSI_PAGE_SIZE - off < got ? VSCSI_PAGE_SIZE - off : got);
    }
    struct vscsi_seg *storage = fuzz_xmalloc(storage_len * sizeof(*storage));

    /* The take, from a ring page, into an exact-size private copy. */
    struct vscsi_sring *ring = fuzz_xmalloc(sizeof(*ring));
    struct vscsi_request *copy = fuzz_xmalloc(sizeof(*copy));
    struct vscsi_back_ring br;
    unsigned taken = rq.nr_segments & VSCSI_SG_COUNT_MASK;

    taken = VSCSI_REQ_HDR_SIZE + 8u * (taken < VSCSI_SG_TABLESIZE ? taken : VSCSI_SG_TABLESIZE);
    vscsi_sring_init(ring);
    vscsi_back_ring_init(&br, ring);
    memcpy(&ring->ring[0].req, &rq, sizeof(rq));
    ring->req_prod = 1;
    FUZZ_ASSERT(vscsi_back_requests(&br) == 1);
    memset(copy, 0xa5, sizeof(*copy));
    memset(&RD, 0, sizeof(RD));
    RD.slot = (uint8_t *)&ring->ring[0].req;
    RD.torn = (flags & F_TORN) != 0;
    RD.value = fuzz_u8(&p);
    vscsi_back_take(&br, copy);
    for (unsigned i = 0; i < VSCSI_SLOT_SIZE; i++)
        FUZZ_ASSERT_MSG(RD.count[i] == (i < taken), "slot byte %u read %u times", i, RD.count[i]);
    FUZZ_ASSERT(memcmp(copy, &rq, taken) == 0);
    RD.slot = NULL;
    FZ_POISON((uint8_t *)copy + taken, sizeof(*copy) - taken);

    /* Phase 1 */
    uint32_t hdr_set = ref_header(&rq, &lim);
    int rc = vscsi_cmd_parse(copy, &lim, &cmd);

    FUZZ_ASSERT(cmd.rqid == rq.rqid);
    FUZZ_ASSERT(rc == 0 || rc == -EINVAL);
    FUZZ_ASSERT_MSG((rc == 0) == (hdr_set == 0), "header verdict %d, reference rules 0x%x", rc,
                    hdr_set);
    if (rc) {
        check_reject(&cmd);
        FUZZ_ASSERT_MSG(hdr_set & V(cmd.reject), "header reject %s breaks no rule",
                        vscsi_reject_str(cmd.reject));
        goto out;
    }
    FUZZ_ASSERT(cmd.reject == VSCSI_REJ_NONE);
    FUZZ_ASSERT(cmd.act == rq.act);
    FUZZ_ASSERT(cmd.dir == rq.sc_data_direction && cmd.dir <= VSCSI_DIR_NONE);
    FUZZ_ASSERT(cmd.nx.channel == rq.channel && cmd.nx.id == rq.id && cmd.nx.lun == rq.lun);
    FUZZ_ASSERT(cmd.ref_rqid == rq.ref_rqid);
    FUZZ_ASSERT(cmd.cdb_len == rq.cmd_len && cmd.cdb_len <= VSCSI_MAX_CDB_LEN);
    FUZZ_ASSERT(memcmp(cmd.cdb, rq.cmnd, cmd.cdb_len) == 0);
    if (rq.act != VSCSI_ACT_CDB)
        goto out; /* TMRs carry no data */
    FUZZ_ASSERT(cmd.cdb_len >= 1);
    FUZZ_ASSERT(cmd.dir != VSCSI_DIR_BIDIRECTIONAL || lim.allow_bidi);

    /* Phase 2 */
    struct ref_data ref = ref_check_data(&rq, &lim, &pg, have_rd, storage_len);

    pg.copy = copy;
    pg.pages_in_req = rq.nr_segments & VSCSI_SG_COUNT_MASK;
    if (pg.pages_in_req > VSCSI_SG_TABLESIZE)
        pg.pages_in_req = 0; /* any read would then trip the descriptor check */
    pg.storage = storage;
    pg.storage_len = storage_len;
    rc = vscsi_cmd_parse_data(copy, &lim, have_rd ? rd_region : NULL, &pg, storage, storage_len,
                              &cmd);
    FUZZ_ASSERT(cmd.rqid == rq.rqid);
    FUZZ_ASSERT(rc == 0 || rc == -EINVAL || rc == -EIO);
    FUZZ_ASSERT(pg.calls <= pg.pages_in_req);
    if (!(rq.nr_segments & VSCSI_SG_GRANT))
        FUZZ_ASSERT(pg.calls == 0);
    FUZZ_ASSERT_MSG((rc == 0) == (ref.set == 0), "data verdict %d (%s), reference rules 0x%x", rc,
                    vscsi_reject_str(cmd.reject), ref.set);
    if (rc) {
        check_reject(&cmd);
        FUZZ_ASSERT((rc == -EIO) == (cmd.reject == VSCSI_REJ_GRANT && have_rd));
        FUZZ_ASSERT_MSG(ref.set & V(cmd.reject), "data reject %s breaks no rule",
                        vscsi_reject_str(cmd.reject));
        goto out;
    }
    check_accepted_data(copy, &lim, &cmd, storage, storage_len, &ref);

out:
    FZ_UNPOISON(copy, sizeof(*copy));
    free(copy);
    free(ring);
    free(storage);
    for (unsigned i = 0; i < pg.n; i++)
        free(pg.page[i]);
    return 0;
}
