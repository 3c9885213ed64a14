/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

/* Every read of a shared slot by the inline takes comes through here: the
 * tests see which bytes were read, how often, in which order, and may act as
 * the hostile peer between two reads of one take. */
struct shared_log {
    const uint8_t *base; /* the slot watched */
    unsigned reads;
    size_t off[8], len[8];
    uint8_t count[256]; /* reads of each byte of the slot */
    void (*between)(unsigned nth_read_done);
};
static struct shared_log LOG;
static void shared_read(void *dst, const void *src, size_t n);
#define VSCSI_COPY_FROM_SHARED(d, s, n) shared_read((d), (s), (n))

#include "vscsiif/vscsiif.h"

static void shared_read(void *dst, const void *src, size_t n)
{
    const uint8_t *p = src;

    memcpy(dst, src, n);
    if (!LOG.base || p < LOG.base || p >= LOG.base + VSCSI_SLOT_SIZE)
        return;
    assert_true(p + n <= LOG.base + VSCSI_SLOT_SIZE);
    assert_true(LOG.reads < 8);
    LOG.off[LOG.reads] = (size_t)(p - LOG.base);
    LOG.len[LOG.reads] = n;
    for (size_t i = 0; i < n; i++)
        LOG.count[p - LOG.base + i]++;
    LOG.reads++;
    if (LOG.between)
        LOG.between(LOG.reads);
}

static void log_watch(const void *slot, void (*between)(unsigned))
{
    memset(&LOG, 0, sizeof(LOG));
    LOG.base = slot;
    LOG.between = between;
}

/* Each byte of [off, off + len) read exactly once, no other byte read. */
static void assert_read_exactly(const size_t *off, const size_t *len, unsigned nruns)
{
    uint8_t want[256] = {0};

    for (unsigned r = 0; r < nruns; r++)
        for (size_t i = 0; i < len[r]; i++)
            want[off[r] + i] = 1;
    for (unsigned i = 0; i < VSCSI_SLOT_SIZE; i++)
        if (LOG.count[i] != want[i])
            fail_msg("byte %u of the slot read %u times, want %u", i, LOG.count[i], want[i]);
}

struct pair {
    struct vscsi_sring page;
    struct vscsi_front_ring f;
    struct vscsi_back_ring b;
};

/* Both ends attached with every index at `start`, as after `start` round trips. */
static void pair_init(struct pair *p, uint32_t start)
{
    vscsi_sring_init(&p->page);
    p->page.req_prod = p->page.rsp_prod = start;
    p->page.req_event = p->page.rsp_event = start + 1;
    vscsi_front_ring_init(&p->f, &p->page);
    vscsi_back_ring_init(&p->b, &p->page);
    p->f.req_prod_pvt = p->f.rsp_cons = start;
    p->b.rsp_prod_pvt = p->b.req_cons = start;
}

static void send(struct pair *p, uint16_t rqid)
{
    struct vscsi_request *rq = vscsi_front_slot(&p->f);
    struct vscsi_nexus nx = {0, 0, 0};
    uint8_t cdb[6] = {0};
    assert_non_null(rq);
    assert_int_equal(vscsi_req_cdb(rq, rqid, &nx, cdb, 6, VSCSI_DIR_NONE, 0), 0);
    vscsi_front_produce(&p->f);
}

static void test_init(void **state)
{
    (void)state;
    struct pair p;
    memset(&p.page, 0xa5, sizeof(p.page));
    pair_init(&p, 0);
    assert_int_equal(p.page.req_event, 1);
    assert_int_equal(p.page.rsp_event, 1);
    for (unsigned i = 0; i < sizeof(p.page.pad); i++)
        assert_int_equal(p.page.pad[i], 0);
    assert_int_equal(vscsi_front_free(&p.f), 16);
    assert_int_equal(vscsi_back_requests(&p.b), 0);
    assert_int_equal(vscsi_front_responses(&p.f), 0);
    assert_null(vscsi_back_slot(&p.b));
}

