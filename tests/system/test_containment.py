"""A remote player cannot attack the LAN (spec section 6 step 3), end to
end in network namespaces: a scapy attacker writes forged frames on its own
TAP (so its client's, the relay's and the gateway's checks all see them);
a sniffer on the LAN switch and on a second player's TAP proves none
arrives; real udhcpc and dnsmasq prove the LAN's DHCP still serves the
victim and cannot be exhausted; the LAN host's neighbour table keeps the
router's MAC; the attacker's own normal traffic still works."""

import os
import re
import subprocess
import time

import pytest

from lpnet import LAN_HOST, LanParty, sh

ATTACKER = "02:00:00:00:01:01"
VICTIM = "02:00:00:00:01:02"
LAN_ROUTER_MAC = None  # read from the LAN bridge at run time

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root for namespaces")

SNIFF = """
from scapy.all import *
import sys
conf.verb = 0
pk = sniff(iface=sys.argv[1], timeout=float(sys.argv[2]), store=True)
bad = []
for p in pk:
    s = bytes(p)
    if b"EVIL" in s:
        bad.append("marker")
    elif p.haslayer(ARP) and p[ARP].psrc == "198.18.0.1" and p[ARP].hwsrc == sys.argv[3]:
        bad.append("arp_router")
    elif p.haslayer(Ether) and p[Ether].dst in ("01:00:0c:cc:cc:cc", "01:00:0c:cc:cc:cd"):
        bad.append("cisco")
    elif p.haslayer(Ether) and p[Ether].type in (0x8808, 0x888e, 0x88cc):
        bad.append("l2control")
    elif p.haslayer(ICMPv6ND_NA) and p[ICMPv6ND_NA].tgt == "2001:db8:1::1" and p[Ether].src == sys.argv[3]:
        bad.append("na_router")
    elif p.haslayer(UDP) and p[UDP].dport == 68 and p[Ether].src == sys.argv[3]:
        bad.append("dhcp_server")
print("seen", len(pk), "bad", ",".join(bad) or "none")
"""


def sniffer(ns, iface, seconds, attacker_mac):
    return subprocess.Popen(["ip", "netns", "exec", ns, "/usr/bin/python3", "-c", SNIFF, iface,
                             str(seconds), attacker_mac], stdout=subprocess.PIPE, text=True)


def scapy_ns(ns, code, timeout=60):
    prog = "from scapy.all import *\nconf.verb = 0\n" + code
    return sh("/usr/bin/python3", "-c", prog, ns=ns, timeout=timeout)


@pytest.fixture(scope="module")
def party():
    lp = LanParty(players=2, closed=True)
    with lp:
        lp.start_dnsmasq()
        lp.start_relay()
        gw = lp.start_gateway()
        gw.wait_for("event=welcome")
        for p, mac in (("p1", ATTACKER), ("p2", VICTIM)):
            c = lp.start_client(p, mac, extra=["--log-level", "debug"])
            c.wait_for("event=tap_up")
        lp.leases = {p: lp.dhcp(p) for p in ("p1", "p2")}
        yield lp


