/* SPDX-License-Identifier: MIT */
/*
 * vscsi-bench: ring path vs raw ring.h vs minimal SPSC, then the simulator
 * end to end vs memcpy, all in one run (docs/bench.md).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "vscsi_cli.h"
#ifdef VSCSI_BENCH_HAVE_CONFIG
#include "bench_config.h"
#endif

#ifndef VSCSI_BENCH_FLAGS
#define VSCSI_BENCH_FLAGS "?"
#endif

#if defined(__SANITIZE_THREAD__)
#define BENCH_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define BENCH_TSAN 1
#endif
#endif

struct opts {
    int smoke, quick, reps;
    uint64_t fixed_n; /* --requests: fixed run size, no calibration (profiling) */
    const char *json;
    const char *only;
    double ring_secs, sim_secs, mc_secs;
};

#define SHARE_RETRIES 4 /* attempts at a two-thread run other work disturbed */

static int cpu_ids[2] = {-1, -1};
static int ncpus_usable;

/* ------------------------------------------------------------------ util */

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double bench_thread_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double bench_proc_cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t bench_preemptions(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) == 0 ? (uint64_t)ru.ru_nivcsw : 0;
}

/* A two-thread run is redone when other work on the machine preempted it
 * (involuntary context switches, more than one per 10 ms): it measured the
 * machine. Blocking inside the code under test (futex waits) is voluntary and
 * never causes a redo. */
static int disturbed(double secs, uint64_t preempted)
{
    return (double)preempted > 1 + secs * 100;
}

static void find_cpus(void)
{
    cpu_set_t set;
    int k = 0;

    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0)
        return;
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set)) {
            if (k < 2)
                cpu_ids[k] = c;
            k++;
        }
    ncpus_usable = k;
}

int bench_ncpus(void)
{
    return ncpus_usable;
}

int bench_pin(int idx)
{
    cpu_set_t set;

    if (idx < 0 || idx > 1 || cpu_ids[idx] < 0)
        return -1;
    CPU_ZERO(&set);
    CPU_SET(cpu_ids[idx], &set);
    return pthread_setaffinity_np(pthread_self(), sizeof(set), &set) ? -1 : 0;
}

static int selected(const struct opts *o, const char *name)
{
    char buf[256], *save = NULL;

    if (!o->only)
        return 1;
    snprintf(buf, sizeof(buf), "%s", o->only);
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        size_t tl = strlen(t), nl = strlen(name);
        if (tl && t[tl - 1] == '$') { /* "...$": the name must end there */
            if (tl - 1 <= nl && strncmp(name + nl - (tl - 1), t, tl - 1) == 0)
                return 1;
        } else if (strstr(name, t)) {
            return 1;
        }
    }
    return 0;
}

static double loadavg(void)
{
    FILE *f = fopen("/proc/loadavg", "r");
    double l = -1;
    if (f) {
        if (fscanf(f, "%lf", &l) != 1)
            l = -1;
        fclose(f);
    }
    return l;
}

static void env_fill(struct bench_env *e, const struct opts *o)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[256];
    struct utsname u;
    time_t now = time(NULL);
    struct tm tm;

    snprintf(e->cpu, sizeof(e->cpu), "unknown");
    while (f && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "model name", 10) == 0) {
            char *p = strchr(line, ':');
            if (p) {
                p += 1 + (p[1] == ' ');
                p[strcspn(p, "\n")] = 0;
                snprintf(e->cpu, sizeof(e->cpu), "%s", p);
            }
            break;
        }
    }
    if (f)
        fclose(f);
    if (uname(&u) == 0)
        snprintf(e->kernel, sizeof(e->kernel), "%s %s %s", u.sysname, u.release, u.machine);
#if defined(__clang__)
    snprintf(e->compiler, sizeof(e->compiler), "clang %s", __clang_version__);
#elif defined(__GNUC__)
    snprintf(e->compiler, sizeof(e->compiler), "gcc %s", __VERSION__);
#else
    snprintf(e->compiler, sizeof(e->compiler), "unknown C11 compiler");
