/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "attmgr.h"
#include "tools.h"
#include "vscsiif/toolstack.h"

#define TOK_INTRO   "vscsi-am:introduce"
#define TOK_RELEASE "vscsi-am:release"
#define TOK_NAME    "vscsi-am:name"

enum dom_st { D_FREE, D_NEW, D_WAIT_NAME, D_DONE };

struct dom {
    enum dom_st st;
    uint16_t id;
    int mark;
    int watched; /* a watch on its name node: fires when xl writes it, and when xl removes
                  * the domain's tree after @releaseDomain (which may come first) */
};

struct vscsi_am {
    struct vscsi_am_config c;
    struct dom d[VSCSI_AM_MAX_DOMS];
    struct vscsi_att_item items[VSCSI_ATT_MAX];
    struct vscsi_am_stats st;
    char list[65536], list2[16384];
};

static void say(struct vscsi_am *am, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(struct vscsi_am *am, int level, const char *fmt, ...)
{
    char buf[768];
    va_list ap;
    if (!am->c.log)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    am->c.log(am->c.arg, level, buf);
}

int vscsi_am_new(const struct vscsi_am_config *cfg, struct vscsi_am **out)
{
    struct vscsi_am *am;

    if (!cfg || !cfg->ops || !cfg->lookup)
        return -EINVAL;
    am = calloc(1, sizeof(*am));
    if (!am)
        return -ENOMEM;
    am->c = *cfg;
    *out = am;
    return 0;
}

static void name_path(char *p, size_t len, uint16_t id)
{
    snprintf(p, len, "/local/domain/%u/name", (unsigned)id);
}

void vscsi_am_free(struct vscsi_am *am)
{
    if (!am)
        return;
    const struct vscsi_platform_ops *ops = am->c.ops;
    if (ops->xs_unwatch) {
        char p[64];
        for (unsigned i = 0; i < VSCSI_AM_MAX_DOMS; i++)
            if (am->d[i].st != D_FREE && am->d[i].watched) {
                name_path(p, sizeof(p), am->d[i].id);
                ops->xs_unwatch(am->c.ctx, p, TOK_NAME);
            }
        ops->xs_unwatch(am->c.ctx, "@introduceDomain", TOK_INTRO);
        ops->xs_unwatch(am->c.ctx, "@releaseDomain", TOK_RELEASE);
    }
    free(am);
}

static int alive(struct vscsi_am *am, uint16_t id)
{
    char p[48], buf[8];
    if (am->c.alive)
        return am->c.alive(am->c.arg, id);
    snprintf(p, sizeof(p), "/local/domain/%u", (unsigned)id);
    int rc = am->c.ops->xs_read(am->c.ctx, VSCSI_XS_NO_TXN, p, buf, sizeof(buf));
    return rc >= 0 || rc == -E2BIG;
}

static struct dom *dom_find(struct vscsi_am *am, uint16_t id)
{
    for (unsigned i = 0; i < VSCSI_AM_MAX_DOMS; i++)
        if (am->d[i].st != D_FREE && am->d[i].id == id)
            return &am->d[i];
    return NULL;
}

/* The backend nodes of a dead frontend, and its device/vscsi if the toolstack left it. */
static void reap(struct vscsi_am *am)
{
    const struct vscsi_platform_ops *ops = am->c.ops;
    char root[64], p[96];
    int n;

    snprintf(root, sizeof(root), "/local/domain/%u/backend/vscsi", (unsigned)am->c.backend);
    n = ops->xs_directory(am->c.ctx, VSCSI_XS_NO_TXN, root, am->list2, sizeof(am->list2));
    for (const char *e = am->list2; n > 0; n--, e += strlen(e) + 1) {
        uint16_t f;
        if (vscsi_tool_parse_domid(e, &f) || alive(am, f))
            continue;
        snprintf(p, sizeof(p), "%s/%u", root, (unsigned)f);
        int rc = ops->xs_rm(am->c.ctx, VSCSI_XS_NO_TXN, p);
        snprintf(p, sizeof(p), "/local/domain/%u/device/vscsi", (unsigned)f);
        ops->xs_rm(am->c.ctx, VSCSI_XS_NO_TXN, p);
        if (rc == 0 || rc == -ENOENT) {
            am->st.reaped++;
            say(am, LOG_INFO, "domain %u is gone: removed %s/%u", (unsigned)f, root, (unsigned)f);
        } else {
            say(am, LOG_WARNING, "domain %u is gone but %s/%u stays: %s", (unsigned)f, root,
                (unsigned)f, strerror(-rc));
        }
    }
}

static void attach_dom(struct vscsi_am *am, struct dom *d)
{
    const struct vscsi_platform_ops *ops = am->c.ops;
    char p[64], name[80], be[96], msg[512];
    int rc, n;

    name_path(p, sizeof(p), d->id);
    rc = ops->xs_read(am->c.ctx, VSCSI_XS_NO_TXN, p, name, sizeof(name));
    if (rc == -ENOENT) {
        /* xl writes the name after @introduceDomain: the watch brings us back. */
        d->st = D_WAIT_NAME;
        return;
    }
    d->st = D_DONE;
    if (rc < 0) {
        say(am, LOG_WARNING, "domain %u: %s: %s", (unsigned)d->id, p, strerror(-rc));
        return;
    }
    if (!vscsi_att_name_ok(name)) {
        am->st.bad_names++;
        say(am, LOG_WARNING, "domain %u: name refused (not [A-Za-z0-9_.-], 1-64)", (unsigned)d->id);
        return;
    }
    n = am->c.lookup(am->c.arg, name, am->items, VSCSI_ATT_MAX, msg, sizeof(msg));
    if (n < 0) {
        am->st.failed++;
        say(am, LOG_ERR, "domain %s (%u): attachments refused: %s", name, (unsigned)d->id, msg);
        return;
    }
    if (n == 0)
        return;
    /* A vhost already there was written by us before a restart, or by hand: leave it. */
    snprintf(be, sizeof(be), "/local/domain/%u/backend/vscsi/%u", (unsigned)am->c.backend,
             (unsigned)d->id);
    n = ops->xs_directory(am->c.ctx, VSCSI_XS_NO_TXN, be, am->list2, sizeof(am->list2)) > 0 ? 0 : n;
    if (n == 0) {
        say(am, LOG_INFO, "domain %s (%u): vhosts already present, left as they are", name,
            (unsigned)d->id);
        return;
    }
    rc = vscsi_att_apply(ops, am->c.ctx, am->c.backend, d->id, am->items, (size_t)n, NULL, msg,
                         sizeof(msg));
    if (rc) {
        am->st.failed++;
        say(am, LOG_ERR, "domain %s (%u): nothing attached: %s", name, (unsigned)d->id, msg);
        return;
    }
    am->st.attached++;
    say(am, LOG_NOTICE, "domain %s (%u): %d LUN%s attached", name, (unsigned)d->id, n,
        n == 1 ? "" : "s");
}

void vscsi_am_scan(struct vscsi_am *am)
{
    const struct vscsi_platform_ops *ops = am->c.ops;
    int n;

    reap(am);
    for (unsigned i = 0; i < VSCSI_AM_MAX_DOMS; i++)
        am->d[i].mark = 0;
    n = ops->xs_directory(am->c.ctx, VSCSI_XS_NO_TXN, "/local/domain", am->list, sizeof(am->list));
    for (const char *e = am->list; n > 0; n--, e += strlen(e) + 1) {
        uint16_t id;
        struct dom *d;
        if (vscsi_tool_parse_domid(e, &id) || id == am->c.backend || !alive(am, id))
            continue;
        d = dom_find(am, id);
        for (unsigned i = 0; i < VSCSI_AM_MAX_DOMS && !d; i++)
            if (am->d[i].st == D_FREE) {
                d = &am->d[i];
                d->id = id;
                d->st = D_NEW;
                d->watched = 0;
            }
        if (!d) {
            say(am, LOG_WARNING, "more than %d domains: domain %u not looked at", VSCSI_AM_MAX_DOMS,
                (unsigned)id);
            continue;
        }
        d->mark = 1;
        if (!d->watched && ops->xs_watch) {
            char p[64];
            name_path(p, sizeof(p), id);
            d->watched = ops->xs_watch(am->c.ctx, p, TOK_NAME) == 0;
        }
        if (d->st != D_DONE)
            attach_dom(am, d);
    }
    /* Forgotten once dead, so a domain that later gets the same id is looked at afresh. */
    for (unsigned i = 0; i < VSCSI_AM_MAX_DOMS; i++)
        if (am->d[i].st != D_FREE && !am->d[i].mark) {
            if (am->d[i].watched && ops->xs_unwatch) {
                char p[64];
                name_path(p, sizeof(p), am->d[i].id);
                ops->xs_unwatch(am->c.ctx, p, TOK_NAME);
            }
            am->d[i].st = D_FREE;
            am->d[i].watched = 0;
        }
}

int vscsi_am_start(struct vscsi_am *am)
{
    const struct vscsi_platform_ops *ops = am->c.ops;
    int rc;

    if (!ops->xs_watch)
        return -ENOTSUP;
    if ((rc = ops->xs_watch(am->c.ctx, "@introduceDomain", TOK_INTRO)) ||
        (rc = ops->xs_watch(am->c.ctx, "@releaseDomain", TOK_RELEASE)))
        return rc;
    vscsi_am_scan(am);
    return 0;
}

int vscsi_am_handle_watch(struct vscsi_am *am, const char *path, const char *token)
{
    (void)path;
    if (strcmp(token, TOK_INTRO) && strcmp(token, TOK_RELEASE) && strcmp(token, TOK_NAME))
        return 0;
    vscsi_am_scan(am);
    return 1;
}

void vscsi_am_stats(const struct vscsi_am *am, struct vscsi_am_stats *out)
{
    *out = am->st;
}

int vscsi_am_lookup_dir(const char *dir, const char *name, struct vscsi_att_item *items, size_t max,
                        char *msg, size_t len)
{
    char path[1024], why[400];
    FILE *f;
    char *text;
    size_t n;
    int rc;

    if (!vscsi_att_name_ok(name)) {
        snprintf(msg, len, "bad domain name");
        return -EINVAL;
    }
    if (snprintf(path, sizeof(path), "%s/%s.cfg", dir, name) >= (int)sizeof(path)) {
        snprintf(msg, len, "%s/%s.cfg: path too long", dir, name);
        return -ENAMETOOLONG;
    }
    f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT)
            return 0;
        rc = -errno;
        snprintf(msg, len, "%s: %s", path, strerror(errno));
        return rc;
    }
    /* An xl config is a few KiB; 1 MiB is plenty and bounds what a bad file costs. */
    text = malloc((1u << 20) + 1);
    if (!text) {
        fclose(f);
        snprintf(msg, len, "out of memory");
        return -ENOMEM;
    }
    n = fread(text, 1, (1u << 20) + 1, f);
    fclose(f);
    if (n > (1u << 20)) {
        free(text);
        snprintf(msg, len, "%s: larger than 1 MiB", path);
        return -EFBIG;
    }
    text[n] = '\0';
    if (strlen(text) != n) {
        free(text);
        snprintf(msg, len, "%s: contains a NUL byte", path);
        return -EINVAL;
    }
    rc = vscsi_att_items_from_text(text, items, max, why, sizeof(why));
    free(text);
    if (rc == -ENOENT)
        return 0; /* an xl config without PVSCSI: nothing to attach */
    if (rc < 0)
        snprintf(msg, len, "%s: %s", path, why);
    return rc;
}
