# SPDX-License-Identifier: MIT
# Backend engine against a target that breaks its contract (scripts/mutants.txt kills).
vscsi_add_test(test_back_contract
               SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_back_contract.c
                       ${CMAKE_CURRENT_SOURCE_DIR}/back_harness.c
               LIBS vscsi_sim)
