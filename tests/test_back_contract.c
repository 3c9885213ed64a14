/* SPDX-License-Identifier: MIT */
/* Backend engine against a target that breaks its contract (target.h): a
 * completion for a command the engine has not submitted yet must be ignored,
 * not answered. Every rqid gets exactly one answer, and that answer is the
 * one the target gives after submit. (Kills mutant back-late-completion-answered
 * of scripts/mutants.txt: without the engine's "submitted" check the early
 * completion goes out as the answer.) */
#include <string.h>

#include "back_harness.h"

#define SAM_CHECK_CONDITION 0x02

struct early {
    unsigned asked;
};

/* Offered a command before submit (copy mode, direct_buffer): completes it
 * at once with CHECK CONDITION, then declines to offer a buffer. */
static int early_direct(void *tctx, void *lun, const struct vscsi_target_cmd *cmd,
                        struct vscsi_iov *out)
{
    struct bh *h = tctx;
    struct early *e = h->hook;
    static const uint8_t sense[18] = {0x70, 0, 0x05, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24};

    (void)lun;
    (void)out;
    e->asked++;
    vscsi_back_complete((struct vscsi_target_cmd *)cmd, SAM_CHECK_CONDITION, sense, sizeof(sense),
                        0);
    return 0;
}

static void test_completion_before_submit_ignored(void **state)
{
    (void)state;
    for (int dir = 0; dir < 2; dir++) {
        struct bh_opts o = {.mode = VSCSI_BACK_COPY, .nluns = 1};
        struct bh *h = bh_new(&o);
        struct early e = {0};
        struct bh_xfer x;
        uint8_t d = dir ? VSCSI_DIR_TO_DEVICE : VSCSI_DIR_FROM_DEVICE;

        h->hook = &e;
        h->tgt.ops.direct_buffer = early_direct;
        bh_connect(h);
        bh_xfer_prep(h, &x, 7, d, 3, 0, 0, 0);
        unsigned rec = bh_xfer_send(h, &x, bh_nx(0, 0, 0));
        bh_push(h);
        assert_int_equal(e.asked, 1);
        /* exactly one answer (bh_rslt checks), the real one: GOOD, no sense */
        assert_int_equal(bh_rslt(h, rec), 0);
        assert_int_equal(bh_rsp(h, rec)->sense_len, 0);
        assert_int_equal(bh_rsp(h, rec)->residual_len, 0);
        if (d == VSCSI_DIR_FROM_DEVICE)
            bh_xfer_check_read(h, &x, x.total);
        bh_assert_served(h);
        bh_xfer_free(&x);
        bh_finish(h);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_completion_before_submit_ignored),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
