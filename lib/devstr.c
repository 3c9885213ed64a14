/* SPDX-License-Identifier: MIT */
/*
 * p-dev / v-dev strings: parse, format, compare. The span parsers are public
 * so that the xl config parser (libvscsiif-toolstack, toolstack/xlcfg.c) can
 * parse a field in place and report positions in the whole text.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "devstr_util.h"
#include "vscsiif/devstr.h"

/* ---- field parsers -------------------------------------------------------- */

/* A field parser's failure, relative to the start of the field. */
struct fail {
    size_t pos;
    int code;
    const char *why;
};

static int fail_at(struct fail *f, size_t pos, int code, const char *why)
{
    f->pos = pos;
    f->code = code;
    f->why = why;
    return code;
}

static size_t ndigits(uint32_t v)
{
    size_t n = 1;

    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

/* Decimal at s[*i..len): stops at the first non-digit. A value above max is
 * -ERANGE at the start of the number, but only once all its digits are eaten,
 * so the caller never sees a half-consumed number. */
static int parse_dec(const char *s, size_t len, size_t *i, uint32_t max, uint32_t *out,
                     struct fail *f)
{
    size_t start = *i;
    uint64_t v = 0;

    if (start >= len || !is_digit(s[start]))
        return fail_at(f, start, -EINVAL, "expected a decimal digit");
    while (*i < len && is_digit(s[*i])) {
        if (v <= UINT32_MAX)
            v = v * 10 + (uint64_t)(s[*i] - '0');
        (*i)++;
    }
    if (v > max)
        return fail_at(f, start, -ERANGE, "number out of range");
    *out = (uint32_t)v;
    return 0;
}

static int hctl_parse_span(const char *s, size_t len, const uint32_t max[4], uint32_t v[4],
                           struct fail *f)
{
    size_t i = 0;

    for (int k = 0; k < 4; k++) {
        if (k > 0) {
            if (i >= len)
                return fail_at(f, i, -EINVAL, "expected ':' (h:c:t:l needs 4 fields)");
            if (s[i] != ':')
                return fail_at(f, i, -EINVAL, "expected a decimal digit or ':'");
            i++;
        }
        if (i < len && s[i] == ':')
            return fail_at(f, i, -EINVAL, "empty field");
        int rc = parse_dec(s, len, &i, max[k], &v[k], f);
        if (rc)
            return rc;
    }
    if (i < len)
        return fail_at(f, i, -EINVAL,
                       s[i] == ':' ? "too many fields (h:c:t:l has 4)"
                                   : "expected a decimal digit");
    return 0;
}

static bool wwn_valid(const char *w, size_t len)
{
    if (len != VSCSI_WWN_HEX_LEN)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!is_xdigit(w[i]))
            return false;
    return true;
}

/* Which path shapes the adapter will be asked to resolve. Whitespace, commas,
 * quotes and backslashes would break the config syntax; "." / ".." and empty
 * components have no business in a device path and ".." could escape /dev. */
static int path_check(const char *s, size_t len, struct fail *f)
{
    if (len < 5 || memcmp(s, "/dev/", 5) != 0)
        return fail_at(f, 0, -EINVAL, "device path must start with /dev/");
    for (size_t i = 0; i < len; i++) {
        char c = s[i];

        if (c <= 0x20 || c >= 0x7f || c == ',' || c == '\'' || c == '"' || c == '\\')
            return fail_at(f, i, -EINVAL, "invalid character in device path");
    }
    for (size_t i = 5;;) {
        size_t j = i;

        while (j < len && s[j] != '/')
            j++;
        if (j == i)
            return fail_at(f, i, -EINVAL, "empty component in device path");
        if ((j - i == 1 && s[i] == '.') || (j - i == 2 && s[i] == '.' && s[i + 1] == '.'))
            return fail_at(f, i, -EINVAL, "'.' or '..' in device path");
        if (j == len)
            return 0;
        i = j + 1;
    }
}

