/* SPDX-License-Identifier: MIT */
/* Uses libvscsiif-toolstack (xl config parser, libvirt formatter) through the
 * installed headers and library only. Exits non-zero on any mismatch. */
#include <stdio.h>
#include <string.h>
#include "vscsiif/libvirt.h"
#include "vscsiif/xlcfg.h"

int main(void)
{
    struct vscsi_config_entry e[2];
    struct vscsi_parse_error err;
    size_t n = 0;
    char xml[512];

    if (vscsi_config_parse("vscsi = [ '1:0:2:3,0:0:0:0' ]", e, 2, &n, &err) || n != 1)
        return 1;
    if (e[0].pdev.kind != VSCSI_PDEV_HCTL || e[0].pdev.hctl.lun != 3)
        return 2;
    if (vscsi_libvirt_hostdev_format(&e[0].pdev, &e[0].vdev, xml, sizeof(xml)) <= 0 ||
        !strstr(xml, "scsi_host1"))
        return 3;
    printf("consumer_toolstack: 1 entry parsed, libvirt form %zu bytes\n", strlen(xml));
    return 0;
}
