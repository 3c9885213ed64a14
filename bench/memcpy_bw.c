/* SPDX-License-Identifier: MIT */
/*
 * The yardstick for the data path: plain memcpy on one core, over the same
 * working set the simulator figures touch (16 in-flight buffers of the
 * transfer size on each side), so caches favour neither.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define MC_BUFS 16u

int memcpy_run(uint32_t block, uint64_t n, double *secs)
{
    size_t span = (size_t)block * MC_BUFS;
    uint8_t *src = aligned_alloc(4096, span), *dst = aligned_alloc(4096, span);
    uint64_t sum = 0;
    double t0;

    if (!src || !dst) {
        free(src);
        free(dst);
        return -1;
    }
    for (size_t i = 0; i < span; i++)
        src[i] = (uint8_t)(i * 131u + 7u);
    memset(dst, 0, span);
    if (n < MC_BUFS)
        n = MC_BUFS;
    /* CPU time, not wall time: one thread, so other load on the machine
     * does not count against it. */
    t0 = bench_thread_cpu();
    for (uint64_t i = 0; i < n; i++) {
        size_t off = (size_t)(i % MC_BUFS) * block;
        memcpy(dst + off, src + off, block);
        /* Keeps the copies observable without reading them back in full. */
        __asm__ __volatile__("" : : "r"(dst + off) : "memory");
        sum += dst[off + (i % block)];
    }
    *secs = bench_thread_cpu() - t0;
    /* Check what arrived, outside the clock. */
    int bad = memcmp(src, dst, span) != 0 || sum == UINT64_MAX;
    free(src);
    free(dst);
    return bad ? -1 : 0;
}
