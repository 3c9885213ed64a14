/* SPDX-License-Identifier: MIT */
/* Real, exported copies of the header-only ring operations and field
 * setters, for FFI users and debuggers (the liburing way): the headers are
 * compiled once more with those functions made external. Nothing here checks
 * hostile input: the validator and the decoder are ordinary exported
 * functions (request_validate.c, response.c). */
#pragma GCC diagnostic ignored "-Wmissing-prototypes"
#include "vscsiif/common.h"
#define VSCSI_INLINE VSCSI_API
#include "vscsiif/ring.h"
#include "vscsiif/request.h"
#include "vscsiif/response.h"
