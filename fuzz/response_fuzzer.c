/* SPDX-License-Identifier: MIT */
/*
 * response_fuzzer: the frontend's decoding of one hostile response slot
 * (vscsi_rsp_decode), plus an encode/decode round trip of the backend's
 * encoders with fuzzed arguments.
 *
 * Input layout (zero-extended when short):
 *   252   the response slot, as the backend left it in the ring
 *   u8    act of the request it answers (only 1, 2, 3 are valid)
 *   u64   data_len the request expected to move
 *   u8    host, u8 status, u8 sense bytes offered (0..255), u32 residual,
 *         u8 tmr success: arguments for the encoders; the sense bytes offered
 *         are taken from the slot's sense_buffer area (zero-padded past 96)
 *   u8    torn: bit 0 set, the slot's sense_len is rewritten to the next u8
 *         right after the take's first read (a hostile backend's other vCPU)
 *
 * Oracles (decode): sense_len <= 96, residual <= data_len, tmr_ok only for a
 * TMR answered exactly 0x2002, host <= 20, each anomaly flag set exactly when
 * its condition holds in the raw slot, the return value 1 exactly when some
 * flag is set, -EINVAL exactly for a bad act, and success never reported
 * when anything outside the status and host bytes was set.
 * Oracles (take): vscsi_front_take reads rqid, act, sense_len, rslt and
 * residual_len, then min(sense_len, 96) sense bytes as its private copy
 * names them, each byte once, nothing else; the copy holds the slot as it was
 * when read whatever the torn rewrite did; decoding that copy reads nothing
 * else of it (the rest is poisoned under ASan) and passes the decode oracles.
 * Oracles (encode): what vscsi_rsp_cdb/_tmr/_rslt write decodes back to the
 * same values with no anomaly, and they leave no stale byte in the slot.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_helpers.h"

static void fz_read(void *dst, const void *src, size_t n);
#define VSCSI_COPY_FROM_SHARED(d, s, n) fz_read((d), (s), (n))

#include "vscsiif/response.h"
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
        ((struct vscsi_response *)(void *)RD.slot)->sense_len = RD.value;
}

/* The encoders leave bytes without a meaning as the slot held them. */
static bool all_byte(const void *p, size_t n, uint8_t v)
{
    const uint8_t *b = p;

    for (size_t i = 0; i < n; i++)
        if (b[i] != v)
            return false;
    return true;
}

