/* SPDX-License-Identifier: MIT */
/*
 * Private to target/: the LUN object, the per-command context and the
 * helpers the command files (spc.c, disk.c, tape.c, changer.c) share.
 *
 * Every kind is table driven: an opcode table gives, per command, the CDB
 * length, the data phase, whether a unit attention or a not-ready condition
 * preempts it, and the CDB usage mask. The same table rejects reserved bits
 * (INVALID FIELD IN CDB with the exact field pointer) and answers REPORT
 * SUPPORTED OPERATION CODES, so the two can never disagree.
 */
#ifndef VSCSI_SIM_TGT_INT_H
#define VSCSI_SIM_TGT_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "target/target.h"

/* ---- big-endian field access: the target's short names for include/vscsiif/scsi.h ---- */
static inline uint16_t tgt_be16(const uint8_t *p)
{
    return vscsi_get_be16(p);
}
static inline uint32_t tgt_be24(const uint8_t *p)
{
    return vscsi_get_be24(p);
}
static inline uint32_t tgt_be32(const uint8_t *p)
{
    return vscsi_get_be32(p);
}
static inline uint64_t tgt_be64(const uint8_t *p)
{
    return vscsi_get_be64(p);
}
static inline void tgt_put16(uint8_t *p, uint16_t v)
{
    vscsi_put_be16(p, v);
}
static inline void tgt_put24(uint8_t *p, uint32_t v)
{
    vscsi_put_be24(p, v);
}
static inline void tgt_put32(uint8_t *p, uint32_t v)
{
    vscsi_put_be32(p, v);
}
static inline void tgt_put64(uint8_t *p, uint64_t v)
{
    vscsi_put_be64(p, v);
}

/* Copies s into an n-byte field, space padded, never NUL terminated (INQUIRY strings). */
void tgt_pad(uint8_t *dst, const char *s, size_t n);

/* ---- the command context ---- */
struct vscsi_tgt_lun;

struct tgt_cmd {
    struct vscsi_tgt_lun *lun;
    const uint8_t *cdb;
    const struct vscsi_tgt_io *io;
    struct vscsi_tgt_result *res;
    size_t in_cap;      /* bytes the initiator can take (0 unless dir is FROM_DEVICE) */
    size_t out_avail;   /* bytes the initiator supplies (0 unless dir is TO_DEVICE) */
    size_t moved;       /* bytes transferred so far, either direction */
    bool direct;        /* vscsi_tgt_exec_direct(): io's buffer may be the medium itself */
    uint32_t initiator; /* the I_T nexus (vscsi_tgt_exec_nexus()) */
};

/* Appends to the data-in stream, dropping what exceeds `limit` (the allocation
 * length) or the initiator's buffer. Returns the bytes actually copied. */
size_t tgt_put(struct tgt_cmd *c, size_t limit, const void *p, size_t n);
/* Copies n data-out bytes from stream offset `off` into p. Returns bytes copied. */
size_t tgt_get(struct tgt_cmd *c, size_t off, void *p, size_t n);

/* The initiator's buffer as contiguous pieces, for bulk I/O without a bounce copy. */
struct tgt_iter {
    const struct vscsi_tgt_iov *iov;
    unsigned cnt, idx;
    size_t skip; /* offset inside iov[idx] */
};
void tgt_iter_init(struct tgt_iter *it, const struct tgt_cmd *c, size_t off);
/* Next piece of at most max bytes; returns its length (0 at the end). */
size_t tgt_iter_next(struct tgt_iter *it, size_t max, uint8_t **p);

/* ---- sense (sense.c); each sets CHECK CONDITION ---- */
#define TGT_SENSE_FILEMARK 0x80
#define TGT_SENSE_EOM      0x40
#define TGT_SENSE_ILI      0x20

void tgt_sense(struct tgt_cmd *c, uint8_t key, uint8_t asc, uint8_t ascq);
/* With VALID and the INFORMATION field, plus FILEMARK/EOM/ILI flags. */
void tgt_sense_info(struct tgt_cmd *c, uint8_t flags, uint8_t key, uint8_t asc, uint8_t ascq,
                    uint32_t info);
