/* SPDX-License-Identifier: MIT */
/* Backend engine: the XenStore handshake with the frontend (docs/protocol.md §5.5-5.7). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "back_int.h"

/* Frontend domids are real domains: DOMID_FIRST_RESERVED (0x7ff0) and up are not. */
#define BACK_DOMID_MAX 0x7fefu

int back_write_state(struct vscsi_back *b, enum vscsi_xb_state s)
{
    int rc = vscsi_xb_write_uint(b->cfg.ops, b->cfg.ops_ctx, VSCSI_XS_NO_TXN, b->dev_path, "state",
                                 (uint32_t)s);
    if (rc == 0) {
        b->state = s;
        back_trace_msg(b, "state %s", vscsi_xb_state_str(s));
    }
    return rc;
}

/* A fatal problem with the peer: say why in the store (as xenbus_dev_fatal
 * does), remember it, and begin the teardown. */
void back_fail(struct vscsi_back *b, int err, const char *why)
{
    char path[VSCSI_XB_PATH_MAX + 1];

    if (!b->error)
        b->error = err;
    back_trace_msg(b, "error %d: %s", err, why);
    if (vscsi_xb_join(path, sizeof(path), b->dev_path, "error") == 0)
        b->cfg.ops->xs_write(b->cfg.ops_ctx, VSCSI_XS_NO_TXN, path, why);
}

/* `frontend` must be the frontend domain's own vscsi device directory. */
static int read_frontend(struct vscsi_back *b)
{
    uint32_t domid;
    char expect[64];
    int rc = vscsi_xb_read_uint(b->cfg.ops, b->cfg.ops_ctx, VSCSI_XS_NO_TXN, b->dev_path,
                                "frontend-id", BACK_DOMID_MAX, &domid);
    if (rc)
        return rc;
    rc = vscsi_xb_read_str(b->cfg.ops, b->cfg.ops_ctx, VSCSI_XS_NO_TXN, b->dev_path, "frontend",
                           b->fe_path, sizeof(b->fe_path));
    if (rc < 0)
        return rc;
    snprintf(expect, sizeof(expect), "/local/domain/%u/device/vscsi/", (unsigned)domid);
    if (strncmp(b->fe_path, expect, strlen(expect)) != 0 || strstr(b->fe_path, "/.."))
        return -EINVAL;
    b->fe_domid = (uint16_t)domid;
    return 0;
}

int vscsi_back_start(struct vscsi_back *b)
{
    char path[VSCSI_XB_PATH_MAX + 1];
    int rc = read_frontend(b);

    if (rc) {
        back_fail(b, rc, "bad frontend/frontend-id nodes");
        return rc;
    }
    if (b->cfg.max_segs) {
        rc = vscsi_xb_write_uint(b->cfg.ops, b->cfg.ops_ctx, VSCSI_XS_NO_TXN, b->dev_path,
                                 "feature-sg-grant", b->cfg.max_segs);
        if (rc)
            return rc;
    }
    rc = back_write_state(b, VSCSI_XB_INIT_WAIT);
    if (rc)
        return rc;
    rc = vscsi_xb_join(path, sizeof(path), b->fe_path, "state");
    if (rc)
        return rc;
    rc = b->cfg.ops->xs_watch(b->cfg.ops_ctx, path, b->token);
    if (rc == 0)
        b->watching = 1;
    return rc;
}

static int connect_and_scan(struct vscsi_back *b)
{
    int rc = back_connect(b);

    if (rc) {
        back_fail(b, rc, "cannot map ring or bind event channel");
        back_write_state(b, VSCSI_XB_CLOSING);
        return rc;
    }
    back_scan_luns(b);
    return back_write_state(b, VSCSI_XB_CONNECTED);
}

static int on_closed(struct vscsi_back *b, int unknown)
{
    char online[8];
    int rc;

    back_disconnect(b);
    if (b->state != VSCSI_XB_CLOSED)
        back_write_state(b, VSCSI_XB_CLOSED);
    rc = vscsi_xb_read_str(b->cfg.ops, b->cfg.ops_ctx, VSCSI_XS_NO_TXN, b->dev_path, "online",
                           online, sizeof(online));
    if (unknown || rc < 0 || strcmp(online, "1") != 0)
        b->gone = 1;
    return 0;
}

int vscsi_back_handle_watch(struct vscsi_back *b, const char *path, const char *token)
{
    enum vscsi_xb_state fe;
    int rc;

    if (!token || strcmp(token, b->token) != 0 || b->gone)
        return 0;
    (void)path; /* one watch per handle: the token says it all */
    rc = vscsi_xb_read_state(b->cfg.ops, b->cfg.ops_ctx, VSCSI_XS_NO_TXN, b->fe_path, "state", &fe);
    if (rc == -ENOENT)
        return b->state == VSCSI_XB_INIT_WAIT ? 0 : on_closed(b, 1);
    if (rc) {
        /* A state we cannot even read: no guessing, shut the vhost down cleanly. */
        back_fail(b, -EPROTO, "frontend state is not a XenbusState");
        on_closed(b, 0);
        return -EPROTO;
    }
    /* Watches fire for every write and once on registration: act on changes only. */
    if (b->fe_seen && fe == b->fe_state)
        return 0;
    b->fe_seen = 1;
    b->fe_state = fe;
    back_trace_msg(b, "frontend %s", vscsi_xb_state_str(fe));
    switch (fe) {
    case VSCSI_XB_INITIALISED:
        if (b->connected) /* a resumed frontend brings a new ring */
            back_disconnect(b);
        if (b->error)
            return b->error;
        return connect_and_scan(b);
    case VSCSI_XB_CONNECTED:
        /* After a failure (a broken ring above all) the vhost stays down,
         * whatever the frontend says next. */
        if (b->error)
            return b->error;
        if (!b->connected) {
            rc = connect_and_scan(b);
            if (rc)
                return rc;
        }
        back_promote_luns(b);
        if (b->state != VSCSI_XB_CONNECTED)
            back_write_state(b, VSCSI_XB_CONNECTED);
        return 0;
    case VSCSI_XB_CLOSING:
        /* Answer what is in flight now rather than wait on a target that may hang. */
        b->closing = 1;
        back_cancel_inflight(b, NULL, VSCSI_HOST_RESET);
        return back_try_finish_close(b);
    case VSCSI_XB_CLOSED:
        return on_closed(b, 0);
    case VSCSI_XB_UNKNOWN:
        return on_closed(b, 1);
    case VSCSI_XB_RECONFIGURING:
        if (!b->connected || b->error)
            return 0;
        back_scan_luns(b);
        return back_write_state(b, VSCSI_XB_RECONFIGURED);
    case VSCSI_XB_INITIALISING:
    case VSCSI_XB_INIT_WAIT:
    case VSCSI_XB_RECONFIGURED:
        return 0;
    }
    return 0;
}
