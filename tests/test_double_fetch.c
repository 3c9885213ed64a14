/* SPDX-License-Identifier: MIT */
/* Double-fetch (XSA-155 class): a hostile frontend thread keeps flipping
 * request fields in the shared slot and in an indirect page while the real
 * backend engine takes and serves them. Whatever mix of old and new bytes the
 * backend's single copy caught, what it then DOES must follow that copy: the
 * target sees only validated values, and the grant copies it makes are exactly
 * the segments it validated (their total equals the length the target was
 * told). A re-read of shared memory after validation would break this.
 * A third kind of round flips only nr_segments between 1 and 2 (both valid)
 * after the header may have been taken: the take must copy exactly the
 * segments its private header names, so the length the target sees is one
 * of the two this very request allows, never one made of an older
 * request's segment left in the engine's private copy. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

/* The frontend-side test takes through the inline take compiled here; its
 * reads of the shared slot come through df_read(), which gives the hostile
 * vCPU a chance to act between two reads of one take (on a loaded machine
 * the two threads rarely run at the same instant otherwise). The backend
 * engine's own take (in the library) is not affected. */
static void df_read(void *dst, const void *src, size_t n);
#define VSCSI_COPY_FROM_SHARED(d, s, n) df_read((d), (s), (n))

#include "platform/sim_hv.h"
#include "vscsiif/back.h"
#include "vscsiif/request.h"
#include "vscsiif/ring.h"
#include "vscsiif/toolstack.h"
#include "vscsiif/scsi.h"

#define FDOM   3
#define POOL   8
#define ROUNDS 20000

struct df {
    struct vscsi_sim_hv *hv;
    struct vscsi_sim_dom *dom0, *domu;
    struct vscsi_back *back;
    struct vscsi_platform_ops ops; /* the sim's, with copy_grants recorded */
    struct vscsi_sring *sring;
    uint8_t *pool[POOL];
    uint32_t pool_ref[POOL], ring_ref, port;
    char be[128], fe[128];
    /* per request, filled by the hooks */
    uint64_t copied_out; /* data bytes the backend wrote into grants */
    uint64_t target_len; /* data length the target was given */
    unsigned target_calls, bad_target;
    uint32_t slot;  /* index of the slot being flipped (atomic) */
    int stop;       /* atomic */
    int round_kind; /* atomic: which layout the flipper attacks (ROUND_*) */
    unsigned flips; /* atomic: completed flip passes */
};

enum { ROUND_DIRECT, ROUND_INDIRECT, ROUND_NR_FLIP, ROUND_KINDS };

static struct df *G;

static int rec_copy(void *ctx, struct vscsi_grant_copy *segs, uint32_t n)
{
    int rc = vscsi_sim_ops()->copy_grants(ctx, segs, n);
    for (uint32_t i = 0; i < n; i++)
        if (segs[i].to_grant && segs[i].status == 0)
            G->copied_out += segs[i].len;
    return rc;
}

static int t_open(void *t, const char *pdev, void **lun)
{
    (void)t;
    (void)pdev;
    *lun = G;
    return 0;
}

static int t_submit(void *t, void *lun, struct vscsi_target_cmd *cmd)
{
    (void)t;
    (void)lun;
    size_t sum = 0;
    G->target_calls++;
    for (unsigned i = 0; i < cmd->iovcnt; i++)
        sum += cmd->iov[i].len;
    if (cmd->cdb_len == 0 || cmd->cdb_len > 16 || cmd->dir != VSCSI_DIR_FROM_DEVICE ||
        sum != cmd->data_len || cmd->data_len > 26u * 4096u)
        G->bad_target++;
    G->target_len = cmd->data_len;
    for (unsigned i = 0; i < cmd->iovcnt; i++)
        memset(cmd->iov[i].base, 0x5a, cmd->iov[i].len);
    vscsi_back_complete(cmd, 0, NULL, 0, 0);
    return 0;
}

static const struct vscsi_target_ops TOPS = {
    .size = sizeof(TOPS), .open = t_open, .submit = t_submit};

static void on_watch(void *arg, const char *path, const char *token)
{
    vscsi_back_handle_watch(((struct df *)arg)->back, path, token);
}

static void on_port(void *arg, uint32_t port)
{
    (void)port;
    vscsi_back_handle_event(((struct df *)arg)->back);
}

static void pump(struct df *d)
{
    for (int i = 0; i < 100; i++) {
        int n = vscsi_sim_dom_deliver(d->dom0, 1 << 20, on_watch, on_port, d);
        vscsi_sim_dom_deliver(d->domu, 1 << 20, NULL, NULL, NULL);
        if (!n)
            return;
    }
}

