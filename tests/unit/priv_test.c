/*
 * priv_test: io/lp_priv. Each check runs in a forked child, since a
 * seccomp filter and a uid switch cannot be undone: the child exits 0 when
 * every expectation held, or with the number of the one that failed, and
 * a forbidden system call must kill it with SIGSYS. The uid tests need
 * root and are skipped without it; the seccomp tests run as anyone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/capability.h>

#include <cap-ng.h>

#include "lp_err.h"
#include "lp_priv.h"

/* run forks, runs fn(arg) in the child and _exits with its result.
 * Returns the wait status. */
static int run(int (*fn)(long), long arg)
{
    pid_t pid;
    int st = 0;

    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(fn(arg));
    assert_int_equal(waitpid(pid, &st, 0), pid);
    return st;
}

static void assert_exit0(int st)
{
    if (WIFSIGNALED(st))
        fail_msg("the child died by signal %d", WTERMSIG(st));
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

static void assert_sigsys(int st)
{
    if (WIFEXITED(st))
        fail_msg("the child exited with %d instead of dying by SIGSYS",
                 WEXITSTATUS(st));
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGSYS);
}

static void skip_unless_root(void)
{
    if (geteuid() != 0) {
        print_message("not root: skipped\n");
        skip();
    }
}

/* A sanitizer build installs no filter (lp_priv_seccomp_enforced). */
static void skip_unless_enforced(void)
{
    if (!lp_priv_seccomp_enforced()) {
        print_message("sanitizer build (no seccomp filter): skipped\n");
        skip();
    }
}

static int nobody_ids(uid_t *uid, gid_t *gid)
{
    struct passwd *pw = getpwnam("nobody");
    if (pw == NULL)
        return -1;
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    return 0;
}

/* The loop's ordinary work still runs under each role's filter. */
static int child_loop_allowed(long role)
{
    char err[256], buf[8];
    int p[2];
    struct timespec ts;
    void *big, *small;

    if (pipe(p) != 0)
        return 1;
    if (lp_priv_seccomp((enum lp_priv_role)role, err, sizeof(err)) != 0)
        return 2;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 3;
    big = malloc(1 << 20); /* mmap */
    small = malloc(64);    /* brk */
    if (big == NULL || small == NULL)
        return 4;
    memset(big, 1, 1 << 20);
    free(big);
    free(small);
    if (write(p[1], "x", 1) != 1 || read(p[0], buf, 1) != 1)
        return 5;
    close(p[0]);
    close(p[1]);
    return 0;
}

static void test_loop_allowed(void **state)
{
    (void)state;
    skip_unless_enforced();
    assert_exit0(run(child_loop_allowed, LP_PRIV_RELAY));
    assert_exit0(run(child_loop_allowed, LP_PRIV_GATEWAY));
    assert_exit0(run(child_loop_allowed, LP_PRIV_CLIENT));
    assert_exit0(run(child_loop_allowed, LP_PRIV_RELAY_ADMIN));
    assert_exit0(run(child_loop_allowed, LP_PRIV_GATEWAY_ADMIN));
}

enum forbidden {
    F_PTRACE,
    F_MOUNT,
    F_EXECVE,
    F_INET6_SOCKET,
    F_PACKET_SOCKET,
    F_NETLINK_SOCKET,
    F_OPEN_WRITE,
    F_MMAP_EXEC,
    F_SETUID,
    F_ACCEPT4,
};

struct forbid_case {
    enum lp_priv_role role;
    enum forbidden call;
};

static int child_forbidden(long i);

static const struct forbid_case forbid_cases[] = {
    {LP_PRIV_RELAY, F_PTRACE},
    {LP_PRIV_RELAY, F_MOUNT},
    {LP_PRIV_RELAY, F_EXECVE},
    {LP_PRIV_RELAY, F_INET6_SOCKET}, /* the relay opens no socket */
    {LP_PRIV_RELAY, F_OPEN_WRITE},   /* its room list is read, never written */
    {LP_PRIV_RELAY, F_MMAP_EXEC},
    {LP_PRIV_RELAY, F_SETUID},
    {LP_PRIV_RELAY, F_ACCEPT4}, /* no admin listener: no TCP calls */
    /* the admin listener accepts, but opens no socket and runs nothing */
    {LP_PRIV_RELAY_ADMIN, F_INET6_SOCKET},
    {LP_PRIV_RELAY_ADMIN, F_EXECVE},
    {LP_PRIV_RELAY_ADMIN, F_OPEN_WRITE},
    {LP_PRIV_RELAY_ADMIN, F_SETUID},
    {LP_PRIV_GATEWAY, F_PTRACE},
    {LP_PRIV_GATEWAY, F_EXECVE},
    {LP_PRIV_GATEWAY, F_NETLINK_SOCKET},
    {LP_PRIV_GATEWAY, F_OPEN_WRITE},
    {LP_PRIV_GATEWAY, F_ACCEPT4}, /* no admin listener: no TCP calls */
    {LP_PRIV_GATEWAY_ADMIN, F_EXECVE},
    {LP_PRIV_GATEWAY_ADMIN, F_NETLINK_SOCKET},
    {LP_PRIV_GATEWAY_ADMIN, F_OPEN_WRITE},
    {LP_PRIV_GATEWAY_ADMIN, F_SETUID},
    {LP_PRIV_CLIENT, F_MOUNT},
    {LP_PRIV_CLIENT, F_EXECVE},
    {LP_PRIV_CLIENT, F_PACKET_SOCKET},
    {LP_PRIV_CLIENT, F_OPEN_WRITE},
    {LP_PRIV_CLIENT, F_MMAP_EXEC},
};

