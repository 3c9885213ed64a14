/* SPDX-License-Identifier: MIT */
/* Simulated hypervisor: grant table v1, foreign mappings and grant copy. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "sim_env.h"

#define PG 4096

static int setup(void **state)
{
    static const unsigned pages[SIM_ENV_DOMS] = {[FRONT] = 8, [BACK] = 4, [OTHER] = 4};

    return sim_env_setup(state, pages);
}

static void grant(struct sim_env *e, int readonly, uint32_t *ref, void **page)
{
    assert_int_equal(e->ops->grant_page(e->front, BACK, readonly, ref, page), 0);
}

/* A page granted to BACK and mapped there as the grant allows. */
static void grant_mapped(struct sim_env *e, int readonly, uint32_t *ref, void **page, void **va)
{
    grant(e, readonly, ref, page);
    assert_int_equal(e->ops->map_grants(e->back, FRONT, 1, ref, !readonly, va), 0);
}

static void unmap_ungrant(struct sim_env *e, uint32_t ref, void *page, void *va)
{
    assert_int_equal(e->ops->unmap_grants(e->back, va, 1), 0);
    assert_int_equal(e->ops->ungrant_page(e->front, ref, page), 0);
}

static void test_grant_page_entry(void **state)
{
    struct sim_env *e = *state;
    uint32_t ref, ref_ro;
    void *page, *page_ro;
    grant(e, 0, &ref, &page);
    grant(e, 1, &ref_ro, &page_ro);
    assert_true(ref >= VSCSI_SIM_GNT_RESERVED);
    assert_true(ref_ro >= VSCSI_SIM_GNT_RESERVED);
    assert_int_not_equal(ref, ref_ro);
    assert_ptr_not_equal(page, page_ro);
    for (int i = 0; i < PG; i++)
        assert_int_equal(((uint8_t *)page)[i], 0);

    uint16_t flags, domid;
    uint32_t frame;
    assert_int_equal(vscsi_sim_grant_entry(e->hv, FRONT, ref, &flags, &domid, &frame), 0);
    assert_int_equal(flags, VSCSI_SIM_GTF_permit_access);
    assert_int_equal(domid, BACK);
    assert_int_equal(vscsi_sim_grant_entry(e->hv, FRONT, ref_ro, &flags, &domid, NULL), 0);
    assert_int_equal(flags, VSCSI_SIM_GTF_permit_access | VSCSI_SIM_GTF_readonly);
    assert_int_equal(vscsi_sim_grants_active(e->hv, FRONT), 2);
    assert_int_equal(vscsi_sim_grants_in_use(e->hv, FRONT), 0);
    assert_ptr_equal(vscsi_sim_grant_page_ptr(e->hv, FRONT, ref), page);

    assert_int_equal(e->ops->ungrant_page(e->front, ref, page), 0);
    assert_int_equal(e->ops->ungrant_page(e->front, ref_ro, page_ro), 0);
    assert_int_equal(vscsi_sim_grants_active(e->hv, FRONT), 0);
    assert_int_equal(vscsi_sim_grant_entry(e->hv, FRONT, ref, &flags, NULL, NULL), 0);
    assert_int_equal(flags, 0);
    assert_null(vscsi_sim_grant_page_ptr(e->hv, FRONT, ref));
}

static void test_grant_exhaustion_and_reserved(void **state)
{
    struct sim_env *e = *state;
    uint32_t refs[8];
    void *pages[8];
    for (int i = 0; i < 8; i++) {
        grant(e, 0, &refs[i], &pages[i]);
        assert_true(refs[i] >= VSCSI_SIM_GNT_RESERVED);
        memset(pages[i], 0xA5, PG); /* dirty: a recycled page must come back zeroed */
        for (int j = 0; j < i; j++)
            assert_int_not_equal(refs[i], refs[j]);
    }
    uint32_t ref;
    void *page;
    assert_int_equal(e->ops->grant_page(e->front, BACK, 0, &ref, &page), -ENOMEM);
    assert_int_equal(e->ops->ungrant_page(e->front, refs[3], pages[3]), 0);
    grant(e, 0, &ref, &page);
    assert_int_equal(((uint8_t *)page)[100], 0);
    assert_int_equal(e->ops->ungrant_page(e->front, ref, page), 0);
    for (int i = 0; i < 8; i++)
        if (i != 3)
            assert_int_equal(e->ops->ungrant_page(e->front, refs[i], pages[i]), 0);
}

static void test_ungrant_errors(void **state)
{
    struct sim_env *e = *state;
    uint32_t ref;
    void *page;
    grant(e, 0, &ref, &page);
    assert_int_equal(e->ops->ungrant_page(e->front, ref, (uint8_t *)page + PG), -EINVAL);
    assert_int_equal(e->ops->ungrant_page(e->front, 0, page), -EINVAL);
    assert_int_equal(e->ops->ungrant_page(e->front, 1000000, page), -EINVAL);
    assert_int_equal(e->ops->ungrant_page(e->front, ref, page), 0);
    assert_int_equal(e->ops->ungrant_page(e->front, ref, page), -EINVAL);
}

