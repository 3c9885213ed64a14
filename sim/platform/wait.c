/* SPDX-License-Identifier: MIT */
/*
 * Delivery to a domain: its queue of watch events and the blocking wait that
 * covers both ports and watches (one condition variable per domain, under
 * hv->ev_lock, so a notify or watch between a poll and the wait is never lost).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hv_internal.h"

void vscsi_sim_watch_queue(struct vscsi_sim_dom *dom, uint64_t serial, const char *path,
                           const char *token)
{
    struct vscsi_sim_watch_event *ev = calloc(1, sizeof(*ev));
    if (ev) {
        ev->watch_serial = serial;
        ev->path = strdup(path);
        ev->token = strdup(token);
    }
    if (!ev || !ev->path || !ev->token) {
        /* Out of memory: xenstored would drop the event too. */
        if (ev) {
            free(ev->path);
            free(ev->token);
        }
        free(ev);
        return;
    }
    pthread_mutex_lock(&dom->hv->ev_lock);
    if (vscsi_sim_dom_dead(dom)) {
        pthread_mutex_unlock(&dom->hv->ev_lock);
        free(ev->path);
        free(ev->token);
        free(ev);
        return;
    }
    *dom->wq_tail = ev;
    dom->wq_tail = &ev->next;
    VSCSI_SIM_STAT_ADD(dom, watch_events, 1);
    atomic_fetch_add_explicit(&dom->deliver_seq, 1, memory_order_release);
    pthread_cond_broadcast(&dom->cond);
    pthread_mutex_unlock(&dom->hv->ev_lock);
}

void vscsi_sim_watch_purge_locked(struct vscsi_sim_dom *dom, uint64_t serial)
{
    struct vscsi_sim_watch_event **pp = &dom->wq_head;
    while (*pp) {
        struct vscsi_sim_watch_event *ev = *pp;
        if (serial == 0 || ev->watch_serial == serial) {
            *pp = ev->next;
            free(ev->path);
            free(ev->token);
            free(ev);
        } else {
            pp = &ev->next;
        }
    }
    dom->wq_tail = pp;
}

int vscsi_sim_dom_next_watch(struct vscsi_sim_dom *dom, char *path, size_t plen, char *token,
                             size_t tlen)
{
    if (!path || !token)
        return -EINVAL;
    pthread_mutex_lock(&dom->hv->ev_lock);
    struct vscsi_sim_watch_event *ev = dom->wq_head;
    if (ev) {
        dom->wq_head = ev->next;
        if (!dom->wq_head)
            dom->wq_tail = &dom->wq_head;
    }
    pthread_mutex_unlock(&dom->hv->ev_lock);
    if (!ev)
        return -EAGAIN;
    int rc = 0;
    size_t pl = strlen(ev->path), tl = strlen(ev->token);
    if (pl >= plen || tl >= tlen) {
        rc = -E2BIG;
    } else {
        memcpy(path, ev->path, pl + 1);
        memcpy(token, ev->token, tl + 1);
    }
    free(ev->path);
    free(ev->token);
    free(ev);
    return rc;
}

int vscsi_sim_dom_wait(struct vscsi_sim_dom *dom, int timeout_ms)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    if (timeout_ms > 0) {
        deadline.tv_sec += timeout_ms / 1000;
        deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
    }
    pthread_mutex_lock(&dom->hv->ev_lock);
    uint64_t kicks = dom->kicks;
    int ready;
    for (;;) {
        ready = vscsi_sim_deliverable_locked(dom);
        if (ready || timeout_ms == 0 || dom->kicks != kicks || vscsi_sim_dom_dead(dom))
            break;
        if (timeout_ms < 0) {
            pthread_cond_wait(&dom->cond, &dom->hv->ev_lock);
        } else if (pthread_cond_timedwait(&dom->cond, &dom->hv->ev_lock, &deadline) == ETIMEDOUT) {
            ready = vscsi_sim_deliverable_locked(dom);
            break;
        }
    }
    pthread_mutex_unlock(&dom->hv->ev_lock);
    return ready ? 1 : 0;
}

void vscsi_sim_dom_kick(struct vscsi_sim_dom *dom)
{
    pthread_mutex_lock(&dom->hv->ev_lock);
    dom->kicks++;
    atomic_fetch_add_explicit(&dom->deliver_seq, 1, memory_order_release);
    pthread_cond_broadcast(&dom->cond);
    pthread_mutex_unlock(&dom->hv->ev_lock);
}

uint64_t vscsi_sim_dom_seq(struct vscsi_sim_dom *dom)
{
    return atomic_load_explicit(&dom->deliver_seq, memory_order_acquire);
}

int vscsi_sim_dom_deliver(struct vscsi_sim_dom *dom, int max, vscsi_sim_watch_fn on_watch,
                          vscsi_sim_port_fn on_port, void *arg)
{
    char path[VSCSI_SIM_XS_PATH_MAX + 1], token[256];
    uint32_t port;
    int n = 0;

    while (n < max) {
        int rc = vscsi_sim_dom_next_watch(dom, path, sizeof(path), token, sizeof(token));
        if (rc == -EAGAIN)
            break;
        if (rc == 0 && on_watch)
            on_watch(arg, path, token);
        n++;
    }
    while (n < max && vscsi_sim_dom_pending_port(dom, &port) == 0) {
        if (on_port)
            on_port(arg, port);
        n++;
    }
    return n;
}
