/* SPDX-License-Identifier: MIT */
/*
 * XenStore transactions. A transaction sees a private copy of the tree taken
 * at start. For every node it reads, lists or changes it records, before
 * changing anything, whether the node existed and its generation in that copy
 * (which is the live tree's state at start). The commit fails with -EAGAIN if
 * any recorded node differs in the live tree now; otherwise the logged changes
 * are replayed on the live tree, which is also when their watches fire.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs_internal.h"

static void logop_free(struct vscsi_sim_xs_logop *op)
{
    free(op->path);
    free(op->value);
    free(op->perms);
}

void vscsi_sim_xs_txn_free(struct vscsi_sim_xs_txn *t)
{
    if (!t)
        return;
    vscsi_sim_xs_tree_free(t->root);
    for (size_t i = 0; i < t->nacc; i++)
        free(t->acc[i].path);
    free(t->acc);
    for (size_t i = 0; i < t->nlog; i++)
        logop_free(&t->log[i]);
    free(t->log);
    free(t);
}

struct vscsi_sim_xs_txn *vscsi_sim_xs_txn_find(struct vscsi_sim_xs *xs, struct vscsi_sim_dom *dom,
                                               vscsi_xs_txn id)
{
    for (struct vscsi_sim_xs_txn *t = xs->txns; t; t = t->next)
        if (t->id == id && t->dom == dom)
            return t;
    return NULL;
}

static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 16;
    void *p = realloc(*arr, nc * elem);
    if (!p)
        return -ENOMEM;
    *arr = p;
    *cap = nc;
    return 0;
}

int vscsi_sim_xs_txn_note(struct vscsi_sim_xs_txn *t, const char *abs,
                          const struct vscsi_sim_xs_node *n)
{
    /* Only the first access counts: later ones may see the txn's own edits. */
    for (size_t i = 0; i < t->nacc; i++)
        if (strcmp(t->acc[i].path, abs) == 0)
            return 0;
    if (grow((void **)&t->acc, &t->capacc, t->nacc, sizeof(*t->acc)) < 0)
        return -ENOMEM;
    char *p = strdup(abs);
    if (!p)
        return -ENOMEM;
    t->acc[t->nacc++] =
        (struct vscsi_sim_xs_access){.path = p, .existed = n != NULL, .gen = n ? n->gen : 0};
    return 0;
}

int vscsi_sim_xs_txn_log(struct vscsi_sim_xs_txn *t, enum vscsi_sim_xs_logkind kind,
                         const char *abs, const char *value, const struct vscsi_xs_perm *p,
                         unsigned n)
{
    if (grow((void **)&t->log, &t->caplog, t->nlog, sizeof(*t->log)) < 0)
        return -ENOMEM;
    struct vscsi_sim_xs_logop op = {.kind = kind, .nperms = n};
    op.path = strdup(abs);
    op.value = value ? strdup(value) : NULL;
    op.perms = p ? malloc(sizeof(*p) * n) : NULL;
    if (!op.path || (value && !op.value) || (p && !op.perms)) {
        logop_free(&op);
        return -ENOMEM;
    }
    if (p)
        memcpy(op.perms, p, sizeof(*p) * n);
    t->log[t->nlog++] = op;
    return 0;
}

void vscsi_sim_xs_txns_drop(struct vscsi_sim_xs *xs, struct vscsi_sim_dom *dom)
{
    struct vscsi_sim_xs_txn **pp = &xs->txns;
    while (*pp) {
        struct vscsi_sim_xs_txn *t = *pp;
        if (t->dom == dom) {
            *pp = t->next;
            vscsi_sim_xs_txn_free(t);
        } else {
            pp = &t->next;
        }
    }
}

