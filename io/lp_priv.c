/*
 * lp_priv: see lp_priv.h.
 *
 * The seccomp lists below were measured, not guessed: each daemon ran
 * under `strace -f` through the netns system tests (scripts/
 * seccomp-trace.sh over test_rooms, test_relay, test_lanparty and
 * test_faults: room-list reloads, a gateway and Linux clients, a NIC
 * replug, relay restarts), and every system call made after the first
 * epoll wait is here. Calls that only setup makes (binding the relay's
 * port, TUNSETIFF, reading certificates, resolving the relay) are not; a
 * few that the same loop makes on paths the tests cannot reach are, each
 * with its reason. Where an argument decides what a call can do, the rule
 * checks it: sockets by address family, ioctls by request, openat
 * read-only, mmap never executable.
 */
#include "lp_priv.h"

#include "lp_log.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/capability.h>
#include <linux/sockios.h>

#include <cap-ng.h>
#include <jansson.h>
#include <seccomp.h>

#include "lp_err.h"

static const int priv_gateway_caps[] = {CAP_NET_RAW};
static const int priv_client_caps[] = {CAP_NET_ADMIN};

size_t lp_priv_role_caps(enum lp_priv_role role, const int **caps)
{
    switch (role) {
    case LP_PRIV_GATEWAY:
    case LP_PRIV_GATEWAY_ADMIN:
        *caps = priv_gateway_caps;
        return 1;
    case LP_PRIV_CLIENT:
        *caps = priv_client_caps;
        return 1;
    case LP_PRIV_RELAY:
    default:
        *caps = NULL;
        return 0;
    }
}

/* priv_lookup resolves user to its uid and primary gid. */
static int priv_lookup(const char *user, uid_t *uid, gid_t *gid, char *err,
                       size_t errlen)
{
    struct passwd pw, *res = NULL;
    long sz = sysconf(_SC_GETPW_R_SIZE_MAX);
    char *buf;
    int e;

    if (user == NULL || user[0] == '\0') {
        snprintf(err, errlen, "--user: an empty user name");
        return LP_ERR_INVAL;
    }
    if (sz < 1024)
        sz = 16384;
    buf = malloc((size_t)sz);
    if (buf == NULL) {
        snprintf(err, errlen, "out of memory");
        return LP_ERR_NOMEM;
    }
    e = getpwnam_r(user, &pw, buf, (size_t)sz, &res);
    if (res == NULL) {
        if (e != 0)
            snprintf(err, errlen, "--user '%s': cannot look it up: %s", user,
                     strerror(e));
        else
            snprintf(err, errlen,
                     "--user '%s': no such user (create it, e.g. `useradd "
                     "--system --no-create-home %s`)",
                     user, user);
        free(buf);
        return e != 0 ? LP_ERR_IO : LP_ERR_INVAL;
    }
    *uid = pw.pw_uid;
    *gid = pw.pw_gid;
    free(buf);
    if (*uid == 0 || *gid == 0) {
        snprintf(err, errlen,
                 "--user '%s' is root (uid %u, gid %u): name an "
                 "unprivileged user",
                 user, (unsigned)*uid, (unsigned)*gid);
        return LP_ERR_INVAL;
    }
    return 0;
}

/* priv_check verifies that every id is the target's and that neither
 * root's uid nor its gid can be taken back. */
static int priv_check(const char *user, uid_t uid, gid_t gid, char *err,
                      size_t errlen)
{
    uid_t ru = 0, eu = 0, su = 0;
    gid_t rg = 0, eg = 0, sg = 0;

    if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0 ||
        ru != uid || eu != uid || su != uid || rg != gid || eg != gid ||
        sg != gid) {
        snprintf(err, errlen,
                 "after switching to '%s' the ids are not all %u/%u "
                 "(uid %u %u %u, gid %u %u %u)",
                 user, (unsigned)uid, (unsigned)gid, (unsigned)ru, (unsigned)eu,
                 (unsigned)su, (unsigned)rg, (unsigned)eg, (unsigned)sg);
        return LP_ERR_PERM;
    }
    if (setuid(0) == 0 || seteuid(0) == 0) {
        snprintf(err, errlen,
                 "after switching to '%s' the process could become root "
                 "again",
                 user);
        return LP_ERR_PERM;
    }
    if (setgid(0) == 0 || setegid(0) == 0) {
        snprintf(err, errlen,
                 "after switching to '%s' the process could take group 0 "
                 "again",
                 user);
        return LP_ERR_PERM;
    }
    return 0;
}

