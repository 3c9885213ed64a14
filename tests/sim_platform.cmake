# SPDX-License-Identifier: MIT
# The simulated hypervisor (sim/platform): grants, event channels, XenStore.
if(TARGET vscsi_sim)
  foreach(t grant evtchn xenstore xs_watch xs_txn threads)
    vscsi_add_test(test_sim_${t} SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_sim_${t}.c LIBS vscsi_sim
                   LABELS sim)
  endforeach()
endif()
