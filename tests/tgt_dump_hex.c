/* SPDX-License-Identifier: MIT */
/*
 * Dumps the fake target's INQUIRY and VPD responses, and the tape's log pages
 * and attributes, as hex files, one per response, so that independent
 * decoders (sg3_utils' sg_inq / sg_vpd --inhex, sg_logs / sg_read_attr --in)
 * can check their format: tests/target_sg3.sh drives it.
 *
 * Usage: tgt_dump_hex DIR   (writes DIR/<kind>_inq.hex, DIR/<kind>_vpdXX.hex,
 * DIR/tape_logXX.hex, DIR/tape_attr.hex)
 */
#include <stdio.h>
#include <string.h>

#include "target/target.h"
#include "vscsiif/wire.h"

static int dump_cdb(const char *dir, const char *name, struct vscsi_tgt_lun *lun,
                    const uint8_t *cdb, uint8_t len)
{
    uint8_t buf[2048];
    struct vscsi_tgt_iov iov = {buf, sizeof(buf)};
    struct vscsi_tgt_io io = {cdb, len, VSCSI_DIR_FROM_DEVICE, &iov, 1, sizeof(buf)};
    struct vscsi_tgt_result r;
    char path[4096];
    FILE *f;

    vscsi_tgt_exec(lun, &io, &r);
    if (r.status != VSCSI_SAM_GOOD) {
        fprintf(stderr, "%s: command %#x failed\n", name, cdb[0]);
        return 1;
    }
    snprintf(path, sizeof(path), "%s/%s.hex", dir, name);
    f = fopen(path, "w");
    if (!f) {
        perror(path);
        return 1;
    }
    for (size_t i = 0; i < sizeof(buf) - r.residual; i++)
        fprintf(f, "%02x%c", buf[i], i % 16 == 15 ? '\n' : ' ');
    fputc('\n', f);
    return fclose(f) != 0;
}

static int dump(const char *dir, const char *name, struct vscsi_tgt_lun *lun, int evpd,
                unsigned page)
{
    const uint8_t cdb[6] = {0x12, (uint8_t)evpd, (uint8_t)page, 0x04, 0x00, 0};

    return dump_cdb(dir, name, lun, cdb, 6);
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
        rc |= dump_cdb(dir, name, tape, cdb, 10);
    }
    return rc | dump_cdb(dir, "tape_attr", tape, ra, 16);
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
