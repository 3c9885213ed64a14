/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "vscsiif/vscsiif.h"

static void fixed_sense(uint8_t *s, uint8_t key, uint8_t asc, uint8_t ascq)
{
    memset(s, 0, 18);
    s[0] = 0x70;
    s[2] = key;
    s[7] = 10;
    s[12] = asc;
    s[13] = ascq;
}

static void test_encode_cdb_roundtrip(void **state)
{
    (void)state;
    struct vscsi_response rsp;
    struct vscsi_result res;
    uint8_t sense[96];
    fixed_sense(sense, 0x5, 0x24, 0x00);
    memset(&rsp, 0xcc, sizeof(rsp));
    vscsi_rsp_cdb(&rsp, 12, VSCSI_HOST_OK, 0x02, sense, sizeof(sense), 512);
    assert_int_equal(rsp.rqid, 12);
    assert_int_equal(rsp.act, 0);
    assert_int_equal(rsp.rslt, 0x02);
    assert_int_equal(rsp.sense_len, 18); /* 8 + additional length, not the buffer size */
    assert_int_equal(rsp.residual_len, 512);
    /* Bytes without a meaning keep what the slot held (the peer's old request). */
    assert_int_equal(rsp.reserved[35], 0xcccccccc);
    assert_int_equal(rsp.sense_buffer[18], 0xcc);

    assert_int_equal(vscsi_rsp_decode(&rsp, VSCSI_ACT_CDB, 4096, &res), 0);
    assert_int_equal(res.rqid, 12);
    assert_int_equal(res.status, 0x02);
    assert_int_equal(res.host, 0);
    assert_int_equal(res.sense_len, 18);
    assert_int_equal(res.sense[12], 0x24);
    assert_int_equal(res.residual, 512);
    assert_int_equal(res.anomalies, 0);
    assert_false(vscsi_result_ok(&res));

    vscsi_rsp_cdb(&rsp, 13, VSCSI_HOST_OK, 0, NULL, 0, 0);
    assert_int_equal(vscsi_rsp_decode(&rsp, VSCSI_ACT_CDB, 0, &res), 0);
    assert_true(vscsi_result_ok(&res));

    for (unsigned h = 0; h <= VSCSI_HOST_MAX; h++) {
        vscsi_rsp_cdb(&rsp, 1, (uint8_t)h, 0, NULL, 0, 0);
        assert_int_equal(rsp.rslt, (int32_t)(h << 16));
        assert_int_equal(vscsi_rsp_decode(&rsp, VSCSI_ACT_CDB, 0, &res), 0);
        assert_int_equal(res.host, h);
        assert_string_not_equal(vscsi_host_str(h), "?");
    }
}

static void test_encode_sense_rules(void **state)
{
    /* Sense bytes 0 (response code) and 7 (additional length), how many bytes
     * the caller hands over, and how many the response then carries. */
    static const struct {
        uint8_t code, add_len;
        size_t have;
        uint8_t want;
    } cases[] = {
        {0x00, 0, 18, 0},     /* not sense (response code 0x00): not copied */
        {0x72, 250, 200, 96}, /* descriptor sense, huge additional length: capped at 96 */
        {0x72, 250, 20, 20},  /* ...and at what the caller actually has */
        {0xf1, 10, 200, 18},  /* deferred error 0xf1 (valid bit + 0x71) counts as sense */
        {0xf1, 10, 7, 0},     /* too short to carry the length byte: nothing */
    };
    struct vscsi_response rsp;
    uint8_t sense[200];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(sense, 0, sizeof(sense));
        sense[0] = cases[i].code;
        sense[7] = cases[i].add_len;
        vscsi_rsp_cdb(&rsp, 1, 0, 2, sense, cases[i].have, 0);
        if (rsp.sense_len != cases[i].want)
            fail_msg("case %zu: sense_len %u, want %u", i, rsp.sense_len, cases[i].want);
    }
}

/* A bare rslt decoded for act: the return value, and of the result only the
 * fields named in check. */
enum { HOST = 1, STATUS = 2, TMR_OK = 4, ANOM = 8, HAS_ANOM = 16, NOT_OK = 32 };

struct rslt_case {
    uint8_t act;
    int32_t rslt;
    int rc;
    unsigned check;
    uint8_t host, status;
    int tmr_ok;
    uint32_t anomalies; /* ANOM: exactly these; HAS_ANOM: at least these */
};

static void check_rslt_cases(const struct rslt_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++, c++) {
        struct vscsi_response rsp;
        struct vscsi_result res;
        int rc;

        vscsi_rsp_rslt(&rsp, 3, c->rslt);
        rc = vscsi_rsp_decode(&rsp, c->act, 0, &res);
        if (rc != c->rc)
            fail_msg("rslt %#x act %u: decode %d, want %d", c->rslt, c->act, rc, c->rc);
        if ((c->check & HOST) && res.host != c->host)
            fail_msg("rslt %#x: host %u, want %u", c->rslt, res.host, c->host);
        if ((c->check & STATUS) && res.status != c->status)
            fail_msg("rslt %#x: status %u, want %u", c->rslt, res.status, c->status);
        if ((c->check & TMR_OK) && res.tmr_ok != c->tmr_ok)
            fail_msg("rslt %#x: tmr_ok %d, want %d", c->rslt, res.tmr_ok, c->tmr_ok);
        if ((c->check & ANOM) && res.anomalies != c->anomalies)
            fail_msg("rslt %#x: anomalies %#x, want %#x", c->rslt, res.anomalies, c->anomalies);
        if ((c->check & HAS_ANOM) && (res.anomalies & c->anomalies) != c->anomalies)
            fail_msg("rslt %#x: anomalies %#x, want %#x set", c->rslt, res.anomalies, c->anomalies);
        if ((c->check & NOT_OK) && vscsi_result_ok(&res))
            fail_msg("rslt %#x: reads as success", c->rslt);
    }
}

