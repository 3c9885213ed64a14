/* SPDX-License-Identifier: MIT */
/* Every field of every wire struct, paired with its name in Xen's header:
 * X(our struct, our field, Xen struct, Xen field). */
#define VSCSI_ABI_FIELDS(X)                                                                        \
    X(struct vscsi_seg, gref, struct scsiif_request_segment, gref)                                 \
    X(struct vscsi_seg, offset, struct scsiif_request_segment, offset)                             \
    X(struct vscsi_seg, length, struct scsiif_request_segment, length)                             \
    X(struct vscsi_request, rqid, struct vscsiif_request, rqid)                                    \
    X(struct vscsi_request, act, struct vscsiif_request, act)                                      \
    X(struct vscsi_request, cmd_len, struct vscsiif_request, cmd_len)                              \
    X(struct vscsi_request, cmnd, struct vscsiif_request, cmnd)                                    \
    X(struct vscsi_request, timeout_per_command, struct vscsiif_request, timeout_per_command)      \
    X(struct vscsi_request, channel, struct vscsiif_request, channel)                              \
    X(struct vscsi_request, id, struct vscsiif_request, id)                                        \
    X(struct vscsi_request, lun, struct vscsiif_request, lun)                                      \
    X(struct vscsi_request, ref_rqid, struct vscsiif_request, ref_rqid)                            \
    X(struct vscsi_request, sc_data_direction, struct vscsiif_request, sc_data_direction)          \
    X(struct vscsi_request, nr_segments, struct vscsiif_request, nr_segments)                      \
    X(struct vscsi_request, seg, struct vscsiif_request, seg)                                      \
    X(struct vscsi_request, reserved, struct vscsiif_request, reserved)                            \
    X(struct vscsi_response, rqid, struct vscsiif_response, rqid)                                  \
    X(struct vscsi_response, act, struct vscsiif_response, act)                                    \
    X(struct vscsi_response, sense_len, struct vscsiif_response, sense_len)                        \
    X(struct vscsi_response, sense_buffer, struct vscsiif_response, sense_buffer)                  \
    X(struct vscsi_response, rslt, struct vscsiif_response, rslt)                                  \
    X(struct vscsi_response, residual_len, struct vscsiif_response, residual_len)                  \
    X(struct vscsi_response, reserved, struct vscsiif_response, reserved)                          \
    X(struct vscsi_sring, req_prod, struct vscsiif_sring, req_prod)                                \
    X(struct vscsi_sring, req_event, struct vscsiif_sring, req_event)                              \
    X(struct vscsi_sring, rsp_prod, struct vscsiif_sring, rsp_prod)                                \
    X(struct vscsi_sring, rsp_event, struct vscsiif_sring, rsp_event)                              \
    X(struct vscsi_sring, pvt, struct vscsiif_sring, pvt)                                          \
    X(struct vscsi_sring, pad, struct vscsiif_sring, __pad)                                        \
    X(struct vscsi_sring, ring[0], struct vscsiif_sring, ring[0]) /* Xen: ring[1] */

#define VSCSI_ABI_STRUCTS(X)                                                                       \
    X(struct vscsi_seg, struct scsiif_request_segment)                                             \
    X(struct vscsi_request, struct vscsiif_request)                                                \
    X(struct vscsi_response, struct vscsiif_response)                                              \
    X(union vscsi_slot, union vscsiif_sring_entry)

