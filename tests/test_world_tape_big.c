/* SPDX-License-Identifier: MIT */
/* Tape records past Linux's 508 KiB (issue 14 item 4): a 1 MiB + 4 record (LTFS with
 * logical block protection) carried in one command through indirect segments, front and
 * back engines over the simulated hypervisor; and, where either side uses fewer segments,
 * refused cleanly (locally, or with CHECK CONDITION by the tape) and never truncated. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "scenario/io.h"
#include "target/target.h"
#include "vscsiif/wire.h"

#define REC (1048576u + 4u)

static const struct vscsi_nexus TAPE = {0, 0, 0};

struct fx {
    struct vscsi_sim_world *w;
    struct vscsi_tgt_lun *tape;
};

static struct fx up(uint32_t back_segs, uint32_t front_segs)
{
    struct fx f;
    struct vscsi_sim_world_opts o = {
        .seed = 7, .max_segs = back_segs, .front_max_segs = front_segs, .done = vscsi_sim_io_done};
    struct vscsi_tgt_tape_opts t = {.capacity = 8u << 20, .loaded = 1, .power_on_ua = 1};
    const char *p[] = {"tape0"}, *v[] = {"0:0:0:0"};

    f.w = vscsi_sim_world_new(&o);
    assert_non_null(f.w);
    f.tape = vscsi_tgt_tape_new(&t);
    assert_non_null(f.tape);
    assert_int_equal(vscsi_sim_world_register(f.w, "tape0", f.tape), 0);
    assert_int_equal(vscsi_sim_world_attach(f.w, 0, p, v, 1), 0);
    assert_int_equal(vscsi_sim_world_wait_connected(f.w, 0), 0);
    return f;
}

static void down(struct fx *f)
{
    assert_int_equal(vscsi_sim_world_detach(f->w, 0), 0);
    assert_int_equal(
        vscsi_sim_grants_in_use(vscsi_sim_world_hv(f->w), vscsi_sim_world_front_domid(f->w)), 0);
    vscsi_sim_world_free(f->w);
    vscsi_tgt_free(f->tape);
}

static struct vscsi_result cmd(struct fx *f, const uint8_t *cdb, uint8_t dir, void *buf, size_t len,
                               size_t *bytes)
{
    struct vscsi_result r;
    size_t b = 0;

    assert_int_equal(vscsi_sim_cmd(f->w, 0, &TAPE, cdb, 6, dir, buf, len, &r, &b), 0);
    if (bytes)
        *bytes = b;
    return r;
}

static void good(struct fx *f, const uint8_t *cdb)
{
    struct vscsi_result r = cmd(f, cdb, VSCSI_DIR_NONE, NULL, 0, NULL);
    assert_true(vscsi_sim_good(&r));
}

/* The power-on unit attention first, as any initiator meets it. */
static void ready(struct fx *f)
{
    static const uint8_t tur[6] = {0};
    struct vscsi_result r = cmd(f, tur, VSCSI_DIR_NONE, NULL, 0, NULL);

    assert_int_equal(vscsi_sim_sense_key(&r), VSCSI_SK_UNIT_ATTENTION);
    good(f, tur);
}

