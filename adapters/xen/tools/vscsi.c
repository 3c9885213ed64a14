/* SPDX-License-Identifier: MIT */
/*
 * vscsi: the xl-style front door, with the verbs and argument order of SUSE's libxl
 * PVSCSI series (v13) that xl never merged:
 *   vscsi scsi-attach <Domain> <pdev> <vdev>[,feature-host]
 *   vscsi scsi-detach <Domain> <vdev>
 *   vscsi scsi-list <Domain>...
 * -N prints as JSON what would be written and touches nothing. vscsi-attach,
 * vscsi-detach and vscsi-list remain for scripts.
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

#define PROG "vscsi"

static void usage(FILE *f)
{
    fputs("usage: vscsi [options] scsi-attach DOMAIN PDEV VDEV[,feature-host]\n"
          "       vscsi [options] scsi-attach DOMAIN --config FILE\n"
          "       vscsi [options] scsi-detach DOMAIN VDEV\n"
          "       vscsi [options] scsi-list DOMAIN...\n"
          "PVSCSI for xl users, as libxl's v13 series spells it. DOMAIN is a domid or a name.\n"
          "  PDEV  h:c:t:l | naa.<16 hex>:<lun> | /dev/disk/by-*/..., /dev/sdX, /dev/sgN\n"
          "        (a device node becomes naa.<wwn>:<lun> when LIO's xen-pvscsi exports it\n"
          "        for the kernel backend, else h:c:t:l through sysfs for vscsi-back)\n"
          "  VDEV  h:c:t:l as the guest sees it (h selects the vhost)\n"
          "options:\n"
          "  -N, --dry-run      print as JSON what would be written; open nothing\n"
          "  --backend DOMID    backend domain (default: this domain)\n"
          "  --config FILE      scsi-attach: every LUN of the file's vscsi=[...], all or none\n"
          "  --kernel-backend   scsi-attach: a device node must resolve to an LIO naa. name\n"
          "  --wait SECONDS     scsi-attach: wait for each LUN to connect, 0-3600 (default 0)\n"
          "  --timeout SECONDS  scsi-detach: bound on each wait, 1-3600 (default 10)\n"
          "  --force            scsi-detach: remove the nodes even if the drivers did not answer\n"
          "  --libvirt          scsi-attach, scsi-list: the libvirt <hostdev> equivalent too\n"
          "  --version\n"
          "  -h, --help\n"
          "Every argument (and the config file) is checked before XenStore is opened.\n",
          f);
    vscsi_cli_exit_help(f);
}

struct opts {
    uint16_t backend;
    int have_backend, dry, libvirt, kernel, force;
    unsigned wait_s, tmo_s;
    const char *config;
};

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20 || c >= 0x7f)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static void json_domain(const struct vscsi_tool_dom *d)
{
    if (d->by_name)
        json_str(d->name);
    else
        printf("%u", (unsigned)d->id);
}

/* A p-dev argument as this backend will name it: 0 or VSCSI_EXIT_USAGE after saying why. */
static int fill(struct vscsi_att_item *it, const struct opts *o, const char *pdev,
                const struct vscsi_vdev *vd, int fh)
{
    char msg[400];

    if (strncmp(pdev, "/dev/", 5) == 0) {
        char naa[VSCSI_PDEV_STR_SIZE];
        int rc = vscsi_tool_dev_to_naa(pdev, naa, sizeof(naa));
        if (rc == 0) {
            if (strlen(pdev) >= sizeof(it->arg))
                return vscsi_cli_usage_error(PROG, "p-dev too long");
            if (vscsi_att_item_fill(it, naa, vd, fh, msg, sizeof(msg)))
                return vscsi_cli_usage_error(PROG, "%s", msg);
            strcpy(it->arg, pdev); /* kept as p-devname */
            return 0;
        }
        if (o->kernel)
            return vscsi_cli_usage_error(PROG,
                                         "--kernel-backend: %s is not a LUN of LIO's xen-pvscsi "
                                         "(%s)",
                                         pdev, strerror(-rc));
    }
    if (vscsi_att_item_fill(it, pdev, vd, fh, msg, sizeof(msg)))
        return vscsi_cli_usage_error(PROG, "%s", msg);
    return 0;
}

