/* SPDX-License-Identifier: MIT */
/*
 * Dumps the fake target's INQUIRY and VPD responses as hex files, one per
 * response, so that independent decoders (sg3_utils' sg_inq / sg_vpd
 * --inhex) can check their format: tests/target_sg3.sh drives it.
 *
 * Usage: tgt_dump_hex DIR   (writes DIR/<kind>_inq.hex, DIR/<kind>_vpdXX.hex)
 */
#include <stdio.h>
#include <string.h>

#include "target/target.h"
#include "vscsiif/wire.h"

static int dump(const char *dir, const char *name, struct vscsi_tgt_lun *lun, int evpd,
                unsigned page)
{
    uint8_t buf[1024];
    const uint8_t cdb[6] = {0x12, (uint8_t)evpd, (uint8_t)page, 0x04, 0x00, 0};
    struct vscsi_tgt_iov iov = {buf, sizeof(buf)};
    struct vscsi_tgt_io io = {cdb, 6, VSCSI_DIR_FROM_DEVICE, &iov, 1, sizeof(buf)};
    struct vscsi_tgt_result r;
    char path[4096];
    FILE *f;

    vscsi_tgt_exec(lun, &io, &r);
    if (r.status != VSCSI_SAM_GOOD) {
        fprintf(stderr, "%s: INQUIRY evpd=%d page=%#x failed\n", name, evpd, page);
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

int main(int argc, char **argv)
{
    struct vscsi_tgt_disk_opts d = {.product = "SIMDISK", .serial = "SN0042XYZ", .thin = 1};
    struct vscsi_tgt_tape_opts t = {.loaded = 1};
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
    rc |= dump(argv[1], "changer_inq", changer, 0, 0);
    rc |= dump(argv[1], "changer_vpd80", changer, 1, 0x80);
    vscsi_tgt_free(changer);
    vscsi_tgt_free(tape);
    vscsi_tgt_free(disk);
    return rc;
}
