/* SPDX-License-Identifier: MIT */
/* Tape workload: an autoloader session, every answer checked. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/io.h"
#include "scenario/workload.h"
#include "vscsiif/scsi.h"
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
static int cmd_ua(struct tape_run *t, const struct vscsi_nexus *nx, const uint8_t *cdb, uint8_t len,
                  uint8_t dir, void *buf, size_t blen)
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

static int move(struct tape_run *t, const struct vscsi_nexus *ch, unsigned from, unsigned to)
{
    uint8_t cdb[12] = {VSCSI_OP_MOVE_MEDIUM};
    vscsi_put_be16(&cdb[4], from);
    vscsi_put_be16(&cdb[6], to);
    int rc = cmd_ua(t, ch, cdb, 12, VSCSI_DIR_NONE, NULL, 0);
    if (rc)
        return rc;
    t->r->changer_moves++;
    return check(t, vscsi_sim_good(&t->res), "MOVE MEDIUM");
}

/* FULL bit of one storage element, from READ ELEMENT STATUS. */
static int slot_full(struct tape_run *t, const struct vscsi_nexus *ch, unsigned elem)
{
    uint8_t cdb[12] = {VSCSI_OP_READ_ELEMENT_STATUS, 0x02 /* storage */};
    uint8_t data[256] = {0};
    vscsi_put_be16(&cdb[2], elem);
    vscsi_put_be16(&cdb[4], 1);
    vscsi_put_be24(&cdb[7], sizeof(data));
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
    static const uint8_t rew[6] = {VSCSI_OP_REWIND};
    int rc = cmd_ua(t, tp, rew, 6, VSCSI_DIR_NONE, NULL, 0);
    return rc ? rc : check(t, vscsi_sim_good(&t->res), "REWIND");
}

static int write_record(struct tape_run *t, const struct vscsi_nexus *tp, unsigned n, uint8_t *buf)
{
    uint8_t cdb[6] = {VSCSI_OP_WRITE_6, 0x00};
    size_t len = record_len(n);
    vscsi_put_be24(&cdb[2], (uint32_t)len);
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
    uint8_t cdb[6] = {VSCSI_OP_WRITE_FILEMARKS_6, 0, 0, 0, 1, 0};
    int rc = cmd(t, tp, cdb, 6, VSCSI_DIR_NONE, NULL, 0);
    if (rc)
        return rc;
    t->r->tape_filemarks++;
    return check(t, vscsi_sim_good(&t->res), "WRITE FILEMARKS");
}

