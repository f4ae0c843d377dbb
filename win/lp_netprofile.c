/* lp_netprofile: the TAP's network category; see lp_netprofile.h. */
#define COBJMACROS
#include "lp_netprofile.h"

#include <netlistmgr.h>

#include <stdio.h>
#include <string.h>

#include "lp_err.h"

void lp_netprofile_init(struct lp_netprofile *p,
                        const struct lp_netprofile_ops *ops, void *arg,
                        const GUID *adapter)
{
    memset(p, 0, sizeof(*p));
    p->ops = ops;
    p->arg = arg;
    p->adapter = *adapter;
}

int lp_netprofile_guid_parse(GUID *g, const char *s)
{
    unsigned long d1;
    unsigned int d2, d3, b[8];
    char end;

    if (sscanf(s, "{%8lx-%4x-%4x-%2x%2x-%2x%2x%2x%2x%2x%2x}%c", &d1, &d2, &d3,
               &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &b[6], &b[7],
               &end) != 11 ||
        strlen(s) != 38)
        return LP_ERR_INVAL;
    g->Data1 = (unsigned long)d1;
    g->Data2 = (unsigned short)d2;
    g->Data3 = (unsigned short)d3;
    for (int i = 0; i < 8; i++)
        g->Data4[i] = (unsigned char)b[i];
    return 0;
}

int lp_netprofile_apply(struct lp_netprofile *p, char *err, size_t errlen)
{
    enum lp_netcat cat;
    int rv = p->ops->get(p->arg, &p->adapter, &cat);

    if (rv == LP_ERR_AGAIN)
        return rv;
    if (rv != 0) {
        snprintf(err, errlen, "cannot read the TAP network's category");
        return LP_ERR_IO;
    }
    if (cat != LP_NETCAT_PUBLIC)
        return 1;
    rv = p->ops->set(p->arg, &p->adapter, LP_NETCAT_PRIVATE);
    if (rv == LP_ERR_AGAIN)
        return rv;
    if (rv != 0) {
        snprintf(err, errlen,
                 "cannot set the TAP network to Private: set it in Settings, "
                 "Network, the \"LAN party\" adapter, Private network");
        return LP_ERR_IO;
    }
    /* Windows may reset it on a reconnect: the first value found is the
     * one to restore. */
    if (!p->changed)
        p->old = cat;
    p->changed = 1;
    return 0;
}

int lp_netprofile_restore(struct lp_netprofile *p)
{
    enum lp_netcat cat;
    int rv;

    if (!p->changed)
        return 0;
    p->changed = 0;
    rv = p->ops->get(p->arg, &p->adapter, &cat);
    if (rv != 0)
        return rv; /* the network is gone with the adapter's media */
    if (cat != LP_NETCAT_PRIVATE)
        return 0; /* changed by someone else since: leave it */
    return p->ops->set(p->arg, &p->adapter, p->old);
}

/* com_network finds the network on the adapter; *net is released by the
 * caller. 0, LP_ERR_AGAIN or LP_ERR_IO. */
static int com_network(const GUID *adapter, INetwork **net)
{
    INetworkListManager *nlm = NULL;
    IEnumNetworkConnections *en = NULL;
    INetworkConnection *c = NULL;
    ULONG got = 0;
    int rv = LP_ERR_AGAIN;

    *net = NULL;
    if (FAILED(CoCreateInstance(&CLSID_NetworkListManager, NULL, CLSCTX_ALL,
                                &IID_INetworkListManager, (void **)&nlm)))
        return LP_ERR_IO;
    if (FAILED(INetworkListManager_GetNetworkConnections(nlm, &en)) ||
        en == NULL) {
        INetworkListManager_Release(nlm);
        return LP_ERR_IO;
    }
    while (rv == LP_ERR_AGAIN &&
           IEnumNetworkConnections_Next(en, 1, &c, &got) == S_OK && got == 1) {
        GUID id;
        if (SUCCEEDED(INetworkConnection_GetAdapterId(c, &id)) &&
            IsEqualGUID(&id, adapter))
            rv =
                SUCCEEDED(INetworkConnection_GetNetwork(c, net)) && *net != NULL
                    ? 0
                    : LP_ERR_IO;
        INetworkConnection_Release(c);
    }
    IEnumNetworkConnections_Release(en);
    INetworkListManager_Release(nlm);
    return rv;
}

static int com_get(void *arg, const GUID *adapter, enum lp_netcat *cat)
{
    INetwork *net;
    NLM_NETWORK_CATEGORY c;
    int rv = com_network(adapter, &net);

    (void)arg;
    if (rv != 0)
        return rv;
    rv = SUCCEEDED(INetwork_GetCategory(net, &c)) ? 0 : LP_ERR_IO;
    INetwork_Release(net);
    if (rv == 0)
        *cat = c == NLM_NETWORK_CATEGORY_PRIVATE ? LP_NETCAT_PRIVATE
               : c == NLM_NETWORK_CATEGORY_DOMAIN_AUTHENTICATED
                   ? LP_NETCAT_DOMAIN
                   : LP_NETCAT_PUBLIC;
    return rv;
}

static int com_set(void *arg, const GUID *adapter, enum lp_netcat cat)
{
    INetwork *net;
    int rv = com_network(adapter, &net);

    (void)arg;
    if (rv != 0)
        return rv;
    rv = SUCCEEDED(INetwork_SetCategory(net, cat == LP_NETCAT_PRIVATE
                                                 ? NLM_NETWORK_CATEGORY_PRIVATE
                                                 : NLM_NETWORK_CATEGORY_PUBLIC))
             ? 0
             : LP_ERR_IO;
    INetwork_Release(net);
    return rv;
}

const struct lp_netprofile_ops lp_netprofile_com_ops = {com_get, com_set};