static int pdev_parse_span(const char *s, size_t len, struct vscsi_pdev *p, struct fail *f)
{
    static const uint32_t max32[4] = {UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX};
    size_t i;
    int rc;

    memset(p, 0, sizeof(*p));
    if (len == 0)
        return fail_at(f, 0, -EINVAL, "empty p-dev");
    if (len > VSCSI_PDEV_PATH_MAX)
        return fail_at(f, 0, -ENAMETOOLONG, "p-dev too long");

    if (s[0] == '/') {
        rc = path_check(s, len, f);
        if (rc)
            return rc;
        memcpy(p->path, s, len);
        p->kind = VSCSI_PDEV_PATH;
        return 0;
    }

    if (len >= 4 && memcmp(s, "naa.", 4) == 0) {
        for (i = 4; i < len && is_xdigit(s[i]); i++)
            ;
        if (i - 4 != VSCSI_WWN_HEX_LEN) {
            if (i < len && s[i] != ':')
                return fail_at(f, i, -EINVAL, "expected a hex digit");
            return fail_at(f, i - 4 > VSCSI_WWN_HEX_LEN ? 4 + VSCSI_WWN_HEX_LEN : i, -EINVAL,
                           "WWN must be exactly 16 hex digits");
        }
        if (i >= len || s[i] != ':')
            return fail_at(f, i, -EINVAL, "expected ':' and a LUN after the WWN");
        i++;
        rc = parse_dec(s, len, &i, UINT32_MAX, &p->lun, f);
        if (rc)
            return rc;
        if (i < len)
            return fail_at(f, i, -EINVAL, "expected a decimal digit");
        if (len > VSCSI_PDEV_TCM_MAX)
            return fail_at(f, 0, -ENAMETOOLONG, "p-dev longer than 31 characters");
        memcpy(p->wwn, s + 4, VSCSI_WWN_HEX_LEN);
        p->kind = VSCSI_PDEV_WWN;
        return 0;
    }

    if (is_alpha(s[0]) || s[0] == '_') {
        /* Linux scsiback splits at the last ':'; the alias charset has no ':'
         * so the first offending ':' is what gets reported. */
        size_t colon = len;

        while (colon > 0 && s[colon - 1] != ':')
            colon--;
        if (colon == 0)
            return fail_at(f, len, -EINVAL,
                           "unrecognised p-dev (want h:c:t:l, naa.<wwn>:<lun>, "
                           "<alias>:<lun> or /dev/...)");
        colon--;
        for (i = 0; i < colon; i++)
            if (!is_alias_char(s[i]))
                return fail_at(f, i, -EINVAL, "invalid character in alias");
        i = colon + 1;
        rc = parse_dec(s, len, &i, UINT32_MAX, &p->lun, f);
        if (rc)
            return rc;
        if (i < len)
            return fail_at(f, i, -EINVAL, "expected a decimal digit");
        if (len > VSCSI_PDEV_TCM_MAX)
            return fail_at(f, 0, -ENAMETOOLONG, "p-dev longer than 31 characters");
        memcpy(p->alias, s, colon);
        p->kind = VSCSI_PDEV_ALIAS;
        return 0;
    }

    uint32_t v[4];
    rc = hctl_parse_span(s, len, max32, v, f);
    if (rc)
        return rc;
    p->hctl = (struct vscsi_hctl){v[0], v[1], v[2], v[3]};
    p->kind = VSCSI_PDEV_HCTL;
    return 0;
}

static int vdev_parse_span(const char *s, size_t len, struct vscsi_vdev *out, struct fail *f)
{
    /* c:t:l travel as 16-bit fields; the vhost number never does. */
    static const uint32_t max[4] = {UINT32_MAX, UINT16_MAX, UINT16_MAX, UINT16_MAX};
    uint32_t v[4];
    int rc;

    if (len == 0)
        return fail_at(f, 0, -EINVAL, "empty v-dev");
    rc = hctl_parse_span(s, len, max, v, f);
    if (rc)
        return rc;
    memset(out, 0, sizeof(*out));
    out->host = v[0];
    out->nexus.channel = (uint16_t)v[1];
    out->nexus.id = (uint16_t)v[2];
    out->nexus.lun = (uint16_t)v[3];
    return 0;
}

/* ---- p-dev / v-dev public API -------------------------------------------- */

int vscsi_pdev_parse(const char *s, struct vscsi_pdev *out, struct vscsi_parse_error *err)
{
    struct vscsi_pdev p;
    struct fail f;

    if (!s || !out)
        return report(err, NULL, 0, -EINVAL, "NULL argument");
    if (pdev_parse_span(s, strlen(s), &p, &f))
        return report(err, s, f.pos, f.code, "p-dev: %s", f.why);
    *out = p;
    return 0;
}

int vscsi_vdev_parse(const char *s, struct vscsi_vdev *out, struct vscsi_parse_error *err)
{
    struct vscsi_vdev v;
    struct fail f;

    if (!s || !out)
        return report(err, NULL, 0, -EINVAL, "NULL argument");
    if (vdev_parse_span(s, strlen(s), &v, &f))
        return report(err, s, f.pos, f.code, "v-dev: %s", f.why);
    *out = v;
    return 0;
}

int vscsi_pdev_parse_span(const char *s, size_t len, struct vscsi_pdev *out, size_t *pos,
                          const char **why)
{
    struct vscsi_pdev p;
    struct fail f;
    int rc;

    if (!s || !out || !pos || !why)
        return -EINVAL;
    rc = pdev_parse_span(s, len, &p, &f);
    if (rc) {
        *pos = f.pos;
        *why = f.why;
        return rc;
    }
    *out = p;
    return 0;
}

