/* SPDX-License-Identifier: MIT */
/*
 * A hostile frontend that replays raw bytes against a real backend engine
 * over the simulated hypervisor: the format `vscsi-sim --replay` reads and
 * the whole-simulator fuzzer feeds (docs/fuzzing.md).
 *
 * Input: a sequence of records, each starting with one opcode byte:
 *   'K' + flags(u8)  only as the very first record: bit 0 map mode (the
 *                    backend maps the data grants instead of copying),
 *                    bit 1 poll mode ('G', 'X' and 'E' call vscsi_back_poll()
 *                    instead of sending an event);
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
 *   'D' + 16 bytes   completion delays of the next 16 commands the target
 *                    is given, in order: 0 completes at once, 1-254 that
 *                    many ticks (1 ms) later, 255 never (only an ABORT,
 *                    a RESET or the disconnect ends it);
 *   'T' + u8         lets that many ticks pass (delayed commands complete);
 *   'Q'              one vscsi_back_poll() without any event.
 * Unknown opcodes end the input. At the end everything written is
 * published, the backend runs until idle, and the frontend goes Closing,
 * then Closed, so whatever is still in flight goes through the backend's
 * disconnect cancel loop.
 *
 * Checked (the invariants of the protocol, whatever the input), with the
 * request each consumed slot really held reconstructed from the ring:
 * every consumed request is answered exactly once, by its own rqid (a
 * response for an rqid with nothing outstanding is a failure); a CDB gets
 * a host/status-shaped answer (host <= 20, no TMR code); an ABORT answered
 * 0x2002 comes right after its victim's host ABORT answer, and a host
 * ABORT answer right before that 0x2002; an ABORT of a live command does
 * not fail (the simulator's target can always withdraw one); a RESET is
 * answered 0x2002 only once every older command of its nexus is answered;
 * sense_len <= 96; at most 16 answers at once; nothing of the frontend's
 * left mapped by dom0 and nothing held by the target once the frontend is
 * Closed; the backend either still serving or latched in a protocol error.
 *
 * The simulated host (hypervisor, domains, a copy-mode and a map-mode
 * backend) is built once per process and reset between inputs, so the
 * functions below are not thread-safe.
 */
#ifndef VSCSI_SIM_REPLAY_H
#define VSCSI_SIM_REPLAY_H

#include <stddef.h>
#include <stdint.h>

struct vscsi_sim_replay_result {
    uint64_t slots, responses, rejected;
    uint64_t aborted, reset; /* answers with host ABORT / host RESET */
    uint64_t tmr_ok;         /* ABORT/RESET answered 0x2002 */
    int backend_error;       /* 0 or the latched -errno (e.g. -EPROTO) */
    int invariant_broken;    /* 1 if a check above failed */
    char why[160];
};

/* Replays a buffer; trace prints one line per response. 0 unless an invariant broke. */
int vscsi_sim_replay_buf(const uint8_t *data, size_t len, int trace,
                         struct vscsi_sim_replay_result *out);
/* Reads FILE and replays it, printing a summary. */
int vscsi_sim_replay_file(const char *path, int trace, uint64_t seed);
/* Frees the simulated host kept between replays (optional, at exit). */
void vscsi_sim_replay_shutdown(void);

#endif
