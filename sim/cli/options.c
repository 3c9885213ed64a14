/* SPDX-License-Identifier: MIT */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/options.h"
#include "target/target.h"

static const char usage[] =
    "usage: vscsi-sim [options]\n"
    "A Xen host in one process: dom0 backend, domU frontend, fake SCSI target.\n"
    "With no options: a disk, a tape drive and an autoloader on one vhost; a\n"
    "verified mixed workload, a tape session, a LUN hot-add and hot-remove.\n"
    "\n"
    "  --luns LIST        LUN kinds in order: disk, tape, changer (default disk,tape,changer)\n"
    "  --workload W       mixed | disk | tape | null (TEST UNIT READY only)\n"
    "  --qd N             commands in flight, 1-16 (default 8)\n"
    "  --ops N            disk/null commands to issue (default 20000)\n"
    "  --seconds S        run the disk/null workload for S seconds instead\n"
    "  --seed N           seed of the deterministic scheduler (default 1)\n"
    "  --threaded         backend on its own thread (real barriers, real waits)\n"
    "  --poll             with --threaded: both sides busy-poll the ring while busy\n"
    "  --data-mode M      copy (grant copy, default) | map (grant mapping)\n"
    "  --no-indirect      backend does not offer feature-sg-grant\n"
    "  --disk-blocks N    disk size in 512-byte blocks (default 8192)\n"
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
    "  --json             summary as one JSON object\n"
    "  --progress         progress line on stderr\n"
    "  --replay FILE      act as a hostile frontend: feed FILE's raw request slots\n"
    "                     (see docs/fuzzing.md) to a backend, print each answer\n"
    "  --help\n";

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
    if (strlen(arg) >= sizeof(buf))
        return -1;
    strcpy(buf, arg);
    o->nkinds = 0;
    o->has_changer = 0;
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        int k = parse_kind(t);
        if (k < 0 || o->nkinds >= 6)
            return -1;
        o->kinds[o->nkinds++] = k;
        o->has_changer |= k == VSCSI_TGT_CHANGER;
    }
    return o->nkinds ? 0 : -1;
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    if (!*s || *s == '-')
        return -1;
    unsigned long long v = strtoull(s, &end, 0);
    if (*end)
        return -1;
    *out = v;
    return 0;
}

static int bad(const char *opt, const char *arg)
{
    fprintf(stderr, "vscsi-sim: bad value '%s' for %s\n%s", arg, opt, usage);
    return -1;
}

int cli_parse(int argc, char **argv, struct cli_opts *o)
{
    enum { O_LUNS = 256, O_POLL, O_WL, O_QD, O_OPS, O_SECS, O_SEED, O_THR, O_DM, O_NOIND, O_BLOCKS,
           O_INJ, O_NOHP, O_TRACE, O_JSON, O_PROG, O_REPLAY, O_HELP, O_TAPECFG };
    static const struct option longopts[] = {
        {"luns", required_argument, 0, O_LUNS},     {"workload", required_argument, 0, O_WL},
        {"qd", required_argument, 0, O_QD},         {"ops", required_argument, 0, O_OPS},
        {"seconds", required_argument, 0, O_SECS},  {"seed", required_argument, 0, O_SEED},
        {"threaded", no_argument, 0, O_THR},        {"poll", no_argument, 0, O_POLL},        {"data-mode", required_argument, 0, O_DM},
        {"no-indirect", no_argument, 0, O_NOIND},   {"disk-blocks", required_argument, 0, O_BLOCKS},
        {"inject", required_argument, 0, O_INJ},    {"no-hotplug", no_argument, 0, O_NOHP},
        {"trace", no_argument, 0, O_TRACE},         {"json", no_argument, 0, O_JSON},
        {"progress", no_argument, 0, O_PROG},       {"replay", required_argument, 0, O_REPLAY},
        {"help", no_argument, 0, O_HELP},           {"tape-config", required_argument, 0, O_TAPECFG},
        {0, 0, 0, 0},
    };
    uint64_t v;
    int c;

    memset(o, 0, sizeof(*o));
    parse_luns("disk,tape,changer", o);
    o->qd = 8;
    o->ops = 20000;
    o->seed = 1;
    o->disk_blocks = 8192;
    o->inject_kind = VSCSI_TGT_DISK;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case O_LUNS:
            if (parse_luns(optarg, o))
                return bad("--luns", optarg);
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
            else
                return bad("--workload", optarg);
            break;
        case O_QD:
            if (parse_u64(optarg, &v) || v < 1 || v > 16)
                return bad("--qd", optarg);
            o->qd = (unsigned)v;
            break;
        case O_OPS:
            if (parse_u64(optarg, &v))
                return bad("--ops", optarg);
            o->ops = v;
            break;
        case O_SECS: {
            char *end;
            o->seconds = strtod(optarg, &end);
            if (*end || o->seconds <= 0 || o->seconds > 86400)
                return bad("--seconds", optarg);
            o->ops = 0;
            break;
        }
        case O_SEED:
            if (parse_u64(optarg, &v))
                return bad("--seed", optarg);
            o->seed = v;
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
            else
                return bad("--data-mode", optarg);
            break;
        case O_NOIND:
            o->no_indirect = 1;
            break;
        case O_BLOCKS:
            if (parse_u64(optarg, &v) || v < 64 || v > (1u << 24))
                return bad("--disk-blocks", optarg);
            o->disk_blocks = v;
            break;
        case O_INJ: {
            const char *colon = strchr(optarg, ':');
            o->inject = optarg;
            if (colon) {
                char kind[16];
                size_t n = (size_t)(colon - optarg);
                if (n < sizeof(kind)) {
                    memcpy(kind, optarg, n);
                    kind[n] = '\0';
                    int k = parse_kind(kind);
                    if (k >= 0) {
                        o->inject_kind = k;
                        o->inject = colon + 1;
                    }
                }
            }
            break;
        }
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
            o->replay = optarg;
            break;
        case O_TAPECFG: {
            static struct vscsi_tgt_media_config probe;
            char err[256];
            if (vscsi_tgt_media_config_parse(optarg, &probe, err, sizeof(err))) {
                fprintf(stderr, "vscsi-sim: --tape-config: %s\n", err);
                return -1;
            }
            o->tape_config = optarg;
            break;
        }
        case O_HELP:
            fputs(usage, stdout);
            return 1;
        default:
            fputs(usage, stderr);
            return -1;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "vscsi-sim: unexpected argument '%s'\n%s", argv[optind], usage);
        return -1;
    }
    if (o->poll && !o->threaded) {
        fprintf(stderr, "vscsi-sim: --poll needs --threaded\n");
        return -1;
    }
    if (!o->json && !o->progress && o->seconds > 2 && isatty(2))
        o->progress = 1;
    return 0;
}
