/* SPDX-License-Identifier: MIT */
/*
 * ring_fuzzer: both ends of the shared ring page (include/vscsiif/ring.h)
 * driven by a script, with a hostile peer that may rewrite any index or slot
 * between steps.
 *
 * An honest frontend builds requests (vscsi_req_*), an honest backend takes
 * them, validates them (vscsi_cmd_parse) and answers (vscsi_rsp_*), possibly
 * out of order; the frontend decodes the answers (vscsi_rsp_decode). The
 * "peer" steps model the other side lying: a hostile frontend (req_prod,
 * req_event, request slots) or a hostile backend (rsp_prod, rsp_event,
 * response slots). As long as no peer step has run, the run is "clean".
 *
 * Input: u32 start index (the ring is attached there, so runs cross 2^32),
 * then steps until the input ends (at most MAX_STEPS), each an opcode byte
 * and its arguments:
 *   0 front produce  u8 count (mod 17), u8 kind pattern (bit i: request i is a TMR)
 *   1 front push
 *   2 back consume   u8 count
 *   3 back respond   u8 count, u8 order seed (which pending request goes next)
 *   4 back push
 *   5 front consume  u8 count
 *   6 front final check (may go to sleep)
 *   7 back final check (may go to sleep)
 *   8 peer req_prod  u8 mode (bit 0: add to the current value), u32 value
 *   9 peer rsp_prod  u8 mode, u32 value
 *  10 peer event     u8 which (bit 0: rsp_event), u32 value
 *  11 peer slot      u8 slot, u8 offset (mod 252), u8 len (mod 33), len bytes
 *  12 peer torn      u8 which (bit 0: response sense_len, else request
 *                    nr_segments), u8 value: written into the slot the next
 *                    take reads, right after that take's first read
 * After the script a clean run is drained: everything produced is pushed,
 * answered and taken.
 *
 * Oracles, always: the ring calls never report more than 16 requests or
 * responses (nor more than the response space / the outstanding requests),
 * the private indices never run more than 16 apart, the page is never
 * accessed outside its 4096 bytes (exact-size heap block, ASan), -EPROTO is
 * stable until the peer changes something and each end latches it (stops).
 * Every take reads each byte of its slot at most once, and exactly the bytes
 * its private header names: a request's 32-byte header and the
 * min(nr_segments & 0x7f, 26) entries after it; a response's rqid, act,
 * sense_len, rslt, residual_len and min(sense_len, 96) sense bytes. A torn
 * rewrite between a take's reads never reaches the private copy.
 * Clean runs, in addition: no -EPROTO ever; the backend sees byte for byte
 * what the frontend wrote (every byte it takes) and validates it; the
 * frontend gets byte for byte what the backend wrote; a producer whose
 * consumer went to sleep always notifies; every request pushed is answered
 * exactly once by the end.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_helpers.h"

/* Every read of a slot by the inline takes comes through fz_read(). */
static void fz_read(void *dst, const void *src, size_t n);
#define VSCSI_COPY_FROM_SHARED(d, s, n) fz_read((d), (s), (n))

#include "vscsiif/request.h"
#include "vscsiif/response.h"
#include "vscsiif/ring.h"

/* The take in progress: which slot, how often each byte was read, and the
 * torn rewrite armed for it. */
static struct {
    const uint8_t *slot;
    unsigned reads;
    uint8_t count[VSCSI_SLOT_SIZE];
    bool armed, rsp_field, taking_rsp;
    uint8_t value;
    bool fired;
    uint8_t before; /* the field as the take's first read saw it */
} RD;

static void fz_read(void *dst, const void *src, size_t n)
{
    memcpy(dst, src, n);
    if (!fz_slot_read(RD.slot, VSCSI_SLOT_SIZE, RD.count, src, n))
        return;
    if (++RD.reads == 1 && RD.armed && RD.rsp_field == RD.taking_rsp) {
        uint8_t *field =
            (uint8_t *)RD.slot + (RD.rsp_field ? offsetof(struct vscsi_response, sense_len)
                                               : offsetof(struct vscsi_request, nr_segments));
        RD.before = ((const uint8_t *)dst)[field - RD.slot];
        *field = RD.value;
        RD.armed = false;
        RD.fired = true;
    }
}

