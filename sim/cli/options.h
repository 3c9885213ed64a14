/* SPDX-License-Identifier: MIT */
#ifndef VSCSI_SIM_CLI_OPTIONS_H
#define VSCSI_SIM_CLI_OPTIONS_H

#include <stdint.h>

enum cli_workload { CLI_WL_MIXED, CLI_WL_DISK, CLI_WL_TAPE, CLI_WL_NULL };

struct cli_opts {
    int kinds[8]; /* enum vscsi_tgt_kind, in LUN order */
    unsigned nkinds;
    int has_changer;
    enum cli_workload workload;
    unsigned qd;
    uint64_t ops;
    double seconds;
    uint64_t seed;
    uint64_t disk_blocks;
    int threaded, poll, map, no_indirect, no_hotplug, trace, json, progress;
    const char *inject; /* fault spec for the first LUN of inject_kind, checked by the parser */
    int inject_kind;
    const char *replay;
    const char *tape_config; /* vscsi_tgt_media_config_parse() string, checked */
};

/* 0: run; 1: help or version printed, exit 0; -1: usage error printed, exit 2. */
int cli_parse(int argc, char **argv, struct cli_opts *o);

#endif
