# SPDX-License-Identifier: MIT
# Protocol core: wire ABI, ring, requests, responses.
# test_abi compares against Xen's own header, from libxen-dev.
find_path(VSCSI_XEN_IO_INCLUDE xen/io/vscsiif.h)
if(VSCSI_XEN_IO_INCLUDE)
  vscsi_add_test(test_abi SOURCES test_abi.c LIBS vscsiif_static)
  target_include_directories(test_abi PRIVATE ${VSCSI_XEN_IO_INCLUDE})
else()
  vscsi_add_skipped_test(test_abi "no xen/io/vscsiif.h (apt-get install libxen-dev)")
endif()
vscsi_add_test(test_ring SOURCES test_ring.c LIBS vscsiif_static)
vscsi_add_test(test_ring_stress SOURCES test_ring_stress.c LIBS vscsiif_static Threads::Threads TIMEOUT 600)
vscsi_add_test(test_request SOURCES test_request.c LIBS vscsiif_static)
vscsi_add_test(test_response SOURCES test_response.c LIBS vscsiif_static)
vscsi_add_test(test_scsi SOURCES test_scsi.c LIBS vscsiif_static)

# The same ABI check compiled for other architectures (guests may be 32-bit or Arm).
# Without clang (or libxen-dev's header) they show as skipped, never vanish.
find_program(VSCSI_CLANG NAMES clang clang-14)
foreach(triple x86_64-linux-gnu i386-linux-gnu aarch64-linux-gnu arm-linux-gnueabi)
  if(NOT VSCSI_XEN_IO_INCLUDE)
    vscsi_add_skipped_test(test_abi_target_${triple} "no xen/io/vscsiif.h (apt-get install libxen-dev)")
  elseif(VSCSI_CLANG)
    add_test(NAME test_abi_target_${triple}
             COMMAND ${VSCSI_CLANG} --target=${triple} -ffreestanding -std=c11 -Wall -Wextra -Werror
                     -I${PROJECT_SOURCE_DIR}/include -I${CMAKE_CURRENT_SOURCE_DIR}/abi
                     -fsyntax-only ${CMAKE_CURRENT_SOURCE_DIR}/abi/abi_static.c)
  else()
    vscsi_add_skipped_test(test_abi_target_${triple} "no clang to cross-check the ABI for ${triple} (apt-get install clang)")
  endif()
endforeach()
# Public headers must stay valid C++ for embedders.
add_test(NAME test_headers_cxx
         COMMAND ${CMAKE_CXX_COMPILER_LAUNCHER} c++ -std=c++11 -Wall -Wextra -Werror -fsyntax-only
                 -I${PROJECT_SOURCE_DIR}/include -x c++ ${CMAKE_CURRENT_SOURCE_DIR}/abi/headers_cxx.cpp)
