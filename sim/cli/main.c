/* SPDX-License-Identifier: MIT */
/* Interim vscsi-sim: round-trips INQUIRY and READ(10) requests over an
 * in-process ring, validating each on the backend side, and prints a summary.
 * The full simulator (grants, XenStore, fake target) replaces this. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vscsiif/vscsiif.h"

int main(int argc, char **argv)
{
    unsigned long total = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000ul;
    static struct vscsi_sring page;
    struct vscsi_front_ring f;
    struct vscsi_back_ring b;
    struct vscsi_nexus nx = {0, 0, 0};
    struct vscsi_limits lim = {128, 0, 0};
    unsigned long sent = 0, answered = 0, rejected = 0, notifies = 0;

    vscsi_sring_init(&page);
    vscsi_front_ring_init(&f, &page);
    vscsi_back_ring_init(&b, &page);
    while (answered < total) {
        while (sent < total && vscsi_front_free(&f)) {
            uint8_t cdb[10] = {0x28, 0, 0, 0, 0, (uint8_t)sent, 0, 0, 1, 0};
            struct vscsi_request *rq = vscsi_front_slot(&f);
            vscsi_req_cdb(rq, (uint16_t)(sent % 16), &nx, cdb, sent % 2 ? 10 : 6,
                          VSCSI_DIR_FROM_DEVICE, 0);
            vscsi_req_add_seg(rq, 8 + (uint32_t)(sent % 16), 0, 512);
            vscsi_front_produce(&f);
            sent++;
        }
        notifies += (unsigned long)vscsi_front_push(&f);
        int n = vscsi_back_requests(&b);
        for (int i = 0; i < n; i++) {
            struct vscsi_request copy;
            struct vscsi_cmd cmd;
            vscsi_back_take(&b, &copy);
            int rc = vscsi_cmd_parse(&copy, &lim, &cmd);
            if (rc == 0)
                rc = vscsi_cmd_parse_data(&copy, &lim, NULL, NULL, NULL, 0, &cmd);
            if (rc)
                rejected++;
            vscsi_rsp_cdb(vscsi_back_slot(&b), cmd.rqid, rc ? VSCSI_HOST_ERROR : 0, 0, NULL, 0, 0);
            vscsi_back_produce(&b);
        }
        notifies += (unsigned long)vscsi_back_push(&b);
        n = vscsi_front_responses(&f);
        for (int i = 0; i < n; i++) {
            struct vscsi_response rsp;
            vscsi_front_take(&f, &rsp);
            answered++;
        }
    }
    printf("vscsi-sim (ring demo): %lu requests, %lu answered, %lu rejected, %lu notifications\n",
           sent, answered, rejected, notifies);
    return rejected ? 1 : 0;
}
