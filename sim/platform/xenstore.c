/* SPDX-License-Identifier: MIT */
/*
 * XenStore requests and the mutations they make. Every mutation first records what it
 * touches in the transaction (if any) and logs itself, then changes the tree,
 * so a failed allocation never leaves a half-done change behind. Watches fire
 * only for changes to the live tree; a transaction's changes fire at commit,
 * when they are replayed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xs_internal.h"

/* ---- mutations on one tree ---- */

static uint64_t next_gen(struct vscsi_sim_xs_req *r)
{
    /* A transaction's private tree needs no generations: conflicts are
     * judged on what it recorded before changing anything. */
    return r->txn ? 0 : ++r->xs->gen;
}

static bool allowed(const struct vscsi_sim_xs_req *r, const struct vscsi_sim_xs_node *n,
                    unsigned want)
{
    return !r->check_perms || (vscsi_sim_xs_perm_for(r->domid, n) & want) == want;
}

static int note(struct vscsi_sim_xs_req *r, const char *abs, const struct vscsi_sim_xs_node *n)
{
    return r->txn ? vscsi_sim_xs_txn_note(r->txn, abs, n) : 0;
}

static int note_parent(struct vscsi_sim_xs_req *r, const char *abs,
                       const struct vscsi_sim_xs_node *parent)
{
    char buf[VSCSI_SIM_XS_PATHBUF];
    const char *slash = strrchr(abs, '/');
    size_t len = slash == abs ? 1 : (size_t)(slash - abs);
    memcpy(buf, abs, len);
    buf[len] = '\0';
    return note(r, buf, parent);
}

static int note_subtree(struct vscsi_sim_xs_req *r, char *path, size_t len,
                        const struct vscsi_sim_xs_node *n)
{
    int rc = note(r, path, n);
    for (uint32_t i = 0; rc == 0 && i < n->nkids; i++) {
        size_t nl = strlen(n->kids[i]->name);
        if (len + 1 + nl > VSCSI_SIM_XS_PATH_MAX)
            continue; /* cannot exist: every node was created by a valid path */
        path[len] = '/';
        memcpy(path + len + 1, n->kids[i]->name, nl + 1);
        rc = note_subtree(r, path, len + 1 + nl, n->kids[i]);
        path[len] = '\0';
    }
    return rc;
}

static int log_op(struct vscsi_sim_xs_req *r, enum vscsi_sim_xs_logkind kind, const char *abs,
                  const char *value, const struct vscsi_xs_perm *p, unsigned n)
{
    return r->txn ? vscsi_sim_xs_txn_log(r->txn, kind, abs, value, p, n) : 0;
}

static int write_existing(struct vscsi_sim_xs_req *r, const char *abs, struct vscsi_sim_xs_node *n,
                          const char *value, bool mkdir)
{
    if (!allowed(r, n, VSCSI_XS_PERM_WRITE))
        return -EACCES;
    if (mkdir)
        return note(r, abs, n);
    char *v = strdup(value);
    if (!v)
        return -ENOMEM;
    int rc = note(r, abs, n);
    if (rc == 0)
        rc = log_op(r, VSCSI_SIM_XS_LOG_WRITE, abs, value, NULL, 0);
    if (rc < 0) {
        free(v);
        return rc;
    }
    free(n->value);
    n->value = v;
    n->vlen = (uint32_t)strlen(v);
    n->gen = next_gen(r);
    vscsi_sim_xs_fire(r, abs, false);
    return 0;
}

/* Creates the missing tail of abs below `anc` as a detached chain. */
static struct vscsi_sim_xs_node *build_chain(struct vscsi_sim_xs_req *r,
                                             const struct vscsi_sim_xs_node *anc, const char *rest,
                                             const char *value, struct vscsi_sim_xs_node **leaf)
{
    struct vscsi_sim_xs_node *head = NULL, *prev = NULL;
    const struct vscsi_sim_xs_node *perm_src = anc;
    while (rest[0] == '/' && rest[1] != '\0') {
        const char *name = rest + 1;
        size_t len = strcspn(name, "/");
        struct vscsi_sim_xs_node *n = vscsi_sim_xs_node_new(name, len);
        if (!n || vscsi_sim_xs_perms_inherit(perm_src, r->domid, &n->perms, &n->nperms) < 0 ||
            (prev && vscsi_sim_xs_kids_reserve(prev) < 0)) {
            vscsi_sim_xs_tree_free(n);
            vscsi_sim_xs_tree_free(head);
            return NULL;
        }
        if (prev) {
            n->parent = prev;
            prev->kids[prev->nkids++] = n;
        } else {
            head = n;
        }
        prev = n;
        perm_src = n;
        rest = name + len;
    }
    if (prev && value[0]) {
        char *v = strdup(value);
        if (!v) {
            vscsi_sim_xs_tree_free(head);
            return NULL;
        }
        free(prev->value);
        prev->value = v;
        prev->vlen = (uint32_t)strlen(v);
    }
    *leaf = prev;
    return head;
}

