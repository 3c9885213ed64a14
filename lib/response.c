/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "codec_inline.h"
#include "vscsiif/response.h"

/* Writes the fields with a meaning; sense bytes past sense_len and reserved[]
 * keep what the ring slot held (the peer's own request), as Linux back does.
 * Zeroing the whole slot per response cost more than the rest of the path. */
static void rsp_clear(struct vscsi_response *rsp, uint16_t rqid)
{
    rsp->rqid = rqid;
    rsp->act = 0;
    rsp->sense_len = 0;
    rsp->rslt = 0;
    rsp->residual_len = 0;
}

void vscsi_rsp_cdb_sense(struct vscsi_response *rsp, uint16_t rqid, uint8_t host, uint8_t status,
                         const uint8_t *sense, size_t sense_len, uint32_t residual)
{
    rsp_clear(rsp, rqid);
    rsp->rslt = VSCSI_RSLT(host, status);
    rsp->residual_len = residual;
    if (sense && sense_len >= 8 && (sense[0] & 0x7f) >= 0x70 && (sense[0] & 0x7f) <= 0x73) {
        size_t n = 8u + sense[7];

        if (n > VSCSI_SENSE_LEN)
            n = VSCSI_SENSE_LEN;
        if (n > sense_len)
            n = sense_len;
        memcpy(rsp->sense_buffer, sense, n);
        rsp->sense_len = (uint8_t)n;
    }
}

void vscsi_rsp_tmr(struct vscsi_response *rsp, uint16_t rqid, int success)
{
    rsp_clear(rsp, rqid);
    rsp->rslt = success ? VSCSI_RSLT_RESET_SUCCESS : VSCSI_RSLT_RESET_FAILED;
}

void vscsi_rsp_rslt(struct vscsi_response *rsp, uint16_t rqid, int32_t rslt)
{
    rsp_clear(rsp, rqid);
    rsp->rslt = rslt;
}

/* The decoder itself is codec_inline.h, shared with the frontend engine. */
int vscsi_rsp_decode(const struct vscsi_response *copy, uint8_t act, uint64_t data_len,
                     struct vscsi_result *out)
{
    return codec_rsp_decode(copy, act, data_len, out);
}

const char *vscsi_host_str(unsigned host)
{
    static const char *const names[VSCSI_HOST_MAX + 1] = {
        "ok",
        "no_connect",
        "bus_busy",
        "time_out",
        "bad_target",
        "abort",
        "parity",
        "error",
        "reset",
        "bad_intr",
        "passthrough",
        "soft_error",
        "imm_retry",
        "requeue",
        "transport_disrupted",
        "transport_failfast",
        "target_failure",
        "nexus_failure",
        "alloc_failure",
        "medium_error",
        "transport_marginal",
    };
    return host <= VSCSI_HOST_MAX ? names[host] : "?";
}
