/* SPDX-License-Identifier: MIT */
/* Deterministic fault injection: which command fails is a count, never a random draw. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "target/tgt_int.h"

static void fired(struct tgt_fault_slot *s)
{
    s->fired++;
    if (s->f.count && s->fired >= s->f.count)
        s->used = false;
}

bool tgt_fault_pre(struct tgt_cmd *c)
{
    struct vscsi_tgt_lun *lun = c->lun;
    bool preempted = false;

    for (unsigned i = 0; i < TGT_MAX_FAULTS; i++) {
        struct tgt_fault_slot *s = &lun->faults[i];
        uint64_t nth = s->f.nth ? s->f.nth : 1;

        if (!s->used || s->f.kind == VSCSI_FAULT_MEDIUM || lun->seq - s->base < nth)
            continue;
        switch (s->f.kind) {
        case VSCSI_FAULT_DELAY: {
            uint64_t d = (uint64_t)c->res->delay_us + s->f.delay_us;
            c->res->delay_us = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
            fired(s);
            break;
        }
        case VSCSI_FAULT_TAPEALERT:
            /* A condition the drive raises, not an answer: the command runs. */
            lun->u.t.tapealert |= 1ull << (s->f.flag - 1);
            fired(s);
            break;
        case VSCSI_FAULT_BUSY:
            if (preempted)
                break;
            c->res->status = VSCSI_SAM_BUSY;
            preempted = true;
            fired(s);
            break;
        case VSCSI_FAULT_SENSE:
            if (preempted)
                break;
            tgt_sense(c, s->f.key, s->f.asc, s->f.ascq);
            preempted = true;
            fired(s);
            break;
        case VSCSI_FAULT_HANG:
            /* The command never runs: an abort must leave no trace of it. */
            if (preempted)
                break;
            c->res->hang = 1;
            preempted = true;
            fired(s);
            break;
        default:
            break;
        }
    }
    return preempted;
}

bool tgt_fault_medium(struct vscsi_tgt_lun *lun, uint64_t lba, uint64_t n, uint64_t *bad)
{
    struct tgt_fault_slot *hit = NULL;

    for (unsigned i = 0; i < TGT_MAX_FAULTS; i++) {
        struct tgt_fault_slot *s = &lun->faults[i];

        if (!s->used || s->f.kind != VSCSI_FAULT_MEDIUM)
            continue;
        if (s->f.lba < lba || s->f.lba - lba >= n)
            continue;
        if (!hit || s->f.lba < hit->f.lba)
            hit = s;
    }
    if (!hit)
        return false;
    *bad = hit->f.lba;
    fired(hit);
    return true;
}

int vscsi_tgt_inject(struct vscsi_tgt_lun *lun, const struct vscsi_tgt_fault *f)
{
    int rc = -ENOSPC;

    if (!lun || !f || f->kind <= VSCSI_FAULT_NONE || f->kind > VSCSI_FAULT_TAPEALERT)
        return -EINVAL;
    if (f->kind == VSCSI_FAULT_TAPEALERT &&
        (lun->kind != VSCSI_TGT_TAPE || f->flag < 1 || f->flag > 64))
        return -EINVAL;
    if (f->kind == VSCSI_FAULT_SENSE && (f->key > 0xf || f->key == VSCSI_SK_NO_SENSE))
        return -EINVAL;
    if (lun->lock)
        pthread_mutex_lock(lun->lock);
    for (unsigned i = 0; i < TGT_MAX_FAULTS; i++) {
        struct tgt_fault_slot *s = &lun->faults[i];

        if (s->used)
            continue;
        s->f = *f;
        s->base = lun->seq;
        s->fired = 0;
        s->used = true;
        rc = 0;
        break;
    }
    if (lun->lock)
        pthread_mutex_unlock(lun->lock);
    return rc;
}

void vscsi_tgt_clear_faults(struct vscsi_tgt_lun *lun)
{
    if (lun->lock)
        pthread_mutex_lock(lun->lock);
    memset(lun->faults, 0, sizeof(lun->faults));
    if (lun->lock)
        pthread_mutex_unlock(lun->lock);
}

/* ---- "kind:name=value,..." ---- */

static int parse_num(const char *s, size_t n, uint64_t max, uint64_t *out)
{
    char buf[32], *end;
    unsigned long long v;

    if (n == 0 || n >= sizeof(buf) || s[0] == '-' || s[0] == '+' || s[0] == ' ')
        return -EINVAL;
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    v = strtoull(buf, &end, 0);
    if (errno || *end || v > max)
        return -EINVAL;
    *out = v;
    return 0;
}

