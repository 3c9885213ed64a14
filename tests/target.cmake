# SPDX-License-Identifier: MIT
# The fake SCSI target (target/): one cmocka binary per device kind plus shared SPC and faults.
# They link the target alone, which proves it needs nothing of the simulator.
if(NOT TARGET vscsi_target)
  return()
endif()
foreach(t spc spc_ext disk disk_ext tape tape_pos tape_log tape_mam media_config changer changer_mtx fault)
  vscsi_add_test(test_target_${t} SOURCES ${CMAKE_CURRENT_SOURCE_DIR}/test_target_${t}.c LIBS vscsi_target LABELS target)
endforeach()

# sg3_utils decodes the target's INQUIRY/VPD bytes: an independent check of their layout.
add_executable(tgt_dump_hex ${CMAKE_CURRENT_SOURCE_DIR}/tgt_dump_hex.c)
target_link_libraries(tgt_dump_hex PRIVATE vscsi_target)
vscsi_warnings(tgt_dump_hex)
add_test(NAME test_target_sg3
         COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/target_sg3.sh $<TARGET_FILE:tgt_dump_hex>)
set_tests_properties(test_target_sg3 PROPERTIES SKIP_RETURN_CODE 77 LABELS target TIMEOUT 60)
