# SPDX-License-Identifier: MIT
# Tests written for what scripts/coverage.sh showed untested in lib/.
if(TARGET vscsi_sim)
  vscsi_add_test(test_cov_toolstack SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_cov_toolstack.c
                 LIBS vscsi_sim)
endif()
if(TARGET vscsi_sim)
  vscsi_add_test(test_cov_config SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_cov_config.c
                 LIBS vscsi_sim)
endif()
if(TARGET vscsi_sim)
  vscsi_add_test(test_cov_op_failures SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_cov_op_failures.c
                 LIBS vscsi_sim)
endif()