/* "h:c:t:l[,feature-host]" */
static int vdev_arg(const char *s, struct vscsi_vdev *vd, int *fh)
{
    char buf[64];
    struct vscsi_parse_error err;
    const char *comma = strchr(s, ',');
    size_t n = comma ? (size_t)(comma - s) : strlen(s);

    if (n >= sizeof(buf))
        return vscsi_cli_usage_error(PROG, "bad v-dev '%s': too long", s);
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (comma) {
        if (strcmp(comma + 1, "feature-host") != 0)
            return vscsi_cli_usage_error(PROG, "unknown v-dev option '%s' (only feature-host)",
                                         comma + 1);
        *fh = 1;
    }
    if (vscsi_vdev_parse(buf, vd, &err))
        return vscsi_cli_usage_error(PROG, "bad v-dev '%s': %s", buf, err.message);
    return 0;
}

static int open_xs(struct vscsi_xen **x, struct opts *o)
{
    int rc = vscsi_xen_open(VSCSI_XEN_XS, x);
    if (rc) {
        fprintf(stderr, PROG ": cannot open XenStore: %s\n", strerror(-rc));
        return rc;
    }
    if (!o->have_backend && (rc = vscsi_xen_ops()->domid(*x, &o->backend))) {
        fprintf(stderr, PROG ": cannot read own domid: %s\n", strerror(-rc));
        vscsi_xen_close(*x);
    }
    return rc;
}

