/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/options.h"
#include "target/target.h"
#include "vscsi_cli.h"

#define PROG     "vscsi-sim"
#define MAX_OPS  1000000000ull
#define MAX_KIND 6

static const char usage[] =
    "usage: vscsi-sim [options]\n"
    "A Xen host in one process: dom0 backend, domU frontend, fake SCSI target.\n"
    "With no options: a disk, a tape drive and an autoloader on one vhost; a\n"
    "verified mixed workload, a tape session, a LUN hot-add and hot-remove.\n"
    "\n"
    "  --luns LIST        LUN kinds in order: disk, tape, changer (default disk,tape,changer;\n"
    "                     at most 6)\n"
    "  --workload W       mixed | disk | tape | null (TEST UNIT READY only); disk needs a\n"
    "                     disk LUN, tape a tape LUN, null and mixed a disk or a tape\n"
    "  --qd N             commands in flight, 1-16 (default 8)\n"
    "  --ops N            disk/null commands to issue, 1-1000000000 (default 20000)\n"
    "  --seconds S        run the disk/null workload for S seconds instead (0.001-86400)\n"
    "  --seed N           seed of the deterministic scheduler (default 1)\n"
    "  --threaded         backend on its own thread (real barriers, real waits)\n"
    "  --poll             with --threaded: both sides busy-poll the ring while busy\n"
    "  --data-mode M      copy (grant copy, default) | map (grant mapping)\n"
    "  --no-indirect      backend does not offer feature-sg-grant\n"
    "  --disk-blocks N    disk size in 512-byte blocks, 64-16777216 (default 8192)\n"
    "  --inject [K:]SPEC  fault on the first LUN of kind K (default disk), SPEC as\n"
    "                     sense:nth=5,key=3,asc=0x11,ascq=0 | medium:lba=100 |\n"
    "                     delay:us=2000 | hang:nth=3 | busy:nth=2 |\n"
    "                     tapealert:flag=N (tape: TapeAlert flag N, 1-64)\n"
    "  --tape-config OPTS tapes and changer, comma-separated key=value: capacity=SIZE\n"
    "                     (K/M/G/T, default 64M), ew=SIZE, serial=S, changer-serial=S,\n"
    "                     barcodes=TAG[:TAG...], medium-serial=PREFIX, slots=N, ie=N,\n"
    "                     dir=DIR (cartridge images and inventory survive),\n"
    "                     ua=1 (report POWER ON once, default 0)\n"
    "  --no-hotplug       skip the hotplug step\n"
    "  --trace            one decoded line per request, response and state change\n"
    "                     (on stderr with --json, so stdout stays one JSON object)\n"
    "  --json             summary as one JSON object\n"
    "  --progress         progress line on stderr\n"
    "  --replay FILE      act as a hostile frontend: feed FILE's raw request slots\n"
    "                     (see docs/fuzzing.md) to a backend, print each answer\n"
    "  --version\n"
    "  -h, --help\n"
    "exit status: 0 PASS, 1 FAIL (the run failed), 2 the command line was refused\n";

static const char *const kind_names[] = {"disk", "tape", "changer"};

static int parse_kind(const char *s)
{
    if (!strcmp(s, "disk"))
        return VSCSI_TGT_DISK;
    if (!strcmp(s, "tape"))
        return VSCSI_TGT_TAPE;
    if (!strcmp(s, "changer"))
        return VSCSI_TGT_CHANGER;
    return -1;
}

static int parse_luns(const char *arg, struct cli_opts *o)
{
    char buf[128];
    size_t len = strlen(arg);

    if (len >= sizeof(buf))
        return vscsi_cli_usage_error(PROG, "--luns: list too long");
    if (len == 0 || arg[0] == ',' || arg[len - 1] == ',' || strstr(arg, ",,"))
        return vscsi_cli_usage_error(PROG, "--luns: '%s' has an empty entry", arg);
    memcpy(buf, arg, len + 1);
    o->nkinds = 0;
    o->has_changer = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int k = parse_kind(t);
        if (k < 0)
            return vscsi_cli_usage_error(PROG, "--luns: unknown kind '%s' (disk, tape, changer)",
                                         t);
        if (o->nkinds >= MAX_KIND)
            return vscsi_cli_usage_error(PROG, "--luns: more than %d LUNs", MAX_KIND);
        o->kinds[o->nkinds++] = k;
        o->has_changer |= k == VSCSI_TGT_CHANGER;
    }
    return 0;
}

