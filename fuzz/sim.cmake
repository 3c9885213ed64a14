# SPDX-License-Identifier: MIT
# Engine-level fuzzing through the simulator: a hostile frontend's byte script
# against the backend engine, a hostile backend against the frontend engine,
# and hostile XenStore values against both. Included by fuzz/CMakeLists.txt
# when the simulator is built.
vscsi_add_fuzzer(front_engine LIBS vscsi_sim)
vscsi_add_fuzzer(sim_replay LIBS vscsi_sim)
vscsi_add_fuzzer(xenbus_engines LIBS vscsi_sim)
