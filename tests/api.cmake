# SPDX-License-Identifier: MIT
# The library's binary interface: config structs as older and newer callers
# compiled them.
vscsi_add_test(test_config_size SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_config_size.c
               LIBS vscsiif_shared)
