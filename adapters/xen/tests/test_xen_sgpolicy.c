/* SPDX-License-Identifier: MIT */
/* SG_IO passthrough policy (tools/sg_policy.c) without Xen or a device: limits and the
 * rewriting of the device's replies, RSOC timeouts parsing (hostile data), the timeout
 * choice, --sg-op-timeout parsing, the answer of a finished SG_IO, sysfs queue limits. */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "sg_policy.h"
#include "vscsiif/wire.h"

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static const uint8_t INQ_B0[6] = {0x12, 0x01, 0xb0, 0, 64, 0};
static const uint8_t RBL[6] = {0x05, 0, 0, 0, 0, 0};

static void test_limits(void **state)
{
    (void)state;
    struct vscsi_sg_limits lim = {0};

    assert_int_equal(vscsi_sg_transport_bytes(0), 26 * 4096);
    assert_int_equal(vscsi_sg_transport_bytes(256), 1024 * 1024);
    assert_true(vscsi_sg_limit_bytes(&lim) == UINT64_MAX);
    lim.transport = 512 * 1024;
    lim.max_hw = 0; /* unknown: ignored */
    lim.max_sectors = 1280 * 1024;
    assert_int_equal(vscsi_sg_limit_bytes(&lim), 512 * 1024);
    lim.sg_reserved = 256 * 1024;
    assert_int_equal(vscsi_sg_limit_bytes(&lim), 256 * 1024);
    lim.max_hw = 128 * 1024;
    assert_int_equal(vscsi_sg_limit_bytes(&lim), 128 * 1024);
}

static void test_clamp_block_limits(void **state)
{
    (void)state;
    struct vscsi_sg_limits lim = {.transport = 128 * 4096, .max_sectors = 1024 * 1024};
    uint8_t b[64], ref[64];

    /* a disk claiming 0xffffffff blocks and optimal 8192 blocks: both down to 1024 (512 KiB) */
    memset(b, 0, sizeof(b));
    b[1] = 0xb0;
    b[3] = 0x3c;
    put32(b + 8, 0xffffffff);
    put32(b + 12, 8192);
    put32(b + 16, 0x12345); /* maximum prefetch: not a transfer, left alone */
    assert_int_equal(vscsi_sg_clamp_reply(INQ_B0, 6, b, 64, &lim), 1);
    assert_int_equal(be32(b + 8), 1024);
    assert_int_equal(be32(b + 12), 1024);
    assert_int_equal(be32(b + 16), 0x12345);
    /* already inside: untouched */
    memcpy(ref, b, sizeof(b));
    put32(b + 8, 100);
    put32(b + 12, 0); /* not reported stays not reported */
    memcpy(ref, b, sizeof(b));
    assert_int_equal(vscsi_sg_clamp_reply(INQ_B0, 6, b, 64, &lim), 0);
    assert_memory_equal(b, ref, 64);
    /* 0 (no limit reported) becomes the limit; 4 KiB blocks count in 4 KiB */
    put32(b + 8, 0);
    lim.block_size = 4096;
    assert_int_equal(vscsi_sg_clamp_reply(INQ_B0, 6, b, 64, &lim), 1);
    assert_int_equal(be32(b + 8), 128);
    /* a reply cut before the fields, another page, EVPD clear, another command: untouched */
    put32(b + 8, 0xffffffff);
    memcpy(ref, b, sizeof(b));
    assert_int_equal(vscsi_sg_clamp_reply(INQ_B0, 6, b, 15, &lim), 0);
    b[1] = 0xb1;
    assert_int_equal(vscsi_sg_clamp_reply(INQ_B0, 6, b, 64, &lim), 0);
    b[1] = 0xb0;
    assert_int_equal(
        vscsi_sg_clamp_reply((const uint8_t[]){0x12, 0, 0xb0, 0, 64, 0}, 6, b, 64, &lim), 0);
    assert_int_equal(
        vscsi_sg_clamp_reply((const uint8_t[]){0x12, 1, 0xb1, 0, 64, 0}, 6, b, 64, &lim), 0);
    assert_int_equal(vscsi_sg_clamp_reply((const uint8_t[]){0x28, 0, 0, 0, 0, 0}, 6, b, 64, &lim),
                     0);
    assert_int_equal(vscsi_sg_clamp_reply(INQ_B0, 3, b, 64, &lim), 0);
    assert_memory_equal(b, ref, 64);
    /* no limit known at all: nothing to say */
    struct vscsi_sg_limits none = {0};
    assert_int_equal(vscsi_sg_clamp_reply(INQ_B0, 6, b, 64, &none), 0);
}

