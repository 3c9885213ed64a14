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
#include <syslog.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "attmgr.h"
#include "back_conf.h"
#include "back_log.h"
#include "sd_notify.h"
#include "sgio.h"
#include "tools.h"
#include "vscsi_cli.h"
#include "vscsiif/back.h"
#include "vscsiif/wire.h"
#ifdef VSCSI_HAVE_FAKE
#include "target/bridge.h"
#include "target/target.h"
#endif

#define ROOT_TOKEN "vscsi-back:root"
#define FAKE_ALIAS "vscsi_fake"
#define PROG       "vscsi-back"

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
    struct vhost vh[BACK_MAX_VHOSTS];
    struct back_conf conf;
    int once, served;
    int started; /* past the first conf_build: sg-op-timeout is applied only then */
    struct vscsi_am *am;
#ifdef VSCSI_HAVE_FAKE
    struct vscsi_sim_bridge *br;
    struct vscsi_tgt_lun *fake[BACK_MAX_FAKE];
    unsigned nfake;
#endif
} g;

static volatile sig_atomic_t stop, reload;

#define logmsg(...) back_log(LOG_INFO, __VA_ARGS__)

static void on_trace(void *cb_ctx, const char *line)
{
    back_log(LOG_INFO, "%s: %s", ((struct vhost *)cb_ctx)->path, line);
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
    if (g.conf.sg) {
        struct vscsi_sg_lun *s;
        rc = vscsi_sg_open(pdev, &s);
        if (rc == 0) {
            l->inner = s;
            *out = l;
            logmsg("p-dev %s -> %s", pdev, vscsi_sg_name(s));
            return 0;
        }
    }
    back_log(LOG_WARNING, "p-dev %s: no such device%s", pdev,
             g.conf.sg ? "" : " (SG_IO passthrough off: --sg)");
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
    vscsi_sg_exec(l->inner, cmd, g.conf.sg_timeout_s * 1000u);
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
    struct vscsi_tgt_lun *tapes[BACK_MAX_FAKE];
    unsigned ntapes = 0, changer_idx[BACK_MAX_FAKE], nchangers = 0;
    char pdev[48], path[600];
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
        if (i >= BACK_MAX_FAKE) {
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
                back_log(LOG_ERR, "fake disk %u (%u MiB%s%s): %s", i, disk_mb,
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
            back_log(LOG_ERR, "unknown fake LUN kind '%s'", tok);
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
            back_log(LOG_ERR, "fake LUN %u: cannot create it", i);
            return -ENOMEM;
        }
        snprintf(pdev, sizeof(pdev), FAKE_ALIAS ":%u", i);
        vscsi_tgt_set_xfer_max(g.fake[i], vscsi_tgt_xfer_max_segs(g.conf.max_segs));
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

    for (unsigned i = 0; i < BACK_MAX_VHOSTS; i++)
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
    for (unsigned i = 0; i < g.conf.max_vhosts && !v; i++)
        if (!g.vh[i].used)
            v = &g.vh[i];
    if (!v) {
        back_log(LOG_WARNING, "%s: more than max-vhosts %u, ignored", path, g.conf.max_vhosts);
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
        .max_segs = g.conf.max_segs,
        .data_mode = g.conf.map_mode ? VSCSI_BACK_MAP : VSCSI_BACK_COPY,
        .allow_zero_seg = 1,
        .trace = g.conf.trace ? on_trace : NULL,
        .cb_ctx = v,
    };
    rc = vscsi_back_new(&cfg, &v->b);
    if (rc == 0)
        rc = vscsi_back_start(v->b);
    if (rc) {
        back_log(LOG_ERR, "%s: cannot start: %s", path, strerror(-rc));
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

    for (unsigned i = 0; i < BACK_MAX_VHOSTS; i++)
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
    for (unsigned i = 0; i < BACK_MAX_VHOSTS; i++)
        if (g.vh[i].used && !g.vh[i].seen) {
            vhost_free(&g.vh[i], "directory removed");
            g.vh[i].used = 0;
        }
}

static void reap_gone(void)
{
    for (unsigned i = 0; i < BACK_MAX_VHOSTS; i++)
        if (g.vh[i].used && g.vh[i].b && vscsi_back_gone(g.vh[i].b))
            vhost_free(&g.vh[i], "frontend gone");
}

static void on_watch(const char *path, const char *token)
{
    if (g.am && vscsi_am_handle_watch(g.am, path, token))
        return;
    if (strcmp(token, ROOT_TOKEN) == 0) {
        rescan();
        return;
    }
    for (unsigned i = 0; i < BACK_MAX_VHOSTS; i++)
        if (g.vh[i].used && g.vh[i].b) {
            int rc = vscsi_back_handle_watch(g.vh[i].b, path, token);
            if (rc < 0 && g.conf.trace)
                logmsg("%s: watch: %s", g.vh[i].path, strerror(-rc));
        }
}

static void on_port(uint32_t port)
{
    for (unsigned i = 0; i < BACK_MAX_VHOSTS; i++)
        if (g.vh[i].used && g.vh[i].b && vscsi_back_port(g.vh[i].b) == port) {
            int rc = vscsi_back_handle_event(g.vh[i].b);
            if (rc == -EPROTO)
                back_log(LOG_WARNING, "%s: ring stopped: frontend broke the protocol",
                         g.vh[i].path);
        }
}

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        reload = 1;
    else
        stop = 1;
}

/* ---- settings: file, then command line; SIGHUP reads both again ------------- */

#define MAX_CLI 64
static struct {
    const char *name, *val;
} cli[MAX_CLI];
static unsigned ncli;
static const char *conf_path;
static int conf_explicit;

/* The whole configuration from scratch into *c: 0, or VSCSI_EXIT_USAGE with msg. */
static int conf_build(struct back_conf *c, int *from_file, char *msg, size_t len)
{
    char why[600];
    int rc;

    back_conf_init(c);
    *from_file = 0;
    if (conf_path) {
        rc = back_conf_load(c, conf_path, why, sizeof(why));
        if (rc == -ENOENT && !conf_explicit) {
            /* The default file is optional. */
        } else if (rc) {
            snprintf(msg, len, "config %s", why);
            return VSCSI_EXIT_USAGE;
        } else {
            *from_file = 1;
        }
    }
    for (unsigned i = 0; i < ncli; i++)
        if (back_conf_set(c, cli[i].name, cli[i].val, why, sizeof(why))) {
            snprintf(msg, len, "--%s", why);
            return VSCSI_EXIT_USAGE;
        }
    if (back_conf_check(c, *from_file ? "" : "--", why, sizeof(why))) {
        snprintf(msg, len, "%s%s", *from_file ? "config: " : "", why);
        return VSCSI_EXIT_USAGE;
    }
    /* The two settings whose syntax belongs to other modules: checked here, applied at start. */
    const char *dash = *from_file ? "config: " : "--";
#ifdef VSCSI_HAVE_FAKE
    static struct vscsi_tgt_media_config media;
    if (vscsi_tgt_media_config_parse(c->fake_tape, &media, why, sizeof(why))) {
        snprintf(msg, len, "%sfake-tape: %s", dash, why);
        return VSCSI_EXIT_USAGE;
    }
#else
    if (c->fake_tape[0]) {
        snprintf(msg, len, "%sfake-tape: built without the simulator: no fake target", dash);
        return VSCSI_EXIT_USAGE;
    }
#endif
    if (c->sg_op_timeout[0] && !g.started &&
        vscsi_sg_set_timeouts(c->sg_op_timeout, why, sizeof(why))) {
        snprintf(msg, len, "%ssg-op-timeout: %s", dash, why);
        return VSCSI_EXIT_USAGE;
    }
    return 0;
}

static void log_open(void)
{
    back_log_open(PROG, g.conf.log_target == BACK_LOG_SYSLOG, g.conf.log_level, NULL);
}

static int am_lookup(void *arg, const char *name, struct vscsi_att_item *items, size_t max,
                     char *msg, size_t len)
{
    (void)arg;
    return vscsi_am_lookup_dir(g.conf.domains_dir, name, items, max, msg, len);
}

static void am_log(void *arg, int level, const char *msg)
{
    (void)arg;
    back_log(level, "attach: %s", msg);
}

static void am_setup(void)
{
    if (!g.conf.domains_dir[0]) {
        vscsi_am_free(g.am);
        g.am = NULL;
        return;
    }
    if (g.am) {
        vscsi_am_scan(g.am);
        return;
    }
    struct vscsi_am_config ac = {
        .ops = vscsi_xen_ops(),
        .ctx = g.x,
        .backend = g.conf.have_attach_backend ? (uint16_t)g.conf.attach_backend : g.self,
        .lookup = am_lookup,
        .log = am_log,
    };
    int rc = vscsi_am_new(&ac, &g.am);
    if (rc == 0 && (rc = vscsi_am_start(g.am))) {
        vscsi_am_free(g.am);
        g.am = NULL;
    }
    if (rc)
        back_log(LOG_ERR, "persistent attachments off: %s", strerror(-rc));
    else
        back_log(LOG_INFO, "persistent attachments from %s/<domain name>.cfg", g.conf.domains_dir);
}

static unsigned vhosts_served(void)
{
    unsigned n = 0;
    for (unsigned i = 0; i < BACK_MAX_VHOSTS; i++)
        n += g.vh[i].used && g.vh[i].b;
    return n;
}

/* SIGHUP: a bad file keeps the running configuration. What is built at start (the
 * fake LUNs) stays until a restart; everything else applies to what comes next. */
static void do_reload(void)
{
    struct back_conf c;
    char msg[700];
    int from_file;

    vscsi_sd_notify("RELOADING=1");
    if (conf_build(&c, &from_file, msg, sizeof(msg))) {
        back_log(LOG_ERR, "reload refused, configuration kept: %s", msg);
        vscsi_sd_notify("READY=1");
        vscsi_sd_notifyf("serving %u vhosts; last reload refused: %s", vhosts_served(), msg);
        return;
    }
    if (strcmp(c.fake, g.conf.fake) || strcmp(c.fake_dir, g.conf.fake_dir) ||
        c.disk_mb != g.conf.disk_mb || strcmp(c.fake_tape, g.conf.fake_tape))
        back_log(LOG_WARNING, "reload: the fake LUNs change only at a restart; kept");
    if (strcmp(c.sg_op_timeout, g.conf.sg_op_timeout))
        back_log(LOG_WARNING, "reload: sg-op-timeout changes only at a restart; kept");
    memcpy(c.fake, g.conf.fake, sizeof(c.fake));
    memcpy(c.fake_dir, g.conf.fake_dir, sizeof(c.fake_dir));
    memcpy(c.fake_tape, g.conf.fake_tape, sizeof(c.fake_tape));
    memcpy(c.sg_op_timeout, g.conf.sg_op_timeout, sizeof(c.sg_op_timeout));
    c.disk_mb = g.conf.disk_mb;
    g.conf = c;
    log_open();
    back_log(LOG_NOTICE, "configuration reloaded%s%s", from_file ? " from " : "",
             from_file ? conf_path : "");
    am_setup();
    vscsi_sd_notify("READY=1");
    vscsi_sd_notifyf("serving %u vhosts", vhosts_served());
}

static void usage(FILE *f)
{
    fputs("usage: vscsi-back [options]\n"
          "Userspace PVSCSI backend: serves every vhost under /local/domain/<self>/backend/vscsi.\n"
          "settings (also `name = value` lines in the config file; the command line wins):\n",
          f);
    for (unsigned i = 0; i < back_nopts; i++) {
        char lhs[48];
        snprintf(lhs, sizeof(lhs), "--%s%s%s", back_opts[i].name, back_opts[i].arg ? " " : "",
                 back_opts[i].arg ? back_opts[i].arg : "");
        fprintf(f, "  %-22s %s\n", lhs, back_opts[i].help);
    }
    fputs("options:\n"
          "  --config FILE          settings file (default " BACK_CONF_DEFAULT ", if present)\n"
          "  --no-config            read no settings file\n"
          "  --check-config         check the settings and exit (0 good, 2 refused)\n"
          "  --foreground           do not detach from the terminal (as under systemd)\n"
          "  --pidfile FILE         write the pid there\n"
          "  --once                 exit after the first vhost was served and went away\n"
          "  --version\n"
          "  -h, --help\n"
          "Signals: SIGHUP reloads the settings (a bad file keeps the old ones), SIGTERM\n"
          "drains (commands in flight answered, grants released) and exits.\n"
          "Every argument and the settings file are checked before Xen is opened.\n"
          "Do not load the kernel's xen-scsiback in the same domain.\n",
          f);
    vscsi_cli_exit_help(f);
}

/* SIGTERM: let what is in flight finish (a fake LUN's delayed command), then answer the
 * rest and release every grant. XenStore is left as it is, so the vhosts are found
 * again by the next vscsi-back. */
static void drain(void)
{
    uint64_t end = vscsi_tool_now_ms() + (uint64_t)g.conf.drain_s * 1000u;
    uint32_t port;

    for (;;) {
        uint32_t busy = 0;
        for (unsigned i = 0; i < BACK_MAX_VHOSTS; i++)
            if (g.vh[i].used && g.vh[i].b) {
                struct vscsi_back_stats st;
                vscsi_back_stats(g.vh[i].b, &st);
                busy += st.in_flight;
            }
        if (!busy || vscsi_tool_now_ms() >= end) {
            if (busy)
                back_log(LOG_WARNING, "drain: %u commands still in flight, answered with RESET",
                         (unsigned)busy);
            break;
        }
        struct timespec nap = {0, 1000000};
        nanosleep(&nap, NULL);
        while (vscsi_xen_next_port(g.x, &port) == 0)
            on_port(port);
#ifdef VSCSI_HAVE_FAKE
        if (g.br) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            vscsi_sim_bridge_poll(g.br,
                                  (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
        }
#endif
    }
    for (unsigned i = 0; i < BACK_MAX_VHOSTS; i++)
        if (g.vh[i].used)
            vhost_free(&g.vh[i], "daemon exit");
}

int main(int argc, char **argv)
{
    enum { O_CONFIG = 1000, O_NOCONF, O_CHECK, O_FG, O_PID, O_ONCE, O_VERSION, O_HELP, O_SET };
    static struct option lo[64];
    static const struct option fixed[] = {
        {"config", required_argument, NULL, O_CONFIG}, {"no-config", no_argument, NULL, O_NOCONF},
        {"check-config", no_argument, NULL, O_CHECK},  {"foreground", no_argument, NULL, O_FG},
        {"pidfile", required_argument, NULL, O_PID},   {"once", no_argument, NULL, O_ONCE},
        {"version", no_argument, NULL, O_VERSION},     {"help", no_argument, NULL, O_HELP}};
    const char *pidfile = NULL;
    int fg = 0, check = 0, c, rc, from_file;
    unsigned nlo = 0;
    FILE *pf = NULL;
    char msg[700];

    for (unsigned i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        lo[nlo++] = fixed[i];
    for (unsigned i = 0; i < back_nopts; i++)
        lo[nlo++] =
            (struct option){back_opts[i].name, back_opts[i].arg ? required_argument : no_argument,
                            NULL, O_SET + (int)i};
    lo[nlo] = (struct option){NULL, 0, NULL, 0};
    conf_path = BACK_CONF_DEFAULT;

    int idx;
    while ((c = getopt_long(argc, argv, "h", lo, &idx)) != -1) {
        switch (c) {
        case O_CONFIG:
            conf_path = optarg;
            conf_explicit = 1;
            break;
        case O_NOCONF:
            conf_path = NULL;
            break;
        case O_CHECK:
            check = 1;
            break;
        case O_FG:
            fg = 1;
            break;
        case O_PID:
            pidfile = optarg;
            break;
        case O_ONCE:
            g.once = 1;
            break;
        case O_VERSION:
            return vscsi_cli_version(PROG);
        case 'h':
        case O_HELP:
            usage(stdout);
            return VSCSI_EXIT_OK;
        default:
            if (c < O_SET || c >= O_SET + (int)back_nopts)
                return vscsi_cli_bad_option(PROG);
            if (ncli >= MAX_CLI)
                return vscsi_cli_usage_error(PROG, "too many options");
            /* Checked now, in order, so the first bad one is the one named. */
            {
                struct back_conf scratch;
                char why[600];
                back_conf_init(&scratch);
                if (back_conf_set(&scratch, back_opts[c - O_SET].name, optarg, why, sizeof(why)))
                    return vscsi_cli_usage_error(PROG, "--%s", why);
            }
            cli[ncli].name = back_opts[c - O_SET].name;
            cli[ncli++].val = optarg;
        }
    }
    if (optind != argc)
        return vscsi_cli_usage_error(PROG, "unexpected argument '%s'", argv[optind]);
    if (conf_build(&g.conf, &from_file, msg, sizeof(msg)))
        return vscsi_cli_usage_error(PROG, "%s", msg);
    g.started = 1;
#ifndef VSCSI_HAVE_FAKE
    if (g.conf.fake[0])
        return vscsi_cli_usage_error(PROG, "--fake: built without the simulator: no fake target");
#endif
    if (check) {
        printf("%s: settings good%s%s\n", PROG, from_file ? " in " : " (no file)",
               from_file ? conf_path : "");
        return VSCSI_EXIT_OK;
    }
    /* Opened now so a bad path fails before Xen is touched; written after daemon() forks. */
    if (pidfile && !(pf = fopen(pidfile, "w"))) {
        fprintf(stderr, PROG ": --pidfile %s: %s\n", pidfile, strerror(errno));
        return VSCSI_EXIT_FAIL;
    }
    log_open();
    vscsi_sg_set_transport(g.conf.max_segs); /* what the guest is told and held to */
    if (g.conf.fake[0]) {
#ifdef VSCSI_HAVE_FAKE
        static struct vscsi_tgt_media_config media; /* the LUNs may keep its strings */
        char why[256];
        vscsi_tgt_media_config_parse(g.conf.fake_tape, &media, why, sizeof(why)); /* checked */
        if ((rc = setup_fake(g.conf.fake, g.conf.disk_mb,
                             g.conf.fake_dir[0] ? g.conf.fake_dir : NULL, &media))) {
            fprintf(stderr, PROG ": fake target: %s\n", strerror(-rc));
            return VSCSI_EXIT_FAIL;
        }
#endif
    }
    if (!g.conf.fake[0] && !g.conf.sg)
        back_log(LOG_WARNING, "neither fake nor sg: every LUN will be refused");
    if ((rc = vscsi_xen_open(VSCSI_XEN_BACKEND, &g.x))) {
        fprintf(stderr,
                PROG ": cannot open Xen interfaces (/dev/xen/gntdev, evtchn, xenstore): %s\n",
                strerror(-rc));
        return VSCSI_EXIT_FAIL;
    }
    if ((rc = vscsi_xen_ops()->domid(g.x, &g.self))) {
        fprintf(stderr, PROG ": cannot read own domid: %s\n", strerror(-rc));
        return VSCSI_EXIT_FAIL;
    }
    snprintf(g.root, sizeof(g.root), "/local/domain/%u/backend/vscsi", (unsigned)g.self);
    int xsfd = vscsi_xen_xs_fd(g.x), evfd = vscsi_xen_evtchn_fd(g.x);
    /* A watch on a path that does not exist yet is fine: it fires when it appears. It also
     * fires once now, so vhosts a previous daemon served are found again at start. */
    if ((rc = vscsi_xen_ops()->xs_watch(g.x, g.root, ROOT_TOKEN))) {
        fprintf(stderr, PROG ": cannot watch %s: %s\n", g.root, strerror(-rc));
        return VSCSI_EXIT_FAIL;
    }
    if (!fg && daemon(0, 1) != 0) {
        perror(PROG ": daemon");
        return VSCSI_EXIT_FAIL;
    }
    if (pf && (fprintf(pf, "%ld\n", (long)getpid()) < 0 || fclose(pf) != 0)) {
        fprintf(stderr, PROG ": --pidfile %s: %s\n", pidfile, strerror(errno));
        return VSCSI_EXIT_FAIL;
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    back_log(LOG_NOTICE, "watching %s%s%s", g.root, from_file ? ", settings from " : "",
             from_file ? conf_path : "");
    rescan();
    am_setup();
    /* Ready: the watch is set and what was already there is being served. */
    vscsi_sd_notify("READY=1");
    vscsi_sd_notifyf("serving %u vhosts", vhosts_served());
    unsigned last_served = vhosts_served();

    while (!stop) {
        struct pollfd p[2] = {{xsfd, POLLIN, 0}, {evfd, POLLIN, 0}};
        char path[VSCSI_XB_PATH_MAX + 1], token[128];
        uint32_t port;

        if (reload) {
            reload = 0;
            do_reload();
        }
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
        if (vhosts_served() != last_served) {
            last_served = vhosts_served();
            vscsi_sd_notifyf("serving %u vhosts", last_served);
        }
        if (g.once && g.served)
            break;
    }
    vscsi_sd_notify("STOPPING=1");
    back_log(LOG_NOTICE, "exiting: draining %u vhosts", vhosts_served());
    drain();
    vscsi_am_free(g.am);
    vscsi_xen_ops()->xs_unwatch(g.x, g.root, ROOT_TOKEN);
    vscsi_xen_close(g.x);
#ifdef VSCSI_HAVE_FAKE
    for (unsigned i = 0; i < g.nfake; i++)
        vscsi_tgt_free(g.fake[i]);
    vscsi_sim_bridge_free(g.br);
#endif
    back_log_close();
    return VSCSI_EXIT_OK;
}
