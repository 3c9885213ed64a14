/* SPDX-License-Identifier: MIT */
/* Fixed-format (70h) sense data: the only format the target produces. */
#include <string.h>

#include "target/tgt_int.h"

#define SENSE_FIXED_LEN 18

void tgt_fill_sense(uint8_t *s, uint8_t flags, uint8_t key, uint8_t asc, uint8_t ascq, bool valid,
                    uint32_t info)
{
    memset(s, 0, SENSE_FIXED_LEN);
    s[0] = (uint8_t)(0x70 | (valid ? 0x80 : 0));
    s[2] = (uint8_t)((flags & 0xe0) | (key & 0x0f));
    tgt_put32(s + 3, info);
    s[7] = SENSE_FIXED_LEN - 8;
    s[12] = asc;
    s[13] = ascq;
}

void vscsi_tgt_set_sense(struct vscsi_tgt_result *res, uint8_t key, uint8_t asc, uint8_t ascq)
{
    res->status = VSCSI_SAM_CHECK_CONDITION;
    memset(res->sense, 0, sizeof(res->sense));
    tgt_fill_sense(res->sense, 0, key, asc, ascq, false, 0);
    res->sense_len = SENSE_FIXED_LEN;
}

void tgt_sense(struct tgt_cmd *c, uint8_t key, uint8_t asc, uint8_t ascq)
{
    vscsi_tgt_set_sense(c->res, key, asc, ascq);
}

void tgt_sense_info(struct tgt_cmd *c, uint8_t flags, uint8_t key, uint8_t asc, uint8_t ascq,
                    uint32_t info)
{
    vscsi_tgt_set_sense(c->res, key, asc, ascq);
    tgt_fill_sense(c->res->sense, flags, key, asc, ascq, true, info);
}

/* Sense-key specific field pointer (SPC-4 4.5.2.4.2): tells the initiator
 * exactly which byte (and bit) it got wrong. */
static void field_pointer(struct tgt_cmd *c, uint8_t asc, bool cdb, unsigned byte, int bit)
{
    uint8_t *s = c->res->sense;

    tgt_sense(c, VSCSI_SK_ILLEGAL_REQUEST, asc, 0);
    s[15] = (uint8_t)(0x80 | (cdb ? 0x40 : 0));
    if (bit >= 0)
        s[15] |= (uint8_t)(0x08 | (bit & 7));
    tgt_put16(s + 16, (uint16_t)(byte > 0xffff ? 0xffff : byte));
}

void tgt_bad_cdb(struct tgt_cmd *c, unsigned byte, int bit)
{
    field_pointer(c, 0x24, true, byte, bit);
}

void tgt_bad_param(struct tgt_cmd *c, unsigned byte, int bit)
{
    field_pointer(c, 0x26, false, byte, bit);
}

void tgt_param_len_error(struct tgt_cmd *c)
{
    tgt_sense(c, VSCSI_SK_ILLEGAL_REQUEST, 0x1a, 0x00);
}

void tgt_short_data_out(struct tgt_cmd *c)
{
    tgt_sense(c, VSCSI_SK_ABORTED_COMMAND, 0x4b, 0x00);
}

void tgt_pad(uint8_t *dst, const char *s, size_t n)
{
    size_t l = s ? strlen(s) : 0;

    if (l > n)
        l = n;
    memcpy(dst, s ? s : "", l);
    memset(dst + l, ' ', n - l);
}
