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

#include "sgio.h"
#include "tools.h"
#include "vscsiif/back.h"
#include "vscsiif/wire.h"

#define SG_IOV_MAX 1024 /* the sg driver refuses more (UIO_MAXIOV) */

struct vscsi_sg_lun {
    int fd;
    char dev[64];
};

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
    h.timeout = timeout_ms;
    switch (cmd->dir) {
    case VSCSI_DIR_TO_DEVICE: h.dxfer_direction = SG_DXFER_TO_DEV; break;
    case VSCSI_DIR_FROM_DEVICE: h.dxfer_direction = SG_DXFER_FROM_DEV; break;
    case VSCSI_DIR_NONE: h.dxfer_direction = SG_DXFER_NONE; break;
    default:
        /* SG_IO v3 has no bidirectional transfers. */
        vscsi_back_complete_host(cmd, VSCSI_HOST_ERROR, 0, NULL, 0, (uint32_t)cmd->data_len);
        return;
    }
    if (cmd->dir != VSCSI_DIR_NONE && cmd->data_len) {
        if (cmd->data_len > UINT_MAX || cmd->iovcnt > SG_IOV_MAX) {
            vscsi_back_complete_host(cmd, VSCSI_HOST_ERROR, 0, NULL, 0, (uint32_t)cmd->data_len);
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
    /* Linux DID_* codes are the wire's host codes; pass them through. */
    uint8_t host = h.host_status <= VSCSI_HOST_MAX ? (uint8_t)h.host_status : VSCSI_HOST_ERROR;
    uint32_t resid = h.resid > 0 && (size_t)h.resid <= cmd->data_len ? (uint32_t)h.resid : 0;
    vscsi_back_complete_host(cmd, host, h.status, h.sb_len_wr ? sense : NULL, h.sb_len_wr, resid);
}

int vscsi_sg_reset(struct vscsi_sg_lun *l)
{
    int op = SG_SCSI_RESET_DEVICE;
    return ioctl(l->fd, SG_SCSI_RESET, &op) == 0 ? 0 : -errno;
}
