/* SPDX-License-Identifier: MIT */
/*
 * Dumps the fake target's INQUIRY and VPD responses, and the tape's log pages
 * and attributes, as hex files, one per response, so that independent
 * decoders (sg3_utils' sg_inq / sg_vpd --inhex, sg_logs / sg_read_attr --in,
 * sg_decode_sense, sg_get_lba_status --inhex) can check their format: tests/target_sg3.sh drives
 * it.
 *
 * Usage: tgt_dump_hex DIR   (writes DIR/<kind>_inq.hex, DIR/<kind>_vpdXX.hex,
 * DIR/tape_logXX.hex, DIR/tape_attr.hex)
 */
#include <stdio.h>
#include <string.h>

#include "target/target.h"
#include "vscsiif/wire.h"
#include "vscsiif/scsi.h"

static int write_hex(const char *dir, const char *name, const uint8_t *b, size_t n)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s.hex", dir, name);
    f = fopen(path, "w");
    if (!f) {
        perror(path);
        return 1;
    }
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%02x%c", b[i], i % 16 == 15 ? '\n' : ' ');
    fputc('\n', f);
    return fclose(f) != 0;
}

/* Any data-in command's answer (want_status: what it must end with). */
static int dump_in(const char *dir, const char *name, struct vscsi_tgt_lun *lun, const uint8_t *cdb,
                   uint8_t len)
{
    uint8_t buf[2048];
    struct vscsi_tgt_iov iov = {buf, sizeof(buf)};
    struct vscsi_tgt_io io = {cdb, len, VSCSI_DIR_FROM_DEVICE, &iov, 1, sizeof(buf)};
    struct vscsi_tgt_result r;

    vscsi_tgt_exec(lun, &io, &r);
    if (r.status != VSCSI_SAM_GOOD) {
        fprintf(stderr, "%s: opcode %#x failed\n", name, cdb[0]);
        return 1;
    }
    return write_hex(dir, name, buf, sizeof(buf) - r.residual);
}

/* The sense data of a command that must fail. */
static int dump_sense(const char *dir, const char *name, struct vscsi_tgt_lun *lun, uint8_t dir_,
                      const uint8_t *cdb, uint8_t len, void *data, size_t dlen)
{
    struct vscsi_tgt_iov iov = {data, dlen};
    struct vscsi_tgt_io io = {cdb, len, dir_, dlen ? &iov : NULL, dlen ? 1 : 0, dlen};
    struct vscsi_tgt_result r;

    vscsi_tgt_exec(lun, &io, &r);
    if (r.status != VSCSI_SAM_CHECK_CONDITION) {
        fprintf(stderr, "%s: opcode %#x did not fail\n", name, cdb[0]);
        return 1;
    }
    return write_hex(dir, name, r.sense, r.sense_len);
}

/* Sense in both formats: COMPARE AND WRITE miscompare (information field), and a
 * bad CDB field (sense-key specific), before and after D_SENSE is set. */
static int dump_senses(const char *dir, struct vscsi_tgt_lun *disk)
{
    static const uint8_t caw[16] = {0x89, 0, 0, 0, 0, 0, 0, 0, 0, 0x07, 0, 0, 0, 1, 0, 0};
    static const uint8_t bad[10] = {VSCSI_OP_READ_10, 0, 0, 0, 0, 0, 0x80, 0, 1, 0};
    uint8_t data[1024] = {0}, ms[24] = {0, 0, 0, 0, 0x0a, 10, 0x04, 0x10};
    int rc = 0;

    data[300] = 0x5a; /* the verify half differs from the zeroed medium at byte 300 */
    for (int pass = 0; pass < 2; pass++) {
        char n1[32], n2[32];

        snprintf(n1, sizeof(n1), "sense_caw_%s", pass ? "desc" : "fixed");
        snprintf(n2, sizeof(n2), "sense_cdb_%s", pass ? "desc" : "fixed");
        rc |= dump_sense(dir, n1, disk, VSCSI_DIR_TO_DEVICE, caw, 16, data, sizeof(data));
        rc |= dump_sense(dir, n2, disk, VSCSI_DIR_FROM_DEVICE, bad, 10, data, 512);
        if (!pass) { /* MODE SELECT(6): Control page with D_SENSE */
            const uint8_t sel[6] = {0x15, 0x10, 0, 0, 16, 0};
            struct vscsi_tgt_iov iov = {ms, 16};
            struct vscsi_tgt_io io = {sel, 6, VSCSI_DIR_TO_DEVICE, &iov, 1, 16};
            struct vscsi_tgt_result r;

            vscsi_tgt_exec(disk, &io, &r);
            if (r.status != VSCSI_SAM_GOOD) {
                fprintf(stderr, "MODE SELECT of D_SENSE failed\n");
                return 1;
            }
        }
    }
    return rc;
}

