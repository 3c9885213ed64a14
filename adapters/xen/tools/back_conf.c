/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "back_conf.h"
#include "vscsi_cli.h"
#include "vscsiif/wire.h"

const struct back_opt back_opts[] = {
    {"fake", "LIST", "fake LUNs, e.g. disk,tape,changer; entry i is p-dev vscsi_fake:i"},
    {"fake-disk-mb", "N", "size of each fake disk, 1-1048576 (default 64)"},
    {"fake-dir", "DIR", "back fake disks by DIR/disk<i>.img instead of memory"},
    {"fake-tape", "OPTS",
     "fake tapes and changer: capacity=2G,serial=S,barcodes=T1:T2,slots=N,dir=DIR,...\n"
     "                         (vscsi-sim --help lists every key)"},
    {"sg", NULL, "SG_IO passthrough for any other p-dev: h:c:t:l or /dev/sgN"},
    {"sg-timeout", "SEC", "SG_IO timeout, 1-86400 (default 60)"},
    {"sg-op-timeout", "OP=SEC[,...]",
     "per-opcode SG_IO timeouts, over the device's own\n"
     "                         (RSOC) and the tape/changer defaults, e.g. 0x19=36000"},
    {"max-segs", "N", "feature-sg-grant to offer (0 or 26..13312, default 128)"},
    {"map", NULL, "map the guest's data pages instead of grant-copying them"},
    {"trace", NULL, "log every request, response and state change"},
    {"log", "WHERE", "stderr or syslog (default stderr; the journal under systemd)"},
    {"log-level", "LEVEL", "err, warning, notice, info (default) or debug"},
    {"max-vhosts", "N", "vhosts served at once, 1-256 (default 64)"},
    {"drain-timeout", "SEC", "on SIGTERM wait this long for commands in flight, 0-3600 (5)"},
    {"domains-dir", "DIR", "persistent attachments: DIR/<domain name>.cfg (default off)"},
    {"attach-backend", "DOMID", "backend domain the attachments name (default this one)"},
};
const unsigned back_nopts = sizeof(back_opts) / sizeof(back_opts[0]);

void back_conf_init(struct back_conf *c)
{
    memset(c, 0, sizeof(*c));
    c->disk_mb = 64;
    c->sg_timeout_s = 60;
    c->max_segs = 128;
    c->log_target = BACK_LOG_STDERR;
    c->log_level = LOG_INFO;
    c->max_vhosts = 64;
    c->drain_s = 5;
}

