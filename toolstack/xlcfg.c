/* SPDX-License-Identifier: MIT */
/*
 * The xl `vscsi = [ 'pdev,vdev[,feature-host]', ... ]` setting: find it in a
 * domain config file, lex and parse the list, format it back. Fields are
 * parsed in place by libvscsiif's span parsers, so every error names its
 * line and column in the whole file.
 */
#include "devstr_util.h"
#include "vscsiif/xlcfg.h"

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
    const char *why;
    size_t i, fs, vpos, pos;
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
    rc = vscsi_pdev_parse_span(t + fs, i - fs, &e.pdev, &pos, &why);
    if (rc)
        return report(p->err, t, fs + pos, rc, "p-dev: %s", why);
    i = skip_sp(t, i, end);
    if (i == end || t[i] != ',')
        return report(p->err, t, i, -EINVAL, "expected ',' after p-dev");
    i = skip_sp(t, i + 1, end);

    vpos = fs = i;
    i = scan_field(t, i, end);
    if (i == fs)
        return report(p->err, t, fs, -EINVAL, "expected a v-dev");
    rc = vscsi_vdev_parse_span(t + fs, i - fs, &e.vdev, &pos, &why);
    if (rc)
        return report(p->err, t, fs + pos, rc, "v-dev: %s", why);
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
    char pdev[VSCSI_PDEV_STR_SIZE], vdev[VSCSI_VDEV_STR_SIZE];
    int rc = vscsi_pdev_format(&e->pdev, pdev, sizeof(pdev));

    if (rc < 0)
        return rc;
    rc = vscsi_vdev_format(&e->vdev, vdev, sizeof(vdev));
    if (rc < 0)
        return rc;
    sb_puts(b, pdev);
    sb_puts(b, ",");
    sb_puts(b, vdev);
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
