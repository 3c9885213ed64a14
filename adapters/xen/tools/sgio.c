/* SPDX-License-Identifier: MIT */
/*
 * SG_IO passthrough. Commands run synchronously on the daemon's thread: a
 * slow device stalls every vhost of this daemon for the command's duration
 * (bounded by the SG_IO timeout), which keeps the engine's single-thread
 * contract trivially true. Good for tapes, changers and tests; a disk that
 * needs parallelism wants LIO + kernel scsiback instead.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <scsi/sg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "sg_policy.h"
#include "sgio.h"
#include "tools.h"
#include "vscsiif/back.h"
#include "vscsiif/wire.h"

#define SG_IOV_MAX 1024 /* the sg driver refuses more (UIO_MAXIOV) */

struct vscsi_sg_lun {
    int fd;
    char dev[64];
    struct vscsi_sg_limits lim;
    uint64_t max_bytes;          /* vscsi_sg_limit_bytes(&lim) */
    struct vscsi_sg_tmo tmo;     /* from the device's RSOC, if it has timeouts */
    uint8_t ua[VSCSI_SENSE_LEN]; /* a unit attention our probing took, owed to the guest */
    uint8_t ua_len;
};

/* Set once at startup, before any LUN opens (vscsi-back's options). */
static struct vscsi_sg_overrides g_overrides;
static uint64_t g_transport = 128u * 4096u;

int vscsi_sg_set_timeouts(const char *spec, char *msg, size_t msglen)
{
    return vscsi_sg_overrides_parse(spec, &g_overrides, msg, msglen);
}

void vscsi_sg_set_transport(uint32_t max_segs)
{
    g_transport = vscsi_sg_transport_bytes(max_segs);
}

static int probe_once(struct vscsi_sg_lun *l, const uint8_t *cdb, uint8_t cdb_len, uint8_t *buf,
                      unsigned len)
{
    struct sg_io_hdr h;
    uint8_t sense[VSCSI_SENSE_LEN];

    memset(&h, 0, sizeof(h));
    h.interface_id = 'S';
    h.cmdp = (unsigned char *)(uintptr_t)cdb;
    h.cmd_len = cdb_len;
    h.sbp = sense;
    h.mx_sb_len = sizeof(sense);
    h.dxfer_direction = SG_DXFER_FROM_DEV;
    h.dxferp = buf;
    h.dxfer_len = len;
    h.timeout = 10000;
    if (ioctl(l->fd, SG_IO, &h) < 0)
        return -1;
    if (h.status == 0x02 && h.sb_len_wr && vscsi_sg_sense_is_ua(sense, h.sb_len_wr)) {
        if (!l->ua_len) {
            l->ua_len = h.sb_len_wr <= sizeof(l->ua) ? h.sb_len_wr : sizeof(l->ua);
            memcpy(l->ua, sense, l->ua_len);
        }
        return -2;
    }
    if (h.status || h.host_status || (h.driver_status & 0x0f))
        return -1;
    return h.resid > 0 && (unsigned)h.resid <= len ? (int)(len - (unsigned)h.resid) : (int)len;
}

/* One data-in command of our own at open time; returns the bytes received or -1.
 * A unit attention it meets is kept for the guest (the first one: the most
 * important is reported first) and the command is tried again. */
static int probe(struct vscsi_sg_lun *l, const uint8_t *cdb, uint8_t cdb_len, uint8_t *buf,
                 unsigned len)
{
    for (int tries = 0; tries < 4; tries++) {
        int rc = probe_once(l, cdb, cdb_len, buf, len);
        if (rc != -2)
            return rc;
    }
    return -1;
}