static int cmd_attach(struct opts *o, char **pos, int npos)
{
    static struct vscsi_att_item items[VSCSI_ATT_MAX];
    static struct vscsi_att_done done[VSCSI_ATT_MAX];
    struct vscsi_tool_dom dom;
    struct vscsi_xen *x;
    char msg[512];
    int n = 1, rc;

    if (o->config ? npos != 1 : (npos < 3 || npos > 4))
        return vscsi_cli_usage_error(PROG, "scsi-attach: need %s (%d arguments given)",
                                     o->config ? "DOMAIN with --config" : "DOMAIN PDEV VDEV", npos);
    if (vscsi_tool_arg_domain(PROG, "DOMAIN", pos[0], &dom))
        return VSCSI_EXIT_USAGE;
    if (o->config) {
        FILE *f = fopen(o->config, "r");
        static char text[1 << 20];
        size_t len;
        if (!f)
            return vscsi_cli_usage_error(PROG, "--config: %s: %s", o->config, strerror(errno));
        len = fread(text, 1, sizeof(text) - 1, f);
        fclose(f);
        text[len] = '\0';
        if (strlen(text) != len)
            return vscsi_cli_usage_error(PROG, "--config: %s: contains a NUL byte", o->config);
        n = vscsi_att_items_from_text(text, items, VSCSI_ATT_MAX, msg, sizeof(msg));
        if (n < 0)
            return vscsi_cli_usage_error(PROG, "--config: %s: %s", o->config, msg);
    } else {
        struct vscsi_vdev vd;
        int fh = 0;
        if (npos == 4 && strcmp(pos[3], "feature-host") != 0)
            return vscsi_cli_usage_error(PROG, "unknown LUN option '%s' (only feature-host)",
                                         pos[3]);
        fh = npos == 4;
        if ((rc = vdev_arg(pos[2], &vd, &fh)) || (rc = fill(&items[0], o, pos[1], &vd, fh)))
            return rc;
    }
    if (o->libvirt)
        for (int i = 0; i < n; i++) {
            struct vscsi_pdev p;
            char xml[1024];
            if (vscsi_pdev_parse(items[i].pdev, &p, NULL) == 0 &&
                vscsi_libvirt_hostdev_format(&p, &items[i].vd, xml, sizeof(xml)) > 0)
                printf("%s\n", xml);
            else
                printf("<!-- %s: libvirt names SCSI hostdevs by h:c:t:l only -->\n", items[i].pdev);
        }
    if (o->dry) {
        printf("{\"command\": \"scsi-attach\", \"domain\": ");
        json_domain(&dom);
        printf(", \"backend\": ");
        if (o->have_backend)
            printf("%u", (unsigned)o->backend);
        else
            printf("\"self\"");
        printf(", \"luns\": [");
        for (int i = 0; i < n; i++) {
            char vdev[VSCSI_VDEV_STR_SIZE];
            vscsi_vdev_format(&items[i].vd, vdev, sizeof(vdev));
            printf("%s{\"vhost\": %u, \"p-dev\": ", i ? ", " : "", (unsigned)items[i].vd.host);
            json_str(items[i].pdev);
            printf(", \"p-devname\": ");
            if (strcmp(items[i].pdev, items[i].arg))
                json_str(items[i].arg);
            else
                printf("null");
            printf(", \"v-dev\": \"%s\", \"feature-host\": %s}", vdev,
                   items[i].feature_host ? "true" : "false");
        }
        printf("]}\n");
        return VSCSI_EXIT_OK;
    }
    if (open_xs(&x, o))
        return VSCSI_EXIT_FAIL;
    if (vscsi_tool_dom_resolve(PROG, vscsi_xen_ops(), x, &dom)) {
        vscsi_xen_close(x);
        return VSCSI_EXIT_FAIL;
    }
    rc = vscsi_att_apply(vscsi_xen_ops(), x, o->backend, dom.id, items, (size_t)n, done, msg,
                         sizeof(msg));
    if (rc)
        fprintf(stderr, PROG ": %s%s\n", msg, n > 1 ? " (none of the LUNs added)" : "");
    for (int i = 0; i < n && !rc; i++) {
        char vdev[VSCSI_VDEV_STR_SIZE], dd[200];
        vscsi_vdev_format(&items[i].vd, vdev, sizeof(vdev));
        printf("domain %u vhost %u dev-%u: p-dev %s v-dev %s%s\n", (unsigned)dom.id,
               (unsigned)done[i].vhost, (unsigned)done[i].devid, items[i].pdev, vdev,
               done[i].hotplug ? " (hotplug)" : "");
        if (!o->wait_s)
            continue;
        snprintf(dd, sizeof(dd), "/local/domain/%u/backend/vscsi/%u/%u/vscsi-devs/dev-%u",
                 (unsigned)o->backend, (unsigned)dom.id, (unsigned)done[i].vhost,
                 (unsigned)done[i].devid);
        if ((rc = vscsi_tool_wait_state(vscsi_xen_ops(), x, dd, "state", VSCSI_XB_CONNECTED,
                                        o->wait_s * 1000)))
            fprintf(stderr, PROG ": %s not connected after %u s\n", dd, o->wait_s);
    }
    vscsi_xen_close(x);
    return rc ? VSCSI_EXIT_FAIL : VSCSI_EXIT_OK;
}

static int cmd_detach(struct opts *o, char **pos, int npos)
{
    struct vscsi_tool_dom dom;
    struct vscsi_vdev vd;
    struct vscsi_xen *x;
    char msg[400];
    int fh = 0, rc;

    if (npos != 2)
        return vscsi_cli_usage_error(PROG, "scsi-detach: need DOMAIN VDEV (%d arguments given)",
                                     npos);
    if (vscsi_tool_arg_domain(PROG, "DOMAIN", pos[0], &dom) || vdev_arg(pos[1], &vd, &fh))
        return VSCSI_EXIT_USAGE;
    if (o->dry) {
        char vdev[VSCSI_VDEV_STR_SIZE];
        vscsi_vdev_format(&vd, vdev, sizeof(vdev));
        printf("{\"command\": \"scsi-detach\", \"domain\": ");
        json_domain(&dom);
        printf(", \"vhost\": %u, \"v-dev\": \"%s\"}\n", (unsigned)vd.host, vdev);
        return VSCSI_EXIT_OK;
    }
    if (open_xs(&x, o))
        return VSCSI_EXIT_FAIL;
    if (vscsi_tool_dom_resolve(PROG, vscsi_xen_ops(), x, &dom)) {
        vscsi_xen_close(x);
        return VSCSI_EXIT_FAIL;
    }
    struct vscsi_ts_vhost v = {o->backend, dom.id, vd.host, 0};
    rc = vscsi_tool_detach_lun(vscsi_xen_ops(), x, &v, &vd, o->tmo_s * 1000, o->force, msg,
                               sizeof(msg));
    if (rc)
        fprintf(stderr, PROG ": %s\n", msg);
    else
        printf("%s\n", msg);
    vscsi_xen_close(x);
    return rc ? VSCSI_EXIT_FAIL : VSCSI_EXIT_OK;
}

