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
    size_t data_len;       /* sum of iov lengths */
    struct vscsi_nexus nx; /* guest-visible nexus, for logs */
    uint16_t rqid;         /* for logs; never unique beyond one vhost */
    void *engine;          /* pass back to vscsi_back_complete() */
    void *target_priv;     /* the target's own use */
    /* 1: iov is the buffer direct_buffer() offered and the data is already
     * in place (TO_DEVICE) or is to be left in place (FROM_DEVICE): the
     * target moves no bytes of its own. Decided by the engine, so submit()
     * reads it here rather than remembering its own answer. */
    uint8_t direct;
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
    /*
     * Optional; NULL, or left out of an older table whose size ends before
     * it, means "never". One pass over the data instead of two: in copy mode
     * the engine otherwise grant-copies into its bounce buffer and the target
     * copies again between that and its medium.
     *
     * Asked once per command with data (TO_DEVICE or FROM_DEVICE), after the
     * request was validated and before submit(); cmd has every field but iov
     * and iovcnt (NULL, 0) and direct (0). Return 1 and set out to one
     * contiguous buffer of the target's own memory with out->len ==
     * cmd->data_len to say "this command is plain memory access at
     * out->base"; anything else declines and the bounce path runs as before.
     * The engine then grant-copies TO_DEVICE data from the frontend straight
     * into out->base before submit(), and FROM_DEVICE data straight from it
     * into the frontend inside vscsi_back_complete*() (data_len - residual
     * bytes), and submits with iov = out and direct = 1.
     *
     * So accept only a command sure to run as that memory access: the CDB
     * is one the target serves from memory, every field valid, the range
     * inside the medium, nothing that preempts or diverts it (pending unit
     * attention, medium not ready, write protection, a reservation conflict,
     * an injected fault that could touch it). Declining is always correct.
     *
     * What the target takes on by accepting:
     *  - TO_DEVICE: the bytes land at out->base before submit() and even if
     *    submit() is never called: a grant copy that fails (host ERROR, the
     *    command is not submitted) may have written some of them, and an
     *    abort or reset after submit() does not take them back. SCSI allows
     *    this: after a failed or aborted write the range's contents are
     *    indeterminate until the initiator writes it again.
     *  - FROM_DEVICE: the engine reads out->base when the target completes
     *    the command, not before; the target must not change that memory
     *    from completion until vscsi_back_complete*() returns (it copies
     *    inside the call). A command aborted or reset copies nothing.
     *  - The memory stays valid until the command is completed, aborted or
     *    reset. Accepting must hold nothing that needs giving back: a
     *    command whose TO_DEVICE grant copy fails is answered without
     *    submit() and the target hears no more of it.
     * In map mode this is never asked: the data is the frontend's pages
     * already.
     */
    int (*direct_buffer)(void *tctx, void *lun, const struct vscsi_target_cmd *cmd,
                         struct vscsi_iov *out);
};

#ifdef __cplusplus
}
#endif

#endif
