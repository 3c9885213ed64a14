/* SPDX-License-Identifier: MIT */
/*
 * The one parser of a fake library's option string (vscsi-sim --tape-config,
 * vscsi-back --fake-tape): "key=value,..." into tape and changer options.
 * Strict: unknown or repeated keys, empty values, trailing garbage, numbers
 * out of range and unusable strings are refused with a message saying which.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "target/tgt_int.h"

#define MIN_CAPACITY (64ull << 10)
#define MAX_CAPACITY (16ull << 40)

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -EINVAL;
}

/* Decimal, optional K/M/G/T (powers of 1024). */
static bool parse_size(const char *v, size_t n, uint64_t *out)
{
    uint64_t x = 0, mul = 1;
    size_t i = 0;

    if (n == 0 || v[0] < '0' || v[0] > '9')
        return false;
    for (; i < n && v[i] >= '0' && v[i] <= '9'; i++) {
        if (x > (UINT64_MAX - 9) / 10)
            return false;
        x = x * 10 + (uint64_t)(v[i] - '0');
    }
    if (i < n) {
        const char *units = "KMGT", *u = memchr(units, v[i], 4);

        if (!u || i + 1 != n)
            return false;
        for (long k = 0; k <= u - units; k++)
            mul <<= 10;
    }
    if (x > UINT64_MAX / mul)
        return false;
    *out = x * mul;
    return true;
}

