/* lp_route_linux: see lp_route_linux.h. */
#include "lp_route_linux.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "lp_log.h"

extern char **environ;

/* run_ip runs `ip ARGS...`, capturing up to outlen-1 bytes of stdout.
 * Returns the exit status, or -1. */
static int run_ip(char *out, size_t outlen, const char *const argv[])
{
    int pfd[2], status = -1;
    pid_t pid;
    posix_spawn_file_actions_t fa;
    size_t n = 0;

    if (pipe(pfd) != 0)
        return -1;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addclose(&fa, pfd[0]);
    if (posix_spawnp(&pid, "ip", &fa, NULL, (char *const *)(uintptr_t)argv,
                     environ) != 0) {
        posix_spawn_file_actions_destroy(&fa);
        close(pfd[0]);
        close(pfd[1]);
        return -1;
    }
    posix_spawn_file_actions_destroy(&fa);
    close(pfd[1]);
    for (;;) {
        ssize_t r;
        char sink[512];
        if (out != NULL && n + 1 < outlen)
            r = read(pfd[0], out + n, outlen - 1 - n);
        else
            r = read(pfd[0], sink, sizeof(sink));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (out != NULL && n + 1 < outlen)
            n += (size_t)r;
    }
    close(pfd[0]);
    if (out != NULL)
        out[n] = '\0';
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* route_get asks the kernel how it reaches ip: device and gateway. */
static int route_get(const char *fam, const char *ip, char *dev, size_t devlen,
                     char *via, size_t vialen)
{
    char out[4096];
    const char *argv[] = {"ip", "-j", fam, "route", "get", ip, NULL};
    json_t *root, *r0;
    const char *d, *g;
    int rv = -1;

    if (run_ip(out, sizeof(out), argv) != 0)
        return -1;
    root = json_loads(out, 0, NULL);
    if (root == NULL)
        return -1;
    r0 = json_array_get(root, 0);
    d = json_string_value(json_object_get(r0, "dev"));
    g = json_string_value(json_object_get(r0, "gateway"));
    if (d != NULL) {
        snprintf(dev, devlen, "%s", d);
        snprintf(via, vialen, "%s", g != NULL ? g : "");
        rv = 0;
    }
    json_decref(root);
    return rv;
}

int lp_route_pin(struct lp_route_pin *p, const struct sockaddr *relay,
                 char *err, size_t errlen)
{
    const char *fam;
    char prefix[80], out[4096];

    memset(p, 0, sizeof(p[0]));
    p->family = relay->sa_family;
    if (relay->sa_family == AF_INET) {
        inet_ntop(AF_INET, &((const struct sockaddr_in *)relay)->sin_addr,
                  p->relay_ip, sizeof(p->relay_ip));
        fam = "-4";
        snprintf(prefix, sizeof(prefix), "%s/32", p->relay_ip);
    } else {
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)relay)->sin6_addr,
                  p->relay_ip, sizeof(p->relay_ip));
        fam = "-6";
        snprintf(prefix, sizeof(prefix), "%s/128", p->relay_ip);
    }
    if (route_get(fam, p->relay_ip, p->dev, sizeof(p->dev), p->via,
                  sizeof(p->via)) != 0) {
        snprintf(err, errlen,
                 "no route to the relay %s (is this machine online?)",
                 p->relay_ip);
        return -1;
    }
    if (strcmp(p->dev, "lo") == 0) {
        lp_logf(LP_LOG_INFO, "route",
                "the relay %s is this machine: no "
                "route to pin",
                p->relay_ip);
        return 0;
    }
    {
        const char *show[] = {"ip",   "-j",    fam,    "route",
                              "show", "exact", prefix, NULL};
        if (run_ip(out, sizeof(out), show) == 0 && strstr(out, "\"dst\"") &&
            strstr(out, p->dev) != NULL) {
            p->pinned = 1;
            lp_logf(LP_LOG_INFO, "route",
                    "reusing the existing host route to the relay %s via %s",
                    p->relay_ip, p->dev);
            return 0;
        }
    }
    if (p->via[0] != '\0') {
        const char *add[] = {"ip",  fam,    "route", "add",  prefix,
                             "via", p->via, "dev",   p->dev, NULL};
        if (run_ip(NULL, 0, add) != 0)
            goto fail;
    } else {
        const char *add[] = {"ip",   fam,   "route", "add",
                             prefix, "dev", p->dev,  NULL};
        if (run_ip(NULL, 0, add) != 0)
            goto fail;
    }
    p->pinned = 1;
    p->created = 1;
    lp_logf(LP_LOG_INFO, "route", "pinned the relay %s via %s%s%s", p->relay_ip,
            p->dev, p->via[0] ? " gateway " : "", p->via);
    return 0;
fail:
    snprintf(err, errlen,
             "cannot pin a host route to the relay %s via %s (need "
             "CAP_NET_ADMIN)",
             p->relay_ip, p->dev);
    return -1;
}

int lp_route_verify(const struct lp_route_pin *p)
{
    char dev[IF_NAMESIZE], via[64];

    if (!p->pinned)
        return 1;
    if (route_get(p->family == AF_INET ? "-4" : "-6", p->relay_ip, dev,
                  sizeof(dev), via, sizeof(via)) != 0)
        return 0;
    return strcmp(dev, p->dev) == 0;
}

void lp_route_unpin(struct lp_route_pin *p)
{
    char prefix[80];
    const char *fam = p->family == AF_INET ? "-4" : "-6";

    if (!p->created)
        return;
    snprintf(prefix, sizeof(prefix), "%s/%d", p->relay_ip,
             p->family == AF_INET ? 32 : 128);
    {
        const char *del[] = {"ip",   fam,   "route", "del",
                             prefix, "dev", p->dev,  NULL};
        (void)run_ip(NULL, 0, del);
    }
    p->created = 0;
    p->pinned = 0;
}

int lp_route_tap_add(const char *tap, char *err, size_t errlen)
{
    const char *b[] = {"ip",  "-4", "route", "replace", "255.255.255.255/32",
                       "dev", tap,  NULL};
    const char *m[] = {"ip",          "-4",  "route", "replace",
                       "224.0.0.0/4", "dev", tap,     NULL};

    if (run_ip(NULL, 0, b) != 0 || run_ip(NULL, 0, m) != 0) {
        snprintf(err, errlen,
                 "cannot route broadcast and multicast to %s (need "
                 "CAP_NET_ADMIN)",
                 tap);
        return -1;
    }
    return 0;
}

void lp_route_tap_del(const char *tap)
{
    const char *b[] = {"ip",  "-4", "route", "del", "255.255.255.255/32",
                       "dev", tap,  NULL};
    const char *m[] = {"ip",          "-4",  "route", "del",
                       "224.0.0.0/4", "dev", tap,     NULL};

    (void)run_ip(NULL, 0, b);
    (void)run_ip(NULL, 0, m);
}
