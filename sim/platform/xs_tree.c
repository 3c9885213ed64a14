/* SPDX-License-Identifier: MIT */
/* The XenStore tree itself: nodes, lookup, deep copy (for transactions). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "xs_internal.h"

struct vscsi_sim_xs_node *vscsi_sim_xs_node_new(const char *name, size_t nlen)
{
    struct vscsi_sim_xs_node *n = calloc(1, sizeof(*n));
    if (!n)
        return NULL;
    n->name = strndup(name, nlen);
    n->value = strdup("");
    if (!n->name || !n->value) {
        free(n->name);
        free(n->value);
        free(n);
        return NULL;
    }
    return n;
}

void vscsi_sim_xs_tree_free(struct vscsi_sim_xs_node *n)
{
    if (!n)
        return;
    for (uint32_t i = 0; i < n->nkids; i++)
        vscsi_sim_xs_tree_free(n->kids[i]);
    free(n->kids);
    free(n->name);
    free(n->value);
    free(n->perms);
    free(n);
}

int vscsi_sim_xs_kids_reserve(struct vscsi_sim_xs_node *n)
{
    if (n->nkids < n->capkids)
        return 0;
    uint32_t cap = n->capkids ? n->capkids * 2 : 4;
    struct vscsi_sim_xs_node **k = realloc(n->kids, sizeof(*k) * cap);
    if (!k)
        return -ENOMEM;
    n->kids = k;
    n->capkids = cap;
    return 0;
}

struct vscsi_sim_xs_node *vscsi_sim_xs_tree_copy(const struct vscsi_sim_xs_node *n,
                                                 struct vscsi_sim_xs_node *parent)
{
    struct vscsi_sim_xs_node *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->parent = parent;
    c->gen = n->gen;
    c->vlen = n->vlen;
    c->nperms = n->nperms;
    c->name = strdup(n->name);
    c->value = malloc(n->vlen + 1);
    c->perms = malloc(sizeof(*c->perms) * n->nperms);
    c->kids = n->nkids ? malloc(sizeof(*c->kids) * n->nkids) : NULL;
    if (!c->name || !c->value || !c->perms || (n->nkids && !c->kids)) {
        vscsi_sim_xs_tree_free(c);
        return NULL;
    }
    c->capkids = n->nkids;
    memcpy(c->value, n->value, n->vlen + 1);
    memcpy(c->perms, n->perms, sizeof(*c->perms) * n->nperms);
    for (uint32_t i = 0; i < n->nkids; i++) {
        c->kids[i] = vscsi_sim_xs_tree_copy(n->kids[i], c);
        if (!c->kids[i]) {
            vscsi_sim_xs_tree_free(c);
            return NULL;
        }
        c->nkids++;
    }
    return c;
}

static struct vscsi_sim_xs_node *child_find(const struct vscsi_sim_xs_node *n, const char *name,
                                            size_t len)
{
    for (uint32_t i = 0; i < n->nkids; i++)
        if (strncmp(n->kids[i]->name, name, len) == 0 && n->kids[i]->name[len] == '\0')
            return n->kids[i];
    return NULL;
}

/* Deepest existing node on the way to abs; *rest is the first missing
 * component (pointing at its leading '/'), or the end if abs exists. */
struct vscsi_sim_xs_node *vscsi_sim_xs_walk(struct vscsi_sim_xs_node *root, const char *abs,
                                            const char **rest)
{
    struct vscsi_sim_xs_node *n = root;
    const char *p = abs;
    while (p[0] == '/' && p[1] != '\0') {
        const char *name = p + 1;
        size_t len = strcspn(name, "/");
        struct vscsi_sim_xs_node *c = child_find(n, name, len);
        if (!c)
            break;
        n = c;
        p = name + len;
    }
    *rest = p;
    return n;
}

struct vscsi_sim_xs_node *vscsi_sim_xs_lookup(struct vscsi_sim_xs_node *root, const char *abs)
{
    const char *rest;
    struct vscsi_sim_xs_node *n = vscsi_sim_xs_walk(root, abs, &rest);
    return (*rest == '\0' || strcmp(rest, "/") == 0) ? n : NULL;
}

void vscsi_sim_xs_node_unlink(struct vscsi_sim_xs_node *n)
{
    struct vscsi_sim_xs_node *p = n->parent;
    for (uint32_t i = 0; i < p->nkids; i++) {
        if (p->kids[i] == n) {
            memmove(&p->kids[i], &p->kids[i + 1], sizeof(*p->kids) * (p->nkids - i - 1));
            p->nkids--;
            return;
        }
    }
}
