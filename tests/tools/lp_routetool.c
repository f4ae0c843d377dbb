/*
 * lp-routetool: drives client/lp_route_linux for tests/system/test_routes.py.
 *
 *   lp-routetool [--user USER] pin ADDR   pin, print the pin, wait for a
 *                                         line on stdin, unpin
 *   lp-routetool [--user USER] tap DEV    add the TAP routes to DEV, wait
 *                                         for a line, delete them
 *
 * With --user the tool first becomes USER keeping only the client's
 * capability (CAP_NET_ADMIN) and installs the client's seccomp list, as
 * the Linux client does after its setup.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lp_priv.h"
#include "lp_route_linux.h"

static void wait_line(void)
{
    char c;

    while (read(0, &c, 1) == 1 && c != '\n')
        ;
}

int main(int argc, char **argv)
{
    char err[512];
    int i = 1;

    if (argc > 3 && strcmp(argv[1], "--user") == 0) {
        const int *caps;
        size_t n = lp_priv_role_caps(LP_PRIV_CLIENT, &caps);
        if (lp_priv_drop_user_keep(argv[2], caps, n, err, sizeof(err)) != 0) {
            fprintf(stderr, "lp-routetool: %s\n", err);
            return 1;
        }
        /* before the filter: getuid is not in the client's list */
        printf("uid=%u euid=%u\n", (unsigned)getuid(), (unsigned)geteuid());
        if (lp_priv_seccomp(LP_PRIV_CLIENT, err, sizeof(err)) != 0) {
            fprintf(stderr, "lp-routetool: %s\n", err);
            return 1;
        }
        i = 3;
    }
    if (argc != i + 2) {
        fprintf(stderr, "usage: lp-routetool [--user USER] pin ADDR | tap "
                        "DEV\n");
        return 2;
    }
    if (strcmp(argv[i], "pin") == 0) {
        struct sockaddr_storage ss;
        struct lp_route_pin p;
        memset(&ss, 0, sizeof(ss));
        if (inet_pton(AF_INET, argv[i + 1],
                      &((struct sockaddr_in *)&ss)->sin_addr) == 1)
            ss.ss_family = AF_INET;
        else if (inet_pton(AF_INET6, argv[i + 1],
                           &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1)
            ss.ss_family = AF_INET6;
        else
            return 2;
        if (lp_route_pin(&p, (struct sockaddr *)&ss, err, sizeof(err)) != 0) {
            printf("error: %s\n", err);
            fflush(stdout);
            return 1;
        }
        printf("pinned=%d created=%d dev=%s via=%s verify=%d\n", p.pinned,
               p.created, p.dev, p.via, lp_route_verify(&p));
        fflush(stdout);
        wait_line();
        lp_route_unpin(&p);
    } else if (strcmp(argv[i], "tap") == 0) {
        if (lp_route_tap_add(argv[i + 1], err, sizeof(err)) != 0) {
            printf("error: %s\n", err);
            fflush(stdout);
            return 1;
        }
        printf("tap routes added\n");
        fflush(stdout);
        wait_line();
        lp_route_tap_del(argv[i + 1]);
    } else {
        return 2;
    }
    printf("done\n");
    return 0;
}