static void set_gen(struct vscsi_sim_xs_node *n, uint64_t gen)
{
    n->gen = gen;
    for (uint32_t i = 0; i < n->nkids; i++)
        set_gen(n->kids[i], gen);
}

int vscsi_sim_xs_do_write(struct vscsi_sim_xs_req *r, const char *abs, const char *value,
                          bool mkdir)
{
    const char *rest;
    struct vscsi_sim_xs_node *anc = vscsi_sim_xs_walk(r->root, abs, &rest);
    if (*rest == '\0' || strcmp(rest, "/") == 0)
        return write_existing(r, abs, anc, value, mkdir);
    if (!allowed(r, anc, VSCSI_XS_PERM_WRITE))
        return -EACCES;
    struct vscsi_sim_xs_node *leaf;
    struct vscsi_sim_xs_node *chain = build_chain(r, anc, rest, mkdir ? "" : value, &leaf);
    if (!chain || vscsi_sim_xs_kids_reserve(anc) < 0) {
        vscsi_sim_xs_tree_free(chain);
        return -ENOMEM;
    }
    /* The ancestor's children change; every new node did not exist before. */
    int rc = 0;
    if (r->txn) {
        char buf[VSCSI_SIM_XS_PATHBUF];
        size_t anc_len = (size_t)(rest - abs);
        memcpy(buf, abs, anc_len);
        buf[anc_len] = '\0';
        rc = note(r, anc_len ? buf : "/", anc);
        for (const char *p = rest; rc == 0 && *p; p++) {
            const char *end = strchr(p + 1, '/');
            size_t len = end ? (size_t)(end - abs) : strlen(abs);
            memcpy(buf, abs, len);
            buf[len] = '\0';
            rc = note(r, buf, NULL);
            p = abs + len - 1;
        }
        if (rc == 0)
            rc = log_op(r, mkdir ? VSCSI_SIM_XS_LOG_MKDIR : VSCSI_SIM_XS_LOG_WRITE, abs, value,
                        NULL, 0);
    }
    if (rc < 0) {
        vscsi_sim_xs_tree_free(chain);
        return rc;
    }
    uint64_t gen = next_gen(r);
    set_gen(chain, gen);
    chain->parent = anc;
    anc->kids[anc->nkids++] = chain;
    anc->gen = gen;
    vscsi_sim_xs_fire(r, abs, false);
    return 0;
}

int vscsi_sim_xs_do_rm(struct vscsi_sim_xs_req *r, const char *abs)
{
    struct vscsi_sim_xs_node *n = vscsi_sim_xs_lookup(r->root, abs);
    if (!n) {
        /* Like xenstored: removing what is already gone is fine if the
         * parent exists. */
        char parent[VSCSI_SIM_XS_PATHBUF];
        const char *slash = strrchr(abs, '/');
        size_t len = slash == abs ? 1 : (size_t)(slash - abs);
        memcpy(parent, abs, len);
        parent[len] = '\0';
        int rc = note(r, abs, NULL);
        if (rc < 0)
            return rc;
        return vscsi_sim_xs_lookup(r->root, parent) ? 0 : -ENOENT;
    }
    if (n == r->root)
        return -EINVAL;
    if (!allowed(r, n, VSCSI_XS_PERM_WRITE))
        return -EACCES;
    int rc = 0;
    if (r->txn) {
        char buf[VSCSI_SIM_XS_PATHBUF];
        size_t len = strlen(abs);
        memcpy(buf, abs, len + 1);
        rc = note_parent(r, abs, n->parent);
        if (rc == 0)
            rc = note_subtree(r, buf, len, n);
        if (rc == 0)
            rc = log_op(r, VSCSI_SIM_XS_LOG_RM, abs, NULL, NULL, 0);
        if (rc < 0)
            return rc;
    }
    /* Fire first: watchers below the removed node are judged by the
     * permissions of their own node, which must still be there. */
    vscsi_sim_xs_fire(r, abs, true);
    struct vscsi_sim_xs_node *parent = n->parent;
    vscsi_sim_xs_node_unlink(n);
    parent->gen = next_gen(r);
    vscsi_sim_xs_tree_free(n);
    return 0;
}