static void test_map_alias_and_flags(void **state)
{
    struct sim_env *e = *state;
    uint32_t ref;
    void *page, *va;
    grant_mapped(e, 0, &ref, &page, &va);
    assert_ptr_not_equal(va, page);

    uint16_t flags;
    vscsi_sim_grant_entry(e->hv, FRONT, ref, &flags, NULL, NULL);
    assert_int_equal(flags,
                     VSCSI_SIM_GTF_permit_access | VSCSI_SIM_GTF_reading | VSCSI_SIM_GTF_writing);
    assert_int_equal(vscsi_sim_grants_in_use(e->hv, FRONT), 1);
    assert_int_equal(vscsi_sim_mappings(e->hv, BACK), 1);

    strcpy(page, "from front");
    assert_string_equal(va, "from front");
    strcpy((char *)va + 2000, "from back");
    assert_string_equal((char *)page + 2000, "from back");

    assert_int_equal(e->ops->unmap_grants(e->back, va, 1), 0);
    vscsi_sim_grant_entry(e->hv, FRONT, ref, &flags, NULL, NULL);
    assert_int_equal(flags, VSCSI_SIM_GTF_permit_access);
    assert_int_equal(vscsi_sim_grants_in_use(e->hv, FRONT), 0);
    assert_int_equal(vscsi_sim_mappings(e->hv, BACK), 0);
    assert_int_equal(e->ops->unmap_grants(e->back, va, 1), -EINVAL);
    assert_int_equal(e->ops->ungrant_page(e->front, ref, page), 0);

    struct vscsi_sim_stats st;
    vscsi_sim_dom_stats(e->back, &st);
    assert_int_equal(st.maps, 1);
    assert_int_equal(st.unmaps, 1);
}

static void test_map_ro_sets_reading_only(void **state)
{
    struct sim_env *e = *state;
    uint32_t ref;
    void *page, *va;
    grant_mapped(e, 1, &ref, &page, &va);
    uint16_t flags;
    vscsi_sim_grant_entry(e->hv, FRONT, ref, &flags, NULL, NULL);
    assert_int_equal(flags,
                     VSCSI_SIM_GTF_permit_access | VSCSI_SIM_GTF_readonly | VSCSI_SIM_GTF_reading);
    memcpy(page, "ro data", 8);
    assert_string_equal(va, "ro data");
    unmap_ungrant(e, ref, page, va);
}

static void test_map_contiguous(void **state)
{
    struct sim_env *e = *state;
    uint32_t refs[4];
    void *pages[4], *va;
    for (int i = 0; i < 4; i++) {
        grant(e, 0, &refs[i], &pages[i]);
        memset(pages[i], 'a' + i, PG);
    }
    /* Map out of order to prove the mapping follows the refs, not memory. */
    uint32_t order[4] = {refs[2], refs[0], refs[3], refs[1]};
    assert_int_equal(e->ops->map_grants(e->back, FRONT, 4, order, 1, &va), 0);
    const uint8_t *p = va;
    const char expect[4] = {'c', 'a', 'd', 'b'};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(p[i * PG], expect[i]);
        assert_int_equal(p[i * PG + PG - 1], expect[i]);
    }
    ((uint8_t *)va)[PG + 7] = 'Z'; /* second page is refs[0] */
    assert_int_equal(((uint8_t *)pages[0])[7], 'Z');
    assert_int_equal(vscsi_sim_mappings(e->hv, BACK), 4);
    assert_int_equal(e->ops->unmap_grants(e->back, va, 3), -EINVAL);
    assert_int_equal(e->ops->unmap_grants(e->back, va, 4), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(e->ops->ungrant_page(e->front, refs[i], pages[i]), 0);
}

static void assert_nothing_mapped(struct sim_env *e)
{
    assert_int_equal(vscsi_sim_mappings(e->hv, BACK), 0);
    assert_int_equal(vscsi_sim_grants_in_use(e->hv, FRONT), 0);
}