static void test_clamp_read_block_limits(void **state)
{
    (void)state;
    struct vscsi_sg_limits lim = {.transport = 26 * 4096};
    uint8_t b[6] = {0x00, 0xff, 0xff, 0xff, 0x00, 0x01}, ref[6];

    assert_int_equal(vscsi_sg_clamp_reply(RBL, 6, b, 6, &lim), 1);
    assert_int_equal((uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3], 106496);
    assert_int_equal(b[5], 1); /* minimum untouched */
    /* 0: no maximum given, becomes the limit */
    memset(b + 1, 0, 3);
    assert_int_equal(vscsi_sg_clamp_reply(RBL, 6, b, 6, &lim), 1);
    assert_int_equal((uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3], 106496);
    /* smaller already; MLOC form; too short */
    b[1] = 0;
    b[2] = 0x10;
    b[3] = 0;
    memcpy(ref, b, 6);
    assert_int_equal(vscsi_sg_clamp_reply(RBL, 6, b, 6, &lim), 0);
    b[2] = 0xff;
    memcpy(ref, b, 6);
    assert_int_equal(vscsi_sg_clamp_reply((const uint8_t[]){0x05, 0x01, 0, 0, 0, 0}, 6, b, 6, &lim),
                     0);
    assert_int_equal(vscsi_sg_clamp_reply(RBL, 6, b, 3, &lim), 0);
    assert_memory_equal(b, ref, 6);
    /* a limit past 24 bits is reported as the field's maximum */
    struct vscsi_sg_limits big = {.transport = 64ull << 20};
    b[1] = 0;
    b[2] = 0;
    b[3] = 0;
    assert_int_equal(vscsi_sg_clamp_reply(RBL, 6, b, 6, &big), 1);
    assert_int_equal((uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3], 0xffffff);
}

/* An RSOC all-commands descriptor, with (rec != UINT32_MAX) or without timeouts. */
static size_t rsoc_desc(uint8_t *p, uint8_t op, int sa, uint32_t rec)
{
    memset(p, 0, 20);
    p[0] = op;
    if (sa >= 0) {
        p[3] = (uint8_t)sa;
        p[5] |= 0x01;
    }
    p[7] = 10;
    if (rec == UINT32_MAX)
        return 8;
    p[5] |= 0x02;
    p[9] = 0x0a;
    put32(p + 12, rec / 10);
    put32(p + 16, rec);
    return 20;
}

