/* SPDX-License-Identifier: MIT */
/*
 * vscsi-front: a userspace PVSCSI frontend (scsifront) for a guest. It
 * connects to its own domain's device/vscsi/<vhost>, runs SCSI commands
 * against one LUN, prints the results, and disconnects. Several commands
 * separated by "," share one connection.
 *
 * The guest must not have the kernel's xen-scsifront bound to that vhost.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools.h"
#include "vscsi_cli.h"
#include "vscsiif/front.h"
#include "vscsiif/scsi.h"
#include "vscsiif/wire.h"

#define CHUNK (64u * 1024u) /* per command: 16 pages, always direct segments */
/* raw: one command as large as the protocol can describe (indirect segments,
 * as many as --max-segs and the backend's feature-sg-grant allow). */
#define RAW_MAX  ((uint64_t)VSCSI_MAX_INDIRECT_SEGS * VSCSI_PAGE_SIZE)
#define PROG     "vscsi-front"
#define MAX_CMDS 64

static struct {
    struct vscsi_xen *x;
    struct vscsi_front *f;
    int have_lun, want_lun;
    struct vscsi_nexus nx, want;
    unsigned timeout_ms;
    unsigned max_segs; /* vscsi_front_config.max_segs: 0 = the engine's default (128) */
    int verbose;
    /* the command in flight */
    int done;
    struct vscsi_result res;
    size_t bytes;
    uint32_t block_size;
    uint64_t blocks;
} g = {.timeout_ms = 30000};

static void on_done(void *cb_ctx, void *user, const struct vscsi_result *res, size_t bytes)
{
    (void)cb_ctx;
    (void)user;
    g.res = *res;
    g.bytes = bytes;
    g.done = 1;
}

static void on_lun(void *cb_ctx, const char *devname, uint32_t host, const struct vscsi_nexus *nx,
                   int added)
{
    (void)cb_ctx;
    if (g.verbose)
        fprintf(stderr, "vscsi-front: LUN %s %u:%u:%u:%u %s\n", devname, (unsigned)host,
                nx->channel, nx->id, nx->lun, added ? "added" : "removed");
    if (added && !g.have_lun &&
        (!g.want_lun ||
         (nx->channel == g.want.channel && nx->id == g.want.id && nx->lun == g.want.lun))) {
        g.nx = *nx;
        g.have_lun = 1;
    }
    if (!added && g.have_lun && nx->channel == g.nx.channel && nx->id == g.nx.id &&
        nx->lun == g.nx.lun)
        g.have_lun = 0;
}

/* One turn of the event loop: at most wait_ms of sleep. */
static void pump(int wait_ms)
{
    struct pollfd p[2] = {{vscsi_xen_xs_fd(g.x), POLLIN, 0}, {vscsi_xen_evtchn_fd(g.x), POLLIN, 0}};
    char path[VSCSI_XB_PATH_MAX + 1], token[128];
    uint32_t port;
    int rc;

    poll(p, 2, wait_ms);
    while ((rc = vscsi_xen_next_watch(g.x, path, sizeof(path), token, sizeof(token))) != -EAGAIN)
        if (rc == 0)
            vscsi_front_handle_watch(g.f, path, token);
        else if (rc != -E2BIG)
            break;
    while (vscsi_xen_next_port(g.x, &port) == 0)
        if (port == vscsi_front_port(g.f))
            vscsi_front_handle_event(g.f);
    vscsi_front_tick(g.f, vscsi_tool_now_ms());
}

static int run(const uint8_t *cdb, uint8_t len, uint8_t dir, void *buf, size_t n)
{
    struct vscsi_front_io io = {g.nx, cdb, len, dir, buf, n, 0};
    uint64_t end = vscsi_tool_now_ms() + g.timeout_ms;
    int rc;

    for (;;) {
        rc = vscsi_front_submit(g.f, &io, NULL);
        if (rc != -EAGAIN)
            break;
        pump(10);
    }
    if (rc < 0) {
        fprintf(stderr, "vscsi-front: submit: %s\n", strerror(-rc));
        return rc;
    }
    g.done = 0;
    while (!g.done) {
        if (vscsi_tool_now_ms() > end) {
            fprintf(stderr, "vscsi-front: no response in %u ms\n", g.timeout_ms);
            return -ETIMEDOUT;
        }
        pump(100);
    }
    if (!vscsi_result_ok(&g.res)) {
        fprintf(stderr, "vscsi-front: command %02x: host %s status 0x%02x", cdb[0],
                vscsi_host_str(g.res.host), g.res.status);
        if (g.res.sense_len >= 14)
            fprintf(stderr, " sense key 0x%x asc 0x%02x ascq 0x%02x", g.res.sense[2] & 0xf,
                    g.res.sense[12], g.res.sense[13]);
        fputc('\n', stderr);
        return -EIO;
    }
    return 0;
}