/* The v13 table: one row per LUN. */
static void list_dom(struct vscsi_xen *x, const struct opts *o, uint16_t fdom)
{
    const struct vscsi_platform_ops *ops = vscsi_xen_ops();
    static char vhs[16384], devs[16384];
    char dir[128], be[160], dd[200], dev[240];
    int nv;

    snprintf(dir, sizeof(dir), "/local/domain/%u/backend/vscsi/%u", (unsigned)o->backend,
             (unsigned)fdom);
    nv = ops->xs_directory(x, VSCSI_XS_NO_TXN, dir, vhs, sizeof(vhs));
    for (const char *h = vhs; nv > 0; nv--, h += strlen(h) + 1) {
        uint32_t ctrl;
        enum vscsi_xb_state vs = VSCSI_XB_UNKNOWN;
        if (vscsi_xb_parse_uint(h, UINT32_MAX, &ctrl) || vscsi_xb_join(be, sizeof(be), dir, h) ||
            vscsi_xb_join(dd, sizeof(dd), be, "vscsi-devs"))
            continue;
        vscsi_xb_read_state(ops, x, VSCSI_XS_NO_TXN, be, "state", &vs);
        int nd = ops->xs_directory(x, VSCSI_XS_NO_TXN, dd, devs, sizeof(devs));
        for (const char *d = devs; nd > 0; nd--, d += strlen(d) + 1) {
            char pdev[VSCSI_PDEV_STR_SIZE] = "?", vdev[VSCSI_VDEV_STR_SIZE] = "?";
            enum vscsi_xb_state ds = VSCSI_XB_UNKNOWN;
            uint32_t idx;
            if (strncmp(d, "dev-", 4) || vscsi_xb_parse_uint(d + 4, UINT32_MAX, &idx) ||
                vscsi_xb_join(dev, sizeof(dev), dd, d))
                continue;
            vscsi_xb_read_str(ops, x, VSCSI_XS_NO_TXN, dev, "p-dev", pdev, sizeof(pdev));
            vscsi_xb_read_str(ops, x, VSCSI_XS_NO_TXN, dev, "v-dev", vdev, sizeof(vdev));
            vscsi_xb_read_state(ops, x, VSCSI_XS_NO_TXN, dev, "state", &ds);
            if (o->libvirt) {
                struct vscsi_pdev pp;
                struct vscsi_vdev vv;
                char xml[1024];
                if (vscsi_pdev_parse(pdev, &pp, NULL) == 0 &&
                    vscsi_vdev_parse(vdev, &vv, NULL) == 0 &&
                    vscsi_libvirt_hostdev_format(&pp, &vv, xml, sizeof(xml)) > 0)
                    printf("%s\n", xml);
                else
                    printf("<!-- %s: no libvirt form (h:c:t:l only) -->\n", pdev);
                continue;
            }
            printf("%-4u %-4u %-6d %-5u %-24s %-12s %d\n", (unsigned)idx, (unsigned)o->backend,
                   (int)vs, (unsigned)ctrl, pdev, vdev, (int)ds);
        }
    }
}

