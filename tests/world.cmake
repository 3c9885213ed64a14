# SPDX-License-Identifier: MIT
# The simulator as a whole: engines + hypervisor model + fake target, and the vscsi-sim CLI.
if(TARGET vscsi_sim)
  vscsi_add_test(test_world SOURCES test_world.c LIBS vscsi_sim TIMEOUT 600)
endif()
if(TARGET vscsi-sim)
  # The README's main job, as it is run: exit status and a PASS summary.
  add_test(NAME sim_default COMMAND vscsi-sim --ops 3000)
  set_tests_properties(sim_default PROPERTIES PASS_REGULAR_EXPRESSION "result +PASS" TIMEOUT 300)
  # Multi-page grant maps alias memory, which TSan cannot follow: copy mode there.
  if(VSCSI_SANITIZE MATCHES "thread")
    set(threaded_mode copy)
  else()
    set(threaded_mode map)
  endif()
  add_test(NAME sim_threaded_map COMMAND vscsi-sim --threaded --data-mode ${threaded_mode} --ops 3000 --json)
  add_test(NAME sim_threaded_poll COMMAND vscsi-sim --threaded --poll --ops 3000 --json)
  set_tests_properties(sim_threaded_poll PROPERTIES PASS_REGULAR_EXPRESSION "\"result\":\"pass\"" TIMEOUT 300)
  add_test(NAME sim_deterministic_map COMMAND vscsi-sim --data-mode map --ops 3000 --json)
  set_tests_properties(sim_deterministic_map PROPERTIES PASS_REGULAR_EXPRESSION "\"result\":\"pass\"" TIMEOUT 300)
  set_tests_properties(sim_threaded_map PROPERTIES PASS_REGULAR_EXPRESSION "\"result\":\"pass\"" TIMEOUT 300)
  add_test(NAME sim_bad_option COMMAND vscsi-sim --qd 99)
  set_tests_properties(sim_bad_option PROPERTIES WILL_FAIL TRUE)
  # The fake library's option string, as a user gives it, and one it must refuse.
  add_test(NAME sim_tape_config COMMAND vscsi-sim --workload tape
           --tape-config capacity=16M,serial=DRV1,barcodes=T0001L6:T0002L6,slots=4,ie=2,ua=1)
  set_tests_properties(sim_tape_config PROPERTIES PASS_REGULAR_EXPRESSION "result +PASS" TIMEOUT 120)
  add_test(NAME sim_bad_tape_config COMMAND vscsi-sim --tape-config barcodes=A1:A1)
  set_tests_properties(sim_bad_tape_config PROPERTIES WILL_FAIL TRUE)
  add_test(NAME sim_replay_corpus_file
           COMMAND vscsi-sim --replay ${PROJECT_SOURCE_DIR}/fuzz/corpus/sim_replay/88afd0f294ba170b3b1737fc03d218877d3769c2 --trace)
  set_tests_properties(sim_replay_corpus_file PROPERTIES PASS_REGULAR_EXPRESSION "invariants held" TIMEOUT 60)
endif()
if(TARGET vscsi_sim)
  vscsi_add_test(test_faults SOURCES test_faults.c LIBS vscsi_sim TIMEOUT 600)
endif()
if(TARGET vscsi_sim)
  vscsi_add_test(test_double_fetch SOURCES test_double_fetch.c LIBS vscsi_sim Threads::Threads TIMEOUT 600)
  # The hostile thread writes the shared slot while the backend copies it: that
  # race is the point of the test (cross-domain memory), so TSan is told so for
  # the two places that read shared memory by design; anything else still reports.
  set_tests_properties(test_double_fetch PROPERTIES
    ENVIRONMENT "TSAN_OPTIONS=suppressions=${CMAKE_CURRENT_SOURCE_DIR}/double_fetch.tsan.supp")
endif()