static void test_rsoc_parse(void **state)
{
    (void)state;
    static struct vscsi_sg_tmo t;
    static uint8_t b[20 * 600 + 4];
    size_t n = 4;

    n += rsoc_desc(b + n, 0x01, -1, 1800);       /* REWIND */
    n += rsoc_desc(b + n, 0x08, -1, UINT32_MAX); /* READ: no timeouts (CTDP 0) */
    n += rsoc_desc(b + n, 0x9e, 0x10, 40);       /* with a service action */
    n += rsoc_desc(b + n, 0x19, -1, 0);          /* recommended 0: nothing to learn */
    n += rsoc_desc(b + n, 0x04, -1, 10000000);   /* beyond belief: capped */
    put32(b, (uint32_t)(n - 4));
    assert_int_equal(vscsi_sg_rsoc_parse(b, n, &t), 3);
    assert_true(t.e[0].opcode == 0x01 && !t.e[0].has_sa && t.e[0].seconds == 1800);
    assert_true(t.e[1].opcode == 0x9e && t.e[1].has_sa && t.e[1].sa == 0x10 &&
                t.e[1].seconds == 40);
    assert_true(t.e[2].opcode == 0x04 && t.e[2].seconds == VSCSI_SG_TMO_CEIL_S);

    /* the header claims more than was returned: only what is there */
    put32(b, 100000);
    assert_int_equal(vscsi_sg_rsoc_parse(b, 4 + 20 + 8, &t), 1);
    /* cut inside a timeouts descriptor */
    assert_int_equal(vscsi_sg_rsoc_parse(b, 4 + 20 + 8 + 8 + 5, &t), 1);
    /* the header claims less than was returned: only what it claims */
    put32(b, 20);
    assert_int_equal(vscsi_sg_rsoc_parse(b, n, &t), 1);
    /* a timeouts descriptor with a wrong length: stop, keep what came before */
    put32(b, (uint32_t)(n - 4));
    b[4 + 20 + 8 + 9] = 0x0b;
    assert_int_equal(vscsi_sg_rsoc_parse(b, n, &t), 1);
    b[4 + 20 + 8 + 9] = 0x0a;
    /* no header */
    assert_int_equal(vscsi_sg_rsoc_parse(b, 3, &t), -EPROTO);
    assert_int_equal(t.n, 0);
    assert_int_equal(vscsi_sg_rsoc_parse(NULL, 100, &t), -EPROTO);
    /* more entries than the table holds: the first VSCSI_SG_TMO_MAX */
    n = 4;
    for (unsigned i = 0; i < 600; i++)
        n += rsoc_desc(b + n, (uint8_t)i, (int)(i >> 8), 100 + i);
    put32(b, (uint32_t)(n - 4));
    assert_int_equal(vscsi_sg_rsoc_parse(b, n, &t), VSCSI_SG_TMO_MAX);
    assert_int_equal(t.e[VSCSI_SG_TMO_MAX - 1].seconds, 100 + VSCSI_SG_TMO_MAX - 1);
    /* garbage of every length never reads past it (ASan run) and never overfills */
    srand(7);
    for (unsigned k = 0; k < 2000; k++) {
        size_t len = (size_t)rand() % 200;
        uint8_t *g = malloc(len ? len : 1);
        for (size_t i = 0; i < len; i++)
            g[i] = (uint8_t)rand();
        if (len >= 4 && (k & 1))
            put32(g, (uint32_t)(len - 4));
        int r = vscsi_sg_rsoc_parse(g, len, &t);
        assert_true(r == -EPROTO ||
                    (r >= 0 && (unsigned)r <= (len - 4) / 20 && t.n == (unsigned)r));
        free(g);
    }
}

static void test_timeout_choice(void **state)
{
    (void)state;
    static struct vscsi_sg_tmo tape, disk;
    struct vscsi_sg_overrides ov = {0};
    char msg[128];
    const uint8_t rewind[6] = {0x01, 0, 0, 0, 0, 0}, erase_long[6] = {0x19, 0x01, 0, 0, 0, 0},
                  erase_short[6] = {0x19, 0, 0, 0, 0, 0}, locate[10] = {0x2b},
                  read6[6] = {0x08, 0, 0, 1, 0, 0}, move[12] = {0xa5}, rc16[16] = {0x9e, 0x10},
                  lbas[16] = {0x9e, 0x12};

    tape.pdt = 0x01;
    disk.pdt = 0x00;
    /* nothing from the device: tape defaults, all above the 60 s floor */
    assert_int_equal(vscsi_sg_timeout_ms(&tape, NULL, rewind, 6, 60000), 1200000);
    assert_int_equal(vscsi_sg_timeout_ms(&tape, NULL, erase_long, 6, 60000), 28800000);
    assert_int_equal(vscsi_sg_timeout_ms(&tape, NULL, erase_short, 6, 60000), 1200000);
    assert_int_equal(vscsi_sg_timeout_ms(&tape, NULL, locate, 10, 60000), 2400000);
    assert_int_equal(vscsi_sg_timeout_ms(&tape, NULL, read6, 6, 60000), 900000);
    /* a disk's READ gets the floor; a changer's MOVE MEDIUM 20 min */
    assert_int_equal(vscsi_sg_timeout_ms(&disk, NULL, read6, 6, 60000), 60000);
    assert_int_equal(vscsi_sg_timeout_ms(NULL, NULL, read6, 6, 30000), 30000);
    struct vscsi_sg_tmo chg = {.pdt = 0x08};
    assert_int_equal(vscsi_sg_timeout_ms(&chg, NULL, move, 12, 60000), 1200000);
    /* the device's figures win over the defaults, but not over the floor */
    tape.n = 2;
    tape.e[0] = (struct vscsi_sg_tmo_entry){0x01, 0, 0, 300};
    tape.e[1] = (struct vscsi_sg_tmo_entry){0x08, 0, 0, 20};
    assert_int_equal(vscsi_sg_timeout_ms(&tape, NULL, rewind, 6, 60000), 300000);
    assert_int_equal(vscsi_sg_timeout_ms(&tape, NULL, read6, 6, 60000), 60000);
    /* service actions are told apart */
    disk.n = 1;
    disk.e[0] = (struct vscsi_sg_tmo_entry){0x9e, 1, 0x12, 500};
    assert_int_equal(vscsi_sg_timeout_ms(&disk, NULL, lbas, 16, 60000), 500000);
    assert_int_equal(vscsi_sg_timeout_ms(&disk, NULL, rc16, 16, 60000), 60000);
    /* an override is exact: over the device, the default and the floor */
    assert_int_equal(vscsi_sg_overrides_parse("0x01=7200,25=30", &ov, msg, sizeof(msg)), 0);
    assert_int_equal(vscsi_sg_timeout_ms(&tape, &ov, rewind, 6, 60000), 7200000);
    assert_int_equal(vscsi_sg_timeout_ms(&tape, &ov, erase_long, 6, 60000), 30000);
    assert_int_equal(vscsi_sg_timeout_ms(&tape, &ov, locate, 10, 60000), 2400000);
    /* no CDB: the floor */
    assert_int_equal(vscsi_sg_timeout_ms(&tape, &ov, NULL, 0, 60000), 60000);
}

