/* SPDX-License-Identifier: MIT */
/* Backend engine: the XenStore handshake with the frontend (docs/protocol.md §5.5-5.7). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "back_int.h"

/* Frontend domids are real domains: DOMID_FIRST_RESERVED (0x7ff0) and up are not. */
#define BACK_DOMID_MAX 0x7fefu

int vscsi__back_write_state(struct vscsi_back *b, enum vscsi_xb_state s)
{
    int rc = vscsi_xb_write_uint(b->cfg.ops, b->cfg.ops_ctx, VSCSI_XS_NO_TXN, b->dev_path, "state",
                                 (uint32_t)s);
    if (rc == 0) {
        b->state = s;
        vscsi__back_trace_msg(b, "state %s", vscsi_xb_state_str(s));
    }
    return rc;
}

/* A fatal problem with the peer: say why in the store (as xenbus_dev_fatal
 * does), remember it, and begin the teardown. */
void vscsi__back_fail(struct vscsi_back *b, int err, const char *why)
{
    char path[VSCSI_XB_PATH_MAX + 1];

    if (!b->error)
        b->error = err;
    vscsi__back_trace_msg(b, "error %d: %s", err, why);
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
        vscsi__back_fail(b, rc, "bad frontend/frontend-id nodes");
        return rc;
    }
    if (b->cfg.max_segs) {
        rc = vscsi_xb_write_uint(b->cfg.ops, b->cfg.ops_ctx, VSCSI_XS_NO_TXN, b->dev_path,
                                 "feature-sg-grant", b->cfg.max_segs);
        if (rc)
            return rc;
    }
    rc = vscsi__back_write_state(b, VSCSI_XB_INIT_WAIT);
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
    int rc = vscsi__back_connect(b);

    if (rc) {
        vscsi__back_fail(b, rc, "cannot map ring or bind event channel");
        vscsi__back_write_state(b, VSCSI_XB_CLOSING);
        return rc;
    }
    vscsi__back_scan_luns(b);
    return vscsi__back_write_state(b, VSCSI_XB_CONNECTED);
}

static int on_closed(struct vscsi_back *b, int unknown)
{
    char online[8];
    int rc;

    vscsi__back_disconnect(b);
    if (b->state != VSCSI_XB_CLOSED)
        vscsi__back_write_state(b, VSCSI_XB_CLOSED);
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
        vscsi__back_fail(b, -EPROTO, "frontend state is not a XenbusState");
        on_closed(b, 0);
        return -EPROTO;
    }
    /* Watches fire for every write and once on registration: act on changes only. */
    if (b->fe_seen && fe == b->fe_state)
        return 0;
    b->fe_seen = 1;
    b->fe_state = fe;
    vscsi__back_trace_msg(b, "frontend %s", vscsi_xb_state_str(fe));
    switch (fe) {
    case VSCSI_XB_INITIALISED:
        if (b->connected) /* a resumed frontend brings a new ring */
            vscsi__back_disconnect(b);
        if (b->error)
            return b->error;
        return connect_and_scan(b);
    case VSCSI_XB_CONNECTED:
        /* After a failure (a broken ring above all) the vhost stays down,
         * whatever the frontend says next. */
        if (b->error)
            return b->error;
        int took_over = 0;
        if (!b->connected) {
            rc = connect_and_scan(b);
            if (rc)
                return rc;
            took_over = 1;
        }
        vscsi__back_promote_luns(b);
        if (b->state != VSCSI_XB_CONNECTED)
            vscsi__back_write_state(b, VSCSI_XB_CONNECTED);
        /* A live ring taken over from a backend that went away may hold
         * requests whose notifications went to the old port: serve them now
         * and re-arm, nobody will notify for them again. */
        if (took_over) {
            rc = vscsi__back_serve_armed(b);
            return rc < 0 ? rc : 0;
        }
        return 0;
    case VSCSI_XB_CLOSING:
        /* Answer what is in flight now rather than wait on a target that may hang. */
        b->closing = 1;
        vscsi__back_cancel_inflight(b, NULL, VSCSI_HOST_RESET);
        return vscsi__back_try_finish_close(b);
    case VSCSI_XB_CLOSED:
        return on_closed(b, 0);
    case VSCSI_XB_UNKNOWN:
        return on_closed(b, 1);
    case VSCSI_XB_RECONFIGURING:
        if (!b->connected || b->error)
            return 0;
        vscsi__back_scan_luns(b);
        return vscsi__back_write_state(b, VSCSI_XB_RECONFIGURED);
    case VSCSI_XB_INITIALISING:
    case VSCSI_XB_INIT_WAIT:
    case VSCSI_XB_RECONFIGURED:
        return 0;
    }
    return 0;
}