#endif
    snprintf(e->flags, sizeof(e->flags), "%s", VSCSI_BENCH_FLAGS);
    snprintf(e->barrier_ours, sizeof(e->barrier_ours), "%s", ring_ours_barrier());
    snprintf(e->barrier_raw, sizeof(e->barrier_raw), "%s", ring_xen_barrier());
    snprintf(e->mode, sizeof(e->mode), "%s", o->smoke ? "smoke" : o->quick ? "quick" : "full");
    snprintf(e->only, sizeof(e->only), "%s", o->only ? o->only : "");
    gmtime_r(&now, &tm);
    strftime(e->date, sizeof(e->date), "%Y-%m-%dT%H:%M:%SZ", &tm);
    e->ncpus = ncpus_usable;
    e->reps = o->reps;
    e->load_start = loadavg();
}

/* ------------------------------------------------------------------ ring */

typedef int (*ring_fn)(const struct ring_cell *, uint64_t, struct ring_run *);
static const ring_fn ring_fns[IMPL_NR] = {ring_ours_run, ring_xen_run, ring_spsc_run};

static int build_cells(struct ring_cell *cells, int threads_max)
{
    static const unsigned depths[] = {1, 4, 16};
    static const struct {
        unsigned n;
        int ind;
    } segs[] = {{0, 0}, {1, 0}, {26, 0}, {128, 1}, {1024, 1}};
    int k = 0;

    /* Ring-only cells first (ring operations and the consumer's copies),
     * then the full path (build, validate, decode): the cost of each layer. */
    for (int ro = 1; ro >= 0; ro--)
        for (int t = 1; t <= threads_max; t++)
            for (unsigned d = 0; d < sizeof(depths) / sizeof(depths[0]); d++)
                for (unsigned s = 0; s < sizeof(segs) / sizeof(segs[0]); s++) {
                    struct ring_cell *c = &cells[k++];
                    c->threads = t;
                    c->depth = depths[d];
                    c->nsegs = segs[s].n;
                    c->indirect = segs[s].ind;
                    c->ringonly = ro;
                    snprintf(c->name, sizeof(c->name), "ring%s.%dt.d%u.%s%u", ro ? "only" : "", t,
                             c->depth, c->indirect ? "ind" : "seg", c->nsegs);
                }
    return k;
}

static int run_cell(const struct opts *o, const struct ring_cell *c, struct ring_result *res)
{
    struct ring_run run;
    uint64_t n = o->fixed_n ? o->fixed_n : 300;
    uint64_t ntf_req[IMPL_NR] = {0}, ntf_rsp[IMPL_NR] = {0}, reqs[IMPL_NR] = {0};
    int bad = 0;

    memset(res, 0, sizeof(*res));
    res->cell = *c;
    if (!o->smoke && !o->fixed_n) {
        /* Size the runs on the baseline so every implementation does the same work. */
        for (n = 1000;; n *= 2) {
            if (ring_xen_run(c, n, &run))
                return -1;
            if (run.secs >= 0.01 || n >= (1u << 26))
                break;
        }
        n = (uint64_t)((double)n / run.secs * o->ring_secs);
        if (n < 1000)
            n = 1000;
        for (int k = 0; k < IMPL_NR; k++) /* warm-up: caches, page faults, frequency */
            bad |= ring_fns[k](c, n / 4 + 1, &run);
    }
    res->requests = n;
    res->reps = o->reps;
    for (int r = 0; r < o->reps; r++)
        for (int k = 0; k < IMPL_NR; k++) {
            for (int attempt = 0; attempt < SHARE_RETRIES; attempt++) {
                memset(&run, 0, sizeof(run));
                bad |= ring_fns[k](c, n, &run);
                res->errors[k] += run.errors;
                ntf_req[k] += run.req_notify;
                ntf_rsp[k] += run.rsp_notify;
                reqs[k] += run.requests;
                if (c->threads < 2 || !disturbed(run.secs, run.preempted) || o->smoke)
                    break;
                res->retries++;
            }
            res->rate[k][r] = run.secs > 0 ? (double)run.requests / run.secs : 0;
            res->share[k][r] = run.cpu_share;
        }
    for (int k = 0; k < IMPL_NR; k++) {
        res->req_ntf[k] = reqs[k] ? (double)ntf_req[k] / (double)reqs[k] : 0;
        res->rsp_ntf[k] = reqs[k] ? (double)ntf_rsp[k] / (double)reqs[k] : 0;
        bad |= res->errors[k] != 0;
    }
    return bad ? -1 : 0;
}

/* ---------------------------------------------------------------- memcpy */