static void rd_begin(const void *slot, bool rsp)
{
    RD.slot = slot;
    RD.taking_rsp = rsp;
    RD.reads = 0;
    RD.fired = false;
    memset(RD.count, 0, sizeof(RD.count));
}

/* Each byte of [off, off + len) read once (fz_read checked "at most"), and
 * no byte outside the runs. */
static void rd_expect(const unsigned *off, const unsigned *len, unsigned runs)
{
    uint8_t want[VSCSI_SLOT_SIZE] = {0};

    for (unsigned r = 0; r < runs; r++)
        for (unsigned i = 0; i < len[r]; i++)
            want[off[r] + i] = 1;
    for (unsigned i = 0; i < VSCSI_SLOT_SIZE; i++)
        FUZZ_ASSERT_MSG(RD.count[i] == want[i], "slot byte %u read %u times, want %u", i,
                        RD.count[i], want[i]);
    RD.slot = NULL;
}

static unsigned req_taken_segs(const struct vscsi_request *copy)
{
    unsigned n = copy->nr_segments & VSCSI_SG_COUNT_MASK;

    return n < VSCSI_SG_TABLESIZE ? n : VSCSI_SG_TABLESIZE;
}

static unsigned rsp_taken_sense(const struct vscsi_response *copy)
{
    return copy->sense_len < VSCSI_SENSE_LEN ? copy->sense_len : VSCSI_SENSE_LEN;
}

#define N         VSCSI_RING_SIZE
#define MAX_STEPS 512

enum {
    OP_F_PRODUCE,
    OP_F_PUSH,
    OP_B_CONSUME,
    OP_B_RESPOND,
    OP_B_PUSH,
    OP_F_CONSUME,
    OP_F_FINAL,
    OP_B_FINAL,
    OP_P_REQ_PROD,
    OP_P_RSP_PROD,
    OP_P_EVENT,
    OP_P_SLOT,
    OP_P_TORN,
    OP_COUNT
};

struct shadow {
    bool inflight;
    bool pushed;
    struct vscsi_request req; /* exactly what the front wrote */
};

struct pending {
    uint16_t rqid;
    struct vscsi_response rsp; /* what the back will write */
};

struct world {
    struct vscsi_sring *s;
    struct vscsi_front_ring fr;
    struct vscsi_back_ring br;
    bool clean;
    bool front_broken, back_broken;
    bool front_sleeping, back_sleeping;
    /* front */
    struct shadow sh[N];
    uint32_t seq;
    uint32_t answered;
    uint32_t issued;
    /* back */
    struct pending pend[N];
    unsigned npend;
    struct vscsi_response sent[N]; /* by rqid: the last answer written (clean runs) */
};

static const struct vscsi_nexus nexus = {0, 1, 2};

/* ---------------------------------------------------------------- front */

static void front_produce(struct world *w, unsigned count, uint8_t kinds)
{
    if (w->front_broken)
        return;
    for (unsigned i = 0; i < count; i++) {
        struct vscsi_request *slot = vscsi_front_slot(&w->fr);
        unsigned out = w->fr.req_prod_pvt - w->fr.rsp_cons;

        FUZZ_ASSERT(out <= N);
        FUZZ_ASSERT(vscsi_front_free(&w->fr) == N - out);
        if (!slot) {
            FUZZ_ASSERT(out == N);
            return;
        }
        FUZZ_ASSERT((const uint8_t *)slot >= (const uint8_t *)w->s->ring &&
                    (const uint8_t *)(slot + 1) <= (const uint8_t *)w->s + VSCSI_PAGE_SIZE);
        uint16_t rqid = N;

        for (uint16_t r = 0; r < N; r++)
            if (!w->sh[r].inflight) {
                rqid = r;
                break;
            }
        if (rqid == N) { /* only when a lying backend made us lose track */
            FUZZ_ASSERT(!w->clean);
            return;
        }
        struct vscsi_request rq;
        uint32_t seq = w->seq++;
        int rc;

        /* Built in private memory and copied whole: start from zeros, as the
         * builders leave seg[] and reserved[] alone. */
        memset(&rq, 0, sizeof(rq));

        if (kinds & (1u << (i & 7))) {
            rc = (seq & 1) ? vscsi_req_abort(&rq, rqid, &nexus, (uint16_t)((rqid + 1) % N))
                           : vscsi_req_reset(&rq, rqid, &nexus);
        } else {
            uint8_t cdb[10] = {0x28,
                               0,
                               (uint8_t)(seq >> 24),
                               (uint8_t)(seq >> 16),
                               (uint8_t)(seq >> 8),
                               (uint8_t)seq,
                               0,
                               0,
                               1,
                               0};

            rc = vscsi_req_cdb(&rq, rqid, &nexus, cdb, (seq % 3) ? sizeof(cdb) : 6,
                               (seq & 1) ? VSCSI_DIR_NONE : VSCSI_DIR_FROM_DEVICE, 30);
            if (rc == 0 && !(seq & 1))
                rc = vscsi_req_add_seg(&rq, seq, (uint16_t)(seq % 8 * 512), 512);
        }
        FUZZ_ASSERT(rc == 0);
        memcpy(slot, &rq, sizeof(rq));
        vscsi_front_produce(&w->fr);
        w->sh[rqid].inflight = true;
        w->sh[rqid].pushed = false;
        w->sh[rqid].req = rq;
        w->issued++;
    }
}

