/* SPDX-License-Identifier: MIT */
/*
 * Header-only front and back ends of the single-page vscsiif ring.
 *
 * Same index arithmetic and notification rule as Xen's io/ring.h: indices are
 * free-running uint32 values, slot = index & 15; a producer notifies only when
 * the consumer's event index lies in (old, new]; a consumer about to sleep
 * arms its event index, issues a full barrier and looks once more.
 *
 * Unlike ring.h, every read of the peer's index is checked: a frontend that
 * claims more than 16 outstanding requests, or a backend that answers more
 * than was asked, makes the call return -EPROTO (the caller latches the ring
 * as broken). The consumer copies each slot once into private memory and only
 * ever looks at the copy (XSA-155): the header first, then exactly the
 * segments or sense bytes that the private header names, so a slot costs the
 * cache lines it uses, not all four.
 *
 * Barriers: VSCSI_MB() is the store->load full barrier; the index accesses use
 * acquire/release atomics, which compile to plain moves on x86. Kernels and
 * other compilers may predefine VSCSI_MB, VSCSI_LOAD_ACQUIRE,
 * VSCSI_STORE_RELEASE and VSCSI_COMPILER_BARRIER before including this file.
 *
 * Threading: one thread drives each end; the two ends may run concurrently.
 */
#ifndef VSCSIIF_RING_H
#define VSCSIIF_RING_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vscsiif/wire.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef VSCSI_INLINE
#define VSCSI_INLINE static inline
#endif

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define VSCSI_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define VSCSI_TSAN 1
#endif

#if defined(__GNUC__) || defined(__clang__)
#ifndef VSCSI_LOAD_ACQUIRE
#define VSCSI_LOAD_ACQUIRE(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#endif
#ifndef VSCSI_LOAD_RELAXED
#define VSCSI_LOAD_RELAXED(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#endif
#ifndef VSCSI_STORE_RELEASE
#define VSCSI_STORE_RELEASE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#endif
#ifndef VSCSI_STORE_RELAXED
#define VSCSI_STORE_RELAXED(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#endif
#ifndef VSCSI_COMPILER_BARRIER
#define VSCSI_COMPILER_BARRIER() __asm__ __volatile__("" ::: "memory")
#endif
#ifndef VSCSI_MB
/* A locked add to the stack is a full barrier on x86 and, on this kind of CPU,
 * several times cheaper than mfence (docs/bench.md); Xen's xenctrl.h uses
 * the same instruction. TSan cannot see inline asm, so it gets the C11 fence. */
#if defined(__x86_64__) && !defined(VSCSI_TSAN)
#define VSCSI_MB() __asm__ __volatile__("lock addl $0, -32(%%rsp)" ::: "memory", "cc")
#elif defined(__i386__) && !defined(VSCSI_TSAN)
#define VSCSI_MB() __asm__ __volatile__("lock addl $0, -4(%%esp)" ::: "memory", "cc")
#elif defined(VSCSI_TSAN)
/* gcc refuses fences under TSan; a seq_cst RMW is a full barrier in hardware
 * and something TSan understands. */
static uint32_t vscsi_tsan_fence_word;
#define VSCSI_MB() ((void)__atomic_fetch_add(&vscsi_tsan_fence_word, 0, __ATOMIC_SEQ_CST))
#else
#define VSCSI_MB() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif
#endif
#else /* plain C11 */
#include <stdatomic.h>
#ifndef VSCSI_LOAD_ACQUIRE
#define VSCSI_LOAD_ACQUIRE(p) atomic_load_explicit((_Atomic uint32_t *)(p), memory_order_acquire)
#define VSCSI_LOAD_RELAXED(p) atomic_load_explicit((_Atomic uint32_t *)(p), memory_order_relaxed)
#define VSCSI_STORE_RELEASE(p, v)                                                                  \
    atomic_store_explicit((_Atomic uint32_t *)(p), (v), memory_order_release)
#define VSCSI_STORE_RELAXED(p, v)                                                                  \
    atomic_store_explicit((_Atomic uint32_t *)(p), (v), memory_order_relaxed)
#endif
#ifndef VSCSI_COMPILER_BARRIER
#define VSCSI_COMPILER_BARRIER() atomic_signal_fence(memory_order_seq_cst)
#endif
#ifndef VSCSI_MB
#define VSCSI_MB() atomic_thread_fence(memory_order_seq_cst)
#endif
#endif

#define VSCSI_RING_MASK (VSCSI_RING_SIZE - 1u)

/* Private state of the frontend end (requests out, responses in). */
struct vscsi_front_ring {
    struct vscsi_sring *sring;
    uint32_t req_prod_pvt; /* next request index to fill */
    uint32_t rsp_cons;     /* next response index to read */
};