static void test_tmr(void **state)
{
    static const struct rslt_case cases[] = {
        /* 0x2002 read as a CDB answer would be "status 2, bits 8-15 set": the act decides. */
        {VSCSI_ACT_CDB, 0x2002, 1, HOST, .host = VSCSI_HOST_ERROR},
        /* Unknown LUN: NO_CONNECT is a failure, not an anomaly. */
        {VSCSI_ACT_ABORT, VSCSI_RSLT(VSCSI_HOST_NO_CONNECT, 0), 0, TMR_OK | HOST, .tmr_ok = 0,
         .host = VSCSI_HOST_NO_CONNECT},
        /* Anything else is odd. */
        {VSCSI_ACT_ABORT, 0, 0, TMR_OK, .tmr_ok = 0},
        {VSCSI_ACT_RESET, 0x2004, 1, ANOM, .anomalies = VSCSI_ANOM_TMR_RSLT},
        /* An impossible host byte is still decoded to a known one. */
        {VSCSI_ACT_ABORT, VSCSI_RSLT(0xfe, 0), 1, HOST | TMR_OK | HAS_ANOM,
         .host = VSCSI_HOST_ERROR, .tmr_ok = 0, .anomalies = VSCSI_ANOM_UNKNOWN_HOST},
    };
    struct vscsi_response rsp;
    struct vscsi_result res;

    (void)state;
    vscsi_rsp_tmr(&rsp, 3, 1);
    assert_int_equal(rsp.rslt, 0x2002);
    assert_int_equal(vscsi_rsp_decode(&rsp, VSCSI_ACT_ABORT, 0, &res), 0);
    assert_int_equal(res.tmr_ok, 1);
    vscsi_rsp_tmr(&rsp, 3, 0);
    assert_int_equal(rsp.rslt, 0x2003);
    assert_int_equal(vscsi_rsp_decode(&rsp, VSCSI_ACT_RESET, 0, &res), 0);
    assert_int_equal(res.tmr_ok, 0);
    check_rslt_cases(cases, sizeof(cases) / sizeof(cases[0]));
    vscsi_rsp_rslt(&rsp, 3, VSCSI_RSLT(0xfe, 0));
    assert_int_equal(vscsi_rsp_decode(&rsp, 4, 0, &res), -EINVAL);
}

/* The frontend checklist: every hostile response field is made safe and reported. */
static void test_decode_hostile(void **state)
{
    static const struct rslt_case cases[] = {
        /* Old backends: DID_NO_CONNECT << 24 would read as host OK, status GOOD. */
        {VSCSI_ACT_CDB, 0x01000000, 1, ANOM | HOST | NOT_OK,
         .anomalies = VSCSI_ANOM_LEGACY_DRIVER_BYTE, .host = VSCSI_HOST_ERROR},
        /* DRIVER_SENSE << 24 | CHECK CONDITION */
        {VSCSI_ACT_CDB, 0x08000002, 1, STATUS | HOST, .status = 2, .host = VSCSI_HOST_ERROR},
        /* Message byte. */
        {VSCSI_ACT_CDB, 0x00000100, 1, ANOM, .anomalies = VSCSI_ANOM_MSG_BYTE},
        /* Unknown host code. */
        {VSCSI_ACT_CDB, VSCSI_RSLT(21, 0), 1, ANOM | HOST, .anomalies = VSCSI_ANOM_UNKNOWN_HOST,
         .host = VSCSI_HOST_ERROR},
        {VSCSI_ACT_CDB, (int32_t)0xffffffffu, 1, HOST, .host = VSCSI_HOST_ERROR},
    };
    struct vscsi_response rsp;
    struct vscsi_result res;

    (void)state;
    check_rslt_cases(cases, sizeof(cases) / sizeof(cases[0]));
    /* sense_len beyond the buffer. */
    vscsi_rsp_rslt(&rsp, 1, 2);
    rsp.sense_len = 255;
    memset(rsp.sense_buffer, 0x70, sizeof(rsp.sense_buffer));
    assert_int_equal(vscsi_rsp_decode(&rsp, VSCSI_ACT_CDB, 0, &res), 1);
    assert_int_equal(res.anomalies, VSCSI_ANOM_SENSE_LEN);
    assert_int_equal(res.sense_len, 96);
    /* Residual above what was asked for. */
    vscsi_rsp_cdb(&rsp, 1, 0, 0, NULL, 0, 8192);
    assert_int_equal(vscsi_rsp_decode(&rsp, VSCSI_ACT_CDB, 4096, &res), 1);
    assert_int_equal(res.anomalies, VSCSI_ANOM_RESIDUAL);
    assert_int_equal(res.residual, 4096);
    assert_int_equal(vscsi_rsp_decode(&rsp, VSCSI_ACT_CDB, 8192, &res), 0);
    assert_int_equal(res.residual, 8192);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encode_cdb_roundtrip),
        cmocka_unit_test(test_encode_sense_rules),
        cmocka_unit_test(test_tmr),
        cmocka_unit_test(test_decode_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
