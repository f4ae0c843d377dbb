"""The daemons started from configuration files (issue 16), in the LAN
party of lpnet.py: a closed relay with settings in relay.conf, the
gateway with everything in gateway.conf (its invite link in a file), a
player who gets a lease from the party's DHCP server through them."""

import os

import pytest

from lpnet import GATEWAY, LanParty, Proc

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root for namespaces")


def test_relay_and_gateway_from_config_files():
    with LanParty(players=1, closed=True) as lp:
        relay_conf = os.path.join(lp.logdir, "relay.conf")
        with open(relay_conf, "w") as f:
            f.write("# the relay's settings\nroom-max-peers = 8\nmax-conns-per-ip = 16\n"
                    "log-level = warn\n")  # the command line's --log-level wins
        lp.relay_args = ["--config", relay_conf]
        lp.start_dnsmasq()
        relay = lp.start_relay()
        assert relay.wait_for("event=listening")
        invite = os.path.join(lp.logdir, "gateway.invite")
        with open(invite, "w") as f:
            f.write(lp.links["gateway"] + "\n")
        gw_conf = os.path.join(lp.logdir, "gateway.conf")
        with open(gw_conf, "w") as f:
            f.write("# the gateway's settings\n"
                    "invite-file = %s\n"
                    "interface = lan0\n"
                    "cam-refresh-interval = 5\n" % invite)
        gw = Proc(lp.ns["gw"], [GATEWAY, "--config", gw_conf], "gateway", lp.logdir)
        lp.procs.append(gw)
        lp.gateway = gw
        gw.wait_for("event=welcome")
        c = lp.start_client("p1", "02:00:00:00:01:01")
        c.wait_for("event=tap_up")
        assert lp.dhcp("p1").startswith("198.18.0.")
