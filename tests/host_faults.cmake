# SPDX-License-Identifier: MIT
# Faults a real host sees (issue 11, items 4 and 5): refused commands leave no
# trace on the device, and the engines survive what kills or starves them.
vscsi_add_test(test_back_grants
               SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_back_grants.c
                       ${CMAKE_CURRENT_SOURCE_DIR}/back_harness.c
               LIBS vscsi_sim)
vscsi_add_test(test_host_faults
               SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_host_faults.c
                       ${CMAKE_CURRENT_SOURCE_DIR}/back_harness.c
                       ${CMAKE_CURRENT_SOURCE_DIR}/test_front_harness.c
               LIBS vscsi_sim)
vscsi_add_test(test_sim_direct_maps
               SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_sim_direct_maps.c LIBS vscsi_sim)