int lp_priv_drop_user(const char *user, char *err, size_t errlen)
{
    /* keeping nothing: every set and the bounding set end empty */
    return lp_priv_drop_user_keep(user, NULL, 0, err, errlen);
}

int lp_priv_drop_user_keep(const char *user, const int *caps, size_t ncaps,
                           char *err, size_t errlen)
{
    uid_t uid;
    gid_t gid;
    int rv;
    size_t i;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (geteuid() != 0) {
        snprintf(err, errlen, "cannot switch to '%s': not running as root",
                 user != NULL ? user : "");
        return LP_ERR_PERM;
    }
    for (i = 0; i < ncaps; i++) {
        if (caps[i] < 0 || caps[i] > CAP_LAST_CAP ||
            capng_capability_to_name((unsigned)caps[i]) == NULL) {
            snprintf(err, errlen, "unknown capability %d", caps[i]);
            return LP_ERR_INVAL;
        }
    }
    if ((rv = priv_lookup(user, &uid, &gid, err, errlen)) != 0)
        return rv;
    capng_clear(CAPNG_SELECT_BOTH);
    for (i = 0; i < ncaps; i++) {
        if (capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED,
                         (unsigned)caps[i]) != 0) {
            snprintf(err, errlen, "cannot keep %s",
                     capng_capability_to_name((unsigned)caps[i]));
            return LP_ERR_IO;
        }
    }
    /* capng_change_id: KEEPCAPS, setgroups(0), setresgid, setresuid, then
     * applies the sets above and clears the bounding set. */
    rv = capng_change_id((int)uid, (int)gid,
                         CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
    if (rv != 0) {
        snprintf(err, errlen,
                 "cannot switch to '%s' (uid %u, gid %u) keeping %zu "
                 "capabilities: capng_change_id failed (%d): %s",
                 user, (unsigned)uid, (unsigned)gid, ncaps, rv,
                 strerror(errno));
        return LP_ERR_IO;
    }
    if ((rv = priv_check(user, uid, gid, err, errlen)) != 0)
        return rv;
    capng_clear(CAPNG_SELECT_BOTH);
    if (capng_get_caps_process() != 0) {
        snprintf(err, errlen, "cannot read the capabilities back: %s",
                 strerror(errno));
        return LP_ERR_IO;
    }
    for (i = 0; i < ncaps; i++) {
        if (capng_have_capability(CAPNG_EFFECTIVE, (unsigned)caps[i]) != 1) {
            snprintf(err, errlen, "after switching to '%s' %s is not kept",
                     user, capng_capability_to_name((unsigned)caps[i]));
            return LP_ERR_PERM;
        }
    }
    if (ncaps == 0 &&
        capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE) {
        snprintf(err, errlen,
                 "after switching to '%s' the process still has "
                 "capabilities",
                 user);
        return LP_ERR_PERM;
    }
    if (capng_have_capability(CAPNG_PERMITTED, CAP_SETUID) ||
        capng_have_capability(CAPNG_PERMITTED, CAP_SETPCAP) ||
        capng_have_capability(CAPNG_PERMITTED, CAP_SYS_ADMIN)) {
        snprintf(err, errlen,
                 "after switching to '%s' the process kept CAP_SETUID, "
                 "CAP_SETPCAP or CAP_SYS_ADMIN",
                 user);
        return LP_ERR_PERM;
    }
    return 0;
}

int lp_priv_no_new_privs(char *err, size_t errlen)
{
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        snprintf(err, errlen, "prctl(PR_SET_NO_NEW_PRIVS): %s",
                 strerror(errno));
        return LP_ERR_IO;
    }
    return 0;
}

/*
 * The allow-lists. A rule is a system call and, optionally, one argument
 * test: argument arg, masked with mask, equals val (mask 0: no test).
 * Several rules for one call are alternatives.
 */
struct priv_rule {
    int nr;
    int arg; /* -1: any arguments */
    uint64_t mask, val;
};

#define ANY(name)                                                              \
    {                                                                          \
        SCMP_SYS(name), -1, 0, 0                                               \
    }
#define ARG_EQ(name, a, v)                                                     \
    {                                                                          \
        SCMP_SYS(name), (a), ~(uint64_t)0, (uint64_t)(v)                       \
    }