static void front_push(struct world *w)
{
    if (w->front_broken)
        return;
    uint32_t old = w->s->req_prod;
    int notify = vscsi_front_push(&w->fr);

    FUZZ_ASSERT(notify == 0 || notify == 1);
    FUZZ_ASSERT(w->s->req_prod == w->fr.req_prod_pvt);
    for (unsigned r = 0; r < N; r++)
        if (w->sh[r].inflight)
            w->sh[r].pushed = true;
    if (w->clean && w->back_sleeping && w->fr.req_prod_pvt != old)
        FUZZ_ASSERT_MSG(notify == 1, "lost wakeup: backend asleep, requests pushed, no event");
    if (notify)
        w->back_sleeping = false;
}

static void front_take_one(struct world *w)
{
    struct vscsi_response rsp;
    struct vscsi_result res;
    bool torn = RD.armed && RD.rsp_field;

    rd_begin(&w->s->ring[w->fr.rsp_cons & (N - 1)].rsp, true);
    vscsi_front_take(&w->fr, &rsp);
    {
        unsigned off[3] = {0, offsetof(struct vscsi_response, rslt), 4};
        unsigned len[3] = {4, 8, rsp_taken_sense(&rsp)};

        rd_expect(off, len, 3);
    }
    if (torn) {
        FUZZ_ASSERT(RD.fired && rsp.sense_len == RD.before);
        w->clean = false;
    }
    FUZZ_ASSERT(w->fr.req_prod_pvt - w->fr.rsp_cons <= N);
    /* The front's own rqid check (scsifront hardening): range AND in flight,
     * before touching any per-request state. */
    if (rsp.rqid >= N || !w->sh[rsp.rqid].inflight || !w->sh[rsp.rqid].pushed) {
        FUZZ_ASSERT_MSG(!w->clean, "clean run: response for rqid %u not in flight", rsp.rqid);
        w->front_broken = true;
        return;
    }
    struct shadow *sh = &w->sh[rsp.rqid];
    int rc = vscsi_rsp_decode(&rsp, sh->req.act, 512, &res);

    FUZZ_ASSERT(rc == 0 || rc == 1);
    FUZZ_ASSERT(res.sense_len <= VSCSI_SENSE_LEN && res.residual <= 512);
    if (w->clean) {
        const struct vscsi_response *sent = &w->sent[rsp.rqid];

        FUZZ_ASSERT_MSG(memcmp(&rsp, sent, 4) == 0 && rsp.rslt == sent->rslt &&
                            rsp.residual_len == sent->residual_len &&
                            memcmp(rsp.sense_buffer, sent->sense_buffer, rsp_taken_sense(&rsp)) ==
                                0,
                        "response for rqid %u changed on the ring", rsp.rqid);
        FUZZ_ASSERT(rc == 0);
        if (sh->req.act == VSCSI_ACT_CDB)
            FUZZ_ASSERT(vscsi_result_ok(&res) || res.status == 0x02);
        else
            FUZZ_ASSERT(res.tmr_ok);
    }
    sh->inflight = false;
    sh->pushed = false;
    w->answered++;
}