/* INVALID FIELD IN CDB (24h/00h) pointing at CDB byte `byte`, bit `bit` (-1: whole byte). */
void tgt_bad_cdb(struct tgt_cmd *c, unsigned byte, int bit);
/* INVALID FIELD IN PARAMETER LIST (26h/00h) pointing into the parameter data. */
void tgt_bad_param(struct tgt_cmd *c, unsigned byte, int bit);
/* PARAMETER LIST LENGTH ERROR (1Ah/00h). */
void tgt_param_len_error(struct tgt_cmd *c);
/* The initiator supplied less data-out than the CDB asks for: ABORTED COMMAND,
 * DATA PHASE ERROR (4Bh/00h). Nothing is written. */
void tgt_short_data_out(struct tgt_cmd *c);
/* Fills an 18-byte fixed-format sense buffer (used for REQUEST SENSE data too). */
void tgt_fill_sense(uint8_t *s, uint8_t flags, uint8_t key, uint8_t asc, uint8_t ascq, bool valid,
                    uint32_t info);

/* ---- descriptor-format sense (sense_desc.c) ---- */
/* The Control mode page's D_SENSE bit: sense is to be returned in descriptor format. */
bool tgt_dsense(const struct vscsi_tgt_lun *lun);
/* Rewrites fixed-format sense (70h/71h) of len bytes in s as descriptor format
 * (72h/73h): information, sense-key-specific and stream-commands descriptors
 * for what the fixed form had. Returns the new length (at most cap). */
size_t tgt_sense_to_desc(uint8_t *s, size_t len, size_t cap);

/* A command moving `bytes` cannot pass the transport (vscsi_tgt_set_xfer_max()):
 * sets INVALID FIELD IN CDB at the length field `byte` and returns true. */
bool tgt_xfer_over(struct tgt_cmd *c, uint64_t bytes, unsigned byte);

/* ---- opcode tables ---- */
enum {
    TGT_F_IN = 1u << 0,    /* data-in */
    TGT_F_OUT = 1u << 1,   /* data-out */
    TGT_F_NO_UA = 1u << 2, /* runs despite a pending unit attention (and leaves it) */
    TGT_F_SA = 1u << 3,    /* service action in CDB byte 1 bits 4-0 */
    TGT_F_READY = 1u << 4, /* needs the medium ready (disk started, tape loaded) */
    TGT_F_THIN = 1u << 5,  /* exists only on thin-provisioned disks */
    TGT_F_RESV = 1u << 6,  /* runs despite another initiator's reservation (SPC-2 5.5.1) */
};

typedef void (*tgt_handler)(struct tgt_cmd *c);

struct tgt_op {
    uint8_t opcode;
    uint8_t sa;
    uint8_t flags;
    uint8_t len; /* CDB length */
    tgt_handler fn;
    uint8_t mask[16]; /* CDB usage data: bits the device server looks at; [0] unused */
};

/* REPORT SUPPORTED OPERATION CODES command timeouts (spc_timeout.c), in
 * seconds: what a real device of this kind would need, so that a backend's
 * timeout choice can be exercised against the simulator. */
void tgt_op_timeouts(const struct vscsi_tgt_lun *lun, const struct tgt_op *op, uint32_t *nominal,
                     uint32_t *recommended);

/* ---- mode pages ---- */
#define TGT_MPAGE_MAX  6
#define TGT_MPAGE_SIZE 24
struct tgt_mpage {
    uint8_t len; /* whole page including its 2-byte header */
    uint8_t cur[TGT_MPAGE_SIZE], chg[TGT_MPAGE_SIZE], def[TGT_MPAGE_SIZE];
};