static uint32_t block_limit(struct fx *f)
{
    static const uint8_t rbl[6] = {0x05};
    uint8_t b[6];
    struct vscsi_result r = cmd(f, rbl, VSCSI_DIR_FROM_DEVICE, b, sizeof(b), NULL);

    assert_true(vscsi_sim_good(&r));
    return (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* READ POSITION (short form): the first block location. */
static uint32_t position(struct fx *f)
{
    uint8_t rp[10] = {0x34}, b[20];
    struct vscsi_result r;
    size_t n = 0;

    assert_int_equal(
        vscsi_sim_cmd(f->w, 0, &TAPE, rp, 10, VSCSI_DIR_FROM_DEVICE, b, sizeof(b), &r, &n), 0);
    assert_true(vscsi_sim_good(&r));
    return (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(seed >> 16);
    }
}

static const uint8_t WRITE_REC[6] = {0x0a, 0x00, REC >> 16, (REC >> 8) & 0xff, REC & 0xff, 0};
static const uint8_t READ_REC[6] = {0x08, 0x00, REC >> 16, (REC >> 8) & 0xff, REC & 0xff, 0};
static const uint8_t REWIND[6] = {0x01};
static const uint8_t WEOF1[6] = {0x10, 0, 0, 0, 1, 0};

/* Both ends at the protocol maximum: the record goes out and comes back byte-exact. */
static void test_record_1m4_indirect(void **state)
{
    (void)state;
    struct fx f = up(VSCSI_MAX_INDIRECT_SEGS, VSCSI_MAX_INDIRECT_SEGS);
    uint8_t *w = malloc(REC), *r = malloc(REC + 4096);
    struct vscsi_front_stats fs;
    struct vscsi_result res;
    size_t n;

    assert_non_null(w);
    assert_non_null(r);
    assert_int_equal(vscsi_front_max_segs(vscsi_sim_world_front(f.w, 0)), VSCSI_MAX_INDIRECT_SEGS);
    ready(&f);
    assert_true(block_limit(&f) >= REC);
    fill(w, REC, 1);
    res = cmd(&f, WRITE_REC, VSCSI_DIR_TO_DEVICE, w, REC, NULL);
    assert_true(vscsi_sim_good(&res));
    good(&f, WEOF1);
    assert_int_equal(position(&f), 2);
    good(&f, REWIND);
    memset(r, 0xee, REC + 4096);
    res = cmd(&f, READ_REC, VSCSI_DIR_FROM_DEVICE, r, REC, &n);
    assert_true(vscsi_sim_good(&res));
    assert_int_equal(n, REC);
    assert_int_equal(res.residual, 0);
    assert_memory_equal(w, r, REC);
    assert_int_equal(position(&f), 1);
    vscsi_front_stats(vscsi_sim_world_front(f.w, 0), &fs);
    assert_true(fs.indirect >= 2);
    assert_int_equal(fs.anomalies, 0);
    free(w);
    free(r);
    down(&f);
}

/* The frontend uses 257 data pages, the least a 1 MiB + 4 record takes: still one command. */
static void test_record_1m4_exact_segments(void **state)
{
    (void)state;
    struct fx f = up(VSCSI_MAX_INDIRECT_SEGS, 257);
    uint8_t *w = malloc(REC), *r = malloc(REC);
    struct vscsi_result res;

    assert_non_null(w);
    assert_non_null(r);
    assert_int_equal(vscsi_front_max_segs(vscsi_sim_world_front(f.w, 0)), 257);
    ready(&f);
    fill(w, REC, 2);
    res = cmd(&f, WRITE_REC, VSCSI_DIR_TO_DEVICE, w, REC, NULL);
    assert_true(vscsi_sim_good(&res));
    good(&f, REWIND);
    res = cmd(&f, READ_REC, VSCSI_DIR_FROM_DEVICE, r, REC, NULL);
    assert_true(vscsi_sim_good(&res));
    assert_memory_equal(w, r, REC);
    free(w);
    free(r);
    down(&f);
}

/* A frontend of 128 segments (what Linux uses) cannot describe the record: submit says
 * so; squeezed into what it can carry, the tape refuses the record (CHECK CONDITION,
 * ABORTED COMMAND) and writes nothing, rather than a truncated record. */
static void test_front_fewer_segments_refused(void **state)
{
    (void)state;
    struct fx f = up(VSCSI_MAX_INDIRECT_SEGS, 128);
    uint8_t *w = malloc(REC);
    struct vscsi_front_io io = {TAPE, WRITE_REC, 6, VSCSI_DIR_TO_DEVICE, NULL, REC, 0};
    struct vscsi_result res;

    assert_non_null(w);
    io.buf = w;
    ready(&f);
    fill(w, REC, 3);
    assert_int_equal(vscsi_front_submit(vscsi_sim_world_front(f.w, 0), &io, NULL), -E2BIG);
    res = cmd(&f, WRITE_REC, VSCSI_DIR_TO_DEVICE, w, 128u * 4096u, NULL);
    assert_int_equal(res.status, VSCSI_SAM_CHECK_CONDITION);
    assert_int_equal(vscsi_sim_sense_key(&res), VSCSI_SK_ABORTED_COMMAND);
    assert_int_equal(position(&f), 0);
    /* nothing was written: reading at BOT finds blank tape */
    good(&f, REWIND);
    res = cmd(&f, READ_REC, VSCSI_DIR_FROM_DEVICE, w, 128u * 4096u, NULL);
    assert_int_equal(vscsi_sim_sense_key(&res), VSCSI_SK_BLANK_CHECK);
    free(w);
    down(&f);
}

/* A backend advertising 128 (the old vscsi-back default): the tape's READ BLOCK LIMITS
 * says 512 KiB, and a 1 MiB + 4 record is INVALID FIELD IN CDB, nothing written. */
static void test_back_fewer_segments_refused(void **state)
{
    (void)state;
    struct fx f = up(128, 0);
    uint8_t *w = malloc(REC);
    struct vscsi_result res;

    assert_non_null(w);
    ready(&f);
    assert_int_equal(block_limit(&f), 128u * 4096u);
    fill(w, REC, 4);
    res = cmd(&f, WRITE_REC, VSCSI_DIR_TO_DEVICE, w, 128u * 4096u, NULL);
    assert_int_equal(res.status, VSCSI_SAM_CHECK_CONDITION);
    assert_int_equal(vscsi_sim_sense_key(&res), VSCSI_SK_ILLEGAL_REQUEST);
    assert_int_equal(vscsi_sim_sense_asc(&res), 0x24);
    assert_int_equal(position(&f), 0);
    free(w);
    down(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_1m4_indirect),
        cmocka_unit_test(test_record_1m4_exact_segments),
        cmocka_unit_test(test_front_fewer_segments_refused),
        cmocka_unit_test(test_back_fewer_segments_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