static void test_map_failures_map_nothing(void **state)
{
    struct sim_env *e = *state;
    uint32_t ref, ref_ro, ref_other, freed;
    void *page, *page_ro, *page_other, *pfreed, *va = NULL;
    grant(e, 0, &ref, &page);
    grant(e, 1, &ref_ro, &page_ro);
    assert_int_equal(e->ops->grant_page(e->front, OTHER, 0, &ref_other, &page_other), 0);
    grant(e, 0, &freed, &pfreed);
    assert_int_equal(e->ops->ungrant_page(e->front, freed, pfreed), 0);

    uint32_t out_of_range[2] = {ref, 1000000};
    assert_int_equal(e->ops->map_grants(e->back, FRONT, 2, out_of_range, 1, &va), -EINVAL);
    assert_nothing_mapped(e);
    uint32_t reserved[2] = {ref, 1};
    assert_int_equal(e->ops->map_grants(e->back, FRONT, 2, reserved, 1, &va), -EINVAL);
    assert_nothing_mapped(e);
    uint32_t revoked[2] = {ref, freed};
    assert_int_equal(e->ops->map_grants(e->back, FRONT, 2, revoked, 1, &va), -EINVAL);
    assert_nothing_mapped(e);
    uint32_t not_ours[2] = {ref, ref_other};
    assert_int_equal(e->ops->map_grants(e->back, FRONT, 2, not_ours, 1, &va), -EPERM);
    assert_nothing_mapped(e);
    uint32_t ro[2] = {ref, ref_ro};
    assert_int_equal(e->ops->map_grants(e->back, FRONT, 2, ro, 1, &va), -EPERM);
    assert_nothing_mapped(e);
    assert_int_equal(e->ops->map_grants(e->back, 99, 1, &ref, 1, &va), -ESRCH);
    assert_int_equal(e->ops->map_grants(e->back, FRONT, 0, &ref, 1, &va), -EINVAL);
    assert_nothing_mapped(e);

    /* The read-only one maps fine read-only, and OTHER can map its own. */
    assert_int_equal(e->ops->map_grants(e->back, FRONT, 2, ro, 0, &va), 0);
    assert_int_equal(e->ops->unmap_grants(e->back, va, 2), 0);
    assert_int_equal(e->ops->map_grants(e->other, FRONT, 1, &ref_other, 1, &va), 0);
    assert_int_equal(e->ops->unmap_grants(e->other, va, 1), 0);

    assert_int_equal(e->ops->ungrant_page(e->front, ref, page), 0);
    assert_int_equal(e->ops->ungrant_page(e->front, ref_ro, page_ro), 0);
    assert_int_equal(e->ops->ungrant_page(e->front, ref_other, page_other), 0);
}

#define FAULTED 42
static void on_fault(int sig)
{
    (void)sig;
    _exit(FAULTED);
}

static void test_ro_mapping_write_faults(void **state)
{
    struct sim_env *e = *state;
    uint32_t ref;
    void *page, *va;
    grant_mapped(e, 1, &ref, &page, &va);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* cmocka (and sanitizers) trap SIGSEGV; our own handler gives a
         * verdict none of them can be confused with. */
        struct sigaction sa = {.sa_handler = on_fault};
        sigaction(SIGSEGV, &sa, NULL);
        sigaction(SIGBUS, &sa, NULL);
        *(volatile uint8_t *)va = 1;
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), FAULTED);
    assert_int_equal(*(volatile uint8_t *)va, 0);
    unmap_ungrant(e, ref, page, va);
}

static void test_revoke_while_mapped_refused(void **state)
{
    struct sim_env *e = *state;
    uint32_t ref;
    void *page, *va;
    grant_mapped(e, 0, &ref, &page, &va);
    assert_int_equal(e->ops->ungrant_page(e->front, ref, page), -EBUSY);
    /* Still granted, still the same page on both sides. */
    uint16_t flags;
    vscsi_sim_grant_entry(e->hv, FRONT, ref, &flags, NULL, NULL);
    assert_true(flags & VSCSI_SIM_GTF_permit_access);
    assert_int_equal(vscsi_sim_grants_active(e->hv, FRONT), 1);
    strcpy(va, "still shared");
    assert_string_equal(page, "still shared");
    unmap_ungrant(e, ref, page, va);
    assert_int_equal(vscsi_sim_grants_active(e->hv, FRONT), 0);
}

