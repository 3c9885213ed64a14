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

#include "attach_core.h"
#include "tools.h"
#include "vscsi_cli.h"
#include "vscsiif/toolstack.h"

#define MAX_ENTRIES 256

#define PROG       "vscsi-attach"
#define MAX_WAIT_S 3600

static void usage(FILE *f)
{
    fputs("usage: vscsi-attach [options] DOMAIN PDEV VDEV [feature-host]\n"
          "       vscsi-attach [options] DOMAIN --config FILE\n"
          "Adds a SCSI LUN to DOMAIN's (a domid or a name) PVSCSI vhost VDEV's h (created if\n"
          "absent). With --config all the file's LUNs are added or none.\n"
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

#define item vscsi_att_item

/* After the LUNs went in: say so, and wait for each if asked. */
static int report_one(struct vscsi_xen *x, const struct opts *o, uint16_t domid,
                      const struct item *it, const struct vscsi_att_done *d)
{
    const struct vscsi_platform_ops *ops = vscsi_xen_ops();
    struct vscsi_ts_vhost v = {o->backend, domid, it->vd.host, 0};
    char vdev[VSCSI_VDEV_STR_SIZE], be[128], fe[128], devdir[200];
    int rc;

    vscsi_vdev_format(&it->vd, vdev, sizeof(vdev));
    vscsi_ts_paths(&v, be, sizeof(be), fe, sizeof(fe));
    snprintf(devdir, sizeof(devdir), "%s/vscsi-devs/dev-%u", be, (unsigned)d->devid);
    printf("%s: dev-%u p-dev %s v-dev %s%s\n", be, (unsigned)d->devid, it->pdev, vdev,
           d->hotplug ? " (hotplug)" : "");
    if (!o->wait_s)
        return 0;
    rc = vscsi_tool_wait_state(ops, x, devdir, "state", VSCSI_XB_CONNECTED, o->wait_s * 1000);
    if (rc == 0 && d->hotplug)
        rc = vscsi_tool_wait_state(ops, x, be, "state", VSCSI_XB_CONNECTED, o->wait_s * 1000);
    if (rc) {
        enum vscsi_xb_state s = VSCSI_XB_UNKNOWN;
        vscsi_xb_read_state(ops, x, VSCSI_XS_NO_TXN, devdir, "state", &s);
        fprintf(stderr, PROG ": %s not connected after %u s (state %s)\n", devdir, o->wait_s,
                vscsi_xb_state_str(s));
    }
    return rc;
}

static void print_libvirt_or_dry(const struct opts *o, const struct item *it)
{
    char vdev[VSCSI_VDEV_STR_SIZE];
    vscsi_vdev_format(&it->vd, vdev, sizeof(vdev));
    if (o->libvirt) {
        struct vscsi_pdev p;
        char xml[1024];
        if (vscsi_pdev_parse(it->pdev, &p, NULL) == 0 &&
            vscsi_libvirt_hostdev_format(&p, &it->vd, xml, sizeof(xml)) > 0)
            printf("%s\n", xml);
        else
            printf("<!-- %s: libvirt names SCSI hostdevs by h:c:t:l only -->\n", it->pdev);
    }
    if (o->dry)
        printf("would add p-dev %s as v-dev %s on vhost %u\n", it->pdev, vdev,
               (unsigned)it->vd.host);
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
        return vscsi_cli_usage_error(PROG, "with --config: DOMAIN only (%d arguments given)", npos);
    if (!config && (npos < 3 || npos > 4))
        return vscsi_cli_usage_error(
            PROG, "need DOMAIN PDEV VDEV [feature-host] (%d arguments given)", npos);
    struct vscsi_tool_dom dom;
    if (vscsi_tool_arg_domain(PROG, "DOMAIN", argv[optind], &dom))
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
    for (size_t i = 0; i < nitems; i++)
        print_libvirt_or_dry(&o, &items[i]);
    if (o.dry)
        return VSCSI_EXIT_OK;
    if (vscsi_tool_dom_resolve(PROG, vscsi_xen_ops(), x, &dom)) {
        vscsi_xen_close(x);
        return VSCSI_EXIT_FAIL;
    }
    domid = dom.id;
    static struct vscsi_att_done done[MAX_ENTRIES];
    char msg[512];
    rc = vscsi_att_apply(vscsi_xen_ops(), x, o.backend, domid, items, nitems, done, msg,
                         sizeof(msg));
    if (rc)
        fprintf(stderr, PROG ": %s%s\n", msg, nitems > 1 ? " (none of the LUNs added)" : "");
    for (size_t i = 0; i < nitems && !rc; i++)
        rc = report_one(x, &o, domid, &items[i], &done[i]);
    vscsi_xen_close(x);
    return rc ? VSCSI_EXIT_FAIL : VSCSI_EXIT_OK;
}
