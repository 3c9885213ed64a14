# SPDX-License-Identifier: MIT
# Multi-page ring (docs/multi-page-ring.md): ring.h slot counts, lib/ring_pages.c
# negotiation, a ring of several granted pages in the simulator.
vscsi_add_test(test_ring_pages SOURCES ${CMAKE_CURRENT_LIST_DIR}/test_ring_pages.c
               LIBS vscsiif_static vscsi_sim LABELS sim)
target_include_directories(test_ring_pages PRIVATE ${PROJECT_SOURCE_DIR}/lib)
