/* SPDX-License-Identifier: MIT */
/*
 * libvirt's form of a LUN (libvscsiif-toolstack: link vscsiif::toolstack or
 * pkg-config vscsiif-toolstack).
 */
#ifndef VSCSIIF_LIBVIRT_H
#define VSCSIIF_LIBVIRT_H

#include <stdbool.h>
#include <stddef.h>

#include "vscsiif/common.h"
#include "vscsiif/devstr.h"

#ifdef __cplusplus
extern "C" {
#endif

/* libvirt <hostdev mode='subsystem' type='scsi'> for one LUN: the p-dev must be
 * h:c:t:l (source adapter scsi_host<h>, address bus/target/unit = c/t/l), the
 * v-dev becomes the drive address (controller = vhost). */
VSCSI_API int vscsi_libvirt_hostdev_format(const struct vscsi_pdev *p, const struct vscsi_vdev *v,
                                           char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif
