/* SPDX-License-Identifier: MIT */
/* Tape workload: an autoloader session, every answer checked. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/io.h"
#include "scenario/workload.h"
#include "vscsiif/wire.h"

#define ELEM_STORAGE0 0x1000
#define ELEM_DRIVE0   0x3000
#define FILE1_RECORDS 8
#define FILE2_RECORDS 4

struct tape_run {
    struct vscsi_sim_world *w;
    const struct vscsi_sim_workload_opts *o;
    struct vscsi_sim_report *r;
    struct vscsi_result res;
    size_t got;
};

static int check(struct tape_run *t, int ok, const char *what)
{
    if (ok)
        return 0;
    if (!t->r->failed)
        snprintf(t->r->failure, sizeof(t->r->failure), "tape: %s (host %u status 0x%02x key %d)",
                 what, t->res.host, t->res.status, vscsi_sim_sense_key(&t->res));
    t->r->failed = 1;
    return -EIO;
}

static int cmd(struct tape_run *t, const struct vscsi_nexus *nx, const uint8_t *cdb, uint8_t len,
               uint8_t dir, void *buf, size_t blen)
{
    int rc = vscsi_sim_cmd(t->w, t->o->vhost, nx, cdb, len, dir, buf, blen, &t->res, &t->got);
    if (rc)
        return rc;
    t->r->commands++;
    if (!vscsi_sim_good(&t->res))
        t->r->errors++;
    return 0;
}

/* Retries through the unit attentions a medium change or reset leaves behind. */
static int cmd_ua(struct tape_run *t, const struct vscsi_nexus *nx, const uint8_t *cdb,
                  uint8_t len, uint8_t dir, void *buf, size_t blen)
{
    for (int i = 0; i < 4; i++) {
        int rc = cmd(t, nx, cdb, len, dir, buf, blen);
        if (rc || vscsi_sim_sense_key(&t->res) != 0x6)
            return rc;
        t->r->errors--; /* an expected unit attention is not an error of the run */
    }
    return 0;
}

static void record(uint8_t *buf, size_t len, unsigned n)
{
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(n * 31 + i * 7 + (i >> 8));
}

static size_t record_len(unsigned n)
{
    return 512u + (n * 3331u) % 30000u;
}

static void be16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void be24(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}

static int move(struct tape_run *t, const struct vscsi_nexus *ch, unsigned from, unsigned to)
{
    uint8_t cdb[12] = {0xa5};
    be16(&cdb[4], from);
    be16(&cdb[6], to);
    int rc = cmd_ua(t, ch, cdb, 12, VSCSI_DIR_NONE, NULL, 0);
    if (rc)
        return rc;
    t->r->changer_moves++;
    return check(t, vscsi_sim_good(&t->res), "MOVE MEDIUM");
}

/* FULL bit of one storage element, from READ ELEMENT STATUS. */
static int slot_full(struct tape_run *t, const struct vscsi_nexus *ch, unsigned elem)
{
    uint8_t cdb[12] = {0xb8, 0x02 /* storage */};
    uint8_t data[256] = {0};
    be16(&cdb[2], elem);
    be16(&cdb[4], 1);
    be24(&cdb[7], sizeof(data));
    int rc = cmd_ua(t, ch, cdb, 12, VSCSI_DIR_FROM_DEVICE, data, sizeof(data));
    if (rc || check(t, vscsi_sim_good(&t->res) && t->got >= 8 + 8 + 3, "READ ELEMENT STATUS"))
        return -1;
    /* 8-byte header, 8-byte page header, then the descriptor: address, flags. */
    unsigned addr = (unsigned)data[16] << 8 | data[17];
    if (check(t, addr == elem, "element status for the wrong element"))
        return -1;
    return data[18] & 1;
}