static int run_memcpy(const struct opts *o, uint32_t block, struct memcpy_result *res)
{
    uint64_t n = 64;
    double secs = 0;
    int bad = 0;

    memset(res, 0, sizeof(*res));
    res->block = block;
    res->reps = o->reps;
    if (!o->smoke) {
        for (n = 256;; n *= 2) {
            if (memcpy_run(block, n, &secs))
                return -1;
            if (secs >= 0.005 || n >= (1u << 28))
                break;
        }
        n = (uint64_t)((double)n / secs * o->mc_secs) + 16;
    }
    for (int r = 0; r < o->reps; r++) {
        bad |= memcpy_run(block, n, &secs);
        res->bw[r] = secs > 0 ? (double)n * block / secs : 0;
    }
    return bad ? -1 : 0;
}

/* ------------------------------------------------------------------- sim */

static int build_figs(struct sim_fig *f)
{
    static const struct {
        enum sim_kind kind;
        uint32_t xfer;
        enum sim_drive drive;
        int map;
        int zc;
    } list[] = {
        {SIM_NULL, 0, SIM_DET, 0, 0},
        {SIM_NULL, 0, SIM_EVENT, 0, 0},
        {SIM_NULL, 0, SIM_HYBRID, 0, 0},
        {SIM_NULL, 0, SIM_POLL, 0, 0},
        {SIM_READ, 4096, SIM_DET, 0, 0},
        {SIM_WRITE, 4096, SIM_DET, 0, 0},
        {SIM_READ, 4096, SIM_POLL, 0, 0},
        {SIM_WRITE, 4096, SIM_POLL, 0, 0},
        {SIM_READ, 65536, SIM_DET, 0, 0},
        {SIM_WRITE, 65536, SIM_DET, 0, 0},
        {SIM_READ, 65536, SIM_EVENT, 0, 0},
        {SIM_WRITE, 65536, SIM_EVENT, 0, 0},
        {SIM_READ, 65536, SIM_HYBRID, 0, 0},
        {SIM_WRITE, 65536, SIM_HYBRID, 0, 0},
        {SIM_READ, 65536, SIM_POLL, 0, 0},
        {SIM_WRITE, 65536, SIM_POLL, 0, 0},
        {SIM_READ, 65536, SIM_POLL, 1, 0},
        {SIM_WRITE, 65536, SIM_POLL, 1, 0},
        /* The caller's buffers granted in place (vscsi_front_buf_alloc). */
        {SIM_READ, 65536, SIM_DET, 0, 1},
        {SIM_WRITE, 65536, SIM_DET, 0, 1},
        {SIM_READ, 65536, SIM_EVENT, 0, 1},
        {SIM_WRITE, 65536, SIM_EVENT, 0, 1},
        {SIM_READ, 65536, SIM_HYBRID, 0, 1},
        {SIM_WRITE, 65536, SIM_HYBRID, 0, 1},
        {SIM_READ, 65536, SIM_POLL, 0, 1},
        {SIM_WRITE, 65536, SIM_POLL, 0, 1},
    };
    static const char *const kinds[] = {"null", "read", "write"};
    static const char *const drives[] = {"det", "event", "hybrid", "poll"};
    int n = (int)(sizeof(list) / sizeof(list[0]));

    for (int i = 0; i < n; i++) {
        f[i] = (struct sim_fig){.kind = list[i].kind,
                                .drive = list[i].drive,
                                .xfer = list[i].xfer,
                                .map_mode = list[i].map,
                                .zero_copy = list[i].zc};
        char size[16] = "";
        if (list[i].xfer)
            snprintf(size, sizeof(size), ".%uk", list[i].xfer / 1024);
        snprintf(f[i].name, sizeof(f[i].name), "sim.%s%s.%dt.%s%s%s", kinds[list[i].kind], size,
                 list[i].drive == SIM_DET ? 1 : 2, drives[list[i].drive], list[i].map ? ".map" : "",
                 list[i].zc ? ".zc" : "");
    }
    return n;
}