/* ---- per-kind behaviour ---- */
struct tgt_kind_ops {
    const struct tgt_op *ops;
    size_t nops;
    uint8_t pdt;
    uint8_t rmb;
    uint16_t version_desc; /* the command-set standard claimed in INQUIRY */
    /* Kind-specific VPD pages after 00h/80h/83h: list and builder (returns length). */
    size_t (*vpd_list)(const struct vscsi_tgt_lun *lun, uint8_t *pages);
    size_t (*vpd_page)(const struct vscsi_tgt_lun *lun, uint8_t page, uint8_t *buf);
    /* Fills the not-ready sense triple; false when ready. */
    bool (*not_ready)(const struct vscsi_tgt_lun *lun, uint8_t *key, uint8_t *asc, uint8_t *ascq);
    /* MODE SENSE: device-specific parameter byte and block descriptor (0 = none). */
    uint8_t (*mode_dsp)(const struct vscsi_tgt_lun *lun);
    size_t (*mode_bd)(const struct vscsi_tgt_lun *lun, bool longlba, uint8_t *bd);
    /* MODE SELECT block descriptor at parameter offset off: checked first (apply false,
     * returns false after setting sense), applied once the whole list is known good. */
    bool (*select_bd)(struct tgt_cmd *c, const uint8_t *bd, size_t len, size_t off, bool apply);
    void (*destroy)(struct vscsi_tgt_lun *lun);
    /* vscsi_tgt_direct() once the generic checks passed (op found, CDB
     * fields valid, ready, nothing pending or armed); NULL: never direct. */
    bool (*direct)(struct vscsi_tgt_lun *lun, const struct tgt_op *op,
                   const struct vscsi_tgt_io *io, void **base);
};

extern const struct tgt_kind_ops tgt_disk_kind, tgt_tape_kind, tgt_changer_kind;

/* ---- state ---- */
#define TGT_MAX_FAULTS 8

struct tgt_fault_slot {
    struct vscsi_tgt_fault f;
    uint64_t base; /* command sequence number when injected */
    uint64_t fired;
    bool used;
};

/* Pending unit attentions, reported highest first. */
#define TGT_UA_RESET  0x1 /* 29h/00h POWER ON, RESET, OR BUS DEVICE RESET OCCURRED */
#define TGT_UA_MEDIUM 0x2 /* 28h/00h NOT READY TO READY CHANGE, MEDIUM MAY HAVE CHANGED */
#define TGT_UA_IMPEXP 0x4 /* 28h/01h IMPORT OR EXPORT ELEMENT ACCESSED (changer) */
/* Takes the highest pending unit attention: false when none is pending. */
bool tgt_ua_take(struct vscsi_tgt_lun *lun, uint8_t *asc, uint8_t *ascq);

struct tgt_rec {
    uint64_t off; /* into cart->data */
    uint32_t len;
    uint8_t fm; /* filemark */
};

/* A tape cartridge: records up to end-of-data. Owned by whoever holds it
 * (a standalone drive, a changer element, or the drive it was loaded into). */
/* Medium a filemark takes up. Without it a cartridge holds unbounded filemarks. */
#define TGT_FM_SPACE 512u

/* Medium auxiliary memory (tape_mam.c): what READ/WRITE ATTRIBUTE see. */
#define TGT_MAM_NHOST   20 /* host-type attributes a cartridge can hold */
#define TGT_MAM_VAL_MAX 160
struct tgt_mam {
    uint64_t loads;               /* 0003h */
    uint64_t w_life, r_life;      /* bytes, for 0220h/0221h (MiB) */
    uint64_t w_load, r_load;      /* this (or the last) load, 0222h/0223h */
    uint32_t vcr;                 /* 0009h volume change reference */
    char serial[33];              /* 0401h medium serial number */
    char dev_hist[4][41];         /* 020Ah-020Dh vendor + serial of the last four drives */
    uint16_t hlen[TGT_MAM_NHOST]; /* 0: attribute absent */
    uint8_t hval[TGT_MAM_NHOST][TGT_MAM_VAL_MAX];
};

struct tgt_cart {
    char label[33]; /* barcode (volume tag), also the image file's name */
    struct tgt_mam mam;
    struct tgt_rec *recs;
    size_t nrec, rcap;
    uint8_t *data;
    uint64_t dlen, dcap;
    uint64_t space; /* medium used: data bytes plus TGT_FM_SPACE per filemark */
    uint16_t src;   /* last storage/IE element it came from */
    bool svalid;
    bool read_image; /* its image file (if any) has been merged in already */
};

struct tgt_disk {
    uint64_t blocks;
    uint32_t bs;
    bool thin;
    uint8_t *map; /* thin: one bit per block, set = mapped (disk_thin.c) */
    bool stopped;
    int fd; /* -1 = memory */
    uint8_t *mem;
};

