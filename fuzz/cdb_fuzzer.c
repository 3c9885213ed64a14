/* SPDX-License-Identifier: MIT */
/*
 * cdb_fuzzer: the fake SCSI target (target/target.h) executing hostile
 * CDBs with hostile data-out and initiator buffers of any size.
 *
 * Every input builds fresh, small LUNs, so a crash reproduces from its input
 * alone. One command per fresh LUN would mostly see the power-on unit
 * attention, so an input is a short session of commands on the same LUNs.
 *
 * Input layout:
 *   u8   kind: 0 disk, 1 tape drive, 2 changer with two tape drives
 *   u8   flags: 1 4096-byte blocks, 2 thin disk, 4 tape loaded at start,
 *              8 LUN reset first, 16 inject a fault (binary), 32 inject a
 *              fault parsed from text (vscsi_tgt_fault_parse)
 *   [fault, flag 16]  u8 kind, u8 nth, u8 count, u8 key, u8 asc, u8 ascq,
 *                     u8 lba, u16 delay_us
 *   [fault, flag 32]  u8 length (mod 64), that many characters
 *   then up to MAX_CMDS commands:
 *   u8   LUN (changer set: 0 the changer, 1-2 its drives)
 *   u8   CDB length: 1-16, and 0 means 32
 *   ...  the CDB
 *   u8   direction: 1 + (b % 3): TO_DEVICE, FROM_DEVICE, NONE
 *   u16  buffer length (mod 65537), u8 iov count (mod 4, + 1)
 *   [TO_DEVICE]  u16 n (mod 4097), n bytes, repeated to fill the buffer
 *
 * Oracles: the status is a SAM status; sense_len <= 96; CHECK CONDITION comes
 * with sense (fixed 70h/71h, or descriptor 72h/73h once D_SENSE is set; sense_len
 * >= 8, nothing past the additional length) that the response encoder accepts; residual <=
 * xfer_len; data-out buffers are never written; data-in never lands outside
 * the iov (every piece is an exact-size heap block, ASan); hang/delay only
 * when a fault was injected; the command counter counts every command; at
 * the end, a tape holds no more logical objects than its capacity in bytes
 * (SPACE to end-of-data, READ POSITION).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_helpers.h"
#include "target/target.h"
#include "vscsiif/response.h"
#include "vscsiif/wire.h"

#define MAX_CMDS 48
#define MAX_IOV  4
#define MAX_BUF  65536
#define CDB_MAX  32

#define F_4K      0x01u
#define F_THIN    0x02u
#define F_LOADED  0x04u
#define F_RESET   0x08u
#define F_FAULT   0x10u
#define F_FAULT_S 0x20u

static bool sam_status(uint8_t s)
{
    switch (s) {
    case 0x00: /* GOOD */
    case 0x02: /* CHECK CONDITION */
    case 0x04: /* CONDITION MET */
    case 0x08: /* BUSY */
    case 0x10: /* INTERMEDIATE (obsolete) */
    case 0x14: /* INTERMEDIATE-CONDITION MET (obsolete) */
    case 0x18: /* RESERVATION CONFLICT */
    case 0x22: /* COMMAND TERMINATED (obsolete) */
    case 0x28: /* TASK SET FULL */
    case 0x30: /* ACA ACTIVE */
    case 0x40: /* TASK ABORTED */
        return true;
    default:
        return false;
    }
}

static void check_result(const struct vscsi_tgt_result *res, size_t xfer_len, bool faults)
{
    FUZZ_ASSERT_MSG(sam_status(res->status), "status 0x%02x", res->status);
    FUZZ_ASSERT(res->sense_len <= VSCSI_SENSE_LEN);
    FUZZ_ASSERT_MSG(res->residual <= xfer_len, "residual %u > xfer_len %zu", res->residual,
                    xfer_len);
    if (!faults)
        FUZZ_ASSERT(!res->hang && res->delay_us == 0);
    if (res->status == 0x02) {
        FUZZ_ASSERT_MSG(res->sense_len >= 8, "CHECK CONDITION with %u sense bytes", res->sense_len);
        /* Descriptor format (72h/73h) once a MODE SELECT set the Control page's D_SENSE. */
        FUZZ_ASSERT_MSG((res->sense[0] & 0x7e) == 0x70 || (res->sense[0] & 0x7e) == 0x72,
                        "sense response code 0x%02x is neither fixed nor descriptor format",
                        res->sense[0]);
        FUZZ_ASSERT_MSG(res->sense_len <= 8u + res->sense[7],
                        "sense_len %u past the additional length %u", res->sense_len,
                        res->sense[7]);
        /* What the backend would put on the wire keeps the sense. */
        struct vscsi_response rsp;
        struct vscsi_result dec;

        vscsi_rsp_cdb(&rsp, 1, VSCSI_HOST_OK, res->status, res->sense, res->sense_len,
                      res->residual);
        FUZZ_ASSERT(rsp.sense_len == res->sense_len);
        FUZZ_ASSERT(vscsi_rsp_decode(&rsp, VSCSI_ACT_CDB, xfer_len, &dec) == 0);
        FUZZ_ASSERT(dec.sense_len == res->sense_len && dec.residual == res->residual);
    }
}