static int run_fig(const struct opts *o, const struct sim_fig *f, struct sim_result *res,
                   const struct bench_report *rep)
{
    struct sim_run run;
    struct sim_ctx *s;
    uint64_t n = o->fixed_n ? o->fixed_n : 64, ntf = 0, cmds = 0;
    int bad = 0;

    memset(res, 0, sizeof(*res));
    res->fig = *f;
    if (f->drive != SIM_DET && bench_ncpus() < 2) {
        res->skipped = 1;
        snprintf(res->note, sizeof(res->note), "needs 2 CPUs");
        return 0;
    }
    s = sim_open(f);
    if (!s) {
        fprintf(stderr, "vscsi-bench: %s: cannot build the simulated host\n", f->name);
        res->skipped = 1;
        snprintf(res->note, sizeof(res->note), "setup failed");
        return -1;
    }
    if (!o->smoke && !o->fixed_n) {
        for (n = 64;; n *= 2) {
            if (sim_run(s, n, &run)) {
                bad = 1;
                break;
            }
            if (run.secs >= 0.02 || n >= (1u << 24))
                break;
        }
        n = bad ? 64 : (uint64_t)((double)n / run.secs * o->sim_secs) + 32;
        bad |= sim_run(s, n / 4 + 32, &run); /* warm-up */
    }
    res->reps = o->reps;
    res->commands = n;
    for (int r = 0; r < o->reps; r++) {
        for (int attempt = 0; attempt < SHARE_RETRIES; attempt++) {
            memset(&run, 0, sizeof(run));
            bad |= sim_run(s, n, &run);
            if (f->drive == SIM_DET || !disturbed(run.secs, run.preempted) || o->smoke)
                break;
            res->retries++;
        }
        res->rate[r] = run.secs > 0 ? (double)run.commands / run.secs : 0;
        res->bw[r] = run.secs > 0 ? (double)run.bytes / run.secs : 0;
        res->share[r] = run.cpu_share;
        res->errors += run.errors;
        ntf += run.front_notifies + run.back_notifies;
        cmds += run.commands;
    }
    sim_close(s);
    res->ntf_per_cmd = cmds ? (double)ntf / (double)cmds : 0;
    for (int i = 0; i < rep->nmc; i++)
        if (rep->mc[i].block == f->xfer)
            res->memcpy_bw = stat3_of(rep->mc[i].bw, rep->mc[i].reps).median;
    for (int r = 0; r < res->reps; r++)
        res->ratio[r] = res->memcpy_bw > 0 ? res->bw[r] / res->memcpy_bw : 0;
    return bad || res->errors ? -1 : 0;
}

/* ------------------------------------------------------------------ main */

static void progress(const char *done)
{
    if (isatty(2))
        fprintf(stderr, "\r%-40s%s", done, done[0] ? "" : "\r");
}

static void usage(FILE *o)
{
    fprintf(o,
            "usage: vscsi-bench [options]\n"
            "Ring path of libvscsiif vs raw <xen/io/ring.h> vs a minimal SPSC ring, then the\n"
            "simulator end to end vs memcpy, in one run (docs/bench.md).\n\n"
            "  --smoke        tiny fixed sizes: checks the output, not the speed\n"
            "  --quick        short runs (about a minute), same matrix\n"
            "  --reps N       repetitions per figure (default 5, max %d)\n"
            "  --only LIST    comma-separated name fragments: ring, ring.2t, ring.1t.d16,\n"
            "                 sim, sim.null, sim.read.64k, ... (names as in the JSON);\n"
            "                 a trailing $ anchors the end: sim.read.64k.2t.poll$\n"
            "  --requests N   fixed requests/commands per run, no calibration (profiling)\n"
            "  --json FILE    also write the results as JSON to FILE ('-' = stdout, table\n"
            "                 then goes to stderr)\n"
            "  --version\n"
            "  -h, --help\n",
            BENCH_MAX_REPS);
    vscsi_cli_exit_help(o);
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {{"smoke", no_argument, NULL, 's'},
                                       {"quick", no_argument, NULL, 'q'},
                                       {"reps", required_argument, NULL, 'r'},
                                       {"only", required_argument, NULL, 'o'},
                                       {"json", required_argument, NULL, 'j'},
                                       {"help", no_argument, NULL, 'h'},
                                       {"requests", required_argument, NULL, 'n'},
                                       {"version", no_argument, NULL, 'V'},
                                       {NULL, 0, NULL, 0}};
    struct opts o = {.reps = 0};
    struct bench_report rep;
    int c, failed = 0, threads_max;

    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
        case 's':
            o.smoke = 1;
            break;
        case 'q':
            o.quick = 1;
            break;
        case 'r': {
            unsigned reps;
            if (vscsi_cli_uint("vscsi-bench", "--reps", optarg, 1, BENCH_MAX_REPS, &reps))
                return VSCSI_EXIT_USAGE;
            o.reps = (int)reps;
            break;
        }
        case 'o':
            if (!optarg[0] || strspn(optarg, ",") == strlen(optarg))
                return vscsi_cli_usage_error("vscsi-bench", "--only: empty list");
            o.only = optarg;
            break;
        case 'j':
            o.json = optarg;
            break;
        case 'n':
            if (vscsi_cli_u64("vscsi-bench", "--requests", optarg, 1, UINT32_MAX, &o.fixed_n))
                return VSCSI_EXIT_USAGE;
            break;
        case 'V':
            return vscsi_cli_version("vscsi-bench");
        case 'h':
            usage(stdout);
            return VSCSI_EXIT_OK;
        default:
            return vscsi_cli_bad_option("vscsi-bench");
        }
    }
    if (optind < argc)
        return vscsi_cli_usage_error("vscsi-bench", "unexpected argument '%s'", argv[optind]);
    if (!o.reps)
        o.reps = 5;
    o.ring_secs = o.quick ? 0.015 : 0.06;
    o.sim_secs = o.quick ? 0.03 : 0.12;
    o.mc_secs = o.quick ? 0.01 : 0.04;

    find_cpus();
    memset(&rep, 0, sizeof(rep));
    env_fill(&rep.env, &o);
    rep.env.pinned = bench_pin(0) == 0 && bench_ncpus() >= 2;
    threads_max = bench_ncpus() >= 2 ? 2 : 1;