static int read_record(struct tape_run *t, const struct vscsi_nexus *tp, unsigned n, uint8_t *buf,
                       uint8_t *expect)
{
    uint8_t cdb[6] = {VSCSI_OP_READ_6, 0x02 /* SILI */};
    size_t len = record_len(n);
    vscsi_put_be24(&cdb[2], (uint32_t)len);
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

/* A command that must end GOOD. */
static int good(struct tape_run *t, const struct vscsi_nexus *nx, const uint8_t *cdb, uint8_t len,
                uint8_t dir, void *buf, size_t blen, const char *what)
{
    int rc = cmd_ua(t, nx, cdb, len, dir, buf, blen);
    return rc ? rc : check(t, vscsi_sim_good(&t->res), what);
}

/* st's open: MODE SENSE(6) page 0 (block descriptor only), then MTSETBLK 512
 * through MODE SELECT and back; REPORT DENSITY SUPPORT agrees on the density. */
static int block_size_and_density(struct tape_run *t, const struct vscsi_nexus *tp)
{
    uint8_t ms_cdb[6] = {VSCSI_OP_MODE_SENSE_6, 0, 0x00, 0, 12, 0}, bd[12];
    uint8_t sel[12] = {0, 0, 0x10, 8, 0x7f, 0, 0, 0, 0, 0, 0x02, 0x00};
    uint8_t sel_cdb[6] = {VSCSI_OP_MODE_SELECT_6, 0x10, 0, 0, sizeof(sel), 0};
    uint8_t rds_cdb[10] = {VSCSI_OP_REPORT_DENSITY_SUPPORT, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0},
            rds[256];
    int rc;

    if ((rc = good(t, tp, sel_cdb, 6, VSCSI_DIR_TO_DEVICE, sel, sizeof(sel), "MODE SELECT 512")) ||
        (rc = good(t, tp, ms_cdb, 6, VSCSI_DIR_FROM_DEVICE, bd, sizeof(bd), "MODE SENSE page 0")))
        return rc;
    if ((rc = check(t, t->got == 12 && bd[3] == 8 && (vscsi_get_be32(bd + 8) & 0xffffff) == 512,
                    "block descriptor does not show 512-byte blocks")))
        return rc;
    if ((rc = good(t, tp, rds_cdb, 10, VSCSI_DIR_FROM_DEVICE, rds, sizeof(rds),
                   "REPORT DENSITY SUPPORT")))
        return rc;
    size_t n = ((size_t)rds[0] << 8 | rds[1]) - 2, found = 0;
    for (size_t off = 4; off + 52 <= 4 + n && off + 52 <= t->got; off += 52)
        found += rds[off] == bd[4] && (rds[off + 2] & 0x20); /* the default is the current */
    return check(t, n % 52 == 0 && n >= 52 && found == 1, "density list disagrees with MODE SENSE");
}

/* All four READ POSITION forms at the current position. */
static int position_is(struct tape_run *t, const struct vscsi_nexus *tp, uint64_t obj,
                       uint64_t file, const char *what)
{
    uint8_t b[32];
    for (uint8_t sa = 0; sa <= 8; sa++) {
        uint8_t cdb[10] = {VSCSI_OP_READ_POSITION, sa, 0, 0, 0, 0, 0, 0, sa == 8 ? 32 : 0, 0};
        int rc;

        if (sa != 0 && sa != 1 && sa != 6 && sa != 8)
            continue;
        memset(b, 0xee, sizeof(b));
        if ((rc =
                 good(t, tp, cdb, 10, VSCSI_DIR_FROM_DEVICE, b, sa < 6 ? 20 : 32, "READ POSITION")))
            return rc;
        int ok =
            sa < 6 ? vscsi_get_be32(b + 4) == obj && vscsi_get_be32(b + 8) == obj && !(b[0] & 0x04)
                   : vscsi_get_be64(b + 8) == obj && (sa == 8 || vscsi_get_be64(b + 16) == file);
        if ((rc = check(t, ok && !!(b[0] & 0x80) == (obj == 0), what)))
            return rc;
    }
    return 0;
}

/* Positioning by every route mt-st takes, each checked by READ POSITION. */
static int positioning(struct tape_run *t, const struct vscsi_nexus *tp)
{
    const uint64_t eod = FILE1_RECORDS + FILE2_RECORDS + 2;
    uint8_t sp[6] = {VSCSI_OP_SPACE_6, 0x01, 0, 0, 1, 0};              /* mt fsf 1 */
    uint8_t loc[10] = {VSCSI_OP_LOCATE_10, 0, 0, 0, 0, 0, 3, 0, 0, 0}; /* mt seek 3 */
    uint8_t sp16[16] = {
        VSCSI_OP_SPACE_16, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}; /* 2 blocks forward */
    uint8_t loc16[16] = {VSCSI_OP_LOCATE_16, 0x08, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2}; /* file 2 */
    uint8_t eom[6] = {VSCSI_OP_SPACE_6, 0x03, 0, 0, 0, 0};                        /* mt eod */
    int rc;

    if ((rc = rewind_tape(t, tp)) || (rc = position_is(t, tp, 0, 0, "position at BOP")) ||
        (rc = good(t, tp, sp, 6, VSCSI_DIR_NONE, NULL, 0, "SPACE 1 filemark")) ||
        (rc = position_is(t, tp, FILE1_RECORDS + 1, 1, "position after SPACE")) ||
        (rc = good(t, tp, loc, 10, VSCSI_DIR_NONE, NULL, 0, "LOCATE(10)")) ||
        (rc = position_is(t, tp, 3, 0, "position after LOCATE(10)")) ||
        (rc = good(t, tp, sp16, 16, VSCSI_DIR_NONE, NULL, 0, "SPACE(16)")) ||
        (rc = position_is(t, tp, 5, 0, "position after SPACE(16)")) ||
        (rc = good(t, tp, loc16, 16, VSCSI_DIR_NONE, NULL, 0, "LOCATE(16) to file 2")) ||
        (rc = position_is(t, tp, eod, 2, "position after LOCATE(16)")) ||
        (rc = good(t, tp, eom, 6, VSCSI_DIR_NONE, NULL, 0, "SPACE to end of data")))
        return rc;
    return position_is(t, tp, eod, 2, "position at end of data");
}

/* What tapeinfo and backup software read: the log pages and the MAM. */
static int logs_and_mam(struct tape_run *t, const struct vscsi_nexus *tp, uint64_t written)
{
    uint8_t ls[10] = {VSCSI_OP_LOG_SENSE, 0, 0x40, 0, 0, 0, 0, 0x02, 0x00, 0}, b[512];
    /* list header (13 bytes follow), attribute 0800h, ASCII, 8 bytes */
    static const uint8_t vend[9] = {0, 0, 0, 13, 0x08, 0x00, 0x01, 0, 8};
    uint8_t wa[16] = {VSCSI_OP_WRITE_ATTRIBUTE, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 17, 0, 0};
    uint8_t ra[16] = {
        VSCSI_OP_READ_ATTRIBUTE, 0, 0, 0, 0, 0, 0, 0, 0x08, 0x00, 0, 0, 0x02, 0x00, 0, 0};
    uint8_t wattr[17];
    int rc;

    if ((rc = good(t, tp, ls, 10, VSCSI_DIR_FROM_DEVICE, b, sizeof(b), "LOG SENSE pages")) ||
        (rc = check(
             t, t->got >= 9 && memchr(b + 4, 0x2e, t->got - 4) && memchr(b + 4, 0x0c, t->got - 4),
             "LOG SENSE lacks TapeAlert or sequential-access page")))
        return rc;
    ls[2] = 0x4c;
    if ((rc = good(t, tp, ls, 10, VSCSI_DIR_FROM_DEVICE, b, sizeof(b), "LOG SENSE 0Ch")) ||
        (rc = check(t,
                    t->got >= 16 && b[0] == 0x0c && b[4] == 0 && b[5] == 0 && b[7] == 8 &&
                        vscsi_get_be64(b + 8) == written,
                    "sequential-access page: bytes written")))
        return rc;
    ls[2] = 0x6e;
    if ((rc = good(t, tp, ls, 10, VSCSI_DIR_FROM_DEVICE, b, sizeof(b), "LOG SENSE 2Eh")))
        return rc;
    /* 64 one-byte flags, codes 1..64 in order; a flag may be set (--inject tapealert). */
    if ((rc = check(t, t->got == 4 + 64 * 5 && b[0] == 0x2e, "TapeAlert page length")))
        return rc;
    for (unsigned i = 0; i < 64; i++) {
        const uint8_t *p = b + 4 + i * 5;
        if ((rc = check(t, p[0] == 0 && p[1] == i + 1 && p[3] == 1 && p[4] <= 1,
                        "TapeAlert parameter malformed")))
            return rc;
    }
    /* application vendor: written, then read back through READ ATTRIBUTE from 0800h */
    memcpy(wattr, vend, sizeof(vend));
    memcpy(wattr + 9, "VSCSISIM", 8);
    if ((rc = good(t, tp, wa, 16, VSCSI_DIR_TO_DEVICE, wattr, sizeof(wattr), "WRITE ATTRIBUTE")) ||
        (rc = good(t, tp, ra, 16, VSCSI_DIR_FROM_DEVICE, b, sizeof(b), "READ ATTRIBUTE")))
        return rc;
    return check(t, t->got >= 17 && b[4] == 0x08 && b[5] == 0x00 && !memcmp(b + 9, "VSCSISIM", 8),
                 "attribute 0800h not read back");
}

/* Volume tag of a storage element (READ ELEMENT STATUS with VOLTAG). */
static int slot_tag(struct tape_run *t, const struct vscsi_nexus *ch, unsigned elem, char *tag)
{
    uint8_t cdb[12] = {VSCSI_OP_READ_ELEMENT_STATUS,
                       0x12,
                       (uint8_t)(elem >> 8),
                       (uint8_t)elem,
                       0,
                       1,
                       0,
                       0,
                       1,
                       0,
                       0,
                       0};
    uint8_t d[256];
    int rc = good(t, ch, cdb, 12, VSCSI_DIR_FROM_DEVICE, d, sizeof(d), "READ ELEMENT STATUS");
    if (rc || (rc = check(t, t->got >= 16 + 12 + 32 && (d[9] & 0x80) && (d[18] & 1),
                          "element status without a volume tag")))
        return rc;
    memcpy(tag, d + 28, 32);
    tag[32] = '\0';
    return 0;
}

/* mtx exchange: two slots swap, and swap back. */
static int exchange(struct tape_run *t, const struct vscsi_nexus *ch)
{
    uint8_t cdb[12] = {VSCSI_OP_EXCHANGE_MEDIUM, 0, 0, 0, 0x10, 0x00, 0x10, 0x01, 0x10, 0x00, 0, 0};
    char a[33], b[33], a2[33], b2[33];
    int rc;

    if ((rc = slot_tag(t, ch, ELEM_STORAGE0, a)) || (rc = slot_tag(t, ch, ELEM_STORAGE0 + 1, b)) ||
        (rc = good(t, ch, cdb, 12, VSCSI_DIR_NONE, NULL, 0, "EXCHANGE MEDIUM")) ||
        (rc = slot_tag(t, ch, ELEM_STORAGE0, a2)) || (rc = slot_tag(t, ch, ELEM_STORAGE0 + 1, b2)))
        return rc;
    t->r->changer_moves += 2;
    if ((rc = check(t, !strcmp(a, b2) && !strcmp(b, a2) && strcmp(a, b), "EXCHANGE did not swap")))
        return rc;
    t->r->changer_moves += 2;
    return good(t, ch, cdb, 12, VSCSI_DIR_NONE, NULL, 0, "EXCHANGE MEDIUM back");
}

static int session(struct tape_run *t, const struct vscsi_nexus *tp, const struct vscsi_nexus *ch,
                   uint8_t *buf, uint8_t *expect)
{
    /* Variable-block mode: MODE SELECT(6) with a block descriptor of length 0. */
    uint8_t ms[12] = {0, 0, 0x10 /* buffered */, 8};
    uint8_t ms_cdb[6] = {VSCSI_OP_MODE_SELECT_6, 0x10, 0, 0, sizeof(ms), 0};
    uint8_t rp_cdb[10] = {VSCSI_OP_READ_POSITION};
    uint8_t pos[20];
    int rc;

    if (ch && ((rc = move(t, ch, ELEM_STORAGE0, ELEM_DRIVE0))))
        return rc;
    if ((rc = tape_ready(t, tp)) || (rc = block_size_and_density(t, tp)) ||
        (rc = cmd_ua(t, tp, ms_cdb, 6, VSCSI_DIR_TO_DEVICE, ms, sizeof(ms))) ||
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
    uint32_t block =
        (uint32_t)pos[4] << 24 | (uint32_t)pos[5] << 16 | (uint32_t)pos[6] << 8 | pos[7];
    if ((rc = check(t, vscsi_sim_good(&t->res) && block == FILE1_RECORDS + FILE2_RECORDS + 2,
                    "READ POSITION after writing")))
        return rc;
    uint64_t written = 0;
    for (unsigned n = 0; n < FILE1_RECORDS + FILE2_RECORDS; n++)
        written += record_len(n);
    if ((rc = positioning(t, tp)) || (rc = logs_and_mam(t, tp, written)))
        return rc;

    /* Read file 1 back, then run into its filemark. */
    if ((rc = rewind_tape(t, tp)))
        return rc;
    for (unsigned n = 0; n < FILE1_RECORDS; n++)
        if ((rc = read_record(t, tp, n, buf, expect)))
            return rc;
    uint8_t rd[6] = {VSCSI_OP_READ_6, 0x02, 0, 0x10, 0x00, 0};
    if ((rc = cmd(t, tp, rd, 6, VSCSI_DIR_FROM_DEVICE, buf, 4096)))
        return rc;
    t->r->errors--; /* the filemark is the expected answer */
    if ((rc = check(t,
                    t->res.status == VSCSI_SAM_CHECK_CONDITION && t->res.sense_len >= 14 &&
                        (t->res.sense[2] & 0x80) && t->res.sense[12] == 0x00 &&
                        t->res.sense[13] == 0x01,
                    "filemark not reported")))
        return rc;

    /* SPACE over one filemark from the start lands on file 2's first record. */
    uint8_t sp[6] = {VSCSI_OP_SPACE_6, 0x01, 0, 0, 1, 0};
    if ((rc = rewind_tape(t, tp)) || (rc = cmd(t, tp, sp, 6, VSCSI_DIR_NONE, NULL, 0)) ||
        (rc = check(t, vscsi_sim_good(&t->res), "SPACE filemarks")) ||
        (rc = read_record(t, tp, FILE1_RECORDS, buf, expect)))
        return rc;

    if (!ch)
        return rewind_tape(t, tp);
    /* Unload to the slot, check it is full, load again: the data is still there. */
    uint8_t unload[6] = {VSCSI_OP_LOAD_UNLOAD, 0, 0, 0, 0, 0};
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
    if ((rc = check(t, slot_full(t, ch, ELEM_STORAGE0) == 1,
                    "cartridge lost after the second unload")))
        return rc;
    return exchange(t, ch);
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
