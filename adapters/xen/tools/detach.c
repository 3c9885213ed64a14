/* SPDX-License-Identifier: MIT */
/*
 * vscsi-detach: removes one LUN from a domain's PVSCSI vhost (through
 * Reconfiguring when the vhost is connected), or a whole vhost.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools.h"
#include "vscsi_cli.h"
#include "vscsiif/toolstack.h"

#define PROG "vscsi-detach"

static void usage(FILE *f)
{
    fputs("usage: vscsi-detach [options] DOMAIN VDEV\n"
          "       vscsi-detach [options] DOMAIN --vhost H\n"
          "DOMAIN is a domid or a domain name.\n"
          "Removes the LUN the guest sees as VDEV (h:c:t:l), or the whole vhost H.\n"
          "options:\n"
          "  --backend DOMID   backend domain (default: this domain)\n"
          "  --timeout SECONDS bound on each wait for the drivers, 1-3600 (default 10)\n"
          "  --force           remove the nodes even if the drivers did not answer in time\n"
          "  --version\n"
          "  -h, --help\n"
          "Every argument is checked before XenStore is opened.\n",
          f);
    vscsi_cli_exit_help(f);
}

static int detach_lun(struct vscsi_xen *x, const struct vscsi_ts_vhost *v,
                      const struct vscsi_vdev *vd, unsigned tmo_ms, int force)
{
    char msg[400];
    int rc = vscsi_tool_detach_lun(vscsi_xen_ops(), x, v, vd, tmo_ms, force, msg, sizeof(msg));
    if (rc)
        fprintf(stderr, PROG ": %s\n", msg);
    else
        printf("%s\n", msg);
    return rc;
}

static int detach_vhost(struct vscsi_xen *x, const struct vscsi_ts_vhost *v, unsigned tmo_ms,
                        int force)
{
    const struct vscsi_platform_ops *ops = vscsi_xen_ops();
    char be[128], fe[128];
    enum vscsi_xb_state fst = VSCSI_XB_UNKNOWN;
    int rc;

    vscsi_ts_paths(v, be, sizeof(be), fe, sizeof(fe));
    rc = vscsi_ts_vhost_close(ops, x, v);
    if (rc) {
        fprintf(stderr, "vscsi-detach: %s: %s\n", be, strerror(-rc));
        return rc;
    }
    /* A frontend that never started (or a dead domain) will not answer: skip the wait. */
    if (vscsi_xb_read_state(ops, x, VSCSI_XS_NO_TXN, fe, "state", &fst) == 0 &&
        fst != VSCSI_XB_INITIALISING && fst != VSCSI_XB_CLOSED) {
        rc = vscsi_tool_wait_state(ops, x, fe, "state", VSCSI_XB_CLOSED, tmo_ms);
        if (rc == 0)
            rc = vscsi_tool_wait_state(ops, x, be, "state", VSCSI_XB_CLOSED, tmo_ms);
        if (rc && !force) {
            fprintf(stderr, "vscsi-detach: %s did not close: %s (use --force)\n", be,
                    strerror(-rc));
            return rc;
        }
    }
    rc = vscsi_ts_vhost_remove(ops, x, v);
    if (rc == 0)
        printf("%s: removed\n", be);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {{"backend", required_argument, NULL, 'b'},
                                       {"timeout", required_argument, NULL, 't'},
                                       {"vhost", required_argument, NULL, 'v'},
                                       {"force", no_argument, NULL, 'f'},
                                       {"version", no_argument, NULL, 'V'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    struct vscsi_ts_vhost v = {0};
    struct vscsi_xen *x = NULL;
    int have_backend = 0, force = 0, whole = 0, c, rc;
    unsigned tmo = 10, vhost = 0;

    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 'b':
            if (vscsi_tool_arg_domid(PROG, "--backend", optarg, &v.backend_domid))
                return VSCSI_EXIT_USAGE;
            have_backend = 1;
            break;
        case 't':
            if (vscsi_cli_uint(PROG, "--timeout", optarg, 1, 3600, &tmo))
                return VSCSI_EXIT_USAGE;
            break;
        case 'v':
            if (vscsi_cli_uint(PROG, "--vhost", optarg, 0, UINT32_MAX, &vhost))
                return VSCSI_EXIT_USAGE;
            whole = 1;
            break;
        case 'f':
            force = 1;
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
    if (argc - optind != (whole ? 1 : 2))
        return vscsi_cli_usage_error(PROG, "need %s (%d arguments given)",
                                     whole ? "DOMAIN with --vhost" : "DOMAIN VDEV", argc - optind);
    struct vscsi_tool_dom dom;
    if (vscsi_tool_arg_domain(PROG, "DOMAIN", argv[optind], &dom))
        return VSCSI_EXIT_USAGE;
    struct vscsi_vdev vd;
    if (!whole) {
        struct vscsi_parse_error err;
        if (vscsi_vdev_parse(argv[optind + 1], &vd, &err))
            return vscsi_cli_usage_error(PROG, "bad v-dev '%s': %s", argv[optind + 1], err.message);
        vhost = vd.host;
    }
    v.vhost = vhost;
    if ((rc = vscsi_xen_open(VSCSI_XEN_XS, &x))) {
        fprintf(stderr, PROG ": cannot open XenStore: %s\n", strerror(-rc));
        return VSCSI_EXIT_FAIL;
    }
    if (!have_backend && (rc = vscsi_xen_ops()->domid(x, &v.backend_domid))) {
        fprintf(stderr, PROG ": cannot read own domid: %s\n", strerror(-rc));
        vscsi_xen_close(x);
        return VSCSI_EXIT_FAIL;
    }
    if (vscsi_tool_dom_resolve(PROG, vscsi_xen_ops(), x, &dom)) {
        vscsi_xen_close(x);
        return VSCSI_EXIT_FAIL;
    }
    v.frontend_domid = dom.id;
    rc = whole ? detach_vhost(x, &v, tmo * 1000, force) : detach_lun(x, &v, &vd, tmo * 1000, force);
    vscsi_xen_close(x);
    return rc ? VSCSI_EXIT_FAIL : VSCSI_EXIT_OK;
}
