/* SPDX-License-Identifier: MIT */
/* The tools' sysfs resolution against a fake sysfs tree ($VSCSI_SYSFS): no Xen, no SCSI. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cmocka.h>

#include "tools.h"

static char root[256];

static void mkdirs(const char *path)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    mkdir(tmp, 0755);
}

static int setup(void **state)
{
    char p[PATH_MAX], t[PATH_MAX + 16];
    struct stat st;

    (void)state;
    snprintf(root, sizeof(root), "/tmp/vscsi-sysfs-XXXXXX");
    if (!mkdtemp(root) || stat("/dev/null", &st) != 0)
        return -1;
    /* /dev/null stands in for a SCSI char device: give its major:minor a SCSI parent. */
    snprintf(p, sizeof(p), "%s/dev/char/%u:%u", root, major(st.st_rdev), minor(st.st_rdev));
    mkdirs(p);
    snprintf(t, sizeof(t), "%s/device", p);
    if (symlink("../../../devices/pci0000:00/host2/target2:0:5/2:0:5:7", t) != 0)
        return -1;
    snprintf(p, sizeof(p), "%s/bus/scsi/devices/2:0:5:7/scsi_generic/sg4", root);
    mkdirs(p);
    setenv("VSCSI_SYSFS", root, 1);
    return 0;
}

static int teardown(void **state)
{
    char cmd[PATH_MAX + 16];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void dev_to_hctl(void **state)
{
    struct vscsi_hctl h;
    char msg[256], out[VSCSI_PDEV_STR_SIZE];

    (void)state;
    assert_int_equal(vscsi_tool_dev_to_hctl("/dev/null", &h, msg, sizeof(msg)), 0);
    assert_int_equal(h.host, 2);
    assert_int_equal(h.channel, 0);
    assert_int_equal(h.target, 5);
    assert_int_equal(h.lun, 7);
    /* A config's /dev path becomes the h:c:t:l the backend understands. */
    assert_int_equal(vscsi_tool_pdev_canon("/dev/null", out, sizeof(out), msg, sizeof(msg)), 0);
    assert_string_equal(out, "2:0:5:7");
    assert_int_equal(
        vscsi_tool_pdev_canon("naa.6001405000000A01:3", out, sizeof(out), msg, sizeof(msg)), 0);
    assert_string_equal(out, "naa.6001405000000A01:3");
    assert_true(vscsi_tool_pdev_canon("1:2", out, sizeof(out), msg, sizeof(msg)) < 0);
    /* Not a device node / no SCSI device behind it. */
    assert_int_equal(vscsi_tool_dev_to_hctl("/tmp", &h, msg, sizeof(msg)), -ENOTBLK);
    assert_true(vscsi_tool_dev_to_hctl("/dev/zero", &h, msg, sizeof(msg)) < 0);
    assert_non_null(strstr(msg, "not a whole SCSI device"));
    assert_true(vscsi_tool_dev_to_hctl("/dev/does-not-exist", &h, msg, sizeof(msg)) < 0);
}

static void hctl_to_sg(void **state)
{
    struct vscsi_hctl h = {2, 0, 5, 7}, none = {9, 9, 9, 9};
    char dev[32];

    (void)state;
    assert_int_equal(vscsi_tool_hctl_to_sg(&h, dev, sizeof(dev)), 0);
    assert_string_equal(dev, "/dev/sg4");
    assert_int_equal(vscsi_tool_hctl_to_sg(&none, dev, sizeof(dev)), -ENODEV);
}

static void domid_parse(void **state)
{
    uint16_t d;
    (void)state;
    assert_int_equal(vscsi_tool_parse_domid("7", &d), 0);
    assert_int_equal(d, 7);
    assert_true(vscsi_tool_parse_domid("32752", &d) < 0); /* DOMID_FIRST_RESERVED */
    assert_true(vscsi_tool_parse_domid("07", &d) < 0);
    assert_true(vscsi_tool_parse_domid("", &d) < 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(dev_to_hctl),
        cmocka_unit_test(hctl_to_sg),
        cmocka_unit_test(domid_parse),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