static void setup(struct df *d)
{
    struct vscsi_ts_vhost ts = {0, FDOM, 0, 0};
    void *page;
    d->hv = vscsi_sim_hv_new();
    /* The backend's ring mapping is the guest's own page, so ThreadSanitizer
     * sees the hostile thread's writes and the engine's reads at one
     * address (sim_hv.h). */
    vscsi_sim_hv_direct_maps(d->hv, 1);
    d->dom0 = vscsi_sim_dom_create(d->hv, 0, 64);
    d->domu = vscsi_sim_dom_create(d->hv, FDOM, 64);
    d->ops = *vscsi_sim_ops();
    d->ops.copy_grants = rec_copy;
    assert_int_equal(vscsi_ts_vhost_create(&d->ops, d->dom0, &ts), 0);
    assert_int_equal(vscsi_ts_lun_add(&d->ops, d->dom0, &ts, 0, "x", "0:0:0:0", NULL, 0), 0);
    vscsi_ts_paths(&ts, d->be, sizeof(d->be), d->fe, sizeof(d->fe));
    struct vscsi_back_config bc = {.size = sizeof(bc),
                                   .ops = &d->ops,
                                   .ops_ctx = d->dom0,
                                   .target = &TOPS,
                                   .dev_path = d->be,
                                   .max_segs = 128};
    assert_int_equal(vscsi_back_new(&bc, &d->back), 0);
    assert_int_equal(vscsi_back_start(d->back), 0);
    assert_int_equal(d->ops.grant_page(d->domu, 0, 0, &d->ring_ref, &page), 0);
    d->sring = page;
    vscsi_sring_init(d->sring);
    for (int i = 0; i < POOL; i++)
        assert_int_equal(d->ops.grant_page(d->domu, 0, 0, &d->pool_ref[i], (void **)&d->pool[i]),
                         0);
    assert_int_equal(d->ops.evtchn_alloc_unbound(d->domu, 0, &d->port), 0);
    assert_int_equal(vscsi_xb_write_uint(&d->ops, d->domu, 0, d->fe, "ring-ref", d->ring_ref), 0);
    assert_int_equal(vscsi_xb_write_uint(&d->ops, d->domu, 0, d->fe, "event-channel", d->port), 0);
    assert_int_equal(vscsi_xb_write_uint(&d->ops, d->domu, 0, d->fe, "state", 3), 0);
    pump(d);
    assert_int_equal(vscsi_back_state(d->back), VSCSI_XB_CONNECTED);
}

/* The other vCPU of the hostile guest. Relaxed atomic stores: the guest's
 * writes are real concurrent writes, not undefined behaviour in the test. */
static void *flipper(void *arg)
{
    struct df *d = arg;
    uint8_t *ind = d->pool[0];
    for (unsigned k = 0; !__atomic_load_n(&d->stop, __ATOMIC_RELAXED); k++) {
        uint32_t s = __atomic_load_n(&d->slot, __ATOMIC_ACQUIRE);
        struct vscsi_request *rq = &d->sring->ring[s & VSCSI_RING_MASK].req;
        int odd = k & 1;
        __atomic_store_n(&rq->cmd_len, (uint8_t)(odd ? 200 : 10), __ATOMIC_RELAXED);
        __atomic_store_n(&rq->sc_data_direction, (uint8_t)(odd ? 9 : 2), __ATOMIC_RELAXED);
        int kind = __atomic_load_n(&d->round_kind, __ATOMIC_RELAXED);
        if (kind == ROUND_NR_FLIP) {
            __atomic_store_n(&rq->nr_segments, (uint8_t)(odd ? 1 : 2), __ATOMIC_RELAXED);
        } else if (kind == ROUND_INDIRECT) {
            __atomic_store_n(&rq->nr_segments, (uint8_t)(odd ? 0x9b : 0x81), __ATOMIC_RELAXED);
            __atomic_store_n(&rq->seg[0].length, (uint16_t)(odd ? 4000 : 16), __ATOMIC_RELAXED);
            /* a valid change: descriptor 0's length (bytes 6-7) */
            __atomic_store_n((uint16_t *)(ind + 6), (uint16_t)(odd ? 256 : 512), __ATOMIC_RELAXED);
            /* descriptor 1 inside the indirect page: offset 12, length 14 */
            __atomic_store_n((uint16_t *)(ind + 8 + 4), (uint16_t)(odd ? 3900 : 0),
                             __ATOMIC_RELAXED);
            __atomic_store_n((uint16_t *)(ind + 8 + 6), (uint16_t)(odd ? 4000 : 512),
                             __ATOMIC_RELAXED);
        } else {
            __atomic_store_n(&rq->nr_segments, (uint8_t)(odd ? 27 : 2), __ATOMIC_RELAXED);
            /* a valid change: a torn copy may hold either, but must use what it holds */
            __atomic_store_n(&rq->seg[0].length, (uint16_t)(k & 2 ? 256 : 512), __ATOMIC_RELAXED);
            __atomic_store_n(&rq->seg[1].offset, (uint16_t)(odd ? 3900 : 0), __ATOMIC_RELAXED);
            __atomic_store_n(&rq->seg[1].length, (uint16_t)(odd ? 4000 : 512), __ATOMIC_RELAXED);
        }
        __atomic_fetch_add(&d->flips, 1, __ATOMIC_RELEASE);
    }
    return NULL;
}