static void hexdump(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i += 16) {
        printf("%04zx:", i);
        for (size_t j = i; j < i + 16; j++)
            j < n ? printf(" %02x", p[j]) : printf("   ");
        printf("  ");
        for (size_t j = i; j < i + 16 && j < n; j++)
            putchar(p[j] >= 32 && p[j] < 127 ? p[j] : '.');
        putchar('\n');
    }
}

static uint64_t get_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static int cmd_inquiry(void)
{
    uint8_t cdb[6] = {VSCSI_OP_INQUIRY, 0, 0, 0, 96, 0}, d[96] = {0};
    int rc = run(cdb, 6, VSCSI_DIR_FROM_DEVICE, d, sizeof(d));
    if (rc)
        return rc;
    printf("inquiry: type 0x%02x vendor '%.8s' product '%.16s' revision '%.4s' version 0x%02x\n",
           d[0] & 0x1f, (char *)d + 8, (char *)d + 16, (char *)d + 32, d[2]);
    return 0;
}

static int capacity(int print)
{
    uint8_t c10[10] = {VSCSI_OP_READ_CAPACITY_10}, d[32] = {0};
    int rc = run(c10, 10, VSCSI_DIR_FROM_DEVICE, d, 8);
    if (rc)
        return rc;
    g.blocks = get_be(d, 4) + 1;
    g.block_size = (uint32_t)get_be(d + 4, 4);
    if (get_be(d, 4) == 0xffffffffu) {
        uint8_t c16[16];
        vscsi_cdb_read_capacity16(c16, 32);
        if ((rc = run(c16, 16, VSCSI_DIR_FROM_DEVICE, d, 32)))
            return rc;
        g.blocks = get_be(d, 8) + 1;
        g.block_size = (uint32_t)get_be(d + 8, 4);
    }
    if (!g.block_size || g.block_size > CHUNK) {
        fprintf(stderr, "vscsi-front: unusable block size %u\n", g.block_size);
        return -EIO;
    }
    if (print)
        printf("readcap: blocks %llu block-size %u bytes %llu\n", (unsigned long long)g.blocks,
               g.block_size, (unsigned long long)g.blocks * g.block_size);
    return 0;
}

static void rw_cdb(uint8_t *cdb, uint8_t *len, int write, uint64_t lba, uint32_t n)
{
    memset(cdb, 0, 16);
    if (lba + n > 0xffffffffull || n > 0xffff)
        *len = (uint8_t)vscsi_cdb_rw16(cdb, write ? VSCSI_OP_WRITE_16 : VSCSI_OP_READ_16, lba, n);
    else
        *len = (uint8_t)vscsi_cdb_rw10(cdb, write ? VSCSI_OP_WRITE_10 : VSCSI_OP_READ_10,
                                       (uint32_t)lba, (uint16_t)n);
}

