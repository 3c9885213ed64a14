/* SPDX-License-Identifier: MIT */
/* Umbrella header: the whole protocol library. */
#ifndef VSCSIIF_VSCSIIF_H
#define VSCSIIF_VSCSIIF_H
#include "vscsiif/version.h"
#include "vscsiif/common.h"
#include "vscsiif/wire.h"
#include "vscsiif/ring.h"
#include "vscsiif/request.h"
#include "vscsiif/response.h"
#include "vscsiif/platform.h"
#endif
