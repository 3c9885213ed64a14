/* SPDX-License-Identifier: MIT */
/*
 * Fake SCSI target: the LUNs a simulated (or userspace) backend serves.
 *
 * A LUN is a synchronous CDB executor: vscsi_tgt_exec() runs one command to
 * completion against the LUN's state and fills a result (status, fixed-format
 * sense, residual). Asynchrony (delays, hangs that only an ABORT ends) is the
 * caller's job: the result says how long the command should appear to take.
 *
 * Three kinds: SBC disk, SSC tape drive, SMC medium changer. A changer is wired
 * to one or more tape LUNs as an autoloader: MOVE MEDIUM into a drive element
 * loads that cartridge into the tape LUN; moving it out unloads it.
 *
 * Thread safety: one LUN is used by one thread at a time (the backend
 * serialises per LUN); different LUNs are independent, except that a changer
 * and its drives share cartridges and take the changer's lock.
 */
#ifndef VSCSI_SIM_TARGET_H
#define VSCSI_SIM_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "vscsiif/scsi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* SAM status codes and sense keys: include/vscsiif/scsi.h */

enum vscsi_tgt_kind {
    VSCSI_TGT_DISK = 0,    /* SBC, peripheral device type 0x00 */
    VSCSI_TGT_TAPE = 1,    /* SSC, peripheral device type 0x01 */
    VSCSI_TGT_CHANGER = 2, /* SMC, peripheral device type 0x08 */
};

/* Data direction of a command, as on the wire (VSCSI_DIR_* in wire.h). */
struct vscsi_tgt_iov {
    void *base;
    size_t len;
};

struct vscsi_tgt_io {
    const uint8_t *cdb;
    uint8_t cdb_len;
    uint8_t dir;                     /* VSCSI_DIR_TO_DEVICE / FROM_DEVICE / NONE */
    const struct vscsi_tgt_iov *iov; /* the data buffer, scattered */
    unsigned iovcnt;
    size_t xfer_len; /* sum of iov lengths: what the initiator expects to move */
};

struct vscsi_tgt_result {
    uint8_t status; /* SAM status */
    uint8_t sense_len;
    uint8_t sense[96]; /* fixed format (0x70), additional length at byte 7 */
    uint32_t residual; /* xfer_len minus bytes actually moved */
    uint32_t delay_us; /* injected: the command should complete this much later */
    uint8_t hang;      /* injected: never complete unless aborted or reset */
};

struct vscsi_tgt_lun; /* opaque */

struct vscsi_tgt_disk_opts {
    uint64_t blocks;     /* capacity in logical blocks (default 2048) */
    uint32_t block_size; /* 512 or 4096 (default 512) */
    const char *path;    /* backing file, created/extended as needed; NULL = memory */
    const char *vendor;  /* INQUIRY, space padded to 8; NULL = "VSCSIIF " */
    const char *product; /* 16 chars; NULL = kind default */
    const char *serial;  /* VPD 0x80; NULL = derived from an internal counter */
    int thin;            /* UNMAP/WRITE SAME UNMAP supported (LBPME) */
};

struct vscsi_tgt_tape_opts {
    uint64_t capacity;      /* bytes per cartridge before end-of-medium (default 64 MiB) */
    uint32_t early_warning; /* bytes before the end where EOM early warning is reported */
    const char *path;       /* NULL = memory; otherwise a directory holding cartridge images */
    int loaded;             /* a cartridge is in the drive at start (standalone drive) */
    const char *serial;     /* drive serial (VPD 80h, MAM device history); NULL = generated */
    const char *barcode;    /* the standalone cartridge's volume tag; NULL = "ST0001L6" */
    const char *medium_serial_prefix; /* MAM 0401h = prefix + volume tag; NULL = "VSM" */
    int power_on_ua; /* report POWER ON (29h/00h) once, as a drive that just started */
};