static void test_full_and_empty(void **state)
{
    (void)state;
    struct pair p;
    pair_init(&p, 0);
    for (uint16_t i = 0; i < 16; i++)
        send(&p, i);
    assert_int_equal(vscsi_front_free(&p.f), 0);
    assert_null(vscsi_front_slot(&p.f));
    /* Not pushed yet: invisible to the backend. */
    assert_int_equal(vscsi_back_requests(&p.b), 0);
    vscsi_front_push(&p.f);
    assert_int_equal(vscsi_back_requests(&p.b), 16);
    struct vscsi_request rq;
    for (uint16_t i = 0; i < 16; i++) {
        vscsi_back_take(&p.b, &rq);
        assert_int_equal(rq.rqid, i);
    }
    assert_int_equal(vscsi_back_requests(&p.b), 0);
    /* Answer out of order: responses are matched by rqid, not by slot. */
    for (int i = 15; i >= 0; i--) {
        struct vscsi_response *rsp = vscsi_back_slot(&p.b);
        assert_non_null(rsp);
        vscsi_rsp_rslt(rsp, (uint16_t)i, 0);
        vscsi_back_produce(&p.b);
    }
    assert_null(vscsi_back_slot(&p.b));
    vscsi_back_push(&p.b);
    assert_int_equal(vscsi_front_responses(&p.f), 16);
    struct vscsi_response rsp;
    for (int i = 15; i >= 0; i--) {
        vscsi_front_take(&p.f, &rsp);
        assert_int_equal(rsp.rqid, i);
    }
    assert_int_equal(vscsi_front_free(&p.f), 16);
}

/* Notify iff the consumer's event index lies in (old, new]. */
static void test_notify_rule(void **state)
{
    (void)state;
    struct pair p;
    pair_init(&p, 0);
    send(&p, 1);
    assert_int_equal(vscsi_front_push(&p.f), 1); /* req_event = 1 */
    send(&p, 2);
    assert_int_equal(vscsi_front_push(&p.f), 0); /* backend has not re-armed */
    assert_int_equal(vscsi_back_requests(&p.b), 2);
    struct vscsi_request rq;
    vscsi_back_take(&p.b, &rq);
    vscsi_back_take(&p.b, &rq);
    assert_int_equal(vscsi_back_final_check(&p.b), 0);
    assert_int_equal(p.page.req_event, 3);
    send(&p, 3);
    send(&p, 4);
    assert_int_equal(vscsi_front_push(&p.f), 1); /* one notify for a batch of two */
    /* A push with nothing new never notifies. */
    assert_int_equal(vscsi_front_push(&p.f), 0);

    /* Response side: rsp_event starts at 1. */
    for (int i = 0; i < 2; i++) {
        vscsi_rsp_rslt(vscsi_back_slot(&p.b), 1, 0);
        vscsi_back_produce(&p.b);
    }
    assert_int_equal(vscsi_back_push(&p.b), 1);
    struct vscsi_response rsp;
    vscsi_front_take(&p.f, &rsp);
    vscsi_front_take(&p.f, &rsp);
    assert_int_equal(vscsi_front_final_check(&p.f), 0);
    assert_int_equal(p.page.rsp_event, 3);
}

/* Final check sees work that arrived after the first look. */
static void test_final_check_sees_late_work(void **state)
{
    (void)state;
    struct pair p;
    pair_init(&p, 0);
    assert_int_equal(vscsi_back_final_check(&p.b), 0);
    send(&p, 9);
    assert_int_equal(vscsi_front_push(&p.f), 1);
    assert_int_equal(vscsi_back_final_check(&p.b), 1);
}

static void run_cycles(struct pair *p, unsigned cycles, unsigned batch)
{
    uint16_t next = 0, expect = 0;
    for (unsigned c = 0; c < cycles; c++) {
        for (unsigned i = 0; i < batch; i++)
            send(p, next++);
        vscsi_front_push(&p->f);
        int n = vscsi_back_requests(&p->b);
        assert_int_equal(n, (int)batch);
        for (int i = 0; i < n; i++) {
            struct vscsi_request rq;
            vscsi_back_take(&p->b, &rq);
            vscsi_rsp_rslt(vscsi_back_slot(&p->b), rq.rqid, 0);
            vscsi_back_produce(&p->b);
        }
        vscsi_back_push(&p->b);
        assert_int_equal(vscsi_front_responses(&p->f), (int)batch);
        for (unsigned i = 0; i < batch; i++) {
            struct vscsi_response rsp;
            vscsi_front_take(&p->f, &rsp);
            assert_int_equal(rsp.rqid, expect++);
        }
    }
}

