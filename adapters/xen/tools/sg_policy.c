/* SPDX-License-Identifier: MIT */
/* SG_IO passthrough decisions that need no device: limits, timeouts, answers (sg_policy.h). */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ---- limits ---- */

uint64_t vscsi_sg_transport_bytes(uint32_t max_segs)
{
    return (uint64_t)(max_segs ? max_segs : VSCSI_SG_TABLESIZE) * 4096u;
}

uint64_t vscsi_sg_limit_bytes(const struct vscsi_sg_limits *lim)
{
    const uint64_t v[] = {lim->transport, lim->max_hw, lim->max_sectors, lim->sg_reserved};
    uint64_t m = UINT64_MAX;

    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        if (v[i] && v[i] < m)
            m = v[i];
    return m;
}

/* A 32-bit block count field: 0 means "not reported" / "no limit", so it becomes the limit. */
static int clamp_field(uint8_t *p, uint32_t max)
{
    uint32_t v = be32(p);

    if (v && v <= max)
        return 0;
    put32(p, max);
    return 1;
}

int vscsi_sg_clamp_reply(const uint8_t *cdb, size_t cdb_len, uint8_t *data, size_t len,
                         const struct vscsi_sg_limits *lim)
{
    uint64_t bytes = vscsi_sg_limit_bytes(lim);
    uint32_t bs = lim->block_size ? lim->block_size : 512;
    int changed = 0;

    if (!cdb || bytes == UINT64_MAX)
        return 0;
    if (cdb_len >= 6 && cdb[0] == 0x12 && (cdb[1] & 0x01) && cdb[2] == 0xb0) {
        /* Block Limits: MAXIMUM TRANSFER LENGTH (8-11), OPTIMAL TRANSFER LENGTH (12-15) */
        uint64_t blocks = bytes / bs;
        uint32_t max = blocks > UINT32_MAX ? UINT32_MAX : (uint32_t)blocks;

        if (len < 16 || data[1] != 0xb0 || max == 0)
            return 0;
        changed |= clamp_field(data + 8, max);
        /* A reported optimal length above the maximum would be a lie too; 0 stays "not reported".
         */
        if (be32(data + 12) > max) {
            put32(data + 12, max);
            changed = 1;
        }
        return changed;
    }
    if (cdb_len >= 6 && cdb[0] == 0x05 && !(cdb[1] & 0x01)) {
        /* READ BLOCK LIMITS: MAXIMUM BLOCK LENGTH LIMIT (1-3), 0 = none given */
        uint32_t max = bytes > 0xffffff ? 0xffffff : (uint32_t)bytes;
        uint32_t v;

        if (len < 4)
            return 0;
        v = (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3];
        if (v && v <= max)
            return 0;
        data[1] = (uint8_t)(max >> 16);
        data[2] = (uint8_t)(max >> 8);
        data[3] = (uint8_t)max;
        return 1;
    }
    return 0;
}

static const char *sysfs_root(void)
{
    const char *r = getenv("VSCSI_SYSFS");
    return r && *r ? r : "/sys";
}

/* One unsigned decimal from a sysfs attribute; 0 if absent or not a number. */
static uint64_t read_u64(const char *path)
{
    char buf[32], *end;
    FILE *f = fopen(path, "r");
    size_t n;

    if (!f)
        return 0;
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    errno = 0;
    unsigned long long v = strtoull(buf, &end, 10);
    if (errno || end == buf || (*end && *end != '\n'))
        return 0;
    return v;
}

int vscsi_sg_sysfs_limits(uint32_t host, uint32_t channel, uint32_t target, uint32_t lun,
                          struct vscsi_sg_limits *lim)
{
    char dir[PATH_MAX], p[PATH_MAX + 300];
    struct dirent *e;
    DIR *d;
    int found = 0;
    uint64_t v;