/* read/write in CHUNK pieces so every command fits in direct segments. */
static int cmd_rw(int is_write, uint64_t lba, uint64_t n, const char *file)
{
    uint8_t cdb[16], len, *buf;
    int fd = -1, rc = 0;
    int dump = !is_write && !file;

    if ((rc = capacity(0)))
        return rc;
    if (lba >= g.blocks || n > g.blocks - lba) {
        fprintf(stderr, "vscsi-front: LBA range beyond the %llu blocks\n",
                (unsigned long long)g.blocks);
        return -EINVAL;
    }
    if (file && (fd = is_write ? open(file, O_RDONLY)
                               : open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
        perror(file);
        return -errno;
    }
    buf = malloc(CHUNK);
    uint32_t per = CHUNK / g.block_size;
    for (uint64_t done = 0; done < n && !rc && buf; done += per) {
        uint32_t k = (uint32_t)(n - done < per ? n - done : per);
        size_t bytes = (size_t)k * g.block_size;
        memset(buf, 0, bytes);
        if (is_write && fd >= 0 && read(fd, buf, bytes) < 0) /* short file: zero padded */
            rc = -errno;
        rw_cdb(cdb, &len, is_write, lba + done, k);
        if (!rc)
            rc = run(cdb, len, is_write ? VSCSI_DIR_TO_DEVICE : VSCSI_DIR_FROM_DEVICE, buf, bytes);
        if (!rc && !is_write) {
            if (dump)
                hexdump(buf, bytes > 512 ? 512 : bytes); /* a look, not a copy: use FILE for that */
            else if (fd >= 0 && (size_t)write(fd, buf, bytes) != bytes)
                rc = -EIO;
        }
    }
    if (!buf)
        rc = -ENOMEM;
    free(buf);
    if (fd >= 0)
        close(fd);
    if (!rc)
        printf("%s: lba %llu blocks %llu ok\n", is_write ? "write" : "read",
               (unsigned long long)lba, (unsigned long long)n);
    return rc;
}

static int cmd_raw(const uint8_t *cdb, uint8_t cdb_len, size_t in, const char *out_file,
                   const char *save)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    uint8_t dir = VSCSI_DIR_NONE;
    int rc;

    if (out_file) {
        FILE *f = fopen(out_file, "rb");
        if (!f) {
            rc = -errno;
            fprintf(stderr, PROG ": %s: %s\n", out_file, strerror(-rc));
            return rc;
        }
        /* One byte more than a command can carry tells a file too large from one that fits. */
        buf = malloc((size_t)RAW_MAX + 1);
        len = buf ? fread(buf, 1, (size_t)RAW_MAX + 1, f) : 0;
        fclose(f);
        if (len > RAW_MAX) {
            fprintf(stderr, PROG ": %s: more than %llu bytes, one command cannot carry it\n",
                    out_file, (unsigned long long)RAW_MAX);
            free(buf);
            return -E2BIG;
        }
        dir = VSCSI_DIR_TO_DEVICE;
    } else if (in) {
        buf = calloc(1, in);
        len = in;
        dir = VSCSI_DIR_FROM_DEVICE;
    }
    if (dir != VSCSI_DIR_NONE && !buf)
        return -ENOMEM;
    rc = run(cdb, cdb_len, dir, buf, len);
    if (!rc) {
        printf("raw: status 0x%02x residual %u\n", g.res.status, g.res.residual);
        if (dir == VSCSI_DIR_FROM_DEVICE) {
            size_t got = len - g.res.residual;
            if (save) {
                FILE *f = fopen(save, "wb");
                if (!f || fwrite(buf, 1, got, f) != got) {
                    fprintf(stderr, PROG ": %s: %s\n", save, strerror(errno));
                    rc = -EIO;
                }
                if (f)
                    fclose(f);
            } else {
                hexdump(buf, got);
            }
        }
    }
    free(buf);
    return rc;
}

static int cmd_randread(double seconds)
{
    uint64_t x = 88172645463325252ull, n = 0; /* same sequence as the live test's randread */
    uint8_t cdb[16], len, *buf = malloc(4096);
    int rc = capacity(0);

    if (!rc && g.block_size > 4096)
        rc = -EINVAL;
    uint64_t pages = g.blocks / (4096 / (g.block_size ? g.block_size : 512));
    uint64_t t0 = vscsi_tool_now_ms(), end = t0 + (uint64_t)(seconds * 1000);
    while (!rc && buf && pages && vscsi_tool_now_ms() < end) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        uint32_t per = 4096 / g.block_size;
        rw_cdb(cdb, &len, 0, (x % pages) * per, per);
        rc = run(cdb, len, VSCSI_DIR_FROM_DEVICE, buf, 4096);
        n++;
    }
    free(buf);
    if (rc)
        return rc;
    double t = (double)(vscsi_tool_now_ms() - t0) / 1000.0;
    printf("randread: IOPS %.0f reads %llu seconds %.2f\n", t > 0 ? (double)n / t : 0.0,
           (unsigned long long)n, t);
    return 0;
}