int vscsi_vdev_parse_span(const char *s, size_t len, struct vscsi_vdev *out, size_t *pos,
                          const char **why)
{
    struct vscsi_vdev v;
    struct fail f;
    int rc;

    if (!s || !out || !pos || !why)
        return -EINVAL;
    rc = vdev_parse_span(s, len, &v, &f);
    if (rc) {
        *pos = f.pos;
        *why = f.why;
        return rc;
    }
    *out = v;
    return 0;
}

/* strnlen is POSIX, not C11. */
static size_t bounded_len(const char *s, size_t max)
{
    size_t n = 0;

    while (n < max && s[n])
        n++;
    return n;
}

/* Everything the parser guarantees, checked again so that a hand-built value
 * can only be formatted if the result parses back to the same value. */
static bool pdev_valid(const struct vscsi_pdev *p)
{
    size_t n;
    struct fail f;

    switch (p->kind) {
    case VSCSI_PDEV_HCTL:
        return true;
    case VSCSI_PDEV_WWN:
        return wwn_valid(p->wwn, bounded_len(p->wwn, sizeof(p->wwn)));
    case VSCSI_PDEV_ALIAS:
        n = bounded_len(p->alias, sizeof(p->alias));
        if (n == 0 || n == sizeof(p->alias) || !(is_alpha(p->alias[0]) || p->alias[0] == '_'))
            return false;
        for (size_t i = 0; i < n; i++)
            if (!is_alias_char(p->alias[i]))
                return false;
        /* "naa." is reserved for the WWN form, so such an alias would not come back. */
        if (n >= 4 && memcmp(p->alias, "naa.", 4) == 0)
            return false;
        return n + 1 + ndigits(p->lun) <= VSCSI_PDEV_TCM_MAX;
    case VSCSI_PDEV_PATH:
        n = bounded_len(p->path, sizeof(p->path));
        return n < sizeof(p->path) && path_check(p->path, n, &f) == 0;
    case VSCSI_PDEV_NONE:
    default:
        return false;
    }
}

int vscsi_pdev_format(const struct vscsi_pdev *p, char *buf, size_t size)
{
    struct sbuf b = {buf, size, 0};

    if (!p || (!buf && size) || !pdev_valid(p))
        return -EINVAL;
    switch (p->kind) {
    case VSCSI_PDEV_HCTL:
        sb_putu(&b, p->hctl.host);
        sb_puts(&b, ":");
        sb_putu(&b, p->hctl.channel);
        sb_puts(&b, ":");
        sb_putu(&b, p->hctl.target);
        sb_puts(&b, ":");
        sb_putu(&b, p->hctl.lun);
        break;
    case VSCSI_PDEV_WWN:
        sb_puts(&b, "naa.");
        sb_puts(&b, p->wwn);
        sb_puts(&b, ":");
        sb_putu(&b, p->lun);
        break;
    case VSCSI_PDEV_ALIAS:
        sb_puts(&b, p->alias);
        sb_puts(&b, ":");
        sb_putu(&b, p->lun);
        break;
    default: /* VSCSI_PDEV_PATH; pdev_valid() rejected the rest */
        sb_puts(&b, p->path);
        break;
    }
    return sb_finish(&b);
}

bool vscsi_pdev_equal(const struct vscsi_pdev *a, const struct vscsi_pdev *b)
{
    if (!a || !b || a->kind != b->kind)
        return false;
    switch (a->kind) {
    case VSCSI_PDEV_HCTL:
        return a->hctl.host == b->hctl.host && a->hctl.channel == b->hctl.channel &&
               a->hctl.target == b->hctl.target && a->hctl.lun == b->hctl.lun;
    case VSCSI_PDEV_WWN:
        return a->lun == b->lun && strncmp(a->wwn, b->wwn, sizeof(a->wwn)) == 0;
    case VSCSI_PDEV_ALIAS:
        return a->lun == b->lun && strncmp(a->alias, b->alias, sizeof(a->alias)) == 0;
    case VSCSI_PDEV_PATH:
        return strncmp(a->path, b->path, sizeof(a->path)) == 0;
    default:
        return true;
    }
}

static void sb_vdev(struct sbuf *b, const struct vscsi_vdev *v)
{
    sb_putu(b, v->host);
    sb_puts(b, ":");
    sb_putu(b, v->nexus.channel);
    sb_puts(b, ":");
    sb_putu(b, v->nexus.id);
    sb_puts(b, ":");
    sb_putu(b, v->nexus.lun);
}

int vscsi_vdev_format(const struct vscsi_vdev *v, char *buf, size_t size)
{
    struct sbuf b = {buf, size, 0};

    if (!v || (!buf && size))
        return -EINVAL;
    sb_vdev(&b, v);
    return sb_finish(&b);
}
