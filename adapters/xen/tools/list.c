/* SPDX-License-Identifier: MIT */
/* vscsi-list: the PVSCSI vhosts and LUNs this (backend) domain serves, from XenStore. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools.h"
#include "vscsi_cli.h"

#define LIST_BUF 16384

#define PROG "vscsi-list"

static void usage(FILE *f)
{
    fputs("usage: vscsi-list [--backend DOMID] [--libvirt] [DOMAIN]\n"
          "Lists PVSCSI vhosts and their LUNs (all guests, or only DOMAIN: a domid or a name).\n"
          "  --backend DOMID  backend domain whose vhosts to list (default: this domain)\n"
          "  --libvirt        print each LUN as a libvirt <hostdev type='scsi'> element\n"
          "  --version\n"
          "  -h, --help\n",
          f);
    vscsi_cli_exit_help(f);
}

static int list_dir(struct vscsi_xen *x, const char *path, char *buf, size_t len)
{
    return vscsi_xen_ops()->xs_directory(x, VSCSI_XS_NO_TXN, path, buf, len);
}

static const char *state_of(struct vscsi_xen *x, const char *dir)
{
    enum vscsi_xb_state s;
    return vscsi_xb_read_state(vscsi_xen_ops(), x, VSCSI_XS_NO_TXN, dir, "state", &s) == 0
               ? vscsi_xb_state_str(s)
               : "-";
}

static void list_vhost(struct vscsi_xen *x, const char *be, const char *fdom, const char *vh,
                       int libvirt)
{
    const struct vscsi_platform_ops *ops = vscsi_xen_ops();
    static char devs[LIST_BUF];
    char dd[VSCSI_XB_PATH_MAX + 1], dev[VSCSI_XB_PATH_MAX + 1];
    char pdev[VSCSI_PDEV_STR_SIZE], vdev[VSCSI_VDEV_STR_SIZE], fh[8] = "0";
    int n;

    vscsi_xb_read_str(ops, x, VSCSI_XS_NO_TXN, be, "feature-host", fh, sizeof(fh));
    if (!libvirt)
        printf("domain %s vhost %s: backend %s%s\n", fdom, vh, state_of(x, be),
               strcmp(fh, "1") == 0 ? " feature-host" : "");
    if (vscsi_xb_join(dd, sizeof(dd), be, "vscsi-devs"))
        return;
    n = list_dir(x, dd, devs, sizeof(devs));
    for (const char *p = devs; n > 0; n--, p += strlen(p) + 1) {
        if (vscsi_xb_join(dev, sizeof(dev), dd, p))
            continue;
        if (vscsi_xb_read_str(ops, x, VSCSI_XS_NO_TXN, dev, "p-dev", pdev, sizeof(pdev)) < 0)
            strcpy(pdev, "?");
        if (vscsi_xb_read_str(ops, x, VSCSI_XS_NO_TXN, dev, "v-dev", vdev, sizeof(vdev)) < 0)
            strcpy(vdev, "?");
        if (libvirt) {
            struct vscsi_pdev pp;
            struct vscsi_vdev vv;
            char xml[1024];
            if (vscsi_pdev_parse(pdev, &pp, NULL) == 0 && vscsi_vdev_parse(vdev, &vv, NULL) == 0 &&
                vscsi_libvirt_hostdev_format(&pp, &vv, xml, sizeof(xml)) > 0)
                printf("<!-- domain %s %s -->\n%s\n", fdom, p, xml);
            else
                printf("<!-- domain %s %s: p-dev %s has no libvirt form (h:c:t:l only) -->\n", fdom,
                       p, pdev);
        } else {
            printf("  %-8s p-dev %-28s v-dev %-12s %s\n", p, pdev, vdev, state_of(x, dev));
        }
    }
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {{"backend", required_argument, NULL, 'b'},
                                       {"libvirt", no_argument, NULL, 'l'},
                                       {"version", no_argument, NULL, 'V'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    static char doms[LIST_BUF], vhs[LIST_BUF];
    uint16_t backend = 0, only = 0;
    int have_backend = 0, have_only = 0, libvirt = 0, c, rc, nd;
    struct vscsi_xen *x;
    char root[64], dir[VSCSI_XB_PATH_MAX + 1], be[VSCSI_XB_PATH_MAX + 1];

    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'b':
            if (vscsi_tool_arg_domid(PROG, "--backend", optarg, &backend))
                return VSCSI_EXIT_USAGE;
            have_backend = 1;
            break;
        case 'l':
            libvirt = 1;
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
    if (argc - optind > 1)
        return vscsi_cli_usage_error(PROG, "at most one DOMAIN (%d arguments given)",
                                     argc - optind);
    struct vscsi_tool_dom dom;
    if (argc - optind == 1 && vscsi_tool_arg_domain(PROG, "DOMAIN", argv[optind], &dom))
        return VSCSI_EXIT_USAGE;
    have_only = argc - optind == 1;
    if ((rc = vscsi_xen_open(VSCSI_XEN_XS, &x))) {
        fprintf(stderr, "vscsi-list: cannot open XenStore: %s\n", strerror(-rc));
        return VSCSI_EXIT_FAIL;
    }
    if (!have_backend && (rc = vscsi_xen_ops()->domid(x, &backend))) {
        fprintf(stderr, "vscsi-list: cannot read own domid: %s\n", strerror(-rc));
        vscsi_xen_close(x);
        return 1;
    }
    if (have_only) {
        if (vscsi_tool_dom_resolve(PROG, vscsi_xen_ops(), x, &dom)) {
            vscsi_xen_close(x);
            return VSCSI_EXIT_FAIL;
        }
        only = dom.id;
    }
    snprintf(root, sizeof(root), "/local/domain/%u/backend/vscsi", (unsigned)backend);
    nd = list_dir(x, root, doms, sizeof(doms));
    if (nd == -ENOENT)
        nd = 0;
    if (nd < 0) {
        fprintf(stderr, "vscsi-list: %s: %s\n", root, strerror(-nd));
        vscsi_xen_close(x);
        return 1;
    }
    for (const char *d = doms; nd > 0; nd--, d += strlen(d) + 1) {
        uint16_t dd;
        if (have_only && (vscsi_tool_parse_domid(d, &dd) || dd != only))
            continue;
        if (vscsi_xb_join(dir, sizeof(dir), root, d))
            continue;
        int nv = list_dir(x, dir, vhs, sizeof(vhs));
        for (const char *v = vhs; nv > 0; nv--, v += strlen(v) + 1) {
            if (vscsi_xb_join(be, sizeof(be), dir, v))
                continue;
            list_vhost(x, be, d, v, libvirt);
        }
    }
    vscsi_xen_close(x);
    return 0;
}