static void usage(FILE *f)
{
    fputs("usage: vscsi-front [options] COMMAND [, COMMAND ...]\n"
          "Userspace PVSCSI frontend: connects to device/vscsi/<vhost> of this domain.\n"
          "commands:\n"
          "  inquiry                      standard INQUIRY\n"
          "  readcap                      READ CAPACITY (10, then 16 if needed)\n"
          "  read LBA N [--save FILE]     read N blocks (hexdump of the first 512 bytes, or FILE)\n"
          "  write LBA N FILE             write N blocks from FILE (zero padded)\n"
          "  raw HEXCDB [--in N [--save FILE] | --out FILE]\n"
          "                               any CDB in one command; --in: N bytes data-in, --out:\n"
          "                               data-out from FILE (up to 52 MiB, see --max-segs)\n"
          "  randread --seconds S         4 KiB random reads, queue depth 1; prints IOPS\n"
          "options:\n"
          "  --vhost N        vhost (device/vscsi/N), default 0\n"
          "  --lun C:T:L      LUN to talk to (default: the first the backend offers)\n"
          "  --timeout SEC    bound on connecting and on each command, 1-3600 (default 30)\n"
          "  --max-segs N     data pages per command to use, 26-13312 (default 128): raw beyond\n"
          "                   N x 4 KiB, or beyond the backend's feature-sg-grant, is refused\n"
          "  --verbose\n"
          "  --version\n"
          "  -h, --help\n"
          "Numbers are decimal or 0x hex. Every command is checked before Xen is opened.\n"
          "The kernel's xen-scsifront must not be bound to that vhost.\n",
          f);
    vscsi_cli_exit_help(f);
}

enum fcmd_kind { FC_INQUIRY, FC_READCAP, FC_READ, FC_WRITE, FC_RAW, FC_RANDREAD };

/* One command, checked in full before anything is opened. */
struct fcmd {
    enum fcmd_kind kind;
    uint64_t lba, n;
    const char *file, *save, *out;
    size_t in;
    double secs;
    uint8_t cdb[16], cdb_len;
};

static int parse_hex_cdb(const char *hex, struct fcmd *c)
{
    size_t n = strlen(hex);

    if (n % 2 || n / 2 < 6 || n / 2 > 16)
        return vscsi_cli_usage_error(PROG, "raw: CDB '%s' must be 6..16 bytes of hex", hex);
    for (size_t i = 0; i < n; i++)
        if (!strchr("0123456789abcdefABCDEF", hex[i]))
            return vscsi_cli_usage_error(PROG, "raw: CDB '%s' is not hex", hex);
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        c->cdb[i] = (uint8_t)v;
    }
    c->cdb_len = (uint8_t)(n / 2);
    return 0;
}

/* A command word's own flag and its value; 1 when argv[*i] was one. */
static int take_flag(char **argv, int argc, int *i, const char *flag, const char **val, int *err)
{
    if (strcmp(argv[*i], flag) != 0)
        return 0;
    if (*i + 1 >= argc || strcmp(argv[*i + 1], ",") == 0)
        *err = vscsi_cli_usage_error(PROG, "%s needs a value", flag);
    else
        *val = argv[++*i];
    return 1;
}

/* One command from argv[i..] up to "," or the end into c; the index after it, or -1 after
 * printing why the command is refused. */