static void test_overrides_parse(void **state)
{
    (void)state;
    struct vscsi_sg_overrides ov;
    char msg[160], many[400];

    assert_int_equal(vscsi_sg_overrides_parse("0x19=36000", &ov, msg, sizeof(msg)), 0);
    assert_true(ov.n == 1 && ov.e[0].opcode == 0x19 && ov.e[0].seconds == 36000);
    assert_int_equal(vscsi_sg_overrides_parse("1=1,0xff=172800", &ov, msg, sizeof(msg)), 0);
    assert_int_equal(ov.n, 2);
    static const char *const bad[] = {
        "",     "0x19",     "0x19=", "=5",       "256=5", "-1=5", "1=0",
        "1=-5", "1=172801", "1=5,",  "1=5,,2=3", "x=5",   "1=5s", "1=99999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        msg[0] = '\0';
        if (vscsi_sg_overrides_parse(bad[i], &ov, msg, sizeof(msg)) != -EINVAL)
            fail_msg("'%s' accepted", bad[i]);
        assert_true(msg[0] != '\0');
    }
    assert_int_equal(vscsi_sg_overrides_parse(NULL, &ov, msg, sizeof(msg)), -EINVAL);
    size_t o = 0;
    for (unsigned i = 0; i <= VSCSI_SG_OVERRIDE_MAX; i++)
        o += (size_t)snprintf(many + o, sizeof(many) - o, "%s%u=1", i ? "," : "", i);
    assert_int_equal(vscsi_sg_overrides_parse(many, &ov, msg, sizeof(msg)), -EINVAL);
}

static void test_answer(void **state)
{
    (void)state;
    struct vscsi_sg_answer a;

    a = vscsi_sg_answer_of(0, 0, 0, 0, 512);
    assert_true(a.host == VSCSI_HOST_OK && a.status == 0 && a.resid == 0);
    a = vscsi_sg_answer_of(0x03, 0, 0, 0, 512); /* DID_TIME_OUT */
    assert_int_equal(a.host, VSCSI_HOST_TIME_OUT);
    a = vscsi_sg_answer_of(0, 0x06, 0, 0, 512); /* DRIVER_TIMEOUT alone */
    assert_int_equal(a.host, VSCSI_HOST_TIME_OUT);
    a = vscsi_sg_answer_of(0, 0x26, 0, 0, 512); /* with suggestion bits */
    assert_int_equal(a.host, VSCSI_HOST_TIME_OUT);
    a = vscsi_sg_answer_of(0x05, 0x06, 0, 0, 512); /* DID_ABORT stays */
    assert_int_equal(a.host, VSCSI_HOST_ABORT);
    a = vscsi_sg_answer_of(99, 0, 0, 0, 512);
    assert_int_equal(a.host, VSCSI_HOST_ERROR);
    a = vscsi_sg_answer_of(0, 0, 0x02, 100, 512);
    assert_true(a.status == 0x02 && a.resid == 100);
    assert_int_equal(vscsi_sg_answer_of(0, 0, 0, -5, 512).resid, 0);
    assert_int_equal(vscsi_sg_answer_of(0, 0, 0, 513, 512).resid, 0);
    assert_int_equal(vscsi_sg_answer_of(0, 0, 0, 512, 512).resid, 512);
}