/* The guest's own writes of what the flipper attacks, racing with it on
 * purpose: the one function tests/double_fetch.tsan.supp names on the
 * guest's side, so that the engine's reads are not covered by it. */
__attribute__((noinline)) static void guest_write(void *dst, const void *src, size_t n)
{
    memcpy(dst, src, n);
}

static void test_flipping_frontend(void **state)
{
    (void)state;
    struct df *d = calloc(1, sizeof(*d));
    G = d;
    setup(d);
    pthread_t t;
    uint32_t prod = 0, seen = 0;
    unsigned accepted = 0, rejected = 0, nr_flip_accepted = 0;
    uint8_t cdb[10] = {VSCSI_OP_READ_10, 0, 0, 0, 0, 0, 0, 0, 2, 0};
    struct vscsi_nexus nx = {0, 0, 0};
    unsigned rounds = getenv("VSCSI_STRESS_N") ? ROUNDS / 10 : ROUNDS;

    assert_int_equal(pthread_create(&t, NULL, flipper, d), 0);
    for (unsigned i = 0; i < rounds; i++) {
        struct vscsi_request rq;
        int kind = (int)(i % ROUND_KINDS);
        /* ROUND_NR_FLIP: segment 1's length is this round's own. */
        uint16_t len1 = (uint16_t)(1024 + 8 * (i % 97));
        vscsi_req_cdb(&rq, (uint16_t)(i & 15), &nx, cdb, 10, VSCSI_DIR_FROM_DEVICE, 0);
        if (kind == ROUND_NR_FLIP) {
            vscsi_req_add_seg(&rq, d->pool_ref[1], 0, 512);
            vscsi_req_add_seg(&rq, d->pool_ref[2], 0, len1);
        } else if (kind == ROUND_INDIRECT) {
            struct vscsi_seg desc[2] = {{d->pool_ref[1], 0, 512}, {d->pool_ref[2], 0, 512}};
            guest_write(d->pool[0], desc, sizeof(desc));
            vscsi_req_add_indirect(&rq, d->pool_ref[0], 0, 16);
        } else {
            vscsi_req_add_seg(&rq, d->pool_ref[1], 0, 512);
            vscsi_req_add_seg(&rq, d->pool_ref[2], 0, 512);
        }
        __atomic_store_n(&d->round_kind, kind, __ATOMIC_RELAXED);
        guest_write(&d->sring->ring[prod & VSCSI_RING_MASK].req, &rq, sizeof(rq));
        __atomic_store_n(&d->slot, prod, __ATOMIC_RELEASE);
        prod++;
        VSCSI_STORE_RELEASE(&d->sring->req_prod, prod);
        /* Let the other vCPU have a go at this very slot before and while the
         * backend reads it. */
        unsigned f0 = __atomic_load_n(&d->flips, __ATOMIC_ACQUIRE);
        for (unsigned spin = 0; __atomic_load_n(&d->flips, __ATOMIC_ACQUIRE) - f0 < 1 + (i % 3);
             spin++)
            if (spin > 1000)
                sched_yield();
        d->copied_out = 0;
        d->target_len = 0;
        unsigned calls = d->target_calls;
        vscsi_back_handle_event(d->back);

        uint32_t rp = VSCSI_LOAD_ACQUIRE(&d->sring->rsp_prod);
        assert_int_equal(rp - seen, 1); /* exactly one answer */
        struct vscsi_response rsp;
        vscsi_slot_copy(&rsp, &d->sring->ring[seen & VSCSI_RING_MASK].rsp);
        seen = rp;
        assert_int_equal(rsp.rqid, i & 15);
        if (rsp.rslt == 0) {
            accepted++;
            assert_int_equal(d->target_calls, calls + 1);
            /* What was copied is what was validated and what the target was told. */
            assert_int_equal(d->copied_out, d->target_len);
            assert_true(d->target_len > 0 && d->target_len <= 26u * 4096u);
            if (kind == ROUND_NR_FLIP) {
                nr_flip_accepted++;
                if (d->target_len != 512 && d->target_len != 512u + len1)
                    fail_msg("round %u: target length %llu, this request allows 512 or %u", i,
                             (unsigned long long)d->target_len, 512u + len1);
            }
        } else {
            rejected++;
            assert_int_equal(VSCSI_RSLT_HOST(rsp.rslt), VSCSI_HOST_ERROR);
            assert_int_equal(d->target_calls, calls);
        }
        /* Let the ring slot be reused; the indices stay truthful. */
        d->sring->rsp_event = seen + 1;
    }
    __atomic_store_n(&d->stop, 1, __ATOMIC_RELAXED);
    pthread_join(t, NULL);
    print_message("%u accepted, %u rejected, %u nr_segments flips accepted\n", accepted, rejected,
                  nr_flip_accepted);
    assert_true(nr_flip_accepted > rounds / 20);
    assert_int_equal(d->bad_target, 0);
    /* Both outcomes happened, so the flipping really hit the backend's reads. */
    assert_true(accepted > rounds / 20);
    assert_true(rejected > rounds / 20);
    assert_int_equal(vscsi_back_error(d->back), 0);
    vscsi_back_destroy(d->back);
    assert_int_equal(vscsi_sim_mappings(d->hv, 0), 0);
    vscsi_sim_hv_free(d->hv);
    free(d);
}