/* [disk:|tape:|changer:]SPEC, the SPEC checked now so a typo is a usage error, not a failed run. */
static int parse_inject(const char *arg, struct cli_opts *o)
{
    const char *colon = strchr(arg, ':');
    struct vscsi_tgt_fault f;

    o->inject = arg;
    o->inject_kind = VSCSI_TGT_DISK;
    if (colon) {
        char kind[16];
        size_t n = (size_t)(colon - arg);
        if (n < sizeof(kind)) {
            memcpy(kind, arg, n);
            kind[n] = '\0';
            int k = parse_kind(kind);
            if (k >= 0) {
                o->inject_kind = k;
                o->inject = colon + 1;
            }
        }
    }
    if (vscsi_tgt_fault_parse(o->inject, &f))
        return vscsi_cli_usage_error(PROG,
                                     "--inject: bad fault '%s' (sense:nth=N,key=K,asc=A,ascq=Q | "
                                     "medium:lba=N | delay:us=N | hang:nth=N | busy:nth=N)",
                                     o->inject);
    return 0;
}

/* A regular file we can read: anything else would fail (or hang on a FIFO) after setup. */
static int check_replay(const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0)
        return vscsi_cli_usage_error(PROG, "--replay: %s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return vscsi_cli_usage_error(PROG, "--replay: %s: not a regular file", path);
    if (access(path, R_OK) != 0)
        return vscsi_cli_usage_error(PROG, "--replay: %s: %s", path, strerror(errno));
    return 0;
}

static int has_kind(const struct cli_opts *o, int kind)
{
    for (unsigned i = 0; i < o->nkinds; i++)
        if (o->kinds[i] == kind)
            return 1;
    return 0;
}

/* A workload the LUNs cannot run would do nothing and report PASS. */
static int check_combination(const struct cli_opts *o)
{
    static const char *const wl_names[] = {"mixed", "disk", "tape", "null"};
    int disk = has_kind(o, VSCSI_TGT_DISK), tape = has_kind(o, VSCSI_TGT_TAPE);
    int ok = o->workload == CLI_WL_DISK ? disk : o->workload == CLI_WL_TAPE ? tape : disk || tape;

    if (!ok)
        return vscsi_cli_usage_error(PROG, "--workload %s needs %s LUN in --luns",
                                     wl_names[o->workload],
                                     o->workload == CLI_WL_DISK   ? "a disk"
                                     : o->workload == CLI_WL_TAPE ? "a tape"
                                                                  : "a disk or a tape");
    if (o->inject && !has_kind(o, o->inject_kind))
        return vscsi_cli_usage_error(PROG, "--inject: no %s LUN in --luns to inject into",
                                     kind_names[o->inject_kind]);
    if (o->poll && !o->threaded)
        return vscsi_cli_usage_error(PROG, "--poll needs --threaded");
    if (o->replay && o->json)
        return vscsi_cli_usage_error(PROG, "--json does not apply to --replay (one line per file)");
    return 0;
}