struct vscsi_tgt_changer_opts {
    unsigned slots;    /* storage elements (default 8), all filled with blank cartridges */
    unsigned ie_ports; /* import/export elements (default 1) */
    struct vscsi_tgt_lun **drives; /* tape LUNs this changer loads (data transfer elements) */
    unsigned ndrives;
    const char *serial;               /* NULL = generated */
    const char *const *barcodes;      /* volume tags of slots 0..nbarcodes-1; the rest "VSnnnnL6" */
    unsigned nbarcodes;               /* at most slots; tags unique, as the parser checks */
    const char *medium_serial_prefix; /* as for the tape */
    const char *path; /* directory: the inventory (which tag is where) survives a restart */
    int power_on_ua;
};

/*
 * One option string configures the tape drives and the changer of a fake
 * library (vscsi-sim --tape-config, vscsi-back --fake-tape), e.g.
 *   "capacity=2G,serial=DRV001,barcodes=A0001L6:A0002L6,slots=4,dir=/var/lib/vtl"
 * keys: capacity=SIZE (bytes, K/M/G/T suffixes, 64K..16T), ew=SIZE (early
 * warning), serial=S and changer-serial=S (1-20 of A-Z a-z 0-9 - _),
 * barcodes=T[:T...] (volume tags, 1-32 of A-Z 0-9 - _, unique; the first is
 * also a standalone drive's cartridge), medium-serial=PREFIX (up to 16),
 * slots=N (1-4096), ie=N (1-4096), dir=PATH (an existing directory), ua=0|1
 * (report POWER ON once at start, default 1 as a real drive and library do:
 * st, mt-st and mtx, with mtx status as the changer's first command, take it on
 * live Xen). Every key at most once.
 * Returns 0, or -EINVAL with a message naming the bad key in err.
 * tape and changer point into the struct itself: use it where it was
 * parsed, do not copy it.
 */
#define VSCSI_TGT_MAX_BARCODES 64
struct vscsi_tgt_media_config {
    struct vscsi_tgt_tape_opts tape;       /* set .loaded as needed */
    struct vscsi_tgt_changer_opts changer; /* set .drives / .ndrives */
    char serial[21], changer_serial[21], mserial[17];
    char dir[1024];
    char tags[VSCSI_TGT_MAX_BARCODES][33];
    const char *tagp[VSCSI_TGT_MAX_BARCODES];
};
int vscsi_tgt_media_config_parse(const char *s, struct vscsi_tgt_media_config *cfg, char *err,
                                 size_t errlen);

/* The operator at import/export port `ie` (0-based): a non-NULL tag puts a new
 * blank cartridge there (the port must be empty, the tag unused), NULL takes the
 * cartridge out. The changer then reports UNIT ATTENTION 28h/01h once.
 * 0, -EINVAL (no such port, bad tag), -EEXIST (tag in the library), -EBUSY
 * (port full / empty), -ENOMEM. */
int vscsi_tgt_changer_ie(struct vscsi_tgt_lun *changer, unsigned ie, const char *tag);

/* Changer element addresses (READ ELEMENT STATUS, MOVE MEDIUM): element i of each type. */
#define VSCSI_TGT_ELEM_TRANSPORT 0x0000
#define VSCSI_TGT_ELEM_STORAGE   0x1000
#define VSCSI_TGT_ELEM_IE        0x2000
#define VSCSI_TGT_ELEM_DRIVE     0x3000