static int tape_ready(struct tape_run *t, const struct vscsi_nexus *tp)
{
    static const uint8_t tur[6] = {0};
    for (int i = 0; i < 8; i++) {
        if (cmd(t, tp, tur, 6, VSCSI_DIR_NONE, NULL, 0))
            return -EIO;
        if (vscsi_sim_good(&t->res))
            return 0;
        t->r->errors--; /* not-ready and unit attention while loading are expected */
    }
    return check(t, 0, "drive never became ready");
}

static int rewind_tape(struct tape_run *t, const struct vscsi_nexus *tp)
{
    static const uint8_t rew[6] = {0x01};
    int rc = cmd_ua(t, tp, rew, 6, VSCSI_DIR_NONE, NULL, 0);
    return rc ? rc : check(t, vscsi_sim_good(&t->res), "REWIND");
}

static int write_record(struct tape_run *t, const struct vscsi_nexus *tp, unsigned n, uint8_t *buf)
{
    uint8_t cdb[6] = {0x0a, 0x00};
    size_t len = record_len(n);
    be24(&cdb[2], (uint32_t)len);
    record(buf, len, n);
    int rc = cmd(t, tp, cdb, 6, VSCSI_DIR_TO_DEVICE, buf, len);
    if (rc)
        return rc;
    t->r->writes++;
    t->r->tape_records++;
    t->r->bytes_written += len;
    return check(t, vscsi_sim_good(&t->res), "WRITE(6)");
}

static int write_filemark(struct tape_run *t, const struct vscsi_nexus *tp)
{
    uint8_t cdb[6] = {0x10, 0, 0, 0, 1, 0};
    int rc = cmd(t, tp, cdb, 6, VSCSI_DIR_NONE, NULL, 0);
    if (rc)
        return rc;
    t->r->tape_filemarks++;
    return check(t, vscsi_sim_good(&t->res), "WRITE FILEMARKS");
}

static int read_record(struct tape_run *t, const struct vscsi_nexus *tp, unsigned n, uint8_t *buf,
                       uint8_t *expect)
{
    uint8_t cdb[6] = {0x08, 0x02 /* SILI */};
    size_t len = record_len(n);
    be24(&cdb[2], (uint32_t)len);
    int rc = cmd(t, tp, cdb, 6, VSCSI_DIR_FROM_DEVICE, buf, len);
    if (rc)
        return rc;
    t->r->reads++;
    if (check(t, vscsi_sim_good(&t->res) && t->got == len, "READ(6) of a record"))
        return -EIO;
    t->r->bytes_read += len;
    record(expect, len, n);
    if (memcmp(buf, expect, len) != 0) {
        t->r->verify_failures++;
        return check(t, 0, "record read back differs");
    }
    return 0;
}

