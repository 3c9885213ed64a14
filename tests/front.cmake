# SPDX-License-Identifier: MIT
# Frontend engine (scsifront) on the simulated hypervisor; the tests play the
# toolstack and a hostile backend. Needs the simulator (VSCSI_BUILD_SIM).
if(TARGET vscsi_sim)
  foreach(t test_front_xenbus test_front_io test_front_hostile)
    vscsi_add_test(${t} SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/${t}.c
                                ${CMAKE_CURRENT_SOURCE_DIR}/test_front_harness.c
                   LIBS vscsi_sim)
  endforeach()
endif()