#define ARG_MASK(name, a, m)                                                   \
    {                                                                          \
        SCMP_SYS(name), (a), (uint64_t)(m), 0                                  \
    }

/* Every daemon's loop, as measured: epoll, the timer and signal fds,
 * batched UDP, logging to stderr, malloc (brk, mmap, munmap, madvise,
 * mremap for realloc), futex (glibc's locks at exit), exit_group. The rest
 * are what the same loop may make where the measurement could not reach:
 * epoll_wait and timerfd_settime (the relay before Linux 5.11, without
 * epoll_pwait2), clock_gettime and gettimeofday (when the vDSO is not
 * used), getrandom (GnuTLS reseeding), restart_syscall (a wait resumed
 * after SIGSTOP), rt_sigreturn, and fstat/newfstatat (stdio's first
 * buffer). */
static const struct priv_rule priv_common[] = {
    ANY(epoll_wait),
    ANY(epoll_pwait),
    ANY(epoll_pwait2),
    ANY(read),
    ANY(write),
    ANY(close),
    ANY(recvmmsg),
    ANY(sendmsg),
    ANY(timerfd_settime),
    ANY(clock_gettime),
    ANY(gettimeofday),
    ANY(getrandom),
    ANY(futex),
    ANY(brk),
    ARG_MASK(mmap, 2, PROT_EXEC),
    ANY(munmap),
    ANY(mremap),
    ANY(madvise),
    ANY(fstat),
    ANY(newfstatat),
    ANY(rt_sigreturn),
    ANY(restart_syscall),
    ANY(exit_group),
    /* the non-blocking log sink (io/lp_logsink.c): waiting for a slow
     * reader at exit, and giving stderr its flags back */
    ANY(poll),
    ANY(ppoll),
    ARG_EQ(fcntl, 1, F_GETFL),
    ARG_EQ(fcntl, 1, F_SETFL),
#if defined(__SANITIZE_ADDRESS__)
    /* ASan builds only: the runtime removes its alternate signal stack
     * when a thread or the process exits (unit-asan, relay-system-asan) */
    ANY(sigaltstack),
#endif
};

/* Read-only opens: the relay re-reads its room list on SIGHUP
 * (cmd/relay.c relay_reload, lp_file_read); the gateway reads its NIC's
 * carrier and address in sysfs. Never O_WRONLY, O_RDWR or O_CREAT. */
#define OPEN_READ ARG_MASK(openat, 2, O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND)

/* The relay's socket is bound before the drop and never changes. SIGHUP
 * also re-reads its certificate and key (cmd/relay_tls.c: GnuTLS reads
 * them with stdio, which seeks). */
static const struct priv_rule priv_relay[] = {
    OPEN_READ,
    ANY(lseek),
};

/* The admin listener (io/lp_http.c, libmicrohttpd in the daemon's loop,
 * MHD_USE_EPOLL without a thread): only with --admin-listen (roles
 * LP_PRIV_RELAY_ADMIN and LP_PRIV_GATEWAY_ADMIN), so a daemon without it
 * keeps its list.
 * Measured with scripts/seccomp-trace.sh over test_dashboard.py:
 * accept4 (non-blocking and close-on-exec in one call, so no fcntl),
 * epoll_ctl on libmicrohttpd's own epoll set, recvfrom (requests),
 * setsockopt (TCP_NODELAY/TCP_CORK around a reply), shutdown (closing);
 * replies go out with sendmsg (already allowed) and /proc/self/stat for
 * the process metrics is a read-only openat. sendto is not in the
 * measurement: libmicrohttpd's send path (mhd_send.c) uses send(2) for a
 * reply it cannot hand to one sendmsg, a path these small replies do not
 * take. No socket, bind, listen or clone: the listener is bound before
 * the drop and no thread is started. */
static const struct priv_rule priv_admin_http[] = {
    ANY(accept4),    ANY(epoll_ctl), ANY(recvfrom),
    ANY(setsockopt), ANY(shutdown),  ANY(sendto),
};