static void test_copy(void **state)
{
    struct sim_env *e = *state;
    uint32_t ref, ref_ro, ref_other;
    void *page, *page_ro, *page_other;
    grant(e, 0, &ref, &page);
    grant(e, 1, &ref_ro, &page_ro);
    assert_int_equal(e->ops->grant_page(e->front, OTHER, 0, &ref_other, &page_other), 0);
    memcpy((char *)page + 100, "hello grant", 12);
    memcpy(page_ro, "readonly", 9);

    char in[32] = {0}, in2[16] = {0}, out[16] = "written";
    char junk[16] = "junk";
    struct vscsi_grant_copy segs[] = {
        {.ref = ref, .domid = FRONT, .offset = 100, .len = 12, .to_grant = 0, .local = in},
        {.ref = ref, .domid = FRONT, .offset = 4000, .len = 8, .to_grant = 1, .local = out},
        {.ref = ref_ro, .domid = FRONT, .offset = 0, .len = 9, .to_grant = 0, .local = in2},
        {.ref = ref_ro, .domid = FRONT, .offset = 0, .len = 4, .to_grant = 1, .local = junk},
        {.ref = ref_other, .domid = FRONT, .offset = 0, .len = 4, .to_grant = 0, .local = junk},
        {.ref = 1000000, .domid = FRONT, .offset = 0, .len = 4, .to_grant = 0, .local = junk},
        {.ref = 3, .domid = FRONT, .offset = 0, .len = 4, .to_grant = 0, .local = junk},
        {.ref = ref, .domid = FRONT, .offset = 4090, .len = 7, .to_grant = 1, .local = junk},
        {.ref = ref, .domid = 77, .offset = 0, .len = 4, .to_grant = 0, .local = junk},
    };
    for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++)
        segs[i].status = 99;
    assert_int_equal(e->ops->copy_grants(e->back, segs, sizeof(segs) / sizeof(segs[0])), 0);
    assert_int_equal(segs[0].status, VSCSI_GNTST_OKAY);
    assert_string_equal(in, "hello grant");
    assert_int_equal(segs[1].status, VSCSI_GNTST_OKAY);
    assert_string_equal((char *)page + 4000, "written");
    assert_int_equal(segs[2].status, VSCSI_GNTST_OKAY);
    assert_string_equal(in2, "readonly");
    assert_int_equal(segs[3].status, VSCSI_GNTST_PERMISSION_DENIED);
    assert_string_equal(page_ro, "readonly");
    assert_int_equal(segs[4].status, VSCSI_GNTST_PERMISSION_DENIED);
    assert_int_equal(segs[5].status, VSCSI_GNTST_BAD_GNTREF);
    assert_int_equal(segs[6].status, VSCSI_GNTST_BAD_GNTREF);
    assert_int_equal(segs[7].status, VSCSI_GNTST_BAD_COPY_ARG);
    assert_int_equal(((uint8_t *)page)[4095], 0);
    assert_int_equal(segs[8].status, VSCSI_GNTST_BAD_DOMAIN);
    assert_string_equal(junk, "junk");

    /* A copy is "in use" only while it runs. */
    assert_int_equal(vscsi_sim_grants_in_use(e->hv, FRONT), 0);
    struct vscsi_sim_stats st;
    vscsi_sim_dom_stats(e->back, &st);
    assert_int_equal(st.copies, 3);
    assert_int_equal(st.copy_bytes, 12 + 8 + 9);

    assert_int_equal(e->ops->ungrant_page(e->front, ref, page), 0);
    struct vscsi_grant_copy gone = {.ref = ref, .domid = FRONT, .len = 4, .local = junk};
    assert_int_equal(e->ops->copy_grants(e->back, &gone, 1), 0);
    assert_int_equal(gone.status, VSCSI_GNTST_BAD_GNTREF);
    assert_int_equal(e->ops->ungrant_page(e->front, ref_ro, page_ro), 0);
    assert_int_equal(e->ops->ungrant_page(e->front, ref_other, page_other), 0);
}

/* One bad page in the middle of a run of good ones, each way it can be bad:
 * the run is checked page by page as strictly as a lone segment would be.
 * The bad segment gets its own status and not one of its bytes moves (the
 * sentinel on the other side stays whole); its neighbours, merged into one
 * memcpy around it, still arrive; every pin is gone afterwards. */
enum bad_kind {
    BAD_REVOKED,
    BAD_RO,
    BAD_OTHER_DOM,
    BAD_OFFSET,
    BAD_NULL_LOCAL,
    BAD_REF_RANGE,
    BAD_REF_RESERVED,
    BAD_POKED_TYPE,
    BAD_POKED_DOMID,
    BAD_NR
};

#define RUN 6
#define MID 3