static int child_forbidden(long i)
{
    const struct forbid_case *c = &forbid_cases[i];
    char err[256];
    char *const argv[] = {"/bin/true", NULL};

    if (lp_priv_seccomp(c->role, err, sizeof(err)) != 0)
        return 100;
    switch (c->call) {
    case F_PTRACE:
        (void)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
        break;
    case F_MOUNT:
        (void)mount("none", "/mnt", "tmpfs", 0, NULL);
        break;
    case F_EXECVE:
        (void)execve(argv[0], argv, NULL);
        break;
    case F_INET6_SOCKET:
        (void)socket(AF_INET6, SOCK_DGRAM, 0);
        break;
    case F_PACKET_SOCKET:
        (void)socket(AF_PACKET, SOCK_RAW, 0);
        break;
    case F_NETLINK_SOCKET:
        (void)socket(AF_NETLINK, SOCK_RAW, 0);
        break;
    case F_OPEN_WRITE:
        (void)open("/tmp/lp-priv-test-never", O_WRONLY | O_CREAT, 0600);
        break;
    case F_MMAP_EXEC:
        (void)mmap(NULL, 4096, PROT_READ | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        break;
    case F_SETUID:
        (void)setuid(0);
        break;
    case F_ACCEPT4:
        (void)accept4(-1, NULL, NULL, SOCK_NONBLOCK);
        break;
    }
    return 101; /* survived */
}

static void test_violation_is_fatal(void **state)
{
    (void)state;
    skip_unless_enforced();
    for (size_t i = 0; i < sizeof(forbid_cases) / sizeof(forbid_cases[0]);
         i++) {
        int st = run(child_forbidden, (long)i);
        if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSYS)
            fail_msg("case %zu (role %d, call %d): status %#x, not SIGSYS", i,
                     (int)forbid_cases[i].role, (int)forbid_cases[i].call, st);
        assert_sigsys(st);
    }
}

/* The relay re-reads its room list under the filter (SIGHUP). */
static int child_relay_reads(long unused)
{
    char err[256], buf[16];
    int fd;

    (void)unused;
    if (lp_priv_seccomp(LP_PRIV_RELAY, err, sizeof(err)) != 0)
        return 1;
    fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 2;
    if (read(fd, buf, sizeof(buf)) <= 0)
        return 3;
    close(fd);
    return 0;
}

static void test_relay_reads_files(void **state)
{
    (void)state;
    skip_unless_enforced();
    assert_exit0(run(child_relay_reads, 0));
}

static void test_bad_role(void **state)
{
    char err[128];
    (void)state;
    assert_int_equal(lp_priv_seccomp((enum lp_priv_role)42, err, sizeof(err)),
                     LP_ERR_INVAL);
    assert_non_null(strstr(err, "role"));
}

static int child_no_new_privs(long unused)
{
    char err[256];

    (void)unused;
    if (lp_priv_no_new_privs(err, sizeof(err)) != 0)
        return 1;
    return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1 ? 0 : 2;
}

static void test_no_new_privs(void **state)
{
    (void)state;
    assert_exit0(run(child_no_new_privs, 0));
}

/* Not root: every drop refuses with LP_ERR_PERM and changes nothing. */
static void test_drop_needs_root(void **state)
{
    char err[256];
    int cap = CAP_NET_ADMIN;

    (void)state;
    if (geteuid() == 0) {
        print_message("root: skipped\n");
        skip();
    }
    assert_int_equal(lp_priv_drop_user("nobody", err, sizeof(err)),
                     LP_ERR_PERM);
    assert_non_null(strstr(err, "not running as root"));
    assert_int_equal(
        lp_priv_drop_user_keep("nobody", &cap, 1, err, sizeof(err)),
        LP_ERR_PERM);
}

