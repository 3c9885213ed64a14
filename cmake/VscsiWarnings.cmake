# SPDX-License-Identifier: MIT
# One strict warning set for every target of ours; -Werror only when asked (CI asks).
set(VSCSI_WARNING_FLAGS
    -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith
    -Wwrite-strings -Wimplicit-fallthrough -Wformat=2 -Wundef -Wvla)
if(VSCSI_WERROR)
  list(APPEND VSCSI_WARNING_FLAGS -Werror)
endif()
function(vscsi_warnings target)
  target_compile_options(${target} PRIVATE ${VSCSI_WARNING_FLAGS})
endfunction()
