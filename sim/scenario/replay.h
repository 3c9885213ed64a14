/* SPDX-License-Identifier: MIT */
/*
 * A hostile frontend that replays raw bytes against a real backend engine
 * over the simulated hypervisor: the format `vscsi-sim --replay` reads and
 * the whole-simulator fuzzer feeds (docs/fuzzing.md).
 *
 * Input: a sequence of records, each starting with one opcode byte:
 *   'R' + 252 bytes  a request slot, copied raw into the next ring slot;
 *                    gref values below 64 in seg[] (and, for indirect
 *                    requests, in the descriptors of the referenced pool
 *                    pages) name pages of the replayer's pool and are
 *                    rewritten to their real grant refs;
 *   'P' + page(u8) + offset(u16 le) + len(u16 le) + bytes
 *                    writes bytes into pool page `page % 64`;
 *   'G'              publishes the slots written so far and notifies;
 *   'X' + u32 le     writes req_prod raw (a lying frontend) and notifies;
 *   'E'              notifies with nothing new (spurious event);
 *   'C'              frontend goes Closing;
 * Unknown opcodes end the input. At the end everything written is
 * published and the backend runs until idle.
 *
 * Checked at the end (the invariants of the protocol, whatever the input):
 * no response for an rqid that was not requested more often than requested,
 * at most one response per consumed slot, nothing of the frontend's left
 * mapped by dom0 once the backend is freed, and the backend either still
 * serving or latched in a protocol error.
 */
#ifndef VSCSI_SIM_REPLAY_H
#define VSCSI_SIM_REPLAY_H

#include <stddef.h>
#include <stdint.h>

struct vscsi_sim_replay_result {
    uint64_t slots, responses, rejected;
    int backend_error;   /* 0 or the latched -errno (e.g. -EPROTO) */
    int invariant_broken; /* 1 if a check above failed */
    char why[128];
};

/* Replays a buffer; trace prints one line per response. 0 unless an invariant broke. */
int vscsi_sim_replay_buf(const uint8_t *data, size_t len, int trace,
                         struct vscsi_sim_replay_result *out);
/* Reads FILE and replays it, printing a summary. */
int vscsi_sim_replay_file(const char *path, int trace, uint64_t seed);

#endif
