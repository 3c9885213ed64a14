/* SPDX-License-Identifier: MIT */
/*
 * What a backend serves: the target interface and the p-dev resolver.
 *
 * The backend engine resolves each p-dev string of the vhost's vscsi-devs
 * through open(), then hands validated commands to submit(). A target
 * completes a command exactly once by calling vscsi_back_complete() — from
 * inside submit() (synchronous targets) or later, on the engine's thread.
 *
 * abort() and reset() are task management: after abort() returns 0 the
 * target must never complete that command (the engine answers it with host
 * ABORT); after reset() returns, the same holds for every command of that
 * LUN (the engine answers them with host RESET). The fake target of the
 * simulator and SG_IO passthrough of the real adapter both implement this.
 */
#ifndef VSCSIIF_TARGET_H
#define VSCSIIF_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "vscsiif/common.h"

#ifdef __cplusplus
extern "C" {
#endif

struct vscsi_iov {
    void *base;
    size_t len;
};

/* One command as the target sees it; owned by the engine, valid until completed or aborted. */
struct vscsi_target_cmd {
    const uint8_t *cdb;
    uint8_t cdb_len;
    uint8_t dir;                 /* VSCSI_DIR_* */
    const struct vscsi_iov *iov; /* the data buffer */
    unsigned iovcnt;
    size_t data_len;             /* sum of iov lengths */
    struct vscsi_nexus nx;       /* guest-visible nexus, for logs */
    uint16_t rqid;               /* for logs; never unique beyond one vhost */
    void *engine;                /* pass back to vscsi_back_complete() */
    void *target_priv;           /* the target's own use */
};

struct vscsi_target_ops {
    size_t size; /* sizeof(struct vscsi_target_ops) */
    /* Resolve a p-dev string (already length-checked, printable) to a LUN.
     * Returns 0 and *lun, -ENODEV if there is no such device. */
    int (*open)(void *tctx, const char *pdev, void **lun);
    void (*close)(void *tctx, void *lun);
    /* Start a command. Returns 0 once accepted (completion follows), or a
     * negative errno to have the engine answer host ERROR itself. */
    int (*submit)(void *tctx, void *lun, struct vscsi_target_cmd *cmd);
    /* 0: aborted, never completed by the target. -ENOENT: not known (already
     * completed or never seen). Other negative: could not abort. NULL: no TMRs. */
    int (*abort)(void *tctx, void *lun, struct vscsi_target_cmd *cmd);
    /* LUN reset; 0 or a negative errno. NULL: not supported (answers 0x2003). */
    int (*reset)(void *tctx, void *lun);
};

#ifdef __cplusplus
}
#endif

#endif
