/* SPDX-License-Identifier: MIT */
/* The two outputs: a table for people, JSON for bench/plot and the smoke check. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static const char *const impl_name[IMPL_NR] = {"ours", "raw", "spsc"};
static const char *const drive_name[] = {"det", "event", "hybrid", "poll"};
static const char *const kind_name[] = {"null", "read", "write"};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

struct stat3 stat3_of(const double *v, int n)
{
    double tmp[BENCH_MAX_REPS];
    struct stat3 s = {0, 0, 0};

    if (n <= 0)
        return s;
    if (n > BENCH_MAX_REPS)
        n = BENCH_MAX_REPS;
    memcpy(tmp, v, sizeof(double) * (size_t)n);
    qsort(tmp, (size_t)n, sizeof(double), cmp_double);
    s.min = tmp[0];
    s.max = tmp[n - 1];
    s.median = n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
    return s;
}

/* Per-repetition ratios a/b: the two ran back to back, so drift cancels. */
static struct stat3 ratio_of(const double *a, const double *b, int n)
{
    double r[BENCH_MAX_REPS];
    for (int i = 0; i < n && i < BENCH_MAX_REPS; i++)
        r[i] = b[i] > 0 ? a[i] / b[i] : 0;
    return stat3_of(r, n);
}

double report_ring_geomean(const struct bench_report *r, int threads, int ringonly, int vs)
{
    double logsum = 0;
    int n = 0;

    for (int i = 0; i < r->nring; i++) {
        const struct ring_result *c = &r->ring[i];
        if (c->cell.threads != threads || c->cell.ringonly != ringonly)
            continue;
        struct stat3 s = ratio_of(c->rate[IMPL_OURS], c->rate[vs], c->reps);
        if (s.median > 0) {
            logsum += log(s.median);
            n++;
        }
    }
    return n ? exp(logsum / n) : 0;
}

/* The worst of the three implementations' median core share. */
static double ring_share(const struct ring_result *c)
{
    double m = 1;
    for (int k = 0; k < IMPL_NR; k++) {
        double v = stat3_of(c->share[k], c->reps).median;
        if (v < m)
            m = v;
    }
    return m;
}

static const char *seg_label(const struct ring_cell *c, char *buf, size_t len)
{
    snprintf(buf, len, "%s%u", c->indirect ? "ind" : "", c->nsegs);
    return buf;
}

/* READ+WRITE for one size and drive: the harmonic mean of the two, i.e. the
 * rate of equal READ and WRITE volumes. 0 if either is missing. */
static double sim_hmean_rw(const struct bench_report *r, uint32_t xfer, enum sim_drive d, int map,
                           int zc, int ratio)
{
    double rd = 0, wr = 0;
    for (int i = 0; i < r->nsim; i++) {
        const struct sim_result *s = &r->sim[i];
        if (s->skipped || s->fig.xfer != xfer || s->fig.drive != d || s->fig.map_mode != map ||
            s->fig.zero_copy != zc)
            continue;
        double v = ratio ? stat3_of(s->ratio, s->reps).median : stat3_of(s->bw, s->reps).median;
        if (s->fig.kind == SIM_READ)
            rd = v;
        else if (s->fig.kind == SIM_WRITE)
            wr = v;
    }
    return rd > 0 && wr > 0 ? 2 / (1 / rd + 1 / wr) : 0;
}

/* The best two-thread drive for 64 KiB READ+WRITE (grant copy) vs memcpy,
 * with bounce buffers or with the caller's buffers granted in place. */
static double best_rw64_2t(const struct bench_report *r, enum sim_drive *which, int *zc)
{
    double best = 0;
    for (int z = 0; z <= 1; z++)
        for (int d = SIM_EVENT; d <= SIM_POLL; d++) {
            double v = sim_hmean_rw(r, 65536, (enum sim_drive)d, 0, z, 1);
            if (v > best) {
                best = v;
                *which = (enum sim_drive)d;
                *zc = z;
            }
        }
    return best;
}

static const char *buffers_name(int zc)
{
    return zc ? "zero-copy buffers" : "bounce buffers";
}