static void test_unit_attention(void **state)
{
    (void)state;
    const uint8_t fixed_ua[18] = {0x70, 0, 0x06, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x29},
                  fixed_nr[18] = {0x70, 0, 0x02, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x04},
                  desc_ua[8] = {0x72, 0x06, 0x28, 0x00}, desc_ir[8] = {0x72, 0x05, 0x24};

    assert_true(vscsi_sg_sense_is_ua(fixed_ua, 18));
    assert_true(vscsi_sg_sense_is_ua((const uint8_t[]){0xf1, 0, 0x06}, 3)); /* VALID, deferred */
    assert_false(vscsi_sg_sense_is_ua(fixed_nr, 18));
    assert_true(vscsi_sg_sense_is_ua(desc_ua, 8));
    assert_false(vscsi_sg_sense_is_ua(desc_ir, 8));
    assert_false(vscsi_sg_sense_is_ua(fixed_ua, 2)); /* too short to say */
    assert_false(vscsi_sg_sense_is_ua((const uint8_t[]){0x06, 0x06, 0x06}, 3));
    /* INQUIRY, REPORT LUNS, REQUEST SENSE pass a unit attention; the rest get it */
    assert_false(vscsi_sg_ua_preempts((const uint8_t[]){0x12, 0, 0, 0, 36, 0}, 6));
    assert_false(vscsi_sg_ua_preempts((const uint8_t[]){0xa0}, 12));
    assert_false(vscsi_sg_ua_preempts((const uint8_t[]){0x03}, 6));
    assert_true(vscsi_sg_ua_preempts((const uint8_t[]){0x00}, 6));
    assert_true(vscsi_sg_ua_preempts((const uint8_t[]){0x08}, 6));
    assert_false(vscsi_sg_ua_preempts(NULL, 0));
}

static char root[64];