static void check_decode(const struct vscsi_response *raw, uint8_t act, uint64_t data_len)
{
    struct vscsi_result r;
    int rc = vscsi_rsp_decode(raw, act, data_len, &r);
    uint32_t rslt = (uint32_t)raw->rslt;

    if (act != VSCSI_ACT_CDB && act != VSCSI_ACT_ABORT && act != VSCSI_ACT_RESET) {
        FUZZ_ASSERT(rc == -EINVAL);
        return;
    }
    FUZZ_ASSERT(rc == 0 || rc == 1);
    FUZZ_ASSERT((rc == 1) == (r.anomalies != 0));
    FUZZ_ASSERT(r.rqid == raw->rqid);
    FUZZ_ASSERT(r.rslt == raw->rslt);
    FUZZ_ASSERT(r.sense_len <= VSCSI_SENSE_LEN);
    FUZZ_ASSERT(r.residual <= data_len);
    FUZZ_ASSERT(r.host <= VSCSI_HOST_MAX);
    FUZZ_ASSERT(strcmp(vscsi_host_str(r.host), "?") != 0);
    FUZZ_ASSERT(r.tmr_ok == 0 || r.tmr_ok == 1);
    FUZZ_ASSERT(!r.tmr_ok || (act != VSCSI_ACT_CDB && raw->rslt == VSCSI_RSLT_RESET_SUCCESS));

    if (act != VSCSI_ACT_CDB) {
        bool known = raw->rslt == VSCSI_RSLT_RESET_SUCCESS || raw->rslt == VSCSI_RSLT_RESET_FAILED;

        FUZZ_ASSERT(r.tmr_ok == (raw->rslt == VSCSI_RSLT_RESET_SUCCESS));
        FUZZ_ASSERT((r.anomalies & ~(VSCSI_ANOM_TMR_RSLT | VSCSI_ANOM_UNKNOWN_HOST)) == 0);
        /* An impossible host byte is reported and decoded as ERROR. */
        FUZZ_ASSERT(!!(r.anomalies & VSCSI_ANOM_UNKNOWN_HOST) ==
                    (VSCSI_RSLT_HOST(rslt) > VSCSI_HOST_MAX));
        /* A bare host error (status 0, e.g. NO_CONNECT for an unknown LUN) is a
         * legitimate TMR failure; anything else unknown is an anomaly. */
        FUZZ_ASSERT(!!(r.anomalies & VSCSI_ANOM_TMR_RSLT) == (!known && (rslt & 0xffffu) != 0));
        return;
    }

    uint32_t host = VSCSI_RSLT_HOST(rslt);
    bool drv = (rslt & 0xff000000u) != 0, msg = (rslt & 0x0000ff00u) != 0;
    bool unk = host > VSCSI_HOST_MAX;

    FUZZ_ASSERT(r.tmr_ok == 0);
    FUZZ_ASSERT(!!(r.anomalies & VSCSI_ANOM_LEGACY_DRIVER_BYTE) == drv);
    FUZZ_ASSERT(!!(r.anomalies & VSCSI_ANOM_MSG_BYTE) == msg);
    FUZZ_ASSERT(!!(r.anomalies & VSCSI_ANOM_UNKNOWN_HOST) == unk);
    FUZZ_ASSERT(!!(r.anomalies & VSCSI_ANOM_SENSE_LEN) == (raw->sense_len > VSCSI_SENSE_LEN));
    FUZZ_ASSERT(!!(r.anomalies & VSCSI_ANOM_RESIDUAL) == (raw->residual_len > data_len));
    FUZZ_ASSERT(!(r.anomalies & VSCSI_ANOM_TMR_RSLT));
    FUZZ_ASSERT(r.status == VSCSI_RSLT_STATUS(rslt));
    if (drv || msg || unk) /* an error hidden outside the host byte never reads as success */
        FUZZ_ASSERT(r.host == VSCSI_HOST_ERROR && !vscsi_result_ok(&r));
    else
        FUZZ_ASSERT(r.host == host);
    FUZZ_ASSERT(vscsi_result_ok(&r) == (r.host == VSCSI_HOST_OK && r.status == 0));
    if (raw->sense_len <= VSCSI_SENSE_LEN)
        FUZZ_ASSERT(r.sense_len == raw->sense_len);
    else
        FUZZ_ASSERT(r.sense_len == VSCSI_SENSE_LEN);
    FUZZ_ASSERT(memcmp(r.sense, raw->sense_buffer, r.sense_len) == 0);
    if (raw->residual_len <= data_len)
        FUZZ_ASSERT(r.residual == raw->residual_len);
}

