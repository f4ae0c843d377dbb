/*
 * lp_evloop: the Linux event-loop plumbing the relay and the endpoints
 * share: one epoll instance, a timerfd for absolute monotonic deadlines
 * (lp_clock's clock) and a signalfd for the signals a daemon handles.
 * Every call is checked; failures come back with a message.
 */
#ifndef LP_EVLOOP_H
#define LP_EVLOOP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/epoll.h>

#include "lp_types.h"

struct lp_evloop {
    int ep;          /* epoll */
    int tfd;         /* timerfd, CLOCK_MONOTONIC */
    int sfd;         /* signalfd */
    lp_tstamp armed; /* the deadline the timerfd holds (0: none) */
    int no_pwait2;   /* the kernel lacks epoll_pwait2: use the timerfd */
};

/*
 * lp_evloop_open blocks the signals in mask (they arrive on sfd instead),
 * ignores SIGPIPE, and registers the timer and the signals under the
 * epoll tags timer_tag and signal_tag. Returns 0, or LP_ERR_IO with err
 * filled and nothing left open.
 */
int lp_evloop_open(struct lp_evloop *l, const sigset_t *mask,
                   uint32_t timer_tag, uint32_t signal_tag, char *err,
                   size_t errlen);
void lp_evloop_close(struct lp_evloop *l);

/* lp_evloop_add polls fd for input under tag. 0 or LP_ERR_IO (errno). */
int lp_evloop_add(struct lp_evloop *l, int fd, uint32_t tag);
/* lp_evloop_del stops polling fd. */
void lp_evloop_del(struct lp_evloop *l, int fd);

/* lp_evloop_arm sets the timer to the absolute time when (UINT64_MAX:
 * never); re-arming the same deadline makes no system call. */
void lp_evloop_arm(struct lp_evloop *l, lp_tstamp when);
/*
 * lp_evloop_wait waits for at most max events until the absolute time
 * deadline (UINT64_MAX: no deadline; one in the past: just polls), and
 * returns epoll_wait's result (0 when the deadline passed). With
 * epoll_pwait2 (Linux 5.11) the deadline is a nanosecond timeout: no timer
 * system call per turn of the loop, and no timer at all when events are
 * ready. (On a VM each timerfd_settime reprograms the virtual LAPIC timer,
 * a VM exit: it was a quarter of an endpoint's CPU time per ping.) Older
 * kernels re-arm the timerfd, whose tag then reports the deadline.
 */
int lp_evloop_wait(struct lp_evloop *l, struct epoll_event *evs, int max,
                   lp_tstamp deadline, lp_tstamp now);

/* lp_evloop_timer_fired consumes the timer's expiry count. */
void lp_evloop_timer_fired(struct lp_evloop *l);

#endif