/* The frontend's side: a hostile backend's other vCPU flips sense_len of a
 * response between 8 and 90 while the frontend takes it (df_read lets it
 * flip after the take's first read). Whichever value the
 * take's first read caught, exactly that many sense bytes reach the private
 * copy: a second read of sense_len for the sense copy would write more or
 * fewer than the copy's own sense_len says. */
struct sense_flip {
    struct vscsi_response *slot;
    int stop;       /* atomic */
    unsigned flips; /* atomic: completed flips */
};

static struct sense_flip *SF;

static void df_read(void *dst, const void *src, size_t n)
{
    memcpy(dst, src, n);
    if (!SF || src != &SF->slot->rqid)
        return;
    /* After a take's first read: wait until the flipper has flipped. */
    unsigned f0 = __atomic_load_n(&SF->flips, __ATOMIC_ACQUIRE);
    for (unsigned spin = 0; __atomic_load_n(&SF->flips, __ATOMIC_ACQUIRE) == f0; spin++)
        if (spin > 1000)
            sched_yield();
}

static void *sense_flipper(void *arg)
{
    struct sense_flip *sf = arg;
    for (unsigned k = 0; !__atomic_load_n(&sf->stop, __ATOMIC_RELAXED); k++) {
        __atomic_store_n(&sf->slot->sense_len, (uint8_t)(k & 1 ? 90 : 8), __ATOMIC_RELAXED);
        __atomic_fetch_add(&sf->flips, 1, __ATOMIC_RELEASE);
    }
    return NULL;
}

static void test_flipping_backend_sense(void **state)
{
    (void)state;
    struct vscsi_sring *s = aligned_alloc(VSCSI_PAGE_SIZE, VSCSI_PAGE_SIZE);
    struct sense_flip sf = {0};
    unsigned seen[2] = {0, 0}, takes = 0, max = getenv("VSCSI_STRESS_N") ? 20000 : 200000;
    pthread_t t;

    assert_non_null(s);
    vscsi_sring_init(s);
    sf.slot = &s->ring[0].rsp;
    memset(sf.slot->sense_buffer, 0x5a, sizeof(sf.slot->sense_buffer));
    sf.slot->sense_len = 8;
    s->req_prod = 1;
    s->rsp_prod = 1;
    assert_int_equal(pthread_create(&t, NULL, sense_flipper, &sf), 0);
    SF = &sf;
    /* Each take's first read is followed by at least one flip: a second
     * read of sense_len would see the other value half the time. */
    for (; takes < max && (seen[0] < 1000 || seen[1] < 1000); takes++) {
        struct vscsi_front_ring fr;
        struct vscsi_response out;

        vscsi_front_ring_attach(&fr, s, 0);
        fr.req_prod_pvt = 1; /* one request outstanding, its answer in slot 0 */
        memset(&out, 0xee, sizeof(out));
        assert_int_equal(vscsi_front_responses(&fr), 1);
        vscsi_front_take(&fr, &out);
        assert_true(out.sense_len == 8 || out.sense_len == 90);
        for (unsigned j = 0; j < VSCSI_SENSE_LEN; j++)
            if (out.sense_buffer[j] != (j < out.sense_len ? 0x5a : 0xee))
                fail_msg("take %u: sense_len %u but sense byte %u is 0x%02x", takes, out.sense_len,
                         j, out.sense_buffer[j]);
        seen[out.sense_len == 90]++;
    }
    SF = NULL;
    __atomic_store_n(&sf.stop, 1, __ATOMIC_RELAXED);
    pthread_join(t, NULL);
    print_message("%u takes: sense_len 8 in %u, 90 in %u\n", takes, seen[0], seen[1]);
    /* Both values were caught, so the flips really hit the takes. */
    assert_true(seen[0] > 0 && seen[1] > 0);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flipping_frontend),
        cmocka_unit_test(test_flipping_backend_sense),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