    snprintf(p, sizeof(p), "%s/class/scsi_host/host%" PRIu32 "/max_sectors", sysfs_root(), host);
    if ((v = read_u64(p)) != 0 && v <= UINT64_MAX / 512) {
        lim->max_hw = v * 512;
        found = 1;
    }
    snprintf(dir, sizeof(dir),
             "%s/bus/scsi/devices/%" PRIu32 ":%" PRIu32 ":%" PRIu32 ":%" PRIu32 "/block",
             sysfs_root(), host, channel, target, lun);
    d = opendir(dir);
    if (!d)
        return found ? 0 : -ENOENT;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(p, sizeof(p), "%s/%s/queue/max_hw_sectors_kb", dir, e->d_name);
        if ((v = read_u64(p)) != 0 && v <= UINT64_MAX / 1024 &&
            (!lim->max_hw || v * 1024 < lim->max_hw)) {
            lim->max_hw = v * 1024;
            found = 1;
        }
        snprintf(p, sizeof(p), "%s/%s/queue/max_sectors_kb", dir, e->d_name);
        if ((v = read_u64(p)) != 0 && v <= UINT64_MAX / 1024) {
            lim->max_sectors = v * 1024;
            found = 1;
        }
        snprintf(p, sizeof(p), "%s/%s/queue/logical_block_size", dir, e->d_name);
        v = read_u64(p);
        if (v >= 512 && v <= 65536 && !(v & (v - 1)))
            lim->block_size = (uint32_t)v;
        break;
    }
    closedir(d);
    return found ? 0 : -ENOENT;
}

/* ---- timeouts ---- */

int vscsi_sg_rsoc_parse(const uint8_t *buf, size_t len, struct vscsi_sg_tmo *t)
{
    size_t end, off = 4;

    t->n = 0;
    if (!buf || len < 4)
        return -EPROTO;
    /* A device claiming more than it returned (or than the allocation length) is cut to it. */
    end = be32(buf) > len - 4 ? len : 4 + (size_t)be32(buf);
    while (off + 8 <= end) {
        const uint8_t *d = buf + off;
        int ctdp = d[5] & 0x02;

        off += 8;
        if (!ctdp)
            continue;
        if (off + 12 > end)
            break; /* a cut-off timeouts descriptor */
        const uint8_t *td = buf + off;
        if (((unsigned)td[0] << 8 | td[1]) != 0x0a)
            break; /* framing we cannot trust any further */
        off += 12;
        uint32_t rec = be32(td + 8);
        if (!rec || t->n >= VSCSI_SG_TMO_MAX)
            continue;
        t->e[t->n].opcode = d[0];
        t->e[t->n].has_sa = d[5] & 0x01;
        t->e[t->n].sa = (uint16_t)((unsigned)d[2] << 8 | d[3]);
        t->e[t->n].seconds = rec > VSCSI_SG_TMO_CEIL_S ? VSCSI_SG_TMO_CEIL_S : rec;
        t->n++;
    }
    return (int)t->n;
}

int vscsi_sg_overrides_parse(const char *spec, struct vscsi_sg_overrides *ov, char *msg,
                             size_t msglen)
{
    const char *s = spec;

    ov->n = 0;
    if (!spec || !*spec) {
        snprintf(msg, msglen, "empty timeout list (want OP=SEC[,OP=SEC...])");
        return -EINVAL;
    }
    while (*s) {
        char *end;
        unsigned long op, sec;

        errno = 0;
        op = strtoul(s, &end, 0);
        if (errno || end == s || *end != '=' || op > 255 || *s == '-' || *s == '+') {
            snprintf(msg, msglen, "bad opcode in '%s' (want 0..255, e.g. 0x19)", spec);
            return -EINVAL;
        }
        s = end + 1;
        errno = 0;
        sec = strtoul(s, &end, 10);
        if (errno || end == s || (*end && *end != ',') || sec < 1 || sec > VSCSI_SG_TMO_CEIL_S ||
            *s == '-' || *s == '+') {
            snprintf(msg, msglen, "bad seconds in '%s' (want 1..%u)", spec, VSCSI_SG_TMO_CEIL_S);
            return -EINVAL;
        }
        if (ov->n >= VSCSI_SG_OVERRIDE_MAX) {
            snprintf(msg, msglen, "more than %u timeouts in '%s'", VSCSI_SG_OVERRIDE_MAX, spec);
            return -EINVAL;
        }
        ov->e[ov->n].opcode = (uint8_t)op;
        ov->e[ov->n].seconds = (uint32_t)sec;
        ov->n++;
        s = *end ? end + 1 : end;
        if (*end && !*s) {
            snprintf(msg, msglen, "trailing ',' in '%s'", spec);
            return -EINVAL;
        }
    }
    return 0;
}

/* Seconds by device type when the device publishes nothing (LTO-class tape
 * drives and libraries: figures in the range their vendors recommend). */
