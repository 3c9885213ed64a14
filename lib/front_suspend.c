/* SPDX-License-Identifier: MIT */
/* Frontend around a migration (save/restore), as Linux scsifront's
 * suspend and resume callbacks: suspend stops new requests, resume finishes
 * what was in flight with host RESET (the ring it was on is gone), builds a
 * new ring and reconnects; the LUNs are offered again once the backend of
 * the new ring is Connected. */
#include <errno.h>

#include "front_int.h"

int vscsi_front_suspend(struct vscsi_front *f)
{
    if (!f)
        return -EINVAL;
    if (!f->started)
        return -ENOTCONN;
    f->suspended = 1;
    return 0;
}

int vscsi_front_resume(struct vscsi_front *f)
{
    int rc;

    if (!f)
        return -EINVAL;
    if (!f->started || !f->suspended)
        return -EINVAL;
    if (f->error)
        return f->error;
    vscsi_fi_fail_all(f, VSCSI_HOST_RESET);
    /* A page the old backend still maps is quarantined (never reused); it
     * is no reason to keep the new session from starting. */
    if (f->error == -EBUSY)
        f->error = 0;
    vscsi_fi_release_ring(f);
    f->nr_segs = 0;
    f->be_seen_open = 0;
    f->suspended = 0;

    rc = f->ops->grant_page(f->ctx, f->be_domid, 0, &f->ring_ref, &f->ring_page);
    if (rc < 0)
        return vscsi_fi_fail(f, rc);
    f->ring_granted = 1;
    vscsi_sring_init(f->ring_page);
    vscsi_front_ring_init(&f->ring, f->ring_page);
    rc = f->ops->evtchn_alloc_unbound(f->ctx, f->be_domid, &f->port);
    if (rc < 0)
        return vscsi_fi_fail(f, rc);
    f->have_port = 1;
    rc = vscsi_fi_write_ring_nodes(f);
    if (rc < 0)
        return vscsi_fi_fail(f, rc);
    f->resumed = 1;
    rc = vscsi_fi_set_state(f, VSCSI_XB_INITIALISED);
    return rc < 0 ? vscsi_fi_fail(f, rc) : 0;
}
