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
#include "vscsiif/front.h"
#include "vscsiif/wire.h"

#define CHUNK (64u * 1024u) /* per command: 16 pages, always direct segments */

static struct {
    struct vscsi_xen *x;
    struct vscsi_front *f;
    int have_lun, want_lun;
    struct vscsi_nexus nx, want;
    unsigned timeout_ms;
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
        (!g.want_lun || (nx->channel == g.want.channel && nx->id == g.want.id &&
                         nx->lun == g.want.lun))) {
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

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
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
    uint8_t cdb[6] = {0x12, 0, 0, 0, 96, 0}, d[96] = {0};
    int rc = run(cdb, 6, VSCSI_DIR_FROM_DEVICE, d, sizeof(d));
    if (rc)
        return rc;
    printf("inquiry: type 0x%02x vendor '%.8s' product '%.16s' revision '%.4s' version 0x%02x\n",
           d[0] & 0x1f, (char *)d + 8, (char *)d + 16, (char *)d + 32, d[2]);
    return 0;
}

static int capacity(int print)
{
    uint8_t c10[10] = {0x25}, d[32] = {0};
    int rc = run(c10, 10, VSCSI_DIR_FROM_DEVICE, d, 8);
    if (rc)
        return rc;
    g.blocks = get_be(d, 4) + 1;
    g.block_size = (uint32_t)get_be(d + 4, 4);
    if (get_be(d, 4) == 0xffffffffu) {
        uint8_t c16[16] = {0x9e, 0x10};
        put_be32(c16 + 10, 32);
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
    if (lba + n > 0xffffffffull || n > 0xffff) {
        cdb[0] = write ? 0x8a : 0x88;
        put_be32(cdb + 2, (uint32_t)(lba >> 32));
        put_be32(cdb + 6, (uint32_t)lba);
        put_be32(cdb + 10, n);
        *len = 16;
    } else {
        cdb[0] = write ? 0x2a : 0x28;
        put_be32(cdb + 2, (uint32_t)lba);
        cdb[7] = (uint8_t)(n >> 8);
        cdb[8] = (uint8_t)n;
        *len = 10;
    }
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
    if (file && (fd = is_write ? open(file, O_RDONLY) : open(file, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
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
        printf("%s: lba %llu blocks %llu ok\n", is_write ? "write" : "read", (unsigned long long)lba,
               (unsigned long long)n);
    return rc;
}

static int cmd_raw(const char *hex, size_t in, const char *out_file, const char *save)
{
    uint8_t cdb[16], *buf = NULL;
    size_t n = strlen(hex), len = 0;
    uint8_t dir = VSCSI_DIR_NONE;
    int rc;

    if (n % 2 || n / 2 < 6 || n / 2 > 16) {
        fprintf(stderr, "vscsi-front: raw CDB must be 6..16 bytes of hex\n");
        return -EINVAL;
    }
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -EINVAL;
        cdb[i] = (uint8_t)v;
    }
    if (out_file) {
        FILE *f = fopen(out_file, "rb");
        if (!f)
            return -errno;
        buf = malloc(CHUNK);
        len = buf ? fread(buf, 1, CHUNK, f) : 0;
        fclose(f);
        dir = VSCSI_DIR_TO_DEVICE;
    } else if (in) {
        if (in > CHUNK)
            return -E2BIG;
        buf = calloc(1, in);
        len = in;
        dir = VSCSI_DIR_FROM_DEVICE;
    }
    rc = run(cdb, (uint8_t)(n / 2), dir, buf, len);
    if (!rc) {
        printf("raw: status 0x%02x residual %u\n", g.res.status, g.res.residual);
        if (dir == VSCSI_DIR_FROM_DEVICE) {
            size_t got = len - g.res.residual;
            if (save) {
                FILE *f = fopen(save, "wb");
                if (!f || fwrite(buf, 1, got, f) != got)
                    rc = -EIO;
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
          "                               any CDB; --in: N bytes data-in, --out: data-out from FILE\n"
          "  randread --seconds S         4 KiB random reads, queue depth 1; prints IOPS\n"
          "options:\n"
          "  --vhost N        vhost (device/vscsi/N), default 0\n"
          "  --lun C:T:L      LUN to talk to (default: the first the backend offers)\n"
          "  --timeout SEC    bound on connecting and on each command (default 30)\n"
          "  --verbose\n"
          "  -h, --help\n"
          "The kernel's xen-scsifront must not be bound to that vhost.\n",
          f);
}

/* One command from argv[i..] up to "," or the end; returns the index after it. */
static int do_command(int argc, char **argv, int i, int *rc)
{
    const char *cmd = argv[i++];
    const char *save = NULL, *out = NULL;
    size_t in = 0;
    double secs = 5;
    char *pos[4];
    int np = 0;

    for (; i < argc && strcmp(argv[i], ",") != 0; i++) {
        if (strcmp(argv[i], "--save") == 0 && i + 1 < argc)
            save = argv[++i];
        else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
            out = argv[++i];
        else if (strcmp(argv[i], "--in") == 0 && i + 1 < argc)
            in = strtoul(argv[++i], NULL, 0);
        else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
            secs = atof(argv[++i]);
        else if (np < 4)
            pos[np++] = argv[i];
        else {
            *rc = -EINVAL;
            return i;
        }
    }
    if (strcmp(cmd, "inquiry") == 0 && np == 0)
        *rc = cmd_inquiry();
    else if (strcmp(cmd, "readcap") == 0 && np == 0)
        *rc = capacity(1);
    else if (strcmp(cmd, "read") == 0 && np == 2)
        *rc = cmd_rw(0, strtoull(pos[0], NULL, 0), strtoull(pos[1], NULL, 0), save);
    else if (strcmp(cmd, "write") == 0 && np == 3)
        *rc = cmd_rw(1, strtoull(pos[0], NULL, 0), strtoull(pos[1], NULL, 0), pos[2]);
    else if (strcmp(cmd, "raw") == 0 && np == 1)
        *rc = cmd_raw(pos[0], in, out, save);
    else if (strcmp(cmd, "randread") == 0 && np == 0)
        *rc = cmd_randread(secs);
    else {
        fprintf(stderr, "vscsi-front: bad command '%s' (see --help)\n", cmd);
        *rc = -EINVAL;
    }
    return i < argc ? i + 1 : i;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {{"vhost", required_argument, NULL, 'v'},
                                       {"lun", required_argument, NULL, 'l'},
                                       {"timeout", required_argument, NULL, 't'},
                                       {"verbose", no_argument, NULL, 'V'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    char dev[64];
    uint16_t self;
    uint32_t vhost = 0;
    int c, rc = 0;

    setvbuf(stdout, NULL, _IOLBF, 0); /* keep results and diagnostics in order */
    /* '+': stop at the first command word, its own flags are parsed per command */
    while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
        switch (c) {
        case 'v':
            if (vscsi_xb_parse_uint(optarg, UINT32_MAX, &vhost))
                return 2;
            break;
        case 'l': {
            unsigned a, b, d;
            if (sscanf(optarg, "%u:%u:%u", &a, &b, &d) != 3 || a > 0xffff || b > 0xffff || d > 0xffff)
                return 2;
            g.want = (struct vscsi_nexus){(uint16_t)a, (uint16_t)b, (uint16_t)d};
            g.want_lun = 1;
            break;
        }
        case 't': g.timeout_ms = (unsigned)strtoul(optarg, NULL, 10) * 1000u; break;
        case 'V': g.verbose = 1; break;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    if ((rc = vscsi_xen_open(VSCSI_XEN_FRONTEND, &g.x))) {
        fprintf(stderr, "vscsi-front: cannot open Xen interfaces (/dev/xen/gntalloc, evtchn, xenbus): %s\n",
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
        for (int i = optind; i < argc && !rc;)
            i = do_command(argc, argv, i, &rc);
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