int cli_parse(int argc, char **argv, struct cli_opts *o)
{
    enum {
        O_LUNS = 256,
        O_POLL,
        O_WL,
        O_QD,
        O_OPS,
        O_SECS,
        O_SEED,
        O_THR,
        O_DM,
        O_NOIND,
        O_BLOCKS,
        O_INJ,
        O_NOHP,
        O_TRACE,
        O_JSON,
        O_PROG,
        O_REPLAY,
        O_VERSION,
        O_TAPECFG
    };
    static const struct option longopts[] = {
        {"luns", required_argument, 0, O_LUNS},
        {"workload", required_argument, 0, O_WL},
        {"qd", required_argument, 0, O_QD},
        {"ops", required_argument, 0, O_OPS},
        {"seconds", required_argument, 0, O_SECS},
        {"seed", required_argument, 0, O_SEED},
        {"threaded", no_argument, 0, O_THR},
        {"poll", no_argument, 0, O_POLL},
        {"data-mode", required_argument, 0, O_DM},
        {"no-indirect", no_argument, 0, O_NOIND},
        {"disk-blocks", required_argument, 0, O_BLOCKS},
        {"inject", required_argument, 0, O_INJ},
        {"no-hotplug", no_argument, 0, O_NOHP},
        {"trace", no_argument, 0, O_TRACE},
        {"json", no_argument, 0, O_JSON},
        {"progress", no_argument, 0, O_PROG},
        {"replay", required_argument, 0, O_REPLAY},
        {"version", no_argument, 0, O_VERSION},
        {"tape-config", required_argument, 0, O_TAPECFG},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int c;

    memset(o, 0, sizeof(*o));
    parse_luns("disk,tape,changer", o);
    o->qd = 8;
    o->ops = 20000;
    o->seed = 1;
    o->disk_blocks = 8192;
    o->inject_kind = VSCSI_TGT_DISK;
    opterr = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case O_LUNS:
            if (parse_luns(optarg, o))
                return -1;
            break;
        case O_WL:
            if (!strcmp(optarg, "mixed"))
                o->workload = CLI_WL_MIXED;
            else if (!strcmp(optarg, "disk"))
                o->workload = CLI_WL_DISK;
            else if (!strcmp(optarg, "tape"))
                o->workload = CLI_WL_TAPE;
            else if (!strcmp(optarg, "null"))
                o->workload = CLI_WL_NULL;
            else {
                vscsi_cli_usage_error(PROG, "--workload: unknown '%s' (mixed, disk, tape, null)",
                                      optarg);
                return -1;
            }
            break;
        case O_QD:
            if (vscsi_cli_uint(PROG, "--qd", optarg, 1, 16, &o->qd))
                return -1;
            break;
        case O_OPS:
            if (vscsi_cli_u64(PROG, "--ops", optarg, 1, MAX_OPS, &o->ops))
                return -1;
            o->seconds = 0;
            break;
        case O_SECS:
            if (vscsi_cli_double(PROG, "--seconds", optarg, 0.001, 86400, &o->seconds))
                return -1;
            o->ops = 0;
            break;
        case O_SEED:
            if (vscsi_cli_u64(PROG, "--seed", optarg, 0, UINT64_MAX, &o->seed))
                return -1;
            break;
        case O_THR:
            o->threaded = 1;
            break;
        case O_POLL:
            o->poll = 1;
            break;
        case O_DM:
            if (!strcmp(optarg, "copy"))
                o->map = 0;
            else if (!strcmp(optarg, "map"))
                o->map = 1;
            else {
                vscsi_cli_usage_error(PROG, "--data-mode: unknown '%s' (copy, map)", optarg);
                return -1;
            }
            break;
        case O_NOIND:
            o->no_indirect = 1;
            break;
        case O_BLOCKS:
            if (vscsi_cli_u64(PROG, "--disk-blocks", optarg, 64, 1u << 24, &o->disk_blocks))
                return -1;
            break;
        case O_INJ:
            if (parse_inject(optarg, o))
                return -1;
            break;
        case O_NOHP:
            o->no_hotplug = 1;
            break;
        case O_TRACE:
            o->trace = 1;
            break;
        case O_JSON:
            o->json = 1;
            break;
        case O_PROG:
            o->progress = 1;
            break;
        case O_REPLAY:
            if (check_replay(optarg))
                return -1;
            o->replay = optarg;
            break;
        case O_TAPECFG: {
            static struct vscsi_tgt_media_config probe;
            char err[256];

            if (vscsi_tgt_media_config_parse(optarg, &probe, err, sizeof(err))) {
                vscsi_cli_usage_error(PROG, "--tape-config: %s", err);
                return -1;
            }
            o->tape_config = optarg;
            break;
        }
        case O_VERSION:
            vscsi_cli_version(PROG);
            return 1;
        case 'h':
            fputs(usage, stdout);
            return 1;
        default:
            vscsi_cli_bad_option(PROG);
            return -1;
        }
    }
    if (optind < argc) {
        vscsi_cli_usage_error(PROG, "unexpected argument '%s'", argv[optind]);
        return -1;
    }
    if (check_combination(o))
        return -1;
    if (!o->json && !o->progress && o->seconds > 2 && isatty(2))
        o->progress = 1;
    return 0;
}
