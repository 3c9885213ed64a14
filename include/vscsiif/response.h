/* SPDX-License-Identifier: MIT */
/*
 * Responses: the backend encodes them, the frontend decodes them.
 *
 * rslt is the old Linux result word: status byte in bits 0-7, host byte
 * (VSCSI_HOST_*) in bits 16-23. ABORT and RESET answer exactly 0x2002 or
 * 0x2003 instead, so a decoder must know which act it is decoding.
 *
 * The decoder trusts nothing: bits 8-15 or 24-31 set (old backends put
 * errors into the "driver byte", where a strict reader would see GOOD),
 * unknown host codes, sense_len > 96 and residual_len > the data length are
 * all turned into safe values and reported in vscsi_result.anomalies.
 */
#ifndef VSCSIIF_RESPONSE_H
#define VSCSIIF_RESPONSE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vscsiif/common.h"
#include "vscsiif/wire.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef VSCSI_INLINE
#define VSCSI_INLINE static inline
#endif

/* The encoders write every field with a meaning and leave the bytes without
 * one (sense past sense_len, reserved[]) as they are: in a ring slot that is
 * the peer's own old request. Encode into private memory only if it holds
 * nothing secret, or zero it first.
 *
 * Encodes a CDB completion. Sense is copied only if it parses as SCSI sense
 * (response code 0x70-0x73), and then min(8 + additional length, 96,
 * sense_len) bytes of it, as Linux back does; otherwise sense_len is 0.
 * A field setter (inline); with sense it calls vscsi_rsp_cdb_sense(). */
VSCSI_API void vscsi_rsp_cdb_sense(struct vscsi_response *rsp, uint16_t rqid, uint8_t host,
                                   uint8_t status, const uint8_t *sense, size_t sense_len,
                                   uint32_t residual);

VSCSI_INLINE void vscsi_rsp_cdb(struct vscsi_response *rsp, uint16_t rqid, uint8_t host,
                                uint8_t status, const uint8_t *sense, size_t sense_len,
                                uint32_t residual)
{
    if (sense && sense_len) {
        vscsi_rsp_cdb_sense(rsp, rqid, host, status, sense, sense_len, residual);
        return;
    }
    rsp->rqid = rqid;
    rsp->act = 0;
    rsp->sense_len = 0;
    rsp->rslt = VSCSI_RSLT(host, status);
    rsp->residual_len = residual;
}

/* Encodes the answer to an ABORT or RESET: 0x2002 on success, else 0x2003. */
VSCSI_API void vscsi_rsp_tmr(struct vscsi_response *rsp, uint16_t rqid, int success);

/* Encodes a bare rslt (e.g. vscsi_reject_rslt()) with no sense and no residual. */
VSCSI_API void vscsi_rsp_rslt(struct vscsi_response *rsp, uint16_t rqid, int32_t rslt);

/* Bits of vscsi_result.anomalies. */
#define VSCSI_ANOM_LEGACY_DRIVER_BYTE 0x01u /* bits 24-31 set: decoded as host ERROR */
#define VSCSI_ANOM_MSG_BYTE           0x02u /* bits 8-15 set: decoded as host ERROR */
#define VSCSI_ANOM_UNKNOWN_HOST       0x04u /* host byte > 20: decoded as host ERROR */
#define VSCSI_ANOM_SENSE_LEN          0x08u /* sense_len > 96: clamped */
#define VSCSI_ANOM_RESIDUAL           0x10u /* residual > data length: clamped */
#define VSCSI_ANOM_TMR_RSLT           0x20u /* TMR answer neither 0x2002 nor 0x2003 */

struct vscsi_result {
    uint16_t rqid;
    uint8_t status;    /* SAM status (CDB) */
    uint8_t host;      /* VSCSI_HOST_* after the checks above */
    uint8_t sense_len; /* <= 96 */
    uint8_t tmr_ok;    /* ABORT/RESET: 1 only for exactly 0x2002 */
    uint8_t sense[VSCSI_SENSE_LEN];
    uint32_t residual; /* <= data_len */
    int32_t rslt;      /* raw, for logs */
    uint32_t anomalies;
};

/* Decodes a private copy of a response to a request of kind `act` that
 * expected to move data_len bytes. Returns 0 if the response was clean,
 * 1 if anomalies were corrected (see result->anomalies), -EINVAL for a bad act.
 * Only the first sense_len bytes of result->sense are written. */
VSCSI_API int vscsi_rsp_decode(const struct vscsi_response *copy, uint8_t act, uint64_t data_len,
                               struct vscsi_result *out);

/* 1 if the decoded CDB result is a success (host OK, status GOOD). */
VSCSI_INLINE int vscsi_result_ok(const struct vscsi_result *r)
{
    return r->host == VSCSI_HOST_OK && r->status == 0;
}

/* Name of a host code ("ok", "no_connect", ...), "?" if unknown. */
VSCSI_API const char *vscsi_host_str(unsigned host);

#ifdef __cplusplus
}
#endif

#endif /* VSCSIIF_RESPONSE_H */