static int dump(const char *dir, const char *name, struct vscsi_tgt_lun *lun, int evpd,
                unsigned page)
{
    const uint8_t cdb[6] = {0x12, (uint8_t)evpd, (uint8_t)page, 0x04, 0x00, 0};

    return dump_in(dir, name, lun, cdb, 6);
}

/* Some traffic first, so the counters have something to say. */
static int tape_traffic(struct vscsi_tgt_lun *tape)
{
    static uint8_t blk[4096];
    const uint8_t wr[6] = {0x0a, 0, 0, 0x10, 0x00, 0}, rew[6] = {0x01},
                  rd[6] = {0x08, 0x02, 0, 0x10, 0, 0};
    struct vscsi_tgt_iov iov = {blk, sizeof(blk)};
    struct vscsi_tgt_io w = {wr, 6, VSCSI_DIR_TO_DEVICE, &iov, 1, sizeof(blk)};
    struct vscsi_tgt_io r = {rd, 6, VSCSI_DIR_FROM_DEVICE, &iov, 1, sizeof(blk)};
    struct vscsi_tgt_io z = {rew, 6, VSCSI_DIR_NONE, NULL, 0, 0};
    struct vscsi_tgt_fault ta = {.kind = VSCSI_FAULT_TAPEALERT, .flag = 20, .count = 1};
    struct vscsi_tgt_result res;
    int bad = 0;

    for (int i = 0; i < 3; i++) {
        vscsi_tgt_exec(tape, &w, &res);
        bad |= res.status;
    }
    vscsi_tgt_exec(tape, &z, &res);
    bad |= res.status;
    vscsi_tgt_exec(tape, &r, &res);
    bad |= res.status;
    return bad || vscsi_tgt_inject(tape, &ta);
}

static int dump_tape_logs(const char *dir, struct vscsi_tgt_lun *tape)
{
    static const uint8_t pages[] = {0x00, 0x02, 0x03, 0x0c, 0x2e};
    const uint8_t ra[16] = {0x8c, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0, 0, 0};
    int rc = 0;

    for (size_t i = 0; i < sizeof(pages); i++) {
        const uint8_t cdb[10] = {0x4d, 0, (uint8_t)(0x40 | pages[i]), 0, 0, 0, 0, 0x08, 0, 0};
        char name[32];

        snprintf(name, sizeof(name), "tape_log%02x", pages[i]);
        rc |= dump_in(dir, name, tape, cdb, 10);
    }
    return rc | dump_in(dir, "tape_attr", tape, ra, 16);
}

