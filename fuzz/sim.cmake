# SPDX-License-Identifier: MIT
# Whole-backend fuzzing through the simulator: a hostile frontend's byte script.
if(TARGET vscsi_sim)
  vscsi_add_fuzzer(sim_replay LIBS vscsi_sim)
endif()