#ifdef BENCH_TSAN
    /* Raw ring.h shares plain variables between threads, which TSan calls a
     * race; under TSan the ring matrix runs one-threaded only. */
    threads_max = 1;
    snprintf(rep.env.note, sizeof(rep.env.note),
             "ThreadSanitizer build: ring matrix one-threaded only; figures are not speeds");
#endif
    if (bench_ncpus() < 2)
        snprintf(rep.env.note, sizeof(rep.env.note), "one CPU usable: two-thread figures skipped");
    FILE *table = o.json && strcmp(o.json, "-") == 0 ? stderr : stdout;

    /* Ring matrix. */
    struct ring_cell cells[96];
    int ncells = build_cells(cells, threads_max);
    rep.ring = calloc((size_t)ncells, sizeof(*rep.ring));
    for (int i = 0; i < ncells && rep.ring; i++) {
        if (!selected(&o, cells[i].name))
            continue;
        if (run_cell(&o, &cells[i], &rep.ring[rep.nring])) {
            fprintf(stderr, "vscsi-bench: %s: a run failed or a response was wrong\n",
                    cells[i].name);
            failed = 1;
        }
        rep.nring++;
        progress(cells[i].name);
    }

    /* memcpy for the block sizes the selected data figures use, then the figures. */
    struct sim_fig figs[32];
    int nfigs = sim_available() ? build_figs(figs) : 0;
    uint32_t blocks[2] = {4096, 65536};
    rep.mc = calloc(2, sizeof(*rep.mc));
    rep.sim = calloc((size_t)nfigs + 1, sizeof(*rep.sim));
    for (int b = 0; b < 2 && rep.mc; b++) {
        int need = 0;
        for (int i = 0; i < nfigs; i++)
            need |= figs[i].xfer == blocks[b] && selected(&o, figs[i].name);
        char name[32];
        snprintf(name, sizeof(name), "memcpy.%uk", blocks[b] / 1024);
        if (!need && !selected(&o, name))
            continue;
        if (run_memcpy(&o, blocks[b], &rep.mc[rep.nmc])) {
            fprintf(stderr, "vscsi-bench: memcpy check failed\n");
            failed = 1;
        }
        rep.nmc++;
        progress(name);
    }
    for (int i = 0; i < nfigs && rep.sim; i++) {
        if (!selected(&o, figs[i].name))
            continue;
        if (run_fig(&o, &figs[i], &rep.sim[rep.nsim], &rep)) {
            fprintf(stderr, "vscsi-bench: %s: a run failed or a command came back wrong\n",
                    figs[i].name);
            failed = 1;
        }
        rep.nsim++;
        progress(figs[i].name);
    }
    progress("");
    rep.env.load_end = loadavg();

    report_table(&rep, table);
    if (o.json) {
        FILE *jf = strcmp(o.json, "-") == 0 ? stdout : fopen(o.json, "w");
        if (!jf || report_json(&rep, jf)) {
            fprintf(stderr, "vscsi-bench: cannot write %s: %s\n", o.json, strerror(errno));
            failed = 1;
        }
        if (jf && jf != stdout)
            fclose(jf);
    }
    free(rep.ring);
    free(rep.mc);
    free(rep.sim);
    return failed ? 1 : 0;
}