int vscsi_sim_xs_txn_start(struct vscsi_sim_dom *dom, vscsi_xs_txn *id)
{
    if (!id)
        return -EINVAL;
    struct vscsi_sim_hv *hv = dom->hv;
    int rc = 0;
    pthread_mutex_lock(&hv->xs_lock);
    VSCSI_SIM_STAT_ADD(dom, xs_ops, 1);
    struct vscsi_sim_xs *xs = hv->xs;
    struct vscsi_sim_xs_txn *t = NULL;
    if (vscsi_sim_dom_dead(dom)) {
        rc = -ESRCH;
    } else if ((rc = vscsi_sim_xs_injected(dom, 0)) != 0) {
        /* refused as it came */
    } else if (!(t = calloc(1, sizeof(*t))) ||
               !(t->root = vscsi_sim_xs_tree_copy(xs->root, NULL))) {
        free(t);
        rc = -ENOMEM;
    } else {
        /* Ids wrap but skip 0 (no transaction) and ids still in use. */
        do {
            t->id = xs->next_txn++;
        } while (t->id == VSCSI_XS_NO_TXN || vscsi_sim_xs_txn_find(xs, dom, t->id));
        t->dom = dom;
        t->next = xs->txns;
        xs->txns = t;
        *id = t->id;
    }
    pthread_mutex_unlock(&hv->xs_lock);
    return rc;
}

static bool conflicts(struct vscsi_sim_xs *xs, const struct vscsi_sim_xs_txn *t)
{
    for (size_t i = 0; i < t->nacc; i++) {
        const struct vscsi_sim_xs_access *a = &t->acc[i];
        const struct vscsi_sim_xs_node *n = vscsi_sim_xs_lookup(xs->root, a->path);
        if ((n != NULL) != a->existed || (n && n->gen != a->gen))
            return true;
    }
    return false;
}

/* Nothing the commit checked can have changed, and the request was already
 * judged against permissions inside the transaction, so replay unchecked. */
static void replay(struct vscsi_sim_xs *xs, const struct vscsi_sim_xs_txn *t)
{
    struct vscsi_sim_xs_req r = {.xs = xs, .dom = t->dom, .domid = t->dom->domid, .root = xs->root};
    for (size_t i = 0; i < t->nlog; i++) {
        const struct vscsi_sim_xs_logop *op = &t->log[i];
        switch (op->kind) {
        case VSCSI_SIM_XS_LOG_WRITE:
            vscsi_sim_xs_do_write(&r, op->path, op->value, false);
            break;
        case VSCSI_SIM_XS_LOG_MKDIR:
            vscsi_sim_xs_do_write(&r, op->path, "", true);
            break;
        case VSCSI_SIM_XS_LOG_RM:
            vscsi_sim_xs_do_rm(&r, op->path);
            break;
        case VSCSI_SIM_XS_LOG_PERMS:
            vscsi_sim_xs_do_set_perms(&r, op->path, op->perms, op->nperms);
            break;
        }
    }
}

int vscsi_sim_xs_txn_end(struct vscsi_sim_dom *dom, vscsi_xs_txn id, int abort)
{
    struct vscsi_sim_hv *hv = dom->hv;
    int rc = 0;
    pthread_mutex_lock(&hv->xs_lock);
    VSCSI_SIM_STAT_ADD(dom, xs_ops, 1);
    struct vscsi_sim_xs *xs = hv->xs;
    if (!vscsi_sim_dom_dead(dom) && (rc = vscsi_sim_xs_injected(dom, 0)) != 0) {
        pthread_mutex_unlock(&hv->xs_lock);
        return rc; /* the transaction stays open, as after a lost reply */
    }
    struct vscsi_sim_xs_txn *t =
        vscsi_sim_dom_dead(dom) ? NULL : vscsi_sim_xs_txn_find(xs, dom, id);
    if (!t) {
        rc = vscsi_sim_dom_dead(dom) ? -ESRCH : -ENOENT;
    } else {
        struct vscsi_sim_xs_txn **pp = &xs->txns;
        while (*pp != t)
            pp = &(*pp)->next;
        *pp = t->next;
        if (!abort) {
            if (vscsi_sim_fault_hit(dom, VSCSI_SIM_FAULT_XS_CONFLICT) || conflicts(xs, t))
                rc = -EAGAIN;
            else
                replay(xs, t);
        }
        vscsi_sim_xs_txn_free(t);
    }
    pthread_mutex_unlock(&hv->xs_lock);
    return rc;
}