/* Indices are free-running: crossing 2^32 changes nothing. */
static void test_wraparound(void **state)
{
    (void)state;
    static const unsigned batches[] = {1, 3, 7, 16};
    for (unsigned b = 0; b < 4; b++) {
        struct pair p;
        pair_init(&p, UINT32_MAX - 20);
        run_cycles(&p, 40, batches[b]);
        assert_true(p.f.req_prod_pvt < UINT32_MAX - 20); /* really wrapped */
        assert_int_equal(p.page.req_prod, p.f.req_prod_pvt);
        assert_int_equal(p.page.rsp_prod, p.b.rsp_prod_pvt);
    }
}

/* A frontend that claims more than 16 outstanding requests is caught. */
static void test_back_detects_prod_overflow(void **state)
{
    (void)state;
    static const uint32_t starts[] = {0, UINT32_MAX - 5};
    for (unsigned s = 0; s < 2; s++) {
        struct pair p;
        pair_init(&p, starts[s]);
        p.page.req_prod = starts[s] + 17;
        assert_int_equal(vscsi_back_requests(&p.b), -EPROTO);
        assert_int_equal(vscsi_back_final_check(&p.b), -EPROTO);
        p.page.req_prod = starts[s] + 16;
        assert_int_equal(vscsi_back_requests(&p.b), 16);
        /* Moving req_prod backwards is a lie too. */
        struct vscsi_request rq;
        vscsi_back_take(&p.b, &rq);
        vscsi_back_take(&p.b, &rq);
        p.page.req_prod = starts[s] + 1;
        assert_int_equal(vscsi_back_requests(&p.b), -EPROTO);
        p.page.req_prod = starts[s] + 0x80000000u;
        assert_int_equal(vscsi_back_requests(&p.b), -EPROTO);
    }
}

/* The backend never consumes more requests than it has response space for. */
static void test_back_bounded_by_response_space(void **state)
{
    (void)state;
    struct pair p;
    pair_init(&p, 0);
    for (uint16_t i = 0; i < 16; i++)
        send(&p, i);
    vscsi_front_push(&p.f);
    struct vscsi_request rq;
    for (int i = 0; i < 10; i++)
        vscsi_back_take(&p.b, &rq);
    /* The frontend lies: pretends 10 more arrived although none were answered. */
    p.page.req_prod = 26;
    assert_int_equal(vscsi_back_requests(&p.b), -EPROTO);
    p.page.req_prod = 16;
    assert_int_equal(vscsi_back_requests(&p.b), 6);
}

/* A backend that answers more than was asked is caught. */
static void test_front_detects_rsp_overflow(void **state)
{
    (void)state;
    struct pair p;
    pair_init(&p, UINT32_MAX - 1);
    send(&p, 1);
    send(&p, 2);
    vscsi_front_push(&p.f);
    p.page.rsp_prod = p.f.rsp_cons + 3;
    assert_int_equal(vscsi_front_responses(&p.f), -EPROTO);
    assert_int_equal(vscsi_front_final_check(&p.f), -EPROTO);
    p.page.rsp_prod = p.f.rsp_cons + 2;
    assert_int_equal(vscsi_front_responses(&p.f), 2);
    p.page.rsp_prod = p.f.rsp_cons - 1;
    assert_int_equal(vscsi_front_responses(&p.f), -EPROTO);
}

/* The consumer's copy is private: later writes to the slot do not reach it. */
static void test_copy_is_private(void **state)
{
    (void)state;
    struct pair p;
    pair_init(&p, 0);
    send(&p, 5);
    vscsi_front_push(&p.f);
    struct vscsi_request rq;
    vscsi_back_take(&p.b, &rq);
    p.page.ring[0].req.cmd_len = 200;
    p.page.ring[0].req.rqid = 6;
    assert_int_equal(rq.cmd_len, 6);
    assert_int_equal(rq.rqid, 5);
}