static void copy_run_case(struct sim_env *e, enum bad_kind kind, int to_grant)
{
    static uint8_t local[RUN * PG];
    uint8_t *addr;
    void *pages[RUN];
    uint32_t refs[RUN];
    int st[RUN];
    int16_t want = VSCSI_GNTST_BAD_GNTREF;

    assert_int_equal(e->ops->alloc_pages(e->front, RUN, (void **)&addr), 0);
    for (int i = 0; i < RUN; i++) {
        pages[i] = addr + i * PG;
        memset(pages[i], 'a' + i, PG);
    }
    memset(local, 'L', sizeof(local));
    /* Pages 0..MID-1 and MID+1.. writable to BACK; MID as the case needs. */
    assert_int_equal(e->ops->grant_access(e->front, BACK, MID, pages, 0, refs), 0);
    assert_int_equal(e->ops->grant_access(e->front, kind == BAD_OTHER_DOM ? OTHER : BACK, 1,
                                          &pages[MID], kind == BAD_RO, &refs[MID]),
                     0);
    assert_int_equal(
        e->ops->grant_access(e->front, BACK, RUN - MID - 1, &pages[MID + 1], 0, &refs[MID + 1]), 0);
    struct vscsi_grant_copy segs[RUN];
    for (int i = 0; i < RUN; i++)
        segs[i] = (struct vscsi_grant_copy){.ref = refs[i],
                                            .domid = FRONT,
                                            .len = PG,
                                            .to_grant = (uint8_t)to_grant,
                                            .local = local + i * PG,
                                            .status = 99};
    struct vscsi_grant_copy *b = &segs[MID];
    switch (kind) {
    case BAD_REVOKED:
        assert_int_equal(e->ops->end_access(e->front, 1, &refs[MID], st), 0);
        break;
    case BAD_RO:
    case BAD_OTHER_DOM:
        want = VSCSI_GNTST_PERMISSION_DENIED;
        break;
    case BAD_OFFSET:
        b->offset = 1;
        want = VSCSI_GNTST_BAD_COPY_ARG;
        break;
    case BAD_NULL_LOCAL:
        b->local = NULL;
        want = VSCSI_GNTST_GENERAL_ERROR;
        break;
    case BAD_REF_RANGE:
        b->ref = 1000000;
        break;
    case BAD_REF_RESERVED:
        b->ref = VSCSI_SIM_GNT_RESERVED - 1;
        break;
    case BAD_POKED_TYPE:
        assert_int_equal(vscsi_sim_grant_poke(e->hv, FRONT, refs[MID], 0, BACK), 0);
        break;
    case BAD_POKED_DOMID:
        assert_int_equal(
            vscsi_sim_grant_poke(e->hv, FRONT, refs[MID], VSCSI_SIM_GTF_permit_access, OTHER), 0);
        want = VSCSI_GNTST_PERMISSION_DENIED;
        break;
    case BAD_NR:
        break;
    }
    struct vscsi_sim_stats st0, st1;
    vscsi_sim_dom_stats(e->back, &st0);
    assert_int_equal(e->ops->copy_grants(e->back, segs, RUN), 0);
    vscsi_sim_dom_stats(e->back, &st1);
    for (int i = 0; i < RUN; i++) {
        assert_int_equal(segs[i].status, i == MID ? want : VSCSI_GNTST_OKAY);
        const uint8_t *g = pages[i], *l = local + i * PG;
        for (int k = 0; k < PG; k++) {
            if (to_grant)
                assert_int_equal(g[k], i == MID ? 'a' + i : 'L');
            else
                assert_int_equal(l[k], i == MID ? 'L' : 'a' + i);
        }
    }
    assert_int_equal(st1.copies - st0.copies, RUN - 1);
    assert_int_equal(st1.copy_bytes - st0.copy_bytes, (RUN - 1) * PG);
    /* No pin left behind: every entry is back to what the granter wrote. */
    assert_int_equal(vscsi_sim_grants_in_use(e->hv, FRONT), 0);
    for (int i = 0; i < RUN; i++) {
        uint16_t flags;
        if (i == MID && (kind == BAD_REVOKED || kind == BAD_POKED_TYPE))
            continue;
        assert_int_equal(vscsi_sim_grant_entry(e->hv, FRONT, refs[i], &flags, NULL, NULL), 0);
        assert_int_equal(flags & (VSCSI_SIM_GTF_reading | VSCSI_SIM_GTF_writing), 0);
    }
    int kept = e->ops->end_access(e->front, RUN, refs, st);
    assert_int_equal(kept, kind == BAD_REVOKED); /* a poked entry is still revocable */
    assert_int_equal(e->ops->free_pages(e->front, addr, RUN), 0);
    assert_int_equal(vscsi_sim_grants_active(e->hv, FRONT), 0);
}

static void test_copy_run_bad_middle(void **state)
{
    for (int to_grant = 0; to_grant < 2; to_grant++)
        for (int k = 0; k < BAD_NR; k++)
            if (k != BAD_RO || to_grant) /* a read-only page may be read */
                copy_run_case(*state, (enum bad_kind)k, to_grant);
}

/* Segments run in the order given even where they touch the same bytes:
 * only a segment continuing the previous one in the same direction joins
 * its memcpy. */