static void front_consume(struct world *w, unsigned count)
{
    w->front_sleeping = false;
    if (w->front_broken)
        return;
    int n = vscsi_front_responses(&w->fr);
    unsigned out = w->fr.req_prod_pvt - w->fr.rsp_cons;

    FUZZ_ASSERT(n == vscsi_front_responses(&w->fr)); /* no hidden state */
    if (n == -EPROTO) {
        FUZZ_ASSERT_MSG(!w->clean, "clean run: front got -EPROTO");
        w->front_broken = true; /* latched: the device goes to its error state */
        return;
    }
    FUZZ_ASSERT(n >= 0 && n <= N && (unsigned)n <= out);
    if (w->clean)
        FUZZ_ASSERT((uint32_t)n == w->s->rsp_prod - w->fr.rsp_cons);
    for (int i = 0; i < n && (unsigned)i < count && !w->front_broken; i++)
        front_take_one(w);
}

static void front_final(struct world *w)
{
    if (w->front_broken)
        return;
    int n = vscsi_front_final_check(&w->fr);

    if (n == -EPROTO) {
        FUZZ_ASSERT(!w->clean);
        w->front_broken = true;
        return;
    }
    FUZZ_ASSERT(n >= 0 && n <= N && (unsigned)n <= w->fr.req_prod_pvt - w->fr.rsp_cons);
    FUZZ_ASSERT(w->s->rsp_event == w->fr.rsp_cons + 1 || n > 0 || !w->clean);
    w->front_sleeping = (n == 0);
}

/* ----------------------------------------------------------------- back */

static void back_handle(struct world *w, const struct vscsi_request *copy)
{
    static const struct vscsi_limits lim = {0, 0, 0};
    struct vscsi_cmd cmd;
    struct pending *p = &w->pend[w->npend];
    int rc = vscsi_cmd_parse(copy, &lim, &cmd);

    FUZZ_ASSERT(cmd.rqid == copy->rqid);
    if (rc == 0 && copy->act == VSCSI_ACT_CDB)
        rc = vscsi_cmd_parse_data(copy, &lim, NULL, NULL, NULL, 0, &cmd);
    if (w->clean) {
        FUZZ_ASSERT_MSG(copy->rqid < N && w->sh[copy->rqid].inflight &&
                            memcmp(copy, &w->sh[copy->rqid].req,
                                   VSCSI_REQ_HDR_SIZE + 8u * req_taken_segs(copy)) == 0,
                        "clean run: request slot for rqid %u is not what the front wrote",
                        copy->rqid);
        FUZZ_ASSERT_MSG(rc == 0, "clean run: request rejected (%s)", vscsi_reject_str(cmd.reject));
    }
    FUZZ_ASSERT(w->npend < N);
    p->rqid = copy->rqid;
    if (rc != 0) {
        FUZZ_ASSERT(cmd.reject != VSCSI_REJ_NONE);
        vscsi_rsp_rslt(&p->rsp, copy->rqid, vscsi_reject_rslt(cmd.reject));
    } else if (copy->act == VSCSI_ACT_CDB) {
        /* Every third command fails with sense, the others succeed with a residual. */
        static const uint8_t sense[18] = {0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24};

        if (copy->cmnd[5] % 3 == 0)
            vscsi_rsp_cdb(&p->rsp, copy->rqid, VSCSI_HOST_OK, 0x02, sense, sizeof(sense), 0);
        else
            vscsi_rsp_cdb(&p->rsp, copy->rqid, VSCSI_HOST_OK, 0, NULL, 0,
                          (uint32_t)(cmd.data_len / 2));
    } else {
        vscsi_rsp_tmr(&p->rsp, copy->rqid, 1);
    }
    w->npend++;
}

