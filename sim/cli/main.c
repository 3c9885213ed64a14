/* SPDX-License-Identifier: MIT */
/* vscsi-sim: a Xen host in one process. With no arguments it attaches a
 * vhost with a disk, a tape drive and an autoloader, negotiates, runs a mixed
 * verified workload, hot-adds and removes a LUN, and prints a summary. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/options.h"
#include "scenario/io.h"
#include "scenario/replay.h"
#include "scenario/workload.h"
#include "target/target.h"
#include "vscsi_cli.h"

#define MAX_LUNS 8

struct cli_lun {
    struct vscsi_tgt_lun *lun;
    int kind;
    struct vscsi_nexus nx;
    char pdev[32];
};

struct cli {
    struct cli_opts o;
    struct vscsi_sim_world *w;
    struct cli_lun luns[MAX_LUNS];
    unsigned nluns;
    struct vscsi_sim_report rep;
    int hotplug_ok;
    struct vscsi_tgt_media_config media; /* from --tape-config (checked by cli_parse) */
};

/* With --json, stdout carries the one JSON object and nothing else. */
static FILE *trace_out;

static void trace_line(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(trace_out, "trace: %s\n", line);
}

static void lun_event(void *ctx, const char *dev, uint32_t host, const struct vscsi_nexus *nx,
                      int added)
{
    struct cli *c = ctx;
    if (c->o.trace)
        fprintf(trace_out, "trace: front %s %s %u:%u:%u:%u\n", added ? "added" : "removed", dev,
                host, nx->channel, nx->id, nx->lun);
}

static struct vscsi_tgt_lun *make_lun(int kind, struct cli *c, struct vscsi_tgt_lun **tapes,
                                      unsigned ntapes)
{
    switch (kind) {
    case VSCSI_TGT_DISK: {
        struct vscsi_tgt_disk_opts d = {.blocks = c->o.disk_blocks, .block_size = 512};
        return vscsi_tgt_disk_new(&d);
    }
    case VSCSI_TGT_TAPE: {
        struct vscsi_tgt_tape_opts t = c->media.tape;
        char tag[16];
        t.loaded = !c->o.has_changer;
        if (ntapes) { /* the configured serial and tag are the first drive's */
            snprintf(tag, sizeof(tag), "ST%04uL6", (ntapes + 1) % 10000u);
            t.serial = NULL;
            t.barcode = tag;
        }
        return vscsi_tgt_tape_new(&t);
    }
    default: {
        struct vscsi_tgt_changer_opts ch = c->media.changer;
        ch.drives = tapes;
        ch.ndrives = ntapes;
        return vscsi_tgt_changer_new(&ch);
    }
    }
}

static int build_luns(struct cli *c)
{
    struct vscsi_tgt_lun *tapes[MAX_LUNS];
    unsigned ntapes = 0;

    if (vscsi_tgt_media_config_parse(c->o.tape_config ? c->o.tape_config : "", &c->media, NULL, 0))
        return -EINVAL;
    /* Tapes first: a changer is wired to the drives that exist. */
    for (int pass = 0; pass < 2; pass++)
        for (unsigned i = 0; i < c->o.nkinds; i++) {
            int kind = c->o.kinds[i];
            if ((kind == VSCSI_TGT_CHANGER) != (pass == 1))
                continue;
            struct cli_lun *l = &c->luns[i];
            l->kind = kind;
            l->lun = make_lun(kind, c, tapes, ntapes);
            if (!l->lun)
                return -ENOMEM;
            if (kind == VSCSI_TGT_TAPE)
                tapes[ntapes++] = l->lun;
            l->nx = (struct vscsi_nexus){0, (uint16_t)i, 0};
            snprintf(l->pdev, sizeof(l->pdev), "0:0:%u:0", i);
        }
    c->nluns = c->o.nkinds;
    for (unsigned i = 0; i < c->nluns; i++) {
        int rc = vscsi_sim_world_register(c->w, c->luns[i].pdev, c->luns[i].lun);
        if (rc)
            return rc;
        if (c->o.inject_kind == c->luns[i].kind && c->o.inject) {
            struct vscsi_tgt_fault f;
            /* The parser checked the spec; a refusal here is the target's. */
            if (vscsi_tgt_fault_parse(c->o.inject, &f) || vscsi_tgt_inject(c->luns[i].lun, &f)) {
                snprintf(c->rep.failure, sizeof(c->rep.failure), "the target refused --inject '%s'",
                         c->o.inject);
                return -EINVAL;
            }
            c->o.inject_kind = -1; /* the first LUN of that kind only */
        }
    }
    return 0;
}

