/* SPDX-License-Identifier: MIT */
/* CDBs the tests send, built one way. */
#ifndef VSCSI_TESTS_CDB_UTIL_H
#define VSCSI_TESTS_CDB_UTIL_H

#include <stdint.h>
#include <string.h>

/* READ(10) (0x28) or WRITE(10) (0x2a): big-endian LBA and block count. */
static inline void tu_cdb_rw10(uint8_t *cdb, uint8_t op, uint32_t lba, uint16_t blocks)
{
    memset(cdb, 0, 10);
    cdb[0] = op;
    cdb[2] = (uint8_t)(lba >> 24);
    cdb[3] = (uint8_t)(lba >> 16);
    cdb[4] = (uint8_t)(lba >> 8);
    cdb[5] = (uint8_t)lba;
    cdb[7] = (uint8_t)(blocks >> 8);
    cdb[8] = (uint8_t)blocks;
}

#endif
