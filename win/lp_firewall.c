/* lp_firewall: does the firewall block game discovery; see lp_firewall.h. */
#define COBJMACROS
#include "lp_firewall.h"

/* netfw.h's GUIDs are in no mingw-w64 import library: define them here */
#include <initguid.h>
#include <netfw.h>

#include <stdio.h>

#include "lp_err.h"

static const char *fw_profile_name(enum lp_netcat cat)
{
    switch (cat) {
    case LP_NETCAT_DOMAIN:
        return "Domain";
    case LP_NETCAT_PRIVATE:
        return "Private";
    default:
        return "Public";
    }
}

int lp_firewall_hint(const struct lp_firewall_ops *ops, void *arg,
                     enum lp_netcat cat, char *out, size_t outlen)
{
    struct lp_fwstate st = {0, 0};

    if (outlen > 0)
        out[0] = '\0';
    if (ops->get(arg, cat, &st) != 0 || !st.enabled)
        return 0;
    if (st.block_all) {
        snprintf(out, outlen,
                 "Windows Firewall blocks every incoming connection on %s "
                 "networks, so games cannot find each other: open Windows "
                 "Security, Firewall & network protection, %s network, and "
                 "clear \"Block all incoming connections\"",
                 cat == LP_NETCAT_DOMAIN    ? "domain"
                 : cat == LP_NETCAT_PRIVATE ? "private"
                                            : "public",
                 fw_profile_name(cat));
        return 1;
    }
    if (cat == LP_NETCAT_PUBLIC) {
        snprintf(out, outlen,
                 "the LAN party network is Public, where Windows Firewall "
                 "blocks games from finding each other: open Settings, "
                 "Network & internet, the \"LAN party\" adapter, and choose "
                 "Private network");
        return 1;
    }
    return 0;
}

static NET_FW_PROFILE_TYPE2 fw_profile(enum lp_netcat cat)
{
    switch (cat) {
    case LP_NETCAT_DOMAIN:
        return NET_FW_PROFILE2_DOMAIN;
    case LP_NETCAT_PRIVATE:
        return NET_FW_PROFILE2_PRIVATE;
    default:
        return NET_FW_PROFILE2_PUBLIC;
    }
}

static int fw_com_get(void *arg, enum lp_netcat cat, struct lp_fwstate *st)
{
    INetFwPolicy2 *pol = NULL;
    VARIANT_BOOL on = VARIANT_FALSE, all = VARIANT_FALSE;
    NET_FW_PROFILE_TYPE2 p = fw_profile(cat);
    int rv = LP_ERR_IO;

    (void)arg;
    if (FAILED(CoCreateInstance(&CLSID_NetFwPolicy2, NULL, CLSCTX_INPROC_SERVER,
                                &IID_INetFwPolicy2, (void **)&pol)) ||
        pol == NULL)
        return LP_ERR_IO;
    if (SUCCEEDED(INetFwPolicy2_get_FirewallEnabled(pol, p, &on)) &&
        SUCCEEDED(INetFwPolicy2_get_BlockAllInboundTraffic(pol, p, &all))) {
        st->enabled = on != VARIANT_FALSE;
        st->block_all = all != VARIANT_FALSE;
        rv = 0;
    }
    INetFwPolicy2_Release(pol);
    return rv;
}

const struct lp_firewall_ops lp_firewall_com_ops = {fw_com_get};
