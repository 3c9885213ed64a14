/* SPDX-License-Identifier: MIT */
/*
 * vscsi-back: a userspace PVSCSI backend (scsiback) for dom0 or a driver
 * domain. It watches <own domain>/backend/vscsi, runs one backend engine per
 * <frontend domid>/<vhost> directory the toolstack creates (vscsi-attach),
 * and serves the vhost's LUNs from the fake target (disk, tape, changer) or
 * by SG_IO passthrough of real devices.
 *
 * Do not load the kernel's xen-scsiback at the same time: it binds every
 * backend/vscsi device of the domain as well.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sgio.h"
#include "tools.h"
#include "vscsi_cli.h"
#include "vscsiif/back.h"
#include "vscsiif/wire.h"
#ifdef VSCSI_HAVE_FAKE
#include "target/bridge.h"
#include "target/target.h"
#endif

#define MAX_VHOSTS  64
#define MAX_FAKE    16
#define ROOT_TOKEN  "vscsi-back:root"
#define FAKE_ALIAS  "vscsi_fake"
#define PROG        "vscsi-back"
#define MAX_DISK_MB (1u << 20) /* 1 TiB per fake disk */

struct vhost {
    int used;
    int done; /* engine freed; remembered until the toolstack removes the directory */
    int seen; /* present in the last scan */
    char path[96];
    struct vscsi_back *b;
};

struct lun {
    int fake;
    void *inner;
};

static struct {
    struct vscsi_xen *x;
    uint16_t self;
    char root[64];
    struct vhost vh[MAX_VHOSTS];
    int trace, once, sg, served, map_mode;
    unsigned sg_timeout_ms, max_segs;
#ifdef VSCSI_HAVE_FAKE
    struct vscsi_sim_bridge *br;
    struct vscsi_tgt_lun *fake[MAX_FAKE];
    unsigned nfake;
#endif
} g = {.sg_timeout_ms = 60000, .max_segs = 128};

static volatile sig_atomic_t stop;

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
    va_list ap;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    fprintf(stderr, "vscsi-back[%ld.%03ld]: ", (long)ts.tv_sec, ts.tv_nsec / 1000000);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void on_trace(void *cb_ctx, const char *line)
{
    logmsg("%s: %s", ((struct vhost *)cb_ctx)->path, line);
}

/* ---- the target: fake LUNs by name, anything else by SG_IO ------------- */

static int t_open(void *tctx, const char *pdev, void **out)
{
    struct lun *l = calloc(1, sizeof(*l));
    int rc = -ENODEV;

    (void)tctx;
    if (!l)
        return -ENOMEM;
#ifdef VSCSI_HAVE_FAKE
    if (g.br && vscsi_sim_bridge_ops()->open(g.br, pdev, &l->inner) == 0) {
        l->fake = 1;
        *out = l;
        return 0;
    }
#endif
    if (g.sg) {
        struct vscsi_sg_lun *s;
        rc = vscsi_sg_open(pdev, &s);
        if (rc == 0) {
            l->inner = s;
            *out = l;
            logmsg("p-dev %s -> %s", pdev, vscsi_sg_name(s));
            return 0;
        }
    }
    logmsg("p-dev %s: no such device%s", pdev, g.sg ? "" : " (SG_IO passthrough off: --sg)");
    free(l);
    return rc;
}

static void t_close(void *tctx, void *lun)
{
    struct lun *l = lun;
    (void)tctx;
    if (!l->fake)
        vscsi_sg_close(l->inner);
    free(l);
}

static int t_submit(void *tctx, void *lun, struct vscsi_target_cmd *cmd)
{
    struct lun *l = lun;
    (void)tctx;
#ifdef VSCSI_HAVE_FAKE
    if (l->fake)
        return vscsi_sim_bridge_ops()->submit(g.br, l->inner, cmd);
#endif
    vscsi_sg_exec(l->inner, cmd, g.sg_timeout_ms);
    return 0;
}

static int t_abort(void *tctx, void *lun, struct vscsi_target_cmd *cmd)
{
    struct lun *l = lun;
    (void)tctx;
#ifdef VSCSI_HAVE_FAKE
    if (l->fake)
        return vscsi_sim_bridge_ops()->abort(g.br, l->inner, cmd);
#endif
    (void)l;
    (void)cmd;
    return -ENOENT; /* SG_IO runs synchronously: nothing is ever outstanding */
}