static void test_copy_run_order(void **state)
{
    struct sim_env *e = *state;
    uint8_t *addr;
    uint32_t refs[2];
    void *pages[2];
    assert_int_equal(e->ops->alloc_pages(e->front, 2, (void **)&addr), 0);
    pages[0] = addr;
    pages[1] = addr + PG;
    assert_int_equal(e->ops->grant_access(e->front, BACK, 2, pages, 0, refs), 0);
    char a[8] = "AAAAAAA", bb[8] = "BBBBBBB", out[16] = {0}, out2[8] = {0};
    struct vscsi_grant_copy c[] = {
        {.ref = refs[0], .domid = FRONT, .offset = PG - 4, .len = 4, .to_grant = 1, .local = a},
        {.ref = refs[1], .domid = FRONT, .offset = 0, .len = 4, .to_grant = 1, .local = a + 4},
        {.ref = refs[0], .domid = FRONT, .offset = PG - 4, .len = 8, .to_grant = 0, .local = out},
        {.ref = refs[1], .domid = FRONT, .offset = 0, .len = 4, .to_grant = 1, .local = bb},
        {.ref = refs[1], .domid = FRONT, .offset = 0, .len = 4, .to_grant = 0, .local = out2},
    };
    /* c[2] crosses its page: refused, nothing read into out. */
    assert_int_equal(e->ops->copy_grants(e->back, c, 5), 0);
    assert_int_equal(c[0].status, VSCSI_GNTST_OKAY);
    assert_int_equal(c[1].status, VSCSI_GNTST_OKAY);
    assert_int_equal(c[2].status, VSCSI_GNTST_BAD_COPY_ARG);
    assert_int_equal(c[3].status, VSCSI_GNTST_OKAY);
    assert_int_equal(c[4].status, VSCSI_GNTST_OKAY);
    assert_memory_equal(addr + PG - 4, "AAAA", 4);
    assert_memory_equal(addr + PG, "BBBB", 4);
    assert_int_equal(out[0], 0);
    assert_memory_equal(out2, "BBBB", 4);
    /* Continuing each other on both sides but not in direction: two copies. */
    char mix[8] = "wwwwrrrr";
    memcpy(addr + 100, "xxxxRRRR", 8);
    struct vscsi_grant_copy d[] = {
        {.ref = refs[0], .domid = FRONT, .offset = 100, .len = 4, .to_grant = 1, .local = mix},
        {.ref = refs[0], .domid = FRONT, .offset = 104, .len = 4, .to_grant = 0, .local = mix + 4},
    };
    assert_int_equal(e->ops->copy_grants(e->back, d, 2), 0);
    assert_int_equal(d[0].status, VSCSI_GNTST_OKAY);
    assert_int_equal(d[1].status, VSCSI_GNTST_OKAY);
    assert_memory_equal(addr + 100, "wwwwRRRR", 8);
    assert_memory_equal(mix, "wwwwRRRR", 8);
    int st[2];
    assert_int_equal(e->ops->end_access(e->front, 2, refs, st), 0);
    assert_int_equal(e->ops->free_pages(e->front, addr, 2), 0);
}

static void test_fault_map_copy_grant(void **state)
{
    struct sim_env *e = *state;
    uint32_t ref;
    void *page, *va;
    grant(e, 0, &ref, &page);

    assert_int_equal(vscsi_sim_fault(e->hv, BACK, VSCSI_SIM_FAULT_MAP, 2, 1), 0);
    assert_int_equal(e->ops->map_grants(e->back, FRONT, 1, &ref, 1, &va), 0);
    assert_int_equal(e->ops->unmap_grants(e->back, va, 1), 0);
    assert_int_equal(e->ops->map_grants(e->back, FRONT, 1, &ref, 1, &va), -EIO);
    assert_nothing_mapped(e);
    assert_int_equal(e->ops->map_grants(e->back, FRONT, 1, &ref, 1, &va), 0);
    assert_int_equal(e->ops->unmap_grants(e->back, va, 1), 0);

    char buf[8];
    struct vscsi_grant_copy segs[3];
    for (int i = 0; i < 3; i++)
        segs[i] = (struct vscsi_grant_copy){.ref = ref, .domid = FRONT, .len = 8, .local = buf};
    assert_int_equal(vscsi_sim_fault(e->hv, BACK, VSCSI_SIM_FAULT_COPY, 2, 0), 0);
    assert_int_equal(e->ops->copy_grants(e->back, segs, 3), 0);
    assert_int_equal(segs[0].status, VSCSI_GNTST_OKAY);
    assert_int_equal(segs[1].status, VSCSI_GNTST_GENERAL_ERROR);
    assert_int_equal(segs[2].status, VSCSI_GNTST_GENERAL_ERROR); /* count 0 = forever */
    assert_int_equal(vscsi_sim_fault(e->hv, BACK, VSCSI_SIM_FAULT_COPY, 0, 0), 0);
    assert_int_equal(e->ops->copy_grants(e->back, segs, 1), 0);
    assert_int_equal(segs[0].status, VSCSI_GNTST_OKAY);

    uint32_t r2;
    void *p2;
    assert_int_equal(vscsi_sim_fault(e->hv, FRONT, VSCSI_SIM_FAULT_GRANT_PAGE, 1, 1), 0);
    assert_int_equal(e->ops->grant_page(e->front, BACK, 0, &r2, &p2), -ENOMEM);
    grant(e, 0, &r2, &p2);
    assert_int_equal(e->ops->ungrant_page(e->front, r2, p2), 0);
    assert_int_equal(e->ops->ungrant_page(e->front, ref, page), 0);
    assert_int_equal(vscsi_sim_fault(e->hv, 99, VSCSI_SIM_FAULT_MAP, 1, 1), -ESRCH);
}

/* The page-pool ops in batches: grant_access is all or nothing (a bad page,
 * too few refs, a fault on any page grant none), end_access revokes each
 * ref on its own and reports the ones that stay. */
