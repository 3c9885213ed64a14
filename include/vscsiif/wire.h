/* SPDX-License-Identifier: MIT */
/*
 * vscsiif wire format: the bytes that cross the shared ring page.
 *
 * Every struct here is byte-identical to Xen's public io/vscsiif.h and the
 * DEFINE_RING_TYPES(vscsiif, ...) layout of io/ring.h, on every Xen
 * architecture (all fields naturally aligned, no 64-bit members, alignment 4).
 * Names carry the vscsi_/VSCSI_ prefix so that this header can be included in
 * the same translation unit as <xen/io/vscsiif.h>.
 *
 * All multi-byte fields are little-endian: every Xen architecture is.
 */
#ifndef VSCSIIF_WIRE_H
#define VSCSIIF_WIRE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Request actions (vscsiif_request.act). */
#define VSCSI_ACT_CDB       1
#define VSCSI_ACT_ABORT     2
#define VSCSI_ACT_RESET     3
#define VSCSI_ACT_SG_PRESET 4 /* dead since xenlinux; reserved, always rejected */

#define VSCSI_SG_TABLESIZE  26   /* direct segments per request, and max indirect pages */
#define VSCSI_MAX_CDB_LEN   16   /* CDB bytes carried in a request */
#define VSCSI_SENSE_LEN     96   /* sense bytes carried in a response */
#define VSCSI_PAGE_SIZE     4096 /* protocol page size, whatever the OS page size is */
#define VSCSI_SG_PER_PAGE   512  /* segment descriptors per indirect page */
#define VSCSI_SG_GRANT      0x80 /* nr_segments bit: seg[] describes indirect pages */
#define VSCSI_SG_COUNT_MASK 0x7f
/* Largest data segment count the protocol can express (26 indirect pages x 512). */
#define VSCSI_MAX_INDIRECT_SEGS (VSCSI_SG_TABLESIZE * VSCSI_SG_PER_PAGE)

/* sc_data_direction uses Linux's enum dma_data_direction numbering. */
#define VSCSI_DIR_BIDIRECTIONAL 0
#define VSCSI_DIR_TO_DEVICE     1 /* guest -> device (WRITE) */
#define VSCSI_DIR_FROM_DEVICE   2 /* device -> guest (READ) */
#define VSCSI_DIR_NONE          3

/* Host byte of rslt (bits 16-23): XEN_VSCSIIF_RSLT_HOST_* numbering. */
#define VSCSI_HOST_OK                  0
#define VSCSI_HOST_NO_CONNECT          1
#define VSCSI_HOST_BUS_BUSY            2
#define VSCSI_HOST_TIME_OUT            3
#define VSCSI_HOST_BAD_TARGET          4
#define VSCSI_HOST_ABORT               5
#define VSCSI_HOST_PARITY              6
#define VSCSI_HOST_ERROR               7
#define VSCSI_HOST_RESET               8
#define VSCSI_HOST_BAD_INTR            9
#define VSCSI_HOST_PASSTHROUGH         10
#define VSCSI_HOST_SOFT_ERROR          11
#define VSCSI_HOST_IMM_RETRY           12
#define VSCSI_HOST_REQUEUE             13
#define VSCSI_HOST_TRANSPORT_DISRUPTED 14
#define VSCSI_HOST_TRANSPORT_FAILFAST  15
#define VSCSI_HOST_TARGET_FAILURE      16
#define VSCSI_HOST_NEXUS_FAILURE       17
#define VSCSI_HOST_ALLOC_FAILURE       18
#define VSCSI_HOST_MEDIUM_ERROR        19
#define VSCSI_HOST_TRANSPORT_MARGINAL  20
#define VSCSI_HOST_MAX                 20

#define VSCSI_RSLT_STATUS(x) ((uint32_t)(x)&0xffu)
#define VSCSI_RSLT_HOST(x)   (((uint32_t)(x) >> 16) & 0xffu)
#define VSCSI_RSLT(host, status)                                                                   \
    ((int32_t)((((uint32_t)(host)&0xffu) << 16) | ((uint32_t)(status)&0xffu)))

/* rslt of an ABORT or RESET; the values are Linux's SCSI-EH SUCCESS/FAILED and thus ABI. */
#define VSCSI_RSLT_RESET_SUCCESS 0x2002
#define VSCSI_RSLT_RESET_FAILED  0x2003

