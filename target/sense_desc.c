/* SPDX-License-Identifier: MIT */
/*
 * Descriptor-format (72h) sense, for when the initiator sets D_SENSE in the
 * Control mode page (SPC-4 7.5.8). Every command builds fixed-format sense
 * (sense.c); the dispatcher rewrites it here once, so both formats always
 * say the same thing.
 */
#include <string.h>

#include "target/tgt_int.h"

bool tgt_dsense(const struct vscsi_tgt_lun *lun)
{
    for (unsigned i = 0; i < lun->nmp; i++)
        if ((lun->mp[i].cur[0] & 0x3f) == 0x0a)
            return lun->mp[i].cur[2] & 0x04;
    return false;
}

size_t tgt_sense_to_desc(uint8_t *s, size_t len, size_t cap)
{
    uint8_t f[32] = {0}, d[96] = {0};
    size_t n = 8;

    if (len < 8 || ((s[0] & 0x7f) != 0x70 && (s[0] & 0x7f) != 0x71) || cap < 8)
        return len;
    memcpy(f, s, len < sizeof(f) ? len : sizeof(f));
    d[0] = (s[0] & 0x7f) == 0x71 ? 0x73 : 0x72;
    d[1] = f[2] & 0x0f;
    d[2] = f[12];
    d[3] = f[13];
    if (f[0] & 0x80) { /* information */
        d[n] = 0x00;
        d[n + 1] = 0x0a;
        d[n + 2] = 0x80; /* VALID */
        memcpy(d + n + 8, f + 3, 4);
        n += 12;
    }
    if (f[8] | f[9] | f[10] | f[11]) { /* command-specific information */
        d[n] = 0x01;
        d[n + 1] = 0x0a;
        memcpy(d + n + 8, f + 8, 4);
        n += 12;
    }
    if (f[15] & 0x80) { /* sense-key specific: same three bytes as fixed 15-17 */
        d[n] = 0x02;
        d[n + 1] = 0x06;
        memcpy(d + n + 4, f + 15, 3);
        n += 8;
    }
    if (f[2] & 0xe0) { /* stream commands: FILEMARK, EOM, ILI */
        d[n] = 0x04;
        d[n + 1] = 0x02;
        d[n + 3] = f[2] & 0xe0;
        n += 4;
    }
    if (n > cap)
        n = cap;
    d[7] = (uint8_t)(n - 8);
    memcpy(s, d, n);
    if (len > n)
        memset(s + n, 0, len - n);
    return n;
}
