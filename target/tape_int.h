/* SPDX-License-Identifier: MIT */
/*
 * Private to the tape files: tape.c (medium, READ/WRITE, motion, the op
 * table), tape_pos.c (READ POSITION, LOCATE/SPACE(16), REPORT DENSITY
 * SUPPORT), tape_log.c (LOG SENSE/SELECT), tape_mam.c (READ/WRITE ATTRIBUTE).
 */
#ifndef VSCSI_SIM_TAPE_INT_H
#define VSCSI_SIM_TAPE_INT_H

#include "target/tgt_int.h"

/* READ BLOCK LIMITS maximum before the transport's clamp: 8 MiB as LTO drives report, so
 * LTFS's 512 KiB + 4 and 1 MiB + 4 records fit wherever the transport carries them. */
#define TAPE_MAX_BLK 0x800000u
#define TAPE_MIB     (1ull << 20)

/* Densities the drive reads and writes; the first is the default. */
struct tape_density {
    uint8_t code;
    const char *name, *desc;
    uint32_t bpmm, tracks; /* bits per mm, tracks: nominal figures only */
};
extern const struct tape_density tape_densities[];
extern const size_t tape_ndensities;
bool tape_density_ok(uint8_t code);

/* tape.c: motion shared by the 6/10- and 16-byte forms */
void tape_space_by(struct tgt_cmd *c, unsigned code, int64_t count);
void tape_locate_to(struct tgt_cmd *c, uint64_t obj);
uint64_t tape_bytes_at(const struct tgt_tape *t, size_t pos);
bool tape_past_ew(const struct tgt_tape *t, uint64_t bytes);
/* Number of filemarks before record index pos. */
uint64_t tape_files_before(const struct tgt_cart *cart, size_t pos);

/* tape_pos.c */
void tape_read_position(struct tgt_cmd *c);
void tape_locate16(struct tgt_cmd *c);
void tape_space16(struct tgt_cmd *c);
void tape_report_density(struct tgt_cmd *c);

/* tape_log.c */
void tape_log_sense(struct tgt_cmd *c);
void tape_log_select(struct tgt_cmd *c);

/* tape_mam.c */
void tape_read_attr(struct tgt_cmd *c);
void tape_write_attr(struct tgt_cmd *c);
/* A new cartridge: serial and barcode attributes from its label. */
void tape_mam_init(struct tgt_cart *cart, const char *serial_prefix);
/* The cartridge was threaded in this drive: load count, device history. */
void tape_mam_loaded(struct vscsi_tgt_lun *tape);
/* Serialises the MAM for the image file; returns bytes used, 0 if cap is too small. */
size_t tape_mam_save(const struct tgt_mam *m, uint8_t *buf, size_t cap);
/* Restores what tape_mam_save wrote; false (and m untouched) if it does not parse. */
bool tape_mam_restore(struct tgt_mam *m, const uint8_t *buf, size_t len);
#define TAPE_MAM_IMAGE_MAX 8192

#endif