static void test_pool_batches(void **state)
{
    struct sim_env *e = *state;
    uint8_t *addr;
    void *gp, *va;
    uint32_t gref, refs[20];
    int st[5];
    uint16_t flags;
    assert_int_equal(e->ops->alloc_pages(e->front, 4, (void **)&addr), 0);
    grant(e, 0, &gref, &gp); /* not a pool page */

    void *bad[3] = {addr, gp, addr + PG};
    assert_int_equal(e->ops->grant_access(e->front, BACK, 3, bad, 0, refs), -EINVAL);
    assert_int_equal(vscsi_sim_grants_active(e->hv, FRONT), 1);
    void *same[20];
    for (int i = 0; i < 20; i++)
        same[i] = addr;
    /* 8 pages: 16 refs, one of them taken by grant_page. */
    assert_int_equal(e->ops->grant_access(e->front, BACK, 16, same, 0, refs), -ENOSPC);
    assert_int_equal(vscsi_sim_grants_active(e->hv, FRONT), 1);
    void *four[4] = {addr, addr + PG, addr, addr + 2 * PG};
    assert_int_equal(vscsi_sim_fault(e->hv, FRONT, VSCSI_SIM_FAULT_GRANT_PAGE, 3, 1), 0);
    assert_int_equal(e->ops->grant_access(e->front, BACK, 4, four, 0, refs), -ENOMEM);
    assert_int_equal(vscsi_sim_grants_active(e->hv, FRONT), 1);

    /* A page twice in one batch: two refs on one frame. */
    assert_int_equal(e->ops->grant_access(e->front, BACK, 4, four, 0, refs), 0);
    assert_int_equal(vscsi_sim_grants_active(e->hv, FRONT), 5);
    for (int i = 0; i < 4; i++) {
        assert_ptr_equal(vscsi_sim_grant_page_ptr(e->hv, FRONT, refs[i]), four[i]);
        for (int j = 0; j < i; j++)
            assert_int_not_equal(refs[i], refs[j]);
    }

    /* Mapped and copied at once: the flags follow the pins. */
    assert_int_equal(e->ops->map_grants(e->back, FRONT, 1, &refs[1], 1, &va), 0);
    char buf[8] = "copy";
    struct vscsi_grant_copy c[2] = {
        {.ref = refs[1], .domid = FRONT, .len = 8, .to_grant = 1, .local = buf},
        {.ref = refs[1], .domid = FRONT, .offset = 8, .len = 8, .local = buf}};
    assert_int_equal(e->ops->copy_grants(e->back, c, 2), 0);
    assert_int_equal(c[0].status, VSCSI_GNTST_OKAY);
    assert_int_equal(c[1].status, VSCSI_GNTST_OKAY);
    assert_int_equal(vscsi_sim_grant_entry(e->hv, FRONT, refs[1], &flags, NULL, NULL), 0);
    assert_int_equal(flags,
                     VSCSI_SIM_GTF_permit_access | VSCSI_SIM_GTF_reading | VSCSI_SIM_GTF_writing);
    assert_string_equal(addr + PG, "copy");

    /* Each ref on its own: the mapped one and a bogus one stay. */
    uint32_t ends[5] = {refs[0], refs[1], 0, refs[2], refs[3]};
    assert_int_equal(e->ops->end_access(e->front, 5, ends, st), 2);
    assert_int_equal(st[0], 0);
    assert_int_equal(st[1], -EBUSY);
    assert_int_equal(st[2], -EINVAL);
    assert_int_equal(st[3], 0);
    assert_int_equal(st[4], 0);
    assert_int_equal(vscsi_sim_grants_active(e->hv, FRONT), 2);
    assert_int_equal(e->ops->free_pages(e->front, addr, 4), -EBUSY);
    assert_int_equal(e->ops->end_access(e->front, 1, &refs[0], st), 1); /* already gone */
    assert_int_equal(st[0], -EINVAL);
    assert_int_equal(e->ops->end_access(e->front, 0, refs, st), 0);
    assert_int_equal(e->ops->grant_access(e->front, BACK, 0, NULL, 0, NULL), 0);
    assert_int_equal(e->ops->unmap_grants(e->back, va, 1), 0);
    assert_int_equal(vscsi_sim_grant_entry(e->hv, FRONT, refs[1], &flags, NULL, NULL), 0);
    assert_int_equal(flags, VSCSI_SIM_GTF_permit_access);
    assert_int_equal(e->ops->end_access(e->front, 1, &refs[1], st), 0);
    assert_int_equal(st[0], 0);
    assert_int_equal(e->ops->free_pages(e->front, addr, 4), 0);
    assert_int_equal(e->ops->ungrant_page(e->front, gref, gp), 0);
    assert_int_equal(vscsi_sim_grants_active(e->hv, FRONT), 0);
}

