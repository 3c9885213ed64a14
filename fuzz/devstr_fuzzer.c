/* SPDX-License-Identifier: MIT */
/*
 * Every devstr parser on the same NUL-terminated input. Whatever parses must
 * format to a string that parses back to the same value (abort otherwise),
 * formatters must honour snprintf semantics, and error reports must point
 * inside the input.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vscsiif/devstr.h"

#define MAX_ENTRIES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok)
        abort();
}

static void check_error(int rc, const struct vscsi_parse_error *e, size_t len)
{
    check(rc < 0 && e->code == rc);
    check(e->offset <= len);
    check(e->line >= 1 && e->column >= 1 && e->column <= e->offset + 1);
    check(memchr(e->message, '\0', sizeof(e->message)) != NULL);
}

/* The truncated result must be a prefix of the full one, NUL-terminated. */
static void check_truncation(const char *full, int n, char *buf, size_t size)
{
    check(n >= 0 && (size_t)n == strlen(full));
    if (size == 0)
        return;
    size_t k = (size_t)n < size - 1 ? (size_t)n : size - 1;
    check(memcmp(buf, full, k) == 0 && buf[k] == '\0');
}

static bool entries_equal(const struct vscsi_config_entry *a, const struct vscsi_config_entry *b)
{
    return vscsi_pdev_equal(&a->pdev, &b->pdev) && a->vdev.host == b->vdev.host &&
           a->vdev.nexus.channel == b->vdev.nexus.channel && a->vdev.nexus.id == b->vdev.nexus.id &&
           a->vdev.nexus.lun == b->vdev.nexus.lun && a->feature_host == b->feature_host;
}

static void fuzz_pdev(const char *s, size_t len)
{
    struct vscsi_pdev p, q;
    struct vscsi_vdev v = {7, {1, 2, 3}};
    struct vscsi_parse_error e;
    char buf[VSCSI_PDEV_STR_SIZE], small[9], xml[512];
    int rc, n;

    rc = vscsi_pdev_parse(s, &p, &e);
    if (rc) {
        check_error(rc, &e, len);
        return;
    }
    n = vscsi_pdev_format(&p, buf, sizeof(buf));
    check(n > 0 && (size_t)n < sizeof(buf) && (size_t)n <= len);
    check(vscsi_pdev_format(&p, NULL, 0) == n);
    check_truncation(buf, vscsi_pdev_format(&p, small, sizeof(small)), small, sizeof(small));
    check(vscsi_pdev_parse(buf, &q, NULL) == 0);
    check(vscsi_pdev_equal(&p, &q) && memcmp(&p, &q, sizeof(p)) == 0);

    n = vscsi_libvirt_hostdev_format(&p, &v, xml, sizeof(xml));
    check(p.kind == VSCSI_PDEV_HCTL ? (n > 0 && (size_t)n < sizeof(xml)) : n == -ENOTSUP);
}

static void fuzz_vdev(const char *s, size_t len)
{
    struct vscsi_vdev v, w;
    struct vscsi_parse_error e;
    char buf[VSCSI_VDEV_STR_SIZE], small[5];
    int rc, n;

    rc = vscsi_vdev_parse(s, &v, &e);
    if (rc) {
        check_error(rc, &e, len);
        return;
    }
    n = vscsi_vdev_format(&v, buf, sizeof(buf));
    check(n > 0 && (size_t)n < sizeof(buf) && (size_t)n <= len);
    check_truncation(buf, vscsi_vdev_format(&v, small, sizeof(small)), small, sizeof(small));
    check(vscsi_vdev_parse(buf, &w, NULL) == 0 && memcmp(&v, &w, sizeof(v)) == 0);
}

static struct vscsi_config_entry ents[MAX_ENTRIES], again[MAX_ENTRIES];
static char text[MAX_ENTRIES * (VSCSI_PDEV_STR_SIZE + 64) + 64];

static void config_round_trip(size_t n)
{
    size_t m = 0;
    int len = vscsi_config_format(ents, n, text, sizeof(text));

    check(len > 0 && (size_t)len < sizeof(text));
    check(vscsi_config_parse(text, again, MAX_ENTRIES, &m, NULL) == 0 && m == n);
    for (size_t i = 0; i < n; i++)
        check(entries_equal(&ents[i], &again[i]));
    /* Each entry alone, in the bare form. */
    for (size_t i = 0; i < n; i++) {
        len = vscsi_config_entry_format(&ents[i], text, sizeof(text));
        check(len > 0 && (size_t)len < sizeof(text));
        check(vscsi_config_parse(text, again, 1, &m, NULL) == 0 && m == 1);
        check(entries_equal(&ents[i], &again[0]));
    }
}

static void check_sorted(size_t n)
{
    for (size_t i = 1; i < n; i++)
        check(ents[i - 1].vdev.host <= ents[i].vdev.host);
}

static void fuzz_config(const char *s, size_t len)
{
    struct vscsi_parse_error e;
    size_t n = 0, off = 0, vlen = 0;
    int rc;

    rc = vscsi_config_parse(s, ents, MAX_ENTRIES, &n, &e);
    check(n <= MAX_ENTRIES);
    if (rc) {
        check_error(rc, &e, len);
    } else {
        check_sorted(n);
        config_round_trip(n);
    }

    rc = vscsi_config_find(s, &off, &vlen, &e);
    if (rc == 0)
        check(off + vlen <= len && vlen >= 2 && s[off] == '[' && s[off + vlen - 1] == ']');
    else if (rc != -ENOENT)
        check_error(rc, &e, len);

    rc = vscsi_config_parse_file(s, ents, MAX_ENTRIES, &n, &e);
    if (rc) {
        check_error(rc, &e, len);
    } else {
        check_sorted(n);
        config_round_trip(n);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    size_t len;

    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    len = strlen(s);
    fuzz_pdev(s, len);
    fuzz_vdev(s, len);
    fuzz_config(s, len);
    free(s);
    return 0;
}