#define TAPE_CAPACITY (64u * 1024u)

/* Runs one command with no data or a small data-in buffer; GOOD or not. */
static bool simple_cmd(struct vscsi_tgt_lun *lun, const uint8_t *cdb, uint8_t len, uint8_t *in,
                       size_t in_len)
{
    struct vscsi_tgt_iov iov = {in, in_len};
    struct vscsi_tgt_io io = {
        .cdb = cdb,
        .cdb_len = len,
        .dir = in_len ? VSCSI_DIR_FROM_DEVICE : VSCSI_DIR_NONE,
        .iov = in_len ? &iov : NULL,
        .iovcnt = in_len ? 1u : 0u,
        .xfer_len = in_len,
    };
    struct vscsi_tgt_result res;

    vscsi_tgt_exec(lun, &io, &res);
    check_result(&res, in_len, true);
    return res.status == 0 && !res.hang;
}

/* A cartridge of C bytes holds at most C logical objects: every block carries
 * at least one byte and a filemark must take medium space too, or a guest can
 * grow the backend's record table without bound (WRITE FILEMARKS takes a
 * 24-bit count). Measured as the position at end-of-data. */
static unsigned check_tape_objects(struct vscsi_tgt_lun *tape)
{
    static const uint8_t space_eod[6] = {0x11, 0x03, 0, 0, 0, 0};
    static const uint8_t read_pos[10] = {0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    uint8_t *pos = fuzz_xmalloc(20);
    unsigned cmds = 0;
    bool ok = false;

    /* A pending unit attention or injected fault may eat the first tries. */
    for (int i = 0; i < 3 && !ok; i++, cmds++)
        ok = simple_cmd(tape, space_eod, sizeof(space_eod), NULL, 0);
    if (ok) {
        memset(pos, 0, 20);
        cmds++;
        if (simple_cmd(tape, read_pos, sizeof(read_pos), pos, 20) && !(pos[0] & 0x04)) {
            uint32_t obj =
                (uint32_t)pos[4] << 24 | (uint32_t)pos[5] << 16 | (uint32_t)pos[6] << 8 | pos[7];

            FUZZ_ASSERT_MSG(obj <= TAPE_CAPACITY,
                            "%u objects on a %u-byte cartridge: filemarks take no space", obj,
                            TAPE_CAPACITY);
        }
    }
    free(pos);
    return cmds;
}

struct luns {
    struct vscsi_tgt_lun *lun[3];
    unsigned n;
};

static void luns_free(struct luns *l)
{
    /* Drives first: a drive being freed hands its element back to the changer. */
    for (unsigned i = l->n; i-- > 0;)
        vscsi_tgt_free(l->lun[i]);
}

static bool luns_new(struct luns *l, uint8_t kind, uint8_t flags)
{
    memset(l, 0, sizeof(*l));
    if (kind == VSCSI_TGT_DISK) {
        struct vscsi_tgt_disk_opts o = {0};

        o.blocks = 64;
        o.block_size = (flags & F_4K) ? 4096 : 512;
        o.thin = (flags & F_THIN) != 0;
        l->lun[0] = vscsi_tgt_disk_new(&o);
        l->n = 1;
    } else if (kind == VSCSI_TGT_TAPE) {
        struct vscsi_tgt_tape_opts o = {0};

        o.capacity = TAPE_CAPACITY;
        o.early_warning = 8 * 1024;
        o.loaded = (flags & F_LOADED) != 0;
        l->lun[0] = vscsi_tgt_tape_new(&o);
        l->n = 1;
    } else {
        struct vscsi_tgt_tape_opts t = {0};
        struct vscsi_tgt_changer_opts c = {0};
        struct vscsi_tgt_lun *drives[2];

        t.capacity = TAPE_CAPACITY;
        t.early_warning = 8 * 1024;
        drives[0] = vscsi_tgt_tape_new(&t);
        drives[1] = vscsi_tgt_tape_new(&t);
        FUZZ_ASSERT(drives[0] && drives[1]);
        c.slots = 4;
        c.ie_ports = 1;
        c.drives = drives;
        c.ndrives = 2;
        l->lun[0] = vscsi_tgt_changer_new(&c);
        l->lun[1] = drives[0];
        l->lun[2] = drives[1];
        l->n = 3;
    }
    for (unsigned i = 0; i < l->n; i++)
        FUZZ_ASSERT(l->lun[i] != NULL);
    return true;
}

static bool inject(struct fuzz_producer *p, struct luns *l, uint8_t flags)
{
    bool any = false;

    if (flags & F_FAULT) {
        struct vscsi_tgt_fault f;

        memset(&f, 0, sizeof(f));
        f.kind = (enum vscsi_tgt_fault_kind)(fuzz_u8(p) % 7);
        f.nth = fuzz_u8(p) % 8;
        f.count = fuzz_u8(p) % 4;
        f.key = fuzz_u8(p);
        f.asc = fuzz_u8(p);
        f.ascq = fuzz_u8(p);
        f.lba = fuzz_u8(p);
        f.delay_us = fuzz_u16(p);
        f.flag = (uint8_t)(f.key % 64 + 1); /* TAPEALERT; the layout of older inputs stays */
        for (unsigned i = 0; i < l->n; i++)
            any |= vscsi_tgt_inject(l->lun[i], &f) == 0;
    }
    if (flags & F_FAULT_S) {
        char text[64];
        size_t n = fuzz_u8(p) % sizeof(text);
        struct vscsi_tgt_fault f;

        fuzz_bytes(p, text, n);
        text[n < sizeof(text) ? n : sizeof(text) - 1] = '\0';
        memset(&f, 0, sizeof(f));
        if (vscsi_tgt_fault_parse(text, &f) == 0)
            for (unsigned i = 0; i < l->n; i++)
                any |= vscsi_tgt_inject(l->lun[i], &f) == 0;
    }
    return any;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_producer p;
    struct luns l;
    uint64_t executed[3] = {0, 0, 0};

    fuzz_producer_init(&p, data, size);
    uint8_t kind = fuzz_u8(&p) % 3;
    uint8_t flags = fuzz_u8(&p);

    luns_new(&l, kind, flags);
    bool faults = inject(&p, &l, flags);
    if (flags & F_RESET)
        for (unsigned i = 0; i < l.n; i++)
            vscsi_tgt_reset(l.lun[i]);

    for (unsigned c = 0; c < MAX_CMDS && fuzz_remaining(&p) > 0; c++) {
        unsigned which = fuzz_u8(&p) % l.n;
        uint8_t cdb_len = fuzz_u8(&p) % 17;

        if (cdb_len == 0)
            cdb_len = CDB_MAX;
        uint8_t *cdb = fuzz_xmalloc(cdb_len); /* exact size: no CDB over-read */
        fuzz_bytes(&p, cdb, cdb_len);

        uint8_t dir = (uint8_t)(VSCSI_DIR_TO_DEVICE + fuzz_u8(&p) % 3);
        size_t buflen = fuzz_u16(&p) % (MAX_BUF + 1);
        unsigned iovcnt = 1 + fuzz_u8(&p) % MAX_IOV;
        struct vscsi_tgt_iov iov[MAX_IOV];
        uint8_t *shadow = NULL;

        if (dir == VSCSI_DIR_NONE) {
            buflen = 0;
            iovcnt = 0;
        }
        /* Split the buffer into iovcnt exact-size pieces (the last one takes
         * the remainder; pieces may be empty). */
        size_t left = buflen;
        for (unsigned i = 0; i < iovcnt; i++) {
            size_t len = (i + 1 == iovcnt) ? left : buflen / iovcnt;

            iov[i].base = fuzz_xmalloc(len);
            iov[i].len = len;
            left -= len;
            memset(iov[i].base, 0xcc, len);
        }
        if (dir == VSCSI_DIR_TO_DEVICE) {
            size_t n = fuzz_u16(&p) % 4097, got;
            const uint8_t *src = fuzz_peek_bytes(&p, n, &got);
            size_t k = 0;

            shadow = fuzz_xmalloc(buflen);
            for (size_t i = 0; i < buflen; i++)
                shadow[i] = got ? src[i % got] : 0;
            for (unsigned i = 0; i < iovcnt; i++) {
                if (iov[i].len)
                    memcpy(iov[i].base, shadow + k, iov[i].len);
                k += iov[i].len;
            }
        }

        struct vscsi_tgt_io io = {
            .cdb = cdb,
            .cdb_len = cdb_len,
            .dir = dir,
            .iov = iovcnt ? iov : NULL,
            .iovcnt = iovcnt,
            .xfer_len = buflen,
        };
        struct vscsi_tgt_result res;

        memset(&res, 0x5a, sizeof(res)); /* the target must fill every field */
        vscsi_tgt_exec(l.lun[which], &io, &res);
        executed[which]++;
        check_result(&res, buflen, faults);

        if (shadow) {
            size_t k = 0;

            for (unsigned i = 0; i < iovcnt; i++) {
                FUZZ_ASSERT_MSG(memcmp(iov[i].base, shadow + k, iov[i].len) == 0,
                                "data-out buffer written by opcode 0x%02x", cdb[0]);
                k += iov[i].len;
            }
            free(shadow);
        }
        for (unsigned i = 0; i < iovcnt; i++)
            free(iov[i].base);
        free(cdb);
    }

    for (unsigned i = 0; i < l.n; i++)
        if (vscsi_tgt_kind(l.lun[i]) == VSCSI_TGT_TAPE)
            executed[i] += check_tape_objects(l.lun[i]);

    for (unsigned i = 0; i < l.n; i++) {
        struct vscsi_tgt_stats st;

        vscsi_tgt_stats(l.lun[i], &st);
        FUZZ_ASSERT(st.commands == executed[i]);
        FUZZ_ASSERT(st.errors <= st.commands);
        FUZZ_ASSERT(vscsi_tgt_kind(l.lun[i]) ==
                    (kind == 2 && i > 0 ? VSCSI_TGT_TAPE : (enum vscsi_tgt_kind)kind));
    }
    luns_free(&l);
    return 0;
}
