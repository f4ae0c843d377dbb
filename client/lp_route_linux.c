/*
 * lp_route_linux: see lp_route_linux.h.
 *
 * Every change and query is one rtnetlink request (libmnl) on a socket of
 * its own, answered with an ACK or a dump: the same requests
 * `ip route get|show|add|replace|del` sends, with its defaults (table
 * main, protocol boot; scope link without a gateway, universe with one).
 * No program is run, so the client needs CAP_NET_ADMIN, not a shell or
 * PATH, and its seccomp list holds AF_NETLINK sockets instead of execve.
 */
#include "lp_route_linux.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "lp_log.h"

/* One route as the kernel describes it. */
struct route_info {
    int family;
    unsigned char dst_len;
    unsigned char table;
    int has_dst, has_gw;
    unsigned char dst[16], gw[16];
    int oif;
};

/* Requests are a header and three attributes; answers are read 8 KiB at a
 * time (libmnl's MNL_SOCKET_BUFFER_SIZE, a run-time value, is at most
 * that). */
enum { ROUTE_REQ_SIZE = 512, ROUTE_RX_SIZE = 8192 };

struct route_addr {
    int family;
    unsigned char bytes[16];
    unsigned char plen;
};

static size_t route_alen(int family)
{
    return family == AF_INET ? 4 : 16;
}

/* route_talk sends the request in buf and feeds each answer to cb (NULL:
 * expect only an ACK). Returns 0, or -1 with errno set (an NLMSG_ERROR's
 * code, or the socket's). */
static int route_talk(struct nlmsghdr *nlh, mnl_cb_t cb, void *data)
{
    static unsigned int seq0;
    char buf[ROUTE_RX_SIZE];
    struct mnl_socket *nl;
    unsigned int portid, seq;
    ssize_t n;
    int rv, e = 0;

    nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
    if (nl == NULL)
        return -1;
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
        goto fail;
    if (seq0 == 0)
        seq0 = (unsigned int)time(NULL);
    seq = ++seq0;
    nlh->nlmsg_seq = seq;
    if (cb == NULL)
        nlh->nlmsg_flags |= NLM_F_ACK;
    portid = mnl_socket_get_portid(nl);
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
        goto fail;
    for (;;) {
        n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
        if (n < 0)
            goto fail;
        rv = mnl_cb_run(buf, (size_t)n, seq, portid, cb, data);
        if (rv < 0)
            goto fail;
        if (rv == MNL_CB_STOP)
            break;
    }
    mnl_socket_close(nl);
    return 0;
fail:
    e = errno;
    mnl_socket_close(nl);
    errno = e;
    return -1;
}

static int route_attr_cb(const struct nlattr *a, void *data)
{
    struct route_info *ri = data;
    size_t alen = route_alen(ri->family);

    switch (mnl_attr_get_type(a)) {
    case RTA_DST:
        if (mnl_attr_get_payload_len(a) == alen) {
            memcpy(ri->dst, mnl_attr_get_payload(a), alen);
            ri->has_dst = 1;
        }
        break;
    case RTA_GATEWAY:
        if (mnl_attr_get_payload_len(a) == alen) {
            memcpy(ri->gw, mnl_attr_get_payload(a), alen);
            ri->has_gw = 1;
        }
        break;
    case RTA_OIF:
        if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
            ri->oif = (int)mnl_attr_get_u32(a);
        break;
    case RTA_TABLE:
        if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
            ri->table = (unsigned char)(mnl_attr_get_u32(a) > 255
                                            ? 0
                                            : mnl_attr_get_u32(a));
        break;
    }
    return MNL_CB_OK;
}

/* route_parse fills ri from an RTM_NEWROUTE message. */
static int route_parse(const struct nlmsghdr *nlh, struct route_info *ri)
{
    const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

    memset(ri, 0, sizeof(*ri));
    if (nlh->nlmsg_type != RTM_NEWROUTE ||
        mnl_nlmsg_get_payload_len(nlh) < sizeof(*rtm) ||
        (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6))
        return -1;
    ri->family = rtm->rtm_family;
    ri->dst_len = rtm->rtm_dst_len;
    ri->table = rtm->rtm_table;
    return mnl_attr_parse(nlh, sizeof(*rtm), route_attr_cb, ri) < 0 ? -1 : 0;
}

static int route_get_cb(const struct nlmsghdr *nlh, void *data)
{
    struct route_info *ri = data;

    if (route_parse(nlh, ri) != 0)
        ri->oif = 0;
    return MNL_CB_STOP; /* a route get has one answer */
}