/*
 * Behaviour worth knowing when driving the LUNs (details in target/):
 *  - opts may be NULL (all defaults). Constructors return NULL on bad options
 *    (block size not 512/1024/2048/4096, a drive already wired or not a tape,
 *    an unusable path). Tape early_warning 0 means capacity / 32.
 *  - Cartridge images (tape path): "<path>/<volume tag>.img", read when a
 *    cartridge first enters the drive, written when it is unloaded or freed.
 *    A standalone drive's cartridge is "ST0001L6"; a changer's slot i starts
 *    with "VSnnnnL6", nnnn = i + 1.
 *    The image also holds the cartridge's medium auxiliary memory (READ/WRITE
 *    ATTRIBUTE: load count, volume change reference, host attributes).
 *    A changer with a path keeps "<path>/library.inv" (which tag is in which
 *    element, drives included), rewritten after every move; at start it wins
 *    over the configured tags when it parses, and is ignored otherwise.
 *  - A cartridge moved into a drive makes the drive report UNIT ATTENTION
 *    28h/00h (medium may have changed) once, like a real autoloader.
 *    Unit attentions are kept per LUN: the target sees one initiator (the
 *    backend), so MODE PARAMETERS CHANGED, which SPC-4 sends only to the
 *    other I_T nexuses, never arises.
 *  - TapeAlert flags (LOG SENSE 2Eh) are raised by medium errors (5 read
 *    failure, 6 write failure) and by injection, and cleared when page 2Eh
 *    is read with cumulative values.
 *  - Free a drive or its changer in either order; a freed drive's element
 *    becomes inaccessible, a freed changer leaves the cartridge in the drive.
 *  - Data-out shorter than the CDB requires: ABORTED COMMAND 4Bh/00h, nothing
 *    is written. Data-in larger than the buffer: the rest is dropped (GOOD).
 *  - Faults: a fault fires on every command numbered >= nth (counting from the
 *    injection, nth 0 = 1) until it has fired count times (0 = forever);
 *    vscsi_tgt_fault_parse() sets count 1 when nth is given without count.
 *    BUSY, SENSE and HANG preempt the command (a hung command never runs);
 *    DELAY only annotates; MEDIUM hits disk LBAs / tape object positions.
 *  - stats: bytes_in = data-in (device to initiator), bytes_out = data-out;
 *    errors = commands that ended with a status other than GOOD.
 */
struct vscsi_tgt_lun *vscsi_tgt_disk_new(const struct vscsi_tgt_disk_opts *o);
struct vscsi_tgt_lun *vscsi_tgt_tape_new(const struct vscsi_tgt_tape_opts *o);
struct vscsi_tgt_lun *vscsi_tgt_changer_new(const struct vscsi_tgt_changer_opts *o);
void vscsi_tgt_free(struct vscsi_tgt_lun *lun);
enum vscsi_tgt_kind vscsi_tgt_kind(const struct vscsi_tgt_lun *lun);

/* Execute one CDB. Never fails as a function: every problem is a status + sense. */
void vscsi_tgt_exec(struct vscsi_tgt_lun *lun, const struct vscsi_tgt_io *io,
                    struct vscsi_tgt_result *res);

/* vscsi_tgt_exec() through I_T nexus `initiator` (vscsi_tgt_exec() is
 * initiator 0). Only reservations look at it: after RESERVE(6/10) through one
 * nexus every other gets RESERVATION CONFLICT (but for INQUIRY, REQUEST
 * SENSE, REPORT LUNS, RELEASE and the MAINTENANCE IN reports), until the
 * holder releases or the LUN is reset. */
void vscsi_tgt_exec_nexus(struct vscsi_tgt_lun *lun, const struct vscsi_tgt_io *io,
                          uint32_t initiator, struct vscsi_tgt_result *res);

/* Direct data (the backend's direct_buffer, include/vscsiif/target.h): when
 * `io` (its iov is not looked at) is a READ or WRITE (6/10/12/16) of a disk
 * held in memory that is sure to run as plain memory access (valid CDB,
 * in range, exactly xfer_len = blocks x block size, medium ready, no unit
 * attention pending, no fault armed), returns 1 and sets *base to those
 * bytes of the store; otherwise 0. */
int vscsi_tgt_direct(struct vscsi_tgt_lun *lun, const struct vscsi_tgt_io *io, void **base);
/* vscsi_tgt_exec() of such a command with io->iov = {*base, xfer_len}: it
 * moves no bytes (a WRITE's data is in the store already, a READ's stays
 * there for the caller to take), everything else is as vscsi_tgt_exec(). */
