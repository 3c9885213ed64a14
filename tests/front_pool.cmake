# SPDX-License-Identifier: MIT
# Frontend page pool and zero-copy buffers on the simulated hypervisor: the
# test backend of the front harness, and the whole simulator for data.
if(TARGET vscsi_sim)
  vscsi_add_test(test_front_pool SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_front_pool.c
                                         ${CMAKE_CURRENT_SOURCE_DIR}/test_front_harness.c
                 LIBS vscsi_sim)
endif()