static int t_reset(void *tctx, void *lun)
{
    struct lun *l = lun;
    (void)tctx;
#ifdef VSCSI_HAVE_FAKE
    if (l->fake)
        return vscsi_sim_bridge_ops()->reset(g.br, l->inner);
#endif
    return vscsi_sg_reset(l->inner);
}

static const struct vscsi_target_ops target_ops = {
    .size = sizeof(target_ops),
    .open = t_open,
    .close = t_close,
    .submit = t_submit,
    .abort = t_abort,
    .reset = t_reset,
};

#ifdef VSCSI_HAVE_FAKE
static int setup_fake(const char *list, unsigned disk_mb, const char *dir,
                      const struct vscsi_tgt_media_config *media)
{
    char *dup = strdup(list), *save = NULL, *tok;
    struct vscsi_tgt_lun *tapes[MAX_FAKE];
    unsigned ntapes = 0, changer_idx[MAX_FAKE], nchangers = 0;
    char pdev[48], path[512];
    int rc = 0;

    if (!dup)
        return -ENOMEM;
    g.br = vscsi_sim_bridge_new();
    if (!g.br) {
        free(dup);
        return -ENOMEM;
    }
    /* Changers come last: they need their drives. The index in the list names the p-dev. */
    for (tok = strtok_r(dup, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
        unsigned i = g.nfake;
        if (i >= MAX_FAKE) {
            rc = -ENOSPC;
            break;
        }
        if (strcmp(tok, "disk") == 0) {
            struct vscsi_tgt_disk_opts o = {0};
            o.blocks = (uint64_t)disk_mb * 2048u;
            o.block_size = 512;
            if (dir) {
                snprintf(path, sizeof(path), "%s/disk%u.img", dir, i);
                o.path = path;
            }
            errno = 0;
            g.fake[i] = vscsi_tgt_disk_new(&o);
            if (!g.fake[i]) {
                rc = errno ? -errno : -ENOMEM;
                fprintf(stderr, PROG ": fake disk %u (%u MiB%s%s): %s\n", i, disk_mb,
                        dir ? " in " : " in memory", dir ? path : "", strerror(-rc));
                break;
            }
        } else if (strcmp(tok, "tape") == 0) {
            struct vscsi_tgt_tape_opts o = media->tape;
            char tag[16];
            if (ntapes) { /* the configured serial and tag are the first drive's */
                snprintf(tag, sizeof(tag), "ST%04uL6", (ntapes + 1) % 10000u);
                o.serial = NULL;
                o.barcode = tag;
            }
            /* Without a changer to load it, a drive starts with its own cartridge. */
            o.loaded = !strstr(list, "changer");
            g.fake[i] = vscsi_tgt_tape_new(&o);
            tapes[ntapes++] = g.fake[i];
        } else if (strcmp(tok, "changer") == 0) {
            changer_idx[nchangers++] = i;
        } else {
            fprintf(stderr, "vscsi-back: unknown fake LUN kind '%s' (disk, tape, changer)\n", tok);
            rc = -EINVAL;
            break;
        }
        g.nfake++;
    }
    free(dup);
    for (unsigned c = 0; c < nchangers && !rc; c++) {
        struct vscsi_tgt_changer_opts o = media->changer;
        o.drives = tapes;
        o.ndrives = ntapes;
        g.fake[changer_idx[c]] = vscsi_tgt_changer_new(&o);
    }
    for (unsigned i = 0; i < g.nfake && !rc; i++) {
        if (!g.fake[i]) {
            fprintf(stderr, PROG ": fake LUN %u: cannot create it\n", i);
            return -ENOMEM;
        }
        snprintf(pdev, sizeof(pdev), FAKE_ALIAS ":%u", i);
        vscsi_tgt_set_xfer_max(g.fake[i], vscsi_tgt_xfer_max_segs(g.max_segs));
        rc = vscsi_sim_bridge_add(g.br, pdev, g.fake[i]);
        static const char *const kinds[] = {"disk", "tape", "changer"};
        logmsg("fake %s registered as p-dev %s", kinds[vscsi_tgt_kind(g.fake[i])], pdev);
    }
    return rc;
}
#endif

/* ---- vhosts ---------------------------------------------------------------- */

static void vhost_free(struct vhost *v, const char *why)
{
    if (v->b) {
        struct vscsi_back_stats st;
        vscsi_back_stats(v->b, &st);
        logmsg("%s: %s (requests %llu, responses %llu, rejected %llu)", v->path, why,
               (unsigned long long)st.requests, (unsigned long long)st.responses,
               (unsigned long long)st.rejected);
        vscsi_back_destroy(v->b);
        v->b = NULL;
        g.served++;
    }
    v->done = 1;
}

static void vhost_start(const char *path)
{
    const struct vscsi_platform_ops *ops = vscsi_xen_ops();
    struct vhost *v = NULL;
    char buf[16];
    int rc;

    for (unsigned i = 0; i < MAX_VHOSTS; i++)
        if (g.vh[i].used && strcmp(g.vh[i].path, path) == 0) {
            g.vh[i].seen = 1;
            return;
        }
    /* The toolstack writes the directory in one transaction; until state is
     * there it is still being written by something else. */
    char sp[160];
    snprintf(sp, sizeof(sp), "%s/state", path);
    if (ops->xs_read(g.x, VSCSI_XS_NO_TXN, sp, buf, sizeof(buf)) < 0)
        return;
    for (unsigned i = 0; i < MAX_VHOSTS && !v; i++)
        if (!g.vh[i].used)
            v = &g.vh[i];
    if (!v) {
        logmsg("%s: too many vhosts, ignored", path);
        return;
    }
    memset(v, 0, sizeof(*v));
    v->used = v->seen = 1;
    snprintf(v->path, sizeof(v->path), "%s", path);
    struct vscsi_back_config cfg = {
        .size = sizeof(cfg),
        .ops = ops,
        .ops_ctx = g.x,
        .target = &target_ops,
        .target_ctx = NULL,
        .dev_path = path,
        .max_segs = g.max_segs,
        .data_mode = g.map_mode ? VSCSI_BACK_MAP : VSCSI_BACK_COPY,
        .allow_zero_seg = 1,
        .trace = g.trace ? on_trace : NULL,
        .cb_ctx = v,
    };
    rc = vscsi_back_new(&cfg, &v->b);
    if (rc == 0)
        rc = vscsi_back_start(v->b);
    if (rc) {
        logmsg("%s: cannot start: %s", path, strerror(-rc));
        vhost_free(v, "failed");
        return;
    }
    logmsg("%s: serving (state %s)", path, vscsi_xb_state_str(vscsi_back_state(v->b)));
}

static void rescan(void)
{
    static char doms[8192], vhs[8192];
    const struct vscsi_platform_ops *ops = vscsi_xen_ops();
    char dir[VSCSI_XB_PATH_MAX + 1], path[VSCSI_XB_PATH_MAX + 1];
    int nd;

    for (unsigned i = 0; i < MAX_VHOSTS; i++)
        g.vh[i].seen = 0;
    nd = ops->xs_directory(g.x, VSCSI_XS_NO_TXN, g.root, doms, sizeof(doms));
    for (const char *d = doms; nd > 0; nd--, d += strlen(d) + 1) {
        uint16_t fdom;
        if (vscsi_tool_parse_domid(d, &fdom) || vscsi_xb_join(dir, sizeof(dir), g.root, d))
            continue;
        int nv = ops->xs_directory(g.x, VSCSI_XS_NO_TXN, dir, vhs, sizeof(vhs));
        for (const char *h = vhs; nv > 0; nv--, h += strlen(h) + 1) {
            uint32_t vh;
            if (vscsi_xb_parse_uint(h, UINT32_MAX, &vh) ||
                vscsi_xb_join(path, sizeof(path), dir, h) || strlen(path) >= sizeof(g.vh[0].path))
                continue;
            vhost_start(path);
        }
    }
    for (unsigned i = 0; i < MAX_VHOSTS; i++)
        if (g.vh[i].used && !g.vh[i].seen) {
            vhost_free(&g.vh[i], "directory removed");
            g.vh[i].used = 0;
        }
}

static void reap_gone(void)
{
    for (unsigned i = 0; i < MAX_VHOSTS; i++)
        if (g.vh[i].used && g.vh[i].b && vscsi_back_gone(g.vh[i].b))
            vhost_free(&g.vh[i], "frontend gone");
}

static void on_watch(const char *path, const char *token)
{
    if (strcmp(token, ROOT_TOKEN) == 0) {
        rescan();
        return;
    }
    for (unsigned i = 0; i < MAX_VHOSTS; i++)
        if (g.vh[i].used && g.vh[i].b) {
            int rc = vscsi_back_handle_watch(g.vh[i].b, path, token);
            if (rc < 0 && g.trace)
                logmsg("%s: watch: %s", g.vh[i].path, strerror(-rc));
        }
}

static void on_port(uint32_t port)
{
    for (unsigned i = 0; i < MAX_VHOSTS; i++)
        if (g.vh[i].used && g.vh[i].b && vscsi_back_port(g.vh[i].b) == port) {
            int rc = vscsi_back_handle_event(g.vh[i].b);
            if (rc == -EPROTO)
                logmsg("%s: ring stopped: frontend broke the protocol", g.vh[i].path);
        }
}

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void usage(FILE *f)
{
    fputs("usage: vscsi-back [options]\n"
          "Userspace PVSCSI backend: serves every vhost under /local/domain/<self>/backend/vscsi.\n"
          "options:\n"
          "  --fake LIST        fake LUNs, e.g. disk,tape,changer; entry i is p-dev " FAKE_ALIAS
          ":i\n"
          "                     (a changer loads the listed tapes)\n"
          "  --fake-disk-mb N   size of each fake disk, 1-1048576 (default 64)\n"
          "  --fake-dir DIR     back fake disks by DIR/disk<i>.img instead of memory\n"
          "  --fake-tape OPTS   fake tapes and changer: capacity=2G,serial=S,barcodes=T1:T2,\n"
          "                     slots=N,dir=DIR,... (vscsi-sim --help lists every key)\n"
          "  --sg               SG_IO passthrough for any other p-dev: h:c:t:l or /dev/sgN\n"
          "                     (synchronous: one command at a time per daemon)\n"
          "  --sg-timeout SEC   SG_IO timeout, 1-86400 (default 60)\n"
          "  --sg-op-timeout OP=SEC[,...]  per-opcode SG_IO timeouts, over the device's own\n"
          "                     (RSOC) and the tape/changer defaults, e.g. 0x19=36000\n"
          "  --max-segs N       feature-sg-grant to offer (0 or 26..13312, default 128)\n"
          "  --map              map the guest's data pages instead of grant-copying them\n"
          "  --foreground       do not detach from the terminal\n"
          "  --pidfile FILE     write the pid there\n"
          "  --trace            log every request, response and state change\n"
          "  --once             exit after the first vhost was served and went away\n"
          "  --version\n"
          "  -h, --help\n"
          "Every argument is checked before Xen is opened.\n"
          "Do not load the kernel's xen-scsiback in the same domain.\n",
          f);
    vscsi_cli_exit_help(f);
}

/* The --fake list as setup_fake() will read it: known kinds, no empty entry, not too many. */
static int check_fake_list(const char *list)
{
    char buf[256], *save = NULL;
    size_t len = strlen(list);
    unsigned n = 0;

    if (len >= sizeof(buf))
        return vscsi_cli_usage_error(PROG, "--fake: list too long");
    if (len == 0 || list[0] == ',' || list[len - 1] == ',' || strstr(list, ",,"))
        return vscsi_cli_usage_error(PROG, "--fake: '%s' has an empty entry", list);
    memcpy(buf, list, len + 1);
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (strcmp(t, "disk") && strcmp(t, "tape") && strcmp(t, "changer"))
            return vscsi_cli_usage_error(PROG, "--fake: unknown kind '%s' (disk, tape, changer)",
                                         t);
        if (++n > MAX_FAKE)
            return vscsi_cli_usage_error(PROG, "--fake: more than %d LUNs", MAX_FAKE);
    }
    return 0;
}

