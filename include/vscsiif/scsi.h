/* SPDX-License-Identifier: MIT */
/*
 * SCSI vocabulary shared by everything that builds or reads a CDB: named
 * operation codes and service actions (SPC, SBC, SSC, SMC), SAM status codes,
 * sense keys, common additional sense codes, and big-endian field helpers
 * with READ/WRITE CDB builders.
 *
 * Names only, no policy: what the library validates lives in lib/. The
 * helpers are static inline because they are trivial byte shuffles with no
 * input to distrust; a caller passes buffers of the stated size. Safe to
 * include beside Xen's <xen/io/vscsiif.h> (which names nothing here) and from
 * C++.
 */
#ifndef VSCSIIF_SCSI_H
#define VSCSIIF_SCSI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- operation codes (byte 0 of the CDB) ---- */
#define VSCSI_OP_TEST_UNIT_READY           0x00
#define VSCSI_OP_REWIND                    0x01 /* SSC */
#define VSCSI_OP_REQUEST_SENSE             0x03
#define VSCSI_OP_FORMAT_UNIT               0x04 /* SBC; FORMAT MEDIUM in SSC */
#define VSCSI_OP_READ_BLOCK_LIMITS         0x05 /* SSC */
#define VSCSI_OP_INITIALIZE_ELEMENT_STATUS 0x07 /* SMC */
#define VSCSI_OP_READ_6                    0x08
#define VSCSI_OP_WRITE_6                   0x0a
#define VSCSI_OP_SET_CAPACITY              0x0b /* SSC */
#define VSCSI_OP_WRITE_FILEMARKS_6         0x10 /* SSC */
#define VSCSI_OP_SPACE_6                   0x11 /* SSC */
#define VSCSI_OP_INQUIRY                   0x12
#define VSCSI_OP_VERIFY_6                  0x13 /* SSC */
#define VSCSI_OP_MODE_SELECT_6             0x15
#define VSCSI_OP_RESERVE_6                 0x16
#define VSCSI_OP_RELEASE_6                 0x17
#define VSCSI_OP_ERASE_6                   0x19 /* SSC */
#define VSCSI_OP_MODE_SENSE_6              0x1a
#define VSCSI_OP_START_STOP_UNIT           0x1b /* SBC; LOAD UNLOAD in SSC */
#define VSCSI_OP_LOAD_UNLOAD               0x1b
#define VSCSI_OP_RECEIVE_DIAGNOSTIC        0x1c
#define VSCSI_OP_SEND_DIAGNOSTIC           0x1d
#define VSCSI_OP_PREVENT_ALLOW_REMOVAL     0x1e
#define VSCSI_OP_READ_CAPACITY_10          0x25
#define VSCSI_OP_READ_10                   0x28
#define VSCSI_OP_WRITE_10                  0x2a
#define VSCSI_OP_LOCATE_10                 0x2b /* SSC; POSITION TO ELEMENT in SMC */
#define VSCSI_OP_POSITION_TO_ELEMENT       0x2b
#define VSCSI_OP_WRITE_AND_VERIFY_10       0x2e
#define VSCSI_OP_VERIFY_10                 0x2f
#define VSCSI_OP_READ_POSITION             0x34 /* SSC */
#define VSCSI_OP_SYNCHRONIZE_CACHE_10      0x35
#define VSCSI_OP_WRITE_BUFFER              0x3b
#define VSCSI_OP_READ_BUFFER               0x3c
#define VSCSI_OP_WRITE_SAME_10             0x41
#define VSCSI_OP_UNMAP                     0x42
#define VSCSI_OP_REPORT_DENSITY_SUPPORT    0x44 /* SSC */
#define VSCSI_OP_LOG_SELECT                0x4c
#define VSCSI_OP_LOG_SENSE                 0x4d
#define VSCSI_OP_MODE_SELECT_10            0x55
#define VSCSI_OP_MODE_SENSE_10             0x5a
#define VSCSI_OP_PERSISTENT_RESERVE_IN     0x5e
#define VSCSI_OP_PERSISTENT_RESERVE_OUT    0x5f
#define VSCSI_OP_VARIABLE_LENGTH           0x7f
#define VSCSI_OP_READ_16                   0x88
#define VSCSI_OP_COMPARE_AND_WRITE         0x89
#define VSCSI_OP_WRITE_16                  0x8a
#define VSCSI_OP_READ_ATTRIBUTE            0x8c
#define VSCSI_OP_WRITE_ATTRIBUTE           0x8d
#define VSCSI_OP_WRITE_AND_VERIFY_16       0x8e
#define VSCSI_OP_VERIFY_16                 0x8f
#define VSCSI_OP_SYNCHRONIZE_CACHE_16      0x91 /* SBC; SPACE(16) in SSC */
#define VSCSI_OP_SPACE_16                  0x91
#define VSCSI_OP_LOCATE_16                 0x92 /* SSC */
#define VSCSI_OP_WRITE_SAME_16             0x93
#define VSCSI_OP_SERVICE_ACTION_IN_16      0x9e /* service action in byte 1, bits 4-0 */
#define VSCSI_OP_REPORT_LUNS               0xa0
#define VSCSI_OP_SECURITY_PROTOCOL_IN      0xa2
#define VSCSI_OP_MAINTENANCE_IN            0xa3 /* service action in byte 1, bits 4-0 */
#define VSCSI_OP_MAINTENANCE_OUT           0xa4
#define VSCSI_OP_MOVE_MEDIUM               0xa5 /* SMC */
#define VSCSI_OP_EXCHANGE_MEDIUM           0xa6 /* SMC */
#define VSCSI_OP_READ_12                   0xa8
#define VSCSI_OP_WRITE_12                  0xaa
#define VSCSI_OP_VERIFY_12                 0xaf
#define VSCSI_OP_SECURITY_PROTOCOL_OUT     0xb5
#define VSCSI_OP_READ_ELEMENT_STATUS       0xb8 /* SMC */

