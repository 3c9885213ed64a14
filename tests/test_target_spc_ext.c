/* SPDX-License-Identifier: MIT */
/* SPC extras every kind shares: SPC-2 reservations per I_T nexus, descriptor-format
 * sense (D_SENSE), REPORT SUPPORTED TASK MANAGEMENT FUNCTIONS, RSOC command timeouts. */
#include "test_target_util.h"

static struct vscsi_tgt_lun *mk(enum vscsi_tgt_kind k)
{
    struct vscsi_tgt_tape_opts to = {.loaded = 1};
    struct vscsi_tgt_lun *lun = k == VSCSI_TGT_DISK   ? vscsi_tgt_disk_new(NULL)
                                : k == VSCSI_TGT_TAPE ? vscsi_tgt_tape_new(&to)
                                                      : vscsi_tgt_changer_new(NULL);
    assert_non_null(lun);
    return lun;
}

static struct vscsi_tgt_result run_as(struct vscsi_tgt_lun *lun, uint32_t who, const uint8_t *cdb,
                                      size_t cdb_len, uint8_t dir, void *buf, size_t len)
{
    struct vscsi_tgt_iov iov = {buf, len};
    struct vscsi_tgt_io io = {cdb, (uint8_t)cdb_len, dir, len ? &iov : NULL, len ? 1 : 0, len};
    struct vscsi_tgt_result r;

    memset(&r, 0xa5, sizeof(r));
    vscsi_tgt_exec_nexus(lun, &io, who, &r);
    return r;
}
#define AS_NONE(lun, who, ...) run_as(lun, who, CDB(__VA_ARGS__), VSCSI_DIR_NONE, NULL, 0)
#define AS_IN(lun, who, buf, len, ...)                                                             \
    run_as(lun, who, CDB(__VA_ARGS__), VSCSI_DIR_FROM_DEVICE, buf, len)
#define AS_OUT(lun, who, buf, len, ...)                                                            \
    run_as(lun, who, CDB(__VA_ARGS__), VSCSI_DIR_TO_DEVICE, buf, len)

static void assert_conflict(struct vscsi_tgt_result r)
{
    assert_int_equal(r.status, VSCSI_SAM_RESERVATION_CONFLICT);
    assert_int_equal(r.sense_len, 0);
}

