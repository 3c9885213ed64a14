/* SPDX-License-Identifier: MIT */
/*
 * Private structures of the simulated XenStore. Everything here is under
 * hv->xs_lock. A transaction works on a private deep copy of the tree (the
 * way the old tdb-based xenstored did), records which nodes it looked at and
 * logs what it changed; its commit checks the recorded nodes against the live
 * tree and replays the log.
 */
#ifndef VSCSI_SIM_XS_INTERNAL_H
#define VSCSI_SIM_XS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv_internal.h"

struct vscsi_sim_xs_node {
    char *name;
    char *value;
    uint32_t vlen;
    struct vscsi_xs_perm *perms; /* [0] = owner + default for others */
    uint32_t nperms;
    uint64_t gen; /* bumped on value, perms or children change */
    struct vscsi_sim_xs_node *parent;
    struct vscsi_sim_xs_node **kids;
    uint32_t nkids, capkids;
};

struct vscsi_sim_xs_access {
    char *path;
    bool existed;
    uint64_t gen;
};

enum vscsi_sim_xs_logkind {
    VSCSI_SIM_XS_LOG_WRITE,
    VSCSI_SIM_XS_LOG_MKDIR,
    VSCSI_SIM_XS_LOG_RM,
    VSCSI_SIM_XS_LOG_PERMS
};

struct vscsi_sim_xs_logop {
    enum vscsi_sim_xs_logkind kind;
    char *path;
    char *value;
    struct vscsi_xs_perm *perms;
    unsigned nperms;
};

struct vscsi_sim_xs_txn {
    struct vscsi_sim_xs_txn *next;
    uint32_t id;
    struct vscsi_sim_dom *dom;
    struct vscsi_sim_xs_node *root;
    struct vscsi_sim_xs_access *acc;
    size_t nacc, capacc;
    struct vscsi_sim_xs_logop *log;
    size_t nlog, caplog;
};

struct vscsi_sim_xs_watch {
    struct vscsi_sim_xs_watch *next;
    struct vscsi_sim_dom *dom;
    uint64_t serial;
    char *path; /* as registered */
    char *abs;  /* canonical absolute form, or the "@..." name */
    char *token;
    bool relative;
};

struct vscsi_sim_xs {
    struct vscsi_sim_xs_node *root;
    uint64_t gen;
    struct vscsi_sim_xs_watch *watches;
    struct vscsi_sim_xs_txn *txns;
    uint32_t next_txn;
    uint64_t next_serial;
};

/* One request: whose, against which tree, inside which transaction. dom is
 * NULL for the hypervisor's own bookkeeping writes (done as dom0). */
struct vscsi_sim_xs_req {
    struct vscsi_sim_xs *xs;
    struct vscsi_sim_dom *dom;
    uint16_t domid;
    struct vscsi_sim_xs_node *root;
    struct vscsi_sim_xs_txn *txn;
    bool check_perms;
};

#define VSCSI_SIM_XS_PATHBUF (VSCSI_SIM_XS_PATH_MAX + 1)

/* xs_path.c: canonical absolute path of `in` for domid (relative paths are
 * under /local/domain/<domid>). 0 for a node path, 1 for a "@..." watch-only
 * name, -EINVAL if invalid or too long. */
int vscsi_sim_xs_canon(uint16_t domid, const char *in, char out[VSCSI_SIM_XS_PATHBUF],
                       bool *relative);
/* Whether `child` is `parent` or below it. */
bool vscsi_sim_xs_is_under(const char *parent, const char *child);
/* "/local/domain/<domid>/" into buf; returns its length. */
size_t vscsi_sim_xs_home(uint16_t domid, char *buf, size_t len);

/* xs_perms.c */
unsigned vscsi_sim_xs_perm_for(uint16_t domid, const struct vscsi_sim_xs_node *n);
int vscsi_sim_xs_perms_inherit(const struct vscsi_sim_xs_node *parent, uint16_t writer,
                               struct vscsi_xs_perm **out, uint32_t *nout);
int vscsi_sim_xs_perms_validate(const struct vscsi_xs_perm *p, unsigned n);

/* xs_tree.c */
struct vscsi_sim_xs_node *vscsi_sim_xs_node_new(const char *name, size_t nlen);
int vscsi_sim_xs_kids_reserve(struct vscsi_sim_xs_node *n);
void vscsi_sim_xs_node_unlink(struct vscsi_sim_xs_node *n);
/* Deepest existing node on the way to abs; *rest is the first missing
 * component (at its leading '/'), or the end of abs if abs exists. */
struct vscsi_sim_xs_node *vscsi_sim_xs_walk(struct vscsi_sim_xs_node *root, const char *abs,
                                            const char **rest);
struct vscsi_sim_xs_node *vscsi_sim_xs_lookup(struct vscsi_sim_xs_node *root, const char *abs);
struct vscsi_sim_xs_node *vscsi_sim_xs_tree_copy(const struct vscsi_sim_xs_node *n,
                                                 struct vscsi_sim_xs_node *parent);
void vscsi_sim_xs_tree_free(struct vscsi_sim_xs_node *n);

/* xenstore.c: the operations on one tree. */
int vscsi_sim_xs_do_write(struct vscsi_sim_xs_req *r, const char *abs, const char *value,
                          bool mkdir);
int vscsi_sim_xs_do_rm(struct vscsi_sim_xs_req *r, const char *abs);
int vscsi_sim_xs_do_set_perms(struct vscsi_sim_xs_req *r, const char *abs,
                              const struct vscsi_xs_perm *p, unsigned n);

/* xs_watch.c */
void vscsi_sim_xs_fire(struct vscsi_sim_xs_req *r, const char *abs, bool recursive);
void vscsi_sim_xs_fire_special(struct vscsi_sim_xs *xs, const char *name);
void vscsi_sim_xs_watches_drop(struct vscsi_sim_xs *xs, struct vscsi_sim_dom *dom);

/* xs_txn.c */
struct vscsi_sim_xs_txn *vscsi_sim_xs_txn_find(struct vscsi_sim_xs *xs, struct vscsi_sim_dom *dom,
                                               vscsi_xs_txn id);
int vscsi_sim_xs_txn_note(struct vscsi_sim_xs_txn *t, const char *abs,
                          const struct vscsi_sim_xs_node *n);
int vscsi_sim_xs_txn_log(struct vscsi_sim_xs_txn *t, enum vscsi_sim_xs_logkind kind,
                         const char *abs, const char *value, const struct vscsi_xs_perm *p,
                         unsigned n);
void vscsi_sim_xs_txns_drop(struct vscsi_sim_xs *xs, struct vscsi_sim_dom *dom);
void vscsi_sim_xs_txn_free(struct vscsi_sim_xs_txn *t);

#endif /* VSCSI_SIM_XS_INTERNAL_H */