static const struct cli_lun *find_kind(const struct cli *c, int kind)
{
    for (unsigned i = 0; i < c->nluns; i++)
        if (c->luns[i].kind == kind)
            return &c->luns[i];
    return NULL;
}

static int attach(struct cli *c)
{
    const char *pdevs[MAX_LUNS], *vdevs[MAX_LUNS];
    static char vbuf[MAX_LUNS][32];

    for (unsigned i = 0; i < c->nluns; i++) {
        snprintf(vbuf[i], sizeof(vbuf[i]), "0:%u:%u:%u", c->luns[i].nx.channel, c->luns[i].nx.id,
                 c->luns[i].nx.lun);
        pdevs[i] = c->luns[i].pdev;
        vdevs[i] = vbuf[i];
    }
    int rc = vscsi_sim_world_attach(c->w, 0, pdevs, vdevs, c->nluns);
    if (rc == 0 && c->o.threaded)
        rc = vscsi_sim_world_start_thread(c->w);
    if (rc == 0)
        rc = vscsi_sim_world_wait_connected(c->w, 0);
    return rc;
}

/* Hot-add a disk, use it, hot-remove it, and check it is really gone. */
static int hotplug(struct cli *c, const struct vscsi_sim_workload_opts *wo)
{
    struct vscsi_tgt_disk_opts d = {.blocks = 256, .block_size = 512};
    struct vscsi_tgt_lun *lun = vscsi_tgt_disk_new(&d);
    struct vscsi_nexus nx = {0, 7, 0};
    uint32_t devid = 7;
    struct vscsi_result res;
    uint8_t inq[6] = {0x12, 0, 0, 0, 36, 0}, buf[36];
    int rc;

    if (!lun)
        return -ENOMEM;
    if ((rc = vscsi_sim_world_register(c->w, "0:0:7:0", lun)) ||
        (rc = vscsi_sim_world_hot_add(c->w, 0, devid, "0:0:7:0", "0:0:7:0")) ||
        (rc = vscsi_sim_world_wait_lun(c->w, 0, devid, VSCSI_XB_CONNECTED)))
        goto out;
    struct vscsi_sim_workload_opts small = *wo;
    small.ops = 200;
    small.progress = 0;
    small.max_blocks = 64;
    if ((rc = vscsi_sim_run_disk(c->w, &small, &nx, &c->rep)))
        goto out;
    if ((rc = vscsi_sim_world_hot_remove(c->w, 0, devid)) ||
        (rc = vscsi_sim_world_wait_lun(c->w, 0, devid, VSCSI_XB_CLOSED)))
        goto out;
    /* The frontend knows it is gone and the backend answers NO_CONNECT. */
    rc = vscsi_sim_cmd(c->w, 0, &nx, inq, 6, VSCSI_DIR_FROM_DEVICE, buf, sizeof(buf), &res, NULL);
    c->rep.commands++;
    if (rc == 0 && res.host != VSCSI_HOST_NO_CONNECT)
        rc = -EPROTO;
    else
        rc = 0;
    c->hotplug_ok = rc == 0;
out:
    /* The backend may still reference it until detach; freed with the others at exit. */
    c->luns[c->nluns].lun = lun;
    c->luns[c->nluns].kind = -1;
    c->nluns++;
    return rc;
}