/* The relay's dashboard revokes an invite (cmd/relay.c relay_revoke): the
 * room list is written again as lp_file_write_atomic writes it, a new
 * temporary file (exactly O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC: never
 * an existing file opened for writing) named with the pid, fchmod 0600,
 * geteuid (only root gives a file its old owner back), fsync, rename over
 * the list, and unlink of the temporary file when a step fails. Measured
 * with scripts/seccomp-trace.sh over test_dashboard.py (unlink is the
 * failure path); renameat, renameat2 and unlinkat are the same calls on
 * architectures without rename and unlink (arm64). The gateway's trace
 * over test_gateway_admin_netns.py made no call beyond its lists. */
static const struct priv_rule priv_relay_revoke[] = {
    ARG_EQ(openat, 2, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC),
    ANY(fchmod),
    ANY(geteuid),
    ANY(getpid),
    ANY(fsync),
    ANY(rename),
    ANY(renameat),
    ANY(renameat2),
    ANY(unlink),
    ANY(unlinkat),
};

/* The endpoints' runner (client/lp_runner.c) opens, connects and tunes a
 * new UDP socket on every reconnect (lp_udp_connect), and polls it. */
static const struct priv_rule priv_runner[] = {
    ARG_EQ(socket, 0, AF_INET),
    ARG_EQ(socket, 0, AF_INET6),
    ANY(connect),
    ANY(getsockname),
    ANY(setsockopt),
    ANY(epoll_ctl),
};

/* The gateway, when its NIC comes back as a new device (cmd/gateway.c
 * gw_link_check, lan_rebound), looks the index up again (if_nametoindex:
 * an AF_UNIX socket and SIOCGIFINDEX) and reopens and binds its packet
 * socket (CAP_NET_RAW). */
static const struct priv_rule priv_gateway[] = {
    OPEN_READ, ARG_EQ(socket, 0, AF_PACKET),   ARG_EQ(socket, 0, AF_UNIX),
    ANY(bind), ARG_EQ(ioctl, 1, SIOCGIFINDEX),
};

/* The client pins and checks its relay route and adds the TAP's routes
 * over rtnetlink (client/lp_route_linux.c: a socket per request, bound,
 * sendto, recvmsg), reads the TAP's address (getifaddrs, also rtnetlink),
 * and sets the TAP's MTU and flags on its control socket. */
static const struct priv_rule priv_client[] = {
    ARG_EQ(socket, 0, AF_NETLINK),
    ANY(bind),
    ANY(sendto),
    ANY(recvmsg),
    ARG_EQ(ioctl, 1, SIOCSIFMTU),
    ARG_EQ(ioctl, 1, SIOCGIFFLAGS),
    ARG_EQ(ioctl, 1, SIOCSIFFLAGS),
};

static int priv_add(scmp_filter_ctx ctx, const struct priv_rule *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rv;
        if (r[i].arg < 0) {
            rv = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, r[i].nr, 0);
        } else {
            struct scmp_arg_cmp c = {
                .arg = (unsigned)r[i].arg,
                .op = SCMP_CMP_MASKED_EQ,
                .datum_a = r[i].mask,
                .datum_b = r[i].val,
            };
            rv = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, r[i].nr, 1, &c);
        }
        if (rv != 0)
            return rv;
    }
    return 0;
}

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__SANITIZE_ADDRESS__)
#define PRIV_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PRIV_SANITIZED 1
#endif
#endif

int lp_priv_seccomp_enforced(void)
{
#ifdef PRIV_SANITIZED
    return 0;
#else
    return 1;
#endif
}

