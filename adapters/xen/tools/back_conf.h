/* SPDX-License-Identifier: MIT */
/*
 * vscsi-back's settings: one table serves the command line and the config file
 * (/etc/vscsiif/vscsi-back.conf), so an option is added in one place and is then
 * both `--name VALUE` and `name = VALUE`. Everything is validated here, before
 * anything is opened; the daemon only reads a struct that passed.
 */
#ifndef VSCSI_BACK_CONF_H
#define VSCSI_BACK_CONF_H

#include <stddef.h>

#define BACK_CONF_DEFAULT "/etc/vscsiif/vscsi-back.conf"
#define BACK_MAX_FAKE     16
#define BACK_MAX_VHOSTS   256
#define BACK_MAX_DISK_MB  (1u << 20) /* 1 TiB per fake disk */

enum back_log_target { BACK_LOG_STDERR, BACK_LOG_SYSLOG };

struct back_conf {
    char fake[256]; /* "" = no fake target */
    unsigned disk_mb;
    int have_mb;
    char fake_dir[512];
    char fake_tape[512];     /* vscsi_tgt_media_config_parse() syntax; checked by vscsi-back */
    char sg_op_timeout[512]; /* "OP=SEC[,...]"; checked by vscsi-back (vscsi_sg_set_timeouts) */
    int sg;
    unsigned sg_timeout_s;
    unsigned max_segs;
    int map_mode;
    int trace;
    enum back_log_target log_target;
    int log_level; /* syslog priority: LOG_ERR..LOG_DEBUG */
    unsigned max_vhosts;
    unsigned drain_s;        /* SIGTERM: how long to wait for in-flight commands */
    char domains_dir[512];   /* persistent attachments: <dir>/<domain name>.cfg; "" = off */
    unsigned attach_backend; /* backend domain the attachments name */
    int have_attach_backend; /* else: this domain */
};

/* The defaults (as documented in vscsi-back(1)). */
void back_conf_init(struct back_conf *c);

/* One setting by its name ("max-segs"). val is NULL for a flag given on the command
 * line; in a file a flag takes yes/no/true/false/1/0. 0, -ENOENT (no such setting),
 * -EINVAL (bad value, why in msg: "max-segs: '5' out of range ..."). */
int back_conf_set(struct back_conf *c, const char *name, const char *val, char *msg, size_t len);

/* Settings that depend on each other (fake-dir needs fake): 0 or -EINVAL with msg, which
 * names the settings with the prefix dash ("--" for the command line, "" in a file). */
int back_conf_check(const struct back_conf *c, const char *dash, char *msg, size_t len);

/* A config file's text: `name = value` lines, `#` comments, blank lines. Applied to
 * *c only when the whole text is good; otherwise *c is untouched and msg says
 * "line N: why". Cross-setting rules are the caller's (back_conf_check on the result
 * with the command line applied). */
int back_conf_parse(struct back_conf *c, const char *text, char *msg, size_t len);
/* The same from a file (msg "PATH:N: why" or "PATH: strerror"). -ENOENT when the file is
 * missing (the caller decides whether that is fine), -EINVAL on a bad file. */
int back_conf_load(struct back_conf *c, const char *path, char *msg, size_t len);

/* The settings for getopt: name, whether it takes a value, help text. */
struct back_opt {
    const char *name;
    const char *arg; /* NULL: a flag */
    const char *help;
};
extern const struct back_opt back_opts[];
extern const unsigned back_nopts;

#endif