int main(int argc, char **argv)
{
    struct vscsi_tgt_disk_opts d = {.product = "SIMDISK", .serial = "SN0042XYZ", .thin = 1};
    struct vscsi_tgt_tape_opts t = {.loaded = 1, .serial = "DRV0042", .barcode = "BC0042L6"};
    struct vscsi_tgt_lun *disk, *tape, *changer;
    int rc = 0;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    disk = vscsi_tgt_disk_new(&d);
    tape = vscsi_tgt_tape_new(&t);
    struct vscsi_tgt_changer_opts c = {.drives = &tape, .ndrives = 1};
    changer = vscsi_tgt_changer_new(&c);
    if (!disk || !tape || !changer)
        return 1;
    rc |= dump(argv[1], "disk_inq", disk, 0, 0);
    rc |= dump(argv[1], "disk_vpd00", disk, 1, 0x00);
    rc |= dump(argv[1], "disk_vpd80", disk, 1, 0x80);
    rc |= dump(argv[1], "disk_vpd83", disk, 1, 0x83);
    rc |= dump(argv[1], "disk_vpdb0", disk, 1, 0xb0);
    rc |= dump(argv[1], "disk_vpdb1", disk, 1, 0xb1);
    rc |= dump(argv[1], "disk_vpdb2", disk, 1, 0xb2);
    {
        static const uint8_t logs00[10] = {0x4d, 0, 0x40, 0, 0, 0, 0, 0x04, 0, 0};
        static const uint8_t logs0c[10] = {0x4d, 0, 0x4c, 0, 0, 0, 0, 0x04, 0, 0};
        static const uint8_t logs0d[10] = {0x4d, 0, 0x4d, 0, 0, 0, 0, 0x04, 0, 0};
        static const uint8_t gls[16] = {VSCSI_OP_SERVICE_ACTION_IN_16,
                                        VSCSI_SA_GET_LBA_STATUS,
                                        0,
                                        0,
                                        0,
                                        0,
                                        0,
                                        0,
                                        0,
                                        0,
                                        0,
                                        0,
                                        0x04,
                                        0,
                                        0,
                                        0};
        static const uint8_t ws[10] = {0x41, 0, 0, 0, 0, 0x10, 0, 0, 0x08, 0};
        uint8_t blk[512];
        struct vscsi_tgt_iov iov = {blk, sizeof(blk)};
        struct vscsi_tgt_io io = {ws, 10, VSCSI_DIR_TO_DEVICE, &iov, 1, sizeof(blk)};
        struct vscsi_tgt_result r;

        memset(blk, 0x33, sizeof(blk)); /* map LBAs 16-23: GET LBA STATUS shows three runs */
        vscsi_tgt_exec(disk, &io, &r);
        rc |= r.status != VSCSI_SAM_GOOD;
        rc |= dump_in(argv[1], "disk_log00", disk, logs00, 10);
        rc |= dump_in(argv[1], "disk_log0c", disk, logs0c, 10);
        rc |= dump_in(argv[1], "disk_log0d", disk, logs0d, 10);
        rc |= dump_in(argv[1], "disk_lbas", disk, gls, 16);
        rc |= dump_senses(argv[1], disk);
        /* Block Limits of a disk behind a transport of 32 segments (128 KiB). */
        struct vscsi_tgt_disk_opts sd = {.blocks = 4096};
        struct vscsi_tgt_lun *small = vscsi_tgt_disk_new(&sd);
        if (!small)
            return 1;
        vscsi_tgt_set_xfer_max(small, vscsi_tgt_xfer_max_segs(32));
        rc |= dump(argv[1], "disk_vpdb0_32segs", small, 1, 0xb0);
        vscsi_tgt_free(small);
    }
    rc |= dump(argv[1], "tape_inq", tape, 0, 0);
    rc |= dump(argv[1], "tape_vpd00", tape, 1, 0x00);
    rc |= dump(argv[1], "tape_vpd83", tape, 1, 0x83);
    rc |= tape_traffic(tape);
    rc |= dump_tape_logs(argv[1], tape);
    rc |= dump(argv[1], "changer_inq", changer, 0, 0);
    rc |= dump(argv[1], "changer_vpd80", changer, 1, 0x80);
    vscsi_tgt_free(changer);
    vscsi_tgt_free(tape);
    vscsi_tgt_free(disk);
    return rc;
}