int lp_priv_seccomp(enum lp_priv_role role, char *err, size_t errlen)
{
    scmp_filter_ctx ctx;
    int rv, relay = role == LP_PRIV_RELAY || role == LP_PRIV_RELAY_ADMIN;
    int gateway = role == LP_PRIV_GATEWAY || role == LP_PRIV_GATEWAY_ADMIN;
    int admin = role == LP_PRIV_RELAY_ADMIN || role == LP_PRIV_GATEWAY_ADMIN;

    if (!relay && !gateway && role != LP_PRIV_CLIENT) {
        snprintf(err, errlen, "seccomp: unknown role %d", (int)role);
        return LP_ERR_INVAL;
    }
    /* jansson seeds its hash function from /dev/urandom when it makes its
     * first object, which the endpoints do only once connected: seed it
     * now, so that no role needs openat for it. */
    json_object_seed(0);
    if (!lp_priv_seccomp_enforced())
        return lp_priv_no_new_privs(err, errlen);
    ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    if (ctx == NULL) {
        snprintf(err, errlen, "seccomp_init: out of memory");
        return LP_ERR_NOMEM;
    }
    rv = priv_add(ctx, priv_common, NELEM(priv_common));
    if (rv == 0 && relay)
        rv = priv_add(ctx, priv_relay, NELEM(priv_relay));
    if (rv == 0 && admin)
        rv = priv_add(ctx, priv_admin_http, NELEM(priv_admin_http));
    if (rv == 0 && role == LP_PRIV_RELAY_ADMIN)
        rv = priv_add(ctx, priv_relay_revoke, NELEM(priv_relay_revoke));
    if (rv == 0 && !relay)
        rv = priv_add(ctx, priv_runner, NELEM(priv_runner));
    if (rv == 0 && gateway)
        rv = priv_add(ctx, priv_gateway, NELEM(priv_gateway));
    if (rv == 0 && role == LP_PRIV_CLIENT)
        rv = priv_add(ctx, priv_client, NELEM(priv_client));
    if (rv != 0) {
        snprintf(err, errlen, "seccomp: cannot build the filter: %s",
                 strerror(-rv));
        seccomp_release(ctx);
        return rv == -ENOMEM ? LP_ERR_NOMEM : LP_ERR_IO;
    }
    /* seccomp_load sets no_new_privs first (SCMP_FLTATR_CTL_NNP). */
    rv = seccomp_load(ctx);
    seccomp_release(ctx);
    if (rv != 0) {
        snprintf(err, errlen, "seccomp: the kernel refused the filter: %s",
                 strerror(-rv));
        return LP_ERR_IO;
    }
    return 0;
}

int lp_priv_enter(enum lp_priv_role role, const char *user, const char *rooms,
                  char *err, size_t errlen)
{
    static const char *const names[] = {"relay", "gateway", "client",
                                        "relay_admin", "gateway_admin"};
    const char *name = user != NULL ? user : LP_PRIV_DEFAULT_USER;
    const int *caps;
    size_t ncaps = lp_priv_role_caps(role, &caps);
    unsigned uid, gid;
    struct lp_logbuf b;
    int rv;

    if (geteuid() == 0) {
        struct passwd pw, *res = NULL;
        char buf[4096];
        if (rooms != NULL &&
            getpwnam_r(name, &pw, buf, sizeof(buf), &res) == 0 && res != NULL &&
            chown(rooms, pw.pw_uid, pw.pw_gid) != 0)
            lp_logf(LP_LOG_WARN, "rooms_owner",
                    "cannot give %s to %s (%s): reloads may fail", rooms, name,
                    strerror(errno));
        rv = lp_priv_drop_user_keep(name, caps, ncaps, err, errlen);
        if (rv != 0) {
            size_t n = strlen(err);
            snprintf(err + n, errlen > n ? errlen - n : 0,
                     " (create the user with `useradd --system "
                     "--no-create-home --shell /usr/sbin/nologin %s`, or "
                     "name another with --user)",
                     name);
            return rv;
        }
    } else if (user != NULL) {
        snprintf(err, errlen, "--user %s needs root (running as uid %u)", user,
                 (unsigned)geteuid());
        return LP_ERR_PERM;
    }
    if (rooms != NULL && access(rooms, R_OK) != 0)
        lp_logf(LP_LOG_WARN, "rooms_unreadable",
                "%s: %s: reloads will fail until it and its directory are "
                "readable by uid %u",
                rooms, strerror(errno), (unsigned)geteuid());
    /* read before the filter: getuid is not on the lists */
    uid = (unsigned)geteuid();
    gid = (unsigned)getegid();
    if ((rv = lp_priv_seccomp(role, err, errlen)) != 0)
        return rv;
    if (lp_log_begin(&b, LP_LOG_INFO, "privileges")) {
        lp_log_u64(&b, "uid", uid);
        lp_log_u64(&b, "gid", gid);
        lp_log_str(&b, "capabilities",
                   ncaps == 0 ? "none"
                   : role == LP_PRIV_GATEWAY || role == LP_PRIV_GATEWAY_ADMIN
                       ? "net_raw"
                       : "net_admin");
        lp_log_str(&b, "no_new_privs", "1");
        lp_log_str(&b, "seccomp",
                   !lp_priv_seccomp_enforced() ? "off_sanitizer_build"
                   : (unsigned)role < 5        ? names[role]
                                               : "unknown");
        lp_log_end(&b);
    }
    return 0;
}
