# SPDX-License-Identifier: MIT
# Backend engine (scsiback) against the simulated hypervisor, the test playing
# the toolstack and a hostile frontend (tests/back_harness.c).
foreach(t xenbus luns io tmr hostile disconnect)
  vscsi_add_test(test_back_${t}
                 SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_back_${t}.c
                         ${CMAKE_CURRENT_SOURCE_DIR}/back_harness.c
                 LIBS vscsi_sim)
endforeach()
