/* SPDX-License-Identifier: MIT */
/*
 * Domain memory. Each domain's RAM is one memfd so that a foreign mapping can
 * map the very same frames elsewhere (MAP_SHARED): writes through a grant
 * mapping are then visible to the granter and the other way round, and a
 * read-only mapping faults on write, as on Xen. A mapping keeps its frames
 * alive after the granter closed its memfd, which models "pages still mapped
 * by others stay valid" of a crashed domain for free.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv_internal.h"

#define PAGE VSCSI_SIM_PAGE_SIZE

int vscsi_sim_mem_init(struct vscsi_sim_dom *dom, uint32_t pages)
{
    dom->mem_pages = pages;
    dom->free_frames = malloc(sizeof(uint32_t) * (pages ? pages : 1));
    dom->frame_kind = calloc(pages ? pages : 1, sizeof(*dom->frame_kind));
    dom->frame_grants = calloc(pages ? pages : 1, sizeof(*dom->frame_grants));
    dom->frame_stacked = malloc(pages ? pages : 1);
    if (!dom->free_frames || !dom->frame_kind || !dom->frame_grants || !dom->frame_stacked)
        return -ENOMEM;
    /* Lowest frame on top: first allocations are predictable for tests. */
    for (uint32_t i = 0; i < pages; i++)
        dom->free_frames[i] = pages - 1 - i;
    memset(dom->frame_stacked, 1, pages);
    dom->nstack_frames = pages;
    dom->nfree_frames = pages;
    if (!pages)
        return 0;
    dom->memfd = memfd_create("vscsi-sim-dom", MFD_CLOEXEC);
    if (dom->memfd < 0)
        return -errno;
    size_t len = (size_t)pages * PAGE;
    if (ftruncate(dom->memfd, (off_t)len) < 0)
        return -errno;
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, dom->memfd, 0);
    if (p == MAP_FAILED)
        return -errno;
    dom->mem = p;
    return 0;
}

void vscsi_sim_mem_fini(struct vscsi_sim_dom *dom)
{
    if (dom->mem)
        munmap(dom->mem, (size_t)dom->mem_pages * PAGE);
    dom->mem = NULL;
    if (dom->memfd >= 0)
        close(dom->memfd);
    dom->memfd = -1;
    free(dom->free_frames);
    free(dom->frame_kind);
    free(dom->frame_grants);
    free(dom->frame_stacked);
    dom->free_frames = NULL;
    dom->frame_kind = NULL;
    dom->frame_grants = NULL;
    dom->frame_stacked = NULL;
    dom->nstack_frames = 0;
    dom->nfree_frames = 0;
    dom->top_used = 0;
}

unsigned vscsi_sim_dom_free_pages(struct vscsi_sim_dom *dom)
{
    pthread_mutex_lock(&dom->gnt_lock);
    unsigned n = dom->nfree_frames;
    pthread_mutex_unlock(&dom->gnt_lock);
    return n;
}

/* Amortised O(1): every stale entry is skipped once, then it is gone. */
int vscsi_sim_mem_alloc(struct vscsi_sim_dom *dom, uint32_t *frame)
{
    while (dom->nfree_frames && dom->nstack_frames) {
        uint32_t f = dom->free_frames[--dom->nstack_frames];
        dom->frame_stacked[f] = 0;
        if (dom->frame_kind[f] != VSCSI_SIM_FRAME_FREE)
            continue; /* taken by a pool run */
        dom->nfree_frames--;
        dom->frame_kind[f] = VSCSI_SIM_FRAME_GRANT;
        *frame = f;
        return 0;
    }
    return -ENOMEM;
}

void vscsi_sim_mem_free(struct vscsi_sim_dom *dom, uint32_t frame)
{
    if (dom->free_frames) {
        /* A frame whose stale entry is still stacked gets its old place
         * back, so the order grant_page hands frames out in survives a
         * pool's run being taken and given back. */
        if (!dom->frame_stacked[frame]) {
            dom->free_frames[dom->nstack_frames++] = frame;
            dom->frame_stacked[frame] = 1;
        }
        dom->nfree_frames++;
        dom->frame_kind[frame] = VSCSI_SIM_FRAME_FREE;
        if (frame >= dom->mem_pages - dom->top_used)
            dom->top_used = dom->mem_pages - 1 - frame;
    }
}

/* The highest free run, which keeps the predictable low frames for
 * grant_page: a scan down from the top that usually stops after `count`
 * frames, and no search of the free stack (its entries go stale). */
int vscsi_sim_mem_alloc_run(struct vscsi_sim_dom *dom, uint32_t count, uint32_t *first)
{
    uint32_t run = 0, start = 0;
    bool found = false;

    if (!count || count > dom->nfree_frames)
        return -ENOMEM;
    /* Frames above top_used are known taken: pools grow down from the top. */
    for (uint32_t f = dom->mem_pages - dom->top_used; f-- > 0;) {
        run = dom->frame_kind[f] == VSCSI_SIM_FRAME_FREE ? run + 1 : 0;
        if (run == count) {
            start = f;
            found = true;
            break;
        }
    }
    if (!found)
        return -ENOMEM;
    dom->nfree_frames -= count;
    if (start + count == dom->mem_pages - dom->top_used)
        dom->top_used += count;
    for (uint32_t f = start; f < start + count; f++)
        dom->frame_kind[f] = VSCSI_SIM_FRAME_POOL;
    *first = start;
    return 0;
}

void *vscsi_sim_mem_reserve(uint32_t pages)
{
    /* PROT_NONE placeholder: the frames are then MAP_FIXED over it, which
     * gives one virtually contiguous range for a multi-grant mapping. */
    void *p = mmap(NULL, (size_t)pages * PAGE, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

int vscsi_sim_mem_map_frame(void *at, struct vscsi_sim_dom *dom, uint32_t frame, bool writable)
{
    int prot = PROT_READ | (writable ? PROT_WRITE : 0);
    void *p = mmap(at, PAGE, prot, MAP_SHARED | MAP_FIXED, dom->memfd, (off_t)frame * PAGE);
    return p == MAP_FAILED ? -errno : 0;
}

void vscsi_sim_mem_release(void *addr, uint32_t pages)
{
    munmap(addr, (size_t)pages * PAGE);
}
