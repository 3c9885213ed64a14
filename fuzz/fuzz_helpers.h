/* SPDX-License-Identifier: MIT */
/*
 * Shared by every fuzz target: the entry point prototype, one assertion that
 * survives NDEBUG, and a bounded data producer for structured inputs.
 *
 * The producer never fails: once the input is exhausted every read yields
 * zeros, so a short input is simply a run with default-valued fields. That
 * keeps each target total (any byte string is a valid input) and makes
 * hand-written seeds short.
 */
#ifndef VSCSI_FUZZ_HELPERS_H
#define VSCSI_FUZZ_HELPERS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The only symbol a target defines (libFuzzer, AFL++ and honggfuzz drivers
 * and fuzz/standalone_main.c all call it). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with the failed condition and its place; active in every build. */
#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: FUZZ_ASSERT(%s) failed\n", __FILE__, __LINE__, #cond);         \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Same, with a printf-style explanation. */
#define FUZZ_ASSERT_MSG(cond, ...)                                                                 \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: FUZZ_ASSERT(%s) failed: ", __FILE__, __LINE__, #cond);         \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* Consumes the input front to back; multi-byte values are little-endian. */
struct fuzz_producer {
    const uint8_t *data;
    size_t size;
    size_t pos;
};

static inline void fuzz_producer_init(struct fuzz_producer *p, const uint8_t *data, size_t size)
{
    p->data = data;
    p->size = size;
    p->pos = 0;
}

static inline size_t fuzz_remaining(const struct fuzz_producer *p)
{
    return p->size - p->pos;
}

/* Copies n bytes into dst; the part the input cannot supply is zeroed.
 * Returns how many bytes came from the input. */
static inline size_t fuzz_bytes(struct fuzz_producer *p, void *dst, size_t n)
{
    size_t take = fuzz_remaining(p) < n ? fuzz_remaining(p) : n;

    if (take)
        memcpy(dst, p->data + p->pos, take);
    if (take < n)
        memset((uint8_t *)dst + take, 0, n - take);
    p->pos += take;
    return take;
}

/* Points at up to n bytes of the input without copying; *got says how many. */
static inline const uint8_t *fuzz_peek_bytes(struct fuzz_producer *p, size_t n, size_t *got)
{
    const uint8_t *at = p->data + p->pos;

    *got = fuzz_remaining(p) < n ? fuzz_remaining(p) : n;
    p->pos += *got;
    return at;
}

static inline uint8_t fuzz_u8(struct fuzz_producer *p)
{
    return p->pos < p->size ? p->data[p->pos++] : 0;
}

static inline uint16_t fuzz_u16(struct fuzz_producer *p)
{
    uint16_t lo = fuzz_u8(p);

    return (uint16_t)(lo | (uint16_t)fuzz_u8(p) << 8);
}

static inline uint32_t fuzz_u32(struct fuzz_producer *p)
{
    uint32_t lo = fuzz_u16(p);

    return lo | (uint32_t)fuzz_u16(p) << 16;
}

static inline uint64_t fuzz_u64(struct fuzz_producer *p)
{
    uint64_t lo = fuzz_u32(p);

    return lo | (uint64_t)fuzz_u32(p) << 32;
}

/* A value in [0, n) (0 when n is 0), one byte of input for n <= 256. */
static inline uint32_t fuzz_range(struct fuzz_producer *p, uint32_t n)
{
    if (n == 0)
        return 0;
    return (n <= 256 ? fuzz_u8(p) : n <= 65536 ? fuzz_u16(p) : fuzz_u32(p)) % n;
}

/* Exact-size malloc that aborts instead of returning NULL, so that ASan
 * reports the first byte read or written past n. n == 0 gives a zero-sized
 * block where the allocator has them (glibc, ASan), a 1-byte one otherwise. */
static inline void *fuzz_xmalloc(size_t n)
{
    void *p = malloc(n);

    if (!p && n == 0)
        p = malloc(1);

    FUZZ_ASSERT(p != NULL);
    return p;
}

/* ASan poisoning of bytes a take left out, so a decoder that reads them is caught. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define FZ_ASAN 1
#endif
#ifdef FZ_ASAN
#include <sanitizer/asan_interface.h>
#define FZ_POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define FZ_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define FZ_POISON(p, n)   ((void)(p), (void)(n))
#define FZ_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* One read of shared memory as VSCSI_COPY_FROM_SHARED sees it: returns 0 when it is outside
 * the watched slot, else counts each byte (a byte read twice fails) and returns 1. */
static inline int fz_slot_read(const uint8_t *slot, size_t slot_size, uint8_t *count,
                               const void *src, size_t n)
{
    const uint8_t *p = src;

    if (!slot || p < slot || p >= slot + slot_size)
        return 0;
    FUZZ_ASSERT(p + n <= slot + slot_size);
    for (size_t i = 0; i < n; i++)
        FUZZ_ASSERT_MSG(++count[p - slot + i] == 1, "slot byte %u read twice",
                        (unsigned)(p - slot + i));
    return 1;
}

#ifdef __cplusplus
}
#endif

#endif /* VSCSI_FUZZ_HELPERS_H */
