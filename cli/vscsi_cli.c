/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vscsi_cli.h"
#include "vscsiif/version.h"

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hex_val(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Hand-rolled rather than strtoull: strtoull skips blanks, accepts a sign
 * ("-1" is UINT64_MAX) and reads 010 as octal. */
int vscsi_cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    unsigned base = 10;
    uint64_t v = 0;
    int range = 0;

    if (!s || !*s)
        return -EINVAL;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
        if (!*s)
            return -EINVAL;
    }
    for (; *s; s++) {
        int d = base == 16 ? hex_val(*s) : is_digit(*s) ? *s - '0' : -1;
        if (d < 0)
            return -EINVAL;
        if (v > (UINT64_MAX - (unsigned)d) / base)
            range = 1; /* keep scanning: "99999999999999999999x" is not a number at all */
        else
            v = v * base + (unsigned)d;
    }
    if (range || v < min || v > max)
        return -ERANGE;
    *out = v;
    return 0;
}

int vscsi_cli_parse_double(const char *s, double min, double max, double *out)
{
    char *end;
    double v;

    if (!s || !*s)
        return -EINVAL;
    /* Only digits, one sign, '.', and an exponent: strtod also takes "nan", "inf", " 1" and 0x1p3.
     */
    for (const char *p = s; *p; p++)
        if (!is_digit(*p) && !strchr("+-.eE", *p))
            return -EINVAL;
    errno = 0;
    v = strtod(s, &end);
    if (*end || end == s)
        return -EINVAL;
    if (errno == ERANGE || !isfinite(v) || v < min || v > max)
        return -ERANGE;
    *out = v;
    return 0;
}

static int refuse(const char *prog, const char *opt, const char *s, int rc, const char *range)
{
    if (rc == -ERANGE)
        return vscsi_cli_usage_error(prog, "%s: '%s' out of range %s", opt, s, range);
    return vscsi_cli_usage_error(prog, "%s: '%s' is not a number", opt, s ? s : "");
}

int vscsi_cli_u64(const char *prog, const char *opt, const char *s, uint64_t min, uint64_t max,
                  uint64_t *out)
{
    int rc = vscsi_cli_parse_u64(s, min, max, out);
    char range[48];

    if (rc == 0)
        return 0;
    snprintf(range, sizeof(range), "%llu..%llu", (unsigned long long)min, (unsigned long long)max);
    return refuse(prog, opt, s, rc, range);
}

int vscsi_cli_uint(const char *prog, const char *opt, const char *s, unsigned min, unsigned max,
                   unsigned *out)
{
    uint64_t v;
    int rc = vscsi_cli_u64(prog, opt, s, min, max, &v);

    if (rc == 0)
        *out = (unsigned)v;
    return rc;
}

int vscsi_cli_double(const char *prog, const char *opt, const char *s, double min, double max,
                     double *out)
{
    int rc = vscsi_cli_parse_double(s, min, max, out);
    char range[64];

    if (rc == 0)
        return 0;
    snprintf(range, sizeof(range), "%g..%g", min, max);
    return refuse(prog, opt, s, rc, range);
}

int vscsi_cli_usage_error(const char *prog, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: ", prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help'.\n", prog);
    return VSCSI_EXIT_USAGE;
}

int vscsi_cli_bad_option(const char *prog)
{
    fprintf(stderr, "Try '%s --help'.\n", prog);
    return VSCSI_EXIT_USAGE;
}

int vscsi_cli_version(const char *prog)
{
    printf("%s (libvscsiif) %d.%d.%d\n", prog, VSCSI_VERSION_MAJOR, VSCSI_VERSION_MINOR,
           VSCSI_VERSION_PATCH);
    return VSCSI_EXIT_OK;
}

void vscsi_cli_exit_help(FILE *f)
{
    fputs("exit status: 0 ok, 1 the work failed, 2 the command line was refused\n", f);
}
