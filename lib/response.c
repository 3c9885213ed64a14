/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

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

static void decode_cdb(const struct vscsi_response *c, uint64_t data_len, struct vscsi_result *o)
{
    uint32_t rslt = (uint32_t)c->rslt;
    unsigned host = VSCSI_RSLT_HOST(rslt);

    o->status = (uint8_t)VSCSI_RSLT_STATUS(rslt);
    if (rslt & 0xff000000u)
        o->anomalies |= VSCSI_ANOM_LEGACY_DRIVER_BYTE;
    if (rslt & 0x0000ff00u)
        o->anomalies |= VSCSI_ANOM_MSG_BYTE;
    if (host > VSCSI_HOST_MAX)
        o->anomalies |= VSCSI_ANOM_UNKNOWN_HOST;
    /* An error hidden outside the host byte must not read as success. */
    o->host = o->anomalies ? VSCSI_HOST_ERROR : (uint8_t)host;

    o->sense_len = c->sense_len;
    if (o->sense_len > VSCSI_SENSE_LEN) {
        o->sense_len = VSCSI_SENSE_LEN;
        o->anomalies |= VSCSI_ANOM_SENSE_LEN;
    }
    memcpy(o->sense, c->sense_buffer, o->sense_len);

    o->residual = c->residual_len;
    if (o->residual > data_len) {
        o->residual = (uint32_t)(data_len > UINT32_MAX ? UINT32_MAX : data_len);
        o->anomalies |= VSCSI_ANOM_RESIDUAL;
    }
}

int vscsi_rsp_decode_full(const struct vscsi_response *copy, uint8_t act, uint64_t data_len,
                          struct vscsi_result *out)
{
    memset(out, 0, sizeof(*out));
    out->rqid = copy->rqid;
    out->rslt = copy->rslt;
    switch (act) {
    case VSCSI_ACT_CDB:
        decode_cdb(copy, data_len, out);
        break;
    case VSCSI_ACT_ABORT:
    case VSCSI_ACT_RESET:
        /* Interpreted by act, not by bit fields: only 0x2002 is success. A
         * host error (NO_CONNECT for an unknown LUN) is a failure too. */
        out->tmr_ok = copy->rslt == VSCSI_RSLT_RESET_SUCCESS;
        out->host = (uint8_t)VSCSI_RSLT_HOST((uint32_t)copy->rslt);
        if (out->host > VSCSI_HOST_MAX) {
            out->host = VSCSI_HOST_ERROR;
            out->anomalies |= VSCSI_ANOM_UNKNOWN_HOST;
        }
        if (copy->rslt != VSCSI_RSLT_RESET_SUCCESS && copy->rslt != VSCSI_RSLT_RESET_FAILED &&
            (copy->rslt & 0xffff) != 0)
            out->anomalies |= VSCSI_ANOM_TMR_RSLT;
        break;
    default:
        return -EINVAL;
    }
    return out->anomalies ? 1 : 0;
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
