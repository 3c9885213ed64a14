/* SPDX-License-Identifier: MIT */
/*
 * What SG_IO passthrough decides without touching a device, so that it can be
 * unit-tested: how much one command may move (transport, host queue, sg
 * reserved buffer) and the rewriting of the device's own limits to match;
 * the per-command timeout (REPORT SUPPORTED OPERATION CODES timeouts
 * descriptors, per-device-type defaults, --sg-op-timeout overrides); and
 * turning a finished sg_io_hdr into the one answer the guest gets.
 */
#ifndef VSCSI_XEN_SG_POLICY_H
#define VSCSI_XEN_SG_POLICY_H

#include <stddef.h>
#include <stdint.h>

/* ---- transfer limits ---- */

/* Bytes, 0 = unknown / no limit from that source. */
struct vscsi_sg_limits {
    uint64_t transport;   /* feature-sg-grant x 4 KiB (vscsi_sg_transport_bytes) */
    uint64_t max_hw;      /* queue/max_hw_sectors_kb, or the host's max_sectors */
    uint64_t max_sectors; /* queue/max_sectors_kb */
    uint64_t sg_reserved; /* SG_GET_RESERVED_SIZE after raising it */
    uint32_t block_size;  /* logical block size (Block Limits counts blocks); 0 = 512 */
};

/* max_segs as the backend advertises it: 0 = direct segments only. */
uint64_t vscsi_sg_transport_bytes(uint32_t max_segs);
/* The smallest known limit; UINT64_MAX when none is known. */
uint64_t vscsi_sg_limit_bytes(const struct vscsi_sg_limits *lim);

/* After a GOOD INQUIRY of the Block Limits VPD page (B0h) or READ BLOCK
 * LIMITS (05h, not MLOC), lowers the maximum (and optimal) transfer length
 * the device reported in data[0..len) (the bytes actually returned) to what
 * passes. Any other command, or too short a reply, is left alone. Returns 1
 * if it changed something. */
int vscsi_sg_clamp_reply(const uint8_t *cdb, size_t cdb_len, uint8_t *data, size_t len,
                         const struct vscsi_sg_limits *lim);

/* Host queue limits from sysfs ($VSCSI_SYSFS or /sys) for the SCSI device at
 * h:c:t:l: its block queue if it has one (disks), else its host's max_sectors
 * (tapes, changers). Fills what it finds; 0 if anything was found, -ENOENT. */
int vscsi_sg_sysfs_limits(uint32_t host, uint32_t channel, uint32_t target, uint32_t lun,
                          struct vscsi_sg_limits *lim);

/* ---- timeouts ---- */

#define VSCSI_SG_TMO_MAX      512u
#define VSCSI_SG_TMO_CEIL_S   172800u /* 48 h: above it a device's figure is not believed */
#define VSCSI_SG_OVERRIDE_MAX 32u

struct vscsi_sg_tmo_entry {
    uint8_t opcode;
    uint8_t has_sa;
    uint16_t sa;
    uint32_t seconds; /* the recommended command timeout */
};

struct vscsi_sg_tmo {
    uint8_t pdt; /* peripheral device type (INQUIRY byte 0 bits 4-0) */
    unsigned n;
    struct vscsi_sg_tmo_entry e[VSCSI_SG_TMO_MAX];
};

/* Parses an RSOC (reporting options 000b, RCTD=1) reply of len bytes the
 * device actually returned. Hostile: the header's length, each descriptor's
 * CTDP and timeouts descriptor length are all checked against len, and
 * parsing stops at the first thing that does not fit. Keeps entries with a
 * non-zero recommended timeout. Returns the entries kept, or -EPROTO when
 * not even the header is there. */
int vscsi_sg_rsoc_parse(const uint8_t *buf, size_t len, struct vscsi_sg_tmo *t);

struct vscsi_sg_overrides {
    unsigned n;
    struct {
        uint8_t opcode;
        uint32_t seconds;
    } e[VSCSI_SG_OVERRIDE_MAX];
};

/* "OP=SEC[,OP=SEC...]", OP 0..255 (0x.. hex or decimal), SEC 1..172800.
 * 0, or -EINVAL with a message in msg. */
int vscsi_sg_overrides_parse(const char *spec, struct vscsi_sg_overrides *ov, char *msg,
                             size_t msglen);

/* The timeout for one CDB, in milliseconds: an override for its opcode wins;
 * else the device's RSOC figure, else the default of its device type (tape
 * and changer motion commands take minutes to hours); never less than
 * floor_ms (vscsi-back --sg-timeout). dev/ov may be NULL. */
unsigned vscsi_sg_timeout_ms(const struct vscsi_sg_tmo *dev, const struct vscsi_sg_overrides *ov,
                             const uint8_t *cdb, size_t cdb_len, unsigned floor_ms);

/* ---- unit attentions our own probing took ---- */

/* A unit attention a device reports is consumed by whichever command gets it:
 * when vscsi-back's own probe at open got one, the guest's first command that
 * a unit attention preempts (anything but INQUIRY, REPORT LUNS, REQUEST
 * SENSE: SAM-5 5.14) is answered with it instead, so the guest still learns
 * of the reset or the medium change. */
int vscsi_sg_ua_preempts(const uint8_t *cdb, size_t cdb_len);
/* Whether sense data (fixed or descriptor format) says UNIT ATTENTION. */
int vscsi_sg_sense_is_ua(const uint8_t *sense, size_t len);

/* ---- the answer ---- */

struct vscsi_sg_answer {
    uint8_t host, status;
    uint32_t resid;
};
/* From a finished SG_IO: Linux DID_* host codes are the wire's; a timeout
 * (DID_TIME_OUT, or DRIVER_TIMEOUT with no host code: the midlayer aborted
 * the command on the device) answers host TIME_OUT; a residual outside
 * [0, data_len] is not believed. */
struct vscsi_sg_answer vscsi_sg_answer_of(unsigned host_status, unsigned driver_status,
                                          unsigned status, int resid, size_t data_len);

#endif