static int parse_command(int argc, char **argv, int i, struct fcmd *c)
{
    const char *cmd = argv[i++];
    const char *save = NULL, *out = NULL, *in = NULL, *secs = NULL;
    char *pos[4];
    int np = 0, err = 0, want;

    memset(c, 0, sizeof(*c));
    c->secs = 5;
    for (; i < argc && strcmp(argv[i], ",") != 0 && !err; i++) {
        if (take_flag(argv, argc, &i, "--save", &save, &err) ||
            take_flag(argv, argc, &i, "--out", &out, &err) ||
            take_flag(argv, argc, &i, "--in", &in, &err) ||
            take_flag(argv, argc, &i, "--seconds", &secs, &err))
            continue;
        if (argv[i][0] == '-' && argv[i][1] == '-') {
            err = vscsi_cli_usage_error(PROG, "%s: unknown option '%s'", cmd, argv[i]);
            break;
        }
        if (np == 4) {
            err = vscsi_cli_usage_error(PROG, "%s: too many arguments", cmd);
            break;
        }
        pos[np++] = argv[i];
    }
    if (err)
        return -1;
    if (!strcmp(cmd, "inquiry"))
        c->kind = FC_INQUIRY, want = 0;
    else if (!strcmp(cmd, "readcap"))
        c->kind = FC_READCAP, want = 0;
    else if (!strcmp(cmd, "read"))
        c->kind = FC_READ, want = 2;
    else if (!strcmp(cmd, "write"))
        c->kind = FC_WRITE, want = 3;
    else if (!strcmp(cmd, "raw"))
        c->kind = FC_RAW, want = 1;
    else if (!strcmp(cmd, "randread"))
        c->kind = FC_RANDREAD, want = 0;
    else {
        vscsi_cli_usage_error(PROG, "unknown command '%s'", cmd);
        return -1;
    }
    if (np != want) {
        vscsi_cli_usage_error(PROG, "%s takes %d argument%s, %d given", cmd, want,
                              want == 1 ? "" : "s", np);
        return -1;
    }
    /* Each flag belongs to certain commands; elsewhere it would be silently ignored. */
    if ((save && c->kind != FC_READ && c->kind != FC_RAW) || ((out || in) && c->kind != FC_RAW) ||
        (secs && c->kind != FC_RANDREAD)) {
        vscsi_cli_usage_error(PROG, "%s: option not valid for this command", cmd);
        return -1;
    }
    if (c->kind == FC_READ || c->kind == FC_WRITE) {
        if (vscsi_cli_u64(PROG, "LBA", pos[0], 0, UINT64_MAX, &c->lba) ||
            vscsi_cli_u64(PROG, "N (blocks)", pos[1], 1, UINT32_MAX, &c->n))
            return -1;
        c->file = c->kind == FC_WRITE ? pos[2] : NULL;
        c->save = save;
    }
    if (c->kind == FC_RAW) {
        uint64_t v = 0;
        if (parse_hex_cdb(pos[0], c))
            return -1;
        if (in && vscsi_cli_u64(PROG, "--in", in, 1, RAW_MAX, &v))
            return -1;
        if (in && out) {
            vscsi_cli_usage_error(PROG, "raw: --in and --out exclude each other");
            return -1;
        }
        if (save && !in) {
            vscsi_cli_usage_error(PROG, "raw: --save needs --in");
            return -1;
        }
        c->in = (size_t)v;
        c->out = out;
        c->save = save;
    }
    if (secs && vscsi_cli_double(PROG, "--seconds", secs, 0.001, 86400, &c->secs))
        return -1;
    return i < argc ? i + 1 : i;
}

static int run_command(const struct fcmd *c)
{
    switch (c->kind) {
    case FC_INQUIRY:
        return cmd_inquiry();
    case FC_READCAP:
        return capacity(1);
    case FC_READ:
        return cmd_rw(0, c->lba, c->n, c->save);
    case FC_WRITE:
        return cmd_rw(1, c->lba, c->n, c->file);
    case FC_RAW:
        return cmd_raw(c->cdb, c->cdb_len, c->in, c->out, c->save);
    case FC_RANDREAD:
        return cmd_randread(c->secs);
    }
    return -EINVAL;
}

