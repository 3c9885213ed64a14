/* SPDX-License-Identifier: MIT */
/*
 * vscsi-attach: the toolstack step xl lacks for PVSCSI. Creates a vhost's
 * XenStore directories for a domain if needed and adds LUNs to it; a LUN
 * added to a connected vhost goes through Reconfiguring (hotplug).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools.h"
#include "vscsi_cli.h"
#include "vscsiif/toolstack.h"

#define MAX_ENTRIES 256

#define PROG       "vscsi-attach"
#define MAX_WAIT_S 3600

static void usage(FILE *f)
{
    fputs("usage: vscsi-attach [options] DOMID PDEV VDEV [feature-host]\n"
          "       vscsi-attach [options] DOMID --config FILE\n"
          "Adds a SCSI LUN to domain DOMID's PVSCSI vhost VDEV's h (created if absent).\n"
          "  PDEV  h:c:t:l | naa.<16 hex>:<lun> | <tpg alias>:<lun> | /dev/sgN, /dev/sdX,\n"
          "        /dev/disk/by-*/... (resolved to h:c:t:l through sysfs)\n"
          "  VDEV  h:c:t:l as the guest sees it (h selects the vhost)\n"
          "options:\n"
          "  --config FILE     add every entry of the file's vscsi=[...] setting\n"
          "  --backend DOMID   backend domain (default: this domain)\n"
          "  --wait SECONDS    wait until the backend reports each LUN connected, 0-3600\n"
          "                    (default 0: do not wait)\n"
          "  --libvirt         also print the libvirt <hostdev> equivalent\n"
          "  --dry-run         print what would be written, write nothing, open nothing\n"
          "  --version\n"
          "  -h, --help\n"
          "Every argument (and the config file) is checked before XenStore is opened.\n",
          f);
    vscsi_cli_exit_help(f);
}

struct opts {
    uint16_t backend;
    int have_backend;
    unsigned wait_s;
    int libvirt, dry;
};

/* One LUN to add, checked in full before anything is opened. */
struct item {
    char arg[VSCSI_PDEV_STR_SIZE];  /* as given (a /dev path is kept as the alias) */
    char pdev[VSCSI_PDEV_STR_SIZE]; /* canonical */
    struct vscsi_vdev vd;
    int feature_host;
};