static int cmd_list(struct opts *o, char **pos, int npos)
{
    struct vscsi_tool_dom dom[64];
    struct vscsi_xen *x;

    if (o->dry)
        return vscsi_cli_usage_error(PROG, "-N: scsi-list writes nothing");
    if (npos < 1 || npos > 64)
        return vscsi_cli_usage_error(PROG, "scsi-list: need 1 to 64 DOMAINs (%d given)", npos);
    for (int i = 0; i < npos; i++)
        if (vscsi_tool_arg_domain(PROG, "DOMAIN", pos[i], &dom[i]))
            return VSCSI_EXIT_USAGE;
    if (open_xs(&x, o))
        return VSCSI_EXIT_FAIL;
    if (!o->libvirt)
        printf("%-4s %-4s %-6s %-5s %-24s %-12s %s\n", "Idx", "BE", "state", "ctrl", "phy-hctl",
               "vir-hctl", "devstate");
    int rc = 0;
    for (int i = 0; i < npos; i++) {
        if (vscsi_tool_dom_resolve(PROG, vscsi_xen_ops(), x, &dom[i])) {
            rc = 1;
            continue;
        }
        list_dom(x, o, dom[i].id);
    }
    vscsi_xen_close(x);
    return rc ? VSCSI_EXIT_FAIL : VSCSI_EXIT_OK;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {{"dry-run", no_argument, NULL, 'N'},
                                       {"backend", required_argument, NULL, 'b'},
                                       {"config", required_argument, NULL, 'c'},
                                       {"kernel-backend", no_argument, NULL, 'k'},
                                       {"wait", required_argument, NULL, 'w'},
                                       {"timeout", required_argument, NULL, 't'},
                                       {"force", no_argument, NULL, 'f'},
                                       {"libvirt", no_argument, NULL, 'l'},
                                       {"version", no_argument, NULL, 'V'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    struct opts o = {.tmo_s = 10};
    int c;

    while ((c = getopt_long(argc, argv, "hN", lo, NULL)) != -1) {
        switch (c) {
        case 'N':
            o.dry = 1;
            break;
        case 'b':
            if (vscsi_tool_arg_domid(PROG, "--backend", optarg, &o.backend))
                return VSCSI_EXIT_USAGE;
            o.have_backend = 1;
            break;
        case 'c':
            o.config = optarg;
            break;
        case 'k':
            o.kernel = 1;
            break;
        case 'w':
            if (vscsi_cli_uint(PROG, "--wait", optarg, 0, 3600, &o.wait_s))
                return VSCSI_EXIT_USAGE;
            break;
        case 't':
            if (vscsi_cli_uint(PROG, "--timeout", optarg, 1, 3600, &o.tmo_s))
                return VSCSI_EXIT_USAGE;
            break;
        case 'f':
            o.force = 1;
            break;
        case 'l':
            o.libvirt = 1;
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
    if (optind >= argc)
        return vscsi_cli_usage_error(PROG, "need a command: scsi-attach, scsi-detach, scsi-list");
    const char *verb = argv[optind];
    char **pos = argv + optind + 1;
    int npos = argc - optind - 1;
    if (strcmp(verb, "scsi-attach") && (o.config || o.kernel || o.wait_s))
        return vscsi_cli_usage_error(PROG, "--config, --kernel-backend, --wait: scsi-attach only");
    if (strcmp(verb, "scsi-detach") && (o.force || o.tmo_s != 10))
        return vscsi_cli_usage_error(PROG, "--force, --timeout: scsi-detach only");
    if (!strcmp(verb, "scsi-attach"))
        return cmd_attach(&o, pos, npos);
    if (!strcmp(verb, "scsi-detach")) {
        if (o.libvirt)
            return vscsi_cli_usage_error(PROG, "--libvirt: scsi-attach and scsi-list only");
        return cmd_detach(&o, pos, npos);
    }
    if (!strcmp(verb, "scsi-list"))
        return cmd_list(&o, pos, npos);
    return vscsi_cli_usage_error(PROG, "unknown command '%s' (scsi-attach, scsi-detach, scsi-list)",
                                 verb);
}
