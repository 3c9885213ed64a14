/* SPDX-License-Identifier: MIT */
/* Ops tables the embedder fills carry `size`, as the embedder compiled them. */
#ifndef VSCSI_LIB_TABLE_SIZE_H
#define VSCSI_LIB_TABLE_SIZE_H

#include <errno.h>
#include <stddef.h>
#include <string.h>

/* Whether table `tbl` of `type` reaches past `field`: members appended in a
 * later release are missing from an older embedder's smaller table, and
 * nothing past its size may be read. */
#define VSCSI_TABLE_HAS(type, tbl, field)                                                          \
    ((tbl)->size >= offsetof(type, field) + sizeof(((const type *)0)->field))

/* A config struct as the caller compiled it (its first member is `size_t
 * size`) into our full-size private copy: a caller built against an older
 * header passes a smaller size, which must still cover `v1` (the fields of
 * the first release); what it lacks reads as zero, i.e. the default. A newer
 * caller's larger struct is accepted when the members we do not know are all
 * zero (unused), -E2BIG otherwise. Nothing past the caller's size is read. */
static inline int vscsi_cfg_copy(void *dst, size_t dst_size, const void *src, size_t v1)
{
    size_t n;

    memcpy(&n, src, sizeof(n));
    if (n < v1)
        return -EINVAL;
    for (size_t i = dst_size; i < n; i++)
        if (((const unsigned char *)src)[i])
            return -E2BIG;
    memset(dst, 0, dst_size);
    memcpy(dst, src, n < dst_size ? n : dst_size);
    memcpy(dst, &dst_size, sizeof(dst_size));
    return 0;
}

#endif