/* Shared ring geometry: always computed from 4096, never from the OS page size. */
#define VSCSI_SRING_HDR_SIZE 64
#define VSCSI_SLOT_SIZE      252
#define VSCSI_RING_SIZE      16 /* power-of-two floor of (4096 - 64) / 252 */

struct vscsi_seg {
    uint32_t gref;   /* grant_ref_t of the page */
    uint16_t offset; /* byte offset within the 4 KiB page */
    uint16_t length; /* byte count within that page */
};

struct vscsi_request {
    uint16_t rqid;
    uint8_t act;
    uint8_t cmd_len;
    uint8_t cmnd[VSCSI_MAX_CDB_LEN];
    uint16_t timeout_per_command; /* seconds, deprecated; sent, never trusted */
    uint16_t channel;
    uint16_t id;
    uint16_t lun;
    uint16_t ref_rqid; /* ABORT: rqid of the command to abort */
    uint8_t sc_data_direction;
    uint8_t nr_segments; /* bits 0-6 count, bit 7 VSCSI_SG_GRANT */
    struct vscsi_seg seg[VSCSI_SG_TABLESIZE];
    uint32_t reserved[3];
};

struct vscsi_response {
    uint16_t rqid;
    uint8_t act; /* "padding" in Linux's copy; write 0, ignore on receive */
    uint8_t sense_len;
    uint8_t sense_buffer[VSCSI_SENSE_LEN];
    int32_t rslt;
    uint32_t residual_len; /* bytes of the expected transfer not transferred */
    uint32_t reserved[36];
};

union vscsi_slot {
    struct vscsi_request req;
    struct vscsi_response rsp;
};

/* The single shared 4 KiB ring page. */
struct vscsi_sring {
    uint32_t req_prod;  /* written by the frontend only */
    uint32_t req_event; /* written by the backend only */
    uint32_t rsp_prod;  /* written by the backend only */
    uint32_t rsp_event; /* written by the frontend only */
    uint8_t pvt[4];     /* netif/tapif private bytes in ring.h; zero for vscsi */
    uint8_t pad[44];
    union vscsi_slot ring[VSCSI_RING_SIZE];
};

/* Layout is ABI: check it where it is declared (see tests/abi for the field-by-field check). */
#if defined(__cplusplus)
#define VSCSI_STATIC_ASSERT static_assert
#else
#define VSCSI_STATIC_ASSERT _Static_assert
#endif
#define VSCSI_OFFSETOF(t, m) __builtin_offsetof(t, m)
VSCSI_STATIC_ASSERT(sizeof(struct vscsi_seg) == 8, "segment is 8 bytes");
VSCSI_STATIC_ASSERT(sizeof(struct vscsi_request) == VSCSI_SLOT_SIZE, "request is 252 bytes");
VSCSI_STATIC_ASSERT(sizeof(struct vscsi_response) == VSCSI_SLOT_SIZE, "response is 252 bytes");
VSCSI_STATIC_ASSERT(sizeof(union vscsi_slot) == VSCSI_SLOT_SIZE, "slot is 252 bytes");
VSCSI_STATIC_ASSERT(VSCSI_OFFSETOF(struct vscsi_request, seg) == 32, "seg[] at 32");
VSCSI_STATIC_ASSERT(VSCSI_OFFSETOF(struct vscsi_request, reserved) == 240, "reserved at 240");
VSCSI_STATIC_ASSERT(VSCSI_OFFSETOF(struct vscsi_response, rslt) == 100, "rslt at 100");
VSCSI_STATIC_ASSERT(VSCSI_OFFSETOF(struct vscsi_response, residual_len) == 104, "residual at 104");
VSCSI_STATIC_ASSERT(VSCSI_OFFSETOF(struct vscsi_sring, ring) == VSCSI_SRING_HDR_SIZE, "ring at 64");
VSCSI_STATIC_ASSERT(sizeof(struct vscsi_sring) == VSCSI_PAGE_SIZE, "ring fills one page");
VSCSI_STATIC_ASSERT(VSCSI_SLOT_SIZE *VSCSI_RING_SIZE + VSCSI_SRING_HDR_SIZE <= VSCSI_PAGE_SIZE &&
                        VSCSI_SLOT_SIZE * VSCSI_RING_SIZE * 2 + VSCSI_SRING_HDR_SIZE >
                            VSCSI_PAGE_SIZE,
                    "16 is the power-of-two floor");

#ifdef __cplusplus
}
#endif

#endif /* VSCSIIF_WIRE_H */
