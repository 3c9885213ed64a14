/* SPDX-License-Identifier: MIT */
/*
 * vscsi-bench: shared types. One binary measures, in one run and with the
 * same barrier instruction, the library's ring path, a raw loop over Xen's
 * io/ring.h and a minimal SPSC ring (docs/bench.md), then the
 * simulator end to end against memcpy.
 */
#ifndef VSCSI_BENCH_H
#define VSCSI_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BENCH_MAX_REPS 64

/* ------------------------------------------------------------ ring matrix */

enum ring_impl { IMPL_OURS, IMPL_RAW, IMPL_SPSC, IMPL_NR };

struct ring_cell {
    int threads;    /* 1: both ends on one thread; 2: front and back pinned apart */
    unsigned depth; /* requests kept in flight, 1..16 */
    unsigned nsegs; /* data segments per request */
    int indirect;   /* segments described in indirect pages */
    int ringonly;   /* ring operations and the copies a consumer needs only: no
                       builder, no validator, no decoder (the same inline fill
                       and consumer for every implementation) */
    char name[48];
};

/* What one timed run of one implementation produced. */
struct ring_run {
    uint64_t requests;
    double secs;         /* 1 thread: the thread's CPU time; 2 threads: wall time */
    double cpu_share;    /* 2 threads: process CPU time / (2 x wall); 1 thread: 1 */
    uint64_t preempted;  /* involuntary context switches of the process during the run */
    uint64_t req_notify; /* pushes of requests that said "notify the backend" */
    uint64_t rsp_notify; /* pushes of responses that said "notify the frontend" */
    uint64_t errors;     /* responses that failed validation (must stay 0) */
};

int ring_ours_run(const struct ring_cell *c, uint64_t n, struct ring_run *out);
int ring_xen_run(const struct ring_cell *c, uint64_t n, struct ring_run *out);
int ring_spsc_run(const struct ring_cell *c, uint64_t n, struct ring_run *out);
/* The barrier each file was compiled with, as text. */
const char *ring_ours_barrier(void);
const char *ring_xen_barrier(void);

/* --------------------------------------------------------------- sim e2e */

enum sim_kind { SIM_NULL, SIM_READ, SIM_WRITE };
enum sim_drive {
    SIM_DET,    /* deterministic world, one thread (vscsi_sim_run_null / world steps) */
    SIM_EVENT,  /* threaded world: backend thread sleeps on the event channel */
    SIM_HYBRID, /* 2 pinned threads: busy-poll a while, then sleep on the event channel */
    SIM_POLL,   /* 2 pinned threads: both ends busy-poll their ring */
};

struct sim_fig {
    enum sim_kind kind;
    enum sim_drive drive;
    uint32_t xfer; /* bytes per command (0 for null) */
    int map_mode;  /* backend maps grants instead of copying */
    int zero_copy; /* I/O buffers from vscsi_front_buf_alloc: granted in place, no bounce */
    char name[48];
};

struct sim_run {
    uint64_t commands;
    uint64_t bytes;
    double secs;      /* det: the thread's CPU time; otherwise wall time */
    double cpu_share; /* process CPU time / (threads x wall) */
    uint64_t preempted;
    uint64_t errors;
    uint64_t front_notifies, back_notifies;
};

/* Opaque per-figure context: the world is built once, then run many times. */
struct sim_ctx;
struct sim_ctx *sim_open(const struct sim_fig *f);
int sim_run(struct sim_ctx *s, uint64_t n, struct sim_run *out);
void sim_close(struct sim_ctx *s);
int sim_available(void);

/* ---------------------------------------------------------------- memcpy */

/* Copies `block`-byte buffers round-robin over the same working set as the
 * data-path figures (16 sources, 16 destinations); returns bytes copied. */
int memcpy_run(uint32_t block, uint64_t n, double *secs);

/* ----------------------------------------------------------------- util */

double bench_now(void);
/* CPU time of the calling thread / of the whole process, seconds. */
double bench_thread_cpu(void);
double bench_proc_cpu(void);
/* Involuntary context switches of the process so far: other work took our CPU. */
uint64_t bench_preemptions(void);
/* Pins the calling thread to the idx-th CPU it may run on; -1 if unavailable. */
int bench_pin(int idx);
/* CPUs the process may run on. */
int bench_ncpus(void);
static inline void bench_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

/* Summary of repetitions. */
struct stat3 {
    double median, min, max;
};
struct stat3 stat3_of(const double *v, int n);

/* ---------------------------------------------------------------- report */

struct ring_result {
    struct ring_cell cell;
    uint64_t requests; /* per run */
    int reps;
    double rate[IMPL_NR][BENCH_MAX_REPS];      /* requests per second */
    double req_ntf[IMPL_NR], rsp_ntf[IMPL_NR]; /* per request, all reps */
    double share[IMPL_NR][BENCH_MAX_REPS];     /* cpu_share of each run */
    uint64_t errors[IMPL_NR];
    int retries; /* 2-thread runs redone because they did not get their cores */
};

struct sim_result {
    struct sim_fig fig;
    int reps;
    uint64_t commands;            /* per run */
    double rate[BENCH_MAX_REPS];  /* commands/s */
    double bw[BENCH_MAX_REPS];    /* bytes/s (data figures) */
    double memcpy_bw;             /* median bytes/s of memcpy, same block size */
    double ratio[BENCH_MAX_REPS]; /* bw / memcpy median */
    double ntf_per_cmd;           /* front + back notifies per command */
    double share[BENCH_MAX_REPS];
    uint64_t errors;
    int retries;
    int skipped;
    char note[96];
};

struct memcpy_result {
    uint32_t block;
    int reps;
    double bw[BENCH_MAX_REPS]; /* bytes/s */
};

struct bench_env {
    char cpu[128];
    int ncpus;
    char kernel[200];
    char compiler[64];
    char flags[128];
    char barrier_ours[128];
    char barrier_raw[128];
    char mode[16];
    char only[64]; /* --only filter, "" for the whole matrix */
    char date[32];
    int reps;
    int pinned;
    double load_start, load_end; /* 1-minute load average: other work skews every figure */
    char note[160];
};

struct bench_report {
    struct bench_env env;
    struct ring_result *ring;
    int nring;
    struct sim_result *sim;
    int nsim;
    struct memcpy_result *mc;
    int nmc;
};

void report_table(const struct bench_report *r, FILE *out);
int report_json(const struct bench_report *r, FILE *out);
/* Geometric mean of ours/raw medians over the cells with `threads` and
 * `ringonly` (0 if none). */
double report_ring_geomean(const struct bench_report *r, int threads, int ringonly, int vs);

#endif