static void back_consume(struct world *w, unsigned count)
{
    w->back_sleeping = false;
    if (w->back_broken)
        return;
    int n = vscsi_back_requests(&w->br);
    uint32_t unanswered = w->br.req_cons - w->br.rsp_prod_pvt;

    FUZZ_ASSERT(n == vscsi_back_requests(&w->br));
    FUZZ_ASSERT(unanswered <= N);
    if (n == -EPROTO) {
        FUZZ_ASSERT_MSG(!w->clean, "clean run: back got -EPROTO");
        w->back_broken = true; /* latched: stop processing, keep the channel masked */
        return;
    }
    FUZZ_ASSERT(n >= 0 && n <= N);
    FUZZ_ASSERT((unsigned)n <= N - unanswered); /* never more than there is response space for */
    if (w->clean)
        FUZZ_ASSERT((uint32_t)n == w->s->req_prod - w->br.req_cons);
    for (int i = 0; i < n && (unsigned)i < count; i++) {
        struct vscsi_request copy;
        bool torn = RD.armed && !RD.rsp_field;

        rd_begin(&w->s->ring[w->br.req_cons & (N - 1)].req, false);
        vscsi_back_take(&w->br, &copy);
        {
            unsigned off[2] = {0, VSCSI_REQ_HDR_SIZE};
            unsigned len[2] = {VSCSI_REQ_HDR_SIZE, 8u * req_taken_segs(&copy)};

            rd_expect(off, len, 2);
        }
        if (torn) {
            FUZZ_ASSERT(RD.fired && copy.nr_segments == RD.before);
            w->clean = false;
        }
        FUZZ_ASSERT(w->br.req_cons - w->br.rsp_prod_pvt <= N);
        back_handle(w, &copy);
    }
}

static void back_respond(struct world *w, unsigned count, uint8_t order)
{
    if (w->back_broken)
        return;
    FUZZ_ASSERT(w->npend == w->br.req_cons - w->br.rsp_prod_pvt);
    for (unsigned i = 0; i < count; i++) {
        struct vscsi_response *slot = vscsi_back_slot(&w->br);

        if (!slot) {
            FUZZ_ASSERT(w->npend == 0);
            return;
        }
        FUZZ_ASSERT(w->npend > 0);
        FUZZ_ASSERT((const uint8_t *)slot >= (const uint8_t *)w->s->ring &&
                    (const uint8_t *)(slot + 1) <= (const uint8_t *)w->s + VSCSI_PAGE_SIZE);
        unsigned k = (unsigned)(order + i * 7u) % w->npend;
        struct pending p = w->pend[k];

        w->pend[k] = w->pend[--w->npend];
        memcpy(slot, &p.rsp, sizeof(p.rsp));
        if (p.rqid < N)
            w->sent[p.rqid] = p.rsp;
        vscsi_back_produce(&w->br);
    }
}

static void back_push(struct world *w)
{
    if (w->back_broken)
        return;
    uint32_t old = w->s->rsp_prod;
    int notify = vscsi_back_push(&w->br);

    FUZZ_ASSERT(notify == 0 || notify == 1);
    FUZZ_ASSERT(w->s->rsp_prod == w->br.rsp_prod_pvt);
    if (w->clean && w->front_sleeping && w->br.rsp_prod_pvt != old)
        FUZZ_ASSERT_MSG(notify == 1, "lost wakeup: frontend asleep, responses pushed, no event");
    if (notify)
        w->front_sleeping = false;
}

static void back_final(struct world *w)
{
    if (w->back_broken)
        return;
    int n = vscsi_back_final_check(&w->br);

    if (n == -EPROTO) {
        FUZZ_ASSERT(!w->clean);
        w->back_broken = true;
        return;
    }
    FUZZ_ASSERT(n >= 0 && n <= N);
    FUZZ_ASSERT((unsigned)n <= N - (w->br.req_cons - w->br.rsp_prod_pvt));
    w->back_sleeping = (n == 0);
}

/* ----------------------------------------------------------------- peer */

static void peer_index(struct world *w, uint32_t *idx, uint8_t mode, uint32_t v)
{
    w->clean = false;
    *idx = (mode & 1) ? *idx + v : v;
}

static void peer_slot(struct world *w, struct fuzz_producer *p)
{
    unsigned slot = fuzz_u8(p) % N;
    unsigned off = fuzz_u8(p) % VSCSI_SLOT_SIZE;
    unsigned len = fuzz_u8(p) % 33;
    uint8_t bytes[32];

    fuzz_bytes(p, bytes, len);
    if (off + len > VSCSI_SLOT_SIZE)
        len = VSCSI_SLOT_SIZE - off;
    w->clean = false;
    memcpy((uint8_t *)&w->s->ring[slot] + off, bytes, len);
}