static int attach_one(struct vscsi_xen *x, const struct opts *o, uint16_t domid,
                      const struct item *it)
{
    const struct vscsi_platform_ops *ops = vscsi_xen_ops();
    const struct vscsi_vdev *vd = &it->vd;
    const char *pdev = it->pdev, *pdev_arg = it->arg;
    char vdev[VSCSI_VDEV_STR_SIZE];
    char be[128], fe[128], devdir[200];
    struct vscsi_ts_vhost v = {o->backend, domid, vd->host, (uint8_t)(it->feature_host ? 1 : 0)};
    enum vscsi_xb_state vst = VSCSI_XB_UNKNOWN;
    uint32_t devid = 0;
    int rc, created = 0, reconf;

    vscsi_vdev_format(vd, vdev, sizeof(vdev));
    vscsi_ts_paths(&v, be, sizeof(be), fe, sizeof(fe));
    if (o->libvirt) {
        struct vscsi_pdev p;
        char xml[1024];
        if (vscsi_pdev_parse(pdev, &p, NULL) == 0 &&
            vscsi_libvirt_hostdev_format(&p, vd, xml, sizeof(xml)) > 0)
            printf("%s\n", xml);
        else
            printf("<!-- %s: libvirt names SCSI hostdevs by h:c:t:l only -->\n", pdev);
    }
    if (o->dry) {
        printf("would add p-dev %s as v-dev %s on %s\n", pdev, vdev, be);
        return 0;
    }
    rc = vscsi_xb_read_state(ops, x, VSCSI_XS_NO_TXN, be, "state", &vst);
    if (rc == -ENOENT) {
        rc = vscsi_ts_vhost_create(ops, x, &v);
        if (rc) {
            fprintf(stderr, "vscsi-attach: cannot create %s: %s\n", be, strerror(-rc));
            return rc;
        }
        created = 1;
        vst = VSCSI_XB_INITIALISING;
    } else if (rc) {
        fprintf(stderr, "vscsi-attach: %s/state: %s\n", be, strerror(-rc));
        return rc;
    }
    if (vscsi_tool_find_vdev(ops, x, be, vd, &devid) == 0) {
        fprintf(stderr, "vscsi-attach: v-dev %s already used by dev-%u of %s\n", vdev,
                (unsigned)devid, be);
        return -EEXIST;
    }
    if ((rc = vscsi_ts_next_devid(ops, x, &v, &devid))) {
        fprintf(stderr, "vscsi-attach: no free devid: %s\n", strerror(-rc));
        return rc;
    }
    /* Only a connected vhost needs the hotplug dance; otherwise the scan at connect sees it. */
    reconf = !created && vst == VSCSI_XB_CONNECTED;
    rc = vscsi_ts_lun_add(ops, x, &v, devid, pdev, vdev,
                          strcmp(pdev, pdev_arg) != 0 ? pdev_arg : NULL, reconf);
    if (rc) {
        fprintf(stderr, "vscsi-attach: cannot add %s: %s\n", pdev, strerror(-rc));
        return rc;
    }
    snprintf(devdir, sizeof(devdir), "%s/vscsi-devs/dev-%u", be, (unsigned)devid);
    printf("%s: dev-%u p-dev %s v-dev %s%s\n", be, (unsigned)devid, pdev, vdev,
           reconf ? " (hotplug)" : "");
    if (o->wait_s) {
        rc = vscsi_tool_wait_state(ops, x, devdir, "state", VSCSI_XB_CONNECTED, o->wait_s * 1000);
        if (rc == 0 && reconf)
            rc = vscsi_tool_wait_state(ops, x, be, "state", VSCSI_XB_CONNECTED, o->wait_s * 1000);
        if (rc) {
            enum vscsi_xb_state s = VSCSI_XB_UNKNOWN;
            vscsi_xb_read_state(ops, x, VSCSI_XS_NO_TXN, devdir, "state", &s);
            fprintf(stderr, "vscsi-attach: %s not connected after %u s (state %s)\n", devdir,
                    o->wait_s, vscsi_xb_state_str(s));
            return rc;
        }
    }
    return 0;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;

    if (!f)
        return NULL;
    do {
        if (cap - len < 4096) {
            char *nb = realloc(buf, cap + 65536);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
            cap += 65536;
        }
        n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
    } while (n > 0);
    fclose(f);
    buf[len] = '\0';
    return buf;
}

/* The p-dev canonicalised (a /dev path resolved through sysfs), or a usage error. */
static int item_fill(struct item *it, const char *pdev_arg, const struct vscsi_vdev *vd, int fh)
{
    char msg[256];

    if (strlen(pdev_arg) >= sizeof(it->arg))
        return vscsi_cli_usage_error(PROG, "p-dev too long");
    strcpy(it->arg, pdev_arg);
    if (vscsi_tool_pdev_canon(pdev_arg, it->pdev, sizeof(it->pdev), msg, sizeof(msg)))
        return vscsi_cli_usage_error(PROG, "%s", msg);
    it->vd = *vd;
    it->feature_host = fh;
    return 0;
}

static int items_from_config(const char *config, struct item *items, size_t *n)
{
    static struct vscsi_config_entry e[MAX_ENTRIES];
    struct vscsi_parse_error err;
    char *text = slurp(config);
    int rc;

    if (!text)
        return vscsi_cli_usage_error(PROG, "--config: %s: %s", config, strerror(errno));
    rc = vscsi_config_parse_file(text, e, MAX_ENTRIES, n, &err);
    free(text);
    if (rc)
        return vscsi_cli_usage_error(PROG, "--config: %s: %s", config,
                                     rc == -ENOENT ? "no vscsi setting" : err.message);
    if (*n == 0)
        return vscsi_cli_usage_error(PROG, "--config: %s: the vscsi setting lists no LUN", config);
    for (size_t i = 0; i < *n; i++) {
        char pdev[VSCSI_PDEV_STR_SIZE];
        vscsi_pdev_format(&e[i].pdev, pdev, sizeof(pdev));
        if ((rc = item_fill(&items[i], pdev, &e[i].vdev, e[i].feature_host)))
            return rc;
    }
    return 0;
}