/* What the device publishes about itself, and what the host and the transport allow. */
static void learn(struct vscsi_sg_lun *l)
{
    static const uint8_t inq[6] = {0x12, 0, 0, 0, 36, 0};
    static const uint8_t rsoc[12] = {0xa3, 0x0c, 0x80, 0, 0, 0, 0, 0, 0x80, 0, 0, 0}; /* RCTD */
    static const uint8_t rc10[10] = {0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    uint8_t b[36];
    uint8_t *r = malloc(0x8000);
    struct vscsi_hctl hc;
    char msg[128];
    int n, rs;

    if (probe(l, inq, 6, b, sizeof(b)) >= 1)
        l->tmo.pdt = b[0] & 0x1f;
    if (r && (n = probe(l, rsoc, 12, r, 0x8000)) > 0)
        vscsi_sg_rsoc_parse(r, (size_t)n, &l->tmo);
    free(r);
    l->lim.transport = g_transport;
    if (vscsi_tool_dev_to_hctl(l->dev, &hc, msg, sizeof(msg)) == 0)
        vscsi_sg_sysfs_limits(hc.host, hc.channel, hc.target, hc.lun, &l->lim);
    if (!l->lim.block_size && l->tmo.pdt == 0x00 && probe(l, rc10, 10, b, 8) == 8) {
        uint32_t bs = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
        if (bs >= 512 && bs <= 65536)
            l->lim.block_size = bs;
    }
    /* A reserved buffer as large as one command may be, so that the sg driver
     * needs no allocation per command; whatever it grants is a limit too. */
    uint64_t want = vscsi_sg_limit_bytes(&l->lim);
    rs = want > INT_MAX ? INT_MAX : (int)want;
    if (ioctl(l->fd, SG_SET_RESERVED_SIZE, &rs) == 0 &&
        ioctl(l->fd, SG_GET_RESERVED_SIZE, &rs) == 0 && rs > 0)
        l->lim.sg_reserved = (uint64_t)rs;
    l->max_bytes = vscsi_sg_limit_bytes(&l->lim);
}

/* Lowers the limits the device reported in a reply to what passes (sg_policy.h). */
static void clamp_reply(const struct vscsi_sg_lun *l, const struct vscsi_target_cmd *cmd,
                        size_t got)
{
    uint8_t b[64];
    size_t n = got < sizeof(b) ? got : sizeof(b), off = 0;

    if (cmd->cdb[0] != 0x12 && cmd->cdb[0] != 0x05)
        return;
    for (unsigned i = 0; i < cmd->iovcnt && off < n; i++) {
        size_t k = cmd->iov[i].len < n - off ? cmd->iov[i].len : n - off;
        memcpy(b + off, cmd->iov[i].base, k);
        off += k;
    }
    if (!vscsi_sg_clamp_reply(cmd->cdb, cmd->cdb_len, b, off, &l->lim))
        return;
    n = off;
    off = 0;
    for (unsigned i = 0; i < cmd->iovcnt && off < n; i++) {
        size_t k = cmd->iov[i].len < n - off ? cmd->iov[i].len : n - off;
        memcpy(cmd->iov[i].base, b + off, k);
        off += k;
    }
}

/* More data than passes in one command: refused whole, as the device itself
 * would refuse a length beyond its limits (ILLEGAL REQUEST, INVALID FIELD IN CDB). */
static void refuse_too_big(struct vscsi_target_cmd *cmd)
{
    uint8_t s[18] = {0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24, 0};

    vscsi_back_complete_host(cmd, VSCSI_HOST_OK, 0x02, s, sizeof(s), (uint32_t)cmd->data_len);
}

int vscsi_sg_open(const char *pdev, struct vscsi_sg_lun **out)
{
    struct vscsi_sg_lun *l;
    char dev[64];
    int fd, ver = 0;

    if (strncmp(pdev, "/dev/sg", 7) == 0) {
        if (snprintf(dev, sizeof(dev), "%s", pdev) >= (int)sizeof(dev))
            return -ENODEV;
    } else {
        struct vscsi_pdev p;
        if (vscsi_pdev_parse(pdev, &p, NULL) != 0 || p.kind != VSCSI_PDEV_HCTL ||
            vscsi_tool_hctl_to_sg(&p.hctl, dev, sizeof(dev)) != 0)
            return -ENODEV;
    }
    fd = open(dev, O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    /* O_NONBLOCK only for the open (a tape must not block on it); SG_IO itself waits. */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    if (ioctl(fd, SG_GET_VERSION_NUM, &ver) < 0 || ver < 30000) {
        close(fd);
        return -ENODEV;
    }
    l = calloc(1, sizeof(*l));
    if (!l) {
        close(fd);
        return -ENOMEM;
    }
    l->fd = fd;
    memcpy(l->dev, dev, sizeof(l->dev));
    learn(l);
    *out = l;
    return 0;
}

void vscsi_sg_close(struct vscsi_sg_lun *l)
{
    if (l) {
        close(l->fd);
        free(l);
    }
}

const char *vscsi_sg_name(const struct vscsi_sg_lun *l)
{
    return l->dev;
}

void vscsi_sg_exec(struct vscsi_sg_lun *l, struct vscsi_target_cmd *cmd, unsigned timeout_ms)
{
    struct sg_io_hdr h;
    struct sg_iovec iov[SG_IOV_MAX];
    uint8_t sense[VSCSI_SENSE_LEN];

    memset(&h, 0, sizeof(h));
    h.interface_id = 'S';
    h.cmdp = (unsigned char *)(uintptr_t)cmd->cdb; /* the driver only reads it */
    h.cmd_len = cmd->cdb_len;
    h.sbp = sense;
    h.mx_sb_len = sizeof(sense);
    h.timeout = vscsi_sg_timeout_ms(&l->tmo, &g_overrides, cmd->cdb, cmd->cdb_len, timeout_ms);
    switch (cmd->dir) {
    case VSCSI_DIR_TO_DEVICE:
        h.dxfer_direction = SG_DXFER_TO_DEV;
        break;
    case VSCSI_DIR_FROM_DEVICE:
        h.dxfer_direction = SG_DXFER_FROM_DEV;
        break;
    case VSCSI_DIR_NONE:
        h.dxfer_direction = SG_DXFER_NONE;
        break;
    default:
        /* SG_IO v3 has no bidirectional transfers. */
        vscsi_back_complete_host(cmd, VSCSI_HOST_ERROR, 0, NULL, 0, (uint32_t)cmd->data_len);
        return;
    }
    if (l->ua_len && vscsi_sg_ua_preempts(cmd->cdb, cmd->cdb_len)) {
        uint8_t n = l->ua_len;
        l->ua_len = 0;
        vscsi_back_complete_host(cmd, VSCSI_HOST_OK, 0x02, l->ua, n, (uint32_t)cmd->data_len);
        return;
    }
    if (cmd->dir != VSCSI_DIR_NONE && cmd->data_len) {
        if (cmd->data_len > l->max_bytes || cmd->data_len > UINT_MAX || cmd->iovcnt > SG_IOV_MAX) {
            refuse_too_big(cmd);
            return;
        }
        h.dxfer_len = (unsigned)cmd->data_len;
        if (cmd->iovcnt == 1) {
            h.dxferp = cmd->iov[0].base;
        } else {
            for (unsigned i = 0; i < cmd->iovcnt; i++) {
                iov[i].iov_base = cmd->iov[i].base;
                iov[i].iov_len = cmd->iov[i].len;
            }
            h.iovec_count = (unsigned short)cmd->iovcnt;
            h.dxferp = iov;
        }
    } else {
        h.dxfer_direction = SG_DXFER_NONE;
    }
    if (ioctl(l->fd, SG_IO, &h) < 0) {
        vscsi_back_complete_host(cmd, VSCSI_HOST_ERROR, 0, NULL, 0, (uint32_t)cmd->data_len);
        return;
    }
    /* A command that timed out was aborted on the device by the midlayer's error
     * handler before SG_IO returned: this is its one answer (host TIME_OUT). */
    struct vscsi_sg_answer a =
        vscsi_sg_answer_of(h.host_status, h.driver_status, h.status, h.resid, cmd->data_len);
    if (a.host == VSCSI_HOST_OK && a.status == 0 && cmd->dir == VSCSI_DIR_FROM_DEVICE)
        clamp_reply(l, cmd, cmd->data_len - a.resid);
    uint8_t slen = h.sb_len_wr <= sizeof(sense) ? h.sb_len_wr : sizeof(sense);
    vscsi_back_complete_host(cmd, a.host, a.status, slen ? sense : NULL, slen, a.resid);
}

int vscsi_sg_reset(struct vscsi_sg_lun *l)
{
    int op = SG_SCSI_RESET_DEVICE;
    return ioctl(l->fd, SG_SCSI_RESET, &op) == 0 ? 0 : -errno;
}