/* ---------------------------------------------------------------- drain */

static void drain(struct world *w)
{
    for (int round = 0; round < 2; round++) {
        front_push(w);
        back_consume(w, N);
        back_respond(w, N, 0);
        back_push(w);
        front_consume(w, N);
    }
    FUZZ_ASSERT(!w->front_broken && !w->back_broken);
    for (unsigned r = 0; r < N; r++)
        FUZZ_ASSERT_MSG(!w->sh[r].inflight, "rqid %u never answered", r);
    FUZZ_ASSERT(w->answered == w->issued);
    FUZZ_ASSERT(w->npend == 0);
    FUZZ_ASSERT(w->fr.req_prod_pvt == w->fr.rsp_cons);
    FUZZ_ASSERT(w->br.req_cons == w->br.rsp_prod_pvt && w->br.req_cons == w->fr.req_prod_pvt);
    FUZZ_ASSERT(vscsi_back_requests(&w->br) == 0 && vscsi_front_responses(&w->fr) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_producer p;
    struct world *w = calloc(1, sizeof(*w));

    memset(&RD, 0, sizeof(RD));
    FUZZ_ASSERT(w != NULL);
    fuzz_producer_init(&p, data, size);
    w->s = fuzz_xmalloc(sizeof(*w->s)); /* exactly one page */
    FUZZ_ASSERT(sizeof(*w->s) == VSCSI_PAGE_SIZE);
    w->clean = true;

    uint32_t start = fuzz_u32(&p);

    vscsi_sring_init(w->s);
    w->s->req_prod = w->s->rsp_prod = start;
    w->s->req_event = w->s->rsp_event = start + 1;
    vscsi_front_ring_attach(&w->fr, w->s, start);
    vscsi_back_ring_attach(&w->br, w->s, start);

    for (unsigned step = 0; step < MAX_STEPS && fuzz_remaining(&p) > 0; step++) {
        uint8_t a, b;
        uint32_t v;

        switch (fuzz_u8(&p) % OP_COUNT) {
        case OP_F_PRODUCE:
            a = fuzz_u8(&p);
            b = fuzz_u8(&p);
            front_produce(w, a % (N + 1), b);
            break;
        case OP_F_PUSH:
            front_push(w);
            break;
        case OP_B_CONSUME:
            back_consume(w, fuzz_u8(&p));
            break;
        case OP_B_RESPOND:
            a = fuzz_u8(&p);
            b = fuzz_u8(&p);
            back_respond(w, a, b);
            break;
        case OP_B_PUSH:
            back_push(w);
            break;
        case OP_P_TORN:
            a = fuzz_u8(&p);
            RD.armed = true;
            RD.rsp_field = a & 1;
            RD.value = fuzz_u8(&p);
            break;
        case OP_F_CONSUME:
            front_consume(w, fuzz_u8(&p));
            break;
        case OP_F_FINAL:
            front_final(w);
            break;
        case OP_B_FINAL:
            back_final(w);
            break;
        case OP_P_REQ_PROD:
            a = fuzz_u8(&p);
            v = fuzz_u32(&p);
            peer_index(w, &w->s->req_prod, a, v);
            break;
        case OP_P_RSP_PROD:
            a = fuzz_u8(&p);
            v = fuzz_u32(&p);
            peer_index(w, &w->s->rsp_prod, a, v);
            break;
        case OP_P_EVENT:
            a = fuzz_u8(&p);
            v = fuzz_u32(&p);
            peer_index(w, (a & 1) ? &w->s->rsp_event : &w->s->req_event, a >> 1, v);
            break;
        default:
            peer_slot(w, &p);
            break;
        }
        /* Whatever the peer did, our own indices stay within one ring. */
        FUZZ_ASSERT(w->fr.req_prod_pvt - w->fr.rsp_cons <= N);
        FUZZ_ASSERT(w->br.req_cons - w->br.rsp_prod_pvt <= N);
    }
    if (w->clean)
        drain(w);

    free(w->s);
    free(w);
    return 0;
}