static void summary(struct cli *c, int rc)
{
    struct vscsi_back_stats bs = {0};
    struct vscsi_front_stats fs = {0};
    const struct vscsi_sim_report *r = &c->rep;
    double secs = (double)r->elapsed_us / 1e6;
    double iops = secs > 0 ? (double)r->commands / secs : 0;
    double mbs = secs > 0 ? (double)(r->bytes_read + r->bytes_written) / secs / 1e6 : 0;
    /* "other" is every command that was neither a read nor a write, whichever step issued it. */
    uint64_t other = r->commands >= r->reads + r->writes ? r->commands - r->reads - r->writes : 0;

    if (vscsi_sim_world_back(c->w, 0))
        vscsi_back_stats(vscsi_sim_world_back(c->w, 0), &bs);
    if (vscsi_sim_world_front(c->w, 0))
        vscsi_front_stats(vscsi_sim_world_front(c->w, 0), &fs);
    if (c->o.json) {
        printf(
            "{\"result\":\"%s\",\"failure\":\"%s\",\"mode\":\"%s\",\"seed\":%llu,"
            "\"commands\":%llu,\"reads\":%llu,\"writes\":%llu,\"other\":%llu,\"bytes_read\":%llu,"
            "\"bytes_written\":%llu,\"errors\":%llu,\"verify_failures\":%llu,"
            "\"tape_records\":%llu,\"tape_filemarks\":%llu,\"changer_moves\":%llu,"
            "\"hotplug\":%s,\"seconds\":%.3f,\"iops\":%.0f,\"mb_per_s\":%.1f,"
            "\"backend\":{\"requests\":%llu,\"rejected\":%llu,\"notifies\":%llu,\"events\":%llu},"
            "\"frontend\":{\"submitted\":%llu,\"completed\":%llu,\"indirect\":%llu,"
            "\"notifies\":%llu,\"anomalies\":%llu}}\n",
            rc ? "fail" : "pass", rc ? r->failure : "",
            c->o.threaded ? "threaded" : "deterministic", (unsigned long long)c->o.seed,
            (unsigned long long)r->commands, (unsigned long long)r->reads,
            (unsigned long long)r->writes, (unsigned long long)other,
            (unsigned long long)r->bytes_read, (unsigned long long)r->bytes_written,
            (unsigned long long)r->errors, (unsigned long long)r->verify_failures,
            (unsigned long long)r->tape_records, (unsigned long long)r->tape_filemarks,
            (unsigned long long)r->changer_moves, c->hotplug_ok ? "true" : "false", secs, iops, mbs,
            (unsigned long long)bs.requests, (unsigned long long)bs.rejected,
            (unsigned long long)bs.notifies, (unsigned long long)bs.events,
            (unsigned long long)fs.submitted, (unsigned long long)fs.completed,
            (unsigned long long)fs.indirect, (unsigned long long)fs.notifies,
            (unsigned long long)fs.anomalies);
        return;
    }
    printf("vscsi-sim: %s%s mode, seed %llu, data %s, feature-sg-grant %s\n",
           c->o.threaded ? "threaded" : "deterministic", c->o.poll ? " polling" : "",
           (unsigned long long)c->o.seed, c->o.map ? "mapped" : "grant-copied",
           c->o.no_indirect ? "off" : "128");
    printf("  LUNs        ");
    for (unsigned i = 0; i < c->nluns; i++)
        if (c->luns[i].kind >= 0)
            printf("%s%s %s", i ? ", " : "",
                   c->luns[i].kind == VSCSI_TGT_DISK   ? "disk"
                   : c->luns[i].kind == VSCSI_TGT_TAPE ? "tape"
                                                       : "changer",
                   c->luns[i].pdev);
    printf("\n");
    printf("  commands    %llu (%llu reads, %llu writes, %llu other)\n",
           (unsigned long long)r->commands, (unsigned long long)r->reads,
           (unsigned long long)r->writes, (unsigned long long)other);
    printf("  bytes       %llu read, %llu written, all verified (%llu mismatches)\n",
           (unsigned long long)r->bytes_read, (unsigned long long)r->bytes_written,
           (unsigned long long)r->verify_failures);
    printf("  errors      %llu commands not GOOD%s\n", (unsigned long long)r->errors,
           c->o.inject ? " (faults injected)" : "");
    printf("  tape        %llu records, %llu filemarks, %llu changer moves\n",
           (unsigned long long)r->tape_records, (unsigned long long)r->tape_filemarks,
           (unsigned long long)r->changer_moves);
    printf("  hotplug     %s\n",
           c->hotplug_ok ? "LUN added, used, removed, NO_CONNECT after" : "not run");
    printf("  ring        %llu requests (%llu indirect), %llu rejected, notifications %llu to "
           "backend, %llu to frontend\n",
           (unsigned long long)bs.requests, (unsigned long long)fs.indirect,
           (unsigned long long)bs.rejected, (unsigned long long)fs.notifies,
           (unsigned long long)bs.notifies);
    printf("  rate        %.0f IOPS, %.1f MB/s over %.2f s\n", iops, mbs, secs);
    printf("  result      %s%s%s\n", rc ? "FAIL" : "PASS", rc ? ": " : "", rc ? r->failure : "");
}