static int link_name_cb(const struct nlattr *a, void *data)
{
    char *name = data;

    if (mnl_attr_get_type(a) == IFLA_IFNAME &&
        mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
        snprintf(name, IF_NAMESIZE, "%s", mnl_attr_get_str(a));
    return MNL_CB_OK;
}

struct link_query {
    int index;
    char name[IF_NAMESIZE];
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
    struct link_query *q = data;
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

    if (nlh->nlmsg_type != RTM_NEWLINK ||
        mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
        return MNL_CB_ERROR;
    q->index = ifi->ifi_index;
    q->name[0] = '\0';
    (void)mnl_attr_parse(nlh, sizeof(*ifi), link_name_cb, q->name);
    return MNL_CB_STOP;
}

/* route_link asks for a link by index (name NULL) or by name: fills the
 * other half of q. Through rtnetlink, not if_nametoindex's ioctl. */
static int route_link(struct link_query *q, const char *name)
{
    char buf[ROUTE_REQ_SIZE];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct ifinfomsg *ifi;

    nlh->nlmsg_type = RTM_GETLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    ifi->ifi_family = AF_UNSPEC;
    if (name != NULL) {
        if (strlen(name) >= IF_NAMESIZE) {
            errno = ENODEV;
            return -1;
        }
        mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
    } else {
        ifi->ifi_index = q->index;
    }
    q->index = 0;
    if (route_talk(nlh, link_cb, q) != 0)
        return -1;
    if (q->index <= 0) {
        errno = ENODEV;
        return -1;
    }
    return 0;
}

/* route_get asks the kernel how it reaches a: device and gateway. */
static int route_get(const struct route_addr *a, char *dev, size_t devlen,
                     char *via, size_t vialen)
{
    char buf[ROUTE_REQ_SIZE];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct rtmsg *rtm;
    struct route_info ri;
    struct link_query q;

    nlh->nlmsg_type = RTM_GETROUTE;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
    rtm->rtm_family = (unsigned char)a->family;
    rtm->rtm_dst_len = a->family == AF_INET ? 32 : 128;
    mnl_attr_put(nlh, RTA_DST, route_alen(a->family), a->bytes);
    memset(&ri, 0, sizeof(ri));
    if (route_talk(nlh, route_get_cb, &ri) != 0 || ri.oif <= 0)
        return -1;
    memset(&q, 0, sizeof(q));
    q.index = ri.oif;
    if (route_link(&q, NULL) != 0 || q.name[0] == '\0')
        return -1;
    snprintf(dev, devlen, "%s", q.name);
    via[0] = '\0';
    if (ri.has_gw && vialen > 0)
        inet_ntop(a->family, ri.gw, via, (socklen_t)vialen);
    return 0;
}

/* A dump of the main table, looking for one exact prefix on one device. */
struct route_find {
    const struct route_addr *a;
    int oif;
    int found;
};

static int route_find_cb(const struct nlmsghdr *nlh, void *data)
{
    struct route_find *f = data;
    struct route_info ri;

    if (route_parse(nlh, &ri) != 0)
        return MNL_CB_OK;
    if (ri.family == f->a->family && ri.table == RT_TABLE_MAIN &&
        ri.dst_len == f->a->plen && ri.has_dst &&
        memcmp(ri.dst, f->a->bytes, route_alen(ri.family)) == 0 &&
        ri.oif == f->oif)
        f->found = 1;
    return MNL_CB_OK;
}

/* route_exists: 1 if the main table has exactly a/plen on device oif. */
static int route_exists(const struct route_addr *a, int oif)
{
    char buf[ROUTE_REQ_SIZE];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct rtmsg *rtm;
    struct route_find f = {a, oif, 0};

    nlh->nlmsg_type = RTM_GETROUTE;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
    rtm->rtm_family = (unsigned char)a->family;
    if (route_talk(nlh, route_find_cb, &f) != 0)
        return 0;
    return f.found;
}

enum route_op { ROUTE_ADD, ROUTE_REPLACE, ROUTE_DEL };

/* route_change adds (failing if it exists), replaces or deletes the route
 * a/plen [via gw] dev oif in the main table. gw may be NULL. */
static int route_change(enum route_op op, const struct route_addr *a,
                        const unsigned char *gw, int oif)
{
    char buf[ROUTE_REQ_SIZE];
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct rtmsg *rtm;

    nlh->nlmsg_type = op == ROUTE_DEL ? RTM_DELROUTE : RTM_NEWROUTE;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    if (op == ROUTE_ADD)
        nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
    else if (op == ROUTE_REPLACE)
        nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_REPLACE;
    rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
    rtm->rtm_family = (unsigned char)a->family;
    rtm->rtm_dst_len = a->plen;
    rtm->rtm_table = RT_TABLE_MAIN;
    if (op == ROUTE_DEL) {
        /* protocol and type 0 match any; scope nowhere matches any */
        rtm->rtm_scope = RT_SCOPE_NOWHERE;
    } else {
        rtm->rtm_protocol = RTPROT_BOOT;
        rtm->rtm_type = RTN_UNICAST;
        rtm->rtm_scope = gw != NULL ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
    }
    mnl_attr_put(nlh, RTA_DST, route_alen(a->family), a->bytes);
    if (gw != NULL)
        mnl_attr_put(nlh, RTA_GATEWAY, route_alen(a->family), gw);
    mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)oif);
    return route_talk(nlh, NULL, NULL);
}