/* ---- service actions ---- */
/* of SERVICE ACTION IN(16) (0x9e) */
#define VSCSI_SA_READ_CAPACITY_16 0x10
#define VSCSI_SA_GET_LBA_STATUS   0x12
/* of MAINTENANCE IN (0xa3) */
#define VSCSI_SA_REPORT_SUPPORTED_OPCODES 0x0c
#define VSCSI_SA_REPORT_SUPPORTED_TMFS    0x0d
#define VSCSI_SA_REPORT_TIMESTAMP         0x0f
/* of PERSISTENT RESERVE IN (0x5e) */
#define VSCSI_SA_PRIN_READ_KEYS           0x00
#define VSCSI_SA_PRIN_READ_RESERVATION    0x01
#define VSCSI_SA_PRIN_REPORT_CAPABILITIES 0x02

/* ---- SAM status (the status byte of a response) ---- */
#define VSCSI_SAM_GOOD                 0x00
#define VSCSI_SAM_CHECK_CONDITION      0x02
#define VSCSI_SAM_CONDITION_MET        0x04
#define VSCSI_SAM_BUSY                 0x08
#define VSCSI_SAM_RESERVATION_CONFLICT 0x18
#define VSCSI_SAM_TASK_SET_FULL        0x28
#define VSCSI_SAM_ACA_ACTIVE           0x30
#define VSCSI_SAM_TASK_ABORTED         0x40

/* ---- sense keys ---- */
#define VSCSI_SK_NO_SENSE        0x0
#define VSCSI_SK_RECOVERED_ERROR 0x1
#define VSCSI_SK_NOT_READY       0x2
#define VSCSI_SK_MEDIUM_ERROR    0x3
#define VSCSI_SK_HARDWARE_ERROR  0x4
#define VSCSI_SK_ILLEGAL_REQUEST 0x5
#define VSCSI_SK_UNIT_ATTENTION  0x6
#define VSCSI_SK_DATA_PROTECT    0x7
#define VSCSI_SK_BLANK_CHECK     0x8
#define VSCSI_SK_ABORTED_COMMAND 0xb
#define VSCSI_SK_VOLUME_OVERFLOW 0xd
#define VSCSI_SK_MISCOMPARE      0xe

/* ---- additional sense code and qualifier, as ASC << 8 | ASCQ ---- */
#define VSCSI_ASC(pair)                       ((uint8_t)((pair) >> 8))
#define VSCSI_ASCQ(pair)                      ((uint8_t)(pair))
#define VSCSI_ASC_NO_ADDITIONAL_SENSE         0x0000
#define VSCSI_ASC_FILEMARK_DETECTED           0x0001
#define VSCSI_ASC_END_OF_PARTITION_MEDIUM     0x0002
#define VSCSI_ASC_BEGINNING_OF_PARTITION      0x0004
#define VSCSI_ASC_END_OF_DATA_DETECTED        0x0005
#define VSCSI_ASC_LUN_NOT_READY_CAUSE_UNKNOWN 0x0400
#define VSCSI_ASC_LUN_BECOMING_READY          0x0401
#define VSCSI_ASC_LUN_NOT_READY_INIT_REQUIRED 0x0402
#define VSCSI_ASC_UNRECOVERED_READ_ERROR      0x1100
#define VSCSI_ASC_PARAMETER_LIST_LENGTH_ERROR 0x1a00
#define VSCSI_ASC_MISCOMPARE_DURING_VERIFY    0x1d00
#define VSCSI_ASC_INVALID_OPCODE              0x2000
#define VSCSI_ASC_LBA_OUT_OF_RANGE            0x2100
#define VSCSI_ASC_INVALID_ELEMENT_ADDRESS     0x2101
#define VSCSI_ASC_INVALID_FIELD_IN_CDB        0x2400
#define VSCSI_ASC_LUN_NOT_SUPPORTED           0x2500
#define VSCSI_ASC_INVALID_FIELD_IN_PARAM_LIST 0x2600
#define VSCSI_ASC_WRITE_PROTECTED             0x2700
#define VSCSI_ASC_NOT_READY_TO_READY_CHANGE   0x2800
#define VSCSI_ASC_IMPORT_EXPORT_ELEMENT       0x2801
#define VSCSI_ASC_POWER_ON_RESET              0x2900
#define VSCSI_ASC_MODE_PARAMETERS_CHANGED     0x2a01
#define VSCSI_ASC_COMMANDS_CLEARED_BY_ANOTHER 0x2f00
#define VSCSI_ASC_INCOMPATIBLE_MEDIUM         0x3000
#define VSCSI_ASC_SAVING_PARAMS_NOT_SUPPORTED 0x3900
#define VSCSI_ASC_MEDIUM_NOT_PRESENT          0x3a00
#define VSCSI_ASC_MEDIUM_DESTINATION_FULL     0x3b0d
#define VSCSI_ASC_MEDIUM_SOURCE_EMPTY         0x3b0e
#define VSCSI_ASC_INTERNAL_TARGET_FAILURE     0x4400
#define VSCSI_ASC_MEDIUM_REMOVAL_PREVENTED    0x5302