static int check_dir(const char *dir)
{
    struct stat st;

    if (stat(dir, &st) != 0)
        return vscsi_cli_usage_error(PROG, "--fake-dir: %s: %s", dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return vscsi_cli_usage_error(PROG, "--fake-dir: %s: not a directory", dir);
    if (access(dir, W_OK | X_OK) != 0)
        return vscsi_cli_usage_error(PROG, "--fake-dir: %s: %s", dir, strerror(errno));
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {{"fake", required_argument, NULL, 'F'},
                                       {"fake-disk-mb", required_argument, NULL, 'M'},
                                       {"fake-dir", required_argument, NULL, 'D'},
                                       {"fake-tape", required_argument, NULL, 'L'},
                                       {"sg", no_argument, NULL, 's'},
                                       {"sg-timeout", required_argument, NULL, 'T'},
                                       {"sg-op-timeout", required_argument, NULL, 'O'},
                                       {"max-segs", required_argument, NULL, 'S'},
                                       {"map", no_argument, NULL, 'm'},
                                       {"foreground", no_argument, NULL, 'f'},
                                       {"pidfile", required_argument, NULL, 'p'},
                                       {"trace", no_argument, NULL, 't'},
                                       {"once", no_argument, NULL, 'o'},
                                       {"version", no_argument, NULL, 'v'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    const char *fake = NULL, *fake_dir = NULL, *fake_tape = NULL, *pidfile = NULL;
    unsigned disk_mb = 64, sg_timeout_s = 60;
    int fg = 0, have_mb = 0, c, rc;
    FILE *pf = NULL;

    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'F':
            if (check_fake_list(optarg))
                return VSCSI_EXIT_USAGE;
            fake = optarg;
            break;
        case 'M':
            if (vscsi_cli_uint(PROG, "--fake-disk-mb", optarg, 1, MAX_DISK_MB, &disk_mb))
                return VSCSI_EXIT_USAGE;
            have_mb = 1;
            break;
        case 'D':
            if (check_dir(optarg))
                return VSCSI_EXIT_USAGE;
            fake_dir = optarg;
            break;
        case 'L':
            fake_tape = optarg;
            break;
        case 's':
            g.sg = 1;
            break;
        case 'T':
            if (vscsi_cli_uint(PROG, "--sg-timeout", optarg, 1, 86400, &sg_timeout_s))
                return VSCSI_EXIT_USAGE;
            g.sg_timeout_ms = sg_timeout_s * 1000u;
            break;
        case 'S':
            /* What vscsi_back_new() accepts: refused here, not when the first guest connects. */
            if (vscsi_cli_uint(PROG, "--max-segs", optarg, 0, VSCSI_MAX_INDIRECT_SEGS, &g.max_segs))
                return VSCSI_EXIT_USAGE;
            if (g.max_segs && g.max_segs < VSCSI_SG_TABLESIZE)
                return vscsi_cli_usage_error(PROG, "--max-segs: '%s' out of range (0 or %u..%u)",
                                             optarg, VSCSI_SG_TABLESIZE,
                                             (unsigned)VSCSI_MAX_INDIRECT_SEGS);
            break;
        case 'O': {
            char msg[160];
            if (vscsi_sg_set_timeouts(optarg, msg, sizeof(msg)))
                return vscsi_cli_usage_error(PROG, "--sg-op-timeout: %s", msg);
            break;
        }
        case 'm':
            g.map_mode = 1;
            break;
        case 'f':
            fg = 1;
            break;
        case 'p':
            pidfile = optarg;
            break;
        case 't':
            g.trace = 1;
            break;
        case 'o':
            g.once = 1;
            break;
        case 'v':
            return vscsi_cli_version(PROG);
        case 'h':
            usage(stdout);
            return VSCSI_EXIT_OK;
        default:
            return vscsi_cli_bad_option(PROG);
        }
    }
    if (optind != argc)
        return vscsi_cli_usage_error(PROG, "unexpected argument '%s'", argv[optind]);
    if (!fake && (fake_dir || have_mb || fake_tape))
        return vscsi_cli_usage_error(PROG, "%s needs --fake",
                                     fake_dir  ? "--fake-dir"
                                     : have_mb ? "--fake-disk-mb"
                                               : "--fake-tape");
#ifdef VSCSI_HAVE_FAKE
    static struct vscsi_tgt_media_config media;
    char err[256];

    if (vscsi_tgt_media_config_parse(fake_tape ? fake_tape : "", &media, err, sizeof(err)))
        return vscsi_cli_usage_error(PROG, "--fake-tape: %s", err);
#else
    (void)fake_tape;
    if (fake)
        return vscsi_cli_usage_error(PROG, "--fake: built without the simulator: no fake target");
#endif
    /* Opened now so a bad path fails before Xen is touched; written after daemon() forks. */
    if (pidfile && !(pf = fopen(pidfile, "w"))) {
        fprintf(stderr, PROG ": --pidfile %s: %s\n", pidfile, strerror(errno));
        return VSCSI_EXIT_FAIL;
    }
    vscsi_sg_set_transport(g.max_segs); /* what the guest is told and held to */
    if (fake) {
#ifdef VSCSI_HAVE_FAKE
        if ((rc = setup_fake(fake, disk_mb, fake_dir, &media))) {
            fprintf(stderr, PROG ": fake target: %s\n", strerror(-rc));
            return VSCSI_EXIT_FAIL;
        }
#else
        (void)disk_mb;
#endif
    }
    if (!fake && !g.sg)
        fprintf(stderr,
                "vscsi-back: warning: neither --fake nor --sg: every LUN will be refused\n");
    if ((rc = vscsi_xen_open(VSCSI_XEN_BACKEND, &g.x))) {
        fprintf(stderr,
                "vscsi-back: cannot open Xen interfaces (/dev/xen/gntdev, evtchn, xenstore): %s\n",
                strerror(-rc));
        return 1;
    }
    if ((rc = vscsi_xen_ops()->domid(g.x, &g.self))) {
        fprintf(stderr, "vscsi-back: cannot read own domid: %s\n", strerror(-rc));
        return 1;
    }
    snprintf(g.root, sizeof(g.root), "/local/domain/%u/backend/vscsi", (unsigned)g.self);
    int xsfd = vscsi_xen_xs_fd(g.x), evfd = vscsi_xen_evtchn_fd(g.x);
    /* A watch on a path that does not exist yet is fine: it fires when it appears. */
    if ((rc = vscsi_xen_ops()->xs_watch(g.x, g.root, ROOT_TOKEN))) {
        fprintf(stderr, "vscsi-back: cannot watch %s: %s\n", g.root, strerror(-rc));
        return 1;
    }
    if (!fg && daemon(0, 1) != 0) {
        perror("vscsi-back: daemon");
        return 1;
    }
    if (pf && (fprintf(pf, "%ld\n", (long)getpid()) < 0 || fclose(pf) != 0)) {
        fprintf(stderr, PROG ": --pidfile %s: %s\n", pidfile, strerror(errno));
        return VSCSI_EXIT_FAIL;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    logmsg("watching %s", g.root);

    while (!stop) {
        struct pollfd p[2] = {{xsfd, POLLIN, 0}, {evfd, POLLIN, 0}};
        char path[VSCSI_XB_PATH_MAX + 1], token[128];
        uint32_t port;

        if (poll(p, 2, 100) < 0 && errno != EINTR)
            break;
        while (vscsi_xen_next_port(g.x, &port) == 0)
            on_port(port);
        while ((rc = vscsi_xen_next_watch(g.x, path, sizeof(path), token, sizeof(token))) !=
               -EAGAIN) {
            if (rc == 0)
                on_watch(path, token);
            else if (rc != -E2BIG)
                break;
        }
#ifdef VSCSI_HAVE_FAKE
        if (g.br) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            vscsi_sim_bridge_poll(g.br,
                                  (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
        }
#endif
        reap_gone();
        if (g.once && g.served)
            break;
    }
    logmsg("exiting");
    for (unsigned i = 0; i < MAX_VHOSTS; i++)
        if (g.vh[i].used)
            vhost_free(&g.vh[i], "daemon exit");
    vscsi_xen_ops()->xs_unwatch(g.x, g.root, ROOT_TOKEN);
    vscsi_xen_close(g.x);
#ifdef VSCSI_HAVE_FAKE
    for (unsigned i = 0; i < g.nfake; i++)
        vscsi_tgt_free(g.fake[i]);
    vscsi_sim_bridge_free(g.br);
#endif
    return 0;
}