enum {
    P_NTH = 1,
    P_COUNT = 2,
    P_KEY = 4,
    P_ASC = 8,
    P_ASCQ = 16,
    P_LBA = 32,
    P_US = 64,
    P_FLAG = 128
};

static const struct {
    const char *name;
    enum vscsi_tgt_fault_kind kind;
    unsigned allowed, required;
} fault_kinds[] = {
    {"sense", VSCSI_FAULT_SENSE, P_NTH | P_COUNT | P_KEY | P_ASC | P_ASCQ, P_KEY},
    {"medium", VSCSI_FAULT_MEDIUM, P_COUNT | P_LBA, P_LBA},
    {"delay", VSCSI_FAULT_DELAY, P_NTH | P_COUNT | P_US, P_US},
    {"hang", VSCSI_FAULT_HANG, P_NTH | P_COUNT, 0},
    {"busy", VSCSI_FAULT_BUSY, P_NTH | P_COUNT, 0},
    {"tapealert", VSCSI_FAULT_TAPEALERT, P_NTH | P_COUNT | P_FLAG, P_FLAG},
};

static const struct {
    const char *name;
    unsigned bit;
    uint64_t max;
} fault_params[] = {
    {"nth", P_NTH, UINT64_MAX}, {"count", P_COUNT, UINT64_MAX}, {"key", P_KEY, 0xf},
    {"asc", P_ASC, 0xff},       {"ascq", P_ASCQ, 0xff},         {"lba", P_LBA, UINT64_MAX},
    {"us", P_US, UINT32_MAX},   {"flag", P_FLAG, 64},
};

int vscsi_tgt_fault_parse(const char *s, struct vscsi_tgt_fault *f)
{
    struct vscsi_tgt_fault out = {0};
    const char *colon, *p;
    unsigned seen = 0, ki;
    size_t klen;

    if (!s || !f)
        return -EINVAL;
    colon = strchr(s, ':');
    klen = colon ? (size_t)(colon - s) : strlen(s);
    for (ki = 0; ki < sizeof(fault_kinds) / sizeof(fault_kinds[0]); ki++)
        if (strlen(fault_kinds[ki].name) == klen && !strncmp(s, fault_kinds[ki].name, klen))
            break;
    if (ki == sizeof(fault_kinds) / sizeof(fault_kinds[0]))
        return -EINVAL;
    out.kind = fault_kinds[ki].kind;

    p = colon ? colon + 1 : s + klen;
    while (colon && *p) {
        const char *comma = strchr(p, ',');
        const char *eq = memchr(p, '=', comma ? (size_t)(comma - p) : strlen(p));
        size_t item = comma ? (size_t)(comma - p) : strlen(p);
        unsigned pi;
        uint64_t v;

        if (!eq)
            return -EINVAL;
        for (pi = 0; pi < sizeof(fault_params) / sizeof(fault_params[0]); pi++)
            if (strlen(fault_params[pi].name) == (size_t)(eq - p) &&
                !strncmp(p, fault_params[pi].name, (size_t)(eq - p)))
                break;
        if (pi == sizeof(fault_params) / sizeof(fault_params[0]))
            return -EINVAL;
        unsigned bit = fault_params[pi].bit;
        if (!(fault_kinds[ki].allowed & bit) || (seen & bit))
            return -EINVAL;
        if (parse_num(eq + 1, item - (size_t)(eq + 1 - p), fault_params[pi].max, &v))
            return -EINVAL;
        seen |= bit;
        switch (bit) {
        case P_NTH:
            out.nth = v;
            break;
        case P_COUNT:
            out.count = v;
            break;
        case P_KEY:
            out.key = (uint8_t)v;
            break;
        case P_ASC:
            out.asc = (uint8_t)v;
            break;
        case P_ASCQ:
            out.ascq = (uint8_t)v;
            break;
        case P_LBA:
            out.lba = v;
            break;
        case P_US:
            out.delay_us = (uint32_t)v;
            break;
        case P_FLAG:
            if (v == 0)
                return -EINVAL;
            out.flag = (uint8_t)v;
            break;
        default:
            break;
        }
        if (!comma)
            break;
        p = comma + 1;
        if (!*p) /* trailing comma */
            return -EINVAL;
    }
    if ((seen & fault_kinds[ki].required) != fault_kinds[ki].required)
        return -EINVAL;
    if (out.kind == VSCSI_FAULT_SENSE && out.key == VSCSI_SK_NO_SENSE)
        return -EINVAL;
    /* "the nth command" is one command unless a count says otherwise. */
    if (out.nth && !(seen & P_COUNT))
        out.count = 1;
    *f = out;
    return 0;
}
