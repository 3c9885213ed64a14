# SPDX-License-Identifier: MIT
# Sanitizers apply to the whole build so that the library and its tests agree.
if(VSCSI_SANITIZE)
  add_compile_options(-fsanitize=${VSCSI_SANITIZE} -fno-omit-frame-pointer -g)
  add_link_options(-fsanitize=${VSCSI_SANITIZE})
  if(VSCSI_SANITIZE MATCHES "undefined")
    add_compile_options(-fno-sanitize-recover=undefined)
  endif()
endif()
