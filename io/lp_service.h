/*
 * lp_service: the daemons under systemd (issue 16). Type=notify services
 * tell systemd when they are ready, stopping and alive (the sd_notify
 * protocol: "READY=1", "STOPPING=1", "WATCHDOG=1" datagrams to the
 * AF_UNIX socket named by $NOTIFY_SOCKET, sd_notify(3)), and log lines
 * carry journald priorities when stderr is the journal ($JOURNAL_STREAM).
 *
 * The notification socket is opened by lp_service_init, before the
 * daemon drops privileges and installs its seccomp filter: afterwards
 * each message is one sendmsg, which every filter already allows. Outside
 * systemd every call does nothing.
 */
#ifndef LP_SERVICE_H
#define LP_SERVICE_H

#include "lp_clock.h"

/* lp_service_init: priorities on log lines when stderr is the journal,
 * the notification socket when $NOTIFY_SOCKET is set, and the watchdog
 * interval ($WATCHDOG_USEC, for this process per $WATCHDOG_PID). The
 * variables are removed from the environment. Call it once, early. */
void lp_service_init(void);

/* lp_service_notify sends state ("READY=1", "STOPPING=1", ...). */
void lp_service_notify(const char *state);

/* lp_service_watchdog sends "WATCHDOG=1" when half the watchdog interval
 * has passed since the last one; call it from the event loop. */
void lp_service_watchdog(lp_tstamp now);

/* lp_service_deadline: the earlier of next and the next watchdog ping, for
 * an event loop's timeout. */
lp_tstamp lp_service_deadline(lp_tstamp next);

#endif
