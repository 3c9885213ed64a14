/* SPDX-License-Identifier: MIT */
/* Backend engine: one readable line per request, response and event, like a
 * protocol dissector. Costs nothing when no trace callback is set. */
#include <stdarg.h>
#include <stdio.h>

#include "back_int.h"

static const char *act_name(uint8_t act)
{
    switch (act) {
    case VSCSI_ACT_CDB:
        return "CDB";
    case VSCSI_ACT_ABORT:
        return "ABORT";
    case VSCSI_ACT_RESET:
        return "RESET";
    default:
        return "?";
    }
}

static const char *dir_name(uint8_t dir)
{
    static const char *const names[] = {"bidi", "out", "in", "none"};
    return dir < 4 ? names[dir] : "?";
}

void vscsi__back_trace_msg(struct vscsi_back *b, const char *fmt, ...)
{
    char line[256];
    va_list ap;

    if (!b->cfg.trace)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    b->cfg.trace(b->cfg.cb_ctx, line);
}

void vscsi__back_trace_req(struct vscsi_back *b, const struct vscsi_cmd *c,
                           const struct vscsi_request *rq)
{
    char cdb[3 * VSCSI_MAX_CDB_LEN + 1] = "";
    int o = 0;

    if (!b->cfg.trace)
        return;
    for (unsigned i = 0; i < c->cdb_len; i++)
        o += snprintf(cdb + o, sizeof(cdb) - (size_t)o, "%s%02x", i ? " " : "", c->cdb[i]);
    if (c->act == VSCSI_ACT_CDB)
        vscsi__back_trace_msg(b, "req rqid=%u %s %u:%u:%u cdb=[%s] dir=%s segs=%u%s len=%llu",
                              c->rqid, act_name(c->act), c->nx.channel, c->nx.id, c->nx.lun, cdb,
                              dir_name(c->dir), c->nr_segs, c->indirect ? " indirect" : "",
                              (unsigned long long)c->data_len);
    else
        vscsi__back_trace_msg(b, "req rqid=%u %s %u:%u:%u ref=%u", c->rqid, act_name(c->act),
                              c->nx.channel, c->nx.id, c->nx.lun, rq->ref_rqid);
}

void vscsi__back_trace_rsp(struct vscsi_back *b, const struct vscsi_response *rsp)
{
    if (!b->cfg.trace)
        return;
    if (rsp->rslt == VSCSI_RSLT_RESET_SUCCESS || rsp->rslt == VSCSI_RSLT_RESET_FAILED)
        vscsi__back_trace_msg(b, "rsp rqid=%u tmr=%s", rsp->rqid,
                              rsp->rslt == VSCSI_RSLT_RESET_SUCCESS ? "success" : "failed");
    else if (rsp->sense_len >= 14)
        vscsi__back_trace_msg(b, "rsp rqid=%u host=%s status=0x%02x sense=%x/%02x/%02x resid=%u",
                              rsp->rqid, vscsi_host_str(VSCSI_RSLT_HOST(rsp->rslt)),
                              VSCSI_RSLT_STATUS(rsp->rslt), rsp->sense_buffer[2] & 0xf,
                              rsp->sense_buffer[12], rsp->sense_buffer[13], rsp->residual_len);
    else
        vscsi__back_trace_msg(b, "rsp rqid=%u host=%s status=0x%02x resid=%u", rsp->rqid,
                              vscsi_host_str(VSCSI_RSLT_HOST(rsp->rslt)),
                              VSCSI_RSLT_STATUS(rsp->rslt), rsp->residual_len);
}
