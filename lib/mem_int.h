/* SPDX-License-Identifier: MIT */
/* Every allocation of the engines goes through the platform's alloc_mem and
 * free_mem when it has them (platform.h), libc otherwise: a kernel port
 * brings its own allocator, and a test can fail any one allocation. */
#ifndef VSCSI_LIB_MEM_INT_H
#define VSCSI_LIB_MEM_INT_H

#include <stdlib.h>

#include "table_size.h"
#include "vscsiif/platform.h"

static inline int vscsi_has_mem_ops(const struct vscsi_platform_ops *o)
{
    return VSCSI_TABLE_HAS(struct vscsi_platform_ops, o, free_mem) && o->alloc_mem && o->free_mem;
}

/* n * size zeroed bytes, or NULL (an overflowing product included). */
static inline void *vscsi_zalloc(const struct vscsi_platform_ops *o, void *ctx, size_t n,
                                 size_t size)
{
    if (size && n > (size_t)-1 / size)
        return NULL;
    return vscsi_has_mem_ops(o) ? o->alloc_mem(ctx, n * size) : calloc(n, size);
}

static inline void vscsi_mfree(const struct vscsi_platform_ops *o, void *ctx, void *p)
{
    if (!p)
        return;
    if (vscsi_has_mem_ops(o))
        o->free_mem(ctx, p);
    else
        free(p);
}

#endif