struct tgt_tape {
    uint64_t capacity, early_warning;
    char *dir;             /* cartridge images, or NULL */
    struct tgt_cart *cart; /* in the drive, threaded or not */
    bool loaded;           /* threaded: ready for media access */
    size_t pos;            /* record index, the logical object identifier */
    uint32_t blksz;        /* 0 = variable block mode */
    uint8_t density;
    struct vscsi_tgt_lun *changer; /* the changer we are wired to, or NULL */
    /* LOG SENSE counters since power-on (tape_log.c); bytes as the host sees them */
    uint64_t host_w, host_r, werr, rerr;
    uint64_t tapealert; /* flag n (1..64) is bit n-1; cleared when page 2Eh is read */
    bool changed;       /* the medium was written since it was loaded (MAM 0009h) */
};

struct tgt_elem {
    uint16_t addr;
    uint8_t type;          /* 1 transport, 2 storage, 3 IE, 4 data transfer */
    struct tgt_cart *cart; /* unused for data transfer elements */
    struct vscsi_tgt_lun *drive;
    bool impexp;   /* IE: placed there by the operator */
    char gone[33]; /* DT: the tag its drive held when the drive was freed (inventory) */
};

struct tgt_changer {
    pthread_mutex_t lock;
    struct tgt_elem *el;
    unsigned nel, nslots, nie, ndrives;
    char *dir;        /* where the inventory survives a restart (library.inv), or NULL */
    char mprefix[17]; /* medium serial prefix of cartridges imported later */
};

struct vscsi_tgt_lun {
    enum vscsi_tgt_kind kind;
    const struct tgt_kind_ops *k;
    pthread_mutex_t *lock; /* the changer's lock for a changer and its drives, else NULL */
    char vendor[9], product[17], serial[21];
    uint64_t naa;
    unsigned ua;
    uint64_t seq;
    struct tgt_fault_slot faults[TGT_MAX_FAULTS];
    struct vscsi_tgt_stats stats;
    struct tgt_mpage mp[TGT_MPAGE_MAX];
    unsigned nmp;
    /* 1 + index (tgt_op_at) of the first op with this opcode, 0 if none:
     * tgt_find_op runs twice per command and would otherwise walk the SPC
     * table before it reaches READ or WRITE. */
    uint16_t op_first[256];
    uint64_t xfer_max; /* vscsi_tgt_set_xfer_max(); 0 = no transport limit */
    bool reserved;     /* SPC-2 reservation held by resv_holder (spc_resv.c) */
    uint32_t resv_holder;
    union {
        struct tgt_disk d;
        struct tgt_tape t;
        struct tgt_changer c;
    } u;
};

/* lun.c */
struct vscsi_tgt_lun *tgt_lun_alloc(enum vscsi_tgt_kind kind, const struct tgt_kind_ops *k,
                                    const char *vendor, const char *product, const char *serial);
/* Adds a mode page; the caller fills cur/chg, then snapshots them as the defaults. */
struct tgt_mpage *tgt_mpage_add(struct vscsi_tgt_lun *lun, uint8_t code, uint8_t len);
void tgt_mpages_snapshot(struct vscsi_tgt_lun *lun);
const struct tgt_op *tgt_find_op(const struct vscsi_tgt_lun *lun, uint8_t opcode, uint8_t sa,
                                 bool *has_sa);
bool tgt_op_present(const struct vscsi_tgt_lun *lun, const struct tgt_op *op);

/* fault.c: preempts the command (BUSY, injected sense, hang) and returns true,
 * or annotates a delay and returns false. */
bool tgt_fault_pre(struct tgt_cmd *c);
/* First LBA in [lba, lba+n) with a medium fault; consumes one firing. */
bool tgt_fault_medium(struct vscsi_tgt_lun *lun, uint64_t lba, uint64_t n, uint64_t *bad);

/* The SPC commands every kind answers (spc.c); kinds list theirs in tgt_kind_ops. */
extern const struct tgt_op tgt_spc_ops[];
extern const size_t tgt_spc_nops;
/* Walks the SPC table, then the kind's: i in [0, tgt_nops()). */
size_t tgt_nops(const struct vscsi_tgt_lun *lun);
const struct tgt_op *tgt_op_at(const struct vscsi_tgt_lun *lun, size_t i);