/* Private state of the backend end (requests in, responses out). */
struct vscsi_back_ring {
    struct vscsi_sring *sring;
    uint32_t rsp_prod_pvt; /* next response index to fill */
    uint32_t req_cons;     /* next request index to read */
};

/* Only the frontend initialises the shared page, before granting it. */
VSCSI_INLINE void vscsi_sring_init(struct vscsi_sring *s)
{
    memset(s, 0, sizeof(*s));
    s->req_event = 1;
    s->rsp_event = 1;
}

VSCSI_INLINE void vscsi_front_ring_init(struct vscsi_front_ring *r, struct vscsi_sring *s)
{
    r->sring = s;
    r->req_prod_pvt = 0;
    r->rsp_cons = 0;
}

VSCSI_INLINE void vscsi_back_ring_init(struct vscsi_back_ring *r, struct vscsi_sring *s)
{
    r->sring = s;
    r->rsp_prod_pvt = 0;
    r->req_cons = 0;
}

/* Attaches to a ring whose indices all stand at `start` (ring.h's
 * *_RING_ATTACH): used after a reconnect, and by tests to cross 2^32. */
VSCSI_INLINE void vscsi_front_ring_attach(struct vscsi_front_ring *r, struct vscsi_sring *s,
                                          uint32_t start)
{
    r->sring = s;
    r->req_prod_pvt = start;
    r->rsp_cons = start;
}

VSCSI_INLINE void vscsi_back_ring_attach(struct vscsi_back_ring *r, struct vscsi_sring *s,
                                         uint32_t start)
{
    r->sring = s;
    r->rsp_prod_pvt = start;
    r->req_cons = start;
}

/* Every read of a shared slot by a take goes through VSCSI_COPY_FROM_SHARED.
 * By default it is a copy in 4-byte volatile loads: the take's sizes are
 * small and vary per slot (8 bytes per segment, sense_len bytes), where a
 * memcpy call costs more than the copy, and a volatile load is performed
 * exactly once, never repeated or re-done later by the compiler, so the
 * private copy may even stay in registers. A test or fuzzer may define
 * VSCSI_COPY_FROM_SHARED(dst, shared, n) before including this file (a plain
 * copy of n bytes) to see, and as a hostile peer act between, the reads; a
 * compiler barrier then follows each take's reads instead. */
#if defined(__GNUC__) || defined(__clang__)
typedef uint32_t __attribute__((aligned(1), may_alias)) vscsi_shared_u32;

VSCSI_INLINE void vscsi_copy_shared(void *dst, const void *shared, size_t n)
{
    unsigned char *d = (unsigned char *)dst;
    const volatile unsigned char *s = (const volatile unsigned char *)shared;

    /* 4-byte loads: a slot starts 4-aligned (64 + 252 i), so none of them
     * straddles a cache line, where an 8-byte load of an odd slot would. */
#pragma GCC unroll 8
    for (; n >= 4; n -= 4, d += 4, s += 4) {
        uint32_t w = *(const volatile vscsi_shared_u32 *)s;

        memcpy(d, &w, 4);
    }
    for (; n; n--)
        *d++ = *s++;
}
#ifndef VSCSI_COPY_FROM_SHARED
#define VSCSI_COPY_FROM_SHARED(dst, shared, n) vscsi_copy_shared((dst), (shared), (n))
#define VSCSI_TAKE_BARRIER()                   ((void)0)
#endif
#endif
#ifndef VSCSI_COPY_FROM_SHARED
#define VSCSI_COPY_FROM_SHARED(dst, shared, n) memcpy((dst), (shared), (n))
#endif
#ifndef VSCSI_TAKE_BARRIER
/* A plain copy: the compiler must not read the shared slot again in place
 * of the private copy. */
#define VSCSI_TAKE_BARRIER() VSCSI_COMPILER_BARRIER()
#endif

/* Copies one whole slot out of shared memory. The compiler barrier stops the
 * compiler from re-reading the shared slot in place of the private copy. */
VSCSI_INLINE void vscsi_slot_copy(void *dst, const void *shared)
{
    VSCSI_COPY_FROM_SHARED(dst, shared, VSCSI_SLOT_SIZE);
    VSCSI_COMPILER_BARRIER();
}

/* Bytes of a request before seg[]: rqid .. nr_segments. */
#define VSCSI_REQ_HDR_SIZE 32u
VSCSI_STATIC_ASSERT(VSCSI_OFFSETOF(struct vscsi_request, seg) == VSCSI_REQ_HDR_SIZE, "seg at 32");