/* Same on the frontend side (docs/protocol.md §7.2 item 2): a response is read once. */
static void test_response_copy_is_private(void **state)
{
    (void)state;
    struct pair p;
    struct vscsi_request rq;
    struct vscsi_response rsp;
    pair_init(&p, 0);
    send(&p, 5);
    vscsi_front_push(&p.f);
    vscsi_back_take(&p.b, &rq);
    vscsi_rsp_cdb(vscsi_back_slot(&p.b), 5, 0, 0, NULL, 0, 0);
    vscsi_back_produce(&p.b);
    vscsi_back_push(&p.b);
    assert_int_equal(vscsi_front_responses(&p.f), 1);
    vscsi_front_take(&p.f, &rsp);
    p.page.ring[0].rsp.rqid = 9;
    p.page.ring[0].rsp.sense_len = 255;
    assert_int_equal(rsp.rqid, 5);
    assert_int_equal(rsp.sense_len, 0);
}

/* A backend's response may leave bytes where the next request's reserved[]
 * lies; produce clears them, so what goes out has reserved[] zero. */
static void test_produce_zeroes_reserved(void **state)
{
    (void)state;
    struct pair p;
    struct vscsi_request copy;
    pair_init(&p, 0);
    for (unsigned i = 0; i < VSCSI_RING_SIZE; i++) {
        struct vscsi_request *slot = &p.page.ring[i].req;
        slot->reserved[0] = (i & 1) ? 0xdeadbeefu : 0;
        slot->reserved[2] = (i & 2) ? 1u : 0;
    }
    for (uint16_t i = 0; i < VSCSI_RING_SIZE; i++)
        send(&p, i);
    vscsi_front_push(&p.f);
    for (unsigned i = 0; i < VSCSI_RING_SIZE; i++) {
        const struct vscsi_request *slot = &p.page.ring[i].req;

        vscsi_back_take(&p.b, &copy);
        assert_int_equal(copy.rqid, i);
        /* The take no longer copies reserved[] (nobody may read it): what
         * goes out is the slot itself. */
        assert_int_equal(slot->reserved[0] | slot->reserved[1] | slot->reserved[2], 0);
    }
}

/* The backend's take reads the 32-byte header, then exactly the entries
 * nr_segments names (bounded by the 26 of seg[]), each byte once, nothing
 * else: no unused segment, no reserved[]. */
static void test_take_reads_what_is_named(void **state)
{
    (void)state;
    static const uint8_t nrs[] = {0, 1, 2, 25, 26, 27, 0x7f, 0x80, 0x81, 0x80 | 26, 0xff};

    for (unsigned k = 0; k < sizeof(nrs); k++) {
        struct pair p;
        struct vscsi_request copy;
        struct vscsi_request *slot = &p.page.ring[0].req;
        unsigned n = nrs[k] & VSCSI_SG_COUNT_MASK;

        pair_init(&p, 0);
        send(&p, 3);
        memset(slot->seg, 0x5c, sizeof(slot->seg));
        slot->nr_segments = nrs[k];
        vscsi_front_push(&p.f);
        memset(&copy, 0xee, sizeof(copy));
        log_watch(slot, NULL);
        vscsi_back_take(&p.b, &copy);
        n = n > VSCSI_SG_TABLESIZE ? VSCSI_SG_TABLESIZE : n;
        size_t off[2] = {0, 32}, len[2] = {32, n * 8u};
        assert_int_equal(LOG.reads, n ? 2 : 1);
        assert_int_equal(LOG.off[0], 0);
        assert_int_equal(LOG.len[0], 32);
        assert_read_exactly(off, len, 2);
        assert_memory_equal(&copy, slot, 32 + n * 8u);
        if (n < VSCSI_SG_TABLESIZE) /* the rest of the copy untouched */
            assert_int_equal(((uint8_t *)copy.seg)[n * 8], 0xee);
        LOG.base = NULL;
    }
}

/* A hostile frontend rewrites nr_segments right after the header was read:
 * the segments read are the ones the private header names. */
static struct vscsi_request *HOSTILE_REQ;
static uint8_t HOSTILE_NR;
static void flip_nr(unsigned nth)
{
    if (nth == 1)
        HOSTILE_REQ->nr_segments = HOSTILE_NR;
}

