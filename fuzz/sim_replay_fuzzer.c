/* SPDX-License-Identifier: MIT */
/* A hostile frontend drives a real backend engine over the simulated
 * hypervisor (sim/scenario/replay.h has the input format and the checks).
 * The replayer accounts every rqid itself: each consumed request answered
 * exactly once by its own rqid, TMR answers in an order the protocol
 * allows, nothing left mapped or held by the target. The simulated host is
 * built on the first input and reset between inputs. */
#include "fuzz_helpers.h"
#include "scenario/replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vscsi_sim_replay_result res;

    if (size > 64 * 1024)
        return 0; /* long scripts only slow the search down */
    vscsi_sim_replay_buf(data, size, 0, &res);
    FUZZ_ASSERT_MSG(!res.invariant_broken, "%s", res.why);
    FUZZ_ASSERT(res.responses <= res.slots + 16 * 4 || res.backend_error);
    return 0;
}