static void test_granter_crash_keeps_mapping(void **state)
{
    struct sim_env *e = *state;
    uint32_t ref, ref2;
    void *page, *page2, *va;
    grant(e, 0, &ref, &page);
    grant(e, 0, &ref2, &page2);
    strcpy(page, "before crash");
    assert_int_equal(e->ops->map_grants(e->back, FRONT, 1, &ref, 1, &va), 0);
    vscsi_sim_dom_destroy(e->front);
    assert_null(vscsi_sim_dom_get(e->hv, FRONT));

    /* The mapped page survives; the unmapped grant is revoked. */
    assert_string_equal(va, "before crash");
    strcpy(va, "after crash");
    assert_string_equal(va, "after crash");
    assert_int_equal(vscsi_sim_grants_in_use(e->hv, FRONT), 1);
    assert_int_equal(vscsi_sim_grants_active(e->hv, FRONT), 1);
    void *va2;
    assert_int_equal(e->ops->map_grants(e->back, FRONT, 1, &ref2, 1, &va2), -ESRCH);
    char buf[4];
    struct vscsi_grant_copy c = {.ref = ref, .domid = FRONT, .len = 4, .local = buf};
    assert_int_equal(e->ops->copy_grants(e->back, &c, 1), 0);
    assert_int_equal(c.status, VSCSI_GNTST_BAD_DOMAIN);
    assert_int_equal(e->ops->grant_page(e->front, BACK, 0, &ref2, &page2), -ESRCH);

    assert_int_equal(e->ops->unmap_grants(e->back, va, 1), 0);
    assert_int_equal(vscsi_sim_grants_in_use(e->hv, FRONT), 0);
    assert_int_equal(vscsi_sim_grants_active(e->hv, FRONT), 0);

    /* The id can be reused by a fresh domain with a fresh table. */
    e->front = vscsi_sim_dom_create(e->hv, FRONT, 8);
    assert_non_null(e->front);
    assert_int_equal(vscsi_sim_grants_active(e->hv, FRONT), 0);
}

static void test_mapper_crash_releases(void **state)
{
    struct sim_env *e = *state;
    uint32_t ref;
    void *page, *va;
    grant_mapped(e, 0, &ref, &page, &va);
    assert_int_equal(vscsi_sim_grants_in_use(e->hv, FRONT), 1);
    vscsi_sim_dom_destroy(e->back);
    assert_int_equal(vscsi_sim_grants_in_use(e->hv, FRONT), 0);
    assert_int_equal(vscsi_sim_mappings(e->hv, BACK), 0);
    assert_int_equal(e->ops->ungrant_page(e->front, ref, page), 0);
    assert_int_equal(e->ops->map_grants(e->back, FRONT, 1, &ref, 1, &va), -ESRCH);
}

static void test_hostile_poke(void **state)
{
    struct sim_env *e = *state;
    uint32_t ref;
    void *page, *va, *va2;
    grant_mapped(e, 0, &ref, &page, &va);
    /* A hostile front clears the entry under a live mapping. */
    assert_int_equal(vscsi_sim_grant_poke(e->hv, FRONT, ref, 0, BACK), 0);
    uint16_t flags;
    vscsi_sim_grant_entry(e->hv, FRONT, ref, &flags, NULL, NULL);
    assert_int_equal(flags, VSCSI_SIM_GTF_reading | VSCSI_SIM_GTF_writing);
    assert_int_equal(e->ops->map_grants(e->back, FRONT, 1, &ref, 1, &va2), -EINVAL);
    char buf[4];
    struct vscsi_grant_copy c = {.ref = ref, .domid = FRONT, .len = 4, .local = buf};
    assert_int_equal(e->ops->copy_grants(e->back, &c, 1), 0);
    assert_int_equal(c.status, VSCSI_GNTST_BAD_GNTREF);
    /* The existing mapping stays valid, as on Xen. */
    strcpy(va, "x");
    assert_string_equal(vscsi_sim_grant_page_ptr(e->hv, FRONT, ref), "x");
    /* Rewritten to read-only: a writable map is refused, read-only works. */
    assert_int_equal(vscsi_sim_grant_poke(e->hv, FRONT, ref,
                                          VSCSI_SIM_GTF_permit_access | VSCSI_SIM_GTF_readonly,
                                          BACK),
                     0);
    assert_int_equal(e->ops->map_grants(e->back, FRONT, 1, &ref, 1, &va2), -EPERM);
    assert_int_equal(e->ops->map_grants(e->back, FRONT, 1, &ref, 0, &va2), 0);
    assert_int_equal(e->ops->unmap_grants(e->back, va2, 1), 0);
    unmap_ungrant(e, ref, page, va);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        SIM_TEST(test_grant_page_entry),
        SIM_TEST(test_grant_exhaustion_and_reserved),
        SIM_TEST(test_ungrant_errors),
        SIM_TEST(test_map_alias_and_flags),
        SIM_TEST(test_map_ro_sets_reading_only),
        SIM_TEST(test_map_contiguous),
        SIM_TEST(test_map_failures_map_nothing),
        SIM_TEST(test_ro_mapping_write_faults),
        SIM_TEST(test_revoke_while_mapped_refused),
        SIM_TEST(test_copy),
        SIM_TEST(test_copy_run_bad_middle),
        SIM_TEST(test_copy_run_order),
        SIM_TEST(test_fault_map_copy_grant),
        SIM_TEST(test_pool_batches),
        SIM_TEST(test_granter_crash_keeps_mapping),
        SIM_TEST(test_mapper_crash_releases),
        SIM_TEST(test_hostile_poke),
    };
    return cmocka_run_group_tests_name("sim_grant", tests, NULL, NULL);
}