int vscsi_sim_xs_do_set_perms(struct vscsi_sim_xs_req *r, const char *abs,
                              const struct vscsi_xs_perm *p, unsigned n)
{
    int rc = vscsi_sim_xs_perms_validate(p, n);
    if (rc < 0)
        return rc;
    struct vscsi_sim_xs_node *node = vscsi_sim_xs_lookup(r->root, abs);
    if (!node) {
        note(r, abs, NULL);
        return -ENOENT;
    }
    if (!allowed(r, node, VSCSI_XS_PERM_WRITE))
        return -EACCES;
    /* Only dom0 may give a node away. */
    if (r->check_perms && r->domid != 0 && p[0].domid != node->perms[0].domid)
        return -EPERM;
    struct vscsi_xs_perm *copy = malloc(sizeof(*copy) * n);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, p, sizeof(*copy) * n);
    rc = note(r, abs, node);
    if (rc == 0)
        rc = log_op(r, VSCSI_SIM_XS_LOG_PERMS, abs, NULL, p, n);
    if (rc < 0) {
        free(copy);
        return rc;
    }
    free(node->perms);
    node->perms = copy;
    node->nperms = n;
    node->gen = next_gen(r);
    vscsi_sim_xs_fire(r, abs, false);
    return 0;
}

/* ---- requests of a domain ---- */

int vscsi_sim_xs_injected(struct vscsi_sim_dom *dom, int quota_rc)
{
    if (atomic_load_explicit(&dom->xs_lost, memory_order_relaxed))
        return -EIO;
    if (!vscsi_sim_faults_armed(dom))
        return 0;
    if (vscsi_sim_fault_hit_slow(dom, VSCSI_SIM_FAULT_XS_LOST)) {
        atomic_store_explicit(&dom->xs_lost, true, memory_order_relaxed);
        pthread_mutex_lock(&dom->hv->ev_lock);
        vscsi_sim_watch_purge_locked(dom, 0);
        pthread_mutex_unlock(&dom->hv->ev_lock);
        return -EIO;
    }
    if (vscsi_sim_fault_hit_slow(dom, VSCSI_SIM_FAULT_XS_EIO))
        return -EIO;
    if (vscsi_sim_fault_hit_slow(dom, VSCSI_SIM_FAULT_XS_EACCES))
        return -EACCES;
    if (quota_rc && vscsi_sim_fault_hit_slow(dom, VSCSI_SIM_FAULT_XS_QUOTA))
        return quota_rc;
    return 0;
}

/* Locks the store, counts the request and resolves path and transaction. */
static int req_begin_q(struct vscsi_sim_dom *dom, vscsi_xs_txn t, const char *path,
                       char abs[VSCSI_SIM_XS_PATHBUF], struct vscsi_sim_xs_req *r, int quota_rc)
{
    struct vscsi_sim_hv *hv = dom->hv;
    pthread_mutex_lock(&hv->xs_lock);
    VSCSI_SIM_STAT_ADD(dom, xs_ops, 1);
    *r = (struct vscsi_sim_xs_req){
        .xs = hv->xs, .dom = dom, .domid = dom->domid, .root = hv->xs->root, .check_perms = true};
    if (vscsi_sim_dom_dead(dom))
        return -ESRCH;
    int rc = vscsi_sim_xs_injected(dom, quota_rc);
    if (rc)
        return rc;
    rc = vscsi_sim_xs_canon(dom->domid, path, abs, NULL);
    if (rc != 0)
        return -EINVAL; /* "@..." names are only for watches */
    if (t != VSCSI_XS_NO_TXN) {
        r->txn = vscsi_sim_xs_txn_find(hv->xs, dom, t);
        if (!r->txn)
            return -ENOENT;
        r->root = r->txn->root;
    }
    return 0;
}

