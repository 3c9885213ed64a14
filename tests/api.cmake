# SPDX-License-Identifier: MIT
# The library's binary interface: config structs as older and newer callers
# compiled them, and the symbols both libraries export.
vscsi_add_test(test_config_size SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_config_size.c
               LIBS vscsiif_shared)

# libvscsiif.so exports exactly what the version script and the public
# headers say.
add_test(NAME symbols_shared
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/check_symbols.py shared
                 $<TARGET_FILE:vscsiif_shared> ${PROJECT_SOURCE_DIR}/lib/libvscsiif.map
                 ${PROJECT_SOURCE_DIR}/include)
set_tests_properties(symbols_shared PROPERTIES LABELS abi TIMEOUT 60)

# A static archive has no version script: its internal globals need a prefix
# of their own. Disabled until scripts/rename-internal.sh has run (it turns
# this on); until then `ctest -R symbols_static` reports it as not run.
set(VSCSI_STATIC_PREFIX_CHECK OFF)
add_test(NAME symbols_static_prefix
         COMMAND ${Python3_EXECUTABLE} ${CMAKE_CURRENT_SOURCE_DIR}/check_symbols.py prefix
                 $<TARGET_FILE:vscsiif_static> vscsi_)
set_tests_properties(symbols_static_prefix PROPERTIES LABELS abi TIMEOUT 60)
if(NOT VSCSI_STATIC_PREFIX_CHECK)
  set_tests_properties(symbols_static_prefix PROPERTIES DISABLED TRUE)
endif()