static void check_encoders(struct fuzz_producer *p, const struct vscsi_response *raw,
                           uint64_t data_len)
{
    struct vscsi_response enc;
    struct vscsi_result r;
    uint8_t host = fuzz_u8(p), status = fuzz_u8(p);
    size_t offered = fuzz_u8(p);
    uint32_t residual = fuzz_u32(p);
    int success = fuzz_u8(p) & 1;
    uint8_t sense[255];

    memset(sense, 0, sizeof(sense));
    memcpy(sense, raw->sense_buffer, VSCSI_SENSE_LEN);

    /* CDB completion */
    memset(&enc, 0xa5, sizeof(enc)); /* stale bytes: meaningless ones must stay as they were */
    vscsi_rsp_cdb(&enc, raw->rqid, host, status, offered ? sense : NULL, offered, residual);
    FUZZ_ASSERT(enc.rqid == raw->rqid);
    FUZZ_ASSERT(enc.act == 0);
    FUZZ_ASSERT(all_byte(enc.reserved, sizeof(enc.reserved), 0xa5));
    FUZZ_ASSERT(enc.sense_len <= VSCSI_SENSE_LEN && enc.sense_len <= offered);
    FUZZ_ASSERT(all_byte(enc.sense_buffer + enc.sense_len, VSCSI_SENSE_LEN - enc.sense_len, 0xa5));
    if (enc.sense_len) {
        FUZZ_ASSERT(enc.sense_len >= 8);
        FUZZ_ASSERT((sense[0] & 0x7f) >= 0x70 && (sense[0] & 0x7f) <= 0x73);
        FUZZ_ASSERT(memcmp(enc.sense_buffer, sense, enc.sense_len) == 0);
        size_t want = 8u + sense[7];

        want = want < VSCSI_SENSE_LEN ? want : VSCSI_SENSE_LEN;
        want = want < offered ? want : offered;
        FUZZ_ASSERT(enc.sense_len == want);
    }
    FUZZ_ASSERT(enc.residual_len == residual);
    FUZZ_ASSERT(enc.rslt == VSCSI_RSLT(host, status));

    int rc = vscsi_rsp_decode(&enc, VSCSI_ACT_CDB, data_len, &r);

    FUZZ_ASSERT(rc == 0 || rc == 1);
    FUZZ_ASSERT(r.status == status);
    FUZZ_ASSERT(r.sense_len == enc.sense_len);
    if (host <= VSCSI_HOST_MAX && residual <= data_len) {
        FUZZ_ASSERT(rc == 0);
        FUZZ_ASSERT(r.host == host);
        FUZZ_ASSERT(r.residual == residual);
    } else {
        FUZZ_ASSERT(rc == 1);
    }

    /* TMR answer */
    memset(&enc, 0x5a, sizeof(enc));
    vscsi_rsp_tmr(&enc, raw->rqid, success);
    FUZZ_ASSERT(enc.sense_len == 0 && enc.residual_len == 0 && enc.act == 0);
    FUZZ_ASSERT(all_byte(enc.reserved, sizeof(enc.reserved), 0x5a));
    rc = vscsi_rsp_decode(&enc, (raw->rqid & 1) ? VSCSI_ACT_ABORT : VSCSI_ACT_RESET, 0, &r);
    FUZZ_ASSERT(rc == 0);
    FUZZ_ASSERT(r.tmr_ok == success);

    /* Bare rslt: whatever the raw slot says, re-encoded */
    memset(&enc, 0x33, sizeof(enc));
    vscsi_rsp_rslt(&enc, raw->rqid, raw->rslt);
    FUZZ_ASSERT(enc.rslt == raw->rslt && enc.sense_len == 0 && enc.residual_len == 0);
    FUZZ_ASSERT(all_byte(enc.sense_buffer, sizeof(enc.sense_buffer), 0x33));
    FUZZ_ASSERT(all_byte(enc.reserved, sizeof(enc.reserved), 0x33));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_producer p;
    struct vscsi_response raw;

    fuzz_producer_init(&p, data, size);
    fuzz_bytes(&p, &raw, sizeof(raw));
    uint8_t act = fuzz_u8(&p);
    uint64_t data_len = fuzz_u64(&p);

    check_decode(&raw, act, data_len);
    /* The same slot as every kind of answer, and against a 0-byte request. */
    for (uint8_t a = 0; a <= 4; a++)
        check_decode(&raw, a, data_len);
    check_decode(&raw, VSCSI_ACT_CDB, 0);
    check_encoders(&p, &raw, data_len);

    /* The take, from a ring page into an exact-size private copy, then the
     * decoder on what it took. */
    struct vscsi_sring *ring = fuzz_xmalloc(sizeof(*ring));
    struct vscsi_response *copy = fuzz_xmalloc(sizeof(*copy));
    struct vscsi_front_ring fr;
    unsigned sl = raw.sense_len < VSCSI_SENSE_LEN ? raw.sense_len : VSCSI_SENSE_LEN;
    const unsigned tail = offsetof(struct vscsi_response, rslt);

    vscsi_sring_init(ring);
    vscsi_front_ring_init(&fr, ring);
    fr.req_prod_pvt = 1; /* one request outstanding */
    ring->req_prod = 1;
    memcpy(&ring->ring[0].rsp, &raw, sizeof(raw));
    ring->rsp_prod = 1;
    FUZZ_ASSERT(vscsi_front_responses(&fr) == 1);
    memset(copy, 0xa5, sizeof(*copy));
    memset(&RD, 0, sizeof(RD));
    RD.slot = (uint8_t *)&ring->ring[0].rsp;
    RD.torn = fuzz_u8(&p) & 1;
    RD.value = fuzz_u8(&p);
    vscsi_front_take(&fr, copy);
    for (unsigned i = 0; i < VSCSI_SLOT_SIZE; i++) {
        bool want = i < 4 + sl || (i >= tail && i < tail + 8);

        FUZZ_ASSERT_MSG(RD.count[i] == want, "slot byte %u read %u times", i, RD.count[i]);
    }
    RD.slot = NULL;
    FUZZ_ASSERT(memcmp(copy, &raw, 4 + sl) == 0);
    FUZZ_ASSERT(copy->rslt == raw.rslt && copy->residual_len == raw.residual_len);
    FZ_POISON((uint8_t *)copy + 4 + sl, tail - 4 - sl);
    FZ_POISON((uint8_t *)copy + tail + 8, sizeof(*copy) - tail - 8);
    check_decode(copy, act, data_len);
    FZ_UNPOISON(copy, sizeof(*copy));
    free(copy);
    free(ring);
    return 0;
}