void vscsi_tgt_exec_direct(struct vscsi_tgt_lun *lun, const struct vscsi_tgt_io *io,
                           struct vscsi_tgt_result *res);

/* The most one command can move through the transport serving this LUN, in
 * bytes (0: no limit, the default). The disk's Block Limits VPD page and the
 * tape's READ BLOCK LIMITS then report no more, and a READ/WRITE asking for
 * more is refused (ILLEGAL REQUEST, INVALID FIELD IN CDB) rather than cut
 * short. vscsi_tgt_xfer_max_segs() is what a vscsiif backend can carry with
 * feature-sg-grant max_segs (0: direct segments only). */
void vscsi_tgt_set_xfer_max(struct vscsi_tgt_lun *lun, uint64_t bytes);
static inline uint64_t vscsi_tgt_xfer_max_segs(uint32_t max_segs)
{
    return (uint64_t)(max_segs ? max_segs : 26u) * 4096u; /* VSCSI_SG_TABLESIZE pages */
}

/* LUN reset (and power-on): aborts nothing by itself, sets a pending
 * UNIT ATTENTION (29h/00h) reported by the next command but INQUIRY/REPORT LUNS/REQUEST SENSE. */
void vscsi_tgt_reset(struct vscsi_tgt_lun *lun);

/* Fault injection. */
enum vscsi_tgt_fault_kind {
    VSCSI_FAULT_NONE = 0,
    VSCSI_FAULT_SENSE,     /* the nth command answers CHECK CONDITION with key/asc/ascq */
    VSCSI_FAULT_MEDIUM,    /* reads/writes touching lba (disk) fail with MEDIUM ERROR 11h/00h or
                              0Ch/00h */
    VSCSI_FAULT_DELAY,     /* the nth command (0 = every command) reports delay_us */
    VSCSI_FAULT_HANG,      /* the nth command reports hang */
    VSCSI_FAULT_BUSY,      /* the nth command answers status BUSY */
    VSCSI_FAULT_TAPEALERT, /* tape: from the nth command on, TapeAlert flag `flag` is set */
};
struct vscsi_tgt_fault {
    enum vscsi_tgt_fault_kind kind;
    uint64_t nth;   /* 1-based command count from now; 0 = every command */
    uint64_t count; /* how many times it fires (0 = unlimited) */
    uint8_t key, asc, ascq;
    uint64_t lba;      /* MEDIUM */
    uint32_t delay_us; /* DELAY */
    uint8_t flag;      /* TAPEALERT: 1..64 (SSC TapeAlert parameter code) */
};
/* Adds a fault (up to 8 per LUN); returns 0 or -ENOSPC/-EINVAL. */
int vscsi_tgt_inject(struct vscsi_tgt_lun *lun, const struct vscsi_tgt_fault *f);
void vscsi_tgt_clear_faults(struct vscsi_tgt_lun *lun);
/* Parse "sense:nth=5,key=3,asc=0x11,ascq=0", "medium:lba=100", "delay:us=2000",
 * "hang:nth=3", "busy:nth=2", "tapealert:flag=20" (the vscsi-sim --inject
 * syntax). 0 or -EINVAL. A TapeAlert flag does not preempt the command; it
 * stays set until LOG SENSE page 2Eh reads it (count says how often it is set). */
int vscsi_tgt_fault_parse(const char *s, struct vscsi_tgt_fault *f);

/* Counters for summaries and tests. */
struct vscsi_tgt_stats {
    uint64_t commands, errors, bytes_in, bytes_out;
    uint64_t direct; /* commands whose data was in place: no copy by the target */
};
void vscsi_tgt_stats(const struct vscsi_tgt_lun *lun, struct vscsi_tgt_stats *out);

/* Sense helpers shared by the target and by tests. */
void vscsi_tgt_set_sense(struct vscsi_tgt_result *res, uint8_t key, uint8_t asc, uint8_t ascq);

#ifdef __cplusplus
}
#endif

#endif
