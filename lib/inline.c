/* SPDX-License-Identifier: MIT */
/* Real, exported copies of the header-only ring, request and response functions, for FFI users and
 * debuggers (the liburing way): the header is compiled once more with the
 * functions made external. Their prototypes are the definitions themselves. */
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#include "vscsiif/common.h"
#define VSCSI_INLINE VSCSI_API
#include "vscsiif/ring.h"
#include "vscsiif/request.h"
#include "vscsiif/response.h"
