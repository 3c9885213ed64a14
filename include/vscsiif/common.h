/* SPDX-License-Identifier: MIT */
/* Shared by every public header: symbol export and the nexus type. */
#ifndef VSCSIIF_COMMON_H
#define VSCSIIF_COMMON_H

#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
#define VSCSI_API __attribute__((visibility("default")))
#else
#define VSCSI_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* The virtual nexus carried on the ring: c:t:l of the guest-visible v-dev
 * (the "h" is the vhost, i.e. which ring, and never travels on the wire). */
struct vscsi_nexus {
    uint16_t channel;
    uint16_t id;
    uint16_t lun;
};

#ifdef __cplusplus
}
#endif

#endif
