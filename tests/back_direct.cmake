# SPDX-License-Identifier: MIT
# Backend engine with a target's direct buffers (target.h direct_buffer): a
# scripted target on the back harness, the simulator's disk through the
# bridge, and the whole simulator.
vscsi_add_test(test_back_direct
               SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_back_direct.c
                       ${CMAKE_CURRENT_SOURCE_DIR}/back_harness.c
               LIBS vscsi_sim)