static void test_reserve_release(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *d = mk(VSCSI_TGT_DISK);
    uint8_t b[512], w[512];
    void *base;

    assert_good(AS_NONE(d, 1, 0x16, 0, 0, 0, 0, 0)); /* RESERVE(6) through nexus 1 */
    assert_good(AS_NONE(d, 1, 0x16, 0, 0, 0, 0, 0)); /* the holder again: fine */
    assert_good(AS_NONE(d, 1, 0x00, 0, 0, 0, 0, 0));
    assert_conflict(AS_NONE(d, 2, 0x00, 0, 0, 0, 0, 0));
    assert_conflict(AS_NONE(d, 2, 0x56, 0, 0, 0, 0, 0, 0, 0, 0, 0)); /* RESERVE(10) */
    /* another nexus's write is refused and writes nothing */
    memset(w, 0x77, sizeof(w));
    assert_conflict(AS_OUT(d, 2, w, 512, 0x2a, 0, 0, 0, 0, 3, 0, 0, 1, 0));
    assert_good(AS_IN(d, 1, b, 512, 0x28, 0, 0, 0, 0, 3, 0, 0, 1, 0));
    assert_int_equal(b[0], 0);
    /* INQUIRY, REPORT LUNS, REQUEST SENSE pass; RELEASE by a non-holder succeeds, changes nothing
     */
    assert_good(AS_IN(d, 2, b, 36, 0x12, 0, 0, 0, 36, 0));
    assert_good(AS_IN(d, 2, b, 16, 0xa0, 0, 0, 0, 0, 0, 0, 0, 0, 16, 0, 0));
    assert_good(AS_IN(d, 2, b, 18, 0x03, 0, 0, 0, 18, 0));
    assert_good(AS_NONE(d, 2, 0x17, 0, 0, 0, 0, 0));
    assert_conflict(AS_NONE(d, 2, 0x00, 0, 0, 0, 0, 0));
    /* while reserved the direct path declines (it cannot tell nexuses apart) */
    struct vscsi_tgt_io io = {(const uint8_t[]){0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0},
                              10,
                              VSCSI_DIR_FROM_DEVICE,
                              NULL,
                              0,
                              512};
    assert_int_equal(vscsi_tgt_direct(d, &io, &base), 0);
    /* RELEASE(10) by the holder frees it */
    assert_good(AS_NONE(d, 1, 0x57, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    assert_good(AS_OUT(d, 2, w, 512, 0x2a, 0, 0, 0, 0, 3, 0, 0, 1, 0));
    assert_int_equal(vscsi_tgt_direct(d, &io, &base), 1);
    /* a LUN reset releases: the other nexus then sees the reset's unit attention, not a conflict */
    assert_good(AS_NONE(d, 2, 0x56, 0, 0, 0, 0, 0, 0, 0, 0, 0));
    vscsi_tgt_reset(d);
    assert_sense(AS_NONE(d, 1, 0x00, 0, 0, 0, 0, 0), VSCSI_SK_UNIT_ATTENTION, 0x29, 0x00);
    assert_good(AS_NONE(d, 1, 0x00, 0, 0, 0, 0, 0));
    /* third-party and extent forms are refused */
    struct vscsi_tgt_result r = AS_NONE(d, 1, 0x56, 0x10, 0, 0, 0, 0, 0, 0, 0, 0);
    assert_bad_cdb(r, 1, 4);
    r = AS_NONE(d, 1, 0x16, 0, 0, 0, 0x08, 0);
    assert_bad_cdb(r, 4, 3);
    assert_good(AS_NONE(d, 2, 0x00, 0, 0, 0, 0, 0)); /* and reserved nothing */
    vscsi_tgt_free(d);
}

/* A conflicting command does not consume a pending unit attention: the holder still gets it. */
static void test_reserve_keeps_ua(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *t = vscsi_tgt_tape_new(NULL);
    assert_non_null(t);
    struct vscsi_tgt_changer_opts co = {.drives = &t, .ndrives = 1};
    struct vscsi_tgt_lun *c = vscsi_tgt_changer_new(&co);
    assert_non_null(c);

    assert_good(AS_NONE(t, 1, 0x16, 0, 0, 0, 0, 0));
    /* MOVE MEDIUM slot 0 -> drive 0: the drive reports MEDIUM MAY HAVE CHANGED once */
    assert_good(RUN_NONE(c, 0xa5, 0, 0, 0, 0x10, 0x00, 0x30, 0x00, 0, 0, 0, 0));
    assert_conflict(AS_NONE(t, 2, 0x00, 0, 0, 0, 0, 0));
    assert_sense(AS_NONE(t, 1, 0x00, 0, 0, 0, 0, 0), VSCSI_SK_UNIT_ATTENTION, 0x28, 0x00);
    assert_good(AS_NONE(t, 1, 0x00, 0, 0, 0, 0, 0));
    assert_conflict(AS_NONE(t, 2, 0x00, 0, 0, 0, 0, 0));
    vscsi_tgt_free(c);
    vscsi_tgt_free(t);
}

/* MODE SELECT(6) of the Control page with D_SENSE set or clear. */
static void set_dsense(struct vscsi_tgt_lun *lun, bool on)
{
    uint8_t ms[16] = {0, 0, 0, 0, 0x0a, 10, on ? 0x04 : 0x00, 0x10};

    assert_good(RUN_OUT(lun, ms, sizeof(ms), 0x15, 0x10, 0, 0, sizeof(ms), 0));
}

/* Finds descriptor `type` in descriptor-format sense; NULL if absent. */
static const uint8_t *desc(const struct vscsi_tgt_result *r, uint8_t type)
{
    for (size_t off = 8; off + 2 <= r->sense_len; off += 2u + r->sense[off + 1])
        if (r->sense[off] == type)
            return r->sense + off;
    return NULL;
}

static void test_descriptor_sense(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *d = mk(VSCSI_TGT_DISK);
    uint8_t b[64];
    struct vscsi_tgt_result r;
    const uint8_t *p;

    /* the Control page offers D_SENSE as changeable, and starts clear */
    assert_good(RUN_IN(d, b, sizeof(b), 0x1a, 0x08, 0x4a, 0, sizeof(b), 0));
    assert_int_equal(b[4], 0x0a);
    assert_int_equal(b[6] & 0x04, 0x04);
    assert_good(RUN_IN(d, b, sizeof(b), 0x1a, 0x08, 0x0a, 0, sizeof(b), 0));
    assert_int_equal(b[6] & 0x04, 0);

    set_dsense(d, true);
    assert_good(RUN_IN(d, b, sizeof(b), 0x1a, 0x08, 0x0a, 0, sizeof(b), 0));
    assert_int_equal(b[6] & 0x04, 0x04);
    /* an invalid field: 72h, key/asc/ascq in bytes 1-3, the field pointer as descriptor 02h */
    r = RUN_IN(d, b, 512, 0x28, 0, 0, 0, 0, 0, 0x80, 0, 1, 0);
    assert_int_equal(r.status, VSCSI_SAM_CHECK_CONDITION);
    assert_int_equal(r.sense[0], 0x72);
    assert_int_equal(r.sense[1], VSCSI_SK_ILLEGAL_REQUEST);
    assert_int_equal(r.sense[2], 0x24);
    assert_int_equal(r.sense[7], r.sense_len - 8);
    p = desc(&r, 0x02);
    assert_non_null(p);
    assert_int_equal(p[1], 6);
    assert_int_equal(p[4], 0xcf); /* SKSV, C/D, BPV, bit 7 */
    assert_int_equal(vscsi_get_be16(p + 5), 6);
    assert_null(desc(&r, 0x00));
    /* a medium error: the LBA as information descriptor */
    struct vscsi_tgt_fault f = {.kind = VSCSI_FAULT_MEDIUM, .lba = 33};
    assert_int_equal(vscsi_tgt_inject(d, &f), 0);
    r = RUN_IN(d, b, 512, 0x28, 0, 0, 0, 0, 33, 0, 0, 1, 0);
    assert_int_equal(r.sense[0], 0x72);
    assert_int_equal(r.sense[1], VSCSI_SK_MEDIUM_ERROR);
    p = desc(&r, 0x00);
    assert_non_null(p);
    assert_int_equal(p[1], 0x0a);
    assert_int_equal(p[2], 0x80);
    assert_int_equal(vscsi_get_be64(p + 4), 33);
    /* injected sense and a unit attention are converted too */
    struct vscsi_tgt_fault s = {
        .kind = VSCSI_FAULT_SENSE, .count = 1, .key = 3, .asc = 0x11, .ascq = 4};
    assert_int_equal(vscsi_tgt_inject(d, &s), 0);
    r = RUN_NONE(d, 0x00, 0, 0, 0, 0, 0);
    assert_true(r.sense[0] == 0x72 && r.sense[1] == 3 && r.sense[2] == 0x11 && r.sense[3] == 4);
    assert_int_equal(r.sense_len, 8);
    vscsi_tgt_reset(d);
    r = RUN_NONE(d, 0x00, 0, 0, 0, 0, 0);
    assert_true(r.sense[0] == 0x72 && r.sense[1] == VSCSI_SK_UNIT_ATTENTION && r.sense[2] == 0x29);
    /* cleared again: fixed format */
    set_dsense(d, false);
    r = RUN_IN(d, b, 512, 0x28, 0, 0, 0, 0, 0, 0x80, 0, 1, 0);
    assert_bad_cdb(r, 6, 7);
    /* a refused MODE SELECT (another Control bit changed) leaves D_SENSE as it was */
    uint8_t ms[16] = {0, 0, 0, 0, 0x0a, 10, 0x04, 0x00};
    r = RUN_OUT(d, ms, sizeof(ms), 0x15, 0x10, 0, 0, sizeof(ms), 0);
    assert_bad_param(r, 7, 4);
    r = RUN_IN(d, b, 512, 0x28, 0, 0, 0, 0, 0, 0x80, 0, 1, 0);
    assert_bad_cdb(r, 6, 7);
    vscsi_tgt_free(d);
}

static void test_rstmf(void **state)
{
    (void)state;
    for (int k = 0; k < 3; k++) {
        struct vscsi_tgt_lun *lun = mk((enum vscsi_tgt_kind)k);
        uint8_t b[32];
        struct vscsi_tgt_result r;

        memset(b, 0xee, sizeof(b));
        r = RUN_IN(lun, b, sizeof(b), 0xa3, 0x0d, 0, 0, 0, 0, 0, 0, 0, 32, 0, 0);
        assert_good(r);
        assert_int_equal(r.residual, sizeof(b) - 4);
        assert_int_equal(b[0], 0x88); /* ABORT TASK, LOGICAL UNIT RESET */
        assert_int_equal(b[1], 0);
        assert_int_equal(b[4], 0xee);
        r = RUN_IN(lun, b, sizeof(b), 0xa3, 0x0d, 0x80, 0, 0, 0, 0, 0, 0, 32, 0, 0); /* REPD */
        assert_good(r);
        assert_int_equal(r.residual, sizeof(b) - 16);
        assert_int_equal(b[0], 0x88);
        assert_int_equal(b[3], 0x0c);
        r = RUN_IN(lun, b, sizeof(b), 0xa3, 0x0d, 0x01, 0, 0, 0, 0, 0, 0, 32, 0, 0);
        assert_bad_cdb(r, 2, 0);
        vscsi_tgt_free(lun);
    }
}

/* One-command RSOC with RCTD: the timeouts descriptor after the usage data. */
static void one_timeout(struct vscsi_tgt_lun *lun, uint8_t op, uint32_t nominal, uint32_t rec)
{
    uint8_t b[64];

    assert_good(RUN_IN(lun, b, sizeof(b), 0xa3, 0x0c, 0x81, op, 0, 0, 0, 0, 0, 64, 0, 0));
    assert_int_equal(b[1] & 0x80, 0x80); /* CTDP */
    size_t off = 4 + vscsi_get_be16(b + 2);
    assert_int_equal(vscsi_get_be16(b + off), 0x0a);
    assert_int_equal(vscsi_get_be32(b + off + 4), nominal);
    assert_int_equal(vscsi_get_be32(b + off + 8), rec);
}

static void test_rsoc_timeouts(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *d = mk(VSCSI_TGT_DISK), *t = mk(VSCSI_TGT_TAPE),
                         *c = mk(VSCSI_TGT_CHANGER);
    static uint8_t b[4096];

    one_timeout(t, 0x01, 120, 1200);   /* REWIND */
    one_timeout(t, 0x19, 3600, 28800); /* ERASE */
    one_timeout(t, 0x08, 30, 900);     /* READ: the tape default */
    one_timeout(c, 0xa5, 60, 1200);    /* MOVE MEDIUM */
    one_timeout(d, 0x28, 1, 30);
    one_timeout(d, 0x35, 10, 120);
    /* all commands: 20-byte descriptors, CTDP set, LOCATE(10) with its timeouts */
    assert_good(RUN_IN(t, b, sizeof(b), 0xa3, 0x0c, 0x80, 0, 0, 0, 0, 0, 0x10, 0, 0, 0));
    uint32_t len = vscsi_get_be32(b);
    assert_int_equal(len % 20, 0);
    bool seen = false;
    for (uint32_t off = 4; off < 4 + len; off += 20) {
        assert_int_equal(b[off + 5] & 0x02, 0x02);
        assert_int_equal(vscsi_get_be16(b + off + 8), 0x0a);
        if (b[off] == 0x2b) {
            seen = true;
            assert_int_equal(vscsi_get_be32(b + off + 12), 300);
            assert_int_equal(vscsi_get_be32(b + off + 16), 2400);
        }
    }
    assert_true(seen);
    vscsi_tgt_free(d);
    vscsi_tgt_free(t);
    vscsi_tgt_free(c);
}

/* The tape's READ BLOCK LIMITS and its READ/WRITE against a transport limit. */
static void test_tape_transport_limit(void **state)
{
    (void)state;
    struct vscsi_tgt_lun *t = mk(VSCSI_TGT_TAPE);
    static uint8_t b[200000];
    uint8_t l[6];
    struct vscsi_tgt_result r;

    assert_good(RUN_IN(t, l, 6, 0x05, 0, 0, 0, 0, 0));
    assert_int_equal((uint32_t)l[1] << 16 | (uint32_t)l[2] << 8 | l[3], 0x800000);
    vscsi_tgt_set_xfer_max(t, vscsi_tgt_xfer_max_segs(0));
    assert_good(RUN_IN(t, l, 6, 0x05, 0, 0, 0, 0, 0));
    assert_int_equal((uint32_t)l[1] << 16 | (uint32_t)l[2] << 8 | l[3], 106496);
    /* a 200000-byte record cannot pass: refused, nothing written */
    memset(b, 0x42, sizeof(b));
    r = RUN_OUT(t, b, sizeof(b), 0x0a, 0, 0x03, 0x0d, 0x40, 0);
    assert_bad_cdb(r, 2, -1);
    assert_good(RUN_OUT(t, b, 100000, 0x0a, 0, 0x01, 0x86, 0xa0, 0));
    assert_good(RUN_NONE(t, 0x01, 0, 0, 0, 0, 0));
    /* a READ asking for more than can pass is refused, not cut short: the record stays */
    r = RUN_IN(t, b, 106496, 0x08, 0, 0x03, 0x0d, 0x40, 0);
    assert_bad_cdb(r, 2, -1);
    memset(b, 0, sizeof(b));
    assert_good(RUN_IN(t, b, 100000, 0x08, 0, 0x01, 0x86, 0xa0, 0));
    assert_int_equal(b[99999], 0x42);
    vscsi_tgt_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reserve_release),  cmocka_unit_test(test_reserve_keeps_ua),
        cmocka_unit_test(test_descriptor_sense), cmocka_unit_test(test_rstmf),
        cmocka_unit_test(test_rsoc_timeouts),    cmocka_unit_test(test_tape_transport_limit),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