static int req_begin(struct vscsi_sim_dom *dom, vscsi_xs_txn t, const char *path,
                     char abs[VSCSI_SIM_XS_PATHBUF], struct vscsi_sim_xs_req *r)
{
    return req_begin_q(dom, t, path, abs, r, 0);
}

static int req_end(struct vscsi_sim_dom *dom, int rc)
{
    pthread_mutex_unlock(&dom->hv->xs_lock);
    return rc;
}

/* A read-type request: the node, readable, recorded in the transaction. */
static int req_node(struct vscsi_sim_xs_req *r, const char *abs, struct vscsi_sim_xs_node **out)
{
    struct vscsi_sim_xs_node *n = vscsi_sim_xs_lookup(r->root, abs);
    int rc = note(r, abs, n);
    if (rc < 0)
        return rc;
    if (!n)
        return -ENOENT;
    if (!allowed(r, n, VSCSI_XS_PERM_READ))
        return -EACCES;
    *out = n;
    return 0;
}

int vscsi_sim_xs_read(struct vscsi_sim_dom *dom, vscsi_xs_txn t, const char *path, char *buf,
                      size_t buflen)
{
    char abs[VSCSI_SIM_XS_PATHBUF];
    struct vscsi_sim_xs_req r;
    struct vscsi_sim_xs_node *n;
    int rc = req_begin(dom, t, path, abs, &r);
    if (rc == 0 && !buf)
        rc = -EINVAL;
    if (rc == 0)
        rc = req_node(&r, abs, &n);
    if (rc == 0) {
        if ((size_t)n->vlen + 1 > buflen) {
            rc = -E2BIG;
        } else {
            memcpy(buf, n->value, n->vlen + 1);
            rc = (int)n->vlen;
        }
    }
    return req_end(dom, rc);
}

int vscsi_sim_xs_directory(struct vscsi_sim_dom *dom, vscsi_xs_txn t, const char *path, char *buf,
                           size_t buflen)
{
    char abs[VSCSI_SIM_XS_PATHBUF];
    struct vscsi_sim_xs_req r;
    struct vscsi_sim_xs_node *n;
    int rc = req_begin(dom, t, path, abs, &r);
    if (rc == 0 && !buf && buflen)
        rc = -EINVAL;
    if (rc == 0)
        rc = req_node(&r, abs, &n);
    if (rc == 0) {
        size_t used = 0;
        for (uint32_t i = 0; i < n->nkids && rc == 0; i++) {
            size_t l = strlen(n->kids[i]->name) + 1;
            if (used + l > buflen)
                rc = -E2BIG;
            else
                memcpy(buf + used, n->kids[i]->name, l);
            used += l;
        }
        if (rc == 0)
            rc = (int)n->nkids;
    }
    return req_end(dom, rc);
}

int vscsi_sim_xs_write(struct vscsi_sim_dom *dom, vscsi_xs_txn t, const char *path,
                       const char *value)
{
    char abs[VSCSI_SIM_XS_PATHBUF];
    struct vscsi_sim_xs_req r;
    int rc = req_begin_q(dom, t, path, abs, &r, -ENOSPC);
    if (rc == 0 && !value)
        rc = -EINVAL;
    if (rc == 0 && strlen(value) > VSCSI_SIM_XS_VALUE_MAX)
        rc = -E2BIG;
    if (rc == 0)
        rc = vscsi_sim_xs_do_write(&r, abs, value, false);
    return req_end(dom, rc);
}

int vscsi_sim_xs_mkdir(struct vscsi_sim_dom *dom, vscsi_xs_txn t, const char *path)
{
    char abs[VSCSI_SIM_XS_PATHBUF];
    struct vscsi_sim_xs_req r;
    int rc = req_begin_q(dom, t, path, abs, &r, -ENOSPC);
    if (rc == 0)
        rc = vscsi_sim_xs_do_write(&r, abs, "", true);
    return req_end(dom, rc);
}

int vscsi_sim_xs_rm(struct vscsi_sim_dom *dom, vscsi_xs_txn t, const char *path)
{
    char abs[VSCSI_SIM_XS_PATHBUF];
    struct vscsi_sim_xs_req r;
    int rc = req_begin(dom, t, path, abs, &r);
    if (rc == 0)
        rc = vscsi_sim_xs_do_rm(&r, abs);
    return req_end(dom, rc);
}

