/* SPDX-License-Identifier: MIT */
/*
 * Device strings: p-dev and v-dev (libvscsiif). The xl/xm `vscsi =` syntax
 * is vscsiif/xlcfg.h and the libvirt form vscsiif/libvirt.h, both in
 * libvscsiif-toolstack; this header includes them for older includers.
 *
 * p-dev (backend vscsi-devs/dev-N/p-dev, or the first field of a config entry):
 *   h:c:t:l            four unsigned decimals, each <= 2^32-1 (xenlinux backs)
 *   naa.<16 hex>:<lun> TCM port WWN (Linux xen-scsiback); hex case is kept as
 *                      written because scsiback matches the port name with strcmp
 *   <alias>:<lun>      TCM tpg alias (param/alias), alias = [A-Za-z_][A-Za-z0-9_.-]*
 *   /dev/...           config only: a device node the adapter resolves to one of
 *                      the forms above before anything reaches XenStore
 * <lun> is decimal, <= 2^32-1. The two TCM forms are limited to
 * VSCSI_PDEV_TCM_MAX characters in total because Linux scsiback copies p-dev
 * into a 32-byte buffer and would silently match a truncated name. 32-digit
 * (NAA 6 registered extended) WWNs are rejected: "naa." plus 32 digits cannot
 * fit that buffer, so no Linux backend can name such a port.
 * "naa." is reserved for the WWN form, and an alias must start with a letter
 * or '_', so a string starting with a digit is always parsed as h:c:t:l
 * (which turns "1:2" into a clear error instead of an alias named "1").
 * Leading zeros are accepted in every decimal field (sscanf-based tools
 * accept them); formatters always write the canonical form.
 *
 * v-dev: h:c:t:l where h (the vhost, never on the wire) is <= 2^32-1 and c, t,
 * l are <= 65535 because the ring carries them as 16-bit fields.
 *
 * Every function returns 0 (or a length) on success and a negative errno:
 *   -EINVAL        syntax error, or a NULL argument
 *   -ERANGE        a number too large for its field
 *   -ENAMETOOLONG  a p-dev longer than its form allows
 *   -EEXIST        (config) the same v-dev twice
 *   -ENOSPC        (config) more entries than the caller's array holds
 *   -ENOENT        (config file) no `vscsi` setting
 *   -ENOTSUP       (config file) `vscsi += [...]`; (libvirt) p-dev not h:c:t:l
 *   -EOVERFLOW     (formatters) output longer than INT_MAX
 * Formatters follow snprintf: they write at most size-1 characters plus a NUL
 * (when size > 0) and return the length the full output needs.
 */
#ifndef VSCSIIF_DEVSTR_H
#define VSCSIIF_DEVSTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vscsiif/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define VSCSI_WWN_HEX_LEN    16  /* hex digits after "naa." */
#define VSCSI_PDEV_TCM_MAX   31  /* max strlen of a WWN or alias p-dev (Linux VSCSI_NAMELEN - 1) */
#define VSCSI_PDEV_PATH_MAX  255 /* max strlen of a /dev/ path, and of any p-dev string */
#define VSCSI_PDEV_STR_SIZE  (VSCSI_PDEV_PATH_MAX + 1) /* buffer that holds any formatted p-dev */
#define VSCSI_VDEV_STR_SIZE  32                        /* buffer that holds any formatted v-dev */
#define VSCSI_PARSE_MSG_SIZE 128

enum vscsi_pdev_kind {
    VSCSI_PDEV_NONE = 0,
    VSCSI_PDEV_HCTL,  /* hctl */
    VSCSI_PDEV_WWN,   /* wwn, lun */
    VSCSI_PDEV_ALIAS, /* alias, lun */
    VSCSI_PDEV_PATH,  /* path */
};

struct vscsi_hctl {
    uint32_t host;
    uint32_t channel;
    uint32_t target;
    uint32_t lun;
};

/* Fields not used by `kind` are zero after a successful parse, so two parsed
 * values of the same string compare equal with memcmp as well. */
struct vscsi_pdev {
    enum vscsi_pdev_kind kind;
    struct vscsi_hctl hctl;
    uint32_t lun;
    char wwn[VSCSI_WWN_HEX_LEN + 1]; /* the 16 hex digits, without "naa." */
    char alias[VSCSI_PDEV_TCM_MAX + 1];
    char path[VSCSI_PDEV_PATH_MAX + 1];
};

struct vscsi_vdev {
    uint32_t host; /* vhost number: selects the xenbus device */
    struct vscsi_nexus nexus;
};

/* Where and why parsing failed. offset is 0-based into the text given; line
 * and column are 1-based, column counting bytes. message ends with
 * " at line L, column C". */
struct vscsi_parse_error {
    int code;
    size_t offset;
    unsigned line;
    unsigned column;
    char message[VSCSI_PARSE_MSG_SIZE];
};

VSCSI_API int vscsi_pdev_parse(const char *s, struct vscsi_pdev *out,
                               struct vscsi_parse_error *err);
VSCSI_API int vscsi_pdev_format(const struct vscsi_pdev *p, char *buf, size_t size);
VSCSI_API bool vscsi_pdev_equal(const struct vscsi_pdev *a, const struct vscsi_pdev *b);

VSCSI_API int vscsi_vdev_parse(const char *s, struct vscsi_vdev *out,
                               struct vscsi_parse_error *err);
VSCSI_API int vscsi_vdev_format(const struct vscsi_vdev *v, char *buf, size_t size);

/* Parse the p-dev or v-dev s[0..len) inside a larger text, without copying
 * it (s need not be NUL-terminated there). On an error *pos is the offset of
 * the fault within s and *why a static description of it; *out is only
 * written on success. What the xl config parser (libvscsiif-toolstack) uses
 * to report positions in the whole file. */
VSCSI_API int vscsi_pdev_parse_span(const char *s, size_t len, struct vscsi_pdev *out, size_t *pos,
                                    const char **why);
VSCSI_API int vscsi_vdev_parse_span(const char *s, size_t len, struct vscsi_vdev *out, size_t *pos,
                                    const char **why);

#ifdef __cplusplus
}
#endif

#include "vscsiif/libvirt.h"
#include "vscsiif/xlcfg.h"

#endif
