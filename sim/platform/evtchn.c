/* SPDX-License-Identifier: MIT */
/*
 * Event channels: a port table per domain with pending and mask bits, all
 * under hv->ev_lock (a notify touches two domains). A port that becomes
 * pending while unmasked goes on the domain's delivery FIFO; the FIFO may hold
 * stale entries (port masked, closed or already taken since), which the pop
 * re-checks and drops, so mask/unbind need not search it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

#include "hv_internal.h"

int vscsi_sim_evtchn_init(struct vscsi_sim_dom *dom)
{
    dom->ports = calloc(VSCSI_SIM_EVTCHN_PORTS, sizeof(*dom->ports));
    dom->wq_tail = &dom->wq_head;
    return dom->ports ? 0 : -ENOMEM;
}

void vscsi_sim_evtchn_fini(struct vscsi_sim_dom *dom)
{
    free(dom->ports);
    dom->ports = NULL;
    if (dom->wq_tail)
        vscsi_sim_watch_purge_locked(dom, 0);
}

static struct vscsi_sim_port *port_get(struct vscsi_sim_dom *dom, uint32_t port)
{
    if (port == 0 || port >= VSCSI_SIM_EVTCHN_PORTS)
        return NULL;
    return &dom->ports[port];
}

static int port_alloc(struct vscsi_sim_dom *dom, uint32_t *port)
{
    /* Port 0 is never valid on Xen; lowest free first, as Xen hands them out. */
    for (uint32_t p = 1; p < VSCSI_SIM_EVTCHN_PORTS; p++) {
        if (dom->ports[p].state == VSCSI_SIM_PORT_FREE) {
            struct vscsi_sim_port *pt = &dom->ports[p];
            bool queued = pt->queued;
            uint32_t next = pt->q_next;
            *pt = (struct vscsi_sim_port){.queued = queued, .q_next = next};
            *port = p;
            return 0;
        }
    }
    return -ENOSPC;
}

static void port_close(struct vscsi_sim_dom *dom, uint32_t port)
{
    struct vscsi_sim_port *pt = &dom->ports[port];
    if (pt->state == VSCSI_SIM_PORT_INTERDOMAIN) {
        struct vscsi_sim_dom *peer = vscsi_sim_dom_lookup(dom->hv, pt->remote_dom);
        struct vscsi_sim_port *pp = &peer->ports[pt->remote_port];
        pp->state = VSCSI_SIM_PORT_UNBOUND;
        pp->remote_dom = dom->domid;
        pp->remote_port = 0;
    }
    /* The FIFO link stays: an entry may still be queued and is dropped stale. */
    pt->state = VSCSI_SIM_PORT_FREE;
    pt->pending = false;
    pt->masked = false;
}

void vscsi_sim_evtchn_enqueue_locked(struct vscsi_sim_dom *dom, uint32_t port)
{
    struct vscsi_sim_port *pt = &dom->ports[port];
    if (!pt->queued) {
        pt->queued = true;
        pt->q_next = 0;
        if (dom->q_tail)
            dom->ports[dom->q_tail].q_next = port;
        else
            dom->q_head = port;
        dom->q_tail = port;
    }
    atomic_fetch_add_explicit(&dom->deliver_seq, 1, memory_order_release);
    pthread_cond_broadcast(&dom->cond);
}

/* Pops the FIFO head; 0 when empty. */
static uint32_t fifo_pop(struct vscsi_sim_dom *dom)
{
    uint32_t p = dom->q_head;
    if (!p)
        return 0;
    dom->q_head = dom->ports[p].q_next;
    if (!dom->q_head)
        dom->q_tail = 0;
    dom->ports[p].queued = false;
    dom->ports[p].q_next = 0;
    return p;
}

static bool deliverable(const struct vscsi_sim_port *pt)
{
    return pt->state != VSCSI_SIM_PORT_FREE && pt->pending && !pt->masked;
}

bool vscsi_sim_deliverable_locked(struct vscsi_sim_dom *dom)
{
    while (dom->q_head && !deliverable(&dom->ports[dom->q_head]))
        fifo_pop(dom);
    return dom->q_head != 0 || dom->wq_head != NULL;
}

void vscsi_sim_evtchn_dom_dying(struct vscsi_sim_dom *dom)
{
    pthread_mutex_lock(&dom->hv->ev_lock);
    for (uint32_t p = 1; p < VSCSI_SIM_EVTCHN_PORTS; p++)
        if (dom->ports[p].state != VSCSI_SIM_PORT_FREE)
            port_close(dom, p);
    while (fifo_pop(dom))
        ;
    vscsi_sim_watch_purge_locked(dom, 0);
    pthread_cond_broadcast(&dom->cond);
    pthread_mutex_unlock(&dom->hv->ev_lock);
}

int vscsi_sim_evtchn_alloc_unbound(struct vscsi_sim_dom *dom, uint16_t remote, uint32_t *port)
{
    if (!port)
        return -EINVAL;
    int rc;
    pthread_mutex_lock(&dom->hv->ev_lock);
    if (vscsi_sim_dom_dead(dom)) {
        rc = -ESRCH;
    } else if ((rc = port_alloc(dom, port)) == 0) {
        dom->ports[*port].state = VSCSI_SIM_PORT_UNBOUND;
        dom->ports[*port].remote_dom = remote;
    }
    pthread_mutex_unlock(&dom->hv->ev_lock);
    return rc;
}

