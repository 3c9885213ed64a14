/* SPDX-License-Identifier: MIT */
/*
 * Private to the text parsers and formatters of libvscsiif (lib/devstr.c)
 * and libvscsiif-toolstack (toolstack/xlcfg.c, toolstack/libvirt.c): error
 * reports with line and column, an snprintf-style output buffer, and ASCII
 * character classes. Not installed.
 */
#ifndef VSCSI_DEVSTR_UTIL_H
#define VSCSI_DEVSTR_UTIL_H

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "vscsiif/devstr.h"

#if defined(__GNUC__) || defined(__clang__)
#define DEVSTR_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define DEVSTR_PRINTF(f, a)
#endif

/* ---- error reporting ----------------------------------------------------- */

static inline int report(struct vscsi_parse_error *err, const char *text, size_t pos, int code,
                         const char *fmt, ...) DEVSTR_PRINTF(5, 6);

static inline int report(struct vscsi_parse_error *err, const char *text, size_t pos, int code,
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
static inline void sanitize(char *dst, size_t size, const char *s, size_t len)
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

static inline void sb_putn(struct sbuf *b, const char *s, size_t n)
{
    if (b->size && b->len < b->size - 1) {
        size_t room = b->size - 1 - b->len;

        memcpy(b->buf + b->len, s, n < room ? n : room);
    }
    b->len += n;
}

static inline void sb_puts(struct sbuf *b, const char *s)
{
    sb_putn(b, s, strlen(s));
}

static inline void sb_putu(struct sbuf *b, uint32_t v)
{
    char tmp[10];
    size_t i = sizeof(tmp);

    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    sb_putn(b, tmp + i, sizeof(tmp) - i);
}

static inline int sb_finish(struct sbuf *b)
{
    if (b->size)
        b->buf[b->len < b->size - 1 ? b->len : b->size - 1] = '\0';
    return b->len > INT_MAX ? -EOVERFLOW : (int)b->len;
}

/* Never leave a half-written string behind an error return. */
static inline int sb_fail(struct sbuf *b, int rc)
{
    if (b->size)
        b->buf[0] = '\0';
    return rc;
}

/* ---- character classes (ASCII only, locale-independent) ----------------- */

static inline bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static inline bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool is_xdigit(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static inline bool is_alias_char(char c)
{
    return is_alpha(c) || is_digit(c) || c == '_' || c == '.' || c == '-';
}

static inline bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

#endif
