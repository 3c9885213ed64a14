/* SPDX-License-Identifier: MIT */
/* Builds a request, passes it through the ring and validates it, using only
 * the installed headers and library. Exits non-zero on any mismatch. */
#include <stdio.h>
#include "vscsiif/vscsiif.h"
#include "vscsiif/scsi.h"

int main(void)
{
    static struct vscsi_sring page;
    struct vscsi_front_ring f;
    struct vscsi_back_ring b;
    struct vscsi_nexus nx = {0, 1, 0};
    const unsigned char inquiry[6] = {VSCSI_OP_INQUIRY, 0, 0, 0, 36, 0};
    uint8_t rd16[VSCSI_CDB16_LEN];
    struct vscsi_request copy;
    struct vscsi_cmd cmd;
    struct vscsi_limits lim = {0, 0, 0};

    vscsi_sring_init(&page);
    vscsi_front_ring_init(&f, &page);
    vscsi_back_ring_init(&b, &page);
    if (vscsi_req_cdb(vscsi_front_slot(&f), 5, &nx, inquiry, 6, VSCSI_DIR_FROM_DEVICE, 0))
        return 1;
    vscsi_front_produce(&f);
    vscsi_front_push(&f);
    if (vscsi_back_requests(&b) != 1)
        return 2;
    vscsi_back_take(&b, &copy);
    if (vscsi_cmd_parse(&copy, &lim, &cmd) || cmd.rqid != 5 || cmd.cdb[0] != VSCSI_OP_INQUIRY)
        return 3;
    if (vscsi_cdb_read16(rd16, 1ull << 40, 8) != 16 || vscsi_get_be64(rd16 + 2) != 1ull << 40)
        return 4;
    printf("consumer: VSCSI_VERSION_NUMBER %d, request %u parsed\n", VSCSI_VERSION_NUMBER,
           cmd.rqid);
    return 0;
}
