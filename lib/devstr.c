/* SPDX-License-Identifier: MIT */
/*
 * p-dev / v-dev strings, the xl `vscsi =` syntax and the libvirt hostdev form.
 * Everything lives in one translation unit so that the config parser can use
 * the span-based field parsers (which report positions) without exporting them.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vscsiif/devstr.h"

#if defined(__GNUC__) || defined(__clang__)
#define DEVSTR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define DEVSTR_PRINTF(f, a)
#endif

/* ---- error reporting ----------------------------------------------------- */

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

static int report(struct vscsi_parse_error *err, const char *text, size_t pos, int code,
                  const char *fmt, ...) DEVSTR_PRINTF(5, 6);

static int report(struct vscsi_parse_error *err, const char *text, size_t pos, int code,
                  const char *fmt, ...)
{
    char why[88];
    unsigned line = 1, col = 1;
    va_list ap;

    if (!err)
        return code;
    /* Columns are recomputed here rather than tracked while scanning: errors
     * are rare and this keeps every scanner free of bookkeeping. */
    for (size_t i = 0; text && i < pos && text[i]; i++) {
        if (text[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    err->code = code;
    err->offset = pos;
    err->line = line;
    err->column = col;
    snprintf(err->message, sizeof(err->message), "%s at line %u, column %u", why, line, col);
    return code;
}

/* Quote untrusted text in a message without letting control bytes through. */
static void sanitize(char *dst, size_t size, const char *s, size_t len)
{
    size_t i, n = len < size - 1 ? len : size - 1;

    for (i = 0; i < n; i++)
        dst[i] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
    dst[i] = '\0';
}

/* ---- output buffer (snprintf semantics) --------------------------------- */

struct sbuf {
    char *buf;
    size_t size;
    size_t len;
};

static void sb_putn(struct sbuf *b, const char *s, size_t n)
{
    if (b->size && b->len < b->size - 1) {
        size_t room = b->size - 1 - b->len;

        memcpy(b->buf + b->len, s, n < room ? n : room);
    }
    b->len += n;
}

static void sb_puts(struct sbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

static void sb_putu(struct sbuf *b, uint32_t v)
{
    char tmp[10];
    size_t i = sizeof(tmp);

    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sb_putn(b, tmp + i, sizeof(tmp) - i);
}

static int sb_finish(struct sbuf *b)
{
    if (b->size)
        b->buf[b->len < b->size - 1 ? b->len : b->size - 1] = '\0';
    return b->len > INT_MAX ? -EOVERFLOW : (int)b->len;
}

/* Never leave a half-written string behind an error return. */
static int sb_fail(struct sbuf *b, int rc)
{
    if (b->size)
        b->buf[0] = '\0';
    return rc;
}

/* ---- character classes (ASCII only, locale-independent) ----------------- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_xdigit(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_alias_char(char c)
{
    return is_alpha(c) || is_digit(c) || c == '_' || c == '.' || c == '-';
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* ---- field parsers -------------------------------------------------------- */

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

/* ---- xl config ------------------------------------------------------------ */

static const char OPT_FEATURE_HOST[] = "feature-host";

struct cfgp {
    const char *t;
    size_t pos;
    struct vscsi_parse_error *err;
    struct vscsi_config_entry *out;
    size_t max;
    size_t *n;
};

/* Whitespace (newlines too) and '#' comments: what may sit between tokens
 * inside a list, where xl allows newlines. */
static size_t skip_ws(const char *t, size_t i)
{
    for (;;) {
        if (is_space(t[i])) {
            i++;
        } else if (t[i] == '#') {
            while (t[i] && t[i] != '\n')
                i++;
        } else {
            return i;
        }
    }
}

/* Same on one line: at top level a newline ends an xl statement. */
static size_t skip_blank(const char *t, size_t i)
{
    for (;;) {
        if (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\v' || t[i] == '\f') {
            i++;
        } else if (t[i] == '#') {
            while (t[i] && t[i] != '\n')
                i++;
        } else {
            return i;
        }
    }
}

static size_t skip_sp(const char *t, size_t i, size_t end)
{
    while (i < end && is_space(t[i]))
        i++;
    return i;
}

static size_t scan_field(const char *t, size_t i, size_t end)
{
    while (i < end && t[i] != ',' && !is_space(t[i]))
        i++;
    return i;
}

static bool is_ident_start(char c)
{
    return is_alpha(c) || c == '_';
}

static size_t scan_ident(const char *t, size_t i)
{
    while (is_ident_start(t[i]) || is_digit(t[i]))
        i++;
    return i;
}

static int cfg_add(struct cfgp *p, const struct vscsi_config_entry *e, size_t vdev_pos)
{
    size_t count = *p->n;

    for (size_t k = 0; k < count; k++) {
        const struct vscsi_vdev *o = &p->out[k].vdev;

        if (o->host == e->vdev.host && o->nexus.channel == e->vdev.nexus.channel &&
            o->nexus.id == e->vdev.nexus.id && o->nexus.lun == e->vdev.nexus.lun)
            return report(p->err, p->t, vdev_pos, -EEXIST, "duplicate v-dev %u:%u:%u:%u",
                          (unsigned)o->host, (unsigned)o->nexus.channel, (unsigned)o->nexus.id,
                          (unsigned)o->nexus.lun);
    }
    for (size_t k = 0; k < count; k++) {
        if (p->out[k].vdev.host == e->vdev.host && p->out[k].feature_host != e->feature_host)
            return report(p->err, p->t, e->offset, -EINVAL,
                          "feature-host differs from an earlier entry of vhost %u",
                          (unsigned)e->vdev.host);
    }
    if (count >= p->max)
        return report(p->err, p->t, e->offset, -ENOSPC, "more than %zu entries", p->max);
    p->out[count] = *e;
    *p->n = count + 1;
    return 0;
}

/* One entry "pdev,vdev[,option...]" occupying t[b..end); `at` is where the
 * entry starts for messages (its opening quote, if any). */
static int cfg_entry(struct cfgp *p, size_t b, size_t end, size_t at)
{
    const char *t = p->t;
    struct vscsi_config_entry e;
    struct fail f;
    size_t i, fs, vpos;
    int rc;

    memset(&e, 0, sizeof(e));
    e.offset = at;
    i = skip_sp(t, b, end);
    if (i == end)
        return report(p->err, t, at, -EINVAL, "empty vscsi entry");

    fs = i;
    i = scan_field(t, i, end);
    if (i == fs)
        return report(p->err, t, fs, -EINVAL, "expected a p-dev");
    rc = pdev_parse_span(t + fs, i - fs, &e.pdev, &f);
    if (rc)
        return report(p->err, t, fs + f.pos, rc, "p-dev: %s", f.why);
    i = skip_sp(t, i, end);
    if (i == end || t[i] != ',')
        return report(p->err, t, i, -EINVAL, "expected ',' after p-dev");
    i = skip_sp(t, i + 1, end);

    vpos = fs = i;
    i = scan_field(t, i, end);
    if (i == fs)
        return report(p->err, t, fs, -EINVAL, "expected a v-dev");
    rc = vdev_parse_span(t + fs, i - fs, &e.vdev, &f);
    if (rc)
        return report(p->err, t, fs + f.pos, rc, "v-dev: %s", f.why);
    i = skip_sp(t, i, end);

    while (i < end) {
        if (t[i] != ',')
            return report(p->err, t, i, -EINVAL, "expected ',' or end of entry");
        i = skip_sp(t, i + 1, end);
        fs = i;
        i = scan_field(t, i, end);
        if (i == fs)
            return report(p->err, t, fs, -EINVAL, "expected an option after ','");
        if (i - fs == sizeof(OPT_FEATURE_HOST) - 1 &&
            memcmp(t + fs, OPT_FEATURE_HOST, i - fs) == 0) {
            if (e.feature_host)
                return report(p->err, t, fs, -EINVAL, "duplicate option 'feature-host'");
            e.feature_host = true;
        } else {
            char name[32];

            sanitize(name, sizeof(name), t + fs, i - fs);
            return report(p->err, t, fs, -EINVAL, "unknown option '%s'", name);
        }
        i = skip_sp(t, i, end);
    }
    return cfg_add(p, &e, vpos);
}

/* A quoted entry at p->pos. xl strings never span lines; backslash escapes
 * are refused because no valid entry needs one and half-supporting them
 * would make the two quote styles differ. */
static int cfg_quoted(struct cfgp *p)
{
    const char *t = p->t;
    size_t q = p->pos, j = q + 1;

    while (t[j] != t[q]) {
        if (t[j] == '\0' || t[j] == '\n')
            return report(p->err, t, q, -EINVAL, "unterminated string");
        if (t[j] == '\\')
            return report(p->err, t, j, -EINVAL, "backslash escapes are not supported here");
        j++;
    }
    p->pos = j + 1;
    return cfg_entry(p, q + 1, j, q);
}

static int cfg_list(struct cfgp *p)
{
    const char *t = p->t;
    int rc;

    p->pos++; /* '[' */
    for (;;) {
        p->pos = skip_ws(t, p->pos);
        char c = t[p->pos];
        if (c == ']') {
            p->pos++;
            return 0;
        }
        if (c == '\0')
            return report(p->err, t, p->pos, -EINVAL, "missing ']' at end of input");
        if (c != '\'' && c != '"')
            return report(p->err, t, p->pos, -EINVAL, "expected a quoted entry or ']'");
        rc = cfg_quoted(p);
        if (rc)
            return rc;
        p->pos = skip_ws(t, p->pos);
        c = t[p->pos];
        if (c == ',') {
            p->pos++;
        } else if (c == ']') {
            p->pos++;
            return 0;
        } else if (c == '\0') {
            return report(p->err, t, p->pos, -EINVAL, "missing ']' at end of input");
        } else {
            return report(p->err, t, p->pos, -EINVAL, "expected ',' or ']' after entry");
        }
    }
}

static void cfg_sort(struct vscsi_config_entry *e, size_t n)
{
    /* Stable, so each vhost keeps its LUNs in file order (dev-N numbering). */
    for (size_t i = 1; i < n; i++) {
        if (e[i - 1].vdev.host <= e[i].vdev.host)
            continue;
        struct vscsi_config_entry tmp = e[i];
        size_t j = i;
        while (j > 0 && e[j - 1].vdev.host > tmp.vdev.host) {
            e[j] = e[j - 1];
            j--;
        }
        e[j] = tmp;
    }
}

static bool cfg_args_ok(const char *text, const struct vscsi_config_entry *out, size_t max,
                        size_t *n)
{
    if (n)
        *n = 0;
    return text && n && (out || max == 0);
}

int vscsi_config_parse(const char *text, struct vscsi_config_entry *out, size_t max, size_t *n,
                       struct vscsi_parse_error *err)
{
    struct cfgp p = {text, 0, err, out, max, n};
    const char *t = text;
    int rc;

    if (!cfg_args_ok(text, out, max, n))
        return report(err, NULL, 0, -EINVAL, "NULL argument");

    p.pos = skip_ws(t, 0);
    if (t[p.pos] == '\0')
        return report(err, t, p.pos, -EINVAL, "empty input");

    if (is_ident_start(t[p.pos])) {
        size_t ks = p.pos, ke = scan_ident(t, ks), j = skip_blank(t, ke);

        if (t[j] == '=' || (t[j] == '+' && t[j + 1] == '=')) {
            if (ke - ks != 5 || memcmp(t + ks, "vscsi", 5) != 0) {
                char name[32];

                sanitize(name, sizeof(name), t + ks, ke - ks);
                return report(err, t, ks, -EINVAL, "expected the 'vscsi' setting, found '%s'",
                              name);
            }
            if (t[j] == '+')
                return report(err, t, j, -ENOTSUP, "'vscsi +=' is not supported");
            p.pos = skip_blank(t, j + 1);
            if (t[p.pos] != '[')
                return report(err, t, p.pos, -EINVAL, "expected '[' after 'vscsi ='");
        }
    }

    if (t[p.pos] == '[') {
        rc = cfg_list(&p);
        if (rc)
            return rc;
        p.pos = skip_ws(t, p.pos);
        if (t[p.pos] == ';')
            p.pos = skip_ws(t, p.pos + 1);
        if (t[p.pos] != '\0')
            return report(err, t, p.pos, -EINVAL, "unexpected text after the list");
    } else if (t[p.pos] == '\'' || t[p.pos] == '"') {
        rc = cfg_quoted(&p);
        if (rc)
            return rc;
        p.pos = skip_ws(t, p.pos);
        if (t[p.pos] != '\0')
            return report(err, t, p.pos, -EINVAL, "unexpected text after the entry");
    } else {
        /* A bare entry, as `xl scsi-attach` would take it: no quotes, no comments. */
        rc = cfg_entry(&p, p.pos, strlen(t), p.pos);
        if (rc)
            return rc;
    }
    cfg_sort(out, *n);
    return 0;
}

/* Skip an xl string at t[q] (a quote), honouring backslash escapes. */
static int skip_string(const char *t, size_t q, size_t *after, struct vscsi_parse_error *err)
{
    size_t j = q + 1;

    while (t[j] != t[q]) {
        if (t[j] == '\0' || t[j] == '\n')
            return report(err, t, q, -EINVAL, "unterminated string");
        if (t[j] == '\\' && t[j + 1] && t[j + 1] != '\n')
            j++;
        j++;
    }
    *after = j + 1;
    return 0;
}

static int skip_value(const char *t, size_t i, size_t *after, struct vscsi_parse_error *err)
{
    size_t depth = 0, j = i;
    int rc;

    if (t[i] == '\'' || t[i] == '"')
        return skip_string(t, i, after, err);
    if (t[i] != '[') {
        while (t[j] && !is_space(t[j]) && !strchr(";#,[]'\"", t[j]))
            j++;
        if (j == i)
            return report(err, t, i, -EINVAL, "expected a value after '='");
        *after = j;
        return 0;
    }
    for (;;) {
        switch (t[j]) {
        case '\0':
            return report(err, t, i, -EINVAL, "missing ']' for this '['");
        case '[':
            depth++;
            j++;
            break;
        case ']':
            j++;
            if (--depth == 0) {
                *after = j;
                return 0;
            }
            break;
        case '\'':
        case '"':
            rc = skip_string(t, j, &j, err);
            if (rc)
                return rc;
            break;
        case '#':
            while (t[j] && t[j] != '\n')
                j++;
            break;
        default:
            j++;
            break;
        }
    }
}

int vscsi_config_find(const char *text, size_t *off, size_t *len, struct vscsi_parse_error *err)
{
    const char *t = text;
    size_t i = 0, vs, ve = 0;
    bool found = false;
    int rc;

    if (!text || !off || !len)
        return report(err, NULL, 0, -EINVAL, "NULL argument");
    for (;;) {
        while (is_space(t[i]) || t[i] == ';' || t[i] == '#')
            i = t[i] == '#' ? skip_blank(t, i) : i + 1;
        if (t[i] == '\0')
            break;
        if (!is_ident_start(t[i]))
            return report(err, t, i, -EINVAL, "expected a setting name");
        size_t ks = i, ke = scan_ident(t, i);
        bool vscsi = ke - ks == 5 && memcmp(t + ks, "vscsi", 5) == 0;

        i = skip_blank(t, ke);
        if (t[i] == '+' && t[i + 1] == '=') {
            if (vscsi)
                return report(err, t, ks, -ENOTSUP, "'vscsi +=' is not supported");
            i += 2;
        } else if (t[i] == '=') {
            i++;
        } else {
            return report(err, t, i, -EINVAL, "expected '=' after the setting name");
        }
        vs = skip_blank(t, i);
        rc = skip_value(t, vs, &ve, err);
        if (rc)
            return rc;
        i = skip_blank(t, ve);
        if (t[i] != '\0' && t[i] != '\n' && t[i] != ';')
            return report(err, t, i, -EINVAL, "expected a newline or ';' after the value");
        if (!vscsi)
            continue;
        if (found)
            return report(err, t, ks, -EINVAL, "second 'vscsi' setting");
        if (t[vs] != '[')
            return report(err, t, vs, -EINVAL, "the vscsi setting must be a list");
        found = true;
        *off = vs;
        *len = ve - vs;
    }
    return found ? 0 : -ENOENT;
}

int vscsi_config_parse_file(const char *text, struct vscsi_config_entry *out, size_t max, size_t *n,
                            struct vscsi_parse_error *err)
{
    struct cfgp p = {text, 0, err, out, max, n};
    size_t off, len;
    int rc;

    if (!cfg_args_ok(text, out, max, n))
        return report(err, NULL, 0, -EINVAL, "NULL argument");
    rc = vscsi_config_find(text, &off, &len, err);
    if (rc == -ENOENT)
        return report(err, text, 0, -ENOENT, "no 'vscsi' setting");
    if (rc)
        return rc;
    p.pos = off;
    rc = cfg_list(&p);
    if (rc)
        return rc;
    cfg_sort(out, *n);
    return 0;
}

static int sb_entry(struct sbuf *b, const struct vscsi_config_entry *e)
{
    char pdev[VSCSI_PDEV_STR_SIZE];
    int rc = vscsi_pdev_format(&e->pdev, pdev, sizeof(pdev));

    if (rc < 0)
        return rc;
    sb_puts(b, pdev);
    sb_puts(b, ",");
    sb_vdev(b, &e->vdev);
    if (e->feature_host) {
        sb_puts(b, ",");
        sb_puts(b, OPT_FEATURE_HOST);
    }
    return 0;
}

int vscsi_config_entry_format(const struct vscsi_config_entry *e, char *buf, size_t size)
{
    struct sbuf b = {buf, size, 0};
    int rc;

    if (!e || (!buf && size))
        return -EINVAL;
    rc = sb_entry(&b, e);
    if (rc)
        return sb_fail(&b, rc);
    return sb_finish(&b);
}

int vscsi_config_format(const struct vscsi_config_entry *e, size_t n, char *buf, size_t size)
{
    struct sbuf b = {buf, size, 0};
    int rc;

    if ((!e && n) || (!buf && size))
        return -EINVAL;
    sb_puts(&b, "vscsi = [ ");
    for (size_t i = 0; i < n; i++) {
        sb_puts(&b, i ? ", '" : "'");
        rc = sb_entry(&b, &e[i]);
        if (rc)
            return sb_fail(&b, rc);
        sb_puts(&b, "'");
    }
    sb_puts(&b, n ? " ]" : "]");
    return sb_finish(&b);
}