/* Exit codes: 0 when the drop worked and root cannot come back. */
static int child_drop(long keep)
{
    char err[256];
    uid_t uid;
    gid_t gid, groups[8];
    const int *caps;
    size_t ncaps;
    int n, rv;

    if (nobody_ids(&uid, &gid) != 0)
        return 1;
    if (keep < 0) {
        rv = lp_priv_drop_user("nobody", err, sizeof(err));
    } else {
        ncaps = lp_priv_role_caps((enum lp_priv_role)keep, &caps);
        rv = lp_priv_drop_user_keep("nobody", caps, ncaps, err, sizeof(err));
    }
    if (rv != 0) {
        fprintf(stderr, "drop: %s\n", err);
        return 2;
    }
    if (getuid() != uid || geteuid() != uid || getgid() != gid ||
        getegid() != gid)
        return 3;
    if (setuid(0) == 0 || errno != EPERM)
        return 4;
    n = getgroups(8, groups);
    if (n < 0 || n > 1 || (n == 1 && groups[0] != gid))
        return 5;
    /* nobody cannot write where root can */
    if (open("/proc/sys/kernel/hostname", O_WRONLY) >= 0)
        return 6;
    capng_clear(CAPNG_SELECT_BOTH);
    if (capng_get_caps_process() != 0)
        return 7;
    switch (keep) {
    case -1:
    case LP_PRIV_RELAY:
        if (capng_have_capabilities(CAPNG_SELECT_CAPS) != CAPNG_NONE)
            return 8;
        if (socket(AF_PACKET, SOCK_RAW, 0) >= 0)
            return 9;
        break;
    case LP_PRIV_GATEWAY:
        /* the packet socket can be reopened after a NIC replug */
        if (socket(AF_PACKET, SOCK_RAW, 0) < 0)
            return 10;
        if (capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_ADMIN))
            return 11;
        break;
    case LP_PRIV_CLIENT:
        if (!capng_have_capability(CAPNG_EFFECTIVE, CAP_NET_ADMIN))
            return 12;
        if (socket(AF_PACKET, SOCK_RAW, 0) >= 0)
            return 13;
        break;
    }
    if (capng_have_capability(CAPNG_BOUNDING_SET, CAP_SETUID) && keep >= 0)
        return 14; /* CAPNG_CLEAR_BOUNDING */
    return 0;
}

static void test_drop_user(void **state)
{
    (void)state;
    skip_unless_root();
    assert_exit0(run(child_drop, -1));
}

static void test_drop_user_keep(void **state)
{
    (void)state;
    skip_unless_root();
    assert_exit0(run(child_drop, LP_PRIV_RELAY));
    assert_exit0(run(child_drop, LP_PRIV_GATEWAY));
    assert_exit0(run(child_drop, LP_PRIV_CLIENT));
}

/* A dropped daemon then installs its filter, as the mains do. */
static int child_drop_then_filter(long unused)
{
    char err[256];
    const int *caps;
    size_t ncaps = lp_priv_role_caps(LP_PRIV_CLIENT, &caps);

    (void)unused;
    if (lp_priv_drop_user_keep("nobody", caps, ncaps, err, sizeof(err)) != 0 ||
        lp_priv_seccomp(LP_PRIV_CLIENT, err, sizeof(err)) != 0)
        return 1;
    (void)setuid(0); /* not in the list: SIGSYS */
    return 2;
}

static void test_drop_then_filter(void **state)
{
    (void)state;
    skip_unless_enforced();
    skip_unless_root();
    assert_sigsys(run(child_drop_then_filter, 0));
}

static int child_drop_bad(long which)
{
    char err[256];
    int cap = 9999;

    switch (which) {
    case 0:
        return lp_priv_drop_user("lp-no-such-user-x", err, sizeof(err)) ==
                           LP_ERR_INVAL &&
                       strstr(err, "lp-no-such-user-x") != NULL
                   ? 0
                   : 1;
    case 1:
        return lp_priv_drop_user("root", err, sizeof(err)) == LP_ERR_INVAL ? 0
                                                                           : 1;
    case 2:
        return lp_priv_drop_user("", err, sizeof(err)) == LP_ERR_INVAL ? 0 : 1;
    case 3:
        return lp_priv_drop_user_keep("nobody", &cap, 1, err, sizeof(err)) ==
                       LP_ERR_INVAL
                   ? 0
                   : 1;
    }
    return 1;
}

static void test_drop_bad_input(void **state)
{
    (void)state;
    skip_unless_root();
    for (long i = 0; i < 4; i++)
        assert_exit0(run(child_drop_bad, i));
    /* nothing changed in this process */
    assert_int_equal(geteuid(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loop_allowed),
        cmocka_unit_test(test_violation_is_fatal),
        cmocka_unit_test(test_relay_reads_files),
        cmocka_unit_test(test_bad_role),
        cmocka_unit_test(test_no_new_privs),
        cmocka_unit_test(test_drop_needs_root),
        cmocka_unit_test(test_drop_user),
        cmocka_unit_test(test_drop_user_keep),
        cmocka_unit_test(test_drop_then_filter),
        cmocka_unit_test(test_drop_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