int vscsi_sim_xs_set_perms(struct vscsi_sim_dom *dom, vscsi_xs_txn t, const char *path,
                           const struct vscsi_xs_perm *p, unsigned n)
{
    char abs[VSCSI_SIM_XS_PATHBUF];
    struct vscsi_sim_xs_req r;
    int rc = req_begin(dom, t, path, abs, &r);
    if (rc == 0)
        rc = vscsi_sim_xs_do_set_perms(&r, abs, p, n);
    return req_end(dom, rc);
}

/* ---- lifecycle ---- */

int vscsi_sim_xs_init(struct vscsi_sim_hv *hv)
{
    struct vscsi_sim_xs *xs = calloc(1, sizeof(*xs));
    if (!xs)
        return -ENOMEM;
    xs->next_txn = 1;
    xs->root = vscsi_sim_xs_node_new("", 0);
    if (xs->root)
        xs->root->perms = calloc(1, sizeof(*xs->root->perms)); /* owner 0, others none */
    if (!xs->root || !xs->root->perms) {
        vscsi_sim_xs_tree_free(xs->root);
        free(xs);
        return -ENOMEM;
    }
    xs->root->nperms = 1;
    hv->xs = xs;
    struct vscsi_sim_xs_req r = {.xs = xs, .domid = 0, .root = xs->root};
    int rc = vscsi_sim_xs_do_write(&r, "/local/domain", "", true);
    if (rc < 0) {
        vscsi_sim_xs_fini(hv);
        return rc;
    }
    return 0;
}

void vscsi_sim_xs_fini(struct vscsi_sim_hv *hv)
{
    struct vscsi_sim_xs *xs = hv->xs;
    if (!xs)
        return;
    while (xs->txns) {
        struct vscsi_sim_xs_txn *t = xs->txns;
        xs->txns = t->next;
        vscsi_sim_xs_txn_free(t);
    }
    vscsi_sim_xs_watches_drop(xs, NULL);
    vscsi_sim_xs_tree_free(xs->root);
    free(xs);
    hv->xs = NULL;
}

/* What the toolstack does when it builds a domain: its home directory, owned
 * by the domain, closed to everybody else. */
int vscsi_sim_xs_dom_created(struct vscsi_sim_dom *dom)
{
    struct vscsi_sim_hv *hv = dom->hv;
    char home[VSCSI_SIM_XS_PATHBUF];
    size_t len = vscsi_sim_xs_home(dom->domid, home, sizeof(home));
    home[len - 1] = '\0';
    struct vscsi_xs_perm perm = {.domid = dom->domid, .perms = VSCSI_XS_PERM_NONE};
    pthread_mutex_lock(&hv->xs_lock);
    struct vscsi_sim_xs_req r = {.xs = hv->xs, .domid = 0, .root = hv->xs->root};
    int rc = vscsi_sim_xs_do_write(&r, home, "", true);
    if (rc == 0)
        rc = vscsi_sim_xs_do_set_perms(&r, home, &perm, 1);
    if (rc == 0)
        vscsi_sim_xs_fire_special(hv->xs, "@introduceDomain");
    pthread_mutex_unlock(&hv->xs_lock);
    return rc;
}

void vscsi_sim_xs_dom_dying(struct vscsi_sim_dom *dom)
{
    struct vscsi_sim_hv *hv = dom->hv;
    pthread_mutex_lock(&hv->xs_lock);
    vscsi_sim_xs_watches_drop(hv->xs, dom);
    vscsi_sim_xs_txns_drop(hv->xs, dom);
    vscsi_sim_xs_fire_special(hv->xs, "@releaseDomain");
    pthread_mutex_unlock(&hv->xs_lock);
}

/* A process's connection closes; the domain and its nodes stay. */
void vscsi_sim_xs_process_exit(struct vscsi_sim_dom *dom)
{
    struct vscsi_sim_hv *hv = dom->hv;
    pthread_mutex_lock(&hv->xs_lock);
    vscsi_sim_xs_watches_drop(hv->xs, dom);
    vscsi_sim_xs_txns_drop(hv->xs, dom);
    pthread_mutex_unlock(&hv->xs_lock);
}
