/* SPDX-License-Identifier: MIT */
/*
 * The xl/xm `vscsi =` configuration syntax (libvscsiif-toolstack: link
 * vscsiif::toolstack or pkg-config vscsiif-toolstack). Errors and return
 * codes as described in vscsiif/devstr.h.
 */
#ifndef VSCSIIF_XLCFG_H
#define VSCSIIF_XLCFG_H

#include <stdbool.h>
#include <stddef.h>

#include "vscsiif/common.h"
#include "vscsiif/devstr.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- xl/xm configuration ------------------------------------------------ */

struct vscsi_config_entry {
    struct vscsi_pdev pdev;
    struct vscsi_vdev vdev;
    bool feature_host;
    size_t offset; /* where the entry starts in the parsed text */
};

/*
 * Parse one of
 *   vscsi = [ 'pdev,vdev[,option...]', "pdev,vdev", ... ]   (optional ';')
 *   [ 'pdev,vdev', ... ]
 *   'pdev,vdev[,option...]'   or the same without quotes
 * Strings use single or double quotes, stay on one line and may not contain
 * backslashes (no entry ever needs one); '#' starts a comment outside quotes;
 * a trailing ',' before ']' is allowed; `[]` yields zero entries. Spaces
 * around the fields inside an entry are ignored. The only option is
 * `feature-host` (the spelling xm and the libxl patch use), at most once.
 * All entries sharing a vhost (v-dev h) must agree on feature-host, and a
 * v-dev may appear only once. On success the entries are stably sorted by
 * vhost, so each vhost's LUNs are contiguous and keep their file order.
 * *n is the number of entries stored (also on error: those before it).
 */
VSCSI_API int vscsi_config_parse(const char *text, struct vscsi_config_entry *out, size_t max,
                                 size_t *n, struct vscsi_parse_error *err);

/* Locate the value of the `vscsi` setting in a whole xl domain config file:
 * *off and *len delimit the value ("[" ... "]" inclusive). Other settings are
 * skipped with xl's lexical rules (strings with backslash escapes, nested
 * lists, comments). A second `vscsi` setting is an error (-EINVAL). */
VSCSI_API int vscsi_config_find(const char *text, size_t *off, size_t *len,
                                struct vscsi_parse_error *err);

/* vscsi_config_find + list parsing; error positions refer to the whole file.
 * The value must be a list. -ENOENT (with *n = 0) when there is no setting. */
VSCSI_API int vscsi_config_parse_file(const char *text, struct vscsi_config_entry *out, size_t max,
                                      size_t *n, struct vscsi_parse_error *err);

/* "pdev,vdev[,feature-host]" */
VSCSI_API int vscsi_config_entry_format(const struct vscsi_config_entry *e, char *buf, size_t size);
/* "vscsi = [ 'e1', 'e2' ]" (n may be 0: "vscsi = [ ]") */
VSCSI_API int vscsi_config_format(const struct vscsi_config_entry *e, size_t n, char *buf,
                                  size_t size);

#ifdef __cplusplus
}
#endif

#endif
