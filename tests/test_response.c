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
    assert_int_equal(rsp.reserved[35], 0);
    assert_int_equal(rsp.sense_buffer[18], 0);

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
    (void)state;
    struct vscsi_response rsp;
    uint8_t sense[200];
    /* Not sense (response code 0x00): not copied. */
    memset(sense, 0, sizeof(sense));
    vscsi_rsp_cdb(&rsp, 1, 0, 2, sense, 18, 0);
    assert_int_equal(rsp.sense_len, 0);
    /* Descriptor sense 0x72 with a huge additional length: capped at 96. */
    sense[0] = 0x72;
    sense[7] = 250;
    vscsi_rsp_cdb(&rsp, 1, 0, 2, sense, sizeof(sense), 0);
    assert_int_equal(rsp.sense_len, 96);
    /* ...and at what the caller actually has. */
    vscsi_rsp_cdb(&rsp, 1, 0, 2, sense, 20, 0);
    assert_int_equal(rsp.sense_len, 20);
    /* Deferred error 0xf1 (valid bit + 0x71) counts as sense. */
    sense[0] = 0xf1;
    sense[7] = 10;
    vscsi_rsp_cdb(&rsp, 1, 0, 2, sense, sizeof(sense), 0);
    assert_int_equal(rsp.sense_len, 18);
    /* Too short to carry the length byte: nothing. */
    vscsi_rsp_cdb(&rsp, 1, 0, 2, sense, 7, 0);
    assert_int_equal(rsp.sense_len, 0);
}

static void test_tmr(void **state)
{
    (void)state;
    struct vscsi_response rsp;
    struct vscsi_result res;
    vscsi_rsp_tmr(&rsp, 3, 1);
    assert_int_equal(rsp.rslt, 0x2002);
    assert_int_equal(vscsi_rsp_decode(&rsp, VSCSI_ACT_ABORT, 0, &res), 0);
    assert_int_equal(res.tmr_ok, 1);
    vscsi_rsp_tmr(&rsp, 3, 0);
    assert_int_equal(rsp.rslt, 0x2003);
    assert_int_equal(vscsi_rsp_decode(&rsp, VSCSI_ACT_RESET, 0, &res), 0);
    assert_int_equal(res.tmr_ok, 0);
    /* 0x2002 read as a CDB answer would be "status 2, bits 8-15 set": the act decides. */
    vscsi_rsp_tmr(&rsp, 3, 1);
    assert_int_equal(vscsi_rsp_decode(&rsp, VSCSI_ACT_CDB, 0, &res), 1);
    assert_int_equal(res.host, VSCSI_HOST_ERROR);
    /* Unknown LUN: NO_CONNECT is a failure, not an anomaly. */
    vscsi_rsp_rslt(&rsp, 3, VSCSI_RSLT(VSCSI_HOST_NO_CONNECT, 0));
    assert_int_equal(vscsi_rsp_decode(&rsp, VSCSI_ACT_ABORT, 0, &res), 0);
    assert_int_equal(res.tmr_ok, 0);
    assert_int_equal(res.host, VSCSI_HOST_NO_CONNECT);
    /* Anything else is odd. */
    vscsi_rsp_rslt(&rsp, 3, 0);
    assert_int_equal(vscsi_rsp_decode(&rsp, VSCSI_ACT_ABORT, 0, &res), 0);
    assert_int_equal(res.tmr_ok, 0);
    vscsi_rsp_rslt(&rsp, 3, 0x2004);
    assert_int_equal(vscsi_rsp_decode(&rsp, VSCSI_ACT_RESET, 0, &res), 1);
    assert_int_equal(res.anomalies, VSCSI_ANOM_TMR_RSLT);
    /* A TMR answer with an impossible host byte is still decoded to a known one. */
    vscsi_rsp_rslt(&rsp, 3, VSCSI_RSLT(0xfe, 0));
    assert_int_equal(vscsi_rsp_decode(&rsp, VSCSI_ACT_ABORT, 0, &res), 1);
    assert_int_equal(res.host, VSCSI_HOST_ERROR);
    assert_int_equal(res.tmr_ok, 0);
    assert_true(res.anomalies & VSCSI_ANOM_UNKNOWN_HOST);
    assert_int_equal(vscsi_rsp_decode(&rsp, 4, 0, &res), -EINVAL);
}

/* The frontend checklist: every hostile response field is made safe and reported. */
static void test_decode_hostile(void **state)
{
    (void)state;
    struct vscsi_response rsp;
    struct vscsi_result res;

    /* Old backends: DID_NO_CONNECT << 24 would read as host OK, status GOOD. */
    vscsi_rsp_rslt(&rsp, 1, 0x01000000);
    assert_int_equal(vscsi_rsp_decode(&rsp, VSCSI_ACT_CDB, 0, &res), 1);
    assert_int_equal(res.anomalies, VSCSI_ANOM_LEGACY_DRIVER_BYTE);
    assert_int_equal(res.host, VSCSI_HOST_ERROR);
    assert_false(vscsi_result_ok(&res));
    /* DRIVER_SENSE << 24 | CHECK CONDITION */
    vscsi_rsp_rslt(&rsp, 1, 0x08000002);
    assert_int_equal(vscsi_rsp_decode(&rsp, VSCSI_ACT_CDB, 0, &res), 1);
    assert_int_equal(res.status, 2);
    assert_int_equal(res.host, VSCSI_HOST_ERROR);
    /* Message byte. */
    vscsi_rsp_rslt(&rsp, 1, 0x00000100);
    assert_int_equal(vscsi_rsp_decode(&rsp, VSCSI_ACT_CDB, 0, &res), 1);
    assert_int_equal(res.anomalies, VSCSI_ANOM_MSG_BYTE);
    /* Unknown host code. */
    vscsi_rsp_rslt(&rsp, 1, VSCSI_RSLT(21, 0));
    assert_int_equal(vscsi_rsp_decode(&rsp, VSCSI_ACT_CDB, 0, &res), 1);
    assert_int_equal(res.anomalies, VSCSI_ANOM_UNKNOWN_HOST);
    assert_int_equal(res.host, VSCSI_HOST_ERROR);
    vscsi_rsp_rslt(&rsp, 1, (int32_t)0xffffffffu);
    assert_int_equal(vscsi_rsp_decode(&rsp, VSCSI_ACT_CDB, 0, &res), 1);
    assert_int_equal(res.host, VSCSI_HOST_ERROR);
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