/* ---- big-endian fields (every multi-byte SCSI field is big-endian) ---- */
static inline uint16_t vscsi_get_be16(const uint8_t *p)
{
    return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}
static inline uint32_t vscsi_get_be24(const uint8_t *p)
{
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}
static inline uint32_t vscsi_get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline uint64_t vscsi_get_be64(const uint8_t *p)
{
    return (uint64_t)vscsi_get_be32(p) << 32 | vscsi_get_be32(p + 4);
}
static inline void vscsi_put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
/* The low 24 bits of v. */
static inline void vscsi_put_be24(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 16);
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)v;
}
static inline void vscsi_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}
static inline void vscsi_put_be64(uint8_t *p, uint64_t v)
{
    vscsi_put_be32(p, (uint32_t)(v >> 32));
    vscsi_put_be32(p + 4, (uint32_t)v);
}

/* ---- CDB builders: zero the whole CDB, return its length ---- */
#define VSCSI_CDB10_LEN 10
#define VSCSI_CDB16_LEN 16

static inline void vscsi_cdb_zero(uint8_t *cdb, unsigned len)
{
    for (unsigned i = 0; i < len; i++)
        cdb[i] = 0;
}
/* READ(10) or WRITE(10), or any 10-byte CDB with LBA in bytes 2-5 and a
 * block count in bytes 7-8 (VERIFY(10), WRITE AND VERIFY(10), ...). */
static inline unsigned vscsi_cdb_rw10(uint8_t *cdb, uint8_t op, uint32_t lba, uint16_t blocks)
{
    vscsi_cdb_zero(cdb, VSCSI_CDB10_LEN);
    cdb[0] = op;
    vscsi_put_be32(cdb + 2, lba);
    vscsi_put_be16(cdb + 7, blocks);
    return VSCSI_CDB10_LEN;
}
/* READ(16) or WRITE(16) and their kin: LBA in bytes 2-9, count in 10-13. */
static inline unsigned vscsi_cdb_rw16(uint8_t *cdb, uint8_t op, uint64_t lba, uint32_t blocks)
{
    vscsi_cdb_zero(cdb, VSCSI_CDB16_LEN);
    cdb[0] = op;
    vscsi_put_be64(cdb + 2, lba);
    vscsi_put_be32(cdb + 10, blocks);
    return VSCSI_CDB16_LEN;
}
static inline unsigned vscsi_cdb_read10(uint8_t *cdb, uint32_t lba, uint16_t blocks)
{
    return vscsi_cdb_rw10(cdb, VSCSI_OP_READ_10, lba, blocks);
}
static inline unsigned vscsi_cdb_write10(uint8_t *cdb, uint32_t lba, uint16_t blocks)
{
    return vscsi_cdb_rw10(cdb, VSCSI_OP_WRITE_10, lba, blocks);
}
static inline unsigned vscsi_cdb_read16(uint8_t *cdb, uint64_t lba, uint32_t blocks)
{
    return vscsi_cdb_rw16(cdb, VSCSI_OP_READ_16, lba, blocks);
}
static inline unsigned vscsi_cdb_write16(uint8_t *cdb, uint64_t lba, uint32_t blocks)
{
    return vscsi_cdb_rw16(cdb, VSCSI_OP_WRITE_16, lba, blocks);
}
/* READ CAPACITY(16): SERVICE ACTION IN(16) with the allocation length in bytes 10-13. */
static inline unsigned vscsi_cdb_read_capacity16(uint8_t *cdb, uint32_t alloc_len)
{
    vscsi_cdb_zero(cdb, VSCSI_CDB16_LEN);
    cdb[0] = VSCSI_OP_SERVICE_ACTION_IN_16;
    cdb[1] = VSCSI_SA_READ_CAPACITY_16;
    vscsi_put_be32(cdb + 10, alloc_len);
    return VSCSI_CDB16_LEN;
}

#ifdef __cplusplus
}
#endif

#endif
