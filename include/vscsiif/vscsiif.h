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
#include "vscsiif/xenbus.h"
#include "vscsiif/devstr.h"
#include "vscsiif/target.h"
#include "vscsiif/front.h"
#include "vscsiif/back.h"
#include "vscsiif/toolstack.h"
#include "vscsiif/scsi.h"
#endif
