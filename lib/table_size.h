/* SPDX-License-Identifier: MIT */
/* Ops tables the embedder fills carry `size`, as the embedder compiled them. */
#ifndef VSCSI_LIB_TABLE_SIZE_H
#define VSCSI_LIB_TABLE_SIZE_H

#include <stddef.h>

/* Whether table `tbl` of `type` reaches past `field`: members appended in a
 * later release are missing from an older embedder's smaller table, and
 * nothing past its size may be read. */
#define VSCSI_TABLE_HAS(type, tbl, field)                                                          \
    ((tbl)->size >= offsetof(type, field) + sizeof(((const type *)0)->field))

#endif