static bool serial_ok(const char *v, size_t n, size_t max)
{
    if (n < 1 || n > max)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

enum {
    K_CAP = 1,
    K_EW = 2,
    K_SERIAL = 4,
    K_CSERIAL = 8,
    K_BARCODES = 16,
    K_MSERIAL = 32,
    K_SLOTS = 64,
    K_IE = 128,
    K_DIR = 256,
    K_UA = 512
};

static const struct {
    const char *name;
    unsigned bit;
} keys[] = {
    {"capacity", K_CAP},      {"ew", K_EW},
    {"serial", K_SERIAL},     {"changer-serial", K_CSERIAL},
    {"barcodes", K_BARCODES}, {"medium-serial", K_MSERIAL},
    {"slots", K_SLOTS},       {"ie", K_IE},
    {"dir", K_DIR},           {"ua", K_UA},
};

static int parse_barcodes(struct vscsi_tgt_media_config *cfg, const char *v, size_t n, char *err,
                          size_t errlen)
{
    size_t start = 0;
    unsigned cnt = 0;

    for (size_t i = 0; i <= n; i++) {
        if (i < n && v[i] != ':')
            continue;
        size_t len = i - start;
        char tag[40];

        if (cnt >= VSCSI_TGT_MAX_BARCODES)
            return fail(err, errlen, "barcodes: more than %d", VSCSI_TGT_MAX_BARCODES);
        if (len == 0 || len >= sizeof(tag))
            return fail(err, errlen, "barcodes: tag %u is %s", cnt + 1, len ? "too long" : "empty");
        memcpy(tag, v + start, len);
        tag[len] = '\0';
        if (!tgt_tag_ok(tag))
            return fail(err, errlen, "barcodes: '%s' is not 1-32 of A-Z 0-9 - _", tag);
        for (unsigned j = 0; j < cnt; j++)
            if (!strcmp(cfg->tags[j], tag))
                return fail(err, errlen, "barcodes: '%s' appears twice", tag);
        memcpy(cfg->tags[cnt], tag, len + 1);
        cfg->tagp[cnt] = cfg->tags[cnt];
        cnt++;
        start = i + 1;
    }
    cfg->changer.nbarcodes = cnt;
    return 0;
}

int vscsi_tgt_media_config_parse(const char *s, struct vscsi_tgt_media_config *cfg, char *err,
                                 size_t errlen)
{
    struct vscsi_tgt_media_config out;
    unsigned seen = 0;
    uint64_t ew = 0;
    int rc;

    if (err && errlen)
        err[0] = '\0';
    if (!s || !cfg)
        return fail(err, errlen, "no option string");
    memset(&out, 0, sizeof(out));
    /* A power-on unit attention by default, as a real drive and library give one: st, mt-st
     * and mtx (mtx status as the very first command) were checked to take it on live Xen. */
    out.tape.power_on_ua = out.changer.power_on_ua = true;
    for (const char *p = s; *p;) {
        const char *comma = strchr(p, ','), *eq;
        size_t item = comma ? (size_t)(comma - p) : strlen(p), klen, vlen;
        unsigned ki;

        eq = memchr(p, '=', item);
        if (!eq)
            return fail(err, errlen, "'%.*s': expected key=value", (int)item, p);
        klen = (size_t)(eq - p);
        vlen = item - klen - 1;
        for (ki = 0; ki < sizeof(keys) / sizeof(keys[0]); ki++)
            if (strlen(keys[ki].name) == klen && !strncmp(p, keys[ki].name, klen))
                break;
        if (ki == sizeof(keys) / sizeof(keys[0]))
            return fail(err, errlen,
                        "unknown key '%.*s' (capacity, ew, serial, changer-serial, barcodes, "
                        "medium-serial, slots, ie, dir, ua)",
                        (int)klen, p);
        const char *name = keys[ki].name, *v = eq + 1;
        if (seen & keys[ki].bit)
            return fail(err, errlen, "%s given twice", name);
        seen |= keys[ki].bit;
        if (vlen == 0)
            return fail(err, errlen, "%s: empty value", name);
        switch (keys[ki].bit) {
        case K_CAP:
            if (!parse_size(v, vlen, &out.tape.capacity) || out.tape.capacity < MIN_CAPACITY ||
                out.tape.capacity > MAX_CAPACITY)
                return fail(err, errlen, "capacity: '%.*s' is not a size from 64K to 16T",
                            (int)vlen, v);
            break;
        case K_EW:
            if (!parse_size(v, vlen, &ew) || ew == 0 || ew > UINT32_MAX)
                return fail(err, errlen, "ew: '%.*s' is not a size from 1 to 4G-1", (int)vlen, v);
            break;
        case K_SERIAL:
        case K_CSERIAL: {
            char *dst = keys[ki].bit == K_SERIAL ? out.serial : out.changer_serial;
            if (!serial_ok(v, vlen, 20))
                return fail(err, errlen, "%s: '%.*s' is not 1-20 of A-Z a-z 0-9 - _", name,
                            (int)vlen, v);
            memcpy(dst, v, vlen);
            break;
        }
        case K_MSERIAL:
            if (!serial_ok(v, vlen, 16))
                return fail(err, errlen, "medium-serial: '%.*s' is not 1-16 of A-Z a-z 0-9 - _",
                            (int)vlen, v);
            memcpy(out.mserial, v, vlen);
            break;
        case K_BARCODES:
            if ((rc = parse_barcodes(&out, v, vlen, err, errlen)))
                return rc;
            break;
        case K_SLOTS:
        case K_IE: {
            uint64_t x;
            if (!parse_size(v, vlen, &x) || (v[vlen - 1] < '0' || v[vlen - 1] > '9') || x < 1 ||
                x > 4096)
                return fail(err, errlen, "%s: '%.*s' is not a number from 1 to 4096", name,
                            (int)vlen, v);
            if (keys[ki].bit == K_SLOTS)
                out.changer.slots = (unsigned)x;
            else
                out.changer.ie_ports = (unsigned)x;
            break;
        }
        case K_DIR: {
            struct stat st;
            if (vlen >= sizeof(out.dir))
                return fail(err, errlen, "dir: path too long");
            memcpy(out.dir, v, vlen);
            if (stat(out.dir, &st) != 0 || !S_ISDIR(st.st_mode))
                return fail(err, errlen, "dir: '%s' is not an existing directory", out.dir);
            break;
        }
        default: /* K_UA */
            if (vlen != 1 || (v[0] != '0' && v[0] != '1'))
                return fail(err, errlen, "ua: '%.*s' is not 0 or 1", (int)vlen, v);
            out.tape.power_on_ua = out.changer.power_on_ua = v[0] == '1';
            break;
        }
        if (!comma)
            break;
        p = comma + 1;
        if (!*p)
            return fail(err, errlen, "trailing comma");
    }
    if (!out.tape.capacity)
        out.tape.capacity = 64ull << 20;
    if (ew >= out.tape.capacity)
        return fail(err, errlen, "ew: must be below the capacity");
    out.tape.early_warning = (uint32_t)ew;
    if (out.changer.nbarcodes > (out.changer.slots ? out.changer.slots : 8))
        return fail(err, errlen, "barcodes: %u tags for %u slots", out.changer.nbarcodes,
                    out.changer.slots ? out.changer.slots : 8);
    *cfg = out;
    /* Pointers into cfg itself, now that it holds the strings. */
    cfg->tape.serial = cfg->serial[0] ? cfg->serial : NULL;
    cfg->tape.barcode = cfg->changer.nbarcodes ? cfg->tags[0] : NULL;
    cfg->tape.medium_serial_prefix = cfg->mserial[0] ? cfg->mserial : NULL;
    cfg->tape.path = cfg->dir[0] ? cfg->dir : NULL;
    cfg->changer.serial = cfg->changer_serial[0] ? cfg->changer_serial : NULL;
    cfg->changer.medium_serial_prefix = cfg->tape.medium_serial_prefix;
    cfg->changer.path = cfg->tape.path;
    for (unsigned i = 0; i < cfg->changer.nbarcodes; i++)
        cfg->tagp[i] = cfg->tags[i];
    cfg->changer.barcodes = cfg->changer.nbarcodes ? cfg->tagp : NULL;
    return 0;
}