static int items_from_args(char **pos, int npos, struct item *it)
{
    struct vscsi_vdev vd;
    struct vscsi_parse_error err;
    int fh = 0;

    if (npos == 4) {
        if (strcmp(pos[3], "feature-host") != 0)
            return vscsi_cli_usage_error(PROG, "unknown LUN option '%s' (only feature-host)",
                                         pos[3]);
        fh = 1;
    }
    if (vscsi_vdev_parse(pos[2], &vd, &err))
        return vscsi_cli_usage_error(PROG, "bad v-dev '%s': %s", pos[2], err.message);
    return item_fill(it, pos[1], &vd, fh);
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"config", required_argument, NULL, 'c'}, {"backend", required_argument, NULL, 'b'},
        {"wait", required_argument, NULL, 'w'},   {"libvirt", no_argument, NULL, 'l'},
        {"dry-run", no_argument, NULL, 'n'},      {"version", no_argument, NULL, 'V'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    static struct item items[MAX_ENTRIES];
    struct opts o = {0};
    const char *config = NULL;
    struct vscsi_xen *x = NULL;
    uint16_t domid;
    size_t nitems = 1;
    int c, rc = 0;

    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'c':
            config = optarg;
            break;
        case 'b':
            if (vscsi_tool_arg_domid(PROG, "--backend", optarg, &o.backend))
                return VSCSI_EXIT_USAGE;
            o.have_backend = 1;
            break;
        case 'w':
            if (vscsi_cli_uint(PROG, "--wait", optarg, 0, MAX_WAIT_S, &o.wait_s))
                return VSCSI_EXIT_USAGE;
            break;
        case 'l':
            o.libvirt = 1;
            break;
        case 'n':
            o.dry = 1;
            break;
        case 'V':
            return vscsi_cli_version(PROG);
        case 'h':
            usage(stdout);
            return VSCSI_EXIT_OK;
        default:
            return vscsi_cli_bad_option(PROG);
        }
    }
    int npos = argc - optind;
    if (config && npos != 1)
        return vscsi_cli_usage_error(PROG, "with --config: DOMID only (%d arguments given)", npos);
    if (!config && (npos < 3 || npos > 4))
        return vscsi_cli_usage_error(
            PROG, "need DOMID PDEV VDEV [feature-host] (%d arguments given)", npos);
    if (vscsi_tool_arg_domid(PROG, "DOMID", argv[optind], &domid))
        return VSCSI_EXIT_USAGE;
    rc = config ? items_from_config(config, items, &nitems)
                : items_from_args(argv + optind, npos, items);
    if (rc)
        return rc;
    if (!o.dry) {
        if ((rc = vscsi_xen_open(VSCSI_XEN_XS, &x))) {
            fprintf(stderr, PROG ": cannot open XenStore: %s\n", strerror(-rc));
            return VSCSI_EXIT_FAIL;
        }
        if (!o.have_backend && (rc = vscsi_xen_ops()->domid(x, &o.backend))) {
            fprintf(stderr, PROG ": cannot read own domid: %s\n", strerror(-rc));
            vscsi_xen_close(x);
            return VSCSI_EXIT_FAIL;
        }
    }
    for (size_t i = 0; i < nitems && !rc; i++)
        rc = attach_one(x, &o, domid, &items[i]);
    vscsi_xen_close(x);
    return rc ? VSCSI_EXIT_FAIL : VSCSI_EXIT_OK;
}