static int session(struct tape_run *t, const struct vscsi_nexus *tp, const struct vscsi_nexus *ch,
                   uint8_t *buf, uint8_t *expect)
{
    /* Variable-block mode: MODE SELECT(6) with a block descriptor of length 0. */
    uint8_t ms[12] = {0, 0, 0x10 /* buffered */, 8};
    uint8_t ms_cdb[6] = {0x15, 0x10, 0, 0, sizeof(ms), 0};
    uint8_t rp_cdb[10] = {0x34};
    uint8_t pos[20];
    int rc;

    if (ch && ((rc = move(t, ch, ELEM_STORAGE0, ELEM_DRIVE0))))
        return rc;
    if ((rc = tape_ready(t, tp)) || (rc = cmd_ua(t, tp, ms_cdb, 6, VSCSI_DIR_TO_DEVICE, ms, sizeof(ms))) ||
        (rc = check(t, vscsi_sim_good(&t->res), "MODE SELECT variable blocks")) ||
        (rc = rewind_tape(t, tp)))
        return rc;
    for (unsigned n = 0; n < FILE1_RECORDS; n++)
        if ((rc = write_record(t, tp, n, buf)))
            return rc;
    if ((rc = write_filemark(t, tp)))
        return rc;
    for (unsigned n = FILE1_RECORDS; n < FILE1_RECORDS + FILE2_RECORDS; n++)
        if ((rc = write_record(t, tp, n, buf)))
            return rc;
    if ((rc = write_filemark(t, tp)) ||
        (rc = cmd(t, tp, rp_cdb, 10, VSCSI_DIR_FROM_DEVICE, pos, sizeof(pos))))
        return rc;
    uint32_t block = (uint32_t)pos[4] << 24 | (uint32_t)pos[5] << 16 | (uint32_t)pos[6] << 8 | pos[7];
    if ((rc = check(t, vscsi_sim_good(&t->res) && block == FILE1_RECORDS + FILE2_RECORDS + 2,
                    "READ POSITION after writing")))
        return rc;

    /* Read file 1 back, then run into its filemark. */
    if ((rc = rewind_tape(t, tp)))
        return rc;
    for (unsigned n = 0; n < FILE1_RECORDS; n++)
        if ((rc = read_record(t, tp, n, buf, expect)))
            return rc;
    uint8_t rd[6] = {0x08, 0x02, 0, 0x10, 0x00, 0};
    if ((rc = cmd(t, tp, rd, 6, VSCSI_DIR_FROM_DEVICE, buf, 4096)))
        return rc;
    t->r->errors--; /* the filemark is the expected answer */
    if ((rc = check(t, t->res.status == 0x02 && t->res.sense_len >= 14 && (t->res.sense[2] & 0x80) &&
                           t->res.sense[12] == 0x00 && t->res.sense[13] == 0x01,
                    "filemark not reported")))
        return rc;

    /* SPACE over one filemark from the start lands on file 2's first record. */
    uint8_t sp[6] = {0x11, 0x01, 0, 0, 1, 0};
    if ((rc = rewind_tape(t, tp)) || (rc = cmd(t, tp, sp, 6, VSCSI_DIR_NONE, NULL, 0)) ||
        (rc = check(t, vscsi_sim_good(&t->res), "SPACE filemarks")) ||
        (rc = read_record(t, tp, FILE1_RECORDS, buf, expect)))
        return rc;

    if (!ch)
        return rewind_tape(t, tp);
    /* Unload to the slot, check it is full, load again: the data is still there. */
    uint8_t unload[6] = {0x1b, 0, 0, 0, 0, 0};
    if ((rc = cmd(t, tp, unload, 6, VSCSI_DIR_NONE, NULL, 0)) ||
        (rc = check(t, vscsi_sim_good(&t->res), "UNLOAD")) ||
        (rc = move(t, ch, ELEM_DRIVE0, ELEM_STORAGE0)))
        return rc;
    if ((rc = check(t, slot_full(t, ch, ELEM_STORAGE0) == 1, "cartridge not back in its slot")))
        return rc;
    if ((rc = move(t, ch, ELEM_STORAGE0, ELEM_DRIVE0)) || (rc = tape_ready(t, tp)) ||
        (rc = rewind_tape(t, tp)) || (rc = read_record(t, tp, 0, buf, expect)) ||
        (rc = cmd(t, tp, unload, 6, VSCSI_DIR_NONE, NULL, 0)) ||
        (rc = move(t, ch, ELEM_DRIVE0, ELEM_STORAGE0)))
        return rc;
    return check(t, slot_full(t, ch, ELEM_STORAGE0) == 1, "cartridge lost after the second unload");
}

int vscsi_sim_run_tape(struct vscsi_sim_world *w, const struct vscsi_sim_workload_opts *o,
                       const struct vscsi_nexus *tape, const struct vscsi_nexus *changer,
                       struct vscsi_sim_report *r)
{
    struct tape_run t = {.w = w, .o = o, .r = r};
    uint8_t *buf = malloc(64 * 1024), *expect = malloc(64 * 1024);
    uint64_t start = vscsi_sim_wall_us();
    int rc = buf && expect ? session(&t, tape, changer, buf, expect) : -ENOMEM;

    r->elapsed_us += vscsi_sim_wall_us() - start;
    free(buf);
    free(expect);
    return rc;
}
