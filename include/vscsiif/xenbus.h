/* SPDX-License-Identifier: MIT */
/*
 * XenStore helpers shared by the frontend and backend engines: state values,
 * node names, and strict readers that treat every value as hostile.
 */
#ifndef VSCSIIF_XENBUS_H
#define VSCSIIF_XENBUS_H

#include <stddef.h>
#include <stdint.h>

#include "vscsiif/common.h"
#include "vscsiif/platform.h"

#ifdef __cplusplus
extern "C" {
#endif

/* XenbusState (io/xenbus.h), written as decimal strings. */
enum vscsi_xb_state {
    VSCSI_XB_UNKNOWN = 0,
    VSCSI_XB_INITIALISING = 1,
    VSCSI_XB_INIT_WAIT = 2,
    VSCSI_XB_INITIALISED = 3,
    VSCSI_XB_CONNECTED = 4,
    VSCSI_XB_CLOSING = 5,
    VSCSI_XB_CLOSED = 6,
    VSCSI_XB_RECONFIGURING = 7,
    VSCSI_XB_RECONFIGURED = 8,
};

/* Longest path we build or accept (XenStore's absolute path limit). */
#define VSCSI_XB_PATH_MAX 3072
/* Longest value we read for numbers and device strings. */
#define VSCSI_XB_VALUE_MAX 256
/* Most vscsi-devs children a vhost may have; more is refused, not truncated. */
#define VSCSI_XB_MAX_DEVS 256

VSCSI_API const char *vscsi_xb_state_str(unsigned state);

/* Parses a strict unsigned decimal: digits only, no sign, no spaces, no
 * leading zeros except "0", value <= max. Returns 0, -EINVAL (any syntax
 * error, whatever the magnitude) or -ERANGE (well-formed but > max). */
VSCSI_API int vscsi_xb_parse_uint(const char *s, uint32_t max, uint32_t *out);

/* Reads path (or dir/name when name is non-NULL) and parses it as above.
 * Returns 0, -ENOENT, -EINVAL, -ERANGE or the ops' error. */
VSCSI_API int vscsi_xb_read_uint(const struct vscsi_platform_ops *ops, void *ctx, vscsi_xs_txn t,
                                 const char *dir, const char *name, uint32_t max, uint32_t *out);

/* Reads a XenbusState node: 0..8. */
VSCSI_API int vscsi_xb_read_state(const struct vscsi_platform_ops *ops, void *ctx, vscsi_xs_txn t,
                                  const char *dir, const char *name, enum vscsi_xb_state *out);

/* Writes "<value>" to dir/name. */
VSCSI_API int vscsi_xb_write_uint(const struct vscsi_platform_ops *ops, void *ctx, vscsi_xs_txn t,
                                  const char *dir, const char *name, uint32_t value);

/* Reads a string node into buf; -E2BIG when it does not fit, -EINVAL when it
 * holds bytes outside printable ASCII. */
VSCSI_API int vscsi_xb_read_str(const struct vscsi_platform_ops *ops, void *ctx, vscsi_xs_txn t,
                                const char *dir, const char *name, char *buf, size_t len);

/* dir + "/" + name into buf; -ENAMETOOLONG if it does not fit. */
VSCSI_API int vscsi_xb_join(char *buf, size_t len, const char *dir, const char *name);

#ifdef __cplusplus
}
#endif

#endif