/* Copies a request out of shared memory, reading each byte at most once and
 * only the bytes with a meaning: the 32-byte header, then exactly the
 * segments (direct) or page descriptors (indirect) that nr_segments names,
 * counted from the private copy of the header and bounded by the 26 entries
 * seg[] holds (a count above that is the validator's to reject; it reads
 * nothing of seg[] then). seg[] past that count and reserved[] of `out` are
 * left as they were: never read them. Returns the entries copied. */
VSCSI_INLINE unsigned vscsi_req_copy(struct vscsi_request *out, const struct vscsi_request *shared)
{
    unsigned n;

    VSCSI_COPY_FROM_SHARED(out, shared, VSCSI_REQ_HDR_SIZE);
    /* The count below must be the private copy's, never a second read. */
    VSCSI_TAKE_BARRIER();
    n = out->nr_segments & VSCSI_SG_COUNT_MASK;
    n = n < VSCSI_SG_TABLESIZE ? n : VSCSI_SG_TABLESIZE;
    if (n)
        VSCSI_COPY_FROM_SHARED(out->seg, shared->seg, n * sizeof(struct vscsi_seg));
    VSCSI_TAKE_BARRIER();
    return n;
}

/* Bytes of a response before sense_buffer[] (rqid, act, sense_len); rslt
 * and residual_len follow the buffer as one 8-byte run. */
#define VSCSI_RSP_HDR_SIZE 4u
VSCSI_STATIC_ASSERT(VSCSI_OFFSETOF(struct vscsi_response, sense_buffer) == VSCSI_RSP_HDR_SIZE,
                    "sense at 4");
VSCSI_STATIC_ASSERT(VSCSI_OFFSETOF(struct vscsi_response, residual_len) ==
                        VSCSI_OFFSETOF(struct vscsi_response, rslt) + 4,
                    "rslt, residual_len adjacent");

/* Copies a response out of shared memory, each byte at most once: rqid, act,
 * sense_len, rslt and residual_len, then sense_len bytes of sense, counted
 * from the private copy and bounded by the 96-byte buffer (the decoder
 * reports and clamps a larger sense_len). sense_buffer[] past that and
 * reserved[] of `out` are left as they were: never read them. Returns the
 * sense bytes copied. */
VSCSI_INLINE unsigned vscsi_rsp_copy(struct vscsi_response *out,
                                     const struct vscsi_response *shared)
{
    unsigned n;

    VSCSI_COPY_FROM_SHARED(out, shared, VSCSI_RSP_HDR_SIZE);
    VSCSI_COPY_FROM_SHARED(&out->rslt, &shared->rslt, 8);
    VSCSI_TAKE_BARRIER();
    n = out->sense_len;
    n = n < VSCSI_SENSE_LEN ? n : VSCSI_SENSE_LEN;
    if (n)
        VSCSI_COPY_FROM_SHARED(out->sense_buffer, shared->sense_buffer, n);
    VSCSI_TAKE_BARRIER();
    return n;
}

/* ------------------------------------------------------------------ front */

/* Requests that may still be produced before the ring is full. */
VSCSI_INLINE unsigned vscsi_front_free(const struct vscsi_front_ring *r)
{
    return VSCSI_RING_SIZE - (unsigned)(r->req_prod_pvt - r->rsp_cons);
}

/* The slot for the next request, or NULL when 16 are outstanding. Fill it,
 * then vscsi_front_produce(); nothing is visible to the backend before push. */
VSCSI_INLINE struct vscsi_request *vscsi_front_slot(struct vscsi_front_ring *r)
{
    if (vscsi_front_free(r) == 0)
        return NULL;
    return &r->sring->ring[r->req_prod_pvt & VSCSI_RING_MASK].req;
}

/* Also zeroes the slot's reserved[] (senders should, receivers ignore it),
 * but only when it is not zero already: in a slot it stays zero unless a
 * peer wrote there, and a store would dirty the slot's last cache line even
 * for a request that uses only the first. */
VSCSI_INLINE void vscsi_front_produce(struct vscsi_front_ring *r)
{
    struct vscsi_request *rq = &r->sring->ring[r->req_prod_pvt & VSCSI_RING_MASK].req;

    if (rq->reserved[0] | rq->reserved[1] | rq->reserved[2])
        rq->reserved[0] = rq->reserved[1] = rq->reserved[2] = 0;
    r->req_prod_pvt++;
}

/* Publishes every produced request. Returns 1 if the backend must be notified. */
VSCSI_INLINE int vscsi_front_push(struct vscsi_front_ring *r)
{
    struct vscsi_sring *s = r->sring;
    uint32_t old = VSCSI_LOAD_RELAXED(&s->req_prod);
    uint32_t now = r->req_prod_pvt;

    VSCSI_STORE_RELEASE(&s->req_prod, now);
    VSCSI_MB();
    return (uint32_t)(now - VSCSI_LOAD_RELAXED(&s->req_event)) < (uint32_t)(now - old);
}

