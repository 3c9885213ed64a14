/* SPDX-License-Identifier: MIT */
/* Our wire.h against libxen-dev's <xen/io/vscsiif.h>, in one translation unit
 * (which is itself part of the test: no clashing names). Each field's offset
 * and size is compared at run time so a mismatch names the field. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

/* Xen's ring.h takes its barriers from the includer (xenctrl.h normally). */
#define __XEN_INTERFACE_VERSION__ 0x00040e00
#define xen_mb()                  VSCSI_MB()
#define xen_rmb()                 VSCSI_COMPILER_BARRIER() /* x86, as xenctrl.h */
#define xen_wmb()                 VSCSI_COMPILER_BARRIER()
#include <xen/io/vscsiif.h>

#include "vscsiif/vscsiif.h"
#include "abi/abi_fields.h"

DEFINE_RING_TYPES(vscsi_abi_rt, struct vscsiif_request, struct vscsiif_response);

#define SIZEOF_FIELD(t, f) sizeof(((t *)0)->f)

static void test_fields(void **state)
{
    (void)state;
    unsigned checked = 0;
#define CHECK_FIELD(ot, of, xt, xf)                                                                \
    do {                                                                                           \
        print_message("%-24s %-22s off %3zu size %3zu\n", #ot, #of, offsetof(ot, of),              \
                      SIZEOF_FIELD(ot, of));                                                       \
        assert_int_equal(offsetof(ot, of), offsetof(xt, xf));                                      \
        assert_int_equal(SIZEOF_FIELD(ot, of), SIZEOF_FIELD(xt, xf));                              \
        checked++;                                                                                 \
    } while (0);
    VSCSI_ABI_FIELDS(CHECK_FIELD)
    assert_int_equal(checked, 30);
}

static void test_structs_and_consts(void **state)
{
    (void)state;
#define CHECK_STRUCT(ot, xt)                                                                       \
    assert_int_equal(sizeof(ot), sizeof(xt));                                                      \
    assert_int_equal(_Alignof(ot), _Alignof(xt));
#define CHECK_CONST(o, x) assert_int_equal((long)(o), (long)(x));
    VSCSI_ABI_STRUCTS(CHECK_STRUCT)
    VSCSI_ABI_CONSTS(CHECK_CONST)
    assert_int_equal(sizeof(struct vscsi_request), 252);
    assert_int_equal(sizeof(struct vscsi_response), 252);
    assert_int_equal(sizeof(struct vscsi_seg), 8);
    assert_int_equal(offsetof(struct vscsi_sring, ring), 64);
    assert_int_equal(__CONST_RING_SIZE(vscsiif, 4096), VSCSI_RING_SIZE);
    assert_int_equal(VSCSI_RING_SIZE, 16);
}

/* The same bytes read through both definitions give the same values. */
static void test_bytes_agree(void **state)
{
    (void)state;
    union {
        struct vscsi_request ours;
        struct vscsiif_request xen;
        unsigned char raw[252];
    } u;
    for (unsigned i = 0; i < sizeof(u.raw); i++)
        u.raw[i] = (unsigned char)(i * 7 + 3);
    assert_int_equal(u.ours.rqid, u.xen.rqid);
    assert_int_equal(u.ours.ref_rqid, u.xen.ref_rqid);
    assert_int_equal(u.ours.nr_segments, u.xen.nr_segments);
    assert_int_equal(u.ours.seg[25].gref, u.xen.seg[25].gref);
    assert_int_equal(u.ours.seg[25].length, u.xen.seg[25].length);

    struct vscsi_response r;
    vscsi_rsp_cdb(&r, 9, VSCSI_HOST_BAD_TARGET, 0x02, NULL, 0, 7);
    assert_int_equal(XEN_VSCSIIF_RSLT_HOST(r.rslt), VSCSI_HOST_BAD_TARGET);
    assert_int_equal(XEN_VSCSIIF_RSLT_STATUS(r.rslt), 0x02);
}

/* Xen's own ring macros and ours agree on the shared page. */
static void test_ring_interop(void **state)
{
    (void)state;
    static struct vscsi_sring page;
    struct vscsi_abi_rt_back_ring xback;
    struct vscsi_front_ring front;
    vscsi_sring_init(&page);
    vscsi_front_ring_init(&front, &page);
    BACK_RING_ATTACH(&xback, (struct vscsi_abi_rt_sring *)&page, 0, 4096);
    assert_int_equal(RING_SIZE(&xback), 16);

    struct vscsi_nexus nx = {0, 1, 2};
    uint8_t cdb[6] = {0x12, 0, 0, 0, 36, 0};
    vscsi_req_cdb(vscsi_front_slot(&front), 77, &nx, cdb, 6, VSCSI_DIR_FROM_DEVICE, 30);
    vscsi_front_produce(&front);
    assert_int_equal(vscsi_front_push(&front), 1); /* req_event starts at 1 */

    assert_true(RING_HAS_UNCONSUMED_REQUESTS(&xback));
    struct vscsiif_request xr;
    RING_COPY_REQUEST(&xback, xback.req_cons, &xr);
    xback.req_cons++;
    assert_int_equal(xr.rqid, 77);
    assert_int_equal(xr.cmnd[0], 0x12);
    assert_int_equal(xr.id, 1);
    assert_int_equal(xr.lun, 2);
    struct vscsiif_response *xrsp = RING_GET_RESPONSE(&xback, xback.rsp_prod_pvt);
    memset(xrsp, 0, sizeof(*xrsp));
    xrsp->rqid = 77;
    xrsp->rslt = 0;
    xback.rsp_prod_pvt++;
    int notify;
    RING_PUSH_RESPONSES_AND_CHECK_NOTIFY(&xback, notify);
    assert_int_equal(notify, 1);

    assert_int_equal(vscsi_front_responses(&front), 1);
    struct vscsi_response rsp;
    vscsi_front_take(&front, &rsp);
    assert_int_equal(rsp.rqid, 77);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_structs_and_consts),
        cmocka_unit_test(test_bytes_agree),
        cmocka_unit_test(test_ring_interop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
