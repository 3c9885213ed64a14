/* SPDX-License-Identifier: MIT */
/* Frontend XenStore side: reacting to the backend's state (docs/protocol.md §5.6), LUN
 * hotplug through Reconfiguring/Reconfigured (§5.7), disconnect. Every value
 * read from the store is treated as hostile. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "vscsiif/devstr.h"

#include "front_int.h"

static int name_ok(const char *n, size_t len)
{
    if (len == 0 || len > VSCSI_FI_NAME_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = n[i];

        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return 0;
    }
    /* "." and ".." would walk out of vscsi-devs in a path. */
    return !(n[0] == '.' && (len == 1 || (len == 2 && n[1] == '.')));
}

static void lun_node(char *buf, size_t len, const char *name, const char *leaf)
{
    snprintf(buf, len, "vscsi-devs/%s/%s", name, leaf);
}

static void write_our_lun_state(struct vscsi_front *f, const char *name, enum vscsi_xb_state s)
{
    char node[VSCSI_FI_NAME_MAX + 32];

    lun_node(node, sizeof(node), name, "state");
    vscsi_xb_write_uint(f->ops, f->ctx, VSCSI_XS_NO_TXN, f->dev_path, node, s);
}

static int be_lun_state(struct vscsi_front *f, const char *name, enum vscsi_xb_state *s)
{
    char node[VSCSI_FI_NAME_MAX + 32];

    lun_node(node, sizeof(node), name, "state");
    return vscsi_xb_read_state(f->ops, f->ctx, VSCSI_XS_NO_TXN, f->be_path, node, s);
}

static struct vscsi_fi_lun *lun_find(struct vscsi_front *f, const char *name)
{
    for (unsigned i = 0; i < VSCSI_XB_MAX_DEVS; i++)
        if (f->luns[i].used && strcmp(f->luns[i].name, name) == 0)
            return &f->luns[i];
    return NULL;
}

static int nexus_taken(const struct vscsi_front *f, const struct vscsi_nexus *nx)
{
    for (unsigned i = 0; i < VSCSI_XB_MAX_DEVS; i++) {
        const struct vscsi_fi_lun *l = &f->luns[i];

        if (l->used && l->nx.channel == nx->channel && l->nx.id == nx->id && l->nx.lun == nx->lun)
            return 1;
    }
    return 0;
}

/* Lists the backend's vscsi-devs into dirbuf. Returns the number of names,
 * 0 if there is no such directory, or a negative errno when the listing is
 * more than any sane toolstack writes (refused whole, not truncated). */
static int list_devs(struct vscsi_front *f)
{
    char path[VSCSI_XB_PATH_MAX + 1];
    int n;

    if (vscsi_xb_join(path, sizeof(path), f->be_path, "vscsi-devs"))
        return -ENAMETOOLONG;
    n = f->ops->xs_directory(f->ctx, VSCSI_XS_NO_TXN, path, f->dirbuf, f->dirbuf_len);
    if (n == -ENOENT)
        return 0;
    if (n < 0 || n > VSCSI_XB_MAX_DEVS) {
        f->st.anomalies++;
        return n < 0 ? n : -E2BIG;
    }
    return n;
}

/* Walks the packed names of list_devs(), never past dirbuf. */
static const char *next_name(const struct vscsi_front *f, size_t *pos, size_t *len)
{
    size_t p = *pos, n = 0;

    while (p + n < f->dirbuf_len && f->dirbuf[p + n])
        n++;
    if (p + n >= f->dirbuf_len)
        return NULL;
    *pos = p + n + 1;
    *len = n;
    return f->dirbuf + p;
}

static void add_lun(struct vscsi_front *f, const char *name)
{
    char node[VSCSI_FI_NAME_MAX + 32];
    char val[VSCSI_XB_VALUE_MAX];
    struct vscsi_vdev v;
    struct vscsi_fi_lun *l = NULL;

    lun_node(node, sizeof(node), name, "v-dev");
    if (vscsi_xb_read_str(f->ops, f->ctx, VSCSI_XS_NO_TXN, f->be_path, node, val, sizeof(val)) <
            0 ||
        vscsi_vdev_parse(val, &v, NULL) < 0 || nexus_taken(f, &v.nexus)) {
        /* Unusable or a second name for a nexus we already have. */
        f->st.anomalies++;
        write_our_lun_state(f, name, VSCSI_XB_CLOSED);
        return;
    }
    for (unsigned i = 0; i < VSCSI_XB_MAX_DEVS && !l; i++)
        if (!f->luns[i].used)
            l = &f->luns[i];
    if (!l) {
        write_our_lun_state(f, name, VSCSI_XB_CLOSED);
        return;
    }
    l->used = 1;
    strcpy(l->name, name);
    l->host = v.host;
    l->nx = v.nexus;
    if (f->cfg.lun)
        f->cfg.lun(f->cfg.cb_ctx, l->name, l->host, &l->nx, 1);
    write_our_lun_state(f, name, VSCSI_XB_CONNECTED);
}

static void remove_lun(struct vscsi_front *f, struct vscsi_fi_lun *l)
{
    if (f->cfg.lun)
        f->cfg.lun(f->cfg.cb_ctx, l->name, l->host, &l->nx, 0);
    write_our_lun_state(f, l->name, VSCSI_XB_CLOSED);
    l->used = 0;
}

