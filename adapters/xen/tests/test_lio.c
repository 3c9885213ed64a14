/* SPDX-License-Identifier: MIT */
/* A device node to its LIO xen-pvscsi name, against a fake configfs tree ($VSCSI_CONFIGFS). */
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
#include <unistd.h>

#include <cmocka.h>

#include "tools.h"

static char root[128];

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

static void put(const char *path, const char *val)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(val, f);
    fclose(f);
}

/* target/core/iblock_0/disk1 backs naa.5001405deadbeef0/tpgt_1/lun/lun_3; a by-id link
 * points at the node it names (a regular file stands in for /dev/sdb). */
static int setup(void **state)
{
    char p[PATH_MAX], t[PATH_MAX + 32];
    (void)state;
    snprintf(root, sizeof(root), "/tmp/vscsi-cfgfs-XXXXXX");
    if (!mkdtemp(root))
        return -1;
    snprintf(p, sizeof(p), "%s/dev", root);
    mkdirs(p);
    snprintf(p, sizeof(p), "%s/dev/sdb", root);
    put(p, "");
    snprintf(p, sizeof(p), "%s/dev/sdc", root);
    put(p, "");
    snprintf(p, sizeof(p), "%s/dev/disk/by-id", root);
    mkdirs(p);
    snprintf(p, sizeof(p), "%s/dev/disk/by-id/scsi-35000c500a1b2c3d4", root);
    if (symlink("../../sdb", p))
        return -1;
    snprintf(p, sizeof(p), "%s/cfg/target/core/iblock_0/disk1", root);
    mkdirs(p);
    snprintf(t, sizeof(t), "%s/udev_path", p);
    char dev[PATH_MAX];
    snprintf(dev, sizeof(dev), "%s/dev/sdb\n", root);
    put(t, dev);
    snprintf(p, sizeof(p), "%s/cfg/target/xen-pvscsi/naa.5001405deadbeef0/tpgt_1/lun/lun_3", root);
    mkdirs(p);
    snprintf(t, sizeof(t), "%s/6b0a1c", p);
    if (symlink("../../../../../core/iblock_0/disk1", t))
        return -1;
    /* A decoy: a LUN directory without a backing link, and a bad WWN name. */
    snprintf(p, sizeof(p), "%s/cfg/target/xen-pvscsi/naa.5001405deadbeef0/tpgt_1/lun/lun_4", root);
    mkdirs(p);
    snprintf(p, sizeof(p), "%s/cfg/target/xen-pvscsi/naa.12/tpgt_1/lun/lun_0", root);
    mkdirs(p);
    snprintf(p, sizeof(p), "%s/cfg", root);
    setenv("VSCSI_CONFIGFS", p, 1);
    return 0;
}

static int teardown(void **state)
{
    char cmd[PATH_MAX];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    unsetenv("VSCSI_CONFIGFS");
    return system(cmd) == 0 ? 0 : -1;
}

static void by_id_link_to_naa(void **state)
{
    char p[PATH_MAX], out[64];
    (void)state;
    snprintf(p, sizeof(p), "%s/dev/disk/by-id/scsi-35000c500a1b2c3d4", root);
    assert_int_equal(vscsi_tool_dev_to_naa(p, out, sizeof(out)), 0);
    assert_string_equal(out, "naa.5001405deadbeef0:3");
    snprintf(p, sizeof(p), "%s/dev/sdb", root);
    assert_int_equal(vscsi_tool_dev_to_naa(p, out, sizeof(out)), 0);
    assert_string_equal(out, "naa.5001405deadbeef0:3");
}

static void not_exported(void **state)
{
    char p[PATH_MAX], out[64];
    (void)state;
    snprintf(p, sizeof(p), "%s/dev/sdc", root);
    assert_int_equal(vscsi_tool_dev_to_naa(p, out, sizeof(out)), -ENOENT);
    snprintf(p, sizeof(p), "%s/dev/none", root);
    assert_int_equal(vscsi_tool_dev_to_naa(p, out, sizeof(out)), -ENOENT);
    setenv("VSCSI_CONFIGFS", "/nonexistent", 1);
    snprintf(p, sizeof(p), "%s/dev/sdb", root);
    assert_int_equal(vscsi_tool_dev_to_naa(p, out, sizeof(out)), -ENOENT);
    snprintf(p, sizeof(p), "%s/cfg", root);
    setenv("VSCSI_CONFIGFS", p, 1);
}

static void short_buffer(void **state)
{
    char p[PATH_MAX], out[8];
    (void)state;
    snprintf(p, sizeof(p), "%s/dev/sdb", root);
    assert_int_equal(vscsi_tool_dev_to_naa(p, out, sizeof(out)), -ENAMETOOLONG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(by_id_link_to_naa),
        cmocka_unit_test(not_exported),
        cmocka_unit_test(short_buffer),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
