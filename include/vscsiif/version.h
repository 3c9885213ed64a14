/* SPDX-License-Identifier: MIT */
#ifndef VSCSIIF_VERSION_H
#define VSCSIIF_VERSION_H
#define VSCSI_VERSION_MAJOR 0
#define VSCSI_VERSION_MINOR 1
#define VSCSI_VERSION_PATCH 0
#define VSCSI_VERSION_NUMBER                                                                       \
    (VSCSI_VERSION_MAJOR * 10000 + VSCSI_VERSION_MINOR * 100 + VSCSI_VERSION_PATCH)
#endif