/* Responses ready to be taken, or -EPROTO when the backend claims more
 * responses than there are outstanding requests. */
VSCSI_INLINE int vscsi_front_responses(const struct vscsi_front_ring *r)
{
    uint32_t prod = VSCSI_LOAD_ACQUIRE(&r->sring->rsp_prod);
    uint32_t avail = prod - r->rsp_cons;

    if (avail > (uint32_t)(r->req_prod_pvt - r->rsp_cons))
        return -EPROTO;
    return (int)avail;
}

/* Copies the next response into private memory (vscsi_rsp_copy: the fields
 * and the sense that was sent, each byte read once); call only after
 * vscsi_front_responses() said one is there. */
VSCSI_INLINE void vscsi_front_take(struct vscsi_front_ring *r, struct vscsi_response *out)
{
    vscsi_rsp_copy(out, &r->sring->ring[r->rsp_cons & VSCSI_RING_MASK].rsp);
    r->rsp_cons++;
}

/* Before going idle: arms rsp_event and looks again, closing the race with a
 * backend that pushed in between. Returns responses now ready (0 = sleep). */
VSCSI_INLINE int vscsi_front_final_check(struct vscsi_front_ring *r)
{
    int n = vscsi_front_responses(r);

    if (n != 0)
        return n;
    VSCSI_STORE_RELAXED(&r->sring->rsp_event, r->rsp_cons + 1);
    VSCSI_MB();
    return vscsi_front_responses(r);
}

/* ------------------------------------------------------------------- back */

/* Requests that may be consumed now, or -EPROTO when the frontend's req_prod
 * is impossible (more than 16 ahead of our responses, or moved backwards).
 * Never more than there is response space for (ring.h's CONS_OVERFLOW rule). */
VSCSI_INLINE int vscsi_back_requests(const struct vscsi_back_ring *r)
{
    uint32_t prod = VSCSI_LOAD_ACQUIRE(&r->sring->req_prod);
    uint32_t pending = prod - r->req_cons;
    uint32_t space = VSCSI_RING_SIZE - (uint32_t)(r->req_cons - r->rsp_prod_pvt);

    if ((uint32_t)(prod - r->rsp_prod_pvt) > VSCSI_RING_SIZE || pending > VSCSI_RING_SIZE)
        return -EPROTO;
    return (int)(pending < space ? pending : space);
}

/* Copies the next request into private memory (vscsi_req_copy: the header
 * and the segments it names, the only read of that slot); call only after
 * vscsi_back_requests() said one is there. */
VSCSI_INLINE void vscsi_back_take(struct vscsi_back_ring *r, struct vscsi_request *out)
{
    vscsi_req_copy(out, &r->sring->ring[r->req_cons & VSCSI_RING_MASK].req);
    r->req_cons++;
}

/* Slot for the next response, or NULL when every consumed request has been
 * answered already (a response there would overwrite an unread request). */
VSCSI_INLINE struct vscsi_response *vscsi_back_slot(struct vscsi_back_ring *r)
{
    if (r->rsp_prod_pvt == r->req_cons)
        return NULL;
    return &r->sring->ring[r->rsp_prod_pvt & VSCSI_RING_MASK].rsp;
}

VSCSI_INLINE void vscsi_back_produce(struct vscsi_back_ring *r)
{
    r->rsp_prod_pvt++;
}

/* Publishes every produced response. Returns 1 if the frontend must be notified. */
VSCSI_INLINE int vscsi_back_push(struct vscsi_back_ring *r)
{
    struct vscsi_sring *s = r->sring;
    uint32_t old = VSCSI_LOAD_RELAXED(&s->rsp_prod);
    uint32_t now = r->rsp_prod_pvt;

    VSCSI_STORE_RELEASE(&s->rsp_prod, now);
    VSCSI_MB();
    return (uint32_t)(now - VSCSI_LOAD_RELAXED(&s->rsp_event)) < (uint32_t)(now - old);
}

/* Before going idle: arms req_event and looks again. Returns requests now
 * ready (0 = sleep) or -EPROTO. */
VSCSI_INLINE int vscsi_back_final_check(struct vscsi_back_ring *r)
{
    int n = vscsi_back_requests(r);

    if (n != 0)
        return n;
    VSCSI_STORE_RELAXED(&r->sring->req_event, r->req_cons + 1);
    VSCSI_MB();
    return vscsi_back_requests(r);
}

#ifdef __cplusplus
}
#endif

#endif /* VSCSIIF_RING_H */
