# SPDX-License-Identifier: MIT
# The hostile-frontend replay harness (sim/scenario/replay.h) and its seeds.
if(TARGET vscsi_sim)
  vscsi_add_test(test_replay SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_replay.c LIBS vscsi_sim)
endif()
if(TARGET vscsi-sim)
  # Every seed through the CLI, one process each (a fresh host), as a user runs them.
  add_test(NAME sim_replay_seeds
           COMMAND sh -c "for f in \"$1\"/*; do \"$0\" --replay \"$f\" | grep -q 'invariants held' || { echo \"FAILED: $f\"; exit 1; }; done"
                   $<TARGET_FILE:vscsi-sim> ${PROJECT_SOURCE_DIR}/fuzz/corpus/sim_replay)
  set_tests_properties(sim_replay_seeds PROPERTIES TIMEOUT 300 LABELS sim)
endif()