/* route_host fills a with the pin's host prefix (relay_ip/32 or /128). */
static int route_host(const struct lp_route_pin *p, struct route_addr *a)
{
    memset(a, 0, sizeof(*a));
    a->family = p->family;
    a->plen = p->family == AF_INET ? 32 : 128;
    return inet_pton(p->family, p->relay_ip, a->bytes) == 1 ? 0 : -1;
}

int lp_route_pin(struct lp_route_pin *p, const struct sockaddr *relay,
                 char *err, size_t errlen)
{
    struct route_addr a;
    struct link_query q;
    unsigned char gw[16];

    memset(p, 0, sizeof(p[0]));
    p->family = relay->sa_family;
    if (relay->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)relay)->sin_addr,
                  p->relay_ip, sizeof(p->relay_ip));
    else
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)relay)->sin6_addr,
                  p->relay_ip, sizeof(p->relay_ip));
    if (route_host(p, &a) != 0 ||
        route_get(&a, p->dev, sizeof(p->dev), p->via, sizeof(p->via)) != 0) {
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
    memset(&q, 0, sizeof(q));
    if (route_link(&q, p->dev) != 0)
        goto fail;
    if (route_exists(&a, q.index)) {
        p->pinned = 1;
        lp_logf(LP_LOG_INFO, "route",
                "reusing the existing host route to the relay %s via %s",
                p->relay_ip, p->dev);
        return 0;
    }
    if (p->via[0] != '\0' && inet_pton(p->family, p->via, gw) != 1)
        goto fail;
    if (route_change(ROUTE_ADD, &a, p->via[0] != '\0' ? gw : NULL, q.index) !=
        0)
        goto fail;
    p->pinned = 1;
    p->created = 1;
    lp_logf(LP_LOG_INFO, "route", "pinned the relay %s via %s%s%s", p->relay_ip,
            p->dev, p->via[0] ? " gateway " : "", p->via);
    return 0;
fail:
    snprintf(err, errlen,
             "cannot pin a host route to the relay %s via %s: %s (need "
             "CAP_NET_ADMIN)",
             p->relay_ip, p->dev, strerror(errno));
    return -1;
}

int lp_route_verify(const struct lp_route_pin *p)
{
    char dev[IF_NAMESIZE], via[64];
    struct route_addr a;

    if (!p->pinned)
        return 1;
    if (route_host(p, &a) != 0 ||
        route_get(&a, dev, sizeof(dev), via, sizeof(via)) != 0)
        return 0;
    return strcmp(dev, p->dev) == 0;
}

void lp_route_unpin(struct lp_route_pin *p)
{
    struct route_addr a;
    struct link_query q;

    if (!p->created)
        return;
    memset(&q, 0, sizeof(q));
    if (route_host(p, &a) == 0 && route_link(&q, p->dev) == 0)
        (void)route_change(ROUTE_DEL, &a, NULL, q.index);
    p->created = 0;
    p->pinned = 0;
}

/* The TAP's routes: limited broadcast and IPv4 multicast. */
static const struct route_addr route_tap_dsts[] = {
    {AF_INET, {255, 255, 255, 255}, 32},
    {AF_INET, {224, 0, 0, 0}, 4},
};

int lp_route_tap_add(const char *tap, char *err, size_t errlen)
{
    struct link_query q;

    memset(&q, 0, sizeof(q));
    if (route_link(&q, tap) != 0)
        goto fail;
    for (size_t i = 0; i < sizeof(route_tap_dsts) / sizeof(route_tap_dsts[0]);
         i++)
        if (route_change(ROUTE_REPLACE, &route_tap_dsts[i], NULL, q.index) != 0)
            goto fail;
    return 0;
fail:
    snprintf(err, errlen,
             "cannot route broadcast and multicast to %s: %s (need "
             "CAP_NET_ADMIN)",
             tap, strerror(errno));
    return -1;
}

void lp_route_tap_del(const char *tap)
{
    struct link_query q;

    memset(&q, 0, sizeof(q));
    if (route_link(&q, tap) != 0)
        return; /* the TAP is gone, and its routes with it */
    for (size_t i = 0; i < sizeof(route_tap_dsts) / sizeof(route_tap_dsts[0]);
         i++)
        (void)route_change(ROUTE_DEL, &route_tap_dsts[i], NULL, q.index);
}
