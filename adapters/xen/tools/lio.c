/* SPDX-License-Identifier: MIT */
/* p-dev resolution for the kernel backend: a device node to its LIO xen-pvscsi LUN. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools.h"

static const char *configfs(void)
{
    const char *r = getenv("VSCSI_CONFIGFS");
    return r && *r ? r : "/sys/kernel/config";
}

/* The backing device of a LUN directory: its one symlink to target/core/<hba>/<dev>,
 * whose udev_path names the node. 1 if it is `want`. */
static int lun_is(const char *lundir, const char *want)
{
    DIR *d = opendir(lundir);
    struct dirent *e;
    int hit = 0;

    if (!d)
        return 0;
    while (!hit && (e = readdir(d))) {
        char link[PATH_MAX], up[PATH_MAX], val[PATH_MAX], real[PATH_MAX];
        FILE *f;
        if (e->d_name[0] == '.' || e->d_type != DT_LNK)
            continue;
        if (snprintf(link, sizeof(link), "%s/%s", lundir, e->d_name) >= (int)sizeof(link) ||
            snprintf(up, sizeof(up), "%s/udev_path", link) >= (int)sizeof(up))
            continue;
        if (!(f = fopen(up, "r")))
            continue;
        if (!fgets(val, sizeof(val), f))
            val[0] = '\0';
        fclose(f);
        val[strcspn(val, "\n")] = '\0';
        if (val[0] && realpath(val, real) && strcmp(real, want) == 0)
            hit = 1;
    }
    closedir(d);
    return hit;
}

int vscsi_tool_dev_to_naa(const char *dev, char *out, size_t len)
{
    char want[PATH_MAX], base[PATH_MAX];
    DIR *wd;
    struct dirent *w;
    int rc = -ENOENT;

    if (!realpath(dev, want))
        return -errno;
    if (snprintf(base, sizeof(base), "%s/target/xen-pvscsi", configfs()) >= (int)sizeof(base))
        return -ENAMETOOLONG;
    if (!(wd = opendir(base)))
        return -ENOENT;
    while (rc == -ENOENT && (w = readdir(wd))) {
        char tdir[PATH_MAX];
        DIR *td;
        struct dirent *t;
        if (strncmp(w->d_name, "naa.", 4) != 0 || strlen(w->d_name) != 20 ||
            snprintf(tdir, sizeof(tdir), "%s/%s", base, w->d_name) >= (int)sizeof(tdir) ||
            !(td = opendir(tdir)))
            continue;
        while (rc == -ENOENT && (t = readdir(td))) {
            char ldir[PATH_MAX];
            DIR *ld;
            struct dirent *l;
            if (strncmp(t->d_name, "tpgt_", 5) != 0 ||
                snprintf(ldir, sizeof(ldir), "%s/%s/lun", tdir, t->d_name) >= (int)sizeof(ldir) ||
                !(ld = opendir(ldir)))
                continue;
            while (rc == -ENOENT && (l = readdir(ld))) {
                char one[PATH_MAX];
                uint32_t lun;
                if (strncmp(l->d_name, "lun_", 4) != 0 ||
                    vscsi_xb_parse_uint(l->d_name + 4, 16383, &lun) ||
                    snprintf(one, sizeof(one), "%s/%s", ldir, l->d_name) >= (int)sizeof(one))
                    continue;
                if (lun_is(one, want)) {
                    int n = snprintf(out, len, "%s:%u", w->d_name, (unsigned)lun);
                    rc = n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
                }
            }
            closedir(ld);
        }
        closedir(td);
    }
    closedir(wd);
    return rc;
}