int vscsi_sim_evtchn_bind(struct vscsi_sim_dom *dom, uint16_t remote, uint32_t rport,
                          uint32_t *lport)
{
    if (!lport)
        return -EINVAL;
    int rc;
    pthread_mutex_lock(&dom->hv->ev_lock);
    struct vscsi_sim_dom *peer = vscsi_sim_dom_lookup(dom->hv, remote);
    struct vscsi_sim_port *rp = peer ? port_get(peer, rport) : NULL;
    if (vscsi_sim_dom_dead(dom) || !peer || vscsi_sim_dom_dead(peer)) {
        rc = -ESRCH;
    } else if (!rp || rp->state != VSCSI_SIM_PORT_UNBOUND || rp->remote_dom != dom->domid) {
        rc = -EINVAL;
    } else if ((rc = port_alloc(dom, lport)) == 0) {
        struct vscsi_sim_port *lp = &dom->ports[*lport];
        lp->state = VSCSI_SIM_PORT_INTERDOMAIN;
        lp->remote_dom = remote;
        lp->remote_port = rport;
        rp->state = VSCSI_SIM_PORT_INTERDOMAIN;
        rp->remote_port = *lport;
    }
    pthread_mutex_unlock(&dom->hv->ev_lock);
    return rc;
}

/* Xen silently drops a send on an unbound port; we report -ENOTCONN so an
 * engine that notifies before the peer bound is visible in tests. */
int vscsi_sim_evtchn_notify(struct vscsi_sim_dom *dom, uint32_t port)
{
    int rc = 0;
    pthread_mutex_lock(&dom->hv->ev_lock);
    struct vscsi_sim_port *pt = port_get(dom, port);
    if (vscsi_sim_dom_dead(dom)) {
        rc = -ESRCH;
    } else if (!pt || pt->state == VSCSI_SIM_PORT_FREE) {
        rc = -EINVAL;
    } else if (pt->state == VSCSI_SIM_PORT_UNBOUND) {
        rc = -ENOTCONN;
    } else {
        VSCSI_SIM_STAT_ADD(dom, evt_sent, 1);
        if (!vscsi_sim_fault_hit(dom, VSCSI_SIM_FAULT_EVT_LOST)) {
            struct vscsi_sim_dom *peer = vscsi_sim_dom_lookup(dom->hv, pt->remote_dom);
            struct vscsi_sim_port *pp = &peer->ports[pt->remote_port];
            if (pp->pending) {
                VSCSI_SIM_STAT_ADD(peer, evt_coalesced, 1);
            } else {
                pp->pending = true;
                if (!pp->masked)
                    vscsi_sim_evtchn_enqueue_locked(peer, pt->remote_port);
            }
        }
    }
    pthread_mutex_unlock(&dom->hv->ev_lock);
    return rc;
}

int vscsi_sim_evtchn_unbind(struct vscsi_sim_dom *dom, uint32_t port)
{
    int rc = 0;
    pthread_mutex_lock(&dom->hv->ev_lock);
    struct vscsi_sim_port *pt = port_get(dom, port);
    if (vscsi_sim_dom_dead(dom))
        rc = -ESRCH;
    else if (!pt || pt->state == VSCSI_SIM_PORT_FREE)
        rc = -EINVAL;
    else
        port_close(dom, port);
    pthread_mutex_unlock(&dom->hv->ev_lock);
    return rc;
}

int vscsi_sim_evtchn_mask(struct vscsi_sim_dom *dom, uint32_t port, int masked)
{
    int rc = 0;
    pthread_mutex_lock(&dom->hv->ev_lock);
    struct vscsi_sim_port *pt = port_get(dom, port);
    if (vscsi_sim_dom_dead(dom)) {
        rc = -ESRCH;
    } else if (!pt || pt->state == VSCSI_SIM_PORT_FREE) {
        rc = -EINVAL;
    } else {
        pt->masked = masked != 0;
        if (!pt->masked && pt->pending)
            vscsi_sim_evtchn_enqueue_locked(dom, port);
    }
    pthread_mutex_unlock(&dom->hv->ev_lock);
    return rc;
}

/* A spurious event: the first bound port goes pending with nobody sending. */
static void inject_spurious(struct vscsi_sim_dom *dom)
{
    for (uint32_t p = 1; p < VSCSI_SIM_EVTCHN_PORTS; p++) {
        struct vscsi_sim_port *pt = &dom->ports[p];
        if (pt->state != VSCSI_SIM_PORT_INTERDOMAIN)
            continue;
        if (!pt->pending) {
            pt->pending = true;
            if (!pt->masked)
                vscsi_sim_evtchn_enqueue_locked(dom, p);
        }
        return;
    }
}

int vscsi_sim_dom_pending_port(struct vscsi_sim_dom *dom, uint32_t *port)
{
    if (!port)
        return -EINVAL;
    int rc = -EAGAIN;
    pthread_mutex_lock(&dom->hv->ev_lock);
    if (!vscsi_sim_dom_dead(dom) && vscsi_sim_fault_hit(dom, VSCSI_SIM_FAULT_EVT_SPURIOUS))
        inject_spurious(dom);
    uint32_t p;
    while ((p = fifo_pop(dom)) != 0) {
        struct vscsi_sim_port *pt = &dom->ports[p];
        if (deliverable(pt)) {
            pt->pending = false;
            *port = p;
            rc = 0;
            VSCSI_SIM_STAT_ADD(dom, evt_delivered, 1);
            break;
        }
    }
    pthread_mutex_unlock(&dom->hv->ev_lock);
    return rc;
}