static int bad(char *msg, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *msg, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

static int num(const char *name, const char *v, unsigned min, unsigned max, unsigned *out,
               char *msg, size_t len)
{
    uint64_t x;
    int rc = vscsi_cli_parse_u64(v, min, max, &x);
    if (rc == -ERANGE)
        return bad(msg, len, "%s: '%s' out of range %u..%u", name, v, min, max);
    if (rc)
        return bad(msg, len, "%s: '%s' is not a number", name, v);
    *out = (unsigned)x;
    return 0;
}

static int flag(const char *name, const char *v, int *out, char *msg, size_t len)
{
    if (!v || !strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
        *out = 1;
    else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
        *out = 0;
    else
        return bad(msg, len, "%s: '%s' is not yes/no", name, v);
    return 0;
}

static int fake_list(const char *list, char *msg, size_t len)
{
    char buf[256], *save = NULL;
    size_t n = strlen(list);
    unsigned k = 0;

    if (n >= sizeof(buf))
        return bad(msg, len, "fake: list too long");
    if (n == 0 || list[0] == ',' || list[n - 1] == ',' || strstr(list, ",,"))
        return bad(msg, len, "fake: '%s' has an empty entry", list);
    memcpy(buf, list, n + 1);
    for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (strcmp(t, "disk") && strcmp(t, "tape") && strcmp(t, "changer"))
            return bad(msg, len, "fake: unknown kind '%s' (disk, tape, changer)", t);
        if (++k > BACK_MAX_FAKE)
            return bad(msg, len, "fake: more than %d LUNs", BACK_MAX_FAKE);
    }
    return 0;
}

static int dir_ok(const char *name, const char *dir, int writable, char *msg, size_t len)
{
    struct stat st;

    if (strlen(dir) >= sizeof(((struct back_conf *)0)->fake_dir))
        return bad(msg, len, "%s: path too long", name);
    if (dir[0] != '/')
        return bad(msg, len, "%s: %s: not an absolute path", name, dir);
    if (stat(dir, &st) != 0)
        return bad(msg, len, "%s: %s: %s", name, dir, strerror(errno));
    if (!S_ISDIR(st.st_mode))
        return bad(msg, len, "%s: %s: not a directory", name, dir);
    if (access(dir, writable ? W_OK | X_OK : R_OK | X_OK) != 0)
        return bad(msg, len, "%s: %s: %s", name, dir, strerror(errno));
    return 0;
}

int back_conf_set(struct back_conf *c, const char *name, const char *v, char *msg, size_t len)
{
    const struct back_opt *o = NULL;
    int rc;

    for (unsigned i = 0; i < back_nopts && !o; i++)
        if (strcmp(back_opts[i].name, name) == 0)
            o = &back_opts[i];
    if (!o)
        return -ENOENT;
    if (o->arg && !v)
        return bad(msg, len, "%s: needs a value", name);
    if (!strcmp(name, "fake")) {
        if ((rc = fake_list(v, msg, len)))
            return rc;
        snprintf(c->fake, sizeof(c->fake), "%s", v);
    } else if (!strcmp(name, "fake-disk-mb")) {
        if ((rc = num(name, v, 1, BACK_MAX_DISK_MB, &c->disk_mb, msg, len)))
            return rc;
        c->have_mb = 1;
    } else if (!strcmp(name, "fake-dir")) {
        /* A relative path would change meaning once daemon() changes to /. */
        if (v[0] != '/') {
            char cwd[512];
            if (!getcwd(cwd, sizeof(cwd)) || strlen(cwd) + strlen(v) + 2 > sizeof(c->fake_dir))
                return bad(msg, len, "%s: path too long", name);
            char abs[1100];
            snprintf(abs, sizeof(abs), "%s/%s", cwd, v);
            if ((rc = dir_ok(name, abs, 1, msg, len)))
                return rc;
            memcpy(c->fake_dir, abs, strlen(abs) + 1); /* fits: checked above */
        } else {
            if ((rc = dir_ok(name, v, 1, msg, len)))
                return rc;
            snprintf(c->fake_dir, sizeof(c->fake_dir), "%s", v);
        }
    } else if (!strcmp(name, "fake-tape") || !strcmp(name, "sg-op-timeout")) {
        char *dst = name[0] == 'f' ? c->fake_tape : c->sg_op_timeout;
        if (strlen(v) >= sizeof(c->fake_tape))
            return bad(msg, len, "%s: value too long", name);
        memcpy(dst, v, strlen(v) + 1); /* its syntax is checked where it is used */
    } else if (!strcmp(name, "sg")) {
        return flag(name, v, &c->sg, msg, len);
    } else if (!strcmp(name, "sg-timeout")) {
        return num(name, v, 1, 86400, &c->sg_timeout_s, msg, len);
    } else if (!strcmp(name, "max-segs")) {
        unsigned m;
        /* What vscsi_back_new() accepts: refused here, not when the first guest connects. */
        if ((rc = num(name, v, 0, VSCSI_MAX_INDIRECT_SEGS, &m, msg, len)))
            return rc;
        if (m && m < VSCSI_SG_TABLESIZE)
            return bad(msg, len, "%s: '%s' out of range (0 or %u..%u)", name, v, VSCSI_SG_TABLESIZE,
                       (unsigned)VSCSI_MAX_INDIRECT_SEGS);
        c->max_segs = m;
    } else if (!strcmp(name, "map")) {
        return flag(name, v, &c->map_mode, msg, len);
    } else if (!strcmp(name, "trace")) {
        return flag(name, v, &c->trace, msg, len);
    } else if (!strcmp(name, "log")) {
        if (!strcmp(v, "stderr"))
            c->log_target = BACK_LOG_STDERR;
        else if (!strcmp(v, "syslog"))
            c->log_target = BACK_LOG_SYSLOG;
        else
            return bad(msg, len, "%s: '%s' is not stderr or syslog", name, v);
    } else if (!strcmp(name, "log-level")) {
        static const struct {
            const char *n;
            int l;
        } lv[] = {{"err", LOG_ERR},
                  {"warning", LOG_WARNING},
                  {"notice", LOG_NOTICE},
                  {"info", LOG_INFO},
                  {"debug", LOG_DEBUG}};
        for (unsigned i = 0; i < sizeof(lv) / sizeof(lv[0]); i++)
            if (!strcmp(v, lv[i].n)) {
                c->log_level = lv[i].l;
                return 0;
            }
        return bad(msg, len, "%s: '%s' is not err, warning, notice, info or debug", name, v);
    } else if (!strcmp(name, "max-vhosts")) {
        return num(name, v, 1, BACK_MAX_VHOSTS, &c->max_vhosts, msg, len);
    } else if (!strcmp(name, "drain-timeout")) {
        return num(name, v, 0, 3600, &c->drain_s, msg, len);
    } else if (!strcmp(name, "domains-dir")) {
        if (v[0] == '\0') {
            c->domains_dir[0] = '\0';
            return 0;
        }
        if ((rc = dir_ok(name, v, 0, msg, len)))
            return rc;
        snprintf(c->domains_dir, sizeof(c->domains_dir), "%s", v);
    } else if (!strcmp(name, "attach-backend")) {
        if ((rc = num(name, v, 0, 0x7fef, &c->attach_backend, msg, len)))
            return rc;
        c->have_attach_backend = 1;
    }
    return 0;
}

int back_conf_check(const struct back_conf *c, const char *dash, char *msg, size_t len)
{
    if (!c->fake[0] && (c->fake_dir[0] || c->have_mb || c->fake_tape[0]))
        return bad(msg, len, "%s%s needs %sfake", dash,
                   c->fake_dir[0] ? "fake-dir"
                   : c->have_mb   ? "fake-disk-mb"
                                  : "fake-tape",
                   dash);
    return 0;
}

static char *trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
        *--e = '\0';
    return s;
}