/* Rescans are idempotent: names we already have are skipped (docs/protocol.md §5.7). */
static void scan(struct vscsi_front *f, int adding)
{
    size_t pos = 0, len;
    int n = list_devs(f);

    for (int i = 0; i < n; i++) {
        enum vscsi_xb_state s;
        const char *name = next_name(f, &pos, &len);
        struct vscsi_fi_lun *l;

        if (!name)
            break;
        if (!name_ok(name, len)) {
            f->st.anomalies++;
            continue;
        }
        if (be_lun_state(f, name, &s) < 0)
            continue;
        l = lun_find(f, name);
        /* 4 too: Linux back keeps a LUN at 4 across a frontend reconnect and
         * never offers it as 3 again, so a restarted frontend must adopt it. */
        if (adding && (s == VSCSI_XB_INITIALISED || s == VSCSI_XB_CONNECTED) && !l)
            add_lun(f, name);
        else if (!adding && s == VSCSI_XB_CLOSING && l)
            remove_lun(f, l);
    }
}

static void negotiate(struct vscsi_front *f)
{
    uint32_t v, nr;
    int rc = vscsi_xb_read_uint(f->ops, f->ctx, VSCSI_XS_NO_TXN, f->be_path, "feature-sg-grant",
                                UINT32_MAX, &v);

    if (rc == -ERANGE) {
        v = UINT32_MAX;
    } else if (rc < 0) {
        if (rc != -ENOENT)
            f->st.anomalies++;
        v = 0; /* direct segments only */
    }
    if (v > VSCSI_MAX_INDIRECT_SEGS)
        f->st.anomalies++;
    nr = v < f->cap_segs ? v : f->cap_segs;
    if (nr < VSCSI_SG_TABLESIZE)
        nr = VSCSI_SG_TABLESIZE;
    if (nr > VSCSI_MAX_INDIRECT_SEGS)
        nr = VSCSI_MAX_INDIRECT_SEGS;
    f->nr_segs = nr;
}

void vscsi_fi_disconnect(struct vscsi_front *f)
{
    f->state = VSCSI_XB_CLOSED;
    for (unsigned i = 0; i < VSCSI_XB_MAX_DEVS; i++)
        if (f->luns[i].used)
            remove_lun(f, &f->luns[i]);
    vscsi_fi_fail_all(f, VSCSI_HOST_NO_CONNECT);
    /* Written last: by now every grant is revoked or quarantined. */
    vscsi_fi_set_state(f, VSCSI_XB_CLOSED);
}

static int path_is_ours(const struct vscsi_front *f, const char *path)
{
    size_t n = strlen(f->watch_path);

    return strncmp(path, f->watch_path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

int vscsi_front_handle_watch(struct vscsi_front *f, const char *path, const char *token)
{
    enum vscsi_xb_state bs;
    int rc;

    if (!f || !path || !token)
        return -EINVAL;
    if (!f->watching || strcmp(token, f->token) != 0 || !path_is_ours(f, path))
        return 0;
    if (f->state == VSCSI_XB_CLOSED)
        return 0;
    rc = vscsi_xb_read_state(f->ops, f->ctx, VSCSI_XS_NO_TXN, f->watch_path, NULL, &bs);
    if (rc < 0) {
        /* Unreadable or nonsense: the backend is gone as far as we care. */
        vscsi_fi_latch(f, rc == -ENOENT ? -ENOENT : -EINVAL);
        vscsi_fi_disconnect(f);
        return f->error;
    }
    if (f->error && bs != VSCSI_XB_CLOSING && bs != VSCSI_XB_CLOSED)
        return 0;
    if (bs != VSCSI_XB_CLOSED)
        f->be_seen_open = 1;

    switch (bs) {
    case VSCSI_XB_CONNECTED:
        if (f->state == VSCSI_XB_INITIALISED) {
            negotiate(f);
            scan(f, 1);
        }
        if (f->state == VSCSI_XB_INITIALISED || f->state == VSCSI_XB_RECONFIGURING)
            return vscsi_fi_set_state(f, VSCSI_XB_CONNECTED);
        return 0;
    case VSCSI_XB_RECONFIGURING:
        if (f->state != VSCSI_XB_CONNECTED && f->state != VSCSI_XB_RECONFIGURING)
            return 0;
        scan(f, 0);
        return vscsi_fi_set_state(f, VSCSI_XB_RECONFIGURING);
    case VSCSI_XB_RECONFIGURED:
        if (f->state != VSCSI_XB_CONNECTED && f->state != VSCSI_XB_RECONFIGURING)
            return 0;
        scan(f, 1);
        return vscsi_fi_set_state(f, VSCSI_XB_CONNECTED);
    case VSCSI_XB_CLOSED:
        /* Closed all along since we started is the previous session's leftover:
         * Linux back stays Closed (online 1) and connects again when it sees
         * our Initialised, so wait for that instead of giving up. */
        if (f->state == VSCSI_XB_INITIALISED && !f->be_seen_open)
            return 0;
        vscsi_fi_disconnect(f);
        return 0;
    case VSCSI_XB_CLOSING:
        vscsi_fi_disconnect(f);
        return 0;
    default:
        return 0;
    }
}
