/* SPDX-License-Identifier: MIT */
/*
 * What every vscsi-* tool shares on its command line: exit codes, one checked
 * number parser, the usage-error and --version lines. A command line is
 * hostile input like a ring slot: each value is parsed whole, range-checked,
 * and a refusal names the option and the value.
 */
#ifndef VSCSI_CLI_H
#define VSCSI_CLI_H

#include <stdint.h>
#include <stdio.h>

#define VSCSI_EXIT_OK    0 /* done */
#define VSCSI_EXIT_FAIL  1 /* the arguments were fine, the work failed */
#define VSCSI_EXIT_USAGE 2 /* the arguments were refused; nothing was opened */

/* Unsigned integer: decimal, or hex with 0x/0X; no sign, no blanks, no
 * suffix, no octal (010 is ten). 0 or -EINVAL (not a number) / -ERANGE
 * (outside min..max). */
int vscsi_cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Finite decimal number (strtod syntax without hex floats, nan or inf), in min..max. */
int vscsi_cli_parse_double(const char *s, double min, double max, double *out);

/* The same, printing "PROG: OPT: 'S' is not a number" or "... out of range MIN..MAX" to stderr
 * on refusal. OPT names the option or operand ("--qd", "LBA"). 0 or VSCSI_EXIT_USAGE. */
int vscsi_cli_u64(const char *prog, const char *opt, const char *s, uint64_t min, uint64_t max,
                  uint64_t *out);
int vscsi_cli_uint(const char *prog, const char *opt, const char *s, unsigned min, unsigned max,
                   unsigned *out);
int vscsi_cli_double(const char *prog, const char *opt, const char *s, double min, double max,
                     double *out);

/* "PROG: <message>\nTry 'PROG --help'.\n" on stderr; returns VSCSI_EXIT_USAGE. */
int vscsi_cli_usage_error(const char *prog, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* An option getopt refused (it already said why): the hint line; returns VSCSI_EXIT_USAGE. */
int vscsi_cli_bad_option(const char *prog);
/* "PROG (libvscsiif) X.Y.Z" on stdout; returns VSCSI_EXIT_OK. */
int vscsi_cli_version(const char *prog);
/* The exit-status paragraph every --help ends with. */
void vscsi_cli_exit_help(FILE *f);

#endif