/* C:T:L, each 0..65535. */
static int parse_lun(const char *s, struct vscsi_nexus *nx)
{
    char buf[32], *save = NULL, *tok;
    uint64_t v[3];
    int k = 0;

    if (strlen(s) >= sizeof(buf))
        return -1;
    strcpy(buf, s);
    if (!*s || s[0] == ':' || s[strlen(s) - 1] == ':' || strstr(s, "::"))
        return -1;
    for (tok = strtok_r(buf, ":", &save); tok; tok = strtok_r(NULL, ":", &save))
        if (k == 3 || vscsi_cli_parse_u64(tok, 0, 0xffff, &v[k++]))
            return -1;
    if (k != 3)
        return -1;
    *nx = (struct vscsi_nexus){(uint16_t)v[0], (uint16_t)v[1], (uint16_t)v[2]};
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {
        {"vhost", required_argument, NULL, 'v'},   {"lun", required_argument, NULL, 'l'},
        {"timeout", required_argument, NULL, 't'}, {"max-segs", required_argument, NULL, 'S'},
        {"verbose", no_argument, NULL, 'V'},       {"version", no_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    char dev[64];
    uint16_t self;
    static struct fcmd cmds[MAX_CMDS];
    unsigned vhost = 0, tmo_s, ncmds = 0;
    int c, rc = 0;

    setvbuf(stdout, NULL, _IOLBF, 0); /* keep results and diagnostics in order */
    /* '+': stop at the first command word, its own flags are parsed per command */
    while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
        switch (c) {
        case 'v':
            if (vscsi_cli_uint(PROG, "--vhost", optarg, 0, UINT32_MAX, &vhost))
                return VSCSI_EXIT_USAGE;
            break;
        case 'l':
            if (parse_lun(optarg, &g.want))
                return vscsi_cli_usage_error(PROG, "--lun: bad '%s' (C:T:L, each 0-65535)", optarg);
            g.want_lun = 1;
            break;
        case 't':
            if (vscsi_cli_uint(PROG, "--timeout", optarg, 1, 3600, &tmo_s))
                return VSCSI_EXIT_USAGE;
            g.timeout_ms = tmo_s * 1000u;
            break;
        case 'S':
            if (vscsi_cli_uint(PROG, "--max-segs", optarg, VSCSI_SG_TABLESIZE,
                               VSCSI_MAX_INDIRECT_SEGS, &g.max_segs))
                return VSCSI_EXIT_USAGE;
            break;
        case 'V':
            g.verbose = 1;
            break;
        case 'R':
            return vscsi_cli_version(PROG);
        case 'h':
            usage(stdout);
            return VSCSI_EXIT_OK;
        default:
            return vscsi_cli_bad_option(PROG);
        }
    }
    if (optind >= argc)
        return vscsi_cli_usage_error(PROG, "no command given");
    for (int i = optind; i < argc;) {
        if (ncmds == MAX_CMDS)
            return vscsi_cli_usage_error(PROG, "more than %d commands", MAX_CMDS);
        if (strcmp(argv[i], ",") == 0)
            return vscsi_cli_usage_error(PROG, "empty command between ','");
        if ((i = parse_command(argc, argv, i, &cmds[ncmds++])) < 0)
            return VSCSI_EXIT_USAGE;
        if (i == argc && strcmp(argv[i - 1], ",") == 0)
            return vscsi_cli_usage_error(PROG, "empty command after the last ','");
    }
    if ((rc = vscsi_xen_open(VSCSI_XEN_FRONTEND, &g.x))) {
        fprintf(stderr,
                "vscsi-front: cannot open Xen interfaces (/dev/xen/gntalloc, evtchn, xenbus): %s\n",
                strerror(-rc));
        return 1;
    }
    if ((rc = vscsi_xen_ops()->domid(g.x, &self))) {
        fprintf(stderr, "vscsi-front: cannot read own domid: %s\n", strerror(-rc));
        return 1;
    }
    snprintf(dev, sizeof(dev), "/local/domain/%u/device/vscsi/%u", (unsigned)self, (unsigned)vhost);
    struct vscsi_front_config cfg = {.size = sizeof(cfg),
                                     .ops = vscsi_xen_ops(),
                                     .ops_ctx = g.x,
                                     .dev_path = dev,
                                     .done = on_done,
                                     .lun = on_lun,
                                     .max_segs = g.max_segs,
                                     .abort_after_ms = g.timeout_ms};
    if ((rc = vscsi_front_new(&cfg, &g.f)) || (rc = vscsi_front_start(g.f))) {
        fprintf(stderr, "vscsi-front: %s: cannot start: %s\n", dev, strerror(-rc));
        return 1;
    }
    uint64_t end = vscsi_tool_now_ms() + g.timeout_ms;
    while (!(vscsi_front_state(g.f) == VSCSI_XB_CONNECTED && g.have_lun) &&
           vscsi_front_error(g.f) == 0 && vscsi_tool_now_ms() < end)
        pump(100);
    if (!g.have_lun || vscsi_front_state(g.f) != VSCSI_XB_CONNECTED) {
        fprintf(stderr, "vscsi-front: %s: not connected to a LUN (state %s, error %d)\n", dev,
                vscsi_xb_state_str(vscsi_front_state(g.f)), vscsi_front_error(g.f));
        rc = -ENOTCONN;
    } else {
        if (g.verbose)
            fprintf(stderr, "vscsi-front: connected, LUN %u:%u:%u, %u segments\n", g.nx.channel,
                    g.nx.id, g.nx.lun, vscsi_front_max_segs(g.f));
        for (unsigned i = 0; i < ncmds && !rc; i++)
            rc = run_command(&cmds[i]);
    }
    /* Leave cleanly so the backend is free for the next client. */
    vscsi_front_close(g.f);
    end = vscsi_tool_now_ms() + 5000;
    while (vscsi_front_state(g.f) != VSCSI_XB_CLOSED && vscsi_tool_now_ms() < end)
        pump(50);
    vscsi_front_destroy(g.f);
    vscsi_xen_close(g.x);
    return rc ? 1 : 0;
}
