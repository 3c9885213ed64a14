# SPDX-License-Identifier: MIT
# Device strings (p-dev / v-dev / libvirt) and the xl `vscsi =` config syntax.
vscsi_add_test(test_devstr SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_devstr.c LIBS vscsiif_toolstack_static)
vscsi_add_test(test_config SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_config.c LIBS vscsiif_toolstack_static)
