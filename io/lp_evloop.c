/* lp_evloop: epoll + timerfd + signalfd; see lp_evloop.h. */
#include "lp_evloop.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "lp_err.h"

int lp_evloop_open(struct lp_evloop *l, const sigset_t *mask,
                   uint32_t timer_tag, uint32_t signal_tag, char *err,
                   size_t errlen)
{
    const char *what = "sigprocmask";

    l->ep = l->tfd = l->sfd = -1;
    l->armed = 0;
    l->no_pwait2 = 0;
    if (sigprocmask(SIG_BLOCK, mask, NULL) != 0)
        goto fail;
    (void)signal(SIGPIPE, SIG_IGN);
    what = "signalfd";
    if ((l->sfd = signalfd(-1, mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0)
        goto fail;
    what = "timerfd_create";
    l->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (l->tfd < 0)
        goto fail;
    what = "epoll_create1";
    if ((l->ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
        goto fail;
    what = "epoll_ctl";
    if (lp_evloop_add(l, l->tfd, timer_tag) != 0 ||
        lp_evloop_add(l, l->sfd, signal_tag) != 0)
        goto fail;
    return 0;
fail:
    snprintf(err, errlen, "cannot set up the event loop: %s: %s", what,
             strerror(errno));
    lp_evloop_close(l);
    return LP_ERR_IO;
}

void lp_evloop_close(struct lp_evloop *l)
{
    if (l->ep >= 0)
        close(l->ep);
    if (l->tfd >= 0)
        close(l->tfd);
    if (l->sfd >= 0)
        close(l->sfd);
    l->ep = l->tfd = l->sfd = -1;
}

int lp_evloop_add(struct lp_evloop *l, int fd, uint32_t tag)
{
    struct epoll_event ev;

    memset(&ev, 0, sizeof(ev));
    ev.events = EPOLLIN;
    ev.data.u32 = tag;
    return epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) == 0 ? 0 : LP_ERR_IO;
}

void lp_evloop_del(struct lp_evloop *l, int fd)
{
    /* Fails only for an fd that is not registered: nothing to undo. */
    (void)epoll_ctl(l->ep, EPOLL_CTL_DEL, fd, NULL);
}

void lp_evloop_arm(struct lp_evloop *l, lp_tstamp when)
{
    struct itimerspec its;

    if (when == l->armed)
        return;
    l->armed = when;
    memset(&its, 0, sizeof(its));
    if (when != UINT64_MAX) {
        if (when == 0)
            when = 1; /* a zero it_value would disarm */
        its.it_value.tv_sec = (time_t)(when / LP_SECONDS);
        its.it_value.tv_nsec = (long)(when % LP_SECONDS);
    }
    /* Cannot fail with a valid timerfd and a normalised timespec. */
    (void)timerfd_settime(l->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

void lp_evloop_timer_fired(struct lp_evloop *l)
{
    uint64_t n;

    /* EAGAIN when it was re-armed in between: nothing to consume. */
    if (read(l->tfd, &n, sizeof(n)) != (ssize_t)sizeof(n))
        n = 0;
    l->armed = 0;
}

int lp_evloop_wait(struct lp_evloop *l, struct epoll_event *evs, int max,
                   lp_tstamp deadline, lp_tstamp now)
{
    if (!l->no_pwait2) {
        struct timespec ts, *tsp = NULL;
        int n;

        if (deadline != UINT64_MAX) {
            lp_tstamp d = deadline > now ? deadline - now : 0;
            ts.tv_sec = (time_t)(d / LP_SECONDS);
            ts.tv_nsec = (long)(d % LP_SECONDS);
            tsp = &ts;
        }
        n = epoll_pwait2(l->ep, evs, max, tsp, NULL);
        if (n >= 0 || errno != ENOSYS)
            return n;
        l->no_pwait2 = 1;
    }
    lp_evloop_arm(l, deadline);
    return epoll_wait(l->ep, evs, max, -1);
}