ATTACKS = """
m = "%(m)s"
frames = [
  # a DHCPv4 server on unusual ports and one by BOOTP op alone
  Ether(src=m, dst="ff:ff:ff:ff:ff:ff")/IP(src="%(ip)s", dst="255.255.255.255")/UDP(sport=1067, dport=68)/
      BOOTP(op=2, yiaddr="198.18.0.77", chaddr=b"\\x02\\x00\\x00\\x00\\x01\\x02")/
      DHCP(options=[("message-type", "offer"), ("router", "%(ip)s"), ("name_server", "%(ip)s"), ("hostname", "EVIL"), "end"]),
  Ether(src=m, dst="ff:ff:ff:ff:ff:ff")/IP(src="%(ip)s", dst="255.255.255.255")/UDP(sport=68, dport=67)/
      BOOTP(op=2, yiaddr="198.18.0.78")/DHCP(options=[("message-type", "ack"), ("hostname", "EVIL"), "end"]),
  # a DHCPv6 reply from another port
  Ether(src=m, dst="33:33:00:01:00:02")/IPv6(src="fe80::1:1", dst="ff02::1:2")/UDP(sport=5547, dport=546)/DHCP6_Reply()/Raw(b"EVIL"),
  # the LAN router's IPv4 and IPv6 addresses claimed
  Ether(src=m, dst="ff:ff:ff:ff:ff:ff")/ARP(op=2, hwsrc=m, psrc="198.18.0.1", pdst="198.18.0.1"),
  Ether(src=m, dst="33:33:00:00:00:01")/IPv6(src="2001:db8:1::1", dst="ff02::1")/
      ICMPv6ND_NA(tgt="2001:db8:1::1", R=1, O=1)/ICMPv6NDOptDstLLAddr(lladdr=m),
  Ether(src=m, dst="33:33:00:00:00:01")/IPv6(src="fe80::1:1", dst="ff02::1")/
      ICMPv6ND_Redirect(tgt="fe80::1:1", dst="2001:db8:1::1")/Raw(b"EVIL"),
  Ether(src=m, dst="ff:ff:ff:ff:ff:ff")/IP(src="%(ip)s", dst="198.18.0.1")/ICMP(type=5, code=1, gw="%(ip)s")/Raw(b"EVIL"),
  # switch control to unicast and Cisco addresses, LLC/SNAP
  Ether(src=m, dst="01:00:0c:cc:cc:cc")/LLC()/SNAP()/Raw(b"EVIL"),
  Ether(src=m, dst="01:00:0c:cc:cc:cd")/LLC()/SNAP()/Raw(b"EVIL"),
  Ether(src=m, dst="00:16:3e:aa:bb:cc", type=0x8808)/Raw(b"\\x00\\x01\\xff\\xffEVIL"),
  Ether(src=m, dst="00:16:3e:aa:bb:cc", type=0x888e)/Raw(b"EVIL"),
  Ether(src=m, dst="00:16:3e:aa:bb:cc", type=0x88cc)/Raw(b"EVIL"),
  Dot3(src=m, dst="ff:ff:ff:ff:ff:ff")/LLC()/SNAP()/Raw(b"EVIL"),
  # a router advertisement hidden in 6in4
  Ether(src=m, dst="ff:ff:ff:ff:ff:ff")/IP(src="%(ip)s", dst="198.18.0.255", proto=41)/
      IPv6(src="fe80::1:1", dst="ff02::1")/ICMPv6ND_RA()/Raw(b"EVIL"),
  # another MAC inside ARP (the frame's own source is the attacker's)
  Ether(src=m, dst="ff:ff:ff:ff:ff:ff")/ARP(op=2, hwsrc="02:00:00:00:01:02", psrc="%(ip)s", pdst="%(ip)s"),
  # another player's address claimed
  Ether(src=m, dst="ff:ff:ff:ff:ff:ff")/ARP(op=2, hwsrc=m, psrc="%(victim)s", pdst="%(victim)s"),
  Ether(src=m, dst="ff:ff:ff:ff:ff:ff")/IP(src="%(victim)s", dst="255.255.255.255")/UDP(sport=9, dport=9)/Raw(b"EVIL"),
]
for f in frames:
    sendp(f, iface="lp0")
"""