/* Usage-mask building blocks for the tables; byte 0 is filled from the opcode. */
#define TGT_C   0xc0 /* control byte: vendor bits only; NACA and LINK are rejected */
#define TGT_FF4 0xff, 0xff, 0xff, 0xff

/* spc_resv.c: RESERVATION CONFLICT for an initiator other than the holder. */
bool tgt_resv_conflict(const struct vscsi_tgt_lun *lun, const struct tgt_op *op,
                       uint32_t initiator);
void tgt_resv_reserve(struct tgt_cmd *c);
void tgt_resv_release(struct tgt_cmd *c);

/* ---- disk internals shared by disk.c, disk_caw.c, disk_thin.c, disk_log.c ---- */
#define TGT_DISK_MAX_UNMAP_LBA 0x100000u /* blocks per UNMAP descriptor (Block Limits) */
#define TGT_DISK_MAX_UNMAP_BD  64u       /* descriptors per UNMAP */
#define TGT_DISK_CHUNK         4096u /* bounce size: never more than one block of the largest size */
/* LBA, block count and the CDB byte of the count, for the READ/WRITE-shaped CDBs of each size. */
void tgt_disk_decode_lba(const uint8_t *cdb, uint64_t *lba, uint32_t *n, unsigned *len_byte);
int tgt_disk_read(const struct tgt_disk *d, void *p, size_t n, uint64_t off);
int tgt_disk_write(struct tgt_disk *d, const void *p, size_t n, uint64_t off);
int tgt_disk_zero(struct tgt_disk *d, uint64_t off, uint64_t n);
/* ILLEGAL REQUEST 21h/00h unless [lba, lba+n) is inside the medium. */
bool tgt_disk_in_range(struct tgt_cmd *c, uint64_t lba, uint64_t n);
void tgt_disk_medium_error(struct tgt_cmd *c, uint8_t asc, uint64_t lba);
/* Compares k (<= TGT_DISK_CHUNK) medium bytes at byte offset off with data-out at data_off;
 * on a difference MISCOMPARE DURING VERIFY with INFORMATION info + the first differing byte,
 * on a read failure a medium error. 0 when equal. */
int tgt_disk_compare(struct tgt_cmd *c, uint64_t off, size_t data_off, size_t k, uint32_t info);
/* Blocks one READ/WRITE may move: the table limit, less if the transport is smaller. */
uint32_t tgt_disk_max_xfer(const struct vscsi_tgt_lun *lun);
/* COMPARE AND WRITE: blocks per command (Block Limits byte 5). */
uint8_t tgt_disk_max_caw(const struct vscsi_tgt_lun *lun);
void tgt_disk_caw(struct tgt_cmd *c);
void tgt_disk_prefetch(struct tgt_cmd *c);
void tgt_disk_log_sense(struct tgt_cmd *c);
/* Thin provisioning (disk_thin.c). map_set marks [lba, lba+n) mapped or not. */
int tgt_thin_init(struct tgt_disk *d, bool all_mapped);
void tgt_thin_map_set(struct tgt_disk *d, uint64_t lba, uint64_t n, bool mapped);
uint64_t tgt_thin_mapped_count(const struct tgt_disk *d);
void tgt_disk_unmap(struct tgt_cmd *c);
void tgt_disk_get_lba_status(struct tgt_cmd *c);

/* tape.c / changer.c: the autoloader seam. Called with the changer's lock held. */
void tgt_tape_insert(struct vscsi_tgt_lun *tape, struct tgt_cart *cart);
struct tgt_cart *tgt_tape_remove(struct vscsi_tgt_lun *tape);
struct tgt_cart *tgt_cart_new(const char *label, const char *serial_prefix);
/* A volume tag we accept: 1-32 of A-Z 0-9 - _ (it also names the image file). */
bool tgt_tag_ok(const char *tag);
void tgt_cart_free(struct tgt_cart *cart);
/* A drive being freed hands its slot back to the changer. */
void tgt_changer_detach(struct vscsi_tgt_lun *changer, struct vscsi_tgt_lun *drive);

#endif