/* Constants that must have Xen's values. */
#define VSCSI_ABI_CONSTS(X)                                                                        \
    X(VSCSI_ACT_CDB, VSCSIIF_ACT_SCSI_CDB)                                                         \
    X(VSCSI_ACT_ABORT, VSCSIIF_ACT_SCSI_ABORT)                                                     \
    X(VSCSI_ACT_RESET, VSCSIIF_ACT_SCSI_RESET)                                                     \
    X(VSCSI_ACT_SG_PRESET, VSCSIIF_ACT_SCSI_SG_PRESET)                                             \
    X(VSCSI_SG_TABLESIZE, VSCSIIF_SG_TABLESIZE)                                                    \
    X(VSCSI_MAX_CDB_LEN, VSCSIIF_MAX_COMMAND_SIZE)                                                 \
    X(VSCSI_SENSE_LEN, VSCSIIF_SENSE_BUFFERSIZE)                                                   \
    X(VSCSI_PAGE_SIZE, VSCSIIF_PAGE_SIZE)                                                          \
    X(VSCSI_SG_PER_PAGE, VSCSIIF_SG_PER_PAGE)                                                      \
    X(VSCSI_SG_GRANT, VSCSIIF_SG_GRANT)                                                            \
    X(VSCSI_RSLT_RESET_SUCCESS, XEN_VSCSIIF_RSLT_RESET_SUCCESS)                                    \
    X(VSCSI_RSLT_RESET_FAILED, XEN_VSCSIIF_RSLT_RESET_FAILED)                                      \
    X(VSCSI_HOST_OK, XEN_VSCSIIF_RSLT_HOST_OK)                                                     \
    X(VSCSI_HOST_NO_CONNECT, XEN_VSCSIIF_RSLT_HOST_NO_CONNECT)                                     \
    X(VSCSI_HOST_BUS_BUSY, XEN_VSCSIIF_RSLT_HOST_BUS_BUSY)                                         \
    X(VSCSI_HOST_TIME_OUT, XEN_VSCSIIF_RSLT_HOST_TIME_OUT)                                         \
    X(VSCSI_HOST_BAD_TARGET, XEN_VSCSIIF_RSLT_HOST_BAD_TARGET)                                     \
    X(VSCSI_HOST_ABORT, XEN_VSCSIIF_RSLT_HOST_ABORT)                                               \
    X(VSCSI_HOST_PARITY, XEN_VSCSIIF_RSLT_HOST_PARITY)                                             \
    X(VSCSI_HOST_ERROR, XEN_VSCSIIF_RSLT_HOST_ERROR)                                               \
    X(VSCSI_HOST_RESET, XEN_VSCSIIF_RSLT_HOST_RESET)                                               \
    X(VSCSI_HOST_BAD_INTR, XEN_VSCSIIF_RSLT_HOST_BAD_INTR)                                         \
    X(VSCSI_HOST_PASSTHROUGH, XEN_VSCSIIF_RSLT_HOST_PASSTHROUGH)                                   \
    X(VSCSI_HOST_SOFT_ERROR, XEN_VSCSIIF_RSLT_HOST_SOFT_ERROR)                                     \
    X(VSCSI_HOST_IMM_RETRY, XEN_VSCSIIF_RSLT_HOST_IMM_RETRY)                                       \
    X(VSCSI_HOST_REQUEUE, XEN_VSCSIIF_RSLT_HOST_REQUEUE)                                           \
    X(VSCSI_HOST_TRANSPORT_DISRUPTED, XEN_VSCSIIF_RSLT_HOST_TRANSPORT_DISRUPTED)                   \
    X(VSCSI_HOST_TRANSPORT_FAILFAST, XEN_VSCSIIF_RSLT_HOST_TRANSPORT_FAILFAST)                     \
    X(VSCSI_HOST_TARGET_FAILURE, XEN_VSCSIIF_RSLT_HOST_TARGET_FAILURE)                             \
    X(VSCSI_HOST_NEXUS_FAILURE, XEN_VSCSIIF_RSLT_HOST_NEXUS_FAILURE)                               \
    X(VSCSI_HOST_ALLOC_FAILURE, XEN_VSCSIIF_RSLT_HOST_ALLOC_FAILURE)                               \
    X(VSCSI_HOST_MEDIUM_ERROR, XEN_VSCSIIF_RSLT_HOST_MEDIUM_ERROR)                                 \
    X(VSCSI_HOST_TRANSPORT_MARGINAL, XEN_VSCSIIF_RSLT_HOST_TRANSPORT_MARGINAL)
