/* SPDX-License-Identifier: MIT */
/*
 * XenStore watches. Firing rule (as xenstored): a change to node N fires every
 * watch on N or an ancestor of N with path N; removing a subtree also fires
 * the watches registered below it, each with its own path. A watcher only
 * hears about nodes it may read (privileged dom0 hears everything). A new
 * watch fires once at once with its own path, whether the node exists or not.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs_internal.h"

static void deliver(const struct vscsi_sim_xs_watch *w, const char *abs)
{
    const char *p = abs;
    if (atomic_load_explicit(&w->dom->xs_lost, memory_order_relaxed))
        return; /* nobody is listening on that connection any more */
    if (w->relative) {
        char home[64];
        size_t len = vscsi_sim_xs_home(w->dom->domid, home, sizeof(home));
        if (strncmp(abs, home, len) == 0)
            p = abs + len;
    }
    vscsi_sim_watch_queue(w->dom, w->serial, p, w->token);
}

static bool may_read(const struct vscsi_sim_xs_watch *w, const struct vscsi_sim_xs_node *n)
{
    return n && (vscsi_sim_xs_perm_for(w->dom->domid, n) & VSCSI_XS_PERM_READ);
}

void vscsi_sim_xs_fire(struct vscsi_sim_xs_req *r, const char *abs, bool recursive)
{
    if (r->txn)
        return;
    const struct vscsi_sim_xs_node *n = vscsi_sim_xs_lookup(r->root, abs);
    for (const struct vscsi_sim_xs_watch *w = r->xs->watches; w; w = w->next) {
        if (w->abs[0] != '/')
            continue;
        if (vscsi_sim_xs_is_under(w->abs, abs)) {
            if (may_read(w, n))
                deliver(w, abs);
        } else if (recursive && vscsi_sim_xs_is_under(abs, w->abs)) {
            const struct vscsi_sim_xs_node *below = vscsi_sim_xs_lookup(r->root, w->abs);
            if (may_read(w, below ? below : n))
                deliver(w, w->abs);
        }
    }
}

void vscsi_sim_xs_fire_special(struct vscsi_sim_xs *xs, const char *name)
{
    for (const struct vscsi_sim_xs_watch *w = xs->watches; w; w = w->next)
        if (strcmp(w->abs, name) == 0)
            deliver(w, w->path);
}

static void watch_free(struct vscsi_sim_xs_watch *w)
{
    free(w->path);
    free(w->abs);
    free(w->token);
    free(w);
}

/* dom NULL drops every watch (teardown). */
void vscsi_sim_xs_watches_drop(struct vscsi_sim_xs *xs, struct vscsi_sim_dom *dom)
{
    struct vscsi_sim_xs_watch **pp = &xs->watches;
    while (*pp) {
        struct vscsi_sim_xs_watch *w = *pp;
        if (!dom || w->dom == dom) {
            *pp = w->next;
            watch_free(w);
        } else {
            pp = &w->next;
        }
    }
}

int vscsi_sim_xs_watch(struct vscsi_sim_dom *dom, const char *path, const char *token)
{
    char abs[VSCSI_SIM_XS_PATHBUF];
    bool rel;
    struct vscsi_sim_hv *hv = dom->hv;
    if (!token || strlen(token) > VSCSI_SIM_XS_PATH_MAX)
        return -EINVAL;
    pthread_mutex_lock(&hv->xs_lock);
    VSCSI_SIM_STAT_ADD(dom, xs_ops, 1);
    int rc = vscsi_sim_dom_dead(dom) ? -ESRCH : vscsi_sim_xs_injected(dom, -E2BIG);
    if (rc == 0)
        rc = vscsi_sim_xs_canon(dom->domid, path, abs, &rel);
    struct vscsi_sim_xs_watch **tail = &hv->xs->watches;
    for (; rc >= 0 && *tail; tail = &(*tail)->next)
        if ((*tail)->dom == dom && strcmp((*tail)->abs, abs) == 0 &&
            strcmp((*tail)->token, token) == 0)
            rc = -EEXIST;
    struct vscsi_sim_xs_watch *w = NULL;
    if (rc >= 0) {
        w = calloc(1, sizeof(*w));
        if (w) {
            w->path = strdup(path);
            w->abs = strdup(abs);
            w->token = strdup(token);
        }
        if (!w || !w->path || !w->abs || !w->token) {
            if (w)
                watch_free(w);
            rc = -ENOMEM;
        }
    }
    if (rc >= 0) {
        /* Appended, so watches fire in registration order. */
        w->dom = dom;
        w->relative = rel;
        w->serial = ++hv->xs->next_serial;
        *tail = w;
        deliver(w, w->abs);
        rc = 0;
    }
    pthread_mutex_unlock(&hv->xs_lock);
    return rc;
}

int vscsi_sim_xs_unwatch(struct vscsi_sim_dom *dom, const char *path, const char *token)
{
    char abs[VSCSI_SIM_XS_PATHBUF];
    struct vscsi_sim_hv *hv = dom->hv;
    if (!token)
        return -EINVAL;
    pthread_mutex_lock(&hv->xs_lock);
    VSCSI_SIM_STAT_ADD(dom, xs_ops, 1);
    int rc = vscsi_sim_dom_dead(dom) ? -ESRCH : vscsi_sim_xs_injected(dom, 0);
    if (rc == 0)
        rc = vscsi_sim_xs_canon(dom->domid, path, abs, NULL);
    if (rc >= 0) {
        rc = -ENOENT;
        for (struct vscsi_sim_xs_watch **pp = &hv->xs->watches; *pp; pp = &(*pp)->next) {
            struct vscsi_sim_xs_watch *w = *pp;
            if (w->dom == dom && strcmp(w->abs, abs) == 0 && strcmp(w->token, token) == 0) {
                *pp = w->next;
                /* Events still queued for it would reach a handler the
                 * caller may be about to free. */
                pthread_mutex_lock(&hv->ev_lock);
                vscsi_sim_watch_purge_locked(dom, w->serial);
                pthread_mutex_unlock(&hv->ev_lock);
                watch_free(w);
                rc = 0;
                break;
            }
        }
    }
    pthread_mutex_unlock(&hv->xs_lock);
    return rc;
}