static const struct sim_result *best_null_2t(const struct bench_report *r)
{
    const struct sim_result *best = NULL;
    for (int i = 0; i < r->nsim; i++) {
        const struct sim_result *s = &r->sim[i];
        if (s->skipped || s->fig.kind != SIM_NULL || s->fig.drive == SIM_DET)
            continue;
        if (!best || stat3_of(s->rate, s->reps).median > stat3_of(best->rate, best->reps).median)
            best = s;
    }
    return best;
}

/* ------------------------------------------------------------------ table */

void report_table(const struct bench_report *r, FILE *o)
{
    const struct bench_env *e = &r->env;
    char seg[16];

    fprintf(o, "vscsi-bench  mode=%s  reps=%d  (median [min..max])  %s\n", e->mode, e->reps,
            e->date);
    fprintf(o, "cpu      : %s, %d CPUs usable%s\n", e->cpu, e->ncpus,
            e->pinned ? ", threads pinned to distinct cores" : ", NOT pinned");
    fprintf(o, "kernel   : %s   load average (1 min) at start %.2f, at end %.2f\n", e->kernel,
            e->load_start, e->load_end);
    fprintf(o, "compiler : %s   flags: %s\n", e->compiler, e->flags);
    fprintf(o, "barrier  : ours VSCSI_MB() = %s\n", e->barrier_ours);
    fprintf(o, "           raw  xen_mb()   = %s\n", e->barrier_raw);
    if (e->note[0])
        fprintf(o, "note     : %s\n", e->note);

    if (r->nring) {
        fprintf(o, "\nRing path, M requests/s. layer 'ring' = ring operations and the copies a "
                   "consumer needs\n(same inline fill and consumer for all three); 'full' = ours: "
                   "library API + request build +\nbackend validation + response decoding; raw = "
                   "<xen/io/ring.h> macros, same work inline;\nspsc = minimal 16-slot ring, same "
                   "work, no notify protocol.\n");
        fprintf(o, "1-thread figures are the thread's CPU time, 2-thread figures wall time; "
                   "'cores' is the share of two\ncores the 2-thread runs really got (a run that "
                   "other work preempted is redone, up to 4 times).\n");
        fprintf(o, "%-5s %-3s %5s %7s  %-21s %-21s %-21s %-19s %-7s %-5s %s\n", "layer", "thr",
                "depth", "segs", "ours", "raw", "spsc", "ours/raw", "/spsc", "cores",
                "notify/req (req+rsp) ours|raw");
        for (int i = 0; i < r->nring; i++) {
            const struct ring_result *c = &r->ring[i];
            char cellv[IMPL_NR][32];
            for (int k = 0; k < IMPL_NR; k++) {
                struct stat3 s = stat3_of(c->rate[k], c->reps);
                snprintf(cellv[k], sizeof(cellv[k]), "%7.2f [%.2f..%.2f]", s.median / 1e6,
                         s.min / 1e6, s.max / 1e6);
            }
            struct stat3 q = ratio_of(c->rate[IMPL_OURS], c->rate[IMPL_RAW], c->reps);
            struct stat3 qs = ratio_of(c->rate[IMPL_OURS], c->rate[IMPL_SPSC], c->reps);
            char rq[32], sh[8] = "-";
            snprintf(rq, sizeof(rq), "%.3f [%.2f..%.2f]", q.median, q.min, q.max);
            if (c->cell.threads > 1)
                snprintf(sh, sizeof(sh), "%.2f", ring_share(c));
            fprintf(o,
                    "%-5s %-3d %5u %7s  %-21s %-21s %-21s %-19s %-7.3f %-5s %.3f+%.3f | "
                    "%.3f+%.3f%s\n",
                    c->cell.ringonly ? "ring" : "full", c->cell.threads, c->cell.depth,
                    seg_label(&c->cell, seg, sizeof(seg)), cellv[0], cellv[1], cellv[2], rq,
                    qs.median, sh, c->req_ntf[IMPL_OURS], c->rsp_ntf[IMPL_OURS],
                    c->req_ntf[IMPL_RAW], c->rsp_ntf[IMPL_RAW],
                    c->errors[0] + c->errors[1] + c->errors[2] ? "  ERRORS" : "");
        }
        int redone = 0;
        for (int i = 0; i < r->nring; i++)
            redone += r->ring[i].retries;
        if (redone)
            fprintf(o, "(%d two-thread runs were redone: other work preempted them)\n", redone);
        for (int ro = 1; ro >= 0; ro--)
            for (int t = 1; t <= 2; t++) {
                double g = report_ring_geomean(r, t, ro, IMPL_RAW),
                       gs = report_ring_geomean(r, t, ro, IMPL_SPSC);
                if (g > 0)
                    fprintf(o, "geomean ours/raw, %s, %d thread%s: %.3f   ours/spsc: %.3f\n",
                            ro ? "ring" : "full", t, t > 1 ? "s" : "", g, gs);
            }
    }

    if (r->nmc) {
        fprintf(o, "\nmemcpy, one core, same working set as the data figures:\n");
        for (int i = 0; i < r->nmc; i++) {
            struct stat3 s = stat3_of(r->mc[i].bw, r->mc[i].reps);
            fprintf(o, "  %6u B blocks: %8.0f MB/s [%.0f..%.0f]\n", r->mc[i].block, s.median / 1e6,
                    s.min / 1e6, s.max / 1e6);
        }
    }

    if (r->nsim) {
        fprintf(o, "\nSimulator end to end (frontend engine -> simulated grants/event channels -> "
                   "backend engine -> fake disk), queue depth 16:\n");
        fprintf(o, "%-26s %-6s %-26s %-26s %-20s %-5s %s\n", "figure", "drive", "k commands/s",
                "MB/s", "vs memcpy", "cores", "notify/cmd");
        for (int i = 0; i < r->nsim; i++) {
            const struct sim_result *s = &r->sim[i];
            if (s->skipped) {
                fprintf(o, "%-26s skipped: %s\n", s->fig.name, s->note);
                continue;
            }
            struct stat3 c = stat3_of(s->rate, s->reps), b = stat3_of(s->bw, s->reps);
            struct stat3 q = stat3_of(s->ratio, s->reps);
            char cv[40], bv[40] = "-", qv[32] = "-";
            snprintf(cv, sizeof(cv), "%9.1f [%.1f..%.1f]", c.median / 1e3, c.min / 1e3,
                     c.max / 1e3);
            if (s->fig.kind != SIM_NULL) {
                snprintf(bv, sizeof(bv), "%7.0f [%.0f..%.0f]", b.median / 1e6, b.min / 1e6,
                         b.max / 1e6);
                snprintf(qv, sizeof(qv), "%.3f [%.2f..%.2f]", q.median, q.min, q.max);
            }
            char sh[8] = "-";
            if (s->fig.drive != SIM_DET)
                snprintf(sh, sizeof(sh), "%.2f", stat3_of(s->share, s->reps).median);
            fprintf(o, "%-26s %-6s %-26s %-26s %-20s %-5s %.3f%s\n", s->fig.name,
                    drive_name[s->fig.drive], cv, bv, qv, sh, s->ntf_per_cmd,
                    s->errors ? "  ERRORS" : "");
        }
    }

    fprintf(o, "\nTargets:\n");
    for (int ro = 1; ro >= 0; ro--)
        for (int t = 1; t <= 2; t++) {
            double g = report_ring_geomean(r, t, ro, IMPL_RAW);
            if (g > 0)
                fprintf(o, "  %s path %dT >= 1.0x raw ring.h (geomean of cells): %.3f  %s\n",
                        ro ? "ring" : "full", t, g, g >= 1.0 ? "met" : "MISSED");
        }
    const struct sim_result *bn = best_null_2t(r);
    if (bn) {
        double v = stat3_of(bn->rate, bn->reps).median;
        fprintf(o, "  sim null commands >= 5 M/s on 2 threads (best drive: %s): %.2f M/s  %s\n",
                drive_name[bn->fig.drive], v / 1e6, v >= 5e6 ? "met" : "MISSED");
    }
    enum sim_drive dq = SIM_POLL;
    int zq = 0;
    double q64 = best_rw64_2t(r, &dq, &zq);
    if (q64 > 0)
        fprintf(o,
                "  64 KiB READ+WRITE >= 0.8x memcpy (2 threads, grant copy, best: %s, %s): "
                "%.3f  %s\n",
                drive_name[dq], buffers_name(zq), q64, q64 >= 0.8 ? "met" : "MISSED");
}