static void test_take_hostile_nr_segments(void **state)
{
    (void)state;
    static const uint8_t cases[][2] = {{1, 26}, {26, 0}, {2, 0x7f}, {0x81, 0x9a}, {0, 3}};

    for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct pair p;
        struct vscsi_request copy;
        unsigned n = cases[k][0] & VSCSI_SG_COUNT_MASK;

        pair_init(&p, 0);
        send(&p, 4);
        HOSTILE_REQ = &p.page.ring[0].req;
        HOSTILE_REQ->nr_segments = cases[k][0];
        HOSTILE_NR = cases[k][1];
        vscsi_front_push(&p.f);
        log_watch(HOSTILE_REQ, flip_nr);
        vscsi_back_take(&p.b, &copy);
        size_t off[2] = {0, 32}, len[2] = {32, n * 8u};
        assert_read_exactly(off, len, 2);
        assert_int_equal(copy.nr_segments, cases[k][0]);
        assert_int_equal(HOSTILE_REQ->nr_segments, cases[k][1]); /* the flip happened */
        LOG.base = NULL;
    }
}

/* The frontend's take reads rqid, act, sense_len, rslt and residual_len,
 * then sense_len bytes of sense (at most 96), each byte once; a hostile
 * backend that rewrites sense_len after the first read changes nothing. */
static struct vscsi_response *HOSTILE_RSP;
static uint8_t HOSTILE_SL;
static void flip_sense_len(unsigned nth)
{
    if (nth == 1)
        HOSTILE_RSP->sense_len = HOSTILE_SL;
}

static void test_front_take_reads_what_is_named(void **state)
{
    (void)state;
    static const uint8_t cases[][2] = {{0, 0},     {18, 18},  {96, 96}, {97, 97},
                                       {255, 255}, {18, 255}, {0, 96},  {96, 0}};

    for (unsigned k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct pair p;
        struct vscsi_request rq;
        struct vscsi_response rsp;
        unsigned n = cases[k][0] > VSCSI_SENSE_LEN ? VSCSI_SENSE_LEN : cases[k][0];

        pair_init(&p, 0);
        send(&p, 5);
        vscsi_front_push(&p.f);
        vscsi_back_take(&p.b, &rq);
        HOSTILE_RSP = vscsi_back_slot(&p.b);
        vscsi_rsp_cdb(HOSTILE_RSP, 5, 0, 2, NULL, 0, 7);
        memset(HOSTILE_RSP->sense_buffer, 0x5a, sizeof(HOSTILE_RSP->sense_buffer));
        HOSTILE_RSP->sense_len = cases[k][0];
        HOSTILE_SL = cases[k][1];
        vscsi_back_produce(&p.b);
        vscsi_back_push(&p.b);
        assert_int_equal(vscsi_front_responses(&p.f), 1);
        memset(&rsp, 0xee, sizeof(rsp));
        log_watch(HOSTILE_RSP, flip_sense_len);
        vscsi_front_take(&p.f, &rsp);
        size_t off[3] = {0, 100, 4}, len[3] = {4, 8, n};
        assert_read_exactly(off, len, 3);
        assert_int_equal(rsp.rqid, 5);
        assert_int_equal(rsp.sense_len, cases[k][0]);
        assert_int_equal(rsp.rslt, 2);
        assert_int_equal(rsp.residual_len, 7);
        for (unsigned i = 0; i < VSCSI_SENSE_LEN; i++)
            assert_int_equal(rsp.sense_buffer[i], i < n ? 0x5a : 0xee);
        LOG.base = NULL;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_full_and_empty),
        cmocka_unit_test(test_notify_rule),
        cmocka_unit_test(test_final_check_sees_late_work),
        cmocka_unit_test(test_wraparound),
        cmocka_unit_test(test_back_detects_prod_overflow),
        cmocka_unit_test(test_back_bounded_by_response_space),
        cmocka_unit_test(test_front_detects_rsp_overflow),
        cmocka_unit_test(test_copy_is_private),
        cmocka_unit_test(test_response_copy_is_private),
        cmocka_unit_test(test_produce_zeroes_reserved),
        cmocka_unit_test(test_take_reads_what_is_named),
        cmocka_unit_test(test_take_hostile_nr_segments),
        cmocka_unit_test(test_front_take_reads_what_is_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