int back_conf_parse(struct back_conf *out, const char *text, char *msg, size_t len)
{
    struct back_conf c = *out;
    char line[1024], why[512];
    unsigned lineno = 0;
    int rc;

    for (const char *p = text; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        lineno++;
        if (n >= sizeof(line))
            return bad(msg, len, "line %u: longer than %zu characters", lineno, sizeof(line) - 1);
        memcpy(line, p, n);
        line[n] = '\0';
        p += n + (nl ? 1 : 0);
        char *s = trim(line);
        if (*s == '\0' || *s == '#')
            continue;
        char *eq = strchr(s, '=');
        if (!eq)
            return bad(msg, len, "line %u: expected 'name = value'", lineno);
        *eq = '\0';
        char *name = trim(s), *val = trim(eq + 1);
        if (*name == '\0')
            return bad(msg, len, "line %u: no name before '='", lineno);
        rc = back_conf_set(&c, name, val, why, sizeof(why));
        if (rc == -ENOENT)
            return bad(msg, len, "line %u: unknown setting '%s'", lineno, name);
        if (rc)
            return bad(msg, len, "line %u: %s", lineno, why);
    }
    *out = c;
    return 0;
}

int back_conf_load(struct back_conf *c, const char *path, char *msg, size_t len)
{
    FILE *f = fopen(path, "r");
    char *buf;
    size_t n;
    int rc;

    if (!f) {
        rc = -errno;
        snprintf(msg, len, "%s: %s", path, strerror(errno));
        return rc;
    }
    /* A config file is small; a huge one is a mistake, not something to page through. */
    buf = malloc(65537);
    if (!buf) {
        fclose(f);
        return bad(msg, len, "%s: out of memory", path);
    }
    n = fread(buf, 1, 65537, f);
    fclose(f);
    if (n > 65536) {
        free(buf);
        return bad(msg, len, "%s: larger than 64 KiB", path);
    }
    buf[n] = '\0';
    if (strlen(buf) != n) {
        free(buf);
        return bad(msg, len, "%s: contains a NUL byte", path);
    }
    char why[600];
    rc = back_conf_parse(c, buf, why, sizeof(why));
    free(buf);
    if (rc)
        snprintf(msg, len, "%s:%s%s", path, strncmp(why, "line ", 5) ? " " : "",
                 strncmp(why, "line ", 5) ? why : why + 5);
    return rc;
}