static uint32_t type_default(uint8_t pdt, const uint8_t *cdb, size_t cdb_len)
{
    uint8_t op = cdb[0];

    if (pdt == 0x01) { /* sequential access */
        switch (op) {
        case 0x19: /* ERASE: LONG erases the whole tape */
            return cdb_len > 1 && (cdb[1] & 0x01) ? 28800 : 1200;
        case 0x04:
            return 3600; /* FORMAT MEDIUM */
        case 0x11:       /* SPACE(6) */
        case 0x91:       /* SPACE(16) */
        case 0x2b:       /* LOCATE(10) */
        case 0x92:
            return 2400; /* LOCATE(16) */
        case 0x01:       /* REWIND */
        case 0x1b:       /* LOAD UNLOAD */
        case 0x10:       /* WRITE FILEMARKS: flushes the buffer */
        case 0x0b:
            return 1200; /* SET CAPACITY */
        default:
            return 900; /* READ/WRITE may wait on repositioning */
        }
    }
    if (pdt == 0x08) { /* medium changer */
        switch (op) {
        case 0x07: /* INITIALIZE ELEMENT STATUS */
        case 0x37:
            return 3600; /* ... WITH RANGE */
        case 0xa5:       /* MOVE MEDIUM */
        case 0xa6:
            return 1200; /* EXCHANGE MEDIUM */
        case 0x2b:
            return 600; /* POSITION TO ELEMENT */
        default:
            return 300;
        }
    }
    switch (op) { /* disks and the rest */
    case 0x04:
        return 36000; /* FORMAT UNIT of a large disk */
    case 0x48:
        return 86400; /* SANITIZE */
    default:
        return 0; /* the floor */
    }
}

static uint16_t cdb_sa(const uint8_t *cdb, size_t cdb_len)
{
    if (cdb[0] == 0x7f) /* variable length: service action in bytes 8-9 */
        return cdb_len >= 10 ? (uint16_t)((unsigned)cdb[8] << 8 | cdb[9]) : 0;
    return cdb_len > 1 ? (uint16_t)(cdb[1] & 0x1f) : 0;
}

unsigned vscsi_sg_timeout_ms(const struct vscsi_sg_tmo *dev, const struct vscsi_sg_overrides *ov,
                             const uint8_t *cdb, size_t cdb_len, unsigned floor_ms)
{
    uint32_t sec = 0;

    if (!cdb || cdb_len == 0)
        return floor_ms;
    for (unsigned i = 0; ov && i < ov->n; i++)
        if (ov->e[i].opcode == cdb[0])
            return ov->e[i].seconds * 1000u; /* what the administrator said, exactly */
    for (unsigned i = 0; dev && i < dev->n && i < VSCSI_SG_TMO_MAX; i++) {
        const struct vscsi_sg_tmo_entry *e = &dev->e[i];

        if (e->opcode == cdb[0] && (!e->has_sa || e->sa == cdb_sa(cdb, cdb_len))) {
            sec = e->seconds;
            break;
        }
    }
    if (!sec)
        sec = type_default(dev ? dev->pdt : 0, cdb, cdb_len);
    if (sec > VSCSI_SG_TMO_CEIL_S)
        sec = VSCSI_SG_TMO_CEIL_S;
    return sec * 1000u > floor_ms ? sec * 1000u : floor_ms;
}

/* ---- unit attentions ---- */

int vscsi_sg_ua_preempts(const uint8_t *cdb, size_t cdb_len)
{
    if (!cdb || cdb_len == 0)
        return 0;
    return cdb[0] != 0x12 && cdb[0] != 0xa0 && cdb[0] != 0x03;
}

int vscsi_sg_sense_is_ua(const uint8_t *sense, size_t len)
{
    if (len >= 3 && (sense[0] & 0x7e) == 0x70)
        return (sense[2] & 0x0f) == 0x06;
    if (len >= 2 && (sense[0] & 0x7e) == 0x72)
        return (sense[1] & 0x0f) == 0x06;
    return 0;
}

/* ---- the answer ---- */

#define SG_DID_TIME_OUT   0x03
#define SG_DRIVER_TIMEOUT 0x06
#define SG_DRIVER_MASK    0x0f

struct vscsi_sg_answer vscsi_sg_answer_of(unsigned host_status, unsigned driver_status,
                                          unsigned status, int resid, size_t data_len)
{
    struct vscsi_sg_answer a;

    a.host = host_status <= VSCSI_HOST_MAX ? (uint8_t)host_status : VSCSI_HOST_ERROR;
    if (host_status == SG_DID_TIME_OUT ||
        (host_status == 0 && (driver_status & SG_DRIVER_MASK) == SG_DRIVER_TIMEOUT))
        a.host = VSCSI_HOST_TIME_OUT;
    a.status = (uint8_t)status;
    a.resid = resid > 0 && (size_t)resid <= data_len ? (uint32_t)resid : 0;
    return a;
}