def test_attacks_from_a_player_never_arrive(party):
    lan_sniff = sniffer(party.ns["lan"], "br-lan", 8, ATTACKER)
    victim_sniff = sniffer(party.ns["p2"], "lp0", 8, ATTACKER)
    time.sleep(1.5)
    scapy_ns(party.ns["p1"], ATTACKS % {"m": ATTACKER, "ip": party.leases["p1"],
                                        "victim": party.leases["p2"]})
    for s in (lan_sniff, victim_sniff):
        out = s.communicate(timeout=30)[0]
        assert re.search(r"seen \d+ bad none", out), out
    # nobody learned the attacker's MAC for the router or the victim: the
    # victim's entry for the LAN router, the LAN host's for the victim
    sh("ping", "-c", "1", "-W", "2", LAN_HOST, ns=party.ns["p2"], check=False)
    for ns, addr in ((party.ns["p2"], LAN_HOST), (party.ns["lan"], party.leases["p2"]),
                     (party.ns["p2"], "2001:db8:1::1")):
        neigh = sh("ip", "neigh", "show", addr, ns=ns)
        assert ATTACKER not in neigh, (addr, neigh)
    # each was counted by the client that refused it
    text = party.clients["p1"].text()
    for reason in ("dhcp_server", "redirect", "lladdr_spoof", "switch_control", "ethertype",
                   "ip_tunnel", "dhcpv6_server", "router_advertisement"):
        assert re.search(r"event=frame dir=tap_to_relay .*reason=%s" % reason, text), reason
    # and the player's own diagnostics say so, by reason
    party.clients["p1"].wait_for(r"event=diagnostics .*drop_dhcp_server=\d+ .*drop_redirect=", 15)


def test_victim_still_gets_its_lease_from_the_lan(party):
    ip = party.dhcp("p2")
    assert ip == party.leases["p2"]
    leases = open(os.path.join(party.logdir, "dnsmasq.leases")).read()
    assert VICTIM in leases


def test_dhcp_pool_cannot_be_exhausted(party):
    # a thousand discovers with random chaddr in a second, from the attacker
    scapy_ns(party.ns["p1"], """
import os
m = "%s"
for i in range(1000):
    ch = bytes([2]) + os.urandom(5)
    sendp(Ether(src=m, dst="ff:ff:ff:ff:ff:ff")/IP(src="0.0.0.0", dst="255.255.255.255")/
          UDP(sport=68, dport=67)/BOOTP(op=1, chaddr=ch + bytes(10), xid=i)/
          DHCP(options=[("message-type", "discover"), "end"]), iface="lp0", verbose=0)
""" % ATTACKER, timeout=120)
    time.sleep(1)
    leases = open(os.path.join(party.logdir, "dnsmasq.leases")).read().strip().splitlines()
    assert len(leases) <= 4, leases
    # and the DHCP server still answers a real client
    assert party.dhcp("p2") == party.leases["p2"]


def test_attacker_normal_traffic_still_works(party):
    ns = party.ns["p1"]
    assert party.dhcp("p1") == party.leases["p1"]  # its own lease
    out = sh("ping", "-c", "2", "-W", "2", LAN_HOST, ns=ns)
    assert " 0% packet loss" in out
    out = sh("ping", "-c", "2", "-W", "2", party.leases["p2"], ns=ns)
    assert " 0% packet loss" in out
    # an ARP announcement of its own address passes
    scapy_ns(ns, """
sendp(Ether(src="%s", dst="ff:ff:ff:ff:ff:ff")/ARP(op=2, hwsrc="%s", psrc="%s", pdst="%s"), iface="lp0")
""" % (ATTACKER, ATTACKER, party.leases["p1"], party.leases["p1"]))


def test_relay_refuses_claims_on_another_players_address(party):
    # The client's own rules know nothing of address ownership: its frames
    # claiming the victim's address (in the attacks above) reach the relay,
    # which refuses them as addr_spoof, logs both MACs, and counts them.
    line = party.relay.wait_for(r"event=addr_spoof .*mac=%s owner_mac=%s" % (ATTACKER, VICTIM), 5)
    assert "room=PARTY" in line
    n = party.relay.count()
    sh("kill", "-USR1", str(party.relay.p.pid))
    counters = party.relay.wait_for(r"event=relay_counters", 10, start=n)
    m = re.search(r"drop_addr_spoof=(\d+)", counters)
    assert m and int(m.group(1)) >= 2, counters
    # the victim's own traffic from that address still flows
    out = sh("ping", "-c", "2", "-W", "2", LAN_HOST, ns=party.ns["p2"])
    assert " 0% packet loss" in out
