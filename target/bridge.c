/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "target/bridge.h"
#include "vscsiif/back.h"

#define BRIDGE_LUNS 64
#define BRIDGE_HELD 64 /* 16 per ring; room for four vhosts */

struct bridge_lun {
    char pdev[64];
    struct vscsi_tgt_lun *lun;
};

struct held {
    struct vscsi_target_cmd *cmd; /* NULL = free */
    struct vscsi_tgt_lun *lun;
    uint64_t due;
    int hang;
    struct vscsi_tgt_result res;
};

struct vscsi_sim_bridge {
    struct bridge_lun luns[BRIDGE_LUNS];
    struct held held[BRIDGE_HELD];
    unsigned nheld; /* so that polling an empty bridge costs nothing */
    uint64_t now;
};

struct vscsi_sim_bridge *vscsi_sim_bridge_new(void)
{
    return calloc(1, sizeof(struct vscsi_sim_bridge));
}

void vscsi_sim_bridge_free(struct vscsi_sim_bridge *br)
{
    free(br);
}

int vscsi_sim_bridge_add(struct vscsi_sim_bridge *br, const char *pdev, struct vscsi_tgt_lun *lun)
{
    struct bridge_lun *free_slot = NULL;

    if (strlen(pdev) >= sizeof(br->luns[0].pdev))
        return -ENAMETOOLONG;
    for (unsigned i = 0; i < BRIDGE_LUNS; i++) {
        if (br->luns[i].lun && strcmp(br->luns[i].pdev, pdev) == 0)
            return -EEXIST;
        if (!br->luns[i].lun && !free_slot)
            free_slot = &br->luns[i];
    }
    if (!free_slot)
        return -ENOSPC;
    strcpy(free_slot->pdev, pdev);
    free_slot->lun = lun;
    return 0;
}

static int br_open(void *tctx, const char *pdev, void **lun)
{
    struct vscsi_sim_bridge *br = tctx;

    for (unsigned i = 0; i < BRIDGE_LUNS; i++)
        if (br->luns[i].lun && strcmp(br->luns[i].pdev, pdev) == 0) {
            *lun = br->luns[i].lun;
            return 0;
        }
    return -ENODEV;
}

static void br_close(void *tctx, void *lun)
{
    (void)tctx;
    (void)lun; /* LUNs belong to whoever registered them */
}

static void finish(struct held *h)
{
    struct vscsi_target_cmd *cmd = h->cmd;

    h->cmd = NULL;
    vscsi_back_complete(cmd, h->res.status, h->res.sense, h->res.sense_len, h->res.residual);
}

static int br_submit(void *tctx, void *lun, struct vscsi_target_cmd *cmd)
{
    struct vscsi_sim_bridge *br = tctx;
    struct vscsi_tgt_io io = {cmd->cdb,    cmd->cdb_len,
                              cmd->dir,    (const struct vscsi_tgt_iov *)cmd->iov,
                              cmd->iovcnt, cmd->data_len};
    struct held now = {cmd, lun, 0, 0, {0}};

    _Static_assert(sizeof(struct vscsi_tgt_iov) == sizeof(struct vscsi_iov), "same iovec shape");
    if (cmd->direct) /* iov is the disk's own memory (br_direct_buffer) */
        vscsi_tgt_exec_direct(lun, &io, &now.res);
    else
        vscsi_tgt_exec(lun, &io, &now.res);
    if (!now.res.hang && !now.res.delay_us) {
        finish(&now);
        return 0;
    }
    for (unsigned i = 0; i < BRIDGE_HELD; i++)
        if (!br->held[i].cmd) {
            now.due = br->now + now.res.delay_us;
            now.hang = now.res.hang;
            br->held[i] = now;
            br->nheld++;
            return 0;
        }
    finish(&now); /* no room to hold it: complete at once rather than lose it */
    return 0;
}

/* The fake target accepts what runs as a plain copy of a disk held in
 * memory (vscsi_tgt_direct()); it executes at submit, so the store is only
 * read when the command completes, as the contract asks. */
static int br_direct_buffer(void *tctx, void *lun, const struct vscsi_target_cmd *cmd,
                            struct vscsi_iov *out)
{
    struct vscsi_tgt_io io = {cmd->cdb, cmd->cdb_len, cmd->dir, NULL, 0, cmd->data_len};
    void *base;

    (void)tctx;
    if (!vscsi_tgt_direct(lun, &io, &base))
        return 0;
    out->base = base;
    out->len = cmd->data_len;
    return 1;
}

static int br_abort(void *tctx, void *lun, struct vscsi_target_cmd *cmd)
{
    struct vscsi_sim_bridge *br = tctx;

    (void)lun;
    for (unsigned i = 0; i < BRIDGE_HELD; i++)
        if (br->held[i].cmd == cmd) {
            br->held[i].cmd = NULL;
            br->nheld--;
            return 0;
        }
    return -ENOENT;
}

static int br_reset(void *tctx, void *lun)
{
    struct vscsi_sim_bridge *br = tctx;

    for (unsigned i = 0; i < BRIDGE_HELD; i++)
        if (br->held[i].cmd && br->held[i].lun == lun) {
            br->held[i].cmd = NULL;
            br->nheld--;
        }
    vscsi_tgt_reset(lun);
    return 0;
}

const struct vscsi_target_ops *vscsi_sim_bridge_ops(void)
{
    static const struct vscsi_target_ops ops = {
        .size = sizeof(ops),
        .open = br_open,
        .close = br_close,
        .submit = br_submit,
        .abort = br_abort,
        .reset = br_reset,
        .direct_buffer = br_direct_buffer,
    };
    return &ops;
}

int vscsi_sim_bridge_poll(struct vscsi_sim_bridge *br, uint64_t now_us)
{
    int n = 0;

    br->now = now_us;
    for (unsigned i = 0; i < BRIDGE_HELD && br->nheld; i++)
        if (br->held[i].cmd && !br->held[i].hang && br->held[i].due <= now_us) {
            br->nheld--;
            finish(&br->held[i]);
            n++;
        }
    return n;
}

uint64_t vscsi_sim_bridge_next_due(const struct vscsi_sim_bridge *br)
{
    uint64_t due = UINT64_MAX;

    for (unsigned i = 0; i < BRIDGE_HELD && br->nheld; i++)
        if (br->held[i].cmd && !br->held[i].hang && br->held[i].due < due)
            due = br->held[i].due;
    return due;
}

unsigned vscsi_sim_bridge_held(const struct vscsi_sim_bridge *br)
{
    return br->nheld;
}