static void put_file(const char *rel, const char *text)
{
    char p[PATH_MAX], cmd[PATH_MAX + 32];
    FILE *f;

    snprintf(p, sizeof(p), "%s/%s", root, rel);
    snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", p);
    assert_int_equal(system(cmd), 0);
    f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_sysfs_limits(void **state)
{
    (void)state;
    struct vscsi_sg_limits lim = {0};
    char cmd[128];

    snprintf(root, sizeof(root), "/tmp/vscsi-sgpol-XXXXXX");
    assert_non_null(mkdtemp(root));
    setenv("VSCSI_SYSFS", root, 1);
    assert_int_equal(vscsi_sg_sysfs_limits(3, 0, 0, 0, &lim), -ENOENT);
    /* a disk: its block queue */
    put_file("class/scsi_host/host3/max_sectors", "2048\n");
    put_file("bus/scsi/devices/3:0:1:0/block/sdc/queue/max_hw_sectors_kb", "512\n");
    put_file("bus/scsi/devices/3:0:1:0/block/sdc/queue/max_sectors_kb", "256\n");
    put_file("bus/scsi/devices/3:0:1:0/block/sdc/queue/logical_block_size", "4096\n");
    assert_int_equal(vscsi_sg_sysfs_limits(3, 0, 1, 0, &lim), 0);
    assert_int_equal(lim.max_hw, 512 * 1024);
    assert_int_equal(lim.max_sectors, 256 * 1024);
    assert_int_equal(lim.block_size, 4096);
    /* a tape: no block queue, the host's max_sectors */
    memset(&lim, 0, sizeof(lim));
    assert_int_equal(vscsi_sg_sysfs_limits(3, 0, 2, 0, &lim), 0);
    assert_int_equal(lim.max_hw, 2048 * 512);
    assert_int_equal(lim.max_sectors, 0);
    /* hostile attribute text is not a limit */
    put_file("class/scsi_host/host3/max_sectors", "12abc\n");
    put_file("bus/scsi/devices/3:0:1:0/block/sdc/queue/max_sectors_kb", "-1\n");
    put_file("bus/scsi/devices/3:0:1:0/block/sdc/queue/logical_block_size", "1000\n");
    memset(&lim, 0, sizeof(lim));
    assert_int_equal(vscsi_sg_sysfs_limits(3, 0, 2, 0, &lim), -ENOENT);
    assert_int_equal(vscsi_sg_sysfs_limits(3, 0, 1, 0, &lim), 0);
    assert_int_equal(lim.max_hw, 512 * 1024);
    assert_int_equal(lim.max_sectors, 0);
    assert_int_equal(lim.block_size, 0);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

#ifdef VSCSI_HAVE_SIM
#include "target/target.h"

/* The simulator's fake tape and changer publish RSOC command timeouts: what
 * vscsi-back learns from a real drive's RSOC it learns from them the same way. */
static void test_fake_target_rsoc(void **state)
{
    (void)state;
    struct vscsi_tgt_tape_opts to = {.loaded = 1};
    struct vscsi_tgt_lun *tape = vscsi_tgt_tape_new(&to), *disk = vscsi_tgt_disk_new(NULL);
    static uint8_t buf[8192];
    static struct vscsi_sg_tmo t;
    const uint8_t rsoc[12] = {0xa3, 0x0c, 0x80, 0, 0, 0, 0, 0, 0x20, 0, 0, 0};
    struct vscsi_tgt_iov iov = {buf, sizeof(buf)};
    struct vscsi_tgt_io io = {rsoc, 12, VSCSI_DIR_FROM_DEVICE, &iov, 1, sizeof(buf)};
    struct vscsi_tgt_result r;
    const uint8_t rewind[6] = {0x01}, locate[10] = {0x2b}, read6[6] = {0x08, 0, 0, 1, 0, 0};

    assert_non_null(tape);
    vscsi_tgt_exec(tape, &io, &r);
    assert_int_equal(r.status, 0);
    assert_true(vscsi_sg_rsoc_parse(buf, sizeof(buf) - r.residual, &t) > 10);
    t.pdt = 0x01;
    assert_int_equal(vscsi_sg_timeout_ms(&t, NULL, rewind, 6, 60000), 1200000);
    assert_int_equal(vscsi_sg_timeout_ms(&t, NULL, locate, 10, 60000), 2400000);
    assert_int_equal(vscsi_sg_timeout_ms(&t, NULL, read6, 6, 60000), 900000);

    /* Block Limits of the fake disk, lowered as for a real one, says what the
     * fake itself says once it knows the transport */
    const uint8_t inq[6] = {0x12, 1, 0xb0, 0, 64, 0};
    uint8_t a[64], b[64];
    struct vscsi_tgt_iov ia = {a, 64}, ib = {b, 64};
    struct vscsi_tgt_io qa = {inq, 6, VSCSI_DIR_FROM_DEVICE, &ia, 1, 64};
    struct vscsi_tgt_io qb = {inq, 6, VSCSI_DIR_FROM_DEVICE, &ib, 1, 64};
    struct vscsi_sg_limits lim = {.transport = vscsi_sg_transport_bytes(32), .block_size = 512};
    vscsi_tgt_exec(disk, &qa, &r);
    assert_int_equal(r.status, 0);
    assert_int_equal(vscsi_sg_clamp_reply(inq, 6, a, 64, &lim), 1);
    vscsi_tgt_set_xfer_max(disk, vscsi_tgt_xfer_max_segs(32));
    vscsi_tgt_exec(disk, &qb, &r);
    assert_memory_equal(a, b, 64);
    vscsi_tgt_free(tape);
    vscsi_tgt_free(disk);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_clamp_block_limits),
        cmocka_unit_test(test_clamp_read_block_limits),
        cmocka_unit_test(test_rsoc_parse),
        cmocka_unit_test(test_timeout_choice),
        cmocka_unit_test(test_overrides_parse),
        cmocka_unit_test(test_answer),
        cmocka_unit_test(test_sysfs_limits),
        cmocka_unit_test(test_unit_attention),
#ifdef VSCSI_HAVE_SIM
        cmocka_unit_test(test_fake_target_rsoc),
#endif
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
