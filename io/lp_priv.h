/*
 * lp_priv: least privilege for the Linux daemons (issue 12, "Least
 * privilege"). A daemon opens its descriptors as root, then:
 *
 *   1. lp_priv_drop_user (or lp_priv_drop_user_keep, for the capabilities
 *      its loop still needs) switches to an unprivileged user and checks
 *      that root cannot be regained;
 *   2. lp_priv_no_new_privs stops any later execve from gaining privileges;
 *   3. lp_priv_seccomp allows only the system calls its event loop makes;
 *      any other call kills the whole process (SIGSYS).
 *
 * What each role keeps (lp_priv_role_caps):
 *   relay    nothing: its UDP socket is bound before the drop.
 *   gateway  CAP_NET_RAW, to reopen its packet socket when the NIC comes
 *            back as a new device (cmd/gateway.c, lan_rebound).
 *   client   CAP_NET_ADMIN, for its host routes (rtnetlink) and the TAP's
 *            MTU and flags.
 *
 * Every function returns 0, or a negative enum lp_err code with a message
 * in err (errlen bytes, always terminated when errlen > 0).
 */
#ifndef LP_PRIV_H
#define LP_PRIV_H

#include <stddef.h>

enum lp_priv_role {
    LP_PRIV_RELAY,
    LP_PRIV_GATEWAY,
    LP_PRIV_CLIENT,
    /* the relay with its admin listener (--admin-listen): the relay's list
     * and the calls libmicrohttpd makes serving HTTP in the relay's loop */
    LP_PRIV_RELAY_ADMIN,
    /* the gateway with its admin listener: the gateway's list and the
     * same calls for libmicrohttpd */
    LP_PRIV_GATEWAY_ADMIN,
};

/* The user a daemon started as root switches to unless told otherwise. */
#define LP_PRIV_DEFAULT_USER "lanparty"

/*
 * lp_priv_drop_user switches the process (all of its ids) to user: its
 * supplementary groups become the user's primary group alone, then
 * setresgid and setresuid; no capability is kept. It then checks that
 * the real, effective and saved ids all changed, that no capability is
 * left, and that setuid(0) and setgid(0) fail. Call it single-threaded.
 * Returns 0, or:
 *   LP_ERR_INVAL  user is unknown, or is root (uid 0 or gid 0);
 *   LP_ERR_PERM   the process is not root, or the check found a way back;
 *   LP_ERR_IO     a system call failed (message names it and errno).
 */
int lp_priv_drop_user(const char *user, char *err, size_t errlen);

/*
 * lp_priv_drop_user_keep is lp_priv_drop_user keeping the ncaps
 * capabilities in caps (CAP_* numbers from <linux/capability.h>) effective
 * and permitted across the switch, with libcap-ng's capng_change_id
 * (CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING): no supplementary groups,
 * an empty bounding set, every other capability gone. It checks the ids,
 * that each kept capability is effective, and that setuid(0) fails.
 * ncaps 0 behaves as lp_priv_drop_user with an empty bounding set. Same
 * codes as lp_priv_drop_user; LP_ERR_INVAL also for an unknown capability.
 */
int lp_priv_drop_user_keep(const char *user, const int *caps, size_t ncaps,
                           char *err, size_t errlen);

/*
 * lp_priv_role_caps stores in *caps the capabilities role keeps after the
 * drop (see the table above) and returns how many (0 or 1). The array is
 * static.
 */
size_t lp_priv_role_caps(enum lp_priv_role role, const int **caps);

/*
 * lp_priv_no_new_privs sets PR_SET_NO_NEW_PRIVS: no execve can add
 * privileges (set-user-ID bits, file capabilities). Returns 0 or
 * LP_ERR_IO.
 */
int lp_priv_no_new_privs(char *err, size_t errlen);

/*
 * lp_priv_seccomp sets no_new_privs and installs role's seccomp allow-list
 * (libseccomp, see lp_priv.c for the lists and why each call is there).
 * Any other system call kills the process with SIGSYS
 * (SCMP_ACT_KILL_PROCESS). Call it after the last setup step, just before
 * the event loop; the filter cannot be removed. Returns 0, LP_ERR_INVAL
 * (unknown role), LP_ERR_NOMEM or LP_ERR_IO (the kernel refused it).
 */
int lp_priv_seccomp(enum lp_priv_role role, char *err, size_t errlen);

/*
 * lp_priv_enter is what each daemon calls once its setup is done, just
 * before its loop: started as root, it becomes user (NULL: the default,
 * LP_PRIV_DEFAULT_USER) keeping only role's capabilities (the bounding
 * set cleared); then, whoever it runs as, no_new_privs and role's seccomp
 * list; then it logs event=privileges with what the process ends with.
 * user given without root is LP_ERR_PERM. rooms: a file the daemon must
 * read again later (the relay's room list, or NULL): before the drop it is
 * given to user, so that a reload as user can read it.
 */
int lp_priv_enter(enum lp_priv_role role, const char *user, const char *rooms,
                  char *err, size_t errlen);

/*
 * lp_priv_seccomp_enforced is 0 in a build with AddressSanitizer: its
 * runtime makes system calls of its own (shadow memory, the leak check's
 * stop-the-world at exit) that no allow-list should carry, so such a build
 * sets no_new_privs but installs no filter, and says so in its privileges
 * line. Release builds return 1.
 */
int lp_priv_seccomp_enforced(void);

#endif /* LP_PRIV_H */