int main(int argc, char **argv)
{
    struct cli c = {0};
    int rc = cli_parse(argc, argv, &c.o);

    if (rc)
        return rc > 0 ? VSCSI_EXIT_OK : VSCSI_EXIT_USAGE;
    trace_out = c.o.json ? stderr : stdout;
    if (c.o.replay) {
        rc = vscsi_sim_replay_file(c.o.replay, c.o.trace, c.o.seed);
        if (rc)
            fprintf(stderr, "vscsi-sim: replay %s failed: %s\n", c.o.replay, strerror(-rc));
        return rc ? VSCSI_EXIT_FAIL : VSCSI_EXIT_OK;
    }

    struct vscsi_sim_world_opts wo = {
        .seed = c.o.seed,
        .threaded = c.o.threaded,
        .poll = c.o.poll,
        .no_indirect = c.o.no_indirect,
        .data_mode = c.o.map ? VSCSI_BACK_MAP : VSCSI_BACK_COPY,
        .trace = c.o.trace ? trace_line : NULL,
        .done = vscsi_sim_io_done,
        .lun = lun_event,
        .cb_ctx = &c,
    };
    c.w = vscsi_sim_world_new(&wo);
    if (!c.w) {
        fprintf(stderr, "vscsi-sim: cannot create the simulated host\n");
        return VSCSI_EXIT_FAIL;
    }
    rc = build_luns(&c);
    if (rc && !c.rep.failure[0])
        snprintf(c.rep.failure, sizeof(c.rep.failure), "cannot set up the LUNs (%s)",
                 strerror(-rc));
    if (rc == 0 && (rc = attach(&c)) != 0)
        snprintf(c.rep.failure, sizeof(c.rep.failure), "attach/negotiation failed (%d)", rc);

    struct vscsi_sim_workload_opts wl = {
        .vhost = 0,
        .queue_depth = c.o.qd,
        .ops = c.o.ops,
        .seconds = c.o.seconds,
        .progress = c.o.progress,
    };
    const struct cli_lun *disk = find_kind(&c, VSCSI_TGT_DISK);
    const struct cli_lun *tape = find_kind(&c, VSCSI_TGT_TAPE);
    const struct cli_lun *changer = find_kind(&c, VSCSI_TGT_CHANGER);
    if (rc == 0 && disk && (c.o.workload == CLI_WL_MIXED || c.o.workload == CLI_WL_DISK))
        rc = vscsi_sim_run_disk(c.w, &wl, &disk->nx, &c.rep);
    if (rc == 0 && (disk || tape) && c.o.workload == CLI_WL_NULL)
        rc = vscsi_sim_run_null(c.w, &wl, disk ? &disk->nx : &tape->nx, &c.rep);
    if (rc == 0 && tape && (c.o.workload == CLI_WL_MIXED || c.o.workload == CLI_WL_TAPE))
        rc = vscsi_sim_run_tape(c.w, &wl, &tape->nx, changer ? &changer->nx : NULL, &c.rep);
    if (rc == 0 && c.o.workload == CLI_WL_MIXED && !c.o.no_hotplug) {
        rc = hotplug(&c, &wl);
        if (rc && !c.rep.failed)
            snprintf(c.rep.failure, sizeof(c.rep.failure), "hotplug failed (%d)", rc);
    }
    if (rc == 0 && c.rep.failed)
        rc = -EIO;
    if (rc == 0 && vscsi_sim_world_detach(c.w, 0) != 0) {
        snprintf(c.rep.failure, sizeof(c.rep.failure), "detach did not complete");
        rc = -ETIMEDOUT;
    }
    if (rc && !c.rep.failure[0])
        snprintf(c.rep.failure, sizeof(c.rep.failure), "run failed (%s)", strerror(-rc));
    /* The reason may quote an argument: keep the JSON string well formed. */
    for (char *p = c.rep.failure; *p; p++)
        if (*p == '"' || *p == '\\' || (unsigned char)*p < 0x20)
            *p = '\'';
    summary(&c, rc);
    vscsi_sim_world_free(c.w);
    /* Changers first: they hold their drives. */
    for (unsigned i = 0; i < c.nluns; i++)
        if (c.luns[i].lun && c.luns[i].kind == VSCSI_TGT_CHANGER)
            vscsi_tgt_free(c.luns[i].lun);
    for (unsigned i = 0; i < c.nluns; i++)
        if (c.luns[i].lun && c.luns[i].kind != VSCSI_TGT_CHANGER)
            vscsi_tgt_free(c.luns[i].lun);
    return rc ? VSCSI_EXIT_FAIL : VSCSI_EXIT_OK;
}
