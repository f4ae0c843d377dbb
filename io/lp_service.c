/* lp_service: see lp_service.h. */
#include "lp_service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lp_log.h"
#include "lp_num.h"

static int svc_fd = -1;
static struct sockaddr_un svc_addr;
static socklen_t svc_addrlen;
static lp_tstamp svc_wd_interval, svc_wd_next;

/* stderr is the journal when its device and inode are $JOURNAL_STREAM's */
static int svc_stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat st;

    return js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
           fstat(STDERR_FILENO, &st) == 0 &&
           (unsigned long long)st.st_dev == dev &&
           (unsigned long long)st.st_ino == ino;
}

void lp_service_init(void)
{
    const char *path = getenv("NOTIFY_SOCKET"), *wd = getenv("WATCHDOG_USEC"),
               *wdpid = getenv("WATCHDOG_PID");
    uint64_t usec, pid;
    size_t n;

    if (svc_stderr_is_journal())
        lp_log_set_priority_prefix(1);
    if (wd != NULL && lp_num_parse_u64(wd, 1, UINT64_MAX / 1000, &usec) == 0 &&
        (wdpid == NULL || (lp_num_parse_u64(wdpid, 1, UINT32_MAX, &pid) == 0 &&
                           pid == (uint64_t)getpid()))) {
        svc_wd_interval = usec * 1000 / 2;
        svc_wd_next = lp_clock_now() + svc_wd_interval;
    }
    if (path != NULL && (path[0] == '/' || path[0] == '@') &&
        (n = strlen(path)) < sizeof(svc_addr.sun_path)) {
        memset(&svc_addr, 0, sizeof(svc_addr));
        svc_addr.sun_family = AF_UNIX;
        memcpy(svc_addr.sun_path, path, n);
        if (path[0] == '@')
            svc_addr.sun_path[0] = '\0'; /* the abstract namespace */
        svc_addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
                                  (path[0] == '/'));
        svc_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    }
    if (svc_fd < 0)
        svc_wd_interval = 0; /* nobody to ping */
    /* children (none today) must not talk to systemd in our name */
    unsetenv("NOTIFY_SOCKET");
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
}

void lp_service_notify(const char *state)
{
    struct iovec iov = {(void *)(uintptr_t)state, strlen(state)};
    struct msghdr m;

    if (svc_fd < 0)
        return;
    memset(&m, 0, sizeof(m));
    m.msg_name = &svc_addr;
    m.msg_namelen = svc_addrlen;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    if (sendmsg(svc_fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
        lp_logf(LP_LOG_DEBUG, "sd_notify", "cannot send %s", state);
}

void lp_service_watchdog(lp_tstamp now)
{
    if (svc_wd_interval == 0 || now < svc_wd_next)
        return;
    svc_wd_next = now + svc_wd_interval;
    lp_service_notify("WATCHDOG=1");
}

lp_tstamp lp_service_deadline(lp_tstamp next)
{
    return svc_wd_interval != 0 && svc_wd_next < next ? svc_wd_next : next;
}
