/* SPDX-License-Identifier: MIT */
/* Compile-only ABI check, built for several --target triples by clang: our
 * wire.h and Xen's io/vscsiif.h in one translation unit, every field's
 * offset and size asserted equal. Compiling is the test. */
#include <stddef.h>
#include <stdint.h>

#include <xen/io/vscsiif.h>

#include "vscsiif/scsi.h" /* names nothing Xen's header names */
#include "vscsiif/wire.h"
#include "abi_fields.h"

DEFINE_RING_TYPES(vscsi_abi_check, struct vscsiif_request, struct vscsiif_response);

#define SIZEOF_FIELD(t, f) sizeof(((t *)0)->f)
#define ASSERT_FIELD(ot, of, xt, xf)                                                               \
    _Static_assert(offsetof(ot, of) == offsetof(xt, xf), "offset of " #of " in " #ot);             \
    _Static_assert(SIZEOF_FIELD(ot, of) == SIZEOF_FIELD(xt, xf), "size of " #of " in " #ot);
#define ASSERT_STRUCT(ot, xt)                                                                      \
    _Static_assert(sizeof(ot) == sizeof(xt), "size of " #ot);                                      \
    _Static_assert(_Alignof(ot) == _Alignof(xt), "alignment of " #ot);
#define ASSERT_CONST(o, x) _Static_assert((o) == (x), #o " == " #x);

VSCSI_ABI_FIELDS(ASSERT_FIELD)
VSCSI_ABI_STRUCTS(ASSERT_STRUCT)
VSCSI_ABI_CONSTS(ASSERT_CONST)
_Static_assert(sizeof(struct vscsi_sring) == 4096, "page");
_Static_assert(__CONST_RING_SIZE(vscsiif, 4096) == VSCSI_RING_SIZE, "16 slots");

int vscsi_abi_static_ok(void);
int vscsi_abi_static_ok(void)
{
    return 1;
}