/* ------------------------------------------------------------------- JSON */

static void json_str(FILE *o, const char *s)
{
    fputc('"', o);
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(o, "\\%c", ch);
        else if (ch < 0x20)
            fprintf(o, "\\u%04x", ch);
        else
            fputc(ch, o);
    }
    fputc('"', o);
}

static void json_stat(FILE *o, const char *key, struct stat3 s, double scale)
{
    fprintf(o, "\"%s\":{\"median\":%.6g,\"min\":%.6g,\"max\":%.6g}", key, s.median * scale,
            s.min * scale, s.max * scale);
}

int report_json(const struct bench_report *r, FILE *o)
{
    const struct bench_env *e = &r->env;

    fprintf(o, "{\"schema\":\"vscsi-bench/1\",\"env\":{\"cpu\":");
    json_str(o, e->cpu);
    fprintf(o, ",\"ncpus\":%d,\"pinned\":%s,\"load_start\":%.3g,\"load_end\":%.3g,\"kernel\":",
            e->ncpus, e->pinned ? "true" : "false", e->load_start, e->load_end);
    json_str(o, e->kernel);
    fprintf(o, ",\"compiler\":");
    json_str(o, e->compiler);
    fprintf(o, ",\"flags\":");
    json_str(o, e->flags);
    fprintf(o, ",\"barrier_ours\":");
    json_str(o, e->barrier_ours);
    fprintf(o, ",\"barrier_raw\":");
    json_str(o, e->barrier_raw);
    fprintf(o, ",\"mode\":");
    json_str(o, e->mode);
    fprintf(o, ",\"only\":");
    json_str(o, e->only);
    fprintf(o, ",\"date\":");
    json_str(o, e->date);
    fprintf(o, ",\"note\":");
    json_str(o, e->note);
    fprintf(o, ",\"reps\":%d},\n\"ring\":[", e->reps);

    for (int i = 0; i < r->nring; i++) {
        const struct ring_result *c = &r->ring[i];
        fprintf(o, "%s\n{\"name\":", i ? "," : "");
        json_str(o, c->cell.name);
        fprintf(o,
                ",\"threads\":%d,\"depth\":%u,\"segs\":%u,\"indirect\":%s,\"ringonly\":%s,"
                "\"requests\":%llu,\"reps\":%d,\"impl\":{",
                c->cell.threads, c->cell.depth, c->cell.nsegs, c->cell.indirect ? "true" : "false",
                c->cell.ringonly ? "true" : "false", (unsigned long long)c->requests, c->reps);
        for (int k = 0; k < IMPL_NR; k++) {
            struct stat3 s = stat3_of(c->rate[k], c->reps);
            fprintf(o, "%s\"%s\":{", k ? "," : "", impl_name[k]);
            json_stat(o, "mreq_s", s, 1e-6);
            fputc(',', o);
            json_stat(o, "cpu_share", stat3_of(c->share[k], c->reps), 1);
            fprintf(o,
                    ",\"ns_per_req\":%.4g,\"req_notify_per_req\":%.6g,"
                    "\"rsp_notify_per_req\":%.6g,\"errors\":%llu}",
                    s.median > 0 ? 1e9 / s.median : 0, c->req_ntf[k], c->rsp_ntf[k],
                    (unsigned long long)c->errors[k]);
        }
        fputs("},", o);
        json_stat(o, "ratio_ours_raw", ratio_of(c->rate[IMPL_OURS], c->rate[IMPL_RAW], c->reps), 1);
        fputc(',', o);
        json_stat(o, "ratio_ours_spsc", ratio_of(c->rate[IMPL_OURS], c->rate[IMPL_SPSC], c->reps),
                  1);
        fputc(',', o);
        json_stat(o, "ratio_raw_spsc", ratio_of(c->rate[IMPL_RAW], c->rate[IMPL_SPSC], c->reps), 1);
        fprintf(o, ",\"retries\":%d}", c->retries);
    }
    fputs("],\n\"memcpy\":[", o);
    for (int i = 0; i < r->nmc; i++) {
        fprintf(o, "%s{\"block\":%u,\"reps\":%d,", i ? "," : "", r->mc[i].block, r->mc[i].reps);
        json_stat(o, "mb_s", stat3_of(r->mc[i].bw, r->mc[i].reps), 1e-6);
        fputc('}', o);
    }
    fputs("],\n\"sim\":[", o);
    int first = 1;
    for (int i = 0; i < r->nsim; i++) {
        const struct sim_result *s = &r->sim[i];
        if (s->skipped)
            continue;
        fprintf(o, "%s\n{\"name\":", first ? "" : ",");
        first = 0;
        json_str(o, s->fig.name);
        fprintf(o,
                ",\"kind\":\"%s\",\"drive\":\"%s\",\"threads\":%d,\"xfer\":%u,"
                "\"data_mode\":\"%s\",\"zero_copy\":%s,\"commands\":%llu,\"reps\":%d,",
                kind_name[s->fig.kind], drive_name[s->fig.drive], s->fig.drive == SIM_DET ? 1 : 2,
                s->fig.xfer, s->fig.map_mode ? "map" : "copy", s->fig.zero_copy ? "true" : "false",
                (unsigned long long)s->commands, s->reps);
        json_stat(o, "mcmd_s", stat3_of(s->rate, s->reps), 1e-6);
        if (s->fig.kind != SIM_NULL) {
            fputc(',', o);
            json_stat(o, "mb_s", stat3_of(s->bw, s->reps), 1e-6);
            fprintf(o, ",\"memcpy_mb_s\":%.6g,", s->memcpy_bw / 1e6);
            json_stat(o, "ratio_memcpy", stat3_of(s->ratio, s->reps), 1);
        }
        fputc(',', o);
        json_stat(o, "cpu_share", stat3_of(s->share, s->reps), 1);
        fprintf(o, ",\"notify_per_cmd\":%.6g,\"retries\":%d,\"errors\":%llu}", s->ntf_per_cmd,
                s->retries, (unsigned long long)s->errors);
    }
    fputs("],\n\"targets\":[", o);
    first = 1;
    for (int ro = 1; ro >= 0; ro--)
        for (int t = 1; t <= 2; t++) {
            double g = report_ring_geomean(r, t, ro, IMPL_RAW);
            if (g <= 0)
                continue;
            fprintf(o,
                    "%s{\"name\":\"%s_%dt_vs_raw\",\"want\":1.0,\"ratio_got\":%.6g,"
                    "\"met\":%s}",
                    first ? "" : ",", ro ? "ringonly" : "ring", t, g, g >= 1.0 ? "true" : "false");
            first = 0;
        }
    const struct sim_result *bn = best_null_2t(r);
    if (bn) {
        double v = stat3_of(bn->rate, bn->reps).median;
        fprintf(o,
                "%s{\"name\":\"sim_null_2t_mcmd_s\",\"want\":5,\"got\":%.6g,\"drive\":\"%s\","
                "\"met\":%s}",
                first ? "" : ",", v / 1e6, drive_name[bn->fig.drive], v >= 5e6 ? "true" : "false");
        first = 0;
    }
    enum sim_drive dq = SIM_POLL;
    int zq = 0;
    double q64 = best_rw64_2t(r, &dq, &zq);
    if (q64 > 0) {
        fprintf(o,
                "%s{\"name\":\"data_64k_rw_vs_memcpy\",\"want\":0.8,\"ratio_got\":%.6g,"
                "\"drive\":\"%s\",\"zero_copy\":%s,\"met\":%s}",
                first ? "" : ",", q64, drive_name[dq], zq ? "true" : "false",
                q64 >= 0.8 ? "true" : "false");
    }
    fputs("]}\n", o);
    return ferror(o) ? -1 : 0;
}
