/* SPDX-License-Identifier: MIT */
/* The libvirt <hostdev> form of a p-dev/v-dev pair (what virsh attach-device takes). */
#include "devstr_util.h"
#include "vscsiif/libvirt.h"

int vscsi_libvirt_hostdev_format(const struct vscsi_pdev *p, const struct vscsi_vdev *v, char *buf,
                                 size_t size)
{
    struct sbuf b = {buf, size, 0};

    if (!p || !v || (!buf && size))
        return -EINVAL;
    if (p->kind != VSCSI_PDEV_HCTL)
        return -ENOTSUP;
    sb_puts(&b, "<hostdev mode='subsystem' type='scsi'><source><adapter name='scsi_host");
    sb_putu(&b, p->hctl.host);
    sb_puts(&b, "'/><address bus='");
    sb_putu(&b, p->hctl.channel);
    sb_puts(&b, "' target='");
    sb_putu(&b, p->hctl.target);
    sb_puts(&b, "' unit='");
    sb_putu(&b, p->hctl.lun);
    sb_puts(&b, "'/></source><address type='drive' controller='");
    sb_putu(&b, v->host);
    sb_puts(&b, "' bus='");
    sb_putu(&b, v->nexus.channel);
    sb_puts(&b, "' target='");
    sb_putu(&b, v->nexus.id);
    sb_puts(&b, "' unit='");
    sb_putu(&b, v->nexus.lun);
    sb_puts(&b, "'/></hostdev>");
    return sb_finish(&b);
}
